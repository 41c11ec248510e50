//! The float types a signature can differentiate: `f32`, `f64`, and a type
//! parameter bounded by `Float`, found here in the generics.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::{Ident, Type};

/// The differentiable float element types: `f32`, `f64`, or the function's
/// type parameter bounded by `Float` (num-traits), as in `fn f<T: Float>(x: T)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FloatTy {
    F32,
    F64,
    Generic(Ident),
}

impl FloatTy {
    /// Recognises `f32`/`f64`, also spelled `std::primitive::f64` or `core::f64`.
    pub fn of(ty: &Type) -> Option<FloatTy> {
        FloatTy::of_in(ty, None)
    }

    /// Like [`FloatTy::of`], and also the generic float type `generic`.
    pub fn of_in(ty: &Type, generic: Option<&Ident>) -> Option<FloatTy> {
        match ty {
            Type::Paren(inner) => FloatTy::of_in(&inner.elem, generic),
            Type::Group(inner) => FloatTy::of_in(&inner.elem, generic),
            Type::Path(path) if path.qself.is_none() => {
                if let (Some(generic), Some(ident)) = (generic, path.path.get_ident()) {
                    if ident == generic {
                        return Some(FloatTy::Generic(generic.clone()));
                    }
                }
                let segments = &path.path.segments;
                let (last, prefix) =
                    segments
                        .iter()
                        .collect::<Vec<_>>()
                        .split_last()
                        .map(|(last, prefix)| {
                            (
                                *last,
                                prefix
                                    .iter()
                                    .map(|s| s.ident.to_string())
                                    .collect::<Vec<_>>(),
                            )
                        })?;
                let prefix_ok = prefix
                    .iter()
                    .all(|s| s == "std" || s == "core" || s == "primitive");
                if !prefix_ok || !last.arguments.is_none() {
                    return None;
                }
                if last.ident == "f64" {
                    Some(FloatTy::F64)
                } else if last.ident == "f32" {
                    Some(FloatTy::F32)
                } else {
                    None
                }
            }
            _ => None,
        }
    }

    /// The Rust type name, for generated signatures.
    pub fn ident(&self) -> Ident {
        match self {
            FloatTy::F32 => Ident::new("f32", Span::call_site()),
            FloatTy::F64 => Ident::new("f64", Span::call_site()),
            FloatTy::Generic(name) => name.clone(),
        }
    }

    /// The constant `value` (0 or 1) of this type: a literal, or
    /// `Zero::zero()` / `One::one()` for a generic float, which has no literals.
    pub fn constant(&self, value: f64) -> TokenStream {
        match self {
            FloatTy::F32 => {
                let value = value as f32;
                quote!(#value)
            }
            FloatTy::F64 => quote!(#value),
            FloatTy::Generic(name) if value == 1.0 => {
                quote!(<#name as ::gradmacro::num_traits::One>::one())
            }
            FloatTy::Generic(name) => quote!(<#name as ::gradmacro::num_traits::Zero>::zero()),
        }
    }
}

/// The type parameter bounded by `Float` (`T: Float`, `T: num_traits::Float`,
/// or in the `where` clause), which the function is differentiated in. Other
/// generic parameters (lifetimes, `const N: usize`, other types) are constants.
pub(super) fn generic_float(generics: &syn::Generics) -> syn::Result<Option<Ident>> {
    let is_float_bound = |bound: &syn::TypeParamBound| {
        matches!(bound, syn::TypeParamBound::Trait(t)
            if t.path.segments.last().is_some_and(|s| s.ident == "Float"))
    };
    let type_params: Vec<&syn::TypeParam> = generics.type_params().collect();
    let mut floats: Vec<Ident> = type_params
        .iter()
        .filter(|param| param.bounds.iter().any(is_float_bound))
        .map(|param| param.ident.clone())
        .collect();
    for predicate in generics.where_clause.iter().flat_map(|w| &w.predicates) {
        let syn::WherePredicate::Type(predicate) = predicate else {
            continue;
        };
        let Type::Path(path) = &predicate.bounded_ty else {
            continue;
        };
        let Some(ident) = path.path.get_ident() else {
            continue;
        };
        if type_params.iter().any(|param| param.ident == *ident)
            && predicate.bounds.iter().any(is_float_bound)
            && !floats.contains(ident)
        {
            floats.push(ident.clone());
        }
    }
    if let Some(second) = floats.get(1) {
        return Err(syn::Error::new(
            second.span(),
            format!(
                "only one float type parameter is supported: `{}` is already the function's float type",
                floats[0]
            ),
        ));
    }
    Ok(floats.pop())
}

/// Whether a type's elements (through `Vec`, arrays, slices and references)
/// are visibly not floats: integers, `bool`, `char`.
pub fn names_no_float(ty: &Type) -> bool {
    match innermost(ty) {
        Type::Path(path) => {
            path.path.segments.len() == 1
                && path.path.segments[0].arguments.is_none()
                && NOT_FLOATS
                    .iter()
                    .any(|name| path.path.segments[0].ident == name)
        }
        _ => false,
    }
}

/// The element type under `Vec`s, arrays, slices and references.
pub fn innermost(ty: &Type) -> &Type {
    match ty {
        Type::Reference(reference) => innermost(&reference.elem),
        Type::Paren(inner) => innermost(&inner.elem),
        Type::Array(array) => innermost(&array.elem),
        Type::Slice(slice) => innermost(&slice.elem),
        Type::Path(path) => match path.path.segments.last() {
            Some(last) if last.ident == "Vec" => match &last.arguments {
                syn::PathArguments::AngleBracketed(args) => match args.args.first() {
                    Some(syn::GenericArgument::Type(elem)) => innermost(elem),
                    _ => ty,
                },
                _ => ty,
            },
            _ => ty,
        },
        _ => ty,
    }
}

/// Primitive types that are not floats.
const NOT_FLOATS: [&str; 15] = [
    "usize", "isize", "u8", "u16", "u32", "u64", "u128", "i8", "i16", "i32", "i64", "i128", "bool",
    "char", "str",
];
