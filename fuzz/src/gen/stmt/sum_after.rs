//! Sums used nonlinearly after their loop: `let mut s = 0.0; for .. { s +=
//! term; }` then `s.ln()`, `s.sqrt()`, `1.0 / s`, `s * s`, `z.ln() - x[t]`,
//! `s1 / s2` (the shapes gradmacro fuses with a deferred exit adjoint). The
//! loop runs over a buffer's entries, its indices or a range; its terms read
//! a value from outside the loop (a loop-invariant local, a parameter, an
//! entry) that the use after the loop now and then reads again. The sum is
//! positive by construction where its use needs it: positive terms, added
//! first in the body (the loop runs at least once), or a positive start.
//! Nothing else in the loop sees the sum: it is declared in the generator's
//! scope only after the loop, and never written again.

use super::super::expr::is_untyped;
use super::super::interval::Iv;
use super::super::{BufKind, Gen, LoopCtx, VTy, LIMIT};
use crate::ast::*;

/// The loop's pattern, iterator, trip count, the buffers it iterates, the
/// bindings of its pattern and the element each iteration reads (`None`:
/// a range, whose terms read what is in scope).
type SumHead = (
    Pat,
    Expr,
    u64,
    Vec<String>,
    Vec<(String, VTy, Iv)>,
    Option<(Expr, Iv)>,
);

impl Gen {
    /// `let mut s = 0.0; for .. { s += term; } let a = use(s);`
    pub(super) fn sum_then_nonlinear(&mut self) -> Vec<Stmt> {
        self.tag("sum used nonlinearly after");
        let mut out = Vec::new();
        // A loop-invariant local read in the loop and, often, after it.
        let inv = if self.chance(0.35) {
            self.tag("sum with a loop invariant");
            let k = self.fresh("k");
            let (e, iv) = self.float_bounded(2, 2.0);
            let e = self.typed(e);
            out.push(self.let_float(&k, false, e, iv));
            Some(self.vars.len() - 1)
        } else {
            None
        };
        // What the terms combine with the element, generated outside the
        // loop so that the use after it may read it again.
        let (other, oiv) = match inv {
            Some(k) => {
                self.vars[k].reads += 1;
                (Expr::fpath(&self.vars[k].name.clone()), self.vars[k].iv)
            }
            None => self.float_bounded(1, 2.0),
        };
        let positive = self.chance(0.65);
        let two = self.chance(0.2);
        let first = !two && self.chance(0.7);
        let (head, sure) = self.sum_head();
        let (pat, iter, trips, frozen, bindings, elem) = head;
        // The sums and their starts: zero only where the first iteration
        // surely adds a positive term.
        let count = if two { 2 } else { 1 };
        let mut sums = Vec::new();
        for _ in 0..count {
            let s = self.fresh("s");
            let (init, iv) = if positive && !(first && sure) || self.chance(0.3) {
                let v = *self.pick(&[0.5, 1.0, 0.25]);
                (self.lit(v), Iv::point(v))
            } else if positive || self.rng.bool() {
                (self.lit(0.0), Iv::point(0.0))
            } else {
                self.float_bounded(1, 2.0)
            };
            let ty = (is_untyped(&init) || self.chance(0.2)).then(|| self.fl.name().to_string());
            out.push(Stmt::Let {
                pat: Pat::Ident {
                    name: s.clone(),
                    mutable: true,
                },
                ty,
                init: Some(init),
            });
            sums.push((s, iv));
        }
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
                if !first && g.chance(0.4) && g.budget > 0 {
                    stmts.extend(g.statements_one());
                }
                for (s, iv) in sums.iter_mut() {
                    let (t, tiv) = g.sum_term(elem.clone(), other.clone(), oiv, positive);
                    *iv = iv.hull(iv.add(tiv.scale(trips as f64)));
                    stmts.push(Stmt::Assign {
                        place: Expr::fpath(s),
                        op: Some(BinOp::Add),
                        value: t,
                    });
                }
                if first && g.chance(0.3) && g.budget > 0 {
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
        let mut idx = Vec::new();
        for (s, iv) in &sums {
            self.declare(s, VTy::F, false, *iv);
            idx.push(self.vars.len() - 1);
        }
        let (e, iv) = self.sum_use(&idx, positive, (other, oiv));
        let a = self.fresh("a");
        let (e, iv) = if iv.mag() > LIMIT {
            (self.squash_to(e, 10.0), Iv::sym(10.0))
        } else {
            (e, iv)
        };
        out.push(self.let_float(&a, false, e, iv));
        out
    }

    /// The loop: over a buffer's entries (`for &v in x`, `for v in
    /// x.iter()`), its indices (`for i in 0..x.len()` reading `x[i]`) or a
    /// range; and whether it surely runs at least once.
    fn sum_head(&mut self) -> (SumHead, bool) {
        let bufs: Vec<usize> = self
            .visible_where(|v| matches!(v.ty, VTy::Buf { .. }))
            .into_iter()
            .filter(|&i| self.readable(&self.vars[i].clone()))
            .collect();
        if bufs.is_empty() || self.chance(0.25) {
            let (bound, t) = self.trip_bound();
            let i = self.fresh("i");
            let range = Expr::new(Kind::Range {
                lo: Box::new(Expr::int("0")),
                hi: Box::new(bound),
                inclusive: false,
            });
            let iv = Iv::new(0.0, (t - 1) as f64);
            let head = (
                Pat::ident(&i),
                range,
                t,
                vec![],
                vec![(i, VTy::Usize { lo: 0, hi: t - 1 }, iv)],
                None,
            );
            return (head, true);
        }
        let b = self.prefer_unread(&bufs);
        self.vars[b].reads += 1;
        let name = self.vars[b].name.clone();
        let VTy::Buf { len, kind } = self.vars[b].ty else {
            unreachable!()
        };
        let n = len.unwrap_or(5) as u64;
        let elem = self.vars[b].iv;
        let v = self.fresh("v");
        let head = match (len, self.rng.u32(0..3)) {
            (Some(l), 0) => {
                let i = self.fresh("i");
                let range = Expr::new(Kind::Range {
                    lo: Box::new(Expr::int("0")),
                    hi: Box::new(Expr::method(Expr::path(&name), "len", vec![])),
                    inclusive: false,
                });
                let read = Expr::fl(Kind::Index(
                    Box::new(Expr::path(&name)),
                    Box::new(Expr::path(&i)),
                ));
                let hi = l as u64 - 1;
                (
                    Pat::ident(&i),
                    range,
                    n,
                    vec![],
                    vec![(i, VTy::Usize { lo: 0, hi }, Iv::new(0.0, hi as f64))],
                    Some((read, elem)),
                )
            }
            (_, 1) => (
                Pat::ident(&v),
                Expr::method(Expr::path(&name), "iter", vec![]),
                n,
                vec![name],
                vec![(v.clone(), VTy::RefF, elem)],
                Some((
                    Expr::fl(Kind::Unary(UnOp::Deref, Box::new(Expr::path(&v)))),
                    elem,
                )),
            ),
            _ => {
                let it = match kind {
                    BufKind::Slice | BufKind::VecRef => Expr::path(&name),
                    BufKind::MutSlice => Expr::method(Expr::path(&name), "iter", vec![]),
                    _ => Expr::new(Kind::Ref(Box::new(Expr::path(&name)))),
                };
                (
                    Pat::Ref(Box::new(Pat::ident(&v))),
                    it,
                    n,
                    vec![name],
                    vec![(v.clone(), VTy::F, elem)],
                    Some((Expr::fpath(&v), elem)),
                )
            }
        };
        // A helper's slice parameter has no known length (but is never empty).
        (head, len.is_some())
    }

    /// One term: the element (or an expression in scope) combined with
    /// `other`, made positive (`exp`, `a * a + c`, `cosh`, `c + sin`,
    /// `|a| + c`, `hypot`) when the sum's use needs it.
    fn sum_term(
        &mut self,
        elem: Option<(Expr, Iv)>,
        other: Expr,
        oiv: Iv,
        positive: bool,
    ) -> (Expr, Iv) {
        let (x, xi) = match elem {
            Some(e) => e,
            None => self.float_bounded(2, 2.0),
        };
        let (a, ai) = match self.rng.u32(0..4) {
            0 => (Expr::bin(BinOp::Mul, x, other), xi.mul(oiv)),
            1 => (Expr::bin(BinOp::Sub, x, other), xi.sub(oiv)),
            2 => (x, xi),
            _ => {
                let (w, wi) = self.float_bounded(1, 2.0);
                (Expr::bin(BinOp::Add, x, w), xi.add(wi))
            }
        };
        let (a, ai) = self.bounded((a, ai), 2.0);
        if !positive {
            return match self.rng.u32(0..3) {
                0 => (a, ai),
                1 => (self.call_method(a, "sin", vec![]), Iv::sym(1.0)),
                _ => {
                    let (w, wi) = self.float_bounded(1, 2.0);
                    (Expr::bin(BinOp::Mul, a, w), ai.mul(wi))
                }
            };
        }
        let c = *self.pick(&[0.25, 0.5, 1.0]);
        match self.rng.u32(0..6) {
            0 => (self.call_method(a, "exp", vec![]), ai.mono(f64::exp)),
            1 => {
                let sq = if matches!(a.kind, Kind::Path(_)) {
                    Expr::bin(BinOp::Mul, a.clone(), a)
                } else {
                    self.call_method(a, "powi", vec![Expr::int("2")])
                };
                (
                    Expr::bin(BinOp::Add, sq, self.lit(c)),
                    ai.square().add(Iv::point(c)),
                )
            }
            2 => (
                self.call_method(a, "cosh", vec![]),
                Iv::new(1.0, ai.mag().cosh()),
            ),
            3 => {
                let k = *self.pick(&[1.5, 2.0]);
                let s = self.call_method(a, "sin", vec![]);
                (
                    Expr::bin(BinOp::Add, self.lit(k), s),
                    Iv::new(k - 1.0, k + 1.0),
                )
            }
            4 => {
                let s = self.call_method(a, "abs", vec![]);
                (
                    Expr::bin(BinOp::Add, s, self.lit(c)),
                    ai.abs().add(Iv::point(c)),
                )
            }
            _ => (
                self.call_method(a, "hypot", vec![self.lit(c)]),
                Iv::new(c, ai.mag() + c),
            ),
        }
    }

    /// The use of sums `idx` after their loop: `ln`, `sqrt`, `1.0 / s`,
    /// `recip`, `e / s`, `s1 / s2` of positive sums; `s * s`, `sin`, `tanh`,
    /// `s * e` of any; now and then plus `other` (read in the loop too) or
    /// another expression reading the parameters.
    fn sum_use(&mut self, idx: &[usize], positive: bool, (other, oiv): (Expr, Iv)) -> (Expr, Iv) {
        let s = Expr::fpath(&self.vars[idx[0]].name.clone());
        let siv = self.vars[idx[0]].iv;
        for &i in idx {
            self.vars[i].reads += 1;
        }
        let (mut e, mut iv) = if positive {
            // A positive sum's lower bound is at least its start or a term.
            let lo = siv.lo.max(1e-3);
            let siv = Iv::new(lo, siv.hi.max(lo));
            if idx.len() == 2 {
                self.tag("ratio of two sums");
                let t = Expr::fpath(&self.vars[idx[1]].name.clone());
                let tiv = self.vars[idx[1]].iv;
                let tiv = Iv::new(tiv.lo.max(1e-3), tiv.hi.max(1e-3));
                let q = Expr::bin(BinOp::Div, s, t);
                let qiv = siv.div(tiv);
                if self.rng.bool() {
                    (self.call_method(q, "ln", vec![]), qiv.mono(f64::ln))
                } else {
                    (q, qiv)
                }
            } else {
                match self.rng.u32(0..7) {
                    0 => (self.call_method(s, "ln", vec![]), siv.mono(f64::ln)),
                    1 => {
                        self.tag("ln of a sum minus an entry");
                        let (x, xi) = self.float_bounded(1, 3.0);
                        let l = self.call_method(s, "ln", vec![]);
                        (Expr::bin(BinOp::Sub, l, x), siv.mono(f64::ln).sub(xi))
                    }
                    2 => (self.call_method(s, "sqrt", vec![]), siv.mono(f64::sqrt)),
                    3 => (
                        Expr::bin(BinOp::Div, self.lit_typed(1.0), s),
                        Iv::new(1.0 / siv.hi, 1.0 / siv.lo),
                    ),
                    4 => (
                        self.call_method(s, "recip", vec![]),
                        Iv::new(1.0 / siv.hi, 1.0 / siv.lo),
                    ),
                    5 => {
                        let (x, xi) = self.float_bounded(1, 3.0);
                        (
                            Expr::bin(BinOp::Div, x, s),
                            xi.mul(Iv::new(1.0 / siv.hi, 1.0 / siv.lo)),
                        )
                    }
                    _ => (
                        self.call_method(s, "powf", vec![self.lit(1.5)]),
                        siv.mono(|v| v.powf(1.5)),
                    ),
                }
            }
        } else {
            let (s, siv) = if idx.len() == 2 {
                let t = Expr::fpath(&self.vars[idx[1]].name.clone());
                let tiv = self.vars[idx[1]].iv;
                (Expr::bin(BinOp::Mul, s, t), siv.mul(tiv))
            } else {
                (s, siv)
            };
            match self.rng.u32(0..4) {
                0 => {
                    let sq = if matches!(s.kind, Kind::Path(_)) {
                        Expr::bin(BinOp::Mul, s.clone(), s)
                    } else {
                        self.call_method(s, "powi", vec![Expr::int("2")])
                    };
                    (sq, siv.square())
                }
                1 => (self.call_method(s, "sin", vec![]), Iv::sym(1.0)),
                2 => (self.call_method(s, "tanh", vec![]), Iv::sym(1.0)),
                _ => {
                    let (x, xi) = self.float_bounded(1, 2.0);
                    (Expr::bin(BinOp::Mul, s, x), siv.mul(xi))
                }
            }
        };
        if self.chance(0.5) {
            self.tag("sum operand read after loop");
            e = Expr::bin(BinOp::Add, e, other);
            iv = iv.add(oiv);
        } else if self.chance(0.4) {
            let (x, xi) = self.float_bounded(2, 3.0);
            e = Expr::bin(BinOp::Sub, e, x);
            iv = iv.sub(xi);
        }
        (e, iv)
    }
}
