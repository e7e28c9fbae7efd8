use eventsourcing_seaorm::prelude::*;

#[aggregate]
pub struct Boxed<T> {
    pub value: T,
}

#[aggregate]
pub struct Borrowed<'a> {
    pub value: &'a str,
}

fn main() {}
