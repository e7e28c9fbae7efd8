//! Rows read back into events: the version, topic and state of an event row borrowed from the
//! driver's row where it can be (no copy of the topic and state before decoding), notification
//! ids, originator ids and `MAX(…)` values, each checked, with the reason when a row is bad.

use sea_orm::QueryResult;
use sea_orm::sqlx::{self, TypeInfo, ValueRef};
use uuid::Uuid;

use super::dialect::Dialect;
use crate::persistence::{StoredEvent, StoredEventRef};

/// Why a row cannot be read.
pub(crate) type Bad = String;

/// The event in `row` (version, topic and state from column `first`), its topic and state
/// borrowed from the driver's row; a row of no sqlx driver (SeaORM's mock or proxy) is read
/// through SeaORM's getters into `copy` first.
pub(crate) fn event_ref<'r>(
    row: &'r QueryResult,
    first: usize,
    originator_id: Uuid,
    copy: &'r mut Option<(String, Vec<u8>)>,
) -> Result<StoredEventRef<'r>, Bad> {
    let (version, topic, state) = match borrow_event_cells(row, first) {
        Some(cells) => cells?,
        None => {
            let text = |e: sea_orm::DbErr| e.to_string();
            let version: i64 = row.try_get_by_index(first).map_err(text)?;
            let topic: String = row.try_get_by_index(first + 1).map_err(text)?;
            let state: Vec<u8> = row.try_get_by_index(first + 2).map_err(text)?;
            let (topic, state) = copy.insert((topic, state));
            (version, topic.as_str(), state.as_slice())
        }
    };
    let originator_version =
        u64::try_from(version).map_err(|_| format!("negative originator_version {version}"))?;
    Ok(StoredEventRef {
        originator_id,
        originator_version,
        topic,
        state,
    })
}

/// The event in `row`, copied out (see [`event_ref`]).
pub(crate) fn event(
    row: &QueryResult,
    first: usize,
    originator_id: Uuid,
) -> Result<StoredEvent, Bad> {
    Ok(event_ref(row, first, originator_id, &mut None)?.to_owned_event())
}

/// A notification row's id (column 0) and originator (column 1); when bad, which row (its
/// notification id when that could be read) and why.
pub(crate) fn notification_head(
    row: &QueryResult,
    dialect: &Dialect,
) -> Result<(u64, Uuid), (Option<u64>, Bad)> {
    let id: i64 = row
        .try_get_by_index(0)
        .map_err(|e| (None, format!("id: {e}")))?;
    let id = u64::try_from(id).map_err(|_| (None, format!("negative id {id}")))?;
    let originator_id = dialect
        .read_uuid(row, 1)
        .map_err(|e| (Some(id), format!("originator_id: {e}")))?;
    Ok((id, originator_id))
}

/// An optional version in column `index` (NULL: none), as the checked select of the newest
/// snapshot gives the version of the event at the snapshot's version.
pub(crate) fn optional_version(row: &QueryResult, index: usize) -> Result<Option<u64>, Bad> {
    let version: Option<i64> = row
        .try_get_by_index(index)
        .map_err(|e| format!("the version of the snapshot's event: {e}"))?;
    version
        .map(|v| u64::try_from(v).map_err(|_| format!("negative originator_version {v}")))
        .transpose()
}

/// The value of a `SELECT MAX(…)` row (`None` when the table has no such rows).
pub(crate) fn max(row: Option<QueryResult>) -> Result<Option<u64>, Bad> {
    let max: Option<i64> = match row {
        Some(row) => row.try_get_by_index(0).map_err(|e| e.to_string())?,
        None => None,
    };
    max.map(|max| u64::try_from(max).map_err(|_| format!("negative id (max {max})")))
        .transpose()
}

/// An event row's version, topic and state, the topic and state borrowed from the row.
type EventCells<'r> = (i64, &'r str, &'r [u8]);

/// The version in column `first` of a row, the topic (text) in the next and the state (bytes)
/// after it, the topic and state borrowed from the driver's row; `None` for a row of no sqlx
/// driver (SeaORM's mock or proxy).
fn borrow_event_cells(row: &QueryResult, first: usize) -> Option<Result<EventCells<'_>, Bad>> {
    if let Some(row) = row.try_as_sqlite_row() {
        return Some(event_cells(row, first, |topic: &str| Ok(topic)));
    }
    if let Some(row) = row.try_as_pg_row() {
        return Some(event_cells(row, first, |topic: &str| Ok(topic)));
    }
    // MySQL reports a text column with a binary collation as bytes; SeaORM's own `String`
    // getter reads bytes there too, and checks that they are UTF-8.
    let row = row.try_as_mysql_row()?;
    Some(event_cells(row, first, |topic: &[u8]| {
        std::str::from_utf8(topic).map_err(|e| format!("topic is not UTF-8: {e}"))
    }))
}

/// [`borrow_event_cells`] of one driver's row, the topic read as `T` and made text by `text`.
fn event_cells<'r, R, T>(
    row: &'r R,
    first: usize,
    text: impl FnOnce(T) -> Result<&'r str, Bad>,
) -> Result<EventCells<'r>, Bad>
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    i64: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    T: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    &'r [u8]: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let version = cell(row, first, "originator_version", "an integer")?;
    let topic = text(cell(row, first + 1, "topic", "text")?)?;
    Ok((version, topic, cell(row, first + 2, "state", "bytes")?))
}

/// Column `index` of a driver's row, read as `T` (`expected` says what that is, for errors).
/// It is checked as sqlx's `try_get` checks it, a value of a type that `T` cannot be read from
/// being an error, but read once; NULL is an error naming the column (sqlx would read a NULL as
/// empty text or bytes on SQLite).
fn cell<'r, R, T>(row: &'r R, index: usize, column: &str, expected: &str) -> Result<T, Bad>
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    T: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let value = row
        .try_get_raw(index)
        .map_err(|e| format!("{column}: {e}"))?;
    if value.is_null() {
        return Err(format!("{column} is NULL"));
    }
    let found = value.type_info();
    if !found.is_null() && !T::compatible(&found) {
        return Err(format!(
            "{column} holds a value of type {}, not {expected}",
            found.name()
        ));
    }
    T::decode(value).map_err(|e| format!("{column}: {e}"))
}
