//! Comparing events by payload, and listing them in failure messages.

use std::fmt::{Debug, Write};

/// Panics unless `recorded` equals `expected`, with both lists and the first difference.
#[track_caller]
pub(super) fn assert_payloads<P: PartialEq + Debug>(expected: &[P], recorded: &[P]) {
    let Some(first_difference) = first_difference(expected, recorded) else {
        return;
    };
    panic!(
        "the events recorded differ from those expected, from event {first_difference} on\n\
         expected {}\n\
         recorded {}",
        listing(expected, Some(first_difference)),
        listing(recorded, Some(first_difference)),
    );
}

/// The index of the first payload that differs (or is missing from one side), if any.
fn first_difference<P: PartialEq>(expected: &[P], recorded: &[P]) -> Option<usize> {
    let common = expected.len().min(recorded.len());
    (0..common)
        .find(|&i| expected[i] != recorded[i])
        .or((expected.len() != recorded.len()).then_some(common))
}

/// `2 events:` then one numbered line per payload, those from `mark` on marked with `>`.
pub(super) fn listing<P: Debug>(payloads: &[P], mark: Option<usize>) -> String {
    let mut text = match payloads.len() {
        0 => "no events".to_owned(),
        1 => "1 event:".to_owned(),
        count => format!("{count} events:"),
    };
    for (i, payload) in payloads.iter().enumerate() {
        let marker = if mark.is_some_and(|mark| i >= mark) {
            '>'
        } else {
            ' '
        };
        // Writing to a String cannot fail.
        let _ = write!(text, "\n  {marker} {i}: {payload:?}");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_payloads_pass() {
        assert_payloads(&[1, 2], &[1, 2]);
        assert_payloads::<u8>(&[], &[]);
    }

    #[test]
    fn the_first_difference_is_the_first_unequal_or_missing_payload() {
        assert_eq!(first_difference(&[1, 2, 3], &[1, 5, 3]), Some(1));
        assert_eq!(first_difference(&[1, 2], &[1, 2, 3]), Some(2));
        assert_eq!(first_difference(&[1, 2, 3], &[1]), Some(1));
        assert_eq!(first_difference(&[1], &[1]), None);
    }

    #[test]
    fn listings_number_and_mark_the_payloads() {
        assert_eq!(listing::<u8>(&[], None), "no events");
        assert_eq!(listing(&["a"], None), "1 event:\n    0: \"a\"");
        assert_eq!(
            listing(&[1, 2, 3], Some(1)),
            "3 events:\n    0: 1\n  > 1: 2\n  > 2: 3"
        );
    }

    #[test]
    #[should_panic(expected = "from event 1 on\nexpected 2 events:\n    0: 1\n  > 1: 2\n\
                               recorded 1 event:\n    0: 1")]
    fn a_missing_payload_is_reported_with_both_lists() {
        assert_payloads(&[1, 2], &[1]);
    }
}
