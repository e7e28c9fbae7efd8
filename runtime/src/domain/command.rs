//! What a command on an aggregate returns, for every caller that runs commands
//! (`Application::execute`, the test helpers): a value or the domain's refusal, and what a
//! constructor returns.

use std::convert::Infallible;

use super::Aggregate;

/// What a command's closure returns: a value, or the domain's refusal. Implemented for
/// `Result<T, E>` and for `()` (an event method that cannot fail).
pub trait CommandOutput {
    /// What the command gives back.
    type Value;
    /// The domain's refusal.
    type Rejection;
    /// As a `Result`.
    fn into_result(self) -> Result<Self::Value, Self::Rejection>;
}

impl<T, E> CommandOutput for Result<T, E> {
    type Value = T;
    type Rejection = E;
    fn into_result(self) -> Self {
        self
    }
}

impl CommandOutput for () {
    type Value = ();
    type Rejection = Infallible;
    fn into_result(self) -> Result<(), Infallible> {
        Ok(())
    }
}

/// A command on an aggregate of type `A`: any closure `FnMut(&mut A) -> R` where `R` is a
/// [`CommandOutput`]. It may run more than once (once per try).
pub trait Command<A>: FnMut(&mut A) -> Self::Outcome {
    /// What the closure returns.
    type Outcome: CommandOutput;
}

impl<A, F, R> Command<A> for F
where
    F: FnMut(&mut A) -> R,
    R: CommandOutput,
{
    type Outcome = R;
}

/// What a constructor given to [`Application::create`](crate::application::Application::create) returns: the new aggregate, or
/// `Result<A, E>` when it can refuse.
pub trait Created<A> {
    /// The domain's refusal.
    type Rejection;
    /// As a `Result`.
    fn into_result(self) -> Result<A, Self::Rejection>;
}

impl<A: Aggregate> Created<A> for A {
    type Rejection = Infallible;
    fn into_result(self) -> Result<A, Infallible> {
        Ok(self)
    }
}

impl<A: Aggregate, E> Created<A> for Result<A, E> {
    type Rejection = E;
    fn into_result(self) -> Result<A, E> {
        self
    }
}
