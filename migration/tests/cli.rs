//! The migration's command line (`cargo run -p eventsourcing-seaorm-migration -- up -u URL`,
//! which is also what `sea-orm-cli migrate up -d migration` runs) against SQLite, PostgreSQL and
//! MySQL/MariaDB URLs.

use std::process::Command;

use sea_orm_migration::sea_orm::{ConnectionTrait, Database, Statement};

const TABLES: [&str; 3] = ["stored_events", "snapshots", "notification_tracking"];

fn unique_name() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("m{}_{nanos}", std::process::id())
}

fn migrate(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_eventsourcing-seaorm-migration"))
        .args(args)
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "migrate {args:?} failed:\n{text}");
    text
}

async fn tables_present(url: &str, schema: Option<&str>) -> Vec<String> {
    let conn = Database::connect(url).await.unwrap();
    let backend = conn.get_database_backend();
    let sql = match backend {
        sea_orm_migration::sea_orm::DbBackend::Postgres => format!(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = '{}'",
            schema.unwrap_or("public")
        ),
        sea_orm_migration::sea_orm::DbBackend::MySql => {
            "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"
                .to_owned()
        }
        _ => "SELECT name FROM sqlite_master WHERE type = 'table'".to_owned(),
    };
    let mut names: Vec<String> = conn
        .query_all_raw(Statement::from_string(backend, sql))
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get_by_index::<String>(0).unwrap())
        .filter(|name| TABLES.contains(&name.as_str()))
        .collect();
    names.sort();
    names
}

fn expected() -> Vec<String> {
    let mut names: Vec<String> = TABLES.iter().map(|t| t.to_string()).collect();
    names.sort();
    names
}

#[tokio::test]
async fn up_and_down_on_sqlite() {
    let dir = std::env::temp_dir().join(unique_name());
    std::fs::create_dir_all(&dir).unwrap();
    // The file does not exist yet: the command creates it.
    let url = format!("sqlite://{}", dir.join("events.sqlite3").display());
    migrate(&["up", "-u", &url]);
    assert_eq!(tables_present(&url, None).await, expected());
    assert!(
        migrate(&["status", "-u", &url]).contains("m20210731_173100_create_eventsourcing_tables")
    );
    migrate(&["down", "-u", &url]);
    assert!(tables_present(&url, None).await.is_empty());
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn up_and_down_on_postgres() {
    let Ok(url) = std::env::var("TEST_POSTGRES_URL") else {
        eprintln!("skipped: TEST_POSTGRES_URL is not set");
        return;
    };
    let schema = unique_name();
    let admin = Database::connect(&url).await.unwrap();
    admin
        .execute_unprepared(&format!("CREATE SCHEMA {schema}"))
        .await
        .unwrap();
    migrate(&["up", "-u", &url, "-s", &schema]);
    assert_eq!(tables_present(&url, Some(&schema)).await, expected());
    migrate(&["down", "-u", &url, "-s", &schema]);
    assert!(tables_present(&url, Some(&schema)).await.is_empty());
    admin
        .execute_unprepared(&format!("DROP SCHEMA {schema} CASCADE"))
        .await
        .unwrap();
}

#[tokio::test]
async fn up_and_down_on_mysql() {
    let Ok(url) = std::env::var("TEST_MYSQL_URL") else {
        eprintln!("skipped: TEST_MYSQL_URL is not set");
        return;
    };
    let database = unique_name();
    let admin = Database::connect(&url).await.unwrap();
    admin
        .execute_unprepared(&format!("CREATE DATABASE {database}"))
        .await
        .unwrap();
    let base = url.rsplit_once('/').map_or(url.as_str(), |(base, _)| base);
    let url = format!("{base}/{database}");
    migrate(&["up", "-u", &url]);
    assert_eq!(tables_present(&url, None).await, expected());
    migrate(&["down", "-u", &url]);
    assert!(tables_present(&url, None).await.is_empty());
    admin
        .execute_unprepared(&format!("DROP DATABASE {database}"))
        .await
        .unwrap();
}
