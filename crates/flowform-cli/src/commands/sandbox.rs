//! `flowform sandbox serve`: the sandbox on its own, for the AWS CLI, boto3 or any SDK.

use super::Exit;
use super::context::fail;
use crate::args::SandboxServeArgs;
use std::time::Duration;

pub fn serve(args: &SandboxServeArgs) -> Exit {
    let config = flowform_sandbox::SandboxConfig {
        port: args.port,
        data_file: args.data.clone(),
        latency: Duration::from_millis(args.latency_ms),
        throttle_rate: args.throttle_rate,
        error_rate: args.error_rate,
        seed: args.seed,
        access_key_id: args.access_key_id.clone(),
        secret_access_key: args.secret_access_key.clone(),
        account_id: args.account_id.clone(),
        profile_quota: args.profile_quota,
        ..Default::default()
    };
    // With --port 0 the port is chosen when it binds: the line that says where it listens
    // (printed next) is the one to copy it from.
    let port = match args.port {
        0 => "PORT".to_string(),
        p => p.to_string(),
    };
    err!(
        "AppFlow, Secrets Manager, KMS and STS for account {}. Point clients at it with:\n  export AWS_ENDPOINT_URL=http://127.0.0.1:{port} AWS_ACCESS_KEY_ID={} AWS_SECRET_ACCESS_KEY=... AWS_REGION=us-east-1\n",
        args.account_id,
        args.access_key_id
    );
    match flowform_sandbox::serve_forever(config) {
        Ok(()) => Exit::Success,
        Err(e) => fail("the sandbox stopped", format!("{e}.")),
    }
}
