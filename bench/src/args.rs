//! The command line: which backends, which transports, which scenarios, how long, where the
//! report goes.

use std::path::PathBuf;

use crate::BenchError;

/// The highest scenario number (`--only` takes 1 to this; see `Scenario::number`).
pub const LAST_SCENARIO: u8 = 11;

/// A database the bench can run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Backend {
    /// A SQLite file in WAL mode.
    Sqlite,
    /// PostgreSQL.
    Postgres,
    /// MySQL or MariaDB.
    MySql,
}

impl Backend {
    /// Every backend, in the order they run.
    pub const ALL: [Backend; 3] = [Backend::Sqlite, Backend::Postgres, Backend::MySql];

    /// The name used on the command line and in the report.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
            Backend::MySql => "mysql",
        }
    }
}

/// How the bench reaches a database server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Transport {
    /// A file on the local disk (SQLite).
    File,
    /// TCP to 127.0.0.1 (sqlx 0.9.0 leaves Nagle's algorithm on).
    Tcp,
    /// The server's Unix socket.
    Socket,
}

impl Transport {
    /// The name used on the command line and in the report.
    pub fn name(self) -> &'static str {
        match self {
            Transport::File => "file",
            Transport::Tcp => "tcp",
            Transport::Socket => "socket",
        }
    }
}

/// What the command line asked for.
#[derive(Debug, Clone)]
pub struct Options {
    /// Backends to run, in order.
    pub backends: Vec<Backend>,
    /// Transports to use for the server backends.
    pub transports: Vec<Transport>,
    /// A short run (well under a minute) with smaller sizes and one repetition.
    pub quick: bool,
    /// The scenario numbers to run, in increasing order; `None` runs them all.
    pub only: Option<Vec<u8>>,
    /// Where `RESULTS.md` and `events_per_second.svg` go.
    pub out: PathBuf,
    /// Whether a `tracing` subscriber is installed, at level INFO, formatting every span of
    /// the library as it closes (into nothing): what the library's spans cost a service that
    /// keeps them.
    pub tracing_info: bool,
    /// The command line as given, for the report.
    pub command: String,
}

/// The help text.
pub const USAGE: &str = "\
usage: cargo run --release -p eventsourcing-seaorm-bench -- [options]

  --backend sqlite|postgres|mysql|all   which databases (default: all)
  --transport tcp|socket|both           how to reach PostgreSQL and MySQL (default: both)
  --quick                               a run of well under a minute (default: full, a few minutes)
  --only LIST                           only these scenarios, by number, comma-separated (for
                                        example 9,10; 1 and 2 run together); the report says
                                        which ran
  --tracing none|info                   without a tracing subscriber (default), or with one at
                                        INFO that formats every span as it closes (to no output)
  --out DIR                             where RESULTS.md and events_per_second.svg go
                                        (default: docs/benchmarks; with --quick: target/benchmarks-quick,
                                        so that a quick run does not replace the published figures)

environment:
  BENCH_POSTGRES_URL         default postgres://postgres@127.0.0.1:5432/test
  BENCH_POSTGRES_SOCKET_URL  default postgres://postgres@%2Fvar%2Frun%2Fpostgresql/test
  BENCH_MYSQL_URL            default mysql://root@127.0.0.1:3306/test
  BENCH_MYSQL_SOCKET_URL     default mysql://root@localhost/test?socket=/run/mysqld/mysqld.sock
  BENCH_SQLITE_DIR           where the SQLite file is made (default: the system's temporary directory)
  BENCH_PYTHON               a Python with eventsourcing 9.4.6 and eventsourcing_django 0.6, which
                             the process-application rows are compared with on the same database
                             (default: TEST_PYTHON, else target/python-venv made by .ci/run)
";

fn workspace_path(relative: &str) -> PathBuf {
    let bench = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    bench.parent().unwrap_or(&bench).join(relative)
}

/// The scenario numbers of `--only`'s list (`9,10`), sorted, without repeats.
fn scenario_numbers(list: &str) -> Result<Vec<u8>, BenchError> {
    let mut numbers = Vec::new();
    for item in list
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
    {
        match item.parse::<u8>() {
            Ok(number) if (1..=LAST_SCENARIO).contains(&number) => numbers.push(number),
            _ => {
                return Err(BenchError::Usage(format!(
                    "--only: {item:?} is not a scenario number (1 to {LAST_SCENARIO})\n\n{USAGE}"
                )));
            }
        }
    }
    if numbers.is_empty() {
        return Err(BenchError::Usage(format!(
            "--only needs scenario numbers\n\n{USAGE}"
        )));
    }
    numbers.sort_unstable();
    numbers.dedup();
    Ok(numbers)
}

impl Options {
    /// Parses the arguments after the program name. `Ok(None)` means help was asked for.
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Option<Self>, BenchError> {
        let args: Vec<String> = args.into_iter().collect();
        let mut backends = Backend::ALL.to_vec();
        let mut transports = vec![Transport::Tcp, Transport::Socket];
        let mut quick = false;
        let mut only = None;
        let mut out = None;
        let mut tracing_info = false;
        let mut iter = args.iter();
        while let Some(arg) = iter.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((flag, value)) => (flag, Some(value.to_owned())),
                None => (arg.as_str(), None),
            };
            let mut value = |name: &str| {
                inline
                    .clone()
                    .or_else(|| iter.next().cloned())
                    .ok_or_else(|| BenchError::Usage(format!("{name} needs a value\n\n{USAGE}")))
            };
            match flag {
                "-h" | "--help" => return Ok(None),
                "--quick" => quick = true,
                "--backend" => {
                    backends = match value("--backend")?.as_str() {
                        "all" => Backend::ALL.to_vec(),
                        "sqlite" => vec![Backend::Sqlite],
                        "postgres" | "postgresql" => vec![Backend::Postgres],
                        "mysql" | "mariadb" => vec![Backend::MySql],
                        other => {
                            return Err(BenchError::Usage(format!(
                                "unknown backend {other:?}\n\n{USAGE}"
                            )));
                        }
                    }
                }
                "--transport" => {
                    transports = match value("--transport")?.as_str() {
                        "both" => vec![Transport::Tcp, Transport::Socket],
                        "tcp" => vec![Transport::Tcp],
                        "socket" | "unix" => vec![Transport::Socket],
                        other => {
                            return Err(BenchError::Usage(format!(
                                "unknown transport {other:?}\n\n{USAGE}"
                            )));
                        }
                    }
                }
                "--only" => only = Some(scenario_numbers(&value("--only")?)?),
                "--out" => out = Some(PathBuf::from(value("--out")?)),
                "--tracing" => {
                    tracing_info = match value("--tracing")?.as_str() {
                        "none" => false,
                        "info" => true,
                        other => {
                            return Err(BenchError::Usage(format!(
                                "unknown tracing level {other:?}\n\n{USAGE}"
                            )));
                        }
                    }
                }
                other => {
                    return Err(BenchError::Usage(format!(
                        "unknown argument {other:?}\n\n{USAGE}"
                    )));
                }
            }
        }
        let out = out.unwrap_or_else(|| {
            if quick {
                workspace_path("target/benchmarks-quick")
            } else {
                workspace_path("docs/benchmarks")
            }
        });
        let mut command = String::from("cargo run --release -p eventsourcing-seaorm-bench");
        if !args.is_empty() {
            command.push_str(" -- ");
            command.push_str(&args.join(" "));
        }
        Ok(Some(Self {
            backends,
            transports,
            quick,
            only,
            out,
            tracing_info,
            command,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Option<Options>, BenchError> {
        Options::parse(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn defaults_are_everything_full_size() {
        let options = parse(&[]).unwrap().unwrap();
        assert_eq!(options.backends, Backend::ALL);
        assert_eq!(options.transports, [Transport::Tcp, Transport::Socket]);
        assert!(!options.quick);
        assert!(options.only.is_none());
        assert!(!options.tracing_info);
        assert!(options.out.ends_with("docs/benchmarks"));
    }

    #[test]
    fn flags_are_read_with_or_without_equals() {
        let options = parse(&[
            "--backend=postgres",
            "--transport",
            "socket",
            "--quick",
            "--out",
            "x",
        ])
        .unwrap()
        .unwrap();
        assert_eq!(options.backends, [Backend::Postgres]);
        assert_eq!(options.transports, [Transport::Socket]);
        assert!(options.quick);
        assert_eq!(options.out, PathBuf::from("x"));
        assert!(
            options
                .command
                .ends_with("-- --backend=postgres --transport socket --quick --out x")
        );
    }

    #[test]
    fn only_lists_scenario_numbers() {
        let options = parse(&["--only", "10,9, 10"]).unwrap().unwrap();
        assert_eq!(options.only, Some(vec![9, 10]));
        let options = parse(&["--only=3"]).unwrap().unwrap();
        assert_eq!(options.only, Some(vec![3]));
    }

    #[test]
    fn bad_arguments_are_usage_errors() {
        assert!(matches!(
            parse(&["--backend", "oracle"]),
            Err(BenchError::Usage(_))
        ));
        assert!(matches!(parse(&["--out"]), Err(BenchError::Usage(_))));
        let past_the_last = (LAST_SCENARIO + 1).to_string();
        for only in ["0", past_the_last.as_str(), "x", ","] {
            assert!(
                matches!(parse(&["--only", only]), Err(BenchError::Usage(_))),
                "{only}"
            );
        }
        assert!(parse(&["--help"]).unwrap().is_none());
    }
}
