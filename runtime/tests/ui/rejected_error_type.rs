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
    pub fn make_it_so(&mut self, what: String) -> Result<(), String> {
        if what.is_empty() {
            return Err("nothing happened".to_owned());
        }
        self.history.push(what);
        Ok(())
    }
}

fn main() {}
