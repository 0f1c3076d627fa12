//! `yamldecode`: YAML 1.2 (core schema) into a value, as Terraform's.
//!
//! The value is built from yaml-rust2's parser events with an explicit stack, never by
//! recursion, and within two budgets, so hostile input can neither blow the stack nor the
//! memory: nesting (aliases included) stops at [`MAX_DEPTH`], and every node made, each copy an
//! alias makes included, counts against [`MAX_NODES`] ("billion laughs" stops there).

use super::{Cx, FnError, take};
use flowform_core::{Number, Value};
use std::collections::{BTreeMap, HashMap};
use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// As deep as `jsondecode` goes (serde_json's limit).
const MAX_DEPTH: usize = 128;
const MAX_NODES: usize = 1_000_000;

pub(super) fn call(cx: &Cx<'_, '_>, args: Vec<Value>) -> Result<Value, FnError> {
    let [src] = take::<1>(cx, args)?;
    let src = cx.string(0, &src)?;
    decode(&src).map_err(|e| {
        if cx.sensitive(0) {
            cx.fail("the argument, a sensitive value, is not valid YAML.")
        } else {
            cx.fail(format!("on line {}, column {}: {}.", e.line, e.col, e.msg))
        }
    })
}

#[derive(Debug)]
pub(super) struct YamlError {
    line: usize,
    col: usize,
    msg: String,
}

fn at(mark: &Marker, msg: impl Into<String>) -> YamlError {
    YamlError {
        line: mark.line(),
        col: mark.col() + 1,
        msg: msg.into(),
    }
}

enum Frame {
    Seq {
        items: Vec<Value>,
        anchor: usize,
        depth: usize,
    },
    Map {
        entries: BTreeMap<String, Value>,
        key: Option<Key>,
        anchor: usize,
        depth: usize,
    },
}

/// A mapping key: a name, or `<<`, which merges a mapping (or a list of them) into this one.
enum Key {
    Name(String),
    Merge,
}

/// A finished node: its value, how deep it nests and how many nodes it holds.
struct Node {
    value: Value,
    depth: usize,
    size: usize,
}

pub(super) fn decode(src: &str) -> Result<Value, YamlError> {
    let mut parser = Parser::new_from_str(src);
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, (Value, usize, usize)> = HashMap::new();
    let mut sizes: Vec<usize> = Vec::new();
    let mut nodes = 0usize;
    let mut documents = 0usize;
    let mut result: Option<Value> = None;
    loop {
        let (event, mark) = parser.next_token().map_err(|e| YamlError {
            line: e.marker().line(),
            col: e.marker().col() + 1,
            msg: e.info().to_string(),
        })?;
        let finished = match event {
            Event::StreamEnd => break,
            Event::StreamStart | Event::Nothing | Event::DocumentEnd => None,
            Event::DocumentStart => {
                documents += 1;
                if documents > 1 {
                    return Err(at(&mark, "only a single document is allowed"));
                }
                None
            }
            Event::SequenceStart(anchor, tag) => {
                check_tag(&mark, tag.as_ref(), "seq")?;
                if stack.len() >= MAX_DEPTH {
                    return Err(at(
                        &mark,
                        format!("nested more than {MAX_DEPTH} levels deep"),
                    ));
                }
                stack.push(Frame::Seq {
                    items: Vec::new(),
                    anchor,
                    depth: 0,
                });
                sizes.push(1);
                None
            }
            Event::MappingStart(anchor, tag) => {
                check_tag(&mark, tag.as_ref(), "map")?;
                if stack.len() >= MAX_DEPTH {
                    return Err(at(
                        &mark,
                        format!("nested more than {MAX_DEPTH} levels deep"),
                    ));
                }
                stack.push(Frame::Map {
                    entries: BTreeMap::new(),
                    key: None,
                    anchor,
                    depth: 0,
                });
                sizes.push(1);
                None
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let size = sizes.pop().unwrap_or(1);
                let (value, anchor, depth) = match stack.pop() {
                    Some(Frame::Seq {
                        items,
                        anchor,
                        depth,
                    }) => (Value::List(items), anchor, depth),
                    Some(Frame::Map {
                        entries,
                        key,
                        anchor,
                        depth,
                    }) => {
                        if key.is_some() {
                            return Err(at(&mark, "a mapping key has no value"));
                        }
                        (Value::Object(entries), anchor, depth)
                    }
                    None => return Err(at(&mark, "unbalanced collection end")),
                };
                nodes += 1;
                let node = Node {
                    value,
                    depth: depth + 1,
                    size,
                };
                if anchor > 0 {
                    anchors.insert(anchor, (node.value.clone(), node.depth, node.size));
                }
                Some(node)
            }
            Event::Scalar(text, style, anchor, tag) => {
                let value = scalar(&mark, text, style, tag.as_ref())?;
                nodes += 1;
                if anchor > 0 {
                    anchors.insert(anchor, (value.clone(), 0, 1));
                }
                Some(Node {
                    value,
                    depth: 0,
                    size: 1,
                })
            }
            Event::Alias(id) => {
                let Some((value, depth, size)) = anchors.get(&id) else {
                    return Err(at(&mark, "an alias refers to an unknown anchor"));
                };
                if stack.len() + depth > MAX_DEPTH {
                    return Err(at(
                        &mark,
                        format!("nested more than {MAX_DEPTH} levels deep"),
                    ));
                }
                nodes = nodes.saturating_add(*size);
                if nodes > MAX_NODES {
                    return Err(at(
                        &mark,
                        format!("the document expands to more than {MAX_NODES} values"),
                    ));
                }
                Some(Node {
                    value: value.clone(),
                    depth: *depth,
                    size: *size,
                })
            }
        };
        if nodes > MAX_NODES {
            return Err(at(
                &mark,
                format!("the document expands to more than {MAX_NODES} values"),
            ));
        }
        let Some(node) = finished else {
            continue;
        };
        if let Some(size) = sizes.last_mut() {
            *size = size.saturating_add(node.size);
        }
        match stack.last_mut() {
            None => result = Some(node.value),
            Some(Frame::Seq { items, depth, .. }) => {
                *depth = (*depth).max(node.depth);
                items.push(node.value);
            }
            Some(Frame::Map {
                entries,
                key,
                depth,
                ..
            }) => match key.take() {
                None => {
                    *key = Some(match node.value {
                        Value::String(s) if s == "<<" => Key::Merge,
                        Value::String(s) => Key::Name(s),
                        Value::Number(n) => Key::Name(n.to_string()),
                        Value::Bool(b) => Key::Name(b.to_string()),
                        Value::Null => return Err(at(&mark, "mapping key cannot be null")),
                        _ => return Err(at(&mark, "only strings are allowed as mapping keys")),
                    });
                }
                // As Terraform's decoder: a later key replaces an earlier one.
                Some(Key::Name(k)) => {
                    *depth = (*depth).max(node.depth);
                    entries.insert(k, node.value);
                }
                Some(Key::Merge) => {
                    *depth = (*depth).max(node.depth.saturating_sub(1));
                    let maps = match node.value {
                        Value::Object(map) => vec![map],
                        Value::List(items) => {
                            let mut maps = Vec::with_capacity(items.len());
                            for item in items {
                                match item {
                                    Value::Object(map) => maps.push(map),
                                    other => {
                                        return Err(at(
                                            &mark,
                                            format!(
                                                "cannot merge {} (from sequence) into mapping",
                                                other.type_name()
                                            ),
                                        ));
                                    }
                                }
                            }
                            maps
                        }
                        other => {
                            return Err(at(
                                &mark,
                                format!("cannot merge {} into mapping", other.type_name()),
                            ));
                        }
                    };
                    for map in maps {
                        entries.extend(map);
                    }
                }
            },
        }
    }
    Ok(result.unwrap_or(Value::Null))
}

fn is_core(tag: &Tag) -> bool {
    tag.handle == "tag:yaml.org,2002:" || tag.handle == "!!"
}

fn check_tag(mark: &Marker, tag: Option<&Tag>, expected: &str) -> Result<(), YamlError> {
    match tag {
        None => Ok(()),
        Some(t) if is_core(t) && t.suffix == expected => Ok(()),
        Some(t) => Err(at(
            mark,
            format!("unsupported tag \"{}{}\"", t.handle, t.suffix),
        )),
    }
}

/// A scalar resolved by the YAML 1.2 core schema; a quoted or block scalar is a string.
fn scalar(
    mark: &Marker,
    text: String,
    style: TScalarStyle,
    tag: Option<&Tag>,
) -> Result<Value, YamlError> {
    let invalid = |what: &str| at(mark, format!("cannot parse \"{text}\" as {what}"));
    if let Some(t) = tag {
        if t.handle.is_empty() && t.suffix == "!" {
            return Ok(Value::String(text)); // the non-specific tag: a string
        }
        if !is_core(t) {
            return Err(at(
                mark,
                format!("unsupported tag \"{}{}\"", t.handle, t.suffix),
            ));
        }
        return match t.suffix.as_str() {
            "str" => Ok(Value::String(text)),
            "null" => Ok(Value::Null),
            "bool" => match resolve_plain(&text) {
                Some(Value::Bool(b)) => Ok(Value::Bool(b)),
                _ => Err(invalid("a bool")),
            },
            "int" | "float" => match resolve_plain(&text) {
                Some(Value::Number(n)) => Ok(Value::Number(n)),
                _ => Err(invalid("a number")),
            },
            other => Err(at(mark, format!("unsupported tag \"!!{other}\""))),
        };
    }
    if style != TScalarStyle::Plain {
        return Ok(Value::String(text));
    }
    if matches!(
        text.as_str(),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "-.inf" | ".nan" | ".NaN"
    ) || matches!(
        text.as_str(),
        "+.Inf" | "+.INF" | "-.Inf" | "-.INF" | ".NAN"
    ) {
        return Err(at(mark, "infinity and NaN cannot be represented"));
    }
    Ok(resolve_plain(&text).unwrap_or(Value::String(text)))
}

fn resolve_plain(text: &str) -> Option<Value> {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Some(Value::Null),
        "true" | "True" | "TRUE" => return Some(Value::Bool(true)),
        "false" | "False" | "FALSE" => return Some(Value::Bool(false)),
        _ => {}
    }
    let int = |digits: &str, radix: u32| {
        (!digits.is_empty())
            .then(|| i64::from_str_radix(digits, radix).ok())
            .flatten()
            .map(|i| Value::Number(Number::from(i)))
    };
    if let Some(hex) = text.strip_prefix("0x") {
        return int(hex, 16);
    }
    if let Some(oct) = text.strip_prefix("0o") {
        return int(oct, 8);
    }
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    if !body.is_empty()
        && body.chars().all(|c| c.is_ascii_digit())
        && let Ok(i) = text.parse::<i64>()
    {
        return Some(Value::Number(Number::from(i)));
    }
    let float_like = body
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_digit() || c == '.')
        && body.chars().any(|c| c.is_ascii_digit())
        && body
            .chars()
            .all(|c| c.is_ascii_digit() || ".eE+-".contains(c));
    if float_like
        && let Ok(f) = text.parse::<f64>()
        && f.is_finite()
    {
        return Number::from_f64(f).map(Value::Number);
    }
    None
}
