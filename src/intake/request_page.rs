//! A request's page in the staff's web inbox (`/staff/r/CODE`): its answers,
//! the registry's PDF, its attached pages, supplements, history and messages,
//! and the forms of the actions (`actions.rs` answers them and shows this
//! page again after a refusal). Signed-in staff only, like every page of
//! `web.rs`, whose session checks and helpers it uses.

use crate::intake::rules;
use crate::intake::store::work::{self, Session};
use crate::intake::texts::Words;
use crate::intake::web::{
    local_time, not_found, remember_lang, render, signed_in, staff_lang, store_failed, StaffState,
};
use crate::wire::api::Stage;
use askama::Template;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::path::PathBuf;

/// The request page's routes (the page, its PDF, its attached pages).
pub fn routes(state: StaffState) -> Router {
    Router::new()
        .route("/staff/r/{code}", get(request_page))
        .route("/staff/r/{code}/pdf", get(request_pdf))
        .route("/staff/r/{code}/p/{name}", get(request_page_file))
        .with_state(state)
}

/// One line of the request page's messages.
struct Sent {
    when: String,
    who: String,
    text: String,
    file: Option<(String, String)>,
}

#[derive(Template)]
#[template(path = "request.html")]
struct RequestPage<'a> {
    w: Words,
    css: &'a str,
    who: String,
    csrf: String,
    code: String,
    service: String,
    number: String,
    kiosk: String,
    received: String,
    answers: Vec<(String, String)>,
    history: Vec<String>,
    messages: Vec<Sent>,
    /// What was just done (words), or why it was refused.
    done: String,
    refused: String,
    stage: String,
    /// Which actions the page offers.
    can_register: bool,
    can_act: bool,
    registered: bool,
    stages: Vec<(&'static str, String)>,
    /// The text of a message that was refused, kept for another try.
    draft: String,
    label_printer: String,
    label_printer_at: String,
    label_download: String,
    /// «Adaugă o completare»: the supplements filed for it (code, when) and,
    /// for a supplement, the request it completes.
    supplements: Vec<(String, String)>,
    supplement_of: Option<String>,
    /// The supporting documents' pages filed beside the PDF
    /// (`documents/CODE/01-DOCUMENT.jpg`), in the order they were attached.
    attached: Vec<String>,
}

#[derive(serde::Deserialize, Default)]
struct RequestQuery {
    lang: Option<String>,
    /// What was just done: a `done_…`/`label_printed` key (Post/Redirect/Get).
    #[serde(default)]
    done: String,
    /// Why an action was refused: a `refused_…`/`label_failed`/`no_label_printer` key.
    #[serde(default)]
    refused: String,
}

/// A request's page: the answers (opened from the sealed body at arrival),
/// the registry's PDF, the history of stages and the actions.
async fn request_page(
    State(st): State<StaffState>,
    headers: HeaderMap,
    UrlPath(code): UrlPath<String>,
    Query(q): Query<RequestQuery>,
) -> Response {
    let (session, _) = match signed_in(&st, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let mut res = show_request(&st, &session, &headers, &code, q.lang.as_deref(), &q.done, &q.refused, "").await;
    remember_lang(&st, &mut res, q.lang.as_deref());
    res
}

/// Words for a flash key the page was sent (Post/Redirect/Get); only keys
/// of these families are shown, so a link cannot make the page say anything else.
fn flash(w: &Words, key: &str, prefix: &[&str], args: &[(&str, &str)]) -> String {
    if key.is_empty() || !prefix.iter().any(|p| key.starts_with(p)) || w.get(key) == key {
        return String::new();
    }
    w.fmt(key, args)
}

/// Renders a request's page for `session`, with what was just `done` or
/// `refused` and a message `draft` kept after a refusal.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn show_request(
    st: &StaffState,
    session: &Session,
    headers: &HeaderMap,
    code: &str,
    lang: Option<&str>,
    done: &str,
    refused: &str,
    draft: &str,
) -> Response {
    let w = Words::new(staff_lang(headers, lang));
    let Ok(code) = crate::wire::tracking::parse(code) else { return not_found() };
    let c2 = code.clone();
    let found = st
        .store
        .with(move |c| {
            let Some(r) = work::request(c, &c2)? else { return Ok(None) };
            Ok(Some((r, work::history(c, &c2)?, work::messages(c, &c2)?)))
        })
        .await;
    let ((row, body), history, messages) = match found {
        Ok(Some(found)) => found,
        Err(e) => return store_failed(e),
        Ok(None) => return not_found(),
    };
    let c3 = code.clone();
    let links = st
        .store
        .with(move |c| {
            use crate::intake::store::registry;
            Ok((registry::supplements(c, &c3)?, registry::listed_one(c, &c3)?.and_then(|l| l.supplement_of)))
        })
        .await;
    let (supplements, supplement_of) = match links {
        Ok((s, of)) => (s.iter().map(|l| (l.row.tracking_code.clone(), local_time(l.row.received_ms))).collect(), of),
        Err(e) => return store_failed(e),
    };
    let answers = serde_json::from_str::<crate::wire::api::SubmissionBody>(&body)
        .map(|b| b.answers.into_iter().collect())
        .unwrap_or_default();
    let attached = attached_pages(&st.documents_dir, &code).await;
    let history = history
        .iter()
        .map(|h| {
            let mut line = format!("{} — {} ({})", local_time(h.at_ms), w.stage(&h.stage), h.actor);
            if !h.note.is_empty() {
                line.push_str(&format!(": {}", h.note));
            }
            line
        })
        .collect();
    let messages = messages
        .into_iter()
        .map(|m| Sent {
            when: local_time(m.at_ms),
            who: m.actor,
            text: m.text,
            file: m.file.map(|(name, stored)| (name, format!("/s/{code}/f/{stored}"))),
        })
        .collect();
    let standing = rules::Standing { stage: row.stage, registered: !row.registration_number.is_empty() };
    let allowed = |a| rules::refusal(standing, a).is_none();
    let address = st.label.printer.clone().unwrap_or_default();
    let mb = (st.max_file_bytes / (1024 * 1024)).to_string();
    let args = [
        ("number", row.registration_number.as_str()),
        ("date", row.registration_date.as_str()),
        ("address", address.as_str()),
        ("mb", mb.as_str()),
    ];
    let page = RequestPage {
        w,
        css: st.css,
        who: w.fmt("signed_in_as", &[("name", &session.name)]),
        csrf: session.csrf.clone(),
        number: if row.registration_number.is_empty() {
            w.get("not_registered").to_owned()
        } else {
            format!("{} / {}", row.registration_number, row.registration_date)
        },
        done: flash(&w, done, &["done_", "label_printed"], &args),
        refused: flash(&w, refused, &["refused_", "label_failed", "no_label_printer"], &args),
        stage: w.stage(&row.stage),
        can_register: allowed(rules::Action::Register),
        can_act: row.stage != Stage::Cancelled,
        registered: standing.registered,
        stages: rules::MOVABLE.iter().filter(|s| **s != row.stage).map(|s| (s.code(), w.stage(s))).collect(),
        draft: draft.to_owned(),
        label_printer_at: w.fmt("label_printer_at", &[("address", &address)]),
        label_download: w.fmt("label_download", &[("lang", st.label.lang_name())]),
        label_printer: address,
        code,
        service: row.form_id,
        kiosk: row.kiosk_id,
        received: local_time(row.received_ms),
        answers,
        history,
        messages,
        supplements,
        supplement_of,
        attached,
    };
    render(&page)
}

/// The names of a request's files beside its PDF (its attached pages,
/// `01-alte-documente.jpg`, …), in order.
async fn attached_pages(documents_dir: &std::path::Path, code: &str) -> Vec<String> {
    request_files(documents_dir, code).await.into_iter().map(|(name, _)| name).collect()
}

/// [`crate::intake::files::request_files`], off the runtime's threads.
async fn request_files(documents_dir: &std::path::Path, code: &str) -> Vec<(String, PathBuf)> {
    let (dir, code) = (documents_dir.to_owned(), code.to_owned());
    tokio::task::spawn_blocking(move || crate::intake::files::request_files(&dir, &code)).await.unwrap_or_default()
}

/// One attached page of a request, for signed-in staff only: only a name
/// the request's listing gives, shown in the browser.
async fn request_page_file(
    State(st): State<StaffState>,
    headers: HeaderMap,
    UrlPath((code, name)): UrlPath<(String, String)>,
) -> Response {
    if let Err(r) = signed_in(&st, &headers).await {
        return r;
    }
    let Ok(code) = crate::wire::tracking::parse(&code) else { return not_found() };
    let Some((name, path)) = request_files(&st.documents_dir, &code).await.into_iter().find(|(n, _)| *n == name) else {
        return not_found();
    };
    // The type and the escaped name of a download, shown inline.
    let (ct, disposition) = crate::intake::files::download_headers(&format!("{code}-{name}"));
    match tokio::fs::read(path).await {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, ct.to_owned()),
                (header::CONTENT_DISPOSITION, disposition.replacen("attachment", "inline", 1)),
            ],
            bytes,
        )
            .into_response(),
        Err(_) => not_found(),
    }
}

/// The registry's PDF of a request (`documents/CODE.pdf`), for signed-in staff only.
async fn request_pdf(State(st): State<StaffState>, headers: HeaderMap, UrlPath(code): UrlPath<String>) -> Response {
    if let Err(r) = signed_in(&st, &headers).await {
        return r;
    }
    let Ok(code) = crate::wire::tracking::parse(&code) else { return not_found() };
    match tokio::fs::read(st.documents_dir.join(format!("{code}.pdf"))).await {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "application/pdf".to_owned()),
                (header::CONTENT_DISPOSITION, format!("inline; filename=\"{code}.pdf\"")),
            ],
            bytes,
        )
            .into_response(),
        Err(_) => not_found(),
    }
}
