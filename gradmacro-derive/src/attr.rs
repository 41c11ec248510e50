//! The attribute's options, parsed with their spans.
//!
//! Parsing is kept apart from validation against the signature (see
//! `signature.rs`) so that every error can point at the exact token the user wrote:
//! an unknown key, a duplicate `wrt` entry, a malformed list.

use proc_macro2::TokenStream;
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::{bracketed, Ident, Token};

/// What the user wrote inside `#[differentiate(...)]`.
#[derive(Debug, Default)]
pub struct Options {
    /// The `wrt` list as written (names keep their spans), or `None` for "every
    /// differentiable parameter".
    pub wrt: Option<Vec<Ident>>,
    /// `float = T`: the float type is the type parameter `T` of the enclosing
    /// `impl<T: Float>`, which the attribute on a method cannot see.
    pub float: Option<Ident>,
    /// `explain`: also generate `NAME_explain`, the graph of one evaluation.
    pub explain: Option<Ident>,
    /// `checkpoints = N`: each checkpointed loop keeps at most `N` saved
    /// states and recomputes the rest by Griewank's binomial schedule,
    /// instead of one state per iteration (see `fuse/checkpoint.rs`).
    pub checkpoints: Option<usize>,
}

impl Options {
    /// Parses the attribute's argument tokens; an empty stream means no options.
    pub fn parse(tokens: TokenStream) -> syn::Result<Options> {
        syn::parse2(tokens)
    }
}

impl Parse for Options {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut options = Options::default();
        while !input.is_empty() {
            let key: Ident = input.parse()?;
            if key == "wrt" {
                if options.wrt.is_some() {
                    return Err(syn::Error::new(key.span(), "`wrt` is given twice"));
                }
                expect_equals(input, &key, "`wrt = [w, b]` (or `wrt = w`)")?;
                options.wrt = Some(parse_wrt_list(input, &key)?);
            } else if key == "explain" {
                if options.explain.is_some() {
                    return Err(syn::Error::new(key.span(), "`explain` is given twice"));
                }
                options.explain = Some(key.clone());
            } else if key == "checkpoints" {
                if options.checkpoints.is_some() {
                    return Err(syn::Error::new(key.span(), "`checkpoints` is given twice"));
                }
                expect_equals(input, &key, "`checkpoints = 64`")?;
                let count: syn::LitInt = input.parse()?;
                let value: usize = count.base10_parse()?;
                if value == 0 {
                    return Err(syn::Error::new(
                        count.span(),
                        "`checkpoints` needs at least one saved state (the state before the loop)",
                    ));
                }
                options.checkpoints = Some(value);
            } else if key == "float" {
                if options.float.is_some() {
                    return Err(syn::Error::new(key.span(), "`float` is given twice"));
                }
                expect_equals(input, &key, "`float = T`")?;
                options.float = Some(input.parse()?);
            } else {
                return Err(syn::Error::new(
                    key.span(),
                    format!(
                        "unknown option `{key}`: the options are `wrt = [...]`, `float = T`, `explain` and `checkpoints = N`"
                    ),
                ));
            }
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        Ok(options)
    }
}

/// The `=` after `key`, or an error on `key` saying what the option looks like.
fn expect_equals(input: ParseStream, key: &Ident, form: &str) -> syn::Result<()> {
    if input.peek(Token![=]) {
        input.parse::<Token![=]>()?;
        return Ok(());
    }
    Err(syn::Error::new(
        key.span(),
        format!("`{key}` needs a value: write {form}"),
    ))
}

/// `wrt = x` or `wrt = [x, y]`; rejects duplicates and the empty list.
fn parse_wrt_list(input: ParseStream, key: &Ident) -> syn::Result<Vec<Ident>> {
    let names: Vec<Ident> = if input.peek(syn::token::Bracket) {
        let content;
        let brackets = bracketed!(content in input);
        // `Ident::parse_any` takes `self` too, so that it is refused with a reason.
        let names = content.parse_terminated(Ident::parse_any, Token![,])?;
        if names.is_empty() {
            return Err(syn::Error::new(
                brackets.span.join(),
                "`wrt` lists no parameter: name at least one, or leave `wrt` out to take all",
            ));
        }
        names.into_iter().collect()
    } else if input.peek(Ident::peek_any) {
        vec![Ident::parse_any(input)?]
    } else {
        // Point at what was written instead of a name or a list.
        let span = match input.parse::<proc_macro2::TokenTree>() {
            Ok(tree) => tree.span(),
            Err(_) => key.span(),
        };
        return Err(syn::Error::new(
            span,
            "`wrt` expects a parameter name or a list of them in brackets, as in `wrt = [w, b]`",
        ));
    };
    for (index, name) in names.iter().enumerate() {
        if names[..index].contains(name) {
            return Err(syn::Error::new(
                name.span(),
                format!("`{name}` appears twice in `wrt`"),
            ));
        }
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn names(options: &Options) -> Vec<String> {
        let wrt = options.wrt.as_ref().expect("a wrt list");
        wrt.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn empty_attribute_takes_all_parameters() {
        assert!(Options::parse(quote!()).unwrap().wrt.is_none());
    }

    #[test]
    fn list_and_single_name() {
        assert_eq!(
            names(&Options::parse(quote!(wrt = [w, b])).unwrap()),
            ["w", "b"]
        );
        assert_eq!(names(&Options::parse(quote!(wrt = w,)).unwrap()), ["w"]);
        assert_eq!(
            names(&Options::parse(quote!(wrt = [w, b,])).unwrap()),
            ["w", "b"]
        );
    }

    #[test]
    fn float_names_the_impl_type_parameter() {
        let options = Options::parse(quote!(wrt = x, float = T)).unwrap();
        assert_eq!(names(&options), ["x"]);
        assert_eq!(options.float.map(|t| t.to_string()).as_deref(), Some("T"));
        let message = Options::parse(quote!(float = T, float = U)).unwrap_err();
        assert_eq!(message.to_string(), "`float` is given twice");
    }

    #[test]
    fn explain_is_a_flag() {
        let options = Options::parse(quote!(wrt = [w, b], explain)).unwrap();
        assert_eq!(names(&options), ["w", "b"]);
        assert!(options.explain.is_some());
        assert!(Options::parse(quote!(wrt = w)).unwrap().explain.is_none());
        let message = Options::parse(quote!(explain, explain)).unwrap_err();
        assert_eq!(message.to_string(), "`explain` is given twice");
    }

    #[test]
    fn checkpoints_takes_a_positive_count() {
        let options = Options::parse(quote!(wrt = x, checkpoints = 64)).unwrap();
        assert_eq!(options.checkpoints, Some(64));
        let message = |tokens| Options::parse(tokens).unwrap_err().to_string();
        assert!(message(quote!(checkpoints = 0)).starts_with("`checkpoints` needs at least one"));
        assert!(message(quote!(checkpoints)).starts_with("`checkpoints` needs a value"));
        assert_eq!(
            message(quote!(checkpoints = 1, checkpoints = 2)),
            "`checkpoints` is given twice"
        );
    }

    #[test]
    fn errors_say_what_is_wrong() {
        let message = |tokens| Options::parse(tokens).unwrap_err().to_string();
        assert_eq!(message(quote!(wrt = [w, w])), "`w` appears twice in `wrt`");
        assert!(message(quote!(with = [w])).starts_with("unknown option `with`"));
        assert!(message(quote!(wrt = [])).starts_with("`wrt` lists no parameter"));
        assert!(message(quote!(wrt = 3)).starts_with("`wrt` expects a parameter name"));
        assert_eq!(message(quote!(wrt = a, wrt = b)), "`wrt` is given twice");
    }
}
