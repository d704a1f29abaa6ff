//! The registry's web inbox, served by `ghiseu intake` under `/staff`:
//! sign-in, the inbox of requests by state, a request's page and the staff's
//! actions on it. Pages are askama templates (`templates/`, HTML escaped by
//! default); limits and security headers come from `net.rs`'s middleware.
//!
//! Every page but sign-in needs a live session (a cookie: HttpOnly,
//! SameSite=Strict, Secure under TLS); every POST carries the session's CSRF
//! token, checked before anything else. Every action is written to the audit
//! log with who and when, in the same transaction as the action.

use crate::i18n::Lang;
use crate::intake::rules;
use crate::intake::staff::{self, SessionLife};
use crate::intake::store::work::{self, InboxFilter, Session};
use crate::intake::store::{Shared, StoreError};
use crate::intake::texts::{choose, Words};
use crate::wire::api::Stage;
use askama::Template;
use axum::extract::{Form, Path as UrlPath, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use std::path::PathBuf;

/// The staff pages' languages: Romanian first.
const STAFF_LANGS: [Lang; 2] = [Lang::Ro, Lang::En];
const SESSION_COOKIE: &str = "ghiseu_staff";
const SIGN_IN_COOKIE: &str = "ghiseu_sign_in";
const LANG_COOKIE: &str = "ghiseu_lang";

/// What the staff pages need.
#[derive(Clone)]
pub struct StaffState {
    pub store: Shared,
    pub life: SessionLife,
    /// Served over TLS: cookies are `Secure`.
    pub secure: bool,
    /// `documents/`: the registry's PDFs.
    pub documents_dir: PathBuf,
    /// The pages' one inline style (allowed by its hash in the CSP).
    pub css: &'static str,
    /// The registry's QR label: its printer and how it is made.
    pub label: std::sync::Arc<crate::intake::label_printer::LabelSettings>,
    /// `DATA/messages/`: the files staff send with their messages.
    pub messages_dir: PathBuf,
    /// The largest file a message may carry.
    pub max_file_bytes: usize,
}

/// The staff routes: `pages` (behind a session) and `sign_in` (the POST
/// that checks a password, `/staff/session`, rate-limited per address with
/// the public routes).
pub fn routes(state: StaffState) -> (Router, Router) {
    let pages = Router::new()
        .route("/staff", get(|| async { Redirect::to("/staff/inbox") }))
        .route("/staff/sign-in", get(sign_in_page))
        .route("/staff/sign-out", post(sign_out))
        .route("/staff/inbox", get(inbox))
        .route("/staff/r/{code}", get(request_page))
        .route("/staff/r/{code}/pdf", get(request_pdf))
        .route("/staff/r/{code}/p/{name}", get(request_page_file))
        .with_state(state.clone());
    let sign_in = Router::new().route("/staff/session", post(sign_in)).with_state(state);
    (pages, sign_in)
}

fn now_ms() -> i64 {
    crate::now_ms()
}

pub(crate) fn store_failed(e: StoreError) -> Response {
    tracing::error!(error = %e, "store failed");
    (StatusCode::SERVICE_UNAVAILABLE, Html("<!doctype html><title>503</title><p>Storage unavailable, try again.</p>"))
        .into_response()
}

fn cookie_of(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
}

fn set_cookie(st: &StaffState, name: &str, value: &str, path: &str, max_age_secs: Option<i64>) -> HeaderValue {
    let mut c = cookie::Cookie::build((name.to_owned(), value.to_owned()))
        .path(path.to_owned())
        .http_only(true)
        .same_site(cookie::SameSite::Strict)
        .secure(st.secure);
    if let Some(secs) = max_age_secs {
        c = c.max_age(cookie::time::Duration::seconds(secs));
    }
    HeaderValue::from_str(&c.build().to_string()).expect("cookies are ASCII")
}

pub(crate) fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "a page did not render");
            (StatusCode::INTERNAL_SERVER_ERROR, Html("<!doctype html><title>500</title>")).into_response()
        }
    }
}

/// The staff page's language: `?lang=`, then the cookie the switch set, then the browser's.
pub(crate) fn staff_lang(headers: &HeaderMap, query: Option<&str>) -> Lang {
    let remembered = cookie_of(headers, LANG_COOKIE);
    let al = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    choose(query.or(remembered.as_deref()), al, &STAFF_LANGS)
}

/// Remembers a language switch for the next pages.
pub(crate) fn remember_lang(st: &StaffState, res: &mut Response, query: Option<&str>) {
    if let Some(l) = query.filter(|l| matches!(*l, "ro" | "en")) {
        res.headers_mut().append(header::SET_COOKIE, set_cookie(st, LANG_COOKIE, l, "/staff", None));
    }
}

/// The signed-in staff member, or the way to the sign-in page.
pub(crate) async fn signed_in(st: &StaffState, headers: &HeaderMap) -> Result<(Session, String), Response> {
    let to_sign_in = || Redirect::to("/staff/sign-in").into_response();
    let Some(token) = cookie_of(headers, SESSION_COOKIE) else { return Err(to_sign_in()) };
    let hash = staff::token_hash(&token);
    let life = st.life;
    let now = now_ms();
    let h = hash.clone();
    match st.store.with(move |c| work::session(c, &h, now, |created| life.expires(created, now))).await {
        Ok(Some(s)) => Ok((s, hash)),
        Ok(None) => Err(to_sign_in()),
        Err(e) => Err(store_failed(e)),
    }
}

/// Refuses a form whose CSRF token is not the session's.
pub(crate) fn check_csrf(session: &Session, sent: &str) -> Result<(), Response> {
    if staff::same_token(&session.csrf, sent) {
        Ok(())
    } else {
        tracing::warn!(user = %session.name, "a form was refused: its CSRF token is not the session's");
        Err((StatusCode::FORBIDDEN, Html("<!doctype html><title>403</title><p>CSRF token missing or wrong.</p>"))
            .into_response())
    }
}

#[derive(serde::Deserialize, Default)]
struct LangQuery {
    lang: Option<String>,
    #[serde(default)]
    failed: Option<String>,
}

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage<'a> {
    w: Words,
    css: &'a str,
    csrf: String,
    failed: bool,
}

async fn sign_in_page(State(st): State<StaffState>, headers: HeaderMap, Query(q): Query<LangQuery>) -> Response {
    // Sign-in has no session yet: its CSRF token is double-submitted (a
    // cookie only this site can set, and the same value in the form).
    let csrf = staff::token();
    let w = Words::new(staff_lang(&headers, q.lang.as_deref()));
    let mut res = render(&SignInPage { w, css: st.css, csrf: csrf.clone(), failed: q.failed.is_some() });
    res.headers_mut().append(header::SET_COOKIE, set_cookie(&st, SIGN_IN_COOKIE, &csrf, "/staff", Some(3600)));
    remember_lang(&st, &mut res, q.lang.as_deref());
    res
}

#[derive(serde::Deserialize)]
struct SignInForm {
    #[serde(default)]
    csrf: String,
    name: String,
    password: String,
    #[serde(default)]
    lang: String,
}

async fn sign_in(State(st): State<StaffState>, headers: HeaderMap, Form(f): Form<SignInForm>) -> Response {
    let sent = cookie_of(&headers, SIGN_IN_COOKIE).unwrap_or_default();
    if !staff::same_token(&sent, &f.csrf) {
        return (StatusCode::FORBIDDEN, Html("<!doctype html><title>403</title><p>CSRF token missing or wrong.</p>"))
            .into_response();
    }
    let failed = || {
        Redirect::to(&format!("/staff/sign-in?failed=1&lang={}", if f.lang == "en" { "en" } else { "ro" }))
            .into_response()
    };
    let name = f.name.trim().to_owned();
    if !staff::valid_name(&name) {
        staff::verify_password(&f.password, None);
        return failed();
    }
    let now = now_ms();
    let n = name.clone();
    let user = match st.store.with(move |c| work::user(c, &n)).await {
        Ok(u) => u,
        Err(e) => return store_failed(e),
    };
    let password = f.password;
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    let ok =
        tokio::task::spawn_blocking(move || staff::verify_password(&password, hash.as_deref())).await.unwrap_or(false);
    let Some(user) = user else { return failed() };
    if user.disabled || user.locked_until_ms > now {
        let n = name.clone();
        let why = if user.disabled { "sign-in-disabled" } else { "sign-in-while-locked" };
        let _ = st.store.with(move |c| work::audit(c, now, &n, why, None, "")).await;
        return failed();
    }
    if !ok {
        let n = name.clone();
        match st.store.with(move |c| work::sign_in_failed(c, &n, now, staff::MAX_FAILURES, staff::LOCK_MS)).await {
            Ok(true) => tracing::warn!(user = %name, "account locked after repeated wrong passwords"),
            Ok(false) => {}
            Err(e) => return store_failed(e),
        }
        return failed();
    }
    let token = staff::token();
    let (hash, csrf) = (staff::token_hash(&token), staff::token());
    let expires = st.life.expires(now, now);
    let n = name.clone();
    if let Err(e) = st.store.with(move |c| work::sign_in(c, &n, &hash, &csrf, now, expires)).await {
        return store_failed(e);
    }
    tracing::info!(user = %name, "signed in");
    let mut res = Redirect::to("/staff/inbox").into_response();
    let h = res.headers_mut();
    h.append(header::SET_COOKIE, set_cookie(&st, SESSION_COOKIE, &token, "/staff", None));
    h.append(header::SET_COOKIE, set_cookie(&st, SIGN_IN_COOKIE, "", "/staff", Some(0)));
    res
}

#[derive(serde::Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

async fn sign_out(State(st): State<StaffState>, headers: HeaderMap, Form(f): Form<CsrfForm>) -> Response {
    let (session, hash) = match signed_in(&st, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if let Err(r) = check_csrf(&session, &f.csrf) {
        return r;
    }
    let now = now_ms();
    if let Err(e) = st.store.with(move |c| work::sign_out(c, &hash, &session.name, now)).await {
        return store_failed(e);
    }
    let mut res = Redirect::to("/staff/sign-in").into_response();
    res.headers_mut().append(header::SET_COOKIE, set_cookie(&st, SESSION_COOKIE, "", "/staff", Some(0)));
    res
}

/// A date and time as staff read them (the intake's local time).
pub fn local_time(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_zoned(jiff::tz::TimeZone::system()).strftime("%d.%m.%Y %H:%M").to_string())
        .unwrap_or_default()
}

struct Tab {
    name: String,
    count: i64,
    href: String,
    current: bool,
}

struct Line {
    received: String,
    code: String,
    number: String,
    service: String,
    kiosk: String,
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage<'a> {
    w: Words,
    css: &'a str,
    who: String,
    csrf: String,
    tabs: Vec<Tab>,
    stage: String,
    services: Vec<(String, bool)>,
    kiosks: Vec<(String, bool)>,
    q: String,
    rows: Vec<Line>,
}

#[derive(serde::Deserialize, Default)]
struct InboxQuery {
    lang: Option<String>,
    #[serde(default)]
    stage: String,
    #[serde(default)]
    service: String,
    #[serde(default)]
    kiosk: String,
    #[serde(default)]
    q: String,
}

/// The inbox opens on the requests waiting for staff: `new` ones (under
/// `--register-on validate`), else the registered ones.
async fn inbox(State(st): State<StaffState>, headers: HeaderMap, Query(q): Query<InboxQuery>) -> Response {
    let (session, _) = match signed_in(&st, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let w = Words::new(staff_lang(&headers, q.lang.as_deref()));
    let searching = !q.q.trim().is_empty();
    let filter = InboxFilter {
        stage: if searching { None } else { Stage::parse(&q.stage) },
        form_id: q.service.clone(),
        kiosk_id: q.kiosk.clone(),
        search: q.q.clone(),
    };
    let data = st
        .store
        .with(move |c| {
            let counts = work::counts(c)?;
            let facets = work::facets(c)?;
            let stage = match filter.stage {
                Some(s) => Some(s),
                None if searching => None,
                None => Some(if counts.iter().any(|(s, n)| *s == Stage::New && *n > 0) {
                    Stage::New
                } else {
                    Stage::Registered
                }),
            };
            let rows = work::inbox(c, &InboxFilter { stage, ..filter }, 200)?;
            Ok((counts, facets, stage, rows))
        })
        .await;
    let (counts, (services, kiosks), stage, rows) = match data {
        Ok(d) => d,
        Err(e) => return store_failed(e),
    };
    let tabs = Stage::ALL
        .iter()
        .map(|s| Tab {
            name: w.stage(s),
            count: counts.iter().find(|(x, _)| x == s).map_or(0, |(_, n)| *n),
            href: format!("/staff/inbox?stage={}", s.code()),
            current: Some(*s) == stage,
        })
        .collect();
    let rows = rows
        .into_iter()
        .map(|r| Line {
            received: local_time(r.received_ms),
            number: if r.registration_number.is_empty() {
                w.get("not_registered").to_owned()
            } else {
                format!("{} / {}", r.registration_number, r.registration_date)
            },
            code: r.tracking_code,
            service: r.form_id,
            kiosk: r.kiosk_id,
        })
        .collect();
    let page = InboxPage {
        w,
        css: st.css,
        who: w.fmt("signed_in_as", &[("name", &session.name)]),
        csrf: session.csrf,
        tabs,
        stage: stage.map_or("", Stage::code).to_owned(),
        services: services.into_iter().map(|s| (s.clone(), s == q.service)).collect(),
        kiosks: kiosks.into_iter().map(|k| (k.clone(), k == q.kiosk)).collect(),
        q: q.q.clone(),
        rows,
    };
    let mut res = render(&page);
    remember_lang(&st, &mut res, q.lang.as_deref());
    res
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

pub(crate) fn not_found() -> Response {
    (StatusCode::NOT_FOUND, Html("<!doctype html><title>404</title><p>No such request.</p>")).into_response()
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
