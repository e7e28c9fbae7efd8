#![no_main]
//! See `eventsourcing_seaorm_tests::fuzz::isoformat`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| eventsourcing_seaorm_tests::fuzz::isoformat(data));
