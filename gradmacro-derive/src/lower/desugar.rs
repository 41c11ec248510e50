//! Constructs lowered by rewriting them into others: `if let` and
//! `matches!` into `match`, `while let` into `loop { match .. }`, and the
//! `Option`s of a float buffer's elements (`x.get(i)`, `x.first()`,
//! `x.last()`, `x.pop()`) in `if let`, `while let`, `unwrap`, `expect` and
//! `unwrap_or` into a check and an element read (so that the element
//! carries its derivative; an `Option` itself has none).

use super::{Lowered, Lowerer};
use proc_macro2::Span;
use syn::{parse_quote, Expr};

impl Lowerer {
    /// `if let PAT = EXPR { A } else { B }` is `match EXPR { PAT => A, _ => B }`.
    pub(super) fn lower_if_let(
        &mut self,
        if_expr: &syn::ExprIf,
        let_expr: &syn::ExprLet,
    ) -> syn::Result<Lowered> {
        if let Some(lowered) = self.lower_if_let_get(if_expr, let_expr)? {
            return Ok(lowered);
        }
        let pat = &*let_expr.pat;
        let scrutinee = &*let_expr.expr;
        let then = &if_expr.then_branch;
        let otherwise: Expr = match &if_expr.else_branch {
            Some((_, otherwise)) => (**otherwise).clone(),
            None => parse_quote!({}),
        };
        let desugared: syn::ExprMatch = parse_quote!(match #scrutinee {
            #pat => #then,
            _ => #otherwise,
        });
        self.lower_match(&with_keyword_span(desugared, if_expr.if_token.span))
    }

    /// `if let Some(v) = E` where `E` is an [`OptionalElement`] of a float
    /// buffer: `if PRESENT { let v = ELEMENT; .. } else { .. }`, so that `v`
    /// carries the element's derivative.
    fn lower_if_let_get(
        &mut self,
        if_expr: &syn::ExprIf,
        let_expr: &syn::ExprLet,
    ) -> syn::Result<Option<Lowered>> {
        let Some((element, bound)) = self.some_of_element(&let_expr.pat, &let_expr.expr) else {
            return Ok(None);
        };
        let then = &if_expr.then_branch;
        let otherwise: Expr = match &if_expr.else_branch {
            Some((_, otherwise)) => (**otherwise).clone(),
            None => parse_quote!({}),
        };
        let (setup, present, value) = (&element.setup, &element.present, &element.value);
        let desugared: Expr = parse_quote!({
            #setup
            if #present {
                let #bound = #value;
                #then
            } else {
                #otherwise
            }
        });
        self.lower_expr(&desugared).map(Some)
    }

    /// `Some(v)` against an optional element: the element and the pattern
    /// bound to it (`Some(&v)` of a reference binds the float itself).
    fn some_of_element(&self, pat: &syn::Pat, expr: &Expr) -> Option<(OptionalElement, syn::Pat)> {
        let syn::Pat::TupleStruct(some) = pat else {
            return None;
        };
        if !some.path.is_ident("Some") || some.elems.len() != 1 {
            return None;
        }
        let mut element = self.optional_element(expr)?;
        let bound = match &some.elems[0] {
            syn::Pat::Reference(reference) if element.by_reference => {
                element.value = strip_reference(element.value);
                (*reference.pat).clone()
            }
            other => other.clone(),
        };
        Some((element, bound))
    }

    /// `x.get(i)`, `x.first()`, `x.last()`, `x.pop()` of a float buffer `x`
    /// (with `.copied()` or `.cloned()`): what `Some` holds, and when.
    pub(super) fn optional_element(&self, expr: &Expr) -> Option<OptionalElement> {
        let Expr::MethodCall(call) = expr else {
            return None;
        };
        if call.turbofish.is_some() {
            return None;
        }
        if matches!(call.method.to_string().as_str(), "copied" | "cloned") && call.args.is_empty() {
            let mut inner = self.optional_element(&call.receiver)?;
            if inner.by_reference {
                inner.value = strip_reference(inner.value);
                inner.by_reference = false;
            }
            return Some(inner);
        }
        if matches!(
            call.method.to_string().as_str(),
            "max_by" | "min_by" | "reduce"
        ) {
            return match call.method.to_string().as_str() {
                "reduce" => self.reduced_element(call),
                _ => self.extreme_element(call),
            };
        }
        if !self.is_buffer_expr(&call.receiver) {
            return None;
        }
        let receiver = &*call.receiver;
        let index = crate::names::local("get_index");
        let element = match (call.method.to_string().as_str(), call.args.len()) {
            // `__gm_get_index` keeps the index evaluated once, as `get` does.
            ("get", 1) => {
                let at = &call.args[0];
                OptionalElement {
                    setup: parse_quote!(let #index = #at;),
                    present: parse_quote!(#index < #receiver.len()),
                    value: parse_quote!(&#receiver[#index]),
                    by_reference: true,
                }
            }
            ("first", 0) => OptionalElement {
                setup: quote::quote!(),
                present: parse_quote!(!#receiver.is_empty()),
                value: parse_quote!(&#receiver[0]),
                by_reference: true,
            },
            ("last", 0) => OptionalElement {
                setup: quote::quote!(),
                present: parse_quote!(!#receiver.is_empty()),
                value: parse_quote!(&#receiver[#receiver.len() - 1]),
                by_reference: true,
            },
            // The last element, read before the buffer shrinks.
            ("pop", 0) => {
                let last = crate::names::local("popped");
                OptionalElement {
                    setup: quote::quote!(),
                    present: parse_quote!(!#receiver.is_empty()),
                    value: parse_quote!({
                        let #index = #receiver.len() - 1;
                        let #last = #receiver[#index];
                        #receiver.truncate(#index);
                        #last
                    }),
                    by_reference: false,
                }
            }
            _ => return None,
        };
        Some(element)
    }

    /// `x.iter().max_by(cmp)` / `min_by` (also after `.copied()`): the
    /// comparison runs as written on the values, and gives a position.
    fn extreme_element(&self, call: &syn::ExprMethodCall) -> Option<OptionalElement> {
        let (source, by_value) = self.iterated_buffer(&call.receiver)?;
        if call.args.len() != 1 {
            return None;
        }
        let compare = &call.args[0];
        let greatest = call.method == "max_by";
        let position = crate::names::local("position");
        // `iter()` hands the comparison `&&f64`s, `copied()` `&f64`s; the
        // comparison is kept as written (it reads values, computes none).
        let finder = match by_value {
            true => quote::quote!(::gradmacro::__private::position_by),
            false => quote::quote!(::gradmacro::__private::position_by_ref),
        };
        let value: Expr = match by_value {
            true => parse_quote!((#source)[#position.unwrap_or(0)]),
            false => parse_quote!(&(#source)[#position.unwrap_or(0)]),
        };
        Some(OptionalElement {
            setup: quote::quote! {
                let #position = #finder(&(#source)[..], #compare, #greatest);
            },
            present: parse_quote!(#position.is_some()),
            value,
            by_reference: !by_value,
        })
    }

    /// `x.iter().copied().reduce(f)`: the first element, folded with the rest.
    fn reduced_element(&self, call: &syn::ExprMethodCall) -> Option<OptionalElement> {
        let (source, by_value) = self.iterated_buffer(&call.receiver)?;
        if !by_value || call.args.len() != 1 {
            return None;
        }
        let (acc, k, combine) = (
            crate::names::local("reduced"),
            crate::names::local("k"),
            crate::names::local("combine"),
        );
        // A closure is bound to a name, so that it is inlined where called.
        let (setup, combined): (proc_macro2::TokenStream, Expr) = match &call.args[0] {
            Expr::Path(path) => (quote::quote!(), parse_quote!(#path(#acc, (#source)[#k]))),
            Expr::Closure(closure) => (
                quote::quote!(let #combine = #closure;),
                parse_quote!(#combine(#acc, (#source)[#k])),
            ),
            _ => return None,
        };
        Some(OptionalElement {
            setup,
            present: parse_quote!(!(#source).is_empty()),
            value: parse_quote!({
                let mut #acc = (#source)[0];
                for #k in 1..(#source).len() {
                    #acc = #combined;
                }
                #acc
            }),
            by_reference: false,
        })
    }

    /// `x.iter()` or `x.iter().copied()` (or `cloned`) of a float buffer or
    /// range of one: `x`, and whether the items are values. (`into_iter`'s
    /// items are values or references depending on `x`'s type, which the
    /// macro does not always know.)
    fn iterated_buffer<'e>(&self, expr: &'e Expr) -> Option<(&'e Expr, bool)> {
        let Expr::MethodCall(call) = expr else {
            return None;
        };
        match (call.method.to_string().as_str(), call.args.len()) {
            ("copied" | "cloned", 0) => {
                let (source, _) = self.iterated_buffer(&call.receiver)?;
                Some((source, true))
            }
            ("iter", 0) if self.is_buffer_expr(&call.receiver) => Some((&call.receiver, false)),
            _ => None,
        }
    }

    /// `E.unwrap()`, `E.expect(..)` and `E.unwrap_or(d)` of an optional
    /// element `E`; `E;` of a `pop` (the buffer shrinks if it can).
    pub(super) fn lower_optional_use(
        &mut self,
        call: &syn::ExprMethodCall,
    ) -> syn::Result<Option<Lowered>> {
        let method = call.method.to_string();
        let Some(element) = self.optional_element(&call.receiver) else {
            return Ok(None);
        };
        let (setup, present, value) = (&element.setup, &element.present, &element.value);
        let desugared: Expr = match (method.as_str(), &call.args.iter().collect::<Vec<_>>()[..]) {
            ("unwrap", []) | ("expect", [_]) => parse_quote!({
                #setup
                if !(#present) {
                    ::core::panic!("called `Option::unwrap()` on a `None` value");
                }
                #value
            }),
            ("unwrap_or", [default]) if !element.by_reference => parse_quote!({
                #setup
                if #present { #value } else { #default }
            }),
            _ => return Ok(None),
        };
        self.lower_expr(&desugared).map(Some)
    }

    /// `x.pop();` of a float buffer, its result thrown away.
    pub(super) fn lower_discarded_pop(&mut self, expr: &Expr) -> syn::Result<Option<Lowered>> {
        match self.optional_element(expr) {
            Some(element)
                if !element.by_reference
                    && matches!(expr, Expr::MethodCall(call) if call.method == "pop") =>
            {
                let (present, value) = (&element.present, &element.value);
                let desugared: Expr = parse_quote!(if #present {
                    let _ = #value;
                });
                self.lower_expr(&desugared).map(Some)
            }
            _ => Ok(None),
        }
    }

    /// Whether `expr` names a float buffer (or a row of one) in scope.
    fn is_buffer_expr(&self, expr: &Expr) -> bool {
        match expr {
            Expr::Paren(paren) => self.is_buffer_expr(&paren.expr),
            Expr::Index(index) => self.is_buffer_expr(&index.expr),
            Expr::Path(path) => path.path.get_ident().is_some_and(|ident| {
                let key = ident.to_string();
                self.scopes
                    .iter()
                    .rev()
                    .find_map(|scope| scope.get(&key))
                    .is_some_and(|binding| match &binding.target {
                        super::Target::Value(Lowered::Value(value)) => self.values[value.0].buffer,
                        super::Target::Value(Lowered::View(..) | Lowered::Slice(_)) => true,
                        _ => false,
                    })
            }),
            _ => false,
        }
    }

    /// `while let PAT = EXPR { body }` is
    /// `loop { match EXPR { PAT => body, _ => break } }`, with its label.
    pub(super) fn lower_while_let(
        &mut self,
        while_loop: &syn::ExprWhile,
        let_expr: &syn::ExprLet,
    ) -> syn::Result<Lowered> {
        let (pat, scrutinee, body) = (&*let_expr.pat, &*let_expr.expr, &while_loop.body);
        let label = &while_loop.label;
        // `while let Some(t) = stack.pop()`: the check, then the element.
        if let Some((element, bound)) = self.some_of_element(pat, scrutinee) {
            let (setup, present, value) = (&element.setup, &element.present, &element.value);
            let desugared: syn::ExprLoop = parse_quote!(#label loop {
                #setup
                if #present {
                    let #bound = #value;
                    #body
                } else {
                    break;
                }
            });
            return self.lower_loop(&desugared);
        }
        let desugared: syn::ExprLoop = parse_quote!(#label loop {
            match #scrutinee {
                #pat => #body,
                _ => break,
            }
        });
        self.lower_loop(&desugared)
    }

    /// `matches!(EXPR, PAT)` (or `PAT if GUARD`) is
    /// `match EXPR { PAT => true, _ => false }`.
    pub(super) fn lower_matches(&mut self, mac: &syn::Macro) -> syn::Result<Lowered> {
        let parser = |input: syn::parse::ParseStream| -> syn::Result<syn::ExprMatch> {
            let scrutinee: Expr = input.parse()?;
            input.parse::<syn::Token![,]>()?;
            let pat = syn::Pat::parse_multi_with_leading_vert(input)?;
            let guard = if input.peek(syn::Token![if]) {
                input.parse::<syn::Token![if]>()?;
                let guard: Expr = input.parse()?;
                Some(quote::quote!(if #guard))
            } else {
                None
            };
            if input.peek(syn::Token![,]) {
                input.parse::<syn::Token![,]>()?;
            }
            Ok(parse_quote!(match #scrutinee {
                #pat #guard => true,
                _ => false,
            }))
        };
        let desugared = mac.parse_body_with(parser)?;
        self.lower_match(&desugared)
    }
}

/// What `Some` holds in an `Option` of a buffer element: the statements
/// that come first, the condition under which it is `Some`, and the
/// element (`&x[i]` when the option holds a reference).
pub(super) struct OptionalElement {
    setup: proc_macro2::TokenStream,
    present: Expr,
    value: Expr,
    by_reference: bool,
}

/// `&x[i]` → `x[i]`.
fn strip_reference(expr: Expr) -> Expr {
    match expr {
        Expr::Reference(reference) => *reference.expr,
        other => other,
    }
}

/// The desugared `match` reports at the original keyword.
fn with_keyword_span(mut desugared: syn::ExprMatch, span: Span) -> syn::ExprMatch {
    desugared.match_token.span = span;
    desugared
}
