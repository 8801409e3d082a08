//! What every route shares, and how a request that failed becomes a page.
//!
//! The store thread, the questionnaire, the form key and the limiter live here, in a module of
//! their own, so that the guards and the routes both depend on it and never on each other.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
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
    /// The intake as the content says it now: new links are made for it.
    pub(crate) intake: Arc<Questionnaire>,
    /// The check-in as the content says it now, if the program has one.
    pub(crate) checkin: Option<Arc<Questionnaire>>,
    /// Older versions that links still out were made for, read from the store when first needed.
    pub(crate) versions: Mutex<HashMap<(String, u32), Arc<Questionnaire>>>,
    /// The largest body a form of any version a link may show can need, in bytes.
    pub(crate) body_limit: usize,
    /// Signs intake forms; scoped to the intake's id, and each value names its version.
    pub(crate) key: FormKey,
    /// Signs check-in forms: its scope is the check-in's id, so an intake page's value never
    /// verifies on a check-in link, nor the other way round.
    pub(crate) checkin_key: Option<FormKey>,
    pub(crate) limiter: Limiter,
    pub(crate) trust_proxy: bool,
    pub(crate) secrets_policy: Option<String>,
    /// The form without answers, pre-rendered; `None` renders every page in full.
    pub(crate) blank_form: Option<BlankForm>,
    /// Blank check-ins, pre-rendered the first time a link with their version and sheets opens:
    /// a practice gives few different sets of sheets, so the few kept here serve nearly all.
    pub(crate) blank_checkins: Mutex<Vec<(BlankCheckinKey, Arc<BlankForm>)>>,
}

/// A blank check-in is the same page for every link of one version naming the same sheets and
/// asking the same scheduled sections.
type BlankCheckinKey = (u32, Vec<String>, Vec<String>);

/// How many blank check-ins [`AppState::blank_checkins`] keeps before it starts again.
const BLANK_CHECKINS_KEPT: usize = 64;

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

/// Whether an invitation was made for the questionnaire of this kind of link, in any version.
/// One made for the other kind was opened on the wrong route: a link that does not work there.
pub(crate) fn of_kind(current: &Questionnaire, invitation: &InvitationLookup) -> bool {
    invitation.questionnaire == current.id
}

/// What one rendering of the form shows.
#[derive(Debug)]
pub(crate) struct FormRender<'a> {
    pub(crate) invitation: &'a InvitationLookup,
    /// The version of the questions the link shows.
    pub(crate) questionnaire: &'a Questionnaire,
    pub(crate) token: &'a InvitationToken,
    /// What the partner typed (or saved), shown back as it was.
    pub(crate) answers: &'a RawAnswers,
    pub(crate) errors: &'a [FieldError],
    pub(crate) banner: Banner,
    pub(crate) status: StatusCode,
    pub(crate) kind: Kind,
    /// For a check-in: the titles of the homework sheets its link asks about.
    pub(crate) sheets: &'a [String],
    /// For a check-in: the scheduled sections its link asks.
    pub(crate) sections: &'a [String],
}

impl AppState {
    /// The questions new links of a kind are made for; `None` when the program has no check-in.
    pub(crate) fn current(&self, kind: Kind) -> Option<&Arc<Questionnaire>> {
        match kind {
            Kind::Intake => Some(&self.intake),
            Kind::Checkin => self.checkin.as_ref(),
        }
    }

    /// The questions of `version` of a kind: the current ones, or a version the store keeps
    /// because a link was made for it. A version nobody kept is ours to explain: the link and
    /// the record disagree, so it is logged and the partner sees the apology.
    pub(crate) async fn questionnaire(&self, kind: Kind, version: u32) -> Result<Arc<Questionnaire>, Failure> {
        let Some(current) = self.current(kind) else {
            return Err(Failure::Internal("a form of a kind this program does not have".to_owned()));
        };
        if version == current.version {
            return Ok(Arc::clone(current));
        }
        let key = (current.id.clone(), version);
        if let Some(kept) = self.versions.lock().ok().and_then(|versions| versions.get(&key).cloned()) {
            return Ok(kept);
        }
        let id = current.id.clone();
        let kept = self.with_store(move |store| store.questionnaire_version(&id, version)).await?;
        let Some(kept) = kept else {
            return Err(Failure::Internal(format!(
                "a link is for questionnaire {:?} version {version}, which this server cannot show",
                current.id
            )));
        };
        let kept = Arc::new(kept);
        if let Ok(mut versions) = self.versions.lock() {
            versions.insert(key, Arc::clone(&kept));
        }
        Ok(kept)
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

    /// The blank check-in of this version naming these sheets and asking these scheduled
    /// sections: rendered the first time, then joined from its pieces like the blank intake.
    /// The few kept are looked through in turn, which needs no key built for each page view.
    fn blank_checkin(
        &self,
        checkin: &Questionnaire,
        sheet_titles: &[String],
        sections: &[String],
    ) -> Option<Arc<BlankForm>> {
        let mut kept = self.blank_checkins.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let same = |(version, titles, asked): &BlankCheckinKey| {
            *version == checkin.version && titles.as_slice() == sheet_titles && asked.as_slice() == sections
        };
        if let Some((_, blank)) = kept.iter().find(|(key, _)| same(key)) {
            return Some(Arc::clone(blank));
        }
        let key = (checkin.version, sheet_titles.to_vec(), sections.to_vec());
        // With no answers yet, what the page shows does not depend on the day.
        let shown = mend_core::checkin::as_shown(checkin, sheet_titles, sections, &RawAnswers::new(), time::Date::MIN);
        let blank = Arc::new(BlankForm::new(&shown, self.secrets_policy.as_deref())?);
        if kept.len() >= BLANK_CHECKINS_KEPT {
            kept.clear();
        }
        kept.push((key, Arc::clone(&blank)));
        Some(blank)
    }

    /// The form page; a blank one is joined from the pieces rendered at startup.
    pub(crate) fn render_form(&self, view: FormRender<'_>) -> Response {
        let first_name = first_name(view.invitation.partner_name.as_str());
        let is_blank = view.answers.is_empty()
            && view.errors.is_empty()
            && view.banner == Banner::None
            && view.status == StatusCode::OK;
        if is_blank {
            match view.kind {
                Kind::Intake if view.questionnaire.version == self.intake.version => {
                    if let Some(blank) = &self.blank_form {
                        return blank.fill(first_name, &self.key.sign(view.token, view.questionnaire.version));
                    }
                }
                Kind::Intake => {}
                Kind::Checkin => {
                    if let (Some(blank), Some(key)) =
                        (self.blank_checkin(view.questionnaire, view.sheets, view.sections), &self.checkin_key)
                    {
                        return blank.fill(first_name, &key.sign(view.token, view.questionnaire.version));
                    }
                }
            }
        }
        // A check-in is shown with its homework slots named for the link's sheets and only the
        // follow-up questions the answers so far call for.
        let today = mend_core::day::latest_today(time::OffsetDateTime::now_utc());
        let shown = match view.kind {
            Kind::Intake => None,
            Kind::Checkin => {
                Some(mend_core::checkin::as_shown(view.questionnaire, view.sheets, view.sections, view.answers, today))
            }
        };
        let questionnaire = shown.as_ref().unwrap_or(view.questionnaire);
        let Some(key) = self.form_key(view.kind) else {
            return Notice::InvalidLink.into_response();
        };
        let page = FormPage {
            title: &questionnaire.title,
            first_name,
            intro: &questionnaire.intro,
            form: form_view(questionnaire, view.answers, view.errors, self.secrets_policy.as_deref()),
            csrf: key.sign(view.token, view.questionnaire.version),
            banner: view.banner,
        };
        html(view.status, page.render())
    }
}
