//! The local derivative of each operation: how a value's adjoint is passed
//! to its operands (`d(a·b) = b·da + a·db`, a rule's partials, an element
//! read's adjoint buffer, a call's pullback).

use super::{Generator, Terms};
use crate::ir::{Arith, BlockId, Op, Opaque, ValueId};
use crate::names::{self, quotient};
use crate::rule_table::Input;
use crate::save::Part;
use proc_macro2::TokenStream;
use quote::quote;

impl Generator<'_> {
    /// Whether `value` is a literal zero (`0.0`, `0f64`, `0.`).
    fn is_zero_constant(&self, value: ValueId) -> bool {
        match &self.inputs.body.def(value).op {
            Op::Const(tokens) => {
                let text = tokens.to_string().replace('_', "");
                let digits = text.trim_end_matches("f64").trim_end_matches("f32");
                digits.parse::<f64>().is_ok_and(|number| number == 0.0)
            }
            _ => false,
        }
    }

    /// The contributions of `value`'s adjoint `adj` to its operands.
    pub(super) fn operands(
        &mut self,
        value: ValueId,
        adj: TokenStream,
        here: BlockId,
        terms: &mut Terms,
        code: &mut TokenStream,
    ) {
        let body = self.inputs.body;
        match &body.def(value).op {
            Op::Copy(v) | Op::Deref(v) | Op::Opaque(Opaque::Ref(v)) => {
                self.contribute(*v, false, adj, here, terms, code)
            }
            Op::Binding {
                scrutinee,
                whole: true,
                ..
            } => self.contribute(*scrutinee, false, adj, here, terms, code),
            Op::Neg(v) => self.contribute(*v, true, adj, here, terms, code),
            Op::Opaque(Opaque::Call { .. } | Opaque::Method { .. }) => {
                self.call_operands(value, Some(adj), here, terms, code)
            }
            Op::Index { base, indices } if self.active(*base) => {
                let indices: Vec<TokenStream> =
                    indices.iter().map(|index| self.primal(*index)).collect();
                let buffer = names::adjoint_buffer(*base);
                if let Some(used) = self.summed_entries.get_mut(&value) {
                    // Summed in a local by the enclosing reverse loop.
                    *used = true;
                    let name = names::entry_accumulator(value);
                    code.extend(self.add_into(quote!(#name), false, adj));
                    return;
                }
                code.extend(if self.inputs.fusion.is_sole_contribution(value) {
                    quote!(#buffer #([#indices])* = #adj;)
                } else {
                    self.add_into(quote!(#buffer #([#indices])*), false, adj)
                });
            }
            Op::ReadSlot(slot) if self.inputs.activity.is_slot_active(*slot) => {
                let adjoint = names::slot_adjoint(*slot);
                code.extend(self.add_into(quote!(#adjoint), false, adj));
            }
            Op::Arith(arith, a, b) => {
                let (a, b) = (*a, *b);
                match arith {
                    Arith::Add => {
                        self.contribute(a, false, adj.clone(), here, terms, code);
                        self.contribute(b, false, adj, here, terms, code);
                    }
                    Arith::Sub => {
                        self.contribute(a, false, adj.clone(), here, terms, code);
                        self.contribute(b, true, adj, here, terms, code);
                    }
                    Arith::Mul if a == b => {
                        // d(a·a) = adj·(a + a): one product on the adjoint's
                        // path instead of two and a sum. `a + a` is exact, so
                        // the result is the same bits as `adj·a + adj·a`.
                        if self.active(a) {
                            let pa = self.primal(a);
                            let twice = quote!((#pa + #pa));
                            self.contribute(a, false, quote!(#adj * #twice), here, terms, code);
                        }
                    }
                    Arith::Mul => {
                        // A factor that is the constant 0 passes nothing back
                        // (`0 · ∞` would be `NaN`): `x * 0.0` is constant in `x`.
                        // At the user's `*`: a type error in it is then the
                        // primal's, reported once.
                        let span = body.def(value).span;
                        if self.active(a) && !self.is_zero_constant(b) {
                            let pb = self.primal(b);
                            let product = quote::quote_spanned!(span=> #adj * #pb);
                            self.contribute(a, false, product, here, terms, code);
                        }
                        if self.active(b) && !self.is_zero_constant(a) {
                            let pa = self.primal(a);
                            let product = quote::quote_spanned!(span=> #adj * #pa);
                            self.contribute(b, false, product, here, terms, code);
                        }
                    }
                    Arith::Div => {
                        // d(a/b) = da / b - (a/b) db / b: share `adj / b`, zero
                        // for a zero adjoint even where `b` is 0.
                        let q = quotient(value);
                        let pb = self.primal(b);
                        code.extend(quote!(let #q = ::gradmacro::__private::over(#adj, #pb);));
                        self.contribute(a, false, quote!(#q), here, terms, code);
                        if self.active(b) {
                            let quotient_value = self.primal(value);
                            self.contribute(
                                b,
                                true,
                                quote!(::gradmacro::__private::times_partial(#q, #quotient_value)),
                                here,
                                terms,
                                code,
                            );
                        }
                    }
                    Arith::Rem => {
                        // a % b = a - trunc(a / b) * b.
                        self.contribute(a, false, adj.clone(), here, terms, code);
                        if self.active(b) {
                            let (pa, pb) = (self.primal(a), self.primal(b));
                            self.contribute(
                                b,
                                true,
                                quote!(#adj * (#pa / #pb).trunc()),
                                here,
                                terms,
                                code,
                            );
                        }
                    }
                }
            }
            Op::Cast { value: source, .. } => {
                let source = *source;
                if self.active(source) {
                    // Back to the source's float type (known for every active value).
                    let expr = match self.inputs.types.of(source) {
                        Some(float) => {
                            let ty = float.ident();
                            quote!((#adj as #ty))
                        }
                        None => {
                            let ps = self.primal(source);
                            quote!(::gradmacro::__private::cast_like(#adj, &#ps))
                        }
                    };
                    self.contribute(source, false, expr, here, terms, code);
                }
            }
            Op::Rule { rule, args, .. } => {
                for (k, (input, arg)) in rule.inputs.iter().zip(args).enumerate() {
                    if *input == Input::Float && self.active(*arg) {
                        // A cheap rule's partials are recomputed with it.
                        if self.recomputable(value) {
                            self.recomputed.insert(value);
                        } else {
                            self.referenced.insert(Part::Partial(value, k));
                        }
                        let d = names::partial(value, k);
                        // Strong zero: a zero adjoint or partial adds 0, even
                        // against an infinite or `NaN` other side.
                        let product = quote!(::gradmacro::__private::times_partial(#adj, #d));
                        self.contribute(*arg, false, product, here, terms, code);
                    }
                }
            }
            _ => {}
        }
    }
}
