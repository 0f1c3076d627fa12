//! `flowform apply` and `flowform destroy`: plan (or read a saved plan), ask, carry it out,
//! record every change as it finishes, and report.

use super::Exit;
use super::aws::{Aws, runtime};
use super::context::{Context, VERSION, error};
use crate::args::{AwsArgs, PlanningArgs};
use flowform_applier::{ApplyOptions, Phase, Progress};
use flowform_parser::VariableInputs;
use flowform_planner::planfile::SavedPlan;
use flowform_planner::{Action, Plan, ResourceChange};
use flowform_state::{LocalBackend, State};
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
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
    rt.block_on(run_async(ctx, request, inputs))
}

async fn run_async(ctx: &Context, request: &Request<'_>, inputs: &VariableInputs) -> Exit {
    let mut backend = LocalBackend::new(ctx.state_path());
    let operation = if request.destroy { "destroy" } else { "apply" };
    let _lock = match backend.lock(operation, request.planning.lock_timeout) {
        Ok(l) => l,
        Err(e) => return error(&e.to_string()),
    };
    let (run, aws) = match request.planfile {
        Some(path) => match from_planfile(ctx, path, inputs) {
            Ok(run) => (run, None),
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
            let forget = gone(&planned);
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
    // Only now, approved, does the apply write: an interrupted apply's journal is folded in
    // here, so that declining keeps the knowledge that the next apply resumes one.
    if let Err(e) = ctx.fold_state(&mut backend) {
        return e;
    }
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

/// `apply FILE`: the saved plan, if it still fits the state and the configuration.
fn from_planfile(ctx: &Context, path: &Path, inputs: &VariableInputs) -> Result<Run, Exit> {
    let bytes =
        std::fs::read(path).map_err(|e| error(&format!("cannot read {}: {e}", path.display())))?;
    let saved = SavedPlan::from_json(&path.display().to_string(), &bytes)
        .map_err(|e| error(&e.to_string()))?;
    let config = ctx.load_config(inputs)?;
    let (_, state) = ctx.open_state()?;
    if let Err(stale) = saved.check(&config, state.as_ref(), VERSION) {
        return Err(error(&format!(
            "the saved plan {} cannot be applied: {stale}.",
            path.display()
        )));
    }
    let state = state.ok_or_else(|| {
        error("the saved plan needs the state it was made against, and there is none")
    })?;
    Ok(Run {
        config,
        state,
        plan: saved.plan,
        expected: Some(saved.sensitive),
        forget: Vec::new(),
    })
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

/// Records whose objects the refresh found gone, and that nothing in the plan makes again.
fn gone(planned: &super::plan::Planned) -> Vec<flowform_core::Address> {
    let Some(refreshed) = &planned.refreshed else {
        return Vec::new();
    };
    refreshed
        .iter()
        .filter(|(_, now)| now.is_none())
        .filter_map(|(address, _)| address.parse::<flowform_core::Address>().ok())
        .filter(|a| {
            !matches!(
                planned.plan.change(a).map(|c| c.action),
                Some(Action::Create | Action::Replace)
            )
        })
        .collect()
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
    backend: &mut LocalBackend,
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
    let options = ApplyOptions {
        parallelism: request.aws.parallelism,
        expected_digests: expected,
        recovering: ctx.recovered.get(),
        forget,
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
    let mut state = match backend.fold(journal) {
        Ok(s) => s,
        Err(e) => {
            return error(&format!(
                "the changes were made and journaled, but the state could not be written: {e}. The next command will recover them from the journal."
            ));
        }
    };
    if request.destroy {
        state.outputs.clear();
    } else {
        match flowform_planner::applied_outputs(&config, &state) {
            Ok(outputs) if report.errors.is_empty() => state.outputs = outputs,
            Ok(_) => {}
            Err(d) => ctx.print_diagnostics(&config.sources, &d),
        }
    }
    state.flowform_version = VERSION.to_string();
    if let Err(e) = backend.persist(&state) {
        return error(&e.to_string());
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
