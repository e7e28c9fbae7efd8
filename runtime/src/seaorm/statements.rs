//! The SQL of one application's rows in one table: the text of every statement a recorder
//! sends, with its values, written for the store's database ([`Dialect`]).
//!
//! Texts are built once and cached where they repeat: formatting one costs more than decoding
//! a short read. On SQLite a select's `LIMIT` is written into the text and other parameters
//! are plain `?` ([`Dialect::limit_in_text`] and `build_insert` say why).

use std::fmt::Write;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, OnceLock};

use sea_orm::{DbBackend, Statement, Value};
use uuid::Uuid;

use super::dialect::Dialect;
use crate::persistence::{EventQuery, NotificationQuery, StoredEvent, Tracking};

/// Rows per `INSERT` statement: well below every backend's limit on bound parameters.
pub(crate) const ROWS_PER_INSERT: usize = 1000;
/// Saves of up to this many events have their `INSERT` text built once per recorder.
const CACHED_INSERTS: usize = 128;
/// The longest `application_name` the Django tables hold (`varchar(32)`).
pub const MAX_APPLICATION_NAME: usize = 32;

/// Which table a recorder records in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// Stored events, numbered in the application's notification log.
    Events,
    /// Snapshots: no notification ids, no lock.
    Snapshots,
}

/// One application's rows in one table, and the statements that write and read them.
#[derive(Debug)]
pub(crate) struct Statements {
    pub(crate) dialect: Arc<Dialect>,
    pub(crate) application_name: String,
    pub(crate) purpose: Purpose,
    /// The table's name as given.
    pub(crate) table: String,
    pub(crate) quoted_table: String,
    quoted_tracking: String,
    /// What MySQL's lock locks: the application's first row of the table (`seaorm/lock.rs`).
    pub(crate) lock_target: String,
    /// The table's key column: `id` (the notification id) or `uid`.
    pub(crate) key: &'static str,
    /// `INSERT` texts by number of rows (1 to [`CACHED_INSERTS`]) and whether every row has the
    /// first row's originator.
    inserts: Box<[[OnceLock<String>; 2]]>,
    /// Events selects by [`event_shape`].
    events: [OnceLock<String>; 8],
    /// Notification selects without a topic filter by [`notification_shape`].
    notifications: [OnceLock<String>; 6],
    /// The statement that serialises writers, once chosen (`seaorm/lock.rs`).
    pub(crate) lock: OnceLock<Option<String>>,
    /// MySQL/MariaDB: the index the lock statement named is gone; lock without naming one.
    pub(crate) lock_unhinted: AtomicBool,
    /// PostgreSQL with notifications on: the `NOTIFY` a save of events sends.
    pub(crate) notify: Option<String>,
}

/// A save's rows: each event with its version as the database stores it.
pub(crate) type Rows<'e> = [(&'e StoredEvent, i64)];

impl Statements {
    /// The statements of `application_name`'s rows in `table` (the tracking rows go to
    /// `tracking_table`).
    pub(crate) fn new(
        dialect: Arc<Dialect>,
        application_name: &str,
        purpose: Purpose,
        table: &str,
        tracking_table: &str,
    ) -> Self {
        let key = match purpose {
            Purpose::Events => "id",
            Purpose::Snapshots => "uid",
        };
        Statements {
            lock_target: format!("{} {application_name}", dialect.quote(table)),
            quoted_table: dialect.quote(table),
            quoted_tracking: dialect.quote(tracking_table),
            dialect,
            application_name: application_name.to_owned(),
            purpose,
            table: table.to_owned(),
            key,
            inserts: (0..CACHED_INSERTS).map(|_| Default::default()).collect(),
            events: Default::default(),
            notifications: Default::default(),
            lock: OnceLock::new(),
            lock_unhinted: AtomicBool::new(false),
            notify: None,
        }
    }

    pub(crate) fn backend(&self) -> DbBackend {
        self.dialect.backend
    }

    /// Whether `other` records events (with notification ids) in the same table for the same
    /// application, so that saves of both can share one `INSERT`.
    pub(crate) fn writes_like(&self, other: &Statements) -> bool {
        self.purpose == Purpose::Events
            && other.purpose == Purpose::Events
            && self.quoted_table == other.quoted_table
            && self.application_name == other.application_name
    }

    fn statement(&self, sql: String, values: Vec<Value>) -> Statement {
        self.dialect.statement(sql, values)
    }

    fn application(&self) -> Value {
        Value::from(self.application_name.as_str())
    }

    /// `?` or `$n` placeholders for `count` parameters after `offset` others.
    fn placeholders(&self, offset: usize, count: usize) -> String {
        (offset + 1..=offset + count)
            .map(|n| self.dialect.placeholder(n))
            .collect::<Vec<_>>()
            .join(", ")
    }

    // ------------------------------------------------------------------------------ writing

    /// The `INSERT` of a save's rows (at most [`ROWS_PER_INSERT`]), with `RETURNING` where ids
    /// are wanted and the database has it.
    pub(crate) fn insert_events(&self, rows: &Rows<'_>) -> Statement {
        let first = rows.first().map(|(event, _)| event.originator_id);
        let one_originator = rows
            .iter()
            .all(|(event, _)| Some(event.originator_id) == first);
        let sql = self.insert_sql(rows.len(), one_originator);
        let mut values = Vec::with_capacity(rows.len() * 5);
        for (row, (event, version)) in rows.iter().enumerate() {
            let [same_app, same_originator] = self.reused_parameters(row, one_originator);
            if !same_app {
                values.push(self.application());
            }
            if !same_originator {
                values.push(self.dialect.uuid_value(event.originator_id));
            }
            values.push(Value::BigInt(Some(*version)));
            values.push(Value::from(event.topic.as_str()));
            values.push(Value::Bytes(Some(event.state.clone())));
        }
        debug_assert_eq!(
            parameters_in(&sql, self.backend()),
            values.len(),
            "the INSERT's text and its values disagree: {sql}"
        );
        self.statement(sql, values)
    }

    /// Whether the inserted rows' ids come back as rows (`RETURNING`) rather than from
    /// `LAST_INSERT_ID()` (MySQL, MariaDB before 10.5); snapshots need none.
    pub(crate) fn returns_ids(&self) -> bool {
        self.purpose == Purpose::Events && self.dialect.returning
    }

    /// Whether the later rows of an `INSERT` take the first row's application name (and its
    /// originator, when every row is of it) instead of binding copies of their own: on
    /// PostgreSQL through numbered parameters (`$1` in every row), on SQLite by selecting them
    /// once beside a `VALUES` list of the rows' own values (see [`Self::build_insert`]).
    /// MySQL's `?` can do neither.
    fn shares_parameters(&self) -> bool {
        self.backend() != DbBackend::MySql
    }

    /// Whether row `row` of an `INSERT` refers to the first row's parameters for its
    /// application name and for its originator (when every row is of the first row's
    /// originator) rather than binding values of its own: the one rule that both the
    /// statement's text and its values follow.
    fn reused_parameters(&self, row: usize, one_originator: bool) -> [bool; 2] {
        let shared = row > 0 && self.shares_parameters();
        [shared, shared && one_originator]
    }

    /// The `INSERT` text of `rows` rows, all of the first row's originator when
    /// `one_originator`. Those of up to [`CACHED_INSERTS`] rows, the usual saves, are built once.
    fn insert_sql(&self, rows: usize, one_originator: bool) -> String {
        match rows
            .checked_sub(1)
            .and_then(|index| self.inserts.get(index))
        {
            Some(texts) => texts[usize::from(one_originator)]
                .get_or_init(|| self.build_insert(rows, one_originator))
                .clone(),
            None => self.build_insert(rows, one_originator),
        }
    }

    /// The `INSERT`'s text. Its parameters follow [`Self::reused_parameters`] in the order
    /// `insert_events` binds the values: row by row, each row's application name, originator,
    /// version, topic and state, leaving out those the row shares with the first.
    ///
    /// - PostgreSQL: `VALUES ($1, $2, $3, $4, $5), ($1, $2, $6, $7, $8), …`.
    /// - SQLite, more than one row: `SELECT ?, ?, column1, column2, column3 FROM (VALUES (?, ?,
    ///   ?), …)` (the originator a column of the list when the rows have several). Every
    ///   parameter is a plain `?`: sqlx asks SQLite for the name of each parameter it binds, and
    ///   SQLite finds a numbered parameter's name by a linear search (PROFILE.md, fifth round).
    ///   SQLite inserts the rows of the list in its order, as it does those of a plain `VALUES`
    ///   (the contract case `large_saves_are_recorded_whole` checks it).
    /// - MySQL, and SQLite's single row: `VALUES (?, ?, ?, ?, ?), …`.
    fn build_insert(&self, rows: usize, one_originator: bool) -> String {
        let dialect = &self.dialect;
        let mut sql = format!(
            "INSERT INTO {} ({}, {}, {}, {}, {}) ",
            self.quoted_table,
            dialect.quote("application_name"),
            dialect.quote("originator_id"),
            dialect.quote("originator_version"),
            dialect.quote("topic"),
            dialect.quote("state"),
        );
        sql.reserve(rows * 32);
        if dialect.backend == DbBackend::Sqlite && rows > 1 {
            // The first row's application name and (with one originator) its originator,
            // then each row's own values: the order `reused_parameters` gives.
            let own = if one_originator {
                sql.push_str("SELECT ?, ?");
                3
            } else {
                sql.push_str("SELECT ?");
                4
            };
            for column in 1..=own {
                let _ = write!(sql, ", column{column}");
            }
            sql.push_str(" FROM (VALUES ");
            for row in 0..rows {
                sql.push_str(if row > 0 { ", (?" } else { "(?" });
                for _ in 1..own {
                    sql.push_str(", ?");
                }
                sql.push(')');
            }
            sql.push(')');
        } else {
            sql.push_str("VALUES ");
            let numbered = dialect.backend == DbBackend::Postgres;
            let mut next = 0;
            // The first row's parameter `reused`, or a new one.
            let mut parameter = |sql: &mut String, reused: Option<usize>| match reused {
                Some(n) => {
                    let _ = write!(sql, "${n}");
                }
                None if numbered => {
                    next += 1;
                    let _ = write!(sql, "${next}");
                }
                None => sql.push('?'),
            };
            for row in 0..rows {
                let [same_app, same_originator] = self.reused_parameters(row, one_originator);
                sql.push_str(if row > 0 { ", (" } else { "(" });
                parameter(&mut sql, same_app.then_some(1));
                sql.push_str(", ");
                parameter(&mut sql, same_originator.then_some(2));
                for _ in 0..3 {
                    sql.push_str(", ");
                    parameter(&mut sql, None);
                }
                sql.push(')');
            }
        }
        if self.returns_ids() {
            let _ = write!(sql, " RETURNING {}", dialect.quote(self.key));
        }
        sql
    }

    /// The `INSERT` of a tracking row.
    pub(crate) fn insert_tracking(&self, rows: &[(&Tracking, i64)]) -> Statement {
        let dialect = &self.dialect;
        let tuples: Vec<String> = (0..rows.len())
            .map(|i| format!("({})", self.placeholders(i * 3, 3)))
            .collect();
        let sql = format!(
            "INSERT INTO {} ({}, {}, {}) VALUES {}",
            self.quoted_tracking,
            dialect.quote("application_name"),
            dialect.quote("upstream_application_name"),
            dialect.quote("notification_id"),
            tuples.join(", "),
        );
        let mut values = Vec::with_capacity(rows.len() * 3);
        for (tracking, notification_id) in rows {
            values.push(self.application());
            values.push(Value::from(tracking.application_name.as_str()));
            values.push(Value::BigInt(Some(*notification_id)));
        }
        self.statement(sql, values)
    }

    // ------------------------------------------------------------------------------ reading

    /// The `SELECT` of an aggregate's events (version, topic, state); `None` when the query
    /// leaves nothing.
    pub(crate) fn select_events(
        &self,
        originator_id: Uuid,
        query: EventQuery,
    ) -> Option<Statement> {
        Some(self.select_events_within(originator_id, &EventBounds::of(query)?))
    }

    /// The `SELECT` of an aggregate's events within `bounds`.
    pub(crate) fn select_events_within(
        &self,
        originator_id: Uuid,
        bounds: &EventBounds,
    ) -> Statement {
        let dialect = &self.dialect;
        let EventBounds {
            gt,
            lte,
            desc,
            limit,
        } = *bounds;
        let mut values = vec![self.application(), dialect.uuid_value(originator_id)];
        values.extend(
            [gt, lte]
                .into_iter()
                .flatten()
                .map(|bound| Value::BigInt(Some(bound))),
        );
        let shape = event_shape(gt.is_some(), lte.is_some(), desc);
        let sql = self.events[shape]
            .get_or_init(|| self.build_select_events(gt.is_some(), lte.is_some(), desc))
            .clone();
        self.statement(with_limit(dialect, sql, limit, &mut values), values)
    }

    /// The `SELECT` of an aggregate's newest snapshot within `bounds` (of
    /// [`newest_snapshot`](crate::persistence::newest_snapshot); this is the snapshots'
    /// statements), with a fourth column: the version of the event recorded at the snapshot's
    /// version in `events`' table of the same application, NULL when there is none (a snapshot
    /// beyond the events). The index probe runs on the server, in the same statement: no row
    /// more comes back. `texts` caches the two shapes' text (without and with `lte`).
    pub(crate) fn select_newest_snapshot_checked(
        &self,
        originator_id: Uuid,
        bounds: &EventBounds,
        events: &Statements,
        texts: &[OnceLock<String>; 2],
    ) -> Statement {
        let dialect = &self.dialect;
        let mut values = vec![self.application(), dialect.uuid_value(originator_id)];
        values.extend(bounds.lte.map(|lte| Value::BigInt(Some(lte))));
        let sql = texts[usize::from(bounds.lte.is_some())]
            .get_or_init(|| self.build_select_newest_snapshot_checked(events, bounds.lte.is_some()))
            .clone();
        self.statement(with_limit(dialect, sql, bounds.limit, &mut values), values)
    }

    /// The text of [`select_newest_snapshot_checked`](Self::select_newest_snapshot_checked),
    /// without its `LIMIT`.
    fn build_select_newest_snapshot_checked(&self, events: &Statements, lte: bool) -> String {
        let dialect = &self.dialect;
        let [app, id, version] =
            ["application_name", "originator_id", "originator_version"].map(|c| dialect.quote(c));
        let mut sql = format!(
            "SELECT s.{version}, s.{}, s.{}, (SELECT e.{version} FROM {} e WHERE e.{app} = s.{app} \
             AND e.{id} = s.{id} AND e.{version} = s.{version}) FROM {} s WHERE s.{app} = {} \
             AND s.{id} = {}",
            dialect.quote("topic"),
            dialect.quote("state"),
            events.quoted_table,
            self.quoted_table,
            dialect.placeholder(1),
            dialect.placeholder(2),
        );
        if lte {
            let _ = write!(sql, " AND s.{version} <= {}", dialect.placeholder(3));
        }
        let _ = write!(sql, " ORDER BY s.{version} DESC");
        sql
    }

    /// The text of a select of an originator's events with these optional parts; the
    /// parameters are the application, the originator, then `gt` and `lte` when present. The
    /// text ends with the `ORDER BY`: the caller adds the limit ([`with_limit`]).
    fn build_select_events(&self, gt: bool, lte: bool, desc: bool) -> String {
        let dialect = &self.dialect;
        let version = dialect.quote("originator_version");
        let mut sql = format!(
            "SELECT {version}, {}, {} FROM {} WHERE {} = {} AND {} = {}",
            dialect.quote("topic"),
            dialect.quote("state"),
            self.quoted_table,
            dialect.quote("application_name"),
            dialect.placeholder(1),
            dialect.quote("originator_id"),
            dialect.placeholder(2),
        );
        let mut parameters = 2;
        let mut next = || {
            parameters += 1;
            dialect.placeholder(parameters)
        };
        if gt {
            let _ = write!(sql, " AND {version} > {}", next());
        }
        if lte {
            let _ = write!(sql, " AND {version} <= {}", next());
        }
        let _ = write!(
            sql,
            " ORDER BY {version}{}",
            if desc { " DESC" } else { "" }
        );
        sql
    }

    /// The `SELECT` of notifications (id, originator, version, topic, state); `None` when the
    /// query leaves nothing.
    #[cfg(test)]
    pub(crate) fn select_notifications(&self, query: &NotificationQuery) -> Option<Statement> {
        Some(self.select_notifications_within(query, &NotificationBounds::of(query)?))
    }

    /// The `SELECT` of the notifications of `query` within `bounds` (its own).
    pub(crate) fn select_notifications_within(
        &self,
        query: &NotificationQuery,
        bounds: &NotificationBounds,
    ) -> Statement {
        let dialect = &self.dialect;
        let NotificationBounds { start, stop, limit } = *bounds;
        let mut values = vec![self.application()];
        values.extend(
            [start, stop]
                .into_iter()
                .flatten()
                .map(|bound| Value::BigInt(Some(bound))),
        );
        values.extend(query.topics.iter().map(|t| Value::from(t.as_str())));
        // An excluded id above what the database stores is never there.
        let excluded: Vec<i64> = (query.excluded.iter())
            .filter_map(|&id| i64::try_from(id).ok())
            .collect();
        values.extend(excluded.iter().map(|&id| Value::BigInt(Some(id))));
        let start = start.map(|_| query.inclusive_of_start);
        let build = || {
            let parts = (start, stop.is_some(), query.topics.len(), excluded.len());
            self.build_select_notifications(parts)
        };
        let sql = if query.topics.is_empty() && excluded.is_empty() {
            let shape = notification_shape(start, stop.is_some());
            self.notifications[shape].get_or_init(build).clone()
        } else {
            build()
        };
        self.statement(with_limit(dialect, sql, Some(limit), &mut values), values)
    }

    /// The text of a select of notifications: after `start` (inclusive when `Some(true)`), up
    /// to a stop when `stop`, of `topics` topics when there are any, leaving out `excluded`
    /// ids when there are any; the parameters are the application, the start, the stop, the
    /// topics and the excluded ids that are present. The text ends with the `ORDER BY`: the
    /// caller adds the limit ([`with_limit`]).
    fn build_select_notifications(
        &self,
        (start, stop, topics, excluded): (Option<bool>, bool, usize, usize),
    ) -> String {
        let dialect = &self.dialect;
        let id = dialect.quote(self.key);
        let mut sql = format!(
            "SELECT {id}, {}, {}, {}, {} FROM {} WHERE {} = {}",
            dialect.quote("originator_id"),
            dialect.quote("originator_version"),
            dialect.quote("topic"),
            dialect.quote("state"),
            self.quoted_table,
            dialect.quote("application_name"),
            dialect.placeholder(1),
        );
        let mut parameters = 1;
        if let Some(inclusive) = start {
            parameters += 1;
            let op = if inclusive { ">=" } else { ">" };
            let _ = write!(sql, " AND {id} {op} {}", dialect.placeholder(parameters));
        }
        if stop {
            parameters += 1;
            let _ = write!(sql, " AND {id} <= {}", dialect.placeholder(parameters));
        }
        if topics > 0 {
            let _ = write!(
                sql,
                " AND {} IN ({})",
                dialect.quote("topic"),
                self.placeholders(parameters, topics)
            );
            parameters += topics;
        }
        if excluded > 0 {
            let _ = write!(
                sql,
                " AND {id} NOT IN ({})",
                self.placeholders(parameters, excluded)
            );
        }
        let _ = write!(sql, " ORDER BY {id}");
        sql
    }

    /// The application's highest notification id.
    pub(crate) fn max_notification_id(&self) -> Statement {
        let dialect = &self.dialect;
        let sql = format!(
            "SELECT MAX({}) FROM {} WHERE {} = {}",
            dialect.quote(self.key),
            self.quoted_table,
            dialect.quote("application_name"),
            dialect.placeholder(1),
        );
        self.statement(sql, vec![self.application()])
    }

    /// The application's highest tracked notification id of an upstream application.
    /// The `DELETE` of the recorder's tracking rows of an upstream application (a rebuild).
    pub(crate) fn delete_tracking(&self, upstream_application_name: &str) -> Statement {
        let dialect = &self.dialect;
        let sql = format!(
            "DELETE FROM {} WHERE {} = {} AND {} = {}",
            self.quoted_tracking,
            dialect.quote("application_name"),
            dialect.placeholder(1),
            dialect.quote("upstream_application_name"),
            dialect.placeholder(2),
        );
        let values = vec![self.application(), Value::from(upstream_application_name)];
        self.statement(sql, values)
    }

    pub(crate) fn max_tracking_id(&self, upstream_application_name: &str) -> Statement {
        let dialect = &self.dialect;
        let sql = format!(
            "SELECT MAX({}) FROM {} WHERE {} = {} AND {} = {}",
            dialect.quote("notification_id"),
            self.quoted_tracking,
            dialect.quote("application_name"),
            dialect.placeholder(1),
            dialect.quote("upstream_application_name"),
            dialect.placeholder(2),
        );
        let values = vec![self.application(), Value::from(upstream_application_name)];
        self.statement(sql, values)
    }
}

/// The bounds of a select of events as the database stores them (`bigint`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct EventBounds {
    gt: Option<i64>,
    lte: Option<i64>,
    desc: bool,
    limit: Option<i64>,
}

impl EventBounds {
    /// The bounds of `query`; `None` when it leaves nothing.
    pub(crate) fn of(query: EventQuery) -> Option<Self> {
        // Stored versions fit in i64: a bound above that leaves nothing, or everything.
        let gt = match query.gt.map(i64::try_from) {
            Some(Err(_)) => return None,
            Some(Ok(gt)) => Some(gt),
            None => None,
        };
        Some(EventBounds {
            gt,
            lte: query.lte.and_then(|lte| i64::try_from(lte).ok()),
            desc: query.desc,
            limit: query.limit.map(|limit| limit.min(i64::MAX as u64) as i64),
        })
    }
}

/// The bounds of a select of notifications as the database stores them (`bigint`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct NotificationBounds {
    start: Option<i64>,
    stop: Option<i64>,
    limit: i64,
}

impl NotificationBounds {
    /// The bounds of `query`; `None` when it leaves nothing.
    pub(crate) fn of(query: &NotificationQuery) -> Option<Self> {
        // Stored ids fit in i64: a start above that leaves nothing, a stop above it everything.
        let start = match query.start.map(i64::try_from) {
            Some(Err(_)) => return None,
            Some(Ok(start)) => Some(start),
            None => None,
        };
        Some(NotificationBounds {
            start,
            stop: query.stop.and_then(|stop| i64::try_from(stop).ok()),
            limit: query.limit.min(i64::MAX as u64) as i64,
        })
    }
}

/// Ends a select (whose text ends with its `ORDER BY` and binds `values`) with its limit:
/// written into the text where the dialect wants it there ([`Dialect::limit_in_text`], SQLite),
/// bound as the last parameter elsewhere.
fn with_limit(
    dialect: &Dialect,
    mut sql: String,
    limit: Option<i64>,
    values: &mut Vec<Value>,
) -> String {
    match limit {
        Some(limit) if dialect.limit_in_text() => {
            let _ = write!(sql, " LIMIT {limit}");
        }
        Some(limit) => {
            values.push(Value::BigInt(Some(limit)));
            let _ = write!(sql, " LIMIT {}", dialect.placeholder(values.len()));
        }
        None => {}
    }
    sql
}

/// Which optional parts a select of events has: `gt`, `lte`, `DESC` (its `LIMIT` is added to
/// the text by [`with_limit`]).
fn event_shape(gt: bool, lte: bool, desc: bool) -> usize {
    usize::from(gt) | usize::from(lte) << 1 | usize::from(desc) << 2
}

/// Which optional parts a select of notifications without a topic filter has: no start, an
/// inclusive or an exclusive one (`Some(true)`, `Some(false)`); a stop.
fn notification_shape(start: Option<bool>, stop: bool) -> usize {
    let start = match start {
        None => 0,
        Some(true) => 1,
        Some(false) => 2,
    };
    start + 3 * usize::from(stop)
}

/// How many values a statement's text takes: its highest `$n` on PostgreSQL, its `?`s
/// elsewhere (table names hold neither). Debug builds check every `INSERT` with it, since sqlx
/// binds a missing value as NULL and ignores one too many.
fn parameters_in(sql: &str, backend: DbBackend) -> usize {
    if backend == DbBackend::Postgres {
        sql.split('$')
            .skip(1)
            .filter_map(|rest| {
                let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
                rest[..digits].parse::<usize>().ok()
            })
            .max()
            .unwrap_or(0)
    } else {
        sql.matches('?').count()
    }
}

#[cfg(test)]
mod tests;
