//! Constructs lowered by rewriting them into others: `if let` and
//! `matches!` into `match`, `while let` into `loop { match .. }`, and
//! `if let Some(v) = x.get(i)` on a float buffer into a bounds check and an
//! element read (so that `v` carries the element's derivative).

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

    /// `if let Some(v) = x.get(i)` of a float buffer `x`: `if i < x.len()`,
    /// with `v` the element `x[i]` (read as a reference, so `*v` is the float).
    fn lower_if_let_get(
        &mut self,
        if_expr: &syn::ExprIf,
        let_expr: &syn::ExprLet,
    ) -> syn::Result<Option<Lowered>> {
        let Expr::MethodCall(call) = &*let_expr.expr else {
            return Ok(None);
        };
        let syn::Pat::TupleStruct(some) = &*let_expr.pat else {
            return Ok(None);
        };
        let is_some = some.path.is_ident("Some") && some.elems.len() == 1;
        if call.method != "get"
            || call.args.len() != 1
            || !is_some
            || !self.is_buffer_expr(&call.receiver)
        {
            return Ok(None);
        }
        let (receiver, index, inner) = (&*call.receiver, &call.args[0], &some.elems[0]);
        let then = &if_expr.then_branch;
        let otherwise: Expr = match &if_expr.else_branch {
            Some((_, otherwise)) => (**otherwise).clone(),
            None => parse_quote!({}),
        };
        // `__gm_get` keeps the index evaluated once, as `get` does.
        let index_name = crate::names::local("get_index");
        // `Some(&v)` binds the float, `Some(v)` a reference to it.
        let element: Expr = match inner {
            syn::Pat::Reference(_) => parse_quote!(#receiver[#index_name]),
            _ => parse_quote!(&#receiver[#index_name]),
        };
        let bound = match inner {
            syn::Pat::Reference(reference) => (*reference.pat).clone(),
            other => other.clone(),
        };
        let desugared: Expr = parse_quote!({
            let #index_name = #index;
            if #index_name < #receiver.len() {
                let #bound = #element;
                #then
            } else {
                #otherwise
            }
        });
        self.lower_expr(&desugared).map(Some)
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

/// The desugared `match` reports at the original keyword.
fn with_keyword_span(mut desugared: syn::ExprMatch, span: Span) -> syn::ExprMatch {
    desugared.match_token.span = span;
    desugared
}
