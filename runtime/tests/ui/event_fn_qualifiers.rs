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
    pub fn generic<T: ToString>(&mut self, what: T) {
        self.history.push(what.to_string());
    }

    #[event]
    pub async fn later(&mut self, what: String) {
        self.history.push(what);
    }

    #[event]
    pub const fn constant(&mut self) {}

    #[event]
    pub unsafe fn risky(&mut self) {}
}

fn main() {}
