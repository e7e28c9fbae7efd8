//! SeaORM entities of the three tables, to query them with SeaORM like any other table.
//!
//! The recorders do not need them (they use statements prepared for each database); they are
//! here for applications that read the event store directly, and as the model of
//! [`stored_events_entity!`](crate::stored_events_entity),
//! [`snapshots_entity!`](crate::snapshots_entity) and
//! [`notification_tracking_entity!`](crate::notification_tracking_entity) for tables with other
//! names.

mod originator_id;

pub use originator_id::OriginatorId;

/// The `stored_events` table.
pub mod stored_events {
    crate::stored_events_entity!("stored_events");
}

/// The `snapshots` table.
pub mod snapshots {
    crate::snapshots_entity!("snapshots");
}

/// The `notification_tracking` table.
pub mod notification_tracking {
    crate::notification_tracking_entity!("notification_tracking");
}

/// Declares, in the current module, the SeaORM entity of a stored-events table with this name
/// (as a Django project declares its own model of the same shape).
///
/// ```
/// mod audit_events {
///     eventsourcing_seaorm::stored_events_entity!("audit_events");
/// }
/// use sea_orm::EntityName;
/// assert_eq!(audit_events::Entity.table_name(), "audit_events");
/// ```
#[macro_export]
macro_rules! stored_events_entity {
    ($table:literal) => {
        $crate::__record_entity!($table, id);
    };
}

/// Declares, in the current module, the SeaORM entity of a snapshots table with this name.
#[macro_export]
macro_rules! snapshots_entity {
    ($table:literal) => {
        $crate::__record_entity!($table, uid);
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __record_entity {
    ($table:literal, $key:ident) => {
        // SeaORM's derives name `sea_orm::…`: this makes that resolve in crates that reach
        // SeaORM only through this one.
        use $crate::__private::sea_orm;
        use $crate::__private::sea_orm::entity::prelude::*;
        use $crate::seaorm::entity::OriginatorId;

        /// A row: one stored event (or snapshot).
        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = $table)]
        pub struct Model {
            /// The primary key (for stored events: the notification id).
            #[sea_orm(primary_key)]
            pub $key: i64,
            /// The application the row belongs to.
            pub application_name: String,
            /// The aggregate's id.
            pub originator_id: OriginatorId,
            /// The aggregate version the event creates.
            pub originator_version: i64,
            /// The topic of the event class.
            #[sea_orm(column_type = "Text")]
            pub topic: String,
            /// The stored state (JSON, maybe compressed and encrypted).
            #[sea_orm(column_type = "VarBinary(StringLen::None)")]
            pub state: Vec<u8>,
        }

        /// No relations.
        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    };
}

/// Declares, in the current module, the SeaORM entity of a notification-tracking table with
/// this name.
#[macro_export]
macro_rules! notification_tracking_entity {
    ($table:literal) => {
        // See `__record_entity!`.
        use $crate::__private::sea_orm;
        use $crate::__private::sea_orm::entity::prelude::*;

        /// A row: a follower's position in an upstream application's log.
        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = $table)]
        pub struct Model {
            /// The primary key.
            #[sea_orm(primary_key)]
            pub uid: i64,
            /// The follower.
            pub application_name: String,
            /// The upstream application.
            pub upstream_application_name: String,
            /// The upstream notification id processed.
            pub notification_id: i64,
        }

        /// No relations.
        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    };
}
