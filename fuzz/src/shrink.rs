//! Shrinking a failing program to a small reproducer.
//!
//! A greedy reduction: from the current program, make every single-step
//! simplification (delete a statement, replace a compound statement by its
//! body, drop an `else`, replace a float subexpression by a literal, a
//! parameter or one of its own float operands, drop a helper), keep the
//! smallest candidates not tried yet, evaluate them as one batch, and move to
//! the smallest that fails in the same way (same class and signature). Stop
//! when no candidate is left or the time budget is spent. Candidates that are
//! not valid Rust are weeded out by the plain compile of the pipeline, so the
//! edits need not preserve scoping or types.

use crate::ast::*;
use crate::build::{BuildError, Workspace};
use crate::eval::{self, Outcome};
use crate::render;
use std::collections::HashSet;
use std::time::{Duration, Instant};

/// Candidates per round, shared among the failures being shrunk (each gets
/// at least [`MIN_PER_TARGET`]): one round is one batch build.
const PER_ROUND: usize = 96;
const MIN_PER_TARGET: usize = 12;

// ---- traversal ------------------------------------------------------------

/// Calls `f` on every block, pre-order (a block before the blocks inside it).
fn blocks_mut(p: &mut Program, f: &mut dyn FnMut(&mut Block)) {
    for func in p.helpers.iter_mut().chain(std::iter::once(&mut p.main)) {
        block_walk(&mut func.body, f);
    }
}

fn block_walk(b: &mut Block, f: &mut dyn FnMut(&mut Block)) {
    f(b);
    for s in &mut b.stmts {
        match s {
            Stmt::Let { init, .. } => {
                if let Some(e) = init {
                    expr_blocks(e, f);
                }
            }
            Stmt::Assign { place, value, .. } => {
                expr_blocks(place, f);
                expr_blocks(value, f);
            }
            Stmt::Expr(e) => expr_blocks(e, f),
            Stmt::Item(_) => {}
        }
    }
    if let Some(t) = &mut b.tail {
        expr_blocks(t, f);
    }
}

fn expr_blocks(e: &mut Expr, f: &mut dyn FnMut(&mut Block)) {
    match &mut e.kind {
        Kind::If { cond, then, els } => {
            expr_blocks(cond, f);
            block_walk(then, f);
            if let Some(x) = els {
                expr_blocks(x, f);
            }
        }
        Kind::Block(b) | Kind::Loop { body: b, .. } | Kind::LabeledBlock { body: b, .. } => {
            block_walk(b, f)
        }
        Kind::While { cond, body, .. } => {
            expr_blocks(cond, f);
            block_walk(body, f);
        }
        Kind::For { iter, body, .. } => {
            expr_blocks(iter, f);
            block_walk(body, f);
        }
        _ => {
            for c in children_mut(e) {
                expr_blocks(c, f);
            }
        }
    }
}

/// The direct subexpressions of `e` (not those inside its blocks).
fn children_mut(e: &mut Expr) -> Vec<&mut Expr> {
    match &mut e.kind {
        Kind::Unary(_, a)
        | Kind::Ref(a)
        | Kind::RefMut(a)
        | Kind::Cast(a, _)
        | Kind::Field(a, _) => vec![a],
        Kind::Binary(_, a, b) | Kind::Index(a, b) => vec![a, b],
        Kind::Method { recv, args, .. } => {
            let mut v: Vec<&mut Expr> = vec![recv];
            v.extend(args.iter_mut());
            v
        }
        Kind::Call { args, .. } | Kind::Tuple(args) | Kind::Array(args) | Kind::VecLit(args) => {
            args.iter_mut().collect()
        }
        Kind::Repeat { elem, count, .. } => vec![elem, count],
        Kind::Range { lo, hi, .. } => vec![lo, hi],
        Kind::Match { scrut, arms } => {
            let mut v: Vec<&mut Expr> = vec![scrut];
            for a in arms.iter_mut() {
                if let Some(g) = &mut a.guard {
                    v.push(g);
                }
                v.push(&mut a.body);
            }
            v
        }
        Kind::Closure { body, .. } => vec![body],
        Kind::Slice { base, lo, hi } => {
            let mut v: Vec<&mut Expr> = vec![base];
            v.extend(lo.iter_mut().map(|b| &mut **b));
            v.extend(hi.iter_mut().map(|b| &mut **b));
            v
        }
        Kind::Let { value, .. } => vec![value],
        Kind::Macro { args, .. } => args.iter_mut().collect(),
        Kind::Break { value, .. } | Kind::Return(value) => {
            value.iter_mut().map(|b| &mut **b).collect()
        }
        Kind::If { cond, .. } | Kind::While { cond, .. } => vec![cond],
        Kind::For { iter, .. } => vec![iter],
        _ => vec![],
    }
}

/// Calls `f` on every expression, pre-order.
fn exprs_mut(p: &mut Program, f: &mut dyn FnMut(&mut Expr)) {
    blocks_mut(p, &mut |b: &mut Block| {
        for s in &mut b.stmts {
            match s {
                Stmt::Let { init: Some(e), .. } | Stmt::Expr(e) => expr_walk_shallow(e, f),
                Stmt::Assign { value, .. } => expr_walk_shallow(value, f),
                _ => {}
            }
        }
        if let Some(t) = &mut b.tail {
            expr_walk_shallow(t, f);
        }
    });
}

/// `f` on `e` and its subexpressions, stopping at blocks (which
/// [`blocks_mut`] visits on its own).
fn expr_walk_shallow(e: &mut Expr, f: &mut dyn FnMut(&mut Expr)) {
    f(e);
    for c in children_mut(e) {
        expr_walk_shallow(c, f);
    }
}

/// The float-typed operands `e` could be replaced by.
fn float_operands(e: &Expr) -> Vec<Expr> {
    let mut out = Vec::new();
    let mut e = e.clone();
    match &e.kind {
        Kind::If { then, els, .. } => {
            if let Some(t) = &then.tail {
                out.push((**t).clone());
            }
            if let Some(x) = els {
                if let Kind::Block(b) = &x.kind {
                    if let Some(t) = &b.tail {
                        out.push((**t).clone());
                    }
                }
            }
        }
        Kind::Block(b) => {
            if let Some(t) = &b.tail {
                out.push((**t).clone());
            }
        }
        _ => {}
    }
    for c in children_mut(&mut e) {
        if c.float {
            out.push(c.clone());
        }
    }
    out
}

// ---- edits ------------------------------------------------------------------

/// One simplification, applied by position in the traversal order.
#[derive(Clone, Debug)]
enum Edit {
    DeleteStmt(usize),
    /// Replace a compound statement by the statements of its body
    /// (`0`: the first block, `1`: the `else` block).
    Unwrap(usize, usize),
    DropElse(usize),
    /// Replace float expression `site` by a replacement.
    Replace(usize, Replacement),
    DropHelper(usize),
    /// Delete top-level statements `start..end` of function `func` (helpers
    /// first, then `f`): removes much at once in early rounds.
    DeleteRange(usize, usize, usize),
    /// Replace a helper's body by its tail.
    StubHelper(usize),
    /// Remove parameter `i` of `f` (and its coordinates from the points).
    DropParam(usize),
}

#[derive(Clone, Debug)]
enum Replacement {
    Literal,
    Param(String),
    Operand(usize),
}

/// The statements of the body of a compound statement.
fn body_of(s: &Stmt, which: usize) -> Option<Vec<Stmt>> {
    let Stmt::Expr(e) = s else { return None };
    let b = match (&e.kind, which) {
        (Kind::If { then, .. }, 0) => then,
        (Kind::If { els: Some(x), .. }, 1) => match &x.kind {
            Kind::Block(b) => b,
            _ => return Some(vec![Stmt::Expr((**x).clone())]),
        },
        (Kind::For { body, .. } | Kind::While { body, .. } | Kind::Loop { body, .. }, 0) => body,
        (Kind::Block(b), 0) => b,
        (Kind::Match { arms, .. }, k) => match arms.get(k).map(|a| &a.body.kind) {
            Some(Kind::Block(b)) => b,
            _ => return None,
        },
        _ => return None,
    };
    let mut out = b.stmts.clone();
    if let Some(t) = &b.tail {
        out.push(Stmt::Expr((**t).clone()));
    }
    Some(out)
}

/// Applies `edit` to a copy of `p`; `None` if it does not apply.
fn apply(p: &Program, edit: &Edit) -> Option<Program> {
    let mut q = p.clone();
    let mut seen = 0usize;
    let mut done = false;
    match edit {
        Edit::DeleteStmt(k) | Edit::Unwrap(k, _) | Edit::DropElse(k) => {
            blocks_mut(&mut q, &mut |b: &mut Block| {
                if done || *k >= seen + b.stmts.len() {
                    seen += b.stmts.len();
                    return;
                }
                let at = k - seen;
                match edit {
                    Edit::DeleteStmt(_) => {
                        b.stmts.remove(at);
                        done = true;
                    }
                    Edit::Unwrap(_, which) => {
                        if let Some(body) = body_of(&b.stmts[at], *which) {
                            b.stmts.splice(at..=at, body);
                            done = true;
                        }
                    }
                    Edit::DropElse(_) => {
                        if let Stmt::Expr(Expr {
                            kind: Kind::If { els, .. },
                            ..
                        }) = &mut b.stmts[at]
                        {
                            if els.is_some() {
                                *els = None;
                                done = true;
                            }
                        }
                    }
                    _ => unreachable!(),
                }
                seen = usize::MAX / 2;
            });
        }
        Edit::Replace(k, r) => {
            let fl = p.main.ret;
            exprs_mut(&mut q, &mut |e: &mut Expr| {
                if done || !e.float {
                    return;
                }
                if seen == *k {
                    let new = match r {
                        Replacement::Literal => Expr::fl(Kind::Float {
                            value: 0.5,
                            suffix: Some(if fl == Fl::F64 { "_f64" } else { "_f32" }),
                        }),
                        Replacement::Param(name) => Expr::fpath(name),
                        Replacement::Operand(j) => match float_operands(e).into_iter().nth(*j) {
                            Some(x) => x,
                            None => return,
                        },
                    };
                    if *e != new {
                        *e = new;
                        done = true;
                    }
                }
                seen += 1;
            });
        }
        Edit::DropHelper(i) => {
            if *i < q.helpers.len() {
                q.helpers.remove(*i);
                done = true;
            }
        }
        Edit::DeleteRange(func, start, end) => {
            let n = q.helpers.len();
            let f = if *func < n {
                &mut q.helpers[*func]
            } else {
                &mut q.main
            };
            if *end <= f.body.stmts.len() && start < end {
                f.body.stmts.drain(*start..*end);
                done = true;
            }
        }
        Edit::DropParam(i) => {
            if *i < q.main.params.len() {
                let offsets = q.main.coord_offsets();
                let n = q.main.params[*i].ty.coords();
                let name = q.main.params.remove(*i).name;
                for pt in &mut q.points {
                    pt.drain(offsets[*i]..offsets[*i] + n);
                }
                if let Some(w) = &mut q.main.wrt {
                    w.retain(|x| x != &name);
                    if w.is_empty() {
                        return None;
                    }
                }
                done = true;
            }
        }
        Edit::StubHelper(i) => {
            if let Some(h) = q.helpers.get_mut(*i) {
                if !h.body.stmts.is_empty() {
                    h.body.stmts.clear();
                    done = true;
                }
            }
        }
    }
    done.then_some(q)
}

/// Every single-step simplification of `p`.
fn edits(p: &Program) -> Vec<Edit> {
    let mut out = Vec::new();
    let mut q = p.clone();
    let mut stmts = Vec::new();
    blocks_mut(&mut q, &mut |b: &mut Block| {
        for s in &b.stmts {
            stmts.push(s.clone());
        }
    });
    for (k, s) in stmts.iter().enumerate() {
        out.push(Edit::DeleteStmt(k));
        for which in 0..4 {
            if body_of(s, which).is_some() {
                out.push(Edit::Unwrap(k, which));
            }
        }
        if let Stmt::Expr(Expr {
            kind: Kind::If { els: Some(_), .. },
            ..
        }) = s
        {
            out.push(Edit::DropElse(k));
        }
    }
    // A scalar parameter of the program's float type, to stand in for values.
    let param = p.main.params.iter().find_map(|prm| match prm.ty {
        ParamTy::Scalar(f) if f == p.main.ret => Some(prm.name.clone()),
        _ => None,
    });
    let mut sites = Vec::new();
    exprs_mut(&mut q, &mut |e: &mut Expr| {
        if e.float {
            sites.push(e.clone());
        }
    });
    for (k, e) in sites.iter().enumerate() {
        if !matches!(e.kind, Kind::Float { .. }) {
            out.push(Edit::Replace(k, Replacement::Literal));
        }
        if let Some(name) = &param {
            if !matches!(&e.kind, Kind::Path(n) if n == name) {
                out.push(Edit::Replace(k, Replacement::Param(name.clone())));
            }
        }
        for j in 0..float_operands(e).len() {
            out.push(Edit::Replace(k, Replacement::Operand(j)));
        }
    }
    for i in 0..p.main.params.len() {
        out.push(Edit::DropParam(i));
    }
    for i in 0..p.helpers.len() {
        out.push(Edit::DropHelper(i));
        out.push(Edit::StubHelper(i));
    }
    // Halves, quarters, ... of each function's top-level statements.
    for (fi, f) in p.helpers.iter().chain(std::iter::once(&p.main)).enumerate() {
        let len = f.body.stmts.len();
        let mut chunk = len / 2;
        while chunk >= 2 {
            let mut start = 0;
            while start < len {
                out.push(Edit::DeleteRange(fi, start, (start + chunk).min(len)));
                start += chunk;
            }
            chunk /= 2;
        }
    }
    out
}

// ---- the reduction loop -------------------------------------------------------

/// A failure being shrunk.
pub struct Target {
    pub program: Program,
    pub outcome: Outcome,
    signature: String,
    tried: HashSet<String>,
    done: bool,
}

impl Target {
    pub fn new(program: Program, outcome: Outcome) -> Target {
        let signature = outcome.signature();
        let mut tried = HashSet::new();
        tried.insert(render::program_source(&program, false));
        Target {
            program,
            outcome,
            signature,
            tried,
            done: false,
        }
    }
}

/// Shrinks every target for at most `budget`, sharing one batch per round.
pub fn shrink(
    ws: &Workspace,
    targets: &mut [Target],
    budget: Duration,
) -> Result<usize, BuildError> {
    let start = Instant::now();
    let mut rounds = 0;
    while start.elapsed() < budget && targets.iter().any(|t| !t.done) {
        rounds += 1;
        // (target, candidate)
        let mut batch: Vec<(usize, Program)> = Vec::new();
        let active = targets.iter().filter(|t| !t.done).count().max(1);
        let per_target = (PER_ROUND / active).max(MIN_PER_TARGET);
        for (ti, t) in targets.iter_mut().enumerate() {
            if t.done {
                continue;
            }
            let mut cands: Vec<(usize, String, Program)> = Vec::new();
            for e in edits(&t.program) {
                if let Some(q) = apply(&t.program, &e) {
                    let src = render::program_source(&q, false);
                    if t.tried.contains(&src) || cands.iter().any(|(_, s, _)| s == &src) {
                        continue;
                    }
                    cands.push((render::size(&q), src, q));
                }
            }
            if cands.is_empty() {
                t.done = true;
                continue;
            }
            cands.sort_by_key(|c| c.0);
            for (_, src, q) in cands.into_iter().take(per_target) {
                t.tried.insert(src);
                batch.push((ti, q));
            }
        }
        if batch.is_empty() {
            break;
        }
        let programs: Vec<Program> = batch.iter().map(|(_, q)| q.clone()).collect();
        let (outcomes, _) = eval::evaluate(ws, &programs)?;
        let mut best: Vec<Option<(usize, Program, Outcome)>> = vec![None; targets.len()];
        for ((ti, q), o) in batch.into_iter().zip(outcomes) {
            if o.class != targets[ti].outcome.class || o.signature() != targets[ti].signature {
                continue;
            }
            let size = render::size(&q);
            if best[ti].as_ref().map_or(true, |(s, _, _)| size < *s) {
                best[ti] = Some((size, q, o));
            }
        }
        for (t, b) in targets.iter_mut().zip(best) {
            if let Some((_, q, o)) = b {
                t.program = q;
                t.outcome = o;
            }
        }
    }
    Ok(rounds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_edit_applies_or_declines_and_shrinks() {
        for seed in 0..30u64 {
            let p = crate::gen::program(seed);
            let size = render::size(&p);
            for e in edits(&p) {
                if let Some(q) = apply(&p, &e) {
                    let coords: usize = q.main.params.iter().map(|p| p.ty.coords()).sum();
                    assert!(q.points.iter().all(|x| x.len() == coords), "{e:?}");
                    // Deleting never grows the program.
                    if matches!(
                        e,
                        Edit::DeleteStmt(_) | Edit::DeleteRange(..) | Edit::DropHelper(_)
                    ) {
                        assert!(render::size(&q) < size, "{e:?}");
                    }
                }
            }
        }
    }
}
