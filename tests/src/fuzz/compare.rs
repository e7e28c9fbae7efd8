//! Equality of values as a round trip must keep them: `Value`'s own `==` fails for NaN, which
//! reads back as NaN, and ignores a datetime's offset, which must read back too.

use eventsourcing_seaorm::domain::{Map, Value};

/// Whether `a` and `b` are the same value: floats bit for bit (any NaN equal to any NaN),
/// aware datetimes in the same instant and the same offset, maps in the same order.
pub(super) fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Float(a), Value::Float(b)) => {
            a.to_bits() == b.to_bits() || a.is_nan() && b.is_nan()
        }
        (Value::List(a), Value::List(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same_value(a, b))
        }
        (Value::Map(a), Value::Map(b)) => same_map(a, b),
        (Value::DateTime(a), Value::DateTime(b)) => a == b && a.offset() == b.offset(),
        (Value::Custom(a), Value::Custom(b)) => a.name == b.name && same_value(&a.data, &b.data),
        _ => a == b,
    }
}

/// [`same_value`] of two maps: the same keys in the same order, with the same values.
pub(super) fn same_map(a: &Map, b: &Map) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b.iter())
            .all(|((ka, va), (kb, vb))| ka == kb && same_value(va, vb))
}

/// [`same_value`] of two optional values.
pub(super) fn same_option(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => same_value(a, b),
        (a, b) => a.is_none() && b.is_none(),
    }
}
