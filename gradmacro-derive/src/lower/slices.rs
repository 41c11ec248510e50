//! Range slices of buffers: `&x[1..]`, `x[a..b]`, `m[r][..k]`, and the
//! windows and chunks iterators make of them.
//!
//! A slice is a view, not a copy: a buffer (or a row of one) and a range of
//! its last dimension. Its element `s[i]` is the buffer's element
//! `x[start + i]`, its length is `end - start`, and iterating it iterates that
//! range of indices; so every derivative goes to the buffer's own adjoint, at
//! the right offset, and nothing is copied. Where a slice has to be a Rust
//! value (passed to a function, printed) it is borrowed as written,
//! `&x[start..end]`, and a callee's pullback sends its adjoint back into that
//! range of the buffer's adjoint.

use super::{Lowered, Lowerer};
use crate::ir::{Arith, Op, Opaque, ValueId};
use proc_macro2::Span;
use quote::quote;
use syn::Expr;

/// `root[prefix..][start..end]`.
#[derive(Clone)]
pub(super) struct SliceView {
    pub root: ValueId,
    pub prefix: Vec<ValueId>,
    pub start: ValueId,
    pub end: ValueId,
}

impl Lowerer {
    /// Integer arithmetic on indices (`start + i`).
    pub(super) fn index_arith(
        &mut self,
        arith: Arith,
        a: ValueId,
        b: ValueId,
        span: Span,
    ) -> ValueId {
        self.push(Op::Arith(arith, a, b), span)
    }

    /// `base.method()` for an integer method (`min`, `saturating_sub`).
    pub(super) fn index_method(
        &mut self,
        receiver: ValueId,
        method: &str,
        args: Vec<ValueId>,
        span: Span,
    ) -> ValueId {
        let op = Op::Opaque(Opaque::Method {
            receiver,
            method: syn::Ident::new(method, span),
            turbofish: None,
            args,
        });
        self.push(op, span)
    }

    /// The length of a buffer or of a row of one.
    pub(super) fn row_len(&mut self, root: ValueId, prefix: &[ValueId], span: Span) -> ValueId {
        let receiver = match prefix.is_empty() {
            true => root,
            false => self.materialize_view(root, prefix.to_vec(), span),
        };
        self.index_method(receiver, "len", Vec::new(), span)
    }

    /// `base[range]` of a buffer, a row or a slice: a narrower slice.
    pub(super) fn slice_of(
        &mut self,
        base: &Lowered,
        range: &syn::ExprRange,
        span: Span,
    ) -> syn::Result<Option<SliceView>> {
        let (root, prefix, offset, limit) = match base {
            Lowered::Slice(slice) => (
                slice.root,
                slice.prefix.clone(),
                Some(slice.start),
                Some(slice.end),
            ),
            other => match self.as_buffer(other) {
                Some((root, prefix)) => (root, prefix, None, None),
                None => return Ok(None),
            },
        };
        let depth = self.buffer_depths.get(&root).copied().unwrap_or(1);
        if prefix.len() >= depth {
            return Err(syn::Error::new(span, "a float cannot be sliced"));
        }
        let start = match &range.start {
            Some(start) => {
                let start = self.lower_value(start)?;
                match offset {
                    Some(offset) => self.index_arith(Arith::Add, offset, start, span),
                    None => start,
                }
            }
            None => match offset {
                Some(offset) => offset,
                None => self.push(Op::Const(quote!(0usize)), span),
            },
        };
        let end = match &range.end {
            Some(end) => {
                let mut end = self.lower_value(end)?;
                if matches!(range.limits, syn::RangeLimits::Closed(_)) {
                    let one = self.push(Op::Const(quote!(1usize)), span);
                    end = self.index_arith(Arith::Add, end, one, span);
                }
                match offset {
                    Some(offset) => self.index_arith(Arith::Add, offset, end, span),
                    None => end,
                }
            }
            None => match limit {
                Some(limit) => limit,
                None => self.row_len(root, &prefix, span),
            },
        };
        Ok(Some(SliceView {
            root,
            prefix,
            start,
            end,
        }))
    }

    /// `s[i]` of a slice: the element (or row) `root[prefix..][start + i]`.
    pub(super) fn slice_element(
        &mut self,
        slice: &SliceView,
        index: ValueId,
        span: Span,
    ) -> Lowered {
        let at = self.index_arith(Arith::Add, slice.start, index, span);
        let mut indices = slice.prefix.clone();
        indices.push(at);
        let depth = self.buffer_depths.get(&slice.root).copied().unwrap_or(1);
        if indices.len() < depth {
            return Lowered::View(slice.root, indices);
        }
        Lowered::Value(self.push(
            Op::Index {
                base: slice.root,
                indices,
            },
            span,
        ))
    }

    /// `s.len()`: `end - start`.
    pub(super) fn slice_len(&mut self, slice: &SliceView, span: Span) -> ValueId {
        self.index_arith(Arith::Sub, slice.end, slice.start, span)
    }

    /// The slice as a Rust value: `&root[prefix..][start..end]`, borrowed.
    pub(super) fn materialize_slice(&mut self, slice: &SliceView, span: Span) -> ValueId {
        let op = Op::Opaque(Opaque::Slice {
            base: slice.root,
            prefix: slice.prefix.clone(),
            start: slice.start,
            end: slice.end,
        });
        self.push(op, span)
    }

    /// A method on a slice that the lowering knows: its length, a copy.
    pub(super) fn slice_method(
        &mut self,
        slice: &SliceView,
        call: &syn::ExprMethodCall,
    ) -> syn::Result<Option<Lowered>> {
        let span = call.method.span();
        let name = call.method.to_string();
        Ok(Some(match (name.as_str(), call.args.len()) {
            ("len", 0) => Lowered::Value(self.slice_len(slice, span)),
            ("is_empty", 0) => {
                let len = self.slice_len(slice, span);
                let zero = self.push(Op::Const(quote!(0usize)), span);
                let eq = syn::BinOp::Eq(syn::Token![==](span));
                Lowered::Value(self.push(Op::Opaque(Opaque::Binary(eq, len, zero)), span))
            }
            ("to_vec" | "to_owned", 0) => {
                let init = crate::ir::BufferInit::Copy {
                    source: slice.root,
                    prefix: slice.prefix.clone(),
                    method: Some(syn::Ident::new("to_vec", span)),
                    range: Some((slice.start, slice.end)),
                };
                Lowered::Value(self.new_buffer(init, span))
            }
            // `u[1..n - 1].copy_from_slice(..)`, `v[a..].fill(0.0)`: the
            // element reads and writes, through the view.
            _ => {
                let depth = self.buffer_depths.get(&slice.root).copied().unwrap_or(1);
                let depth = depth.saturating_sub(slice.prefix.len());
                return self.lower_buffer_method(call, depth);
            }
        }))
    }

    /// `x.split_at(mid)` (and `split_at_mut`) of a float buffer or slice: the
    /// two slices `(&x[..mid], &x[mid..])`.
    pub(super) fn lower_split_at(
        &mut self,
        call: &syn::ExprMethodCall,
    ) -> syn::Result<Option<Lowered>> {
        let name = call.method.to_string();
        if !matches!(name.as_str(), "split_at" | "split_at_mut") || call.args.len() != 1 {
            return Ok(None);
        }
        let receiver = self.lower_expr(&call.receiver)?;
        let is_slice = matches!(receiver, Lowered::Slice(_));
        if !is_slice && self.as_buffer(&receiver).is_none() {
            return Ok(None);
        }
        let (base, mid) = (&*call.receiver, &call.args[0]);
        let mid_name = crate::names::local("mid");
        let desugared: Expr = syn::parse_quote!({
            let #mid_name = #mid;
            (&(#base)[..#mid_name], &(#base)[#mid_name..])
        });
        self.lower_expr(&desugared).map(Some)
    }

    /// The `k`-th window (`windows(size)`) or chunk (`chunks(size)`,
    /// `chunks_exact(size)`) of a slice.
    pub(super) fn piece(
        &mut self,
        of: &SliceView,
        kind: Pieces,
        size: ValueId,
        k: ValueId,
        span: Span,
    ) -> SliceView {
        let (start, end) = match kind {
            Pieces::Windows => {
                let start = self.index_arith(Arith::Add, of.start, k, span);
                let end = self.index_arith(Arith::Add, start, size, span);
                (start, end)
            }
            Pieces::Chunks | Pieces::ChunksExact => {
                let offset = self.index_arith(Arith::Mul, k, size, span);
                let start = self.index_arith(Arith::Add, of.start, offset, span);
                let full = self.index_arith(Arith::Add, start, size, span);
                let end = match kind {
                    Pieces::Chunks => self.index_method(full, "min", vec![of.end], span),
                    _ => full,
                };
                (start, end)
            }
        };
        SliceView {
            root: of.root,
            prefix: of.prefix.clone(),
            start,
            end,
        }
    }

    /// How many windows or chunks of `size` a slice of `len` elements has.
    pub(super) fn piece_count(
        &mut self,
        kind: Pieces,
        len: ValueId,
        size: ValueId,
        span: Span,
    ) -> ValueId {
        match kind {
            // `len - size + 1`, or none when the slice is shorter.
            Pieces::Windows => {
                let one = self.push(Op::Const(quote!(1usize)), span);
                let longer = self.index_arith(Arith::Add, len, one, span);
                self.index_method(longer, "saturating_sub", vec![size], span)
            }
            Pieces::Chunks => self.index_method(len, "div_ceil", vec![size], span),
            Pieces::ChunksExact => self.index_arith(Arith::Div, len, size, span),
        }
    }
}

/// Which pieces of a slice an iterator yields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Pieces {
    Windows,
    Chunks,
    ChunksExact,
}

impl Pieces {
    pub(super) fn of_method(name: &str) -> Option<Pieces> {
        Some(match name {
            "windows" => Pieces::Windows,
            "chunks" => Pieces::Chunks,
            "chunks_exact" => Pieces::ChunksExact,
            _ => return None,
        })
    }
}

/// Whether an index expression is a range (`a..b`, `..`, `a..=b`).
pub(super) fn as_range(expr: &Expr) -> Option<&syn::ExprRange> {
    match expr {
        Expr::Range(range) => Some(range),
        Expr::Paren(paren) => as_range(&paren.expr),
        _ => None,
    }
}
