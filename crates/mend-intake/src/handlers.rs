//! The routes: the form at `/i/{token}` (show, save, send), the thank-you page, the health check
//! and the two static files.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use askama::Template;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use mend_core::day::latest_today;
use mend_core::questionnaire::FieldError;
use mend_core::{Answers, Program, RawAnswers};
use mend_store::{InvitationLookup, InvitationState, Store, StoreError, SubmitOutcome};
use time::OffsetDateTime;

use crate::csrf::FormKey;
use crate::form::{first_name, form_view};
use crate::guards::Client;
use crate::limiter::Limiter;
use crate::pages::{Banner, BlankForm, FormPage, Notice, ThanksPage, html};
use crate::parse::{PostedForm, parse_form};
use crate::store_thread::{StoreJobError, StoreThread};

/// Where a partner lands after sending: a page without the token, so the link is not kept in
/// the address bar or history of a shared device.
pub(crate) const THANKS_PATH: &str = "/thanks";

/// The longest token looked up; real tokens are much shorter, longer ones are not worth a query.
const MAX_TOKEN_CHARS: usize = 128;

/// What the handlers share.
#[derive(Debug)]
pub(crate) struct AppState {
    /// The one writer connection, on its own thread.
    pub(crate) store: StoreThread,
    pub(crate) program: Arc<Program>,
    pub(crate) key: FormKey,
    pub(crate) limiter: Limiter,
    pub(crate) trust_proxy: bool,
    pub(crate) secrets_policy: Option<String>,
    /// The form without answers, pre-rendered; `None` renders every page in full.
    pub(crate) blank_form: Option<BlankForm>,
}

/// The state as handlers receive it.
pub(crate) type Shared = Arc<AppState>;

/// Why a request did not get the form or the thank-you page.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The partner's side: a page that says what to do; not logged.
    Notice(Notice),
    /// Too many failed lookups from this address; try again after the wait.
    TooMany(Duration),
    /// Our side: logged with its cause (never a token or an answer), an apology shown.
    Internal(String),
}

impl From<Notice> for Failure {
    fn from(notice: Notice) -> Self {
        Failure::Notice(notice)
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        match self {
            Failure::Notice(notice) => notice.into_response(),
            Failure::TooMany(wait) => {
                let mut response = Notice::TooManyAttempts.into_response();
                let seconds = wait.as_secs().max(1);
                if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
                    response.headers_mut().insert(header::RETRY_AFTER, value);
                }
                response
            }
            Failure::Internal(cause) => {
                tracing::error!(cause = %cause, "request failed");
                Notice::Internal.into_response()
            }
        }
    }
}

impl AppState {
    /// Runs store work on the store thread, so SQLite never stalls the async runtime.
    async fn with_store<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, Failure> {
        match self.store.run(job).await {
            Ok(value) => Ok(value),
            // The link stopped working between the lookup and the write (it expired or was
            // replaced meanwhile): the partner's side, not a fault.
            Err(StoreJobError::Store(StoreError::InvitationNotActive)) => Err(Failure::Notice(Notice::InvalidLink)),
            Err(error) => Err(Failure::Internal(format!("the store failed: {error}"))),
        }
    }

    /// Stores checked answers on the store thread, committed together with any other forms
    /// waiting; answers once they are durable.
    async fn submit(&self, token: String, answers: Answers, now: OffsetDateTime) -> Result<SubmitOutcome, Failure> {
        self.store
            .submit(token, answers, now)
            .await
            .map_err(|error| Failure::Internal(format!("the store failed: {error}")))
    }

    /// Refuses an address that has failed too many lookups lately.
    fn admit(&self, client: IpAddr) -> Result<(), Failure> {
        self.limiter.check(client).map_err(Failure::TooMany)
    }

    /// A failed lookup: charged to the address, answered with the one plain page.
    fn invalid_link(&self, client: IpAddr) -> Failure {
        self.limiter.charge(client);
        Failure::Notice(Notice::InvalidLink)
    }

    /// The token from the path, if it could be one at all.
    fn token(&self, path: Result<Path<String>, PathRejection>, client: IpAddr) -> Result<String, Failure> {
        match path {
            Ok(Path(token)) if looks_like_token(&token) => Ok(token),
            _ => Err(self.invalid_link(client)),
        }
    }

    /// Refuses to serve an invitation made for a different questionnaire than this server has:
    /// the answers would be stored against questions that were never asked.
    fn check_questionnaire(&self, invitation: &InvitationLookup) -> Result<(), Failure> {
        let questionnaire = &self.program.questionnaire;
        if invitation.questionnaire == questionnaire.id && invitation.version == questionnaire.version {
            return Ok(());
        }
        Err(Failure::Internal(format!(
            "an invitation is for questionnaire {:?} version {}, but this server has {:?} version {}",
            invitation.questionnaire, invitation.version, questionnaire.id, questionnaire.version
        )))
    }

    fn render_form(&self, view: FormRender<'_>) -> Response {
        let first_name = first_name(view.invitation.partner_name.as_str());
        let is_blank = view.answers.is_empty()
            && view.errors.is_empty()
            && view.banner == Banner::None
            && view.status == StatusCode::OK;
        if is_blank && let Some(blank) = &self.blank_form {
            return blank.fill(first_name, &self.key.sign(view.token));
        }
        let questionnaire = &self.program.questionnaire;
        let page = FormPage {
            title: &questionnaire.title,
            first_name,
            intro: &questionnaire.intro,
            form: form_view(questionnaire, view.answers, view.errors, self.secrets_policy.as_deref()),
            csrf: self.key.sign(view.token),
            banner: view.banner,
        };
        html(view.status, page.render())
    }
}

/// What one rendering of the form shows.
struct FormRender<'a> {
    invitation: &'a InvitationLookup,
    token: &'a str,
    answers: &'a RawAnswers,
    errors: &'a [FieldError],
    banner: Banner,
    status: StatusCode,
}

fn looks_like_token(token: &str) -> bool {
    !token.is_empty()
        && token.len() <= MAX_TOKEN_CHARS
        && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn is_active(invitation: &InvitationLookup) -> bool {
    matches!(invitation.state, InvitationState::Active)
}

fn is_used(invitation: &InvitationLookup) -> bool {
    matches!(invitation.state, InvitationState::Used)
}

/// `GET /i/{token}`: the form, with any saved draft filled in.
pub(crate) async fn show_form(
    State(app): State<Shared>,
    Client(client): Client,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, Failure> {
    app.admit(client)?;
    let token = app.token(path, client)?;
    let now = OffsetDateTime::now_utc();
    let lookup_token = token.clone();
    let found = app.with_store(move |store| store.open_invitation(&lookup_token, now)).await?;
    let Some((invitation, draft)) = found.filter(|(invitation, _)| is_active(invitation)) else {
        return Err(app.invalid_link(client));
    };
    let draft = draft.unwrap_or_default();
    app.check_questionnaire(&invitation)?;
    Ok(app.render_form(FormRender {
        invitation: &invitation,
        token: &token,
        answers: &draft,
        errors: &[],
        banner: Banner::None,
        status: StatusCode::OK,
    }))
}

/// `POST /i/{token}`: save a draft, or check and send the answers.
pub(crate) async fn submit_form(
    State(app): State<Shared>,
    Client(client): Client,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Failure> {
    app.admit(client)?;
    let token = app.token(path, client)?;
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE { Notice::TooLarge } else { Notice::BadRequest }
    })?;
    let now = OffsetDateTime::now_utc();
    let posted = if is_form(&headers) { parse_form(&body).ok() } else { None };
    let signed =
        posted.as_ref().and_then(|form| form.csrf.as_deref()).is_some_and(|value| app.key.verify(&token, value));

    // The common case, a complete form sent from our own page, needs the store only once; a
    // second click or a reload after sending lands here too and gets the thank-you page.
    if signed
        && let Some(form) = &posted
        && matches!(form.action.as_deref(), Some("send") | None)
    {
        let evaluation = app.program.questionnaire.evaluate(&form.answers, latest_today(now));
        if evaluation.errors.is_empty() {
            match send_checked(&app, client, token.clone(), evaluation.answers, now).await {
                // Our side failed: take the long way below, which tries once more and, if that
                // fails too, gives the form back with every answer still in it.
                Err(Failure::Internal(cause)) => tracing::warn!(cause = %cause, "storing a form failed; trying again"),
                done => return done,
            }
        }
    }

    let lookup_token = token.clone();
    let found = app.with_store(move |store| store.lookup_invitation(&lookup_token, now)).await?;
    let invitation = match found {
        Some(invitation) if is_active(&invitation) => invitation,
        // A second click on "Send", or a reload after sending, from the page we served: the
        // answers are already stored once, so say so again.
        Some(invitation) if is_used(&invitation) && signed => return Ok(see_thanks()),
        _ => return Err(app.invalid_link(client)),
    };
    app.check_questionnaire(&invitation)?;
    let Some(posted) = posted else { return Err(Notice::BadRequest.into()) };
    if !signed {
        return Err(Notice::Forbidden.into());
    }
    match posted.action.as_deref() {
        Some("save") => save_draft(&app, &invitation, &token, posted, now).await,
        Some("send") | None => send_answers(&app, &invitation, token, posted, now).await,
        Some(_) => Err(Notice::BadRequest.into()),
    }
}

async fn save_draft(
    app: &Shared,
    invitation: &InvitationLookup,
    token: &str,
    posted: PostedForm,
    now: OffsetDateTime,
) -> Result<Response, Failure> {
    let draft = app.program.questionnaire.draft(&posted.answers);
    let id = invitation.invitation_id;
    let saved = app.with_store(move |store| store.save_draft(id, &draft, now)).await;
    let (banner, status) = match saved {
        Ok(()) => (Banner::Saved, StatusCode::OK),
        Err(failure) => not_stored(failure)?,
    };
    // The page that comes back is the partner's own and is not cached, so it keeps everything
    // they typed, the answers a draft leaves out included: saving never empties a field.
    let answers = &posted.answers;
    Ok(app.render_form(FormRender { invitation, token, answers, errors: &[], banner, status }))
}

/// When storing a partner's answers failed on our side: the cause is logged and the form comes
/// back with every answer still in it, so that nothing typed is lost. Anything else is passed on.
fn not_stored(failure: Failure) -> Result<(Banner, StatusCode), Failure> {
    match failure {
        Failure::Internal(cause) => {
            tracing::error!(cause = %cause, "answers could not be stored; the form was sent back with them");
            Ok((Banner::NotStored, StatusCode::SERVICE_UNAVAILABLE))
        }
        other => Err(other),
    }
}

async fn send_answers(
    app: &Shared,
    invitation: &InvitationLookup,
    token: String,
    posted: PostedForm,
    now: OffsetDateTime,
) -> Result<Response, Failure> {
    let evaluation = app.program.questionnaire.evaluate(&posted.answers, latest_today(now));
    if !evaluation.errors.is_empty() {
        return Ok(app.render_form(FormRender {
            invitation,
            token: &token,
            answers: &posted.answers,
            errors: &evaluation.errors,
            banner: Banner::None,
            status: StatusCode::UNPROCESSABLE_ENTITY,
        }));
    }
    // The store checks and closes the invitation inside the same transaction that stores the
    // answers, so two racing sends store once; the reply waits for the commit.
    match app.submit(token.clone(), evaluation.answers, now).await {
        Ok(SubmitOutcome::Stored | SubmitOutcome::AlreadyUsed) => Ok(see_thanks()),
        Ok(SubmitOutcome::NotActive) => Err(Notice::InvalidLink.into()),
        Err(failure) => {
            let (banner, status) = not_stored(failure)?;
            let answers = &posted.answers;
            Ok(app.render_form(FormRender { invitation, token: &token, answers, errors: &[], banner, status }))
        }
    }
}

/// Stores valid answers from a signed form in one trip to the store. The form value is bound to
/// this server's questionnaire version, and a form is only ever rendered for an invitation of
/// that version, so the store's own check of the invitation's state inside its transaction is
/// all that is left to do.
async fn send_checked(
    app: &Shared,
    client: IpAddr,
    token: String,
    answers: Answers,
    now: OffsetDateTime,
) -> Result<Response, Failure> {
    match app.submit(token, answers, now).await? {
        SubmitOutcome::Stored | SubmitOutcome::AlreadyUsed => Ok(see_thanks()),
        SubmitOutcome::NotActive => Err(app.invalid_link(client)),
    }
}

fn see_thanks() -> Response {
    Redirect::to(THANKS_PATH).into_response()
}

/// Whether the body is declared as a urlencoded form, as browsers send it.
fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"))
}

/// `GET /thanks`: what happens next.
pub(crate) async fn thanks() -> Response {
    html(StatusCode::OK, ThanksPage.render())
}

/// `GET /healthz`: the process is up and answering.
pub(crate) async fn healthz() -> Response {
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], "ok\n").into_response()
}

/// Any other address: the same plain page as a link that does not work.
pub(crate) async fn not_found() -> Response {
    Notice::InvalidLink.into_response()
}

/// `GET /static/intake.css`.
pub(crate) async fn stylesheet() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], include_str!("../static/intake.css")).into_response()
}

/// `GET /static/intake.js`.
pub(crate) async fn script() -> Response {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], include_str!("../static/intake.js")).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plausible_tokens_are_looked_up() {
        assert!(looks_like_token("AbC-12_x"));
        for bad in ["", "a b", "a/b", "ünï", &"a".repeat(MAX_TOKEN_CHARS + 1)] {
            assert!(!looks_like_token(bad), "{bad:?}");
        }
    }

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
