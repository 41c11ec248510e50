//! Running a batch binary and reading what its probes print.
//!
//! The binary prints one line per result (see `HARNESS` in [`crate::build`]).
//! A miscompiled loop can hang and a miscompiled recursion can overflow the
//! stack, which no `catch_unwind` survives, so the binary runs as a child
//! process: when it goes quiet for too long it is killed, and when it dies
//! the module it was in is blamed (through the last `T` line, which says
//! whether `f`, `f_grad` or the differences were running) and the binary is
//! started again on the modules it had not reached.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// How long a module may stay silent before it is deemed hung.
const SILENCE: Duration = Duration::from_secs(15);

/// The central differences of one coordinate at three steps.
#[derive(Clone, Debug, PartialEq)]
pub struct Diffs {
    /// `(step_plus, step_minus, f_plus, f_minus)` for `h`, `h / 2`, `h / 4`.
    pub at: [(f64, f64, f64, f64); 3],
}

/// The results at one input point.
#[derive(Clone, Debug, Default)]
pub struct PointRun {
    /// `f` panicked (the program is invalid).
    pub f_panic: Option<String>,
    /// `f_grad` panicked.
    pub grad_panic: Option<String>,
    pub f0: f64,
    /// The value `f_grad` returned.
    pub value: f64,
    pub grad: Vec<f64>,
    pub diffs: Vec<Diffs>,
}

/// How the process ended for a module that did not finish.
#[derive(Clone, Debug, PartialEq)]
pub enum Abort {
    /// Killed after going silent, in this stage (`f`, `grad` or `fd`).
    Hang { point: usize, stage: String },
    /// The process died (a signal or an abort), in this stage.
    Crash {
        point: usize,
        stage: String,
        stderr: String,
    },
}

/// Everything one module printed.
#[derive(Clone, Debug, Default)]
pub struct ModuleRun {
    pub points: BTreeMap<usize, PointRun>,
    pub aborted: Option<Abort>,
    /// The module ran to its end.
    pub finished: bool,
}

fn num(s: Option<&str>) -> f64 {
    s.and_then(|t| t.parse::<f64>().ok()).unwrap_or(f64::NAN)
}

/// Runs `exe` on `modules`; returns what each printed.
pub fn run(exe: &Path, modules: &[String]) -> std::io::Result<BTreeMap<String, ModuleRun>> {
    let mut results: BTreeMap<String, ModuleRun> = BTreeMap::new();
    let mut pending: Vec<String> = modules.to_vec();
    while !pending.is_empty() {
        let mut child = Command::new(exe)
            .args(&pending)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let stdout = child.stdout.take().unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let (tx, rx) = mpsc::channel::<String>();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let err_reader = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = stderr.read_to_string(&mut s);
            s
        });
        let mut current: Option<String> = None;
        let mut stage: (usize, String) = (0, String::new());
        let mut hung = false;
        let mut progressed = false;
        loop {
            match rx.recv_timeout(SILENCE) {
                Ok(line) => {
                    let mut it = line.split(' ');
                    let tag = it.next().unwrap_or("");
                    let name = it.next().unwrap_or("").to_string();
                    match tag {
                        "S" => {
                            progressed = true;
                            results.entry(name.clone()).or_default();
                            pending.retain(|p| p != &name);
                            current = Some(name);
                        }
                        "E" => {
                            results.entry(name).or_default().finished = true;
                            current = None;
                        }
                        "T" => {
                            let p: usize = it.next().and_then(|t| t.parse().ok()).unwrap_or(0);
                            stage = (p, it.next().unwrap_or("").to_string());
                        }
                        "PF" | "PG" => {
                            let p: usize = it.next().and_then(|t| t.parse().ok()).unwrap_or(0);
                            let msg = it.collect::<Vec<_>>().join(" ");
                            let pr = results
                                .entry(name)
                                .or_default()
                                .points
                                .entry(p)
                                .or_default();
                            if tag == "PF" {
                                pr.f_panic = Some(msg);
                            } else {
                                pr.grad_panic = Some(msg);
                            }
                        }
                        "V" => {
                            let p: usize = it.next().and_then(|t| t.parse().ok()).unwrap_or(0);
                            let pr = results
                                .entry(name)
                                .or_default()
                                .points
                                .entry(p)
                                .or_default();
                            pr.f0 = num(it.next());
                            pr.value = num(it.next());
                            pr.grad = it.map(|t| num(Some(t))).collect();
                        }
                        "D" => {
                            let p: usize = it.next().and_then(|t| t.parse().ok()).unwrap_or(0);
                            let _k: usize = it.next().and_then(|t| t.parse().ok()).unwrap_or(0);
                            let v: Vec<f64> = it.map(|t| num(Some(t))).collect();
                            if v.len() == 12 {
                                let pr = results
                                    .entry(name)
                                    .or_default()
                                    .points
                                    .entry(p)
                                    .or_default();
                                let q = |i: usize| (v[i], v[i + 1], v[i + 2], v[i + 3]);
                                pr.diffs.push(Diffs {
                                    at: [q(0), q(4), q(8)],
                                });
                            }
                        }
                        _ => {}
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    hung = true;
                    let _ = child.kill();
                    break;
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
        let status = child.wait()?;
        let _ = reader.join();
        let err_text = err_reader.join().unwrap_or_default();
        if let Some(name) = current {
            let abort = if hung {
                Abort::Hang {
                    point: stage.0,
                    stage: stage.1.clone(),
                }
            } else {
                Abort::Crash {
                    point: stage.0,
                    stage: stage.1.clone(),
                    stderr: format!("{status}: {}", err_text.trim()),
                }
            };
            results.entry(name).or_default().aborted = Some(abort);
        } else if !status.success() && !pending.is_empty() {
            // Died between modules: nothing to blame, and no progress.
            return Err(std::io::Error::other(format!(
                "the batch binary failed outside any program: {status}: {err_text}"
            )));
        }
        if !progressed {
            // The binary does not know the remaining modules.
            break;
        }
    }
    Ok(results)
}
