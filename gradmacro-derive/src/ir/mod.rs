//! The intermediate representation: structured regions of three-address
//! statements, one fresh value per sub-expression.
//!
//! Inside a block every user variable is renamed to the value it holds at each
//! point (assignment and shadowing create new values), so straight-line code is in
//! SSA form and later passes never reason about Rust scoping. A variable that is
//! assigned inside a nested region (a branch arm, a loop body) lives in a *slot*,
//! a mutable local read and written by explicit nodes. Control flow is structured:
//! `if`, `match` and loops are nodes holding blocks, and early exits (`break`,
//! `continue`, `return`) have been turned into flag slots that guard the rest of
//! each block, so the reverse sweep can mirror the forward sweep exactly.
//!
//! The IR prints as a readable listing (`Display`), which is what the unit tests
//! compare and what `GRADMACRO_DUMP=1` shows while the macro expands.

use crate::rule_table::Rule;
use proc_macro2::{Span, TokenStream};
use syn::{BinOp, Ident, Type, UnOp};

/// One value of the body (an SSA name).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ValueId(pub usize);

/// A mutable variable: a user variable assigned inside a nested region, the
/// result of a value-producing `if`/`match`/`loop`, or an exit flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SlotId(pub usize);

/// A block (region) of the body.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlockId(pub usize);

/// The root block: the function body itself.
pub const ROOT: BlockId = BlockId(0);

/// The lowered body of the annotated function.
pub struct Body {
    /// Items declared anywhere in the body (`const`, `use`, nested `fn`), emitted
    /// verbatim at the top of each companion.
    pub items: Vec<syn::Item>,
    /// Every value's definition, indexed by `ValueId`.
    pub values: Vec<Stmt>,
    /// Every slot, indexed by `SlotId`.
    pub slots: Vec<Slot>,
    /// Every block's place in the nesting, indexed by `BlockId`.
    pub blocks: Vec<BlockInfo>,
    /// The function body.
    pub root: Block,
    /// The value returned (defined in the root block).
    pub ret: ValueId,
    /// Which values are visibly `usize` (see `save.rs`), computed once.
    pub usize_like: std::cell::OnceCell<Vec<bool>>,
    /// Values whose statement throws them away (`c.set(x);`, `let _ = f(&b);`):
    /// calls made for their effect, which may change what they borrow.
    pub discarded: std::collections::HashSet<ValueId>,
    /// `&mut` buffer parameters passed on by name (`update(state)`), lent
    /// [`Opaque::BorrowMut`]s: the callee may take `&mut [f64]` or `&[f64]`,
    /// which this macro cannot see, so the call composes through
    /// `NAME_pullback_lent`, whose convention covers both (see
    /// `emit/pullback.rs`).
    pub lent_by_name: std::collections::HashSet<ValueId>,
    /// Buffer parameters taken by reference (`&[f64]`, `&mut Vec<f64>`).
    pub reference_params: std::collections::HashSet<ValueId>,
    /// Parameters declared `usize` (sizes, counts): their arithmetic is
    /// visibly `usize` (see `save.rs`).
    pub usize_params: std::collections::HashSet<ValueId>,
    /// Which values some statement or node reads, computed once.
    pub used: std::cell::OnceCell<Vec<bool>>,
}

/// Where a block sits.
#[derive(Clone, Copy, Debug)]
pub struct BlockInfo {
    /// Inside some loop body (at any depth).
    pub in_loop: bool,
}

/// A sequence of nodes.
pub struct Block {
    pub id: BlockId,
    pub nodes: Vec<Node>,
}

/// The definition of one value.
pub struct Stmt {
    pub def: ValueId,
    pub op: Op,
    /// The type annotation the user wrote on the `let` that bound this value.
    pub ty: Option<Type>,
    /// Whether the user bound this value with `let mut` (in-place mutation through
    /// `&mut self` methods then still works on the renamed local).
    pub mutable: bool,
    /// The source tokens, for error messages.
    pub span: Span,
    /// The block whose node defines this value.
    pub home: BlockId,
    /// A buffer of floats (a slice, array or `Vec` parameter, or a local one),
    /// whose adjoint is a buffer of the same shape.
    pub buffer: bool,
}

/// A mutable variable.
pub struct Slot {
    /// The user's name, or what the slot is for, for dumps.
    pub name: String,
    /// The block whose node declares it.
    pub home: BlockId,
}

/// How a slot starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlotInit {
    Value(ValueId),
    /// `Default::default()`: for results that an early exit may leave unwritten.
    Default,
}

/// One step of a block.
pub enum Node {
    /// `let value = op;`
    Def(ValueId),
    /// `let mut slot = init;`
    Declare {
        slot: SlotId,
        init: SlotInit,
    },
    /// `slot = value;`
    Write {
        slot: SlotId,
        value: ValueId,
    },
    /// `base[indices] = value;`
    Store {
        base: ValueId,
        indices: Vec<ValueId>,
        value: ValueId,
    },
    /// `base.push(value);`
    Push {
        base: ValueId,
        value: ValueId,
    },
    /// `*target = value;` at the end of the body, for an out-parameter
    /// `target: &mut f64`.
    WriteBack {
        target: ValueId,
        value: ValueId,
    },
    /// `target = source;` of two buffers inside a branch or loop: the
    /// target's elements become copies of the source's, in place (Rust moves
    /// or copies the whole buffer; it has the source's contents either way).
    Overwrite {
        target: ValueId,
        source: ValueId,
        /// The target's length before (the source's may differ: a layer of
        /// another width), which its adjoint takes back in the reverse sweep.
        old_len: ValueId,
    },
    /// `base.truncate(new_len)` (also `clear`, and the shrinking half of
    /// `pop`), or `base.resize(new_len, fill)`: the buffer's length changes.
    /// The reverse sweep gives the adjoint back the length it had, the
    /// elements a shrink dropped an adjoint of zero, and `fill` the adjoints
    /// of the elements a growth added.
    Resize {
        base: ValueId,
        old_len: ValueId,
        new_len: ValueId,
        fill: Option<ValueId>,
    },
    If {
        cond: ValueId,
        then: Block,
        otherwise: Block,
    },
    /// A `match`; `decision` (an [`Op::Decision`]) records the arm taken.
    Match {
        scrutinee: ValueId,
        arms: Vec<Arm>,
        decision: ValueId,
    },
    Loop(Loop),
    /// `base.members = value;` of a value that is not a float buffer
    /// (`self.calls += 1` in a `&mut self` method): run by the forward sweep
    /// only. The activity analysis rejects a stored value that depends on a
    /// differentiated parameter, as the field's later reads are constants.
    FieldWrite {
        base: ValueId,
        members: Vec<syn::Member>,
        value: ValueId,
        /// The field written (`calls` of `self.calls`), for errors.
        span: proc_macro2::Span,
    },
    /// A macro run for its effect on primal values (`println!`, `assert!`,
    /// `panic!`): the forward sweep runs it, the reverse sweep does not.
    Macro {
        mac: syn::Macro,
        args: Vec<MacroArg>,
    },
}

/// An argument of a [`Node::Macro`], in order.
pub enum MacroArg {
    /// Kept as written (a format string).
    Tokens(TokenStream),
    /// A value.
    Value(ValueId),
    /// A value, borrowed (`&v`).
    Borrowed(ValueId),
    /// A named argument `name = value` (also a format string's implicit
    /// capture `{name}`).
    Named(Ident, ValueId),
}

/// One arm of a `match`.
pub struct Arm {
    /// The pattern, with its bindings renamed (see [`Op::Binding`]).
    pub pat: syn::Pat,
    /// Evaluated in the forward sweep only: a guard's decision is part of the
    /// arm index the `match` records.
    pub guard: Option<(Block, ValueId)>,
    pub body: Block,
}

/// A loop. `while` and `loop` are both [`LoopKind::Infinite`] with an exit flag.
pub struct Loop {
    pub kind: LoopKind,
    pub body: Block,
    /// Counts the iterations started (an [`Op::TripCount`]).
    pub trip: ValueId,
    /// The flags that end the loop when set during an iteration.
    pub exit_flags: Vec<SlotId>,
    /// The flag of `continue`, cleared at the start of every iteration.
    pub continue_flag: Option<SlotId>,
    /// The loop's own `break` flag (a `while` condition's too), one of
    /// `exit_flags`: the others leave something around the loop as well
    /// (`return`, a labelled outer loop's `break`).
    pub break_flag: Option<SlotId>,
}

pub enum LoopKind {
    /// `for item in iter`; `item` is an [`Op::LoopItem`] of the body block.
    For {
        item: ValueId,
        iter: ValueId,
    },
    Infinite,
}

/// The differentiable arithmetic operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arith {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

impl Arith {
    /// The operator as a token (made directly: parsing its text would be a
    /// round trip to the compiler per statement), at `span`: the user's
    /// operator, so that a type error in it (`x * 300u8`) is reported once,
    /// there, rather than again at the attribute for each companion.
    pub fn token(self, span: Span) -> proc_macro2::Punct {
        let symbol = self.symbol().chars().next().unwrap_or('+');
        let mut punct = proc_macro2::Punct::new(symbol, proc_macro2::Spacing::Alone);
        punct.set_span(span);
        punct
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Arith::Add => "+",
            Arith::Sub => "-",
            Arith::Mul => "*",
            Arith::Div => "/",
            Arith::Rem => "%",
        }
    }
}

/// What an `as` cast converts to, which decides its derivative.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CastTarget {
    /// `f32`/`f64`: differentiable (the identity, up to rounding).
    Float,
    /// A primitive integer, `bool` or `char`: the derivative is zero.
    Integer,
    /// A type the macro cannot classify (an alias such as `Real`): differentiating
    /// through it is refused rather than guessed.
    Unknown,
}

/// How a local buffer is made.
pub enum BufferInit {
    /// `vec![elem; len]` or `[elem; LEN]`.
    Repeat { elem: ValueId, len: RepeatLen },
    /// `vec![a, b, c]` (`vec: true`) or `[a, b, c]`.
    List { elems: Vec<ValueId>, vec: bool },
    /// A copy of another buffer, or of a row of one (`prefix` indices):
    /// `x.to_vec()`, `m[r].to_vec()`, `x.clone()`, or `let mut y = x;` (`method:
    /// None`).
    Copy {
        source: ValueId,
        prefix: Vec<ValueId>,
        method: Option<Ident>,
        /// A range of the last dimension (`x[a..b].to_vec()`).
        range: Option<(ValueId, ValueId)>,
    },
    /// `Vec::new()`, `Vec::with_capacity(n)`: filled by `push`.
    Empty {
        func: syn::ExprPath,
        args: Vec<ValueId>,
    },
}

/// The length of a repeated buffer.
pub enum RepeatLen {
    /// `vec![x; n]`: a value.
    Vec(ValueId),
    /// `[x; N]`: a constant expression, kept as written.
    Array(syn::Expr),
}

/// How the user spelled a rule call; kept so that constant calls compile exactly
/// as written (`f64::exp(2.0)` fixes a literal's type, `2.0.exp()` would not).
#[derive(Clone)]
pub enum CallForm {
    Method,
    Path(syn::ExprPath),
}

/// What a statement computes.
pub enum Op {
    /// The `index`-th parameter, as passed (a reference for `&f64`).
    Param {
        index: usize,
    },
    /// `*r` for a reference to a float: the identity for derivatives.
    Deref(ValueId),
    /// A literal or a path to a constant item (`PI`, `std::f64::consts::E`).
    Const(TokenStream),
    /// A plain copy, used where the user annotated a `let` with a type.
    Copy(ValueId),
    Neg(ValueId),
    Arith(Arith, ValueId, ValueId),
    /// `value as ty`.
    Cast {
        value: ValueId,
        ty: Type,
        target: CastTarget,
    },
    /// A call with a derivative rule in `gradmacro::rules`.
    Rule {
        rule: &'static Rule,
        args: Vec<ValueId>,
        form: CallForm,
        name: Ident,
    },
    /// An element of a buffer: `base[indices[0]][indices[1]]...`.
    Index {
        base: ValueId,
        indices: Vec<ValueId>,
    },
    /// A local buffer, made here.
    Buffer(BufferInit),
    /// The current value of a slot.
    ReadSlot(SlotId),
    /// The item of a `for` loop's current iteration.
    LoopItem,
    /// The number of iterations a loop started.
    TripCount,
    /// The index of the `match` arm taken.
    Decision,
    /// A name bound by a `match` pattern (as [`crate::names::pattern_binding`]
    /// of `pattern_name`): the whole scrutinee (`x` or `x @ ..`, differentiable) or
    /// a part of it (an enum payload, constant).
    Binding {
        scrutinee: ValueId,
        whole: bool,
        pattern_name: usize,
    },
    /// Anything without a derivative, kept verbatim. Its result is never active.
    Opaque(Opaque),
}

/// Operations with no derivative. `derivative_free` ones (comparisons, `is_nan`)
/// are fine on active inputs because their result carries no derivative; the others
/// are an error when an active input reaches the output through them.
pub enum Opaque {
    Unary(UnOp, ValueId),
    Binary(BinOp, ValueId, ValueId),
    Ref(ValueId),
    /// `base.member`, or `&base.member` when `borrowed` (a method's receiver).
    Field {
        base: ValueId,
        member: syn::Member,
        borrowed: bool,
    },
    Method {
        receiver: ValueId,
        method: Ident,
        turbofish: Option<syn::AngleBracketedGenericArguments>,
        args: Vec<ValueId>,
    },
    Call {
        func: syn::ExprPath,
        args: Vec<ValueId>,
    },
    /// A call of a value (`g(x)` for a closure or `impl Fn` parameter `g`):
    /// its body, and so its derivative, is out of sight.
    Invoke {
        callee: ValueId,
        args: Vec<ValueId>,
    },
    /// `base[indices]` of something that is not a float buffer (or a row of one,
    /// borrowed when `borrowed`).
    Index {
        base: ValueId,
        indices: Vec<ValueId>,
        borrowed: bool,
    },
    /// A tuple of values, as a `match` scrutinee: `match (a > 0.0, n) { .. }`.
    Tuple(Vec<ValueId>),
    /// `&mut base[prefix..][range]`: a float buffer, a row, a slice or (with
    /// `prefix` down to a float) an element, lent to a call that may write it.
    /// `before` is a copy of it taken just before the call: the reverse sweep
    /// hands the callee's pullback that copy (the call saw those contents),
    /// and the borrowed part's adjoint buffer as the out-adjoint.
    BorrowMut {
        base: ValueId,
        prefix: Vec<ValueId>,
        range: Option<(ValueId, ValueId)>,
        /// A copy of the lent part taken before the call (`[x]` for an
        /// element), which the reverse sweep hands the callee's pullback.
        before: ValueId,
        /// The lent part is one element (`before` is `[element]`).
        element: bool,
    },
    /// `&mut value` of something that is not a float (a workspace, a random
    /// number generator): a constant for differentiation, but the callee may
    /// change it, so `before` (a clone) is what the reverse sweep lends.
    ConstantMut {
        value: ValueId,
        before: ValueId,
    },
    /// `&base[prefix..][start..end]`: a range slice of a float buffer (or of a
    /// row of one), borrowed.
    Slice {
        base: ValueId,
        prefix: Vec<ValueId>,
        start: ValueId,
        end: ValueId,
    },
    /// A closure passed to a method of a constant (`labels.iter().position(|&l|
    /// l == k)`), kept as written and printed inline in the call, with the
    /// variables it reads (`captures`, by the user's name) replaced by their
    /// values. `result_free`: the method returns an item of its receiver, a
    /// position, a bool or a count, never what the closure computes, so the
    /// closure carries no derivative even when it reads a differentiated
    /// value (otherwise such a read is refused). See `lower/kept_closure.rs`.
    Closure {
        closure: Box<syn::ExprClosure>,
        captures: Vec<(String, ValueId)>,
        result_free: bool,
        /// The method it is passed to, for messages.
        method: Ident,
    },
    /// The gradient a preaccumulated call's pullback returned for a unit
    /// seed, bound right after the call (see `preaccumulate.rs`); nothing
    /// where the call is not preaccumulated.
    CallGradient(ValueId),
    /// A range `a..b` / `a..=b` (either end optional), the iterator of loops.
    Range {
        start: Option<ValueId>,
        end: Option<ValueId>,
        inclusive: bool,
    },
}

mod display;
mod queries;
