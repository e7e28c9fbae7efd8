use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::{
    Cipher, Compressor, JsonTranscoder, MapperError, MapperErrorKind, RowRef, StoredEvent,
};
use crate::domain::{DomainEvent, EventMeta, EventPayload, Map, Transcode, Value, ValueError};

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
}

impl Mapper {
    /// A mapper with this transcoder, no compression and no encryption.
    pub fn new(transcoder: JsonTranscoder) -> Self {
        Self {
            transcoder,
            ..Self::default()
        }
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
        let mut bytes = self.transcoder.encode(state)?;
        if let Some(compressor) = &self.compressor {
            bytes = compressor.compress(&bytes)?;
        }
        if let Some(cipher) = &self.cipher {
            bytes = cipher.encrypt(&bytes)?;
        }
        Ok(bytes)
    }

    /// Decrypt → decompress → JSON.
    pub fn decode_state(&self, bytes: &[u8]) -> Result<Map, MapperErrorKind> {
        self.decode_state_taking(bytes, []).map(|(map, [])| map)
    }

    /// [`decode_state`](Self::decode_state), taking the values of `keys` out of the state.
    fn decode_state_taking<const N: usize>(
        &self,
        bytes: &[u8],
        keys: [&str; N],
    ) -> Result<(Map, [Option<Value>; N]), MapperErrorKind> {
        let decrypted;
        let mut bytes = bytes;
        if let Some(cipher) = &self.cipher {
            decrypted = cipher.decrypt(bytes)?;
            bytes = &decrypted;
        }
        let decompressed;
        if let Some(compressor) = &self.compressor {
            decompressed = compressor.decompress(bytes)?;
            bytes = &decompressed;
        }
        Ok(self.transcoder.decode_taking(bytes, keys)?)
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
        let decode = || -> Result<(DateTime<Utc>, P), MapperErrorKind> {
            // As `take("timestamp")` and `remove("class_version")` on the decoded state.
            let (state, [timestamp, class_version]) =
                self.decode_state_taking(&stored.state, ["timestamp", "class_version"])?;
            let timestamp = timestamp
                .ok_or_else(|| ValueError::MissingKey {
                    key: "timestamp".to_owned(),
                })
                .and_then(DateTime::<Utc>::from_value)
                .map_err(|e| e.at_key("timestamp"))?;
            let class_version = match class_version {
                None => 1,
                Some(v) => u32::from_value(v).map_err(|e: ValueError| e.at_key("class_version"))?,
            };
            Ok((timestamp, P::decode(&stored.topic, class_version, state)?))
        };
        let meta_at = |timestamp| EventMeta {
            originator_id: stored.originator_id,
            originator_version: stored.originator_version,
            timestamp,
        };
        match decode() {
            Ok((timestamp, payload)) => Ok(DomainEvent::new(meta_at(timestamp), payload)),
            Err(kind) => {
                Err(self.error(&meta_at(DateTime::<Utc>::UNIX_EPOCH), &stored.topic, kind))
            }
        }
    }
}
