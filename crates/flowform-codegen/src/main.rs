//! `cargo run -p flowform-codegen [-- --check]`: rewrites the generated files from the model
//! extract, or with `--check` only says which ones are out of date (exit status 1).

use std::process::ExitCode;

fn main() -> ExitCode {
    let check = std::env::args().skip(1).any(|a| a == "--check");
    let root = flowform_codegen::workspace_root();
    let model_path = root.join(flowform_codegen::MODEL);
    let text = match std::fs::read_to_string(&model_path) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", model_path.display());
            return ExitCode::FAILURE;
        }
    };
    let files = match flowform_codegen::generate(&text) {
        Ok(files) => files,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut stale = false;
    for (path, generated) in files {
        let full = root.join(path);
        if std::fs::read_to_string(&full).ok().as_deref() == Some(generated.as_str()) {
            println!("up to date: {path}");
            continue;
        }
        if check {
            println!("out of date: {path}");
            stale = true;
        } else if let Err(e) = std::fs::write(&full, generated) {
            eprintln!("error: cannot write {}: {e}", full.display());
            return ExitCode::FAILURE;
        } else {
            println!("wrote {path}");
        }
    }
    if stale {
        eprintln!("run `cargo run -p flowform-codegen` to regenerate");
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
