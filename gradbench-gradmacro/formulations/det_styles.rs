//! GradBench `det`: determinant by Laplace expansion along the first row of
//! an `ell x ell` row-major matrix.

use gradmacro::differentiate;

/// 4a. Recursive, building each minor in a new `Vec`.
#[differentiate(wrt = [a])]
pub fn det_minors(a: &[f64], ell: usize) -> f64 {
    if ell == 1 {
        return a[0];
    }
    let mut total = 0.0;
    let mut sign = 1.0;
    for j in 0..ell {
        let mut minor = Vec::with_capacity((ell - 1) * (ell - 1));
        for r in 1..ell {
            for c in 0..ell {
                if c != j {
                    minor.push(a[r * ell + c]);
                }
            }
        }
        total += sign * a[j] * det_minors(&minor, ell - 1);
        sign = -sign;
    }
    total
}

/// 4b helper: determinant of the submatrix of rows `row..ell` and columns `cols`.
#[differentiate(wrt = [a])]
pub fn det_cols(a: &[f64], ell: usize, row: usize, cols: &[usize]) -> f64 {
    if cols.len() == 1 {
        return a[row * ell + cols[0]];
    }
    let mut total = 0.0;
    let mut sign = 1.0;
    for &c in cols.iter() {
        // Closest variant: `cols.iter().enumerate().filter(..)..collect()` and
        // `cols.iter().copied().filter(..).collect()` are rejected, although
        // `cols` is a constant `&[usize]` (see rejected/det_cols_*.rs).
        let mut rest = Vec::with_capacity(cols.len() - 1);
        for &cc in cols {
            if cc != c {
                rest.push(cc);
            }
        }
        total += sign * a[row * ell + c] * det_cols(a, ell, row + 1, &rest);
        sign = -sign;
    }
    total
}

/// 4b. Index list of remaining columns.
#[differentiate(wrt = [a])]
pub fn det_by_cols(a: &[f64], ell: usize) -> f64 {
    let cols: Vec<usize> = (0..ell).collect();
    det_cols(a, ell, 0, &cols)
}

/// 4c (extra). Recursive, the minor built from row slices with
/// `extend_from_slice` (closest variant of an iterator-chain minor
/// `(1..ell).flat_map(..).collect()`, rejected: see rejected/det_iter_flat_map.rs).
#[differentiate(wrt = [a])]
pub fn det_slices(a: &[f64], ell: usize) -> f64 {
    if ell == 1 {
        return a[0];
    }
    let mut total = 0.0;
    for j in 0..ell {
        let mut minor = Vec::with_capacity((ell - 1) * (ell - 1));
        for r in 1..ell {
            let row = &a[r * ell..(r + 1) * ell];
            minor.extend_from_slice(&row[..j]);
            minor.extend_from_slice(&row[j + 1..]);
        }
        let sign = if j % 2 == 0 { 1.0 } else { -1.0 };
        total += sign * a[j] * det_slices(&minor, ell - 1);
    }
    total
}
