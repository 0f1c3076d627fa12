//! `flowform fmt`: the canonical layout, without ever losing a comment.
//!
//! The formatter changes only whitespace: it re-indents each line by its nesting (two spaces a
//! level), aligns the `=` of consecutive one-line arguments at the same level (as
//! `terraform fmt` does), and trims trailing spaces. Heredoc bodies, block comments and
//! anything inside a string are left exactly as written.
//!
//! It proves each result before returning it: the formatted text must parse to the same
//! configuration as the original (hcl's own `Body` equality), and must hold the same comments,
//! in the same order, with the same text. If either check fails the file is refused, not
//! rewritten — a formatter that loses a comment is worse than none.

use std::fmt;

/// Why a file was not formatted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormatError {
    /// The input is not valid HCL (run `validate` for the details).
    Syntax(String),
    /// Formatting would have changed the meaning or lost a comment: a bug, refused safely.
    Unsafe(&'static str),
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormatError::Syntax(m) => write!(
                f,
                "the file is not valid HCL ({m}); run flowform validate for details"
            ),
            FormatError::Unsafe(what) => write!(
                f,
                "formatting would have {what}, so the file was left as it is; please report this"
            ),
        }
    }
}

/// Where the lexer is at the start of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Code,
    /// Inside a quoted string (only possible at a line start within an interpolation).
    Str,
    /// Inside `${ ... }` or `%{ ... }` of a string, with its own brace count.
    Interp(usize),
    Heredoc,
    BlockComment,
}

/// One line as the lexer saw it.
struct Line<'a> {
    text: &'a str,
    /// The brackets of the line's code, in order (not those inside strings or comments).
    brackets: Vec<char>,
    /// The line starts inside something whose whitespace is content.
    verbatim: bool,
    /// The line ends outside any string, heredoc or comment, having closed what it opened.
    closed: bool,
}

/// Formats one file's text.
pub fn format(text: &str) -> Result<String, FormatError> {
    let original = hcl::parse(text).map_err(|e| FormatError::Syntax(e.to_string()))?;
    let (lines, comments) = lex(text);
    let out = render(&lines);
    let formatted = hcl::parse(&out).map_err(|_| FormatError::Unsafe("made the file invalid"))?;
    if formatted != original {
        return Err(FormatError::Unsafe("changed its meaning"));
    }
    if lex(&out).1 != comments {
        return Err(FormatError::Unsafe("changed a comment"));
    }
    Ok(out)
}

fn lex(text: &str) -> (Vec<Line<'_>>, Vec<String>) {
    let mut lines = Vec::new();
    let mut comments = Vec::new();
    let mut stack: Vec<Mode> = vec![Mode::Code];
    let mut heredoc: Option<String> = None;
    let mut block_comment = String::new();
    for raw in text.split_inclusive('\n') {
        let line = raw.strip_suffix('\n').unwrap_or(raw);
        let line = line.strip_suffix('\r').unwrap_or(line);
        let mode = *stack.last().unwrap_or(&Mode::Code);
        let mut brackets = Vec::new();
        if mode == Mode::Heredoc {
            lines.push(Line {
                text: line,
                brackets,
                verbatim: true,
                closed: false,
            });
            if heredoc.as_deref() == Some(line.trim()) {
                stack.pop();
                heredoc = None;
            }
            continue;
        }
        let verbatim = mode != Mode::Code;
        let chars: Vec<char> = line.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let next = chars.get(i + 1).copied();
            match *stack.last().unwrap_or(&Mode::Code) {
                Mode::BlockComment => {
                    block_comment.push(c);
                    if c == '*' && next == Some('/') {
                        block_comment.push('/');
                        comments.push(std::mem::take(&mut block_comment));
                        stack.pop();
                        i += 1;
                    }
                }
                Mode::Str => match c {
                    '\\' => i += 1,
                    '"' => {
                        stack.pop();
                    }
                    '$' | '%' if next == Some('{') => {
                        stack.push(Mode::Interp(0));
                        i += 1;
                    }
                    _ => {}
                },
                Mode::Code | Mode::Interp(_) => match c {
                    '#' => {
                        comments.push(chars[i..].iter().collect::<String>().trim_end().to_string());
                        break;
                    }
                    '/' if next == Some('/') => {
                        comments.push(chars[i..].iter().collect::<String>().trim_end().to_string());
                        break;
                    }
                    '/' if next == Some('*') => {
                        stack.push(Mode::BlockComment);
                        block_comment = String::from("/*");
                        i += 1;
                    }
                    '"' => stack.push(Mode::Str),
                    '<' if next == Some('<') && matches!(stack.last(), Some(Mode::Code)) => {
                        let rest: String = chars[i + 2..].iter().collect();
                        let marker = rest.trim_start_matches('-').trim();
                        if !marker.is_empty()
                            && marker.chars().all(|c| c.is_alphanumeric() || c == '_')
                        {
                            heredoc = Some(marker.to_string());
                            break;
                        }
                        i += 1;
                    }
                    '{' | '[' | '(' => match stack.last_mut() {
                        Some(Mode::Interp(n)) => *n += 1,
                        _ => brackets.push(c),
                    },
                    '}' | ']' | ')' => match stack.last_mut() {
                        Some(Mode::Interp(0)) => {
                            stack.pop();
                        }
                        Some(Mode::Interp(n)) => *n -= 1,
                        _ => brackets.push(c),
                    },
                    _ => {}
                },
                Mode::Heredoc => unreachable!("heredoc lines are handled above"),
            }
            i += 1;
        }
        if matches!(stack.last(), Some(Mode::BlockComment)) {
            block_comment.push('\n');
        }
        let heredoc_opened = heredoc.is_some();
        if heredoc_opened {
            stack.push(Mode::Heredoc);
        }
        let balanced = brackets
            .iter()
            .filter(|b| matches!(b, '{' | '[' | '('))
            .count()
            * 2
            == brackets.len()
            && brackets
                .first()
                .is_none_or(|b| matches!(b, '{' | '[' | '('));
        let closed = !verbatim && balanced && stack.len() == 1 && !heredoc_opened;
        lines.push(Line {
            text: line,
            brackets,
            verbatim,
            closed,
        });
    }
    (lines, comments)
}

/// The key of a one-line `key = value` argument (not `==`), if the line is one.
fn argument_key(trimmed: &str) -> Option<usize> {
    let bytes = trimmed.as_bytes();
    let mut end = 0;
    if bytes.first() == Some(&b'"') {
        let mut escaped = false;
        for (i, b) in bytes.iter().enumerate().skip(1) {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => {
                    end = i + 1;
                    break;
                }
                _ => {}
            }
        }
        if end == 0 {
            return None;
        }
    } else {
        end = trimmed
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(trimmed.len());
        if end == 0 || !trimmed.starts_with(|c: char| c.is_alphabetic() || c == '_') {
            return None;
        }
    }
    let rest = trimmed[end..].trim_start();
    (rest.starts_with('=') && !rest.starts_with("==")).then_some(end)
}

/// The indentation level of every line. A line that opens brackets indents what follows by
/// one level however many it opens (`jsonencode({` indents once, as `terraform fmt` does); the
/// level ends when all of them are closed.
fn levels(lines: &[Line<'_>]) -> Vec<usize> {
    let mut groups: Vec<usize> = Vec::new();
    let mut out = Vec::with_capacity(lines.len());
    for line in lines {
        let mut opened_here = 0usize;
        let mut level = None;
        for b in &line.brackets {
            if matches!(b, '{' | '[' | '(') {
                level.get_or_insert(groups.len());
                opened_here += 1;
            } else if opened_here > 0 {
                opened_here -= 1;
            } else if let Some(top) = groups.last_mut() {
                *top -= 1;
                if *top == 0 {
                    groups.pop();
                }
            }
        }
        // Closers that start the line belong to the level they close: the line's level is the
        // one after them (or, with no opener, after all its closers).
        out.push(level.unwrap_or(groups.len()));
        if opened_here > 0 {
            groups.push(opened_here);
        }
    }
    out
}

fn render(lines: &[Line<'_>]) -> String {
    let levels = levels(lines);
    let mut out = String::new();
    let mut i = 0;
    while i < lines.len() {
        let line = &lines[i];
        if line.verbatim {
            out.push_str(line.text);
            out.push('\n');
            i += 1;
            continue;
        }
        // A run of one-line arguments at one level: align their `=`.
        let is_arg =
            |l: &Line<'_>| !l.verbatim && l.closed && argument_key(l.text.trim()).is_some();
        if is_arg(line) {
            let mut j = i;
            while j < lines.len() && is_arg(&lines[j]) && levels[j] == levels[i] {
                j += 1;
            }
            let width = lines[i..j]
                .iter()
                .filter_map(|l| argument_key(l.text.trim()))
                .max()
                .unwrap_or(0);
            for l in &lines[i..j] {
                let trimmed = l.text.trim();
                let key_end = argument_key(trimmed).unwrap_or(0);
                let value = trimmed[key_end..].trim_start()[1..].trim_start();
                out.push_str(&"  ".repeat(levels[i]));
                out.push_str(&format!("{:<width$} = {value}\n", &trimmed[..key_end]));
            }
            i = j;
            continue;
        }
        let trimmed = line.text.trim();
        if !trimmed.is_empty() {
            out.push_str(&"  ".repeat(levels[i]));
            out.push_str(trimmed);
        }
        out.push('\n');
        i += 1;
    }
    // One newline at the end, none extra.
    let kept = out.trim_end_matches('\n').len();
    out.truncate(kept);
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reindents_aligns_and_keeps_every_comment() {
        let messy = "# top comment\nsecret \"a\" {\n      name = \"x\" # trailing\n  description=\"d\"\n /* block\n    comment */\n    tags = {\n team = \"t\"\n    }\n}\n\n\n";
        let tidy = format(messy).unwrap();
        assert_eq!(
            tidy,
            "# top comment\nsecret \"a\" {\n  name        = \"x\" # trailing\n  description = \"d\"\n  /* block\n    comment */\n  tags = {\n    team = \"t\"\n  }\n}\n"
        );
        assert_eq!(format(&tidy).unwrap(), tidy, "formatting is idempotent");
    }

    #[test]
    fn heredocs_and_strings_are_left_as_written() {
        let text = "locals {\n     doc = <<-EOT\n   keep   this\n      and this\n   EOT\n  s = \"a  {  b\"\n}\n";
        let tidy = format(text).unwrap();
        assert!(
            tidy.contains("   keep   this\n      and this\n   EOT\n"),
            "{tidy}"
        );
        assert!(tidy.contains("\"a  {  b\""), "{tidy}");
    }

    #[test]
    fn invalid_input_is_refused_not_rewritten() {
        assert!(matches!(
            format("secret \"a\" {\n"),
            Err(FormatError::Syntax(_))
        ));
    }
}
