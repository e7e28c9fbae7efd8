//! The operator's command line for event stores written by eventsourcing-seaorm or by Python's
//! eventsourcing_django, as a library: the `eventsourcing-seaorm` binary (`main.rs`) parses its
//! arguments into [`options::Cli`] and runs [`commands::run`]. The benchmark calls the commands
//! in process.
//!
//! | module | what it is |
//! |---|---|
//! | [`options`] | the command line's model (clap) |
//! | [`store`] | the store the settings name: connection, tables, each application's mapper, statements |
//! | [`commands`] | one file per command |
//! | [`output`] | events decoded and printed as text or JSON |
//! | [`progress`] | progress bars, hidden off a terminal |
//! | [`error`] | why a command could not run (exit status 2) |

pub mod commands;
pub mod error;
pub mod options;
pub mod output;
pub mod progress;
pub mod store;
