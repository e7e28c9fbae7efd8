//! A stored event row that cannot be read (edited by hand, or written by something else) is a
//! typed error naming the row, on every SQL backend, whether the events are selected
//! (`select_events`) or handed over borrowed (`visit_events`, what loading an aggregate uses).
//! In the notification log such a row is named by its notification id, and a reader can skip
//! it on purpose and read the healthy rows around it.

use std::ops::ControlFlow;

use std::sync::Arc;

use eventsourcing_seaorm::application::NotificationLog;
use eventsourcing_seaorm::persistence::{
    AggregateRecorder, ApplicationRecorder, EventQuery, NotificationQuery, PersistenceError,
    StoredEvent,
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
                notification_id: None,
                ..
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

/// Breaks the rows with these notification ids behind the recorder's back, each with its own
/// `SET` clause (`UPDATE <stored events table> SET <edit> WHERE id = <id>`).
async fn break_notifications(db: &TestDatabase, store: &SeaOrmStore, edits: &[(u64, &str)]) {
    for (id, edit) in edits {
        let sql = format!(
            "UPDATE {} SET {edit} WHERE id = {id}",
            db.tables.stored_events
        );
        store
            .connection()
            .execute_unprepared(&sql)
            .await
            .expect("update");
    }
}

/// The notification id a read failed on, after checking that the error names it.
fn bad_id<T: std::fmt::Debug>(result: Result<T, PersistenceError>) -> u64 {
    let error = result.expect_err("a bad row is an error");
    let id = error
        .bad_notification_id()
        .unwrap_or_else(|| panic!("no notification id in {error:?}"));
    assert!(
        error.to_string().contains(&format!("notification {id}")),
        "{error}"
    );
    id
}

/// Six notifications of two aggregates, two of them broken by `edits` (applied to the second
/// and the fifth): every read of a section holding one fails naming it, the healthy rows of the
/// section are read when the bad ones are excluded (by the select, so a limit still fills up),
/// and a log reader reads past each bad row only once told to skip it.
async fn bad_rows_of_the_log_are_named_and_can_be_skipped(backend: Backend, edits: [&str; 2]) {
    let Some(db) = TestDatabase::new(backend) else {
        return;
    };
    let store = db.store().await;
    let recorder = Arc::new(store.application_recorder("Log").expect("recorder"));
    let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
    let mut ids = Vec::new();
    for version in 1..=3 {
        for id in [a, b] {
            let event = stored(id, version, "t:Happened");
            ids.extend(recorder.insert_events(&[event]).await.expect("insert"));
        }
    }
    let (second, fifth) = (ids[1], ids[4]);
    break_notifications(&db, &store, &[(second, edits[0]), (fifth, edits[1])]).await;

    let everything = NotificationQuery::new(None, 10);
    assert_eq!(
        bad_id(recorder.select_notifications(&everything).await),
        second
    );
    let without_second = everything.clone().excluding([second]);
    assert_eq!(
        bad_id(recorder.select_notifications(&without_second).await),
        fifth
    );
    let healthy = recorder
        .select_notifications(&without_second.excluding([fifth]))
        .await
        .expect("the healthy rows");
    let healthy_ids: Vec<u64> = healthy.iter().map(|n| n.id).collect();
    assert_eq!(healthy_ids, [ids[0], ids[2], ids[3], ids[5]]);
    // Excluded rows do not count towards the limit.
    let two = NotificationQuery::new(None, 2).excluding([second, fifth]);
    let two: Vec<u64> = (recorder.select_notifications(&two).await.expect("two"))
        .iter()
        .map(|n| n.id)
        .collect();
    assert_eq!(two, [ids[0], ids[2]]);

    // A reader stops at each bad row until told to skip it, then reads on.
    let log = NotificationLog::new("Log", recorder.clone() as Arc<dyn ApplicationRecorder>, 2);
    let mut reader = log.reader(1);
    let mut read = Vec::new();
    loop {
        match reader.next_batch().await {
            Ok(batch) if batch.is_empty() => break,
            Ok(batch) => read.extend(batch.iter().map(|n| n.id)),
            Err(error) => {
                let id = error.bad_notification_id().expect("a named bad row");
                assert!(!reader.skipped().contains(&id), "{id} skipped twice");
                reader.skip(id);
            }
        }
    }
    assert_eq!(read, healthy_ids);
    assert!(reader.skipped().is_empty(), "{:?}", reader.skipped());
    assert_eq!(reader.position(), ids[5] + 1);
    db.drop_tables(store.connection()).await;
}

#[tokio::test]
async fn sqlite_bad_rows_of_the_log_are_named_and_can_be_skipped() {
    bad_rows_of_the_log_are_named_and_can_be_skipped(
        Backend::SqliteFile,
        ["originator_id = 'not a uuid'", "state = 7"],
    )
    .await;
}

#[tokio::test]
async fn sqlite_versions_of_the_wrong_type_in_the_log_are_skippable() {
    bad_rows_of_the_log_are_named_and_can_be_skipped(
        Backend::SqliteFile,
        ["originator_version = 'x'", "topic = CAST(X'FF' AS TEXT)"],
    )
    .await;
}

#[tokio::test]
async fn postgres_bad_rows_of_the_log_are_named_and_can_be_skipped() {
    bad_rows_of_the_log_are_named_and_can_be_skipped(
        Backend::Postgres,
        ["originator_version = -1", "originator_version = -2"],
    )
    .await;
}

#[tokio::test]
async fn mysql_bad_rows_of_the_log_are_named_and_can_be_skipped() {
    bad_rows_of_the_log_are_named_and_can_be_skipped(
        Backend::MySql,
        ["originator_version = -1", "originator_version = -2"],
    )
    .await;
}
