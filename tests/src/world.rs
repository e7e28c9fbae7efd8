//! The seed's `World` aggregate, the one the tests, the bench and the Python fixtures share: the
//! Python seed's `World` (`fixtures/python/interop_domain.py`) with its topics
//! (`interop_domain:World`, `interop_domain:World.Created`,
//! `interop_domain:World.SomethingHappened`), so that what Rust writes Python reads and the other
//! way round; and worlds with many events, and text of a given length, to fill them.

use eventsourcing_seaorm::{aggregate, event};

/// The Python seed example's aggregate: a history that grows by one event per command.
#[aggregate(topic_module = "interop_domain")]
#[derive(Debug, PartialEq)]
pub struct World {
    /// What happened, in order.
    pub history: Vec<String>,
}

#[aggregate]
impl World {
    /// A new world (a `Created` event with no fields).
    #[event("Created")]
    pub fn create() -> Self {
        Self {
            history: Vec::new(),
        }
    }

    /// Something happened (a `SomethingHappened` event with one string field).
    #[event("SomethingHappened")]
    pub fn make_it_so(&mut self, what: String) {
        self.history.push(what);
    }
}

/// A new world with `events` events in all: `Created`, then `events - 1` times `what`.
pub fn world_with_events(events: usize, what: &str) -> World {
    let mut world = World::create();
    for _ in 1..events {
        world.make_it_so(what.to_owned());
    }
    world
}

/// Lowercase words of `len` bytes that compress about as well as English text (a fixed
/// pseudo-random sequence, so that every run stores the same bytes).
pub fn text(len: usize) -> String {
    const WORDS: [&str; 16] = [
        "dinosaurs",
        "trucks",
        "internet",
        "robots",
        "rivers",
        "music",
        "bread",
        "comets",
        "ferns",
        "glass",
        "maps",
        "owls",
        "paper",
        "salt",
        "tides",
        "wheels",
    ];
    let mut state: u32 = 0x2545_f491;
    let mut out = String::with_capacity(len + 16);
    while out.len() < len {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(WORDS[(state % 16) as usize]);
    }
    out.truncate(len);
    out
}

#[cfg(test)]
mod tests {
    use eventsourcing_seaorm::domain::Aggregate;

    use super::*;

    #[test]
    fn text_has_the_asked_length_and_is_stable() {
        assert_eq!(text(125).len(), 125);
        assert_eq!(text(40), text(40));
    }

    #[test]
    fn worlds_have_the_asked_number_of_events() {
        let world = world_with_events(5, "x");
        assert_eq!(world.pending_events().len(), 5);
        assert_eq!(world.history.len(), 4);
    }
}
