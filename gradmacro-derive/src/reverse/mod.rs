//! The reverse sweep: adjoints, from the output back to the parameters.
//!
//! Each block is reversed on its own, in mirror order: a branch replays the arm
//! its recorded condition chose, a `match` the arm its recorded index chose, a loop
//! runs its body's reverse as many times as the forward loop ran. Within a block
//! every use of a value comes after its definition, so when the backward walk
//! reaches a definition, every contribution from the same block is known and the
//! adjoint is one `let` summing them (no `0.0 + ...` that IEEE arithmetic would
//! keep). Contributions from nested blocks go to a mutable accumulator declared
//! at the start of the value's own block; slot adjoints are accumulators too.
//! Saved values are restored (popped) at the end of their block's reverse code.
//!
//! The sweep is generated twice: a dry run finds which primal values it reads,
//! then the real run restores the ones that are saved.

use crate::activity::Activity;
use crate::fuse::Fusion;
use crate::ir::{Block, BlockId, Body, Node, Op, Opaque, SlotId, SlotInit, ValueId};
use crate::names::{self, accumulator, adjoint_of};
use crate::save::{Part, Saves};
use crate::types::FloatTypes;
use proc_macro2::TokenStream;
use quote::quote;
use std::collections::{BTreeSet, HashMap};

mod argmax;
mod buffers;
mod calls;
mod checkpointed;
pub(crate) use calls::{is_buffer_argument, lent_arguments};
pub(crate) use recompute::CHEAP_RULES;
mod fused;
mod in_place;
mod invariant;
mod operands;
mod recompute;
mod writes;

/// One contribution to an adjoint: `+ expr` or `- expr`, where `expr` binds at
/// least as tightly as a product.
struct Term {
    negative: bool,
    expr: TokenStream,
}

/// The reverse sweep's code, and what it needs from the forward sweep.
pub struct Reverse {
    pub code: TokenStream,
    /// The primal parts the code reads.
    pub referenced: BTreeSet<Part>,
    has_adjoint: Vec<bool>,
    /// Active buffers, whose adjoint buffer the sweep declares.
    buffer_adjoints: Vec<bool>,
    /// The reverse code of each fused loop, by its body block.
    pub fused: HashMap<BlockId, FusedCode>,
    /// The call arguments lent a scratch buffer, declared by the companion
    /// before both sweeps.
    pub scratch: BTreeSet<(ValueId, usize)>,
}

/// What the forward sweep emits around a fused loop (see [`crate::fuse`]).
pub struct FusedCode {
    /// Declarations before the loop of the adjoints its iterations add into.
    pub prelude: TokenStream,
    /// The reverse of one iteration, placed at the end of that iteration.
    pub iteration: TokenStream,
    /// After the loop: a deferred loop's adjoints set aside (see
    /// [`crate::fuse::Deferred`]).
    pub postlude: TokenStream,
}

impl Reverse {
    /// The adjoint of `value` (a scalar, or a buffer's adjoint buffer), or `None`
    /// when nothing flowed back into it (its derivative is zero).
    pub fn adjoint(&self, value: ValueId) -> Option<TokenStream> {
        if self.buffer_adjoints[value.0] {
            let name = names::adjoint_buffer(value);
            return Some(quote!(#name));
        }
        self.has_adjoint[value.0].then(|| {
            let name = adjoint_of(value);
            quote!(#name)
        })
    }
}

/// What the generator is told and what it finds.
pub struct Inputs<'a> {
    pub body: &'a Body,
    pub activity: &'a Activity,
    pub types: &'a FloatTypes,
    pub saves: &'a Saves,
    pub fusion: &'a Fusion,
    /// Bind every adjoint to its own name (`NAME_explain` reads them all).
    pub name_every_adjoint: bool,
    /// The out-parameters' adjoints at the end of the body (a pullback's).
    pub out_seeds: &'a [OutSeed],
    /// The calls whose gradient the forward sweep took (see
    /// `preaccumulate.rs`).
    pub preaccumulated: &'a crate::preaccumulate::Preaccumulated,
    /// The forward code of each checkpointed loop's iteration, with its
    /// saves, which the reverse sweep runs again before reversing it (empty
    /// for the dry runs, which only look at what the reverse code reads).
    pub recomputed: &'a HashMap<BlockId, crate::forward::Recomputed>,
    /// `checkpoints = N`: checkpointed loops keep at most `N` states.
    pub checkpoints: Option<usize>,
}

/// An out-parameter's adjoint where the reverse sweep starts: the `&mut`
/// adjoint parameter of the pullback, taken as the buffer's adjoint buffer, or
/// read as the last value's adjoint (`&mut f64`).
pub struct OutSeed {
    pub value: ValueId,
    pub adjoint: proc_macro2::Ident,
    pub buffer: bool,
}

/// Builds the reverse sweep of `body`, seeding the output's adjoint with `seed`.
pub fn reverse(inputs: &Inputs, seed: TokenStream) -> Reverse {
    let count = inputs.body.value_count();
    let mut generator = Generator {
        inputs,
        referenced: BTreeSet::new(),
        accumulated: vec![false; count],
        has_adjoint: vec![false; count],
        snapshots: 0,
        homes: homes(inputs.body),
        written: inputs.body.written_buffers(),
        resized: inputs.body.resized_buffers(),
        recomputed: std::collections::BTreeSet::new(),
        recomputed_code: HashMap::new(),
        seed: seed.clone(),
        fused: HashMap::new(),
        in_place: in_place::in_place_updates(inputs.body),
        summed_entries: HashMap::new(),
        scratch: BTreeSet::new(),
    };
    let mut seeds: Terms = HashMap::new();
    if inputs.activity.is_active(inputs.body.ret) {
        seeds.insert(
            inputs.body.ret,
            vec![Term {
                negative: false,
                expr: seed,
            }],
        );
    }
    for out in inputs.out_seeds.iter().filter(|out| !out.buffer) {
        if inputs.activity.is_active(out.value) {
            let adjoint = &out.adjoint;
            seeds.entry(out.value).or_default().push(Term {
                negative: false,
                expr: quote!((*#adjoint)),
            });
        }
    }
    let code = generator.block(&inputs.body.root, seeds);
    let buffer_adjoints = inputs
        .body
        .values
        .iter()
        .map(|stmt| stmt.buffer && inputs.activity.is_active(stmt.def))
        .collect();
    Reverse {
        code,
        referenced: generator.referenced,
        has_adjoint: generator.has_adjoint,
        buffer_adjoints,
        fused: generator.fused,
        scratch: generator.scratch,
    }
}

/// Which values and slots each block defines, for the declarations at its start.
fn homes(body: &Body) -> HashMap<BlockId, (Vec<ValueId>, Vec<SlotId>)> {
    let mut homes: HashMap<BlockId, (Vec<ValueId>, Vec<SlotId>)> = HashMap::new();
    for stmt in &body.values {
        homes.entry(stmt.home).or_default().0.push(stmt.def);
    }
    for (index, slot) in body.slots.iter().enumerate() {
        homes.entry(slot.home).or_default().1.push(SlotId(index));
    }
    homes
}

struct Generator<'a> {
    inputs: &'a Inputs<'a>,
    referenced: BTreeSet<Part>,
    accumulated: Vec<bool>,
    has_adjoint: Vec<bool>,
    snapshots: usize,
    homes: HashMap<BlockId, (Vec<ValueId>, Vec<SlotId>)>,
    /// Buffers some node writes into.
    written: std::collections::HashSet<ValueId>,
    /// Buffers whose length may change (pushed, overwritten whole, lent
    /// `&mut`): their `len()` is not recomputed, and a local one's adjoint,
    /// or that of a copy of it, is sized by the buffer itself, not by its
    /// constructor or source (a swap inside a branch gives the source
    /// another length before the reverse sweep reads it).
    resized: std::collections::HashSet<ValueId>,
    /// Values read by the reverse sweep that are recomputed rather than saved.
    recomputed: std::collections::BTreeSet<ValueId>,
    recomputed_code: HashMap<ValueId, TokenStream>,
    /// The output seed, which fused loops scale.
    seed: TokenStream,
    fused: HashMap<BlockId, FusedCode>,
    /// The stores that update an element in place (see [`in_place`]).
    in_place: HashMap<ValueId, in_place::InPlace>,
    /// Element reads whose adjoint a reverse loop sums in a local (see
    /// [`invariant`]), with whether anything was added.
    summed_entries: HashMap<ValueId, bool>,
    /// The call arguments lent a scratch buffer (see
    /// `buffers::scratch_like`).
    scratch: BTreeSet<(ValueId, usize)>,
}

/// The contributions gathered for the values of the block being reversed.
type Terms = HashMap<ValueId, Vec<Term>>;

impl Generator<'_> {
    fn body(&self) -> &Body {
        self.inputs.body
    }

    fn active(&self, value: ValueId) -> bool {
        self.inputs.activity.is_active(value)
    }

    /// `place += expr;` (or `-=`), spelled `place = place + expr;` for a
    /// generic float: `T: Float` has no compound assignment.
    fn add_into(&self, place: TokenStream, negative: bool, expr: TokenStream) -> TokenStream {
        match (self.inputs.types.is_generic(), negative) {
            (false, false) => quote!(#place += #expr;),
            (false, true) => quote!(#place -= #expr;),
            (true, false) => quote!(#place = #place + #expr;),
            (true, true) => quote!(#place = #place - #expr;),
        }
    }

    /// `: ty = 0` for an accumulator of an active value: of its float type,
    /// or the function's where the value's own is not visible.
    fn zero(&self, float: Option<crate::signature::FloatTy>) -> TokenStream {
        let float = self.inputs.types.of_active(float);
        let (ty, zero) = (float.ident(), float.constant(0.0));
        quote!(: #ty = #zero)
    }

    fn block(&mut self, block: &Block, mut terms: Terms) -> TokenStream {
        let mut code = TokenStream::new();
        for node in block.nodes.iter().rev() {
            let node_code = self.node(node, block.id, &mut terms);
            code.extend(node_code);
        }
        // Restore the block's stacked values to their state before this
        // execution of the block, for the next reverse iteration. This waits
        // until the whole block is reversed: adjoint terms gathered earlier in the
        // walk are evaluated at their value's definition and may still read the
        // current state. (Each value has its own stack, so only the order within
        // one stack matters, and that is mirrored.)
        // A taped value is instead read back from its loop's segment, at this
        // reverse iteration's index, before anything reads it.
        let mut loads = TokenStream::new();
        for node in block.nodes.iter().rev() {
            if let Node::Def(value) = node {
                for part in self.inputs.saves.stacked_parts(*value).into_iter().rev() {
                    let (ident, stack) = (part.ident(), part.stack());
                    match self.inputs.saves.tape(part) {
                        Some(tape) => {
                            let (segment, k) = (part.segment(), names::iterator(tape.trip));
                            loads.extend(
                                quote!(#ident = ::core::clone::Clone::clone(&#segment[#k]);),
                            );
                        }
                        None => {
                            code.extend(quote!(#ident = ::gradmacro::__private::pop(&mut #stack);))
                        }
                    }
                }
            }
        }
        if code.is_empty() {
            return code;
        }
        // Accumulators and slot adjoints of this block start at zero here.
        // (Generated first: a local buffer's zero adjoint may read its length,
        // which is recomputed below like anything else the code reads.)
        let mut declarations = TokenStream::new();
        let (values, slots) = self.homes.get(&block.id).cloned().unwrap_or_default();
        let fusion = self.inputs.fusion;
        for &value in &values {
            if self.body().def(value).buffer && !fusion.is_predeclared(value) {
                declarations.extend(self.buffer_adjoint_declaration(value));
            }
        }
        for value in values {
            if self.accumulated[value.0] && self.active(value) && !fusion.is_predeclared(value) {
                declarations.extend(self.accumulator_declaration(value));
            }
        }
        for slot in slots {
            if !fusion.is_slot_predeclared(slot) {
                declarations.extend(self.slot_adjoint_declaration(slot));
            }
        }
        // Recompute this block's cheap values that the code reads, and what they
        // read in turn, in program order.
        let mut recomputed: Vec<ValueId> = Vec::new();
        loop {
            let pending: Vec<ValueId> = self
                .recomputed
                .iter()
                .copied()
                .filter(|v| self.body().def(*v).home == block.id && !recomputed.contains(v))
                .collect();
            if pending.is_empty() {
                break;
            }
            for value in pending {
                let code = self.recompute(value);
                self.recomputed_code.insert(value, code);
                recomputed.push(value);
            }
        }
        recomputed.sort();
        // Counters declared here start the reverse of this block at their
        // final value (see `counters.rs`).
        let mut recomputations = TokenStream::new();
        for slot in self.inputs.saves.counters.declared_in(block.id) {
            let copy = names::counter_copy(slot);
            let final_value = match self.inputs.fusion.in_scope(block.id) {
                true => {
                    let slot = names::slot(slot);
                    quote!(#slot)
                }
                false => {
                    let stack = names::counter_finals(slot);
                    quote!(::gradmacro::__private::pop(&mut #stack))
                }
            };
            recomputations.extend(quote!(let mut #copy = #final_value;));
        }
        // Partials of saved rule results, from the results (see `save.rs`).
        for value in self
            .inputs
            .saves
            .partials_from_values(self.body(), block.id)
        {
            if let Op::Rule { rule, name, .. } = &self.body().def(value).op {
                let function = syn::Ident::new(rule.name, name.span());
                let (result, partial) = (names::primal(value), names::partial(value, 0));
                recomputations.extend(quote! {
                    let #partial = ::gradmacro::rules::from_value::#function(#result);
                });
            }
        }
        recomputations.extend(
            recomputed
                .iter()
                .filter_map(|v| self.recomputed_code.remove(v)),
        );
        recomputations.extend(declarations);
        let mut declarations = recomputations;
        declarations.extend(code);
        loads.extend(declarations);
        loads
    }

    /// Adds `± expr` to the adjoint of `to`: a term if `to` lives in this block,
    /// an accumulation otherwise.
    fn contribute(
        &mut self,
        to: ValueId,
        negative: bool,
        expr: TokenStream,
        here: BlockId,
        terms: &mut Terms,
        code: &mut TokenStream,
    ) {
        if !self.active(to) {
            return;
        }
        if self.body().def(to).home == here {
            terms.entry(to).or_default().push(Term { negative, expr });
        } else {
            self.accumulated[to.0] = true;
            let acc = accumulator(to);
            code.extend(self.add_into(quote!(#acc), negative, expr));
        }
    }

    /// Takes a slot's adjoint for the value that was written into it, and resets
    /// it: the slot's earlier contents start with no adjoint.
    fn take_slot_adjoint(
        &mut self,
        slot: SlotId,
        reset: bool,
        code: &mut TokenStream,
    ) -> TokenStream {
        let adjoint = names::slot_adjoint(slot);
        let snapshot = names::snapshot(slot, self.snapshots);
        self.snapshots += 1;
        code.extend(quote!(let #snapshot = #adjoint;));
        if reset {
            let float = self.inputs.types.of_active(self.inputs.types.of_slot(slot));
            let zero = float.constant(0.0);
            code.extend(quote!(#adjoint = #zero;));
        }
        quote!(#snapshot)
    }

    fn node(&mut self, node: &Node, here: BlockId, terms: &mut Terms) -> TokenStream {
        let mut code = self.adjoint_of_node(node, here, terms);
        // A restored buffer gets back the element the store overwrote, once
        // the store's adjoint is taken (see `restore.rs`).
        if let Node::Store { base, indices, .. } = node {
            if self.inputs.saves.restored.restores(*base) {
                let stack = names::restore_stack(*base);
                let buffer = self.primal(*base);
                let indices: Vec<TokenStream> =
                    indices.iter().map(|index| self.primal(*index)).collect();
                code.extend(quote! {
                    #buffer #([#indices])* = ::gradmacro::__private::pop(&mut #stack);
                });
            }
        }
        // And its whole contents, for a whole overwrite.
        if let Node::Overwrite { target, .. } = node {
            if self.inputs.saves.restored.restores(*target) {
                let (stack, lengths) = (
                    names::restore_stack(*target),
                    names::restore_lengths(*target),
                );
                let buffer = self.primal(*target);
                code.extend(quote! {
                    ::gradmacro::__private::restore_whole(&mut #buffer, &mut #stack, &mut #lengths);
                });
            }
        }
        code
    }

    fn adjoint_of_node(&mut self, node: &Node, here: BlockId, terms: &mut Terms) -> TokenStream {
        let mut code = TokenStream::new();
        match node {
            Node::Def(value) => self.def(*value, here, terms, &mut code),
            Node::Declare { slot, init } => {
                if self.inputs.activity.is_slot_active(*slot) {
                    let adjoint = self.take_slot_adjoint(*slot, false, &mut code);
                    if let SlotInit::Value(value) = init {
                        self.contribute(*value, false, adjoint, here, terms, &mut code);
                    }
                }
            }
            Node::Store {
                base,
                indices,
                value,
            } if self.active(*base) => self.store(*base, indices, *value, here, terms, &mut code),
            Node::Push { base, value } if self.active(*base) => {
                self.push(*base, *value, here, terms, &mut code)
            }
            Node::Resize {
                base,
                old_len,
                fill,
                ..
            } if self.active(*base) => self.resize(*base, *old_len, *fill, here, terms, &mut code),
            Node::Overwrite {
                target,
                source,
                old_len,
            } if self.active(*target) => self.overwrite(*target, *source, *old_len, &mut code),
            // Macros act on primal values, in the forward sweep only.
            // An out-parameter's last value is seeded where the sweep starts.
            Node::Store { .. }
            | Node::Push { .. }
            | Node::Resize { .. }
            | Node::Overwrite { .. }
            | Node::WriteBack { .. }
            | Node::FieldWrite { .. }
            | Node::Macro { .. } => {}
            Node::Write { slot, value } if self.inputs.saves.counters.is_counter(*slot) => {
                // Undo the step, for the counter's reads before it.
                if let Some(step) = self.inputs.saves.counters.step(*slot, *value) {
                    let copy = names::counter_copy(*slot);
                    let magnitude = proc_macro2::Literal::u128_unsuffixed(step.unsigned_abs());
                    code.extend(match step >= 0 {
                        true => quote!(#copy -= #magnitude;),
                        false => quote!(#copy += #magnitude;),
                    });
                }
            }
            Node::Write { slot, value } => {
                if self.inputs.activity.is_slot_active(*slot) {
                    let adjoint = self.take_slot_adjoint(*slot, true, &mut code);
                    self.contribute(*value, false, adjoint, here, terms, &mut code);
                }
            }
            Node::If {
                cond,
                then,
                otherwise,
            } => {
                let then = self.block(then, Terms::new());
                let otherwise = self.block(otherwise, Terms::new());
                if !(then.is_empty() && otherwise.is_empty()) {
                    let cond = self.primal(*cond);
                    code.extend(quote!(if #cond { #then } else { #otherwise }));
                }
            }
            Node::Match { arms, decision, .. } => {
                let arms: Vec<TokenStream> = arms
                    .iter()
                    .enumerate()
                    .filter_map(|(index, arm)| {
                        let body = self.block(&arm.body, Terms::new());
                        (!body.is_empty()).then(|| quote!(#index => { #body }))
                    })
                    .collect();
                if !arms.is_empty() {
                    let decision = self.primal(*decision);
                    code.extend(quote!(match #decision { #(#arms)* _ => {} }));
                }
            }
            Node::Loop(lp) => {
                if let Some(fused) = self.inputs.fusion.of(lp.body.id) {
                    // Reversed inside the forward loop; a deferred one's sums
                    // are scaled here, where its exit adjoint is known.
                    self.fuse(lp, fused);
                    if let Some(deferred) = &fused.deferred {
                        code.extend(self.scale_deferred(deferred));
                    }
                    return code;
                }
                if let Some(found) = self.inputs.saves.argmax.get(&lp.body.id) {
                    code.extend(self.argmax_reverse(found));
                    return code;
                }
                if let Some(checkpoint) = self.inputs.fusion.checkpoint(lp.body.id) {
                    code.extend(self.checkpointed(lp, checkpoint));
                    return code;
                }
                let summed = self.invariant_reads(lp);
                let sums = self.begin_summing(&summed);
                let body = self.block(&lp.body, Terms::new());
                let add_sums = self.end_summing(&summed);
                if !body.is_empty() {
                    let trip = self.trip_count(lp);
                    let k = names::iterator(lp.trip);
                    let taped = self.inputs.saves.taped_by(lp.body.id);
                    // The segment this execution of the loop wrote to each of
                    // its tapes: their last `trip` entries.
                    let (trips, start, top) = (
                        names::trips(lp.trip),
                        names::tape_start(lp.trip),
                        names::tape_top(lp.trip),
                    );
                    let segments = (!taped.is_empty()).then(|| {
                        let segments = taped.iter().map(|part| {
                            let (segment, stack) = (part.segment(), part.stack());
                            quote!(let #segment = &#stack[#start..#top];)
                        });
                        quote! {
                            let #trips = #trip;
                            let #start = #top - #trips;
                            #(#segments)*
                        }
                    });
                    let trip = match segments {
                        Some(_) => quote!(#trips),
                        None => trip,
                    };
                    let pop_segment = (!taped.is_empty()).then(|| quote!(#top = #start;));
                    let usize_range = crate::save::usize_range(self.inputs.body, lp);
                    // (Not at all for an item nothing reads: `for _ in 0..n`.)
                    let item = crate::save::recomputed_item(self.inputs.body, lp)
                        .filter(|(item, _)| self.inputs.body.is_used(*item))
                        .map(
                            // The item of iteration `k` of `start..end` is `start + k`.
                            |(item, start)| {
                                let (item, start) = (names::primal(item), self.primal(start));
                                match usize_range {
                                    true => quote!(let #item = #start + #k;),
                                    false => quote! {
                                        let #item = ::gradmacro::__private::range_item(#start, #k);
                                    },
                                }
                            },
                        );
                    code.extend(quote! {
                        #segments
                        #sums
                        for #k in (0..#trip).rev() {
                            #item
                            #body
                        }
                        #add_sums
                        #pop_segment
                    });
                }
            }
        }
        code
    }

    /// The adjoint of one value, its contributions to its operands, and the
    /// restoring of its previous state if it is stacked.
    fn def(&mut self, value: ValueId, here: BlockId, terms: &mut Terms, code: &mut TokenStream) {
        if self.body().def(value).buffer {
            if self.active(value) {
                if let Op::Opaque(Opaque::Call { .. }) = self.body().def(value).op {
                    let buffer = names::adjoint_buffer(value);
                    self.call_operands(value, Some(quote!(&#buffer)), here, terms, code);
                } else {
                    self.buffer_operands(value, here, terms, code);
                }
            }
            return;
        }
        let own_terms = terms.remove(&value).unwrap_or_default();
        // Every use in a nested block comes after the definition in the forward
        // sweep, so its contribution has already been emitted here.
        let accumulated = self.accumulated[value.0];
        // An adjoint that is another adjoint, unchanged (`u = v + w` passes
        // its adjoint to `v` as it is), is that adjoint: no `let` renaming it.
        // Parameters' adjoints are read by name, and so is every adjoint
        // `NAME_explain` shows.
        let renames_one = match &own_terms[..] {
            [Term {
                negative: false,
                expr,
            }] => is_single_ident(expr),
            _ => false,
        };
        if self.active(value)
            && renames_one
            && !accumulated
            && !self.inputs.name_every_adjoint
            && !matches!(self.body().def(value).op, Op::Param { .. })
        {
            let adjoint = own_terms[0].expr.clone();
            self.operands(value, adjoint, here, terms, code);
            return;
        }
        if self.active(value) && own_terms.is_empty() && !accumulated {
            // A call that writes `&mut` arguments is reversed for them, even
            // where its result is unused (`rhs(&y, &mut k1);`).
            if self.body().lends_mut(value) {
                self.call_operands(value, None, here, terms, code);
            }
            return;
        }
        if self.active(value) && (!own_terms.is_empty() || accumulated) {
            let adjoint = adjoint_of(value);
            let mut sum = sum(own_terms);
            if accumulated {
                let acc = accumulator(value);
                sum = if sum.is_empty() {
                    quote!(#acc)
                } else {
                    quote!(#acc + #sum)
                };
            }
            code.extend(quote!(let #adjoint = #sum;));
            self.has_adjoint[value.0] = true;
            self.operands(value, quote!(#adjoint), here, terms, code);
        }
    }
}

/// Whether the tokens are one identifier (an adjoint's name).
fn is_single_ident(tokens: &TokenStream) -> bool {
    let mut trees = tokens.clone().into_iter();
    matches!(
        (trees.next(), trees.next()),
        (Some(proc_macro2::TokenTree::Ident(_)), None)
    )
}

/// `t1 + t2 - t3 ...`, starting without a `0.0 +`.
fn sum(terms: Vec<Term>) -> TokenStream {
    let mut out = TokenStream::new();
    for (index, Term { negative, expr }) in terms.into_iter().enumerate() {
        out.extend(match (index, negative) {
            (0, false) => quote!(#expr),
            (0, true) => quote!(-(#expr)),
            (_, false) => quote!(+ #expr),
            (_, true) => quote!(- #expr),
        });
    }
    out
}
