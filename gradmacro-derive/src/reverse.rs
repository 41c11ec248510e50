//! The reverse sweep: adjoints, from the output back to the parameters.
//!
//! Straight-line code needs no tape and no mutable accumulators: every use of a
//! value comes after its definition, so when the backward walk reaches a
//! definition, every contribution to its adjoint is already known. Each adjoint is
//! therefore one `let` summing its contributions, which LLVM sees as plain scalar
//! code (there is no `0.0 + ...` to fold, which IEEE arithmetic would forbid).

use crate::activity::Activity;
use crate::ir::{Arith, Body, Op, Opaque, ValueId};
use crate::names::{adjoint_of, partial, primal, quotient};
use crate::rule_table::Input;
use proc_macro2::TokenStream;
use quote::quote;

/// One contribution to an adjoint: `+ expr` or `- expr`, where `expr` binds at
/// least as tightly as a product.
struct Term {
    negative: bool,
    expr: TokenStream,
}

/// The reverse sweep's code, and which values ended up with an adjoint.
pub struct Reverse {
    pub code: TokenStream,
    has_adjoint: Vec<bool>,
}

impl Reverse {
    /// The adjoint of `value`, or `None` when nothing flowed back into it (its
    /// derivative is zero).
    pub fn adjoint(&self, value: ValueId) -> Option<TokenStream> {
        self.has_adjoint[value.0].then(|| {
            let name = adjoint_of(value);
            quote!(#name)
        })
    }
}

/// Builds the reverse sweep of `body`, seeding the output's adjoint with `seed`.
pub fn reverse(body: &Body, activity: &Activity, seed: TokenStream) -> Reverse {
    let count = body.value_count();
    let mut terms: Vec<Vec<Term>> = (0..count).map(|_| Vec::new()).collect();
    let mut has_adjoint = vec![false; count];
    let mut code = TokenStream::new();
    if activity.is_active(body.ret) {
        terms[body.ret.0].push(Term {
            negative: false,
            expr: seed,
        });
    }
    let add = |terms: &mut Vec<Vec<Term>>, to: ValueId, negative: bool, expr: TokenStream| {
        if activity.is_active(to) {
            terms[to.0].push(Term { negative, expr });
        }
    };
    for stmt in body.stmts.iter().rev() {
        let def = stmt.def;
        if !activity.is_active(def) || terms[def.0].is_empty() {
            continue;
        }
        let adjoint = adjoint_of(def);
        let sum = sum(std::mem::take(&mut terms[def.0]));
        code.extend(quote!(let #adjoint = #sum;));
        has_adjoint[def.0] = true;
        let adj = quote!(#adjoint);
        match &stmt.op {
            Op::Opaque(Opaque::Ref(v)) => add(&mut terms, *v, false, adj),
            Op::Param { .. } | Op::Const(_) | Op::Opaque(_) => {}
            Op::Copy(v) | Op::Deref(v) => add(&mut terms, *v, false, adj),
            Op::Neg(v) => add(&mut terms, *v, true, adj),
            Op::Arith(arith, a, b) => {
                let (pa, pb) = (primal(*a), primal(*b));
                match arith {
                    Arith::Add => {
                        add(&mut terms, *a, false, adj.clone());
                        add(&mut terms, *b, false, adj);
                    }
                    Arith::Sub => {
                        add(&mut terms, *a, false, adj.clone());
                        add(&mut terms, *b, true, adj);
                    }
                    Arith::Mul => {
                        add(&mut terms, *a, false, quote!(#adj * #pb));
                        add(&mut terms, *b, false, quote!(#adj * #pa));
                    }
                    Arith::Div => {
                        // d(a/b) = da / b - (a/b) db / b: share `adj / b`.
                        let q = quotient(def);
                        code.extend(quote!(let #q = #adj / #pb;));
                        let value = primal(def);
                        add(&mut terms, *a, false, quote!(#q));
                        add(&mut terms, *b, true, quote!(#q * #value));
                    }
                    Arith::Rem => {
                        // a % b = a - trunc(a / b) * b.
                        add(&mut terms, *a, false, adj.clone());
                        add(&mut terms, *b, true, quote!(#adj * (#pa / #pb).trunc()));
                    }
                }
            }
            Op::Cast { value, .. } => {
                let source = primal(*value);
                add(
                    &mut terms,
                    *value,
                    false,
                    quote!(::gradmacro::__private::cast_like(#adj, &#source)),
                );
            }
            Op::Rule { rule, args, .. } => {
                for (k, (input, arg)) in rule.inputs.iter().zip(args).enumerate() {
                    if *input == Input::Float && activity.is_active(*arg) {
                        let d = partial(def, k);
                        add(&mut terms, *arg, false, quote!(#adj * #d));
                    }
                }
            }
        }
    }
    Reverse { code, has_adjoint }
}

/// `t1 + t2 - t3 ...`, starting without a `0.0 +`.
fn sum(terms: Vec<Term>) -> TokenStream {
    let mut out = TokenStream::new();
    for (index, Term { negative, expr }) in terms.into_iter().enumerate() {
        out.extend(match (index, negative) {
            (0, false) => quote!(#expr),
            (0, true) => quote!(-(#expr)),
            (_, false) => quote!(+ #expr),
            (_, true) => quote!(- #expr),
        });
    }
    out
}
