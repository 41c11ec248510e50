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

impl<T: Clone> Checkpoints<T> {
    /// Saves the buffer's contents in `slot`, dropping the slots after it
    /// (a binomial schedule uses its slots as a stack).
    #[inline]
    pub fn save_slot(&mut self, slot: usize, buffer: &[T]) {
        if let Some(&start) = self.starts.get(slot) {
            self.contents.truncate(start);
            self.starts.truncate(slot);
        }
        self.save(buffer);
    }
}

/// [`Checkpoints::save_slot`] for a variable's states.
#[inline]
pub fn save_slot<T>(states: &mut ::std::vec::Vec<T>, slot: usize, value: T) {
    states.truncate(slot);
    states.push(value);
}

/// One step of a binomial checkpointing schedule (see [`Revolve`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Save the live state, which is that before iteration `at`, in a slot.
    #[allow(missing_docs)]
    Save { slot: usize, at: usize },
    /// Load the state saved in a slot: the live state is then that before
    /// iteration `at`.
    #[allow(missing_docs)]
    Load { slot: usize, at: usize },
    /// Run iterations forward, without saving anything, from the live
    /// state's up to (not including) iteration `to`.
    #[allow(missing_docs)]
    Advance { to: usize },
    /// Run iteration `at` forward with its saves and reverse it at once (the
    /// live state is that before `at`).
    #[allow(missing_docs)]
    Reverse { at: usize },
    /// Every iteration is reversed.
    Done,
}

/// Griewank's binomial checkpointing ("revolve"): the reverse of `steps`
/// iterations with at most `slots` saved states. With `s` slots and `r`
/// forward runs per iteration (the smallest `r` with `C(s + r, s) ≥ steps`),
/// every iteration is reversed once; memory is `slots` states, whatever the
/// number of steps, and the forward runs grow like `log steps` for a fixed
/// number of slots (a million steps in 40 slots: at most 5 advances of each
/// iteration, 3 in 1000 slots), besides the forward sweep's run and the
/// reverse's own.
///
/// The schedule is produced an action at a time from a stack of pending
/// ranges (its length is at most the number of slots plus one), so it needs
/// no memory per step. Slot 0 holds the state before the loop, saved by the
/// forward sweep.
pub struct Revolve {
    pending: ::std::vec::Vec<Pending>,
    queue: ::std::collections::VecDeque<Action>,
}

#[derive(Clone, Copy, Debug)]
enum Pending {
    /// Reverse iterations `start..end`; the state before `start` is live and
    /// saved in `slot`, and the slots after it, `free` of them, are free.
    Range {
        start: usize,
        end: usize,
        slot: usize,
        free: usize,
    },
    /// Load `slot` (the state before `start`), then reverse `start..end`.
    Left {
        start: usize,
        end: usize,
        slot: usize,
        free: usize,
    },
    /// No free slot: reverse `start..=last` one at a time, each from the
    /// state before `start` (in `slot`), last first.
    Sweep {
        start: usize,
        last: usize,
        slot: usize,
    },
}

impl Revolve {
    /// The schedule reversing `steps` iterations with `slots` saved states
    /// (at least one: the state before the loop).
    pub fn new(steps: usize, slots: usize) -> Self {
        let mut queue = ::std::collections::VecDeque::new();
        let mut pending = ::std::vec::Vec::new();
        if steps > 0 {
            queue.push_back(Action::Load { slot: 0, at: 0 });
            pending.push(Pending::Range {
                start: 0,
                end: steps,
                slot: 0,
                free: slots.max(1) - 1,
            });
        }
        Revolve { pending, queue }
    }

    /// The next action.
    pub fn next_action(&mut self) -> Action {
        loop {
            if let Some(action) = self.queue.pop_front() {
                return action;
            }
            let Some(pending) = self.pending.pop() else {
                return Action::Done;
            };
            match pending {
                Pending::Range {
                    start,
                    end,
                    slot,
                    free,
                } => {
                    let count = end - start;
                    if count == 1 {
                        self.queue.push_back(Action::Reverse { at: start });
                    } else if free == 0 {
                        self.queue.push_back(Action::Advance { to: end - 1 });
                        self.queue.push_back(Action::Reverse { at: end - 1 });
                        self.pending.push(Pending::Sweep {
                            start,
                            last: end - 2,
                            slot,
                        });
                    } else {
                        let split = end - right_part(count, free);
                        self.queue.push_back(Action::Advance { to: split });
                        self.queue.push_back(Action::Save {
                            slot: slot + 1,
                            at: split,
                        });
                        self.pending.push(Pending::Left {
                            start,
                            end: split,
                            slot,
                            free,
                        });
                        self.pending.push(Pending::Range {
                            start: split,
                            end,
                            slot: slot + 1,
                            free: free - 1,
                        });
                    }
                }
                Pending::Left {
                    start,
                    end,
                    slot,
                    free,
                } => {
                    self.queue.push_back(Action::Load { slot, at: start });
                    self.pending.push(Pending::Range {
                        start,
                        end,
                        slot,
                        free,
                    });
                }
                Pending::Sweep { start, last, slot } => {
                    self.queue.push_back(Action::Load { slot, at: start });
                    if last > start {
                        self.queue.push_back(Action::Advance { to: last });
                        self.pending.push(Pending::Sweep {
                            start,
                            last: last - 1,
                            slot,
                        });
                    }
                    self.queue.push_back(Action::Reverse { at: last });
                }
            }
        }
    }
}

/// `C(s + r, s)`, saturating: how many iterations `s` free slots and `r`
/// forward runs can reverse.
fn binomial(s: usize, r: usize) -> usize {
    let mut value: usize = 1;
    for k in 1..=s.min(r) {
        // C(n, k) = C(n, k - 1) · (n - k + 1) / k, exact at every step.
        let n = s + r;
        value = match value.checked_mul(n - k + 1) {
            Some(product) => product / k,
            None => return usize::MAX,
        };
    }
    value
}

/// How many of `count` iterations (at least 2) go to the right of the next
/// saved state when `free` slots are free: as many as `free - 1` slots can
/// reverse with the fewest forward runs that still cover `count`.
fn right_part(count: usize, free: usize) -> usize {
    let mut runs = 1;
    while binomial(free, runs) < count {
        runs += 1;
    }
    binomial(free - 1, runs).clamp(1, count - 1)
}

#[cfg(test)]
mod tests {
    use super::{Action, Revolve};

    /// Runs a schedule on a model of the live state, checking that every
    /// action is valid, and returns the order in which iterations were
    /// reversed, the forward iterations run, and the slots used.
    fn run(steps: usize, slots: usize) -> (Vec<usize>, usize, usize) {
        let mut schedule = Revolve::new(steps, slots);
        let mut live: Option<usize> = None;
        let mut saved: Vec<usize> = vec![0];
        let (mut reversed, mut advanced, mut used) = (Vec::new(), 0, 1);
        loop {
            match schedule.next_action() {
                Action::Save { slot, at } => {
                    assert_eq!(live, Some(at));
                    assert!(slot < slots && slot <= saved.len());
                    saved.truncate(slot);
                    saved.push(at);
                    used = used.max(saved.len());
                }
                Action::Load { slot, at } => {
                    assert_eq!(saved[slot], at);
                    live = Some(at);
                }
                Action::Advance { to } => {
                    let from = live.expect("a live state");
                    assert!(to > from);
                    advanced += to - from;
                    live = Some(to);
                }
                Action::Reverse { at } => {
                    assert_eq!(live, Some(at));
                    reversed.push(at);
                    live = None;
                }
                Action::Done => return (reversed, advanced, used),
            }
        }
    }

    #[test]
    fn every_iteration_is_reversed_once_last_first_within_the_slots() {
        for steps in [0, 1, 2, 3, 7, 10, 64, 100, 1000] {
            for slots in [1, 2, 3, 5, 10] {
                let (reversed, _, used) = run(steps, slots);
                let expected: Vec<usize> = (0..steps).rev().collect();
                assert_eq!(reversed, expected, "{steps} steps, {slots} slots");
                assert!(used <= slots.max(1));
            }
        }
    }

    #[test]
    fn forward_runs_grow_slowly_with_the_steps() {
        // 40 slots reverse a million steps in r = 5 advances of each
        // iteration at most (C(45, 5) ≥ 10^6 > C(44, 4)); Griewank's optimum
        // is r·n − C(s + r, s + 1) = 4 851 005 iterations advanced.
        let (_, advanced, used) = run(1_000_000, 40);
        assert!(used <= 40);
        assert!(advanced <= 4_900_000, "{advanced}");
        // 1000 slots: r = 3 (C(1002, 2) < 10^6), so at most 3 advances each.
        let (_, advanced, _) = run(1_000_000, 1000);
        assert!(advanced <= 3_000_000, "{advanced}");
        // One slot is the quadratic sweep.
        let (_, advanced, _) = run(10, 1);
        assert_eq!(advanced, (1..10).sum::<usize>());
    }
}
