//! Diagnostics — configuration errors, state errors, AWS errors, warnings — as OpenTofu shows
//! them (`internal/command/format/diagnostic.go`), and as `validate --json`'s document.
//!
//! ```text
//! Error: Unsupported argument
//!
//!   on main.hcl line 12, column 5, in connector_profile "salesforce":
//!   12:     instance_urll = "https://example.my.salesforce.com"
//!           ^^^^^^^^^^^^^
//!
//! An argument named "instance_urll" is not expected here. Did you mean "instance_url"?
//! ```
//!
//! A diagnostic that points at no source (a state that cannot be read, an AWS error) is the
//! same without the `on` lines: `Error: summary`, then its detail.

use crate::style::{self, paint};
use flowform_core::{Diagnostic, Diagnostics, Severity, Sources};
use serde_json::{Value as Json, json};
use std::borrow::Cow;
use std::fmt::Write as _;

/// Every diagnostic, each followed by a blank line; `sources` shows the lines they point at.
pub fn text(sources: &Sources, diagnostics: &Diagnostics) -> String {
    let mut out = String::new();
    for d in diagnostics.iter() {
        one_into(&mut out, sources, d);
    }
    out
}

/// One diagnostic that points at no source.
pub fn one(d: &Diagnostic) -> String {
    let mut out = String::new();
    one_into(&mut out, &Sources::default(), d);
    out
}

/// `text` with its control characters (other than newlines and tabs) written as `\u001b`
/// escapes: a diagnostic quotes what the user wrote (a variable's value, a source line), and an
/// ESC sequence in it must not reach a terminal as one.
fn shown(text: &str) -> Cow<'_, str> {
    let escaped = |c: char| c.is_control() && c != '\n' && c != '\t';
    if !text.chars().any(escaped) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if escaped(c) {
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn one_into(out: &mut String, sources: &Sources, d: &Diagnostic) {
    let (label, color) = match d.severity {
        Severity::Error => ("Error:", style::ERROR),
        Severity::Warning => ("Warning:", style::WARNING),
    };
    let _ = writeln!(
        out,
        "{} {}",
        paint(color, label),
        paint(style::BOLD, &shown(&d.summary))
    );
    if let Some(range) = &d.range {
        out.push('\n');
        let context = d
            .context
            .as_ref()
            .map(|c| format!(", in {}", shown(c)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  on {} line {}, column {}{context}:",
            shown(&range.filename),
            range.start.line,
            range.start.column
        );
        if let Some(snippet) = sources.snippet(d) {
            let number = snippet.line.to_string();
            let _ = writeln!(out, "  {number}: {}", shown(snippet.code));
            // The marks under what the line shows, escapes included.
            let width = |chars: std::ops::Range<usize>| -> usize {
                let part: String = snippet
                    .code
                    .chars()
                    .skip(chars.start)
                    .take(chars.len())
                    .collect();
                shown(&part).chars().count()
            };
            let before = width(0..snippet.highlight.start);
            let marks = "^".repeat(width(snippet.highlight.clone()).max(1));
            let pad = " ".repeat(number.len() + 4 + before);
            let _ = writeln!(out, "{pad}{}", paint(color, &marks));
        }
    }
    if !d.detail.is_empty() {
        out.push('\n');
        out.push_str(&shown(&d.detail));
        out.push('\n');
    }
    out.push('\n');
}

/// The JSON document of `validate --json` (OpenTofu's shape), plus `address` and `code` on
/// diagnostics that have them.
pub fn json(sources: &Sources, diagnostics: &Diagnostics) -> Json {
    let items: Vec<Json> = diagnostics
        .iter()
        .map(|d| {
            let mut item = json!({
                "severity": d.severity,
                "summary": d.summary,
                "detail": d.detail,
            });
            if let Some(address) = &d.address {
                item["address"] = json!(address.to_string());
            }
            if let Some(code) = &d.code {
                item["code"] = json!(code);
            }
            if let Some(range) = &d.range {
                item["range"] = json!(range);
                if let Some(snippet) = sources.snippet(d) {
                    item["snippet"] = json!({
                        "context": d.context,
                        "code": snippet.code,
                        "start_line": snippet.line,
                        "highlight_start_offset": snippet.highlight.start,
                        "highlight_end_offset": snippet.highlight.end,
                    });
                }
            }
            item
        })
        .collect();
    json!({
        "format_version": "1.0",
        "valid": !diagnostics.has_errors(),
        "error_count": diagnostics.error_count(),
        "warning_count": diagnostics.warning_count(),
        "diagnostics": items,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowform_core::{Address, ResourceKind};

    #[test]
    fn renders_like_opentofu() {
        let mut sources = Sources::default();
        sources.add("main.hcl", "secret \"a\" {\n  nmae = \"x\"\n}\n");
        let d = Diagnostic::error(
            "Unsupported argument",
            "An argument named \"nmae\" is not expected here.",
        )
        .with_range(sources.range("main.hcl", 15..19))
        .with_context("secret \"a\"");
        let text = style::plain(&text(&sources, &Diagnostics(vec![d])));
        assert_eq!(
            text,
            "Error: Unsupported argument\n\n  on main.hcl line 2, column 3, in secret \"a\":\n  2:   nmae = \"x\"\n       ^^^^\n\nAn argument named \"nmae\" is not expected here.\n\n"
        );
    }

    /// What the user wrote reaches a terminal as text, never as a control sequence: a value
    /// quoted in the message, the source line, the context.
    #[test]
    fn control_characters_of_the_user_are_escaped() {
        let mut sources = Sources::default();
        sources.add("main.hcl", "secret \"a\" {\n  name = \"\u{1b}[31mX\"\n}\n");
        let d = Diagnostic::error(
            "Invalid value",
            "The value \"\u{1b}[31mX\u{7}\" does not match.\nSecond line.",
        )
        .with_range(sources.range("main.hcl", 22..32))
        .with_context("secret \"\u{1b}[2J\"");
        let painted = text(&sources, &Diagnostics(vec![d]));
        for raw in ["\u{1b}[31mX", "\u{7}", "\u{1b}[2J"] {
            assert!(
                !painted.contains(raw),
                "{raw:?} reached the text: {painted:?}"
            );
        }
        assert_eq!(
            style::plain(&painted),
            "Error: Invalid value\n\n  on main.hcl line 2, column 10, in secret \"\\u001b[2J\":\n  2:   name = \"\\u001b[31mX\"\n              ^^^^^^^^^^^^^\n\nThe value \"\\u001b[31mX\\u0007\" does not match.\nSecond line.\n\n"
        );
    }

    #[test]
    fn an_aws_error_names_its_resource_and_code() {
        let d = Diagnostic::error(
            "secret.a: create failed: ResourceExistsException",
            "The secret appflow/a already exists.",
        )
        .with_address(Address::new(ResourceKind::Secret, "a"))
        .with_code(Some("ResourceExistsException".into()));
        assert_eq!(
            style::plain(&one(&d)),
            "Error: secret.a: create failed: ResourceExistsException\n\nThe secret appflow/a already exists.\n\n"
        );
        let doc = json(&Sources::default(), &Diagnostics(vec![d]));
        assert_eq!(doc["diagnostics"][0]["address"], "secret.a");
        assert_eq!(doc["diagnostics"][0]["code"], "ResourceExistsException");
        assert_eq!(doc["valid"], false);
    }

    #[test]
    fn colour_is_in_the_text_and_strips_off() {
        let d = Diagnostic::warning("Careful", "");
        let shown = one(&d);
        assert!(shown.contains("\x1b["));
        assert_eq!(style::plain(&shown), "Warning: Careful\n\n");
    }
}
