//! Expressions, statements and patterns as Rust source.
//!
//! Expressions are written with Rust's precedence rules, adding parentheses
//! only where the tree needs them, so that reproducers read like code a person
//! would write (and so that gradmacro sees the usual shapes, not a forest of
//! parentheses).

use crate::ast::*;
use std::fmt::Write;

/// Binding power of atoms and postfix expressions (calls, methods, indexing).
const POSTFIX: u8 = 20;
/// Binding power of prefix operators.
const UNARY: u8 = 14;
/// Binding power of `as`.
const CAST: u8 = 13;
/// Binding power of ranges.
const RANGE: u8 = 3;
/// Block-like expressions, which need parentheses as operands.
const BLOCKLIKE: u8 = 1;
/// `return`, `break`, closures: lowest.
const LOWEST: u8 = 0;

fn prec(e: &Expr) -> u8 {
    match &e.kind {
        Kind::Float { value, .. } if *value < 0.0 || value.is_sign_negative() => UNARY,
        Kind::Int(t) if t.starts_with('-') => UNARY,
        Kind::Float { .. }
        | Kind::Int(_)
        | Kind::Path(_)
        | Kind::Method { .. }
        | Kind::Call { .. }
        | Kind::Index(..)
        | Kind::Field(..)
        | Kind::Tuple(_)
        | Kind::Array(_)
        | Kind::Repeat { .. }
        | Kind::VecLit(_)
        | Kind::Slice { .. }
        | Kind::Macro { .. } => POSTFIX,
        Kind::Unary(..) | Kind::Ref(_) | Kind::RefMut(_) => UNARY,
        Kind::Cast(..) => CAST,
        Kind::Binary(op, ..) => op.prec(),
        Kind::Range { .. } => RANGE,
        Kind::If { .. }
        | Kind::Match { .. }
        | Kind::Block(_)
        | Kind::LabeledBlock { .. }
        | Kind::Loop { .. }
        | Kind::While { .. }
        | Kind::For { .. } => BLOCKLIKE,
        Kind::Closure { .. }
        | Kind::Break { .. }
        | Kind::Continue { .. }
        | Kind::Return(_)
        | Kind::Let { .. } => LOWEST,
    }
}

/// Whether `text` ends in `as TYPE`: a `<` after it would open generics.
fn ends_with_cast(text: &str) -> bool {
    match text.rsplit_once(" as ") {
        Some((_, ty)) => !ty.is_empty() && ty.chars().all(|c| c.is_alphanumeric() || c == '_'),
        None => false,
    }
}

/// Writes Rust source with indentation.
pub(super) struct Writer {
    pub(super) out: String,
    indent: usize,
}

impl Writer {
    pub(super) fn new() -> Writer {
        Writer {
            out: String::new(),
            indent: 0,
        }
    }

    pub(super) fn line(&mut self, text: &str) {
        for _ in 0..self.indent {
            self.out.push_str("    ");
        }
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn float(value: f64, suffix: Option<&str>) -> String {
        let mut s = format!("{value:?}");
        if let Some(suf) = suffix {
            s.push_str(suf);
        }
        s
    }

    /// `e`, parenthesised if it binds looser than `min`.
    fn operand(&self, e: &Expr, min: u8) -> String {
        let text = self.expr(e);
        if prec(e) < min {
            format!("({text})")
        } else {
            text
        }
    }

    fn args(&self, args: &[Expr]) -> String {
        args.iter()
            .map(|a| self.expr(a))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn label(label: &Option<String>) -> String {
        match label {
            Some(l) => format!("{l}: "),
            None => String::new(),
        }
    }

    /// An expression; block-like ones are written over several lines at the
    /// current indentation.
    fn expr(&self, e: &Expr) -> String {
        match &e.kind {
            Kind::Float { value, suffix } => Self::float(*value, *suffix),
            Kind::Int(t) => t.clone(),
            Kind::Path(p) => p.clone(),
            Kind::Unary(op, inner) => {
                let sym = match op {
                    UnOp::Neg => "-",
                    UnOp::Not => "!",
                    UnOp::Deref => "*",
                };
                // `- -x` must not become the `--` token pair, nor `-(-1.0)` `--1.0`.
                let text = self.operand(inner, UNARY);
                if text.starts_with('-') {
                    format!("{sym}({text})")
                } else {
                    format!("{sym}{text}")
                }
            }
            Kind::Ref(inner) => format!("&{}", self.operand(inner, UNARY)),
            Kind::RefMut(inner) => format!("&mut {}", self.operand(inner, UNARY)),
            Kind::Binary(op, a, b) => {
                let p = op.prec();
                // Comparisons do not chain, and `x as f64 < y` parses `<` as
                // generics: both sides of a comparison bind tighter.
                let (lmin, rmin) = if op.is_comparison() {
                    (p + 1, p + 1)
                } else {
                    (p, p + 1)
                };
                let mut left = self.operand(a, lmin);
                if matches!(op, BinOp::Lt | BinOp::Le) && ends_with_cast(&left) {
                    left = format!("({left})");
                }
                format!("{left} {} {}", op.symbol(), self.operand(b, rmin))
            }
            Kind::Method {
                recv,
                name,
                turbofish,
                args,
            } => {
                let tf = match turbofish {
                    Some(t) => format!("::<{t}>"),
                    None => String::new(),
                };
                format!(
                    "{}.{name}{tf}({})",
                    self.operand(recv, POSTFIX),
                    self.args(args)
                )
            }
            Kind::Call { path, args } => format!("{path}({})", self.args(args)),
            Kind::Cast(inner, ty) => format!("{} as {ty}", self.operand(inner, CAST)),
            Kind::Index(base, idx) => {
                format!("{}[{}]", self.operand(base, POSTFIX), self.expr(idx))
            }
            Kind::Field(base, i) => format!("{}.{i}", self.operand(base, POSTFIX)),
            Kind::Tuple(items) => {
                if items.len() == 1 {
                    format!("({},)", self.expr(&items[0]))
                } else {
                    format!("({})", self.args(items))
                }
            }
            Kind::Array(items) => format!("[{}]", self.args(items)),
            Kind::Repeat { elem, count, vec } => {
                let body = format!("{}; {}", self.expr(elem), self.expr(count));
                if *vec {
                    format!("vec![{body}]")
                } else {
                    format!("[{body}]")
                }
            }
            Kind::VecLit(items) => format!("vec![{}]", self.args(items)),
            Kind::Range { lo, hi, inclusive } => format!(
                "{}{}{}",
                self.operand(lo, RANGE + 1),
                if *inclusive { "..=" } else { ".." },
                self.operand(hi, RANGE + 1)
            ),
            Kind::If { cond, then, els } => {
                let mut s = format!("if {} {}", self.expr(cond), self.block(then));
                if let Some(e) = els {
                    match &e.kind {
                        Kind::Block(b) => {
                            let _ = write!(s, " else {}", self.block(b));
                        }
                        _ => {
                            let _ = write!(s, " else {}", self.expr(e));
                        }
                    }
                }
                s
            }
            Kind::Match { scrut, arms } => {
                let inner = self.nested();
                let mut s = format!("match {} {{\n", inner.operand(scrut, BLOCKLIKE + 1));
                for arm in arms {
                    let guard = match &arm.guard {
                        Some(g) => format!(" if {}", inner.expr(g)),
                        None => String::new(),
                    };
                    let body = inner.expr(&arm.body);
                    let _ = writeln!(s, "{}{}{guard} => {body},", inner.pad(), arm.pat);
                }
                s.push_str(&self.pad());
                s.push('}');
                s
            }
            Kind::Block(b) => self.block(b),
            Kind::LabeledBlock { label, body } => format!("{label}: {}", self.block(body)),
            Kind::Loop { label, body } => {
                format!("{}loop {}", Self::label(label), self.block(body))
            }
            Kind::While { label, cond, body } => format!(
                "{}while {} {}",
                Self::label(label),
                self.expr(cond),
                self.block(body)
            ),
            Kind::For {
                label,
                pat,
                iter,
                body,
            } => format!(
                "{}for {} in {} {}",
                Self::label(label),
                pattern(pat),
                self.expr(iter),
                self.block(body)
            ),
            Kind::Closure {
                params,
                body,
                is_move,
            } => format!(
                "{}|{params}| {}",
                if *is_move { "move " } else { "" },
                self.expr(body)
            ),
            Kind::Slice { base, lo, hi } => {
                let end = |e: &Option<Box<Expr>>| match e {
                    Some(e) => self.operand(e, RANGE + 1),
                    None => String::new(),
                };
                format!("{}[{}..{}]", self.operand(base, POSTFIX), end(lo), end(hi))
            }
            Kind::Let { pat, value } => format!("let {pat} = {}", self.expr(value)),
            Kind::Macro { name, args, pat } => {
                let mut items: Vec<String> = args.iter().map(|a| self.expr(a)).collect();
                items.extend(pat.iter().cloned());
                format!("{name}!({})", items.join(", "))
            }
            Kind::Break { label, value } => {
                let mut s = "break".to_string();
                if let Some(l) = label {
                    s.push(' ');
                    s.push_str(l);
                }
                if let Some(v) = value {
                    s.push(' ');
                    s.push_str(&self.expr(v));
                }
                s
            }
            Kind::Continue { label } => match label {
                Some(l) => format!("continue {l}"),
                None => "continue".to_string(),
            },
            Kind::Return(v) => match v {
                Some(v) => format!("return {}", self.expr(v)),
                None => "return".to_string(),
            },
        }
    }

    fn pad(&self) -> String {
        "    ".repeat(self.indent)
    }

    fn nested(&self) -> Writer {
        Writer {
            out: String::new(),
            indent: self.indent + 1,
        }
    }

    /// `{ .. }` whose closing brace is at the current indentation.
    pub(super) fn block(&self, b: &Block) -> String {
        let mut inner = self.nested();
        for s in &b.stmts {
            inner.stmt(s);
        }
        if let Some(t) = &b.tail {
            let text = inner.expr(t);
            inner.line(&text);
        }
        if inner.out.is_empty() {
            return "{}".to_string();
        }
        format!("{{\n{}{}}}", inner.out, self.pad())
    }

    fn stmt(&mut self, s: &Stmt) {
        let text = match s {
            Stmt::Let { pat, ty, init } => {
                let mut t = format!("let {}", pattern(pat));
                if let Some(ty) = ty {
                    let _ = write!(t, ": {ty}");
                }
                if let Some(init) = init {
                    let _ = write!(t, " = {}", self.expr(init));
                }
                t.push(';');
                t
            }
            Stmt::Assign { place, op, value } => {
                let op = match op {
                    Some(o) => format!("{}=", o.symbol()),
                    None => "=".to_string(),
                };
                format!("{} {op} {};", self.expr(place), self.expr(value))
            }
            Stmt::Expr(e) => {
                let t = self.expr(e);
                if e.is_block_like() {
                    t
                } else {
                    format!("{t};")
                }
            }
            Stmt::Item(text) => text.clone(),
        };
        self.line(&text);
    }
}

/// A pattern's source.
pub fn pattern(p: &Pat) -> String {
    match p {
        Pat::Ident { name, mutable } => {
            if *mutable {
                format!("mut {name}")
            } else {
                name.clone()
            }
        }
        Pat::Ref(inner) => format!("&{}", pattern(inner)),
        Pat::Tuple(items) => format!(
            "({})",
            items.iter().map(pattern).collect::<Vec<_>>().join(", ")
        ),
        Pat::Array(items) => format!(
            "[{}]",
            items.iter().map(pattern).collect::<Vec<_>>().join(", ")
        ),
    }
}
