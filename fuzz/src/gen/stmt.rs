//! Statements: bindings, assignments, branches, loops, buffers.

use super::expr::is_untyped;
use super::interval::Iv;
use super::{BufKind, Gen, LoopCtx, VTy, LIMIT};
use crate::ast::*;

/// Loops are not nested deeper than this product of trip counts.
const MAX_TRIPS: u64 = 40;

/// A `for` loop's pattern, iterator, trip count, the buffers it iterates
/// (which the body must not write) and the bindings of its pattern.
type LoopHead = (Pat, Expr, u64, Vec<String>, Vec<(String, VTy, Iv)>);

/// Kinds of assignment targets.
enum Target {
    /// A float variable, by index.
    Var(usize),
    /// `*v` of an `iter_mut` variable, by index.
    Deref(usize),
}

impl Gen {
    /// A `let` of a float, its type written when the value would not fix it.
    fn let_float(&mut self, name: &str, mutable: bool, init: Expr, iv: Iv) -> Stmt {
        let mut ty = None;
        let mut init = init;
        if is_untyped(&init) || self.chance(0.12) {
            ty = Some(self.fl.name().to_string());
        }
        // `let s: f64 = x.iter().sum();` as often as the turbofish.
        if let Kind::Method {
            turbofish, name, ..
        } = &mut init.kind
        {
            if turbofish.is_some() && (name == "sum" || name == "product") && self.chance(0.3) {
                *turbofish = None;
                ty = Some(self.fl.name().to_string());
            }
        }
        self.declare(name, VTy::F, mutable, iv);
        Stmt::Let {
            pat: Pat::Ident {
                name: name.to_string(),
                mutable,
            },
            ty,
            init: Some(init),
        }
    }

    /// A `const` item in the body.
    pub(super) fn const_item(&mut self) -> Stmt {
        self.tag("const item");
        let name = self.fresh("C");
        let v = self.literal_value(-2.0, 2.0);
        self.declare(&name, VTy::F, false, Iv::point(v));
        Stmt::Item(format!("const {name}: {} = {v:?};", self.fl.name()))
    }

    /// Whether a variable is a `const` (which `let` may not shadow).
    fn is_const(name: &str) -> bool {
        name.starts_with(|c: char| c.is_ascii_uppercase())
    }

    /// Assignable float places in scope.
    fn targets(&self) -> Vec<Target> {
        let mut out = Vec::new();
        for i in self.visible() {
            let v = &self.vars[i];
            match v.ty {
                VTy::F if v.mutable => out.push(Target::Var(i)),
                VTy::MutRef => out.push(Target::Deref(i)),
                _ => {}
            }
        }
        out
    }

    /// An assignment or compound assignment to variable `i` (a float or an
    /// `iter_mut` reference), keeping its bound in check: inside loops,
    /// additions are small, factors at most 1 and divisors at least 1, so
    /// that what a loop feeds back stays bounded.
    fn assignment(&mut self, target: Target) -> Stmt {
        let (i, place) = match target {
            Target::Var(i) => (i, Expr::fpath(&self.vars[i].name.clone())),
            Target::Deref(i) => (
                i,
                Expr::fl(Kind::Unary(
                    UnOp::Deref,
                    Box::new(Expr::path(&self.vars[i].name.clone())),
                )),
            ),
        };
        let in_loop = self.trips > 1 || !self.loops.is_empty();
        let trips = self.trips.max(1) as f64;
        let old = self.vars[i].iv;
        let d = self.max_depth;
        let op = match self.weighted(&[35, 30, 10, 15, 10, if self.rare { 2 } else { 0 }]) {
            0 => None,
            1 => Some(BinOp::Add),
            2 => Some(BinOp::Sub),
            3 => Some(BinOp::Mul),
            4 => Some(BinOp::Div),
            _ => Some(BinOp::Rem),
        };
        let (value, new) = match op {
            None => {
                let m = if in_loop { old.mag().max(5.0) } else { LIMIT };
                let (e, iv) = self.float_bounded(d, m);
                (e, if in_loop { old.hull(iv) } else { iv })
            }
            Some(BinOp::Add) | Some(BinOp::Sub) => {
                let (e, iv) = self.float_bounded(d, if in_loop { 5.0 } else { 100.0 });
                let grow = iv.scale(trips);
                let new = if op == Some(BinOp::Add) {
                    old.add(grow)
                } else {
                    old.sub(grow)
                };
                (e, new.hull(old))
            }
            Some(BinOp::Mul) => {
                let (e, iv) = self.float_bounded(d, if in_loop { 1.0 } else { 10.0 });
                (e, old.hull(old.mul(iv)))
            }
            Some(BinOp::Rem) => {
                self.tag("%=");
                let c = *self.pick(&[1.5, 2.5, 3.0]);
                (self.lit(c), old.hull(Iv::sym(c)))
            }
            _ => {
                let (p, iv) = self.positive(d);
                if in_loop {
                    let e = Expr::bin(BinOp::Add, p, self.lit(1.0));
                    (e, old.hull(old.div(iv.add(Iv::point(1.0)))))
                } else {
                    (p, old.hull(old.div(iv)))
                }
            }
        };
        if new.mag() > LIMIT {
            // Squash the result instead: `v = (v + e).tanh() * k`.
            let combined = match op {
                None => value,
                Some(o) => Expr::bin(o, place.clone(), value),
            };
            let e = self.squash_to(combined, 10.0);
            self.vars[i].iv = old.hull(Iv::sym(10.0));
            return Stmt::Assign {
                place,
                op: None,
                value: e,
            };
        }
        self.vars[i].iv = new;
        Stmt::Assign { place, op, value }
    }

    /// A block of up to `max` statements, then `epilogue` adds statements at
    /// its end while the block's own variables (which may shadow outer ones)
    /// are still in scope.
    fn sub_block_then(&mut self, max: i32, epilogue: impl FnOnce(&mut Gen, &mut Block)) -> Block {
        self.depth += 1;
        let n = self.rng.i32(1..=max.max(1));
        let b = self.scoped(|g| {
            let mut stmts = Vec::new();
            for _ in 0..n {
                stmts.extend(g.statements_one());
                if g.budget <= 0 {
                    break;
                }
            }
            let mut b = Block { stmts, tail: None };
            epilogue(g, &mut b);
            b
        });
        self.depth -= 1;
        b
    }

    /// Adds an update of outer accumulator `acc` to `b`, unless the block
    /// shadowed it.
    fn update_accumulator(&mut self, acc: Option<usize>, b: &mut Block) {
        let Some(a) = acc else { return };
        if !self.visible().contains(&a) {
            return;
        }
        let s = self.assignment(Target::Var(a));
        b.stmts.push(s);
    }

    /// A block that ends by updating an outer variable, if there is one.
    fn effect_block(&mut self, max: i32) -> Block {
        let p = self.rng.f64();
        self.sub_block_then(max, |g, b| {
            let targets = g.targets();
            let updates = b.stmts.iter().any(|s| matches!(s, Stmt::Assign { .. }));
            if !targets.is_empty() && (!updates || p < 0.3) {
                let t = g.rng.usize(0..targets.len());
                let t = targets.into_iter().nth(t).unwrap();
                let s = g.assignment(t);
                b.stmts.push(s);
            }
        })
    }

    /// Runs `f` as a loop body: the loop is on the stack, its iterations
    /// multiply the trip product, and mutable variables are widened.
    fn in_loop<T>(&mut self, ctx: LoopCtx, trips: u64, f: impl FnOnce(&mut Gen) -> T) -> T {
        self.loops.push(ctx);
        let saved = self.trips;
        self.trips = self.trips.saturating_mul(trips.max(1));
        self.widen_for_loop();
        self.depth += 1;
        let r = f(self);
        self.depth -= 1;
        self.trips = saved;
        self.loops.pop();
        r
    }

    /// A label for a loop, sometimes.
    fn maybe_label(&mut self) -> Option<String> {
        let p = if self.rare { 0.3 } else { 0.08 };
        if self.chance(p) {
            self.tag("loop label");
            Some(self.fresh("'l"))
        } else {
            None
        }
    }

    /// A trip count: a literal or the `usize` parameter `n`.
    fn trip_bound(&mut self) -> (Expr, u64) {
        let ns =
            self.visible_where(|v| matches!(v.ty, VTy::Usize { lo, hi } if lo == hi && lo >= 1));
        if !ns.is_empty() && self.rng.bool() {
            let i = ns[0];
            let VTy::Usize { hi, .. } = self.vars[i].ty else {
                unreachable!()
            };
            (Expr::path(&self.vars[i].name.clone()), hi)
        } else {
            let t = self.rng.u64(1..=4);
            (Expr::int(t.to_string()), t)
        }
    }

    /// `let mut sN = ..;` before a loop, for the loop to accumulate into.
    fn accumulator(&mut self) -> (Stmt, usize) {
        let name = self.fresh("s");
        let (init, iv) = if self.rng.bool() {
            let v = *self.pick(&[0.0, 1.0, 0.5]);
            (self.lit(v), Iv::point(v))
        } else {
            self.float_bounded(1, 10.0)
        };
        let s = self.let_float(&name, true, init, iv);
        (s, self.vars.len() - 1)
    }

    /// A `for` loop over a range or a buffer; returns the statements (an
    /// accumulator may come first).
    fn for_loop(&mut self) -> Vec<Stmt> {
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
        let (pat, iter, trips, frozen, bindings): LoopHead = if over_buffer {
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
                            (
                                i,
                                VTy::Usize { lo: 0, hi: n - 1 },
                                Iv::new(0.0, (n - 1) as f64),
                            ),
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
                    let hi = len.map_or(0, |l| l as u64 - 1);
                    let lo = if hi >= 1 && self.chance(0.35) {
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

    /// A loop that overwrites a scratch buffer whole on every iteration and
    /// then accumulates from it (a network's hidden layer), followed by a
    /// scaled use of the sum: the shape gradmacro fuses into one pass.
    fn scratch_loop(&mut self) -> Vec<Stmt> {
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
    fn iter_mut_loop(&mut self, b: usize) -> Vec<Stmt> {
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

    /// `let mut kN = 0;`, the counter that bounds a `while` or `loop`.
    fn counter(&mut self, hi: u64) -> (Stmt, String) {
        let k = self.fresh("k");
        let zero = match self.rng.u32(0..3) {
            0 => "0",
            1 => "0usize",
            _ => "0_usize",
        };
        self.declare(&k, VTy::Usize { lo: 0, hi }, false, Iv::new(0.0, hi as f64));
        (
            Stmt::Let {
                pat: Pat::Ident {
                    name: k.clone(),
                    mutable: true,
                },
                ty: None,
                init: Some(Expr::int(zero)),
            },
            k,
        )
    }

    /// `kN += 1;`
    fn increment(k: &str) -> Stmt {
        Stmt::Assign {
            place: Expr::path(k),
            op: Some(BinOp::Add),
            value: Expr::int("1"),
        }
    }

    /// `while kN < T [&& cond] { kN += 1; .. }`
    fn while_loop(&mut self) -> Vec<Stmt> {
        self.tag("while");
        let mut out = Vec::new();
        let acc = if self.chance(0.6) {
            let (s, i) = self.accumulator();
            out.push(s);
            Some(i)
        } else {
            None
        };
        let (bound, t) = self.trip_bound();
        let (s, k) = self.counter(t);
        out.push(s);
        let mut cond = Expr::bin(BinOp::Lt, Expr::path(&k), bound);
        if self.chance(0.35) {
            self.tag("while data-dependent");
            let c = self.cond(0);
            cond = Expr::bin(BinOp::And, cond, c);
        }
        let label = self.maybe_label();
        let ctx = LoopCtx {
            label: label.clone(),
            value: false,
        };
        let body_max = self.rng.i32(1..=3);
        let body = self.in_loop(ctx, t, |g| {
            let mut b = g.sub_block_then(body_max, |g, b| g.update_accumulator(acc, b));
            b.stmts.insert(0, Self::increment(&k));
            b
        });
        out.push(Stmt::Expr(Expr::new(Kind::While {
            label,
            cond: Box::new(cond),
            body,
        })));
        out
    }

    /// `loop { kN += 1; if kN > T { break; } .. }`, or with a value:
    /// `let r = loop { kN += 1; if kN >= T { break e; } .. };`
    fn loop_stmt(&mut self, with_value: bool) -> Vec<Stmt> {
        let mut out = Vec::new();
        let acc = if !with_value && self.chance(0.6) {
            let (s, i) = self.accumulator();
            out.push(s);
            Some(i)
        } else {
            None
        };
        let (bound, t) = self.trip_bound();
        let (s, k) = self.counter(t + 1);
        out.push(s);
        let label = if with_value { None } else { self.maybe_label() };
        let ctx = LoopCtx {
            label: label.clone(),
            value: with_value,
        };
        let body_max = self.rng.i32(1..=3);
        let (body, iv) = self.in_loop(ctx, t, |g| {
            let mut exit = Expr::bin(
                if with_value { BinOp::Ge } else { BinOp::Gt },
                Expr::path(&k),
                bound,
            );
            if g.chance(0.3) {
                let c = g.cond(0);
                exit = Expr::bin(BinOp::Or, exit, c);
            }
            let (value, iv) = if with_value {
                let (e, iv) = g.float_bounded(2, LIMIT);
                (Some(Box::new(g.typed(e))), iv)
            } else {
                (None, Iv::point(0.0))
            };
            let brk = Expr::new(Kind::Break { label: None, value });
            let mut b = g.sub_block_then(body_max, |g, b| g.update_accumulator(acc, b));
            b.stmts.insert(0, Self::increment(&k));
            b.stmts.insert(
                1,
                Stmt::Expr(Expr::new(Kind::If {
                    cond: Box::new(exit),
                    then: Block {
                        stmts: vec![Stmt::Expr(brk)],
                        tail: None,
                    },
                    els: None,
                })),
            );
            (b, iv)
        });
        let lp = Expr::new(Kind::Loop { label, body });
        if with_value {
            self.tag("loop break value");
            let r = self.fresh("r");
            // The break values are typed, so the binding is.
            self.declare(
                &r,
                VTy::F,
                false,
                iv.hull(Iv::sym(LIMIT.min(iv.mag() * 2.0 + 1.0))),
            );
            out.push(Stmt::Let {
                pat: Pat::ident(&r),
                ty: if self.chance(0.3) {
                    Some(self.fl.name().into())
                } else {
                    None
                },
                init: Some(lp),
            });
        } else {
            self.tag("loop break");
            out.push(Stmt::Expr(lp));
        }
        out
    }

    /// `if c { break; }`, `if c { continue 'l; }`, `if c { break e; }`.
    fn loop_exit(&mut self) -> Stmt {
        let inner = self.loops.last().cloned().unwrap();
        let labelled: Vec<LoopCtx> = self
            .loops
            .iter()
            .filter(|l| l.label.is_some())
            .cloned()
            .collect();
        let cond = self.cond(1);
        let exit = if !labelled.is_empty() && self.chance(0.35) {
            let l = self.pick(&labelled).clone();
            if self.rng.bool() || l.value {
                self.tag("labelled continue");
                Expr::new(Kind::Continue { label: l.label })
            } else {
                self.tag("labelled break");
                Expr::new(Kind::Break {
                    label: l.label,
                    value: None,
                })
            }
        } else if self.rng.bool() {
            self.tag("continue");
            Expr::new(Kind::Continue { label: None })
        } else if inner.value {
            let (e, _) = self.float_bounded(2, LIMIT);
            let e = self.typed(e);
            Expr::new(Kind::Break {
                label: None,
                value: Some(Box::new(e)),
            })
        } else {
            self.tag("break");
            Expr::new(Kind::Break {
                label: None,
                value: None,
            })
        };
        Stmt::Expr(Expr::new(Kind::If {
            cond: Box::new(cond),
            then: Block {
                stmts: vec![Stmt::Expr(exit)],
                tail: None,
            },
            els: None,
        }))
    }

    /// `if c { .. } [else if c { .. }] [else { .. }]`
    fn if_stmt(&mut self) -> Stmt {
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
    fn match_stmt(&mut self) -> Stmt {
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
    fn early_return(&mut self) -> Stmt {
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

    /// A local buffer, sometimes followed by the loop that fills it.
    fn local_buffer(&mut self) -> Vec<Stmt> {
        let fl = self.fl.name();
        let name = self.fresh("b");
        let mut out = Vec::new();
        let readable: Vec<usize> = self
            .visible_where(|v| matches!(v.ty, VTy::Buf { .. }))
            .into_iter()
            .filter(|&i| self.readable(&self.vars[i].clone()))
            .collect();
        let ns = self.visible_where(|v| matches!(v.ty, VTy::Usize { lo, .. } if lo >= 1));
        let choice = self.weighted(&[
            if ns.is_empty() { 0 } else { 5 },
            5,
            5,
            if readable.is_empty() { 0 } else { 4 },
            if readable.is_empty() { 0 } else { 2 },
            4,
            3,
            3,
            if readable.is_empty() { 0 } else { 3 },
            if readable.is_empty() || !self.vectors {
                0
            } else {
                3
            },
        ]);
        let zero = |g: &mut Gen| {
            if g.rng.bool() {
                (g.lit_typed(0.0), None)
            } else {
                (g.lit(0.0), Some(()))
            }
        };
        // (init, annotation, kind, len, iv, fill?)
        let (init, ty, kind, len, iv, fill, mutable) = match choice {
            0 => {
                self.tag("vec![0.0; n]");
                let i = *self.pick(&ns);
                let VTy::Usize { lo, hi } = self.vars[i].ty else {
                    unreachable!()
                };
                let (z, ann) = zero(self);
                let e = Expr::new(Kind::Repeat {
                    elem: Box::new(z),
                    count: Box::new(Expr::path(&self.vars[i].name.clone())),
                    vec: true,
                });
                let len = if lo == hi { Some(lo as usize) } else { None };
                (
                    e,
                    ann.map(|_| format!("Vec<{fl}>")),
                    BufKind::Vec,
                    len,
                    Iv::point(0.0),
                    true,
                    true,
                )
            }
            1 => {
                self.tag("vec![0.0; N]");
                let t = self.rng.usize(1..=4);
                let (z, ann) = zero(self);
                let e = Expr::new(Kind::Repeat {
                    elem: Box::new(z),
                    count: Box::new(Expr::int(t.to_string())),
                    vec: true,
                });
                (
                    e,
                    ann.map(|_| format!("Vec<{fl}>")),
                    BufKind::Vec,
                    Some(t),
                    Iv::point(0.0),
                    true,
                    true,
                )
            }
            2 => {
                self.tag("[0.0; N]");
                let t = self.rng.usize(1..=4);
                let (z, ann) = zero(self);
                let e = Expr::new(Kind::Repeat {
                    elem: Box::new(z),
                    count: Box::new(Expr::int(t.to_string())),
                    vec: false,
                });
                (
                    e,
                    ann.map(|_| format!("[{fl}; {t}]")),
                    BufKind::LocalArray,
                    Some(t),
                    Iv::point(0.0),
                    true,
                    true,
                )
            }
            3 | 4 => {
                let b = *self.pick(&readable);
                self.vars[b].reads += 1;
                let src = self.vars[b].name.clone();
                let VTy::Buf { len, kind: skind } = self.vars[b].ty else {
                    unreachable!()
                };
                let iv = self.vars[b].iv;
                let clone = choice == 4
                    && matches!(
                        skind,
                        BufKind::VecRef | BufKind::Vec | BufKind::Array | BufKind::LocalArray
                    );
                let (e, kind) = if clone {
                    self.tag("clone");
                    let kind = if matches!(skind, BufKind::Array | BufKind::LocalArray) {
                        BufKind::LocalArray
                    } else {
                        BufKind::Vec
                    };
                    (Expr::method(Expr::path(&src), "clone", vec![]), kind)
                } else {
                    self.tag("to_vec");
                    (
                        Expr::method(Expr::path(&src), "to_vec", vec![]),
                        BufKind::Vec,
                    )
                };
                let m = self.chance(0.6);
                (e, None, kind, len, iv, false, m)
            }
            5 => {
                self.tag("vec![a, b]");
                let n = self.rng.usize(1..=3);
                let mut items = Vec::new();
                let mut iv = Iv::point(0.0);
                for k in 0..n {
                    let (e, i) = self.float_bounded(2, 100.0);
                    let e = if k == 0 { self.typed(e) } else { e };
                    iv = if k == 0 { i } else { iv.hull(i) };
                    items.push(e);
                }
                let m = self.chance(0.6);
                (
                    Expr::new(Kind::VecLit(items)),
                    None,
                    BufKind::Vec,
                    Some(n),
                    iv,
                    false,
                    m,
                )
            }
            6 => {
                self.tag("[a, b]");
                let n = self.rng.usize(1..=3);
                let mut items = Vec::new();
                let mut iv = Iv::point(0.0);
                for k in 0..n {
                    let (e, i) = self.float_bounded(2, 100.0);
                    let e = if k == 0 { self.typed(e) } else { e };
                    iv = if k == 0 { i } else { iv.hull(i) };
                    items.push(e);
                }
                let m = self.chance(0.6);
                (
                    Expr::new(Kind::Array(items)),
                    None,
                    BufKind::LocalArray,
                    Some(n),
                    iv,
                    false,
                    m,
                )
            }
            7 => {
                // Vec::new() / with_capacity, then pushes.
                let (bound, t) = self.trip_bound();
                let init = if self.rng.bool() {
                    self.tag("Vec::new + push");
                    Expr::new(Kind::Call {
                        path: "Vec::new".into(),
                        args: vec![],
                    })
                } else {
                    self.tag("Vec::with_capacity + push");
                    Expr::new(Kind::Call {
                        path: "Vec::with_capacity".into(),
                        args: vec![bound.clone()],
                    })
                };
                out.push(Stmt::Let {
                    pat: Pat::Ident {
                        name: name.clone(),
                        mutable: true,
                    },
                    ty: Some(format!("Vec<{fl}>")),
                    init: Some(init),
                });
                let i = self.fresh("i");
                let (e, iv) = self.scoped(|g| {
                    g.declare(
                        &i,
                        VTy::Usize { lo: 0, hi: t - 1 },
                        false,
                        Iv::new(0.0, (t - 1) as f64),
                    );
                    g.float_bounded(2, 100.0)
                });
                let push = Stmt::Expr(Expr::method(Expr::path(&name), "push", vec![e]));
                out.push(Stmt::Expr(Expr::new(Kind::For {
                    label: None,
                    pat: Pat::ident(&i),
                    iter: Box::new(Expr::new(Kind::Range {
                        lo: Box::new(Expr::int("0")),
                        hi: Box::new(bound),
                        inclusive: false,
                    })),
                    body: Block {
                        stmts: vec![push],
                        tail: None,
                    },
                })));
                self.declare(
                    &name,
                    VTy::Buf {
                        len: Some(t as usize),
                        kind: BufKind::Vec,
                    },
                    true,
                    iv,
                );
                return out;
            }
            9 => {
                self.tag("vector rule softmax");
                if !self.vector_rules.contains(&"softmax") {
                    self.vector_rules.push("softmax");
                }
                let b = *self.pick(&readable);
                let VTy::Buf { len, .. } = self.vars[b].ty else {
                    unreachable!()
                };
                let arg = self.buffer_argument(b);
                let e = Expr::new(Kind::Call {
                    path: "softmax".into(),
                    args: vec![arg],
                });
                let m = self.chance(0.4);
                (e, None, BufKind::Vec, len, Iv::new(0.0, 1.0), false, m)
            }
            _ => {
                self.tag("collect");
                let b = *self.pick(&readable);
                self.vars[b].reads += 1;
                let src = self.vars[b].name.clone();
                let VTy::Buf { len, .. } = self.vars[b].ty else {
                    unreachable!()
                };
                let elem = self.vars[b].iv;
                let v = self.fresh("v");
                let was = self.closure;
                self.closure = true;
                let (body, iv) = self.scoped(|g| {
                    g.declare(&v, VTy::RefF, false, elem);
                    g.float_bounded(2, 100.0)
                });
                self.closure = was;
                let mapped = Expr::method(
                    Expr::method(Expr::path(&src), "iter", vec![]),
                    "map",
                    vec![Expr::new(Kind::Closure {
                        params: v,
                        body: Box::new(body),
                    })],
                );
                let turbofish = self.rng.bool();
                let e = Expr::new(Kind::Method {
                    recv: Box::new(mapped),
                    name: "collect".into(),
                    turbofish: if turbofish {
                        Some(format!("Vec<{fl}>"))
                    } else {
                        None
                    },
                    args: vec![],
                });
                let ty = if turbofish {
                    None
                } else {
                    Some(format!("Vec<{fl}>"))
                };
                let m = self.chance(0.4);
                (e, ty, BufKind::Vec, len, iv, false, m)
            }
        };
        out.push(Stmt::Let {
            pat: Pat::Ident {
                name: name.clone(),
                mutable,
            },
            ty,
            init: Some(init),
        });
        self.declare(&name, VTy::Buf { len, kind }, mutable, iv);
        let idx = self.vars.len() - 1;
        if fill && self.chance(0.75) {
            // for i in 0..b.len() { b[i] = e(i); }
            let i = self.fresh("i");
            let hi = len.map_or(0, |l| l as u64 - 1);
            let (e, eiv) = self.scoped(|g| {
                g.declare(&i, VTy::Usize { lo: 0, hi }, false, Iv::new(0.0, hi as f64));
                g.float_bounded(2, 100.0)
            });
            self.vars[idx].iv = self.vars[idx].iv.hull(eiv);
            let write = Stmt::Assign {
                place: Expr::fl(Kind::Index(
                    Box::new(Expr::path(&name)),
                    Box::new(Expr::path(&i)),
                )),
                op: None,
                value: e,
            };
            out.push(Stmt::Expr(Expr::new(Kind::For {
                label: None,
                pat: Pat::ident(&i),
                iter: Box::new(Expr::new(Kind::Range {
                    lo: Box::new(Expr::int("0")),
                    hi: Box::new(Expr::method(Expr::path(&name), "len", vec![])),
                    inclusive: false,
                })),
                body: Block {
                    stmts: vec![write],
                    tail: None,
                },
            })));
        }
        out
    }

    /// `b[i] = e;`, `b[i] += e;`, `b[i] *= e;`
    fn buffer_write(&mut self, b: usize) -> Stmt {
        self.tag("buffer write");
        let name = self.vars[b].name.clone();
        let idx = self.index_for(b, true);
        let place = Expr::fl(Kind::Index(Box::new(Expr::path(&name)), Box::new(idx)));
        let in_loop = !self.loops.is_empty();
        let old = self.vars[b].iv;
        let trips = self.trips.max(1) as f64;
        let (op, value, new) = match self.weighted(&[45, 30, 5, 15]) {
            0 => {
                let (e, iv) =
                    self.float_bounded(2, if in_loop { old.mag().max(5.0) } else { 100.0 });
                (None, e, old.hull(iv))
            }
            1 | 2 => {
                let (e, iv) = self.float_bounded(2, if in_loop { 5.0 } else { 50.0 });
                let op = if self.rng.bool() {
                    BinOp::Add
                } else {
                    BinOp::Sub
                };
                (Some(op), e, old.hull(old.add(Iv::sym(iv.mag() * trips))))
            }
            _ => {
                let (e, iv) = self.float_bounded(2, if in_loop { 1.0 } else { 5.0 });
                (Some(BinOp::Mul), e, old.hull(old.mul(iv)))
            }
        };
        if new.mag() > LIMIT {
            let e = self.squash_to(value, 10.0);
            self.vars[b].iv = old.hull(Iv::sym(10.0));
            return Stmt::Assign {
                place,
                op: None,
                value: e,
            };
        }
        self.vars[b].iv = new;
        Stmt::Assign { place, op, value }
    }

    /// Tuple and array patterns, and pairs read by field.
    fn tuple_let(&mut self) -> Stmt {
        let arrays: Vec<usize> = self
            .visible_where(|v| {
                matches!(
                    v.ty,
                    VTy::Buf {
                        len: Some(2..=4),
                        kind: BufKind::Array | BufKind::LocalArray
                    }
                )
            })
            .into_iter()
            .filter(|&i| self.readable(&self.vars[i].clone()))
            .collect();
        match self.weighted(&[4, 3, if arrays.is_empty() { 0 } else { 3 }, 3]) {
            0 => {
                self.tag("tuple let");
                let (a, ai) = self.float_bounded(2, LIMIT);
                let (b, bi) = self.float_bounded(2, LIMIT);
                let (a, b) = (self.typed(a), self.typed(b));
                let (na, nb) = (self.fresh("a"), self.fresh("a"));
                let ma = self.chance(0.3);
                self.declare(&na, VTy::F, ma, ai);
                self.declare(&nb, VTy::F, false, bi);
                Stmt::Let {
                    pat: Pat::Tuple(vec![
                        Pat::Ident {
                            name: na,
                            mutable: ma,
                        },
                        Pat::ident(&nb),
                    ]),
                    ty: None,
                    init: Some(Expr::new(Kind::Tuple(vec![a, b]))),
                }
            }
            1 => {
                self.tag("sin_cos let");
                let (a, _) = self.float_bounded(2, 100.0);
                let a = self.typed(a);
                let (ns, nc) = (self.fresh("s"), self.fresh("c"));
                self.declare(&ns, VTy::F, false, Iv::sym(1.0));
                self.declare(&nc, VTy::F, false, Iv::sym(1.0));
                Stmt::Let {
                    pat: Pat::Tuple(vec![Pat::ident(&ns), Pat::ident(&nc)]),
                    ty: None,
                    init: Some(Expr::new(Kind::Method {
                        recv: Box::new(a),
                        name: "sin_cos".into(),
                        turbofish: None,
                        args: vec![],
                    })),
                }
            }
            2 => {
                self.tag("array pattern let");
                let b = *self.pick(&arrays);
                self.vars[b].reads += 1;
                let src = self.vars[b].name.clone();
                let VTy::Buf { len: Some(n), .. } = self.vars[b].ty else {
                    unreachable!()
                };
                let iv = self.vars[b].iv;
                let names: Vec<String> = (0..n).map(|_| self.fresh("e")).collect();
                for nm in &names {
                    self.declare(nm, VTy::F, false, iv);
                }
                Stmt::Let {
                    pat: Pat::Array(names.iter().map(|n| Pat::ident(n)).collect()),
                    ty: None,
                    init: Some(Expr::path(&src)),
                }
            }
            _ => {
                self.tag("pair field");
                let (a, ai) = self.float_bounded(2, LIMIT);
                let (b, bi) = self.float_bounded(2, LIMIT);
                let (a, b) = (self.typed(a), self.typed(b));
                let t = self.fresh("t");
                self.declare(&t, VTy::Pair, false, ai.hull(bi));
                Stmt::Let {
                    pat: Pat::ident(&t),
                    ty: None,
                    init: Some(Expr::new(Kind::Tuple(vec![a, b]))),
                }
            }
        }
    }

    /// `let a = 'b: { if c { break 'b e; } .. e2 };`
    fn labelled_block(&mut self) -> Stmt {
        self.tag("labelled block value");
        let label = self.fresh("'b");
        let name = self.fresh("a");
        let (body, iv) = self.scoped(|g| {
            let c = g.cond(1);
            let (e, ei) = g.float_bounded(2, LIMIT);
            let e = g.typed(e);
            let mut stmts = vec![Stmt::Expr(Expr::new(Kind::If {
                cond: Box::new(c),
                then: Block {
                    stmts: vec![Stmt::Expr(Expr::new(Kind::Break {
                        label: Some(label.clone()),
                        value: Some(Box::new(e)),
                    }))],
                    tail: None,
                },
                els: None,
            }))];
            if g.chance(0.5) {
                let t = g.fresh("t");
                let (init, ti) = g.float_bounded(2, LIMIT);
                let init = g.typed(init);
                g.declare(&t, VTy::F, false, ti);
                stmts.push(Stmt::Let {
                    pat: Pat::ident(&t),
                    ty: None,
                    init: Some(init),
                });
            }
            let (tail, tiv) = g.float_bounded(2, LIMIT);
            let tail = g.typed(tail);
            (
                Block {
                    stmts,
                    tail: Some(Box::new(tail)),
                },
                ei.hull(tiv),
            )
        });
        let init = Expr::fl(Kind::LabeledBlock { label, body });
        self.let_float(&name, false, init, iv)
    }

    /// `let y; if c { y = a; } else { y = b; }`
    fn deferred_let(&mut self) -> Vec<Stmt> {
        self.tag("deferred let");
        let y = self.fresh("y");
        let cond = self.cond(1);
        let (a, ai) = self.float_bounded(2, LIMIT);
        let (b, bi) = self.float_bounded(2, LIMIT);
        let ty = if (is_untyped(&a) && is_untyped(&b)) || self.chance(0.3) {
            Some(self.fl.name().to_string())
        } else {
            None
        };
        let assign = |v: Expr| Block {
            stmts: vec![Stmt::Assign {
                place: Expr::fpath(&y),
                op: None,
                value: v,
            }],
            tail: None,
        };
        let s = vec![
            Stmt::Let {
                pat: Pat::ident(&y),
                ty,
                init: None,
            },
            Stmt::Expr(Expr::new(Kind::If {
                cond: Box::new(cond),
                then: assign(a),
                els: Some(Box::new(Expr::new(Kind::Block(assign(b))))),
            })),
        ];
        self.declare(&y, VTy::F, false, ai.hull(bi));
        s
    }

    /// One statement, or a few that belong together; consumes budget.
    pub(super) fn statements_one(&mut self) -> Vec<Stmt> {
        self.budget -= 1;
        let in_loop = !self.loops.is_empty();
        let nest_ok = self.depth < 3 && self.trips < MAX_TRIPS;
        let rare = self.rare;
        let floats = self.visible_where(|v| matches!(v.ty, VTy::F) && !Self::is_const(&v.name));
        let targets = self.targets();
        let writable: Vec<usize> = self
            .visible()
            .into_iter()
            .filter(|&i| self.writable_buffer(&self.vars[i].clone()))
            .collect();
        let vecs: Vec<usize> = writable
            .iter()
            .cloned()
            .filter(|&i| {
                matches!(
                    self.vars[i].ty,
                    VTy::Buf {
                        kind: BufKind::Vec,
                        ..
                    }
                )
            })
            .collect();
        let weights = [
            16,                                      // 0 let
            if floats.is_empty() { 0 } else { 4 },   // 1 shadow
            if targets.is_empty() { 0 } else { 14 }, // 2 assign
            if nest_ok { 7 } else { 0 },             // 3 if
            if nest_ok { 9 } else { 0 },             // 4 for
            if nest_ok { 3 } else { 0 },             // 5 while
            if nest_ok { 2 } else { 0 },             // 6 loop
            if nest_ok && rare { 2 } else { 0 },     // 7 loop value
            if nest_ok { 2 } else { 0 },             // 8 match
            2,                                       // 9 return
            if self.depth < 2 { 6 } else { 0 },      // 10 local buffer
            if writable.is_empty() { 0 } else { 8 }, // 11 buffer write
            if rare { 2 } else { 0 },                // 12 nested block
            if rare { 3 } else { 1 },                // 13 tuple let
            2,                                       // 14 deferred let
            if rare { 1 } else { 0 },                // 15 const
            if in_loop { 5 } else { 0 },             // 16 break/continue
            if vecs.is_empty() || self.depth > 0 {
                0
            } else {
                2
            }, // 17 push
            if vecs.is_empty() || !nest_ok { 0 } else { 2 }, // 18 iter_mut
            if nest_ok && self.depth == 0 { 2 } else { 0 }, // 19 scratch loop
            if rare && self.exotic { 1 } else { 0 }, // 20 labelled block
        ];
        // Statement kinds each style makes more frequent.
        let boosted: &[usize] = match self.style {
            super::Style::Balanced => &[],
            super::Style::Buffers => &[10, 11, 17, 18, 19],
            super::Style::Loops => &[4, 5, 6, 7, 16, 19],
            super::Style::Scalar => &[0, 1, 2, 3, 8, 14],
        };
        let weights: Vec<u32> = weights
            .iter()
            .enumerate()
            .map(|(k, &w)| if boosted.contains(&k) { w * 3 } else { w })
            .collect();
        let choice = self.weighted(&weights);
        match choice {
            0 => {
                let name = self.fresh("a");
                let (e, iv) = self.float_bounded(self.max_depth, LIMIT);
                let m = self.chance(0.45);
                vec![self.let_float(&name, m, e, iv)]
            }
            1 => {
                self.tag("shadowing");
                let i = *self.pick(&floats);
                let name = self.vars[i].name.clone();
                let (e, iv) = self.float_bounded(self.max_depth, LIMIT);
                let m = self.chance(0.3);
                vec![self.let_float(&name, m, e, iv)]
            }
            2 => {
                let t = self.rng.usize(0..targets.len());
                let t = targets.into_iter().nth(t).unwrap();
                vec![self.assignment(t)]
            }
            3 => vec![self.if_stmt()],
            4 => self.for_loop(),
            5 => self.while_loop(),
            6 => self.loop_stmt(false),
            7 => self.loop_stmt(true),
            8 => vec![self.match_stmt()],
            9 => vec![self.early_return()],
            10 => self.local_buffer(),
            11 => {
                let b = *self.pick(&writable);
                vec![self.buffer_write(b)]
            }
            12 => {
                self.tag("nested block");
                let b = self.effect_block(3);
                vec![Stmt::Expr(Expr::new(Kind::Block(b)))]
            }
            13 => vec![self.tuple_let()],
            14 => self.deferred_let(),
            15 => vec![self.const_item()],
            16 => vec![self.loop_exit()],
            17 => {
                self.tag("push");
                let b = *self.pick(&vecs);
                let (e, iv) = self.float_bounded(2, 100.0);
                let name = self.vars[b].name.clone();
                if let VTy::Buf { len: Some(l), kind } = self.vars[b].ty {
                    self.vars[b].ty = VTy::Buf {
                        len: Some(l + 1),
                        kind,
                    };
                }
                self.vars[b].iv = self.vars[b].iv.hull(iv);
                vec![Stmt::Expr(Expr::method(Expr::path(&name), "push", vec![e]))]
            }
            18 => {
                let b = *self.pick(&vecs);
                self.iter_mut_loop(b)
            }
            19 => self.scratch_loop(),
            _ => vec![self.labelled_block()],
        }
    }

    /// Adds one construct at the edge of what gradmacro supports to `f`, at
    /// its start: `if let`, `while let` over `pop`, range slices, a closure
    /// bound to a name, `skip`, `assert!`. The README listed all of them as
    /// "not yet" when this was written; some are supported now. Either way
    /// the outcome must be a clean rejection or a correct gradient, never
    /// bad code or a wrong one. The construct goes first (where only
    /// parameters are in scope), and its result feeds the returned value.
    pub(super) fn insert_edge_construct(&mut self, main: &mut Function) {
        let fl = self.fl.name();
        // A float read of some parameter, to feed the construct.
        let scalar = main.params.iter().find_map(|p| match p.ty {
            ParamTy::Scalar(f) if f == self.fl => Some(p.name.clone()),
            ParamTy::RefScalar(_) => Some(format!("(*{})", p.name)),
            ParamTy::Slice(..) | ParamTy::VecRef(..) | ParamTy::Array(..) => {
                Some(format!("{}[0]", p.name))
            }
            ParamTy::Matrix(..) | ParamTy::Rows(..) => Some(format!("{}[0][0]", p.name)),
            _ => None,
        });
        let scalar = scalar.unwrap_or_else(|| {
            let p = main.params.iter().find(|p| p.ty.float().is_some()).unwrap();
            format!("({} as {fl})", p.name)
        });
        let buffer = main.params.iter().find_map(|p| match p.ty {
            ParamTy::Slice(_, n) | ParamTy::VecRef(_, n) | ParamTy::Array(_, n) if n >= 2 => {
                Some(p.name.clone())
            }
            _ => None,
        });
        let u = self.fresh("u");
        let (tag, text) = match (self.rng.u32(0..6), &buffer) {
            (0, _) => (
                "probe: if let",
                format!("let {u} = if let Some(t) = Some({scalar} * 2.0) {{ t.sin() }} else {{ 0.0 }};"),
            ),
            (1, _) => (
                "probe: while let",
                format!(
                    "let mut stack: Vec<{fl}> = vec![{scalar}, {scalar} * 0.5];\n    let mut {u}: {fl} = 0.0;\n    while let Some(t) = stack.pop() {{\n        {u} += t * t;\n    }}"
                ),
            ),
            (2, Some(b)) => (
                "probe: slicing",
                format!("let {u} = {b}[1..].iter().map(|v| v * v).sum::<{fl}>();"),
            ),
            (3, _) => (
                "probe: closure",
                format!("let g = |t: {fl}| t * t + 1.0;\n    let {u} = g({scalar});"),
            ),
            (4, Some(b)) => (
                "probe: skip adapter",
                format!("let {u} = {b}.iter().skip(1).map(|v| v * 2.0).sum::<{fl}>();"),
            ),
            _ => (
                "probe: macro",
                format!("assert!({scalar}.abs() >= 0.0);\n    let {u}: {fl} = 0.5 * {scalar};"),
            ),
        };
        self.tag(tag);
        main.body.stmts.insert(0, Stmt::Item(text));
        if let Some(t) = main.body.tail.take() {
            main.body.tail = Some(Box::new(Expr::bin(BinOp::Add, *t, Expr::fpath(&u))));
        }
    }
}
