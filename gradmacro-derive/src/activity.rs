//! Activity analysis: which values need an adjoint.
//!
//! A value is *active* when it is **varied** (depends differentiably on a
//! parameter we differentiate with respect to) and **useful** (reaches the
//! returned value). Only active values get adjoint code; everything else stays
//! plain primal code, which is most of what makes generated gradients as fast as
//! hand-written ones (the idea of Tapenade's and Enzyme's activity analysis).
//!
//! The same pass finds the one real error of this stage: a varied value that
//! reaches the output through an operation without a derivative (an unknown method
//! or function). Operations whose result carries no derivative at all
//! (comparisons, `is_nan`, casts to integers, `floor`) are fine: they stop the
//! dependence instead.

use crate::ir::{Body, CastTarget, Op, Opaque, Stmt, ValueId};
use crate::rule_table;
use syn::{BinOp, UnOp};

/// The result of the analysis, indexed by value.
pub struct Activity {
    active: Vec<bool>,
}

impl Activity {
    pub fn is_active(&self, value: ValueId) -> bool {
        self.active[value.0]
    }
}

/// How an operation treats a dependence on differentiated parameters.
enum Flow {
    /// Differentiable: the result is varied when an operand is.
    Differentiable,
    /// Carries the dependence without a derivative of its own (a field read):
    /// whatever uses the result is checked in turn.
    PassThrough,
    /// The result has no derivative to speak of (a bool, an integer, a step).
    Stops,
    /// Needs a derivative that does not exist.
    Blocks,
}

fn flow(op: &Op) -> Flow {
    match op {
        Op::Param { .. } | Op::Const(_) => Flow::Stops,
        Op::Copy(_) | Op::Deref(_) | Op::Neg(_) | Op::Arith(..) => Flow::Differentiable,
        Op::Cast { target, .. } => match target {
            CastTarget::Float => Flow::Differentiable,
            CastTarget::Integer => Flow::Stops,
            CastTarget::Unknown => Flow::Blocks,
        },
        Op::Rule { rule, .. } => {
            if rule.piecewise_constant {
                Flow::Stops
            } else {
                Flow::Differentiable
            }
        }
        Op::Opaque(opaque) => match opaque {
            Opaque::Ref(_) => Flow::Differentiable,
            Opaque::Field { .. } => Flow::PassThrough,
            Opaque::Unary(UnOp::Not(_), _) => Flow::Stops,
            Opaque::Binary(op, _, _) if is_comparison(op) => Flow::Stops,
            Opaque::Method { method, .. }
                if rule_table::is_derivative_free(&method.to_string()) =>
            {
                Flow::Stops
            }
            _ => Flow::Blocks,
        },
    }
}

fn is_comparison(op: &BinOp) -> bool {
    matches!(
        op,
        BinOp::Eq(_) | BinOp::Ne(_) | BinOp::Lt(_) | BinOp::Le(_) | BinOp::Gt(_) | BinOp::Ge(_)
    )
}

/// Analyses `body` for gradients with respect to the parameter values `seeds`.
pub fn analyze(body: &Body, seeds: &[ValueId]) -> syn::Result<Activity> {
    let count = body.value_count();
    // `depends`: reaches from a seed through anything but a `Stops` operation.
    let mut depends = vec![false; count];
    let mut varied = vec![false; count];
    for stmt in &body.stmts {
        let any_operand = stmt.op.operands().iter().any(|operand| depends[operand.0]);
        let (d, v) = match flow(&stmt.op) {
            _ if matches!(stmt.op, Op::Param { .. }) => {
                let seeded = seeds.contains(&stmt.def);
                (seeded, seeded)
            }
            Flow::Differentiable => {
                let any_varied = stmt.op.operands().iter().any(|operand| varied[operand.0]);
                (any_operand, any_varied)
            }
            Flow::PassThrough | Flow::Blocks => (any_operand, false),
            Flow::Stops => (false, false),
        };
        depends[stmt.def.0] = d;
        varied[stmt.def.0] = v;
    }
    // `needed`: reaches the output through anything; `useful`: through
    // differentiable operations only, so an adjoint can flow back along it.
    let mut needed = vec![false; count];
    let mut useful = vec![false; count];
    needed[body.ret.0] = true;
    useful[body.ret.0] = true;
    for stmt in body.stmts.iter().rev() {
        if !needed[stmt.def.0] {
            continue;
        }
        let operands = stmt.op.operands();
        let differentiable = matches!(flow(&stmt.op), Flow::Differentiable);
        for operand in &operands {
            needed[operand.0] = true;
            useful[operand.0] |= differentiable && useful[stmt.def.0];
        }
    }
    // Errors in program order, so the first offending operation is the one
    // reported (a missing rule, before the arithmetic that consumes its result).
    for stmt in body.stmts.iter().filter(|stmt| needed[stmt.def.0]) {
        let operands = stmt.op.operands();
        match flow(&stmt.op) {
            Flow::Blocks if operands.iter().any(|o| depends[o.0]) => {
                return Err(no_derivative(stmt));
            }
            // A dependence that arrived without a derivative (through a field
            // read) cannot be differentiated further: refuse rather than drop it.
            Flow::Differentiable if operands.iter().any(|o| depends[o.0] && !varied[o.0]) => {
                return Err(syn::Error::new(
                    stmt.span,
                    "this value depends on a differentiated parameter in a way gradmacro cannot differentiate (through a field or tuple element of a non-float value)",
                ));
            }
            _ => {}
        }
    }
    let active = (0..count).map(|i| varied[i] && useful[i]).collect();
    Ok(Activity { active })
}

fn no_derivative(stmt: &Stmt) -> syn::Error {
    let summary = rule_table::summary();
    match &stmt.op {
        Op::Opaque(Opaque::Method { method, .. }) => syn::Error::new(
            method.span(),
            format!(
                "`{method}` has no derivative rule, and its input depends on a differentiated parameter; the float methods with rules are {summary}"
            ),
        ),
        Op::Opaque(Opaque::Call { func, .. }) => {
            let name = quote::ToTokens::to_token_stream(&func.path).to_string().replace(' ', "");
            syn::Error::new_spanned(
                func,
                format!(
                    "`{name}` has no derivative rule, and an argument depends on a differentiated parameter; calls to other functions are not differentiated yet, so write its computation inline"
                ),
            )
        }
        Op::Cast { ty, .. } => syn::Error::new_spanned(
            ty,
            format!(
                "cannot tell whether `{}` is a float type, and the value cast depends on a differentiated parameter; cast to `f64` or `f32`",
                quote::ToTokens::to_token_stream(ty)
            ),
        ),
        _ => syn::Error::new(stmt.span, "this operation has no derivative, and an operand depends on a differentiated parameter"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attr::Options;
    use crate::{lower, signature};
    use quote::quote;

    /// The active values, as `v0 v3 ...`, with respect to the parameters `wrt`.
    fn active(item: proc_macro2::TokenStream, wrt: &[usize]) -> syn::Result<String> {
        let function: syn::ItemFn = syn::parse2(item).unwrap();
        let sig = signature::analyze(&function.sig, &Options::default()).unwrap();
        let lowered = lower::lower(&function.block, &sig).unwrap();
        let seeds: Vec<ValueId> = wrt.iter().filter_map(|&i| lowered.params[i]).collect();
        let activity = analyze(&lowered.body, &seeds)?;
        let names: Vec<String> = (0..lowered.body.value_count())
            .map(ValueId)
            .filter(|&v| activity.is_active(v))
            .map(|v| v.to_string())
            .collect();
        Ok(names.join(" "))
    }

    #[test]
    fn constants_and_dead_values_are_inactive() {
        // v0 = x, v1 = w, v2 = x * 2, v3 = w * w (dead), v4 = v2 * w
        let item = quote!(
            fn f(x: f64, w: f64) -> f64 {
                let c = x * 2.0;
                let dead = w * w;
                c * w
            }
        );
        assert_eq!(active(item.clone(), &[1]).unwrap(), "v1 v5");
        assert_eq!(active(item, &[0, 1]).unwrap(), "v0 v1 v3 v5");
    }

    #[test]
    fn steps_and_comparisons_stop_the_dependence() {
        let item = quote!(
            fn f(x: f64) -> f64 {
                let k = x.floor() + (x > 1.0) as i32 as f64;
                k * 3.0
            }
        );
        assert_eq!(active(item, &[0]).unwrap(), "");
    }

    #[test]
    fn unknown_methods_on_active_values_are_errors_only_when_used() {
        let used = quote!(
            fn f(x: f64) -> f64 {
                x.frobnicate()
            }
        );
        let message = active(used, &[0]).unwrap_err().to_string();
        assert!(
            message.starts_with("`frobnicate` has no derivative rule"),
            "{message}"
        );
        let unused = quote!(
            fn f(x: f64) -> f64 {
                let s = x.frobnicate();
                x
            }
        );
        assert_eq!(active(unused, &[0]).unwrap(), "v0");
        let through_reference = quote!(
            fn f(x: f64) -> f64 {
                helper(&x)
            }
        );
        assert!(active(through_reference, &[0])
            .unwrap_err()
            .to_string()
            .starts_with("`helper` has no derivative rule"));
        let constant_call = quote!(
            fn f(x: f64, n: i32) -> f64 {
                x * helper(n)
            }
        );
        assert_eq!(active(constant_call, &[0]).unwrap(), "v0 v3");
    }
}
