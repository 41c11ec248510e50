//! Classifies the signature: which parameters are differentiable, what the
//! function returns, and which parameters the gradient is taken with respect to.
//!
//! All checks that need only the signature live here, before the body is looked
//! at, so a signature mistake is reported once, on its own token.

use crate::attr::Options;
use float::generic_float;
use proc_macro2::TokenStream;
use quote::{quote, ToTokens};
use syn::{FnArg, Ident, Pat, Signature as SynSignature, Type};

mod float;
pub use float::{innermost, names_no_float, FloatTy};

/// How a parameter takes part in differentiation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParamKind {
    /// `f64`/`f32` by value (`by_ref: false`) or by shared reference.
    Scalar { float: FloatTy, by_ref: bool },
    /// A buffer of floats: `&[f64]`, `&Vec<f64>`, `[f64; N]`, `[[f64; M]; N]`,
    /// `&[[f64; M]]`, ... `depth` indexings reach a float; `gradient` is the owned
    /// type of its adjoint (`Vec` for slices and vectors, arrays for arrays).
    Buffer {
        float: FloatTy,
        depth: usize,
        gradient: String,
    },
    /// Anything else: integers, bools, other types. Never differentiated.
    Constant,
}

/// One parameter of the annotated function.
#[derive(Clone, Debug)]
pub struct Param {
    /// The name used in the body, or a placeholder for `_`.
    pub name: Ident,
    /// Whether the user wrote `_` (the value is unreachable from the body).
    pub is_wild: bool,
    /// Whether the user declared the parameter `mut`.
    pub mutable: bool,
    pub ty: Type,
    pub kind: ParamKind,
    /// The receiver of a method (`&self`, `self`, `&mut self`), as written but
    /// without `mut`: a constant, named `self` in the body, that the companions
    /// take the same way and that gets no adjoint.
    pub receiver: Option<syn::Receiver>,
    /// A float or float buffer taken by `&mut`: its contents when the function
    /// returns are an output (an *out-parameter*), as well as an input.
    pub out: bool,
}

impl Param {
    /// Whether a gradient can be taken with respect to this parameter.
    pub fn is_differentiable(&self) -> bool {
        !matches!(self.kind, ParamKind::Constant)
    }

    /// The float type of this parameter (of its elements, for a buffer).
    pub fn float(&self) -> Option<FloatTy> {
        match &self.kind {
            ParamKind::Scalar { float, .. } | ParamKind::Buffer { float, .. } => {
                Some(float.clone())
            }
            ParamKind::Constant => None,
        }
    }

    /// The type of this parameter's adjoint, or `None` for a constant.
    pub fn gradient_type(&self) -> Option<TokenStream> {
        match &self.kind {
            ParamKind::Scalar { float, .. } => {
                let ty = float.ident();
                Some(quote!(#ty))
            }
            ParamKind::Buffer { gradient, .. } => gradient.parse().ok(),
            ParamKind::Constant => None,
        }
    }

    pub fn is_buffer(&self) -> bool {
        matches!(self.kind, ParamKind::Buffer { .. })
    }

    /// The type of the adjoint `NAME_pullback_lent` takes for this parameter:
    /// an out-parameter's (as the pullback's), or, for a float buffer taken
    /// by shared reference, a `&mut` buffer its adjoint is added into.
    pub fn lent_adjoint_type(&self) -> Option<TokenStream> {
        if self.receiver.is_some() {
            return None;
        }
        if self.out {
            return self.out_adjoint_type();
        }
        let (ParamKind::Buffer { .. }, Type::Reference(reference)) = (&self.kind, &self.ty) else {
            return None;
        };
        // A slice of the referenced buffer's elements, whatever holds them
        // (`&[f64]`, `&Vec<f64>`, `&[f64; 3]`, `&[Vec<f64>]`): a caller
        // lends `&mut adjoint[range]` of whatever buffer it passed a part of.
        let elem = &reference.elem;
        Some(match &**elem {
            Type::Slice(slice) => {
                let row = &slice.elem;
                quote!(&mut [#row])
            }
            Type::Array(array) => {
                let row = &array.elem;
                quote!(&mut [#row])
            }
            Type::Path(path) => match vec_element(path) {
                Some(row) => quote!(&mut [#row]),
                None => quote!(&mut #elem),
            },
            _ => quote!(&mut #elem),
        })
    }

    /// The type of the adjoint the pullback takes for an out-parameter: the
    /// parameter's own `&mut` type, with a slice for a `Vec`.
    pub fn out_adjoint_type(&self) -> Option<TokenStream> {
        if !self.out {
            return None;
        }
        let Type::Reference(reference) = &self.ty else {
            return None;
        };
        let elem = &reference.elem;
        Some(match (&self.kind, &**elem) {
            // A `Vec` may change length (`push`, `truncate`): its adjoint
            // follows, so it is a `Vec` too.
            (
                ParamKind::Buffer {
                    float, depth: 1, ..
                },
                Type::Path(path),
            ) if path.path.segments.last().is_some_and(|s| s.ident == "Vec") => {
                let ty = float.ident();
                quote!(&mut ::std::vec::Vec<#ty>)
            }
            (
                ParamKind::Buffer {
                    float, depth: 1, ..
                },
                Type::Path(_),
            ) => {
                let ty = float.ident();
                quote!(&mut [#ty])
            }
            _ => quote!(&mut #elem),
        })
    }
}

/// `T` of a path naming `Vec<T>`.
fn vec_element(path: &syn::TypePath) -> Option<&Type> {
    let last = path.path.segments.last()?;
    if last.ident != "Vec" {
        return None;
    }
    match &last.arguments {
        syn::PathArguments::AngleBracketed(args) => match args.args.first()? {
            syn::GenericArgument::Type(ty) => Some(ty),
            _ => None,
        },
        _ => None,
    }
}

/// The checked signature.
#[derive(Clone, Debug)]
pub struct FnSignature {
    pub name: Ident,
    pub params: Vec<Param>,
    /// The scalar return type (for a function returning `()`, the float type
    /// of its out-parameters).
    pub ret: FloatTy,
    /// The function returns `()`: its outputs are its out-parameters, so it
    /// has a pullback and no `NAME_grad`.
    pub unit_return: bool,
    /// Indices into `params`, in the order the gradient is returned.
    pub wrt: Vec<usize>,
    /// The most states a checkpointed loop keeps (`checkpoints = N`), or
    /// `None` for one per iteration.
    pub checkpoints: Option<usize>,
}

const DIFFERENTIABLE: &str = "`f64`, `f32`, `&f64`, `&f32`, a type parameter bounded by `Float`, or a slice, array or `Vec` of them";

/// Checks the signature against what the macro supports and resolves `wrt`.
pub fn analyze(sig: &SynSignature, options: &Options) -> syn::Result<FnSignature> {
    reject_unsupported_shape(sig)?;
    let generic = match (generic_float(&sig.generics)?, &options.float) {
        (Some(declared), Some(named)) if declared != *named => {
            return Err(syn::Error::new(
                named.span(),
                format!("`float = {named}` names a different type than the function's float type parameter `{declared}`"),
            ))
        }
        (declared, named) => declared.or_else(|| named.clone()),
    };
    // `float = U` where the function's float is visibly another type
    // parameter: the mistake is in the attribute.
    if let (Some(named), syn::ReturnType::Type(_, ty)) = (&options.float, &sig.output) {
        if let Type::Path(path) = &**ty {
            if let Some(returned) = path.path.get_ident() {
                let known = FloatTy::of(ty).is_some();
                if returned != named && !known {
                    return Err(syn::Error::new(
                        named.span(),
                        format!("`float = {named}`, but `{}` returns `{returned}`: write `float = {returned}` for the float type parameter of the enclosing `impl`", sig.ident),
                    ));
                }
            }
        }
    }
    let params = sig
        .inputs
        .iter()
        .enumerate()
        .map(|(index, arg)| classify_param(index, arg, generic.as_ref()))
        .collect::<syn::Result<Vec<_>>>()?;
    let out_float = params.iter().find(|param| param.out).and_then(Param::float);
    let unit = match &sig.output {
        syn::ReturnType::Default => true,
        syn::ReturnType::Type(_, ty) => {
            matches!(&**ty, Type::Tuple(tuple) if tuple.elems.is_empty())
        }
    };
    let ret = match &sig.output {
        syn::ReturnType::Type(_, ty) if !unit => FloatTy::of_in(ty, generic.as_ref()).ok_or_else(|| {
            syn::Error::new_spanned(
                ty,
                format!(
                    "a differentiated function must return `f64`, `f32` or a type parameter bounded by `Float` (`T: num_traits::Float`), not `{}`{}",
                    ty.to_token_stream(),
                    if matches!(&**ty, Type::Path(path) if path.path.get_ident().is_some()) {
                        "; for a float type parameter of the enclosing `impl`, write `#[differentiate(float = T)]`"
                    } else {
                        ""
                    }
                ),
            )
        })?,
        // `()`: the outputs are the out-parameters.
        _ => out_float.ok_or_else(|| {
            syn::Error::new(
                sig.ident.span(),
                format!(
                    "`{}` returns nothing: a differentiated function must return a scalar `f64` or `f32`, or write its results into `&mut` float parameters",
                    sig.ident
                ),
            )
        })?,
    };
    let wrt = resolve_wrt(sig, &params, options)?;
    Ok(FnSignature {
        name: sig.ident.clone(),
        params,
        ret,
        unit_return: unit,
        wrt,
        checkpoints: options.checkpoints,
    })
}

fn reject_unsupported_shape(sig: &SynSignature) -> syn::Result<()> {
    if let Some(token) = &sig.asyncness {
        return Err(syn::Error::new_spanned(
            token,
            "`async fn` cannot be differentiated",
        ));
    }
    if let Some(abi) = &sig.abi {
        return Err(syn::Error::new_spanned(
            abi,
            "`extern` functions cannot be differentiated",
        ));
    }
    if let Some(variadic) = &sig.variadic {
        return Err(syn::Error::new_spanned(
            variadic,
            "variadic functions cannot be differentiated",
        ));
    }
    Ok(())
}

fn classify_param(index: usize, arg: &FnArg, generic: Option<&Ident>) -> syn::Result<Param> {
    let typed = match arg {
        FnArg::Receiver(receiver) => {
            // `mut self` binds a mutable local; `&mut self` is a type.
            let mutable = receiver.reference.is_none() && receiver.mutability.is_some();
            let mut as_declared = receiver.clone();
            if mutable {
                as_declared.mutability = None;
            }
            return Ok(Param {
                name: Ident::new("self", receiver.self_token.span),
                is_wild: false,
                mutable,
                ty: (*receiver.ty).clone(),
                kind: ParamKind::Constant,
                receiver: Some(as_declared),
                out: false,
            });
        }
        FnArg::Typed(typed) => typed,
    };
    let (name, is_wild, mutable) = match &*typed.pat {
        Pat::Ident(ident) if ident.by_ref.is_none() && ident.subpat.is_none() => {
            (ident.ident.clone(), false, ident.mutability.is_some())
        }
        Pat::Wild(_) => (crate::names::unused_param(index), true, false),
        other => {
            return Err(syn::Error::new_spanned(
                other,
                "only plain parameter names are supported, as in `x: f64`, not patterns",
            ))
        }
    };
    let ty = (*typed.ty).clone();
    let kind = classify_type(&ty, generic);
    let out = matches!(&ty, Type::Reference(r) if r.mutability.is_some())
        && !matches!(kind, ParamKind::Constant);
    Ok(Param {
        name,
        is_wild,
        mutable,
        ty,
        kind,
        receiver: None,
        out,
    })
}

/// What kind of parameter a type makes.
fn classify_type(ty: &Type, generic: Option<&Ident>) -> ParamKind {
    let (inner, by_ref) = match ty {
        Type::Reference(reference) => (&*reference.elem, true),
        other => (other, false),
    };
    if let Some(float) = FloatTy::of_in(inner, generic) {
        return ParamKind::Scalar { float, by_ref };
    }
    match collection(inner, generic) {
        Some((float, depth, gradient)) => ParamKind::Buffer {
            float,
            depth,
            gradient: gradient.to_string(),
        },
        None => ParamKind::Constant,
    }
}

/// A slice, array or `Vec` of floats (or of such collections): its float type,
/// its depth, and the type of its adjoint.
fn collection(ty: &Type, generic: Option<&Ident>) -> Option<(FloatTy, usize, TokenStream)> {
    let element = |elem: &Type| -> Option<(FloatTy, usize, TokenStream)> {
        match FloatTy::of_in(elem, generic) {
            Some(float) => {
                let ident = float.ident();
                Some((float, 0, quote!(#ident)))
            }
            None => collection(elem, generic),
        }
    };
    match ty {
        Type::Paren(inner) => collection(&inner.elem, generic),
        Type::Group(inner) => collection(&inner.elem, generic),
        Type::Slice(slice) => {
            let (float, depth, gradient) = element(&slice.elem)?;
            Some((float, depth + 1, quote!(::std::vec::Vec<#gradient>)))
        }
        Type::Array(array) => {
            let (float, depth, gradient) = element(&array.elem)?;
            let len = &array.len;
            Some((float, depth + 1, quote!([#gradient; #len])))
        }
        Type::Path(path) if path.qself.is_none() => {
            let last = path.path.segments.last()?;
            let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
                return None;
            };
            match (last.ident == "Vec", args.args.first(), args.args.len()) {
                (true, Some(syn::GenericArgument::Type(elem)), 1) => {
                    let (float, depth, gradient) = element(elem)?;
                    Some((float, depth + 1, quote!(::std::vec::Vec<#gradient>)))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

fn resolve_wrt(sig: &SynSignature, params: &[Param], options: &Options) -> syn::Result<Vec<usize>> {
    let Some(names) = &options.wrt else {
        let all: Vec<usize> = (0..params.len())
            .filter(|&i| params[i].is_differentiable())
            .collect();
        if all.is_empty() {
            return Err(syn::Error::new(
                sig.paren_token.span.join(),
                format!(
                    "`{}` has no differentiable parameter: at least one must have type {DIFFERENTIABLE}",
                    sig.ident
                ),
            ));
        }
        return Ok(all);
    };
    names
        .iter()
        .map(|name| {
            if name == "self" {
                return Err(syn::Error::new(
                    name.span(),
                    "cannot differentiate with respect to `self`: a method's receiver is a constant; pass the values to differentiate as parameters",
                ));
            }
            let index = params
                .iter()
                .position(|p| !p.is_wild && p.name == *name)
                .ok_or_else(|| {
                    syn::Error::new(
                        name.span(),
                        format!("`{name}` is not a parameter of `{}`", sig.ident),
                    )
                })?;
            if !params[index].is_differentiable() {
                return Err(syn::Error::new(
                    name.span(),
                    format!(
                        "cannot differentiate with respect to `{name}`: its type `{}` is not differentiable (differentiable parameters have type {DIFFERENTIABLE})",
                        params[index].ty.to_token_stream()
                    ),
                ));
            }
            Ok(index)
        })
        .collect()
}

#[cfg(test)]
mod tests;
