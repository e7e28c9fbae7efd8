//! A stored event row that cannot be read (edited by hand, or written by something else) is a
//! typed error naming the row, on every SQL backend, whether the events are selected
//! (`select_events`) or handed over borrowed (`visit_events`, what loading an aggregate uses).

use std::ops::ControlFlow;

use eventsourcing_seaorm::persistence::{
    AggregateRecorder, EventQuery, PersistenceError, StoredEvent,
};
use eventsourcing_seaorm::seaorm::{SeaOrmRecorder, SeaOrmStore};
use eventsourcing_seaorm_tests::backends::{Backend, TestDatabase};
use eventsourcing_seaorm_tests::contract::stored;
use sea_orm::ConnectionTrait;
use uuid::Uuid;

/// Both ways of reading the aggregate's events, as one result each.
async fn read_both(
    recorder: &dyn AggregateRecorder,
    id: Uuid,
) -> [Result<Vec<StoredEvent>, PersistenceError>; 2] {
    let selected = recorder.select_events(id, EventQuery::new()).await;
    let mut seen = Vec::new();
    let visited = recorder
        .visit_events(id, EventQuery::new(), &mut |event| {
            seen.push(event.to_owned_event());
            ControlFlow::Continue(())
        })
        .await
        .map(|()| seen);
    [selected, visited]
}

/// Records `events` for application `app`, then edits their rows behind the recorder's back
/// (`UPDATE <stored events table> SET <edit>`); returns the recorder.
async fn record_then_edit(
    db: &TestDatabase,
    store: &SeaOrmStore,
    app: &str,
    events: &[StoredEvent],
    edit: &str,
) -> SeaOrmRecorder {
    let recorder = store.application_recorder(app).expect("recorder");
    recorder.insert_events(events).await.expect("insert");
    for result in read_both(&recorder, events[0].originator_id).await {
        assert_eq!(result.expect("readable before the edit"), events);
    }
    store
        .connection()
        .execute_unprepared(&format!("UPDATE {} SET {edit}", db.tables.stored_events))
        .await
        .expect("update");
    recorder
}

async fn negative_versions_are_data_errors(backend: Backend) {
    let Some(db) = TestDatabase::new(backend) else {
        return;
    };
    let store = db.store().await;
    let id = Uuid::new_v4();
    let events = [stored(id, 1, "t:Created"), stored(id, 2, "t:Changed")];
    let recorder = record_then_edit(
        &db,
        &store,
        "Unreadable",
        &events,
        "originator_version = -7 WHERE originator_version = 2",
    )
    .await;
    let table = &db.tables.stored_events;
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
    let id = Uuid::new_v4();
    let recorder = record_then_edit(
        &db,
        &store,
        "Texts",
        &[stored(id, 1, "t:Created")],
        r#"state = '{"v":1}'"#,
    )
    .await;
    let [selected, visited] = read_both(&recorder, id).await;
    let selected = selected.expect("a text state is read as its bytes");
    assert_eq!(visited.expect("visited as selected"), selected);
    assert_eq!(selected[0].state, br#"{"v":1}"#);
}

/// On SQLite, a topic that is not UTF-8, a state that is a number and a version that is text
/// or a fraction are data errors naming the row, both ways.
#[tokio::test]
async fn sqlite_bad_topics_and_states_are_data_errors() {
    let Some(db) = TestDatabase::new(Backend::SqliteFile) else {
        return;
    };
    let store = db.store().await;
    for (column, value) in [
        ("topic", "CAST(X'FF' AS TEXT)"),
        ("state", "7"),
        ("originator_version", "'x'"),
        ("originator_version", "1.5"),
    ] {
        let id = Uuid::new_v4();
        let recorder = record_then_edit(
            &db,
            &store,
            "Bad",
            &[stored(id, 1, "t:Created")],
            &format!("{column} = {value} WHERE originator_id = '{}'", id.simple()),
        )
        .await;
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
