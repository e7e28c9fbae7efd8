//! `testing::AggregateTest`: given/when/then on an aggregate written with the macros, passing
//! checks and the messages of failing ones.

use eventsourcing_seaorm::prelude::*;
use eventsourcing_seaorm::testing::AggregateTest;

#[derive(Debug, PartialEq, thiserror::Error)]
enum AccountError {
    #[error("an account needs its holder's name")]
    NoName,
    #[error("account is closed")]
    Closed,
    #[error("cannot debit {amount} from a balance of {balance}")]
    InsufficientFunds { balance: i64, amount: i64 },
}

#[aggregate]
#[derive(Debug)]
struct Account {
    name: String,
    balance: i64,
    is_closed: bool,
}

#[aggregate]
impl Account {
    #[event("Opened")]
    fn open(name: String) -> Result<Self, AccountError> {
        if name.is_empty() {
            return Err(AccountError::NoName);
        }
        Ok(Self {
            name,
            balance: 0,
            is_closed: false,
        })
    }

    #[event("Credited")]
    fn credit(&mut self, amount: i64) -> Result<(), AccountError> {
        if self.is_closed {
            return Err(AccountError::Closed);
        }
        self.balance += amount;
        Ok(())
    }

    #[event("Debited")]
    fn debit(&mut self, amount: i64) -> Result<(), AccountError> {
        if amount > self.balance {
            return Err(AccountError::InsufficientFunds {
                balance: self.balance,
                amount,
            });
        }
        self.balance -= amount;
        Ok(())
    }

    #[event("Closed")]
    fn close(&mut self) {
        self.is_closed = true;
    }

    /// Not an event method: records two events, or none.
    fn transfer_in(&mut self, amounts: &[i64]) -> Result<usize, AccountError> {
        for &amount in amounts {
            self.credit(amount)?;
        }
        Ok(amounts.len())
    }
}

fn alice() -> Result<Account, AccountError> {
    Account::open("Alice".to_owned())
}

fn opened() -> AccountEvent {
    AccountEvent::Opened {
        name: "Alice".to_owned(),
    }
}

#[test]
fn given_a_created_aggregate_and_commands_then_only_the_new_events() {
    AggregateTest::given(alice())
        .and(|account| account.credit(50))
        .and(|account| account.close())
        .when(|account| account.debit(30))
        .then_events([AccountEvent::Debited { amount: 30 }])
        .then_state(|account| assert_eq!(account.balance, 20));
}

#[test]
fn given_events_are_replayed_as_stored_events() {
    let account = AggregateTest::given_events([opened(), AccountEvent::Credited { amount: 10 }])
        .when(|account| account.credit(5))
        .then_events([AccountEvent::Credited { amount: 5 }])
        .into_aggregate();
    assert_eq!((account.name.as_str(), account.balance), ("Alice", 15));
    assert_eq!(account.version(), 3);
    assert!(account.pending_events().is_empty());
}

#[test]
fn and_events_replays_more_past() {
    AggregateTest::given(alice())
        .and_events([
            AccountEvent::Credited { amount: 7 },
            AccountEvent::Closed {},
        ])
        .when(|account| account.credit(1))
        .then_error(AccountError::Closed)
        .then_state(|account| assert_eq!((account.balance, account.version()), (7, 3)));
}

#[test]
fn a_method_of_several_events_and_its_return_value() {
    let outcome = AggregateTest::given(alice())
        .when(|account| account.transfer_in(&[1, 2]))
        .then_events([
            AccountEvent::Credited { amount: 1 },
            AccountEvent::Credited { amount: 2 },
        ]);
    assert_eq!(outcome.events().len(), 2);
    AggregateTest::given(alice())
        .when(|account| account.transfer_in(&[]))
        .then_no_events();
}

#[test]
fn errors_by_value_by_pattern_and_by_message() {
    let given = || AggregateTest::given(alice()).and(|account| account.credit(10));
    given()
        .when(|account| account.debit(30))
        .then_error(AccountError::InsufficientFunds {
            balance: 10,
            amount: 30,
        })
        .then_state(|account| assert_eq!(account.balance, 10));
    given()
        .when(|account| account.debit(30))
        .then_error_matches(|error| matches!(error, AccountError::InsufficientFunds { .. }));
    given()
        .when(|account| account.debit(30))
        .then_error_message("cannot debit 30 from a balance of 10");
}

#[test]
fn constructors_given_nothing() {
    AggregateTest::given_nothing()
        .when_created(alice())
        .then_events([opened()])
        .then_state(|account| assert_eq!(account.version(), 1));
    AggregateTest::given_nothing()
        .when_created(Account::open(String::new()))
        .then_error(AccountError::NoName);
}

#[test]
#[should_panic(
    expected = "the events recorded differ from those expected, from event 0 on\n\
                           expected 1 event:\n  > 0: Debited { amount: 20 }\n\
                           recorded 1 event:\n  > 0: Debited { amount: 30 }"
)]
fn other_events_than_expected_are_listed() {
    AggregateTest::given(alice())
        .and(|account| account.credit(50))
        .when(|account| account.debit(30))
        .then_events([AccountEvent::Debited { amount: 20 }]);
}

#[test]
#[should_panic(
    expected = "from event 1 on\nexpected 1 event:\n    0: Credited { amount: 1 }\n\
                           recorded 2 events:\n    0: Credited { amount: 1 }\n  > 1: Credited { amount: 2 }"
)]
fn an_unexpected_extra_event_is_listed() {
    AggregateTest::given(alice())
        .when(|account| account.transfer_in(&[1, 2]))
        .then_events([AccountEvent::Credited { amount: 1 }]);
}

#[test]
#[should_panic(expected = "expected 1 event:\n    0: Debited { amount: 30 }\n\
                           but the command failed: InsufficientFunds { balance: 0, amount: 30 }")]
fn expected_events_after_a_failure() {
    AggregateTest::given(alice())
        .when(|account| account.debit(30))
        .then_events([AccountEvent::Debited { amount: 30 }]);
}

#[test]
#[should_panic(expected = "expected no events\nbut the command failed: Closed")]
fn no_events_expects_success() {
    AggregateTest::given(alice())
        .and(|account| account.close())
        .when(|account| account.credit(1))
        .then_no_events();
}

#[test]
#[should_panic(expected = "expected the error Closed\n\
                           but the command succeeded and recorded 1 event:\n    0: Credited { amount: 1 }")]
fn an_expected_error_after_a_success() {
    AggregateTest::given(alice())
        .when(|account| account.credit(1))
        .then_error(AccountError::Closed);
}

#[test]
#[should_panic(expected = "expected the error Closed\n\
                           but the command failed with InsufficientFunds { balance: 0, amount: 1 }")]
fn another_error_than_expected() {
    AggregateTest::given(alice())
        .when(|account| account.debit(1))
        .then_error(AccountError::Closed);
}

#[test]
#[should_panic(
    expected = "the command failed with InsufficientFunds { balance: 0, amount: 1 }, \
                           which does not match"
)]
fn an_error_that_does_not_match() {
    AggregateTest::given(alice())
        .when(|account| account.debit(1))
        .then_error_matches(|error| *error == AccountError::Closed);
}

#[test]
#[should_panic(expected = "expected the error message \"account is closed\"\n\
                           but the command failed with \"cannot debit 1 from a balance of 0\" \
                           (InsufficientFunds { balance: 0, amount: 1 })")]
fn another_error_message_than_expected() {
    AggregateTest::given(alice())
        .when(|account| account.debit(1))
        .then_error_message("account is closed");
}

#[test]
#[should_panic(
    expected = "expected an error that matches\nbut the command succeeded and recorded no events"
)]
fn an_error_pattern_after_a_command_of_no_events() {
    AggregateTest::given(alice())
        .when(|account| account.transfer_in(&[]))
        .then_error_matches(|_| true);
}

#[test]
#[should_panic(expected = "the given aggregate was not created: NoName")]
fn a_given_constructor_that_fails() {
    let _ = AggregateTest::given(Account::open(String::new()));
}

#[test]
#[should_panic(expected = "a given command failed: InsufficientFunds { balance: 0, amount: 1 }")]
fn a_given_command_that_fails() {
    let _ = AggregateTest::given(alice()).and(|account| account.debit(1));
}

#[test]
#[should_panic(expected = "the given events do not replay")]
fn given_events_start_with_the_created_event() {
    let _ = AggregateTest::<Account>::given_events([AccountEvent::Credited { amount: 1 }]);
}

#[test]
#[should_panic(expected = "the given events do not replay")]
fn more_given_events_cannot_create_again() {
    let _ = AggregateTest::given(alice()).and_events([opened()]);
}

#[test]
#[should_panic(expected = "given_events needs at least the created event")]
fn given_events_are_not_empty() {
    let _ = AggregateTest::<Account>::given_events([]);
}

#[test]
#[should_panic(expected = "there is no aggregate: the constructor failed with NoName")]
fn no_state_after_a_failed_constructor() {
    AggregateTest::given_nothing()
        .when_created(Account::open(String::new()))
        .then_state(|_| {});
}

#[test]
#[should_panic(
    expected = "the given events do not replay: testing_helpers:Account.Debited: \
                           event body failed: cannot debit 5 from a balance of 0"
)]
fn given_events_whose_body_fails() {
    let _ = AggregateTest::given_events([opened(), AccountEvent::Debited { amount: 5 }]);
}
