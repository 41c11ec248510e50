//! Lowers the function body from syn's syntax tree to the IR.
//!
//! Lowering renames every variable to the value it holds (so shadowing, `let mut`
//! and reassignment all become fresh values), splits nested expressions into one
//! statement per operation, maps float methods with a derivative rule onto
//! [`Op::Rule`], turns variables assigned inside nested regions into slots, and
//! turns early exits into flags that guard the rest of each block. It does not
//! decide what is differentiated: that depends on `wrt` and is the job of
//! `activity.rs`. Syntax that is not supported yet is rejected here, pointing at
//! its first token.
//!
//! The pieces: this file holds the lowerer's state, blocks and scopes;
//! `stmts.rs` statement lists, early exits and rejected statements;
//! `expr.rs` the expressions, `control.rs` branches, loops and exits,
//! `pattern.rs` the patterns of `match` arms, `assigned.rs` the scans made before
//! a region is lowered.

mod assigned;
mod binding;
mod borrow;
mod buffer_methods;
mod buffers;
mod call;
mod chain;
mod closure;
mod control;
mod dedupe;
mod desugar;
mod expr;
mod iter;
mod kept_closure;
mod macros;
mod pattern;
mod slices;
mod stmts;
mod variables;

pub(crate) use assigned::is_compound_assignment;
pub(crate) use call::is_primal_only;
pub(crate) use expr::path_text;
pub(crate) use kept_closure::kept_closure_tokens;

use crate::ir::{
    Block, BlockId, BlockInfo, Body, Node, Op, Slot, SlotId, SlotInit, Stmt, ValueId, ROOT,
};
use crate::signature::{FnSignature, ParamKind};
use proc_macro2::Span;
use std::collections::HashMap;
use syn::spanned::Spanned;
use syn::{Expr, Ident, Type};

/// What an expression evaluates to: one value, a tuple of them, `()`, or nothing
/// at all because control never gets past it (`break`, `return`).
#[derive(Clone)]
enum Lowered {
    Value(ValueId),
    Tuple(Vec<Lowered>),
    /// A part of a buffer not yet down to a float: `m[r]` of a matrix.
    View(ValueId, Vec<ValueId>),
    Unit,
    Never,
    /// A closure bound to a name: inlined where it is called.
    Closure(std::rc::Rc<closure::Closure>),
    /// A range of a buffer's last dimension: `x[a..b]` (see `slices.rs`).
    Slice(Box<slices::SliceView>),
    /// A variable whose `let` was rejected: using it is not a second error.
    Poison,
}

/// What a user name refers to: a value (or tuple of values), or a slot.
#[derive(Clone)]
enum Target {
    Value(Lowered),
    Slot(SlotId),
    /// A slice variable re-pointed inside a branch or loop (`p = &p[1..]`):
    /// always a view of the same buffer, with its bounds in slots.
    SliceSlots {
        root: ValueId,
        prefix: Vec<ValueId>,
        start: SlotId,
        end: SlotId,
    },
}

#[derive(Clone)]
struct Binding {
    target: Target,
    mutable: bool,
}

/// A loop being lowered: where `break` and `continue` inside it go.
struct LoopContext {
    label: Option<String>,
    /// A labelled block (`'a: { .. break 'a v; .. }`), lowered as a loop that
    /// runs once: only `break 'a` targets it, not an unlabelled `break` or
    /// `continue`.
    labelled_block: bool,
    /// The block holding the loop node.
    home: BlockId,
    break_flag: Option<SlotId>,
    continue_flag: Option<SlotId>,
    /// The slot a `break value` writes.
    result: Option<SlotId>,
    /// Declarations of the flags and result, to place before the loop.
    declarations: Vec<Node>,
}

/// The function's `return` machinery, created at the first early `return`.
struct Exit {
    flag: SlotId,
    result: SlotId,
}

/// Lowers `block`, the body of the function whose checked signature is `sig`.
pub fn lower(block: &syn::Block, sig: &FnSignature) -> syn::Result<LoweredBody> {
    let mut lowerer = Lowerer::default();
    if let crate::signature::FloatTy::Generic(name) = &sig.ret {
        lowerer.generic_float = Some(name.to_string());
    }
    lowerer.blocks.push(BlockInfo { in_loop: false });
    lowerer.open.push(Vec::new());
    lowerer.scopes.push(HashMap::new());
    lowerer.param_types = sig.params.iter().map(|param| param.ty.clone()).collect();
    let mut params = Vec::with_capacity(sig.params.len());
    for (index, param) in sig.params.iter().enumerate() {
        if param.is_wild {
            params.push(None);
            continue;
        }
        let value = lowerer.push(Op::Param { index }, param.name.span());
        // A `&mut` parameter (`&mut self` too) may be changed by the methods
        // called on it, as a `mut` one may.
        let by_mut_ref = matches!(&param.ty, Type::Reference(r) if r.mutability.is_some());
        lowerer.values[value.0].mutable = param.mutable || by_mut_ref;
        if let ParamKind::Buffer { depth, .. } = param.kind {
            lowerer.values[value.0].buffer = true;
            lowerer.buffer_depths.insert(value, depth);
            if let Type::Reference(_) = &param.ty {
                lowerer.reference_buffers.insert(value);
            }
        }
        if let ParamKind::Scalar { .. } = param.kind {
            lowerer.float_params.insert(value);
        }
        if let ParamKind::Scalar { by_ref: true, .. } = param.kind {
            let dereferenced = lowerer.push(Op::Deref(value), param.name.span());
            lowerer.dereferenced.insert(value, dereferenced);
            if param.out {
                // `*x` of `x: &mut f64` is a variable of its own, written
                // back through `x` when the function returns.
                let current = deref_name(&param.name);
                lowerer.bind(&current, Lowered::Value(dereferenced), true);
                lowerer.out_scalars.insert(value, current);
            }
        }
        lowerer.bind(&param.name, Lowered::Value(value), param.mutable);
        params.push(Some(value));
    }
    lowerer.unit_return = sig.unit_return;
    let close = block.brace_token.span.close();
    let lowered = lowerer.lower_body(block, sig, &params, close);
    // Every statement's error, in order (an error that only follows from an
    // earlier one is left out).
    let (ret, outs) = match lowered {
        Ok(lowered) if lowerer.errors.is_empty() => lowered,
        other => {
            if let Err(error) = other {
                let checkpoint = lowerer.checkpoint();
                lowerer.reject(error, checkpoint);
            }
            let errors = lowerer.errors.drain(..).reduce(|mut all, error| {
                all.combine(error);
                all
            });
            return Err(errors.unwrap_or_else(|| cascade(close)));
        }
    };
    let nodes = lowerer.open.pop().unwrap_or_default();
    let mut body = Body {
        items: lowerer.items,
        values: lowerer.values,
        slots: lowerer.slots,
        blocks: lowerer.blocks,
        root: Block { id: ROOT, nodes },
        ret,
        usize_like: std::cell::OnceCell::new(),
        discarded: lowerer.discarded,
        lent_by_name: lowerer.lent_by_name,
        reference_params: lowerer.reference_buffers,
        usize_params: params
            .iter()
            .zip(&sig.params)
            .filter_map(|(value, param)| {
                let is_usize = matches!(&param.ty, Type::Path(path) if path.qself.is_none() && path.path.is_ident("usize"));
                value.filter(|_| is_usize)
            })
            .collect(),
        used: std::cell::OnceCell::new(),
    };
    dedupe::element_reads(&mut body);
    Ok(LoweredBody {
        body,
        params,
        names: lowerer.value_names,
        outs,
    })
}

/// The variable holding `*x` for an out-parameter `x: &mut f64`.
pub(super) fn deref_name(param: &Ident) -> Ident {
    Ident::new(&assigned::deref_name(&param.to_string()), param.span())
}

/// An out-parameter: its contents when the function returns are an output.
pub struct Out {
    /// Its index among the parameters.
    pub param: usize,
    /// The value written back at the end (`*x`), or the buffer itself.
    pub last: ValueId,
    /// `x: &mut f64` rather than a buffer.
    pub scalar: bool,
}

/// The IR body together with the value each parameter starts as (`None` for `_`).
pub struct LoweredBody {
    pub body: Body,
    pub params: Vec<Option<ValueId>>,
    /// The first name each value was bound to (`let u = ..`, a parameter), for
    /// the graph `NAME_explain` returns.
    pub names: HashMap<ValueId, String>,
    /// The out-parameters (`&mut` floats and float buffers), in order.
    pub outs: Vec<Out>,
}

#[derive(Default)]
struct Lowerer {
    values: Vec<Stmt>,
    slots: Vec<Slot>,
    blocks: Vec<BlockInfo>,
    /// The blocks being built, innermost last, with their ids in `block_ids`.
    open: Vec<Vec<Node>>,
    block_ids: Vec<BlockId>,
    items: Vec<syn::Item>,
    scopes: Vec<HashMap<String, Binding>>,
    /// For `&f64`/`&f32` parameters, the value they point to. The reference itself
    /// is what constant calls receive (`helper(x)`); arithmetic, casts and rules
    /// read the float (Rust auto-dereferences there, the rules need the value).
    dereferenced: HashMap<ValueId, ValueId>,
    loops: Vec<LoopContext>,
    /// Exit flags that may have been set and have not reached their target yet.
    pending: Vec<SlotId>,
    exit: Option<Exit>,
    /// Counter for the names match patterns bind.
    pattern_names: usize,
    /// How many indexings reach a float in each buffer.
    buffer_depths: HashMap<ValueId, usize>,
    /// Elements that user code sees as references (`for v in x.iter()`): `*v`
    /// is the element itself.
    by_reference: std::collections::HashSet<ValueId>,
    /// Set while binding an iterator's items or a closure's arguments: these are
    /// references in Rust, so a row is bound as a view, not copied.
    binding_references: bool,
    /// Buffers just constructed and not yet bound to a name: `let mut b = vec![..]`
    /// binds them in place, while `let mut b = a` copies `a`.
    fresh_buffers: std::collections::HashSet<ValueId>,
    /// The latest read of each slot, reused by later reads in the same block
    /// until the slot is written: one saved value per iteration instead of one
    /// per mention.
    slot_reads: HashMap<SlotId, ValueId>,
    /// The function's generic float type (`T` of `T: Float`): `T::exp(x)` is
    /// a float method like `f64::exp(x)`.
    generic_float: Option<String>,
    /// The declared type of each parameter (to type a reassigned copy).
    param_types: Vec<Type>,
    /// See [`Body::discarded`].
    discarded: std::collections::HashSet<ValueId>,
    /// Buffers (by name) whose elements may be written after the statement
    /// being lowered: by it or a later statement of each enclosing list, or by
    /// the body of each enclosing loop (the next iteration). Passed to a call,
    /// they are passed as a copy (see `Lowerer::lower_call_argument`).
    writes_ahead: Vec<std::collections::BTreeSet<String>>,
    /// The first name each value was bound to.
    value_names: HashMap<ValueId, String>,
    /// Temporaries that took a binding's type or `mut` themselves (see
    /// `Lowerer::fresh_copy`): a second binding copies them.
    annotated: std::collections::HashSet<ValueId>,
    /// Out-parameters `x: &mut f64`, and the variable that holds `*x`.
    out_scalars: HashMap<ValueId, Ident>,
    /// Buffer parameters taken by reference (`&[f64]`, `&mut [f64]`).
    reference_buffers: std::collections::HashSet<ValueId>,
    /// See [`Body::lent_by_name`].
    lent_by_name: std::collections::HashSet<ValueId>,
    /// The call whose arguments are being lowered only reads its buffers
    /// (a `gradmacro::vector` rule).
    callee_reads_only: bool,
    /// Names bound to a `&mut` borrow of a float buffer, row or slice
    /// (`let r = &mut v;`): passed on by name, they are lent.
    mut_reference_names: std::collections::HashSet<String>,
    /// Float parameters (`f64`, `&f64`, `&mut f64`).
    float_params: std::collections::HashSet<ValueId>,
    /// Slots that start from a float.
    float_slots: std::collections::HashSet<SlotId>,
    /// The float type of slots declared without a value (`let y: f64;`).
    slot_types: HashMap<SlotId, Type>,
    /// Slots that start from a visible integer (`let mut start = 0;`).
    integer_slots: std::collections::HashSet<SlotId>,
    /// Variables lent `&mut` to the call being lowered, to update after it.
    after_call: Vec<borrow::AfterCall>,
    /// The function returns `()`.
    unit_return: bool,
    /// The errors found so far: lowering goes on past a rejected statement
    /// to report the next one too.
    errors: Vec<syn::Error>,
}

/// The error of a use of a [`Lowered::Poison`] variable: dropped, as the
/// statement that defined it was reported already.
fn cascade(span: Span) -> syn::Error {
    syn::Error::new(span, CASCADE)
}

const CASCADE: &str = "\u{0}gradmacro: follows from an error reported already";

/// The token an expression's statement is reported at: its operator, method
/// name, keyword or own token. O(1), where syn's `Spanned::span` prints the
/// whole expression to find its first token (quadratic on a long sum).
fn span_of(expr: &Expr) -> Span {
    match expr {
        Expr::Binary(e) => syn::spanned::Spanned::span(&e.op),
        Expr::MethodCall(e) => e.method.span(),
        Expr::Call(e) => span_of(&e.func),
        Expr::Path(e) => e
            .path
            .segments
            .last()
            .map_or_else(Span::call_site, |segment| segment.ident.span()),
        Expr::Lit(e) => e.lit.span(),
        Expr::Field(e) => member_span(&e.member),
        Expr::Index(e) => e.bracket_token.span.join(),
        Expr::Unary(e) => syn::spanned::Spanned::span(&e.op),
        Expr::Paren(e) => e.paren_token.span.join(),
        Expr::Group(e) => span_of(&e.expr),
        Expr::Cast(e) => e.as_token.span,
        Expr::Reference(e) => e.and_token.span,
        Expr::Block(e) => e.block.brace_token.span.join(),
        Expr::If(e) => e.if_token.span,
        Expr::Match(e) => e.match_token.span,
        Expr::ForLoop(e) => e.for_token.span,
        Expr::While(e) => e.while_token.span,
        Expr::Loop(e) => e.loop_token.span,
        Expr::Closure(e) => e.or1_token.span,
        Expr::Macro(e) => e
            .mac
            .path
            .segments
            .last()
            .map_or_else(Span::call_site, |segment| segment.ident.span()),
        Expr::Tuple(e) => e.paren_token.span.join(),
        Expr::Array(e) => e.bracket_token.span.join(),
        Expr::Repeat(e) => e.bracket_token.span.join(),
        Expr::Return(e) => e.return_token.span,
        Expr::Break(e) => e.break_token.span,
        Expr::Continue(e) => e.continue_token.span,
        Expr::Assign(e) => e.eq_token.span,
        other => other.span(),
    }
}

/// A field's name or index.
fn member_span(member: &syn::Member) -> Span {
    match member {
        syn::Member::Named(name) => name.span(),
        syn::Member::Unnamed(index) => index.span,
    }
}

/// The error for syntax the lowering does not handle: what it is, and where
/// the list of what is supported lives (a list here would go stale).
fn unsupported(span: Span, what: &str) -> syn::Error {
    syn::Error::new(
        span,
        format!("{what} is not supported yet (the \"Supported so far\" table of gradmacro's README lists what is)"),
    )
}

impl Lowerer {
    /// The body's statements, its result, and the out-parameters' last values.
    fn lower_body(
        &mut self,
        block: &syn::Block,
        sig: &FnSignature,
        params: &[Option<ValueId>],
        close: Span,
    ) -> syn::Result<(ValueId, Vec<Out>)> {
        let ret = if assigned::has_early_return(&block.stmts) {
            self.lower_with_early_returns(&block.stmts, close)?
        } else {
            let result = self.lower_stmts(&block.stmts)?;
            match (sig.unit_return, result) {
                (true, _) => self.push(Op::Const(quote::quote!(())), close),
                // A body that never returns (`loop {}`, `panic!()`).
                (false, Lowered::Never) => {
                    self.push(Op::Const(quote::quote!(::core::unreachable!())), close)
                }
                (false, result) => self.expect_value(result, close, "the function's result")?,
            }
        };
        let outs = self.write_back_outs(sig, params, close)?;
        Ok((ret, outs))
    }

    /// At the end of the body: `*x = ...` for every `x: &mut f64`, and the
    /// out-parameters.
    fn write_back_outs(
        &mut self,
        sig: &FnSignature,
        params: &[Option<ValueId>],
        span: Span,
    ) -> syn::Result<Vec<Out>> {
        let mut outs = Vec::new();
        for (index, param) in sig.params.iter().enumerate() {
            let (true, Some(value)) = (param.out, params[index]) else {
                continue;
            };
            match self.out_scalars.get(&value).cloned() {
                Some(current) => {
                    let last = match self.read(&current) {
                        Some(lowered) => self.expect_value(lowered, span, "the parameter")?,
                        None => continue,
                    };
                    self.push_node(Node::WriteBack {
                        target: value,
                        value: last,
                    });
                    outs.push(Out {
                        param: index,
                        last,
                        scalar: true,
                    });
                }
                None => outs.push(Out {
                    param: index,
                    last: value,
                    scalar: false,
                }),
            }
        }
        Ok(outs)
    }

    /// `x` of an out-parameter `x: &mut f64`: the current `*x`, which `*x`
    /// (or a method called on `x`) reads.
    fn out_scalar_current(&mut self, param: ValueId) -> syn::Result<Option<ValueId>> {
        let Some(current) = self.out_scalars.get(&param).cloned() else {
            return Ok(None);
        };
        let Some(lowered) = self.read(&current) else {
            return Ok(None);
        };
        let mut value = self.expect_value(lowered, current.span(), "this parameter")?;
        // The read may be the marker itself (`let e = &mut acc;` marks `e`
        // with a read of `acc`, which a read with no write since returns):
        // a value bound from it (`let old = *e;`) must not re-read `acc`
        // at each use, as the marker does.
        if self.out_scalars.contains_key(&value) {
            value = self.push(Op::Copy(value), current.span());
        }
        self.by_reference.insert(value);
        Ok(Some(value))
    }

    fn current_block(&self) -> BlockId {
        self.block_ids.last().copied().unwrap_or(ROOT)
    }

    fn nodes(&mut self) -> &mut Vec<Node> {
        if self.open.is_empty() {
            self.open.push(Vec::new());
        }
        let last = self.open.len() - 1;
        &mut self.open[last]
    }

    fn push_node(&mut self, node: Node) {
        if let Node::Write { slot, value } = node {
            self.slot_reads.remove(&slot);
            // A slot written a value of known float type has that type, so
            // a literal assigned to it later gets it too (`let mut a = if
            // .. { x } else { 0.5 }; a = 0.7; a.cos()`).
            if !self.slot_types.contains_key(&slot) {
                if let Some(ty) = self
                    .known_type(value)
                    .filter(|ty| crate::signature::FloatTy::of(ty).is_some())
                {
                    self.slot_types.insert(slot, ty);
                }
            }
        }
        self.nodes().push(node);
    }

    /// Defines a new value in the current block.
    fn push(&mut self, op: Op, span: Span) -> ValueId {
        let def = self.detached(op, span, self.current_block());
        self.push_node(Node::Def(def));
        def
    }

    /// A value defined in `home` by a node the caller places itself.
    fn detached(&mut self, op: Op, span: Span, home: BlockId) -> ValueId {
        let def = ValueId(self.values.len());
        let (ty, mutable, buffer) = (None, false, false);
        self.values.push(Stmt {
            def,
            op,
            ty,
            mutable,
            span,
            home,
            buffer,
        });
        def
    }

    /// Creates a slot declared in `home` (the caller places the declaration).
    fn new_slot(&mut self, name: &str, home: BlockId) -> SlotId {
        let slot = SlotId(self.slots.len());
        self.slots.push(Slot {
            name: name.to_owned(),
            home,
        });
        slot
    }

    /// Declares a slot here.
    fn declare_slot(&mut self, name: &str, init: SlotInit) -> SlotId {
        let slot = self.new_slot(name, self.current_block());
        if let SlotInit::Value(value) = init {
            if self.is_float_value(value) {
                self.float_slots.insert(slot);
            } else if self.is_integer_value(value) {
                self.integer_slots.insert(slot);
            }
        }
        self.push_node(Node::Declare { slot, init });
        slot
    }

    /// Opens a nested block; nodes go there until [`Lowerer::close_block`].
    fn open_block(&mut self, in_loop: bool) {
        let parent = self.current_block();
        let in_loop = in_loop || self.blocks[parent.0].in_loop;
        let id = BlockId(self.blocks.len());
        self.blocks.push(BlockInfo { in_loop });
        self.block_ids.push(id);
        self.open.push(Vec::new());
    }

    fn close_block(&mut self) -> Block {
        let id = self.block_ids.pop().unwrap_or(ROOT);
        let nodes = self.open.pop().unwrap_or_default();
        Block { id, nodes }
    }

    /// `if cond { then }` with an empty `else`, after `then` was closed.
    fn push_if_then(&mut self, cond: ValueId, then: Block) {
        self.open_block(false);
        let otherwise = self.close_block();
        self.push_node(Node::If {
            cond,
            then,
            otherwise,
        });
    }

    fn expect_value(&mut self, lowered: Lowered, span: Span, what: &str) -> syn::Result<ValueId> {
        match lowered {
            Lowered::Value(value) => Ok(value),
            Lowered::Tuple(_) => Err(syn::Error::new(
                span,
                format!("{what} is a tuple; tuples are supported only in `let` patterns and assignments"),
            )),
            Lowered::View(base, indices) => Ok(match self.is_place(base, &indices) {
                // An element place (`for v in x.iter_mut()`): read it.
                true => {
                    let element = self.push(Op::Index { base, indices }, span);
                    self.by_reference.insert(element);
                    element
                }
                false => self.materialize_view(base, indices, span),
            }),
            Lowered::Unit | Lowered::Never => Err(syn::Error::new(span, format!("{what} has no value"))),
            Lowered::Slice(slice) => Ok(self.materialize_slice(&slice, span)),
            Lowered::Poison => Err(cascade(span)),
            Lowered::Closure(_) => Err(syn::Error::new(
                span,
                format!("{what} is a closure: gradmacro inlines a closure where it is called (`f(x)`, or `.map(f)` on an iterator), and cannot pass it on as a value (a helper generic over `F: Fn` would need the closure's derivative passed with it, which gradmacro does not build yet); call the closure here, for example by writing the helper's loop in this function"),
            )),
        }
    }

    /// Whether `base[indices]` reaches a float (a place, not a row).
    fn is_place(&self, base: ValueId, indices: &[ValueId]) -> bool {
        indices.len() >= self.buffer_depths.get(&base).copied().unwrap_or(1)
    }
}

#[cfg(test)]
mod tests;
