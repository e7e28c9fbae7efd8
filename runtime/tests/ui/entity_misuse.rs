use eventsourcing_seaorm::entity;

#[entity(events, table_name = "audit_events")]
pub mod not_a_kind {}

#[entity(stored_events)]
pub mod no_table_name {}

#[entity(stored_events, table = "audit_events")]
pub mod unknown_option {}

#[entity(stored_events, table_name = "audit_events")]
pub struct NotAModule;

fn main() {}
