//! `ode` by hand: the RK4 solution and the adjoint of its last element.
//!
//! One step maps `y` to `y + h/6 (k1 + 2k2 + 2k3 + k4)` with `k1 = F(y)`,
//! `u2 = y + h k1/2`, `k2 = F(u2)`, `u3 = y + h k2/2`, `k3 = F(u3)`,
//! `u4 = y + h k3`, `k4 = F(u4)`, where `F(u)₀ = x₀` and `F(u)ᵢ = xᵢ uᵢ₋₁`.
//! The adjoint of a step, for `a = ∂out/∂y_next`: `k̄4 = h/6 a`,
//! `ū4ᵢ = xᵢ₊₁ k̄4ᵢ₊₁`, `k̄3 = h/3 a + h ū4`, `ū3ᵢ = xᵢ₊₁ k̄3ᵢ₊₁`,
//! `k̄2 = h/3 a + h/2 ū3`, `ū2ᵢ = xᵢ₊₁ k̄2ᵢ₊₁`, `k̄1 = h/6 a + h/2 ū2`,
//! `ū1ᵢ = xᵢ₊₁ k̄1ᵢ₊₁`; then `ȳ = a + ū1 + ū2 + ū3 + ū4` and
//! `x̄ᵢ += k̄1ᵢ yᵢ₋₁ + k̄2ᵢ u2ᵢ₋₁ + k̄3ᵢ u3ᵢ₋₁ + k̄4ᵢ u4ᵢ₋₁` (`x̄₀ += Σ k̄ⱼ₀`).
//! The forward sweep stores `y` before each step (`s·n` values); the reverse
//! sweep recomputes the stage points `u2, u3, u4` of the step from it.

/// The final `y`, written as the eval (and GradBench's C++ reference) writes it.
pub fn primal(x: &[f64], s: usize) -> Vec<f64> {
    let n = x.len();
    let h = 2.0 / s as f64;
    let mut y = vec![0.0; n];
    let mut k1 = vec![0.0; n];
    let mut k2 = vec![0.0; n];
    let mut k3 = vec![0.0; n];
    let mut k4 = vec![0.0; n];
    let mut y_tmp = vec![0.0; n];
    for _ in 0..s {
        f(x, &y, &mut k1);
        for i in 0..n {
            y_tmp[i] = y[i] + h * k1[i] / 2.0;
        }
        f(x, &y_tmp, &mut k2);
        for i in 0..n {
            y_tmp[i] = y[i] + h * k2[i] / 2.0;
        }
        f(x, &y_tmp, &mut k3);
        for i in 0..n {
            y_tmp[i] = y[i] + h * k3[i];
        }
        f(x, &y_tmp, &mut k4);
        for i in 0..n {
            y[i] += h * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]) / 6.0;
        }
    }
    y
}

/// `z = F(y)`: `z₀ = x₀`, `zᵢ = xᵢ yᵢ₋₁`.
fn f(x: &[f64], y: &[f64], z: &mut [f64]) {
    z[0] = x[0];
    for i in 1..x.len() {
        z[i] = x[i] * y[i - 1];
    }
}

/// The stage points `u2, u3, u4` of the step from `y`, in one pass (each
/// `F(u)ᵢ` reads only `uᵢ₋₁`). The same operations as [`primal`], so the same
/// bits.
fn stages(x: &[f64], y: &[f64], h: f64, u2: &mut [f64], u3: &mut [f64], u4: &mut [f64]) {
    let k = x[0];
    u2[0] = y[0] + h * k / 2.0;
    u3[0] = y[0] + h * k / 2.0;
    u4[0] = y[0] + h * k;
    for i in 1..x.len() {
        let k1 = x[i] * y[i - 1];
        u2[i] = y[i] + h * k1 / 2.0;
        let k2 = x[i] * u2[i - 1];
        u3[i] = y[i] + h * k2 / 2.0;
        let k3 = x[i] * u3[i - 1];
        u4[i] = y[i] + h * k3;
    }
}

/// The last element of the final `y` and its gradient with respect to `x`.
pub fn gradient(x: &[f64], s: usize) -> (f64, Vec<f64>) {
    let n = x.len();
    let h = 2.0 / s as f64;
    let mut u2 = vec![0.0; n];
    let mut u3 = vec![0.0; n];
    let mut u4 = vec![0.0; n];
    // Forward: y before each step, then the step (in place, from the top
    // down, so that yᵢ₋₁ is still the old value when yᵢ is updated).
    let mut history = Vec::with_capacity(s * n);
    let mut y = vec![0.0; n];
    for _ in 0..s {
        history.extend_from_slice(&y);
        stages(x, &y, h, &mut u2, &mut u3, &mut u4);
        for i in (1..n).rev() {
            let k1 = x[i] * y[i - 1];
            let k2 = x[i] * u2[i - 1];
            let k3 = x[i] * u3[i - 1];
            let k4 = x[i] * u4[i - 1];
            y[i] += h * (k1 + 2.0 * k2 + 2.0 * k3 + k4) / 6.0;
        }
        let k = x[0];
        y[0] += h * (k + 2.0 * k + 2.0 * k + k) / 6.0;
    }
    let value = y[n - 1];
    // Reverse: `a` is ∂out/∂y after the step; one pass from the top down
    // carries xᵢ₊₁ k̄ⱼᵢ₊₁ (the ūⱼᵢ of the next lower entry).
    let mut a = vec![0.0; n];
    a[n - 1] = 1.0;
    let mut g = vec![0.0; n];
    for y in history.chunks_exact(n).rev() {
        stages(x, y, h, &mut u2, &mut u3, &mut u4);
        let (mut ub1, mut ub2, mut ub3, mut ub4) = (0.0, 0.0, 0.0, 0.0);
        for i in (0..n).rev() {
            let ai = a[i];
            let kb4 = h / 6.0 * ai;
            let kb3 = h / 3.0 * ai + h * ub4;
            let kb2 = h / 3.0 * ai + h / 2.0 * ub3;
            let kb1 = h / 6.0 * ai + h / 2.0 * ub2;
            a[i] = ai + ub1 + ub2 + ub3 + ub4;
            if i > 0 {
                g[i] += kb1 * y[i - 1] + kb2 * u2[i - 1] + kb3 * u3[i - 1] + kb4 * u4[i - 1];
                let xi = x[i];
                ub1 = kb1 * xi;
                ub2 = kb2 * xi;
                ub3 = kb3 * xi;
                ub4 = kb4 * xi;
            } else {
                g[0] += kb1 + kb2 + kb3 + kb4;
            }
        }
    }
    (value, g)
}
