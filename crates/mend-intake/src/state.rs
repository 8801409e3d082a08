//! What every route shares, and how a request that failed becomes a page.
//!
//! The relay's threads, the versions of the questions, the form keys and the limiter live here, in
//! a module of their own, so that the guards and the routes both depend on it and never on each
//! other.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use askama::Template;
use axum::extract::Path;
use axum::extract::rejection::PathRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use mend_core::questionnaire::FieldError;
use mend_core::{InvitationToken, Questionnaire, RawAnswers};
use mend_relay::{LinkDetails, LinkKey, LinkKind, LinkState, OpenedLink, PracticeId, PracticeRecipient, Sealed};
use time::OffsetDateTime;

use crate::csrf::FormKey;
use crate::form::{form_view, greeting};
use crate::limiter::Limiter;
use crate::pages::{Banner, BlankForm, FormPage, Notice, html};
use crate::relay_thread::RelayThread;

/// What the routes share.
#[derive(Debug)]
pub(crate) struct AppState {
    /// The connection that writes: sent forms (in groups), drafts, a link moved to a new version.
    pub(crate) writer: RelayThread,
    /// The connection that reads links and versions, so that lookups never queue behind commits.
    pub(crate) reader: RelayThread,
    /// The versions of the questions links show, read from the relay when first needed.
    versions: Mutex<HashMap<(PracticeId, String, u32), Arc<Questionnaire>>>,
    /// The largest body a form of any version the relay has shown can need, in bytes: it only
    /// grows, as versions are loaded, so that a page rendered from an older version still fits.
    body_limit: AtomicUsize,
    /// Signs intake forms; each value names its version.
    intake_key: FormKey,
    /// Signs check-in forms: a value made for one kind never verifies on the other.
    checkin_key: FormKey,
    pub(crate) limiter: Limiter,
    /// A much larger budget of failed lookups, charged with the first: past it an address is
    /// refused before any lookup at all, so that a flood cannot keep the relay's reader busy.
    pub(crate) hard_cap: Limiter,
    pub(crate) trust_proxy: bool,
    /// The proxies whose `X-Forwarded-For` is believed; empty for loopback only.
    pub(crate) trusted_proxies: Vec<crate::AddressBlock>,
    /// Blank forms, rendered the first time a link of their kind, version, sheets and sections
    /// opens: a practice gives few different ones, so the few kept here serve nearly all views.
    blanks: Mutex<Vec<(BlankKey, Arc<BlankForm>)>>,
}

/// A blank form is the same page for every link of one practice (whose secrets policy it shows)
/// and kind, of one version, naming the same sheets and asking the same scheduled sections.
type BlankKey = (PracticeId, Option<String>, LinkKind, u32, Vec<String>, Vec<String>);

/// How many times the usual budget of failed lookups an address may spend before it is refused
/// even a lookup (see [`AppState::hard_cap`]).
const HARD_CAP_TIMES: u32 = 50;

/// How many blank forms [`AppState::blanks`] keeps before it starts again.
const BLANKS_KEPT: usize = 64;

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

/// A working link, opened with its token: the questions it shows and what only the token unseals.
#[derive(Debug)]
pub(crate) struct Link {
    pub(crate) practice: PracticeId,
    pub(crate) kind: LinkKind,
    /// The version of the questions the link shows.
    pub(crate) questionnaire: Arc<Questionnaire>,
    /// Whom it greets and what a check-in asks.
    pub(crate) details: LinkDetails,
    /// What the partner saved, if anything.
    pub(crate) draft: RawAnswers,
    /// The practice's own words on secrets.
    pub(crate) secrets_policy: Option<String>,
    /// Where sent answers are sealed to.
    pub(crate) recipient: String,
}

impl Link {
    /// The practice's key, to seal a sent form to.
    pub(crate) fn recipient(&self) -> Result<PracticeRecipient, Failure> {
        PracticeRecipient::parse(&self.recipient)
            .map_err(|_| Failure::Internal("a practice's key on the relay is not a key".to_owned()))
    }
}

/// What one rendering of the form shows.
#[derive(Debug)]
pub(crate) struct FormRender<'a> {
    pub(crate) link: &'a Link,
    /// The version of the questions the page shows.
    pub(crate) questionnaire: &'a Questionnaire,
    pub(crate) token: &'a InvitationToken,
    /// What the partner typed (or saved), shown back as it was.
    pub(crate) answers: &'a RawAnswers,
    pub(crate) errors: &'a [FieldError],
    pub(crate) banner: Banner,
    pub(crate) status: StatusCode,
}

impl AppState {
    /// The state over the relay's threads, with the server's secret for signing forms.
    pub(crate) fn new(
        writer: RelayThread,
        reader: RelayThread,
        secret: [u8; 32],
        body_limit: usize,
        limit: &crate::RateLimit,
        trust_proxy: bool,
        trusted_proxies: Vec<crate::AddressBlock>,
    ) -> Self {
        let hard = crate::RateLimit { burst: limit.burst.saturating_mul(HARD_CAP_TIMES), per_second: limit.per_second };
        AppState {
            writer,
            reader,
            versions: Mutex::default(),
            body_limit: AtomicUsize::new(body_limit),
            intake_key: FormKey::new(secret, LinkKind::Intake.as_str()),
            checkin_key: FormKey::new(secret, LinkKind::Checkin.as_str()),
            limiter: Limiter::new(limit),
            hard_cap: Limiter::new(&hard),
            trust_proxy,
            trusted_proxies,
            blanks: Mutex::default(),
        }
    }

    /// The questions of `version` of a questionnaire as a practice pushed them. A version the
    /// relay does not have is ours to explain (the practice's mend pushes every version it links
    /// to), so it is logged and the partner sees the apology.
    pub(crate) async fn questionnaire(
        &self,
        practice: PracticeId,
        id: &str,
        version: u32,
    ) -> Result<Arc<Questionnaire>, Failure> {
        let key = (practice, id.to_owned(), version);
        if let Some(kept) = self.versions.lock().ok().and_then(|versions| versions.get(&key).cloned()) {
            return Ok(kept);
        }
        let asked = id.to_owned();
        let found = self.read(move |relay| relay.version(practice, &asked, version)).await?;
        let Some(found) = found else {
            return Err(Failure::Internal(format!(
                "a link is for questionnaire {id:?} version {version}, which the relay does not have"
            )));
        };
        let found = Arc::new(found);
        if let Ok(mut versions) = self.versions.lock() {
            versions.insert(key, Arc::clone(&found));
        }
        Ok(found)
    }

    /// The largest body to read for a form showing `questions`: theirs, or more if another
    /// version this relay has shown needs more.
    pub(crate) fn body_limit_for(&self, questions: &Questionnaire) -> usize {
        let own = crate::body_limit(questions);
        self.body_limit.fetch_max(own, Ordering::Relaxed).max(own)
    }

    /// The key that signs a kind of form.
    pub(crate) fn form_key(&self, kind: LinkKind) -> &FormKey {
        match kind {
            LinkKind::Intake => &self.intake_key,
            LinkKind::Checkin => &self.checkin_key,
        }
    }

    /// Runs a read on the reader's thread. An error here is ours.
    pub(crate) async fn read<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut mend_relay::RelayStore) -> Result<T, mend_relay::RelayError> + Send + 'static,
    ) -> Result<T, Failure> {
        self.reader.run(job).await.map_err(|error| Failure::Internal(format!("the relay failed: {error}")))
    }

    /// Runs a write on the writer's thread. An error here is ours.
    pub(crate) async fn write<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut mend_relay::RelayStore) -> Result<T, mend_relay::RelayError> + Send + 'static,
    ) -> Result<T, Failure> {
        self.writer.run(job).await.map_err(|error| Failure::Internal(format!("the relay failed: {error}")))
    }

    /// What a token leads to now, in one read.
    pub(crate) async fn find(&self, token: &InvitationToken) -> Result<Option<OpenedLink>, Failure> {
        let (hash, now) = (token.sha256(), OffsetDateTime::now_utc());
        self.read(move |relay| relay.open_link(&hash, now)).await
    }

    /// Opens a link found working, of the kind this route serves: its questions (moved to the
    /// practice's newest version where the content says how a draft carries over), and what its
    /// token unseals. `None` for a link of the other kind, which does not work here.
    pub(crate) async fn open(
        &self,
        token: &InvitationToken,
        found: OpenedLink,
        kind: LinkKind,
    ) -> Result<Option<Link>, Failure> {
        if found.kind != kind || found.state != LinkState::Active {
            return Ok(None);
        }
        let key = LinkKey::of(token);
        // A link made before the relay has no details: it greets without a name.
        let details = if found.details.is_empty() {
            LinkDetails::default()
        } else {
            let plain = key.open(Sealed::Details, &found.details).map_err(|e| Failure::Internal(e.to_string()))?;
            serde_json::from_slice(&plain).map_err(|e| Failure::Internal(format!("a link's details: {e}")))?
        };
        let mut draft = match &found.draft {
            Some(sealed) => {
                let plain = key.open(Sealed::Draft, sealed).map_err(|e| Failure::Internal(e.to_string()))?;
                serde_json::from_slice(&plain).map_err(|e| Failure::Internal(format!("a link's draft: {e}")))?
            }
            None => RawAnswers::new(),
        };
        let mut questionnaire = self.questionnaire(found.practice, &found.questionnaire, found.version).await?;
        // A link made for an older version moves to the newest one only where the content declares
        // how its draft carries over; otherwise it keeps showing the version it was made for.
        if let Some(newest) = found.newest_version.filter(|newest| *newest > found.version) {
            let current = self.questionnaire(found.practice, &found.questionnaire, newest).await?;
            if let Some(carried) = current.upgrade_draft(found.version, &draft) {
                let sealed = (!carried.is_empty()).then(|| key.seal(Sealed::Draft, &json(&carried)));
                let hash = token.sha256();
                self.write(move |relay| relay.upgrade_link(&hash, newest, sealed.as_deref())).await?;
                (questionnaire, draft) = (current, carried);
            }
        }
        Ok(Some(Link {
            practice: found.practice,
            kind,
            questionnaire,
            details,
            draft,
            secrets_policy: found.secrets_policy.filter(|policy| !policy.trim().is_empty()),
            recipient: found.recipient,
        }))
    }

    /// Refuses an address that has failed too many lookups lately. Asked only once a lookup has
    /// found no working link, so that a guesser sharing a partner's address (home Wi-Fi, a
    /// carrier's NAT) never stops the partner's own link.
    pub(crate) fn admit(&self, client: IpAddr) -> Result<(), Failure> {
        self.limiter.check(client).map_err(Failure::TooMany)
    }

    /// Refuses, before any lookup, an address far past its budget of failures.
    pub(crate) fn below_hard_cap(&self, client: IpAddr) -> Result<(), Failure> {
        self.hard_cap.check(client).map_err(Failure::TooMany)
    }

    /// A failed lookup: charged to the address, answered with the one plain page, or with the
    /// wait if the address has failed too often.
    pub(crate) fn invalid_link(&self, client: IpAddr) -> Failure {
        if let Err(too_many) = self.admit(client) {
            return too_many;
        }
        self.limiter.charge(client);
        self.hard_cap.charge(client);
        Failure::Notice(Notice::InvalidLink)
    }

    /// The token from the path. Anything that is not shaped like a token we gave out is a link
    /// that does not work, charged like one, without a trip to the relay.
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

    /// The blank page of a link: rendered the first time, then joined from its pieces. The few
    /// kept are looked through in turn, which needs no key built for each page view.
    fn blank(&self, link: &Link, questionnaire: &Questionnaire) -> Option<Arc<BlankForm>> {
        let mut kept = self.blanks.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let (sheets, sections) = (&link.details.sheets, &link.details.sections);
        let same = |(practice, policy, kind, version, titles, asked): &BlankKey| {
            *practice == link.practice
                && *kind == link.kind
                && *version == questionnaire.version
                && titles == sheets
                && asked == sections
                && *policy == link.secrets_policy
        };
        if let Some((_, blank)) = kept.iter().find(|(key, _)| same(key)) {
            return Some(Arc::clone(blank));
        }
        let key = (
            link.practice,
            link.secrets_policy.clone(),
            link.kind,
            questionnaire.version,
            sheets.clone(),
            sections.clone(),
        );
        let blank = match link.kind {
            LinkKind::Intake => Arc::new(BlankForm::new(questionnaire, link.secrets_policy.as_deref())?),
            LinkKind::Checkin => {
                // With no answers yet, what the page shows does not depend on the day.
                let shown =
                    mend_core::checkin::as_shown(questionnaire, sheets, sections, &RawAnswers::new(), time::Date::MIN);
                Arc::new(BlankForm::new(&shown, link.secrets_policy.as_deref())?)
            }
        };
        if kept.len() >= BLANKS_KEPT {
            kept.clear();
        }
        kept.push((key, Arc::clone(&blank)));
        Some(blank)
    }

    /// The form page; a blank one is joined from the pieces rendered the first time.
    pub(crate) fn render_form(&self, view: FormRender<'_>) -> Response {
        let greeting = greeting(view.link.details.partner_name.as_deref());
        let key = self.form_key(view.link.kind);
        let is_blank = view.answers.is_empty()
            && view.errors.is_empty()
            && view.banner == Banner::None
            && view.status == StatusCode::OK;
        if is_blank && let Some(blank) = self.blank(view.link, view.questionnaire) {
            return blank.fill(&greeting, &key.sign(view.token, view.questionnaire.version));
        }
        // A check-in is shown with its homework slots named for the link's sheets and only the
        // follow-up questions the answers so far call for.
        let today = mend_core::day::latest_today(OffsetDateTime::now_utc());
        let shown = match view.link.kind {
            LinkKind::Intake => None,
            LinkKind::Checkin => {
                let details = &view.link.details;
                Some(mend_core::checkin::as_shown(
                    view.questionnaire,
                    &details.sheets,
                    &details.sections,
                    view.answers,
                    today,
                ))
            }
        };
        let questionnaire = shown.as_ref().unwrap_or(view.questionnaire);
        let page = FormPage {
            title: &questionnaire.title,
            first_name: &greeting,
            intro: &questionnaire.intro,
            form: form_view(questionnaire, view.answers, view.errors, view.link.secrets_policy.as_deref()),
            csrf: key.sign(view.token, view.questionnaire.version),
            banner: view.banner,
        };
        html(view.status, page.render())
    }
}

/// Answers as the JSON that is sealed; a map of strings always serializes.
pub(crate) fn json(answers: &RawAnswers) -> Vec<u8> {
    serde_json::to_vec(answers).unwrap_or_default()
}
