//! Unit tests of the signature pass.

use super::*;
use quote::quote;

fn analyze_tokens(
    attr: proc_macro2::TokenStream,
    item: proc_macro2::TokenStream,
) -> syn::Result<FnSignature> {
    let function: syn::ItemFn = syn::parse2(item).unwrap();
    analyze(&function.sig, &Options::parse(attr).unwrap())
}

/// A receiver is a constant parameter named `self`, kept as written (minus
/// a by-value `mut`), and never taken by default.
#[test]
fn receivers_are_constants_kept_as_written() {
    for (receiver, written, mutable) in [
        (quote!(&self), "& self", false),
        (quote!(&mut self), "& mut self", false),
        (quote!(mut self), "self", true),
        (quote!(self: &Self), "self : & Self", false),
    ] {
        let sig = analyze_tokens(quote!(), quote!(fn f(#receiver, x: f64) -> f64 { x })).unwrap();
        let param = &sig.params[0];
        assert_eq!(param.name, "self");
        assert_eq!(param.kind, ParamKind::Constant);
        assert_eq!(param.mutable, mutable, "{written}");
        let kept = param.receiver.as_ref().map(|r| quote!(#r).to_string());
        assert_eq!(kept.as_deref(), Some(written));
        assert_eq!(sig.wrt, [1]);
    }
    let error = analyze_tokens(
        quote!(wrt = self),
        quote!(
            fn f(&self, x: f64) -> f64 {
                x
            }
        ),
    )
    .unwrap_err();
    assert!(
        error.to_string().contains("receiver is a constant"),
        "{error}"
    );
}

#[test]
fn classifies_parameters_and_takes_all_by_default() {
    let sig = analyze_tokens(
        quote!(),
        quote!(
            fn f(x: f64, n: i32, y: &f32, z: std::primitive::f64, v: &[f64]) -> f64 {
                x
            }
        ),
    )
    .unwrap();
    let kinds: Vec<_> = sig.params.iter().map(|p| p.kind.clone()).collect();
    assert_eq!(
        kinds,
        [
            ParamKind::Scalar {
                float: FloatTy::F64,
                by_ref: false
            },
            ParamKind::Constant,
            ParamKind::Scalar {
                float: FloatTy::F32,
                by_ref: true
            },
            ParamKind::Scalar {
                float: FloatTy::F64,
                by_ref: false
            },
            ParamKind::Buffer {
                float: FloatTy::F64,
                depth: 1,
                gradient: ":: std :: vec :: Vec < f64 >".to_owned()
            },
        ]
    );
    assert_eq!(sig.wrt, [0, 2, 3, 4]);
    assert_eq!(sig.ret, FloatTy::F64);
}

#[test]
fn wrt_keeps_the_written_order() {
    let sig = analyze_tokens(
        quote!(wrt = [b, w]),
        quote!(
            fn f(w: f64, b: f64) -> f32 {
                0.0
            }
        ),
    )
    .unwrap();
    assert_eq!(sig.wrt, [1, 0]);
    assert_eq!(sig.ret, FloatTy::F32);
}

#[test]
fn signature_errors() {
    let message = |attr, item| analyze_tokens(attr, item).unwrap_err().to_string();
    assert_eq!(
        message(
            quote!(wrt = q),
            quote!(
                fn f(x: f64) -> f64 {
                    x
                }
            )
        ),
        "`q` is not a parameter of `f`"
    );
    assert!(message(
        quote!(wrt = n),
        quote!(
            fn f(n: i32) -> f64 {
                0.0
            }
        )
    )
    .starts_with("cannot differentiate with respect to `n`: its type `i32`"));
    assert!(message(
        quote!(),
        quote!(
            fn f(n: i32) -> f64 {
                0.0
            }
        )
    )
    .starts_with("`f` has no differentiable parameter"));
    assert!(message(
        quote!(),
        quote!(
            fn f(x: f64) -> i32 {
                0
            }
        )
    )
    .starts_with("a differentiated function must return"));
    assert!(message(
        quote!(),
        quote!(
            fn f(x: f64) {}
        )
    )
    .starts_with("`f` returns nothing"));
    assert!(message(
        quote!(),
        quote!(
            fn f<T: Float, U: num_traits::Float>(x: T, y: U) -> T {
                x
            }
        )
    )
    .starts_with("only one float type parameter"));
    assert!(message(
        quote!(),
        quote!(
            fn f<T: Copy>(x: T) -> T {
                x
            }
        )
    )
    .contains("bounded by `Float`"));
    assert!(message(
        quote!(),
        quote!(
            fn f((a, b): (f64, f64)) -> f64 {
                a
            }
        )
    )
    .starts_with("only plain parameter names"));
}

/// `NAME_pullback_lent` takes a float buffer reference's adjoint as a slice
/// of its elements, whatever holds them, so a caller lends
/// `&mut adjoint[range]` of whatever it passed a part of; an out-parameter
/// keeps its own type (a `Vec` may change length).
#[test]
fn lent_adjoints_are_slices_of_the_elements() {
    let sig = analyze_tokens(
        quote!(),
        quote!(
            fn f(a: &[f64], b: &Vec<f32>, c: &[f64; 3], d: &[Vec<f64>], e: &mut Vec<f64>) -> f64 {
                a[0]
            }
        ),
    )
    .unwrap();
    let lent: Vec<String> = sig
        .params
        .iter()
        .map(|param| param.lent_adjoint_type().unwrap().to_string())
        .collect();
    assert_eq!(
        lent,
        [
            "& mut [f64]",
            "& mut [f32]",
            "& mut [f64]",
            "& mut [Vec < f64 >]",
            "& mut :: std :: vec :: Vec < f64 >",
        ]
    );
}
