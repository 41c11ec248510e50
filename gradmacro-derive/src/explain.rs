//! `NAME_explain`: code that builds the graph of one evaluation after the
//! forward and reverse sweeps have run.
//!
//! A learner checks a hand computation against a table of every intermediate
//! value, local derivative and adjoint, so the graph shows the function's own
//! operations, named as the function names them (`let u = w * x;` is node `u`,
//! labelled `w * x`: the operation written with its operands' names, since a
//! stable proc macro cannot read back the source text of an expression). Values come from the forward sweep's
//! locals and adjoints from the reverse sweep's; local derivatives are the
//! operands (`∂(a·b)/∂a = b`) or the rule's partials, recomputed once.
//!
//! Straight-line scalar code only, for now: a loop runs its operations many
//! times and a branch leaves some undefined, and the graph of such a function
//! needs one node per executed operation, which the generated code does not
//! keep. Anything else is a compile error on the `explain` option.

use crate::activity::Activity;
use crate::ir::{Arith, CastTarget, Node, Op, ValueId};
use crate::lower::LoweredBody;
use crate::names::primal;
use crate::rule_table::Input;
use crate::signature::FnSignature;
use crate::types::FloatTypes;
use proc_macro2::TokenStream;
use quote::quote;
use std::collections::HashMap;

/// What the graph is built from.
pub struct Inputs<'a> {
    pub sig: &'a FnSignature,
    pub lowered: &'a LoweredBody,
    pub activity: &'a Activity,
    pub types: &'a FloatTypes,
    /// Each value's adjoint after the reverse sweep, where it has one.
    pub adjoints: &'a [Option<TokenStream>],
    /// The `explain` option, where errors point.
    pub flag: &'a syn::Ident,
}

/// A node as the generated code describes it.
struct GraphNode {
    value: ValueId,
    name: String,
    expression: String,
    /// `(input node index, local derivative)`.
    edges: Vec<(usize, TokenStream)>,
}

/// The code that builds and returns the `gradmacro::explain::Graph`.
pub fn graph(inputs: &Inputs) -> syn::Result<TokenStream> {
    let body = &inputs.lowered.body;
    let nodes_of_root = &body.root.nodes;
    let has = |what: fn(&Node) -> bool| nodes_of_root.iter().any(what);
    if has(|node| matches!(node, Node::Loop(_))) {
        return Err(unsupported(inputs.flag, "a loop"));
    }
    if has(|node| matches!(node, Node::If { .. } | Node::Match { .. })) {
        return Err(unsupported(inputs.flag, "a branch"));
    }
    let mut order = Vec::new();
    for node in nodes_of_root {
        match node {
            Node::Def(value) if body.def(*value).buffer => {
                return Err(unsupported(inputs.flag, "a buffer"))
            }
            Node::Def(value) => order.push(*value),
            _ => {
                return Err(unsupported(
                    inputs.flag,
                    "an early exit or a variable assigned apart from its `let`",
                ))
            }
        }
    }
    let mut index_of: HashMap<ValueId, usize> = HashMap::new();
    let mut nodes: Vec<GraphNode> = Vec::new();
    let mut prelude = TokenStream::new();
    let mut temporaries = 0;
    for value in order {
        let stmt = body.def(value);
        // Copies and dereferences are the same node under another name.
        if let Op::Copy(source) | Op::Deref(source) = stmt.op {
            if let Some(&index) = index_of.get(&source) {
                index_of.insert(value, index);
                continue;
            }
        }
        if inputs.types.of(value).is_none() {
            continue;
        }
        let node_of = |v: &ValueId| index_of.get(v).copied();
        let label = |v: &ValueId| operand_label(*v, body, &index_of, &nodes);
        let (edges, expression) = match &stmt.op {
            Op::Param { index } => {
                let name = inputs.sig.params[*index].name.to_string();
                (Vec::new(), Some(name))
            }
            Op::Arith(arith, a, b) => {
                let (pa, pb) = (primal(*a), primal(*b));
                let (da, db) = match arith {
                    Arith::Add => (quote!(1.0), quote!(1.0)),
                    Arith::Sub => (quote!(1.0), quote!(-1.0)),
                    Arith::Mul => (f(quote!(#pb)), f(quote!(#pa))),
                    Arith::Div => {
                        let (fa, fb) = (f(quote!(#pa)), f(quote!(#pb)));
                        (quote!(1.0 / #fb), quote!(-#fa / (#fb * #fb)))
                    }
                    Arith::Rem => {
                        let (fa, fb) = (f(quote!(#pa)), f(quote!(#pb)));
                        (quote!(1.0), quote!(-(#fa / #fb).trunc()))
                    }
                };
                let text = format!("{} {} {}", label(a), arith.symbol(), label(b));
                let mut edges = Vec::new();
                if a == b {
                    if let Some(index) = node_of(a) {
                        edges.push((index, quote!(#da + #db)));
                    }
                } else {
                    edges.extend(node_of(a).map(|index| (index, da)));
                    edges.extend(node_of(b).map(|index| (index, db)));
                }
                (edges, Some(text))
            }
            Op::Neg(v) => (
                node_of(v).map(|i| (i, quote!(-1.0))).into_iter().collect(),
                Some(format!("-{}", label(v))),
            ),
            Op::Cast {
                value: source,
                target: CastTarget::Float,
                ty,
            } => (
                node_of(source)
                    .map(|i| (i, quote!(1.0)))
                    .into_iter()
                    .collect(),
                Some(format!("{} as {}", label(source), quote!(#ty))),
            ),
            Op::Rule { rule, args, .. } => {
                let partials = crate::names::local(&format!("explain_d{}", value.0));
                let function = syn::Ident::new(rule.name, proc_macro2::Span::call_site());
                let arg_tokens = args.iter().map(|arg| primal(*arg));
                prelude.extend(
                    quote!(let #partials = ::gradmacro::rules::#function(#(#arg_tokens),*);),
                );
                let mut edges = Vec::new();
                let mut position = 0usize;
                for (arg, input) in args.iter().zip(rule.inputs) {
                    if *input != Input::Float {
                        continue;
                    }
                    position += 1;
                    let field = syn::Index::from(position);
                    if let Some(index) = node_of(arg) {
                        edges.push((index, f(quote!(#partials.#field))));
                    }
                }
                let labels: Vec<String> = args.iter().map(label).collect();
                let text = match labels.split_first() {
                    Some((receiver, rest)) => {
                        format!("{receiver}.{}({})", rule.name, rest.join(", "))
                    }
                    None => format!("{}()", rule.name),
                };
                (edges, Some(text))
            }
            _ => (Vec::new(), None),
        };
        let name = match inputs.lowered.names.get(&value) {
            Some(name) => name.clone(),
            // The result is named after the function, as `L` is after the loss.
            None if value == body.ret => inputs.sig.name.to_string(),
            None => {
                temporaries += 1;
                format!("t{temporaries}")
            }
        };
        let expression = expression.unwrap_or_else(|| name.clone());
        index_of.insert(value, nodes.len());
        nodes.push(GraphNode {
            value,
            name,
            expression,
            edges,
        });
    }
    // The output keeps its own node even when it is an input (`fn id(x) { x }`).
    let function = inputs.sig.name.to_string();
    let node_code = nodes.iter().map(|node| {
        let GraphNode {
            value,
            name,
            expression,
            edges,
        } = node;
        let value_tokens = primal(*value);
        let adjoint = match &inputs.adjoints[value.0] {
            Some(adjoint) => {
                quote!(::core::option::Option::Some(::gradmacro::explain::to_f64(#adjoint)))
            }
            None if inputs.activity.is_active(*value) => quote!(::core::option::Option::Some(0.0)),
            None => quote!(::core::option::Option::None),
        };
        let edge_code = edges.iter().map(|(from, derivative)| {
            quote!(::gradmacro::explain::Edge { from: #from, local_derivative: #derivative })
        });
        quote! {
            ::gradmacro::explain::Node {
                name: ::std::string::String::from(#name),
                expression: ::std::string::String::from(#expression),
                value: ::gradmacro::explain::to_f64(#value_tokens),
                inputs: ::std::vec![#(#edge_code),*],
                adjoint: #adjoint,
            }
        }
    });
    let ret = body.ret;
    let output_is_last = nodes.last().is_some_and(|node| node.value == ret);
    let output = (!output_is_last).then(|| {
        let value_tokens = primal(ret);
        let from = index_of.get(&ret).copied();
        let edges = from
            .map(|from| quote!(::gradmacro::explain::Edge { from: #from, local_derivative: 1.0 }));
        quote! {
            ::gradmacro::explain::Node {
                name: ::std::string::String::from(#function),
                expression: ::std::string::String::from("return"),
                value: ::gradmacro::explain::to_f64(#value_tokens),
                inputs: ::std::vec![#edges],
                adjoint: ::core::option::Option::Some(1.0),
            }
        }
    });
    Ok(quote! {
        #prelude
        ::gradmacro::explain::Graph {
            function: ::std::string::String::from(#function),
            nodes: ::std::vec![#(#node_code,)* #output],
        }
    })
}

/// How an operand reads in an expression: its node's name, or a constant as
/// written.
fn operand_label(
    value: ValueId,
    body: &crate::ir::Body,
    index_of: &HashMap<ValueId, usize>,
    nodes: &[GraphNode],
) -> String {
    if let Some(&index) = index_of.get(&value) {
        return nodes[index].name.clone();
    }
    match &body.def(value).op {
        Op::Const(tokens) => tokens.to_string(),
        Op::Copy(source) | Op::Deref(source) => operand_label(*source, body, index_of, nodes),
        _ => "…".to_owned(),
    }
}

/// `value` as an `f64` (the graph's type, whatever the function's float).
fn f(value: TokenStream) -> TokenStream {
    quote!(::gradmacro::explain::to_f64(#value))
}

fn unsupported(flag: &syn::Ident, what: &str) -> syn::Error {
    syn::Error::new(
        flag.span(),
        format!("`explain` supports straight-line scalar code for now, and this function has {what}; remove `explain`, or explain a smaller function"),
    )
}
