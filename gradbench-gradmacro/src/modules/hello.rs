//! `hello`: `square(x) = x²` and `double(x) = d square / dx`.

use super::{parse, unknown_function};
use crate::runs::{measure, Evaluated};
use gradmacro::differentiate;
use serde_json::{json, Value};

/// The functions this module answers.
pub const FUNCTIONS: &[&str] = &["square", "double"];

/// The primal.
#[differentiate]
pub fn square(x: f64) -> f64 {
    x * x
}

/// Runs `square` or `double` (the derivative `square_grad` generates).
pub fn evaluate(function: &str, input: &Value) -> Result<Evaluated, String> {
    let x: f64 = parse("hello", input)?;
    match function {
        "square" => Ok(measure(input, || square(x), |y| json!(y))),
        "double" => Ok(measure(input, || square_grad(x).1, |y| json!(y))),
        _ => Err(unknown_function("hello", function)),
    }
}
