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
    /// The clients of the default provider configuration, with those of every aliased one
    /// (`--region` overrides the default configuration's region only).
    pub async fn connect(ctx: &Context, args: &AwsArgs, config: &Config) -> Result<Aws, Exit> {
        let default = Self::settings(ctx, args, &config.provider, args.region.as_deref())?;
        let mut aliases = std::collections::BTreeMap::new();
        for (alias, provider) in &config.aliases {
            let settings = Self::settings(ctx, args, provider, None)?;
            aliases.insert(alias.clone(), Clients::connect(&settings).await);
        }
        Ok(Aws {
            clients: Clients::connect(&default).await.with_aliases(aliases),
            sandbox: None,
        })
    }

    fn settings(
        ctx: &Context,
        args: &AwsArgs,
        provider: &flowform_parser::Provider,
        region: Option<&str>,
    ) -> Result<ClientSettings, Exit> {
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
        if let Some(region) = region {
            settings.region = Some(region.to_string());
        }
        if args.sandbox {
            settings.endpoint_url = Some(sandbox_endpoint(ctx)?);
            settings.static_credentials = Some(("test".into(), "test".into()));
            settings.profile = None;
            settings.region = Some(
                region
                    .map(str::to_string)
                    .or_else(|| provider.region.clone())
                    .unwrap_or_else(|| "us-east-1".into()),
            );
        }
        Ok(settings)
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
        state: ctx.state_display()?,
        workspace: ctx.workspace.clone(),
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

/// `state/quickstart.json` → `state/quickstart.sandbox.json`; with the s3 backend (whose
/// bucket the sandbox holds too), `DIR/.flowform/sandbox.json`.
pub fn sandbox_data_path(ctx: &Context) -> PathBuf {
    match flowform_parser::backend_block(&ctx.dir) {
        Some(block) if block.kind == "s3" && ctx.state_override.is_none() => {
            ctx.dir.join(".flowform").join("sandbox.json")
        }
        _ => ctx.state_path().with_extension("sandbox.json"),
    }
}

/// The in-process sandbox's endpoint, started on first use and shared by the state's s3
/// backend and the AWS clients for the rest of the process. It runs on a runtime of its own,
/// so the commands may reach it before theirs starts (to take an s3 lock); it saves every
/// change before answering, so nothing is lost when the process ends.
pub fn sandbox_endpoint(ctx: &Context) -> Result<String, Exit> {
    static SANDBOX: std::sync::OnceLock<Result<String, String>> = std::sync::OnceLock::new();
    let started = SANDBOX.get_or_init(|| {
        let data_file = sandbox_data_path(ctx);
        if let Some(dir) = data_file.parent().filter(|d| !d.as_os_str().is_empty()) {
            let _ = std::fs::create_dir_all(dir);
        }
        let (tx, rx) = std::sync::mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("flowform-sandbox".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = tx.send(Err(e.to_string()));
                        return;
                    }
                };
                runtime.block_on(async {
                    let config = flowform_sandbox::SandboxConfig {
                        data_file: Some(data_file),
                        ..Default::default()
                    };
                    match flowform_sandbox::start(config).await {
                        Ok(running) => {
                            let _ = tx.send(Ok(running.endpoint()));
                            // Serves until the process ends.
                            std::future::pending::<()>().await;
                            drop(running);
                        }
                        Err(e) => {
                            let _ = tx.send(Err(e.to_string()));
                        }
                    }
                });
            });
        match spawned {
            Ok(_) => rx
                .recv()
                .unwrap_or_else(|_| Err("its thread ended before it started".into())),
            Err(e) => Err(e.to_string()),
        }
    });
    started
        .clone()
        .map_err(|e| fail("the sandbox could not start", format!("{e}.")))
}

/// A runtime for the commands that talk to AWS. Multi-threaded: the applier records changes
/// with `block_in_place`.
pub fn runtime() -> Result<tokio::runtime::Runtime, Exit> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| fail("cannot start the async runtime", format!("{e}.")))
}
