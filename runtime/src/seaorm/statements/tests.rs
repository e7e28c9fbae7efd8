//! The statements' texts and values on each backend.

use sea_orm::{DbBackend, Statement, Value};
use uuid::Uuid;

use super::*;
use crate::seaorm::dialect::UuidColumn;

/// The statements of application `app`'s events, written for `backend`.
fn statements(backend: DbBackend) -> Statements {
    let uuid = match backend {
        DbBackend::Postgres => UuidColumn::Native,
        _ => UuidColumn::Hex32,
    };
    let dialect = Arc::new(Dialect::new(backend, uuid));
    Statements::new(
        dialect,
        "app",
        Purpose::Events,
        "stored_events",
        "notification_tracking",
    )
}

fn sql_and_bound(stmt: Statement) -> (String, usize) {
    let bound = stmt.values.map_or(0, |values| values.0.len());
    (stmt.sql, bound)
}

/// SQLite prepares a statement again whenever a `LIMIT ?` it read is bound, so there the
/// limit is written into the text; PostgreSQL and MySQL bind it.
#[test]
fn limits_are_text_on_sqlite_and_parameters_elsewhere() {
    let id = Uuid::nil();
    let newest = EventQuery::new().lte(7).desc().limit(1);
    let section = NotificationQuery::new(Some(101), 100);

    let sqlite = statements(DbBackend::Sqlite);
    let (sql, bound) = sql_and_bound(sqlite.select_events(id, newest).unwrap());
    assert!(
        sql.ends_with(r#"<= ? ORDER BY "originator_version" DESC LIMIT 1"#),
        "{sql}"
    );
    assert_eq!(bound, 3);
    let (sql, bound) = sql_and_bound(sqlite.select_notifications(&section).unwrap());
    assert!(sql.ends_with(r#">= ? ORDER BY "id" LIMIT 100"#), "{sql}");
    assert_eq!(bound, 2);
    // The cached text of the shape has no limit in it: another limit gets its own text.
    let (sql, _) = sql_and_bound(
        sqlite
            .select_notifications(&NotificationQuery::new(Some(1), 10))
            .unwrap(),
    );
    assert!(sql.ends_with(r#"ORDER BY "id" LIMIT 10"#), "{sql}");
    let (sql, _) = sql_and_bound(
        sqlite
            .select_events(id, EventQuery::new().limit(u64::MAX))
            .unwrap(),
    );
    assert!(sql.ends_with(&format!("LIMIT {}", i64::MAX)), "{sql}");

    let postgres = statements(DbBackend::Postgres);
    let (sql, bound) = sql_and_bound(postgres.select_events(id, newest).unwrap());
    assert!(sql.ends_with("DESC LIMIT $4"), "{sql}");
    assert_eq!(bound, 4);
    let (sql, bound) = sql_and_bound(postgres.select_notifications(&section).unwrap());
    assert!(sql.ends_with(r#"ORDER BY "id" LIMIT $3"#), "{sql}");
    assert_eq!(bound, 3);

    let mysql = statements(DbBackend::MySql);
    let (sql, bound) = sql_and_bound(mysql.select_events(id, newest).unwrap());
    assert!(sql.ends_with("DESC LIMIT ?"), "{sql}");
    assert_eq!(bound, 4);
}

/// Excluded notification ids follow the topics as parameters, left out by the select itself;
/// an id above what the database stores is not bound.
#[test]
fn excluded_notifications_are_left_out_by_the_select() {
    let query = NotificationQuery::new(Some(1), 10)
        .topics(["a", "b"])
        .excluding([3, 5, u64::MAX]);
    let postgres = statements(DbBackend::Postgres);
    let (sql, bound) = sql_and_bound(postgres.select_notifications(&query).unwrap());
    assert!(
        sql.ends_with(r#""topic" IN ($3, $4) AND "id" NOT IN ($5, $6) ORDER BY "id" LIMIT $7"#),
        "{sql}"
    );
    assert_eq!(bound, 7);
    let sqlite = statements(DbBackend::Sqlite);
    let (sql, bound) = sql_and_bound(
        sqlite
            .select_notifications(&NotificationQuery::new(None, 10).excluding([2]))
            .unwrap(),
    );
    assert!(
        sql.ends_with(r#""id" NOT IN (?) ORDER BY "id" LIMIT 10"#),
        "{sql}"
    );
    assert_eq!(bound, 2);
    // The shape without exclusions keeps its cached text.
    let (sql, _) = sql_and_bound(
        sqlite
            .select_notifications(&NotificationQuery::new(None, 10))
            .unwrap(),
    );
    assert!(!sql.contains("NOT IN"), "{sql}");
}

/// The placeholders in a statement's text: `$1`, `$2`… in order on PostgreSQL, `?`
/// elsewhere; their number must be the number of values bound.
fn check_placeholders(backend: DbBackend, stmt: Statement, limit: Option<i64>) {
    let values = stmt.values.map_or_else(Vec::new, |values| values.0);
    match backend {
        DbBackend::Postgres => {
            let numbers: Vec<usize> = stmt
                .sql
                .split('$')
                .skip(1)
                .map(|rest| {
                    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                    digits.parse().unwrap()
                })
                .collect();
            assert_eq!(
                numbers,
                (1..=values.len()).collect::<Vec<_>>(),
                "{}",
                stmt.sql
            );
        }
        _ => assert_eq!(stmt.sql.matches('?').count(), values.len(), "{}", stmt.sql),
    }
    let limit_bound = backend != DbBackend::Sqlite && limit.is_some();
    if limit_bound {
        assert_eq!(values.last(), Some(&Value::BigInt(limit)), "{}", stmt.sql);
    }
    if let Some(limit) = limit.filter(|_| !limit_bound) {
        assert!(
            stmt.sql.ends_with(&format!(" LIMIT {limit}")),
            "{}",
            stmt.sql
        );
    }
}

/// Every shape of either select, on every backend: as many placeholders as values, in
/// order, with the limit last where it is bound and at the end of the text where not.
#[test]
fn every_select_shape_binds_one_value_per_placeholder() {
    let id = Uuid::nil();
    for backend in [DbBackend::Sqlite, DbBackend::Postgres, DbBackend::MySql] {
        let recorder = statements(backend);
        for shape in 0..16 {
            let mut query = EventQuery::new();
            if shape & 1 != 0 {
                query = query.gt(2);
            }
            if shape & 2 != 0 {
                query = query.lte(9);
            }
            if shape & 4 != 0 {
                query = query.desc();
            }
            let limit = (shape & 8 != 0).then_some(5);
            if let Some(limit) = limit {
                query = query.limit(limit as u64);
            }
            let stmt = recorder.select_events(id, query).unwrap();
            check_placeholders(backend, stmt, limit);
        }
        for start in [None, Some(true), Some(false)] {
            for stop in [false, true] {
                for topics in [0, 2] {
                    let mut query = NotificationQuery::new(start.map(|_| 11), 7);
                    if start == Some(false) {
                        query = query.exclusive_of_start();
                    }
                    if stop {
                        query = query.stop(40);
                    }
                    if topics > 0 {
                        query = query.topics(["a:A", "a:B"]);
                    }
                    let stmt = recorder.select_notifications(&query).unwrap();
                    check_placeholders(backend, stmt, Some(7));
                }
            }
        }
    }
}
