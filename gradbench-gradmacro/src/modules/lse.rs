//! `lse`: not implemented yet (`define` answers `false`).

use super::unknown_function;
use crate::runs::Evaluated;
use serde_json::Value;

/// The functions this module answers.
pub const FUNCTIONS: &[&str] = &[];

/// Runs one of [`FUNCTIONS`].
pub fn evaluate(function: &str, _input: &Value) -> Result<Evaluated, String> {
    Err(unknown_function("lse", function))
}
