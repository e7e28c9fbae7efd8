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

    #[event]
    pub fn look(&self) {}

    #[event]
    pub fn end(self) {}
}

fn main() {}
