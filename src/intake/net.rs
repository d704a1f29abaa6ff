//! The intake on the open network: how long a client may take, how much it
//! may make the intake hold, how often it may ask, and what every answer
//! carries (JSON errors, security headers).
//!
//! Every limit here is middleware from a well-kept crate (hyper's and
//! axum-server's connection timeouts, tower's concurrency limit and load
//! shedding, tower-http's timeout and headers, tower_governor's per-IP rate
//! limit), configured from [`Limits`]. It must never count anything itself.
//! README.md (the intake section) says which numbers and why.

use crate::wire::api::ErrorBody;
use axum::body::Body;
use axum::error_handling::HandleErrorLayer;
use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tower::limit::GlobalConcurrencyLimitLayer;
use tower::ServiceBuilder;
use tower_governor::governor::GovernorConfigBuilder;
use tower_governor::{GovernorError, GovernorLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;

/// What one client, and all of them together, may make the intake hold.
#[derive(Debug, Clone)]
pub struct Limits {
    /// The largest request body read (an envelope: sealed answers + the PDF).
    pub max_body_bytes: usize,
    /// The largest envelope taken as a resumable upload (`PATCH
    /// /api/v1/uploads/{key}`, a request with its pages): streamed to disk,
    /// so it costs the disk, not memory.
    pub max_upload_bytes: usize,
    /// Uploads (bodies being read and opened) at once; more wait their turn,
    /// within `request_timeout`. Buffered bytes stay under this × `max_body_bytes`.
    pub uploads_at_once: usize,
    /// Requests being served at once; past this the intake answers 503 at once.
    pub requests_at_once: usize,
    /// A whole request, its body included, from headers read to answer.
    pub request_timeout: Duration,
    /// A request's headers, from the connection's start (or the last answer).
    pub header_timeout: Duration,
    /// The TLS handshake.
    pub tls_handshake_timeout: Duration,
    /// Public status routes, per client IP: this many at once …
    pub status_burst: u32,
    /// … then one more each period.
    pub status_period: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 4 * 1024 * 1024,
            max_upload_bytes: 16 * 1024 * 1024,
            uploads_at_once: 8,
            requests_at_once: 256,
            request_timeout: Duration::from_secs(12),
            header_timeout: Duration::from_secs(10),
            tls_handshake_timeout: Duration::from_secs(10),
            status_burst: 30,
            status_period: Duration::from_millis(200),
        }
    }
}

/// The API's error answer: `{"error": "..."}`.
pub fn error(status: StatusCode, msg: impl Into<String>) -> Response {
    (status, Json(ErrorBody { error: msg.into() })).into_response()
}

/// The Content-Security-Policy of the intake's pages: nothing may load, only
/// the page's own inline style (by its hash) applies, forms post only to the
/// intake itself (the staff inbox), nobody may frame it.
pub fn content_security_policy(inline_style: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(inline_style.as_bytes()));
    format!(
        "default-src 'none'; style-src 'sha256-{hash}'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Wraps the intake's routes in its limits: `uploads` read bodies, `public`
/// answer anyone (rate-limited per IP), `rest` is the small fixed routes.
/// `inline_style`: the pages' one `<style>`, allowed by hash.
pub fn protect(uploads: Router, public: Router, rest: Router, limits: &Limits, inline_style: &str) -> Router {
    let uploads = uploads
        .layer(DefaultBodyLimit::max(limits.max_body_bytes))
        .layer(GlobalConcurrencyLimitLayer::new(limits.uploads_at_once.max(1)));
    // Per client IP on the public routes (tower_governor: a token bucket per IP).
    let config = Arc::new(
        GovernorConfigBuilder::default()
            .period(limits.status_period.max(Duration::from_millis(1)))
            .burst_size(limits.status_burst.max(1))
            .finish()
            .expect("a non-zero period and burst"),
    );
    // The limiter keeps a bucket per IP it has seen: forget the idle ones.
    if let Ok(rt) = tokio::runtime::Handle::try_current() {
        let weak = Arc::downgrade(&config);
        rt.spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tick.tick().await;
                let Some(config) = weak.upgrade() else { return };
                config.limiter().retain_recent();
                config.limiter().shrink_to_fit();
            }
        });
    }
    let public = public.layer(GovernorLayer::new(config).error_handler(|e| match e {
        GovernorError::TooManyRequests { wait_time, .. } => {
            let mut r = error(StatusCode::TOO_MANY_REQUESTS, "too many requests from this address, try again later");
            r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait_time.max(1)));
            r
        }
        GovernorError::UnableToExtractKey => {
            error(StatusCode::INTERNAL_SERVER_ERROR, "cannot tell the client's address")
        }
        GovernorError::Other { code, msg, .. } => error(code, msg.unwrap_or_else(|| "refused".into())),
    }));
    let max_body = limits.max_body_bytes;
    let csp = HeaderValue::from_str(&content_security_policy(inline_style)).expect("an ASCII header");
    uploads
        .merge(public)
        .merge(rest)
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, limits.request_timeout))
        .layer(
            ServiceBuilder::new()
                .layer(HandleErrorLayer::new(|_: tower::BoxError| async {
                    let mut r = error(StatusCode::SERVICE_UNAVAILABLE, "the intake is busy, try again");
                    r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
                    r
                }))
                .load_shed()
                .layer(GlobalConcurrencyLimitLayer::new(limits.requests_at_once.max(1))),
        )
        .layer(axum::middleware::map_response(move |r: Response| async move { json_errors(r, max_body) }))
        .layer(SetResponseHeaderLayer::overriding(header::CONTENT_SECURITY_POLICY, csp))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
}

/// Every refusal is the API's JSON error, whichever layer made it (413 from
/// the body limit, 408 from the timeout, 404/405 from routing), except the
/// pages' own HTML answers.
fn json_errors(res: Response, max_body: usize) -> Response {
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let ct = res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if ct.starts_with("application/json") || ct.starts_with("text/html") {
        return res;
    }
    let msg = match status {
        StatusCode::PAYLOAD_TOO_LARGE => {
            format!("the request body is larger than this intake accepts ({} bytes)", max_body)
        }
        StatusCode::REQUEST_TIMEOUT => "the request took too long to arrive; try again".to_owned(),
        StatusCode::NOT_FOUND => "no such route".to_owned(),
        StatusCode::METHOD_NOT_ALLOWED => "method not allowed on this route".to_owned(),
        s => s.canonical_reason().unwrap_or("refused").to_lowercase(),
    };
    let (mut parts, _) = res.into_parts();
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    parts.headers.remove(header::CONTENT_LENGTH);
    let body = serde_json::to_vec(&ErrorBody { error: msg }).expect("an error serialises");
    Response::from_parts(parts, Body::from(body))
}

/// Serves `app` on `listener` (HTTPS with `tls`) until `shutdown` resolves,
/// with the connection-level limits: HTTP/1 only, headers within
/// `header_timeout`, the TLS handshake within `tls_handshake_timeout`.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    tls: Option<axum_server::tls_rustls::RustlsConfig>,
    limits: &Limits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let handle = axum_server::Handle::new();
    let h = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        h.graceful_shutdown(Some(Duration::from_secs(2)));
    });
    let mut server = axum_server::from_tcp(listener.into_std()?)?
        .handle(handle)
        .http1_only()
        .first_request_timeout(limits.header_timeout);
    // hyper reads headers into a buffer of at most this size per connection.
    server.http_builder().http1().header_read_timeout(limits.header_timeout).max_buf_size(64 * 1024);
    let make = app.into_make_service_with_connect_info::<SocketAddr>();
    match tls {
        None => server.serve(make).await,
        Some(config) => {
            let acceptor =
                axum_server::tls_rustls::RustlsAcceptor::new(config).handshake_timeout(limits.tls_handshake_timeout);
            server.acceptor(acceptor).serve(make).await
        }
    }
}
