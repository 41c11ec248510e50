//! Scratch buffers refilled inside nested loops, as plainly written mixture
//! models do: `let mut xc = vec![0.0; d];` declared once before a loop over
//! samples and overwritten whole per sample *and* per inner iteration (`for
//! c in 0..k { for j in 0..d { xc[j] = ..; } .. }`), then read (a sum of
//! squares, an iterator chain, a differentiated helper or a vector rule
//! handed `&xc`, a `.to_vec()` snapshot), the results gathered per
//! component in a second buffer or summed. Now and then `xc` is read before
//! it is refilled: at the top of a sample, before the fill of a component,
//! or by the fill itself (`xc[j] = 0.5 * xc[j] + ..`), carrying state from
//! one iteration to the next.

use super::super::interval::Iv;
use super::super::{BufKind, Gen, HParam, LoopCtx, VTy};
use crate::ast::*;

impl Gen {
    /// `let mut xc = vec![0.0; d];` then a loop over samples refilling it
    /// per component.
    pub(super) fn refill_loop(&mut self) -> Vec<Stmt> {
        self.tag("scratch refilled per component");
        let mut out = Vec::new();
        let d = self.rng.usize(2..=4);
        let k = self.rng.u64(1..=3);
        let xc = self.fresh("xc");
        let xi = self.zero_buffer(&xc, d, &mut out);
        let terms = self.chance(0.5).then(|| {
            let t = self.fresh("terms");
            (t.clone(), self.zero_buffer(&t, k as usize, &mut out))
        });
        let (s, acc) = self.accumulator();
        out.push(s);
        // The loop over samples: a range, a buffer's entries or its indices.
        let bufs: Vec<usize> = self
            .visible_where(|v| matches!(v.ty, VTy::Buf { len: Some(_), .. }))
            .into_iter()
            .filter(|&i| i != xi && self.readable(&self.vars[i].clone()))
            .filter(|&i| terms.as_ref().map_or(true, |(_, t)| *t != i))
            .collect();
        let (pat, iter, trips, frozen, bindings) = if !bufs.is_empty() && self.chance(0.5) {
            let b = self.prefer_unread(&bufs);
            self.vars[b].reads += 1;
            let name = self.vars[b].name.clone();
            let VTy::Buf { len: Some(n), kind } = self.vars[b].ty else {
                unreachable!()
            };
            let n = n as u64;
            if self.rng.bool() {
                let x = self.fresh("x");
                let it = match kind {
                    BufKind::Slice | BufKind::VecRef => Expr::path(&name),
                    BufKind::MutSlice => Expr::method(Expr::path(&name), "iter", vec![]),
                    _ => Expr::new(Kind::Ref(Box::new(Expr::path(&name)))),
                };
                let elem = self.vars[b].iv;
                (
                    Pat::Ref(Box::new(Pat::ident(&x))),
                    it,
                    n,
                    vec![name],
                    vec![(x, VTy::F, elem)],
                )
            } else {
                let i = self.fresh("i");
                let range = Expr::new(Kind::Range {
                    lo: Box::new(Expr::int("0")),
                    hi: Box::new(Expr::method(Expr::path(&name), "len", vec![])),
                    inclusive: false,
                });
                let iv = Iv::new(0.0, (n - 1) as f64);
                (
                    Pat::ident(&i),
                    range,
                    n,
                    vec![],
                    vec![(i, VTy::Usize { lo: 0, hi: n - 1 }, iv)],
                )
            }
        } else {
            let (bound, t) = self.trip_bound();
            let i = self.fresh("i");
            let range = Expr::new(Kind::Range {
                lo: Box::new(Expr::int("0")),
                hi: Box::new(bound),
                inclusive: false,
            });
            let iv = Iv::new(0.0, (t - 1) as f64);
            (
                Pat::ident(&i),
                range,
                t,
                vec![],
                vec![(i, VTy::Usize { lo: 0, hi: t - 1 }, iv)],
            )
        };
        let ctx = LoopCtx {
            label: None,
            value: false,
        };
        let body = self.scoped(|g| {
            g.frozen.extend(frozen);
            for (n, t, iv) in &bindings {
                g.declare(n, t.clone(), false, *iv);
            }
            g.in_loop(ctx, trips, |g| {
                let mut stmts = Vec::new();
                if g.chance(0.25) {
                    g.tag("scratch read before its refill");
                    stmts.push(g.scratch_read(xi, acc));
                }
                stmts.push(g.per_component(xi, d, k, terms.as_ref().map(|t| t.1), acc));
                if let Some((_, ti)) = terms {
                    let (v, iv) = g.gathered(ti);
                    stmts.push(g.add_to(acc, v, iv));
                }
                if g.chance(0.25) && g.budget > 0 {
                    stmts.extend(g.statements_one());
                }
                Block { stmts, tail: None }
            })
        });
        out.push(Stmt::Expr(Expr::new(Kind::For {
            label: None,
            pat,
            iter: Box::new(iter),
            body,
        })));
        // What the last sample left is read after the loop by what follows
        // (the tail reads buffers nothing read).
        self.vars[xi].iv = Iv::sym(3.0);
        out
    }

    /// `let mut name = vec![0.0; n];` (or `[0.0; n]`), declared writable.
    fn zero_buffer(&mut self, name: &str, n: usize, out: &mut Vec<Stmt>) -> usize {
        let fl = self.fl.name();
        let vec = self.chance(0.7);
        out.push(Stmt::Let {
            pat: Pat::Ident {
                name: name.to_string(),
                mutable: true,
            },
            ty: Some(if vec {
                format!("Vec<{fl}>")
            } else {
                format!("[{fl}; {n}]")
            }),
            init: Some(Expr::new(Kind::Repeat {
                elem: Box::new(self.lit(0.0)),
                count: Box::new(Expr::int(n.to_string())),
                vec,
            })),
        });
        let kind = if vec {
            BufKind::Vec
        } else {
            BufKind::LocalArray
        };
        self.declare(name, VTy::Buf { len: Some(n), kind }, true, Iv::point(0.0));
        self.vars.len() - 1
    }

    /// `acc += v;` (its bound grown by the trips around it), or `let aN =
    /// v;` where a `let` in the loop shadowed the accumulator.
    fn add_to(&mut self, acc: usize, v: Expr, iv: Iv) -> Stmt {
        if !self.visible().contains(&acc) {
            let t = self.fresh("a");
            return self.let_float(&t, false, v, iv);
        }
        let trips = self.trips.max(1) as f64;
        let a = &mut self.vars[acc];
        a.iv = a.iv.hull(a.iv.add(iv.scale(trips)));
        Stmt::Assign {
            place: Expr::fpath(&a.name.clone()),
            op: Some(BinOp::Add),
            value: v,
        }
    }

    /// `acc += xc[i] * w;`: a read of the scratch buffer's previous fill.
    fn scratch_read(&mut self, xi: usize, acc: usize) -> Stmt {
        self.vars[xi].reads += 1;
        let idx = self.index_for(xi, false);
        let r = Expr::fl(Kind::Index(
            Box::new(Expr::path(&self.vars[xi].name.clone())),
            Box::new(idx),
        ));
        let (w, wi) = self.float_bounded(1, 2.0);
        let (v, iv) = self.bounded((Expr::bin(BinOp::Mul, r, w), self.vars[xi].iv.mul(wi)), 5.0);
        self.add_to(acc, v, iv)
    }

    /// `for c in 0..k { for j in 0..d { xc[j] = ..; } .. terms[c] = ..; }`
    /// (or `acc += ..` without a buffer of terms).
    fn per_component(
        &mut self,
        xi: usize,
        d: usize,
        k: u64,
        terms: Option<usize>,
        acc: usize,
    ) -> Stmt {
        let c = self.fresh("c");
        let ctx = LoopCtx {
            label: None,
            value: false,
        };
        let body = self.scoped(|g| {
            let iv = Iv::new(0.0, (k - 1) as f64);
            g.declare(&c, VTy::Usize { lo: 0, hi: k - 1 }, false, iv);
            g.in_loop(ctx, k, |g| {
                let mut stmts = Vec::new();
                if g.chance(0.15) {
                    g.tag("scratch read before its refill");
                    stmts.push(g.scratch_read(xi, acc));
                }
                stmts.push(g.scratch_fill(xi, d, &c, k));
                if g.chance(0.3) && g.budget > 0 {
                    stmts.extend(g.statements_one());
                }
                let (v, iv) = g.scratch_use(xi, d, &mut stmts);
                match terms {
                    Some(ti) if g.writable_buffer(&g.vars[ti].clone()) => {
                        let name = g.vars[ti].name.clone();
                        g.vars[ti].iv = g.vars[ti].iv.hull(iv);
                        stmts.push(Stmt::Assign {
                            place: Expr::fl(Kind::Index(
                                Box::new(Expr::path(&name)),
                                Box::new(Expr::path(&c)),
                            )),
                            op: None,
                            value: v,
                        });
                    }
                    _ => stmts.push(g.add_to(acc, v, iv)),
                }
                Block { stmts, tail: None }
            })
        });
        Stmt::Expr(Expr::new(Kind::For {
            label: None,
            pat: Pat::ident(&c),
            iter: Box::new(Expr::new(Kind::Range {
                lo: Box::new(Expr::int("0")),
                hi: Box::new(Expr::int(k.to_string())),
                inclusive: false,
            })),
            body,
        }))
    }

    /// `for j in 0..d { xc[j] = e; }` with `e` reading an offset entry
    /// (`mu[c * d + j]`, wrapped when it could pass the end) or whatever is
    /// in scope, now and then the entry's previous value.
    fn scratch_fill(&mut self, xi: usize, d: usize, c: &str, k: u64) -> Stmt {
        let xc = self.vars[xi].name.clone();
        let j = self.fresh("j");
        let e = self.scoped(|g| {
            let hi = d as u64 - 1;
            g.declare(&j, VTy::Usize { lo: 0, hi }, false, Iv::new(0.0, hi as f64));
            let bufs: Vec<usize> = g
                .visible_where(|v| matches!(v.ty, VTy::Buf { len: Some(_), .. }) && v.name != xc)
                .into_iter()
                .filter(|&i| g.readable(&g.vars[i].clone()))
                .collect();
            let (mut e, mut iv) = if !bufs.is_empty() && g.chance(0.6) {
                // `mu[c * d + j]`: a flat offset, as a C port indexes.
                g.tag("scratch fill at flat offsets");
                let b = g.prefer_unread(&bufs);
                g.vars[b].reads += 1;
                let VTy::Buf { len: Some(n), .. } = g.vars[b].ty else {
                    unreachable!()
                };
                let name = g.vars[b].name.clone();
                let off = Expr::bin(
                    BinOp::Add,
                    Expr::bin(BinOp::Mul, Expr::path(c), Expr::int(d.to_string())),
                    Expr::path(&j),
                );
                let idx = if k as usize * d <= n {
                    off
                } else {
                    Expr::bin(
                        BinOp::Rem,
                        off,
                        Expr::method(Expr::path(&name), "len", vec![]),
                    )
                };
                let r = Expr::fl(Kind::Index(Box::new(Expr::path(&name)), Box::new(idx)));
                let (w, wi) = g.float_bounded(2, 2.0);
                let biv = g.vars[b].iv;
                if g.rng.bool() {
                    (Expr::bin(BinOp::Sub, w, r), wi.sub(biv))
                } else {
                    (Expr::bin(BinOp::Mul, r, w), biv.mul(wi))
                }
            } else {
                g.float_bounded(2, 3.0)
            };
            if g.chance(0.15) {
                g.tag("scratch fill reads old value");
                let old = Expr::fl(Kind::Index(
                    Box::new(Expr::path(&xc)),
                    Box::new(Expr::path(&j)),
                ));
                let (b, bi) = g.bounded((e, iv), 1.5);
                e = Expr::bin(BinOp::Add, Expr::bin(BinOp::Mul, g.lit(0.5), old), b);
                iv = bi.add(Iv::sym(1.5));
            }
            g.bounded((e, iv), 3.0).0
        });
        let hi = if self.rng.bool() {
            Expr::int(d.to_string())
        } else {
            Expr::method(Expr::path(&xc), "len", vec![])
        };
        Stmt::Expr(Expr::new(Kind::For {
            label: None,
            pat: Pat::ident(&j),
            iter: Box::new(Expr::new(Kind::Range {
                lo: Box::new(Expr::int("0")),
                hi: Box::new(hi),
                inclusive: false,
            })),
            body: Block {
                stmts: vec![Stmt::Assign {
                    place: Expr::fl(Kind::Index(
                        Box::new(Expr::path(&xc)),
                        Box::new(Expr::path(&j)),
                    )),
                    op: None,
                    value: e,
                }],
                tail: None,
            },
        }))
    }

    /// A value read from the refilled scratch buffer (statements it needs
    /// first go to `stmts`): `w - 0.5 * sq` of a sum of squares, an
    /// iterator chain, a helper or a vector rule handed `&xc`, or a reduction
    /// of a `.to_vec()` snapshot.
    fn scratch_use(&mut self, xi: usize, d: usize, stmts: &mut Vec<Stmt>) -> (Expr, Iv) {
        let xc = self.vars[xi].name.clone();
        let slice_helpers = self
            .value_helpers()
            .into_iter()
            .any(|h| h.params.contains(&HParam::Slice));
        let r = match self.weighted(&[
            4,
            3,
            if slice_helpers { 3 } else { 0 },
            2,
            if self.vectors { 2 } else { 0 },
        ]) {
            0 => {
                // let mut sq = 0.0; for j in 0..xc.len() { sq += xc[j] * xc[j]; }
                self.tag("scratch sum of squares");
                let sq = self.fresh("sq");
                let j = self.fresh("j");
                let x = || {
                    Expr::fl(Kind::Index(
                        Box::new(Expr::path(&xc)),
                        Box::new(Expr::path(&j)),
                    ))
                };
                stmts.push(Stmt::Let {
                    pat: Pat::Ident {
                        name: sq.clone(),
                        mutable: true,
                    },
                    ty: None,
                    init: Some(self.lit_typed(0.0)),
                });
                stmts.push(Stmt::Expr(Expr::new(Kind::For {
                    label: None,
                    pat: Pat::ident(&j),
                    iter: Box::new(Expr::new(Kind::Range {
                        lo: Box::new(Expr::int("0")),
                        hi: Box::new(Expr::method(Expr::path(&xc), "len", vec![])),
                        inclusive: false,
                    })),
                    body: Block {
                        stmts: vec![Stmt::Assign {
                            place: Expr::fpath(&sq),
                            op: Some(BinOp::Add),
                            value: Expr::bin(BinOp::Mul, x(), x()),
                        }],
                        tail: None,
                    },
                })));
                let m = self.vars[xi].iv.mag().min(3.0);
                let sqiv = Iv::new(0.0, d as f64 * m * m);
                let (w, wi) = self.float_bounded(1, 2.0);
                (
                    Expr::bin(
                        BinOp::Sub,
                        w,
                        Expr::bin(BinOp::Mul, self.lit(0.5), Expr::fpath(&sq)),
                    ),
                    wi.sub(sqiv.scale(0.5)),
                )
            }
            1 => self.reduction_over(xi, 2),
            2 => {
                self.tag("scratch handed to a helper");
                self.call_with_slice(xi)
            }
            3 => {
                self.tag("scratch snapshot to_vec");
                let snap = self.fresh("snap");
                stmts.push(Stmt::Let {
                    pat: Pat::ident(&snap),
                    ty: None,
                    init: Some(Expr::method(Expr::path(&xc), "to_vec", vec![])),
                });
                self.vars[xi].reads += 1;
                let iv = self.vars[xi].iv;
                self.declare(
                    &snap,
                    VTy::Buf {
                        len: Some(d),
                        kind: BufKind::Vec,
                    },
                    false,
                    iv,
                );
                let si = self.vars.len() - 1;
                self.reduction_over(si, 2)
            }
            _ => self.scratch_rule(xi),
        };
        self.bounded(r, 5.0)
    }

    /// What the per-component buffer gives a sample: an iterator chain, a
    /// helper or `logsumexp` handed `&terms`, or `ln Σ exp(t)` written out.
    fn gathered(&mut self, ti: usize) -> (Expr, Iv) {
        let slice_helpers = self
            .value_helpers()
            .into_iter()
            .any(|h| h.params.contains(&HParam::Slice));
        let r = match self.weighted(&[
            3,
            if slice_helpers { 2 } else { 0 },
            if self.vectors { 2 } else { 0 },
            3,
        ]) {
            0 => self.reduction_over(ti, 2),
            1 => self.call_with_slice(ti),
            2 => self.scratch_rule(ti),
            _ => {
                self.tag("ln sum exp of terms");
                self.vars[ti].reads += 1;
                let name = self.vars[ti].name.clone();
                let t = self.fresh("t");
                let exp = self.call_method(Expr::fpath(&t), "exp", vec![]);
                let map = Expr::method(
                    Expr::method(Expr::path(&name), "iter", vec![]),
                    "map",
                    vec![Expr::new(Kind::Closure {
                        params: format!("&{t}"),
                        body: Box::new(exp),
                        is_move: false,
                    })],
                );
                let sum = Expr::fl(Kind::Method {
                    recv: Box::new(map),
                    name: "sum".into(),
                    turbofish: Some(self.fl.name().into()),
                    args: vec![],
                });
                let m = self.vars[ti].iv.mag().min(5.0);
                (self.call_method(sum, "ln", vec![]), Iv::new(-m, m + 2.0))
            }
        };
        self.bounded(r, 5.0)
    }

    /// A call of a value helper with a slice parameter, handed buffer `b`
    /// there.
    fn call_with_slice(&mut self, b: usize) -> (Expr, Iv) {
        let hs: Vec<_> = self
            .value_helpers()
            .into_iter()
            .filter(|h| h.params.contains(&HParam::Slice))
            .collect();
        let h = self.pick(&hs).clone();
        let mut args = Vec::new();
        for p in &h.params {
            args.push(match p {
                HParam::Slice => self.buffer_argument(b),
                HParam::Count(max) => Expr::int(self.rng.u64(1..=*max).to_string()),
                HParam::Depth => Expr::int(self.rng.u64(0..=3).to_string()),
                _ => self.float_bounded(1, 2.0).0,
            });
        }
        self.tag("helper call");
        (
            Expr::fl(Kind::Call {
                path: h.name.clone(),
                args,
            }),
            h.iv,
        )
    }

    /// `logsumexp(&b)`, `sum(&b)`, `squared_norm(&b)` or `dot(&b, &b)` of
    /// `gradmacro::vector`.
    fn scratch_rule(&mut self, b: usize) -> (Expr, Iv) {
        let VTy::Buf { len, .. } = self.vars[b].ty else {
            unreachable!()
        };
        let n = len.unwrap_or(5) as f64;
        let e = self.vars[b].iv;
        let (name, iv): (&'static str, Iv) = match self.rng.u32(0..4) {
            0 => ("logsumexp", Iv::new(e.lo, e.hi + n.ln())),
            1 => ("sum", e.scale(n)),
            2 => ("squared_norm", e.square().scale(n)),
            _ => ("dot", e.mul(e).scale(n)),
        };
        self.tag(match name {
            "dot" => "vector rule dot",
            "sum" => "vector rule sum",
            "squared_norm" => "vector rule squared_norm",
            _ => "vector rule logsumexp",
        });
        if !self.vector_rules.contains(&name) {
            self.vector_rules.push(name);
        }
        let mut args = vec![self.buffer_argument(b)];
        if name == "dot" {
            args.push(self.buffer_argument(b));
        }
        (
            Expr::fl(Kind::Call {
                path: name.into(),
                args,
            }),
            iv,
        )
    }
}
