use std::fmt;

use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{AeadInOut, Generate, KeyInit};
use aes_gcm::aes::Aes192;
use aes_gcm::{Aes128Gcm, Aes256Gcm, AesGcm, Nonce, Tag, aead};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// Why state could not be encrypted or decrypted, or a key not used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CipherError {
    /// The key is not valid standard base64.
    #[error("cipher key is not valid base64: {reason}")]
    KeyEncoding {
        /// What the decoder said.
        reason: String,
    },
    /// The key does not have 16, 24 or 32 bytes.
    #[error("cipher key has {length} bytes; AES needs 16, 24 or 32")]
    KeyLength {
        /// Length of the decoded key.
        length: usize,
    },
    /// The stored bytes are shorter than nonce and tag.
    #[error("encrypted state has {length} bytes, fewer than the 28 of nonce and tag")]
    Truncated {
        /// Length of the stored bytes.
        length: usize,
    },
    /// Authentication failed: wrong key, or the bytes were changed.
    #[error("encrypted state failed authentication (wrong key or changed bytes)")]
    Authentication,
    /// Encryption failed.
    #[error("encryption failed: {reason}")]
    Encrypt {
        /// What the cipher said.
        reason: String,
    },
}

/// Encrypts stored state.
pub trait Cipher: Send + Sync + fmt::Debug {
    /// As `Any`, to find the concrete type (`downcast_ref::<AesCipher>()`).
    fn as_any(&self) -> &dyn std::any::Any;

    /// Encrypts plaintext.
    fn encrypt(&self, plaintext: &[u8]) -> Result<Vec<u8>, CipherError>;
    /// Decrypts ciphertext made by [`encrypt`](Self::encrypt) with the same key.
    fn decrypt(&self, ciphertext: &[u8]) -> Result<Vec<u8>, CipherError>;
}

/// Length of the random nonce at the start of the stored bytes.
const NONCE_LEN: usize = 12;
/// Length of the authentication tag after the nonce.
const TAG_LEN: usize = 16;
/// Nonce and tag: the shortest valid stored state (empty plaintext).
const HEADER_LEN: usize = NONCE_LEN + TAG_LEN;

type Aes192Gcm = AesGcm<Aes192, U12>;

/// The AES-GCM instance for the key's size.
#[derive(Clone)]
enum AesGcmKey {
    Aes128(Box<Aes128Gcm>),
    Aes192(Box<Aes192Gcm>),
    Aes256(Box<Aes256Gcm>),
}

impl AesGcmKey {
    fn bits(&self) -> usize {
        match self {
            AesGcmKey::Aes128(_) => 128,
            AesGcmKey::Aes192(_) => 192,
            AesGcmKey::Aes256(_) => 256,
        }
    }

    fn encrypt_in_place(&self, nonce: &Nonce<U12>, buffer: &mut [u8]) -> Result<Tag, aead::Error> {
        match self {
            AesGcmKey::Aes128(c) => c.encrypt_inout_detached(nonce, b"", buffer.into()),
            AesGcmKey::Aes192(c) => c.encrypt_inout_detached(nonce, b"", buffer.into()),
            AesGcmKey::Aes256(c) => c.encrypt_inout_detached(nonce, b"", buffer.into()),
        }
    }

    fn decrypt_in_place(
        &self,
        nonce: &Nonce<U12>,
        buffer: &mut [u8],
        tag: &Tag,
    ) -> Result<(), aead::Error> {
        match self {
            AesGcmKey::Aes128(c) => c.decrypt_inout_detached(nonce, b"", buffer.into(), tag),
            AesGcmKey::Aes192(c) => c.decrypt_inout_detached(nonce, b"", buffer.into(), tag),
            AesGcmKey::Aes256(c) => c.decrypt_inout_detached(nonce, b"", buffer.into(), tag),
        }
    }
}

/// AES-GCM as the Python original's `AESCipher`: stored bytes are nonce (12 random bytes) ‖ tag
/// (16 bytes) ‖ ciphertext, with no associated data.
///
/// The key size picks AES-128, AES-192 or AES-256. A new random nonce is drawn from the
/// operating system for every encryption. The key is never shown by `Debug`.
#[derive(Clone)]
pub struct AesCipher {
    key: AesGcmKey,
}

impl fmt::Debug for AesCipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AesCipher {{ key_bits: {}, .. }}", self.key.bits())
    }
}

fn key_length_error(length: usize) -> CipherError {
    CipherError::KeyLength { length }
}

impl AesCipher {
    /// A cipher with a key of 16, 24 or 32 bytes.
    pub fn new(key: &[u8]) -> Result<Self, CipherError> {
        let length = key.len();
        let invalid = |_| key_length_error(length);
        let key = match length {
            16 => AesGcmKey::Aes128(Box::new(Aes128Gcm::new_from_slice(key).map_err(invalid)?)),
            24 => AesGcmKey::Aes192(Box::new(Aes192Gcm::new_from_slice(key).map_err(invalid)?)),
            32 => AesGcmKey::Aes256(Box::new(Aes256Gcm::new_from_slice(key).map_err(invalid)?)),
            _ => return Err(key_length_error(length)),
        };
        Ok(Self { key })
    }

    /// A cipher with a standard-base64 key, as `CIPHER_KEY` holds it.
    pub fn from_base64_key(key: &str) -> Result<Self, CipherError> {
        // A trailing newline from an environment file is not part of the key.
        let bytes = STANDARD
            .decode(key.trim_ascii())
            .map_err(|e| CipherError::KeyEncoding {
                // Where, and of which kind, but never the key's characters.
                reason: match e {
                    base64::DecodeError::InvalidByte(offset, _) => {
                        format!("a character that is not base64 at offset {offset}")
                    }
                    base64::DecodeError::InvalidLength(length) => {
                        format!("{length} base64 characters is not a valid length")
                    }
                    base64::DecodeError::InvalidLastSymbol(offset, _) => {
                        format!("an invalid last character at offset {offset}")
                    }
                    base64::DecodeError::InvalidPadding => "invalid padding".to_owned(),
                },
            })?;
        Self::new(&bytes)
    }

    /// A new random key of `num_bytes` (16, 24 or 32), in standard base64.
    pub fn create_key(num_bytes: usize) -> Result<String, CipherError> {
        if !matches!(num_bytes, 16 | 24 | 32) {
            return Err(key_length_error(num_bytes));
        }
        let key = <[u8; 32]>::try_generate().map_err(|e| CipherError::Encrypt {
            reason: format!("no random bytes for a key: {e}"),
        })?;
        Ok(STANDARD.encode(&key[..num_bytes]))
    }
}

impl Cipher for AesCipher {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn encrypt(&self, plaintext: &[u8]) -> Result<Vec<u8>, CipherError> {
        let nonce = Nonce::<U12>::try_generate().map_err(|e| CipherError::Encrypt {
            reason: format!("no random bytes for a nonce: {e}"),
        })?;
        let mut out = Vec::with_capacity(HEADER_LEN + plaintext.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&[0; TAG_LEN]);
        out.extend_from_slice(plaintext);
        let (header, body) = out.split_at_mut(HEADER_LEN);
        let tag = self
            .key
            .encrypt_in_place(&nonce, body)
            .map_err(|e| CipherError::Encrypt {
                reason: e.to_string(),
            })?;
        header[NONCE_LEN..].copy_from_slice(&tag);
        Ok(out)
    }

    fn decrypt(&self, ciphertext: &[u8]) -> Result<Vec<u8>, CipherError> {
        let truncated = || CipherError::Truncated {
            length: ciphertext.len(),
        };
        let (nonce, rest) = ciphertext
            .split_at_checked(NONCE_LEN)
            .ok_or_else(truncated)?;
        let (tag, body) = rest.split_at_checked(TAG_LEN).ok_or_else(truncated)?;
        let nonce = Nonce::<U12>::try_from(nonce).map_err(|_| truncated())?;
        let tag = Tag::try_from(tag).map_err(|_| truncated())?;
        let mut plaintext = body.to_vec();
        self.key
            .decrypt_in_place(&nonce, &mut plaintext, &tag)
            .map_err(|_| CipherError::Authentication)?;
        Ok(plaintext)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(text: &str) -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn round_trips_with_every_key_size() {
        for size in [16, 24, 32] {
            let key = AesCipher::create_key(size).unwrap();
            assert_eq!(STANDARD.decode(&key).unwrap().len(), size);
            let cipher = AesCipher::from_base64_key(&key).unwrap();
            for plaintext in [&b""[..], b"x", b"{\"a\":1}", &[7u8; 1000]] {
                let stored = cipher.encrypt(plaintext).unwrap();
                assert_eq!(stored.len(), HEADER_LEN + plaintext.len());
                assert_eq!(cipher.decrypt(&stored).unwrap(), plaintext);
            }
        }
    }

    #[test]
    fn nonces_are_fresh_for_every_encryption() {
        let cipher = AesCipher::new(&[1; 32]).unwrap();
        let a = cipher.encrypt(b"same").unwrap();
        let b = cipher.encrypt(b"same").unwrap();
        assert_ne!(a[..NONCE_LEN], b[..NONCE_LEN]);
        assert_ne!(
            AesCipher::create_key(32).unwrap(),
            AesCipher::create_key(32).unwrap()
        );
    }

    #[test]
    fn tag_comes_before_the_ciphertext() {
        // NIST GCM test case 3 (AES-128, 96-bit IV, no associated data), laid out as the
        // Python original stores it: nonce ‖ tag ‖ ciphertext.
        let key = unhex("feffe9928665731c6d6a8f9467308308");
        let nonce = unhex("cafebabefacedbaddecaf888");
        let plaintext = unhex(
            "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
        );
        let ciphertext = unhex(
            "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985",
        );
        let tag = unhex("4d5c2af327cd64a62cf35abd2ba6fab4");
        let stored = [nonce, tag, ciphertext].concat();
        let cipher = AesCipher::new(&key).unwrap();
        assert_eq!(cipher.decrypt(&stored).unwrap(), plaintext);
    }

    #[test]
    fn wrong_key_and_changed_bytes_fail_authentication() {
        let cipher = AesCipher::new(&[1; 16]).unwrap();
        let stored = cipher.encrypt(b"secret state").unwrap();
        let other = AesCipher::new(&[2; 16]).unwrap();
        assert!(matches!(
            other.decrypt(&stored),
            Err(CipherError::Authentication)
        ));
        for i in 0..stored.len() {
            let mut changed = stored.clone();
            changed[i] ^= 0x80;
            assert!(
                matches!(cipher.decrypt(&changed), Err(CipherError::Authentication)),
                "byte {i}"
            );
        }
    }

    #[test]
    fn short_input_is_truncated() {
        let cipher = AesCipher::new(&[1; 24]).unwrap();
        for len in [0, 1, 12, 27] {
            assert!(matches!(
                cipher.decrypt(&vec![0; len]),
                Err(CipherError::Truncated { length }) if length == len
            ));
        }
        assert!(matches!(
            cipher.decrypt(&[0; 28]),
            Err(CipherError::Authentication)
        ));
    }

    #[test]
    fn bad_keys_are_rejected() {
        for len in [0, 15, 17, 31, 33, 64] {
            assert!(matches!(
                AesCipher::new(&vec![0; len]),
                Err(CipherError::KeyLength { length }) if length == len
            ));
        }
        assert!(matches!(
            AesCipher::create_key(20),
            Err(CipherError::KeyLength { length: 20 })
        ));
        assert!(matches!(
            AesCipher::from_base64_key("not base64!"),
            Err(CipherError::KeyEncoding { .. })
        ));
        // Standard base64 with padding only: no URL-safe alphabet, no missing padding.
        assert!(matches!(
            AesCipher::from_base64_key("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"),
            Err(CipherError::KeyEncoding { .. })
        ));
        assert!(matches!(
            AesCipher::from_base64_key("AAECAwQFBgcICQoLDA0O"),
            Err(CipherError::KeyLength { length: 15 })
        ));
        assert!(AesCipher::from_base64_key("AAECAwQFBgcICQoLDA0ODw==\n").is_ok());
    }

    #[test]
    fn debug_does_not_show_the_key() {
        let key = [0xAB; 32];
        let text = format!("{:?}", AesCipher::new(&key).unwrap());
        assert_eq!(text, "AesCipher { key_bits: 256, .. }");
    }
}
