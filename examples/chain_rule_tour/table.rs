//! Printing and checking: the tables every note prints, each row asserting that the generated derivative equals the closed form.

// ===========================================================================
// Printing and checking
// ===========================================================================

/// A number for the tables: integers without decimals, others with up to six,
/// very small or very large ones in scientific notation.
pub(crate) fn num(v: f64) -> String {
    if v == 0.0 {
        return "0".to_string();
    }
    if v.abs() < 1e-3 || v.abs() >= 1e7 {
        return format!("{v:.6e}");
    }
    let text = format!("{v:.6}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_string()
    } else {
        text.to_string()
    }
}

/// A vector for the tables: `[2, 3]`.
pub(crate) fn nums(v: &[f64]) -> String {
    let parts: Vec<String> = v.iter().map(|&x| num(x)).collect();
    format!("[{}]", parts.join(", "))
}

/// Whether the generated number equals the closed form up to rounding.
pub(crate) fn agrees(generated: f64, closed: f64) -> bool {
    (generated - closed).abs() <= 1e-12 * generated.abs().max(closed.abs()) + 1e-15
}

/// The title of one worked example.
pub(crate) fn title(text: &str) {
    println!();
    println!("  {text}");
}

/// The header of a table: what the generated code returns, what the notes
/// derive by hand.
pub(crate) fn header() {
    println!(
        "    {:<38} {:>22} {:>22}",
        "quantity", "#[differentiate]", "closed form (by hand)"
    );
}

/// A worked example: its title and the header of its table.
pub(crate) fn example(text: &str) {
    title(text);
    header();
}

/// A value computed by hand only (an intermediate node, an updated weight),
/// shown in the closed-form column.
pub(crate) fn fact(quantity: &str, value: f64) {
    println!("    {quantity:<38} {:>22} {:>22}", "", num(value));
}

/// One row: the generated number beside the closed form; stops the program if
/// they disagree.
pub(crate) fn row(quantity: &str, generated: f64, closed: f64) {
    let ok = agrees(generated, closed);
    let mark = if ok { "ok" } else { "MISMATCH" };
    println!(
        "    {quantity:<38} {:>22} {:>22}  {mark}",
        num(generated),
        num(closed)
    );
    assert!(
        ok,
        "{quantity}: generated {generated}, closed form {closed}"
    );
}

/// One row for a vector (a gradient with respect to a buffer).
pub(crate) fn row_vec(quantity: &str, generated: &[f64], closed: &[f64]) {
    let ok = generated.len() == closed.len()
        && generated.iter().zip(closed).all(|(&g, &c)| agrees(g, c));
    let mark = if ok { "ok" } else { "MISMATCH" };
    println!(
        "    {quantity:<38} {:>22} {:>22}  {mark}",
        nums(generated),
        nums(closed)
    );
    assert!(
        ok,
        "{quantity}: generated {generated:?}, closed form {closed:?}"
    );
}

/// A line of commentary under a table.
pub(crate) fn note(text: &str) {
    println!("    note: {text}");
}

pub(crate) fn chapter(title: &str) {
    println!();
    println!("{}", "=".repeat(92));
    println!("{title}");
    println!("{}", "=".repeat(92));
}
