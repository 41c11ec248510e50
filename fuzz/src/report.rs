//! Reproducers and the summary table.

use crate::ast::Program;
use crate::build::{Compiled, Diag};
use crate::check::{Verdict, WrongKind};
use crate::eval::{panic_message, Class, Outcome};
use crate::render;
use std::collections::BTreeMap;
use std::fmt::Write;

/// At most `n` lines of `s`.
fn clip(s: &str, n: usize) -> String {
    let lines: Vec<&str> = s.lines().collect();
    if lines.len() <= n {
        s.trim_end().to_string()
    } else {
        format!(
            "{}\n    ... ({} more lines)",
            lines[..n].join("\n"),
            lines.len() - n
        )
    }
}

fn diagnostics(ds: &[Diag], pred: &dyn Fn(&Diag) -> bool) -> String {
    let mut s = String::new();
    let chosen: Vec<&Diag> = {
        let mut v: Vec<&Diag> = ds.iter().filter(|d| pred(d)).collect();
        if v.is_empty() {
            v = ds.iter().collect();
        }
        v
    };
    for d in chosen.iter().take(3) {
        let _ = writeln!(s, "{}", clip(&d.rendered, 30));
        if d.in_runner {
            let _ = writeln!(
                s,
                "  (in the runner: the generated `f_grad` does not have the documented signature)"
            );
        }
    }
    if chosen.len() > 3 {
        let _ = writeln!(s, "... and {} more errors", chosen.len() - 3);
    }
    s
}

/// The reproducer of a failing (or rejected) program.
pub fn reproducer(p: &Program, o: &Outcome) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "--- source ---");
    s.push_str(&render::program_source(p, true));
    let f = &p.main;
    match (&o.compiled, &o.verdict) {
        (Compiled::BadCode(ds), _) => {
            let _ = writeln!(s, "--- the expansion does not compile ---");
            s.push_str(&diagnostics(ds, &|d: &Diag| !d.in_runner));
        }
        (Compiled::Rejected(ds), _) => {
            let _ = writeln!(s, "--- gradmacro rejects it ---");
            s.push_str(&diagnostics(ds, &Diag::is_gradmacro));
        }
        (Compiled::Panic(ds), _) => {
            let _ = writeln!(s, "--- the macro panics ---");
            if let Some(d) = ds.iter().find(|d| d.is_panic()) {
                let _ = writeln!(s, "{}", panic_message(d));
            }
        }
        (Compiled::Invalid(ds), _) => {
            let _ = writeln!(s, "--- the program is not valid Rust (a fuzzer bug) ---");
            s.push_str(&diagnostics(ds, &|_| true));
        }
        (
            Compiled::Ok,
            Some(Verdict::Wrong {
                kind,
                point,
                mismatches,
                values,
            }),
        ) => {
            let _ = writeln!(s, "--- inputs (point {point}) ---");
            let _ = writeln!(s, "{}", render::describe_point(f, &p.points[*point]));
            match kind {
                WrongKind::Gradient => {
                    let _ = writeln!(s, "--- gradient: generated vs central differences ---");
                    let _ = writeln!(s, "value {:?}", values.0);
                    for m in mismatches {
                        let _ = writeln!(
                            s,
                            "d f / d {}: f_grad gives {:?}, differences give {:?} (allowed error {:.1e})",
                            render::coord_name(f, m.coord),
                            m.ad,
                            m.fd,
                            m.allowed
                        );
                    }
                }
                WrongKind::Value => {
                    let _ = writeln!(
                        s,
                        "--- value ---\nf returns {:?}, f_grad returns {:?}",
                        values.0, values.1
                    );
                }
                WrongKind::Panic(m) => {
                    let _ = writeln!(s, "--- f_grad panics (f does not) ---\n{m}");
                }
                WrongKind::Hang => {
                    let _ = writeln!(s, "--- f_grad does not return (f does) ---");
                }
                WrongKind::Crash(m) => {
                    let _ = writeln!(s, "--- the process dies in f_grad ---\n{m}");
                }
            }
        }
        (_, Some(v)) => {
            let _ = writeln!(s, "--- verdict ---\n{v:?}");
        }
        _ => {}
    }
    s
}

/// Counts per class and the construct statistics.
#[derive(Default)]
pub struct Summary {
    pub counts: BTreeMap<Class, usize>,
    /// Per tag: programs, and how many of them ended in each non-correct class.
    pub tags: BTreeMap<&'static str, (usize, BTreeMap<Class, usize>)>,
    pub checked: usize,
    pub skipped: usize,
}

impl Summary {
    pub fn add(&mut self, p: &Program, o: &Outcome) {
        *self.counts.entry(o.class).or_default() += 1;
        for &t in &p.tags {
            let e = self.tags.entry(t).or_default();
            e.0 += 1;
            if o.class != Class::Correct {
                *e.1.entry(o.class).or_default() += 1;
            }
        }
        if let Some(Verdict::Correct { checked, skipped }) = &o.verdict {
            self.checked += checked;
            self.skipped += skipped;
        }
    }

    pub fn failures(&self) -> usize {
        self.counts
            .iter()
            .filter(|(c, _)| c.is_failure())
            .map(|(_, n)| n)
            .sum()
    }

    /// The table printed at the end.
    pub fn table(&self) -> String {
        let mut s = String::new();
        let total: usize = self.counts.values().sum();
        let _ = writeln!(s, "{:<11} {:>6}", "class", "count");
        for c in Class::ALL {
            let _ = writeln!(
                s,
                "{:<11} {:>6}",
                c.name(),
                self.counts.get(&c).copied().unwrap_or(0)
            );
        }
        let _ = writeln!(s, "{:<11} {:>6}", "total", total);
        let _ = writeln!(
            s,
            "gradient entries checked in correct programs: {} (skipped at non-smooth points: {})",
            self.checked, self.skipped
        );
        s
    }

    /// Constructs by how often programs using them did not come out correct.
    pub fn tag_table(&self) -> String {
        let mut rows: Vec<(&'static str, usize, &BTreeMap<Class, usize>)> =
            self.tags.iter().map(|(t, (n, m))| (*t, *n, m)).collect();
        rows.sort_by(|a, b| {
            let fa: usize =
                a.2.iter()
                    .filter(|(c, _)| **c != Class::Unchecked)
                    .map(|(_, n)| n)
                    .sum();
            let fb: usize =
                b.2.iter()
                    .filter(|(c, _)| **c != Class::Unchecked)
                    .map(|(_, n)| n)
                    .sum();
            (fb * 1000 / b.1.max(1)).cmp(&(fa * 1000 / a.1.max(1)))
        });
        let mut s = String::new();
        let _ = writeln!(s, "{:<30} {:>8}  not correct", "construct", "programs");
        for (t, n, m) in rows {
            let detail = m
                .iter()
                .map(|(c, k)| format!("{} {k}", c.name()))
                .collect::<Vec<_>>()
                .join(", ");
            let _ = writeln!(s, "{t:<30} {n:>8}  {detail}");
        }
        s
    }
}
