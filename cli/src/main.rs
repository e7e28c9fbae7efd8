//! `eventsourcing-seaorm`: an operator's command line for event stores written by
//! eventsourcing-seaorm or by Python's eventsourcing_django. See `docs/cli.md`, or run it with
//! `--help`.

use std::process::ExitCode;

use clap::Parser;
use eventsourcing_seaorm_cli::{commands, options};

#[tokio::main]
async fn main() -> ExitCode {
    // Usage errors exit with status 2 (clap's), help and version with 0.
    let cli = options::Cli::parse();
    match commands::run(cli).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("eventsourcing-seaorm: {error}");
            ExitCode::from(2)
        }
    }
}
