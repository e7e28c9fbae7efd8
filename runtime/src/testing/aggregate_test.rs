//! The given and when of an aggregate test: an aggregate with a past, a command run on it.

use std::fmt::Debug;
use std::marker::PhantomData;

use uuid::Uuid;

use super::Outcome;
use crate::domain::{Aggregate, AggregateEvent, DomainEvent, EventMeta, project, timestamp_now};
use crate::domain::{CommandOutput, Created};

/// An aggregate with a past, waiting for the command under test.
///
/// Start from a created aggregate ([`given`](Self::given)), from past events
/// ([`given_events`](Self::given_events)) or from nothing
/// ([`given_nothing`](Self::given_nothing)); add more past with [`and`](Self::and) and
/// [`and_events`](Self::and_events); run the command with [`when`](Self::when) and check the
/// [`Outcome`]. See the [module documentation](super) for an example.
#[derive(Debug)]
pub struct AggregateTest<A> {
    aggregate: A,
}

impl<A: Aggregate> AggregateTest<A> {
    /// Starts from the aggregate a constructor returned (the aggregate itself or a `Result`);
    /// the events it triggered become its past.
    ///
    /// # Panics
    ///
    /// If the constructor returned an error.
    #[track_caller]
    pub fn given<C>(created: C) -> Self
    where
        C: Created<A>,
        C::Rejection: Debug,
    {
        match created.into_result() {
            Ok(aggregate) => Self::with_past(aggregate),
            Err(error) => panic!("the given aggregate was not created: {error:?}"),
        }
    }

    /// Starts from the aggregate these payloads make when replayed as stored events: the first
    /// must be a created event; they get a new id and versions 1, 2, … in order.
    ///
    /// # Panics
    ///
    /// If there are no payloads, or they do not replay (the first is not a created event, a
    /// later one is, or an event's body fails).
    #[track_caller]
    pub fn given_events<P>(payloads: impl IntoIterator<Item = P>) -> Self
    where
        A: Aggregate<Event = P>,
        P: AggregateEvent<A>,
    {
        let id = Uuid::new_v4();
        let events = (1..).zip(payloads).map(|(version, payload)| {
            let meta = EventMeta {
                originator_id: id,
                originator_version: version,
                timestamp: timestamp_now(),
            };
            DomainEvent::new(meta, payload)
        });
        match project(None, events) {
            Ok(Some(aggregate)) => Self { aggregate },
            Ok(None) => panic!(
                "given_events needs at least the created event (use given_nothing() to test a constructor)"
            ),
            Err(error) => panic!("the given events do not replay: {error}"),
        }
    }

    /// Starts from no aggregate, to test a constructor with
    /// [`when_created`](GivenNothing::when_created).
    pub fn given_nothing() -> GivenNothing<A> {
        GivenNothing(PhantomData)
    }

    /// Adds to the past: runs a command whose events become past events.
    ///
    /// # Panics
    ///
    /// If the command fails.
    #[track_caller]
    pub fn and<R>(self, command: impl FnOnce(&mut A) -> R) -> Self
    where
        R: CommandOutput,
        R::Rejection: Debug,
    {
        let mut aggregate = self.aggregate;
        if let Err(error) = command(&mut aggregate).into_result().map(drop) {
            panic!("a given command failed: {error:?}");
        }
        Self::with_past(aggregate)
    }

    /// Adds to the past: replays these payloads as the aggregate's next stored events.
    ///
    /// # Panics
    ///
    /// If a payload does not replay (it is a created event, or its body fails).
    #[track_caller]
    pub fn and_events(self, payloads: impl IntoIterator<Item = A::Event>) -> Self {
        let mut aggregate = self.aggregate;
        for payload in payloads {
            let event = DomainEvent::new(aggregate.base().next_event_meta(), payload);
            if let Err(error) = aggregate.apply_event(event) {
                panic!("the given events do not replay: {error}");
            }
        }
        Self { aggregate }
    }

    /// Runs the command under test on the aggregate: a closure calling a method that returns
    /// `()` or a `Result`. Check what it did on the returned [`Outcome`].
    #[must_use = "an aggregate test checks nothing until a `then_…` method is called"]
    pub fn when<R: CommandOutput>(
        self,
        command: impl FnOnce(&mut A) -> R,
    ) -> Outcome<A, R::Rejection> {
        let mut aggregate = self.aggregate;
        let result = command(&mut aggregate).into_result().map(drop);
        Outcome::new(Some(aggregate), result)
    }

    /// The aggregate, its pending events taken as its past.
    fn with_past(mut aggregate: A) -> Self {
        aggregate.collect_events();
        Self { aggregate }
    }
}

/// No aggregate yet: the start of a test of a constructor. Made by
/// [`AggregateTest::given_nothing`].
#[derive(Debug)]
pub struct GivenNothing<A>(PhantomData<fn() -> A>);

impl<A: Aggregate> GivenNothing<A> {
    /// Checks what a constructor did: pass what it returned (the aggregate itself or a
    /// `Result`), and check its events or error on the returned [`Outcome`].
    #[must_use = "an aggregate test checks nothing until a `then_…` method is called"]
    pub fn when_created<C: Created<A>>(self, created: C) -> Outcome<A, C::Rejection> {
        match created.into_result() {
            Ok(aggregate) => Outcome::new(Some(aggregate), Ok(())),
            Err(error) => Outcome::new(None, Err(error)),
        }
    }
}
