//! Lowering of expressions: one IR statement per operation.

use super::buffers::is_vec_macro;
use super::{member_span, span_of, unsupported, Lowered, Lowerer};
use crate::ir::{Arith, BufferInit, CallForm, CastTarget, Op, Opaque, ValueId};
use crate::rule_table;
use crate::signature::FloatTy;
use proc_macro2::Span;
use quote::{quote, ToTokens};
use syn::spanned::Spanned;
use syn::{BinOp, Expr, Ident, Type, UnOp};

impl Lowerer {
    /// The float behind a reference parameter or a borrow (`&x`), or the value
    /// itself: what arithmetic and rules read.
    pub(super) fn float(&self, value: ValueId) -> ValueId {
        if let Op::Opaque(Opaque::Ref(inner)) = self.values[value.0].op {
            return self.float(inner);
        }
        self.dereferenced.get(&value).copied().unwrap_or(value)
    }

    /// Lowers an operand of arithmetic, a cast or a rule: a float, never a
    /// reference to one.
    pub(super) fn lower_float(&mut self, expr: &Expr) -> syn::Result<ValueId> {
        let value = self.lower_value(expr)?;
        Ok(self.float(value))
    }

    pub(super) fn lower_value(&mut self, expr: &Expr) -> syn::Result<ValueId> {
        let lowered = self.lower_expr(expr)?;
        self.expect_value(lowered, span_of(expr), "this expression")
    }

    pub(super) fn lower_expr(&mut self, expr: &Expr) -> syn::Result<Lowered> {
        let span = span_of(expr);
        let value = |op| Ok(Lowered::Value(op));
        match expr {
            Expr::Lit(lit) => value(self.push(Op::Const(lit.to_token_stream()), span)),
            Expr::Path(path) => {
                if path.qself.is_none() {
                    if let Some(ident) = path.path.get_ident() {
                        if let Some(lowered) = self.read(ident) {
                            // `x: &mut f64`: its current value.
                            if let Lowered::Value(param) = lowered {
                                if let Some(current) = self.out_scalar_current(param)? {
                                    return Ok(Lowered::Value(current));
                                }
                            }
                            return Ok(lowered);
                        }
                    }
                }
                value(self.push(Op::Const(path.to_token_stream()), span))
            }
            Expr::Paren(paren) => self.lower_expr(&paren.expr),
            Expr::Group(group) => self.lower_expr(&group.expr),
            Expr::Unary(unary) => self.lower_unary(unary),
            Expr::Binary(binary) => self.lower_binary(binary),
            Expr::Cast(cast) => {
                let operand = self.lower_float(&cast.expr)?;
                let ty = (*cast.ty).clone();
                let target = cast_target(&ty);
                value(self.push(
                    Op::Cast {
                        value: operand,
                        ty,
                        target,
                    },
                    span,
                ))
            }
            Expr::MethodCall(call) => self.lower_method_call(call),
            Expr::Call(call) => self.lower_call(call),
            Expr::Block(block) => {
                if let Some(label) = &block.label {
                    return self.lower_labelled_block(block, label);
                }
                self.lower_stmts(&block.block.stmts)
            }
            Expr::Tuple(tuple) => {
                if tuple.elems.is_empty() {
                    return Ok(Lowered::Unit);
                }
                let elements = tuple
                    .elems
                    .iter()
                    .map(|e| self.lower_expr(e))
                    .collect::<syn::Result<_>>()?;
                Ok(Lowered::Tuple(elements))
            }
            Expr::Field(field) => self.lower_field(field, false),
            Expr::Assign(assign) => {
                let pending_before = self.pending.len();
                let value = self.lower_expr(&assign.right)?;
                if matches!(value, Lowered::Never) {
                    return Ok(Lowered::Never);
                }
                let targets = super::assigned::in_expr(&assign.left);
                self.write_unless_exited(pending_before, &targets, span, |this| {
                    this.assign(&assign.left, value)
                })?;
                Ok(Lowered::Unit)
            }
            Expr::Range(range) => {
                let start = range
                    .start
                    .as_deref()
                    .map(|e| self.lower_value(e))
                    .transpose()?;
                let end = range
                    .end
                    .as_deref()
                    .map(|e| self.lower_value(e))
                    .transpose()?;
                let inclusive = matches!(range.limits, syn::RangeLimits::Closed(_));
                value(self.push(
                    Op::Opaque(Opaque::Range {
                        start,
                        end,
                        inclusive,
                    }),
                    span,
                ))
            }
            Expr::Index(index) => self.lower_index(index),
            Expr::Macro(mac) if is_vec_macro(&mac.mac.path) => self.lower_vec_macro(mac),
            Expr::Macro(mac) if Self::is_supported_macro(&mac.mac) => self.lower_macro(&mac.mac),
            Expr::Macro(mac)
                if mac
                    .mac
                    .path
                    .segments
                    .last()
                    .is_some_and(|s| s.ident == "matches") =>
            {
                self.lower_matches(&mac.mac)
            }
            Expr::Repeat(repeat) => {
                let elem = self.lower_float(&repeat.expr)?;
                let len = crate::ir::RepeatLen::Array((*repeat.len).clone());
                Ok(Lowered::Value(
                    self.new_buffer(BufferInit::Repeat { elem, len }, span),
                ))
            }
            Expr::Array(array) => {
                let elems = array
                    .elems
                    .iter()
                    .map(|e| self.lower_element(e))
                    .collect::<syn::Result<Vec<_>>>()?;
                Ok(Lowered::Value(
                    self.new_buffer(BufferInit::List { elems, vec: false }, span),
                ))
            }
            Expr::Closure(closure) => self.lower_closure(closure),
            Expr::If(if_expr) => self.lower_if(if_expr),
            Expr::Match(match_expr) => self.lower_match(match_expr),
            Expr::ForLoop(for_loop) => self.lower_for(for_loop),
            Expr::While(while_loop) => self.lower_while(while_loop),
            Expr::Loop(loop_expr) => self.lower_loop(loop_expr),
            Expr::Break(break_expr) => self.lower_break(break_expr),
            Expr::Continue(continue_expr) => self.lower_continue(continue_expr),
            Expr::Return(return_expr) => self.lower_return(return_expr),
            Expr::Reference(reference) => {
                if let Some(mutability) = &reference.mutability {
                    return self.lower_mut_place(&reference.expr, mutability.span);
                }
                // `&self.weights`: the field borrowed, not moved out.
                if let Expr::Field(field) = &*reference.expr {
                    return self.lower_field(field, true);
                }
                let operand = self.lower_expr(&reference.expr)?;
                // `&p.rows[0]` of a constant that is not a float buffer (a
                // struct's `Vec<Vec<f64>>` field): the row borrowed where it
                // is, not moved out and borrowed.
                if let (Lowered::Value(indexed), Expr::Index(_)) = (&operand, &*reference.expr) {
                    if let Op::Opaque(Opaque::Index { borrowed, .. }) =
                        &mut self.values[indexed.0].op
                    {
                        *borrowed = true;
                        return Ok(operand);
                    }
                }
                // `&x[a..b]`: the slice is the borrow (of a constant too:
                // `&idx[1..]` is lowered borrowed, see `index_one`).
                if let Lowered::Slice(_) = operand {
                    return Ok(operand);
                }
                if let Lowered::Value(value) = operand {
                    if self.is_borrowed_range(value) {
                        return Ok(operand);
                    }
                }
                // `&m[r]`: the row itself, borrowed.
                if let Lowered::View(base, indices) = &operand {
                    if !self.is_place(*base, indices) {
                        return value(self.materialize_view(*base, indices.clone(), span));
                    }
                }
                // `&f(x)`, `&b` of `let b = softmax(h)`: a call whose result is
                // passed on as a buffer (unless it is then read as a float,
                // `*r`: see `lower_unary`).
                self.promote_call_result(&operand, 1);
                let operand =
                    self.expect_value(operand, span_of(&reference.expr), "this expression")?;
                value(self.push(Op::Opaque(Opaque::Ref(operand)), span))
            }
            other => Err(unsupported_expr(other)),
        }
    }

    /// Whether `value` is a range of a constant kept as written, borrowed
    /// (`&idx[1..]`, see `index_one`): it is its own borrow.
    pub(super) fn is_borrowed_range(&self, value: ValueId) -> bool {
        match &self.values[value.0].op {
            Op::Opaque(Opaque::Index {
                indices,
                borrowed: true,
                ..
            }) => matches!(
                indices.as_slice(),
                [range] if matches!(self.values[range.0].op, Op::Opaque(Opaque::Range { .. }))
            ),
            _ => false,
        }
    }

    pub(super) fn lower_unary(&mut self, unary: &syn::ExprUnary) -> syn::Result<Lowered> {
        if let UnOp::Deref(_) = unary.op {
            // `*param` of `param: &[f64; 2]`: the buffer itself.
            let lowered = self.lower_expr(&unary.expr)?;
            // A view of what turned out to be a float (see below).
            if let Lowered::View(root, prefix) = &lowered {
                if prefix.is_empty() && !self.values[root.0].buffer {
                    return Ok(Lowered::Value(*root));
                }
            }
            if let Some(float) = self.unpromote_call(&lowered) {
                return Ok(Lowered::Value(float));
            }
            if self.as_buffer(&lowered).is_some() {
                return Ok(lowered);
            }
            let operand = self.expect_value(lowered, span_of(&unary.expr), "this expression")?;
            return self.unary_op(unary, operand);
        }
        let operand = self.lower_value(&unary.expr)?;
        self.unary_op(unary, operand)
    }

    /// An operand of a binary operator. `r / x` of `let r = &a;`, `a` a
    /// helper's result taken for a buffer when it was borrowed, is a float.
    fn lower_operand(&mut self, expr: &Expr) -> syn::Result<ValueId> {
        let lowered = self.lower_expr(expr)?;
        match self.unpromote_call(&lowered) {
            Some(float) => Ok(float),
            None => self.expect_value(lowered, span_of(expr), "this expression"),
        }
    }

    /// A helper's result promoted to a buffer when it was borrowed (`&a`,
    /// see `promote_call_result`), found to be read as a float (`*r`,
    /// `r / x`): it is a float after all.
    pub(super) fn unpromote_call(&mut self, lowered: &Lowered) -> Option<ValueId> {
        let (root, prefix) = self.as_buffer(lowered)?;
        let is_call = matches!(self.values[root.0].op, Op::Opaque(Opaque::Call { .. }));
        if !(is_call && prefix.is_empty() && self.buffer_depths.get(&root) == Some(&1)) {
            return None;
        }
        self.values[root.0].buffer = false;
        self.buffer_depths.remove(&root);
        Some(root)
    }

    /// `-x`, `*x`, `!b` of a lowered operand.
    fn unary_op(&mut self, unary: &syn::ExprUnary, operand: ValueId) -> syn::Result<Lowered> {
        let span = unary.span();
        let op = match unary.op {
            UnOp::Neg(_) => Op::Neg(self.float(operand)),
            // `*x` of a `&f64` parameter, or of an element an iterator yields by
            // reference, is the float itself.
            UnOp::Deref(_) if self.dereferenced.contains_key(&operand) => {
                return Ok(Lowered::Value(self.float(operand)))
            }
            UnOp::Deref(_) if self.by_reference.contains(&operand) => {
                return Ok(Lowered::Value(operand))
            }
            // `*r` of `let r = &a;`: the value borrowed.
            UnOp::Deref(_) if matches!(self.values[operand.0].op, Op::Opaque(Opaque::Ref(_))) => {
                return Ok(Lowered::Value(self.float(operand)))
            }
            other => Op::Opaque(Opaque::Unary(other, operand)),
        };
        Ok(Lowered::Value(self.push(op, span)))
    }

    pub(super) fn lower_binary(&mut self, binary: &syn::ExprBinary) -> syn::Result<Lowered> {
        if let BinOp::And(_) | BinOp::Or(_) = binary.op {
            return self.lower_short_circuit(binary);
        }
        if let Some(op) = compound_assignment(&binary.op) {
            // For primitive operands Rust evaluates the right-hand side of `a op= b`
            // before it reads `a`, so `b` may itself assign to `a`.
            let pending_before = self.pending.len();
            let rhs = self.lower_value(&binary.right)?;
            let targets = super::assigned::in_expr(&binary.left);
            let span = binary.op.span();
            self.write_unless_exited(pending_before, &targets, span, |this| {
                let current = this.lower_value(&binary.left)?;
                let op = this.binary_op(op, current, rhs);
                let updated = this.push(op, span);
                this.assign(&binary.left, Lowered::Value(updated))
            })?;
            return Ok(Lowered::Unit);
        }
        let left = self.lower_operand(&binary.left)?;
        let right = self.lower_operand(&binary.right)?;
        let op = self.binary_op(binary.op, left, right);
        Ok(Lowered::Value(self.push(op, binary.op.span())))
    }

    /// A binary operator applied to two lowered operands. Arithmetic and
    /// comparisons read floats, not references to them (as Rust's operators do).
    pub(super) fn binary_op(&self, op: BinOp, left: ValueId, right: ValueId) -> Op {
        let (left, right) = (self.float(left), self.float(right));
        let arith = |arith| Op::Arith(arith, left, right);
        match op {
            BinOp::Add(_) => arith(Arith::Add),
            BinOp::Sub(_) => arith(Arith::Sub),
            BinOp::Mul(_) => arith(Arith::Mul),
            BinOp::Div(_) => arith(Arith::Div),
            BinOp::Rem(_) => arith(Arith::Rem),
            other => Op::Opaque(Opaque::Binary(other, left, right)),
        }
    }

    /// `base.member`: an element of a lowered tuple, or a field read from a
    /// value. A field that is a method's receiver is borrowed (`&base.member`), as
    /// Rust's auto-referencing would, so `config.name.len()` does not move out.
    pub(super) fn lower_field(
        &mut self,
        field: &syn::ExprField,
        borrowed: bool,
    ) -> syn::Result<Lowered> {
        // `self.config.scale`: the inner field is borrowed, so a constant
        // parameter behind a reference (`&self`) is never moved out of.
        let base = match &*field.base {
            Expr::Field(inner) => self.lower_field(inner, true)?,
            other => self.lower_expr(other)?,
        };
        if let (syn::Member::Unnamed(index), Lowered::Tuple(elements)) = (&field.member, &base) {
            return elements
                .get(index.index as usize)
                .cloned()
                .ok_or_else(|| syn::Error::new(index.span, "this tuple has no such element"));
        }
        let base = self.expect_value(base, span_of(&field.base), "this expression")?;
        // `bodies[i].m` of a constant collection: the element is borrowed
        // where it is (moving it out of the slice would not compile unless
        // it is `Copy`); the field is read through the borrow.
        if let (Expr::Index(_), Op::Opaque(Opaque::Index { borrowed, .. })) =
            (&*field.base, &mut self.values[base.0].op)
        {
            *borrowed = true;
        }
        let op = Op::Opaque(Opaque::Field {
            base,
            member: field.member.clone(),
            borrowed,
        });
        Ok(Lowered::Value(self.push(op, member_span(&field.member))))
    }

    /// Splits a value that holds a tuple (a constant call's result) into its
    /// elements, for a tuple pattern.
    pub(super) fn project_tuple(&mut self, value: ValueId, arity: usize, span: Span) -> Lowered {
        Lowered::Tuple(
            (0..arity)
                .map(|index| Lowered::Value(self.tuple_field(value, index, span)))
                .collect(),
        )
    }

    /// `value.index` of a tuple value.
    pub(super) fn tuple_field(&mut self, value: ValueId, index: usize, span: Span) -> ValueId {
        let member = syn::Member::Unnamed(syn::Index {
            index: index as u32,
            span,
        });
        let op = Op::Opaque(Opaque::Field {
            base: value,
            member,
            borrowed: false,
        });
        self.push(op, span)
    }

    /// Whether a chain of adapters starts from a range or a constant
    /// collection (`labels.iter()`, `(0..n)`): its `max_by_key` picks an item
    /// of it, kept as written with its closure (see `kept_closure.rs`).
    fn iterates_constants(&self, receiver: &Expr) -> bool {
        let mut root = receiver;
        loop {
            match root {
                Expr::MethodCall(inner) => root = &inner.receiver,
                Expr::Paren(inner) => root = &inner.expr,
                Expr::Reference(inner) => root = &inner.expr,
                _ => break,
            }
        }
        match root {
            Expr::Range(_) => true,
            Expr::Path(path) => path.path.get_ident().is_some_and(|ident| {
                let key = ident.to_string();
                let binding = self.scopes.iter().rev().find_map(|scope| scope.get(&key));
                match binding.map(|binding| &binding.target) {
                    Some(super::Target::Value(Lowered::Value(value))) => {
                        !self.values[value.0].buffer
                    }
                    _ => false,
                }
            }),
            _ => false,
        }
    }

    pub(super) fn lower_method_call(&mut self, call: &syn::ExprMethodCall) -> syn::Result<Lowered> {
        // `v.as_slice()`: `&v[..]`, as written out.
        if call.method == "as_slice" && call.args.is_empty() {
            let receiver = &call.receiver;
            let whole: Expr = syn::parse_quote!(&#receiver[..]);
            return self.lower_expr(&whole);
        }
        let mark = self.after_call.len();
        if let Some(consumed) = self.lower_consumer(call)? {
            return Ok(consumed);
        }
        if let Some(element) = self.lower_optional_use(call)? {
            return Ok(element);
        }
        if let Some(halves) = self.lower_split_at(call)? {
            return Ok(halves);
        }
        let method = call.method.to_string();
        let extreme = ["max_by", "min_by", "max_by_key", "min_by_key", "reduce"];
        if extreme.contains(&method.as_str())
            && call.args.iter().any(|a| matches!(a, Expr::Closure(_)))
            && !self.iterates_constants(&call.receiver)
        {
            return Err(unsupported(
                call.method.span(),
                &format!("`{method}` here (`max_by`, `min_by` and `reduce` work directly on `x.iter()` or `x.iter().copied()` of a float buffer or a range of one; collect mapped values into a buffer first)"),
            ));
        }
        let receiver = match &*call.receiver {
            Expr::Field(field) => self.lower_field(field, true)?,
            other => self.lower_expr(other)?,
        };
        self.borrow_receiver_element(&call.receiver, &receiver);
        if let Lowered::Slice(slice) = &receiver {
            if let Some(lowered) = self.slice_method(slice, call)? {
                return Ok(lowered);
            }
        }
        if let Some((root, prefix)) = self.as_buffer(&receiver) {
            let name = call.method.to_string();
            match (name.as_str(), call.args.len()) {
                ("to_vec" | "to_owned" | "clone", 0) => {
                    let method = Some(call.method.clone());
                    let init = BufferInit::Copy {
                        source: root,
                        prefix,
                        method,
                        range: None,
                    };
                    return Ok(Lowered::Value(self.new_buffer(init, call.method.span())));
                }
                ("push", 1) if prefix.is_empty() => {
                    // A float, or a row (`rows.push(vec![a, b])`).
                    let pushed = self.lower_expr(&call.args[0])?;
                    let (value, depth) = self.collected_row(pushed, span_of(&call.args[0]))?;
                    if depth > 0 {
                        self.buffer_depths.insert(root, depth + 1);
                    }
                    self.push_node(crate::ir::Node::Push { base: root, value });
                    return Ok(Lowered::Unit);
                }
                ("truncate", 1) | ("clear", 0) | ("resize", 2) => {
                    return self.lower_resize(root, &prefix, call);
                }
                (
                    "push" | "pop" | "insert" | "remove" | "extend" | "extend_from_slice"
                    | "append" | "drain" | "retain" | "dedup" | "swap_remove",
                    _,
                ) if !prefix.is_empty() => {
                    return Err(unsupported(
                        call.method.span(),
                        &format!("`{name}` on a row of a buffer (a row's length cannot change: build the row in a `Vec` of its own, then push it whole)"),
                    ));
                }
                _ => {
                    let depth = self.buffer_depths.get(&root).copied().unwrap_or(1);
                    let depth = depth.saturating_sub(prefix.len());
                    if let Some(lowered) = self.lower_buffer_method(call, depth)? {
                        return Ok(lowered);
                    }
                }
            }
        }
        let receiver = self.expect_value(receiver, span_of(&call.receiver), "this expression")?;
        let args = call
            .args
            .iter()
            .map(|arg| match arg {
                Expr::Closure(closure) => self.kept_closure(closure, &call.method),
                other => self.lower_call_argument(other),
            })
            .collect::<syn::Result<Vec<_>>>()?;
        self.borrow_mut_last(&args);
        let span = call.method.span();
        let name = call.method.to_string();
        // `labels.iter().position(..)`: an iterator searched in place is
        // borrowed `&mut`, so the temporary holding it is `mut`.
        let searched = [
            "next",
            "nth",
            "position",
            "rposition",
            "any",
            "all",
            "find",
            "find_map",
        ];
        if searched.contains(&name.as_str())
            && matches!(
                self.values[receiver.0].op,
                Op::Opaque(Opaque::Method { .. })
            )
            && !self.value_names.contains_key(&receiver)
        {
            self.values[receiver.0].mutable = true;
        }
        if name == "sin_cos" && args.is_empty() && call.turbofish.is_none() {
            return Ok(self.sin_cos(receiver, &call.method, span));
        }
        // `(k + 2).min(3)`, `i.max(n)` of integers: kept as written.
        // (A float method's arguments may be integers: `x.powi(2)`.)
        let compared = match name.as_str() {
            "min" | "max" | "clamp" => call.args.len(),
            _ => 0,
        };
        let integer = std::iter::once(&*call.receiver)
            .chain(call.args.iter().take(compared))
            .any(is_integer_expr)
            || std::iter::once(receiver)
                .chain(args.iter().copied().take(compared))
                .any(|value| self.is_integer_value(value));
        let op = match rule_table::lookup(&name, args.len() + 1) {
            Some(rule) if call.turbofish.is_none() && !integer => Op::Rule {
                rule,
                args: std::iter::once(receiver)
                    .chain(args)
                    .map(|a| self.float(a))
                    .collect(),
                form: CallForm::Method,
                name: call.method.clone(),
            },
            _ => Op::Opaque(Opaque::Method {
                receiver,
                method: call.method.clone(),
                turbofish: call.turbofish.clone(),
                args,
            }),
        };
        let value = self.push(op, span);
        self.finish_call(span, mark)?;
        Ok(Lowered::Value(value))
    }

    /// `d.xs[0].len()` of a constant collection: the element is borrowed
    /// where it is (moving a `Vec` out of the index would not compile), and
    /// the method called on the place (see `forward.rs`).
    pub(super) fn borrow_receiver_element(&mut self, receiver: &Expr, lowered: &Lowered) {
        if let (Expr::Index(_), Lowered::Value(value)) = (receiver, lowered) {
            if let Op::Opaque(Opaque::Index { borrowed, .. }) = &mut self.values[value.0].op {
                *borrowed = true;
            }
        }
    }

    /// Whether `value` is visibly an integer: a parameter of an integer
    /// type (`n: usize`), an integer literal, a length, a cast to an integer,
    /// a slot that started from one, or arithmetic on one.
    pub(super) fn is_integer_value(&self, value: ValueId) -> bool {
        let mut current = value;
        for _ in 0..64 {
            match &self.values[current.0].op {
                Op::Param { index } => {
                    return self
                        .param_types
                        .get(*index)
                        .is_some_and(|ty| cast_target(ty) == CastTarget::Integer)
                }
                Op::Const(tokens) => {
                    let text = tokens.to_string();
                    let digits = text.trim_start_matches('-').trim();
                    return !digits.is_empty()
                        && digits.chars().next().is_some_and(|c| c.is_ascii_digit())
                        && !digits.contains('.')
                        && !digits.contains('e')
                        && !digits.ends_with("f32")
                        && !digits.ends_with("f64");
                }
                Op::Cast { target, .. } => return *target == CastTarget::Integer,
                Op::ReadSlot(slot) => return self.integer_slots.contains(slot),
                Op::Opaque(Opaque::Method { method, .. }) => {
                    return matches!(method.to_string().as_str(), "len" | "count")
                }
                Op::Copy(inner) => current = *inner,
                Op::Arith(_, a, b) => {
                    if self.is_integer_value(*a) {
                        return true;
                    }
                    current = *b;
                }
                _ => return false,
            }
        }
        false
    }

    /// `x.sin_cos()` is the pair of the `sin` and `cos` rules.
    pub(super) fn sin_cos(&mut self, receiver: ValueId, method: &Ident, span: Span) -> Lowered {
        let receiver = self.float(receiver);
        let mut part = |name: &str, rule: &'static rule_table::Rule| {
            let op = Op::Rule {
                rule,
                args: vec![receiver],
                form: CallForm::Method,
                name: Ident::new(name, method.span()),
            };
            Lowered::Value(self.push(op, span))
        };
        Lowered::Tuple(vec![
            part("sin", &rule_table::SIN),
            part("cos", &rule_table::COS),
        ])
    }
}

/// Whether `expr` is visibly an integer: an integer literal, or arithmetic,
/// a negation or parentheses around one, or a cast to an integer type.
fn is_integer_expr(expr: &Expr) -> bool {
    match expr {
        // (`2f64` is an integer literal to syn.)
        Expr::Lit(lit) => {
            matches!(&lit.lit, syn::Lit::Int(int) if !matches!(int.suffix(), "f32" | "f64"))
        }
        Expr::Paren(paren) => is_integer_expr(&paren.expr),
        Expr::Unary(unary) => matches!(unary.op, UnOp::Neg(_)) && is_integer_expr(&unary.expr),
        Expr::Binary(binary) => {
            matches!(
                binary.op,
                BinOp::Add(_) | BinOp::Sub(_) | BinOp::Mul(_) | BinOp::Div(_) | BinOp::Rem(_)
            ) && (is_integer_expr(&binary.left) || is_integer_expr(&binary.right))
        }
        Expr::Cast(cast) => cast_target(&cast.ty) == CastTarget::Integer,
        _ => false,
    }
}

/// `+=` and friends: the operator computing the new value.
fn compound_assignment(op: &BinOp) -> Option<BinOp> {
    use syn::Token;
    Some(match op {
        BinOp::AddAssign(t) => BinOp::Add(Token![+](t.span())),
        BinOp::SubAssign(t) => BinOp::Sub(Token![-](t.span())),
        BinOp::MulAssign(t) => BinOp::Mul(Token![*](t.span())),
        BinOp::DivAssign(t) => BinOp::Div(Token![/](t.span())),
        BinOp::RemAssign(t) => BinOp::Rem(Token![%](t.span())),
        BinOp::BitXorAssign(t) => BinOp::BitXor(Token![^](t.span())),
        BinOp::BitAndAssign(t) => BinOp::BitAnd(Token![&](t.span())),
        BinOp::BitOrAssign(t) => BinOp::BitOr(Token![|](t.span())),
        BinOp::ShlAssign(t) => BinOp::Shl(Token![<<](t.span())),
        BinOp::ShrAssign(t) => BinOp::Shr(Token![>>](t.span())),
        _ => return None,
    })
}

/// Classifies the target of an `as` cast.
pub(super) fn cast_target(ty: &Type) -> CastTarget {
    if FloatTy::of(ty).is_some() {
        return CastTarget::Float;
    }
    const INTEGERS: &[&str] = &[
        "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize",
        "bool", "char",
    ];
    match ty {
        Type::Path(path) if path.qself.is_none() => match path.path.get_ident() {
            Some(ident) if INTEGERS.iter().any(|name| ident == name) => CastTarget::Integer,
            _ => CastTarget::Unknown,
        },
        _ => CastTarget::Unknown,
    }
}

pub(crate) fn path_text(path: &syn::Path) -> String {
    path.to_token_stream().to_string().replace(' ', "")
}

/// The error for an expression kind the lowering does not handle yet, pointing at
/// its keyword where it has one.
pub(super) fn unsupported_expr(expr: &Expr) -> syn::Error {
    match expr {
        Expr::Index(e) => unsupported(e.bracket_token.span.join(), "indexing"),
        Expr::Closure(e) => unsupported(e.or1_token.span, "a closure"),
        Expr::Macro(e) => syn::Error::new(
            e.mac.path.span(),
            format!(
                "the macro `{}!` cannot be differentiated: an attribute sees a macro's invocation, not what it expands to; gradmacro runs `println!`, `eprintln!`, `dbg!`, the `assert!` family and `panic!` on primal values, and builds buffers with `vec!`; write the computation out, or make it a `#[differentiate]`d function",
                path_text(&e.mac.path)
            ),
        ),
        Expr::Unsafe(e) => unsupported(e.unsafe_token.span, "an `unsafe` block"),
        Expr::Array(e) => unsupported(e.bracket_token.span.join(), "an array"),
        Expr::Repeat(e) => unsupported(e.bracket_token.span.join(), "an array"),
        Expr::Struct(e) => unsupported(e.path.span(), "a struct expression"),
        Expr::Try(e) => unsupported(e.question_token.span, "the `?` operator"),
        Expr::Let(e) => unsupported(e.let_token.span, "a `let` expression"),
        Expr::Async(e) => unsupported(e.async_token.span, "an `async` block"),
        Expr::Await(e) => unsupported(e.await_token.span, "`.await`"),
        other => unsupported(
            other.span(),
            &format!("the expression `{}`", quote!(#other)),
        ),
    }
}
