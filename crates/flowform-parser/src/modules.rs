//! Local modules: `module "NAME" { source = "./modules/x", ...inputs }`.
//!
//! A module is a directory of configuration files with its own variables, locals, outputs,
//! resources, data sources and module calls. Each call, and each instance of a call with
//! `count` or `for_each`, becomes a [`ModuleInstance`]: its resources' addresses start with the
//! call's path (`module.conn["prod"].secret.app`), its `var.NAME` is the call's argument
//! (evaluated where the call is, with the call's `each`/`count`), and the caller reads its
//! outputs as `module.NAME.OUTPUT`. The evaluator switches between instances as it follows
//! those references, so a module input that refers to a resource outside the module stays
//! unknown until that resource exists, exactly as a reference written in the caller would.
//!
//! Each module directory is read and parsed once, however many times it is called: every
//! instance shares its declarations.

use crate::eval::{LocalExpr, Scope};
use crate::instances::Expansion;
use crate::load::Declarations;
use crate::resources::BlockExprs;
use crate::suggest::did_you_mean;
use flowform_core::{
    Address, Diagnostic, Diagnostics, InstanceKey, ModulePath, Sources, module_path_string,
};
use hcl::edit::expr::Expression;
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// How deep module calls may nest: deeper is almost surely a mistake, and it bounds the work a
/// configuration can ask for.
pub(crate) const MAX_DEPTH: usize = 16;

/// How many module instances a configuration may make in all (nested `count`s multiply).
pub(crate) const MAX_INSTANCES: usize = 100_000;

/// The arguments of a `module` block that are not inputs of the module.
pub(crate) const CALL_META: &[&str] = &["source", "count", "for_each", "depends_on", "providers"];

/// One instance of a module: the root module (index 0 of [`crate::Config`]'s instances), a
/// call, or one instance of a call with `count`/`for_each`.
#[derive(Debug)]
pub struct ModuleInstance {
    /// `module.conn["prod"]`, empty for the root module.
    pub path: ModulePath,
    /// The module's directory relative to the configuration directory (`path.module`).
    pub dir: String,
    /// The instance the call is in.
    pub parent: usize,
    /// The call's `each`/`count` for this instance, which its arguments see.
    pub(crate) call_scope: Scope,
    /// The call's `for_each`, evaluated again when `each.value` was unknown at load (it refers
    /// to a resource) and more is known now.
    pub(crate) for_each: Option<Arc<LocalExpr>>,
    /// The call's arguments that are inputs, by variable name (in the caller's files).
    pub(crate) inputs: Arc<BTreeMap<String, LocalExpr>>,
    /// What the module directory declares, shared by every instance of it.
    pub(crate) source: Arc<Declarations>,
    /// The module calls this instance makes.
    pub calls: BTreeMap<String, Call>,
    /// Resources (every instance of each) that every resource of this instance, and of the
    /// instances it calls, waits for: the `depends_on` of the calls that lead here.
    pub depends_on: Vec<Address>,
    /// Module calls (`depends_on = [module.NAME]` on the calls that lead here) whose every
    /// resource this instance's resources wait for: the calling module's path and the call.
    pub depends_on_calls: Vec<(flowform_core::ModulePath, String)>,
    /// The provider alias its resources use (`providers = { aws = aws.eu }` on the call, or
    /// the caller's); `None`: the default provider.
    pub provider: Option<String>,
}

/// A `module` block as called by one module instance.
#[derive(Debug)]
pub struct Call {
    /// The call's directory relative to the configuration directory.
    pub dir: String,
    /// How its `count`/`for_each` expanded.
    pub expansion: Expansion,
    /// The module instance of each instance key.
    pub children: BTreeMap<Option<InstanceKey>, usize>,
}

impl ModuleInstance {
    pub(crate) fn root(source: Arc<Declarations>) -> Self {
        ModuleInstance {
            path: ModulePath::root(),
            dir: ".".into(),
            parent: 0,
            call_scope: Vec::new(),
            for_each: None,
            inputs: Arc::default(),
            source,
            calls: BTreeMap::new(),
            depends_on: Vec::new(),
            depends_on_calls: Vec::new(),
            provider: None,
        }
    }

    /// `module.conn["prod"]`, or `the root module`, for messages.
    pub fn name(&self) -> String {
        if self.path.is_empty() {
            "the root module".into()
        } else {
            module_path_string(&self.path)
        }
    }
}

/// An output of a module as the evaluator reads it.
pub(crate) struct OutputRef<'a> {
    pub value: Option<&'a Expression>,
    pub file: &'a str,
    pub sensitive: bool,
}

impl Declarations {
    pub(crate) fn output(&self, name: &str) -> Option<OutputRef<'_>> {
        let (_, body) = self.outputs.iter().find(|(n, _)| n == name)?;
        Some(OutputRef {
            value: body
                .attrs
                .iter()
                .find(|a| a.name == "value")
                .map(|a| &a.expr),
            file: &body.file,
            sensitive: body
                .attrs
                .iter()
                .any(|a| a.name == "sensitive" && a.expr.as_bool() == Some(true)),
        })
    }

    pub(crate) fn output_names(&self) -> impl Iterator<Item = &str> {
        self.outputs.iter().map(|(n, _)| n.as_str())
    }
}

/// The directory a call's `source` names, relative to the configuration directory, or the
/// diagnostic that says why it names none. Only local paths are supported.
pub(crate) fn source_dir(
    caller_dir: &str,
    body: &BlockExprs,
    sources: &Sources,
) -> Result<String, Box<Diagnostic>> {
    let error = |span: std::ops::Range<usize>, summary: &str, detail: String| {
        Box::new(
            Diagnostic::error(summary, detail)
                .with_range(sources.range(&body.file, span))
                .with_context(&body.context),
        )
    };
    let Some(attr) = body.attrs.iter().find(|a| a.name == "source") else {
        return Err(error(
            body.header.clone(),
            "Missing required argument",
            "A module block needs \"source\": the directory of the module, such as source = \"./modules/salesforce\".".into(),
        ));
    };
    let Some(text) = attr.expr.as_str() else {
        return Err(error(
            attr.value_span(),
            "Invalid module source",
            "\"source\" must be a literal string: the module is read before any expression is evaluated.".into(),
        ));
    };
    if !(text.starts_with("./") || text.starts_with("../")) {
        return Err(error(
            attr.value_span(),
            "Unsupported module source",
            format!(
                "\"{text}\" is not a local path. flowform reads modules from directories of the repository only: start the source with ./ or ../ (relative to the calling module's directory)."
            ),
        ));
    }
    Ok(normalize(&Path::new(caller_dir).join(text)))
}

/// `a/./b/../c` → `a/c`, lexically (the directory may not exist; that is reported when it
/// is read). A path that leaves the configuration directory keeps its leading `..`.
pub(crate) fn normalize(path: &Path) -> String {
    let mut out: Vec<String> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if out.last().is_some_and(|l| l != "..") {
                    out.pop();
                } else {
                    out.push("..".into());
                }
            }
            other => out.push(other.as_os_str().to_string_lossy().into_owned()),
        }
    }
    if out.is_empty() {
        ".".into()
    } else {
        out.join("/")
    }
}

/// The path a module directory is read from: `dir` is relative to the configuration
/// directory `root`.
pub(crate) fn on_disk(root: &Path, dir: &str) -> PathBuf {
    if dir == "." {
        root.to_path_buf()
    } else {
        root.join(dir)
    }
}

/// Checks a call's arguments against the variables of the module in directory `name`: every
/// argument names a variable, every variable without a default has an argument.
pub(crate) fn check_inputs(
    call: &BlockExprs,
    name: &str,
    module: &Declarations,
    sources: &Sources,
    diags: &mut Diagnostics,
) {
    let declared = || module.variables.iter().map(|d| d.name.as_str());
    for a in &call.attrs {
        if CALL_META.contains(&a.name.as_str()) {
            continue;
        }
        if !module.variables.iter().any(|d| d.name == a.name) {
            diags.push(
                Diagnostic::error(
                    "Unsupported argument",
                    format!(
                        "An argument named \"{}\" is not expected here: the module in \"{name}\" declares no variable \"{}\".{}",
                        a.name,
                        a.name,
                        did_you_mean(&a.name, declared())
                    ),
                )
                .with_range(sources.range(&call.file, a.key_span.clone()))
                .with_context(&call.context),
            );
        }
    }
    for d in &module.variables {
        let has_default = d.body.attrs.iter().any(|a| a.name == "default");
        if !has_default && !call.attrs.iter().any(|a| a.name == d.name) {
            diags.push(
                Diagnostic::error(
                    "Missing required argument",
                    format!(
                        "The argument \"{}\" is required, but no definition was found: the module in \"{name}\" declares variable \"{}\" without a default.",
                        d.name, d.name
                    ),
                )
                .with_range(sources.range(&call.file, call.header.clone()))
                .with_context(&call.context),
            );
        }
    }
    for (block, span, _) in &call.blocks {
        diags.push(
            Diagnostic::error(
                "Unsupported block type",
                format!("Blocks of type \"{block}\" are not expected in a module block."),
            )
            .with_range(sources.range(&call.file, span.clone()))
            .with_context(&call.context),
        );
    }
}

/// The inputs a call passes, by variable name.
pub(crate) fn inputs(call: &BlockExprs) -> BTreeMap<String, LocalExpr> {
    call.attrs
        .iter()
        .filter(|a| !CALL_META.contains(&a.name.as_str()))
        .map(|a| {
            (
                a.name.clone(),
                LocalExpr {
                    file: call.file.clone(),
                    expr: a.expr.clone(),
                    span: a.value_span(),
                },
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_lexically() {
        assert_eq!(normalize(Path::new("./modules/x")), "modules/x");
        assert_eq!(normalize(Path::new("modules/x/../y")), "modules/y");
        assert_eq!(normalize(Path::new("./../shared")), "../shared");
        assert_eq!(normalize(Path::new("modules/x/./../..")), ".");
    }
}
