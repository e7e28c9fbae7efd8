//! The Decimal parser: any text parses without a panic to canonical text (Python's
//! `str(Decimal)`) that parses to itself, and converts to and from `rust_decimal` without
//! changing the number. `PyDecimal` reads the same finite numbers to the same text, and
//! computes with them without a panic.

use eventsourcing_seaorm::domain::{DecimalValue, PyDecimal, Value};
use rust_decimal::Decimal;

use super::datetime::transcoded;

/// The input as decimal text, and as the `_data_` of a `decimal_str` value.
pub fn decimal(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = DecimalValue::parse(text);
    match (&parsed, transcoded("decimal_str", text)) {
        (Ok(parsed), Ok(read)) => assert_eq!(read, Value::Decimal(parsed.clone())),
        (Err(_), Err(_)) => {}
        (parsed, read) => panic!("{text:?} parsed as {parsed:?} but was read as {read:?}"),
    }
    py_decimal(text, parsed.as_ref().ok());
    let Ok(decimal) = parsed else {
        return;
    };
    let canonical = decimal.as_str();
    let again = DecimalValue::parse(canonical)
        .unwrap_or_else(|e| panic!("{text:?} parsed as {canonical:?}, which does not parse: {e}"));
    assert_eq!(again, decimal, "{text:?}");
    if let Ok(number) = decimal.to_decimal() {
        let back = DecimalValue::from(number);
        let number_again = back
            .to_decimal()
            .unwrap_or_else(|e| panic!("{number} came from {canonical:?} but {back} fails: {e}"));
        assert_eq!(number_again, number, "{canonical:?}");
        assert_eq!(number_again.scale(), number.scale(), "{canonical:?}");
        assert_eq!(
            number.is_sign_negative(),
            canonical.starts_with('-'),
            "{canonical:?}"
        );
        assert_eq!(DecimalValue::parse(back.as_str()).ok(), Some(back));
        // `rust_decimal`'s own reading of the canonical text is the same number.
        if let Ok(theirs) = Decimal::from_scientific(canonical).or_else(|_| canonical.parse()) {
            assert_eq!(theirs, number, "{canonical:?}");
        }
    }
}

/// `PyDecimal` parses exactly the finite numbers `DecimalValue` parses, to the same text, and
/// its arithmetic neither panics nor builds digits for exponents far apart.
fn py_decimal(text: &str, parsed: Option<&DecimalValue>) {
    let finite = parsed.filter(|d| {
        !d.as_str()
            .trim_start_matches('-')
            .starts_with(['I', 'N', 's'])
    });
    let number = match (PyDecimal::parse(text), finite) {
        (Ok(number), Some(decimal)) => {
            assert_eq!(number.to_string(), decimal.as_str(), "{text:?}");
            number
        }
        (Err(_), None) => return,
        (number, _) => panic!("{text:?}: PyDecimal read {number:?}, DecimalValue {parsed:?}"),
    };
    let one = PyDecimal::from(1);
    for result in [
        number.checked_add(&one),
        number.checked_sub(&number),
        number.checked_mul(&number),
        number.checked_neg(),
        number.quantize(&one),
    ]
    .into_iter()
    .flatten()
    {
        let written = result.to_string();
        let again = PyDecimal::parse(&written).map(|again| again.to_string());
        assert_eq!(again.ok(), Some(written), "{text:?}");
    }
}
