//! Reads an `application/x-www-form-urlencoded` body strictly: every name and value must
//! percent-decode to valid UTF-8, or the whole body is refused.
//!
//! Browsers repeat a name once per ticked checkbox, so values are kept as lists. The two control
//! fields (`_action`, `_csrf`) are taken out; everything else is an answer.

use mend_core::RawAnswers;

/// The most fields a form may carry; the real form has a few dozen, so more is not a browser.
const MAX_FIELDS: usize = 2_000;

/// A posted intake form.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct PostedForm {
    /// Which button was pressed: `send` or `save`.
    pub(crate) action: Option<String>,
    /// The anti-forgery value.
    pub(crate) csrf: Option<String>,
    /// Every other field, with all its values in order.
    pub(crate) answers: RawAnswers,
}

/// Why a body could not be read as a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MalformedForm;

/// Parses a urlencoded body.
pub(crate) fn parse_form(body: &[u8]) -> Result<PostedForm, MalformedForm> {
    let mut form = PostedForm::default();
    let mut fields = 0;
    for pair in body.split(|b| *b == b'&').filter(|pair| !pair.is_empty()) {
        fields += 1;
        if fields > MAX_FIELDS {
            return Err(MalformedForm);
        }
        let (name, value) = match pair.iter().position(|b| *b == b'=') {
            Some(at) => (&pair[..at], &pair[at + 1..]),
            None => (pair, &pair[..0]),
        };
        let name = decode(name)?;
        let value = decode(value)?;
        match name.as_str() {
            "_action" => set_once(&mut form.action, value)?,
            "_csrf" => set_once(&mut form.csrf, value)?,
            "" => return Err(MalformedForm),
            _ => form.answers.entry(name).or_default().push(value),
        }
    }
    Ok(form)
}

/// A control field given twice is not something a browser sends.
fn set_once(slot: &mut Option<String>, value: String) -> Result<(), MalformedForm> {
    if slot.replace(value).is_some() { Err(MalformedForm) } else { Ok(()) }
}

/// Percent-decodes one name or value (`+` is a space) and insists on UTF-8.
fn decode(raw: &[u8]) -> Result<String, MalformedForm> {
    let mut bytes = Vec::with_capacity(raw.len());
    let mut rest = raw.iter();
    while let Some(&b) = rest.next() {
        match b {
            b'+' => bytes.push(b' '),
            b'%' => {
                let high = rest.next().and_then(|h| hex_digit(*h)).ok_or(MalformedForm)?;
                let low = rest.next().and_then(|l| hex_digit(*l)).ok_or(MalformedForm)?;
                bytes.push(high << 4 | low);
            }
            _ => bytes.push(b),
        }
    }
    String::from_utf8(bytes).map_err(|_| MalformedForm)
}

fn hex_digit(b: u8) -> Option<u8> {
    char::from(b).to_digit(16).and_then(|d| u8::try_from(d).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fields as `(name, values)`.
    type Fields<'a> = &'a [(&'a str, &'a [&'a str])];

    fn check(body: &[u8], expected: Result<(&str, Fields<'_>), MalformedForm>) {
        let parsed = parse_form(body);
        let expected = expected.map(|(action, answers)| PostedForm {
            action: Some(action.to_owned()),
            csrf: None,
            answers: answers
                .iter()
                .map(|(k, vs)| ((*k).to_owned(), vs.iter().map(|v| (*v).to_owned()).collect()))
                .collect(),
        });
        assert_eq!(parsed, expected, "{}", String::from_utf8_lossy(body));
    }

    #[test]
    fn reads_forms_as_browsers_send_them() {
        check(b"_action=send&name=Zo%C3%AB+N", Ok(("send", &[("name", &["Zoë N"])])));
        check(b"_action=save&breach=lies&breach=affair", Ok(("save", &[("breach", &["lies", "affair"])])));
        check(b"_action=send&empty=&bare&&", Ok(("send", &[("bare", &[""]), ("empty", &[""])])));
        check(b"_action=send&a=1%3D2%26b", Ok(("send", &[("a", &["1=2&b"])])));
    }

    #[test]
    fn refuses_what_is_not_a_well_formed_form() {
        for body in [
            &b"name=%ff"[..],
            b"name=%C3",
            b"name=%zz",
            b"name=%4",
            b"name=\xff",
            b"=value",
            b"_action=send&_action=save",
            b"_csrf=a&_csrf=b",
        ] {
            assert_eq!(parse_form(body), Err(MalformedForm), "{}", String::from_utf8_lossy(body));
        }
        let many = "a=1&".repeat(MAX_FIELDS + 1);
        assert_eq!(parse_form(many.as_bytes()), Err(MalformedForm));
    }
}
