//! Upcasters: functions that bring stored state written by an older class version of an event
//! or aggregate up one version. One may refuse state it cannot convert, by returning an error.

use std::error::Error;

use super::DomainError;

/// What an upcaster returns: `()` (it cannot fail), or `Result<(), E>` where `E` converts into
/// a boxed error (any `std::error::Error + Send + Sync`, or a `String` or `&str`).
pub trait UpcastOutcome {
    /// As a result.
    fn into_upcast_result(self) -> Result<(), Box<dyn Error + Send + Sync>>;
}

impl UpcastOutcome for () {
    fn into_upcast_result(self) -> Result<(), Box<dyn Error + Send + Sync>> {
        Ok(())
    }
}

impl<E: Into<Box<dyn Error + Send + Sync>>> UpcastOutcome for Result<(), E> {
    fn into_upcast_result(self) -> Result<(), Box<dyn Error + Send + Sync>> {
        self.map_err(Into::into)
    }
}

/// One upcaster's outcome as the domain's error: [`DomainError::Upcast`], naming the topic, the
/// stored class version and the version the failing upcaster starts from. What generated code
/// calls after each upcaster.
#[doc(hidden)]
pub fn upcast_step(
    outcome: impl UpcastOutcome,
    topic: &str,
    stored: u32,
    from: u32,
) -> Result<(), DomainError> {
    outcome
        .into_upcast_result()
        .map_err(|source| DomainError::Upcast {
            topic: topic.to_owned(),
            stored,
            from,
            source,
        })
}
