//! The pages the server sends, as compile-checked askama templates that escape every value, and
//! the responses built from them.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use mend_core::{Questionnaire, RawAnswers};

// `Control` is named by the form template when it matches on a field's control.
use crate::form::{Control, FormView, form_view};

/// Marks a response whose body is one of our pages, so the error-page guard leaves it alone.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OwnPage;

/// The intake form.
#[derive(Template)]
#[template(path = "form.html")]
pub(crate) struct FormPage<'a> {
    pub(crate) title: &'a str,
    pub(crate) first_name: &'a str,
    pub(crate) intro: &'a [String],
    pub(crate) form: FormView,
    pub(crate) csrf: String,
    pub(crate) saved: bool,
}

/// Stands where the partner's first name goes in the blank form; escaping leaves it alone.
const NAME_MARK: &str = "\u{E000}first-name\u{E000}";
/// Stands where the form value goes in the blank form.
const CSRF_MARK: &str = "\u{E000}form-value\u{E000}";

/// The form with no answers, rendered once at startup with marks where the partner's name and
/// the form value go, so that opening a link joins a few strings instead of rendering ~50 KB.
/// A draft, a saved notice or errors still go through the full template.
#[derive(Debug)]
pub(crate) struct BlankForm {
    before_name: String,
    before_csrf: String,
    rest: String,
}

impl BlankForm {
    /// Renders the blank form, or `None` if the marks do not each appear exactly once (the
    /// content would have to contain them), in which case every page is rendered in full.
    pub(crate) fn new(questionnaire: &Questionnaire, secrets_policy: Option<&str>) -> Option<Self> {
        let page = FormPage {
            title: &questionnaire.title,
            first_name: NAME_MARK,
            intro: &questionnaire.intro,
            form: form_view(questionnaire, &RawAnswers::new(), &[], secrets_policy),
            csrf: CSRF_MARK.to_owned(),
            saved: false,
        };
        let html = page.render().ok()?;
        let once = |text: &str, mark: &str| text.matches(mark).count() == 1;
        if !once(&html, NAME_MARK) || !once(&html, CSRF_MARK) {
            return None;
        }
        let (before_name, after_name) = html.split_once(NAME_MARK)?;
        let (before_csrf, rest) = after_name.split_once(CSRF_MARK)?;
        Some(Self { before_name: before_name.to_owned(), before_csrf: before_csrf.to_owned(), rest: rest.to_owned() })
    }

    /// The blank form for one partner, escaped exactly as the template escapes.
    pub(crate) fn fill(&self, first_name: &str, csrf: &str) -> Response {
        let name = match askama::filters::escape(first_name, askama::filters::Html) {
            Ok(safe) => safe.to_string(),
            Err(never) => match never {},
        };
        let mut page = String::with_capacity(self.before_name.len() + self.before_csrf.len() + self.rest.len() + 128);
        for part in [self.before_name.as_str(), &name, &self.before_csrf, csrf, &self.rest] {
            page.push_str(part);
        }
        html(StatusCode::OK, Ok(page))
    }
}

/// A page with a heading and a few paragraphs: the invalid-link page and the error pages.
#[derive(Template)]
#[template(path = "message.html")]
pub(crate) struct MessagePage<'a> {
    pub(crate) heading: &'a str,
    pub(crate) paragraphs: &'a [&'a str],
}

/// The page after a successful send.
#[derive(Template)]
#[template(path = "thanks.html")]
pub(crate) struct ThanksPage;

/// A fixed page for a status, with what to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Notice {
    /// The link is unknown, expired, retired or used: one page for all of them.
    InvalidLink,
    /// The request could not be read.
    BadRequest,
    /// The form's anti-forgery value was missing or wrong, or the post came from another site.
    Forbidden,
    /// The answers were larger than the server accepts.
    TooLarge,
    /// Too many failed attempts from this address.
    TooManyAttempts,
    /// The request took too long.
    Timeout,
    /// The method is not one this address answers.
    MethodNotAllowed,
    /// Something failed on our side.
    Internal,
}

impl Notice {
    /// The status code sent with the page.
    pub(crate) fn status(self) -> StatusCode {
        match self {
            Notice::InvalidLink => StatusCode::NOT_FOUND,
            Notice::BadRequest => StatusCode::BAD_REQUEST,
            Notice::Forbidden => StatusCode::FORBIDDEN,
            Notice::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Notice::TooManyAttempts => StatusCode::TOO_MANY_REQUESTS,
            Notice::Timeout => StatusCode::REQUEST_TIMEOUT,
            Notice::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Notice::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The notice that fits an error status produced outside our handlers.
    pub(crate) fn for_status(status: StatusCode) -> Notice {
        match status {
            StatusCode::NOT_FOUND => Notice::InvalidLink,
            StatusCode::FORBIDDEN => Notice::Forbidden,
            StatusCode::PAYLOAD_TOO_LARGE => Notice::TooLarge,
            StatusCode::TOO_MANY_REQUESTS => Notice::TooManyAttempts,
            StatusCode::REQUEST_TIMEOUT => Notice::Timeout,
            StatusCode::METHOD_NOT_ALLOWED => Notice::MethodNotAllowed,
            s if s.is_server_error() => Notice::Internal,
            _ => Notice::BadRequest,
        }
    }

    fn heading(self) -> &'static str {
        match self {
            Notice::InvalidLink => "This link does not work",
            Notice::BadRequest => "Your answers could not be read",
            Notice::Forbidden => "Your answers could not be sent from this page",
            Notice::TooLarge => "Your answers are too long to send",
            Notice::TooManyAttempts => "Too many attempts",
            Notice::Timeout => "This took too long",
            Notice::MethodNotAllowed => "This page cannot do that",
            Notice::Internal => "Sorry, something went wrong on our side",
        }
    }

    fn paragraphs(self) -> &'static [&'static str] {
        match self {
            Notice::InvalidLink => {
                &["The link may be mistyped, out of date, or no longer in use.", "Ask your therapist for a new link."]
            }
            Notice::BadRequest => &[
                "The page sent something the server could not understand.",
                "Go back to your link, open it again and try once more. If it keeps happening, tell your therapist.",
            ],
            Notice::Forbidden => &[
                "For your safety, answers are only accepted from the form this server gave you.",
                "Open your link again and send your answers from the page that appears. If it keeps happening, tell your therapist.",
            ],
            Notice::TooLarge => &[
                "Shorten your longest answers, then send them again. A few paragraphs for each answer is plenty.",
                "Use your browser's back button to return to your answers.",
            ],
            Notice::TooManyAttempts => &[
                "There have been too many attempts to open links from your connection.",
                "Wait a few minutes, then open your link again. If your link does not work, ask your therapist for a new one.",
            ],
            Notice::Timeout => &[
                "The server waited too long for your browser.",
                "Check your connection, then open your link again and try once more.",
            ],
            Notice::MethodNotAllowed => &["Open your link again from the message your therapist sent you."],
            Notice::Internal => &[
                "Your answers may not have been sent. Please try again in a few minutes.",
                "If it keeps happening, tell your therapist. Nothing about your answers was shown to anyone.",
            ],
        }
    }
}

impl IntoResponse for Notice {
    fn into_response(self) -> Response {
        let page = MessagePage { heading: self.heading(), paragraphs: self.paragraphs() };
        html(self.status(), page.render())
    }
}

/// An HTML response from a rendered template; a rendering failure becomes a plain apology.
pub(crate) fn html(status: StatusCode, rendered: askama::Result<String>) -> Response {
    let (status, body) = match rendered {
        Ok(body) => (status, body),
        Err(error) => {
            tracing::error!(cause = %error, "a page could not be rendered");
            (StatusCode::INTERNAL_SERVER_ERROR, FALLBACK_APOLOGY.to_owned())
        }
    };
    let mut response = (status, body).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    response.extensions_mut().insert(OwnPage);
    response
}

/// The page sent if even the apology template fails.
const FALLBACK_APOLOGY: &str = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sorry, something went wrong</title></head><body><main><h1>Sorry, something went wrong</h1><p>Please try again in a few minutes. If it keeps happening, tell your therapist.</p></main></body></html>";

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture() -> Questionnaire {
        toml::from_str(include_str!("../tests/intake/fixture.toml")).expect("the fixture parses")
    }

    #[test]
    fn the_blank_form_is_the_full_render_with_the_name_and_value_filled_in() {
        let questionnaire = fixture();
        let policy = Some("Our own <policy> & rules.");
        let blank = BlankForm::new(&questionnaire, policy).expect("the marks appear once");
        for name in ["Zoë", "José", "<b>\"O'Neil\"</b>&"] {
            let full = FormPage {
                title: &questionnaire.title,
                first_name: name,
                intro: &questionnaire.intro,
                form: form_view(&questionnaire, &RawAnswers::new(), &[], policy),
                csrf: "abc123".to_owned(),
                saved: false,
            }
            .render()
            .unwrap();
            let filled = blank.fill(name, "abc123");
            let body = filled.into_body();
            let bytes = futures_bytes(body);
            assert_eq!(String::from_utf8(bytes).unwrap(), full, "{name}");
        }
    }

    /// Reads a whole response body on a small runtime.
    fn futures_bytes(body: axum::body::Body) -> Vec<u8> {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        runtime.block_on(axum::body::to_bytes(body, usize::MAX)).unwrap().to_vec()
    }
}
