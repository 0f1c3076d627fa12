//! Runs a sandbox until Ctrl-C, for trying it with the AWS CLI or boto3 before `flowform sandbox
//! serve` exists: `cargo run -p flowform-sandbox --example serve -- [PORT] [DATA_FILE]`.

fn main() -> std::process::ExitCode {
    let mut args = std::env::args().skip(1);
    let port = match args.next().map(|p| p.parse::<u16>()) {
        None => 4566,
        Some(Ok(port)) => port,
        Some(Err(e)) => {
            eprintln!("the port must be a number from 0 to 65535: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let config = flowform_sandbox::SandboxConfig {
        port,
        data_file: args.next().map(Into::into),
        ..Default::default()
    };
    match flowform_sandbox::serve_forever(config) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            std::process::ExitCode::FAILURE
        }
    }
}
