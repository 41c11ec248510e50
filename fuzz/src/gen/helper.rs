//! Helpers: the `#[differentiate]`d functions `f` (and later helpers) call,
//! which gradmacro composes through their pullbacks: plain ones returning a
//! float, recursive ones, and out-parameter ones returning `()` that write
//! their result into a `&mut f64` or `&mut [f64]` they are lent.

use super::interval::Iv;
use super::{Gen, HParam, HelperSig, LoopCtx, OutEffect, VTy};
use crate::ast::*;

impl Gen {
    /// Helper `h{index}`, callable from later helpers and from `f`.
    pub(super) fn helper(&mut self, index: usize) -> Function {
        let name = format!("h{index}");
        let fl = self.fl;
        if self.chance(0.12) {
            return self.recursive_helper(name);
        }
        if self.chance(0.22) {
            return self.out_helper(name);
        }
        let mut params = vec![Param {
            name: "a".into(),
            ty: ParamTy::Scalar(fl),
            mutable: false,
        }];
        let mut sig = vec![HParam::F];
        if self.chance(0.5) {
            params.push(Param {
                name: "b".into(),
                ty: ParamTy::Scalar(fl),
                mutable: false,
            });
            sig.push(HParam::F);
        }
        if self.chance(0.4) {
            self.tag("helper with slice");
            // Length 0 marks "unknown": callers pass buffers of any length.
            params.push(Param {
                name: "s".into(),
                ty: ParamTy::Slice(fl, 0),
                mutable: false,
            });
            sig.push(HParam::Slice);
        }
        if self.chance(0.25) {
            params.push(Param {
                name: "m".into(),
                ty: ParamTy::Usize(0),
                mutable: false,
            });
            sig.push(HParam::Count(4));
        }
        if self.chance(0.3) {
            self.rng.shuffle(&mut params);
            // Keep `sig` in parameter order.
            sig = params
                .iter()
                .map(|p| match p.ty {
                    ParamTy::Slice(..) => HParam::Slice,
                    ParamTy::Usize(_) => HParam::Count(4),
                    _ => HParam::F,
                })
                .collect();
        }
        let budget = self.rng.i32(1..=6);
        self.begin_function(&params, budget);
        for v in &mut self.vars {
            if v.name == "m" {
                v.ty = VTy::Usize { lo: 1, hi: 4 };
            }
        }
        self.max_depth = 2;
        let body = self.function_body(false);
        let iv = self.last_tail_iv;
        self.helpers.push(HelperSig {
            name: name.clone(),
            params: sig,
            iv,
            out: None,
        });
        Function {
            name,
            params,
            ret: fl,
            wrt: None,
            wrt_bare: false,
            unit: false,
            body,
        }
    }

    /// `fn hN(a: f64, d: usize) -> f64 { if d == 0 { .. } else { .. hN(.., d - 1) .. } }`
    fn recursive_helper(&mut self, name: String) -> Function {
        self.tag("recursion");
        let fl = self.fl;
        let params = vec![
            Param {
                name: "a".into(),
                ty: ParamTy::Scalar(fl),
                mutable: false,
            },
            Param {
                name: "d".into(),
                ty: ParamTy::Usize(0),
                mutable: false,
            },
        ];
        self.begin_function(&params, 2);
        self.max_depth = 2;
        for v in &mut self.vars {
            if v.name == "d" {
                v.ty = VTy::Usize { lo: 0, hi: 3 };
            }
        }
        let (base, _) = self.float_expr(2);
        let base = self.squash_to(base, 3.0);
        let (arg, _) = self.float_expr(2);
        let arg = self.squash_to(arg, 2.0);
        let rec = Expr::fl(Kind::Call {
            path: name.clone(),
            args: vec![arg, Expr::bin(BinOp::Sub, Expr::path("d"), Expr::int("1"))],
        });
        let t = self.fresh("t");
        let else_block = self.scoped(|g| {
            g.declare(&t, VTy::F, false, Iv::sym(3.0));
            let (e, _) = g.float_expr(2);
            let e = g.squash_to(e, 3.0);
            Block {
                stmts: vec![Stmt::Let {
                    pat: Pat::ident(&t),
                    ty: None,
                    init: Some(rec),
                }],
                tail: Some(Box::new(e)),
            }
        });
        let body = Block {
            stmts: vec![],
            tail: Some(Box::new(Expr::fl(Kind::If {
                cond: Box::new(Expr::bin(BinOp::Eq, Expr::path("d"), Expr::int("0"))),
                then: Block {
                    stmts: vec![],
                    tail: Some(Box::new(base)),
                },
                els: Some(Box::new(Expr::fl(Kind::Block(else_block)))),
            }))),
        };
        self.helpers.push(HelperSig {
            name: name.clone(),
            params: vec![HParam::F, HParam::Depth],
            iv: Iv::sym(3.0),
            out: None,
        });
        Function {
            name,
            params,
            ret: fl,
            wrt: None,
            wrt_bare: false,
            unit: false,
            body,
        }
    }

    /// `fn hN(a: f64, s: &[f64], out: &mut [f64])` or `fn hN(a: f64, acc:
    /// &mut f64)`, returning `()`: a few statements, then the final update of
    /// the out-parameter, which callers lend (`hN(x, &v, &mut buf);`). The
    /// out-parameter comes last, now and then first. `&mut [f64]` is
    /// overwritten whole by a bounded value; `&mut f64` is only written by
    /// the final `*acc += e` or `*acc = 0.5 * *acc + e` (`e` does not read
    /// it), so that a caller's loop keeps it bounded.
    fn out_helper(&mut self, name: String) -> Function {
        let fl = self.fl;
        let slice_out = self.chance(0.6);
        let mut params = vec![Param {
            name: "a".into(),
            ty: ParamTy::Scalar(fl),
            mutable: false,
        }];
        if self.chance(if slice_out { 0.7 } else { 0.3 }) {
            params.push(Param {
                name: "s".into(),
                ty: ParamTy::Slice(fl, 0),
                mutable: false,
            });
        }
        if self.chance(0.3) {
            params.push(Param {
                name: "b".into(),
                ty: ParamTy::Scalar(fl),
                mutable: false,
            });
        }
        if self.chance(0.3) {
            self.rng.shuffle(&mut params);
        }
        let (out, ty) = if slice_out {
            self.tag("out-parameter helper &mut [f64]");
            ("out", ParamTy::MutSlice(fl))
        } else {
            self.tag("out-parameter helper &mut f64");
            ("acc", ParamTy::MutScalar(fl))
        };
        let out_param = Param {
            name: out.into(),
            ty,
            mutable: false,
        };
        if self.chance(0.2) {
            self.tag("out-parameter first");
            params.insert(0, out_param);
        } else {
            params.push(out_param);
        }
        let sig: Vec<HParam> = params
            .iter()
            .map(|p| match p.ty {
                ParamTy::Slice(..) => HParam::Slice,
                ParamTy::MutSlice(_) => HParam::OutSlice,
                ParamTy::MutScalar(_) => HParam::OutF,
                _ => HParam::F,
            })
            .collect();
        let budget = self.rng.i32(1..=4);
        self.begin_function(&params, budget);
        self.max_depth = 2;
        self.unit = true;
        let mut stmts = Vec::new();
        while self.budget > 0 {
            stmts.extend(self.statements_one());
        }
        let oi = self.vars.iter().position(|v| v.name == out).unwrap();
        let (effect, iv) = if slice_out {
            // for i in 0..out.len() { out[i] = e; }
            self.vars[oi].iv = self.vars[oi].iv.hull(Iv::sym(5.0));
            let i = self.fresh("i");
            let ctx = LoopCtx {
                label: None,
                value: false,
            };
            let (e, eiv) = self.scoped(|g| {
                g.declare(&i, VTy::Usize { lo: 0, hi: 4 }, false, Iv::new(0.0, 4.0));
                g.in_loop(ctx, 5, |g| g.float_bounded(2, 5.0))
            });
            stmts.push(Stmt::Expr(Expr::new(Kind::For {
                label: None,
                pat: Pat::ident(&i),
                iter: Box::new(Expr::new(Kind::Range {
                    lo: Box::new(Expr::int("0")),
                    hi: Box::new(Expr::method(Expr::path(out), "len", vec![])),
                    inclusive: false,
                })),
                body: Block {
                    stmts: vec![Stmt::Assign {
                        place: Expr::fl(Kind::Index(
                            Box::new(Expr::path(out)),
                            Box::new(Expr::path(&i)),
                        )),
                        op: None,
                        value: e,
                    }],
                    tail: None,
                },
            })));
            (OutEffect::Overwrite, eiv)
        } else {
            self.frozen_mut.push(out.to_string());
            let (e, eiv) = self.float_bounded(2, 2.0);
            self.frozen_mut.pop();
            let place = Expr::fl(Kind::Unary(UnOp::Deref, Box::new(Expr::path(out))));
            let (effect, op, value) = match self.rng.u32(0..4) {
                0 | 1 => (OutEffect::Add, Some(BinOp::Add), e),
                2 => (OutEffect::Add, Some(BinOp::Sub), e),
                _ => (
                    OutEffect::Mix,
                    None,
                    Expr::bin(
                        BinOp::Add,
                        Expr::bin(BinOp::Mul, self.lit(0.5), place.clone()),
                        e,
                    ),
                ),
            };
            stmts.push(Stmt::Assign { place, op, value });
            (effect, eiv)
        };
        self.unit = false;
        self.helpers.push(HelperSig {
            name: name.clone(),
            params: sig,
            iv,
            out: Some(effect),
        });
        Function {
            name,
            params,
            ret: fl,
            wrt: None,
            wrt_bare: false,
            unit: true,
            body: Block { stmts, tail: None },
        }
    }
}
