//! The k-means objective (sum over points of the squared distance to the
//! nearest centroid), as GradBench's `kmeans` eval computes it, written the
//! ways people write a running minimum.

use gradmacro::differentiate;

/// Flat slices, `if dist < best { best = dist; }`.
#[differentiate(wrt = c)]
pub fn km_if(x: &[f64], c: &[f64], k: usize, d: usize) -> f64 {
    let n = x.len() / d;
    let mut total = 0.0;
    for i in 0..n {
        let mut best = f64::INFINITY;
        for j in 0..k {
            let mut dist = 0.0;
            for t in 0..d {
                let diff = x[i * d + t] - c[j * d + t];
                dist += diff * diff;
            }
            if dist < best {
                best = dist;
            }
        }
        total += best;
    }
    total
}

/// Rows as `Vec`s, `best = best.min(dist)`.
#[differentiate(wrt = c)]
pub fn km_min(x: &[Vec<f64>], c: &[Vec<f64>]) -> f64 {
    let mut total = 0.0;
    for p in x {
        let mut best = f64::INFINITY;
        for ck in c {
            let mut dist = 0.0;
            for t in 0..p.len() {
                let diff = p[t] - ck[t];
                dist += diff * diff;
            }
            best = best.min(dist);
        }
        total += best;
    }
    total
}

/// Iterator chains: `map(.. zip/map/sum ..).fold(f64::INFINITY, f64::min)`.
#[differentiate(wrt = c)]
pub fn km_fold(x: &[Vec<f64>], c: &[Vec<f64>]) -> f64 {
    let mut total = 0.0;
    for p in x {
        let best = c
            .iter()
            .map(|ck| {
                p.iter()
                    .zip(ck)
                    .map(|(a, b)| (a - b) * (a - b))
                    .sum::<f64>()
            })
            .fold(f64::INFINITY, f64::min);
        total += best;
    }
    total
}

/// Flat slices, the index of the nearest kept too (`at = j`).
#[differentiate(wrt = c)]
pub fn km_index(x: &[f64], c: &[f64], k: usize, d: usize) -> f64 {
    let n = x.len() / d;
    let mut total = 0.0;
    for i in 0..n {
        let mut best = 0.0;
        let mut at = usize::MAX;
        for j in 0..k {
            let mut dist = 0.0;
            for t in 0..d {
                dist += (x[i * d + t] - c[j * d + t]).powi(2);
            }
            if at == usize::MAX || dist < best {
                best = dist;
                at = j;
            }
        }
        total += best;
    }
    total
}

/// Hand-written: the nearest centroid found, its distance added, and
/// `-2 (x_i - c_j)` added into its gradient.
pub fn km_hand_grad(x: &[f64], c: &[f64], k: usize, d: usize) -> (f64, Vec<f64>) {
    let mut g = vec![0.0; c.len()];
    let mut total = 0.0;
    for xi in x.chunks(d) {
        let (mut best, mut at) = (f64::INFINITY, 0);
        for j in 0..k {
            let cj = &c[j * d..(j + 1) * d];
            let dist: f64 = xi.iter().zip(cj).map(|(a, b)| (a - b) * (a - b)).sum();
            if dist < best {
                (best, at) = (dist, j);
            }
        }
        total += best;
        for (gt, (a, b)) in g[at * d..(at + 1) * d]
            .iter_mut()
            .zip(xi.iter().zip(&c[at * d..]))
        {
            *gt -= 2.0 * (a - b);
        }
    }
    (total, g)
}
