//! The pages the server sends, as compile-checked askama templates that escape every value, and
//! the responses built from them.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use askama::Template;
use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_body::{Frame, SizeHint};
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
    pub(crate) banner: Banner,
}

/// A notice at the top of the form, about what became of the partner's last press of a button.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Banner {
    /// Nothing to say.
    None,
    /// "Save and finish later" kept the answers.
    Saved,
    /// Our side failed to store them; they are still on the page, to press the button again.
    NotStored,
}

/// Stands where the partner's first name goes in the blank form; escaping leaves it alone.
const NAME_MARK: &str = "\u{E000}first-name\u{E000}";
/// Stands where the form value goes in the blank form.
const CSRF_MARK: &str = "\u{E000}form-value\u{E000}";

/// The form with no answers, rendered once at startup with marks where the partner's name and
/// the form value go, so that opening a link joins a few strings instead of rendering ~50 KB.
/// A draft, a notice or errors still go through the full template.
#[derive(Debug)]
pub(crate) struct BlankForm {
    before_name: Bytes,
    before_csrf: Bytes,
    rest: Bytes,
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
            banner: Banner::None,
        };
        let html = page.render().ok()?;
        let once = |text: &str, mark: &str| text.matches(mark).count() == 1;
        if !once(&html, NAME_MARK) || !once(&html, CSRF_MARK) {
            return None;
        }
        let (before_name, after_name) = html.split_once(NAME_MARK)?;
        let (before_csrf, rest) = after_name.split_once(CSRF_MARK)?;
        let piece = |text: &str| Bytes::copy_from_slice(text.as_bytes());
        Some(Self { before_name: piece(before_name), before_csrf: piece(before_csrf), rest: piece(rest) })
    }

    /// The blank form for one partner, escaped exactly as the template escapes. The fixed parts
    /// are shared between responses, not copied: only the name and the form value are new.
    pub(crate) fn fill(&self, first_name: &str, csrf: &str) -> Response {
        let name = match askama::filters::escape(first_name, askama::filters::Html) {
            Ok(safe) => safe.to_string(),
            Err(never) => match never {},
        };
        let pieces = [
            self.before_name.clone(),
            Bytes::from(name),
            self.before_csrf.clone(),
            Bytes::copy_from_slice(csrf.as_bytes()),
            self.rest.clone(),
        ];
        page_response(StatusCode::OK, Body::new(Pieces::new(pieces)))
    }
}

/// A response body sent as a few pieces in order, with its exact length known up front.
#[derive(Debug)]
struct Pieces {
    left: VecDeque<Bytes>,
    length: u64,
}

impl Pieces {
    fn new(pieces: impl IntoIterator<Item = Bytes>) -> Self {
        let left: VecDeque<Bytes> = pieces.into_iter().filter(|piece| !piece.is_empty()).collect();
        let length = left.iter().map(|piece| piece.len() as u64).sum();
        Self { left, length }
    }
}

impl http_body::Body for Pieces {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let next = self.left.pop_front();
        if let Some(piece) = &next {
            self.length -= piece.len() as u64;
        }
        Poll::Ready(next.map(|piece| Ok(Frame::data(piece))))
    }

    fn is_end_stream(&self) -> bool {
        self.left.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.length)
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
    page_response(status, Body::from(body))
}

/// One of our HTML pages as a response.
fn page_response(status: StatusCode, body: Body) -> Response {
    let mut response = Response::new(body);
    *response.status_mut() = status;
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
                banner: Banner::None,
            }
            .render()
            .unwrap();
            let filled = blank.fill(name, "abc123");
            let length = http_body::Body::size_hint(filled.body()).exact();
            assert_eq!(length, Some(full.len() as u64), "the length sent as Content-Length");
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
