use eventsourcing_seaorm::prelude::*;

#[aggregate]
pub struct World {
    #[aggregate(skip, rename = "cache")]
    pub cache: Option<String>,
    #[aggregate(rename = "history")]
    pub events: Vec<String>,
    pub history: Vec<String>,
    pub __es_state: u32,
    #[aggregate(skip, default)]
    pub scratch: Option<u32>,
    #[aggregate(optional)]
    pub note: Option<String>,
}

fn main() {}
