//! Float methods with derivative rules (`sin`, `ln`, `powi`, `atan2`,
//! `mul_add`, ...), each given an argument shaped to its domain: `ln` and
//! `sqrt` only see forms that are positive by construction, `asin` only
//! values squashed into `(-1, 1)`.

use super::super::interval::Iv;
use super::super::{Gen, VTy};
use crate::ast::*;

/// The unary float methods and what their argument must satisfy.
#[derive(Clone, Copy)]
enum Domain {
    Any,
    /// `|x| <= m`
    Bounded(f64),
    /// `x > 0`, away from zero.
    Positive,
    /// `|x| < 1`
    Unit,
    /// `x >= 1`
    AtLeastOne,
    /// `x > -1`, for `ln_1p`.
    AboveMinusOne,
}

/// `(name, domain, weight, rare)`: `rare` methods have derivative zero or
/// jumps, and appear in programs with rare constructs only.
const UNARY: &[(&str, Domain, u32, bool)] = &[
    ("sin", Domain::Any, 10, false),
    ("cos", Domain::Any, 10, false),
    ("tanh", Domain::Any, 10, false),
    ("atan", Domain::Any, 5, false),
    ("asinh", Domain::Any, 2, false),
    ("exp", Domain::Bounded(3.0), 10, false),
    ("exp2", Domain::Bounded(4.0), 2, false),
    ("exp_m1", Domain::Bounded(3.0), 3, false),
    ("sinh", Domain::Bounded(3.0), 3, false),
    ("cosh", Domain::Bounded(3.0), 3, false),
    ("ln", Domain::Positive, 10, false),
    ("log2", Domain::Positive, 2, false),
    ("log10", Domain::Positive, 2, false),
    ("ln_1p", Domain::AboveMinusOne, 3, false),
    ("sqrt", Domain::Positive, 8, false),
    ("cbrt", Domain::Positive, 2, false),
    ("recip", Domain::Positive, 3, false),
    ("abs", Domain::Any, 5, false),
    ("tan", Domain::Bounded(1.2), 2, false),
    ("asin", Domain::Unit, 2, false),
    ("acos", Domain::Unit, 2, false),
    ("acosh", Domain::AtLeastOne, 2, false),
    ("atanh", Domain::Unit, 2, false),
    ("to_radians", Domain::Any, 1, false),
    ("to_degrees", Domain::Bounded(5.0), 1, false),
    ("signum", Domain::Any, 1, true),
    ("floor", Domain::Any, 1, true),
    ("ceil", Domain::Any, 1, true),
    ("round", Domain::Any, 1, true),
    ("trunc", Domain::Any, 1, true),
    ("fract", Domain::Any, 1, true),
];

impl Gen {
    /// A strictly positive expression, at least about 0.25.
    pub(in crate::gen) fn positive(&mut self, depth: u32) -> (Expr, Iv) {
        // A variable already known to be positive.
        let pos = self.visible_where(|v| matches!(v.ty, VTy::F) && v.iv.lo >= 0.25);
        if !pos.is_empty() && self.chance(0.2) {
            let i = self.prefer_unread(&pos);
            self.vars[i].reads += 1;
            return (Expr::fpath(&self.vars[i].name.clone()), self.vars[i].iv);
        }
        let c = *self.pick(&[0.25, 0.5, 1.0, 2.0]);
        match self.rng.u32(0..8) {
            0 | 1 => {
                let (a, iv) = self.float_bounded(depth, 30.0);
                // `a * a` only for a variable: a repeated subexpression would
                // double the code; `powi(2)` otherwise.
                let sq = if matches!(a.kind, Kind::Path(_)) {
                    Expr::bin(BinOp::Mul, a.clone(), a)
                } else {
                    self.call_method(a, "powi", vec![Expr::int("2")])
                };
                (
                    Expr::bin(BinOp::Add, sq, self.lit(c)),
                    iv.square().add(Iv::point(c)),
                )
            }
            2 => {
                let (a, _) = self.float_expr(depth);
                let f = if self.rng.bool() { "sin" } else { "cos" };
                let c = *self.pick(&[1.5, 2.0, 3.0]);
                let s = self.call_method(a, f, vec![]);
                (
                    Expr::bin(BinOp::Add, self.lit(c), s),
                    Iv::new(c - 1.0, c + 1.0),
                )
            }
            3 => {
                let (a, iv) = self.float_bounded(depth, 100.0);
                let s = self.call_method(a, "abs", vec![]);
                (
                    Expr::bin(BinOp::Add, s, self.lit(c)),
                    iv.abs().add(Iv::point(c)),
                )
            }
            4 => {
                let (a, iv) = self.float_bounded(depth, 3.0);
                let e = self.call_method(a, "exp", vec![]);
                (e, iv.mono(f64::exp))
            }
            5 => {
                let (a, iv) = self.float_bounded(depth, 3.0);
                let e = self.call_method(a, "cosh", vec![]);
                (e, Iv::new(1.0, iv.mag().cosh()))
            }
            6 => {
                let (a, iv) = self.float_bounded(depth, 100.0);
                let c = *self.pick(&[0.5, 1.0, 2.0]);
                let e = self.call_method(a, "hypot", vec![self.lit(c)]);
                (e, Iv::new(c, iv.mag() + c))
            }
            _ => {
                let (a, iv) = self.float_bounded(depth, 30.0);
                let sq = self.call_method(a, "powi", vec![Expr::int("2")]);
                (
                    Expr::bin(BinOp::Add, self.lit(c), sq),
                    iv.square().add(Iv::point(c)),
                )
            }
        }
    }

    /// The argument of a unary method, shaped to its domain.
    fn argument(&mut self, domain: Domain, depth: u32) -> (Expr, Iv) {
        match domain {
            Domain::Any => self.float_bounded(depth, 100.0),
            Domain::Bounded(m) => self.float_bounded(depth, m),
            Domain::Positive => self.positive(depth),
            Domain::AtLeastOne => {
                let (p, iv) = self.positive(depth);
                (
                    Expr::bin(BinOp::Add, p, self.lit(1.0)),
                    iv.add(Iv::point(1.0)),
                )
            }
            Domain::Unit => {
                let (a, _) = self.float_expr(depth);
                let k = *self.pick(&[0.5, 0.9]);
                let f = if self.rng.bool() { "tanh" } else { "sin" };
                let s = self.call_method(a, f, vec![]);
                (Expr::bin(BinOp::Mul, self.lit(k), s), Iv::sym(k))
            }
            Domain::AboveMinusOne => {
                if self.rng.bool() {
                    self.positive(depth)
                } else {
                    let (a, _) = self.float_expr(depth);
                    let s = self.call_method(a, "tanh", vec![]);
                    (Expr::bin(BinOp::Mul, self.lit(0.5), s), Iv::sym(0.5))
                }
            }
        }
    }

    /// `arg.method()` for a unary method with a derivative rule.
    pub(super) fn unary_method(&mut self, depth: u32) -> (Expr, Iv) {
        let rare = self.rare;
        let weights: Vec<u32> = UNARY
            .iter()
            .map(|&(_, _, w, r)| if r && !rare { 0 } else { w })
            .collect();
        let choice = self.weighted(&weights);
        let (name, domain, _, _) = UNARY[choice];
        if self.chance(0.12) {
            return self.powi(depth);
        }
        let (a, iv) = self.argument(domain, depth);
        let out = match name {
            "sin" | "cos" | "tanh" | "signum" => Iv::sym(1.0),
            "atan" => Iv::sym(1.6),
            "asinh" => iv.mono(f64::asinh),
            "exp" => iv.mono(f64::exp),
            "exp2" => iv.mono(f64::exp2),
            "exp_m1" => iv.mono(f64::exp_m1),
            "sinh" => iv.mono(f64::sinh),
            "cosh" => Iv::new(1.0, iv.mag().cosh()),
            "ln" => iv.mono(f64::ln),
            "log2" => iv.mono(f64::log2),
            "log10" => iv.mono(f64::log10),
            "ln_1p" => iv.mono(f64::ln_1p),
            "sqrt" => iv.mono(f64::sqrt),
            "cbrt" => iv.mono(f64::cbrt),
            "recip" => Iv::new(1.0 / iv.hi, 1.0 / iv.lo),
            "abs" => iv.abs(),
            "tan" => iv.mono(f64::tan),
            "asin" | "acos" => Iv::new(0.0_f64.min(-1.6), 3.2),
            "acosh" => iv.mono(f64::acosh),
            "atanh" => iv.mono(f64::atanh),
            "to_radians" => iv.scale(std::f64::consts::PI / 180.0),
            "to_degrees" => iv.scale(180.0 / std::f64::consts::PI),
            "fract" => Iv::sym(1.0),
            _ => Iv::new(iv.lo - 1.0, iv.hi + 1.0),
        };
        (self.call_method(a, name, vec![]), out)
    }

    /// `x.powi(k)`: squares and cubes of anything bounded, negative powers
    /// of positive forms, and now and then the `i32` parameter `k`.
    fn powi(&mut self, depth: u32) -> (Expr, Iv) {
        let ints = self.visible_where(|v| matches!(v.ty, VTy::Int));
        if !ints.is_empty() && self.chance(0.3) {
            let name = self.vars[ints[0]].name.clone();
            let (p, iv) = self.positive(depth);
            let (p, iv) = if iv.mag() > 4.0 {
                let e = self.squash_to(p, 1.0);
                (Expr::bin(BinOp::Add, e, self.lit(1.5)), Iv::new(0.5, 2.5))
            } else {
                (p, iv)
            };
            let hi = iv.hi.max(1.0 / iv.lo).powi(3);
            return (
                self.call_method(p, "powi", vec![Expr::path(&name)]),
                Iv::sym(hi),
            );
        }
        let k: i32 = *self.pick(&[2, 2, 3, -1, -2, 0, 1, 4]);
        if k < 0 {
            let (p, iv) = self.positive(depth);
            let lo = iv.lo.max(1e-3);
            let out = Iv::new(iv.hi.powi(k), lo.powi(k));
            (
                self.call_method(p, "powi", vec![Expr::int(k.to_string())]),
                out,
            )
        } else {
            let (a, iv) = self.float_bounded(depth, if k >= 3 { 5.0 } else { 30.0 });
            let out = if k % 2 == 0 {
                Iv::new(0.0, iv.mag().powi(k))
            } else {
                iv.mono(|x| x.powi(k))
            };
            (
                self.call_method(a, "powi", vec![Expr::int(k.to_string())]),
                out,
            )
        }
    }

    /// Methods of two or three float arguments.
    pub(super) fn binary_method(&mut self, depth: u32) -> (Expr, Iv) {
        let rare = self.rare;
        match self.weighted(&[
            8,
            8,
            4,
            3,
            5,
            3,
            4,
            3,
            if rare { 2 } else { 0 },
            if rare { 2 } else { 0 },
        ]) {
            0 | 1 => {
                let name = if self.rng.bool() { "max" } else { "min" };
                let (a, ai) = self.float_bounded(depth, 100.0);
                let (b, bi) = self.float_bounded(depth, 100.0);
                let iv = if name == "max" {
                    ai.max(bi)
                } else {
                    ai.min(bi)
                };
                (self.call_method(a, name, vec![b]), iv)
            }
            2 => {
                let (a, ai) = self.float_bounded(depth, 100.0);
                let (b, bi) = self.float_bounded(depth, 100.0);
                (
                    self.call_method(a, "hypot", vec![b]),
                    Iv::new(0.0, ai.mag() + bi.mag()),
                )
            }
            3 => {
                let (a, _) = self.float_bounded(depth, 100.0);
                // A positive second argument keeps away from the branch cut.
                let (b, _) = if self.chance(0.7) {
                    self.positive(depth)
                } else {
                    self.float_bounded(depth, 100.0)
                };
                (
                    self.call_method(a, "atan2", vec![b]),
                    Iv::sym(std::f64::consts::PI),
                )
            }
            4 => {
                let (base, bi) = self.positive(depth);
                let (base, bi) = if bi.hi > 20.0 || bi.lo < 0.2 {
                    let s = self.squash_to(base, 1.0);
                    (Expr::bin(BinOp::Add, s, self.lit(1.5)), Iv::new(0.5, 2.5))
                } else {
                    (base, bi)
                };
                let (e, ei) = self.float_bounded(depth, 2.5);
                let m = bi.hi.max(1.0 / bi.lo).powf(ei.mag());
                (self.call_method(base, "powf", vec![e]), Iv::new(0.0, m))
            }
            5 => {
                // A constant base and a differentiated exponent.
                let (e, ei) = self.float_bounded(depth, 3.0);
                let base = *self.pick(&[2.0, 0.5, 1.5, 3.0]);
                let recv = self.lit_typed(base);
                let m = base.max(1.0 / base).powf(ei.mag());
                (Expr::fmethod(recv, "powf", vec![e]), Iv::new(0.0, m))
            }
            6 => {
                let (a, ai) = self.float_bounded(depth, 30.0);
                let (b, bi) = self.float_bounded(depth, 30.0);
                let (c, ci) = self.float_bounded(depth, 100.0);
                (
                    self.call_method(a, "mul_add", vec![b, c]),
                    ai.mul(bi).add(ci),
                )
            }
            7 => {
                let (p, pi) = self.positive(depth);
                let (base, bl) = if self.rng.bool() {
                    let b = *self.pick(&[2.0, 3.0, 10.0]);
                    (self.lit(b), b)
                } else {
                    let (a, _) = self.float_expr(depth);
                    let s = self.call_method(a, "sin", vec![]);
                    (Expr::bin(BinOp::Add, self.lit(2.5), s), 1.5)
                };
                let m = pi.lo.ln().abs().max(pi.hi.ln().abs()) / bl.ln();
                (self.call_method(p, "log", vec![base]), Iv::sym(m + 1.0))
            }
            8 => {
                self.tag("clamp");
                let (a, _) = self.float_bounded(depth, 100.0);
                (
                    self.call_method(a, "clamp", vec![self.lit(-1.0), self.lit(1.0)]),
                    Iv::sym(1.0),
                )
            }
            _ => {
                self.tag("copysign");
                let (a, ai) = self.float_bounded(depth, 100.0);
                let (b, _) = self.float_bounded(depth, 100.0);
                (self.call_method(a, "copysign", vec![b]), Iv::sym(ai.mag()))
            }
        }
    }
}
