//! Iterator chains over buffers: `x.iter()`, `x[a..b].iter()`, `.enumerate()`,
//! `.zip(..)`, `.rev()`, `.map(..)`, `.skip(n)`, `.take(n)`, `.step_by(k)`,
//! and the slices `.windows(n)`, `.chunks(n)`, `.chunks_exact(n)` yield.
//!
//! A chain over buffers is a function of one index: it has a length and an
//! item at each index `k` (an element read, a row, a slice, a tuple, a
//! closure's result), computed from `k` alone, so the loop that walks it is
//! an index loop and every item an ordinary value. `zip` stops at the shorter
//! side, `rev` reads its own length back to front, `skip`, `take` and
//! `step_by` map the index. A chain over anything else (a range, a constant
//! collection) is iterated as written; its items are constants.

use super::slices::{Pieces, SliceView};
use super::{span_of, unsupported, Lowered, Lowerer};
use crate::ir::{Arith, Op, Opaque, ValueId};
use proc_macro2::Span;
use quote::quote;
use syn::spanned::Spanned;
use syn::{BinOp, Expr, Token};

/// A parsed iterator chain.
pub(super) enum Chain<'a> {
    /// The elements (or rows) of a buffer, or of a range of it (`range`:
    /// start and end); `place` for `iter_mut`.
    Buffer {
        root: ValueId,
        prefix: Vec<ValueId>,
        range: Option<(ValueId, ValueId)>,
        place: bool,
    },
    /// The windows or chunks of a slice, each a slice of it.
    Pieces {
        of: SliceView,
        kind: Pieces,
        size: ValueId,
    },
    /// Any other iterator, already lowered: its items are loop items.
    Other(ValueId),
    Enumerate(Box<Chain<'a>>),
    Zip(Box<Chain<'a>>, Box<Chain<'a>>),
    Map(Box<Chain<'a>>, &'a Expr),
    /// `filter(pred)`: only at the top of a chain, under `map`s (see
    /// `Lowerer::loop_over`): an item's position is then no longer a
    /// function of the index.
    Filter(Box<Chain<'a>>, &'a Expr),
    Rev(Box<Chain<'a>>),
    /// `skip(n)`, `take(n)` and `step_by(k)`: the index mapped.
    Skip(Box<Chain<'a>>, ValueId),
    Take(Box<Chain<'a>>, ValueId),
    StepBy(Box<Chain<'a>>, ValueId),
}

impl Chain<'_> {
    /// Whether the chain reads a buffer (and so loops over an index).
    pub(super) fn over_buffers(&self) -> bool {
        match self {
            Chain::Buffer { .. } | Chain::Pieces { .. } => true,
            Chain::Other(_) => false,
            Chain::Enumerate(inner)
            | Chain::Map(inner, _)
            | Chain::Filter(inner, _)
            | Chain::Rev(inner)
            | Chain::Skip(inner, _)
            | Chain::Take(inner, _)
            | Chain::StepBy(inner, _) => inner.over_buffers(),
            Chain::Zip(a, b) => a.over_buffers() || b.over_buffers(),
        }
    }
}

/// Iterator adapters with no lowering yet: an error on a buffer's iterator
/// rather than a misleading one further down the chain.
const UNSUPPORTED_ADAPTERS: &[&str] = &[
    "filter_map",
    "skip_while",
    "take_while",
    "flat_map",
    "scan",
    "peekable",
    "chain",
    "cycle",
    "max_by",
    "min_by",
    "inspect",
];

/// `filter` under an adapter that needs each item's position.
fn filter_below(span: Span) -> syn::Error {
    unsupported(
        span,
        "`filter` followed by an adapter other than `map` (only `map` and a consumer may follow it)",
    )
}

impl Lowerer {
    /// Parses `expr` as an iterator chain.
    pub(super) fn parse_chain<'a>(&mut self, expr: &'a Expr) -> syn::Result<Chain<'a>> {
        match expr {
            Expr::Paren(paren) => self.parse_chain(&paren.expr),
            Expr::Reference(reference) if reference.mutability.is_none() => {
                // `&self.ys`: the field borrowed where it is (a reference).
                if let Expr::Field(field) = &*reference.expr {
                    let lowered = self.lower_field(field, true)?;
                    if let Some(chain) = self.buffer_chain(&lowered) {
                        return Ok(chain);
                    }
                    let value = self.expect_value(lowered, span_of(expr), "this expression")?;
                    return Ok(Chain::Other(value));
                }
                let lowered = self.lower_expr(&reference.expr)?;
                if let Some(chain) = self.buffer_chain(&lowered) {
                    return Ok(chain);
                }
                let value =
                    self.expect_value(lowered, span_of(&reference.expr), "this expression")?;
                if self.is_borrowed_range(value) {
                    return Ok(Chain::Other(value));
                }
                let op = Op::Opaque(Opaque::Ref(value));
                Ok(Chain::Other(self.push(op, span_of(expr))))
            }
            // `for r in &mut v`: `v.iter_mut()`.
            Expr::Reference(reference) => {
                let lowered = self.lower_expr(&reference.expr)?;
                match self.buffer_chain(&lowered) {
                    Some(Chain::Buffer {
                        root,
                        prefix,
                        range,
                        ..
                    }) => Ok(Chain::Buffer {
                        root,
                        prefix,
                        range,
                        place: true,
                    }),
                    _ => Err(unsupported(
                        reference.and_token.span,
                        "iterating `&mut` over something that is not a float buffer",
                    )),
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
                        &format!("`{}` on an iterator over a buffer (the adapters are `iter`, `iter_mut`, `enumerate`, `zip`, `rev`, `map`, `filter`, `skip`, `take`, `step_by`, `windows`, `chunks`, `chunks_exact`, then `sum`, `product`, `for_each`, `fold`, `collect`; `max_by`, `min_by` and `reduce` directly on `iter()` or `iter().copied()`)", call.method),
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
                            range: None,
                            place: false,
                        }
                    }
                    other => other,
                };
                let args = &call.args;
                match (name.as_str(), inner) {
                    (
                        "iter" | "into_iter" | "iter_mut",
                        Chain::Buffer {
                            root,
                            prefix,
                            range,
                            ..
                        },
                    ) => Ok(Chain::Buffer {
                        root,
                        prefix,
                        range,
                        place: name == "iter_mut",
                    }),
                    (
                        "windows" | "chunks" | "chunks_exact",
                        Chain::Buffer {
                            root,
                            prefix,
                            range,
                            place: false,
                        },
                    ) => {
                        let kind = Pieces::of_method(&name).unwrap_or(Pieces::Chunks);
                        let span = call.method.span();
                        let whole = match range {
                            Some((start, end)) => SliceView {
                                root,
                                prefix,
                                start,
                                end,
                            },
                            None => {
                                let start = self.push(Op::Const(quote!(0usize)), span);
                                let end = self.row_len(root, &prefix, span);
                                SliceView {
                                    root,
                                    prefix,
                                    start,
                                    end,
                                }
                            }
                        };
                        let size = self.lower_value(&args[0])?;
                        Ok(Chain::Pieces {
                            of: whole,
                            kind,
                            size,
                        })
                    }
                    ("copied" | "cloned", chain @ Chain::Buffer { .. }) => Ok(chain),
                    ("copied" | "cloned", chain) if chain.over_buffers() => Ok(chain),
                    // A closure is applied per item, whatever the source.
                    ("map", inner) => Ok(Chain::Map(Box::new(inner), &args[0])),
                    // A constant iterator's `filter` is kept, with its closure
                    // (see `kept_closure.rs`): its items stay constants.
                    ("filter", Chain::Other(value)) => self.method_on_other(value, call),
                    ("filter", inner) => Ok(Chain::Filter(Box::new(inner), &args[0])),
                    // Constants zipped with a buffer (`self.diag.iter().zip(x)`):
                    // an index loop over both.
                    ("zip", Chain::Other(value)) => match self.parse_chain(&args[0])? {
                        Chain::Other(other) => {
                            let op = Op::Opaque(Opaque::Method {
                                receiver: value,
                                method: call.method.clone(),
                                turbofish: call.turbofish.clone(),
                                args: vec![other],
                            });
                            Ok(Chain::Other(self.push(op, call.method.span())))
                        }
                        other => Ok(Chain::Zip(Box::new(Chain::Other(value)), Box::new(other))),
                    },
                    // A chain over something else stays as written.
                    (_, Chain::Other(value)) => self.method_on_other(value, call),
                    ("enumerate", inner) => Ok(Chain::Enumerate(Box::new(inner))),
                    ("rev", inner) => Ok(Chain::Rev(Box::new(inner))),
                    ("skip" | "take" | "step_by", inner) => {
                        let count = self.lower_value(&args[0])?;
                        let inner = Box::new(inner);
                        Ok(match name.as_str() {
                            "skip" => Chain::Skip(inner, count),
                            "take" => Chain::Take(inner, count),
                            _ => Chain::StepBy(inner, count),
                        })
                    }
                    ("zip", inner) => {
                        let other = self.parse_chain(&args[0])?;
                        Ok(Chain::Zip(Box::new(inner), Box::new(other)))
                    }
                    (_, inner) => Ok(inner),
                }
            }
            other => {
                // `self.xs.iter()`: the field is borrowed, not moved.
                let lowered = match other {
                    Expr::Field(field) => self.lower_field(field, true)?,
                    other => self.lower_expr(other)?,
                };
                self.borrow_receiver_element(other, &lowered);
                self.promote_call_result(&lowered, 1);
                match self.buffer_chain(&lowered) {
                    Some(chain) => Ok(chain),
                    None => Ok(Chain::Other(self.expect_value(
                        lowered,
                        other.span(),
                        "this expression",
                    )?)),
                }
            }
        }
    }

    /// The chain of a buffer's, a row's or a slice's elements.
    fn buffer_chain(&self, lowered: &Lowered) -> Option<Chain<'static>> {
        if let Lowered::Slice(slice) = lowered {
            return Some(Chain::Buffer {
                root: slice.root,
                prefix: slice.prefix.clone(),
                range: Some((slice.start, slice.end)),
                place: false,
            });
        }
        let (root, prefix) = self.as_buffer(lowered)?;
        Some(Chain::Buffer {
            root,
            prefix,
            range: None,
            place: false,
        })
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
            .map(|arg| match arg {
                Expr::Closure(closure) => self.kept_closure(closure, &call.method),
                other => self.lower_value(other),
            })
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
            "map" | "filter" | "zip" | "skip" | "take" | "step_by" | "windows" | "chunks"
            | "chunks_exact" => arity == 1,
            _ => false,
        }
    }

    /// The number of items of a chain over buffers: the shortest buffer.
    pub(super) fn chain_len(&mut self, chain: &Chain, span: Span) -> syn::Result<Option<ValueId>> {
        Ok(match chain {
            Chain::Buffer {
                range: Some((start, end)),
                ..
            } => Some(self.index_arith(Arith::Sub, *end, *start, span)),
            Chain::Buffer { root, prefix, .. } => Some(self.row_len(*root, prefix, span)),
            Chain::Pieces { of, kind, size } => {
                let len = self.slice_len(of, span);
                Some(self.piece_count(*kind, len, *size, span))
            }
            Chain::Skip(inner, count) => self
                .chain_len(inner, span)?
                .map(|len| self.index_method(len, "saturating_sub", vec![*count], span)),
            Chain::Take(inner, count) => self
                .chain_len(inner, span)?
                .map(|len| self.index_method(len, "min", vec![*count], span)),
            Chain::StepBy(inner, step) => self
                .chain_len(inner, span)?
                .map(|len| self.index_method(len, "div_ceil", vec![*step], span)),
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
            Chain::Filter(..) => return Err(filter_below(span)),
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

    /// The item of `chain` at index `k`.
    pub(super) fn chain_item(
        &mut self,
        chain: &Chain,
        k: ValueId,
        span: Span,
    ) -> syn::Result<Lowered> {
        Ok(match chain {
            Chain::Buffer {
                root,
                prefix,
                range,
                place,
            } => {
                let at = match range {
                    Some((start, _)) => self.index_arith(Arith::Add, *start, k, span),
                    None => k,
                };
                let mut indices = prefix.clone();
                indices.push(at);
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
            Chain::Pieces { of, kind, size } => {
                let piece = self.piece(of, *kind, *size, k, span);
                Lowered::Slice(Box::new(piece))
            }
            Chain::Enumerate(inner) => {
                Lowered::Tuple(vec![Lowered::Value(k), self.chain_item(inner, k, span)?])
            }
            Chain::Zip(a, b) => Lowered::Tuple(vec![
                self.chain_item(a, k, span)?,
                self.chain_item(b, k, span)?,
            ]),
            Chain::Map(inner, function) => {
                let item = self.chain_item(inner, k, span)?;
                self.apply(function, vec![item], span)?
            }
            Chain::Filter(..) => return Err(filter_below(span)),
            Chain::Rev(inner) => {
                // The k-th item from the end of what `rev` wraps (which
                // may be longer than the zip around it): len - 1 - k.
                let len = self.chain_len(inner, span)?.ok_or_else(|| {
                    unsupported(span, "`rev` of an iterator whose length is not known")
                })?;
                let one = self.push(Op::Const(quote!(1usize)), span);
                let last = self.index_arith(Arith::Sub, len, one, span);
                let back = self.index_arith(Arith::Sub, last, k, span);
                self.chain_item(inner, back, span)?
            }
            Chain::Skip(inner, count) => {
                let at = self.index_arith(Arith::Add, *count, k, span);
                self.chain_item(inner, at, span)?
            }
            Chain::Take(inner, _) => self.chain_item(inner, k, span)?,
            Chain::StepBy(inner, step) => {
                let at = self.index_arith(Arith::Mul, k, *step, span);
                self.chain_item(inner, at, span)?
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
    pub(super) fn other_item(
        &mut self,
        chain: &Chain,
        item: ValueId,
        span: Span,
    ) -> syn::Result<Lowered> {
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
    pub(super) fn other_source(chain: &Chain) -> Option<ValueId> {
        match chain {
            Chain::Other(value) => Some(*value),
            Chain::Map(inner, _) => Self::other_source(inner),
            _ => None,
        }
    }
}
