//! The patterns of `match` arms, with their bindings renamed.
//!
//! The pattern itself is kept (literals, ranges, enum variants, or-patterns all
//! compile as written), but every name it binds is replaced by a generated one,
//! so the arm's code can refer to it like any other value. A bound name that is
//! the whole scrutinee (`x` or `x @ 1..=3` at the top) carries the scrutinee's
//! derivative; names bound inside (an enum's payload) are constants.

use super::unsupported;
use crate::names;
use syn::spanned::Spanned;
use syn::{Ident, Pat};

/// One name a pattern binds.
pub struct PatternBinding {
    /// The user's name.
    pub name: Ident,
    /// The generated name's number (see [`names::pattern_binding`]).
    pub id: usize,
    /// Bound to the whole scrutinee.
    pub whole: bool,
    pub mutable: bool,
}

/// A pattern with its bindings renamed.
pub struct Renamed {
    pub pat: Pat,
    pub bindings: Vec<PatternBinding>,
}

/// Renames the bindings of `pat`, numbering them from `counter`.
pub fn rename(pat: &Pat, counter: &mut usize) -> syn::Result<Renamed> {
    let mut pat = pat.clone();
    let mut bindings = Vec::new();
    walk(&mut pat, true, &mut bindings, counter)?;
    Ok(Renamed { pat, bindings })
}

/// By Rust's naming conventions, a lone capitalised name in a pattern is a
/// constant or a unit variant, and anything else is a new binding.
fn is_binding(ident: &syn::PatIdent) -> bool {
    ident.subpat.is_some()
        || ident.mutability.is_some()
        || !ident
            .ident
            .to_string()
            .starts_with(|c: char| c.is_ascii_uppercase())
}

fn walk(
    pat: &mut Pat,
    whole: bool,
    bindings: &mut Vec<PatternBinding>,
    counter: &mut usize,
) -> syn::Result<()> {
    match pat {
        Pat::Ident(ident) => {
            if let Some(by_ref) = &ident.by_ref {
                return Err(unsupported(by_ref.span, "a `ref` binding"));
            }
            if !is_binding(ident) {
                return Ok(());
            }
            // The alternatives of an or-pattern bind the same names.
            let id = match bindings.iter().find(|b| b.name == ident.ident) {
                Some(existing) => existing.id,
                None => {
                    let id = *counter;
                    *counter += 1;
                    bindings.push(PatternBinding {
                        name: ident.ident.clone(),
                        id,
                        whole,
                        mutable: ident.mutability.is_some(),
                    });
                    id
                }
            };
            ident.ident = names::pattern_binding(id);
            ident.mutability = None;
            if let Some((_, sub)) = &mut ident.subpat {
                walk(sub, false, bindings, counter)?;
            }
            Ok(())
        }
        Pat::Or(or) => or
            .cases
            .iter_mut()
            .try_for_each(|case| walk(case, whole, bindings, counter)),
        Pat::Paren(paren) => walk(&mut paren.pat, whole, bindings, counter),
        Pat::Type(typed) => walk(&mut typed.pat, whole, bindings, counter),
        Pat::Reference(reference) => walk(&mut reference.pat, false, bindings, counter),
        Pat::Tuple(tuple) => tuple
            .elems
            .iter_mut()
            .try_for_each(|p| walk(p, false, bindings, counter)),
        Pat::TupleStruct(tuple) => tuple
            .elems
            .iter_mut()
            .try_for_each(|p| walk(p, false, bindings, counter)),
        Pat::Slice(slice) => slice
            .elems
            .iter_mut()
            .try_for_each(|p| walk(p, false, bindings, counter)),
        Pat::Struct(strukt) => strukt.fields.iter_mut().try_for_each(|field| {
            // `Point { x, .. }` becomes `Point { x: __gm_b0, .. }`.
            field.colon_token.get_or_insert_with(Default::default);
            walk(&mut field.pat, false, bindings, counter)
        }),
        Pat::Lit(_)
        | Pat::Range(_)
        | Pat::Path(_)
        | Pat::Wild(_)
        | Pat::Rest(_)
        | Pat::Const(_) => Ok(()),
        other => Err(unsupported(other.span(), "this pattern")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::{quote, ToTokens};

    fn renamed(tokens: proc_macro2::TokenStream) -> (String, Vec<(String, usize, bool)>) {
        let pat = Pat::parse_multi_with_leading_vert.parse2(tokens).unwrap();
        let mut counter = 0;
        let result = rename(&pat, &mut counter).unwrap();
        let bindings = result
            .bindings
            .iter()
            .map(|b| (b.name.to_string(), b.id, b.whole))
            .collect();
        (result.pat.to_token_stream().to_string(), bindings)
    }

    use syn::parse::Parser;

    #[test]
    fn bindings_are_renamed_and_constants_kept() {
        assert_eq!(
            renamed(quote!(Mode::Fast | Mode::Slow)).0,
            "Mode :: Fast | Mode :: Slow"
        );
        assert_eq!(renamed(quote!(0..=3)).0, "0 ..= 3");
        let (pat, bindings) = renamed(quote!(x @ 1..=3));
        assert_eq!(pat, "__gm_b0 @ 1 ..= 3");
        assert_eq!(bindings, [("x".to_owned(), 0, true)]);
        let (pat, bindings) = renamed(quote!(Some(k) | Other(k, NONE)));
        assert_eq!(pat, "Some (__gm_b0) | Other (__gm_b0 , NONE)");
        assert_eq!(bindings, [("k".to_owned(), 0, false)]);
        let (pat, _) = renamed(quote!(Point { x, y: 0, .. }));
        assert_eq!(pat, "Point { x : __gm_b0 , y : 0 , .. }");
    }
}
