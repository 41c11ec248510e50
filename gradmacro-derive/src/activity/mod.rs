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
//! Beside *varied*, the analysis tracks **depends**: reaches from a parameter
//! through anything that is not a step function, whether or not the operation
//! has a derivative. A value that depends but is not varied has *lost* a
//! derivative on the way (a field read of a struct a helper built, a method
//! that may have changed its receiver). Such a value reaching the output along
//! differentiable operations is an error (`errors.rs`): differentiating it
//! would silently give zero. That is the whole soundness argument of the
//! macro, written out in the `gradmacro` crate docs ("Why a gradient is never
//! silently wrong").
//!
//! Operations whose result carries no derivative at all (comparisons,
//! `is_nan`, casts to integers, `floor`) stop the dependence instead: a zero
//! derivative is their true derivative. Branch conditions are never
//! differentiated.

mod errors;

use crate::ir::{
    Body, BufferInit, CastTarget, LoopKind, Node, Op, Opaque, SlotId, SlotInit, ValueId,
};
use crate::rule_table;
use std::collections::HashMap;
use syn::{BinOp, UnOp};

/// The result of the analysis, indexed by value and by slot.
#[derive(PartialEq, Eq)]
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

fn flow(body: &Body, op: &Op) -> Flow {
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
            Opaque::Index { borrowed: true, .. }
            | Opaque::Slice { .. }
            | Opaque::BorrowMut { .. } => Flow::Differentiable,
            Opaque::ConstantMut { .. } => Flow::PassThrough,
            // A tuple scrutinee's elements reach the arms through pattern bindings.
            Opaque::Field { .. } | Opaque::Index { .. } | Opaque::Tuple(_) => Flow::PassThrough,
            // The order that sorts a buffer, the position of its maximum: constants.
            Opaque::Call { func, .. } if crate::lower::is_primal_only(func) => Flow::Stops,
            // Composed through the callee's `_pullback` (see `reverse.rs`).
            Opaque::Call { .. } => Flow::Differentiable,
            Opaque::Closure {
                result_free: true, ..
            } => Flow::Stops,
            // Read by the reverse sweep only, as a constant.
            Opaque::CallGradient(_) => Flow::Stops,
            Opaque::Unary(UnOp::Not(_), _) => Flow::Stops,
            Opaque::Binary(op, _, _) if is_comparison_or_logic(op) => Flow::Stops,
            Opaque::Method {
                method, receiver, ..
            } if is_derivative_free(body, method, *receiver) => Flow::Stops,
            // A method of a constant receiver (`self.predict(x)`, `model.eval(x)`)
            // is composed through `receiver.NAME_pullback` like a call; one on a
            // differentiated receiver is refused where errors are found.
            Opaque::Method { .. } => Flow::Differentiable,
            _ => Flow::Blocks,
        },
    }
}

/// Whether `receiver.method()` returns something without a derivative. The
/// collection methods (`len`, `is_empty`) count only on float buffers: a
/// user's `Vec3::len` may well return a float.
fn is_derivative_free(body: &Body, method: &syn::Ident, receiver: ValueId) -> bool {
    let name = method.to_string();
    match name.as_str() {
        "len" | "is_empty" => is_buffer_or_row(body, receiver),
        _ => rule_table::is_derivative_free(&name),
    }
}

/// A float buffer, a row of one (`&m[r]`), or a reference to either.
fn is_buffer_or_row(body: &Body, value: ValueId) -> bool {
    let stmt = body.def(value);
    match &stmt.op {
        _ if stmt.buffer => true,
        Op::Opaque(Opaque::Index { base, .. } | Opaque::Slice { base, .. } | Opaque::Ref(base)) => {
            is_buffer_or_row(body, *base)
        }
        _ => false,
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
        Node::Store { base, value, .. }
        | Node::Push { base, value }
        | Node::Overwrite {
            target: base,
            source: value,
            ..
        } => Some((*base, *value)),
        Node::Resize {
            base,
            fill: Some(fill),
            ..
        } => Some((*base, *fill)),
        _ => None,
    }
}

/// What a call may change besides returning its result: the variable behind
/// its receiver or a borrowed argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Place {
    Value(ValueId),
    Slot(SlotId),
}

/// The variable a receiver or argument expression stands for: `a` of
/// `a.field.inner`, `a[i]`, `&a`.
fn place_of(body: &Body, mut value: ValueId) -> Place {
    loop {
        match &body.def(value).op {
            Op::Opaque(
                Opaque::Field { base, .. }
                | Opaque::Index { base, .. }
                | Opaque::Slice { base, .. }
                | Opaque::BorrowMut { base, .. }
                | Opaque::ConstantMut { value: base, .. }
                | Opaque::Ref(base),
            ) => value = *base,
            Op::ReadSlot(slot) => return Place::Slot(*slot),
            _ => return Place::Value(value),
        }
    }
}

/// Whether the variable may be changed through `&mut` by a method: a `let
/// mut` local, a `mut` or `&mut` parameter (`&mut self`), or a slot (a
/// variable assigned in a branch or loop, so declared `mut`).
fn is_mutable_place(body: &Body, place: Place) -> bool {
    match place {
        Place::Value(value) => body.def(value).mutable,
        Place::Slot(_) => true,
    }
}

/// The places a call with arguments that depend on differentiated parameters
/// may change: its receiver when that is mutable, and, when its result is
/// thrown away (so it is called for its effect), its receiver and borrowed
/// arguments whatever they are (`Cell::set` changes a shared one).
fn changed_places(body: &Body, call: ValueId, unused: bool) -> Vec<Place> {
    let (receiver, args) = match &body.def(call).op {
        Op::Opaque(Opaque::Method { receiver, args, .. }) => (Some(*receiver), args),
        Op::Opaque(Opaque::Call { args, .. }) => (None, args),
        _ => return Vec::new(),
    };
    let mut places = Vec::new();
    // A method lent `&mut` float data composes through its pullback's
    // out-parameter convention: it is called for what it writes there, not
    // for an effect on a receiver it takes by shared reference.
    let lends = args
        .iter()
        .any(|arg| matches!(body.def(*arg).op, Op::Opaque(Opaque::BorrowMut { .. })));
    if let Some(receiver) = receiver {
        let place = place_of(body, receiver);
        if (unused && !lends) || is_mutable_place(body, place) {
            places.push(place);
        }
    }
    for arg in args {
        match body.def(*arg).op {
            // Lent `&mut`, a constant may be changed whatever the result
            // (but an integer's change carries no derivative to lose).
            Op::Opaque(Opaque::ConstantMut { value, .. }) if !visibly_not_float(body, value) => {
                places.push(place_of(body, *arg))
            }
            // (A float buffer has no interior mutability: `&q` stays as it was.)
            Op::Opaque(Opaque::Ref(inner)) if unused && !body.def(inner).buffer => {
                places.push(place_of(body, *arg))
            }
            _ => {}
        }
    }
    places
}

/// Whether a value is visibly not a float nor holds one: a variable
/// annotated with an integer type (`Vec<usize>`, `u64`), or made from an
/// integer or `bool` literal (`0usize`).
fn visibly_not_float(body: &Body, mut value: ValueId) -> bool {
    for _ in 0..body.value_count() {
        let stmt = body.def(value);
        if stmt
            .ty
            .as_ref()
            .is_some_and(crate::signature::names_no_float)
        {
            return true;
        }
        match &stmt.op {
            Op::Copy(inner) => value = *inner,
            Op::Const(tokens) => {
                return match syn::parse2::<syn::Lit>(tokens.clone()) {
                    Ok(syn::Lit::Int(int)) => !matches!(int.suffix(), "" | "f32" | "f64"),
                    Ok(syn::Lit::Bool(_)) => true,
                    _ => false,
                }
            }
            _ => return false,
        }
    }
    false
}

/// The first pass's result: which values and slots depend on and are varied
/// by the seeds, and which places calls changed (with the call).
struct Dependence {
    depends: Vec<bool>,
    varied: Vec<bool>,
    slot_depends: Vec<bool>,
    slot_varied: Vec<bool>,
    changed_by: HashMap<Place, ValueId>,
}

fn dependence(body: &Body, seeds: &[ValueId]) -> Dependence {
    let (count, slot_count) = (body.value_count(), body.slots.len());
    let mut d = Dependence {
        depends: vec![false; count],
        varied: vec![false; count],
        slot_depends: vec![false; slot_count],
        slot_varied: vec![false; slot_count],
        changed_by: HashMap::new(),
    };
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
                let any_depends = operands.iter().any(|o| d.depends[o.0]);
                let any_varied = operands.iter().any(|o| d.varied[o.0]);
                let (depends, varied) = match &stmt.op {
                    Op::Param { .. } => {
                        let seeded = seeds.contains(value);
                        (seeded, seeded)
                    }
                    Op::ReadSlot(slot) => (d.slot_depends[slot.0], d.slot_varied[slot.0]),
                    Op::LoopItem => {
                        let iter = loop_items
                            .iter()
                            .find(|(item, _)| item == value)
                            .map(|(_, iter)| *iter);
                        (iter.is_some_and(|iter| d.depends[iter.0]), false)
                    }
                    op => match flow(body, op) {
                        Flow::Differentiable => (any_depends, any_varied),
                        Flow::PassThrough | Flow::Blocks => (any_depends, false),
                        Flow::Stops => (false, false),
                    },
                };
                let updated = (d.depends[value.0] | depends, d.varied[value.0] | varied);
                if updated != (d.depends[value.0], d.varied[value.0]) {
                    (d.depends[value.0], d.varied[value.0]) = updated;
                    changed = true;
                }
                // A buffer lent `&mut` to a call holds what the call
                // computed from its arguments (through the callee's pullback).
                for buffer in body.written_by_call(*value) {
                    let updated = (
                        d.depends[buffer.0] | d.depends[value.0],
                        d.varied[buffer.0] | d.varied[value.0],
                    );
                    if updated != (d.depends[buffer.0], d.varied[buffer.0]) {
                        (d.depends[buffer.0], d.varied[buffer.0]) = updated;
                        changed = true;
                    }
                }
                // A call may change what it borrows: the change depends on
                // its arguments (a receiver alone adds no dependence it did
                // not have), with no derivative the macro could follow.
                let args_depend = match &stmt.op {
                    Op::Opaque(Opaque::Method { args, .. } | Opaque::Call { args, .. }) => {
                        args.iter().any(|arg| d.depends[arg.0])
                    }
                    _ => false,
                };
                if args_depend {
                    for place in changed_places(body, *value, body.discarded.contains(value)) {
                        let flag = match place {
                            Place::Value(v) => &mut d.depends[v.0],
                            Place::Slot(s) => &mut d.slot_depends[s.0],
                        };
                        if !*flag {
                            *flag = true;
                            changed = true;
                        }
                        d.changed_by.entry(place).or_insert(*value);
                    }
                }
            } else if let Some((base, value)) = stored(node) {
                // A buffer takes on what is stored into it.
                let updated = (
                    d.depends[base.0] | d.depends[value.0],
                    d.varied[base.0] | d.varied[value.0],
                );
                if updated != (d.depends[base.0], d.varied[base.0]) {
                    (d.depends[base.0], d.varied[base.0]) = updated;
                    changed = true;
                }
            } else if let Some((slot, value)) = written(node) {
                let updated = (
                    d.slot_depends[slot.0] | d.depends[value.0],
                    d.slot_varied[slot.0] | d.varied[value.0],
                );
                if updated != (d.slot_depends[slot.0], d.slot_varied[slot.0]) {
                    (d.slot_depends[slot.0], d.slot_varied[slot.0]) = updated;
                    changed = true;
                }
            }
        });
    }
    d
}

/// Which values and slots reach the output: through anything (`needed`), and
/// through differentiable operations only, so that an adjoint can flow back
/// along them (`useful`).
struct Reach {
    needed: Vec<bool>,
    useful: Vec<bool>,
    slot_useful: Vec<bool>,
}

fn reach(body: &Body, outputs: &[ValueId]) -> Reach {
    let (count, slot_count) = (body.value_count(), body.slots.len());
    let mut needed = vec![false; count];
    let mut useful = vec![false; count];
    let (mut slot_needed, mut slot_useful) = (vec![false; slot_count], vec![false; slot_count]);
    for output in std::iter::once(&body.ret).chain(outputs) {
        needed[output.0] = true;
        useful[output.0] = true;
    }
    // Walked backwards, from uses to definitions, so that straight-line code
    // settles in one pass (forwards, a chain of n statements took n passes).
    let mut nodes: Vec<&Node> = Vec::new();
    body.root.walk(&mut |node| nodes.push(node));
    let mut changed = true;
    while changed {
        changed = false;
        let mut mark = |flags: &mut Vec<bool>, index: usize, value: bool| {
            if value && !flags[index] {
                flags[index] = true;
                changed = true;
            }
        };
        for node in nodes.iter().rev() {
            if let Node::Def(value) = node {
                let stmt = body.def(*value);
                if let Op::ReadSlot(slot) = stmt.op {
                    mark(&mut slot_needed, slot.0, needed[value.0]);
                    mark(&mut slot_useful, slot.0, useful[value.0]);
                }
                // A call that writes a buffer that reaches the output does too.
                for buffer in body.written_by_call(*value) {
                    let (buffer_needed, buffer_useful) = (needed[buffer.0], useful[buffer.0]);
                    mark(&mut needed, value.0, buffer_needed);
                    mark(&mut useful, value.0, buffer_useful);
                }
                if !needed[value.0] {
                    continue;
                }
                let differentiable = flow(body, &stmt.op) == Flow::Differentiable;
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
        }
    }
    Reach {
        needed,
        useful,
        slot_useful,
    }
}

/// Analyses `body` for gradients with respect to the parameter values `seeds`,
/// of the returned value and of `outputs` (the last values of out-parameters,
/// for the pullback).
pub fn analyze(body: &Body, seeds: &[ValueId], outputs: &[ValueId]) -> syn::Result<Activity> {
    let dependence = dependence(body, seeds);
    let reach = reach(body, outputs);
    if let Some(error) = errors::find(body, &dependence, &reach) {
        return Err(error);
    }
    let active = (0..body.value_count())
        .map(|i| dependence.varied[i] && reach.useful[i])
        .collect();
    let active_slots = (0..body.slots.len())
        .map(|i| dependence.slot_varied[i] && reach.slot_useful[i])
        .collect();
    Ok(Activity {
        active,
        active_slots,
    })
}

#[cfg(test)]
mod tests;
