//! The command line: global options (where the store is, how it is encoded, how to print) and
//! the commands.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use uuid::Uuid;

/// The keys of `--format json`, shown under every command's help.
const JSON_KEYS: &str = "\
JSON output (--format json): one object, or one object per line for streams (events, tail,
export). An event is {\"notification_id\", \"application_name\", \"originator_id\" (hyphenated
UUID), \"originator_version\", \"topic\", \"timestamp\" (isoformat, when the state has one),
\"state\" (the decoded state in Python's plain form: UUIDs hyphenated, datetimes isoformat(),
Decimals str())}. Keys are stable; new keys may be added.";

/// Inspect, verify, re-key, export and import an event store written by eventsourcing-seaorm
/// or by Python's eventsourcing_django, without the application's domain types.
///
/// Settings come from the environment, as an application's do: DATABASE_URL,
/// COMPRESSOR_TOPIC, CIPHER_TOPIC, CIPHER_KEY (and <APP>_CIPHER_KEY, … for one application),
/// with flags for those that are not secret. Keys are read from the environment only, and
/// never printed.
#[derive(Debug, Parser)]
#[command(name = "eventsourcing-seaorm", version, after_help = JSON_KEYS)]
pub struct Cli {
    /// Where the store is and how it is encoded.
    #[command(flatten)]
    pub store: StoreOptions,
    /// Output format of commands that print data.
    #[arg(long, value_enum, default_value_t = Format::Text, global = true)]
    pub format: Format,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// How the output is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Lines for people.
    Text,
    /// JSON: one object, or one per line for streams (keys below).
    Json,
}

/// Where the store is and how its states are encoded.
#[derive(Debug, Clone, Args)]
pub struct StoreOptions {
    /// The database: sqlite:PATH, postgres://…, mysql://… (a password in it is never printed).
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
    /// A prefix of the three tables' names (<PREFIX>stored_events, …).
    #[arg(long, env = "TABLE_PREFIX", global = true, default_value = "")]
    pub table_prefix: String,
    /// The stored events' table (default <PREFIX>stored_events).
    #[arg(long, env = "STORED_EVENTS_TABLE", global = true)]
    pub stored_events_table: Option<String>,
    /// The snapshots' table (default <PREFIX>snapshots).
    #[arg(long, env = "SNAPSHOTS_TABLE", global = true)]
    pub snapshots_table: Option<String>,
    /// The tracking table (default <PREFIX>notification_tracking).
    #[arg(long, env = "NOTIFICATION_TRACKING_TABLE", global = true)]
    pub notification_tracking_table: Option<String>,
    /// Only this application's rows (where the tables hold several).
    #[arg(long = "app", global = true)]
    pub application: Option<String>,
    /// The compressor of stored states (zlib); overrides COMPRESSOR_TOPIC.
    #[arg(long, global = true)]
    pub compressor_topic: Option<String>,
    /// The cipher of stored states (eventsourcing.cipher:AESCipher); overrides CIPHER_TOPIC.
    /// Its key is CIPHER_KEY (or <APP>_CIPHER_KEY), from the environment only.
    #[arg(long, global = true)]
    pub cipher_topic: Option<String>,
    /// A custom transcoding's `_type_` name that states may hold (repeat for several).
    #[arg(long = "transcoding", global = true)]
    pub transcodings: Vec<String>,
}

/// `info --format json`.
const INFO_KEYS: &str = "\
JSON output: {\"applications\": [{\"name\", \"events\", \"aggregates\", \"snapshots\",
\"max_notification_id\"}], \"followers\": [{\"follower\", \"leader\", \"position\" (the last
notification id processed), \"behind\" (the leader's events after it; null when the leader's
events are not in these tables)}]}.";

/// `verify --format json`.
const VERIFY_KEYS: &str = "\
Exit status: 0 when nothing is wrong, 1 when something is, 2 when it could not run.
JSON output: {\"events\", \"snapshots\", \"aggregates\", \"errors\": [{\"table\"
(stored_events or snapshots), \"id\" (notification id or snapshot uid), \"application_name\",
\"originator_id\", \"originator_version\", \"topic\", \"error\"}]}.";

/// `rekey --format json`.
const REKEY_KEYS: &str = "\
Settings: NEW_COMPRESSOR_TOPIC, NEW_CIPHER_TOPIC, NEW_CIPHER_KEY (from the environment only);
none of them writes plain JSON (with --decrypt when the store is encrypted now).
Progress is kept in the tracking table (follower names starting with __rekey__) in each batch's
transaction: run the same command again after an interruption to go on.
JSON output: {\"rewritten_events\", \"rewritten_snapshots\", \"finished\", \"verify\" (as
verify's, with the new settings; when finished)}. Exit status as verify's.";

/// `export` and `import`.
const EXPORT_KEYS: &str = "\
The lines: {\"kind\": \"header\", \"format\": \"eventsourcing-seaorm export\", \"version\": 1},
then each event {\"kind\": \"event\", \"notification_id\", \"application_name\",
\"originator_id\", \"originator_version\", \"topic\", \"state\"} in notification order, each
snapshot (\"kind\": \"snapshot\", \"uid\" instead of \"notification_id\"), each tracking row
{\"kind\": \"tracking\", \"application_name\", \"upstream_application_name\",
\"notification_id\"}. \"state\" is the state's JSON as the Python original's transcoder writes
it (UUIDs, Decimals, datetimes as {\"_type_\", \"_data_\"}), decrypted and decompressed.";

/// `migrate --format json`.
const MIGRATE_KEYS: &str = "\
JSON output: {\"migrations\": [{\"name\", \"applied\"}]}.";

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Per application: events, aggregates, snapshots, the highest notification id; per
    /// follower: its position and how far it is behind each leader.
    #[command(after_help = INFO_KEYS)]
    Info,
    /// Decoded events of one aggregate (--id), or of a range of the notification log, oldest
    /// first. Exit status 1 when one could not be decoded (it is printed with the error).
    #[command(after_help = JSON_KEYS)]
    Events(EventsArgs),
    /// Follows the notification log and prints events as they are recorded, until interrupted:
    /// woken by PostgreSQL's notifications when the writers send them, else polling.
    #[command(after_help = JSON_KEYS)]
    Tail(TailArgs),
    /// Reads and decodes every event and snapshot, and checks each aggregate's versions (1, 2,
    /// 3, … without gaps) and that no snapshot is beyond its aggregate's last event.
    #[command(after_help = VERIFY_KEYS)]
    Verify(VerifyArgs),
    /// Rewrites every stored state from the current settings to new ones, in batches of one
    /// transaction each, resumably, and verifies the result with the new settings.
    #[command(after_help = REKEY_KEYS)]
    Rekey(RekeyArgs),
    /// Writes the store (or one application, --app) as JSON lines: events in notification
    /// order, then snapshots and tracking rows.
    #[command(after_help = EXPORT_KEYS)]
    Export(ExportArgs),
    /// Reads JSON lines written by export into the store the settings name (its tables created
    /// when missing), encoded with that store's own settings; ids are kept, so the store must
    /// not hold rows with the same ids.
    #[command(after_help = EXPORT_KEYS)]
    Import(ImportArgs),
    /// Sets up the database's tables with the migration crate's migrations (under other names
    /// with the table options: recorded in <STORED_EVENTS_TABLE>_seaql_migrations).
    #[command(after_help = MIGRATE_KEYS)]
    Migrate(MigrateArgs),
}

/// `events`.
#[derive(Debug, Args)]
pub struct EventsArgs {
    /// The aggregate's id.
    #[arg(long, conflicts_with_all = ["from", "to", "topic"])]
    pub id: Option<Uuid>,
    /// With --id: the first version.
    #[arg(long, requires = "id")]
    pub from_version: Option<u64>,
    /// With --id: the last version.
    #[arg(long, requires = "id")]
    pub to_version: Option<u64>,
    /// The first notification id (default: the first).
    #[arg(long)]
    pub from: Option<u64>,
    /// The last notification id (default: the last).
    #[arg(long)]
    pub to: Option<u64>,
    /// Only events of this topic (repeat for several).
    #[arg(long)]
    pub topic: Vec<String>,
    /// At most this many events.
    #[arg(long)]
    pub limit: Option<u64>,
}

/// `tail`.
#[derive(Debug, Args)]
pub struct TailArgs {
    /// Starts after this notification id (default: after the last one recorded now).
    #[arg(long)]
    pub after: Option<u64>,
    /// Only events of this topic (repeat for several).
    #[arg(long)]
    pub topic: Vec<String>,
    /// How often to look for new events where the database sends no notification, in
    /// milliseconds.
    #[arg(long, default_value_t = 500)]
    pub poll_interval_ms: u64,
    /// Stops after this many events (default: runs until interrupted).
    #[arg(long)]
    pub count: Option<u64>,
}

/// `verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// A file of the topics the application knows, one per line: any other topic is reported
    /// as unknown. Without it, only topics that are not of the form `module:Name` are.
    #[arg(long)]
    pub topics: Option<PathBuf>,
}

/// `rekey`.
#[derive(Debug, Args)]
pub struct RekeyArgs {
    /// The new compressor (zlib); overrides NEW_COMPRESSOR_TOPIC; none when neither is set.
    #[arg(long)]
    pub new_compressor_topic: Option<String>,
    /// The new cipher; overrides NEW_CIPHER_TOPIC (AES when NEW_CIPHER_KEY is set).
    #[arg(long)]
    pub new_cipher_topic: Option<String>,
    /// Rows rewritten per transaction.
    #[arg(long, default_value_t = 500)]
    pub batch_size: u64,
    /// Stops after this many batches (each committed, with where it got to): run again to go
    /// on. For re-keying a large store in several maintenance windows.
    #[arg(long)]
    pub max_batches: Option<u64>,
    /// Allows writing the store without encryption when it is encrypted now.
    #[arg(long)]
    pub decrypt: bool,
    /// Starts even when other writers seem active.
    #[arg(long)]
    pub force: bool,
    /// How long to watch the tables for other writers before starting, in seconds.
    #[arg(long, default_value_t = 2.0)]
    pub writer_check_seconds: f64,
}

/// `export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Writes here instead of standard output.
    #[arg(long)]
    pub output: Option<PathBuf>,
}

/// `import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Reads this file instead of standard input.
    #[arg(long)]
    pub input: Option<PathBuf>,
    /// Events per transaction.
    #[arg(long, default_value_t = 1000)]
    pub batch_size: usize,
}

/// `migrate`.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: MigrateAction,
}

/// `migrate up` / `migrate status`.
#[derive(Debug, Clone, Copy, Subcommand)]
pub enum MigrateAction {
    /// Applies every pending migration.
    Up,
    /// Lists the migrations and whether each is applied.
    Status,
}
