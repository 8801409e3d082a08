//! A relay on another machine, reached over HTTPS: pairing with a one-time code, then pushes,
//! the sealed answers waiting and their acknowledgement, each with the practice's credential.

use std::time::Duration;

use mend_relay::{Push, Waiting};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::practice::PracticeError;

/// How long one request to the relay may take, connecting included.
const TIMEOUT: Duration = Duration::from_secs(30);

/// A paired relay's address and the practice's credential for it.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Remote {
    pub(crate) url: String,
    pub(crate) credential: String,
}

impl std::fmt::Debug for Remote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Remote").field("url", &self.url).finish_non_exhaustive()
    }
}

/// Whether `url` may carry a practice's sync: `https://`, or plain `http://` only to this machine.
pub(crate) fn checked_url(url: &str) -> Result<String, PracticeError> {
    let url = url.trim().trim_end_matches('/');
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("https://") {
        return Ok(url.to_owned());
    }
    let Some(rest) = lower.strip_prefix("http://") else {
        return Err(PracticeError::BadAddress(url.to_owned()));
    };
    let authority = rest.split('/').next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    let loopback = host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
    if loopback { Ok(url.to_owned()) } else { Err(PracticeError::PlainHttp(url.to_owned())) }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().timeout_global(Some(TIMEOUT)).http_status_as_error(false).build().into()
}

/// What pairing gives.
#[derive(Debug, Deserialize)]
struct Paired {
    practice: i64,
    credential: String,
}

/// The answers waiting, as the relay lists them.
#[derive(Debug, Deserialize)]
struct WaitingList {
    waiting: Vec<Waiting>,
}

/// Pairs with the relay at `url`: gives it the practice's public key for the one-time `code`,
/// and returns the practice's number there and its credential.
pub(crate) fn pair(url: &str, code: &str, recipient: &str) -> Result<(i64, String), PracticeError> {
    let body = serde_json::json!({ "code": code, "recipient": recipient }).to_string();
    let paired: Paired =
        answer(url, agent().post(&format!("{url}/relay/v1/pair")).content_type("application/json").send(body))?;
    Ok((paired.practice, paired.credential))
}

impl Remote {
    fn bearer(&self) -> String {
        format!("Bearer {}", self.credential)
    }

    /// Hands a push to the relay.
    pub(crate) fn push(&self, push: &Push) -> Result<(), PracticeError> {
        let body = serde_json::to_string(push).map_err(|e| PracticeError::Invalid(e.to_string()))?;
        let _: serde_json::Value = self.post("push", body)?;
        Ok(())
    }

    /// Up to `limit` sealed answers waiting, oldest first.
    pub(crate) fn waiting(&self, limit: usize) -> Result<Vec<Waiting>, PracticeError> {
        let asked = agent()
            .get(&format!("{}/relay/v1/waiting?limit={limit}", self.url))
            .header("authorization", &self.bearer())
            .call();
        let list: WaitingList = answer(&self.url, asked)?;
        Ok(list.waiting)
    }

    /// Tells the relay to delete answers the record has committed.
    pub(crate) fn acknowledge(&self, ids: &[i64]) -> Result<(), PracticeError> {
        let _: serde_json::Value = self.post("acknowledge", serde_json::json!({ "ids": ids }).to_string())?;
        Ok(())
    }

    /// Posts a JSON `body` to one of the relay's sync routes, with the credential.
    fn post<T: DeserializeOwned>(&self, route: &str, body: String) -> Result<T, PracticeError> {
        let sent = agent()
            .post(&format!("{}/relay/v1/{route}", self.url))
            .header("authorization", &self.bearer())
            .content_type("application/json")
            .send(body);
        answer(&self.url, sent)
    }
}

/// The relay's JSON answer, or why there is none: unreachable, refused, or failing on its side.
fn answer<T: DeserializeOwned>(
    url: &str,
    response: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
) -> Result<T, PracticeError> {
    let mut response =
        response.map_err(|error| PracticeError::Unreachable { url: url.to_owned(), cause: error.to_string() })?;
    let status = response.status().as_u16();
    match status {
        200 => {}
        401 | 403 => return Err(PracticeError::Refused { url: url.to_owned(), status }),
        429 => return Err(PracticeError::Refused { url: url.to_owned(), status }),
        _ => return Err(PracticeError::RelayFailed { url: url.to_owned(), status }),
    }
    let text = response
        .body_mut()
        .with_config()
        .limit(64 * 1024 * 1024)
        .read_to_string()
        .map_err(|error| PracticeError::Unreachable { url: url.to_owned(), cause: error.to_string() })?;
    serde_json::from_str(&text).map_err(|e| PracticeError::Invalid(format!("the relay's answer: {e}")))
}
