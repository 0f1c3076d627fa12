//! The `flowform` binary.
use clap::Parser;

/// Declarative provisioning for Amazon AppFlow connector profiles.
#[derive(Parser)]
#[command(name = "flowform", version)]
struct Cli {}

fn main() {
    let _ = Cli::parse();
}
