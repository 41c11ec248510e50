//! What checkpointed loops save: the state each iteration starts from, which
//! the reverse sweep loads back to recompute the iteration (see the macro's
//! `fuse/checkpoint.rs`).

/// The states a checkpointed loop saves at the start of each iteration, for
/// one buffer: every iteration's contents, one after the other, and where each
/// starts (a buffer lent `&mut` to a call may change length).
pub struct Checkpoints<T> {
    contents: ::std::vec::Vec<T>,
    starts: ::std::vec::Vec<usize>,
    /// How many iterations the loop is expected to run (its iterator's
    /// lower bound): the first save reserves room for all of them, so the
    /// states are not moved as they grow.
    expected: usize,
}

impl<T: Clone> Checkpoints<T> {
    /// No state saved yet, for a loop expected to run `expected` iterations.
    #[inline]
    pub fn new(expected: usize) -> Self {
        Checkpoints {
            contents: ::std::vec::Vec::new(),
            starts: ::std::vec::Vec::new(),
            expected,
        }
    }

    /// Saves the buffer's contents as the next iteration's state.
    #[inline]
    pub fn save(&mut self, buffer: &[T]) {
        if self.starts.is_empty() {
            self.contents
                .reserve_exact(self.expected.max(1).saturating_mul(buffer.len()));
            self.starts.reserve_exact(self.expected.max(1));
        }
        self.starts.push(self.contents.len());
        self.contents.extend_from_slice(buffer);
    }

    /// Gives `buffer` back the contents saved by iteration `k`.
    #[inline]
    pub fn load<B: CheckpointedBuffer<T> + ?Sized>(&self, k: usize, buffer: &mut B) {
        let end = self
            .starts
            .get(k + 1)
            .copied()
            .unwrap_or(self.contents.len());
        buffer.load(&self.contents[self.starts[k]..end]);
    }
}

/// A buffer a checkpointed loop's state is loaded back into: a `Vec` takes
/// the saved length, a slice or an array must have it.
pub trait CheckpointedBuffer<T> {
    /// Overwrites the contents with `saved`.
    fn load(&mut self, saved: &[T]);
}

impl<T: Clone> CheckpointedBuffer<T> for ::std::vec::Vec<T> {
    #[inline]
    fn load(&mut self, saved: &[T]) {
        self.clear();
        self.extend_from_slice(saved);
    }
}

impl<T: Clone> CheckpointedBuffer<T> for [T] {
    #[inline]
    fn load(&mut self, saved: &[T]) {
        self.clone_from_slice(saved);
    }
}

impl<T: Clone, const N: usize> CheckpointedBuffer<T> for [T; N] {
    #[inline]
    fn load(&mut self, saved: &[T]) {
        self.clone_from_slice(saved);
    }
}

impl<T: Clone, B: CheckpointedBuffer<T> + ?Sized> CheckpointedBuffer<T> for &mut B {
    #[inline]
    fn load(&mut self, saved: &[T]) {
        (**self).load(saved);
    }
}
