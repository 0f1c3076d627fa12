//! Reaching AWS: the real one through aws-config, or a sandbox started in this process whose
//! data is kept next to the state file.

use super::Exit;
use super::context::{Context, fail, show};
use crate::args::AwsArgs;
use flowform_applier::{ClientSettings, Clients};
use flowform_core::Diagnostic;
use flowform_parser::Config;
use std::path::PathBuf;

/// Clients, and the sandbox behind them when there is one (it must be shut down to save).
pub struct Aws {
    pub clients: Clients,
    sandbox: Option<flowform_sandbox::RunningSandbox>,
}

impl Aws {
    pub async fn connect(ctx: &Context, args: &AwsArgs, config: &Config) -> Result<Aws, Exit> {
        let provider = &config.provider;
        let mut settings = ClientSettings {
            region: provider.region.clone(),
            profile: provider.profile.clone(),
            endpoint_url: provider.endpoint_url.clone(),
            max_retries: provider.max_retries,
            static_credentials: None,
        };
        if let Some(endpoint) = &args.endpoint {
            settings.endpoint_url = Some(endpoint.clone());
        }
        if let Some(region) = &args.region {
            settings.region = Some(region.clone());
        }
        let mut sandbox = None;
        if args.sandbox {
            let data_file = sandbox_data_path(ctx);
            if let Some(dir) = data_file.parent().filter(|d| !d.as_os_str().is_empty()) {
                let _ = std::fs::create_dir_all(dir);
            }
            let running = flowform_sandbox::start(flowform_sandbox::SandboxConfig {
                data_file: Some(data_file.clone()),
                ..Default::default()
            })
            .await
            .map_err(|e| fail("the sandbox could not start", format!("{e}.")))?;
            settings.endpoint_url = Some(running.endpoint());
            settings.static_credentials = Some(("test".into(), "test".into()));
            settings.profile = None;
            settings.region = Some(
                args.region
                    .clone()
                    .or_else(|| provider.region.clone())
                    .unwrap_or_else(|| "us-east-1".into()),
            );
            sandbox = Some(running);
        }
        Ok(Aws {
            clients: Clients::connect(&settings).await,
            sandbox,
        })
    }

    /// Stops the sandbox (saving its data).
    pub async fn close(self) {
        if let Some(s) = self.sandbox
            && let Err(e) = s.shutdown().await
        {
            show(&Diagnostic::warning(
                "the sandbox could not save its data",
                format!("{e}."),
            ));
        }
    }
}

/// Where a plan made now applies: the configuration, the state, and the AWS (or sandbox)
/// endpoint, account and region `aws` reaches. Saved with `plan -out` and checked by
/// `apply FILE`.
pub async fn plan_target(
    ctx: &Context,
    args: &AwsArgs,
    config: &Config,
    aws: &Aws,
) -> Result<flowform_planner::planfile::PlanTarget, Exit> {
    let account = aws.clients.account().await.map_err(|e| {
        fail(
            "cannot tell which AWS account this is",
            format!("STS GetCallerIdentity failed: {e}. A saved plan must name the account it applies to."),
        )
    })?;
    let absolute = |p: &std::path::Path| {
        std::path::absolute(p)
            .unwrap_or_else(|_| p.to_path_buf())
            .display()
            .to_string()
    };
    let config_dir = ctx
        .dir
        .canonicalize()
        .map(|d| d.display().to_string())
        .unwrap_or_else(|_| absolute(&ctx.dir));
    Ok(flowform_planner::planfile::PlanTarget {
        config_dir,
        state: absolute(&ctx.state_path()),
        workspace: "default".into(),
        sandbox: args.sandbox,
        endpoint: if args.sandbox {
            None
        } else {
            args.endpoint.clone().or_else(|| endpoint_override(config))
        },
        account,
        region: aws.clients.region.clone(),
    })
}

/// The endpoint that replaces AWS's own, if any: the provider's `endpoint_url`, else
/// `AWS_ENDPOINT_URL`.
fn endpoint_override(config: &Config) -> Option<String> {
    config
        .provider
        .endpoint_url
        .clone()
        .or_else(|| std::env::var("AWS_ENDPOINT_URL").ok())
        .filter(|e| !e.is_empty())
}

/// `state/quickstart.json` → `state/quickstart.sandbox.json`.
pub fn sandbox_data_path(ctx: &Context) -> PathBuf {
    ctx.state_path().with_extension("sandbox.json")
}

/// A runtime for the commands that talk to AWS. Multi-threaded: the applier records changes
/// with `block_in_place`.
pub fn runtime() -> Result<tokio::runtime::Runtime, Exit> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| fail("cannot start the async runtime", format!("{e}.")))
}
