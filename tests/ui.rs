//! Every misuse of `#[differentiate]` is a compile error at the offending token,
//! with the exact message pinned in `tests/ui/*.stderr`.

#[test]
fn compile_errors() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
