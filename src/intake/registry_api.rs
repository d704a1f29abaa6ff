//! The registry API (`/api/v1/registry/…`, issue #16): for a registry system
//! the city already runs. It lists the requests filed since a cursor (the
//! arrival order, stable and only growing), fetches one with its answers,
//! its PDF and the files filed beside it, and pushes back a registration
//! number, a stage or a message to the citizen: the same store functions the
//! staff's inbox uses, so history, audit log and the citizen's mail follow.
//!
//! Every call carries `Authorization: Bearer TOKEN`; a token is made with
//! `ghiseu intake token add` (printed once, only its SHA-256 is stored) and
//! ends with `ghiseu intake token revoke`. The audit log names the token
//! (`api:NAME`). A missing, wrong or revoked token gets the same 401.

use super::actions::{act, Outcome};
use super::net::error;
use super::rules::{self, Action};
use super::store::{registry, work, Shared, StoreError};
use super::texts::Words;
use crate::i18n::Lang;
use crate::wire::api::{Stage, StatusBody};
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Clone)]
pub struct ApiState {
    pub store: Shared,
    /// `documents/`: `CODE.pdf` and the files filed beside it.
    pub documents_dir: PathBuf,
}

/// The routes, to be served among the intake's other (not rate-limited) routes.
pub fn routes(st: ApiState) -> Router {
    Router::new()
        .route("/api/v1/registry/requests", get(list))
        .route("/api/v1/registry/requests/{code}", get(one))
        .route("/api/v1/registry/requests/{code}/pdf", get(pdf))
        .route("/api/v1/registry/requests/{code}/files/{name}", get(file))
        .route("/api/v1/registry/requests/{code}/registration", post(push_registration))
        .route("/api/v1/registry/requests/{code}/stage", post(push_stage))
        .route("/api/v1/registry/requests/{code}/messages", post(push_message))
        .with_state(st)
}

/// A new token: 32 random bytes, base64url (what `token add` prints, once).
pub fn new_token() -> String {
    use base64::Engine;
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What the store keeps of a token.
pub fn token_hash(token: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

fn unavailable(e: StoreError) -> Response {
    tracing::error!(error = %e, "store failed");
    error(StatusCode::SERVICE_UNAVAILABLE, "storage unavailable, try again")
}

/// The token's name, as the audit log writes the caller (`api:NAME`).
async fn caller(st: &ApiState, headers: &HeaderMap) -> Result<String, Response> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or("");
    let refused = || {
        let mut r = error(StatusCode::UNAUTHORIZED, "send a live registry API token: Authorization: Bearer TOKEN");
        r.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
        r
    };
    if token.is_empty() {
        return Err(refused());
    }
    let hash = token_hash(token);
    match st.store.with(move |c| registry::token_name(c, &hash)).await {
        Ok(Some(name)) => Ok(format!("api:{name}")),
        Ok(None) => {
            tracing::warn!("registry API: a token that is not live");
            Err(refused())
        }
        Err(e) => Err(unavailable(e)),
    }
}

fn code_of(raw: &str) -> Result<String, Response> {
    crate::wire::tracking::parse(raw).map_err(|_| error(StatusCode::NOT_FOUND, "no request with this tracking code"))
}

fn rfc3339(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms).map(|t| t.to_string()).unwrap_or_default()
}

/// A request in the list.
#[derive(Debug, Serialize, Deserialize)]
pub struct Item {
    /// Its place in the arrival order: pass the last one as `after` to get the next ones.
    pub cursor: String,
    pub tracking_code: String,
    pub registration_number: String,
    pub registration_date: String,
    pub stage: Stage,
    pub service: String,
    pub kiosk_id: String,
    pub received_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplement_of: Option<String>,
}

fn item(l: registry::Listed) -> Item {
    Item {
        cursor: l.seq.to_string(),
        tracking_code: l.row.tracking_code,
        registration_number: l.row.registration_number,
        registration_date: l.row.registration_date,
        stage: l.row.stage,
        service: l.row.form_id,
        kiosk_id: l.row.kiosk_id,
        received_at: rfc3339(l.row.received_ms),
        supplement_of: l.supplement_of,
    }
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Page {
    pub requests: Vec<Item>,
    /// The cursor to ask from next time (the same one when nothing new came).
    pub next_cursor: String,
}

#[derive(Deserialize)]
struct ListQuery {
    after: Option<String>,
    limit: Option<String>,
}

async fn list(State(st): State<ApiState>, headers: HeaderMap, Query(q): Query<ListQuery>) -> Response {
    if let Err(r) = caller(&st, &headers).await {
        return r;
    }
    let after = match q.after.as_deref().unwrap_or("0").parse::<i64>() {
        Ok(n) if n >= 0 => n,
        _ => return error(StatusCode::BAD_REQUEST, "after: a cursor from an earlier answer (0 for the beginning)"),
    };
    let limit = match q.limit.as_deref().unwrap_or("100").parse::<i64>() {
        Ok(n) if (1..=500).contains(&n) => n,
        _ => return error(StatusCode::BAD_REQUEST, "limit: 1 to 500"),
    };
    match st.store.with(move |c| registry::since(c, after, limit)).await {
        Ok(rows) => {
            let next = rows.last().map_or(after, |l| l.seq).to_string();
            Json(Page { requests: rows.into_iter().map(item).collect(), next_cursor: next }).into_response()
        }
        Err(e) => unavailable(e),
    }
}

/// One request, in full.
#[derive(Debug, Serialize, Deserialize)]
pub struct Full {
    #[serde(flatten)]
    pub item: Item,
    pub lang: String,
    pub answers: BTreeMap<String, String>,
    /// The registry's PDF (`/api/v1/registry/requests/CODE/pdf`), when it was made.
    pub pdf: Option<String>,
    /// The files filed beside the PDF (pages scanned at the kiosk …).
    pub files: Vec<FileLink>,
    pub history: Vec<Step>,
    pub messages: Vec<Note>,
    /// The tracking codes of the supplements filed for it.
    pub supplements: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct FileLink {
    pub name: String,
    pub url: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Step {
    pub stage: Stage,
    pub at: String,
    pub by: String,
    pub note: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Note {
    pub text: String,
    pub at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

async fn one(State(st): State<ApiState>, headers: HeaderMap, UrlPath(code): UrlPath<String>) -> Response {
    if let Err(r) = caller(&st, &headers).await {
        return r;
    }
    let code = match code_of(&code) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let c2 = code.clone();
    let found = st
        .store
        .with(move |c| {
            let Some(listed) = registry::listed_one(c, &c2)? else { return Ok(None) };
            let (_, body) = work::request(c, &c2)?.expect("listed, so there");
            let history = work::history(c, &c2)?;
            let messages = work::messages(c, &c2)?;
            let supplements = registry::supplements(c, &c2)?;
            Ok(Some((listed, body, history, messages, supplements)))
        })
        .await;
    let (listed, body, history, messages, supplements) = match found {
        Ok(Some(x)) => x,
        Ok(None) => return error(StatusCode::NOT_FOUND, "no request with this tracking code"),
        Err(e) => return unavailable(e),
    };
    let body: Option<crate::wire::api::SubmissionBody> = serde_json::from_str(&body).ok();
    let base = format!("/api/v1/registry/requests/{code}");
    let pdf = st.documents_dir.join(format!("{code}.pdf")).is_file().then(|| format!("{base}/pdf"));
    let files = super::files::request_files(&st.documents_dir, &code)
        .into_iter()
        .map(|(name, _)| FileLink { url: format!("{base}/files/{name}"), name })
        .collect();
    Json(Full {
        item: item(listed),
        lang: body.as_ref().map_or("ro", |b| b.lang.code()).to_owned(),
        answers: body.map(|b| b.answers).unwrap_or_default(),
        pdf,
        files,
        history: history
            .into_iter()
            .map(|s| Step { stage: s.stage, at: rfc3339(s.at_ms), by: s.actor, note: s.note })
            .collect(),
        messages: messages
            .into_iter()
            .map(|m| Note { text: m.text, at: rfc3339(m.at_ms), file: m.file.map(|f| f.0) })
            .collect(),
        supplements: supplements.into_iter().map(|l| l.row.tracking_code).collect(),
    })
    .into_response()
}

async fn send_file(path: PathBuf, name: String) -> Response {
    match tokio::fs::read(&path).await {
        Ok(bytes) => {
            let (ct, disposition) = super::files::download_headers(&name);
            ([(header::CONTENT_TYPE, ct.to_owned()), (header::CONTENT_DISPOSITION, disposition)], bytes).into_response()
        }
        Err(_) => error(StatusCode::NOT_FOUND, "no such file for this request"),
    }
}

async fn pdf(State(st): State<ApiState>, headers: HeaderMap, UrlPath(code): UrlPath<String>) -> Response {
    if let Err(r) = caller(&st, &headers).await {
        return r;
    }
    match code_of(&code) {
        Ok(code) => send_file(st.documents_dir.join(format!("{code}.pdf")), format!("{code}.pdf")).await,
        Err(r) => r,
    }
}

async fn file(
    State(st): State<ApiState>,
    headers: HeaderMap,
    UrlPath((code, name)): UrlPath<(String, String)>,
) -> Response {
    if let Err(r) = caller(&st, &headers).await {
        return r;
    }
    let code = match code_of(&code) {
        Ok(c) => c,
        Err(r) => return r,
    };
    // Only a name the listing gives: nothing outside the request's files.
    let dir = st.documents_dir.clone();
    let c2 = code.clone();
    let found = tokio::task::spawn_blocking(move || super::files::request_files(&dir, &c2)).await.unwrap_or_default();
    match found.into_iter().find(|(n, _)| *n == name) {
        Some((name, path)) => send_file(path, name).await,
        None => error(StatusCode::NOT_FOUND, "no such file for this request"),
    }
}

/// Reads a JSON body (415 when it is not declared JSON, 422 when it does not parse).
fn json_body<T: serde::de::DeserializeOwned>(headers: &HeaderMap, raw: &Bytes) -> Result<T, Response> {
    let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !ct.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("application/json") {
        return Err(error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the body as JSON (Content-Type: application/json)",
        ));
    }
    serde_json::from_slice(raw)
        .map_err(|e| error(StatusCode::UNPROCESSABLE_ENTITY, format!("not the expected body: {e}")))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Registration {
    /// The registry system's own number; absent: the intake numbers it.
    registration_number: Option<String>,
    /// `DD.MM.YYYY`; absent: today.
    registration_date: Option<String>,
}

async fn status_of(st: &ApiState, code: String) -> Response {
    match st.store.status(code).await {
        Ok(Some(s)) => Json(s).into_response(),
        Ok(None) => error(StatusCode::NOT_FOUND, "no request with this tracking code"),
        Err(e) => unavailable(e),
    }
}

async fn push_registration(
    State(st): State<ApiState>,
    headers: HeaderMap,
    UrlPath(code): UrlPath<String>,
    raw: Bytes,
) -> Response {
    let actor = match caller(&st, &headers).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let (code, req) = match code_of(&code).and_then(|c| Ok((c, json_body::<Registration>(&headers, &raw)?))) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let now = jiff::Zoned::now();
    let date = match req.registration_date.as_deref().map(str::trim) {
        None | Some("") => now.strftime("%d.%m.%Y").to_string(),
        Some(d) => match jiff::civil::Date::strptime("%d.%m.%Y", d) {
            Ok(day) => day.strftime("%d.%m.%Y").to_string(),
            Err(_) => {
                return error(StatusCode::UNPROCESSABLE_ENTITY, "registration_date: DD.MM.YYYY, a day that exists")
            }
        },
    };
    let number = match req.registration_number.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(n) => match n.parse::<i64>() {
            Ok(n) if (1..=999_999_999).contains(&n) => Some(n),
            _ => return error(StatusCode::UNPROCESSABLE_ENTITY, "registration_number: a whole number from 1"),
        },
    };
    // The inbox's rules for registering, but for one: a registry system that
    // registers a request again is retrying, and gets the request as it stands.
    let rule = |s| rules::refusal(s, Action::Register).filter(|why| *why != "refused_registered_twice");
    match act(&st.store, &code, rule, |_| Ok(())).await {
        Ok(Outcome::Done) => {}
        other => return after(&st, code, other).await,
    }
    let result: Result<Option<StatusBody>, StoreError> = match number {
        // The intake numbers it, as "Validează și înregistrează" does.
        None => st.store.validate(code.clone(), actor, now).await,
        Some(n) => {
            let (c2, now_ms) = (code.clone(), now.timestamp().as_millisecond());
            match st.store.with(move |c| registry::push_number(c, &c2, n, &date, &actor, now_ms)).await {
                Ok(registry::Pushed::Done(s)) => Ok(Some(s)),
                Ok(registry::Pushed::NoSuchRequest) => Ok(None),
                Ok(registry::Pushed::NumberTaken) => {
                    return error(StatusCode::CONFLICT, "another request of that year already has this number")
                }
                Err(e) => Err(e),
            }
        }
    };
    match result {
        Ok(Some(_)) => status_of(&st, code).await,
        Ok(None) => error(StatusCode::NOT_FOUND, "no request with this tracking code"),
        Err(e) => unavailable(e),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StageChange {
    stage: String,
    #[serde(default)]
    note: String,
}

async fn push_stage(
    State(st): State<ApiState>,
    headers: HeaderMap,
    UrlPath(code): UrlPath<String>,
    raw: Bytes,
) -> Response {
    let actor = match caller(&st, &headers).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let (code, req) = match code_of(&code).and_then(|c| Ok((c, json_body::<StageChange>(&headers, &raw)?))) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(stage) = Stage::parse(&req.stage) else {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "stage: one of new, registered, in-progress, resolved, rejected, cancelled",
        );
    };
    // The inbox's rules: cancelling is a stage with a reason (the note).
    let note = req.note.trim().to_owned();
    if note.chars().count() > rules::MAX_TEXT_CHARS {
        return error(StatusCode::UNPROCESSABLE_ENTITY, format!("note: at most {} characters", rules::MAX_TEXT_CHARS));
    }
    let (c2, n2) = (code.clone(), note.clone());
    let outcome = act(
        &st.store,
        &code,
        move |s| match stage {
            Stage::Cancelled => rules::refusal(s, Action::Cancel { reason: &n2 }),
            _ => rules::refusal(s, Action::Stage(stage)),
        },
        move |c| work::set_stage(c, &c2, stage, &actor, &note, crate::now_ms()).map(|_| ()),
    )
    .await;
    after(&st, code, outcome).await
}

/// The request's status when `outcome` is done; otherwise why not.
async fn after(st: &ApiState, code: String, outcome: Result<Outcome, StoreError>) -> Response {
    match outcome {
        Ok(Outcome::Done) => status_of(st, code).await,
        // The same words the inbox shows staff, in English.
        Ok(Outcome::Refused(why)) => error(StatusCode::CONFLICT, Words::new(Lang::En).get(why)),
        Ok(Outcome::NoSuchRequest) => error(StatusCode::NOT_FOUND, "no request with this tracking code"),
        Err(e) => unavailable(e),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MessageIn {
    text: String,
}

async fn push_message(
    State(st): State<ApiState>,
    headers: HeaderMap,
    UrlPath(code): UrlPath<String>,
    raw: Bytes,
) -> Response {
    let actor = match caller(&st, &headers).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let (code, req) = match code_of(&code).and_then(|c| Ok((c, json_body::<MessageIn>(&headers, &raw)?))) {
        Ok(x) => x,
        Err(r) => return r,
    };
    // The same limit as the inbox's (a letter, not a document: files go through the inbox).
    let text = req.text.trim().to_owned();
    if text.is_empty() || text.chars().count() > rules::MAX_TEXT_CHARS {
        return error(StatusCode::UNPROCESSABLE_ENTITY, format!("text: 1 to {} characters", rules::MAX_TEXT_CHARS));
    }
    let (c2, t2) = (code.clone(), text.clone());
    let outcome = act(
        &st.store,
        &code,
        move |s| rules::refusal(s, Action::Message { text: &t2 }),
        move |c| work::add_message(c, &c2, &actor, &text, None, crate::now_ms()).map(|_| ()),
    )
    .await;
    after(&st, code, outcome).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_route_is_described_in_the_openapi_file() {
        let src = include_str!("registry_api.rs");
        let routes: Vec<&str> = src
            .lines()
            .filter_map(|l| l.trim().strip_prefix(".route(\""))
            .map(|r| r.split('"').next().unwrap())
            .collect();
        assert_eq!(routes.len(), 7);
        for route in routes {
            assert!(super::super::OPENAPI.contains(&format!("  {route}:")), "{route} missing from openapi.yaml");
        }
    }
}
