//! Lowers the function body from syn's syntax tree to the IR.
//!
//! Lowering renames every variable to the value it holds (so shadowing, `let mut`
//! and reassignment all become fresh values), splits nested expressions into one
//! statement per operation, and maps float methods with a derivative rule onto
//! [`Op::Rule`]. It does not decide what is differentiated: that depends on `wrt`
//! and is the job of `activity.rs`. Syntax that is not supported yet is rejected
//! here, pointing at its first token.

use crate::ir::{Arith, Body, CallForm, CastTarget, Op, Opaque, Stmt, ValueId};
use crate::rule_table;
use crate::signature::{FloatTy, FnSignature, ParamKind};
use proc_macro2::Span;
use quote::{quote, ToTokens};
use std::collections::HashMap;
use syn::spanned::Spanned;
use syn::{BinOp, Expr, Ident, Pat, Type, UnOp};

/// What an expression evaluates to: one value, a tuple of them, or `()`.
#[derive(Clone)]
enum Lowered {
    Value(ValueId),
    Tuple(Vec<Lowered>),
    Unit,
}

/// What a user name refers to at one point of the body.
#[derive(Clone)]
struct Binding {
    lowered: Lowered,
    mutable: bool,
}

/// Whether a block's last expression may be a `return` (only at the very end of the
/// function, since early exits need control flow).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Position {
    FunctionTail,
    Inner,
}

/// Lowers `block`, the body of the function whose checked signature is `sig`.
pub fn lower(block: &syn::Block, sig: &FnSignature) -> syn::Result<LoweredBody> {
    let mut lowerer = Lowerer::default();
    let mut params = Vec::with_capacity(sig.params.len());
    lowerer.scopes.push(HashMap::new());
    for (index, param) in sig.params.iter().enumerate() {
        if param.is_wild {
            params.push(None);
            continue;
        }
        let value = lowerer.push(Op::Param { index }, param.name.span());
        lowerer.stmts[value.0].mutable = param.mutable;
        if let ParamKind::Scalar { by_ref: true, .. } = param.kind {
            let dereferenced = lowerer.push(Op::Deref(value), param.name.span());
            lowerer.dereferenced.insert(value, dereferenced);
        }
        lowerer.bind(&param.name, Lowered::Value(value), param.mutable);
        params.push(Some(value));
    }
    let result = lowerer.lower_stmts(&block.stmts, Position::FunctionTail)?;
    let ret = lowerer.expect_value(
        result,
        block.brace_token.span.close(),
        "the function's result",
    )?;
    Ok(LoweredBody {
        body: Body {
            items: lowerer.items,
            stmts: lowerer.stmts,
            ret,
        },
        params,
    })
}

/// The IR body together with the value each parameter starts as (`None` for `_`).
pub struct LoweredBody {
    pub body: Body,
    pub params: Vec<Option<ValueId>>,
}

#[derive(Default)]
struct Lowerer {
    stmts: Vec<Stmt>,
    items: Vec<syn::Item>,
    scopes: Vec<HashMap<String, Binding>>,
    /// For `&f64`/`&f32` parameters, the value they point to. The reference itself
    /// is what constant calls receive (`helper(x)`); arithmetic, casts and rules
    /// read the float (Rust auto-dereferences there, the rules need the value).
    dereferenced: HashMap<ValueId, ValueId>,
}

/// What the lowering accepts, in one clause (the full table is in the crate docs).
const SUPPORTED: &str = "gradmacro differentiates straight-line code so far: `let`, assignment, blocks, arithmetic, casts, constants and float methods";

fn unsupported(span: Span, what: &str) -> syn::Error {
    syn::Error::new(span, format!("{what} is not supported yet: {SUPPORTED}"))
}

impl Lowerer {
    fn push(&mut self, op: Op, span: Span) -> ValueId {
        let def = ValueId(self.stmts.len());
        self.stmts.push(Stmt {
            def,
            op,
            ty: None,
            mutable: false,
            span,
        });
        def
    }

    fn bind(&mut self, name: &Ident, lowered: Lowered, mutable: bool) {
        if let Some(scope) = self.scopes.last_mut() {
            scope.insert(name.to_string(), Binding { lowered, mutable });
        }
    }

    fn lookup(&self, name: &Ident) -> Option<&Binding> {
        let key = name.to_string();
        self.scopes.iter().rev().find_map(|scope| scope.get(&key))
    }

    /// Points an existing variable at a new value (assignment).
    fn rebind(&mut self, name: &Ident, lowered: Lowered) -> syn::Result<()> {
        let key = name.to_string();
        let binding = self
            .scopes
            .iter_mut()
            .rev()
            .find_map(|scope| scope.get_mut(&key))
            .ok_or_else(|| {
                syn::Error::new(name.span(), format!("`{name}` is not a local variable or parameter, so it cannot be assigned here"))
            })?;
        let mutable = binding.mutable;
        let lowered = if mutable {
            self.fresh_copy(lowered, None, true, name.span())
        } else {
            lowered
        };
        if let Some(binding) = self
            .scopes
            .iter_mut()
            .rev()
            .find_map(|scope| scope.get_mut(&key))
        {
            binding.lowered = lowered;
        }
        Ok(())
    }

    /// Gives a value its own statement, carrying a type annotation or `mut`.
    fn fresh_copy(
        &mut self,
        lowered: Lowered,
        ty: Option<Type>,
        mutable: bool,
        span: Span,
    ) -> Lowered {
        match lowered {
            Lowered::Value(value) => {
                let copy = self.push(Op::Copy(value), span);
                self.stmts[copy.0].ty = ty;
                self.stmts[copy.0].mutable = mutable;
                Lowered::Value(copy)
            }
            other => other,
        }
    }

    fn expect_value(&self, lowered: Lowered, span: Span, what: &str) -> syn::Result<ValueId> {
        match lowered {
            Lowered::Value(value) => Ok(value),
            Lowered::Tuple(_) => Err(syn::Error::new(span, format!("{what} is a tuple; tuples are supported only in `let` patterns and assignments"))),
            Lowered::Unit => Err(syn::Error::new(span, format!("{what} has no value"))),
        }
    }

    fn lower_stmts(&mut self, stmts: &[syn::Stmt], position: Position) -> syn::Result<Lowered> {
        self.scopes.push(HashMap::new());
        let mut result = Lowered::Unit;
        for (index, stmt) in stmts.iter().enumerate() {
            let last = index + 1 == stmts.len();
            match stmt {
                syn::Stmt::Local(local) => self.lower_local(local)?,
                syn::Stmt::Item(item) => self.items.push(item.clone()),
                syn::Stmt::Macro(mac) => {
                    return Err(unsupported(
                        mac.mac.path.span(),
                        &format!("the macro `{}!`", path_text(&mac.mac.path)),
                    ))
                }
                syn::Stmt::Expr(Expr::Return(ret), _) => {
                    if !(last && position == Position::FunctionTail) {
                        return Err(unsupported(ret.return_token.span, "an early `return`"));
                    }
                    let value = ret.expr.as_deref().ok_or_else(|| {
                        syn::Error::new(
                            ret.return_token.span,
                            "`return` needs a value: the function returns a float",
                        )
                    })?;
                    result = self.lower_expr(value)?;
                }
                syn::Stmt::Expr(expr, None) if last => {
                    result = match expr {
                        Expr::Block(block) if block.label.is_none() => {
                            self.lower_stmts(&block.block.stmts, position)?
                        }
                        _ => self.lower_expr(expr)?,
                    };
                }
                syn::Stmt::Expr(expr, _) => {
                    self.lower_expr(expr)?;
                }
            }
        }
        self.scopes.pop();
        Ok(result)
    }

    fn lower_local(&mut self, local: &syn::Local) -> syn::Result<()> {
        let init = local
            .init
            .as_ref()
            .ok_or_else(|| unsupported(local.let_token.span, "a `let` without an initial value"))?;
        if let Some((else_token, _)) = &init.diverge {
            return Err(unsupported(else_token.span, "`let ... else`"));
        }
        let value = self.lower_expr(&init.expr)?;
        self.bind_pattern(&local.pat, value, None)
    }

    fn bind_pattern(&mut self, pat: &Pat, value: Lowered, ty: Option<Type>) -> syn::Result<()> {
        match pat {
            Pat::Type(typed) => self.bind_pattern(&typed.pat, value, Some((*typed.ty).clone())),
            Pat::Paren(paren) => self.bind_pattern(&paren.pat, value, ty),
            Pat::Wild(_) => Ok(()),
            Pat::Ident(ident) => {
                if let Some(by_ref) = &ident.by_ref {
                    return Err(unsupported(by_ref.span, "a `ref` binding"));
                }
                if let Some((at, _)) = &ident.subpat {
                    return Err(unsupported(at.span, "a `@` pattern"));
                }
                let mutable = ident.mutability.is_some();
                let value = if ty.is_some() || mutable {
                    if let (Lowered::Tuple(_), Some(ty)) = (&value, &ty) {
                        return self.bind_tuple_typed(&ident.ident, value, ty, mutable);
                    }
                    self.fresh_copy(value, ty, mutable, ident.ident.span())
                } else {
                    value
                };
                self.bind(&ident.ident, value, mutable);
                Ok(())
            }
            Pat::Tuple(tuple) => {
                let value = match value {
                    Lowered::Value(value) => {
                        self.project_tuple(value, tuple.elems.len(), tuple.paren_token.span.join())
                    }
                    other => other,
                };
                let elements = match value {
                    Lowered::Tuple(elements) if elements.len() == tuple.elems.len() => elements,
                    _ => {
                        return Err(syn::Error::new(
                            tuple.paren_token.span.join(),
                            "this tuple pattern does not match the shape of its value",
                        ))
                    }
                };
                let types: Vec<Option<Type>> = match ty {
                    Some(Type::Tuple(types)) if types.elems.len() == elements.len() => {
                        types.elems.into_iter().map(Some).collect()
                    }
                    _ => vec![None; elements.len()],
                };
                for ((pat, element), ty) in tuple.elems.iter().zip(elements).zip(types) {
                    self.bind_pattern(pat, element, ty)?;
                }
                Ok(())
            }
            other => Err(unsupported(other.span(), "this pattern")),
        }
    }

    /// `let t: (f64, f64) = (a, b);` keeps each element's annotation.
    fn bind_tuple_typed(
        &mut self,
        name: &Ident,
        value: Lowered,
        ty: &Type,
        mutable: bool,
    ) -> syn::Result<()> {
        let lowered = self.annotate(value, Some(ty.clone()), mutable, name.span());
        self.bind(name, lowered, mutable);
        Ok(())
    }

    fn annotate(&mut self, value: Lowered, ty: Option<Type>, mutable: bool, span: Span) -> Lowered {
        match (value, ty) {
            (Lowered::Tuple(elements), Some(Type::Tuple(types)))
                if types.elems.len() == elements.len() =>
            {
                Lowered::Tuple(
                    elements
                        .into_iter()
                        .zip(types.elems)
                        .map(|(element, ty)| self.annotate(element, Some(ty), mutable, span))
                        .collect(),
                )
            }
            (value, ty) => self.fresh_copy(value, ty, mutable, span),
        }
    }

    /// The float behind a reference parameter or a borrow (`&x`), or the value
    /// itself: what arithmetic and rules read.
    fn float(&self, value: ValueId) -> ValueId {
        if let Op::Opaque(Opaque::Ref(inner)) = self.stmts[value.0].op {
            return self.float(inner);
        }
        self.dereferenced.get(&value).copied().unwrap_or(value)
    }

    /// Lowers an operand of arithmetic, a cast or a rule: a float, never a
    /// reference to one.
    fn lower_float(&mut self, expr: &Expr) -> syn::Result<ValueId> {
        let value = self.lower_value(expr)?;
        Ok(self.float(value))
    }

    fn lower_value(&mut self, expr: &Expr) -> syn::Result<ValueId> {
        let lowered = self.lower_expr(expr)?;
        self.expect_value(lowered, expr.span(), "this expression")
    }

    fn lower_expr(&mut self, expr: &Expr) -> syn::Result<Lowered> {
        let span = expr.span();
        let value = |op| Ok(Lowered::Value(op));
        match expr {
            Expr::Lit(lit) => value(self.push(Op::Const(lit.to_token_stream()), span)),
            Expr::Path(path) => {
                if path.qself.is_none() {
                    if let Some(ident) = path.path.get_ident() {
                        if let Some(binding) = self.lookup(ident) {
                            return Ok(binding.lowered.clone());
                        }
                    }
                }
                value(self.push(Op::Const(path.to_token_stream()), span))
            }
            Expr::Paren(paren) => self.lower_expr(&paren.expr),
            Expr::Group(group) => self.lower_expr(&group.expr),
            Expr::Unary(unary) => self.lower_unary(unary),
            Expr::Binary(binary) => self.lower_binary(binary),
            Expr::Cast(cast) => {
                let operand = self.lower_float(&cast.expr)?;
                let ty = (*cast.ty).clone();
                let target = cast_target(&ty);
                value(self.push(
                    Op::Cast {
                        value: operand,
                        ty,
                        target,
                    },
                    span,
                ))
            }
            Expr::MethodCall(call) => self.lower_method_call(call),
            Expr::Call(call) => self.lower_call(call),
            Expr::Block(block) => {
                if let Some(label) = &block.label {
                    return Err(unsupported(label.name.span(), "a labelled block"));
                }
                self.lower_stmts(&block.block.stmts, Position::Inner)
            }
            Expr::Tuple(tuple) => {
                if tuple.elems.is_empty() {
                    return Ok(Lowered::Unit);
                }
                let elements = tuple
                    .elems
                    .iter()
                    .map(|e| self.lower_expr(e))
                    .collect::<syn::Result<_>>()?;
                Ok(Lowered::Tuple(elements))
            }
            Expr::Field(field) => self.lower_field(field, false),
            Expr::Assign(assign) => {
                let value = self.lower_expr(&assign.right)?;
                self.assign(&assign.left, value)?;
                Ok(Lowered::Unit)
            }
            Expr::Reference(reference) => {
                if let Some(mutability) = &reference.mutability {
                    return Err(unsupported(mutability.span, "a `&mut` borrow"));
                }
                let operand = self.lower_value(&reference.expr)?;
                value(self.push(Op::Opaque(Opaque::Ref(operand)), span))
            }
            Expr::Return(ret) => Err(unsupported(ret.return_token.span, "an early `return`")),
            other => Err(unsupported_expr(other)),
        }
    }

    fn lower_unary(&mut self, unary: &syn::ExprUnary) -> syn::Result<Lowered> {
        let operand = self.lower_value(&unary.expr)?;
        let span = unary.span();
        let op = match unary.op {
            UnOp::Neg(_) => Op::Neg(self.float(operand)),
            UnOp::Deref(_) if self.dereferenced.contains_key(&operand) => {
                return Ok(Lowered::Value(self.float(operand)))
            }
            other => Op::Opaque(Opaque::Unary(other, operand)),
        };
        Ok(Lowered::Value(self.push(op, span)))
    }

    fn lower_binary(&mut self, binary: &syn::ExprBinary) -> syn::Result<Lowered> {
        if let BinOp::And(token) = binary.op {
            return Err(unsupported(token.span(), "`&&`"));
        }
        if let BinOp::Or(token) = binary.op {
            return Err(unsupported(token.span(), "`||`"));
        }
        if let Some(op) = compound_assignment(&binary.op) {
            // For primitive operands Rust evaluates the right-hand side of `a op= b`
            // before it reads `a`, so `b` may itself assign to `a`.
            let rhs = self.lower_value(&binary.right)?;
            let current = self.lower_value(&binary.left)?;
            let op = self.binary_op(op, current, rhs);
            let updated = self.push(op, binary.span());
            self.assign(&binary.left, Lowered::Value(updated))?;
            return Ok(Lowered::Unit);
        }
        let left = self.lower_value(&binary.left)?;
        let right = self.lower_value(&binary.right)?;
        let op = self.binary_op(binary.op, left, right);
        Ok(Lowered::Value(self.push(op, binary.span())))
    }

    /// A binary operator applied to two lowered operands. Arithmetic and
    /// comparisons read floats, not references to them (as Rust's operators do).
    fn binary_op(&self, op: BinOp, left: ValueId, right: ValueId) -> Op {
        let (left, right) = (self.float(left), self.float(right));
        let arith = |arith| Op::Arith(arith, left, right);
        match op {
            BinOp::Add(_) => arith(Arith::Add),
            BinOp::Sub(_) => arith(Arith::Sub),
            BinOp::Mul(_) => arith(Arith::Mul),
            BinOp::Div(_) => arith(Arith::Div),
            BinOp::Rem(_) => arith(Arith::Rem),
            other => Op::Opaque(Opaque::Binary(other, left, right)),
        }
    }

    /// Assigns to a place: a variable, or a tuple of places (`(a, b) = (b, a)`).
    fn assign(&mut self, place: &Expr, value: Lowered) -> syn::Result<()> {
        match place {
            Expr::Paren(paren) => self.assign(&paren.expr, value),
            Expr::Path(path) if path.qself.is_none() && path.path.get_ident().is_some() => {
                let name = path
                    .path
                    .get_ident()
                    .cloned()
                    .ok_or_else(|| unsupported(path.span(), "this assignment"))?;
                self.rebind(&name, value)
            }
            Expr::Tuple(tuple) => match value {
                Lowered::Tuple(elements) if elements.len() == tuple.elems.len() => {
                    for (place, element) in tuple.elems.iter().zip(elements) {
                        self.assign(place, element)?;
                    }
                    Ok(())
                }
                _ => Err(syn::Error::new(
                    tuple.span(),
                    "this tuple does not match the shape of the assigned value",
                )),
            },
            Expr::Infer(_) => Ok(()),
            other => Err(unsupported(
                other.span(),
                "assigning to anything but a local variable",
            )),
        }
    }

    /// `base.member`: an element of a lowered tuple, or a field read from a
    /// value. A field that is a method's receiver is borrowed (`&base.member`), as
    /// Rust's auto-referencing would, so `config.name.len()` does not move out.
    fn lower_field(&mut self, field: &syn::ExprField, borrowed: bool) -> syn::Result<Lowered> {
        let base = self.lower_expr(&field.base)?;
        if let (syn::Member::Unnamed(index), Lowered::Tuple(elements)) = (&field.member, &base) {
            return elements
                .get(index.index as usize)
                .cloned()
                .ok_or_else(|| syn::Error::new(index.span, "this tuple has no such element"));
        }
        let base = self.expect_value(base, field.base.span(), "this expression")?;
        let op = Op::Opaque(Opaque::Field {
            base,
            member: field.member.clone(),
            borrowed,
        });
        Ok(Lowered::Value(self.push(op, field.span())))
    }

    /// Splits a value that holds a tuple (a constant call's result) into its
    /// elements, for a tuple pattern.
    fn project_tuple(&mut self, value: ValueId, arity: usize, span: Span) -> Lowered {
        Lowered::Tuple(
            (0..arity)
                .map(|index| {
                    let member = syn::Member::Unnamed(syn::Index {
                        index: index as u32,
                        span,
                    });
                    let op = Op::Opaque(Opaque::Field {
                        base: value,
                        member,
                        borrowed: false,
                    });
                    Lowered::Value(self.push(op, span))
                })
                .collect(),
        )
    }

    fn lower_method_call(&mut self, call: &syn::ExprMethodCall) -> syn::Result<Lowered> {
        let receiver = match &*call.receiver {
            Expr::Field(field) => self.lower_field(field, true)?,
            other => self.lower_expr(other)?,
        };
        let receiver = self.expect_value(receiver, call.receiver.span(), "this expression")?;
        let args = call
            .args
            .iter()
            .map(|arg| self.lower_value(arg))
            .collect::<syn::Result<Vec<_>>>()?;
        let span = call.span();
        let name = call.method.to_string();
        if name == "sin_cos" && args.is_empty() && call.turbofish.is_none() {
            return Ok(self.sin_cos(receiver, &call.method, span));
        }
        let op = match rule_table::lookup(&name, args.len() + 1) {
            Some(rule) if call.turbofish.is_none() => Op::Rule {
                rule,
                args: std::iter::once(receiver)
                    .chain(args)
                    .map(|a| self.float(a))
                    .collect(),
                form: CallForm::Method,
                name: call.method.clone(),
            },
            _ => Op::Opaque(Opaque::Method {
                receiver,
                method: call.method.clone(),
                turbofish: call.turbofish.clone(),
                args,
            }),
        };
        Ok(Lowered::Value(self.push(op, span)))
    }

    /// `x.sin_cos()` is the pair of the `sin` and `cos` rules.
    fn sin_cos(&mut self, receiver: ValueId, method: &Ident, span: Span) -> Lowered {
        let receiver = self.float(receiver);
        let mut part = |name: &str, rule: &'static rule_table::Rule| {
            let op = Op::Rule {
                rule,
                args: vec![receiver],
                form: CallForm::Method,
                name: Ident::new(name, method.span()),
            };
            Lowered::Value(self.push(op, span))
        };
        Lowered::Tuple(vec![
            part("sin", &rule_table::SIN),
            part("cos", &rule_table::COS),
        ])
    }

    fn lower_call(&mut self, call: &syn::ExprCall) -> syn::Result<Lowered> {
        let func = match &*call.func {
            Expr::Path(path) => path.clone(),
            other => {
                return Err(unsupported(
                    other.span(),
                    "calling anything but a named function",
                ))
            }
        };
        let args = call
            .args
            .iter()
            .map(|arg| self.lower_value(arg))
            .collect::<syn::Result<Vec<_>>>()?;
        if let (Some(name), [argument]) = (float_method_name(&func), &args[..]) {
            if name == "sin_cos" {
                return Ok(self.sin_cos(*argument, name, call.span()));
            }
        }
        let rule = float_method_name(&func).and_then(|name| {
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
        Ok(Lowered::Value(self.push(op, call.span())))
    }
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

/// For `f64::exp`, `<f64>::ln`, `Float::sqrt`, `num_traits::Float::powi`: the
/// method name.
fn float_method_name(func: &syn::ExprPath) -> Option<&Ident> {
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
    FLOAT_OWNERS
        .contains(&owner.join("::").as_str())
        .then_some(&last.ident)
}

/// `+=` and friends: the operator computing the new value.
fn compound_assignment(op: &BinOp) -> Option<BinOp> {
    use syn::Token;
    Some(match op {
        BinOp::AddAssign(t) => BinOp::Add(Token![+](t.span())),
        BinOp::SubAssign(t) => BinOp::Sub(Token![-](t.span())),
        BinOp::MulAssign(t) => BinOp::Mul(Token![*](t.span())),
        BinOp::DivAssign(t) => BinOp::Div(Token![/](t.span())),
        BinOp::RemAssign(t) => BinOp::Rem(Token![%](t.span())),
        BinOp::BitXorAssign(t) => BinOp::BitXor(Token![^](t.span())),
        BinOp::BitAndAssign(t) => BinOp::BitAnd(Token![&](t.span())),
        BinOp::BitOrAssign(t) => BinOp::BitOr(Token![|](t.span())),
        BinOp::ShlAssign(t) => BinOp::Shl(Token![<<](t.span())),
        BinOp::ShrAssign(t) => BinOp::Shr(Token![>>](t.span())),
        _ => return None,
    })
}

/// Classifies the target of an `as` cast.
fn cast_target(ty: &Type) -> CastTarget {
    if FloatTy::of(ty).is_some() {
        return CastTarget::Float;
    }
    const INTEGERS: &[&str] = &[
        "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize",
        "bool", "char",
    ];
    match ty {
        Type::Path(path) if path.qself.is_none() => match path.path.get_ident() {
            Some(ident) if INTEGERS.iter().any(|name| ident == name) => CastTarget::Integer,
            _ => CastTarget::Unknown,
        },
        _ => CastTarget::Unknown,
    }
}

fn path_text(path: &syn::Path) -> String {
    path.to_token_stream().to_string().replace(' ', "")
}

/// The error for an expression kind the lowering does not handle yet, pointing at
/// its keyword where it has one.
fn unsupported_expr(expr: &Expr) -> syn::Error {
    match expr {
        Expr::If(e) => unsupported(e.if_token.span, "`if`"),
        Expr::Match(e) => unsupported(e.match_token.span, "`match`"),
        Expr::ForLoop(e) => unsupported(e.for_token.span, "a `for` loop"),
        Expr::While(e) => unsupported(e.while_token.span, "a `while` loop"),
        Expr::Loop(e) => unsupported(e.loop_token.span, "`loop`"),
        Expr::Break(e) => unsupported(e.break_token.span, "`break`"),
        Expr::Continue(e) => unsupported(e.continue_token.span, "`continue`"),
        Expr::Index(e) => unsupported(e.bracket_token.span.join(), "indexing"),
        Expr::Closure(e) => unsupported(e.or1_token.span, "a closure"),
        Expr::Macro(e) => unsupported(
            e.mac.path.span(),
            &format!("the macro `{}!`", path_text(&e.mac.path)),
        ),
        Expr::Unsafe(e) => unsupported(e.unsafe_token.span, "an `unsafe` block"),
        Expr::Array(e) => unsupported(e.bracket_token.span.join(), "an array"),
        Expr::Repeat(e) => unsupported(e.bracket_token.span.join(), "an array"),
        Expr::Range(e) => unsupported(e.span(), "a range"),
        Expr::Struct(e) => unsupported(e.path.span(), "a struct expression"),
        Expr::Try(e) => unsupported(e.question_token.span, "the `?` operator"),
        Expr::Let(e) => unsupported(e.let_token.span, "a `let` expression"),
        Expr::Async(e) => unsupported(e.async_token.span, "an `async` block"),
        Expr::Await(e) => unsupported(e.await_token.span, "`.await`"),
        other => unsupported(
            other.span(),
            &format!("the expression `{}`", quote!(#other)),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attr::Options;
    use crate::signature;

    fn lower_fn(item: proc_macro2::TokenStream) -> syn::Result<String> {
        let function: syn::ItemFn = syn::parse2(item).unwrap();
        let sig = signature::analyze(&function.sig, &Options::default()).unwrap();
        lower(&function.block, &sig).map(|lowered| lowered.body.to_string())
    }

    #[test]
    fn nested_expressions_become_one_statement_each() {
        let ir = lower_fn(quote!(
            fn f(x: f64, w: &f64) -> f64 {
                let y = x * *w + 1.0;
                y.exp()
            }
        ))
        .unwrap();
        assert_eq!(ir, "v0 = param 0\nv1 = param 1\nv2 = *v1\nv3 = v0 * v2\nv4 = const 1.0\nv5 = v3 + v4\nv6 = rule exp(v5)\nreturn v6");
    }

    #[test]
    fn shadowing_and_reassignment_make_fresh_values() {
        let ir = lower_fn(quote!(
            fn f(mut x: f64) -> f64 {
                let mut y: f64 = x;
                y *= x;
                {
                    let x = 2.0;
                    y += x;
                }
                x = y;
                return x;
            }
        ))
        .unwrap();
        assert_eq!(
            ir,
            "mut v0 = param 0\nmut v1: f64 = v0\nv2 = v1 * v0\nmut v3 = v2\nv4 = const 2.0\nv5 = v3 + v4\nmut v6 = v5\nmut v7 = v6\nreturn v7"
        );
    }

    #[test]
    fn tuples_destructure_and_path_calls_map_to_rules() {
        let ir = lower_fn(quote!(
            fn f(x: f64) -> f64 {
                let (s, c) = x.sin_cos();
                let (a, b): (f64, f64) = (s, f64::max(c, 0.5));
                a * b
            }
        ))
        .unwrap();
        assert_eq!(
            ir,
            "v0 = param 0\nv1 = rule sin(v0)\nv2 = rule cos(v0)\nv3 = const 0.5\nv4 = rule max(v2, v3)\nv5: f64 = v1\nv6: f64 = v4\nv7 = v5 * v6\nreturn v7"
        );
    }

    #[test]
    fn constants_items_and_opaque_calls_are_kept() {
        let ir = lower_fn(quote!(
            fn f(x: f64, n: i32) -> f64 {
                const K: f64 = 2.0;
                x.powi(n.pow(2)) * K * std::f64::consts::PI
            }
        ))
        .unwrap();
        assert_eq!(
            ir,
            "item const K : f64 = 2.0 ;\nv0 = param 0\nv1 = param 1\nv2 = const 2\nv3 = opaque v1.pow(v2)\nv4 = rule powi(v0, v3)\nv5 = const K\nv6 = v4 * v5\nv7 = const std :: f64 :: consts :: PI\nv8 = v6 * v7\nreturn v8"
        );
    }

    #[test]
    fn unsupported_syntax_is_rejected_with_a_reason() {
        let message = |item| lower_fn(item).unwrap_err().to_string();
        assert!(message(quote!(
            fn f(x: f64) -> f64 {
                if x > 0.0 {
                    x
                } else {
                    -x
                }
            }
        ))
        .starts_with("`if` is not supported yet: gradmacro differentiates straight-line code"));
        assert!(message(quote!(
            fn f(x: f64) -> f64 {
                return x;
                x
            }
        ))
        .starts_with("an early `return` is not supported yet"));
        assert!(message(quote!(
            fn f(x: f64) -> f64 {
                println!("{}", x);
                x
            }
        ))
        .starts_with("the macro `println!` is not supported yet"));
        assert!(message(quote!(
            fn f(x: f64) -> f64 {
                let y;
                y = x;
                y
            }
        ))
        .starts_with("a `let` without an initial value"));
        assert!(message(quote!(
            fn f(x: f64) -> f64 {
                let (a, b) = (x, x, x);
                a
            }
        ))
        .starts_with("this tuple pattern does not match"));
    }
}
