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

    #[event("SomethingHappened")]
    pub fn make_it_so(&mut self, what: String) {
        self.history.push(what);
    }

    #[event("SomethingHappened")]
    pub fn make_it_happen(&mut self, what: String) {
        self.history.push(what);
    }

    #[event]
    pub fn forget(&mut self) {
        self.history.clear();
    }

    #[event("Forget")]
    pub fn forget_all(&mut self) {
        self.history.clear();
    }
}

fn main() {}
