//! The then of an aggregate test: what the command under test did, and the checks on it.

use std::fmt::{Debug, Display};

use super::payloads::{assert_payloads, listing};
use crate::domain::Aggregate;

/// What the command under test did: its result, the events it recorded (their payloads) and
/// the aggregate after it. Made by [`AggregateTest::when`](super::AggregateTest::when) and
/// [`GivenNothing::when_created`](super::GivenNothing::when_created).
///
/// Each `then_…` method checks one thing, panics with expected and actual values when it does
/// not hold, and returns the outcome for further checks: [`then_events`](Self::then_events)
/// and [`then_no_events`](Self::then_no_events) check that the command succeeded,
/// [`then_error`](Self::then_error) and its siblings that it failed, and
/// [`then_state`](Self::then_state) looks at the aggregate whatever the result.
pub struct Outcome<A: Aggregate, E> {
    /// `None` when a constructor failed.
    aggregate: Option<A>,
    result: Result<(), E>,
    events: Vec<A::Event>,
}

impl<A: Aggregate, E> Outcome<A, E> {
    /// The outcome of a command or constructor; the aggregate's pending events are what it
    /// recorded.
    pub(super) fn new(mut aggregate: Option<A>, result: Result<(), E>) -> Self {
        let events = aggregate
            .as_mut()
            .map(|aggregate| {
                let events = aggregate.collect_events();
                events.into_iter().map(|event| event.payload).collect()
            })
            .unwrap_or_default();
        Self {
            aggregate,
            result,
            events,
        }
    }

    /// The payloads of the events the command recorded, oldest first.
    pub fn events(&self) -> &[A::Event] {
        &self.events
    }
}

impl<A: Aggregate, E: Debug> Outcome<A, E> {
    /// Checks that the command succeeded and recorded exactly these events, compared by
    /// payload (ids, versions and timestamps are not compared).
    ///
    /// # Panics
    ///
    /// If the command failed, or recorded other events.
    #[track_caller]
    pub fn then_events(self, expected: impl IntoIterator<Item = A::Event>) -> Self
    where
        A::Event: PartialEq + Debug,
    {
        let expected: Vec<A::Event> = expected.into_iter().collect();
        if let Err(error) = &self.result {
            panic!(
                "expected {}\nbut the command failed: {error:?}",
                listing(&expected, None)
            );
        }
        assert_payloads(&expected, &self.events);
        self
    }

    /// Checks that the command succeeded and recorded no event.
    ///
    /// # Panics
    ///
    /// If the command failed, or recorded events.
    #[track_caller]
    pub fn then_no_events(self) -> Self
    where
        A::Event: PartialEq + Debug,
    {
        self.then_events([])
    }

    /// Checks that the command failed with this error.
    ///
    /// # Panics
    ///
    /// If the command succeeded, or failed with another error.
    #[track_caller]
    pub fn then_error(self, expected: E) -> Self
    where
        A::Event: Debug,
        E: PartialEq,
    {
        let error = self.error(&format!("the error {expected:?}"));
        if *error != expected {
            panic!("expected the error {expected:?}\nbut the command failed with {error:?}");
        }
        self
    }

    /// Checks that the command failed with an error for which `check` returns `true`, such as
    /// `|error| matches!(error, MyError::Refused { .. })`.
    ///
    /// # Panics
    ///
    /// If the command succeeded, or `check` returns `false`.
    #[track_caller]
    pub fn then_error_matches(self, check: impl FnOnce(&E) -> bool) -> Self
    where
        A::Event: Debug,
    {
        let error = self.error("an error that matches");
        if !check(error) {
            panic!("the command failed with {error:?}, which does not match");
        }
        self
    }

    /// Checks that the command failed with an error whose message (its `Display`) is
    /// `expected`.
    ///
    /// # Panics
    ///
    /// If the command succeeded, or failed with another message.
    #[track_caller]
    pub fn then_error_message(self, expected: &str) -> Self
    where
        A::Event: Debug,
        E: Display,
    {
        let error = self.error(&format!("the error message {expected:?}"));
        let message = error.to_string();
        if message != expected {
            panic!(
                "expected the error message {expected:?}\nbut the command failed with {message:?} ({error:?})"
            );
        }
        self
    }

    /// Runs `check` (usually assertions) on the aggregate after the command, whether the command
    /// succeeded or not.
    ///
    /// # Panics
    ///
    /// If a constructor under test failed (there is no aggregate), or `check` panics.
    #[track_caller]
    pub fn then_state(self, check: impl FnOnce(&A)) -> Self {
        check(self.aggregate());
        self
    }

    /// The aggregate after the command, for checks of its own.
    ///
    /// # Panics
    ///
    /// If a constructor under test failed (there is no aggregate).
    #[track_caller]
    pub fn into_aggregate(self) -> A {
        match self.aggregate {
            Some(aggregate) => aggregate,
            None => no_aggregate(&self.result),
        }
    }

    /// The command's error, for a check that expected `expected`.
    #[track_caller]
    fn error(&self, expected: &str) -> &E
    where
        A::Event: Debug,
    {
        match &self.result {
            Err(error) => error,
            Ok(()) => panic!(
                "expected {expected}\nbut the command succeeded and recorded {}",
                listing(&self.events, None)
            ),
        }
    }

    #[track_caller]
    fn aggregate(&self) -> &A {
        match &self.aggregate {
            Some(aggregate) => aggregate,
            None => no_aggregate(&self.result),
        }
    }
}

/// Panics for a check of the aggregate after its constructor failed.
#[track_caller]
fn no_aggregate<E: Debug>(result: &Result<(), E>) -> ! {
    match result {
        Err(error) => panic!("there is no aggregate: the constructor failed with {error:?}"),
        Ok(()) => unreachable!("only a failed constructor leaves no aggregate"),
    }
}
