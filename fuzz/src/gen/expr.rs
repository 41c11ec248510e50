//! Float expressions, conditions and indices.

use super::interval::Iv;
use super::{BufKind, Gen, HParam, VTy, LIMIT};
use crate::ast::*;

/// Expressions are squashed when their bound exceeds this.
const EXPR_LIMIT: f64 = 1e4;

/// A match arm's pattern, its guard, and the `usize` binding it introduces.
pub(super) type ArmPat = (String, Option<Expr>, Option<String>);

/// Whether `e`'s type is an unresolved `{float}`: it consists of unsuffixed
/// literals only. Rust cannot call a method on such a value (E0689), and a
/// variable bound to it stays ambiguous, so the generator types it.
pub(super) fn is_untyped(e: &Expr) -> bool {
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

/// Whether `e` reads a variable (rather than only literals and constants).
pub(super) fn mentions_variable(e: &Expr) -> bool {
    match &e.kind {
        Kind::Path(p) => {
            !p.starts_with("std::") && !p.starts_with(|c: char| c.is_ascii_uppercase())
        }
        Kind::Float { .. } | Kind::Int(_) => false,
        Kind::Unary(_, a) | Kind::Cast(a, _) | Kind::Field(a, _) | Kind::Ref(a) => {
            mentions_variable(a)
        }
        Kind::Binary(_, a, b) => mentions_variable(a) || mentions_variable(b),
        Kind::Method { recv, args, .. } => {
            mentions_variable(recv) || args.iter().any(mentions_variable)
        }
        Kind::Call { args, .. } => args.iter().any(mentions_variable),
        _ => true,
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
    // ---- literals -----------------------------------------------------------

    /// A multiple of 0.25 in `[lo, hi]`.
    pub(super) fn literal_value(&mut self, lo: f64, hi: f64) -> f64 {
        let steps = ((hi - lo) / 0.25).round() as u32;
        lo + 0.25 * self.rng.u32(0..=steps) as f64
    }

    /// An unsuffixed float literal.
    pub(super) fn lit(&self, v: f64) -> Expr {
        Expr::lit(v)
    }

    /// The suffix for this function's float type, in one of Rust's spellings.
    pub(super) fn suffix(&mut self) -> &'static str {
        match (self.fl, self.rng.bool()) {
            (Fl::F64, true) => "_f64",
            (Fl::F64, false) => "f64",
            (Fl::F32, true) => "_f32",
            (Fl::F32, false) => "f32",
        }
    }

    /// A suffixed float literal.
    pub(super) fn lit_typed(&mut self, v: f64) -> Expr {
        let suffix = self.suffix();
        Expr::fl(Kind::Float {
            value: v,
            suffix: Some(suffix),
        })
    }

    /// `e` with a suffix on a literal if its type would be ambiguous.
    pub(super) fn typed(&mut self, mut e: Expr) -> Expr {
        if is_untyped(&e) {
            let s = self.suffix();
            suffix_first(&mut e, s);
        }
        e
    }

    /// A random literal leaf.
    fn literal(&mut self) -> (Expr, Iv) {
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

    // ---- methods --------------------------------------------------------------

    /// `recv.name(args)`, or `f64::name(recv, args)` in path syntax.
    pub(super) fn call_method(&mut self, recv: Expr, name: &str, args: Vec<Expr>) -> Expr {
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
    pub(super) fn squash_to(&mut self, e: Expr, m: f64) -> Expr {
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
    pub(super) fn bounded(&mut self, (e, iv): (Expr, Iv), m: f64) -> (Expr, Iv) {
        if iv.mag() <= m {
            (e, iv)
        } else {
            let e = self.squash_to(e, m);
            (e, Iv::sym(m))
        }
    }

    /// A float expression bounded by `m`.
    pub(super) fn float_bounded(&mut self, depth: u32, m: f64) -> (Expr, Iv) {
        let r = self.float_expr(depth);
        self.bounded(r, m)
    }

    /// A strictly positive expression, at least about 0.25.
    pub(super) fn positive(&mut self, depth: u32) -> (Expr, Iv) {
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
    fn unary_method(&mut self, depth: u32) -> (Expr, Iv) {
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
    fn binary_method(&mut self, depth: u32) -> (Expr, Iv) {
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

    // ---- leaves ---------------------------------------------------------------

    /// A variable, parameter, buffer element, cast or literal.
    pub(super) fn leaf(&mut self) -> (Expr, Iv) {
        let vis = self.visible();
        let mut floats = Vec::new();
        let mut refs = Vec::new();
        let mut f32s = Vec::new();
        let mut bufs = Vec::new();
        let mut mats = Vec::new();
        let mut pairs = Vec::new();
        let mut counts = Vec::new();
        for &i in &vis {
            let v = &self.vars[i];
            if !self.readable(v) {
                continue;
            }
            match v.ty {
                VTy::F => floats.push(i),
                VTy::RefF | VTy::MutRef | VTy::RefParam => refs.push(i),
                VTy::F32Param => f32s.push(i),
                VTy::Buf { .. } => bufs.push(i),
                VTy::Mat { .. } => mats.push(i),
                VTy::Pair => pairs.push(i),
                VTy::Usize { .. } | VTy::Int => counts.push(i),
                VTy::Bool | VTy::Labels { .. } | VTy::Mode => {}
            }
        }
        let w = |v: &Vec<usize>, k: u32| if v.is_empty() { 0 } else { k };
        let choice = self.weighted(&[
            w(&floats, 12),
            w(&refs, 8),
            w(&f32s, 4),
            w(&bufs, 7),
            w(&mats, 4),
            w(&pairs, 3),
            w(&counts, 2),
            3,
            1,
        ]);
        match choice {
            0 => {
                let i = self.prefer_unread(&floats);
                self.vars[i].reads += 1;
                (Expr::fpath(&self.vars[i].name.clone()), self.vars[i].iv)
            }
            1 => {
                let i = self.prefer_unread(&refs);
                self.vars[i].reads += 1;
                let name = self.vars[i].name.clone();
                (
                    Expr::fl(Kind::Unary(UnOp::Deref, Box::new(Expr::path(&name)))),
                    self.vars[i].iv,
                )
            }
            2 => {
                let i = self.prefer_unread(&f32s);
                self.vars[i].reads += 1;
                let name = self.vars[i].name.clone();
                let e = if self.rng.bool() {
                    Expr::fl(Kind::Cast(Box::new(Expr::path(&name)), "f64".into()))
                } else {
                    Expr::fl(Kind::Call {
                        path: "f64::from".into(),
                        args: vec![Expr::path(&name)],
                    })
                };
                (e, self.vars[i].iv)
            }
            3 => {
                let i = self.prefer_unread(&bufs);
                self.vars[i].reads += 1;
                let idx = self.index_for(i, false);
                let name = self.vars[i].name.clone();
                (
                    Expr::fl(Kind::Index(Box::new(Expr::path(&name)), Box::new(idx))),
                    self.vars[i].iv,
                )
            }
            4 => {
                let i = self.prefer_unread(&mats);
                self.vars[i].reads += 1;
                let VTy::Mat { rows, cols } = self.vars[i].ty else {
                    unreachable!()
                };
                let name = self.vars[i].name.clone();
                let r = self.index_bounded(rows, &format!("{name}.len()"));
                let c = self.index_bounded(cols, &format!("{name}[0].len()"));
                let row = Expr::new(Kind::Index(Box::new(Expr::path(&name)), Box::new(r)));
                (
                    Expr::fl(Kind::Index(Box::new(row), Box::new(c))),
                    self.vars[i].iv,
                )
            }
            5 => {
                let i = *self.pick(&pairs);
                self.vars[i].reads += 1;
                let name = self.vars[i].name.clone();
                let field = self.rng.usize(0..2);
                (
                    Expr::fl(Kind::Field(Box::new(Expr::path(&name)), field)),
                    self.vars[i].iv,
                )
            }
            6 => {
                let i = *self.pick(&counts);
                let name = self.vars[i].name.clone();
                let iv = match self.vars[i].ty {
                    VTy::Usize { lo, hi } => Iv::new(lo as f64, hi as f64),
                    _ => self.vars[i].iv,
                };
                (
                    Expr::fl(Kind::Cast(
                        Box::new(Expr::path(&name)),
                        self.fl.name().into(),
                    )),
                    iv,
                )
            }
            7 => self.literal(),
            _ => {
                let (name, v) = *self.pick(&[
                    ("PI", std::f64::consts::PI),
                    ("E", std::f64::consts::E),
                    ("LN_2", std::f64::consts::LN_2),
                    ("FRAC_1_SQRT_2", std::f64::consts::FRAC_1_SQRT_2),
                ]);
                self.tag("std consts");
                (
                    Expr::fpath(&format!("std::{}::consts::{name}", self.fl.name())),
                    Iv::point(v),
                )
            }
        }
    }

    // ---- integers ----------------------------------------------------------

    /// Visible `usize` variables with their ranges.
    fn usizes(&self) -> Vec<(String, u64, u64)> {
        self.visible()
            .into_iter()
            .filter_map(|i| match self.vars[i].ty {
                VTy::Usize { lo, hi } => Some((self.vars[i].name.clone(), lo, hi)),
                _ => None,
            })
            .collect()
    }

    /// An index into a dimension of known length `len` whose length
    /// expression is `len_expr`.
    fn index_bounded(&mut self, len: usize, len_expr: &str) -> Expr {
        let us = self.usizes();
        let direct: Vec<&(String, u64, u64)> = us
            .iter()
            .filter(|(_, _, hi)| (*hi as usize) < len)
            .collect();
        match self.weighted(&[
            if direct.is_empty() { 0 } else { 8 },
            3,
            if us.is_empty() { 0 } else { 4 },
        ]) {
            0 => Expr::path(&self.pick(&direct).0.clone()),
            1 => Expr::int(self.rng.usize(0..len).to_string()),
            _ => {
                let (name, _, _) = self.pick(&us).clone();
                let c = self.rng.u32(0..3);
                let base = if c == 0 {
                    Expr::path(&name)
                } else {
                    Expr::bin(BinOp::Add, Expr::path(&name), Expr::int(c.to_string()))
                };
                Expr::bin(BinOp::Rem, base, Expr::path(len_expr))
            }
        }
    }

    /// An in-bounds index into buffer variable `buf`. For a write into a
    /// `Vec` the index must not borrow the vector (`v[v.len() - 1] = ..` is
    /// E0502: `IndexMut` borrows it first), so its length is then written as
    /// a number.
    pub(super) fn index_for(&mut self, buf: usize, write: bool) -> Expr {
        let name = self.vars[buf].name.clone();
        let (len, kind) = match self.vars[buf].ty {
            VTy::Buf { len, kind } => (len, kind),
            _ => unreachable!("not a buffer"),
        };
        let len_expr = if write && kind == BufKind::Vec {
            len.map(|l| Expr::int(l.to_string()))
        } else {
            Some(Expr::method(Expr::path(&name), "len", vec![]))
        };
        let us = self.usizes();
        let min = len.unwrap_or(1);
        let direct: Vec<(String, u64, u64)> = us
            .iter()
            .filter(|(_, _, hi)| (*hi as usize) < min)
            .cloned()
            .collect();
        let has_len = len_expr.is_some();
        let shifted: Vec<(String, u64, u64)> = us
            .iter()
            .filter(|(_, lo, hi)| *lo >= 1 && ((*hi - 1) as usize) < min)
            .cloned()
            .collect();
        if !shifted.is_empty() && self.chance(0.3) {
            self.tag("index i - 1");
            let (u, _, _) = self.pick(&shifted).clone();
            return Expr::bin(BinOp::Sub, Expr::path(&u), Expr::int("1"));
        }
        match self.weighted(&[
            if direct.is_empty() { 0 } else { 10 },
            3,
            if us.is_empty() || !has_len { 0 } else { 5 },
            if has_len { 1 } else { 0 },
            if direct.is_empty() || !has_len { 0 } else { 2 },
            if us.is_empty() || !has_len { 0 } else { 1 },
        ]) {
            0 => Expr::path(&self.pick(&direct).0.clone()),
            1 => Expr::int(self.rng.usize(0..min).to_string()),
            2 => {
                let (u, _, _) = self.pick(&us).clone();
                let c = self.rng.u32(0..3);
                let base = if c == 0 {
                    Expr::path(&u)
                } else {
                    Expr::bin(BinOp::Add, Expr::path(&u), Expr::int(c.to_string()))
                };
                Expr::bin(BinOp::Rem, base, len_expr.unwrap())
            }
            3 => Expr::bin(BinOp::Sub, len_expr.unwrap(), Expr::int("1")),
            4 => {
                let (u, _, _) = self.pick(&direct).clone();
                Expr::bin(
                    BinOp::Sub,
                    Expr::bin(BinOp::Sub, len_expr.unwrap(), Expr::int("1")),
                    Expr::path(&u),
                )
            }
            _ => {
                let (u, _, _) = self.pick(&us).clone();
                Expr::bin(
                    BinOp::Rem,
                    Expr::bin(
                        BinOp::Add,
                        Expr::bin(BinOp::Mul, Expr::path(&u), Expr::int("2")),
                        Expr::int("1"),
                    ),
                    len_expr.unwrap(),
                )
            }
        }
    }

    /// An integer expression to match on, with the largest value it can take.
    pub(super) fn scrutinee(&mut self) -> (Expr, u64) {
        let us = self.usizes();
        if us.is_empty() {
            // A float converted to an integer: derivative zero, and a jump.
            self.tag("float to usize cast");
            let (a, _) = self.float_bounded(1, 3.0);
            let a = self.typed(a);
            let abs = Expr::fmethod(a, "abs", vec![]);
            let cast = Expr::new(Kind::Cast(Box::new(abs), "usize".into()));
            return (Expr::bin(BinOp::Rem, cast, Expr::int("4")), 3);
        }
        let (name, _, hi) = self.pick(&us).clone();
        match self.rng.u32(0..3) {
            0 => (Expr::path(&name), hi),
            1 => {
                let m = self.rng.u64(2..=4);
                (
                    Expr::bin(BinOp::Rem, Expr::path(&name), Expr::int(m.to_string())),
                    m - 1,
                )
            }
            _ => {
                let (other, _, ohi) = self.pick(&us).clone();
                (
                    Expr::bin(BinOp::Add, Expr::path(&name), Expr::path(&other)),
                    hi + ohi,
                )
            }
        }
    }

    // ---- conditions ---------------------------------------------------------

    /// A `bool` condition (not differentiated, but read from differentiated
    /// values as often as from integers).
    pub(super) fn cond(&mut self, depth: u32) -> Expr {
        let us = self.usizes();
        let bools = self.visible_where(|v| matches!(v.ty, VTy::Bool));
        match self.weighted(&[
            60,
            if us.is_empty() { 0 } else { 15 },
            if bools.is_empty() { 0 } else { 6 },
            if depth > 0 { 10 } else { 0 },
            if depth > 0 { 3 } else { 0 },
            2,
        ]) {
            0 => {
                let (mut a, mut ai) = self.float_expr(1);
                for _ in 0..4 {
                    if mentions_variable(&a) {
                        break;
                    }
                    (a, ai) = self.float_expr(1);
                }
                let op = *self.pick(&[BinOp::Lt, BinOp::Gt, BinOp::Le, BinOp::Ge]);
                let b = if self.chance(0.5) {
                    // A threshold inside the value's range, so both sides happen.
                    let m = ai.mag().min(2.0);
                    let v = self.literal_value(-m, m);
                    self.lit(v)
                } else {
                    self.float_expr(1).0
                };
                Expr::bin(op, a, b)
            }
            1 => {
                let (name, lo, hi) = self.pick(&us).clone();
                let c = self.rng.u64(lo..=hi.max(lo) + 1);
                match self.rng.u32(0..4) {
                    0 => Expr::bin(BinOp::Lt, Expr::path(&name), Expr::int(c.to_string())),
                    1 => Expr::bin(
                        if self.rng.bool() {
                            BinOp::Eq
                        } else {
                            BinOp::Ne
                        },
                        Expr::bin(BinOp::Rem, Expr::path(&name), Expr::int("2")),
                        Expr::int("0"),
                    ),
                    2 => Expr::bin(BinOp::Eq, Expr::path(&name), Expr::int(c.to_string())),
                    _ => Expr::bin(BinOp::Ge, Expr::path(&name), Expr::int(c.to_string())),
                }
            }
            2 => {
                let name = self.vars[bools[0]].name.clone();
                if self.rng.bool() {
                    Expr::path(&name)
                } else {
                    Expr::new(Kind::Unary(UnOp::Not, Box::new(Expr::path(&name))))
                }
            }
            3 => {
                let a = self.cond(depth - 1);
                let b = self.cond(depth - 1);
                let op = if self.rng.bool() {
                    BinOp::And
                } else {
                    BinOp::Or
                };
                Expr::bin(op, a, b)
            }
            4 => {
                let a = self.cond(depth - 1);
                // `!(a < b)`: the renderer parenthesises the comparison.
                Expr::new(Kind::Unary(UnOp::Not, Box::new(a)))
            }
            _ => {
                let (a, _) = self.float_expr(1);
                let a = self.typed(a);
                let m = *self.pick(&["is_sign_positive", "is_finite", "is_sign_negative"]);
                Expr::method(a, m, vec![])
            }
        }
    }

    // ---- compound float expressions -------------------------------------------

    /// A float expression of at most `depth` levels, with its bound.
    pub(super) fn float_expr(&mut self, depth: u32) -> (Expr, Iv) {
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
        let has_helpers = !self.helpers.is_empty();
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
            // `&mut f64` has no arithmetic operators; `&f64` does.
            let shared = match &inner.kind {
                Kind::Path(n) => self
                    .visible()
                    .into_iter()
                    .any(|i| &self.vars[i].name == n && self.vars[i].ty != VTy::MutRef),
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

    /// `if c { .. } else if .. { .. } else { .. }` as a value.
    fn if_expr(&mut self, depth: u32) -> (Expr, Iv) {
        let cond = self.cond(1);
        let (then, ti) = self.value_block(depth);
        let (els, ei) = if self.chance(0.2) {
            self.tag("else if");
            let (e, iv) = self.if_expr(depth.saturating_sub(1).max(1));
            (e, iv)
        } else {
            let (b, iv) = self.value_block(depth);
            (Expr::fl(Kind::Block(b)), iv)
        };
        (
            Expr::fl(Kind::If {
                cond: Box::new(cond),
                then,
                els: Some(Box::new(els)),
            }),
            ti.hull(ei),
        )
    }

    /// A block with a value: mostly just an expression, sometimes a `let`
    /// first.
    fn value_block(&mut self, depth: u32) -> (Block, Iv) {
        if !self.closure && self.chance(0.2) {
            self.scoped(|g| {
                let name = g.fresh("t");
                let (init, iv) = g.float_bounded(depth, LIMIT);
                let init = g.typed(init);
                g.declare(&name, VTy::F, false, iv);
                let (tail, tiv) = g.float_expr(depth);
                (
                    Block {
                        stmts: vec![Stmt::Let {
                            pat: Pat::ident(&name),
                            ty: None,
                            init: Some(init),
                        }],
                        tail: Some(Box::new(tail)),
                    },
                    tiv,
                )
            })
        } else {
            let (e, iv) = self.float_expr(depth);
            (
                Block {
                    stmts: vec![],
                    tail: Some(Box::new(e)),
                },
                iv,
            )
        }
    }

    /// Match arms over an integer scrutinee whose largest value is `hi`:
    /// literals, or-patterns, ranges, guards, and a final `_`.
    pub(super) fn int_arm_patterns(&mut self, hi: u64) -> Vec<ArmPat> {
        let mut arms = Vec::new();
        let mut next = 0u64;
        let count = self.rng.usize(1..=3);
        for _ in 0..count {
            if next > hi {
                break;
            }
            match self.rng.u32(0..5) {
                0 | 1 => {
                    arms.push((next.to_string(), None, None));
                    next += 1;
                }
                2 => {
                    self.tag("match or-pattern");
                    arms.push((format!("{} | {}", next, next + 1), None, None));
                    next += 2;
                }
                3 => {
                    let end = next + self.rng.u64(1..=2);
                    if self.rare && self.rng.bool() {
                        self.tag("match binding @ range");
                        let name = self.fresh("j");
                        arms.push((format!("{name} @ {next}..={end}"), None, Some(name)));
                    } else {
                        self.tag("match range");
                        arms.push((format!("{next}..={end}"), None, None));
                    }
                    next = end + 1;
                }
                _ => {
                    self.tag("match guard");
                    let name = self.fresh("j");
                    let c = self.rng.u64(0..=hi.max(1));
                    let guard = Expr::bin(BinOp::Gt, Expr::path(&name), Expr::int(c.to_string()));
                    arms.push((name.clone(), Some(guard), Some(name)));
                }
            }
        }
        arms.push(("_".to_string(), None, None));
        arms
    }

    /// Arms over the `Mode` enum: every variant, or some and `_`.
    pub(super) fn mode_arm_patterns(&mut self) -> Vec<ArmPat> {
        self.tag("match on enum");
        match self.rng.u32(0..3) {
            0 => vec![
                ("Mode::A".into(), None, None),
                ("Mode::B".into(), None, None),
                ("Mode::C".into(), None, None),
            ],
            1 => vec![
                ("Mode::A | Mode::C".into(), None, None),
                ("Mode::B".into(), None, None),
            ],
            _ => vec![("Mode::B".into(), None, None), ("_".into(), None, None)],
        }
    }

    /// The scrutinee and arms of a `match` on integers or on the enum.
    pub(super) fn match_head(&mut self) -> (Expr, u64, Vec<ArmPat>) {
        let modes = self.visible_where(|v| v.ty == VTy::Mode);
        if !modes.is_empty() && self.chance(0.5) {
            let name = self.vars[modes[0]].name.clone();
            let pats = self.mode_arm_patterns();
            return (Expr::path(&name), 0, pats);
        }
        let (scrut, hi) = self.scrutinee();
        let pats = self.int_arm_patterns(hi);
        (scrut, hi, pats)
    }

    /// `match` as a value.
    fn match_expr(&mut self, depth: u32) -> (Expr, Iv) {
        self.tag("match value");
        if self.chance(0.2) {
            // On a bool, or on a float through guards.
            let c = self.cond(0);
            let (a, ai) = self.float_expr(depth);
            let (b, bi) = self.float_expr(depth);
            let arms = vec![
                Arm {
                    pat: "true".into(),
                    guard: None,
                    body: a,
                },
                Arm {
                    pat: "false".into(),
                    guard: None,
                    body: b,
                },
            ];
            return (
                Expr::fl(Kind::Match {
                    scrut: Box::new(c),
                    arms,
                }),
                ai.hull(bi),
            );
        }
        let (scrut, hi, pats) = self.match_head();
        let mut arms = Vec::new();
        let mut iv: Option<Iv> = None;
        for (pat, guard, binding) in pats {
            let (body, bi) = self.scoped(|g| {
                if let Some(b) = &binding {
                    g.declare(b, VTy::Usize { lo: 0, hi }, false, Iv::new(0.0, hi as f64));
                }
                g.float_expr(depth)
            });
            iv = Some(iv.map_or(bi, |x| x.hull(bi)));
            arms.push(Arm { pat, guard, body });
        }
        (
            Expr::fl(Kind::Match {
                scrut: Box::new(scrut),
                arms,
            }),
            iv.unwrap(),
        )
    }

    /// `{ let t = ..; t * t }` as a value.
    fn block_expr(&mut self, depth: u32) -> (Expr, Iv) {
        self.tag("block value");
        let (b, iv) = self.scoped(|g| {
            let name = g.fresh("t");
            let (init, iv) = g.float_bounded(depth, 30.0);
            let init = g.typed(init);
            g.declare(&name, VTy::F, false, iv);
            let (tail, tiv) = g.float_expr(depth);
            (
                Block {
                    stmts: vec![Stmt::Let {
                        pat: Pat::ident(&name),
                        ty: None,
                        init: Some(init),
                    }],
                    tail: Some(Box::new(tail)),
                },
                tiv,
            )
        });
        (Expr::fl(Kind::Block(b)), iv)
    }

    /// A buffer argument for a helper's slice parameter: `x`, `w`, `&p`, `&b`.
    fn slice_argument(&mut self) -> Option<Expr> {
        let bufs = self.visible_where(|v| matches!(v.ty, VTy::Buf { .. }));
        let bufs: Vec<usize> = bufs
            .into_iter()
            .filter(|&i| self.readable(&self.vars[i].clone()))
            .collect();
        if bufs.is_empty() {
            return None;
        }
        let i = self.prefer_unread(&bufs);
        Some(self.buffer_argument(i))
    }

    /// Buffer variable `i` passed as a slice: `x`, `w`, `&p`, `&b`.
    pub(super) fn buffer_argument(&mut self, i: usize) -> Expr {
        self.vars[i].reads += 1;
        let name = self.vars[i].name.clone();
        let VTy::Buf { kind, .. } = self.vars[i].ty else {
            unreachable!()
        };
        match kind {
            BufKind::Slice | BufKind::VecRef => Expr::path(&name),
            BufKind::Array | BufKind::Vec | BufKind::LocalArray => {
                Expr::new(Kind::Ref(Box::new(Expr::path(&name))))
            }
        }
    }

    /// A call of a scalar rule of `gradmacro::vector`.
    fn vector_rule(&mut self) -> (Expr, Iv) {
        let bufs: Vec<usize> = self
            .visible_where(|v| matches!(v.ty, VTy::Buf { .. }))
            .into_iter()
            .filter(|&i| self.readable(&self.vars[i].clone()))
            .collect();
        let i = self.prefer_unread(&bufs);
        let VTy::Buf { len, .. } = self.vars[i].ty else {
            unreachable!()
        };
        let n = len.unwrap_or(5) as f64;
        let e = self.vars[i].iv;
        let (name, args, iv) = match self.rng.u32(0..4) {
            0 => {
                // `dot` needs equal lengths: a buffer of the same known length.
                let same: Vec<usize> = bufs
                    .iter()
                    .cloned()
                    .filter(|&j| matches!(self.vars[j].ty, VTy::Buf { len: l, .. } if l.is_some() && l == len))
                    .collect();
                let j = if same.is_empty() {
                    i
                } else {
                    *self.pick(&same)
                };
                let o = self.vars[j].iv;
                let a = self.buffer_argument(i);
                let b = self.buffer_argument(j);
                ("dot", vec![a, b], e.mul(o).scale(n))
            }
            1 => ("sum", vec![self.buffer_argument(i)], e.scale(n)),
            2 => (
                "squared_norm",
                vec![self.buffer_argument(i)],
                e.square().scale(n),
            ),
            _ => (
                "logsumexp",
                vec![self.buffer_argument(i)],
                Iv::new(e.lo, e.hi + n.ln()),
            ),
        };
        self.tag(match name {
            "dot" => "vector rule dot",
            "sum" => "vector rule sum",
            "squared_norm" => "vector rule squared_norm",
            _ => "vector rule logsumexp",
        });
        if !self.vector_rules.contains(&name) {
            self.vector_rules.push(name);
        }
        let call = Expr::fl(Kind::Call {
            path: name.into(),
            args,
        });
        if iv.mag() > 50.0 {
            let m = 5.0;
            (self.squash_to(call, m), Iv::sym(m))
        } else {
            (call, iv)
        }
    }

    /// A call of an earlier `#[differentiate]`d helper.
    fn helper_call(&mut self, depth: u32) -> (Expr, Iv) {
        let h = self.pick(&self.helpers.clone()).clone();
        let mut args = Vec::new();
        for p in &h.params {
            let a = match p {
                HParam::F => self.float_bounded(depth, 2.0).0,
                HParam::Slice => match self.slice_argument() {
                    Some(e) => e,
                    None => {
                        self.tag("array literal argument");
                        let (a, _) = self.float_bounded(depth, 2.0);
                        let (b, _) = self.float_bounded(depth, 2.0);
                        let a = self.typed(a);
                        Expr::new(Kind::Ref(Box::new(Expr::new(Kind::Array(vec![a, b])))))
                    }
                },
                HParam::Count(max) => {
                    let ns = self.visible_where(
                        |v| matches!(v.ty, VTy::Usize { lo, hi } if lo >= 1 && hi <= *max),
                    );
                    if !ns.is_empty() && self.rng.bool() {
                        Expr::path(&self.vars[ns[0]].name.clone())
                    } else {
                        Expr::int(self.rng.u64(1..=*max).to_string())
                    }
                }
                HParam::Depth => Expr::int(self.rng.u64(0..=3).to_string()),
            };
            args.push(a);
        }
        self.tag("helper call");
        (
            Expr::fl(Kind::Call {
                path: h.name.clone(),
                args,
            }),
            h.iv,
        )
    }

    /// `.sum::<f64>()` or `.product::<f64>()` of an iterator.
    fn reduce(&self, iter: Expr, how: &str) -> Expr {
        Expr::fl(Kind::Method {
            recv: Box::new(iter),
            name: how.into(),
            turbofish: Some(self.fl.name().into()),
            args: vec![],
        })
    }

    /// `recv.iter()`
    fn iter_of(name: &str) -> Expr {
        Expr::method(Expr::path(name), "iter", vec![])
    }

    /// `iter.map(|params| body)`
    fn map(iter: Expr, params: &str, body: Expr) -> Expr {
        Expr::method(
            iter,
            "map",
            vec![Expr::new(Kind::Closure {
                params: params.into(),
                body: Box::new(body),
            })],
        )
    }

    /// A closure body with `bindings` in scope.
    fn closure_body(&mut self, depth: u32, bindings: &[(String, VTy, Iv)], m: f64) -> (Expr, Iv) {
        let was = self.closure;
        self.closure = true;
        let r = self.scoped(|g| {
            for (n, t, iv) in bindings {
                g.declare(n, t.clone(), false, *iv);
            }
            if g.rare && g.chance(0.15) {
                // `{ if c { return a; } b }`: the closure's own return.
                g.tag("return in closure");
                let c = g.cond(0);
                let (a, ai) = g.float_bounded(1, m);
                let (b, bi) = g.float_bounded(1, m);
                let a = g.typed(a);
                let body = Block {
                    stmts: vec![Stmt::Expr(Expr::new(Kind::If {
                        cond: Box::new(c),
                        then: Block {
                            stmts: vec![Stmt::Expr(Expr::new(Kind::Return(Some(Box::new(a)))))],
                            tail: None,
                        },
                        els: None,
                    }))],
                    tail: Some(Box::new(b)),
                };
                return (Expr::fl(Kind::Block(body)), ai.hull(bi));
            }
            g.float_bounded(depth.clamp(1, 2), m)
        });
        self.closure = was;
        r
    }

    /// An iterator chain over a buffer in scope, reduced to a float.
    pub(super) fn reduction(&mut self, depth: u32) -> (Expr, Iv) {
        let bufs = self.visible_where(|v| matches!(v.ty, VTy::Buf { .. }));
        let bufs: Vec<usize> = bufs
            .into_iter()
            .filter(|&i| self.readable(&self.vars[i].clone()))
            .collect();
        if bufs.is_empty() {
            return self.leaf();
        }
        let i = self.prefer_unread(&bufs);
        self.reduction_over(i, depth)
    }

    /// An iterator chain over buffer variable `i`, reduced to a float.
    pub(super) fn reduction_over(&mut self, i: usize, depth: u32) -> (Expr, Iv) {
        self.vars[i].reads += 1;
        let name = self.vars[i].name.clone();
        let VTy::Buf { len, .. } = self.vars[i].ty else {
            unreachable!()
        };
        let n = len.unwrap_or(5) as f64;
        let elem = self.vars[i].iv;
        let v = self.fresh("v");
        let depth = depth.clamp(1, 2);
        match self.weighted(&[5, 10, 5, 6, 4, 4, 2, 2, if self.rare { 2 } else { 0 }]) {
            0 => {
                self.tag("iter sum");
                (self.reduce(Self::iter_of(&name), "sum"), elem.scale(n))
            }
            1 => {
                self.tag("iter map sum");
                let (body, bi) = self.closure_body(depth, &[(v.clone(), VTy::RefF, elem)], 30.0);
                (
                    self.reduce(Self::map(Self::iter_of(&name), &v, body), "sum"),
                    bi.scale(n),
                )
            }
            2 => {
                self.tag("iter map &v sum");
                let (body, bi) = self.closure_body(depth, &[(v.clone(), VTy::F, elem)], 30.0);
                (
                    self.reduce(
                        Self::map(Self::iter_of(&name), &format!("&{v}"), body),
                        "sum",
                    ),
                    bi.scale(n),
                )
            }
            3 => {
                self.tag("fold");
                let acc = self.fresh("acc");
                let init_v = self.literal_value(-1.0, 1.0);
                let init = self.lit_typed(init_v);
                let (body, bi) = self.closure_body(
                    depth,
                    &[
                        (acc.clone(), VTy::F, Iv::sym(10.0)),
                        (v.clone(), VTy::RefF, elem),
                    ],
                    3.0,
                );
                let (step, iv) = match self.rng.u32(0..3) {
                    0 => (
                        Expr::bin(BinOp::Add, Expr::fpath(&acc), body),
                        bi.scale(n).add(Iv::point(init_v)),
                    ),
                    1 => (
                        Expr::bin(
                            BinOp::Add,
                            Expr::bin(BinOp::Mul, Expr::fpath(&acc), self.lit(0.5)),
                            body,
                        ),
                        Iv::sym(2.0 * bi.mag() + init_v.abs()),
                    ),
                    _ => {
                        let s = Expr::bin(BinOp::Add, Expr::fpath(&acc), body);
                        (
                            Expr::fmethod(s, "tanh", vec![]),
                            Iv::sym(1.0).hull(Iv::point(init_v)),
                        )
                    }
                };
                let pat = if self.rng.bool() {
                    format!("{acc}, {v}")
                } else {
                    // `|acc, &v|` binds the value; the body reads `*v`-free.
                    format!("{acc}, {v}")
                };
                (
                    Expr::fl(Kind::Method {
                        recv: Box::new(Self::iter_of(&name)),
                        name: "fold".into(),
                        turbofish: None,
                        args: vec![
                            init,
                            Expr::new(Kind::Closure {
                                params: pat,
                                body: Box::new(step),
                            }),
                        ],
                    }),
                    iv,
                )
            }
            4 => {
                // zip with another buffer (or itself).
                self.tag("zip");
                let bufs = self.visible_where(|x| matches!(x.ty, VTy::Buf { .. }));
                let bufs: Vec<usize> = bufs
                    .into_iter()
                    .filter(|&j| self.readable(&self.vars[j].clone()))
                    .collect();
                let j = *self.pick(&bufs);
                self.vars[j].reads += 1;
                let other = self.vars[j].name.clone();
                let oiv = self.vars[j].iv;
                let w = self.fresh("u");
                let zipped = Expr::method(Self::iter_of(&name), "zip", vec![Self::iter_of(&other)]);
                let (body, bi) = self.closure_body(
                    depth,
                    &[(v.clone(), VTy::RefF, elem), (w.clone(), VTy::RefF, oiv)],
                    30.0,
                );
                (
                    self.reduce(Self::map(zipped, &format!("({v}, {w})"), body), "sum"),
                    bi.scale(n),
                )
            }
            5 => {
                self.tag("enumerate");
                let idx = self.fresh("i");
                let hi = len.map_or(4, |l| l as u64 - 1);
                let en = Expr::method(Self::iter_of(&name), "enumerate", vec![]);
                let (body, bi) = self.closure_body(
                    depth,
                    &[
                        (
                            idx.clone(),
                            VTy::Usize { lo: 0, hi },
                            Iv::new(0.0, hi as f64),
                        ),
                        (v.clone(), VTy::RefF, elem),
                    ],
                    30.0,
                );
                (
                    self.reduce(Self::map(en, &format!("({idx}, {v})"), body), "sum"),
                    bi.scale(n),
                )
            }
            6 => {
                self.tag("rev");
                let rev = Expr::method(Self::iter_of(&name), "rev", vec![]);
                let (body, bi) = self.closure_body(depth, &[(v.clone(), VTy::RefF, elem)], 30.0);
                (self.reduce(Self::map(rev, &v, body), "sum"), bi.scale(n))
            }
            7 => {
                self.tag("product");
                let (body, _) = self.closure_body(depth, &[(v.clone(), VTy::RefF, elem)], 1.0);
                let shifted = Expr::bin(BinOp::Add, body, self.lit(1.25));
                (
                    self.reduce(Self::map(Self::iter_of(&name), &v, shifted), "product"),
                    Iv::new(0.0, 2.25f64.powf(n)),
                )
            }
            _ => {
                self.tag("range map sum");
                let idx = self.fresh("i");
                let hi = self.rng.u64(1..=4);
                let range = Expr::new(Kind::Range {
                    lo: Box::new(Expr::int("0")),
                    hi: Box::new(Expr::int(hi.to_string())),
                    inclusive: false,
                });
                let (body, bi) = self.closure_body(
                    depth,
                    &[(
                        idx.clone(),
                        VTy::Usize { lo: 0, hi: hi - 1 },
                        Iv::new(0.0, hi as f64),
                    )],
                    30.0,
                );
                (
                    self.reduce(Self::map(range, &idx, body), "sum"),
                    bi.scale(hi as f64),
                )
            }
        }
    }
}
