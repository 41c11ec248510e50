//! What stays valid between a fused iteration's forward code and its reverse
//! code, which runs right after it: elements nothing overwrites in between,
//! values a loop stored, and adjoint entries only one read contributes to.

use super::{Region, Use};
use crate::ir::{Arith, Body, Loop, LoopKind, Node, Op, Opaque, ValueId, ROOT};
use std::collections::HashMap;

/// The element reads of a fused loop's body whose buffer no later top-level
/// node of the body writes (nor any earlier part of their own node): the buffer
/// of the body itself or of the root block, unchanged from the read until the
/// iteration's reverse code runs.
pub(super) fn stable_reads(body: &Body, lp: &Loop, steps: &[Region]) -> Vec<ValueId> {
    let mut stable = Vec::new();
    for (position, region) in steps.iter().enumerate() {
        for &value in &region.defined {
            let Op::Index { base, .. } = body.def(value).op else {
                continue;
            };
            let home = body.def(base).home;
            let unchanged = (home == ROOT || home == lp.body.id)
                && steps[position..]
                    .iter()
                    .all(|later| !later.writes_buffer(base));
            if unchanged {
                stable.push(value);
            }
        }
    }
    stable
}

/// The values stored by `for i in range { .. buffer[i] = v; .. }` at the top
/// level of a fused loop's body, where that is the only write of the buffer
/// from there to the end of the iteration: `buffer[i]` still holds `v` when the
/// iteration is reversed (the items of a range are distinct).
pub(super) fn recoverable(
    body: &Body,
    lp: &Loop,
    steps: &[Region],
) -> Vec<(ValueId, (ValueId, ValueId))> {
    let mut found = Vec::new();
    for (position, node) in lp.body.nodes.iter().enumerate() {
        let Node::Loop(inner) = node else { continue };
        let LoopKind::For { item, iter } = inner.kind else {
            continue;
        };
        if !matches!(body.def(iter).op, Op::Opaque(Opaque::Range { .. })) {
            continue;
        }
        for stored in &inner.body.nodes {
            let Node::Store {
                base,
                indices,
                value,
            } = stored
            else {
                continue;
            };
            let home = body.def(*base).home;
            let only_write = steps[position]
                .stored
                .iter()
                .filter(|(b, _)| b == base)
                .count()
                == 1
                && !steps[position].pushed.contains(base)
                && steps[position + 1..]
                    .iter()
                    .all(|later| !later.writes_buffer(*base));
            if indices.as_slice() == [item]
                && body.def(*value).home == inner.body.id
                && (home == ROOT || home == lp.body.id)
                && only_write
            {
                found.push((*value, (*base, item)));
            }
        }
    }
    found
}

/// The element reads `x[a * i + b]` of a fused loop over a range (item `i`),
/// for a root buffer `x` used nowhere else but by `.len()`, with one stride `a`
/// and distinct offsets `0 <= b < |a|`, each read once per iteration: since
/// `a * i + b` never repeats across iterations and reads, every entry of `x`'s
/// adjoint receives at most one contribution, which the reverse code assigns
/// (`= adj`) instead of adding (`+= adj`), as a hand-written gradient does.
/// Reads of `x` outside every fused loop do not prevent it: they add into its
/// adjoint in the reverse sweep, which runs after all fused iterations.
pub(super) fn sole_contributions(
    body: &Body,
    uses: &HashMap<ValueId, Vec<Use>>,
    lp: &Loop,
    fused_blocks: &std::collections::HashSet<crate::ir::BlockId>,
) -> Vec<ValueId> {
    let LoopKind::For { item, iter } = lp.kind else {
        return Vec::new();
    };
    if !matches!(body.def(iter).op, Op::Opaque(Opaque::Range { .. })) {
        return Vec::new();
    }
    let mut found = Vec::new();
    for stmt in &body.values {
        let buffer = stmt.def;
        if !stmt.buffer || stmt.home != ROOT {
            continue;
        }
        let Some(buffer_uses) = uses.get(&buffer) else {
            continue;
        };
        let mut reads = Vec::new();
        let mut plain = true;
        for u in buffer_uses {
            let Use::Value(user) = u else {
                plain = false;
                break;
            };
            match &body.def(*user).op {
                Op::Index { base, indices } if *base == buffer && indices.len() == 1 => {
                    reads.push((*user, indices[0]))
                }
                Op::Opaque(Opaque::Method { method, args, .. })
                    if method == "len" && args.is_empty() => {}
                _ => {
                    plain = false;
                    break;
                }
            }
        }
        // Reads outside fused loops add into the adjoint in the reverse sweep,
        // after every fused iteration has run: after the assignments.
        let in_other_fused_code = |read: &ValueId| {
            let home = body.def(*read).home;
            home != lp.body.id && fused_blocks.contains(&home)
        };
        if !plain || reads.iter().any(|(r, _)| in_other_fused_code(r)) {
            continue;
        }
        reads.retain(|(r, _)| body.def(*r).home == lp.body.id);
        if reads.is_empty() {
            continue;
        }
        let forms: Option<Vec<(i128, i128)>> = reads
            .iter()
            .map(|(_, index)| affine(body, *index, item))
            .collect();
        let Some(forms) = forms else { continue };
        let stride = forms[0].0;
        let mut offsets: Vec<i128> = forms.iter().map(|f| f.1).collect();
        offsets.sort();
        offsets.dedup();
        let injective = stride != 0
            && forms.iter().all(|f| f.0 == stride)
            && offsets.len() == forms.len()
            && offsets
                .iter()
                .all(|b| stride.checked_abs().is_some_and(|a| (0..a).contains(b)));
        if injective {
            found.extend(reads.iter().map(|(read, _)| *read));
        }
    }
    found
}

/// An index `a * item + b` with integer constants `a` and `b`, as `(a, b)`.
fn affine(body: &Body, value: ValueId, item: ValueId) -> Option<(i128, i128)> {
    if value == item {
        return Some((1, 0));
    }
    match &body.def(value).op {
        Op::Const(tokens) => {
            let text = tokens.to_string().replace('_', "");
            let digits = text.trim_end_matches("usize");
            digits.parse::<i128>().ok().map(|c| (0, c))
        }
        Op::Copy(inner) => affine(body, *inner, item),
        Op::Arith(arith, a, b) => {
            let (a, b) = (affine(body, *a, item)?, affine(body, *b, item)?);
            // Checked: user constants may be anything.
            match arith {
                Arith::Add => Some((a.0.checked_add(b.0)?, a.1.checked_add(b.1)?)),
                Arith::Sub => Some((a.0.checked_sub(b.0)?, a.1.checked_sub(b.1)?)),
                Arith::Mul if a.0 == 0 => Some((a.1.checked_mul(b.0)?, a.1.checked_mul(b.1)?)),
                Arith::Mul if b.0 == 0 => Some((b.1.checked_mul(a.0)?, b.1.checked_mul(a.1)?)),
                _ => None,
            }
        }
        _ => None,
    }
}
