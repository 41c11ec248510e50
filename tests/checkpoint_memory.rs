//! `checkpoints = N` bounds what a checkpointed loop keeps: the peak of the
//! memory the generated gradient holds does not grow with the number of
//! steps, where one saved state per step does. Measured with an allocator
//! that tracks the bytes live on this thread and their peak.

#![allow(clippy::needless_range_loop)]

use gradmacro::differentiate;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct PeakAllocator;

thread_local! {
    static LIVE: Cell<usize> = const { Cell::new(0) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for PeakAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grow(layout.size());
        System.alloc(layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        shrink(layout.size());
        grow(new_size);
        System.realloc(ptr, layout, new_size)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        shrink(layout.size());
        System.dealloc(ptr, layout)
    }
}

fn grow(bytes: usize) {
    let _ = LIVE.try_with(|live| {
        live.set(live.get() + bytes);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(live.get())));
    });
}

fn shrink(bytes: usize) {
    let _ = LIVE.try_with(|live| live.set(live.get().saturating_sub(bytes)));
}

#[global_allocator]
static ALLOCATOR: PeakAllocator = PeakAllocator;

/// The most bytes live at once while `work` runs, above those live before.
fn peak_during(work: impl FnOnce()) -> usize {
    let before = LIVE.with(Cell::get);
    PEAK.with(|peak| peak.set(before));
    work();
    PEAK.with(Cell::get) - before
}

/// A chain of four damped springs, stepped by semi-implicit Euler: the
/// state is positions and velocities, swept by loops over the masses.
#[differentiate(wrt = [stiffness], checkpoints = 32)]
fn springs_bounded(stiffness: &[f64], steps: usize) -> f64 {
    let n = stiffness.len();
    let dt = 0.001;
    let mut x = vec![0.0; n];
    let mut v = vec![1.0; n];
    for _ in 0..steps {
        for i in 0..n {
            let left = if i > 0 { x[i - 1] } else { 0.0 };
            let force = -stiffness[i] * (x[i] - left) - 0.1 * v[i];
            v[i] += dt * force;
        }
        for i in 0..n {
            x[i] += dt * v[i];
        }
    }
    x[n - 1]
}

/// The same with one saved state per step.
#[differentiate(wrt = [stiffness])]
fn springs_every_step(stiffness: &[f64], steps: usize) -> f64 {
    let n = stiffness.len();
    let dt = 0.001;
    let mut x = vec![0.0; n];
    let mut v = vec![1.0; n];
    for _ in 0..steps {
        for i in 0..n {
            let left = if i > 0 { x[i - 1] } else { 0.0 };
            let force = -stiffness[i] * (x[i] - left) - 0.1 * v[i];
            v[i] += dt * force;
        }
        for i in 0..n {
            x[i] += dt * v[i];
        }
    }
    x[n - 1]
}

const STIFFNESS: [f64; 4] = [2.0, 3.5, 1.25, 4.0];

#[test]
fn a_bounded_schedule_keeps_its_memory_whatever_the_steps() {
    let short = peak_during(|| {
        springs_bounded_grad(&STIFFNESS, 2_000);
    });
    let long = peak_during(|| {
        springs_bounded_grad(&STIFFNESS, 100_000);
    });
    // 32 states of two 4-float buffers are 2 KiB; the rest is per step.
    assert!(
        long <= short + 1024,
        "{short} bytes at 2000 steps, {long} at 100000"
    );
    assert!(long < 16 * 1024, "{long}");
    // One state per step: 64 bytes a step at least.
    let every = peak_during(|| {
        springs_every_step_grad(&STIFFNESS, 100_000);
    });
    assert!(every > 64 * 100_000, "{every}");
}

#[test]
fn the_bounded_gradient_is_the_stored_one() {
    let (value, grad) = springs_bounded_grad(&STIFFNESS, 3_000);
    let (every_value, every_grad) = springs_every_step_grad(&STIFFNESS, 3_000);
    assert_eq!(value, every_value);
    assert_eq!(grad, every_grad);
    let report = gradmacro::check::check_gradient(
        |k| springs_bounded(k, 3_000),
        &STIFFNESS,
        &grad,
        Default::default(),
    );
    assert!(report.passed, "{report}");
}
