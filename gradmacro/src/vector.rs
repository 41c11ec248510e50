//! Vector rules: whole-vector primitives with hand-written pullbacks.
//!
//! Differentiating a loop such as `Σ xᵢ yᵢ` or a stable `logsumexp` element by
//! element would save an intermediate for every element and walk them back one
//! at a time. The derivative of the whole operation is usually a short closed
//! formula instead (`∂(a·b)/∂a = b`, `∇ logsumexp = softmax`), which needs
//! nothing saved, reuses what the forward pass already computed (the shifted
//! exponentials of `logsumexp`), and is what a careful human writes. This
//! module holds those operations and their pullbacks, generic over `f32`/`f64`
//! through [`num_traits::Float`].
//!
//! # The pullback convention
//!
//! Each function `NAME` has a companion `NAME_pullback` with the convention of
//! the `NAME_pullback` functions that `#[differentiate]` generates: it takes the
//! same parameters followed by the output adjoint `seed`, and returns the
//! primal output (bit-identical to `NAME`) and a tuple holding the adjoint
//! `seed · ∂NAME/∂p` of every parameter in parameter order, with one entry
//! per parameter (a 1-tuple `(dx,)` for one parameter). The adjoint of a slice
//! `&[T]` is an owned `Vec<T>` of the same length, the adjoint of the rows
//! `&[R]` of a matrix is a `Vec<Vec<T>>` of the same shape, and the adjoint of
//! a scalar `T` is a `T`. For a vector output (`softmax`, `matvec`) `seed` is
//! a slice `&[T]` of the output's length and the output is a `Vec<T>`.
//!
//! ```
//! use gradmacro::vector::{dot, dot_pullback};
//!
//! let a = [1.0, 2.0, 3.0];
//! let b = [4.0, 5.0, 6.0];
//! assert_eq!(dot(&a, &b), 32.0);
//!
//! // The adjoints for an output adjoint of 0.5: 0.5·b and 0.5·a.
//! let (value, (da, db)) = dot_pullback(&a, &b, 0.5);
//! assert_eq!(value, 32.0);
//! assert_eq!(da, [2.0, 2.5, 3.0]);
//! assert_eq!(db, [0.5, 1.0, 1.5]);
//! ```
//!
//! # Conventions
//!
//! * **Lengths.** Slices that must have equal lengths (the two arguments of
//!   [`dot`], a row of the matrix and `x` in [`matvec`], `seed` and the
//!   output of a vector pullback) are checked, and a mismatch panics with a
//!   message naming the function and both lengths, as std does for
//!   [`slice::copy_from_slice`].
//! * **Sums** are accumulated left to right starting from `−0.0`, exactly as
//!   std's `Iterator::sum` does for `f32`/`f64`: `sum(x)` is bit-identical to
//!   `x.iter().sum()`, and an empty sum is `−0.0` (which `== 0.0`).
//! * **`logsumexp` and `softmax`** subtract the maximum before exponentiating,
//!   so neither overflows, and both are computed from the same shifted
//!   exponentials `eᵢ = exp(xᵢ − max)`: `logsumexp = max + ln_1p(Σ_{i≠k} eᵢ)`
//!   (`k` the first maximum, whose `eₖ = 1`), and `softmaxᵢ = eᵢ / Σ eᵢ`. The
//!   `ln_1p` keeps the result accurate when the other entries are negligible
//!   (`logsumexp([0, −40]) ≈ 4.2e−18`, not `0`), and dividing by the sum
//!   instead of computing `exp(xᵢ − logsumexp)` avoids the rounding error of
//!   `logsumexp` itself, which is large in absolute terms for large `|x|`.
//!   Where the input is not finite:
//!
//! | input | `logsumexp` | `softmax` (the gradient of `logsumexp`) |
//! |---|---|---|
//! | empty | `−inf` (the empty sum is 0) | empty |
//! | some `NaN` | `NaN` | every entry `NaN` |
//! | every entry `−inf` | `−inf` | every entry `0` (see below) |
//! | `k ≥ 1` entries `+inf`, no `NaN` | `+inf` | `1/k` at each `+inf`, `0` elsewhere |
//! | otherwise (some `−inf` allowed) | finite | finite; `0` at each `−inf` |
//!
//! The softmax of an all-`−inf` input is undefined (`0/0`). This module returns
//! zeros: an entry equal to `−inf` then always gets weight `0`, as it does when
//! some other entry is finite, so fully masked rows of a masked attention or
//! a masked log-likelihood pass no gradient (and no `NaN`) back. The `+inf`
//! row is the limit of the softmax as the `+inf` entries grow together, which
//! is why it sums to 1.

use core::fmt;
use num_traits::Float;

/// Panics for slices whose lengths do not fit together.
#[cold]
#[inline(never)]
#[track_caller]
fn mismatch(function: &str, message: fmt::Arguments<'_>) -> ! {
    panic!("gradmacro::vector::{function}: {message}")
}

/// Panics if `left != right`, naming the function and the two slices.
#[inline]
#[track_caller]
fn check_lengths(function: &str, left_name: &str, left: usize, right_name: &str, right: usize) {
    if left != right {
        mismatch(
            function,
            format_args!(
                "`{left_name}` and `{right_name}` have different lengths ({left} and {right})"
            ),
        );
    }
}

/// `m x` for the public `function`, checking every row's length.
#[inline]
#[track_caller]
fn matvec_checked<T: Float, R: AsRef<[T]>>(function: &str, m: &[R], x: &[T]) -> Vec<T> {
    let mut out = Vec::with_capacity(m.len());
    for (r, row) in m.iter().enumerate() {
        let row = row.as_ref();
        if row.len() != x.len() {
            mismatch(
                function,
                format_args!(
                    "row {r} of `m` has length {} but `x` has length {}",
                    row.len(),
                    x.len()
                ),
            );
        }
        out.push(dot_same_length(row, x));
    }
    out
}

/// `Σ aᵢbᵢ` left to right from `−0.0`, for slices of equal length.
#[inline]
fn dot_same_length<T: Float>(a: &[T], b: &[T]) -> T {
    a.iter()
        .zip(b)
        .fold(T::neg_zero(), |acc, (&ai, &bi)| acc + ai * bi)
}

/// `seed · v` for every entry of `v`.
#[inline]
fn scaled<T: Float>(v: &[T], seed: T) -> Vec<T> {
    v.iter().map(|&vi| seed * vi).collect()
}

/// The dot product `a · b = Σ aᵢbᵢ`; `∂/∂a = b`, `∂/∂b = a`.
///
/// # Panics
///
/// If `a` and `b` have different lengths.
#[inline]
#[track_caller]
pub fn dot<T: Float>(a: &[T], b: &[T]) -> T {
    check_lengths("dot", "a", a.len(), "b", b.len());
    dot_same_length(a, b)
}

/// Pullback of [`dot`]: the value and the adjoints `(seed·b, seed·a)`.
///
/// # Panics
///
/// If `a` and `b` have different lengths.
#[inline]
#[track_caller]
pub fn dot_pullback<T: Float>(a: &[T], b: &[T], seed: T) -> (T, (Vec<T>, Vec<T>)) {
    check_lengths("dot_pullback", "a", a.len(), "b", b.len());
    (dot_same_length(a, b), (scaled(b, seed), scaled(a, seed)))
}

/// Pullback of [`dot`] in the `_lent` convention of `#[differentiate]`
/// (`seed: Option`, then a `&mut` adjoint per buffer, added into in place):
/// how a differentiated caller composes `dot`, with no allocation.
///
/// # Panics
///
/// If `a`, `b` and the adjoints have different lengths.
#[inline]
#[track_caller]
pub fn dot_pullback_lent<T: Float>(
    a: &[T],
    b: &[T],
    seed: Option<T>,
    adjoint_a: &mut [T],
    adjoint_b: &mut [T],
) -> (T, ((), ())) {
    check_lengths("dot_pullback_lent", "a", a.len(), "b", b.len());
    check_lengths(
        "dot_pullback_lent",
        "a",
        a.len(),
        "adjoint_a",
        adjoint_a.len(),
    );
    check_lengths(
        "dot_pullback_lent",
        "b",
        b.len(),
        "adjoint_b",
        adjoint_b.len(),
    );
    if let Some(seed) = seed {
        for i in 0..a.len() {
            adjoint_a[i] = adjoint_a[i] + seed * b[i];
            adjoint_b[i] = adjoint_b[i] + seed * a[i];
        }
    }
    (dot_same_length(a, b), ((), ()))
}

/// The sum `Σ xᵢ` (bit-identical to `x.iter().sum()`); `∂/∂xᵢ = 1`.
#[inline]
pub fn sum<T: Float>(x: &[T]) -> T {
    x.iter().fold(T::neg_zero(), |acc, &xi| acc + xi)
}

/// Pullback of [`sum`]: the value and the adjoint `seed` for every entry.
#[inline]
pub fn sum_pullback<T: Float>(x: &[T], seed: T) -> (T, (Vec<T>,)) {
    (sum(x), (vec![seed; x.len()],))
}

/// Pullback of [`sum`] in the `_lent` convention (see [`dot_pullback_lent`]).
///
/// # Panics
///
/// If `x` and its adjoint have different lengths.
#[inline]
#[track_caller]
pub fn sum_pullback_lent<T: Float>(x: &[T], seed: Option<T>, adjoint_x: &mut [T]) -> (T, ((),)) {
    check_lengths(
        "sum_pullback_lent",
        "x",
        x.len(),
        "adjoint_x",
        adjoint_x.len(),
    );
    if let Some(seed) = seed {
        for entry in adjoint_x.iter_mut() {
            *entry = *entry + seed;
        }
    }
    (sum(x), ((),))
}

/// The squared Euclidean norm `‖x‖² = Σ xᵢ²`; `∂/∂x = 2x`.
#[inline]
pub fn squared_norm<T: Float>(x: &[T]) -> T {
    dot_same_length(x, x)
}

/// Pullback of [`squared_norm`]: the value and the adjoint `2·seed·x`.
#[inline]
pub fn squared_norm_pullback<T: Float>(x: &[T], seed: T) -> (T, (Vec<T>,)) {
    // seed + seed is exact (barring overflow), so each entry is rounded once.
    (squared_norm(x), (scaled(x, seed + seed),))
}

/// Pullback of [`squared_norm`] in the `_lent` convention (see
/// [`dot_pullback_lent`]).
///
/// # Panics
///
/// If `x` and its adjoint have different lengths.
#[inline]
#[track_caller]
pub fn squared_norm_pullback_lent<T: Float>(
    x: &[T],
    seed: Option<T>,
    adjoint_x: &mut [T],
) -> (T, ((),)) {
    check_lengths(
        "squared_norm_pullback_lent",
        "x",
        x.len(),
        "adjoint_x",
        adjoint_x.len(),
    );
    if let Some(seed) = seed {
        let twice = seed + seed;
        for (entry, &xi) in adjoint_x.iter_mut().zip(x) {
            *entry = *entry + twice * xi;
        }
    }
    (squared_norm(x), ((),))
}

/// Where the maximum of a `logsumexp`/`softmax` input is, and whether the
/// input is one of the special cases of the module's table.
enum Peak<T> {
    /// No entries.
    Empty,
    /// The first `NaN` entry.
    Nan(T),
    /// Every entry is `−inf`.
    AllNegInf,
    /// `count ≥ 1` entries are `+inf` (and none is `NaN`).
    PosInf { count: usize },
    /// The maximum is finite; `at` is the index of its first occurrence.
    Finite { max: T, at: usize },
}

fn peak<T: Float>(x: &[T]) -> Peak<T> {
    let Some(&first) = x.first() else {
        return Peak::Empty;
    };
    let (mut max, mut at, mut pos_inf) = (first, 0, 0);
    for (i, &xi) in x.iter().enumerate() {
        if xi.is_nan() {
            return Peak::Nan(xi);
        }
        if xi > max {
            (max, at) = (xi, i);
        }
        if xi == T::infinity() {
            pos_inf += 1;
        }
    }
    if pos_inf > 0 {
        Peak::PosInf { count: pos_inf }
    } else if max == T::neg_infinity() {
        Peak::AllNegInf
    } else {
        Peak::Finite { max, at }
    }
}

/// `logsumexp` from the sum of the shifted exponentials other than the
/// maximum's (which is exactly 1): `max + ln(1 + rest)`.
#[inline]
fn lse_from<T: Float>(max: T, rest: T) -> T {
    max + rest.ln_1p()
}

/// The value of `logsumexp` and the softmax weights (the module's table).
fn logsumexp_and_softmax<T: Float>(x: &[T]) -> (T, Vec<T>) {
    match peak(x) {
        Peak::Empty => (T::neg_infinity(), Vec::new()),
        Peak::Nan(nan) => (nan, vec![nan; x.len()]),
        Peak::AllNegInf => (T::neg_infinity(), vec![T::zero(); x.len()]),
        Peak::PosInf { count } => {
            let share = T::from(count)
                .expect("a slice length is representable as a float")
                .recip();
            let weights = x
                .iter()
                .map(|&xi| {
                    if xi == T::infinity() {
                        share
                    } else {
                        T::zero()
                    }
                })
                .collect();
            (T::infinity(), weights)
        }
        Peak::Finite { max, at } => {
            let mut weights: Vec<T> = x.iter().map(|&xi| (xi - max).exp()).collect();
            // Same terms in the same order as `logsumexp`, so the value is
            // bit-identical to it.
            let rest = weights
                .iter()
                .enumerate()
                .filter(|&(i, _)| i != at)
                .fold(T::zero(), |acc, (_, &e)| acc + e);
            let total = T::one() + rest;
            for w in &mut weights {
                *w = *w / total;
            }
            (lse_from(max, rest), weights)
        }
    }
}

/// `ln Σ exp(xᵢ)`, computed stably (see the module docs for the edge cases); `∂/∂x = softmax(x)`.
pub fn logsumexp<T: Float>(x: &[T]) -> T {
    match peak(x) {
        Peak::Empty | Peak::AllNegInf => T::neg_infinity(),
        Peak::Nan(nan) => nan,
        Peak::PosInf { .. } => T::infinity(),
        Peak::Finite { max, at } => {
            let rest = x
                .iter()
                .enumerate()
                .filter(|&(i, _)| i != at)
                .fold(T::zero(), |acc, (_, &xi)| acc + (xi - max).exp());
            lse_from(max, rest)
        }
    }
}

/// Pullback of [`logsumexp`]: the value and the adjoint `seed · softmax(x)` (edge cases in the module docs).
pub fn logsumexp_pullback<T: Float>(x: &[T], seed: T) -> (T, (Vec<T>,)) {
    let (value, mut weights) = logsumexp_and_softmax(x);
    for w in &mut weights {
        *w = seed * *w;
    }
    (value, (weights,))
}

/// Pullback of [`logsumexp`] in the `_lent` convention (see
/// [`dot_pullback_lent`]): `seed · softmax(x)` added into `adjoint_x`; no
/// allocation where the maximum is finite.
///
/// # Panics
///
/// If `x` and its adjoint have different lengths.
#[track_caller]
pub fn logsumexp_pullback_lent<T: Float>(
    x: &[T],
    seed: Option<T>,
    adjoint_x: &mut [T],
) -> (T, ((),)) {
    check_lengths(
        "logsumexp_pullback_lent",
        "x",
        x.len(),
        "adjoint_x",
        adjoint_x.len(),
    );
    let Peak::Finite { max, at } = peak(x) else {
        let (value, weights) = logsumexp_and_softmax(x);
        if let Some(seed) = seed {
            for (entry, &w) in adjoint_x.iter_mut().zip(&weights) {
                *entry = *entry + seed * w;
            }
        }
        return (value, ((),));
    };
    // The same terms in the same order as `logsumexp` (bit-identical
    // value), then the same weights as `logsumexp_pullback`.
    let rest = x
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != at)
        .fold(T::zero(), |acc, (_, &xi)| acc + (xi - max).exp());
    if let Some(seed) = seed {
        let total = T::one() + rest;
        for (entry, &xi) in adjoint_x.iter_mut().zip(x) {
            *entry = *entry + seed * ((xi - max).exp() / total);
        }
    }
    (lse_from(max, rest), ((),))
}

/// `softmax(x)ᵢ = exp(xᵢ) / Σⱼ exp(xⱼ)`, computed stably (edge cases in the module docs); `∂pᵢ/∂xⱼ = pᵢ(δᵢⱼ − pⱼ)`.
pub fn softmax<T: Float>(x: &[T]) -> Vec<T> {
    logsumexp_and_softmax(x).1
}

/// Pullback of [`softmax`]: the output `p` and the adjoint `pᵢ·(seedᵢ − Σⱼ seedⱼpⱼ)`.
///
/// At the edge cases of the module docs the formula is applied to the
/// weights returned there (all zeros or all `NaN` give the same).
///
/// # Panics
///
/// If `seed` and `x` have different lengths.
#[track_caller]
pub fn softmax_pullback<T: Float>(x: &[T], seed: &[T]) -> (Vec<T>, (Vec<T>,)) {
    check_lengths("softmax_pullback", "x", x.len(), "seed", seed.len());
    let p = softmax(x);
    let mean_seed = dot_same_length(seed, &p);
    let adjoint = p
        .iter()
        .zip(seed)
        .map(|(&pi, &si)| pi * (si - mean_seed))
        .collect();
    (p, (adjoint,))
}

/// The matrix-vector product `(m x)ᵣ = Σ_c m[r][c]·x[c]` over the rows of `m`; `∂(m x)ᵣ/∂m[r][c] = x[c]`, `∂(m x)ᵣ/∂x[c] = m[r][c]`.
///
/// The rows can be anything that is a slice: `&[Vec<T>]`, `&[[T; N]]`,
/// `&[&[T]]`. An empty `m` gives an empty output.
///
/// # Panics
///
/// If a row of `m` and `x` have different lengths.
#[track_caller]
pub fn matvec<T: Float, R: AsRef<[T]>>(m: &[R], x: &[T]) -> Vec<T> {
    matvec_checked("matvec", m, x)
}

/// Pullback of [`matvec`]: the output and the adjoints `seed[r]·x[c]` of `m` (as rows) and `Σᵣ seed[r]·m[r][c]` of `x`.
///
/// The adjoint of `x` is summed over the rows in order; it is zero when `m`
/// has no rows.
///
/// # Panics
///
/// If a row of `m` and `x` have different lengths, or `seed` does not have
/// one entry per row of `m`.
#[track_caller]
// The nested tuple is the pullback convention (output, one adjoint per
// parameter); an alias would hide it from the signature.
#[allow(clippy::type_complexity)]
pub fn matvec_pullback<T: Float, R: AsRef<[T]>>(
    m: &[R],
    x: &[T],
    seed: &[T],
) -> (Vec<T>, (Vec<Vec<T>>, Vec<T>)) {
    let out = matvec_checked("matvec_pullback", m, x);
    if seed.len() != m.len() {
        mismatch(
            "matvec_pullback",
            format_args!(
                "`m` has {} rows but `seed` has length {}",
                m.len(),
                seed.len()
            ),
        );
    }
    let adj_m: Vec<Vec<T>> = seed.iter().map(|&sr| scaled(x, sr)).collect();
    let mut rows = m.iter().zip(seed);
    let mut adj_x = match rows.next() {
        Some((row, &sr)) => scaled(row.as_ref(), sr),
        None => vec![T::zero(); x.len()],
    };
    for (row, &sr) in rows {
        for (acc, &mrc) in adj_x.iter_mut().zip(row.as_ref()) {
            *acc = *acc + sr * mrc;
        }
    }
    (out, (adj_m, adj_x))
}
