//! The recorder contract, run against the SeaORM recorder on SqliteFile.

// The contract futures nest deeply.
#![recursion_limit = "256"]

use eventsourcing_seaorm_tests::backends::{Backend, SqlFactory};
use eventsourcing_seaorm_tests::recorder_contract;

recorder_contract!(SqlFactory::new(Backend::SqliteFile));
