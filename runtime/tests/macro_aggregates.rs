//! Behaviour of the code `#[aggregate]` and `#[event]` generate, seen through the domain traits:
//! triggering and replaying events, topics, ids, event and snapshot state, upcasting, and the
//! same traits implemented by hand.

use eventsourcing_seaorm::domain::{
    self, Aggregate, AggregateEvent, DomainError, DomainEvent, EventMeta, EventPayload, Map,
    Snapshot, Value, ValueError,
};
use uuid::Uuid;

/// The aggregate of the Python original's README.
mod world {
    use eventsourcing_seaorm::prelude::*;

    #[aggregate]
    #[derive(Debug, PartialEq)]
    pub struct World {
        pub history: Vec<String>,
    }

    #[aggregate]
    impl World {
        #[event("Created")]
        pub fn create() -> Self {
            Self {
                history: Vec::new(),
            }
        }

        #[event("SomethingHappened")]
        pub fn make_it_so(&mut self, what: String) {
            self.history.push(what);
        }
    }
}

/// The same aggregate, with the topics a Python module `interop_domain` gives it.
mod interop {
    use eventsourcing_seaorm::prelude::*;

    #[aggregate(topic_module = "interop_domain")]
    #[derive(Debug, PartialEq)]
    pub struct World {
        pub history: Vec<String>,
    }

    #[aggregate]
    impl World {
        #[event]
        pub fn create() -> Self {
            World {
                history: Vec::new(),
            }
        }

        #[event("SomethingHappened")]
        pub fn make_it_so(&mut self, what: String) {
            self.history.push(what);
        }
    }
}

/// Ids from names, default event names, timestamps and fallible events.
mod dogs {
    use chrono::{DateTime, Utc};
    use eventsourcing_seaorm::prelude::*;
    use uuid::Uuid;

    #[aggregate]
    #[derive(Debug, PartialEq)]
    pub struct Dog {
        pub name: String,
        pub tricks: Vec<String>,
        pub last_trick_on: Option<DateTime<Utc>>,
        pub breed: Option<String>,
    }

    #[derive(Debug, PartialEq, thiserror::Error)]
    #[error("{dog} already knows {trick}")]
    pub struct AlreadyKnown {
        pub dog: String,
        pub trick: String,
    }

    #[derive(Debug, PartialEq, thiserror::Error)]
    #[error("a dog needs a name")]
    pub struct NoName;

    #[aggregate]
    impl Dog {
        /// As Python's `Dog.create_id(name)`.
        pub fn create_id(name: &str) -> Uuid {
            Uuid::new_v5(&Uuid::NAMESPACE_URL, format!("/dogs/{name}").as_bytes())
        }

        #[event("Registered")]
        pub fn register(name: String) -> Self {
            Self {
                name,
                tricks: Vec::new(),
                last_trick_on: None,
                breed: None,
            }
        }

        #[event("Adopted")]
        pub fn adopt(name: String, previous_owner: String) -> Result<Self, NoName> {
            let _ = previous_owner;
            if name.is_empty() {
                return Err(NoName);
            }
            Ok(Self {
                name,
                tricks: Vec::new(),
                last_trick_on: None,
                breed: None,
            })
        }

        /// A raw identifier is stored under its plain name, as Python would name it.
        #[event]
        pub fn set_breed(&mut self, r#type: String) {
            self.breed = Some(r#type);
        }

        #[event]
        pub fn add_trick(&mut self, trick: String, timestamp: Option<DateTime<Utc>>) {
            self.tricks.push(trick);
            self.last_trick_on = timestamp;
        }

        /// Returns how many tricks the dog knows.
        #[event]
        pub fn learn_new_trick(&mut self, mut trick: String) -> Result<usize, AlreadyKnown> {
            trick.make_ascii_lowercase();
            if self.tricks.contains(&trick) {
                return Err(AlreadyKnown {
                    dog: self.name.clone(),
                    trick,
                });
            }
            self.tricks.push(trick);
            Ok(self.tricks.len())
        }
    }
}

/// Events with class versions above 1, read from older stored state through upcasters.
mod accounts {
    use eventsourcing_seaorm::domain::Map;
    use eventsourcing_seaorm::prelude::*;

    // A crate-private event enum needs a crate-private aggregate: it is the aggregate's
    // `Aggregate::Event`.
    #[aggregate(event = AccountEvents)]
    #[derive(Debug, PartialEq)]
    pub(crate) struct Account {
        pub owner: String,
        pub currency: String,
        pub balance_cents: i64,
    }

    /// Version 1 of `Opened` had no currency.
    fn add_currency(state: &mut Map) {
        state.insert("currency", "EUR");
    }

    #[aggregate(event = AccountEvents, vis = "pub(crate)")]
    impl Account {
        #[event(name = "Opened", version = 2, upcast(add_currency))]
        pub fn open(owner: String, currency: String) -> Self {
            Self {
                owner,
                currency,
                balance_cents: 0,
            }
        }

        #[event(
            "Credited",
            version = 3,
            upcast(Self::amount_to_int, Self::amount_to_cents)
        )]
        pub fn credit(&mut self, amount_cents: i64) {
            self.balance_cents += amount_cents;
        }

        /// Version 1 stored `amount` as a string of whole units; one that is not a number is
        /// refused.
        fn amount_to_int(state: &mut Map) -> Result<(), String> {
            let amount = state.remove("amount");
            let text = amount.as_ref().and_then(|v| v.as_str()).unwrap_or_default();
            let units: i64 = text
                .parse()
                .map_err(|_| format!("amount {text:?} is not a whole number"))?;
            state.insert("amount", units);
            Ok(())
        }

        /// Version 2 stored `amount` in whole units.
        fn amount_to_cents(state: &mut Map) {
            let units = state.remove("amount").and_then(|v| v.as_i64()).unwrap_or(0);
            state.insert("amount_cents", units * 100);
        }
    }
}

/// Snapshot state: renamed and skipped fields, a serde-only field type, a class version.
mod profiles {
    use eventsourcing_seaorm::domain::Map;
    use eventsourcing_seaorm::prelude::*;
    use serde::{Deserialize, Serialize};

    /// Has no `Transcode` impl: stored through serde.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct Address {
        pub street: String,
        pub zip: Option<String>,
    }

    #[aggregate(name = "UserProfile", version = 2, upcast(Self::add_nickname))]
    #[derive(Debug, Clone, PartialEq)]
    pub struct Profile {
        #[aggregate(rename = "fullName")]
        pub full_name: String,
        pub address: Address,
        #[aggregate(skip)]
        pub greeting: Option<String>,
        pub nickname: String,
    }

    impl Profile {
        /// Version 1 had no nickname.
        fn add_nickname(state: &mut Map) {
            state.insert("nickname", "");
        }
    }

    #[aggregate]
    impl Profile {
        #[event]
        pub fn create(full_name: String, address: Address) -> Self {
            let greeting = Some(format!("Hello {full_name}"));
            Self {
                full_name,
                address,
                greeting,
                nickname: String::new(),
            }
        }

        #[event]
        pub fn move_to(&mut self, address: Address) {
            self.address = address;
        }

        #[event]
        pub fn rename_to(&mut self, nickname: String) {
            self.nickname = nickname;
        }
    }
}

/// An aggregate deriving `Clone` and serde's traits itself.
mod notes {
    use eventsourcing_seaorm::prelude::*;
    use serde::{Deserialize, Serialize};

    #[aggregate]
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct Note {
        pub text: String,
    }

    #[aggregate]
    impl Note {
        #[event]
        pub fn write(text: String) -> Self {
            Self { text }
        }
    }
}

/// An aggregate without the macros: the traits they implement, written by hand.
mod hand_written {
    use eventsourcing_seaorm::domain::{
        Aggregate, AggregateBase, AggregateEvent, DomainError, EventMeta, EventPayload, Map,
        Transcode, ValueError,
    };
    use uuid::Uuid;

    #[derive(Debug, Clone, PartialEq)]
    pub struct Counter {
        base: AggregateBase<CounterEvent>,
        pub count: i64,
    }

    #[derive(Debug, Clone, PartialEq)]
    pub enum CounterEvent {
        Started,
        Incremented { by: i64 },
    }

    impl Aggregate for Counter {
        type Event = CounterEvent;

        fn topic() -> &'static str {
            "counters:Counter"
        }

        fn base(&self) -> &AggregateBase<CounterEvent> {
            &self.base
        }

        fn base_mut(&mut self) -> &mut AggregateBase<CounterEvent> {
            &mut self.base
        }
    }

    impl EventPayload for CounterEvent {
        fn topic(&self) -> &'static str {
            match self {
                CounterEvent::Started => "counters:Counter.Started",
                CounterEvent::Incremented { .. } => "counters:Counter.Incremented",
            }
        }

        fn encode(&self, state: &mut Map) -> Result<(), ValueError> {
            match self {
                CounterEvent::Started => state.insert("originator_topic", Counter::topic()),
                CounterEvent::Incremented { by } => state.insert("by", by.to_value()?),
            };
            Ok(())
        }

        fn decode(topic: &str, _class_version: u32, mut state: Map) -> Result<Self, DomainError> {
            match topic {
                "counters:Counter.Started" => Ok(CounterEvent::Started),
                "counters:Counter.Incremented" => {
                    let by = state
                        .take("by")
                        .and_then(i64::from_value)
                        .map_err(|source| DomainError::Value {
                            topic: topic.to_owned(),
                            field: Some("by".to_owned()),
                            source,
                        })?;
                    Ok(CounterEvent::Incremented { by })
                }
                _ => Err(DomainError::UnknownTopic {
                    topic: topic.to_owned(),
                    aggregate: Counter::topic(),
                }),
            }
        }
    }

    impl AggregateEvent<Counter> for CounterEvent {
        fn is_created(&self) -> bool {
            matches!(self, CounterEvent::Started)
        }

        fn create(self, meta: &EventMeta) -> Result<Counter, DomainError> {
            match self {
                CounterEvent::Started => Ok(Counter {
                    base: AggregateBase::default(),
                    count: 0,
                }),
                other => Err(DomainError::NotCreated {
                    aggregate_id: meta.originator_id,
                    topic: other.topic().to_owned(),
                }),
            }
        }

        fn apply(self, counter: &mut Counter, meta: &EventMeta) -> Result<(), DomainError> {
            match self {
                CounterEvent::Incremented { by } => {
                    counter.count += by;
                    Ok(())
                }
                created => Err(DomainError::AlreadyCreated {
                    aggregate_id: meta.originator_id,
                    topic: created.topic().to_owned(),
                }),
            }
        }
    }

    impl Counter {
        pub fn start() -> Self {
            Self::create_with(Uuid::new_v4(), CounterEvent::Started)
                .expect("a started event creates a counter")
        }

        pub fn increment(&mut self, by: i64) {
            self.trigger_event(CounterEvent::Incremented { by })
                .expect("an increment applies to any counter");
        }
    }
}

use accounts::{Account, AccountEvents};
use dogs::{AlreadyKnown, Dog, DogEvent, NoName};
use hand_written::{Counter, CounterEvent};
use notes::Note;
use profiles::{Address, Profile, ProfileEvent};
use world::{World, WorldEvent};

fn seeded_world() -> World {
    let mut world = World::create();
    world.make_it_so("dinosaurs".into());
    world.make_it_so("trucks".into());
    world.make_it_so("internet".into());
    world
}

fn keys(map: &Map) -> Vec<&str> {
    map.keys().map(String::as_str).collect()
}

fn assert_class_version(error: DomainError, expected_stored: u32, expected_current: u32) {
    assert!(
        matches!(error, DomainError::ClassVersion { stored, current, .. }
            if stored == expected_stored && current == expected_current),
        "{error:?}"
    );
}

fn encoded<E: EventPayload>(payload: &E) -> Map {
    let mut state = Map::new();
    payload.encode(&mut state).expect("payload encodes");
    state
}

#[test]
fn triggered_events_change_the_aggregate_and_are_pending() {
    let mut world = seeded_world();
    assert_eq!(world.history, ["dinosaurs", "trucks", "internet"]);
    assert_eq!(world.version(), 4);
    assert_eq!(world.pending_events().len(), 4);
    assert_ne!(world.id(), Uuid::nil());
    assert_eq!(world.id().get_version_num(), 4);
    assert_ne!(world.id(), World::create().id());

    let events = world.collect_events();
    assert!(world.pending_events().is_empty());
    assert_eq!(world.version(), 4);
    let versions: Vec<u64> = events.iter().map(|e| e.originator_version).collect();
    assert_eq!(versions, [1, 2, 3, 4]);
    assert!(events.iter().all(|e| e.originator_id == world.id()));
    assert_eq!(events[0].payload, WorldEvent::Created {});
    assert_eq!(
        events[1].payload,
        WorldEvent::SomethingHappened {
            what: "dinosaurs".into()
        }
    );
    assert_eq!(world.created_on(), events[0].timestamp);
    assert_eq!(world.modified_on(), events[3].timestamp);
    assert!(world.created_on() > chrono::DateTime::UNIX_EPOCH);
    assert!(world.created_on() <= world.modified_on());
}

#[test]
fn replaying_collected_events_rebuilds_the_aggregate() {
    let mut world = seeded_world();
    let events = world.collect_events();
    let replayed = domain::project::<World>(None, events.clone())
        .unwrap()
        .expect("events rebuild an aggregate");
    assert_eq!(replayed, world);
    assert!(replayed.pending_events().is_empty());

    let first_two = domain::project::<World>(None, events[..2].to_vec()).unwrap();
    let rest = domain::project(first_two, events[2..].to_vec())
        .unwrap()
        .unwrap();
    assert_eq!(rest, world);
}

#[test]
fn a_failing_command_records_nothing() {
    let mut dog = Dog::register("Fido".into());
    assert_eq!(dog.learn_new_trick("Sit".into()), Ok(1));
    assert_eq!(
        dog.learn_new_trick("sit".into()),
        Err(AlreadyKnown {
            dog: "Fido".into(),
            trick: "sit".into()
        })
    );
    assert_eq!(dog.version(), 2);
    assert_eq!(dog.pending_events().len(), 2);
    assert_eq!(
        dog.pending_events()[1].payload,
        DogEvent::LearnNewTrick {
            trick: "Sit".into()
        }
    );
}

#[test]
fn a_failing_constructor_creates_nothing() {
    assert_eq!(Dog::adopt(String::new(), "Ann".into()).unwrap_err(), NoName);
    let dog = Dog::adopt("Rex".into(), "Ann".into()).unwrap();
    assert_eq!(dog.version(), 1);
    assert_eq!(
        dog.pending_events()[0].payload,
        DogEvent::Adopted {
            name: "Rex".into(),
            previous_owner: "Ann".into()
        }
    );
}

#[test]
fn a_body_failing_on_replay_is_rejected() {
    let mut dog = Dog::register("Fido".into());
    dog.learn_new_trick("sit".into()).unwrap();
    let next = DomainEvent::new(
        dog.base().next_event_meta(),
        DogEvent::LearnNewTrick {
            trick: "sit".into(),
        },
    );
    let error = dog.apply_event(next).unwrap_err();
    let DomainError::Rejected { topic, source } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(topic, &format!("{}.LearnNewTrick", Dog::topic()));
    assert_eq!(source.to_string(), "Fido already knows sit");
    assert_eq!(dog.version(), 2);

    let created = DomainEvent::new(
        EventMeta {
            originator_id: Uuid::new_v4(),
            originator_version: 1,
            timestamp: domain::timestamp_now(),
        },
        DogEvent::Adopted {
            name: String::new(),
            previous_owner: "Ann".into(),
        },
    );
    assert!(matches!(
        Dog::from_created_event(created),
        Err(DomainError::Rejected { .. })
    ));
}

#[test]
fn a_timestamp_parameter_is_the_callers_choice_and_none_is_now() {
    let mut dog = Dog::register("Fido".into());
    dog.add_trick("roll over".into(), None);
    let event = &dog.pending_events()[1];
    assert_eq!(dog.last_trick_on, Some(event.timestamp.to_utc()));
    assert_eq!(event.timestamp.offset().local_minus_utc(), 0);
    assert_eq!(
        event.payload,
        DogEvent::AddTrick {
            trick: "roll over".into()
        }
    );
    // Nanoseconds are cut to the microseconds a stored timestamp holds.
    let chosen = chrono::DateTime::parse_from_rfc3339("2020-02-03T04:05:06.123456789Z")
        .unwrap()
        .to_utc();
    dog.add_trick("sit".into(), Some(chosen));
    let event = &dog.pending_events()[2];
    assert_eq!(
        event.timestamp.to_rfc3339(),
        "2020-02-03T04:05:06.123456+00:00"
    );
    assert_eq!(dog.modified_on(), event.timestamp);
    assert_eq!(dog.last_trick_on, Some(event.timestamp.to_utc()));

    let events = dog.collect_events();
    let replayed = domain::project::<Dog>(None, events).unwrap().unwrap();
    assert_eq!(replayed.last_trick_on, dog.last_trick_on);
}

#[test]
fn default_event_names_come_from_method_names() {
    let mut dog = Dog::register("Fido".into());
    dog.add_trick("roll over".into(), None);
    let module = module_path!();
    assert_eq!(Dog::topic(), format!("{module}.dogs:Dog"));
    assert_eq!(
        dog.pending_events()[1].payload.topic(),
        format!("{module}.dogs:Dog.AddTrick")
    );
    assert_eq!(
        interop::World::create().pending_events()[0].payload.topic(),
        "interop_domain:World.Created"
    );
}

#[test]
fn topics_use_the_module_path_or_topic_module() {
    let module = module_path!();
    assert_eq!(World::topic(), format!("{module}.world:World"));
    assert_eq!(
        WorldEvent::SomethingHappened { what: "x".into() }.topic(),
        format!("{module}.world:World.SomethingHappened")
    );
    assert_eq!(interop::World::topic(), "interop_domain:World");
    let mut world = interop::World::create();
    world.make_it_so("dinosaurs".into());
    let topics: Vec<&str> = world
        .pending_events()
        .iter()
        .map(|e| e.payload.topic())
        .collect();
    assert_eq!(
        topics,
        [
            "interop_domain:World.Created",
            "interop_domain:World.SomethingHappened"
        ]
    );
    assert_eq!(Profile::topic(), format!("{module}.profiles:UserProfile"));
}

#[test]
fn create_id_computes_ids_from_constructor_arguments() {
    let expected = Uuid::new_v5(&Uuid::NAMESPACE_URL, b"/dogs/Fido");
    assert_eq!(Dog::register("Fido".into()).id(), expected);
    assert_eq!(
        Dog::adopt("Fido".into(), "Ann".into()).unwrap().id(),
        expected
    );
    assert_eq!(Dog::create_id("Fido"), expected);
    assert_ne!(Dog::register("Rex".into()).id(), expected);
}

#[test]
fn events_of_another_aggregate_or_version_are_refused() {
    let mut first = seeded_world();
    let mut second = World::create();
    let first_events = first.collect_events();

    let error = second.apply_event(first_events[1].clone()).unwrap_err();
    assert!(
        matches!(error, DomainError::OriginatorMismatch { aggregate_id, event_originator_id }
            if aggregate_id == second.id() && event_originator_id == first.id()),
        "{error:?}"
    );

    let mut replayed = domain::project::<World>(None, first_events[..2].to_vec())
        .unwrap()
        .unwrap();
    let error = replayed.apply_event(first_events[1].clone()).unwrap_err();
    assert!(
        matches!(
            error,
            DomainError::VersionMismatch {
                expected: 3,
                found: 2,
                ..
            }
        ),
        "{error:?}"
    );

    let created_again = DomainEvent::new(replayed.base().next_event_meta(), WorldEvent::Created {});
    let error = replayed.apply_event(created_again).unwrap_err();
    assert!(
        matches!(error, DomainError::AlreadyCreated { .. }),
        "{error:?}"
    );
    assert_eq!(replayed.version(), 2);

    let error = World::from_created_event(first_events[1].clone()).unwrap_err();
    assert!(matches!(error, DomainError::NotCreated { .. }), "{error:?}");
}

#[test]
fn created_events_encode_the_originator_topic_first() {
    let dog = Dog::adopt("Rex".into(), "Ann".into()).unwrap();
    let state = encoded(&dog.pending_events()[0].payload);
    assert_eq!(keys(&state), ["originator_topic", "name", "previous_owner"]);
    assert_eq!(
        state.get("originator_topic"),
        Some(&Value::String(Dog::topic().into()))
    );
    assert_eq!(state.get("name"), Some(&Value::String("Rex".into())));

    let state = encoded(&DogEvent::AddTrick {
        trick: "sit".into(),
    });
    assert_eq!(keys(&state), ["trick"]);

    let mut dog = Dog::register("Fido".into());
    dog.set_breed("beagle".into());
    let set_breed = &dog.pending_events()[1].payload;
    let state = encoded(set_breed);
    assert_eq!(keys(&state), ["type"]);
    assert_eq!(
        &DogEvent::decode(set_breed.topic(), 1, state).unwrap(),
        set_breed
    );
    assert_eq!(set_breed.topic(), format!("{}.SetBreed", Dog::topic()));
}

#[test]
fn payloads_decode_from_their_topic_and_state() {
    let mut dog = Dog::adopt("Rex".into(), "Ann".into()).unwrap();
    dog.add_trick("sit".into(), None);
    for event in dog.pending_events() {
        let mut state = encoded(&event.payload);
        state.insert("extra", "ignored");
        let decoded = DogEvent::decode(event.payload.topic(), 1, state).unwrap();
        assert_eq!(decoded, event.payload);
    }

    let error = DogEvent::decode(&format!("{}.AddTrick", Dog::topic()), 1, Map::new()).unwrap_err();
    assert!(
        matches!(&error, DomainError::Value { field: Some(field), source: ValueError::MissingKey { .. }, .. } if field == "trick"),
        "{error:?}"
    );
    let mut state = Map::new();
    state.insert("trick", 5);
    let error = DogEvent::decode(&format!("{}.AddTrick", Dog::topic()), 1, state).unwrap_err();
    assert!(
        matches!(&error, DomainError::Value { field: Some(field), source: ValueError::Type { .. }, .. } if field == "trick"),
        "{error:?}"
    );
}

#[test]
fn unknown_topics_are_refused() {
    for topic in [
        format!("{}.Vanished", Dog::topic()),
        format!("{}.AddTrick", World::topic()),
        "elsewhere:Dog.AddTrick".to_owned(),
    ] {
        let error = DogEvent::decode(&topic, 1, Map::new()).unwrap_err();
        assert!(
            matches!(&error, DomainError::UnknownTopic { topic: t, aggregate } if *t == topic && *aggregate == Dog::topic()),
            "{error:?}"
        );
    }
}

#[test]
fn versioned_events_upcast_older_state() {
    let mut account = Account::open("Ann".into(), "USD".into());
    account.credit(250);
    assert_eq!(account.balance_cents, 250);
    let opened = &account.pending_events()[0].payload;
    assert_eq!(opened.class_version(), 2);
    assert_eq!(
        AccountEvents::Credited { amount_cents: 1 }.class_version(),
        3
    );
    assert_eq!(
        EventPayload::decode(opened.topic(), 2, encoded(opened))
            .ok()
            .as_ref(),
        Some(opened)
    );

    let mut v1 = Map::new();
    v1.insert("originator_topic", Account::topic());
    v1.insert("owner", "Bob");
    let decoded = AccountEvents::decode(opened.topic(), 1, v1).unwrap();
    assert_eq!(
        decoded,
        AccountEvents::Opened {
            owner: "Bob".into(),
            currency: "EUR".into()
        }
    );

    let credited = format!("{}.Credited", Account::topic());
    let mut v1 = Map::new();
    v1.insert("amount", "12");
    assert_eq!(
        AccountEvents::decode(&credited, 1, v1).unwrap(),
        AccountEvents::Credited { amount_cents: 1200 }
    );
    let mut v2 = Map::new();
    v2.insert("amount", 3);
    assert_eq!(
        AccountEvents::decode(&credited, 2, v2).unwrap(),
        AccountEvents::Credited { amount_cents: 300 }
    );

    let error = AccountEvents::decode(opened.topic(), 3, encoded(opened)).unwrap_err();
    assert_class_version(error, 3, 2);
}

#[test]
fn an_upcaster_that_fails_names_the_topic_versions_and_row() {
    let credited = format!("{}.Credited", Account::topic());
    let mut v1 = Map::new();
    v1.insert("amount", "twelve");
    let error = AccountEvents::decode(&credited, 1, v1).unwrap_err();
    match &error {
        DomainError::Upcast {
            topic,
            stored,
            from,
            source,
        } => {
            assert_eq!((topic.as_str(), *stored, *from), (credited.as_str(), 1, 1));
            assert!(source.to_string().contains("\"twelve\""), "{source}");
        }
        other => panic!("{other}"),
    }

    // Through the mapper, the error names the row too.
    use eventsourcing_seaorm::persistence::{JsonTranscoder, Mapper, StoredEvent};
    let mapper = Mapper::new(JsonTranscoder::new());
    let mut account = Account::open("Ann".into(), "USD".into());
    account.credit(100);
    let mut stored: StoredEvent = mapper
        .to_stored_event(&account.pending_events()[1])
        .unwrap();
    let mut state: serde_json::Value = serde_json::from_slice(&stored.state).unwrap();
    let object = state.as_object_mut().unwrap();
    object.remove("class_version");
    object.remove("amount_cents");
    object.insert("amount".into(), "twelve".into());
    stored.state = serde_json::to_vec(&state).unwrap();
    let error = mapper
        .to_domain_event::<AccountEvents>(&stored)
        .unwrap_err()
        .to_string();
    for part in [
        format!("originator {} version 2", account.id()),
        credited.clone(),
        "stored at class version 1 failed from version 1".to_owned(),
        "\"twelve\" is not a whole number".to_owned(),
    ] {
        assert!(error.contains(&part), "{part} not in: {error}");
    }
}

#[test]
fn snapshots_hold_the_fields_in_order() {
    let mut profile = Profile::create(
        "Ann Smith".into(),
        Address {
            street: "1 Main St".into(),
            zip: None,
        },
    );
    profile.rename_to("annie".into());
    profile.collect_events();
    let snapshot = Snapshot::take(&profile).unwrap();
    assert_eq!(snapshot.originator_id, profile.id());
    assert_eq!(snapshot.originator_version, 2);
    assert_eq!(snapshot.payload.topic, Profile::topic());
    let state = &snapshot.payload.state;
    assert_eq!(
        keys(state),
        [
            "_created_on",
            "_modified_on",
            "fullName",
            "address",
            "nickname",
            "class_version"
        ]
    );
    let Some(Value::Map(address)) = state.get("address") else {
        panic!("{state:?}")
    };
    assert_eq!(
        address.get("street"),
        Some(&Value::String("1 Main St".into()))
    );

    let restored: Profile = snapshot.into_aggregate().unwrap();
    assert_eq!(restored.greeting, None);
    let mut expected = profile.clone();
    expected.greeting = None;
    assert_eq!(restored, expected);
    assert_eq!(restored.version(), profile.version());
    assert_eq!(restored.created_on(), profile.created_on());
    assert_eq!(restored.modified_on(), profile.modified_on());

    let mut world = seeded_world();
    world.collect_events();
    let restored: World = Snapshot::take(&world).unwrap().into_aggregate().unwrap();
    assert_eq!(restored, world);
}

#[test]
fn snapshots_of_older_class_versions_are_upcast() {
    let mut profile = Profile::create(
        "Ann Smith".into(),
        Address {
            street: "1 Main St".into(),
            zip: Some("12345".into()),
        },
    );
    profile.rename_to("annie".into());
    let mut snapshot = Snapshot::take(&profile).unwrap();
    snapshot.payload.state.remove("nickname");
    snapshot.payload.state.remove("class_version");
    let restored: Profile = snapshot.clone().into_aggregate().unwrap();
    assert_eq!(restored.nickname, "");
    assert_eq!(restored.address, profile.address);

    snapshot.payload.state.insert("class_version", 3);
    let error = snapshot.into_aggregate::<Profile>().unwrap_err();
    assert_class_version(error, 3, 2);
}

#[test]
fn serde_only_types_travel_in_events_and_snapshots() {
    let address = Address {
        street: "2 High St".into(),
        zip: Some("999".into()),
    };
    let mut profile = Profile::create("Ann".into(), address.clone());
    profile.move_to(address.clone());
    let moved = &profile.pending_events()[1].payload;
    let state = encoded(moved);
    assert!(
        matches!(state.get("address"), Some(Value::Map(_))),
        "{state:?}"
    );
    assert_eq!(
        &ProfileEvent::decode(moved.topic(), 1, state).unwrap(),
        moved
    );

    let events = profile.collect_events();
    let replayed = domain::project::<Profile>(None, events).unwrap().unwrap();
    assert_eq!(replayed, profile);
    assert_eq!(replayed.greeting.as_deref(), Some("Hello Ann"));
}

#[test]
fn aggregates_keep_their_own_derives() {
    let note = Note::write("hello".into());
    assert_eq!(note.clone(), note);
    let json = serde_json::to_value(&note).unwrap();
    assert_eq!(json, serde_json::json!({ "text": "hello" }));
    let back: Note = serde_json::from_value(json).unwrap();
    assert_eq!(back.text, "hello");
    assert_eq!(back.version(), 0);
}

#[test]
fn hand_written_aggregates_use_the_same_traits() {
    let mut counter = Counter::start();
    counter.increment(2);
    counter.increment(3);
    assert_eq!(counter.count, 5);
    assert_eq!(counter.version(), 3);
    let events = counter.collect_events();
    assert_eq!(events[2].payload, CounterEvent::Incremented { by: 3 });
    assert_eq!(keys(&encoded(&events[0].payload)), ["originator_topic"]);
    let replayed = domain::project::<Counter>(None, events).unwrap().unwrap();
    assert_eq!(replayed, counter);
    assert!(matches!(
        Counter::from_created_event(DomainEvent::new(
            counter.base().next_event_meta(),
            CounterEvent::Incremented { by: 1 }
        )),
        Err(DomainError::NotCreated { .. })
    ));
}

#[test]
fn generated_and_hand_written_events_are_aggregate_events() {
    fn created<A: Aggregate>(event: &A::Event) -> bool {
        AggregateEvent::<A>::is_created(event)
    }
    assert!(created::<World>(&WorldEvent::Created {}));
    assert!(!created::<World>(&WorldEvent::SomethingHappened {
        what: "x".into()
    }));
    assert!(created::<Counter>(&CounterEvent::Started));
}
