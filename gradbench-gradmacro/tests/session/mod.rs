//! Drives the built tool as GradBench does: spawns the binary, writes one JSON
//! message per line on its stdin and reads exactly one response line per
//! message from its stdout. Shared by the eval tests (`tests/<eval>.rs`), with
//! the comparisons they use.

// Each test file uses the part it needs.
#![allow(dead_code)]

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

/// A running tool and the next message id.
pub struct Session {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    next_id: u64,
}

impl Session {
    /// Spawns the tool and sends `start` for `eval`.
    pub fn start(eval: &str) -> Session {
        let mut child = Command::new(env!("CARGO_BIN_EXE_gradbench-gradmacro"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn the gradbench-gradmacro binary");
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut session = Session {
            child,
            stdin,
            stdout,
            next_id: 0,
        };
        let response = session.send(json!({"kind": "start", "eval": eval}));
        assert_eq!(response["tool"], json!("gradmacro"), "{response}");
        session
    }

    /// Sends `message` with the next id and returns the one response line,
    /// after checking that it answers that id.
    pub fn send(&mut self, mut message: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        message["id"] = json!(id);
        let stdin = self.stdin.as_mut().expect("stdin open");
        writeln!(stdin, "{message}").expect("write a message");
        stdin.flush().expect("flush the message");
        let mut line = String::new();
        let read = self.stdout.read_line(&mut line).expect("read a response");
        assert!(
            read > 0,
            "the tool closed stdout instead of answering {message}"
        );
        let response: Value = serde_json::from_str(&line)
            .unwrap_or_else(|error| panic!("response {line:?} is not JSON: {error}"));
        assert_eq!(
            response["id"],
            json!(id),
            "response {response} to {message}"
        );
        response
    }

    /// `define`: whether the tool implements `module`.
    pub fn define(&mut self, module: &str) -> bool {
        let response = self.send(json!({"kind": "define", "module": module}));
        response["success"]
            .as_bool()
            .unwrap_or_else(|| panic!("define answered {response}"))
    }

    /// `evaluate` with `min_runs: 2` and `min_seconds: 0`; checks success and
    /// one timing per run (exactly two), and returns the output.
    pub fn evaluate(&mut self, module: &str, function: &str, mut input: Value) -> Value {
        input["min_runs"] = json!(2);
        input["min_seconds"] = json!(0);
        let response = self.send(json!({
            "kind": "evaluate",
            "module": module,
            "function": function,
            "input": input,
        }));
        assert_eq!(
            response["success"],
            json!(true),
            "{module}.{function}: {}",
            response["error"]
        );
        let timings = response["timings"]
            .as_array()
            .unwrap_or_else(|| panic!("{module}.{function}: no timings"));
        assert_eq!(timings.len(), 2, "{module}.{function}: one timing per run");
        for timing in timings {
            assert_eq!(timing["name"], json!("evaluate"));
            assert!(timing["nanoseconds"].is_u64(), "{timing}");
        }
        response["output"].clone()
    }

    /// `evaluate` that must fail; returns the error.
    pub fn evaluate_fails(&mut self, module: &str, function: &str, input: Value) -> String {
        let response = self.send(json!({
            "kind": "evaluate",
            "module": module,
            "function": function,
            "input": input,
        }));
        assert_eq!(response["success"], json!(false), "{response}");
        response["error"].as_str().unwrap_or_default().to_string()
    }

    /// `analysis` of the message with id `of`: answered with the id alone.
    pub fn analysis(&mut self, of: u64) {
        let id = self.next_id;
        let response = self.send(json!({"kind": "analysis", "of": of, "valid": true}));
        assert_eq!(response, json!({"id": id}));
    }

    /// The id the next message will carry.
    pub fn next_id(&self) -> u64 {
        self.next_id
    }
}

impl Drop for Session {
    /// Closes stdin, so the tool's read loop ends, and waits for it.
    fn drop(&mut self) {
        drop(self.stdin.take());
        let status = self.child.wait().expect("wait for the tool");
        if !std::thread::panicking() {
            assert!(status.success(), "the tool exited with {status}");
        }
    }
}

/// A JSON number as `f64`.
pub fn number(value: &Value) -> f64 {
    value
        .as_f64()
        .unwrap_or_else(|| panic!("{value} is not a number"))
}

/// A JSON array of numbers as `Vec<f64>`.
pub fn numbers(value: &Value) -> Vec<f64> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("{value} is not an array"))
        .iter()
        .map(number)
        .collect()
}

/// Asserts `|got − want| ≤ relative · scale` entry by entry, with the scale
/// the largest entry of `want`: entries far below it carry the rounding of
/// the large ones.
pub fn assert_close(what: &str, got: &[f64], want: &[f64], relative: f64) {
    assert_close_abs(what, got, want, relative, 0.0);
}

/// [`assert_close`] with an absolute allowance added to the bound.
pub fn assert_close_abs(what: &str, got: &[f64], want: &[f64], relative: f64, absolute: f64) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    let scale = want.iter().fold(f64::MIN_POSITIVE, |m, v| m.max(v.abs()));
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= relative * scale + absolute,
            "{what}: entry {i}: got {g:e}, want {w:e} (scale {scale:e})"
        );
    }
}

/// Deterministic numbers uniform in `[lo, hi)` (xorshift64*), as GradBench's
/// evals draw `np.random.rand`.
pub fn uniform(len: usize, lo: f64, hi: f64, seed: u64) -> Vec<f64> {
    let mut state = seed.max(1);
    (0..len)
        .map(|_| {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            let bits = state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11;
            lo + (hi - lo) * (bits as f64 / (1u64 << 53) as f64)
        })
        .collect()
}
