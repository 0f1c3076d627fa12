//! `format` and `formatlist`'s verbs, as Terraform's (Go's fmt, as cty applies it): flags
//! `-` `+` ` ` `0` `#`, a width and a precision (`%03d`, `%-10s`, `%.2f`), and the verbs
//! `%v` `%#v` `%t` `%d` `%b` `%o` `%x` `%X` `%e` `%E` `%f` `%g` `%s` `%q` and `%%`, and explicit
//! argument indexes (`%[2]s`: the second argument; the next verb takes the one after it).

use super::{Cx, FnError, to_json_lossy};
use crate::eval::functions::conversions::parse_number;
use flowform_core::Value;

/// How one verb was written.
#[derive(Default)]
struct Spec {
    minus: bool,
    plus: bool,
    space: bool,
    zero: bool,
    sharp: bool,
    width: Option<usize>,
    precision: Option<usize>,
}

/// Widths and precisions beyond this are refused: a format string must not allocate gigabytes.
const MAX_WIDTH: usize = 10_000;

/// Formats `args` by `spec`. `row` is formatlist's element, for its error messages.
pub(super) fn format(
    cx: &Cx<'_, '_>,
    spec: &str,
    args: Vec<Value>,
    row: Option<usize>,
) -> Result<String, FnError> {
    let at_row = row.map_or(String::new(), |r| format!(" (element {r})"));
    let mut out = String::new();
    let mut chars = spec.chars().peekable();
    // The verbs so far, the argument the next verb takes, and how many arguments are used
    // (an explicit index may skip some, or go back).
    let (mut used, mut next, mut consumed) = (0, 0, 0);
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut s = Spec::default();
        while let Some(&f) = chars.peek() {
            match f {
                '-' => s.minus = true,
                '+' => s.plus = true,
                ' ' => s.space = true,
                '0' => s.zero = true,
                '#' => s.sharp = true,
                _ => break,
            }
            chars.next();
        }
        s.width = digits(&mut chars);
        if chars.peek() == Some(&'.') {
            chars.next();
            s.precision = Some(digits(&mut chars).unwrap_or(0));
        }
        if s.width.unwrap_or(0) > MAX_WIDTH || s.precision.unwrap_or(0) > MAX_WIDTH {
            return Err(cx.fail(format!(
                "a width or precision above {MAX_WIDTH} is not supported."
            )));
        }
        let mut verb = chars.next();
        let explicit = verb == Some('[');
        if explicit {
            // As cty reads it: a number from 1 (no leading zero), then `]`.
            let leading_zero = chars.peek() == Some(&'0');
            let index = digits(&mut chars).filter(|_| !leading_zero);
            match (index, chars.next()) {
                (Some(n), Some(']')) if (1..=args.len()).contains(&n) => next = n - 1,
                _ => {
                    return Err(cx.fail(format!(
                        "invalid argument index in the format string: %[n] takes a number from 1 to {}, the number of arguments{at_row}.",
                        args.len()
                    )));
                }
            }
            verb = chars.next();
        }
        let Some(verb) = verb else {
            return Err(cx.fail("the format string ends with an unfinished verb."));
        };
        if verb == '%' {
            if explicit {
                return Err(cx.fail(format!(
                    "an argument index belongs to a verb that formats an argument, not to %%{at_row}."
                )));
            }
            out.push('%');
            continue;
        }
        used += 1;
        let Some(arg) = args.get(next) else {
            return Err(cx.fail(format!(
                "not enough arguments for the format string: verb {used} has none{at_row}."
            )));
        };
        // The argument's position in the call (the format string is 0), which an explicit
        // index may set apart from the verb's.
        let position = next + 1;
        next += 1;
        consumed = consumed.max(next);
        let unsupported = |arg: &Value| {
            cx.bad(
                position,
                format!(
                    "unsupported value for \"%{verb}\" at argument {position}: a {} cannot be formatted this way{at_row}.",
                    arg.type_name()
                ),
            )
        };
        let text = verb_text(verb, &s, arg).ok_or_else(|| unsupported(arg))?;
        pad(
            &mut out,
            &text,
            &s,
            matches!(verb, 'd' | 'b' | 'o' | 'x' | 'X' | 'e' | 'E' | 'f' | 'g'),
        );
    }
    if consumed < args.len() {
        return Err(cx.fail(format!(
            "too many arguments; the format string uses {consumed} of {}{at_row}.",
            args.len()
        )));
    }
    Ok(out)
}

fn digits(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Option<usize> {
    let mut n: Option<usize> = None;
    while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
        n = Some(n.unwrap_or(0).saturating_mul(10).saturating_add(d as usize));
        chars.next();
    }
    n
}

/// The text of one verb, before padding; `None` when the verb cannot format the value.
fn verb_text(verb: char, s: &Spec, arg: &Value) -> Option<String> {
    let number = || match arg {
        Value::Number(n) => n.as_f64(),
        Value::String(text) => parse_number(text).and_then(|n| n.as_f64()),
        _ => None,
    };
    let integer = || {
        let f = number()?;
        (f.fract() == 0.0 && f.abs() < 9.0e15).then_some(f as i64)
    };
    let signed = |magnitude: String, negative: bool| {
        let sign = if negative {
            "-"
        } else if s.plus {
            "+"
        } else if s.space {
            " "
        } else {
            ""
        };
        format!("{sign}{magnitude}")
    };
    Some(match verb {
        'v' if s.sharp => to_json_lossy(arg).to_string(),
        'v' => match arg {
            Value::String(text) => text.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            other => to_json_lossy(other).to_string(),
        },
        's' => {
            let text = match arg {
                Value::String(text) => text.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => return None,
            };
            match s.precision {
                Some(p) => text.chars().take(p).collect(),
                None => text,
            }
        }
        'q' => match arg {
            Value::String(text) => serde_json::Value::String(text.clone()).to_string(),
            _ => return None,
        },
        't' => match arg {
            Value::Bool(b) => b.to_string(),
            Value::String(text) if text == "true" || text == "false" => text.clone(),
            _ => return None,
        },
        'd' | 'b' | 'o' | 'x' | 'X' => {
            if (verb == 'x' || verb == 'X')
                && let Value::String(text) = arg
                && parse_number(text).is_none()
            {
                let hex: String = text.bytes().map(|b| format!("{b:02x}")).collect();
                return Some(if verb == 'X' { hex.to_uppercase() } else { hex });
            }
            let i = integer()?;
            let magnitude = i.unsigned_abs();
            let digits = match verb {
                'b' => format!("{magnitude:b}"),
                'o' => format!("{magnitude:o}"),
                'x' => format!("{magnitude:x}"),
                'X' => format!("{magnitude:X}"),
                _ => magnitude.to_string(),
            };
            let digits = match s.precision {
                Some(p) if digits.len() < p => format!("{}{digits}", "0".repeat(p - digits.len())),
                _ => digits,
            };
            let prefixed = match (s.sharp, verb) {
                (true, 'x') => format!("0x{digits}"),
                (true, 'X') => format!("0X{digits}"),
                (true, 'o') => format!("0{digits}"),
                _ => digits,
            };
            signed(prefixed, i < 0)
        }
        'f' | 'e' | 'E' | 'g' => {
            let f = number()?;
            let p = s.precision.unwrap_or(6);
            let magnitude = match verb {
                'f' => format!("{:.p$}", f.abs()),
                'g' => match s.precision {
                    Some(p) => format!("{:.p$}", f.abs()),
                    None => flowform_core::Number::from_f64(f.abs())
                        .map_or_else(|| f.abs().to_string(), |n| n.to_string()),
                },
                _ => {
                    // Go writes the exponent with a sign and at least two digits: 1.5e+03.
                    let rust = format!("{:.p$e}", f.abs());
                    let (mantissa, exponent) = rust.split_once('e').unwrap_or((&rust, "0"));
                    let exponent: i32 = exponent.parse().unwrap_or(0);
                    let e = if verb == 'E' { 'E' } else { 'e' };
                    format!(
                        "{mantissa}{e}{}{:02}",
                        if exponent < 0 { '-' } else { '+' },
                        exponent.unsigned_abs()
                    )
                }
            };
            signed(magnitude, f < 0.0)
        }
        _ => return None,
    })
}

/// Pads `text` to the verb's width: spaces on the left, on the right with `-`, or zeros after
/// the sign with `0` for numbers.
fn pad(out: &mut String, text: &str, s: &Spec, numeric: bool) {
    let width = s.width.unwrap_or(0);
    let len = text.chars().count();
    if len >= width {
        out.push_str(text);
        return;
    }
    let fill = width - len;
    if s.minus {
        out.push_str(text);
        out.extend(std::iter::repeat_n(' ', fill));
    } else if s.zero && numeric {
        let (sign, rest) = match text.chars().next() {
            Some(c @ ('-' | '+' | ' ')) => (Some(c), &text[1..]),
            _ => (None, text),
        };
        out.extend(sign);
        out.extend(std::iter::repeat_n('0', fill));
        out.push_str(rest);
    } else {
        out.extend(std::iter::repeat_n(' ', fill));
        out.push_str(text);
    }
}
