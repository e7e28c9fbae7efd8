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
    pub fn ignore(&mut self, _: String) {}

    #[event]
    pub fn pair(&mut self, (first, second): (String, String)) {
        self.history.push(first);
        self.history.push(second);
    }

    #[event]
    pub fn by_ref(&mut self, ref what: String) {
        self.history.push(what.clone());
    }
}

fn main() {}
