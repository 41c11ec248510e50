//! Closures bound to names: `let f = |t: f64| ..;` called right away
//! (`f(a) + f(b)`, two parameters, `move`, `.map(f)` over a buffer), and
//! `FnMut` closures that accumulate into a captured variable
//! (`let mut add = |t: f64| { c += t * w; }; add(x); add(y);`). A closure is
//! used in the statements that follow it and never again, so that what it
//! borrows is free for the rest of the body.

use super::super::interval::Iv;
use super::super::{BufKind, Gen, VTy};
use crate::ast::*;

impl Gen {
    /// A float expression with `bindings` in scope, in closure mode (no
    /// statements, no `return`).
    fn closure_value(&mut self, bindings: &[(String, Iv)], m: f64) -> (Expr, Iv) {
        let was = self.closure;
        self.closure = true;
        let r = self.scoped(|g| {
            for (n, iv) in bindings {
                g.declare(n, VTy::F, false, *iv);
            }
            g.float_bounded(2, m)
        });
        self.closure = was;
        r
    }

    /// Whether `body` may be a `move` closure's: it captures only `Copy`
    /// values (moving a `Vec` or a `&mut` would end it for the rest of the
    /// body).
    fn copies_only(&self, body: &Expr) -> bool {
        self.visible().into_iter().all(|i| {
            let v = &self.vars[i];
            let copy = match v.ty {
                VTy::MutRef | VTy::Boxed => false,
                VTy::Buf { kind, .. } => !matches!(kind, BufKind::Vec | BufKind::MutSlice),
                _ => true,
            };
            copy || !body.mentions(&v.name)
        })
    }

    /// `let f = |t| ..;` and the statement that uses it.
    pub(super) fn named_closure(&mut self) -> Vec<Stmt> {
        let fl = self.fl.name();
        let f = self.fresh("f");
        let bufs: Vec<usize> = self
            .visible_where(|v| matches!(v.ty, VTy::Buf { .. }))
            .into_iter()
            .filter(|&i| self.readable(&self.vars[i].clone()))
            .collect();
        let choice = self.weighted(&[6, 2, if bufs.is_empty() { 0 } else { 2 }, 4]);
        if choice == 3 {
            return self.counting_closure(&f);
        }
        let params: Vec<String> = (0..if choice == 1 { 2 } else { 1 })
            .map(|_| self.fresh("t"))
            .collect();
        // `.map(f)` feeds the buffer's elements; calls feed bounded values.
        let src = (choice == 2).then(|| self.prefer_unread(&bufs));
        let arg_iv = src.map_or(Iv::sym(2.0), |b| self.vars[b].iv.hull(Iv::sym(2.0)));
        let bindings: Vec<(String, VTy, Iv)> =
            params.iter().map(|t| (t.clone(), VTy::F, arg_iv)).collect();
        let (body, bi) = self.closure_body(2, &bindings, 30.0);
        let body = self.typed(body);
        let is_move = self.chance(0.2) && self.copies_only(&body);
        if is_move {
            self.tag("move closure");
        }
        let closure = Expr::new(Kind::Closure {
            params: params
                .iter()
                .map(|t| format!("{t}: {fl}"))
                .collect::<Vec<_>>()
                .join(", "),
            body: Box::new(body),
            is_move,
        });
        let def = Stmt::Let {
            pat: Pat::ident(&f),
            ty: None,
            init: Some(closure),
        };
        let (use_, iv) = match src {
            Some(b) => {
                self.tag("named closure .map(f)");
                let VTy::Buf { len, .. } = self.vars[b].ty else {
                    unreachable!()
                };
                self.vars[b].reads += 1;
                let copied = Expr::method(
                    Expr::method(Expr::path(&self.vars[b].name.clone()), "iter", vec![]),
                    "copied",
                    vec![],
                );
                let mapped = Expr::method(copied, "map", vec![Expr::path(&f)]);
                (
                    Expr::fl(Kind::Method {
                        recv: Box::new(mapped),
                        name: "sum".into(),
                        turbofish: Some(fl.into()),
                        args: vec![],
                    }),
                    bi.scale(len.unwrap_or(5) as f64),
                )
            }
            None => {
                self.tag(if params.len() == 2 {
                    "named closure of two parameters"
                } else {
                    "named closure"
                });
                let calls = self.rng.usize(1..=3);
                let mut sum: Option<Expr> = None;
                for _ in 0..calls {
                    let args = params
                        .iter()
                        .map(|_| self.float_bounded(2, 2.0).0)
                        .collect();
                    let call = Expr::fl(Kind::Call {
                        path: f.clone(),
                        args,
                    });
                    sum = Some(match sum {
                        None => call,
                        Some(s) => Expr::bin(BinOp::Add, s, call),
                    });
                }
                (sum.unwrap(), bi.scale(calls as f64))
            }
        };
        let u = self.fresh("a");
        let m = self.chance(0.3);
        vec![def, self.let_float(&u, m, use_, iv)]
    }

    /// `let mut c = ..; let mut f = |t: f64| { c += e; }; f(a); f(b);`: an
    /// `FnMut` closure, called while it holds `c`, which is read after.
    fn counting_closure(&mut self, f: &str) -> Vec<Stmt> {
        self.tag("FnMut closure");
        let fl = self.fl.name();
        let c = self.fresh("c");
        let t = self.fresh("t");
        let (init, civ) = if self.rng.bool() {
            (self.lit_typed(0.0), Iv::point(0.0))
        } else {
            let (e, iv) = self.float_bounded(1, 10.0);
            (self.typed(e), iv)
        };
        let (e, ei) = self.closure_value(&[(t.clone(), Iv::sym(2.0))], 5.0);
        let body = Expr::new(Kind::Block(Block {
            stmts: vec![Stmt::Assign {
                place: Expr::fpath(&c),
                op: Some(BinOp::Add),
                value: e,
            }],
            tail: None,
        }));
        let mut out = vec![
            Stmt::Let {
                pat: Pat::Ident {
                    name: c.clone(),
                    mutable: true,
                },
                ty: None,
                init: Some(init),
            },
            Stmt::Let {
                pat: Pat::Ident {
                    name: f.to_string(),
                    mutable: true,
                },
                ty: None,
                init: Some(Expr::new(Kind::Closure {
                    params: format!("{t}: {fl}"),
                    body: Box::new(body),
                    is_move: false,
                })),
            },
        ];
        // The arguments cannot read `c` (the closure holds it): it is not
        // in scope yet.
        let calls = self.rng.usize(1..=3);
        for _ in 0..calls {
            let (a, _) = self.float_bounded(2, 2.0);
            out.push(Stmt::Expr(Expr::new(Kind::Call {
                path: f.to_string(),
                args: vec![a],
            })));
        }
        self.declare(&c, VTy::F, true, civ.add(Iv::sym(ei.mag() * calls as f64)));
        out
    }
}
