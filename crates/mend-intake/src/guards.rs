//! The guards every response passes through: request logging without tokens or answers, error
//! pages for statuses raised outside the handlers, security headers, and the client address.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

use axum::extract::{ConnectInfo, FromRequestParts, MatchedPath, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tracing::Instrument;

use crate::pages::{Notice, OwnPage};
use crate::proxy::is_trusted_proxy;
use crate::state::Shared;

/// A request's id, so that a log line about a failure can be matched to its request line: 64
/// random bits, where a counter would tell anyone who makes two requests how many others came
/// between them.
fn request_id() -> String {
    format!("{:016x}", rand::random::<u64>())
}

/// The guard every request passes through, as one middleware so each request pays for one
/// layer rather than several: it numbers and logs the request (method, route template, status,
/// latency; never the path, which holds the token), lets old browsers' `Origin: null` through to
/// the cross-origin check as if absent, gives every error status a page of ours, and sets the
/// security headers on every response.
pub(crate) async fn guard(mut request: Request, next: Next) -> Response {
    let id = request_id();
    let method = request.method().clone();
    let route = request.extensions().get::<MatchedPath>().cloned();
    null_origin_as_absent(request.headers_mut());
    let span = tracing::info_span!("request", id = %id);
    let started = Instant::now();
    let response = if has_one_host(&request) {
        next.run(request).instrument(span.clone()).await
    } else {
        Notice::BadRequest.into_response()
    };
    let mut response = with_error_page(response);
    let headers = response.headers_mut();
    // Room for all of them at once, rather than the map growing step by step on every response.
    headers.reserve(SECURITY_HEADERS.len() + 1);
    for (name, value) in SECURITY_HEADERS {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if let Ok(id) = HeaderValue::from_str(&id) {
        headers.insert(HeaderName::from_static("x-request-id"), id);
    }
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    span.in_scope(|| {
        tracing::info!(
            method = %method,
            route = %route.as_ref().map_or("(no route)", MatchedPath::as_str),
            status = response.status().as_u16(),
            latency_ms = format_args!("{latency_ms:.2}"),
            "request"
        );
    });
    response
}

/// RFC 9112 §3.2: an HTTP/1.1 request must carry exactly one Host header, and a server must
/// answer 400 to one with none or several. HTTP/1.0 clients may leave it out.
fn has_one_host(request: &Request) -> bool {
    request.version() != axum::http::Version::HTTP_11 || request.headers().get_all(header::HOST).iter().count() == 1
}

/// Gives an error status a page of ours when it came from axum (405, a bad path) or a tower
/// layer (timeout, body limit) rather than a handler, so nobody meets a blank or technical page.
fn with_error_page(response: Response) -> Response {
    let status = response.status();
    let is_error = status.is_client_error() || status.is_server_error();
    if !is_error || response.extensions().get::<OwnPage>().is_some() {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    let (page_parts, body) = Notice::for_status(status).into_response().into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    if let Some(content_type) = page_parts.headers.get(header::CONTENT_TYPE) {
        parts.headers.insert(header::CONTENT_TYPE, content_type.clone());
    }
    parts.extensions.insert(OwnPage);
    Response::from_parts(parts, body)
}

/// Browsers older than `Sec-Fetch-Site` (Safari before 16.4, for one) send `Origin: null` on a
/// form post from a page with `Referrer-Policy: no-referrer`. The cross-origin layer would refuse
/// those partners; an `Origin: null` without `Sec-Fetch-Site` is treated as absent instead, and
/// the form's HMAC value, which another site cannot forge, still guards the post.
fn null_origin_as_absent(headers: &mut HeaderMap) {
    if !headers.contains_key("sec-fetch-site") && headers.get(header::ORIGIN).is_some_and(|o| o == "null") {
        headers.remove(header::ORIGIN);
    }
}

/// The content security policy: our own stylesheet and script, forms posting only to us, no
/// framing, nothing else.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; script-src 'self'; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The headers set on every response, error pages and redirects included.
const SECURITY_HEADERS: [(HeaderName, &str); 8] = [
    (header::CACHE_CONTROL, "no-store"),
    (header::REFERRER_POLICY, "no-referrer"),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
    (header::X_FRAME_OPTIONS, "DENY"),
    (HeaderName::from_static("cross-origin-opener-policy"), "same-origin"),
    // Nothing of ours may be embedded by another site (an image or script tag that would make
    // the partner's browser fetch a link's page), and the form needs no device of the phone.
    (HeaderName::from_static("cross-origin-resource-policy"), "same-origin"),
    (HeaderName::from_static("permissions-policy"), PERMISSIONS_POLICY),
];

/// Every powerful feature a page could ask the browser for, turned off: the form uses none.
const PERMISSIONS_POLICY: &str = "accelerometer=(), autoplay=(), camera=(), display-capture=(), \
     encrypted-media=(), fullscreen=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), \
     midi=(), payment=(), picture-in-picture=(), publickey-credentials-get=(), screen-wake-lock=(), \
     usb=(), xr-spatial-tracking=(), interest-cohort=(), browsing-topics=()";

/// The address a request is counted under ([`client_address`]), as an extractor that reads the
/// headers in place rather than taking a copy of them all.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Client(pub(crate) IpAddr);

impl FromRequestParts<Shared> for Client {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, app: &Shared) -> Result<Self, Infallible> {
        // The server is always run with connection info; without it, count under one address.
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(SocketAddr::from(([0, 0, 0, 0], 0)), |ConnectInfo(peer)| *peer);
        let proxy = app.trust_proxy && is_trusted_proxy(peer.ip(), &app.trusted_proxies);
        Ok(Client(client_address(peer, &parts.headers, proxy)))
    }
}

/// The address a request is counted under: the peer, or when the peer is a proxy we trust
/// ([`is_trusted_proxy`]) the address it appended last to `X-Forwarded-For` (earlier entries
/// are the client's own claims and could be forged).
pub(crate) fn client_address(peer: SocketAddr, headers: &HeaderMap, trust_proxy: bool) -> IpAddr {
    if trust_proxy {
        let forwarded = headers
            .get_all("x-forwarded-for")
            .iter()
            .next_back()
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.rsplit(',').next())
            .and_then(|last| last.trim().parse::<IpAddr>().ok());
        if let Some(address) = forwarded {
            return address;
        }
    }
    peer.ip()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
        let peer: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.append("x-forwarded-for", HeaderValue::from_static("203.0.113.9"));
        headers.append("x-forwarded-for", HeaderValue::from_static("198.51.100.1, 192.0.2.44"));
        assert_eq!(client_address(peer, &headers, false), peer.ip());
        assert_eq!(client_address(peer, &headers, true), "192.0.2.44".parse::<IpAddr>().unwrap());
        assert_eq!(client_address(peer, &HeaderMap::new(), true), peer.ip());
    }
}
