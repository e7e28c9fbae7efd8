use std::fmt;

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
    /// Encrypts plaintext.
    fn encrypt(&self, plaintext: &[u8]) -> Result<Vec<u8>, CipherError>;
    /// Decrypts ciphertext made by [`encrypt`](Self::encrypt) with the same key.
    fn decrypt(&self, ciphertext: &[u8]) -> Result<Vec<u8>, CipherError>;
}

/// AES-GCM as the Python original's `AESCipher`: stored bytes are nonce (12 random bytes) ‖ tag
/// (16 bytes) ‖ ciphertext, with no associated data.
pub struct AesCipher {
    _private: (),
}

impl fmt::Debug for AesCipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AesCipher { .. }")
    }
}

impl AesCipher {
    /// A cipher with a key of 16, 24 or 32 bytes.
    pub fn new(key: &[u8]) -> Result<Self, CipherError> {
        let _ = key;
        todo!("aes")
    }

    /// A cipher with a standard-base64 key, as `CIPHER_KEY` holds it.
    pub fn from_base64_key(key: &str) -> Result<Self, CipherError> {
        let _ = key;
        todo!("aes")
    }

    /// A new random key of `num_bytes` (16, 24 or 32), in standard base64.
    pub fn create_key(num_bytes: usize) -> Result<String, CipherError> {
        let _ = num_bytes;
        todo!("aes")
    }
}

impl Cipher for AesCipher {
    fn encrypt(&self, plaintext: &[u8]) -> Result<Vec<u8>, CipherError> {
        let _ = plaintext;
        todo!("aes")
    }

    fn decrypt(&self, ciphertext: &[u8]) -> Result<Vec<u8>, CipherError> {
        let _ = ciphertext;
        todo!("aes")
    }
}
