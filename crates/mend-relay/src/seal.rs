//! Sealing: what a link holds is sealed by a key derived from its own token, and sent answers are
//! sealed to the practice's public key, so that a copy of the relay's disk opens nothing.
//!
//! A link's key is HKDF-SHA256 of the token; the relay stores only the token's SHA-256, from which
//! the key cannot be worked out, and learns the key only while a partner's request carries the
//! token. Answers are sealed with age (X25519) to the practice's recipient; only the practice's
//! identity, kept inside the encrypted record, opens them.

use std::str::FromStr;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use mend_core::InvitationToken;
use rand::RngCore;
use sha2::Sha256;
use zeroize::Zeroizing;

/// What a sealed value is, bound into its seal so that one kind can never be opened as another
/// (a draft put where the details go, say).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sealed {
    /// A link's details: the partner's name and what the link asks.
    Details,
    /// A partner's saved, unsent answers.
    Draft,
}

impl Sealed {
    fn label(self) -> &'static [u8] {
        match self {
            Sealed::Details => b"mend link details v1",
            Sealed::Draft => b"mend link draft v1",
        }
    }
}

/// A seal that does not open: the wrong link, or bytes that were changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a sealed value did not open: it was sealed for another link or key, or it was changed")]
pub struct SealBroken;

/// The key of one link, derived from its token. Never stored anywhere.
pub struct LinkKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for LinkKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkKey(..)")
    }
}

/// The length of the random nonce before each sealed value.
const NONCE_BYTES: usize = 24;

impl LinkKey {
    /// The key of the link `token` opens.
    pub fn of(token: &InvitationToken) -> LinkKey {
        let hkdf = Hkdf::<Sha256>::new(Some(b"mend relay link key"), token.expose().as_bytes());
        let mut key = Zeroizing::new([0u8; 32]);
        // 32 bytes is far below HKDF-SHA256's limit of 8,160, so this cannot fail.
        let _ = hkdf.expand(b"xchacha20poly1305", key.as_mut());
        LinkKey(key)
    }

    /// Seals `plain` as `what`: a fresh random nonce, then the ciphertext with its tag.
    pub fn seal(&self, what: Sealed, plain: &[u8]) -> Vec<u8> {
        let cipher = XChaCha20Poly1305::new(self.0.as_ref().into());
        let mut nonce = [0u8; NONCE_BYTES];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = cipher
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: plain, aad: what.label() })
            // Encryption fails only for a message beyond 256 GiB.
            .unwrap_or_default();
        let mut out = Vec::with_capacity(NONCE_BYTES + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    /// Opens a value sealed as `what` by [`LinkKey::seal`] with this key.
    pub fn open(&self, what: Sealed, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, SealBroken> {
        if sealed.len() < NONCE_BYTES {
            return Err(SealBroken);
        }
        let (nonce, body) = sealed.split_at(NONCE_BYTES);
        let cipher = XChaCha20Poly1305::new(self.0.as_ref().into());
        cipher
            .decrypt(XNonce::from_slice(nonce), Payload { msg: body, aad: what.label() })
            .map(Zeroizing::new)
            .map_err(|_| SealBroken)
    }
}

/// The practice's public key: what answers are sealed to. Safe to give to any relay.
#[derive(Clone)]
pub struct PracticeRecipient(age::x25519::Recipient);

/// Not a practice's public key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a practice key (an age X25519 key starts with `age1`)")]
pub struct BadKey;

impl PracticeRecipient {
    /// Reads a key written by [`PracticeRecipient::to_text`].
    pub fn parse(text: &str) -> Result<Self, BadKey> {
        age::x25519::Recipient::from_str(text.trim()).map(PracticeRecipient).map_err(|_| BadKey)
    }

    /// The key as text (`age1…`).
    pub fn to_text(&self) -> String {
        self.0.to_string()
    }

    /// Seals `plain` so that only the practice's identity opens it.
    pub fn seal(&self, plain: &[u8]) -> Vec<u8> {
        // age fails here only on an I/O error writing to memory, which cannot happen.
        age::encrypt(&self.0, plain).unwrap_or_default()
    }
}

impl std::fmt::Debug for PracticeRecipient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PracticeRecipient({})", self.0)
    }
}

/// The practice's secret key, which opens its answers. It lives only inside the encrypted record.
pub struct PracticeIdentity(age::x25519::Identity);

impl std::fmt::Debug for PracticeIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PracticeIdentity(..)")
    }
}

impl PracticeIdentity {
    /// A fresh key pair.
    pub fn generate() -> Self {
        PracticeIdentity(age::x25519::Identity::generate())
    }

    /// Reads a key written by [`PracticeIdentity::to_text`].
    pub fn parse(text: &str) -> Result<Self, BadKey> {
        age::x25519::Identity::from_str(text.trim()).map(PracticeIdentity).map_err(|_| BadKey)
    }

    /// The secret key as text (`AGE-SECRET-KEY-1…`), to keep in the record.
    pub fn to_text(&self) -> Zeroizing<String> {
        use age::secrecy::ExposeSecret;
        Zeroizing::new(self.0.to_string().expose_secret().to_owned())
    }

    /// The public half.
    pub fn recipient(&self) -> PracticeRecipient {
        PracticeRecipient(self.0.to_public())
    }

    /// Opens what was sealed to this practice.
    pub fn open(&self, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, SealBroken> {
        age::decrypt(&self.0, sealed).map(Zeroizing::new).map_err(|_| SealBroken)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(n: u8) -> InvitationToken {
        InvitationToken::parse(&format!("{n:02x}").repeat(32)).unwrap()
    }

    #[test]
    fn a_link_opens_only_its_own_seals_of_the_same_kind() {
        let key = LinkKey::of(&token(1));
        let sealed = key.seal(Sealed::Draft, b"Ana's words");
        assert_eq!(&key.open(Sealed::Draft, &sealed).unwrap()[..], b"Ana's words");
        assert_eq!(LinkKey::of(&token(2)).open(Sealed::Draft, &sealed), Err(SealBroken), "another link");
        assert_eq!(key.open(Sealed::Details, &sealed), Err(SealBroken), "another kind");
        let mut changed = sealed.clone();
        *changed.last_mut().unwrap() ^= 1;
        assert_eq!(key.open(Sealed::Draft, &changed), Err(SealBroken), "changed bytes");
        assert!(!sealed.windows(5).any(|w| w == b"words"), "the text does not show");
        assert_ne!(sealed, key.seal(Sealed::Draft, b"Ana's words"), "a fresh nonce each time");
    }

    #[test]
    fn answers_open_only_with_the_practice_identity() {
        let practice = PracticeIdentity::generate();
        let recipient = PracticeRecipient::parse(&practice.recipient().to_text()).unwrap();
        let sealed = recipient.seal(b"{\"answer\":\"yes\"}");
        assert_eq!(&practice.open(&sealed).unwrap()[..], b"{\"answer\":\"yes\"}");
        assert_eq!(PracticeIdentity::generate().open(&sealed), Err(SealBroken));
        let again = PracticeIdentity::parse(&practice.to_text()).unwrap();
        assert_eq!(&again.open(&sealed).unwrap()[..], b"{\"answer\":\"yes\"}");
        assert_eq!(PracticeRecipient::parse("age1nonsense").unwrap_err(), BadKey);
    }
}
