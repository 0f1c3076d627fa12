//! Finding the quoted string that a syntax error is really about.
//!
//! hcl-edit reports an unclosed `"` where it gave up (the start of the file, the start of the
//! attribute, or the end of the file), which leaves the user hunting for the quote. A quoted
//! string in HCL ends on its own line, so the opening quote of the first string that reaches a
//! newline or the end of the file is the place to point at, as Terraform does ("Invalid
//! multi-line string", "Unterminated template string").

/// How a quoted string failed to end.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Unterminated {
    /// A newline came before the closing quote.
    AtNewline,
    /// The file ended before the closing quote.
    AtEndOfFile,
}

/// The byte offset of the opening quote of the first string that does not end on its line,
/// skipping comments and heredocs, and following `${ ... }` interpolations (which may hold
/// strings of their own).
pub(crate) fn find(text: &str) -> Option<(usize, Unterminated)> {
    #[derive(Clone, Copy)]
    enum Mode {
        /// Expression context; inside an interpolation, with its open-brace depth.
        Expr { interpolation: Option<usize> },
        /// Inside a quoted string that opened at this offset.
        Str { start: usize },
    }
    let bytes = text.as_bytes();
    let mut stack = vec![Mode::Expr {
        interpolation: None,
    }];
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let mode = stack.last_mut()?;
        match mode {
            Mode::Str { start } => match c {
                b'\\' => i += 1,
                b'"' => {
                    stack.pop();
                }
                b'\n' => return Some((*start, Unterminated::AtNewline)),
                b'$' | b'%' if bytes.get(i + 1) == Some(&c) => i += 1,
                b'$' | b'%' if bytes.get(i + 1) == Some(&b'{') => {
                    i += 1;
                    stack.push(Mode::Expr {
                        interpolation: Some(0),
                    });
                }
                _ => {}
            },
            Mode::Expr { interpolation } => match c {
                b'"' => stack.push(Mode::Str { start: i }),
                b'#' => i = line_end(text, i),
                b'/' if bytes.get(i + 1) == Some(&b'/') => i = line_end(text, i),
                b'/' if bytes.get(i + 1) == Some(&b'*') => {
                    i = text[i + 2..]
                        .find("*/")
                        .map_or(bytes.len(), |e| i + 2 + e + 1);
                }
                b'<' if bytes.get(i + 1) == Some(&b'<') => i = heredoc_end(text, i),
                b'{' => {
                    if let Some(depth) = interpolation {
                        *depth += 1;
                    }
                }
                b'}' => match interpolation {
                    Some(0) => {
                        stack.pop();
                    }
                    Some(depth) => *depth -= 1,
                    None => {}
                },
                _ => {}
            },
        }
        i += 1;
    }
    stack.iter().rev().find_map(|m| match m {
        Mode::Str { start } => Some((*start, Unterminated::AtEndOfFile)),
        Mode::Expr { .. } => None,
    })
}

/// The offset of the newline ending the line that holds `i` (or the end of the text).
fn line_end(text: &str, i: usize) -> usize {
    text[i..].find('\n').map_or(text.len(), |e| i + e)
}

/// For `<<EOF` or `<<-EOF` at `i`: the offset of the end of its closing line. Anything else
/// that starts with `<<` is left to the parser.
fn heredoc_end(text: &str, i: usize) -> usize {
    let rest = &text[i + 2..];
    let rest = rest.strip_prefix('-').unwrap_or(rest);
    let marker: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    if marker.is_empty() {
        return i + 1;
    }
    let mut at = line_end(text, i);
    while at < text.len() {
        let next = line_end(text, at + 1);
        if text[at + 1..next].trim() == marker {
            return next;
        }
        at = next;
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_opening_quote() {
        assert_eq!(
            find("a = \"abc\nb = 1\n"),
            Some((4, Unterminated::AtNewline))
        );
        assert_eq!(find("a = \"abc"), Some((4, Unterminated::AtEndOfFile)));
        assert_eq!(
            find("a = \"ok\"\nb = \"x ${c(\"y\")} \\\"\n"),
            Some((13, Unterminated::AtNewline))
        );
    }

    #[test]
    fn ignores_what_is_not_a_string() {
        for text in [
            "a = \"fine\" # a \" in a comment\n",
            "a = 1 // \"\n/* \"\n */ b = \"x\"\n",
            "a = <<EOF\nsay \"hi\nEOF\nb = \"c\"\n",
            "a = <<-EOT\n  \"\n  EOT\n",
            "a = \"$${x} %%{y} ${ {b = \"}\"}.b }\"\n",
        ] {
            assert_eq!(find(text), None, "{text}");
        }
    }
}
