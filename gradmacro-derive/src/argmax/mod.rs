//! Max (and min) reductions: `m = m.max(x[i])` over a range, as
//! `x.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v))` and
//! `x.iter().copied().reduce(f64::max)` lower, and the same written as a
//! branch, `if x[i] > m { m = x[i]; }` (any condition, also keeping the
//! index: `best = i`).
//!
//! The partials of `max` are 0 and 1, so the adjoint of the result reaches
//! exactly one element: the one taken last (or the initial value, if none
//! was). Store-all would save the running maximum (or the branch taken)
//! every iteration and run the whole loop backwards to find it; a
//! hand-written gradient keeps the argmax. So does this: the forward loop
//! records the iteration in which the element last won, and the reverse sweep
//! adds the result's adjoint into that element's entry, once, instead of
//! reversing the loop.
//!
//! The loop must be a top-level loop of the body (its record is then in scope
//! where it is reversed) over a range, not fused, leaving only by its own
//! `break`, and its differentiated work exactly one of:
//!
//! - **a rule**: read `m`, read `x[i]` at the loop's item `i` (from a buffer
//!   the loop does not write), `max`/`min` of the two, write `m`;
//! - **copies**: every differentiated write in the loop, at any depth of its
//!   branches, copies into `m` or into a variable declared in the loop either
//!   an element `x[i]` at the loop's item (of a buffer the loop does not
//!   write), such a variable (read in the same block, not written since) or
//!   a constant:
//!   `if x[i] > m { m = x[i]; }`, or `m = if x[i] > m { x[i] } else { m };`,
//!   whose value goes through a variable of the loop. The other
//!   differentiated values it computes (the element and `m` compared,
//!   `x[i].abs()`) reach no write, so they only decide branches. Each
//!   variable then carries a record of the iteration whose element it holds
//!   (copied along with the value), and `m`'s on exit says which element it
//!   is, whatever the conditions were. The loop stores into no buffer, calls
//!   nothing and runs no macro; the variables it writes besides these are not
//!   differentiated and not running counters (`k += 1`, which the reverse
//!   sweep walks back: see [`crate::counters`]).

use crate::activity::Activity;
use crate::fuse::Fusion;
use crate::ir::{Block, BlockId, Body, LoopKind, Node, Op, Opaque, SlotId, SlotInit, ValueId};
use std::collections::HashMap;

/// A loop reversed by its recorded argmax.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArgMax {
    pub slot: SlotId,
    /// What records the winning iteration.
    pub winner: Winner,
    /// The buffer read, the loop's item, the range's start and the loop's
    /// trip counter.
    pub base: ValueId,
    pub item: ValueId,
    pub start: ValueId,
    pub trip: ValueId,
}

/// Where the forward loop records that an element won.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Winner {
    /// The `max`/`min` rule's value, and the position of the element among
    /// its arguments: the element won where its partial is not zero.
    Rule { rule: ValueId, element_arg: usize },
    /// Copies between variables: each variable of the loop (the slot, and
    /// the ones declared in it, `locals`) has a record of the iteration
    /// whose element it holds, which each copy into it sets.
    Copies {
        locals: Vec<SlotId>,
        copies: Vec<Copy>,
    },
}

/// A copy of a max reduction's loop: `slot = value` (or its declaration),
/// and what `value` is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Copy {
    pub slot: SlotId,
    pub value: ValueId,
    pub from: Source,
}

/// What a copied value is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The element of this buffer at the loop's item.
    Element(ValueId),
    /// A variable's value.
    Slot(SlotId),
    /// A value that is not differentiated (`0.0`, `i as f64`).
    Constant,
}

impl ArgMax {
    /// Whether `value` is this reduction's `max`/`min` rule.
    pub fn is_rule(&self, value: ValueId) -> bool {
        matches!(self.winner, Winner::Rule { rule, .. } if rule == value)
    }

    /// What writing `value` to `slot` copies, if it is one of the loop's copies.
    pub fn copy(&self, slot: SlotId, value: ValueId) -> Option<Source> {
        match &self.winner {
            Winner::Copies { copies, .. } => copies
                .iter()
                .find(|copy| copy.slot == slot && copy.value == value)
                .map(|copy| copy.from),
            Winner::Rule { .. } => None,
        }
    }

    /// Whether `slot` is a variable declared in the loop that copies track.
    pub fn is_local(&self, slot: SlotId) -> bool {
        matches!(&self.winner, Winner::Copies { locals, .. } if locals.contains(&slot))
    }

    /// The record of the iteration whose element `slot` holds.
    pub fn record_of(&self, slot: SlotId) -> proc_macro2::Ident {
        match slot == self.slot {
            true => crate::names::argmax_record(self.trip),
            false => crate::names::copy_record(slot),
        }
    }
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
        // Only its own `break` may end it (a `return` in it leaves the code
        // after it unrun).
        if lp
            .exit_flags
            .iter()
            .any(|flag| Some(*flag) != lp.break_flag)
        {
            continue;
        }
        let found = rule(body, activity, lp, item, *start)
            .or_else(|| copies(body, activity, lp, item, *start));
        if let Some(found) = found {
            out.insert(lp.body.id, found);
        }
    }
    out
}

/// The loop's pattern, if its body is exactly a max or min rule reduction.
fn rule(
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
            winner: Winner::Rule { rule, element_arg },
            base,
            item,
            start,
            trip: lp.trip,
        },
    )
}

/// What a loop's blocks hold, for [`copies`].
#[derive(Default)]
struct Contents {
    /// Differentiated writes (and declarations with a value), each with
    /// where its value comes from (`None`: not a copy).
    writes: Vec<(SlotId, ValueId, Option<Source>)>,
    /// Differentiated variables declared in the loop.
    locals: Vec<SlotId>,
    /// Whether it holds anything the pattern excludes.
    excluded: bool,
}

impl Contents {
    fn collect(&mut self, body: &Body, activity: &Activity, block: &Block, item: ValueId) {
        for (at, node) in block.nodes.iter().enumerate() {
            match node {
                // A call may write a buffer it is lent, or compose through a
                // pullback the reverse sweep would run.
                Node::Def(value) => {
                    self.excluded |= matches!(
                        body.def(*value).op,
                        Op::Opaque(Opaque::Call { .. } | Opaque::Invoke { .. })
                    ) || body.lends_mut(*value)
                }
                Node::Declare { slot, init } if activity.is_slot_active(*slot) => {
                    self.locals.push(*slot);
                    if let SlotInit::Value(value) = init {
                        let source = source(body, activity, (block, at), *value, item);
                        self.writes.push((*slot, *value, source));
                    }
                }
                Node::Declare { .. } => {}
                Node::Write { slot, value } => match activity.is_slot_active(*slot) {
                    true => {
                        let source = source(body, activity, (block, at), *value, item);
                        self.writes.push((*slot, *value, source));
                    }
                    // Not a counter step (whose reverse walks it back).
                    false => self.excluded |= matches!(body.def(*value).op, Op::Arith(..)),
                },
                Node::If {
                    then, otherwise, ..
                } => {
                    self.collect(body, activity, then, item);
                    self.collect(body, activity, otherwise, item);
                }
                Node::Match { arms, .. } => {
                    for arm in arms {
                        self.collect(body, activity, &arm.body, item);
                    }
                }
                Node::Store { .. }
                | Node::Push { .. }
                | Node::WriteBack { .. }
                | Node::Overwrite { .. }
                | Node::Resize { .. }
                | Node::Loop(_)
                | Node::FieldWrite { .. }
                | Node::Macro { .. } => self.excluded = true,
            }
        }
    }
}

/// Where a value written at `block.nodes[at]` comes from, if it is a copy:
/// an element at the loop's item, or a variable read earlier in the same
/// block with no write to it in between (so its record is still the read's),
/// or a copy of either; or a constant.
fn source(
    body: &Body,
    activity: &Activity,
    (block, at): (&Block, usize),
    value: ValueId,
    item: ValueId,
) -> Option<Source> {
    if !activity.is_active(value) {
        return Some(Source::Constant);
    }
    let mut value = value;
    // (`let mut t = m;` binds a copy of the read.)
    while let Op::Copy(copied) = body.def(value).op {
        value = copied;
    }
    match &body.def(value).op {
        Op::Index { base, indices } if indices.as_slice() == [item] => Some(Source::Element(*base)),
        Op::ReadSlot(read) => {
            let defined = block.nodes[..at]
                .iter()
                .rposition(|node| matches!(node, Node::Def(def) if *def == value))?;
            let mut written = false;
            for node in &block.nodes[defined + 1..at] {
                let mut visit = |node: &Node| {
                    written |= matches!(node, Node::Write { slot, .. } if slot == read)
                };
                visit(node);
                for nested in node.blocks() {
                    nested.walk(&mut visit);
                }
            }
            (!written).then_some(Source::Slot(*read))
        }
        _ => None,
    }
}

/// The loop's pattern, if every differentiated write in it copies an element
/// or a variable into one variable declared before it or into its own.
fn copies(
    body: &Body,
    activity: &Activity,
    lp: &crate::ir::Loop,
    item: ValueId,
    start: ValueId,
) -> Option<ArgMax> {
    let mut contents = Contents::default();
    contents.collect(body, activity, &lp.body, item);
    if contents.excluded {
        return None;
    }
    let locals = contents.locals;
    let outside = |slot: &SlotId| !locals.contains(slot);
    let (slot, _, _) = *contents.writes.iter().find(|(slot, _, _)| outside(slot))?;
    let mut base = None;
    let mut copies = Vec::new();
    for (written, value, source) in contents.writes {
        let from = match source? {
            Source::Element(read) if base.map_or(true, |b| b == read) => {
                base = Some(read);
                Source::Element(read)
            }
            Source::Slot(read) if read == slot || locals.contains(&read) => Source::Slot(read),
            Source::Constant => Source::Constant,
            _ => return None,
        };
        if written != slot && outside(&written) {
            return None;
        }
        copies.push(Copy {
            slot: written,
            value,
            from,
        });
    }
    let base = base?;
    // The other differentiated values it computes reach no write: they add
    // nothing to any adjoint.
    (!lp.body.block_ids().contains(&body.def(base).home)).then_some(ArgMax {
        slot,
        winner: Winner::Copies { locals, copies },
        base,
        item,
        start,
        trip: lp.trip,
    })
}

#[cfg(test)]
mod tests;
