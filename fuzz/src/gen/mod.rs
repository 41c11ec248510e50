//! The random program generator.
//!
//! A program is a pure function of its seed: [`program`] seeds a
//! [`fastrand::Rng`] with it and makes every choice from that generator, so
//! `--only SEED` rebuilds exactly the function a run reported.
//!
//! The generator tracks a typed scope (floats, references to floats,
//! integers with their value ranges, buffers with their lengths) so that what
//! it writes compiles: indices are provably in bounds, loops terminate (every
//! `while` and `loop` counts its iterations), `ln`/`sqrt` only see positive
//! forms such as `x * x + 1.0`, and magnitudes stay bounded (see
//! [`interval`]). It covers the constructs of the README's "Supported so far"
//! table, out-parameters included (helpers returning `()` that write into a
//! `&mut` they are lent, and the calls lending it), range slices, `windows`
//! and `chunks`, nested vectors, named closures, `if let`/`while let`/
//! `matches!`, references and boxes, buffer methods and assertions, and the
//! loop shapes of code ported from C (running indices into packed storage,
//! scratch buffers refilled per component, sums used after their loop); a few
//! rarely-used constructs (labels, guards, ranges in patterns, tuple
//! patterns, block values); and, in a small fraction of programs, one probe
//! at the edge of the table, which gradmacro must either reject cleanly or
//! differentiate correctly.
//!
//! Borrowing is kept valid by construction: what is lent `&mut` is not read
//! by the arguments evaluated after the borrow, buffers borrowed by a loop,
//! an `if let` or a reference are frozen (not written) while borrowed, and
//! closures are used right after they are written, never later.
//!
//! This module holds the generator's state and the types of its scope;
//! [`scope`] the random choices and scope handling, [`function`] whole
//! programs and functions, [`stmt`] statements, [`expr`] expressions,
//! [`helper`] the helpers `f` calls, [`probe`] the edge probes.

mod expr;
mod function;
mod helper;
pub mod interval;
mod probe;
mod scope;
mod stmt;

use crate::ast::*;
use fastrand::Rng;
use interval::Iv;

/// The range parameters are sampled from.
pub const INPUT_RANGE: f64 = 1.5;

/// Values bound to variables are kept below this magnitude.
const LIMIT: f64 = 1e3;

/// The number of input points per program.
pub const POINTS: usize = 4;

/// Bounds an index into a buffer whose length is not known when the program
/// is written (a helper's slice parameter, `vec![0.0; n]` of a variable `n`):
/// longer than any buffer the generator makes, so that no other buffer is
/// indexed by it unwrapped.
const UNKNOWN_LEN: u64 = 64;

/// What a variable in scope holds.
#[derive(Clone, Debug, PartialEq)]
enum VTy {
    /// A float of the function's type.
    F,
    /// An `f32` parameter of an `f64` function, read through a cast.
    F32Param,
    /// A `&f64` parameter, read as `*r`.
    RefParam,
    /// A `&f64` from an iterator or closure parameter.
    RefF,
    /// A `&mut f64` from `iter_mut` (`mutable`), or a helper's `&mut f64`
    /// out-parameter (not `mutable`: only its final update writes it).
    MutRef,
    /// A `Box<f64>`, read as `*b`.
    Boxed,
    /// A `usize` whose value lies in `lo..=hi`.
    Usize { lo: u64, hi: u64 },
    /// An `i32` constant parameter.
    Int,
    /// A `bool` constant parameter.
    Bool,
    /// A `&[usize]` constant parameter of `len` values, at most `hi`.
    Labels { len: usize, hi: u64 },
    /// A `Mode` (enum) constant parameter.
    Mode,
    /// A buffer; `len` is its exact length when known at generation time
    /// (always, except for a helper's slice parameters).
    Buf { len: Option<usize>, kind: BufKind },
    /// `[[f; cols]; rows]`, `&[[f; cols]]`, `&[Vec<f>]` or `&Vec<Vec<f>>`.
    Mat {
        rows: usize,
        cols: usize,
        kind: MatKind,
    },
    /// A pair `(f, f)` read as `t.0`, `t.1`.
    Pair,
}

/// How a buffer was made, which decides how it is passed and iterated.
#[derive(Clone, Copy, Debug, PartialEq)]
enum BufKind {
    Slice,
    VecRef,
    Array,
    Vec,
    LocalArray,
    /// A helper's `&mut [f]` out-parameter.
    MutSlice,
}

/// How a matrix parameter is stored, which decides the type of its rows.
#[derive(Clone, Copy, Debug, PartialEq)]
enum MatKind {
    /// `[[f; C]; R]` or `&[[f; C]]`: rows are `[f; C]`.
    Arrays,
    /// `&[Vec<f>]` or `&Vec<Vec<f>>`: rows are `Vec<f>`.
    Vecs,
}

/// A variable in scope.
#[derive(Clone, Debug)]
struct Var {
    name: String,
    ty: VTy,
    /// Whether the program may assign it (or write its elements).
    mutable: bool,
    /// The bound of its value (of its elements, for buffers).
    iv: Iv,
    /// How often it was read: the generator prefers unread variables, so
    /// that what is computed reaches the output.
    reads: u32,
}

/// An enclosing loop.
#[derive(Clone, Debug)]
struct LoopCtx {
    label: Option<String>,
    /// A `loop` whose value is used: its `break`s carry a value.
    value: bool,
}

/// A helper's parameter, as callers must supply it.
#[derive(Clone, Debug, PartialEq)]
enum HParam {
    F,
    Slice,
    /// A `usize` the helper relies on lying in `1..=max`.
    Count(u64),
    /// The recursion depth of a recursive helper, `0..=3`.
    Depth,
    /// A `&mut [f]` out-parameter: callers lend a buffer of any length.
    OutSlice,
    /// A `&mut f` out-parameter: callers lend a float variable or element.
    OutF,
}

/// What an out-parameter helper does to what it is lent.
#[derive(Clone, Copy, Debug, PartialEq)]
enum OutEffect {
    /// Overwrites every element with a value within the helper's bound.
    Overwrite,
    /// `*x += e` with `e` within the helper's bound.
    Add,
    /// `*x = 0.5 * *x + e` with `e` within the helper's bound.
    Mix,
}

/// A helper callable from later functions.
#[derive(Clone, Debug)]
struct HelperSig {
    name: String,
    params: Vec<HParam>,
    /// Bound of its result (of what it writes, for an out-parameter helper).
    iv: Iv,
    /// `Some` for a helper returning `()` that writes its out-parameter
    /// (the last of `params`, or the first).
    out: Option<OutEffect>,
}

/// A program's emphasis: each style scales the weights of some statement
/// kinds, so that runs contain programs dense in buffers or loops as well as
/// balanced ones.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Style {
    Balanced,
    Buffers,
    Loops,
    Scalar,
}

/// Generator state for one program.
pub struct Gen {
    rng: Rng,
    fl: Fl,
    vars: Vec<Var>,
    loops: Vec<LoopCtx>,
    names: usize,
    /// Statements left for the function being generated.
    budget: i32,
    /// Product of the trip counts of the enclosing loops.
    trips: u64,
    /// Statement nesting depth.
    depth: u32,
    /// Inside a closure: no statements, `break`, `continue` or `return`.
    closure: bool,
    /// Buffers being iterated, which must not be written.
    frozen: Vec<String>,
    helpers: Vec<HelperSig>,
    /// Whether rarely-used constructs are enabled for this program.
    rare: bool,
    /// The program's emphasis.
    style: Style,
    /// Whether the program calls `gradmacro::vector` rules.
    vectors: bool,
    /// Whether valid Rust beyond the README's table (labelled blocks) may
    /// appear: gradmacro should reject it cleanly.
    exotic: bool,
    /// The vector rules it called.
    vector_rules: Vec<&'static str>,
    /// Maximum expression depth.
    max_depth: u32,
    tags: Vec<&'static str>,
    /// Buffers iterated mutably (`iter_mut`), which must not even be read.
    frozen_mut: Vec<String>,
    /// The bound of the last function's result.
    last_tail_iv: Iv,
    /// The function being generated returns `()`: no `return e`.
    unit: bool,
}

/// Generates the program of seed `seed`.
pub fn program(seed: u64) -> Program {
    let mut g = Gen::new(seed);
    g.program(seed)
}

impl Gen {
    fn new(seed: u64) -> Gen {
        Gen {
            rng: Rng::with_seed(seed),
            fl: Fl::F64,
            vars: Vec::new(),
            loops: Vec::new(),
            // Parameters are numbered below 10: fresh names never collide.
            names: 10,
            budget: 0,
            trips: 1,
            depth: 0,
            closure: false,
            frozen: Vec::new(),
            helpers: Vec::new(),
            rare: false,
            style: Style::Balanced,
            vectors: false,
            exotic: false,
            vector_rules: Vec::new(),
            max_depth: 3,
            tags: Vec::new(),
            frozen_mut: Vec::new(),
            last_tail_iv: Iv::sym(1.0),
            unit: false,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn programs_are_pure_functions_of_their_seed() {
        for seed in 0..40u64 {
            let p = super::program(seed);
            assert_eq!(p, super::program(seed));
            assert_eq!(p.points.len(), super::POINTS);
            assert!(p
                .points
                .iter()
                .all(|x| x.len() == crate::render::f32_mask(&p.main).len()));
        }
    }

    /// Running indices, scratch buffers refilled per component and sums
    /// used nonlinearly after their loop all come up in a few hundred seeds.
    #[test]
    fn programs_contain_the_loop_shapes_of_ported_c() {
        let tags: Vec<&str> = (0..300u64).flat_map(|s| super::program(s).tags).collect();
        for t in [
            "running index triangular",
            "running index per component",
            "running index guarded break",
            "running index counting down",
            "scratch refilled per component",
            "sum used nonlinearly after",
        ] {
            assert!(tags.contains(&t), "no program has {t:?}");
        }
    }
}
