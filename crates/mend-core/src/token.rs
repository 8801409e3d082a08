//! The secret in an invitation link, as a type: parsed or made fresh, redacted, known by its hash.

use sha2::{Digest, Sha256};

/// Random bytes in a fresh token: 256 bits, far beyond guessing.
const TOKEN_BYTES: usize = 32;

/// The length of a token's text: each random byte as two hexadecimal digits.
pub const TOKEN_CHARS: usize = TOKEN_BYTES * 2;

/// The secret that opens one partner's intake form.
///
/// Made only by [`InvitationToken::parse`] or [`InvitationToken::generate`], so whoever holds one
/// holds something shaped like a real token: 64 lowercase hexadecimal digits. Its `Debug` never
/// shows it, and there is no `Display`: the text leaves the type only through
/// [`InvitationToken::expose`], for the link and the form value.
#[derive(Clone, PartialEq, Eq)]
pub struct InvitationToken(String);

/// Why a text is not an invitation token. It does not repeat the text: that could be a real token
/// with a typo, and errors end up in logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not an invitation token (a token is {TOKEN_CHARS} lowercase hexadecimal digits)")]
pub struct InvalidToken;

impl InvitationToken {
    /// Reads a token from a link. Only the exact form that [`InvitationToken::generate`] makes is
    /// accepted: anything else cannot be a link we gave out, so it is refused before any lookup.
    pub fn parse(text: &str) -> Result<Self, InvalidToken> {
        let hex_digit = |b: u8| b.is_ascii_digit() || (b'a'..=b'f').contains(&b);
        if text.len() == TOKEN_CHARS && text.bytes().all(hex_digit) {
            Ok(Self(text.to_owned()))
        } else {
            Err(InvalidToken)
        }
    }

    /// A fresh token from a random source. The source comes in as an argument, as the date does,
    /// so that mend-core itself touches nothing outside; callers pass a cryptographic generator
    /// such as `rand::rng()`, since the token is all that guards a partner's form.
    pub fn generate(random: &mut impl rand::CryptoRng) -> Self {
        let mut bytes = [0u8; TOKEN_BYTES];
        random.fill_bytes(&mut bytes);
        Self(hex::encode(bytes))
    }

    /// The token's SHA-256 as lowercase hex: all the database ever holds of it.
    pub fn sha256(&self) -> String {
        hex::encode(Sha256::digest(self.0.as_bytes()))
    }

    /// The token's text, for the link and for signing the form. The one way it leaves the type,
    /// so that every place it is written out is easy to find.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for InvitationToken {
    /// Redacted: a token in a log line or a panic message would open someone's form.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InvitationToken(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn refused(text: &str) {
        assert_eq!(InvitationToken::parse(text), Err(InvalidToken), "{text:?}");
    }

    #[test]
    fn a_token_as_generated_is_accepted() {
        assert_eq!(InvitationToken::parse(GOOD).map(|t| t.expose().to_owned()), Ok(GOOD.to_owned()));
    }

    #[test]
    fn an_empty_text_is_refused() {
        refused("");
    }

    #[test]
    fn a_text_one_digit_short_is_refused() {
        refused(&GOOD[1..]);
    }

    #[test]
    fn a_text_one_digit_long_is_refused() {
        refused(&format!("{GOOD}0"));
    }

    #[test]
    fn uppercase_hex_is_refused() {
        refused(&GOOD.to_uppercase());
    }

    #[test]
    fn letters_past_f_are_refused() {
        refused(&format!("g{}", &GOOD[1..]));
    }

    #[test]
    fn url_characters_are_refused() {
        refused(&format!("-{}", &GOOD[1..]));
        refused(&format!("{}_", &GOOD[1..]));
        refused(&format!("{}/", &GOOD[1..]));
    }

    #[test]
    fn spaces_are_refused() {
        refused(&format!(" {}", &GOOD[1..]));
        refused(&format!("{} ", &GOOD[1..]));
    }

    #[test]
    fn non_ascii_of_the_right_byte_length_is_refused() {
        // 'é' is two bytes, so this text has 64 bytes but is not 64 hex digits.
        refused(&format!("é{}", &GOOD[2..]));
    }

    #[test]
    fn debug_never_shows_the_token() {
        let token = InvitationToken::parse(GOOD).unwrap();
        let shown = format!("{token:?} {:?} {:#?}", Some(&token), [&token]);
        assert!(!shown.contains(GOOD), "{shown}");
        assert!(!shown.contains("0123456789"), "not even part of it: {shown}");
    }

    #[test]
    fn the_error_does_not_repeat_the_text() {
        let almost = &GOOD[1..];
        let error = InvitationToken::parse(almost).unwrap_err();
        assert!(!error.to_string().contains(almost));
        assert!(!format!("{error:?}").contains(almost));
    }

    #[test]
    fn the_hash_is_the_sha256_of_the_text_in_lowercase_hex() {
        let token = InvitationToken::parse(GOOD).unwrap();
        assert_eq!(token.sha256(), hex::encode(Sha256::digest(GOOD.as_bytes())));
        assert_eq!(token.sha256().len(), 64);
        assert_ne!(token.sha256(), GOOD);
    }

    #[test]
    fn generated_tokens_parse_back_and_differ() {
        let mut random = rand::rng();
        let (one, two) = (InvitationToken::generate(&mut random), InvitationToken::generate(&mut random));
        assert_ne!(one, two);
        assert_eq!(InvitationToken::parse(one.expose()), Ok(one.clone()));
        assert_eq!(one.expose().len(), TOKEN_CHARS);
    }
}
