//! Input variables: declarations, type constraints, and values from every source.
//!
//! Precedence, lowest first: the declaration's `default`, the environment
//! (`FLOWFORM_VAR_NAME`), `*.auto.vars.hcl` files in lexical order, then `-var` and `-var-file`
//! in command-line order — Terraform's order, so nobody has to learn a new one.

use crate::config::{VarArg, VarSource, Variable, VariableInputs};
use crate::eval::{AllUnknown, Evaluator, FileCache};
use crate::files;
use crate::resources::{BlockExprs, eval_error};
use crate::suggest::did_you_mean;
use flowform_core::{Diagnostic, Diagnostics, Sources, Value};
use hcl::edit::Span;
use hcl::edit::expr::Expression;
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

/// A `variable` block as declared.
#[derive(Debug)]
pub(crate) struct Declaration {
    pub name: String,
    pub ty: Type,
    pub body: BlockExprs,
    pub description: Option<String>,
    pub sensitive: bool,
}

/// A type constraint (`string`, `list(string)`, `object({ a = number })`, ...).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Type {
    Any,
    String,
    Number,
    Bool,
    List(Box<Type>),
    /// Unique elements in a stable (sorted) order, as Terraform's sets.
    Set(Box<Type>),
    Map(Box<Type>),
    Object(BTreeMap<String, Type>),
}

impl Type {
    fn is_primitive(&self) -> bool {
        matches!(self, Type::String | Type::Number | Type::Bool)
    }

    pub fn parse(expr: &Expression) -> Result<Type, String> {
        match expr {
            Expression::Variable(v) => match v.value().as_str() {
                "string" => Ok(Type::String),
                "number" => Ok(Type::Number),
                "bool" => Ok(Type::Bool),
                "any" => Ok(Type::Any),
                other => Err(format!("\"{other}\" is not a type: expected string, number, bool, any, list(T), set(T), map(T) or object({{...}}).")),
            },
            Expression::FuncCall(call) => {
                let name = call.name.name.value().as_str();
                let arg = call.args.iter().next().ok_or_else(|| format!("{name}() needs an element type, such as {name}(string)."))?;
                match name {
                    "list" => Ok(Type::List(Box::new(Type::parse(arg)?))),
                    "set" => Ok(Type::Set(Box::new(Type::parse(arg)?))),
                    "map" => Ok(Type::Map(Box::new(Type::parse(arg)?))),
                    "object" => match arg {
                        Expression::Object(o) => {
                            let mut fields = BTreeMap::new();
                            for (k, v) in o.iter() {
                                let key = match k {
                                    hcl::edit::expr::ObjectKey::Ident(i) => i.value().as_str().to_string(),
                                    hcl::edit::expr::ObjectKey::Expression(e) => e.as_str().map(str::to_string).ok_or("Object type attribute names must be plain names.")?,
                                };
                                fields.insert(key, Type::parse(v.expr())?);
                            }
                            Ok(Type::Object(fields))
                        }
                        _ => Err("object() needs attribute types, such as object({ name = string }).".into()),
                    },
                    other => Err(format!("\"{other}\" is not a type constructor: expected list, set, map or object.")),
                }
            }
            _ => Err("A type constraint is a type keyword (string, number, bool, any) or list(T), set(T), map(T), object({...}).".into()),
        }
    }

    /// Converts a value to this type, as Terraform converts: primitives to each other where
    /// the text allows ("5" → 5, 5 → "5", "true" → true).
    pub fn convert(&self, value: Value) -> Result<Value, String> {
        let (bare, marked) = value.unmark();
        let converted = self.convert_bare(bare)?;
        Ok(if marked {
            Value::sensitive(converted)
        } else {
            converted
        })
    }

    fn convert_bare(&self, value: Value) -> Result<Value, String> {
        match (self, value) {
            (Type::Any, v) | (_, v @ (Value::Null | Value::Unknown)) => Ok(v),
            (Type::String, Value::String(s)) => Ok(Value::String(s)),
            (Type::String, Value::Number(n)) => Ok(Value::String(n.to_string())),
            (Type::String, Value::Bool(b)) => Ok(Value::String(b.to_string())),
            (Type::Number, Value::Number(n)) => Ok(Value::Number(n)),
            (Type::Number, Value::String(s)) => {
                let json: serde_json::Value = serde_json::from_str(s.trim())
                    .map_err(|_| format!("\"{s}\" is not a number."))?;
                match json {
                    serde_json::Value::Number(_) => Ok(Value::from_json(json)),
                    _ => Err(format!("\"{s}\" is not a number.")),
                }
            }
            (Type::Bool, Value::Bool(b)) => Ok(Value::Bool(b)),
            (Type::Bool, Value::String(s)) if s == "true" || s == "false" => {
                Ok(Value::Bool(s == "true"))
            }
            (Type::List(t), Value::List(items)) => Ok(Value::List(
                items
                    .into_iter()
                    .map(|v| t.convert(v))
                    .collect::<Result<_, _>>()?,
            )),
            (Type::Set(t), Value::List(items)) => {
                let mut out: Vec<Value> = Vec::with_capacity(items.len());
                for v in items {
                    let v = t.convert(v)?;
                    if !out.contains(&v) {
                        out.push(v);
                    }
                }
                out.sort_by_cached_key(|v| v.to_json().map(|j| j.to_string()).unwrap_or_default());
                Ok(Value::List(out))
            }
            (Type::Map(t), Value::Object(map)) => Ok(Value::Object(
                map.into_iter()
                    .map(|(k, v)| Ok((k, t.convert(v)?)))
                    .collect::<Result<_, String>>()?,
            )),
            (Type::Object(fields), Value::Object(mut map)) => {
                let mut out = BTreeMap::new();
                for (name, t) in fields {
                    let v = map.remove(name).unwrap_or(Value::Null);
                    out.insert(
                        name.clone(),
                        t.convert(v)
                            .map_err(|e| format!("attribute \"{name}\": {e}"))?,
                    );
                }
                if let Some(extra) = map.keys().next() {
                    return Err(format!(
                        "attribute \"{extra}\" is not part of the object type."
                    ));
                }
                Ok(Value::Object(out))
            }
            (t, v) => Err(format!(
                "a {} cannot be used where {} is required.",
                v.type_name(),
                t.describe()
            )),
        }
    }

    pub(crate) fn describe(&self) -> String {
        match self {
            Type::Any => "any value".into(),
            Type::String => "a string".into(),
            Type::Number => "a number".into(),
            Type::Bool => "a bool".into(),
            Type::List(t) => format!("a list of {}", t.describe().trim_start_matches("a ")),
            Type::Set(t) => format!("a set of {}", t.describe().trim_start_matches("a ")),
            Type::Map(t) => format!("a map of {}", t.describe().trim_start_matches("a ")),
            Type::Object(_) => "an object".into(),
        }
    }
}

/// A candidate value and where it came from, for precedence and error messages.
struct Candidate {
    value: Value,
    source: VarSource,
    range: Option<Range<usize>>,
    file: Option<String>,
}

/// Resolves every declared variable's value. Errors name the variable and the source.
pub(crate) fn resolve(
    dir: &Path,
    declarations: &[Declaration],
    inputs: &VariableInputs,
    sources: &mut Sources,
    diags: &mut Diagnostics,
) -> BTreeMap<String, Variable> {
    let declared = |name: &str| declarations.iter().any(|d| d.name == name);
    let names = || declarations.iter().map(|d| d.name.as_str());
    let mut chosen: BTreeMap<String, Candidate> = BTreeMap::new();
    // Given, but not valid: reported once, and not again as missing.
    let mut invalid: std::collections::BTreeSet<String> = Default::default();

    for (name, text) in &inputs.env {
        if let Some(decl) = declarations.iter().find(|d| &d.name == name) {
            match raw_value(&decl.ty, text) {
                Ok(value) => {
                    chosen.insert(
                        name.clone(),
                        Candidate {
                            value,
                            source: VarSource::Environment,
                            range: None,
                            file: None,
                        },
                    );
                }
                Err(e) => {
                    invalid.insert(name.clone());
                    diags.push(Diagnostic::error("Invalid value for input variable", format!("The environment variable FLOWFORM_VAR_{name} does not hold a valid value: {e}")));
                }
            }
        }
    }
    let mut var_files: Vec<(std::path::PathBuf, bool)> = files::auto_var_files(dir)
        .into_iter()
        .map(|p| (p, false))
        .collect();
    let auto_count = var_files.len();
    for arg in &inputs.args {
        if let VarArg::File(p) = arg {
            var_files.push((p.clone(), true));
        }
    }
    // Auto files first; then -var and -var-file interleaved in command-line order.
    for (path, _) in &var_files[..auto_count] {
        read_var_file(
            path,
            VarSource::File(files::display_name(path)),
            &declared,
            sources,
            diags,
            &mut chosen,
        );
    }
    for arg in &inputs.args {
        match arg {
            VarArg::File(path) => read_var_file(path, VarSource::File(files::display_name(path)), &declared, sources, diags, &mut chosen),
            VarArg::Assign { name, value } => match declarations.iter().find(|d| &d.name == name) {
                Some(decl) => match raw_value(&decl.ty, value) {
                    Ok(v) => {
                        chosen.insert(name.clone(), Candidate { value: v, source: VarSource::CommandLine, range: None, file: None });
                    }
                    Err(e) => {
                        invalid.insert(name.clone());
                        diags.push(Diagnostic::error("Invalid value for input variable", format!("The value given with -var for \"{name}\" is not valid: {e}")));
                    }
                },
                None => diags.push(Diagnostic::error("Value for undeclared variable", format!(
                    "A variable named \"{name}\" was assigned with -var, but the configuration does not declare it.{} Declare it with a variable \"{name}\" block.",
                    did_you_mean(name, names())
                ))),
            },
        }
    }

    let mut out = BTreeMap::new();
    for decl in declarations {
        let candidate = match chosen.remove(&decl.name) {
            Some(c) => Some(c),
            None => decl
                .body
                .attrs
                .iter()
                .find(|a| a.name == "default")
                .and_then(|a| {
                    let v = constant(&a.expr, &decl.body.file, sources, &decl.body.context, diags)?;
                    Some(Candidate {
                        value: v,
                        source: VarSource::Default,
                        range: Some(a.value_span()),
                        file: Some(decl.body.file.clone()),
                    })
                }),
        };
        let candidate = match candidate {
            Some(c) => c,
            // `validate` without secrets: the value is unknown, as in `terraform validate`.
            None if inputs.missing_are_unknown && !invalid.contains(&decl.name) => Candidate {
                value: Value::Unknown,
                source: VarSource::Unset,
                range: None,
                file: None,
            },
            None => {
                if invalid.contains(&decl.name) {
                    continue;
                }
                diags.push(
                Diagnostic::error("No value for required variable", format!(
                    "The input variable \"{0}\" is not set and has no default. Give it a value with -var {0}=VALUE, a -var-file, a *.auto.vars.hcl file, or the environment variable FLOWFORM_VAR_{0}.",
                    decl.name
                ))
                .with_range(sources.range(&decl.body.file, decl.body.header.clone())),
            );
                continue;
            }
        };
        let value = match decl.ty.convert(candidate.value) {
            Ok(v) => v,
            Err(e) => {
                // The conversion error quotes the value; a sensitive one must not be shown.
                let e = if decl.sensitive {
                    format!("the (sensitive) value is not {}.", decl.ty.describe())
                } else {
                    e
                };
                let range = candidate
                    .file
                    .as_ref()
                    .zip(candidate.range.clone())
                    .and_then(|(f, r)| sources.range(f, r));
                diags.push(
                    Diagnostic::error(
                        "Invalid value for input variable",
                        format!("The value for variable \"{}\" is not valid: {e}", decl.name),
                    )
                    .with_range(range),
                );
                continue;
            }
        };
        let value = if decl.sensitive {
            Value::sensitive(value)
        } else {
            value
        };
        if check_validations(decl, &value, sources, diags) {
            out.insert(
                decl.name.clone(),
                Variable {
                    name: decl.name.clone(),
                    description: decl.description.clone(),
                    sensitive: decl.sensitive,
                    value,
                    source: candidate.source,
                },
            );
        }
    }
    out
}

/// A value given as text (-var, environment): taken literally for primitive and untyped
/// variables, parsed as an HCL expression for collection types — Terraform's rule. Errors never
/// repeat the text: it may be a secret.
fn raw_value(ty: &Type, text: &str) -> Result<Value, String> {
    if ty.is_primitive() || *ty == Type::Any {
        return Ok(Value::String(text.to_string()));
    }
    let expr = hcl::edit::parser::parse_expr(text).map_err(|e| {
        format!(
            "it is not a valid expression for {} ({}).",
            ty.describe(),
            e.message()
        )
    })?;
    let (vars, locals, files) = (BTreeMap::new(), BTreeMap::new(), FileCache::default());
    let blocks = BTreeMap::new();
    let ev = Evaluator::new(&vars, &locals, &blocks, &AllUnknown, &files);
    ev.eval(&expr, "<value>").map_err(|_| {
        format!(
            "it is not a constant value of {}: it may not refer to variables, locals or resources.",
            ty.describe()
        )
    })
}

fn read_var_file(
    path: &Path,
    source: VarSource,
    declared: &dyn Fn(&str) -> bool,
    sources: &mut Sources,
    diags: &mut Diagnostics,
    chosen: &mut BTreeMap<String, Candidate>,
) {
    let Some(parsed) = files::parse_file(path, sources, diags) else {
        return;
    };
    for structure in parsed.body.iter() {
        let Some(attr) = structure.as_attribute() else {
            let span = structure
                .as_block()
                .and_then(|b| b.ident.span())
                .unwrap_or(0..0);
            diags.push(
                Diagnostic::error(
                    "Unexpected block in variable file",
                    "A variable file holds only assignments, such as client_id = \"abc\".",
                )
                .with_range(sources.range(&parsed.name, span)),
            );
            continue;
        };
        let name = attr.key.value().as_str();
        let key_span = attr.key.span().unwrap_or(0..0);
        if !declared(name) {
            diags.push(Diagnostic::warning("Value for undeclared variable", format!(
                "The file assigns \"{name}\", but the configuration declares no such variable; the value is ignored."
            )).with_range(sources.range(&parsed.name, key_span)));
            continue;
        }
        if let Some(v) = constant(&attr.value, &parsed.name, sources, "", diags) {
            chosen.insert(
                name.to_string(),
                Candidate {
                    value: v,
                    source: source.clone(),
                    range: attr.value.span(),
                    file: Some(parsed.name.clone()),
                },
            );
        }
    }
}

/// Evaluates an expression that may not refer to anything (defaults, variable files).
fn constant(
    expr: &Expression,
    file: &str,
    sources: &Sources,
    context: &str,
    diags: &mut Diagnostics,
) -> Option<Value> {
    let (vars, locals, files) = (BTreeMap::new(), BTreeMap::new(), FileCache::default());
    let blocks = BTreeMap::new();
    let ev = Evaluator::new(&vars, &locals, &blocks, &AllUnknown, &files);
    match ev.eval(expr, file) {
        Ok(v) => Some(v),
        Err(mut e) => {
            e.detail
                .push_str(" Variable values may not refer to other values.");
            diags.push(eval_error(e, sources, context));
            None
        }
    }
}

/// Runs the declaration's `validation` blocks; false when one fails.
pub(crate) fn check_validations(
    decl: &Declaration,
    value: &Value,
    sources: &Sources,
    diags: &mut Diagnostics,
) -> bool {
    let mut ok = true;
    for (_, _, block) in decl
        .body
        .blocks
        .iter()
        .filter(|(n, _, _)| n == "validation")
    {
        let (Some(condition), message) = (
            block.attrs.iter().find(|a| a.name == "condition"),
            block.attrs.iter().find(|a| a.name == "error_message"),
        ) else {
            diags.push(
                Diagnostic::error(
                    "Missing required argument",
                    "A validation block needs a condition.",
                )
                .with_range(sources.range(&block.file, block.header.clone())),
            );
            ok = false;
            continue;
        };
        let vars = BTreeMap::from([(decl.name.clone(), value.clone())]);
        let (locals, files) = (BTreeMap::new(), FileCache::default());
        let blocks = BTreeMap::new();
        let ev = Evaluator::new(&vars, &locals, &blocks, &AllUnknown, &files);
        let message = match message.and_then(|m| ev.eval(&m.expr, &block.file).ok()) {
            Some(v) if v.contains_sensitive() => {
                "The error message included a sensitive value, so it will not be displayed."
                    .to_string()
            }
            Some(Value::String(s)) => s,
            _ => format!("The value of variable \"{}\" is not valid.", decl.name),
        };
        match ev.eval(&condition.expr, &block.file).map(|v| v.unmark().0) {
            Ok(Value::Bool(true)) | Ok(Value::Unknown) => {}
            Ok(Value::Bool(false)) => {
                ok = false;
                diags.push(
                    Diagnostic::error(
                        "Invalid value for variable",
                        format!(
                            "{message}\n\nThis was checked by the validation rule at {}.",
                            sources
                                .range(&block.file, condition.value_span())
                                .map(|r| format!("{}:{}", r.filename, r.start.line))
                                .unwrap_or_default()
                        ),
                    )
                    .with_range(sources.range(&decl.body.file, decl.body.header.clone())),
                );
            }
            Ok(other) => {
                ok = false;
                diags.push(
                    Diagnostic::error(
                        "Invalid validation condition",
                        format!(
                            "A validation condition must be a bool; this one is a {}.",
                            other.type_name()
                        ),
                    )
                    .with_range(sources.range(&block.file, condition.value_span())),
                );
            }
            Err(e) => {
                ok = false;
                diags.push(eval_error(e, sources, &decl.body.context));
            }
        }
    }
    ok
}

pub(crate) const VARIABLE_ATTRS: &[&str] =
    &["type", "default", "description", "sensitive", "nullable"];

/// Decodes a `variable` block's header attributes (type, description, sensitive).
pub(crate) fn declaration(
    name: String,
    body: BlockExprs,
    sources: &Sources,
    diags: &mut Diagnostics,
) -> Declaration {
    let mut ty = Type::Any;
    let mut description = None;
    let mut sensitive = false;
    for a in &body.attrs {
        match a.name.as_str() {
            "type" => match Type::parse(&a.expr) {
                Ok(t) => ty = t,
                Err(e) => diags.push(
                    Diagnostic::error("Invalid type specification", e)
                        .with_range(sources.range(&body.file, a.value_span())),
                ),
            },
            "description" => description = a.expr.as_str().map(str::to_string),
            "sensitive" => match a.expr.as_bool() {
                Some(b) => sensitive = b,
                None => diags.push(
                    Diagnostic::error(
                        "Invalid sensitive value",
                        "\"sensitive\" must be the literal true or false.",
                    )
                    .with_range(sources.range(&body.file, a.value_span())),
                ),
            },
            "default" | "nullable" => {}
            other => diags.push(
                Diagnostic::error(
                    "Unsupported argument",
                    format!(
                        "An argument named \"{other}\" is not expected in a variable block.{}",
                        did_you_mean(other, VARIABLE_ATTRS.iter().copied())
                    ),
                )
                .with_range(sources.range(&body.file, a.key_span.clone())),
            ),
        }
    }
    for (block_name, span, _) in &body.blocks {
        if block_name != "validation" {
            diags.push(Diagnostic::error("Unsupported block type", format!("Blocks of type \"{block_name}\" are not expected in a variable block; only validation is.")).with_range(sources.range(&body.file, span.clone())));
        }
    }
    Declaration {
        name,
        ty,
        body,
        description,
        sensitive,
    }
}
