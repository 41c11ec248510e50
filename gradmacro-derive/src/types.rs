//! Float-type inference for adjoints.
//!
//! Straight-line adjoints are `let` bindings whose type Rust infers. Adjoints that
//! accumulate across blocks and loop iterations are mutable locals that start at
//! zero, and they need their float type written out. An active value always
//! derives from a float parameter through arithmetic, casts and rules, so its type
//! follows from its operands; this pass propagates it (slots take the type of
//! what is written to them) until nothing changes.

use crate::ir::{Body, BufferInit, CastTarget, Node, Op, Opaque, SlotId, SlotInit, ValueId};
use crate::signature::{FloatTy, FnSignature};

/// The float type of each value and slot, where one is known.
pub struct FloatTypes {
    values: Vec<Option<FloatTy>>,
    slots: Vec<Option<FloatTy>>,
}

impl FloatTypes {
    pub fn of(&self, value: ValueId) -> Option<FloatTy> {
        self.values[value.0]
    }

    pub fn of_slot(&self, slot: SlotId) -> Option<FloatTy> {
        self.slots[slot.0]
    }
}

/// Infers the float types of `body`'s values.
pub fn infer(body: &Body, sig: &FnSignature) -> FloatTypes {
    let mut types = FloatTypes {
        values: vec![None; body.value_count()],
        slots: vec![None; body.slots.len()],
    };
    let mut changed = true;
    while changed {
        changed = false;
        body.root.walk(&mut |node| match node {
            Node::Def(value) => {
                if types.values[value.0].is_some() {
                    return;
                }
                let first = |values: &[ValueId], types: &FloatTypes| {
                    values.iter().find_map(|v| types.values[v.0])
                };
                let ty = match &body.def(*value).op {
                    Op::Param { index } => sig.params[*index].float(),
                    Op::Deref(v) | Op::Copy(v) | Op::Neg(v) | Op::Opaque(Opaque::Ref(v)) => {
                        types.values[v.0]
                    }
                    Op::Binding {
                        scrutinee,
                        whole: true,
                        ..
                    } => types.values[scrutinee.0],
                    Op::Arith(_, a, b) => first(&[*a, *b], &types),
                    Op::Cast {
                        ty,
                        target: CastTarget::Float,
                        ..
                    } => FloatTy::of(ty),
                    Op::Rule { args, rule, .. } => {
                        let floats: Vec<ValueId> = args
                            .iter()
                            .zip(rule.inputs)
                            .filter(|(_, input)| **input == crate::rule_table::Input::Float)
                            .map(|(arg, _)| *arg)
                            .collect();
                        first(&floats, &types)
                    }
                    Op::ReadSlot(slot) => types.slots[slot.0],
                    Op::Index { base, .. } => types.values[base.0],
                    // A call's result is taken to have its float arguments' type.
                    Op::Opaque(Opaque::Call { args, .. } | Opaque::Method { args, .. }) => {
                        first(args, &types)
                    }
                    Op::Buffer(init) => match init {
                        BufferInit::Repeat { elem, .. } => types.values[elem.0],
                        BufferInit::List { elems, .. } => first(elems, &types),
                        BufferInit::Copy { source, .. } => types.values[source.0],
                        BufferInit::Empty { .. } => None,
                    },
                    _ => None,
                };
                if ty.is_some() {
                    types.values[value.0] = ty;
                    changed = true;
                }
            }
            Node::Write { slot, value }
            | Node::Declare {
                slot,
                init: SlotInit::Value(value),
            } if types.slots[slot.0].is_none() && types.values[value.0].is_some() => {
                types.slots[slot.0] = types.values[value.0];
                changed = true;
            }
            // A buffer has the type of what is stored into it.
            Node::Store { base, value, .. } | Node::Push { base, value }
                if types.values[base.0].is_none() && types.values[value.0].is_some() =>
            {
                types.values[base.0] = types.values[value.0];
                changed = true;
            }
            _ => {}
        });
    }
    types
}
