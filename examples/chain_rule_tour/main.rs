//! A tour of the chain rule: every worked example of the project's teaching
//! notes (/work/shared/seeds/, notes 000 to 004, in their order), each written
//! as an ordinary function with `#[differentiate]`.
//!
//! ```sh
//! cargo run --release --example chain_rule_tour
//! ```
//!
//! For each example the program prints a small table: the value and the
//! gradient that the generated `NAME_grad` returns, beside the closed form the
//! notes derive by hand (with the notes' own numbers where they give some, and
//! simple numbers of ours where they do not). Every row is also checked: the
//! program stops with an error if a generated derivative ever disagrees with
//! the hand-derived one, so running it is a test. `--quick` is accepted (CI
//! passes it to every example) and changes nothing: the tour takes milliseconds.
//!
//! Where a note writes the chain rule as a product of local derivatives
//! (`dy/dx = dy/du · du/dx`), the example differentiates each piece on its own
//! too, so that you can see the product of the pieces equal the whole.

mod beyond;
mod derivative_table;
mod note_000;
mod note_001;
mod note_002;
mod note_003;
mod note_004;
mod table;

fn main() {
    // CI runs every example with --quick; the tour is fast either way.
    let _quick = std::env::args().skip(1).any(|arg| arg == "--quick");

    println!("The chain rule, example by example: the gradient #[differentiate] generates");
    println!("beside the closed form the notes derive by hand. Every row is checked.");
    note_000::note_000();
    note_001::note_001();
    note_002::note_002();
    note_003::note_003();
    note_004::note_004();
    beyond::beyond();
    println!();
    println!("All generated gradients agree with the notes' closed forms.");
}
