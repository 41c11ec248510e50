//! Macros in the body: printing (`println!`, `eprintln!`, `dbg!`), checks
//! (`assert!`, `assert_eq!`, `debug_assert!`, ...) and diverging macros
//! (`panic!`, `unreachable!`, `todo!`). They act on primal values only: the
//! forward sweep runs them once, where the user wrote them, and the reverse
//! sweep never does. Their arguments are lowered like any expression (the
//! variables they name are renamed), and a format string's implicit captures
//! (`"{x}"`) become named arguments (`x = __gm_v3`).

use super::{span_of, unsupported, Lowered, Lowerer};
use crate::ir::{MacroArg, Node};
use syn::punctuated::Punctuated;
use syn::{Expr, Token};

/// What a supported macro is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `println!` and friends, the assertions: evaluated for their effect.
    Effect,
    /// `panic!` and friends: control never returns.
    Diverges,
    /// `dbg!(expr)`: prints, and is the value of its argument.
    Debug,
}

fn kind(name: &str) -> Option<Kind> {
    Some(match name {
        "println" | "print" | "eprintln" | "eprint" | "assert" | "assert_eq" | "assert_ne"
        | "debug_assert" | "debug_assert_eq" | "debug_assert_ne" => Kind::Effect,
        "panic" | "unreachable" | "todo" | "unimplemented" => Kind::Diverges,
        "dbg" => Kind::Debug,
        _ => return None,
    })
}

/// The names a format string captures implicitly: `x` of `"{x}"` and
/// `"{x:.3}"` (not `{}`, `{0}` or the escaped `{{`).
fn implicit_captures(format: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '{' {
            continue;
        }
        if chars.peek() == Some(&'{') {
            chars.next();
            continue;
        }
        let mut name = String::new();
        while let Some(&next) = chars.peek() {
            if next.is_alphanumeric() || next == '_' {
                name.push(next);
                chars.next();
            } else {
                break;
            }
        }
        let starts_like_a_name = name
            .chars()
            .next()
            .is_some_and(|first| first.is_alphabetic() || first == '_');
        if starts_like_a_name && !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

impl Lowerer {
    /// Whether `mac` is a macro this lowering runs for its effect.
    pub(super) fn is_supported_macro(mac: &syn::Macro) -> bool {
        mac.path
            .segments
            .last()
            .is_some_and(|segment| kind(&segment.ident.to_string()).is_some())
    }

    /// Lowers a supported macro: its arguments, then a node that runs it.
    pub(super) fn lower_macro(&mut self, mac: &syn::Macro) -> syn::Result<Lowered> {
        let name = mac
            .path
            .segments
            .last()
            .map(|segment| segment.ident.to_string())
            .unwrap_or_default();
        let Some(kind) = kind(&name) else {
            return Err(super::expr::unsupported_expr(&Expr::Macro(
                syn::ExprMacro {
                    attrs: Vec::new(),
                    mac: mac.clone(),
                },
            )));
        };
        let exprs = mac
            .parse_body_with(Punctuated::<Expr, Token![,]>::parse_terminated)
            .map_err(|error| {
                syn::Error::new(
                    error.span(),
                    format!("the arguments of `{name}!` could not be read as expressions: {error}"),
                )
            })?;
        if kind == Kind::Debug {
            return self.lower_dbg(mac, &exprs);
        }
        let mut args = Vec::new();
        let mut named = Vec::new();
        let mut captures = Vec::new();
        for expr in &exprs {
            match expr {
                Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(format),
                    ..
                }) => {
                    captures.extend(implicit_captures(&format.value()));
                    args.push(MacroArg::Tokens(quote::quote!(#format)));
                }
                Expr::Assign(assign) => {
                    let Expr::Path(path) = &*assign.left else {
                        return Err(unsupported(span_of(expr), "this macro argument"));
                    };
                    let Some(ident) = path.path.get_ident() else {
                        return Err(unsupported(span_of(expr), "this macro argument"));
                    };
                    let value = self.lower_macro_value(&assign.right)?;
                    named.push(ident.to_string());
                    args.push(MacroArg::Named(ident.clone(), value));
                }
                other => {
                    let value = self.lower_macro_value(other)?;
                    args.push(MacroArg::Value(value));
                }
            }
        }
        // `"{x}"` reads the variable `x`, which the companions renamed.
        for capture in captures {
            if named.contains(&capture) {
                continue;
            }
            let ident = syn::Ident::new(&capture, mac.path.segments[0].ident.span());
            if let Some(lowered) = self.read(&ident) {
                let value = self.expect_value(lowered, ident.span(), "this captured variable")?;
                args.push(MacroArg::Named(ident, value));
            }
        }
        self.push_node(Node::Macro {
            mac: mac.clone(),
            args,
        });
        Ok(match kind {
            Kind::Diverges => Lowered::Never,
            _ => Lowered::Unit,
        })
    }

    /// A macro argument: any value, a buffer or a row as it is.
    fn lower_macro_value(&mut self, expr: &Expr) -> syn::Result<crate::ir::ValueId> {
        let lowered = self.lower_expr(expr)?;
        if let Lowered::View(base, indices) = &lowered {
            if !self.is_place(*base, indices) {
                return Ok(self.materialize_view(*base, indices.clone(), span_of(expr)));
            }
        }
        self.expect_value(lowered, span_of(expr), "this macro argument")
    }

    /// `dbg!(expr)`: prints what `dbg!` prints (the expression as written,
    /// and its value), and is the value.
    fn lower_dbg(
        &mut self,
        mac: &syn::Macro,
        exprs: &Punctuated<Expr, Token![,]>,
    ) -> syn::Result<Lowered> {
        let mut values = Vec::new();
        for expr in exprs {
            let lowered = self.lower_expr(expr)?;
            let value = self.expect_value(lowered.clone(), span_of(expr), "this argument")?;
            let text = quote::ToTokens::to_token_stream(expr).to_string();
            let format = format!("[{{}}:{{}}:{{}}] {text} = {{:#?}}");
            let mut printing = mac.clone();
            printing.path = syn::parse_quote!(::std::eprintln);
            self.push_node(Node::Macro {
                mac: printing,
                args: vec![
                    MacroArg::Tokens(quote::quote!(#format)),
                    MacroArg::Tokens(quote::quote!(::core::file!())),
                    MacroArg::Tokens(quote::quote!(::core::line!())),
                    MacroArg::Tokens(quote::quote!(::core::column!())),
                    MacroArg::Borrowed(value),
                ],
            });
            values.push(lowered);
        }
        Ok(match values.len() {
            0 => Lowered::Unit,
            1 => values.pop().unwrap_or(Lowered::Unit),
            _ => Lowered::Tuple(values),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::implicit_captures;

    #[test]
    fn captures_are_the_names_in_braces() {
        assert_eq!(
            implicit_captures("x = {x}, {y:.3} {} {0} {{z}} {_w:?}"),
            ["x", "y", "_w"]
        );
    }
}
