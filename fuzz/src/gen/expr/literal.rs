//! Literals, and the typing discipline around them: a float expression made
//! of unsuffixed literals only has Rust's ambiguous `{float}` type, so the
//! generator suffixes one literal where that matters; method calls in both
//! spellings; and squashing values into a bound (`tanh`, `atan`, `sin`).

use super::super::interval::Iv;
use super::super::Gen;
use crate::ast::*;

/// Whether `e`'s type is an unresolved `{float}`: it consists of unsuffixed
/// literals only. Rust cannot call a method on such a value (E0689), and a
/// variable bound to it stays ambiguous, so the generator types it.
pub(in crate::gen) fn is_untyped(e: &Expr) -> bool {
    match &e.kind {
        Kind::Float { suffix, .. } => suffix.is_none(),
        Kind::Unary(UnOp::Neg, a) => is_untyped(a),
        Kind::Binary(op, a, b) if !op.is_comparison() => is_untyped(a) && is_untyped(b),
        Kind::If { then, els, .. } => {
            then.tail.as_deref().map_or(true, is_untyped) && els.as_deref().map_or(true, is_untyped)
        }
        Kind::Block(b) => b.tail.as_deref().map_or(true, is_untyped),
        Kind::Match { arms, .. } => arms.iter().all(|a| is_untyped(&a.body)),
        _ => false,
    }
}

/// Suffixes the first literal that decides `e`'s type.
fn suffix_first(e: &mut Expr, suffix: &'static str) -> bool {
    match &mut e.kind {
        Kind::Float { suffix: s, .. } => {
            *s = Some(suffix);
            true
        }
        Kind::Unary(_, a) => suffix_first(a, suffix),
        Kind::Binary(_, a, b) => suffix_first(a, suffix) || suffix_first(b, suffix),
        Kind::If { then, .. } => then
            .tail
            .as_deref_mut()
            .is_some_and(|t| suffix_first(t, suffix)),
        Kind::Block(b) => b
            .tail
            .as_deref_mut()
            .is_some_and(|t| suffix_first(t, suffix)),
        Kind::Match { arms, .. } => arms.iter_mut().any(|a| suffix_first(&mut a.body, suffix)),
        _ => false,
    }
}

impl Gen {
    /// A multiple of 0.25 in `[lo, hi]`.
    pub(in crate::gen) fn literal_value(&mut self, lo: f64, hi: f64) -> f64 {
        let steps = ((hi - lo) / 0.25).round() as u32;
        lo + 0.25 * self.rng.u32(0..=steps) as f64
    }

    /// An unsuffixed float literal.
    pub(in crate::gen) fn lit(&self, v: f64) -> Expr {
        Expr::lit(v)
    }

    /// The suffix for this function's float type, in one of Rust's spellings.
    fn suffix(&mut self) -> &'static str {
        match (self.fl, self.rng.bool()) {
            (Fl::F64, true) => "_f64",
            (Fl::F64, false) => "f64",
            (Fl::F32, true) => "_f32",
            (Fl::F32, false) => "f32",
        }
    }

    /// A suffixed float literal.
    pub(in crate::gen) fn lit_typed(&mut self, v: f64) -> Expr {
        let suffix = self.suffix();
        Expr::fl(Kind::Float {
            value: v,
            suffix: Some(suffix),
        })
    }

    /// `e` with a suffix on a literal if its type would be ambiguous.
    pub(in crate::gen) fn typed(&mut self, mut e: Expr) -> Expr {
        if is_untyped(&e) {
            let s = self.suffix();
            suffix_first(&mut e, s);
        }
        e
    }

    /// A random literal leaf.
    pub(super) fn literal(&mut self) -> (Expr, Iv) {
        let v = if self.chance(0.15) {
            *self.pick(&[0.1, 0.3, 0.7, 1e-3, 2.5e-1])
        } else {
            self.literal_value(-3.0, 3.0)
        };
        let e = if self.chance(0.15) {
            self.lit_typed(v)
        } else {
            self.lit(v)
        };
        (e, Iv::point(v))
    }

    /// `f64::NAME` or `f32::NAME`.
    fn path_in_float(&self, name: &str) -> String {
        format!("{}::{name}", self.fl.name())
    }

    /// `recv.name(args)`, or `f64::name(recv, args)` in path syntax.
    pub(in crate::gen) fn call_method(&mut self, recv: Expr, name: &str, args: Vec<Expr>) -> Expr {
        if self.chance(0.15) {
            self.tag("path-syntax method");
            let mut all = vec![recv];
            all.extend(args);
            return Expr::fl(Kind::Call {
                path: self.path_in_float(name),
                args: all,
            });
        }
        let recv = self.typed(recv);
        Expr::fmethod(recv, name, args)
    }

    /// `e` squashed into `[-m, m]` by a smooth bounded function.
    pub(in crate::gen) fn squash_to(&mut self, e: Expr, m: f64) -> Expr {
        self.tag("squash");
        let (name, bound) = match self.rng.u32(0..4) {
            0 | 1 => ("tanh", 1.0),
            2 => ("atan", std::f64::consts::FRAC_PI_2),
            _ => ("sin", 1.0),
        };
        let squashed = self.call_method(e, name, vec![]);
        if bound <= m * 0.999 && m >= 1.0 && self.chance(0.5) {
            squashed
        } else {
            let k = ((m / bound) * 4.0).floor().max(1.0) / 4.0;
            Expr::bin(BinOp::Mul, squashed, self.lit(k))
        }
    }

    /// `(e, iv)` within `[-m, m]`, squashing only if needed.
    pub(in crate::gen) fn bounded(&mut self, (e, iv): (Expr, Iv), m: f64) -> (Expr, Iv) {
        if iv.mag() <= m {
            (e, iv)
        } else {
            let e = self.squash_to(e, m);
            (e, Iv::sym(m))
        }
    }

    /// A float expression bounded by `m`.
    pub(in crate::gen) fn float_bounded(&mut self, depth: u32, m: f64) -> (Expr, Iv) {
        let r = self.float_expr(depth);
        self.bounded(r, m)
    }
}
