//! SeaORM entities of the three tables, to query them with SeaORM like any other table.
//!
//! The recorders do not need them (they use statements prepared for each database); they are
//! here for applications that read the event store directly.
//!
//! Tables with other names get their entities the same way these do, from
//! [`#[entity]`](eventsourcing_seaorm_macros::entity) on a module, as a Django project declares its own model of the
//! same shape; [`Tables::from_entities`](crate::seaorm::Tables::from_entities) then gives their
//! names to a store:
//!
//! ```
//! use eventsourcing_seaorm::entity;
//! use eventsourcing_seaorm::seaorm::Tables;
//! use eventsourcing_seaorm::seaorm::entity::{notification_tracking, snapshots};
//!
//! #[entity(stored_events, table_name = "audit_events")]
//! pub mod audit_events {
//!     //! Events kept apart for auditing.
//!
//!     /// Items written in the module are kept, and see SeaORM's entity prelude.
//!     pub fn of_application(name: &str) -> Select<Entity> {
//!         Entity::find().filter(Column::ApplicationName.eq(name))
//!     }
//! }
//!
//! let tables = Tables::from_entities::<
//!     audit_events::Entity,
//!     snapshots::Entity,
//!     notification_tracking::Entity,
//! >();
//! assert_eq!(tables.stored_events, "audit_events");
//! assert_eq!(tables.snapshots, "snapshots");
//! ```

mod originator_id;

pub use originator_id::OriginatorId;

/// The `stored_events` table.
#[eventsourcing_seaorm_macros::entity(stored_events, table_name = "stored_events")]
pub mod stored_events {}

/// The `snapshots` table.
#[eventsourcing_seaorm_macros::entity(snapshots, table_name = "snapshots")]
pub mod snapshots {}

/// The `notification_tracking` table.
#[eventsourcing_seaorm_macros::entity(notification_tracking, table_name = "notification_tracking")]
pub mod notification_tracking {}
