//! `flowform plan`: what apply would do, for people (text), pull requests (markdown) and tools
//! (JSON); `-out FILE` saves it for `apply FILE`.

use super::Exit;
use super::aws::{Aws, runtime};
use super::context::{Context, VERSION, error, fail, show, state_error};
use crate::args::{AwsArgs, ChangeArgs, Format, PlanArgs, PlanningArgs};
use flowform_core::Address;
use flowform_parser::{Config, VariableInputs};
use flowform_planner::planfile::SavedPlan;
use flowform_planner::{Plan, PlanOptions};
use flowform_state::State;

/// The configuration, the state and the plan made from them. Shared by plan, apply, destroy
/// and graph.
pub struct Planned {
    pub config: Config,
    pub state: State,
    pub state_existed: bool,
    pub plan: Plan,
    /// What the refresh found, when one ran.
    pub refreshed: Option<flowform_planner::Refreshed>,
}

/// Loads, refreshes (unless `--refresh=false`, or nothing exists yet), reads the data sources
/// and the objects of `import` blocks (unless `offline`: `graph` reads no AWS, and leaves them
/// unknown and unimported) and plans the state `read_state` reads (under the lock, for plan
/// and apply) once the configuration is loaded: the configuration's syntax trees, the largest
/// thing a big plan holds, are gone by then. Returns the connection to AWS when one was made,
/// for apply to reuse.
#[allow(clippy::too_many_arguments)] // each is a separate input of one plan; the callers name them
pub async fn make_plan(
    ctx: &Context,
    planning: &PlanningArgs,
    changes: &ChangeArgs,
    inputs: &VariableInputs,
    destroy: bool,
    offline: bool,
    for_tools: bool,
    aws_args: &AwsArgs,
    read_state: impl FnOnce() -> Result<Option<State>, Exit>,
) -> Result<(Planned, Option<Aws>), Exit> {
    let mut config = match ctx.load_config(inputs) {
        Ok(config) => config,
        Err(e) => {
            // Read anyway: a state that cannot be read is said alongside the configuration's
            // errors, and an interrupted apply's journal is folded in as every command under
            // the lock does.
            let _ = read_state();
            return Err(e);
        }
    };
    let state = read_state()?;
    let state_existed = state.is_some();
    let state = state.unwrap_or_else(|| State::new(VERSION));
    // A create an interrupted apply sent but never recorded may have made an object nothing
    // records yet: destroying "everything the state holds" would leave it behind, untracked,
    // and say it was done. Only an apply can settle such a create (it repeats it with its
    // token and takes the object only with proof), so a destroy waits for one.
    if destroy && !state.pending.is_empty() {
        let pending: Vec<&str> = state.pending.keys().map(String::as_str).collect();
        // Quoted for a shell where an address needs it (`secret.app["a"]`).
        let plain = |a: &str| {
            a.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        };
        let targets: String = pending
            .iter()
            .map(|a| {
                if plain(a) {
                    format!(" -target={a}")
                } else {
                    format!(" -target='{}'", a.replace('\'', "'\\''"))
                }
            })
            .collect();
        return Err(error(&format!(
            "an interrupted apply left {} create(s) whose outcome is not known yet ({}): an object may exist that the state does not record, and a destroy would leave it behind. Settle them first with `flowform apply{targets}`, then destroy. (A resource no longer in the configuration cannot be settled by an apply: look for its object in AWS, then forget the create with `flowform state rm ADDRESS`.)",
            pending.len(),
            pending.join(", ")
        )));
    }
    // An unsettled create whose resource has left the configuration: no apply can repeat it,
    // and it would block every destroy. Said once here, with the way out.
    for address in state.pending.keys() {
        let configured = address
            .parse::<Address>()
            .is_ok_and(|a| config.resources.contains_key(&a));
        if !configured && !destroy {
            show(&flowform_core::Diagnostic::warning(
                format!("{address} has an unsettled create and is no longer in the configuration"),
                format!(
                    "An interrupted apply sent a create of {address} and never recorded the answer, and only an apply of that resource can settle it. Look for its object in AWS (import it, or delete it), then forget the create with `flowform state rm {address}`."
                ),
            ));
        }
    }
    let mut targets = Vec::new();
    for t in &planning.target {
        match t.parse::<flowform_core::Target>() {
            Ok(a) => targets.push(a),
            Err(e) => return Err(fail(format!("Invalid --target {t}"), e.to_string())),
        }
    }
    let mut replace = Vec::new();
    for r in &changes.replace {
        match r.parse::<Address>() {
            Ok(a) => replace.push(a),
            Err(e) => return Err(error(&format!("--replace {r}: {e}"))),
        }
    }
    if changes.refresh_only && !planning.refresh {
        return Err(error(
            "--refresh-only reads what exists and records it: it cannot be combined with --refresh=false.",
        ));
    }
    let mut aws = None;
    let mut refreshed = None;
    if planning.refresh && !state.resources.is_empty() {
        let connected = Aws::connect(ctx, aws_args, &config).await?;
        match flowform_applier::refresh(&connected.clients, &state, aws_args.parallelism).await {
            Ok(r) => refreshed = Some(r),
            Err(errors) => {
                for e in errors {
                    show(&e.diagnostic());
                }
                connected.close().await;
                return Err(Exit::Error);
            }
        }
        aws = Some(connected);
    }
    // Data sources are read for every plan (also with --refresh=false, as Terraform does).
    if !config.data_sources.is_empty() && !destroy && !offline {
        let connected = match aws.take() {
            Some(a) => a,
            None => Aws::connect(ctx, aws_args, &config).await?,
        };
        let read = read_data_sources(ctx, &mut config, &connected).await;
        aws = Some(connected);
        if let Err(e) = read {
            if let Some(a) = aws {
                a.close().await;
            }
            return Err(e);
        }
    }
    // `import` blocks: the objects are read now, like a refresh, so that the planner stays
    // pure. One already in the state is imported already.
    let mut imports = std::collections::BTreeMap::new();
    let pending: Vec<&flowform_parser::Import> = config
        .imports
        .iter()
        .filter(|i| {
            !destroy
                && !offline
                && !changes.refresh_only
                && !state.resources.contains_key(&i.to.to_string())
        })
        .collect();
    if !pending.is_empty() {
        let connected = match aws.take() {
            Some(a) => a,
            None => Aws::connect(ctx, aws_args, &config).await?,
        };
        let clients = &aws.insert(connected).clients;
        for i in pending {
            let provider = config
                .resources
                .get(&i.to)
                .and_then(|r| r.provider.as_deref());
            let imported = match clients.for_alias(provider) {
                Ok(c) => flowform_applier::import(c, &i.to, &i.id, &state.digest_key).await,
                Err(e) => Err(e),
            };
            match imported {
                Ok(mut record) => {
                    keep_configured_kms_arn(&config, &state, &i.to, &mut record);
                    imports.insert(
                        i.to.clone(),
                        flowform_planner::Importing {
                            id: i.id.clone(),
                            record,
                        },
                    );
                }
                Err(e) => {
                    let d = flowform_core::Diagnostic::error(
                        "Cannot import",
                        format!("{}: reading \"{}\" failed: {e}", i.to, i.id),
                    )
                    .with_range(i.range.clone());
                    ctx.print_diagnostics(&config.sources, &flowform_core::Diagnostics(vec![d]));
                    if let Some(a) = aws {
                        a.close().await;
                    }
                    return Err(Exit::Error);
                }
            }
        }
    }
    let options = PlanOptions {
        destroy,
        targets,
        refreshed: refreshed.clone(),
        replace,
        refresh_only: changes.refresh_only,
        imports,
        for_tools,
    };
    match flowform_planner::plan(&config, &state, &options) {
        Ok(plan) => {
            ctx.print_diagnostics(&config.sources, &plan.warnings);
            Ok((
                Planned {
                    config,
                    state,
                    state_existed,
                    plan,
                    refreshed,
                },
                aws,
            ))
        }
        Err(d) => {
            ctx.print_diagnostics(&config.sources, &d);
            if let Some(a) = aws {
                a.close().await;
            }
            Err(Exit::Error)
        }
    }
}

/// Reads every data source of `config` and records what was read in it. A data source whose
/// object does not exist is an error that names the block.
pub async fn read_data_sources(ctx: &Context, config: &mut Config, aws: &Aws) -> Result<(), Exit> {
    let mut values = flowform_parser::DataValues::new();
    let mut diags = flowform_core::Diagnostics::default();
    for ds in &config.data_sources {
        let what = ds
            .args
            .iter()
            .map(|(k, v)| format!("{k} = \"{v}\""))
            .collect::<Vec<_>>()
            .join(", ");
        let read = match aws.clients.for_alias(ds.provider.as_deref()) {
            Ok(c) => flowform_applier::read_data(c, ds.kind, &ds.args).await,
            Err(e) => Err(e),
        };
        match read {
            Ok(Some(attributes)) => {
                values.insert(ds.address(), attributes);
            }
            Ok(None) => diags.push(
                flowform_core::Diagnostic::error(
                    "Data source object not found",
                    format!(
                        "{} found nothing: there is no {} with {what} in this account and region.",
                        ds.address(),
                        ds.kind
                    ),
                )
                .with_range(ds.range.clone()),
            ),
            Err(e) => diags.push(
                flowform_core::Diagnostic::error(
                    "Cannot read data source",
                    format!("{} could not be read: {e}", ds.address()),
                )
                .with_range(ds.range.clone()),
            ),
        }
    }
    if diags.has_errors() {
        ctx.print_diagnostics(&config.sources, &diags);
        return Err(Exit::Error);
    }
    config.set_data(values);
    Ok(())
}

/// AWS never describes a profile's `kms_arn`: an imported profile takes the configured one, or
/// the plan would replace it over an attribute it cannot see.
pub fn keep_configured_kms_arn(
    config: &Config,
    state: &State,
    address: &Address,
    record: &mut flowform_state::ResourceState,
) {
    if address.kind == flowform_core::ResourceKind::ConnectorProfile
        && let Ok(attrs) = config.evaluate_resource(address, &flowform_planner::StateExports(state))
        && let Some(kms) = attrs.get("kms_arn").and_then(|v| v.as_str())
    {
        record.attributes.insert("kms_arn".into(), kms.into());
    }
}

pub fn run(ctx: &Context, args: &PlanArgs, inputs: &VariableInputs) -> Exit {
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(e) => return e,
    };
    // A plan takes the lock too: it must never read the journal of an apply still running as
    // if it were an interrupted one (and show its half-done changes as drift).
    let (mut backend, _lock) = match ctx.lock_backend("plan", args.planning.lock_timeout) {
        Ok(locked) => locked,
        Err(e) => return e,
    };
    rt.block_on(async {
        if args.out.is_some() && args.changes.refresh_only {
            return error("a refresh-only plan cannot be saved: run `flowform apply --refresh-only` to record what the refresh finds.");
        }
        // The JSON view and a saved plan show the configuration and the unchanged resources'
        // values; the terminal's view does not, and the planner leaves them out unless asked.
        let for_tools = args.format == Format::Json || args.out.is_some();
        let (mut planned, aws) = match make_plan(ctx, &args.planning, &args.changes, inputs, args.destroy, false, for_tools, &args.aws, || ctx.read_locked(&mut backend)).await {
            Ok(p) => p,
            Err(e) => return e,
        };
        print_plan(&planned.plan, args.format);
        if let Some(out) = &args.out {
            // A saved plan names the account and region it applies to, so it needs AWS (or
            // the sandbox) even when nothing was refreshed.
            let aws = match aws {
                Some(a) => a,
                None => match Aws::connect(ctx, &args.aws, &planned.config).await {
                    Ok(a) => a,
                    Err(e) => return e,
                },
            };
            let target = super::aws::plan_target(ctx, &args.aws, &planned.config, &aws).await;
            aws.close().await;
            let target = match target {
                Ok(t) => t,
                Err(e) => return e,
            };
            // A plan for a state that does not exist yet would have to carry the state's digest
            // key, and a plan file (a CI artifact) is no place for it: the state is made now.
            if !planned.state_existed {
                match create_state(&mut backend, ctx, &planned.state) {
                    Ok(serial) => planned.state.serial = serial,
                    Err(e) => return e,
                }
            }
            let saved = SavedPlan::new(planned.plan.clone(), &planned.config, &planned.state, VERSION, target);
            let written = saved
                .to_json()
                .map_err(|e| fail("Cannot save the plan", e.to_string()))
                .and_then(|bytes| {
                    flowform_fs::write_durably(out, &bytes, flowform_fs::Access::Default)
                        .map_err(|e| fail(format!("cannot write {}", out.display()), format!("{e}.")))
                });
            if let Err(e) = written {
                return e;
            }
            if args.format == Format::Text {
                // The file names its configuration, state and AWS target: no other flag is
                // needed (or allowed to differ) to apply it.
                outln!("\nSaved the plan to: {}\n\nTo perform exactly these actions, run:\n  flowform apply {}", out.display(), out.display());
            }
            let changes = planned.plan.has_changes();
            super::leak_at_exit(planned);
            return if args.detailed_exitcode && changes { Exit::Changes } else { Exit::Success };
        }
        if let Some(a) = aws {
            a.close().await;
        }
        let changes = planned.plan.has_changes();
        super::leak_at_exit(planned);
        if args.detailed_exitcode && changes { Exit::Changes } else { Exit::Success }
    })
}

pub fn print_plan(plan: &Plan, format: Format) {
    match format {
        Format::Text => crate::output::write_str(&flowform_views::plan_text::render(plan)),
        Format::Markdown => {
            let parts = flowform_views::plan_markdown::render(plan);
            let n = parts.len();
            for (i, part) in parts.iter().enumerate() {
                if n > 1 {
                    outln!("<!-- flowform-plan part {} of {n} -->", i + 1);
                }
                out!("{part}");
            }
        }
        Format::Json => {
            let meta = flowform_views::plan_json::JsonMeta::new(VERSION);
            let doc = flowform_views::plan_json::render(plan, &meta);
            outln!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        }
    }
}

/// Writes a new, empty state (the caller holds the lock) and returns its serial.
fn create_state(
    backend: &mut flowform_state::Backend,
    ctx: &Context,
    state: &State,
) -> Result<flowform_state::Serial, Exit> {
    if backend.load().map_err(|e| state_error(&e))?.is_some() {
        return Err(error("a state appeared while planning: plan again"));
    }
    if matches!(backend, flowform_state::Backend::Local(_))
        && let Some(dir) = ctx
            .state_path()
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
    {
        let _ = std::fs::create_dir_all(dir);
    }
    backend.persist(state).map_err(|e| state_error(&e))
}

/// Plan files are as large as the plans they hold; past this, it is not one.
const MAX_PLAN_FILE_BYTES: u64 = 256 << 20;

/// Reads a plan file written by `plan -out`: a regular file of bounded size.
pub fn read_planfile(path: &std::path::Path) -> Result<SavedPlan, Exit> {
    let cannot = |e: &dyn std::fmt::Display| {
        fail(format!("cannot read {}", path.display()), format!("{e}."))
    };
    let bytes = match flowform_fs::read(path, MAX_PLAN_FILE_BYTES) {
        Ok(Some((bytes, _))) => bytes,
        Ok(None) => return Err(cannot(&"there is no such file")),
        Err(e) => return Err(cannot(&e)),
    };
    SavedPlan::from_json(&path.display().to_string(), &bytes)
        .map_err(|e| fail("Invalid plan file", format!("{e}.")))
}
