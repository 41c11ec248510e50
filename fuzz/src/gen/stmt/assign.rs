//! Float bindings and assignments: `let`, `const` items, and assignments
//! and compound assignments whose bounds are kept in check inside loops.

use super::super::expr::is_untyped;
use super::super::interval::Iv;
use super::super::{Gen, VTy, LIMIT};
use crate::ast::*;

/// Kinds of assignment targets.
pub(super) enum Target {
    /// A float variable, by index.
    Var(usize),
    /// `*v` of an `iter_mut` variable, by index.
    Deref(usize),
}

impl Gen {
    /// A `let` of a float, its type written when the value would not fix it.
    pub(super) fn let_float(&mut self, name: &str, mutable: bool, init: Expr, iv: Iv) -> Stmt {
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
    pub(in crate::gen) fn const_item(&mut self) -> Stmt {
        self.tag("const item");
        let name = self.fresh("C");
        let v = self.literal_value(-2.0, 2.0);
        self.declare(&name, VTy::F, false, Iv::point(v));
        Stmt::Item(format!("const {name}: {} = {v:?};", self.fl.name()))
    }

    /// Whether a variable is a `const` (which `let` may not shadow).
    pub(super) fn is_const(name: &str) -> bool {
        name.starts_with(|c: char| c.is_ascii_uppercase())
    }

    /// Assignable float places in scope.
    pub(super) fn targets(&self) -> Vec<Target> {
        let mut out = Vec::new();
        for i in self.visible() {
            let v = &self.vars[i];
            match v.ty {
                VTy::F if v.mutable => out.push(Target::Var(i)),
                VTy::MutRef if v.mutable => out.push(Target::Deref(i)),
                _ => {}
            }
        }
        out
    }

    /// An assignment or compound assignment to variable `i` (a float or an
    /// `iter_mut` reference), keeping its bound in check: inside loops,
    /// additions are small, factors at most 1 and divisors at least 1, so
    /// that what a loop feeds back stays bounded.
    pub(super) fn assignment(&mut self, target: Target) -> Stmt {
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
}
