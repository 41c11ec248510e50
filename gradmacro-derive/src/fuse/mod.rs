//! Loop fusion: the reverse of a reduction loop runs inside the forward loop.
//!
//! The store-all reverse sweep runs a loop forward, then again backwards,
//! recomputing or popping each iteration's values. A hand-written gradient of a
//! reduction (`for i in .. { s += term(x[i]) }`) does better: each iteration
//! computes its term and, right away, the term's derivative, in one pass with
//! nothing saved. That is valid whenever the adjoint flowing into an iteration
//! from the rest of the program is the same for every iteration and known before
//! the loop starts. This pass finds the root-level loops where that holds:
//!
//! - the loop has no `return` (its own `break` is fine: the code after it
//!   still runs, and each iteration that ran has the same exit adjoints);
//! - every active variable of the function body that the loop writes is an
//!   *accumulator*: each write is `s = s ± term` with the read of `s` used
//!   nowhere else, so `∂s_out/∂s_in = 1` through every iteration and `s`'s
//!   adjoint at the loop's exit is its adjoint in every iteration;
//! - that adjoint is the output seed scaled by values computable before the loop:
//!   after the loop `s` is read once, and the read reaches the returned value
//!   only through copies, negation, `± other`, and products and quotients by
//!   values the pass can compute before the loop (`s / xs.len() as f64`);
//! - an active buffer the loop writes is *iteration-local*: each iteration
//!   overwrites it whole (`for j in 0..buf.len() { buf[j] = .. }`) before reading
//!   it, and nothing after the loop reads it, so no adjoint crosses an iteration
//!   boundary through it;
//! - no variable or buffer the loop reads is written after the loop (whose
//!   reverse would otherwise run before the loop's contributions are complete in
//!   store-all order, and here runs after them).
//!
//! The fused loop's iteration then ends with its own reverse code, seeded with
//! the accumulators' exit adjoints; the reverse sweep skips the loop. Adjoints
//! the iteration adds into (parameters' adjoint buffers, accumulators of values
//! defined before the loop) are declared just before it. Values of the loop body
//! are in scope for its reverse code, so none of them is saved; values of nested
//! loops are stacked as usual, within one iteration. The design follows what
//! Tapenade calls the adjoint of a parallel (independent-iteration) loop, with
//! the reduction variable as the only carried dependence.

use crate::activity::Activity;
use crate::ir::{Arith, SlotId, ValueId, ROOT};
use crate::ir::{Block, BlockId, Body, Loop, Node, Op, Opaque};
pub use checkpoint::Checkpoint;
use std::collections::{BTreeSet, HashMap, HashSet};

/// One factor of an accumulator's exit adjoint: the seed, negated or multiplied
/// or divided by a primal value in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    Neg,
    Mul(ValueId),
    Div(ValueId),
}

/// A loop whose reverse runs inside it.
#[derive(Debug, PartialEq, Eq)]
pub struct FusedLoop {
    /// Each accumulator and its adjoint at the loop's exit, as scalings of the seed.
    pub accumulators: Vec<(SlotId, Vec<Scale>)>,
    /// Values defined after the loop that those scalings read: defined again,
    /// in program order, just before the loop.
    pub hoisted: Vec<ValueId>,
    /// Values of the root block whose adjoint (buffer or accumulator) the loop's
    /// reverse adds into, declared just before the loop.
    pub predeclared: Vec<ValueId>,
    /// Variables of the root block the loop reads, whose adjoints are declared
    /// just before the loop.
    pub predeclared_slots: Vec<SlotId>,
    /// Set when the accumulator's exit adjoint is only known once the code
    /// after the loop is reversed (`sum.ln()`, `norm.sqrt()`): see [`Deferred`].
    pub deferred: Option<Deferred>,
}

/// A fused loop whose exit adjoint `λ` waits for the code after it (a sum
/// used nonlinearly: `ln Σ exp`, `√Σ x²`, a softmax's denominator). Its
/// reverse code is linear in `λ`, so each iteration runs it with `λ = 1`,
/// and the sums it leaves are scaled by `λ` where the reverse sweep reaches
/// the loop: the adjoint buffers the loop alone adds into are scaled in place
/// (a hand-written gradient's "store the partials in the gradient, then
/// scale"), and the adjoints of scalars and variables are set aside after the
/// loop and added back times `λ`. The store-all alternative saves every
/// iteration's partials on a tape and reads them back.
#[derive(Debug, PartialEq, Eq)]
pub struct Deferred {
    pub slot: SlotId,
    /// Adjoint buffers scaled in place: the loop's contributions are all they
    /// hold where the reverse sweep scales them.
    pub scaled: Vec<ValueId>,
    /// Root values and variables whose adjoints the loop adds into, set aside
    /// after the loop.
    pub set_aside: Vec<ValueId>,
    pub set_aside_slots: Vec<SlotId>,
}

/// What the fusion may do for a body.
#[derive(Clone, Copy, Debug)]
pub struct Options<'a> {
    /// Defer a loop's exit adjoint (see [`Deferred`]): only for concrete
    /// float types, whose adjoint buffers the runtime scales.
    pub defer: bool,
    /// Buffers whose adjoint buffer holds the caller's adjoint when the
    /// sweeps start (out-parameters, and buffers `NAME_pullback_lent` adds
    /// into in place): never assigned a sole contribution, never scaled.
    pub seeded: &'a [ValueId],
    /// `checkpoints = N` was given: memory must stay bounded, so a time loop
    /// is checkpointed even where store-all would be faster.
    pub bounded: bool,
}

/// The fused loops of a body, by the id of their body block.
#[derive(Default)]
pub struct Fusion {
    loops: HashMap<BlockId, FusedLoop>,
    /// Blocks inside a fused loop's body but outside any loop nested in it:
    /// they run once per iteration, so their saved values need no stack.
    once_per_iteration: HashSet<BlockId>,
    predeclared: HashSet<ValueId>,
    predeclared_slots: HashSet<SlotId>,
    /// Element reads in fused loops that no later part of the iteration
    /// overwrites: the iteration's reverse code reads them again instead of
    /// saving them.
    stable_reads: HashSet<ValueId>,
    /// Values a fused loop's body stores as `buffer[item]` and never
    /// overwrites in the iteration: read back from the buffer when reversed.
    recoverable: HashMap<ValueId, (ValueId, ValueId)>,
    /// Element reads whose adjoint is the only contribution its entry of the
    /// adjoint buffer ever gets: assigned rather than added.
    sole_contributions: HashSet<ValueId>,
    /// Loops whose reverse recomputes each iteration from the state saved at
    /// its start (see [`checkpoint`]), by body block.
    checkpointed: std::collections::BTreeMap<BlockId, Checkpoint>,
    /// Why each loop of the body's top level that is not fused is not: for
    /// `GRADMACRO_DUMP`, like a compiler's missed-optimisation remarks.
    not_fused: std::collections::BTreeMap<BlockId, String>,
}

impl Fusion {
    /// Whether a deferred loop scales `buffer`'s adjoint buffer in place
    /// (which must then hold only that loop's contributions).
    pub fn scales_in_place(&self, buffer: ValueId) -> bool {
        self.loops.values().any(|fused| {
            fused
                .deferred
                .as_ref()
                .is_some_and(|deferred| deferred.scaled.contains(&buffer))
        })
    }

    /// The fused loop whose body block is `block`.
    pub fn of(&self, block: BlockId) -> Option<&FusedLoop> {
        self.loops.get(&block)
    }

    /// Whether values defined in `block` are in scope for the reverse code that
    /// reads them (the root block, a fused loop's body, or a checkpointed
    /// loop's, whose iteration is recomputed just before it is reversed).
    pub fn in_scope(&self, block: BlockId) -> bool {
        block == ROOT || self.loops.contains_key(&block) || self.checkpointed.contains_key(&block)
    }

    /// The checkpoint of the checkpointed loop whose body block is `block`.
    pub fn checkpoint(&self, block: BlockId) -> Option<&Checkpoint> {
        self.checkpointed.get(&block)
    }

    /// Whether `block` runs several times per execution of its reverse code.
    pub fn repeats(&self, body: &Body, block: BlockId) -> bool {
        body.in_loop(block) && !self.once_per_iteration.contains(&block)
    }

    /// Whether a root value's adjoint is declared before a fused loop.
    pub fn is_predeclared(&self, value: ValueId) -> bool {
        self.predeclared.contains(&value)
    }

    /// Whether an element read holds the same value when its fused loop's
    /// iteration is reversed.
    pub fn is_stable_read(&self, value: ValueId) -> bool {
        self.stable_reads.contains(&value)
    }

    /// The buffer and index a value can be read back from in its fused
    /// iteration's reverse code.
    pub fn recovered_from(&self, value: ValueId) -> Option<(ValueId, ValueId)> {
        self.recoverable.get(&value).copied()
    }

    /// Whether the adjoint of an element read is the only contribution to its
    /// entry (see [`sole_contributions`]).
    pub fn is_sole_contribution(&self, value: ValueId) -> bool {
        self.sole_contributions.contains(&value)
    }

    /// Whether a root variable's adjoint is declared before a fused loop.
    pub fn is_slot_predeclared(&self, slot: SlotId) -> bool {
        self.predeclared_slots.contains(&slot)
    }
}

/// Finds the root-level loops that can be fused (see the module docs).
pub fn analyze(body: &Body, activity: &Activity, options: Options<'_>) -> Fusion {
    let facts = Facts::new(body);
    let mut fusion = Fusion::default();
    // Adjoint buffers a deferred loop scales in place: no other fused loop may
    // add into them.
    let mut scaled: HashSet<ValueId> = HashSet::new();
    for (index, node) in body.root.nodes.iter().enumerate() {
        let Node::Loop(lp) = node else { continue };
        let steps = Region::steps(body, lp);
        let shared = |fused: &FusedLoop| -> Option<String> {
            let (buffers, values) = match &fused.deferred {
                Some(deferred) => (deferred.scaled.as_slice(), deferred.set_aside.as_slice()),
                None => (&[][..], &[][..]),
            };
            let slots = fused
                .deferred
                .as_ref()
                .map_or(&[][..], |d| d.set_aside_slots.as_slice());
            let clash = fused
                .predeclared
                .iter()
                .find(|v| scaled.contains(*v))
                .or_else(|| {
                    buffers
                        .iter()
                        .chain(values)
                        .find(|v| fusion.predeclared.contains(*v))
                });
            if let Some(value) = clash {
                return Some(format!(
                    "it adds into the adjoint of v{}, which another fused loop's reverse scales or adds into",
                    value.0
                ));
            }
            slots
                .iter()
                .find(|s| fusion.predeclared_slots.contains(*s))
                .map(|s| {
                    format!(
                        "it adds into the adjoint of s{}, which another fused loop adds into",
                        s.0
                    )
                })
        };
        let fused =
            fuse(body, activity, &facts, index, lp, options).and_then(|fused| {
                match shared(&fused) {
                    Some(reason) => Err(reason),
                    None => Ok(fused),
                }
            });
        let mut fused = match fused {
            Ok(fused) => fused,
            Err(reason) => {
                let after = Region::of_nodes(body, &body.root.nodes[index + 1..]);
                match checkpoint::checkpoint(body, activity, lp, &after, options.bounded) {
                    Ok(checkpoint) => {
                        // As in a fused loop, the iteration's reverse code
                        // runs right after its forward code.
                        mark_once_per_iteration(&lp.body, &mut fusion.once_per_iteration);
                        fusion.stable_reads.extend(stable_reads(body, lp, &steps));
                        fusion.not_fused.insert(
                            lp.body.id,
                            format!(
                                "{reason}; checkpointed: each iteration saves {} and is recomputed in the reverse sweep",
                                checkpoint.describe()
                            ),
                        );
                        fusion.checkpointed.insert(lp.body.id, checkpoint);
                    }
                    Err(why) => {
                        fusion
                            .not_fused
                            .insert(lp.body.id, format!("{reason}; not checkpointed: {why}"));
                    }
                }
                continue;
            }
        };
        if let Some(deferred) = &fused.deferred {
            scaled.extend(deferred.scaled.iter().copied());
        }
        // A value read by two fused loops is declared before the first.
        fused.predeclared.retain(|v| fusion.predeclared.insert(*v));
        fused
            .predeclared_slots
            .retain(|s| fusion.predeclared_slots.insert(*s));
        mark_once_per_iteration(&lp.body, &mut fusion.once_per_iteration);
        fusion.stable_reads.extend(stable_reads(body, lp, &steps));
        fusion.recoverable.extend(recoverable(body, lp, &steps));
        fusion.loops.insert(lp.body.id, fused);
    }
    // Once every fused loop is known: reads whose adjoint is assigned.
    let mut fused_blocks = HashSet::new();
    for node in &body.root.nodes {
        if let Node::Loop(lp) = node {
            if fusion.loops.contains_key(&lp.body.id) {
                fused_blocks.extend(lp.body.block_ids());
            }
        }
    }
    for node in &body.root.nodes {
        if let Node::Loop(lp) = node {
            if fusion.loops.contains_key(&lp.body.id) {
                let sole = sole_contributions(body, &facts.uses, lp, &fused_blocks);
                fusion.sole_contributions.extend(sole.into_iter().filter(|read| {
                    !matches!(body.def(*read).op, Op::Index { base, .. } if options.seeded.contains(&base))
                }));
            }
        }
    }
    fusion
}

/// The nested blocks of a fused body that are outside its inner loops.
fn mark_once_per_iteration(block: &Block, into: &mut HashSet<BlockId>) {
    for node in &block.nodes {
        if let Node::Loop(_) = node {
            continue;
        }
        for nested in node.blocks() {
            into.insert(nested.id);
            mark_once_per_iteration(nested, into);
        }
    }
}

/// How a value is used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Use {
    /// As an operand of another value.
    Value(ValueId),
    /// As the value written into a variable, in a given block.
    Write(SlotId, BlockId),
    /// Anything else: stored, pushed, tested, iterated, returned.
    Other,
}

/// Body-wide facts the analysis consults.
struct Facts {
    uses: HashMap<ValueId, Vec<Use>>,
    /// The index of the root node defining each root value.
    position: HashMap<ValueId, usize>,
    /// Buffers whose length may change (`push`, whole assignment, `&mut`).
    pushed: HashSet<ValueId>,
}

impl Facts {
    fn new(body: &Body) -> Facts {
        let mut uses: HashMap<ValueId, Vec<Use>> = HashMap::new();
        for stmt in &body.values {
            for operand in stmt.op.operands() {
                uses.entry(operand).or_default().push(Use::Value(stmt.def));
            }
        }
        visit_with_block(&body.root, &mut |node, block| {
            if let Node::Write { slot, value } = node {
                uses.entry(*value)
                    .or_default()
                    .push(Use::Write(*slot, block));
            } else {
                for operand in node.operands() {
                    uses.entry(operand).or_default().push(Use::Other);
                }
            }
        });
        uses.entry(body.ret).or_default().push(Use::Other);
        let mut position = HashMap::new();
        for (index, node) in body.root.nodes.iter().enumerate() {
            if let Node::Def(value) = node {
                position.insert(*value, index);
            }
        }
        Facts {
            uses,
            position,
            pushed: body.resized_buffers(),
        }
    }

    fn uses(&self, value: ValueId) -> &[Use] {
        self.uses.get(&value).map(Vec::as_slice).unwrap_or(&[])
    }
}

/// Calls `visit` on every node with the id of the block holding it.
fn visit_with_block(block: &Block, visit: &mut dyn FnMut(&Node, BlockId)) {
    for node in &block.nodes {
        visit(node, block.id);
        for nested in node.blocks() {
            visit_with_block(nested, visit);
        }
    }
}

/// What a region of code (a loop, or everything after it) reads and writes.
#[derive(Default)]
struct Region {
    /// Every value read, as an operand of a definition or of a node.
    read: BTreeSet<ValueId>,
    defined: Vec<ValueId>,
    /// Variables read, with the value each read defines.
    slot_reads: Vec<(SlotId, ValueId)>,
    slot_writes: Vec<(SlotId, ValueId)>,
    /// Buffers written by stores, with the stored element's index count.
    stored: Vec<(ValueId, usize)>,
    pushed: BTreeSet<ValueId>,
}

impl Region {
    fn add_node(&mut self, body: &Body, node: &Node) {
        match node {
            Node::Def(value) => {
                let op = &body.def(*value).op;
                self.defined.push(*value);
                self.read.extend(op.operands());
                if let Op::ReadSlot(slot) = op {
                    self.slot_reads.push((*slot, *value));
                }
                // A buffer lent `&mut` to a call is written, and, lent whole
                // (a `Vec` the callee may `push` to), may change length.
                for base in body.written_by_call(*value) {
                    self.pushed.insert(base);
                }
            }
            Node::Write { slot, value } => self.slot_writes.push((*slot, *value)),
            Node::Store { base, indices, .. } => self.stored.push((*base, indices.len())),
            // A whole-buffer assignment may change the length, like a push.
            Node::Push { base, .. }
            | Node::Resize { base, .. }
            | Node::Overwrite { target: base, .. } => {
                self.pushed.insert(*base);
            }
            _ => {}
        }
        self.read.extend(node.operands());
    }

    fn of_nodes<'a>(body: &Body, nodes: impl IntoIterator<Item = &'a Node>) -> Region {
        let mut region = Region::default();
        for node in nodes {
            region.add_node(body, node);
            for block in node.blocks() {
                block.walk(&mut |inner| region.add_node(body, inner));
            }
        }
        region
    }

    /// One region per top-level node of a loop's body, in order: the steps of
    /// an iteration.
    fn steps(body: &Body, lp: &Loop) -> Vec<Region> {
        lp.body
            .nodes
            .iter()
            .map(|node| Region::of_nodes(body, [node]))
            .collect()
    }

    fn writes_slot(&self, slot: SlotId) -> bool {
        self.slot_writes.iter().any(|(s, _)| *s == slot)
    }

    fn writes_buffer(&self, buffer: ValueId) -> bool {
        self.pushed.contains(&buffer) || self.stored.iter().any(|(b, _)| *b == buffer)
    }
}

/// The fusion of the root node `index`, a loop, if it qualifies.
fn fuse(
    body: &Body,
    activity: &Activity,
    facts: &Facts,
    index: usize,
    lp: &Loop,
    options: Options<'_>,
) -> Result<FusedLoop, String> {
    // Its own `break` ends it early with the code after it still to run:
    // the iterations that ran get the same exit adjoints. A `return` (or a
    // labelled outer `break`) skips that code.
    if lp
        .exit_flags
        .iter()
        .any(|flag| Some(*flag) != lp.break_flag)
    {
        return Err("it may return from the function (`return` inside it)".into());
    }
    let inside = Region::of_nodes(body, lp.body.nodes.iter());
    let after = Region::of_nodes(body, &body.root.nodes[index + 1..]);
    let root_slot = |slot: &SlotId| body.slots[slot.0].home == ROOT;
    // Active variables of the root block that the loop writes: accumulators only.
    let written: BTreeSet<SlotId> = inside
        .slot_writes
        .iter()
        .map(|(slot, _)| *slot)
        .filter(|slot| root_slot(slot) && activity.is_slot_active(*slot))
        .collect();
    let mut accumulators = Vec::new();
    let mut hoisted = Vec::new();
    let mut deferred_slot = None;
    for &slot in &written {
        let name = crate::names::shown(&body.slots[slot.0].name);
        if !is_accumulator(body, facts, &inside, slot) {
            return Err(format!(
                "`{name}` is written in it other than as `{name} += term` or `{name} -= term`"
            ));
        }
        match exit_adjoint(body, facts, &after, index, slot, &mut hoisted) {
            Some(scales) => accumulators.push((slot, scales)),
            // Its adjoint is known only once the code after the loop is
            // reversed: the loop's reverse waits for it (one accumulator).
            None if written.len() == 1 && !after.writes_slot(slot) && options.defer => {
                deferred_slot = Some(slot)
            }
            None => {
                return Err(format!(
                    "the code after it does not use `{name}` only as a sum, scaled or negated, into the result{}",
                    if options.defer { ", and it has other accumulators" } else { "" }
                ))
            }
        }
    }
    if accumulators.is_empty() && deferred_slot.is_none() {
        return Err("it accumulates nothing into a variable of the function's body".into());
    }
    // Variables the loop only reads keep their adjoint across it.
    let mut predeclared_slots = Vec::new();
    for &(slot, _) in &inside.slot_reads {
        if root_slot(&slot) && activity.is_slot_active(slot) && !written.contains(&slot) {
            if inside.writes_slot(slot) || after.writes_slot(slot) {
                let name = crate::names::shown(&body.slots[slot.0].name);
                return Err(format!(
                    "`{name}`, which it reads, is written in it or after it"
                ));
            }
            if !predeclared_slots.contains(&slot) {
                predeclared_slots.push(slot);
            }
        }
    }
    // Buffers: iteration-local if written, untouched afterwards if read.
    for &(buffer, _) in &inside.stored {
        if body.def(buffer).home == ROOT
            && activity.is_active(buffer)
            && !iteration_local(body, facts, lp, &inside, &after, buffer)
        {
            return Err(format!(
                "buffer v{} of the function's body is written in it and read across iterations or after it",
                buffer.0
            ));
        }
    }
    if let Some(buffer) = inside
        .pushed
        .iter()
        .find(|b| body.def(**b).home == ROOT && activity.is_active(**b))
    {
        return Err(format!(
            "buffer v{} of the function's body may change length in it (`push`, `resize`, a whole assignment, or lent `&mut` to a call)",
            buffer.0
        ));
    }
    let mut predeclared = Vec::new();
    for value in root_values_behind(body, &inside.read) {
        if !activity.is_active(value) {
            continue;
        }
        if body.def(value).buffer && after.writes_buffer(value) {
            return Err(format!(
                "buffer v{}, which it reads, is written after it",
                value.0
            ));
        }
        predeclared.push(value);
    }
    hoisted.sort_by_key(|v| facts.position.get(v).copied());
    hoisted.dedup();
    let deferred = match deferred_slot {
        Some(slot) => Some(defer(
            body,
            &inside,
            &after,
            slot,
            options.seeded,
            &predeclared,
            &predeclared_slots,
        )?),
        None => None,
    };
    Ok(FusedLoop {
        accumulators,
        hoisted,
        predeclared,
        predeclared_slots,
        deferred,
    })
}

/// How a loop's reverse waits for its exit adjoint (see [`Deferred`]): which
/// adjoint buffers it scales in place, which adjoints it sets aside. A buffer
/// is scaled in place only if nothing else adds into its adjoint before the
/// reverse sweep reaches the loop: it is never written (not an out-parameter
/// seeded by the caller, nor a buffer whose stores take their adjoint), and
/// nothing after the loop reads it.
fn defer(
    body: &Body,
    inside: &Region,
    after: &Region,
    slot: SlotId,
    seeded: &[ValueId],
    predeclared: &[ValueId],
    predeclared_slots: &[SlotId],
) -> Result<Deferred, String> {
    let name = crate::names::shown(&body.slots[slot.0].name);
    let written = body.written_buffers();
    let mut scaled = Vec::new();
    let mut set_aside = Vec::new();
    for &value in predeclared {
        if !body.def(value).buffer {
            set_aside.push(value);
            continue;
        }
        // A scratch buffer the loop refills: its adjoint is used up by every
        // iteration's reverse.
        if inside.writes_buffer(value) {
            continue;
        }
        if written.contains(&value) || after.read.contains(&value) || seeded.contains(&value) {
            return Err(format!(
                "the code after it uses `{name}` other than as a sum into the result, and buffer v{} (read in it) is written, or read after it",
                value.0
            ));
        }
        scaled.push(value);
    }
    Ok(Deferred {
        slot,
        scaled,
        set_aside,
        set_aside_slots: predeclared_slots.to_vec(),
    })
}

/// Whether every access of `slot` in the loop is `s = s ± term`: a read used
/// only by one addition or subtraction (as its left operand for `-`), whose
/// result is used only by the write back, in the same block.
fn is_accumulator(body: &Body, facts: &Facts, inside: &Region, slot: SlotId) -> bool {
    let update_of = |read: ValueId| -> Option<ValueId> {
        let [Use::Value(update)] = facts.uses(read) else {
            return None;
        };
        let stmt = body.def(*update);
        let accumulates = match stmt.op {
            Op::Arith(Arith::Add, a, b) => a == read || b == read,
            Op::Arith(Arith::Sub, a, b) => a == read && b != read,
            _ => false,
        };
        let written_back = matches!(
            facts.uses(*update),
            [Use::Write(s, block)] if *s == slot && *block == body.def(read).home
        );
        (accumulates && written_back && stmt.home == body.def(read).home).then_some(*update)
    };
    let mut updates = BTreeSet::new();
    for &(s, read) in &inside.slot_reads {
        if s == slot {
            match update_of(read) {
                Some(update) => updates.insert(update),
                None => return false,
            };
        }
    }
    inside
        .slot_writes
        .iter()
        .filter(|(s, _)| *s == slot)
        .all(|(_, value)| updates.contains(value))
}

/// The adjoint of `slot` at the exit of the loop at root index `index`, as
/// scalings of the seed, if the code after the loop determines it that way.
fn exit_adjoint(
    body: &Body,
    facts: &Facts,
    after: &Region,
    index: usize,
    slot: SlotId,
    hoisted: &mut Vec<ValueId>,
) -> Option<Vec<Scale>> {
    if after.writes_slot(slot) {
        return None;
    }
    let reads: Vec<ValueId> = after
        .slot_reads
        .iter()
        .filter(|(s, _)| *s == slot)
        .map(|(_, read)| *read)
        .collect();
    let [mut current] = reads[..] else {
        return None;
    };
    if body.def(current).home != ROOT {
        return None;
    }
    let mut scales = Vec::new();
    loop {
        let uses = facts.uses(current);
        if current == body.ret {
            return (uses == [Use::Other]).then_some(scales);
        }
        let [Use::Value(user)] = uses else {
            return None;
        };
        let user = *user;
        if body.def(user).home != ROOT {
            return None;
        }
        match body.def(user).op {
            Op::Copy(_) => {}
            Op::Neg(_) => scales.push(Scale::Neg),
            Op::Arith(Arith::Add, _, _) => {}
            Op::Arith(Arith::Sub, a, _) => {
                if a != current {
                    scales.push(Scale::Neg);
                }
            }
            Op::Arith(Arith::Mul, a, b) => {
                let other = if a == current { b } else { a };
                scales.push(Scale::Mul(hoist(body, facts, index, other, hoisted)?));
            }
            Op::Arith(Arith::Div, a, b) if a == current && b != current => {
                scales.push(Scale::Div(hoist(body, facts, index, b, hoisted)?));
            }
            _ => return None,
        }
        current = user;
    }
}

/// `value`, if it can be computed before the loop at root index `index`: it is
/// defined before it, or after it from such values by arithmetic, casts and
/// lengths of buffers nothing grows (the definitions to repeat are added to
/// `hoisted`).
fn hoist(
    body: &Body,
    facts: &Facts,
    index: usize,
    value: ValueId,
    hoisted: &mut Vec<ValueId>,
) -> Option<ValueId> {
    let stmt = body.def(value);
    if stmt.home != ROOT {
        return None;
    }
    let position = *facts.position.get(&value)?;
    if position < index || matches!(stmt.op, Op::Param { .. }) {
        return Some(value);
    }
    let computable = match &stmt.op {
        Op::Const(_) | Op::Copy(_) | Op::Neg(_) | Op::Cast { .. } | Op::Arith(..) => true,
        Op::Opaque(Opaque::Method {
            method,
            receiver,
            args,
            ..
        }) => method == "len" && args.is_empty() && !facts.pushed.contains(receiver),
        _ => false,
    };
    if !computable {
        return None;
    }
    for operand in stmt.op.operands() {
        hoist(body, facts, index, operand, hoisted)?;
    }
    hoisted.push(value);
    Some(value)
}

/// The values of the root block that `read` holds or views (through borrows,
/// rows and copies), whose adjoints the loop's reverse may add into.
fn root_values_behind(body: &Body, read: &BTreeSet<ValueId>) -> Vec<ValueId> {
    let mut seen = BTreeSet::new();
    let mut pending: Vec<ValueId> = read.iter().copied().collect();
    while let Some(value) = pending.pop() {
        let stmt = body.def(value);
        if stmt.home != ROOT || !seen.insert(value) {
            continue;
        }
        match &stmt.op {
            Op::Opaque(Opaque::Ref(inner)) | Op::Copy(inner) | Op::Deref(inner) => {
                pending.push(*inner)
            }
            Op::Opaque(Opaque::Index { base, .. }) => pending.push(*base),
            _ => {}
        }
    }
    seen.into_iter().collect()
}

mod checkpoint;
mod display;
mod iteration;
mod scratch;
#[cfg(test)]
mod tests;

use iteration::{recoverable, sole_contributions, stable_reads};
use scratch::iteration_local;
