//! Binding names: `let` (with patterns, types, `mut`, or no value yet) and
//! assignment to variables, tuples, buffer elements and element references.

use super::{unsupported, Binding, Lowered, Lowerer, Target};
use crate::ir::{Node, Op, Opaque, SlotInit, ValueId};
use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Expr, Pat, Type};

impl Lowerer {
    pub(super) fn lower_local(&mut self, local: &syn::Local) -> syn::Result<Lowered> {
        let Some(init) = local.init.as_ref() else {
            return self.declare_uninitialized(&local.pat);
        };
        if let Some((else_token, _)) = &init.diverge {
            return Err(unsupported(else_token.span, "`let ... else`"));
        }
        if self.bind_mut_alias(&local.pat, &init.expr)? {
            return Ok(Lowered::Unit);
        }
        let value = self.lower_expr(&init.expr)?;
        if matches!(value, Lowered::Never) {
            return Ok(Lowered::Never);
        }
        // `let r = &mut v;` (or `&mut m[i]`, `&mut v[1..]`): `r` is `v` itself,
        // never a copy (its writes are `v`'s), and `h(r)` lends `v` (see
        // `lower_call_argument`).
        let mut_borrow = matches!(&*init.expr, Expr::Reference(r) if r.mutability.is_some());
        let name = match &local.pat {
            Pat::Ident(ident) if ident.by_ref.is_none() && ident.subpat.is_none() => {
                Some(&ident.ident)
            }
            Pat::Type(typed) => match &*typed.pat {
                Pat::Ident(ident) if ident.by_ref.is_none() && ident.subpat.is_none() => {
                    Some(&ident.ident)
                }
                _ => None,
            },
            _ => None,
        };
        if let (true, Some(name)) = (mut_borrow, name) {
            let alias = match &value {
                Lowered::Value(buffer) if self.values[buffer.0].buffer => {
                    Some(Lowered::View(*buffer, Vec::new()))
                }
                Lowered::View(root, prefix) if !self.is_place(*root, prefix) => Some(value.clone()),
                Lowered::Slice(_) => Some(value.clone()),
                _ => None,
            };
            if let Some(alias) = alias {
                self.bind(name, alias, false);
                self.mut_reference_names.insert(name.to_string());
                return Ok(Lowered::Unit);
            }
        }
        let element = match &value {
            Lowered::View(root, prefix) => self.is_place(*root, prefix),
            _ => false,
        };
        // `let old = *v;` of an element reference (`for v in a.iter_mut()`,
        // `let v = &mut a[i]`): the element's value now, not the place (a
        // write through `v` later must not change `old`). A reference moved
        // by name (`let w = v;`) stays the place.
        let moved_reference = matches!(&*init.expr, Expr::Path(_) | Expr::Reference(_));
        let value = match value {
            Lowered::View(..) if element && !moved_reference => {
                Lowered::Value(self.expect_value(value, init.expr.span(), "this expression")?)
            }
            value => value,
        };
        self.bind_pattern(&local.pat, value, None)?;
        // `let (a, b) = v.split_at_mut(k);`: each half passed on by name is
        // lent.
        let split_mut =
            matches!(&*init.expr, Expr::MethodCall(call) if call.method == "split_at_mut");
        if let (true, Pat::Tuple(tuple)) = (split_mut, &local.pat) {
            for half in &tuple.elems {
                if let Pat::Ident(ident) = half {
                    self.mut_reference_names.insert(ident.ident.to_string());
                }
            }
        }
        // `let r = &mut v[2];`: passed on by name, the element is lent.
        if let (true, true, Some(name)) = (mut_borrow, element, name) {
            self.mut_reference_names.insert(name.to_string());
        }
        Ok(Lowered::Unit)
    }

    /// `let e = &mut acc;` of a float variable: `*e` is `acc` itself, read
    /// and assigned through one slot (as an out-parameter's `*x` is), and
    /// `e` passed on by name lends it. Rust forbids using `acc` while `e`
    /// lives, so the two names never disagree.
    fn bind_mut_alias(&mut self, pat: &Pat, init: &Expr) -> syn::Result<bool> {
        let pat = match pat {
            Pat::Type(typed) => &*typed.pat,
            other => other,
        };
        let (Pat::Ident(alias), Expr::Reference(reference)) = (pat, init) else {
            return Ok(false);
        };
        let (None, None, Some(_)) = (&alias.by_ref, &alias.subpat, &reference.mutability) else {
            return Ok(false);
        };
        let Expr::Path(path) = &*reference.expr else {
            return Ok(false);
        };
        let Some(target) = path.path.get_ident() else {
            return Ok(false);
        };
        let key = target.to_string();
        let in_innermost = self
            .scopes
            .last()
            .is_some_and(|scope| scope.contains_key(&key));
        let slot = match self.binding_mut(&key).map(|binding| binding.target.clone()) {
            Some(Target::Slot(slot)) => slot,
            // Declared in this scope, or in an enclosing one of the same
            // IR block (a plain `{ .. }` block, the parameters): made a
            // variable here, as if declared `mut` where it is.
            Some(Target::Value(Lowered::Value(value)))
                if (in_innermost || self.values[value.0].home == self.current_block())
                    && !self.values[value.0].buffer =>
            {
                let names = std::iter::once((key.clone(), target.span())).collect();
                self.slots_for(&names, target.span())?;
                match self.binding_mut(&key).map(|binding| binding.target.clone()) {
                    Some(Target::Slot(slot)) => slot,
                    _ => return Ok(false),
                }
            }
            _ => return Ok(false),
        };
        let current = super::deref_name(&alias.ident);
        if let Some(scope) = self.scopes.last_mut() {
            let binding = Binding {
                target: Target::Slot(slot),
                mutable: true,
            };
            scope.insert(current.to_string(), binding);
        }
        // `e` itself stands for the reference: reading it reads `*e`.
        let marker = self.read_slot(slot, alias.ident.span());
        self.out_scalars.insert(marker, current);
        self.bind(
            &alias.ident,
            Lowered::Value(marker),
            alias.mutability.is_some(),
        );
        Ok(true)
    }

    /// `let y;` (assigned later, typically in each branch): a slot from the start.
    pub(super) fn declare_uninitialized(&mut self, pat: &Pat) -> syn::Result<Lowered> {
        self.declare_uninitialized_typed(pat, None)
    }

    fn declare_uninitialized_typed(
        &mut self,
        pat: &Pat,
        ty: Option<&Type>,
    ) -> syn::Result<Lowered> {
        let ident = match pat {
            Pat::Ident(ident) if ident.by_ref.is_none() && ident.subpat.is_none() => ident,
            Pat::Type(typed) => {
                return self.declare_uninitialized_typed(&typed.pat, Some(&typed.ty))
            }
            other => {
                return Err(unsupported(
                    other.span(),
                    "a `let` without a value and with a pattern",
                ))
            }
        };
        let slot = self.declare_slot(&ident.ident.to_string(), SlotInit::Default);
        if let Some(ty) = ty.filter(|ty| crate::signature::FloatTy::of(ty).is_some()) {
            self.slot_types.insert(slot, ty.clone());
        }
        if let Some(scope) = self.scopes.last_mut() {
            let binding = Binding {
                target: Target::Slot(slot),
                mutable: ident.mutability.is_some(),
            };
            scope.insert(ident.ident.to_string(), binding);
        }
        Ok(Lowered::Unit)
    }

    pub(super) fn bind_pattern(
        &mut self,
        pat: &Pat,
        value: Lowered,
        ty: Option<Type>,
    ) -> syn::Result<()> {
        match pat {
            Pat::Type(typed) => self.bind_pattern(&typed.pat, value, Some((*typed.ty).clone())),
            Pat::Paren(paren) => self.bind_pattern(&paren.pat, value, ty),
            // `for &v in x` over a float buffer: the element itself (the
            // lowered loop reads elements by index). Over anything else
            // (`for &label in labels`), the item is a Rust reference: `*item`.
            Pat::Reference(reference) => {
                let value = match value {
                    Lowered::Value(v) if self.is_rust_reference(v) => {
                        let span = reference.and_token.span;
                        Lowered::Value(self.push(Op::Deref(v), span))
                    }
                    other => other,
                };
                self.bind_pattern(&reference.pat, value, ty)
            }
            Pat::Wild(_) => {
                if let Lowered::Value(value) = value {
                    self.discarded.insert(value);
                }
                Ok(())
            }
            Pat::Ident(ident) => {
                if let Some(by_ref) = &ident.by_ref {
                    return Err(unsupported(by_ref.span, "a `ref` binding"));
                }
                if let Some((at, _)) = &ident.subpat {
                    return Err(unsupported(at.span, "a `@` pattern"));
                }
                let mutable = ident.mutability.is_some();
                // `let mut buf: Vec<f64> = make(n);` of a helper given no
                // floats: the annotation says its result is a float buffer, a
                // constant one until written (a copy of it: the call has no
                // pullback).
                let value = match (&ty, value) {
                    (Some(annotated), Lowered::Value(made))
                        if type_depth(annotated) > 0
                            && crate::signature::FloatTy::of(crate::signature::innermost(
                                annotated,
                            ))
                            .is_some()
                            && self.is_constant_call(made) =>
                    {
                        let init = crate::ir::BufferInit::Copy {
                            source: made,
                            prefix: Vec::new(),
                            method: None,
                            range: None,
                        };
                        let copy = self.new_buffer(init, ident.ident.span());
                        self.buffer_depths.insert(copy, type_depth(annotated));
                        Lowered::Value(copy)
                    }
                    (_, value) => value,
                };
                // `let s = &x[1..];`: the slice stays a view of `x`.
                if let Lowered::Slice(_) = &value {
                    self.bind(&ident.ident, value, mutable);
                    return Ok(());
                }
                if let Lowered::View(root, indices) = &value {
                    if self.is_place(*root, indices) {
                        self.bind(&ident.ident, value, mutable);
                        return Ok(());
                    }
                }
                // `let r = &y;`: a view of `y`, not a copy; `let row = &m[i];`
                // a view of the row (Rust forbids writing `m` while it lives).
                if let Lowered::Value(reference) = &value {
                    match &self.values[reference.0].op {
                        Op::Opaque(Opaque::Ref(inner)) if self.values[inner.0].buffer => {
                            let view = Lowered::View(*inner, Vec::new());
                            self.bind(&ident.ident, view, mutable);
                            return Ok(());
                        }
                        Op::Opaque(Opaque::Index {
                            base,
                            indices,
                            borrowed: true,
                        }) if self.values[base.0].buffer => {
                            let view = Lowered::View(*base, indices.clone());
                            self.bind(&ident.ident, view, mutable);
                            return Ok(());
                        }
                        _ => {}
                    }
                }
                // `let mut hits: Vec<usize> = Vec::new();`: a buffer made
                // here whose annotation names no floats is a constant (a
                // workspace of indices).
                if let (Some((root, prefix)), Some(annotated)) = (self.as_buffer(&value), &ty) {
                    // (Not one already filled as floats: `(0..k).collect()`.)
                    if prefix.is_empty()
                        && crate::signature::names_no_float(annotated)
                        && !self.written_yet(root)
                        && self.fresh_buffers.remove(&root)
                    {
                        // (Then bound as any constant is, below.)
                        self.values[root.0].buffer = false;
                    }
                }
                if let Some((root, prefix)) = self.as_buffer(&value) {
                    // A freshly made buffer is bound in place. Binding an existing
                    // one copies it, as Rust does for arrays (`let prev = u;`), so
                    // that later writes to one cannot show through the other.
                    // `let p = x;` of `x: &[f64]` copies the reference: `p` is `x`.
                    let fresh = prefix.is_empty() && self.fresh_buffers.remove(&root);
                    let alias = prefix.is_empty() && self.reference_buffers.contains(&root);
                    let value = if !fresh && !alias && !self.binding_references {
                        let init = crate::ir::BufferInit::Copy {
                            source: root,
                            prefix,
                            method: None,
                            range: None,
                        };
                        Lowered::Value(self.new_buffer(init, ident.ident.span()))
                    } else {
                        // `let h: Vec<f64> = vec![0.0; n];`: the annotation is
                        // what gives the literal elements their float type.
                        // (And `Vec::with_capacity(n)` of floats filled by
                        // `push(2.5)`; not one of rows, `Vec<&[f64]>`, which
                        // gets owned rows pushed.)
                        let literal = match self.values[root.0].op {
                            crate::ir::Op::Buffer(
                                crate::ir::BufferInit::Repeat { .. }
                                | crate::ir::BufferInit::List { .. },
                            ) => true,
                            crate::ir::Op::Buffer(crate::ir::BufferInit::Empty { .. }) => {
                                ty.as_ref().is_some_and(is_vec_of_floats)
                            }
                            _ => false,
                        };
                        // `let mut q: Vec<Vec<f64>> = Vec::new();`: rows
                        // come from `push` later, maybe after a read of one
                        // (`q[k - 1][0]` in the next iteration); the
                        // annotation gives the depth.
                        let empty = matches!(
                            self.values[root.0].op,
                            crate::ir::Op::Buffer(crate::ir::BufferInit::Empty { .. })
                        );
                        if let (true, Some(annotated)) = (fresh && empty, ty.as_ref()) {
                            let depth = type_depth(annotated);
                            let known = self.buffer_depths.get(&root).copied().unwrap_or(1);
                            if depth > known {
                                self.buffer_depths.insert(root, depth);
                                // Its type too, where it names no borrowed
                                // rows (those are pushed owned).
                                if !quote::ToTokens::to_token_stream(annotated)
                                    .to_string()
                                    .contains('&')
                                {
                                    self.values[root.0].ty = Some(annotated.clone());
                                }
                            }
                        }
                        if fresh && literal && !matches!(ty, None | Some(Type::Reference(_))) {
                            self.values[root.0].ty = ty;
                        }
                        value
                    };
                    self.fresh_buffers.clear();
                    self.bind(&ident.ident, value, mutable);
                    return Ok(());
                }
                // `let r: &f64 = &x;`: the borrow is what `*r` reads through.
                let borrow = matches!(&value, Lowered::Value(v)
                    if matches!(self.values[v.0].op, crate::ir::Op::Opaque(crate::ir::Opaque::Ref(_))));
                let ty = ty.filter(|ty| !(borrow && matches!(ty, Type::Reference(_))));
                let value = if ty.is_some() || mutable {
                    self.annotate(value, ty, mutable, ident.ident.span())
                } else {
                    value
                };
                self.bind(&ident.ident, value, mutable);
                Ok(())
            }
            // `let [x, y, z] = position;`: the buffer's elements (or rows).
            Pat::Slice(slice) => {
                let Some((root, prefix)) = self.as_buffer(&value) else {
                    return Err(unsupported(
                        slice.span(),
                        "an array pattern on something that is not a float buffer",
                    ));
                };
                for (index, pat) in slice.elems.iter().enumerate() {
                    if let Pat::Rest(rest) = pat {
                        return Err(unsupported(rest.span(), "`..` in an array pattern"));
                    }
                    let position = self.push(Op::Const(quote::quote!(#index)), pat.span());
                    let mut indices = prefix.clone();
                    indices.push(position);
                    let element = if self.is_place(root, &indices) {
                        Lowered::Value(self.push(
                            Op::Index {
                                base: root,
                                indices,
                            },
                            pat.span(),
                        ))
                    } else {
                        Lowered::View(root, indices)
                    };
                    self.bind_pattern(pat, element, None)?;
                }
                Ok(())
            }
            Pat::Tuple(tuple) => {
                let span = tuple.paren_token.span.join();
                let value = match value {
                    Lowered::Value(value) => self.project_tuple(value, tuple.elems.len(), span),
                    other => other,
                };
                let elements = match value {
                    Lowered::Tuple(elements) if elements.len() == tuple.elems.len() => elements,
                    _ => {
                        return Err(syn::Error::new(
                            span,
                            "this tuple pattern does not match the shape of its value",
                        ))
                    }
                };
                let types: Vec<Option<Type>> = match ty {
                    Some(Type::Tuple(types)) if types.elems.len() == elements.len() => {
                        types.elems.into_iter().map(Some).collect()
                    }
                    _ => vec![None; elements.len()],
                };
                for ((pat, element), ty) in tuple.elems.iter().zip(elements).zip(types) {
                    self.bind_pattern(pat, element, ty)?;
                }
                Ok(())
            }
            other => Err(unsupported(other.span(), "this pattern")),
        }
    }

    /// `let t: (f64, f64) = (a, b);` keeps each element's annotation.
    pub(super) fn annotate(
        &mut self,
        value: Lowered,
        ty: Option<Type>,
        mutable: bool,
        span: Span,
    ) -> Lowered {
        // `let b: Box<f64> = Box::new(x);`: the box is the float itself.
        if let (Lowered::Value(boxed), Some(Type::Path(path))) = (&value, &ty) {
            let is_box = path.path.segments.last().is_some_and(|s| s.ident == "Box");
            if is_box && self.by_reference.contains(boxed) && !mutable {
                return value;
            }
        }
        match (value, ty) {
            (Lowered::Tuple(elements), Some(Type::Tuple(types)))
                if types.elems.len() == elements.len() =>
            {
                Lowered::Tuple(
                    elements
                        .into_iter()
                        .zip(types.elems)
                        .map(|(element, ty)| self.annotate(element, Some(ty), mutable, span))
                        .collect(),
                )
            }
            (value, ty) => self.fresh_copy(value, ty, mutable, span),
        }
    }

    /// Assigns to a place: a variable, or a tuple of places (`(a, b) = (b, a)`).
    pub(super) fn assign(&mut self, place: &Expr, value: Lowered) -> syn::Result<()> {
        match place {
            Expr::Paren(paren) => self.assign(&paren.expr, value),
            Expr::Path(path) if path.qself.is_none() && path.path.get_ident().is_some() => {
                let name = path
                    .path
                    .get_ident()
                    .cloned()
                    .ok_or_else(|| unsupported(path.span(), "this assignment"))?;
                self.assign_name(&name, value)
            }
            Expr::Tuple(tuple) => {
                let value = match value {
                    Lowered::Value(value) => {
                        self.project_tuple(value, tuple.elems.len(), tuple.paren_token.span.join())
                    }
                    other => other,
                };
                match value {
                    Lowered::Tuple(elements) if elements.len() == tuple.elems.len() => {
                        // Rust evaluates the whole right side first: a buffer
                        // assigned after another place may be that place's
                        // old contents (`(a, b) = (b, a)`), kept as a copy
                        // (as `mem::swap` keeps one).
                        let span = tuple.paren_token.span.join();
                        let elements: Vec<Lowered> = elements
                            .into_iter()
                            .enumerate()
                            .map(|(k, element)| match k {
                                0 => element,
                                _ => self.kept_value(element, span),
                            })
                            .collect();
                        for (place, element) in tuple.elems.iter().zip(elements) {
                            self.assign(place, element)?;
                        }
                        Ok(())
                    }
                    _ => Err(syn::Error::new(
                        tuple.span(),
                        "this tuple does not match the shape of the assigned value",
                    )),
                }
            }
            Expr::Index(index) => {
                let value = self.expect_value(value, index.span(), "the assigned value")?;
                let value = self.float(value);
                match self.lower_place(index)? {
                    Some((base, indices)) => {
                        self.push_node(Node::Store {
                            base,
                            indices,
                            value,
                        });
                        Ok(())
                    }
                    None => Err(unsupported(
                        index.span(),
                        "assigning into something that is not a float buffer",
                    )),
                }
            }
            Expr::Unary(unary) if matches!(unary.op, syn::UnOp::Deref(_)) => {
                // `*x = ..` of an out-parameter `x: &mut f64`.
                if let Expr::Path(path) = &*unary.expr {
                    if let Some(ident) = path.path.get_ident() {
                        let current = super::deref_name(ident);
                        if self.read_binding_exists(&current) {
                            return self.assign_name(&current, value);
                        }
                    }
                }
                let target = self.lower_expr(&unary.expr)?;
                match target {
                    Lowered::View(base, indices) if self.is_place(base, &indices) => {
                        let value = self.expect_value(value, unary.span(), "the assigned value")?;
                        let value = self.float(value);
                        self.push_node(Node::Store {
                            base,
                            indices,
                            value,
                        });
                        Ok(())
                    }
                    _ => Err(unsupported(
                        unary.span(),
                        "assigning through a reference that is not a buffer element",
                    )),
                }
            }
            Expr::Infer(_) => Ok(()),
            // `self.calls += 1`: kept for its effect (see `Node::FieldWrite`).
            Expr::Field(field) => {
                let mut members = vec![field.member.clone()];
                let mut base = &*field.base;
                while let Expr::Field(inner) = base {
                    members.insert(0, inner.member.clone());
                    base = &inner.base;
                }
                // A `mut` binding, or a `&mut` parameter (`&mut self`).
                let writable = match base {
                    Expr::Path(path) if path.qself.is_none() => {
                        path.path.get_ident().is_some_and(|name| {
                            let key = name.to_string();
                            let binding = self.scopes.iter().rev().find_map(|s| s.get(&key));
                            binding.is_some_and(|binding| {
                                binding.mutable
                                    || matches!(
                                        &binding.target,
                                        Target::Value(Lowered::Value(v)) if self.values[v.0].mutable
                                    )
                            })
                        })
                    }
                    _ => false,
                };
                if !writable {
                    return Err(unsupported(
                        field.span(),
                        "assigning to a field of anything but a `mut` variable or a `&mut` parameter (`self`)",
                    ));
                }
                let base = self.lower_value(base)?;
                let value = self.expect_value(value, field.span(), "the assigned value")?;
                self.push_node(Node::FieldWrite {
                    base,
                    members,
                    value,
                    span: field.member.span(),
                });
                Ok(())
            }
            other => Err(unsupported(
                other.span(),
                "assigning to anything but a local variable or a buffer element",
            )),
        }
    }
}

impl Lowerer {
    /// Whether `value` is a Rust reference in the generated code: the item of
    /// a loop over something that is not a float buffer (`for &l in labels`),
    /// a field of such an item (`(i, &l)` of `enumerate`), or a borrow.
    fn is_rust_reference(&self, value: ValueId) -> bool {
        match &self.values[value.0].op {
            Op::LoopItem | Op::Opaque(Opaque::Ref(_)) => true,
            // `&labels[k]` of a constant collection zipped with a buffer.
            Op::Opaque(Opaque::Index {
                base,
                borrowed: true,
                ..
            }) => !self.values[base.0].buffer,
            Op::Opaque(Opaque::Field { base, .. }) => {
                matches!(self.values[base.0].op, Op::LoopItem)
            }
            _ => false,
        }
    }
}

/// `Vec<f64>`, `Vec<f32>`, `Vec<T>` of a float type parameter (a plain
/// element type that is not an integer, `bool` or `char`).
fn is_vec_of_floats(ty: &Type) -> bool {
    if crate::signature::names_no_float(ty) {
        return false;
    }
    let Type::Path(path) = ty else {
        return false;
    };
    let Some(last) = path.path.segments.last() else {
        return false;
    };
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return false;
    };
    last.ident == "Vec"
        && matches!(args.args.first(), Some(syn::GenericArgument::Type(Type::Path(elem)))
            if elem.path.segments.len() == 1
                && elem.path.segments[0].arguments.is_none())
}

impl Lowerer {
    /// Whether the code lowered so far pushes or stores into `buffer`.
    fn written_yet(&self, buffer: ValueId) -> bool {
        let mut written = false;
        for nodes in &self.open {
            for node in nodes {
                let mut check = |node: &Node| {
                    written |= matches!(
                        node,
                        Node::Push { base, .. } | Node::Store { base, .. } | Node::Resize { base, .. }
                            if *base == buffer
                    )
                };
                check(node);
                for nested in node.blocks() {
                    nested.walk(&mut check);
                }
            }
        }
        written
    }

    /// Whether `value` is a call given no floats whose result is not taken
    /// for a buffer.
    fn is_constant_call(&self, value: ValueId) -> bool {
        match &self.values[value.0].op {
            Op::Opaque(Opaque::Call { args, .. }) => {
                !self.values[value.0].buffer && !args.iter().any(|arg| self.is_float_argument(*arg))
            }
            _ => false,
        }
    }
}

/// How many indexings of a value of type `ty` reach a float
/// (`Vec<Vec<f64>>`: 2, `[[f64; 3]; 4]`: 2, `Vec<f64>`: 1), through
/// references.
fn type_depth(ty: &Type) -> usize {
    match ty {
        Type::Reference(reference) => type_depth(&reference.elem),
        Type::Paren(inner) => type_depth(&inner.elem),
        Type::Array(array) => 1 + type_depth(&array.elem),
        Type::Slice(slice) => 1 + type_depth(&slice.elem),
        Type::Path(path) => match path.path.segments.last() {
            Some(last) if last.ident == "Vec" => match &last.arguments {
                syn::PathArguments::AngleBracketed(args) => match args.args.first() {
                    Some(syn::GenericArgument::Type(elem)) => 1 + type_depth(elem),
                    _ => 1,
                },
                _ => 1,
            },
            _ => 0,
        },
        _ => 0,
    }
}
