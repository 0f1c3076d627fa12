//! `flowform apply` and `flowform destroy`: plan (or read a saved plan), ask, carry it out,
//! record every change as it finishes, and report.

use super::Exit;
use super::aws::{Aws, runtime};
use super::context::{Context, VERSION, fail, show, state_error};
use crate::args::{AwsArgs, ChangeArgs, PlanningArgs};
use flowform_applier::{ApplyOptions, Phase, Progress};
use flowform_core::Diagnostic;
use flowform_parser::VariableInputs;
use flowform_planner::planfile::{PlanTarget, SavedPlan};
use flowform_planner::{Plan, ResourceChange};
use flowform_state::{Backend, State};
use flowform_views::apply as view;
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub struct Request<'a> {
    pub planfile: Option<&'a Path>,
    pub planning: &'a PlanningArgs,
    pub changes: &'a ChangeArgs,
    pub aws: &'a AwsArgs,
    pub auto_approve: bool,
    pub destroy: bool,
}

pub fn run(ctx: &Context, request: &Request<'_>, inputs: &VariableInputs) -> Exit {
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(e) => return e,
    };
    let Some(path) = request.planfile else {
        return rt.block_on(run_async(ctx, request, inputs, None));
    };
    // A saved plan says where it applies: its configuration, its state, and whether it was
    // made against the sandbox. Those come from the file, never from the flags.
    let saved = match super::plan::read_planfile(path) {
        Ok(s) => s,
        Err(e) => return e,
    };
    let (planned_ctx, aws_args) = match retarget(ctx, request, &saved.target) {
        Ok(t) => t,
        Err(e) => return e,
    };
    let request = Request {
        aws: &aws_args,
        ..*request
    };
    rt.block_on(run_async(&planned_ctx, &request, inputs, Some(saved)))
}

/// The context and AWS settings a saved plan was made for. A flag that names another
/// configuration, state or target than the plan's is refused rather than obeyed.
fn retarget(
    ctx: &Context,
    request: &Request<'_>,
    target: &PlanTarget,
) -> Result<(Context, AwsArgs), Exit> {
    let differs = |what: &str, given: &Path, planned: &str| {
        let given_abs = given
            .canonicalize()
            .or_else(|_| std::path::absolute(given))
            .unwrap_or_else(|_| given.to_path_buf());
        let planned_abs = Path::new(planned)
            .canonicalize()
            .unwrap_or_else(|_| Path::new(planned).to_path_buf());
        (given_abs != planned_abs).then(|| {
            fail(
                format!(
                    "the saved plan was made for the {what} {planned}, not {}",
                    given.display()
                ),
                format!(
                    "Apply it without that flag, or make a new plan for {}.",
                    given.display()
                ),
            )
        })
    };
    if ctx.dir_given
        && let Some(e) = differs("configuration in", &ctx.dir, &target.config_dir)
    {
        return Err(e);
    }
    let remote = target.state.starts_with("s3://");
    if let Some(state) = &ctx.state_override {
        if remote {
            return Err(fail(
                "The saved plan is for another state",
                format!(
                    "The saved plan was made for the state {}, not {}: apply it without --state.",
                    target.state,
                    state.display()
                ),
            ));
        }
        if let Some(e) = differs("state", state, &target.state) {
            return Err(e);
        }
    }
    if request.aws.sandbox && !target.sandbox {
        return Err(fail(
            "the saved plan was made against AWS, not the sandbox",
            "A saved plan is applied to what it was planned against: apply it without --sandbox.",
        ));
    }
    // An s3 state is reached through the configuration's backend (and --backend-config);
    // the target comparison after connecting proves it is the planned one.
    let planned_ctx = Context {
        dir: target.config_dir.clone().into(),
        dir_given: true,
        state_override: (!remote).then(|| target.state.clone().into()),
        backend_config: ctx.backend_config.clone(),
        workspace: target.workspace.clone(),
        sandbox: target.sandbox,
        ui: ctx.ui,
        workspace_must_exist: ctx.workspace_must_exist,
    };
    let aws = AwsArgs {
        sandbox: target.sandbox,
        // The endpoint it was planned against, reached again whatever the environment says.
        endpoint: target.endpoint.clone(),
        region: Some(target.region.clone()),
        ..request.aws.clone()
    };
    Ok((planned_ctx, aws))
}

async fn run_async(
    ctx: &Context,
    request: &Request<'_>,
    inputs: &VariableInputs,
    saved: Option<SavedPlan>,
) -> Exit {
    let operation = if request.destroy { "destroy" } else { "apply" };
    let (mut backend, _lock) = match ctx.lock_backend(operation, request.planning.lock_timeout) {
        Ok(locked) => locked,
        Err(e) => return e,
    };
    let (run, aws) = match saved {
        Some(saved) => {
            let state = match ctx.read_locked(&mut backend) {
                Ok(state) => state,
                Err(e) => return e,
            };
            match from_planfile(ctx, saved, request, inputs, state).await {
                Ok((run, aws)) => (run, Some(aws)),
                Err(e) => return e,
            }
        }
        None => {
            let (planned, aws) = match super::plan::make_plan(
                ctx,
                request.planning,
                request.changes,
                inputs,
                request.destroy,
                false,
                false,
                request.aws,
                || ctx.read_locked(&mut backend),
            )
            .await
            {
                Ok(p) => p,
                Err(e) => return e,
            };
            crate::output::write_str(&flowform_views::plan_text::render(&planned.plan));
            let forget = flowform_applier::forgotten(&planned.plan, planned.refreshed.as_ref());
            let proceed = planned.plan.has_changes() || !forget.is_empty();
            let approved = !planned.plan.has_changes()
                || request.auto_approve
                || confirm(request.destroy).is_ok();
            if !proceed || !approved {
                if let Some(a) = aws {
                    a.close().await;
                }
                return if approved { Exit::Success } else { Exit::Error };
            }
            if planned.plan.refresh_only {
                let outcome = record_refresh(&mut backend, planned.state, planned.refreshed);
                if let Some(a) = aws {
                    a.close().await;
                }
                return outcome;
            }
            let run = Run {
                config: planned.config,
                state: planned.state,
                plan: planned.plan,
                expected: None,
                forget,
            };
            (run, aws)
        }
    };
    let aws = match aws {
        Some(a) => a,
        None => match Aws::connect(ctx, request.aws, &run.config).await {
            Ok(a) => a,
            Err(e) => return e,
        },
    };
    let outcome = execute(ctx, &mut backend, run, &aws, request).await;
    aws.close().await;
    outcome
}

/// `apply FILE`: the saved plan, if it still fits the state and the configuration, and the
/// connection to the very AWS account, region and endpoint it was made against.
async fn from_planfile(
    ctx: &Context,
    saved: SavedPlan,
    request: &Request<'_>,
    inputs: &VariableInputs,
    state: Option<State>,
) -> Result<(Run, Aws), Exit> {
    let mut config = ctx.load_config(inputs)?;
    if let Err(stale) = saved.check(&config, state.as_ref(), VERSION) {
        let path = request.planfile.unwrap_or(Path::new("")).display();
        return Err(fail(
            format!("the saved plan {path} cannot be applied"),
            format!("{stale}."),
        ));
    }
    let state = state.ok_or_else(|| {
        fail(
            "the saved plan needs the state it was made against, and there is none",
            "",
        )
    })?;
    let aws = Aws::connect(ctx, request.aws, &config).await?;
    let now = match super::aws::plan_target(ctx, request.aws, &config, &aws).await {
        Ok(t) => t,
        Err(e) => {
            aws.close().await;
            return Err(e);
        }
    };
    if now != saved.target {
        aws.close().await;
        return Err(fail(
            "the saved plan was made for another target",
            format!(
                "The saved plan was made for {}, but this run reaches {}: a plan is applied only where it was made. Make a new plan for this target.",
                saved.target, now
            ),
        ));
    }
    // The data sources as they are now: a change since the plan shows as a value that
    // differs from the plan's, which apply refuses.
    if let Err(e) = super::plan::read_data_sources(ctx, &mut config, &aws).await {
        aws.close().await;
        return Err(e);
    }
    let run = Run {
        config,
        state,
        plan: saved.plan,
        expected: Some(saved.sensitive),
        forget: Vec::new(),
    };
    Ok((run, aws))
}

/// What an apply carries out: the configuration, the state, the plan (and a saved plan's
/// digests), and the records to drop.
struct Run {
    config: flowform_parser::Config,
    state: State,
    plan: Plan,
    expected: Option<flowform_planner::planfile::SavedPlanDigests>,
    forget: Vec<flowform_core::Address>,
}

/// `apply --refresh-only`: what the refresh found becomes the state; nothing else is done.
fn record_refresh(
    backend: &mut Backend,
    mut state: State,
    refreshed: Option<flowform_planner::Refreshed>,
) -> Exit {
    let mut recorded = 0;
    for (address, now) in refreshed.into_iter().flatten() {
        match now {
            Some(mut record) => {
                if let Some(was) = state.resources.get(&address) {
                    if *was == record {
                        continue;
                    }
                    record.dependencies = was.dependencies.clone();
                }
                state.resources.insert(address, record);
                recorded += 1;
            }
            None => {
                state.resources.remove(&address);
                recorded += 1;
            }
        }
    }
    state.flowform_version = VERSION.to_string();
    if let Err(e) = backend.persist(&state) {
        return state_error(&e);
    }
    outln!(
        "\nApply complete! Resources: 0 added, 0 changed, 0 destroyed. The state records what exists now ({recorded} {} updated).",
        if recorded == 1 { "object" } else { "objects" }
    );
    Exit::Success
}

/// Asks `Do you want to perform these actions?`; only `yes` goes on.
fn confirm(destroy: bool) -> Result<(), Exit> {
    if !std::io::stdin().is_terminal() {
        return Err(fail(
            "no terminal to ask for approval on",
            "Run again with --auto-approve to apply without asking.",
        ));
    }
    let question = if destroy {
        "Do you really want to destroy all resources?"
    } else {
        "Do you want to perform these actions?"
    };
    out!(
        "\n{question}\n  flowform will perform the actions described above.\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: "
    );
    let _ = std::io::stdout().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    if answer.trim() == "yes" {
        outln!();
        Ok(())
    } else {
        err!(
            "\n{} cancelled.\n",
            if destroy { "Destroy" } else { "Apply" }
        );
        Err(Exit::Error)
    }
}

#[allow(clippy::too_many_arguments)]
async fn execute(
    ctx: &Context,
    backend: &mut Backend,
    run: Run,
    aws: &Aws,
    request: &Request<'_>,
) -> Exit {
    let Run {
        config,
        state,
        plan,
        expected,
        forget,
    } = run;
    let journal = match backend.begin_journal(&state) {
        Ok(j) => j,
        Err(e) => return state_error(&e),
    };
    let destroys_everything = plan.destroy && plan.targets.is_empty();
    let config = Arc::new(config);
    let progress = Arc::new(Printer {
        out: Mutex::new(()),
    });
    let stop = Arc::new(AtomicBool::new(false));
    let signals = tokio::spawn(watch_signals(stop.clone()));
    let options = ApplyOptions {
        parallelism: request.aws.parallelism,
        expected_digests: expected,
        forget,
        stop: stop.clone(),
    };
    let (mut journal, report) = flowform_applier::apply(
        Arc::new(plan),
        config.clone(),
        journal,
        aws.clients.clone(),
        options,
        progress,
    )
    .await;
    // From here on a signal takes its default course again: what remains is quick, and the
    // journal already holds every finished change.
    signals.abort();
    // The outputs go in with the changes: the state is written once per apply.
    let (outputs, unevaluated) =
        flowform_applier::applied_outputs(journal.state(), &config, &report, destroys_everything);
    journal.set_derived(outputs, VERSION);
    let state = match backend.fold(journal) {
        Ok(s) => s,
        Err(e) => {
            return fail(
                "the changes were made and journaled, but the state could not be written",
                format!("{e} The next command will recover them from the journal."),
            );
        }
    };
    ctx.print_diagnostics(&config.sources, &unevaluated);
    let counts = view::Counts {
        imported: report.imported,
        added: report.added,
        changed: report.changed,
        destroyed: report.destroyed,
    };
    if stop.load(Ordering::SeqCst) {
        err!(
            "{}",
            view::interrupted(request.destroy, counts, report.errors.len())
        );
        for e in &report.errors {
            show(&e.diagnostic());
        }
        err!(
            "{}",
            view::not_started(request.destroy, &report.not_started)
        );
        return Exit::Code(130);
    }
    if !report.errors.is_empty() {
        for e in &report.errors {
            show(&e.diagnostic());
        }
        for s in &report.skipped {
            show(
                &Diagnostic::warning(
                    format!("{s} was not changed because a change it depends on failed"),
                    "",
                )
                .with_address(s.clone()),
            );
        }
        return fail(
            format!("{} of the planned changes failed", report.errors.len()),
            "Everything that finished is recorded in the state. Fix the cause and run apply again.",
        );
    }
    out!("{}", view::complete(counts, request.destroy));
    if !request.destroy {
        out!(
            "{}",
            view::outputs(state.outputs.iter().map(|(name, o)| {
                (
                    name.as_str(),
                    o.value()
                        .map(|v| flowform_core::Value::from_json(v.clone())),
                )
            }))
        );
    }
    Exit::Success
}

/// SIGINT (Ctrl-C) or SIGTERM: the first stops new changes from starting, and lets the running
/// ones finish and be recorded; a second one ends the process at once — every change reported
/// complete is already in the journal, which the next command folds in.
async fn watch_signals(stop: Arc<AtomicBool>) {
    #[cfg(unix)]
    let Ok(mut term) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
    else {
        return;
    };
    for received in 1.. {
        #[cfg(unix)]
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
        if received == 1 {
            stop.store(true, Ordering::SeqCst);
            err!("{}", view::INTERRUPT_RECEIVED);
        } else {
            err!("{}", view::STOPPED_AT_ONCE);
            std::process::exit(130);
        }
    }
}

/// Prints Terraform's progress lines, one at a time.
struct Printer {
    out: Mutex<()>,
}

fn phase(phase: Phase) -> view::Phase {
    match phase {
        Phase::Creating => view::Phase::Creating,
        Phase::Modifying => view::Phase::Modifying,
        Phase::Destroying => view::Phase::Destroying,
    }
}

impl Progress for Printer {
    fn started(&self, change: &ResourceChange, p: Phase) {
        let _guard = self.out.lock();
        out!(
            "{}",
            view::started(&change.address, phase(p), change.prior_id.as_deref())
        );
    }

    fn finished(&self, change: &ResourceChange, p: Phase, elapsed: Duration, id: Option<&str>) {
        let _guard = self.out.lock();
        out!("{}", view::finished(&change.address, phase(p), elapsed, id));
    }
}
