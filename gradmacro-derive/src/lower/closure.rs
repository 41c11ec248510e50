//! Closures bound to a name (`let f = |t: f64| t * t * w;`), inlined where
//! they are called: a closure is code, not data, to the differentiation, so
//! `f(x) + f(y)` differentiates as the two expressions it stands for.
//!
//! A closure sees the variables in scope where it is written, so it keeps
//! that scope and its body is lowered in it at each call. Rust's borrow rules
//! make that exact: a variable a live closure borrows cannot change before
//! the call, and one it assigns (an `FnMut` counter) is made a mutable slot
//! when the closure is written, so every call's assignment reaches it. A
//! `move` closure reads the slots it captures when it is written, as a copy.

use super::{assigned, span_of, unsupported, Binding, Lowered, Lowerer, Target};
use std::collections::HashMap;
use std::rc::Rc;
use syn::visit_mut::VisitMut;
use syn::Expr;

/// Rejects what inlining a closure's body would change: `async`.
pub(super) fn check_inlinable(closure: &syn::ExprClosure) -> syn::Result<()> {
    if let Some(asyncness) = &closure.asyncness {
        return Err(unsupported(asyncness.span, "an `async` closure"));
    }
    Ok(())
}

/// The closure with its `return`s (which leave the closure, not the function
/// it is inlined into) turned into breaks out of a loop around its body that
/// runs once: `'r: loop { break 'r { .. break 'r v .. } }`. Returns of nested
/// closures are theirs, and stay.
pub(super) fn returns_as_breaks(
    closure: &syn::ExprClosure,
) -> std::borrow::Cow<'_, syn::ExprClosure> {
    if assigned::any_return(&closure.body).is_none() {
        return std::borrow::Cow::Borrowed(closure);
    }
    let span = closure.or1_token.span;
    let label = syn::Lifetime::new("'__gm_return", span);
    let mut rewritten = closure.clone();
    ReturnsToBreaks {
        label: label.clone(),
    }
    .visit_expr_mut(&mut rewritten.body);
    let body = &rewritten.body;
    rewritten.body =
        Box::new(syn::parse_quote_spanned!(span=> #label: loop { break #label #body; }));
    std::borrow::Cow::Owned(rewritten)
}

/// Turns `return v` into `break 'label v`, outside nested closures and items.
struct ReturnsToBreaks {
    label: syn::Lifetime,
}

impl syn::visit_mut::VisitMut for ReturnsToBreaks {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        match expr {
            Expr::Closure(_) => {}
            Expr::Return(ret) => {
                if let Some(value) = &mut ret.expr {
                    self.visit_expr_mut(value);
                }
                let (label, value) = (&self.label, &ret.expr);
                let span = ret.return_token.span;
                *expr = syn::parse_quote_spanned!(span=> break #label #value);
            }
            other => syn::visit_mut::visit_expr_mut(self, other),
        }
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// A closure and the scope it was written in.
pub struct Closure {
    pub expr: syn::ExprClosure,
    scopes: Vec<HashMap<String, Binding>>,
}

impl Lowerer {
    /// `|args| body` as a value: the closure, with its scope.
    pub(super) fn lower_closure(&mut self, closure: &syn::ExprClosure) -> syn::Result<Lowered> {
        check_inlinable(closure)?;
        // Captured variables the closure assigns become slots here, so that
        // every call's assignment reaches them.
        self.slots_for(&assigned::in_expr(&closure.body), closure.or1_token.span)?;
        let mut scopes = self.scopes.clone();
        if closure.capture.is_some() {
            // `move`: the captured variables' current values are copied.
            for scope in &mut scopes {
                for binding in scope.values_mut() {
                    if let Target::Slot(slot) = binding.target {
                        let value = self.read_slot(slot, closure.or1_token.span);
                        binding.target = Target::Value(Lowered::Value(value));
                    }
                }
            }
        }
        Ok(Lowered::Closure(Rc::new(Closure {
            expr: returns_as_breaks(closure).into_owned(),
            scopes,
        })))
    }

    /// `f(args)` for a closure `f`: its body, inlined, in its own scope.
    pub(super) fn call_closure(
        &mut self,
        closure: &Closure,
        args: &syn::punctuated::Punctuated<Expr, syn::Token![,]>,
        span: proc_macro2::Span,
    ) -> syn::Result<Lowered> {
        let args = args
            .iter()
            .map(|arg| {
                // A borrowed argument is the value itself to inlined code
                // (`f(&x)` of a buffer `x` reads `x`'s elements).
                let arg = match arg {
                    Expr::Reference(reference) if reference.mutability.is_none() => {
                        &*reference.expr
                    }
                    other => other,
                };
                let lowered = self.lower_expr(arg)?;
                match lowered {
                    Lowered::Never | Lowered::Unit => {
                        Err(syn::Error::new(span_of(arg), "this argument has no value"))
                    }
                    other => Ok(other),
                }
            })
            .collect::<syn::Result<Vec<_>>>()?;
        self.inline_closure(closure, args, span)
    }

    /// The closure's body on lowered arguments, in the scope it was written in.
    pub(super) fn inline_closure(
        &mut self,
        closure: &Closure,
        args: Vec<Lowered>,
        span: proc_macro2::Span,
    ) -> syn::Result<Lowered> {
        let here = std::mem::replace(&mut self.scopes, closure.scopes.clone());
        let value = self.apply(&Expr::Closure(closure.expr.clone()), args, span);
        self.scopes = here;
        value
    }
}
