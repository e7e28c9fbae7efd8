//! The fuzz targets' properties (`eventsourcing_seaorm_tests::fuzz`) over every input of their
//! corpus (`fuzz/corpus/<target>/`: the Python fixtures' stored states and what the fuzzer kept),
//! on the stable toolchain, so that a plain `cargo test` replays what libFuzzer found.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use eventsourcing_seaorm_tests::fuzz::TARGETS;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

/// The names of the files in `dir` that are not hidden, sorted.
fn file_names(dir: &Path) -> Vec<String> {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut names: Vec<String> = entries
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| !name.starts_with('.'))
        .collect();
    names.sort();
    names
}

#[test]
fn every_fuzz_target_has_its_property_and_a_corpus() {
    let mut targets: Vec<String> = TARGETS
        .iter()
        .map(|(name, _)| format!("{name}.rs"))
        .collect();
    targets.sort();
    assert_eq!(file_names(&fuzz_dir().join("fuzz_targets")), targets);
    let mut corpora: Vec<&str> = TARGETS.iter().map(|(name, _)| *name).collect();
    corpora.sort();
    assert_eq!(file_names(&fuzz_dir().join("corpus")), corpora);
}

#[test]
fn every_corpus_input_keeps_its_target_property() {
    let mut failures = Vec::new();
    for (target, property) in TARGETS {
        let dir = fuzz_dir().join("corpus").join(target);
        let inputs = file_names(&dir);
        assert!(!inputs.is_empty(), "{}: no inputs", dir.display());
        for name in inputs {
            let data = std::fs::read(dir.join(&name)).unwrap();
            if catch_unwind(AssertUnwindSafe(|| property(&data))).is_err() {
                failures.push(format!("{target}/{name}"));
            }
        }
    }
    assert!(failures.is_empty(), "properties broken by: {failures:?}");
}
