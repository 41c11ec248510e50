//! The printable form of a fusion plan, for `GRADMACRO_DUMP` and tests.

use super::{Fusion, Scale};
use crate::ir::{BlockId, ValueId};

impl std::fmt::Display for Fusion {
    /// One line per fused loop, for dumps and tests: each accumulator's exit
    /// adjoint, the values hoisted, and the adjoints declared before the loop;
    /// then one line per top-level loop that is not fused, saying why.
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        let mut blocks: Vec<&BlockId> = self.loops.keys().collect();
        blocks.sort();
        for block in blocks {
            let fused = &self.loops[block];
            write!(f, "fused loop b{}:", block.0)?;
            for (slot, scales) in &fused.accumulators {
                let mut adjoint = "seed".to_string();
                for scale in scales {
                    adjoint = match scale {
                        Scale::Neg => format!("-({adjoint})"),
                        Scale::Mul(v) => format!("{adjoint} * v{}", v.0),
                        Scale::Div(v) => format!("{adjoint} / v{}", v.0),
                    };
                }
                write!(f, " s{} exits with {adjoint};", slot.0)?;
            }
            if let Some(deferred) = &fused.deferred {
                write!(
                    f,
                    " s{} exits with an adjoint the code after it gives, scaling [{}] and setting aside [{}]",
                    deferred.slot.0,
                    deferred.scaled.iter().map(|v| format!("v{}", v.0)).collect::<Vec<_>>().join(", "),
                    deferred
                        .set_aside
                        .iter()
                        .map(|v| format!("v{}", v.0))
                        .chain(deferred.set_aside_slots.iter().map(|s| format!("s{}", s.0)))
                        .collect::<Vec<_>>()
                        .join(", "),
                )?;
                write!(f, ";")?;
            }
            let list = |values: &[ValueId]| {
                values
                    .iter()
                    .map(|v| format!("v{}", v.0))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            if !fused.hoisted.is_empty() {
                write!(f, " hoists {};", list(&fused.hoisted))?;
            }
            write!(f, " adds into [{}]", list(&fused.predeclared))?;
            for slot in &fused.predeclared_slots {
                write!(f, " s{}", slot.0)?;
            }
            writeln!(f)?;
        }
        for (block, reason) in &self.not_fused {
            writeln!(f, "loop b{} not fused: {reason}", block.0)?;
        }
        let mut sole: Vec<ValueId> = self.sole_contributions.iter().copied().collect();
        sole.sort();
        if !sole.is_empty() {
            let sole: Vec<String> = sole.iter().map(|v| format!("v{}", v.0)).collect();
            writeln!(f, "sole contributions: {}", sole.join(", "))?;
        }
        Ok(())
    }
}
