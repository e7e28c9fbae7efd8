//! The recorder contract on MySQL/MariaDB through the code path for servers without

// The contract futures nest deeply.
#![recursion_limit = "256"]

//! `INSERT … RETURNING` (MySQL): ids from `LAST_INSERT_ID()`.

use eventsourcing_seaorm_tests::backends::{Backend, SqlFactory};
use eventsourcing_seaorm_tests::recorder_contract;

recorder_contract!(SqlFactory::new(Backend::MySql).map(SqlFactory::without_returning));
