//! What the staff desk's screens show, derived from the session (the login,
//! the devices and queue, recent receipts, the label form, the self-test).

use super::{Session, StaffMsg, LABEL_DATE, LABEL_NUMBER};
use crate::i18n::Texts;

/// The staff screens. Texts are Romanian-first like the rest (the desk follows the kiosk language).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StaffView {
    /// One dot per digit typed.
    pub pin_mask: String,
    pub message: String,
    /// `info`, `ok`, `error`
    pub message_kind: &'static str,
    pub member: String,
    pub printer: String,
    pub printer_ok: bool,
    pub label_printer: String,
    pub queue: String,
    /// (tracking code, "service · date")
    pub recent: Vec<(String, String)>,
    pub label_number: String,
    pub label_date: String,
    pub number_focused: bool,
    pub date_focused: bool,
    /// The technician's self-test: a summary and one line per check (passed, "name: detail").
    pub selftest_summary: String,
    pub selftest: Vec<(bool, String)>,
}

pub(super) fn staff_view(s: &Session, texts: &Texts) -> StaffView {
    let lang = s.lang;
    let t = |k: &str| texts.get(lang, k).to_owned();
    let st = &s.staff;
    let (message, message_kind) = match &st.message {
        StaffMsg::None => (String::new(), "info"),
        StaffMsg::Checking | StaffMsg::Working => (t("staff_working"), "info"),
        StaffMsg::Wrong { left } => (texts.fmt(lang, "staff_pin_wrong", &[("left", &left.to_string())]), "error"),
        StaffMsg::Locked { until_ms } => {
            (texts.fmt(lang, "staff_locked", &[("time", &crate::print::local_time(*until_ms))]), "error")
        }
        StaffMsg::BadLabel => (t("staff_bad_label"), "error"),
        StaffMsg::Done(what) => (texts.fmt(lang, "staff_printed", &[("what", what)]), "ok"),
        StaffMsg::Failed(p) => {
            (texts.fmt(lang, "staff_print_failed", &[("reason", texts.get(lang, p.text_key()))]), "error")
        }
    };
    let desk = st.desk.as_ref();
    StaffView {
        pin_mask: "●".repeat(st.pin.chars().count()),
        message,
        message_kind,
        member: st.member.clone().unwrap_or_default(),
        printer: desk.map(|d| d.printer.describe(texts, lang)).unwrap_or_default(),
        printer_ok: desk.is_some_and(|d| d.printer.problem().is_none()),
        label_printer: desk
            .map(|d| match &d.label_printer {
                Some(p) => p.describe(texts, lang),
                None => t("staff_no_label_printer"),
            })
            .unwrap_or_default(),
        queue: desk
            .map(|d| {
                texts.fmt(
                    lang,
                    "staff_queue",
                    &[("pending", &d.pending.to_string()), ("rejected", &d.rejected.to_string())],
                )
            })
            .unwrap_or_default(),
        recent: desk
            .map(|d| {
                d.recent
                    .iter()
                    .map(|r| {
                        let service = s.catalogue.get(&r.form_id).map(|f| f.title.get(lang).to_owned());
                        let when = crate::print::local_datetime(r.created_ms);
                        (r.tracking_code.clone(), format!("{} · {when}", service.unwrap_or_else(|| r.form_id.clone())))
                    })
                    .collect()
            })
            .unwrap_or_default(),
        label_number: st.label_number.clone(),
        label_date: st.label_date.clone(),
        number_focused: s.focused.as_deref() == Some(LABEL_NUMBER),
        date_focused: s.focused.as_deref() == Some(LABEL_DATE),
        selftest_summary: match &st.selftest {
            crate::app::SelfTestState::NotRun => String::new(),
            crate::app::SelfTestState::Running => t("selftest_running"),
            crate::app::SelfTestState::Done(lines) => {
                let failed = lines.iter().filter(|l| !l.ok).count();
                let simulated = lines.iter().filter(|l| l.simulated).count();
                let n = [
                    ("failed", failed.to_string()),
                    ("total", lines.len().to_string()),
                    ("simulated", simulated.to_string()),
                ];
                let args: Vec<(&str, &str)> = n.iter().map(|(k, v)| (*k, v.as_str())).collect();
                let summary = texts.fmt(lang, if failed == 0 { "selftest_passed" } else { "selftest_failed" }, &args);
                // A simulated device is never a plain pass on the desk either.
                match simulated {
                    0 => summary,
                    _ => format!("{summary} {}", texts.fmt(lang, "selftest_simulated", &args)),
                }
            }
        },
        selftest: match &st.selftest {
            crate::app::SelfTestState::Done(lines) => {
                lines.iter().map(|l| (l.ok && !l.simulated, format!("{}: {}", l.name, l.detail))).collect()
            }
            _ => vec![],
        },
    }
}
