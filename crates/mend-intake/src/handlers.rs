//! The routes that only show something: the form, the thank-you page, health and static files.
//!
//! A sent form takes its own path, in [`crate::sent`].

use askama::Template;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use mend_store::InvitationState;
use time::OffsetDateTime;

use crate::guards::Client;
use crate::pages::{Banner, Notice, ThanksPage, html};
use crate::state::{Failure, FormRender, Shared, made_for};

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
    let Some((invitation, draft)) = found.filter(|(invitation, _)| invitation.state == InvitationState::Active) else {
        return Err(app.invalid_link(client));
    };
    if !made_for(&app.program.questionnaire, &invitation) {
        return Err(app.other_questions(&invitation));
    }
    let draft = draft.unwrap_or_default();
    Ok(app.render_form(FormRender {
        invitation: &invitation,
        token: &token,
        answers: &draft,
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
