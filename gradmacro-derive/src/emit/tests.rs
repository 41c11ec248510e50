//! Golden tests of the generated companions, on token streams.

mod straight_line {
    use quote::quote;

    fn expand(attr: proc_macro2::TokenStream, item: proc_macro2::TokenStream) -> String {
        crate::expand::companions(attr, item).unwrap().to_string()
    }

    /// The seeds' graph u = wx, v = u + b, L = v²: the gradient is plain scalar
    /// code, one `let` per adjoint, with the rule's partial reused.
    #[test]
    fn gradient_of_the_seed_graph_is_straight_scalar_code() {
        let code = expand(
            quote!(wrt = [w, b]),
            quote!(
                fn graph(x: f64, w: f64, b: f64) -> f64 {
                    let u = w * x;
                    let v = u + b;
                    v.powi(2)
                }
            ),
        );
        let expected_grad =
            "fn graph_grad (x : f64 , w : f64 , b : f64 ,) -> (f64 , (f64 , f64)) { \
            let __gm_v0 = x ; let __gm_v1 = w ; let __gm_v2 = b ; \
            let __gm_v3 = __gm_v1 * __gm_v0 ; let __gm_v4 = __gm_v3 + __gm_v2 ; \
            let (__gm_v6 , __gm_d6_0) = :: gradmacro :: rules :: powi (__gm_v4 , (2)) ; \
            let __gm_adj_v6 = 1f64 ; \
            let __gm_adj_v4 = :: gradmacro :: __private :: times_partial (__gm_adj_v6 , __gm_d6_0) ; \
            let __gm_adj_v2 = __gm_adj_v4 ; \
            let __gm_adj_v1 = __gm_adj_v4 * __gm_v0 ; (__gm_v6 , (__gm_adj_v1 , __gm_adj_v2)) }";
        assert!(code.contains(expected_grad), "{code}");
        // The pullback also differentiates `x` and takes the seed as a parameter.
        assert!(code.contains("fn graph_pullback (x : f64 , w : f64 , b : f64 , __gm_seed : f64) -> (f64 , (f64 , f64 , f64 ,))"), "{code}");
        assert!(
            code.contains("let __gm_adj_v0 = __gm_adj_v4 * __gm_v1 ;"),
            "{code}"
        );
    }

    /// A square `x * x` contributes once, `adj · (x + x)`: one product on the
    /// adjoint's path, as a hand-written `2x` would be.
    #[test]
    fn squares_contribute_once() {
        let code = expand(
            quote!(),
            quote!(
                fn square(x: f64) -> f64 {
                    x * x
                }
            ),
        );
        assert!(
            code.contains("let __gm_adj_v0 = __gm_seed * (__gm_v0 + __gm_v0) ;"),
            "{code}"
        );
    }

    #[test]
    fn constants_get_unit_adjoints_and_unused_parameters_zero() {
        let code = expand(
            quote!(),
            quote!(
                pub fn f(x: f32, n: u8, _: f64, y: &f64) -> f32 {
                    x * 2.0
                }
            ),
        );
        assert!(code.contains("pub fn f_grad (x : f32 , n : u8 , __gm_unused2 : f64 , y : & f64 ,) -> (f32 , (f32 , f64 , f64))"), "{code}");
        assert!(
            code.contains("(__gm_v5 , (__gm_adj_v0 , 0f64 , 0f64))"),
            "{code}"
        );
        assert!(
            code.contains("-> (f32 , (f32 , () , f64 , f64 ,))"),
            "{code}"
        );
    }
}

mod loop_tests {
    use quote::quote;

    fn expand(attr: proc_macro2::TokenStream, item: proc_macro2::TokenStream) -> String {
        crate::expand::companions(attr, item).unwrap().to_string()
    }

    /// A reduction over a read-only slice saves nothing: the element reads, the
    /// index arithmetic, the loop index and the trip count are all recomputed by
    /// the reverse loop, which counts down. (The square root, with `x` read
    /// again after the loop, keeps the loop from being fused: its exit adjoint
    /// depends on the sum, and `x`'s adjoint cannot wait for it.)
    #[test]
    fn reductions_over_read_only_slices_save_nothing() {
        let code = expand(
            quote!(),
            quote!(
                fn rosenbrock(x: &[f64]) -> f64 {
                    let mut f = 0.0;
                    for i in 0..x.len() / 2 {
                        let (a, b) = (x[2 * i], x[2 * i + 1]);
                        f += 100.0 * (a * a - b) * (a * a - b) + (a - 1.0) * (a - 1.0);
                    }
                    f.sqrt() + x[0]
                }
            ),
        );
        assert!(!code.contains("stack"), "{code}");
        assert!(code.contains(". rev ()"), "{code}");
        assert!(code.contains("saturating_sub"), "{code}");
    }

    /// A returned sum is fused: one loop, whose iterations end with their
    /// reverse, and whose strided reads `x[2i]`, `x[2i + 1]` each assign their
    /// entry of the gradient once, as a hand-written gradient does.
    #[test]
    fn returned_sums_fuse_and_assign_each_entry_once() {
        let code = expand(
            quote!(),
            quote!(
                fn rosenbrock(x: &[f64]) -> f64 {
                    let mut f = 0.0;
                    for i in 0..x.len() / 2 {
                        let (a, b) = (x[2 * i], x[2 * i + 1]);
                        f += 100.0 * (a * a - b) * (a * a - b) + (a - 1.0) * (a - 1.0);
                    }
                    f
                }
            ),
        );
        assert!(
            !code.contains("stack") && !code.contains(". rev ()"),
            "{code}"
        );
        assert!(code.contains("let __gm_seed : f64 = 1f64 ;"), "{code}");
        assert!(code.contains("let mut __gm_adj_s0 = __gm_seed ;"), "{code}");
        let (plain, lent) = code
            .split_once("fn rosenbrock_pullback_lent")
            .expect("a `_lent` pullback");
        assert!(plain.contains("__gm_adjbuf_v0 [__gm_v11] = "), "{code}");
        assert!(!plain.contains("__gm_adjbuf_v0 [__gm_v11] += "), "{code}");
        // `NAME_pullback_lent` adds into its caller's adjoint in place: its
        // adjoint buffer is the caller's, so every entry is added to.
        assert!(
            lent.contains("let mut __gm_adjbuf_v0 = __gm_out0 ;"),
            "{code}"
        );
        assert!(lent.contains("__gm_adjbuf_v0 [__gm_v11] += "), "{code}");
        assert!(!lent.contains("zeros_like"), "{code}");
    }

    /// A helper reading two buffers in a loop composes through its
    /// `_pullback_lent`, adding into `w`'s adjoint in place; the constant
    /// row is lent the call site's scratch buffer (declared once, before
    /// the sweeps); no `Vec` of adjoints is returned per call.
    #[test]
    fn buffer_helpers_in_loops_add_in_place() {
        let code = expand(
            quote!(wrt = [w]),
            quote!(
                fn wls(w: &[f64], x: &[f64], n: usize, d: usize) -> f64 {
                    let mut loss = 0.0;
                    for i in 0..n {
                        let r = dot(w, &x[i * d..(i + 1) * d]);
                        loss += r * r;
                    }
                    loss
                }
            ),
        );
        let grad = code
            .split_once("fn wls_pullback")
            .map_or(code.as_str(), |(grad, _)| grad);
        assert!(grad.contains("dot_pullback_lent ("), "{code}");
        assert!(!grad.contains("dot_pullback ("), "{code}");
        assert!(
            grad.contains("let mut __gm_scratch_v15_1 = :: std :: vec :: Vec :: new () ;"),
            "{code}"
        );
        assert!(grad.contains("& mut __gm_adjbuf_v0 [..]"), "{code}");
    }

    /// Partials of cheap rules (`powi`) are recomputed with them, not saved.
    #[test]
    fn cheap_rules_in_loops_save_nothing() {
        let code = expand(
            quote!(),
            quote!(
                fn rosenbrock(x: &[f64]) -> f64 {
                    let mut f = 0.0;
                    for i in 0..x.len() - 1 {
                        f += 100.0 * (x[i + 1] - x[i].powi(2)).powi(2) + (1.0 - x[i]).powi(2);
                    }
                    f
                }
            ),
        );
        assert!(!code.contains("stack"), "{code}");
    }

    /// A literal range may be `i32`: its items are saved rather than rebuilt
    /// as `0 + k` (a `usize`).
    #[test]
    fn literal_ranges_keep_their_items() {
        let code = expand(
            quote!(),
            quote!(
                fn f(x: f64) -> f64 {
                    let mut s = 0.0;
                    for i in 0..10 {
                        s += x * (i - 3) as f64;
                    }
                    s
                }
            ),
        );
        assert!(!code.contains("saturating_sub"), "{code}");
        assert!(!code.contains(". rev ()"), "{code}");
    }

    /// A nested loop over `0..N` of a `const N` (its type not visible) runs
    /// as many times in reverse as its range is long: no trip count is taped
    /// per iteration of the loop around it.
    #[test]
    fn constant_ranges_of_unknown_type_are_not_counted_on_a_tape() {
        let code = expand(
            quote!(),
            quote!(
                fn layer(w: &[f64], x: &[f64], h: &mut [f64]) {
                    for j in 0..h.len() {
                        let mut z = 0.0;
                        for i in 0..N_IN {
                            z += w[j * N_IN + i] * x[i];
                        }
                        h[j] = z.tanh();
                    }
                }
            ),
        );
        // (`tanh`'s partial is taped: `h` is an out-parameter.)
        assert!(!code.contains("stack_v"), "{code}");
        assert!(code.contains("size_hint (& ((0) .. (N_IN)))"), "{code}");
    }

    /// A product in a loop that is not fused saves its factor on a tape: a
    /// range's iteration `k` stores it at index `k` of the loop's segment and
    /// reverse iteration `k` reads it back from there, with no push or pop.
    #[test]
    fn range_loops_tape_their_saved_floats() {
        let code = expand(
            quote!(),
            quote!(
                fn horner(x: &[f64], t: f64) -> f64 {
                    let mut acc = 0.0;
                    for i in 0..x.len() {
                        acc = acc * t + x[i];
                    }
                    acc * acc
                }
            ),
        );
        assert!(code.contains("let __gm_tape_start"), "{code}");
        assert!(code.contains("__gm_segment_v"), "{code}");
        assert!(
            !code.contains(". push (") && !code.contains("pop"),
            "{code}"
        );
        // The store is a plain index: no call in the forward loop.
        assert!(!code.contains("__private :: record"), "{code}");
    }

    /// A `while` loop's trip count is unknown before it runs: its tape grows
    /// as it is written.
    #[test]
    fn while_loops_record_into_growing_tapes() {
        let code = expand(
            quote!(),
            quote!(
                fn halvings(x: f64) -> f64 {
                    let mut y = x;
                    let mut n = 0;
                    while n < 10 {
                        y = y * y * 0.5;
                        n += 1;
                    }
                    y
                }
            ),
        );
        assert!(code.contains("__private :: record"), "{code}");
        assert!(!code.contains("pop"), "{code}");
    }
}
