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
    let (config, state, plan, expected, aws) = match request.planfile {
        Some(path) => match from_planfile(ctx, path, inputs, request.aws).await {
            Ok(v) => v,
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
            print!(
                "{}",
                flowform_planner::render::text::render(&planned.plan, ctx.ui.color)
            );
            if !planned.plan.has_changes() {
                if let Some(a) = aws {
                    a.close().await;
                }
                return Exit::Success;
            }
            if !request.auto_approve
                && let Err(e) = confirm(request.destroy)
            {
                if let Some(a) = aws {
                    a.close().await;
                }
                return e;
            }
            (planned.config, planned.state, planned.plan, None, aws)
        }
    };
    let aws = match aws {
        Some(a) => a,
        None => match Aws::connect(ctx, request.aws, &config).await {
            Ok(a) => a,
            Err(e) => return e,
        },
    };
    let outcome = execute(
        ctx,
        &mut backend,
        config,
        state,
        plan,
        expected,
        &aws,
        request,
    )
    .await;
    aws.close().await;
    outcome
}

async fn from_planfile(
    ctx: &Context,
    path: &Path,
    inputs: &VariableInputs,
    aws_args: &AwsArgs,
) -> Result<
    (
        flowform_parser::Config,
        State,
        Plan,
        Option<flowform_planner::planfile::SavedPlanDigests>,
        Option<Aws>,
    ),
    Exit,
> {
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
    let state = match state {
        Some(s) => s,
        None => saved
            .initial_state()
            .ok_or_else(|| error("the saved plan has no state to start from"))?,
    };
    let _ = aws_args;
    Ok((config, state, saved.plan, Some(saved.sensitive), None))
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
    print!(
        "\n{question}\n  flowform will perform the actions described above.\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: "
    );
    let _ = std::io::stdout().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    if answer.trim() == "yes" {
        println!();
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
    config: flowform_parser::Config,
    state: State,
    plan: Plan,
    expected: Option<flowform_planner::planfile::SavedPlanDigests>,
    aws: &Aws,
    request: &Request<'_>,
) -> Exit {
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
    match flowform_planner::applied_outputs(&config, &state) {
        Ok(outputs) if report.errors.is_empty() => state.outputs = outputs,
        Ok(_) => {}
        Err(d) => ctx.print_diagnostics(&config.sources, &d),
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
        println!(
            "\nDestroy complete! Resources: {} destroyed.",
            report.destroyed
        );
    } else {
        println!(
            "\nApply complete! Resources: {} added, {} changed, {} destroyed.",
            report.added, report.changed, report.destroyed
        );
    }
    if !state.outputs.is_empty() && !request.destroy {
        println!("\nOutputs:\n");
        for (name, o) in &state.outputs {
            let shown = match o.value() {
                Some(v) => flowform_planner::render::display(
                    &flowform_core::Value::from_json(v.clone()),
                    0,
                ),
                None => "(sensitive value)".to_string(),
            };
            println!("{name} = {shown}");
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
        println!("{}: {verb}{id}", change.address);
    }

    fn finished(&self, change: &ResourceChange, phase: Phase, elapsed: Duration, id: Option<&str>) {
        let _guard = self.out.lock();
        let verb = match phase {
            Phase::Creating => "Creation complete",
            Phase::Modifying => "Modifications complete",
            Phase::Destroying => "Destruction complete",
        };
        let id = id.map(|i| format!(" [id={i}]")).unwrap_or_default();
        println!(
            "{}: {verb} after {}s{id}",
            change.address,
            elapsed.as_secs()
        );
        let _ = change.action == Action::NoOp;
    }
}
