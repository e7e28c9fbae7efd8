use std::fmt;

/// Why state could not be compressed or decompressed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CompressorError {
    /// The stored bytes are not a valid stream of this compressor.
    #[error("state is not a valid {format} stream: {reason}")]
    Corrupt {
        /// The format (`zlib`).
        format: &'static str,
        /// What the decoder said.
        reason: String,
    },
    /// Compression failed.
    #[error("{format} compression failed: {reason}")]
    Compress {
        /// The format (`zlib`).
        format: &'static str,
        /// What the encoder said.
        reason: String,
    },
}

/// Compresses stored state.
pub trait Compressor: Send + Sync + fmt::Debug {
    /// Compresses bytes.
    fn compress(&self, data: &[u8]) -> Result<Vec<u8>, CompressorError>;
    /// Decompresses bytes made by [`compress`](Self::compress).
    fn decompress(&self, data: &[u8]) -> Result<Vec<u8>, CompressorError>;
}

/// zlib (RFC 1950) at level 6, exactly as Python's `zlib.compress` makes it.
#[derive(Debug, Clone, Copy, Default)]
pub struct ZlibCompressor;

impl Compressor for ZlibCompressor {
    fn compress(&self, data: &[u8]) -> Result<Vec<u8>, CompressorError> {
        let _ = data;
        todo!("zlib")
    }

    fn decompress(&self, data: &[u8]) -> Result<Vec<u8>, CompressorError> {
        let _ = data;
        todo!("zlib")
    }
}
