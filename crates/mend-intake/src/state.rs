//! What every route shares, and how a request that failed becomes a page.
//!
//! The store thread, the questionnaire, the form key and the limiter live here, in a module of
//! their own, so that the guards and the routes both depend on it and never on each other.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use askama::Template;
use axum::extract::Path;
use axum::extract::rejection::PathRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use mend_core::questionnaire::FieldError;
use mend_core::{InvitationToken, Program, Questionnaire, RawAnswers};
use mend_store::{InvitationLookup, Store, StoreError};

use crate::csrf::FormKey;
use crate::form::{first_name, form_view};
use crate::limiter::Limiter;
use crate::pages::{Banner, BlankForm, FormPage, Notice, html};
use crate::store_thread::StoreThread;

/// What the routes share.
#[derive(Debug)]
pub(crate) struct AppState {
    /// The one writer connection, on its own thread.
    pub(crate) store: StoreThread,
    pub(crate) program: Arc<Program>,
    pub(crate) key: FormKey,
    /// Signs check-in forms: its scope is the check-in's id and version, so an intake page's
    /// value never verifies on a check-in link, nor the other way round.
    pub(crate) checkin_key: Option<FormKey>,
    pub(crate) limiter: Limiter,
    pub(crate) trust_proxy: bool,
    pub(crate) secrets_policy: Option<String>,
    /// The form without answers, pre-rendered; `None` renders every page in full.
    pub(crate) blank_form: Option<BlankForm>,
}

/// The state as routes receive it.
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

/// Which form a link serves: the intake (`/i/`) or a check-in (`/c/`). Both take the same path
/// through the server; only the questions, the form key and where a sent form goes differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// The intake questionnaire.
    Intake,
    /// The between-sessions check-in.
    Checkin,
}

/// Whether an invitation was made for these questions. Through any other invitation nothing is
/// shown or stored: its answers would be stored against questions that were never asked.
pub(crate) fn made_for(questionnaire: &Questionnaire, invitation: &InvitationLookup) -> bool {
    invitation.questionnaire == questionnaire.id && invitation.version == questionnaire.version
}

/// Whether an invitation was made for the form of the other kind this server serves: a link
/// opened on the wrong route, which is a link that does not work there, not a fault of ours.
pub(crate) fn other_kind(program: &Program, kind: Kind, invitation: &InvitationLookup) -> bool {
    let other = match kind {
        Kind::Intake => program.checkin.as_ref(),
        Kind::Checkin => Some(&program.questionnaire),
    };
    other.is_some_and(|q| made_for(q, invitation))
}

/// What one rendering of the form shows.
#[derive(Debug)]
pub(crate) struct FormRender<'a> {
    pub(crate) invitation: &'a InvitationLookup,
    pub(crate) token: &'a InvitationToken,
    /// What the partner typed (or saved), shown back as it was.
    pub(crate) answers: &'a RawAnswers,
    pub(crate) errors: &'a [FieldError],
    pub(crate) banner: Banner,
    pub(crate) status: StatusCode,
    pub(crate) kind: Kind,
    /// For a check-in: the titles of the homework sheets its link asks about.
    pub(crate) sheets: &'a [String],
}

impl AppState {
    /// The questions a kind of link asks; `None` when the program has no check-in.
    pub(crate) fn questionnaire(&self, kind: Kind) -> Option<&Questionnaire> {
        match kind {
            Kind::Intake => Some(&self.program.questionnaire),
            Kind::Checkin => self.program.checkin.as_ref(),
        }
    }

    /// The key that signs a kind of form.
    pub(crate) fn form_key(&self, kind: Kind) -> Option<&FormKey> {
        match kind {
            Kind::Intake => Some(&self.key),
            Kind::Checkin => self.checkin_key.as_ref(),
        }
    }

    /// Runs store work on the store thread, so SQLite never stalls the async runtime. An error
    /// here is ours: what the partner's side can cause, a job reports as its value.
    pub(crate) async fn with_store<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, Failure> {
        self.store.run(job).await.map_err(|error| Failure::Internal(format!("the store failed: {error}")))
    }

    /// Refuses an address that has failed too many lookups lately.
    pub(crate) fn admit(&self, client: IpAddr) -> Result<(), Failure> {
        self.limiter.check(client).map_err(Failure::TooMany)
    }

    /// A failed lookup: charged to the address, answered with the one plain page.
    pub(crate) fn invalid_link(&self, client: IpAddr) -> Failure {
        self.limiter.charge(client);
        Failure::Notice(Notice::InvalidLink)
    }

    /// The token from the path. Anything that is not shaped like a token we gave out is a link
    /// that does not work, charged like one, without a trip to the store.
    pub(crate) fn token(
        &self,
        path: Result<Path<String>, PathRejection>,
        client: IpAddr,
    ) -> Result<InvitationToken, Failure> {
        match path {
            Ok(Path(text)) => InvitationToken::parse(&text).map_err(|_| self.invalid_link(client)),
            Err(_) => Err(self.invalid_link(client)),
        }
    }

    /// The failure for an invitation made for other questions: ours, since this server and the
    /// therapist's links disagree, so it is logged and the partner sees the apology.
    pub(crate) fn other_questions(&self, invitation: &InvitationLookup, kind: Kind) -> Failure {
        let (id, version) = self.questionnaire(kind).map_or(("none", 0), |q| (q.id.as_str(), q.version));
        Failure::Internal(format!(
            "an invitation is for questionnaire {:?} version {}, but this server has {id:?} version {version}",
            invitation.questionnaire, invitation.version
        ))
    }

    /// The form page; a blank one is joined from the pieces rendered at startup.
    pub(crate) fn render_form(&self, view: FormRender<'_>) -> Response {
        let first_name = first_name(view.invitation.partner_name.as_str());
        let is_blank = view.kind == Kind::Intake
            && view.answers.is_empty()
            && view.errors.is_empty()
            && view.banner == Banner::None
            && view.status == StatusCode::OK;
        if is_blank && let Some(blank) = &self.blank_form {
            return blank.fill(first_name, &self.key.sign(view.token));
        }
        // A check-in is shown with its homework slots named for the link's sheets and only the
        // follow-up questions the answers so far call for; it is small, so it is rendered whole.
        let today = mend_core::day::latest_today(time::OffsetDateTime::now_utc());
        let shown = match view.kind {
            Kind::Intake => None,
            Kind::Checkin => {
                self.program.checkin.as_ref().map(|q| mend_core::checkin::as_shown(q, view.sheets, view.answers, today))
            }
        };
        let (Some(questionnaire), Some(key)) =
            (shown.as_ref().or(self.questionnaire(view.kind)), self.form_key(view.kind))
        else {
            return Notice::InvalidLink.into_response();
        };
        let page = FormPage {
            title: &questionnaire.title,
            first_name,
            intro: &questionnaire.intro,
            form: form_view(questionnaire, view.answers, view.errors, self.secrets_policy.as_deref()),
            csrf: key.sign(view.token),
            banner: view.banner,
        };
        html(view.status, page.render())
    }
}
