//! The routes that only show something: the form, the thank-you page, health and static files.
//!
//! A sent form takes its own path, in [`crate::sent`].

use std::sync::Arc;

use askama::Template;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use mend_store::{CheckinAsks, InvitationState};
use time::OffsetDateTime;

use crate::guards::Client;
use crate::pages::{Banner, Notice, ThanksPage, html};
use crate::state::{Failure, FormRender, Kind, Shared, of_kind};

/// `GET /i/{token}`: the intake form, with any saved draft filled in.
pub(crate) async fn show_form(
    State(app): State<Shared>,
    Client(client): Client,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, Failure> {
    show(app, client, path, Kind::Intake).await
}

/// `GET /c/{token}`: a check-in, with any saved draft filled in.
pub(crate) async fn show_checkin(
    State(app): State<Shared>,
    Client(client): Client,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, Failure> {
    show(app, client, path, Kind::Checkin).await
}

/// A form of either kind: one store job reads the link, its draft and, for a check-in, what it
/// asks (the homework sheets, and any scheduled section due).
async fn show(
    app: Shared,
    client: std::net::IpAddr,
    path: Result<Path<String>, PathRejection>,
    kind: Kind,
) -> Result<Response, Failure> {
    app.admit(client)?;
    let token = app.token(path, client)?;
    let Some(current) = app.current(kind).cloned() else { return Err(app.invalid_link(client)) };
    let now = OffsetDateTime::now_utc();
    let lookup_token = token.clone();
    let found = app
        .with_store(move |store| {
            let Some((invitation, draft, asks)) = store.open_invitation(&lookup_token, now)? else {
                return Ok(None);
            };
            // A check-in link says what it asks; a link of the other kind does not open here.
            let asks = match kind {
                Kind::Intake => asks.is_none().then(CheckinAsks::default),
                Kind::Checkin => asks,
            };
            Ok(asks.map(|asks| (invitation, draft, asks)))
        })
        .await?;
    let Some((invitation, draft, asks)) =
        found.filter(|(invitation, _, _)| invitation.state == InvitationState::Active)
    else {
        return Err(app.invalid_link(client));
    };
    if !of_kind(&current, &invitation) {
        return Err(app.invalid_link(client));
    }
    let mut questionnaire = app.questionnaire(kind, invitation.version).await?;
    let mut draft = draft.unwrap_or_default();
    // A link made for an older version moves to the current one only where the content declares
    // how its draft carries over; otherwise it keeps showing the version it was made for.
    if current.version != invitation.version
        && let Some(carried) = current.upgrade_draft(invitation.version, &draft)
    {
        let (id, had_draft, moved) = (invitation.invitation_id, !draft.is_empty(), carried.clone());
        let to = Arc::clone(&current);
        app.with_store(move |store| store.upgrade_invitation(id, &to, had_draft.then_some(&moved), now)).await?;
        (questionnaire, draft) = (current, carried);
    }
    let titles = sheet_titles(&app, &asks.homework);
    Ok(app.render_form(FormRender {
        invitation: &invitation,
        questionnaire: &questionnaire,
        token: &token,
        answers: &draft,
        errors: &[],
        banner: Banner::None,
        status: StatusCode::OK,
        kind,
        sheets: &titles,
        sections: &asks.sections,
    }))
}

/// The titles of the sheets a check-in asks about; an id the program no longer has shows as itself.
pub(crate) fn sheet_titles(app: &Shared, sheets: &[String]) -> Vec<String> {
    sheets.iter().map(|id| app.program.sheet(id).map_or_else(|| id.clone(), |sheet| sheet.title.clone())).collect()
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
