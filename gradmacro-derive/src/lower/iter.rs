//! Iterators, as Rust programmers write them: `for v in x.iter()`, `for &v in x`,
//! `x.iter().enumerate()`, `.zip(..)`, `.map(..).sum()`, `.fold(..)`,
//! `.product()`, `.collect()`.
//!
//! An iterator chain over buffers becomes a loop over an index `k in 0..len`
//! (the shortest buffer's length, as `zip` stops there), and each item is
//! computed from `k`: an element read, a row view, a tuple of them, `k` itself for
//! `enumerate`, or a closure's result for `map`. `rev` reverses the index for
//! what it wraps. A consumer (`sum`, `product`, `fold`, `collect`) is that loop
//! plus an accumulator. Items are then ordinary values, so the rest of the
//! pipeline (activity, saves, the reverse loop) needs nothing new. A chain that
//! does not start from a buffer (a range, a constant collection) is iterated as
//! it is, its items being constants.

use super::chain::Chain;
use super::{assigned, unsupported, Lowered, Lowerer};
use crate::ir::{BufferInit, LoopKind, Node, Op, Opaque, SlotInit, ValueId};
use crate::signature::FloatTy;
use proc_macro2::Span;
use quote::quote;
use std::collections::HashMap;
use syn::spanned::Spanned;
use syn::Expr;

/// An adapter above a `filter`, applied per item in the loop's body.
enum Layer<'a> {
    Map(&'a Expr),
    Filter(&'a Expr),
}

/// A chain with `filter`s under its outer `map`s: the chain below them and
/// those adapters, innermost first. Any other chain is returned whole.
fn filter_layers<'c, 'a>(chain: &'c Chain<'a>) -> (&'c Chain<'a>, Vec<Layer<'a>>) {
    let mut layers = Vec::new();
    let mut below = chain;
    while let Chain::Map(inner, adapter) | Chain::Filter(inner, adapter) = below {
        layers.push(match below {
            Chain::Filter(..) => Layer::Filter(adapter),
            _ => Layer::Map(adapter),
        });
        below = inner;
    }
    if !layers.iter().any(|layer| matches!(layer, Layer::Filter(_))) {
        return (chain, Vec::new());
    }
    layers.reverse();
    (below, layers)
}

/// What a constant iterator's items are (see `Lowerer::item_shape`).
enum Shape {
    Value,
    Reference,
    Tuple(Vec<Shape>),
}

/// The accumulator of a reduction: a slot, or a tuple of them.
enum Accumulator {
    Slot(crate::ir::SlotId),
    Tuple(Vec<Accumulator>),
}

impl Lowerer {
    /// A collected item and its depth: a float (0), or a buffer, slice or
    /// row, made a buffer of its own.
    pub(super) fn collected_row(
        &mut self,
        item: Lowered,
        span: Span,
    ) -> syn::Result<(ValueId, usize)> {
        let depth_of = |lowerer: &Self, root: ValueId, prefix: usize| {
            let depth = lowerer.buffer_depths.get(&root).copied().unwrap_or(1);
            depth.saturating_sub(prefix)
        };
        match item {
            Lowered::Slice(slice) => {
                let depth = depth_of(self, slice.root, slice.prefix.len());
                let init = BufferInit::Copy {
                    source: slice.root,
                    prefix: slice.prefix,
                    method: Some(syn::Ident::new("to_vec", span)),
                    range: Some((slice.start, slice.end)),
                };
                Ok((self.new_buffer(init, span), depth))
            }
            Lowered::Value(value) if self.values[value.0].buffer => {
                let depth = depth_of(self, value, 0);
                if self.fresh_buffers.remove(&value) {
                    return Ok((value, depth));
                }
                let init = BufferInit::Copy {
                    source: value,
                    prefix: Vec::new(),
                    method: None,
                    range: None,
                };
                Ok((self.new_buffer(init, span), depth))
            }
            Lowered::View(root, prefix) if !self.is_place(root, &prefix) => {
                let depth = depth_of(self, root, prefix.len());
                let init = BufferInit::Copy {
                    source: root,
                    prefix,
                    method: None,
                    range: None,
                };
                Ok((self.new_buffer(init, span), depth))
            }
            other => {
                let value = self.expect_value(other, span, "an item")?;
                Ok((self.float(value), 0))
            }
        }
    }

    /// Applies a closure or a function path to lowered arguments.
    pub(super) fn apply(
        &mut self,
        function: &Expr,
        args: Vec<Lowered>,
        span: Span,
    ) -> syn::Result<Lowered> {
        match function {
            Expr::Closure(closure) => {
                super::closure::check_inlinable(closure)?;
                let closure = &*super::closure::returns_as_breaks(closure);
                if closure.inputs.len() != args.len() {
                    return Err(syn::Error::new(
                        closure.or1_token.span,
                        "this closure takes a different number of arguments",
                    ));
                }
                self.scopes.push(HashMap::new());
                for (pat, arg) in closure.inputs.iter().zip(args) {
                    // `|v: &f64|`: the item is already the float. `|t: f64|`
                    // keeps its type (`f(0.5)` passes a bare literal).
                    let (pat, ty) = match pat {
                        syn::Pat::Type(typed) => {
                            let float = FloatTy::of(&typed.ty).is_some();
                            (&*typed.pat, float.then(|| (*typed.ty).clone()))
                        }
                        other => (other, None),
                    };
                    self.binding_references = true;
                    let bound = self.bind_pattern(pat, arg, ty);
                    self.binding_references = false;
                    bound?;
                }
                let value = self.lower_expr(&closure.body);
                self.scopes.pop();
                value
            }
            Expr::Path(path) => {
                // A closure bound to a name: `.map(f)`.
                if let (None, Some(ident)) = (&path.qself, path.path.get_ident()) {
                    if let Some(Lowered::Closure(closure)) = self.read(ident) {
                        return self.inline_closure(&closure, args, span);
                    }
                }
                let args = args
                    .into_iter()
                    .map(|arg| {
                        self.expect_value(arg, span, "this argument")
                            .map(|v| self.float(v))
                    })
                    .collect::<syn::Result<Vec<_>>>()?;
                let mark = self.after_call.len();
                self.call_with(path.clone(), args, span, mark)
            }
            other => Err(unsupported(other.span(), "this kind of function argument")),
        }
    }

    /// Builds `for item in chain { body(item) }`, over an index for buffers.
    pub(super) fn loop_over(
        &mut self,
        chain: &Chain,
        label: &Option<syn::Label>,
        span: Span,
        body: &mut dyn FnMut(&mut Lowerer, Lowered) -> syn::Result<()>,
    ) -> syn::Result<()> {
        // `filter` (under `map`s): the loop walks what it filters, and the
        // rest runs for the items it keeps.
        let (chain, layers) = filter_layers(chain);
        let (iter, len) = if chain.over_buffers() {
            let len = self
                .chain_len(chain, span)?
                .unwrap_or_else(|| self.push(Op::Const(quote!(0usize)), span));
            let zero = self.push(Op::Const(quote!(0usize)), span);
            let range = Op::Opaque(Opaque::Range {
                start: Some(zero),
                end: Some(len),
                inclusive: false,
            });
            (self.push(range, span), Some(len))
        } else {
            let source = Self::other_source(chain).ok_or_else(|| {
                unsupported(
                    span,
                    "this iterator adapter on something that is not a buffer",
                )
            })?;
            (source, None)
        };
        let start = self.begin_loop(label, span);
        let pending_before = self.pending.len();
        self.open_block(true);
        self.scopes.push(HashMap::new());
        let item = self.push(Op::LoopItem, span);
        // `for x in xs.iter()` / `for x in &xs` of a constant collection: `x`
        // is a reference, read as `*x` where a float is needed.
        if len.is_none() && Self::other_source(chain).is_some_and(|s| self.yields_references(s)) {
            let dereferenced = self.push(Op::Deref(item), span);
            self.dereferenced.insert(item, dereferenced);
        }
        let lowered = match len {
            Some(_) => self.chain_item(chain, item, span)?,
            None => self.other_item(chain, item, span)?,
        };
        // `for (x, y) in xs.iter().zip(&ys)` of constant collections: the
        // references in the item are read as floats.
        let lowered = match (&lowered, chain) {
            (Lowered::Value(value), Chain::Other(source)) if *value == item => {
                match self.item_shape(*source) {
                    Shape::Tuple(parts) => self.shaped_item(item, &Shape::Tuple(parts), span),
                    _ => lowered,
                }
            }
            _ => lowered,
        };
        self.apply_layers(&layers, lowered, span, body)?;
        self.scopes.pop();
        let block = self.close_block();
        self.finish_loop(
            LoopKind::For { item, iter },
            block,
            start,
            pending_before,
            span,
        );
        Ok(())
    }

    /// Whether an iterator over something other than a buffer visibly yields
    /// references: `xs.iter()` or `&xs`.
    /// The shape of the items of a constant iterator: references, values,
    /// or tuples of them (`zip`, `enumerate`).
    fn item_shape(&self, iterator: ValueId) -> Shape {
        match &self.values[iterator.0].op {
            Op::Opaque(Opaque::Method {
                method,
                receiver,
                args,
                ..
            }) => match (method.to_string().as_str(), args.as_slice()) {
                ("zip", [other]) => {
                    Shape::Tuple(vec![self.item_shape(*receiver), self.item_shape(*other)])
                }
                ("enumerate", []) => Shape::Tuple(vec![Shape::Value, self.item_shape(*receiver)]),
                _ if self.yields_references(iterator) => Shape::Reference,
                _ => Shape::Value,
            },
            _ if self.yields_references(iterator) => Shape::Reference,
            _ => Shape::Value,
        }
    }

    /// An item of `shape`: a reference read through `*`, a tuple's parts.
    fn shaped_item(&mut self, item: ValueId, shape: &Shape, span: Span) -> Lowered {
        match shape {
            Shape::Value => Lowered::Value(item),
            // The reference itself (a method may be called on it), read as
            // `*r` where a float is needed (see `Lowerer::float`).
            Shape::Reference => {
                let dereferenced = self.push(Op::Deref(item), span);
                self.dereferenced.insert(item, dereferenced);
                Lowered::Value(item)
            }
            Shape::Tuple(parts) => Lowered::Tuple(
                parts
                    .iter()
                    .enumerate()
                    .map(|(index, part)| {
                        let field = self.tuple_field(item, index, span);
                        self.shaped_item(field, part, span)
                    })
                    .collect(),
            ),
        }
    }

    fn yields_references(&self, iterator: ValueId) -> bool {
        match &self.values[iterator.0].op {
            // `&xs`, `&self.ys`
            Op::Opaque(Opaque::Ref(_) | Opaque::Field { borrowed: true, .. }) => true,
            Op::Opaque(Opaque::Method { method, args, .. }) => method == "iter" && args.is_empty(),
            _ => false,
        }
    }

    /// The `map`s and `filter`s above a filtered chain applied to an item,
    /// innermost first: a filter's predicate guards the rest.
    fn apply_layers(
        &mut self,
        layers: &[Layer],
        item: Lowered,
        span: Span,
        body: &mut dyn FnMut(&mut Lowerer, Lowered) -> syn::Result<()>,
    ) -> syn::Result<()> {
        let Some((layer, rest)) = layers.split_first() else {
            return body(self, item);
        };
        match layer {
            Layer::Map(function) => {
                let item = self.apply(function, vec![item], span)?;
                self.apply_layers(rest, item, span, body)
            }
            Layer::Filter(predicate) => {
                let keep = self.apply(predicate, vec![item.clone()], span)?;
                let cond = self.expect_value(keep, span, "a `filter` predicate's result")?;
                self.open_block(false);
                self.scopes.push(HashMap::new());
                let kept = self.apply_layers(rest, item, span, body);
                self.scopes.pop();
                let then = self.close_block();
                kept?;
                self.push_if_then(cond, then);
                Ok(())
            }
        }
    }

    /// A consumer at the end of a chain, if `call` is one: `sum`, `product`,
    /// `fold`, `collect`.
    pub(super) fn lower_consumer(
        &mut self,
        call: &syn::ExprMethodCall,
    ) -> syn::Result<Option<Lowered>> {
        let name = call.method.to_string();
        let span = call.method.span();
        let consumer = matches!(
            (name.as_str(), call.args.len()),
            ("sum" | "product" | "collect" | "count", 0) | ("fold", 2) | ("for_each", 1)
        );
        if !consumer {
            return Ok(None);
        }
        // `sum::<usize>()`: an integer reduction, kept as written (its
        // closures too, see `kept_closure.rs`).
        let integer_turbofish = call.turbofish.as_ref().is_some_and(|turbofish| {
            turbofish.args.iter().any(|arg| {
                matches!(arg, syn::GenericArgument::Type(ty)
                    if super::expr::cast_target(ty) == crate::ir::CastTarget::Integer)
            })
        });
        if integer_turbofish && matches!(name.as_str(), "sum" | "product") {
            return Ok(None);
        }
        // Assignments inside the closures are to variables declared outside.
        let mut names = std::collections::BTreeMap::new();
        let mut receiver = &*call.receiver;
        while let Expr::MethodCall(inner) = receiver {
            for arg in &inner.args {
                if let Expr::Closure(closure) = arg {
                    names.extend(assigned::in_expr(&closure.body));
                }
            }
            receiver = &inner.receiver;
        }
        if let Some(Expr::Closure(closure)) = call.args.last() {
            names.extend(assigned::in_expr(&closure.body));
        }
        self.slots_for(&names, span)?;
        let chain = self.parse_chain(&call.receiver)?;
        // `.for_each(|e| ..)`: the closure's body for every item, as a loop.
        if name == "for_each" {
            let function = &call.args[0];
            self.loop_over(&chain, &None, span, &mut |lowerer, item| {
                lowerer.apply(function, vec![item], span).map(|_| ())
            })?;
            return Ok(Some(Lowered::Unit));
        }
        if name == "count" {
            return self.count_items(&chain, call).map(Some);
        }
        // A sum of a constant collection's items (`let m: usize =
        // labels.iter().sum();`): a constant, kept as written.
        if let (Chain::Other(iterator), "sum" | "product") = (&chain, name.as_str()) {
            let op = Op::Opaque(crate::ir::Opaque::Method {
                receiver: *iterator,
                method: call.method.clone(),
                turbofish: call.turbofish.clone(),
                args: Vec::new(),
            });
            return Ok(Some(Lowered::Value(self.push(op, span))));
        }
        if name == "collect" {
            let func: syn::ExprPath = syn::parse_quote!(::std::vec::Vec::new);
            let buffer = self.new_buffer(
                BufferInit::Empty {
                    func,
                    args: Vec::new(),
                },
                span,
            );
            let mut row_depth = None;
            self.loop_over(&chain, &None, span, &mut |lowerer, item| {
                // Rows (`m[i*n..(i+1)*n].to_vec()`, `chunks_exact(3)`): each
                // is a buffer of its own, copied unless it was just made.
                let (value, depth) = lowerer.collected_row(item, span)?;
                if depth > 0 {
                    row_depth = Some(depth);
                }
                lowerer.push_node(Node::Push {
                    base: buffer,
                    value,
                });
                Ok(())
            })?;
            if let Some(depth) = row_depth {
                self.buffer_depths.insert(buffer, depth + 1);
            }
            // `collect::<Vec<f64>>()`: the type the items alone may not fix
            // (literal items are `{float}`), kept on the buffer.
            if let Some(turbofish) = &call.turbofish {
                if let [syn::GenericArgument::Type(ty)] =
                    turbofish.args.iter().collect::<Vec<_>>()[..]
                {
                    if self.values[buffer.0].ty.is_none() {
                        self.values[buffer.0].ty = Some(ty.clone());
                    }
                }
            }
            self.fresh_buffers.insert(buffer);
            return Ok(Some(Lowered::Value(buffer)));
        }
        let init = match name.as_str() {
            "sum" => Lowered::Value(self.push(Op::Const(self.identity(call, 0.0)), span)),
            "product" => Lowered::Value(self.push(Op::Const(self.identity(call, 1.0)), span)),
            _ => self.lower_expr(&call.args[0])?,
        };
        let accumulator = self.declare_accumulator(&format!("{name} accumulator"), init, span)?;
        let combine = call.args.last().filter(|_| name == "fold");
        self.loop_over(&chain, &None, span, &mut |lowerer, item| {
            let current = lowerer.read_accumulator(&accumulator, span);
            let next = match (name.as_str(), combine) {
                ("fold", Some(function)) => lowerer.apply(function, vec![current, item], span)?,
                (op, _) => {
                    let current = lowerer.expect_value(current, span, "the sum")?;
                    let item = lowerer.expect_value(item, span, "an item")?;
                    let item = lowerer.float(item);
                    let arith = if op == "sum" {
                        crate::ir::Arith::Add
                    } else {
                        crate::ir::Arith::Mul
                    };
                    Lowered::Value(lowerer.push(Op::Arith(arith, current, item), span))
                }
            };
            lowerer.write_accumulator(&accumulator, next, span)
        })?;
        Ok(Some(self.read_accumulator(&accumulator, span)))
    }

    /// `.count()` of a chain: of a constant iterator as written, of one
    /// over buffers (`x.iter().filter(|&&v| v > t).count()`) an integer
    /// counter stepped in the loop the chain stands for.
    fn count_items(&mut self, chain: &Chain, call: &syn::ExprMethodCall) -> syn::Result<Lowered> {
        let span = call.method.span();
        if let Chain::Other(iterator) = chain {
            let op = Op::Opaque(crate::ir::Opaque::Method {
                receiver: *iterator,
                method: call.method.clone(),
                turbofish: call.turbofish.clone(),
                args: Vec::new(),
            });
            return Ok(Lowered::Value(self.push(op, span)));
        }
        let zero = self.push(Op::Const(quote!(0usize)), span);
        let counter = self.declare_slot("count", SlotInit::Value(zero));
        self.integer_slots.insert(counter);
        self.loop_over(chain, &None, span, &mut |lowerer, _item| {
            let current = lowerer.push(Op::ReadSlot(counter), span);
            let one = lowerer.push(Op::Const(quote!(1usize)), span);
            let next = lowerer.push(Op::Arith(crate::ir::Arith::Add, current, one), span);
            lowerer.push_node(Node::Write {
                slot: counter,
                value: next,
            });
            Ok(())
        })?;
        Ok(Lowered::Value(self.push(Op::ReadSlot(counter), span)))
    }

    /// A reduction's accumulator: a slot, or for a tuple (`fold((0.0, 0.0),
    /// |(s, q), v| (s + v, q + v * v))`) one per element.
    fn declare_accumulator(
        &mut self,
        name: &str,
        init: Lowered,
        span: Span,
    ) -> syn::Result<Accumulator> {
        match init {
            Lowered::Tuple(elements) => Ok(Accumulator::Tuple(
                elements
                    .into_iter()
                    .map(|element| self.declare_accumulator(name, element, span))
                    .collect::<syn::Result<_>>()?,
            )),
            other => {
                let value = self.expect_value(other, span, "the start of the fold")?;
                let value = self.float(value);
                Ok(Accumulator::Slot(
                    self.declare_slot(name, SlotInit::Value(value)),
                ))
            }
        }
    }

    fn read_accumulator(&mut self, accumulator: &Accumulator, span: Span) -> Lowered {
        match accumulator {
            Accumulator::Slot(slot) => Lowered::Value(self.push(Op::ReadSlot(*slot), span)),
            Accumulator::Tuple(parts) => Lowered::Tuple(
                parts
                    .iter()
                    .map(|part| self.read_accumulator(part, span))
                    .collect(),
            ),
        }
    }

    fn write_accumulator(
        &mut self,
        accumulator: &Accumulator,
        next: Lowered,
        span: Span,
    ) -> syn::Result<()> {
        match (accumulator, next) {
            (Accumulator::Tuple(parts), Lowered::Tuple(elements))
                if parts.len() == elements.len() =>
            {
                for (part, element) in parts.iter().zip(elements) {
                    self.write_accumulator(part, element, span)?;
                }
                Ok(())
            }
            (Accumulator::Tuple(_), _) => Err(syn::Error::new(
                span,
                "this fold's closure returns something other than a tuple of the accumulator's shape",
            )),
            (Accumulator::Slot(slot), next) => {
                let value = self.expect_value(next, span, "the folded value")?;
                self.push_node(Node::Write { slot: *slot, value });
                self.slot_reads.remove(slot);
                Ok(())
            }
        }
    }

    /// The start of a `sum` (0) or `product` (1), typed by the turbofish
    /// (`sum::<f64>()`) or, in a function generic over `T: Float`, a `T`:
    /// the items may be untyped literals (`map(|_| 2.0)`), which leave a bare
    /// `0.0` ambiguous.
    fn identity(&self, call: &syn::ExprMethodCall, value: f64) -> proc_macro2::TokenStream {
        let generic = self
            .generic_float
            .as_deref()
            .map(|name| syn::Ident::new(name, call.method.span()));
        let named = call.turbofish.as_ref().and_then(|turbofish| {
            match turbofish.args.iter().collect::<Vec<_>>()[..] {
                [syn::GenericArgument::Type(ty)] => FloatTy::of_in(ty, generic.as_ref()),
                _ => None,
            }
        });
        match named.or_else(|| generic.map(FloatTy::Generic)) {
            Some(float) => float.constant(value),
            None if value == 0.0 => quote!(0.0),
            None => quote!(1.0),
        }
    }
}
