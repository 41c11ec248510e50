//! `for` loops: over ranges (reversed, inclusive, stepped), over buffers
//! (`iter`, `&x`, `enumerate`, `zip`, `rev`, index loops, `windows`,
//! `chunks`, `chunks_exact`, range slices), over the rows of matrices and
//! over constant collections; iterated buffers are frozen for the body.

use super::super::interval::Iv;
use super::super::{BufKind, Gen, LoopCtx, MatKind, VTy, UNKNOWN_LEN};
use super::assign::Target;
use crate::ast::*;

/// A `for` loop's pattern, iterator, trip count, the buffers it iterates
/// (which the body must not write) and the bindings of its pattern.
type LoopHead = (Pat, Expr, u64, Vec<String>, Vec<(String, VTy, Iv)>);

impl Gen {
    /// A `for` loop over a range or a buffer; returns the statements (an
    /// accumulator may come first).
    pub(super) fn for_loop(&mut self) -> Vec<Stmt> {
        let mut out = Vec::new();
        let acc = if self.chance(0.55) {
            let (s, i) = self.accumulator();
            out.push(s);
            Some(i)
        } else {
            None
        };
        let label = self.maybe_label();
        let bufs: Vec<usize> = self
            .visible_where(|v| matches!(v.ty, VTy::Buf { .. }))
            .into_iter()
            .filter(|&i| self.readable(&self.vars[i].clone()))
            .collect();
        let over_buffer = !bufs.is_empty() && self.chance(0.5);
        let body_max = self.rng.i32(1..=4);
        let mats = self.visible_where(|v| matches!(v.ty, VTy::Mat { .. }));
        let special = if over_buffer && self.chance(0.15) {
            let b = self.prefer_unread(&bufs);
            self.piece_head(b)
        } else if !over_buffer && !mats.is_empty() && self.chance(0.25) {
            let m = *self.pick(&mats);
            Some(self.row_head(m))
        } else {
            None
        };
        let (pat, iter, trips, frozen, bindings): LoopHead = if let Some(head) = special {
            head
        } else if over_buffer {
            let b = self.prefer_unread(&bufs);
            self.vars[b].reads += 1;
            let name = self.vars[b].name.clone();
            let VTy::Buf { len, kind } = self.vars[b].ty else {
                unreachable!()
            };
            let elem = self.vars[b].iv;
            let n = len.unwrap_or(5) as u64;
            let v = self.fresh("v");
            let iter = Expr::method(Expr::path(&name), "iter", vec![]);
            match self.rng.u32(0..7) {
                0 | 1 => {
                    self.tag("for v in x.iter()");
                    (
                        Pat::ident(&v),
                        iter,
                        n,
                        vec![name],
                        vec![(v, VTy::RefF, elem)],
                    )
                }
                2 => {
                    self.tag("for &v in x");
                    let it = match kind {
                        BufKind::Slice | BufKind::VecRef => Expr::path(&name),
                        // `&out` of `out: &mut [f]` is not iterable.
                        BufKind::MutSlice => Expr::method(Expr::path(&name), "iter", vec![]),
                        _ => Expr::new(Kind::Ref(Box::new(Expr::path(&name)))),
                    };
                    (
                        Pat::Ref(Box::new(Pat::ident(&v))),
                        it,
                        n,
                        vec![name],
                        vec![(v, VTy::F, elem)],
                    )
                }
                3 => {
                    self.tag("for enumerate");
                    let i = self.fresh("i");
                    let ihi = len.map_or(UNKNOWN_LEN - 1, |l| l as u64 - 1);
                    let by_value = self.rng.bool();
                    let vp = if by_value {
                        Pat::Ref(Box::new(Pat::ident(&v)))
                    } else {
                        Pat::ident(&v)
                    };
                    (
                        Pat::Tuple(vec![Pat::ident(&i), vp]),
                        Expr::method(iter, "enumerate", vec![]),
                        n,
                        vec![name],
                        vec![
                            (i, VTy::Usize { lo: 0, hi: ihi }, Iv::new(0.0, ihi as f64)),
                            (v, if by_value { VTy::F } else { VTy::RefF }, elem),
                        ],
                    )
                }
                4 => {
                    self.tag("for zip");
                    let o = *self.pick(&bufs);
                    self.vars[o].reads += 1;
                    let other = self.vars[o].name.clone();
                    let oiv = self.vars[o].iv;
                    let u = self.fresh("u");
                    let zip_range = self.chance(0.25);
                    if zip_range {
                        // zip with a range: the index as a constant collection.
                        let (bound, t) = self.trip_bound();
                        let range = Expr::new(Kind::Range {
                            lo: Box::new(Expr::int("0")),
                            hi: Box::new(bound),
                            inclusive: false,
                        });
                        (
                            Pat::Tuple(vec![Pat::ident(&v), Pat::ident(&u)]),
                            Expr::method(iter, "zip", vec![range]),
                            n.min(t),
                            vec![name],
                            vec![
                                (v, VTy::RefF, elem),
                                (u, VTy::Usize { lo: 0, hi: t - 1 }, Iv::new(0.0, t as f64)),
                            ],
                        )
                    } else {
                        (
                            Pat::Tuple(vec![Pat::ident(&v), Pat::ident(&u)]),
                            Expr::method(
                                iter,
                                "zip",
                                vec![Expr::method(Expr::path(&other), "iter", vec![])],
                            ),
                            n,
                            vec![name, other.clone()],
                            vec![(v, VTy::RefF, elem), (u, VTy::RefF, oiv)],
                        )
                    }
                }
                5 => {
                    self.tag("for rev");
                    (
                        Pat::ident(&v),
                        Expr::method(iter, "rev", vec![]),
                        n,
                        vec![name],
                        vec![(v, VTy::RefF, elem)],
                    )
                }
                _ => {
                    // An index loop over the buffer's length, from 1 now and
                    // then (so that `x[i - 1]` is in bounds).
                    let hi = len.map_or(UNKNOWN_LEN - 1, |l| l as u64 - 1);
                    let lo = if len.is_some() && hi >= 1 && self.chance(0.35) {
                        self.tag("for 1..x.len()");
                        1
                    } else {
                        self.tag("for 0..x.len()");
                        0
                    };
                    let i = self.fresh("i");
                    let range = Expr::new(Kind::Range {
                        lo: Box::new(Expr::int(lo.to_string())),
                        hi: Box::new(Expr::method(Expr::path(&name), "len", vec![])),
                        inclusive: false,
                    });
                    (
                        Pat::ident(&i),
                        range,
                        n,
                        vec![],
                        vec![(i, VTy::Usize { lo, hi }, Iv::new(lo as f64, hi as f64))],
                    )
                }
            }
        } else if let Some(li) = self
            .visible_where(|v| matches!(v.ty, VTy::Labels { .. }))
            .first()
            .copied()
            .filter(|_| self.rng.bool())
        {
            // `for &l in labels`: a loop over a constant collection.
            self.tag("for &l in labels");
            let VTy::Labels { len, hi } = self.vars[li].ty else {
                unreachable!()
            };
            let name = self.vars[li].name.clone();
            let l = self.fresh("l");
            (
                Pat::Ref(Box::new(Pat::ident(&l))),
                Expr::path(&name),
                len as u64,
                vec![],
                vec![(l, VTy::Usize { lo: 0, hi }, Iv::new(0.0, hi as f64))],
            )
        } else {
            let i = self.fresh("i");
            let (bound, t) = self.trip_bound();
            let (iter, lo, hi) = match self.rng.u32(0..8) {
                0 => {
                    self.tag("for rev range");
                    let r = Expr::new(Kind::Range {
                        lo: Box::new(Expr::int("0")),
                        hi: Box::new(bound),
                        inclusive: false,
                    });
                    (Expr::method(r, "rev", vec![]), 0, t - 1)
                }
                1 => {
                    self.tag("for inclusive range");
                    let l = self.rng.u64(1..=3);
                    (
                        Expr::new(Kind::Range {
                            lo: Box::new(Expr::int("1")),
                            hi: Box::new(Expr::int(l.to_string())),
                            inclusive: true,
                        }),
                        1,
                        l,
                    )
                }
                2 => {
                    self.tag("for step_by");
                    let r = Expr::new(Kind::Range {
                        lo: Box::new(Expr::int("0")),
                        hi: Box::new(bound),
                        inclusive: false,
                    });
                    (Expr::method(r, "step_by", vec![Expr::int("2")]), 0, t - 1)
                }
                _ => (
                    Expr::new(Kind::Range {
                        lo: Box::new(Expr::int("0")),
                        hi: Box::new(bound),
                        inclusive: false,
                    }),
                    0,
                    t - 1,
                ),
            };
            let hi = hi.max(lo);
            (
                Pat::ident(&i),
                iter,
                t,
                vec![],
                vec![(i, VTy::Usize { lo, hi }, Iv::new(lo as f64, hi as f64))],
            )
        };
        let ctx = LoopCtx {
            label: label.clone(),
            value: false,
        };
        let body = self.scoped(|g| {
            g.frozen.extend(frozen);
            for (n, t, iv) in &bindings {
                g.declare(n, t.clone(), false, *iv);
            }
            g.in_loop(ctx, trips, |g| {
                if g.chance(0.75) {
                    g.sub_block_then(body_max, |g, b| g.update_accumulator(acc, b))
                } else {
                    // The update first, before the body declares anything.
                    let pre = acc.map(|a| g.assignment(Target::Var(a)));
                    let mut b = g.sub_block_then(body_max, |_, _| {});
                    if let Some(s) = pre {
                        b.stmts.insert(0, s);
                    }
                    b
                }
            })
        });
        out.push(Stmt::Expr(Expr::new(Kind::For {
            label,
            pat,
            iter: Box::new(iter),
            body,
        })));
        out
    }

    /// A loop over pieces of buffer `b` of known length: `x.windows(k)`,
    /// `x.chunks(k)`, `x.chunks_exact(k)` (each piece a slice), or the
    /// elements of a range slice (`x[1..].iter()`, `&x[..2]`).
    fn piece_head(&mut self, b: usize) -> Option<LoopHead> {
        let VTy::Buf { len: Some(n), .. } = self.vars[b].ty else {
            return None;
        };
        self.vars[b].reads += 1;
        let name = self.vars[b].name.clone();
        let elem = self.vars[b].iv;
        let k = self.rng.usize(1..=3).min(n);
        let w = self.fresh("w");
        let piece = |len: Option<usize>| VTy::Buf {
            len,
            kind: BufKind::Slice,
        };
        let call = |m: &str| Expr::method(Expr::path(&name), m, vec![Expr::int(k.to_string())]);
        let (iter, trips, ty) = match self.rng.u32(0..4) {
            0 => {
                self.tag("for windows");
                (call("windows"), n - k + 1, piece(Some(k)))
            }
            1 => {
                self.tag("for chunks");
                // The last chunk is shorter unless `k` divides `n`.
                let len = (n % k == 0).then_some(k);
                (call("chunks"), n.div_ceil(k), piece(len))
            }
            2 => {
                self.tag("for chunks_exact");
                (call("chunks_exact"), n / k, piece(Some(k)))
            }
            _ => {
                let (slice, len) = self.range_slice(b)?;
                let v = self.fresh("v");
                let trips = len.unwrap_or(n) as u64;
                return Some(if self.rng.bool() {
                    self.tag("for v in x[a..b].iter()");
                    (
                        Pat::ident(&v),
                        Expr::method(slice, "iter", vec![]),
                        trips,
                        vec![name],
                        vec![(v, VTy::RefF, elem)],
                    )
                } else {
                    self.tag("for &v in &x[a..b]");
                    (
                        Pat::Ref(Box::new(Pat::ident(&v))),
                        Expr::new(Kind::Ref(Box::new(slice))),
                        trips,
                        vec![name],
                        vec![(v, VTy::F, elem)],
                    )
                });
            }
        };
        Some((
            Pat::ident(&w),
            iter,
            trips as u64,
            vec![name],
            vec![(w, ty, elem)],
        ))
    }

    /// `for row in m.iter()` (or `for row in m` of a reference) over the
    /// rows of matrix `m`, each a buffer of the matrix's width.
    fn row_head(&mut self, m: usize) -> LoopHead {
        self.vars[m].reads += 1;
        let name = self.vars[m].name.clone();
        let VTy::Mat { rows, cols, kind } = self.vars[m].ty else {
            unreachable!()
        };
        let row = self.fresh("row");
        let (iter, rkind) = match kind {
            MatKind::Arrays => {
                self.tag("for row in matrix");
                (
                    Expr::method(Expr::path(&name), "iter", vec![]),
                    BufKind::Slice,
                )
            }
            MatKind::Vecs => {
                self.tag("for row in Vec<Vec<f64>>");
                let it = if self.rng.bool() {
                    Expr::path(&name)
                } else {
                    Expr::method(Expr::path(&name), "iter", vec![])
                };
                (it, BufKind::VecRef)
            }
        };
        (
            Pat::ident(&row),
            iter,
            rows as u64,
            vec![],
            vec![(
                row,
                VTy::Buf {
                    len: Some(cols),
                    kind: rkind,
                },
                self.vars[m].iv,
            )],
        )
    }
}
