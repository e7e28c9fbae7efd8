use eventsourcing_seaorm::entity;

#[entity(stored_events, table_name = "audit-events")]
pub mod dash {}

#[entity(snapshots, table_name = "9lives")]
pub mod digit_first {}

#[entity(notification_tracking, table_name = "")]
pub mod empty {}

#[entity(
    stored_events,
    table_name = "a_table_name_that_is_longer_than_the_sixty_three_bytes_postgres_keeps"
)]
pub mod too_long {}

// The entities are still generated, so code using them raises no further errors.
fn main() {
    let _ = (dash::Entity, digit_first::Entity, empty::Entity, too_long::Entity);
}
