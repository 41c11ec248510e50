//! Leaves (variables, parameters, buffer and matrix elements, casts,
//! literals, constants) and in-bounds indices: every index the generator
//! writes is provably below its buffer's length.

use super::super::interval::Iv;
use super::super::{BufKind, Gen, VTy};
use crate::ast::*;

impl Gen {
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
                VTy::RefF | VTy::MutRef | VTy::RefParam | VTy::Boxed => refs.push(i),
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
                let VTy::Mat { rows, cols, .. } = self.vars[i].ty else {
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

    /// Visible `usize` variables with their ranges.
    pub(in crate::gen) fn usizes(&self) -> Vec<(String, u64, u64)> {
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
    pub(in crate::gen) fn index_for(&mut self, buf: usize, write: bool) -> Expr {
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
}
