//! Restoring overwritten buffer elements: the other half of store-all.
//!
//! The reverse sweep needs some elements a loop reads from a buffer that a
//! later iteration overwrites: `xc[col]` in `for col { for row { qx[row] +=
//! l[e] * xc[col] } }`, with `xc` refilled per component. Saving each *read*
//! (what [`crate::save`] does for every value of a nested block) pushes
//! `d²/2` copies of `d` distinct elements. Tapenade saves each *overwrite*
//! instead: every store into the buffer pushes the element it replaces, and its
//! mirror in the reverse sweep pops it back into place, so that as the reverse
//! sweep walks back the buffer walks back through the same states, and a read
//! is simply read again where it is reversed. That costs one push per store
//! rather than one per read.
//!
//! Which of the two is cheaper depends on where the stores and reads are, so
//! the choice is made per buffer, after a first dry run of the reverse sweep
//! has shown which reads it needs: a buffer is restored when the reads that
//! would be saved outweigh its stores, each weighed by `16^depth` for its loop
//! depth (a loop runs many times; which one runs more is unknown).
//!
//! A buffer can be restored when every write into it is a store of an element
//! or, for a buffer of floats (not rows), a whole assignment (a `mem::swap`
//! rotation: its contents are saved whole there and put back in the reverse
//! sweep) — no `push`, `resize` or `&mut` loan, it is only read by indexing, `.len()` and whole
//! copies, it is a local (an out-parameter must keep its final contents), and
//! it is in scope where the reverse sweep runs (the body, or a fused loop's
//! iteration). A buffer of the body that a fused loop writes is restored only
//! when the loop refills it every iteration before reading it: the iteration's
//! reverse code, which runs inside the forward loop, rolls it back to the
//! iteration's start, which the next iteration then overwrites anyway (an
//! active buffer written in a fused loop always is; see [`crate::fuse`]).
//!
//! A read is read again at the start of its block's reverse code, so that the
//! adjoint terms computed from it all see it; that is the buffer's state at the
//! read only if no store into the buffer follows the read in its block. Reads
//! that a store follows are saved as before.

use crate::activity::Activity;
use crate::fuse::Fusion;
use crate::ir::{Block, BlockId, Body, BufferInit, Node, Op, Opaque, ValueId, ROOT};
use crate::save::Part;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// The buffers restored on overwrite, and the reads read again.
#[derive(Default, Clone)]
pub struct Restored {
    buffers: BTreeMap<ValueId, Weights>,
    rereads: HashSet<ValueId>,
    /// The restored buffers overwritten whole somewhere (their contents are
    /// saved whole there).
    overwritten: BTreeSet<ValueId>,
}

/// What a buffer's choice was based on, for `GRADMACRO_DUMP`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Weights {
    stores: f64,
    saved_reads: f64,
}

impl Restored {
    /// Whether every store into `buffer` saves the element it overwrites.
    pub fn restores(&self, buffer: ValueId) -> bool {
        self.buffers.contains_key(&buffer)
    }

    /// Whether the reverse sweep reads the element read `value` again.
    pub fn rereads(&self, value: ValueId) -> bool {
        self.rereads.contains(&value)
    }

    /// Whether restored `buffer` is overwritten whole somewhere.
    pub fn overwrites(&self, buffer: ValueId) -> bool {
        self.overwritten.contains(&buffer)
    }

    /// The restored buffers.
    pub fn buffers(&self) -> impl Iterator<Item = ValueId> + '_ {
        self.buffers.keys().copied()
    }

    pub fn is_empty(&self) -> bool {
        self.buffers.is_empty()
    }
}

impl std::fmt::Display for Restored {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (buffer, weights) in &self.buffers {
            writeln!(
                f,
                "buffer v{} restores what its stores overwrite (stores weigh {}, the reads it would save {})",
                buffer.0, weights.stores, weights.saved_reads
            )?;
        }
        Ok(())
    }
}

/// Where each store and element read of the candidate buffers is.
struct Layout {
    /// The loop depth of every block.
    depth: HashMap<BlockId, i32>,
    /// Stores per buffer, by the block holding them.
    stores: HashMap<ValueId, Vec<BlockId>>,
    /// Whole overwrites per buffer, by the block holding them.
    whole: HashMap<ValueId, Vec<BlockId>>,
    /// Element reads with no store into their buffer after them in their block.
    rereadable: HashSet<ValueId>,
}

/// Chooses the restored buffers, given the parts a dry run of the reverse
/// sweep read without restoring any.
pub fn choose(
    body: &Body,
    activity: &Activity,
    fusion: &Fusion,
    referenced: &BTreeSet<Part>,
) -> Restored {
    let candidates = candidates(body, activity, fusion);
    if candidates.is_empty() {
        return Restored::default();
    }
    let layout = layout(body, &candidates);
    let weight = |block: BlockId| 16f64.powi(layout.depth.get(&block).copied().unwrap_or(0));
    let mut restored = Restored::default();
    for &buffer in &candidates {
        // (A whole overwrite copies the buffer: weighed as a loop's stores.)
        let stores: f64 = layout
            .stores
            .get(&buffer)
            .into_iter()
            .flatten()
            .map(|b| weight(*b))
            .sum::<f64>()
            + layout
                .whole
                .get(&buffer)
                .into_iter()
                .flatten()
                .map(|b| 16.0 * weight(*b))
                .sum::<f64>();
        let saved_reads: f64 = referenced
            .iter()
            .filter_map(|part| match part {
                Part::Value(value) => Some(*value),
                Part::Partial(..) => None,
            })
            .filter(|value| {
                layout.rereadable.contains(value) && read_of(body, *value) == Some(buffer)
            })
            .filter(|value| !fusion.in_scope(body.def(*value).home))
            .map(|value| weight(body.def(value).home))
            .sum();
        if saved_reads > stores {
            restored.buffers.insert(
                buffer,
                Weights {
                    stores,
                    saved_reads,
                },
            );
        }
    }
    restored.overwritten = restored
        .buffers
        .keys()
        .filter(|buffer| layout.whole.contains_key(buffer))
        .copied()
        .collect();
    restored.rereads = layout
        .rereadable
        .into_iter()
        .filter(|value| read_of(body, *value).is_some_and(|b| restored.restores(b)))
        .collect();
    restored
}

/// The buffer a scalar element read reads.
fn read_of(body: &Body, value: ValueId) -> Option<ValueId> {
    let stmt = body.def(value);
    match &stmt.op {
        Op::Index { base, .. } if !stmt.buffer => Some(*base),
        _ => None,
    }
}

/// The local buffers that can be restored (see the module docs).
fn candidates(body: &Body, activity: &Activity, fusion: &Fusion) -> BTreeSet<ValueId> {
    // Overwritten whole is fine for a buffer of floats (not rows): its
    // contents are saved whole there.
    let mut resized = body.pushed_buffers();
    body.root.walk(&mut |node| match node {
        Node::Overwrite { target, .. } if !is_flat(body, *target) => {
            resized.insert(*target);
        }
        Node::Def(value) => resized.extend(body.written_by_call(*value)),
        _ => {}
    });
    let mut out: BTreeSet<ValueId> = body
        .values
        .iter()
        .filter(|stmt| {
            stmt.buffer
                && matches!(stmt.op, Op::Buffer(_))
                && fusion.in_scope(stmt.home)
                && !resized.contains(&stmt.def)
        })
        .map(|stmt| stmt.def)
        .collect();
    // Read only by indexing, `.len()` and whole copies.
    for stmt in &body.values {
        let allowed = |operand: ValueId| match &stmt.op {
            Op::Index { base, indices } => *base == operand && !indices.contains(&operand),
            Op::Opaque(Opaque::Method {
                method,
                receiver,
                args,
                ..
            }) => method == "len" && *receiver == operand && args.is_empty(),
            Op::Buffer(BufferInit::Copy { source, .. }) => *source == operand,
            _ => false,
        };
        for operand in stmt.op.operands() {
            if out.contains(&operand) && !allowed(operand) {
                out.remove(&operand);
            }
        }
    }
    // Written only by element stores, and never stored as a value.
    body.root.walk(&mut |node| match node {
        Node::Store { base, value, .. } => {
            out.remove(value);
            let _ = base;
        }
        Node::Def(_) | Node::Overwrite { .. } => {}
        other => {
            for operand in other.operands() {
                out.remove(&operand);
            }
        }
    });
    // A buffer of the body written in a fused loop must be refilled by every
    // iteration: the fusion checked that for the active ones.
    for node in &body.root.nodes {
        let Node::Loop(lp) = node else { continue };
        if fusion.of(lp.body.id).is_none() {
            continue;
        }
        lp.body.walk(&mut |inner| {
            if let Node::Store { base, .. } | Node::Overwrite { target: base, .. } = inner {
                if body.def(*base).home == ROOT && !activity.is_active(*base) {
                    out.remove(base);
                }
            }
        });
    }
    out
}

fn layout(body: &Body, candidates: &BTreeSet<ValueId>) -> Layout {
    let mut layout = Layout {
        depth: HashMap::new(),
        stores: HashMap::new(),
        whole: HashMap::new(),
        rereadable: HashSet::new(),
    };
    visit(body, &body.root, 0, candidates, &mut layout);
    layout
}

fn visit(
    body: &Body,
    block: &Block,
    depth: i32,
    candidates: &BTreeSet<ValueId>,
    layout: &mut Layout,
) {
    layout.depth.insert(block.id, depth);
    for (position, node) in block.nodes.iter().enumerate() {
        match node {
            Node::Store { base, .. } if candidates.contains(base) => {
                layout.stores.entry(*base).or_default().push(block.id);
            }
            Node::Overwrite { target, .. } if candidates.contains(target) => {
                layout.whole.entry(*target).or_default().push(block.id);
            }
            Node::Def(value) => {
                if let Some(buffer) = read_of(body, *value).filter(|b| candidates.contains(b)) {
                    if !stores_into(&block.nodes[position + 1..], buffer) {
                        layout.rereadable.insert(*value);
                    }
                }
            }
            _ => {}
        }
        let inner = depth + i32::from(matches!(node, Node::Loop(_)));
        for nested in node.blocks() {
            visit(body, nested, inner, candidates, layout);
        }
    }
}

/// Whether any of `nodes` (or a block they hold) stores into `buffer`.
fn stores_into(nodes: &[Node], buffer: ValueId) -> bool {
    let mut found = false;
    for node in nodes {
        let mut check = |node: &Node| {
            if matches!(node, Node::Store { base: written, .. } | Node::Overwrite { target: written, .. } if *written == buffer)
            {
                found = true;
            }
        };
        check(node);
        for nested in node.blocks() {
            nested.walk(&mut check);
        }
    }
    found
}

/// Whether a buffer made here holds floats, not rows: `vec![0.0; n]`,
/// `[a, b, c]` of floats, or a copy (`x.to_vec()`) whose every element read
/// and store takes one index.
fn is_flat(body: &Body, buffer: ValueId) -> bool {
    match &body.def(buffer).op {
        Op::Buffer(BufferInit::Repeat { elem, .. }) => !body.def(*elem).buffer,
        Op::Buffer(BufferInit::List { elems, .. }) => elems.iter().all(|e| !body.def(*e).buffer),
        Op::Buffer(BufferInit::Copy { .. }) => {
            let reads = body.values.iter().filter_map(|stmt| match &stmt.op {
                Op::Index { base, indices } if *base == buffer => Some(indices.len()),
                _ => None,
            });
            let mut stores = Vec::new();
            body.root.walk(&mut |node| {
                if let Node::Store { base, indices, .. } = node {
                    if *base == buffer {
                        stores.push(indices.len());
                    }
                }
            });
            let mut depths = reads.chain(stores).peekable();
            depths.peek().is_some() && depths.all(|depth| depth == 1)
        }
        _ => false,
    }
}
