//! `flowform graph`: the plan's dependency graph in DOT (pipe it to `dot -Tsvg`).

use super::Exit;
use super::aws::runtime;
use super::context::Context;
use crate::args::GraphArgs;
use flowform_parser::VariableInputs;

pub fn run(ctx: &Context, args: &GraphArgs, inputs: &VariableInputs) -> Exit {
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(e) => return e,
    };
    rt.block_on(async {
        // The graph is the configuration's and the state's: no need to read AWS for it.
        let planning = crate::args::PlanningArgs {
            vars: args.vars.clone(),
            target: args.target.clone(),
            refresh: false,
            lock_timeout: std::time::Duration::ZERO,
        };
        let aws = crate::args::AwsArgs::default();
        match super::plan::make_plan(
            ctx,
            &planning,
            &crate::args::ChangeArgs::default(),
            inputs,
            false,
            true,
            false,
            &aws,
            || ctx.open_state().map(|(_, state)| state),
        )
        .await
        {
            Ok((planned, aws)) => {
                if let Some(a) = aws {
                    a.close().await;
                }
                let schedule = flowform_planner::Schedule::new(&planned.plan);
                out!("{}", schedule.to_dot(&planned.plan));
                Exit::Success
            }
            Err(e) => e,
        }
    })
}
