//! The macro's view of the derivative rules in `gradmacro::rules`.
//!
//! The runtime crate holds the mathematics; this table only says which method
//! names have a rule and which of their arguments are floats (each float argument
//! gets a partial derivative in the rule's result tuple, integers get none). Keeping
//! the two apart means a rule is tested once, at run time, against finite
//! differences, and the macro never hard-codes a derivative formula except for the
//! arithmetic operators.

/// The kind of one argument of a rule (the receiver counts as the first).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Input {
    Float,
    Int,
}

/// A float method or function with a derivative rule.
#[derive(Debug)]
pub struct Rule {
    /// The method name, which is also the function's name in `gradmacro::rules`.
    pub name: &'static str,
    pub inputs: &'static [Input],
    /// Derivative zero everywhere (`floor`, `signum`, ...): the result is treated
    /// as a constant, so no adjoint code is generated for it at all.
    pub piecewise_constant: bool,
    /// The derivative is a function of the value alone, computed by
    /// `gradmacro::rules::from_value::NAME` (`tanh' = 1 − tanh²`).
    pub from_value: bool,
}

use Input::{Float as F, Int as I};

const fn rule(name: &'static str, inputs: &'static [Input]) -> Rule {
    Rule {
        name,
        inputs,
        piecewise_constant: false,
        from_value: false,
    }
}

/// A rule whose derivative is a function of its value.
const fn from_value(name: &'static str) -> Rule {
    Rule {
        name,
        inputs: &[F],
        piecewise_constant: false,
        from_value: true,
    }
}

const fn constant(name: &'static str) -> Rule {
    Rule {
        name,
        inputs: &[F],
        piecewise_constant: true,
        from_value: false,
    }
}

/// `sin` and `cos`, which `sin_cos` is made of.
pub const SIN: Rule = rule("sin", &[F]);
pub const COS: Rule = rule("cos", &[F]);

/// Every rule, by name.
pub static RULES: &[Rule] = &[
    from_value("exp"),
    from_value("exp2"),
    from_value("exp_m1"),
    rule("ln", &[F]),
    rule("log2", &[F]),
    rule("log10", &[F]),
    rule("ln_1p", &[F]),
    from_value("sqrt"),
    from_value("cbrt"),
    rule("recip", &[F]),
    rule("abs", &[F]),
    SIN,
    COS,
    rule("tan", &[F]),
    rule("asin", &[F]),
    rule("acos", &[F]),
    rule("atan", &[F]),
    rule("sinh", &[F]),
    rule("cosh", &[F]),
    from_value("tanh"),
    rule("asinh", &[F]),
    rule("acosh", &[F]),
    rule("atanh", &[F]),
    rule("fract", &[F]),
    rule("to_degrees", &[F]),
    rule("to_radians", &[F]),
    rule("powi", &[F, I]),
    rule("powf", &[F, F]),
    rule("log", &[F, F]),
    rule("atan2", &[F, F]),
    rule("hypot", &[F, F]),
    rule("max", &[F, F]),
    rule("min", &[F, F]),
    rule("copysign", &[F, F]),
    rule("mul_add", &[F, F, F]),
    rule("clamp", &[F, F, F]),
    constant("signum"),
    constant("floor"),
    constant("ceil"),
    constant("round"),
    constant("trunc"),
];

/// Methods whose result carries no derivative (bools, integers, orderings), so
/// they are allowed on active values and simply produce constants.
pub static DERIVATIVE_FREE_METHODS: &[&str] = &[
    "is_nan",
    "is_infinite",
    "is_finite",
    "is_normal",
    "is_subnormal",
    "is_sign_positive",
    "is_sign_negative",
    "classify",
    "total_cmp",
    "partial_cmp",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "len",
    "is_empty",
];

/// The rule for a method name called with `arg_count` arguments (receiver
/// included), if there is one.
pub fn lookup(name: &str, arg_count: usize) -> Option<&'static Rule> {
    RULES
        .iter()
        .find(|rule| rule.name == name && rule.inputs.len() == arg_count)
}

/// Whether a method name is known to return something without a derivative.
pub fn is_derivative_free(name: &str) -> bool {
    DERIVATIVE_FREE_METHODS.contains(&name)
}

/// A sentence listing what has rules, for error messages.
pub fn summary() -> String {
    let names: Vec<&str> = RULES.iter().map(|rule| rule.name).collect();
    names.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_checks_arity() {
        assert_eq!(lookup("exp", 1).map(|r| r.name), Some("exp"));
        assert!(lookup("exp", 2).is_none());
        assert_eq!(lookup("powi", 2).map(|r| r.inputs), Some(&[F, I][..]));
        assert!(lookup("frobnicate", 1).is_none());
        assert!(lookup("floor", 1).unwrap().piecewise_constant);
    }

    #[test]
    fn names_are_unique() {
        for (index, rule) in RULES.iter().enumerate() {
            assert!(
                RULES[..index].iter().all(|other| other.name != rule.name),
                "{}",
                rule.name
            );
        }
    }
}
