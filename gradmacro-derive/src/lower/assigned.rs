//! Which variables a region assigns, found before the region is lowered.
//!
//! A variable declared outside a loop body or branch arm and assigned inside it
//! cannot stay an SSA value (each iteration or arm would need its own); it becomes
//! a slot. Lowering has to know this *before* it lowers the region, because reads
//! that come before the assignment (`x = r * x * (1.0 - x)`) must already read the
//! slot. The scan is by name, so a name that is shadowed inside the region is
//! conservatively made a slot too, which costs nothing but a copy.

use proc_macro2::Span;
use std::collections::BTreeMap;
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{Expr, Pat};

/// The names assigned (`=`, `+=`, ...) anywhere in `stmts`, with the place of
/// the first assignment.
pub fn in_stmts(stmts: &[syn::Stmt]) -> BTreeMap<String, Span> {
    let mut finder = Finder::default();
    for stmt in stmts {
        finder.visit_stmt(stmt);
    }
    finder.names
}

/// The names assigned anywhere in `expr`, with the place of the first assignment.
pub fn in_expr(expr: &Expr) -> BTreeMap<String, Span> {
    let mut finder = Finder::default();
    finder.visit_expr(expr);
    finder.names
}

/// The buffers that `stmts` write (`b[i] = ..`, `b[i][j] += ..`, `b = ..`,
/// `b.push(..)`, `b.fill(..)`, `b.iter_mut()`, `&mut b`), by name: a buffer
/// lent `&b` to a call before such a write is copied for the call's pullback.
pub fn written_buffers(stmts: &[syn::Stmt]) -> std::collections::BTreeSet<String> {
    let mut finder = BufferWrites::default();
    for stmt in stmts {
        finder.visit_stmt(stmt);
    }
    finder.names
}

/// The buffers a loop body writes that a later iteration may see: those of
/// [`written_buffers`] except the ones the body declares itself (`let mut
/// hidden = vec![..];`: each iteration has its own) before writing them.
pub fn written_across_iterations(stmts: &[syn::Stmt]) -> std::collections::BTreeSet<String> {
    let mut names = written_buffers(stmts);
    for (index, stmt) in stmts.iter().enumerate() {
        let syn::Stmt::Local(local) = stmt else {
            continue;
        };
        let mut pat = &local.pat;
        if let syn::Pat::Type(typed) = pat {
            pat = &typed.pat;
        }
        if let syn::Pat::Ident(ident) = pat {
            let name = ident.ident.to_string();
            if !written_buffers(&stmts[..index]).contains(&name) {
                names.remove(&name);
            }
        }
    }
    names
}

/// The methods that write a float buffer they are called on.
const WRITING_METHODS: &[&str] = &[
    "push",
    "iter_mut",
    "fill",
    "swap",
    "reverse",
    "copy_from_slice",
    "clone_from_slice",
    "extend_from_slice",
    "sort_by",
    "sort_unstable_by",
    "truncate",
    "clear",
    "resize",
    "pop",
    "split_at_mut",
];

#[derive(Default)]
struct BufferWrites {
    names: std::collections::BTreeSet<String>,
}

impl BufferWrites {
    fn root(&mut self, mut place: &Expr, through_index: bool) {
        let mut indexed = false;
        loop {
            match place {
                Expr::Index(index) => {
                    indexed = true;
                    place = &index.expr;
                }
                Expr::Paren(paren) => place = &paren.expr,
                Expr::Path(path) if indexed || !through_index => {
                    if let Some(ident) = path.path.get_ident() {
                        self.names.insert(ident.to_string());
                    }
                    return;
                }
                _ => return,
            }
        }
    }
}

impl<'ast> Visit<'ast> for BufferWrites {
    // `y = next;` too: in a branch or loop it overwrites `y` in place.
    fn visit_expr_assign(&mut self, assign: &'ast syn::ExprAssign) {
        self.root(&assign.left, false);
        syn::visit::visit_expr_assign(self, assign);
    }

    fn visit_expr_binary(&mut self, binary: &'ast syn::ExprBinary) {
        if is_compound_assignment(&binary.op) {
            self.root(&binary.left, true);
        }
        syn::visit::visit_expr_binary(self, binary);
    }

    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        if WRITING_METHODS.contains(&call.method.to_string().as_str()) {
            self.root(&call.receiver, false);
        }
        syn::visit::visit_expr_method_call(self, call);
    }

    // A buffer borrowed `&mut` may be written through the borrow.
    fn visit_expr_reference(&mut self, reference: &'ast syn::ExprReference) {
        if reference.mutability.is_some() {
            self.root(&reference.expr, false);
        }
        syn::visit::visit_expr_reference(self, reference);
    }

    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// Whether `stmts` contain a `return` anywhere but as their very last statement.
pub fn has_early_return(stmts: &[syn::Stmt]) -> bool {
    early_return(stmts).is_some()
}

/// The first `return` anywhere in `expr` (not in nested closures or items).
pub fn any_return(expr: &Expr) -> Option<Span> {
    let mut finder = ReturnFinder::default();
    finder.visit_expr(expr);
    finder.found
}

/// The first `return` of `stmts` that is not the final statement itself.
pub fn early_return(stmts: &[syn::Stmt]) -> Option<Span> {
    let mut finder = ReturnFinder::default();
    let (last, rest) = stmts.split_last()?;
    for stmt in rest {
        finder.visit_stmt(stmt);
    }
    match last {
        syn::Stmt::Expr(Expr::Return(ret), _) => {
            if let Some(value) = &ret.expr {
                finder.visit_expr(value);
            }
        }
        other => finder.visit_stmt(other),
    }
    finder.found
}

#[derive(Default)]
struct Finder {
    names: BTreeMap<String, Span>,
}

/// The name under which the lowering keeps `*x` of an out-parameter
/// `x: &mut f64` (assigned as `*x = ..`).
pub fn deref_name(param: &str) -> String {
    format!("__gm_deref_{param}")
}

impl Finder {
    fn place(&mut self, place: &Expr) {
        match place {
            Expr::Unary(unary) if matches!(unary.op, syn::UnOp::Deref(_)) => {
                if let Expr::Path(path) = &*unary.expr {
                    if let Some(ident) = path.path.get_ident() {
                        self.names
                            .entry(deref_name(&ident.to_string()))
                            .or_insert_with(|| unary.span());
                    }
                }
            }
            Expr::Path(path) => {
                if let Some(ident) = path.path.get_ident() {
                    self.names
                        .entry(ident.to_string())
                        .or_insert_with(|| place.span());
                }
            }
            Expr::Tuple(tuple) => tuple.elems.iter().for_each(|e| self.place(e)),
            Expr::Paren(paren) => self.place(&paren.expr),
            _ => {}
        }
    }
}

impl<'ast> Visit<'ast> for Finder {
    fn visit_expr_assign(&mut self, assign: &'ast syn::ExprAssign) {
        self.place(&assign.left);
        syn::visit::visit_expr_assign(self, assign);
    }

    fn visit_expr_binary(&mut self, binary: &'ast syn::ExprBinary) {
        if is_compound_assignment(&binary.op) {
            self.place(&binary.left);
        }
        syn::visit::visit_expr_binary(self, binary);
    }

    // `&mut a` may assign `a` (`mem::swap(&mut a, &mut b)`, out-parameters).
    fn visit_expr_reference(&mut self, reference: &'ast syn::ExprReference) {
        if reference.mutability.is_some() {
            self.place(&reference.expr);
        }
        syn::visit::visit_expr_reference(self, reference);
    }

    // Items have scopes of their own. A closure is inlined where it is
    // called, in the region that defines it (`let mut tick = || { calls +=
    // 1.0; calls };` in a loop assigns `calls` in the loop): its body counts
    // (an assigned parameter of its own only costs a copy).
    fn visit_item(&mut self, _: &'ast syn::Item) {}
    fn visit_expr_closure(&mut self, closure: &'ast syn::ExprClosure) {
        self.visit_expr(&closure.body);
    }
    fn visit_pat(&mut self, _: &'ast Pat) {}
}

#[derive(Default)]
struct ReturnFinder {
    found: Option<Span>,
}

impl<'ast> Visit<'ast> for ReturnFinder {
    fn visit_expr_return(&mut self, ret: &'ast syn::ExprReturn) {
        self.found = self.found.or(Some(ret.return_token.span));
    }
    fn visit_item(&mut self, _: &'ast syn::Item) {}
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
}

/// `+=`, `-=`, ... (every assignment operator but `=`).
pub(crate) fn is_compound_assignment(op: &syn::BinOp) -> bool {
    use syn::BinOp::*;
    matches!(
        op,
        AddAssign(_)
            | SubAssign(_)
            | MulAssign(_)
            | DivAssign(_)
            | RemAssign(_)
            | BitXorAssign(_)
            | BitAndAssign(_)
            | BitOrAssign(_)
            | ShlAssign(_)
            | ShrAssign(_)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn block(tokens: proc_macro2::TokenStream) -> Vec<syn::Stmt> {
        syn::parse2::<syn::Block>(tokens).unwrap().stmts
    }

    #[test]
    fn finds_assignments_at_any_depth() {
        let stmts = block(quote!({
            let t = 1.0;
            x = t;
            if c {
                (a, b) = (b, a);
            } else {
                n += 1;
            }
            for i in 0..3 {
                s *= 2.0;
            }
            let f = |y: f64| {
                z = y;
            };
            fn inner() {
                w = 1;
            }
        }));
        // A closure's assignments count (it is inlined where it is called,
        // in this region); a nested function's do not.
        let names: Vec<String> = in_stmts(&stmts).into_keys().collect();
        assert_eq!(names, ["a", "b", "n", "s", "x", "z"]);
    }

    #[test]
    fn early_returns_are_those_not_at_the_end() {
        assert!(!has_early_return(&block(quote!({
            let a = 1.0;
            return a;
        }))));
        assert!(!has_early_return(&block(quote!({
            let a = 1.0;
            a
        }))));
        assert!(has_early_return(&block(quote!({
            if c {
                return 1.0;
            }
            2.0
        }))));
        assert!(has_early_return(&block(quote!({
            for i in 0..3 {
                return 1.0;
            }
            2.0
        }))));
    }
}
