//! Application settings: where they come from and how they are read.

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use super::ApplicationError;
use crate::redact::redact_setting;

/// Keys the application reads, as in the Python original.
pub mod keys {
    /// Which infrastructure to use: `eventsourcing.popo` (memory) or the SeaORM factory
    /// (`eventsourcing_seaorm`, `eventsourcing_django`). Unset: SeaORM when a database is named
    /// (`DATABASE_URL` or a connection given in code), else memory; memory while a database is
    /// named is an error.
    pub const PERSISTENCE_MODULE: &str = "PERSISTENCE_MODULE";
    /// Older spelling of [`PERSISTENCE_MODULE`].
    pub const INFRASTRUCTURE_FACTORY: &str = "INFRASTRUCTURE_FACTORY";
    /// Older spelling of [`PERSISTENCE_MODULE`].
    pub const FACTORY_TOPIC: &str = "FACTORY_TOPIC";
    /// Compressor: `zlib` or `eventsourcing.compressor:ZlibCompressor`.
    pub const COMPRESSOR_TOPIC: &str = "COMPRESSOR_TOPIC";
    /// Cipher: `eventsourcing.cipher:AESCipher` (the default when a key is set).
    pub const CIPHER_TOPIC: &str = "CIPHER_TOPIC";
    /// Base64 AES key of 16, 24 or 32 bytes.
    pub const CIPHER_KEY: &str = "CIPHER_KEY";
    /// Whether snapshots are stored (`y`/`n`…).
    pub const IS_SNAPSHOTTING_ENABLED: &str = "IS_SNAPSHOTTING_ENABLED";
    /// Maximum number of aggregates the repository caches (0 for no limit; unset for no cache).
    pub const AGGREGATE_CACHE_MAXSIZE: &str = "AGGREGATE_CACHE_MAXSIZE";
    /// Whether cached aggregates are brought up to date from the store on each get (default `y`).
    pub const AGGREGATE_CACHE_FASTFORWARD: &str = "AGGREGATE_CACHE_FASTFORWARD";
    /// Whether the SeaORM recorders create their tables when missing.
    pub const CREATE_TABLE: &str = "CREATE_TABLE";
    /// Database URL for the SeaORM factory.
    pub const DATABASE_URL: &str = "DATABASE_URL";
    /// Name of the connection (given in code) the SeaORM factory uses (`default` when unset).
    pub const DJANGO_DB_ALIAS: &str = "DJANGO_DB_ALIAS";
    /// Seconds to wait for the server of `DATABASE_URL` to answer a first connection (default
    /// 5); a refused connection fails at once.
    pub const CONNECT_TIMEOUT: &str = "CONNECT_TIMEOUT";
    /// Most saves of the application's SeaORM store that wait in its write queue or are being
    /// recorded at once (default 1024, `seaorm::WRITE_QUEUE_LIMIT`); further saves wait for
    /// room. A positive integer.
    pub const WRITE_QUEUE_LIMIT: &str = "WRITE_QUEUE_LIMIT";
    /// How many times a command ([`Application::execute`](crate::application::Application::execute),
    /// a unit of work) is tried in all when it meets a version conflict (default 10). A
    /// positive integer; `1` never tries again.
    pub const COMMAND_ATTEMPTS: &str = "COMMAND_ATTEMPTS";
}

/// An application's settings.
///
/// Values come from three places; the later wins: the application's defaults, the process
/// environment, the values given in code (the Python `env` argument). Each key is looked up
/// first as `<APPLICATION NAME UPPERCASED>_<KEY>`, then as `<KEY>`.
///
/// ```
/// use eventsourcing_seaorm::application::Settings;
///
/// let settings = Settings::from_sources(
///     "Worlds",
///     [("IS_SNAPSHOTTING_ENABLED", "n")],          // defaults
///     [("WORLDS_IS_SNAPSHOTTING_ENABLED", "yes")], // environment
///     [("COMPRESSOR_TOPIC", "zlib")],              // given in code
/// );
/// assert!(settings.get_bool("IS_SNAPSHOTTING_ENABLED", false).unwrap());
/// assert_eq!(settings.get("COMPRESSOR_TOPIC"), Some("zlib"));
/// ```
///
/// Its `Debug` shows secret settings (`CIPHER_KEY`, any `…_PASSWORD`) as `<redacted>` and URLs
/// without their passwords ([`redact`](crate::redact)).
#[derive(Clone, Default)]
pub struct Settings {
    application_name: String,
    values: HashMap<String, String>,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut values: Vec<(&String, &String)> = self.values.iter().collect();
        values.sort_unstable();
        f.debug_struct("Settings")
            .field("application_name", &self.application_name)
            .field("values", &RedactedPairs(&values))
            .finish()
    }
}

/// Settings as `Debug` shows them: secrets redacted.
pub(crate) struct RedactedPairs<'a, K, V>(pub(crate) &'a [(K, V)]);

impl<K: AsRef<str>, V: AsRef<str>> fmt::Debug for RedactedPairs<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.iter().map(|(key, value)| {
                let key = key.as_ref();
                (key, redact_setting(key, value.as_ref()))
            }))
            .finish()
    }
}

fn owned<K: Into<String>, V: Into<String>>(
    pairs: impl IntoIterator<Item = (K, V)>,
) -> impl Iterator<Item = (String, String)> {
    pairs.into_iter().map(|(k, v)| (k.into(), v.into()))
}

impl Settings {
    /// Settings from defaults, an environment and values given in code (later wins).
    pub fn from_sources<K1, V1, K2, V2, K3, V3>(
        application_name: impl Into<String>,
        defaults: impl IntoIterator<Item = (K1, V1)>,
        environment: impl IntoIterator<Item = (K2, V2)>,
        given: impl IntoIterator<Item = (K3, V3)>,
    ) -> Self
    where
        K1: Into<String>,
        V1: Into<String>,
        K2: Into<String>,
        V2: Into<String>,
        K3: Into<String>,
        V3: Into<String>,
    {
        let mut values: HashMap<String, String> = owned(defaults).collect();
        values.extend(owned(environment));
        values.extend(owned(given));
        Self {
            application_name: application_name.into(),
            values,
        }
    }

    /// The same settings as seen by another application: its keys are looked up under its own
    /// name first (`<NAME>_CIPHER_KEY`, then `CIPHER_KEY`). A follower reads a leader's events
    /// with a mapper made from these, as the Python original's followers do.
    pub fn for_application(&self, application_name: impl Into<String>) -> Self {
        Self {
            application_name: application_name.into(),
            values: self.values.clone(),
        }
    }

    /// The application's name.
    pub fn application_name(&self) -> &str {
        &self.application_name
    }

    /// The keys `key` is looked up as, in order.
    pub fn lookup_keys(&self, key: &str) -> Vec<String> {
        let mut keys = Vec::with_capacity(2);
        if !self.application_name.is_empty() {
            keys.push(format!("{}_{key}", self.application_name.to_uppercase()));
        }
        keys.push(key.to_owned());
        keys
    }

    /// The value of `key` and the key it was found under.
    pub fn find(&self, key: &str) -> Option<(String, &str)> {
        self.lookup_keys(key)
            .into_iter()
            .find_map(|k| self.values.get(&k).map(|v| (k, v.as_str())))
    }

    /// Like [`find`](Self::find), treating an empty value as unset at each key looked up (as
    /// the Python original does for most keys).
    pub fn find_non_empty(&self, key: &str) -> Option<(String, &str)> {
        self.lookup_keys(key).into_iter().find_map(|k| {
            let value = self.values.get(&k)?;
            (!value.is_empty()).then_some((k, value.as_str()))
        })
    }

    /// The value of `key`, if set.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.find(key).map(|(_, v)| v)
    }

    /// The value of `key` if set and not empty (the Python original treats empty values as
    /// unset for most keys).
    pub fn get_non_empty(&self, key: &str) -> Option<&str> {
        self.get(key).filter(|v| !v.is_empty())
    }

    /// A boolean setting: `y yes t true on 1` or `n no f false off 0` (any case); `default` when
    /// unset or empty; anything else is an error naming the key.
    ///
    /// Every typed getter treats an empty value as unset, at each key it looks up (an empty
    /// `<APP>_KEY` falls back to `KEY`), as [`find_non_empty`](Self::find_non_empty) does.
    pub fn get_bool(&self, key: &str, default: bool) -> Result<bool, ApplicationError> {
        let Some((found_key, value)) = self.find_non_empty(key) else {
            return Ok(default);
        };
        match value.to_ascii_lowercase().as_str() {
            "y" | "yes" | "t" | "true" | "on" | "1" => Ok(true),
            "n" | "no" | "f" | "false" | "off" | "0" => Ok(false),
            _ => Err(ApplicationError::setting(
                found_key,
                value,
                "expected one of y, yes, t, true, on, 1, n, no, f, false, off, 0",
            )),
        }
    }

    /// An integer setting, `None` when unset or empty.
    pub fn get_i64(&self, key: &str) -> Result<Option<i64>, ApplicationError> {
        match self.find_non_empty(key) {
            None => Ok(None),
            Some((found_key, value)) => value.trim().parse().map(Some).map_err(|e| {
                ApplicationError::setting(found_key, value, format!("expected an integer ({e})"))
            }),
        }
    }

    /// A duration in seconds (`5`, `0.5`), `None` when unset or empty; zero, negative and
    /// other values are an error naming the key.
    pub fn get_seconds(&self, key: &str) -> Result<Option<Duration>, ApplicationError> {
        let Some((found_key, value)) = self.find_non_empty(key) else {
            return Ok(None);
        };
        match value.trim().parse::<f64>() {
            Ok(seconds) if seconds.is_finite() && seconds > 0.0 && seconds < 1e9 => {
                Ok(Some(Duration::from_secs_f64(seconds)))
            }
            _ => Err(ApplicationError::setting(
                found_key,
                value,
                "expected a number of seconds above 0",
            )),
        }
    }

    /// A non-negative integer setting, `None` when unset or empty.
    pub fn get_u64(&self, key: &str) -> Result<Option<u64>, ApplicationError> {
        match self.find_non_empty(key) {
            None => Ok(None),
            Some((found_key, value)) => value.trim().parse().map(Some).map_err(|e| {
                ApplicationError::setting(
                    found_key,
                    value,
                    format!("expected a non-negative integer ({e})"),
                )
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(env: &[(&str, &str)], given: &[(&str, &str)]) -> Settings {
        Settings::from_sources(
            "Worlds",
            [("IS_SNAPSHOTTING_ENABLED", "y"), ("A", "default")],
            env.iter().copied(),
            given.iter().copied(),
        )
    }

    #[test]
    fn given_beats_environment_beats_defaults() {
        assert_eq!(settings(&[], &[]).get("A"), Some("default"));
        assert_eq!(settings(&[("A", "env")], &[]).get("A"), Some("env"));
        assert_eq!(
            settings(&[("A", "env")], &[("A", "given")]).get("A"),
            Some("given")
        );
    }

    #[test]
    fn prefixed_key_is_looked_up_first() {
        let s = settings(&[("WORLDS_A", "prefixed")], &[("A", "given")]);
        assert_eq!(s.get("A"), Some("prefixed"));
        assert_eq!(s.find("A").unwrap().0, "WORLDS_A");
    }

    #[test]
    fn booleans_follow_strtobool_and_errors_name_the_key() {
        for yes in ["y", "YES", "t", "True", "on", "1"] {
            assert!(settings(&[], &[("B", yes)]).get_bool("B", false).unwrap());
        }
        for no in ["n", "No", "f", "FALSE", "off", "0"] {
            assert!(!settings(&[], &[("B", no)]).get_bool("B", true).unwrap());
        }
        let err = settings(&[("WORLDS_B", "maybe")], &[])
            .get_bool("B", true)
            .unwrap_err();
        assert!(err.to_string().contains("WORLDS_B"), "{err}");
        assert!(settings(&[], &[]).get_bool("B", true).unwrap());
    }

    #[test]
    fn integers_name_the_key_when_bad() {
        assert_eq!(
            settings(&[], &[("N", "12")]).get_u64("N").unwrap(),
            Some(12)
        );
        assert_eq!(settings(&[], &[("N", "")]).get_u64("N").unwrap(), None);
        let err = settings(&[], &[("N", "-1")]).get_u64("N").unwrap_err();
        assert!(err.to_string().contains("setting N"), "{err}");
    }

    /// An empty value is unset for every typed getter, at each key looked up: the default
    /// applies, or the plain key's value when the application's own key is empty.
    #[test]
    fn empty_values_are_unset() {
        let s = settings(&[("IS_SNAPSHOTTING_ENABLED", "")], &[("B", ""), ("N", "")]);
        assert!(s.get_bool("B", true).unwrap());
        assert!(!s.get_bool("B", false).unwrap());
        assert_eq!(s.get_i64("N").unwrap(), None);
        assert_eq!(s.get_u64("N").unwrap(), None);
        // The default `y` is replaced by the environment's empty value, which is unset.
        assert!(!s.get_bool("IS_SNAPSHOTTING_ENABLED", false).unwrap());
        let s = settings(
            &[("WORLDS_B", ""), ("WORLDS_N", "")],
            &[("B", "yes"), ("N", "7")],
        );
        assert!(s.get_bool("B", false).unwrap());
        assert_eq!(s.get_i64("N").unwrap(), Some(7));
        assert_eq!(s.find_non_empty("B").unwrap().0, "B");
    }

    #[test]
    fn durations_are_seconds() {
        let s = settings(&[], &[("T", "2.5"), ("Z", "0"), ("X", "soon")]);
        assert_eq!(
            s.get_seconds("T").unwrap(),
            Some(Duration::from_millis(2500))
        );
        assert_eq!(s.get_seconds("U").unwrap(), None);
        assert!(
            s.get_seconds("Z")
                .unwrap_err()
                .to_string()
                .contains("setting Z")
        );
        assert!(s.get_seconds("X").is_err());
    }
}
