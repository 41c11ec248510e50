//! Compile-time reverse-mode automatic differentiation for Rust.
//!
//! Write an ordinary function, add `#[differentiate]`, and call the generated
//! `NAME_grad`: it returns the value and the exact gradient. The macro applies the
//! chain rule to the function's syntax at compile time and emits plain Rust (no
//! tape, no dual numbers, no allocation), which LLVM optimises like a hand-written
//! gradient. This crate holds the derivative rules the generated code calls and
//! re-exports the macro.
//!
//! ```
//! use gradmacro::differentiate;
//!
//! // The seeds' computational graph: u = wx, v = u + b, L = v².
//! #[differentiate(wrt = [w, b])]
//! fn loss(x: f64, w: f64, b: f64) -> f64 {
//!     let u = w * x;
//!     let v = u + b;
//!     v.powi(2)
//! }
//!
//! let (value, (dl_dw, dl_db)) = loss_grad(2.0, 3.0, 4.0);
//! assert_eq!((value, dl_dw, dl_db), (100.0, 40.0, 20.0));
//! ```
//!
//! # The attribute
//!
//! | written | meaning |
//! |---|---|
//! | `#[differentiate]` | gradient with respect to every differentiable parameter, in parameter order |
//! | `#[differentiate(wrt = w)]` | with respect to `w` only: the gradient is a bare `f64` |
//! | `#[differentiate(wrt = [w, b])]` | with respect to `w` and `b`: the gradient is a tuple in the order written |
//! | `#[differentiate(float = T)]` | the float type is the type parameter `T` of the enclosing `impl<T: Float>` (see below) |
//! | `#[differentiate(explain)]` | also generate `NAME_explain`, the graph of one evaluation (see [explain]) |
//! | `#[differentiate(checkpoints = 64)]` | each checkpointed time loop keeps at most 64 saved states, whatever its number of steps (Griewank's binomial schedule; see "How it works") |
//!
//! Options combine: `#[differentiate(wrt = [w, b], explain)]`.
//! Differentiable parameters have type `f64`, `f32`, `&f64` or `&f32` (or a type
//! parameter `T: Float`), or are buffers of them (`&[f64]`, `&Vec<f64>`,
//! `[f64; N]`, `[[f64; M]; N]`, `&[[f64; M]]`); every other parameter (integers,
//! bools, structs, a method's `self`) is allowed and treated as a constant. The
//! function must return `f64`, `f32` or `T`. The original function is emitted
//! unchanged (marked `#[allow(dead_code)]`: calling only its companions uses it).
//!
//! # What the macro generates
//!
//! Beside `fn NAME(params) -> R` it emits, with the same visibility:
//!
//! - **`NAME_grad(params) -> (R, G)`**: the value and the gradient with respect to
//!   `wrt`. `G` is the bare adjoint type (`f64` for an `f64` or `&f64` parameter,
//!   `f32` for `f32`, `Vec<f64>` for `&[f64]` or `&Vec<f64>`, the same array type
//!   for an array, `Vec<[f64; M]>` for `&[[f64; M]]`) for one `wrt` parameter, and
//!   a tuple of them for several.
//!   This is JAX's `value_and_grad`.
//! - **`NAME_explain(params) -> explain::Graph`** (with the `explain` option): every
//!   intermediate value, local derivative and adjoint of one evaluation, printed
//!   as the backpropagation table a learner writes by hand, or exported to
//!   Graphviz DOT. Straight-line scalar functions only, for now.
//! - **`NAME_pullback(params, seed: R) -> (R, (A1, A2, ...,))`**: the value and, for
//!   an output adjoint `seed`, the adjoint `seed · ∂NAME/∂p` of **every** parameter
//!   in parameter order, differentiable or not (`()` for a constant parameter); the
//!   tuple always has one entry per parameter, so a one-parameter function gives
//!   `(A1,)`. This is the vector-Jacobian product (JAX's `vjp`, ChainRules'
//!   `rrule`, Clad's `_pullback`) through which calls between differentiated
//!   functions are composed; a hand-written function with this signature is a
//!   custom derivative. It is left out when differentiating some parameter outside
//!   `wrt` would need a derivative that `NAME_grad` does not (an operation without
//!   one, or another function's pullback).
//!
//! ```
//! use gradmacro::differentiate;
//!
//! #[differentiate(wrt = w)]
//! fn scaled_square(w: f64, n: i32) -> f64 {
//!     w * w * n as f64
//! }
//!
//! let (value, dw) = scaled_square_grad(3.0, 2);
//! assert_eq!((value, dw), (18.0, 12.0));
//! let (value, (dw, dn)) = scaled_square_pullback(3.0, 2, 0.5);
//! assert_eq!((value, dw, dn), (18.0, 6.0, ()));
//! ```
//!
//! # Supported syntax
//!
//! | construct | status |
//! |---|---|
//! | `let` with and without type annotation, `let mut`, `let y;` assigned later, shadowing | supported |
//! | tuple patterns `let (a, b) = (x, y);`, `let (s, c) = x.sin_cos();`, `t.0` | supported |
//! | assignment `y = ...`, `+= -= *= /= %=`, parameters declared `mut` | supported |
//! | block expressions `{ let t = ...; t * t }` | supported |
//! | `+ - * / %`, unary `-`, parentheses | supported |
//! | float and integer literals (suffixed or not), `const` items in the body, paths such as `std::f64::consts::PI` | supported, constant |
//! | `as` casts: integer → float (a constant), `f32` ↔ `f64` (differentiated), float → integer (derivative zero) | supported |
//! | the float methods of the [rules] module, as `x.exp()` or `f64::exp(x)` / `f32::exp(x)` / `Float::exp(x)` | supported |
//! | comparisons, `is_nan()` and similar, whose results carry no derivative | supported, constant |
//! | `if`/`else if`/`else` as statements and values, `&&`, `\|\|` | supported; conditions are not differentiated |
//! | `match` on integers, bools, enums and floats: guards, or-patterns, ranges, bindings | supported |
//! | `for` over ranges (`a..b`, `a..=b`, `.rev()`, `.step_by(k)`), `while`, `loop`, nesting | supported |
//! | `break`, `continue` (labelled too), `break value`, `return` anywhere | supported |
//! | buffer parameters `&[f64]`, `&Vec<f64>`, `[f64; N]`, `[[f64; M]; N]`, `&[[f64; M]]`, `&[Vec<f64>]`, `&Vec<Vec<f64>>` (and `f32`) | supported |
//! | indexing reads and writes, `.len()`, local buffers (`vec![..]`, `[x; N]`, `to_vec`, `Vec::with_capacity` + `push`), whole buffers assigned in loops (`x = x_new`), `std::mem::swap` | supported |
//! | range slices `&x[1..]`, `x[a..b]`, `m[r][..k]` (views, passed to helpers too), `split_at`, a slice variable re-pointed in a loop (`p = &p[1..]`) | supported |
//! | the `Option`s of elements: `x.get(i)`, `x.first()`, `x.last()`, `x.pop()` in `if let`, `while let`, `unwrap`, `expect`, `unwrap_or` | supported |
//! | buffers that change length: `push`, `truncate`, `clear`, `resize`, `pop` (buffers of floats) | supported |
//! | iterator chains over buffers and slices: `iter`, `iter_mut`, `enumerate`, `zip`, `rev`, `map`, `filter`, `skip`, `take`, `step_by`, `windows`, `chunks`, `chunks_exact`, then `sum`, `product`, `fold`, `collect` (of floats or of rows); `max_by`, `min_by`, `reduce` on `x.iter()` / `x.iter().copied()` | supported |
//! | buffer methods `fill`, `swap`, `reverse`, `copy_from_slice`, `extend_from_slice`, `sort_by`, `sort_unstable_by` | supported (lowered as element reads and writes) |
//! | `&mut` out-parameters: `fn rhs(y: &[f64], dydt: &mut [f64])`, `fn update(x: &mut f64, v: f64)`, functions returning `()`; calls lending `&mut` buffers, rows, slices, elements, float variables and constants | supported (see "Out-parameters") |
//! | closures bound to names, `let f = \|t\| t * w; f(x) + f(y)`, used by iterator adapters (`.map(f)`), capturing, `FnMut`, `move` | supported (inlined where called) |
//! | references `let r = &a; *r`, `let e = &mut x[i]; *e += ..`, `Box::new(x)` | supported |
//! | `if let`, `while let`, `matches!` | supported |
//! | `println!`, `eprintln!`, `dbg!`, `assert!` and friends, `panic!`, `unreachable!` | supported (run on primal values, in the forward sweep only) |
//! | calls with differentiated arguments, composed through the callee's `NAME_pullback` (the [vector] rules, any `#[differentiate]`d function, or a hand-written pullback): in loops, branches, nested expressions, recursion | supported |
//! | methods of constant receivers with differentiated arguments (`self.predict(x)`, `model.eval(x)`), composed through `receiver.NAME_pullback`; `Self::f(x)` through `Self::f_pullback` | supported |
//! | `#[differentiate]` on methods (`&self`, `&mut self`, `self`: a constant) and associated functions in `impl` blocks; on an `impl` block (a trait impl's methods get their companions in an inherent `impl`) | supported |
//! | generic floats `fn f<T: Float>(x: T, v: &[T]) -> T` (num-traits' `Float`; `float = T` for an `impl<T: Float>`), const generics, lifetimes | supported |
//! | any call or method whose arguments are all constants (`n.pow(2)`, `helper(k)`), fields of constant parameters (`config.scale`, `self.weights[i]`) | supported, kept as written |
//! | struct literals, fields and tuples of values built from differentiated ones, buffers of rows that change length, closures passed to other functions, other macros | not yet: compile error (never a silent zero) |
//!
//! # Out-parameters
//!
//! A `&mut` float or float buffer parameter is an input and an output: its
//! contents when the function returns are a result too. A function may
//! return `()` and write its results there, as numeric Rust does:
//!
//! ```
//! use gradmacro::differentiate;
//!
//! /// dy/dt = -k y², written into `dydt`.
//! #[differentiate]
//! fn rhs(y: &[f64], k: f64, dydt: &mut [f64]) {
//!     for i in 0..y.len() {
//!         dydt[i] = -k * y[i] * y[i];
//!     }
//! }
//!
//! /// Explicit Euler steps, lending a stage buffer to `rhs`.
//! #[differentiate(wrt = [y0, k])]
//! fn final_sum(y0: &[f64], k: f64, dt: f64, steps: usize) -> f64 {
//!     let mut y = y0.to_vec();
//!     let mut slope = vec![0.0; y.len()];
//!     for _ in 0..steps {
//!         rhs(&y, k, &mut slope);
//!         for i in 0..y.len() {
//!             y[i] += dt * slope[i];
//!         }
//!     }
//!     y.iter().sum()
//! }
//!
//! let (_, (dy0, dk)) = final_sum_grad(&[1.0, 0.5], 0.3, 0.1, 1);
//! // One step: y + dt·(−k y²), so ∂/∂y0 = 1 − 2 dt k y0 and ∂/∂k = −dt Σ y².
//! assert!((dy0[0] - (1.0 - 2.0 * 0.1 * 0.3)).abs() < 1e-15);
//! assert!((dk + 0.1 * 1.25).abs() < 1e-15);
//! ```
//!
//! The pullback of a function with out-parameters takes, after the seed
//! (`Option<R>`: `None` when its result is not used, `R` being `()` for a
//! function returning nothing), one `&mut` adjoint per out-parameter in
//! parameter order: on entry the adjoint of the parameter's contents on
//! return, on exit the adjoint of its contents on entry. Its adjoint tuple
//! has `()` in the out-parameters' places. `NAME_grad` (for a function that
//! returns a float) gives the gradient with respect to the out-parameters'
//! contents on entry. A call lending `&mut` float data (`&mut k1`,
//! `&mut x[1..]`, `&mut m[r]`, `&mut x[i]`, `&mut acc` of a float variable)
//! composes through this convention; the reverse sweep hands the callee a
//! copy of what it was lent, taken before the call. A `&mut` constant (a
//! workspace, a random number generator) is cloned the same way. A `&mut`
//! buffer parameter passed on by name (`rhs(y, &mut k1)` inside a function
//! taking `y: &mut [f64]`) is lent too, and the call composes through
//! `rhs_pullback_lent`: the macro cannot see whether `rhs` takes `&[f64]` or
//! `&mut [f64]`, and that companion's convention (every float buffer
//! reference's adjoint taken `&mut`, added into for a shared one) covers both.
//!
//! # Calls, custom derivatives, methods and generic floats
//!
//! A call `f(a, &x)` whose arguments depend on a differentiated parameter is
//! differentiated by calling `f_pullback(a, &x, seed)` in the reverse sweep
//! (which re-runs `f`'s own forward sweep: Tapenade's "joint" mode at call
//! boundaries), so `f_pullback` must be in scope where `f` is called: import both
//! (`use physics::{energy, energy_pullback};`) or call both by path
//! (`physics::energy(x)` uses `physics::energy_pullback`). A call passing
//! float buffers by reference composes through `f_pullback_lent` instead,
//! which adds their adjoints into the caller's adjoint buffers in place (no
//! `Vec` per call): import it too, and give a hand-written pullback of a
//! function taking `&[f64]` a `_lent` companion. Recursion needs
//! nothing more: a recursive call composes through the pullback being generated.
//! A call whose arguments are all constants is kept as written, and needs no
//! derivative.
//!
//! **Custom derivatives.** To give the derivative of a function the macro cannot
//! look into (a library or FFI call, or a numerically better formula), write its
//! pullback by hand, with the signature `#[differentiate]` would give it: the
//! parameters, then `seed: f64`, returning the value and one adjoint per
//! parameter (`()` for constants):
//!
//! ```
//! use gradmacro::differentiate;
//!
//! /// `ln(1 + eˣ)`, written so that it does not overflow for large `x`.
//! fn log1p_exp(x: f64) -> f64 {
//!     if x > 30.0 { x } else { x.exp().ln_1p() }
//! }
//!
//! /// Its derivative, the logistic sigmoid, in the stable form.
//! fn log1p_exp_pullback(x: f64, seed: f64) -> (f64, (f64,)) {
//!     let sigmoid = 1.0 / (1.0 + (-x).exp());
//!     (log1p_exp(x), (seed * sigmoid,))
//! }
//!
//! #[differentiate]
//! fn loss(w: f64) -> f64 {
//!     log1p_exp(3.0 * w)
//! }
//!
//! let (_, dw) = loss_grad(2.0);
//! assert!((dw - 3.0 / (1.0 + (-6.0f64).exp())).abs() < 1e-15);
//! ```
//!
//! The compiler checks it where it is used: a pullback with the wrong parameter
//! list or result shape is a type error on the call. `examples/custom_derivative.rs`
//! shows a series-evaluated special function with its derivative formula.
//!
//! **Methods.** On a method, the receiver is a constant: `NAME_grad` and
//! `NAME_pullback` are methods taking it the same way, its fields are read as
//! they are (`self.weights[i]`), and it gets no adjoint (the pullback's tuple
//! lists the other parameters). To differentiate with respect to what a struct
//! holds, pass those values as parameters. `wrt = self` is an error saying so.
//!
//! **Generic floats.** A function generic over `T: Float` (num-traits' trait,
//! re-exported as `gradmacro::num_traits`) gets generic companions, instantiated
//! at `f32`, `f64` or any other `Float`. `T` has no literals and no `+=`, so the
//! body uses `T::one()`, `T::from(0.5).unwrap()` and `s = s + v`, as it must to
//! compile anyway. The float methods work in both syntaxes (`x.exp()`,
//! `T::exp(x)`). An attribute on a method of `impl<T: Float> Model<T>` cannot see
//! the `impl`'s bound: write `#[differentiate(float = T)]`.
//!
//! ```
//! use gradmacro::differentiate;
//!
//! /// Newton's method for √a, with a data-dependent trip count.
//! #[differentiate]
//! fn newton_sqrt(a: f64) -> f64 {
//!     let mut x = a;
//!     while (x * x - a).abs() > 1e-12 * a {
//!         x = 0.5 * (x + a / x);
//!     }
//!     x
//! }
//!
//! let (root, slope) = newton_sqrt_grad(2.0);
//! assert!((root - 2f64.sqrt()).abs() < 1e-12);
//! assert!((slope - 0.5 / 2f64.sqrt()).abs() < 1e-9); // d√a/da = 1/(2√a)
//! ```
//!
//! # Checking gradients
//!
//! [`check::check_gradient`] compares a gradient with central finite
//! differences of the original function (which `#[differentiate]` leaves
//! unchanged, so it is an independent reference) and reports the worst entry;
//! [`assert_gradient!`] is the same as an assertion for tests. The project's
//! own test suite checks every generated gradient through it.
//!
//! # Derivative rules and conventions
//!
//! Each differentiable float method has one `#[inline]` function in [rules] that
//! returns the value and the local partials, generic over `f32`/`f64` through
//! [`num_traits::Float`]. The conventions at non-smooth and edge points (`abs` at 0,
//! ties in `max`, `powf` at a zero base, ...) are tabulated in [rules].
//!
//! # Errors
//!
//! Every misuse is a compile error on the offending token. The messages and what to
//! do about each:
//!
//! | message begins | what to do |
//! |---|---|
//! | `` `bias` is not a parameter of `loss` `` | name a parameter in `wrt` (check the spelling) |
//! | ``cannot differentiate with respect to `n`: its type `i32` is not differentiable`` | remove it from `wrt`; only float parameters have gradients |
//! | `` `w` appears twice in `wrt` `` | list each parameter once |
//! | ``unknown option `mode` `` | the options are `wrt`, `float`, `explain` and `checkpoints` |
//! | `` `explain` supports straight-line scalar code for now `` | explain a smaller function (loops, branches and buffers have no single graph yet) |
//! | ``cannot differentiate with respect to `self` `` | pass the values to differentiate as parameters |
//! | `only one float type parameter is supported` | make the other type parameters concrete or constant |
//! | `#[differentiate] applies to functions only` | put it on a `fn` with a body |
//! | `a differentiated function must return f64, f32 or a type parameter bounded by Float` | return the scalar loss; bound a generic float by `Float`, or write `float = T` for an `impl`'s |
//! | `` `f` has no differentiable parameter `` | give it an `f64`/`f32` parameter, or drop the attribute |
//! | `` `gamma` has no derivative rule `` | use a method with a rule (listed in the message), or compute the value from them |
//! | ``cannot find function `softplus_pullback` `` (from rustc, on the call `softplus(..)`) | the function has no derivative: annotate `softplus` with `#[differentiate]`, or write `softplus_pullback` by hand (a custom derivative); then import it beside `softplus` |
//! | ``no method named `eval_pullback` found`` (from rustc, on `model.eval(..)`) | the same for a method: annotate `eval`, or write `eval_pullback` in the same `impl` |
//! | `` a struct expression is not supported yet `` (and other syntax) | rewrite with the supported constructs; every rejected statement of the body is reported |
//! | `` the field `v` is read from a value that depends on a differentiated parameter `` | the value is a struct or tuple built from differentiated values: return the float itself from the helper, or compute it in the function |
//! | `` `set_data` is given a value that depends on a differentiated parameter and may change its receiver `` | a method may have stored the value in its receiver: compute it with a function that returns it |
//! | ``method `loss_grad` is not a member of trait`` (from rustc) | the attribute is on a method of `impl Trait for S`: put `#[differentiate]` on the `impl` block instead |
//!
//! # Why a gradient is never silently wrong
//!
//! The macro either differentiates a function or refuses it, on the token
//! that it cannot differentiate. The argument is a closure over what a
//! function body can contain after lowering (every expression becomes one
//! operation of the IR; see the crate `gradmacro-derive`):
//!
//! 1. **Each operation is classified**, exhaustively (no catch-all case). It
//!    is *differentiable* (arithmetic, float casts, the [rules], element reads
//!    and writes of float buffers, copies, borrows and slices of them, calls
//!    and methods composed through a pullback), a *step* whose derivative is
//!    zero wherever it exists (comparisons, casts to integers, `floor`,
//!    `is_nan`, lengths of float buffers, the order that sorts a buffer), or
//!    *opaque*: anything else (a field, a tuple element or enum payload of a
//!    value, an element of a collection of non-floats, a cast to an unknown
//!    type, a call of a function value, an unknown method on a float).
//! 2. **Dependence is tracked through everything but steps.** The activity
//!    analysis follows two facts: *varied* (reached from a differentiated
//!    parameter through differentiable operations) and *depends* (reached
//!    through anything but a step). A value that depends but is not varied has
//!    lost a derivative. If such a value reaches the returned value (or an
//!    out-parameter) through differentiable operations, slots or buffer
//!    writes, the function is refused, at the operation that lost it. So an
//!    opaque operation is harmless exactly when what it computes does not
//!    reach the output differentiably (a field used in a condition, a count).
//! 3. **Effects are dependence too.** A value can also travel through what a
//!    call changes. A `&mut` float argument is an out-parameter, differentiated
//!    through the callee's pullback. Any other `&mut` argument, the receiver of
//!    a method called with arguments that depend on a parameter when the
//!    receiver is mutable (`let mut a`, `&mut self`), and any receiver or
//!    borrowed argument of such a call whose result is unused (it was called
//!    for its effect, as `Cell::set`), are marked as depending without a
//!    derivative, so reading them on the way to the output is refused.
//!    Writing a `static mut` needs `unsafe`, which is refused; closures are
//!    inlined, so what they capture is ordinary dependence.
//! 4. **Control is not differentiated**, by convention: a branch's
//!    condition, a loop's trip count and a `match`'s arm contribute no
//!    derivative, and the gradient is that of the path taken (the derivative
//!    almost everywhere, as every AD tool computes it).
//! 5. **What cannot be seen is refused.** Macros other than the printing,
//!    assertion and panicking ones (which act on primal values only) are
//!    refused, as are struct literals, `unsafe`, and closures passed on as
//!    values. A call with differentiated arguments needs the callee's
//!    pullback: if it has none, the compiler says so on the call.
//!
//! What is left outside is interior mutability that hides a value from this
//! analysis: a method with differentiated arguments, on a receiver that is
//! neither mutable nor called for its effect, that stores them in a `Cell`
//! *and* returns a value that is used (its result is composed through
//! `receiver.NAME_pullback`, which then has to exist), or a value stashed in
//! global state (a `static` `Mutex`) and read back later. A hand-written
//! pullback is trusted. Numerical edge cases follow the rules' conventions
//! ([rules]: the value of a partial at a kink, and `0 · ∞ = 0` for zero
//! adjoints).
//!
//! # How it works, and why
//!
//! The design follows the source-transformation tools (Tapenade, Clad, Enzyme):
//! the body is lowered to a three-address IR of structured regions, an activity
//! analysis keeps only values that depend on a `wrt` parameter *and* reach the
//! output, a forward sweep computes the primal once (rules return their partials
//! alongside the value), and a reverse sweep accumulates adjoints from the output
//! back. Set the environment variable `GRADMACRO_DUMP=1` while building to print
//! each function's IR (`GRADMACRO_DUMP=code` prints the generated code too).
//!
//! Where it departs from the textbook recipe, and why:
//!
//! - **SSA inside blocks, slots across them.** Within a block every variable is
//!   renamed to the value it holds, so shadowing and reassignment disappear and
//!   adjoints need no zero-initialised accumulators: every contribution to an
//!   adjoint is known when the backward walk reaches its definition, so each
//!   adjoint is a single `let` summing them. That leaves no `0.0 + a` for LLVM to
//!   keep (IEEE forbids folding it) and reads like a hand-written adjoint. Only
//!   variables assigned inside a branch or loop become mutable slots, and only
//!   adjoints that receive contributions from nested blocks are accumulators.
//! - **Early exits become flags.** `break`, `continue` and `return` set a flag and
//!   guard the rest of their blocks, so the IR has no jumps and the reverse sweep
//!   replays every construct from one recorded decision (a condition, an arm
//!   index, a trip count).
//! - **Store-all on tapes indexed by the iteration.** A value the reverse sweep
//!   reads that lives in a nested block is declared once at the top of the
//!   function. Inside a loop, a scalar (a float, an integer, a `bool`, an index)
//!   is written at index `k` of a segment its loop opens before running, sized
//!   from the iterator, and reverse iteration `k` reads it back from there.
//!   Tapenade's PUSH/POP would put a capacity check and a possible call in the
//!   forward loop and a length update in both: measured on GradBench's llsq, the
//!   call alone made LLVM keep the loop's accumulator in memory and the gradient
//!   2.3× slower than hand-written; with indexed tapes it is 0.78× (the
//!   README's GradBench table, `cargo bench -p gradbench-gradmacro --bench
//!   evals -- llsq`). A range
//!   loop's segment has a place for every iteration, so its store is a plain
//!   indexed write; other loops grow the tape on a cold path. Tapes keep their
//!   longest length, so after a loop's first execution opening a segment is a
//!   comparison. A value of unknown type (which may not be `Clone`) is still
//!   pushed before each overwrite and popped after its block is reversed.
//! - **Recompute what is cheap.** A nested value made by `+`, `-`, `*`, negation, a
//!   cast, a read of a buffer nothing writes, or a cheap rule (`powi`, `abs`,
//!   `max`, ...) is defined again at the start of its block's reverse code instead
//!   of being saved; the items and trip counts of loops over `usize` ranges are
//!   recomputed by the reverse loop; constants are written inline; repeated reads
//!   of a variable share one value. For `l = r·l·(1−l)` only `l` is saved per
//!   iteration, as in a hand-written adjoint.
//! - **Fuse reduction loops.** Store-all runs a loop forward and then backwards.
//!   A hand-written gradient of a reduction (`for i in .. { s += term(i) }`)
//!   differentiates each term right where it computes it, in one pass. The macro
//!   does the same when that is exact: a loop of the function body with no early
//!   exit, whose only active carried state is accumulators `s = s ± term`, and
//!   whose accumulators' adjoint at the exit is the output seed scaled by values
//!   known before the loop (`s`, `-s`, `0.5 * s`, `s / xs.len() as f64`, ...), so
//!   that every iteration sees the same adjoint. Scratch buffers are allowed if
//!   each iteration overwrites them whole before reading them (a network's hidden
//!   layer), so nothing flows between iterations through them. Such a loop ends
//!   each iteration with its reverse code and is skipped by the reverse sweep:
//!   nothing in its body is saved. Within the iteration, elements nothing
//!   overwrites are read again, an activation stored as `hidden[j] = z.tanh()`
//!   gives back both `tanh` and its derivative `1 − tanh²`
//!   ([`rules::from_value`]), and reads `x[a·i + b]` that never hit the same
//!   entry twice assign their gradient entry instead of adding to it. This is the
//!   adjoint of a loop with independent iterations (Tapenade's "parallel loop"
//!   adjoint) with the reduction as the one carried dependence; the extended
//!   Rosenbrock function and a two-layer network's loss both fuse.
//!   `GRADMACRO_DUMP=1` prints which loops fused, and why each other loop of
//!   the body did not (like a compiler's missed-optimisation remarks); a loop
//!   that does not qualify is differentiated by store-all, with the same
//!   result.
//! - **Checkpoint time loops.** A loop of the function body over a range whose
//!   iterations sweep state with nested loops (an integrator's steps) and that
//!   does not fuse is checkpointed: the forward sweep runs it as the primal
//!   does, saving only the state each iteration starts from (the buffers it
//!   writes and reads first, the variables it writes); the reverse sweep
//!   loads iteration `k`'s state, runs the iteration again with its saves and
//!   reverses it at once. This reuses the fused loop's machinery: in both,
//!   an iteration's reverse code runs right after its forward code, so the
//!   body's values are in scope and saved nothing, and the nested loops'
//!   tapes hold one iteration (in cache) rather than all of them. Store-all
//!   of an RK4 step saves its three stage reads and the overwritten state per
//!   element; checkpointing saves the state only and recomputes the stages,
//!   as a hand-written adjoint does (GradBench's ode at n = 10,000, s = 100:
//!   3.7× → 1.7× the hand-written gradient). A loop is not checkpointed where
//!   running an iteration again would show (macros, field writes, calls for
//!   their effect), where the code after it changes what it reads (the
//!   recomputation would read the new values), or where it writes a buffer it
//!   carries at one point per iteration (saving it whole each step would cost
//!   more than store-all); nor, unless memory is bounded, where it computes
//!   transcendentals (recomputing them costs more than saving their values:
//!   GradBench's lstm measured slower checkpointed than store-all) or lends
//!   a carried buffer `&mut` to a helper that may read it first.
//!   `checkpoints = N` bounds the saved states: the forward sweep saves only
//!   the state before the loop, and the reverse
//!   sweep follows Griewank's binomial schedule ("revolve"), produced one
//!   action at a time by the runtime crate (no memory per step), so a
//!   million steps run in `N` states with each step recomputed a few times.
//!   Loop-invariant float arithmetic (`h / 2.0` in a stage loop) is moved in
//!   front of its loop first, so that it is neither saved nor recomputed per
//!   iteration.
//! - **Squares contribute once.** `x * x` sends `adj · (x + x)` to `x`, not
//!   `adj · x + adj · x`: the same bits (doubling is exact), one product fewer
//!   on the adjoint's dependency chain. Rustc must not reassociate floating
//!   point, so the macro writes the cheaper form itself; on Rosenbrock it took
//!   the gap to a hand-written gradient from 8% to 4%.
//!
//! Generated locals use a reserved prefix and `Span::mixed_site()` hygiene, and the
//! body is fully renamed, so user variables named `grad`, `adj_x` or `__gm_v1`
//! never collide with them. The README lists the known limitations (among them:
//! variables are resolved by name, so `macro_rules!` hygiene inside a generated
//! function is not seen).

#![warn(missing_docs)]

pub use gradmacro_derive::differentiate;
pub use num_traits;

pub mod check;
pub mod explain;
pub mod rules;
pub mod vector;

/// Support for generated code; not part of the public API.
#[doc(hidden)]
pub mod __private;
mod checkpoints;
