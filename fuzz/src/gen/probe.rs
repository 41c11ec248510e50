//! Edge probes: one construct at the edge of the README's table, inserted
//! verbatim at the start of `f` in a small fraction of programs, which
//! gradmacro must reject cleanly or differentiate correctly.

use super::Gen;
use crate::ast::*;

impl Gen {
    /// Adds one construct at the edge of what gradmacro supports to `f`, at
    /// its start: `if let`, `while let` over `pop`, range slices, a closure
    /// bound to a name, `skip`, `assert!`. The README listed all of them as
    /// "not yet" when this was written; some are supported now. Either way
    /// the outcome must be a clean rejection or a correct gradient, never
    /// bad code or a wrong one. The construct goes first (where only
    /// parameters are in scope), and its result feeds the returned value.
    pub(in crate::gen) fn insert_edge_construct(&mut self, main: &mut Function) {
        let fl = self.fl.name();
        // A float read of some parameter, to feed the construct.
        let scalar = main.params.iter().find_map(|p| match p.ty {
            ParamTy::Scalar(f) if f == self.fl => Some(p.name.clone()),
            ParamTy::RefScalar(_) => Some(format!("(*{})", p.name)),
            ParamTy::Slice(..) | ParamTy::VecRef(..) | ParamTy::Array(..) => {
                Some(format!("{}[0]", p.name))
            }
            ParamTy::Matrix(..) | ParamTy::Rows(..) => Some(format!("{}[0][0]", p.name)),
            _ => None,
        });
        let scalar = scalar.unwrap_or_else(|| {
            let p = main.params.iter().find(|p| p.ty.float().is_some()).unwrap();
            format!("({} as {fl})", p.name)
        });
        let buffer = main.params.iter().find_map(|p| match p.ty {
            ParamTy::Slice(_, n) | ParamTy::VecRef(_, n) | ParamTy::Array(_, n) if n >= 2 => {
                Some(p.name.clone())
            }
            _ => None,
        });
        let u = self.fresh("u");
        let (tag, text) = match (self.rng.u32(0..6), &buffer) {
            (0, _) => (
                "probe: if let",
                format!("let {u} = if let Some(t) = Some({scalar} * 2.0) {{ t.sin() }} else {{ 0.0 }};"),
            ),
            (1, _) => (
                "probe: while let",
                format!(
                    "let mut stack: Vec<{fl}> = vec![{scalar}, {scalar} * 0.5];\n    let mut {u}: {fl} = 0.0;\n    while let Some(t) = stack.pop() {{\n        {u} += t * t;\n    }}"
                ),
            ),
            (2, Some(b)) => (
                "probe: slicing",
                format!("let {u} = {b}[1..].iter().map(|v| v * v).sum::<{fl}>();"),
            ),
            (3, _) => (
                "probe: closure",
                format!("let g = |t: {fl}| t * t + 1.0;\n    let {u} = g({scalar});"),
            ),
            (4, Some(b)) => (
                "probe: skip adapter",
                format!("let {u} = {b}.iter().skip(1).map(|v| v * 2.0).sum::<{fl}>();"),
            ),
            _ => (
                "probe: macro",
                format!("assert!({scalar}.abs() >= 0.0);\n    let {u}: {fl} = 0.5 * {scalar};"),
            ),
        };
        self.tag(tag);
        main.body.stmts.insert(0, Stmt::Item(text));
        if let Some(t) = main.body.tail.take() {
            main.body.tail = Some(Box::new(Expr::bin(BinOp::Add, *t, Expr::fpath(&u))));
        }
    }
}
