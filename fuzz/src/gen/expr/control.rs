//! Conditions and control flow as values: `bool` conditions (read from
//! differentiated values as often as from integers), `if`/`match`/block
//! expressions, and the scrutinees and arm patterns `match` statements share.

use super::super::interval::Iv;
use super::super::{Gen, VTy, LIMIT};
use crate::ast::*;

/// A match arm's pattern, its guard, and the `usize` binding it introduces.
type ArmPat = (String, Option<Expr>, Option<String>);

/// Whether `e` reads a variable (rather than only literals and constants).
fn mentions_variable(e: &Expr) -> bool {
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

impl Gen {
    /// An integer expression to match on, with the largest value it can take.
    fn scrutinee(&mut self) -> (Expr, u64) {
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

    /// A `bool` condition (not differentiated, but read from differentiated
    /// values as often as from integers).
    pub(in crate::gen) fn cond(&mut self, depth: u32) -> Expr {
        let us = self.usizes();
        let bools = self.visible_where(|v| matches!(v.ty, VTy::Bool));
        match self.weighted(&[
            60,
            if us.is_empty() { 0 } else { 15 },
            if bools.is_empty() { 0 } else { 6 },
            if depth > 0 { 10 } else { 0 },
            if depth > 0 { 3 } else { 0 },
            2,
            3,
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
            5 => {
                let (a, _) = self.float_expr(1);
                let a = self.typed(a);
                let m = *self.pick(&["is_sign_positive", "is_finite", "is_sign_negative"]);
                Expr::method(a, m, vec![])
            }
            _ => self.matches_macro(),
        }
    }

    /// `matches!(k % 3, 0 | 2)`, `matches!(i, 1..=2)`, `matches!(mode,
    /// Mode::A | Mode::C)`.
    fn matches_macro(&mut self) -> Expr {
        self.tag("matches!");
        let modes = self.visible_where(|v| v.ty == VTy::Mode);
        let (scrut, pat) = if !modes.is_empty() && self.chance(0.4) {
            let name = self.vars[modes[0]].name.clone();
            let pat = self.pick(&["Mode::A", "Mode::B | Mode::C", "Mode::A | Mode::C"]);
            (Expr::path(&name), pat.to_string())
        } else {
            let (scrut, hi) = self.scrutinee();
            let a = self.rng.u64(0..=hi);
            let b = self.rng.u64(0..=hi + 1);
            let pat = match self.rng.u32(0..3) {
                0 => a.to_string(),
                1 if a != b => format!("{a} | {b}"),
                _ => format!("{}..={}", a.min(b), a.max(b)),
            };
            (scrut, pat)
        };
        Expr::new(Kind::Macro {
            name: "matches".into(),
            args: vec![scrut],
            pat: Some(pat),
        })
    }

    /// `if c { .. } else if .. { .. } else { .. }` as a value.
    pub(super) fn if_expr(&mut self, depth: u32) -> (Expr, Iv) {
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

    /// `if let Some(&v) = x.get(i) { .. } else { .. }` as a value.
    pub(super) fn if_let_expr(&mut self, depth: u32) -> (Expr, Iv) {
        let bufs: Vec<usize> = self
            .visible_where(|v| matches!(v.ty, VTy::Buf { .. }))
            .into_iter()
            .filter(|&i| self.readable(&self.vars[i].clone()))
            .collect();
        if bufs.is_empty() {
            return self.if_expr(depth);
        }
        self.tag("if let value");
        let b = self.prefer_unread(&bufs);
        self.vars[b].reads += 1;
        let name = self.vars[b].name.clone();
        let elem = self.vars[b].iv;
        let idx = self.get_index(b);
        let v = self.fresh("v");
        let by_value = self.rng.bool();
        let pat = if by_value {
            format!("Some(&{v})")
        } else {
            format!("Some({v})")
        };
        let (then, ti) = self.scoped(|g| {
            g.declare(&v, if by_value { VTy::F } else { VTy::RefF }, false, elem);
            g.value_block(depth)
        });
        let (els, ei) = self.value_block(depth);
        let get = Expr::method(Expr::path(&name), "get", vec![idx]);
        (
            Expr::fl(Kind::If {
                cond: Box::new(Expr::new(Kind::Let {
                    pat,
                    value: Box::new(get),
                })),
                then,
                els: Some(Box::new(Expr::fl(Kind::Block(els)))),
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
    fn int_arm_patterns(&mut self, hi: u64) -> Vec<ArmPat> {
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
    fn mode_arm_patterns(&mut self) -> Vec<ArmPat> {
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
    pub(in crate::gen) fn match_head(&mut self) -> (Expr, u64, Vec<ArmPat>) {
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
    pub(super) fn match_expr(&mut self, depth: u32) -> (Expr, Iv) {
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
    pub(super) fn block_expr(&mut self, depth: u32) -> (Expr, Iv) {
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
}
