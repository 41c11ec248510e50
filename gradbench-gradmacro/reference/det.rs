//! `det` by hand: the determinant by expansion in minors and its gradient,
//! `∂det/∂A_ij = C_ij`, the cofactor matrix, computed two ways:
//!
//! - [`gradient`]: the reverse sweep of the expansion written by hand, in one
//!   recursive pass. Each call returns its minor's determinant and adds
//!   `seed · ∂det(minor)/∂A` into the gradient, handing its sub-minors the
//!   seed `seed · (±A_row,c)`; the determinant a sub-minor returns is the
//!   adjoint of `A_row,c`. About twice the primal's work.
//! - [`cofactors`]: `C_ij = (−1)^(i+j) det(M_ij)`, every minor by expansion,
//!   as GradBench's hand-written C++ tool does (`ell²` determinants of size
//!   `ell − 1`: about `ell` times the primal). An independent formula, for the
//!   tests.
//!
//! A minor is named by indices, as in CppAD's `det_of_minor`: its rows are
//! listed (or are the last rows of `A`), its columns are those not in the bit
//! set `used`. [`primal`] and [`gradient`] write 3×3 minors out, as the tool
//! does, so that their times compare with the tool's.

/// The lowest column not in `used`.
fn first_free(used: u64) -> usize {
    (!used).trailing_zeros() as usize
}

/// The three lowest columns not in `used`.
fn three_free(used: u64) -> [usize; 3] {
    let c0 = first_free(used);
    let c1 = first_free(used | (1 << c0));
    let c2 = first_free(used | (1 << c0) | (1 << c1));
    [c0, c1, c2]
}

/// The 3×3 minor of rows `row..row + 3` and columns `cols`, row-major.
fn minor3(a: &[f64], ell: usize, row: usize, cols: [usize; 3]) -> [[f64; 3]; 3] {
    let mut m = [[0.0; 3]; 3];
    for (i, mi) in m.iter_mut().enumerate() {
        for (j, mij) in mi.iter_mut().enumerate() {
            *mij = a[(row + i) * ell + cols[j]];
        }
    }
    m
}

/// A 3×3 determinant by expansion along the first row.
fn det3(m: &[[f64; 3]; 3]) -> f64 {
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
        - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
        + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
}

/// The determinant of the minor of the `ell × ell` row-major `a` made of its
/// last `ell − |used|` rows and the columns not in `used`, by expansion along
/// its first row (3×3 minors written out).
fn det_of_minor(a: &[f64], ell: usize, used: u64) -> f64 {
    let row = used.count_ones() as usize;
    match ell - row {
        1 => return a[row * ell + first_free(used)],
        2 => {
            let [c0, c1] = [first_free(used), first_free(used | (1 << first_free(used)))];
            return a[row * ell + c0] * a[(row + 1) * ell + c1]
                - a[row * ell + c1] * a[(row + 1) * ell + c0];
        }
        3 => return det3(&minor3(a, ell, row, three_free(used))),
        _ => {}
    }
    let mut det = 0.0;
    let mut sign = 1.0;
    for c in 0..ell {
        if used & (1 << c) == 0 {
            det += sign * a[row * ell + c] * det_of_minor(a, ell, used | (1 << c));
            sign = -sign;
        }
    }
    det
}

/// The determinant of the `ell × ell` row-major matrix `a`, by expansion in
/// minors along the first row, recursively.
pub fn primal(a: &[f64], ell: usize) -> f64 {
    det_of_minor(a, ell, 0)
}

/// `det_of_minor`, also adding `seed · ∂det/∂a` into `grad`.
fn det_of_minor_reverse(a: &[f64], ell: usize, used: u64, seed: f64, grad: &mut [f64]) -> f64 {
    let row = used.count_ones() as usize;
    match ell - row {
        1 => {
            let c = first_free(used);
            grad[row * ell + c] += seed;
            return a[row * ell + c];
        }
        2 => {
            let [c0, c1] = [first_free(used), first_free(used | (1 << first_free(used)))];
            let (r0, r1) = (row * ell, (row + 1) * ell);
            grad[r0 + c0] += seed * a[r1 + c1];
            grad[r0 + c1] -= seed * a[r1 + c0];
            grad[r1 + c0] -= seed * a[r0 + c1];
            grad[r1 + c1] += seed * a[r0 + c0];
            return a[r0 + c0] * a[r1 + c1] - a[r0 + c1] * a[r1 + c0];
        }
        3 => {
            // ∂det3/∂m_ij is the 3×3 cofactor: the 2×2 minor without row i and
            // column j, signed (−1)^(i+j).
            let cols = three_free(used);
            let m = minor3(a, ell, row, cols);
            for i in 0..3 {
                let (i1, i2) = ((i + 1) % 3, (i + 2) % 3);
                for j in 0..3 {
                    let (j1, j2) = ((j + 1) % 3, (j + 2) % 3);
                    // Cyclic order gives the sign of the cofactor for free.
                    let cofactor = m[i1][j1] * m[i2][j2] - m[i1][j2] * m[i2][j1];
                    grad[(row + i) * ell + cols[j]] += seed * cofactor;
                }
            }
            return det3(&m);
        }
        _ => {}
    }
    let mut det = 0.0;
    let mut sign = 1.0;
    for c in 0..ell {
        if used & (1 << c) == 0 {
            let factor = sign * a[row * ell + c];
            let sub = det_of_minor_reverse(a, ell, used | (1 << c), seed * factor, grad);
            grad[row * ell + c] += seed * sign * sub;
            det += factor * sub;
            sign = -sign;
        }
    }
    det
}

/// The determinant and its gradient (row-major), by the hand-written reverse
/// sweep of the expansion.
pub fn gradient(a: &[f64], ell: usize) -> (f64, Vec<f64>) {
    let mut grad = vec![0.0; ell * ell];
    let det = det_of_minor_reverse(a, ell, 0, 1.0, &mut grad);
    (det, grad)
}

/// The determinant of the minor with rows `rows` (in order) and the columns
/// not in `used`, by expansion along its first row.
fn det_of_rows(a: &[f64], ell: usize, rows: &[usize], used: u64) -> f64 {
    match rows {
        [] => 1.0,
        [row] => a[row * ell + first_free(used)],
        [row, rest @ ..] => {
            let mut det = 0.0;
            let mut sign = 1.0;
            for c in 0..ell {
                if used & (1 << c) == 0 {
                    det += sign * a[row * ell + c] * det_of_rows(a, ell, rest, used | (1 << c));
                    sign = -sign;
                }
            }
            det
        }
    }
}

/// The cofactor matrix `C_ij = (−1)^(i+j) det(M_ij)` (row-major), each minor
/// `M_ij` (without row `i` and column `j`) by expansion in minors.
pub fn cofactors(a: &[f64], ell: usize) -> Vec<f64> {
    let mut out = vec![0.0; ell * ell];
    for i in 0..ell {
        let rows: Vec<usize> = (0..ell).filter(|&r| r != i).collect();
        for j in 0..ell {
            let sign = if (i + j) % 2 == 0 { 1.0 } else { -1.0 };
            out[i * ell + j] = sign * det_of_rows(a, ell, &rows, 1 << j);
        }
    }
    out
}
