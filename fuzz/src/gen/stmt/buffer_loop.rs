//! Loops that rewrite buffers: a scratch buffer overwritten whole on every
//! iteration (the shape gradmacro fuses into one pass) and `iter_mut`.

use super::super::interval::Iv;
use super::super::{BufKind, Gen, LoopCtx, VTy};
use super::assign::Target;
use crate::ast::*;

impl Gen {
    /// A loop that overwrites a scratch buffer whole on every iteration and
    /// then accumulates from it (a network's hidden layer), followed by a
    /// scaled use of the sum: the shape gradmacro fuses into one pass.
    pub(super) fn scratch_loop(&mut self) -> Vec<Stmt> {
        self.tag("scratch buffer loop");
        let fl = self.fl.name();
        let mut out = Vec::new();
        let h = self.fresh("h");
        let k = self.rng.usize(2..=4);
        let vec = self.rng.bool();
        out.push(Stmt::Let {
            pat: Pat::Ident {
                name: h.clone(),
                mutable: true,
            },
            ty: Some(if vec {
                format!("Vec<{fl}>")
            } else {
                format!("[{fl}; {k}]")
            }),
            init: Some(Expr::new(Kind::Repeat {
                elem: Box::new(self.lit(0.0)),
                count: Box::new(Expr::int(k.to_string())),
                vec,
            })),
        });
        self.declare(
            &h,
            VTy::Buf {
                len: Some(k),
                kind: if vec {
                    BufKind::Vec
                } else {
                    BufKind::LocalArray
                },
            },
            true,
            Iv::sym(1.0),
        );
        let hi = self.vars.len() - 1;
        let (s, acc) = self.accumulator();
        out.push(s);
        let (bound, t) = self.trip_bound();
        let i = self.fresh("i");
        let ctx = LoopCtx {
            label: None,
            value: false,
        };
        let body = self.scoped(|g| {
            g.declare(
                &i,
                VTy::Usize { lo: 0, hi: t - 1 },
                false,
                Iv::new(0.0, (t - 1) as f64),
            );
            g.in_loop(ctx, t, |g| {
                let j = g.fresh("j");
                let fill = g.scoped(|g| {
                    g.declare(
                        &j,
                        VTy::Usize {
                            lo: 0,
                            hi: k as u64 - 1,
                        },
                        false,
                        Iv::new(0.0, k as f64),
                    );
                    let (e, _) = g.float_expr(2);
                    let e = g.call_method(e, "tanh", vec![]);
                    Stmt::Expr(Expr::new(Kind::For {
                        label: None,
                        pat: Pat::ident(&j),
                        iter: Box::new(Expr::new(Kind::Range {
                            lo: Box::new(Expr::int("0")),
                            hi: Box::new(Expr::method(Expr::path(&h), "len", vec![])),
                            inclusive: false,
                        })),
                        body: Block {
                            stmts: vec![Stmt::Assign {
                                place: Expr::fl(Kind::Index(
                                    Box::new(Expr::path(&h)),
                                    Box::new(Expr::path(&j)),
                                )),
                                op: None,
                                value: e,
                            }],
                            tail: None,
                        },
                    }))
                });
                g.vars[hi].iv = Iv::sym(1.0);
                let term = if g.rng.bool() {
                    let (r, _) = g.reduction_over(hi, 2);
                    r
                } else {
                    let idx = g.index_for(hi, false);
                    let (w, _) = g.float_bounded(2, 3.0);
                    Expr::bin(
                        BinOp::Mul,
                        Expr::fl(Kind::Index(Box::new(Expr::path(&h)), Box::new(idx))),
                        w,
                    )
                };
                let term = g.bounded((term, Iv::sym(100.0)), 5.0).0;
                Block {
                    stmts: vec![
                        fill,
                        Stmt::Assign {
                            place: Expr::fpath(&g.vars[acc].name.clone()),
                            op: Some(BinOp::Add),
                            value: term,
                        },
                    ],
                    tail: None,
                }
            })
        });
        self.vars[acc].iv = self.vars[acc].iv.add(Iv::sym(5.0 * t as f64));
        out.push(Stmt::Expr(Expr::new(Kind::For {
            label: None,
            pat: Pat::ident(&i),
            iter: Box::new(Expr::new(Kind::Range {
                lo: Box::new(Expr::int("0")),
                hi: Box::new(bound.clone()),
                inclusive: false,
            })),
            body,
        })));
        if self.chance(0.6) {
            // `s / n as f64`, `-s`, `0.5 * s`: the sum's adjoint is known
            // before the loop.
            let sname = self.vars[acc].name.clone();
            let siv = self.vars[acc].iv;
            let (e, iv) = match self.rng.u32(0..3) {
                0 => (
                    Expr::bin(
                        BinOp::Div,
                        Expr::fpath(&sname),
                        Expr::fl(Kind::Cast(Box::new(bound), fl.into())),
                    ),
                    siv,
                ),
                1 => (
                    Expr::fl(Kind::Unary(UnOp::Neg, Box::new(Expr::fpath(&sname)))),
                    siv.neg(),
                ),
                _ => (
                    Expr::bin(BinOp::Mul, self.lit(0.5), Expr::fpath(&sname)),
                    siv.scale(0.5),
                ),
            };
            self.vars[acc].reads += 1;
            let name = self.fresh("a");
            out.push(self.let_float(&name, false, e, iv));
        }
        out
    }

    /// `for v in b.iter_mut() { *v = .. }` over a writable local buffer.
    pub(super) fn iter_mut_loop(&mut self, b: usize) -> Vec<Stmt> {
        self.tag("iter_mut");
        let name = self.vars[b].name.clone();
        let VTy::Buf { len, .. } = self.vars[b].ty else {
            unreachable!()
        };
        let elem = self.vars[b].iv;
        let v = self.fresh("v");
        let ctx = LoopCtx {
            label: None,
            value: false,
        };
        let body = self.scoped(|g| {
            g.frozen_mut.push(name.clone());
            g.declare(&v, VTy::MutRef, true, elem);
            let vi = g.vars.len() - 1;
            g.in_loop(ctx, len.unwrap_or(5) as u64, |g| {
                let b = if g.chance(0.4) {
                    g.sub_block_then(2, |g, b| {
                        if g.visible().contains(&vi) {
                            let s = g.assignment(Target::Deref(vi));
                            b.stmts.push(s);
                        }
                    })
                } else {
                    let s = g.assignment(Target::Deref(vi));
                    Block {
                        stmts: vec![s],
                        tail: None,
                    }
                };
                let new = g.vars[vi].iv;
                (b, new)
            })
        });
        let (body, new) = body;
        self.vars[b].iv = self.vars[b].iv.hull(new);
        vec![Stmt::Expr(Expr::new(Kind::For {
            label: None,
            pat: Pat::ident(&v),
            iter: Box::new(Expr::method(Expr::path(&name), "iter_mut", vec![])),
            body,
        }))]
    }
}
