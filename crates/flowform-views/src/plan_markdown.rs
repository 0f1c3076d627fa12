//! The markdown plan, posted as a pull-request comment.
//!
//! A reviewer should see at a glance what the plan does (the summary line, a warning when
//! anything is destroyed or replaced, a table of changes) and be able to open any resource's
//! diff. The diff is the text view's block (the planner's
//! [`resource_lines`](flowform_planner::diff::resource_lines)) with its marks moved to
//! column 0, because GitHub colours a ```` ```diff ```` block by a line's first character:
//!
//! | text plan | markdown | GitHub shows |
//! |---|---|---|
//! | `+` | `+` | green (added) |
//! | `-` | `-` | red (removed) |
//! | `~` | `!` | orange (changed) |
//! | `-/+` | `-/+` (kept as it is) | red: a replacement destroys the object first |
//!
//! Every other line starts with a space, as the text view indents it (context, uncoloured).
//! Only a line the planner marked gets a marker, so a heredoc line of a description that
//! starts with `- ` stays context; and the fence is longer than any run of backticks in the
//! diff, so a value cannot close it.
//!
//! A GitHub comment holds at most [`MAX_PART_CHARS`] characters, so the view is a list of
//! parts. The content is cut into units that are never split: the header (title, summary,
//! warning), each table row, and each resource's `<details>`. Units are packed into parts in
//! order; a table that continues into the next part repeats its heading row. Parts after the
//! first start with `(part K of N)` and every part but the last ends with
//! `(continued in part K+1 of N)`. A single resource whose diff alone does not fit in a part is
//! given a part of its own and its diff is cut, with a note saying how many lines were left
//! out.

use crate::plan_text::NO_CHANGES;
use flowform_core::{ResourceKind, Severity, Value};
use flowform_planner::diff::{self, DiffLine, Mark};
use flowform_planner::{Action, Plan, ResourceChange};
use std::fmt::Write as _;

/// GitHub's limit on a comment's length, in characters.
pub const MAX_PART_CHARS: usize = 65_536;

/// Room kept in every part for `(part K of N)` and `(continued in part K+1 of N)`.
const PART_FRAME_CHARS: usize = 96;

/// The warning names at most this many resources; the table lists them all.
const BANNER_MAX_NAMES: usize = 50;

/// A warning names at most this many of the blocks it was found in.
const WARNING_MAX_CONTEXTS: usize = 10;

/// The table's Details cell lists at most this many changed paths.
const DETAILS_MAX_PATHS: usize = 6;

const TABLE_HEAD: &str = "| Action | Resource | Details |\n| --- | --- | --- |\n";

/// The plan as one or more markdown comments, each at most [`MAX_PART_CHARS`] characters.
pub fn render(plan: &Plan) -> Vec<String> {
    render_with_limit(plan, MAX_PART_CHARS)
}

/// [`render`] with another limit per part (in characters); for hosts with other limits, and
/// for tests.
pub fn render_with_limit(plan: &Plan, limit: usize) -> Vec<String> {
    pack(units(plan), limit)
}

/// One piece of the comment that is never split across parts.
#[derive(Debug)]
enum Unit {
    /// Ordinary markdown, followed by a blank line.
    Block(String),
    /// A row of the changes table.
    Row(String),
    /// A collapsible diff: `<details><summary>…</summary>`, the lines of the diff, `</details>`.
    Diff { summary: String, lines: Vec<String> },
}

fn units(plan: &Plan) -> Vec<Unit> {
    let mut units = Vec::new();
    let mut head = String::from(if plan.destroy {
        "### flowform plan (destroy)\n\n"
    } else {
        "### flowform plan\n\n"
    });
    if plan.has_changes() {
        let _ = writeln!(head, "{}", diff::summary_line(plan));
    } else {
        let _ = writeln!(head, "{NO_CHANGES}");
    }
    if let Some(banner) = banner(plan) {
        head.push('\n');
        head.push_str(&banner);
    }
    units.push(Unit::Block(head));

    if !plan.drift.is_empty() {
        units.push(Unit::Block(
            "#### Objects changed outside flowform\n\nflowform detected these changes made outside flowform since the last apply. Unless the configuration has been changed to match, the plan undoes them.\n".into(),
        ));
        for d in &plan.drift {
            let (change, verb) = d.as_change();
            units.push(Unit::Diff {
                summary: format!("{} {verb}", d.address),
                lines: diff_lines(&diff::block_lines(&change, verb)),
            });
        }
    }

    let changes: Vec<&ResourceChange> = plan
        .changes
        .iter()
        .filter(|c| diff::header(c).is_some())
        .collect();
    if !changes.is_empty() {
        units.push(Unit::Block("#### Changes\n".into()));
        for c in &changes {
            units.push(Unit::Row(format!(
                "| `{}` | `{}` | {} |\n",
                match (c.action, &c.previous_address, &c.importing) {
                    (Action::NoOp, _, Some(_)) => "import",
                    (Action::NoOp, Some(_), None) => "move",
                    (action, _, _) => action_word(action),
                },
                c.address,
                escape_cell(&details(c))
            )));
        }
        units.push(Unit::Block("#### Resources\n".into()));
        for c in &changes {
            units.push(Unit::Diff {
                summary: diff::header(c)
                    .and_then(|h| {
                        h.lines()
                            .next()
                            .map(|l| l.trim_start_matches("# ").to_string())
                    })
                    .unwrap_or_else(|| format!("{} {}", c.address, verb(c.action))),
                lines: diff_lines(&diff::resource_lines(c)),
            });
        }
    }

    let output_lines: Vec<DiffLine> = plan.outputs.iter().flat_map(diff::output_lines).collect();
    if plan.has_changes() && !output_lines.is_empty() {
        units.push(Unit::Diff {
            summary: "Changes to outputs".into(),
            lines: diff_lines(&output_lines),
        });
    }
    units.extend(warnings(plan));
    units
}

/// The plan's warnings, one item per distinct warning, naming the blocks it was found in
/// (the same warning on 300 secrets is one item, not 300).
fn warnings(plan: &Plan) -> Vec<Unit> {
    let mut groups: Vec<(&str, &str, Vec<&str>)> = Vec::new();
    for d in plan
        .warnings
        .iter()
        .filter(|d| d.severity == Severity::Warning)
    {
        let context = d.context.as_deref();
        match groups
            .iter_mut()
            .find(|(s, t, _)| *s == d.summary && *t == d.detail)
        {
            Some((_, _, contexts)) => contexts.extend(context),
            None => groups.push((&d.summary, &d.detail, context.into_iter().collect())),
        }
    }
    if groups.is_empty() {
        return Vec::new();
    }
    let mut units = vec![Unit::Block("#### Warnings\n".into())];
    for (summary, detail, contexts) in groups {
        let mut item = format!("- **{}**", escape_text(summary));
        if !contexts.is_empty() {
            let shown: Vec<String> = contexts
                .iter()
                .take(WARNING_MAX_CONTEXTS)
                .map(|c| format!("`{c}`"))
                .collect();
            let _ = write!(item, " ({}", shown.join(", "));
            if contexts.len() > shown.len() {
                let _ = write!(item, " and {} more", contexts.len() - shown.len());
            }
            item.push(')');
        }
        let _ = writeln!(item, ": {}", escape_text(detail));
        units.push(Unit::Block(item));
    }
    units
}

/// Text from a diagnostic, kept from being read as HTML (a stray `<details>` would unbalance
/// the comment) or breaking its list item.
fn escape_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\n', " ")
}

/// The alert shown when the plan destroys or replaces anything.
fn banner(plan: &Plan) -> Option<String> {
    let risky: Vec<&ResourceChange> = plan
        .changes
        .iter()
        .filter(|c| matches!(c.action, Action::Delete | Action::Replace))
        .collect();
    if risky.is_empty() {
        return None;
    }
    let destroyed = risky.iter().filter(|c| c.action == Action::Delete).count();
    let replaced = risky.len() - destroyed;
    let mut what = Vec::new();
    if destroyed > 0 {
        what.push(format!("destroys {}", count(destroyed, "resource")));
    }
    if replaced > 0 {
        what.push(format!("replaces {}", count(replaced, "resource")));
    }
    let mut out = String::from("> [!WARNING]\n");
    let _ = writeln!(out, "> This plan {}:", what.join(" and "));
    for c in risky.iter().take(BANNER_MAX_NAMES) {
        let mut line = format!("> - `{}` {}", c.address, verb(c.action));
        if c.action == Action::Replace && !c.replace_paths.is_empty() {
            let _ = write!(
                line,
                " (forces replacement: {})",
                c.replace_paths.join(", ")
            );
        }
        if c.address.kind == ResourceKind::KmsKey {
            let _ = write!(
                line,
                ": the key's deletion will be scheduled (ScheduleKeyDeletion, {}-day waiting period); anything still encrypted with it becomes unreadable once it is deleted",
                deletion_window(c)
            );
        }
        line.push('\n');
        out.push_str(&line);
    }
    if risky.len() > BANNER_MAX_NAMES {
        let _ = writeln!(
            out,
            "> - … and {} more (see the table)",
            risky.len() - BANNER_MAX_NAMES
        );
    }
    Some(out)
}

fn count(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

fn deletion_window(c: &ResourceChange) -> String {
    c.before
        .as_ref()
        .and_then(|b| b.get("deletion_window_in_days"))
        .and_then(|d| match d {
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
        .unwrap_or_else(|| "30".into())
}

fn action_word(action: Action) -> &'static str {
    match action {
        Action::Create => "+ create",
        Action::Update => "~ update",
        Action::Replace => "-/+ replace",
        Action::Delete => "- destroy",
        Action::NoOp => "no-op",
    }
}

fn verb(action: Action) -> &'static str {
    match action {
        Action::Create => "will be created",
        Action::Update => "will be updated in-place",
        Action::Replace => "must be replaced",
        Action::Delete => "will be destroyed",
        Action::NoOp => "is unchanged",
    }
}

/// The table's Details cell: why a replacement, what an update changes, what a key's
/// deletion means.
fn details(c: &ResourceChange) -> String {
    let mut parts = Vec::new();
    if let Some(from) = &c.previous_address {
        parts.push(format!("moved from {from}"));
    }
    if let Some(import) = &c.importing {
        parts.push(format!("imported from \"{}\"", import.id));
    }
    match c.action {
        Action::Replace if c.replace_requested => parts.push("replaced as requested".into()),
        Action::Replace => parts.push(format!(
            "forces replacement: {}",
            c.replace_paths.join(", ")
        )),
        Action::Update => {
            let mut paths: Vec<&str> = c.changed.iter().map(String::as_str).collect();
            paths.dedup();
            let shown: Vec<&str> = paths.iter().take(DETAILS_MAX_PATHS).copied().collect();
            let mut text = format!("changed: {}", shown.join(", "));
            if paths.len() > shown.len() {
                let _ = write!(text, " and {} more", paths.len() - shown.len());
            }
            if !paths.is_empty() {
                parts.push(text);
            }
        }
        _ => {}
    }
    if c.address.kind == ResourceKind::KmsKey
        && matches!(c.action, Action::Delete | Action::Replace)
    {
        parts.push(format!(
            "key deletion scheduled ({}-day waiting period)",
            deletion_window(c)
        ));
    }
    parts.join("; ")
}

fn escape_cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The text view's block as lines of a GitHub diff: each mark moved to column 0 (`~` as
/// `!`), every other line starting with a space.
fn diff_lines(lines: &[DiffLine]) -> Vec<String> {
    lines
        .iter()
        .map(|line| {
            let pad = " ".repeat(line.indent);
            let shown = match line.mark {
                Mark::Header | Mark::None => return context(&format!("{pad}{}", line.text)),
                Mark::Add => "+",
                Mark::Remove => "-",
                Mark::Change => "!",
                Mark::Replace => "-/+",
            };
            format!("{shown}{pad} {}", line.text)
        })
        .collect()
}

/// A line without a marker, as context: the text view indents every line, so it already
/// starts with a space and keeps its alignment with the moved markers.
fn context(line: &str) -> String {
    if line.is_empty() || line.starts_with(' ') {
        line.to_string()
    } else {
        format!(" {line}")
    }
}

/// A fence longer than any run of backticks in the content, so no value can close it.
fn fence(lines: &[String]) -> String {
    let longest = lines
        .iter()
        .flat_map(|l| l.split(|c| c != '`'))
        .map(str::len)
        .max()
        .unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// A diff unit as markdown, keeping at most `keep` of its lines.
fn diff_text(summary: &str, lines: &[String], keep: usize) -> String {
    let fence = fence(lines);
    let mut out = format!("<details><summary>{summary}</summary>\n\n{fence}diff\n");
    for line in lines.iter().take(keep) {
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(&fence);
    out.push('\n');
    if keep < lines.len() {
        let _ = writeln!(
            out,
            "\n(diff truncated: {} more lines; run flowform show PLANFILE for all)",
            lines.len() - keep
        );
    }
    out.push_str("\n</details>\n");
    out
}

/// A unit's markdown, cut to at most `budget` characters if it has to be.
fn unit_text(unit: &Unit, budget: usize) -> String {
    match unit {
        Unit::Block(text) | Unit::Row(text) => {
            if chars(text) <= budget {
                return text.clone();
            }
            // Nothing but a pathological header gets here; cut it at a line.
            let note = "\n(truncated; run flowform show PLANFILE for all)\n";
            let mut out = String::new();
            for line in text.lines() {
                if chars(&out) + chars(line) + 1 + chars(note) > budget {
                    break;
                }
                out.push_str(line);
                out.push('\n');
            }
            out.push_str(note);
            out
        }
        Unit::Diff { summary, lines } => {
            let whole = diff_text(summary, lines, lines.len());
            if chars(&whole) <= budget {
                return whole;
            }
            // The most lines that fit with the note: found by counting down from the widest
            // cut, since the note's length hardly changes.
            let mut keep = lines.len();
            let mut text = whole;
            while keep > 0 && chars(&text) > budget {
                let excess = chars(&text) - budget;
                let mut dropped = 0;
                while keep > 0 && dropped < excess {
                    keep -= 1;
                    dropped += chars(&lines[keep]) + 1;
                }
                text = diff_text(summary, lines, keep);
            }
            text
        }
    }
}

fn pack(units: Vec<Unit>, limit: usize) -> Vec<String> {
    let budget = limit.saturating_sub(PART_FRAME_CHARS).max(1);
    let mut parts: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut last_was_row = false;
    for unit in &units {
        let is_row = matches!(unit, Unit::Row(_));
        let joiner = |current: &str, last_was_row: bool| -> String {
            match (current.is_empty(), is_row, last_was_row) {
                (_, true, true) => String::new(),
                (true, true, false) => TABLE_HEAD.to_string(),
                (false, true, false) => format!("\n{TABLE_HEAD}"),
                (true, false, _) => String::new(),
                (false, false, _) => "\n".to_string(),
            }
        };
        let text = unit_text(unit, budget.saturating_sub(chars(TABLE_HEAD) + 1));
        let lead = joiner(&current, last_was_row);
        if !current.is_empty() && chars(&current) + chars(&lead) + chars(&text) > budget {
            parts.push(std::mem::take(&mut current));
            let lead = joiner(&current, false);
            current.push_str(&lead);
        } else {
            current.push_str(&lead);
        }
        current.push_str(&text);
        last_was_row = is_row;
    }
    if !current.is_empty() {
        parts.push(current);
    }
    let n = parts.len();
    if n == 1 {
        return parts;
    }
    parts
        .into_iter()
        .enumerate()
        .map(|(i, body)| {
            let mut out = String::new();
            if i > 0 {
                let _ = writeln!(out, "(part {} of {n})\n", i + 1);
            }
            out.push_str(&body);
            if i + 1 < n {
                let _ = writeln!(out, "\n(continued in part {} of {n})", i + 2);
            }
            out
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_move_to_column_zero_but_heredoc_content_stays() {
        let line = |indent, mark, text: &str| DiffLine {
            indent,
            mark,
            text: text.to_string(),
        };
        let block = [
            line(2, Mark::Header, "# secret.a will be updated in-place"),
            line(2, Mark::Change, "resource \"secret\" \"a\" {"),
            line(6, Mark::Change, "description = <<-EOT"),
            line(0, Mark::None, "            - not a marker"),
            line(0, Mark::None, "        EOT -> \"one line\""),
            line(6, Mark::Add, "tags        = {}"),
            line(4, Mark::None, "}"),
        ];
        assert_eq!(
            diff_lines(&block),
            [
                "  # secret.a will be updated in-place",
                "!   resource \"secret\" \"a\" {",
                "!       description = <<-EOT",
                "            - not a marker",
                "        EOT -> \"one line\"",
                "+       tags        = {}",
                "    }",
            ]
        );
    }

    #[test]
    fn the_fence_outlasts_backticks_in_values() {
        let lines = vec!["+   description = \"use ```sh blocks\"".to_string()];
        assert_eq!(fence(&lines), "````");
        assert_eq!(fence(&["+ x".to_string()]), "```");
    }
}
