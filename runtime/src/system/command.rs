//! The command line of a program that runs a system, for its operators:
//! `PROGRAM sync-followers [--dry-run] [--verbose] [FOLLOWER ...]`, as `eventsourcing_django`'s
//! `python manage.py sync_followers`.

use std::io::Write;
use std::process::ExitCode;

use super::{SyncOptions, System, sync_followers};
use crate::application::ApplicationBuilder;

const USAGE: &str = "usage: PROGRAM sync-followers [--dry-run] [--verbose] [FOLLOWER ...]

  sync-followers   catches the followers (all, or those named) up once with their leaders:
                   per database, one transaction records what each follower processed
  --dry-run        processes everything, then rolls back: nothing is recorded
  -v, --verbose    prints how many notifications of each leader each follower processed";

/// Runs the command line of `args` (without the program's name) against `system`, whose
/// applications are built with `configure`; writes what it did to `out` and errors to
/// standard error. Exit status: 0 when every follower succeeded, 1 when one failed (the others
/// went on), 2 when it could not run (bad arguments, an unknown follower, an application that
/// cannot be built).
///
/// ```no_run
/// # use eventsourcing_seaorm::system::System;
/// # async fn example(system: System, store: eventsourcing_seaorm::seaorm::SeaOrmStore) -> std::process::ExitCode {
/// // In your program's main, with your system and store:
/// let args = std::env::args().skip(1);
/// eventsourcing_seaorm::system::command_line(system, move |b| b.store(store.clone()), args, &mut std::io::stdout()).await
/// # }
/// ```
pub async fn command_line(
    system: System,
    configure: impl Fn(ApplicationBuilder) -> ApplicationBuilder + Send + Sync + 'static,
    args: impl IntoIterator<Item = String>,
    out: &mut impl Write,
) -> ExitCode {
    let mut args = args.into_iter();
    if args.next().as_deref() != Some("sync-followers") {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    }
    let mut options = SyncOptions {
        progress: true,
        ..SyncOptions::default()
    };
    let mut verbose = false;
    for arg in args {
        match arg.as_str() {
            "--dry-run" => options.dry_run = true,
            "-v" | "--verbose" => verbose = true,
            "-h" | "--help" => {
                let _ = writeln!(out, "{USAGE}");
                return ExitCode::SUCCESS;
            }
            flag if flag.starts_with('-') => {
                eprintln!("unknown option {flag:?}\n{USAGE}");
                return ExitCode::from(2);
            }
            name => options.followers.push(name.to_owned()),
        }
    }
    let report = match sync_followers(&system, configure, &options).await {
        Ok(report) => report,
        Err(error) => {
            eprintln!("sync-followers: {error}");
            return ExitCode::from(2);
        }
    };
    for follower in &report.followers {
        match &follower.error {
            Some(error) => eprintln!("{}: failed, nothing recorded: {error}", follower.follower),
            None => {
                let total: u64 = follower.processed.iter().map(|(_, n)| n).sum();
                let _ = writeln!(
                    out,
                    "{}: processed {total} notification(s)",
                    follower.follower
                );
                if verbose {
                    for (leader, count) in &follower.processed {
                        let _ = writeln!(out, "  {leader}: {count}");
                    }
                }
            }
        }
    }
    if options.dry_run {
        let _ = writeln!(out, "dry run: rolled back, nothing was recorded");
    }
    if report.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
