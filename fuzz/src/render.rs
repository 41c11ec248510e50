//! Source text for programs: the module compiled with the macro (with a runner
//! appended), and the plain copy compiled without it.
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
        | Kind::VecLit(_) => POSTFIX,
        Kind::Unary(..) | Kind::Ref(_) => UNARY,
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
        Kind::Closure { .. } | Kind::Break { .. } | Kind::Continue { .. } | Kind::Return(_) => {
            LOWEST
        }
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
struct Writer {
    out: String,
    indent: usize,
}

impl Writer {
    fn new() -> Writer {
        Writer {
            out: String::new(),
            indent: 0,
        }
    }

    fn line(&mut self, text: &str) {
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
            Kind::Closure { params, body } => format!("|{params}| {}", self.expr(body)),
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
    fn block(&self, b: &Block) -> String {
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

/// A parameter type's source.
pub fn param_type(ty: &ParamTy) -> String {
    match ty {
        ParamTy::Scalar(f) => f.name().to_string(),
        ParamTy::RefScalar(f) => format!("&{}", f.name()),
        ParamTy::Slice(f, _) => format!("&[{}]", f.name()),
        ParamTy::VecRef(f, _) => format!("&Vec<{}>", f.name()),
        ParamTy::Array(f, n) => format!("[{}; {n}]", f.name()),
        ParamTy::Matrix(f, r, c) => format!("[[{}; {c}]; {r}]", f.name()),
        ParamTy::Rows(f, _, c) => format!("&[[{}; {c}]]", f.name()),
        ParamTy::Usize(_) => "usize".to_string(),
        ParamTy::I32(_) => "i32".to_string(),
        ParamTy::Bool(_) => "bool".to_string(),
        ParamTy::Labels(_) => "&[usize]".to_string(),
        ParamTy::Mode(_) => "Mode".to_string(),
    }
}

/// The `#[differentiate(..)]` attribute of a function.
fn attribute(f: &Function) -> String {
    match &f.wrt {
        None => "#[differentiate]".to_string(),
        Some(names) if f.wrt_bare && names.len() == 1 => {
            format!("#[differentiate(wrt = {})]", names[0])
        }
        Some(names) => format!("#[differentiate(wrt = [{}])]", names.join(", ")),
    }
}

/// A function's source, with or without its attribute.
pub fn function(f: &Function, with_macro: bool) -> String {
    let mut w = Writer::new();
    if with_macro {
        w.line(&attribute(f));
    }
    let params = f
        .params
        .iter()
        .map(|p| {
            format!(
                "{}{}: {}",
                if p.mutable { "mut " } else { "" },
                p.name,
                param_type(&p.ty)
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let body = w.block(&f.body);
    w.line(&format!(
        "pub fn {}({params}) -> {} {body}",
        f.name,
        f.ret.name()
    ));
    w.out
}

/// The variants of the enum a `Mode` parameter has.
pub const MODES: [&str; 3] = ["A", "B", "C"];

/// The program's functions as a reader sees them: helpers first, then `f`.
pub fn program_source(p: &Program, with_macro: bool) -> String {
    let mut s = String::new();
    if with_macro {
        s.push_str("use gradmacro::differentiate;\n");
    }
    if !p.vector_rules.is_empty() {
        let items: Vec<String> = p
            .vector_rules
            .iter()
            .flat_map(|r| [r.to_string(), format!("{r}_pullback")])
            .collect();
        let _ = writeln!(s, "use gradmacro::vector::{{{}}};", items.join(", "));
    }
    if with_macro || !p.vector_rules.is_empty() {
        s.push('\n');
    }
    if p.main
        .params
        .iter()
        .any(|q| matches!(q.ty, ParamTy::Mode(_)))
    {
        s.push_str("#[derive(Clone, Copy)]\npub enum Mode {\n    A,\n    B,\n    C,\n}\n\n");
    }
    for h in &p.helpers {
        s.push_str(&function(h, with_macro));
        s.push('\n');
    }
    s.push_str(&function(&p.main, with_macro));
    s
}

/// The largest finite-difference step of a program (the others are `h/2`
/// and `h/4`): larger for `f32` arithmetic, whose rounding error `ε/h` would
/// otherwise swamp the difference. Powers of two keep `x ± h` exact more
/// often.
pub fn step(p: &Program) -> f64 {
    match p.main.ret {
        Fl::F32 => 1.0 / 256.0,
        Fl::F64 => 1.0 / 32_768.0,
    }
}

/// Whether each coordinate of an input point is an `f32`.
pub fn f32_mask(f: &Function) -> Vec<bool> {
    f.params
        .iter()
        .flat_map(|p| std::iter::repeat(p.ty.float() == Some(Fl::F32)).take(p.ty.coords()))
        .collect()
}

/// The coordinates of the gradient entries, in the order `f_grad` returns them.
pub fn wrt_coords(f: &Function) -> Vec<usize> {
    let offsets = f.coord_offsets();
    f.wrt_params()
        .into_iter()
        .flat_map(|i| offsets[i]..offsets[i] + f.params[i].ty.coords())
        .collect()
}

/// The argument expression passing coordinates `at..` of `v` as parameter `ty`.
fn argument(ty: &ParamTy, at: usize) -> String {
    let coord = |i: usize, f: Fl| match f {
        Fl::F64 => format!("v[{i}]"),
        Fl::F32 => format!("v[{i}] as f32"),
    };
    let list = |f: Fl, n: usize, from: usize| {
        (0..n)
            .map(|i| coord(from + i, f))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match *ty {
        ParamTy::Scalar(f) => coord(at, f),
        ParamTy::RefScalar(f) => format!("&({})", coord(at, f)),
        ParamTy::Slice(f, n) => format!("&[{}]", list(f, n, at)),
        ParamTy::VecRef(f, n) => format!("&vec![{}]", list(f, n, at)),
        ParamTy::Array(f, n) => format!("[{}]", list(f, n, at)),
        ParamTy::Matrix(f, r, c) => format!(
            "[{}]",
            (0..r)
                .map(|row| format!("[{}]", list(f, c, at + row * c)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        ParamTy::Rows(f, r, c) => format!(
            "&[{}]",
            (0..r)
                .map(|row| format!("[{}]", list(f, c, at + row * c)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        ParamTy::Usize(n) => format!("{n}"),
        ParamTy::I32(k) => format!("{k}"),
        ParamTy::Bool(b) => format!("{b}"),
        ParamTy::Labels(ref l) => format!(
            "&[{}]",
            l.iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        ParamTy::Mode(m) => format!("Mode::{}", MODES[m as usize]),
    }
}

/// The gradient type `f_grad` must return for a parameter.
fn gradient_type(ty: &ParamTy) -> String {
    match *ty {
        ParamTy::Scalar(f) | ParamTy::RefScalar(f) => f.name().to_string(),
        ParamTy::Slice(f, _) | ParamTy::VecRef(f, _) => format!("Vec<{}>", f.name()),
        ParamTy::Array(f, n) => format!("[{}; {n}]", f.name()),
        ParamTy::Matrix(f, r, c) => format!("[[{}; {c}]; {r}]", f.name()),
        ParamTy::Rows(f, _, c) => format!("Vec<[{}; {c}]>", f.name()),
        _ => unreachable!("constant parameters have no gradient"),
    }
}

/// Code appending gradient `g` of a parameter to `out`, as `f64`s.
fn flatten(ty: &ParamTy, g: &str, name: &str) -> String {
    match *ty {
        ParamTy::Scalar(_) | ParamTy::RefScalar(_) => format!("    out.push({g} as f64);\n"),
        ParamTy::Slice(_, n) | ParamTy::VecRef(_, n) => format!(
            "    assert!({g}.len() == {n}, \"the gradient of `{name}` has length {{}}, expected {n}\", {g}.len());\n    out.extend({g}.iter().map(|&e| e as f64));\n"
        ),
        ParamTy::Array(..) => format!("    out.extend({g}.iter().map(|&e| e as f64));\n"),
        ParamTy::Matrix(..) => {
            format!("    for row in {g}.iter() {{\n        out.extend(row.iter().map(|&e| e as f64));\n    }}\n")
        }
        ParamTy::Rows(_, r, _) => format!(
            "    assert!({g}.len() == {r}, \"the gradient of `{name}` has {{}} rows, expected {r}\", {g}.len());\n    for row in {g}.iter() {{\n        out.extend(row.iter().map(|&e| e as f64));\n    }}\n"
        ),
        _ => unreachable!("constant parameters have no gradient"),
    }
}

/// The runner appended to a program's module: `__call` evaluates `f` at a
/// point, `__grad` evaluates `f_grad` and flattens the gradient (its type is
/// spelled out, so a gradient of the wrong shape is a compile error here),
/// and `__run` hands both to the batch's probe.
pub fn runner(p: &Program, name: &str) -> String {
    let f = &p.main;
    let offsets = f.coord_offsets();
    let args = f
        .params
        .iter()
        .zip(&offsets)
        .map(|(prm, &at)| argument(&prm.ty, at))
        .collect::<Vec<_>>()
        .join(", ");
    let wrt = f.wrt_params();
    let types: Vec<String> = wrt
        .iter()
        .map(|&i| gradient_type(&f.params[i].ty))
        .collect();
    let gty = if types.len() == 1 {
        types[0].clone()
    } else {
        format!("({})", types.join(", "))
    };
    let mut s = String::new();
    s.push_str("\n// ---- runner (not part of the program) ----\n");
    let _ = writeln!(
        s,
        "pub fn __call(v: &[f64]) -> f64 {{\n    {}({args}) as f64\n}}",
        f.name
    );
    let _ = writeln!(
        s,
        "pub fn __grad(v: &[f64]) -> (f64, Vec<f64>) {{\n    let (value, g): ({}, {gty}) = {}_grad({args});\n    let mut out: Vec<f64> = Vec::new();",
        f.ret.name(),
        f.name
    );
    if wrt.len() == 1 {
        s.push_str(&flatten(&f.params[wrt[0]].ty, "g", &f.params[wrt[0]].name));
    } else {
        let names: Vec<String> = (0..wrt.len()).map(|k| format!("g{k}")).collect();
        let _ = writeln!(s, "    let ({}) = g;", names.join(", "));
        for (k, &i) in wrt.iter().enumerate() {
            s.push_str(&flatten(&f.params[i].ty, &names[k], &f.params[i].name));
        }
    }
    s.push_str("    (value as f64, out)\n}\n");
    let points = p
        .points
        .iter()
        .map(|pt| {
            format!(
                "&[{}]",
                pt.iter()
                    .map(|x| format!("{x:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let mask = f32_mask(f)
        .iter()
        .map(|b| b.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let coords = wrt_coords(f)
        .iter()
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let _ = writeln!(
        s,
        "pub fn __run() {{\n    crate::harness::probe(\"{name}\", &[{points}], &[{mask}], &[{coords}], {:?}, __call, __grad);\n}}",
        step(p)
    );
    s
}

/// The module compiled with the macro, and the line (1-based) where its
/// runner starts: errors at or after it are in the runner.
pub fn macro_module(p: &Program, name: &str) -> (String, usize) {
    let mut s = format!("//! fuzz program, seed {:#018x}\n", p.seed);
    s.push_str(&program_source(p, true));
    let runner_line = s.lines().count() + 2;
    s.push_str(&runner(p, name));
    (s, runner_line)
}

/// The module compiled without the macro, to prove the program is valid Rust.
pub fn plain_module(p: &Program) -> String {
    let mut s = format!(
        "//! fuzz program, seed {:#018x}, without the macro\n",
        p.seed
    );
    s.push_str(&program_source(p, false));
    s
}

/// How a program's inputs read in a report: each parameter with its value(s).
pub fn describe_point(f: &Function, point: &[f64]) -> String {
    let offsets = f.coord_offsets();
    f.params
        .iter()
        .zip(offsets)
        .map(|(prm, at)| {
            let vals = |n: usize| {
                point[at..at + n]
                    .iter()
                    .map(|x| format!("{x:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let v = match prm.ty {
                ParamTy::Scalar(_) | ParamTy::RefScalar(_) => vals(1),
                ParamTy::Usize(n) => n.to_string(),
                ParamTy::I32(k) => k.to_string(),
                ParamTy::Bool(b) => b.to_string(),
                ParamTy::Labels(ref l) => format!("{l:?}"),
                ParamTy::Mode(m) => format!("Mode::{}", MODES[m as usize]),
                _ => format!("[{}]", vals(prm.ty.coords())),
            };
            format!("{} = {v}", prm.name)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The name of gradient coordinate `c` (`x0`, `v1[2]`, `m[1][0]`).
pub fn coord_name(f: &Function, c: usize) -> String {
    let offsets = f.coord_offsets();
    for (prm, at) in f.params.iter().zip(offsets) {
        let n = prm.ty.coords();
        if c >= at && c < at + n {
            return match prm.ty {
                ParamTy::Scalar(_) | ParamTy::RefScalar(_) => prm.name.clone(),
                ParamTy::Matrix(_, _, cols) | ParamTy::Rows(_, _, cols) => {
                    format!("{}[{}][{}]", prm.name, (c - at) / cols, (c - at) % cols)
                }
                _ => format!("{}[{}]", prm.name, c - at),
            };
        }
    }
    format!("#{c}")
}

/// Every helper's and `f`'s rendered size, a measure for the shrinker.
pub fn size(p: &Program) -> usize {
    program_source(p, false)
        .chars()
        .filter(|c| !c.is_whitespace())
        .count()
}
