//! The commands, one file each. Each returns its exit status (0: done and nothing wrong, 1:
//! something found wrong) or a [`CliError`] (status 2: it could not run).

pub mod events;
pub mod info;
pub mod migrate;
pub mod rekey;
pub mod tail;
pub mod transfer;
pub mod verify;

use std::process::ExitCode;

use crate::error::CliError;
use crate::options::{Cli, Command};
use crate::store::Store;

/// Runs the command of the command line.
pub async fn run(cli: Cli) -> Result<ExitCode, CliError> {
    let format = cli.format;
    // The store the settings name, opened for the command and closed after it.
    macro_rules! on_store {
        (|$store:ident| $call:expr) => {{
            let $store = Store::open(&cli.store).await?;
            let result = $call.await;
            $store.close().await;
            result
        }};
    }
    match &cli.command {
        Command::Info => on_store!(|store| info::run(&store, format)),
        Command::Events(args) => on_store!(|store| events::run(&store, args, format)),
        Command::Tail(args) => on_store!(|store| tail::run(&store, args, format)),
        Command::Verify(args) => on_store!(|store| verify::run(&store, args, format)),
        Command::Rekey(args) => on_store!(|store| rekey::run(&store, args, format)),
        Command::Export(args) => on_store!(|store| transfer::export(&store, args)),
        // These open the database themselves: `import` creates the tables first, `migrate`
        // runs the migrations.
        Command::Import(args) => transfer::import(&cli.store, args).await,
        Command::Migrate(args) => migrate::run(&cli.store, args.action, format).await,
    }
}

/// The exit status of a command that found `problems` things wrong.
pub fn status(problems: usize) -> ExitCode {
    if problems == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
