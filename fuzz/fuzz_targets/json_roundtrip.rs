#![no_main]
//! See `eventsourcing_seaorm_tests::fuzz::json_roundtrip`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| eventsourcing_seaorm_tests::fuzz::json_roundtrip(data));
