//! The forward sweep: the primal computation, with the saves the reverse sweep
//! needs.
//!
//! Active rule calls go through `gradmacro::rules`, which returns the value and
//! the local partials together, so the reverse sweep reuses them and the primal is
//! never evaluated twice. Everything inactive is emitted as the user wrote it
//! (method or path syntax), so constant code compiles exactly as in the original.
//! Control flow is emitted as it was lowered: branches, `match` arms that record
//! their index, and loops that count their trips and stop on their exit flags.

use crate::activity::Activity;
use crate::fuse::Fusion;
use crate::ir::{
    Block, BlockId, Body, BufferInit, CallForm, LoopKind, Node, Op, Opaque, RepeatLen, SlotInit,
    ValueId,
};
use crate::names::{self, partial, primal};
use crate::reverse::FusedCode;
use crate::rule_table::Input;
use crate::save::{Part, Saves};
use crate::signature::FnSignature;
use proc_macro2::TokenStream;
use quote::quote;
use std::collections::HashMap;

/// What the forward sweep is generated from.
pub struct Forward<'a> {
    pub body: &'a Body,
    pub sig: &'a FnSignature,
    pub activity: &'a Activity,
    pub saves: &'a Saves,
    pub fusion: &'a Fusion,
    /// The reverse code of the fused loops, placed inside them.
    pub fused: &'a HashMap<BlockId, FusedCode>,
    /// Whether constants are written where they are used rather than bound
    /// (`NAME_explain` reads every value by name).
    pub inline_constants: bool,
    /// The calls whose pullback runs here, for a unit seed (see
    /// `preaccumulate.rs`).
    pub preaccumulated: &'a crate::preaccumulate::Preaccumulated,
    /// The float type of each value and slot (a generic float's zero is
    /// `Zero::zero()`, as `T: Float` is not `Default`).
    pub types: &'a crate::types::FloatTypes,
    /// Values not computed at all: the copies a checkpointed loop's
    /// forward run does not need (see `fuse/checkpoint.rs`).
    pub skipped: &'a [ValueId],
}

/// The forward sweep of `body`.
pub fn forward(sweep: &Forward) -> TokenStream {
    sweep.block(&sweep.body.root)
}

impl Forward<'_> {
    /// A value as an operand: a constant written out (when constants are
    /// inlined), anything else by its name. A long function's constants
    /// then cost no statement of their own.
    fn value(&self, value: ValueId) -> TokenStream {
        match &self.body.def(value).op {
            Op::Const(tokens) if self.inline_constants => quote!((#tokens)),
            // Inline in its call: a closure bound by `let` first would lose
            // the parameter types the call gives it.
            Op::Opaque(Opaque::Closure {
                closure, captures, ..
            }) => crate::lower::kept_closure_tokens(closure, captures, |v| self.value(v)),
            _ => {
                let name = primal(value);
                quote!(#name)
            }
        }
    }

    fn block(&self, block: &Block) -> TokenStream {
        let mut code: TokenStream = block.nodes.iter().map(|node| self.node(node)).collect();
        // The final value of each counter declared here, for the reverse
        // sweep to walk it back from (see `counters.rs`); one in scope there
        // is read directly.
        if !self.fusion.in_scope(block.id) {
            for slot in self.saves.counters.declared_in(block.id) {
                let (stack, slot) = (names::counter_finals(slot), names::slot(slot));
                code.extend(quote!(#stack.push(#slot);));
            }
        }
        code
    }

    fn node(&self, node: &Node) -> TokenStream {
        match node {
            Node::Def(value) => self.def(*value),
            Node::Declare { slot, init } => {
                let slot_id = slot;
                // A max reduction's own variable gets a record of its own.
                let record = self
                    .saves
                    .argmax
                    .values()
                    .find(|found| found.is_local(*slot));
                let record = record.map(|found| {
                    let record = found.record_of(*slot);
                    let source = match init {
                        SlotInit::Value(value) => found.copy(*slot, *value),
                        SlotInit::Default => None,
                    };
                    let source = self.copied_record(found, source);
                    quote!(let mut #record: usize = #source;)
                });
                let slot = names::slot(*slot);
                let declare = match init {
                    SlotInit::Value(value) => {
                        let value = self.value(*value);
                        quote!(let mut #slot = #value;)
                    }
                    SlotInit::Default => match self.types.of_slot(*slot_id) {
                        Some(float @ crate::signature::FloatTy::Generic(_)) => {
                            let zero = float.constant(0.0);
                            quote!(let mut #slot = #zero;)
                        }
                        _ => quote!(let mut #slot = ::core::default::Default::default();),
                    },
                };
                quote!(#declare #record)
            }
            Node::Store {
                base,
                indices,
                value,
            } => {
                let restore = self.saves.restored.restores(*base).then(|| {
                    // Save the element this store overwrites (see `restore.rs`).
                    let stack = names::restore_stack(*base);
                    quote!(#stack)
                });
                let (base, value) = (primal(*base), self.value(*value));
                let indices: Vec<TokenStream> =
                    indices.iter().map(|index| self.value(*index)).collect();
                let save = restore.map(|stack| {
                    quote!(#stack.push(::core::clone::Clone::clone(&#base #([#indices])*));)
                });
                quote!(#save #base #([#indices])* = #value;)
            }
            // A row is pushed as a copy: the reverse sweep may still read it.
            Node::Push { base, value } if self.body.def(*value).buffer => {
                let (base, value) = (primal(*base), self.value(*value));
                quote!(#base.push(::core::clone::Clone::clone(&#value));)
            }
            Node::Push { base, value } => {
                let (base, value) = (primal(*base), self.value(*value));
                quote!(#base.push(#value);)
            }
            Node::WriteBack { target, value } => {
                let (target, value) = (primal(*target), self.value(*value));
                quote!(*#target = #value;)
            }
            Node::Resize {
                base,
                new_len,
                fill,
                ..
            } => {
                let (base, new_len) = (primal(*base), self.value(*new_len));
                match fill {
                    Some(fill) => {
                        let fill = self.value(*fill);
                        quote!(#base.resize(#new_len, #fill);)
                    }
                    None => quote!(#base.truncate(#new_len);),
                }
            }
            Node::Overwrite { target, source, .. } => {
                // A restored buffer saves its contents first (see `restore.rs`).
                let save = self.saves.restored.restores(*target).then(|| {
                    let (stack, lengths) =
                        (names::restore_stack(*target), names::restore_lengths(*target));
                    let target = primal(*target);
                    quote!(::gradmacro::__private::save_whole(&mut #stack, &mut #lengths, &#target[..]);)
                });
                let (target, source) = (primal(*target), primal(*source));
                quote!(#save ::core::clone::Clone::clone_from(&mut #target, &#source);)
            }
            Node::FieldWrite {
                base,
                members,
                value,
                ..
            } => {
                let (base, value) = (self.value(*base), self.value(*value));
                quote!(#base #(.#members)* = #value;)
            }
            Node::Macro { mac, args } => {
                let path = &mac.path;
                let args = args.iter().map(|arg| match arg {
                    crate::ir::MacroArg::Tokens(tokens) => tokens.clone(),
                    crate::ir::MacroArg::Value(value) => self.value(*value),
                    crate::ir::MacroArg::Borrowed(value) => {
                        let value = self.value(*value);
                        quote!(&#value)
                    }
                    crate::ir::MacroArg::Named(name, value) => {
                        let value = self.value(*value);
                        quote!(#name = #value)
                    }
                });
                quote!(#path!(#(#args),*);)
            }
            Node::Write { slot, value } => {
                // A max reduction written as a branch records where it copies.
                let record = self.copy_record(*slot, *value);
                let (slot, value) = (names::slot(*slot), self.value(*value));
                quote!(#slot = #value; #record)
            }
            Node::If {
                cond,
                then,
                otherwise,
            } => {
                let cond = self.value(*cond);
                let (then, otherwise) = (self.block(then), self.block(otherwise));
                if otherwise.is_empty() {
                    quote!(if #cond { #then })
                } else {
                    quote!(if #cond { #then } else { #otherwise })
                }
            }
            Node::Match {
                scrutinee,
                arms,
                decision,
            } => {
                let record = self.record(Part::Value(*decision));
                let (scrutinee, decision) = (self.value(*scrutinee), primal(*decision));
                let arms = arms.iter().enumerate().map(|(index, arm)| {
                    let pat = &arm.pat;
                    let guard = arm.guard.as_ref().map(|(block, value)| {
                        let (block, value) = (self.block(block), self.value(*value));
                        quote!(if { #block #value })
                    });
                    let body = self.block(&arm.body);
                    quote!(#pat #guard => { #decision = #index; #record #body })
                });
                quote!(match #scrutinee { #(#arms)* })
            }
            Node::Loop(lp) if self.fusion.checkpoint(lp.body.id).is_some() => {
                self.checkpointed_loop(lp)
            }
            Node::Loop(lp) => {
                let trip = primal(lp.trip);
                let clear_continue = lp.continue_flag.map(|flag| {
                    let flag = names::slot(flag);
                    quote!(#flag = false;)
                });
                let flags = lp.exit_flags.iter().map(|flag| names::slot(*flag));
                let exit = (!lp.exit_flags.is_empty()).then(|| quote!(if #(#flags)||* { break; }));
                let body = self.block(&lp.body);
                // A fused loop ends each iteration with its reverse, and is
                // preceded by what that needs.
                let (before, reverse, after) = match self.fused.get(&lp.body.id) {
                    Some(FusedCode {
                        prelude,
                        iteration,
                        postlude,
                    }) => {
                        let hoisted: TokenStream = self
                            .fusion
                            .of(lp.body.id)
                            .map(|fused| fused.hoisted.iter().map(|v| self.def(*v)).collect())
                            .unwrap_or_default();
                        (
                            quote!(#hoisted #prelude),
                            iteration.clone(),
                            postlude.clone(),
                        )
                    }
                    None => (TokenStream::new(), TokenStream::new(), TokenStream::new()),
                };
                // A max reduction records the iteration its element last won in.
                let before = match self.saves.argmax.get(&lp.body.id) {
                    Some(found) => {
                        let record = names::argmax_record(found.trip);
                        quote!(#before let mut #record: usize = 0;)
                    }
                    None => before,
                };
                // A fused iteration's reverse runs before the loop may stop:
                // the iteration that breaks has its part reversed too.
                let iteration = quote!(#trip += 1; #clear_continue #body #reverse #exit);
                // Stacks of this body grow by one entry per iteration (and one
                // for the state before the loop), and tapes by one segment of
                // one entry per iteration: both are sized once, from the
                // iterator's lower bound.
                let pushed = self.saves.pushed_in(self.body, lp.body.id);
                let taped = self.saves.taped_by(lp.body.id);
                let it = names::iterator(lp.trip);
                // (An unbounded iterator, `3..` left by `break`, is not
                // sized up front: its hint is `usize::MAX`.)
                let hint = match lp.kind {
                    LoopKind::For { .. } => quote!(::gradmacro::__private::loop_hint(&#it)),
                    LoopKind::Infinite => quote!(0),
                };
                let reserve = pushed.iter().map(|part| {
                    let stack = part.stack();
                    quote!(#stack.reserve(#hint + 1);)
                });
                let (start, top) = (names::tape_start(lp.trip), names::tape_top(lp.trip));
                let open = (!taped.is_empty()).then(|| {
                    let opens = taped.iter().map(|part| {
                        let (stack, ident) = (part.stack(), part.ident());
                        quote!(::gradmacro::__private::tape_open(&mut #stack, #start + #hint, &#ident);)
                    });
                    quote!(let #start = #top; #(#opens)*)
                });
                // A loop that may run past its lower bound grows its tapes as
                // they are written, and an iteration that stops early may not
                // write them all: each gets its place for every iteration.
                let exact = taped
                    .first()
                    .and_then(|part| self.saves.tape(*part))
                    .is_some_and(|tape| tape.exact);
                let fills = taped.iter().filter(|_| !exact).map(|part| {
                    let (stack, ident) = (part.stack(), part.ident());
                    quote!(::gradmacro::__private::tape_open(&mut #stack, #top, &#ident);)
                });
                let close = (!taped.is_empty()).then(|| quote!(#top = #start + #trip; #(#fills)*));
                // A taped trip count is recorded once its loop has ended.
                let record_trip = self.record(Part::Value(lp.trip));
                let looped = match &lp.kind {
                    LoopKind::For { item, iter } => {
                        let (item, iter) = (names::loop_item(*item), self.value(*iter));
                        if pushed.is_empty() && taped.is_empty() {
                            quote!(for #item in #iter { #iteration })
                        } else {
                            quote! {
                                let #it = ::core::iter::IntoIterator::into_iter(#iter);
                                #(#reserve)*
                                #open
                                for #item in #it { #iteration }
                            }
                        }
                    }
                    LoopKind::Infinite => quote!(#(#reserve)* #open loop { #iteration }),
                };
                quote!(#before #looped #close #record_trip #after)
            }
        }
    }

    /// For a taped part, the write of its current value at its loop's
    /// current iteration.
    fn record(&self, part: Part) -> Option<TokenStream> {
        let tape = self.saves.tape(part)?;
        let (stack, ident) = (part.stack(), part.ident());
        let (start, trip) = (names::tape_start(tape.trip), primal(tape.trip));
        // In a range's segment every iteration has its place: a plain store,
        // with no call in the loop (a call, even a cold one, makes LLVM keep
        // the loop's floats in memory: 2.5× slower on llsq).
        Some(match tape.exact {
            true => quote!(#stack[#start + #trip - 1] = ::core::clone::Clone::clone(&#ident);),
            false => {
                quote!(::gradmacro::__private::record(&mut #stack, #start + #trip - 1, &#ident);)
            }
        })
    }

    /// Binds (or, when saved, assigns after pushing the previous state) one part.
    fn bind(
        &self,
        part: Part,
        mutable: bool,
        annotation: Option<TokenStream>,
        expr: TokenStream,
    ) -> TokenStream {
        let ident = part.ident();
        if !self.saves.is_saved(part) {
            let mutability = mutable.then(|| quote!(mut));
            return quote!(let #mutability #ident #annotation = #expr;);
        }
        if self.saves.tape(part).is_some() {
            // A trip count is recorded after its loop, at its final value.
            let is_trip =
                matches!(part, Part::Value(v) if matches!(self.body.def(v).op, Op::TripCount));
            let record = (!is_trip).then(|| self.record(part)).flatten();
            return quote!(#ident = #expr; #record);
        }
        let push = self.saves.is_stacked(part).then(|| {
            let stack = part.stack();
            quote!(#stack.push(#ident);)
        });
        quote!(#push #ident = #expr;)
    }

    /// The arguments of `call` as its forward sweep passes them. An owned
    /// constant an active call or method takes by value (`f(w,
    /// idx.clone())`) is passed again to its pullback in the reverse sweep,
    /// so the forward call gets a clone.
    fn call_arguments(&self, call: ValueId, args: &[ValueId]) -> Vec<TokenStream> {
        let active = self.activity.is_active(call);
        args.iter()
            .map(|arg| {
                let printed = self.value(*arg);
                match active && self.is_owned_constant(*arg) {
                    true => quote!(::core::clone::Clone::clone(&#printed)),
                    false => printed,
                }
            })
            .collect()
    }

    /// Whether `value` is a constant the code owns and may not be `Copy`:
    /// a buffer it made (`idx.clone()`, `vec![..]`) or a method's or call's
    /// result (`make()`), not a reference or a parameter.
    fn is_owned_constant(&self, value: ValueId) -> bool {
        !self.activity.is_active(value)
            && matches!(
                self.body.def(value).op,
                Op::Buffer(_)
                    | Op::Opaque(
                        Opaque::Method { .. } | Opaque::Call { .. } | Opaque::Invoke { .. }
                    )
            )
    }

    fn def(&self, value: ValueId) -> TokenStream {
        if self.skipped.contains(&value) {
            return TokenStream::new();
        }
        let stmt = self.body.def(value);
        let part = Part::Value(value);
        let annotation = stmt.ty.as_ref().map(|ty| quote!(: #ty));
        let plain = |expr: TokenStream| self.bind(part, stmt.mutable, annotation.clone(), expr);
        let p = |v: &ValueId| self.value(*v);
        match &stmt.op {
            Op::Param { index } => {
                let param = &self.sig.params[*index].name;
                plain(quote!(#param))
            }
            // Printed where it is passed (see `Forward::value`).
            Op::Opaque(Opaque::Closure { .. }) => TokenStream::new(),
            // A preaccumulated call: its pullback for a unit seed gives the
            // value and the gradient, bound next (see `preaccumulate.rs`).
            Op::Opaque(Opaque::Call { func, args })
                if self.preaccumulated.gradient_of(value).is_some() =>
            {
                let (result, gradient) = (names::local("result"), names::preaccumulated(value));
                let bound = plain(quote!(#result));
                // With buffers read by reference, through `NAME_pullback_lent`:
                // their gradients go to the call site's scratch buffers (see
                // `preaccumulate::scratch_arguments`).
                let scratch = crate::preaccumulate::scratch_arguments(
                    self.body,
                    self.activity,
                    self.types,
                    value,
                );
                let (pullback, seed) = match scratch.is_empty() {
                    true => (
                        names::pullback_path(func),
                        quote!(::gradmacro::__private::one()),
                    ),
                    false => (
                        names::companion_path(func, "pullback_lent"),
                        quote!(::core::option::Option::Some(::gradmacro::__private::one())),
                    ),
                };
                let lent = scratch.iter().map(|&k| {
                    let (name, primal) = (names::call_scratch(value, k), p(&args[k]));
                    quote!(::gradmacro::__private::zeroed(&mut #name, &(*#primal)[..]))
                });
                let args = args.iter().map(p);
                quote! {
                    let (#result, #gradient) = #pullback(#(#args,)* #seed, #(#lent),*);
                    #bound
                }
            }
            Op::Opaque(Opaque::CallGradient(call)) => {
                match self.preaccumulated.gradient_of(*call) {
                    Some(_) => {
                        let gradient = names::preaccumulated(*call);
                        plain(quote!(#gradient))
                    }
                    None => TokenStream::new(),
                }
            }
            // An item of a constant collection iterated by reference: cloned,
            // as `*item` would move an item that is not `Copy` (a `String`).
            // (Not at all where nothing reads it: `*s` of a `Spring` that is
            // only a method's receiver would need `Spring: Clone`.)
            Op::Deref(v) if is_item_reference(self.body, *v) && !self.body.is_used(value) => {
                TokenStream::new()
            }
            Op::Deref(v) if is_item_reference(self.body, *v) => {
                let v = p(v);
                plain(quote!(::core::clone::Clone::clone(#v)))
            }
            Op::Deref(v) => {
                let v = p(v);
                plain(quote!(*#v))
            }
            Op::Const(_) if self.inline_constants && !self.saves.is_saved(part) => {
                TokenStream::new()
            }
            Op::Const(tokens) => plain(tokens.clone()),
            Op::Copy(v) => {
                let v = p(v);
                plain(quote!(#v))
            }
            Op::Neg(v) => {
                let v = p(v);
                plain(quote!(-#v))
            }
            Op::Arith(arith, a, b) => {
                let (a, b) = (p(a), p(b));
                let op = arith.token(stmt.span);
                plain(quote!(#a #op #b))
            }
            Op::Cast { value, ty, .. } => {
                let value = p(value);
                plain(quote!(#value as #ty))
            }
            Op::Rule {
                rule,
                args,
                form,
                name,
            } => {
                let arg_names: Vec<_> = args.iter().map(p).collect();
                if self.activity.is_active(value) {
                    if let Some(found) = self.saves.argmax.values().find(|f| f.is_rule(value)) {
                        return self.argmax_step(found, rule.name, &arg_names, stmt.mutable);
                    }
                    return self.rule(value, rule, args, &arg_names, name, stmt.mutable);
                }
                match (form, arg_names.split_first()) {
                    (CallForm::Method, Some((receiver, rest))) => {
                        plain(quote!(#receiver.#name(#(#rest),*)))
                    }
                    (CallForm::Path(path), _) => plain(quote!(#path(#(#arg_names),*))),
                    // A method call always has its receiver as the first argument.
                    (CallForm::Method, None) => plain(quote!(#name())),
                }
            }
            Op::Buffer(init) => plain(match init {
                BufferInit::Repeat { elem, len } => {
                    let elem = p(elem);
                    match len {
                        RepeatLen::Vec(len) => {
                            let len = p(len);
                            quote!(::std::vec![#elem; #len])
                        }
                        RepeatLen::Array(len) => quote!([#elem; #len]),
                    }
                }
                BufferInit::List { elems, vec } => {
                    // Rows (`vec![a, b]` of buffers) are cloned in, so the
                    // reverse sweep can still size their adjoints.
                    let elems = elems.iter().map(|elem| match self.body.def(*elem).buffer {
                        true => {
                            let elem = p(elem);
                            quote!(::core::clone::Clone::clone(&#elem))
                        }
                        false => p(elem),
                    });
                    if *vec {
                        quote!(::std::vec![#(#elems),*])
                    } else {
                        quote!([#(#elems),*])
                    }
                }
                BufferInit::Copy {
                    source,
                    prefix,
                    method,
                    range,
                } => {
                    let (source, prefix) = (p(source), prefix.iter().map(p));
                    // A plain copy (`let y = x;`) clones, so the source stays
                    // usable by the reverse sweep (the user never uses it again).
                    let method = method.clone().unwrap_or_else(|| {
                        syn::Ident::new("clone", proc_macro2::Span::call_site())
                    });
                    match range {
                        Some((start, end)) => {
                            let (start, end) = (p(start), p(end));
                            quote!(#source #([#prefix])* [#start..#end].to_vec())
                        }
                        None => quote!(#source #([#prefix])* .#method()),
                    }
                }
                BufferInit::Empty { func, args } => {
                    let args = args.iter().map(p);
                    quote!(#func(#(#args),*))
                }
            }),
            Op::Index { base, indices } => {
                let (base, indices) = (p(base), indices.iter().map(p));
                plain(quote!(#base #([#indices])*))
            }
            Op::ReadSlot(slot) => {
                let slot = names::slot(*slot);
                plain(quote!(#slot))
            }
            Op::LoopItem => {
                let item = names::loop_item(value);
                plain(quote!(#item))
            }
            Op::Binding { pattern_name, .. } => {
                let bound = names::pattern_binding(*pattern_name);
                plain(quote!(#bound))
            }
            Op::TripCount => {
                let ident = primal(value);
                if self.saves.is_saved(part) {
                    self.bind(part, true, None, quote!(0usize))
                } else {
                    quote!(let mut #ident: usize = 0;)
                }
            }
            Op::Decision => {
                // Each arm assigns its index.
                let ident = primal(value);
                match self.saves.is_stacked(part) && self.saves.tape(part).is_none() {
                    true => {
                        let stack = part.stack();
                        quote!(#stack.push(#ident);)
                    }
                    false if self.saves.is_saved(part) => TokenStream::new(),
                    false => quote!(let #ident: usize;),
                }
            }
            Op::Opaque(opaque) => plain(match opaque {
                Opaque::Unary(op, v) => {
                    let v = p(v);
                    quote!(#op #v)
                }
                Opaque::Binary(op, a, b) => {
                    let (a, b) = (p(a), p(b));
                    quote!(#a #op #b)
                }
                Opaque::Ref(v) => {
                    let v = p(v);
                    quote!(&#v)
                }
                Opaque::Field {
                    base,
                    member,
                    borrowed,
                } => {
                    let base = p(base);
                    let borrow = borrowed.then(|| quote!(&));
                    quote!(#borrow #base.#member)
                }
                Opaque::Method {
                    receiver,
                    method,
                    turbofish,
                    args,
                } => {
                    // A borrowed element or field (`m[r].len()`,
                    // `self.n.max(3)`): the method is called on the place, as
                    // written, so that `max` of an integer takes it by value.
                    let place = matches!(
                        self.body.def(*receiver).op,
                        Op::Opaque(
                            Opaque::Index { borrowed: true, .. }
                                | Opaque::Field { borrowed: true, .. }
                        )
                    );
                    let receiver = match place {
                        true => {
                            let receiver = p(receiver);
                            quote!((*#receiver))
                        }
                        false => p(receiver),
                    };
                    let args = self.call_arguments(value, args);
                    // (`::<T>`: a method's turbofish keeps its `::`.)
                    let turbofish = turbofish.as_ref().map(|t| match t.colon2_token {
                        Some(_) => quote!(#t),
                        None => quote!(::#t),
                    });
                    quote!(#receiver.#method #turbofish(#(#args),*))
                }
                Opaque::Tuple(elements) => {
                    let elements = elements.iter().map(p);
                    quote!((#(#elements,)*))
                }
                // Printed where it is passed; never reached (see above).
                Opaque::Closure { .. } => self.value(value),
                // Bound above; never reached.
                Opaque::CallGradient(_) => quote!(()),
                Opaque::Call { func, args } => {
                    let args = self.call_arguments(value, args);
                    quote!(#func(#(#args),*))
                }
                Opaque::Invoke { callee, args } => {
                    let (callee, args) = (p(callee), args.iter().map(p));
                    quote!(#callee(#(#args),*))
                }
                Opaque::Index {
                    base,
                    indices,
                    borrowed,
                } => {
                    let (base, indices) = (p(base), indices.iter().map(p));
                    let borrow = borrowed.then(|| quote!(&));
                    quote!(#borrow #base #([#indices])*)
                }
                Opaque::BorrowMut {
                    base,
                    prefix,
                    range,
                    ..
                } => {
                    let (base, prefix) = (p(base), prefix.iter().map(p));
                    let range = range.map(|(start, end)| {
                        let (start, end) = (p(&start), p(&end));
                        quote!([#start..#end])
                    });
                    quote!(&mut #base #([#prefix])* #range)
                }
                Opaque::ConstantMut { value, .. } => {
                    let value = p(value);
                    quote!(&mut #value)
                }
                Opaque::Slice {
                    base,
                    prefix,
                    start,
                    end,
                } => {
                    let (base, prefix, start, end) =
                        (p(base), prefix.iter().map(p), p(start), p(end));
                    quote!(&#base #([#prefix])* [#start..#end])
                }
                Opaque::Range {
                    start,
                    end,
                    inclusive,
                } => {
                    let (start, end) = (start.as_ref().map(p), end.as_ref().map(p));
                    if *inclusive {
                        quote!((#start..=#end))
                    } else {
                        quote!((#start..#end))
                    }
                }
            }),
        }
    }

    /// An active rule call: the value and the partials the reverse sweep uses.
    fn rule(
        &self,
        value: ValueId,
        rule: &crate::rule_table::Rule,
        args: &[ValueId],
        arg_names: &[TokenStream],
        method: &syn::Ident,
        mutable: bool,
    ) -> TokenStream {
        let function = syn::Ident::new(rule.name, method.span());
        let call = quote!(::gradmacro::rules::#function(#(#arg_names),*));
        // Tuple positions of the partials: one per float input, in order.
        let partials: Vec<(usize, Option<Part>)> = rule
            .inputs
            .iter()
            .zip(args)
            .enumerate()
            .filter(|(_, (input, _))| **input == Input::Float)
            .enumerate()
            .map(|(position, (k, (_, arg)))| {
                (
                    position + 1,
                    self.activity
                        .is_active(*arg)
                        .then_some(Part::Partial(value, k)),
                )
            })
            .collect();
        if !self.saves.any_saved(value) {
            let mutability = mutable.then(|| quote!(mut));
            let name = primal(value);
            let parts = partials.iter().map(|(_, part)| match part {
                Some(Part::Partial(v, k)) => {
                    let d = partial(*v, *k);
                    quote!(#d)
                }
                _ => quote!(_),
            });
            return quote!(let (#mutability #name, #(#parts),*) = #call;);
        }
        let temporary = names::temporary(value);
        let mut out = quote!(let #temporary = #call;);
        out.extend(self.bind(Part::Value(value), mutable, None, quote!(#temporary.0)));
        for (position, part) in partials {
            if let Some(part) = part {
                let index = syn::Index::from(position);
                out.extend(self.bind(part, false, None, quote!(#temporary.#index)));
            }
        }
        out
    }
}

/// A loop's item, or a part of one (`(i, s)` of `springs.iter().enumerate()`):
/// a reference into a constant collection, read by cloning what it points
/// at (`*s` would move a `Spring` out).
fn is_item_reference(body: &crate::ir::Body, value: ValueId) -> bool {
    match &body.def(value).op {
        Op::LoopItem => true,
        Op::Opaque(Opaque::Field { base, .. }) => is_item_reference(body, *base),
        _ => false,
    }
}

mod argmax;
mod checkpointed;
pub use checkpointed::{recomputed_iterations, Recomputed};
