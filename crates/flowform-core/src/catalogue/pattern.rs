//! From the model's Java patterns to Rust regexes.
//!
//! The model's patterns are Java regular expressions, unanchored, which AWS applies to the whole
//! value; [`rust_pattern`] turns one into a Rust `regex` source that means the same.

use super::Constraint;

/// Turns one of the model's patterns into a Rust `regex` source that matches a whole value.
///
/// AWS validates with Java regular expressions, which differ from Rust's `regex` where it matters
/// here:
/// - Java's `\w`, `\d` and `\s` are ASCII-only; Rust's are Unicode-aware, so `\w` would accept
///   `é` and `\S` would refuse a non-breaking space that AWS accepts. Each of them (and their
///   negations `\W`, `\D`, `\S`) becomes an explicit ASCII class, inside and outside `[...]`
///   (a class nested in a class is a union in Rust's syntax).
/// - Java's `.` refuses every line terminator (`\r`, U+0085, U+2028, U+2029 as well as `\n`);
///   Rust's refuses only `\n`. Outside classes `.` becomes the explicit class.
///
/// Every other escape is kept as written. The result is anchored as `^(?:PATTERN)$` because AWS
/// matches the whole value.
pub fn rust_pattern(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    out.push_str("^(?:");
    let mut class_depth = 0usize;
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(escaped) => match java_ascii_class(escaped) {
                    Some(class) => out.push_str(class),
                    None => {
                        out.push('\\');
                        out.push(escaped);
                    }
                },
                // A trailing lone backslash: keep it, so that compiling reports the error.
                None => out.push('\\'),
            },
            '.' if class_depth == 0 => out.push_str(JAVA_DOT),
            '[' => {
                class_depth += 1;
                out.push(c);
            }
            ']' => {
                class_depth = class_depth.saturating_sub(1);
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out.push_str(")$");
    out
}

/// Java's `.`: any character but a line terminator.
const JAVA_DOT: &str = r"[^\n\r\x{85}\x{2028}\x{2029}]";

/// The explicit ASCII class for Java's `\w`, `\d`, `\s` and their negations, written so that it
/// means the same standing alone and nested inside another class.
fn java_ascii_class(escape: char) -> Option<&'static str> {
    Some(match escape {
        'w' => "[0-9A-Za-z_]",
        'W' => "[^0-9A-Za-z_]",
        'd' => "[0-9]",
        'D' => "[^0-9]",
        's' => r"[\t\n\x0B\x0C\r ]",
        'S' => r"[^\t\n\x0B\x0C\r ]",
        _ => return None,
    })
}

impl Constraint {
    /// This constraint's pattern as a whole-value Rust regex source (see [`rust_pattern`]).
    pub fn rust_pattern(&self) -> Option<String> {
        self.pattern.map(rust_pattern)
    }
}
