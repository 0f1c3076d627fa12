//! Finding and parsing the configuration's files.

use crate::unterminated_string::Unterminated;
use flowform_core::{Diagnostic, Diagnostics, Sources};
use hcl::edit::structure::Body;
use std::path::{Path, PathBuf};

/// One parsed file. `name` is the path shown in diagnostics (relative to the working directory
/// the way the user named the configuration directory).
pub(crate) struct ParsedFile {
    pub name: String,
    pub body: Body,
}

/// Every `*.hcl` file directly in `dir`, in lexical order, except variable files
/// (`*.vars.hcl`).
pub(crate) fn config_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir)?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name.ends_with(".hcl") && !name.ends_with(".vars.hcl")
        })
        .collect();
    files.sort();
    Ok(files)
}

/// `*.auto.vars.hcl` files directly in `dir`, in lexical order.
pub(crate) fn auto_var_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.is_file()
                        && p.file_name()
                            .and_then(|n| n.to_str())
                            .is_some_and(|n| n.ends_with(".auto.vars.hcl"))
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// The name a file is shown by in diagnostics.
pub(crate) fn display_name(path: &Path) -> String {
    let shown = path.strip_prefix("./").unwrap_or(path);
    shown.to_string_lossy().into_owned()
}

/// Reads and parses one file, adding its text to `sources`. A syntax error becomes a diagnostic.
pub(crate) fn parse_file(
    path: &Path,
    sources: &mut Sources,
    diags: &mut Diagnostics,
) -> Option<ParsedFile> {
    let name = display_name(path);
    let text = match crate::bounded_read::read_text(path) {
        Ok(t) => t,
        Err(e) => {
            diags.push(Diagnostic::error(
                "Cannot read configuration file",
                format!("Reading \"{name}\" failed: {e}."),
            ));
            return None;
        }
    };
    let parsed = hcl::edit::parser::parse_body(&text);
    // Moved, not copied: the sources keep the only copy of each file's text.
    sources.add(name.clone(), text);
    match parsed {
        Ok(body) => Some(ParsedFile { name, body }),
        Err(e) => {
            let text = sources.text(&name).unwrap_or_default();
            diags.push(syntax_error(&name, text, &e, sources));
            None
        }
    }
}

/// A syntax error as a diagnostic pointing at the offending character.
pub(crate) fn syntax_error(
    name: &str,
    text: &str,
    e: &hcl::edit::parser::Error,
    sources: &Sources,
) -> Diagnostic {
    if let Some(found) = unterminated_string(name, text, sources) {
        return found;
    }
    let loc = e.location();
    // hcl-edit may report a byte offset inside a multi-byte character: step back to its start.
    let mut offset = text.floor_char_boundary(loc.offset().min(text.len()));
    // hcl-edit reports a dangling `secret.` where the *next* token starts (often the next
    // line); point at the dot instead, which is what the user has to fix.
    let before = text[..offset].trim_end();
    if before.ends_with('.') {
        offset = before.len() - 1;
    }
    let end = text[offset..]
        .char_indices()
        .nth(1)
        .map_or(text.len(), |(i, _)| offset + i);
    let (summary, detail) = explain(e.message(), text, offset);
    Diagnostic::error(summary, detail).with_range(sources.range(name, offset..end))
}

/// An unclosed quote, pointed at where it opens (see `unterminated_string.rs`).
fn unterminated_string(name: &str, text: &str, sources: &Sources) -> Option<Diagnostic> {
    let (quote, how) = crate::unterminated_string::find(text)?;
    let (summary, detail) = match how {
        Unterminated::AtNewline => (
            "Invalid multi-line string",
            "This string is not closed before the end of its line. Quoted strings may not be split over multiple lines: close it with \", write a newline as \\n, or use the heredoc syntax (<<EOT) for a multi-line string.",
        ),
        Unterminated::AtEndOfFile => (
            "Unterminated template string",
            "No closing quote was found for the string that starts here.",
        ),
    };
    Some(Diagnostic::error(summary, detail).with_range(sources.range(name, quote..quote + 1)))
}

/// hcl-edit's messages are terse ("unexpected token"); say what is most likely wrong.
fn explain(message: &str, text: &str, offset: usize) -> (String, String) {
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let line = text[line_start..line_end].trim_end();
    let mut detail = format!("The parser said: {message}.");
    if text[offset..].starts_with('.') && line.ends_with('.') {
        detail.push_str(
            " This line ends with \".\": a reference needs an attribute name after the dot, such as secret.app.arn.",
        );
    } else if line.trim_end().ends_with('=') {
        detail.push_str(" An argument needs a value after \"=\".");
    } else if text[..offset].matches('{').count() > text[..offset].matches('}').count()
        && offset >= text.trim_end().len()
    {
        detail.push_str(" A block is not closed: a \"}\" is missing before the end of the file.");
    }
    ("Invalid HCL syntax".into(), detail)
}

/// The `path` of a `backend "local"` block, read without evaluating anything (commands that
/// only touch the state need it even when variables are missing). Only a literal string counts.
pub fn backend_path(dir: &Path) -> Option<String> {
    match backend_block(dir) {
        Some(block) if block.kind == "local" => block.settings.get("path").cloned(),
        _ => None,
    }
}

/// A `backend` block as the state commands read it: its kind and its literal string settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BackendBlock {
    /// `local` or `s3`.
    pub kind: String,
    pub settings: std::collections::BTreeMap<String, String>,
}

/// The configuration's `backend` block, read without evaluating anything, as Terraform reads
/// its backend (no variables there): only literal strings count.
pub fn backend_block(dir: &Path) -> Option<BackendBlock> {
    literal_block(dir, "backend")
}

/// The literal `region` of the `provider "aws"` block without an alias, the s3 backend's
/// default region.
pub fn provider_region(dir: &Path) -> Option<String> {
    literal_block(dir, "provider")
        .filter(|block| block.kind == "aws" && !block.settings.contains_key("alias"))
        .and_then(|block| block.settings.get("region").cloned())
}

fn literal_block(dir: &Path, ident: &str) -> Option<BackendBlock> {
    for path in config_files(dir).ok()? {
        let Ok(text) = crate::bounded_read::read_text(&path) else {
            continue;
        };
        let Ok(body) = hcl::edit::parser::parse_body(&text) else {
            continue;
        };
        for block in body.blocks() {
            if block.ident.value().as_str() != ident {
                continue;
            }
            let kind = block
                .labels
                .first()
                .map(|l| l.as_str().to_string())
                .unwrap_or_default();
            let settings = block
                .body
                .attributes()
                .filter_map(|a| {
                    let value = a.value.as_str()?;
                    Some((a.key.as_str().to_string(), value.to_string()))
                })
                .collect();
            return Some(BackendBlock { kind, settings });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the no-panic property test: an error offset inside `é`.
    #[test]
    fn a_syntax_error_at_a_multibyte_character_does_not_panic() {
        for text in ["locals { é", "é", "a = \"é", "x = é.", "\u{1F600} {"] {
            let e = hcl::edit::parser::parse_body(text).expect_err("invalid");
            let mut sources = Sources::default();
            sources.add("f.hcl", text);
            let d = syntax_error("f.hcl", text, &e, &sources);
            assert!(
                ["Invalid HCL syntax", "Unterminated template string"]
                    .contains(&d.summary.as_str()),
                "{}",
                d.summary
            );
            let _ = sources.snippet(&d);
        }
    }
}
