// Derives written above `#[aggregate]` expand before it, on the struct without its hidden base
// field; `#[aggregate]` must come first. rustc hands `#[aggregate]` the struct without those
// derives, so it cannot tell: these errors are rustc's, pinned so a change is noticed.
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
