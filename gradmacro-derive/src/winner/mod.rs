//! Running minima and maxima of computed values: `if dist < best { best =
//! dist; }` over candidates (k-means' nearest centroid), `dist` computed in
//! the same iteration.
//!
//! Only the winning candidate's `dist` reaches the result, but reversed as
//! written, every candidate's computation is differentiated: store-all saves
//! what each iteration computes, and the reverse sweep runs them all
//! backwards for one nonzero adjoint. A hand-written gradient remembers which
//! candidate won and differentiates that one. This pass rewrites the loop
//! into that form, IR to IR, before anything is differentiated:
//!
//! ```text
//! best' = best; found = false; winner = default      (new variables)
//! for j in a..b { ..dist..; if dist < best' { best' = dist; found = true; winner = j } }
//! if found { j = winner; ..dist.. (again, for j); best = dist }
//! ```
//!
//! The loop now only decides (`best'` is read by its conditions alone, so it
//! is not differentiated, and the loop saves nothing), and the code after it
//! computes the winner's `dist` once more, which is differentiated as any
//! straight code is. The values are those of the original program, bit for
//! bit: `best'` follows `best`'s values exactly, and the recomputation runs
//! the same operations on the same inputs.
//!
//! Applied to a `for` loop over a range that leaves only by its own `break`
//! (or none), stores into no buffer and calls nothing, in which every write
//! to a variable `best` declared before it copies one value `dist`: a value
//! of the loop's body at its top level before the node holding the write,
//! or a variable the body declares, read where nothing in between writes
//! it. The code computing `dist` (the body's nodes before the first node
//! writing `best`) must be a function of the loop's item and of what the
//! loop does not change: it reads no variable from outside that the loop
//! writes, writes only variables it declares, and is made of arithmetic,
//! rules, element reads, comparisons and nested loops of the same. A copy of
//! an element (`best = x[j]`) is left to [`crate::argmax`], which needs no
//! recomputation.

use crate::ir::{Block, BlockId, Body, Loop, Node, Op, Opaque, SlotId, SlotInit, ValueId};
use quote::quote;
use std::collections::HashMap;

mod clone;
mod plan;
#[cfg(test)]
mod tests;

use clone::{clone_node, push_block, push_slot, push_value};
use plan::{plan, Copied, Plan};

/// Rewrites every running minimum or maximum of a computed value (see the
/// module docs).
pub fn recompute_winners(body: &mut Body) {
    let mut root = std::mem::replace(
        &mut body.root,
        Block {
            id: crate::ir::ROOT,
            nodes: Vec::new(),
        },
    );
    visit(body, &mut root);
    body.root = root;
}

/// Rewrites the loops of `block` (at any depth).
fn visit(body: &mut Body, block: &mut Block) {
    let mut nodes = Vec::with_capacity(block.nodes.len());
    for mut node in std::mem::take(&mut block.nodes) {
        for nested in node_blocks_mut(&mut node) {
            visit(body, nested);
        }
        let mut after = Vec::new();
        if let Node::Loop(lp) = &mut node {
            if let Some(plan) = plan(body, lp) {
                after = rewrite(body, lp, block.id, &plan, &mut nodes);
            }
        }
        nodes.push(node);
        nodes.extend(after);
    }
    block.nodes = nodes;
}

fn node_blocks_mut(node: &mut Node) -> Vec<&mut Block> {
    match node {
        Node::If {
            then, otherwise, ..
        } => vec![then, otherwise],
        Node::Match { arms, .. } => arms.iter_mut().map(|arm| &mut arm.body).collect(),
        Node::Loop(lp) => vec![&mut lp.body],
        _ => Vec::new(),
    }
}

/// Rewrites `lp` (see the module docs): the nodes to put after it, in
/// `block`; `before` receives the new variables' declarations.
fn rewrite(
    body: &mut Body,
    lp: &mut Loop,
    block: BlockId,
    plan: &Plan,
    before: &mut Vec<Node>,
) -> Vec<Node> {
    let span = body.def(plan.item).span;
    let in_loop = body.blocks[block.0].in_loop;
    let best_name = body.slots[plan.best.0].name.clone();
    // best' = best; found = false; winner = default.
    let current = push_value(body, Op::ReadSlot(plan.best), block, span);
    let shadow = push_slot(body, &format!("{best_name} (running)"), block);
    let no = push_value(body, Op::Const(quote!(false)), block, span);
    let found = push_slot(body, "found", block);
    let winner = push_slot(body, "winner", block);
    before.extend([
        Node::Def(current),
        Node::Declare {
            slot: shadow,
            init: SlotInit::Value(current),
        },
        Node::Def(no),
        Node::Declare {
            slot: found,
            init: SlotInit::Value(no),
        },
        Node::Declare {
            slot: winner,
            init: SlotInit::Default,
        },
    ]);
    // In the loop, `best` is `best'`, and each write records the winner.
    rename_in(body, &mut lp.body, plan, shadow, found, winner);
    // After it: if found { j = winner; ..dist..; best = dist }.
    let flag = push_value(body, Op::ReadSlot(found), block, span);
    let then_id = push_block(body, in_loop);
    let chosen = push_value(body, Op::ReadSlot(winner), then_id, span);
    let mut map: HashMap<ValueId, ValueId> = HashMap::from([(plan.item, chosen)]);
    let mut slot_map: HashMap<SlotId, SlotId> = HashMap::new();
    let mut then = vec![Node::Def(chosen)];
    for node in &lp.body.nodes[..plan.prefix] {
        if matches!(node, Node::Def(def) if *def == plan.item) || plan.tainted.skips(node) {
            continue;
        }
        then.push(clone_node(
            body,
            node,
            then_id,
            in_loop,
            &mut map,
            &mut slot_map,
            &plan.tainted,
        ));
    }
    let copied = match plan.copied {
        Copied::Value(value) => map.get(&value).copied().unwrap_or(value),
        Copied::Slot(slot) => {
            let slot = slot_map.get(&slot).copied().unwrap_or(slot);
            let read = push_value(body, Op::ReadSlot(slot), then_id, span);
            then.push(Node::Def(read));
            read
        }
    };
    then.push(Node::Write {
        slot: plan.best,
        value: copied,
    });
    let otherwise = push_block(body, in_loop);
    vec![
        Node::Def(flag),
        Node::If {
            cond: flag,
            then: Block {
                id: then_id,
                nodes: then,
            },
            otherwise: Block {
                id: otherwise,
                nodes: Vec::new(),
            },
        },
    ]
}

/// In the loop's blocks: reads of `best` read `shadow`, and each write to
/// `best` writes `shadow` and records `found` and the winner.
fn rename_in(
    body: &mut Body,
    block: &mut Block,
    plan: &Plan,
    shadow: SlotId,
    found: SlotId,
    winner: SlotId,
) {
    let mut nodes = Vec::with_capacity(block.nodes.len());
    for mut node in std::mem::take(&mut block.nodes) {
        for nested in node_blocks_mut(&mut node) {
            rename_in(body, nested, plan, shadow, found, winner);
        }
        match node {
            Node::Def(value) => {
                if matches!(body.values[value.0].op, Op::ReadSlot(slot) if slot == plan.best) {
                    body.values[value.0].op = Op::ReadSlot(shadow);
                }
                nodes.push(node);
            }
            Node::Write { slot, value } if slot == plan.best => {
                let span = body.def(value).span;
                let yes = push_value(body, Op::Const(quote!(true)), block.id, span);
                let item = push_value(body, Op::Copy(plan.item), block.id, span);
                nodes.push(Node::Write {
                    slot: shadow,
                    value,
                });
                let record = vec![
                    Node::Def(yes),
                    Node::Write {
                        slot: found,
                        value: yes,
                    },
                    Node::Def(item),
                    Node::Write {
                        slot: winner,
                        value: item,
                    },
                ];
                match plan.rule {
                    None => nodes.extend(record),
                    // `best' = best'.min(dist)`: recorded where `dist` wins.
                    Some(rule) => {
                        let (won, defs) = winning(body, value, rule, block.id);
                        nodes.extend(defs.into_iter().map(Node::Def));
                        let then = push_block(body, body.blocks[block.id.0].in_loop);
                        let otherwise = push_block(body, body.blocks[block.id.0].in_loop);
                        for node in &record {
                            if let Node::Def(value) = node {
                                body.values[value.0].home = then;
                            }
                        }
                        nodes.push(Node::If {
                            cond: won,
                            then: Block {
                                id: then,
                                nodes: record,
                            },
                            otherwise: Block {
                                id: otherwise,
                                nodes: Vec::new(),
                            },
                        });
                    }
                }
            }
            other => nodes.push(other),
        }
    }
    block.nodes = nodes;
}

/// Whether `dist` won the running `min`/`max` step `value` (as the rule's
/// partials say: the first argument wins ties, and against a NaN second):
/// the condition and its definitions, in `home`.
fn winning(
    body: &mut Body,
    value: ValueId,
    (name, position): (&'static str, usize),
    home: BlockId,
) -> (ValueId, Vec<ValueId>) {
    let (first, second) = match &body.def(value).op {
        Op::Rule { args, .. } => (args[0], args[1]),
        _ => unreachable!("`plan` admits a rule only"),
    };
    let span = body.def(value).span;
    let keeps_first = match name {
        "min" => syn::BinOp::Le(Default::default()),
        _ => syn::BinOp::Ge(Default::default()),
    };
    // first wins: `first <= second || second != second` (`>=` for max).
    let ordered = push_value(
        body,
        Op::Opaque(Opaque::Binary(keeps_first, first, second)),
        home,
        span,
    );
    let nan = Opaque::Binary(syn::BinOp::Ne(Default::default()), second, second);
    let nan = push_value(body, Op::Opaque(nan), home, span);
    let or = Opaque::Binary(syn::BinOp::Or(Default::default()), ordered, nan);
    let first_wins = push_value(body, Op::Opaque(or), home, span);
    match position {
        0 => (first_wins, vec![ordered, nan, first_wins]),
        _ => {
            let not = Opaque::Unary(syn::UnOp::Not(Default::default()), first_wins);
            let second_wins = push_value(body, Op::Opaque(not), home, span);
            (second_wins, vec![ordered, nan, first_wins, second_wins])
        }
    }
}
