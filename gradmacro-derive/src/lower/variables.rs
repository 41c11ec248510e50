//! Variables: binding names to values, reading them, turning the ones a
//! branch or loop assigns into slots, and assignment (of scalars, tuples and
//! whole buffers).

use super::{unsupported, Binding, Lowered, Lowerer, Target};
use crate::ir::{Node, Op, SlotId, SlotInit, ValueId};
use proc_macro2::Span;
use std::collections::BTreeMap;
use syn::{Ident, Type};

impl Lowerer {
    pub(super) fn bind(&mut self, name: &Ident, lowered: Lowered, mutable: bool) {
        self.mut_reference_names.remove(&name.to_string());
        if let Lowered::Value(value) = lowered {
            self.value_names
                .entry(value)
                .or_insert_with(|| name.to_string());
        }
        if let Some(scope) = self.scopes.last_mut() {
            scope.insert(
                name.to_string(),
                Binding {
                    target: Target::Value(lowered),
                    mutable,
                },
            );
        }
    }

    /// Whether a name is bound in scope (without reading it).
    pub(super) fn read_binding_exists(&self, name: &Ident) -> bool {
        let key = name.to_string();
        self.scopes
            .iter()
            .rev()
            .any(|scope| scope.contains_key(&key))
    }

    pub(super) fn binding_mut(&mut self, name: &str) -> Option<&mut Binding> {
        self.scopes
            .iter_mut()
            .rev()
            .find_map(|scope| scope.get_mut(name))
    }

    /// The current value of a variable: a slot is read.
    pub(super) fn read(&mut self, name: &Ident) -> Option<Lowered> {
        let key = name.to_string();
        let binding = self
            .scopes
            .iter()
            .rev()
            .find_map(|scope| scope.get(&key))?
            .clone();
        Some(match binding.target {
            Target::Value(lowered) => lowered,
            Target::Slot(slot) => Lowered::Value(self.read_slot(slot, name.span())),
            Target::SliceSlots {
                root,
                prefix,
                start,
                end,
            } => Lowered::Slice(Box::new(super::slices::SliceView {
                root,
                prefix,
                start: self.read_slot(start, name.span()),
                end: self.read_slot(end, name.span()),
            })),
        })
    }

    /// Reads a slot, reusing the block's latest read while nothing wrote it.
    pub(super) fn read_slot(&mut self, slot: SlotId, span: Span) -> ValueId {
        if let Some(&value) = self.slot_reads.get(&slot) {
            if self.values[value.0].home == self.current_block() {
                return value;
            }
        }
        let value = self.push(Op::ReadSlot(slot), span);
        self.slot_reads.insert(slot, value);
        value
    }

    /// Turns the variables that a nested region assigns into slots declared here,
    /// before the region is lowered.
    pub(super) fn slots_for(
        &mut self,
        names: &BTreeMap<String, Span>,
        span: Span,
    ) -> syn::Result<()> {
        for name in names.keys() {
            let bound = match self.binding_mut(name) {
                Some(Binding {
                    target: Target::Value(Lowered::Value(value)),
                    ..
                }) => Some(*value),
                _ => None,
            };
            // A buffer assigned whole is overwritten in place (see
            // `Lowerer::assign_name`), not held in a slot; a reference
            // parameter (or a name for one) is re-pointed (`p = &p[1..]`).
            if let Some(value) = bound.filter(|value| self.values[value.0].buffer) {
                if self.reference_buffers.contains(&value) {
                    let span = self.values[value.0].span;
                    let start = self.push(crate::ir::Op::Const(quote::quote!(0usize)), span);
                    let end = self.row_len(value, &[], span);
                    self.slice_slots(
                        name,
                        super::slices::SliceView {
                            root: value,
                            prefix: Vec::new(),
                            start,
                            end,
                        },
                    );
                }
                continue;
            }
            let Some(binding) = self.binding_mut(name) else {
                continue;
            };
            let value = match &binding.target {
                Target::Slot(_) | Target::SliceSlots { .. } => continue,
                Target::Value(Lowered::Value(value)) => *value,
                Target::Value(Lowered::Slice(view)) => {
                    let view = (**view).clone();
                    self.slice_slots(name, view);
                    continue;
                }
                Target::Value(_) => {
                    return Err(unsupported(
                        span,
                        &format!("assigning the tuple `{name}` inside a branch or loop"),
                    ))
                }
            };
            let slot = self.declare_slot(name, SlotInit::Value(value));
            if self.is_float_value(value) {
                self.float_slots.insert(slot);
            }
            if let Some(binding) = self.binding_mut(name) {
                binding.target = Target::Slot(slot);
            }
        }
        Ok(())
    }

    /// A slice variable that a branch or loop re-points: its bounds become
    /// slots, and it stays a view of its buffer.
    fn slice_slots(&mut self, name: &str, view: super::slices::SliceView) {
        let start = self.declare_slot(name, SlotInit::Value(view.start));
        let end = self.declare_slot(name, SlotInit::Value(view.end));
        if let Some(binding) = self.binding_mut(name) {
            binding.target = Target::SliceSlots {
                root: view.root,
                prefix: view.prefix,
                start,
                end,
            };
        }
    }

    /// Points an existing variable at a new value (assignment).
    pub(super) fn assign_name(&mut self, name: &Ident, lowered: Lowered) -> syn::Result<()> {
        let key = name.to_string();
        let binding = self.binding_mut(&key).cloned().ok_or_else(|| {
            syn::Error::new(
                name.span(),
                format!(
                    "`{name}` is not a local variable or parameter, so it cannot be assigned here"
                ),
            )
        })?;
        match binding.target {
            Target::Slot(slot) => {
                // `let y: f64; y = 2.25;`: the value carries the declared type.
                let lowered = match self.slot_types.get(&slot).cloned() {
                    Some(ty) => self.fresh_copy(lowered, Some(ty), false, name.span()),
                    None => lowered,
                };
                let value = self.expect_value(lowered, name.span(), "the assigned value")?;
                self.push_node(Node::Write { slot, value });
            }
            Target::SliceSlots {
                root,
                prefix,
                start,
                end,
            } => match lowered {
                Lowered::Slice(view) if view.root == root && view.prefix == prefix => {
                    self.push_node(Node::Write {
                        slot: start,
                        value: view.start,
                    });
                    self.push_node(Node::Write {
                        slot: end,
                        value: view.end,
                    });
                }
                _ => {
                    return Err(unsupported(
                        name.span(),
                        &format!(
                            "pointing the slice `{name}` at another buffer inside a branch or loop"
                        ),
                    ))
                }
            },
            Target::Value(current) => {
                // `x = next;` inside a branch or loop, of a buffer declared
                // outside it: its elements are overwritten in place.
                if let (Lowered::Value(current), Some((root, prefix))) =
                    (&current, self.as_buffer(&lowered))
                {
                    let current = *current;
                    let target = &self.values[current.0];
                    if target.buffer && target.home != self.current_block() {
                        let source = if prefix.is_empty() {
                            root
                        } else {
                            let init = crate::ir::BufferInit::Copy {
                                source: root,
                                prefix,
                                method: None,
                                range: None,
                            };
                            self.new_buffer(init, name.span())
                        };
                        let old_len = self.index_method(current, "len", Vec::new(), name.span());
                        self.push_node(Node::Overwrite {
                            target: current,
                            source,
                            old_len,
                        });
                        return Ok(());
                    }
                }
                // `u = next;` of buffers: `u` becomes a copy of `next`.
                let lowered = if let Some((root, prefix)) = self.as_buffer(&lowered) {
                    let init = crate::ir::BufferInit::Copy {
                        source: root,
                        prefix,
                        method: None,
                        range: None,
                    };
                    Lowered::Value(self.new_buffer(init, name.span()))
                } else if binding.mutable {
                    // `let mut a: f64 = 0.5; a = 1.75; a.sin()`: the new value is
                    // a new statement, so it carries the variable's type (Rust
                    // unified the two; a bare `1.75` would be ambiguous).
                    let ty = match &current {
                        Lowered::Value(current) => self.known_type(*current),
                        _ => None,
                    };
                    self.fresh_copy(lowered, ty, true, name.span())
                } else {
                    lowered
                };
                if let Some(binding) = self.binding_mut(&key) {
                    binding.target = Target::Value(lowered);
                }
            }
        }
        Ok(())
    }

    /// Gives a value its own statement, carrying a type annotation or `mut`.
    pub(super) fn fresh_copy(
        &mut self,
        lowered: Lowered,
        ty: Option<Type>,
        mutable: bool,
        span: Span,
    ) -> Lowered {
        match lowered {
            // A temporary nothing else names (`s * 0.9 + x` of `s = s * 0.9 + x`)
            // takes the annotation itself: one statement fewer.
            Lowered::Value(value) if self.is_unnamed_temporary(value) => {
                self.annotated.insert(value);
                let stmt = &mut self.values[value.0];
                stmt.ty = ty;
                stmt.mutable = mutable;
                Lowered::Value(value)
            }
            Lowered::Value(value) => {
                let copy = self.push(Op::Copy(value), span);
                self.values[copy.0].ty = ty;
                self.values[copy.0].mutable = mutable;
                Lowered::Value(copy)
            }
            other => other,
        }
    }

    /// The float type a scalar value is known to have: its annotation, or the
    /// parameter it copies.
    pub(super) fn known_type(&self, value: ValueId) -> Option<Type> {
        let mut value = value;
        loop {
            let stmt = &self.values[value.0];
            if let Some(ty) = &stmt.ty {
                return Some(ty.clone());
            }
            match stmt.op {
                Op::Copy(source) => value = source,
                Op::Param { index } => {
                    let ty = self.param_types.get(index)?;
                    return crate::signature::FloatTy::of(ty).map(|_| ty.clone());
                }
                // Float arithmetic and rules have their operands' type
                // (`let mut v = x.powi(4);`).
                Op::Neg(inner) => value = inner,
                Op::ReadSlot(slot) => return self.slot_types.get(&slot).cloned(),
                Op::Arith(_, a, b) => {
                    return self.known_type(a).or_else(|| self.known_type(b));
                }
                Op::Rule { ref args, .. } => {
                    return args.iter().find_map(|arg| self.known_type(*arg));
                }
                // `let mut v = 0.5_f64;`: the literal's suffix.
                Op::Const(ref tokens) => {
                    let text = tokens.to_string();
                    let numeric = text.starts_with(|c: char| c.is_ascii_digit());
                    return ["f64", "f32"]
                        .into_iter()
                        .find(|suffix| numeric && text.ends_with(suffix))
                        .and_then(|suffix| syn::parse_str(suffix).ok());
                }
                _ => return None,
            }
        }
    }

    /// Whether `value` is the fresh result of arithmetic or a rule that no
    /// variable names yet (so giving it a type or `mut` changes nothing else).
    pub(super) fn is_unnamed_temporary(&self, value: ValueId) -> bool {
        let stmt = &self.values[value.0];
        matches!(
            stmt.op,
            Op::Arith(..) | Op::Neg(_) | Op::Rule { .. } | Op::Cast { .. }
        ) && stmt.ty.is_none()
            && !self.value_names.contains_key(&value)
            && !self.annotated.contains(&value)
            && stmt.home == self.current_block()
    }
}
