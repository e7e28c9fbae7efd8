use eventsourcing_seaorm::prelude::*;

#[aggregate]
pub struct World {
    pub history: Vec<String>,
}

#[aggregate]
impl World {
    #[event]
    const LIMIT: usize = 10;

    #[event]
    pub fn create() -> Self {
        Self {
            history: Vec::new(),
        }
    }
}

fn main() {}
