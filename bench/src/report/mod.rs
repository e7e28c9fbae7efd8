//! The run's findings: a table on stdout, `RESULTS.md` and `events_per_second.svg`.

mod contents;
mod markdown;
mod svg;
mod table;

use std::path::{Path, PathBuf};

pub use contents::Report;
pub use markdown::markdown;
pub use svg::svg;
pub use table::table;

use crate::BenchError;

/// Writes `RESULTS.md` and `events_per_second.svg` into `dir` (made when missing) and returns
/// their paths.
pub fn write(report: &Report, dir: &Path) -> Result<(PathBuf, PathBuf), BenchError> {
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |source| BenchError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let markdown_path = dir.join("RESULTS.md");
    std::fs::write(&markdown_path, markdown(report)).map_err(io(&markdown_path))?;
    let svg_path = dir.join("events_per_second.svg");
    std::fs::write(&svg_path, svg(report)).map_err(io(&svg_path))?;
    Ok((markdown_path, svg_path))
}
