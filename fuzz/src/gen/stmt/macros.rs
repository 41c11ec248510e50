//! Assertions in bodies (`assert!`, `assert_eq!`, `assert_ne!`,
//! `debug_assert!`), which gradmacro runs on primal values in the forward
//! sweep only. Each holds by construction (a buffer's length, a bounded
//! value's finiteness), so `f` never panics: a failing one is a fuzzer bug,
//! reported as "invalid".

use super::super::{Gen, VTy, LIMIT};
use crate::ast::*;

impl Gen {
    /// `assert!(x.len() > 0);`, `assert_eq!(x.len(), 3);`,
    /// `debug_assert!(a.is_finite());` and the like.
    pub(super) fn assertion(&mut self) -> Stmt {
        let bufs: Vec<usize> = self
            .visible_where(|v| matches!(v.ty, VTy::Buf { .. }))
            .into_iter()
            .filter(|&i| self.readable(&self.vars[i].clone()))
            .collect();
        let known: Vec<usize> = bufs
            .iter()
            .cloned()
            .filter(|&i| matches!(self.vars[i].ty, VTy::Buf { len: Some(_), .. }))
            .collect();
        let mac = |name: &str, args: Vec<Expr>| {
            Stmt::Expr(Expr::new(Kind::Macro {
                name: name.into(),
                args,
                pat: None,
            }))
        };
        let len_of = |g: &Gen, i: usize| Expr::method(Expr::path(&g.vars[i].name), "len", vec![]);
        match self.weighted(&[
            if bufs.is_empty() { 0 } else { 3 },
            if known.is_empty() { 0 } else { 3 },
            4,
        ]) {
            0 => {
                let i = *self.pick(&bufs);
                if self.rng.bool() {
                    self.tag("assert!(x.len() > 0)");
                    let c = Expr::bin(BinOp::Gt, len_of(self, i), Expr::int("0"));
                    mac("assert", vec![c])
                } else {
                    self.tag("assert!(!x.is_empty())");
                    let e = Expr::method(Expr::path(&self.vars[i].name), "is_empty", vec![]);
                    mac(
                        "assert",
                        vec![Expr::new(Kind::Unary(UnOp::Not, Box::new(e)))],
                    )
                }
            }
            1 => {
                let i = *self.pick(&known);
                let VTy::Buf { len: Some(n), .. } = self.vars[i].ty else {
                    unreachable!()
                };
                if self.rng.bool() {
                    self.tag("assert_eq!(x.len(), N)");
                    mac("assert_eq", vec![len_of(self, i), Expr::int(n.to_string())])
                } else {
                    self.tag("assert_ne!(x.len(), 0)");
                    mac("assert_ne", vec![len_of(self, i), Expr::int("0")])
                }
            }
            _ => {
                let name = if self.rng.bool() {
                    "assert"
                } else {
                    "debug_assert"
                };
                self.tag("debug_assert!(e.is_finite())");
                let (e, _) = self.float_bounded(1, LIMIT);
                let e = self.typed(e);
                mac(name, vec![Expr::method(e, "is_finite", vec![])])
            }
        }
    }
}
