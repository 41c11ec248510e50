//! Closures passed to methods of constants, kept as written:
//! `labels.iter().position(|&l| l == k)`, `idx.sort_by(|&a, &b|
//! x[a].total_cmp(&x[b]))`, `.filter(..)` or `.any(..)` of a constant
//! iterator. Such a method is not differentiated (its receiver is a
//! constant), so its closure need not be either; inlining it the way an
//! iterator chain over buffers is inlined would need a loop per method.
//!
//! The closure is printed inline in the call (a closure bound by `let` first
//! loses the parameter types the call gives it), with every variable it reads
//! from the function replaced by that variable's value. It may not assign a
//! variable of the function (the assignment would not be seen). Whether it
//! may read a differentiated value depends on the method: one that returns
//! an item of its receiver, a position, a bool or a count ([`RESULT_FREE`])
//! never returns what the closure computes, so the read carries no
//! derivative; any other (`map`, `map_or`, `unwrap_or_else`) is refused when
//! it does, by the activity analysis, on the closure.

use super::{assigned, unsupported, Lowered, Lowerer};
use crate::ir::{Op, Opaque, ValueId};
use proc_macro2::{Delimiter, Group, Ident, TokenStream, TokenTree};
use quote::ToTokens;
use std::collections::BTreeSet;
use syn::visit::Visit;

/// Methods whose result is never a value their closure computes.
const RESULT_FREE: &[&str] = &[
    "position",
    "rposition",
    "any",
    "all",
    "find",
    "filter",
    "skip_while",
    "take_while",
    "max_by",
    "min_by",
    "max_by_key",
    "min_by_key",
    "sort_by",
    "sort_by_key",
    "sort_unstable_by",
    "sort_unstable_by_key",
    "sort_by_cached_key",
    "retain",
    "binary_search_by",
    "binary_search_by_key",
    "partition_point",
    "is_sorted_by",
    "is_sorted_by_key",
    "dedup_by",
    "dedup_by_key",
];

/// The names a closure binds itself: its parameters, its `let`s, the
/// patterns of its `match`es, `for`s and nested closures.
fn bound_names(closure: &syn::ExprClosure) -> BTreeSet<String> {
    #[derive(Default)]
    struct Bound(BTreeSet<String>);
    impl<'ast> Visit<'ast> for Bound {
        fn visit_pat_ident(&mut self, pat: &'ast syn::PatIdent) {
            self.0.insert(pat.ident.to_string());
            syn::visit::visit_pat_ident(self, pat);
        }
    }
    let mut bound = Bound::default();
    bound.visit_expr_closure(closure);
    bound.0
}

/// `tokens` with each identifier that may name a variable (not a field or
/// method after `.`, a path segment, a macro name, a struct literal's field
/// or a label) replaced by what `replace` gives for it, if anything.
fn rewrite(
    tokens: TokenStream,
    replace: &mut dyn FnMut(&Ident) -> Option<TokenStream>,
) -> TokenStream {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let punct = |index: Option<usize>, ch: char| {
        index
            .and_then(|index| trees.get(index))
            .is_some_and(|tree| matches!(tree, TokenTree::Punct(p) if p.as_char() == ch))
    };
    let mut out = TokenStream::new();
    for (index, tree) in trees.iter().enumerate() {
        let before = index.checked_sub(1);
        match tree {
            TokenTree::Group(group) => {
                let mut rewritten = Group::new(group.delimiter(), rewrite(group.stream(), replace));
                rewritten.set_span(group.span());
                out.extend([TokenTree::Group(rewritten)]);
            }
            TokenTree::Ident(ident) => {
                let member = punct(before, '.') || punct(before, '\'');
                let path_segment = index >= 2 && punct(before, ':') && punct(Some(index - 2), ':');
                let followed = punct(Some(index + 1), ':') || punct(Some(index + 1), '!');
                let replacement = match member || path_segment || followed {
                    true => None,
                    false => replace(ident),
                };
                match replacement {
                    Some(replacement) => out.extend(replacement),
                    None => out.extend([tree.clone()]),
                }
            }
            other => out.extend([other.clone()]),
        }
    }
    out
}

/// The closure with each captured variable replaced by its value's tokens.
pub(crate) fn kept_closure_tokens(
    closure: &syn::ExprClosure,
    captures: &[(String, ValueId)],
    value: impl Fn(ValueId) -> TokenStream,
) -> TokenStream {
    let body = rewrite(closure.body.to_token_stream(), &mut |ident| {
        let name = ident.to_string();
        let (_, captured) = captures.iter().find(|(captured, _)| *captured == name)?;
        let tokens = value(*captured);
        Some(match tokens.clone().into_iter().count() {
            1 => tokens,
            _ => TokenTree::Group(Group::new(Delimiter::Parenthesis, tokens)).into(),
        })
    });
    let mut kept = closure.clone();
    kept.body = Box::new(syn::Expr::Verbatim(body));
    kept.into_token_stream()
}

impl Lowerer {
    /// A closure passed to `method` of a constant, as a value that the call
    /// prints inline (see the module docs).
    pub(super) fn kept_closure(
        &mut self,
        closure: &syn::ExprClosure,
        method: &Ident,
    ) -> syn::Result<ValueId> {
        super::closure::check_inlinable(closure)?;
        let bound = bound_names(closure);
        let stmts = [syn::Stmt::Expr((*closure.body).clone(), None)];
        let assigned = assigned::in_expr(&closure.body)
            .into_iter()
            .map(|(name, span)| (name, Some(span)))
            .chain(
                assigned::written_buffers(&stmts)
                    .into_iter()
                    .map(|name| (name, None)),
            );
        for (name, span) in assigned {
            if !bound.contains(&name) {
                return Err(unsupported(
                    span.unwrap_or(closure.or1_token.span),
                    &format!("a closure passed to `{method}` that assigns `{name}`, a variable of the function,"),
                ));
            }
        }
        let mut read = Vec::new();
        rewrite(closure.body.to_token_stream(), &mut |ident| {
            read.push(ident.clone());
            None
        });
        let mut captures: Vec<(String, ValueId)> = Vec::new();
        for ident in read {
            let name = ident.to_string();
            if name == "self" || bound.contains(&name) || captures.iter().any(|(c, _)| *c == name) {
                continue;
            }
            if !self.read_binding_exists(&ident) {
                continue;
            }
            match self.read(&ident) {
                Some(Lowered::Value(value)) => captures.push((name, value)),
                // A row (`for p in pts.iter()`): read through a borrow of it.
                Some(Lowered::View(root, indices)) if !self.is_place(root, &indices) => {
                    let op = Op::Opaque(Opaque::Index {
                        base: root,
                        indices,
                        borrowed: true,
                    });
                    let row = self.push(op, ident.span());
                    captures.push((name, row));
                }
                _ => {
                    return Err(unsupported(
                        ident.span(),
                        &format!("reading `{name}` (a slice re-pointed in a loop, a row or a closure) in a closure passed to `{method}`"),
                    ))
                }
            }
        }
        let result_free = RESULT_FREE.contains(&method.to_string().as_str());
        let op = Op::Opaque(Opaque::Closure {
            closure: Box::new(closure.clone()),
            captures,
            result_free,
            method: method.clone(),
        });
        Ok(self.push(op, closure.or1_token.span))
    }
}
