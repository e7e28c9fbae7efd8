use eventsourcing_seaorm::prelude::*;

#[derive(Debug, Clone, PartialEq)]
pub struct Opaque(u32);

#[aggregate]
pub struct World {
    pub secret: Opaque,
}

#[aggregate]
impl World {
    #[event]
    pub fn create(secret: Opaque) -> Self {
        Self { secret }
    }
}

fn main() {}
