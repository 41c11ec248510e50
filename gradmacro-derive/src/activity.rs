//! Activity analysis: which values need an adjoint.
//!
//! A value is *active* when it is **varied** (depends differentiably on a
//! parameter we differentiate with respect to) and **useful** (reaches the
//! returned value). Only active values get adjoint code; everything else stays
//! plain primal code, which is most of what makes generated gradients as fast as
//! hand-written ones (the idea of Tapenade's and Enzyme's activity analysis).
//! Slots carry both properties from their writes to their reads; because loops
//! feed a slot's later writes from its earlier reads, both passes iterate to a
//! fixed point.
//!
//! The same pass finds the one real error of this stage: a varied value that
//! reaches the output through an operation without a derivative (an unknown method
//! or function). Operations whose result carries no derivative at all
//! (comparisons, `is_nan`, casts to integers, `floor`) are fine: they stop the
//! dependence instead. Branch conditions are never differentiated.

use crate::ir::{
    Body, BufferInit, CastTarget, LoopKind, Node, Op, Opaque, SlotId, SlotInit, Stmt, ValueId,
};
use crate::rule_table;
use syn::{BinOp, UnOp};

/// The result of the analysis, indexed by value and by slot.
pub struct Activity {
    active: Vec<bool>,
    active_slots: Vec<bool>,
}

impl Activity {
    pub fn is_active(&self, value: ValueId) -> bool {
        self.active[value.0]
    }

    pub fn is_slot_active(&self, slot: SlotId) -> bool {
        self.active_slots[slot.0]
    }
}

/// How an operation treats a dependence on differentiated parameters.
#[derive(Clone, Copy, PartialEq, Eq)]
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
        Op::Param { .. }
        | Op::Const(_)
        | Op::ReadSlot(_)
        | Op::LoopItem
        | Op::TripCount
        | Op::Decision => Flow::Stops,
        Op::Copy(_) | Op::Deref(_) | Op::Neg(_) | Op::Arith(..) | Op::Index { .. } => {
            Flow::Differentiable
        }
        Op::Buffer(BufferInit::Empty { .. }) => Flow::Stops,
        Op::Buffer(_) => Flow::Differentiable,
        Op::Binding { whole, .. } => {
            if *whole {
                Flow::Differentiable
            } else {
                Flow::PassThrough
            }
        }
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
            // A borrowed row of a buffer carries its dependence to the callee it is
            // passed to (see `reverse.rs`, call composition).
            Opaque::Index { borrowed: true, .. } => Flow::Differentiable,
            // A tuple scrutinee's elements reach the arms through pattern bindings.
            Opaque::Field { .. } | Opaque::Index { .. } | Opaque::Tuple(_) => Flow::PassThrough,
            // Composed through the callee's `_pullback` (see `reverse.rs`).
            Opaque::Call { .. } => Flow::Differentiable,
            Opaque::Unary(UnOp::Not(_), _) => Flow::Stops,
            Opaque::Binary(op, _, _) if is_comparison_or_logic(op) => Flow::Stops,
            Opaque::Method { method, .. }
                if rule_table::is_derivative_free(&method.to_string()) =>
            {
                Flow::Stops
            }
            // A method of a constant receiver (`self.predict(x)`, `model.eval(x)`)
            // is composed through `receiver.NAME_pullback` like a call; one on a
            // differentiated receiver is refused where errors are found.
            Opaque::Method { .. } => Flow::Differentiable,
            _ => Flow::Blocks,
        },
    }
}

fn is_comparison_or_logic(op: &BinOp) -> bool {
    matches!(
        op,
        BinOp::Eq(_)
            | BinOp::Ne(_)
            | BinOp::Lt(_)
            | BinOp::Le(_)
            | BinOp::Gt(_)
            | BinOp::Ge(_)
            | BinOp::Or(_)
            | BinOp::And(_)
    )
}

/// The value a slot node writes.
fn written(node: &Node) -> Option<(SlotId, ValueId)> {
    match node {
        Node::Write { slot, value } => Some((*slot, *value)),
        Node::Declare {
            slot,
            init: SlotInit::Value(value),
        } => Some((*slot, *value)),
        _ => None,
    }
}

/// The buffer an element write goes into, and the value written.
fn stored(node: &Node) -> Option<(ValueId, ValueId)> {
    match node {
        Node::Store { base, value, .. } | Node::Push { base, value } => Some((*base, *value)),
        _ => None,
    }
}

/// Analyses `body` for gradients with respect to the parameter values `seeds`.
pub fn analyze(body: &Body, seeds: &[ValueId]) -> syn::Result<Activity> {
    let (count, slot_count) = (body.value_count(), body.slots.len());
    // `depends`: reaches from a seed through anything but a `Stops` operation.
    let mut depends = vec![false; count];
    let mut varied = vec![false; count];
    let (mut slot_depends, mut slot_varied) = (vec![false; slot_count], vec![false; slot_count]);
    let mut loop_items: Vec<(ValueId, ValueId)> = Vec::new();
    body.root.walk(&mut |node| {
        if let Node::Loop(lp) = node {
            if let LoopKind::For { item, iter } = lp.kind {
                loop_items.push((item, iter));
            }
        }
    });
    let mut changed = true;
    while changed {
        changed = false;
        body.root.walk(&mut |node| {
            if let Node::Def(value) = node {
                let stmt = body.def(*value);
                let operands = stmt.op.operands();
                let any_depends = operands.iter().any(|o| depends[o.0]);
                let any_varied = operands.iter().any(|o| varied[o.0]);
                let (d, v) = match &stmt.op {
                    Op::Param { .. } => {
                        let seeded = seeds.contains(value);
                        (seeded, seeded)
                    }
                    Op::ReadSlot(slot) => (slot_depends[slot.0], slot_varied[slot.0]),
                    Op::LoopItem => {
                        let iter = loop_items
                            .iter()
                            .find(|(item, _)| item == value)
                            .map(|(_, iter)| *iter);
                        (iter.is_some_and(|iter| depends[iter.0]), false)
                    }
                    op => match flow(op) {
                        Flow::Differentiable => (any_depends, any_varied),
                        Flow::PassThrough | Flow::Blocks => (any_depends, false),
                        Flow::Stops => (false, false),
                    },
                };
                let updated = (depends[value.0] | d, varied[value.0] | v);
                if updated != (depends[value.0], varied[value.0]) {
                    (depends[value.0], varied[value.0]) = updated;
                    changed = true;
                }
            } else if let Some((base, value)) = stored(node) {
                // A buffer takes on what is stored into it.
                let updated = (
                    depends[base.0] | depends[value.0],
                    varied[base.0] | varied[value.0],
                );
                if updated != (depends[base.0], varied[base.0]) {
                    (depends[base.0], varied[base.0]) = updated;
                    changed = true;
                }
            } else if let Some((slot, value)) = written(node) {
                let (d, v) = (
                    slot_depends[slot.0] | depends[value.0],
                    slot_varied[slot.0] | varied[value.0],
                );
                if (d, v) != (slot_depends[slot.0], slot_varied[slot.0]) {
                    slot_depends[slot.0] = d;
                    slot_varied[slot.0] = v;
                    changed = true;
                }
            }
        });
    }
    // `needed`: reaches the output through anything; `useful`: through
    // differentiable operations only, so an adjoint can flow back along it.
    let mut needed = vec![false; count];
    let mut useful = vec![false; count];
    let (mut slot_needed, mut slot_useful) = (vec![false; slot_count], vec![false; slot_count]);
    needed[body.ret.0] = true;
    useful[body.ret.0] = true;
    let mut changed = true;
    while changed {
        changed = false;
        let mut mark = |flags: &mut Vec<bool>, index: usize, value: bool| {
            if value && !flags[index] {
                flags[index] = true;
                changed = true;
            }
        };
        body.root.walk(&mut |node| {
            if let Node::Def(value) = node {
                let stmt = body.def(*value);
                if let Op::ReadSlot(slot) = stmt.op {
                    mark(&mut slot_needed, slot.0, needed[value.0]);
                    mark(&mut slot_useful, slot.0, useful[value.0]);
                }
                if !needed[value.0] {
                    return;
                }
                let differentiable = flow(&stmt.op) == Flow::Differentiable;
                let flows_back = differentiable && useful[value.0];
                for operand in stmt.op.operands() {
                    mark(&mut needed, operand.0, true);
                    mark(&mut useful, operand.0, flows_back);
                }
            } else if let Some((base, value)) = stored(node) {
                let (base_needed, base_useful) = (needed[base.0], useful[base.0]);
                mark(&mut needed, value.0, base_needed);
                mark(&mut useful, value.0, base_useful);
            } else if let Some((slot, value)) = written(node) {
                mark(&mut needed, value.0, slot_needed[slot.0]);
                mark(&mut useful, value.0, slot_useful[slot.0]);
            }
        });
    }
    // Errors in program order, so the first offending operation is the one
    // reported (a missing rule, before the arithmetic that consumes its result).
    let mut error = None;
    body.root.walk(&mut |node| {
        let Node::Def(value) = node else { return };
        let stmt = body.def(*value);
        let mutates_buffer = matches!(&stmt.op, Op::Opaque(Opaque::Method { receiver, .. }) if body.def(*receiver).buffer);
        if error.is_some() || !(needed[value.0] || mutates_buffer) {
            return;
        }
        let operands = stmt.op.operands();
        error = match (&stmt.op, flow(&stmt.op)) {
            // A method that rearranges a buffer (`swap`, `fill`, `reverse`) acts
            // outside the element reads and writes the reverse sweep follows.
            (Op::Opaque(Opaque::Method { receiver, method, .. }), _)
                if body.def(*receiver).buffer
                    && depends[receiver.0]
                    && !rule_table::is_derivative_free(&method.to_string()) =>
            {
                Some(syn::Error::new(
                    method.span(),
                    format!("`{method}` changes or reads a buffer that depends on a differentiated parameter in a way gradmacro cannot follow; write it with element reads and writes (`v[i]`, `v[i] = ...`)"),
                ))
            }
            // A differentiated receiver would need the method's derivative
            // with respect to it: only rules have that.
            (Op::Opaque(Opaque::Method { receiver, .. }), Flow::Differentiable)
                if depends[receiver.0] =>
            {
                Some(no_derivative(stmt))
            }
            (Op::LoopItem, _) if depends[value.0] => Some(syn::Error::new(
                stmt.span,
                "iterating over values that depend on a differentiated parameter is not supported yet, except over the elements of a float buffer; collect them into a buffer or iterate over indices",
            )),
            (_, Flow::Blocks) if operands.iter().any(|o| depends[o.0]) => Some(no_derivative(stmt)),
            // A dependence that arrived without a derivative (through a field
            // read) cannot be differentiated further: refuse rather than drop it.
            (_, Flow::Differentiable) if operands.iter().any(|o| depends[o.0] && !varied[o.0]) => Some(syn::Error::new(
                stmt.span,
                "this value depends on a differentiated parameter in a way gradmacro cannot differentiate (through a field or tuple element of a non-float value)",
            )),
            _ => None,
        };
    });
    if let Some(error) = error {
        return Err(error);
    }
    let active = (0..count).map(|i| varied[i] && useful[i]).collect();
    let active_slots = (0..slot_count)
        .map(|i| slot_varied[i] && slot_useful[i])
        .collect();
    Ok(Activity {
        active,
        active_slots,
    })
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
        _ => syn::Error::new(
            stmt.span,
            "this operation has no derivative, and an operand depends on a differentiated parameter",
        ),
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
        // v0 = x, v1 = w, v2 = 2.0, v3 = x * 2, v4 = w * w (dead), v5 = v3 * w
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
    fn slots_carry_activity_around_loops() {
        // The loop reads `s` before writing it: only the fixed point sees that
        // the read is varied from the second iteration on.
        let item = quote!(
            fn f(x: f64, n: usize) -> f64 {
                let mut s = 1.0;
                let mut t = 0.0;
                for _ in 0..n {
                    t = s;
                    s = x;
                }
                t
            }
        );
        let active = active(item, &[0]).unwrap();
        assert!(active.starts_with("v0 "), "{active}");
        assert!(!active.is_empty());
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
        // A call on an active argument composes through `helper_pullback`.
        assert_eq!(active(through_reference, &[0]).unwrap(), "v0 v1 v2");
        let constant_call = quote!(
            fn f(x: f64, n: i32) -> f64 {
                x * helper(n)
            }
        );
        assert_eq!(active(constant_call, &[0]).unwrap(), "v0 v3");
        let in_a_condition = quote!(
            fn f(x: f64) -> f64 {
                if x.frobnicate() > 0 {
                    x
                } else {
                    -x
                }
            }
        );
        assert!(active(in_a_condition, &[0]).is_ok());
    }
}
