use std::cell::Cell;
use std::fmt;
use std::thread::LocalKey;

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

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
    /// As `Any`, to find the concrete type (`downcast_ref::<ZlibCompressor>()`).
    fn as_any(&self) -> &dyn std::any::Any;

    /// Compresses bytes.
    fn compress(&self, data: &[u8]) -> Result<Vec<u8>, CompressorError>;
    /// Decompresses bytes made by [`compress`](Self::compress).
    fn decompress(&self, data: &[u8]) -> Result<Vec<u8>, CompressorError>;
}

/// zlib (RFC 1950) at level 6, exactly as Python's `zlib.compress` makes it.
///
/// Built on the system zlib (flate2's `zlib` feature) with zlib's defaults (window 15, memory
/// level 8, default strategy), so the bytes equal Python's and start `78 9c`.
///
/// Decompression is strict: the input must be exactly one complete zlib stream. A truncated
/// stream, a bad checksum or bytes after the end of the stream are [`CompressorError::Corrupt`].
/// (Python's `zlib.decompress` ignores bytes after the end; Python never writes any.)
#[derive(Debug, Clone, Copy, Default)]
pub struct ZlibCompressor;

/// Python's `zlib.compress` default level (`Z_DEFAULT_COMPRESSION` is level 6).
const LEVEL: u32 = 6;

fn corrupt(reason: impl Into<String>) -> CompressorError {
    CompressorError::Corrupt {
        format: "zlib",
        reason: reason.into(),
    }
}

impl Compressor for ZlibCompressor {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn compress(&self, data: &[u8]) -> Result<Vec<u8>, CompressorError> {
        // JSON state usually shrinks; header, checksum and stored-block overhead bound the rest.
        let mut out = Vec::with_capacity(data.len() / 2 + 64);
        with_encoder(|encoder| {
            run_to_end(data, &mut out, |input, out| {
                let status = encoder
                    .compress_vec(input, out, FlushCompress::Finish)
                    .map_err(|e| e.to_string())?;
                Ok((status, encoder.total_in()))
            })
        })
        .map_err(|reason| CompressorError::Compress {
            format: "zlib",
            reason,
        })?;
        Ok(out)
    }

    fn decompress(&self, data: &[u8]) -> Result<Vec<u8>, CompressorError> {
        let mut out = Vec::with_capacity(data.len().saturating_mul(4).max(64));
        let consumed = with_decoder(|decoder| {
            run_to_end(data, &mut out, |input, out| {
                let status = decoder
                    .decompress_vec(input, out, FlushDecompress::Finish)
                    .map_err(|e| e.to_string())?;
                Ok((status, decoder.total_in()))
            })
        })
        .map_err(corrupt)?;
        if consumed != data.len() {
            return Err(corrupt(format!(
                "{} bytes after the end of the stream",
                data.len().saturating_sub(consumed)
            )));
        }
        Ok(out)
    }
}

// A zlib deflate stream owns about 256 KiB of tables that a new stream allocates and clears,
// which costs far more than compressing one event's state. Each thread keeps one encoder and
// one decoder and resets them (the same as a new stream, byte for byte) for every call.
thread_local! {
    static ENCODER: Cell<Option<Compress>> = const { Cell::new(None) };
    static DECODER: Cell<Option<Decompress>> = const { Cell::new(None) };
}

fn with_encoder<R>(f: impl FnOnce(&mut Compress) -> R) -> R {
    with_reused(
        &ENCODER,
        || Compress::new(Compression::new(LEVEL), true),
        Compress::reset,
        f,
    )
}

fn with_decoder<R>(f: impl FnOnce(&mut Decompress) -> R) -> R {
    with_reused(&DECODER, || Decompress::new(true), |d| d.reset(true), f)
}

/// Runs `f` with the stream kept in `slot`, reset, or a new one if there is none (first use,
/// or a nested call); then keeps the stream for the next call.
fn with_reused<S: 'static, R>(
    slot: &'static LocalKey<Cell<Option<S>>>,
    make: impl FnOnce() -> S,
    reset: impl FnOnce(&mut S),
    f: impl FnOnce(&mut S) -> R,
) -> R {
    let mut stream = match slot.try_with(Cell::take) {
        Ok(Some(mut stream)) => {
            reset(&mut stream);
            stream
        }
        _ => make(),
    };
    let result = f(&mut stream);
    // Fails only while the thread is being torn down; the stream is then simply dropped.
    let _ = slot.try_with(|cell| cell.set(Some(stream)));
    result
}

/// Feeds `data` to a zlib stream `step` by step, growing `out` whenever it is full, until the
/// stream ends; returns how many bytes of `data` the stream used. Each step returns the status
/// and the stream's total input so far.
fn run_to_end(
    data: &[u8],
    out: &mut Vec<u8>,
    mut step: impl FnMut(&[u8], &mut Vec<u8>) -> Result<(Status, u64), String>,
) -> Result<usize, String> {
    let mut consumed = 0;
    loop {
        if out.len() == out.capacity() {
            out.reserve(out.capacity().max(64));
        }
        let written_before = out.len();
        let input = data.get(consumed..).unwrap_or_default();
        let (status, total_in) = step(input, out)?;
        let consumed_before = consumed;
        consumed = usize::try_from(total_in).unwrap_or(usize::MAX);
        if status == Status::StreamEnd {
            return Ok(consumed);
        }
        // Room to write, yet nothing read or written: the input ended before the stream did.
        if consumed == consumed_before && out.len() == written_before {
            return Err("incomplete or truncated stream".to_owned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn compresses_as_python_zlib_compress() {
        // python3 -c "import zlib; print(zlib.compress(b'hello').hex())"
        let compressed = ZlibCompressor.compress(b"hello").unwrap();
        assert_eq!(hex(&compressed), "789ccb48cdc9c90700062c0215");
        // zlib.compress(b'').hex()
        assert_eq!(
            hex(&ZlibCompressor.compress(b"").unwrap()),
            "789c030000000001"
        );
    }

    #[test]
    fn round_trips_small_and_large_inputs() {
        for data in [
            Vec::new(),
            b"x".to_vec(),
            (0..200_000u32).map(|i| (i % 251) as u8).collect::<Vec<_>>(),
            vec![b'a'; 1 << 20],
        ] {
            let compressed = ZlibCompressor.compress(&data).unwrap();
            assert_eq!(&compressed[..2], b"\x78\x9c");
            assert_eq!(ZlibCompressor.decompress(&compressed).unwrap(), data);
        }
    }

    #[test]
    fn truncated_stream_is_corrupt() {
        let compressed = ZlibCompressor.compress(b"hello hello hello").unwrap();
        for len in 0..compressed.len() {
            let err = ZlibCompressor.decompress(&compressed[..len]).unwrap_err();
            assert!(
                matches!(err, CompressorError::Corrupt { format: "zlib", .. }),
                "{len}: {err}"
            );
        }
    }

    #[test]
    fn trailing_bytes_are_corrupt() {
        let mut compressed = ZlibCompressor.compress(b"hello").unwrap();
        compressed.extend_from_slice(b"xx");
        let err = ZlibCompressor.decompress(&compressed).unwrap_err();
        assert!(err.to_string().contains("2 bytes after the end"), "{err}");
    }

    #[test]
    fn garbage_and_changed_bytes_are_corrupt() {
        assert!(matches!(
            ZlibCompressor.decompress(b"not zlib at all"),
            Err(CompressorError::Corrupt { .. })
        ));
        let compressed = ZlibCompressor.compress(b"hello world").unwrap();
        // The header check bits, the deflate data and the Adler-32 checksum.
        for i in [0, 1, 2, compressed.len() - 1] {
            let mut changed = compressed.clone();
            changed[i] ^= 0x01;
            assert!(
                matches!(
                    ZlibCompressor.decompress(&changed),
                    Err(CompressorError::Corrupt { .. })
                ),
                "byte {i}"
            );
        }
    }
}
