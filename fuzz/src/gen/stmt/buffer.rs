//! Local buffers (`vec![0.0; n]`, arrays, `to_vec`, `clone`, `push`,
//! `collect`, `softmax`) and element writes `b[i] op= e`.

use super::super::interval::Iv;
use super::super::{BufKind, Gen, VTy, LIMIT};
use crate::ast::*;

impl Gen {
    /// A local buffer, sometimes followed by the loop that fills it.
    pub(super) fn local_buffer(&mut self) -> Vec<Stmt> {
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
        // The most entries it can have, where its length is not known.
        let mut most = 1;
        // (init, annotation, kind, len, iv, fill?)
        let (init, ty, kind, len, iv, fill, mutable) = match choice {
            0 => {
                self.tag("vec![0.0; n]");
                let i = *self.pick(&ns);
                let VTy::Usize { lo, hi } = self.vars[i].ty else {
                    unreachable!()
                };
                most = hi;
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
                        is_move: false,
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
            let hi = len.map_or(most - 1, |l| l as u64 - 1);
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
    pub(super) fn buffer_write(&mut self, b: usize) -> Stmt {
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
}
