//! Lowering of control flow: `if`, `match`, `&&`/`||`, loops and early exits.
//!
//! Every construct becomes a structured node whose blocks are lowered in turn.
//! Variables the construct assigns become slots first (see `assigned.rs`); a
//! value-producing construct writes its arms' values into a result slot.
//!
//! `break`, `continue` and `return` set a flag slot and make the rest of their
//! block unreachable; every enclosing block guards the statements after them with
//! `if !flag`, and every loop they cross ends its iteration when a flag is set.
//! The result has no jumps, so the reverse sweep can replay each construct from
//! its recorded decision (a condition, an arm index, a trip count) alone.

use super::{assigned, pattern, span_of, unsupported, Exit, LoopContext, Lowered, Lowerer};
use crate::ir::{Arm, BlockId, Loop, LoopKind, Node, Op, Opaque, SlotId, SlotInit, ValueId, ROOT};
use proc_macro2::Span;
use quote::quote;
use std::collections::HashMap;
use syn::spanned::Spanned;
use syn::{BinOp, Expr, Token, UnOp};

/// Which flag of a loop.
#[derive(Clone, Copy)]
enum Flag {
    Break,
    Continue,
}

/// Where a branch's or block's value goes: one slot, or, for a slice, the
/// slots of its bounds (every arm slices the same buffer or row).
pub(super) enum ResultSlot {
    Value(SlotId),
    /// `if c { (a, b) } else { (b, a) }`: one result per element.
    Tuple(Vec<Option<ResultSlot>>),
    Slice {
        root: ValueId,
        prefix: Vec<ValueId>,
        start: SlotId,
        end: SlotId,
    },
}

impl Lowerer {
    /// `!(f1 || f2 || ...)`: whether none of the exit flags is set.
    pub(super) fn none_set(&mut self, flags: &[SlotId], span: Span) -> ValueId {
        let mut unique: Vec<SlotId> = Vec::new();
        for flag in flags {
            if !unique.contains(flag) {
                unique.push(*flag);
            }
        }
        let mut any: Option<ValueId> = None;
        for flag in unique {
            let read = self.push(Op::ReadSlot(flag), span);
            any = Some(match any {
                None => read,
                Some(previous) => {
                    let or = BinOp::Or(Token![||](span));
                    self.push(Op::Opaque(Opaque::Binary(or, previous, read)), span)
                }
            });
        }
        let any = match any {
            Some(any) => any,
            None => self.push(Op::Const(quote!(false)), span),
        };
        self.push(
            Op::Opaque(Opaque::Unary(UnOp::Not(Token![!](span)), any)),
            span,
        )
    }

    /// Sets an exit flag; it stays pending until the construct it targets.
    fn set_flag(&mut self, flag: SlotId, span: Span) {
        let yes = self.push(Op::Const(quote!(true)), span);
        self.push_node(Node::Write {
            slot: flag,
            value: yes,
        });
        self.pending.push(flag);
    }

    /// The id of the block at `index` in the stack of open blocks.
    fn open_block_id(&self, index: usize) -> BlockId {
        match index {
            0 => ROOT,
            _ => self.block_ids.get(index - 1).copied().unwrap_or(ROOT),
        }
    }

    /// Writes an arm's value into the construct's result slot, declaring the slot
    /// (before the construct, at `insert_at` of the open block `enclosing`) when
    /// the first arm produces a value.
    pub(super) fn write_result(
        &mut self,
        result: &mut Option<ResultSlot>,
        value: &Lowered,
        (enclosing, insert_at): (usize, usize),
        span: Span,
    ) -> syn::Result<()> {
        let value = match value {
            Lowered::Value(value) => *value,
            Lowered::Unit | Lowered::Never => return Ok(()),
            Lowered::Poison => return Err(super::cascade(span)),
            // `if c { &x[1..] } else { &x[..2] }`: the bounds go through slots.
            Lowered::Slice(slice) => {
                if result.is_none() {
                    let start = self.result_slot("start", (enclosing, insert_at));
                    let end = self.result_slot("end", (enclosing, insert_at));
                    *result = Some(ResultSlot::Slice {
                        root: slice.root,
                        prefix: slice.prefix.clone(),
                        start,
                        end,
                    });
                }
                return match result {
                    Some(ResultSlot::Slice {
                        root,
                        prefix,
                        start,
                        end,
                    }) if *root == slice.root && *prefix == slice.prefix => {
                        let (start, end) = (*start, *end);
                        self.push_node(Node::Write {
                            slot: start,
                            value: slice.start,
                        });
                        self.push_node(Node::Write {
                            slot: end,
                            value: slice.end,
                        });
                        Ok(())
                    }
                    _ => Err(unsupported(
                        span,
                        "a branch or loop that produces slices of different buffers or rows, or a slice in one arm and something else in another,",
                    )),
                };
            }
            Lowered::Tuple(elements) => {
                if result.is_none() {
                    *result = Some(ResultSlot::Tuple(elements.iter().map(|_| None).collect()));
                }
                return match result {
                    Some(ResultSlot::Tuple(parts)) if parts.len() == elements.len() => {
                        for (part, element) in parts.iter_mut().zip(elements) {
                            self.write_result(part, element, (enclosing, insert_at), span)?;
                        }
                        Ok(())
                    }
                    _ => Err(unsupported(
                        span,
                        "a branch or loop that produces tuples of different shapes, or a tuple in one arm and something else in another,",
                    )),
                };
            }
            Lowered::View(..) | Lowered::Closure(_) => {
                return Err(unsupported(
                    span,
                    "a branch or loop that produces a closure or a whole row of a buffer",
                ))
            }
        };
        let slot = match result {
            Some(ResultSlot::Value(slot)) => *slot,
            Some(ResultSlot::Slice { .. } | ResultSlot::Tuple(_)) => {
                return Err(unsupported(
                    span,
                    "a branch or loop that produces a slice or a tuple in one arm and something else in another",
                ))
            }
            None => {
                let slot = self.result_slot("value", (enclosing, insert_at));
                *result = Some(ResultSlot::Value(slot));
                slot
            }
        };
        if self.is_float_value(value) {
            self.float_slots.insert(slot);
        }
        self.push_node(Node::Write { slot, value });
        Ok(())
    }

    /// A slot for a construct's result, declared before the construct.
    fn result_slot(&mut self, name: &str, (enclosing, insert_at): (usize, usize)) -> SlotId {
        let home = self.open_block_id(enclosing);
        let slot = self.new_slot(name, home);
        let declare = Node::Declare {
            slot,
            init: SlotInit::Default,
        };
        if let Some(nodes) = self.open.get_mut(enclosing) {
            nodes.insert(insert_at, declare);
        }
        slot
    }

    /// The value of a construct whose arms wrote `result`.
    pub(super) fn read_result(
        &mut self,
        result: Option<ResultSlot>,
        all_diverge: bool,
        span: Span,
    ) -> Lowered {
        match result {
            _ if all_diverge => Lowered::Never,
            Some(ResultSlot::Value(slot)) => Lowered::Value(self.push(Op::ReadSlot(slot), span)),
            Some(ResultSlot::Tuple(parts)) => Lowered::Tuple(
                parts
                    .into_iter()
                    .map(|part| self.read_result(part, false, span))
                    .collect(),
            ),
            Some(ResultSlot::Slice {
                root,
                prefix,
                start,
                end,
            }) => Lowered::Slice(Box::new(super::slices::SliceView {
                root,
                prefix,
                start: self.read_slot(start, span),
                end: self.read_slot(end, span),
            })),
            None => Lowered::Unit,
        }
    }

    pub(super) fn lower_if(&mut self, if_expr: &syn::ExprIf) -> syn::Result<Lowered> {
        let span = if_expr.if_token.span;
        if let Expr::Let(let_expr) = &*if_expr.cond {
            return self.lower_if_let(if_expr, let_expr);
        }
        let cond = self.lower_value(&if_expr.cond)?;
        let mut names = assigned::in_stmts(&if_expr.then_branch.stmts);
        if let Some((_, otherwise)) = &if_expr.else_branch {
            names.extend(assigned::in_expr(otherwise));
        }
        self.slots_for(&names, span)?;
        let place = (self.open.len() - 1, self.nodes().len());
        let mut result = None;
        self.open_block(false);
        let then_value = self.lower_stmts(&if_expr.then_branch.stmts)?;
        self.write_result(&mut result, &then_value, place, span)?;
        let then = self.close_block();
        self.open_block(false);
        let else_value = match &if_expr.else_branch {
            Some((_, otherwise)) => self.lower_expr(otherwise)?,
            None => Lowered::Unit,
        };
        self.write_result(&mut result, &else_value, place, span)?;
        let otherwise = self.close_block();
        self.push_node(Node::If {
            cond,
            then,
            otherwise,
        });
        let diverge = matches!((&then_value, &else_value), (Lowered::Never, Lowered::Never));
        Ok(self.read_result(result, diverge, span))
    }

    /// `a && b` is `if a { b } else { false }`, and `a || b` is
    /// `if a { true } else { b }`: `b` is evaluated only when it decides.
    pub(super) fn lower_short_circuit(&mut self, binary: &syn::ExprBinary) -> syn::Result<Lowered> {
        let span = binary.op.span();
        let is_and = matches!(binary.op, BinOp::And(_));
        let left = self.lower_value(&binary.left)?;
        self.slots_for(&assigned::in_expr(&binary.right), span)?;
        let name = if is_and { "&&" } else { "||" };
        let slot = self.declare_slot(name, SlotInit::Default);
        let arm = |lowerer: &mut Lowerer, evaluate_right: bool| -> syn::Result<crate::ir::Block> {
            lowerer.open_block(false);
            let value = if evaluate_right {
                lowerer.lower_value(&binary.right)?
            } else {
                lowerer.push(
                    Op::Const(if is_and { quote!(false) } else { quote!(true) }),
                    span,
                )
            };
            lowerer.push_node(Node::Write { slot, value });
            Ok(lowerer.close_block())
        };
        let then = arm(self, is_and)?;
        let otherwise = arm(self, !is_and)?;
        self.push_node(Node::If {
            cond: left,
            then,
            otherwise,
        });
        Ok(Lowered::Value(self.push(Op::ReadSlot(slot), span)))
    }

    pub(super) fn lower_match(&mut self, match_expr: &syn::ExprMatch) -> syn::Result<Lowered> {
        if let Some(if_let) = option_match_as_if_let(match_expr) {
            return self.lower_expr(&if_let);
        }
        let span = match_expr.match_token.span;
        let scrutinee = match self.lower_expr(&match_expr.expr)? {
            // `match (a > 0.0, b > 0.0)`: the tuple, as one value.
            Lowered::Tuple(elements) => {
                let elements = elements
                    .into_iter()
                    .map(|element| {
                        self.expect_value(element, span_of(&match_expr.expr), "a tuple element")
                    })
                    .collect::<syn::Result<Vec<_>>>()?;
                self.push(
                    Op::Opaque(Opaque::Tuple(elements)),
                    span_of(&match_expr.expr),
                )
            }
            other => self.expect_value(other, span_of(&match_expr.expr), "the matched value")?,
        };
        let mut names = std::collections::BTreeMap::new();
        for arm in &match_expr.arms {
            names.extend(assigned::in_expr(&arm.body));
        }
        self.slots_for(&names, span)?;
        let decision = self.push(Op::Decision, span);
        let place = (self.open.len() - 1, self.nodes().len());
        let mut result = None;
        let mut arms = Vec::with_capacity(match_expr.arms.len());
        let mut all_diverge = true;
        for arm in &match_expr.arms {
            let renamed = pattern::rename(&arm.pat, &mut self.pattern_names)?;
            let guard = match &arm.guard {
                Some((_, guard)) => {
                    self.open_block(false);
                    self.scopes.push(HashMap::new());
                    self.bind_arm(&renamed.bindings, scrutinee);
                    let value = self.lower_value(guard)?;
                    self.scopes.pop();
                    Some((self.close_block(), value))
                }
                None => None,
            };
            self.open_block(false);
            self.scopes.push(HashMap::new());
            self.bind_arm(&renamed.bindings, scrutinee);
            let value = self.lower_expr(&arm.body)?;
            all_diverge &= matches!(value, Lowered::Never);
            self.write_result(&mut result, &value, place, arm.body.span())?;
            self.scopes.pop();
            let body = self.close_block();
            arms.push(Arm {
                pat: renamed.pat,
                guard,
                body,
            });
        }
        self.push_node(Node::Match {
            scrutinee,
            arms,
            decision,
        });
        Ok(self.read_result(result, all_diverge && !match_expr.arms.is_empty(), span))
    }

    /// Defines the values a match arm's pattern binds and names them in scope.
    fn bind_arm(&mut self, bindings: &[pattern::PatternBinding], scrutinee: ValueId) {
        for binding in bindings {
            let op = Op::Binding {
                scrutinee,
                whole: binding.whole,
                pattern_name: binding.id,
            };
            let value = self.push(op, binding.name.span());
            self.bind(&binding.name, Lowered::Value(value), binding.mutable);
        }
    }

    /// Starts a loop: its context, and the trip counter defined before it.
    pub(super) fn begin_loop(
        &mut self,
        label: &Option<syn::Label>,
        span: Span,
    ) -> (ValueId, usize) {
        let insert_at = self.nodes().len();
        let trip = self.push(Op::TripCount, span);
        self.loops.push(LoopContext {
            labelled_block: false,
            label: label.as_ref().map(|label| label.name.ident.to_string()),
            home: self.current_block(),
            break_flag: None,
            continue_flag: None,
            result: None,
            declarations: Vec::new(),
        });
        (trip, insert_at)
    }

    /// Ends a loop: the flags its body set end it (its own `continue` only ends
    /// the iteration); flags aimed further out stay pending; the flag and result
    /// declarations go before the loop.
    pub(super) fn finish_loop(
        &mut self,
        kind: LoopKind,
        body: crate::ir::Block,
        (trip, insert_at): (ValueId, usize),
        pending_before: usize,
        span: Span,
    ) -> Lowered {
        let context = self.loops.pop().unwrap_or_else(|| LoopContext {
            labelled_block: false,
            label: None,
            home: ROOT,
            break_flag: None,
            continue_flag: None,
            result: None,
            declarations: Vec::new(),
        });
        let set: Vec<SlotId> = self.pending.split_off(pending_before);
        let mut exit_flags: Vec<SlotId> = Vec::new();
        for flag in set {
            if Some(flag) == context.continue_flag || exit_flags.contains(&flag) {
                continue;
            }
            exit_flags.push(flag);
            if Some(flag) != context.break_flag {
                self.pending.push(flag);
            }
        }
        let nodes = self.nodes();
        for (offset, node) in context.declarations.into_iter().enumerate() {
            nodes.insert(insert_at + offset, node);
        }
        // `loop { .. }` with nothing that leaves it never ends.
        let endless = matches!(kind, LoopKind::Infinite) && exit_flags.is_empty();
        self.push_node(Node::Loop(Loop {
            kind,
            body,
            trip,
            exit_flags,
            continue_flag: context.continue_flag,
            break_flag: context.break_flag,
        }));
        match context.result {
            Some(slot) => Lowered::Value(self.push(Op::ReadSlot(slot), span)),
            None if endless => Lowered::Never,
            None => Lowered::Unit,
        }
    }

    /// The flag of loop `index`, declared before that loop on first use.
    fn loop_flag(&mut self, index: usize, which: Flag, span: Span) -> SlotId {
        let existing = match which {
            Flag::Break => self.loops[index].break_flag,
            Flag::Continue => self.loops[index].continue_flag,
        };
        if let Some(flag) = existing {
            return flag;
        }
        let home = self.loops[index].home;
        let no = self.detached(Op::Const(quote!(false)), span, home);
        let name = match which {
            Flag::Break => "break flag",
            Flag::Continue => "continue flag",
        };
        let slot = self.new_slot(name, home);
        let context = &mut self.loops[index];
        context.declarations.push(Node::Def(no));
        context.declarations.push(Node::Declare {
            slot,
            init: SlotInit::Value(no),
        });
        match which {
            Flag::Break => context.break_flag = Some(slot),
            Flag::Continue => context.continue_flag = Some(slot),
        }
        slot
    }

    /// The loop a `break`/`continue` with `label` refers to.
    fn find_loop(&self, label: Option<&syn::Lifetime>, span: Span) -> syn::Result<usize> {
        let found = match label {
            None => self
                .loops
                .iter()
                .rposition(|context| !context.labelled_block),
            Some(label) => {
                let name = label.ident.to_string();
                self.loops
                    .iter()
                    .rposition(|context| context.label.as_deref() == Some(&name))
            }
        };
        found.ok_or_else(|| {
            syn::Error::new(
                span,
                "this `break` or `continue` is not inside a loop it can target",
            )
        })
    }

    pub(super) fn lower_for(&mut self, for_loop: &syn::ExprForLoop) -> syn::Result<Lowered> {
        if let Some(forward) = reversed_range_as_forward(for_loop) {
            return self.lower_expr(&forward);
        }
        let span = span_of(&for_loop.expr);
        let chain = self.parse_chain(&for_loop.expr)?;
        // `for e in v.iter_mut()`, `for row in &mut m`: the item is a `&mut`
        // borrow, which a call given it by name (`update(w, e)`) is lent.
        let mutable_item = match (&chain, &*for_loop.pat) {
            (super::chain::Chain::Buffer { place: true, .. }, syn::Pat::Ident(ident)) => {
                Some(ident.ident.to_string())
            }
            _ => None,
        };
        self.slots_for(&assigned::in_stmts(&for_loop.body.stmts), span)?;
        self.writes_ahead
            .push(assigned::written_across_iterations(&for_loop.body.stmts));
        self.loop_over(&chain, &for_loop.label, span, &mut |lowerer, item| {
            lowerer.binding_references = true;
            let bound = lowerer.bind_pattern(&for_loop.pat, item, None);
            lowerer.binding_references = false;
            bound?;
            if let Some(name) = &mutable_item {
                lowerer.mut_reference_names.insert(name.clone());
            }
            lowerer.lower_stmts(&for_loop.body.stmts)?;
            Ok(())
        })?;
        self.writes_ahead.pop();
        Ok(Lowered::Unit)
    }

    /// `while c { body }` is `loop { if c { body } else { break } }`.
    pub(super) fn lower_while(&mut self, while_loop: &syn::ExprWhile) -> syn::Result<Lowered> {
        let span = while_loop.while_token.span;
        if let Expr::Let(let_expr) = &*while_loop.cond {
            return self.lower_while_let(while_loop, let_expr);
        }
        let mut names = assigned::in_expr(&while_loop.cond);
        names.extend(assigned::in_stmts(&while_loop.body.stmts));
        self.slots_for(&names, span)?;
        self.writes_ahead
            .push(assigned::written_across_iterations(&while_loop.body.stmts));
        let start = self.begin_loop(&while_loop.label, span);
        let index = self.loops.len() - 1;
        let break_flag = self.loop_flag(index, Flag::Break, span);
        let pending_before = self.pending.len();
        self.open_block(true);
        let cond = self.lower_value(&while_loop.cond)?;
        self.open_block(false);
        self.lower_stmts(&while_loop.body.stmts)?;
        let then = self.close_block();
        self.open_block(false);
        self.set_flag(break_flag, span);
        let otherwise = self.close_block();
        self.push_node(Node::If {
            cond,
            then,
            otherwise,
        });
        let body = self.close_block();
        self.writes_ahead.pop();
        Ok(self.finish_loop(LoopKind::Infinite, body, start, pending_before, span))
    }

    pub(super) fn lower_loop(&mut self, loop_expr: &syn::ExprLoop) -> syn::Result<Lowered> {
        self.lower_loop_of(loop_expr, false)
    }

    /// `'a: { .. break 'a v; .. }` is `'a: loop { break 'a { .. } }`, a loop
    /// that runs once and that only `break 'a` targets.
    pub(super) fn lower_labelled_block(
        &mut self,
        block: &syn::ExprBlock,
        label: &syn::Label,
    ) -> syn::Result<Lowered> {
        let name = &label.name;
        let stmts = &block.block.stmts;
        let span = name.span();
        let looped: syn::ExprLoop =
            syn::parse_quote_spanned!(span=> #name: loop { break #name { #(#stmts)* }; });
        self.lower_loop_of(&looped, true)
    }

    fn lower_loop_of(
        &mut self,
        loop_expr: &syn::ExprLoop,
        labelled_block: bool,
    ) -> syn::Result<Lowered> {
        let span = loop_expr.loop_token.span;
        self.slots_for(&assigned::in_stmts(&loop_expr.body.stmts), span)?;
        self.writes_ahead
            .push(assigned::written_across_iterations(&loop_expr.body.stmts));
        let start = self.begin_loop(&loop_expr.label, span);
        if let Some(context) = self.loops.last_mut() {
            context.labelled_block = labelled_block;
        }
        let pending_before = self.pending.len();
        self.open_block(true);
        self.lower_stmts(&loop_expr.body.stmts)?;
        let body = self.close_block();
        self.writes_ahead.pop();
        Ok(self.finish_loop(LoopKind::Infinite, body, start, pending_before, span))
    }

    pub(super) fn lower_break(&mut self, break_expr: &syn::ExprBreak) -> syn::Result<Lowered> {
        let span = break_expr.break_token.span;
        let index = self.find_loop(break_expr.label.as_ref(), span)?;
        let pending_before = self.pending.len();
        // A unit value (`break 'r { ..; }`, from a closure's `return;`
        // around a body that ends in a statement) is no value.
        let value = match &break_expr.expr {
            Some(value) => match self.lower_expr(value)? {
                Lowered::Unit => None,
                Lowered::Never => return Ok(Lowered::Never),
                lowered => Some(self.expect_value(lowered, span_of(value), "this expression")?),
            },
            None => None,
        };
        let nothing = std::collections::BTreeMap::new();
        self.write_unless_exited(pending_before, &nothing, span, |this| {
            this.write_break(index, value, span)
        })?;
        Ok(Lowered::Never)
    }

    /// `break` out of loop `index`, with its value.
    fn write_break(&mut self, index: usize, value: Option<ValueId>, span: Span) -> syn::Result<()> {
        if let Some(value) = value {
            let slot = match self.loops[index].result {
                Some(slot) => slot,
                None => {
                    let home = self.loops[index].home;
                    let slot = self.new_slot("loop value", home);
                    let context = &mut self.loops[index];
                    context.declarations.push(Node::Declare {
                        slot,
                        init: SlotInit::Default,
                    });
                    context.result = Some(slot);
                    slot
                }
            };
            self.push_node(Node::Write { slot, value });
        }
        let flag = self.loop_flag(index, Flag::Break, span);
        self.set_flag(flag, span);
        Ok(())
    }

    pub(super) fn lower_continue(
        &mut self,
        continue_expr: &syn::ExprContinue,
    ) -> syn::Result<Lowered> {
        let span = continue_expr.continue_token.span;
        let index = self.find_loop(continue_expr.label.as_ref(), span)?;
        let flag = self.loop_flag(index, Flag::Continue, span);
        self.set_flag(flag, span);
        Ok(Lowered::Never)
    }

    pub(super) fn lower_return(&mut self, return_expr: &syn::ExprReturn) -> syn::Result<Lowered> {
        let span = return_expr.return_token.span;
        let pending_before = self.pending.len();
        let value = match &return_expr.expr {
            Some(value) => self.lower_value(value)?,
            None if self.unit_return => self.push(Op::Const(quote!(())), span),
            None => {
                return Err(syn::Error::new(
                    span,
                    "`return` needs a value: the function returns a float",
                ))
            }
        };
        match &self.exit {
            // Without early returns, the only `return` is the function's last
            // statement: its value is the result.
            None => Ok(Lowered::Value(value)),
            Some(Exit { flag, result }) => {
                let (flag, result) = (*flag, *result);
                let nothing = std::collections::BTreeMap::new();
                self.write_unless_exited(pending_before, &nothing, span, |this| {
                    this.push_node(Node::Write {
                        slot: result,
                        value,
                    });
                    this.set_flag(flag, span);
                    Ok(())
                })?;
                Ok(Lowered::Never)
            }
        }
    }

    /// The body of a function with early returns: every `return` writes the result
    /// slot and sets the return flag; the tail value is written only if no
    /// `return` ran.
    pub(super) fn lower_with_early_returns(
        &mut self,
        stmts: &[syn::Stmt],
        span: Span,
    ) -> syn::Result<ValueId> {
        let no = self.push(Op::Const(quote!(false)), span);
        let flag = self.declare_slot("return flag", SlotInit::Value(no));
        let result = self.declare_slot("return value", SlotInit::Default);
        self.exit = Some(Exit { flag, result });
        let value = self.lower_stmts(stmts)?;
        if let Lowered::Value(value) = value {
            let not_returned = self.none_set(&[flag], span);
            self.open_block(false);
            self.push_node(Node::Write {
                slot: result,
                value,
            });
            let then = self.close_block();
            self.push_if_then(not_returned, then);
        } else if let Lowered::Tuple(_) = value {
            return Err(syn::Error::new(span, "the function's result is a tuple"));
        }
        self.pending.clear();
        Ok(self.push(Op::ReadSlot(result), span))
    }
}

/// `match x.get(i) { Some(p) => a, None => b }` (or `_ => b`, arms in
/// either order) of an element's `Option` as the `if let Some(p) = x.get(i)
/// { a } else { b }` it means, which is lowered as a check and an element
/// read (see `Lowerer::lower_optional_use`).
fn option_match_as_if_let(match_expr: &syn::ExprMatch) -> Option<Expr> {
    let Expr::MethodCall(call) = &*match_expr.expr else {
        return None;
    };
    if !["get", "first", "last", "pop"].contains(&call.method.to_string().as_str()) {
        return None;
    }
    let [first, second] = &match_expr.arms[..] else {
        return None;
    };
    if first.guard.is_some() || second.guard.is_some() {
        return None;
    }
    let is_some = |pat: &syn::Pat| match pat {
        syn::Pat::TupleStruct(tuple) => {
            tuple
                .path
                .segments
                .last()
                .is_some_and(|s| s.ident == "Some")
                && tuple.elems.len() == 1
        }
        _ => false,
    };
    let is_none = |pat: &syn::Pat| match pat {
        syn::Pat::Wild(_) => true,
        syn::Pat::Ident(ident) => ident.ident == "None" && ident.subpat.is_none(),
        syn::Pat::Path(path) => path.path.segments.last().is_some_and(|s| s.ident == "None"),
        _ => false,
    };
    let (some, none) = match (is_some(&first.pat), is_none(&second.pat)) {
        (true, true) => (first, second),
        _ if is_some(&second.pat)
            && is_none(&first.pat)
            && !matches!(first.pat, syn::Pat::Wild(_)) =>
        {
            (second, first)
        }
        _ => return None,
    };
    let (pat, scrutinee) = (&some.pat, &match_expr.expr);
    let (then, otherwise) = (&some.body, &none.body);
    Some(syn::parse_quote!(if let #pat = #scrutinee { #then } else { #otherwise }))
}

/// `for j in (a..b).rev() { body }` as `{ let (s, e) = (a, b); for k in
/// 0..range_len(s, e) { let j = e - 1 - k; body } }` (and `a..=b` likewise): the item is then
/// index arithmetic on a range's item, which the reverse sweep recomputes
/// from the iteration instead of saving (a reversed range is otherwise an
/// opaque iterator whose items are taped).
fn reversed_range_as_forward(for_loop: &syn::ExprForLoop) -> Option<Expr> {
    let Expr::MethodCall(call) = &*for_loop.expr else {
        return None;
    };
    if call.method != "rev" || !call.args.is_empty() {
        return None;
    }
    let mut receiver = &*call.receiver;
    while let Expr::Paren(inner) = receiver {
        receiver = &inner.expr;
    }
    let Expr::Range(range) = receiver else {
        return None;
    };
    let (Some(start), Some(end)) = (&range.start, &range.end) else {
        return None;
    };
    // `a..=b` counts `b - a + 1` items, from `b` down.
    let (count, top) = match range.limits {
        syn::RangeLimits::HalfOpen(_) => (quote::quote!(range_len), quote::quote!(-1)),
        syn::RangeLimits::Closed(_) => (quote::quote!(range_len_inclusive), quote::quote!()),
    };
    let (first, last, k) = (
        crate::names::local("rev_start"),
        crate::names::local("rev_end"),
        crate::names::local("rev_k"),
    );
    let (label, pat, stmts) = (&for_loop.label, &for_loop.pat, &for_loop.body.stmts);
    Some(syn::parse_quote!({
        let #first = #start;
        let #last = #end;
        #label for #k in 0..::gradmacro::__private::#count(#first, #last) {
            let #pat = #last #top - #k;
            #(#stmts)*
        }
    }))
}
