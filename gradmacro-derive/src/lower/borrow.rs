//! `&mut` arguments: out-parameters of the calls a body makes
//! (`rhs(&y, &mut k1)`, `update(&mut x, v)`, `step(state, dt)` passing on an
//! out-parameter of the function itself).
//!
//! A float buffer (or row, slice, element) lent `&mut` is written by the
//! call in place: the call is lowered with a [`Opaque::BorrowMut`] argument,
//! which records a copy of the lent part taken just before the call (what the
//! callee's pullback must be given in the reverse sweep: the call saw those
//! contents, and the buffer has changed since). A float variable lent `&mut`
//! goes through a one-element buffer, read back into the variable after the
//! call, so it is the same mechanism. Anything else lent `&mut` (a
//! workspace, a random number generator) is a constant the callee may change:
//! a clone taken before the call is what the pullback gets, and the variable
//! is written back after the call.

use super::{span_of, unsupported, Lowered, Lowerer};
use crate::ir::{BufferInit, Op, Opaque, ValueId};
use quote::quote;
use syn::{Expr, Ident};

/// What to do once the call that lends a variable has been lowered: the
/// variable takes the lent copy's new value.
pub(super) enum AfterCall {
    /// `x = tmp[0]`.
    Element { name: Ident, buffer: ValueId },
    /// `x = value` (the value the callee changed in place).
    Value { name: Ident, value: ValueId },
}

impl Lowerer {
    /// `&mut expr` as a call argument (or an out-parameter of this function
    /// passed on by name).
    pub(super) fn lower_mut_argument(&mut self, expr: &Expr) -> syn::Result<ValueId> {
        let span = span_of(expr);
        // A variable: a float goes through a one-element buffer.
        if let Some(ident) = variable_name(expr) {
            let name = self.current_name(ident);
            if let Some(Lowered::Value(value)) = self.read(&name) {
                if !self.values[value.0].buffer {
                    return match self.is_float_value(value) {
                        true => Ok(self.lend_float(name, value, span)),
                        false => Ok(self.lend_constant(name, value, span)),
                    };
                }
            }
        }
        let lowered = self.lower_expr(expr)?;
        let (base, prefix, range) = match &lowered {
            Lowered::Slice(slice) => (
                slice.root,
                slice.prefix.clone(),
                Some((slice.start, slice.end)),
            ),
            Lowered::Value(value) if self.values[value.0].buffer => (*value, Vec::new(), None),
            // `&mut x[i]`: the element's place (the read itself is unused).
            Lowered::Value(value) if matches!(self.values[value.0].op, Op::Index { .. }) => {
                match &self.values[value.0].op {
                    Op::Index { base, indices } => (*base, indices.clone(), None),
                    _ => (*value, Vec::new(), None),
                }
            }
            Lowered::View(root, prefix) => (*root, prefix.clone(), None),
            _ => {
                return Err(unsupported(
                    span,
                    "lending `&mut` something that is neither a variable nor a float buffer, row, slice or element",
                ))
            }
        };
        let element = range.is_none() && !prefix.is_empty() && self.is_place(base, &prefix);
        let before = self.copy_before(base, &prefix, range, element, span);
        let op = Op::Opaque(Opaque::BorrowMut {
            base,
            prefix,
            range,
            before,
            element,
        });
        Ok(self.push(op, span))
    }

    /// `&mut place` outside a call's arguments (`let e = &mut x[i];`): the
    /// place itself, written through `*e = ..` as the place would be.
    pub(super) fn lower_mut_place(
        &mut self,
        expr: &Expr,
        span: proc_macro2::Span,
    ) -> syn::Result<Lowered> {
        let lowered = self.lower_expr(expr)?;
        match lowered {
            Lowered::View(..) | Lowered::Slice(_) => Ok(lowered),
            Lowered::Value(value) if self.values[value.0].buffer => Ok(lowered),
            Lowered::Value(value) => match &self.values[value.0].op {
                Op::Index { base, indices } => Ok(Lowered::View(*base, indices.clone())),
                _ => Err(unsupported(
                    span,
                    "a `&mut` borrow of a variable outside a call's arguments (assign to the variable itself)",
                )),
            },
            _ => Err(unsupported(span, "this `&mut` borrow")),
        }
    }

    /// A copy of the lent part taken before the call, which the reverse
    /// sweep hands the callee's pullback: `[x[i]]` for an element, else
    /// `part.to_owned()` (which copies the elements of a `&mut [f64]` too).
    /// Only the part: an element lent per iteration of a loop over the
    /// buffer would otherwise copy the buffer per call.
    fn copy_before(
        &mut self,
        base: ValueId,
        prefix: &[ValueId],
        range: Option<(ValueId, ValueId)>,
        element: bool,
        span: proc_macro2::Span,
    ) -> ValueId {
        let init = match element {
            true => {
                let read = self.push(
                    Op::Index {
                        base,
                        indices: prefix.to_vec(),
                    },
                    span,
                );
                let read = self.float(read);
                BufferInit::List {
                    elems: vec![read],
                    vec: false,
                }
            }
            false => BufferInit::Copy {
                source: base,
                prefix: prefix.to_vec(),
                method: Some(Ident::new("to_owned", span)),
                range,
            },
        };
        let copy = self.new_buffer(init, span);
        self.fresh_buffers.remove(&copy);
        copy
    }

    /// `&mut x` of a float variable: `tmp = [x]`, lend `&mut tmp[0]`, and
    /// `x = tmp[0]` after the call.
    fn lend_float(&mut self, name: Ident, value: ValueId, span: proc_macro2::Span) -> ValueId {
        let value = self.float(value);
        let init = BufferInit::List {
            elems: vec![value],
            vec: false,
        };
        let buffer = self.new_buffer(init, span);
        self.fresh_buffers.remove(&buffer);
        let zero = self.push(Op::Const(quote!(0usize)), span);
        let before = self.copy_before(buffer, &[zero], None, true, span);
        let op = Op::Opaque(Opaque::BorrowMut {
            base: buffer,
            prefix: vec![zero],
            range: None,
            before,
            element: true,
        });
        self.after_call.push(AfterCall::Element { name, buffer });
        self.push(op, span)
    }

    /// `&mut w` of anything else: a constant the callee may change in place.
    fn lend_constant(&mut self, name: Ident, value: ValueId, span: proc_macro2::Span) -> ValueId {
        self.values[value.0].mutable = true;
        let clone = Op::Opaque(Opaque::Method {
            receiver: value,
            method: Ident::new("clone", span),
            turbofish: None,
            args: Vec::new(),
        });
        let before = self.push(clone, span);
        self.values[before.0].mutable = true;
        self.after_call.push(AfterCall::Value { name, value });
        self.push(Op::Opaque(Opaque::ConstantMut { value, before }), span)
    }

    /// After a call: the variables it was lent take their new values.
    /// `mark`: the length of the pending actions when this call began.
    pub(super) fn finish_call(&mut self, span: proc_macro2::Span, mark: usize) -> syn::Result<()> {
        let mark = mark.min(self.after_call.len());
        for action in self.after_call.split_off(mark) {
            match action {
                AfterCall::Element { name, buffer } => {
                    let zero = self.push(Op::Const(quote!(0usize)), span);
                    let element = self.push(
                        Op::Index {
                            base: buffer,
                            indices: vec![zero],
                        },
                        span,
                    );
                    self.assign_name(&name, Lowered::Value(element))?;
                }
                AfterCall::Value { name, value } => {
                    self.assign_name(&name, Lowered::Value(value))?;
                }
            }
        }
        Ok(())
    }

    /// The name a variable is kept under: `x` itself, or, for an
    /// out-parameter `x: &mut f64` of this function, its `*x`.
    fn current_name(&self, ident: &Ident) -> Ident {
        let deref = super::deref_name(ident);
        match self.read_binding_exists(&deref) {
            true => deref,
            false => ident.clone(),
        }
    }

    /// Whether an out-parameter `x: &mut f64` of this function is passed on
    /// by name (`update(x, v)`): it is lent `&mut` again. (A `&mut [f64]`
    /// passed by name is taken to be read: `rhs(y, &mut k1)` reads `y`; write
    /// `&mut y[..]` to lend it.)
    pub(super) fn is_out_scalar(&self, expr: &Expr) -> bool {
        matches!(expr, Expr::Path(_))
            && variable_name(expr)
                .is_some_and(|ident| self.read_binding_exists(&super::deref_name(ident)))
    }

    /// A `&mut [f64]` or `&mut Vec<f64>` parameter passed on by name: a
    /// reborrow, which the callee may write (or only read).
    pub(super) fn is_mut_reference_buffer(&self, expr: &Expr) -> bool {
        if !matches!(expr, Expr::Path(_)) {
            return false;
        }
        let Some(ident) = variable_name(expr) else {
            return false;
        };
        let key = ident.to_string();
        let binding = self.scopes.iter().rev().find_map(|scope| scope.get(&key));
        let Some(super::Target::Value(Lowered::Value(value))) = binding.map(|b| &b.target) else {
            return false;
        };
        let Op::Param { index } = self.values[value.0].op else {
            return false;
        };
        self.reference_buffers.contains(value)
            && matches!(
                self.param_types.get(index),
                Some(syn::Type::Reference(reference)) if reference.mutability.is_some()
            )
    }

    /// A float, a float buffer, or a reference to either.
    pub(super) fn is_float_argument(&self, arg: ValueId) -> bool {
        let arg = match self.values[arg.0].op {
            Op::Opaque(Opaque::Ref(inner)) => inner,
            _ => arg,
        };
        self.values[arg.0].buffer || self.is_float_value(arg)
    }

    /// Whether a value is visibly a float: a float parameter or literal, a
    /// rule's result, arithmetic on one, an element of a float buffer.
    pub(super) fn is_float_value(&self, value: ValueId) -> bool {
        let mut current = value;
        for _ in 0..self.values.len() {
            // `let mut a: f64 = ..`
            let annotated = self.values[current.0].ty.as_ref();
            if annotated.is_some_and(|ty| crate::signature::FloatTy::of(ty).is_some()) {
                return true;
            }
            match &self.values[current.0].op {
                Op::Param { .. } => return self.float_params.contains(&current),
                Op::Deref(inner) | Op::Copy(inner) | Op::Neg(inner) => current = *inner,
                // A float literal (`0.5`, `1e-3`, `2f64`), not `0usize`.
                Op::Const(tokens) => {
                    return match syn::parse2::<syn::Lit>(tokens.clone()) {
                        Ok(syn::Lit::Float(_)) => true,
                        Ok(syn::Lit::Int(int)) => matches!(int.suffix(), "f32" | "f64"),
                        _ => false,
                    };
                }
                Op::Rule { rule, .. } => return !rule.piecewise_constant || rule.name != "signum",
                Op::Arith(_, a, b) => {
                    if self.is_float_value(*a) {
                        return true;
                    }
                    current = *b;
                }
                Op::Cast { target, .. } => return *target == crate::ir::CastTarget::Float,
                Op::Index { .. } => return true,
                // A helper given floats returns one (`logsumexp(&v)`): a
                // `#[differentiate]`d function returns a float.
                Op::Opaque(Opaque::Call { args, .. }) if !self.values[current.0].buffer => {
                    return args.iter().any(|arg| self.is_float_argument(*arg))
                }
                Op::ReadSlot(slot) => return self.float_slots.contains(slot),
                Op::Binding {
                    scrutinee,
                    whole: true,
                    ..
                } => current = *scrutinee,
                _ => return false,
            }
        }
        false
    }
}

/// `x` of an argument `x` or `*x`.
fn variable_name(expr: &Expr) -> Option<&Ident> {
    match expr {
        Expr::Path(path) if path.qself.is_none() => path.path.get_ident(),
        Expr::Paren(paren) => variable_name(&paren.expr),
        Expr::Unary(unary) if matches!(unary.op, syn::UnOp::Deref(_)) => variable_name(&unary.expr),
        _ => None,
    }
}
