//! The routes that only show something: the form, the thank-you page, health and static files.
//!
//! A sent form takes its own path, in [`crate::sent`].

use askama::Template;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use mend_relay::LinkKind;

use crate::guards::Client;
use crate::pages::{Banner, Notice, ThanksPage, html};
use crate::state::{Failure, FormRender, Shared};

/// `GET /i/{token}`: the intake form, with any saved draft filled in.
pub(crate) async fn show_form(
    State(app): State<Shared>,
    Client(client): Client,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, Failure> {
    show(app, client, path, LinkKind::Intake).await
}

/// `GET /c/{token}`: a check-in, with any saved draft filled in.
pub(crate) async fn show_checkin(
    State(app): State<Shared>,
    Client(client): Client,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, Failure> {
    show(app, client, path, LinkKind::Checkin).await
}

/// A form of either kind: one read finds the link, its sealed details and draft, which its token
/// opens.
async fn show(
    app: Shared,
    client: std::net::IpAddr,
    path: Result<Path<String>, PathRejection>,
    kind: LinkKind,
) -> Result<Response, Failure> {
    app.below_hard_cap(client)?;
    let token = app.token(path, client)?;
    let Some(found) = app.find(&token).await? else { return Err(app.invalid_link(client)) };
    let Some(link) = app.open(&token, found, kind).await? else { return Err(app.invalid_link(client)) };
    Ok(app.render_form(FormRender {
        link: &link,
        questionnaire: &link.questionnaire,
        token: &token,
        answers: &link.draft,
        errors: &[],
        banner: Banner::None,
        status: StatusCode::OK,
    }))
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
