//! Shared code of the cross-crate tests: the recorder contract suite, written once and run
//! against every backend, helpers to reach the test databases (and databases shared with the
//! Python original's scripts), the Python fixtures' domain, the system tests' `Tally`, the
//! projection tests' read model (`history`), the seed's `World` aggregate that the tests and the
//! bench share, and the properties of the fuzz targets.

pub mod backends;
pub mod contract;
pub mod faults;
pub mod fuzz;
pub mod history;
pub mod interop;
pub mod inventory;
pub mod logs;
pub mod shared_database;
pub mod tally;
pub mod world;
