use std::borrow::Cow;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset};

use super::{
    Cipher, Compressor, JsonTranscoder, MapperError, MapperErrorKind, RowRef, StoredEvent,
    StoredEventRef,
};
use crate::domain::topic::TopicAliases;
use crate::domain::{
    DomainEvent, EventMeta, EventPayload, Map, SNAPSHOT_TOPIC, Transcode, Value, ValueError,
};

/// Converts domain events to stored events and back.
///
/// Writing: the event's state as JSON ([`JsonTranscoder`]), then compressed if a compressor is
/// set, then encrypted if a cipher is set. Reading reverses the order. This is the Python
/// original's `Mapper`, byte for byte.
#[derive(Debug, Clone, Default)]
pub struct Mapper {
    transcoder: JsonTranscoder,
    compressor: Option<Arc<dyn Compressor>>,
    cipher: Option<Arc<dyn Cipher>>,
    application_name: String,
    /// Old topics of stored events (and of the aggregates in snapshots) and what they name now.
    aliases: TopicAliases,
}

impl Mapper {
    /// A mapper with this transcoder, no compression and no encryption.
    pub fn new(transcoder: JsonTranscoder) -> Self {
        Self {
            transcoder,
            ..Self::default()
        }
    }

    /// Reads stored topics through `aliases`: events and snapshots stored under topics of
    /// classes since moved or renamed load as the classes' current topics (the Python
    /// original's `register_topic`). What is written keeps the current topics.
    pub fn with_topic_aliases(mut self, aliases: TopicAliases) -> Self {
        self.aliases = aliases;
        self
    }

    /// The topic aliases it reads stored topics through.
    pub fn topic_aliases(&self) -> &TopicAliases {
        &self.aliases
    }

    /// The topic a stored topic names now ([`with_topic_aliases`](Self::with_topic_aliases)).
    pub fn resolve_topic<'t>(&self, topic: &'t str) -> Cow<'t, str> {
        self.aliases.resolve(topic)
    }

    /// Compresses stored state with `compressor`.
    pub fn with_compressor(mut self, compressor: Arc<dyn Compressor>) -> Self {
        self.compressor = Some(compressor);
        self
    }

    /// Encrypts stored state with `cipher`.
    pub fn with_cipher(mut self, cipher: Arc<dyn Cipher>) -> Self {
        self.cipher = Some(cipher);
        self
    }

    /// Names the application in errors.
    pub fn with_application_name(mut self, name: impl Into<String>) -> Self {
        self.application_name = name.into();
        self
    }

    /// The JSON transcoder.
    pub fn transcoder(&self) -> &JsonTranscoder {
        &self.transcoder
    }

    /// The JSON transcoder, to register custom transcodings.
    pub fn transcoder_mut(&mut self) -> &mut JsonTranscoder {
        &mut self.transcoder
    }

    /// The compressor, if any.
    pub fn compressor(&self) -> Option<&dyn Compressor> {
        self.compressor.as_deref()
    }

    /// The cipher, if any.
    pub fn cipher(&self) -> Option<&dyn Cipher> {
        self.cipher.as_deref()
    }

    /// JSON → compress → encrypt.
    pub fn encode_state(&self, state: &Map) -> Result<Vec<u8>, MapperErrorKind> {
        self.seal_state(self.transcoder.encode(state)?)
    }

    /// Decrypt → decompress → JSON.
    pub fn decode_state(&self, bytes: &[u8]) -> Result<Map, MapperErrorKind> {
        let json = self.plain_state(bytes)?;
        Ok(self.transcoder.decode(&json)?)
    }

    /// The stored bytes of state given as JSON bytes: compressed, then encrypted (as the
    /// settings ask). With [`plain_state`](Self::plain_state), moves stored state from one
    /// mapper's settings to another's without reading the JSON (a store's re-keying).
    pub fn seal_state(&self, json: Vec<u8>) -> Result<Vec<u8>, MapperErrorKind> {
        let mut bytes = json;
        if let Some(compressor) = &self.compressor {
            bytes = compressor.compress(&bytes)?;
        }
        if let Some(cipher) = &self.cipher {
            bytes = cipher.encrypt(&bytes)?;
        }
        Ok(bytes)
    }

    /// The JSON bytes of stored state: decrypted, then decompressed (borrowed when neither is
    /// set).
    pub fn plain_state<'b>(&self, bytes: &'b [u8]) -> Result<Cow<'b, [u8]>, MapperErrorKind> {
        let mut bytes = Cow::Borrowed(bytes);
        if let Some(cipher) = &self.cipher {
            bytes = Cow::Owned(cipher.decrypt(&bytes)?);
        }
        if let Some(compressor) = &self.compressor {
            bytes = Cow::Owned(compressor.decompress(&bytes)?);
        }
        Ok(bytes)
    }

    /// The fast path of [`to_domain_event`](Self::to_domain_event): the payload read key by key
    /// ([`EventPayload::decode_fields`]), kept only when the whole state was read, it has a
    /// valid timestamp, and it was written at the payload's current class version. `None`
    /// sends the caller to the `Map` path, which reads the same bytes again.
    fn decode_fields<P: EventPayload>(
        &self,
        topic: &str,
        json: &[u8],
    ) -> Option<(DateTime<FixedOffset>, P)> {
        let mut fields = self.transcoder.fields(json)?;
        let payload = P::decode_fields(topic, &mut fields)?;
        let (timestamp, class_version) = fields.finish()?;
        let (timestamp, class_version) = timestamp_and_version(timestamp, class_version).ok()?;
        (class_version == payload.class_version()).then_some((timestamp, payload))
    }

    fn error(&self, meta: &EventMeta, topic: &str, kind: MapperErrorKind) -> MapperError {
        MapperError {
            row: Box::new(RowRef {
                application_name: self.application_name.clone(),
                originator_id: meta.originator_id,
                originator_version: meta.originator_version,
                topic: topic.to_owned(),
            }),
            kind: Box::new(kind),
        }
    }

    /// Converts a domain event into the row that stores it.
    pub fn to_stored_event<P: EventPayload>(
        &self,
        event: &DomainEvent<P>,
    ) -> Result<StoredEvent, MapperError> {
        let topic = event.payload.topic();
        let encode = || -> Result<Vec<u8>, MapperErrorKind> {
            let mut state = Map::with_capacity(6);
            state.insert("timestamp", event.timestamp);
            event.payload.encode(&mut state)?;
            let class_version = event.payload.class_version();
            if class_version > 1 {
                state.insert("class_version", i64::from(class_version));
            }
            self.encode_state(&state)
        };
        match encode() {
            Ok(state) => Ok(StoredEvent {
                originator_id: event.originator_id,
                originator_version: event.originator_version,
                topic: topic.to_owned(),
                state,
            }),
            Err(kind) => Err(self.error(&event.meta(), topic, kind)),
        }
    }

    /// Converts a stored row back into a domain event, upcasting older class versions.
    pub fn to_domain_event<P: EventPayload>(
        &self,
        stored: &StoredEvent,
    ) -> Result<DomainEvent<P>, MapperError> {
        self.decode_event(stored.as_event_ref())
    }

    /// [`to_domain_event`](Self::to_domain_event) of a borrowed row.
    pub fn decode_event<P: EventPayload>(
        &self,
        stored: StoredEventRef<'_>,
    ) -> Result<DomainEvent<P>, MapperError> {
        let decode = || -> Result<(DateTime<FixedOffset>, P), MapperErrorKind> {
            let json = self.plain_state(stored.state)?;
            let topic = self.aliases.resolve(stored.topic);
            // A snapshot's aggregate topic is in its state: renamed, it takes the `Map` path.
            let snapshot_renamed = !self.aliases.is_empty() && topic == SNAPSHOT_TOPIC;
            if !snapshot_renamed && let Some(decoded) = self.decode_fields(&topic, &json) {
                return Ok(decoded);
            }
            // As `take("timestamp")` and `remove("class_version")` on the decoded state.
            let (mut state, [timestamp, class_version]) = self
                .transcoder
                .decode_taking(&json, ["timestamp", "class_version"])?;
            if snapshot_renamed
                && let Some(Value::String(aggregate)) = state.get("topic")
                && let Cow::Owned(now) = self.aliases.resolve(aggregate)
            {
                state.insert("topic", now);
            }
            let (timestamp, class_version) = timestamp_and_version(timestamp, class_version)?;
            Ok((timestamp, P::decode(&topic, class_version, state)?))
        };
        let meta_at = |timestamp| EventMeta {
            originator_id: stored.originator_id,
            originator_version: stored.originator_version,
            timestamp,
        };
        match decode() {
            Ok((timestamp, payload)) => Ok(DomainEvent::new(meta_at(timestamp), payload)),
            Err(kind) => Err(self.error(
                &meta_at(DateTime::<chrono::Utc>::UNIX_EPOCH.fixed_offset()),
                stored.topic,
                kind,
            )),
        }
    }
}

/// An event's `timestamp` and `class_version` (1 when it has none), from the values taken out
/// of its stored state.
fn timestamp_and_version(
    timestamp: Option<Value>,
    class_version: Option<Value>,
) -> Result<(DateTime<FixedOffset>, u32), ValueError> {
    let timestamp = timestamp
        .ok_or_else(|| ValueError::MissingKey {
            key: "timestamp".to_owned(),
        })
        .and_then(DateTime::<FixedOffset>::from_value)
        .map_err(|e| e.at_key("timestamp"))?;
    let class_version = match class_version {
        None => 1,
        Some(v) => u32::from_value(v).map_err(|e| e.at_key("class_version"))?,
    };
    Ok((timestamp, class_version))
}
