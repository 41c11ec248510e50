//! The `#[differentiate]` attribute of [gradmacro](https://docs.rs/gradmacro).
//! Depend on `gradmacro`, not on this crate: the generated code calls into it.
//!
//! The expansion is a pipeline of small passes, each in its own file:
//!
//! | pass | file | job |
//! |---|---|---|
//! | options | `attr.rs` | parse `wrt = [...]`, keeping spans |
//! | signature | `signature/` | classify parameters (scalars, buffers, constants, the receiver), find the float type (`f32`, `f64`, a `T: Float`), check the return type, resolve `wrt` |
//! | guards | `guard.rs` | split a function at a leading guard clause (`if n == 0 { return 0.0; }`) into the guard's function and the rest's, so that the rest's loops are at the top level (fusable) |
//! | lowering | `lower/` | body → IR (`ir/`): expressions, calls, bindings, buffers, control flow, iterator chains, match patterns; closures passed to methods of constants kept as written (`lower/kept_closure.rs`) |
//! | running minima | `winner/` | a running minimum or maximum of a computed value (`if dist < best { best = dist; }`) only decides which candidate wins; the winner's value is computed again after the loop, and only that is differentiated (IR → IR) |
//! | gradients of calls | `preaccumulate/` | a value after each call for the gradient its pullback returns, run once in the forward sweep (preaccumulation) where that is cheaper than joint mode |
//! | activity | `activity.rs` | which values need adjoints; missing derivatives |
//! | types | `types.rs` | float types of active values, for typed accumulators |
//! | saves | `save.rs` | which primal values the reverse sweep needs saved, and how |
//! | argmax | `argmax/` | which max/min reductions (a `max` rule, or branches copying the winner) record their argmax instead of being reversed |
//! | counters | `counters.rs` | which integer counters (`e += 1`) the reverse sweep walks back instead of saving their values |
//! | restores | `restore.rs` | which buffers save what their stores (and whole overwrites, `mem::swap`) overwrite, so that reads are read again rather than saved |
//! | forward | `forward.rs` | the primal sweep, with rule partials kept and saves pushed |
//! | reverse | `reverse/` | the adjoint sweep: blocks, each operation's local derivative, recomputation, buffers and calls |
//! | emission | `emit.rs` | `NAME_grad`, `NAME_pullback` and `NAME_explain` |
//! | explanation | `explain.rs` | the graph of one evaluation that `NAME_explain` builds |
//!
//! Set `GRADMACRO_DUMP=1` while building to print each function's IR, and
//! `GRADMACRO_DUMP=code` to print the generated functions as well.

mod activity;
mod argmax;
mod attr;
mod counters;
mod emit;
mod explain;
mod forward;
mod fuse;
mod guard;
mod hoist;
mod impl_block;
mod ir;
mod lower;
mod names;
mod preaccumulate;
mod restore;
mod reverse;
mod rule_table;
mod save;
mod signature;
mod types;
mod winner;

use proc_macro::TokenStream;

/// Generates `NAME_grad` (value and gradient) and `NAME_pullback` beside the
/// annotated function. See the `gradmacro` crate for the full contract.
#[proc_macro_attribute]
pub fn differentiate(attr: TokenStream, item: TokenStream) -> TokenStream {
    // Parsing and lowering recurse once per level of nesting; deep input
    // (long sums, long method chains, nested parentheses) gets a stack of its
    // own rather than overflowing the compiler's (the memory is reserved, and
    // only touched as far as the recursion goes).
    stacker::grow(STACK_SIZE, || {
        expand::differentiate(attr.into(), item.into()).into()
    })
}

/// The expansion's stack: room for nesting about a hundred times deeper than
/// the compiler's own 8 MiB allows.
const STACK_SIZE: usize = 1 << 30;

mod expand {
    use crate::{activity, attr::Options, emit, lower, signature};
    use proc_macro2::TokenStream;
    use quote::quote;

    /// The original item, unchanged, followed by its companions, or by a
    /// `compile_error!` pointing at the problem.
    ///
    /// The original is allowed to be dead code: calling only `NAME_grad` is
    /// using it. (A companion cannot name it to count as a use: inside an
    /// `impl` it is `Self::NAME`, outside it is `NAME`, and an attribute cannot
    /// tell which.)
    pub fn differentiate(attr: TokenStream, item: TokenStream) -> TokenStream {
        crate::names::tag_expansion(&item.to_string());
        // On an `impl` block: its methods' companions (see `impl_block.rs`).
        if let Ok(syn::Item::Impl(block)) = syn::parse2::<syn::Item>(item.clone()) {
            let expanded = crate::impl_block::expand(attr, block);
            crate::names::tag_expansion("");
            return quote!(#[allow(dead_code)] #expanded);
        }
        let output = companions_or_errors(attr, item.clone());
        crate::names::tag_expansion("");
        quote!(#[allow(dead_code)] #item #output)
    }

    /// The companions of a function, or its errors (with stubs).
    pub(crate) fn companions_or_errors(attr: TokenStream, item: TokenStream) -> TokenStream {
        match expand(attr, item) {
            Ok(companions) => companions,
            Err((error, stubs)) => {
                let error = error.to_compile_error();
                quote!(#error #stubs)
            }
        }
    }

    /// The companions, or the error (the unit tests' entry point).
    #[cfg(test)]
    pub(crate) fn companions(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
        expand(attr, item).map_err(|(error, _)| error)
    }

    /// The companions, or the error with, when the signature was understood
    /// and only the body was rejected, stubs of the companions (as
    /// thiserror's fallback impls do): callers then see the one error on the
    /// offending token, and no ``cannot find function`` at every call.
    fn expand(
        attr: TokenStream,
        item: TokenStream,
    ) -> Result<TokenStream, (syn::Error, TokenStream)> {
        let no_stubs = |error| (error, TokenStream::new());
        let function = parse_function(crate::names::unraw(item)).map_err(no_stubs)?;
        let options = Options::parse(attr).map_err(no_stubs)?;
        let sig = signature::analyze(&function.sig, &options).map_err(no_stubs)?;
        function_companions(&function, &options, &sig)
            .map_err(|error| (error, emit::stubs(&function, &sig)))
    }

    /// The companions of a function, split at its guard clause if it has
    /// one worth splitting.
    fn function_companions(
        function: &syn::ItemFn,
        options: &Options,
        sig: &signature::FnSignature,
    ) -> syn::Result<TokenStream> {
        match crate::guard::split(function, options.explain.is_some()) {
            Some(guarded) => guarded_companions(function, options, &guarded),
            None => body_companions(function, options, sig),
        }
    }

    /// The companions of a function split at its guard clause (see
    /// `guard.rs`): each runs the guard's companion's body or the rest's.
    fn guarded_companions(
        function: &syn::ItemFn,
        options: &Options,
        guarded: &crate::guard::Guarded,
    ) -> syn::Result<TokenStream> {
        let guard_sig = signature::analyze(&guarded.guard.sig, options)?;
        let rest_sig = signature::analyze(&guarded.rest.sig, options)?;
        let guard = function_companions(&guarded.guard, options, &guard_sig)?;
        // The rest may start with another guard.
        let rest = function_companions(&guarded.rest, options, &rest_sig)?;
        guarded.dispatchers(function, &guard, &rest)
    }

    fn body_companions(
        function: &syn::ItemFn,
        options: &Options,
        sig: &signature::FnSignature,
    ) -> syn::Result<TokenStream> {
        let sig = sig.clone();
        let mut lowered = lower::lower(&function.block, &sig)?;
        crate::winner::recompute_winners(&mut lowered.body);
        crate::preaccumulate::insert_gradients(&mut lowered.body);
        let types = crate::types::infer(&lowered.body, &sig);
        crate::hoist::loop_invariants(&mut lowered.body, &types);
        if std::env::var_os("GRADMACRO_DUMP").is_some() {
            eprintln!("gradmacro IR of `{}`:\n{}\n", sig.name, lowered.body);
        }
        let wrt_values: Vec<_> = sig.wrt.iter().filter_map(|&i| lowered.params[i]).collect();
        // A function returning `()` has outputs only through its
        // out-parameters: no `NAME_grad`, only the pullback.
        let activity = match sig.unit_return {
            true => None,
            false => Some(activity::analyze(&lowered.body, &wrt_values, &[])?),
        };
        let source = emit::Source {
            function,
            sig: &sig,
            lowered: &lowered,
        };
        // The pullback differentiates every differentiable parameter. It is left
        // out where that would need a derivative `wrt` avoided: an operation
        // without one, or a call composed through a callee's pullback that
        // `NAME_grad` does not call (the callee may have none).
        let all_values: Vec<_> = (0..sig.params.len())
            .filter(|&i| sig.params[i].is_differentiable())
            .filter_map(|i| lowered.params[i])
            .collect();
        let outputs: Vec<_> = lowered.outs.iter().map(|out| out.last).collect();
        let pullback_activity = match &activity {
            None => Some(activity::analyze(&lowered.body, &all_values, &outputs)?),
            Some(grad) => activity::analyze(&lowered.body, &all_values, &outputs)
                .ok()
                .filter(|all| !needs_more_pullbacks(&lowered.body, grad, all)),
        };
        let gradient_and_pullback =
            emit::gradient_and_pullback(&source, activity.as_ref(), pullback_activity.as_ref());
        let explain = match (&options.explain, &activity) {
            (Some(flag), Some(activity)) => Some(emit::explain(&source, activity, flag)?),
            (Some(flag), None) => {
                return Err(syn::Error::new(
                    flag.span(),
                    "`explain` needs a function that returns a float: this one returns `()`",
                ))
            }
            (None, _) => None,
        };
        let companions = quote!(#gradient_and_pullback #explain);
        if std::env::var_os("GRADMACRO_DUMP").is_some_and(|value| value == "code") {
            eprintln!("gradmacro output for `{}`:\n{companions}\n", sig.name);
        }
        Ok(companions)
    }

    /// Whether differentiating with `all` composes calls that `grad` does not.
    fn needs_more_pullbacks(
        body: &crate::ir::Body,
        grad: &activity::Activity,
        all: &activity::Activity,
    ) -> bool {
        body.values.iter().any(|stmt| {
            matches!(
                stmt.op,
                crate::ir::Op::Opaque(
                    crate::ir::Opaque::Call { .. } | crate::ir::Opaque::Method { .. }
                )
            ) && all.is_active(stmt.def)
                && !grad.is_active(stmt.def)
        })
    }

    fn parse_function(item: TokenStream) -> syn::Result<syn::ItemFn> {
        match syn::parse2::<syn::Item>(item.clone()) {
            Ok(syn::Item::Fn(function)) => Ok(function),
            Ok(other) => Err(syn::Error::new(
                keyword_span(&other, &item),
                "#[differentiate] applies to functions (as in `fn loss(w: f64) -> f64 { ... }`) and to `impl` blocks (for their methods)",
            )),
            Err(_) => Err(syn::Error::new(
                first_span(&item),
                "#[differentiate] applies to functions with a body, as in `fn loss(w: f64) -> f64 { ... }`",
            )),
        }
    }

    fn first_span(item: &TokenStream) -> proc_macro2::Span {
        item.clone()
            .into_iter()
            .next()
            .map_or_else(proc_macro2::Span::call_site, |t| t.span())
    }

    /// The item's keyword (`struct`, `impl`, ...), where the error reads best.
    fn keyword_span(item: &syn::Item, tokens: &TokenStream) -> proc_macro2::Span {
        use syn::Item;
        match item {
            Item::Struct(i) => i.struct_token.span,
            Item::Enum(i) => i.enum_token.span,
            Item::Impl(i) => i.impl_token.span,
            Item::Trait(i) => i.trait_token.span,
            Item::Const(i) => i.const_token.span,
            Item::Static(i) => i.static_token.span,
            Item::Mod(i) => i.mod_token.span,
            Item::Type(i) => i.type_token.span,
            Item::Union(i) => i.union_token.span,
            Item::Use(i) => i.use_token.span,
            _ => first_span(tokens),
        }
    }

    #[cfg(test)]
    mod tests {
        use quote::quote;

        /// Odd, broken and unsupported inputs: the expansion returns an error or
        /// code, and never panics.
        #[test]
        fn never_panics_on_user_input() {
            let attrs = [
                quote!(),
                quote!(wrt = [x]),
                quote!(wrt = [x, x]),
                quote!(wrt),
                quote!(wrt = ),
                quote!(= x),
                quote!(wrt = [1]),
            ];
            let items = [
                quote!(),
                quote!(fn),
                quote!(
                    fn f(x: f64) -> f64;
                ),
                quote!(
                    struct S;
                ),
                quote!(
                    fn f(x: f64) -> f64 {}
                ),
                quote!(
                    fn f(x: f64) -> f64 {
                        let (a, (b, c)) = (x, (x, x));
                        a * b * c
                    }
                ),
                quote!(
                    fn f(x: f64) -> f64 {
                        let (a, b) = (x, (x, x));
                        a * b
                    }
                ),
                quote!(
                    fn f(x: f64) -> f64 {
                        (x, x)
                    }
                ),
                quote!(
                    fn f(x: f64) -> f64 {
                        let t = (x, x);
                        t.5
                    }
                ),
                quote!(
                    fn f(x: f64) -> f64 {
                        let t = (x, x);
                        t.0 * t.1
                    }
                ),
                quote!(
                    fn f(x: f64) -> f64 {
                        y = x;
                        x
                    }
                ),
                quote!(
                    fn f(x: f64) -> f64 {
                        (a, b) = (x, x);
                        x
                    }
                ),
                quote!(
                    fn f(x: f64) -> f64 {
                        (_, _) = (x, x);
                        x
                    }
                ),
                quote!(
                    fn f(x: f64) -> f64 {
                        x += 1.0;
                        x
                    }
                ),
                quote!(
                    fn f(x: f64) -> f64 {
                        x.sin_cos()
                    }
                ),
                quote!(
                    fn f(x: f64) -> f64 {
                        x.sin_cos().0
                    }
                ),
                quote!(
                    fn f(x: f64) -> f64 {
                        x.max()
                    }
                ),
                quote!(
                    fn f(x: f64) -> f64 {
                        f64::max(x)
                    }
                ),
                quote!(
                    fn f(x: f64) -> f64 {
                        <f64>::exp(x) + <f64 as Float>::ln(x)
                    }
                ),
                quote!(
                    fn f(x: f64) -> f64 {
                        (|y| y)(x)
                    }
                ),
                quote!(
                    fn f(x: f64) -> f64 {
                        return;
                    }
                ),
                quote!(
                    fn f(x: f64) -> f64 {
                        {
                            return x;
                        }
                    }
                ),
                quote!(
                    fn f(x: f64) -> f64 {
                        let _ = x;
                        let _: f64 = x;
                        x
                    }
                ),
                quote!(
                    fn f(x: f64) -> f64 {
                        let a @ b = x;
                        a
                    }
                ),
                quote!(
                    fn f(x: f64) -> f64 {
                        let Some(a) = x else { return 0.0 };
                        a
                    }
                ),
                quote!(
                    fn f(x: f64) -> f64 {
                        'a: {
                            x
                        }
                    }
                ),
                quote!(
                    fn f(x: &mut f64) -> f64 {
                        *x += 1.0;
                        *x
                    }
                ),
                quote!(
                    fn f(x: f64) -> f64 {
                        *x
                    }
                ),
                quote!(
                    fn f(x: f64) -> f64 {
                        -(-x) as u8 as f64
                    }
                ),
                quote!(
                    fn f(x: f64) -> f64 {
                        x.frob::<u8>()
                    }
                ),
                quote!(
                    fn f(x: f64) -> f64 {
                        S { x }.x
                    }
                ),
                quote!(
                    fn f(x: f64) -> f64 {
                        [x][0]
                    }
                ),
                quote!(
                    fn f(x: f64) -> f64 {
                        x?
                    }
                ),
                quote!(
                    fn f(x: f64, _: f64) -> f64 {
                        x
                    }
                ),
                quote!(
                    async fn f(x: f64) -> f64 {
                        x
                    }
                ),
                quote!(
                    extern "C" fn f(x: f64) -> f64 {
                        x
                    }
                ),
                quote!(
                    fn f(self, x: f64) -> f64 {
                        x
                    }
                ),
                quote!(
                    fn f<T>(x: f64) -> f64
                    where
                        T: Copy,
                    {
                        x
                    }
                ),
                quote!(
                    fn f(x: f64) -> impl Fn() {
                        x
                    }
                ),
                quote!(
                    fn f(x: f64) -> f64 {
                        unsafe { x }
                    }
                ),
                quote!(
                    fn f(x: f64) -> f64 {
                        loop {}
                    }
                ),
                quote!(
                    fn f(x: f64) -> f64 {
                        x && x
                    }
                ),
                quote!(
                    fn f(x: f64) -> f64 {
                        !x
                    }
                ),
                quote!(
                    fn f(x: f64) -> f64 {
                        &x
                    }
                ),
                quote!(
                    fn f(x: f64) -> f64 {
                        &mut x
                    }
                ),
                quote!(
                    fn f(x: f64) -> f64 {
                        x..
                    }
                ),
                quote!(
                    fn f(x: f64) -> f64 {
                        const C: f64 = 1.0;
                        fn g() {}
                        use std::f64;
                        x * C
                    }
                ),
            ];
            for attr in &attrs {
                for item in &items {
                    let _ = super::companions(attr.clone(), item.clone());
                    let _ = super::differentiate(attr.clone(), item.clone());
                }
            }
        }
    }
}

#[cfg(test)]
mod expansion_time {
    /// Times the expansion of large generated functions (run with
    /// `cargo test -p gradmacro-derive --release -- --ignored --nocapture`).
    #[test]
    #[ignore]
    fn large_functions() {
        let mut long = String::from("fn long(x: f64, y: f64) -> f64 { let v0 = x * y;");
        for i in 1..5000 {
            let op = ["+", "*", "-"][i % 3];
            long.push_str(&format!(
                "let v{i} = v{} {op} (x * {}.0).sin() * 0.001;",
                i - 1,
                i % 7 + 1
            ));
        }
        long.push_str("v4999 }");
        let sum = (1..=1000)
            .map(|i| format!("x * {i}.0"))
            .collect::<Vec<_>>()
            .join(" + ");
        let sum = format!("fn sum(x: f64) -> f64 {{ {sum} }}");
        for source in [long, sum] {
            let item: proc_macro2::TokenStream = source.parse().unwrap();
            stacker::grow(super::STACK_SIZE, || {
                let start = std::time::Instant::now();
                let out = super::expand::companions(quote::quote!(), item).unwrap();
                eprintln!(
                    "{} bytes out in {:?}",
                    out.to_string().len(),
                    start.elapsed()
                );
            });
        }
    }
}
