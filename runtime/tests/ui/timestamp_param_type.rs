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
    pub fn make_it_so(&mut self, what: String, timestamp: String) {
        self.history.push(what);
    }
}

fn main() {}
