//! The whole pipeline for a set of programs: check the plain copies, build
//! with the macro, run, and judge, ending in one [`Outcome`] per program.

use crate::ast::Program;
use crate::build::{self, BuildError, Compiled, Diag, Workspace};
use crate::check::{self, Verdict, WrongKind};
use crate::run;
use std::time::Instant;

/// The classes of the summary table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    /// Every checked gradient entry agrees with the differences.
    Correct,
    /// It compiled and ran, but every entry was skipped (non-smooth points).
    Unchecked,
    /// The gradient (or value) is wrong, or `f_grad` panicked or hung.
    Wrong,
    /// The expansion does not compile.
    BadCode,
    /// gradmacro rejected the function with its own message.
    Rejected,
    /// The macro panicked.
    Panic,
    /// The program itself is not valid Rust, or `f` misbehaved: a fuzzer bug.
    Invalid,
}

impl Class {
    pub const ALL: [Class; 7] = [
        Class::Correct,
        Class::Unchecked,
        Class::Wrong,
        Class::BadCode,
        Class::Rejected,
        Class::Panic,
        Class::Invalid,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Class::Correct => "correct",
            Class::Unchecked => "unchecked",
            Class::Wrong => "wrong",
            Class::BadCode => "badcode",
            Class::Rejected => "rejected",
            Class::Panic => "panic",
            Class::Invalid => "invalid",
        }
    }

    /// Classes that make the run fail.
    pub fn is_failure(self) -> bool {
        matches!(self, Class::Wrong | Class::BadCode | Class::Panic)
    }
}

/// What happened to one program.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub class: Class,
    pub compiled: Compiled,
    pub verdict: Option<Verdict>,
}

/// Strips digits and backticked names, to compare messages across programs.
fn normalise(s: &str) -> String {
    let d = Diag {
        code: None,
        message: s.to_string(),
        rendered: String::new(),
        in_runner: false,
    };
    d.signature()
}

/// A rejection message without the list of supported constructs and
/// without numbers (which vary with generated names).
fn rejection(message: &str) -> String {
    message
        .split(": gradmacro differentiates")
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_ascii_digit())
        .collect()
}

/// The panic message inside a "custom attribute panicked" diagnostic.
pub fn panic_message(d: &Diag) -> String {
    d.rendered
        .lines()
        .find_map(|l| l.split_once("message: ").map(|(_, m)| m.trim().to_string()))
        .unwrap_or_else(|| d.message.clone())
}

impl Outcome {
    /// A short key that equal failures share; the shrinker keeps it.
    pub fn signature(&self) -> String {
        let first = |ds: &[Diag], pred: &dyn Fn(&Diag) -> bool| {
            ds.iter().find(|d| pred(d)).or(ds.first()).cloned()
        };
        match (&self.compiled, &self.verdict) {
            (Compiled::Invalid(ds), _) => format!(
                "invalid: {}",
                ds.first().map(Diag::signature).unwrap_or_default()
            ),
            // gradmacro's sentence names the construct in backticks: keep
            // it, but not the list of what is supported, nor numbers.
            (Compiled::Rejected(ds), _) => format!(
                "rejected: {}",
                first(ds, &Diag::is_gradmacro)
                    .map(|d| rejection(&d.message))
                    .unwrap_or_default()
            ),
            (Compiled::Panic(ds), _) => format!(
                "panic: {}",
                first(ds, &Diag::is_panic)
                    .map(|d| normalise(&panic_message(&d)))
                    .unwrap_or_default()
            ),
            (Compiled::BadCode(ds), _) => format!(
                "badcode: {}",
                first(ds, &|d: &Diag| !d.in_runner)
                    .map(|d| d.signature())
                    .unwrap_or_default()
            ),
            (Compiled::Ok, Some(Verdict::Wrong { kind, .. })) => match kind {
                WrongKind::Gradient => "wrong: gradient".into(),
                WrongKind::Value => "wrong: value".into(),
                WrongKind::Panic(m) => format!("wrong: f_grad panicked: {}", normalise(m)),
                WrongKind::Hang => "wrong: f_grad hangs".into(),
                WrongKind::Crash(_) => "wrong: f_grad crashes".into(),
            },
            (Compiled::Ok, Some(Verdict::Invalid(m))) => format!("invalid: {}", normalise(m)),
            (Compiled::Ok, _) => self.class.name().into(),
        }
    }
}

/// Time spent per phase, for the progress lines.
#[derive(Clone, Copy, Debug, Default)]
pub struct Timing {
    pub plain: f64,
    pub build: f64,
    pub run: f64,
}

/// Evaluates `programs` as one batch.
pub fn evaluate(
    ws: &Workspace,
    programs: &[Program],
) -> Result<(Vec<Outcome>, Timing), BuildError> {
    let mut timing = Timing::default();
    let refs: Vec<&Program> = programs.iter().collect();
    let t = Instant::now();
    let plain = build::check_plain(ws, &refs)?;
    timing.plain = t.elapsed().as_secs_f64();
    let mut outcomes: Vec<Option<Outcome>> = vec![None; programs.len()];
    let mut valid = Vec::new();
    for (i, p) in plain.into_iter().enumerate() {
        match p {
            Some(diags) => {
                outcomes[i] = Some(Outcome {
                    class: Class::Invalid,
                    compiled: Compiled::Invalid(diags),
                    verdict: None,
                })
            }
            None => valid.push(i),
        }
    }
    let valid_programs: Vec<&Program> = valid.iter().map(|&i| &programs[i]).collect();
    let t = Instant::now();
    let (compiled, exe) = build::build_batch(ws, &valid_programs)?;
    timing.build = t.elapsed().as_secs_f64();
    let to_run: Vec<String> = compiled
        .iter()
        .enumerate()
        .filter(|(_, c)| matches!(c, Compiled::Ok))
        .map(|(k, _)| build::module_name(k))
        .collect();
    let t = Instant::now();
    let runs = match (&exe, to_run.is_empty()) {
        (Some(exe), false) => run::run(exe, &to_run)?,
        _ => Default::default(),
    };
    timing.run = t.elapsed().as_secs_f64();
    for (k, c) in compiled.into_iter().enumerate() {
        let i = valid[k];
        let outcome = match c {
            Compiled::Ok => {
                let v = check::verdict(&programs[i], runs.get(&build::module_name(k)));
                let class = match &v {
                    Verdict::Correct { .. } => Class::Correct,
                    Verdict::Unchecked { .. } => Class::Unchecked,
                    Verdict::Wrong { .. } => Class::Wrong,
                    Verdict::Invalid(_) => Class::Invalid,
                };
                Outcome {
                    class,
                    compiled: Compiled::Ok,
                    verdict: Some(v),
                }
            }
            Compiled::Invalid(d) => Outcome {
                class: Class::Invalid,
                compiled: Compiled::Invalid(d),
                verdict: None,
            },
            Compiled::Rejected(d) => Outcome {
                class: Class::Rejected,
                compiled: Compiled::Rejected(d),
                verdict: None,
            },
            Compiled::Panic(d) => Outcome {
                class: Class::Panic,
                compiled: Compiled::Panic(d),
                verdict: None,
            },
            Compiled::BadCode(d) => Outcome {
                class: Class::BadCode,
                compiled: Compiled::BadCode(d),
                verdict: None,
            },
        };
        outcomes[i] = Some(outcome);
    }
    Ok((outcomes.into_iter().map(Option::unwrap).collect(), timing))
}
