use eventsourcing_seaorm::prelude::*;

#[aggregate]
pub struct World {
    pub history: Vec<String>,
}

#[aggregate]
impl World {
    #[event]
    pub fn create() -> Self {
        Self {
            history: Vec::new(),
        }
    }

    #[event("Started")]
    pub fn start() {}

    #[event("Found")]
    pub fn find() -> Option<Self> {
        None
    }
}

fn main() {}
