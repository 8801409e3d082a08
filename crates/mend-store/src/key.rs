//! The practice's data key: 256 random bits that SQLCipher encrypts the database, its WAL and its
//! backups with. The key is never written into the database; it lives in a key file, sealed by a
//! key derived from the therapist's passphrase (Argon2id, then XChaCha20-Poly1305), or, with no
//! passphrase, written as it is into a file that only its owner may read.
//!
//! Connections are given the raw key (`PRAGMA key = "x'…'"`), which skips SQLCipher's own key
//! derivation, so opening a connection costs no more than with plain SQLite; the slow step, the
//! passphrase's derivation, is paid once per command, when the key file is unlocked.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::StoreError;

/// The value of `format` in every key file.
const KEY_FILE_FORMAT: &str = "mend-key";
/// The key file layout this build writes and reads.
const KEY_FILE_VERSION: u32 = 1;

/// Argon2id's cost when a key file is sealed: 46 MiB and two passes, above both of OWASP's
/// minimum settings (46 MiB once, or 19 MiB twice): about 90 ms of processor time here, once per
/// command.
const ARGON2_MEMORY_KIB: u32 = 46 * 1024;
const ARGON2_ITERATIONS: u32 = 2;
const ARGON2_PARALLELISM: u32 = 1;
/// The weakest parameters a key file may ask for; anything below is refused as tampered with.
const ARGON2_MIN_MEMORY_KIB: u32 = 19 * 1024;
const ARGON2_MIN_ITERATIONS: u32 = 1;
/// The most a key file may ask for, so a damaged file cannot make mend allocate without bound.
const ARGON2_MAX_MEMORY_KIB: u32 = 4 * 1024 * 1024;
const ARGON2_MAX_ITERATIONS: u32 = 64;

/// The shortest passphrase mend accepts when one is set.
pub const MIN_PASSPHRASE_CHARS: usize = 8;

/// The 256-bit key the database is encrypted with. It is wiped from memory when dropped, and
/// its `Debug` shows nothing of it.
#[derive(Clone, PartialEq, Eq)]
pub struct DataKey(Zeroizing<[u8; 32]>);

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey(..)")
    }
}

impl DataKey {
    /// A new random key, from the operating system's generator.
    pub fn generate() -> DataKey {
        let mut key = Zeroizing::new([0u8; 32]);
        rand::rng().fill_bytes(key.as_mut());
        DataKey(key)
    }

    /// The key as recovery words to write down: Crockford base32 (no I, L, O or U to confuse)
    /// of the key and a three-byte checksum, in fourteen groups of four characters.
    /// They are wiped from memory when dropped, as the key is.
    pub fn recovery_words(&self) -> Zeroizing<String> {
        let mut bytes = Zeroizing::new(Vec::with_capacity(35));
        bytes.extend_from_slice(self.0.as_ref());
        bytes.extend_from_slice(&checksum(self.0.as_ref()));
        let text = Zeroizing::new(base32_encode(&bytes));
        let groups: Vec<&str> = text.as_bytes().chunks(4).map(|c| std::str::from_utf8(c).unwrap_or("")).collect();
        Zeroizing::new(groups.join(" "))
    }

    /// Reads recovery words back, forgiving case, spaces, dashes and the letters O, I and L
    /// written for 0 and 1; a mistyped character is caught by the checksum.
    pub fn from_recovery_words(words: &str) -> Result<DataKey, StoreError> {
        let bad = |why: &str| StoreError::BadRecoveryWords(why.to_owned());
        let cleaned: Zeroizing<String> =
            Zeroizing::new(words.chars().filter(|c| !c.is_whitespace() && *c != '-').collect());
        let bytes = Zeroizing::new(
            base32_decode(&cleaned).ok_or_else(|| bad("they hold a character that is not used in recovery words"))?,
        );
        if bytes.len() != 35 {
            return Err(bad("they are not 56 characters long (14 groups of 4)"));
        }
        let (key, sum) = bytes.split_at(32);
        if checksum(key) != sum {
            return Err(bad("their checksum does not match, so a character is wrong"));
        }
        let mut out = Zeroizing::new([0u8; 32]);
        out.copy_from_slice(key);
        Ok(DataKey(out))
    }

    /// The text SQLCipher takes as a raw key (`x'…'`, the key in hex), as `PRAGMA key` takes it:
    /// for opening the file with SQLCipher directly, such as its shell or a test that must
    /// change what mend never would.
    pub fn pragma_value(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("x'{}'", hex::encode(self.0.as_ref())))
    }
}

/// Gives `conn` the raw key; must come before anything else touches the file.
pub(crate) fn apply_key(conn: &Connection, key: &DataKey) -> rusqlite::Result<()> {
    quiet(conn)?;
    conn.pragma_update(None, "key", key.pragma_value().as_str())
}

/// Attaches the file at `path` to `conn` as schema `name`, encrypted with `key`.
pub(crate) fn attach_encrypted(conn: &Connection, path: &Path, name: &str, key: &DataKey) -> rusqlite::Result<()> {
    quiet(conn)?;
    let path = path.to_string_lossy();
    conn.execute(&format!("ATTACH DATABASE ?1 AS {name} KEY ?2"), (path.as_ref(), key.pragma_value().as_str()))?;
    Ok(())
}

/// Stops SQLCipher's own log, which by default writes a wrong key's page errors to standard
/// error; mend reports the cause itself, once. The setting is the process's, and SQLCipher sets
/// its default when the library starts, before any connection, so setting it here sticks.
fn quiet(conn: &Connection) -> rusqlite::Result<()> {
    conn.query_row("PRAGMA cipher_log_level = NONE", [], |_| Ok(()))
}

fn checksum(key: &[u8]) -> [u8; 3] {
    let digest = Sha256::new().chain_update(b"mend recovery words").chain_update(key).finalize();
    [digest[0], digest[1], digest[2]]
}

const BASE32: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 8 / 5 + 1);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32[((buffer >> bits) & 31) as usize]));
        }
        buffer &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(char::from(BASE32[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.chars() {
        let c = match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        };
        let value = BASE32.iter().position(|&b| char::from(b) == c)? as u32;
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// A passphrase, wiped from memory when dropped.
#[derive(Clone)]
pub struct Passphrase(Zeroizing<String>);

impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Passphrase(..)")
    }
}

impl Passphrase {
    /// A passphrase as typed or read from a file, without its final line break. It may be weak:
    /// it only has to match the one the key file was sealed with.
    pub fn given(text: String) -> Passphrase {
        let mut text = Zeroizing::new(text);
        let kept = text.trim_end_matches(['\r', '\n']).len();
        text.truncate(kept);
        Passphrase(text)
    }

    /// A passphrase to seal a key file or an export with: at least [`MIN_PASSPHRASE_CHARS`]
    /// characters, not all spaces.
    pub fn new(text: String) -> Result<Passphrase, StoreError> {
        let passphrase = Passphrase::given(text);
        if passphrase.0.trim().chars().count() < MIN_PASSPHRASE_CHARS {
            return Err(StoreError::WeakPassphrase { min: MIN_PASSPHRASE_CHARS });
        }
        Ok(passphrase)
    }

    /// Whether nothing was given.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The passphrase's text.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// How a key file keeps the data key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Protection {
    /// Sealed by a key derived from the passphrase.
    Passphrase,
    /// Written as it is, in a file only its owner may read.
    OwnerOnly,
}

/// The key file as written on disk.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFileText {
    format: String,
    version: u32,
    protection: Protection,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sealed: Option<Sealed>,
}

/// The data key sealed by the passphrase.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Sealed {
    kdf: String,
    memory_kib: u32,
    iterations: u32,
    parallelism: u32,
    salt: String,
    nonce: String,
    ciphertext: String,
}

/// A key file read from disk, not yet unlocked.
#[derive(Debug)]
pub struct KeyFile {
    path: PathBuf,
    text: KeyFileText,
}

const KEY_FILE_HEADER: &str = "\
# mend's data key for one practice record. Keep this file, and keep it apart from the database and
# its backups: without it, or the recovery words from `mend key recovery`, the record cannot be read.
";

impl KeyFile {
    /// Reads the key file at `path`.
    pub fn read(path: &Path) -> Result<KeyFile, StoreError> {
        let text = match fs::read_to_string(path) {
            Ok(text) => text,
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                return Err(StoreError::NoKeyFile { path: path.to_owned() });
            }
            Err(source) => return Err(StoreError::Io { path: path.to_owned(), source }),
        };
        let damaged = |why: String| StoreError::KeyFileDamaged { path: path.to_owned(), why };
        let text: KeyFileText = toml::from_str(&text).map_err(|e| damaged(e.message().trim().to_owned()))?;
        if text.format != KEY_FILE_FORMAT {
            return Err(damaged(format!("its format is {:?}, not {KEY_FILE_FORMAT:?}", text.format)));
        }
        if text.version != KEY_FILE_VERSION {
            return Err(damaged(format!("its version {} is not one this mend reads", text.version)));
        }
        let file = KeyFile { path: path.to_owned(), text };
        if file.text.protection == Protection::OwnerOnly {
            file.check_owner_only()?;
        }
        Ok(file)
    }

    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How the file keeps the key.
    pub fn protection(&self) -> Protection {
        self.text.protection
    }

    /// Whether unlocking needs the passphrase.
    pub fn needs_passphrase(&self) -> bool {
        self.text.protection == Protection::Passphrase
    }

    /// The data key, unsealed with `passphrase` when the file is sealed by one.
    pub fn unlock(&self, passphrase: Option<&Passphrase>) -> Result<DataKey, StoreError> {
        let damaged = |why: &str| StoreError::KeyFileDamaged { path: self.path.clone(), why: why.to_owned() };
        match self.text.protection {
            Protection::OwnerOnly => {
                let hex_key = self.text.key.as_deref().ok_or_else(|| damaged("it has no key"))?;
                let mut key = Zeroizing::new([0u8; 32]);
                hex::decode_to_slice(hex_key, key.as_mut()).map_err(|_| damaged("its key is not 32 bytes of hex"))?;
                Ok(DataKey(key))
            }
            Protection::Passphrase => {
                let sealed = self.text.sealed.as_ref().ok_or_else(|| damaged("it has no sealed key"))?;
                let Some(passphrase) = passphrase.filter(|p| !p.is_empty()) else {
                    return Err(StoreError::PassphraseNeeded { path: self.path.clone() });
                };
                unseal(sealed, passphrase).map_err(|err| match err {
                    Unseal::Damaged(why) => damaged(why),
                    Unseal::Wrong => StoreError::WrongPassphrase { path: self.path.clone() },
                })
            }
        }
    }

    /// Writes a new key file at `path` holding `key`, sealed by `passphrase` if one is given,
    /// else readable by its owner alone; refuses to replace an existing file.
    pub fn create(path: &Path, key: &DataKey, passphrase: Option<&Passphrase>) -> Result<(), StoreError> {
        if path.exists() {
            return Err(StoreError::AlreadyExists { path: path.to_owned() });
        }
        KeyFile::write(path, key, passphrase)
    }

    /// Writes `key` to `path`, replacing whatever is there in one step (a new file, synced, then
    /// renamed over the old one), so a crash leaves either the old file or the new one.
    pub fn write(path: &Path, key: &DataKey, passphrase: Option<&Passphrase>) -> Result<(), StoreError> {
        let text = match passphrase {
            Some(passphrase) => KeyFileText {
                format: KEY_FILE_FORMAT.into(),
                version: KEY_FILE_VERSION,
                protection: Protection::Passphrase,
                key: None,
                sealed: Some(seal(key, passphrase)?),
            },
            None => KeyFileText {
                format: KEY_FILE_FORMAT.into(),
                version: KEY_FILE_VERSION,
                protection: Protection::OwnerOnly,
                key: Some(hex::encode(key.0.as_ref())),
                sealed: None,
            },
        };
        let body =
            toml::to_string(&text).map_err(|e| StoreError::Corrupt(format!("cannot write the key file: {e}")))?;
        let content = Zeroizing::new(format!("{KEY_FILE_HEADER}{body}"));
        write_atomically(path, content.as_bytes())
    }

    fn check_owner_only(&self) -> Result<(), StoreError> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let meta = fs::metadata(&self.path).map_err(|source| StoreError::Io { path: self.path.clone(), source })?;
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(StoreError::KeyFileExposed { path: self.path.clone(), mode });
            }
        }
        Ok(())
    }
}

enum Unseal {
    Damaged(&'static str),
    Wrong,
}

/// The associated data bound to a sealed key: the format and the derivation's parameters, so a
/// file whose parameters were changed does not unseal.
fn associated_data(sealed: &Sealed) -> String {
    format!(
        "{KEY_FILE_FORMAT}/{KEY_FILE_VERSION}/{}/{}/{}/{}",
        sealed.kdf, sealed.memory_kib, sealed.iterations, sealed.parallelism
    )
}

fn wrapping_key(
    passphrase: &Passphrase,
    salt: &[u8],
    memory_kib: u32,
    iterations: u32,
    parallelism: u32,
) -> Result<Zeroizing<[u8; 32]>, StoreError> {
    let params = Params::new(memory_kib, iterations, parallelism, Some(32))
        .map_err(|e| StoreError::Corrupt(format!("Argon2 parameters refused: {e}")))?;
    let mut out = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase.expose().as_bytes(), salt, out.as_mut())
        .map_err(|e| StoreError::Corrupt(format!("Argon2 failed: {e}")))?;
    Ok(out)
}

fn seal(key: &DataKey, passphrase: &Passphrase) -> Result<Sealed, StoreError> {
    let mut salt = [0u8; 16];
    let mut nonce = [0u8; 24];
    rand::rng().fill_bytes(&mut salt);
    rand::rng().fill_bytes(&mut nonce);
    let mut sealed = Sealed {
        kdf: "argon2id".into(),
        memory_kib: ARGON2_MEMORY_KIB,
        iterations: ARGON2_ITERATIONS,
        parallelism: ARGON2_PARALLELISM,
        salt: hex::encode(salt),
        nonce: hex::encode(nonce),
        ciphertext: String::new(),
    };
    let wrapping = wrapping_key(passphrase, &salt, sealed.memory_kib, sealed.iterations, sealed.parallelism)?;
    let cipher = XChaCha20Poly1305::new(wrapping.as_ref().into());
    let aad = associated_data(&sealed);
    let ciphertext = cipher
        .encrypt(XNonce::from_slice(&nonce), Payload { msg: key.0.as_ref(), aad: aad.as_bytes() })
        .map_err(|_| StoreError::Corrupt("sealing the data key failed".into()))?;
    sealed.ciphertext = hex::encode(ciphertext);
    Ok(sealed)
}

fn unseal(sealed: &Sealed, passphrase: &Passphrase) -> Result<DataKey, Unseal> {
    if sealed.kdf != "argon2id" {
        return Err(Unseal::Damaged("its key derivation is not argon2id"));
    }
    // OWASP's floor: 19 MiB with two passes, or 46 MiB with one.
    let strong_enough = sealed.memory_kib >= ARGON2_MIN_MEMORY_KIB
        && sealed.iterations >= ARGON2_MIN_ITERATIONS
        && (sealed.iterations >= 2 || sealed.memory_kib >= 46 * 1024);
    let bounded = sealed.memory_kib <= ARGON2_MAX_MEMORY_KIB
        && sealed.iterations <= ARGON2_MAX_ITERATIONS
        && (1..=16).contains(&sealed.parallelism);
    if !strong_enough || !bounded {
        return Err(Unseal::Damaged("its Argon2 parameters are outside what mend writes"));
    }
    let salt = hex::decode(&sealed.salt).map_err(|_| Unseal::Damaged("its salt is not hex"))?;
    let nonce = hex::decode(&sealed.nonce).map_err(|_| Unseal::Damaged("its nonce is not hex"))?;
    let ciphertext = hex::decode(&sealed.ciphertext).map_err(|_| Unseal::Damaged("its sealed key is not hex"))?;
    if salt.len() < 16 || nonce.len() != 24 || ciphertext.len() != 32 + 16 {
        return Err(Unseal::Damaged("its salt, nonce or sealed key has the wrong length"));
    }
    let wrapping = wrapping_key(passphrase, &salt, sealed.memory_kib, sealed.iterations, sealed.parallelism)
        .map_err(|_| Unseal::Damaged("its Argon2 parameters are refused"))?;
    let cipher = XChaCha20Poly1305::new(wrapping.as_ref().into());
    let aad = associated_data(sealed);
    let plain = Zeroizing::new(
        cipher
            .decrypt(XNonce::from_slice(&nonce), Payload { msg: &ciphertext, aad: aad.as_bytes() })
            .map_err(|_| Unseal::Wrong)?,
    );
    let mut key = Zeroizing::new([0u8; 32]);
    key.copy_from_slice(&plain);
    Ok(DataKey(key))
}

/// Writes `bytes` to `path` through a private temporary file beside it, synced, renamed over
/// `path`, with the folder synced after, so the new content is durable before this returns.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let io_error = |path: &Path| {
        let path = path.to_owned();
        move |source| StoreError::Io { path, source }
    };
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(|source| StoreError::CreateDir { path: parent.to_owned(), source })?;
    let mut tmp_name = path.file_name().unwrap_or_default().to_owned();
    tmp_name.push(format!(".tmp-{}", std::process::id()));
    let tmp = parent.join(tmp_name);
    let _ = fs::remove_file(&tmp);
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let written = (|| {
        let mut file = options.open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()
    })();
    if let Err(source) = written {
        let _ = fs::remove_file(&tmp);
        return Err(StoreError::Io { path: tmp, source });
    }
    fs::rename(&tmp, path).map_err(io_error(path))?;
    sync_dir(parent)
}

/// Makes a rename or a new file in `dir` durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    File::open(dir).and_then(|d| d.sync_all()).map_err(|source| StoreError::Io { path: dir.to_owned(), source })?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_words_give_the_key_back_and_catch_a_typo() {
        let key = DataKey::generate();
        let words = key.recovery_words();
        assert_eq!(words.split(' ').count(), 14, "{}", words.as_str());
        assert_eq!(DataKey::from_recovery_words(&words).unwrap(), key);
        assert_eq!(DataKey::from_recovery_words(&words.to_lowercase().replace(' ', "-")).unwrap(), key);
        let mut typo: Vec<char> = words.chars().collect();
        typo[5] = if typo[5] == 'A' { 'B' } else { 'A' };
        let typo: String = typo.into_iter().collect();
        assert!(matches!(DataKey::from_recovery_words(&typo), Err(StoreError::BadRecoveryWords(_))));
        assert!(matches!(DataKey::from_recovery_words("ABCD"), Err(StoreError::BadRecoveryWords(_))));
        assert!(matches!(DataKey::from_recovery_words("UUUU"), Err(StoreError::BadRecoveryWords(_))));
    }

    #[test]
    fn a_sealed_key_file_opens_with_its_passphrase_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mend.key");
        let key = DataKey::generate();
        let passphrase = Passphrase::new("correct horse battery".into()).unwrap();
        KeyFile::create(&path, &key, Some(&passphrase)).unwrap();
        let text = fs::read_to_string(&path).unwrap();
        assert!(!text.contains(&hex::encode(key.0.as_ref())), "the key is sealed");
        let file = KeyFile::read(&path).unwrap();
        assert!(file.needs_passphrase());
        assert_eq!(file.unlock(Some(&passphrase)).unwrap(), key);
        let wrong = Passphrase::given("correct horse battery!".into());
        assert!(matches!(file.unlock(Some(&wrong)), Err(StoreError::WrongPassphrase { .. })));
        assert!(matches!(file.unlock(None), Err(StoreError::PassphraseNeeded { .. })));
        assert!(matches!(KeyFile::create(&path, &key, None), Err(StoreError::AlreadyExists { .. })));
    }

    #[test]
    fn weakened_argon2_parameters_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mend.key");
        let passphrase = Passphrase::new("correct horse battery".into()).unwrap();
        KeyFile::create(&path, &DataKey::generate(), Some(&passphrase)).unwrap();
        let text = fs::read_to_string(&path).unwrap().replace("memory_kib = 47104", "memory_kib = 8192");
        fs::write(&path, text).unwrap();
        let err = KeyFile::read(&path).unwrap().unlock(Some(&passphrase)).unwrap_err();
        assert!(matches!(err, StoreError::KeyFileDamaged { .. }), "{err:?}");
    }

    #[cfg(unix)]
    #[test]
    fn an_owner_only_key_file_is_private_and_refused_when_others_may_read_it() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mend.key");
        let key = DataKey::generate();
        KeyFile::create(&path, &key, None).unwrap();
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(KeyFile::read(&path).unwrap().unlock(None).unwrap(), key);
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(KeyFile::read(&path), Err(StoreError::KeyFileExposed { mode: 0o644, .. })));
    }

    #[test]
    fn short_passphrases_are_refused_when_set() {
        assert!(matches!(Passphrase::new("short".into()), Err(StoreError::WeakPassphrase { .. })));
        assert!(matches!(Passphrase::new("        x".into()), Err(StoreError::WeakPassphrase { .. })));
        assert_eq!(Passphrase::given("from a file\n".into()).expose(), "from a file");
    }
}
