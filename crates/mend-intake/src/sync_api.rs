//! The relay's side of a second machine: a practice pairs once with a one-time code, then pushes
//! links and takes sealed answers in with the credential pairing gave it.
//!
//! Routes, all JSON, under `/relay/v1/`: `POST pair`, `POST push`, `GET waiting`, `POST
//! acknowledge`. Every one but `pair` needs `Authorization: Bearer CREDENTIAL`; a wrong, replayed
//! or missing credential, or a used or expired code, gets a bare 401 or 403 that says nothing
//! else, and is charged to the address like a link that does not work. Nothing here can read what
//! it carries: links come sealed by their tokens, answers leave sealed to the practice.

use std::net::IpAddr;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use mend_relay::{PracticeId, Push, Waiting};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::guards::Client;
use crate::pages::OwnPage;
use crate::state::Shared;

/// The most sealed answers one `waiting` call gives.
const MOST_WAITING: usize = 1000;

/// What a practice sends to pair.
#[derive(Debug, Deserialize)]
pub(crate) struct PairRequest {
    code: String,
    /// The practice's public key (age X25519), which answers will be sealed to.
    recipient: String,
}

/// What pairing gives back.
#[derive(Debug, Serialize)]
struct Paired {
    practice: i64,
    credential: String,
}

/// `GET waiting?limit=N`.
#[derive(Debug, Deserialize)]
pub(crate) struct WaitingQuery {
    limit: Option<usize>,
}

/// `POST acknowledge`.
#[derive(Debug, Deserialize)]
pub(crate) struct Acknowledge {
    ids: Vec<i64>,
}

/// A refusal or failure, as a bare status: no page, no reason a caller without the credential
/// could learn from.
fn bare(status: StatusCode) -> Response {
    let mut response = (status, [(header::CONTENT_TYPE, "application/json")], "{}").into_response();
    response.extensions_mut().insert(OwnPage);
    response
}

/// A JSON answer, kept as it is by the guard.
fn json(value: &impl Serialize) -> Response {
    let mut response = Json(value).into_response();
    response.extensions_mut().insert(OwnPage);
    response
}

/// Refused: charged to the address like a link that does not work.
fn refused(app: &Shared, client: IpAddr, status: StatusCode) -> Response {
    app.limiter.charge(client);
    app.hard_cap.charge(client);
    bare(status)
}

/// Ours: logged (by the failure itself), a bare 500.
fn failed(error: crate::state::Failure) -> Response {
    let _logged = error.into_response();
    bare(StatusCode::INTERNAL_SERVER_ERROR)
}

/// The practice a request's credential belongs to, or the response that refuses it.
async fn practice(app: &Shared, client: IpAddr, headers: &HeaderMap) -> Result<PracticeId, Response> {
    if app.limiter.check(client).is_err() {
        return Err(bare(StatusCode::TOO_MANY_REQUESTS));
    }
    let credential = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|credential| credential.len() == 64 && credential.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_owned);
    let Some(credential) = credential else { return Err(refused(app, client, StatusCode::UNAUTHORIZED)) };
    match app.read(move |relay| relay.practice_of(&credential)).await {
        Ok(Some(practice)) => Ok(practice),
        Ok(None) => Err(refused(app, client, StatusCode::UNAUTHORIZED)),
        Err(_) => Err(bare(StatusCode::INTERNAL_SERVER_ERROR)),
    }
}

/// `POST /relay/v1/pair`: a one-time code and the practice's public key give a credential.
pub(crate) async fn pair(State(app): State<Shared>, Client(client): Client, body: Json<PairRequest>) -> Response {
    if app.limiter.check(client).is_err() {
        return bare(StatusCode::TOO_MANY_REQUESTS);
    }
    let Json(PairRequest { code, recipient }) = body;
    let now = OffsetDateTime::now_utc();
    match app.write(move |relay| relay.pair(&code, &recipient, now)).await {
        Ok(Ok((practice, credential))) => json(&Paired { practice: practice.get(), credential }),
        Ok(Err(_)) => refused(&app, client, StatusCode::FORBIDDEN),
        Err(_) => bare(StatusCode::INTERNAL_SERVER_ERROR),
    }
}

/// `POST /relay/v1/push`: new links, the versions they show and retired links, in one commit.
pub(crate) async fn push(
    State(app): State<Shared>,
    Client(client): Client,
    headers: HeaderMap,
    body: Json<Push>,
) -> Response {
    let practice = match practice(&app, client, &headers).await {
        Ok(practice) => practice,
        Err(refusal) => return refusal,
    };
    let Json(push) = body;
    let now = OffsetDateTime::now_utc();
    match app.write(move |relay| relay.push(practice, &push, now)).await {
        Ok(()) => bare(StatusCode::OK),
        Err(error) => failed(error),
    }
}

/// `GET /relay/v1/waiting`: the practice's sealed answers, oldest first.
pub(crate) async fn waiting(
    State(app): State<Shared>,
    Client(client): Client,
    headers: HeaderMap,
    Query(query): Query<WaitingQuery>,
) -> Response {
    let practice = match practice(&app, client, &headers).await {
        Ok(practice) => practice,
        Err(refusal) => return refusal,
    };
    let limit = query.limit.unwrap_or(MOST_WAITING).min(MOST_WAITING);
    match app.read(move |relay| relay.waiting(practice, limit)).await {
        Ok(waiting) => json(&WaitingList { waiting }),
        Err(error) => failed(error),
    }
}

/// The answers waiting, as `waiting` gives them.
#[derive(Debug, Serialize)]
struct WaitingList {
    waiting: Vec<Waiting>,
}

/// `POST /relay/v1/acknowledge`: deletes answers the practice has committed to its record.
pub(crate) async fn acknowledge(
    State(app): State<Shared>,
    Client(client): Client,
    headers: HeaderMap,
    body: Json<Acknowledge>,
) -> Response {
    let practice = match practice(&app, client, &headers).await {
        Ok(practice) => practice,
        Err(refusal) => return refusal,
    };
    let Json(Acknowledge { ids }) = body;
    match app.write(move |relay| relay.acknowledge(practice, &ids)).await {
        Ok(deleted) => json(&serde_json::json!({ "deleted": deleted })),
        Err(error) => failed(error),
    }
}
