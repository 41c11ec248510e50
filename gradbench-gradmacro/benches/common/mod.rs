//! What the two benches share: deterministic test data, medians, and
//! durations written for a table.

use std::time::Duration;

/// A deterministic generator of test data (xorshift64*), so every run times the
/// same inputs.
pub struct Random(pub u64);

impl Random {
    /// Uniform in `[0, 1)`.
    pub fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let bits = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11;
        bits as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `[lo, hi)`.
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.next()
    }

    /// A standard normal draw (Box–Muller), as GradBench's generators use
    /// (`numpy`'s `rng.normal`): the value ranges of normal data reach the
    /// underflowing `exp`s that uniform data in `[-1, 1)` never does.
    pub fn normal(&mut self) -> f64 {
        let u = 1.0 - self.next();
        let v = self.next();
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }

    pub fn vector(&mut self, len: usize, lo: f64, hi: f64) -> Vec<f64> {
        (0..len).map(|_| self.uniform(lo, hi)).collect()
    }

    pub fn normals(&mut self, len: usize) -> Vec<f64> {
        (0..len).map(|_| self.normal()).collect()
    }

    pub fn matrix(&mut self, rows: usize, cols: usize, lo: f64, hi: f64) -> Vec<Vec<f64>> {
        (0..rows).map(|_| self.vector(cols, lo, hi)).collect()
    }
}

/// The median of some durations.
pub fn median(mut times: Vec<Duration>) -> Duration {
    times.sort_unstable();
    times[times.len() / 2]
}

pub fn format_duration(duration: Duration) -> String {
    let ns = duration.as_nanos() as f64;
    if ns >= 1e9 {
        format!("{:.3} s", ns / 1e9)
    } else if ns >= 1e6 {
        format!("{:.3} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}
