//! A sent form in one pass: read, verify, find the link, check once, seal, one relay job, one
//! outcome, one response.
//!
//! The body is read strictly, its form value verified against the link, the link found (one
//! read), and the answers checked by the questions its page showed. Complete answers are sealed at
//! once, in memory, to the practice's key, and the sealed form goes to the writer's group commit
//! ([`crate::relay_thread`]); nothing of them is written in clear. A draft is sealed by the link's
//! own key. Answers with mistakes go back to the partner.

use std::net::IpAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use mend_core::day::latest_today;
use mend_core::questionnaire::FieldError;
use mend_core::{InvitationToken, Questionnaire, RawAnswers};
use mend_relay::{Arrival, LinkKey, LinkKind, LinkState, Received, Sealed, SentForm};
use time::OffsetDateTime;

use crate::csrf::FormKey;
use crate::guards::Client;
use crate::pages::{Banner, Notice};
use crate::parse::{PostedForm, parse_form};
use crate::state::{Failure, FormRender, Link, Shared, json};

/// Where a partner lands after sending: a page without the token, so the link is not kept in
/// the address bar or history of a shared device.
pub(crate) const THANKS_PATH: &str = "/thanks";

/// `POST /i/{token}`: save a draft of the intake, or check and send the answers.
pub(crate) async fn submit_form(
    State(app): State<Shared>,
    Client(client): Client,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
    body: Body,
) -> Result<Response, Failure> {
    submit(app, client, &headers, path, body, LinkKind::Intake).await
}

/// `POST /c/{token}`: save a draft of a check-in, or check and send it.
pub(crate) async fn submit_checkin(
    State(app): State<Shared>,
    Client(client): Client,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
    body: Body,
) -> Result<Response, Failure> {
    submit(app, client, &headers, path, body, LinkKind::Checkin).await
}

/// A sent form of either kind, in one pass. The body is read only once the token has its shape
/// and names a link of this relay, so a guesser's post costs no read of a body at all.
async fn submit(
    app: Shared,
    client: IpAddr,
    headers: &HeaderMap,
    path: Result<Path<String>, PathRejection>,
    body: Body,
    kind: LinkKind,
) -> Result<Response, Failure> {
    app.below_hard_cap(client)?;
    let token = app.token(path, client)?;
    let Some(found) = app.find(&token).await? else { return Err(app.invalid_link(client)) };
    // The largest body any version of the questions this relay shows can need, the link's own
    // version among them (loaded, and counted, before the body is read).
    let questions = app.questionnaire(found.practice, &found.questionnaire, found.version).await?;
    let limit = app.body_limit_for(&questions);
    // A body is read up to the limit and refused there (http-body-util's "length limit
    // exceeded"). It is not refused unread by its declared length: a browser still sending it
    // would then see the connection cut instead of the page that says what to do.
    let body = axum::body::to_bytes(body, limit).await.map_err(|error| {
        if error.to_string().contains("length limit") { Notice::TooLarge } else { Notice::BadRequest }
    })?;
    let form = if is_form(headers) { parse_form(&body).ok() } else { None };
    // A form this server signed for this link comes from the partner's own page: it is never
    // refused for what guessers on the same address did (two partners at home share one).
    let verified = verify(app.form_key(kind), &token, form);
    let now = OffsetDateTime::now_utc();
    let signed = !matches!(verified, Err(Refusal { signed: false, .. }));
    if found.kind == kind && found.state == LinkState::Used && signed {
        // A second click on "Send", or a reload after sending, from the page we served: the
        // answers were kept once, so say so again.
        return Ok(Redirect::to(THANKS_PATH).into_response());
    }
    let Some(link) = app.open(&token, found, kind).await? else { return Err(app.invalid_link(client)) };
    let verified = match verified {
        Ok(form) => form,
        Err(refusal) => return Err(refusal.notice.into()),
    };
    // The questions of the version this link's page was rendered with, which its form value names.
    let questionnaire = if verified.version == link.questionnaire.version {
        Arc::clone(&link.questionnaire)
    } else {
        app.questionnaire(link.practice, &link.questionnaire.id, verified.version).await?
    };
    let outcome = match verified.button {
        Button::Send => match questionnaire.check(&verified.typed, latest_today(now)) {
            Ok(_) => send(&app, &token, &link, &questionnaire, verified.typed, now).await?,
            Err(errors) => Outcome::FormAgain { typed: verified.typed, errors, banner: Banner::None },
        },
        Button::Save => save(&app, &token, &questionnaire, verified.typed, now).await?,
    };
    respond(&app, client, &token, &link, &questionnaire, outcome)
}

/// Which button a partner pressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Button {
    /// "Send", or Enter in a field, which sends no button at all.
    Send,
    /// "Save and finish later".
    Save,
}

/// A post refused whatever its link: what to say if the link works, and whether it carried this
/// link's form value (a signed post on a used link is a second click, and is thanked).
#[derive(Debug, Clone, Copy)]
struct Refusal {
    notice: Notice,
    signed: bool,
}

/// A form this server rendered for this link: which button, which version of the questions,
/// and what was typed.
#[derive(Debug)]
struct VerifiedForm {
    button: Button,
    version: u32,
    typed: RawAnswers,
}

/// Verifies a read form: a form value made by this server for this link and a version of its
/// questions, and a button we know. Answers are looked at only after this.
fn verify(key: &FormKey, token: &InvitationToken, form: Option<PostedForm>) -> Result<VerifiedForm, Refusal> {
    let Some(form) = form else { return Err(Refusal { notice: Notice::BadRequest, signed: false }) };
    let Some(version) = form.csrf.as_deref().and_then(|value| key.verify(token, value)) else {
        return Err(Refusal { notice: Notice::Forbidden, signed: false });
    };
    let button = match form.action.as_deref() {
        Some("send") | None => Button::Send,
        Some("save") => Button::Save,
        Some(_) => return Err(Refusal { notice: Notice::BadRequest, signed: true }),
    };
    Ok(VerifiedForm { button, version, typed: form.answers })
}

/// What became of a sent form: the one thing its response is made from.
#[derive(Debug)]
enum Outcome {
    /// Kept now, or by an earlier click on the same form: thank the partner.
    Kept,
    /// The link stopped working meanwhile: the one plain page.
    DeadLink,
    /// The form goes back to the partner with everything they typed: with their mistakes, saved,
    /// or not kept because our side failed.
    FormAgain { typed: RawAnswers, errors: Vec<FieldError>, banner: Banner },
}

/// Seals checked answers to the practice and hands them to the writer's group commit; if that
/// fails on our side it is tried once more, and then the form goes back with every answer in it.
async fn send(
    app: &Shared,
    token: &InvitationToken,
    link: &Link,
    questionnaire: &Questionnaire,
    typed: RawAnswers,
    now: OffsetDateTime,
) -> Result<Outcome, Failure> {
    let form = SentForm {
        token_sha256: token.sha256(),
        kind: link.kind,
        questionnaire: questionnaire.id.clone(),
        version: questionnaire.version,
        answers: typed,
        sent_at: now,
    };
    let sealed = form.seal(&link.recipient()?);
    let arrival = Arrival { token_sha256: form.token_sha256.clone(), practice: link.practice, sealed, at: now };
    let mut last_error = None;
    for _ in 0..2 {
        match app.writer.submit(arrival.clone()).await {
            Ok(Received::Kept | Received::AlreadyUsed) => return Ok(Outcome::Kept),
            Ok(Received::NotActive) => return Ok(Outcome::DeadLink),
            Err(error) => {
                tracing::warn!(cause = %error, "keeping a sent form failed");
                last_error = Some(error);
            }
        }
    }
    if let Some(error) = last_error {
        tracing::error!(cause = %error, "answers could not be stored on the relay; the form was sent back with them");
    }
    Ok(Outcome::FormAgain { typed: form.answers, errors: Vec::new(), banner: Banner::NotStored })
}

/// Seals a draft by the link's own key and keeps it.
async fn save(
    app: &Shared,
    token: &InvitationToken,
    questionnaire: &Questionnaire,
    typed: RawAnswers,
    now: OffsetDateTime,
) -> Result<Outcome, Failure> {
    let sealed = LinkKey::of(token).seal(Sealed::Draft, &json(&questionnaire.draft(&typed)));
    let hash = token.sha256();
    match app.writer.run(move |relay| relay.save_draft(&hash, &sealed, now)).await {
        Ok(true) => Ok(Outcome::FormAgain { typed, errors: Vec::new(), banner: Banner::Saved }),
        Ok(false) => Ok(Outcome::DeadLink),
        Err(error) => {
            tracing::error!(cause = %error, "a draft could not be kept; the form was sent back with it");
            Ok(Outcome::FormAgain { typed, errors: Vec::new(), banner: Banner::NotStored })
        }
    }
}

/// The one response for an outcome.
fn respond(
    app: &Shared,
    client: IpAddr,
    token: &InvitationToken,
    link: &Link,
    questionnaire: &Questionnaire,
    outcome: Outcome,
) -> Result<Response, Failure> {
    match outcome {
        Outcome::Kept => Ok(Redirect::to(THANKS_PATH).into_response()),
        Outcome::DeadLink => Err(app.invalid_link(client)),
        Outcome::FormAgain { typed, errors, banner } => {
            let status = if banner == Banner::NotStored {
                StatusCode::SERVICE_UNAVAILABLE
            } else if !errors.is_empty() {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::OK
            };
            // The page that comes back is the partner's own and is not cached, so it keeps
            // everything they typed, the answers a draft leaves out included.
            Ok(app.render_form(FormRender {
                link,
                questionnaire,
                token,
                answers: &typed,
                errors: &errors,
                banner,
                status,
            }))
        }
    }
}

/// Whether the body is declared as a urlencoded form, as browsers send it.
fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"))
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn only_urlencoded_bodies_are_forms() {
        let mut headers = HeaderMap::new();
        assert!(!is_form(&headers));
        headers
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/x-www-form-urlencoded; charset=UTF-8"));
        assert!(is_form(&headers));
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("multipart/form-data; boundary=x"));
        assert!(!is_form(&headers));
    }
}
