use eventsourcing_seaorm::domain::Map;
use eventsourcing_seaorm::prelude::*;

#[aggregate]
pub struct World {
    pub history: Vec<String>,
}

fn v1_to_v2(_: &mut Map) {}

#[aggregate]
impl World {
    #[event(version = 0)]
    pub fn create() -> Self {
        Self {
            history: Vec::new(),
        }
    }

    #[event(version = 3, upcast(v1_to_v2))]
    pub fn make_it_so(&mut self, what: String) {
        self.history.push(what);
    }

    #[event(version = 2)]
    pub fn forget(&mut self) {
        self.history.clear();
    }

    #[event(upcast(v1_to_v2))]
    pub fn remember(&mut self) {}
}

fn main() {}
