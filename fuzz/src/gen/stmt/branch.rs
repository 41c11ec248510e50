//! Branches as statements: `if`/`else if`/`else`, `if let Some(v) =
//! x.get(i)`, `match` with block arms, and early `return`.

use super::super::interval::Iv;
use super::super::{Gen, VTy};
use crate::ast::*;

impl Gen {
    /// `if c { .. } [else if c { .. }] [else { .. }]`
    pub(super) fn if_stmt(&mut self) -> Stmt {
        self.tag("if statement");
        let cond = self.cond(1);
        let then = self.effect_block(3);
        let els = match self.weighted(&[50, 35, 15]) {
            0 => None,
            1 => Some(Box::new(Expr::new(Kind::Block(self.effect_block(3))))),
            _ => {
                self.tag("else if");
                let c2 = self.cond(1);
                let t2 = self.effect_block(2);
                let e2 = if self.rng.bool() {
                    Some(Box::new(Expr::new(Kind::Block(self.effect_block(2)))))
                } else {
                    None
                };
                Some(Box::new(Expr::new(Kind::If {
                    cond: Box::new(c2),
                    then: t2,
                    els: e2,
                })))
            }
        };
        Stmt::Expr(Expr::new(Kind::If {
            cond: Box::new(cond),
            then,
            els,
        }))
    }

    /// `match` as a statement, its arms blocks.
    pub(super) fn match_stmt(&mut self) -> Stmt {
        self.tag("match statement");
        let (scrut, hi, pats) = self.match_head();
        let mut arms = Vec::new();
        for (pat, guard, binding) in pats {
            let body = self.scoped(|g| {
                if let Some(b) = &binding {
                    g.declare(b, VTy::Usize { lo: 0, hi }, false, Iv::new(0.0, hi as f64));
                }
                g.effect_block(2)
            });
            arms.push(Arm {
                pat,
                guard,
                body: Expr::new(Kind::Block(body)),
            });
        }
        Stmt::Expr(Expr::new(Kind::Match {
            scrut: Box::new(scrut),
            arms,
        }))
    }

    /// `if c { return e; }`
    pub(super) fn early_return(&mut self) -> Stmt {
        self.tag("early return");
        let cond = self.cond(1);
        let (e, _) = self.float_bounded(2, 100.0);
        Stmt::Expr(Expr::new(Kind::If {
            cond: Box::new(cond),
            then: Block {
                stmts: vec![Stmt::Expr(Expr::new(Kind::Return(Some(Box::new(e)))))],
                tail: None,
            },
            els: None,
        }))
    }

    /// An index for `x.get(i)` of buffer `b`, in bounds or one past them
    /// (`get` checks): a literal, a `usize` variable, or one plus it.
    pub(in crate::gen) fn get_index(&mut self, b: usize) -> Expr {
        let VTy::Buf { len, .. } = self.vars[b].ty else {
            unreachable!()
        };
        let us = self.usizes();
        match self.weighted(&[
            3,
            if us.is_empty() { 0 } else { 4 },
            if us.is_empty() { 0 } else { 2 },
        ]) {
            0 => Expr::int(self.rng.usize(0..=len.unwrap_or(1)).to_string()),
            1 => Expr::path(&self.pick(&us).0.clone()),
            _ => {
                let (u, _, _) = self.pick(&us).clone();
                Expr::bin(BinOp::Add, Expr::path(&u), Expr::int("1"))
            }
        }
    }

    /// `if let Some(v) = x.get(i) { .. } [else { .. }]` (or `Some(&v)`):
    /// `x` is not written in either branch.
    pub(super) fn if_let_stmt(&mut self, bufs: &[usize]) -> Stmt {
        self.tag("if let Some(v) = x.get(i)");
        let b = self.prefer_unread(bufs);
        self.vars[b].reads += 1;
        let name = self.vars[b].name.clone();
        let elem = self.vars[b].iv;
        let idx = self.get_index(b);
        let v = self.fresh("v");
        let by_value = self.rng.bool();
        let pat = if by_value {
            format!("Some(&{v})")
        } else {
            format!("Some({v})")
        };
        let then = self.scoped(|g| {
            g.frozen.push(name.clone());
            g.declare(&v, if by_value { VTy::F } else { VTy::RefF }, false, elem);
            g.effect_block(3)
        });
        let els = if self.rng.bool() {
            let b = self.scoped(|g| {
                g.frozen.push(name.clone());
                g.effect_block(2)
            });
            Some(Box::new(Expr::new(Kind::Block(b))))
        } else {
            None
        };
        let get = Expr::method(Expr::path(&name), "get", vec![idx]);
        Stmt::Expr(Expr::new(Kind::If {
            cond: Box::new(Expr::new(Kind::Let {
                pat,
                value: Box::new(get),
            })),
            then,
            els,
        }))
    }
}
