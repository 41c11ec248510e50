//! Preaccumulated calls: a call to a function with a float result runs the
//! callee's pullback once, in the forward sweep, with a unit seed, and the
//! reverse sweep scales the gradient it returned by the seed that reaches
//! the call.
//!
//! A call composed in joint mode runs the callee's primal in the forward
//! sweep and its pullback (which runs the callee's forward sweep again) in
//! the reverse sweep. Through recursion that compounds: a determinant by
//! minors re-runs each level once per level above it. A pullback is linear
//! in its seed, so the gradient for a unit seed, scaled, is the gradient for
//! any seed: running it once in the forward sweep gives the value and the
//! callee's whole local derivative, and no forward sweep runs twice. (A
//! scalar function's gradient is its whole Jacobian, so this is exact
//! preaccumulation, as Tapenade and ADIFOR do for basic blocks.)
//!
//! The price is keeping the gradient until the reverse sweep reaches the
//! call. A call's gradient is a float per scalar argument and a buffer per
//! buffer argument: kept per iteration of a loop, a buffer argument's would
//! grow with the loop (a helper given a whole buffer to read one element of
//! it would keep the buffer's size per iteration), and taping a `Vec` per
//! call costs its allocation and copies: measured on a two-layer network
//! with a `dot` helper per hidden unit, 2.4x slower than joint mode. So a
//! buffer's gradient is kept in a scratch buffer of the call site (no
//! allocation), and joint mode's `NAME_pullback_lent` adds into the adjoint
//! buffers in place. Which costs less depends on the callee, which the caller cannot see:
//! joint mode runs its forward sweep again, preaccumulation adds a pass
//! over each buffer gradient (scaled into the adjoint, leaving the scratch
//! zero) and computes every buffer argument's gradient, constants' too.
//! Measured (a scratch program, and the formulations bench with the choice
//! forced each way): a weighted least squares with a `dot(w, x_row)` helper
//! per row, 17–20 µs preaccumulated against 10 µs joint; the GMM with a
//! `logsumexp(&terms)` helper per point (one buffer, `exp` per entry),
//! preaccumulated 5–10% faster. So in a loop a call reading several
//! buffers composes in joint mode unless it is recursive (the determinant
//! by minors, where joint mode's forward sweeps compound); one reading a
//! single buffer is preaccumulated; and only where every loop around it is
//! fused: its gradient is then in scope for the reverse code, or kept once
//! per fused iteration. Other calls stay in joint mode, as do calls that lend
//! `&mut` arguments, methods, and calls in functions generic over their
//! float type.
//!
//! The gradient is an IR value of its own ([`Opaque::CallGradient`]),
//! defined right after its call, so that the save plan keeps it like any
//! value the reverse sweep reads.

use crate::activity::Activity;
use crate::fuse::Fusion;
use crate::ir::{Block, BlockId, Body, Node, Op, Opaque, Stmt, ValueId};
use std::collections::{HashMap, HashSet};

/// Whether `value` is a call that may be preaccumulated: a function
/// composed through its pullback, with arguments, a float result and no
/// `&mut` argument.
fn is_candidate(body: &Body, value: ValueId) -> bool {
    match &body.def(value).op {
        Op::Opaque(Opaque::Call { func, args }) => {
            !crate::lower::is_primal_only(func)
                && !args.is_empty()
                && !body.def(value).buffer
                && !body.lends_mut(value)
                && !args.iter().any(|arg| body.lent_by_name.contains(arg))
        }
        _ => false,
    }
}

/// The arguments of a preaccumulated `call` whose gradient goes to a
/// scratch buffer of the call site: float buffers read by reference, whose
/// adjoints `NAME_pullback_lent` takes `&mut` (no `Vec` per call).
pub fn scratch_arguments(
    body: &Body,
    activity: &Activity,
    types: &crate::types::FloatTypes,
    call: ValueId,
) -> Vec<usize> {
    crate::reverse::lent_arguments(body, activity, types, call).unwrap_or_default()
}

/// Defines a [`Opaque::CallGradient`] after every candidate call.
pub fn insert_gradients(body: &mut Body) {
    let candidates: HashSet<ValueId> = (0..body.values.len())
        .map(ValueId)
        .filter(|&value| is_candidate(body, value))
        .collect();
    if candidates.is_empty() {
        return;
    }
    let mut root = std::mem::replace(
        &mut body.root,
        Block {
            id: crate::ir::ROOT,
            nodes: Vec::new(),
        },
    );
    insert_in(&mut root, &candidates, &mut body.values);
    body.root = root;
}

fn insert_in(block: &mut Block, candidates: &HashSet<ValueId>, values: &mut Vec<Stmt>) {
    let nodes = std::mem::take(&mut block.nodes);
    for mut node in nodes {
        for inner in node.blocks_mut() {
            insert_in(inner, candidates, values);
        }
        let call = match node {
            Node::Def(value) if candidates.contains(&value) => Some(value),
            _ => None,
        };
        block.nodes.push(node);
        if let Some(call) = call {
            let gradient = ValueId(values.len());
            let span = values[call.0].span;
            values.push(Stmt {
                def: gradient,
                op: Op::Opaque(Opaque::CallGradient(call)),
                ty: None,
                mutable: false,
                span,
                home: block.id,
                buffer: false,
            });
            block.nodes.push(Node::Def(gradient));
        }
    }
}

/// The calls preaccumulated in one companion, with their gradients, and why
/// the others are not (for `GRADMACRO_DUMP`).
#[derive(Default)]
pub struct Preaccumulated {
    gradients: HashMap<ValueId, ValueId>,
    joint: Vec<(ValueId, &'static str)>,
}

impl Preaccumulated {
    /// The gradient value of `call`, when it is preaccumulated.
    pub fn gradient_of(&self, call: ValueId) -> Option<ValueId> {
        self.gradients.get(&call).copied()
    }
}

impl std::fmt::Display for Preaccumulated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut calls: Vec<(ValueId, ValueId)> =
            self.gradients.iter().map(|(c, g)| (*c, *g)).collect();
        calls.sort_by_key(|(call, _)| call.0);
        for (call, gradient) in calls {
            writeln!(
                f,
                "call {call} preaccumulated: its pullback runs once, forward, into {gradient}"
            )?;
        }
        for (call, why) in &self.joint {
            writeln!(
                f,
                "call {call} in joint mode (its forward sweep runs twice): {why}"
            )?;
        }
        Ok(())
    }
}

/// For each block, whether every loop around it is fused: the values its
/// calls keep are then in scope for the reverse code, or kept once per
/// iteration of the fused loop, never on a tape that grows with a loop.
fn only_fused_loops_around(body: &Body, fusion: &Fusion) -> HashMap<BlockId, bool> {
    fn visit(block: &Block, fused_so_far: bool, fusion: &Fusion, out: &mut HashMap<BlockId, bool>) {
        out.insert(block.id, fused_so_far);
        for node in &block.nodes {
            for inner in node.blocks() {
                let fused = match node {
                    Node::Loop(lp) => fused_so_far && fusion.of(lp.body.id).is_some(),
                    _ => fused_so_far,
                };
                visit(inner, fused, fusion, out);
            }
        }
    }
    let mut out = HashMap::new();
    visit(&body.root, true, fusion, &mut out);
    out
}

/// Chooses the calls to preaccumulate (see the module docs).
pub fn choose(
    body: &Body,
    activity: &Activity,
    fusion: &Fusion,
    generic: bool,
    function: &syn::Ident,
) -> Preaccumulated {
    let only_fused = only_fused_loops_around(body, fusion);
    // A call of the function itself (or, split at a guard clause, of the
    // function the part belongs to): in joint mode its forward sweep would
    // run once per level above it.
    let recursive = |func: &syn::ExprPath| {
        func.path.segments.last().is_some_and(|last| {
            let own = function.to_string();
            let callee = last.ident.to_string();
            own == callee
                || own.strip_prefix("__gm_rest_") == Some(callee.as_str())
                || own.strip_prefix("__gm_guard_") == Some(callee.as_str())
        })
    };
    let mut chosen = Preaccumulated::default();
    // Calls that are never candidates compose in joint mode; the dump says
    // so too.
    for index in 0..body.values.len() {
        let call = ValueId(index);
        if is_candidate(body, call) || !activity.is_active(call) {
            continue;
        }
        let why = match &body.def(call).op {
            Op::Opaque(Opaque::Call { func, .. }) if crate::lower::is_primal_only(func) => continue,
            Op::Opaque(Opaque::Call { .. }) if body.lends_mut(call) => {
                "it lends `&mut` arguments, whose adjoints the pullback takes in and gives back"
            }
            Op::Opaque(Opaque::Call { .. }) if body.def(call).buffer => "its result is a buffer",
            Op::Opaque(Opaque::Call { .. }) => "it passes a `&mut` buffer on by name",
            Op::Opaque(Opaque::Method { .. }) => "a method of a constant receiver",
            _ => continue,
        };
        chosen.joint.push((call, why));
    }
    for index in 0..body.values.len() {
        let gradient = ValueId(index);
        let Op::Opaque(Opaque::CallGradient(call)) = body.def(gradient).op else {
            continue;
        };
        let Op::Opaque(Opaque::Call { func, args }) = &body.def(call).op else {
            continue;
        };
        if !activity.is_active(call) {
            continue;
        }
        let buffer_count = args
            .iter()
            .filter(|arg| crate::reverse::is_buffer_argument(body, **arg))
            .count();
        let buffers = buffer_count > 0;
        let taped = !only_fused
            .get(&body.def(call).home)
            .copied()
            .unwrap_or(false);
        let why_not = if generic {
            Some("the function is generic over its float type")
        } else if buffers && taped {
            Some("a buffer argument's gradient would be taped per iteration of a loop that is not fused, which costs more than running the callee again")
        } else if buffer_count > 1 && body.in_loop(body.def(call).home) && !recursive(func) {
            Some("it reads several buffers in a loop: its pullback adds into their adjoint buffers in place, which costs less than keeping and scaling a gradient buffer for each per call")
        } else {
            None
        };
        match why_not {
            Some(why) => chosen.joint.push((call, why)),
            None => {
                chosen.gradients.insert(call, gradient);
            }
        }
    }
    chosen
}

#[cfg(test)]
mod tests;
