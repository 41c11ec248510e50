//! Scratch buffers of a fused loop: buffers each iteration overwrites whole
//! before reading them, so no adjoint crosses an iteration boundary through them.

use super::{Facts, Region, Use};
use crate::ir::{Body, BufferInit, Loop, LoopKind, Node, Op, Opaque, RepeatLen, ValueId};

/// Whether every element of `buffer` an iteration reads was written earlier in
/// the same iteration, and nothing after the loop reads it, so that no adjoint
/// crosses an iteration boundary through it. Scratch buffers are written that
/// way however they are spelled: overwritten whole by a loop
/// `for j in 0..len { .. buffer[j] = v; .. }` at the top of the iteration, or
/// inside a nested loop each of whose iterations overwrites it first (a buffer
/// hoisted out of the loop over points and refilled per point and component).
/// The loop may use it only by indexing, `.len()` and whole copies
/// (`buffer.to_vec()`, the snapshot a call's argument takes), which count as
/// reads of every element.
pub(super) fn iteration_local(
    body: &Body,
    facts: &Facts,
    lp: &Loop,
    inside: &Region,
    after: &Region,
    buffer: ValueId,
) -> bool {
    if after.read.contains(&buffer) || facts.pushed.contains(&buffer) {
        return false;
    }
    if inside.stored.iter().any(|(b, n)| *b == buffer && *n != 1) {
        return false;
    }
    // Only element reads `buffer[i]` and `buffer.len()`, anywhere: no views or
    // copies that could read it under another name.
    let plain_uses = facts.uses(buffer).iter().all(|u| match u {
        Use::Value(user) => match &body.def(*user).op {
            Op::Index { base, indices } => *base == buffer && indices.len() == 1,
            Op::Buffer(BufferInit::Copy { source, prefix, .. }) => {
                *source == buffer && prefix.is_empty()
            }
            Op::Opaque(Opaque::Method { method, args, .. }) => method == "len" && args.is_empty(),
            _ => false,
        },
        Use::Other | Use::Write(..) => true,
    });
    if !plain_uses {
        return false;
    }
    reads_only_its_writes(body, &lp.body.nodes, buffer)
}

/// Whether, running `nodes` once, every read of an element of `buffer` comes
/// after a node that certainly overwrote the whole buffer, or lies inside a
/// node (a loop, a branch) for which that holds in turn.
pub(super) fn reads_only_its_writes(body: &Body, nodes: &[Node], buffer: ValueId) -> bool {
    let mut overwritten = false;
    // The ends already written by stores at constant places: `buffer[0..low]`
    // and the last `high` entries (`k[0] = ..` before `for i in 1..n`, a
    // stencil's `u[0] = ..; u[n - 1] = ..` around `for i in 1..n - 1`).
    // A loop may write the middle first (`for i in 1..n - 1`, then the
    // ends): `middle` is the `(a, c)` of the widest `a..len - c` written.
    // (Nothing read the buffer in between: a read returns early below.)
    let (mut low, mut high) = (0i128, 0i128);
    let mut middle: Option<(i128, i128)> = None;
    for node in nodes {
        if overwritten {
            return true;
        }
        if let Node::Store { base, indices, .. } = node {
            if *base == buffer && indices.len() == 1 {
                match end_offset(body, indices[0], buffer) {
                    Some(End::Start(c)) if c == low => low += 1,
                    Some(End::Length(c)) if c == high + 1 => high += 1,
                    _ => {}
                }
            }
        }
        if !reads_elements(body, &Region::of_nodes(body, [node]), buffer) {
            if let Some((a, c)) = written_range(body, node, buffer) {
                middle = Some(match middle {
                    Some((a0, c0)) => (a0.min(a), c0.min(c)),
                    None => (a, c),
                });
            }
        }
        if middle.is_some_and(|(a, c)| a <= low && c <= high) {
            overwritten = true;
            continue;
        }
        // A whole assignment reads its source and overwrites its target.
        if let Node::Overwrite { target, source, .. } = node {
            if *source == buffer {
                return false;
            }
            if *target == buffer {
                overwritten = true;
                continue;
            }
        }
        let region = Region::of_nodes(body, [node]);
        if !(region.writes_buffer(buffer) || reads_elements(body, &region, buffer)) {
            continue;
        }
        let inner_ok = match node {
            // Each iteration restarts the check: what an earlier iteration
            // wrote is not counted on (the loop may run zero times).
            Node::Loop(inner) => {
                inner.exit_flags.is_empty()
                    && inner.continue_flag.is_none()
                    && reads_only_its_writes(body, &inner.body.nodes, buffer)
            }
            Node::If {
                then, otherwise, ..
            } => {
                reads_only_its_writes(body, &then.nodes, buffer)
                    && reads_only_its_writes(body, &otherwise.nodes, buffer)
            }
            // A store writes without reading (its value is a definition of
            // its own); anything else that touches the buffer reads it.
            Node::Store { .. } => true,
            _ => false,
        };
        if !inner_ok {
            return false;
        }
    }
    true
}

/// Whether a definition in the region reads elements of `buffer`.
fn reads_elements(body: &Body, region: &Region, buffer: ValueId) -> bool {
    region
        .defined
        .iter()
        .any(|value| match &body.def(*value).op {
            Op::Index { base, .. } => *base == buffer,
            Op::Buffer(BufferInit::Copy { source, .. }) => *source == buffer,
            _ => false,
        })
}

/// An index or bound at a constant distance from one end of a buffer.
enum End {
    /// `c` from the start: the constant `c`.
    Start(i128),
    /// `c` before the length: `len - c` (`len` itself for `c = 0`).
    Length(i128),
}

/// Where `value` sits relative to `buffer`'s ends, if it is a constant or
/// its length minus a constant.
fn end_offset(body: &Body, value: ValueId, buffer: ValueId) -> Option<End> {
    let constant = |v: ValueId| match &body.def(v).op {
        Op::Const(tokens) => tokens
            .to_string()
            .trim_end_matches("usize")
            .replace('_', "")
            .parse::<i128>()
            .ok(),
        _ => None,
    };
    // (The length first: a buffer of a constant length `vec![0.0; d]` with
    // `let d = 2` is swept by `0..d`.)
    if covers_length(body, value, buffer) {
        return Some(End::Length(0));
    }
    if let Some(c) = constant(value) {
        return Some(End::Start(c));
    }
    match &body.def(value).op {
        Op::Arith(crate::ir::Arith::Sub, len, c) if covers_length(body, *len, buffer) => {
            constant(*c).map(End::Length)
        }
        Op::Copy(inner) => end_offset(body, *inner, buffer),
        _ => None,
    }
}

/// The `(a, c)` of `for j in a..len - c { .. buffer[j] = v; .. }`, the store
/// unconditional in the loop body: the entries it certainly writes.
fn written_range(body: &Body, node: &Node, buffer: ValueId) -> Option<(i128, i128)> {
    let Node::Loop(inner) = node else {
        return None;
    };
    let LoopKind::For { item, iter } = inner.kind else {
        return None;
    };
    if !inner.exit_flags.is_empty() || inner.continue_flag.is_some() {
        return None;
    }
    let Op::Opaque(Opaque::Range {
        start: Some(start),
        end: Some(end),
        inclusive: false,
    }) = &body.def(iter).op
    else {
        return None;
    };
    let stores_every_item = inner.body.nodes.iter().any(|node| {
        matches!(node, Node::Store { base, indices, .. }
            if *base == buffer && indices.as_slice() == [item])
    });
    match (
        stores_every_item,
        end_offset(body, *start, buffer),
        end_offset(body, *end, buffer),
    ) {
        (true, Some(End::Start(a)), Some(End::Length(c))) => Some((a, c)),
        _ => None,
    }
}

/// Whether `end` is the length of `buffer` (which nothing grows): `buffer.len()`,
/// or the same expression as the length it was built with.
fn covers_length(body: &Body, end: ValueId, buffer: ValueId) -> bool {
    if is_len_of(body, end, buffer) {
        return true;
    }
    match &body.def(buffer).op {
        Op::Buffer(BufferInit::Repeat {
            len: RepeatLen::Vec(len),
            ..
        }) => same_value(body, end, *len),
        Op::Buffer(BufferInit::Repeat {
            len: RepeatLen::Array(tokens),
            ..
        }) => matches!(&body.def(end).op, Op::Const(end)
            if end.to_string() == quote::ToTokens::to_token_stream(tokens).to_string()),
        Op::Buffer(BufferInit::Copy { source, prefix, .. }) if prefix.is_empty() => {
            is_len_of(body, end, *source)
        }
        _ => false,
    }
}

fn is_len_of(body: &Body, value: ValueId, buffer: ValueId) -> bool {
    matches!(&body.def(value).op, Op::Opaque(Opaque::Method { method, receiver, args, .. })
        if method == "len" && args.is_empty() && *receiver == buffer)
}

/// Whether two values are the same computation: the same value, equal
/// constants, or `.len()` of the same buffer.
fn same_value(body: &Body, a: ValueId, b: ValueId) -> bool {
    if a == b {
        return true;
    }
    match (&body.def(a).op, &body.def(b).op) {
        (Op::Const(x), Op::Const(y)) => x.to_string() == y.to_string(),
        (Op::Copy(x), _) => same_value(body, *x, b),
        (_, Op::Copy(y)) => same_value(body, a, *y),
        (
            Op::Opaque(Opaque::Method {
                method: m1,
                receiver: r1,
                args: a1,
                ..
            }),
            Op::Opaque(Opaque::Method {
                method: m2,
                receiver: r2,
                args: a2,
                ..
            }),
        ) => m1 == "len" && m2 == "len" && a1.is_empty() && a2.is_empty() && r1 == r2,
        _ => false,
    }
}
