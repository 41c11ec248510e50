//! Loop-invariant code motion: a float computation inside a loop whose
//! operands are all defined before the loop (`h / 2.0` in `tmp[i] = y[i] + h
//! / 2.0 * k[i]`) is moved in front of the loop.
//!
//! Why here, on the IR, before anything is differentiated: a value defined in a
//! loop body that the reverse sweep reads is saved once per iteration (8 bytes
//! a trip for a constant of the loop: an RK4 step's `h / 2.0` was taped once
//! per element per stage), while a value of the enclosing block is computed
//! once and read by name. LLVM hoists such arithmetic in the primal, but it
//! cannot remove a tape the generated code writes. Moving it first, by the same
//! rule every later pass sees, makes the save plan, the fusion plan and the
//! dump agree on where the value lives. A hand-written gradient computes `h /
//! 2.0` once too.
//!
//! Only operations that cannot panic or have an effect are moved, so that a
//! loop running no iteration behaves the same: float arithmetic and negation
//! (an operand of a known float type), float rules but `clamp` (which asserts
//! its bounds are ordered), `as` casts, and copies of scalars. Integer arithmetic stays (`n - 1` may overflow where the loop would
//! not have run); element reads stay (a buffer may change in the loop, and an
//! index may be out of bounds where no iteration ran); so do calls, slots and
//! buffers. Literals move with the values that use them. Loops are processed
//! innermost first, so a value hoisted out of an inner loop may leave the
//! outer one too.

use crate::ir::{Block, BlockId, Body, CastTarget, Node, Op, ValueId};
use crate::types::FloatTypes;
use std::collections::HashSet;

/// Moves loop-invariant float computations out of every loop (see the
/// module docs).
pub fn loop_invariants(body: &mut Body, types: &FloatTypes) {
    let mut root = std::mem::replace(
        &mut body.root,
        Block {
            id: crate::ir::ROOT,
            nodes: Vec::new(),
        },
    );
    let mut moved = Vec::new();
    visit(body, types, &mut root, &mut moved);
    body.root = root;
    for (value, home) in moved {
        body.values[value.0].home = home;
    }
}

/// Hoists out of every loop in `block` (at any depth), recording each moved
/// value's new home block.
fn visit(body: &Body, types: &FloatTypes, block: &mut Block, moved: &mut Vec<(ValueId, BlockId)>) {
    let mut nodes = Vec::with_capacity(block.nodes.len());
    for mut node in std::mem::take(&mut block.nodes) {
        match &mut node {
            Node::If {
                then, otherwise, ..
            } => {
                visit(body, types, then, moved);
                visit(body, types, otherwise, moved);
            }
            Node::Match { arms, .. } => {
                for arm in arms {
                    visit(body, types, &mut arm.body, moved);
                }
            }
            Node::Loop(lp) => {
                visit(body, types, &mut lp.body, moved);
                for value in invariants(body, types, &mut lp.body, moved) {
                    moved.push((value, block.id));
                    nodes.push(Node::Def(value));
                }
            }
            _ => {}
        }
        nodes.push(node);
    }
    block.nodes = nodes;
}

/// Removes the invariant definitions from the top level of `loop_body` and
/// returns them, in order. `moved` holds the values already moved out of
/// inner loops (their homes are not updated yet).
fn invariants(
    body: &Body,
    types: &FloatTypes,
    loop_body: &mut Block,
    moved: &[(ValueId, BlockId)],
) -> Vec<ValueId> {
    let inside = loop_body.block_ids();
    let moved_home: std::collections::HashMap<ValueId, BlockId> = moved.iter().copied().collect();
    let home = |value: ValueId| {
        moved_home
            .get(&value)
            .copied()
            .unwrap_or(body.def(value).home)
    };
    // Values whose definitions leave the loop, and literals that may follow them.
    let mut hoisted: HashSet<ValueId> = HashSet::new();
    let mut literals: HashSet<ValueId> = HashSet::new();
    for node in &loop_body.nodes {
        let Node::Def(value) = node else { continue };
        let stmt = body.def(*value);
        if matches!(stmt.op, Op::Const(_)) {
            literals.insert(*value);
            continue;
        }
        let outside = |operand: &ValueId| {
            hoisted.contains(operand)
                || literals.contains(operand)
                || !inside.contains(&home(*operand))
        };
        if is_movable(body, types, *value) && operands(&stmt.op).iter().all(outside) {
            hoisted.insert(*value);
        }
    }
    // The literals that hoisted values read go with them.
    let needed: HashSet<ValueId> = hoisted
        .iter()
        .flat_map(|value| operands(&body.def(*value).op))
        .filter(|operand| literals.contains(operand))
        .collect();
    let mut out = Vec::new();
    loop_body.nodes.retain(|node| match node {
        Node::Def(value) if hoisted.contains(value) || needed.contains(value) => {
            out.push(*value);
            false
        }
        _ => true,
    });
    out
}

/// Whether `value` computes something that cannot panic and has no effect.
fn is_movable(body: &Body, types: &FloatTypes, value: ValueId) -> bool {
    let stmt = body.def(value);
    if stmt.buffer || stmt.mutable {
        return false;
    }
    let float = |v: ValueId| types.of(v).is_some() || is_float_literal(body, v);
    match &stmt.op {
        Op::Arith(_, a, b) => float(*a) || float(*b),
        Op::Neg(v) => float(*v),
        // `clamp` asserts `min <= max`.
        Op::Rule { rule, .. } => rule.name != "clamp",
        Op::Cast { target, .. } => !matches!(target, CastTarget::Unknown),
        Op::Copy(v) => !body.def(*v).buffer && float(*v),
        _ => false,
    }
}

/// `2.0`, `1e-3`, `0.5f32`: a literal that is a float however it is used.
fn is_float_literal(body: &Body, value: ValueId) -> bool {
    let Op::Const(tokens) = &body.def(value).op else {
        return false;
    };
    let text = tokens.to_string();
    let digits = text.trim_start_matches('-');
    digits.starts_with(|c: char| c.is_ascii_digit())
        && (text.ends_with("f64")
            || text.ends_with("f32")
            || digits.contains('.')
            || (!digits.starts_with("0x") && digits.contains(['e', 'E'])))
}

/// The values an operation reads.
fn operands(op: &Op) -> Vec<ValueId> {
    match op {
        Op::Arith(_, a, b) => vec![*a, *b],
        Op::Neg(v) | Op::Copy(v) | Op::Cast { value: v, .. } => vec![*v],
        Op::Rule { args, .. } => args.clone(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests;
