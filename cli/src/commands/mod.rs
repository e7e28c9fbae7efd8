//! The commands, one file each. Each returns its exit status (0: done and nothing wrong, 1:
//! something found wrong) or a [`CliError`] (status 2: it could not run).

mod events;
mod info;
mod migrate;
mod rekey;
mod tail;
mod transfer;
mod verify;

use std::process::ExitCode;

use crate::error::CliError;
use crate::options::{Cli, Command};
use crate::store::Store;

/// Runs the command of the command line.
pub async fn run(cli: Cli) -> Result<ExitCode, CliError> {
    if let Command::Migrate(args) = &cli.command {
        return migrate::run(&cli.store, args.action, cli.format).await;
    }
    if let Command::Import(args) = &cli.command {
        return transfer::import(&cli.store, args).await;
    }
    let store = Store::open(&cli.store).await?;
    let result = match &cli.command {
        Command::Info => info::run(&store, cli.format).await,
        Command::Events(args) => events::run(&store, args, cli.format).await,
        Command::Tail(args) => tail::run(&store, args, cli.format).await,
        Command::Verify(args) => verify::run(&store, args, cli.format).await,
        Command::Rekey(args) => rekey::run(&store, args, cli.format).await,
        Command::Export(args) => transfer::export(&store, args).await,
        Command::Migrate(_) | Command::Import(_) => unreachable!("run above"),
    };
    store.close().await;
    result
}

/// The exit status of a command that found `problems` things wrong.
pub fn status(problems: usize) -> ExitCode {
    if problems == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
