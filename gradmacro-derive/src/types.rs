//! Float-type inference for adjoints.
//!
//! Straight-line adjoints are `let` bindings whose type Rust infers. Adjoints that
//! accumulate across blocks and loop iterations are mutable locals that start at
//! zero, and they need their float type written out. An active value always
//! derives from a float parameter through arithmetic, casts and rules, so its type
//! follows from its operands; this pass propagates it (slots take the type of
//! what is written to them) until nothing changes.

use crate::ir::{Body, BufferInit, CastTarget, Node, Op, Opaque, SlotId, SlotInit, ValueId};
use crate::signature::{FloatTy, FnSignature};

/// The float type of each value and slot, where one is known.
pub struct FloatTypes {
    values: Vec<Option<FloatTy>>,
    slots: Vec<Option<FloatTy>>,
    /// The function's generic float type (`T` of `T: Float`), if it has one.
    generic: Option<FloatTy>,
    /// The function's float type (its return type's, or its out-parameters'):
    /// the type of an active value whose own type the pass cannot see (a
    /// variable lent `&mut` to a call and read back).
    default: FloatTy,
}

impl FloatTypes {
    pub fn of(&self, value: ValueId) -> Option<FloatTy> {
        self.values[value.0].clone()
    }

    pub fn of_slot(&self, slot: SlotId) -> Option<FloatTy> {
        self.slots[slot.0].clone()
    }

    /// The float type of an active value or slot: its own, or the function's.
    pub fn of_active(&self, float: Option<FloatTy>) -> FloatTy {
        float.unwrap_or_else(|| self.default.clone())
    }

    /// Whether the function is generic over its float type: its generated code
    /// then has no float literals and no compound assignments (`T: Float` has
    /// neither).
    pub fn is_generic(&self) -> bool {
        self.generic.is_some()
    }

    /// A zero adjoint shaped like `buffer` (an expression of a float buffer,
    /// or a reference to one). The generic version names the float type: a
    /// bound `T: Float` does not say that `[T]` has an adjoint shape.
    pub fn zeros_like(&self, buffer: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
        match &self.generic {
            Some(float) => {
                let ty = float.ident();
                quote::quote!(::gradmacro::__private::float_zeros_like::<#ty, _>(&#buffer))
            }
            None => quote::quote!(::gradmacro::__private::zeros_like(&#buffer)),
        }
    }

    /// The function setting an adjoint buffer to zero at a given length:
    /// `reset`, or `float_reset::<T, _>` for a generic float.
    pub fn reset_fn(&self) -> proc_macro2::TokenStream {
        match &self.generic {
            Some(float) => {
                let ty = float.ident();
                quote::quote!(::gradmacro::__private::float_reset::<#ty, _>)
            }
            None => quote::quote!(::gradmacro::__private::reset),
        }
    }

    /// The function adding one adjoint buffer into another (element by
    /// element, rows too): `accumulate`, or `float_accumulate::<T, _, _>` for a
    /// generic float, whose `+` the bound `T: Float` gives.
    pub fn accumulate_fn(&self) -> proc_macro2::TokenStream {
        match &self.generic {
            Some(float) => {
                let ty = float.ident();
                quote::quote!(::gradmacro::__private::float_accumulate::<#ty, _, _>)
            }
            None => quote::quote!(::gradmacro::__private::accumulate),
        }
    }

    /// Zero of `float`, or of the function's float type where the value's own
    /// is unknown: a literal `0.0` (typed by inference) or `Zero::zero()`.
    pub fn zero(&self, float: Option<&FloatTy>) -> proc_macro2::TokenStream {
        match float.or(self.generic.as_ref()) {
            Some(float @ FloatTy::Generic(_)) => float.constant(0.0),
            _ => quote::quote!(0.0),
        }
    }
}

/// The associated functions of a float type that return one (`T::one()`).
const GENERIC_CONSTANTS: &[&str] = &[
    "zero",
    "one",
    "epsilon",
    "max_value",
    "min_value",
    "min_positive_value",
    "infinity",
    "neg_infinity",
    "nan",
    "neg_zero",
];

/// Those that return an `Option` of one (`T::from(i)`).
const GENERIC_CONVERSIONS: &[&str] = &[
    "from",
    "from_f64",
    "from_f32",
    "from_usize",
    "from_i64",
    "from_i32",
    "from_u64",
];

/// Whether `func` is `T::name` of the generic float `T`, `name` in `names`.
fn generic_constant(func: &syn::ExprPath, generic: &Option<FloatTy>, names: &[&str]) -> bool {
    let Some(FloatTy::Generic(generic)) = generic else {
        return false;
    };
    let segments: Vec<&syn::PathSegment> = func.path.segments.iter().collect();
    match segments[..] {
        [owner, name] => {
            owner.ident == *generic && names.contains(&name.ident.to_string().as_str())
        }
        _ => false,
    }
}

/// Infers the float types of `body`'s values.
pub fn infer(body: &Body, sig: &FnSignature) -> FloatTypes {
    let mut types = FloatTypes {
        values: vec![None; body.value_count()],
        slots: vec![None; body.slots.len()],
        generic: matches!(sig.ret, FloatTy::Generic(_)).then(|| sig.ret.clone()),
        default: sig.ret.clone(),
    };
    let mut changed = true;
    while changed {
        changed = false;
        body.root.walk(&mut |node| match node {
            Node::Def(value) => {
                if types.values[value.0].is_some() {
                    return;
                }
                let first = |values: &[ValueId], types: &FloatTypes| {
                    values.iter().find_map(|v| types.values[v.0].clone())
                };
                let ty = match &body.def(*value).op {
                    Op::Param { index } => sig.params[*index].float(),
                    Op::Deref(v) | Op::Copy(v) | Op::Neg(v) | Op::Opaque(Opaque::Ref(v)) => {
                        types.values[v.0].clone()
                    }
                    // A slice or row of a float buffer (`&x[i..]`, `&m[r]`),
                    // which a call's result takes its type from.
                    Op::Opaque(Opaque::Slice { base, .. } | Opaque::Index { base, .. })
                        if body.def(*base).buffer =>
                    {
                        types.values[base.0].clone()
                    }
                    Op::Binding {
                        scrutinee,
                        whole: true,
                        ..
                    } => types.values[scrutinee.0].clone(),
                    Op::Arith(_, a, b) => first(&[*a, *b], &types),
                    Op::Cast {
                        ty,
                        target: CastTarget::Float,
                        ..
                    } => FloatTy::of(ty),
                    Op::Rule { args, rule, .. } => {
                        let floats: Vec<ValueId> = args
                            .iter()
                            .zip(rule.inputs)
                            .filter(|(_, input)| **input == crate::rule_table::Input::Float)
                            .map(|(arg, _)| *arg)
                            .collect();
                        first(&floats, &types)
                    }
                    Op::ReadSlot(slot) => types.slots[slot.0].clone(),
                    Op::Index { base, .. } => types.values[base.0].clone(),
                    // A sort order, the position of a maximum: not floats.
                    Op::Opaque(Opaque::Call { func, .. }) if crate::lower::is_primal_only(func) => {
                        None
                    }
                    // `T::one()`, `T::from(i).unwrap()` of the generic float.
                    Op::Opaque(Opaque::Call { func, .. })
                        if generic_constant(func, &types.generic, GENERIC_CONSTANTS) =>
                    {
                        types.generic.clone()
                    }
                    Op::Opaque(Opaque::Method {
                        receiver, method, ..
                    }) if method == "unwrap" || method == "expect" => {
                        match &body.def(*receiver).op {
                            Op::Opaque(Opaque::Call { func, .. })
                                if generic_constant(func, &types.generic, GENERIC_CONVERSIONS) =>
                            {
                                types.generic.clone()
                            }
                            _ => None,
                        }
                    }
                    // A call's result is taken to have its float arguments' type.
                    Op::Opaque(Opaque::Call { args, .. } | Opaque::Method { args, .. }) => {
                        first(args, &types)
                    }
                    Op::Buffer(init) => match init {
                        BufferInit::Repeat { elem, .. } => types.values[elem.0].clone(),
                        BufferInit::List { elems, .. } => first(elems, &types),
                        BufferInit::Copy { source, .. } => types.values[source.0].clone(),
                        BufferInit::Empty { .. } => None,
                    },
                    _ => None,
                };
                if ty.is_some() {
                    types.values[value.0] = ty;
                    changed = true;
                }
            }
            Node::Write { slot, value }
            | Node::Declare {
                slot,
                init: SlotInit::Value(value),
            } if types.slots[slot.0].is_none() && types.values[value.0].is_some() => {
                types.slots[slot.0] = types.values[value.0].clone();
                changed = true;
            }
            // A buffer has the type of what is stored into it.
            Node::Store { base, value, .. }
            | Node::Push { base, value }
            | Node::Resize {
                base,
                fill: Some(value),
                ..
            }
            | Node::Overwrite {
                target: base,
                source: value,
                ..
            } if types.values[base.0].is_none() && types.values[value.0].is_some() => {
                types.values[base.0] = types.values[value.0].clone();
                changed = true;
            }
            _ => {}
        });
        // In a function generic over `T: Float`, arithmetic is `T op T`: an
        // operand read from a constant (`self.a[i] * x[i]`) is a `T` too.
        if let Some(generic) = types.generic.clone() {
            for index in 0..body.value_count() {
                let Op::Arith(_, a, b) = body.def(ValueId(index)).op else {
                    continue;
                };
                if types.values[a.0].is_none() && types.values[b.0].is_none() {
                    continue;
                }
                for operand in [a, b] {
                    let opaque = matches!(
                        body.def(operand).op,
                        Op::Opaque(
                            Opaque::Index { .. } | Opaque::Field { .. } | Opaque::Method { .. }
                        )
                    );
                    if opaque && types.values[operand.0].is_none() && !body.def(operand).buffer {
                        types.values[operand.0] = Some(generic.clone());
                        changed = true;
                    }
                }
            }
        }
    }
    types
}
