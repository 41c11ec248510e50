//! Max (and min) reductions: `m = m.max(x[i])` over a range, as
//! `x.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v))` and
//! `x.iter().copied().reduce(f64::max)` lower.
//!
//! The partials of `max` are 0 and 1, so the adjoint of the result reaches
//! exactly one element: the one taken last (or the initial value, if none
//! was). Store-all would save the running maximum every iteration and run the
//! whole loop backwards to find it; a hand-written gradient keeps the argmax.
//! So does this: the forward loop records the iteration in which the element
//! last won, and the reverse sweep adds the result's adjoint into that
//! element's entry, once, instead of reversing the loop.
//!
//! The loop must be a top-level loop of the body (its record is then in scope
//! where it is reversed) over a range, not fused, and its differentiated work
//! exactly: read `m`, read `x[i]` at the loop's item `i` (from a buffer the
//! loop does not write), `max`/`min` of the two, write `m`.

use crate::activity::Activity;
use crate::fuse::Fusion;
use crate::ir::{BlockId, Body, LoopKind, Node, Op, Opaque, SlotId, ValueId};
use std::collections::HashMap;

/// A loop reversed by its recorded argmax.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArgMax {
    pub slot: SlotId,
    /// The `max`/`min` rule's value, and the position of the element among
    /// its arguments.
    pub rule: ValueId,
    pub element_arg: usize,
    /// The buffer read, the loop's item, the range's start and the loop's
    /// trip counter.
    pub base: ValueId,
    pub item: ValueId,
    pub start: ValueId,
    pub trip: ValueId,
}

/// The argmax loops of a body, by their body block.
pub fn find(body: &Body, activity: &Activity, fusion: &Fusion) -> HashMap<BlockId, ArgMax> {
    let mut out = HashMap::new();
    for node in &body.root.nodes {
        let Node::Loop(lp) = node else { continue };
        if fusion.of(lp.body.id).is_some() {
            continue;
        }
        let LoopKind::For { item, iter } = lp.kind else {
            continue;
        };
        let Op::Opaque(Opaque::Range {
            start: Some(start), ..
        }) = &body.def(iter).op
        else {
            continue;
        };
        if let Some(found) = matches(body, activity, lp, item, *start) {
            out.insert(lp.body.id, found);
        }
    }
    out
}

/// The loop's pattern, if its body is exactly a max or min reduction.
fn matches(
    body: &Body,
    activity: &Activity,
    lp: &crate::ir::Loop,
    item: ValueId,
    start: ValueId,
) -> Option<ArgMax> {
    let mut slot_read = None;
    let mut element = None;
    let mut rule_value = None;
    let mut write = None;
    for node in &lp.body.nodes {
        match node {
            Node::Def(value) if activity.is_active(*value) => {
                let stmt = body.def(*value);
                match &stmt.op {
                    Op::ReadSlot(slot) if slot_read.is_none() => slot_read = Some((*value, *slot)),
                    Op::Index { base, indices }
                        if element.is_none() && indices.as_slice() == [item] =>
                    {
                        element = Some((*value, *base))
                    }
                    Op::Rule { rule, args, .. }
                        if rule_value.is_none()
                            && matches!(rule.name, "max" | "min")
                            && args.len() == 2 =>
                    {
                        rule_value = Some((*value, args.clone()))
                    }
                    _ => return None,
                }
            }
            Node::Def(_) => {}
            Node::Write { slot, value } if activity.is_slot_active(*slot) => {
                if write.is_some() {
                    return None;
                }
                write = Some((*slot, *value));
            }
            // Nothing else: no nested blocks, stores or other writes.
            _ => return None,
        }
    }
    let ((read, slot), (element, base), (rule, args), (written_slot, written)) =
        (slot_read?, element?, rule_value?, write?);
    let element_arg = match args.as_slice() {
        [a, b] if *a == read && *b == element => 1,
        [a, b] if *a == element && *b == read => 0,
        _ => return None,
    };
    // The element's buffer is not written in the loop (nothing is stored in
    // it, see above), and the rule's result is only written back.
    (written_slot == slot && written == rule && body.def(base).home != lp.body.id).then_some(
        ArgMax {
            slot,
            rule,
            element_arg,
            base,
            item,
            start,
            trip: lp.trip,
        },
    )
}
