//! The routes that only show something: the form, the thank-you page, health and static files.
//!
//! A sent form takes its own path, in [`crate::sent`].

use std::sync::Arc;

use askama::Template;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use mend_store::InvitationState;
use time::OffsetDateTime;

use crate::guards::Client;
use crate::pages::{Banner, Notice, ThanksPage, html};
use crate::state::{Failure, FormRender, Shared};

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
    let mut questionnaire = app.questionnaire(&invitation.questionnaire, invitation.version).await?;
    let mut draft = draft.unwrap_or_default();
    // A link made for an older version moves to the current one only where the content declares
    // how its draft carries over; otherwise it keeps showing the version it was made for.
    let current = Arc::clone(&app.current);
    if current.id == invitation.questionnaire
        && current.version != invitation.version
        && let Some(carried) = current.upgrade_draft(invitation.version, &draft)
    {
        let (id, had_draft, moved) = (invitation.invitation_id, !draft.is_empty(), carried.clone());
        let to = Arc::clone(&current);
        app.with_store(move |store| store.upgrade_invitation(id, &to, had_draft.then_some(&moved), now)).await?;
        (questionnaire, draft) = (current, carried);
    }
    Ok(app.render_form(FormRender {
        invitation: &invitation,
        questionnaire: &questionnaire,
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
