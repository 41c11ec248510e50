//! Calls of out-parameter helpers as statements (`h1(x, &v, &mut buf);`):
//! what is lent `&mut` (a local buffer, a range slice of one, an element, a
//! float variable, a reference passed on) and how the bound of what the
//! helper writes reaches it. A fresh buffer or float is declared to be lent
//! when nothing in scope can be.

use super::super::interval::Iv;
use super::super::{BufKind, Gen, HParam, OutEffect, VTy, LIMIT};
use crate::ast::*;

/// What a call lends `&mut`.
enum Lent {
    /// Buffer variable `i`, whole or a range of it.
    Buffer(usize),
    /// Float variable `i` (or the `&mut f64` it holds).
    Float(usize),
    /// An element of buffer variable `i`.
    Element(usize),
}

impl Gen {
    /// `hN(args, &mut place);` for a random out-parameter helper.
    pub(in crate::gen) fn out_call(&mut self) -> Vec<Stmt> {
        let hs: Vec<_> = self
            .helpers
            .iter()
            .filter(|h| h.out.is_some())
            .cloned()
            .collect();
        let h = self.pick(&hs).clone();
        let slice_out = h.params.contains(&HParam::OutSlice);
        let mut out = Vec::new();
        let lent = if slice_out {
            let bufs: Vec<usize> = self
                .visible()
                .into_iter()
                .filter(|&i| self.writable_buffer(&self.vars[i].clone()))
                .collect();
            if bufs.is_empty() || self.chance(0.25) {
                out.push(self.fresh_out_buffer());
                Lent::Buffer(self.vars.len() - 1)
            } else {
                Lent::Buffer(self.prefer_unread(&bufs))
            }
        } else {
            let floats = self.visible_where(|v| {
                v.mutable
                    && matches!(v.ty, VTy::F | VTy::MutRef)
                    && !Self::is_const(&v.name)
                    && !self.frozen_mut.contains(&v.name)
            });
            let bufs: Vec<usize> = self
                .visible()
                .into_iter()
                .filter(|&i| self.writable_buffer(&self.vars[i].clone()))
                .collect();
            match self.weighted(&[
                2,
                if floats.is_empty() { 0 } else { 5 },
                if bufs.is_empty() { 0 } else { 2 },
            ]) {
                0 => {
                    let name = self.fresh("a");
                    let (init, iv) = if self.rng.bool() {
                        (self.lit(0.0), Iv::point(0.0))
                    } else {
                        self.float_bounded(1, 10.0)
                    };
                    out.push(self.let_float(&name, true, init, iv));
                    Lent::Float(self.vars.len() - 1)
                }
                1 => Lent::Float(*self.pick(&floats)),
                _ => Lent::Element(*self.pick(&bufs)),
            }
        };
        let (place, except) = self.lent_place(&lent);
        let args = self.helper_args(&h, 2, Some(place), Some(&except));
        out.push(Stmt::Expr(Expr::new(Kind::Call {
            path: h.name.clone(),
            args,
        })));
        // What the helper leaves in what it was lent.
        let trips = self.trips.max(1) as f64;
        let (i, old) = match lent {
            Lent::Buffer(i) | Lent::Float(i) | Lent::Element(i) => (i, self.vars[i].iv),
        };
        let e = h.iv.mag();
        let new = match h.out.unwrap() {
            OutEffect::Overwrite => old.hull(Iv::sym(e)),
            OutEffect::Add => old.hull(old.add(Iv::sym(e * trips))),
            OutEffect::Mix => old.hull(Iv::sym(2.0 * e)),
        };
        self.vars[i].iv = if new.mag() > LIMIT {
            // Only approximately bounded: the tail squashes large values.
            Iv::sym(LIMIT)
        } else {
            new
        };
        self.tag("out-parameter call");
        out
    }

    /// `let mut tN = vec![0.0; k];` (or an array), to be lent.
    fn fresh_out_buffer(&mut self) -> Stmt {
        let fl = self.fl.name();
        let name = self.fresh("t");
        let k = self.rng.usize(1..=4);
        let vec = self.rng.bool();
        self.declare(
            &name,
            VTy::Buf {
                len: Some(k),
                kind: if vec {
                    BufKind::Vec
                } else {
                    BufKind::LocalArray
                },
            },
            true,
            Iv::point(0.0),
        );
        Stmt::Let {
            pat: Pat::Ident {
                name,
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
        }
    }

    /// The argument lending `lent`, and the variable it borrows.
    fn lent_place(&mut self, lent: &Lent) -> (Expr, String) {
        let mut_ref = |e: Expr| Expr::new(Kind::Unary(UnOp::Deref, Box::new(e)));
        let lend = |e: Expr| Expr::new(Kind::RefMut(Box::new(e)));
        match *lent {
            Lent::Buffer(i) => {
                let name = self.vars[i].name.clone();
                let VTy::Buf { kind, .. } = self.vars[i].ty else {
                    unreachable!()
                };
                if kind == BufKind::MutSlice {
                    // A `&mut [f]` passed on: by name now and then, else
                    // reborrowed whole as the README asks.
                    if self.chance(0.15) {
                        self.tag("lend &mut slice on by name");
                        return (Expr::path(&name), name);
                    }
                    let all = Expr::new(Kind::Slice {
                        base: Box::new(Expr::path(&name)),
                        lo: None,
                        hi: None,
                    });
                    return (lend(all), name);
                }
                if self.chance(0.3) {
                    if let Some((slice, _)) = self.range_slice(i) {
                        self.tag("lend &mut range slice");
                        return (lend(slice), name);
                    }
                }
                self.tag("lend &mut buffer");
                (lend(Expr::path(&name)), name)
            }
            Lent::Float(i) => {
                let name = self.vars[i].name.clone();
                if self.vars[i].ty == VTy::MutRef {
                    self.tag("lend &mut *r of an iter_mut item");
                    return (lend(mut_ref(Expr::path(&name))), name);
                }
                self.tag("lend &mut float");
                (lend(Expr::path(&name)), name)
            }
            Lent::Element(i) => {
                self.tag("lend &mut element");
                let name = self.vars[i].name.clone();
                let idx = self.index_for(i, true);
                let elem = Expr::new(Kind::Index(Box::new(Expr::path(&name)), Box::new(idx)));
                (lend(elem), name)
            }
        }
    }
}
