//! Source text for programs: the module compiled with the macro (with a runner
//! appended), and the plain copy compiled without it.
//!
//! [`writer`] prints expressions and statements; this module assembles them
//! into functions and modules; [`mod@runner`] writes the code that calls `f` and
//! `f_grad` at the input points and flattens the gradient.

mod runner;
mod writer;

pub use runner::{coord_name, describe_point, f32_mask, runner, wrt_coords};

use crate::ast::*;
use std::fmt::Write;
use writer::Writer;

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
        ParamTy::VecRows(f, _, _) => format!("&[Vec<{}>]", f.name()),
        ParamTy::VecVecRef(f, _, _) => format!("&Vec<Vec<{}>>", f.name()),
        ParamTy::MutScalar(f) => format!("&mut {}", f.name()),
        ParamTy::MutSlice(f) => format!("&mut [{}]", f.name()),
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
    let ret = if f.unit {
        String::new()
    } else {
        format!(" -> {}", f.ret.name())
    };
    w.line(&format!("pub fn {}({params}){ret} {body}", f.name));
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
            .flat_map(|r| {
                // Rules with a scalar result compose through `_lent` when
                // given buffers by reference, through `_pullback` otherwise.
                let lent = !matches!(r.to_string().as_str(), "softmax" | "matvec");
                [r.to_string(), format!("{r}_pullback")]
                    .into_iter()
                    .chain(lent.then(|| format!("{r}_pullback_lent")))
            })
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

/// Every helper's and `f`'s rendered size, a measure for the shrinker.
pub fn size(p: &Program) -> usize {
    program_source(p, false)
        .chars()
        .filter(|c| !c.is_whitespace())
        .count()
}
