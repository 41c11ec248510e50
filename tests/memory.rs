//! The saved state of a loop grows with the values the reverse sweep needs, one
//! stack entry per needed value per iteration, not with every temporary; code
//! without loops allocates nothing. Measured with a counting allocator (bytes
//! requested by this thread while the generated gradient runs).

use gradmacro::differentiate;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct CountingAllocator;

thread_local! {
    static BYTES: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = BYTES.try_with(|bytes| bytes.set(bytes.get() + layout.size()));
        System.alloc(layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = BYTES.try_with(|bytes| bytes.set(bytes.get() + new_size));
        System.realloc(ptr, layout, new_size)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

fn bytes_during(work: impl FnOnce()) -> usize {
    let before = BYTES.with(Cell::get);
    work();
    BYTES.with(Cell::get) - before
}

/// Bytes allocated per extra iteration, from runs of `n` and `4n` iterations.
fn bytes_per_iteration(run: impl Fn(usize), n: usize) -> f64 {
    let small = bytes_during(|| run(n));
    let large = bytes_during(|| run(4 * n));
    (large - small) as f64 / (3 * n) as f64
}

/// The logistic map: the reverse sweep needs only each iteration's `l` (the
/// products `r * l` and `1 - l` are recomputed from it).
#[differentiate(wrt = [r, l0])]
fn logistic(r: f64, l0: f64, steps: usize) -> f64 {
    let mut l = l0;
    for _ in 0..steps {
        l = r * l * (1.0 - l);
    }
    l
}

/// A body with seven temporaries per iteration, of which the reverse sweep needs
/// one: the partial of `sin` (every product is by a constant, which the reverse
/// sweep writes inline, so not even `x` has to be saved).
#[differentiate(wrt = [x0, a])]
fn many_temporaries(x0: f64, a: f64, steps: usize) -> f64 {
    let mut x = x0;
    for _ in 0..steps {
        let t1 = x * 0.5 + 1.0;
        let t2 = t1 * 2.0 - 3.0;
        let t3 = -t2 + a;
        let t4 = t3 * 0.25 + t1 * 0.125;
        let t5 = t4.sin();
        x = t5 * 0.9 + t4 * 0.1;
    }
    x
}

/// A loop whose body has nothing to differentiate saves nothing.
#[differentiate(wrt = x)]
fn constant_loop(x: f64, steps: usize) -> f64 {
    let mut count = 0.0;
    for k in 0..steps {
        count += (k % 3) as f64;
    }
    x * count
}

#[differentiate]
fn branches_only(x: f64, y: f64) -> f64 {
    let z = if x > y { x * y } else { x - y };
    match (z > 0.0) as u8 {
        0 => z * z,
        _ => z.exp(),
    }
}

#[test]
fn logistic_map_saves_one_value_per_iteration() {
    let per_iteration = bytes_per_iteration(
        |n| {
            let _ = logistic_grad(3.7, 0.4, n);
        },
        1000,
    );
    assert_eq!(per_iteration, 8.0, "one f64 per iteration");
}

#[test]
fn temporaries_are_not_saved() {
    let per_iteration = bytes_per_iteration(
        |n| {
            let _ = many_temporaries_grad(0.3, 0.7, n);
        },
        1000,
    );
    assert_eq!(per_iteration, 8.0, "one f64 per iteration");
}

#[test]
fn inactive_loops_and_branches_allocate_nothing() {
    let mut sink = 0.0;
    let mut run = |work: &dyn Fn() -> f64| bytes_during(|| sink += work());
    assert_eq!(run(&|| constant_loop_grad(0.5, 1000).1), 0);
    assert_eq!(run(&|| branches_only_grad(0.5, 0.25).1 .0), 0);
    assert_eq!(run(&|| branches_only_grad(-0.5, 0.25).1 .1), 0);
    assert!(sink.is_finite());
}

#[test]
fn the_gradients_are_right() {
    // Forward-mode (tangent) recurrence for the logistic map.
    let (r, mut l, mut dl_dr, mut dl_dl0) = (3.7, 0.4_f64, 0.0, 1.0);
    for _ in 0..50 {
        let slope = r * (1.0 - 2.0 * l);
        dl_dr = l * (1.0 - l) + slope * dl_dr;
        dl_dl0 *= slope;
        l = r * l * (1.0 - l);
    }
    let (value, (dr, dl0)) = logistic_grad(3.7, 0.4, 50);
    assert_eq!(value, l);
    assert!((dr - dl_dr).abs() <= 1e-9 * dl_dr.abs(), "{dr} vs {dl_dr}");
    assert!(
        (dl0 - dl_dl0).abs() <= 1e-9 * dl_dl0.abs(),
        "{dl0} vs {dl_dl0}"
    );
    let h = 1e-6;
    let (_, (dx0, da)) = many_temporaries_grad(0.3, 0.7, 20);
    let fd_x0 =
        (many_temporaries(0.3 + h, 0.7, 20) - many_temporaries(0.3 - h, 0.7, 20)) / (2.0 * h);
    let fd_a =
        (many_temporaries(0.3, 0.7 + h, 20) - many_temporaries(0.3, 0.7 - h, 20)) / (2.0 * h);
    assert!((dx0 - fd_x0).abs() < 1e-7, "{dx0} vs {fd_x0}");
    assert!((da - fd_a).abs() < 1e-7, "{da} vs {fd_a}");
}

/// Relaxation in place: every step overwrites every element of a scratch buffer.
#[differentiate(wrt = x)]
fn relax(x: &[f64], steps: usize) -> f64 {
    let mut buf = x.to_vec();
    for _ in 0..steps {
        for i in 1..buf.len() {
            buf[i] = (buf[i] * buf[i - 1]).sin() + x[i];
        }
    }
    buf.iter().sum()
}

#[test]
fn overwriting_a_buffer_costs_memory_per_write_not_per_buffer() {
    // Bytes allocated per element write, for a small and a large buffer. The
    // reverse sweep keeps four values per write (the index, the two elements read
    // and the partial of `sin`: 32 bytes); the count here also includes the
    // stacks' geometric growth, since inner loops are re-entered. It is the same
    // for both sizes, and far below a copy of the buffer per write (2 KiB at 256).
    let per_write = |n: usize| {
        let x: Vec<f64> = (0..n).map(|i| 0.1 + 0.01 * i as f64).collect();
        let run = |steps: usize| bytes_during(|| drop(std::hint::black_box(relax_grad(&x, steps))));
        (run(8) - run(4)) as f64 / (4 * (n - 1)) as f64
    };
    let (small, large) = (per_write(16), per_write(256));
    assert!(
        small <= 80.0 && large <= 80.0,
        "{small} and {large} bytes per write"
    );
    assert!(
        (large - small).abs() <= 0.15 * small,
        "{small} vs {large} bytes per write"
    );
    // And the gradient is right.
    let x = [0.3, 0.5, 0.2, 0.9];
    let (_, g) = relax_grad(&x, 3);
    for i in 0..x.len() {
        let (mut up, mut down) = (x, x);
        up[i] += 1e-6;
        down[i] -= 1e-6;
        let fd = (relax(&up, 3) - relax(&down, 3)) / 2e-6;
        assert!((g[i] - fd).abs() < 1e-6, "{i}: {} vs {fd}", g[i]);
    }
}
