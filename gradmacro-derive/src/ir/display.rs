//! The IR as a readable listing: what the unit tests compare and what
//! `GRADMACRO_DUMP=1` prints.

use super::*;
use quote::ToTokens;
use std::fmt;

impl fmt::Display for ValueId {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "v{}", self.0)
    }
}

impl fmt::Display for SlotId {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "s{}", self.0)
    }
}

fn list(values: &[ValueId]) -> String {
    values
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Op::Param { index } => write!(f, "param {index}"),
            Op::Deref(v) => write!(f, "*{v}"),
            Op::Const(tokens) => write!(f, "const {tokens}"),
            Op::Copy(v) => write!(f, "{v}"),
            Op::Neg(v) => write!(f, "-{v}"),
            Op::Arith(op, a, b) => write!(f, "{a} {} {b}", op.symbol()),
            Op::Cast { value, ty, .. } => write!(f, "{value} as {}", ty.to_token_stream()),
            Op::Rule { rule, args, .. } => write!(f, "rule {}({})", rule.name, list(args)),
            Op::Index { base, indices } => write!(f, "{base}[{}]", list(indices)),
            Op::Buffer(init) => match init {
                BufferInit::Repeat { elem, len } => match len {
                    RepeatLen::Vec(len) => write!(f, "buffer vec![{elem}; {len}]"),
                    RepeatLen::Array(len) => {
                        write!(f, "buffer [{elem}; {}]", len.to_token_stream())
                    }
                },
                BufferInit::List { elems, vec } => {
                    write!(
                        f,
                        "buffer {}[{}]",
                        if *vec { "vec!" } else { "" },
                        list(elems)
                    )
                }
                BufferInit::Copy {
                    source,
                    prefix,
                    method,
                    range,
                } => match (range, method) {
                    (Some((start, end)), _) => write!(
                        f,
                        "buffer {source}[{}][{start}..{end}].to_vec()",
                        list(prefix)
                    ),
                    (None, Some(method)) => {
                        write!(f, "buffer {source}[{}].{method}()", list(prefix))
                    }
                    (None, None) => write!(f, "buffer copy of {source}[{}]", list(prefix)),
                },
                BufferInit::Empty { func, args } => {
                    write!(f, "buffer {}({})", func.to_token_stream(), list(args))
                }
            },
            Op::ReadSlot(slot) => write!(f, "read {slot}"),
            Op::LoopItem => write!(f, "loop item"),
            Op::TripCount => write!(f, "trip count"),
            Op::Decision => write!(f, "decision"),
            Op::Binding {
                scrutinee, whole, ..
            } => {
                write!(
                    f,
                    "binding {}of {scrutinee}",
                    if *whole { "" } else { "part " }
                )
            }
            Op::Opaque(opaque) => match opaque {
                Opaque::Unary(op, v) => write!(f, "opaque {}{v}", op.to_token_stream()),
                Opaque::Binary(op, a, b) => write!(f, "opaque {a} {} {b}", op.to_token_stream()),
                Opaque::Ref(v) => write!(f, "opaque &{v}"),
                Opaque::Field {
                    base,
                    member,
                    borrowed,
                } => {
                    let borrow = if *borrowed { "&" } else { "" };
                    write!(f, "opaque {borrow}{base}.{}", member.to_token_stream())
                }
                Opaque::Method {
                    receiver,
                    method,
                    args,
                    ..
                } => write!(f, "opaque {receiver}.{method}({})", list(args)),
                Opaque::Tuple(elements) => write!(f, "opaque ({})", list(elements)),
                Opaque::CallGradient(call) => write!(f, "gradient of call {call}"),
                Opaque::Closure { captures, .. } => {
                    let captured: Vec<ValueId> = captures.iter().map(|(_, v)| *v).collect();
                    write!(f, "opaque closure reading ({})", list(&captured))
                }
                Opaque::Call { func, args } => {
                    write!(f, "opaque {}({})", func.to_token_stream(), list(args))
                }
                Opaque::Invoke { callee, args } => {
                    write!(f, "opaque {callee}({})", list(args))
                }
                Opaque::Index {
                    base,
                    indices,
                    borrowed,
                } => {
                    let borrow = if *borrowed { "&" } else { "" };
                    write!(f, "opaque {borrow}{base}[{}]", list(indices))
                }
                Opaque::BorrowMut {
                    base,
                    prefix,
                    range,
                    before,
                    ..
                } => {
                    let range = range
                        .map(|(start, end)| format!("[{start}..{end}]"))
                        .unwrap_or_default();
                    write!(
                        f,
                        "opaque &mut {base}[{}]{range} (as it was: {before})",
                        list(prefix)
                    )
                }
                Opaque::ConstantMut { value, before } => {
                    write!(f, "opaque &mut {value} (as it was: {before})")
                }
                Opaque::Slice {
                    base,
                    prefix,
                    start,
                    end,
                } => write!(f, "opaque &{base}[{}][{start}..{end}]", list(prefix)),
                Opaque::Range {
                    start,
                    end,
                    inclusive,
                } => {
                    let show = |v: &Option<ValueId>| v.map(|v| v.to_string()).unwrap_or_default();
                    let dots = if *inclusive { "..=" } else { ".." };
                    write!(f, "range {}{dots}{}", show(start), show(end))
                }
            },
        }
    }
}

impl Body {
    fn fmt_block(&self, block: &Block, depth: usize, f: &mut fmt::Formatter) -> fmt::Result {
        let pad = "  ".repeat(depth);
        for node in &block.nodes {
            match node {
                Node::Def(value) => {
                    let stmt = self.def(*value);
                    let annotation = match &stmt.ty {
                        Some(ty) => format!(": {}", ty.to_token_stream()),
                        None => String::new(),
                    };
                    let mutable = if stmt.mutable { "mut " } else { "" };
                    writeln!(f, "{pad}{mutable}{value}{annotation} = {}", stmt.op)?;
                }
                Node::Declare { slot, init } => {
                    let init = match init {
                        SlotInit::Value(v) => v.to_string(),
                        SlotInit::Default => "default".to_owned(),
                    };
                    writeln!(f, "{pad}slot {slot} ({}) = {init}", self.slots[slot.0].name)?;
                }
                Node::Write { slot, value } => writeln!(f, "{pad}{slot} <- {value}")?,
                Node::Store {
                    base,
                    indices,
                    value,
                } => writeln!(f, "{pad}{base}[{}] <- {value}", list(indices))?,
                Node::Push { base, value } => writeln!(f, "{pad}{base}.push({value})")?,
                Node::Resize {
                    base,
                    old_len,
                    new_len,
                    fill,
                } => match fill {
                    Some(fill) => writeln!(
                        f,
                        "{pad}{base}.resize({new_len}, {fill}) (from length {old_len})"
                    )?,
                    None => writeln!(f, "{pad}{base}.truncate({new_len}) (from length {old_len})")?,
                },
                Node::WriteBack { target, value } => writeln!(f, "{pad}*{target} <- {value}")?,
                Node::Overwrite {
                    target,
                    source,
                    old_len,
                } => writeln!(f, "{pad}{target} <- all of {source} (was {old_len} long)")?,
                Node::FieldWrite {
                    base,
                    members,
                    value,
                    ..
                } => {
                    let path: Vec<String> = members
                        .iter()
                        .map(|member| quote::ToTokens::to_token_stream(member).to_string())
                        .collect();
                    writeln!(f, "{pad}{base}.{} <- {value}", path.join("."))?
                }
                Node::Macro { mac, args } => {
                    let name = mac
                        .path
                        .segments
                        .last()
                        .map(|segment| segment.ident.to_string())
                        .unwrap_or_default();
                    let args: Vec<String> = args
                        .iter()
                        .map(|arg| match arg {
                            crate::ir::MacroArg::Tokens(tokens) => tokens.to_string(),
                            crate::ir::MacroArg::Value(value) => value.to_string(),
                            crate::ir::MacroArg::Borrowed(value) => format!("&{value}"),
                            crate::ir::MacroArg::Named(name, value) => format!("{name} = {value}"),
                        })
                        .collect();
                    writeln!(f, "{pad}{name}!({})", args.join(", "))?
                }
                Node::If {
                    cond,
                    then,
                    otherwise,
                } => {
                    writeln!(f, "{pad}if {cond} {{")?;
                    self.fmt_block(then, depth + 1, f)?;
                    writeln!(f, "{pad}}} else {{")?;
                    self.fmt_block(otherwise, depth + 1, f)?;
                    writeln!(f, "{pad}}}")?;
                }
                Node::Match {
                    scrutinee,
                    arms,
                    decision,
                } => {
                    writeln!(f, "{pad}match {scrutinee} -> {decision} {{")?;
                    for arm in arms {
                        write!(f, "{pad}  {}", arm.pat.to_token_stream())?;
                        if let Some((guard, value)) = &arm.guard {
                            writeln!(f, " if {{")?;
                            self.fmt_block(guard, depth + 2, f)?;
                            write!(f, "{pad}  }} {value}")?;
                        }
                        writeln!(f, " => {{")?;
                        self.fmt_block(&arm.body, depth + 2, f)?;
                        writeln!(f, "{pad}  }}")?;
                    }
                    writeln!(f, "{pad}}}")?;
                }
                Node::Loop(lp) => {
                    match &lp.kind {
                        LoopKind::For { item, iter } => write!(f, "{pad}for {item} in {iter}")?,
                        LoopKind::Infinite => write!(f, "{pad}loop")?,
                    }
                    let flags: Vec<String> =
                        lp.exit_flags.iter().map(ToString::to_string).collect();
                    writeln!(
                        f,
                        " (trips {}, exits on [{}]) {{",
                        lp.trip,
                        flags.join(", ")
                    )?;
                    self.fmt_block(&lp.body, depth + 1, f)?;
                    writeln!(f, "{pad}}}")?;
                }
            }
        }
        Ok(())
    }
}

impl fmt::Display for Body {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        for item in &self.items {
            writeln!(f, "item {}", item.to_token_stream())?;
        }
        self.fmt_block(&self.root, 0, f)?;
        write!(f, "return {}", self.ret)
    }
}
