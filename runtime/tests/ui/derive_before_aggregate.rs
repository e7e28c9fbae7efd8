// Derives written above `#[aggregate]` expand before it, on the struct without its hidden base
// field; `#[aggregate]` must come first.
use eventsourcing_seaorm::prelude::*;

#[derive(Debug, Clone)]
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
}

fn main() {}
