//! Properties of the generated code itself: it allocates nothing, runs the primal
//! once, and leaves reference parameters usable by constant helpers.

use gradmacro::differentiate;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// Counts allocations made by the current thread, so tests running in parallel
/// do not disturb each other.
struct CountingAllocator;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
    static HELPER_CALLS: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|count| count.set(count.get() + 1));
        System.alloc(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

fn allocations_during(work: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    work();
    ALLOCATIONS.with(Cell::get) - before
}

/// The seeds' sigmoid-MSE graph: rules, division, constants and shadowing.
#[differentiate(wrt = [w1, w2])]
fn neuron_loss(x1: f64, x2: f64, w1: f64, w2: f64, y: f64) -> f64 {
    let u = w1 * x1 + w2 * x2;
    let y_hat = 1.0 / (1.0 + (-u).exp());
    let e = y_hat - y;
    0.5 * e * e
}

#[test]
fn straight_line_gradients_allocate_nothing() {
    let mut sink = 0.0;
    let count = allocations_during(|| {
        for k in 0..100 {
            let (value, (dw1, dw2)) = neuron_loss_grad(1.0, 2.0, 0.1 * k as f64, -0.3, 1.0);
            let (_, (a, b, c, d, e)) = neuron_loss_pullback(1.0, 2.0, 0.5, -0.3, 1.0, 2.0);
            sink += value + dw1 + dw2 + a + b + c + d + e;
        }
    });
    assert!(sink.is_finite());
    assert_eq!(count, 0, "the generated gradient allocated");
    // The counter works: a Vec does allocate.
    assert_eq!(
        allocations_during(|| drop(std::hint::black_box(vec![1.0_f64; 4]))),
        1
    );
}

/// A constant helper that counts its calls: the gradient must call it once, as
/// the primal does, not re-run the primal for the reverse sweep.
fn counted_scale(k: i32) -> f64 {
    HELPER_CALLS.with(|calls| calls.set(calls.get() + 1));
    f64::from(k) * 0.5
}

#[differentiate]
fn scaled_exp(x: f64, k: i32) -> f64 {
    let s = counted_scale(k);
    (s * x).exp() + s
}

#[test]
fn the_primal_runs_once() {
    let calls = || HELPER_CALLS.with(Cell::get);
    let start = calls();
    let (value, dx) = scaled_exp_grad(0.4, 3);
    assert_eq!(calls() - start, 1);
    assert_eq!(value, scaled_exp(0.4, 3));
    assert!((dx - 1.5 * (1.5_f64 * 0.4).exp()).abs() < 1e-12);
    let start = calls();
    let _ = scaled_exp_pullback(0.4, 3, 1.0);
    assert_eq!(calls() - start, 1);
}

fn read(value: &f64) -> f64 {
    *value * 2.0
}

/// `x` is a float reference outside `wrt`: the constant helper gets the reference
/// itself, while arithmetic reads the float behind it.
#[differentiate(wrt = w)]
fn weighted(w: f64, x: &f64) -> f64 {
    w * read(x) + w * x
}

#[test]
fn reference_parameters_reach_constant_helpers_unchanged() {
    let (value, dw) = weighted_grad(3.0, &0.25);
    assert_eq!(value, weighted(3.0, &0.25));
    assert_eq!(dw, 0.75);
}
