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

use super::{assigned, span_of, unsupported, Lowered, Lowerer};
use crate::ir::{BufferInit, LoopKind, Node, Op, Opaque, SlotInit, ValueId};
use crate::signature::FloatTy;
use proc_macro2::Span;
use quote::quote;
use std::collections::HashMap;
use syn::spanned::Spanned;
use syn::{BinOp, Expr, Token};

/// A parsed iterator chain.
pub(super) enum Chain<'a> {
    /// The elements (or rows) of a buffer; `place` for `iter_mut`.
    Buffer {
        root: ValueId,
        prefix: Vec<ValueId>,
        place: bool,
    },
    /// Any other iterator, already lowered: its items are loop items.
    Other(ValueId),
    Enumerate(Box<Chain<'a>>),
    Zip(Box<Chain<'a>>, Box<Chain<'a>>),
    Map(Box<Chain<'a>>, &'a Expr),
    Rev(Box<Chain<'a>>),
}

impl Chain<'_> {
    /// Whether the chain reads a buffer (and so loops over an index).
    fn over_buffers(&self) -> bool {
        match self {
            Chain::Buffer { .. } => true,
            Chain::Other(_) => false,
            Chain::Enumerate(inner) | Chain::Map(inner, _) | Chain::Rev(inner) => {
                inner.over_buffers()
            }
            Chain::Zip(a, b) => a.over_buffers() || b.over_buffers(),
        }
    }
}

/// Iterator adapters with no lowering yet: an error on a buffer's iterator
/// rather than a misleading one further down the chain.
const UNSUPPORTED_ADAPTERS: &[&str] = &[
    "skip",
    "take",
    "step_by",
    "filter",
    "filter_map",
    "skip_while",
    "take_while",
    "windows",
    "chunks",
    "chunks_exact",
    "flat_map",
    "scan",
    "peekable",
    "chain",
    "cycle",
    "max_by",
    "min_by",
    "inspect",
];

impl Lowerer {
    /// Parses `expr` as an iterator chain.
    pub(super) fn parse_chain<'a>(&mut self, expr: &'a Expr) -> syn::Result<Chain<'a>> {
        match expr {
            Expr::Paren(paren) => self.parse_chain(&paren.expr),
            Expr::Reference(reference) if reference.mutability.is_none() => {
                let lowered = self.lower_expr(&reference.expr)?;
                match self.as_buffer(&lowered) {
                    Some((root, prefix)) => Ok(Chain::Buffer {
                        root,
                        prefix,
                        place: false,
                    }),
                    None => {
                        let value = self.expect_value(
                            lowered,
                            span_of(&reference.expr),
                            "this expression",
                        )?;
                        let op = Op::Opaque(Opaque::Ref(value));
                        Ok(Chain::Other(self.push(op, span_of(expr))))
                    }
                }
            }
            Expr::MethodCall(call)
                if UNSUPPORTED_ADAPTERS.contains(&call.method.to_string().as_str()) =>
            {
                match self.parse_chain(&call.receiver)? {
                    // On any other iterator (a range, a constant collection) it is
                    // kept as written.
                    Chain::Other(value) => self.method_on_other(value, call),
                    _ => Err(unsupported(
                        call.method.span(),
                        &format!("`{}` on an iterator over a buffer or with `map` (supported: `iter`, `iter_mut`, `enumerate`, `zip`, `rev`, `map`, then `sum`, `product`, `fold`, `collect`)", call.method),
                    )),
                }
            }
            Expr::MethodCall(call) if self.is_adapter(call) => {
                let name = call.method.to_string();
                let inner = self.parse_chain(&call.receiver)?;
                let inner = match inner {
                    // `f(x).iter()`: the call's result is a buffer.
                    Chain::Other(value)
                        if matches!(name.as_str(), "iter" | "into_iter" | "iter_mut")
                            && self.is_call(value) =>
                    {
                        self.promote_call_result(&Lowered::Value(value), 1);
                        Chain::Buffer {
                            root: value,
                            prefix: Vec::new(),
                            place: false,
                        }
                    }
                    other => other,
                };
                let args = &call.args;
                match (name.as_str(), inner) {
                    ("iter" | "into_iter" | "iter_mut", Chain::Buffer { root, prefix, .. }) => {
                        Ok(Chain::Buffer {
                            root,
                            prefix,
                            place: name == "iter_mut",
                        })
                    }
                    ("copied" | "cloned", chain @ Chain::Buffer { .. }) => Ok(chain),
                    ("copied" | "cloned", chain) if chain.over_buffers() => Ok(chain),
                    // A closure is applied per item, whatever the source.
                    ("map", inner) => Ok(Chain::Map(Box::new(inner), &args[0])),
                    // A chain over something else stays as written.
                    (_, Chain::Other(value)) => self.method_on_other(value, call),
                    ("enumerate", inner) => Ok(Chain::Enumerate(Box::new(inner))),
                    ("rev", inner) => Ok(Chain::Rev(Box::new(inner))),
                    ("zip", inner) => {
                        let other = self.parse_chain(&args[0])?;
                        Ok(Chain::Zip(Box::new(inner), Box::new(other)))
                    }
                    (_, inner) => Ok(inner),
                }
            }
            other => {
                let lowered = self.lower_expr(other)?;
                self.promote_call_result(&lowered, 1);
                match self.as_buffer(&lowered) {
                    Some((root, prefix)) => Ok(Chain::Buffer {
                        root,
                        prefix,
                        place: false,
                    }),
                    None => Ok(Chain::Other(self.expect_value(
                        lowered,
                        other.span(),
                        "this expression",
                    )?)),
                }
            }
        }
    }

    fn is_call(&self, value: ValueId) -> bool {
        matches!(self.values[value.0].op, Op::Opaque(Opaque::Call { .. }))
    }

    /// `iterator.method(args)` on an iterator that is not over buffers: kept as
    /// written, its items constants.
    fn method_on_other(
        &mut self,
        iterator: ValueId,
        call: &syn::ExprMethodCall,
    ) -> syn::Result<Chain<'static>> {
        let args = call
            .args
            .iter()
            .map(|arg| self.lower_value(arg))
            .collect::<syn::Result<Vec<_>>>()?;
        let op = Op::Opaque(Opaque::Method {
            receiver: iterator,
            method: call.method.clone(),
            turbofish: call.turbofish.clone(),
            args,
        });
        Ok(Chain::Other(self.push(op, call.method.span())))
    }

    /// The methods a chain is made of.
    fn is_adapter(&self, call: &syn::ExprMethodCall) -> bool {
        let arity = call.args.len();
        match call.method.to_string().as_str() {
            "iter" | "into_iter" | "iter_mut" | "copied" | "cloned" | "enumerate" | "rev" => {
                arity == 0
            }
            "map" | "zip" => arity == 1,
            _ => false,
        }
    }

    /// The number of items of a chain over buffers: the shortest buffer.
    fn chain_len(&mut self, chain: &Chain, span: Span) -> syn::Result<Option<ValueId>> {
        Ok(match chain {
            Chain::Buffer { root, prefix, .. } => {
                let receiver = match prefix.is_empty() {
                    true => *root,
                    false => self.materialize_view(*root, prefix.clone(), span),
                };
                let op = Op::Opaque(Opaque::Method {
                    receiver,
                    method: syn::Ident::new("len", span),
                    turbofish: None,
                    args: Vec::new(),
                });
                Some(self.push(op, span))
            }
            // A constant collection or range zipped with a buffer
            // (`xs.iter().zip(labels)`): its length, as `zip` stops there.
            Chain::Other(value) => {
                let (collection, _) = self.collection_behind(*value);
                let op = Op::Opaque(Opaque::Method {
                    receiver: collection,
                    method: syn::Ident::new("len", span),
                    turbofish: None,
                    args: Vec::new(),
                });
                Some(self.push(op, span))
            }
            Chain::Enumerate(inner) | Chain::Map(inner, _) | Chain::Rev(inner) => {
                self.chain_len(inner, span)?
            }
            Chain::Zip(a, b) => match (self.chain_len(a, span)?, self.chain_len(b, span)?) {
                (Some(a), Some(b)) => {
                    let op = Op::Opaque(Opaque::Method {
                        receiver: a,
                        method: syn::Ident::new("min", span),
                        turbofish: None,
                        args: vec![b],
                    });
                    Some(self.push(op, span))
                }
                (a, b) => a.or(b),
            },
        })
    }

    /// The item of `chain` at index `k` (of `len`).
    fn chain_item(
        &mut self,
        chain: &Chain,
        k: ValueId,
        len: ValueId,
        span: Span,
    ) -> syn::Result<Lowered> {
        Ok(match chain {
            Chain::Buffer {
                root,
                prefix,
                place,
            } => {
                let mut indices = prefix.clone();
                indices.push(k);
                let depth = self.buffer_depths.get(root).copied().unwrap_or(1);
                if *place || indices.len() < depth {
                    Lowered::View(*root, indices)
                } else {
                    let element = self.push(
                        Op::Index {
                            base: *root,
                            indices,
                        },
                        span,
                    );
                    self.by_reference.insert(element);
                    Lowered::Value(element)
                }
            }
            // The k-th item of a constant collection zipped with a buffer:
            // `start + k` of a range, `&labels[k]` of a slice or array.
            Chain::Other(value) => match &self.values[value.0].op {
                Op::Opaque(Opaque::Range {
                    start: Some(start), ..
                }) => {
                    let start = *start;
                    let op = Op::Opaque(Opaque::Binary(BinOp::Add(Token![+](span)), start, k));
                    Lowered::Value(self.push(op, span))
                }
                _ => {
                    let (base, by_value) = self.collection_behind(*value);
                    let op = Op::Opaque(Opaque::Index {
                        base,
                        indices: vec![k],
                        borrowed: !by_value,
                    });
                    Lowered::Value(self.push(op, span))
                }
            },
            Chain::Enumerate(inner) => Lowered::Tuple(vec![
                Lowered::Value(k),
                self.chain_item(inner, k, len, span)?,
            ]),
            Chain::Zip(a, b) => Lowered::Tuple(vec![
                self.chain_item(a, k, len, span)?,
                self.chain_item(b, k, len, span)?,
            ]),
            Chain::Map(inner, function) => {
                let item = self.chain_item(inner, k, len, span)?;
                self.apply(function, vec![item], span)?
            }
            Chain::Rev(inner) => {
                // The k-th item from the end: len - 1 - k.
                let one = self.push(Op::Const(quote!(1)), span);
                let last = self.push(
                    Op::Opaque(Opaque::Binary(BinOp::Sub(Token![-](span)), len, one)),
                    span,
                );
                let back = self.push(
                    Op::Opaque(Opaque::Binary(BinOp::Sub(Token![-](span)), last, k)),
                    span,
                );
                self.chain_item(inner, back, len, span)?
            }
        })
    }

    /// The collection an iterator over constants reads (`labels` of
    /// `labels.iter()`), and whether its items are values (`.copied()`) rather
    /// than references.
    fn collection_behind(&self, mut value: ValueId) -> (ValueId, bool) {
        let mut by_value = false;
        while let Op::Opaque(Opaque::Method {
            receiver,
            method,
            args,
            ..
        }) = &self.values[value.0].op
        {
            match method.to_string().as_str() {
                "iter" | "into_iter" if args.is_empty() => {}
                "copied" | "cloned" if args.is_empty() => by_value = true,
                _ => break,
            }
            value = *receiver;
        }
        (value, by_value)
    }

    /// The item of a chain over something else: maps applied to the loop item.
    fn other_item(&mut self, chain: &Chain, item: ValueId, span: Span) -> syn::Result<Lowered> {
        match chain {
            Chain::Other(_) => Ok(Lowered::Value(item)),
            Chain::Map(inner, function) => {
                let item = self.other_item(inner, item, span)?;
                self.apply(function, vec![item], span)
            }
            _ => Err(unsupported(
                span,
                "this iterator adapter on something that is not a buffer",
            )),
        }
    }

    /// The iterator at the bottom of a chain over something else.
    fn other_source(chain: &Chain) -> Option<ValueId> {
        match chain {
            Chain::Other(value) => Some(*value),
            Chain::Map(inner, _) => Self::other_source(inner),
            _ => None,
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
                if closure.inputs.len() != args.len() {
                    return Err(syn::Error::new(
                        closure.or1_token.span,
                        "this closure takes a different number of arguments",
                    ));
                }
                self.scopes.push(HashMap::new());
                for (pat, arg) in closure.inputs.iter().zip(args) {
                    // `|v: &f64|`: the item is already the float.
                    let pat = match pat {
                        syn::Pat::Type(typed) => &*typed.pat,
                        other => other,
                    };
                    self.binding_references = true;
                    let bound = self.bind_pattern(pat, arg, None);
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
                self.call_with(path.clone(), args, span)
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
        let lowered = match len {
            Some(len) => self.chain_item(chain, item, len, span)?,
            None => self.other_item(chain, item, span)?,
        };
        body(self, lowered)?;
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
            ("sum" | "product" | "collect", 0) | ("fold", 2)
        );
        if !consumer {
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
        if name == "collect" {
            let func: syn::ExprPath = syn::parse_quote!(::std::vec::Vec::new);
            let buffer = self.new_buffer(
                BufferInit::Empty {
                    func,
                    args: Vec::new(),
                },
                span,
            );
            self.loop_over(&chain, &None, span, &mut |lowerer, item| {
                let value = lowerer.expect_value(item, span, "an item")?;
                let value = lowerer.float(value);
                lowerer.push_node(Node::Push {
                    base: buffer,
                    value,
                });
                Ok(())
            })?;
            return Ok(Some(Lowered::Value(buffer)));
        }
        let init = match name.as_str() {
            "sum" => self.push(Op::Const(self.identity(call, 0.0)), span),
            "product" => self.push(Op::Const(self.identity(call, 1.0)), span),
            _ => self.lower_float(&call.args[0])?,
        };
        let accumulator = self.declare_slot(&format!("{name} accumulator"), SlotInit::Value(init));
        let combine = call.args.last().filter(|_| name == "fold");
        self.loop_over(&chain, &None, span, &mut |lowerer, item| {
            let current = lowerer.push(Op::ReadSlot(accumulator), span);
            let next = match (name.as_str(), combine) {
                ("fold", Some(function)) => {
                    let next =
                        lowerer.apply(function, vec![Lowered::Value(current), item], span)?;
                    lowerer.expect_value(next, span, "the folded value")?
                }
                (op, _) => {
                    let item = lowerer.expect_value(item, span, "an item")?;
                    let item = lowerer.float(item);
                    let arith = if op == "sum" {
                        crate::ir::Arith::Add
                    } else {
                        crate::ir::Arith::Mul
                    };
                    lowerer.push(Op::Arith(arith, current, item), span)
                }
            };
            lowerer.push_node(Node::Write {
                slot: accumulator,
                value: next,
            });
            lowerer.slot_reads.remove(&accumulator);
            Ok(())
        })?;
        Ok(Some(Lowered::Value(
            self.push(Op::ReadSlot(accumulator), span),
        )))
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
