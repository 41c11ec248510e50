//! Statements: the dispatcher that picks one statement kind at a time
//! ([`Gen::statements_one`], weighted by the program's style) and the nested
//! blocks that branches and loops share. The statement kinds live in the
//! submodules, one family each.

mod assign;
mod binding;
mod branch;
mod buffer;
mod buffer_loop;
mod call;
mod closure;
mod counter;
mod for_loop;
mod loops;
mod macros;
mod method;
mod refill;
mod sum_after;

use super::{BufKind, Gen, VTy, LIMIT};
use crate::ast::*;
use assign::Target;

/// Loops are not nested deeper than this product of trip counts.
const MAX_TRIPS: u64 = 40;

impl Gen {
    /// A block of up to `max` statements, then `epilogue` adds statements at
    /// its end while the block's own variables (which may shadow outer ones)
    /// are still in scope.
    fn sub_block_then(&mut self, max: i32, epilogue: impl FnOnce(&mut Gen, &mut Block)) -> Block {
        self.depth += 1;
        let n = self.rng.i32(1..=max.max(1));
        let b = self.scoped(|g| {
            let mut stmts = Vec::new();
            for _ in 0..n {
                stmts.extend(g.statements_one());
                if g.budget <= 0 {
                    break;
                }
            }
            let mut b = Block { stmts, tail: None };
            epilogue(g, &mut b);
            b
        });
        self.depth -= 1;
        b
    }

    /// Adds an update of outer accumulator `acc` to `b`, unless the block
    /// shadowed it.
    fn update_accumulator(&mut self, acc: Option<usize>, b: &mut Block) {
        let Some(a) = acc else { return };
        if !self.visible().contains(&a) {
            return;
        }
        let s = self.assignment(Target::Var(a));
        b.stmts.push(s);
    }

    /// A block that ends by updating an outer variable, if there is one.
    fn effect_block(&mut self, max: i32) -> Block {
        let p = self.rng.f64();
        self.sub_block_then(max, |g, b| {
            let targets = g.targets();
            let updates = b.stmts.iter().any(|s| matches!(s, Stmt::Assign { .. }));
            if !targets.is_empty() && (!updates || p < 0.3) {
                let t = g.rng.usize(0..targets.len());
                let t = targets.into_iter().nth(t).unwrap();
                let s = g.assignment(t);
                b.stmts.push(s);
            }
        })
    }

    /// One statement, or a few that belong together; consumes budget.
    pub(in crate::gen) fn statements_one(&mut self) -> Vec<Stmt> {
        self.budget -= 1;
        let in_loop = !self.loops.is_empty();
        let nest_ok = self.depth < 3 && self.trips < MAX_TRIPS;
        let rare = self.rare;
        let floats = self.visible_where(|v| matches!(v.ty, VTy::F) && !Self::is_const(&v.name));
        let targets = self.targets();
        let writable: Vec<usize> = self
            .visible()
            .into_iter()
            .filter(|&i| self.writable_buffer(&self.vars[i].clone()))
            .collect();
        let vecs: Vec<usize> = writable
            .iter()
            .cloned()
            .filter(|&i| {
                matches!(
                    self.vars[i].ty,
                    VTy::Buf {
                        kind: BufKind::Vec,
                        ..
                    }
                )
            })
            .collect();
        let readable: Vec<usize> = self
            .visible_where(|v| matches!(v.ty, VTy::Buf { .. }))
            .into_iter()
            .filter(|&i| self.readable(&self.vars[i].clone()))
            .collect();
        let out_helpers = self.helpers.iter().any(|h| h.out.is_some());
        let swappable = self.swappable();
        let weights = [
            16,                                      // 0 let
            if floats.is_empty() { 0 } else { 4 },   // 1 shadow
            if targets.is_empty() { 0 } else { 14 }, // 2 assign
            if nest_ok { 7 } else { 0 },             // 3 if
            if nest_ok { 9 } else { 0 },             // 4 for
            if nest_ok { 3 } else { 0 },             // 5 while
            if nest_ok { 2 } else { 0 },             // 6 loop
            if nest_ok && rare { 2 } else { 0 },     // 7 loop value
            if nest_ok { 2 } else { 0 },             // 8 match
            if self.unit { 0 } else { 2 },           // 9 return
            if self.depth < 2 { 6 } else { 0 },      // 10 local buffer
            if writable.is_empty() { 0 } else { 8 }, // 11 buffer write
            if rare { 2 } else { 0 },                // 12 nested block
            if rare { 3 } else { 1 },                // 13 tuple let
            2,                                       // 14 deferred let
            if rare { 1 } else { 0 },                // 15 const
            if in_loop { 5 } else { 0 },             // 16 break/continue
            if vecs.is_empty() || self.depth > 0 {
                0
            } else {
                2
            }, // 17 push
            if vecs.is_empty() || !nest_ok { 0 } else { 2 }, // 18 iter_mut
            if nest_ok && self.depth == 0 { 2 } else { 0 }, // 19 scratch loop
            if rare && self.exotic { 1 } else { 0 }, // 20 labelled block
            if out_helpers { 6 } else { 0 },         // 21 out-parameter call
            if writable.is_empty() { 0 } else { 3 }, // 22 buffer method
            3,                                       // 23 named closure
            if readable.is_empty() || !nest_ok {
                0
            } else {
                2
            }, // 24 if let
            if readable.is_empty() || !nest_ok {
                0
            } else {
                1
            }, // 25 while let
            2,                                       // 26 reference, box
            1,                                       // 27 assertion
            if swappable.is_empty() { 0 } else { 1 }, // 28 std::mem::swap
            if nest_ok { 2 } else { 0 },             // 29 running index
            if nest_ok && self.depth <= 1 { 1 } else { 0 }, // 30 scratch refilled
            if nest_ok { 2 } else { 0 },             // 31 sum used nonlinearly
        ];
        // Statement kinds each style makes more frequent.
        let boosted: &[usize] = match self.style {
            super::Style::Balanced => &[],
            super::Style::Buffers => &[10, 11, 17, 18, 19, 22, 29, 30],
            super::Style::Loops => &[4, 5, 6, 7, 16, 19, 25, 29, 30, 31],
            super::Style::Scalar => &[0, 1, 2, 3, 8, 14, 23, 26],
        };
        let weights: Vec<u32> = weights
            .iter()
            .enumerate()
            .map(|(k, &w)| if boosted.contains(&k) { w * 3 } else { w })
            .collect();
        let choice = self.weighted(&weights);
        match choice {
            0 => {
                let name = self.fresh("a");
                let (e, iv) = self.float_bounded(self.max_depth, LIMIT);
                let m = self.chance(0.45);
                vec![self.let_float(&name, m, e, iv)]
            }
            1 => {
                self.tag("shadowing");
                let i = *self.pick(&floats);
                let name = self.vars[i].name.clone();
                let (e, iv) = self.float_bounded(self.max_depth, LIMIT);
                let m = self.chance(0.3);
                vec![self.let_float(&name, m, e, iv)]
            }
            2 => {
                let t = self.rng.usize(0..targets.len());
                let t = targets.into_iter().nth(t).unwrap();
                vec![self.assignment(t)]
            }
            3 => vec![self.if_stmt()],
            4 => self.for_loop(),
            5 => self.while_loop(),
            6 => self.loop_stmt(false),
            7 => self.loop_stmt(true),
            8 => vec![self.match_stmt()],
            9 => vec![self.early_return()],
            10 => self.local_buffer(),
            11 => {
                let b = *self.pick(&writable);
                vec![self.buffer_write(b)]
            }
            12 => {
                self.tag("nested block");
                let b = self.effect_block(3);
                vec![Stmt::Expr(Expr::new(Kind::Block(b)))]
            }
            13 => vec![self.tuple_let()],
            14 => self.deferred_let(),
            15 => vec![self.const_item()],
            16 => vec![self.loop_exit()],
            17 => {
                self.tag("push");
                let b = *self.pick(&vecs);
                let (e, iv) = self.float_bounded(2, 100.0);
                let name = self.vars[b].name.clone();
                if let VTy::Buf { len: Some(l), kind } = self.vars[b].ty {
                    self.vars[b].ty = VTy::Buf {
                        len: Some(l + 1),
                        kind,
                    };
                }
                self.vars[b].iv = self.vars[b].iv.hull(iv);
                vec![Stmt::Expr(Expr::method(Expr::path(&name), "push", vec![e]))]
            }
            18 => {
                let b = *self.pick(&vecs);
                self.iter_mut_loop(b)
            }
            19 => self.scratch_loop(),
            20 => vec![self.labelled_block()],
            21 => self.out_call(),
            22 => {
                let b = *self.pick(&writable);
                self.buffer_method(b)
            }
            23 => self.named_closure(),
            24 => vec![self.if_let_stmt(&readable)],
            25 => self.while_let(&readable),
            26 => vec![self.reference_let()],
            27 => vec![self.assertion()],
            28 => vec![self.mem_swap(&swappable)],
            29 => self.counter_nest(),
            30 => self.refill_loop(),
            _ => self.sum_then_nonlinear(),
        }
    }
}
