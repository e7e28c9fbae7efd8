//! What the closures given to a test may return: a command's `()` or `Result`, a constructor's
//! aggregate or `Result` of one.

use std::convert::Infallible;

use crate::domain::Aggregate;

/// The return value of a command, as a result: `()` (a command that cannot fail) or any
/// `Result<T, E>` (the `T` is dropped; tests look at the events instead).
pub trait IntoCommandResult {
    /// Why the command failed ([`Infallible`] for `()`).
    type Error;

    /// `Ok(())` when the command succeeded.
    fn into_command_result(self) -> Result<(), Self::Error>;
}

impl IntoCommandResult for () {
    type Error = Infallible;

    fn into_command_result(self) -> Result<(), Infallible> {
        Ok(())
    }
}

impl<T, E> IntoCommandResult for Result<T, E> {
    type Error = E;

    fn into_command_result(self) -> Result<(), E> {
        self.map(drop)
    }
}

/// The return value of a constructor, as a result: the aggregate itself (a constructor that
/// cannot fail) or `Result<A, E>`.
pub trait IntoCreationResult<A> {
    /// Why the constructor failed ([`Infallible`] for the aggregate itself).
    type Error;

    /// The created aggregate, or why it was not created.
    fn into_creation_result(self) -> Result<A, Self::Error>;
}

impl<A: Aggregate> IntoCreationResult<A> for A {
    type Error = Infallible;

    fn into_creation_result(self) -> Result<A, Infallible> {
        Ok(self)
    }
}

impl<A: Aggregate, E> IntoCreationResult<A> for Result<A, E> {
    type Error = E;

    fn into_creation_result(self) -> Result<A, E> {
        self
    }
}
