//! The zlib and AES-GCM path of stored state: any bytes decompress or decrypt to an error, not
//! a panic; what is compressed and encrypted comes back the same; state that the mapper reads
//! through zlib (and AES) stores and reads again the same.

use std::sync::{Arc, LazyLock};

use eventsourcing_seaorm::domain::{SNAPSHOT_TOPIC, SnapshotState};
use eventsourcing_seaorm::persistence::{AesCipher, Cipher, Compressor, Mapper, ZlibCompressor};

use super::compare::same_map;
use super::{events, transcoder};

/// The fixtures' AES-256 key (`cipher_key_hex` in `fixtures/python/django_zlib_aes.json`), so
/// that their stored states decrypt.
const KEY: [u8; 32] = [
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
    0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
];

fn cipher() -> Arc<dyn Cipher> {
    static CIPHER: LazyLock<Arc<dyn Cipher>> = LazyLock::new(|| {
        Arc::new(AesCipher::new(&KEY).unwrap_or_else(|e| panic!("the fixtures' key: {e}")))
    });
    CIPHER.clone()
}

/// The mappers of the `django_zlib` and `django_zlib_aes` fixtures.
fn mappers() -> &'static [Mapper; 2] {
    static MAPPERS: LazyLock<[Mapper; 2]> = LazyLock::new(|| {
        let zlib = Mapper::new(transcoder().clone()).with_compressor(Arc::new(ZlibCompressor));
        [zlib.clone(), zlib.with_cipher(cipher())]
    });
    &MAPPERS
}

/// The input as stored bytes (zlib, then AES-GCM with the fixtures' key), and as plain bytes to
/// compress and encrypt.
pub fn zlib_aes(data: &[u8]) {
    let (compressor, cipher) = (ZlibCompressor, cipher());
    if let Ok(plain) = compressor.decompress(data) {
        let compressed = compressor
            .compress(&plain)
            .expect("compressing never fails");
        assert_eq!(compressor.decompress(&compressed).ok(), Some(plain));
    }
    if let Ok(plain) = cipher.decrypt(data) {
        let encrypted = cipher.encrypt(&plain).expect("encrypting never fails");
        assert_eq!(cipher.decrypt(&encrypted).ok(), Some(plain));
    }
    let compressed = compressor.compress(data).expect("compressing never fails");
    let stored = cipher.encrypt(&compressed).expect("encrypting never fails");
    let decrypted = cipher
        .decrypt(&stored)
        .expect("what was encrypted decrypts");
    assert_eq!(decrypted, compressed);
    assert_eq!(
        compressor.decompress(&decrypted).ok().as_deref(),
        Some(data)
    );

    for mapper in mappers() {
        if let Ok(state) = mapper.decode_state(data) {
            let stored = mapper
                .encode_state(&state)
                .unwrap_or_else(|e| panic!("{state:?} was read but cannot be stored: {e}"));
            let read_again = mapper
                .decode_state(&stored)
                .unwrap_or_else(|e| panic!("{state:?} was stored but cannot be read: {e}"));
            assert!(
                same_map(&read_again, &state),
                "{state:?} came back as {read_again:?}"
            );
            events::stores_again::<SnapshotState>(mapper, SNAPSHOT_TOPIC, data);
        }
    }
}
