//! Statement lists: each statement lowered in turn, the rest of a block
//! guarded by the exit flags a statement may set, and a rejected statement's
//! error recorded (and what it left half open undone) so that lowering goes on
//! and every error of the function is reported.

use super::{assigned, Lowered, Lowerer, CASCADE};
use crate::ir::SlotId;
use proc_macro2::Span;
use std::collections::HashMap;
use syn::spanned::Spanned;
use syn::Expr;

/// The stacks a statement pushes onto, to restore when it is rejected.
pub(super) struct Checkpoint {
    open: usize,
    block_ids: usize,
    scopes: usize,
    loops: usize,
    pending: usize,
}

impl Lowerer {
    /// Lowers a block's statements in a scope of their own.
    pub(super) fn lower_stmts(&mut self, stmts: &[syn::Stmt]) -> syn::Result<Lowered> {
        self.scopes.push(HashMap::new());
        let result = self.lower_stmt_list(stmts);
        self.scopes.pop();
        result
    }

    pub(super) fn lower_stmt_list(&mut self, stmts: &[syn::Stmt]) -> syn::Result<Lowered> {
        // The buffers written by each statement and the ones after it.
        let mut ahead = vec![std::collections::BTreeSet::new(); stmts.len() + 1];
        for index in (0..stmts.len()).rev() {
            let mut writes = assigned::written_buffers(&stmts[index..=index]);
            writes.extend(ahead[index + 1].iter().cloned());
            ahead[index] = writes;
        }
        self.writes_ahead.push(std::collections::BTreeSet::new());
        let result = self.lower_stmt_list_ahead(stmts, &mut ahead);
        self.writes_ahead.pop();
        result
    }

    pub(super) fn lower_stmt_list_ahead(
        &mut self,
        stmts: &[syn::Stmt],
        ahead: &mut [std::collections::BTreeSet<String>],
    ) -> syn::Result<Lowered> {
        for (index, stmt) in stmts.iter().enumerate() {
            // A loop statement's own writes are the concern of the loop (a
            // later iteration) and of its body's statements (a later
            // statement): here, only the statements after it.
            let own = match stmt {
                syn::Stmt::Expr(Expr::ForLoop(_) | Expr::While(_) | Expr::Loop(_), _) => index + 1,
                _ => index,
            };
            if let Some(top) = self.writes_ahead.last_mut() {
                *top = ahead[own].clone();
            }
            let last = index + 1 == stmts.len();
            let pending_before = self.pending.len();
            let checkpoint = self.checkpoint();
            let lowered = match stmt {
                syn::Stmt::Local(local) => self.lower_local(local).map(|value| (value, false)),
                syn::Stmt::Item(item) => {
                    self.items.push(item.clone());
                    Ok((Lowered::Unit, false))
                }
                syn::Stmt::Macro(mac) => self.lower_macro(&mac.mac).map(|value| (value, false)),
                // A stray `;` (an empty statement).
                syn::Stmt::Expr(Expr::Verbatim(tokens), Some(_)) if tokens.is_empty() => {
                    Ok((Lowered::Unit, false))
                }
                syn::Stmt::Expr(expr, Some(_)) if self.optional_element(expr).is_some() => self
                    .lower_discarded_pop(expr)
                    .and_then(|lowered| match lowered {
                        Some(lowered) => Ok((lowered, false)),
                        None => self.lower_expr(expr).map(|value| (value, false)),
                    }),
                syn::Stmt::Expr(expr, semi) => {
                    // `return x;` as the last statement of a function without early
                    // returns gives the function's value.
                    let returns = matches!(expr, Expr::Return(_));
                    let tail = last && (semi.is_none() || returns);
                    self.lower_expr(expr)
                        .inspect(|value| {
                            if let (Lowered::Value(value), false) = (value, tail) {
                                self.discarded.insert(*value);
                            }
                        })
                        .map(|value| (value, tail))
                }
            };
            let (value, tail) = match lowered {
                Ok(lowered) => lowered,
                Err(error) => {
                    // Report it, and go on with the next statement: what the
                    // rejected one would have bound is poisoned.
                    self.reject(error, checkpoint);
                    if let syn::Stmt::Local(local) = stmt {
                        self.poison(&local.pat);
                    }
                    if last {
                        return Ok(Lowered::Poison);
                    }
                    continue;
                }
            };
            if matches!(value, Lowered::Never) {
                return Ok(Lowered::Never);
            }
            if tail {
                return Ok(value);
            }
            let rest = &stmts[index + 1..];
            if self.pending.len() > pending_before && !rest.is_empty() {
                let flags = self.pending[pending_before..].to_vec();
                return self.guard_rest(&flags, rest);
            }
        }
        Ok(Lowered::Unit)
    }

    /// Runs `write` only if no exit flag was set since `pending_before`: an
    /// exit inside the value being written (`s *= { if c { break; } 2.0 }`,
    /// `break 'l { .. break 'l v .. }`) leaves before Rust writes anything.
    /// The variables `write` assigns become slots, so the guarded write
    /// reaches the code after it.
    pub(super) fn write_unless_exited(
        &mut self,
        pending_before: usize,
        assigned: &std::collections::BTreeMap<String, Span>,
        span: Span,
        write: impl FnOnce(&mut Self) -> syn::Result<()>,
    ) -> syn::Result<()> {
        if self.pending.len() <= pending_before {
            return write(self);
        }
        let flags = self.pending[pending_before..].to_vec();
        self.slots_for(assigned, span)?;
        let cond = self.none_set(&flags, span);
        self.open_block(false);
        write(self)?;
        let then = self.close_block();
        self.push_if_then(cond, then);
        Ok(())
    }

    pub(super) fn checkpoint(&self) -> Checkpoint {
        Checkpoint {
            open: self.open.len(),
            block_ids: self.block_ids.len(),
            scopes: self.scopes.len(),
            loops: self.loops.len(),
            pending: self.pending.len(),
        }
    }

    /// Records a rejected statement's error (not one that follows from an
    /// earlier error) and undoes what the statement left half open.
    pub(super) fn reject(&mut self, error: syn::Error, checkpoint: Checkpoint) {
        let new: Vec<syn::Error> = error
            .into_iter()
            .filter(|error| error.to_string() != CASCADE)
            .collect();
        self.errors.extend(new);
        self.open.truncate(checkpoint.open);
        self.block_ids.truncate(checkpoint.block_ids);
        self.scopes.truncate(checkpoint.scopes);
        self.loops.truncate(checkpoint.loops);
        self.pending.truncate(checkpoint.pending);
        self.after_call.clear();
    }

    /// Binds the names of a rejected `let`'s pattern to [`Lowered::Poison`].
    pub(super) fn poison(&mut self, pat: &syn::Pat) {
        match pat {
            syn::Pat::Ident(ident) => self.bind(&ident.ident, Lowered::Poison, true),
            syn::Pat::Type(typed) => self.poison(&typed.pat),
            syn::Pat::Paren(paren) => self.poison(&paren.pat),
            syn::Pat::Reference(reference) => self.poison(&reference.pat),
            syn::Pat::Tuple(tuple) => tuple.elems.iter().for_each(|pat| self.poison(pat)),
            syn::Pat::Slice(slice) => slice.elems.iter().for_each(|pat| self.poison(pat)),
            _ => {}
        }
    }

    /// After a statement that may have set an exit flag, the rest of the block
    /// runs only if none was set: `if !flags { rest }`. A value the rest produces
    /// goes through a slot.
    pub(super) fn guard_rest(
        &mut self,
        flags: &[SlotId],
        rest: &[syn::Stmt],
    ) -> syn::Result<Lowered> {
        let span = rest
            .first()
            .map_or_else(Span::call_site, |stmt| stmt.span());
        let cond = self.none_set(flags, span);
        self.slots_for(&assigned::in_stmts(rest), span)?;
        let place = (self.open.len() - 1, self.nodes().len());
        let mut result = None;
        self.open_block(false);
        let value = self.lower_stmt_list(rest)?;
        self.write_result(&mut result, &value, place, span)?;
        let then = self.close_block();
        self.push_if_then(cond, then);
        Ok(self.read_result(result, false, span))
    }
}
