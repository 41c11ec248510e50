//! Programs and the function under test: `f`'s parameters, body, returned
//! tail and `wrt` list, the scope every function starts with, and the random
//! input points. The helpers `f` calls are in [`super::helper`].

use super::interval::Iv;
use super::{BufKind, Gen, MatKind, Style, VTy, INPUT_RANGE, POINTS};
use crate::ast::*;

impl Gen {
    pub(in crate::gen) fn program(&mut self, seed: u64) -> Program {
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
    pub(super) fn begin_function(&mut self, params: &[Param], budget: i32) {
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
                ParamTy::Matrix(_, rows, cols) | ParamTy::Rows(_, rows, cols) => (
                    VTy::Mat {
                        rows,
                        cols,
                        kind: MatKind::Arrays,
                    },
                    range,
                ),
                ParamTy::VecRows(_, rows, cols) | ParamTy::VecVecRef(_, rows, cols) => (
                    VTy::Mat {
                        rows,
                        cols,
                        kind: MatKind::Vecs,
                    },
                    range,
                ),
                // Written only by the helper's final update (see `helper`).
                ParamTy::MutScalar(_) => (VTy::MutRef, Iv::sym(10.0)),
                ParamTy::MutSlice(_) => (
                    VTy::Buf {
                        len: None,
                        kind: BufKind::MutSlice,
                    },
                    Iv::sym(10.0),
                ),
                ParamTy::Usize(n) => (VTy::Usize { lo: n, hi: n }, Iv::point(n as f64)),
                ParamTy::I32(_) => (VTy::Int, Iv::sym(3.0)),
                ParamTy::Bool(_) => (VTy::Bool, Iv::point(0.0)),
                ParamTy::Labels(ref l) => {
                    let hi = l.iter().copied().max().unwrap_or(0);
                    (VTy::Labels { len: l.len(), hi }, Iv::point(0.0))
                }
                ParamTy::Mode(_) => (VTy::Mode, Iv::point(0.0)),
            };
            // A `&mut [f]` out-parameter is written through, never rebound.
            let mutable = p.mutable || matches!(p.ty, ParamTy::MutSlice(_));
            self.declare(&p.name, ty, mutable, iv);
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
                6,
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
                4 => {
                    self.tag("&[[f64; M]] parameter");
                    (
                        format!("m{i}"),
                        ParamTy::Rows(fl, self.rng.usize(1..=3), self.rng.usize(1..=3)),
                        false,
                    )
                }
                _ => {
                    let (r, c) = (self.rng.usize(1..=3), self.rng.usize(1..=3));
                    let ty = if self.rng.bool() {
                        self.tag("&[Vec<f64>] parameter");
                        ParamTy::VecRows(fl, r, c)
                    } else {
                        self.tag("&Vec<Vec<f64>> parameter");
                        ParamTy::VecVecRef(fl, r, c)
                    };
                    (format!("m{i}"), ty, false)
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
            unit: false,
            body,
        }
    }

    /// Statements then a tail that combines what was computed.
    pub(super) fn function_body(&mut self, is_main: bool) -> Block {
        let mut stmts = Vec::new();
        if is_main && self.rare && self.chance(0.3) {
            stmts.push(self.const_item());
        }
        // An out-parameter helper is only called by a statement: make sure
        // most programs that have one call it.
        if is_main && self.helpers.iter().any(|h| h.out.is_some()) && self.chance(0.6) {
            stmts.extend(self.out_call());
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
        let unread =
            self.visible_where(|v| v.reads == 0 && matches!(v.ty, VTy::F | VTy::RefF | VTy::Boxed));
        for &i in unread.iter().rev().take(5) {
            self.vars[i].reads += 1;
            let path = Expr::fpath(&self.vars[i].name.clone());
            let e = if self.vars[i].ty == VTy::F {
                path
            } else {
                // `*r` of a reference or a box bound by `let`.
                Expr::fl(Kind::Unary(
                    UnOp::Deref,
                    Box::new(Expr::path(&self.vars[i].name.clone())),
                ))
            };
            parts.push((e, self.vars[i].iv));
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
