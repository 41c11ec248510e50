//! In-place updates of buffer elements: `buf[i] += e` (and `-=`, and
//! `buf[i] = buf[i] + e`).
//!
//! Lowered, such an update reads the element, adds, and stores back. Its
//! reverse taken literally reads the element's adjoint, zeroes it, and then
//! adds the same adjoint back for the read: a load, two stores and a load per
//! update, which LLVM cannot remove (it does not know that the adjoint buffer
//! does not alias the others). The old element passes through an update
//! unchanged, so its adjoint is left as it is, and only `e` receives it. This
//! is the inner statement of every accumulation into a buffer (matrix-vector
//! products, histograms, scatter-adds), so it is worth recognising.

use crate::ir::{Arith, Block, Body, Node, Op, ValueId};
use std::collections::HashMap;

/// An update `base[indices] = read ± other` whose `read` is `base[indices]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InPlace {
    /// The operand that is not the element read.
    pub other: ValueId,
    /// `buf[i] -= e`.
    pub negative: bool,
}

/// The in-place updates of a body, by the value stored.
pub fn in_place_updates(body: &Body) -> HashMap<ValueId, InPlace> {
    let uses = use_counts(body);
    let mut out = HashMap::new();
    visit(body, &body.root, &uses, &mut out);
    out
}

fn visit(body: &Body, block: &Block, uses: &[usize], out: &mut HashMap<ValueId, InPlace>) {
    for (position, node) in block.nodes.iter().enumerate() {
        if let Node::Store {
            base,
            indices,
            value,
        } = node
        {
            if let Some(update) = update(body, block, position, (*base, indices, *value), uses) {
                out.insert(*value, update);
            }
        }
        for nested in node.blocks() {
            visit(body, nested, uses, out);
        }
    }
}

/// The store at `position` of `block`, if it is an in-place update: its
/// value `read ± other` is used only there, `read` is the same element, used
/// only in the sum, and nothing between the read and the store touches the
/// buffer but reads.
fn update(
    body: &Body,
    block: &Block,
    position: usize,
    (base, indices, value): (ValueId, &[ValueId], ValueId),
    uses: &[usize],
) -> Option<InPlace> {
    let Op::Arith(arith @ (Arith::Add | Arith::Sub), a, b) = body.def(value).op else {
        return None;
    };
    let is_element = |read: ValueId| {
        uses[read.0] == 1
            && matches!(&body.def(read).op,
                Op::Index { base: read_base, indices: read_indices }
                    if *read_base == base
                        && read_indices.len() == indices.len()
                        && read_indices.iter().zip(indices).all(|(a, b)| same(body, *a, *b)))
    };
    let (read, update) = if is_element(a) {
        let negative = arith == Arith::Sub;
        (a, InPlace { other: b, negative })
    } else if arith == Arith::Add && is_element(b) {
        (
            b,
            InPlace {
                other: a,
                negative: false,
            },
        )
    } else {
        return None;
    };
    if uses[value.0] != 1 {
        return None;
    }
    let read_at = block
        .nodes
        .iter()
        .position(|node| matches!(node, Node::Def(v) if *v == read))?;
    let between = block.nodes.get(read_at + 1..position)?;
    let untouched = between.iter().all(|node| match node {
        Node::Def(v) => {
            matches!(body.def(*v).op, Op::Index { .. })
                || !body.def(*v).op.operands().contains(&base)
        }
        _ => false,
    });
    untouched.then_some(update)
}

/// Whether two index values are the same computation of the same values
/// (`y[i - 1] += ...` lowers `i - 1` twice).
fn same(body: &Body, a: ValueId, b: ValueId) -> bool {
    use crate::ir::Opaque;
    if a == b {
        return true;
    }
    match (&body.def(a).op, &body.def(b).op) {
        (Op::Const(x), Op::Const(y)) => x.to_string() == y.to_string(),
        (Op::Arith(f, a1, a2), Op::Arith(g, b1, b2)) => {
            f == g && same(body, *a1, *b1) && same(body, *a2, *b2)
        }
        (Op::Opaque(Opaque::Binary(f, a1, a2)), Op::Opaque(Opaque::Binary(g, b1, b2))) => {
            f == g && same(body, *a1, *b1) && same(body, *a2, *b2)
        }
        (Op::Copy(x), Op::Copy(y)) => same(body, *x, *y),
        _ => false,
    }
}

/// How many times each value is read: by statements, nodes and the return.
fn use_counts(body: &Body) -> Vec<usize> {
    let mut uses = vec![0; body.value_count()];
    for stmt in &body.values {
        for operand in stmt.op.operands() {
            uses[operand.0] += 1;
        }
    }
    body.root.walk(&mut |node| {
        for v in node.operands() {
            uses[v.0] += 1;
        }
    });
    uses[body.ret.0] += 1;
    uses
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attr::Options;
    use crate::{lower, signature};
    use proc_macro2::TokenStream;
    use quote::quote;

    /// The in-place updates of a function, as `stored value: other (sign)`.
    fn updates(item: TokenStream) -> Vec<String> {
        let function: syn::ItemFn = syn::parse2(item).unwrap();
        let sig = signature::analyze(&function.sig, &Options::default()).unwrap();
        let body = lower::lower(&function.block, &sig).unwrap().body;
        let mut out: Vec<String> = in_place_updates(&body)
            .into_iter()
            .map(|(value, update)| {
                let sign = if update.negative { "-" } else { "+" };
                format!("v{} = {sign}v{}", value.0, update.other.0)
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn compound_assignments_and_their_long_forms_are_updates() {
        let found = updates(quote!(
            fn f(x: &[f64]) -> f64 {
                let mut y = vec![0.0; 3];
                y[0] += x[0];
                y[1] -= x[1];
                y[2] = x[2] + y[2];
                y[0] + y[1] + y[2]
            }
        ));
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(found.iter().any(|u| u.contains("-v")), "{found:?}");
    }

    #[test]
    fn an_index_computed_twice_is_the_same_element() {
        let found = updates(quote!(
            fn f(x: &[f64]) -> f64 {
                let mut y = vec![0.0; 4];
                for i in 1..4 {
                    y[i - 1] += x[i] * 2.0;
                    y[2 * i - 2] -= x[i];
                }
                y[0]
            }
        ));
        assert_eq!(found.len(), 2, "{found:?}");
    }

    #[test]
    fn other_elements_and_reused_reads_are_not() {
        let found = updates(quote!(
            fn f(x: &[f64]) -> f64 {
                let mut y = vec![1.0; 3];
                // Another element.
                y[0] = y[1] + x[0];
                // The read is used twice.
                let old = y[2];
                y[2] = old + old * x[1];
                // Subtracted from.
                y[1] = x[2] - y[1];
                y[0] + y[1] + y[2]
            }
        ));
        assert!(found.is_empty(), "{found:?}");
    }
}
