//! Repeated element reads: `qx[j] * qx[j]`, `x[2 * i] - x[2 * i]` read the
//! same element twice. Lowered literally, each read is a value of its own,
//! and the reverse sweep saves both where it needs them; a hand-written
//! gradient reads once. This pass makes a later read of the same element a
//! copy of the first when nothing can have written the buffer in between in
//! the same block (a store, push, resize or whole assignment into it, a call
//! that may write anything, a nested block that writes it), so that products
//! of a read with itself take the `a · a` derivative and one value is saved.
//! Indices are compared by what they compute (the same values, literals,
//! arithmetic and casts of such), not by where.

use crate::ir::{Block, Body, Node, Op, Opaque, ValueId};
use std::collections::HashMap;

/// Makes repeated reads of an element copies of the first (see the module docs).
pub fn element_reads(body: &mut Body) {
    let mut replaced: Vec<(ValueId, ValueId)> = Vec::new();
    visit(body, &body.root, &mut replaced);
    for (read, first) in replaced {
        body.values[read.0].op = Op::Copy(first);
    }
}

fn visit(body: &Body, block: &Block, replaced: &mut Vec<(ValueId, ValueId)>) {
    let mut seen: HashMap<(ValueId, Vec<String>), ValueId> = HashMap::new();
    for node in &block.nodes {
        match node {
            Node::Def(value) => {
                let stmt = body.def(*value);
                match &stmt.op {
                    Op::Index { base, indices } if !stmt.buffer => {
                        let key = (*base, indices.iter().map(|i| key(body, *i, 0)).collect());
                        match seen.get(&key) {
                            Some(first) => replaced.push((*value, *first)),
                            None => {
                                seen.insert(key, *value);
                            }
                        }
                    }
                    // A call may write what it can reach.
                    Op::Opaque(Opaque::Call { .. } | Opaque::Method { .. })
                    | Op::Opaque(Opaque::BorrowMut { .. }) => {
                        let pure_length = matches!(&stmt.op,
                            Op::Opaque(Opaque::Method { method, args, .. }) if method == "len" && args.is_empty());
                        if !pure_length {
                            seen.clear();
                        }
                    }
                    _ => {}
                }
            }
            Node::Store { base, .. }
            | Node::Push { base, .. }
            | Node::Resize { base, .. }
            | Node::Overwrite { target: base, .. } => seen.retain(|(b, _), _| b != base),
            Node::Declare { .. } | Node::Write { .. } => {}
            _ => {
                // A nested block, or a node writing through a reference: forget
                // every buffer it writes (all of them, to be safe, unless it
                // is a plain nested block whose writes are visible).
                if node.blocks().is_empty() {
                    seen.clear();
                }
            }
        }
        for nested in node.blocks() {
            visit(body, nested, replaced);
            let mut written = Vec::new();
            let mut opaque = false;
            nested.walk(&mut |inner| match inner {
                Node::Store { base, .. }
                | Node::Push { base, .. }
                | Node::Resize { base, .. }
                | Node::Overwrite { target: base, .. } => written.push(*base),
                Node::Def(value) => {
                    if matches!(
                        body.def(*value).op,
                        Op::Opaque(
                            Opaque::Call { .. } | Opaque::Method { .. } | Opaque::BorrowMut { .. }
                        )
                    ) {
                        opaque = true;
                    }
                }
                Node::Declare { .. } | Node::Write { .. } => {}
                other => {
                    if other.blocks().is_empty() {
                        opaque = true;
                    }
                }
            });
            if opaque {
                seen.clear();
            }
            seen.retain(|(b, _), _| !written.contains(b));
        }
    }
}

/// What an index computes, as text: two indices with the same key are equal.
fn key(body: &Body, value: ValueId, depth: usize) -> String {
    if depth > 8 {
        return format!("v{}", value.0);
    }
    match &body.def(value).op {
        Op::Const(tokens) => format!("c{tokens}"),
        Op::Copy(inner) => key(body, *inner, depth + 1),
        Op::Arith(arith, a, b) => format!(
            "({} {:?} {})",
            key(body, *a, depth + 1),
            arith,
            key(body, *b, depth + 1)
        ),
        _ => format!("v{}", value.0),
    }
}
