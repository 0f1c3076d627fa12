//! `flowform apply` and `flowform destroy`: plan (or read a saved plan), ask, carry it out,
//! record every change as it finishes, and report.

use super::Exit;
use super::aws::{Aws, runtime};
use super::context::{Context, VERSION, error};
use crate::args::{AwsArgs, PlanningArgs};
use flowform_applier::{ApplyOptions, Phase, Progress};
use flowform_parser::VariableInputs;
use flowform_planner::planfile::{PlanTarget, SavedPlan};
use flowform_planner::{Plan, ResourceChange};
use flowform_state::{Backend, State};
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub struct Request<'a> {
    pub planfile: Option<&'a Path>,
    pub planning: &'a PlanningArgs,
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
            error(&format!(
                "the saved plan was made for the {what} {planned}, not {}: apply it without that flag, or make a new plan for {}.",
                given.display(),
                given.display()
            ))
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
            return Err(error(&format!(
                "the saved plan was made for the state {}, not {}: apply it without --state.",
                target.state,
                state.display()
            )));
        }
        if let Some(e) = differs("state", state, &target.state) {
            return Err(e);
        }
    }
    if request.aws.sandbox && !target.sandbox {
        return Err(error(
            "the saved plan was made against AWS, not the sandbox: it is applied to what it was planned against, so apply it without --sandbox.",
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
    };
    let aws = AwsArgs {
        sandbox: target.sandbox,
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
    let (mut backend, _lock, _) = match ctx.lock_state(operation, request.planning.lock_timeout) {
        Ok(locked) => locked,
        Err(e) => return e,
    };
    let (run, aws) = match saved {
        Some(saved) => match from_planfile(ctx, saved, request, inputs).await {
            Ok((run, aws)) => (run, Some(aws)),
            Err(e) => return e,
        },
        None => {
            let (planned, aws) = match super::plan::make_plan(
                ctx,
                request.planning,
                inputs,
                request.destroy,
                request.aws,
            )
            .await
            {
                Ok(p) => p,
                Err(e) => return e,
            };
            out!(
                "{}",
                flowform_planner::render::text::render(&planned.plan, ctx.ui.color)
            );
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
) -> Result<(Run, Aws), Exit> {
    let config = ctx.load_config(inputs)?;
    let (_, state) = ctx.open_state()?;
    if let Err(stale) = saved.check(&config, state.as_ref(), VERSION) {
        let path = request.planfile.unwrap_or(Path::new("")).display();
        return Err(error(&format!(
            "the saved plan {path} cannot be applied: {stale}."
        )));
    }
    let state = state.ok_or_else(|| {
        error("the saved plan needs the state it was made against, and there is none")
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
        return Err(error(&format!(
            "the saved plan was made for {}, but this run reaches {}: a plan is applied only where it was made. Make a new plan for this target.",
            saved.target, now
        )));
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

/// Asks `Do you want to perform these actions?`; only `yes` goes on.
fn confirm(destroy: bool) -> Result<(), Exit> {
    if !std::io::stdin().is_terminal() {
        return Err(error(
            "no terminal to ask for approval on: run again with --auto-approve to apply without asking.",
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
        eprintln!("\n{} cancelled.", if destroy { "Destroy" } else { "Apply" });
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
        Err(e) => return error(&e.to_string()),
    };
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
    let (journal, report) = flowform_applier::apply(
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
    let mut state = match backend.fold(journal) {
        Ok(s) => s,
        Err(e) => {
            return error(&format!(
                "the changes were made and journaled, but the state could not be written: {e}. The next command will recover them from the journal."
            ));
        }
    };
    let unevaluated =
        flowform_applier::record_outputs(&mut state, &config, &report, request.destroy);
    ctx.print_diagnostics(&config.sources, &unevaluated);
    state.flowform_version = VERSION.to_string();
    if let Err(e) = backend.persist(&state) {
        return error(&e.to_string());
    }
    if stop.load(Ordering::SeqCst) {
        let verb = if request.destroy { "Destroy" } else { "Apply" };
        eprintln!(
            "\n{verb} interrupted. Finished and recorded in the state: {} added, {} changed, {} destroyed; {} failed.",
            report.added,
            report.changed,
            report.destroyed,
            report.errors.len()
        );
        for e in &report.errors {
            eprintln!("Error: {e}\n");
        }
        if !report.not_started.is_empty() {
            eprintln!("Not started:");
            for a in &report.not_started {
                eprintln!("  {a}");
            }
        }
        eprintln!("Run {} again to carry out the rest.", verb.to_lowercase());
        return Exit::Code(130);
    }
    if !report.errors.is_empty() {
        for e in &report.errors {
            eprintln!("Error: {e}\n");
        }
        for s in &report.skipped {
            eprintln!("Warning: {s} was not changed because a change it depends on failed.\n");
        }
        eprintln!(
            "{} of the planned changes failed; everything that finished is recorded in the state. Fix the cause and run apply again.",
            report.errors.len()
        );
        return Exit::Error;
    }
    if request.destroy {
        outln!(
            "\nDestroy complete! Resources: {} destroyed.",
            report.destroyed
        );
    } else {
        outln!(
            "\nApply complete! Resources: {} added, {} changed, {} destroyed.",
            report.added,
            report.changed,
            report.destroyed
        );
    }
    if !state.outputs.is_empty() && !request.destroy {
        outln!("\nOutputs:\n");
        for (name, o) in &state.outputs {
            let shown = match o.value() {
                Some(v) => flowform_planner::render::display(
                    &flowform_core::Value::from_json(v.clone()),
                    0,
                ),
                None => "(sensitive value)".to_string(),
            };
            outln!("{name} = {shown}");
        }
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
            eprintln!(
                "\nInterrupt received. No new change is started; the ones running finish and are recorded.\nInterrupt again to stop at once (what has finished is safe in the journal)."
            );
        } else {
            eprintln!(
                "\nStopped at once. The next flowform command recovers what finished from the journal."
            );
            std::process::exit(130);
        }
    }
}

/// Prints Terraform's progress lines, one at a time.
struct Printer {
    out: Mutex<()>,
}

impl Progress for Printer {
    fn started(&self, change: &ResourceChange, phase: Phase) {
        let _guard = self.out.lock();
        let id = change
            .prior_id
            .as_ref()
            .filter(|_| phase != Phase::Creating)
            .map(|i| format!(" [id={i}]"))
            .unwrap_or_default();
        let verb = match phase {
            Phase::Creating => "Creating...",
            Phase::Modifying => "Modifying...",
            Phase::Destroying => "Destroying...",
        };
        outln!("{}: {verb}{id}", change.address);
    }

    fn finished(&self, change: &ResourceChange, phase: Phase, elapsed: Duration, id: Option<&str>) {
        let _guard = self.out.lock();
        let verb = match phase {
            Phase::Creating => "Creation complete",
            Phase::Modifying => "Modifications complete",
            Phase::Destroying => "Destruction complete",
        };
        let id = id.map(|i| format!(" [id={i}]")).unwrap_or_default();
        outln!(
            "{}: {verb} after {}s{id}",
            change.address,
            elapsed.as_secs()
        );
    }
}
