use eventsourcing_seaorm::entity;

#[entity(events, table_name = "audit_events")]
pub mod not_a_kind {}

#[entity(stored_events)]
pub mod no_table_name {}

#[entity(table_name = "audit_events")]
pub mod no_kind {}

#[entity]
pub mod no_arguments {}

#[entity(stored_events, table = "audit_events")]
pub mod unknown_option {}

#[entity(stored_events, table_name = "audit_events", table_name = "audit_events_2")]
pub mod duplicate_option {}

#[entity(stored_events, snapshots, table_name = "audit_events")]
pub mod two_kinds {}

#[entity(stored_events, table_name = audit_events)]
pub mod not_a_string {}

#[entity(stored_events, table_name = "audit_events", crate = eventsourcing_seaorm)]
pub mod crate_not_a_string {}

// All errors of one attribute are reported together.
#[entity(snapshot, table_name = 5, colour = "red")]
pub mod many {}

fn main() {}
