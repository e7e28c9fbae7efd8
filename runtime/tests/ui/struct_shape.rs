use eventsourcing_seaorm::prelude::*;

#[aggregate]
pub struct Pair(String, String);

#[aggregate]
pub struct Nothing;

#[aggregate]
pub enum Choice {
    Yes,
    No,
}

fn main() {}
