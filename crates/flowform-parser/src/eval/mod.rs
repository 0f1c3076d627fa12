//! Evaluation of HCL expressions into [`Value`]s.
//!
//! hcl-rs has an evaluator, but it has no notion of a value that is unknown until apply, no
//! sensitivity marks, and its errors carry no source position. flowform needs all three: a plan
//! shows `(known after apply)`, a sensitive variable must stay hidden through `jsonencode`, and
//! every error must point at the expression that caused it. So this module walks hcl-edit's
//! syntax tree (which keeps byte spans) itself.
//!
//! Evaluation is pure: `file()` reads through a cache that is filled while the configuration is
//! loaded and frozen afterwards, so the planner and applier never touch the disk through it.

mod functions;
mod iterator;
mod locals;
mod ops;

use crate::instances::Expansion;
use crate::modules::ModuleInstance;
use flowform_core::{Address, InstanceKey, ResourceKind, Value, module_path_string};
use hcl::edit::Span;
use hcl::edit::expr::{Expression, ObjectKey, TraversalOperator};
use hcl::edit::template::{Element, Template};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// An evaluation error: where, a one-line summary and a detail.
#[derive(Debug, Clone)]
pub struct EvalError {
    pub file: String,
    pub span: Range<usize>,
    pub summary: String,
    pub detail: String,
}

/// What references to other resources evaluate to. At load time every computed attribute is
/// unknown; the planner answers from the state and the plan; the applier from what it applied.
pub trait Exports {
    fn export(&self, address: &Address, attribute: &str) -> Value;
}

/// Answers every reference with an unknown value (used to validate before anything is known).
pub struct AllUnknown;

impl Exports for AllUnknown {
    fn export(&self, _: &Address, _: &str) -> Value {
        Value::Unknown
    }
}

/// A local value's expression and the file it is in.
#[derive(Debug, Clone)]
pub struct LocalExpr {
    pub file: String,
    pub expr: Expression,
    pub span: Range<usize>,
}

/// Files read by `file()`, keyed by the path as resolved. Filled at load time only; behind a
/// lock because a loaded configuration is shared by the applier's concurrent tasks.
#[derive(Debug, Default)]
pub struct FileCache {
    base: PathBuf,
    files: std::sync::Mutex<BTreeMap<PathBuf, Result<String, String>>>,
    frozen: std::sync::atomic::AtomicBool,
}

impl FileCache {
    pub fn new(base: &Path) -> Self {
        FileCache {
            base: base.to_path_buf(),
            ..FileCache::default()
        }
    }

    /// After this, `file()` answers only from what was read so far.
    pub fn freeze(&self) {
        self.frozen.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    fn read(&self, path: &str) -> Result<String, String> {
        let resolved = self.base.join(path);
        let mut files = self.files.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(found) = files.get(&resolved) {
            return found.clone();
        }
        if self.frozen.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(format!(
                "the file \"{path}\" was not read when the configuration was loaded: the path given to file() must be known before apply"
            ));
        }
        let result = crate::bounded_read::read_text(&resolved)
            .map_err(|e| format!("Reading \"{}\" failed: {e}.", resolved.display()));
        files.insert(resolved, result.clone());
        result
    }
}

/// Everything an expression can refer to.
pub struct Evaluator<'a> {
    pub vars: &'a BTreeMap<String, Value>,
    pub locals: &'a BTreeMap<String, LocalExpr>,
    /// The resources declared in the configuration (references to others are errors), by
    /// address without instance key, and how each expands into instances.
    pub blocks: &'a BTreeMap<Address, Expansion>,
    /// The declared data sources (`data.secret.app`), with their attributes once read (an
    /// attribute not there is unknown).
    pub data: &'a crate::data::DataValues,
    /// How each data block with `count` or `for_each` expanded, by its address.
    pub data_blocks: &'a BTreeMap<String, Expansion>,
    pub exports: &'a dyn Exports,
    pub files: &'a FileCache,
    /// Validation mode: `jsonencode` writes unknown parts as a placeholder string instead of
    /// making the whole document unknown, so policies can be checked before apply.
    pub lint: bool,
    /// Every module instance (empty without modules; index 0 is the root module, whose
    /// variables and locals are `vars` and `locals`).
    pub modules: &'a [ModuleInstance],
    /// The module instance whose expressions are being evaluated.
    current: std::cell::Cell<usize>,
    /// `validate` without values for required variables: those are unknown, so settings that
    /// must be known before apply (provider, data source arguments) may be unknown too.
    pub unset_variables: bool,
    memo: RefCell<HashMap<(usize, MemoKey), Memo>>,
    /// `count` and `each` of the resource instance being evaluated. Local values never see
    /// them (a local is one value for the whole configuration): while one is evaluated,
    /// `in_local` is above zero.
    instance: RefCell<Scope>,
    in_local: std::cell::Cell<usize>,
}

static NO_DATA: crate::data::DataValues = BTreeMap::new();
static NO_DATA_BLOCKS: BTreeMap<String, Expansion> = BTreeMap::new();

/// A local value being evaluated (a reference back to it is a cycle), or its outcome.
enum Memo {
    InProgress,
    Done(Result<Value, EvalError>),
}

pub(crate) type Scope = Vec<(String, Value)>;

/// What a memo entry holds, per module instance: a local, a module variable, or an output of
/// that module instance.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum MemoKey {
    Local(String),
    Var(String),
    Output(String),
}

/// Where the workspace's name travels among the variables' values: a key no variable can
/// have, read only by `flowform.workspace`.
pub(crate) const WORKSPACE_KEY: &str = "\0flowform.workspace";

impl<'a> Evaluator<'a> {
    pub fn new(
        vars: &'a BTreeMap<String, Value>,
        locals: &'a BTreeMap<String, LocalExpr>,
        blocks: &'a BTreeMap<Address, Expansion>,
        exports: &'a dyn Exports,
        files: &'a FileCache,
    ) -> Self {
        Evaluator {
            vars,
            locals,
            blocks,
            data: &NO_DATA,
            data_blocks: &NO_DATA_BLOCKS,
            exports,
            files,
            lint: false,
            modules: &[],
            current: std::cell::Cell::new(0),
            unset_variables: false,
            memo: RefCell::new(HashMap::new()),
            instance: RefCell::new(Vec::new()),
            in_local: std::cell::Cell::new(0),
        }
    }

    /// Evaluates what follows as the resource instance with these `count`/`each` values
    /// (empty for a resource without `count` or `for_each`).
    pub(crate) fn set_instance(&self, scope: Scope) {
        *self.instance.borrow_mut() = scope;
    }

    /// Evaluates what follows in module instance `module` (0: the root module).
    pub(crate) fn set_module(&self, module: usize) {
        self.current.set(module);
    }

    /// The module instance being evaluated, when it is not the root module.
    fn module(&self) -> Option<&'a ModuleInstance> {
        match self.current.get() {
            0 => None,
            i => self.modules.get(i),
        }
    }

    /// The locals of the module instance being evaluated.
    fn current_locals(&self) -> &'a BTreeMap<String, LocalExpr> {
        match self.module() {
            Some(m) => &m.source.locals,
            None => self.locals,
        }
    }

    /// The module path that resource and data addresses written here are relative to.
    fn path(&self) -> &'a flowform_core::ModulePath {
        static ROOT: flowform_core::ModulePath = flowform_core::ModulePath::root();
        self.module().map_or(&ROOT, |m| &m.path)
    }

    /// Runs `f` in another module instance with `instance` as its `count`/`each`, then comes
    /// back: a module's input is evaluated where the call is, an output where it is declared.
    fn in_module<R>(&self, module: usize, instance: Scope, f: impl FnOnce() -> R) -> R {
        let saved_module = self.current.replace(module);
        let saved_instance = self.instance.replace(instance);
        let saved_in_local = self.in_local.replace(0);
        let out = f();
        self.current.set(saved_module);
        *self.instance.borrow_mut() = saved_instance;
        self.in_local.set(saved_in_local);
        out
    }

    /// A name bound by a `for` expression, else by the resource instance.
    fn bound(&self, scope: &Scope, name: &str) -> Option<Value> {
        if let Some((_, v)) = scope.iter().rev().find(|(n, _)| n == name) {
            return Some(v.clone());
        }
        if self.in_local.get() > 0 {
            return None;
        }
        self.instance
            .borrow()
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    }

    /// Evaluates one expression of `file`.
    pub fn eval(&self, expr: &Expression, file: &str) -> Result<Value, EvalError> {
        self.eval_in(expr, file, &mut Vec::new())
    }

    /// The value of `local.NAME`. Locals reference each other; a cycle among them is reported
    /// by the loader before evaluation, and guarded here too. What the local depends on is
    /// evaluated first, in order and without recursion (see `locals.rs`), so a long chain of
    /// locals cannot overflow the stack.
    fn local(&self, name: &str, file: &str, span: Range<usize>) -> Result<Value, EvalError> {
        let module = self.current.get();
        let locals = self.current_locals();
        let key = |n: &str| (module, MemoKey::Local(n.to_string()));
        if !self.memo.borrow().contains_key(&key(name)) {
            let order = locals::dependencies_first(locals, name, |n| {
                self.memo.borrow().contains_key(&key(n))
            });
            for dependency in order.into_iter().filter(|d| *d != name) {
                if let Some(local) = locals.get(dependency) {
                    // An error is kept in the memo and surfaces where the local is used.
                    let _ = self.local_once(dependency, &local.file, local.span.clone());
                }
            }
        }
        self.local_once(name, file, span)
    }

    /// Evaluates one local (once: the outcome is kept), its references evaluated on demand.
    fn local_once(&self, name: &str, file: &str, span: Range<usize>) -> Result<Value, EvalError> {
        let key = (self.current.get(), MemoKey::Local(name.to_string()));
        match self.memo.borrow().get(&key) {
            Some(Memo::Done(outcome)) => return outcome.clone(),
            Some(Memo::InProgress) => {
                return Err(EvalError {
                    file: file.to_string(),
                    span,
                    summary: "Cycle in local values".into(),
                    detail: format!(
                        "local.{name} refers to itself, directly or through other locals."
                    ),
                });
            }
            None => {}
        }
        let locals = self.current_locals();
        let Some(local) = locals.get(name) else {
            return Err(err(
                file,
                span,
                "Reference to undeclared local value",
                format!(
                    "A local value named \"{name}\" has not been declared in a locals block.{}",
                    crate::suggest::did_you_mean(name, locals.keys().map(String::as_str))
                ),
            ));
        };
        self.memo.borrow_mut().insert(key.clone(), Memo::InProgress);
        self.in_local.set(self.in_local.get() + 1);
        let outcome = self.eval(&local.expr, &local.file);
        self.in_local.set(self.in_local.get() - 1);
        self.memo
            .borrow_mut()
            .insert(key, Memo::Done(outcome.clone()));
        outcome
    }

    /// Evaluates `compute` once per evaluator for `key` in module instance `module`; a
    /// reference back to it while it is computed is a cycle.
    fn memoized(
        &self,
        module: usize,
        key: MemoKey,
        file: &str,
        span: &Range<usize>,
        compute: impl FnOnce() -> Result<Value, EvalError>,
    ) -> Result<Value, EvalError> {
        let key = (module, key);
        match self.memo.borrow().get(&key) {
            Some(Memo::Done(outcome)) => return outcome.clone(),
            Some(Memo::InProgress) => {
                let what = match &key.1 {
                    MemoKey::Local(n) => format!("local.{n}"),
                    MemoKey::Var(n) => format!("var.{n}"),
                    MemoKey::Output(n) => format!("output \"{n}\""),
                };
                return Err(err(
                    file,
                    span.clone(),
                    "Cycle in module values",
                    format!(
                        "{what} of {} refers to itself, through module inputs and outputs.",
                        self.modules
                            .get(module)
                            .map(|m| module_path_string(&m.path))
                            .unwrap_or_default()
                    ),
                ));
            }
            None => {}
        }
        self.memo.borrow_mut().insert(key.clone(), Memo::InProgress);
        let outcome = compute();
        self.memo
            .borrow_mut()
            .insert(key, Memo::Done(outcome.clone()));
        outcome
    }

    /// `var.NAME` inside a module instance: the call's argument, evaluated where the call is,
    /// converted to the variable's type; else the variable's default.
    fn module_var(
        &self,
        module: &'a ModuleInstance,
        name: &str,
        file: &str,
        span: &Range<usize>,
    ) -> Result<Value, EvalError> {
        let Some(decl) = module.source.variables.iter().find(|d| d.name == name) else {
            return Err(err(
                file,
                span.clone(),
                "Reference to undeclared input variable",
                format!(
                    "An input variable named \"{name}\" has not been declared in this module.{}",
                    crate::suggest::did_you_mean(
                        name,
                        module.source.variables.iter().map(|d| d.name.as_str())
                    )
                ),
            ));
        };
        let index = self.current.get();
        self.memoized(index, MemoKey::Var(name.to_string()), file, span, || {
            let (raw, at) = match module.inputs.get(name) {
                Some(input) => {
                    let scope = self.call_scope_now(module);
                    (
                        self.in_module(module.parent, scope, || {
                            self.eval(&input.expr, &input.file)
                        })?,
                        Some(input),
                    )
                }
                None => match decl.body.attrs.iter().find(|a| a.name == "default") {
                    Some(default) => (
                        self.in_module(index, Vec::new(), || {
                            self.eval(&default.expr, &decl.body.file)
                        })?,
                        None,
                    ),
                    // Reported when the configuration loads.
                    None => (Value::Unknown, None),
                },
            };
            let (raw, marked) = raw.unmark();
            if !raw.is_known() {
                return Ok(raw);
            }
            let value = decl.ty.convert(raw).map_err(|e| {
                let e = if decl.sensitive || marked {
                    format!("the (sensitive) value is not {}.", decl.ty.describe())
                } else {
                    e
                };
                let (file, span) = match at {
                    Some(input) => (input.file.as_str(), input.span.clone()),
                    None => (decl.body.file.as_str(), decl.body.header.clone()),
                };
                err(
                    file,
                    span,
                    "Invalid value for module argument",
                    format!(
                        "The value for variable \"{name}\" of {} is not valid: {e}",
                        module_path_string(&module.path)
                    ),
                )
            })?;
            Ok(if decl.sensitive || marked {
                Value::sensitive(value)
            } else {
                value
            })
        })
    }

    /// `var.NAME` of the module instance being evaluated (it must not be the root module).
    pub(crate) fn module_variable(&self, name: &str) -> Result<Value, EvalError> {
        let Some(module) = self.module() else {
            return Ok(Value::Unknown);
        };
        let (file, span) = match module.inputs.get(name) {
            Some(input) => (input.file.clone(), input.span.clone()),
            None => (String::new(), 0..0),
        };
        self.module_var(module, name, &file, &span)
    }

    /// The `each`/`count` a module instance's arguments see. Its `each.value` may have been
    /// unknown when the configuration loaded (the call's `for_each` map refers to a resource);
    /// the map is then evaluated again with what is known now. The keys stay as they were.
    fn call_scope_now(&self, module: &ModuleInstance) -> Scope {
        let unknown_value = module.call_scope.iter().any(|(name, v)| {
            name == "each"
                && matches!(v, Value::Object(m) if m.get("value").is_some_and(|v| !v.is_known()))
        });
        let key = match module.path.last().and_then(|s| s.key.as_ref()) {
            Some(InstanceKey::Str(k)) if unknown_value => k,
            _ => return module.call_scope.clone(),
        };
        let Some(for_each) = &module.for_each else {
            return module.call_scope.clone();
        };
        let now = self.in_module(module.parent, Vec::new(), || {
            self.eval(&for_each.expr, &for_each.file)
        });
        let value = match now.map(Value::unmark) {
            Ok((Value::Object(map), marked)) => {
                let v = map.get(key).cloned().unwrap_or(Value::Unknown);
                if marked { Value::sensitive(v) } else { v }
            }
            _ => Value::Unknown,
        };
        vec![(
            "each".to_string(),
            Value::Object(BTreeMap::from([
                ("key".to_string(), Value::String(key.clone())),
                ("value".to_string(), value),
            ])),
        )]
    }

    /// An output of a child module instance, evaluated where it is declared.
    fn module_output(
        &self,
        child: usize,
        name: &str,
        file: &str,
        span: &Range<usize>,
    ) -> Result<Value, EvalError> {
        let Some(module) = self.modules.get(child) else {
            return Ok(Value::Unknown);
        };
        let Some(output) = module.source.output(name) else {
            return Err(err(
                file,
                span.clone(),
                "Unsupported attribute",
                format!(
                    "{} has no output named \"{name}\".{}",
                    module_path_string(&module.path),
                    crate::suggest::did_you_mean(name, module.source.output_names())
                ),
            ));
        };
        self.memoized(child, MemoKey::Output(name.to_string()), file, span, || {
            let Some(expr) = &output.value else {
                return Ok(Value::Unknown);
            };
            let v = self.in_module(child, Vec::new(), || self.eval(expr, output.file))?;
            Ok(if output.sensitive {
                Value::sensitive(v)
            } else {
                v
            })
        })
    }

    /// Every output of a child module instance, as an object.
    fn module_object(
        &self,
        child: usize,
        file: &str,
        span: &Range<usize>,
    ) -> Result<Value, EvalError> {
        let Some(module) = self.modules.get(child) else {
            return Ok(Value::Unknown);
        };
        let mut out = BTreeMap::new();
        for name in module.source.output_names() {
            out.insert(
                name.to_string(),
                self.module_output(child, name, file, span)?,
            );
        }
        Ok(Value::Object(out))
    }

    /// `module.NAME.OUTPUT`, `module.NAME["KEY"].OUTPUT`, `module.NAME` (an object of its
    /// outputs; for a call with `count` a list of them, with `for_each` a map).
    fn module_reference(
        &self,
        ops: &[hcl::edit::Decorated<TraversalOperator>],
        file: &str,
        scope: &mut Scope,
        span: &Range<usize>,
    ) -> Result<(Value, usize), EvalError> {
        let fail = |summary: &str, detail: String| err(file, span.clone(), summary, detail);
        let Some(TraversalOperator::GetAttr(name)) = ops.first().map(|o| o.value()) else {
            return Err(fail(
                "Invalid module reference",
                "A reference to a module names the call and one of its outputs, such as module.NAME.OUTPUT.".into(),
            ));
        };
        let name = name.value().as_str();
        let calls = self.modules.get(self.current.get()).map(|m| &m.calls);
        let Some(call) = calls.and_then(|c| c.get(name)) else {
            return Err(fail(
                "Reference to undeclared module",
                format!(
                    "No module call named \"{name}\" is declared in this module.{}",
                    crate::suggest::did_you_mean(
                        name,
                        calls.into_iter().flat_map(|c| c.keys().map(String::as_str))
                    )
                ),
            ));
        };
        let what = format!("module.{name}");
        let (child, used) = match self.select(
            &call.expansion,
            ops,
            1,
            file,
            scope,
            span,
            &what,
            "module",
            "outputs",
        )? {
            Selection::Unknown => return Ok((Value::Unknown, ops.len())),
            Selection::One(key, used) => (call.children.get(&key).copied(), used),
            Selection::All => {
                let mut objects = Vec::new();
                for (key, child) in &call.children {
                    if let Some(key) = key {
                        objects.push((key.clone(), self.module_object(*child, file, span)?));
                    }
                }
                return Ok((collect_instances(&call.expansion, objects.into_iter()), 1));
            }
        };
        let Some(child) = child else {
            return Ok((Value::Unknown, ops.len()));
        };
        match ops.get(used).map(|o| o.value()) {
            Some(TraversalOperator::GetAttr(output)) => Ok((
                self.module_output(child, output.value().as_str(), file, span)?,
                used + 1,
            )),
            _ => Ok((self.module_object(child, file, span)?, used)),
        }
    }

    fn eval_in(
        &self,
        expr: &Expression,
        file: &str,
        scope: &mut Scope,
    ) -> Result<Value, EvalError> {
        let span = expr.span().unwrap_or(0..0);
        Ok(match expr {
            Expression::Null(_) => Value::Null,
            Expression::Bool(b) => Value::Bool(*b.value()),
            Expression::Number(n) => Value::Number(*n.value()),
            Expression::String(s) => Value::String(s.value().clone()),
            Expression::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items.iter() {
                    out.push(self.eval_in(item, file, scope)?);
                }
                Value::List(out)
            }
            Expression::Object(object) => {
                let mut out = BTreeMap::new();
                let mut sensitive_key = false;
                for (key, value) in object.iter() {
                    let key = match key {
                        ObjectKey::Ident(id) => id.value().as_str().to_string(),
                        ObjectKey::Expression(e) => {
                            let k = self.eval_in(e, file, scope)?;
                            let (k, marked) = k.unmark();
                            sensitive_key |= marked;
                            match k {
                                Value::String(s) => s,
                                Value::Number(n) => n.to_string(),
                                Value::Bool(b) => b.to_string(),
                                Value::Unknown => return Ok(Value::Unknown),
                                other => {
                                    return Err(err(
                                        file,
                                        e.span().unwrap_or(span),
                                        "Invalid object key",
                                        format!(
                                            "An object key must be a string; this one is a {}.",
                                            other.type_name()
                                        ),
                                    ));
                                }
                            }
                        }
                    };
                    let v = self.eval_in(value.expr(), file, scope)?;
                    out.insert(key, v);
                }
                let obj = Value::Object(out);
                if sensitive_key {
                    Value::sensitive(obj)
                } else {
                    obj
                }
            }
            Expression::StringTemplate(t) => self.eval_template(t, file, scope, span)?,
            Expression::HeredocTemplate(h) => {
                let mut h = (**h).clone();
                if h.indent().is_some() {
                    h.dedent();
                }
                self.eval_template(&h.template, file, scope, span)?
            }
            Expression::Parenthesis(p) => self.eval_in(p.inner(), file, scope)?,
            Expression::Variable(v) => self.variable(v.value().as_str(), file, span, scope)?,
            Expression::Conditional(c) => {
                let cond = self.eval_in(&c.cond_expr, file, scope)?;
                let (cond, marked) = cond.unmark();
                let chosen = match cond {
                    Value::Bool(true) => self.eval_in(&c.true_expr, file, scope)?,
                    Value::Bool(false) => self.eval_in(&c.false_expr, file, scope)?,
                    Value::Unknown => Value::Unknown,
                    other => {
                        return Err(err(
                            file,
                            c.cond_expr.span().unwrap_or(span),
                            "Incorrect condition type",
                            format!(
                                "The condition of a conditional expression must be a bool; this one is a {}.",
                                other.type_name()
                            ),
                        ));
                    }
                };
                if marked {
                    Value::sensitive(chosen)
                } else {
                    chosen
                }
            }
            Expression::FuncCall(call) => functions::eval_call(self, call, file, scope, span)?,
            Expression::Traversal(t) => self.traversal(t, file, scope, span)?,
            Expression::UnaryOp(op) => {
                let v = self.eval_in(&op.expr, file, scope)?;
                ops::unary(*op.operator.value(), v)
                    .map_err(|e| err(file, span, e.summary, e.detail))?
            }
            Expression::BinaryOp(op) => {
                let lhs = self.eval_in(&op.lhs_expr, file, scope)?;
                let rhs = self.eval_in(&op.rhs_expr, file, scope)?;
                ops::binary(*op.operator.value(), lhs, rhs)
                    .map_err(|e| err(file, span, e.summary, e.detail))?
            }
            Expression::ForExpr(f) => self.for_expr(f, file, scope, span)?,
        })
    }

    fn eval_template(
        &self,
        template: &Template,
        file: &str,
        scope: &mut Scope,
        span: Range<usize>,
    ) -> Result<Value, EvalError> {
        // A template that is just "${expr}" yields expr's value unchanged, as in Terraform.
        if let Some(Element::Interpolation(only)) = template.as_single_element() {
            return self.eval_in(&only.expr, file, scope);
        }
        if functions::has_directives(template) {
            return functions::render_template(self, template, file, scope);
        }
        let mut out = String::new();
        let mut unknown = false;
        let mut marked = false;
        for element in template.iter() {
            match element {
                Element::Literal(s) => out.push_str(s.value()),
                Element::Interpolation(i) => {
                    let (v, m) = self.eval_in(&i.expr, file, scope)?.unmark();
                    marked |= m;
                    match v {
                        Value::String(s) => out.push_str(&s),
                        Value::Number(n) => out.push_str(&n.to_string()),
                        Value::Bool(b) => out.push_str(&b.to_string()),
                        Value::Unknown => unknown = true,
                        other => {
                            return Err(err(
                                file,
                                i.expr.span().unwrap_or(span),
                                "Invalid template interpolation value",
                                format!(
                                    "Cannot include a {} in a string template; only strings, numbers and bools can be interpolated. Use jsonencode() for structured values.",
                                    other.type_name()
                                ),
                            ));
                        }
                    }
                }
                Element::Directive(_) => {
                    return Err(err(
                        file,
                        span,
                        "Template directives are not supported",
                        "flowform does not support %{if} and %{for} directives in strings; use a conditional expression or a for expression with join() instead.",
                    ));
                }
            }
        }
        let v = if unknown {
            Value::Unknown
        } else {
            Value::String(out)
        };
        Ok(if marked { Value::sensitive(v) } else { v })
    }

    fn variable(
        &self,
        name: &str,
        file: &str,
        span: Range<usize>,
        scope: &Scope,
    ) -> Result<Value, EvalError> {
        if let Some(v) = self.bound(scope, name) {
            return Ok(v);
        }
        let (summary, detail) = match name {
            "each" => (
                "Reference to \"each\" in context without for_each",
                "The \"each\" object can be used only in a resource, data or module block, and only when its \"for_each\" argument is set.".to_string(),
            ),
            "count" => (
                "Reference to \"count\" in non-counted context",
                "The \"count\" object can be used only in a resource, data or module block, and only when its \"count\" argument is set.".to_string(),
            ),
            _ => ("Unknown variable", self.unknown_variable(name)),
        };
        Err(err(file, span, summary, detail))
    }

    fn unknown_variable(&self, name: &str) -> String {
        match name {
            "var" | "local" | "path" | "data" => {
                format!("\"{name}\" must be followed by an attribute, such as {name}.NAME.")
            }
            _ if ResourceKind::from_keyword(name).is_some() => format!(
                "A reference to a resource must name it and one of its attributes, such as {name}.LABEL.arn."
            ),
            _ => format!(
                "There is no variable named \"{name}\". References start with var., local., or a resource kind (secret., kms_key., kms_key_policy., connector_profile.)."
            ),
        }
    }

    fn traversal(
        &self,
        t: &hcl::edit::expr::Traversal,
        file: &str,
        scope: &mut Scope,
        span: Range<usize>,
    ) -> Result<Value, EvalError> {
        let ops = &t.operators;
        let attr_at = |i: usize| match ops.get(i).map(|o| o.value()) {
            Some(TraversalOperator::GetAttr(id)) => Some(id.value().as_str().to_string()),
            _ => None,
        };
        let (mut value, rest) = match &t.expr {
            Expression::Variable(root) if self.bound(scope, root.value().as_str()).is_none() => {
                let root = root.value().as_str();
                match root {
                    "var" => {
                        let name = attr_at(0).ok_or_else(|| {
                            err(
                                file,
                                span.clone(),
                                "Invalid reference",
                                "Expected var.NAME.",
                            )
                        })?;
                        if let Some(module) = self.module() {
                            let v = self.module_var(module, &name, file, &span)?;
                            (v, 1)
                        } else {
                            let v = self.vars.get(&name).cloned().ok_or_else(|| {
                            err(
                                file,
                                span.clone(),
                                "Reference to undeclared input variable",
                                match crate::suggest::closest(
                                    &name,
                                    self.vars
                                        .keys()
                                        .map(String::as_str)
                                        .filter(|k| *k != WORKSPACE_KEY),
                                ) {
                                    Some(near) => format!(
                                        "An input variable named \"{name}\" has not been declared. Did you mean \"{near}\"?"
                                    ),
                                    None => format!(
                                        "An input variable named \"{name}\" has not been declared. Declare it with a variable \"{name}\" block."
                                    ),
                                },
                            )
                        })?;
                            (v, 1)
                        }
                    }
                    "module" => self.module_reference(ops, file, scope, &span)?,
                    "local" => {
                        let name = attr_at(0).ok_or_else(|| {
                            err(
                                file,
                                span.clone(),
                                "Invalid reference",
                                "Expected local.NAME.",
                            )
                        })?;
                        (self.local(&name, file, span.clone())?, 1)
                    }
                    "data" => self.data_reference(ops, file, &span)?,
                    "flowform" => match attr_at(0).as_deref() {
                        Some("workspace") => (
                            self.vars
                                .get(WORKSPACE_KEY)
                                .cloned()
                                .unwrap_or_else(|| Value::String("default".into())),
                            1,
                        ),
                        _ => {
                            return Err(err(
                                file,
                                span,
                                "Invalid reference",
                                "Only flowform.workspace is available: the selected workspace's name.",
                            ));
                        }
                    },
                    "path" => match attr_at(0).as_deref() {
                        Some("module") => (
                            Value::String(self.module().map_or(".".into(), |m| m.dir.clone())),
                            1,
                        ),
                        Some("root") => (Value::String(".".into()), 1),
                        _ => {
                            return Err(err(
                                file,
                                span,
                                "Invalid reference",
                                "Only path.module (the directory of the module the expression is in) and path.root (the configuration directory) are available.",
                            ));
                        }
                    },
                    keyword => match ResourceKind::from_keyword(keyword) {
                        Some(kind) => self.resource_reference(kind, ops, file, scope, &span)?,
                        None => return self.variable(keyword, file, span, scope),
                    },
                }
            }
            other => (self.eval_in(other, file, scope)?, 0),
        };
        for op in &ops[rest..] {
            value = self.apply_op(value, op.value(), file, scope, span.clone())?;
        }
        Ok(value)
    }

    /// `secret.app.arn`, `secret.app[0].arn`, `connector_profile.sf["prod"]`, `secret.app[*]`
    /// and `secret.app` (a resource with `count` is a list of its instances, one with
    /// `for_each` a map of them, as in Terraform): the value and how many operators it took.
    fn resource_reference(
        &self,
        kind: ResourceKind,
        ops: &[hcl::edit::Decorated<TraversalOperator>],
        file: &str,
        scope: &mut Scope,
        span: &Range<usize>,
    ) -> Result<(Value, usize), EvalError> {
        let keyword = kind.keyword();
        let fail = |summary: &str, detail: String| err(file, span.clone(), summary, detail);
        let Some(TraversalOperator::GetAttr(label)) = ops.first().map(|o| o.value()) else {
            return Err(fail(
                "Invalid resource reference",
                format!(
                    "A reference to a resource must name it and one of its attributes, such as {keyword}.LABEL.{}.",
                    kind.exported_attributes()[0]
                ),
            ));
        };
        let block = Address::new(kind, label.value().as_str()).in_module(self.path());
        let Some(expansion) = self.blocks.get(&block) else {
            return Err(fail(
                "Reference to undeclared resource",
                format!(
                    "A {keyword} resource named \"{}\" has not been declared in this configuration.",
                    block.label
                ),
            ));
        };
        // The instance this reference names, and where its attribute would be.
        let what = block.to_string();
        let (instance, used) = match self.select(
            expansion,
            ops,
            1,
            file,
            scope,
            span,
            &what,
            "resource",
            "attributes",
        )? {
            Selection::Unknown => return Ok((Value::Unknown, ops.len())),
            Selection::One(key, used) => (block.instance(key), used),
            Selection::All => {
                let all = expansion.keys().map(|k| {
                    let object = self.instance_object(&block.instance(Some(k.clone())));
                    (k, object)
                });
                return Ok((collect_instances(expansion, all), 1));
            }
        };
        match ops.get(used).map(|o| o.value()) {
            Some(TraversalOperator::GetAttr(attribute)) => {
                let attribute = attribute.value().as_str();
                if !kind.exported_attributes().contains(&attribute) {
                    return Err(fail(
                        "Unsupported attribute",
                        format!(
                            "{instance} has no attribute \"{attribute}\" to refer to. It exports: {}.",
                            kind.exported_attributes().join(", ")
                        ),
                    ));
                }
                Ok((self.exports.export(&instance, attribute), used + 1))
            }
            _ => Ok((self.instance_object(&instance), used)),
        }
    }

    /// `data.KIND.LABEL.ATTR` (or `data.KIND.LABEL`, an object of what it exports).
    fn data_reference(
        &self,
        ops: &[hcl::edit::Decorated<TraversalOperator>],
        file: &str,
        span: &Range<usize>,
    ) -> Result<(Value, usize), EvalError> {
        let fail = |summary: &str, detail: String| err(file, span.clone(), summary, detail);
        let name = |i: usize| match ops.get(i).map(|o| o.value()) {
            Some(TraversalOperator::GetAttr(id)) => Some(id.value().as_str().to_string()),
            _ => None,
        };
        let (Some(keyword), Some(label)) = (name(0), name(1)) else {
            return Err(fail(
                "Invalid data source reference",
                "A reference to a data source names its kind, its name and an attribute, such as data.secret.app.arn.".into(),
            ));
        };
        let Some(kind) = flowform_core::DataKind::from_keyword(&keyword) else {
            let known: Vec<&str> = flowform_core::DataKind::ALL
                .iter()
                .map(|k| k.keyword())
                .collect();
            return Err(fail(
                "Unknown data source kind",
                format!(
                    "flowform has no data source \"{keyword}\".{} It reads: {}.",
                    crate::suggest::did_you_mean(&keyword, known.iter().copied()),
                    known.join(", ")
                ),
            ));
        };
        let block = crate::data::address(self.path(), kind, &label);
        let exported = kind.exported_attributes();
        let object = |values: &BTreeMap<String, Value>| {
            Value::Object(
                exported
                    .iter()
                    .map(|a| {
                        (
                            a.to_string(),
                            values.get(*a).cloned().unwrap_or(Value::Unknown),
                        )
                    })
                    .collect(),
            )
        };
        // A data block with `count` or `for_each`: `data.K.N[KEY].attr`, or all of them.
        let mut used = 2;
        let mut address = block.clone();
        if let Some(expansion) = self.data_blocks.get(&block).filter(|e| e.is_repeated()) {
            match self.select(
                expansion,
                ops,
                2,
                file,
                &mut Vec::new(),
                span,
                &block,
                "data source",
                "attributes",
            )? {
                Selection::Unknown => return Ok((Value::Unknown, ops.len())),
                Selection::One(key, n) => {
                    if let Some(k) = key {
                        address = format!("{block}{k}");
                    }
                    used = n;
                }
                Selection::All => {
                    let all = expansion.keys().map(|k| {
                        let values = self.data.get(&format!("{block}{k}"));
                        (k, values.map_or(Value::Unknown, object))
                    });
                    return Ok((collect_instances(expansion, all), 2));
                }
            }
        }
        let Some(values) = self.data.get(&address) else {
            if self
                .data_blocks
                .get(&block)
                .is_some_and(|e| *e == Expansion::Invalid)
            {
                return Ok((Value::Unknown, ops.len()));
            }
            return Err(fail(
                "Reference to undeclared data source",
                format!(
                    "A data \"{keyword}\" block named \"{label}\" has not been declared in this configuration."
                ),
            ));
        };
        match name(used) {
            Some(attribute) if exported.contains(&attribute.as_str()) => Ok((
                values.get(&attribute).cloned().unwrap_or(Value::Unknown),
                used + 1,
            )),
            Some(attribute) => Err(fail(
                "Unsupported attribute",
                format!(
                    "{address} has no attribute \"{attribute}\" to refer to. It exports: {}.",
                    exported.join(", ")
                ),
            )),
            None => Ok((object(values), used)),
        }
    }

    /// Which instance of a resource, module call or data block (`what`) a reference selects:
    /// the key operator is `ops[at]` (`secret.app["k"]`: 1, `data.secret.x["k"]`: 2).
    #[allow(clippy::too_many_arguments)]
    fn select(
        &self,
        expansion: &Expansion,
        ops: &[hcl::edit::Decorated<TraversalOperator>],
        at: usize,
        file: &str,
        scope: &mut Scope,
        span: &Range<usize>,
        what: &str,
        noun: &str,
        members: &str,
    ) -> Result<Selection, EvalError> {
        let fail = |summary: String, detail: String| err(file, span.clone(), summary, detail);
        let key = match ops.get(at).map(|o| o.value()) {
            Some(TraversalOperator::Index(index)) => {
                Some(self.eval_in(index, file, scope)?.unmark().0)
            }
            Some(TraversalOperator::LegacyIndex(i)) => Some(Value::Number((*i.value()).into())),
            _ => None,
        };
        match (expansion, key) {
            (Expansion::Invalid, _) | (_, Some(Value::Unknown)) => Ok(Selection::Unknown),
            (Expansion::Single, Some(_)) => Err(fail(
                format!("Unexpected {noun} instance key"),
                format!(
                    "Because {what} does not have \"count\" or \"for_each\" set, references to it must not include an index key. Remove the bracketed index to refer to its single instance."
                ),
            )),
            (Expansion::Single, None) => Ok(Selection::One(None, at)),
            (expansion, Some(key)) => match expansion.key_for(&key) {
                Ok(k) => Ok(Selection::One(Some(k), at + 1)),
                Err(detail) => Err(fail(
                    format!("Invalid {noun} instance key"),
                    format!("{what}: {detail}"),
                )),
            },
            (expansion, None) => {
                if let Some(TraversalOperator::GetAttr(attr)) = ops.get(at).map(|o| o.value()) {
                    let (meta, example) = match expansion {
                        Expansion::Count(_) => ("count", "count.index"),
                        _ => ("for_each", "each.key"),
                    };
                    return Err(fail(
                        format!("Missing {noun} instance key"),
                        format!(
                            "Because {what} has \"{meta}\" set, its {members} must be accessed on specific instances, such as {what}[{example}].{}.",
                            attr.value().as_str()
                        ),
                    ));
                }
                Ok(Selection::All)
            }
        }
    }

    /// One instance as an object of the attributes it exports.
    fn instance_object(&self, instance: &Address) -> Value {
        Value::Object(
            instance
                .kind
                .exported_attributes()
                .iter()
                .map(|a| (a.to_string(), self.exports.export(instance, a)))
                .collect(),
        )
    }

    fn apply_op(
        &self,
        value: Value,
        op: &TraversalOperator,
        file: &str,
        scope: &mut Scope,
        span: Range<usize>,
    ) -> Result<Value, EvalError> {
        // Only a mark on the whole value marks what is read from it: an element keeps its own
        // (reading a module's `arn` output is not sensitive because its `token` output is).
        let (value, marked) = shallow_unmark(value);
        let out = match (op, value) {
            (_, Value::Unknown) => Value::Unknown,
            (TraversalOperator::GetAttr(name), Value::Object(map)) => {
                let name = name.value().as_str();
                map.get(name).cloned().ok_or_else(|| {
                    err(
                        file,
                        span,
                        "Unsupported attribute",
                        format!("This object has no attribute named \"{name}\"."),
                    )
                })?
            }
            (TraversalOperator::Index(index), collection) => {
                let (key, key_marked) = self.eval_in(index, file, scope)?.unmark();
                let v = index_value(collection, key, key_marked)
                    .map_err(|d| err(file, span, "Invalid index", d))?;
                if key_marked { Value::sensitive(v) } else { v }
            }
            (TraversalOperator::LegacyIndex(i), collection) => {
                index_value(collection, Value::Number((*i.value()).into()), false)
                    .map_err(|d| err(file, span, "Invalid index", d))?
            }
            (TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_), v) => match v {
                Value::List(items) => Value::List(items),
                Value::Null => Value::List(vec![]),
                other => Value::List(vec![other]),
            },
            (TraversalOperator::GetAttr(name), Value::List(items)) => {
                // After a splat, attribute access applies to every element.
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    out.push(self.apply_op(
                        item,
                        &TraversalOperator::GetAttr(name.clone()),
                        file,
                        scope,
                        span.clone(),
                    )?);
                }
                Value::List(out)
            }
            (TraversalOperator::GetAttr(name), other) => {
                return Err(err(
                    file,
                    span,
                    "Unsupported attribute",
                    format!(
                        "Cannot read attribute \"{}\" of a {}.",
                        name.value().as_str(),
                        other.type_name()
                    ),
                ));
            }
        };
        Ok(if marked { Value::sensitive(out) } else { out })
    }

    fn for_expr(
        &self,
        f: &hcl::edit::expr::ForExpr,
        file: &str,
        scope: &mut Scope,
        span: Range<usize>,
    ) -> Result<Value, EvalError> {
        // A collection sensitive as a whole marks the result; otherwise each element keeps its
        // own mark, so only what is computed from a sensitive element is sensitive (iterating
        // module instances whose one output is sensitive does not hide the others).
        let (collection, marked) =
            shallow_unmark(self.eval_in(&f.intro.collection_expr, file, scope)?);
        let pairs: Vec<(Value, Value)> = match collection {
            Value::List(items) => items
                .into_iter()
                .enumerate()
                .map(|(i, v)| (Value::Number((i as u64).into()), v))
                .collect(),
            Value::Object(map) => map
                .into_iter()
                .map(|(k, v)| (Value::String(k), v))
                .collect(),
            Value::Unknown => return Ok(Value::Unknown),
            other => {
                return Err(err(
                    file,
                    f.intro.collection_expr.span().unwrap_or(span),
                    "Iteration over non-iterable value",
                    format!(
                        "A for expression needs a list or an object; this is a {}.",
                        other.type_name()
                    ),
                ));
            }
        };
        let key_var = f
            .intro
            .key_var
            .as_ref()
            .map(|k| k.value().as_str().to_string());
        let value_var = f.intro.value_var.value().as_str().to_string();
        let mut list = Vec::new();
        let mut object: BTreeMap<String, Value> = BTreeMap::new();
        let mut grouped: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        let depth = scope.len();
        // A sensitive key or condition shapes the result, so it marks the result (as an
        // object literal with a sensitive key is marked).
        let mut shaped_by_sensitive = false;
        let mut outcome = Ok(());
        for (k, v) in pairs {
            if let Some(kv) = &key_var {
                scope.push((kv.clone(), k));
            }
            scope.push((value_var.clone(), v));
            let step = (|| -> Result<(), EvalError> {
                if let Some(cond) = &f.cond {
                    let (cond, cond_marked) = self.eval_in(&cond.expr, file, scope)?.unmark();
                    shaped_by_sensitive |= cond_marked;
                    match cond {
                        Value::Bool(true) => {}
                        Value::Bool(false) => return Ok(()),
                        _ => {
                            return Err(err(
                                file,
                                span.clone(),
                                "Invalid for condition",
                                "The if clause of a for expression must be a bool.",
                            ));
                        }
                    }
                }
                let value = self.eval_in(&f.value_expr, file, scope)?;
                match &f.key_expr {
                    None => list.push(value),
                    Some(key_expr) => {
                        let (key, key_marked) = self.eval_in(key_expr, file, scope)?.unmark();
                        shaped_by_sensitive |= key_marked;
                        let key = match key {
                            Value::String(s) => s,
                            Value::Number(n) => n.to_string(),
                            Value::Bool(b) => b.to_string(),
                            other => {
                                return Err(err(
                                    file,
                                    span.clone(),
                                    "Invalid object key",
                                    format!(
                                        "A for expression's key must be a string; this one is a {}.",
                                        other.type_name()
                                    ),
                                ));
                            }
                        };
                        if f.grouping {
                            grouped.entry(key).or_default().push(value);
                        } else if object.insert(key.clone(), value).is_some() {
                            return Err(err(
                                file,
                                span.clone(),
                                "Duplicate object key",
                                format!(
                                    "Two elements produce the key {}; add ... after the value to group them.",
                                    functions::shown(&key, key_marked)
                                ),
                            ));
                        }
                    }
                }
                Ok(())
            })();
            scope.truncate(depth);
            if step.is_err() {
                outcome = step;
                break;
            }
        }
        outcome?;
        let out = match (&f.key_expr, f.grouping) {
            (None, _) => Value::List(list),
            (Some(_), false) => Value::Object(object),
            (Some(_), true) => Value::Object(
                grouped
                    .into_iter()
                    .map(|(k, v)| (k, Value::List(v)))
                    .collect(),
            ),
        };
        Ok(if marked || shaped_by_sensitive {
            Value::sensitive(out)
        } else {
            out
        })
    }
}

/// A value without the sensitivity mark on it as a whole, and whether there was one; the marks
/// of its elements stay where they are.
fn shallow_unmark(mut value: Value) -> (Value, bool) {
    let mut marked = false;
    while let Value::Sensitive(inner) = value {
        value = *inner.into_exposed();
        marked = true;
    }
    (value, marked)
}

/// What a reference to something with instances selects.
enum Selection {
    /// The key is not known yet (or the expansion was invalid, and reported).
    Unknown,
    /// One instance (`None`: the single instance of a block without count/for_each), and how
    /// many operators the selection took.
    One(Option<InstanceKey>, usize),
    /// Every instance: a list for `count`, a map for `for_each`.
    All,
}

/// Every instance as Terraform shows them: a list for `count`, a map by key for `for_each`.
fn collect_instances(
    expansion: &Expansion,
    all: impl Iterator<Item = (InstanceKey, Value)>,
) -> Value {
    match expansion {
        Expansion::Count(_) => Value::List(all.map(|(_, o)| o).collect()),
        _ => Value::Object(
            all.map(|(k, o)| match k {
                InstanceKey::Str(s) => (s, o),
                InstanceKey::Int(i) => (i.to_string(), o),
            })
            .collect(),
        ),
    }
}

/// `collection[key]`. A sensitive key is never quoted in the error.
fn index_value(collection: Value, key: Value, key_sensitive: bool) -> Result<Value, String> {
    match (collection, key) {
        (_, Value::Unknown) | (Value::Unknown, _) => Ok(Value::Unknown),
        (Value::List(items), Value::Number(n)) => {
            let index = if key_sensitive {
                "(sensitive value)".to_string()
            } else {
                n.to_string()
            };
            let i = n.as_u64().ok_or_else(|| {
                format!("The index {index} is not a whole number of zero or more.")
            })?;
            let len = items.len();
            usize::try_from(i)
                .ok()
                .and_then(|i| items.into_iter().nth(i))
                .ok_or_else(|| {
                    format!("The index {index} is out of range for a list of {len} elements.")
                })
        }
        (Value::Object(map), Value::String(k)) => map.get(&k).cloned().ok_or_else(|| {
            format!(
                "The object has no element with the key {}.",
                functions::shown(&k, key_sensitive)
            )
        }),
        (c, k) => Err(format!(
            "Cannot index a {} with a {}.",
            c.type_name(),
            k.type_name()
        )),
    }
}

pub(crate) fn err(
    file: &str,
    span: Range<usize>,
    summary: impl Into<String>,
    detail: impl Into<String>,
) -> EvalError {
    EvalError {
        file: file.to_string(),
        span,
        summary: summary.into(),
        detail: detail.into(),
    }
}
