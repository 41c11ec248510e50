//! The forward sweep: the primal computation, one `let` per IR statement.
//!
//! Active rule calls go through `gradmacro::rules`, which returns the value and
//! the local partials together, so the reverse sweep reuses them and the primal is
//! never evaluated twice. Everything inactive is emitted as the user wrote it
//! (method or path syntax), so constant code compiles exactly as in the original.

use crate::activity::Activity;
use crate::ir::{Body, CallForm, Op, Opaque, Stmt};
use crate::names::{partial, primal};
use crate::rule_table::Input;
use crate::signature::FnSignature;
use proc_macro2::TokenStream;
use quote::quote;

/// The forward sweep of `body` for the given activity.
pub fn forward(body: &Body, sig: &FnSignature, activity: &Activity) -> TokenStream {
    body.stmts
        .iter()
        .map(|stmt| statement(stmt, sig, activity))
        .collect()
}

fn statement(stmt: &Stmt, sig: &FnSignature, activity: &Activity) -> TokenStream {
    let name = primal(stmt.def);
    let mutability = stmt.mutable.then(|| quote!(mut));
    let annotation = stmt.ty.as_ref().map(|ty| quote!(: #ty));
    let value = match &stmt.op {
        Op::Param { index } => {
            let param = &sig.params[*index].name;
            quote!(#param)
        }
        Op::Deref(v) => {
            let v = primal(*v);
            quote!(*#v)
        }
        Op::Const(tokens) => tokens.clone(),
        Op::Copy(v) => {
            let v = primal(*v);
            quote!(#v)
        }
        Op::Neg(v) => {
            let v = primal(*v);
            quote!(-#v)
        }
        Op::Arith(arith, a, b) => {
            let (a, b) = (primal(*a), primal(*b));
            let op: TokenStream = arith.symbol().parse().unwrap_or_default();
            quote!(#a #op #b)
        }
        Op::Cast { value, ty, .. } => {
            let value = primal(*value);
            quote!(#value as #ty)
        }
        Op::Rule {
            rule,
            args,
            form,
            name: method,
        } => {
            let arg_names: Vec<_> = args.iter().map(|a| primal(*a)).collect();
            if activity.is_active(stmt.def) {
                let partials = rule
                    .inputs
                    .iter()
                    .zip(args)
                    .enumerate()
                    .filter(|(_, (input, _))| **input == Input::Float)
                    .map(|(k, (_, arg))| {
                        if activity.is_active(*arg) {
                            let d = partial(stmt.def, k);
                            quote!(#d)
                        } else {
                            quote!(_)
                        }
                    });
                let function = syn::Ident::new(rule.name, method.span());
                return quote! {
                    let (#mutability #name, #(#partials),*) = ::gradmacro::rules::#function(#(#arg_names),*);
                };
            }
            match (form, arg_names.split_first()) {
                (CallForm::Method, Some((receiver, rest))) => {
                    quote!(#receiver.#method(#(#rest),*))
                }
                (CallForm::Path(path), _) => quote!(#path(#(#arg_names),*)),
                // A method call always has its receiver as the first argument.
                (CallForm::Method, None) => quote!(#method()),
            }
        }
        Op::Opaque(opaque) => match opaque {
            Opaque::Unary(op, v) => {
                let v = primal(*v);
                quote!(#op #v)
            }
            Opaque::Binary(op, a, b) => {
                let (a, b) = (primal(*a), primal(*b));
                quote!(#a #op #b)
            }
            Opaque::Ref(v) => {
                let v = primal(*v);
                quote!(&#v)
            }
            Opaque::Field {
                base,
                member,
                borrowed,
            } => {
                let base = primal(*base);
                let borrow = borrowed.then(|| quote!(&));
                quote!(#borrow #base.#member)
            }
            Opaque::Method {
                receiver,
                method,
                turbofish,
                args,
            } => {
                let receiver = primal(*receiver);
                let args = args.iter().map(|a| primal(*a));
                let turbofish = turbofish.as_ref().map(|t| quote!(::#t));
                quote!(#receiver.#method #turbofish(#(#args),*))
            }
            Opaque::Call { func, args } => {
                let args = args.iter().map(|a| primal(*a));
                quote!(#func(#(#args),*))
            }
        },
    };
    quote!(let #mutability #name #annotation = #value;)
}
