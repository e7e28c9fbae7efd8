use eventsourcing_seaorm::prelude::*;

#[aggregate]
pub struct World {
    pub history: Vec<String>,
}

#[aggregate]
impl World {
    #[event]
    pub fn create(originator_id: String) -> Self {
        Self {
            history: vec![originator_id],
        }
    }

    #[event]
    pub fn make_it_so(&mut self, __es_what: String) {
        self.history.push(__es_what);
    }

    #[event("Something Happened")]
    pub fn happen(&mut self) {}
}

fn main() {}
