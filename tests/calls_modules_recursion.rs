//! Calls to functions of other modules and recursive calls inside
//! differentiated bodies: functions of a nested module imported with `use`
//! beside their pullback, or called by path (`physics::energy`, `self::..`,
//! `crate::..`) without importing it; a recursive power and a determinant by
//! expansion in minors, each minor built in a local `Vec` and passed to the
//! recursive call.
//!
//! Every test checks that `NAME_grad` returns exactly the original function's
//! value, and every gradient entry against a central finite difference of the
//! original function and against a closed form (the cofactor matrix for the
//! determinant).

// Index loops over several buffers at once are the numeric style under test.
#![allow(clippy::needless_range_loop)]

mod common;

// ---------------------------------------------------------------------------
// Functions from another module: imported, and called by path
// ---------------------------------------------------------------------------

mod modules {
    use crate::common::*;
    use gradmacro::differentiate;

    pub mod physics {
        use gradmacro::differentiate;

        /// The spring constant of the chain.
        pub const K: f64 = 2.0;

        /// The potential energy of a chain of unit masses joined by springs:
        /// ½K Σ (x_i − x_{i−1})².
        #[differentiate]
        pub fn energy(x: &[f64]) -> f64 {
            let mut e = 0.0;
            for i in 1..x.len() {
                e += 0.5 * K * (x[i] - x[i - 1]).powi(2);
            }
            e
        }

        /// The kinetic energy ½ m Σ v_i².
        #[differentiate]
        pub fn kinetic(v: &[f64], mass: f64) -> f64 {
            let mut t = 0.0;
            for &vi in v {
                t += vi * vi;
            }
            0.5 * mass * t
        }
    }

    use physics::{energy, energy_pullback_lent};

    /// The Lagrangian T − V: `energy` imported with its (`_lent`) pullback, `kinetic`
    /// called by its path.
    #[differentiate]
    fn lagrangian(x: &[f64], v: &[f64], mass: f64) -> f64 {
        physics::kinetic(v, mass) - energy(x)
    }

    /// The energy called by its path only (`physics::energy`), twice.
    #[differentiate]
    fn energy_by_path(x: &[f64], scale: f64) -> f64 {
        scale * physics::energy(x) + physics::energy(x).sqrt()
    }

    /// The same through `self::` and a longer path from the crate root.
    #[differentiate]
    fn energy_by_long_paths(x: &[f64]) -> f64 {
        self::physics::energy(x) * crate::modules::physics::energy(x)
    }

    /// ∂E/∂x_i = K[(x_i − x_{i−1}) − (x_{i+1} − x_i)] (terms outside the
    /// chain left out).
    fn energy_gradient(x: &[f64]) -> Vec<f64> {
        let n = x.len();
        (0..n)
            .map(|i| {
                let mut g = 0.0;
                if i > 0 {
                    g += physics::K * (x[i] - x[i - 1]);
                }
                if i + 1 < n {
                    g -= physics::K * (x[i + 1] - x[i]);
                }
                g
            })
            .collect()
    }

    /// A module's functions composed into a caller, imported with `use`
    /// (beside their pullback) and by path: ∂L/∂x = −∂E/∂x, ∂L/∂v = m v,
    /// ∂L/∂m = ½Σv².
    #[test]
    fn imported_and_path_calls_into_a_module() {
        let x = [0.0, 0.4, 1.1, 1.3];
        let v = [0.5, -0.2, 0.8, 1.0];
        let mass = 1.7;
        let (value, (dx, dv, dm)) = lagrangian_grad(&x, &v, mass);
        assert_eq!(value, lagrangian(&x, &v, mass));
        let de = energy_gradient(&x);
        for i in 0..4 {
            assert_closed("∂L/∂x", dx[i], -de[i]);
            assert_closed("∂L/∂v", dv[i], mass * v[i]);
        }
        assert_closed("∂L/∂m", dm, 0.5 * v.iter().map(|t| t * t).sum::<f64>());
        let mut at = x.to_vec();
        at.extend(v);
        at.push(mass);
        let mut grad = dx.clone();
        grad.extend(&dv);
        grad.push(dm);
        assert_fd_all(
            "lagrangian",
            |p| lagrangian(&p[..4], &p[4..8], p[8]),
            &at,
            &grad,
        );
    }

    /// Calls by path (`physics::energy`, `self::physics::energy`,
    /// `crate::modules::physics::energy`) without importing the pullback:
    /// (s + 1/(2√E))·∂E/∂x and 2E·∂E/∂x.
    #[test]
    fn path_calls_without_importing_the_pullback() {
        let x = [0.3, -0.6, 0.9, 2.0, 1.2];
        let e = physics::energy(&x);
        let de = energy_gradient(&x);
        let scale = 0.75;
        let (value, (dx, ds)) = energy_by_path_grad(&x, scale);
        assert_eq!(value, energy_by_path(&x, scale));
        assert_closed("∂/∂scale", ds, e);
        for i in 0..x.len() {
            assert_closed("∂/∂x", dx[i], (scale + 0.5 / e.sqrt()) * de[i]);
        }
        let mut at = x.to_vec();
        at.push(scale);
        let mut grad = dx.clone();
        grad.push(ds);
        assert_fd_all(
            "energy_by_path",
            |p| energy_by_path(&p[..5], p[5]),
            &at,
            &grad,
        );

        let (value, dx) = energy_by_long_paths_grad(&x);
        assert_eq!(value, energy_by_long_paths(&x));
        for i in 0..x.len() {
            assert_closed("∂(E²)/∂x", dx[i], 2.0 * e * de[i]);
        }
        assert_fd_all("energy_by_long_paths", energy_by_long_paths, &x, &dx);
    }
}

// ---------------------------------------------------------------------------
// Recursion
// ---------------------------------------------------------------------------

mod recursion {
    use crate::common::*;
    use gradmacro::differentiate;

    /// `xⁿ` by recursion on `n`.
    #[differentiate]
    fn power(x: f64, n: u32) -> f64 {
        if n == 0 {
            1.0
        } else {
            x * power(x, n - 1)
        }
    }

    /// The determinant of the `n × n` row-major matrix `m`, by expansion in
    /// minors along the first row; each minor is built in a local `Vec` with
    /// `push` and passed to the recursive call.
    #[differentiate]
    fn det(m: &[f64], n: usize) -> f64 {
        if n == 1 {
            return m[0];
        }
        let mut total = 0.0;
        let mut sign = 1.0;
        for c in 0..n {
            let mut minor = Vec::with_capacity((n - 1) * (n - 1));
            for r in 1..n {
                for cc in 0..n {
                    if cc != c {
                        minor.push(m[r * n + cc]);
                    }
                }
            }
            total += sign * m[c] * det(&minor, n - 1);
            sign = -sign;
        }
        total
    }

    /// A plain 3×3 determinant by the rule of Sarrus (reference only).
    fn det3(a: [[f64; 3]; 3]) -> f64 {
        a[0][0] * a[1][1] * a[2][2] + a[0][1] * a[1][2] * a[2][0] + a[0][2] * a[1][0] * a[2][1]
            - a[0][2] * a[1][1] * a[2][0]
            - a[0][0] * a[1][2] * a[2][1]
            - a[0][1] * a[1][0] * a[2][2]
    }

    /// The cofactor C_ij = (−1)^(i+j) det(minor_ij) of a 4×4 row-major
    /// matrix (reference only).
    fn cofactor4(m: &[f64], i: usize, j: usize) -> f64 {
        let mut minor = [[0.0; 3]; 3];
        let rows = (0..4).filter(|&r| r != i);
        for (mr, r) in rows.enumerate() {
            let cols = (0..4).filter(|&c| c != j);
            for (mc, c) in cols.enumerate() {
                minor[mr][mc] = m[r * 4 + c];
            }
        }
        let sign = (-1f64).powi((i + j) as i32);
        sign * det3(minor)
    }

    /// Recursion through the function's own pullback: d(xⁿ)/dx = n xⁿ⁻¹ for
    /// n = 0..=7, at positive, negative and fractional x.
    #[test]
    fn recursive_power_gives_n_x_to_the_n_minus_1() {
        for n in 0..=7u32 {
            for x in [1.3, -0.7, 2.5] {
                let (value, dx) = power_grad(x, n);
                assert_eq!(value, power(x, n));
                assert_closed("xⁿ", value, x.powi(n as i32));
                let expected = if n == 0 {
                    0.0
                } else {
                    n as f64 * x.powi(n as i32 - 1)
                };
                assert_closed("d(xⁿ)/dx", dx, expected);
                assert_fd("power", dx, |t| power(t, n), x);
            }
        }
    }

    /// The recursive determinant of a 4×4 matrix (four levels of recursion,
    /// minors in local pushed `Vec`s): its value against the cofactor
    /// expansion along another row, and ∂det/∂m_ij against the cofactor
    /// C_ij computed with an independent 3×3 formula, and against finite
    /// differences. Also Jacobi's formula's consequence Σ_j m_ij C_ij = det
    /// for every row i.
    #[test]
    fn recursive_determinant_gradient_is_the_cofactor_matrix() {
        let matrices = [
            [
                2.0, -1.0, 0.5, 3.0, //
                1.5, 4.0, -2.0, 0.25, //
                -0.75, 0.5, 3.5, 1.0, //
                2.25, -3.0, 1.25, -0.5,
            ],
            [
                0.3, 1.7, -0.2, 0.9, //
                -1.1, 0.4, 2.3, -0.6, //
                0.8, -0.5, 0.1, 1.4, //
                1.2, 0.7, -1.9, 0.05,
            ],
        ];
        for m in matrices {
            let (value, grad) = det_grad(&m, 4);
            assert_eq!(value, det(&m, 4));
            assert_eq!(grad.len(), 16);
            for i in 0..4 {
                let along_row: f64 = (0..4).map(|j| m[i * 4 + j] * cofactor4(&m, i, j)).sum();
                assert_closed("det by row expansion", value, along_row);
                for j in 0..4 {
                    let what = format!("∂det/∂m[{i}][{j}]");
                    assert_closed(&what, grad[i * 4 + j], cofactor4(&m, i, j));
                }
            }
            assert_fd_all("det", |p| det(p, 4), &m, &grad);
        }
    }
}
