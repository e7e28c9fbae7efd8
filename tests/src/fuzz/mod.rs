//! The properties the fuzz targets check (`fuzz/fuzz_targets/`), written once: the fuzz crate
//! runs them under libFuzzer on the nightly toolchain, and `tests/fuzz_corpus.rs` runs them on
//! every stable `cargo test` over the committed corpus (`fuzz/corpus/<target>/`).
//!
//! Each property takes the raw bytes of one input and panics when the code under test breaks
//! a promise: a panic of its own, a reader that fails on what the writer wrote, or a value that
//! does not read back equal. Inputs the code rightly refuses (not JSON, a bad checksum, a wrong
//! tag) pass. Depth is bounded by [`JsonTranscoder::MAX_DEPTH`]: deeper input must be an error,
//! never a stack overflow.

mod compare;
mod datetime;
mod decimal;
mod events;
mod generate;
mod json;
mod zlib_aes;

use std::sync::LazyLock;

use eventsourcing_seaorm::persistence::JsonTranscoder;

pub use datetime::isoformat;
pub use decimal::decimal;
pub use json::{json_decode, json_roundtrip};
pub use zlib_aes::zlib_aes;

/// A property: it panics when the input breaks it.
pub type Property = fn(&[u8]);

/// Each fuzz target's name (its file in `fuzz/fuzz_targets/` and its folder in `fuzz/corpus/`)
/// with its property.
pub const TARGETS: [(&str, Property); 5] = [
    ("json_decode", json_decode),
    ("json_roundtrip", json_roundtrip),
    ("isoformat", isoformat),
    ("decimal", decimal),
    ("zlib_aes", zlib_aes),
];

/// The custom transcoding registered with the fuzzed transcoder.
const REGISTERED: &str = "point";
/// A custom transcoding that is not registered.
const UNREGISTERED: &str = "unregistered";

/// The transcoder every property uses: the built-in transcodings and [`REGISTERED`].
fn transcoder() -> &'static JsonTranscoder {
    static TRANSCODER: LazyLock<JsonTranscoder> = LazyLock::new(|| {
        let mut transcoder = JsonTranscoder::new();
        transcoder.register_name(REGISTERED);
        transcoder
    });
    &TRANSCODER
}
