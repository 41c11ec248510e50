//! Methods that rearrange a float buffer, lowered as the element reads and
//! writes they are made of, so their derivatives follow from the elements':
//!
//! | method | is |
//! |---|---|
//! | `b.fill(v)` | `for k in 0..b.len() { b[k] = v }` |
//! | `b.swap(i, j)` | the two elements (or rows) exchanged through a temporary |
//! | `b.reverse()` | `swap(k, n - 1 - k)` for the first half |
//! | `b.copy_from_slice(s)`, `b.clone_from_slice(s)` | `b[k] = s[k]` |
//! | `b.extend_from_slice(s)` | `b.push(s[k])` |
//! | `b.sort_by(cmp)`, `b.sort_unstable_by(cmp)` | the permutation that sorts `b` (computed on its values, a constant), then `b[k] = old[perm[k]]` |
//!
//!
//! Methods that change a buffer's length (`truncate`, `clear`, `resize`)
//! are a [`Node::Resize`](crate::ir::Node::Resize): the reverse sweep gives
//! the adjoint back its length. `pop` is a read of the last element and a
//! `truncate` (see `desugar.rs`).

use super::{unsupported, Lowered, Lowerer};
use crate::ir::{Node, Op, ValueId};
use syn::{parse_quote, Expr};

impl Lowerer {
    /// `b.truncate(n)`, `b.clear()`, `b.resize(n, v)` on a float buffer `b`.
    pub(super) fn lower_resize(
        &mut self,
        root: ValueId,
        prefix: &[ValueId],
        call: &syn::ExprMethodCall,
    ) -> syn::Result<Lowered> {
        let span = call.method.span();
        let depth = self.buffer_depths.get(&root).copied().unwrap_or(1);
        if !prefix.is_empty() || depth > 1 {
            return Err(unsupported(
                span,
                "changing the length of a buffer of rows, or of one of its rows,",
            ));
        }
        let old_len = self.index_method(root, "len", Vec::new(), span);
        let (new_len, fill) = match call.args.len() {
            0 => (self.push(Op::Const(quote::quote!(0usize)), span), None),
            1 => (self.lower_value(&call.args[0])?, None),
            _ => {
                let new_len = self.lower_value(&call.args[0])?;
                (new_len, Some(self.lower_element(&call.args[1])?))
            }
        };
        self.push_node(Node::Resize {
            base: root,
            old_len,
            new_len,
            fill,
        });
        Ok(Lowered::Unit)
    }

    /// `receiver.method(args)` on a float buffer, if it is one of the methods
    /// above: its lowering.
    pub(super) fn lower_buffer_method(
        &mut self,
        call: &syn::ExprMethodCall,
        depth: usize,
    ) -> syn::Result<Option<Lowered>> {
        // Parenthesized: `&z[1..]` as a source must not become `&(z[1..].len())`.
        let receiver: Expr = {
            let receiver = &*call.receiver;
            parse_quote!((#receiver))
        };
        let args: Vec<Expr> = call
            .args
            .iter()
            .map(|arg| match arg {
                Expr::Closure(_) => arg.clone(),
                // `&rows[r]` as a source is read by index: the place itself
                // (`rows[r][k]`), as indexing through the reference does.
                Expr::Reference(reference) if reference.mutability.is_none() => {
                    let place = &reference.expr;
                    parse_quote!((#place))
                }
                other => parse_quote!((#other)),
            })
            .collect();
        let k = crate::names::local("k");
        let desugared: Expr = match (call.method.to_string().as_str(), &args[..]) {
            ("fill", [value]) => {
                let filled = crate::names::local("filled");
                parse_quote!({
                    let #filled = #value;
                    for #k in 0..#receiver.len() {
                        #receiver[#k] = #filled;
                    }
                })
            }
            ("swap", [i, j]) => {
                let (a, b, t) = (
                    crate::names::local("swap_a"),
                    crate::names::local("swap_b"),
                    crate::names::local("swap_t"),
                );
                match depth {
                    1 => parse_quote!({
                        let (#a, #b) = (#i, #j);
                        let #t = #receiver[#a];
                        #receiver[#a] = #receiver[#b];
                        #receiver[#b] = #t;
                    }),
                    // Rows: exchanged element by element.
                    _ => parse_quote!({
                        let (#a, #b) = (#i, #j);
                        for #k in 0..#receiver[#a].len() {
                            let #t = #receiver[#a][#k];
                            #receiver[#a][#k] = #receiver[#b][#k];
                            #receiver[#b][#k] = #t;
                        }
                    }),
                }
            }
            ("reverse", []) if depth == 1 => {
                let (n, t) = (crate::names::local("n"), crate::names::local("swap_t"));
                parse_quote!({
                    let #n = #receiver.len();
                    for #k in 0..#n / 2 {
                        let #t = #receiver[#k];
                        #receiver[#k] = #receiver[#n - 1 - #k];
                        #receiver[#n - 1 - #k] = #t;
                    }
                })
            }
            ("copy_from_slice" | "clone_from_slice", [source]) if depth == 1 => parse_quote!({
                for #k in 0..#receiver.len() {
                    #receiver[#k] = #source[#k];
                }
            }),
            ("extend_from_slice", [source]) if depth == 1 => parse_quote!({
                for #k in 0..#source.len() {
                    #receiver.push(#source[#k]);
                }
            }),
            ("sort_by" | "sort_unstable_by", [compare]) if depth == 1 => {
                let (order, old) = (
                    crate::names::local("order"),
                    crate::names::local("unsorted"),
                );
                parse_quote!({
                    let #order = ::gradmacro::__private::sort_permutation(&#receiver, #compare);
                    let #old = #receiver.to_vec();
                    for #k in 0..#order.len() {
                        #receiver[#k] = #old[#order[#k]];
                    }
                })
            }
            _ => return Ok(None),
        };
        self.lower_expr(&desugared).map(Some)
    }
}
