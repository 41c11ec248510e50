//! The small Rust subset the generator writes, as a tree.
//!
//! Programs are kept as trees rather than text so that the shrinker can delete
//! statements and replace subexpressions structurally; [`crate::render`] turns
//! them into source. The tree is deliberately loose (patterns and types are
//! strings, there is no type checker): the generator is responsible for writing
//! well-typed code, and every candidate is compiled without the macro first, so
//! an ill-typed tree is caught as "invalid" rather than blamed on gradmacro.

/// A float type: a program computes in one of them (a few `f64` programs also
/// take `f32` parameters).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fl {
    F64,
    F32,
}

impl Fl {
    /// The Rust name of the type.
    pub fn name(self) -> &'static str {
        match self {
            Fl::F64 => "f64",
            Fl::F32 => "f32",
        }
    }
}

/// The type of a parameter; constants carry the value the runner passes.
#[derive(Clone, Debug, PartialEq)]
pub enum ParamTy {
    /// `x: f64`
    Scalar(Fl),
    /// `x: &f64`
    RefScalar(Fl),
    /// `x: &[f64]` of the given runtime length.
    Slice(Fl, usize),
    /// `x: &Vec<f64>` of the given runtime length.
    VecRef(Fl, usize),
    /// `x: [f64; N]`
    Array(Fl, usize),
    /// `x: [[f64; C]; R]` with `R` rows and `C` columns.
    Matrix(Fl, usize, usize),
    /// `x: &[[f64; C]]` with `R` rows (runtime) and `C` columns.
    Rows(Fl, usize, usize),
    /// `x: &[Vec<f64>]` with `R` rows of `C` columns (both runtime).
    VecRows(Fl, usize, usize),
    /// `x: &Vec<Vec<f64>>` with `R` rows of `C` columns (both runtime).
    VecVecRef(Fl, usize, usize),
    /// `x: &mut f64`, an out-parameter of a helper.
    MutScalar(Fl),
    /// `x: &mut [f64]` of any length, an out-parameter of a helper.
    MutSlice(Fl),
    /// `n: usize` with the value passed.
    Usize(u64),
    /// `k: i32` with the value passed.
    I32(i64),
    /// `b: bool` with the value passed.
    Bool(bool),
    /// `labels: &[usize]` with the values passed (a constant collection).
    Labels(Vec<u64>),
    /// `mode: Mode` (the module's enum, variants `A`, `B`, `C`) with the
    /// variant passed.
    Mode(u8),
}

impl ParamTy {
    /// The float type, for differentiable parameters.
    pub fn float(&self) -> Option<Fl> {
        match *self {
            ParamTy::Scalar(f)
            | ParamTy::RefScalar(f)
            | ParamTy::Slice(f, _)
            | ParamTy::VecRef(f, _)
            | ParamTy::Array(f, _)
            | ParamTy::Matrix(f, _, _)
            | ParamTy::Rows(f, _, _)
            | ParamTy::VecRows(f, _, _)
            | ParamTy::VecVecRef(f, _, _)
            | ParamTy::MutScalar(f)
            | ParamTy::MutSlice(f) => Some(f),
            _ => None,
        }
    }

    /// How many float coordinates the parameter contributes to an input point.
    pub fn coords(&self) -> usize {
        match *self {
            ParamTy::Scalar(_) | ParamTy::RefScalar(_) => 1,
            ParamTy::Slice(_, n) | ParamTy::VecRef(_, n) | ParamTy::Array(_, n) => n,
            ParamTy::Matrix(_, r, c)
            | ParamTy::Rows(_, r, c)
            | ParamTy::VecRows(_, r, c)
            | ParamTy::VecVecRef(_, r, c) => r * c,
            _ => 0,
        }
    }
}

/// A parameter of a generated function.
#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    pub name: String,
    pub ty: ParamTy,
    /// Declared `mut` (only scalars and arrays, which are passed by value).
    pub mutable: bool,
}

/// A generated function: the helpers and the function under test share it.
#[derive(Clone, Debug, PartialEq)]
pub struct Function {
    pub name: String,
    pub params: Vec<Param>,
    pub ret: Fl,
    /// `None`: `#[differentiate]`; `Some(names)`: `wrt = [..]` in this order
    /// (`bare` renders a single name without brackets).
    pub wrt: Option<Vec<String>>,
    pub wrt_bare: bool,
    /// Returns `()` (a helper that writes its results into `&mut`
    /// parameters); `ret` is then only the float type it computes in.
    pub unit: bool,
    pub body: Block,
}

/// A program: helper functions, the function under test (always named `f`)
/// and the input points at which its gradient is checked.
#[derive(Clone, Debug, PartialEq)]
pub struct Program {
    /// The seed the program was generated from (`--only SEED` regenerates it).
    pub seed: u64,
    pub helpers: Vec<Function>,
    pub main: Function,
    /// Every float coordinate of `main`'s parameters, in parameter order.
    pub points: Vec<Vec<f64>>,
    /// The constructs the generator chose (for the per-construct statistics).
    pub tags: Vec<&'static str>,
    /// Items of `gradmacro::vector` the program calls (`dot`, `softmax`, ...).
    pub vector_rules: Vec<&'static str>,
}

/// `{ stmts; tail }`
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Block {
    pub stmts: Vec<Stmt>,
    pub tail: Option<Box<Expr>>,
}

/// A statement.
#[derive(Clone, Debug, PartialEq)]
pub enum Stmt {
    /// `let pat[: ty][ = init];`
    Let {
        pat: Pat,
        ty: Option<String>,
        init: Option<Expr>,
    },
    /// `place = value;` or `place op= value;`
    Assign {
        place: Expr,
        op: Option<BinOp>,
        value: Expr,
    },
    /// An expression statement (`;` added unless it is block-like).
    Expr(Expr),
    /// An item such as `const C0: f64 = 0.5;`, written verbatim.
    Item(String),
}

/// A binding pattern.
#[derive(Clone, Debug, PartialEq)]
pub enum Pat {
    Ident {
        name: String,
        mutable: bool,
    },
    /// `&v`
    Ref(Box<Pat>),
    Tuple(Vec<Pat>),
    Array(Vec<Pat>),
}

impl Pat {
    /// A plain immutable binding.
    pub fn ident(name: &str) -> Pat {
        Pat::Ident {
            name: name.to_string(),
            mutable: false,
        }
    }
}

/// Whether pattern `p` binds `name`.
fn pat_mentions(p: &Pat, name: &str) -> bool {
    match p {
        Pat::Ident { name: n, .. } => n == name,
        Pat::Ref(inner) => pat_mentions(inner, name),
        Pat::Tuple(items) | Pat::Array(items) => items.iter().any(|q| pat_mentions(q, name)),
    }
}

/// Binary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    And,
    Or,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Rem => "%",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::And => "&&",
            BinOp::Or => "||",
        }
    }

    /// Rust's binding power (higher binds tighter).
    pub fn prec(self) -> u8 {
        match self {
            BinOp::Mul | BinOp::Div | BinOp::Rem => 11,
            BinOp::Add | BinOp::Sub => 10,
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::Eq | BinOp::Ne => 7,
            BinOp::And => 6,
            BinOp::Or => 5,
        }
    }

    pub fn is_comparison(self) -> bool {
        self.prec() == 7
    }
}

/// Unary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnOp {
    Neg,
    Not,
    Deref,
}

/// A `match` arm; the pattern is written verbatim.
#[derive(Clone, Debug, PartialEq)]
pub struct Arm {
    pub pat: String,
    pub guard: Option<Expr>,
    pub body: Expr,
}

/// An expression. `float` marks expressions of the enclosing function's float
/// type (a value, not a reference): those the shrinker may replace by a
/// literal or a parameter.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: Kind,
    pub float: bool,
}

/// The shapes of expressions.
#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    /// A float literal; `suffix` writes `1.5_f64`/`1.5f32` style.
    Float {
        value: f64,
        suffix: Option<&'static str>,
    },
    /// An integer literal, written as is (`3`, `2usize`, `1_i32`).
    Int(String),
    /// A variable, constant or path (`x`, `C0`, `std::f64::consts::PI`).
    Path(String),
    Unary(UnOp, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `recv.method::<turbofish>(args)`
    Method {
        recv: Box<Expr>,
        name: String,
        turbofish: Option<String>,
        args: Vec<Expr>,
    },
    /// `path(args)`: `f64::exp(x)`, `h0(a, &b)`, `Some(x)`
    Call {
        path: String,
        args: Vec<Expr>,
    },
    /// `e as ty`
    Cast(Box<Expr>, String),
    /// `base[index]`
    Index(Box<Expr>, Box<Expr>),
    /// `base.0`
    Field(Box<Expr>, usize),
    Tuple(Vec<Expr>),
    /// `[a, b]`
    Array(Vec<Expr>),
    /// `[e; n]` (or `vec![e; n]` with `vec`)
    Repeat {
        elem: Box<Expr>,
        count: Box<Expr>,
        vec: bool,
    },
    /// `vec![a, b]`
    VecLit(Vec<Expr>),
    /// `&e`
    Ref(Box<Expr>),
    /// `&mut e`
    RefMut(Box<Expr>),
    /// `lo..hi` or `lo..=hi`
    Range {
        lo: Box<Expr>,
        hi: Box<Expr>,
        inclusive: bool,
    },
    /// `if cond { then } else ..`; `els` is a block or another `If`.
    If {
        cond: Box<Expr>,
        then: Block,
        els: Option<Box<Expr>>,
    },
    Match {
        scrut: Box<Expr>,
        arms: Vec<Arm>,
    },
    /// A plain block.
    Block(Block),
    /// `'label: { .. }`, a labelled block whose `break 'label v` gives its value.
    LabeledBlock {
        label: String,
        body: Block,
    },
    Loop {
        label: Option<String>,
        body: Block,
    },
    While {
        label: Option<String>,
        cond: Box<Expr>,
        body: Block,
    },
    For {
        label: Option<String>,
        pat: Pat,
        iter: Box<Expr>,
        body: Block,
    },
    /// `|params| body`; `params` written verbatim (`v`, `&v`, `(i, v)`,
    /// `acc, v`, `t: f64`); `move |params| body` with `is_move`.
    Closure {
        params: String,
        body: Box<Expr>,
        is_move: bool,
    },
    /// `base[lo..hi]` with either end optional: a range slice (a place, as
    /// `base[i]` is; `&base[1..]` is a `Ref` of it).
    Slice {
        base: Box<Expr>,
        lo: Option<Box<Expr>>,
        hi: Option<Box<Expr>>,
    },
    /// `let pat = value`, only as the condition of `if let` and `while let`.
    Let {
        pat: String,
        value: Box<Expr>,
    },
    /// `name!(args, pat)`: `assert!(c)`, `assert_eq!(a, b)`,
    /// `matches!(e, 0 | 1)` (the pattern written verbatim, last).
    Macro {
        name: String,
        args: Vec<Expr>,
        pat: Option<String>,
    },
    Break {
        label: Option<String>,
        value: Option<Box<Expr>>,
    },
    Continue {
        label: Option<String>,
    },
    Return(Option<Box<Expr>>),
}

impl Expr {
    /// Whether `name` occurs in `e` as an identifier (in a path, a verbatim
    /// pattern or item, a closure's parameters, at any depth): the generator
    /// checks it where Rust's borrow rules forbid reading what is lent.
    pub fn mentions(&self, name: &str) -> bool {
        let text_has = |t: &str| {
            t.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .any(|w| w == name)
        };
        let block_has = |b: &Block| {
            b.stmts.iter().any(|s| match s {
                Stmt::Let { pat, init, .. } => {
                    pat_mentions(pat, name) || init.as_ref().is_some_and(|e| e.mentions(name))
                }
                Stmt::Assign { place, value, .. } => place.mentions(name) || value.mentions(name),
                Stmt::Expr(e) => e.mentions(name),
                Stmt::Item(t) => text_has(t),
            }) || b.tail.as_ref().is_some_and(|t| t.mentions(name))
        };
        let opt = |e: &Option<Box<Expr>>| e.as_ref().is_some_and(|e| e.mentions(name));
        match &self.kind {
            Kind::Float { .. } | Kind::Int(_) | Kind::Continue { .. } => false,
            Kind::Path(p) => text_has(p),
            Kind::Unary(_, a)
            | Kind::Cast(a, _)
            | Kind::Field(a, _)
            | Kind::Ref(a)
            | Kind::RefMut(a) => a.mentions(name),
            Kind::Binary(_, a, b) | Kind::Index(a, b) => a.mentions(name) || b.mentions(name),
            Kind::Method { recv, args, .. } => {
                recv.mentions(name) || args.iter().any(|a| a.mentions(name))
            }
            Kind::Call { path, args } => text_has(path) || args.iter().any(|a| a.mentions(name)),
            Kind::Tuple(items) | Kind::Array(items) | Kind::VecLit(items) => {
                items.iter().any(|a| a.mentions(name))
            }
            Kind::Repeat { elem, count, .. } => elem.mentions(name) || count.mentions(name),
            Kind::Range { lo, hi, .. } => lo.mentions(name) || hi.mentions(name),
            Kind::Slice { base, lo, hi } => base.mentions(name) || opt(lo) || opt(hi),
            Kind::If { cond, then, els } => cond.mentions(name) || block_has(then) || opt(els),
            Kind::Match { scrut, arms } => {
                scrut.mentions(name)
                    || arms.iter().any(|a| {
                        text_has(&a.pat)
                            || a.guard.as_ref().is_some_and(|g| g.mentions(name))
                            || a.body.mentions(name)
                    })
            }
            Kind::Block(b) | Kind::LabeledBlock { body: b, .. } | Kind::Loop { body: b, .. } => {
                block_has(b)
            }
            Kind::While { cond, body, .. } => cond.mentions(name) || block_has(body),
            Kind::For {
                pat, iter, body, ..
            } => pat_mentions(pat, name) || iter.mentions(name) || block_has(body),
            Kind::Closure { params, body, .. } => text_has(params) || body.mentions(name),
            Kind::Break { value, .. } | Kind::Return(value) => opt(value),
            Kind::Let { pat, value } => text_has(pat) || value.mentions(name),
            Kind::Macro { args, pat, .. } => {
                args.iter().any(|a| a.mentions(name)) || pat.as_deref().is_some_and(text_has)
            }
        }
    }

    /// A non-float expression.
    pub fn new(kind: Kind) -> Expr {
        Expr { kind, float: false }
    }

    /// An expression of the function's float type.
    pub fn fl(kind: Kind) -> Expr {
        Expr { kind, float: true }
    }

    /// A path or variable.
    pub fn path(p: &str) -> Expr {
        Expr::new(Kind::Path(p.to_string()))
    }

    /// A float-typed path or variable.
    pub fn fpath(p: &str) -> Expr {
        Expr::fl(Kind::Path(p.to_string()))
    }

    /// A float literal.
    pub fn lit(value: f64) -> Expr {
        Expr::fl(Kind::Float {
            value,
            suffix: None,
        })
    }

    /// An integer literal.
    pub fn int(text: impl Into<String>) -> Expr {
        Expr::new(Kind::Int(text.into()))
    }

    /// A binary operation; float if both operands are.
    pub fn bin(op: BinOp, a: Expr, b: Expr) -> Expr {
        let float = !op.is_comparison() && op != BinOp::And && op != BinOp::Or && a.float;
        Expr {
            kind: Kind::Binary(op, Box::new(a), Box::new(b)),
            float,
        }
    }

    /// A float-valued method call.
    pub fn fmethod(recv: Expr, name: &str, args: Vec<Expr>) -> Expr {
        Expr::fl(Kind::Method {
            recv: Box::new(recv),
            name: name.to_string(),
            turbofish: None,
            args,
        })
    }

    /// A method call of another type (`len`, `is_finite`, `push`).
    pub fn method(recv: Expr, name: &str, args: Vec<Expr>) -> Expr {
        Expr::new(Kind::Method {
            recv: Box::new(recv),
            name: name.to_string(),
            turbofish: None,
            args,
        })
    }

    /// Whether rendering needs no `;` after it as a statement.
    pub fn is_block_like(&self) -> bool {
        matches!(
            self.kind,
            Kind::If { .. }
                | Kind::Match { .. }
                | Kind::Block(_)
                | Kind::LabeledBlock { .. }
                | Kind::Loop { .. }
                | Kind::While { .. }
                | Kind::For { .. }
        )
    }
}

impl Function {
    /// Indices of the parameters the gradient is taken with respect to, in
    /// the order of the gradient tuple.
    pub fn wrt_params(&self) -> Vec<usize> {
        match &self.wrt {
            None => (0..self.params.len())
                .filter(|&i| self.params[i].ty.float().is_some())
                .collect(),
            Some(names) => names
                .iter()
                .map(|n| self.params.iter().position(|p| &p.name == n).unwrap())
                .collect(),
        }
    }

    /// The first coordinate of each parameter in an input point.
    pub fn coord_offsets(&self) -> Vec<usize> {
        let mut at = 0;
        self.params
            .iter()
            .map(|p| {
                let here = at;
                at += p.ty.coords();
                here
            })
            .collect()
    }
}
