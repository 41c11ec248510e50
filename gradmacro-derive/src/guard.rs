//! Guard clauses: a function that starts with `if c { return e; }` is
//! differentiated as two functions, the guard's `e` and the rest of the
//! body, with companions that choose between them.
//!
//! An early return wraps everything after it in a branch (`if !returned {
//! .. }`), and loops inside a branch are not fused: one `if x.is_empty() {
//! return 0.0; }` at the top would make every loop of the function store
//! its values. Split at the guard, the rest of the body is a function body
//! again, its loops at the top level; a second guard there is split off in
//! turn.
//!
//! `NAME_grad` (and each pullback) then evaluates the statements before the
//! guard and its condition, and runs the guard's companion's body or the
//! rest's.
//! Those statements run twice (once to choose, once in the companion
//! chosen), so they must be cheap and free of effects: `let` bindings of
//! literals, parameters, arithmetic, comparisons and a few methods (`len`,
//! `is_empty`, ...). Anything else keeps the function whole.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{Block, Expr, ItemFn, Stmt};

/// The methods a guard's condition or the statements before it may call.
const PURE_METHODS: &[&str] = &[
    "len",
    "is_empty",
    "count_ones",
    "trailing_zeros",
    "leading_zeros",
    "abs",
    "min",
    "max",
    "is_nan",
    "is_finite",
    "is_sign_negative",
    "is_sign_positive",
];

/// A function split at its leading guard clause.
pub struct Guarded {
    /// The function returning the guard's value (the statements before the
    /// guard, then `e`).
    pub guard: ItemFn,
    /// The function of the rest (the statements before the guard, then
    /// those after it).
    pub rest: ItemFn,
    prefix: Vec<Stmt>,
    cond: Expr,
}

/// Whether `expr` is cheap and free of effects (see the module docs).
fn is_pure(expr: &Expr) -> bool {
    match expr {
        Expr::Lit(_) | Expr::Path(_) => true,
        Expr::Paren(inner) => is_pure(&inner.expr),
        Expr::Group(inner) => is_pure(&inner.expr),
        Expr::Unary(unary) => is_pure(&unary.expr),
        Expr::Binary(binary) => {
            !crate::lower::is_compound_assignment(&binary.op)
                && is_pure(&binary.left)
                && is_pure(&binary.right)
        }
        Expr::Cast(cast) => is_pure(&cast.expr),
        Expr::Field(field) => is_pure(&field.base),
        Expr::Index(index) => is_pure(&index.expr) && is_pure(&index.index),
        Expr::MethodCall(call) => {
            PURE_METHODS.contains(&call.method.to_string().as_str())
                && is_pure(&call.receiver)
                && call.args.iter().all(is_pure)
        }
        Expr::Reference(reference) => reference.mutability.is_none() && is_pure(&reference.expr),
        _ => false,
    }
}

/// A `let name = pure;` (or `let name: T = pure;`).
fn is_pure_let(stmt: &Stmt) -> bool {
    let Stmt::Local(local) = stmt else {
        return false;
    };
    let simple = match &local.pat {
        syn::Pat::Ident(ident) => ident.by_ref.is_none() && ident.subpat.is_none(),
        syn::Pat::Type(typed) => matches!(&*typed.pat, syn::Pat::Ident(_)),
        _ => false,
    };
    simple
        && local
            .init
            .as_ref()
            .is_some_and(|init| init.diverge.is_none() && is_pure(&init.expr))
}

/// `if cond { return e; }` with no `else` (or an empty one): its condition
/// and `e`.
fn as_guard(stmt: &Stmt) -> Option<(&Expr, &Expr)> {
    let expr = match stmt {
        Stmt::Expr(expr, _) => expr,
        _ => return None,
    };
    let Expr::If(guard) = expr else {
        return None;
    };
    let empty_else = match &guard.else_branch {
        None => true,
        Some((_, otherwise)) => {
            matches!(&**otherwise, Expr::Block(block) if block.block.stmts.is_empty())
        }
    };
    if !empty_else || !is_pure(&guard.cond) {
        return None;
    }
    let [Stmt::Expr(Expr::Return(ret), _)] = &guard.then_branch.stmts[..] else {
        return None;
    };
    Some((&guard.cond, ret.expr.as_deref()?))
}

/// Whether `stmts` hold a loop (only then is the split worth it).
fn has_loop(stmts: &[Stmt]) -> bool {
    struct Finder(bool);
    impl<'ast> syn::visit::Visit<'ast> for Finder {
        fn visit_expr_for_loop(&mut self, _: &'ast syn::ExprForLoop) {
            self.0 = true;
        }
        fn visit_expr_while(&mut self, _: &'ast syn::ExprWhile) {
            self.0 = true;
        }
        fn visit_expr_loop(&mut self, _: &'ast syn::ExprLoop) {
            self.0 = true;
        }
        fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
            let iterating = [
                "iter",
                "iter_mut",
                "into_iter",
                "map",
                "sum",
                "fold",
                "for_each",
            ];
            self.0 |= iterating.contains(&call.method.to_string().as_str());
            syn::visit::visit_expr_method_call(self, call);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut finder = Finder(false);
    for stmt in stmts {
        syn::visit::Visit::visit_stmt(&mut finder, stmt);
    }
    finder.0
}

/// The function split at its first guard, when it has one worth splitting:
/// a function returning a value, with a loop after the guard.
pub fn split(function: &ItemFn, explain: bool) -> Option<Guarded> {
    let sig = &function.sig;
    if explain || !matches!(sig.output, syn::ReturnType::Type(..)) {
        return None;
    }
    let stmts = &function.block.stmts;
    let at = stmts.iter().position(|stmt| !is_pure_let(stmt))?;
    let (cond, value) = as_guard(&stmts[at])?;
    let rest = &stmts[at + 1..];
    if rest.is_empty() || !has_loop(rest) {
        return None;
    }
    let prefix = stmts[..at].to_vec();
    let named = |role: &str, stmts: Vec<Stmt>| {
        let mut item = function.clone();
        item.sig.ident = format_ident!("__gm_{}_{}", role, sig.ident);
        item.vis = syn::Visibility::Inherited;
        item.attrs.retain(|attr| attr.path().is_ident("cfg"));
        item.block = Box::new(Block {
            brace_token: function.block.brace_token,
            stmts,
        });
        item
    };
    let mut guard_stmts = prefix.clone();
    guard_stmts.push(Stmt::Expr(value.clone(), None));
    let mut rest_stmts = prefix.clone();
    rest_stmts.extend(rest.iter().cloned());
    Some(Guarded {
        guard: named("guard", guard_stmts),
        rest: named("rest", rest_stmts),
        prefix,
        cond: cond.clone(),
    })
}

impl Guarded {
    /// For each companion of the rest (`__gm_rest_NAME_grad`, ...), the
    /// companion `NAME_grad` that runs the guard's companion's body or the
    /// rest's. (The bodies are inlined, not called: inside an `impl` a call
    /// would need `Self::`, which an attribute on a function cannot know.)
    pub fn dispatchers(
        &self,
        function: &ItemFn,
        guard_companions: &TokenStream,
        rest_companions: &TokenStream,
    ) -> syn::Result<TokenStream> {
        let functions = |tokens: &TokenStream| -> syn::Result<Vec<ItemFn>> {
            let file: syn::File = syn::parse2(tokens.clone())?;
            Ok(file
                .items
                .into_iter()
                .filter_map(|item| match item {
                    syn::Item::Fn(function) => Some(function),
                    _ => None,
                })
                .collect())
        };
        let guards = functions(guard_companions)?;
        let (guard_name, rest_name) = (
            self.guard.sig.ident.to_string(),
            self.rest.sig.ident.to_string(),
        );
        let (prefix, cond) = (&self.prefix, &self.cond);
        let mut out = TokenStream::new();
        for companion in functions(rest_companions)? {
            let name = companion.sig.ident.to_string();
            let Some(suffix) = name.strip_prefix(&format!("{rest_name}_")) else {
                continue;
            };
            let guard_companion = format!("{guard_name}_{suffix}");
            let Some(guard) = guards.iter().find(|g| g.sig.ident == guard_companion) else {
                continue;
            };
            let mut sig = companion.sig.clone();
            sig.ident = format_ident!(
                "{}_{}",
                function.sig.ident,
                suffix,
                span = function.sig.ident.span()
            );
            let original = function.sig.ident.to_string();
            let attrs = companion.attrs.iter().map(|attr| {
                let text = quote!(#attr).to_string().replace(&rest_name, &original);
                syn::parse_str::<TokenStream>(&text).unwrap_or_else(|_| quote!(#attr))
            });
            let (vis, guarded) = (&function.vis, crate::names::local("guarded"));
            let (guard_body, rest_body) = (&guard.block, &companion.block);
            out.extend(quote! {
                #(#attrs)*
                #vis #sig {
                    let #guarded = {
                        #(#prefix)*
                        #cond
                    };
                    if #guarded #guard_body else #rest_body
                }
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use quote::{quote, ToTokens};

    /// The guard's and the rest's bodies, printed, or `None` when the
    /// function stays whole.
    fn split(item: proc_macro2::TokenStream) -> Option<(String, String)> {
        let function: syn::ItemFn = syn::parse2(item).unwrap();
        let guarded = super::split(&function, false)?;
        let body = |f: &syn::ItemFn| f.block.to_token_stream().to_string();
        Some((body(&guarded.guard), body(&guarded.rest)))
    }

    #[test]
    fn a_guard_after_pure_lets_splits_the_body() {
        let (guard, rest) = split(quote!(
            fn f(x: &[f64]) -> f64 {
                let n = x.len();
                if n == 0 {
                    return 0.0;
                }
                x.iter().sum()
            }
        ))
        .unwrap();
        assert_eq!(guard, "{ let n = x . len () ; 0.0 }");
        assert_eq!(rest, "{ let n = x . len () ; x . iter () . sum () }");
    }

    #[test]
    fn no_loop_after_the_guard_keeps_the_function_whole() {
        assert!(split(quote!(
            fn f(x: f64) -> f64 {
                if x < 0.0 {
                    return 0.0;
                }
                x * x
            }
        ))
        .is_none());
    }

    #[test]
    fn an_impure_statement_or_no_value_keeps_the_function_whole() {
        assert!(split(quote!(
            fn f(x: &[f64]) -> f64 {
                let k = weight(x.len());
                if k == 0.0 {
                    return 0.0;
                }
                x.iter().sum()
            }
        ))
        .is_none());
        assert!(split(quote!(
            fn f(x: &[f64]) {
                if x.is_empty() {
                    return;
                }
                for v in x {
                    println!("{v}");
                }
            }
        ))
        .is_none());
    }
}
