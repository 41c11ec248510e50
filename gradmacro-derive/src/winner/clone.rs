//! Copies of IR code with fresh values, variables and blocks: the winner's
//! value computed again after its loop (see [`super`]).

use super::plan::Tainted;
use crate::ir::{
    Block, BlockId, BlockInfo, Body, Loop, LoopKind, Node, Op, Opaque, Slot, SlotId, SlotInit,
    Stmt, ValueId,
};
use std::collections::HashMap;

/// A copy of a prefix node, in block `home`, with fresh values, slots and
/// blocks (`map`, `slot_map`: the old ones to the new, filled as it goes).
pub(super) fn clone_node(
    body: &mut Body,
    node: &Node,
    home: BlockId,
    in_loop: bool,
    map: &mut HashMap<ValueId, ValueId>,
    slot_map: &mut HashMap<SlotId, SlotId>,
    tainted: &Tainted,
) -> Node {
    let value_of = |map: &HashMap<ValueId, ValueId>, v: ValueId| map.get(&v).copied().unwrap_or(v);
    match node {
        Node::Def(value) => {
            let stmt = body.def(*value);
            let slot_of = |s: SlotId| slot_map.get(&s).copied().unwrap_or(s);
            let op = remapped(&stmt.op, &|v| value_of(map, v), &slot_of);
            let copy = Stmt {
                def: ValueId(body.values.len()),
                op,
                ty: stmt.ty.clone(),
                mutable: stmt.mutable,
                span: stmt.span,
                home,
                buffer: stmt.buffer,
            };
            let new = copy.def;
            body.values.push(copy);
            map.insert(*value, new);
            Node::Def(new)
        }
        Node::Declare { slot, init } => {
            let name = body.slots[slot.0].name.clone();
            let new = push_slot(body, &name, home);
            slot_map.insert(*slot, new);
            let init = match init {
                SlotInit::Value(value) => SlotInit::Value(value_of(map, *value)),
                SlotInit::Default => SlotInit::Default,
            };
            Node::Declare { slot: new, init }
        }
        Node::Write { slot, value } => Node::Write {
            slot: slot_map.get(slot).copied().unwrap_or(*slot),
            value: value_of(map, *value),
        },
        Node::If {
            cond,
            then,
            otherwise,
        } => {
            let cond = value_of(map, *cond);
            let then = clone_block(body, then, in_loop, map, slot_map, tainted);
            let otherwise = clone_block(body, otherwise, in_loop, map, slot_map, tainted);
            Node::If {
                cond,
                then,
                otherwise,
            }
        }
        Node::Loop(inner) => {
            let kind = match inner.kind {
                LoopKind::For { item, iter } => {
                    let iter = value_of(map, iter);
                    // The item is the body's first definition: mapped there.
                    let body_block = clone_block(body, &inner.body, true, map, slot_map, tainted);
                    let item = value_of(map, item);
                    return Node::Loop(Loop {
                        kind: LoopKind::For { item, iter },
                        body: body_block,
                        trip: value_of(map, inner.trip),
                        exit_flags: Vec::new(),
                        continue_flag: None,
                        break_flag: None,
                    });
                }
                LoopKind::Infinite => LoopKind::Infinite,
            };
            let body_block = clone_block(body, &inner.body, true, map, slot_map, tainted);
            Node::Loop(Loop {
                kind,
                body: body_block,
                trip: value_of(map, inner.trip),
                exit_flags: Vec::new(),
                continue_flag: None,
                break_flag: None,
            })
        }
        // `plan` admits nothing else in the prefix.
        _ => unreachable!("only definitions, variables, branches and loops are cloned"),
    }
}

/// A copy of a prefix block (its left-out nodes skipped), as [`clone_node`].
fn clone_block(
    body: &mut Body,
    block: &Block,
    in_loop: bool,
    map: &mut HashMap<ValueId, ValueId>,
    slot_map: &mut HashMap<SlotId, SlotId>,
    tainted: &Tainted,
) -> Block {
    let id = push_block(body, in_loop);
    let nodes = block
        .nodes
        .iter()
        .filter(|node| !tainted.skips(node))
        .map(|node| clone_node(body, node, id, in_loop, map, slot_map, tainted))
        .collect();
    Block { id, nodes }
}

/// `op` with its operands and slots renamed (for the operations
/// the plan's `clonable` admits).
fn remapped(op: &Op, value: &dyn Fn(ValueId) -> ValueId, slot: &dyn Fn(SlotId) -> SlotId) -> Op {
    let values = |vs: &[ValueId]| vs.iter().map(|v| value(*v)).collect::<Vec<_>>();
    match op {
        Op::Const(tokens) => Op::Const(tokens.clone()),
        Op::Copy(v) => Op::Copy(value(*v)),
        Op::Neg(v) => Op::Neg(value(*v)),
        Op::Arith(arith, a, b) => Op::Arith(*arith, value(*a), value(*b)),
        Op::Cast {
            value: v,
            ty,
            target,
        } => Op::Cast {
            value: value(*v),
            ty: ty.clone(),
            target: *target,
        },
        Op::Rule {
            rule,
            args,
            form,
            name,
        } => Op::Rule {
            rule,
            args: values(args),
            form: form.clone(),
            name: name.clone(),
        },
        Op::Index { base, indices } => Op::Index {
            base: value(*base),
            indices: values(indices),
        },
        Op::ReadSlot(s) => Op::ReadSlot(slot(*s)),
        Op::LoopItem => Op::LoopItem,
        Op::TripCount => Op::TripCount,
        Op::Opaque(opaque) => Op::Opaque(match opaque {
            Opaque::Unary(op, v) => Opaque::Unary(*op, value(*v)),
            Opaque::Binary(op, a, b) => Opaque::Binary(*op, value(*a), value(*b)),
            Opaque::Ref(v) => Opaque::Ref(value(*v)),
            Opaque::Field {
                base,
                member,
                borrowed,
            } => Opaque::Field {
                base: value(*base),
                member: member.clone(),
                borrowed: *borrowed,
            },
            Opaque::Index {
                base,
                indices,
                borrowed,
            } => Opaque::Index {
                base: value(*base),
                indices: values(indices),
                borrowed: *borrowed,
            },
            Opaque::Slice {
                base,
                prefix,
                start,
                end,
            } => Opaque::Slice {
                base: value(*base),
                prefix: values(prefix),
                start: value(*start),
                end: value(*end),
            },
            Opaque::Range {
                start,
                end,
                inclusive,
            } => Opaque::Range {
                start: start.map(value),
                end: end.map(value),
                inclusive: *inclusive,
            },
            Opaque::Method {
                receiver,
                method,
                turbofish,
                args,
            } => Opaque::Method {
                receiver: value(*receiver),
                method: method.clone(),
                turbofish: turbofish.clone(),
                args: values(args),
            },
            _ => unreachable!("`clonable` admits no other operation"),
        }),
        _ => unreachable!("`clonable` admits no other operation"),
    }
}

/// A new value of `op`, defined in `home` (its node placed by the caller).
pub(super) fn push_value(
    body: &mut Body,
    op: Op,
    home: BlockId,
    span: proc_macro2::Span,
) -> ValueId {
    let def = ValueId(body.values.len());
    body.values.push(Stmt {
        def,
        op,
        ty: None,
        mutable: false,
        span,
        home,
        buffer: false,
    });
    def
}

/// A new variable declared in `home`.
pub(super) fn push_slot(body: &mut Body, name: &str, home: BlockId) -> SlotId {
    body.slots.push(Slot {
        name: name.to_owned(),
        home,
    });
    SlotId(body.slots.len() - 1)
}

/// A new block's id.
pub(super) fn push_block(body: &mut Body, in_loop: bool) -> BlockId {
    body.blocks.push(BlockInfo { in_loop });
    BlockId(body.blocks.len() - 1)
}
