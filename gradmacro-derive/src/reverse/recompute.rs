//! Rematerialisation: which primal values the reverse sweep recomputes instead
//! of saving, and how.

use super::Generator;
use crate::ir::{Arith, Op, Opaque, ValueId, ROOT};
use crate::names;
use crate::rule_table::Input;
use crate::save::Part;
use proc_macro2::TokenStream;
use quote::quote;

/// Rules recomputed in the reverse sweep rather than saved: a few arithmetic
/// operations each. Transcendental ones (`exp`, `tanh`, ...) are saved.
pub(crate) const CHEAP_RULES: &[&str] = &[
    "powi",
    "abs",
    "max",
    "min",
    "clamp",
    "copysign",
    "mul_add",
    "to_degrees",
    "to_radians",
    "fract",
    "recip",
];

impl Generator<'_> {
    /// A primal value as the reverse sweep reads it: constants inline, and
    /// everything else by name. A name is either recomputed at the start of its
    /// block's reverse code (see [`Generator::recompute`]) or recorded as
    /// referenced, so that it is saved if it needs to be.
    pub(super) fn primal(&mut self, value: ValueId) -> TokenStream {
        if self.recomputable(value) {
            self.recomputed.insert(value);
            let name = names::primal(value);
            return quote!(#name);
        }
        self.named(value)
    }

    /// A value by name (constants inline), recorded as referenced.
    pub(super) fn named(&mut self, value: ValueId) -> TokenStream {
        if let Op::Const(tokens) = &self.body().def(value).op {
            return quote!((#tokens));
        }
        self.referenced.insert(Part::Value(value));
        let name = names::primal(value);
        quote!(#name)
    }

    /// Rematerialisation: a value of a nested block made by cheap operations
    /// (`+`, `-`, `*`, negation, copies, casts, borrows, and reads of buffers that
    /// are never written) is not saved but defined again, under its own name, at
    /// the start of its block's reverse code, from its operands; as a careful
    /// hand-written adjoint does. For `x = r * x * (1.0 - x)` in a loop only `x` is
    /// stacked, and `x[2 * i + 1]` of a parameter needs nothing saved at all (`i`
    /// being recomputed by the reverse loop). Operands hold the right state there,
    /// because a block's saved values are restored only once the block is fully
    /// reversed. Each value is recomputed once per reverse execution of its block.
    pub(super) fn recompute(&mut self, value: ValueId) -> TokenStream {
        let body = self.inputs.body;
        let stmt = body.def(value);
        let name = names::primal(value);
        if let (
            Op::Rule {
                rule, name: method, ..
            },
            Some((base, index)),
        ) = (&stmt.op, self.inputs.fusion.recovered_from(value))
        {
            if rule.from_value && !CHEAP_RULES.contains(&rule.name) {
                // Read back where the loop stored it; the partial from it.
                let (base, index) = (self.primal(base), self.primal(index));
                let function = syn::Ident::new(rule.name, method.span());
                let d = names::partial(value, 0);
                return quote! {
                    let #name = #base[#index];
                    let #d = ::gradmacro::rules::from_value::#function(#name);
                };
            }
        }
        if let Op::Rule {
            rule,
            args,
            name: method,
            ..
        } = &stmt.op
        {
            // The value and the partials the reverse sweep uses, together.
            let arg_tokens: Vec<TokenStream> = args.iter().map(|arg| self.primal(*arg)).collect();
            let parts = rule
                .inputs
                .iter()
                .zip(args)
                .enumerate()
                .filter(|(_, (input, _))| **input == Input::Float)
                .map(|(k, (_, arg))| {
                    if self.inputs.activity.is_active(*arg) {
                        let d = names::partial(value, k);
                        quote!(#d)
                    } else {
                        quote!(_)
                    }
                })
                .collect::<Vec<_>>();
            let function = syn::Ident::new(rule.name, method.span());
            return quote!(let (#name, #(#parts),*) = ::gradmacro::rules::#function(#(#arg_tokens),*););
        }
        if let Some((slot, offset)) = self.inputs.saves.counters.read(value) {
            // The counter's value here: its reverse copy, less what the writes
            // after this read in its block added.
            let copy = names::counter_copy(slot);
            let magnitude = proc_macro2::Literal::u128_unsuffixed(offset.unsigned_abs());
            return match offset {
                0 => quote!(let #name = #copy;),
                1.. => quote!(let #name = #copy - #magnitude;),
                _ => quote!(let #name = #copy + #magnitude;),
            };
        }
        let expr = match &stmt.op {
            Op::Arith(arith, a, b) => {
                let op = arith.token(stmt.span);
                let (a, b) = (self.primal(*a), self.primal(*b));
                quote!(#a #op #b)
            }
            Op::Neg(v) => {
                let v = self.primal(*v);
                quote!(-#v)
            }
            Op::Copy(v) => self.primal(*v),
            Op::Deref(v) => {
                let v = self.primal(*v);
                quote!(*#v)
            }
            Op::Opaque(Opaque::Call { func, .. }) => quote!(#func()),
            Op::Opaque(Opaque::Ref(v)) => {
                let v = self.primal(*v);
                quote!(&#v)
            }
            Op::Opaque(Opaque::Slice {
                base,
                prefix,
                start,
                end,
            }) => {
                let base = self.primal(*base);
                let part = self.part_of(base, prefix, Some((*start, *end)));
                quote!(&#part)
            }
            Op::Index { base, indices } | Op::Opaque(Opaque::Index { base, indices, .. }) => {
                let borrow = matches!(stmt.op, Op::Opaque(Opaque::Index { borrowed: true, .. }))
                    .then(|| quote!(&));
                let base = self.primal(*base);
                let indices: Vec<TokenStream> =
                    indices.iter().map(|index| self.primal(*index)).collect();
                quote!(#borrow #base #([#indices])*)
            }
            Op::Cast { value: v, ty, .. } => {
                let v = self.primal(*v);
                quote!(#v as #ty)
            }
            Op::Opaque(Opaque::Method {
                receiver,
                method,
                args,
                ..
            }) => {
                let receiver = self.primal(*receiver);
                let args: Vec<TokenStream> = args.iter().map(|arg| self.primal(*arg)).collect();
                quote!(#receiver.#method(#(#args),*))
            }
            _ => self.named(value),
        };
        quote!(let #name = #expr;)
    }

    /// How many iterations a loop ran: recomputed as `end - start` for a loop
    /// over a `usize` range that nothing exits early (as the range's length
    /// for another integer range whose ends are free to read), read from the
    /// recorded count otherwise.
    pub(super) fn trip_count(&mut self, lp: &crate::ir::Loop) -> TokenStream {
        let body = self.inputs.body;
        if let (crate::ir::LoopKind::For { iter, .. }, true) = (&lp.kind, lp.exit_flags.is_empty())
        {
            if let Op::Opaque(Opaque::Range {
                start: Some(start),
                end: Some(end),
                inclusive: false,
            }) = &body.def(*iter).op
            {
                if crate::save::usize_range(body, lp) {
                    let (start, end) = (self.primal(*start), self.primal(*end));
                    return quote!(::core::primitive::usize::saturating_sub(#end, #start));
                }
            }
            // Any other integer range whose ends cost nothing to read again
            // (`0..N` of a `const N`, whose type is not visible): its exact
            // length, as its iterator reports it (`Range<i64>` is not an
            // `ExactSizeIterator`, but its size hint is exact).
            if let Op::Opaque(Opaque::Range {
                start: Some(start),
                end: Some(end),
                inclusive,
            }) = &body.def(*iter).op
            {
                if self.free_to_read(*start, 3) && self.free_to_read(*end, 3) {
                    let (start, end) = (self.primal(*start), self.primal(*end));
                    let range = match inclusive {
                        true => quote!(#start..=#end),
                        false => quote!(#start..#end),
                    };
                    return quote!(::core::iter::Iterator::size_hint(&(#range)).0);
                }
            }
        }
        self.primal(lp.trip)
    }

    /// Whether reading `value` in the reverse sweep saves nothing: a constant,
    /// a value in scope there, or one recomputed from such values (looking
    /// `depth` operations back).
    fn free_to_read(&self, value: ValueId, depth: usize) -> bool {
        let stmt = self.inputs.body.def(value);
        if matches!(stmt.op, Op::Const(_)) || self.inputs.fusion.in_scope(stmt.home) {
            return true;
        }
        depth > 0
            && self.recomputable(value)
            && stmt
                .op
                .operands()
                .into_iter()
                .all(|operand| self.free_to_read(operand, depth - 1))
    }

    /// Whether a value can be recomputed (see [`Generator::recompute`]).
    pub(super) fn recomputable(&self, value: ValueId) -> bool {
        let body = self.inputs.body;
        // Values in scope where the reverse code runs are read as they are.
        if self.inputs.fusion.in_scope(body.def(value).home) {
            return false;
        }
        match &body.def(value).op {
            Op::Arith(Arith::Add | Arith::Sub | Arith::Mul, ..) => true,
            Op::Neg(_) | Op::Copy(_) | Op::Cast { .. } | Op::Opaque(Opaque::Ref(_)) => true,
            // `*item` of a loop over references (`for &id in ids`, or a part
            // of a zipped item): the value is saved, not the reference it
            // was read through (a reference has no `Default` to start from).
            Op::Deref(v) => matches!(
                body.def(*v).op,
                Op::Param { .. }
                    | Op::Opaque(Opaque::Ref(_) | Opaque::Index { borrowed: true, .. })
            ),
            Op::Opaque(Opaque::Index { borrowed: true, .. } | Opaque::Slice { .. }) => true,
            // Rules that cost about as much as reading a saved partial back, and
            // rules whose partial follows from a value a fused loop stored.
            Op::Rule { rule, .. } => {
                CHEAP_RULES.contains(&rule.name)
                    || (rule.from_value && self.inputs.fusion.recovered_from(value).is_some())
            }
            // The constants of `num_traits::Float` (`T::one()`, `T::epsilon()`):
            // pure by contract, and a generic float has no literals.
            Op::Opaque(Opaque::Call { func, args }) => args.is_empty() && is_float_constant(func),
            // Lengths (of buffers whose length never changes), and
            // `min`/`max` of integers (float ones are rules).
            Op::Opaque(Opaque::Method {
                method,
                args,
                receiver,
                ..
            }) => match (method.to_string().as_str(), args.len()) {
                // (A constant collection bound `mut` may change length by
                // methods the macro does not follow: `labels.retain(..)`.)
                ("len", 0) => {
                    let constant_mut = !body.def(*receiver).buffer && body.def(*receiver).mutable;
                    !self.resized.contains(receiver) && !constant_mut
                }
                ("min" | "max", 1) => true,
                _ => false,
            },
            // An element of a buffer nothing writes reads the same in reverse.
            // A counter's read, from its reverse copy.
            Op::ReadSlot(_) => self.inputs.saves.counters.read(value).is_some(),
            // So does one of a restored buffer that no store follows in its
            // block.
            Op::Index { base, .. } => {
                (!self.written.contains(base) && body.def(*base).home == ROOT)
                    || self.inputs.fusion.is_stable_read(value)
                    || self.inputs.saves.restored.rereads(value)
            }
            _ => false,
        }
    }
}

/// `T::zero()`, `f64::one()`, `T::epsilon()`, ...: a type's constant from
/// num-traits' `Zero`, `One`, `Float` or `Bounded`.
fn is_float_constant(func: &syn::ExprPath) -> bool {
    const CONSTANTS: &[&str] = &[
        "zero",
        "one",
        "epsilon",
        "infinity",
        "neg_infinity",
        "nan",
        "neg_zero",
        "max_value",
        "min_value",
        "min_positive_value",
    ];
    let segments = &func.path.segments;
    func.qself.is_none()
        && segments.len() == 2
        && segments
            .last()
            .is_some_and(|last| CONSTANTS.contains(&last.ident.to_string().as_str()))
}
