use std::fmt;

use sea_orm::sea_query::{ArrayType, ColumnType, Nullable, ValueType, ValueTypeErr};
use sea_orm::{ColIdx, DbBackend, DbErr, QueryResult, TryGetError, TryGetable, Value};
use uuid::Uuid;

use super::super::dialect::UuidColumn;

/// The `originator_id` column: a UUID that each database stores its own way (PostgreSQL `uuid`,
/// SQLite and MySQL `char(32)` hex, MariaDB `uuid`), as Django does.
///
/// Reading accepts every form. Bound as a value it is 32 hex digits, which is right for SQLite
/// and MySQL/MariaDB; on PostgreSQL compare with [`OriginatorId::value_for`] (a native UUID)
/// instead:
///
/// ```
/// use eventsourcing_seaorm::seaorm::entity::{stored_events, OriginatorId};
/// use sea_orm::{ColumnTrait, DbBackend, EntityTrait, QueryFilter};
///
/// let id = uuid::Uuid::new_v4();
/// let query = stored_events::Entity::find()
///     .filter(stored_events::Column::ApplicationName.eq("Worlds"))
///     .filter(stored_events::Column::OriginatorId.eq(OriginatorId::value_for(DbBackend::Postgres, id)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OriginatorId(pub Uuid);

impl OriginatorId {
    /// The value to compare the column with on `backend` (for MySQL, as Django's `char(32)`;
    /// MariaDB's `uuid` type accepts the same text).
    pub fn value_for(backend: DbBackend, id: Uuid) -> Value {
        match backend {
            DbBackend::Postgres => UuidColumn::Native,
            _ => UuidColumn::Hex32,
        }
        .value(id)
    }
}

impl fmt::Display for OriginatorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl From<Uuid> for OriginatorId {
    fn from(id: Uuid) -> Self {
        Self(id)
    }
}

impl From<OriginatorId> for Uuid {
    fn from(id: OriginatorId) -> Self {
        id.0
    }
}

impl From<OriginatorId> for Value {
    fn from(id: OriginatorId) -> Self {
        Value::String(Some(id.0.simple().to_string()))
    }
}

impl TryGetable for OriginatorId {
    fn try_get_by<I: ColIdx>(res: &QueryResult, index: I) -> Result<Self, TryGetError> {
        if let Ok(id) = Uuid::try_get_by(res, index) {
            return Ok(Self(id));
        }
        let text = match String::try_get_by(res, index) {
            Ok(text) => text,
            Err(_) => {
                let bytes = Vec::<u8>::try_get_by(res, index)?;
                String::from_utf8(bytes)
                    .map_err(|e| TryGetError::DbErr(DbErr::Type(e.to_string())))?
            }
        };
        Uuid::parse_str(text.trim())
            .map(Self)
            .map_err(|e| TryGetError::DbErr(DbErr::Type(format!("originator_id {text:?}: {e}"))))
    }
}

impl ValueType for OriginatorId {
    fn try_from(v: Value) -> Result<Self, ValueTypeErr> {
        match v {
            Value::Uuid(Some(id)) => Ok(Self(id)),
            Value::String(Some(text)) => Uuid::parse_str(&text).map(Self).map_err(|_| ValueTypeErr),
            _ => Err(ValueTypeErr),
        }
    }

    fn type_name() -> String {
        "OriginatorId".to_owned()
    }

    fn array_type() -> ArrayType {
        ArrayType::String
    }

    fn column_type() -> ColumnType {
        ColumnType::Char(Some(32))
    }
}

impl Nullable for OriginatorId {
    fn null() -> Value {
        Value::String(None)
    }
}
