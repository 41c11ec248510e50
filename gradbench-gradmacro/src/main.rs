//! gradmacro as a GradBench tool: reads protocol messages on stdin, one JSON
//! object per line, and answers each with one line on stdout (see
//! `protocol.rs`). The evals' functions are in `modules/`, written as plain
//! Rust and differentiated by `#[differentiate]`.
//!
//! ```sh
//! cargo build --release -p gradbench-gradmacro
//! echo '{"id": 0, "kind": "start"}' | target/release/gradbench-gradmacro
//! ```

use std::io::{self, BufRead, Write};

fn main() -> io::Result<()> {
    let stdin = io::stdin();
    let mut stdout = io::stdout().lock();
    for line in stdin.lock().lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let response = gradbench_gradmacro::protocol::respond(&line);
        writeln!(stdout, "{response}")?;
        stdout.flush()?;
    }
    Ok(())
}
