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
use crate::intake::staff::{self, SessionLife};
use crate::intake::store::work::{self, InboxFilter, Session};
use crate::intake::store::{Shared, StoreError};
use crate::intake::texts::{choose, Words};
use crate::wire::api::Stage;
use askama::Template;
use axum::extract::{Form, Query, State};
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

pub(crate) fn not_found() -> Response {
    (StatusCode::NOT_FOUND, Html("<!doctype html><title>404</title><p>No such request.</p>")).into_response()
}
