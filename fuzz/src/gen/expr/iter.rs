//! Iterator chains over buffers reduced to a float (`sum`, `product`,
//! `fold`, `map`, `zip`, `enumerate`, `rev`), and the closure bodies they
//! carry.

use super::super::interval::Iv;
use super::super::{BufKind, Gen, MatKind, VTy, UNKNOWN_LEN};
use crate::ast::*;

impl Gen {
    /// `.sum::<f64>()` or `.product::<f64>()` of an iterator.
    fn reduce(&self, iter: Expr, how: &str) -> Expr {
        Expr::fl(Kind::Method {
            recv: Box::new(iter),
            name: how.into(),
            turbofish: Some(self.fl.name().into()),
            args: vec![],
        })
    }

    /// `recv.iter()`
    fn iter_of(name: &str) -> Expr {
        Expr::method(Expr::path(name), "iter", vec![])
    }

    /// `base.iter()` of a buffer or a range slice.
    fn iter_on(base: Expr) -> Expr {
        Expr::method(base, "iter", vec![])
    }

    /// `iter.map(|params| body)`
    fn map(iter: Expr, params: &str, body: Expr) -> Expr {
        Expr::method(
            iter,
            "map",
            vec![Expr::new(Kind::Closure {
                params: params.into(),
                body: Box::new(body),
                is_move: false,
            })],
        )
    }

    /// A closure body with `bindings` in scope.
    pub(in crate::gen) fn closure_body(
        &mut self,
        depth: u32,
        bindings: &[(String, VTy, Iv)],
        m: f64,
    ) -> (Expr, Iv) {
        let was = self.closure;
        self.closure = true;
        let r = self.scoped(|g| {
            for (n, t, iv) in bindings {
                g.declare(n, t.clone(), false, *iv);
            }
            if g.rare && g.chance(0.04) {
                // `{ if c { return a; } b }`: the closure's own return.
                g.tag("return in closure");
                let c = g.cond(0);
                let (a, ai) = g.float_bounded(1, m);
                let (b, bi) = g.float_bounded(1, m);
                let a = g.typed(a);
                let body = Block {
                    stmts: vec![Stmt::Expr(Expr::new(Kind::If {
                        cond: Box::new(c),
                        then: Block {
                            stmts: vec![Stmt::Expr(Expr::new(Kind::Return(Some(Box::new(a)))))],
                            tail: None,
                        },
                        els: None,
                    }))],
                    tail: Some(Box::new(b)),
                };
                return (Expr::fl(Kind::Block(body)), ai.hull(bi));
            }
            g.float_bounded(depth.clamp(1, 2), m)
        });
        self.closure = was;
        r
    }

    /// An iterator chain over a buffer in scope, reduced to a float.
    pub(super) fn reduction(&mut self, depth: u32) -> (Expr, Iv) {
        let bufs = self.visible_where(|v| matches!(v.ty, VTy::Buf { .. }));
        let bufs: Vec<usize> = bufs
            .into_iter()
            .filter(|&i| self.readable(&self.vars[i].clone()))
            .collect();
        let mats = self.visible_where(|v| matches!(v.ty, VTy::Mat { .. }));
        if !mats.is_empty() && (bufs.is_empty() || self.chance(0.15)) {
            let m = *self.pick(&mats);
            return self.rows_reduction(m, depth);
        }
        if bufs.is_empty() {
            return self.leaf();
        }
        let i = self.prefer_unread(&bufs);
        self.reduction_over(i, depth)
    }

    /// `m.iter().map(|row| <reduction of row>).sum()` over a matrix's rows.
    fn rows_reduction(&mut self, m: usize, depth: u32) -> (Expr, Iv) {
        self.tag("rows map sum");
        self.vars[m].reads += 1;
        let name = self.vars[m].name.clone();
        let VTy::Mat { rows, cols, kind } = self.vars[m].ty else {
            unreachable!()
        };
        let row = self.fresh("row");
        let rkind = match kind {
            MatKind::Arrays => BufKind::Slice,
            MatKind::Vecs => BufKind::VecRef,
        };
        let iv = self.vars[m].iv;
        let was = self.closure;
        self.closure = true;
        let (body, bi) = self.scoped(|g| {
            g.declare(
                &row,
                VTy::Buf {
                    len: Some(cols),
                    kind: rkind,
                },
                false,
                iv,
            );
            let r = g.reduction_over(g.vars.len() - 1, depth.saturating_sub(1));
            g.bounded(r, 30.0)
        });
        self.closure = was;
        (
            self.reduce(Self::map(Self::iter_of(&name), &row, body), "sum"),
            bi.scale(rows as f64),
        )
    }

    /// An iterator chain over buffer variable `i`, reduced to a float.
    pub(in crate::gen) fn reduction_over(&mut self, i: usize, depth: u32) -> (Expr, Iv) {
        self.vars[i].reads += 1;
        let name = self.vars[i].name.clone();
        let VTy::Buf { len, .. } = self.vars[i].ty else {
            unreachable!()
        };
        // Now and then over a range slice: `x[1..].iter()`.
        let (base, len) = match self.chance(0.1).then(|| self.range_slice(i)).flatten() {
            Some((slice, l)) => {
                self.tag("iter over a range slice");
                (slice, l.or(len))
            }
            None => (Expr::path(&name), len),
        };
        let n = len.unwrap_or(5) as f64;
        let elem = self.vars[i].iv;
        let v = self.fresh("v");
        let depth = depth.clamp(1, 2);
        match self.weighted(&[5, 10, 5, 6, 4, 4, 2, 2, if self.rare { 2 } else { 0 }]) {
            0 => {
                self.tag("iter sum");
                (
                    self.reduce(Self::iter_on(base.clone()), "sum"),
                    elem.scale(n),
                )
            }
            1 => {
                self.tag("iter map sum");
                let (body, bi) = self.closure_body(depth, &[(v.clone(), VTy::RefF, elem)], 30.0);
                (
                    self.reduce(Self::map(Self::iter_on(base.clone()), &v, body), "sum"),
                    bi.scale(n),
                )
            }
            2 => {
                self.tag("iter map &v sum");
                let (body, bi) = self.closure_body(depth, &[(v.clone(), VTy::F, elem)], 30.0);
                (
                    self.reduce(
                        Self::map(Self::iter_on(base.clone()), &format!("&{v}"), body),
                        "sum",
                    ),
                    bi.scale(n),
                )
            }
            3 => {
                self.tag("fold");
                let acc = self.fresh("acc");
                let init_v = self.literal_value(-1.0, 1.0);
                let init = self.lit_typed(init_v);
                let (body, bi) = self.closure_body(
                    depth,
                    &[
                        (acc.clone(), VTy::F, Iv::sym(10.0)),
                        (v.clone(), VTy::RefF, elem),
                    ],
                    3.0,
                );
                let (step, iv) = match self.rng.u32(0..3) {
                    0 => (
                        Expr::bin(BinOp::Add, Expr::fpath(&acc), body),
                        bi.scale(n).add(Iv::point(init_v)),
                    ),
                    1 => (
                        Expr::bin(
                            BinOp::Add,
                            Expr::bin(BinOp::Mul, Expr::fpath(&acc), self.lit(0.5)),
                            body,
                        ),
                        Iv::sym(2.0 * bi.mag() + init_v.abs()),
                    ),
                    _ => {
                        let s = Expr::bin(BinOp::Add, Expr::fpath(&acc), body);
                        (
                            Expr::fmethod(s, "tanh", vec![]),
                            Iv::sym(1.0).hull(Iv::point(init_v)),
                        )
                    }
                };
                let pat = if self.rng.bool() {
                    format!("{acc}, {v}")
                } else {
                    // `|acc, &v|` binds the value; the body reads `*v`-free.
                    format!("{acc}, {v}")
                };
                (
                    Expr::fl(Kind::Method {
                        recv: Box::new(Self::iter_on(base.clone())),
                        name: "fold".into(),
                        turbofish: None,
                        args: vec![
                            init,
                            Expr::new(Kind::Closure {
                                params: pat,
                                body: Box::new(step),
                                is_move: false,
                            }),
                        ],
                    }),
                    iv,
                )
            }
            4 => {
                // zip with another buffer (or itself).
                self.tag("zip");
                let bufs = self.visible_where(|x| matches!(x.ty, VTy::Buf { .. }));
                let bufs: Vec<usize> = bufs
                    .into_iter()
                    .filter(|&j| self.readable(&self.vars[j].clone()))
                    .collect();
                let j = *self.pick(&bufs);
                self.vars[j].reads += 1;
                let other = self.vars[j].name.clone();
                let oiv = self.vars[j].iv;
                let w = self.fresh("u");
                let zipped = Expr::method(
                    Self::iter_on(base.clone()),
                    "zip",
                    vec![Self::iter_of(&other)],
                );
                let (body, bi) = self.closure_body(
                    depth,
                    &[(v.clone(), VTy::RefF, elem), (w.clone(), VTy::RefF, oiv)],
                    30.0,
                );
                (
                    self.reduce(Self::map(zipped, &format!("({v}, {w})"), body), "sum"),
                    bi.scale(n),
                )
            }
            5 => {
                self.tag("enumerate");
                let idx = self.fresh("i");
                let hi = len.map_or(UNKNOWN_LEN - 1, |l| l as u64 - 1);
                let en = Expr::method(Self::iter_on(base.clone()), "enumerate", vec![]);
                let (body, bi) = self.closure_body(
                    depth,
                    &[
                        (
                            idx.clone(),
                            VTy::Usize { lo: 0, hi },
                            Iv::new(0.0, hi as f64),
                        ),
                        (v.clone(), VTy::RefF, elem),
                    ],
                    30.0,
                );
                (
                    self.reduce(Self::map(en, &format!("({idx}, {v})"), body), "sum"),
                    bi.scale(n),
                )
            }
            6 => {
                self.tag("rev");
                let rev = Expr::method(Self::iter_on(base.clone()), "rev", vec![]);
                let (body, bi) = self.closure_body(depth, &[(v.clone(), VTy::RefF, elem)], 30.0);
                (self.reduce(Self::map(rev, &v, body), "sum"), bi.scale(n))
            }
            7 => {
                self.tag("product");
                let (body, _) = self.closure_body(depth, &[(v.clone(), VTy::RefF, elem)], 1.0);
                let shifted = Expr::bin(BinOp::Add, body, self.lit(1.25));
                (
                    self.reduce(
                        Self::map(Self::iter_on(base.clone()), &v, shifted),
                        "product",
                    ),
                    Iv::new(0.0, 2.25f64.powf(n)),
                )
            }
            _ => {
                self.tag("range map sum");
                let idx = self.fresh("i");
                let hi = self.rng.u64(1..=4);
                let range = Expr::new(Kind::Range {
                    lo: Box::new(Expr::int("0")),
                    hi: Box::new(Expr::int(hi.to_string())),
                    inclusive: false,
                });
                let (body, bi) = self.closure_body(
                    depth,
                    &[(
                        idx.clone(),
                        VTy::Usize { lo: 0, hi: hi - 1 },
                        Iv::new(0.0, hi as f64),
                    )],
                    30.0,
                );
                (
                    self.reduce(Self::map(range, &idx, body), "sum"),
                    bi.scale(hi as f64),
                )
            }
        }
    }
}
