//! The reference intake server: the registry side that kiosks upload to.
//!
//! It registers each submission once per key (see [`store`]), assigns the
//! registry's number ("nr. 12 / 23.11.2026") and answers status queries by
//! tracking code: JSON for kiosks, a small HTML page for phones that open the
//! link in a receipt's QR code (`citizen.rs`). Registry staff work in its web
//! inbox (`web.rs`, `actions.rs`).

pub mod actions;
pub mod citizen;
pub mod files;
pub mod label_printer;
pub mod mail;
pub mod net;
pub mod parts;
pub mod registry_api;
pub mod request_page;
pub mod rules;
pub mod staff;
pub mod store;
pub mod texts;
pub mod web;

use crate::wire::api::{self, Envelope, SubmissionBody};
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
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
    /// The registry's PDF of each request: `CODE.pdf`, and its attached pages: `CODE/NN-DOCUMENT.jpg`.
    documents_dir: std::path::PathBuf,
    /// Number a request when it arrives (else when staff validate it).
    number_at_arrival: bool,
    /// Resumable uploads' parts: `KEY.part`.
    uploads_dir: std::path::PathBuf,
    /// The largest envelope taken by resumable upload.
    max_body: u64,
    /// Keys with a `PATCH` being written: one writer per part.
    writing: Arc<std::sync::Mutex<std::collections::HashSet<String>>>,
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
main{padding:1em 1.5em;max-width:80em}main.narrow{max-width:26em;margin:2em auto}h1{font-size:1.4em}h2{font-size:1.2em}\
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
.actions form{border:1px solid #ccc;border-radius:4px;padding:.6em;margin:.6em 0}ol.history{padding-left:1.2em}\
button.danger{background:#a00000}.msg{border-left:4px solid #0b4f8a;padding:.1em .8em;margin:.8em 0}\
.msg .text{white-space:pre-wrap;overflow-wrap:anywhere}.msg .when,.when{color:#555;font-size:.9em}\
main.status{max-width:40em;margin:0 auto;padding:.8em 1em}.langs{display:flex;gap:1em;flex-wrap:wrap}\
.langs a[aria-current]{font-weight:bold;text-decoration:none}.muni{font-weight:bold;margin:.6em 0 0}\
.code{font-family:monospace;font-size:1.2em;letter-spacing:.05em}.headline{font-size:1.15em;font-weight:bold}\
a{overflow-wrap:anywhere}@media (max-width:40em){dl{grid-template-columns:1fr}dd{margin:0 0 .5em}main{padding:.8em}}";

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
    let uploads_dir = data_dir.join("uploads");
    for dir in [data_dir, &documents_dir, &uploads_dir] {
        files::private_dir(dir).map_err(|e| anyhow::anyhow!("cannot make {} private (0700): {e}", dir.display()))?;
    }
    let catalogue = match &options.forms_dir {
        Some(dir) => crate::forms::Catalogue::load_dir(dir)
            .map_err(|e| anyhow::anyhow!("forms folder {}: {e}", dir.display()))?,
        None => crate::forms::Catalogue::builtin(),
    };
    let messages_dir = files::messages_dir(data_dir);
    let labels = label_printer::LabelSettings { municipality: options.municipality.clone(), ..options.labels.clone() };
    let staff_state = web::StaffState {
        store: store.clone(),
        life: options.session_life,
        secure: options.tls.is_some(),
        documents_dir: documents_dir.clone(),
        css: PAGE_STYLE,
        label: Arc::new(labels),
        messages_dir: messages_dir.clone(),
        max_file_bytes: options.max_file_bytes.unwrap_or(files::DEFAULT_MESSAGE_FILE_BYTES),
    };
    let citizen_state = citizen::CitizenState {
        store: store.clone(),
        municipality: options.municipality.clone(),
        catalogue: Arc::new(catalogue),
        messages_dir,
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
        uploads_dir,
        max_body: limits.max_upload_bytes as u64,
        writing: Default::default(),
    };
    let staff_actions = actions::routes(staff_state.clone());
    let request_pages = request_page::routes(staff_state.clone());
    let (staff_pages, staff_sign_in) = web::routes(staff_state);
    let uploads = Router::new()
        .route("/api/v1/submissions", post(submit))
        .route("/api/v1/uploads/{key}", axum::routing::patch(upload_part).head(upload_offset))
        .route("/api/v1/kiosks/{id}/check", post(kiosk_check))
        .with_state(state);
    let public = Router::new()
        .route("/api/v1/status/{code}", get(citizen::status_json))
        .route("/s/{code}", get(citizen::status_page))
        .route("/s/{code}/f/{file}", get(citizen::message_file))
        .with_state(citizen_state)
        .merge(staff_sign_in);
    let rest = Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/api/v1/openapi.yaml", get(|| async { ([("content-type", "application/yaml")], OPENAPI) }))
        .merge(staff_pages)
        .merge(staff_actions)
        .merge(request_pages)
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
    /// The municipality's name (the status page, the labels); may be empty.
    pub municipality: String,
    /// The services' forms (titles, legal deadlines); none: the shipped ones.
    pub forms_dir: Option<std::path::PathBuf>,
    /// The registry's QR labels: printer, language, size, QR content.
    pub labels: label_printer::LabelSettings,
    /// The largest file a staff message may carry (default 10 MB).
    pub max_file_bytes: Option<usize>,
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
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_owned);
    register_envelope(&st, key.as_deref(), raw).await
}

/// `HEAD /api/v1/uploads/{key}`: how many bytes of a resumable upload the
/// intake holds (`Upload-Offset`; 0 for one it never saw).
async fn upload_offset(State(st): State<AppState>, UrlPath(key): UrlPath<String>) -> Response {
    let Some(path) = parts::part_path(&st.uploads_dir, &key) else {
        return error(StatusCode::BAD_REQUEST, "the upload key must be the submission's UUID");
    };
    // Answered once an earlier part (its link just dropped) is written, so
    // the offset is the one the next part must start at.
    let _writer = Writer::wait(&st, &key).await;
    (StatusCode::OK, [("upload-offset", parts::offset(&path).to_string())]).into_response()
}

/// The one writer of a resumable upload's part.
struct Writer(AppState, String);

impl Writer {
    /// Waits (a few seconds at most) until no other request writes this
    /// upload: after a dropped link the kiosk is back before the intake
    /// has noticed that the old request's body ended.
    async fn wait(st: &AppState, key: &str) -> Option<Writer> {
        for _ in 0..100 {
            if st.writing.lock().unwrap_or_else(|p| p.into_inner()).insert(key.to_owned()) {
                return Some(Writer(st.clone(), key.to_owned()));
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        None
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.0.writing.lock().unwrap_or_else(|p| p.into_inner()).remove(&self.1);
    }
}

/// `PATCH /api/v1/uploads/{key}` with `Upload-Offset` and `Upload-Length`:
/// appends to a resumable upload of an envelope (streamed to disk, kept
/// when the link drops). While incomplete: 204 with the new
/// `Upload-Offset`. Once whole: the envelope is checked and registered
/// exactly as a `POST /api/v1/submissions` with `Idempotency-Key: key`, with
/// the same answers. A wrong offset: 409 with the held `Upload-Offset`.
async fn upload_part(
    State(st): State<AppState>,
    UrlPath(key): UrlPath<String>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Response {
    let Some(path) = parts::part_path(&st.uploads_dir, &key) else {
        return error(StatusCode::BAD_REQUEST, "the upload key must be the submission's UUID");
    };
    let number =
        |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok());
    let (Some(at), Some(total)) = (number("upload-offset"), number("upload-length")) else {
        return error(StatusCode::BAD_REQUEST, "send Upload-Offset and Upload-Length (bytes) with each part");
    };
    if total > st.max_body {
        return error(StatusCode::PAYLOAD_TOO_LARGE, format!("an envelope may have at most {} bytes", st.max_body));
    }
    let Some(_writer) = Writer::wait(&st, &key).await else {
        let held = parts::offset(&path);
        let mut r = error(StatusCode::CONFLICT, "this upload is being written; resume from Upload-Offset");
        r.headers_mut().insert("upload-offset", held.into());
        return r;
    };
    if at == 0 {
        let dir = st.uploads_dir.clone();
        let _ =
            tokio::task::spawn_blocking(move || parts::sweep(&dir, std::time::Duration::from_secs(7 * 86_400))).await;
    }
    let held = match parts::append(&path, at, total, body).await {
        Ok(held) => held,
        Err(parts::AppendError::Offset { held }) => {
            let mut r = error(StatusCode::CONFLICT, format!("this upload holds {held} bytes; resume from there"));
            r.headers_mut().insert("upload-offset", held.into());
            return r;
        }
        Err(parts::AppendError::TooLong) => {
            let _ = std::fs::remove_file(&path);
            return error(StatusCode::PAYLOAD_TOO_LARGE, "more bytes than Upload-Length; start again");
        }
        Err(parts::AppendError::Io(e)) => {
            tracing::error!(error = %e, "could not keep an upload's part");
            return error(StatusCode::SERVICE_UNAVAILABLE, "storage unavailable, try again");
        }
    };
    if held < total {
        return (StatusCode::NO_CONTENT, [("upload-offset", held.to_string())]).into_response();
    }
    let raw = match tokio::fs::read(&path).await {
        Ok(raw) => Bytes::from(raw),
        Err(e) => {
            tracing::error!(error = %e, "could not read an upload's part");
            return error(StatusCode::SERVICE_UNAVAILABLE, "storage unavailable, try again");
        }
    };
    let answer = register_envelope(&st, Some(&key), raw).await;
    // Kept only when the intake itself failed, so the retry needs no bytes again;
    // an answer (registered, or refused for good) ends the upload.
    if !answer.status().is_server_error() {
        let _ = tokio::fs::remove_file(&path).await;
    }
    answer
}

/// Checks an envelope (sent whole, or assembled from a resumable upload) and
/// registers it once per key.
async fn register_envelope(st: &AppState, key: Option<&str>, raw: Bytes) -> Response {
    let st = st.clone();
    let env: Envelope = match serde_json::from_slice(&raw) {
        Ok(b) => b,
        Err(e) => return error(StatusCode::UNPROCESSABLE_ENTITY, format!("not a submission envelope: {e}")),
    };
    if key != Some(env.key.as_str()) {
        return error(StatusCode::BAD_REQUEST, "Idempotency-Key header must equal the submission key");
    }
    if crate::wire::tracking::parse(&env.tracking_code).as_deref() != Ok(env.tracking_code.as_str()) {
        return error(StatusCode::UNPROCESSABLE_ENTITY, "tracking_code is not a valid code");
    }
    let st2 = st.clone();
    let mut body = match tokio::task::spawn_blocking(move || check_envelope(&st2, &env)).await {
        Ok(Ok(body)) => body,
        Ok(Err(r)) => return r,
        Err(_) => return error(StatusCode::INTERNAL_SERVER_ERROR, "internal error"),
    };
    let kiosk = body.kiosk_id.clone();
    // The pages are filed as pictures beside the PDF, not kept in the
    // database's copy of the answers (the raw envelope's hash still covers them).
    let pages = std::mem::take(&mut body.pages);
    match st.store.register(raw, body.clone(), jiff::Zoned::now(), st.number_at_arrival).await {
        Ok(status) => {
            // Filed before the answer: what is acknowledged is on disk.
            let dir = st.documents_dir.clone();
            let _ = tokio::task::spawn_blocking(move || {
                save_document(&dir, &body);
                save_pages(&dir, &body.tracking_code, &pages);
            })
            .await;
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

/// Files the attached pages beside the PDF, `documents/CODE/NN-DOCUMENT.jpg`
/// in the order they were attached, each written whole (as the PDF is).
fn save_pages(dir: &Path, code: &str, pages: &[api::PageBody]) {
    if pages.is_empty() {
        return;
    }
    let folder = dir.join(code);
    let result = files::private_dir(&folder).and_then(|_| {
        for (i, p) in pages.iter().enumerate() {
            let bytes = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &p.jpeg)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
            files::write_whole(&folder, &page_file_name(i, &p.document), &bytes)?;
        }
        Ok(())
    });
    if let Err(e) = result {
        tracing::error!(error = %e, code, "could not file the attached pages");
    }
}

/// `01-alte-documente.jpg`: the order, then the document (its id is letters,
/// digits and `-` when the form checked it; anything else is replaced).
pub fn page_file_name(index: usize, document: &str) -> String {
    let doc: String =
        document.chars().take(40).map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
    format!("{:02}-{doc}.jpg", index + 1)
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
