//! Float expressions: the dispatcher that picks an expression shape at each
//! depth ([`Gen::float_expr`]), keeping every result within a bound, and the
//! operands and divisors it combines. The shapes themselves live in the
//! submodules, one family each.

mod call;
mod control;
mod iter;
mod leaf;
mod literal;
mod math;

pub(super) use literal::is_untyped;

use super::interval::Iv;
use super::{Gen, VTy};
use crate::ast::*;

/// Expressions are squashed when their bound exceeds this.
const EXPR_LIMIT: f64 = 1e4;

impl Gen {
    /// A float expression of at most `depth` levels, with its bound.
    pub(in crate::gen) fn float_expr(&mut self, depth: u32) -> (Expr, Iv) {
        let depth = depth.min(self.max_depth);
        if depth == 0 || self.chance(0.2) {
            return self.leaf();
        }
        let d = depth - 1;
        let has_bufs = !self
            .visible_where(|v| {
                matches!(v.ty, VTy::Buf { .. }) && !self.frozen_mut.contains(&v.name)
            })
            .is_empty();
        let has_helpers = self.helpers.iter().any(|h| h.out.is_none());
        let blocky = depth >= 2 && !self.closure;
        let rare = self.rare;
        let choice = self.weighted(&[
            20,
            14,
            7,
            4,
            22,
            9,
            if depth >= 2 { 4 } else { 0 },
            if blocky { 2 } else { 0 },
            if blocky && rare { 2 } else { 0 },
            if has_helpers { 6 } else { 0 },
            match (has_bufs, self.closure) {
                (false, _) => 0,
                (true, false) => 7,
                (true, true) => 1,
            },
            if rare { 1 } else { 0 },
            if rare { 1 } else { 0 },
            if self.vectors && has_bufs { 4 } else { 0 },
            if rare { 1 } else { 0 },
            if blocky && has_bufs { 1 } else { 0 },
        ]);
        let (e, iv) = match choice {
            0 => {
                let (a, ai) = self.operand(d);
                let (b, bi) = self.operand(d);
                if self.rng.bool() {
                    (Expr::bin(BinOp::Add, a, b), ai.add(bi))
                } else {
                    (Expr::bin(BinOp::Sub, a, b), ai.sub(bi))
                }
            }
            1 => {
                let (a, ai) = self.operand(d);
                let (b, bi) = self.operand(d);
                let (b, bi) = if ai.mul(bi).mag() > EXPR_LIMIT {
                    let m = (EXPR_LIMIT / ai.mag().max(1.0)).clamp(0.25, 3.0);
                    let e = self.squash_to(b, m);
                    (e, Iv::sym(m))
                } else {
                    (b, bi)
                };
                (Expr::bin(BinOp::Mul, a, b), ai.mul(bi))
            }
            2 => {
                let (a, ai) = self.operand(d);
                let (den, di) = self.denominator(d);
                (Expr::bin(BinOp::Div, a, den), ai.div(di))
            }
            3 => {
                let (a, ai) = self.float_expr(d);
                (Expr::fl(Kind::Unary(UnOp::Neg, Box::new(a))), ai.neg())
            }
            4 => self.unary_method(d),
            5 => self.binary_method(d),
            6 => self.if_expr(d),
            7 => self.match_expr(d),
            8 => self.block_expr(d),
            9 => self.helper_call(d),
            10 => self.reduction(d),
            13 => self.vector_rule(),
            14 => {
                // Through an integer: derivative zero, with jumps.
                self.tag("float to int to float cast");
                let (a, ai) = self.float_bounded(d, 100.0);
                let a = self.typed(a);
                let ty = *self.pick(&["i32", "i64", "isize"]);
                let int = Expr::new(Kind::Cast(Box::new(a), ty.into()));
                (
                    Expr::fl(Kind::Cast(Box::new(int), self.fl.name().into())),
                    Iv::new(ai.lo - 1.0, ai.hi + 1.0),
                )
            }
            15 => self.if_let_expr(d),
            11 => {
                self.tag("float %");
                let (a, _) = self.float_expr(d);
                let m = *self.pick(&[2.5, 1.75, 3.0]);
                (Expr::bin(BinOp::Rem, a, self.lit(m)), Iv::sym(m))
            }
            _ => {
                self.tag("sin_cos");
                let (a, _) = self.float_bounded(d, 100.0);
                let a = self.typed(a);
                let sc = Expr::new(Kind::Method {
                    recv: Box::new(a),
                    name: "sin_cos".into(),
                    turbofish: None,
                    args: vec![],
                });
                let field = self.rng.usize(0..2);
                (Expr::fl(Kind::Field(Box::new(sc), field)), Iv::sym(1.0))
            }
        };
        if iv.mag() > EXPR_LIMIT || iv.lo.is_nan() || iv.hi.is_nan() {
            let e = self.squash_to(e, 10.0);
            return (e, Iv::sym(10.0));
        }
        (e, iv)
    }

    /// An operand of `+ - * /`: now and then a reference itself (`v * 2.0`
    /// with `v: &f64`), which Rust's operators accept.
    fn operand(&mut self, depth: u32) -> (Expr, Iv) {
        let (e, iv) = self.float_expr(depth);
        if let Kind::Unary(UnOp::Deref, inner) = &e.kind {
            // `&mut f64` and `Box<f64>` have no arithmetic operators; `&f64` does.
            let shared = match &inner.kind {
                Kind::Path(n) => self.visible().into_iter().any(|i| {
                    &self.vars[i].name == n && matches!(self.vars[i].ty, VTy::RefF | VTy::RefParam)
                }),
                _ => false,
            };
            if shared && self.chance(0.3) {
                self.tag("bare reference operand");
                return ((**inner).clone(), iv);
            }
        }
        (e, iv)
    }

    /// A divisor bounded away from zero.
    fn denominator(&mut self, depth: u32) -> (Expr, Iv) {
        let us = self.visible_where(|v| matches!(v.ty, VTy::Usize { lo, .. } if lo >= 1));
        match self.weighted(&[4, 6, if us.is_empty() { 0 } else { 2 }, 1]) {
            0 => {
                let v = *self.pick(&[2.0, 4.0, 0.5, -2.0, 3.0, 1.5, -0.75]);
                (self.lit(v), Iv::point(v))
            }
            1 => self.positive(depth),
            2 => {
                let i = *self.pick(&us);
                let VTy::Usize { lo, hi } = self.vars[i].ty else {
                    unreachable!()
                };
                let name = self.vars[i].name.clone();
                (
                    Expr::fl(Kind::Cast(
                        Box::new(Expr::path(&name)),
                        self.fl.name().into(),
                    )),
                    Iv::new(lo as f64, hi as f64),
                )
            }
            _ => {
                let (a, _) = self.float_expr(depth);
                let s = self.call_method(a, "exp", vec![]);
                let s = self.squash_to(s, 1.0);
                (Expr::bin(BinOp::Add, self.lit(2.0), s), Iv::new(1.0, 3.0))
            }
        }
    }
}
