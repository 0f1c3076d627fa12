//! One resource's change as lines of Terraform's text shape, each with its [`Mark`] — data for
//! the views, which decide how a mark looks: the text view colours it on a terminal, the
//! markdown view moves it to column 0 for GitHub's ```` ```diff ```` colouring. Nothing here
//! emits an escape code or knows where the lines go.
//!
//! A line is `indent` spaces, its mark's symbol (`+ `, `- `, `~ `, `-/+ `, or nothing), and its
//! text; the continuation lines of a multi-line value (a heredoc, a list) are [`Mark::None`]
//! lines, so no view can mistake a heredoc line that starts with `- ` for a removal.

use crate::plan::{Action, Attrs, OutputChange, ResourceChange};
use flowform_core::catalogue::{self, Field, Kind};
use flowform_core::schema::{self, AttrType};
use flowform_core::{ResourceKind, Value};
use std::fmt::Write as _;

/// What a line of a diff says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// `# ADDR will be created`: the resource's header comment.
    Header,
    /// Context: an unchanged value, a note, a closing brace, a continuation line.
    None,
    /// `+`: added.
    Add,
    /// `-`: removed.
    Remove,
    /// `~`: changed in place.
    Change,
    /// `-/+`: destroyed and created again.
    Replace,
}

impl Mark {
    /// The symbol the text plan writes before the line's text (with its trailing space).
    pub fn symbol(self) -> &'static str {
        match self {
            Mark::Header | Mark::None => "",
            Mark::Add => "+ ",
            Mark::Remove => "- ",
            Mark::Change => "~ ",
            Mark::Replace => "-/+ ",
        }
    }
}

/// One line of a resource's diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffLine {
    /// Spaces before the mark.
    pub indent: usize,
    pub mark: Mark,
    /// What follows the mark.
    pub text: String,
}

impl DiffLine {
    /// The line as the text plan shows it, without colour.
    pub fn plain(&self) -> String {
        format!(
            "{}{}{}",
            " ".repeat(self.indent),
            self.mark.symbol(),
            self.text
        )
    }
}

/// Lines being built; a text with newlines becomes one marked line and context lines.
#[derive(Default)]
struct Lines(Vec<DiffLine>);

impl Lines {
    /// [`Lines::push`] of a string made for the line: moved in, not copied, when it is one line.
    fn push_owned(&mut self, indent: usize, mark: Mark, text: String) {
        if text.contains('\n') {
            self.push(indent, mark, &text);
        } else {
            self.0.push(DiffLine { indent, mark, text });
        }
    }

    fn push(&mut self, indent: usize, mark: Mark, text: &str) {
        let mut rest = text.split('\n');
        let first = rest.next().unwrap_or_default();
        self.0.push(DiffLine {
            indent,
            mark,
            text: first.to_string(),
        });
        for line in rest {
            self.0.push(DiffLine {
                indent: 0,
                mark: Mark::None,
                text: line.to_string(),
            });
        }
    }
}

/// How a value is shaped, so it renders as HCL would write it.
#[derive(Clone, Copy)]
enum Shape {
    Plain,
    Policy,
    Block(&'static [Field]),
}

/// The header comment and the block for one change; nothing for a no-op that neither moves
/// nor imports anything.
pub fn resource_lines(change: &ResourceChange) -> Vec<DiffLine> {
    let Some(header) = header(change) else {
        return Vec::new();
    };
    if change.action == Action::NoOp {
        // Only a move or an import to record: Terraform's header and the object's id.
        let a = &change.address;
        let mut out = Lines::default();
        out.push(2, Mark::Header, &header);
        out.push_owned(
            4,
            Mark::None,
            format!("resource \"{}\" \"{}\" {{", a.kind, a.label),
        );
        if let Some(id) = &change.prior_id {
            out.push_owned(
                8,
                Mark::None,
                format!("id = {}", serde_json::Value::String(id.clone())),
            );
        }
        out.push(4, Mark::None, "}");
        return out.0;
    }
    let verb = header
        .strip_prefix(&format!("# {} ", change.address))
        .unwrap_or(&header)
        .to_string();
    block_lines(change, &verb)
}

/// The header of a change: `# X will be created`, `# OLD has moved to NEW`, `# X will be
/// imported`, `# X will be replaced, as requested`, with `(moved from OLD)` and `(imported
/// from "ID")` lines when a change does more than move or import. `None` for a no-op.
pub fn header(change: &ResourceChange) -> Option<String> {
    let a = &change.address;
    let verb = match change.action {
        Action::Create => "will be created",
        Action::Update => "will be updated in-place",
        Action::Replace if change.replace_requested => "will be replaced, as requested",
        Action::Replace => "must be replaced",
        Action::Delete => "will be destroyed",
        Action::NoOp => {
            return match (&change.previous_address, &change.importing) {
                (_, Some(_)) => Some(format!("# {a} will be imported")),
                (Some(from), None) => Some(format!("# {from} has moved to {a}")),
                (None, None) => None,
            };
        }
    };
    let mut out = format!("# {a} {verb}");
    if let Some(from) = &change.previous_address {
        out.push_str(&format!("\n  # (moved from {from})"));
    }
    if let Some(import) = &change.importing {
        out.push_str(&format!(
            "\n  # (imported from {})",
            serde_json::Value::String(import.id.clone())
        ));
    }
    Some(out)
}

/// `Plan: 1 to import, 2 to add, 0 to change, 1 to destroy.` (imports only when there are).
pub fn summary_line(plan: &crate::plan::Plan) -> String {
    let s = plan.summary();
    let imports = plan.imports();
    let import = if imports > 0 {
        format!("{imports} to import, ")
    } else {
        String::new()
    };
    format!(
        "Plan: {import}{} to add, {} to change, {} to destroy.",
        s.add, s.change, s.destroy
    )
}

/// A change with its header saying `verb` (`has changed` for drift).
pub fn block_lines(change: &ResourceChange, verb: &str) -> Vec<DiffLine> {
    let a = &change.address;
    let (indent, mark) = match change.action {
        Action::Create => (2, Mark::Add),
        Action::Update => (2, Mark::Change),
        Action::Replace => (0, Mark::Replace),
        Action::Delete => (2, Mark::Remove),
        Action::NoOp => return Vec::new(),
    };
    let mut out = Lines::default();
    out.push_owned(2, Mark::Header, format!("# {a} {verb}"));
    if a.kind == ResourceKind::KmsKey && matches!(change.action, Action::Delete | Action::Replace) {
        let days = change
            .before
            .as_ref()
            .and_then(|b| b.get("deletion_window_in_days"))
            .map_or("30".to_string(), display_scalar);
        out.push_owned(2, Mark::None, format!(
                "# (!) the key will be SCHEDULED FOR DELETION in {days} days (ScheduleKeyDeletion): anything still encrypted with it becomes unreadable once it is deleted"
            ),
        );
    }
    out.push_owned(
        indent,
        mark,
        format!("resource \"{}\" \"{}\" {{", a.kind, a.label),
    );
    let ctx = Ctx {
        change,
        connector: connector_of(change),
    };
    let empty = Attrs::new();
    ctx.body(
        &mut out,
        6,
        change.before.as_ref().unwrap_or(&empty),
        change.after.as_ref().unwrap_or(&empty),
        "",
        change.before.is_some(),
        change.after.is_some(),
        None,
    );
    out.push(4, Mark::None, "}");
    out.0
}

/// One output's line of "Changes to Outputs"; nothing when the output does not change.
pub fn output_lines(o: &OutputChange) -> Vec<DiffLine> {
    let show = |v: &Value| {
        if o.sensitive {
            "(sensitive value)".to_string()
        } else {
            display(v, 2)
        }
    };
    let before = || {
        o.before
            .as_ref()
            .map_or("(sensitive value)".to_string(), show)
    };
    let (mark, text) = match o.action {
        Action::NoOp => return Vec::new(),
        Action::Create => (Mark::Add, format!("{} = {}", o.name, show(&o.value))),
        Action::Delete => (Mark::Remove, format!("{} = {} -> null", o.name, before())),
        _ => (
            Mark::Change,
            format!("{} = {} -> {}", o.name, before(), show(&o.value)),
        ),
    };
    let mut out = Lines::default();
    out.push(2, mark, &text);
    out.0
}

fn connector_of(change: &ResourceChange) -> Option<&'static catalogue::Connector> {
    let t = change
        .after
        .as_ref()
        .and_then(|a| a.get("connector_type"))
        .or_else(|| change.before.as_ref().and_then(|b| b.get("connector_type")))?;
    catalogue::connector(t.as_str()?)
}

struct Ctx<'a> {
    change: &'a ResourceChange,
    connector: Option<&'static catalogue::Connector>,
}

/// The start of an attribute's line: where it is, its mark, and `name = `.
struct Lhs {
    indent: usize,
    mark: Mark,
    text: String,
}

impl Lhs {
    fn line(&self, out: &mut Lines, rest: std::fmt::Arguments<'_>) {
        let mut text = String::with_capacity(self.text.len() + 48);
        text.push_str(&self.text);
        let _ = std::fmt::Write::write_fmt(&mut text, rest);
        out.push_owned(self.indent, self.mark, text);
    }
}

/// What happened to one value.
#[derive(PartialEq, Clone, Copy)]
enum Op {
    Add,
    Remove,
    Change,
    Same,
}

impl Ctx<'_> {
    fn shape(&self, name: &str, fields: Option<&'static [Field]>) -> Shape {
        if let Some(fields) = fields {
            return match Field::find(fields, name).map(|f| &f.kind) {
                Some(Kind::Block(nested)) => Shape::Block(nested),
                _ => Shape::Plain,
            };
        }
        match schema::attribute(self.change.address.kind, name).map(|a| &a.ty) {
            Some(AttrType::PolicyJson { .. }) => Shape::Policy,
            Some(AttrType::ConnectorBlock) => match (self.connector, name) {
                (Some(c), "properties") => Shape::Block(c.properties),
                (Some(c), "credentials") => Shape::Block(c.credentials),
                _ => Shape::Block(&[]),
            },
            _ => Shape::Plain,
        }
    }

    fn changed(&self, path: &str) -> bool {
        self.change.changes(path)
    }

    fn op(
        &self,
        path: &str,
        before: Option<&Value>,
        after: Option<&Value>,
        has_before: bool,
        has_after: bool,
    ) -> Op {
        let present = |v: Option<&Value>| v.is_some_and(|v| !matches!(v, Value::Null));
        let before = before.filter(|_| has_before && present(before));
        let after = after.filter(|_| has_after && present(after));
        match (before, after) {
            (None, None) => Op::Same,
            (None, Some(_)) => Op::Add,
            (Some(_), None) => Op::Remove,
            (Some(b), Some(a)) => {
                let differs = if self.change.action == Action::Create
                    || self.change.action == Action::Delete
                {
                    true
                } else if a.contains_sensitive()
                    || b.contains_sensitive()
                    || matches!(self.shape(path, None), Shape::Policy) && !path.contains('.')
                {
                    self.changed(path)
                } else {
                    a != b || matches!(a, Value::Unknown)
                };
                if differs { Op::Change } else { Op::Same }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn body(
        &self,
        out: &mut Lines,
        indent: usize,
        before: &Attrs,
        after: &Attrs,
        prefix: &str,
        has_before: bool,
        has_after: bool,
        fields: Option<&'static [Field]>,
    ) {
        let mut names: Vec<&String> = before.keys().chain(after.keys()).collect();
        names.sort();
        names.dedup();
        let (mut attrs, mut blocks) = (Vec::new(), Vec::new());
        for name in names {
            match self.shape(name, fields) {
                Shape::Block(nested) => blocks.push((name, nested)),
                shape => attrs.push((name, shape)),
            }
        }
        let mut hidden_attrs = 0;
        let rows: Vec<(Op, &String, Shape)> = attrs
            .iter()
            .filter_map(|(name, shape)| {
                let path = format!("{prefix}{name}");
                let op = self.op(
                    &path,
                    before.get(*name),
                    after.get(*name),
                    has_before,
                    has_after,
                );
                let identifying = **name == "name" && prefix.is_empty() && has_before && has_after;
                if op == Op::Same && !identifying {
                    if before.get(*name).is_some_and(|v| !matches!(v, Value::Null)) {
                        hidden_attrs += 1;
                    }
                    None
                } else {
                    Some((op, *name, *shape))
                }
            })
            .collect();
        let width = rows.iter().map(|(_, n, _)| n.len()).max().unwrap_or(0);
        for (op, name, shape) in rows {
            let b = before.get(name).filter(|_| has_before);
            let a = after.get(name).filter(|_| has_after);
            let forces = self.change.action == Action::Replace
                && prefix.is_empty()
                && self.change.replace_paths.iter().any(|p| p == name);
            let note = if forces { " # forces replacement" } else { "" };
            let lhs = Lhs {
                indent: if op == Op::Same { indent + 2 } else { indent },
                mark: match op {
                    Op::Add => Mark::Add,
                    Op::Remove => Mark::Remove,
                    Op::Change => Mark::Change,
                    Op::Same => Mark::None,
                },
                text: format!("{name:<width$} = "),
            };
            match (op, shape) {
                (_, Shape::Policy)
                    if a.is_none_or(|v| matches!(v, Value::String(_)))
                        && b.is_none_or(|v| matches!(v, Value::String(_))) =>
                {
                    self.policy(out, &lhs, indent, b, a, op, note);
                }
                (Op::Add, _) => lhs.line(
                    out,
                    format_args!("{}{note}", display(a.unwrap_or(&Value::Null), indent + 2)),
                ),
                (Op::Remove, _) => lhs.line(
                    out,
                    format_args!(
                        "{} -> null{note}",
                        display(b.unwrap_or(&Value::Null), indent + 2)
                    ),
                ),
                (Op::Same, _) => lhs.line(
                    out,
                    format_args!("{}", display(a.unwrap_or(&Value::Null), indent + 2)),
                ),
                (Op::Change, _) => {
                    let (bv, av) = (b.unwrap_or(&Value::Null), a.unwrap_or(&Value::Null));
                    if bv.contains_sensitive() || av.contains_sensitive() {
                        lhs.line(out, format_args!("(sensitive value){note}"));
                    } else {
                        lhs.line(
                            out,
                            format_args!(
                                "{} -> {}{note}",
                                display(bv, indent + 2),
                                display(av, indent + 2)
                            ),
                        );
                    }
                }
            }
        }
        let mut hidden_blocks = 0;
        for (name, nested) in blocks {
            let path = format!("{prefix}{name}");
            let b = before.get(name.as_str()).filter(|_| has_before);
            let a = after.get(name.as_str()).filter(|_| has_after);
            let as_attrs = |v: Option<&Value>| -> Option<Attrs> {
                match v?.peel() {
                    Value::Object(m) if !m.is_empty() => Some(m.clone()),
                    _ => None,
                }
            };
            // A block generated by a dynamic block whose collection is not known yet.
            if a.is_some_and(|v| matches!(v.peel(), Value::Unknown)) {
                let mark = if as_attrs(b).is_some() && self.change.action != Action::Create {
                    Mark::Change
                } else {
                    Mark::Add
                };
                out.push_owned(indent, mark, format!("{name} = (known after apply)"));
                continue;
            }
            let (bm, am) = (as_attrs(b), as_attrs(a));
            let op = match (&bm, &am) {
                (None, None) => continue,
                (None, Some(_)) => Op::Add,
                (Some(_), None) => Op::Remove,
                (Some(_), Some(_)) => {
                    if self.change.action == Action::Create
                        || self.change.action == Action::Delete
                        || self.changed(&path)
                    {
                        Op::Change
                    } else {
                        Op::Same
                    }
                }
            };
            if op == Op::Same {
                hidden_blocks += 1;
                continue;
            }
            let mark = match op {
                Op::Add => Mark::Add,
                Op::Remove => Mark::Remove,
                _ if self.change.action == Action::Create => Mark::Add,
                _ if self.change.action == Action::Delete => Mark::Remove,
                _ => Mark::Change,
            };
            out.push_owned(indent, mark, format!("{name} {{"));
            self.body(
                out,
                indent + 4,
                &bm.clone().unwrap_or_default(),
                &am.clone().unwrap_or_default(),
                &format!("{path}."),
                bm.is_some(),
                am.is_some(),
                Some(nested),
            );
            out.push(indent + 2, Mark::None, "}");
        }
        if has_before && has_after && (hidden_attrs > 0 || hidden_blocks > 0) {
            let plural = |n: usize, what: &str| {
                format!("{n} unchanged {what}{}", if n == 1 { "" } else { "s" })
            };
            let mut parts = Vec::new();
            if hidden_attrs > 0 {
                parts.push(plural(hidden_attrs, "attribute"));
            }
            if hidden_blocks > 0 {
                parts.push(plural(hidden_blocks, "block"));
            }
            out.push_owned(
                indent + 2,
                Mark::None,
                format!("# ({} hidden)", parts.join(", ")),
            );
        }
    }

    /// A policy: `jsonencode(` and the document as a line diff of the pretty-printed JSON.
    #[allow(clippy::too_many_arguments)]
    fn policy(
        &self,
        out: &mut Lines,
        lhs: &Lhs,
        indent: usize,
        before: Option<&Value>,
        after: Option<&Value>,
        op: Op,
        note: &str,
    ) {
        let text =
            |v: Option<&Value>| -> Option<String> { v.and_then(|v| v.as_str()).map(pretty_policy) };
        let unknown = matches!(after, Some(Value::Unknown));
        if unknown {
            match before.and_then(|b| b.as_str()) {
                Some(_) => {
                    lhs.line(
                        out,
                        format_args!("jsonencode(...) -> (known after apply){note}"),
                    );
                }
                None => lhs.line(out, format_args!("(known after apply){note}")),
            }
            return;
        }
        let (old, new) = (
            text(before).unwrap_or_default(),
            text(after).unwrap_or_default(),
        );
        lhs.line(out, format_args!("jsonencode({note}"));
        let diff = similar::TextDiff::from_lines(&old, &new);
        for change in diff.iter_all_changes() {
            let line = change.value().trim_end_matches('\n');
            let (at, mark) = match change.tag() {
                similar::ChangeTag::Delete => (indent + 4, Mark::Remove),
                similar::ChangeTag::Insert => (indent + 4, Mark::Add),
                similar::ChangeTag::Equal => (indent + 6, Mark::None),
            };
            out.push(at, mark, line);
        }
        out.push(
            indent + 2,
            Mark::None,
            if op == Op::Remove { ") -> null" } else { ")" },
        );
    }
}

/// A policy document laid out for reading and diffing: keys sorted, statements in a stable
/// order, two-space indentation. Not valid JSON is shown as it is.
pub fn pretty_policy(text: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(doc) => {
            let mut doc = sort_keys(doc);
            if let Some(serde_json::Value::Array(statements)) = doc.get_mut("Statement") {
                statements.sort_by_cached_key(|s| s.to_string());
            }
            let mut s = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| text.to_string());
            s.push('\n');
            s
        }
        Err(_) => format!("{text}\n"),
    }
}

fn sort_keys(v: serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(map) => {
            let mut entries: Vec<(String, serde_json::Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            serde_json::Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, sort_keys(v)))
                    .collect(),
            )
        }
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.into_iter().map(sort_keys).collect())
        }
        other => other,
    }
}

fn display_scalar(v: &Value) -> String {
    display(v, 0)
}

/// A value as HCL writes it; secrets and unknowns by their placeholders.
pub fn display(v: &Value, indent: usize) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => {
            if s.contains('\n') {
                let pad = " ".repeat(indent + 2);
                let mut out = String::from("<<-EOT\n");
                for line in s.lines() {
                    let _ = writeln!(out, "{pad}{line}");
                }
                let _ = write!(out, "{}EOT", " ".repeat(indent));
                out
            } else {
                serde_json::Value::String(s.clone()).to_string()
            }
        }
        Value::Unknown => "(known after apply)".into(),
        Value::Sensitive(_) => "(sensitive value)".into(),
        Value::List(items) if items.is_empty() => "[]".into(),
        Value::List(items) => {
            let pad = " ".repeat(indent + 2);
            let mut out = String::from("[\n");
            for item in items {
                let _ = writeln!(out, "{pad}{},", display(item, indent + 2));
            }
            let _ = write!(out, "{}]", " ".repeat(indent));
            out
        }
        Value::Object(map) if map.is_empty() => "{}".into(),
        Value::Object(map) => {
            let pad = " ".repeat(indent + 2);
            let width = map.keys().map(|k| k.len() + 2).max().unwrap_or(0);
            let mut out = String::from("{\n");
            for (k, v) in map {
                let key = serde_json::Value::String(k.clone()).to_string();
                let _ = writeln!(out, "{pad}{key:<width$} = {}", display(v, indent + 2));
            }
            let _ = write!(out, "{}}}", " ".repeat(indent));
            out
        }
    }
}
