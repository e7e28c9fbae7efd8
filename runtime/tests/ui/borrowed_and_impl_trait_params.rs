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
    pub fn borrowed(&mut self, what: &str) {
        self.history.push(what.to_owned());
    }

    #[event]
    pub fn anything(&mut self, what: impl Into<String>) {
        self.history.push(what.into());
    }

    #[event]
    pub fn copy_of(&mut self, other: Option<Self>) {
        let _ = other;
    }
}

fn main() {}
