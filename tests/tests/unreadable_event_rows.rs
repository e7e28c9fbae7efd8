//! A stored event row that cannot be read (edited by hand, or written by something else) is a
//! typed error naming the row, on every SQL backend, whether the events are selected
//! (`select_events`) or handed over borrowed (`visit_events`, what loading an aggregate uses).

use std::ops::ControlFlow;

use eventsourcing_seaorm::persistence::{AggregateRecorder, EventQuery, PersistenceError};
use eventsourcing_seaorm_tests::backends::{Backend, TestDatabase};
use eventsourcing_seaorm_tests::contract::stored;
use sea_orm::ConnectionTrait;
use uuid::Uuid;

/// Both ways of reading the aggregate's events, as one result each.
async fn read_both(
    recorder: &dyn AggregateRecorder,
    id: Uuid,
) -> [Result<Vec<u64>, PersistenceError>; 2] {
    let selected = recorder
        .select_events(id, EventQuery::new())
        .await
        .map(|events| events.iter().map(|e| e.originator_version).collect());
    let mut seen = Vec::new();
    let visited = recorder
        .visit_events(id, EventQuery::new(), &mut |event| {
            seen.push(event.originator_version);
            ControlFlow::Continue(())
        })
        .await
        .map(|()| seen);
    [selected, visited]
}

async fn negative_versions_are_data_errors(backend: Backend) {
    let Some(db) = TestDatabase::new(backend) else {
        return;
    };
    let store = db.store().await;
    let recorder = store.application_recorder("Unreadable").expect("recorder");
    let id = Uuid::new_v4();
    recorder
        .insert_events(&[stored(id, 1, "t:Created"), stored(id, 2, "t:Changed")])
        .await
        .expect("insert");
    for result in read_both(&recorder, id).await {
        assert_eq!(result.expect("readable"), [1, 2]);
    }
    let table = &db.tables.stored_events;
    store
        .connection()
        .execute_unprepared(&format!(
            "UPDATE {table} SET originator_version = -7 WHERE originator_version = 2"
        ))
        .await
        .expect("update");
    for result in read_both(&recorder, id).await {
        match result {
            Err(PersistenceError::Data {
                application_name,
                table: in_table,
                row,
                reason,
            }) => {
                assert_eq!(application_name, "Unreadable");
                assert_eq!(&in_table, table);
                assert!(row.contains(&id.to_string()), "{row}");
                assert!(reason.contains("-7"), "{reason}");
            }
            other => panic!("expected a data error, got {other:?}"),
        }
    }
    db.drop_tables(store.connection()).await;
}

#[tokio::test]
async fn sqlite_negative_versions_are_data_errors() {
    negative_versions_are_data_errors(Backend::SqliteFile).await;
}

#[tokio::test]
async fn postgres_negative_versions_are_data_errors() {
    negative_versions_are_data_errors(Backend::Postgres).await;
}

#[tokio::test]
async fn mysql_negative_versions_are_data_errors() {
    negative_versions_are_data_errors(Backend::MySql).await;
}

/// SQLite keeps whatever type a value was written with: a state written as text instead of a
/// blob is read the same way by both paths (the bytes of the text).
#[tokio::test]
async fn sqlite_text_states_read_alike_both_ways() {
    let Some(db) = TestDatabase::new(Backend::SqliteFile) else {
        return;
    };
    let store = db.store().await;
    let recorder = store.application_recorder("Texts").expect("recorder");
    let id = Uuid::new_v4();
    recorder
        .insert_events(&[stored(id, 1, "t:Created")])
        .await
        .expect("insert");
    store
        .connection()
        .execute_unprepared(&format!(
            "UPDATE {} SET state = '{{\"v\":1}}'",
            db.tables.stored_events
        ))
        .await
        .expect("update");
    let selected = recorder
        .select_events(id, EventQuery::new())
        .await
        .map_err(|e| e.to_string());
    let mut visited = Vec::new();
    let visit = recorder
        .visit_events(id, EventQuery::new(), &mut |event| {
            visited.push(event.to_owned_event());
            ControlFlow::Continue(())
        })
        .await
        .map_err(|e| e.to_string());
    let selected = selected.expect("a text state is read as its bytes");
    visit.expect("visited as selected");
    assert_eq!(visited, selected);
    assert_eq!(selected[0].state, br#"{"v":1}"#);
}

/// On SQLite, a topic that is not UTF-8 and a state that is a number are data errors naming
/// the row, both ways.
#[tokio::test]
async fn sqlite_bad_topics_and_states_are_data_errors() {
    let Some(db) = TestDatabase::new(Backend::SqliteFile) else {
        return;
    };
    let store = db.store().await;
    let recorder = store.application_recorder("Bad").expect("recorder");
    let table = &db.tables.stored_events;
    for (column, value) in [("topic", "CAST(X'FF' AS TEXT)"), ("state", "7")] {
        let id = Uuid::new_v4();
        recorder
            .insert_events(&[stored(id, 1, "t:Created")])
            .await
            .expect("insert");
        store
            .connection()
            .execute_unprepared(&format!(
                "UPDATE {table} SET {column} = {value} WHERE originator_id = '{}'",
                id.simple()
            ))
            .await
            .expect("update");
        for result in read_both(&recorder, id).await {
            match result {
                Err(PersistenceError::Data { row, .. }) => {
                    assert!(row.contains(&id.to_string()), "{column}: {row}");
                }
                other => panic!("{column}: expected a data error, got {other:?}"),
            }
        }
    }
}
