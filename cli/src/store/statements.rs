//! The statements the commands read and write with, in the store's dialect: rows of the
//! events and snapshots tables in id order (a page at a time), one aggregate's events, grouped
//! counts, and changes.

use futures_util::Stream;
use sea_orm::{ConnectionTrait, QueryResult, Value};
use uuid::Uuid;

use eventsourcing_seaorm::seaorm::dialect::Dialect;

use super::{Row, Selection, Store, Table};
use crate::error::CliError;

impl Store {
    fn dialect(&self) -> &Dialect {
        self.store.dialect()
    }

    fn quote(&self, name: &str) -> String {
        self.dialect().quote(name)
    }

    fn table(&self, table: Table) -> String {
        match table {
            Table::Events => self.quote(&self.tables().stored_events),
            Table::Snapshots => self.quote(&self.tables().snapshots),
        }
    }

    fn id_column(table: Table) -> &'static str {
        match table {
            Table::Events => "id",
            Table::Snapshots => "uid",
        }
    }

    /// Up to `limit` rows of `table` in id order.
    pub async fn rows(
        &self,
        table: Table,
        selection: &Selection<'_>,
        limit: u64,
    ) -> Result<Vec<Row>, CliError> {
        let id = self.quote(Self::id_column(table));
        let mut conditions = Vec::new();
        let mut values: Vec<Value> = Vec::new();
        let bind = |values: &mut Vec<Value>, value: Value| {
            values.push(value);
            self.dialect().placeholder(values.len())
        };
        // The application first: the unique key (application_name, id) serves the range.
        if let Some(application) = selection.application {
            let p = bind(&mut values, application.into());
            conditions.push(format!("{} = {p}", self.quote("application_name")));
        }
        if let Some(after) = selection.after {
            let p = bind(&mut values, (after as i64).into());
            conditions.push(format!("{id} > {p}"));
        }
        if let Some(to) = selection.to {
            let p = bind(&mut values, (to as i64).into());
            conditions.push(format!("{id} <= {p}"));
        }
        if !selection.topics.is_empty() {
            let ps: Vec<String> = selection
                .topics
                .iter()
                .map(|t| bind(&mut values, t.as_str().into()))
                .collect();
            conditions.push(format!("{} IN ({})", self.quote("topic"), ps.join(", ")));
        }
        // As the recorders write limits (`Dialect::limit_in_text`): in the text on SQLite, bound
        // elsewhere.
        let limit = if self.dialect().limit_in_text() {
            limit.to_string()
        } else {
            bind(&mut values, (limit as i64).into())
        };
        let sql = format!(
            "SELECT {id}, {}, {}, {}, {}, {} FROM {}{} ORDER BY {id} LIMIT {limit}",
            self.quote("application_name"),
            self.quote("originator_id"),
            self.quote("originator_version"),
            self.quote("topic"),
            self.quote("state"),
            self.table(table),
            where_clause(&conditions),
        );
        self.select_rows(table, sql, values).await
    }

    /// Every row of `table` (of `--app`) after id `after`, in id order, `page` rows at a time.
    pub fn pages(
        &self,
        table: Table,
        after: Option<u64>,
        page: u64,
    ) -> impl Stream<Item = Result<Vec<Row>, CliError>> + '_ {
        // The state: the id to read after, or `None` once a short page showed the end.
        futures_util::stream::try_unfold(Some(after), move |next| async move {
            let Some(after) = next else {
                return Ok(None);
            };
            let selection = Selection {
                after,
                application: self.application(),
                ..Selection::default()
            };
            let rows = self.rows(table, &selection, page).await?;
            if rows.is_empty() {
                return Ok(None);
            }
            let next = (rows.len() as u64 == page).then(|| rows.last().map(|row| row.id));
            Ok(Some((rows, next)))
        })
    }

    /// The events of one aggregate (of one application, or of every application that has it),
    /// in version order.
    pub async fn aggregate_events(
        &self,
        originator_id: Uuid,
        from_version: Option<u64>,
        to_version: Option<u64>,
    ) -> Result<Vec<Row>, CliError> {
        let mut values = vec![self.dialect().uuid_value(originator_id)];
        let mut conditions = vec![format!(
            "{} = {}",
            self.quote("originator_id"),
            self.dialect().placeholder(1)
        )];
        for (bound, op) in [(from_version, ">="), (to_version, "<=")] {
            if let Some(version) = bound {
                values.push((version as i64).into());
                conditions.push(format!(
                    "{} {op} {}",
                    self.quote("originator_version"),
                    self.dialect().placeholder(values.len())
                ));
            }
        }
        if let Some(application) = self.application() {
            values.push(application.into());
            conditions.push(format!(
                "{} = {}",
                self.quote("application_name"),
                self.dialect().placeholder(values.len())
            ));
        }
        let sql = format!(
            "SELECT {}, {}, {}, {}, {}, {} FROM {}{} ORDER BY {}, {}",
            self.quote("id"),
            self.quote("application_name"),
            self.quote("originator_id"),
            self.quote("originator_version"),
            self.quote("topic"),
            self.quote("state"),
            self.table(Table::Events),
            where_clause(&conditions),
            self.quote("application_name"),
            self.quote("originator_version"),
        );
        self.select_rows(Table::Events, sql, values).await
    }

    async fn select_rows(
        &self,
        table: Table,
        sql: String,
        values: Vec<Value>,
    ) -> Result<Vec<Row>, CliError> {
        let rows = self
            .conn()
            .query_all_raw(self.dialect().statement(sql, values))
            .await
            .map_err(|e| CliError::Database(format!("reading {}: {e}", table.name())))?;
        rows.iter().map(|row| self.row(table, row)).collect()
    }

    fn row(&self, table: Table, row: &QueryResult) -> Result<Row, CliError> {
        let bad = |what: &str, error: String| {
            CliError::Database(format!(
                "a row of {} has a bad {what}: {error}",
                table.name()
            ))
        };
        let id: i64 = row
            .try_get_by_index(0)
            .map_err(|e| bad(Self::id_column(table), e.to_string()))?;
        let id = u64::try_from(id).map_err(|_| bad("id", format!("{id} is negative")))?;
        let application_name: String = row
            .try_get_by_index(1)
            .map_err(|e| bad("application_name", e.to_string()))?;
        let originator_id = self
            .dialect()
            .read_uuid(row, 2)
            .map_err(|e| bad("originator_id", format!("(id {id}) {e}")))?;
        let version: i64 = row
            .try_get_by_index(3)
            .map_err(|e| bad("originator_version", e.to_string()))?;
        let topic: String = row
            .try_get_by_index(4)
            .map_err(|e| bad("topic", format!("(id {id}) {e}")))?;
        let state: Vec<u8> = row
            .try_get_by_index(5)
            .map_err(|e| bad("state", format!("(id {id}) {e}")))?;
        let originator_version = u64::try_from(version).map_err(|_| {
            bad(
                "originator_version",
                format!("(id {id}) {version} is negative"),
            )
        })?;
        Ok(Row {
            id,
            application_name,
            originator_id,
            originator_version,
            topic,
            state,
        })
    }

    /// Runs a statement whose rows are (text, integer, integer, …): grouped counts.
    pub async fn grouped(
        &self,
        what: &str,
        sql: String,
        values: Vec<Value>,
        columns: usize,
    ) -> Result<Vec<(String, Vec<Option<i64>>)>, CliError> {
        let rows = self
            .conn()
            .query_all_raw(self.dialect().statement(sql, values))
            .await
            .map_err(|e| CliError::Database(format!("reading {what}: {e}")))?;
        rows.iter()
            .map(|row| {
                let name: String = row
                    .try_get_by_index(0)
                    .map_err(|e| CliError::Database(format!("reading {what}: {e}")))?;
                let numbers = (1..=columns)
                    .map(|i| {
                        row.try_get_by_index::<Option<i64>>(i)
                            .map_err(|e| CliError::Database(format!("reading {what}: {e}")))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Ok((name, numbers))
            })
            .collect()
    }

    /// Quoted names for statements of the commands: `q("application_name")`.
    pub fn q(&self, name: &str) -> String {
        self.quote(name)
    }

    /// The quoted name of a table.
    pub fn table_name(&self, table: Table) -> String {
        self.table(table)
    }

    /// The quoted name of the tracking table.
    pub fn tracking_table(&self) -> String {
        self.quote(&self.tables().notification_tracking)
    }

    /// A statement in this database's dialect.
    pub fn statement(&self, sql: String, values: Vec<Value>) -> sea_orm::Statement {
        self.dialect().statement(sql, values)
    }

    /// The placeholder of the `n`th value (1-based).
    pub fn p(&self, n: usize) -> String {
        self.dialect().placeholder(n)
    }

    /// The value to bind for an originator id.
    pub fn uuid_value(&self, id: Uuid) -> Value {
        self.dialect().uuid_value(id)
    }

    /// `WHERE application_name = ?` for `--app` (nothing without it), with its value.
    pub fn app_filter(&self) -> (String, Vec<Value>) {
        match self.application() {
            Some(app) => (
                format!(" WHERE {} = {}", self.quote("application_name"), self.p(1)),
                vec![app.into()],
            ),
            None => (String::new(), vec![]),
        }
    }

    /// How many rows `table` has (of `--app`, when given), up to id `up_to` when given.
    pub async fn count(&self, table: Table, up_to: Option<u64>) -> Result<u64, CliError> {
        let (mut filter, mut values) = self.app_filter();
        if let Some(id) = up_to {
            values.push((id as i64).into());
            filter.push_str(if filter.is_empty() {
                " WHERE "
            } else {
                " AND "
            });
            filter.push_str(&format!(
                "{} <= {}",
                self.quote(Self::id_column(table)),
                self.p(values.len())
            ));
        }
        let sql = format!("SELECT COUNT(*) FROM {}{filter}", self.table(table));
        Ok(self.scalar(table.name(), sql, values).await?.unwrap_or(0))
    }

    /// How many events and snapshots there are (of `--app`), for progress bars.
    pub async fn count_rows(&self) -> Result<u64, CliError> {
        Ok(self.count(Table::Events, None).await? + self.count(Table::Snapshots, None).await?)
    }

    /// The highest id of `table` (of `--app`'s rows, when given).
    pub async fn max_id(&self, table: Table) -> Result<Option<u64>, CliError> {
        let (filter, values) = self.app_filter();
        let sql = format!(
            "SELECT MAX({}) FROM {}{filter}",
            self.quote(Self::id_column(table)),
            self.table(table)
        );
        self.scalar(table.name(), sql, values).await
    }

    /// The one number a statement selects (a `COUNT(*)`, a `MAX(…)`): `None` for SQL's NULL
    /// (the maximum of no rows).
    pub async fn scalar(
        &self,
        what: &str,
        sql: String,
        values: Vec<Value>,
    ) -> Result<Option<u64>, CliError> {
        let read = |e: sea_orm::DbErr| CliError::Database(format!("reading {what}: {e}"));
        let row = self
            .conn()
            .query_one_raw(self.dialect().statement(sql, values))
            .await
            .map_err(read)?;
        let Some(number) = row
            .map(|row| row.try_get_by_index::<Option<i64>>(0))
            .transpose()
            .map_err(read)?
            .flatten()
        else {
            return Ok(None);
        };
        u64::try_from(number)
            .map(Some)
            .map_err(|_| CliError::Database(format!("reading {what}: {number} is negative")))
    }

    /// Runs a statement that changes rows.
    pub async fn execute(
        &self,
        conn: &impl ConnectionTrait,
        what: &str,
        sql: String,
        values: Vec<Value>,
    ) -> Result<u64, CliError> {
        conn.execute_raw(self.dialect().statement(sql, values))
            .await
            .map(|r| r.rows_affected())
            .map_err(|e| CliError::Database(format!("{what}: {e}")))
    }
}

fn where_clause(conditions: &[String]) -> String {
    if conditions.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conditions.join(" AND "))
    }
}
