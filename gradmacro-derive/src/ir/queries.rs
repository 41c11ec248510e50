//! What the IR's nodes read and write: the operands of each operation and
//! node, the blocks a node holds, walking a block, and the questions about
//! a body that several passes ask (which buffers are written, pushed, lent).

use super::*;

impl Body {
    /// The number of values; `ValueId`s index `0..value_count()`.
    pub fn value_count(&self) -> usize {
        self.values.len()
    }

    /// The statement defining a value.
    pub fn def(&self, value: ValueId) -> &Stmt {
        &self.values[value.0]
    }

    /// The buffers that `push`, `truncate` or `resize` change the length of
    /// (their adjoints follow the length back in the reverse sweep).
    /// Whether any statement or node reads `value` (or it is returned).
    pub fn is_used(&self, value: ValueId) -> bool {
        let used = self.used.get_or_init(|| {
            let mut used = vec![false; self.values.len()];
            for stmt in &self.values {
                for operand in stmt.op.operands() {
                    used[operand.0] = true;
                }
            }
            self.root.walk(&mut |node| {
                for operand in node.operands() {
                    used[operand.0] = true;
                }
            });
            used[self.ret.0] = true;
            used
        });
        used.get(value.0).copied().unwrap_or(true)
    }

    pub fn pushed_buffers(&self) -> std::collections::HashSet<ValueId> {
        let mut pushed = std::collections::HashSet::new();
        self.root.walk(&mut |node| {
            if let Node::Push { base, .. } | Node::Resize { base, .. } = node {
                pushed.insert(*base);
            }
        });
        pushed
    }

    /// The buffers whose length may change: pushed, overwritten whole by
    /// another buffer, or lent `&mut` to a call.
    pub fn resized_buffers(&self) -> std::collections::HashSet<ValueId> {
        let mut resized = self.pushed_buffers();
        self.root.walk(&mut |node| match node {
            Node::Overwrite { target, .. } => {
                resized.insert(*target);
            }
            Node::Def(value) => resized.extend(self.written_by_call(*value)),
            _ => {}
        });
        resized
    }

    /// The buffers that stores or pushes write into: an element read from any
    /// other buffer has the same value at every point of the call.
    pub fn written_buffers(&self) -> std::collections::HashSet<ValueId> {
        let mut written = std::collections::HashSet::new();
        self.root.walk(&mut |node| {
            if let Node::Store { base, .. }
            | Node::Push { base, .. }
            | Node::Resize { base, .. }
            | Node::Overwrite { target: base, .. } = node
            {
                written.insert(*base);
            }
            if let Node::Def(value) = node {
                written.extend(self.written_by_call(*value));
            }
        });
        written
    }

    /// The buffers a call (or method) writes through `&mut` arguments.
    pub fn written_by_call(&self, call: ValueId) -> Vec<ValueId> {
        let args = match &self.def(call).op {
            Op::Opaque(Opaque::Call { args, .. } | Opaque::Method { args, .. }) => args,
            _ => return Vec::new(),
        };
        args.iter()
            .filter_map(|arg| match &self.def(*arg).op {
                Op::Opaque(Opaque::BorrowMut { base, .. }) => Some(*base),
                _ => None,
            })
            .collect()
    }

    /// Whether a call lends `&mut` arguments (so its pullback follows the
    /// out-parameter convention).
    pub fn lends_mut(&self, call: ValueId) -> bool {
        let args = match &self.def(call).op {
            Op::Opaque(Opaque::Call { args, .. } | Opaque::Method { args, .. }) => args,
            _ => return false,
        };
        args.iter().any(|arg| {
            matches!(
                self.def(*arg).op,
                Op::Opaque(Opaque::BorrowMut { .. } | Opaque::ConstantMut { .. })
            )
        })
    }

    /// Whether a call lends `&mut` float data (a buffer, row, slice, element
    /// or float variable): its pullback then follows the out-parameter
    /// convention. A constant lent `&mut` (a workspace, an RNG) is none: the
    /// callee's parameter is not a float one either.
    pub fn lends_float_mut(&self, call: ValueId) -> bool {
        let args = match &self.def(call).op {
            Op::Opaque(Opaque::Call { args, .. } | Opaque::Method { args, .. }) => args,
            _ => return false,
        };
        args.iter()
            .any(|arg| matches!(self.def(*arg).op, Op::Opaque(Opaque::BorrowMut { .. })))
    }

    /// Whether `block` executes inside a loop body (possibly several times per
    /// call), so values defined in it are overwritten.
    pub fn in_loop(&self, block: BlockId) -> bool {
        self.blocks[block.0].in_loop
    }
}

impl Op {
    /// The values this operation reads, in order.
    pub fn operands(&self) -> Vec<ValueId> {
        match self {
            Op::Param { .. }
            | Op::Const(_)
            | Op::ReadSlot(_)
            | Op::LoopItem
            | Op::TripCount
            | Op::Decision => vec![],
            Op::Copy(v) | Op::Deref(v) | Op::Neg(v) | Op::Cast { value: v, .. } => vec![*v],
            Op::Binding { scrutinee, .. } => vec![*scrutinee],
            Op::Arith(_, a, b) => vec![*a, *b],
            Op::Index { base, indices } => std::iter::once(*base)
                .chain(indices.iter().copied())
                .collect(),
            Op::Buffer(init) => match init {
                BufferInit::Repeat { elem, len } => match len {
                    RepeatLen::Vec(len) => vec![*elem, *len],
                    RepeatLen::Array(_) => vec![*elem],
                },
                BufferInit::List { elems, .. } => elems.clone(),
                BufferInit::Copy {
                    source,
                    prefix,
                    range,
                    ..
                } => std::iter::once(*source)
                    .chain(prefix.iter().copied())
                    .chain(range.iter().flat_map(|(start, end)| [*start, *end]))
                    .collect(),
                BufferInit::Empty { args, .. } => args.clone(),
            },
            Op::Rule { args, .. } => args.clone(),
            Op::Opaque(opaque) => match opaque {
                Opaque::Unary(_, v) | Opaque::Ref(v) | Opaque::Field { base: v, .. } => vec![*v],
                Opaque::Binary(_, a, b) => vec![*a, *b],
                Opaque::Method { receiver, args, .. } => std::iter::once(*receiver)
                    .chain(args.iter().copied())
                    .collect(),
                Opaque::Call { args, .. } | Opaque::Tuple(args) => args.clone(),
                Opaque::Closure { captures, .. } => captures.iter().map(|(_, v)| *v).collect(),
                Opaque::CallGradient(call) => vec![*call],
                Opaque::Invoke { callee, args } => std::iter::once(*callee)
                    .chain(args.iter().copied())
                    .collect(),
                Opaque::Range { start, end, .. } => start.iter().chain(end).copied().collect(),
                Opaque::Slice {
                    base,
                    prefix,
                    start,
                    end,
                } => std::iter::once(*base)
                    .chain(prefix.iter().copied())
                    .chain([*start, *end])
                    .collect(),
                // The copy taken before the call is read by the reverse sweep
                // only (it gets no adjoint of its own).
                Opaque::BorrowMut {
                    base,
                    prefix,
                    range,
                    ..
                } => std::iter::once(*base)
                    .chain(prefix.iter().copied())
                    .chain(range.iter().flat_map(|(start, end)| [*start, *end]))
                    .collect(),
                Opaque::ConstantMut { value, .. } => vec![*value],
                Opaque::Index { base, indices, .. } => std::iter::once(*base)
                    .chain(indices.iter().copied())
                    .collect(),
            },
        }
    }
}

impl Block {
    /// Calls `visit` on every node of this block and of the blocks nested in it,
    /// in program order (a node before the blocks it holds).
    /// The ids of this block and of every block nested in it.
    pub fn block_ids(&self) -> std::collections::HashSet<BlockId> {
        let mut ids = std::collections::HashSet::from([self.id]);
        self.walk(&mut |node| ids.extend(node.blocks().iter().map(|block| block.id)));
        ids
    }

    pub fn walk<'a>(&'a self, visit: &mut dyn FnMut(&'a Node)) {
        for node in &self.nodes {
            visit(node);
            for block in node.blocks() {
                block.walk(visit);
            }
        }
    }
}

impl Node {
    /// The values a node itself reads (not those of the blocks it holds).
    pub fn operands(&self) -> Vec<ValueId> {
        match self {
            Node::Def(_) => vec![],
            Node::Declare { init, .. } => match init {
                SlotInit::Value(value) => vec![*value],
                SlotInit::Default => vec![],
            },
            Node::Write { value, .. } => vec![*value],
            Node::Store {
                base,
                indices,
                value,
            } => std::iter::once(*base)
                .chain(indices.iter().copied())
                .chain([*value])
                .collect(),
            Node::Push { base, value } => vec![*base, *value],
            Node::Resize {
                base,
                old_len,
                new_len,
                fill,
            } => [*base, *old_len, *new_len]
                .into_iter()
                .chain(*fill)
                .collect(),
            Node::Overwrite {
                target,
                source,
                old_len,
            } => vec![*target, *source, *old_len],
            Node::WriteBack { target, value } => vec![*target, *value],
            Node::If { cond, .. } => vec![*cond],
            Node::Match {
                scrutinee, arms, ..
            } => std::iter::once(*scrutinee)
                .chain(
                    arms.iter()
                        .filter_map(|arm| arm.guard.as_ref().map(|g| g.1)),
                )
                .collect(),
            Node::Loop(lp) => match lp.kind {
                LoopKind::For { iter, .. } => vec![iter],
                LoopKind::Infinite => vec![],
            },
            Node::FieldWrite { base, value, .. } => vec![*base, *value],
            Node::Macro { args, .. } => args
                .iter()
                .filter_map(|arg| match arg {
                    MacroArg::Tokens(_) => None,
                    MacroArg::Value(value)
                    | MacroArg::Borrowed(value)
                    | MacroArg::Named(_, value) => Some(*value),
                })
                .collect(),
        }
    }

    /// The blocks a node holds, to edit (an IR pass inserting nodes).
    pub fn blocks_mut(&mut self) -> Vec<&mut Block> {
        match self {
            Node::If {
                then, otherwise, ..
            } => vec![then, otherwise],
            Node::Match { arms, .. } => arms
                .iter_mut()
                .flat_map(|arm| {
                    let guard = arm.guard.as_mut().map(|(block, _)| block);
                    guard.into_iter().chain([&mut arm.body])
                })
                .collect(),
            Node::Loop(lp) => vec![&mut lp.body],
            _ => Vec::new(),
        }
    }

    /// The blocks a node holds, in program order (a guard before its arm).
    pub fn blocks(&self) -> Vec<&Block> {
        match self {
            Node::If {
                then, otherwise, ..
            } => vec![then, otherwise],
            Node::Match { arms, .. } => arms
                .iter()
                .flat_map(|arm| arm.guard.iter().map(|(block, _)| block).chain([&arm.body]))
                .collect(),
            Node::Loop(lp) => vec![&lp.body],
            Node::Def(_)
            | Node::Declare { .. }
            | Node::Write { .. }
            | Node::Store { .. }
            | Node::Push { .. }
            | Node::Resize { .. }
            | Node::Overwrite { .. }
            | Node::WriteBack { .. }
            | Node::FieldWrite { .. }
            | Node::Macro { .. } => {
                vec![]
            }
        }
    }
}
