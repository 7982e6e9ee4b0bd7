//! Signing keys: a JSON file of Ed25519 keys (never the database), one of them active.
//!
//! The file, created with mode 0600 at first use:
//!
//! ```json
//! {
//!   "format": "verdict-signing-keys/1",
//!   "keys": [
//!     {"kid": "<RFC 7638 thumbprint>", "created_at": "2026-05-01T12:00:00.000Z", "active": false,
//!      "alg": "EdDSA", "public_key": "<base64url>", "private_key": "<base64url 32-byte seed>"},
//!     {"kid": "…", "created_at": "…", "active": true, …}
//!   ]
//! }
//! ```
//!
//! The active key signs; every key in the file verifies, so [`rotate_file`] adds a new active
//! key and keeps the old ones. Several servers may be given the same file: each re-reads it when
//! it changes ([`KeyStore::current`]), and the file is only ever replaced whole (written beside
//! it, then renamed over it), so no reader sees half of one. Two rotations at the same moment
//! are not merged: the later rename wins.

use std::{
    fs,
    io::{self, Write},
    os::unix::fs::{OpenOptionsExt, PermissionsExt},
    path::{Path, PathBuf},
    sync::{Arc, RwLock},
    time::{Duration, Instant, SystemTime},
};

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

use crate::{
    action::sha256_digest,
    jwks::{thumbprint, Jwks, PublicKey},
    receipt::{Receipt, Signature, SignedReceipt, ALG},
    timestamp, webhook,
};

const FORMAT: &str = "verdict-signing-keys/1";

/// How often [`KeyStore::current`] looks whether the file changed.
const RECHECK: Duration = Duration::from_secs(1);

#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    #[error("{path}: {source}")]
    Io { path: String, source: io::Error },
    #[error(
        "{path} may be read by other users (mode {mode:o}); it holds private keys: chmod 600 {path}"
    )]
    Exposed { path: String, mode: u32 },
    #[error("{path} is not a Verdict signing key file: {message}")]
    Invalid { path: String, message: String },
    #[error("the system's random number generator failed: {0}")]
    Random(String),
}

/// One signing key and what the file says of it.
#[derive(Clone)]
pub struct KeyPair {
    kid: String,
    created_at: String,
    active: bool,
    signing: SigningKey,
}

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyPair")
            .field("kid", &self.kid)
            .field("created_at", &self.created_at)
            .field("active", &self.active)
            .finish_non_exhaustive()
    }
}

impl KeyPair {
    fn generate() -> Result<Self, KeyFileError> {
        let mut seed = [0u8; 32];
        getrandom::getrandom(&mut seed).map_err(|error| KeyFileError::Random(error.to_string()))?;
        let signing = SigningKey::from_bytes(&seed);
        Ok(Self {
            kid: thumbprint(&signing.verifying_key()),
            created_at: timestamp::now(),
            active: true,
            signing,
        })
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    pub fn created_at(&self) -> &str {
        &self.created_at
    }

    pub fn is_active(&self) -> bool {
        self.active
    }

    pub fn verifying_key(&self) -> VerifyingKey {
        self.signing.verifying_key()
    }

    pub fn public_key(&self) -> PublicKey {
        PublicKey {
            kid: self.kid.clone(),
            key: self.verifying_key(),
        }
    }
}

/// The keys of one file: never empty, exactly one active.
#[derive(Debug, Clone)]
pub struct KeySet {
    keys: Vec<KeyPair>,
}

#[derive(Serialize, Deserialize)]
struct KeyFile {
    format: String,
    keys: Vec<KeyRecord>,
}

#[derive(Serialize, Deserialize)]
struct KeyRecord {
    kid: String,
    created_at: String,
    active: bool,
    alg: String,
    public_key: String,
    private_key: String,
}

impl KeySet {
    /// A set of one new key.
    pub fn generate() -> Result<Self, KeyFileError> {
        Ok(Self {
            keys: vec![KeyPair::generate()?],
        })
    }

    /// The key that signs.
    pub fn active(&self) -> &KeyPair {
        // The constructors keep exactly one key active.
        self.keys
            .iter()
            .rev()
            .find(|key| key.active)
            .unwrap_or(&self.keys[self.keys.len() - 1])
    }

    /// Every key, oldest first.
    pub fn keys(&self) -> &[KeyPair] {
        &self.keys
    }

    /// Adds a new key and makes it the active one; the others stay for verification.
    pub fn rotate(&mut self) -> Result<&KeyPair, KeyFileError> {
        let new = KeyPair::generate()?;
        for key in &mut self.keys {
            key.active = false;
        }
        self.keys.push(new);
        Ok(self.active())
    }

    /// The public half of every key, for verifiers.
    pub fn jwks(&self) -> Jwks {
        Jwks::new(self.keys.iter().map(KeyPair::public_key).collect())
    }

    /// Signs `receipt` with the active key, setting its `key_id` first.
    pub fn sign(&self, mut receipt: Receipt) -> SignedReceipt {
        let key = self.active();
        receipt.key_id = key.kid.clone();
        let canonical = receipt.canonical_bytes();
        let signature = key.signing.sign(&canonical);
        SignedReceipt {
            receipt,
            signature: Signature {
                alg: ALG.to_owned(),
                kid: key.kid.clone(),
                value: URL_SAFE_NO_PAD.encode(signature.to_bytes()),
                receipt_digest: sha256_digest(&canonical),
            },
        }
    }

    /// The Standard Webhooks asymmetric signature (`v1a,<base64>`) of a delivery, by the active
    /// key; see [`webhook`].
    pub fn sign_webhook(&self, msg_id: &str, timestamp: i64, payload: &[u8]) -> String {
        webhook::sign_v1a(&self.active().signing, msg_id, timestamp, payload)
    }

    /// The key file's text.
    pub fn to_file_json(&self) -> String {
        let file = KeyFile {
            format: FORMAT.to_owned(),
            keys: self
                .keys
                .iter()
                .map(|key| KeyRecord {
                    kid: key.kid.clone(),
                    created_at: key.created_at.clone(),
                    active: key.active,
                    alg: ALG.to_owned(),
                    public_key: URL_SAFE_NO_PAD.encode(key.verifying_key().as_bytes()),
                    private_key: URL_SAFE_NO_PAD.encode(key.signing.to_bytes()),
                })
                .collect(),
        };
        let mut text = serde_json::to_string_pretty(&file).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Reads a key file's text; `path` only names it in errors.
    pub fn from_file_json(bytes: &[u8], path: &Path) -> Result<Self, KeyFileError> {
        let invalid = |message: String| KeyFileError::Invalid {
            path: path.display().to_string(),
            message,
        };
        let file: KeyFile =
            serde_json::from_slice(bytes).map_err(|error| invalid(error.to_string()))?;
        if file.format != FORMAT {
            return Err(invalid(format!(
                "its format is {:?}, not {FORMAT:?}",
                file.format
            )));
        }
        let mut keys = Vec::with_capacity(file.keys.len());
        for (index, record) in file.keys.into_iter().enumerate() {
            let seed: [u8; 32] = URL_SAFE_NO_PAD
                .decode(&record.private_key)
                .ok()
                .and_then(|bytes| bytes.try_into().ok())
                .ok_or_else(|| {
                    invalid(format!(
                        "keys[{index}].private_key is not 32 bytes of base64url"
                    ))
                })?;
            let signing = SigningKey::from_bytes(&seed);
            if record.kid != thumbprint(&signing.verifying_key()) {
                return Err(invalid(format!(
                    "keys[{index}].kid does not name its key (it is the key's JWK thumbprint)"
                )));
            }
            if record.alg != ALG {
                return Err(invalid(format!("keys[{index}].alg is not {ALG}")));
            }
            keys.push(KeyPair {
                kid: record.kid,
                created_at: record.created_at,
                active: record.active,
                signing,
            });
        }
        match keys.iter().filter(|key| key.active).count() {
            1 => Ok(Self { keys }),
            0 => Err(invalid("no key is active".to_owned())),
            _ => Err(invalid("more than one key is active".to_owned())),
        }
    }
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> KeyFileError + '_ {
    move |source| KeyFileError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Reads the key file at `path`; refuses one that other users may read.
pub fn read_key_file(path: &Path) -> Result<KeySet, KeyFileError> {
    let metadata = fs::metadata(path).map_err(io_error(path))?;
    let mode = metadata.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(KeyFileError::Exposed {
            path: path.display().to_string(),
            mode,
        });
    }
    let bytes = fs::read(path).map_err(io_error(path))?;
    KeySet::from_file_json(&bytes, path)
}

/// The key file at `path`, created with one new key (mode 0600, and its directory) if there is
/// none. When several servers start at once on a new shared file, one creates it and the others
/// read that one. The second value says whether this call created it.
pub fn open_or_create(path: &Path) -> Result<(KeySet, bool), KeyFileError> {
    match fs::symlink_metadata(path) {
        Ok(_) => return read_key_file(path).map(|keys| (keys, false)),
        Err(error) if error.kind() == io::ErrorKind::NotFound => {}
        Err(error) => return Err(io_error(path)(error)),
    }
    let keys = KeySet::generate()?;
    let staged = stage(path, &keys.to_file_json())?;
    // A hard link publishes the whole file at once and fails if another server got there first.
    let linked = fs::hard_link(&staged, path);
    let _ = fs::remove_file(&staged);
    match linked {
        Ok(()) => Ok((keys, true)),
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {
            read_key_file(path).map(|keys| (keys, false))
        }
        Err(error) => Err(io_error(path)(error)),
    }
}

/// Adds a new active key to the file at `path` (creating the file if there is none) and keeps
/// the old keys for verification. Returns the set as written.
pub fn rotate_file(path: &Path) -> Result<KeySet, KeyFileError> {
    let (mut keys, created) = open_or_create(path)?;
    if created {
        return Ok(keys);
    }
    keys.rotate()?;
    let staged = stage(path, &keys.to_file_json())?;
    fs::rename(&staged, path).map_err(|error| {
        let _ = fs::remove_file(&staged);
        io_error(path)(error)
    })?;
    Ok(keys)
}

/// Writes `text` to a new file (mode 0600) in `path`'s directory, flushed to disk.
fn stage(path: &Path, text: &str) -> Result<PathBuf, KeyFileError> {
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&directory).map_err(io_error(&directory))?;
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "keys".to_owned());
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.subsec_nanos());
    let staged = directory.join(format!(".{name}.{}.{nanos}.tmp", std::process::id()));
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&staged)
        .map_err(io_error(&staged))?;
    let written = file
        .write_all(text.as_bytes())
        .and_then(|()| file.sync_all());
    if let Err(error) = written {
        let _ = fs::remove_file(&staged);
        return Err(io_error(&staged)(error));
    }
    Ok(staged)
}

/// A server's keys: those of its key file, re-read when the file changes (another server or
/// `verdict keys rotate` rotated them), or keys of its own that live only in memory.
#[derive(Debug)]
pub struct KeyStore {
    path: Option<PathBuf>,
    loaded: RwLock<Loaded>,
}

#[derive(Debug)]
struct Loaded {
    keys: Arc<KeySet>,
    stamp: Option<(SystemTime, u64)>,
    checked: Instant,
}

fn stamp_of(path: &Path) -> Option<(SystemTime, u64)> {
    let metadata = fs::metadata(path).ok()?;
    Some((metadata.modified().ok()?, metadata.len()))
}

impl KeyStore {
    /// The keys of the file at `path`, created if missing (see [`open_or_create`]).
    pub fn open(path: impl Into<PathBuf>) -> Result<Self, KeyFileError> {
        let path = path.into();
        let (keys, _) = open_or_create(&path)?;
        Ok(Self {
            loaded: RwLock::new(Loaded {
                keys: Arc::new(keys),
                stamp: stamp_of(&path),
                checked: Instant::now(),
            }),
            path: Some(path),
        })
    }

    /// A new key kept only in memory: receipts it signs verify only while this process runs.
    /// For tests, and for states built without a key file.
    pub fn ephemeral() -> Result<Self, KeyFileError> {
        Ok(Self {
            path: None,
            loaded: RwLock::new(Loaded {
                keys: Arc::new(KeySet::generate()?),
                stamp: None,
                checked: Instant::now(),
            }),
        })
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The current keys. The file is looked at no more than once a second; a file that has
    /// become unreadable leaves the keys last read in use.
    pub fn current(&self) -> Arc<KeySet> {
        {
            let loaded = self
                .loaded
                .read()
                .unwrap_or_else(|poison| poison.into_inner());
            if self.path.is_none() || loaded.checked.elapsed() < RECHECK {
                return loaded.keys.clone();
            }
        }
        self.refresh(false)
    }

    /// Re-reads the file now if it changed.
    pub fn reload(&self) -> Arc<KeySet> {
        self.refresh(true)
    }

    fn refresh(&self, now: bool) -> Arc<KeySet> {
        let mut loaded = self
            .loaded
            .write()
            .unwrap_or_else(|poison| poison.into_inner());
        let Some(path) = &self.path else {
            return loaded.keys.clone();
        };
        if !now && loaded.checked.elapsed() < RECHECK {
            return loaded.keys.clone();
        }
        loaded.checked = Instant::now();
        let stamp = stamp_of(path);
        if stamp.is_some() && stamp != loaded.stamp {
            if let Ok(keys) = read_key_file(path) {
                loaded.keys = Arc::new(keys);
                loaded.stamp = stamp;
            }
        }
        loaded.keys.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_file_is_private_and_holds_one_active_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/keys.json");
        let (keys, created) = open_or_create(&path).unwrap();
        assert!(created);
        assert_eq!(keys.keys().len(), 1);
        assert!(keys.active().is_active());
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let (again, created) = open_or_create(&path).unwrap();
        assert!(!created);
        assert_eq!(again.active().kid(), keys.active().kid());
        let leftovers: Vec<_> = fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(leftovers.len(), 1, "{leftovers:?}");
    }

    #[test]
    fn rotation_adds_an_active_key_and_keeps_the_old_ones() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys.json");
        let (first, _) = open_or_create(&path).unwrap();
        let rotated = rotate_file(&path).unwrap();
        assert_eq!(rotated.keys().len(), 2);
        assert_ne!(rotated.active().kid(), first.active().kid());
        assert!(!rotated.keys()[0].is_active());
        assert!(rotated.jwks().find(first.active().kid()).is_some());
        let reread = read_key_file(&path).unwrap();
        assert_eq!(reread.active().kid(), rotated.active().kid());
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[test]
    fn a_store_follows_a_rotation_by_another_process() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys.json");
        let store = KeyStore::open(&path).unwrap();
        let before = store.current().active().kid().to_owned();
        let rotated = rotate_file(&path).unwrap();
        assert_eq!(store.reload().active().kid(), rotated.active().kid());
        assert!(store.current().jwks().find(&before).is_some());
    }

    #[test]
    fn a_file_others_can_read_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys.json");
        open_or_create(&path).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let error = read_key_file(&path).unwrap_err();
        assert!(matches!(error, KeyFileError::Exposed { mode: 0o644, .. }));
        assert!(error.to_string().contains("chmod 600"));
    }

    #[test]
    fn an_edited_file_is_refused_with_a_reason() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys.json");
        let (keys, _) = open_or_create(&path).unwrap();
        let text = keys
            .to_file_json()
            .replace("\"active\": true", "\"active\": false");
        let error = KeySet::from_file_json(text.as_bytes(), &path).unwrap_err();
        assert!(error.to_string().contains("no key is active"), "{error}");
        let text = keys
            .to_file_json()
            .replace(keys.active().kid(), "someone-elses-kid");
        let error = KeySet::from_file_json(text.as_bytes(), &path).unwrap_err();
        assert!(error.to_string().contains("thumbprint"), "{error}");
        let error = KeySet::from_file_json(b"[]", &path).unwrap_err();
        assert!(matches!(error, KeyFileError::Invalid { .. }));
    }

    #[test]
    fn debug_output_holds_no_private_key() {
        let keys = KeySet::generate().unwrap();
        let private = URL_SAFE_NO_PAD.encode(keys.active().signing.to_bytes());
        assert!(!format!("{keys:?}").contains(&private));
    }
}
