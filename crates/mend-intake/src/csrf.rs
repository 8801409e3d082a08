//! The form's anti-forgery value: an HMAC of the invitation token and the questionnaire's id and
//! version under the server's secret, so only a page this server rendered for this link, with
//! the questions it asks now, can post to it.

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
    /// The questionnaire's id and version: a form rendered for other questions does not verify.
    scope: String,
}

impl std::fmt::Debug for FormKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FormKey(..)")
    }
}

impl FormKey {
    /// Wraps the server's persisted secret, for forms of one questionnaire version.
    pub(crate) fn new(secret: [u8; 32], questionnaire: &str, version: u32) -> Self {
        Self { secret, scope: format!("{questionnaire}\0{version}\0") }
    }

    fn mac(&self, token: &InvitationToken) -> HmacSha256 {
        // HMAC accepts keys of any length, so this cannot fail for a 32-byte key.
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.secret).unwrap_or_else(|_| unreachable!());
        mac.update(DOMAIN);
        mac.update(self.scope.as_bytes());
        mac.update(token.expose().as_bytes());
        mac
    }

    /// The hidden `_csrf` value for the form served at this token.
    pub(crate) fn sign(&self, token: &InvitationToken) -> String {
        hex::encode(self.mac(token).finalize().into_bytes())
    }

    /// Whether a posted `_csrf` value belongs to this token, compared in constant time.
    pub(crate) fn verify(&self, token: &InvitationToken, given: &str) -> bool {
        let Ok(bytes) = hex::decode(given.trim()) else { return false };
        self.mac(token).verify_slice(&bytes).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_verifies_only_for_its_own_token_key_and_questionnaire() {
        let token = |digit: &str| InvitationToken::parse(&digit.repeat(64)).unwrap();
        let (a, b) = (token("a"), token("b"));
        let key = FormKey::new([7; 32], "intake", 1);
        let value = key.sign(&a);
        assert!(key.verify(&a, &value));
        assert!(!key.verify(&b, &value));
        assert!(!FormKey::new([8; 32], "intake", 1).verify(&a, &value));
        assert!(!FormKey::new([7; 32], "intake", 2).verify(&a, &value), "a new version of the questions");
        for bad in ["", "zz", &value[..10]] {
            assert!(!key.verify(&a, bad), "{bad:?}");
        }
    }
}
