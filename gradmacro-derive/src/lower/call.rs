//! Calls: rules named by path (`f64::exp(x)`, `T::exp(x)`), calls composed
//! through a pullback, and their arguments, copied where a later write would
//! change what the reverse sweep passes to the pullback.

use super::buffers::is_empty_vec_constructor;
use super::{span_of, unsupported, Lowered, Lowerer};
use crate::ir::{BufferInit, CallForm, CastTarget, Node, Op, Opaque, ValueId};
use crate::rule_table;
use crate::signature::FloatTy;
use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Expr, Ident, Type};

impl Lowerer {
    pub(super) fn lower_call(&mut self, call: &syn::ExprCall) -> syn::Result<Lowered> {
        // What this call's `&mut` arguments are to receive after it (a call
        // nested in its arguments finishes first, with its own).
        let mark = self.after_call.len();
        // A local variable or parameter called (`g(x)` for `g: impl Fn`):
        // the value is called, so a callable that is not `Copy` is not moved.
        if let Expr::Path(path) = &*call.func {
            if let (None, Some(ident)) = (&path.qself, path.path.get_ident()) {
                if let Some(callee) = self.read(ident) {
                    if let Lowered::Closure(closure) = callee {
                        return self.call_closure(&closure, &call.args, ident.span());
                    }
                    let callee = self.expect_value(callee, ident.span(), "this function")?;
                    let args = call
                        .args
                        .iter()
                        .map(|arg| self.lower_call_argument(arg))
                        .collect::<syn::Result<Vec<_>>>()?;
                    self.borrow_mut_last(&args);
                    let op = Op::Opaque(Opaque::Invoke { callee, args });
                    let call = self.push(op, ident.span());
                    self.finish_call(ident.span(), mark)?;
                    return Ok(Lowered::Value(call));
                }
            }
        }
        if let Some(swapped) = self.lower_mem_swap(call)? {
            return Ok(swapped);
        }
        let func = match &*call.func {
            Expr::Path(path) => path.clone(),
            other => {
                return Err(unsupported(
                    other.span(),
                    "calling anything but a named function",
                ))
            }
        };
        if is_empty_vec_constructor(&func) {
            let args = call
                .args
                .iter()
                .map(|arg| self.lower_value(arg))
                .collect::<syn::Result<Vec<_>>>()?;
            return Ok(Lowered::Value(self.new_buffer(
                BufferInit::Empty { func, args },
                span_of(&call.func),
            )));
        }
        // The sort order's comparator is kept as written (it reads the
        // values, it does not compute them).
        let keeps_closures = is_primal_only(&func);
        // `gradmacro::vector`'s rules only read their buffers: a `&mut` one
        // passed on by name is read (their pullbacks have no `_lent`).
        let reads_only = func
            .path
            .segments
            .last()
            .is_some_and(|segment| VECTOR_RULES.contains(&segment.ident.to_string().as_str()));
        let outer = std::mem::replace(&mut self.callee_reads_only, reads_only);
        let args = call
            .args
            .iter()
            .map(|arg| match arg {
                // With the variables it reads replaced by their values
                // (see `kept_closure.rs`).
                Expr::Closure(closure) if keeps_closures => {
                    let sorting = syn::Ident::new("sort_by", closure.or1_token.span);
                    self.kept_closure(closure, &sorting)
                }
                other => self.lower_call_argument(other),
            })
            .collect::<syn::Result<Vec<_>>>();
        self.callee_reads_only = outer;
        let args = args?;
        self.borrow_mut_last(&args);
        self.call_with(func, args, span_of(&call.func), mark)
    }

    /// Moves the `&mut` borrows among a call's arguments after the others
    /// are computed: `out[i] = h(out, out[j])` of a `&mut` parameter `out`
    /// passed on by name reads `out[j]` after borrowing it (Rust reborrows it
    /// shared where `h` takes `&[f64]`; the generated `&mut` borrow, made
    /// first, would still be alive). A borrow has no effect of its own.
    pub(super) fn borrow_mut_last(&mut self, args: &[ValueId]) {
        for arg in args {
            if !matches!(
                self.values[arg.0].op,
                Op::Opaque(Opaque::BorrowMut { .. } | Opaque::ConstantMut { .. })
            ) {
                continue;
            }
            let nodes = self.nodes();
            if let Some(at) = nodes
                .iter()
                .position(|node| matches!(node, Node::Def(def) if def == arg))
            {
                let node = nodes.remove(at);
                nodes.push(node);
            }
        }
    }

    /// `std::mem::swap(&mut a, &mut b)` of two variables: each is assigned
    /// the other's value (buffers are overwritten in place in a branch or
    /// loop, as any assignment of a whole buffer is).
    fn lower_mem_swap(&mut self, call: &syn::ExprCall) -> syn::Result<Option<Lowered>> {
        let Expr::Path(path) = &*call.func else {
            return Ok(None);
        };
        let text = super::path_text(&path.path);
        let function = [
            "mem::",
            "std::mem::",
            "core::mem::",
            "::std::mem::",
            "::core::mem::",
        ]
        .iter()
        .find_map(|prefix| text.strip_prefix(prefix));
        match (function, call.args.len()) {
            (Some("swap"), 2) => {}
            (Some("replace"), 2) | (Some("take"), 1) => {
                return self.lower_mem_replace(call).map(Some)
            }
            _ => return Ok(None),
        }
        let (Some(a), Some(b)) = (lent_variable(&call.args[0]), lent_variable(&call.args[1]))
        else {
            return Err(unsupported(
                span_of(&call.func),
                "`mem::swap` of anything but two variables (`mem::swap(&mut a, &mut b)`)",
            ));
        };
        let value_a = self.read_variable(&a)?;
        let value_b = self.read_variable(&b)?;
        // The first value is kept as a copy: assigning `a` may overwrite it.
        let kept = self.kept_value(value_a, a.span());
        self.assign_name(&a, value_b)?;
        self.assign_name(&b, kept)?;
        Ok(Some(Lowered::Unit))
    }

    /// `std::mem::replace(&mut a, v)` and `std::mem::take(&mut a)` of a
    /// variable: the old value (a copy, for a buffer), and `a` assigned `v`
    /// (for `take`, its type's default: an empty `Vec` of the buffer's
    /// elements, or `Default::default()`).
    fn lower_mem_replace(&mut self, call: &syn::ExprCall) -> syn::Result<Lowered> {
        let span = span_of(&call.func);
        let Some(name) = lent_variable(&call.args[0]) else {
            return Err(unsupported(
                span,
                "`mem::replace` and `mem::take` of anything but a variable (`mem::replace(&mut a, v)`)",
            ));
        };
        let old = self.read_variable(&name)?;
        let buffer = self.as_buffer(&old);
        let new = match call.args.get(1) {
            Some(value) => self.lower_expr(value)?,
            None => match &buffer {
                // An empty `Vec` of the buffer's elements: `a[0..0].to_vec()`
                // (a `Vec::new()` nothing reads again has no element type).
                Some((root, prefix)) => {
                    let zero = self.push(crate::ir::Op::Const(quote::quote!(0)), span);
                    let init = BufferInit::Copy {
                        source: *root,
                        prefix: prefix.clone(),
                        method: Some(syn::Ident::new("to_vec", span)),
                        range: Some((zero, zero)),
                    };
                    Lowered::Value(self.new_buffer(init, span))
                }
                None => Lowered::Value(self.push(
                    crate::ir::Op::Const(quote::quote!(::core::default::Default::default())),
                    span,
                )),
            },
        };
        let kept = self.kept_value(old, name.span());
        self.assign_name(&name, new)?;
        Ok(kept)
    }

    /// The current value of a variable named in `mem::swap`/`replace`/`take`.
    fn read_variable(&mut self, name: &Ident) -> syn::Result<Lowered> {
        self.read(name).ok_or_else(|| {
            syn::Error::new(name.span(), format!("`{name}` is not a variable in scope"))
        })
    }

    /// A variable's value that outlives an assignment of the variable: a
    /// copy for a buffer (assigning the variable overwrites the buffer in
    /// place), the value itself otherwise.
    pub(super) fn kept_value(&mut self, value: Lowered, span: proc_macro2::Span) -> Lowered {
        match self.as_buffer(&value) {
            Some((root, prefix)) => {
                let init = BufferInit::Copy {
                    source: root,
                    prefix,
                    method: None,
                    range: None,
                };
                Lowered::Value(self.new_buffer(init, span))
            }
            None => value,
        }
    }

    /// An argument of a call or method. A buffer that may be written after the
    /// call is passed as a copy taken here, and so is a row passed by value (`f(m[r])`):
    /// the reverse sweep hands the callee's pullback the arguments the call
    /// saw, and a buffer overwritten after the call (in a later iteration, or
    /// further down) no longer holds them. The copy's adjoint flows back into
    /// the buffer's as any copy's does.
    pub(super) fn lower_call_argument(&mut self, arg: &Expr) -> syn::Result<ValueId> {
        // `v.as_slice()`: the argument `&v[..]` (copied where `v` changes
        // later, as that argument is).
        if let Expr::MethodCall(call) = arg {
            if call.method == "as_slice" && call.args.is_empty() {
                let receiver = &call.receiver;
                return self.lower_call_argument(&syn::parse_quote!(&#receiver[..]));
            }
        }
        // Lent `&mut`: the call may write it (see `borrow.rs`).
        if let Expr::Reference(reference) = arg {
            if reference.mutability.is_some() {
                return self.lower_mut_argument(&reference.expr);
            }
        }
        if self.is_out_scalar(arg) {
            return self.lower_mut_argument(arg);
        }
        // `update(state)` of `state: &mut [f64]`, or of `let state = &mut v;`:
        // lent, as `&mut *state`.
        let mut_view = variable_name_of(arg)
            .is_some_and(|name| self.mut_reference_names.contains(&name.to_string()));
        if (self.is_mut_reference_buffer(arg) || mut_view) && !self.callee_reads_only {
            let lent = self.lower_mut_argument(arg)?;
            self.lent_by_name.insert(lent);
            return Ok(lent);
        }
        // `hsum(p)` of a slice re-pointed in a loop (`p = &p[1..]`): passed
        // as the borrow it is, `&p[..]`.
        if let Some(name) = variable_name_of(arg) {
            let repointed = self
                .scopes
                .iter()
                .rev()
                .find_map(|scope| scope.get(&name.to_string()))
                .is_some_and(|binding| matches!(binding.target, super::Target::SliceSlots { .. }));
            if repointed {
                let borrowed: Expr = syn::parse_quote!(&#name[..]);
                return self.lower_call_argument(&borrowed);
            }
        }
        // `g(*p)` of `p: &[f64; 2]`: the array itself, a copy.
        if let Expr::Unary(unary) = arg {
            if let (syn::UnOp::Deref(_), Expr::Path(_)) = (unary.op, &*unary.expr) {
                let lowered = self.lower_expr(&unary.expr)?;
                if let Some((root, prefix)) = self.as_buffer(&lowered) {
                    // (Or `g(*x)` of a row `x` of `for x in data`.)
                    let row = matches!(lowered, Lowered::View(..))
                        && !prefix.is_empty()
                        && !self.is_place(root, &prefix);
                    if row || (prefix.is_empty() && self.reference_buffers.contains(&root)) {
                        let init = BufferInit::Copy {
                            source: root,
                            prefix,
                            method: None,
                            range: None,
                        };
                        let copy = self.new_buffer(init, span_of(arg));
                        self.fresh_buffers.remove(&copy);
                        return Ok(copy);
                    }
                }
            }
        }
        let (inner, borrowed) = match arg {
            Expr::Reference(reference) if reference.mutability.is_none() => {
                (&*reference.expr, true)
            }
            other => (other, false),
        };
        let is_row = matches!(inner, Expr::Index(_));
        if self.is_written_buffer(inner) || (is_row && !borrowed) {
            let lowered = self.lower_expr(inner)?;
            let span = span_of(arg);
            let init = match &lowered {
                Lowered::Slice(slice) => Some(BufferInit::Copy {
                    source: slice.root,
                    prefix: slice.prefix.clone(),
                    method: Some(Ident::new("to_vec", span)),
                    range: Some((slice.start, slice.end)),
                }),
                other => self
                    .as_buffer(other)
                    .map(|(source, prefix)| BufferInit::Copy {
                        source,
                        prefix,
                        method: Some(Ident::new("to_owned", span)),
                        range: None,
                    }),
            };
            // A `&[f64]` or `&mut [f64]` parameter passed by name is a
            // reference: so is its copy.
            let by_reference = match &lowered {
                Lowered::Value(value) => {
                    self.reference_buffers.contains(value)
                        || matches!(self.values[value.0].op, Op::Opaque(Opaque::Ref(_)))
                }
                Lowered::View(_, prefix) => prefix.is_empty(),
                _ => false,
            };
            if let Some(init) = init {
                let copy = self.new_buffer(init, span);
                return Ok(if borrowed || by_reference {
                    self.push(Op::Opaque(Opaque::Ref(copy)), span)
                } else {
                    copy
                });
            }
            let value = self.expect_value(lowered, span_of(inner), "this expression")?;
            return Ok(if borrowed {
                self.push(Op::Opaque(Opaque::Ref(value)), span_of(arg))
            } else {
                value
            });
        }
        self.lower_value(arg)
    }

    /// Whether `expr` is a buffer (or a row of one) that may be written after
    /// the call being lowered.
    fn is_written_buffer(&self, mut expr: &Expr) -> bool {
        loop {
            match expr {
                Expr::Index(index) => expr = &index.expr,
                Expr::Paren(paren) => expr = &paren.expr,
                Expr::Path(path) => {
                    let Some(ident) = path.path.get_ident() else {
                        return false;
                    };
                    let name = ident.to_string();
                    return self.writes_ahead.iter().any(|names| names.contains(&name));
                }
                _ => return false,
            }
        }
    }

    /// A call of `func` on lowered arguments: a derivative rule if `func` names
    /// a float method (`f64::max`), an ordinary call otherwise.
    pub(super) fn call_with(
        &mut self,
        func: syn::ExprPath,
        args: Vec<ValueId>,
        span: Span,
        mark: usize,
    ) -> syn::Result<Lowered> {
        // `Box::new(x)` of a float: the float, read back by `*b`.
        let segments: Vec<String> = func
            .path
            .segments
            .iter()
            .map(|segment| segment.ident.to_string())
            .collect();
        if let ([.., owner, new], [argument]) = (&segments[..], &args[..]) {
            // `Vec::from(x)` of a float buffer: a copy, as `x.to_vec()`.
            if owner == "Vec" && new == "from" && self.values[argument.0].buffer {
                let init = BufferInit::Copy {
                    source: *argument,
                    prefix: Vec::new(),
                    method: Some(syn::Ident::new("to_vec", span)),
                    range: None,
                };
                return Ok(Lowered::Value(self.new_buffer(init, span)));
            }
            if owner == "Box" && new == "new" && !self.values[argument.0].buffer {
                let boxed = self.push(Op::Copy(self.float(*argument)), span);
                self.by_reference.insert(boxed);
                return Ok(Lowered::Value(boxed));
            }
        }
        // `f64::from(x)`: the lossless conversion is a cast.
        let generic = self.generic_float.as_deref();
        if let (Some(name), [argument], Some(owner)) = (
            float_method_name(&func, generic),
            &args[..],
            float_owner(&func),
        ) {
            if name == "from" {
                let value = self.float(*argument);
                let op = Op::Cast {
                    value,
                    ty: owner,
                    target: CastTarget::Float,
                };
                return Ok(Lowered::Value(self.push(op, span)));
            }
        }
        if let (Some(name), [argument]) = (float_method_name(&func, generic), &args[..]) {
            if name == "sin_cos" {
                return Ok(self.sin_cos(*argument, name, span));
            }
        }
        let rule = float_method_name(&func, generic).and_then(|name| {
            rule_table::lookup(&name.to_string(), args.len()).map(|rule| (rule, name.clone()))
        });
        let op = match rule {
            Some((rule, name)) => Op::Rule {
                rule,
                args: args.iter().map(|&a| self.float(a)).collect(),
                form: CallForm::Path(func),
                name,
            },
            None => Op::Opaque(Opaque::Call { func, args }),
        };
        let call = self.push(op, span);
        self.finish_call(span, mark)?;
        Ok(Lowered::Value(call))
    }
}

/// The runtime function a `sort_by` is lowered through (see
/// `buffer_methods.rs`): its result is a permutation, a constant.
const SORT_PERMUTATION: &str = "::gradmacro::__private::sort_permutation";

/// The runtime's functions of primal values whose results are positions,
/// not derivatives (a sort order, the position of a maximum): their
/// comparators are kept as written and their results are constants.
const PRIMAL_ONLY: &[&str] = &[
    SORT_PERMUTATION,
    "::gradmacro::__private::position_by",
    "::gradmacro::__private::position_by_ref",
];

/// Whether `func` is one of [`PRIMAL_ONLY`].
pub(crate) fn is_primal_only(func: &syn::ExprPath) -> bool {
    PRIMAL_ONLY.contains(&super::path_text(&func.path).as_str())
}

/// The paths whose associated functions are the float methods: `f64::exp(x)`,
/// `<f64>::exp(x)`, and the num-traits traits (`Float::exp(x)`). A user type that
/// happens to be named `Float` or `Real` and is called by its bare name would be
/// mistaken for them; any other path is an ordinary function.
const FLOAT_OWNERS: &[&str] = &[
    "f64",
    "f32",
    "std::primitive::f64",
    "std::primitive::f32",
    "core::primitive::f64",
    "core::primitive::f32",
    "Float",
    "num_traits::Float",
    "num_traits::float::Float",
    "gradmacro::num_traits::Float",
    "Real",
    "num_traits::real::Real",
    "gradmacro::num_traits::real::Real",
];

/// For `f64::exp`, `<f64>::ln`, `Float::sqrt`, `num_traits::Float::powi`, and
/// `T::exp` for the function's generic float `T`: the method name.
fn float_method_name<'f>(func: &'f syn::ExprPath, generic: Option<&str>) -> Option<&'f Ident> {
    let segments: Vec<_> = func.path.segments.iter().collect();
    let (last, owner) = segments.split_last()?;
    if let Some(qself) = &func.qself {
        return (FloatTy::of(&qself.ty).is_some() && owner.is_empty()).then_some(&last.ident);
    }
    if owner.iter().any(|segment| !segment.arguments.is_none()) {
        return None;
    }
    let owner: Vec<String> = owner
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect();
    if let (Some(generic), [single]) = (generic, &owner[..]) {
        if single == generic {
            return Some(&last.ident);
        }
    }
    FLOAT_OWNERS
        .contains(&owner.join("::").as_str())
        .then_some(&last.ident)
}

/// `f64` or `f32`, when `func` is `f64::name` or `f32::name`.
fn float_owner(func: &syn::ExprPath) -> Option<Type> {
    let segments: Vec<_> = func.path.segments.iter().collect();
    let owner = &segments[segments.len().checked_sub(2)?].ident;
    (owner == "f64" || owner == "f32").then(|| syn::parse_quote!(#owner))
}

/// `x` of an argument written as the bare name `x`.
fn variable_name_of(expr: &Expr) -> Option<&syn::Ident> {
    match expr {
        Expr::Path(path) if path.qself.is_none() => path.path.get_ident(),
        _ => None,
    }
}

/// The functions of `gradmacro::vector` (by name: a user's function of the
/// same name is taken for one), which read their buffers only.
const VECTOR_RULES: &[&str] = &[
    "dot",
    "sum",
    "squared_norm",
    "logsumexp",
    "softmax",
    "matvec",
];

/// The variable `a` of an argument `&mut a`.
fn lent_variable(arg: &Expr) -> Option<Ident> {
    match arg {
        Expr::Reference(reference) if reference.mutability.is_some() => match &*reference.expr {
            Expr::Path(path) => path.path.get_ident().cloned(),
            _ => None,
        },
        _ => None,
    }
}
