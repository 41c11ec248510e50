//! Timing as the protocol asks: run the function at least `min_runs` times and
//! until the runs add up to `min_seconds`, one timing per run, of the function
//! alone (inputs are parsed before and the output serialised after).

use serde_json::Value;
use std::time::{Duration, Instant};

/// An answered `evaluate`: the output and the time of each run.
pub struct Evaluated {
    pub output: Value,
    pub nanoseconds: Vec<u128>,
}

/// `min_runs` and `min_seconds` of an input (1 and 0 when absent, as for `hello`).
pub fn limits(input: &Value) -> (usize, Duration) {
    let runs = input
        .get("min_runs")
        .and_then(Value::as_u64)
        .map_or(1, |runs| runs.max(1) as usize);
    let seconds = input
        .get("min_seconds")
        .and_then(Value::as_f64)
        .filter(|s| s.is_finite() && *s > 0.0)
        .unwrap_or(0.0);
    (runs, Duration::from_secs_f64(seconds))
}

/// Runs `function` as `limits(input)` says; the output is the last run's,
/// made into JSON by `to_json` after the timing.
pub fn measure<T>(
    input: &Value,
    mut function: impl FnMut() -> T,
    to_json: impl FnOnce(T) -> Value,
) -> Evaluated {
    let (min_runs, min_time) = limits(input);
    let mut nanoseconds = Vec::with_capacity(min_runs);
    let mut total = Duration::ZERO;
    let mut last;
    loop {
        let start = Instant::now();
        let output = std::hint::black_box(function());
        let elapsed = start.elapsed();
        last = output;
        total += elapsed;
        nanoseconds.push(elapsed.as_nanos());
        if nanoseconds.len() >= min_runs && total >= min_time {
            break;
        }
    }
    Evaluated {
        output: to_json(last),
        nanoseconds,
    }
}
