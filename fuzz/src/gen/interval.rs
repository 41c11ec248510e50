//! Rough interval bounds of generated values.
//!
//! The generator keeps every value within a modest magnitude so that the
//! finite-difference reference is accurate: it bounds each expression by
//! interval arithmetic over the parameters' sampling range and squashes
//! (`tanh`, `atan`, `sin`) whatever grows too large before it reaches `exp`,
//! a product, or a variable that a loop feeds back into itself. The bounds
//! need not be sound (loops are approximated by widening); they only steer
//! the generator away from overflow and catastrophic cancellation.

/// A closed interval `[lo, hi]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Iv {
    pub lo: f64,
    pub hi: f64,
}

impl Iv {
    pub fn new(lo: f64, hi: f64) -> Iv {
        Iv {
            lo: lo.min(hi),
            hi: hi.max(lo),
        }
    }

    pub fn point(v: f64) -> Iv {
        Iv::new(v, v)
    }

    /// `[-m, m]`
    pub fn sym(m: f64) -> Iv {
        Iv::new(-m, m)
    }

    /// The largest magnitude in the interval.
    pub fn mag(self) -> f64 {
        self.lo.abs().max(self.hi.abs())
    }

    pub fn hull(self, o: Iv) -> Iv {
        Iv::new(self.lo.min(o.lo), self.hi.max(o.hi))
    }

    pub fn add(self, o: Iv) -> Iv {
        Iv::new(self.lo + o.lo, self.hi + o.hi)
    }

    pub fn sub(self, o: Iv) -> Iv {
        Iv::new(self.lo - o.hi, self.hi - o.lo)
    }

    pub fn neg(self) -> Iv {
        Iv::new(-self.hi, -self.lo)
    }

    pub fn mul(self, o: Iv) -> Iv {
        let c = [
            self.lo * o.lo,
            self.lo * o.hi,
            self.hi * o.lo,
            self.hi * o.hi,
        ];
        Iv::new(
            c.iter().cloned().fold(f64::INFINITY, f64::min),
            c.iter().cloned().fold(f64::NEG_INFINITY, f64::max),
        )
    }

    /// `self / o` for a divisor that excludes zero.
    pub fn div(self, o: Iv) -> Iv {
        if o.lo <= 0.0 && o.hi >= 0.0 {
            return Iv::sym(1e12);
        }
        self.mul(Iv::new(1.0 / o.hi, 1.0 / o.lo))
    }

    pub fn scale(self, k: f64) -> Iv {
        Iv::new(self.lo * k, self.hi * k)
    }

    /// The image under a nondecreasing function.
    pub fn mono(self, f: impl Fn(f64) -> f64) -> Iv {
        Iv::new(f(self.lo), f(self.hi))
    }

    /// `x²` (tighter than `mul` with itself).
    pub fn square(self) -> Iv {
        let m = self.mag();
        if self.lo <= 0.0 && self.hi >= 0.0 {
            Iv::new(0.0, m * m)
        } else {
            let n = self.lo.abs().min(self.hi.abs());
            Iv::new(n * n, m * m)
        }
    }

    /// `|x|`
    pub fn abs(self) -> Iv {
        if self.lo >= 0.0 {
            self
        } else if self.hi <= 0.0 {
            self.neg()
        } else {
            Iv::new(0.0, self.mag())
        }
    }

    /// `max(self, o)` / `min(self, o)`
    pub fn max(self, o: Iv) -> Iv {
        Iv::new(self.lo.max(o.lo), self.hi.max(o.hi))
    }

    pub fn min(self, o: Iv) -> Iv {
        Iv::new(self.lo.min(o.lo), self.hi.min(o.hi))
    }
}

#[cfg(test)]
mod tests {
    use super::Iv;

    #[test]
    fn arithmetic_bounds() {
        let a = Iv::new(-1.0, 2.0);
        assert_eq!(a.mul(a), Iv::new(-2.0, 4.0));
        assert_eq!(a.square(), Iv::new(0.0, 4.0));
        assert_eq!(a.sub(Iv::point(1.0)), Iv::new(-2.0, 1.0));
        assert_eq!(Iv::point(1.0).div(Iv::new(0.5, 2.0)), Iv::new(0.5, 2.0));
        assert!(Iv::point(1.0).div(a).mag() > 1e11);
    }
}
