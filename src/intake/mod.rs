//! The reference intake server: the registry side that kiosks upload to.
//!
//! It registers each submission once per key (see [`store`]), assigns the
//! registry's number ("nr. 12 / 23.11.2026") and answers status queries by
//! tracking code: JSON for kiosks, a small HTML page for phones that open the
//! link in a receipt's QR code.

pub mod files;
pub mod mail;
pub mod net;
pub mod registry_api;
pub mod staff;
pub mod store;
pub mod texts;
pub mod web;

use crate::wire::api::{self, Envelope, StatusBody, SubmissionBody};
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use net::error;
pub use net::Limits;
use std::path::Path;
use std::sync::Arc;
use store::{Shared, StoreError};

/// The API's description (OpenAPI 3), served at `/api/v1/openapi.yaml`.
pub const OPENAPI: &str = include_str!("openapi.yaml");

#[derive(Clone)]
struct AppState {
    store: Shared,
    /// The municipality's private key: decryption happens only here.
    identity: Arc<age::x25519::Identity>,
    /// Enrolled kiosks: `ID.pem` public keys; `ID.revoked` marks a revoked one.
    kiosks_dir: std::path::PathBuf,
    /// The registry's PDF of each request: `CODE.pdf`.
    documents_dir: std::path::PathBuf,
    /// Number a request when it arrives (else when staff validate it).
    number_at_arrival: bool,
}

/// When a request gets its registration number.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RegisterOn {
    /// As it arrives (the kiosk's receipt can then show the number at once).
    #[default]
    Arrival,
    /// Only when staff "Validează și înregistrează" it in the inbox.
    Validate,
}

/// The pages' one inline style (allowed by its hash in the CSP): the status
/// page and the staff inbox; readable at 1366×768, on a tablet and a phone.
const PAGE_STYLE: &str = "body{font-family:sans-serif;margin:0;font-size:1.05em;line-height:1.5;color:#1a1a1a}\
main{padding:1em 1.5em;max-width:80em}main.narrow{max-width:26em;margin:2em auto}h1{font-size:1.4em}\
label{display:block;margin:.6em 0}input,select,textarea,button{font:inherit;padding:.45em .6em;min-height:2.4em}\
input,textarea{width:100%;box-sizing:border-box}.filters input{width:auto;flex:1 1 14em}\
button{background:#0b4f8a;color:#fff;border:0;border-radius:4px;cursor:pointer}\
.top{display:flex;gap:1em;align-items:center;flex-wrap:wrap;background:#0b4f8a;color:#fff;padding:.5em 1.5em}\
.top a{color:#fff}.top .home{font-weight:bold;margin-right:auto}.top button{background:#fff;color:#0b4f8a}\
.inline{display:inline}.tabs{display:flex;flex-wrap:wrap;gap:.3em;margin:.5em 0}\
.tabs a{padding:.4em .8em;border:1px solid #0b4f8a;border-radius:4px;text-decoration:none;color:#0b4f8a}\
.tabs a[aria-current]{background:#0b4f8a;color:#fff}.count{font-size:.85em}\
.filters{display:flex;flex-wrap:wrap;gap:.5em;margin:.8em 0}table{border-collapse:collapse;width:100%}\
th,td{text-align:left;padding:.45em .6em;border-bottom:1px solid #ccc}.error{color:#a00000;font-weight:bold}\
.ok{color:#0a5c1a;font-weight:bold}dl{display:grid;grid-template-columns:max-content 1fr;gap:.3em 1em}\
dt{font-weight:bold}.cols{display:flex;flex-wrap:wrap;gap:1.5em}.cols>section{flex:1 1 24em}\
.actions form{border:1px solid #ccc;border-radius:4px;padding:.6em;margin:.6em 0}ol.history{padding-left:1.2em}";

/// The intake's HTTP routes over the data folder, with the default [`Limits`].
pub async fn router(data_dir: &Path, database: Option<&str>) -> anyhow::Result<Router> {
    app(data_dir, Shared::open(data_dir, database).await?, &Options::default())
}

/// The intake's HTTP routes over the data folder (`municipality.key`: the
/// age identity, `kiosks/`: enrolled public keys, `documents/`: the
/// registry's PDFs) and `store`, inside the network limits.
pub fn app(data_dir: &Path, store: Shared, options: &Options) -> anyhow::Result<Router> {
    let limits = &options.limits;
    let key_path = data_dir.join("municipality.key");
    let identity = crate::crypto::load_identity(&key_path).map_err(|e| {
        anyhow::anyhow!("{e}\n(create it with `ghiseu keys municipality --out {}`)", key_path.display())
    })?;
    let documents_dir = data_dir.join("documents");
    for dir in [data_dir, &documents_dir] {
        files::private_dir(dir).map_err(|e| anyhow::anyhow!("cannot make {} private (0700): {e}", dir.display()))?;
    }
    let staff_state = web::StaffState {
        store: store.clone(),
        life: options.session_life,
        secure: options.tls.is_some(),
        documents_dir: documents_dir.clone(),
        css: PAGE_STYLE,
    };
    let registry =
        registry_api::routes(registry_api::ApiState { store: store.clone(), documents_dir: documents_dir.clone() });
    let state = AppState {
        store,
        identity: Arc::new(identity),
        kiosks_dir: data_dir.join("kiosks"),
        documents_dir,
        number_at_arrival: options.register_on == RegisterOn::Arrival,
    };
    let (staff_pages, staff_sign_in) = web::routes(staff_state);
    let uploads = Router::new()
        .route("/api/v1/submissions", post(submit))
        .route("/api/v1/kiosks/{id}/check", post(kiosk_check))
        .with_state(state.clone());
    let public = Router::new()
        .route("/api/v1/status/{code}", get(status_json))
        .route("/s/{code}", get(status_page))
        .with_state(state)
        .merge(staff_sign_in);
    let rest = Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/api/v1/openapi.yaml", get(|| async { ([("content-type", "application/yaml")], OPENAPI) }))
        .merge(staff_pages)
        .merge(registry);
    Ok(net::protect(uploads, public, rest, limits, PAGE_STYLE))
}

/// How `ghiseu intake` serves: where the store is, TLS, limits.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// A `postgres://` URL, or none for SQLite in the data folder.
    pub database: Option<String>,
    pub tls: Option<Tls>,
    pub limits: Limits,
    /// When requests get their registration number.
    pub register_on: RegisterOn,
    /// How long a staff session lives.
    pub session_life: staff::SessionLife,
    /// Mail to citizens who left an address (none: not sent, still queued).
    pub mail: Option<mail::Settings>,
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
    run(listener, data_dir, Options { tls, ..Options::default() }, shutdown).await
}

/// [`serve`] with the store in PostgreSQL when `database` is a `postgres://` URL.
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    data_dir: &Path,
    database: Option<String>,
    tls: Option<Tls>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    run(listener, data_dir, Options { database, tls, ..Options::default() }, shutdown).await
}

/// Serves the intake with `options` until `shutdown` resolves.
pub async fn run(
    listener: tokio::net::TcpListener,
    data_dir: &Path,
    options: Options,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let store = Shared::open(data_dir, options.database.as_deref()).await?;
    let app = app(data_dir, store.clone(), &options)?;
    let Options { tls, limits, mail, .. } = options;
    if let Some(m) = &mail {
        // Checked now: a wrong CA or credentials file stops the intake at start.
        m.transport()?;
    }
    // The mail sender lives as long as the server.
    let sender = mail.map(|m| AbortOnDrop(tokio::spawn(mail::run(store, m))));
    let tls = match tls {
        None => None,
        Some(tls) => {
            let _ = rustls::crypto::ring::default_provider().install_default();
            Some(axum_server::tls_rustls::RustlsConfig::from_pem_file(&tls.cert, &tls.key).await.map_err(|e| {
                anyhow::anyhow!("TLS certificate {} / key {}: {e}", tls.cert.display(), tls.key.display())
            })?)
        }
    };
    net::serve(listener, app, tls, &limits, shutdown).await?;
    drop(sender);
    Ok(())
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The one answer to a kiosk that is unknown, revoked, or whose signature
/// does not match: a stranger learns nothing of which ids are enrolled. The
/// intake's log says which it was.
fn refused() -> Response {
    error(StatusCode::FORBIDDEN, "refused: this kiosk is not enrolled here, or its signature does not match its key")
}

/// Whether `signature` over `message` is by `kiosk_id`'s enrolled key. The
/// work is the same whether or not the id is enrolled (a fixed key stands in),
/// so the time taken tells nothing either.
fn signed_by_enrolled(st: &AppState, kiosk_id: &str, message: &[u8], signature: &str) -> bool {
    use base64::Engine;
    let signature = base64::engine::general_purpose::STANDARD.decode(signature).unwrap_or_default();
    let (key, why_not) = match enrolled_key(st, kiosk_id) {
        Ok(k) => (k, None),
        Err(why) => (ed25519_dalek::SigningKey::from_bytes(&[7; 32]).verifying_key(), Some(why)),
    };
    let valid = crate::crypto::verify(&key, message, &signature);
    match why_not {
        Some(why) => {
            tracing::warn!(kiosk = kiosk_id, why, "refused a kiosk");
            false
        }
        None if !valid => {
            tracing::warn!(kiosk = kiosk_id, "refused a kiosk: the signature does not match its enrolled key");
            false
        }
        None => true,
    }
}

/// Why an envelope is refused, before anything is stored.
fn check_envelope(st: &AppState, env: &Envelope) -> Result<SubmissionBody, Response> {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    if !signed_by_enrolled(st, &env.kiosk_id, &env.signed_message(), &env.signature) {
        return Err(refused());
    }
    let sealed =
        b64.decode(&env.sealed).map_err(|_| error(StatusCode::UNPROCESSABLE_ENTITY, "sealed is not base64"))?;
    let plain = crate::crypto::open(&st.identity, &sealed).map_err(|_| {
        error(StatusCode::UNPROCESSABLE_ENTITY, "cannot open the sealed data with the municipality key")
    })?;
    let body: SubmissionBody = serde_json::from_slice(&plain)
        .map_err(|e| error(StatusCode::UNPROCESSABLE_ENTITY, format!("sealed data is not a submission: {e}")))?;
    if (&body.key, &body.tracking_code, &body.kiosk_id, &body.form_id, body.created_ms, &body.supplement_of)
        != (&env.key, &env.tracking_code, &env.kiosk_id, &env.form_id, env.created_ms, &env.supplement_of)
    {
        return Err(error(StatusCode::UNPROCESSABLE_ENTITY, "sealed data does not match the envelope"));
    }
    Ok(body)
}

/// The kiosk's enrolled public key, or why there is none (for the log only).
fn enrolled_key(st: &AppState, kiosk_id: &str) -> Result<ed25519_dalek::VerifyingKey, &'static str> {
    if !api::valid_kiosk_id(kiosk_id) {
        return Err("not a kiosk id");
    }
    if st.kiosks_dir.join(format!("{kiosk_id}.revoked")).exists() {
        return Err("revoked");
    }
    crate::crypto::load_public_key(&st.kiosks_dir.join(format!("{kiosk_id}.pem"))).map_err(|_| "not enrolled")
}

/// Refuses (415) a body that is not declared as JSON.
fn require_json(headers: &HeaderMap) -> Result<(), Response> {
    let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let essence = ct.split(';').next().unwrap_or("").trim();
    if essence.eq_ignore_ascii_case("application/json") {
        Ok(())
    } else {
        Err(error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "send the body as JSON (Content-Type: application/json)"))
    }
}

async fn kiosk_check(
    State(st): State<AppState>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
    raw: Bytes,
) -> Response {
    if let Err(r) = require_json(&headers) {
        return r;
    }
    let req: api::KioskCheck = match serde_json::from_slice(&raw) {
        Ok(r) => r,
        Err(e) => return error(StatusCode::UNPROCESSABLE_ENTITY, format!("not a kiosk check: {e}")),
    };
    let message = api::kiosk_check_message(&id, req.time_ms);
    let id2 = id.clone();
    let ok = tokio::task::spawn_blocking(move || signed_by_enrolled(&st, &id2, &message, &req.signature))
        .await
        .unwrap_or(false);
    if !ok {
        return refused();
    }
    Json(api::KioskCheckOk { kiosk_id: id, enrolled: true, server_time_ms: crate::now_ms() }).into_response()
}

async fn submit(State(st): State<AppState>, headers: HeaderMap, raw: Bytes) -> Response {
    if let Err(r) = require_json(&headers) {
        return r;
    }
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
    match st.store.register(raw, body.clone(), jiff::Zoned::now(), st.number_at_arrival).await {
        Ok(status) => {
            // Filed before the answer: what is acknowledged is on disk.
            let dir = st.documents_dir.clone();
            let _ = tokio::task::spawn_blocking(move || save_document(&dir, &body)).await;
            tracing::info!(number = %status.registration_number, %kiosk, "submission registered");
            (StatusCode::OK, Json(status)).into_response()
        }
        Err(e @ (StoreError::Conflict(_) | StoreError::CodeTaken(_))) => error(StatusCode::CONFLICT, e.to_string()),
        Err(e) => {
            tracing::error!(error = %e, "store failed");
            error(StatusCode::SERVICE_UNAVAILABLE, "storage unavailable, try again")
        }
    }
}

/// Files the request's PDF for the registry (`documents/CODE.pdf`), written
/// once and whole: a reader never sees part of it, and a repeated upload
/// (the same bytes) leaves the filed one alone.
fn save_document(dir: &Path, body: &SubmissionBody) {
    let Some(pdf) = &body.pdf else { return };
    let Ok(bytes) = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, pdf) else {
        tracing::warn!(code = %body.tracking_code, "submission PDF is not base64; answers registered without it");
        return;
    };
    let result =
        files::private_dir(dir).and_then(|_| files::write_whole(dir, &format!("{}.pdf", body.tracking_code), &bytes));
    if let Err(e) = result {
        tracing::error!(error = %e, code = %body.tracking_code, "could not file the submission PDF");
    }
}

async fn lookup(st: &AppState, code: &str) -> Result<Option<StatusBody>, Response> {
    let Ok(code) = crate::wire::tracking::parse(code) else { return Ok(None) };
    st.store.status(code).await.map_err(|e| {
        tracing::error!(error = %e, "store failed");
        error(StatusCode::SERVICE_UNAVAILABLE, "storage unavailable, try again")
    })
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
         <style>{PAGE_STYLE}</style>\
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
