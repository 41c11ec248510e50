//! Loop scaffolding and the counted loops: the loop context (trip products,
//! widened bounds, labels, accumulators), `while` and `loop` bounded by a
//! counter so that they always terminate, `while let` (over `x.get(k)` with
//! a counter, or popping a local stack), and `break`/`continue`.

use super::super::interval::Iv;
use super::super::{Gen, LoopCtx, VTy, LIMIT, UNKNOWN_LEN};
use crate::ast::*;

impl Gen {
    /// Runs `f` as a loop body: the loop is on the stack, its iterations
    /// multiply the trip product, and mutable variables are widened.
    pub(in crate::gen) fn in_loop<T>(
        &mut self,
        ctx: LoopCtx,
        trips: u64,
        f: impl FnOnce(&mut Gen) -> T,
    ) -> T {
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
    pub(super) fn maybe_label(&mut self) -> Option<String> {
        let p = if self.rare { 0.3 } else { 0.08 };
        if self.chance(p) {
            self.tag("loop label");
            Some(self.fresh("'l"))
        } else {
            None
        }
    }

    /// A trip count: a literal or the `usize` parameter `n`.
    pub(super) fn trip_bound(&mut self) -> (Expr, u64) {
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
    pub(super) fn accumulator(&mut self) -> (Stmt, usize) {
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

    /// `let mut kN = 0;`, the counter that bounds a `while` or `loop`.
    pub(super) fn counter(&mut self, hi: u64) -> (Stmt, String) {
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
    pub(super) fn increment(k: &str) -> Stmt {
        Stmt::Assign {
            place: Expr::path(k),
            op: Some(BinOp::Add),
            value: Expr::int("1"),
        }
    }

    /// `while kN < T [&& cond] { kN += 1; .. }`
    pub(super) fn while_loop(&mut self) -> Vec<Stmt> {
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

    /// `while let Some(v) = x.get(kN) { kN += 1; .. }` (one trip per
    /// element; `x` is not written in the body), or
    /// `let mut stack = x.to_vec(); while let Some(t) = stack.pop() { .. }`.
    pub(super) fn while_let(&mut self, bufs: &[usize]) -> Vec<Stmt> {
        let mut out = Vec::new();
        let acc = if self.chance(0.6) {
            let (s, i) = self.accumulator();
            out.push(s);
            Some(i)
        } else {
            None
        };
        let b = self.prefer_unread(bufs);
        self.vars[b].reads += 1;
        let name = self.vars[b].name.clone();
        let VTy::Buf { len, .. } = self.vars[b].ty else {
            unreachable!()
        };
        let n = len.unwrap_or(5) as u64;
        let elem = self.vars[b].iv;
        let v = self.fresh("v");
        let ctx = LoopCtx {
            label: None,
            value: false,
        };
        let body_max = self.rng.i32(1..=3);
        let (cond, body) = if self.chance(0.75) {
            self.tag("while let Some(v) = x.get(k)");
            let (s, k) = self.counter(len.map_or(UNKNOWN_LEN, |l| l as u64));
            out.push(s);
            let by_value = self.rng.bool();
            let pat = if by_value {
                format!("Some(&{v})")
            } else {
                format!("Some({v})")
            };
            let get = Expr::method(Expr::path(&name), "get", vec![Expr::path(&k)]);
            let body = self.scoped(|g| {
                g.frozen.push(name.clone());
                g.declare(&v, if by_value { VTy::F } else { VTy::RefF }, false, elem);
                g.in_loop(ctx, n, |g| {
                    let mut b = g.sub_block_then(body_max, |g, b| g.update_accumulator(acc, b));
                    b.stmts.insert(0, Self::increment(&k));
                    b
                })
            });
            (
                Kind::Let {
                    pat,
                    value: Box::new(get),
                },
                body,
            )
        } else {
            self.tag("while let Some(t) = stack.pop()");
            let stack = self.fresh("stack");
            out.push(Stmt::Let {
                pat: Pat::Ident {
                    name: stack.clone(),
                    mutable: true,
                },
                ty: None,
                init: Some(Expr::method(Expr::path(&name), "to_vec", vec![])),
            });
            let body = self.scoped(|g| {
                g.declare(&v, VTy::F, false, elem);
                g.in_loop(ctx, n, |g| {
                    g.sub_block_then(body_max, |g, b| g.update_accumulator(acc, b))
                })
            });
            let pop = Expr::method(Expr::path(&stack), "pop", vec![]);
            (
                Kind::Let {
                    pat: format!("Some({v})"),
                    value: Box::new(pop),
                },
                body,
            )
        };
        out.push(Stmt::Expr(Expr::new(Kind::While {
            label: None,
            cond: Box::new(Expr::new(cond)),
            body,
        })));
        out
    }

    /// `loop { kN += 1; if kN > T { break; } .. }`, or with a value:
    /// `let r = loop { kN += 1; if kN >= T { break e; } .. };`
    pub(super) fn loop_stmt(&mut self, with_value: bool) -> Vec<Stmt> {
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
    pub(super) fn loop_exit(&mut self) -> Stmt {
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
}
