//! Shared code of the cross-crate tests: the recorder contract suite, written once and run
//! against every backend, and helpers to reach the test databases.

pub mod backends;
pub mod contract;
pub mod interop;
