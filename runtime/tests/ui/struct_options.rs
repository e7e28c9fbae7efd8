use eventsourcing_seaorm::prelude::*;

#[aggregate(topic_module = interop_domain, name = 5, version = "two", crate = "not a path", event = "Bad Name")]
pub struct World {
    pub history: Vec<String>,
}

#[aggregate(version = 3, upcast(Self::v1_to_v2), name = "A", name = "B")]
pub struct Planet {
    pub moons: u32,
}

fn main() {}
