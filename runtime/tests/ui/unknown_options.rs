use eventsourcing_seaorm::prelude::*;

#[aggregate]
pub struct World {
    #[aggregate(renamed = "History")]
    pub history: Vec<String>,
}

#[aggregate(events = WorldEvents)]
impl World {
    #[event(title = "Created")]
    pub fn create() -> Self {
        Self {
            history: Vec::new(),
        }
    }
}

fn main() {}
