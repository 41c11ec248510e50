//! Which loops are running minima of computed values, and what their
//! rewrite needs (see the module docs of [`super`]).

use crate::ir::{Body, Loop, LoopKind, Node, Op, Opaque, SlotId, SlotInit, ValueId};
use std::collections::HashSet;

/// What a loop's rewrite needs.
pub(super) struct Plan {
    /// The variable kept (`best`).
    pub(super) best: SlotId,
    /// The loop's item and its range's start.
    pub(super) item: ValueId,
    /// How many of the body's top-level nodes compute the copied value.
    pub(super) prefix: usize,
    /// The copied value: a value of the prefix, or a variable it declares.
    pub(super) copied: Copied,
    /// For `best = best.min(dist)`: the rule's name and the position of
    /// `dist` among its arguments (the winner is recorded where it wins).
    pub(super) rule: Option<(&'static str, usize)>,
    /// What the prefix computes from variables the loop changes: not
    /// computed again.
    pub(super) tainted: Tainted,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Copied {
    Value(ValueId),
    Slot(SlotId),
}

/// The plan for `lp`, if it is such a loop.
pub(super) fn plan(body: &Body, lp: &Loop) -> Option<Plan> {
    let LoopKind::For { item, iter } = lp.kind else {
        return None;
    };
    if !matches!(
        body.def(iter).op,
        Op::Opaque(Opaque::Range { start: Some(_), .. })
    ) || lp
        .exit_flags
        .iter()
        .any(|flag| Some(*flag) != lp.break_flag)
    {
        return None;
    }
    let inside = lp.body.block_ids();
    let declared_inside = |slot: SlotId| inside.contains(&body.slots[slot.0].home);
    // Every write to a variable from outside, with the top-level node it is in.
    let mut outer_writes: Vec<(usize, SlotId, ValueId)> = Vec::new();
    let mut excluded = false;
    for (at, node) in lp.body.nodes.iter().enumerate() {
        let mut visit = |node: &Node| match node {
            Node::Write { slot, value } if !declared_inside(*slot) => {
                outer_writes.push((at, *slot, *value))
            }
            Node::Store { .. }
            | Node::Push { .. }
            | Node::Resize { .. }
            | Node::Overwrite { .. }
            | Node::WriteBack { .. }
            | Node::FieldWrite { .. }
            | Node::Macro { .. } => excluded = true,
            Node::Def(value) => {
                excluded |= matches!(
                    body.def(*value).op,
                    Op::Opaque(
                        Opaque::Call { .. }
                            | Opaque::Invoke { .. }
                            | Opaque::BorrowMut { .. }
                            | Opaque::ConstantMut { .. }
                            | Opaque::Closure { .. }
                    )
                )
            }
            _ => {}
        };
        visit(node);
        for nested in node.blocks() {
            nested.walk(&mut visit);
        }
    }
    if excluded {
        return None;
    }
    // The kept variable: the first written a copy (other variables from
    // outside, `winner_index = j`, are left alone), and every write to it
    // copies the same value; or written once, `best = best.min(dist)`.
    let floats = Floats::of(body, lp);
    let (best, copied, rule) = outer_writes.iter().find_map(|&(at, slot, value)| {
        let rule = running_rule(body, slot, value).and_then(|(other, rule)| {
            let copied = copied_value(body, lp, at, other, &declared_inside)?;
            floats
                .computes(copied)
                .then_some((slot, copied, Some(rule)))
        });
        rule.or_else(|| {
            copied_value(body, lp, at, value, &declared_inside)
                .filter(|copied| floats.computes(*copied))
                .map(|copied| (slot, copied, None))
        })
    })?;
    let to_best: Vec<&(usize, SlotId, ValueId)> = outer_writes
        .iter()
        .filter(|(_, slot, _)| *slot == best)
        .collect();
    let all_copy = |(at, value): (usize, ValueId)| match rule {
        None => copied_value(body, lp, at, value, &declared_inside) == Some(copied),
        Some(_) => to_best.len() == 1,
    };
    if !to_best.iter().all(|&&(at, _, value)| all_copy((at, value))) {
        return None;
    }
    let prefix = to_best.iter().map(|(at, ..)| *at).min()?;
    // A value copied comes from before the first node writing `best`, and is
    // not a plain element at the item (that is `argmax`'s).
    if let Copied::Value(value) = copied {
        let in_prefix = lp.body.nodes[..prefix]
            .iter()
            .any(|node| matches!(node, Node::Def(def) if *def == value));
        let element = matches!(&body.def(value).op, Op::Index { indices, .. } if indices.as_slice() == [item]);
        if !in_prefix || element {
            return None;
        }
    }
    // The prefix is a function of the item and of what the loop leaves
    // unchanged, and computes something from buffers.
    let written_inside: HashSet<SlotId> = outer_writes.iter().map(|(_, slot, _)| *slot).collect();
    // What the prefix computes from variables the loop writes (`best`
    // compared, `at = j` under that comparison) is not computed again; the
    // copied value must not be of it.
    let tainted = Tainted::of(body, &lp.body.nodes[..prefix], &written_inside);
    let mut reads_elements = false;
    let mut pure = true;
    for node in lp.body.nodes[..prefix]
        .iter()
        .filter(|node| !tainted.skips(node))
    {
        let mut check = |node: &Node| match node {
            _ if tainted.skips(node) => {}
            // (Not the loop's trip count: after the loop it is the last.)
            Node::Def(value) => {
                let op = &body.def(*value).op;
                reads_elements |= matches!(op, Op::Index { .. } | Op::Rule { .. });
                pure &= clonable(op) && !op.operands().contains(&lp.trip);
            }
            Node::Declare { .. } | Node::If { .. } => {}
            Node::Write { slot, .. } => pure &= declared_inside(*slot),
            Node::Loop(inner) => {
                pure &= inner.exit_flags.is_empty()
                    && inner.continue_flag.is_none()
                    && matches!(inner.kind, LoopKind::For { .. })
            }
            _ => pure = false,
        };
        check(node);
        for nested in node.blocks() {
            nested.walk(&mut check);
        }
    }
    let copied_tainted = match copied {
        Copied::Value(value) => tainted.values.contains(&value),
        Copied::Slot(slot) => tainted.slots.contains(&slot),
    };
    (pure && reads_elements && !copied_tainted).then_some(Plan {
        best,
        item,
        prefix,
        copied,
        rule,
        tainted,
    })
}

/// The values and variables of a loop's prefix that depend on variables the
/// loop changes (through operands, writes, and the conditions of branches
/// and loops around them).
#[derive(Default)]
pub(super) struct Tainted {
    values: HashSet<ValueId>,
    slots: HashSet<SlotId>,
}

impl Tainted {
    fn of(body: &Body, nodes: &[Node], changed: &HashSet<SlotId>) -> Tainted {
        let mut tainted = Tainted {
            values: HashSet::new(),
            slots: changed.clone(),
        };
        // A variable written in a loop may taint reads before the write.
        loop {
            let before = (tainted.values.len(), tainted.slots.len());
            for node in nodes {
                tainted.visit(body, node, false);
            }
            if (tainted.values.len(), tainted.slots.len()) == before {
                return tainted;
            }
        }
    }

    fn visit(&mut self, body: &Body, node: &Node, under: bool) {
        match node {
            Node::Def(value) => {
                let op = &body.def(*value).op;
                let from = match op {
                    Op::ReadSlot(slot) => self.slots.contains(slot),
                    op => op.operands().iter().any(|v| self.values.contains(v)),
                };
                if under || from {
                    self.values.insert(*value);
                }
            }
            Node::Declare { slot, init } => {
                let from = matches!(init, SlotInit::Value(v) if self.values.contains(v));
                if under || from {
                    self.slots.insert(*slot);
                }
            }
            Node::Write { slot, value } if under || self.values.contains(value) => {
                self.slots.insert(*slot);
            }
            Node::If {
                cond,
                then,
                otherwise,
            } => {
                let under = under || self.values.contains(cond);
                for node in then.nodes.iter().chain(&otherwise.nodes) {
                    self.visit(body, node, under);
                }
            }
            Node::Loop(inner) => {
                let under = under
                    || matches!(inner.kind, LoopKind::For { iter, .. } if self.values.contains(&iter));
                for node in &inner.body.nodes {
                    self.visit(body, node, under);
                }
            }
            _ => {}
        }
    }

    /// Whether a prefix node is left out of the recomputation.
    pub(super) fn skips(&self, node: &Node) -> bool {
        match node {
            Node::Def(value) => self.values.contains(value),
            Node::Declare { slot, .. } | Node::Write { slot, .. } => self.slots.contains(slot),
            Node::If { cond, .. } => self.values.contains(cond),
            Node::Loop(inner) => {
                matches!(inner.kind, LoopKind::For { iter, .. } if self.values.contains(&iter))
            }
            _ => false,
        }
    }
}

/// The values and variables of a loop computed from float elements or
/// rules (a distance, not an index).
struct Floats {
    values: HashSet<ValueId>,
    slots: HashSet<SlotId>,
}

impl Floats {
    fn of(body: &Body, lp: &Loop) -> Floats {
        let mut floats = Floats {
            values: HashSet::new(),
            slots: HashSet::new(),
        };
        loop {
            let before = (floats.values.len(), floats.slots.len());
            lp.body.walk(&mut |node| match node {
                Node::Def(value) => {
                    let op = &body.def(*value).op;
                    let float = match op {
                        Op::Index { .. } | Op::Rule { .. } => true,
                        Op::ReadSlot(slot) => floats.slots.contains(slot),
                        Op::Opaque(_) => false,
                        op => op.operands().iter().any(|v| floats.values.contains(v)),
                    };
                    if float {
                        floats.values.insert(*value);
                    }
                }
                Node::Write { slot, value }
                | Node::Declare {
                    slot,
                    init: SlotInit::Value(value),
                } if floats.values.contains(value) => {
                    floats.slots.insert(*slot);
                }
                _ => {}
            });
            if (floats.values.len(), floats.slots.len()) == before {
                return floats;
            }
        }
    }

    fn computes(&self, copied: Copied) -> bool {
        match copied {
            Copied::Value(value) => self.values.contains(&value),
            Copied::Slot(slot) => self.slots.contains(&slot),
        }
    }
}

/// `best.min(dist)` or `f64::max(dist, best)` written to `best`: `dist`, the
/// rule's name and `dist`'s position.
fn running_rule(
    body: &Body,
    best: SlotId,
    value: ValueId,
) -> Option<(ValueId, (&'static str, usize))> {
    let Op::Rule { rule, args, .. } = &body.def(value).op else {
        return None;
    };
    if !matches!(rule.name, "min" | "max") {
        return None;
    }
    let reads_best = |v: ValueId| matches!(body.def(v).op, Op::ReadSlot(slot) if slot == best);
    match args.as_slice() {
        [a, b] if reads_best(*a) && !reads_best(*b) => Some((*b, (rule.name, 1))),
        [a, b] if reads_best(*b) && !reads_best(*a) => Some((*a, (rule.name, 0))),
        _ => None,
    }
}

/// What the value written at top-level node `at` copies: a top-level value
/// defined before that node, or a variable of the loop that nothing in that
/// node writes.
fn copied_value(
    body: &Body,
    lp: &Loop,
    at: usize,
    value: ValueId,
    declared_inside: &dyn Fn(SlotId) -> bool,
) -> Option<Copied> {
    let mut value = value;
    while let Op::Copy(inner) = body.def(value).op {
        value = inner;
    }
    if let Op::ReadSlot(slot) = body.def(value).op {
        if !declared_inside(slot) {
            return None;
        }
        let mut written = false;
        let mut visit = |node: &Node| written |= matches!(node, Node::Write { slot: s, .. } | Node::Declare { slot: s, .. } if *s == slot);
        visit(&lp.body.nodes[at]);
        for nested in lp.body.nodes[at].blocks() {
            nested.walk(&mut visit);
        }
        return (!written).then_some(Copied::Slot(slot));
    }
    lp.body.nodes[..at]
        .iter()
        .any(|node| matches!(node, Node::Def(def) if *def == value))
        .then_some(Copied::Value(value))
}

/// Whether a value of the prefix can be computed again: pure operations.
fn clonable(op: &Op) -> bool {
    match op {
        Op::Const(_)
        | Op::Copy(_)
        | Op::Neg(_)
        | Op::Arith(..)
        | Op::Cast { .. }
        | Op::Rule { .. }
        | Op::Index { .. }
        | Op::ReadSlot(_)
        | Op::LoopItem
        | Op::TripCount => true,
        Op::Opaque(opaque) => match opaque {
            Opaque::Unary(..)
            | Opaque::Binary(..)
            | Opaque::Ref(_)
            | Opaque::Field { .. }
            | Opaque::Index { .. }
            | Opaque::Slice { .. }
            | Opaque::Range { .. } => true,
            Opaque::Method { method, .. } => PURE_METHODS.contains(&method.to_string().as_str()),
            _ => false,
        },
        _ => false,
    }
}

/// Methods of constants that only compute (lengths, integer arithmetic).
const PURE_METHODS: &[&str] = &[
    "len",
    "is_empty",
    "min",
    "max",
    "abs",
    "pow",
    "saturating_sub",
    "wrapping_add",
    "wrapping_sub",
    "rem_euclid",
];
