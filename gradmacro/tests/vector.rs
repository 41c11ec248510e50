//! Tests for `gradmacro::vector`.
//!
//! 1. Every primal against a naive formula (bit for bit where the module
//!    promises it, to a tight tolerance otherwise), and `logsumexp`/`softmax`
//!    on inputs where the naive formula overflows or loses everything.
//! 2. Every pullback entry against a central finite difference of the
//!    primal (of `Σ seedᵢ·outᵢ` for a vector output), with deterministic
//!    pseudo-random points and seeds; f64 in full, f32 as a smoke test.
//! 3. The documented edge cases (empty, `−inf`, `+inf`, `NaN`) and the
//!    length-mismatch panics.

use gradmacro::vector::{
    dot, dot_pullback, logsumexp, logsumexp_pullback, matvec, matvec_pullback, softmax,
    softmax_pullback, squared_norm, squared_norm_pullback, sum, sum_pullback,
};
use num_traits::Float;
use std::fmt::Debug;

// ---------------------------------------------------------------------------
// Machinery
// ---------------------------------------------------------------------------

/// The float types under test.
trait TestFloat: Float + Debug {
    /// Finite-difference step, relative to `max(1, |xᵢ|)`.
    const STEP: f64;
    /// Allowed error of a derivative, relative to `max(1, |expected|)`.
    const TOL: f64;
}

impl TestFloat for f64 {
    const STEP: f64 = 1e-6;
    const TOL: f64 = 1e-7;
}

impl TestFloat for f32 {
    const STEP: f64 = 1e-2;
    const TOL: f64 = 2e-3;
}

fn c<F: Float>(v: f64) -> F {
    F::from(v).unwrap()
}

/// A deterministic xorshift generator for random-looking points and seeds.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed | 1)
    }

    /// Uniform in `[-1, 1)`.
    fn unit(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }

    fn scalar<F: Float>(&mut self, scale: f64) -> F {
        c(scale * self.unit())
    }

    fn vec<F: Float>(&mut self, n: usize, scale: f64) -> Vec<F> {
        (0..n).map(|_| self.scalar(scale)).collect()
    }
}

/// Central finite differences of `f` at `x`, one per entry.
fn fd_gradient<F: TestFloat>(f: impl Fn(&[F]) -> F, x: &[F]) -> Vec<F> {
    (0..x.len())
        .map(|i| {
            let h = c::<F>(F::STEP) * x[i].abs().max(F::one());
            let (mut plus, mut minus) = (x.to_vec(), x.to_vec());
            plus[i] = x[i] + h;
            minus[i] = x[i] - h;
            // Divide by the step actually taken (x ± h is rounded).
            (f(&plus) - f(&minus)) / (plus[i] - minus[i])
        })
        .collect()
}

fn assert_close<F: TestFloat>(got: F, want: F, tol: f64, what: &str) {
    let bound = c::<F>(tol) * want.abs().max(F::one());
    assert!(
        (got - want).abs() <= bound,
        "{what}: got {got:?}, want {want:?} (tolerance {bound:?})"
    );
}

fn assert_all_close<F: TestFloat>(got: &[F], want: &[F], tol: f64, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: lengths differ");
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        assert_close(g, w, tol, &format!("{what}[{i}]"));
    }
}

/// A pullback entry against the finite differences of `f`.
fn assert_gradient<F: TestFloat>(got: &[F], f: impl Fn(&[F]) -> F, x: &[F], what: &str) {
    assert_all_close(got, &fd_gradient(f, x), F::TOL, what);
}

fn assert_bits<F: TestFloat>(got: F, want: F, what: &str) {
    assert!(
        got == want && got.is_sign_negative() == want.is_sign_negative()
            || got.is_nan() && want.is_nan(),
        "{what}: got {got:?}, want exactly {want:?}"
    );
}

fn assert_vec_bits<F: TestFloat>(got: &[F], want: &[F], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: lengths differ");
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        assert_bits(g, w, &format!("{what}[{i}]"));
    }
}

/// `Σ seedᵢ·outᵢ`, the scalar whose gradient a vector pullback returns.
fn weighted<F: Float>(seed: &[F], out: &[F]) -> F {
    assert_eq!(seed.len(), out.len());
    seed.iter()
        .zip(out)
        .fold(F::zero(), |acc, (&s, &o)| acc + s * o)
}

/// The naive softmax `exp(xᵢ) / Σ exp(xⱼ)`, for moderate inputs.
fn naive_softmax<F: Float>(x: &[F]) -> Vec<F> {
    let total = x.iter().fold(F::zero(), |acc, &v| acc + v.exp());
    x.iter().map(|&v| v.exp() / total).collect()
}

// ---------------------------------------------------------------------------
// Generic checks, run for f64 (in full) and f32 (smoke)
// ---------------------------------------------------------------------------

fn check_dot<F: TestFloat>(rng: &mut Rng, n: usize) {
    let (a, b): (Vec<F>, Vec<F>) = (rng.vec(n, 3.0), rng.vec(n, 3.0));
    let seed: F = rng.scalar(2.0);
    let naive = a
        .iter()
        .zip(&b)
        .fold(F::neg_zero(), |s, (&x, &y)| s + x * y);
    assert_bits(dot(&a, &b), naive, "dot");

    let (value, (da, db)) = dot_pullback(&a, &b, seed);
    assert_bits(value, dot(&a, &b), "dot_pullback value");
    assert_gradient(&da, |a| seed * dot(a, &b), &a, "dot ∂/∂a");
    assert_gradient(&db, |b| seed * dot(&a, b), &b, "dot ∂/∂b");
}

fn check_sum<F: TestFloat>(rng: &mut Rng, n: usize) {
    let x: Vec<F> = rng.vec(n, 5.0);
    let seed: F = rng.scalar(2.0);
    let naive = x.iter().fold(F::neg_zero(), |s, &v| s + v);
    assert_bits(sum(&x), naive, "sum");

    let (value, (dx,)) = sum_pullback(&x, seed);
    assert_bits(value, sum(&x), "sum_pullback value");
    assert_gradient(&dx, |x| seed * sum(x), &x, "sum ∂/∂x");
}

fn check_squared_norm<F: TestFloat>(rng: &mut Rng, n: usize) {
    let x: Vec<F> = rng.vec(n, 3.0);
    let seed: F = rng.scalar(2.0);
    let naive = x.iter().fold(F::neg_zero(), |s, &v| s + v * v);
    assert_bits(squared_norm(&x), naive, "squared_norm");

    let (value, (dx,)) = squared_norm_pullback(&x, seed);
    assert_bits(value, squared_norm(&x), "squared_norm_pullback value");
    assert_gradient(&dx, |x| seed * squared_norm(x), &x, "squared_norm ∂/∂x");
}

fn check_logsumexp<F: TestFloat>(rng: &mut Rng, n: usize) {
    let x: Vec<F> = rng.vec(n, 4.0);
    let seed: F = rng.scalar(2.0);
    let naive = x.iter().fold(F::zero(), |s, &v| s + v.exp()).ln();
    assert_close(
        logsumexp(&x),
        naive,
        8.0 * F::epsilon().to_f64().unwrap(),
        "logsumexp",
    );

    let (value, (dx,)) = logsumexp_pullback(&x, seed);
    assert_bits(value, logsumexp(&x), "logsumexp_pullback value");
    assert_gradient(&dx, |x| seed * logsumexp(x), &x, "logsumexp ∂/∂x");
    // The documented identity: the adjoint is seed · softmax(x).
    let p = softmax(&x);
    let seed_p: Vec<F> = p.iter().map(|&pi| seed * pi).collect();
    assert_vec_bits(&dx, &seed_p, "logsumexp adjoint = seed·softmax");
}

fn check_softmax<F: TestFloat>(rng: &mut Rng, n: usize) {
    let x: Vec<F> = rng.vec(n, 4.0);
    let seed: Vec<F> = rng.vec(n, 2.0);
    let p = softmax(&x);
    let tol = 8.0 * F::epsilon().to_f64().unwrap();
    assert_all_close(&p, &naive_softmax(&x), tol, "softmax");
    assert_close(sum(&p), F::one(), tol, "Σ softmax");

    let (out, (dx,)) = softmax_pullback(&x, &seed);
    assert_vec_bits(&out, &p, "softmax_pullback output");
    assert_gradient(
        &dx,
        |x| weighted(&seed, &softmax(x)),
        &x,
        "softmax ∂(seed·p)/∂x",
    );
}

fn check_matvec<F: TestFloat>(rng: &mut Rng, rows: usize, cols: usize) {
    let m: Vec<Vec<F>> = (0..rows).map(|_| rng.vec(cols, 3.0)).collect();
    let x: Vec<F> = rng.vec(cols, 3.0);
    let seed: Vec<F> = rng.vec(rows, 2.0);

    let out = matvec(&m, &x);
    assert_eq!(out.len(), rows);
    for (r, row) in m.iter().enumerate() {
        let naive = (0..cols).fold(F::neg_zero(), |s, k| s + row[k] * x[k]);
        assert_bits(out[r], naive, &format!("matvec[{r}]"));
    }

    let (value, (dm, dx)) = matvec_pullback(&m, &x, &seed);
    assert_vec_bits(&value, &out, "matvec_pullback output");
    assert_eq!(dm.len(), rows, "adjoint of m: number of rows");
    // Differentiate Σ seedᵣ·(m x)ᵣ with respect to the flattened m.
    let flat: Vec<F> = m.concat();
    let of_m = |flat: &[F]| {
        let m: Vec<&[F]> = flat.chunks(cols).collect();
        weighted(&seed, &matvec(&m, &x))
    };
    assert_gradient(&dm.concat(), of_m, &flat, "matvec ∂/∂m");
    assert_gradient(&dx, |x| weighted(&seed, &matvec(&m, x)), &x, "matvec ∂/∂x");
}

// ---------------------------------------------------------------------------
// Values and derivatives, f64
// ---------------------------------------------------------------------------

#[test]
fn dot_f64() {
    let mut rng = Rng::new(0x9E37_79B9_7F4A_7C15);
    for n in [1, 2, 7, 33] {
        check_dot::<f64>(&mut rng, n);
    }
    assert_eq!(dot(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0]), 32.0);
    let (value, (da, db)) = dot_pullback(&[1.0, 2.0], &[3.0, -4.0], 2.0);
    assert_eq!((value, da, db), (-5.0, vec![6.0, -8.0], vec![2.0, 4.0]));
}

#[test]
fn sum_f64() {
    let mut rng = Rng::new(0xD1B5_4A32_D192_ED03);
    for n in [1, 2, 7, 33] {
        check_sum::<f64>(&mut rng, n);
    }
    // Bit-identical to std's sum, including the order of the additions.
    let x = [1e16, 1.0, -1e16, 1.0];
    assert_eq!(sum(&x), x.iter().sum::<f64>());
    assert_eq!(sum_pullback(&[1.0, 2.0, 3.0], 0.5), (6.0, (vec![0.5; 3],)));
}

#[test]
fn squared_norm_f64() {
    let mut rng = Rng::new(0x2545_F491_4F6C_DD1D);
    for n in [1, 2, 7, 33] {
        check_squared_norm::<f64>(&mut rng, n);
    }
    assert_eq!(squared_norm(&[3.0, -4.0]), 25.0);
    let (value, (dx,)) = squared_norm_pullback(&[3.0, -4.0], 0.5);
    assert_eq!((value, dx), (25.0, vec![3.0, -4.0]));
}

#[test]
fn logsumexp_f64() {
    let mut rng = Rng::new(0xA076_1D64_78BD_642F);
    for n in [1, 2, 7, 33] {
        check_logsumexp::<f64>(&mut rng, n);
    }
    assert_eq!(logsumexp(&[0.0]), 0.0);
    assert!((logsumexp(&[0.0, 0.0]) - std::f64::consts::LN_2).abs() <= 1e-16);
}

#[test]
fn logsumexp_is_stable_for_large_inputs() {
    use std::f64::consts::LN_2;
    // The naive formula overflows (exp(1000) = inf) or underflows.
    assert_eq!(
        [1000.0f64, 1000.0].iter().map(|v| v.exp()).sum::<f64>(),
        f64::INFINITY
    );
    assert_eq!(logsumexp(&[1000.0, 1000.0]), 1000.0 + LN_2);
    assert_eq!(logsumexp(&[-1000.0, -1000.0]), -1000.0 + LN_2);
    assert_eq!(logsumexp(&[1e308, 1e308]), 1e308);
    assert_eq!(logsumexp(&[f64::MAX, 0.0]), f64::MAX);
    let (value, (dx,)) = logsumexp_pullback(&[1000.0, 1000.0], 3.0);
    assert_eq!((value, dx), (1000.0 + LN_2, vec![1.5, 1.5]));

    // The shift by a large max loses nothing: for x = (c, c + 1) the weights
    // are (1/(1+e), e/(1+e)) to within a few ulps, however large c is.
    let e = std::f64::consts::E;
    let (lo, hi) = (1.0 / (1.0 + e), e / (1.0 + e));
    for c in [0.0, 1e6, -1e6, 1e12] {
        let (value, (dx,)) = logsumexp_pullback(&[c, c + 1.0], 1.0);
        assert!(
            (value - (c + 1.0 + (1.0 / e).ln_1p())).abs()
                <= 4.0 * f64::EPSILON * value.abs().max(1.0)
        );
        assert!(
            (dx[0] - lo).abs() <= 4.0 * f64::EPSILON * lo,
            "c = {c}: {dx:?}"
        );
        assert!(
            (dx[1] - hi).abs() <= 4.0 * f64::EPSILON * hi,
            "c = {c}: {dx:?}"
        );
    }
}

#[test]
fn logsumexp_keeps_negligible_terms() {
    // ln(1 + e^-40) ≈ e^-40 ≈ 4.25e-18; ln of the rounded sum 1 + e^-40 would be 0.
    let tiny = (-40.0f64).exp();
    let value = logsumexp(&[0.0, -40.0]);
    assert!((value - tiny).abs() <= 1e-15 * tiny, "{value:e}");
    let value = logsumexp(&[-40.0, 0.0, -40.0]);
    assert!((value - 2.0 * tiny).abs() <= 1e-15 * tiny, "{value:e}");
}

#[test]
fn softmax_f64() {
    let mut rng = Rng::new(0xE703_7ED1_A0B4_28DB);
    for n in [1, 2, 7, 33] {
        check_softmax::<f64>(&mut rng, n);
    }
    assert_eq!(softmax(&[5.0]), [1.0]);
    assert_eq!(softmax(&[0.3, 0.3]), [0.5, 0.5]);
    // Shift invariance: exactly the same weights for x and x + 1000.
    let x = [0.25, -1.5, 2.0, 0.0];
    let shifted: Vec<f64> = x.iter().map(|v| v + 1000.0).collect();
    let p = softmax(&x);
    for (a, b) in p.iter().zip(softmax(&shifted)) {
        assert!((a - b).abs() <= 1e-13, "{p:?}");
    }
}

#[test]
fn softmax_is_stable_for_large_inputs() {
    let p = softmax(&[1000.0, 1001.0, 999.0]);
    let want = naive_softmax(&[0.0, 1.0, -1.0]);
    assert!(p.iter().all(|v| v.is_finite()), "{p:?}");
    for (a, b) in p.iter().zip(&want) {
        assert!((a - b).abs() <= 4.0 * f64::EPSILON, "{p:?} vs {want:?}");
    }
    let (out, (dx,)) = softmax_pullback(&[-1000.0, -1000.0], &[1.0, -1.0]);
    assert_eq!(out, [0.5, 0.5]);
    assert_eq!(dx, [0.5, -0.5]);
}

#[test]
fn softmax_pullback_by_hand() {
    // p = (1/2, 1/2), Σ seed·p = 2, adjoint = p·(seed − 2).
    let (p, (dx,)) = softmax_pullback(&[0.0, 0.0], &[1.0, 3.0]);
    assert_eq!((p, dx), (vec![0.5, 0.5], vec![-0.5, 0.5]));
    // A seed along the all-ones direction has zero adjoint (Σ p = 1).
    let (_, (dx,)) = softmax_pullback(&[0.3, -1.2, 2.0], &[0.7, 0.7, 0.7]);
    assert!(dx.iter().all(|v| v.abs() <= 1e-16), "{dx:?}");
}

#[test]
fn matvec_f64() {
    let mut rng = Rng::new(0x8EBC_6AF0_9C88_C6E3);
    for (rows, cols) in [(1, 1), (1, 5), (4, 1), (3, 4), (8, 13)] {
        check_matvec::<f64>(&mut rng, rows, cols);
    }
}

#[test]
fn matvec_by_hand_for_every_row_type() {
    let x = [1.0, -1.0, 2.0];
    let seed = [2.0, 0.5];
    let want_out = vec![1.0 - 2.0 + 6.0, 4.0 - 5.0 + 12.0];
    let want_dm = vec![vec![2.0, -2.0, 4.0], vec![0.5, -0.5, 1.0]];
    // adj_x[c] = 2·m[0][c] + 0.5·m[1][c]
    let want_dx = vec![2.0 + 2.0, 4.0 + 2.5, 6.0 + 3.0];

    let arrays = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];
    let vecs: Vec<Vec<f64>> = arrays.iter().map(|r| r.to_vec()).collect();
    let slices: Vec<&[f64]> = arrays.iter().map(|r| &r[..]).collect();

    assert_eq!(matvec(&arrays, &x), want_out);
    assert_eq!(matvec(&vecs, &x), want_out);
    assert_eq!(matvec(&slices, &x), want_out);
    let want = (want_out, (want_dm, want_dx));
    assert_eq!(matvec_pullback(&arrays, &x, &seed), want);
    assert_eq!(matvec_pullback(&vecs, &x, &seed), want);
    assert_eq!(matvec_pullback(&slices, &x, &seed), want);
}

// ---------------------------------------------------------------------------
// Smoke tests, f32
// ---------------------------------------------------------------------------

#[test]
fn f32_smoke() {
    let mut rng = Rng::new(0x1234_5678_9ABC_DEF1);
    for n in [1, 5] {
        check_dot::<f32>(&mut rng, n);
        check_sum::<f32>(&mut rng, n);
        check_squared_norm::<f32>(&mut rng, n);
        check_logsumexp::<f32>(&mut rng, n);
        check_softmax::<f32>(&mut rng, n);
    }
    check_matvec::<f32>(&mut rng, 3, 4);
    assert_eq!(
        logsumexp(&[100.0f32, 100.0]),
        100.0 + std::f32::consts::LN_2
    );
    assert_eq!(softmax(&[100.0f32, 100.0]), [0.5, 0.5]);
    assert_eq!(logsumexp(&[f32::NEG_INFINITY]), f32::NEG_INFINITY);
    assert_eq!(softmax(&[f32::INFINITY, 1.0]), [1.0, 0.0]);
}

// ---------------------------------------------------------------------------
// Edge cases
// ---------------------------------------------------------------------------

const INF: f64 = f64::INFINITY;
const NEG_INF: f64 = f64::NEG_INFINITY;

#[test]
fn empty_inputs() {
    let e: [f64; 0] = [];
    // Empty sums are −0.0, as for std's `Iterator::sum`.
    assert_bits(dot(&e, &e), -0.0, "dot(∅)");
    assert_bits(sum(&e), e.iter().sum::<f64>(), "sum(∅)");
    assert_bits(squared_norm(&e), -0.0, "squared_norm(∅)");
    assert_eq!(dot_pullback(&e, &e, 1.0).1, (vec![], vec![]));
    assert_eq!(sum_pullback(&e, 1.0).1 .0, []);
    assert_eq!(squared_norm_pullback(&e, 1.0).1 .0, []);

    assert_eq!(logsumexp(&e), NEG_INF);
    assert_eq!(logsumexp_pullback(&e, 1.0), (NEG_INF, (vec![],)));
    assert_eq!(softmax(&e), []);
    assert_eq!(softmax_pullback(&e, &e), (vec![], (vec![],)));

    // No rows: empty output, zero adjoint of x (with x's length).
    let no_rows: [Vec<f64>; 0] = [];
    assert_eq!(matvec(&no_rows, &[1.0, 2.0]), []);
    assert_eq!(
        matvec_pullback(&no_rows, &[1.0, 2.0], &[]),
        (vec![], (vec![], vec![0.0, 0.0]))
    );
    // Rows of length zero: zero outputs.
    let empty_rows = [[0.0f64; 0]; 2];
    assert_eq!(matvec(&empty_rows, &e), [0.0, 0.0]);
    assert_eq!(
        matvec_pullback(&empty_rows, &e, &[1.0, 2.0]),
        (vec![0.0, 0.0], (vec![vec![], vec![]], vec![]))
    );
}

#[test]
fn all_neg_inf_gives_neg_inf_and_zero_weights() {
    for x in [vec![NEG_INF], vec![NEG_INF; 3]] {
        assert_eq!(logsumexp(&x), NEG_INF);
        let (value, (dx,)) = logsumexp_pullback(&x, 2.0);
        assert_eq!(value, NEG_INF);
        assert_eq!(dx, vec![0.0; x.len()]);
        assert_eq!(softmax(&x), vec![0.0; x.len()]);
        let seed = vec![1.5; x.len()];
        assert_eq!(
            softmax_pullback(&x, &seed),
            (vec![0.0; x.len()], (vec![0.0; x.len()],))
        );
    }
}

#[test]
fn some_neg_inf_entries_get_zero_weight() {
    let x = [NEG_INF, 0.0, NEG_INF, 0.0];
    assert!((logsumexp(&x) - std::f64::consts::LN_2).abs() <= 1e-16);
    assert_eq!(logsumexp_pullback(&x, 4.0).1 .0, [0.0, 2.0, 0.0, 2.0]);
    assert_eq!(softmax(&x), [0.0, 0.5, 0.0, 0.5]);
    let (_, (dx,)) = softmax_pullback(&x, &[9.0, 1.0, 9.0, 3.0]);
    assert_eq!(dx, [0.0, -0.5, 0.0, 0.5]);
}

#[test]
fn pos_inf_entries_share_the_weight() {
    assert_eq!(logsumexp(&[1.0, INF, NEG_INF]), INF);
    let (value, (dx,)) = logsumexp_pullback(&[1.0, INF, NEG_INF], 3.0);
    assert_eq!((value, dx), (INF, vec![0.0, 3.0, 0.0]));
    let x = [INF, 5.0, INF, INF, NEG_INF];
    assert_eq!(logsumexp(&x), INF);
    let third = 1.0 / 3.0;
    assert_eq!(softmax(&x), [third, 0.0, third, third, 0.0]);
    assert_eq!(logsumexp_pullback(&x, 3.0).1 .0, [1.0, 0.0, 1.0, 1.0, 0.0]);
    // The pullback formula applied to the one-hot weights.
    let (p, (dx,)) = softmax_pullback(&[2.0, INF], &[5.0, 1.0]);
    assert_eq!((p, dx), (vec![0.0, 1.0], vec![0.0, 0.0]));
}

#[test]
fn nan_propagates() {
    for x in [
        vec![f64::NAN],
        vec![1.0, f64::NAN, 2.0],
        vec![INF, f64::NAN],
        vec![f64::NAN, NEG_INF],
    ] {
        assert!(logsumexp(&x).is_nan(), "{x:?}");
        let (value, (dx,)) = logsumexp_pullback(&x, 1.0);
        assert!(value.is_nan() && dx.iter().all(|v| v.is_nan()), "{x:?}");
        assert!(softmax(&x).iter().all(|v| v.is_nan()), "{x:?}");
        let (p, (dx,)) = softmax_pullback(&x, &vec![1.0; x.len()]);
        assert!(p.iter().chain(&dx).all(|v| v.is_nan()), "{x:?}");
    }
}

// ---------------------------------------------------------------------------
// Length mismatches
// ---------------------------------------------------------------------------

#[test]
#[should_panic(expected = "gradmacro::vector::dot: `a` and `b` have different lengths (3 and 2)")]
fn dot_length_mismatch() {
    dot(&[1.0, 2.0, 3.0], &[1.0, 2.0]);
}

#[test]
#[should_panic(
    expected = "gradmacro::vector::dot_pullback: `a` and `b` have different lengths (1 and 2)"
)]
fn dot_pullback_length_mismatch() {
    let _ = dot_pullback(&[1.0], &[1.0, 2.0], 1.0);
}

#[test]
#[should_panic(
    expected = "gradmacro::vector::softmax_pullback: `x` and `seed` have different lengths (2 and 3)"
)]
fn softmax_pullback_seed_mismatch() {
    let _ = softmax_pullback(&[1.0, 2.0], &[1.0, 1.0, 1.0]);
}

#[test]
#[should_panic(
    expected = "gradmacro::vector::matvec: row 1 of `m` has length 2 but `x` has length 3"
)]
fn matvec_row_mismatch() {
    let m = vec![vec![1.0, 2.0, 3.0], vec![1.0, 2.0]];
    let _ = matvec(&m, &[1.0, 2.0, 3.0]);
}

#[test]
#[should_panic(
    expected = "gradmacro::vector::matvec_pullback: row 0 of `m` has length 3 but `x` has length 2"
)]
fn matvec_pullback_row_mismatch() {
    let _ = matvec_pullback(&[[1.0, 2.0, 3.0]], &[1.0, 2.0], &[1.0]);
}

#[test]
#[should_panic(
    expected = "gradmacro::vector::matvec_pullback: `m` has 2 rows but `seed` has length 1"
)]
fn matvec_pullback_seed_mismatch() {
    let _ = matvec_pullback(&[[1.0], [2.0]], &[1.0], &[1.0]);
}
