//! Lowering of buffers: element reads and places, rows (views), local buffer
//! constructors, and call results used as buffers.

use super::{span_of, unsupported, Lowered, Lowerer};
use crate::ir::{BufferInit, Op, Opaque, ValueId};
use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::Expr;

impl Lowerer {
    /// `x[i]`, `m[r][c]`: an element of a float buffer (differentiable), a row of
    /// one (a view, indexed further or borrowed), or an index into anything else
    /// (a constant).
    pub(super) fn lower_index(&mut self, expr: &syn::ExprIndex) -> syn::Result<Lowered> {
        let (base_expr, index_exprs) = split_index(expr);
        // `self.weights[i]`: index the field where it is, not a moved-out copy.
        let base = match base_expr {
            Expr::Field(field) => self.lower_field(field, true)?,
            other => self.lower_expr(other)?,
        };
        self.promote_call_result(&base, index_exprs.len());
        // Ranges and slices: one index at a time (`x[1..][i]`, `m[r][a..b]`).
        let ranged = index_exprs
            .iter()
            .any(|e| super::slices::as_range(e).is_some());
        if ranged || matches!(base, Lowered::Slice(_)) {
            let mut current = base;
            for index_expr in index_exprs {
                current = self.index_one(current, index_expr, expr)?;
            }
            return Ok(current);
        }
        let (root, mut indices) = match self.as_buffer(&base) {
            Some(buffer) => buffer,
            None => {
                let other = base;
                let base = self.expect_value(other, span_of(base_expr), "this expression")?;
                let indices = index_exprs
                    .iter()
                    .map(|e| self.lower_value(e))
                    .collect::<syn::Result<Vec<_>>>()?;
                let op = Op::Opaque(Opaque::Index {
                    base,
                    indices,
                    borrowed: false,
                });
                return Ok(Lowered::Value(
                    self.push(op, expr.bracket_token.span.join()),
                ));
            }
        };
        for index in index_exprs {
            indices.push(self.lower_value(index)?);
        }
        let depth = self.buffer_depths.get(&root).copied().unwrap_or(1);
        if indices.len() < depth {
            return Ok(Lowered::View(root, indices));
        }
        if indices.len() > depth {
            return Err(syn::Error::new(
                expr.index.span(),
                "this buffer has fewer dimensions than indices",
            ));
        }
        Ok(Lowered::Value(self.push(
            Op::Index {
                base: root,
                indices,
            },
            expr.span(),
        )))
    }

    /// One index (or range) into a buffer, a row or a slice.
    fn index_one(
        &mut self,
        base: Lowered,
        index_expr: &Expr,
        whole: &syn::ExprIndex,
    ) -> syn::Result<Lowered> {
        let span = whole.bracket_token.span.join();
        if let Some(range) = super::slices::as_range(index_expr) {
            return match self.slice_of(&base, range, span)? {
                Some(slice) => Ok(Lowered::Slice(Box::new(slice))),
                // A range of a constant that is not a float buffer (`&idx[1..]`
                // of indices): kept as written, borrowed (`&idx[r]`).
                None => match base {
                    Lowered::Value(constant) => {
                        let range = self.lower_value(index_expr)?;
                        Ok(Lowered::Value(self.push(
                            Op::Opaque(Opaque::Index {
                                base: constant,
                                indices: vec![range],
                                borrowed: true,
                            }),
                            span,
                        )))
                    }
                    _ => Err(unsupported(
                        span,
                        "slicing something that is not a float buffer with a range",
                    )),
                },
            };
        }
        if let Lowered::Slice(slice) = &base {
            let index = self.lower_value(index_expr)?;
            return Ok(self.slice_element(slice, index, span));
        }
        let (root, mut indices) = self.as_buffer(&base).ok_or_else(|| {
            unsupported(
                span,
                "indexing a range slice of something that is not a float buffer",
            )
        })?;
        indices.push(self.lower_value(index_expr)?);
        let depth = self.buffer_depths.get(&root).copied().unwrap_or(1);
        if indices.len() < depth {
            return Ok(Lowered::View(root, indices));
        }
        if indices.len() > depth {
            return Err(syn::Error::new(
                index_expr.span(),
                "this buffer has fewer dimensions than indices",
            ));
        }
        Ok(Lowered::Value(self.push(
            Op::Index {
                base: root,
                indices,
            },
            span,
        )))
    }

    /// A view used as a value (`m[r].len()`): the row, borrowed.
    pub(super) fn materialize_view(
        &mut self,
        base: ValueId,
        indices: Vec<ValueId>,
        span: Span,
    ) -> ValueId {
        self.push(
            Op::Opaque(Opaque::Index {
                base,
                indices,
                borrowed: true,
            }),
            span,
        )
    }

    /// An element of a buffer literal: a float, or a (row) buffer.
    pub(super) fn lower_element(&mut self, expr: &Expr) -> syn::Result<ValueId> {
        let value = self.lower_value(expr)?;
        Ok(self.float(value))
    }

    /// `vec![elem; len]` and `vec![a, b, c]`.
    pub(super) fn lower_vec_macro(&mut self, mac: &syn::ExprMacro) -> syn::Result<Lowered> {
        let span = mac.mac.path.span();
        let parser = |input: syn::parse::ParseStream| -> syn::Result<(Vec<Expr>, Option<Expr>)> {
            if input.is_empty() {
                return Ok((Vec::new(), None));
            }
            let first: Expr = input.parse()?;
            if input.peek(syn::Token![;]) {
                input.parse::<syn::Token![;]>()?;
                return Ok((vec![first], Some(input.parse()?)));
            }
            let mut elems = vec![first];
            while !input.is_empty() {
                input.parse::<syn::Token![,]>()?;
                if input.is_empty() {
                    break;
                }
                elems.push(input.parse()?);
            }
            Ok((elems, None))
        };
        let (elems, len) = syn::parse::Parser::parse2(parser, mac.mac.tokens.clone())?;
        let init = match (elems.as_slice(), len) {
            ([elem], Some(len)) => {
                let elem = self.lower_element(elem)?;
                let len = self.lower_value(&len)?;
                BufferInit::Repeat {
                    elem,
                    len: crate::ir::RepeatLen::Vec(len),
                }
            }
            _ => {
                let elems = elems
                    .iter()
                    .map(|e| self.lower_element(e))
                    .collect::<syn::Result<Vec<_>>>()?;
                BufferInit::List { elems, vec: true }
            }
        };
        Ok(Lowered::Value(self.new_buffer(init, span)))
    }

    /// Defines a local buffer: mutable in place, with the depth its
    /// construction gives it.
    pub(super) fn new_buffer(&mut self, init: BufferInit, span: Span) -> ValueId {
        let depth_of = |lowerer: &Self, value: &ValueId| {
            lowerer.buffer_depths.get(value).copied().unwrap_or(0)
        };
        let depth = match &init {
            BufferInit::Repeat { elem, .. } => 1 + depth_of(self, elem),
            BufferInit::List { elems, .. } => 1 + elems.first().map_or(0, |e| depth_of(self, e)),
            BufferInit::Copy { source, prefix, .. } => {
                depth_of(self, source).saturating_sub(prefix.len()).max(1)
            }
            BufferInit::Empty { .. } => 1,
        };
        let value = self.push(Op::Buffer(init), span);
        self.values[value.0].buffer = true;
        self.values[value.0].mutable = true;
        self.buffer_depths.insert(value, depth);
        self.fresh_buffers.insert(value);
        value
    }

    /// A buffer or a row of one, if `lowered` is either: its root and prefix.
    pub(super) fn as_buffer(&self, lowered: &Lowered) -> Option<(ValueId, Vec<ValueId>)> {
        match lowered {
            Lowered::View(root, prefix) => Some((*root, prefix.clone())),
            Lowered::Value(value) if self.values[value.0].buffer => Some((*value, Vec::new())),
            // `r` of `let r = &y;`: the buffer borrowed.
            Lowered::Value(value) => match &self.values[value.0].op {
                Op::Opaque(Opaque::Ref(inner)) if self.values[inner.0].buffer => {
                    Some((*inner, Vec::new()))
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// The place `x[i][j]` (for a store): the buffer and all its indices.
    pub(super) fn lower_place(
        &mut self,
        expr: &syn::ExprIndex,
    ) -> syn::Result<Option<(ValueId, Vec<ValueId>)>> {
        let (base_expr, index_exprs) = split_index(expr);
        let base = self.lower_expr(base_expr)?;
        // `s[i] = v` of a slice `s` of `x`: `x[start + i] = v`.
        if matches!(base, Lowered::Slice(_)) {
            let Some((last, leading)) = index_exprs.split_last() else {
                return Ok(None);
            };
            let mut current = base;
            for index in leading {
                current = self.index_one(current, index, expr)?;
            }
            return match current {
                Lowered::Slice(slice) => {
                    let index = self.lower_value(last)?;
                    match self.slice_element(&slice, index, expr.bracket_token.span.join()) {
                        Lowered::Value(element) => match &self.values[element.0].op {
                            Op::Index { base, indices } => Ok(Some((*base, indices.clone()))),
                            _ => Ok(None),
                        },
                        _ => Err(unsupported(
                            expr.span(),
                            "assigning a whole row of a buffer",
                        )),
                    }
                }
                other => match self.as_buffer(&other) {
                    Some((root, mut indices)) => {
                        indices.push(self.lower_value(last)?);
                        Ok(Some((root, indices)))
                    }
                    None => Ok(None),
                },
            };
        }
        // `p[0] = 0.0` of `let mut p = softmax(z);`: the result is a buffer.
        self.promote_call_result(&base, index_exprs.len());
        let Some((root, mut indices)) = self.as_buffer(&base) else {
            return Ok(None);
        };
        for index in index_exprs {
            if super::slices::as_range(index).is_some() {
                return Err(unsupported(
                    index.span(),
                    "assigning to a range of a buffer (write its elements in a loop)",
                ));
            }
            indices.push(self.lower_value(index)?);
        }
        let depth = self.buffer_depths.get(&root).copied().unwrap_or(1);
        if indices.len() != depth {
            return Err(unsupported(
                expr.span(),
                "assigning a whole row of a buffer",
            ));
        }
        Ok(Some((root, indices)))
    }

    /// A call's result that is indexed or iterated is a buffer (`softmax(&z)[i]`):
    /// its adjoint is a buffer, passed as the seed of the callee's pullback.
    /// A value annotated as a float, or (a copy of) a call given no
    /// buffer: not a buffer to promote.
    fn is_scalar_result(&self, value: ValueId) -> bool {
        let mut current = value;
        for _ in 0..16 {
            let stmt = &self.values[current.0];
            let annotated = stmt.ty.as_ref();
            if annotated.is_some_and(|ty| crate::signature::FloatTy::of(ty).is_some()) {
                return true;
            }
            match &stmt.op {
                Op::Copy(source) => current = *source,
                Op::Opaque(Opaque::Call { args, .. }) => {
                    return !args.is_empty()
                        && args.iter().all(|arg| {
                            let arg = match self.values[arg.0].op {
                                Op::Opaque(Opaque::Ref(inner)) => inner,
                                _ => *arg,
                            };
                            !self.values[arg.0].buffer
                                && !matches!(
                                    self.values[arg.0].op,
                                    Op::Opaque(Opaque::Slice { .. } | Opaque::Index { .. })
                                        | Op::Buffer(_)
                                )
                        })
                }
                _ => return false,
            }
        }
        false
    }

    pub(super) fn promote_call_result(&mut self, lowered: &Lowered, depth: usize) {
        if let Lowered::Value(value) = lowered {
            // `&a` of `let a: f64 = h(x)` or of a helper given no buffer: a
            // float.
            if self.is_scalar_result(*value) {
                return;
            }
            // `let mut b = softmax(&h); b[0] += x;`: the binding copied the call's
            // result as a float; it is a copy of a buffer.
            if let Op::Copy(source) = self.values[value.0].op {
                let is_call = matches!(self.values[source.0].op, Op::Opaque(Opaque::Call { .. }));
                if is_call && !self.values[value.0].buffer {
                    self.promote_call_result(&Lowered::Value(source), depth);
                    if self.values[source.0].buffer {
                        let stmt = &mut self.values[value.0];
                        stmt.op = Op::Buffer(crate::ir::BufferInit::Copy {
                            source,
                            prefix: Vec::new(),
                            method: None,
                            range: None,
                        });
                        stmt.buffer = true;
                        self.buffer_depths.insert(*value, depth.max(1));
                    }
                    return;
                }
            }
            let stmt = &mut self.values[value.0];
            let is_order = matches!(&stmt.op, Op::Opaque(Opaque::Call { func, .. })
                if super::is_primal_only(func));
            if matches!(stmt.op, Op::Opaque(Opaque::Call { .. })) && !stmt.buffer && !is_order {
                stmt.buffer = true;
                self.buffer_depths.insert(*value, depth.max(1));
            }
        }
    }
}

/// `vec!`, `std::vec!`, `alloc::vec!`.
pub(super) fn is_vec_macro(path: &syn::Path) -> bool {
    path.segments
        .last()
        .is_some_and(|segment| segment.ident == "vec")
}

/// `Vec::new` and `Vec::with_capacity`, however qualified.
pub(super) fn is_empty_vec_constructor(func: &syn::ExprPath) -> bool {
    let segments: Vec<String> = func
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    matches!(
        segments
            .iter()
            .rev()
            .take(2)
            .map(String::as_str)
            .collect::<Vec<_>>()[..],
        ["new" | "with_capacity", "Vec"]
    )
}

/// `m[r][c]` as its base `m` and its index expressions `[r, c]`, outermost first.
fn split_index(expr: &syn::ExprIndex) -> (&Expr, Vec<&Expr>) {
    let mut index_exprs = vec![&*expr.index];
    let mut base_expr = &*expr.expr;
    while let Expr::Index(inner) = base_expr {
        index_exprs.push(&inner.index);
        base_expr = &inner.expr;
    }
    index_exprs.reverse();
    (base_expr, index_exprs)
}
