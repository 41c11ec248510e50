//! What generated code calls and users do not: zero adjoints shaped like a
//! buffer, adding adjoint buffers into each other, the saved-value stacks and tapes, and
//! casts of adjoints. Not part of the public API.

/// Converts an adjoint between float types (the reverse of an `as` cast in the
/// primal), taking the target type from `_like`.
#[inline]
pub fn cast_like<S: CastTo<D>, D>(adjoint: S, _like: &D) -> D {
    adjoint.cast_to()
}

/// `adjoint · partial` for a rule's local derivative, except that a zero on
/// either side contributes nothing, even against an infinite or `NaN` other
/// side (`0 · ∞ = 0`: Enzyme's "strong zero"). A branch `max` did not take,
/// or a `sqrt` at 0 behind a factor of 0, then adds 0, not `NaN`.
#[inline(always)]
pub fn times_partial<T: ::num_traits::Float>(adjoint: T, partial: T) -> T {
    if adjoint == T::zero() || partial == T::zero() {
        T::zero()
    } else {
        adjoint * partial
    }
}

/// `adjoint / divisor` for the derivative of a quotient, zero for a zero
/// adjoint even when the divisor is 0 (the same strong zero).
#[inline(always)]
pub fn over<T: ::num_traits::Float>(adjoint: T, divisor: T) -> T {
    if adjoint == T::zero() {
        T::zero()
    } else {
        adjoint / divisor
    }
}

/// The permutation that sorts `values` by `compare` (a stable sort, as
/// `sort_by`): element `k` of the sorted buffer is `values[order[k]]`. The
/// generated code sorts a float buffer by gathering through it, so each
/// element's adjoint follows it to its new place.
pub fn sort_permutation<T, F: FnMut(&T, &T) -> ::core::cmp::Ordering>(
    values: &[T],
    mut compare: F,
) -> ::std::vec::Vec<usize> {
    let mut order: ::std::vec::Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&i, &j| compare(&values[i], &values[j]));
    order
}

/// The position of the element `iter().max_by(compare)` (`greatest`) or
/// `iter().min_by(compare)` returns: the last of equal maxima, the first of
/// equal minima, comparing as the standard library does. The generated code
/// reads that element, so its adjoint goes to it alone.
pub fn position_by<T, F: FnMut(&T, &T) -> ::core::cmp::Ordering>(
    values: &[T],
    mut compare: F,
    greatest: bool,
) -> ::core::option::Option<usize> {
    let mut best: ::core::option::Option<usize> = None;
    for (k, value) in values.iter().enumerate() {
        best = match best {
            Some(b) => {
                let order = compare(&values[b], value);
                let replace = if greatest {
                    order != ::core::cmp::Ordering::Greater
                } else {
                    order == ::core::cmp::Ordering::Greater
                };
                Some(if replace { k } else { b })
            }
            None => Some(k),
        };
    }
    best
}

/// [`position_by`] for a comparison of references (`iter().max_by(..)`
/// hands it `&&f64`s).
pub fn position_by_ref<T, F: FnMut(&&T, &&T) -> ::core::cmp::Ordering>(
    values: &[T],
    mut compare: F,
    greatest: bool,
) -> ::core::option::Option<usize> {
    position_by(values, |a, b| compare(&a, &b), greatest)
}

/// Pops the state a loop's forward sweep saved. The reverse sweep mirrors the
/// forward sweep exactly, so the stack is never empty here.
#[inline]
pub fn pop<T>(stack: &mut ::std::vec::Vec<T>) -> T {
    match stack.pop() {
        Some(value) => value,
        None => empty_stack(),
    }
}

/// Saves a buffer's contents before it is overwritten whole (a `mem::swap`
/// rotation), for [`restore_whole`] to put back in the reverse sweep.
#[inline]
pub fn save_whole<T: Clone>(
    stack: &mut ::std::vec::Vec<T>,
    lengths: &mut ::std::vec::Vec<usize>,
    buffer: &[T],
) {
    stack.extend_from_slice(buffer);
    lengths.push(buffer.len());
}

/// Puts back the contents [`save_whole`] saved last.
#[inline]
pub fn restore_whole<B: WholeBuffer<T> + ?Sized, T: Clone>(
    buffer: &mut B,
    stack: &mut ::std::vec::Vec<T>,
    lengths: &mut ::std::vec::Vec<usize>,
) {
    let len = pop(lengths);
    let start = stack.len() - len;
    buffer.set_contents(&stack[start..]);
    stack.truncate(start);
}

/// A buffer whose contents can be set whole (a `Vec` takes the length too).
pub trait WholeBuffer<T> {
    fn set_contents(&mut self, contents: &[T]);
}

impl<T: Clone> WholeBuffer<T> for ::std::vec::Vec<T> {
    #[inline]
    fn set_contents(&mut self, contents: &[T]) {
        self.clear();
        self.extend_from_slice(contents);
    }
}

impl<T: Clone, const N: usize> WholeBuffer<T> for [T; N] {
    #[inline]
    fn set_contents(&mut self, contents: &[T]) {
        self.clone_from_slice(contents);
    }
}

#[cold]
#[inline(never)]
fn empty_stack() -> ! {
    panic!("gradmacro: the reverse sweep found a saved-value stack empty; this is a bug in gradmacro, please report it")
}

/// How many iterations a loop that runs to completion makes, at least, to
/// size its stacks and tapes once: the iterator's lower bound when it has an
/// upper bound too (`3..` has neither, truly).
#[inline(always)]
pub fn loop_hint<I: Iterator>(iter: &I) -> usize {
    match iter.size_hint() {
        (lower, Some(_)) => lower,
        (_, None) => 0,
    }
}

/// The item of iteration `k` of a loop over `start..end` (or `start..=end`,
/// `start..`), whatever integer type the range has: the reverse sweep
/// recomputes a loop's items with it instead of saving them. `RangeFrom`'s
/// `nth` steps by `k` at once.
#[inline(always)]
pub fn range_item<T>(start: T, k: usize) -> T
where
    core::ops::RangeFrom<T>: Iterator<Item = T>,
{
    match (start..).nth(k) {
        Some(item) => item,
        None => unreachable!("a range's item the forward loop reached"),
    }
}

/// The zero adjoint of a value of type `T`: `0.0` for a float, and for a
/// buffer an owned buffer of the same shape (slices and `Vec`s give a `Vec`,
/// arrays give an array).
#[inline]
pub fn zeros_like<T: AdjointShape + ?Sized>(value: &T) -> T::Adjoint {
    value.zeros()
}

/// A call site's scratch buffer shaped like `like` (reused across calls, so
/// a call site allocates once): what a caller lends a callee's
/// `_pullback_lent` for a constant buffer argument, a second argument
/// reading the same buffer, or a preaccumulated call's gradient. It is
/// zeroed only when it is made or its length changes: whoever reads it
/// takes its contents ([`accumulate_take`], [`accumulate_scaled_take`]),
/// leaving zeros, and a constant argument's adjoint is never read. (Zeroing
/// it per call with `memset` and adding into it right away stalled on
/// store forwarding: twice the cost of the call.)
#[inline]
pub fn zeroed<'a, T: AdjointShape>(
    scratch: &'a mut ::std::vec::Vec<T::Adjoint>,
    like: &[T],
) -> &'a mut [T::Adjoint] {
    match T::uniform_zeros() {
        Some(zero) => {
            if scratch.len() != like.len() {
                scratch.resize(like.len(), zero);
            }
        }
        // Rows of their own lengths: made anew.
        None => {
            scratch.clear();
            scratch.extend(like.iter().map(AdjointShape::zeros));
        }
    }
    &mut scratch[..]
}

/// Adds `source` into `target` and leaves `source` zero (see [`zeroed`]).
#[inline]
pub fn accumulate_take<A: Accumulate<[T]> + ?Sized, T: ZeroValue>(
    target: &mut A,
    source: &mut [T],
) {
    target.accumulate(source);
    for entry in source.iter_mut() {
        entry.zero_in_place();
    }
}

/// Adds `factor · source` into `target` and leaves `source` zero (see
/// [`zeroed`]).
#[inline]
pub fn accumulate_scaled_take<A: AccumulateScaled<[T], F> + ?Sized, T: ZeroValue, F: Copy>(
    target: &mut A,
    factor: F,
    source: &mut [T],
) {
    target.accumulate_scaled(factor, source);
    for entry in source.iter_mut() {
        entry.zero_in_place();
    }
}

/// The shape of a differentiable value's adjoint.
pub trait AdjointShape {
    type Adjoint: Clone;
    fn zeros(&self) -> Self::Adjoint;
    /// The zero adjoint of every value of this type, when it does not
    /// depend on the value (scalars and arrays of them): a buffer of them
    /// is then zeroed in one allocation without reading the buffer.
    fn uniform_zeros() -> Option<Self::Adjoint>
    where
        Self: Sized,
    {
        None
    }
}

impl AdjointShape for f64 {
    type Adjoint = f64;
    #[inline]
    fn zeros(&self) -> f64 {
        0.0
    }
    #[inline]
    fn uniform_zeros() -> Option<f64> {
        Some(0.0)
    }
}

impl AdjointShape for f32 {
    type Adjoint = f32;
    #[inline]
    fn zeros(&self) -> f32 {
        0.0
    }
    #[inline]
    fn uniform_zeros() -> Option<f32> {
        Some(0.0)
    }
}

impl<T: AdjointShape, const N: usize> AdjointShape for [T; N] {
    type Adjoint = [T::Adjoint; N];
    #[inline]
    fn zeros(&self) -> Self::Adjoint {
        ::core::array::from_fn(|index| self[index].zeros())
    }
    #[inline]
    fn uniform_zeros() -> Option<Self::Adjoint> {
        T::uniform_zeros().map(|zero| ::core::array::from_fn(|_| zero.clone()))
    }
}

impl<T: AdjointShape> AdjointShape for [T] {
    type Adjoint = ::std::vec::Vec<T::Adjoint>;
    #[inline]
    fn zeros(&self) -> Self::Adjoint {
        match T::uniform_zeros() {
            Some(zero) => ::std::vec![zero; self.len()],
            None => self.iter().map(AdjointShape::zeros).collect(),
        }
    }
}

impl<T: AdjointShape> AdjointShape for ::std::vec::Vec<T> {
    type Adjoint = ::std::vec::Vec<T::Adjoint>;
    #[inline]
    fn zeros(&self) -> Self::Adjoint {
        self.as_slice().zeros()
    }
}

impl<T: AdjointShape + ?Sized> AdjointShape for &T {
    type Adjoint = T::Adjoint;
    #[inline]
    fn zeros(&self) -> Self::Adjoint {
        (**self).zeros()
    }
}

impl<T: AdjointShape + ?Sized> AdjointShape for &mut T {
    type Adjoint = T::Adjoint;
    #[inline]
    fn zeros(&self) -> Self::Adjoint {
        (**self).zeros()
    }
}

/// Adds `source` into `target` element by element: the adjoint of a copy,
/// or a callee's adjoint of a buffer argument. The two may be different
/// containers of the same shape (an array and a `Vec`, say).
/// `zeros_like` in a function generic over `T: Float`: the shapes are
/// spelled with `T`, so the bound `T: Float` is all they need.
#[inline]
pub fn float_zeros_like<T: ::num_traits::Float, B: FloatZeros<T> + ?Sized>(
    buffer: &B,
) -> B::Adjoint {
    buffer.float_zeros()
}

/// The zero adjoint of a buffer of a generic float `T`.
pub trait FloatZeros<T> {
    type Adjoint;
    fn float_zeros(&self) -> Self::Adjoint;
}

impl<T: ::num_traits::Float, const N: usize> FloatZeros<T> for [T; N] {
    type Adjoint = [T; N];
    #[inline]
    fn float_zeros(&self) -> [T; N] {
        [T::zero(); N]
    }
}

impl<T: ::num_traits::Float, const N: usize, const M: usize> FloatZeros<T> for [[T; M]; N] {
    type Adjoint = [[T; M]; N];
    #[inline]
    fn float_zeros(&self) -> [[T; M]; N] {
        [[T::zero(); M]; N]
    }
}

impl<T: ::num_traits::Float> FloatZeros<T> for [T] {
    type Adjoint = ::std::vec::Vec<T>;
    #[inline]
    fn float_zeros(&self) -> ::std::vec::Vec<T> {
        ::std::vec![T::zero(); self.len()]
    }
}

impl<T: ::num_traits::Float, const M: usize> FloatZeros<T> for [[T; M]] {
    type Adjoint = ::std::vec::Vec<[T; M]>;
    #[inline]
    fn float_zeros(&self) -> ::std::vec::Vec<[T; M]> {
        ::std::vec![[T::zero(); M]; self.len()]
    }
}

impl<T: ::num_traits::Float> FloatZeros<T> for ::std::vec::Vec<T> {
    type Adjoint = ::std::vec::Vec<T>;
    #[inline]
    fn float_zeros(&self) -> ::std::vec::Vec<T> {
        self.as_slice().float_zeros()
    }
}

impl<T: ::num_traits::Float> FloatZeros<T> for [::std::vec::Vec<T>] {
    type Adjoint = ::std::vec::Vec<::std::vec::Vec<T>>;
    #[inline]
    fn float_zeros(&self) -> ::std::vec::Vec<::std::vec::Vec<T>> {
        self.iter().map(|row| row.float_zeros()).collect()
    }
}

impl<T: ::num_traits::Float> FloatZeros<T> for ::std::vec::Vec<::std::vec::Vec<T>> {
    type Adjoint = ::std::vec::Vec<::std::vec::Vec<T>>;
    #[inline]
    fn float_zeros(&self) -> ::std::vec::Vec<::std::vec::Vec<T>> {
        self.as_slice().float_zeros()
    }
}

impl<T: ::num_traits::Float, const M: usize> FloatZeros<T> for ::std::vec::Vec<[T; M]> {
    type Adjoint = ::std::vec::Vec<[T; M]>;
    #[inline]
    fn float_zeros(&self) -> ::std::vec::Vec<[T; M]> {
        self.as_slice().float_zeros()
    }
}

impl<T, B: FloatZeros<T> + ?Sized> FloatZeros<T> for &B {
    type Adjoint = B::Adjoint;
    #[inline]
    fn float_zeros(&self) -> Self::Adjoint {
        (**self).float_zeros()
    }
}

impl<T, B: FloatZeros<T> + ?Sized> FloatZeros<T> for &mut B {
    type Adjoint = B::Adjoint;
    #[inline]
    fn float_zeros(&self) -> Self::Adjoint {
        (**self).float_zeros()
    }
}

/// `accumulate` in a function generic over `T: Float`.
#[inline]
pub fn float_accumulate<T: ::num_traits::Float, A: FloatAccumulate<T, B> + ?Sized, B: ?Sized>(
    target: &mut A,
    source: &B,
) {
    target.float_accumulate(source);
}

/// Adds a buffer of a generic float `T` into another, element by element.
pub trait FloatAccumulate<T, Source: ?Sized> {
    fn float_accumulate(&mut self, source: &Source);
}

impl<T: ::num_traits::Float> FloatAccumulate<T, [T]> for [T] {
    #[inline]
    fn float_accumulate(&mut self, source: &[T]) {
        for (target, &source) in self.iter_mut().zip(source) {
            *target = *target + source;
        }
    }
}

impl<T: ::num_traits::Float> FloatAccumulate<T, [::std::vec::Vec<T>]> for [::std::vec::Vec<T>] {
    #[inline]
    fn float_accumulate(&mut self, source: &[::std::vec::Vec<T>]) {
        for (target, source) in self.iter_mut().zip(source) {
            target[..].float_accumulate(&source[..]);
        }
    }
}

impl<T: ::num_traits::Float, const M: usize> FloatAccumulate<T, [[T; M]]> for [[T; M]] {
    #[inline]
    fn float_accumulate(&mut self, source: &[[T; M]]) {
        for (target, source) in self.iter_mut().zip(source) {
            target[..].float_accumulate(&source[..]);
        }
    }
}

#[inline]
pub fn accumulate<A: Accumulate<B> + ?Sized, B: ?Sized>(target: &mut A, source: &B) {
    target.accumulate(source);
}

/// Element-wise `+=` between floats and (nested) buffers of them.
pub trait Accumulate<Source: ?Sized = Self> {
    fn accumulate(&mut self, source: &Source);
}

impl Accumulate for f64 {
    #[inline]
    fn accumulate(&mut self, source: &f64) {
        *self += *source;
    }
}

impl Accumulate for f32 {
    #[inline]
    fn accumulate(&mut self, source: &f32) {
        *self += *source;
    }
}

/// `Accumulate` and `AccumulateScaled` for every pair of containers a
/// buffer and its adjoint may be (slices, `Vec`s, arrays, of each other).
macro_rules! accumulate_containers {
    ($(($($generics:tt)*) $target:ty, $source:ty;)*) => {$(
        impl<T: Accumulate<S>, S, $($generics)*> Accumulate<$source> for $target {
            #[inline]
            fn accumulate(&mut self, source: &$source) {
                for (target, source) in self.iter_mut().zip(source.iter()) {
                    target.accumulate(source);
                }
            }
        }

        impl<T: AccumulateScaled<S, F>, S, F: Copy, $($generics)*> AccumulateScaled<$source, F> for $target {
            #[inline]
            fn accumulate_scaled(&mut self, factor: F, source: &$source) {
                for (target, source) in self.iter_mut().zip(source.iter()) {
                    target.accumulate_scaled(factor, source);
                }
            }
        }
    )*};
}

accumulate_containers! {
    () [T], [S];
    () [T], ::std::vec::Vec<S>;
    (const N: usize) [T], [S; N];
    () ::std::vec::Vec<T>, [S];
    () ::std::vec::Vec<T>, ::std::vec::Vec<S>;
    (const N: usize) ::std::vec::Vec<T>, [S; N];
    (const N: usize) [T; N], [S];
    (const N: usize) [T; N], ::std::vec::Vec<S>;
    (const N: usize, const M: usize) [T; N], [S; M];
}

/// The number of items of `start..end` (of any integer type): the trip
/// count of a reversed range's loop (see `gradmacro-derive`'s
/// `lower/control.rs`).
#[inline(always)]
pub fn range_len<T: PartialOrd + ::core::ops::Sub<Output = T> + Copy + Default>(
    start: T,
    end: T,
) -> T {
    if end > start {
        end - start
    } else {
        T::default()
    }
}

/// The number of items of `start..=end` (of any integer type).
#[inline(always)]
pub fn range_len_inclusive<T>(start: T, end: T) -> T
where
    T: PartialOrd
        + ::core::ops::Sub<Output = T>
        + ::core::ops::Add<Output = T>
        + Copy
        + Default
        + From<bool>,
{
    if end >= start {
        end - start + T::from(true)
    } else {
        T::default()
    }
}

/// The unit seed a preaccumulated call's pullback runs with (see
/// `gradmacro-derive`'s `preaccumulate.rs`), of whatever float type it takes.
#[inline(always)]
pub fn one<T: ::num_traits::One>() -> T {
    T::one()
}

/// `target += factor · source`, element by element: a preaccumulated call's
/// gradient (for a unit seed) scaled by the seed that reaches the call.
#[inline]
pub fn accumulate_scaled<A: AccumulateScaled<B, F> + ?Sized, B: ?Sized, F: Copy>(
    target: &mut A,
    factor: F,
    source: &B,
) {
    target.accumulate_scaled(factor, source);
}

/// Element-wise `+= factor ·` between floats and (nested) buffers of them.
pub trait AccumulateScaled<Source: ?Sized, F> {
    fn accumulate_scaled(&mut self, factor: F, source: &Source);
}

impl AccumulateScaled<f64, f64> for f64 {
    /// A zero factor adds nothing, even to a `NaN` or infinite entry (a
    /// call whose result no adjoint reaches, its gradient `NaN` there).
    #[inline]
    fn accumulate_scaled(&mut self, factor: f64, source: &f64) {
        if factor != 0.0 {
            *self += factor * *source;
        }
    }
}

impl AccumulateScaled<f32, f32> for f32 {
    /// A zero factor adds nothing, even to a `NaN` or infinite entry (a
    /// call whose result no adjoint reaches, its gradient `NaN` there).
    #[inline]
    fn accumulate_scaled(&mut self, factor: f32, source: &f32) {
        if factor != 0.0 {
            *self += factor * *source;
        }
    }
}

/// Sets an adjoint buffer to zero at length `len` (a `Vec` grows or shrinks
/// to it: the buffer it stands for had that length before being overwritten
/// whole by a buffer of another length: a layer of another width).
#[inline]
pub fn reset<A: Reset + ?Sized>(adjoint: &mut A, len: usize) {
    adjoint.reset(len);
}

/// An adjoint buffer that can be set to zero at a length.
pub trait Reset {
    fn reset(&mut self, len: usize);
}

impl<T: ZeroValue> Reset for ::std::vec::Vec<T> {
    #[inline]
    fn reset(&mut self, len: usize) {
        // Rows keep their own lengths (a `Vec<Vec<f64>>`'s rows).
        self.truncate(len);
        for element in self.iter_mut() {
            element.zero_in_place();
        }
        self.resize_with(len, T::zero_value);
    }
}

impl<T: ZeroValue, const N: usize> Reset for [T; N] {
    #[inline]
    fn reset(&mut self, _len: usize) {
        for element in self.iter_mut() {
            element.zero_in_place();
        }
    }
}

/// The zero of an adjoint element (a float, or a row of them), made anew or
/// written over an existing one (which keeps its length).
pub trait ZeroValue {
    fn zero_value() -> Self;
    fn zero_in_place(&mut self);
}

impl ZeroValue for f64 {
    #[inline]
    fn zero_value() -> f64 {
        0.0
    }
    #[inline]
    fn zero_in_place(&mut self) {
        *self = 0.0;
    }
}

impl ZeroValue for f32 {
    #[inline]
    fn zero_value() -> f32 {
        0.0
    }
    #[inline]
    fn zero_in_place(&mut self) {
        *self = 0.0;
    }
}

impl<T: ZeroValue, const N: usize> ZeroValue for [T; N] {
    #[inline]
    fn zero_value() -> [T; N] {
        ::core::array::from_fn(|_| T::zero_value())
    }
    #[inline]
    fn zero_in_place(&mut self) {
        for element in self.iter_mut() {
            element.zero_in_place();
        }
    }
}

impl<T: ZeroValue> ZeroValue for ::std::vec::Vec<T> {
    #[inline]
    fn zero_value() -> ::std::vec::Vec<T> {
        ::std::vec::Vec::new()
    }
    #[inline]
    fn zero_in_place(&mut self) {
        for element in self.iter_mut() {
            element.zero_in_place();
        }
    }
}

/// `reset` in a function generic over `T: Float`.
#[inline]
pub fn float_reset<T: ::num_traits::Float, A: FloatReset<T> + ?Sized>(adjoint: &mut A, len: usize) {
    adjoint.float_reset(len);
}

/// A buffer of a generic float `T` that can be set to zero at a length.
pub trait FloatReset<T> {
    fn float_reset(&mut self, len: usize);
}

impl<T: ::num_traits::Float> FloatReset<T> for ::std::vec::Vec<T> {
    #[inline]
    fn float_reset(&mut self, len: usize) {
        self.clear();
        self.resize(len, T::zero());
    }
}

impl<T: ::num_traits::Float, const M: usize> FloatReset<T> for ::std::vec::Vec<[T; M]> {
    #[inline]
    fn float_reset(&mut self, len: usize) {
        self.clear();
        self.resize(len, [T::zero(); M]);
    }
}

impl<T: ::num_traits::Float, const N: usize> FloatReset<T> for [T; N] {
    #[inline]
    fn float_reset(&mut self, _len: usize) {
        *self = [T::zero(); N];
    }
}

impl<T: ::num_traits::Float, const N: usize, const M: usize> FloatReset<T> for [[T; M]; N] {
    #[inline]
    fn float_reset(&mut self, _len: usize) {
        *self = [[T::zero(); M]; N];
    }
}

/// `as` between the float types, as a trait so generated code can name it.
pub trait CastTo<D> {
    fn cast_to(self) -> D;
}

macro_rules! cast_to {
    ($($from:ty => $to:ty),*) => {$(
        impl CastTo<$to> for $from {
            #[inline]
            fn cast_to(self) -> $to {
                self as $to
            }
        }
    )*};
}
cast_to!(f64 => f64, f64 => f32, f32 => f64, f32 => f32);

/// Makes room in a tape for a loop's segment, up to `len` entries (from the
/// iterator's lower bound), so that each iteration writes its own index. A
/// tape keeps its longest length: after the first execution of the loop,
/// opening a segment costs a comparison, and the loop's preheader no call.
#[inline(always)]
pub fn tape_open<T: Clone>(tape: &mut ::std::vec::Vec<T>, len: usize, fill: &T) {
    if tape.len() < len {
        grow(tape, len, fill);
    }
}

/// Writes iteration `at`'s value into a tape, growing it past the
/// iterator's lower bound.
#[inline(always)]
pub fn record<T: Clone>(tape: &mut ::std::vec::Vec<T>, at: usize, value: &T) {
    match tape.get_mut(at) {
        Some(slot) => *slot = value.clone(),
        None => {
            grow(tape, at + 1, value);
        }
    }
}

#[cold]
#[inline(never)]
fn grow<T: Clone>(tape: &mut ::std::vec::Vec<T>, len: usize, fill: &T) {
    tape.resize(len, fill.clone());
}

/// Scales an adjoint buffer by a deferred fused loop's exit adjoint (see
/// `gradmacro-derive`'s `fuse::Deferred`): entries the loop left at zero stay
/// zero (as they would had each contribution been scaled as it was made, with
/// none made), whatever the factor.
#[inline]
pub fn scale_adjoint<A: ScaleAdjoint<F> + ?Sized, F>(adjoint: &mut A, factor: F) {
    adjoint.scale_adjoint(factor);
}

/// An adjoint (a float, or a nested buffer of them) that can be scaled.
pub trait ScaleAdjoint<F> {
    fn scale_adjoint(&mut self, factor: F);
}

macro_rules! scale_floats {
    ($($float:ty),*) => {$(
        impl ScaleAdjoint<$float> for $float {
            #[inline]
            fn scale_adjoint(&mut self, factor: $float) {
                if *self != 0.0 {
                    *self *= factor;
                }
            }
        }
    )*};
}

scale_floats!(f64, f32);

impl<F: Copy, T: ScaleAdjoint<F>> ScaleAdjoint<F> for [T] {
    #[inline]
    fn scale_adjoint(&mut self, factor: F) {
        for entry in self.iter_mut() {
            entry.scale_adjoint(factor);
        }
    }
}

impl<F: Copy, T: ScaleAdjoint<F>, const N: usize> ScaleAdjoint<F> for [T; N] {
    #[inline]
    fn scale_adjoint(&mut self, factor: F) {
        self[..].scale_adjoint(factor);
    }
}

impl<F: Copy, T: ScaleAdjoint<F>> ScaleAdjoint<F> for ::std::vec::Vec<T> {
    #[inline]
    fn scale_adjoint(&mut self, factor: F) {
        self[..].scale_adjoint(factor);
    }
}

/// One step of a max reduction reversed by its argmax (see
/// `gradmacro-derive`'s `argmax/mod.rs`): `x.max(y)` and
/// whether `y` is it (its partial in `rules::max` is 1: `x` wins ties and
/// against a NaN `y`).
#[inline(always)]
pub fn max_step<T: ::num_traits::Float>(x: T, y: T) -> (T, bool) {
    let x_wins = x >= y || y.is_nan();
    (if x_wins { x } else { y }, !x_wins)
}

/// [`max_step`] for `min`.
#[inline(always)]
pub fn min_step<T: ::num_traits::Float>(x: T, y: T) -> (T, bool) {
    let x_wins = x <= y || y.is_nan();
    (if x_wins { x } else { y }, !x_wins)
}

pub use crate::checkpoints::{save_slot, Action, CheckpointedBuffer, Checkpoints, Revolve};
