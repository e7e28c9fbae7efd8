//! Keeping secrets out of what the library prints: `Debug` output, errors and log lines never
//! hold a key or a password.
//!
//! A setting is secret when its name ends in `_KEY`, `_PASSWORD`, `_SECRET` or `_TOKEN` (or is
//! one of those words), as `CIPHER_KEY` is; its value is shown as [`REDACTED`]. In any other
//! text, the password of a URL (`scheme://user:PASSWORD@host`) and a `password=` parameter of
//! one are replaced by `***`.
//!
//! ```
//! use eventsourcing_seaorm::redact::{redact_setting, redact_urls};
//!
//! assert_eq!(redact_setting("CIPHER_KEY", "AAEC"), "<redacted>");
//! assert_eq!(
//!     redact_urls("postgres://app:hunter2@db:5432/events?password=hunter2"),
//!     "postgres://app:***@db:5432/events?password=***"
//! );
//! ```

use std::borrow::Cow;

/// What a secret value is shown as.
pub const REDACTED: &str = "<redacted>";

/// What a password in a URL is shown as.
const HIDDEN: &str = "***";

/// Whether a setting of this name holds a secret.
pub fn is_secret_setting(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    ["KEY", "PASSWORD", "SECRET", "TOKEN"]
        .iter()
        .any(|word| upper == *word || upper.ends_with(&format!("_{word}")))
}

/// A setting's value as it may be shown: [`REDACTED`] for a secret setting, otherwise the value
/// with the passwords of any URLs in it hidden.
pub fn redact_setting<'v>(name: &str, value: &'v str) -> Cow<'v, str> {
    if is_secret_setting(name) {
        Cow::Borrowed(REDACTED)
    } else {
        redact_urls(value)
    }
}

/// `text` with the password of every URL in it (`scheme://user:PASSWORD@…`, and a `password=`
/// parameter) replaced by `***`.
pub fn redact_urls(text: &str) -> Cow<'_, str> {
    let userinfo = hidden_userinfo_passwords(text);
    let parameters = hidden_password_parameters(text);
    if userinfo.is_empty() && parameters.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut ranges: Vec<(usize, usize)> = userinfo.into_iter().chain(parameters).collect();
    ranges.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end) in ranges {
        if start < at {
            continue;
        }
        out.push_str(&text[at..start]);
        out.push_str(HIDDEN);
        at = end;
    }
    out.push_str(&text[at..]);
    Cow::Owned(out)
}

/// The byte ranges of the passwords in `scheme://user:password@` parts of `text`.
fn hidden_userinfo_passwords(text: &str) -> Vec<(usize, usize)> {
    let mut ranges = Vec::new();
    let mut from = 0;
    while let Some(found) = text[from..].find("://") {
        let authority = from + found + 3;
        // The authority ends at the first '/', '?', '#' or whitespace (or a quote around the
        // URL); its userinfo ends at the last '@' in it.
        let end = text[authority..]
            .find(|c: char| matches!(c, '/' | '?' | '#' | '\'' | '"' | '`') || c.is_whitespace())
            .map_or(text.len(), |i| authority + i);
        if let Some(at) = text[authority..end].rfind('@') {
            let userinfo = &text[authority..authority + at];
            if let Some(colon) = userinfo.find(':') {
                let start = authority + colon + 1;
                let stop = authority + at;
                if start < stop {
                    ranges.push((start, stop));
                }
            }
        }
        from = end.max(authority);
    }
    ranges
}

/// The byte ranges of the values of `password=` parameters in `text`.
fn hidden_password_parameters(text: &str) -> Vec<(usize, usize)> {
    let lower = text.to_ascii_lowercase();
    let mut ranges = Vec::new();
    let mut from = 0;
    while let Some(found) = lower[from..].find("password=") {
        let start = from + found + "password=".len();
        let preceded = from + found == 0
            || matches!(text.as_bytes()[from + found - 1], b'?' | b'&' | b';' | b' ');
        let end = text[start..]
            .find(|c: char| matches!(c, '&' | ';' | '#' | '\'' | '"' | '`') || c.is_whitespace())
            .map_or(text.len(), |i| start + i);
        if preceded && start < end {
            ranges.push((start, end));
        }
        from = end.max(start);
    }
    ranges
}

/// An error whose text held a password: the same text with it hidden.
#[derive(Debug)]
pub struct RedactedError(String);

impl std::fmt::Display for RedactedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RedactedError {}

/// `error` itself when neither its text nor its `Debug` shows a URL's password; otherwise a
/// [`RedactedError`] with its text, password hidden (SeaORM and sqlx quote a URL they cannot
/// parse, password and all).
pub fn redact_error<E>(error: E) -> Box<dyn std::error::Error + Send + Sync>
where
    E: std::error::Error + Send + Sync + 'static,
{
    let text = error.to_string();
    let shows_password = matches!(redact_urls(&text), Cow::Owned(_))
        || matches!(redact_urls(&format!("{error:?}")), Cow::Owned(_));
    if shows_password {
        Box::new(RedactedError(redact_urls(&text).into_owned()))
    } else {
        Box::new(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_settings_are_named_so() {
        for name in [
            "CIPHER_KEY",
            "WORLDS_CIPHER_KEY",
            "DB_PASSWORD",
            "api_secret",
            "TOKEN",
        ] {
            assert!(is_secret_setting(name), "{name}");
        }
        for name in ["CIPHER_TOPIC", "KEYS", "MONKEY", "DATABASE_URL"] {
            assert!(!is_secret_setting(name), "{name}");
        }
    }

    #[test]
    fn passwords_in_urls_are_hidden() {
        let cases = [
            ("postgres://u:pw@h/db", "postgres://u:***@h/db"),
            ("mysql://root@localhost/test", "mysql://root@localhost/test"),
            ("sqlite://events.sqlite3", "sqlite://events.sqlite3"),
            (
                "The connection string 'postgres://u:p@ss@h:99999/t' cannot be parsed.",
                "The connection string 'postgres://u:***@h:99999/t' cannot be parsed.",
            ),
            (
                "a postgres://u:x@h b mysql://v:y@i",
                "a postgres://u:***@h b mysql://v:***@i",
            ),
            (
                "postgres://h/db?user=u&password=pw&x=1",
                "postgres://h/db?user=u&password=***&x=1",
            ),
            ("no url here: x:y@z", "no url here: x:y@z"),
            ("postgres://u:@h/db", "postgres://u:@h/db"),
        ];
        for (text, shown) in cases {
            assert_eq!(redact_urls(text), shown, "{text}");
        }
    }
}
