//! Calls: of earlier `#[differentiate]`d helpers (composed by gradmacro
//! through their pullbacks) and of the `gradmacro::vector` rules, with the
//! buffer arguments they take (whole buffers and range slices).

use super::super::interval::Iv;
use super::super::{BufKind, Gen, HParam, HelperSig, VTy};
use crate::ast::*;

impl Gen {
    /// A buffer argument for a helper's slice parameter: `x`, `w`, `&p`,
    /// `&b`, now and then a range slice `&x[1..]`; never buffer `except`
    /// (which the same call lends `&mut`).
    fn slice_argument(&mut self, except: Option<&str>) -> Option<Expr> {
        let bufs = self
            .visible_where(|v| matches!(v.ty, VTy::Buf { .. }) && Some(v.name.as_str()) != except);
        let bufs: Vec<usize> = bufs
            .into_iter()
            .filter(|&i| self.readable(&self.vars[i].clone()))
            .collect();
        if bufs.is_empty() {
            return None;
        }
        let i = self.prefer_unread(&bufs);
        if self.chance(0.15) {
            if let Some((e, _)) = self.range_slice(i) {
                self.tag("range slice argument");
                return Some(Expr::new(Kind::Ref(Box::new(e))));
            }
        }
        Some(self.buffer_argument(i))
    }

    /// A non-empty range slice of buffer variable `i` of known length, as
    /// a place (`x[1..]`, `x[..2]`, `x[1..3]`, `x[..]`, `x[j..]`), with its
    /// length when known.
    pub(in crate::gen) fn range_slice(&mut self, i: usize) -> Option<(Expr, Option<usize>)> {
        let VTy::Buf { len: Some(n), .. } = self.vars[i].ty else {
            return None;
        };
        if n < 2 {
            return None;
        }
        self.vars[i].reads += 1;
        let base = Box::new(Expr::path(&self.vars[i].name.clone()));
        let int = |k: usize| Some(Box::new(Expr::int(k.to_string())));
        let js: Vec<(String, u64, u64)> = self
            .usizes()
            .into_iter()
            .filter(|(_, _, hi)| (*hi as usize) < n)
            .collect();
        let (lo, hi, len) = match self.weighted(&[4, 3, 3, 1, if js.is_empty() { 0 } else { 2 }]) {
            0 => (int(1), None, Some(n - 1)),
            1 => {
                let k = self.rng.usize(1..n);
                (None, int(k), Some(k))
            }
            2 => {
                let a = self.rng.usize(0..n - 1);
                let b = self.rng.usize(a + 1..=n);
                (int(a), int(b), Some(b - a))
            }
            3 => (None, None, Some(n)),
            _ => {
                let (j, _, _) = self.pick(&js).clone();
                (Some(Box::new(Expr::path(&j))), None, None)
            }
        };
        Some((Expr::new(Kind::Slice { base, lo, hi }), len))
    }

    /// Buffer variable `i` passed as a slice: `x`, `w`, `&p`, `&b`.
    pub(in crate::gen) fn buffer_argument(&mut self, i: usize) -> Expr {
        self.vars[i].reads += 1;
        let name = self.vars[i].name.clone();
        let VTy::Buf { kind, .. } = self.vars[i].ty else {
            unreachable!()
        };
        match kind {
            // A `&mut [f]` passed where `&[f]` is expected is read.
            BufKind::Slice | BufKind::VecRef | BufKind::MutSlice => Expr::path(&name),
            BufKind::Array | BufKind::Vec | BufKind::LocalArray => {
                Expr::new(Kind::Ref(Box::new(Expr::path(&name))))
            }
        }
    }

    /// A call of a scalar rule of `gradmacro::vector`.
    pub(super) fn vector_rule(&mut self) -> (Expr, Iv) {
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

    /// The helpers returning a value (not the out-parameter ones).
    pub(in crate::gen) fn value_helpers(&self) -> Vec<HelperSig> {
        self.helpers
            .iter()
            .filter(|h| h.out.is_none())
            .cloned()
            .collect()
    }

    /// A call of an earlier `#[differentiate]`d helper.
    pub(super) fn helper_call(&mut self, depth: u32) -> (Expr, Iv) {
        let h = self.pick(&self.value_helpers()).clone();
        let args = self.helper_args(&h, depth, None, None);
        self.tag("helper call");
        (
            Expr::fl(Kind::Call {
                path: h.name.clone(),
                args,
            }),
            h.iv,
        )
    }

    /// The arguments of a call of helper `h`; its out-parameter (if any)
    /// gets `lent`. No argument reads buffer `except`, and none mentions it
    /// at all when the out-parameter comes first (the arguments after it are
    /// evaluated while it is lent).
    pub(in crate::gen) fn helper_args(
        &mut self,
        h: &HelperSig,
        depth: u32,
        mut lent: Option<Expr>,
        except: Option<&str>,
    ) -> Vec<Expr> {
        let out_first = matches!(h.params.first(), Some(HParam::OutSlice | HParam::OutF));
        let mut args = Vec::new();
        for p in &h.params {
            if let HParam::OutSlice | HParam::OutF = p {
                args.push(
                    lent.take()
                        .expect("a call of an out-parameter helper lends a place"),
                );
                continue;
            }
            let mut a = self.helper_arg(p, depth, except);
            // Arguments after a `&mut` borrow must not read what it lends.
            if let (true, Some(name)) = (out_first, except) {
                for _ in 0..4 {
                    if !a.mentions(name) {
                        break;
                    }
                    a = self.helper_arg(p, depth, except);
                }
                if a.mentions(name) {
                    let one = self.lit_typed(0.5);
                    a = match p {
                        HParam::Slice => {
                            Expr::new(Kind::Ref(Box::new(Expr::new(Kind::Array(vec![one])))))
                        }
                        _ => one,
                    };
                }
            }
            args.push(a);
        }
        args
    }

    /// An argument for a helper's parameter `p` (not an out-parameter).
    fn helper_arg(&mut self, p: &HParam, depth: u32, except: Option<&str>) -> Expr {
        match p {
            HParam::F => self.float_bounded(depth, 2.0).0,
            HParam::Slice => match self.slice_argument(except) {
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
            HParam::OutSlice | HParam::OutF => unreachable!("lent by the caller"),
        }
    }
}
