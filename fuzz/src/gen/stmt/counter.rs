//! Running integer indices into buffers, as C ports index packed storage:
//! `let mut e = 0usize;` (or `c * k`, or `x.len() - 1` counting down),
//! declared before the loops or inside one, stepped by constants (`e += 1;`,
//! `e += 2;`, `e -= 1;`, `e = e + 1;`, now and then under an `if` or followed
//! by a `break`) in loops, triangular ones included (`for col in 0..d { for
//! row in col + 1..d { .. } }`), and read as an index at various points:
//! before a step, after it, after an inner loop that steps it too, after the
//! loops. A nest is planned first ([`Piece`]), then run through once with
//! every step taken ([`run`]): that bounds the counter at each read (a
//! `break`, a `continue` or a step not taken only keeps it nearer its start),
//! and a read that could pass its buffer's end is wrapped (`x[e % x.len()]`).

use super::super::interval::Iv;
use super::super::{BufKind, Gen, LoopCtx, VTy};
use crate::ast::*;

/// How a loop of a counter nest iterates.
#[derive(Clone, Copy, Debug)]
enum Span {
    /// `0..t`
    Upto(u64),
    /// `col + 1..d` over the enclosing loop's variable `col` (in `0..d`):
    /// the rows below the diagonal, a packed triangle.
    Below(u64),
    /// `0..i % m` over the enclosing loop's variable `i` (unnamed, `_`).
    Mod(u64),
}

impl Span {
    /// The most iterations it runs, and the range of its variable.
    fn trips(self) -> (u64, u64, u64) {
        match self {
            Span::Upto(t) => (t, 0, t - 1),
            Span::Below(d) => (d - 1, 1, d - 1),
            Span::Mod(m) => (m - 1, 0, m.saturating_sub(2)),
        }
    }

    /// The values its variable takes while the enclosing loop's is `outer`.
    fn values(self, outer: u64) -> std::ops::Range<u64> {
        match self {
            Span::Upto(t) => 0..t,
            Span::Below(d) => outer + 1..d,
            Span::Mod(m) => 0..outer % m,
        }
    }
}

/// A piece of a planned counter nest.
#[derive(Debug)]
enum Piece {
    /// `let mut e = start;`: the counter is declared here.
    Decl,
    /// A statement reading the counter as an index (read number `id`).
    Read(usize),
    /// `e += by` (`e -= by` counting down), under an `if` when `cond`.
    Step { by: u64, cond: bool },
    /// A loop and its body.
    Loop(Span, Vec<Piece>),
    /// `if e >= c { break; }` or `if <cond> { break; }`.
    Break,
    /// `if e >= x.len() { break; }` after the only step of a top-level loop
    /// whose reads come before that step: they stay below the length.
    Guard,
    /// A statement of the generator's own.
    Filler,
}

/// Where a counter starts.
#[derive(Clone, Debug)]
enum Start {
    Lit(u64),
    /// `v * k` of a `usize` variable `v` in `lo..=hi`.
    Scaled {
        var: (String, u64, u64),
        k: u64,
    },
    /// `i * k` of the variable `i` of the loop `0..t` whose body declares
    /// the counter (`let mut e = c * tri;` per component).
    PerIteration {
        k: u64,
        t: u64,
    },
    /// `x.len() - 1` of the buffer read (counting down).
    Last,
}

/// A planned counter nest.
#[derive(Debug)]
struct Plan {
    pieces: Vec<Piece>,
    start: Start,
    /// Steps `e -= c` rather than `e += c`.
    down: bool,
    /// The first top-level loop ends in a [`Piece::Guard`] after a step by
    /// `Some(by)`.
    guard: Option<u64>,
    reads: usize,
    /// The tag naming its shape.
    shape: &'static str,
}

/// What a run of the nest with every step taken found: the largest offset
/// from the start at each read (and whether the read is inside a loop), and
/// the largest offset anywhere.
#[derive(Default)]
struct Run {
    at: Vec<(u64, bool)>,
    peak: u64,
}

/// Runs `pieces` with every step taken (the enclosing loop's variable at
/// `outer`), from offset `off`.
fn run(pieces: &[Piece], outer: u64, in_loop: bool, off: &mut u64, r: &mut Run) {
    for p in pieces {
        match p {
            Piece::Decl => *off = 0,
            Piece::Read(id) => {
                r.at[*id].0 = r.at[*id].0.max(*off);
                r.at[*id].1 = in_loop;
            }
            Piece::Step { by, .. } => {
                *off += by;
                r.peak = r.peak.max(*off);
            }
            Piece::Loop(span, body) => {
                for v in span.values(outer) {
                    run(body, v, true, off, r);
                }
            }
            Piece::Break | Piece::Guard | Piece::Filler => {}
        }
    }
}

/// What writing a planned nest needs.
struct Nest {
    e: String,
    /// The buffer read (a variable index) and its length.
    buf: usize,
    len: u64,
    /// A buffer written at the counter, sometimes.
    out: Option<usize>,
    acc: usize,
    /// The counter's range at each read, and anywhere.
    bounds: Vec<(u64, u64)>,
    range: (u64, u64),
    start: Start,
    down: bool,
    /// The variables of the enclosing loops of the nest, innermost last.
    loop_vars: Vec<String>,
}

impl Gen {
    /// A running index stepped in a loop nest and read as an index into a
    /// buffer in scope or a fresh packed one (a table of constants or a
    /// buffer filled from the parameters), the reads accumulated.
    pub(super) fn counter_nest(&mut self) -> Vec<Stmt> {
        self.tag("running index");
        let mut out = Vec::new();
        let bufs: Vec<usize> = self
            .visible_where(|v| matches!(v.ty, VTy::Buf { len: Some(_), .. }))
            .into_iter()
            .filter(|&i| self.readable(&self.vars[i].clone()))
            .collect();
        let existing = (!bufs.is_empty() && self.chance(0.6)).then(|| self.prefer_unread(&bufs));
        let mut plan = self.counter_plan();
        self.tag(plan.shape);
        let mut r = Run {
            at: vec![(0, false); plan.reads],
            peak: 0,
        };
        run(&plan.pieces, 0, false, &mut 0, &mut r);
        // The buffer's length: known, or chosen for a fresh buffer so that
        // most reads fit.
        let fit = |plan: &Plan| {
            let (_, hi) = Self::start_range(&plan.start, 1);
            r.at.iter().map(|a| a.0).max().unwrap_or(0) + if plan.down { 0 } else { hi }
        };
        let len = match existing {
            Some(b) => match self.vars[b].ty {
                VTy::Buf { len: Some(l), .. } => l as u64,
                _ => unreachable!(),
            },
            None if plan.guard.is_some() => self.rng.u64(2..=5),
            None if plan.down => r.peak + self.rng.u64(1..=2),
            None => (fit(&plan) + 1)
                .saturating_sub(self.rng.u64(0..=1))
                .clamp(1, 12),
        };
        if plan.down {
            let (lo, _) = Self::start_range(&plan.start, len);
            if lo < r.peak {
                // It could pass zero: count up from zero instead.
                plan.down = false;
                plan.start = Start::Lit(0);
            } else {
                self.tag("running index counting down");
            }
        }
        let (s_lo, s_hi) = Self::start_range(&plan.start, len);
        let guarded = plan.guard.filter(|_| !plan.down && s_hi < len);
        let mut bounds: Vec<(u64, u64)> =
            r.at.iter()
                .map(|&(off, inside)| {
                    let (lo, hi) = if plan.down {
                        (s_lo - off, s_hi)
                    } else {
                        (s_lo, s_hi + off)
                    };
                    match guarded {
                        Some(_) if inside => (lo, hi.min(len - 1)),
                        Some(by) => (lo, hi.min(len - 1 + by)),
                        None => (lo, hi),
                    }
                })
                .collect();
        let mut range = if plan.down {
            (s_lo - r.peak, s_hi)
        } else {
            (s_lo, s_hi + r.peak)
        };
        if let Some(by) = guarded {
            self.tag("running index guarded break");
            range.1 = range.1.min(len - 1 + by);
        }
        for b in &mut bounds {
            *b = (b.0.max(range.0), b.1.min(range.1));
        }
        let buf = match existing {
            Some(b) => b,
            None => {
                out.extend(self.packed_buffer(len as usize));
                self.vars.len() - 1
            }
        };
        let writable: Vec<usize> = self
            .visible()
            .into_iter()
            .filter(|&i| {
                self.writable_buffer(&self.vars[i].clone())
                    && matches!(self.vars[i].ty, VTy::Buf { len: Some(_), .. })
            })
            .collect();
        let out_buf = (!writable.is_empty() && self.chance(0.35)).then(|| *self.pick(&writable));
        let (s, acc) = self.accumulator();
        out.push(s);
        let mut nest = Nest {
            e: self.fresh("e"),
            buf,
            len,
            out: out_buf,
            acc,
            bounds,
            range,
            start: plan.start.clone(),
            down: plan.down,
            loop_vars: Vec::new(),
        };
        out.extend(self.write_pieces(&plan.pieces, &mut nest));
        out
    }

    /// The range of a counter's start in a buffer of length `len`.
    fn start_range(start: &Start, len: u64) -> (u64, u64) {
        match start {
            Start::Lit(c) => (*c, *c),
            Start::Scaled {
                var: (_, lo, hi),
                k,
            } => (lo * k, hi * k),
            Start::PerIteration { k, t } => (0, (t - 1) * k),
            Start::Last => (len - 1, len - 1),
        }
    }

    /// A random shape of nest.
    fn counter_plan(&mut self) -> Plan {
        let mut reads = 0;
        let mut read = || {
            reads += 1;
            Piece::Read(reads - 1)
        };
        let by = *self.pick(&[1, 1, 1, 1, 2, 2, 3]);
        let cond = self.chance(0.2);
        let usizes: Vec<(String, u64, u64)> = self
            .usizes()
            .into_iter()
            .filter(|(_, _, hi)| *hi <= 4)
            .collect();
        let mut start = match self.weighted(&[6, 2, if usizes.is_empty() { 0 } else { 2 }]) {
            0 => Start::Lit(0),
            1 => Start::Lit(self.rng.u64(1..=2)),
            _ => Start::Scaled {
                var: self.pick(&usizes).clone(),
                k: self.rng.u64(1..=2),
            },
        };
        let mut down = false;
        let mut guard = None;
        let (shape, pieces) = match self.weighted(&[3, 2, 3, 2, 2]) {
            0 => {
                // for i in 0..t { [..] x[e]; e += c; [x[e];] [break] }
                down = self.chance(0.3);
                let mut body = Vec::new();
                if self.chance(0.4) {
                    body.push(Piece::Filler);
                }
                let before = self.chance(0.7);
                if before {
                    body.push(read());
                }
                body.push(Piece::Step { by, cond });
                if !before || self.chance(0.4) {
                    body.push(read());
                }
                if self.chance(0.2) {
                    body.push(Piece::Break);
                }
                let mut top = vec![
                    Piece::Decl,
                    Piece::Loop(Span::Upto(self.rng.u64(1..=4)), body),
                ];
                if self.chance(0.5) {
                    top.push(read());
                }
                ("running index flat loop", top)
            }
            1 => {
                // for i in 0..t { x[e]; e += c; if e >= x.len() { break; } }
                start = Start::Lit(self.rng.u64(0..=1));
                guard = Some(by);
                let mut body = Vec::new();
                if self.chance(0.3) {
                    body.push(Piece::Filler);
                }
                body.push(read());
                if self.chance(0.3) {
                    body.push(read());
                }
                body.push(Piece::Step { by, cond: false });
                body.push(Piece::Guard);
                let mut top = vec![
                    Piece::Decl,
                    Piece::Loop(Span::Upto(self.rng.u64(2..=6)), body),
                ];
                if self.chance(0.4) {
                    top.push(read());
                }
                ("running index then break", top)
            }
            2 => {
                // for col in 0..d { for row in col + 1..d { x[e]; e += 1; } }
                let d = self.rng.u64(2..=4);
                let mut inner = Vec::new();
                if self.chance(0.2) {
                    inner.push(Piece::Filler);
                }
                let before = self.chance(0.75);
                if before {
                    inner.push(read());
                }
                inner.push(Piece::Step {
                    by: 1,
                    cond: self.chance(0.1),
                });
                if !before || self.chance(0.3) {
                    inner.push(read());
                }
                let mut col = Vec::new();
                if self.chance(0.2) {
                    col.push(Piece::Filler);
                }
                col.push(Piece::Loop(Span::Below(d), inner));
                if self.chance(0.3) {
                    col.push(read());
                }
                let tri = Piece::Loop(Span::Upto(d), col);
                if self.chance(0.4) {
                    // Per component, as a mixture model's packed factors:
                    // `let mut e = c * tri;` inside `for c in 0..k`.
                    let k = self.rng.u64(1..=3);
                    start = if self.chance(0.8) {
                        Start::PerIteration {
                            k: d * (d - 1) / 2,
                            t: k,
                        }
                    } else {
                        Start::Lit(0)
                    };
                    let mut per = vec![Piece::Decl, tri];
                    if self.chance(0.4) {
                        per.push(read());
                    }
                    (
                        "running index per component",
                        vec![Piece::Loop(Span::Upto(k), per)],
                    )
                } else {
                    let mut top = vec![Piece::Decl, tri];
                    if self.chance(0.4) {
                        top.push(read());
                    }
                    ("running index triangular", top)
                }
            }
            3 => {
                // for i in 0..t { x[e]; for _ in 0..i % 2 { e += 1; } x[e]; e += c; }
                down = self.chance(0.25);
                let span = if self.chance(0.6) {
                    Span::Mod(self.rng.u64(2..=3))
                } else {
                    Span::Upto(self.rng.u64(1..=2))
                };
                let mut inner = vec![Piece::Step { by: 1, cond: false }];
                if self.chance(0.15) {
                    inner.push(Piece::Filler);
                }
                let mut body = Vec::new();
                if self.chance(0.6) {
                    body.push(read());
                }
                body.push(Piece::Loop(span, inner));
                body.push(read());
                if self.chance(0.6) {
                    body.push(Piece::Step { by, cond });
                }
                if self.chance(0.15) {
                    body.push(Piece::Break);
                }
                let mut top = vec![
                    Piece::Decl,
                    Piece::Loop(Span::Upto(self.rng.u64(1..=4)), body),
                ];
                if self.chance(0.5) {
                    top.push(read());
                }
                ("running index inner-loop steps", top)
            }
            _ => {
                // for i in 0..t { let mut e = i * k; for j in 0..k { x[e]; e += 1; } x[e]; }
                let k = self.rng.u64(1..=3);
                let t = self.rng.u64(1..=4);
                start = if self.chance(0.6) {
                    Start::PerIteration { k: k * by, t }
                } else {
                    Start::Lit(0)
                };
                let mut inner = vec![read(), Piece::Step { by, cond }];
                if self.chance(0.3) {
                    inner.push(read());
                }
                let mut body = Vec::new();
                if self.chance(0.3) {
                    body.push(Piece::Filler);
                }
                body.push(Piece::Decl);
                body.push(Piece::Loop(Span::Upto(k), inner));
                if self.chance(0.6) {
                    body.push(read());
                }
                (
                    "running index per sample",
                    vec![Piece::Loop(Span::Upto(t), body)],
                )
            }
        };
        if down {
            start = if self.chance(0.6) {
                Start::Last
            } else {
                Start::Lit(self.rng.u64(2..=6))
            };
        }
        if cond {
            self.tag("running index step under if");
        }
        Plan {
            pieces,
            start,
            down,
            guard,
            reads,
            shape,
        }
    }

    /// A fresh packed buffer of `len` entries: a table of constants
    /// (`let pk: [f64; 6] = [..];`) or a buffer filled from what is in scope
    /// (`let mut pk: Vec<f64> = vec![0.0; 6]; for j in 0..pk.len() { .. }`).
    fn packed_buffer(&mut self, len: usize) -> Vec<Stmt> {
        let fl = self.fl.name();
        let name = self.fresh("pk");
        if self.chance(0.45) {
            self.tag("running index into constants");
            let mut iv = Iv::point(0.0);
            let items: Vec<Expr> = (0..len)
                .map(|k| {
                    let v = self.literal_value(-2.0, 2.0);
                    iv = if k == 0 {
                        Iv::point(v)
                    } else {
                        iv.hull(Iv::point(v))
                    };
                    self.lit(v)
                })
                .collect();
            self.declare(
                &name,
                VTy::Buf {
                    len: Some(len),
                    kind: BufKind::LocalArray,
                },
                false,
                iv,
            );
            return vec![Stmt::Let {
                pat: Pat::ident(&name),
                ty: Some(format!("[{fl}; {len}]")),
                init: Some(Expr::new(Kind::Array(items))),
            }];
        }
        let j = self.fresh("j");
        let (e, iv) = self.scoped(|g| {
            let hi = len as u64 - 1;
            g.declare(&j, VTy::Usize { lo: 0, hi }, false, Iv::new(0.0, hi as f64));
            g.float_bounded(2, 3.0)
        });
        // Written only by its fill, or now and then by what follows too.
        let writable = self.chance(0.3);
        self.declare(
            &name,
            VTy::Buf {
                len: Some(len),
                kind: BufKind::Vec,
            },
            writable,
            iv,
        );
        let write = Stmt::Assign {
            place: Expr::fl(Kind::Index(
                Box::new(Expr::path(&name)),
                Box::new(Expr::path(&j)),
            )),
            op: None,
            value: e,
        };
        vec![
            Stmt::Let {
                pat: Pat::Ident {
                    name: name.clone(),
                    mutable: true,
                },
                ty: Some(format!("Vec<{fl}>")),
                init: Some(Expr::new(Kind::Repeat {
                    elem: Box::new(self.lit(0.0)),
                    count: Box::new(Expr::int(len.to_string())),
                    vec: true,
                })),
            },
            Stmt::Expr(Expr::new(Kind::For {
                label: None,
                pat: Pat::ident(&j),
                iter: Box::new(Expr::new(Kind::Range {
                    lo: Box::new(Expr::int("0")),
                    hi: Box::new(Expr::method(Expr::path(&name), "len", vec![])),
                    inclusive: false,
                })),
                body: Block {
                    stmts: vec![write],
                    tail: None,
                },
            })),
        ]
    }

    /// The statements of `pieces`, in the current scope.
    fn write_pieces(&mut self, pieces: &[Piece], n: &mut Nest) -> Vec<Stmt> {
        let mut out = Vec::new();
        for p in pieces {
            match p {
                Piece::Decl => out.push(self.counter_decl(n)),
                Piece::Read(id) => out.push(self.counter_read(n, *id)),
                Piece::Step { by, cond } => {
                    let step = Self::counter_step(n, *by, self.chance(0.2));
                    out.push(if *cond {
                        let c = self.cond(1);
                        Stmt::Expr(Expr::new(Kind::If {
                            cond: Box::new(c),
                            then: Block {
                                stmts: vec![step],
                                tail: None,
                            },
                            els: None,
                        }))
                    } else {
                        step
                    });
                }
                Piece::Loop(span, body) => out.push(self.counter_loop(*span, body, n)),
                Piece::Break | Piece::Guard => {
                    let e = Expr::path(&n.e);
                    let c = if matches!(p, Piece::Guard) {
                        let len = if self.rng.bool() {
                            Expr::method(Expr::path(&self.vars[n.buf].name.clone()), "len", vec![])
                        } else {
                            Expr::int(n.len.to_string())
                        };
                        Expr::bin(BinOp::Ge, e, len)
                    } else if self.chance(0.5) {
                        let (lo, hi) = n.range;
                        let c = Expr::int(self.rng.u64(lo..=hi + 1).to_string());
                        Expr::bin(if n.down { BinOp::Le } else { BinOp::Ge }, e, c)
                    } else {
                        self.cond(1)
                    };
                    self.tag("running index then break");
                    out.push(Stmt::Expr(Expr::new(Kind::If {
                        cond: Box::new(c),
                        then: Block {
                            stmts: vec![Stmt::Expr(Expr::new(Kind::Break {
                                label: None,
                                value: None,
                            }))],
                            tail: None,
                        },
                        els: None,
                    })));
                }
                Piece::Filler => {
                    if self.budget > 0 {
                        out.extend(self.statements_one());
                    }
                }
            }
        }
        out
    }

    /// `let mut e = start;`, declaring the counter with its range.
    fn counter_decl(&mut self, n: &Nest) -> Stmt {
        let init = match &n.start {
            Start::Lit(c) => Expr::int(match (*c, self.rng.u32(0..3)) {
                (c, 0) => format!("{c}usize"),
                (c, 1) => format!("{c}_usize"),
                (c, _) => c.to_string(),
            }),
            Start::Scaled { .. } | Start::PerIteration { .. } => {
                let (v, k) = match &n.start {
                    Start::Scaled { var: (v, _, _), k } => (v.clone(), *k),
                    Start::PerIteration { k, .. } => {
                        (n.loop_vars.last().expect("declared in a loop").clone(), *k)
                    }
                    _ => unreachable!(),
                };
                if self.rng.bool() {
                    Expr::bin(BinOp::Mul, Expr::path(&v), Expr::int(k.to_string()))
                } else {
                    Expr::bin(BinOp::Mul, Expr::int(k.to_string()), Expr::path(&v))
                }
            }
            Start::Last => {
                let len = Expr::method(Expr::path(&self.vars[n.buf].name.clone()), "len", vec![]);
                Expr::bin(BinOp::Sub, len, Expr::int("1"))
            }
        };
        let (lo, hi) = n.range;
        self.declare(
            &n.e,
            VTy::Usize { lo, hi },
            false,
            Iv::new(lo as f64, hi as f64),
        );
        Stmt::Let {
            pat: Pat::Ident {
                name: n.e.clone(),
                mutable: true,
            },
            ty: None,
            init: Some(init),
        }
    }

    /// `e += by;` (`e -= by;` counting down), or spelt `e = e + by;`.
    fn counter_step(n: &Nest, by: u64, spelt: bool) -> Stmt {
        let op = if n.down { BinOp::Sub } else { BinOp::Add };
        let by = Expr::int(by.to_string());
        if spelt {
            Stmt::Assign {
                place: Expr::path(&n.e),
                op: None,
                value: Expr::bin(op, Expr::path(&n.e), by),
            }
        } else {
            Stmt::Assign {
                place: Expr::path(&n.e),
                op: Some(op),
                value: by,
            }
        }
    }

    /// A loop of the nest, its variable declared for its body.
    fn counter_loop(&mut self, span: Span, body: &[Piece], n: &mut Nest) -> Stmt {
        let (trips, lo, hi) = span.trips();
        let triangle = body
            .iter()
            .any(|p| matches!(p, Piece::Loop(Span::Below(_), _)));
        let var = match span {
            Span::Mod(_) => "_".to_string(),
            Span::Below(_) => self.fresh("row"),
            Span::Upto(_) if triangle => self.fresh("col"),
            Span::Upto(_) => self.fresh("i"),
        };
        let outer = n.loop_vars.last().cloned();
        let iter = match span {
            Span::Upto(t) => Expr::new(Kind::Range {
                lo: Box::new(Expr::int("0")),
                hi: Box::new(Expr::int(t.to_string())),
                inclusive: false,
            }),
            Span::Below(d) => Expr::new(Kind::Range {
                lo: Box::new(Expr::bin(
                    BinOp::Add,
                    Expr::path(outer.as_deref().expect("an enclosing loop")),
                    Expr::int("1"),
                )),
                hi: Box::new(Expr::int(d.to_string())),
                inclusive: false,
            }),
            Span::Mod(m) => Expr::new(Kind::Range {
                lo: Box::new(Expr::int("0")),
                hi: Box::new(Expr::bin(
                    BinOp::Rem,
                    Expr::path(outer.as_deref().expect("an enclosing loop")),
                    Expr::int(m.to_string()),
                )),
                inclusive: false,
            }),
        };
        let ctx = LoopCtx {
            label: None,
            value: false,
        };
        n.loop_vars.push(var.clone());
        let body = self.scoped(|g| {
            if var != "_" {
                g.declare(
                    &var,
                    VTy::Usize { lo, hi },
                    false,
                    Iv::new(lo as f64, hi as f64),
                );
            }
            g.in_loop(ctx, trips, |g| Block {
                stmts: g.write_pieces(body, n),
                tail: None,
            })
        });
        n.loop_vars.pop();
        Stmt::Expr(Expr::new(Kind::For {
            label: None,
            pat: Pat::ident(&var),
            iter: Box::new(iter),
            body,
        }))
    }

    /// The index of counter `e` (within `lo..=hi` here) into buffer `b`:
    /// `e` itself (or `e - 1`, `e / 2`) where it stays below the length,
    /// else wrapped (`e % x.len()`, `(e + 1) % x.len()`). A write into a
    /// `Vec` spells its length as a number (see [`Gen::index_for`]).
    fn counter_index(&mut self, e: &str, (lo, hi): (u64, u64), b: usize, write: bool) -> Expr {
        let VTy::Buf {
            len: Some(len),
            kind,
        } = self.vars[b].ty
        else {
            unreachable!("a buffer of known length")
        };
        let ev = Expr::path(e);
        if hi < len as u64 {
            return match self.weighted(&[12, if lo >= 1 { 1 } else { 0 }, 1]) {
                0 => ev,
                1 => Expr::bin(BinOp::Sub, ev, Expr::int("1")),
                _ => Expr::bin(BinOp::Div, ev, Expr::int("2")),
            };
        }
        self.tag("running index wrapped");
        let l = if write && kind == BufKind::Vec {
            Expr::int(len.to_string())
        } else {
            Expr::method(Expr::path(&self.vars[b].name.clone()), "len", vec![])
        };
        let base = if self.chance(0.3) {
            Expr::bin(BinOp::Add, ev, Expr::int(self.rng.u64(1..=2).to_string()))
        } else {
            ev
        };
        Expr::bin(BinOp::Rem, base, l)
    }

    /// A statement reading `x[e]` (read `id`): added into the accumulator,
    /// folded into it nonlinearly, written at the counter into another
    /// buffer, or bound by a `let`.
    fn counter_read(&mut self, n: &Nest, id: usize) -> Stmt {
        let bounds = n.bounds[id];
        let idx = self.counter_index(&n.e, bounds, n.buf, false);
        self.vars[n.buf].reads += 1;
        let name = self.vars[n.buf].name.clone();
        let biv = self.vars[n.buf].iv;
        let r = Expr::fl(Kind::Index(Box::new(Expr::path(&name)), Box::new(idx)));
        let (w, wi) = self.float_bounded(1, 2.0);
        let (term, tiv) = match self.rng.u32(0..5) {
            0 => (r, biv),
            1 | 2 => (Expr::bin(BinOp::Mul, r, w), biv.mul(wi)),
            3 => (
                self.call_method(Expr::bin(BinOp::Mul, r, w), "sin", vec![]),
                Iv::sym(1.0),
            ),
            _ => (Expr::bin(BinOp::Sub, r, w), biv.sub(wi)),
        };
        let (term, tiv) = self.bounded((term, tiv), 5.0);
        let acc_ok = self.visible().contains(&n.acc);
        let out_ok = n.out.filter(|&o| {
            self.writable_buffer(&self.vars[o].clone()) && self.visible().contains(&o)
        });
        let trips = self.trips.max(1) as f64;
        match self.weighted(&[
            if acc_ok { 6 } else { 0 },
            if acc_ok { 2 } else { 0 },
            if out_ok.is_some() { 3 } else { 0 },
            2,
        ]) {
            0 => {
                let a = &mut self.vars[n.acc];
                a.iv = a.iv.hull(a.iv.add(tiv.scale(trips)));
                Stmt::Assign {
                    place: Expr::fpath(&a.name.clone()),
                    op: Some(BinOp::Add),
                    value: term,
                }
            }
            1 => {
                let acc = Expr::fpath(&self.vars[n.acc].name.clone());
                let mix = Expr::bin(
                    BinOp::Add,
                    Expr::bin(BinOp::Mul, self.lit(0.5), acc.clone()),
                    term,
                );
                let v = self.call_method(mix, "tanh", vec![]);
                self.vars[n.acc].iv = self.vars[n.acc].iv.hull(Iv::sym(1.0));
                Stmt::Assign {
                    place: acc,
                    op: None,
                    value: v,
                }
            }
            2 => {
                self.tag("running index write");
                let o = out_ok.unwrap();
                let oidx = self.counter_index(&n.e, bounds, o, true);
                let oname = self.vars[o].name.clone();
                let add = self.rng.bool();
                let old = self.vars[o].iv;
                self.vars[o].iv = if add {
                    old.hull(old.add(tiv.scale(trips)))
                } else {
                    old.hull(tiv)
                };
                Stmt::Assign {
                    place: Expr::fl(Kind::Index(Box::new(Expr::path(&oname)), Box::new(oidx))),
                    op: add.then_some(BinOp::Add),
                    value: term,
                }
            }
            _ => {
                let t = self.fresh("a");
                self.let_float(&t, false, term, tiv)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{run, Piece, Run, Span};

    fn run_all(nest: &[Piece], reads: usize) -> Run {
        let mut r = Run {
            at: vec![(0, false); reads],
            peak: 0,
        };
        run(nest, 0, false, &mut 0, &mut r);
        r
    }

    /// A packed triangle of side 4 steps 6 times: a read before the step
    /// sees at most 5, one after the inner loop or after the nest 6.
    #[test]
    fn a_triangle_bounds_each_read() {
        let inner = vec![Piece::Read(0), Piece::Step { by: 1, cond: false }];
        let col = vec![Piece::Loop(Span::Below(4), inner), Piece::Read(1)];
        let nest = vec![Piece::Decl, Piece::Loop(Span::Upto(4), col), Piece::Read(2)];
        let r = run_all(&nest, 3);
        assert_eq!(r.at, vec![(5, true), (6, true), (6, false)]);
        assert_eq!(r.peak, 6);
    }

    /// `for i in 0..4 { x[e]; for _ in 0..i % 3 { e += 2; } }` steps
    /// 0 + 2 + 4 + 0; a declaration per iteration starts again from zero.
    #[test]
    fn inner_steps_and_declarations_per_iteration() {
        let body = vec![
            Piece::Read(0),
            Piece::Loop(Span::Mod(3), vec![Piece::Step { by: 2, cond: true }]),
        ];
        let r = run_all(&[Piece::Decl, Piece::Loop(Span::Upto(4), body)], 1);
        assert_eq!((r.at[0].0, r.peak), (6, 6));
        let body = vec![
            Piece::Decl,
            Piece::Loop(
                Span::Upto(3),
                vec![Piece::Step { by: 1, cond: false }, Piece::Read(0)],
            ),
        ];
        let r = run_all(&[Piece::Loop(Span::Upto(5), body)], 1);
        assert_eq!((r.at[0].0, r.peak), (3, 3));
    }
}
