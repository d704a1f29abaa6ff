//! The staff's actions on a request page (`/staff/r/CODE/…`): register it
//! ("Validează și înregistrează"), cancel it with a reason, change its stage,
//! send the citizen a message with an optional file ("Adaugă comunicare"),
//! print its registry QR label or download it.
//!
//! Each is a POST checked in this order: a live session, the session's CSRF
//! token, then the rules (`rules.rs`) against the request as it stands. Each
//! ends in a redirect to the request's page saying what was done or why not
//! (Post/Redirect/Get), except a message that could not be sent: its page is
//! shown again with the text kept, so nothing typed is lost. Every action is
//! written to the audit log with who and when.

use crate::intake::files;
use crate::intake::label_printer;
use crate::intake::request_page::show_request;
use crate::intake::rules::{self, Action, Standing};
use crate::intake::store::work::{self, InboxRow, Session};
use crate::intake::store::{Shared, StoreError};
use crate::intake::web::{check_csrf, not_found, signed_in, store_failed, StaffState};
use crate::wire::api::Stage;
use axum::extract::{DefaultBodyLimit, Form, Multipart, Path as UrlPath, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::Router;

/// The action routes (behind a session, like the pages).
pub fn routes(state: StaffState) -> Router {
    // A message's body: the file, its text and the form's small fields.
    let message_body = state.max_file_bytes.saturating_add(256 * 1024);
    Router::new()
        .route("/staff/r/{code}/register", post(register))
        .route("/staff/r/{code}/cancel", post(cancel))
        .route("/staff/r/{code}/stage", post(change_stage))
        .route("/staff/r/{code}/message", post(message).layer(DefaultBodyLimit::max(message_body)))
        .route("/staff/r/{code}/label", post(print_label).get(download_label))
        .with_state(state)
}

fn back(code: &str, key: &str, done: bool) -> Response {
    let kind = if done { "done" } else { "refused" };
    Redirect::to(&format!("/staff/r/{code}?{kind}={key}")).into_response()
}

fn standing(row: &InboxRow) -> Standing {
    Standing { stage: row.stage, registered: !row.registration_number.is_empty() }
}

/// What came of an action on the store.
pub(super) enum Outcome {
    Done,
    Refused(&'static str),
    NoSuchRequest,
}

#[derive(serde::Deserialize)]
struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

/// Signed in, the form's token is the session's, and the code is well formed:
/// the staff member's session and the code.
async fn gate(st: &StaffState, headers: &HeaderMap, csrf: &str, code: &str) -> Result<(Session, String), Response> {
    let (session, _) = signed_in(st, headers).await?;
    check_csrf(&session, csrf)?;
    let code = crate::wire::tracking::parse(code).map_err(|_| not_found())?;
    Ok((session, code))
}

/// Checks `action` against the request as it stands and, when allowed, does
/// `then` (the web inbox and the registry API both act through here).
pub(super) async fn act(
    store: &Shared,
    code: &str,
    action: impl Fn(Standing) -> Option<&'static str> + Send + 'static,
    then: impl FnOnce(&mut dyn crate::intake::store::Conn) -> Result<(), StoreError> + Send + 'static,
) -> Result<Outcome, StoreError> {
    let code = code.to_owned();
    store
        .with(move |c| {
            let Some((row, _)) = work::request(c, &code)? else { return Ok(Outcome::NoSuchRequest) };
            if let Some(why) = action(standing(&row)) {
                return Ok(Outcome::Refused(why));
            }
            then(c)?;
            Ok(Outcome::Done)
        })
        .await
}

fn answer(code: &str, outcome: Result<Outcome, StoreError>, done: &str) -> Response {
    match outcome {
        Ok(Outcome::Done) => back(code, done, true),
        Ok(Outcome::Refused(why)) => back(code, why, false),
        Ok(Outcome::NoSuchRequest) => not_found(),
        Err(e) => store_failed(e),
    }
}

async fn register(
    State(st): State<StaffState>,
    headers: HeaderMap,
    UrlPath(code): UrlPath<String>,
    Form(f): Form<CsrfOnly>,
) -> Response {
    let (who, code) = match gate(&st, &headers, &f.csrf, &code).await {
        Ok((session, code)) => (session.name, code),
        Err(r) => return r,
    };
    // The rules first; numbering happens under the store's numbering lock.
    match act(&st.store, &code, |s| rules::refusal(s, Action::Register), |_| Ok(())).await {
        Ok(Outcome::Done) => {}
        other => return answer(&code, other, ""),
    }
    match st.store.validate(code.clone(), who.clone(), jiff::Zoned::now()).await {
        Ok(Some(s)) => {
            tracing::info!(user = %who, number = %s.registration_number, "request registered");
            back(&code, "done_registered", true)
        }
        Ok(None) => not_found(),
        Err(e) => store_failed(e),
    }
}

#[derive(serde::Deserialize)]
struct CancelForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

async fn cancel(
    State(st): State<StaffState>,
    headers: HeaderMap,
    UrlPath(code): UrlPath<String>,
    Form(f): Form<CancelForm>,
) -> Response {
    let (who, code) = match gate(&st, &headers, &f.csrf, &code).await {
        Ok((session, code)) => (session.name, code),
        Err(r) => return r,
    };
    let reason = f.reason.trim().to_owned();
    let r2 = reason.clone();
    let c2 = code.clone();
    let outcome = act(
        &st.store,
        &code,
        move |s| rules::refusal(s, Action::Cancel { reason: &r2 }),
        move |c| work::set_stage(c, &c2, Stage::Cancelled, &who, &reason, crate::now_ms()).map(|_| ()),
    )
    .await;
    answer(&code, outcome, "done_cancelled")
}

#[derive(serde::Deserialize)]
struct StageForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    stage: String,
}

async fn change_stage(
    State(st): State<StaffState>,
    headers: HeaderMap,
    UrlPath(code): UrlPath<String>,
    Form(f): Form<StageForm>,
) -> Response {
    let (who, code) = match gate(&st, &headers, &f.csrf, &code).await {
        Ok((session, code)) => (session.name, code),
        Err(r) => return r,
    };
    let Some(to) = Stage::parse(&f.stage) else { return back(&code, "refused_stage", false) };
    let c2 = code.clone();
    let outcome = act(
        &st.store,
        &code,
        move |s| rules::refusal(s, Action::Stage(to)),
        move |c| work::set_stage(c, &c2, to, &who, "", crate::now_ms()).map(|_| ()),
    )
    .await;
    answer(&code, outcome, "done_stage")
}

/// The message form as it arrived.
#[derive(Default)]
struct MessageForm {
    csrf: String,
    text: String,
    /// The file's name as sent and its bytes; none when no file was chosen.
    file: Option<(String, Vec<u8>)>,
    /// The body went past the size limit while it was read.
    too_large: bool,
}

async fn read_message_form(mut m: Multipart, max_file: usize) -> Result<MessageForm, Response> {
    let bad = |msg: &str| (StatusCode::BAD_REQUEST, axum::response::Html(format!("<!doctype html><p>{msg}</p>")));
    let mut f = MessageForm::default();
    loop {
        let field = match m.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                f.too_large = true;
                break;
            }
            Err(_) => return Err(bad("The form did not arrive whole.").into_response()),
        };
        let name = field.name().unwrap_or("").to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let bytes = match field.bytes().await {
            Ok(b) => b,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                f.too_large = true;
                break;
            }
            Err(_) => return Err(bad("The form did not arrive whole.").into_response()),
        };
        match name.as_str() {
            "csrf" => f.csrf = String::from_utf8_lossy(&bytes).into_owned(),
            "text" => f.text = String::from_utf8_lossy(&bytes).into_owned(),
            "file" => {
                // A browser sends an empty, nameless part when no file was chosen.
                let sent = file_name.unwrap_or_default();
                if !(bytes.is_empty() && sent.is_empty()) {
                    f.too_large |= bytes.len() > max_file;
                    f.file = Some((files::clean_file_name(&sent), bytes.to_vec()));
                }
            }
            _ => {}
        }
    }
    Ok(f)
}

async fn message(
    State(st): State<StaffState>,
    headers: HeaderMap,
    UrlPath(code): UrlPath<String>,
    multipart: Multipart,
) -> Response {
    // Only a signed-in staff member's body is read (up to the file limit):
    // anyone else is sent to sign in before a byte of it is held.
    if let Err(r) = signed_in(&st, &headers).await {
        return r;
    }
    let f = match read_message_form(multipart, st.max_file_bytes).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let (session, code) = match gate(&st, &headers, &f.csrf, &code).await {
        Ok(g) => g,
        Err(r) => return r,
    };
    let who = session.name.clone();
    // Refused here, the page comes back with the text kept.
    let again = |why: &'static str, status: StatusCode| {
        let (st, session, headers, code, text) =
            (st.clone(), session.clone(), headers.clone(), code.clone(), f.text.clone());
        async move {
            let mut r = show_request(&st, &session, &headers, &code, None, "", why, &text).await;
            *r.status_mut() = status;
            r
        }
    };
    if f.too_large {
        return again("refused_file_too_large", StatusCode::PAYLOAD_TOO_LARGE).await;
    }
    let text = f.text.trim().to_owned();
    let t2 = text.clone();
    let checked = act(&st.store, &code, move |s| rules::refusal(s, Action::Message { text: &t2 }), |_| Ok(())).await;
    match checked {
        Ok(Outcome::Done) => {}
        Ok(Outcome::Refused(why)) => return again(why, StatusCode::UNPROCESSABLE_ENTITY).await,
        other => return answer(&code, other, ""),
    }
    // The file is on disk, synced, before the message that points at it is stored.
    let stored = match f.file {
        None => None,
        Some((name, bytes)) => {
            let dir = st.messages_dir.clone();
            match tokio::task::spawn_blocking(move || files::save_message_file(&dir, &bytes)).await {
                Ok(Ok(stored)) => Some((name, stored)),
                failed => {
                    tracing::error!(error = ?failed.map(|r| r.err()), "could not file a message's attachment");
                    return store_failed(StoreError::Unavailable("the messages folder".into()));
                }
            }
        }
    };
    let (c2, s2) = (code.clone(), stored.clone());
    let saved = st
        .store
        .with(move |c| {
            let file = s2.as_ref().map(|(n, s)| (n.as_str(), s.as_str()));
            work::add_message(c, &c2, &who, &text, file, crate::now_ms())
        })
        .await;
    if !matches!(saved, Ok(true)) {
        if let Some((_, s)) = &stored {
            let _ = std::fs::remove_file(st.messages_dir.join(s));
        }
    }
    match saved {
        Ok(true) => back(&code, "done_message", true),
        Ok(false) => not_found(),
        Err(e) => store_failed(e),
    }
}

/// The request's registration number and date, when it has one.
async fn numbered(st: &StaffState, code: &str) -> Result<Result<(String, String), &'static str>, Response> {
    let c2 = code.to_owned();
    match st.store.with(move |c| work::request(c, &c2)).await {
        Ok(Some((row, _))) if row.registration_number.is_empty() => Ok(Err("refused_not_registered")),
        Ok(Some((row, _))) => Ok(Ok((row.registration_number, row.registration_date))),
        Ok(None) => Err(not_found()),
        Err(e) => Err(store_failed(e)),
    }
}

async fn audit(st: &StaffState, who: String, what: &'static str, code: String, detail: String) {
    let now = crate::now_ms();
    if let Err(e) = st.store.with(move |c| work::audit(c, now, &who, what, Some(&code), &detail)).await {
        tracing::error!(error = %e, "could not write the audit log");
    }
}

async fn print_label(
    State(st): State<StaffState>,
    headers: HeaderMap,
    UrlPath(code): UrlPath<String>,
    Form(f): Form<CsrfOnly>,
) -> Response {
    let (who, code) = match gate(&st, &headers, &f.csrf, &code).await {
        Ok((session, code)) => (session.name, code),
        Err(r) => return r,
    };
    let (number, date) = match numbered(&st, &code).await {
        Ok(Ok(n)) => n,
        Ok(Err(why)) => return back(&code, why, false),
        Err(r) => return r,
    };
    let Some(address) = st.label.printer.clone() else { return back(&code, "no_label_printer", false) };
    let job = st.label.job(&number, &date);
    match label_printer::send(&address, &job.bytes, label_printer::SEND_TIMEOUT).await {
        Ok(()) => {
            audit(&st, who, "label-print", code.clone(), address).await;
            back(&code, "label_printed", true)
        }
        Err(e) => {
            tracing::warn!(error = %e, %address, "the label printer did not take the label");
            back(&code, "label_failed", false)
        }
    }
}

#[derive(serde::Deserialize, Default)]
struct LabelQuery {
    /// `png`: the picture of the label instead of the printer's bytes.
    #[serde(default, rename = "as")]
    format: String,
}

/// The label as a file: the printer's bytes (to send with the printer's own
/// tools) or, with `?as=png`, a picture of exactly the dots it prints.
async fn download_label(
    State(st): State<StaffState>,
    headers: HeaderMap,
    UrlPath(code): UrlPath<String>,
    Query(q): Query<LabelQuery>,
) -> Response {
    let (session, _) = match signed_in(&st, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Ok(code) = crate::wire::tracking::parse(&code) else { return not_found() };
    let (number, date) = match numbered(&st, &code).await {
        Ok(Ok(n)) => n,
        Ok(Err(why)) => return back(&code, why, false),
        Err(r) => return r,
    };
    let job = st.label.job(&number, &date);
    let png = q.format == "png";
    audit(&st, session.name, "label-download", code.clone(), if png { "png" } else { st.label.extension() }.into())
        .await;
    let (ct, ext, bytes) = if png {
        ("image/png", "png", job.preview_png)
    } else {
        ("application/octet-stream", st.label.extension(), job.bytes)
    };
    let name = format!("eticheta-{number}.{ext}");
    (
        [
            (header::CONTENT_TYPE, ct.to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response()
}
