//! The reference intake server: the registry side that kiosks upload to.
//!
//! It registers each submission once per key (see [`store`]), assigns the
//! registry's number ("nr. 12 / 23.11.2026") and answers status queries by
//! tracking code: JSON for kiosks, a small HTML page for phones that open the
//! link in a receipt's QR code.

pub mod api;
pub mod store;

use api::{ErrorBody, StatusBody, SubmissionBody};
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use std::path::Path;
use std::sync::{Arc, Mutex};
use store::{Store, StoreError};

#[derive(Clone)]
struct AppState {
    store: Arc<Mutex<Store>>,
}

fn error(status: StatusCode, msg: impl Into<String>) -> Response {
    (status, Json(ErrorBody { error: msg.into() })).into_response()
}

/// The intake's HTTP routes over a store in `data_dir`.
pub fn router(data_dir: &Path) -> Result<Router, StoreError> {
    let store = Store::open(data_dir)?;
    let state = AppState { store: Arc::new(Mutex::new(store)) };
    Ok(Router::new()
        .route("/api/v1/submissions", post(submit))
        .route("/api/v1/status/{code}", get(status_json))
        .route("/s/{code}", get(status_page))
        .route("/health", get(|| async { "ok" }))
        .with_state(state))
}

/// Serves the intake on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    data_dir: &Path,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let app = router(data_dir)?;
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await?;
    Ok(())
}

async fn submit(State(st): State<AppState>, headers: HeaderMap, raw: Bytes) -> Response {
    let body: SubmissionBody = match serde_json::from_slice(&raw) {
        Ok(b) => b,
        Err(e) => return error(StatusCode::UNPROCESSABLE_ENTITY, format!("not a submission: {e}")),
    };
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok());
    if key != Some(body.key.as_str()) {
        return error(StatusCode::BAD_REQUEST, "Idempotency-Key header must equal the submission key");
    }
    if crate::queue::tracking::parse(&body.tracking_code).as_deref() != Ok(body.tracking_code.as_str()) {
        return error(StatusCode::UNPROCESSABLE_ENTITY, "tracking_code is not a valid code");
    }
    let result = tokio::task::spawn_blocking(move || {
        let now = jiff::Zoned::now();
        st.store.lock().unwrap_or_else(|p| p.into_inner()).register(&raw, &body, now)
    })
    .await;
    match result {
        Ok(Ok(status)) => {
            tracing::info!(number = %status.registration_number, "submission registered");
            (StatusCode::OK, Json(status)).into_response()
        }
        Ok(Err(e @ (StoreError::Conflict(_) | StoreError::CodeTaken(_)))) => error(StatusCode::CONFLICT, e.to_string()),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "store failed");
            error(StatusCode::SERVICE_UNAVAILABLE, "storage unavailable, try again")
        }
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "internal error"),
    }
}

async fn lookup(st: &AppState, code: &str) -> Result<Option<StatusBody>, Response> {
    let Ok(code) = crate::queue::tracking::parse(code) else { return Ok(None) };
    let st = st.clone();
    tokio::task::spawn_blocking(move || st.store.lock().unwrap_or_else(|p| p.into_inner()).status(&code))
        .await
        .map_err(|_| error(StatusCode::INTERNAL_SERVER_ERROR, "internal error"))?
        .map_err(|_| error(StatusCode::SERVICE_UNAVAILABLE, "storage unavailable, try again"))
}

async fn status_json(State(st): State<AppState>, UrlPath(code): UrlPath<String>) -> Response {
    match lookup(&st, &code).await {
        Ok(Some(s)) => Json(s).into_response(),
        Ok(None) => error(StatusCode::NOT_FOUND, "no submission with this tracking code"),
        Err(r) => r,
    }
}

async fn status_page(State(st): State<AppState>, UrlPath(code): UrlPath<String>) -> Response {
    let texts = crate::i18n::Texts::builtin();
    let lang = crate::i18n::Lang::Ro;
    let (status, line) = match lookup(&st, &code).await {
        Ok(Some(s)) => (
            StatusCode::OK,
            format!(
                "{}<br>{}",
                texts.fmt(
                    lang,
                    "status_registered",
                    &[("number", &s.registration_number), ("date", &s.registration_date)]
                ),
                texts.fmt(lang, "status_stage", &[("stage", texts.get(lang, s.stage.text_key()))])
            ),
        ),
        Ok(None) => (StatusCode::NOT_FOUND, texts.get(lang, "status_unknown").to_owned()),
        Err(r) => return r,
    };
    let code = html_escape(&code);
    let page = format!(
        "<!doctype html><html lang=\"ro\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{title} {code}</title>\
         <style>body{{font-family:sans-serif;margin:1.5em;font-size:1.2em;line-height:1.5}}h1{{font-size:1.4em}}</style>\
         </head><body><h1>{title}</h1><p><strong>{code}</strong></p><p>{line}</p></body></html>",
        title = texts.get(lang, "status_title"),
    );
    (status, Html(page)).into_response()
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
