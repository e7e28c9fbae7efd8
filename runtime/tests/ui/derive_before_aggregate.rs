// Derives written above `#[aggregate]` expand before it, on the struct without its hidden base
// field. rustc hands `#[aggregate]` the struct without those derives, so the macro reads them
// from the source file and says to write `#[aggregate]` first; it then does not generate a
// second `Clone`. The derived `Clone` itself still fails, on the missing hidden field.
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
