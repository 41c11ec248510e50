//! What the forward sweep saves for the reverse sweep (Tapenade's store-all).
//!
//! The reverse sweep reads some primal values: operands of products, rule
//! partials, branch conditions, trip counts. A value defined in the root block is
//! a plain `let` that the reverse sweep can see. A value defined in a nested block
//! is *saved*: declared once at the top of the function and assigned where it is
//! computed. Inside a loop it is overwritten every iteration, so its previous state
//! is pushed onto a stack just before each overwrite and popped at the mirrored
//! point of the reverse sweep, which restores exactly the state each reverse
//! iteration needs. Memory is therefore one stack entry per needed value per
//! iteration, not a copy of every temporary; constants are never saved (the
//! reverse sweep writes them inline).
//!
//! A stacked scalar (a float, or a count) is *taped* instead: its innermost
//! loop's iteration `k` writes it at index `k` of a segment opened before the
//! loop (sized from the iterator), and reverse iteration `k` reads it back from
//! there. Both sweeps then index memory by the trip number, with no length to
//! update and no emptiness to check per entry, so LLVM keeps the loops tight
//! and can vectorise the reverse one; a `Vec` per value with `push`/`pop`
//! measured 2.5× slower on GradBench's llsq. The stack stays for values whose
//! type is unknown (they need only be moved, not cloned).

use crate::counters::Counters;
use crate::fuse::Fusion;
use crate::ir::{Block, BlockId, Body, Node, Op, ValueId};
use crate::names;
use crate::restore::Restored;
use crate::types::FloatTypes;
use proc_macro2::{Ident, TokenStream};
use quote::quote;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One thing the forward sweep computes: a value, or a rule's partial derivative
/// with respect to its `k`-th input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Part {
    Value(ValueId),
    Partial(ValueId, usize),
}

impl Part {
    pub fn value(self) -> ValueId {
        match self {
            Part::Value(value) | Part::Partial(value, _) => value,
        }
    }

    /// The local holding it.
    pub fn ident(self) -> Ident {
        match self {
            Part::Value(value) => names::primal(value),
            Part::Partial(value, input) => names::partial(value, input),
        }
    }

    /// The segment of its tape that its loop's reverse reads.
    pub fn segment(self) -> Ident {
        match self {
            Part::Value(value) => names::segment(value),
            Part::Partial(value, input) => names::partial_segment(value, input),
        }
    }

    /// The stack of its previous states (or its tape).
    pub fn stack(self) -> Ident {
        match self {
            Part::Value(value) => names::stack(value),
            Part::Partial(value, input) => names::partial_stack(value, input),
        }
    }
}

/// The parts that are saved, which of them are stacked (inside loops), and
/// which of those are taped, by the innermost loop that tapes them.
pub struct Saves {
    saved: BTreeSet<Part>,
    stacked: BTreeSet<Part>,
    taped: BTreeMap<Part, Tape>,
    /// Buffers whose stores save what they overwrite (see [`crate::restore`]).
    pub restored: Restored,
    /// Counters the reverse sweep walks back (see [`crate::counters`]).
    pub counters: Counters,
    /// Max and min reductions reversed by their recorded argmax (see
    /// [`crate::argmax`]), by loop body.
    pub argmax: std::collections::HashMap<BlockId, crate::argmax::ArgMax>,
    /// Saved rule results whose partial the reverse sweep computes from the
    /// result instead of saving it too (`exp' = exp`, `tanh' = 1 − tanh²`).
    from_value: BTreeSet<ValueId>,
}

/// The loop whose iterations index a taped part: its body, its trip count, and
/// whether it iterates a range (whose size hint is exact, so the segment opened
/// before the loop has a place for every iteration).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tape {
    pub body: BlockId,
    pub trip: ValueId,
    pub exact: bool,
}

impl Saves {
    /// Nothing saved: for the dry run that finds what the reverse sweep reads.
    pub fn none() -> Saves {
        Saves::planned(Restored::default(), Counters::default())
    }

    /// Nothing saved but the restored buffers' overwritten elements and the
    /// counters' final values: for the dry run once those are chosen.
    pub fn planned(restored: Restored, counters: Counters) -> Saves {
        Saves {
            saved: BTreeSet::new(),
            stacked: BTreeSet::new(),
            taped: BTreeMap::new(),
            restored,
            counters,
            argmax: HashMap::new(),
            from_value: BTreeSet::new(),
        }
    }

    /// Saves every part the reverse sweep reads that is defined in a nested block
    /// (except loop items the reverse loop recomputes, and values of a fused
    /// loop's body, in scope for its reverse code). Stacks only what a block
    /// overwrites before its reverse code runs.
    pub fn new(
        body: &Body,
        referenced: &BTreeSet<Part>,
        fusion: &Fusion,
        types: &FloatTypes,
        (restored, counters): (Restored, Counters),
    ) -> Saves {
        let mut recomputed = std::collections::HashSet::new();
        body.root.walk(&mut |node| {
            if let crate::ir::Node::Loop(lp) = node {
                if let Some((item, _)) = recomputed_item(body, lp) {
                    recomputed.insert(item);
                }
            }
        });
        let from_value: BTreeSet<ValueId> = referenced
            .iter()
            .filter_map(|part| match part {
                Part::Partial(value, 0)
                    if referenced.contains(&Part::Value(*value))
                        && !fusion.in_scope(body.def(*value).home)
                        && matches!(&body.def(*value).op,
                            Op::Rule { rule, args, .. } if rule.from_value && args.len() == 1) =>
                {
                    Some(*value)
                }
                _ => None,
            })
            .collect();
        let saved: BTreeSet<Part> = referenced
            .iter()
            .copied()
            .filter(|part| !fusion.in_scope(body.def(part.value()).home))
            .filter(|part| !recomputed.contains(&part.value()))
            .filter(|part| !matches!(part, Part::Partial(v, 0) if from_value.contains(v)))
            .collect();
        let stacked: BTreeSet<Part> = saved
            .iter()
            .copied()
            .filter(|part| fusion.repeats(body, body.def(part.value()).home))
            .collect();
        let innermost = innermost_loops(body);
        let indices = index_like(body);
        let taped = stacked
            .iter()
            .filter(|part| is_tapeable(body, types, &indices, **part))
            .filter_map(|part| {
                let tape = innermost.get(&body.def(part.value()).home)?;
                fusion.of(tape.body).is_none().then_some((*part, *tape))
            })
            .collect();
        Saves {
            saved,
            stacked,
            taped,
            restored,
            counters,
            argmax: HashMap::new(),
            from_value,
        }
    }

    /// The saved rule results of `block` whose partial the reverse sweep
    /// computes from them.
    pub fn partials_from_values(&self, body: &Body, block: BlockId) -> Vec<ValueId> {
        self.from_value
            .iter()
            .copied()
            .filter(|value| body.def(*value).home == block)
            .collect()
    }

    /// The loop that tapes `part`, if it is taped rather than pushed.
    pub fn tape(&self, part: Part) -> Option<Tape> {
        self.taped.get(&part).copied()
    }

    /// The parts taped by the loop with body `block`.
    pub fn taped_by(&self, block: BlockId) -> Vec<Part> {
        self.taped
            .iter()
            .filter(|(_, tape)| tape.body == block)
            .map(|(part, _)| *part)
            .collect()
    }

    pub fn is_saved(&self, part: Part) -> bool {
        self.saved.contains(&part)
    }

    pub fn is_stacked(&self, part: Part) -> bool {
        self.stacked.contains(&part)
    }

    /// Whether any part of `value`'s statement is saved.
    pub fn any_saved(&self, value: ValueId) -> bool {
        self.saved.iter().any(|part| part.value() == value)
    }

    /// The stacked parts of `value`'s statement, in push order.
    pub fn stacked_parts(&self, value: ValueId) -> Vec<Part> {
        self.stacked
            .iter()
            .copied()
            .filter(|part| part.value() == value)
            .collect()
    }

    /// The pushed (stacked, not taped) parts of the values defined directly
    /// in `block`.
    pub fn pushed_in(&self, body: &Body, block: BlockId) -> Vec<Part> {
        self.stacked
            .iter()
            .copied()
            .filter(|part| body.def(part.value()).home == block && self.tape(*part).is_none())
            .collect()
    }

    /// The declarations, at the top of the function, of every saved part and
    /// stack. Types come from the user's annotation or float-type inference;
    /// otherwise Rust infers them from the assignments.
    pub fn declarations(&self, body: &Body, types: &FloatTypes) -> TokenStream {
        let mut out = TokenStream::new();
        for part in &self.saved {
            let ident = part.ident();
            let stmt = body.def(part.value());
            let ty = match (part, &stmt.op) {
                (Part::Value(_), Op::TripCount | Op::Decision) => Some(quote!(usize)),
                (Part::Value(_), _) if stmt.ty.is_some() => stmt.ty.as_ref().map(|ty| quote!(#ty)),
                // A buffer's type is not its elements' float type.
                (Part::Value(_), _) if stmt.buffer => None,
                _ => types.of(part.value()).map(|float| {
                    let ty = float.ident();
                    quote!(#ty)
                }),
            };
            let annotation = ty.map(|ty| quote!(: #ty));
            // `T: Float` is not `Default`; its zero is `Zero::zero()`.
            let initial = match types.of(part.value()) {
                Some(float @ crate::signature::FloatTy::Generic(_)) if !stmt.buffer => {
                    float.constant(0.0)
                }
                _ => quote!(::core::default::Default::default()),
            };
            out.extend(quote!(let mut #ident #annotation = #initial;));
        }
        for part in &self.stacked {
            let stack = part.stack();
            out.extend(quote!(let mut #stack = ::std::vec::Vec::new();));
        }
        for slot in self.counters.stacked() {
            let stack = names::counter_finals(slot);
            out.extend(quote!(let mut #stack = ::std::vec::Vec::new();));
        }
        for buffer in self.restored.buffers() {
            let (stack, lengths) = (names::restore_stack(buffer), names::restore_lengths(buffer));
            out.extend(quote!(let mut #stack = ::std::vec::Vec::new();));
            if self.restored.overwrites(buffer) {
                out.extend(
                    quote!(let mut #lengths: ::std::vec::Vec<usize> = ::std::vec::Vec::new();),
                );
            }
        }
        let loops: BTreeSet<ValueId> = self.taped.values().map(|tape| tape.trip).collect();
        for trip in loops {
            let top = names::tape_top(trip);
            out.extend(quote!(let mut #top: usize = 0;));
        }
        out
    }
}

/// Whether a part can be taped: a scalar whose type is visibly a float, an
/// integer, a `bool` or an index, so cloning it into the tape is a copy. (A
/// value of unknown type is only moved, onto a stack: it may not be `Clone`.)
fn is_tapeable(body: &Body, types: &FloatTypes, indices: &BTreeSet<ValueId>, part: Part) -> bool {
    use crate::ir::{CastTarget, Opaque};
    let value = match part {
        Part::Partial(..) => return true,
        Part::Value(value) => value,
    };
    let stmt = body.def(value);
    if stmt.buffer {
        return false;
    }
    let comparison = |op: &syn::BinOp| {
        use syn::BinOp::*;
        matches!(
            op,
            Eq(_) | Ne(_) | Lt(_) | Le(_) | Gt(_) | Ge(_) | And(_) | Or(_)
        )
    };
    match &stmt.op {
        Op::TripCount | Op::Decision => true,
        Op::Cast {
            target: CastTarget::Float | CastTarget::Integer,
            ..
        } => true,
        Op::Opaque(Opaque::Binary(op, ..)) if comparison(op) => true,
        _ => types.of(value).is_some() || is_usize(body, value) || indices.contains(&value),
    }
}

/// The values used as an index, or added to (subtracted from, ...) a visible
/// `usize`: a `usize` (or a range, or `&usize`), all of them `Clone`.
fn index_like(body: &Body) -> BTreeSet<ValueId> {
    use crate::ir::Opaque;
    let mut out = BTreeSet::new();
    for stmt in &body.values {
        match &stmt.op {
            Op::Index { indices, .. } | Op::Opaque(Opaque::Index { indices, .. }) => {
                out.extend(indices.iter().copied());
            }
            Op::Arith(_, a, b) => {
                if is_usize(body, *a) {
                    out.insert(*b);
                }
                if is_usize(body, *b) {
                    out.insert(*a);
                }
            }
            _ => {}
        }
    }
    body.root.walk(&mut |node| {
        if let Node::Store { indices, .. } = node {
            out.extend(indices.iter().copied());
        }
    });
    out
}

/// For every block inside a loop, the innermost loop that holds it (a loop's
/// body is held by that loop).
fn innermost_loops(body: &Body) -> HashMap<BlockId, Tape> {
    fn visit(
        body: &Body,
        block: &Block,
        enclosing: Option<Tape>,
        into: &mut HashMap<BlockId, Tape>,
    ) {
        if let Some(tape) = enclosing {
            into.insert(block.id, tape);
        }
        for node in &block.nodes {
            let inner = match node {
                Node::Loop(lp) => Some(Tape {
                    body: lp.body.id,
                    trip: lp.trip,
                    exact: iterates_range(body, lp),
                }),
                _ => enclosing,
            };
            for nested in node.blocks() {
                visit(body, nested, inner, into);
            }
        }
    }
    let mut into = HashMap::new();
    visit(body, &body.root, None, &mut into);
    into
}

/// Whether a loop iterates a bounded range (`a..b`, `a..=b`, or a slice, which
/// is lowered to its index range).
fn iterates_range(body: &Body, lp: &crate::ir::Loop) -> bool {
    use crate::ir::{LoopKind, Opaque};
    let LoopKind::For { iter, .. } = lp.kind else {
        return false;
    };
    matches!(
        body.def(iter).op,
        Op::Opaque(Opaque::Range {
            start: Some(_),
            end: Some(_),
            ..
        })
    )
}

/// For a loop over a range `start..end` (or `start..=end`, `start..`), its
/// item and `start`: the item of iteration `k` is the range's `k`-th, so the
/// reverse loop recomputes it instead of saving it, whatever integer type the
/// range has (`__private::range_item`; `start + k` where it is visibly
/// `usize`, see [`usize_range`]).
pub fn recomputed_item(body: &Body, lp: &crate::ir::Loop) -> Option<(ValueId, ValueId)> {
    use crate::ir::{LoopKind, Opaque};
    let LoopKind::For { item, iter } = lp.kind else {
        return None;
    };
    let Op::Opaque(Opaque::Range {
        start: Some(start), ..
    }) = &body.def(iter).op
    else {
        return None;
    };
    Some((item, *start))
}

/// Whether a loop runs over a range whose ends are both visibly `usize`
/// (lengths and arithmetic on them; a lone `0..10` may be `i32`): its item is
/// `start + k`, and its trip count `end - start`.
pub fn usize_range(body: &Body, lp: &crate::ir::Loop) -> bool {
    use crate::ir::{LoopKind, Opaque};
    let LoopKind::For { iter, .. } = lp.kind else {
        return false;
    };
    let Op::Opaque(Opaque::Range {
        start: Some(start),
        end: Some(end),
        ..
    }) = &body.def(iter).op
    else {
        return false;
    };
    let visibly = is_length_like(body, *start) || is_length_like(body, *end);
    visibly && is_usize(body, *start) && is_usize(body, *end)
}

/// Whether a value is visibly a `usize`: a length, an integer literal next to
/// one, or arithmetic and `min`/`max` of such. (Computed once per body, in
/// definition order, where operands come before what reads them: asked
/// recursively of a chain of 5,000 operations, it took seconds.)
fn is_usize(body: &Body, value: ValueId) -> bool {
    body.usize_like
        .get_or_init(|| usize_like(body))
        .get(value.0)
        .copied()
        .unwrap_or(false)
}

fn usize_like(body: &Body) -> Vec<bool> {
    use crate::ir::{Arith, LoopKind, Opaque};
    // The range each loop item comes from: an item of a `usize` range is one.
    let mut ranges: HashMap<ValueId, ValueId> = HashMap::new();
    body.root.walk(&mut |node| {
        if let Node::Loop(lp) = node {
            if let LoopKind::For { item, iter } = lp.kind {
                ranges.insert(item, iter);
            }
        }
    });
    let mut known: Vec<bool> = Vec::with_capacity(body.value_count());
    for stmt in &body.values {
        let is = |v: &ValueId| known.get(v.0).copied().unwrap_or(false);
        let length_like = |v: &ValueId| !matches!(body.def(*v).op, Op::Const(_)) && is(v);
        let usize = match &stmt.op {
            Op::Const(tokens) => {
                let text = tokens.to_string();
                text.chars().all(|c| c.is_ascii_digit() || c == '_') || text.ends_with("usize")
            }
            Op::Opaque(Opaque::Method {
                method,
                receiver,
                args,
                ..
            }) => match method.to_string().as_str() {
                "len" => true,
                "min" | "max" => is(receiver) && args.iter().all(is),
                _ => false,
            },
            Op::Cast { ty, .. } => quote::ToTokens::to_token_stream(ty).to_string() == "usize",
            Op::Arith(Arith::Add | Arith::Sub | Arith::Mul | Arith::Div | Arith::Rem, a, b) => {
                (length_like(a) && is(b)) || (length_like(b) && is(a))
            }
            Op::Copy(v) => is(v),
            Op::Param { .. } => body.usize_params.contains(&stmt.def),
            Op::LoopItem => ranges.get(&stmt.def).is_some_and(|iter| {
                matches!(&body.def(*iter).op, Op::Opaque(Opaque::Range { start: Some(a), end: Some(b), .. })
                    if (length_like(a) || length_like(b)) && is(a) && is(b))
            }),
            _ => false,
        };
        known.push(usize);
    }
    known
}

/// A length or something computed from one (so an untyped literal next to it is
/// a `usize` too).
fn is_length_like(body: &Body, value: ValueId) -> bool {
    !matches!(body.def(value).op, Op::Const(_)) && is_usize(body, value)
}

impl Saves {
    /// What each loop saves per iteration, for `GRADMACRO_DUMP`: one line per
    /// loop body, with each saved part, its type, and the bytes an iteration
    /// writes (and the reverse sweep reads back), like a compiler's remarks.
    pub fn report(&self, body: &Body, types: &FloatTypes) -> String {
        let innermost = innermost_loops(body);
        let indices = index_like(body);
        let mut by_loop: BTreeMap<BlockId, Vec<Part>> = BTreeMap::new();
        for part in &self.stacked {
            if let Some(tape) = innermost.get(&body.def(part.value()).home) {
                by_loop.entry(tape.body).or_default().push(*part);
            }
        }
        let mut out = String::new();
        for (block, parts) in by_loop {
            let mut bytes = 0;
            let mut known = true;
            let listed: Vec<String> = parts
                .iter()
                .map(|part| {
                    let (ty, size) = part_type(body, types, &indices, *part);
                    match size {
                        Some(size) => bytes += size,
                        None => known = false,
                    }
                    let name = match part {
                        Part::Value(v) => format!("v{}", v.0),
                        Part::Partial(v, k) => format!("∂v{}/∂{k}", v.0),
                    };
                    format!("{name} ({ty})")
                })
                .collect();
            let total = match known {
                true => format!("{bytes} bytes"),
                false => format!("at least {bytes} bytes"),
            };
            out.push_str(&format!(
                "loop b{} saves {total} per iteration: {}\n",
                block.0,
                listed.join(", ")
            ));
        }
        out
    }
}

/// A saved part's type as the dump names it, and its size in bytes if known.
fn part_type(
    body: &Body,
    types: &FloatTypes,
    indices: &BTreeSet<ValueId>,
    part: Part,
) -> (String, Option<usize>) {
    use crate::signature::FloatTy;
    let float = |float: Option<FloatTy>| match float {
        Some(FloatTy::F64) => Some(("f64".to_string(), Some(8))),
        Some(FloatTy::F32) => Some(("f32".to_string(), Some(4))),
        Some(FloatTy::Generic(name)) => Some((name.to_string(), None)),
        None => None,
    };
    let value = part.value();
    if let Part::Partial(..) = part {
        return float(types.of(value)).unwrap_or(("float".into(), None));
    }
    let stmt = body.def(value);
    if stmt.buffer {
        return ("buffer".into(), None);
    }
    if matches!(stmt.op, Op::TripCount | Op::Decision) || is_usize(body, value) {
        return ("usize".into(), Some(8));
    }
    if let Some(known) = float(types.of(value)) {
        return known;
    }
    if indices.contains(&value) {
        return ("index".into(), Some(8));
    }
    ("value".into(), None)
}
