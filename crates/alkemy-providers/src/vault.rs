//! The vault: provider keys encrypted at rest with AES-256-GCM.
//!
//! - The master key (32 random bytes) lives outside the data it protects: in
//!   `ALKEMY_MASTER_KEY` (base64) or in a key file readable by its owner only
//!   (mode 0600), created on first use.
//! - Every seal draws a fresh random 96-bit nonce.
//! - The associated data binds a ciphertext to its name (`alkemy-vault/v1\0`
//!   + name), so a ciphertext copied under another name does not open.
//!
//! [`seal`] and [`open`] are the reusable core (the store keeps `Sealed`
//! values in its provider-keys table); [`FileKeyring`] is the CLI's keyring,
//! a JSON file of sealed entries written atomically with mode 0600.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::atomic;

/// Environment variable holding the master key (base64 of 32 bytes).
pub const MASTER_KEY_ENV: &str = "ALKEMY_MASTER_KEY";

const AAD_PREFIX: &[u8] = b"alkemy-vault/v1\0";
const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// A vault failure.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// The ciphertext does not open with this key and name: wrong master key,
    /// tampered data, or a ciphertext moved to another name.
    #[error("cannot decrypt {name:?}: wrong master key, or the data was altered")]
    Decrypt {
        /// The entry's name.
        name: String,
    },
    /// The master key is not 32 bytes of base64.
    #[error("{origin}: master key must be 32 bytes, base64-encoded")]
    BadMasterKey {
        /// Where it came from.
        origin: String,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The keyring file is not valid.
    #[error("{path}: invalid keyring: {message}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// Where the CLI keeps its master key and keyring: the master key in the
/// config directory (`ALKEMY_CONFIG_DIR`, else `$XDG_CONFIG_HOME/alkemy`,
/// else `~/.config/alkemy`), the sealed keys in the data directory
/// (`ALKEMY_DATA_DIR`, else `$XDG_DATA_HOME/alkemy`, else
/// `~/.local/share/alkemy`), so copying one does not give away the other.
pub fn default_locations() -> Option<(PathBuf, PathBuf)> {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let home = env("HOME");
    let config = env("ALKEMY_CONFIG_DIR")
        .or_else(|| env("XDG_CONFIG_HOME").map(|p| p.join("alkemy")))
        .or_else(|| home.as_ref().map(|h| h.join(".config/alkemy")))?;
    let data = env("ALKEMY_DATA_DIR")
        .or_else(|| env("XDG_DATA_HOME").map(|p| p.join("alkemy")))
        .or_else(|| home.as_ref().map(|h| h.join(".local/share/alkemy")))?;
    Some((config.join("master.key"), data.join("keys.json")))
}

/// The keyring at `ring` opened with the master key at `master`, if keys
/// were ever stored there. Nothing is created: a command that only *uses*
/// keys (`produce`) must not leave a master key behind on a machine that
/// never stored one.
pub fn existing_keyring(master: &Path, ring: &Path) -> Result<Option<FileKeyring>, VaultError> {
    if !ring.exists() {
        return Ok(None);
    }
    if std::env::var_os(MASTER_KEY_ENV).is_none() && !master.exists() {
        tracing::warn!(
            "{}: stored keys cannot be read without the master key {}",
            ring.display(),
            master.display()
        );
        return Ok(None);
    }
    Ok(Some(FileKeyring::new(
        ring,
        MasterKey::load_or_create(master)?,
    )))
}

/// The 256-bit master key. `Debug` never shows it; memory is zeroed on drop.
#[derive(Clone)]
pub struct MasterKey([u8; 32]);

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey(***)")
    }
}

impl Drop for MasterKey {
    fn drop(&mut self) {
        self.0 = [0; 32];
    }
}

impl MasterKey {
    /// A new random key.
    pub fn generate() -> Self {
        let key = Aes256Gcm::generate_key(&mut OsRng);
        Self(key.into())
    }

    /// Parses base64; `origin` names the source in errors.
    pub fn from_base64(text: &str, origin: &str) -> Result<Self, VaultError> {
        let bytes = B64
            .decode(text.trim())
            .map_err(|_| VaultError::BadMasterKey {
                origin: origin.to_owned(),
            })?;
        let arr: [u8; 32] = bytes.try_into().map_err(|_| VaultError::BadMasterKey {
            origin: origin.to_owned(),
        })?;
        Ok(Self(arr))
    }

    /// The base64 form (for writing the key file).
    pub fn to_base64(&self) -> String {
        B64.encode(self.0)
    }

    /// `ALKEMY_MASTER_KEY` if set, else the key file at `path`, created
    /// (mode 0600) with a new key when missing.
    pub fn load_or_create(path: &Path) -> Result<Self, VaultError> {
        if let Ok(text) = std::env::var(MASTER_KEY_ENV) {
            return Self::from_base64(&text, MASTER_KEY_ENV);
        }
        let io = |source| VaultError::Io {
            path: path.to_path_buf(),
            source,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => Self::from_base64(&text, &path.display().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = Self::generate();
                atomic::write(
                    path,
                    format!("{}\n", key.to_base64()).as_bytes(),
                    atomic::Kind::Secret,
                )
                .map_err(io)?;
                Ok(key)
            }
            Err(e) => Err(io(e)),
        }
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&self.0))
    }
}

/// An encrypted value: nonce and ciphertext (with its 16-byte tag).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed {
    /// 96-bit nonce, base64.
    #[serde(with = "b64")]
    pub nonce: Vec<u8>,
    /// Ciphertext and tag, base64.
    #[serde(with = "b64")]
    pub ciphertext: Vec<u8>,
}

mod b64 {
    use base64::Engine as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::B64.encode(v))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        super::B64.decode(text).map_err(serde::de::Error::custom)
    }
}

fn aad(name: &str) -> Vec<u8> {
    let mut a = AAD_PREFIX.to_vec();
    a.extend_from_slice(name.as_bytes());
    a
}

/// Encrypts `plaintext` under `name`.
pub fn seal(key: &MasterKey, name: &str, plaintext: &[u8]) -> Sealed {
    let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
    let aad = aad(name);
    // Encryption with a valid key and nonce only fails for inputs beyond
    // AES-GCM's 64 GiB limit, far past any key.
    let ciphertext = key
        .cipher()
        .encrypt(
            &nonce,
            Payload {
                msg: plaintext,
                aad: &aad,
            },
        )
        .unwrap_or_default();
    Sealed {
        nonce: nonce.to_vec(),
        ciphertext,
    }
}

/// Decrypts a value sealed under `name`.
pub fn open(key: &MasterKey, name: &str, sealed: &Sealed) -> Result<Vec<u8>, VaultError> {
    let err = || VaultError::Decrypt {
        name: name.to_owned(),
    };
    if sealed.nonce.len() != 12 || sealed.ciphertext.len() < 16 {
        return Err(err());
    }
    let aad = aad(name);
    key.cipher()
        .decrypt(
            Nonce::from_slice(&sealed.nonce),
            Payload {
                msg: &sealed.ciphertext,
                aad: &aad,
            },
        )
        .map_err(|_| err())
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct KeyringFile {
    version: u32,
    entries: BTreeMap<String, Sealed>,
}

/// A file of sealed secrets, for the CLI.
#[derive(Debug)]
pub struct FileKeyring {
    path: PathBuf,
    key: MasterKey,
}

impl FileKeyring {
    /// A keyring at `path` (created on first write) opened with `key`.
    pub fn new(path: impl Into<PathBuf>, key: MasterKey) -> Self {
        Self {
            path: path.into(),
            key,
        }
    }

    fn read(&self) -> Result<KeyringFile, VaultError> {
        match std::fs::read(&self.path) {
            Ok(bytes) => {
                let file: KeyringFile =
                    serde_json::from_slice(&bytes).map_err(|e| VaultError::Format {
                        path: self.path.clone(),
                        message: e.to_string(),
                    })?;
                if file.version != 1 {
                    return Err(VaultError::Format {
                        path: self.path.clone(),
                        message: format!("unsupported version {}", file.version),
                    });
                }
                Ok(file)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(KeyringFile {
                version: 1,
                entries: BTreeMap::new(),
            }),
            Err(source) => Err(VaultError::Io {
                path: self.path.clone(),
                source,
            }),
        }
    }

    fn write(&self, file: &KeyringFile) -> Result<(), VaultError> {
        let json = serde_json::to_vec_pretty(file).map_err(|e| VaultError::Format {
            path: self.path.clone(),
            message: e.to_string(),
        })?;
        atomic::write(&self.path, &json, atomic::Kind::Secret).map_err(|source| VaultError::Io {
            path: self.path.clone(),
            source,
        })
    }

    /// The secret stored under `name`, if any.
    pub fn get(&self, name: &str) -> Result<Option<String>, VaultError> {
        let file = self.read()?;
        let Some(sealed) = file.entries.get(name) else {
            return Ok(None);
        };
        let bytes = open(&self.key, name, sealed)?;
        String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| VaultError::Decrypt {
                name: name.to_owned(),
            })
    }

    /// Stores `secret` under `name`, replacing any previous value.
    pub fn set(&self, name: &str, secret: &str) -> Result<(), VaultError> {
        let mut file = self.read()?;
        file.version = 1;
        file.entries
            .insert(name.to_owned(), seal(&self.key, name, secret.as_bytes()));
        self.write(&file)
    }

    /// Removes `name`; returns whether it was there.
    pub fn remove(&self, name: &str) -> Result<bool, VaultError> {
        let mut file = self.read()?;
        let had = file.entries.remove(name).is_some();
        if had {
            self.write(&file)?;
        }
        Ok(had)
    }

    /// The names stored.
    pub fn names(&self) -> Result<Vec<String>, VaultError> {
        Ok(self.read()?.entries.into_keys().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_fresh_nonces() {
        let key = MasterKey::generate();
        let a = seal(&key, "FAL_KEY", b"fal-secret");
        let b = seal(&key, "FAL_KEY", b"fal-secret");
        assert_ne!(a.nonce, b.nonce, "random nonces");
        assert_ne!(a.ciphertext, b.ciphertext);
        assert!(!a.ciphertext.windows(10).any(|w| w == b"fal-secret"));
        assert_eq!(open(&key, "FAL_KEY", &a).unwrap(), b"fal-secret");
    }

    #[test]
    fn tampering_wrong_key_and_moved_names_fail() {
        let key = MasterKey::generate();
        let sealed = seal(&key, "FAL_KEY", b"fal-secret");
        let mut flipped = sealed.clone();
        flipped.ciphertext[0] ^= 1;
        assert!(open(&key, "FAL_KEY", &flipped).is_err());
        let mut nonce = sealed.clone();
        nonce.nonce[0] ^= 1;
        assert!(open(&key, "FAL_KEY", &nonce).is_err());
        assert!(open(&MasterKey::generate(), "FAL_KEY", &sealed).is_err());
        let err = open(&key, "GEMINI_API_KEY", &sealed).unwrap_err();
        assert!(err.to_string().contains("GEMINI_API_KEY"), "{err}");
        let short = Sealed {
            nonce: vec![0; 3],
            ciphertext: vec![],
        };
        assert!(open(&key, "FAL_KEY", &short).is_err());
    }

    #[test]
    fn master_key_file_is_created_private_and_reused() {
        if std::env::var_os(MASTER_KEY_ENV).is_some() {
            return; // the environment overrides the file; nothing to test here
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        let k1 = MasterKey::load_or_create(&path).unwrap();
        let k2 = MasterKey::load_or_create(&path).unwrap();
        assert_eq!(k1.to_base64(), k2.to_base64());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        assert!(!format!("{k1:?}").contains(&k1.to_base64()));
        assert!(MasterKey::from_base64("c2hvcnQ=", "test").is_err());
    }

    #[test]
    fn an_absent_keyring_is_not_created() {
        let dir = tempfile::tempdir().unwrap();
        let (master, ring) = (dir.path().join("master.key"), dir.path().join("keys.json"));
        assert!(existing_keyring(&master, &ring).unwrap().is_none());
        assert!(!master.exists() && !ring.exists(), "nothing written");
        if std::env::var_os(MASTER_KEY_ENV).is_some() {
            return;
        }
        let key = MasterKey::load_or_create(&master).unwrap();
        FileKeyring::new(&ring, key)
            .set("FAL_KEY", "fal-secret")
            .unwrap();
        let found = existing_keyring(&master, &ring).unwrap().unwrap();
        assert_eq!(found.get("FAL_KEY").unwrap().as_deref(), Some("fal-secret"));
    }

    #[test]
    fn keyring_stores_only_ciphertext() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys.json");
        let key = MasterKey::generate();
        let ring = FileKeyring::new(&path, key.clone());
        ring.set("FAL_KEY", "fal-secret-value").unwrap();
        ring.set("GEMINI_API_KEY", "gem-secret").unwrap();
        let raw = std::fs::read_to_string(&path).unwrap();
        assert!(!raw.contains("fal-secret-value") && !raw.contains("gem-secret"));
        assert_eq!(
            ring.get("FAL_KEY").unwrap().as_deref(),
            Some("fal-secret-value")
        );
        assert_eq!(ring.names().unwrap(), vec!["FAL_KEY", "GEMINI_API_KEY"]);
        assert!(ring.remove("FAL_KEY").unwrap());
        assert_eq!(ring.get("FAL_KEY").unwrap(), None);
        let other = FileKeyring::new(&path, MasterKey::generate());
        assert!(other.get("GEMINI_API_KEY").is_err(), "wrong master key");
    }
}
