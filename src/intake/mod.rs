//! The reference intake server: the registry side that kiosks upload to.
//!
//! It registers each submission once per key (see [`store`]), assigns the
//! registry's number ("nr. 12 / 23.11.2026") and answers status queries by
//! tracking code: JSON for kiosks, a small HTML page for phones that open the
//! link in a receipt's QR code.

pub mod store;

use crate::wire::api::{self, Envelope, ErrorBody, StatusBody, SubmissionBody};
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use std::path::Path;
use std::sync::{Arc, Mutex};
use store::{Store, StoreError};

/// The API's description (OpenAPI 3), served at `/api/v1/openapi.yaml`.
pub const OPENAPI: &str = include_str!("openapi.yaml");

#[derive(Clone)]
struct AppState {
    store: Arc<Mutex<Store>>,
    /// The municipality's private key: decryption happens only here.
    identity: Arc<age::x25519::Identity>,
    /// Enrolled kiosks: `ID.pem` public keys; `ID.revoked` marks a revoked one.
    kiosks_dir: std::path::PathBuf,
    /// The registry's PDF of each request: `CODE.pdf`.
    documents_dir: std::path::PathBuf,
}

fn error(status: StatusCode, msg: impl Into<String>) -> Response {
    (status, Json(ErrorBody { error: msg.into() })).into_response()
}

/// The intake's HTTP routes over the data folder: `intake.sqlite`,
/// `municipality.key` (age identity) and `kiosks/` (enrolled public keys).
pub fn router(data_dir: &Path, database: Option<&str>) -> anyhow::Result<Router> {
    let key_path = data_dir.join("municipality.key");
    let identity = crate::crypto::load_identity(&key_path).map_err(|e| {
        anyhow::anyhow!("{e}\n(create it with `ghiseu keys municipality --out {}`)", key_path.display())
    })?;
    let store = Store::open_for(data_dir, database)?;
    let state = AppState {
        store: Arc::new(Mutex::new(store)),
        identity: Arc::new(identity),
        kiosks_dir: data_dir.join("kiosks"),
        documents_dir: data_dir.join("documents"),
    };
    Ok(Router::new()
        .route("/api/v1/submissions", post(submit))
        .route("/api/v1/status/{code}", get(status_json))
        .route("/s/{code}", get(status_page))
        .route("/api/v1/kiosks/{id}/check", post(kiosk_check))
        .route("/health", get(|| async { "ok" }))
        .route("/api/v1/openapi.yaml", get(|| async { ([("content-type", "application/yaml")], OPENAPI) }))
        .with_state(state))
}

/// TLS certificate chain and private key (PEM) for serving HTTPS.
#[derive(Debug, Clone)]
pub struct Tls {
    pub cert: std::path::PathBuf,
    pub key: std::path::PathBuf,
}

/// Serves the intake on `listener` (HTTPS when `tls` is given) until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    data_dir: &Path,
    tls: Option<Tls>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    serve_with(listener, data_dir, None, tls, shutdown).await
}

/// [`serve`] with the store in PostgreSQL when `database` is a `postgres://` URL.
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    data_dir: &Path,
    database: Option<String>,
    tls: Option<Tls>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let dir = data_dir.to_owned();
    // The PostgreSQL client is synchronous: connect off the async workers.
    let app = tokio::task::spawn_blocking(move || router(&dir, database.as_deref())).await??;
    let Some(tls) = tls else {
        axum::serve(listener, app).with_graceful_shutdown(shutdown).await?;
        return Ok(());
    };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config = axum_server::tls_rustls::RustlsConfig::from_pem_file(&tls.cert, &tls.key)
        .await
        .map_err(|e| anyhow::anyhow!("TLS certificate {} / key {}: {e}", tls.cert.display(), tls.key.display()))?;
    let handle = axum_server::Handle::new();
    let h = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        h.graceful_shutdown(Some(std::time::Duration::from_secs(2)));
    });
    axum_server::tls_rustls::from_tcp_rustls(listener.into_std()?, config)?
        .handle(handle)
        .serve(app.into_make_service())
        .await?;
    Ok(())
}

/// Why an envelope is refused, before anything is stored.
fn check_envelope(st: &AppState, env: &Envelope) -> Result<SubmissionBody, Response> {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let public = enrolled_key(st, &env.kiosk_id)?;
    let signature = b64.decode(&env.signature).unwrap_or_default();
    if !crate::crypto::verify(&public, &env.signed_message(), &signature) {
        return Err(error(StatusCode::UNAUTHORIZED, "the envelope's signature does not match the kiosk's key"));
    }
    let sealed =
        b64.decode(&env.sealed).map_err(|_| error(StatusCode::UNPROCESSABLE_ENTITY, "sealed is not base64"))?;
    let plain = crate::crypto::open(&st.identity, &sealed).map_err(|_| {
        error(StatusCode::UNPROCESSABLE_ENTITY, "cannot open the sealed data with the municipality key")
    })?;
    let body: SubmissionBody = serde_json::from_slice(&plain)
        .map_err(|e| error(StatusCode::UNPROCESSABLE_ENTITY, format!("sealed data is not a submission: {e}")))?;
    if (&body.key, &body.tracking_code, &body.kiosk_id, &body.form_id, body.created_ms)
        != (&env.key, &env.tracking_code, &env.kiosk_id, &env.form_id, env.created_ms)
    {
        return Err(error(StatusCode::UNPROCESSABLE_ENTITY, "sealed data does not match the envelope"));
    }
    Ok(body)
}

/// The kiosk's enrolled public key, or why there is none.
fn enrolled_key(st: &AppState, kiosk_id: &str) -> Result<ed25519_dalek::VerifyingKey, Response> {
    if !api::valid_kiosk_id(kiosk_id) {
        return Err(error(StatusCode::FORBIDDEN, "unknown kiosk"));
    }
    if st.kiosks_dir.join(format!("{kiosk_id}.revoked")).exists() {
        return Err(error(StatusCode::FORBIDDEN, format!("kiosk {kiosk_id} is revoked")));
    }
    crate::crypto::load_public_key(&st.kiosks_dir.join(format!("{kiosk_id}.pem")))
        .map_err(|_| error(StatusCode::FORBIDDEN, format!("kiosk {kiosk_id} is not enrolled")))
}

async fn kiosk_check(State(st): State<AppState>, UrlPath(id): UrlPath<String>, raw: Bytes) -> Response {
    use base64::Engine;
    let req: api::KioskCheck = match serde_json::from_slice(&raw) {
        Ok(r) => r,
        Err(e) => return error(StatusCode::UNPROCESSABLE_ENTITY, format!("not a kiosk check: {e}")),
    };
    let public = match enrolled_key(&st, &id) {
        Ok(k) => k,
        Err(r) => return r,
    };
    let signature = base64::engine::general_purpose::STANDARD.decode(&req.signature).unwrap_or_default();
    if !crate::crypto::verify(&public, &api::kiosk_check_message(&id, req.time_ms), &signature) {
        return error(StatusCode::UNAUTHORIZED, format!("the signature does not match the key enrolled for {id}"));
    }
    Json(api::KioskCheckOk { kiosk_id: id, enrolled: true, server_time_ms: crate::now_ms() }).into_response()
}

async fn submit(State(st): State<AppState>, headers: HeaderMap, raw: Bytes) -> Response {
    let env: Envelope = match serde_json::from_slice(&raw) {
        Ok(b) => b,
        Err(e) => return error(StatusCode::UNPROCESSABLE_ENTITY, format!("not a submission envelope: {e}")),
    };
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok());
    if key != Some(env.key.as_str()) {
        return error(StatusCode::BAD_REQUEST, "Idempotency-Key header must equal the submission key");
    }
    if crate::wire::tracking::parse(&env.tracking_code).as_deref() != Ok(env.tracking_code.as_str()) {
        return error(StatusCode::UNPROCESSABLE_ENTITY, "tracking_code is not a valid code");
    }
    let st2 = st.clone();
    let body = match tokio::task::spawn_blocking(move || check_envelope(&st2, &env)).await {
        Ok(Ok(body)) => body,
        Ok(Err(r)) => return r,
        Err(_) => return error(StatusCode::INTERNAL_SERVER_ERROR, "internal error"),
    };
    let kiosk = body.kiosk_id.clone();
    let result = tokio::task::spawn_blocking(move || {
        let now = jiff::Zoned::now();
        let status = st.store.lock().unwrap_or_else(|p| p.into_inner()).register(&raw, &body, now)?;
        save_document(&st.documents_dir, &body);
        Ok::<_, StoreError>(status)
    })
    .await;
    match result {
        Ok(Ok(status)) => {
            tracing::info!(number = %status.registration_number, %kiosk, "submission registered");
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

/// Files the request's PDF for the registry (`documents/CODE.pdf`), written
/// whole or not at all; a repeated upload writes the same bytes again.
fn save_document(dir: &Path, body: &SubmissionBody) {
    let Some(pdf) = &body.pdf else { return };
    let Ok(bytes) = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, pdf) else {
        tracing::warn!(code = %body.tracking_code, "submission PDF is not base64; answers registered without it");
        return;
    };
    let path = dir.join(format!("{}.pdf", body.tracking_code));
    let tmp = dir.join(format!(".{}.pdf.tmp", body.tracking_code));
    let result = std::fs::create_dir_all(dir)
        .and_then(|_| std::fs::write(&tmp, &bytes))
        .and_then(|_| std::fs::rename(&tmp, &path));
    if let Err(e) = result {
        tracing::error!(error = %e, code = %body.tracking_code, "could not file the submission PDF");
    }
}

async fn lookup(st: &AppState, code: &str) -> Result<Option<StatusBody>, Response> {
    let Ok(code) = crate::wire::tracking::parse(code) else { return Ok(None) };
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

#[cfg(test)]
mod tests {
    #[test]
    fn every_route_is_described_in_the_openapi_file() {
        let src = include_str!("mod.rs");
        for route in
            src.lines().filter_map(|l| l.trim().strip_prefix(".route(\"")).map(|r| r.split('"').next().unwrap())
        {
            assert!(super::OPENAPI.contains(&format!("  {route}:")), "{route} missing from openapi.yaml");
        }
    }
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
