//! Bindings beyond a plain `let`: tuple, array and `sin_cos` patterns, pairs
//! read by field, deferred initialisation (`let y; if c { y = a } ..`),
//! labelled block values, references (`let r = &a;`, `let t = &x[1..];`) and
//! boxes (`let b = Box::new(e);`).

use super::super::expr::is_untyped;
use super::super::interval::Iv;
use super::super::{BufKind, Gen, VTy, LIMIT};
use crate::ast::*;

impl Gen {
    /// Tuple and array patterns, and pairs read by field.
    pub(super) fn tuple_let(&mut self) -> Stmt {
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
    pub(super) fn labelled_block(&mut self) -> Stmt {
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
    pub(super) fn deferred_let(&mut self) -> Vec<Stmt> {
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

    /// `let r = &a;`, `let r = &x[i];`, `let t = &x[1..];` (borrowing only
    /// what is never written, so the borrow may live to the end of the
    /// block) or `let b = Box::new(e);`.
    pub(super) fn reference_let(&mut self) -> Stmt {
        let fl = self.fl.name();
        let floats = self.visible_where(|v| matches!(v.ty, VTy::F) && !v.mutable);
        let bufs: Vec<usize> = self
            .visible_where(|v| matches!(v.ty, VTy::Buf { .. }) && !v.mutable)
            .into_iter()
            .filter(|&i| self.readable(&self.vars[i].clone()))
            .collect();
        let sliceable: Vec<usize> = bufs
            .iter()
            .cloned()
            .filter(|&i| matches!(self.vars[i].ty, VTy::Buf { len: Some(2..), .. }))
            .collect();
        let r = self.fresh("r");
        let annotate = self.chance(0.3);
        let (init, ty, vty, iv) = match self.weighted(&[
            if floats.is_empty() { 0 } else { 4 },
            if bufs.is_empty() { 0 } else { 3 },
            if sliceable.is_empty() { 0 } else { 3 },
            3,
        ]) {
            0 => {
                self.tag("let r = &a");
                let i = self.prefer_unread(&floats);
                self.vars[i].reads += 1;
                let name = self.vars[i].name.clone();
                let e = Expr::new(Kind::Ref(Box::new(Expr::path(&name))));
                (e, format!("&{fl}"), VTy::RefF, self.vars[i].iv)
            }
            1 => {
                self.tag("let r = &x[i]");
                let i = self.prefer_unread(&bufs);
                self.vars[i].reads += 1;
                let idx = self.index_for(i, false);
                let name = self.vars[i].name.clone();
                let elem = Expr::new(Kind::Index(Box::new(Expr::path(&name)), Box::new(idx)));
                let e = Expr::new(Kind::Ref(Box::new(elem)));
                (e, format!("&{fl}"), VTy::RefF, self.vars[i].iv)
            }
            2 => {
                self.tag("let t = &x[a..b]");
                let i = *self.pick(&sliceable);
                let (slice, len) = self.range_slice(i).unwrap();
                let e = Expr::new(Kind::Ref(Box::new(slice)));
                let vty = VTy::Buf {
                    len,
                    kind: BufKind::Slice,
                };
                (e, format!("&[{fl}]"), vty, self.vars[i].iv)
            }
            _ => {
                self.tag("Box::new");
                let (e, iv) = self.float_bounded(2, LIMIT);
                let e = self.typed(e);
                let b = Expr::new(Kind::Call {
                    path: "Box::new".into(),
                    args: vec![e],
                });
                (b, format!("Box<{fl}>"), VTy::Boxed, iv)
            }
        };
        self.declare(&r, vty, false, iv);
        Stmt::Let {
            pat: Pat::ident(&r),
            ty: annotate.then_some(ty),
            init: Some(init),
        }
    }
}
