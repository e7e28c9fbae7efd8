//! The Python original (eventsourcing 9.4.6 + eventsourcing_django 0.6), run by the bench on the
//! same database as the library: where its interpreter is, and running a script of
//! `bench/python/` with a JSON spec and reading the JSON it prints.
//!
//! The interpreter is `BENCH_PYTHON`, else `TEST_PYTHON` (which `.ci/run` sets for the tests),
//! else the virtual environment `.ci/run` makes (`target/python-venv` of the workspace), when it
//! exists. Without one, the rows that would be compared with Python say so in their notes.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value as Json;

use crate::BenchError;

/// The Python interpreter with the Python original installed, if one is configured or found.
pub fn interpreter() -> Option<PathBuf> {
    for variable in ["BENCH_PYTHON", "TEST_PYTHON"] {
        if let Some(python) = std::env::var_os(variable).filter(|v| !v.is_empty()) {
            return Some(PathBuf::from(python));
        }
    }
    let bench = Path::new(env!("CARGO_MANIFEST_DIR"));
    let venv = bench.parent()?.join("target/python-venv/bin/python");
    venv.is_file().then_some(venv)
}

/// Runs `bench/python/<script>` with `python`, the spec as its one argument, and gives what it
/// printed on stdout as JSON; a script that fails is an error with what it wrote to stderr.
/// The script runs on a blocking thread, so the runtime's other tasks go on meanwhile.
pub async fn run_script(python: &Path, script: &str, spec: &Json) -> Result<Json, BenchError> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("python")
        .join(script);
    let mut command = Command::new(python);
    command.arg(&script).arg(spec.to_string());
    let shown = format!("{} {}", python.display(), script.display());
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .map_err(|e| BenchError::Python(format!("{shown}: {e}")))?
        .map_err(|e| BenchError::Python(format!("{shown}: {e}")))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last_lines: Vec<&str> = stderr.lines().rev().take(5).collect();
        return Err(BenchError::Python(format!(
            "{shown} failed ({}): {}",
            output.status,
            last_lines.into_iter().rev().collect::<Vec<_>>().join(" / ")
        )));
    }
    serde_json::from_slice(&output.stdout).map_err(|e| {
        BenchError::Python(format!(
            "{shown} printed no JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        ))
    })
}
