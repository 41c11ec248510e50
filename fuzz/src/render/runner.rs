//! The runner appended to each program's module, which evaluates `f` and
//! `f_grad` at the input points and hands the flattened gradient to the
//! batch's probe, and the naming of input coordinates in reports.

use super::MODES;
use crate::ast::*;
use std::fmt::Write;

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
        ParamTy::VecRows(f, r, c) | ParamTy::VecVecRef(f, r, c) => format!(
            "&{}[{}]",
            if matches!(ty, ParamTy::VecVecRef(..)) {
                "vec!"
            } else {
                ""
            },
            (0..r)
                .map(|row| format!("vec![{}]", list(f, c, at + row * c)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        ParamTy::MutScalar(_) | ParamTy::MutSlice(_) => {
            unreachable!("only helpers have out-parameters")
        }
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
        ParamTy::VecRows(f, ..) | ParamTy::VecVecRef(f, ..) => format!("Vec<Vec<{}>>", f.name()),
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
        ParamTy::VecRows(_, r, c) | ParamTy::VecVecRef(_, r, c) => format!(
            "    assert!({g}.len() == {r}, \"the gradient of `{name}` has {{}} rows, expected {r}\", {g}.len());\n    for row in {g}.iter() {{\n        assert!(row.len() == {c}, \"a row of the gradient of `{name}` has length {{}}, expected {c}\", row.len());\n        out.extend(row.iter().map(|&e| e as f64));\n    }}\n"
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
                ParamTy::Matrix(_, _, cols)
                | ParamTy::Rows(_, _, cols)
                | ParamTy::VecRows(_, _, cols)
                | ParamTy::VecVecRef(_, _, cols) => {
                    format!("{}[{}][{}]", prm.name, (c - at) / cols, (c - at) % cols)
                }
                _ => format!("{}[{}]", prm.name, c - at),
            };
        }
    }
    format!("#{c}")
}
