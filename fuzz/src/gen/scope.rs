//! Randomness and scope: weighted choices from the program's seeded
//! generator, fresh names, and the typed scope of variables (visibility,
//! shadowing, frozen buffers, loop widening).

use super::interval::Iv;
use super::{Gen, VTy, Var, LIMIT};

impl Gen {
    /// True with probability `p`.
    pub(in crate::gen) fn chance(&mut self, p: f64) -> bool {
        self.rng.f64() < p
    }

    /// An index drawn with the given weights.
    pub(in crate::gen) fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        assert!(total > 0, "no choice has weight");
        let mut r = self.rng.u32(0..total);
        for (i, &w) in weights.iter().enumerate() {
            if r < w {
                return i;
            }
            r -= w;
        }
        unreachable!()
    }

    pub(in crate::gen) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.rng.usize(0..items.len())]
    }

    /// A fresh name with the given prefix.
    pub(in crate::gen) fn fresh(&mut self, prefix: &str) -> String {
        self.names += 1;
        format!("{prefix}{}", self.names)
    }

    pub(in crate::gen) fn tag(&mut self, t: &'static str) {
        if !self.tags.contains(&t) {
            self.tags.push(t);
        }
    }

    pub(in crate::gen) fn declare(&mut self, name: &str, ty: VTy, mutable: bool, iv: Iv) {
        self.vars.push(Var {
            name: name.to_string(),
            ty,
            mutable,
            iv,
            reads: 0,
        });
    }

    /// The innermost variable of each name (shadowed ones are invisible).
    pub(in crate::gen) fn visible(&self) -> Vec<usize> {
        let mut out: Vec<usize> = Vec::new();
        for i in (0..self.vars.len()).rev() {
            if !out.iter().any(|&j| self.vars[j].name == self.vars[i].name) {
                out.push(i);
            }
        }
        out.reverse();
        out
    }

    /// Visible variables satisfying `pred`.
    pub(in crate::gen) fn visible_where(&self, pred: impl Fn(&Var) -> bool) -> Vec<usize> {
        self.visible()
            .into_iter()
            .filter(|&i| pred(&self.vars[i]))
            .collect()
    }

    /// One of `cands`, preferring variables read less often.
    pub(in crate::gen) fn prefer_unread(&mut self, cands: &[usize]) -> usize {
        let weights: Vec<u32> = cands
            .iter()
            .map(|&i| 8 / (1 + self.vars[i].reads.min(7)))
            .collect();
        cands[self.weighted(&weights)]
    }

    /// Runs `f` in a nested scope: variables it declares disappear after it,
    /// while updates to the bounds of outer variables are kept.
    pub(in crate::gen) fn scoped<T>(&mut self, f: impl FnOnce(&mut Gen) -> T) -> T {
        let mark = self.vars.len();
        let frozen = self.frozen.len();
        let frozen_mut = self.frozen_mut.len();
        let r = f(self);
        self.vars.truncate(mark);
        self.frozen.truncate(frozen);
        self.frozen_mut.truncate(frozen_mut);
        r
    }

    /// Whether buffer `name` may be written here.
    pub(in crate::gen) fn writable_buffer(&self, v: &Var) -> bool {
        v.mutable
            && matches!(v.ty, VTy::Buf { .. })
            && !self.frozen.iter().any(|f| f == &v.name)
            && !self.frozen_mut.iter().any(|f| f == &v.name)
    }

    /// Whether variable `v` may be read here (not a buffer being mutated
    /// through `iter_mut`).
    pub(in crate::gen) fn readable(&self, v: &Var) -> bool {
        !self.frozen_mut.iter().any(|f| f == &v.name)
    }

    /// Widens the bounds of every mutable variable before a loop body: later
    /// iterations see what earlier ones wrote.
    pub(in crate::gen) fn widen_for_loop(&mut self) {
        for v in &mut self.vars {
            if v.mutable && matches!(v.ty, VTy::F | VTy::Buf { .. }) {
                let m = v.iv.mag().max(1.0);
                v.iv = v.iv.hull(Iv::sym((2.0 * m + 4.0).min(LIMIT)));
            }
        }
    }
}
