//! The errors of the activity analysis: every place where a dependence on a
//! differentiated parameter would reach the output without a derivative.
//!
//! Two kinds. An operation that needs a derivative nobody wrote (an unknown
//! method on a float, a cast to a type alias) is reported where it is used on
//! such a value. A dependence that was *lost* on the way (carried by a field
//! read, a tuple element, a method that may change its receiver) is reported
//! where it was lost, when a lost value reaches the output along
//! differentiable operations: the output, a slot or buffer that reaches it,
//! or an operand of arithmetic that does. Every error of the function is
//! reported, each once, in program order.

use super::{flow, Dependence, Flow, Place, Reach};
use crate::ir::{Body, Node, Op, Opaque, Stmt, ValueId};
use crate::rule_table;
use std::collections::HashSet;

/// All the errors of the analysis, combined, or `None`.
pub(super) fn find(body: &Body, d: &Dependence, reach: &Reach) -> Option<syn::Error> {
    let mut errors: Vec<syn::Error> = Vec::new();
    let mut reported: HashSet<ValueId> = HashSet::new();
    // Variables holding whole buffers: reported once each, and alone (every
    // read of such a variable would be reported too, as a consequence).
    let mut buffer_slots = HashSet::new();
    let mut slot_errors: Vec<syn::Error> = Vec::new();
    let lost = |v: ValueId| d.depends[v.0] && !d.varied[v.0];
    body.root.walk(&mut |node| {
        // A field keeps no derivative: its later reads are constants.
        if let Node::FieldWrite { value, span, .. } = node {
            if d.depends[value.0] {
                errors.push(syn::Error::new(
                    *span,
                    "this field is assigned a value that depends on a differentiated parameter: gradmacro does not differentiate through fields, and a gradient that ignored it would be wrong; keep the value in a local variable",
                ));
            }
            return;
        }
        // `let last = if c { &a } else { &b };` of buffers that depend on a
        // differentiated parameter: a variable holds one buffer or the
        // other, which the reverse sweep does not follow.
        if let Node::Write { slot, value } = node {
            let written = body.def(*value);
            let buffer = written.buffer
                || matches!(written.op, Op::Opaque(Opaque::Ref(inner)) if body.def(inner).buffer);
            if buffer && d.depends[value.0] && buffer_slots.insert(*slot) {
                slot_errors.push(syn::Error::new(
                    written.span,
                    "a branch or loop that produces a whole buffer depending on a differentiated parameter (`if c { &a } else { &b }`) is not supported yet; read the elements you need in each branch, or copy into a buffer made before it (`last.copy_from_slice(&a)`)",
                ));
            }
            return;
        }
        let Node::Def(value) = node else { return };
        let stmt = body.def(*value);
        // Arithmetic on a borrowed row or slice (not a float): nothing would
        // carry its adjoint back.
        if matches!(stmt.op, Op::Arith(..) | Op::Neg(_) | Op::Rule { .. } | Op::Cast { .. }) {
            let borrowed = stmt.op.operands().into_iter().find(|o| {
                d.varied[o.0]
                    && match body.def(*o).op {
                        Op::Opaque(
                            Opaque::Index {
                                base,
                                borrowed: true,
                                ..
                            }
                            | Opaque::Slice { base, .. },
                        ) => body.def(base).buffer,
                        _ => false,
                    }
            });
            if let Some(operand) = borrowed {
                errors.push(syn::Error::new(
                    body.def(operand).span,
                    "this is a row or slice of a buffer, used as a float; index it down to an element",
                ));
                return;
            }
        }
        // `&mut a` of a variable not visibly a float, lent as a constant,
        // that depends on a differentiated parameter: its derivative through
        // the call would be lost.
        if let Op::Opaque(Opaque::ConstantMut { value: lent, .. }) = stmt.op {
            if d.varied[lent.0] {
                errors.push(syn::Error::new(
                    stmt.span,
                    "this variable depends on a differentiated parameter, but gradmacro cannot tell that it is a float, so it would lend it as a constant and lose its derivative; give it a float type (`let mut a: f64 = ..`)",
                ));
                return;
            }
        }
        let rearranges = rearranged_buffer(body, stmt).is_some_and(|b| d.depends[b.0]);
        if !(reach.needed[value.0] || rearranges) {
            return;
        }
        let operands = stmt.op.operands();
        let error = match (&stmt.op, flow(body, &stmt.op)) {
            // A method that rearranges a buffer (`swap`, `fill`, `reverse`) acts
            // outside the element reads and writes the reverse sweep follows.
            (Op::Opaque(Opaque::Method { method, .. }), _) if rearranges => Some(syn::Error::new(
                method.span(),
                format!("`{method}` changes or reads a buffer that depends on a differentiated parameter in a way gradmacro cannot follow; write it with element reads and writes (`v[i]`, `v[i] = ...`)"),
            )),
            // A differentiated receiver would need the method's derivative
            // with respect to it: only rules have that.
            (Op::Opaque(Opaque::Method { receiver, .. }), Flow::Differentiable)
                if d.varied[receiver.0] =>
            {
                Some(no_derivative(stmt))
            }
            // A receiver that lost its dependence on the way (a field of a
            // helper's result, a variable a call changed).
            (Op::Opaque(Opaque::Method { receiver, .. }), Flow::Differentiable)
                if d.depends[receiver.0] =>
            {
                let origin = origin(body, d, *receiver);
                reported.insert(*value);
                if reported.insert(origin.value()) {
                    errors.push(origin.error(body));
                }
                return;
            }
            (Op::LoopItem, _) if d.depends[value.0] => Some(syn::Error::new(
                stmt.span,
                "iterating over values that depend on a differentiated parameter is not supported yet, except over the elements of a float buffer; collect them into a buffer or iterate over indices",
            )),
            (_, Flow::Blocks) if operands.iter().any(|o| d.depends[o.0]) => {
                Some(no_derivative(stmt))
            }
            _ => None,
        };
        if let Some(error) = error {
            reported.insert(*value);
            errors.push(error);
            return;
        }
        // A lost dependence that an adjoint would have to flow back through.
        if lost(*value) && reach.useful[value.0] {
            let origin = origin(body, d, *value);
            // (The variable a call changes, as lent to that call, or the copy
            // taken of it before: what the call saw, not what it changed.)
            if let Origin::Changed { call } = origin {
                if lent_to(body, *value, call) {
                    return;
                }
            }
            if reported.insert(origin.value()) {
                errors.push(origin.error(body));
            }
        }
    });
    if !slot_errors.is_empty() {
        errors = slot_errors;
    }
    // A variable of unknown type lent `&mut` to a call that changed it: its
    // later reads fail in many ways (as iterators, lengths, elements), all
    // for one cause, reported alone, on the lent variable.
    if !errors.is_empty() {
        let mut calls: Vec<ValueId> = d
            .changed_by
            .iter()
            .filter(|(place, call)| lends_unknown(body, d, **call, **place))
            .map(|(_, call)| *call)
            .collect();
        calls.sort();
        calls.dedup();
        if !calls.is_empty() {
            errors = calls
                .iter()
                .map(|call| changed_error(body, *call))
                .collect();
        }
    }
    errors.into_iter().reduce(|mut all, error| {
        all.combine(error);
        all
    })
}

/// The buffer a method called on it may rearrange: any method but those that
/// only read a length.
fn rearranged_buffer(body: &Body, stmt: &Stmt) -> Option<ValueId> {
    match &stmt.op {
        Op::Opaque(Opaque::Method {
            receiver, method, ..
        }) if body.def(*receiver).buffer
            && !rule_table::is_derivative_free(&method.to_string()) =>
        {
            Some(*receiver)
        }
        _ => None,
    }
}

/// Whether `call` lends `place` `&mut` as a constant (a variable of a type
/// the macro cannot see) that did not vary before (that is reported where
/// it is lent, as such).
fn lends_unknown(body: &Body, d: &Dependence, call: ValueId, place: Place) -> bool {
    let args = match &body.def(call).op {
        Op::Opaque(Opaque::Method { args, .. } | Opaque::Call { args, .. }) => args,
        _ => return false,
    };
    args.iter().any(|arg| match body.def(*arg).op {
        Op::Opaque(Opaque::ConstantMut { value, .. }) => {
            !d.varied[value.0] && super::place_of(body, *arg) == place
        }
        _ => false,
    })
}

/// Whether `value` is an argument lent `&mut` to `call`, or the copy of one
/// taken before it.
fn lent_to(body: &Body, value: ValueId, call: ValueId) -> bool {
    let args = match &body.def(call).op {
        Op::Opaque(Opaque::Method { args, .. } | Opaque::Call { args, .. }) => args,
        _ => return false,
    };
    args.iter().any(|arg| match body.def(*arg).op {
        Op::Opaque(Opaque::ConstantMut { before, .. }) => *arg == value || before == value,
        _ => false,
    })
}

/// Where a dependence was lost.
enum Origin {
    /// An operation that reads part of a varied value that is not a float:
    /// a field, a tuple element, an element of another collection, a part
    /// bound by a pattern.
    Read(ValueId),
    /// A call that may have changed a variable with a varied argument.
    Changed { call: ValueId },
    /// Anything else (an operation reported on its own).
    Other(ValueId),
}

impl Origin {
    fn value(&self) -> ValueId {
        match self {
            Origin::Read(value) | Origin::Other(value) => *value,
            Origin::Changed { call } => *call,
        }
    }

    fn error(&self, body: &Body) -> syn::Error {
        match self {
            Origin::Read(value) => read_error(body.def(*value)),
            Origin::Changed { call } => changed_error(body, *call),
            Origin::Other(value) => syn::Error::new(
                body.def(*value).span,
                "this value depends on a differentiated parameter through an operation gradmacro cannot differentiate",
            ),
        }
    }
}

/// Walks back from a lost value to the operation that lost the dependence.
fn origin(body: &Body, d: &Dependence, start: ValueId) -> Origin {
    let lost = |v: ValueId| d.depends[v.0] && !d.varied[v.0];
    let mut current = start;
    let mut visited = HashSet::new();
    while visited.insert(current) {
        let stmt = body.def(current);
        let place = match stmt.op {
            Op::ReadSlot(slot) => Place::Slot(slot),
            _ => Place::Value(current),
        };
        if let Some(call) = d.changed_by.get(&place) {
            return Origin::Changed { call: *call };
        }
        let operands = stmt.op.operands();
        match (&stmt.op, flow(body, &stmt.op)) {
            (Op::ReadSlot(slot), _) => {
                // Follow a write of a lost value into the slot.
                let mut source = None;
                body.root.walk(&mut |node| match node {
                    Node::Write { slot: s, value }
                    | Node::Declare {
                        slot: s,
                        init: crate::ir::SlotInit::Value(value),
                    } if s == slot && lost(*value) && source.is_none() => source = Some(*value),
                    _ => {}
                });
                match source {
                    Some(value) => current = value,
                    None => return Origin::Other(current),
                }
            }
            (_, Flow::PassThrough) if operands.iter().any(|o| d.varied[o.0]) => {
                return Origin::Read(current)
            }
            _ => match operands.iter().copied().find(|o| lost(*o)) {
                Some(operand) => current = operand,
                None => {
                    // A buffer stored into: follow the stored value.
                    let mut source = None;
                    body.root.walk(&mut |node| match node {
                        Node::Store { base, value, .. }
                        | Node::Push { base, value }
                        | Node::Resize {
                            base,
                            fill: Some(value),
                            ..
                        }
                        | Node::Overwrite {
                            target: base,
                            source: value,
                            ..
                        } if *base == current && lost(*value) && source.is_none() => {
                            source = Some(*value)
                        }
                        _ => {}
                    });
                    match source {
                        Some(value) => current = value,
                        None => return Origin::Other(current),
                    }
                }
            },
        }
    }
    Origin::Other(start)
}

fn read_error(stmt: &Stmt) -> syn::Error {
    let what = match &stmt.op {
        Op::Opaque(Opaque::Field {
            member: syn::Member::Named(name),
            ..
        }) => format!("the field `{name}` is read from a value"),
        Op::Opaque(Opaque::Field {
            member: syn::Member::Unnamed(index),
            ..
        }) => format!("the element `.{}` is read from a value", index.index),
        Op::Opaque(Opaque::Index { .. }) => {
            "this element is read from a collection of something other than floats,".to_owned()
        }
        _ => "this pattern binds part of a value".to_owned(),
    };
    // The field's name or index is the token to point at.
    let span = match &stmt.op {
        Op::Opaque(Opaque::Field { member, .. }) => match member {
            syn::Member::Named(name) => name.span(),
            syn::Member::Unnamed(index) => index.span,
        },
        _ => stmt.span,
    };
    syn::Error::new(
        span,
        format!("{what} that depends on a differentiated parameter but is not a float or a float buffer (a struct or a tuple, such as a helper's result): gradmacro does not differentiate through it yet, and a gradient that ignored it would be wrong; return the float itself from the helper, or compute it in this function"),
    )
}

fn changed_error(body: &Body, call: ValueId) -> syn::Error {
    let stmt = body.def(call);
    // A variable lent `&mut` whose type the macro cannot see (a buffer made
    // by a plain helper): most likely floats it should have lent as such.
    let args = match &stmt.op {
        Op::Opaque(Opaque::Method { args, .. } | Opaque::Call { args, .. }) => args.as_slice(),
        _ => &[],
    };
    let unknown = args
        .iter()
        .find(|arg| matches!(body.def(**arg).op, Op::Opaque(Opaque::ConstantMut { .. })));
    if let Some(arg) = unknown {
        return syn::Error::new(
            body.def(*arg).span,
            "this variable is lent `&mut` to a call given values that depend on a differentiated parameter and read afterwards, but gradmacro cannot tell that it holds floats (its type is not visible: made by a helper or a method), so it would lend it as a constant and lose its derivative; give it a float type (`let mut buf: Vec<f64> = make(n);`)",
        );
    }
    let (span, name) = match &stmt.op {
        Op::Opaque(Opaque::Method { method, .. }) => (method.span(), method.to_string()),
        Op::Opaque(Opaque::Call { func, .. }) => (
            syn::spanned::Spanned::span(func),
            crate::lower::path_text(&func.path),
        ),
        _ => (stmt.span, "this call".to_owned()),
    };
    syn::Error::new(
        span,
        format!("`{name}` is given a value that depends on a differentiated parameter and may change its receiver or a borrowed argument, which is read afterwards: gradmacro cannot differentiate such a change; compute the value with a function that returns it (`let v = f(x);`) instead"),
    )
}

fn no_derivative(stmt: &Stmt) -> syn::Error {
    let summary = rule_table::summary();
    match &stmt.op {
        Op::Opaque(Opaque::Method { method, .. }) => syn::Error::new(
            method.span(),
            format!(
                "`{method}` has no derivative rule, and its receiver depends on a differentiated parameter: gradmacro differentiates the float methods with rules ({summary}), and other methods only on a receiver that does not depend on a differentiated parameter, through `receiver.{method}_pullback`"
            ),
        ),
        Op::Opaque(Opaque::Call { func, .. }) => {
            let name = crate::lower::path_text(&func.path);
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
        Op::Opaque(Opaque::Closure { method, .. }) => syn::Error::new(
            stmt.span,
            format!(
                "this closure reads a value that depends on a differentiated parameter, and `{method}` of a constant may return what it computes, which gradmacro does not differentiate; write the loop (`for &i in labels {{ .. }}`), or end the chain in `sum`, `product`, `fold` or `collect`, which are differentiated"
            ),
        ),
        Op::Opaque(Opaque::Invoke { .. }) => syn::Error::new(
            stmt.span,
            "this calls a function value (a closure or `impl Fn` parameter) whose body gradmacro cannot see, with an argument that depends on a differentiated parameter, so it has no derivative; call a `#[differentiate]`d function by its name instead",
        ),
        _ => syn::Error::new(
            stmt.span,
            "this operation has no derivative, and an operand depends on a differentiated parameter",
        ),
    }
}
