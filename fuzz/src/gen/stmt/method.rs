//! Methods that rearrange or resize buffers (`fill`, `swap`, `reverse`,
//! `sort_by`, `copy_from_slice`, `extend_from_slice`, `resize`, `truncate`,
//! `clear`) and `std::mem::swap` of two variables. Their arguments never
//! read the buffer they change (Rust's borrow rules), lengths stay exact and
//! non-zero, and methods that change a length only run outside loops (so
//! that code written for the old length never runs again).

use super::super::interval::Iv;
use super::super::{BufKind, Gen, VTy};
use crate::ast::*;

impl Gen {
    /// An index of buffer `b` that does not read `b`: a literal or a loop
    /// variable known to be in bounds.
    fn plain_index(&mut self, b: usize) -> Expr {
        let VTy::Buf { len, .. } = self.vars[b].ty else {
            unreachable!()
        };
        let n = len.unwrap_or(1);
        let direct: Vec<String> = self
            .usizes()
            .into_iter()
            .filter(|(_, _, hi)| (*hi as usize) < n)
            .map(|(name, _, _)| name)
            .collect();
        if !direct.is_empty() && self.rng.bool() {
            Expr::path(&self.pick(&direct).clone())
        } else {
            Expr::int(self.rng.usize(0..n).to_string())
        }
    }

    /// A float expression bounded by `m` that does not mention `name`.
    fn float_without(&mut self, name: &str, m: f64) -> (Expr, Iv) {
        for _ in 0..4 {
            let (e, iv) = self.float_bounded(2, m);
            if !e.mentions(name) {
                return (e, iv);
            }
        }
        let v = self.literal_value(-m.min(2.0), m.min(2.0));
        (self.lit_typed(v), Iv::point(v))
    }

    /// A readable buffer other than `b`, of length `len` if given.
    fn other_buffer(&self, b: usize, len: Option<usize>) -> Vec<usize> {
        let name = self.vars[b].name.clone();
        self.visible_where(|v| {
            v.name != name
                && match v.ty {
                    VTy::Buf { len: l, .. } => len.is_none() || l == len,
                    _ => false,
                }
        })
        .into_iter()
        .filter(|&i| self.readable(&self.vars[i].clone()))
        .collect()
    }

    /// A method call on writable buffer `b`.
    pub(super) fn buffer_method(&mut self, b: usize) -> Vec<Stmt> {
        let name = self.vars[b].name.clone();
        let VTy::Buf { len, kind } = self.vars[b].ty else {
            unreachable!()
        };
        // Lengths change only at the top level of the body.
        let resizable = kind == BufKind::Vec && self.depth == 0 && self.loops.is_empty();
        let same_len = len.map_or(vec![], |n| self.other_buffer(b, Some(n)));
        let others = self.other_buffer(b, None);
        let others_known: Vec<usize> = others
            .iter()
            .cloned()
            .filter(|&i| matches!(self.vars[i].ty, VTy::Buf { len: Some(_), .. }))
            .collect();
        let call = |m: &str, args: Vec<Expr>| Stmt::Expr(Expr::method(Expr::path(&name), m, args));
        let old = self.vars[b].iv;
        match self.weighted(&[
            4,
            3,
            3,
            2,
            if same_len.is_empty() { 0 } else { 2 },
            if resizable && !others_known.is_empty() {
                2
            } else {
                0
            },
            if resizable { 1 } else { 0 },
            if resizable && len.is_some_and(|n| n >= 2) {
                1
            } else {
                0
            },
            if resizable { 1 } else { 0 },
            3,
        ]) {
            0 => {
                self.tag("fill");
                let (e, iv) = self.float_without(&name, 100.0);
                // Hulls: the call may sit in a branch that does not run.
                self.vars[b].iv = old.hull(iv);
                vec![call("fill", vec![e])]
            }
            1 => {
                self.tag("swap elements");
                let (i, j) = (self.plain_index(b), self.plain_index(b));
                vec![call("swap", vec![i, j])]
            }
            2 => {
                self.tag("reverse");
                vec![call("reverse", vec![])]
            }
            3 => {
                let (m, closure) = if self.rng.bool() {
                    self.tag("sort_by partial_cmp");
                    ("sort_by", "p.partial_cmp(q).unwrap()")
                } else {
                    self.tag("sort_unstable_by total_cmp");
                    ("sort_unstable_by", "q.total_cmp(p)")
                };
                let cmp = Expr::new(Kind::Closure {
                    params: "p, q".into(),
                    body: Box::new(Expr::path(closure)),
                    is_move: false,
                });
                vec![call(m, vec![cmp])]
            }
            4 => {
                self.tag("copy_from_slice");
                let src = *self.pick(&same_len);
                self.vars[src].reads += 1;
                self.vars[b].iv = old.hull(self.vars[src].iv);
                let arg = self.buffer_argument(src);
                vec![call("copy_from_slice", vec![arg])]
            }
            5 => {
                self.tag("extend_from_slice");
                let src = *self.pick(&others_known);
                let VTy::Buf { len: Some(m), .. } = self.vars[src].ty else {
                    unreachable!()
                };
                let (arg, added) = match self.range_slice(src) {
                    Some((slice, Some(k))) if self.rng.bool() => {
                        (Expr::new(Kind::Ref(Box::new(slice))), k)
                    }
                    _ => (self.buffer_argument(src), m),
                };
                self.vars[b].iv = old.hull(self.vars[src].iv);
                self.set_len(b, len.map(|n| n + added));
                vec![call("extend_from_slice", vec![arg])]
            }
            6 => {
                self.tag("resize");
                let k = self.rng.usize(1..=5);
                let (e, iv) = self.float_without(&name, 100.0);
                let e = self.typed(e);
                self.vars[b].iv = old.hull(iv);
                self.set_len(b, Some(k));
                vec![call("resize", vec![Expr::int(k.to_string()), e])]
            }
            8 => {
                // `clear` then a push: buffers are never empty.
                self.tag("clear then push");
                let (e, iv) = self.float_without(&name, 100.0);
                self.vars[b].iv = old.hull(iv);
                self.set_len(b, Some(1));
                vec![call("clear", vec![]), call("push", vec![e])]
            }
            7 => {
                self.tag("truncate");
                let k = self.rng.usize(1..len.unwrap());
                self.set_len(b, Some(k));
                vec![call("truncate", vec![Expr::int(k.to_string())])]
            }
            9 => {
                // `{ let r = &mut b; r[i] = e; r.swap(i, j); }`: writes
                // through a name for the borrow, in a block that ends it.
                self.tag("let r = &mut b");
                let (e, iv) = self.float_without(&name, 100.0);
                let e = self.typed(e);
                let (i, j) = (self.plain_index(b), self.plain_index(b));
                let k = self.plain_index(b);
                self.vars[b].iv = old.hull(iv);
                let r = self.fresh("r");
                // A `&mut [f]` parameter is not a `mut` binding: reborrow it.
                let place = match kind {
                    BufKind::MutSlice => Expr::new(Kind::Slice {
                        base: Box::new(Expr::path(&name)),
                        lo: None,
                        hi: None,
                    }),
                    _ => Expr::path(&name),
                };
                let borrow = Expr::new(Kind::RefMut(Box::new(place)));
                let element = Expr::new(Kind::Index(Box::new(Expr::path(&r)), Box::new(i)));
                let swap = Expr::method(Expr::path(&r), "swap", vec![j, k]);
                let block = Block {
                    stmts: vec![
                        Stmt::Let {
                            pat: Pat::ident(&r),
                            ty: None,
                            init: Some(borrow),
                        },
                        Stmt::Assign {
                            place: element,
                            op: None,
                            value: e,
                        },
                        Stmt::Expr(swap),
                    ],
                    tail: None,
                };
                vec![Stmt::Expr(Expr::new(Kind::Block(block)))]
            }
            _ => unreachable!("one arm per weight"),
        }
    }

    /// Records the new length of buffer `b`.
    fn set_len(&mut self, b: usize, len: Option<usize>) {
        if let VTy::Buf { kind, .. } = self.vars[b].ty {
            self.vars[b].ty = VTy::Buf { len, kind };
        }
    }

    /// Pairs of variables `std::mem::swap` can exchange: mutable floats, or
    /// writable buffers of the same type and length.
    pub(super) fn swappable(&self) -> Vec<(usize, usize)> {
        let vis = self.visible();
        let mut out = Vec::new();
        for (k, &i) in vis.iter().enumerate() {
            for &j in &vis[k + 1..] {
                let (a, b) = (&self.vars[i], &self.vars[j]);
                let ok = match (&a.ty, &b.ty) {
                    (VTy::F, VTy::F) => {
                        a.mutable
                            && b.mutable
                            && !Self::is_const(&a.name)
                            && !Self::is_const(&b.name)
                    }
                    (
                        VTy::Buf {
                            len: Some(m),
                            kind: ka,
                        },
                        VTy::Buf {
                            len: Some(n),
                            kind: kb,
                        },
                    ) => {
                        let array = |k: &BufKind| matches!(k, BufKind::Array | BufKind::LocalArray);
                        m == n
                            && (ka == kb && *ka == BufKind::Vec || array(ka) && array(kb))
                            && self.writable_buffer(a)
                            && self.writable_buffer(b)
                    }
                    _ => false,
                };
                if ok {
                    out.push((i, j));
                }
            }
        }
        out
    }

    /// `std::mem::swap(&mut a, &mut b);`
    pub(super) fn mem_swap(&mut self, pairs: &[(usize, usize)]) -> Stmt {
        self.tag("std::mem::swap");
        let (i, j) = *self.pick(pairs);
        let (ai, bi) = (self.vars[i].iv, self.vars[j].iv);
        // Both keep the hull: the swap may run on some iterations only.
        self.vars[i].iv = ai.hull(bi);
        self.vars[j].iv = ai.hull(bi);
        let arg = |g: &Gen, k: usize| {
            Expr::new(Kind::RefMut(Box::new(Expr::path(&g.vars[k].name.clone()))))
        };
        Stmt::Expr(Expr::new(Kind::Call {
            path: "std::mem::swap".into(),
            args: vec![arg(self, i), arg(self, j)],
        }))
    }
}
