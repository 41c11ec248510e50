//! GradBench `ode`: RK4 integration of y'_0 = x_0, y'_i = x_i y_{i-1},
//! y(0) = 0, from t = 0 to t = 2 in `s` steps; objective = last entry of y.

use gradmacro::differentiate;

/// The right-hand side, written into `out`.
#[differentiate]
pub fn rhs(x: &[f64], y: &[f64], out: &mut [f64]) {
    let n = x.len();
    out[0] = x[0];
    for i in 1..n {
        out[i] = x[i] * y[i - 1];
    }
}

/// 5a. `rhs` helper called four times per step; stage buffers k1..k4 and a
/// temporary state allocated once.
#[differentiate(wrt = [x])]
pub fn ode_helper(x: &[f64], s: usize) -> f64 {
    let n = x.len();
    let tf = 2.0;
    let h = tf / s as f64;
    let mut y = vec![0.0; n];
    let mut k1 = vec![0.0; n];
    let mut k2 = vec![0.0; n];
    let mut k3 = vec![0.0; n];
    let mut k4 = vec![0.0; n];
    let mut tmp = vec![0.0; n];
    for _ in 0..s {
        rhs(x, &y, &mut k1);
        for i in 0..n {
            tmp[i] = y[i] + h / 2.0 * k1[i];
        }
        rhs(x, &tmp, &mut k2);
        for i in 0..n {
            tmp[i] = y[i] + h / 2.0 * k2[i];
        }
        rhs(x, &tmp, &mut k3);
        for i in 0..n {
            tmp[i] = y[i] + h * k3[i];
        }
        rhs(x, &tmp, &mut k4);
        for i in 0..n {
            y[i] += h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
        }
    }
    y[n - 1]
}

/// 5b. Everything inline; the stage `Vec`s allocated inside the step loop.
#[differentiate(wrt = [x])]
pub fn ode_inline(x: &[f64], s: usize) -> f64 {
    let n = x.len();
    let h = 2.0 / s as f64;
    let mut y = vec![0.0; n];
    for _ in 0..s {
        let mut k1 = vec![0.0; n];
        k1[0] = x[0];
        for i in 1..n {
            k1[i] = x[i] * y[i - 1];
        }
        let mut k2 = vec![0.0; n];
        k2[0] = x[0];
        for i in 1..n {
            k2[i] = x[i] * (y[i - 1] + h / 2.0 * k1[i - 1]);
        }
        let mut k3 = vec![0.0; n];
        k3[0] = x[0];
        for i in 1..n {
            k3[i] = x[i] * (y[i - 1] + h / 2.0 * k2[i - 1]);
        }
        let mut k4 = vec![0.0; n];
        k4[0] = x[0];
        for i in 1..n {
            k4[i] = x[i] * (y[i - 1] + h * k3[i - 1]);
        }
        for i in 0..n {
            y[i] += h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
        }
    }
    y[n - 1]
}

/// 5c (extra). Python port, closest variant: GradBench's `ode_fun(x, y)`
/// returns an array, which gradmacro rejects (see
/// rejected/ode_rhs_returning_vec.rs), so the stage Vecs are allocated per
/// step and filled by the `rhs` out-parameter helper; the intermediate states
/// are `zip/map/collect` chains.
#[differentiate(wrt = [x])]
pub fn ode_python(x: &[f64], s: usize) -> f64 {
    let n = x.len();
    let h = 2.0 / s as f64;
    let mut y = vec![0.0; n];
    for _ in 0..s {
        let mut k1 = vec![0.0; n];
        rhs(x, &y, &mut k1);
        let y2: Vec<f64> = y.iter().zip(&k1).map(|(a, b)| a + h / 2.0 * b).collect();
        let mut k2 = vec![0.0; n];
        rhs(x, &y2, &mut k2);
        let y3: Vec<f64> = y.iter().zip(&k2).map(|(a, b)| a + h / 2.0 * b).collect();
        let mut k3 = vec![0.0; n];
        rhs(x, &y3, &mut k3);
        let y4: Vec<f64> = y.iter().zip(&k3).map(|(a, b)| a + h * b).collect();
        let mut k4 = vec![0.0; n];
        rhs(x, &y4, &mut k4);
        for i in 0..n {
            y[i] += h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
        }
    }
    y[n - 1]
}
