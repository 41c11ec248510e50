//! The reverse sweep of calls: composed through the callee's pullback,
//! in joint mode (its `_lent` form adding into the caller's adjoint
//! buffers in place) or preaccumulated (a gradient kept and scaled).

use super::{Generator, Terms};
use crate::activity::Activity;
use crate::ir::{BlockId, Body, BufferInit, Op, Opaque, ValueId};
use crate::names;
use proc_macro2::TokenStream;
use quote::quote;

impl Generator<'_> {
    /// A call composed through the callee's pullback: `f(a, b)` in the forward
    /// sweep, `f_pullback(a, b, seed)` here (which recomputes `f`'s forward sweep:
    /// the "joint mode" of Tapenade at call boundaries). The returned adjoints go
    /// to scalar arguments, or are added into the adjoint buffers of the buffers
    /// passed (`&x`, `&m[r]`).
    pub(super) fn call_operands(
        &mut self,
        value: ValueId,
        seed: Option<TokenStream>,
        here: BlockId,
        terms: &mut Terms,
        code: &mut TokenStream,
    ) {
        let body = self.inputs.body;
        // The `_lent` convention takes every buffer reference's adjoint
        // `&mut` (see `emit/pullback.rs`): the callee adds into the caller's
        // adjoint buffers in place, where the plain pullback would return
        // a new `Vec` per buffer per call.
        let lent = lent_arguments(body, self.inputs.activity, self.inputs.types, value);
        let by_name = lent.is_some();
        let lent_arguments = lent.unwrap_or_default();
        let companion = |name: &syn::Ident| match by_name {
            true => names::companion(name, "pullback_lent"),
            false => pullback_name(name),
        };
        let (pullback, args) = match &body.def(value).op {
            Op::Opaque(Opaque::Call { func, args }) => {
                let mut pullback = func.clone();
                if let Some(last) = pullback.path.segments.last_mut() {
                    last.ident = companion(&last.ident);
                    last.arguments = syn::PathArguments::None;
                }
                (quote!(#pullback), args)
            }
            // The receiver is a constant (see `activity.rs`): it gets no adjoint.
            Op::Opaque(Opaque::Method {
                receiver,
                method,
                args,
                ..
            }) => {
                let receiver = self.primal(*receiver);
                let pullback = companion(method);
                (quote!(#receiver.#pullback), args)
            }
            _ => return,
        };
        // A call lending `&mut` arguments follows the out-parameter
        // convention (see `emit/pullback.rs`): an optional seed, then each
        // lent part's adjoint, which the pullback turns from the adjoint after
        // the call into the adjoint before it. The callee is handed the copy
        // of each lent part taken before the call.
        let adjoints: Vec<proc_macro2::Ident> = (0..args.len())
            .map(|k| names::call_adjoint(value, k))
            .collect();
        if let Some(gradient) = self.inputs.preaccumulated.gradient_of(value) {
            if let Some(seed) = seed {
                self.scale_gradient(value, args, gradient, seed, &adjoints, here, terms, code);
            }
            return;
        }
        let lends = body.lends_float_mut(value) || by_name;
        let mut out_adjoints = Vec::new();
        let mut taken = std::collections::HashSet::new();
        // Buffers whose adjoint is already lent to this call: a second
        // argument reading the same buffer (`dot(x, x)`) gets a scratch
        // buffer, added in after the call.
        let mut lent_roots = std::collections::HashSet::new();
        let mut added_after = TokenStream::new();
        for arg in args {
            if let Op::Opaque(Opaque::BorrowMut { base, .. }) = &body.def(*arg).op {
                lent_roots.insert(*base);
            }
        }
        let arg_tokens: Vec<TokenStream> = args
            .iter()
            .enumerate()
            .map(|(k, arg)| match &body.def(*arg).op {
                // The `_lent` convention: a buffer reference's adjoint is
                // added into in place.
                _ if lent_arguments.contains(&k) => {
                    let primal = self.primal(*arg);
                    let behind = buffer_behind(body, *arg).filter(|b| self.active(b.root));
                    let adjoint = match behind {
                        Some(behind) if lent_roots.insert(behind.root) => {
                            let target = names::adjoint_buffer(behind.root);
                            self.part_of(quote!(#target), &behind.prefix, behind.range)
                        }
                        behind => {
                            let (scratch, made) = self.scratch_like(value, k, &primal);
                            code.extend(made);
                            if let Some(behind) = behind {
                                let target = names::adjoint_buffer(behind.root);
                                let part =
                                    self.part_of(quote!(#target), &behind.prefix, behind.range);
                                let name = names::call_scratch(value, k);
                                // A scratch buffer is left zero for the next
                                // call; a generic function's is made per call.
                                added_after.extend(match self.inputs.types.is_generic() {
                                    true => {
                                        let accumulate_fn = self.inputs.types.accumulate_fn();
                                        quote!(#accumulate_fn(&mut #part, &#name[..]);)
                                    }
                                    false => quote!(
                                        ::gradmacro::__private::accumulate_take(&mut #part, &mut #name[..]);
                                    ),
                                });
                            }
                            scratch
                        }
                    };
                    out_adjoints.push(quote!(&mut #adjoint));
                    taken.insert(*arg);
                    primal
                }
                Op::Opaque(Opaque::BorrowMut {
                    base,
                    prefix,
                    range,
                    before,
                    element,
                }) => {
                    // `before` is the lent part as it was (`[x]` for an
                    // element).
                    let before_name = self.named(*before);
                    let adjoint = match self.active(*base) {
                        true => {
                            let buffer = names::adjoint_buffer(*base);
                            self.lent_part(quote!(#buffer), prefix, *range)
                        }
                        false => {
                            let zeros = self.inputs.types.zeros_like(before_name.clone());
                            match element {
                                true => quote!(#zeros[0]),
                                false => zeros,
                            }
                        }
                    };
                    out_adjoints.push(quote!(&mut #adjoint));
                    match element {
                        true => quote!(&mut #before_name[0]),
                        false => quote!(&mut #before_name),
                    }
                }
                Op::Opaque(Opaque::ConstantMut { before, .. }) => {
                    let before = self.named(*before);
                    quote!(&mut #before)
                }
                _ => self.primal(*arg),
            })
            .collect();
        let seed = match (lends, seed) {
            (true, Some(seed)) => quote!(::core::option::Option::Some(#seed)),
            (true, None) => quote!(::core::option::Option::None),
            (false, Some(seed)) => seed,
            (false, None) => return,
        };
        code.extend(quote!(
            let (_, (#(#adjoints,)*)) = #pullback(#(#arg_tokens,)* #seed, #(#out_adjoints),*);
            #added_after
        ));
        self.distribute_call_adjoints(args, &adjoints, &taken, here, terms, code);
    }

    /// A zero adjoint shaped like the buffer `primal` that argument `k` of
    /// `call` passes, named by [`names::call_scratch`]: the call site's
    /// scratch buffer (allocated once per call of the function, see
    /// `gradmacro::__private::zeroed`), or, in a function generic over its
    /// float type, a new buffer made by the code returned second.
    fn scratch_like(
        &mut self,
        call: ValueId,
        k: usize,
        primal: &TokenStream,
    ) -> (TokenStream, TokenStream) {
        let name = names::call_scratch(call, k);
        if self.inputs.types.is_generic() {
            let zeros = self.inputs.types.zeros_like(quote!(*#primal));
            return (quote!(#name[..]), quote!(let mut #name = #zeros;));
        }
        self.scratch.insert((call, k));
        (
            quote!((*::gradmacro::__private::zeroed(&mut #name, &(*#primal)[..]))),
            TokenStream::new(),
        )
    }

    /// A preaccumulated call (see `preaccumulate.rs`): the gradient the
    /// forward sweep kept, for a unit seed, scaled by `seed`, goes to the
    /// arguments.
    #[allow(clippy::too_many_arguments)]
    fn scale_gradient(
        &mut self,
        call: ValueId,
        args: &[ValueId],
        gradient: ValueId,
        seed: TokenStream,
        adjoints: &[proc_macro2::Ident],
        here: BlockId,
        terms: &mut Terms,
        code: &mut TokenStream,
    ) {
        let body = self.inputs.body;
        let kept = self.primal(gradient);
        let (factor, local) = (
            names::local(&format!("seed_v{}", call.0)),
            names::local(&format!("unit_v{}", call.0)),
        );
        code.extend(quote!(let #factor = #seed; let #local = &#kept;));
        let scratch = crate::preaccumulate::scratch_arguments(
            body,
            self.inputs.activity,
            self.inputs.types,
            call,
        );
        for (k, arg) in args.iter().enumerate() {
            if !self.active(*arg) {
                continue;
            }
            let index = syn::Index::from(k);
            match buffer_behind(body, *arg) {
                Some(behind) => {
                    if self.active(behind.root) {
                        let target = names::adjoint_buffer(behind.root);
                        let part = self.part_of(quote!(#target), &behind.prefix, behind.range);
                        // A scratch buffer is taken: left zero for the next
                        // call (see `gradmacro::__private::zeroed`).
                        code.extend(match scratch.contains(&k) {
                            true => {
                                let name = names::call_scratch(call, k);
                                quote!(::gradmacro::__private::accumulate_scaled_take(
                                    &mut #part, #factor, &mut #name[..]
                                );)
                            }
                            false => quote!(
                                ::gradmacro::__private::accumulate_scaled(&mut #part, #factor, &#local.#index[..]);
                            ),
                        });
                    }
                }
                None => {
                    let adjoint = &adjoints[k];
                    // (A zero seed gives zero, even against a `NaN` partial.)
                    code.extend(quote!(
                        let #adjoint = ::gradmacro::__private::times_partial(#factor, #local.#index);
                    ));
                    self.contribute(*arg, false, quote!(#adjoint), here, terms, code);
                }
            }
        }
    }

    /// Sends a call's returned adjoints to its arguments: scalars'
    /// contributions, buffers' added into their adjoint buffers (the parts
    /// `taken` in place, and lent ones, are done).
    fn distribute_call_adjoints(
        &mut self,
        args: &[ValueId],
        adjoints: &[proc_macro2::Ident],
        taken: &std::collections::HashSet<ValueId>,
        here: BlockId,
        terms: &mut Terms,
        code: &mut TokenStream,
    ) {
        let body = self.inputs.body;
        let accumulate_fn = self.inputs.types.accumulate_fn();
        for (arg, adjoint) in args.iter().zip(adjoints) {
            // Lent parts took their adjoint in place.
            let lent = taken.contains(arg)
                || matches!(
                    body.def(*arg).op,
                    Op::Opaque(Opaque::BorrowMut { .. } | Opaque::ConstantMut { .. })
                );
            if lent || !self.active(*arg) {
                continue;
            }
            match buffer_behind(body, *arg) {
                Some(behind) => {
                    if self.active(behind.root) {
                        let target = names::adjoint_buffer(behind.root);
                        let part = self.part_of(quote!(#target), &behind.prefix, behind.range);
                        code.extend(quote!(#accumulate_fn(&mut #part, &#adjoint[..]);));
                    }
                }
                None => self.contribute(*arg, false, quote!(#adjoint), here, terms, code),
            }
        }
    }
}

/// The arguments of `call` whose adjoint `NAME_pullback_lent` takes `&mut`
/// (float buffers passed by reference), when the call composes through it:
/// it passes float buffer data by reference (its adjoint is lent, added
/// into in place) and returns a scalar (a buffer result's seed is a buffer:
/// such calls use `NAME_pullback`).
///
/// The `_lent` pullback takes one adjoint per float buffer parameter taken
/// by reference, so the caller must know which arguments are such buffers:
/// a reference to something whose type the macro does not see (a `const`
/// array, a field of a constant struct: `&WEIGHTS`, `&p.w`, a `collect()`ed
/// `Vec`) might be one, so such a call keeps `NAME_pullback`.
pub(crate) fn lent_arguments(
    body: &Body,
    activity: &Activity,
    types: &crate::types::FloatTypes,
    call: ValueId,
) -> Option<Vec<usize>> {
    let Op::Opaque(Opaque::Call { args, .. } | Opaque::Method { args, .. }) = &body.def(call).op
    else {
        return None;
    };
    let floats = |arg: &ValueId| {
        let root = buffer_behind(body, *arg).map_or(*arg, |behind| behind.root);
        float_elements(body, activity, types, root)
    };
    // A `&mut` buffer passed on by name: the `_lent` convention whatever
    // the others are.
    if args.iter().any(|arg| body.lent_by_name.contains(arg)) {
        let lent = (0..args.len())
            .filter(|&k| is_buffer_reference(body, args[k]) && floats(&args[k]) != Some(false))
            .collect();
        return Some(lent);
    }
    if body.def(call).buffer {
        return None;
    }
    let mut lent = Vec::new();
    for (k, arg) in args.iter().enumerate() {
        if is_buffer_reference(body, *arg) {
            match floats(arg) {
                Some(true) => lent.push(k),
                Some(false) => {}
                // A buffer of elements the macro cannot see.
                None => return None,
            }
        } else if !activity.is_active(*arg)
            && !body.def(*arg).buffer
            && may_be_float_buffer(body, *arg)
        {
            return None;
        }
    }
    (!lent.is_empty()).then_some(lent)
}

/// Whether the buffer `root` holds floats (`Some(true)`), visibly not
/// (`Some(false)`: a `Vec` of integer literals), or the macro cannot see.
fn float_elements(
    body: &Body,
    activity: &Activity,
    types: &crate::types::FloatTypes,
    root: ValueId,
) -> Option<bool> {
    if activity.is_active(root) || types.of(root).is_some() {
        return Some(true);
    }
    let is_float = |value: &ValueId| -> Option<bool> {
        if activity.is_active(*value) || types.of(*value).is_some() {
            return Some(true);
        }
        match &body.def(*value).op {
            Op::Const(tokens) => {
                let text = tokens.to_string();
                let float = text.contains('.') || text.ends_with("f64") || text.ends_with("f32");
                let integer = text
                    .trim_start_matches('-')
                    .starts_with(|c: char| c.is_ascii_digit());
                (float || integer).then_some(float)
            }
            _ => None,
        }
    };
    match &body.def(root).op {
        // A float buffer parameter (others are not buffers).
        Op::Param { .. } => Some(true),
        Op::Copy(inner) | Op::Opaque(Opaque::Ref(inner)) => {
            float_elements(body, activity, types, *inner)
        }
        Op::Buffer(BufferInit::Repeat { elem, .. }) => is_float(elem),
        Op::Buffer(BufferInit::List { elems, .. }) => elems.first().and_then(is_float),
        Op::Buffer(BufferInit::Copy { source, .. }) => {
            float_elements(body, activity, types, *source)
        }
        _ => None,
    }
}

/// Whether a constant argument might be float buffer data the macro does
/// not see as such: a `const` or `static` by name, a field, a method's or
/// call's result, a reference to any of these. Numbers, integer
/// arithmetic, loop indices and lengths are not.
fn may_be_float_buffer(body: &Body, value: ValueId) -> bool {
    match &body.def(value).op {
        Op::Const(tokens) => !tokens.clone().into_iter().next().is_some_and(|token| {
            matches!(token, proc_macro2::TokenTree::Literal(_))
                || matches!(&token, proc_macro2::TokenTree::Punct(p) if p.as_char() == '-')
                || matches!(&token, proc_macro2::TokenTree::Ident(i) if i == "true" || i == "false")
        }),
        Op::Copy(inner) | Op::Deref(inner) => may_be_float_buffer(body, *inner),
        Op::Opaque(Opaque::Method { method, args, .. }) => !(method == "len" && args.is_empty()),
        Op::Opaque(
            Opaque::Ref(_)
            | Opaque::Field { .. }
            | Opaque::Call { .. }
            | Opaque::Invoke { .. }
            | Opaque::Tuple(_)
            | Opaque::Index { .. },
        )
        | Op::Binding { .. } => true,
        _ => false,
    }
}

/// `NAME_pullback`, spanned like `NAME` so that a missing one is reported on
/// the call.
fn pullback_name(name: &syn::Ident) -> syn::Ident {
    names::companion(name, "pullback")
}

/// The part of a buffer an argument passes: `x`, `&x`, `&m[r]`, `&x[a..b]`.
struct Behind {
    root: ValueId,
    prefix: Vec<ValueId>,
    range: Option<(ValueId, ValueId)>,
}

/// Whether a call argument is a reference to float buffer data (`&x`,
/// `&x[1..]`, `&m[r]`, a `&[f64]` parameter passed on by name): the `_lent`
/// convention takes its adjoint `&mut`. A buffer passed by value (an array,
/// a moved `Vec`) is not.
pub(crate) fn is_buffer_reference(body: &Body, value: ValueId) -> bool {
    is_buffer_reference_op(body, value)
}

/// Whether a call argument is float buffer data, by reference or by value
/// (its adjoint is a buffer).
pub(crate) fn is_buffer_argument(body: &Body, value: ValueId) -> bool {
    buffer_behind(body, value).is_some() || is_buffer_reference(body, value)
}

fn is_buffer_reference_op(body: &Body, value: ValueId) -> bool {
    match &body.def(value).op {
        Op::Opaque(Opaque::Ref(inner)) => buffer_behind(body, *inner).is_some(),
        Op::Opaque(Opaque::Slice { .. }) => true,
        Op::Opaque(Opaque::Index {
            base,
            borrowed: true,
            ..
        }) => body.def(*base).buffer,
        _ => body.reference_params.contains(&value),
    }
}

fn buffer_behind(body: &Body, value: ValueId) -> Option<Behind> {
    let stmt = body.def(value);
    let whole = |root, prefix| Behind {
        root,
        prefix,
        range: None,
    };
    match &stmt.op {
        _ if stmt.buffer => Some(whole(value, Vec::new())),
        Op::Opaque(Opaque::Ref(inner)) => buffer_behind(body, *inner),
        Op::Opaque(Opaque::Index { base, indices, .. }) if body.def(*base).buffer => {
            Some(whole(*base, indices.clone()))
        }
        Op::Opaque(Opaque::Slice {
            base,
            prefix,
            start,
            end,
        }) => Some(Behind {
            root: *base,
            prefix: prefix.clone(),
            range: Some((*start, *end)),
        }),
        _ => None,
    }
}
