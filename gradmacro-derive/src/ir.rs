//! The intermediate representation: the body as a list of three-address
//! statements, one fresh value per sub-expression.
//!
//! Every user variable is renamed to the value it holds at each point (assignment and
//! shadowing create new values), so later passes never reason about Rust scoping.
//! The IR prints as a readable listing (`Display`), which is what the unit tests
//! compare and what `GRADMACRO_DUMP=1` shows while the macro expands.

use crate::rule_table::Rule;
use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use std::fmt;
use syn::{BinOp, Ident, Type, UnOp};

/// One value of the body (an SSA name).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ValueId(pub usize);

/// The lowered body of the annotated function.
pub struct Body {
    /// Items declared in the body (`const`, `use`, nested `fn`), emitted verbatim.
    pub items: Vec<syn::Item>,
    pub stmts: Vec<Stmt>,
    /// The value returned.
    pub ret: ValueId,
}

impl Body {
    /// The number of values; `ValueId`s index `0..value_count()`.
    pub fn value_count(&self) -> usize {
        self.stmts.len()
    }
}

/// `def = op`, in program order. Statement `i` defines `ValueId(i)`.
pub struct Stmt {
    pub def: ValueId,
    pub op: Op,
    /// The type annotation the user wrote on the `let` that bound this value.
    pub ty: Option<Type>,
    /// Whether the user bound this value with `let mut` (in-place mutation through
    /// `&mut self` methods then still works on the renamed local).
    pub mutable: bool,
    /// The source tokens, for error messages.
    pub span: Span,
}

/// The differentiable arithmetic operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arith {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

impl Arith {
    pub fn symbol(self) -> &'static str {
        match self {
            Arith::Add => "+",
            Arith::Sub => "-",
            Arith::Mul => "*",
            Arith::Div => "/",
            Arith::Rem => "%",
        }
    }
}

/// What an `as` cast converts to, which decides its derivative.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CastTarget {
    /// `f32`/`f64`: differentiable (the identity, up to rounding).
    Float,
    /// A primitive integer, `bool` or `char`: the derivative is zero.
    Integer,
    /// A type the macro cannot classify (an alias such as `Real`): differentiating
    /// through it is refused rather than guessed.
    Unknown,
}

/// How the user spelled a rule call; kept so that constant calls compile exactly
/// as written (`f64::exp(2.0)` fixes a literal's type, `2.0.exp()` would not).
#[derive(Clone)]
pub enum CallForm {
    Method,
    Path(syn::ExprPath),
}

/// What a statement computes.
pub enum Op {
    /// The `index`-th parameter, as passed (a reference for `&f64`).
    Param {
        index: usize,
    },
    /// `*r` for a reference to a float: the identity for derivatives.
    Deref(ValueId),
    /// A literal or a path to a constant item (`PI`, `std::f64::consts::E`).
    Const(TokenStream),
    /// A plain copy, used where the user annotated a `let` with a type.
    Copy(ValueId),
    Neg(ValueId),
    Arith(Arith, ValueId, ValueId),
    /// `value as ty`.
    Cast {
        value: ValueId,
        ty: Type,
        target: CastTarget,
    },
    /// A call with a derivative rule in `gradmacro::rules`.
    Rule {
        rule: &'static Rule,
        args: Vec<ValueId>,
        form: CallForm,
        name: Ident,
    },
    /// Anything without a derivative, kept verbatim. Its result is never active.
    Opaque(Opaque),
}

/// Operations with no derivative. `derivative_free` ones (comparisons, `is_nan`)
/// are fine on active inputs because their result carries no derivative; the others
/// are an error when an active input reaches the output through them.
pub enum Opaque {
    Unary(UnOp, ValueId),
    Binary(BinOp, ValueId, ValueId),
    Ref(ValueId),
    /// `base.member`, or `&base.member` when `borrowed` (a method's receiver).
    Field {
        base: ValueId,
        member: syn::Member,
        borrowed: bool,
    },
    Method {
        receiver: ValueId,
        method: Ident,
        turbofish: Option<syn::AngleBracketedGenericArguments>,
        args: Vec<ValueId>,
    },
    Call {
        func: syn::ExprPath,
        args: Vec<ValueId>,
    },
}

impl Op {
    /// The values this operation reads, in order.
    pub fn operands(&self) -> Vec<ValueId> {
        match self {
            Op::Param { .. } | Op::Const(_) => vec![],
            Op::Copy(v) | Op::Deref(v) | Op::Neg(v) | Op::Cast { value: v, .. } => vec![*v],
            Op::Arith(_, a, b) => vec![*a, *b],
            Op::Rule { args, .. } => args.clone(),
            Op::Opaque(opaque) => match opaque {
                Opaque::Unary(_, v) | Opaque::Ref(v) | Opaque::Field { base: v, .. } => vec![*v],
                Opaque::Binary(_, a, b) => vec![*a, *b],
                Opaque::Method { receiver, args, .. } => std::iter::once(*receiver)
                    .chain(args.iter().copied())
                    .collect(),
                Opaque::Call { args, .. } => args.clone(),
            },
        }
    }
}

impl fmt::Display for ValueId {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "v{}", self.0)
    }
}

fn list(values: &[ValueId]) -> String {
    values
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Op::Param { index } => write!(f, "param {index}"),
            Op::Deref(v) => write!(f, "*{v}"),
            Op::Const(tokens) => write!(f, "const {tokens}"),
            Op::Copy(v) => write!(f, "{v}"),
            Op::Neg(v) => write!(f, "-{v}"),
            Op::Arith(op, a, b) => write!(f, "{a} {} {b}", op.symbol()),
            Op::Cast { value, ty, .. } => write!(f, "{value} as {}", ty.to_token_stream()),
            Op::Rule { rule, args, .. } => write!(f, "rule {}({})", rule.name, list(args)),
            Op::Opaque(opaque) => match opaque {
                Opaque::Unary(op, v) => write!(f, "opaque {}{v}", op.to_token_stream()),
                Opaque::Binary(op, a, b) => write!(f, "opaque {a} {} {b}", op.to_token_stream()),
                Opaque::Ref(v) => write!(f, "opaque &{v}"),
                Opaque::Field {
                    base,
                    member,
                    borrowed,
                } => {
                    let borrow = if *borrowed { "&" } else { "" };
                    write!(f, "opaque {borrow}{base}.{}", member.to_token_stream())
                }
                Opaque::Method {
                    receiver,
                    method,
                    args,
                    ..
                } => {
                    write!(f, "opaque {receiver}.{method}({})", list(args))
                }
                Opaque::Call { func, args } => {
                    write!(f, "opaque {}({})", func.to_token_stream(), list(args))
                }
            },
        }
    }
}

impl fmt::Display for Body {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        for item in &self.items {
            writeln!(f, "item {}", item.to_token_stream())?;
        }
        for stmt in &self.stmts {
            let annotation = match &stmt.ty {
                Some(ty) => format!(": {}", ty.to_token_stream()),
                None => String::new(),
            };
            let mutable = if stmt.mutable { "mut " } else { "" };
            writeln!(f, "{mutable}{}{annotation} = {}", stmt.def, stmt.op)?;
        }
        write!(f, "return {}", self.ret)
    }
}
