//! The random program generator.
//!
//! A program is a pure function of its seed: [`program`] seeds a
//! [`fastrand::Rng`] with it and makes every choice from that generator, so
//! `--only SEED` rebuilds exactly the function a run reported.
//!
//! The generator tracks a typed scope (floats, references to floats,
//! integers with their value ranges, buffers with their lengths) so that what
//! it writes compiles: indices are provably in bounds, loops terminate (every
//! `while` and `loop` counts its iterations), `ln`/`sqrt` only see positive
//! forms such as `x * x + 1.0`, and magnitudes stay bounded (see
//! [`interval`]). It covers the constructs of the README's "Supported so far"
//! table, a few rarely-used ones (labels, guards, ranges in patterns, tuple
//! patterns, block values) and, in a small fraction of programs, one construct
//! at the edge of the README's table (`if let`, `while let`, slices, named
//! closures, `skip`, `assert!`: "not yet" when this was written), which
//! gradmacro must either reject cleanly or differentiate correctly.

mod expr;
pub mod interval;
mod stmt;

use crate::ast::*;
use fastrand::Rng;
use interval::Iv;

/// The range parameters are sampled from.
pub const INPUT_RANGE: f64 = 1.5;

/// Values bound to variables are kept below this magnitude.
const LIMIT: f64 = 1e3;

/// The number of input points per program.
pub const POINTS: usize = 4;

/// What a variable in scope holds.
#[derive(Clone, Debug, PartialEq)]
enum VTy {
    /// A float of the function's type.
    F,
    /// An `f32` parameter of an `f64` function, read through a cast.
    F32Param,
    /// A `&f64` parameter, read as `*r`.
    RefParam,
    /// A `&f64` from an iterator or closure parameter.
    RefF,
    /// A `&mut f64` from `iter_mut`.
    MutRef,
    /// A `usize` whose value lies in `lo..=hi`.
    Usize { lo: u64, hi: u64 },
    /// An `i32` constant parameter.
    Int,
    /// A `bool` constant parameter.
    Bool,
    /// A `&[usize]` constant parameter of `len` values, at most `hi`.
    Labels { len: usize, hi: u64 },
    /// A `Mode` (enum) constant parameter.
    Mode,
    /// A buffer; `len` is its exact length when known at generation time
    /// (always, except for a helper's slice parameters).
    Buf { len: Option<usize>, kind: BufKind },
    /// `[[f; cols]; rows]`
    Mat { rows: usize, cols: usize },
    /// A pair `(f, f)` read as `t.0`, `t.1`.
    Pair,
}

/// How a buffer was made, which decides how it is passed and iterated.
#[derive(Clone, Copy, Debug, PartialEq)]
enum BufKind {
    Slice,
    VecRef,
    Array,
    Vec,
    LocalArray,
}

/// A variable in scope.
#[derive(Clone, Debug)]
struct Var {
    name: String,
    ty: VTy,
    /// Whether the program may assign it (or write its elements).
    mutable: bool,
    /// The bound of its value (of its elements, for buffers).
    iv: Iv,
    /// How often it was read: the generator prefers unread variables, so
    /// that what is computed reaches the output.
    reads: u32,
}

/// An enclosing loop.
#[derive(Clone, Debug)]
struct LoopCtx {
    label: Option<String>,
    /// A `loop` whose value is used: its `break`s carry a value.
    value: bool,
}

/// A helper's parameter, as callers must supply it.
#[derive(Clone, Debug, PartialEq)]
enum HParam {
    F,
    Slice,
    /// A `usize` the helper relies on lying in `1..=max`.
    Count(u64),
    /// The recursion depth of a recursive helper, `0..=3`.
    Depth,
}

/// A helper callable from later functions.
#[derive(Clone, Debug)]
struct HelperSig {
    name: String,
    params: Vec<HParam>,
    /// Bound of its result.
    iv: Iv,
}

/// A program's emphasis: each style scales the weights of some statement
/// kinds, so that runs contain programs dense in buffers or loops as well as
/// balanced ones.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Style {
    Balanced,
    Buffers,
    Loops,
    Scalar,
}

/// Generator state for one program.
pub struct Gen {
    rng: Rng,
    fl: Fl,
    vars: Vec<Var>,
    loops: Vec<LoopCtx>,
    names: usize,
    /// Statements left for the function being generated.
    budget: i32,
    /// Product of the trip counts of the enclosing loops.
    trips: u64,
    /// Statement nesting depth.
    depth: u32,
    /// Inside a closure: no statements, `break`, `continue` or `return`.
    closure: bool,
    /// Buffers being iterated, which must not be written.
    frozen: Vec<String>,
    helpers: Vec<HelperSig>,
    /// Whether rarely-used constructs are enabled for this program.
    rare: bool,
    /// The program's emphasis.
    style: Style,
    /// Whether the program calls `gradmacro::vector` rules.
    vectors: bool,
    /// Whether valid Rust beyond the README's table (labelled blocks) may
    /// appear: gradmacro should reject it cleanly.
    exotic: bool,
    /// The vector rules it called.
    vector_rules: Vec<&'static str>,
    /// Maximum expression depth.
    max_depth: u32,
    tags: Vec<&'static str>,
    /// Buffers iterated mutably (`iter_mut`), which must not even be read.
    frozen_mut: Vec<String>,
    /// The bound of the last function's result.
    last_tail_iv: Iv,
}

/// Generates the program of seed `seed`.
pub fn program(seed: u64) -> Program {
    let mut g = Gen::new(seed);
    g.program(seed)
}

impl Gen {
    fn new(seed: u64) -> Gen {
        Gen {
            rng: Rng::with_seed(seed),
            fl: Fl::F64,
            vars: Vec::new(),
            loops: Vec::new(),
            // Parameters are numbered below 10: fresh names never collide.
            names: 10,
            budget: 0,
            trips: 1,
            depth: 0,
            closure: false,
            frozen: Vec::new(),
            helpers: Vec::new(),
            rare: false,
            style: Style::Balanced,
            vectors: false,
            exotic: false,
            vector_rules: Vec::new(),
            max_depth: 3,
            tags: Vec::new(),
            frozen_mut: Vec::new(),
            last_tail_iv: Iv::sym(1.0),
        }
    }

    // ---- randomness -------------------------------------------------------

    /// True with probability `p`.
    fn chance(&mut self, p: f64) -> bool {
        self.rng.f64() < p
    }

    /// An index drawn with the given weights.
    fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        assert!(total > 0, "no choice has weight");
        let mut r = self.rng.u32(0..total);
        for (i, &w) in weights.iter().enumerate() {
            if r < w {
                return i;
            }
            r -= w;
        }
        unreachable!()
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.rng.usize(0..items.len())]
    }

    /// A fresh name with the given prefix.
    fn fresh(&mut self, prefix: &str) -> String {
        self.names += 1;
        format!("{prefix}{}", self.names)
    }

    fn tag(&mut self, t: &'static str) {
        if !self.tags.contains(&t) {
            self.tags.push(t);
        }
    }

    // ---- scope ------------------------------------------------------------

    fn declare(&mut self, name: &str, ty: VTy, mutable: bool, iv: Iv) {
        self.vars.push(Var {
            name: name.to_string(),
            ty,
            mutable,
            iv,
            reads: 0,
        });
    }

    /// The innermost variable of each name (shadowed ones are invisible).
    fn visible(&self) -> Vec<usize> {
        let mut out: Vec<usize> = Vec::new();
        for i in (0..self.vars.len()).rev() {
            if !out.iter().any(|&j| self.vars[j].name == self.vars[i].name) {
                out.push(i);
            }
        }
        out.reverse();
        out
    }

    /// Visible variables satisfying `pred`.
    fn visible_where(&self, pred: impl Fn(&Var) -> bool) -> Vec<usize> {
        self.visible()
            .into_iter()
            .filter(|&i| pred(&self.vars[i]))
            .collect()
    }

    /// One of `cands`, preferring variables read less often.
    fn prefer_unread(&mut self, cands: &[usize]) -> usize {
        let weights: Vec<u32> = cands
            .iter()
            .map(|&i| 8 / (1 + self.vars[i].reads.min(7)))
            .collect();
        cands[self.weighted(&weights)]
    }

    /// Runs `f` in a nested scope: variables it declares disappear after it,
    /// while updates to the bounds of outer variables are kept.
    fn scoped<T>(&mut self, f: impl FnOnce(&mut Gen) -> T) -> T {
        let mark = self.vars.len();
        let frozen = self.frozen.len();
        let frozen_mut = self.frozen_mut.len();
        let r = f(self);
        self.vars.truncate(mark);
        self.frozen.truncate(frozen);
        self.frozen_mut.truncate(frozen_mut);
        r
    }

    /// Whether buffer `name` may be written here.
    fn writable_buffer(&self, v: &Var) -> bool {
        v.mutable
            && matches!(v.ty, VTy::Buf { .. })
            && !self.frozen.iter().any(|f| f == &v.name)
            && !self.frozen_mut.iter().any(|f| f == &v.name)
    }

    /// Whether variable `v` may be read here (not a buffer being mutated
    /// through `iter_mut`).
    fn readable(&self, v: &Var) -> bool {
        !self.frozen_mut.iter().any(|f| f == &v.name)
    }

    /// Widens the bounds of every mutable variable before a loop body: later
    /// iterations see what earlier ones wrote.
    fn widen_for_loop(&mut self) {
        for v in &mut self.vars {
            if v.mutable && matches!(v.ty, VTy::F | VTy::Buf { .. }) {
                let m = v.iv.mag().max(1.0);
                v.iv = v.iv.hull(Iv::sym((2.0 * m + 4.0).min(LIMIT)));
            }
        }
    }

    // ---- programs ---------------------------------------------------------

    fn program(&mut self, seed: u64) -> Program {
        self.fl = if self.chance(0.12) { Fl::F32 } else { Fl::F64 };
        if self.fl == Fl::F32 {
            self.tag("f32 program");
        }
        self.rare = self.chance(0.3);
        self.style = *self.pick(&[
            Style::Balanced,
            Style::Balanced,
            Style::Buffers,
            Style::Loops,
            Style::Scalar,
        ]);
        self.tag(match self.style {
            Style::Balanced => "style: balanced",
            Style::Buffers => "style: buffers",
            Style::Loops => "style: loops",
            Style::Scalar => "style: scalar",
        });
        self.vectors = self.chance(0.15);
        self.exotic = self.chance(0.2);
        let helper_count = [0, 0, 0, 1, 1, 1, 2, 2][self.rng.usize(0..8)];
        let mut helpers = Vec::new();
        for i in 0..helper_count {
            helpers.push(self.helper(i));
        }
        let mut main = self.main_function();
        if self.chance(0.035) {
            self.insert_edge_construct(&mut main);
        }
        let points = (0..POINTS).map(|_| self.point(&main)).collect();
        Program {
            seed,
            helpers,
            main,
            points,
            tags: std::mem::take(&mut self.tags),
            vector_rules: std::mem::take(&mut self.vector_rules),
        }
    }

    /// A random input point: every float coordinate in `[-1.5, 1.5]`,
    /// rounded to the parameter's precision.
    fn point(&mut self, f: &Function) -> Vec<f64> {
        let mask = crate::render::f32_mask(f);
        mask.iter()
            .map(|&is32| {
                let x = (self.rng.f64() * 2.0 - 1.0) * INPUT_RANGE;
                let x = (x * 1e6).round() / 1e6;
                if is32 {
                    x as f32 as f64
                } else {
                    x
                }
            })
            .collect()
    }

    /// Starts a function: clears the scope and declares its parameters.
    fn begin_function(&mut self, params: &[Param], budget: i32) {
        self.vars.clear();
        self.loops.clear();
        self.frozen.clear();
        self.frozen_mut.clear();
        self.trips = 1;
        self.depth = 0;
        self.budget = budget;
        for p in params {
            let range = Iv::sym(INPUT_RANGE);
            let (ty, iv) = match p.ty {
                ParamTy::Scalar(f) if f == self.fl => (VTy::F, range),
                ParamTy::Scalar(_) => (VTy::F32Param, range),
                ParamTy::RefScalar(_) => (VTy::RefParam, range),
                ParamTy::Slice(_, n) => (
                    VTy::Buf {
                        len: if n == 0 { None } else { Some(n) },
                        kind: BufKind::Slice,
                    },
                    range,
                ),
                ParamTy::VecRef(_, n) => (
                    VTy::Buf {
                        len: Some(n),
                        kind: BufKind::VecRef,
                    },
                    range,
                ),
                ParamTy::Array(_, n) => (
                    VTy::Buf {
                        len: Some(n),
                        kind: BufKind::Array,
                    },
                    range,
                ),
                ParamTy::Matrix(_, rows, cols) | ParamTy::Rows(_, rows, cols) => {
                    (VTy::Mat { rows, cols }, range)
                }
                ParamTy::Usize(n) => (VTy::Usize { lo: n, hi: n }, Iv::point(n as f64)),
                ParamTy::I32(_) => (VTy::Int, Iv::sym(3.0)),
                ParamTy::Bool(_) => (VTy::Bool, Iv::point(0.0)),
                ParamTy::Labels(ref l) => {
                    let hi = l.iter().copied().max().unwrap_or(0);
                    (VTy::Labels { len: l.len(), hi }, Iv::point(0.0))
                }
                ParamTy::Mode(_) => (VTy::Mode, Iv::point(0.0)),
            };
            self.declare(&p.name, ty, p.mutable, iv);
        }
    }

    /// The function under test, `f`.
    fn main_function(&mut self) -> Function {
        let mut params = Vec::new();
        let scalars = self.rng.usize(1..=3);
        for i in 0..scalars {
            let r = self.rng.f64();
            let (name, ty) = if self.fl == Fl::F64 && r < 0.08 {
                self.tag("f32 parameter");
                (format!("y{i}"), ParamTy::Scalar(Fl::F32))
            } else if r < 0.13 {
                self.tag("&f64 parameter");
                (format!("r{i}"), ParamTy::RefScalar(self.fl))
            } else {
                (format!("x{i}"), ParamTy::Scalar(self.fl))
            };
            let mutable = matches!(ty, ParamTy::Scalar(f) if f == self.fl) && self.chance(0.1);
            if mutable {
                self.tag("mut parameter");
            }
            params.push(Param { name, ty, mutable });
        }
        let buffers = [0, 0, 1, 1, 1, 2, 2][self.rng.usize(0..7)];
        for i in 0..buffers {
            let fl = self.fl;
            let rare = self.rare;
            let (name, ty, mutable) = match self.weighted(&[
                50,
                15,
                30,
                if rare { 6 } else { 0 },
                if rare { 6 } else { 0 },
            ]) {
                0 => (
                    format!("v{i}"),
                    ParamTy::Slice(fl, self.rng.usize(1..=5)),
                    false,
                ),
                1 => {
                    self.tag("&Vec parameter");
                    (
                        format!("w{i}"),
                        ParamTy::VecRef(fl, self.rng.usize(1..=5)),
                        false,
                    )
                }
                2 => {
                    self.tag("array parameter");
                    let m = self.chance(0.12);
                    (
                        format!("p{i}"),
                        ParamTy::Array(fl, self.rng.usize(2..=4)),
                        m,
                    )
                }
                3 => {
                    self.tag("matrix parameter");
                    (
                        format!("m{i}"),
                        ParamTy::Matrix(fl, self.rng.usize(1..=3), self.rng.usize(1..=3)),
                        false,
                    )
                }
                _ => {
                    self.tag("&[[f64; M]] parameter");
                    (
                        format!("m{i}"),
                        ParamTy::Rows(fl, self.rng.usize(1..=3), self.rng.usize(1..=3)),
                        false,
                    )
                }
            };
            params.push(Param { name, ty, mutable });
        }
        if self.chance(0.5) {
            params.push(Param {
                name: "n".into(),
                ty: ParamTy::Usize(self.rng.u64(1..=4)),
                mutable: false,
            });
        }
        if self.chance(0.1) {
            params.push(Param {
                name: "k".into(),
                ty: ParamTy::I32(self.rng.i64(-2..=3)),
                mutable: false,
            });
        }
        if self.rare && self.chance(0.25) {
            self.tag("constant collection parameter");
            let n = self.rng.usize(1..=4);
            let labels = (0..n).map(|_| self.rng.u64(0..=3)).collect();
            params.push(Param {
                name: "labels".into(),
                ty: ParamTy::Labels(labels),
                mutable: false,
            });
        }
        if self.chance(0.06) {
            self.tag("enum parameter");
            params.push(Param {
                name: "mode".into(),
                ty: ParamTy::Mode(self.rng.u8(0..3)),
                mutable: false,
            });
        }
        if self.chance(0.08) {
            params.push(Param {
                name: "flag".into(),
                ty: ParamTy::Bool(self.chance(0.5)),
                mutable: false,
            });
        }
        if self.chance(0.3) {
            self.rng.shuffle(&mut params);
        }
        let budget = self.rng.i32(5..=18);
        self.begin_function(&params, budget);
        self.max_depth = 3;
        let body = self.function_body(true);
        let floats: Vec<String> = params
            .iter()
            .filter(|p| p.ty.float().is_some())
            .map(|p| p.name.clone())
            .collect();
        let (wrt, wrt_bare) = match self.weighted(&[60, 30, 10]) {
            0 => (None, false),
            1 => {
                let mut names = floats.clone();
                self.rng.shuffle(&mut names);
                let keep = self.rng.usize(1..=names.len());
                names.truncate(keep);
                self.tag("wrt list");
                (Some(names), false)
            }
            _ => {
                let name = self.pick(&floats).clone();
                self.tag("wrt bare");
                (Some(vec![name]), true)
            }
        };
        Function {
            name: "f".into(),
            params,
            ret: self.fl,
            wrt,
            wrt_bare,
            body,
        }
    }

    /// Helper `h{index}`, callable from later helpers and from `f`.
    fn helper(&mut self, index: usize) -> Function {
        let name = format!("h{index}");
        let fl = self.fl;
        if self.chance(0.12) {
            return self.recursive_helper(name);
        }
        let mut params = vec![Param {
            name: "a".into(),
            ty: ParamTy::Scalar(fl),
            mutable: false,
        }];
        let mut sig = vec![HParam::F];
        if self.chance(0.5) {
            params.push(Param {
                name: "b".into(),
                ty: ParamTy::Scalar(fl),
                mutable: false,
            });
            sig.push(HParam::F);
        }
        if self.chance(0.4) {
            self.tag("helper with slice");
            // Length 0 marks "unknown": callers pass buffers of any length.
            params.push(Param {
                name: "s".into(),
                ty: ParamTy::Slice(fl, 0),
                mutable: false,
            });
            sig.push(HParam::Slice);
        }
        if self.chance(0.25) {
            params.push(Param {
                name: "m".into(),
                ty: ParamTy::Usize(0),
                mutable: false,
            });
            sig.push(HParam::Count(4));
        }
        if self.chance(0.3) {
            self.rng.shuffle(&mut params);
            // Keep `sig` in parameter order.
            sig = params
                .iter()
                .map(|p| match p.ty {
                    ParamTy::Slice(..) => HParam::Slice,
                    ParamTy::Usize(_) => HParam::Count(4),
                    _ => HParam::F,
                })
                .collect();
        }
        let budget = self.rng.i32(1..=6);
        self.begin_function(&params, budget);
        for v in &mut self.vars {
            if v.name == "m" {
                v.ty = VTy::Usize { lo: 1, hi: 4 };
            }
        }
        self.max_depth = 2;
        let body = self.function_body(false);
        let iv = self.last_tail_iv;
        self.helpers.push(HelperSig {
            name: name.clone(),
            params: sig,
            iv,
        });
        Function {
            name,
            params,
            ret: fl,
            wrt: None,
            wrt_bare: false,
            body,
        }
    }

    /// `fn hN(a: f64, d: usize) -> f64 { if d == 0 { .. } else { .. hN(.., d - 1) .. } }`
    fn recursive_helper(&mut self, name: String) -> Function {
        self.tag("recursion");
        let fl = self.fl;
        let params = vec![
            Param {
                name: "a".into(),
                ty: ParamTy::Scalar(fl),
                mutable: false,
            },
            Param {
                name: "d".into(),
                ty: ParamTy::Usize(0),
                mutable: false,
            },
        ];
        self.begin_function(&params, 2);
        self.max_depth = 2;
        for v in &mut self.vars {
            if v.name == "d" {
                v.ty = VTy::Usize { lo: 0, hi: 3 };
            }
        }
        let (base, _) = self.float_expr(2);
        let base = self.squash_to(base, 3.0);
        let (arg, _) = self.float_expr(2);
        let arg = self.squash_to(arg, 2.0);
        let rec = Expr::fl(Kind::Call {
            path: name.clone(),
            args: vec![arg, Expr::bin(BinOp::Sub, Expr::path("d"), Expr::int("1"))],
        });
        let t = self.fresh("t");
        let else_block = self.scoped(|g| {
            g.declare(&t, VTy::F, false, Iv::sym(3.0));
            let (e, _) = g.float_expr(2);
            let e = g.squash_to(e, 3.0);
            Block {
                stmts: vec![Stmt::Let {
                    pat: Pat::ident(&t),
                    ty: None,
                    init: Some(rec),
                }],
                tail: Some(Box::new(e)),
            }
        });
        let body = Block {
            stmts: vec![],
            tail: Some(Box::new(Expr::fl(Kind::If {
                cond: Box::new(Expr::bin(BinOp::Eq, Expr::path("d"), Expr::int("0"))),
                then: Block {
                    stmts: vec![],
                    tail: Some(Box::new(base)),
                },
                els: Some(Box::new(Expr::fl(Kind::Block(else_block)))),
            }))),
        };
        self.helpers.push(HelperSig {
            name: name.clone(),
            params: vec![HParam::F, HParam::Depth],
            iv: Iv::sym(3.0),
        });
        Function {
            name,
            params,
            ret: fl,
            wrt: None,
            wrt_bare: false,
            body,
        }
    }

    /// Statements then a tail that combines what was computed.
    fn function_body(&mut self, is_main: bool) -> Block {
        let mut stmts = Vec::new();
        if is_main && self.rare && self.chance(0.3) {
            stmts.push(self.const_item());
        }
        while self.budget > 0 {
            let s = self.statements_one();
            stmts.extend(s);
        }
        let tail = self.tail_expr();
        Block {
            stmts,
            tail: Some(Box::new(tail)),
        }
    }

    /// The returned expression: unread variables and buffers, summed, plus
    /// one more expression, so that most of what was computed matters.
    fn tail_expr(&mut self) -> Expr {
        let mut parts: Vec<(Expr, Iv)> = Vec::new();
        let unread = self.visible_where(|v| v.reads == 0 && matches!(v.ty, VTy::F));
        for &i in unread.iter().rev().take(5) {
            self.vars[i].reads += 1;
            parts.push((Expr::fpath(&self.vars[i].name.clone()), self.vars[i].iv));
        }
        let unread_bufs = self.visible_where(|v| {
            v.reads == 0
                && matches!(
                    v.ty,
                    VTy::Buf {
                        kind: BufKind::Vec | BufKind::LocalArray,
                        ..
                    }
                )
        });
        if let Some(&i) = unread_bufs.last() {
            parts.push(self.reduction_over(i, 2));
        }
        parts.push(self.float_expr(2));
        let mut acc: Option<(Expr, Iv)> = None;
        for (e, iv) in parts {
            let (e, iv) = if iv.mag() > 50.0 {
                let e = self.squash_to(e, 5.0);
                (e, Iv::sym(5.0))
            } else {
                (e, iv)
            };
            acc = Some(match acc {
                None => (e, iv),
                Some((a, aiv)) => {
                    if self.chance(0.7) {
                        (Expr::bin(BinOp::Add, a, e), aiv.add(iv))
                    } else {
                        let c = self.literal_value(0.25, 2.0);
                        let scaled = Expr::bin(BinOp::Mul, self.lit(c), e);
                        (Expr::bin(BinOp::Sub, a, scaled), aiv.sub(iv.scale(c)))
                    }
                }
            });
        }
        let (e, iv) = acc.unwrap();
        self.last_tail_iv = iv;
        e
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn programs_are_pure_functions_of_their_seed() {
        for seed in 0..40u64 {
            let p = super::program(seed);
            assert_eq!(p, super::program(seed));
            assert_eq!(p.points.len(), super::POINTS);
            assert!(p
                .points
                .iter()
                .all(|x| x.len() == crate::render::f32_mask(&p.main).len()));
        }
    }
}
