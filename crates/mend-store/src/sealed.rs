//! Exports sealed for a passphrase: the standard age format with its scrypt recipient, so an
//! export of an encrypted practice is no easier to read than the database, and can still be
//! opened without mend by the `age` tool.

use age::secrecy::SecretString;
use zeroize::Zeroizing;

use crate::StoreError;
use crate::key::Passphrase;

/// The first line of every age file.
const AGE_MAGIC: &[u8] = b"age-encryption.org/v1\n";

/// scrypt's work factor for sealing: N = 2^18, about a second on a laptop, age's own choice
/// there, fixed so that a slow or busy machine does not pick a weaker one.
const SCRYPT_LOG_N: u8 = 18;

/// The most work an export may ask for when opened (2^22, a few seconds and 4 GiB at most).
const SCRYPT_MAX_LOG_N: u8 = 22;

/// Whether `bytes` are a sealed (age) file rather than plain JSON.
pub fn is_sealed(bytes: &[u8]) -> bool {
    bytes.starts_with(AGE_MAGIC)
}

/// Seals `plain` for `passphrase`.
pub fn seal(plain: &[u8], passphrase: &Passphrase) -> Result<Vec<u8>, StoreError> {
    let mut recipient = age::scrypt::Recipient::new(SecretString::from(passphrase.expose().to_owned()));
    recipient.set_work_factor(SCRYPT_LOG_N);
    age::encrypt(&recipient, plain).map_err(|e| StoreError::Corrupt(format!("sealing the export failed: {e}")))
}

/// Opens what [`seal`] made, with `passphrase`.
pub fn unseal(sealed: &[u8], passphrase: &Passphrase) -> Result<Zeroizing<Vec<u8>>, StoreError> {
    let mut identity = age::scrypt::Identity::new(SecretString::from(passphrase.expose().to_owned()));
    identity.set_max_work_factor(SCRYPT_MAX_LOG_N);
    match age::decrypt(&identity, sealed) {
        Ok(plain) => Ok(Zeroizing::new(plain)),
        Err(
            age::DecryptError::DecryptionFailed
            | age::DecryptError::NoMatchingKeys
            | age::DecryptError::KeyDecryptionFailed,
        ) => Err(StoreError::WrongExportPassphrase),
        Err(err) => Err(StoreError::BadExport(format!("the encrypted export cannot be opened ({err})"))),
    }
}
