//! Errors and warnings, as data: flowform's one error model.
//!
//! Everything that goes wrong and everything worth a warning is a [`Diagnostic`]: a mistake in
//! the configuration (pointing at its source text), a state that cannot be read, an AWS error
//! (naming the resource it is about and AWS's error code). They all have a one-line summary
//! and sentences of detail that say what was expected, what was found and what to do.
//!
//! How they look is not decided here: `flowform-views` renders them the way OpenTofu does, so
//! people who read Terraform output read ours without thinking —
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
//! — and as JSON objects with `range.filename`, `range.start`, `range.end` for machines.
//! [`Sources`] keeps the configuration's text, so a view can show the line a diagnostic points
//! at ([`Sources::snippet`]).

use crate::Address;
use serde::Serialize;
use std::collections::BTreeMap;
use std::ops::Range;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// A position in a source file: 1-based line and column (in characters), 0-based byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
    pub byte: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceRange {
    pub filename: String,
    pub start: Pos,
    pub end: Pos,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// One line, like a title: "Unsupported argument".
    pub summary: String,
    /// Sentences that say what was expected, what was found, and what to do.
    pub detail: String,
    pub range: Option<SourceRange>,
    /// The enclosing block, shown after the position: `connector_profile "salesforce"`.
    pub context: Option<String>,
    /// The resource it is about, when that is known (an AWS error while creating it).
    pub address: Option<Address>,
    /// The error code of the service that answered (`ConflictException`), for AWS errors.
    pub code: Option<String>,
}

impl Diagnostic {
    pub fn error(summary: impl Into<String>, detail: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            summary: summary.into(),
            detail: detail.into(),
            range: None,
            context: None,
            address: None,
            code: None,
        }
    }

    pub fn warning(summary: impl Into<String>, detail: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(summary, detail)
        }
    }

    pub fn with_range(mut self, range: Option<SourceRange>) -> Self {
        self.range = range;
        self
    }

    pub fn with_context(mut self, context: impl Into<String>) -> Self {
        self.context = Some(context.into());
        self
    }

    pub fn with_address(mut self, address: Address) -> Self {
        self.address = Some(address);
        self
    }

    pub fn with_code(mut self, code: Option<String>) -> Self {
        self.code = code;
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// A list of diagnostics; a configuration is usable when it holds no error.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }

    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    pub fn error_count(&self) -> usize {
        self.0.iter().filter(|d| d.is_error()).count()
    }

    pub fn warning_count(&self) -> usize {
        self.0.len() - self.error_count()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }

    /// Drops repeats of a diagnostic (the same problem at the same place, whatever its
    /// context): a block with `count` or `for_each` is checked once per instance, and an error
    /// in its text is one error, reported for the first instance that has it.
    pub fn dedup(&mut self) {
        let mut seen = std::collections::HashSet::new();
        self.0.retain(|d| {
            let range = d
                .range
                .as_ref()
                .map(|r| (r.filename.clone(), r.start.byte, r.end.byte));
            seen.insert((d.severity, d.summary.clone(), d.detail.clone(), range))
        });
    }

    /// Orders diagnostics by file and position, errors first on the same spot, so output is
    /// stable whatever order the checks ran in.
    pub fn sort(&mut self) {
        self.0.sort_by(|a, b| {
            let key = |d: &Diagnostic| {
                d.range
                    .as_ref()
                    .map(|r| (r.filename.clone(), r.start.byte, r.end.byte))
            };
            key(a)
                .cmp(&key(b))
                .then(a.severity.cmp(&b.severity))
                .then(a.summary.cmp(&b.summary))
        });
    }
}

/// The text of every configuration file, for turning byte offsets into lines and columns and
/// for showing source lines in diagnostics.
#[derive(Debug, Default, Clone)]
pub struct Sources {
    files: BTreeMap<String, SourceFile>,
}

#[derive(Debug, Clone)]
struct SourceFile {
    text: String,
    line_starts: Vec<usize>,
}

impl Sources {
    pub fn add(&mut self, filename: impl Into<String>, text: impl Into<String>) {
        let text = text.into();
        // Counted first, so a large file's index is allocated once at its size.
        let lines = text.bytes().filter(|&b| b == b'\n').count();
        let mut line_starts = Vec::with_capacity(lines + 1);
        line_starts.push(0);
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        self.files
            .insert(filename.into(), SourceFile { text, line_starts });
    }

    /// Every file and its text, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.files
            .iter()
            .map(|(n, f)| (n.as_str(), f.text.as_str()))
    }

    pub fn text(&self, filename: &str) -> Option<&str> {
        self.files.get(filename).map(|f| f.text.as_str())
    }

    /// The range of `bytes` in `filename`.
    pub fn range(&self, filename: &str, bytes: Range<usize>) -> Option<SourceRange> {
        let file = self.files.get(filename)?;
        Some(SourceRange {
            filename: filename.to_string(),
            start: file.pos(bytes.start),
            end: file.pos(bytes.end.max(bytes.start)),
        })
    }

    fn line(&self, filename: &str, line: usize) -> Option<&str> {
        let file = self.files.get(filename)?;
        let start = *file.line_starts.get(line.checked_sub(1)?)?;
        let end = file
            .line_starts
            .get(line)
            .map_or(file.text.len(), |next| next - 1);
        file.text.get(start..end).map(|l| l.trim_end_matches('\r'))
    }

    /// The source line a diagnostic points at, and where in it: what a view shows under
    /// `on FILE line N`. None when it points nowhere, or at a file that is not loaded.
    pub fn snippet(&self, d: &Diagnostic) -> Option<Snippet<'_>> {
        let range = d.range.as_ref()?;
        let code = self.line(&range.filename, range.start.line)?;
        let width = code.chars().count();
        let start = range.start.column.saturating_sub(1).min(width);
        let end = if range.end.line == range.start.line {
            range.end.column.saturating_sub(1).clamp(start, width)
        } else {
            width
        };
        Some(Snippet {
            line: range.start.line,
            code,
            highlight: start..end,
        })
    }
}

/// One source line and the span of it a diagnostic is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippet<'a> {
    /// 1-based line number.
    pub line: usize,
    /// The line's text, without its line ending.
    pub code: &'a str,
    /// Character offsets into `code` (0-based, end exclusive; may be empty).
    pub highlight: Range<usize>,
}

impl SourceFile {
    fn pos(&self, byte: usize) -> Pos {
        let byte = byte.min(self.text.len());
        let line_index = self.line_starts.partition_point(|&s| s <= byte) - 1;
        let line_start = self.line_starts[line_index];
        let column = self
            .text
            .get(line_start..byte)
            .map_or(byte - line_start, |s| s.chars().count())
            + 1;
        Pos {
            line: line_index + 1,
            column,
            byte,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snippet_is_the_line_and_the_span() {
        let mut sources = Sources::default();
        sources.add("main.hcl", "secret \"a\" {\n  nmae = \"x\"\n}\n");
        let d = Diagnostic::error("Unsupported argument", "")
            .with_range(sources.range("main.hcl", 15..19));
        let snippet = sources.snippet(&d).unwrap();
        assert_eq!(snippet.line, 2);
        assert_eq!(snippet.code, "  nmae = \"x\"");
        assert_eq!(snippet.highlight, 2..6);
    }

    #[test]
    fn positions_count_characters_not_bytes() {
        let mut sources = Sources::default();
        sources.add("f", "é = 1\n");
        let r = sources.range("f", 3..4).unwrap();
        assert_eq!((r.start.line, r.start.column, r.start.byte), (1, 3, 3));
    }
}
