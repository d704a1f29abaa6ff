//! What the citizen sees of a request, by its tracking code: the status as
//! JSON (`/api/v1/status/CODE`, for kiosks and registry software), the status
//! page the receipt's QR opens on a phone (`/s/CODE`) and the files staff sent
//! with their messages (`/s/CODE/f/SECRET`).
//!
//! It must never show personal data: no answers, no staff names, no
//! cancellation notes; only the service, the number and dates, the stages and
//! what staff wrote to the citizen. Nothing here speaks of "this panel": the
//! page is opened on a phone, far from any kiosk.

use crate::forms::Catalogue;
use crate::i18n::Lang;
use crate::intake::files;
use crate::intake::net::error;
use crate::intake::store::work::{self, InboxRow, Message, Step};
use crate::intake::store::{Shared, StoreError};
use crate::intake::texts::{choose, Words};
use crate::wire::api::{HistoryEntry, MessageEntry, StatusBody};
use askama::Template;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use std::path::PathBuf;
use std::sync::Arc;

/// What the citizen's routes need.
#[derive(Clone)]
pub struct CitizenState {
    pub store: Shared,
    /// The municipality's name, shown at the top of the page (empty: not shown).
    pub municipality: String,
    /// The services, for their titles and legal deadlines.
    pub catalogue: Arc<Catalogue>,
    /// `DATA/messages/`: the files staff sent.
    pub messages_dir: PathBuf,
    /// The pages' one inline style (allowed by its hash in the CSP).
    pub css: &'static str,
}

/// The page's languages, Romanian first.
const LANGS: [Lang; 3] = [Lang::Ro, Lang::En, Lang::Hu];

/// The last day to answer a request registered on `registered` (`DD.MM.YYYY`):
/// `days` calendar days later, or `days` working days when `working_days`
/// (Monday to Friday, Romania's public holidays counted out:
/// [`crate::forms::calendar`]).
pub fn deadline(registered: &str, days: u32, working_days: bool) -> Option<String> {
    let date = jiff::civil::Date::strptime("%d.%m.%Y", registered).ok()?;
    let end = if working_days {
        let mut d = date;
        let mut left = days;
        while left > 0 {
            d = d.tomorrow().ok()?;
            if crate::forms::calendar::is_working_day(d) {
                left -= 1;
            }
        }
        d
    } else {
        date.checked_add(jiff::Span::new().days(i64::from(days))).ok()?
    };
    Some(end.strftime("%d.%m.%Y").to_string())
}

/// A moment as RFC 3339 in the intake's time zone, e.g. `2026-11-23T10:00:00+02:00`.
pub fn rfc3339(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_zoned(jiff::tz::TimeZone::system()).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string())
        .unwrap_or_default()
}

/// Where a message's file is served.
pub fn file_url(code: &str, stored: &str) -> String {
    format!("/s/{code}/f/{stored}")
}

/// The status the API answers: the row, the deadline from the service's
/// form, the history and the messages (their files as links).
pub fn status_body(row: &InboxRow, history: &[Step], messages: &[Message], catalogue: &Catalogue) -> StatusBody {
    let form = catalogue.get(&row.form_id);
    StatusBody {
        tracking_code: row.tracking_code.clone(),
        registration_number: row.registration_number.clone(),
        registration_date: row.registration_date.clone(),
        stage: row.stage,
        service: row.form_id.clone(),
        deadline: form
            .filter(|_| !row.registration_date.is_empty())
            .and_then(|f| deadline(&row.registration_date, f.deadline_days, f.working_days)),
        history: history.iter().map(|h| HistoryEntry { stage: h.stage, at: rfc3339(h.at_ms) }).collect(),
        messages: messages
            .iter()
            .map(|m| MessageEntry {
                text: m.text.clone(),
                at: rfc3339(m.at_ms),
                file: m.file.as_ref().map(|f| f.0.clone()),
                file_url: m.file.as_ref().map(|f| file_url(&row.tracking_code, &f.1)),
            })
            .collect(),
    }
}

fn unavailable(e: StoreError) -> Response {
    tracing::error!(error = %e, "store failed");
    error(StatusCode::SERVICE_UNAVAILABLE, "storage unavailable, try again")
}

/// A well-formed code's request, if there is one; `Err(None)` for a malformed code.
async fn find(st: &CitizenState, code: &str) -> Result<Option<(InboxRow, Vec<Step>, Vec<Message>)>, Option<Response>> {
    let Ok(code) = crate::wire::tracking::parse(code) else { return Err(None) };
    st.store.with(move |c| work::citizen(c, &code)).await.map_err(|e| Some(unavailable(e)))
}

pub async fn status_json(State(st): State<CitizenState>, UrlPath(code): UrlPath<String>) -> Response {
    match find(&st, &code).await {
        Ok(Some((row, history, messages))) => {
            Json(status_body(&row, &history, &messages, &st.catalogue)).into_response()
        }
        Ok(None) | Err(None) => error(StatusCode::NOT_FOUND, "no submission with this tracking code"),
        Err(Some(r)) => r,
    }
}

struct Lines {
    when: String,
    what: String,
}

struct Said {
    when: String,
    text: String,
    file: Option<(String, String)>,
}

#[derive(Template)]
#[template(path = "status.html")]
struct StatusPage<'a> {
    w: Words,
    css: &'a str,
    municipality: &'a str,
    /// The code as typed, for the title and the "not valid" answer.
    code: String,
    langs: Vec<(&'static str, &'static str, bool)>,
    /// None: the page says why there is nothing to show.
    known: Option<Known>,
    why_not: String,
}

struct Known {
    service: String,
    headline: String,
    stage: String,
    deadline: Option<String>,
    history: Vec<Lines>,
    messages: Vec<Said>,
}

#[derive(serde::Deserialize, Default)]
pub struct LangQuery {
    lang: Option<String>,
}

/// The status page: Romanian, English or Hungarian from `?lang=` (the page's
/// links) or the phone's `Accept-Language`.
pub async fn status_page(
    State(st): State<CitizenState>,
    headers: HeaderMap,
    UrlPath(code): UrlPath<String>,
    Query(q): Query<LangQuery>,
) -> Response {
    let al = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    let lang = choose(q.lang.as_deref(), al, &LANGS);
    let w = Words::new(lang);
    let texts = crate::i18n::Texts::builtin();
    let shown = code.chars().take(40).collect::<String>();
    let (status, known, why_not) = match find(&st, &code).await {
        Ok(Some((row, history, messages))) => {
            let body = status_body(&row, &history, &messages, &st.catalogue);
            let service =
                st.catalogue.get(&row.form_id).map_or_else(|| row.form_id.clone(), |f| f.title.get(lang).to_owned());
            let headline = if row.registration_number.is_empty() {
                w.get("not_yet").to_owned()
            } else {
                texts.fmt(
                    lang,
                    "status_registered",
                    &[("number", &row.registration_number), ("date", &row.registration_date)],
                )
            };
            let known = Known {
                service,
                headline,
                stage: w.stage(&row.stage),
                deadline: body.deadline,
                history: history
                    .iter()
                    .map(|h| Lines { when: crate::intake::web::local_time(h.at_ms), what: w.stage(&h.stage) })
                    .collect(),
                messages: messages
                    .iter()
                    .map(|m| Said {
                        when: crate::intake::web::local_time(m.at_ms),
                        text: m.text.clone(),
                        file: m.file.as_ref().map(|f| (f.0.clone(), file_url(&row.tracking_code, &f.1))),
                    })
                    .collect(),
            };
            (StatusCode::OK, Some(known), String::new())
        }
        Ok(None) => (StatusCode::NOT_FOUND, None, w.fmt("unknown_code", &[("code", &shown)])),
        Err(None) => (StatusCode::NOT_FOUND, None, w.fmt("invalid_code", &[("code", &shown)])),
        Err(Some(r)) => return r,
    };
    let langs = LANGS
        .iter()
        .map(|l| {
            let w = Words::new(*l);
            (w.code(), w.get("lang_name"), *l == lang)
        })
        .collect();
    let page = StatusPage { w, css: st.css, municipality: &st.municipality, code: shown, langs, known, why_not };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "the status page did not render");
            (StatusCode::INTERNAL_SERVER_ERROR, Html("<!doctype html><title>500</title>")).into_response()
        }
    }
}

/// A file staff sent with a message: only with its own request's code and its
/// secret name, always as a download with a type from a short list.
pub async fn message_file(
    State(st): State<CitizenState>,
    UrlPath((code, stored)): UrlPath<(String, String)>,
) -> Response {
    let not_found = || error(StatusCode::NOT_FOUND, "no such file");
    if !files::is_stored_name(&stored) {
        return not_found();
    }
    let Ok(code) = crate::wire::tracking::parse(&code) else { return not_found() };
    let s = stored.clone();
    let name = match st.store.with(move |c| work::message_file(c, &code, &s)).await {
        Ok(Some(name)) => name,
        Ok(None) => return not_found(),
        Err(e) => return unavailable(e),
    };
    match tokio::fs::read(st.messages_dir.join(&stored)).await {
        Ok(bytes) => {
            let (ct, cd) = files::download_headers(&name);
            ([(header::CONTENT_TYPE, ct.to_owned()), (header::CONTENT_DISPOSITION, cd)], bytes).into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "a message's file is missing from the messages folder");
            not_found()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_deadline_counts_calendar_or_working_days() {
        assert_eq!(deadline("29.11.2026", 30, false).as_deref(), Some("29.12.2026"));
        assert_eq!(deadline("31.01.2026", 30, false).as_deref(), Some("02.03.2026"));
        // Friday 20.11.2026 + 5 working days: Friday 27.11.2026.
        assert_eq!(deadline("20.11.2026", 5, true).as_deref(), Some("27.11.2026"));
        // Friday 27.11.2026 + 5 working days, over St Andrew (30.11) and the
        // National Day (1.12): Tuesday 08.12.2026.
        assert_eq!(deadline("27.11.2026", 5, true).as_deref(), Some("08.12.2026"));
        // Saturday + 1 working day: not Monday 30.11 nor Tuesday 1.12, but Wednesday.
        assert_eq!(deadline("28.11.2026", 1, true).as_deref(), Some("02.12.2026"));
        assert_eq!(deadline("", 30, false), None);
    }

    #[test]
    fn moments_are_rfc3339() {
        let s = rfc3339(1_764_410_400_000);
        assert!(jiff::Timestamp::strptime("%Y-%m-%dT%H:%M:%S%:z", &s).is_ok(), "{s}");
    }
}
