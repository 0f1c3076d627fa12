//! `file` and `templatefile`. Both read through the evaluator's [`FileCache`](super::super::FileCache):
//! files are read while the configuration loads, and the cache is frozen afterwards, so the
//! planner and applier never touch the disk.
//!
//! A template sees only the variables it is given, as in Terraform: no `var.`, `local.`,
//! resources or `each`. It may use `%{if}` and `%{for}` directives and `~` to strip
//! whitespace, and call functions other than `templatefile` itself. The same renderer serves
//! the configuration's own strings and heredocs that use directives.

use super::{Cx, FnError, take};
use crate::eval::{AllUnknown, EvalError, Evaluator, Scope, err};
use flowform_core::Value;
use hcl::edit::Span;
use hcl::edit::template::{Directive, Element, Template};
use std::cell::Cell;
use std::collections::BTreeMap;

thread_local! {
    /// Set while a template renders: a template calling templatefile is refused, as Terraform
    /// refuses it (it would recurse without end on a template that includes itself).
    static RENDERING: Cell<bool> = const { Cell::new(false) };
}

pub(super) fn call(cx: &Cx<'_, '_>, args: Vec<Value>) -> Result<Value, FnError> {
    if cx.name() == "file" {
        let [path] = take::<1>(cx, args)?;
        let path = cx.string(0, &path)?;
        return read(cx, &path).map(Value::String);
    }
    let [path, vars] = take::<2>(cx, args)?;
    let path = cx.string(0, &path)?;
    let vars = cx.object(1, vars)?;
    for name in vars.keys() {
        if !is_identifier(name) {
            return Err(cx.bad(
                1,
                format!(
                    "invalid template variable name {}: must start with a letter, followed by zero or more letters, digits, and underscores.",
                    cx.shown(1, name)
                ),
            ));
        }
    }
    if RENDERING.with(Cell::get) {
        return Err(
            cx.fail("cannot recursively call templatefile from inside another template function.")
        );
    }
    let text = read(cx, &path)?;
    let template = hcl::edit::parser::parse_template(&text).map_err(|e| {
        cx.bad(
            0,
            format!(
                "the template {} is not valid: line {}, column {}: {}.",
                cx.shown(0, &path),
                e.location().line(),
                e.location().column(),
                e.message()
            ),
        )
    })?;
    RENDERING.with(|r| r.set(true));
    let rendered = render_file(cx, &template, &path, vars);
    RENDERING.with(|r| r.set(false));
    rendered.map_err(|e| {
        let (line, column) = line_col(&text, e.span.start);
        cx.bad(
            0,
            format!(
                "error in the template {} on line {line}, column {column}: {}: {}",
                cx.shown(0, &path),
                e.summary,
                e.detail
            ),
        )
    })
}

fn read(cx: &Cx<'_, '_>, path: &str) -> Result<String, FnError> {
    cx.ev.files.read(path).map_err(|e| {
        if cx.sensitive(0) {
            cx.bad(0, "the file named by a sensitive value cannot be read.")
        } else {
            cx.bad(0, e)
        }
    })
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..text.floor_char_boundary(offset.min(text.len()))];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Renders a template with the variables as its only scope.
fn render_file(
    cx: &Cx<'_, '_>,
    template: &Template,
    path: &str,
    vars: BTreeMap<String, Value>,
) -> Result<Value, EvalError> {
    let (no_vars, no_locals, no_blocks) = (BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
    let mut ev = Evaluator::new(&no_vars, &no_locals, &no_blocks, &AllUnknown, cx.ev.files);
    ev.lint = cx.ev.lint;
    let mut template = template.clone();
    strip_whitespace(&mut template);
    let mut scope: Scope = vars.into_iter().collect();
    render(&ev, &template, path, &mut scope)
}

/// Renders a template: literals, interpolations and `%{if}`/`%{for}` directives. An unknown
/// interpolation makes the whole string unknown; a sensitive one marks it.
pub(super) fn render(
    ev: &Evaluator<'_>,
    template: &Template,
    file: &str,
    scope: &mut Scope,
) -> Result<Value, EvalError> {
    let mut out = String::new();
    let mut unknown = false;
    let mut marked = false;
    render_into(
        ev,
        template,
        file,
        scope,
        &mut out,
        &mut unknown,
        &mut marked,
    )?;
    let v = if unknown {
        Value::Unknown
    } else {
        Value::String(out)
    };
    Ok(if marked { Value::sensitive(v) } else { v })
}

fn render_into(
    ev: &Evaluator<'_>,
    template: &Template,
    file: &str,
    scope: &mut Scope,
    out: &mut String,
    unknown: &mut bool,
    marked: &mut bool,
) -> Result<(), EvalError> {
    for element in template.iter() {
        match element {
            Element::Literal(s) => out.push_str(s.value()),
            Element::Interpolation(i) => {
                let (v, m) = ev.eval_in(&i.expr, file, scope)?.unmark();
                *marked |= m;
                match v {
                    Value::String(s) => out.push_str(&s),
                    Value::Number(n) => out.push_str(&n.to_string()),
                    Value::Bool(b) => out.push_str(&b.to_string()),
                    Value::Unknown => *unknown = true,
                    other => {
                        return Err(err(
                            file,
                            i.expr.span().unwrap_or(0..0),
                            "Invalid template interpolation value",
                            format!(
                                "Cannot include a {} in a string template; only strings, numbers and bools can be interpolated. Use jsonencode() for structured values.",
                                other.type_name()
                            ),
                        ));
                    }
                }
            }
            Element::Directive(d) => match d.as_ref() {
                Directive::If(d) => {
                    let cond_expr = &d.if_expr.cond_expr;
                    let (cond, m) = ev.eval_in(cond_expr, file, scope)?.unmark();
                    *marked |= m;
                    match cond {
                        Value::Bool(true) => {
                            render_into(ev, &d.if_expr.template, file, scope, out, unknown, marked)?
                        }
                        Value::Bool(false) => {
                            if let Some(e) = &d.else_expr {
                                render_into(ev, &e.template, file, scope, out, unknown, marked)?;
                            }
                        }
                        Value::Unknown => *unknown = true,
                        other => {
                            return Err(err(
                                file,
                                cond_expr.span().unwrap_or(0..0),
                                "Invalid if condition",
                                format!(
                                    "The condition of an %{{if}} directive must be a bool; this one is a {}.",
                                    other.type_name()
                                ),
                            ));
                        }
                    }
                }
                Directive::For(d) => {
                    let f = &d.for_expr;
                    let (collection, m) = ev.eval_in(&f.collection_expr, file, scope)?.unmark();
                    *marked |= m;
                    let pairs: Vec<(Value, Value)> = match collection {
                        Value::List(items) => items
                            .into_iter()
                            .enumerate()
                            .map(|(i, v)| (Value::Number(u64::try_from(i).unwrap_or(0).into()), v))
                            .collect(),
                        Value::Object(map) => map
                            .into_iter()
                            .map(|(k, v)| (Value::String(k), v))
                            .collect(),
                        Value::Unknown => {
                            *unknown = true;
                            continue;
                        }
                        other => {
                            return Err(err(
                                file,
                                f.collection_expr.span().unwrap_or(0..0),
                                "Iteration over non-iterable value",
                                format!(
                                    "A %{{for}} directive needs a list or an object; this is a {}.",
                                    other.type_name()
                                ),
                            ));
                        }
                    };
                    let depth = scope.len();
                    for (k, v) in pairs {
                        if let Some(key_var) = &f.key_var {
                            scope.push((key_var.value().as_str().to_string(), k));
                        }
                        scope.push((f.value_var.value().as_str().to_string(), v));
                        let step = render_into(ev, &f.template, file, scope, out, unknown, marked);
                        scope.truncate(depth);
                        step?;
                    }
                }
            },
        }
    }
    Ok(())
}

/// Applies the `~` strip markers: each removes the whitespace of the literal next to it, on
/// the side it is written.
pub(super) fn strip_whitespace(template: &mut Template) {
    let n = template.len();
    for i in 0..n {
        let (before, after) = match template.get_mut(i) {
            Some(Element::Interpolation(interp)) => {
                (interp.strip.strip_start(), interp.strip.strip_end())
            }
            Some(Element::Directive(d)) => match d.as_mut() {
                Directive::If(d) => {
                    let if_strip = d.if_expr.strip;
                    let endif_strip = d.endif_expr.strip;
                    let else_strip = d.else_expr.as_ref().map(|e| e.strip);
                    strip_whitespace(&mut d.if_expr.template);
                    if if_strip.strip_end() {
                        trim_first(&mut d.if_expr.template);
                    }
                    match (&mut d.else_expr, else_strip) {
                        (Some(e), Some(else_strip)) => {
                            strip_whitespace(&mut e.template);
                            if else_strip.strip_start() {
                                trim_last(&mut d.if_expr.template);
                            }
                            if else_strip.strip_end() {
                                trim_first(&mut e.template);
                            }
                            if endif_strip.strip_start() {
                                trim_last(&mut e.template);
                            }
                        }
                        _ => {
                            if endif_strip.strip_start() {
                                trim_last(&mut d.if_expr.template);
                            }
                        }
                    }
                    (if_strip.strip_start(), endif_strip.strip_end())
                }
                Directive::For(d) => {
                    let for_strip = d.for_expr.strip;
                    let endfor_strip = d.endfor_expr.strip;
                    strip_whitespace(&mut d.for_expr.template);
                    if for_strip.strip_end() {
                        trim_first(&mut d.for_expr.template);
                    }
                    if endfor_strip.strip_start() {
                        trim_last(&mut d.for_expr.template);
                    }
                    (for_strip.strip_start(), endfor_strip.strip_end())
                }
            },
            _ => continue,
        };
        if before
            && i > 0
            && let Some(Element::Literal(s)) = template.get_mut(i - 1)
        {
            let trimmed = s.value().trim_end().to_string();
            *s.value_mut() = trimmed;
        }
        if after && let Some(Element::Literal(s)) = template.get_mut(i + 1) {
            let trimmed = s.value().trim_start().to_string();
            *s.value_mut() = trimmed;
        }
    }
}

fn trim_first(template: &mut Template) {
    if let Some(Element::Literal(s)) = template.get_mut(0) {
        let trimmed = s.value().trim_start().to_string();
        *s.value_mut() = trimmed;
    }
}

fn trim_last(template: &mut Template) {
    let n = template.len();
    if let Some(Element::Literal(s)) = n.checked_sub(1).and_then(|i| template.get_mut(i)) {
        let trimmed = s.value().trim_end().to_string();
        *s.value_mut() = trimmed;
    }
}
