use eventsourcing_seaorm::entity;

#[entity(stored_events, table_name = "audit_events")]
pub struct NotAModule;

#[entity(stored_events, table_name = "audit_events")]
fn not_a_module_either() {}

// The entity goes into the module, so the module cannot be in another file.
#[entity(snapshots, table_name = "audit_snapshots")]
pub mod audit_snapshots;

// Code using the module raises no further errors.
fn main() {
    let _ = audit_snapshots::Entity;
}
