//! `gradmacro-fuzz`: a random-program differential tester for gradmacro.
//!
//! It generates random, well-typed numeric Rust functions covering the
//! constructs the README lists as supported, compiles them in batches with
//! `#[differentiate]`, and checks each generated gradient against central
//! finite differences of the original function. Every program is classified
//! (correct, wrong, badcode, rejected, panic; see [`eval::Class`]); failures
//! are shrunk to small reproducers. See `fuzz/README.md` for the commands.
//!
//! ```text
//! cargo run --release -p gradmacro-fuzz -- --seed 1 --count 300
//! cargo run --release -p gradmacro-fuzz -- --only 0x5eed...
//! ```

mod ast;
mod build;
mod check;
mod eval;
mod gen;
mod render;
mod report;
mod run;
mod shrink;

use ast::Program;
use build::Workspace;
use eval::{Class, Outcome};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

const USAGE: &str = "\
usage: gradmacro-fuzz [--seed S] [--count N] [--batch B] [--only FSEED] [--print]
                      [--no-shrink] [--shrink-secs T] [--max-shrink K] [--show-rejected]
                      [--work DIR] [--verbose]

  --seed S          run seed (default 1); program i has seed mix(S, i)
  --count N         programs to generate (default 300)
  --batch B         programs per compiled batch (default 150)
  --only FSEED      regenerate and test the single program of seed FSEED
  --print           with --only: print the program's source first
  --no-shrink       report failures as generated
  --shrink-secs T   time budget for shrinking, in seconds (default 180)
  --max-shrink K    shrink at most K failures (default 6)
  --show-rejected   also print a reproducer for each kind of rejection
  --work DIR        work directory (default <workspace>/target/fuzz-work)
  --verbose         show cargo's output
  --dump            print the programs' sources and stop (no build)";

/// Command-line options.
struct Options {
    seed: u64,
    count: usize,
    batch: usize,
    only: Option<u64>,
    print: bool,
    shrink: bool,
    shrink_secs: u64,
    max_shrink: usize,
    show_rejected: bool,
    work: Option<PathBuf>,
    verbose: bool,
    dump: bool,
}

fn parse_u64(s: &str) -> Result<u64, String> {
    let r = if let Some(hex) = s.strip_prefix("0x") {
        u64::from_str_radix(hex, 16)
    } else {
        s.parse()
    };
    r.map_err(|e| format!("bad number `{s}`: {e}"))
}

fn parse_args() -> Result<Options, String> {
    let mut o = Options {
        seed: 1,
        count: 300,
        batch: 150,
        only: None,
        print: false,
        shrink: true,
        shrink_secs: 180,
        max_shrink: 6,
        show_rejected: false,
        work: None,
        verbose: false,
        dump: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or(format!("`{a}` needs a value"));
        match a.as_str() {
            "--seed" => o.seed = parse_u64(&value()?)?,
            "--count" => o.count = parse_u64(&value()?)? as usize,
            "--batch" => o.batch = (parse_u64(&value()?)? as usize).max(1),
            "--only" => o.only = Some(parse_u64(&value()?)?),
            "--print" => o.print = true,
            "--no-shrink" => o.shrink = false,
            "--shrink-secs" => o.shrink_secs = parse_u64(&value()?)?,
            "--max-shrink" => o.max_shrink = parse_u64(&value()?)? as usize,
            "--show-rejected" => o.show_rejected = true,
            "--work" => o.work = Some(PathBuf::from(value()?)),
            "--verbose" => o.verbose = true,
            "--dump" => o.dump = true,
            "-h" | "--help" => return Err(USAGE.into()),
            _ => return Err(format!("unknown argument `{a}`\n{USAGE}")),
        }
    }
    Ok(o)
}

/// SplitMix64: decorrelates consecutive seeds.
fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The seed of program `index` of a run with seed `seed`.
fn program_seed(seed: u64, index: usize) -> u64 {
    splitmix(seed ^ splitmix(index as u64))
}

/// The work directories, next to the workspace this crate belongs to.
fn workspace(o: &Options) -> Workspace {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the fuzz crate lives in the workspace")
        .to_path_buf();
    let lock = root.join("Cargo.lock");
    Workspace {
        root: o
            .work
            .clone()
            .unwrap_or_else(|| root.join("target").join("fuzz-work")),
        gradmacro: root.join("gradmacro"),
        lock: lock.exists().then_some(lock),
        verbose: o.verbose,
    }
}

fn main() -> ExitCode {
    let o = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    match fuzz(&o) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {}", e.0);
            ExitCode::from(2)
        }
    }
}

/// Runs the fuzzer; `Ok(true)` when nothing failed.
fn fuzz(o: &Options) -> Result<bool, build::BuildError> {
    let ws = workspace(o);
    std::fs::create_dir_all(&ws.root)?;
    let start = Instant::now();
    let seeds: Vec<u64> = match o.only {
        Some(s) => vec![s],
        None => (0..o.count).map(|i| program_seed(o.seed, i)).collect(),
    };
    if o.dump {
        for &s in &seeds {
            let p = gen::program(s);
            println!(
                "// seed {s:#018x}, tags {:?}\n{}",
                p.tags,
                render::program_source(&p, true)
            );
        }
        return Ok(true);
    }
    if let (Some(_), true) = (o.only, o.print) {
        let p = gen::program(seeds[0]);
        println!("{}", render::program_source(&p, true));
    }
    match o.only {
        Some(s) => println!("gradmacro-fuzz: program {s:#018x}"),
        None => println!(
            "gradmacro-fuzz: seed {}, {} programs in batches of {}",
            o.seed, o.count, o.batch
        ),
    }
    let mut results: Vec<(Program, Outcome)> = Vec::new();
    for (b, chunk) in seeds.chunks(o.batch).enumerate() {
        let t = Instant::now();
        let programs: Vec<Program> = chunk.iter().map(|&s| gen::program(s)).collect();
        let (outcomes, timing) = eval::evaluate(&ws, &programs)?;
        let mut counts: BTreeMap<Class, usize> = BTreeMap::new();
        for o in &outcomes {
            *counts.entry(o.class).or_default() += 1;
        }
        let counts = counts
            .iter()
            .map(|(c, n)| format!("{} {n}", c.name()))
            .collect::<Vec<_>>()
            .join(", ");
        println!(
            "batch {}: {} programs in {:.0}s (plain check {:.0}s, build {:.0}s, run {:.0}s): {counts}",
            b + 1,
            programs.len(),
            t.elapsed().as_secs_f64(),
            timing.plain,
            timing.build,
            timing.run
        );
        results.extend(programs.into_iter().zip(outcomes));
    }
    let mut summary = report::Summary::default();
    for (p, out) in &results {
        summary.add(p, out);
    }
    report_failures(o, &ws, &results)?;
    println!("\n=== summary ({:.0}s) ===", start.elapsed().as_secs_f64());
    print!("{}", summary.table());
    if o.only.is_none() {
        println!("\n=== constructs (programs using each, and those not correct) ===");
        print!("{}", summary.tag_table());
    }
    Ok(summary.failures() == 0)
}

/// Groups failures by signature, shrinks a few, and prints reproducers.
fn report_failures(
    o: &Options,
    ws: &Workspace,
    results: &[(Program, Outcome)],
) -> Result<(), build::BuildError> {
    let mut groups: BTreeMap<(Class, String), Vec<usize>> = BTreeMap::new();
    for (i, (_, out)) in results.iter().enumerate() {
        if out.class.is_failure() || matches!(out.class, Class::Invalid | Class::Rejected) {
            groups
                .entry((out.class, out.signature()))
                .or_default()
                .push(i);
        }
    }
    if groups.is_empty() {
        return Ok(());
    }
    // Rejections are listed by message; the rest get reproducers.
    let rejections: Vec<(&String, &Vec<usize>)> = groups
        .iter()
        .filter(|((c, _), _)| *c == Class::Rejected)
        .map(|((_, s), v)| (s, v))
        .collect();
    if !rejections.is_empty() {
        println!("\n=== rejections (gradmacro's own errors; not failures) ===");
        for (sig, members) in &rejections {
            let seeds: Vec<String> = members
                .iter()
                .take(4)
                .map(|&i| format!("{:#018x}", results[i].0.seed))
                .collect();
            println!(
                "{:>4} x {sig}\n       e.g. --only {}",
                members.len(),
                seeds.join(", ")
            );
        }
    }
    // Which programs to shrink: the first of each failure group, then more
    // members of the largest groups (one signature can hide several bugs).
    let failure_groups: Vec<(&(Class, String), &Vec<usize>)> = groups
        .iter()
        .filter(|((c, _), _)| *c != Class::Rejected || o.show_rejected)
        .collect();
    let mut chosen: Vec<usize> = Vec::new();
    for round in 0..3 {
        // Invalid programs are the fuzzer's bugs: reported as generated.
        for (_, members) in failure_groups
            .iter()
            .filter(|((c, _), _)| *c != Class::Invalid)
        {
            if chosen.len() < o.max_shrink {
                if let Some(&i) = members.get(round) {
                    chosen.push(i);
                }
            }
        }
    }
    let mut shrunk: BTreeMap<usize, (Program, Outcome)> = BTreeMap::new();
    if o.shrink && !chosen.is_empty() {
        let t = Instant::now();
        let mut targets: Vec<shrink::Target> = chosen
            .iter()
            .map(|&i| shrink::Target::new(results[i].0.clone(), results[i].1.clone()))
            .collect();
        let rounds = shrink::shrink(ws, &mut targets, Duration::from_secs(o.shrink_secs))?;
        println!(
            "\nshrunk {} failures in {rounds} rounds ({:.0}s)",
            chosen.len(),
            t.elapsed().as_secs_f64()
        );
        for (&i, t) in chosen.iter().zip(targets) {
            shrunk.insert(i, (t.program, t.outcome));
        }
    }
    let total: usize = failure_groups.iter().map(|(_, m)| m.len()).sum();
    println!(
        "\n=== {total} failing programs in {} groups ===",
        failure_groups.len()
    );
    for ((class, sig), members) in &failure_groups {
        println!(
            "\n##### {} x {} — {sig}",
            members.len(),
            class.name().to_uppercase()
        );
        let seeds: Vec<String> = members
            .iter()
            .map(|&i| format!("{:#018x}", results[i].0.seed))
            .collect();
        println!("programs: {}", seeds.join(" "));
        for &i in members.iter() {
            let p = &results[i].0;
            let Some((q, qo)) = shrunk.get(&i) else {
                continue;
            };
            println!(
                "\n-- program {:#018x}, reproduce: cargo run --release -p gradmacro-fuzz -- --only {:#018x}",
                p.seed, p.seed
            );
            println!(
                "   shrunk from {} to {} characters",
                render::size(p),
                render::size(q)
            );
            print!("{}", report::reproducer(q, qo));
        }
        if !members.iter().any(|i| shrunk.contains_key(i)) {
            let (p, out) = &results[members[0]];
            println!(
                "\n-- program {:#018x} (not shrunk), reproduce: cargo run --release -p gradmacro-fuzz -- --only {:#018x}",
                p.seed, p.seed
            );
            print!("{}", report::reproducer(p, out));
        }
    }
    Ok(())
}
