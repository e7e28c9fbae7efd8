//! Event state built from fuzz input, for the properties that write first and then read.
//!
//! Every kind of [`Value`] comes out, in shapes the format must survive: keys the reader treats
//! specially (`_type_`, `_data_`, `timestamp`), floats from any bit pattern, integers past 64
//! bits, lists nested past [`JsonTranscoder::MAX_DEPTH`], datetimes across chrono's whole
//! range (Python's only reaches years 1 to 9999) and custom values whose transcoding is not
//! registered.

use arbitrary::{Arbitrary, Result, Unstructured};
use chrono::{Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime};
use eventsourcing_seaorm::domain::{CustomValue, DecimalValue, Map, Value};
use eventsourcing_seaorm::persistence::JsonTranscoder;
use uuid::Uuid;

use super::{REGISTERED, UNREGISTERED};

/// Maps and lists nest this deep at most, apart from the lists made deep on purpose.
const NESTING: usize = 4;

/// A map of event state.
pub(super) fn state(u: &mut Unstructured<'_>) -> Result<Map> {
    map(u, 0)
}

fn map(u: &mut Unstructured<'_>, depth: usize) -> Result<Map> {
    let len = u.int_in_range(0..=6)?;
    let mut map = Map::with_capacity(len);
    for _ in 0..len {
        let key = key(u)?;
        map.insert(key, value(u, depth + 1)?);
    }
    Ok(map)
}

fn key(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(match u.int_in_range(0..=7)? {
        0 => "timestamp".to_owned(),
        1 => "class_version".to_owned(),
        2 => "_type_".to_owned(),
        3 => "_data_".to_owned(),
        4 => String::new(),
        5 => "a".to_owned(),
        _ => String::arbitrary(u)?,
    })
}

fn value(u: &mut Unstructured<'_>, depth: usize) -> Result<Value> {
    let kinds = if depth < NESTING { 16 } else { 11 };
    Ok(match u.int_in_range(0..=kinds)? {
        0 => Value::Null,
        1 => Value::Bool(u.arbitrary()?),
        2 => Value::Int(u.arbitrary()?),
        3 => big_int(u)?,
        4 => Value::Float(f64::from_bits(u.arbitrary()?)),
        // The floats events hold: small integers and binary fractions.
        5 => Value::Float(
            f64::from(u.arbitrary::<i16>()?) / f64::from(1u32 << u.int_in_range(0..=12)?),
        ),
        6 => Value::String(String::arbitrary(u)?),
        7 => Value::Uuid(Uuid::from_bytes(u.arbitrary()?)),
        8 => decimal(u)?,
        9 => Value::NaiveDateTime(naive_datetime(u)?),
        10 => aware_datetime(u)?,
        11 => deep_list(u)?,
        12 | 13 => Value::List(
            (0..u.int_in_range(0..=4)?)
                .map(|_| value(u, depth + 1))
                .collect::<Result<_>>()?,
        ),
        14 => Value::Map(map(u, depth)?),
        15 => custom(u, REGISTERED, depth)?,
        _ => custom(u, UNREGISTERED, depth)?,
    })
}

/// An integer beyond 64 bits, as the reader makes them (it reads those that fit as
/// [`Value::Int`]).
fn big_int(u: &mut Unstructured<'_>) -> Result<Value> {
    let sign = if u.arbitrary()? { "-" } else { "" };
    let len = u.int_in_range(20..=60)?;
    let mut digits = String::with_capacity(len + 1);
    digits.push_str(sign);
    digits.push(char::from(b'1' + u.int_in_range(0..=8)?));
    for _ in 1..len {
        digits.push(char::from(b'0' + u.int_in_range(0..=9)?));
    }
    Ok(Value::BigInt(digits))
}

/// A Decimal from decimal-looking text, or `Null` when that text is not a decimal.
fn decimal(u: &mut Unstructured<'_>) -> Result<Value> {
    const CHARACTERS: &[u8] = b"0123456789012345678901234567890123456789.eE+-";
    let text: String = (0..u.int_in_range(1..=40)?)
        .map(|_| u.choose(CHARACTERS).map(|&b| char::from(b)))
        .collect::<Result<_>>()?;
    Ok(DecimalValue::parse(&text).map_or(Value::Null, Value::Decimal))
}

/// A datetime to the microsecond, as Python's are; now and then of a year Python has not.
pub(super) fn naive_datetime(u: &mut Unstructured<'_>) -> Result<NaiveDateTime> {
    let year = if u.ratio(1, 16)? {
        u.int_in_range(NaiveDate::MIN.year()..=NaiveDate::MAX.year())?
    } else {
        u.int_in_range(1..=9999)?
    };
    let (month, day) = (u.int_in_range(1..=12)?, u.int_in_range(1..=31)?);
    let date = NaiveDate::from_ymd_opt(year, month, day)
        .or_else(|| NaiveDate::from_ymd_opt(year, month, 28))
        .unwrap_or(NaiveDate::MIN);
    let time = NaiveTime::from_hms_micro_opt(
        u.int_in_range(0..=23)?,
        u.int_in_range(0..=59)?,
        u.int_in_range(0..=59)?,
        if u.arbitrary()? {
            0
        } else {
            u.int_in_range(0..=999_999)?
        },
    )
    .unwrap_or(NaiveTime::MIN);
    Ok(NaiveDateTime::new(date, time))
}

/// An offset of whole hours, of minutes, or of seconds, as Python's `isoformat` writes them.
pub(super) fn offset(u: &mut Unstructured<'_>) -> Result<FixedOffset> {
    let seconds = match u.int_in_range(0..=3)? {
        0 => 0,
        1 => u.int_in_range(-23..=23)? * 3600,
        2 => u.int_in_range(-1439..=1439)? * 60,
        _ => u.int_in_range(-86_399..=86_399)?,
    };
    FixedOffset::east_opt(seconds).ok_or(arbitrary::Error::IncorrectFormat)
}

/// An aware datetime, or `Null` when the local time has no instant in chrono's range.
fn aware_datetime(u: &mut Unstructured<'_>) -> Result<Value> {
    let naive = naive_datetime(u)?;
    let offset = offset(u)?;
    Ok(naive
        .and_local_timezone(offset)
        .single()
        .map_or(Value::Null, Value::DateTime))
}

/// A scalar inside a few lists or, less often (they are slow to fuzz), inside about as many
/// as [`JsonTranscoder::MAX_DEPTH`] allows, or a few more.
fn deep_list(u: &mut Unstructured<'_>) -> Result<Value> {
    let levels = if u.ratio(1, 4)? {
        u.int_in_range(JsonTranscoder::MAX_DEPTH - 4..=JsonTranscoder::MAX_DEPTH + 2)?
    } else {
        u.int_in_range(1..=8)?
    };
    let inner = if u.arbitrary()? {
        Value::Int(1)
    } else {
        Value::Uuid(Uuid::nil())
    };
    Ok((0..levels).fold(inner, |inner, _| Value::List(vec![inner])))
}

fn custom(u: &mut Unstructured<'_>, name: &str, depth: usize) -> Result<Value> {
    Ok(Value::Custom(Box::new(CustomValue {
        name: name.to_owned(),
        data: value(u, depth + 1)?,
    })))
}
