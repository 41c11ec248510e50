//! Checkpointed loops: a time-stepping loop (an ODE integrator's steps, a
//! simulation's ticks) whose iterations each sweep nested loops over its state.
//!
//! Store-all keeps every value the reverse sweep reads from every iteration:
//! for RK4 that is the four stages of every step, a tape that grows with the
//! number of steps and soon leaves the cache. A hand-written adjoint instead
//! stores the state the loop carries into each step and, going backwards,
//! recomputes the step from it, then reverses it (Griewank's checkpointing with
//! one checkpoint per step). This does the same. The forward sweep runs the
//! loop as the primal does, saving only the carried state at the start of each
//! iteration: the variables and buffers of the function body that the loop
//! writes and reads before writing. Reverse iteration `k` loads the state saved
//! by forward iteration `k`, runs the iteration's forward code with its saves
//! (the nested loops' tapes, one iteration's worth, reused by every step and so
//! in cache), and reverses it right away, as a fused loop's iteration is: the
//! body's own values are in scope there and need no saves at all.
//!
//! A loop is checkpointed when it is not fused, iterates a range (the reverse
//! sweep recomputes its item) with no early exit, contains a nested loop, has
//! no effect that running an iteration twice would repeat (a macro, a field
//! write, a `&mut` loan of a non-float, a call whose result is thrown away),
//! and each buffer it must save is swept by its nested loops (stored inside
//! one, lent whole to a call, or assigned whole) rather than written at a
//! point per iteration, where saving it whole each iteration would cost more
//! than store-all. Unless memory must be bounded (`checkpoints = N`), a loop
//! computing transcendentals, or lending a buffer it must save `&mut` to a
//! call, stays store-all too: both measured slower checkpointed (recomputing
//! `exp`/`tanh` costs more than reading it back; a lent buffer is saved whole
//! per step and its helper runs once more).

use super::{scratch, Region};
use crate::activity::Activity;
use crate::ir::{Block, Body, Loop, LoopKind, Node, Op, Opaque, SlotId, ValueId};
use std::collections::BTreeSet;

/// What a checkpointed loop saves at the start of each iteration.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Checkpoint {
    /// Buffers of the function body the loop writes and reads first.
    pub buffers: Vec<ValueId>,
    /// Variables of the function body the loop writes.
    pub slots: Vec<SlotId>,
    /// Buffers of the function body the loop writes but never reads before
    /// overwriting them in an iteration: saved once, before the loop, and
    /// loaded back after its reverse, for the code before the loop (whose
    /// reverse may read a restored buffer again; see `restore.rs`).
    pub entry_buffers: Vec<ValueId>,
    /// The copies taken before `&mut` loans to calls in the loop, which
    /// only the reverse sweep reads: the forward sweep's run of the loop,
    /// which saves nothing else, does not take them.
    pub loan_copies: Vec<ValueId>,
}

/// The checkpoint of root-level loop `lp` if it should be checkpointed, or
/// why not.
///
/// `after` is the code after the loop: what the loop reads must not change
/// there (the reverse sweep recomputes the loop after reversing that code),
/// unless the loop writes it too (then its saved state is loaded back).
pub(super) fn checkpoint(
    body: &Body,
    activity: &Activity,
    lp: &Loop,
    after: &Region,
    bounded: bool,
) -> Result<Checkpoint, String> {
    let LoopKind::For { iter, item } = lp.kind else {
        return Err("it is not a `for` loop".into());
    };
    if !matches!(
        body.def(iter).op,
        Op::Opaque(Opaque::Range { start: Some(_), .. })
    ) {
        return Err("it does not iterate a range".into());
    }
    if !lp.exit_flags.is_empty() || lp.continue_flag.is_some() {
        return Err("it may exit early".into());
    }
    let inside = lp.body.block_ids();
    let mut nested_loop = false;
    let mut active = false;
    let mut effect: Option<&'static str> = None;
    let mut swept: BTreeSet<ValueId> = BTreeSet::new();
    let mut stored_at_top: BTreeSet<ValueId> = BTreeSet::new();
    let mut slots: BTreeSet<SlotId> = BTreeSet::new();
    let mut loan_copies = Vec::new();
    let mut lent: BTreeSet<ValueId> = BTreeSet::new();
    let mut expensive: Option<&'static str> = None;
    let outside = |value: ValueId| !inside.contains(&body.def(value).home);
    let mut moving = Moving::new(body, lp, item);
    // Buffers written (or lent) at positions that move with the step.
    let mut trajectories: BTreeSet<ValueId> = BTreeSet::new();
    visit(&lp.body, 0, &mut |node, _| match node {
        Node::Store { base, indices, .. }
            if outside(*base) && indices.iter().any(|index| moving.depends(*index)) =>
        {
            trajectories.insert(*base);
        }
        Node::Def(value) => {
            if let Op::Opaque(Opaque::BorrowMut {
                base,
                prefix,
                range,
                ..
            }) = &body.def(*value).op
            {
                let ends = range.iter().flat_map(|(start, end)| [*start, *end]);
                if outside(*base)
                    && prefix
                        .iter()
                        .copied()
                        .chain(ends)
                        .any(|v| moving.depends(v))
                {
                    trajectories.insert(*base);
                }
            }
        }
        _ => {}
    });
    visit(&lp.body, 0, &mut |node, depth| match node {
        Node::Loop(_) => nested_loop = true,
        Node::Macro { .. } => effect = Some("a macro"),
        Node::FieldWrite { .. } => effect = Some("a field write"),
        Node::WriteBack { .. } => effect = Some("an out-parameter's write"),
        Node::Store { base, .. } if outside(*base) => {
            match depth {
                0 => stored_at_top.insert(*base),
                _ => swept.insert(*base),
            };
        }
        // A whole assignment (`y = next.clone()`, a `mem::swap`) of a
        // buffer the function made: its saved state has its length.
        Node::Overwrite { target, .. }
            if outside(*target) && matches!(body.def(*target).op, Op::Buffer(_)) =>
        {
            swept.insert(*target);
        }
        Node::Push { base, .. }
        | Node::Resize { base, .. }
        | Node::Overwrite { target: base, .. }
            if outside(*base) =>
        {
            effect = Some("a change of length of a buffer of the function body");
        }
        Node::Write { slot, .. } if !inside.contains(&body.slots[slot.0].home) => {
            slots.insert(*slot);
        }
        Node::Def(value) => {
            active |= activity.is_active(*value);
            if let Op::Rule { rule, .. } = &body.def(*value).op {
                if activity.is_active(*value)
                    && !rule.piecewise_constant
                    && expensive.is_none()
                    && !crate::reverse::CHEAP_RULES.contains(&rule.name)
                    // (A square root costs about a division: recomputed.)
                    && rule.name != "sqrt"
                {
                    expensive = Some(rule.name);
                }
            }
            match &body.def(*value).op {
                Op::Opaque(Opaque::ConstantMut { .. }) => {
                    effect = Some("a `&mut` loan of a non-float")
                }
                Op::Opaque(Opaque::BorrowMut { before, .. }) => loan_copies.push(*before),
                Op::Opaque(Opaque::Invoke { .. }) => effect = Some("a call of a closure parameter"),
                // Called for its effect, other than writing what it is lent.
                Op::Opaque(Opaque::Call { .. } | Opaque::Method { .. })
                    if body.discarded.contains(value) && !body.lends_mut(*value) =>
                {
                    effect = Some("a call whose result is unused")
                }
                _ => {}
            }
            for base in body.written_by_call(*value) {
                if outside(base) {
                    swept.insert(base);
                    lent.insert(base);
                }
            }
        }
        _ => {}
    });
    if !active {
        return Err("nothing in it is differentiated".into());
    }
    if !nested_loop {
        return Err("it has no nested loop to recompute".into());
    }
    if let Some(effect) = effect {
        return Err(format!("running an iteration again would repeat {effect}"));
    }
    // Recomputing transcendentals costs more than saving their values (an
    // LSTM's time loop, checkpointed, measured 1.4-2.0x the hand-written
    // gradient against 1.1-1.6x store-all); with `checkpoints = N` memory
    // is what matters.
    if let (Some(name), false) = (expensive, bounded) {
        return Err(format!(
            "recomputing its `{name}` calls would cost more than saving them (`checkpoints = N` bounds its memory anyway)"
        ));
    }
    let region = Region::of_nodes(body, &lp.body.nodes);
    let changed_after = region.read.iter().find(|value| {
        body.def(**value).buffer
            && outside(**value)
            && after.writes_buffer(**value)
            && !region.writes_buffer(**value)
    });
    if let Some(buffer) = changed_after {
        return Err(format!(
            "it reads v{}, which the code after it changes",
            buffer.0
        ));
    }
    if let Some((slot, _)) = region
        .slot_reads
        .iter()
        .find(|(slot, _)| after.writes_slot(*slot) && !slots.contains(slot))
    {
        return Err(format!(
            "it reads s{}, which the code after it changes",
            slot.0
        ));
    }
    let mut buffers = Vec::new();
    let mut entry_buffers = Vec::new();
    for buffer in swept.union(&stored_at_top) {
        // A buffer every iteration overwrites before reading carries nothing,
        // unless the code after the loop changes its length (which the
        // iterations read back through `len()`, and the saved state restores).
        if scratch::reads_only_its_writes(body, &lp.body.nodes, *buffer) {
            if after.pushed.contains(buffer) {
                return Err(format!(
                    "the code after it changes the length of v{}, which it writes",
                    buffer.0
                ));
            }
            entry_buffers.push(*buffer);
            continue;
        }
        // A buffer lent `&mut` to a helper may be read by it before it is
        // written, or not: saved whole per step, recomputed with the helper
        // running once more, it measured slower than store-all (an RK4 whose
        // `rhs(x, &y, &mut k1)` fills the stages: 3.9x the hand-written
        // gradient against 3.3x).
        if lent.contains(buffer) && !bounded {
            return Err(format!(
                "it lends v{} `&mut` to a call, which may read it before writing it (saving it whole per step costs more than store-all)",
                buffer.0
            ));
        }
        if !swept.contains(buffer) {
            return Err(format!(
                "it writes v{} at a point per iteration (saving the buffer whole per iteration would cost more)",
                buffer.0
            ));
        }
        // A history of states (`st[(s + 1) * n + i] = ..`): each step writes
        // its own part, and saving the whole buffer per step costs O(steps²).
        if trajectories.contains(buffer) {
            return Err(format!(
                "it writes v{} at positions that move with each iteration (a history of states: saving it whole per iteration would cost more than store-all)",
                buffer.0
            ));
        }
        buffers.push(*buffer);
    }
    Ok(Checkpoint {
        buffers,
        slots: slots.into_iter().collect(),
        entry_buffers,
        loan_copies,
    })
}

/// Which values change from one iteration of a loop to the next: its item,
/// variables written in it, and what is computed from them.
struct Moving<'a> {
    body: &'a Body,
    item: ValueId,
    /// The values each variable is given in the loop (its declaration's
    /// too, for one declared there).
    given: std::collections::HashMap<SlotId, Vec<ValueId>>,
    /// The blocks of the loop.
    inside: std::collections::HashSet<crate::ir::BlockId>,
    known: std::collections::HashMap<ValueId, bool>,
}

impl<'a> Moving<'a> {
    fn new(body: &'a Body, lp: &Loop, item: ValueId) -> Self {
        let mut given: std::collections::HashMap<SlotId, Vec<ValueId>> = Default::default();
        lp.body.walk(&mut |node| match node {
            Node::Write { slot, value }
            | Node::Declare {
                slot,
                init: crate::ir::SlotInit::Value(value),
            } => given.entry(*slot).or_default().push(*value),
            _ => {}
        });
        Moving {
            body,
            item,
            given,
            inside: lp.body.block_ids(),
            known: std::collections::HashMap::new(),
        }
    }

    /// Whether `value` depends on the loop's item or on a variable the loop
    /// carries from one iteration to the next (one of the function body
    /// written in it; one declared in it only through what it is given).
    fn depends(&mut self, value: ValueId) -> bool {
        if let Some(known) = self.known.get(&value) {
            return *known;
        }
        // (Assumed not while its operands are asked: a variable's own cycle,
        // `e = e + 1`, adds nothing.)
        self.known.insert(value, false);
        let result = value == self.item
            || match &self.body.def(value).op {
                Op::ReadSlot(slot) => {
                    let given = self.given.get(slot).cloned().unwrap_or_default();
                    match self.inside.contains(&self.body.slots[slot.0].home) {
                        true => given.into_iter().any(|given| self.depends(given)),
                        false => !given.is_empty(),
                    }
                }
                op => op
                    .operands()
                    .into_iter()
                    .any(|operand| self.depends(operand)),
            };
        self.known.insert(value, result);
        result
    }
}

/// Calls `f` on every node of `block` at any depth, with the number of loops
/// between it and `block`.
fn visit<'a>(block: &'a Block, depth: usize, f: &mut dyn FnMut(&'a Node, usize)) {
    for node in &block.nodes {
        f(node, depth);
        let inner = depth + usize::from(matches!(node, Node::Loop(_)));
        for nested in node.blocks() {
            visit(nested, inner, f);
        }
    }
}

impl Checkpoint {
    /// `[v7] and [s2]`, for the dump.
    pub fn describe(&self) -> String {
        let buffers: Vec<String> = self.buffers.iter().map(|v| format!("v{}", v.0)).collect();
        let slots: Vec<String> = self.slots.iter().map(|s| format!("s{}", s.0)).collect();
        format!("[{}] and [{}]", buffers.join(", "), slots.join(", "))
    }
}
