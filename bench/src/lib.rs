//! # eventsourcing-seaorm-bench
//!
//! Measures this project against the raw driver it stands on, in the same run, on the same
//! database and transport: every scenario is done once through an [`Application`] exactly as a
//! user writes it (the seed's [`World`] aggregate, `save`, `repository().get`, the notification
//! log), and once with raw sqlx statements that do the same database work (the same `BEGIN`,
//! lock, `INSERT … RETURNING` and `COMMIT`; the same `SELECT`s). The ratio of the two is what
//! the library costs; the raw figure is what the database and driver allow on this machine, so
//! noisy machines still give comparable ratios.
//!
//! Layout, each module using only those before it: [`error`], [`format`](mod@format) (how
//! figures are written), [`args`] (the command line), [`process`] (memory, the machine),
//! [`python`] (the Python original's interpreter and scripts, `bench/python/`) →
//! [`raw`] (the raw driver's statements) → [`target`] (which databases, over which transport,
//! their tables) → [`measure`] (timing, medians) → [`results`] (rows and goals) → [`templates`]
//! (the rows the raw driver writes), [`floor`] (the raw statements through SeaORM),
//! [`by_hand`] (raw rows decoded by hand) → [`scenarios`] (the scenarios of the benchmark issue,
//! issue 23's process applications and issue 24's projections, one file each) → [`report`] (the table on stdout, `RESULTS.md` and the SVG chart). The `World`
//! aggregate is the one the tests share ([`eventsourcing_seaorm_tests::world`]).
//!
//! [`Application`]: eventsourcing_seaorm::application::Application
//! [`World`]: eventsourcing_seaorm_tests::world::World

pub mod args;
pub mod by_hand;
pub mod error;
pub mod floor;
pub mod format;
pub mod measure;
pub mod process;
pub mod python;
pub mod raw;
pub mod report;
pub mod results;
pub mod scenarios;
pub mod target;
pub mod templates;

pub use error::BenchError;
