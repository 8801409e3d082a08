//! A sent form in one pass: read, verify, check once, one store job, one outcome, one response.
//!
//! The body is read strictly, its form value verified against the link, and the answers checked
//! by the questionnaire once. The common case, complete answers from our own page, is one trip to
//! the store thread, which commits it together with the other forms waiting
//! ([`crate::store_thread`]). Everything else (answers with mistakes, a draft, a post that is
//! refused, a second try after our side failed) is one job that reads the invitation and, while
//! its link works, does what the form asked.

use std::net::IpAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use mend_core::checkin::scores_of;
use mend_core::day::latest_today;
use mend_core::questionnaire::FieldError;
use mend_core::{CheckedAnswers, InvitationToken, Questionnaire, RawAnswers};
use mend_store::{CheckinAsks, InvitationLookup, InvitationState, Store, StoreError, SubmitOutcome};
use time::{Date, OffsetDateTime};

use crate::csrf::FormKey;
use crate::guards::Client;
use crate::handlers::sheet_titles;
use crate::pages::{Banner, Notice};
use crate::parse::{PostedForm, parse_form};
use crate::state::{Failure, FormRender, Kind, Shared, of_kind};

/// Where a partner lands after sending: a page without the token, so the link is not kept in
/// the address bar or history of a shared device.
pub(crate) const THANKS_PATH: &str = "/thanks";

/// `POST /i/{token}`: save a draft of the intake, or check and send the answers.
pub(crate) async fn submit_form(
    State(app): State<Shared>,
    Client(client): Client,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Failure> {
    submit(app, client, &headers, path, body, Kind::Intake).await
}

/// `POST /c/{token}`: save a draft of a check-in, or check and send it.
pub(crate) async fn submit_checkin(
    State(app): State<Shared>,
    Client(client): Client,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Failure> {
    submit(app, client, &headers, path, body, Kind::Checkin).await
}

/// A sent form of either kind, in one pass.
async fn submit(
    app: Shared,
    client: IpAddr,
    headers: &HeaderMap,
    path: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
    kind: Kind,
) -> Result<Response, Failure> {
    app.admit(client)?;
    let token = app.token(path, client)?;
    let (Some(current), Some(key)) = (app.current(kind).cloned(), app.form_key(kind)) else {
        return Err(app.invalid_link(client));
    };
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE { Notice::TooLarge } else { Notice::BadRequest }
    })?;
    let now = OffsetDateTime::now_utc();
    let form = if is_form(headers) { parse_form(&body).ok() } else { None };
    // The questions of the version this link's page was rendered with, which its form value names.
    let verified = match verify(key, &token, form) {
        Ok(form) => Ok((app.questionnaire(kind, form.version).await?, form)),
        Err(refusal) => Err(refusal),
    };
    let questionnaire = verified.as_ref().map_or(current, |(questionnaire, _)| Arc::clone(questionnaire));
    let job = check(verified, latest_today(now));
    let outcome = store(&app, &token, job, &questionnaire, now, kind).await?;
    respond(&app, client, &token, &questionnaire, outcome, kind)
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

/// The store work a verified form needs. Every variant but `Refuse` comes from a signed form.
#[derive(Debug)]
enum Job {
    /// Answers that passed the check: to store. What was typed is kept to give the form back if
    /// storing fails on our side.
    Store { answers: Arc<CheckedAnswers>, typed: RawAnswers },
    /// Answers with mistakes: the form goes back with them.
    Correct { typed: RawAnswers, errors: Vec<FieldError> },
    /// A draft to keep, without the answers drafts leave out.
    Save { typed: RawAnswers, draft: RawAnswers },
    /// A post that is refused; the store only tells whether its link works.
    Refuse(Refusal),
}

/// Checks the answers of a verified form, once: the questionnaire gives either answers that can
/// be stored or the list of mistakes, never both. `today` is the latest day it may be where the
/// partner is, for dates that must have come.
fn check(verified: Result<(Arc<Questionnaire>, VerifiedForm), Refusal>, today: Date) -> Job {
    match verified {
        Ok((questionnaire, VerifiedForm { button: Button::Send, typed, .. })) => {
            match questionnaire.check(&typed, today) {
                Ok(answers) => Job::Store { answers: Arc::new(answers), typed },
                Err(errors) => Job::Correct { typed, errors },
            }
        }
        Ok((questionnaire, VerifiedForm { button: Button::Save, typed, .. })) => {
            Job::Save { draft: questionnaire.draft(&typed), typed }
        }
        Err(refusal) => Job::Refuse(refusal),
    }
}

/// What became of a sent form: the one thing its response is made from.
#[derive(Debug)]
enum Outcome {
    /// Stored now, or by an earlier click on the same form: thank the partner.
    Stored,
    /// The link does not work, or stopped working meanwhile: the one plain page.
    DeadLink,
    /// The link works, but the post was refused.
    Refused(Notice),
    /// The form goes back to the partner with everything they typed: with their mistakes, saved,
    /// or not stored because our side failed.
    FormAgain {
        /// Boxed: the other outcomes are small, and this one is made only when a form goes back.
        invitation: Box<InvitationLookup>,
        typed: RawAnswers,
        errors: Vec<FieldError>,
        banner: Banner,
        /// For a check-in: what its link asks.
        asks: CheckinAsks,
    },
}

/// The one meaning of a stored form's outcome. A used link counts as stored: the store lets a link
/// store answers once, so a second click or a reload after sending is thanked again.
fn submitted(outcome: SubmitOutcome) -> Outcome {
    match outcome {
        SubmitOutcome::Stored | SubmitOutcome::AlreadyUsed => Outcome::Stored,
        SubmitOutcome::NotActive => Outcome::DeadLink,
    }
}

/// Runs the one store job for a form. Answers to store go to the store thread's group commit;
/// if that fails on our side, they are tried once more through the invitation, so that a second
/// failure can give the form back with every answer still in it.
async fn store(
    app: &Shared,
    token: &InvitationToken,
    job: Job,
    questionnaire: &Arc<Questionnaire>,
    now: OffsetDateTime,
    kind: Kind,
) -> Result<Outcome, Failure> {
    let job = match job {
        // The store checks the invitation inside the transaction that stores the answers, so
        // there is nothing to read first: the form value already binds this link to the version
        // of the questions that checked the answers, and the answers name that version.
        Job::Store { answers, typed } => {
            // A check-in's scores are worked out by the version of the check-in that checked it,
            // and stored with it; both kinds are committed in groups.
            let scores = match kind {
                Kind::Intake => None,
                Kind::Checkin => Some(scores_of(questionnaire, answers.answers())),
            };
            let stored = app.store.submit(token.clone(), Arc::clone(&answers), scores, now).await;
            match stored {
                Ok(outcome) => return Ok(submitted(outcome)),
                Err(error) => {
                    tracing::warn!(cause = %error, "storing a form failed; trying once more");
                    Job::Store { answers, typed }
                }
            }
        }
        other => other,
    };
    let (questionnaire, token) = (Arc::clone(questionnaire), token.clone());
    app.with_store(move |store| through_invitation(store, &questionnaire, kind, &token, job, now)).await
}

/// Stores a check-in with its scores, worked out from the checked answers by the version of the
/// check-in that checked them.
fn submit_checkin_once(
    store: &mut Store,
    checkin: &Questionnaire,
    token: &InvitationToken,
    answers: &CheckedAnswers,
    now: OffsetDateTime,
) -> Result<SubmitOutcome, StoreError> {
    store.submit_checkin(token, answers, &scores_of(checkin, answers.answers()), now)
}

/// The store job for everything but a first try at storing: reads the invitation and, while its
/// link works and is of this kind, does what the form asked.
fn through_invitation(
    store: &mut Store,
    questionnaire: &Questionnaire,
    kind: Kind,
    token: &InvitationToken,
    job: Job,
    now: OffsetDateTime,
) -> Result<Outcome, StoreError> {
    let Some(invitation) = store.lookup_invitation(token, now)? else { return Ok(Outcome::DeadLink) };
    // A check-in link is an invitation that says what it asks; any other is not one.
    let asks = match kind {
        Kind::Intake => CheckinAsks::default(),
        Kind::Checkin => match store.checkin_asks(invitation.invitation_id)? {
            Some(asks) => asks,
            None => return Ok(Outcome::DeadLink),
        },
    };
    let signed = !matches!(job, Job::Refuse(Refusal { signed: false, .. }));
    match invitation.state {
        InvitationState::Active => {}
        // A second click on "Send", or a reload after sending, from the page we served: the
        // answers are already stored once, so say so again.
        InvitationState::Used if signed => return Ok(Outcome::Stored),
        InvitationState::Used | InvitationState::Expired | InvitationState::Retired => return Ok(Outcome::DeadLink),
    }
    if !of_kind(questionnaire, &invitation) {
        return Ok(Outcome::DeadLink);
    }
    let again = |invitation, typed, errors, banner, asks| Outcome::FormAgain {
        invitation: Box::new(invitation),
        typed,
        errors,
        banner,
        asks,
    };
    Ok(match job {
        Job::Refuse(refusal) => Outcome::Refused(refusal.notice),
        Job::Correct { typed, errors } => again(invitation, typed, errors, Banner::None, asks),
        Job::Save { typed, draft } => match store.save_draft(invitation.invitation_id, &draft, now) {
            Ok(()) => again(invitation, typed, Vec::new(), Banner::Saved, asks),
            Err(error) => not_stored(error, invitation, typed, asks),
        },
        Job::Store { answers, typed } => {
            let stored = match kind {
                Kind::Intake => store.submit_intake(token, &answers, now),
                Kind::Checkin => submit_checkin_once(store, questionnaire, token, &answers, now),
            };
            match stored {
                Ok(outcome) => submitted(outcome),
                Err(error) => not_stored(error, invitation, typed, asks),
            }
        }
    })
}

/// When a draft or answers could not be written: a link that stopped working meanwhile is the
/// partner's side; anything else is ours, logged (the cause, never an answer), and the form goes
/// back with every answer in it, so that nothing typed is lost.
fn not_stored(error: StoreError, invitation: InvitationLookup, typed: RawAnswers, asks: CheckinAsks) -> Outcome {
    if matches!(error, StoreError::InvitationNotActive) {
        return Outcome::DeadLink;
    }
    tracing::error!(cause = %error, "answers could not be stored; the form was sent back with them");
    Outcome::FormAgain { invitation: Box::new(invitation), typed, errors: Vec::new(), banner: Banner::NotStored, asks }
}

/// The one response for an outcome.
fn respond(
    app: &Shared,
    client: IpAddr,
    token: &InvitationToken,
    questionnaire: &Questionnaire,
    outcome: Outcome,
    kind: Kind,
) -> Result<Response, Failure> {
    match outcome {
        Outcome::Stored => Ok(Redirect::to(THANKS_PATH).into_response()),
        Outcome::DeadLink => Err(app.invalid_link(client)),
        Outcome::Refused(notice) => Err(notice.into()),
        Outcome::FormAgain { invitation, typed, errors, banner, asks } => {
            let status = if banner == Banner::NotStored {
                StatusCode::SERVICE_UNAVAILABLE
            } else if !errors.is_empty() {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::OK
            };
            // The page that comes back is the partner's own and is not cached, so it keeps
            // everything they typed, the answers a draft leaves out included.
            let sheets = sheet_titles(app, &asks.homework);
            let view = FormRender {
                invitation: &invitation,
                questionnaire,
                token,
                answers: &typed,
                errors: &errors,
                banner,
                status,
                kind,
                sheets: &sheets,
                sections: &asks.sections,
            };
            Ok(app.render_form(view))
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
