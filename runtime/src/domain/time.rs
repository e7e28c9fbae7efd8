//! Event timestamps: timezone-aware datetimes at microsecond precision, kept with the offset they
//! were given (as the Python original keeps `2023-03-04T05:06:07-07:00`), UTC for events made
//! now.

use chrono::{DateTime, FixedOffset, TimeZone, Timelike, Utc};

/// The current UTC time at microsecond precision, as event timestamps are stored.
///
/// The Python original records timezone-aware datetimes with microseconds; truncating here means
/// an event read back from the store equals the event that was saved.
pub fn utc_now() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
}

/// The timestamp of an event made now: [`utc_now`] with the offset `+00:00`, which is what the
/// Python original gives events by default.
pub fn timestamp_now() -> DateTime<FixedOffset> {
    utc_now().fixed_offset()
}

/// `datetime` without its sub-microsecond part: stored timestamps hold microseconds, so an event
/// keeps, in memory, the timestamp it will have when read back.
fn to_micros<Tz: TimeZone>(datetime: &DateTime<Tz>) -> DateTime<FixedOffset> {
    let fixed = datetime.fixed_offset();
    let nanos = fixed.nanosecond();
    fixed
        .with_nanosecond(nanos - nanos % 1_000)
        .unwrap_or(fixed)
}

/// The type of an event method's `timestamp` parameter: the caller chooses the event's
/// timestamp, as in the Python original, where `def inspect(self, inspector, timestamp)`
/// decorated with `@event` takes it from its caller.
///
/// The timestamp becomes the event's and the aggregate's `modified_on` (`created_on` too, for a
/// constructor), offset included, truncated to microseconds as it is stored. The body receives
/// it back in the parameter's type, when the method is called and when the event is replayed.
///
/// Implemented for `DateTime<FixedOffset>` (any offset, kept), `DateTime<Utc>` (read back in
/// UTC), and `Option` of either: `None` lets the library stamp the event with the current UTC
/// time ([`timestamp_now`]), and the body then receives `Some` of it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an event's `timestamp`",
    label = "the caller's timestamp of the event",
    note = "take a `chrono::DateTime<FixedOffset>` (any offset) or `DateTime<Utc>`; `Option<…>` of either lets the caller pass `None` for now"
)]
pub trait EventTimestamp: Sized {
    /// The event's timestamp chosen by the caller, or `None` for now.
    fn chosen_timestamp(&self) -> Option<DateTime<FixedOffset>>;

    /// The parameter's value for an event's timestamp, given to the body.
    fn from_event_timestamp(timestamp: DateTime<FixedOffset>) -> Self;
}

impl EventTimestamp for DateTime<FixedOffset> {
    fn chosen_timestamp(&self) -> Option<DateTime<FixedOffset>> {
        Some(to_micros(self))
    }

    fn from_event_timestamp(timestamp: DateTime<FixedOffset>) -> Self {
        timestamp
    }
}

impl EventTimestamp for DateTime<Utc> {
    fn chosen_timestamp(&self) -> Option<DateTime<FixedOffset>> {
        Some(to_micros(self))
    }

    fn from_event_timestamp(timestamp: DateTime<FixedOffset>) -> Self {
        timestamp.to_utc()
    }
}

impl<T: EventTimestamp> EventTimestamp for Option<T> {
    fn chosen_timestamp(&self) -> Option<DateTime<FixedOffset>> {
        self.as_ref().and_then(T::chosen_timestamp)
    }

    fn from_event_timestamp(timestamp: DateTime<FixedOffset>) -> Self {
        Some(T::from_event_timestamp(timestamp))
    }
}

/// How generated code handles a `timestamp` parameter of type `T`: the only place that requires
/// `T: EventTimestamp`, so that a parameter of another type is reported once.
#[doc(hidden)]
pub struct TimestampParam<T> {
    chosen: fn(&T) -> Option<DateTime<FixedOffset>>,
    argument: fn(DateTime<FixedOffset>) -> T,
}

/// The [`TimestampParam`] of `T`. Called by generated code.
#[doc(hidden)]
pub fn timestamp_param<T: EventTimestamp>() -> TimestampParam<T> {
    TimestampParam {
        chosen: T::chosen_timestamp,
        argument: T::from_event_timestamp,
    }
}

impl<T> TimestampParam<T> {
    /// The timestamp of the event: the caller's, or now.
    pub fn event_timestamp(&self, timestamp: &T) -> DateTime<FixedOffset> {
        (self.chosen)(timestamp).unwrap_or_else(timestamp_now)
    }

    /// The body's argument for an event's timestamp.
    pub fn argument(&self, timestamp: DateTime<FixedOffset>) -> T {
        (self.argument)(timestamp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_now_has_no_sub_microsecond_part() {
        let now = utc_now();
        assert_eq!(now.timestamp_subsec_nanos() % 1_000, 0);
    }

    #[test]
    fn chosen_timestamps_keep_their_offset_at_microseconds() {
        let given = DateTime::parse_from_rfc3339("2023-03-04T05:06:07.123456789-07:00").unwrap();
        let chosen = timestamp_param().event_timestamp(&given);
        assert_eq!(chosen.offset().local_minus_utc(), -7 * 3600);
        assert_eq!(chosen.to_rfc3339(), "2023-03-04T05:06:07.123456-07:00");
        let utc: Option<DateTime<Utc>> = None;
        assert_eq!(
            timestamp_param()
                .event_timestamp(&utc)
                .offset()
                .local_minus_utc(),
            0
        );
        assert_eq!(
            Option::<DateTime<Utc>>::from_event_timestamp(chosen),
            Some(chosen.to_utc())
        );
    }
}
