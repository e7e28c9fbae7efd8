use eventsourcing_seaorm::prelude::*;

pub struct Plain {
    pub count: u32,
}

impl Plain {
    #[event]
    pub fn increment(&mut self) {
        self.count += 1;
    }
}

fn main() {}
