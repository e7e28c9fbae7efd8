//! What differs between the databases: quoting, placeholders, how `originator_id` is stored,
//! whether `INSERT … RETURNING` exists, and how writers are serialised.

use sea_orm::{ConnectionTrait, DbBackend, DbErr, QueryResult, Statement, Value};
use uuid::Uuid;

/// How the `originator_id` column stores UUIDs, as Django creates it on each database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UuidColumn {
    /// PostgreSQL's `uuid` type.
    Native,
    /// `char(32)` holding 32 lowercase hex digits (SQLite, MySQL, MariaDB before 10.7).
    Hex32,
    /// MariaDB's `uuid` type (10.7 and later), read back with hyphens.
    MariaDb,
}

impl UuidColumn {
    /// The value to bind for an originator id in a column of this kind.
    pub fn value(self, id: Uuid) -> Value {
        match self {
            UuidColumn::Native => Value::Uuid(Some(id)),
            // Encoded into a buffer rather than formatted: cheaper, on every save and load.
            UuidColumn::Hex32 => {
                let text = id
                    .simple()
                    .encode_lower(&mut Uuid::encode_buffer())
                    .to_owned();
                Value::String(Some(text))
            }
            UuidColumn::MariaDb => {
                let text = id
                    .hyphenated()
                    .encode_lower(&mut Uuid::encode_buffer())
                    .to_owned();
                Value::String(Some(text))
            }
        }
    }
}

/// The database a recorder talks to, as far as its SQL is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dialect {
    /// The SeaORM backend.
    pub backend: DbBackend,
    /// How `originator_id` is stored.
    pub uuid: UuidColumn,
    /// Whether `INSERT … RETURNING` is available (PostgreSQL, SQLite ≥ 3.35, MariaDB ≥ 10.5).
    pub returning: bool,
    /// MariaDB's `(major, minor)` version when the server is MariaDB.
    pub mariadb: Option<(u32, u32)>,
    /// The step between auto-increment ids (MySQL's `auto_increment_increment`, above 1 in
    /// multi-primary clusters; 1 elsewhere).
    pub id_step: u64,
}

impl Dialect {
    /// A database without MySQL's particulars: `RETURNING` supported, ids one apart.
    pub fn new(backend: DbBackend, uuid: UuidColumn) -> Self {
        Dialect {
            backend,
            uuid,
            returning: true,
            mariadb: None,
            id_step: 1,
        }
    }

    /// Quotes an identifier (doubling any quote character in it).
    pub fn quote(&self, ident: &str) -> String {
        match self.backend {
            DbBackend::MySql => format!("`{}`", ident.replace('`', "``")),
            _ => format!("\"{}\"", ident.replace('"', "\"\"")),
        }
    }

    /// The placeholder for the `n`th parameter (1-based).
    pub fn placeholder(&self, n: usize) -> String {
        match self.backend {
            DbBackend::Postgres => format!("${n}"),
            _ => "?".to_owned(),
        }
    }

    /// Whether a `LIMIT` is written into a statement's text rather than bound as a parameter.
    ///
    /// SQLite (3.48 and later, as bundled) reads a bound limit's value when it prepares a
    /// statement, and then prepares the statement again whenever that parameter is bound: every
    /// execution of a cached statement with `LIMIT ?` was a fresh prepare, which cost more than
    /// the raw driver's whole snapshot load (docs/benchmarks/PROFILE.md, seventh round). The
    /// library's own limits are few (1 for
    /// snapshots, a section size for the notification log), so their texts stay in the
    /// driver's statement cache; each other limit a caller asks for (a notification log
    /// section named by a client, say) is one more text there, which may push an older
    /// statement out of the cache (100 per connection by default) to be prepared again later.
    /// PostgreSQL keeps the parameter: it plans a cached statement with `LIMIT $n` as a short
    /// index scan, but one with a literal limit as a scan of every row. MySQL keeps it too, as
    /// before.
    pub fn limit_in_text(&self) -> bool {
        self.backend == DbBackend::Sqlite
    }

    /// The value to bind for an originator id.
    pub fn uuid_value(&self, id: Uuid) -> Value {
        self.uuid.value(id)
    }

    /// Reads an originator id at column `index`.
    pub fn read_uuid(&self, row: &QueryResult, index: usize) -> Result<Uuid, String> {
        match self.uuid {
            UuidColumn::Native => row
                .try_get_by_index::<Uuid>(index)
                .map_err(|e| e.to_string()),
            UuidColumn::Hex32 | UuidColumn::MariaDb => {
                let text = match row.try_get_by_index::<String>(index) {
                    Ok(text) => text,
                    // Some servers send the MariaDB uuid type as binary text.
                    Err(_) => {
                        let bytes = row
                            .try_get_by_index::<Vec<u8>>(index)
                            .map_err(|e| e.to_string())?;
                        String::from_utf8(bytes).map_err(|e| e.to_string())?
                    }
                };
                Uuid::parse_str(text.trim()).map_err(|e| format!("{text:?}: {e}"))
            }
        }
    }

    /// A statement with this dialect's backend.
    pub fn statement(&self, sql: String, values: Vec<Value>) -> Statement {
        Statement::from_sql_and_values(self.backend, sql, values)
    }
}

fn parse_mariadb_version(version: &str) -> Option<(u32, u32)> {
    if !version.contains("MariaDB") {
        return None;
    }
    // "10.11.19-MariaDB-0+deb12u1" (some builds prefix "5.5.5-").
    let version = version.strip_prefix("5.5.5-").unwrap_or(version);
    let mut parts = version.split(['.', '-']);
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

/// Finds out what the database is: for MySQL, MariaDB or not and its version, and how an
/// existing events table stores `originator_id` (a table Django created on MariaDB before 10.7
/// has `char(32)`; from 10.7 on, `uuid`).
pub async fn detect(conn: &impl ConnectionTrait, events_table: &str) -> Result<Dialect, DbErr> {
    let backend = conn.get_database_backend();
    match backend {
        DbBackend::Postgres => Ok(Dialect::new(backend, UuidColumn::Native)),
        DbBackend::MySql => {
            let version: String = conn
                .query_one_raw(Statement::from_string(backend, "SELECT VERSION()"))
                .await?
                .map(|row| row.try_get_by_index::<String>(0))
                .transpose()?
                .unwrap_or_default();
            let mariadb = parse_mariadb_version(&version);
            let column_type: Option<String> = conn
                .query_one_raw(Statement::from_sql_and_values(
                    backend,
                    "SELECT CAST(DATA_TYPE AS CHAR) FROM information_schema.COLUMNS \
                     WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = 'originator_id'",
                    [Value::from(events_table)],
                ))
                .await?
                .map(|row| row.try_get_by_index::<String>(0))
                .transpose()?;
            let native_uuid_type = mariadb.is_some_and(|v| v >= (10, 7));
            let uuid = match column_type
                .as_deref()
                .map(str::to_ascii_lowercase)
                .as_deref()
            {
                Some("uuid") => UuidColumn::MariaDb,
                Some(_) => UuidColumn::Hex32,
                None if native_uuid_type => UuidColumn::MariaDb,
                None => UuidColumn::Hex32,
            };
            let id_step: i64 = conn
                .query_one_raw(Statement::from_string(
                    backend,
                    "SELECT CAST(@@auto_increment_increment AS SIGNED)",
                ))
                .await?
                .map(|row| row.try_get_by_index::<i64>(0))
                .transpose()?
                .unwrap_or(1);
            Ok(Dialect {
                backend,
                uuid,
                returning: mariadb.is_some_and(|v| v >= (10, 5)),
                mariadb,
                id_step: id_step.max(1).unsigned_abs(),
            })
        }
        _ => Ok(Dialect::new(backend, UuidColumn::Hex32)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mariadb_versions() {
        assert_eq!(
            parse_mariadb_version("10.11.19-MariaDB-0+deb12u1"),
            Some((10, 11))
        );
        assert_eq!(
            parse_mariadb_version("5.5.5-10.6.12-MariaDB"),
            Some((10, 6))
        );
        assert_eq!(parse_mariadb_version("8.0.36"), None);
    }

    #[test]
    fn uuid_binding_follows_the_column() {
        let id = Uuid::parse_str("00a531d1-404b-49f3-b5c5-b9ae9128fcb7").unwrap();
        let dialect = |uuid| Dialect::new(DbBackend::Sqlite, uuid);
        assert_eq!(
            dialect(UuidColumn::Hex32).uuid_value(id),
            Value::String(Some("00a531d1404b49f3b5c5b9ae9128fcb7".into()))
        );
        assert_eq!(
            dialect(UuidColumn::MariaDb).uuid_value(id),
            Value::String(Some("00a531d1-404b-49f3-b5c5-b9ae9128fcb7".into()))
        );
        assert_eq!(
            dialect(UuidColumn::Native).uuid_value(id),
            Value::Uuid(Some(id))
        );
    }
}
