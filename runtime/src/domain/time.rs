use chrono::{DateTime, Utc};

/// The current UTC time at microsecond precision, as event timestamps are stored.
///
/// The Python original records timezone-aware datetimes with microseconds; truncating here means
/// an event read back from the store equals the event that was saved.
pub fn utc_now() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_now_has_no_sub_microsecond_part() {
        let now = utc_now();
        assert_eq!(now.timestamp_subsec_nanos() % 1_000, 0);
    }
}
