//! Running indices walked back instead of saved.
//!
//! C ports index packed storage with a counter: `let mut e = c * tri; for col
//! in 0..d { for row in col + 1..d { qx[row] += l[e] * xc[col]; e += 1; } }`.
//! The reverse sweep needs `e` in every iteration (to add into `l`'s adjoint),
//! and store-all would tape it: one integer per iteration written and read
//! back, which also keeps LLVM from vectorising either loop. But `e` only ever
//! changes by constants, so its value can be recovered going backwards: the
//! reverse sweep keeps its own copy, starting from the counter's final value,
//! and undoes each `e += 1` where it reverses it. A read of the counter is then
//! the copy's value minus what the writes after it in its block added.
//!
//! A variable is such a counter when it is not differentiated, every write to
//! it is `e = e ± c` with `c` an integer literal and the read of `e` in the same
//! block with no other write between, and its reads and writes all lie in the
//! same fused iteration as its declaration, or all outside fused loops (a
//! fused iteration's reverse runs in the middle of the forward sweep). A read
//! is recovered this way if no write to the counter follows it in a nested
//! block of its own block (how often that runs is not known). Counters are
//! chosen, like restored buffers, only where a dry run of the reverse sweep
//! would have saved one of their reads in a loop.
//!
//! The copy starts from the counter's final value where the reverse of its
//! declaring block starts: the variable itself where that block is in scope
//! (the body, a fused iteration); otherwise the forward sweep pushes the final
//! value at the end of each execution of that block, and the reverse pops it.

use crate::activity::Activity;
use crate::fuse::Fusion;
use crate::ir::{Arith, Block, BlockId, Body, Node, Op, SlotId, ValueId};
use crate::save::Part;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The chosen counters and how to recover their reads.
#[derive(Default, Clone)]
pub struct Counters {
    /// Each counter, by slot, with its declaring block and whether that block
    /// is out of the reverse sweep's scope (its final values are stacked).
    slots: BTreeMap<SlotId, (BlockId, bool)>,
    /// Each recovered read: its counter, and what the writes after it in its
    /// block add (the read is the reverse copy minus that).
    reads: HashMap<ValueId, (SlotId, i128)>,
    /// Each write to a counter: the value written, and the constant it adds.
    writes: HashMap<ValueId, (SlotId, i128)>,
}

impl Counters {
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The counters declared in `block`.
    pub fn declared_in(&self, block: BlockId) -> Vec<SlotId> {
        self.slots
            .iter()
            .filter(|(_, (home, _))| *home == block)
            .map(|(slot, _)| *slot)
            .collect()
    }

    pub fn is_counter(&self, slot: SlotId) -> bool {
        self.slots.contains_key(&slot)
    }

    /// The counters whose final values are stacked.
    pub fn stacked(&self) -> impl Iterator<Item = SlotId> + '_ {
        self.slots
            .iter()
            .filter(|(_, (_, stacked))| *stacked)
            .map(|(slot, _)| *slot)
    }

    /// A recovered read: its counter and the offset to subtract.
    pub fn read(&self, value: ValueId) -> Option<(SlotId, i128)> {
        self.reads.get(&value).copied()
    }

    /// The constant a write to a counter adds, by the value written.
    pub fn step(&self, slot: SlotId, written: ValueId) -> Option<i128> {
        match self.writes.get(&written) {
            Some((s, step)) if *s == slot => Some(*step),
            _ => None,
        }
    }
}

impl std::fmt::Display for Counters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for slot in self.slots.keys() {
            let mut reads: Vec<ValueId> = self
                .reads
                .iter()
                .filter(|(_, (s, _))| s == slot)
                .map(|(v, _)| *v)
                .collect();
            reads.sort();
            let reads: Vec<String> = reads.iter().map(|v| format!("v{}", v.0)).collect();
            writeln!(
                f,
                "counter s{} walked back in reverse; reads recovered: {}",
                slot.0,
                reads.join(", ")
            )?;
        }
        Ok(())
    }
}

/// What the analysis finds about one candidate.
#[derive(Default)]
struct Candidate {
    ok: bool,
    writes: Vec<(ValueId, i128)>,
    reads: Vec<(ValueId, i128)>,
    /// The fused loop body (if any) holding each of its reads and writes.
    regions: BTreeSet<Option<BlockId>>,
}

/// Chooses the counters whose reads a first dry run of the reverse sweep
/// (`referenced`) would save in a loop.
pub fn choose(
    body: &Body,
    activity: &Activity,
    fusion: &Fusion,
    referenced: &BTreeSet<Part>,
) -> Counters {
    let regions = fused_regions(body, fusion);
    let mut candidates: BTreeMap<SlotId, Candidate> = BTreeMap::new();
    for (index, slot) in body.slots.iter().enumerate() {
        let id = SlotId(index);
        if !activity.is_slot_active(id) {
            let region = regions.get(&slot.home).copied();
            let mut candidate = Candidate {
                ok: true,
                ..Candidate::default()
            };
            candidate.regions.insert(region);
            candidates.insert(id, candidate);
        }
    }
    if candidates.is_empty() {
        return Counters::default();
    }
    visit(body, &regions, &body.root, &mut candidates);
    let mut counters = Counters::default();
    for (slot, candidate) in candidates {
        if !candidate.ok || candidate.regions.len() != 1 || candidate.writes.is_empty() {
            continue;
        }
        let saved_in_loop = candidate.reads.iter().any(|(read, _)| {
            let home = body.def(*read).home;
            referenced.contains(&Part::Value(*read))
                && !fusion.in_scope(home)
                && fusion.repeats(body, home)
        });
        if !saved_in_loop {
            continue;
        }
        let home = body.slots[slot.0].home;
        counters.slots.insert(slot, (home, !fusion.in_scope(home)));
        for (value, step) in candidate.writes {
            counters.writes.insert(value, (slot, step));
        }
        for (read, offset) in candidate.reads {
            counters.reads.insert(read, (slot, offset));
        }
    }
    counters
}

/// Every block inside a fused loop's body, with that body.
fn fused_regions(body: &Body, fusion: &Fusion) -> HashMap<BlockId, BlockId> {
    let mut regions = HashMap::new();
    for node in &body.root.nodes {
        if let Node::Loop(lp) = node {
            if fusion.of(lp.body.id).is_some() {
                regions.extend(lp.body.block_ids().into_iter().map(|id| (id, lp.body.id)));
            }
        }
    }
    regions
}

/// `e = e ± c`: the constant added, if `written` is that with `read` a read of
/// `slot`.
fn step_of(body: &Body, slot: SlotId, written: ValueId) -> Option<(ValueId, i128)> {
    let Op::Arith(arith, a, b) = body.def(written).op else {
        return None;
    };
    let reads_slot = |v: ValueId| matches!(body.def(v).op, Op::ReadSlot(s) if s == slot);
    let constant = |v: ValueId| match &body.def(v).op {
        Op::Const(tokens) => {
            let text = tokens.to_string().replace('_', "");
            let digits = ["usize", "isize", "u64", "i64", "u32", "i32"]
                .iter()
                .fold(text.as_str(), |t, suffix| t.trim_end_matches(suffix));
            digits.parse::<i128>().ok()
        }
        _ => None,
    };
    match arith {
        Arith::Add if reads_slot(a) => Some((a, constant(b)?)),
        Arith::Add if reads_slot(b) => Some((b, constant(a)?)),
        Arith::Sub if reads_slot(a) => Some((a, -constant(b)?)),
        _ => None,
    }
}

fn visit(
    body: &Body,
    regions: &HashMap<BlockId, BlockId>,
    block: &Block,
    candidates: &mut BTreeMap<SlotId, Candidate>,
) {
    let region = regions.get(&block.id).copied();
    // Positions of this block's top-level writes, per slot, and the nested
    // blocks that write each slot (by position of the node holding them).
    let mut top_writes: HashMap<SlotId, Vec<(usize, i128)>> = HashMap::new();
    let mut nested_writes: HashMap<SlotId, Vec<usize>> = HashMap::new();
    let mut positions: HashMap<ValueId, usize> = HashMap::new();
    for (position, node) in block.nodes.iter().enumerate() {
        match node {
            Node::Def(value) => {
                positions.insert(*value, position);
            }
            Node::Write { slot, value } => {
                if let Some(candidate) = candidates.get_mut(slot) {
                    candidate.regions.insert(region);
                    match step_of(body, *slot, *value) {
                        // The read it updates is in this block, with no other
                        // write to the counter since.
                        Some((read, step))
                            if positions.get(&read).is_some_and(|at| {
                                top_writes
                                    .get(slot)
                                    .map_or(true, |w| w.iter().all(|(p, _)| p < at))
                                    && nested_writes
                                        .get(slot)
                                        .map_or(true, |w| w.iter().all(|p| p < at))
                            }) =>
                        {
                            candidate.writes.push((*value, step));
                            top_writes.entry(*slot).or_default().push((position, step));
                        }
                        _ => candidate.ok = false,
                    }
                }
            }
            _ => {}
        }
        for nested in node.blocks() {
            let mut written = Vec::new();
            nested.walk(&mut |inner| {
                if let Node::Write { slot, .. } = inner {
                    written.push(*slot);
                }
            });
            for slot in written {
                nested_writes.entry(slot).or_default().push(position);
            }
        }
    }
    // Reads: recovered if no nested block after them writes the counter.
    for (position, node) in block.nodes.iter().enumerate() {
        let Node::Def(value) = node else { continue };
        let Op::ReadSlot(slot) = body.def(*value).op else {
            continue;
        };
        let Some(candidate) = candidates.get_mut(&slot) else {
            continue;
        };
        candidate.regions.insert(region);
        let nested_after = nested_writes
            .get(&slot)
            .is_some_and(|w| w.iter().any(|p| *p > position));
        if nested_after {
            continue;
        }
        let offset: i128 = top_writes
            .get(&slot)
            .into_iter()
            .flatten()
            .filter(|(p, _)| *p > position)
            .map(|(_, step)| *step)
            .sum();
        candidate.reads.push((*value, offset));
    }
    for node in &block.nodes {
        for nested in node.blocks() {
            visit(body, regions, nested, candidates);
        }
    }
}
