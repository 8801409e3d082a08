//! The form's anti-forgery value: an HMAC of the invitation token and the questionnaire's id and
//! version under the server's secret, so only a page this server rendered for this link, with
//! those questions, can post to it.
//!
//! The value names the version it was made for (`VERSION.MAC`): a link keeps the version it was
//! made for while the content moves on, so a posted form says which questions it answers, and
//! the MAC proves this server showed that version to that link.

use hmac::{Hmac, Mac};
use mend_core::InvitationToken;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Separates this use of the secret from any other use of the same key.
const DOMAIN: &[u8] = b"mend-intake form v1\0";

/// The key that signs form values; kept out of `Debug` output.
#[derive(Clone)]
pub(crate) struct FormKey {
    secret: [u8; 32],
    /// The questionnaire's id: a form rendered for other questions does not verify.
    questionnaire: String,
}

impl std::fmt::Debug for FormKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FormKey(..)")
    }
}

impl FormKey {
    /// Wraps the server's persisted secret, for the forms of one questionnaire.
    pub(crate) fn new(secret: [u8; 32], questionnaire: &str) -> Self {
        Self { secret, questionnaire: questionnaire.to_owned() }
    }

    fn mac(&self, token: &InvitationToken, version: u32) -> HmacSha256 {
        // HMAC accepts keys of any length, so this cannot fail for a 32-byte key.
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.secret).unwrap_or_else(|_| unreachable!());
        mac.update(DOMAIN);
        mac.update(format!("{}\0{version}\0", self.questionnaire).as_bytes());
        mac.update(token.expose().as_bytes());
        mac
    }

    /// The hidden `_csrf` value for the form of `version` served at this token.
    pub(crate) fn sign(&self, token: &InvitationToken, version: u32) -> String {
        format!("{version}.{}", hex::encode(self.mac(token, version).finalize().into_bytes()))
    }

    /// The version a posted `_csrf` value was made for, if it is this server's value for this
    /// token (the MAC compared in constant time).
    pub(crate) fn verify(&self, token: &InvitationToken, given: &str) -> Option<u32> {
        let (version, mac) = given.trim().split_once('.')?;
        let version: u32 = version.parse().ok()?;
        let bytes = hex::decode(mac).ok()?;
        self.mac(token, version).verify_slice(&bytes).is_ok().then_some(version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_verifies_only_for_its_own_token_key_and_questionnaire() {
        let token = |digit: &str| InvitationToken::parse(&digit.repeat(64)).unwrap();
        let (a, b) = (token("a"), token("b"));
        let key = FormKey::new([7; 32], "intake");
        let value = key.sign(&a, 1);
        assert_eq!(key.verify(&a, &value), Some(1));
        assert_eq!(key.verify(&a, &key.sign(&a, 2)), Some(2), "each version's form verifies as that version");
        assert_eq!(key.verify(&b, &value), None);
        assert_eq!(FormKey::new([8; 32], "intake").verify(&a, &value), None);
        assert_eq!(FormKey::new([7; 32], "checkin").verify(&a, &value), None, "other questions");
        let claims_another_version = value.replacen("1.", "2.", 1);
        assert_eq!(key.verify(&a, &claims_another_version), None, "the version is under the MAC");
        for bad in ["", "zz", "1.", ".", &value[..10]] {
            assert_eq!(key.verify(&a, bad), None, "{bad:?}");
        }
    }
}
