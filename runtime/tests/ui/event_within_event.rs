use eventsourcing_seaorm::prelude::*;

#[aggregate]
pub struct World {
    pub history: Vec<String>,
}

#[aggregate]
impl World {
    #[event]
    pub fn create() -> Self {
        Self { history: Vec::new() }
    }

    #[event]
    pub fn make_it_so(&mut self, what: String) {
        self.history.push(what);
    }

    #[event]
    pub fn make_two_so(&mut self, first: String, second: String) {
        self.make_it_so(first);
        self.make_it_so(second);
    }

    /// Triggering several events from a plain method is the way.
    pub fn make_three_so(&mut self, first: String, second: String, third: String) {
        self.make_it_so(first);
        self.make_two_so(second, third);
    }
}

fn main() {}
