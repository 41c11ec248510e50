//! One test per syntax form the macro supports, each checked against central
//! finite differences of the original function (which `#[differentiate]` emits
//! unchanged) at two or three points, and against a closed form where one is short.

mod common;

use common::{assert_closed, assert_fd, assert_fd_all, assert_fd_f32};
use gradmacro::differentiate;

// ---------------------------------------------------------------------------
// Bindings
// ---------------------------------------------------------------------------

#[differentiate]
fn let_plain(x: f64, y: f64) -> f64 {
    let a = x * y;
    let b = a + x;
    b * a
}

#[test]
fn let_without_type_annotation() {
    for at in [[1.5, -0.5], [0.3, 2.0], [-2.0, 0.7]] {
        let (_, (dx, dy)) = let_plain_grad(at[0], at[1]);
        assert_fd_all("let", |p| let_plain(p[0], p[1]), &at, &[dx, dy]);
        // f = (xy + x)·xy: ∂/∂x = (y + 1)xy + (xy + x)y
        let (x, y) = (at[0], at[1]);
        assert_closed("df/dx", dx, (y + 1.0) * x * y + (x * y + x) * y);
    }
}

#[differentiate]
fn let_annotated(x: f64, y: f64) -> f64 {
    let a: f64 = x * y;
    let b: f64 = a.sin();
    let c: f64 = 2.0;
    b * c + a
}

#[test]
fn let_with_type_annotation() {
    for at in [[1.5, -0.5], [0.3, 2.0], [-2.0, 0.7]] {
        let (_, (dx, dy)) = let_annotated_grad(at[0], at[1]);
        assert_fd_all("let: f64", |p| let_annotated(p[0], p[1]), &at, &[dx, dy]);
    }
}

#[differentiate]
fn tuple_let(x: f64, y: f64) -> f64 {
    let (a, b) = (x * y, x + y);
    a * b
}

#[test]
fn tuple_pattern_from_a_tuple_expression() {
    for at in [[1.5, -0.5], [0.3, 2.0], [-2.0, 0.7]] {
        let (_, (dx, dy)) = tuple_let_grad(at[0], at[1]);
        assert_fd_all(
            "let (a, b) = (..)",
            |p| tuple_let(p[0], p[1]),
            &at,
            &[dx, dy],
        );
    }
}

#[differentiate]
fn tuple_let_annotated(x: f64, y: f64) -> f64 {
    let (a, b): (f64, f64) = (x.sin(), y.cos() * x);
    a / (b + 3.0)
}

#[test]
fn tuple_pattern_with_a_type_annotation() {
    for at in [[1.5, -0.5], [0.3, 2.0], [-2.0, 0.7]] {
        let (_, (dx, dy)) = tuple_let_annotated_grad(at[0], at[1]);
        assert_fd_all(
            "let (a, b): (f64, f64)",
            |p| tuple_let_annotated(p[0], p[1]),
            &at,
            &[dx, dy],
        );
    }
}

#[differentiate]
fn sin_cos_method(x: f64) -> f64 {
    let (s, c) = x.sin_cos();
    s * c + s
}

#[test]
fn sin_cos_destructured() {
    for x in [-1.0, 0.4, 2.0] {
        let (_, d) = sin_cos_method_grad(x);
        // d/dx (sin x cos x + sin x) = cos 2x + cos x
        assert_closed("sin_cos", d, (2.0 * x).cos() + x.cos());
        assert_fd("sin_cos", d, sin_cos_method, x);
    }
}

#[differentiate]
#[allow(clippy::let_and_return)]
fn shadowed(x: f64, y: f64) -> f64 {
    let t = x * x;
    let t = t.sin() + t;
    let t = t * y;
    t
}

#[test]
fn shadowing_rebinds() {
    for at in [[1.5, -0.5], [0.3, 2.0], [-2.0, 0.7]] {
        let (_, (dx, dy)) = shadowed_grad(at[0], at[1]);
        assert_fd_all("shadowing", |p| shadowed(p[0], p[1]), &at, &[dx, dy]);
        let (x, y) = (at[0], at[1]);
        assert_closed("shadowing dy", dy, (x * x).sin() + x * x);
        assert_closed("shadowing dx", dx, y * (2.0 * x * (x * x).cos() + 2.0 * x));
    }
}

#[differentiate]
fn block_expressions(x: f64, y: f64) -> f64 {
    let a = {
        let t = x * y;
        t * 2.0
    };
    {
        let u = a + x;
        u * u
    }
}

#[test]
fn block_expressions_in_let_and_tail() {
    for at in [[1.5, -0.5], [0.3, 2.0], [-2.0, 0.7]] {
        let (_, (dx, dy)) = block_expressions_grad(at[0], at[1]);
        assert_fd_all("blocks", |p| block_expressions(p[0], p[1]), &at, &[dx, dy]);
        // f = (2xy + x)²
        let (x, y) = (at[0], at[1]);
        let u = 2.0 * x * y + x;
        assert_closed("blocks dx", dx, 2.0 * u * (2.0 * y + 1.0));
        assert_closed("blocks dy", dy, 2.0 * u * 2.0 * x);
    }
}

#[differentiate]
fn block_shadowing(x: f64, y: f64) -> f64 {
    let t = x * 2.0;
    let u = {
        let t = t.exp();
        t * y
    };
    let v = {
        let t = 100.0;
        t + u
    };
    // `t` is the outer 2x again: neither inner `t` leaks out of its block.
    t * v
}

#[test]
fn shadowing_inside_a_nested_block_does_not_leak() {
    for at in [[0.5, -0.5], [0.3, 2.0], [-1.0, 0.7]] {
        let (value, (dx, dy)) = block_shadowing_grad(at[0], at[1]);
        let (x, y) = (at[0], at[1]);
        // f = 2x · (e^{2x} y + 100)
        assert_closed("value", value, 2.0 * x * ((2.0 * x).exp() * y + 100.0));
        assert_closed(
            "dx",
            dx,
            2.0 * ((2.0 * x).exp() * y + 100.0) + 2.0 * x * 2.0 * (2.0 * x).exp() * y,
        );
        assert_closed("dy", dy, 2.0 * x * (2.0 * x).exp());
        assert_fd_all(
            "block shadowing",
            |p| block_shadowing(p[0], p[1]),
            &at,
            &[dx, dy],
        );
    }
}

// ---------------------------------------------------------------------------
// Mutation
// ---------------------------------------------------------------------------

#[differentiate]
fn reassigned(x: f64, y: f64) -> f64 {
    let mut a = x;
    a = a * y + x;
    a = a.sin();
    a * x
}

#[test]
fn let_mut_with_reassignment() {
    for at in [[1.5, -0.5], [0.3, 2.0], [-2.0, 0.7]] {
        let (_, (dx, dy)) = reassigned_grad(at[0], at[1]);
        assert_fd_all(
            "let mut; a = ..",
            |p| reassigned(p[0], p[1]),
            &at,
            &[dx, dy],
        );
    }
}

#[differentiate]
fn compound(x: f64, y: f64) -> f64 {
    let mut a = x;
    a += y;
    a *= x;
    a -= y * y;
    a /= x + 2.0;
    a
}

#[test]
fn compound_assignment_operators() {
    for at in [[1.5, -0.5], [0.3, 2.0], [-1.0, 0.7]] {
        let (value, (dx, dy)) = compound_grad(at[0], at[1]);
        let (x, y) = (at[0], at[1]);
        assert_closed("value", value, ((x + y) * x - y * y) / (x + 2.0));
        // ∂/∂y = (x − 2y)/(x + 2)
        assert_closed("dy", dy, (x - 2.0 * y) / (x + 2.0));
        assert_fd_all("+= -= *= /=", |p| compound(p[0], p[1]), &at, &[dx, dy]);
    }
}

#[differentiate]
fn compound_self(x: f64) -> f64 {
    let mut a = x + 1.0;
    a *= a;
    a += a;
    let mut q = x;
    q /= x;
    let mut z = x;
    z -= x;
    a + q + z
}

#[test]
fn compound_assignment_with_the_variable_on_both_sides() {
    for x in [-2.0, 0.3, 1.5] {
        // a = 2(x + 1)², q = x/x = 1, z = x − x = 0
        let (value, d) = compound_self_grad(x);
        assert_closed("value", value, 2.0 * (x + 1.0).powi(2) + 1.0);
        assert_closed("d/dx", d, 4.0 * (x + 1.0));
        assert_fd("a *= a; a += a", d, compound_self, x);
    }
}

#[differentiate]
fn mutated_in_block(x: f64, y: f64) -> f64 {
    let mut a = x;
    {
        a += y;
        a *= 2.0;
    }
    a * x
}

#[test]
fn mutation_inside_a_block_is_seen_after_it() {
    for at in [[1.5, -0.5], [0.3, 2.0], [-2.0, 0.7]] {
        let (value, (dx, dy)) = mutated_in_block_grad(at[0], at[1]);
        let (x, y) = (at[0], at[1]);
        assert_closed("value", value, 2.0 * (x + y) * x);
        assert_closed("dx", dx, 2.0 * (2.0 * x + y));
        assert_closed("dy", dy, 2.0 * x);
        assert_fd_all(
            "mutation in a block",
            |p| mutated_in_block(p[0], p[1]),
            &at,
            &[dx, dy],
        );
    }
}

#[differentiate]
#[allow(clippy::assign_op_pattern)]
fn mut_params(mut x: f64, mut y: f64) -> f64 {
    x = x * y;
    x += 1.0;
    y *= y;
    x.ln() + y
}

#[test]
fn parameters_declared_mut_and_reassigned() {
    for at in [[1.5, 0.5], [0.3, 2.0], [2.0, 0.7]] {
        let (_, (dx, dy)) = mut_params_grad(at[0], at[1]);
        let (x, y) = (at[0], at[1]);
        // f = ln(xy + 1) + y²
        assert_closed("dx", dx, y / (x * y + 1.0));
        assert_closed("dy", dy, x / (x * y + 1.0) + 2.0 * y);
        assert_fd_all("mut params", |p| mut_params(p[0], p[1]), &at, &[dx, dy]);
    }
}

// ---------------------------------------------------------------------------
// Results: tail expression and `return`
// ---------------------------------------------------------------------------

#[differentiate]
fn tail(x: f64, y: f64) -> f64 {
    let a = x * y;
    a.exp()
}

#[differentiate]
#[allow(clippy::needless_return)]
fn returned(x: f64, y: f64) -> f64 {
    let a = x * y;
    return a.exp();
}

#[test]
fn tail_expression_and_return_at_the_end() {
    for at in [[1.5, -0.5], [0.3, 2.0], [-2.0, 0.7]] {
        let (v1, g1) = tail_grad(at[0], at[1]);
        let (v2, g2) = returned_grad(at[0], at[1]);
        assert_eq!((v1, g1), (v2, g2));
        assert_fd_all("tail", |p| tail(p[0], p[1]), &at, &[g1.0, g1.1]);
        assert_fd_all("return", |p| returned(p[0], p[1]), &at, &[g2.0, g2.1]);
    }
}

// ---------------------------------------------------------------------------
// Literals, constants, paths
// ---------------------------------------------------------------------------

#[differentiate]
#[allow(clippy::unnecessary_cast, clippy::excessive_precision)]
fn literals(x: f64, y: f64) -> f64 {
    let a = 2.0 * x + 3f64 * y + 1e-1 * x + 2_f64 + 1_000.5 * y;
    let b = 0.5e1 * x * y + 2.0_f64 * x.powi(2i32) + x.powi(3);
    let c = (3 as f64) * y + 7u8 as f64 * x + 2.5f64 * 1E-3 * x;
    a + b + c
}

#[test]
fn float_and_int_literals_suffixed_or_not() {
    for at in [[1.5, -0.5], [0.3, 2.0], [-2.0, 0.7]] {
        let (_, (dx, dy)) = literals_grad(at[0], at[1]);
        let (x, y) = (at[0], at[1]);
        let dx_closed = 2.0 + 0.1 + 5.0 * y + 4.0 * x + 3.0 * x * x + 7.0 + 2.5e-3;
        let dy_closed = 3.0 + 1000.5 + 5.0 * x + 3.0;
        assert_closed("dx", dx, dx_closed);
        assert_closed("dy", dy, dy_closed);
        assert_fd_all("literals", |p| literals(p[0], p[1]), &at, &[dx, dy]);
    }
}

#[differentiate]
fn const_items(x: f64) -> f64 {
    const K: f64 = 1.5;
    const N: i32 = 3;
    K * x.powi(N) + K
}

#[test]
fn const_items_inside_the_body() {
    for x in [-2.0, 0.3, 1.5] {
        let (_, d) = const_items_grad(x);
        assert_closed("d/dx 1.5x³", d, 4.5 * x * x);
        assert_fd("const", d, const_items, x);
    }
}

#[differentiate]
fn const_paths(x: f64, y: f64) -> f64 {
    let a = std::f64::consts::PI * x;
    let b = core::f64::consts::E * y + std::f64::consts::FRAC_PI_2;
    (a + b).sin() + f64::EPSILON
}

#[test]
fn std_constant_paths() {
    use std::f64::consts::{E, FRAC_PI_2, PI};
    for at in [[1.5, -0.5], [0.3, 2.0], [-2.0, 0.7]] {
        let (_, (dx, dy)) = const_paths_grad(at[0], at[1]);
        let c = (PI * at[0] + E * at[1] + FRAC_PI_2).cos();
        assert_closed("dx", dx, PI * c);
        assert_closed("dy", dy, E * c);
        assert_fd_all("consts", |p| const_paths(p[0], p[1]), &at, &[dx, dy]);
    }
}

// ---------------------------------------------------------------------------
// Casts
// ---------------------------------------------------------------------------

#[differentiate]
fn int_cast(x: f64, n: i32, k: u64) -> f64 {
    x * n as f64 + (k as f64) * x * x
}

#[test]
fn casts_from_integers() {
    for (x, n, k) in [(1.5, 3, 2), (-0.5, -4, 7), (2.0, 0, 1)] {
        let (_, d) = int_cast_grad(x, n, k);
        assert_closed("d/dx", d, f64::from(n) + 2.0 * k as f64 * x);
        assert_fd("int casts", d, |x| int_cast(x, n, k), x);
    }
}

#[differentiate]
fn cast_through_f32(x: f64, y: f64) -> f64 {
    let a = x as f32;
    let b = a * a * (y as f32);
    b as f64 + x
}

#[test]
fn casts_between_f64_and_f32_inside_an_f64_function() {
    for at in [[1.5, -0.5], [0.3, 2.0], [-2.0, 0.7]] {
        let (_, (dx, dy)) = cast_through_f32_grad(at[0], at[1]);
        // f = x²y (computed in f32) + x: ∂/∂x = 2xy + 1, ∂/∂y = x², to f32 precision.
        let (xf, yf) = (at[0] as f32, at[1] as f32);
        assert_eq!(dx, f64::from(2.0 * xf * yf) + 1.0);
        assert_eq!(dy, f64::from(xf * xf));
        // A central difference of the f32 computation needs a larger step.
        for (i, d) in [dx, dy].into_iter().enumerate() {
            let along = |t: f64| {
                let mut p = at;
                p[i] = t;
                cast_through_f32(p[0], p[1])
            };
            let h = 1e-3;
            let numeric = (along(at[i] + h) - along(at[i] - h)) / (2.0 * h);
            common::assert_close_abs("f32 cast fd", d, numeric, 1e-3, 1e-3);
        }
    }
}

#[differentiate]
fn cast_in_f32_function(x: f32, y: f32) -> f32 {
    let wide = (x as f64).exp() * y as f64;
    wide as f32 + x * y
}

#[test]
fn casts_f32_to_f64_and_back_inside_an_f32_function() {
    for (x, y) in [(0.5_f32, -1.5_f32), (1.25, 2.0), (-1.0, 0.75)] {
        let (_, (dx, dy)) = cast_in_f32_function_grad(x, y);
        let (xd, yd) = (f64::from(x), f64::from(y));
        common::assert_close("dx", f64::from(dx), xd.exp() * yd + yd, 1e-6);
        common::assert_close("dy", f64::from(dy), xd.exp() + xd, 1e-6);
        assert_fd_f32("dx", dx, |x| cast_in_f32_function(x, y), x);
        assert_fd_f32("dy", dy, |y| cast_in_f32_function(x, y), y);
    }
}

// ---------------------------------------------------------------------------
// Operators
// ---------------------------------------------------------------------------

#[differentiate]
fn unary_minus(x: f64, y: f64) -> f64 {
    -x * y + -(x.exp()) - -y + (-x).sin()
}

#[differentiate]
fn minus_binds_looser_than_a_method(x: f64) -> f64 {
    -x.powi(2)
}

#[test]
fn unary_minus_is_differentiated() {
    for at in [[1.5, -0.5], [0.3, 2.0], [-2.0, 0.7]] {
        let (_, (dx, dy)) = unary_minus_grad(at[0], at[1]);
        let (x, y) = (at[0], at[1]);
        assert_closed("dx", dx, -y - x.exp() - (-x).cos());
        assert_closed("dy", dy, -x + 1.0);
        assert_fd_all("unary minus", |p| unary_minus(p[0], p[1]), &at, &[dx, dy]);
    }
    for x in [-1.5, 0.5, 2.0] {
        // -x.powi(2) is -(x²), so the derivative is -2x (not +2x).
        let (value, d) = minus_binds_looser_than_a_method_grad(x);
        assert_eq!(value, -(x * x));
        assert_closed("d -x.powi(2)", d, -2.0 * x);
        assert_fd("-x.powi(2)", d, minus_binds_looser_than_a_method, x);
    }
}

#[differentiate]
fn arithmetic(x: f64, y: f64) -> f64 {
    (x + y) * (x - y) / (x * y + 3.0) - (y / x) + x * x * x
}

#[test]
fn arithmetic_operators_and_parentheses() {
    for at in [[1.5, -0.5], [0.3, 2.0], [-2.0, 0.7]] {
        let (_, (dx, dy)) = arithmetic_grad(at[0], at[1]);
        assert_fd_all("+ - * / ()", |p| arithmetic(p[0], p[1]), &at, &[dx, dy]);
    }
}

#[differentiate]
#[allow(clippy::eq_op)]
fn same_operand_twice(x: f64) -> f64 {
    x * x + x / x + (x - x) + (x + x)
}

#[test]
fn an_operand_used_on_both_sides_accumulates() {
    for x in [-1.5, 0.5, 2.0] {
        let (_, d) = same_operand_twice_grad(x);
        assert_closed("d/dx", d, 2.0 * x + 2.0);
        assert_fd("x*x + x/x + (x-x) + (x+x)", d, same_operand_twice, x);
    }
}

#[differentiate]
fn remainder(x: f64, y: f64) -> f64 {
    x % y + (x * x) % 1.5
}

#[test]
fn remainder_operator() {
    // Points away from the jumps of %.
    for at in [[5.3, 2.0], [-5.3, 2.0], [0.7, 0.5], [7.1, -3.0]] {
        let (_, (dx, dy)) = remainder_grad(at[0], at[1]);
        let (x, y) = (at[0], at[1]);
        // x % y = x − y·trunc(x/y): ∂/∂x = 1, ∂/∂y = −trunc(x/y)
        assert_closed("dx", dx, 1.0 + 2.0 * x);
        assert_closed("dy", dy, -(x / y).trunc());
        assert_fd_all("%", |p| remainder(p[0], p[1]), &at, &[dx, dy]);
    }
}

// ---------------------------------------------------------------------------
// Parameter kinds
// ---------------------------------------------------------------------------

#[differentiate]
fn by_reference(x: &f64, y: &f64) -> f64 {
    *x * y.exp() + x.sin() * *y
}

#[test]
fn reference_f64_parameters() {
    for at in [[1.5, -0.5], [0.3, 2.0], [-2.0, 0.7]] {
        let (value, (dx, dy)): (f64, (f64, f64)) = by_reference_grad(&at[0], &at[1]);
        assert_eq!(value, by_reference(&at[0], &at[1]));
        let (x, y) = (at[0], at[1]);
        assert_closed("dx", dx, y.exp() + x.cos() * y);
        assert_closed("dy", dy, x * y.exp() + x.sin());
        assert_fd_all("&f64", |p| by_reference(&p[0], &p[1]), &at, &[dx, dy]);
    }
}

#[differentiate]
fn by_reference_f32(x: &f32, y: f32) -> f32 {
    *x * y + x.exp()
}

#[test]
fn reference_f32_parameters() {
    for (x, y) in [(0.5_f32, -1.5_f32), (1.25, 2.0), (-1.0, 0.75)] {
        let (_, (dx, dy)) = by_reference_f32_grad(&x, y);
        common::assert_close("dx", f64::from(dx), f64::from(y + x.exp()), 1e-6);
        common::assert_close("dy", f64::from(dy), f64::from(x), 1e-6);
        assert_fd_f32("&f32 dx", dx, |x| by_reference_f32(&x, y), x);
        assert_fd_f32("&f32 dy", dy, |y| by_reference_f32(&x, y), y);
    }
}

#[differentiate]
#[allow(clippy::needless_pass_by_value)]
fn constant_params(x: f64, n: i32, k: u8, flag: bool, name: &str, count: usize) -> f64 {
    x.powi(n) * k as f64 + (flag as u8 as f64) * x + name.len() as f64 * x + count as f64
}

#[test]
fn integer_bool_and_other_parameters_are_constants() {
    for (x, n, k, flag, name) in [
        (1.5, 3, 2, true, "abc"),
        (-0.5, 2, 5, false, ""),
        (2.0, -1, 1, true, "xy"),
    ] {
        let (value, d) = constant_params_grad(x, n, k, flag, name, 9);
        assert_eq!(value, constant_params(x, n, k, flag, name, 9));
        let closed = f64::from(n) * x.powi(n - 1) * f64::from(k)
            + f64::from(u8::from(flag))
            + name.len() as f64;
        assert_closed("d/dx", d, closed);
        assert_fd(
            "constant params",
            d,
            |x| constant_params(x, n, k, flag, name, 9),
            x,
        );
        // The pullback has `()` in every constant parameter's place.
        let (_, (px, (), (), (), (), ())) = constant_params_pullback(x, n, k, flag, name, 9, 1.0);
        assert_eq!(px, d);
    }
}

#[differentiate]
fn in_f32(x: f32, y: f32) -> f32 {
    (x * y).sin() + x.powi(2) / y
}

#[differentiate]
fn in_f64_twin(x: f64, y: f64) -> f64 {
    (x * y).sin() + x.powi(2) / y
}

#[test]
fn f32_functions() {
    for (x, y) in [(0.5_f32, -1.5_f32), (1.25, 2.0), (-1.0, 0.75)] {
        let (value, (dx, dy)): (f32, (f32, f32)) = in_f32_grad(x, y);
        assert_eq!(value, in_f32(x, y));
        let (_, (dx64, dy64)) = in_f64_twin_grad(f64::from(x), f64::from(y));
        common::assert_close("dx vs f64", f64::from(dx), dx64, 1e-5);
        common::assert_close("dy vs f64", f64::from(dy), dy64, 1e-5);
        assert_fd_f32("f32 dx", dx, |x| in_f32(x, y), x);
        assert_fd_f32("f32 dy", dy, |y| in_f32(x, y), y);
    }
}

#[differentiate]
fn f32_consts(x: f32) -> f32 {
    const HALF: f32 = 0.5;
    std::f32::consts::PI * x * HALF + 2.0_f32 * x.sin_cos().0
}

#[test]
fn f32_constants_and_literals() {
    for x in [-1.0_f32, 0.25, 2.0] {
        let (_, d) = f32_consts_grad(x);
        let closed = std::f64::consts::PI * 0.5 + 2.0 * f64::from(x).cos();
        common::assert_close("d/dx", f64::from(d), closed, 1e-6);
        assert_fd_f32("f32 consts", d, f32_consts, x);
    }
}

// ---------------------------------------------------------------------------
// The wrt option, gradient shapes, the pullback
// ---------------------------------------------------------------------------

#[differentiate(wrt = b)]
fn wrt_single(x: f64, w: f64, b: f64) -> f64 {
    (x * w + b).tanh()
}

#[test]
fn wrt_a_single_name_gives_a_bare_gradient() {
    for (x, w, b) in [(1.5, -0.5, 0.2), (0.3, 2.0, -1.0)] {
        let (value, db): (f64, f64) = wrt_single_grad(x, w, b);
        assert_eq!(value, wrt_single(x, w, b));
        assert_closed("db", db, 1.0 - (x * w + b).tanh().powi(2));
        assert_fd("wrt = b", db, |b| wrt_single(x, w, b), b);
    }
}

#[differentiate(wrt = [b])]
fn wrt_single_bracketed(x: f64, w: f64, b: f64) -> f64 {
    (x * w + b).tanh()
}

#[test]
fn wrt_a_one_element_list_is_the_same_as_a_bare_name() {
    let (v1, d1): (f64, f64) = wrt_single_bracketed_grad(1.5, -0.5, 0.2);
    assert_eq!((v1, d1), wrt_single_grad(1.5, -0.5, 0.2));
}

#[differentiate]
fn plain(a: f64, b: f64, c: f64) -> f64 {
    a * b.exp() + c.powi(3) * a
}

#[test]
fn plain_attribute_takes_every_float_in_parameter_order() {
    for at in [[1.5, -0.5, 0.2], [0.3, 2.0, -1.0]] {
        let (_, (da, db, dc)) = plain_grad(at[0], at[1], at[2]);
        let (a, b, c) = (at[0], at[1], at[2]);
        assert_closed("da", da, b.exp() + c.powi(3));
        assert_closed("db", db, a * b.exp());
        assert_closed("dc", dc, 3.0 * c * c * a);
        assert_fd_all("plain", |p| plain(p[0], p[1], p[2]), &at, &[da, db, dc]);
    }
}

#[differentiate(wrt = [c, a])]
fn reordered(a: f64, b: f64, c: f64) -> f64 {
    a * b.exp() + c.powi(3) * a
}

#[test]
fn wrt_order_different_from_parameter_order() {
    for at in [[1.5, -0.5, 0.2], [0.3, 2.0, -1.0]] {
        let (_, (dc, da)) = reordered_grad(at[0], at[1], at[2]);
        let (a, b, c) = (at[0], at[1], at[2]);
        assert_closed("dc (first)", dc, 3.0 * c * c * a);
        assert_closed("da (second)", da, b.exp() + c.powi(3));
        assert_fd("dc", dc, |c| reordered(a, b, c), c);
        assert_fd("da", da, |a| reordered(a, b, c), a);
    }
}

#[differentiate(wrt = x)]
fn seeded(x: f64, y: f64, n: i32, z: f32) -> f64 {
    (x * y).sin() * z as f64 + x.powi(n)
}

#[test]
fn pullback_scales_every_adjoint_by_the_seed() {
    for (x, y, n, z) in [(1.5, -0.5, 2, 0.5_f32), (0.3, 2.0, 3, -1.25)] {
        let (v1, (dx1, dy1, (), dz1)) = seeded_pullback(x, y, n, z, 1.0);
        let (v, (dx, dy, (), dz)) = seeded_pullback(x, y, n, z, 2.5);
        assert_eq!(v, v1);
        assert_eq!(v, seeded(x, y, n, z));
        // Each adjoint is 2.5 × the corresponding partial derivative.
        let zd = f64::from(z);
        assert_closed(
            "dx",
            dx,
            2.5 * ((x * y).cos() * y * zd + f64::from(n) * x.powi(n - 1)),
        );
        assert_closed("dy", dy, 2.5 * (x * y).cos() * x * zd);
        common::assert_close("dz", f64::from(dz), 2.5 * (x * y).sin(), 1e-6);
        assert_fd("dx / 2.5", dx / 2.5, |x| seeded(x, y, n, z), x);
        assert_fd("dy / 2.5", dy / 2.5, |y| seeded(x, y, n, z), y);
        assert_eq!((dx, dy), (2.5 * dx1, 2.5 * dy1));
        assert_eq!(dz, 2.5 * dz1);
        // The pullback's wrt-adjoint agrees with the gradient.
        let (_, g) = seeded_grad(x, y, n, z);
        assert_closed("grad vs pullback", g, dx1);
    }
}

#[differentiate]
fn disconnected(x: f64, y: f64, z: f64) -> f64 {
    let _dead = y.exp() * x;
    let unused = z * 3.0;
    let _ = unused;
    x * 2.0
}

#[differentiate(wrt = [x, y])]
#[allow(unused_variables)]
fn ignores_y(x: f64, y: f64, _: f64) -> f64 {
    x.sin()
}

#[test]
fn parameters_that_do_not_reach_the_output_get_exactly_zero() {
    for (x, y, z) in [(1.5, -0.5, 0.2), (0.3, 2.0, -1.0)] {
        let (_, (dx, dy, dz)) = disconnected_grad(x, y, z);
        assert_eq!(dx, 2.0);
        assert_eq!(dy.to_bits(), 0.0_f64.to_bits());
        assert_eq!(dz.to_bits(), 0.0_f64.to_bits());
        assert_fd("dy", dy, |y| disconnected(x, y, z), y);
        let (_, (dx, dy)) = ignores_y_grad(x, y, z);
        assert_closed("dx", dx, x.cos());
        assert_eq!(dy.to_bits(), 0.0_f64.to_bits());
        let (_, (_, _, du)) = ignores_y_pullback(x, y, z, 2.5);
        assert_eq!(du.to_bits(), 0.0_f64.to_bits());
    }
}

// ---------------------------------------------------------------------------
// The original function is emitted unchanged.
// ---------------------------------------------------------------------------

// `missing_docs` turns into an error here if the macro dropped the original's
// doc comment, and every item is called from outside the module, so dropping
// `pub` fails to compile too.
pub mod visible {
    //! A public module whose functions are used from outside it.
    #![deny(missing_docs)]
    use gradmacro::differentiate;

    /// The documented original: a smooth two-parameter loss.
    #[differentiate(wrt = [w, b])]
    pub fn loss(x: f64, w: f64, b: f64) -> f64 {
        let pred = x * w + b;
        (pred - 1.0).powi(2) + w.sin()
    }
}

#[test]
fn original_is_emitted_unchanged_and_companions_keep_visibility() {
    for (x, w, b) in [(2.0, 3.0, 4.0), (-0.5, 0.25, 1.0)] {
        // Same value as the body written out by hand.
        let expected = (x * w + b - 1.0_f64).powi(2) + w.sin();
        assert_eq!(visible::loss(x, w, b), expected);
        let (value, (dw, db)) = visible::loss_grad(x, w, b);
        assert_eq!(value, expected);
        assert_closed("dw", dw, 2.0 * (x * w + b - 1.0) * x + w.cos());
        assert_closed("db", db, 2.0 * (x * w + b - 1.0));
        let (_, (dx, dw2, db2)) = visible::loss_pullback(x, w, b, 1.0);
        assert_closed("dx", dx, 2.0 * (x * w + b - 1.0) * w);
        assert_eq!((dw2, db2), (dw, db));
    }
    // The original is an ordinary `fn` item: it coerces to a function pointer.
    type Grad = fn(f64, f64, f64) -> (f64, (f64, f64));
    let f: fn(f64, f64, f64) -> f64 = visible::loss;
    let g: Grad = visible::loss_grad;
    assert_eq!(f(1.0, 1.0, 1.0), g(1.0, 1.0, 1.0).0);
}

#[differentiate]
#[allow(clippy::many_single_char_names)]
fn mixed_everything(x: f64, y: f64) -> f64 {
    const C: f64 = 0.25;
    let (s, c) = (x * C).sin_cos();
    let mut acc = s * y;
    acc += {
        let t = c.powi(2);
        t * x
    };
    let acc = acc.max(-10.0);
    acc + std::f64::consts::LN_2 * y
}

#[test]
fn value_of_the_grad_is_bitwise_the_original_value() {
    for at in [[1.5, -0.5], [0.3, 2.0], [-2.0, 0.7]] {
        let (value, (dx, dy)) = mixed_everything_grad(at[0], at[1]);
        assert_eq!(value.to_bits(), mixed_everything(at[0], at[1]).to_bits());
        assert_fd_all("mixed", |p| mixed_everything(p[0], p[1]), &at, &[dx, dy]);
    }
}

// ---------------------------------------------------------------------------
// Float methods, in method syntax `x.m()` and path syntax `f64::m(x)`.
// Each gradient is checked against a closed form and a central difference,
// and the two syntaxes must agree exactly.
// ---------------------------------------------------------------------------

type Fn1 = fn(f64) -> f64;
type Grad1 = fn(f64) -> (f64, f64);

/// Checks a one-argument method in both syntaxes at the given points.
#[track_caller]
fn unary(
    name: &str,
    (method, method_grad): (Fn1, Grad1),
    (path, path_grad): (Fn1, Grad1),
    closed: impl Fn(f64) -> f64,
    points: &[f64],
) {
    for &x in points {
        let (v, d) = method_grad(x);
        assert_eq!(v.to_bits(), method(x).to_bits(), "x.{name}() value at {x}");
        assert_closed(&format!("x.{name}() at {x}"), d, closed(x));
        assert_fd(&format!("x.{name}() at {x}"), d, method, x);
        let (vp, dp) = path_grad(x);
        assert_eq!(
            vp.to_bits(),
            path(x).to_bits(),
            "f64::{name}(x) value at {x}"
        );
        assert_fd(&format!("f64::{name}(x) at {x}"), dp, path, x);
        assert_eq!(
            dp.to_bits(),
            d.to_bits(),
            "f64::{name}(x) vs x.{name}() at {x}"
        );
    }
}

#[differentiate]
fn method_exp(x: f64) -> f64 {
    x.exp()
}

#[differentiate]
fn path_exp(x: f64) -> f64 {
    f64::exp(x)
}

#[test]
fn method_exp_in_both_syntaxes() {
    unary(
        "exp",
        (method_exp, method_exp_grad),
        (path_exp, path_exp_grad),
        |x: f64| x.exp(),
        &[-1.0, 0.3, 2.0],
    );
}

#[differentiate]
fn method_exp2(x: f64) -> f64 {
    x.exp2()
}

#[differentiate]
fn path_exp2(x: f64) -> f64 {
    f64::exp2(x)
}

#[test]
fn method_exp2_in_both_syntaxes() {
    unary(
        "exp2",
        (method_exp2, method_exp2_grad),
        (path_exp2, path_exp2_grad),
        |x: f64| x.exp2() * 2f64.ln(),
        &[-1.0, 0.3, 2.0],
    );
}

#[differentiate]
fn method_exp_m1(x: f64) -> f64 {
    x.exp_m1()
}

#[differentiate]
fn path_exp_m1(x: f64) -> f64 {
    f64::exp_m1(x)
}

#[test]
fn method_exp_m1_in_both_syntaxes() {
    unary(
        "exp_m1",
        (method_exp_m1, method_exp_m1_grad),
        (path_exp_m1, path_exp_m1_grad),
        |x: f64| x.exp(),
        &[-1.0, 0.3, 2.0],
    );
}

#[differentiate]
fn method_ln(x: f64) -> f64 {
    x.ln()
}

#[differentiate]
fn path_ln(x: f64) -> f64 {
    f64::ln(x)
}

#[test]
fn method_ln_in_both_syntaxes() {
    unary(
        "ln",
        (method_ln, method_ln_grad),
        (path_ln, path_ln_grad),
        |x: f64| 1.0 / x,
        &[0.3, 1.7, 4.0],
    );
}

#[differentiate]
fn method_log2(x: f64) -> f64 {
    x.log2()
}

#[differentiate]
fn path_log2(x: f64) -> f64 {
    f64::log2(x)
}

#[test]
fn method_log2_in_both_syntaxes() {
    unary(
        "log2",
        (method_log2, method_log2_grad),
        (path_log2, path_log2_grad),
        |x: f64| 1.0 / (x * 2f64.ln()),
        &[0.3, 1.7, 4.0],
    );
}

#[differentiate]
fn method_log10(x: f64) -> f64 {
    x.log10()
}

#[differentiate]
fn path_log10(x: f64) -> f64 {
    f64::log10(x)
}

#[test]
fn method_log10_in_both_syntaxes() {
    unary(
        "log10",
        (method_log10, method_log10_grad),
        (path_log10, path_log10_grad),
        |x: f64| 1.0 / (x * 10f64.ln()),
        &[0.3, 1.7, 4.0],
    );
}

#[differentiate]
fn method_ln_1p(x: f64) -> f64 {
    x.ln_1p()
}

#[differentiate]
fn path_ln_1p(x: f64) -> f64 {
    f64::ln_1p(x)
}

#[test]
fn method_ln_1p_in_both_syntaxes() {
    unary(
        "ln_1p",
        (method_ln_1p, method_ln_1p_grad),
        (path_ln_1p, path_ln_1p_grad),
        |x: f64| 1.0 / (1.0 + x),
        &[-0.5, 0.3, 2.0],
    );
}

#[differentiate]
fn method_sqrt(x: f64) -> f64 {
    x.sqrt()
}

#[differentiate]
fn path_sqrt(x: f64) -> f64 {
    f64::sqrt(x)
}

#[test]
fn method_sqrt_in_both_syntaxes() {
    unary(
        "sqrt",
        (method_sqrt, method_sqrt_grad),
        (path_sqrt, path_sqrt_grad),
        |x: f64| 0.5 / x.sqrt(),
        &[0.3, 1.7, 4.0],
    );
}

#[differentiate]
fn method_cbrt(x: f64) -> f64 {
    x.cbrt()
}

#[differentiate]
fn path_cbrt(x: f64) -> f64 {
    f64::cbrt(x)
}

#[test]
fn method_cbrt_in_both_syntaxes() {
    unary(
        "cbrt",
        (method_cbrt, method_cbrt_grad),
        (path_cbrt, path_cbrt_grad),
        |x: f64| 1.0 / (3.0 * x.cbrt().powi(2)),
        &[-2.0, 0.3, 4.0],
    );
}

#[differentiate]
fn method_recip(x: f64) -> f64 {
    x.recip()
}

#[differentiate]
fn path_recip(x: f64) -> f64 {
    f64::recip(x)
}

#[test]
fn method_recip_in_both_syntaxes() {
    unary(
        "recip",
        (method_recip, method_recip_grad),
        (path_recip, path_recip_grad),
        |x: f64| -1.0 / (x * x),
        &[-1.5, 0.3, 2.0],
    );
}

#[differentiate]
fn method_abs(x: f64) -> f64 {
    x.abs()
}

#[differentiate]
fn path_abs(x: f64) -> f64 {
    f64::abs(x)
}

#[test]
fn method_abs_in_both_syntaxes() {
    unary(
        "abs",
        (method_abs, method_abs_grad),
        (path_abs, path_abs_grad),
        |x: f64| x.signum(),
        &[-1.5, 0.3, 2.0],
    );
}

#[differentiate]
fn method_signum(x: f64) -> f64 {
    x.signum()
}

#[differentiate]
fn path_signum(x: f64) -> f64 {
    f64::signum(x)
}

#[test]
fn method_signum_in_both_syntaxes() {
    unary(
        "signum",
        (method_signum, method_signum_grad),
        (path_signum, path_signum_grad),
        |_: f64| 0.0,
        &[-1.5, 0.3, 2.0],
    );
}

#[differentiate]
fn method_sin(x: f64) -> f64 {
    x.sin()
}

#[differentiate]
fn path_sin(x: f64) -> f64 {
    f64::sin(x)
}

#[test]
fn method_sin_in_both_syntaxes() {
    unary(
        "sin",
        (method_sin, method_sin_grad),
        (path_sin, path_sin_grad),
        |x: f64| x.cos(),
        &[-1.0, 0.4, 1.2],
    );
}

#[differentiate]
fn method_cos(x: f64) -> f64 {
    x.cos()
}

#[differentiate]
fn path_cos(x: f64) -> f64 {
    f64::cos(x)
}

#[test]
fn method_cos_in_both_syntaxes() {
    unary(
        "cos",
        (method_cos, method_cos_grad),
        (path_cos, path_cos_grad),
        |x: f64| -x.sin(),
        &[-1.0, 0.4, 1.2],
    );
}

#[differentiate]
fn method_tan(x: f64) -> f64 {
    x.tan()
}

#[differentiate]
fn path_tan(x: f64) -> f64 {
    f64::tan(x)
}

#[test]
fn method_tan_in_both_syntaxes() {
    unary(
        "tan",
        (method_tan, method_tan_grad),
        (path_tan, path_tan_grad),
        |x: f64| 1.0 / x.cos().powi(2),
        &[-1.0, 0.4, 1.2],
    );
}

#[differentiate]
fn method_asin(x: f64) -> f64 {
    x.asin()
}

#[differentiate]
fn path_asin(x: f64) -> f64 {
    f64::asin(x)
}

#[test]
fn method_asin_in_both_syntaxes() {
    unary(
        "asin",
        (method_asin, method_asin_grad),
        (path_asin, path_asin_grad),
        |x: f64| 1.0 / (1.0 - x * x).sqrt(),
        &[-0.6, 0.1, 0.8],
    );
}

#[differentiate]
fn method_acos(x: f64) -> f64 {
    x.acos()
}

#[differentiate]
fn path_acos(x: f64) -> f64 {
    f64::acos(x)
}

#[test]
fn method_acos_in_both_syntaxes() {
    unary(
        "acos",
        (method_acos, method_acos_grad),
        (path_acos, path_acos_grad),
        |x: f64| -1.0 / (1.0 - x * x).sqrt(),
        &[-0.6, 0.1, 0.8],
    );
}

#[differentiate]
fn method_atan(x: f64) -> f64 {
    x.atan()
}

#[differentiate]
fn path_atan(x: f64) -> f64 {
    f64::atan(x)
}

#[test]
fn method_atan_in_both_syntaxes() {
    unary(
        "atan",
        (method_atan, method_atan_grad),
        (path_atan, path_atan_grad),
        |x: f64| 1.0 / (1.0 + x * x),
        &[-2.0, 0.3, 5.0],
    );
}

#[differentiate]
fn method_sinh(x: f64) -> f64 {
    x.sinh()
}

#[differentiate]
fn path_sinh(x: f64) -> f64 {
    f64::sinh(x)
}

#[test]
fn method_sinh_in_both_syntaxes() {
    unary(
        "sinh",
        (method_sinh, method_sinh_grad),
        (path_sinh, path_sinh_grad),
        |x: f64| x.cosh(),
        &[-1.5, 0.4, 2.0],
    );
}

#[differentiate]
fn method_cosh(x: f64) -> f64 {
    x.cosh()
}

#[differentiate]
fn path_cosh(x: f64) -> f64 {
    f64::cosh(x)
}

#[test]
fn method_cosh_in_both_syntaxes() {
    unary(
        "cosh",
        (method_cosh, method_cosh_grad),
        (path_cosh, path_cosh_grad),
        |x: f64| x.sinh(),
        &[-1.5, 0.4, 2.0],
    );
}

#[differentiate]
fn method_tanh(x: f64) -> f64 {
    x.tanh()
}

#[differentiate]
fn path_tanh(x: f64) -> f64 {
    f64::tanh(x)
}

#[test]
fn method_tanh_in_both_syntaxes() {
    unary(
        "tanh",
        (method_tanh, method_tanh_grad),
        (path_tanh, path_tanh_grad),
        |x: f64| 1.0 / x.cosh().powi(2),
        &[-1.5, 0.4, 2.0],
    );
}

#[differentiate]
fn method_asinh(x: f64) -> f64 {
    x.asinh()
}

#[differentiate]
fn path_asinh(x: f64) -> f64 {
    f64::asinh(x)
}

#[test]
fn method_asinh_in_both_syntaxes() {
    unary(
        "asinh",
        (method_asinh, method_asinh_grad),
        (path_asinh, path_asinh_grad),
        |x: f64| 1.0 / (x * x + 1.0).sqrt(),
        &[-2.0, 0.3, 5.0],
    );
}

#[differentiate]
fn method_acosh(x: f64) -> f64 {
    x.acosh()
}

#[differentiate]
fn path_acosh(x: f64) -> f64 {
    f64::acosh(x)
}

#[test]
fn method_acosh_in_both_syntaxes() {
    unary(
        "acosh",
        (method_acosh, method_acosh_grad),
        (path_acosh, path_acosh_grad),
        |x: f64| 1.0 / (x * x - 1.0).sqrt(),
        &[1.2, 2.0, 5.0],
    );
}

#[differentiate]
fn method_atanh(x: f64) -> f64 {
    x.atanh()
}

#[differentiate]
fn path_atanh(x: f64) -> f64 {
    f64::atanh(x)
}

#[test]
fn method_atanh_in_both_syntaxes() {
    unary(
        "atanh",
        (method_atanh, method_atanh_grad),
        (path_atanh, path_atanh_grad),
        |x: f64| 1.0 / (1.0 - x * x),
        &[-0.6, 0.1, 0.8],
    );
}

#[differentiate]
fn method_floor(x: f64) -> f64 {
    x.floor()
}

#[differentiate]
fn path_floor(x: f64) -> f64 {
    f64::floor(x)
}

#[test]
fn method_floor_in_both_syntaxes() {
    unary(
        "floor",
        (method_floor, method_floor_grad),
        (path_floor, path_floor_grad),
        |_: f64| 0.0,
        &[-1.3, 0.4, 2.7],
    );
}

#[differentiate]
fn method_ceil(x: f64) -> f64 {
    x.ceil()
}

#[differentiate]
fn path_ceil(x: f64) -> f64 {
    f64::ceil(x)
}

#[test]
fn method_ceil_in_both_syntaxes() {
    unary(
        "ceil",
        (method_ceil, method_ceil_grad),
        (path_ceil, path_ceil_grad),
        |_: f64| 0.0,
        &[-1.3, 0.4, 2.7],
    );
}

#[differentiate]
fn method_round(x: f64) -> f64 {
    x.round()
}

#[differentiate]
fn path_round(x: f64) -> f64 {
    f64::round(x)
}

#[test]
fn method_round_in_both_syntaxes() {
    unary(
        "round",
        (method_round, method_round_grad),
        (path_round, path_round_grad),
        |_: f64| 0.0,
        &[-1.3, 0.4, 2.7],
    );
}

#[differentiate]
fn method_trunc(x: f64) -> f64 {
    x.trunc()
}

#[differentiate]
fn path_trunc(x: f64) -> f64 {
    f64::trunc(x)
}

#[test]
fn method_trunc_in_both_syntaxes() {
    unary(
        "trunc",
        (method_trunc, method_trunc_grad),
        (path_trunc, path_trunc_grad),
        |_: f64| 0.0,
        &[-1.3, 0.4, 2.7],
    );
}

#[differentiate]
fn method_fract(x: f64) -> f64 {
    x.fract()
}

#[differentiate]
fn path_fract(x: f64) -> f64 {
    f64::fract(x)
}

#[test]
fn method_fract_in_both_syntaxes() {
    unary(
        "fract",
        (method_fract, method_fract_grad),
        (path_fract, path_fract_grad),
        |_: f64| 1.0,
        &[-1.3, 0.4, 2.7],
    );
}

#[differentiate]
fn method_to_degrees(x: f64) -> f64 {
    x.to_degrees()
}

#[differentiate]
fn path_to_degrees(x: f64) -> f64 {
    f64::to_degrees(x)
}

#[test]
fn method_to_degrees_in_both_syntaxes() {
    unary(
        "to_degrees",
        (method_to_degrees, method_to_degrees_grad),
        (path_to_degrees, path_to_degrees_grad),
        |_: f64| 180.0 / std::f64::consts::PI,
        &[-1.3, 0.4, 2.7],
    );
}

#[differentiate]
fn method_to_radians(x: f64) -> f64 {
    x.to_radians()
}

#[differentiate]
fn path_to_radians(x: f64) -> f64 {
    f64::to_radians(x)
}

#[test]
fn method_to_radians_in_both_syntaxes() {
    unary(
        "to_radians",
        (method_to_radians, method_to_radians_grad),
        (path_to_radians, path_to_radians_grad),
        |_: f64| std::f64::consts::PI / 180.0,
        &[-1.3, 0.4, 2.7],
    );
}

// Methods with more than one argument, in both syntaxes.

#[differentiate]
fn method_powi(x: f64, n: i32) -> f64 {
    x.powi(n)
}

#[differentiate]
fn path_powi(x: f64, n: i32) -> f64 {
    f64::powi(x, n)
}

#[test]
fn method_powi_in_both_syntaxes() {
    for n in [-2, 0, 1, 3] {
        for x in [-1.5, 0.5, 2.0] {
            let (_, d) = method_powi_grad(x, n);
            let closed = if n == 0 {
                0.0
            } else {
                f64::from(n) * x.powi(n - 1)
            };
            assert_closed("x.powi(n)", d, closed);
            assert_fd("x.powi(n)", d, |x| method_powi(x, n), x);
            let (_, dp) = path_powi_grad(x, n);
            assert_eq!(dp, d, "f64::powi(x, n)");
        }
    }
}

#[differentiate]
fn method_powf(x: f64, y: f64) -> f64 {
    x.powf(y)
}

#[differentiate]
fn path_powf(x: f64, y: f64) -> f64 {
    f64::powf(x, y)
}

#[test]
fn method_powf_in_both_syntaxes() {
    for at in [[0.5, 2.5], [2.0, -1.5], [1.7, 0.3]] {
        let (x, y) = (at[0], at[1]);
        let (_, (dx, dy)) = method_powf_grad(x, y);
        assert_closed("d/dx x^y", dx, y * x.powf(y - 1.0));
        assert_closed("d/dy x^y", dy, x.powf(y) * x.ln());
        assert_fd_all("x.powf(y)", |p| method_powf(p[0], p[1]), &at, &[dx, dy]);
        let (_, grad) = path_powf_grad(x, y);
        assert_eq!(grad, (dx, dy), "f64::powf");
    }
}

#[differentiate]
fn method_log(x: f64, base: f64) -> f64 {
    x.log(base)
}

#[differentiate]
fn path_log(x: f64, base: f64) -> f64 {
    f64::log(x, base)
}

#[test]
fn method_log_in_both_syntaxes() {
    for at in [[0.5, 2.0], [8.0, 10.0], [3.0, 0.5]] {
        let (x, b) = (at[0], at[1]);
        let (_, (dx, db)) = method_log_grad(x, b);
        assert_closed("d/dx log_b x", dx, 1.0 / (x * b.ln()));
        assert_closed("d/db log_b x", db, -x.ln() / (b * b.ln().powi(2)));
        assert_fd_all("x.log(b)", |p| method_log(p[0], p[1]), &at, &[dx, db]);
        assert_eq!(path_log_grad(x, b).1, (dx, db), "f64::log");
    }
}

#[differentiate]
fn method_atan2(y: f64, x: f64) -> f64 {
    y.atan2(x)
}

#[differentiate]
fn path_atan2(y: f64, x: f64) -> f64 {
    f64::atan2(y, x)
}

#[test]
fn method_atan2_in_both_syntaxes() {
    // All four quadrants, away from the branch cut on the negative x axis.
    for at in [[1.0, 2.0], [1.5, -0.5], [-0.7, -2.0], [-2.0, 0.3]] {
        let (y, x) = (at[0], at[1]);
        let (_, (dy, dx)) = method_atan2_grad(y, x);
        let r2 = x * x + y * y;
        assert_closed("d/dy atan2", dy, x / r2);
        assert_closed("d/dx atan2", dx, -y / r2);
        assert_fd_all("y.atan2(x)", |p| method_atan2(p[0], p[1]), &at, &[dy, dx]);
        assert_eq!(path_atan2_grad(y, x).1, (dy, dx), "f64::atan2");
    }
}

#[differentiate]
fn method_hypot(x: f64, y: f64) -> f64 {
    x.hypot(y)
}

#[differentiate]
fn path_hypot(x: f64, y: f64) -> f64 {
    f64::hypot(x, y)
}

#[test]
fn method_hypot_in_both_syntaxes() {
    for at in [[3.0, 4.0], [-1.5, 0.5], [0.2, -2.0]] {
        let (x, y) = (at[0], at[1]);
        let (h, (dx, dy)) = method_hypot_grad(x, y);
        assert_closed("d/dx hypot", dx, x / h);
        assert_closed("d/dy hypot", dy, y / h);
        assert_fd_all("x.hypot(y)", |p| method_hypot(p[0], p[1]), &at, &[dx, dy]);
        assert_eq!(path_hypot_grad(x, y).1, (dx, dy), "f64::hypot");
    }
}

#[differentiate]
fn method_max(x: f64, y: f64) -> f64 {
    x.max(y) * 3.0
}

#[differentiate]
fn path_max(x: f64, y: f64) -> f64 {
    f64::max(x, y) * 3.0
}

#[differentiate]
fn method_min(x: f64, y: f64) -> f64 {
    x.min(y) * 3.0
}

#[differentiate]
fn path_min(x: f64, y: f64) -> f64 {
    f64::min(x, y) * 3.0
}

#[test]
fn method_max_and_min_in_both_syntaxes() {
    for at in [[1.5, -0.5], [-2.0, 0.7], [0.3, 0.31]] {
        let (x, y) = (at[0], at[1]);
        let (_, gmax) = method_max_grad(x, y);
        let (_, gmin) = method_min_grad(x, y);
        // The whole adjoint goes to the argument that is returned.
        let expected_max = if x > y { (3.0, 0.0) } else { (0.0, 3.0) };
        let expected_min = if x < y { (3.0, 0.0) } else { (0.0, 3.0) };
        assert_eq!(gmax, expected_max, "max at {at:?}");
        assert_eq!(gmin, expected_min, "min at {at:?}");
        assert_fd_all(
            "x.max(y)",
            |p| method_max(p[0], p[1]),
            &at,
            &[gmax.0, gmax.1],
        );
        assert_fd_all(
            "x.min(y)",
            |p| method_min(p[0], p[1]),
            &at,
            &[gmin.0, gmin.1],
        );
        assert_eq!(path_max_grad(x, y).1, gmax, "f64::max");
        assert_eq!(path_min_grad(x, y).1, gmin, "f64::min");
    }
    // At a tie the documented convention gives the whole adjoint to `x`.
    assert_eq!(method_max_grad(1.0, 1.0).1, (3.0, 0.0));
    assert_eq!(method_min_grad(1.0, 1.0).1, (3.0, 0.0));
}

#[differentiate]
fn method_copysign(x: f64, sign: f64) -> f64 {
    x.copysign(sign)
}

#[differentiate]
fn path_copysign(x: f64, sign: f64) -> f64 {
    f64::copysign(x, sign)
}

#[test]
fn method_copysign_in_both_syntaxes() {
    for at in [[1.5, -2.0], [-1.5, 2.0], [-0.5, -3.0], [0.7, 0.2]] {
        let (x, s) = (at[0], at[1]);
        let (_, (dx, ds)) = method_copysign_grad(x, s);
        // |x|·sign(s): d/dx = sign(x)·sign(s), d/ds = 0
        assert_eq!(dx, x.signum() * s.signum());
        assert_eq!(ds, 0.0);
        assert_fd_all(
            "x.copysign(s)",
            |p| method_copysign(p[0], p[1]),
            &at,
            &[dx, ds],
        );
        assert_eq!(path_copysign_grad(x, s).1, (dx, ds), "f64::copysign");
    }
}

#[differentiate]
fn method_mul_add(a: f64, b: f64, c: f64) -> f64 {
    a.mul_add(b, c)
}

#[differentiate]
fn path_mul_add(a: f64, b: f64, c: f64) -> f64 {
    f64::mul_add(a, b, c)
}

#[test]
fn method_mul_add_in_both_syntaxes() {
    for at in [[1.5, -0.5, 2.0], [0.3, 2.0, -1.0], [-2.0, 0.7, 0.0]] {
        let (a, b, c) = (at[0], at[1], at[2]);
        let (_, (da, db, dc)) = method_mul_add_grad(a, b, c);
        assert_eq!((da, db, dc), (b, a, 1.0));
        assert_fd_all(
            "a.mul_add(b, c)",
            |p| method_mul_add(p[0], p[1], p[2]),
            &at,
            &[da, db, dc],
        );
        assert_eq!(path_mul_add_grad(a, b, c).1, (da, db, dc), "f64::mul_add");
    }
}

#[differentiate]
fn method_clamp(x: f64, lo: f64, hi: f64) -> f64 {
    x.clamp(lo, hi) * 2.0
}

#[differentiate]
fn path_clamp(x: f64, lo: f64, hi: f64) -> f64 {
    f64::clamp(x, lo, hi) * 2.0
}

#[test]
fn method_clamp_in_both_syntaxes() {
    // Inside, below and above the interval.
    for (at, expected) in [
        ([0.5, 0.0, 1.0], (2.0, 0.0, 0.0)),
        ([-0.5, 0.0, 1.0], (0.0, 2.0, 0.0)),
        ([1.5, 0.0, 1.0], (0.0, 0.0, 2.0)),
    ] {
        let (x, lo, hi) = (at[0], at[1], at[2]);
        let (_, grad) = method_clamp_grad(x, lo, hi);
        assert_eq!(grad, expected, "clamp at {at:?}");
        assert_fd_all(
            "x.clamp(lo, hi)",
            |p| method_clamp(p[0], p[1], p[2]),
            &at,
            &[grad.0, grad.1, grad.2],
        );
        assert_eq!(path_clamp_grad(x, lo, hi).1, grad, "f64::clamp");
    }
}
