//! Shared code of the cross-crate tests: the recorder contract suite, written once and run
//! against every backend, helpers to reach the test databases, the Python fixtures' domain, and
//! the seed's `World` aggregate that the tests and the bench share.

pub mod backends;
pub mod contract;
pub mod faults;
pub mod interop;
pub mod logs;
pub mod world;
