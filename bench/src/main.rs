//! Runs the benchmark: `cargo run --release -p eventsourcing-seaorm-bench -- --help`.

use std::process::ExitCode;
use std::time::Instant;

use eventsourcing_seaorm_bench::args::{Backend, Options, USAGE};
use eventsourcing_seaorm_bench::format::mib;
use eventsourcing_seaorm_bench::process::{Machine, library_source, peak_rss};
use eventsourcing_seaorm_bench::report::{self, Report};
use eventsourcing_seaorm_bench::scenarios::{Sizes, run_target};
use eventsourcing_seaorm_bench::target::{Database, targets};

#[tokio::main]
async fn main() -> ExitCode {
    let options = match Options::parse(std::env::args().skip(1)) {
        Ok(Some(options)) => options,
        Ok(None) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::from(2);
        }
    };
    if options.tracing_info {
        // Every span the library opens is formatted when it closes, as a service that keeps
        // them (in its log or an exporter) pays; the output goes nowhere, which leaves the
        // writing itself, the service's own cost, out.
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::INFO)
            .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
            .with_writer(std::io::sink)
            .init();
    }
    let started = Instant::now();
    let machine = Machine::detect();
    let sizes = if options.quick {
        Sizes::quick()
    } else {
        Sizes::full()
    };
    let only = match &options.only {
        Some(numbers) => {
            let numbers: Vec<String> = numbers.iter().map(u8::to_string).collect();
            format!(" of scenarios {} only", numbers.join(", "))
        }
        None => String::new(),
    };
    eprintln!(
        "{} run{only} on {} CPUs (load average {}); each line: ours, baseline, ours ÷ baseline",
        if options.quick { "quick" } else { "full" },
        machine.cpus,
        machine.load_average
    );
    let mut rows = Vec::new();
    let mut versions = Vec::new();
    let mut skipped = Vec::new();
    let mut failed = false;
    for target in targets(&options) {
        let label = target.label();
        eprint!("\n{label}");
        if !target.url.is_empty() {
            eprint!(" ({})", target.shown_url());
        }
        let db = match Database::open(target).await {
            Ok(db) => {
                if db.target.backend == Backend::Sqlite {
                    eprint!(" ({})", db.target.url);
                }
                eprintln!(": {}", db.version);
                db
            }
            Err(error) => {
                eprintln!("\n  skipped: not reachable: {error}");
                skipped.push(format!("{label}: {error}"));
                continue;
            }
        };
        versions.push((label, db.version.clone()));
        let (target_rows, target_failed) = run_target(&db, &sizes, options.only.as_deref()).await;
        db.close().await;
        rows.extend(target_rows);
        failed |= target_failed;
    }
    let report = Report {
        rows,
        machine,
        versions,
        skipped,
        command: options.command.clone(),
        date: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
        quick: options.quick,
        only: options.only.clone(),
        repetitions: sizes.plan.repetitions,
        duration: started.elapsed(),
        peak_rss: peak_rss(),
        library: library_source(),
    };
    println!("\n{}", report::table(&report));
    if let Some(peak) = report.peak_rss {
        println!("peak RSS of the bench process: {}", mib(peak));
    }
    if report.rows.is_empty() {
        eprintln!("nothing was measured: no backend was reachable");
        return ExitCode::FAILURE;
    }
    match report::write(&report, &options.out) {
        Ok((markdown, svg)) => {
            eprintln!("wrote {} and {}", markdown.display(), svg.display());
        }
        Err(error) => {
            eprintln!("could not write the report: {error}");
            return ExitCode::FAILURE;
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
