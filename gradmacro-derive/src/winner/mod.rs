//! Running minima and maxima of computed values: `if dist < best { best =
//! dist; }` over candidates (k-means' nearest centroid), `dist` computed in
//! the same iteration.
//!
//! Only the winning candidate's `dist` reaches the result, but reversed as
//! written, every candidate's computation is differentiated: store-all saves
//! what each iteration computes, and the reverse sweep runs them all
//! backwards for one nonzero adjoint. A hand-written gradient remembers which
//! candidate won and differentiates that one. This pass rewrites the loop
//! into that form, IR to IR, before anything is differentiated:
//!
//! ```text
//! best' = best; found = false; winner = default      (new variables)
//! for j in a..b { ..dist..; if dist < best' { best' = dist; found = true; winner = j } }
//! if found { j = winner; ..dist.. (again, for j); best = dist }
//! ```
//!
//! The loop now only decides (`best'` is read by its conditions alone, so it
//! is not differentiated, and the loop saves nothing), and the code after it
//! computes the winner's `dist` once more, which is differentiated as any
//! straight code is. The values are those of the original program, bit for
//! bit: `best'` follows `best`'s values exactly, and the recomputation runs
//! the same operations on the same inputs.
//!
//! Applied to a `for` loop over a range that leaves only by its own `break`
//! (or none), stores into no buffer and calls nothing, in which every write
//! to a variable `best` declared before it copies one value `dist`: a value
//! of the loop's body at its top level before the node holding the write,
//! or a variable the body declares, read where nothing in between writes
//! it. The code computing `dist` (the body's nodes before the first node
//! writing `best`) must be a function of the loop's item and of what the
//! loop does not change: it reads no variable from outside that the loop
//! writes, writes only variables it declares, and is made of arithmetic,
//! rules, element reads, comparisons and nested loops of the same. A copy of
//! an element (`best = x[j]`) is left to [`crate::argmax`], which needs no
//! recomputation.

use crate::ir::{
    Block, BlockId, BlockInfo, Body, Loop, LoopKind, Node, Op, Opaque, Slot, SlotId, SlotInit,
    Stmt, ValueId,
};
use quote::quote;
use std::collections::{HashMap, HashSet};

#[cfg(test)]
mod tests;

/// Rewrites every running minimum or maximum of a computed value (see the
/// module docs).
pub fn recompute_winners(body: &mut Body) {
    let mut root = std::mem::replace(
        &mut body.root,
        Block {
            id: crate::ir::ROOT,
            nodes: Vec::new(),
        },
    );
    visit(body, &mut root);
    body.root = root;
}

/// Rewrites the loops of `block` (at any depth).
fn visit(body: &mut Body, block: &mut Block) {
    let mut nodes = Vec::with_capacity(block.nodes.len());
    for mut node in std::mem::take(&mut block.nodes) {
        for nested in node_blocks_mut(&mut node) {
            visit(body, nested);
        }
        let mut after = Vec::new();
        if let Node::Loop(lp) = &mut node {
            if let Some(plan) = plan(body, lp) {
                after = rewrite(body, lp, block.id, &plan, &mut nodes);
            }
        }
        nodes.push(node);
        nodes.extend(after);
    }
    block.nodes = nodes;
}

fn node_blocks_mut(node: &mut Node) -> Vec<&mut Block> {
    match node {
        Node::If {
            then, otherwise, ..
        } => vec![then, otherwise],
        Node::Match { arms, .. } => arms.iter_mut().map(|arm| &mut arm.body).collect(),
        Node::Loop(lp) => vec![&mut lp.body],
        _ => Vec::new(),
    }
}

/// What a loop's rewrite needs.
struct Plan {
    /// The variable kept (`best`).
    best: SlotId,
    /// The loop's item and its range's start.
    item: ValueId,
    /// How many of the body's top-level nodes compute the copied value.
    prefix: usize,
    /// The copied value: a value of the prefix, or a variable it declares.
    copied: Copied,
    /// For `best = best.min(dist)`: the rule's name and the position of
    /// `dist` among its arguments (the winner is recorded where it wins).
    rule: Option<(&'static str, usize)>,
    /// What the prefix computes from variables the loop changes: not
    /// computed again.
    tainted: Tainted,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Copied {
    Value(ValueId),
    Slot(SlotId),
}

/// The plan for `lp`, if it is such a loop.
fn plan(body: &Body, lp: &Loop) -> Option<Plan> {
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
struct Tainted {
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
    fn skips(&self, node: &Node) -> bool {
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

/// Rewrites `lp` (see the module docs): the nodes to put after it, in
/// `block`; `before` receives the new variables' declarations.
fn rewrite(
    body: &mut Body,
    lp: &mut Loop,
    block: BlockId,
    plan: &Plan,
    before: &mut Vec<Node>,
) -> Vec<Node> {
    let span = body.def(plan.item).span;
    let in_loop = body.blocks[block.0].in_loop;
    let best_name = body.slots[plan.best.0].name.clone();
    // best' = best; found = false; winner = default.
    let current = push_value(body, Op::ReadSlot(plan.best), block, span);
    let shadow = push_slot(body, &format!("{best_name} (running)"), block);
    let no = push_value(body, Op::Const(quote!(false)), block, span);
    let found = push_slot(body, "found", block);
    let winner = push_slot(body, "winner", block);
    before.extend([
        Node::Def(current),
        Node::Declare {
            slot: shadow,
            init: SlotInit::Value(current),
        },
        Node::Def(no),
        Node::Declare {
            slot: found,
            init: SlotInit::Value(no),
        },
        Node::Declare {
            slot: winner,
            init: SlotInit::Default,
        },
    ]);
    // In the loop, `best` is `best'`, and each write records the winner.
    rename_in(body, &mut lp.body, plan, shadow, found, winner);
    // After it: if found { j = winner; ..dist..; best = dist }.
    let flag = push_value(body, Op::ReadSlot(found), block, span);
    let then_id = push_block(body, in_loop);
    let chosen = push_value(body, Op::ReadSlot(winner), then_id, span);
    let mut map: HashMap<ValueId, ValueId> = HashMap::from([(plan.item, chosen)]);
    let mut slot_map: HashMap<SlotId, SlotId> = HashMap::new();
    let mut then = vec![Node::Def(chosen)];
    for node in &lp.body.nodes[..plan.prefix] {
        if matches!(node, Node::Def(def) if *def == plan.item) || plan.tainted.skips(node) {
            continue;
        }
        then.push(clone_node(
            body,
            node,
            then_id,
            in_loop,
            &mut map,
            &mut slot_map,
            &plan.tainted,
        ));
    }
    let copied = match plan.copied {
        Copied::Value(value) => map.get(&value).copied().unwrap_or(value),
        Copied::Slot(slot) => {
            let slot = slot_map.get(&slot).copied().unwrap_or(slot);
            let read = push_value(body, Op::ReadSlot(slot), then_id, span);
            then.push(Node::Def(read));
            read
        }
    };
    then.push(Node::Write {
        slot: plan.best,
        value: copied,
    });
    let otherwise = push_block(body, in_loop);
    vec![
        Node::Def(flag),
        Node::If {
            cond: flag,
            then: Block {
                id: then_id,
                nodes: then,
            },
            otherwise: Block {
                id: otherwise,
                nodes: Vec::new(),
            },
        },
    ]
}

/// In the loop's blocks: reads of `best` read `shadow`, and each write to
/// `best` writes `shadow` and records `found` and the winner.
fn rename_in(
    body: &mut Body,
    block: &mut Block,
    plan: &Plan,
    shadow: SlotId,
    found: SlotId,
    winner: SlotId,
) {
    let mut nodes = Vec::with_capacity(block.nodes.len());
    for mut node in std::mem::take(&mut block.nodes) {
        for nested in node_blocks_mut(&mut node) {
            rename_in(body, nested, plan, shadow, found, winner);
        }
        match node {
            Node::Def(value) => {
                if matches!(body.values[value.0].op, Op::ReadSlot(slot) if slot == plan.best) {
                    body.values[value.0].op = Op::ReadSlot(shadow);
                }
                nodes.push(node);
            }
            Node::Write { slot, value } if slot == plan.best => {
                let span = body.def(value).span;
                let yes = push_value(body, Op::Const(quote!(true)), block.id, span);
                let item = push_value(body, Op::Copy(plan.item), block.id, span);
                nodes.push(Node::Write {
                    slot: shadow,
                    value,
                });
                let record = vec![
                    Node::Def(yes),
                    Node::Write {
                        slot: found,
                        value: yes,
                    },
                    Node::Def(item),
                    Node::Write {
                        slot: winner,
                        value: item,
                    },
                ];
                match plan.rule {
                    None => nodes.extend(record),
                    // `best' = best'.min(dist)`: recorded where `dist` wins.
                    Some(rule) => {
                        let (won, defs) = winning(body, value, rule, block.id);
                        nodes.extend(defs.into_iter().map(Node::Def));
                        let then = push_block(body, body.blocks[block.id.0].in_loop);
                        let otherwise = push_block(body, body.blocks[block.id.0].in_loop);
                        for node in &record {
                            if let Node::Def(value) = node {
                                body.values[value.0].home = then;
                            }
                        }
                        nodes.push(Node::If {
                            cond: won,
                            then: Block {
                                id: then,
                                nodes: record,
                            },
                            otherwise: Block {
                                id: otherwise,
                                nodes: Vec::new(),
                            },
                        });
                    }
                }
            }
            other => nodes.push(other),
        }
    }
    block.nodes = nodes;
}

/// Whether `dist` won the running `min`/`max` step `value` (as the rule's
/// partials say: the first argument wins ties, and against a NaN second):
/// the condition and its definitions, in `home`.
fn winning(
    body: &mut Body,
    value: ValueId,
    (name, position): (&'static str, usize),
    home: BlockId,
) -> (ValueId, Vec<ValueId>) {
    let (first, second) = match &body.def(value).op {
        Op::Rule { args, .. } => (args[0], args[1]),
        _ => unreachable!("`plan` admits a rule only"),
    };
    let span = body.def(value).span;
    let keeps_first = match name {
        "min" => syn::BinOp::Le(Default::default()),
        _ => syn::BinOp::Ge(Default::default()),
    };
    // first wins: `first <= second || second != second` (`>=` for max).
    let ordered = push_value(
        body,
        Op::Opaque(Opaque::Binary(keeps_first, first, second)),
        home,
        span,
    );
    let nan = Opaque::Binary(syn::BinOp::Ne(Default::default()), second, second);
    let nan = push_value(body, Op::Opaque(nan), home, span);
    let or = Opaque::Binary(syn::BinOp::Or(Default::default()), ordered, nan);
    let first_wins = push_value(body, Op::Opaque(or), home, span);
    match position {
        0 => (first_wins, vec![ordered, nan, first_wins]),
        _ => {
            let not = Opaque::Unary(syn::UnOp::Not(Default::default()), first_wins);
            let second_wins = push_value(body, Op::Opaque(not), home, span);
            (second_wins, vec![ordered, nan, first_wins, second_wins])
        }
    }
}

/// A copy of a prefix node, in block `home`, with fresh values, slots and
/// blocks (`map`, `slot_map`: the old ones to the new, filled as it goes).
fn clone_node(
    body: &mut Body,
    node: &Node,
    home: BlockId,
    in_loop: bool,
    map: &mut HashMap<ValueId, ValueId>,
    slot_map: &mut HashMap<SlotId, SlotId>,
    tainted: &Tainted,
) -> Node {
    let value_of = |map: &HashMap<ValueId, ValueId>, v: ValueId| map.get(&v).copied().unwrap_or(v);
    match node {
        Node::Def(value) => {
            let stmt = body.def(*value);
            let slot_of = |s: SlotId| slot_map.get(&s).copied().unwrap_or(s);
            let op = remapped(&stmt.op, &|v| value_of(map, v), &slot_of);
            let copy = Stmt {
                def: ValueId(body.values.len()),
                op,
                ty: stmt.ty.clone(),
                mutable: stmt.mutable,
                span: stmt.span,
                home,
                buffer: stmt.buffer,
            };
            let new = copy.def;
            body.values.push(copy);
            map.insert(*value, new);
            Node::Def(new)
        }
        Node::Declare { slot, init } => {
            let name = body.slots[slot.0].name.clone();
            let new = push_slot(body, &name, home);
            slot_map.insert(*slot, new);
            let init = match init {
                SlotInit::Value(value) => SlotInit::Value(value_of(map, *value)),
                SlotInit::Default => SlotInit::Default,
            };
            Node::Declare { slot: new, init }
        }
        Node::Write { slot, value } => Node::Write {
            slot: slot_map.get(slot).copied().unwrap_or(*slot),
            value: value_of(map, *value),
        },
        Node::If {
            cond,
            then,
            otherwise,
        } => {
            let cond = value_of(map, *cond);
            let then = clone_block(body, then, in_loop, map, slot_map, tainted);
            let otherwise = clone_block(body, otherwise, in_loop, map, slot_map, tainted);
            Node::If {
                cond,
                then,
                otherwise,
            }
        }
        Node::Loop(inner) => {
            let kind = match inner.kind {
                LoopKind::For { item, iter } => {
                    let iter = value_of(map, iter);
                    // The item is the body's first definition: mapped there.
                    let body_block = clone_block(body, &inner.body, true, map, slot_map, tainted);
                    let item = value_of(map, item);
                    return Node::Loop(Loop {
                        kind: LoopKind::For { item, iter },
                        body: body_block,
                        trip: value_of(map, inner.trip),
                        exit_flags: Vec::new(),
                        continue_flag: None,
                        break_flag: None,
                    });
                }
                LoopKind::Infinite => LoopKind::Infinite,
            };
            let body_block = clone_block(body, &inner.body, true, map, slot_map, tainted);
            Node::Loop(Loop {
                kind,
                body: body_block,
                trip: value_of(map, inner.trip),
                exit_flags: Vec::new(),
                continue_flag: None,
                break_flag: None,
            })
        }
        // `plan` admits nothing else in the prefix.
        _ => unreachable!("only definitions, variables, branches and loops are cloned"),
    }
}

fn clone_block(
    body: &mut Body,
    block: &Block,
    in_loop: bool,
    map: &mut HashMap<ValueId, ValueId>,
    slot_map: &mut HashMap<SlotId, SlotId>,
    tainted: &Tainted,
) -> Block {
    let id = push_block(body, in_loop);
    let nodes = block
        .nodes
        .iter()
        .filter(|node| !tainted.skips(node))
        .map(|node| clone_node(body, node, id, in_loop, map, slot_map, tainted))
        .collect();
    Block { id, nodes }
}

/// `op` with its operands and slots renamed (for the operations
/// [`clonable`] admits).
fn remapped(op: &Op, value: &dyn Fn(ValueId) -> ValueId, slot: &dyn Fn(SlotId) -> SlotId) -> Op {
    let values = |vs: &[ValueId]| vs.iter().map(|v| value(*v)).collect::<Vec<_>>();
    match op {
        Op::Const(tokens) => Op::Const(tokens.clone()),
        Op::Copy(v) => Op::Copy(value(*v)),
        Op::Neg(v) => Op::Neg(value(*v)),
        Op::Arith(arith, a, b) => Op::Arith(*arith, value(*a), value(*b)),
        Op::Cast {
            value: v,
            ty,
            target,
        } => Op::Cast {
            value: value(*v),
            ty: ty.clone(),
            target: *target,
        },
        Op::Rule {
            rule,
            args,
            form,
            name,
        } => Op::Rule {
            rule,
            args: values(args),
            form: form.clone(),
            name: name.clone(),
        },
        Op::Index { base, indices } => Op::Index {
            base: value(*base),
            indices: values(indices),
        },
        Op::ReadSlot(s) => Op::ReadSlot(slot(*s)),
        Op::LoopItem => Op::LoopItem,
        Op::TripCount => Op::TripCount,
        Op::Opaque(opaque) => Op::Opaque(match opaque {
            Opaque::Unary(op, v) => Opaque::Unary(*op, value(*v)),
            Opaque::Binary(op, a, b) => Opaque::Binary(*op, value(*a), value(*b)),
            Opaque::Ref(v) => Opaque::Ref(value(*v)),
            Opaque::Field {
                base,
                member,
                borrowed,
            } => Opaque::Field {
                base: value(*base),
                member: member.clone(),
                borrowed: *borrowed,
            },
            Opaque::Index {
                base,
                indices,
                borrowed,
            } => Opaque::Index {
                base: value(*base),
                indices: values(indices),
                borrowed: *borrowed,
            },
            Opaque::Slice {
                base,
                prefix,
                start,
                end,
            } => Opaque::Slice {
                base: value(*base),
                prefix: values(prefix),
                start: value(*start),
                end: value(*end),
            },
            Opaque::Range {
                start,
                end,
                inclusive,
            } => Opaque::Range {
                start: start.map(value),
                end: end.map(value),
                inclusive: *inclusive,
            },
            Opaque::Method {
                receiver,
                method,
                turbofish,
                args,
            } => Opaque::Method {
                receiver: value(*receiver),
                method: method.clone(),
                turbofish: turbofish.clone(),
                args: values(args),
            },
            _ => unreachable!("`clonable` admits no other operation"),
        }),
        _ => unreachable!("`clonable` admits no other operation"),
    }
}

fn push_value(body: &mut Body, op: Op, home: BlockId, span: proc_macro2::Span) -> ValueId {
    let def = ValueId(body.values.len());
    body.values.push(Stmt {
        def,
        op,
        ty: None,
        mutable: false,
        span,
        home,
        buffer: false,
    });
    def
}

fn push_slot(body: &mut Body, name: &str, home: BlockId) -> SlotId {
    body.slots.push(Slot {
        name: name.to_owned(),
        home,
    });
    SlotId(body.slots.len() - 1)
}

fn push_block(body: &mut Body, in_loop: bool) -> BlockId {
    body.blocks.push(BlockInfo { in_loop });
    BlockId(body.blocks.len() - 1)
}
