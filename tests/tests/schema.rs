//! The migration crate creates the same tables as Django's `eventsourcing_django 0001_initial`
//! (column types, nullability, keys, unique constraints and their names) on every backend, and
//! accepts a database that Django migrated as it is.

use eventsourcing_seaorm_migration::{Migrator, MigratorTrait};
use eventsourcing_seaorm_tests::backends::{Backend, TempDir, unique_name};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};

/// Django's `sqlmigrate` output for a backend, as single statements.
fn django_ddl(file: &str) -> Vec<String> {
    let path = format!("{}/fixtures/django_ddl/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .filter(|l| !l.starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n")
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty() && *s != "BEGIN" && *s != "COMMIT")
        .map(str::to_owned)
        .collect()
}

async fn run_all(conn: &DatabaseConnection, statements: &[String]) {
    for sql in statements {
        conn.execute_unprepared(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
}

async fn rows(conn: &DatabaseConnection, sql: &str) -> Vec<Vec<String>> {
    let backend = conn.get_database_backend();
    conn.query_all_raw(Statement::from_string(backend, sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .iter()
        .map(|row| {
            (0..row.column_names().len())
                .map(|i| {
                    row.try_get_by_index::<Option<String>>(i)
                        .or_else(|_| {
                            row.try_get_by_index::<Option<i64>>(i)
                                .map(|v| v.map(|v| v.to_string()))
                        })
                        .or_else(|_| {
                            row.try_get_by_index::<Option<Vec<u8>>>(i)
                                .map(|v| v.map(|b| String::from_utf8_lossy(&b).into_owned()))
                        })
                        .unwrap_or_else(|e| panic!("{sql} column {i}: {e}"))
                        .unwrap_or_else(|| "NULL".into())
                })
                .collect()
        })
        .collect()
}

async fn sqlite_schema(conn: &DatabaseConnection) -> Vec<Vec<String>> {
    rows(
        conn,
        "SELECT type, name, tbl_name, sql FROM sqlite_master \
         WHERE name IN ('stored_events', 'snapshots', 'notification_tracking') OR tbl_name IN ('stored_events', 'snapshots', 'notification_tracking') \
         ORDER BY type, name",
    )
    .await
}

async fn sqlite_file(dir: &TempDir, name: &str) -> DatabaseConnection {
    let url = format!("sqlite://{}?mode=rwc", dir.0.join(name).display());
    Database::connect(url).await.unwrap()
}

#[tokio::test]
async fn sqlite_schema_is_djangos_to_the_letter() {
    let dir = TempDir::new();
    let django = sqlite_file(&dir, "django.sqlite3").await;
    run_all(&django, &django_ddl("sqlite.sql")).await;
    let ours = sqlite_file(&dir, "ours.sqlite3").await;
    Migrator::up(&ours, None).await.unwrap();
    let expected = sqlite_schema(&django).await;
    assert_eq!(
        expected.len(),
        7,
        "3 tables and 4 unique indexes: {expected:?}"
    );
    assert_eq!(sqlite_schema(&ours).await, expected);

    // A database Django migrated is accepted as it is.
    Migrator::up(&django, None).await.unwrap();
    assert_eq!(sqlite_schema(&django).await, expected);

    // Down and up again.
    Migrator::down(&ours, None).await.unwrap();
    assert!(sqlite_schema(&ours).await.is_empty());
    Migrator::up(&ours, None).await.unwrap();
    assert_eq!(sqlite_schema(&ours).await, expected);
}

#[tokio::test]
async fn the_django_fixture_database_is_accepted_and_recorded_once() {
    let dir = TempDir::new();
    let path = dir.0.join("django_plain.sqlite3");
    std::fs::copy(
        format!(
            "{}/fixtures/python/django_plain.sqlite3",
            env!("CARGO_MANIFEST_DIR")
        ),
        &path,
    )
    .unwrap();
    let conn = Database::connect(format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let before = sqlite_schema(&conn).await;
    let events_before = rows(&conn, "SELECT COUNT(*) FROM stored_events").await;
    Migrator::up(&conn, None).await.unwrap();
    assert_eq!(sqlite_schema(&conn).await, before);
    assert_eq!(
        rows(&conn, "SELECT COUNT(*) FROM stored_events").await,
        events_before
    );
    let recorded = rows(
        &conn,
        "SELECT app, name FROM django_migrations WHERE app = 'eventsourcing_django'",
    )
    .await;
    assert_eq!(
        recorded,
        vec![vec![
            "eventsourcing_django".to_owned(),
            "0001_initial".to_owned()
        ]]
    );
}

#[tokio::test]
async fn a_django_project_database_gets_the_migration_recorded() {
    let dir = TempDir::new();
    let conn = sqlite_file(&dir, "project.sqlite3").await;
    // Django's own table, as `migrate` creates it before any app's migrations.
    conn.execute_unprepared(
        "CREATE TABLE \"django_migrations\" (\"id\" integer NOT NULL PRIMARY KEY AUTOINCREMENT, \"app\" varchar(255) NOT NULL, \"name\" varchar(255) NOT NULL, \"applied\" datetime NOT NULL)",
    )
    .await
    .unwrap();
    Migrator::up(&conn, None).await.unwrap();
    let recorded = rows(&conn, "SELECT app, name FROM django_migrations").await;
    assert_eq!(
        recorded,
        vec![vec![
            "eventsourcing_django".to_owned(),
            "0001_initial".to_owned()
        ]]
    );
    // Down refuses to drop tables that a Django project may have written to.
    let err = Migrator::down(&conn, None).await.unwrap_err();
    assert!(err.to_string().contains("Django project"), "{err}");
    assert_eq!(sqlite_schema(&conn).await.len(), 7);
    assert_eq!(
        rows(&conn, "SELECT app FROM django_migrations").await.len(),
        1
    );
}

async fn postgres_schema(conn: &DatabaseConnection, schema: &str) -> Vec<Vec<String>> {
    let mut all = rows(
        conn,
        &format!(
            "SELECT table_name::text, column_name::text, ordinal_position::text, data_type::text, \
             coalesce(character_maximum_length::text, ''), is_nullable::text, is_identity::text, \
             coalesce(identity_generation::text, ''), coalesce(column_default::text, '') \
             FROM information_schema.columns WHERE table_schema = '{schema}' \
             AND table_name IN ('stored_events', 'snapshots', 'notification_tracking') \
             ORDER BY table_name, ordinal_position"
        ),
    )
    .await;
    all.extend(
        rows(
            conn,
            &format!(
                "SELECT c.relname::text, con.conname::text, con.contype::text, pg_get_constraintdef(con.oid) \
                 FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid \
                 JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '{schema}' \
                 AND c.relname IN ('stored_events', 'snapshots', 'notification_tracking') \
                 AND con.contype IN ('p', 'u') ORDER BY c.relname, con.contype, con.conname"
            ),
        )
        .await,
    );
    all
}

async fn postgres_in_schema(url: &str, schema: &str) -> DatabaseConnection {
    let mut options = sea_orm::ConnectOptions::new(url.to_owned());
    options
        .set_schema_search_path(schema.to_owned())
        .max_connections(2);
    Database::connect(options).await.unwrap()
}

#[tokio::test]
async fn postgres_schema_is_djangos() {
    let Some(url) = Backend::Postgres.server_url() else {
        return;
    };
    let admin = Database::connect(&url).await.unwrap();
    let (a, b) = (unique_name(), unique_name());
    for schema in [&a, &b] {
        admin
            .execute_unprepared(&format!("CREATE SCHEMA {schema}"))
            .await
            .unwrap();
    }
    let django = postgres_in_schema(&url, &a).await;
    run_all(&django, &django_ddl("postgresql.sql")).await;
    let ours = postgres_in_schema(&url, &b).await;
    Migrator::up(&ours, None).await.unwrap();

    let expected = postgres_schema(&admin, &a).await;
    assert_eq!(
        expected.len(),
        16 + 7,
        "16 columns, 3 primary keys and 4 unique constraints: {expected:?}"
    );
    assert_eq!(postgres_schema(&admin, &b).await, expected);
    // A Django project's database: the migration is recorded in `django_migrations` too.
    django
        .execute_unprepared(
            "CREATE TABLE \"django_migrations\" (\"id\" bigint NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY, \"app\" varchar(255) NOT NULL, \"name\" varchar(255) NOT NULL, \"applied\" timestamp with time zone NOT NULL)",
        )
        .await
        .unwrap();
    Migrator::up(&django, None).await.unwrap();
    assert_eq!(postgres_schema(&admin, &a).await, expected);
    assert_eq!(
        rows(
            &django,
            "SELECT app::text, name::text FROM django_migrations"
        )
        .await,
        vec![vec![
            "eventsourcing_django".to_owned(),
            "0001_initial".to_owned()
        ]]
    );

    for schema in [&a, &b] {
        admin
            .execute_unprepared(&format!("DROP SCHEMA {schema} CASCADE"))
            .await
            .unwrap();
    }
}

async fn mysql_schema(conn: &DatabaseConnection, database: &str) -> Vec<Vec<String>> {
    let mut all = rows(
        conn,
        &format!(
            "SELECT TABLE_NAME, COLUMN_NAME, CAST(ORDINAL_POSITION AS CHAR), COLUMN_TYPE, IS_NULLABLE, EXTRA, COLUMN_KEY \
             FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '{database}' \
             AND TABLE_NAME IN ('stored_events', 'snapshots', 'notification_tracking') \
             ORDER BY TABLE_NAME, ORDINAL_POSITION"
        ),
    )
    .await;
    all.extend(
        rows(
            conn,
            &format!(
                "SELECT TABLE_NAME, INDEX_NAME, CAST(NON_UNIQUE AS CHAR), CAST(SEQ_IN_INDEX AS CHAR), COLUMN_NAME \
                 FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = '{database}' \
                 AND TABLE_NAME IN ('stored_events', 'snapshots', 'notification_tracking') \
                 ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX"
            ),
        )
        .await,
    );
    all
}

fn mysql_url_for(url: &str, database: &str) -> String {
    let base = url.rsplit_once('/').map_or(url, |(base, _)| base);
    format!("{base}/{database}")
}

#[tokio::test]
async fn mysql_schema_is_djangos() {
    let Some(url) = Backend::MySql.server_url() else {
        return;
    };
    let admin = Database::connect(&url).await.unwrap();
    let (a, b) = (unique_name(), unique_name());
    for database in [&a, &b] {
        admin
            .execute_unprepared(&format!("CREATE DATABASE {database}"))
            .await
            .unwrap();
    }
    let django = Database::connect(mysql_url_for(&url, &a)).await.unwrap();
    assert_eq!(django.get_database_backend(), DbBackend::MySql);
    run_all(&django, &django_ddl("mariadb.sql")).await;
    let ours = Database::connect(mysql_url_for(&url, &b)).await.unwrap();
    Migrator::up(&ours, None).await.unwrap();

    let expected = mysql_schema(&admin, &a).await;
    assert_eq!(
        expected.len(),
        16 + 3 + 11,
        "16 columns, 3 primary keys and 11 columns of unique indexes: {expected:?}"
    );
    assert_eq!(mysql_schema(&admin, &b).await, expected);
    // A Django project's database: the migration is recorded in `django_migrations` too.
    django
        .execute_unprepared(
            "CREATE TABLE `django_migrations` (`id` bigint AUTO_INCREMENT NOT NULL PRIMARY KEY, `app` varchar(255) NOT NULL, `name` varchar(255) NOT NULL, `applied` datetime(6) NOT NULL)",
        )
        .await
        .unwrap();
    Migrator::up(&django, None).await.unwrap();
    assert_eq!(mysql_schema(&admin, &a).await, expected);
    assert_eq!(
        rows(&django, "SELECT app, name FROM django_migrations").await,
        vec![vec![
            "eventsourcing_django".to_owned(),
            "0001_initial".to_owned()
        ]]
    );

    for database in [&a, &b] {
        admin
            .execute_unprepared(&format!("DROP DATABASE {database}"))
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn tables_with_other_names_by_migration() {
    use eventsourcing_seaorm::seaorm::Tables;
    use eventsourcing_seaorm_migration::{CreateTables, MigrationTrait, SchemaManager};
    let dir = TempDir::new();
    let conn = sqlite_file(&dir, "audit.sqlite3").await;
    let migration = CreateTables::new("m20250101_000000_audit", Tables::with_prefix("audit_"));
    migration.up(&SchemaManager::new(&conn)).await.unwrap();
    let tables = rows(
        &conn,
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'audit_%' ORDER BY name",
    )
    .await;
    assert_eq!(
        tables,
        [
            ["audit_notification_tracking"],
            ["audit_snapshots"],
            ["audit_stored_events"]
        ]
        .map(|r| r.map(String::from).to_vec())
        .to_vec()
    );
    migration.down(&SchemaManager::new(&conn)).await.unwrap();
    assert!(
        rows(
            &conn,
            "SELECT name FROM sqlite_master WHERE name LIKE 'audit_%'"
        )
        .await
        .is_empty()
    );
}
