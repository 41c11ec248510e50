//! A million steps of a simulation, differentiated in bounded memory.
//!
//! A chain of eight damped springs is stepped a million times by
//! semi-implicit Euler; we want the gradient of the last mass's position
//! with respect to every spring's stiffness. Reverse mode needs the state
//! of every step, backwards: kept whole, that is 128 bytes a step, 128 MB
//! here. `#[differentiate(checkpoints = 64)]` keeps 64 states instead and
//! recomputes the rest by Griewank's binomial schedule ("revolve"): a few
//! more forward runs of each step, memory independent of the number of
//! steps. This example measures both and checks that the gradients agree
//! (bit for bit) and match finite differences.
//!
//! Run with: cargo run --release --example long_simulation [-- --quick]
//! (`--quick`: 100,000 steps).
use gradmacro::differentiate;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// The position of the last mass after `steps` steps of 0.1 ms.
#[differentiate(wrt = [stiffness], checkpoints = 64)]
fn last_position(stiffness: &[f64], steps: usize) -> f64 {
    let n = stiffness.len();
    let dt = 0.0001;
    let mut x = vec![0.0; n];
    let mut v = vec![1.0; n];
    for _ in 0..steps {
        for i in 0..n {
            let left = if i > 0 { x[i - 1] } else { 0.0 };
            let right = if i + 1 < n { x[i + 1] } else { x[i] };
            let force = -stiffness[i] * (x[i] - left) + 0.5 * (right - x[i]) - 0.02 * v[i];
            v[i] += dt * force;
        }
        for i in 0..n {
            x[i] += dt * v[i];
        }
    }
    x[n - 1]
}

/// The same function with one saved state per step (the default).
#[differentiate(wrt = [stiffness])]
fn last_position_every_step(stiffness: &[f64], steps: usize) -> f64 {
    let n = stiffness.len();
    let dt = 0.0001;
    let mut x = vec![0.0; n];
    let mut v = vec![1.0; n];
    for _ in 0..steps {
        for i in 0..n {
            let left = if i > 0 { x[i - 1] } else { 0.0 };
            let right = if i + 1 < n { x[i + 1] } else { x[i] };
            let force = -stiffness[i] * (x[i] - left) + 0.5 * (right - x[i]) - 0.02 * v[i];
            v[i] += dt * force;
        }
        for i in 0..n {
            x[i] += dt * v[i];
        }
    }
    x[n - 1]
}

/// Counts the bytes live at once (their peak), to show what each gradient
/// keeps.
struct PeakAllocator;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for PeakAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(live, Ordering::Relaxed);
        System.alloc(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static ALLOCATOR: PeakAllocator = PeakAllocator;

/// Runs `work`, returning its result, the peak bytes it held and its time.
fn measured<T>(work: impl FnOnce() -> T) -> (T, usize, f64) {
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let start = Instant::now();
    let result = work();
    let seconds = start.elapsed().as_secs_f64();
    (result, PEAK.load(Ordering::Relaxed) - before, seconds)
}

fn main() {
    let quick = std::env::args().any(|arg| arg == "--quick");
    let steps = if quick { 100_000 } else { 1_000_000 };
    let stiffness = [2.0, 3.5, 1.25, 4.0, 0.75, 2.5, 3.0, 1.5];

    let (value, primal_bytes, primal_seconds) = measured(|| last_position(&stiffness, steps));
    let ((bounded_value, bounded), bounded_bytes, bounded_seconds) =
        measured(|| last_position_grad(&stiffness, steps));
    let ((every_value, every), every_bytes, every_seconds) =
        measured(|| last_position_every_step_grad(&stiffness, steps));

    println!("{steps} steps of 8 springs: last position {value:.6}");
    println!("                          peak memory        time");
    println!("primal                    {primal_bytes:>9} B   {primal_seconds:>8.3} s");
    println!("gradient, every state     {every_bytes:>9} B   {every_seconds:>8.3} s");
    println!("gradient, 64 states       {bounded_bytes:>9} B   {bounded_seconds:>8.3} s");
    let shown: Vec<String> = bounded.iter().map(|g| format!("{g:.3e}")).collect();
    println!("d position / d stiffness: [{}]", shown.join(", "));

    // The schedule changes what is kept, never the arithmetic.
    assert_eq!(bounded_value, value);
    assert_eq!(every_value, value);
    assert_eq!(bounded, every, "the two gradients differ");
    // 64 states of 16 floats are 8 KiB; one per step is 128 bytes a step.
    assert!(bounded_bytes < 64 * 1024, "{bounded_bytes} bytes kept");
    assert!(every_bytes >= 128 * steps, "{every_bytes} bytes kept");
    // And the gradient is right: central differences.
    let report = gradmacro::check::check_gradient(
        |k| last_position(k, steps),
        &stiffness,
        &bounded,
        Default::default(),
    );
    assert!(report.passed, "{report}");
    println!("checked against finite differences and the stored gradient: ok");
}
