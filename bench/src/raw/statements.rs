//! The SQL text of the raw statements, written for one database as the recorder writes its
//! own: the events' `INSERT … RETURNING`, the tracking rows' `INSERT`, the lock, and the
//! `SELECT`s of events, snapshots, notifications and tracking positions.

use std::sync::Arc;

use eventsourcing_seaorm::seaorm::Tables;
use eventsourcing_seaorm::seaorm::dialect::Dialect;

/// The SQL text of the raw statements for one set of tables on one database.
#[derive(Debug)]
pub struct RawSql {
    pub(super) dialect: Dialect,
    quoted_events: String,
    quoted_tracking: String,
    pub(super) lock: Option<Arc<str>>,
    pub(super) select_events: Arc<str>,
    pub(super) select_events_after: Arc<str>,
    pub(super) select_snapshot: Arc<str>,
    pub(super) select_notifications: Arc<str>,
    /// A follower's selects: `[no start, start, no start and a stop, start and a stop]`.
    select_unprocessed: [Arc<str>; 4],
    pub(super) max_tracking_id: Arc<str>,
}

impl RawSql {
    /// The statements for these tables, written for this dialect as the recorder writes them;
    /// `lock` is the recorder's own lock statement ([`SeaOrmRecorder::lock_statement`]), so
    /// that both sides serialise writers with the same statement.
    ///
    /// [`SeaOrmRecorder::lock_statement`]: eventsourcing_seaorm::seaorm::SeaOrmRecorder::lock_statement
    pub fn new(dialect: &Dialect, tables: &Tables, lock: Option<String>) -> Self {
        let q = |s: &str| dialect.quote(s);
        let p = |n: usize| dialect.placeholder(n);
        let events = q(&tables.stored_events);
        let snapshots = q(&tables.snapshots);
        let tracking = q(&tables.notification_tracking);
        let select = |table: &str, extra: &str| {
            format!(
                "SELECT {}, {}, {} FROM {table} WHERE {} = {} AND {} = {}{extra}",
                q("originator_version"),
                q("topic"),
                q("state"),
                q("application_name"),
                p(1),
                q("originator_id"),
                p(2),
            )
        };
        let version = q("originator_version");
        let unprocessed = |start: bool, stop: bool| {
            let mut conditions = Vec::new();
            if start {
                conditions.push(format!(" AND {} > {}", q("id"), p(2)));
            }
            if stop {
                conditions.push(format!(" AND {} <= {}", q("id"), p(2 + usize::from(start))));
            }
            let limit = 2 + usize::from(start) + usize::from(stop);
            select_notifications(dialect, &events, &conditions.concat(), limit).into()
        };
        Self {
            dialect: dialect.clone(),
            lock: lock.map(Arc::from),
            select_events: select(&events, &format!(" ORDER BY {version}")).into(),
            select_events_after: select(
                &events,
                &format!(" AND {version} > {} ORDER BY {version}", p(3)),
            )
            .into(),
            select_snapshot: select(&snapshots, &format!(" ORDER BY {version} DESC LIMIT 1"))
                .into(),
            select_notifications: select_notifications(
                dialect,
                &events,
                &format!(" AND {} >= {}", q("id"), p(2)),
                3,
            )
            .into(),
            select_unprocessed: [
                unprocessed(false, false),
                unprocessed(true, false),
                unprocessed(false, true),
                unprocessed(true, true),
            ],
            max_tracking_id: format!(
                "SELECT MAX({}) FROM {tracking} WHERE {} = {} AND {} = {}",
                q("notification_id"),
                q("application_name"),
                p(1),
                q("upstream_application_name"),
                p(2),
            )
            .into(),
            quoted_events: events,
            quoted_tracking: tracking,
        }
    }

    /// The `SELECT` of one aggregate's events (parameters: application name, originator id).
    pub fn select_events_sql(&self) -> Arc<str> {
        self.select_events.clone()
    }

    /// The `SELECT` of one aggregate's events after a version (parameters: application name,
    /// originator id, version).
    pub fn select_events_after_sql(&self) -> Arc<str> {
        self.select_events_after.clone()
    }

    /// The `SELECT` of one aggregate's newest snapshot (parameters: application name,
    /// originator id).
    pub fn select_snapshot_sql(&self) -> Arc<str> {
        self.select_snapshot.clone()
    }

    /// The dialect the statements are written in.
    pub fn dialect(&self) -> &Dialect {
        &self.dialect
    }

    /// The statement that serialises writers (none on SQLite); on MySQL its parameter is the
    /// application name.
    pub fn lock_sql(&self) -> Option<Arc<str>> {
        self.lock.clone()
    }

    /// The `SELECT` a follower reads a leader's log with, as the recorder writes it for a
    /// follower: after its position (exclusive) when it has one, up to a stop when there is
    /// one (parameters: application name, the position, the stop, the limit where it is not
    /// written into the text).
    pub fn select_unprocessed_sql(&self, after: bool, stop: bool) -> Arc<str> {
        self.select_unprocessed[usize::from(after) | usize::from(stop) << 1].clone()
    }

    /// The `INSERT` of `rows` rows (parameters: application name, originator id, version,
    /// topic and state of each row), with `RETURNING` the id where the database has it.
    pub fn insert(&self, rows: usize) -> Arc<str> {
        let q = |s: &str| self.dialect.quote(s);
        let mut sql = format!(
            "INSERT INTO {} ({}, {}, {}, {}, {}) VALUES {}",
            self.quoted_events,
            q("application_name"),
            q("originator_id"),
            q("originator_version"),
            q("topic"),
            q("state"),
            self.tuples(rows, 5),
        );
        if self.dialect.returning {
            sql.push_str(&format!(" RETURNING {}", q("id")));
        }
        sql.into()
    }

    /// The `INSERT` of `rows` tracking rows (parameters: application name, upstream
    /// application name and notification id of each row).
    pub fn insert_tracking(&self, rows: usize) -> Arc<str> {
        let q = |s: &str| self.dialect.quote(s);
        format!(
            "INSERT INTO {} ({}, {}, {}) VALUES {}",
            self.quoted_tracking,
            q("application_name"),
            q("upstream_application_name"),
            q("notification_id"),
            self.tuples(rows, 3),
        )
        .into()
    }

    /// `(?, ?, …), (…)`: `rows` tuples of `columns` numbered placeholders.
    fn tuples(&self, rows: usize, columns: usize) -> String {
        (0..rows)
            .map(|row| {
                let placeholders: Vec<String> = (row * columns + 1..=row * columns + columns)
                    .map(|n| self.dialect.placeholder(n))
                    .collect();
                format!("({})", placeholders.join(", "))
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A `SELECT` of notifications with these `conditions` after the application's, in id order,
/// its limit the parameter numbered `limit`; without its limit where the recorder writes the
/// limit into the text (`Dialect::limit_in_text`: SQLite prepares `LIMIT ?` again at every
/// binding).
fn select_notifications(dialect: &Dialect, events: &str, conditions: &str, limit: usize) -> String {
    let q = |s: &str| dialect.quote(s);
    format!(
        "SELECT {id}, {}, {}, {}, {} FROM {events} WHERE {} = {}{conditions} ORDER BY {id}{}",
        q("originator_id"),
        q("originator_version"),
        q("topic"),
        q("state"),
        q("application_name"),
        dialect.placeholder(1),
        if dialect.limit_in_text() {
            String::new()
        } else {
            format!(" LIMIT {}", dialect.placeholder(limit))
        },
        id = q("id"),
    )
}
