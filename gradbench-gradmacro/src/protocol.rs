//! The GradBench protocol: one JSON message in, one JSON response out, with
//! the message's `id`. Nothing here panics on input: a line that is not JSON,
//! a message without a `kind`, an unknown module or a malformed input is
//! answered, with `success: false` and an error where the protocol has a
//! success field.

use crate::modules;
use serde_json::{json, Map, Value};

/// The response line to one message line.
pub fn respond(line: &str) -> String {
    let message: Value = match serde_json::from_str(line) {
        Ok(message) => message,
        Err(error) => {
            return json!({"id": Value::Null, "success": false, "error": format!("not JSON: {error}")})
                .to_string()
        }
    };
    let id = message.get("id").cloned().unwrap_or(Value::Null);
    let kind = message.get("kind").and_then(Value::as_str).unwrap_or("");
    let mut response = Map::new();
    response.insert("id".into(), id);
    match kind {
        "start" => {
            response.insert("tool".into(), json!("gradmacro"));
        }
        "define" => {
            let module = message.get("module").and_then(Value::as_str).unwrap_or("");
            let known = modules::is_known(module);
            response.insert("success".into(), json!(known));
            if !known {
                response.insert("error".into(), json!(format!("unknown module {module:?}")));
            }
        }
        "evaluate" => {
            let module = message.get("module").and_then(Value::as_str).unwrap_or("");
            let function = message
                .get("function")
                .and_then(Value::as_str)
                .unwrap_or("");
            let input = message.get("input").cloned().unwrap_or(Value::Null);
            match modules::evaluate(module, function, &input) {
                Ok(evaluated) => {
                    response.insert("success".into(), json!(true));
                    response.insert("output".into(), evaluated.output);
                    let timings: Vec<Value> = evaluated
                        .nanoseconds
                        .iter()
                        .map(|ns| json!({"name": "evaluate", "nanoseconds": ns}))
                        .collect();
                    response.insert("timings".into(), Value::Array(timings));
                }
                Err(error) => {
                    response.insert("success".into(), json!(false));
                    response.insert("error".into(), json!(error));
                }
            }
        }
        // `analysis` and anything else: the id alone.
        _ => {}
    }
    Value::Object(response).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(line: &str) -> Value {
        serde_json::from_str(&respond(line)).unwrap()
    }

    #[test]
    fn start_define_and_other_messages() {
        assert_eq!(
            parsed(r#"{"id": 0, "kind": "start", "eval": "hello"}"#),
            json!({"id": 0, "tool": "gradmacro"})
        );
        assert_eq!(
            parsed(r#"{"id": 1, "kind": "define", "module": "hello"}"#),
            json!({"id": 1, "success": true})
        );
        let unknown = parsed(r#"{"id": 2, "kind": "define", "module": "kmeans"}"#);
        assert_eq!(unknown["success"], json!(false));
        assert_eq!(
            parsed(r#"{"id": 3, "kind": "analysis", "of": 2, "valid": true}"#),
            json!({"id": 3})
        );
        assert_eq!(parsed(r#"{"id": 4, "kind": "whatever"}"#), json!({"id": 4}));
    }

    #[test]
    fn malformed_input_is_answered_not_fatal() {
        assert_eq!(parsed("{not json")["success"], json!(false));
        let missing = parsed(
            r#"{"id": 5, "kind": "evaluate", "module": "hello", "function": "square", "input": "x"}"#,
        );
        assert_eq!(missing["id"], json!(5));
        assert_eq!(missing["success"], json!(false));
        let unknown = parsed(
            r#"{"id": 6, "kind": "evaluate", "module": "hello", "function": "cube", "input": 2.0}"#,
        );
        assert_eq!(unknown["success"], json!(false));
    }

    #[test]
    fn hello_evaluates_once_with_one_timing() {
        let square = parsed(
            r#"{"id": 7, "kind": "evaluate", "module": "hello", "function": "square", "input": 3.0}"#,
        );
        assert_eq!(square["output"], json!(9.0));
        assert_eq!(square["timings"].as_array().map(Vec::len), Some(1));
        let double = parsed(
            r#"{"id": 8, "kind": "evaluate", "module": "hello", "function": "double", "input": 3.0}"#,
        );
        assert_eq!(double["output"], json!(6.0));
    }
}
