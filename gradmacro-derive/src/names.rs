//! Names of everything the generated code introduces.
//!
//! Every generated local carries the reserved `__gm` prefix *and* a
//! `Span::mixed_site()` span. The span alone already makes these locals invisible to
//! user-written identifiers (macro hygiene), and the body is fully renamed during
//! lowering, so a user variable called `grad`, `adj_x` or even `__gm_v1` can
//! neither shadow nor be shadowed by generated code.
//!
//! Items are another matter: `mixed_site` hygiene resolves item names at the
//! call site, and a `let` pattern naming a `const`, `static` or unit struct in
//! scope is a pattern match against it, not a new binding (stable Rust has no
//! def-site hygiene). So each expansion tags its names with a short hash of the
//! function it expands (`__gm3k9q_v1`): an item can only collide with a name it
//! cannot know. Unit tests expand without a tag, so their golden code reads
//! `__gm_v1`.

use std::cell::RefCell;

thread_local! {
    /// The tag of the expansion in progress (empty in unit tests).
    static TAG: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Tags the names of the expansion of `function` (its tokens, as text);
/// an empty text removes the tag.
pub fn tag_expansion(function: &str) {
    use std::hash::{Hash, Hasher};
    if function.is_empty() {
        TAG.with(|current| current.borrow_mut().clear());
        return;
    }
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    function.hash(&mut hasher);
    let mut hash = hasher.finish();
    let mut tag = String::new();
    for _ in 0..6 {
        let digit = (hash % 36) as u32;
        tag.push(char::from_digit(digit, 36).unwrap_or('0'));
        hash /= 36;
    }
    TAG.with(|current| *current.borrow_mut() = tag);
}

/// A generated name for a helper binding in quoted code (`__gm_row`).
pub fn local(name: &str) -> Ident {
    hygienic(format!("__gm_{name}"))
}

/// A variable's name as messages show it: the user's, or for a local the
/// macro introduced (`__gm<tag>_reduced`), what it stands for.
pub fn shown(name: &str) -> &str {
    match name.strip_prefix("__gm") {
        Some(rest) => rest.split_once('_').map_or(rest, |(_, what)| what),
        None => name,
    }
}

use crate::ir::{SlotId, ValueId};
use proc_macro2::{Group, Ident, Span, TokenStream, TokenTree};

/// The tokens with every raw identifier that need not be raw written plainly:
/// `r#x` and `x` are one variable in Rust, so they must be one name to the
/// lowering (which compares names as strings). Keywords (`r#loop`) stay raw.
pub fn unraw(tokens: TokenStream) -> TokenStream {
    tokens
        .into_iter()
        .map(|tree| match tree {
            TokenTree::Ident(ident) => {
                let text = ident.to_string();
                match text.strip_prefix("r#") {
                    Some(plain) if syn::parse_str::<Ident>(plain).is_ok() => {
                        TokenTree::Ident(Ident::new(plain, ident.span()))
                    }
                    _ => TokenTree::Ident(ident),
                }
            }
            TokenTree::Group(group) => {
                let mut unrawed = Group::new(group.delimiter(), unraw(group.stream()));
                unrawed.set_span(group.span());
                TokenTree::Group(unrawed)
            }
            other => other,
        })
        .collect()
}

/// A companion's name: `NAME_suffix`, of the name without `r#` (`r#loop`
/// gives `loop_pullback`), spanned like `NAME`.
pub fn companion(name: &Ident, suffix: &str) -> Ident {
    use syn::ext::IdentExt;
    Ident::new(&format!("{}_{suffix}", name.unraw()), name.span())
}

/// `__gm_rest` as `__gm{tag}_rest`, with mixed-site hygiene.
fn hygienic(name: String) -> Ident {
    let tagged = TAG.with(|tag| {
        let tag = tag.borrow();
        match name.strip_prefix("__gm_") {
            Some(rest) if !tag.is_empty() => format!("__gm{tag}_{rest}"),
            _ => name.clone(),
        }
    });
    Ident::new(&tagged, Span::mixed_site())
}

/// `path::f_pullback` for a call of `path::f` (without its generic
/// arguments), spanned like `f` so that a missing one is reported there.
pub fn pullback_path(func: &syn::ExprPath) -> syn::ExprPath {
    companion_path(func, "pullback")
}

/// `NAME_SUFFIX` at the same path as the function `func` names.
pub fn companion_path(func: &syn::ExprPath, suffix: &str) -> syn::ExprPath {
    let mut pullback = func.clone();
    if let Some(last) = pullback.path.segments.last_mut() {
        last.ident = companion(&last.ident, suffix);
        last.arguments = syn::PathArguments::None;
    }
    pullback
}

/// The gradient a preaccumulated call returned (see `preaccumulate.rs`).
pub fn preaccumulated(call: ValueId) -> Ident {
    local(&format!("gradient_v{}", call.0))
}

/// The scratch buffer a call site lends its callee for argument `index`'s
/// adjoint (a constant buffer, or a preaccumulated call's gradient).
pub fn call_scratch(call: ValueId, index: usize) -> Ident {
    local(&format!("scratch_v{}_{index}", call.0))
}

/// The primal (forward) value of an IR value.
pub fn primal(value: ValueId) -> Ident {
    hygienic(format!("__gm_v{}", value.0))
}

/// The adjoint ∂output/∂value, once all its contributions are summed.
pub fn adjoint_of(value: ValueId) -> Ident {
    hygienic(format!("__gm_adj_v{}", value.0))
}

/// The local partial derivative of a rule's result with respect to its `input`-th
/// argument.
pub fn partial(value: ValueId, input: usize) -> Ident {
    hygienic(format!("__gm_d{}_{input}", value.0))
}

/// A scratch quotient shared by the two adjoint contributions of a division.
pub fn quotient(value: ValueId) -> Ident {
    hygienic(format!("__gm_q{}", value.0))
}

/// The output seed parameter of the pullback.
pub fn seed() -> Ident {
    hygienic("__gm_seed".to_owned())
}

/// The name given to a parameter the user wrote as `_`.
pub fn unused_param(index: usize) -> Ident {
    hygienic(format!("__gm_unused{index}"))
}

/// A name bound by a `match` pattern.
pub fn pattern_binding(id: usize) -> Ident {
    hygienic(format!("__gm_b{id}"))
}

/// The states the checkpointed loop of body `block` saved of a buffer or a
/// variable (see `fuse/checkpoint.rs`); two loops may carry the same one.
pub fn checkpoints(block: crate::ir::BlockId, of: &str, id: usize) -> Ident {
    hygienic(format!("__gm_checkpoints_b{}_{of}{id}", block.0))
}

/// The binding of a `for` loop's item.
pub fn loop_item(value: ValueId) -> Ident {
    hygienic(format!("__gm_item{}", value.0))
}

/// The accumulator of a value's adjoint contributions from nested blocks.
pub fn accumulator(value: ValueId) -> Ident {
    hygienic(format!("__gm_acc_v{}", value.0))
}

/// A slot (mutable variable) of the forward sweep.
pub fn slot(slot: SlotId) -> Ident {
    hygienic(format!("__gm_s{}", slot.0))
}

/// The adjoint of a slot.
pub fn slot_adjoint(slot: SlotId) -> Ident {
    hygienic(format!("__gm_adj_s{}", slot.0))
}

/// The iteration (counted from 1; 0 for none) in which a max reduction's
/// element last won.
pub fn argmax_record(trip: ValueId) -> Ident {
    hygienic(format!("__gm_argmax_v{}", trip.0))
}

/// The iteration whose element a variable of a max reduction's loop holds
/// (0 for none, `usize::MAX` for a constant).
pub fn copy_record(slot: SlotId) -> Ident {
    hygienic(format!("__gm_copied_s{}", slot.0))
}

/// The reverse sweep's copy of a counter (see `counters.rs`).
pub fn counter_copy(slot: crate::ir::SlotId) -> Ident {
    hygienic(format!("__gm_rev_s{}", slot.0))
}

/// The final values of a counter declared in a nested block, one per
/// execution of that block.
pub fn counter_finals(slot: crate::ir::SlotId) -> Ident {
    hygienic(format!("__gm_finals_s{}", slot.0))
}

/// A deferred fused loop's contribution to a value's adjoint, set aside
/// until its exit adjoint is known.
pub fn set_aside(value: ValueId) -> Ident {
    hygienic(format!("__gm_aside_v{}", value.0))
}

/// The same, for a variable's adjoint.
pub fn set_aside_slot(slot: crate::ir::SlotId) -> Ident {
    hygienic(format!("__gm_aside_s{}", slot.0))
}

/// The local a reverse loop sums a loop-invariant element read's adjoint in.
pub fn entry_accumulator(read: ValueId) -> Ident {
    hygienic(format!("__gm_entry_v{}", read.0))
}

/// The stack of the elements a restored buffer's stores overwrote.
pub fn restore_stack(buffer: ValueId) -> Ident {
    hygienic(format!("__gm_restore_v{}", buffer.0))
}

/// The lengths of a restored buffer's contents saved whole before it was
/// overwritten whole (the contents go on [`restore_stack`]).
pub fn restore_lengths(buffer: ValueId) -> Ident {
    hygienic(format!("__gm_restore_len_v{}", buffer.0))
}

/// The stack that saves a value's overwritten states inside loops.
pub fn stack(value: ValueId) -> Ident {
    hygienic(format!("__gm_stack_v{}", value.0))
}

/// Where the segment of a loop's tapes for one execution of the loop starts.
pub fn tape_start(trip: ValueId) -> Ident {
    hygienic(format!("__gm_tape_start{}", trip.0))
}

/// The end of the entries in use of a loop's tapes (they keep their longest
/// length, so this is not their `len()`).
pub fn tape_top(trip: ValueId) -> Ident {
    hygienic(format!("__gm_tape_top{}", trip.0))
}

/// A loop's trip count, read once before its reverse.
pub fn trips(trip: ValueId) -> Ident {
    hygienic(format!("__gm_trips{}", trip.0))
}

/// The segment of a taped value's tape that its loop's reverse reads.
pub fn segment(value: ValueId) -> Ident {
    hygienic(format!("__gm_segment_v{}", value.0))
}

/// The segment of a taped partial derivative.
pub fn partial_segment(value: ValueId, input: usize) -> Ident {
    hygienic(format!("__gm_segment_d{}_{input}", value.0))
}

/// The stack of a rule's partial derivative inside loops.
pub fn partial_stack(value: ValueId, input: usize) -> Ident {
    hygienic(format!("__gm_stack_d{}_{input}", value.0))
}

/// A snapshot of a slot's adjoint taken when the slot is overwritten.
pub fn snapshot(slot: SlotId, index: usize) -> Ident {
    hygienic(format!("__gm_w{}_{index}", slot.0))
}

/// A rule's result tuple, when some of its parts are saved.
pub fn temporary(value: ValueId) -> Ident {
    hygienic(format!("__gm_t{}", value.0))
}

/// The iterator of a `for` loop whose stacks are reserved before it runs.
pub fn iterator(trip: ValueId) -> Ident {
    hygienic(format!("__gm_iter{}", trip.0))
}

/// The adjoint of a buffer: a buffer of the same shape.
pub fn adjoint_buffer(value: ValueId) -> Ident {
    hygienic(format!("__gm_adjbuf_v{}", value.0))
}

/// The length of a `push`-built buffer, walked back by the reverse sweep.
pub fn push_counter(value: ValueId) -> Ident {
    hygienic(format!("__gm_len_v{}", value.0))
}

/// A buffer element's adjoint, taken when the element is overwritten.
pub fn element_snapshot(index: usize) -> Ident {
    hygienic(format!("__gm_e{index}"))
}

/// The pullback's `&mut` adjoint parameter of the out-parameter at `index`.
pub fn out_adjoint(index: usize) -> Ident {
    hygienic(format!("__gm_out{index}"))
}

/// The adjoint a callee's pullback returns for its `index`-th argument.
pub fn call_adjoint(value: ValueId, index: usize) -> Ident {
    hygienic(format!("__gm_c{}_{index}", value.0))
}
