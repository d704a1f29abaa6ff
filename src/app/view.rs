//! What the screen shows, derived from the session: every string already in
//! the citizen's language. The Slint adapter only copies this into the UI.
//!
//! About 700 lines with its tests (the status screen's history and messages
//! are derived in `status_lines.rs`): the view and the keypad's ordered
//! controls (`controls`) are derived together, since the controls are read off
//! the view (a file of their own would import the view and be imported by it).

use super::focus::{spell, Control, Role};
use super::SubmitFailure;
use super::{
    PrintState, ScanFailure, ScanState, Screen, Session, StatusAnswer, StatusState, SubmitState, LABEL_DATE,
    LABEL_NUMBER, PIN_INPUT, SEARCH_INPUT, STATUS_INPUT,
};
use crate::forms::{kind_name, validate_all, FieldKind, COUNTIES};
use crate::i18n::{Lang, Texts};

#[derive(Debug, Clone, PartialEq)]
pub struct ServiceView {
    pub id: String,
    pub title: String,
    pub description: String,
    pub category: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CategoryView {
    pub id: String,
    pub title: String,
    pub selected: bool,
}

/// An option of a choice, multiple choice or yes/no field, or a county.
#[derive(Debug, Clone, PartialEq)]
pub struct OptionView {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FieldView {
    pub id: String,
    /// The field type's name in form files (`text`, `choice`, `signature`…).
    pub kind: &'static str,
    pub label: String,
    pub help: String,
    /// The section's title, on the first shown field of each section.
    pub section: String,
    pub value: String,
    /// The value as a person reads it (option labels, `DD.MM.YYYY`).
    pub display: String,
    pub options: Vec<OptionView>,
    pub error: String,
    pub required: bool,
    pub multiline: bool,
    pub focused: bool,
    /// Which on-screen keyboard suits the field: `text`, `digits`, `date`,
    /// `number`, `email`, or `county` for the county pad.
    pub keyboard: &'static str,
}

#[derive(Debug, Clone, PartialEq)]
pub struct View {
    pub screen: Screen,
    /// "Ecran privat": the screen is blank while a citizen listens on headphones.
    pub private: bool,
    pub lang: Lang,
    pub languages: Vec<(Lang, bool)>,
    pub services: Vec<ServiceView>,
    pub categories: Vec<CategoryView>,
    pub search: String,
    pub search_focused: bool,
    /// "Niciun serviciu nu se potrivește…" when a search finds nothing.
    pub catalogue_empty: String,
    /// For the technician: form files that are disabled, and why to look.
    pub forms_notice: String,
    pub form_title: String,
    /// The service's description.
    pub form_hint: String,
    /// "Răspuns în cel mult 30 zile (OG 27/2002)." and its note.
    pub form_deadline: String,
    pub consent_text: String,
    /// The counties, for the county pad (selected: the focused field's value).
    pub counties: Vec<OptionView>,
    /// The signature pad, open while a signature field has the focus.
    pub signing_id: String,
    pub signing_label: String,
    pub signing_value: String,
    pub speech: bool,
    pub large_text: bool,
    pub high_contrast: bool,
    /// The idle warning: shown with the seconds left.
    pub idle_visible: bool,
    pub idle_message: String,
    pub fields: Vec<FieldView>,
    /// `idle`, `waiting`, `confirm`, `ok`, `failed`
    pub scan_state: &'static str,
    pub scan_message: String,
    /// What was read, for "Sunt datele corecte?" (CNP masked).
    pub confirm_name: String,
    pub confirm_cnp: String,
    pub confirm_nationality: String,
    pub confirm_expiry: String,
    pub confirm_warning: String,
    /// "Completați: …" after a failed Continue.
    pub missing: String,
    pub consent: bool,
    pub can_submit: bool,
    pub submit_message: String,
    pub receipt_code: String,
    pub receipt_service: String,
    pub receipt_deadline: String,
    pub receipt_print: String,
    pub receipt_print_failed: bool,
    pub receipt_url: String,
    pub status_input: String,
    pub status_focused: bool,
    pub status_message: String,
    pub status_detail: String,
    /// `idle`, `checking`, `registered`, `pending`, `attention`, `unknown`, `bad`
    pub status_kind: &'static str,
    /// The registry's history of stages and its messages, with their titles.
    pub status_history: Vec<super::status_lines::StatusLine>,
    pub status_messages: Vec<super::status_lines::StatusLine>,
    pub status_history_title: String,
    pub status_messages_title: String,
    /// «Adaugă o completare» is offered (the request looked up is known).
    pub status_can_supplement: bool,
    pub keyboard: &'static str,
    pub keyboard_visible: bool,
    /// Shown on the home screen when new submissions are refused.
    pub home_notice: String,
    pub staff: super::desk_view::StaffView,
    /// The supporting documents (their screen, and the review's line).
    pub documents: super::capture_view::DocumentsView,
    /// The screen's controls in keypad order ([`super::focus`]).
    pub controls: Vec<super::focus::Control>,
    /// The control the keypad has focused (its id; the focus ring is drawn on it) and its place.
    pub focus_id: String,
    pub focus_index: Option<usize>,
    /// Typing into the focused field on the keypad.
    pub typing: bool,
    /// Audio mode (headphones or a held key), and the voice the citizen chose.
    pub audio: bool,
    pub volume: u8,
    pub rate: u8,
    /// What the last key asked to hear.
    pub keypad_say: Vec<String>,
    /// The last key asked to hear the last announcement again.
    pub repeat: bool,
}

pub fn view(s: &Session, texts: &Texts, status_url_base: &str) -> View {
    let lang = s.lang;
    let t = |k: &str| texts.get(lang, k).to_owned();
    let errors = s.form.as_ref().map(|f| validate_all(f, &s.values, s.today)).unwrap_or_default();
    let mut last_section = None;
    let fields: Vec<FieldView> = s
        .form
        .iter()
        .flat_map(|form| form.visible_fields(&s.values).map(move |f| (form, f)))
        .map(|(form, f)| {
            // Shown once the citizen has left the field (or pressed Continue), and
            // while typing as soon as it is wrong rather than unfinished.
            let focused = s.focused.as_deref() == Some(f.id.as_str());
            let shown = s.show_all_errors
                || (s.touched.contains(&f.id) && !focused)
                || (focused && errors.get(&f.id).is_some_and(|e| !e.is_incomplete()));
            let value = s.values.get(&f.id).cloned().unwrap_or_default();
            let section = match &f.section {
                Some(id) if last_section != Some(id) => {
                    last_section = Some(id);
                    form.sections.iter().find(|x| &x.id == id).map(|x| x.title.get(lang).to_owned()).unwrap_or_default()
                }
                _ => String::new(),
            };
            let chosen = |v: &str| match f.kind {
                FieldKind::MultiChoice => value.split(',').any(|x| x == v),
                _ => value == v,
            };
            let options = match f.kind {
                FieldKind::Choice | FieldKind::MultiChoice => f
                    .options
                    .iter()
                    .map(|o| OptionView {
                        value: o.value.clone(),
                        label: o.label.get(lang).to_owned(),
                        selected: chosen(&o.value),
                    })
                    .collect(),
                FieldKind::YesNo => [("da", "yes"), ("nu", "no")]
                    .iter()
                    .map(|(v, k)| OptionView { value: (*v).into(), label: t(k), selected: chosen(v) })
                    .collect(),
                _ => vec![],
            };
            FieldView {
                id: f.id.clone(),
                kind: kind_name(f.kind),
                label: f.label.get(lang).to_owned(),
                help: f.help.as_ref().map(|h| h.get(lang).to_owned()).unwrap_or_default(),
                section,
                display: f.display_value(&value, lang, texts),
                value,
                options,
                error: match errors.get(&f.id) {
                    Some(e) if shown => e.message(texts, lang),
                    _ => String::new(),
                },
                required: f.required,
                multiline: f.kind == FieldKind::Textarea,
                focused: s.focused.as_deref() == Some(f.id.as_str()),
                keyboard: match f.kind {
                    FieldKind::Cnp | FieldKind::Phone => "digits",
                    FieldKind::Date => "date",
                    FieldKind::Number => "number",
                    FieldKind::Email => "email",
                    FieldKind::County => "county",
                    _ => "text",
                },
            }
        })
        .collect();
    let missing = if s.show_all_errors && !errors.is_empty() {
        let names: Vec<String> =
            fields.iter().filter(|f| errors.contains_key(&f.id)).map(|f| f.label.clone()).collect();
        texts.fmt(lang, "form_missing", &[("fields", &names.join(", "))])
    } else {
        String::new()
    };
    let (scan_state, scan_message) = match &s.scan {
        ScanState::Idle => ("idle", String::new()),
        ScanState::Waiting => ("waiting", t("scan_waiting")),
        ScanState::Confirm(_) => ("confirm", String::new()),
        ScanState::Filled { cnp_missing: false } => ("ok", t("scan_ok")),
        ScanState::Filled { cnp_missing: true } => ("ok", format!("{} {}", t("scan_ok"), t("scan_no_cnp"))),
        ScanState::Failed(ScanFailure::Unreadable) => ("failed", t("scan_failed")),
        ScanState::Failed(ScanFailure::Timeout) => ("failed", t("scan_timeout")),
        ScanState::Failed(ScanFailure::Disconnected) => ("failed", t("scan_disconnected")),
    };
    let confirm = match &s.scan {
        ScanState::Confirm(id) => Some(id),
        _ => None,
    };
    let dmy = |iso: &str| {
        let p: Vec<&str> = iso.split('-').collect();
        if p.len() == 3 {
            format!("{}.{}.{}", p[2], p[1], p[0])
        } else {
            iso.to_owned()
        }
    };
    let submit_message = match &s.submit {
        SubmitState::Saving => t("submitting"),
        SubmitState::Failed(SubmitFailure::DiskFull) => t("disk_full"),
        SubmitState::Failed(SubmitFailure::Storage(reason)) => texts.fmt(lang, "submit_failed", &[("reason", reason)]),
        SubmitState::Idle if s.missing_document().is_some() => {
            let d = s.missing_document().expect("checked");
            texts.fmt(lang, "doc_missing", &[("doc", d.label.get(lang))])
        }
        SubmitState::Idle if !s.consent => t("submit_needs_consent"),
        SubmitState::Idle => String::new(),
    };
    let receipt_form = s.receipt.as_ref().and_then(|r| s.catalogue.get(&r.form_id));
    let (status_kind, status_message, status_detail) = match &s.status {
        StatusState::Idle => ("idle", String::new(), String::new()),
        StatusState::Checking(_) => ("checking", t("status_checking"), String::new()),
        StatusState::BadCode(reason) => {
            ("bad", texts.fmt(lang, "status_bad_code", &[("reason", reason)]), String::new())
        }
        StatusState::ForeignCode => ("bad", t("status_foreign_code"), String::new()),
        StatusState::Answer { answer, .. } => match answer {
            StatusAnswer::Registered { number, date, stage, from_registry, .. } => {
                ("registered", texts.fmt(lang, "status_registered", &[("number", number), ("date", date)]), {
                    let stage = texts.fmt(lang, "status_stage", &[("stage", texts.get(lang, stage.text_key()))]);
                    if *from_registry {
                        stage
                    } else {
                        format!("{stage}\n{}", t("status_local_note"))
                    }
                })
            }
            StatusAnswer::Pending { registry_unreachable } => (
                "pending",
                t("status_pending"),
                if *registry_unreachable { t("status_local_note") } else { String::new() },
            ),
            StatusAnswer::NeedsAttention => ("attention", t("status_attention"), String::new()),
            StatusAnswer::Unknown => ("unknown", t("status_unknown"), String::new()),
        },
    };
    let focused_field = fields.iter().find(|f| f.focused);
    let keyboard = match s.screen {
        Screen::Status => "code",
        Screen::StaffLogin => "digits",
        Screen::Staff => "text",
        Screen::Catalogue => "text",
        _ => focused_field.map(|f| f.keyboard).unwrap_or("text"),
    };
    let search_focused = s.focused.as_deref() == Some(SEARCH_INPUT);
    let signing = focused_field.filter(|f| f.kind == "signature" && s.screen == Screen::Form);
    let keyboard_visible = match s.screen {
        Screen::Form => focused_field.is_some() && signing.is_none(),
        // Out of the way of an answer (the registry's history and messages, the
        // supplement's button) until the code is tapped again.
        Screen::Status => s.focused.is_some() || !matches!(s.status, StatusState::Answer { .. }),
        Screen::StaffLogin => s.focused.as_deref() == Some(PIN_INPUT),
        Screen::Staff => matches!(s.focused.as_deref(), Some(LABEL_NUMBER | LABEL_DATE)),
        Screen::Catalogue => search_focused,
        _ => false,
    };
    let services: Vec<ServiceView> = s
        .catalogue
        .forms
        .iter()
        .filter(|f| s.category.as_ref().is_none_or(|c| &f.category == c))
        .filter(|f| {
            let hay = fold(&format!(
                "{} {} {} {}",
                f.title.get(lang),
                f.description.get(lang),
                t(&format!("cat_{}", f.category)),
                f.title.ro
            ));
            let words: Vec<&str> = hay.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
            fold(&s.search).split_whitespace().all(|q| words.iter().any(|w| word_matches(q, w)))
        })
        .map(|f| ServiceView {
            id: f.id.clone(),
            title: f.title.get(lang).to_owned(),
            description: f.description.get(lang).to_owned(),
            category: t(&format!("cat_{}", f.category)),
        })
        .collect();
    let mut categories: Vec<CategoryView> = vec![];
    for f in &s.catalogue.forms {
        if !categories.iter().any(|c| c.id == f.category) {
            categories.push(CategoryView {
                id: f.category.clone(),
                title: t(&format!("cat_{}", f.category)),
                selected: s.category.as_ref() == Some(&f.category),
            });
        }
    }
    let county_value = focused_field.filter(|f| f.kind == "county").map(|f| f.value.as_str()).unwrap_or("");
    let mut v = View {
        screen: s.screen,
        private: s.private,
        lang,
        languages: s.languages.iter().map(|l| (*l, *l == lang)).collect(),
        catalogue_empty: if services.is_empty() { t("catalogue_none") } else { String::new() },
        services,
        categories,
        search: s.search.clone(),
        search_focused,
        forms_notice: if s.catalogue.broken.is_empty() {
            String::new()
        } else {
            let files: Vec<String> = s
                .catalogue
                .broken
                .iter()
                .map(|b| b.file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default())
                .collect();
            texts.fmt(lang, "forms_broken", &[("count", &files.len().to_string()), ("files", &files.join(", "))])
        },
        form_title: s
            .form
            .as_ref()
            .map(|f| match &s.supplement_of {
                // «Completare la cererea K7Q-4M2-X9»
                Some(original) => format!("{} {original}", f.title.get(lang)),
                None => f.title.get(lang).to_owned(),
            })
            .unwrap_or_default(),
        form_hint: s.form.as_ref().map(|f| f.description.get(lang).to_owned()).unwrap_or_default(),
        form_deadline: s
            .form
            .as_ref()
            .map(|f| match &f.deadline_note {
                Some(note) => format!("{} {}", f.deadline_sentence(texts, lang), note.get(lang)),
                None => f.deadline_sentence(texts, lang),
            })
            .unwrap_or_default(),
        consent_text: s
            .form
            .as_ref()
            .and_then(|f| f.consent.as_ref())
            .map(|c| c.get(lang).to_owned())
            .unwrap_or_else(|| t("consent_text")),
        counties: COUNTIES
            .iter()
            .map(|(code, name)| OptionView {
                value: (*code).into(),
                label: (*name).into(),
                selected: *code == county_value,
            })
            .collect(),
        signing_id: signing.map(|f| f.id.clone()).unwrap_or_default(),
        signing_label: signing.map(|f| f.label.clone()).unwrap_or_default(),
        signing_value: signing.map(|f| f.value.clone()).unwrap_or_default(),
        speech: s.speech,
        large_text: s.large_text,
        high_contrast: s.high_contrast,
        idle_visible: s.idle_warning.is_some(),
        idle_message: s
            .idle_warning
            .map(|left| texts.fmt(lang, "idle_body", &[("secs", &left.to_string())]))
            .unwrap_or_default(),
        fields,
        scan_state,
        scan_message,
        confirm_name: confirm.map(|id| format!("{} {}", id.surname, id.given_names)).unwrap_or_default(),
        confirm_cnp: confirm.map(|id| id.masked_cnp().unwrap_or_else(|| t("scan_no_cnp"))).unwrap_or_default(),
        confirm_nationality: confirm
            .map(|id| crate::identity::countries::country_name(&id.nationality, lang))
            .unwrap_or_default(),
        confirm_expiry: confirm.and_then(|id| id.expiry_date.as_deref()).map(dmy).unwrap_or_default(),
        confirm_warning: confirm
            .filter(|id| id.expired)
            .map(|id| texts.fmt(lang, "scan_expired", &[("date", &dmy(id.expiry_date.as_deref().unwrap_or("")))]))
            .unwrap_or_default(),
        missing,
        consent: s.consent,
        can_submit: s.can_submit(),
        submit_message,
        receipt_code: s.receipt.as_ref().map(|r| r.tracking_code.clone()).unwrap_or_default(),
        receipt_service: receipt_form.map(|f| f.title.get(lang).to_owned()).unwrap_or_default(),
        receipt_deadline: receipt_form.map(|f| f.deadline_sentence(texts, lang)).unwrap_or_default(),
        receipt_print: match s.receipt.as_ref().map(|r| &r.print) {
            Some(PrintState::Printing) => t("receipt_printing"),
            Some(PrintState::Printed) => t("receipt_printed"),
            Some(PrintState::Failed(problem)) => {
                texts.fmt(lang, "receipt_print_failed", &[("reason", texts.get(lang, problem.text_key()))])
            }
            None => String::new(),
        },
        receipt_print_failed: matches!(s.receipt.as_ref().map(|r| &r.print), Some(PrintState::Failed(_))),
        receipt_url: s
            .receipt
            .as_ref()
            .map(|r| crate::wire::tracking::status_url(status_url_base, &r.tracking_code))
            .unwrap_or_default(),
        status_history: match &s.status {
            StatusState::Answer { answer: StatusAnswer::Registered { history, .. }, .. } => {
                super::status_lines::history(history, texts, lang)
            }
            _ => vec![],
        },
        status_messages: match &s.status {
            StatusState::Answer { answer: StatusAnswer::Registered { messages, .. }, .. } => {
                super::status_lines::messages(messages, texts, lang)
            }
            _ => vec![],
        },
        status_can_supplement: s.supplement_target().is_some(),
        status_history_title: t("status_history_title"),
        status_messages_title: t("status_messages_title"),
        status_input: s.status_input.clone(),
        status_focused: s.focused.as_deref() == Some(STATUS_INPUT),
        status_message,
        status_detail,
        status_kind,
        keyboard,
        keyboard_visible,
        home_notice: if s.accepting { String::new() } else { t("disk_full") },
        staff: super::desk_view::staff_view(s, texts),
        documents: super::capture_view::documents_view(s, texts),
        controls: vec![],
        focus_id: String::new(),
        focus_index: None,
        typing: s.keypad.editing,
        audio: s.keypad.audio,
        volume: s.keypad.volume,
        rate: s.keypad.rate,
        keypad_say: s.keypad.say.clone(),
        repeat: s.keypad.repeat,
    };
    v.controls = controls(&v, texts);
    if let Some((id, at)) = &s.keypad.focus {
        let i = v
            .controls
            .iter()
            .position(|c| &c.id == id)
            .or_else(|| (!v.controls.is_empty()).then(|| (*at).min(v.controls.len() - 1)));
        if let Some(i) = i {
            v.focus_id = v.controls[i].id.clone();
            v.focus_index = Some(i);
        }
    }
    v
}

/// The controls of the screen `v` shows, in keypad order. Empty on the staff
/// screens: the desk is for staff, who see it, and its PIN is never spoken.
pub fn controls(v: &View, texts: &Texts) -> Vec<Control> {
    let t = |k: &str| texts.get(v.lang, k).to_owned();
    let mut c = vec![];
    if v.idle_visible {
        // The warning covers everything; any key keeps the session anyway.
        c.push(Control::new("idle-stay", t("idle_stay"), Role::Button));
        c.push(Control::new("idle-leave", t("idle_leave"), Role::Button));
        return c;
    }
    match v.screen {
        Screen::StaffLogin | Screen::Staff => return c,
        Screen::Home => {
            c.push(Control::new("start", t("start"), Role::Button).enabled(v.home_notice.is_empty()));
            c.push(Control::new("status", t("check_status"), Role::Button));
        }
        Screen::Catalogue => {
            c.push(Control::new("field:__search", t("catalogue_search"), Role::TextField).value(v.search.clone()));
            c.push(
                Control::new("cat:", t("catalogue_all"), Role::Button)
                    .checked(!v.categories.iter().any(|x| x.selected)),
            );
            for cat in &v.categories {
                c.push(Control::new(format!("cat:{}", cat.id), cat.title.clone(), Role::Button).checked(cat.selected));
            }
            for s in &v.services {
                c.push(
                    Control::new(format!("svc:{}", s.id), s.title.clone(), Role::Button).value(s.description.clone()),
                );
            }
            c.push(Control::new("back", t("back"), Role::Button));
        }
        Screen::Form if v.scan_state == "confirm" => {
            // "Sunt datele corecte?": what was read, then yes or no. The CNP
            // is read digit by digit only when the citizen asks (activates it).
            c.push(Control::new("scan-name", t("scan_name"), Role::Info).value(v.confirm_name.clone()));
            c.push(Control::new("scan-cnp", t("scan_cnp"), Role::Button).value(t("kp_cnp_on_request")));
            c.push(Control::new("scan-yes", t("scan_confirm_yes"), Role::Button));
            c.push(Control::new("scan-no", t("scan_confirm_no"), Role::Button));
            // The top bar stays drawn (and touchable) above the confirmation: reachable too.
        }
        Screen::Form => {
            c.push(Control::new("scan", t("scan_id"), Role::Button).enabled(v.scan_state != "waiting"));
            for f in &v.fields {
                let mut ctl = match f.kind {
                    "multi-choice" => {
                        for o in &f.options {
                            let mut opt = Control::new(
                                format!("opt:{}:{}", f.id, o.value),
                                format!("{}: {}", f.label, o.label),
                                Role::Checkbox,
                            )
                            .checked(o.selected);
                            opt.required = f.required;
                            c.push(opt);
                        }
                        continue;
                    }
                    "choice" | "yes-no" | "county" => {
                        Control::new(format!("field:{}", f.id), f.label.clone(), Role::List).value(f.display.clone())
                    }
                    "signature" => Control::new(format!("field:{}", f.id), f.label.clone(), Role::Button)
                        .value(if f.value.is_empty() { t("state_unsigned") } else { t("signed") }),
                    _ => Control::new(format!("field:{}", f.id), f.label.clone(), Role::TextField)
                        .value(f.display.clone()),
                };
                ctl.required = f.required;
                ctl.error = f.error.clone();
                c.push(ctl);
            }
            c.push(Control::new("continue", t("continue"), Role::Button));
            c.push(Control::new("back", t("back"), Role::Button));
        }
        Screen::Review => {
            // Field by field: what was entered, and activating it edits it.
            for f in &v.fields {
                let value = match f.kind {
                    "signature" if !f.value.is_empty() => t("signed"),
                    _ if f.display.is_empty() => "—".into(),
                    _ => f.display.clone(),
                };
                c.push(
                    Control::new(format!("review:{}", f.id), format!("{} {}", t("edit"), f.label), Role::Button)
                        .value(value),
                );
            }
            if v.documents.offered {
                c.push(
                    Control::new("documents", t("doc_open"), Role::Button)
                        .value(format!("{} {}", v.documents.summary, v.documents.missing).trim().to_owned()),
                );
            }
            c.push(Control::new("consent", t("consent_label"), Role::Checkbox).checked(v.consent));
            c.push(Control::new("submit", t("submit"), Role::Button).enabled(v.can_submit));
            c.push(Control::new("back", t("back"), Role::Button));
        }
        Screen::Documents => super::capture_view::controls(&v.documents, v.lang, texts, &mut c),
        Screen::Receipt => {
            c.push(Control::new("code", t("receipt_code_label"), Role::Info).value(spell(&v.receipt_code)));
            c.push(Control::new("open-status", t("check_status"), Role::Button));
        }
        Screen::Status => {
            c.push(
                Control::new("field:__status", t("status_code_label"), Role::TextField).value(spell(&v.status_input)),
            );
            c.push(Control::new("status-search", t("status_search"), Role::Button));
            if !v.status_message.is_empty() {
                let answer = format!("{} {}", v.status_message, v.status_detail).trim().to_owned();
                c.push(Control::new("status-answer", t("status_title"), Role::Info).value(answer));
            }
            if v.status_can_supplement {
                c.push(Control::new("add-supplement", t("status_add_supplement"), Role::Button));
            }
            c.push(Control::new("back", t("back"), Role::Button));
        }
    }
    c.push(Control::new("speech", t("a11y_speech"), Role::Toggle).checked(v.speech));
    c.push(Control::new("large-text", t("a11y_large_text"), Role::Toggle).checked(v.large_text));
    c.push(Control::new("contrast", t("a11y_contrast"), Role::Toggle).checked(v.high_contrast));
    for (lang, selected) in &v.languages {
        c.push(Control::new(format!("lang:{}", lang.code()), lang.native_name(), Role::Button).checked(*selected));
    }
    if v.screen != Screen::Home {
        c.push(Control::new("finish", t("finish"), Role::Button));
    }
    c
}

/// A search word finds a word it begins, or one that shares most of it, so
/// Romanian endings do not matter ("petiție" finds "petiții", "publice" "public").
fn word_matches(query: &str, word: &str) -> bool {
    if word.starts_with(query) {
        return true;
    }
    let common = query.chars().zip(word.chars()).take_while(|(a, b)| a == b).count();
    common >= 4 && common + 2 >= query.chars().count()
}

/// Lower case without diacritics, for searching: "Petiție" and "petitie" match.
pub fn fold(s: &str) -> String {
    s.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'ă' | 'â' | 'á' => 'a',
            'î' | 'í' => 'i',
            'ș' | 'ş' => 's',
            'ț' | 'ţ' => 't',
            'é' => 'e',
            'ó' | 'ö' | 'ő' => 'o',
            'ú' | 'ü' | 'ű' => 'u',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::{Event, Session};
    use crate::forms::Catalogue;
    use std::sync::Arc;

    #[test]
    fn an_empty_required_field_is_named_next_to_it_after_continue() {
        let texts = Texts::builtin();
        let mut s = Session::new(Arc::new(Catalogue::builtin()), vec![Lang::Ro, Lang::En]);
        s.handle(Event::PickService("petitie".into()));
        let v = view(&s, &texts, "http://x/s/");
        assert!(v.fields.iter().all(|f| f.error.is_empty()), "no errors before the citizen acts");
        s.handle(Event::Continue);
        let v = view(&s, &texts, "http://x/s/");
        let nume = v.fields.iter().find(|f| f.id == "nume").unwrap();
        assert_eq!(nume.error, "Câmp obligatoriu");
        assert!(v.missing.starts_with("Completați: Nume, Prenume"), "{}", v.missing);
        s.handle(Event::SetLanguage(Lang::En));
        let v = view(&s, &texts, "http://x/s/");
        assert_eq!(v.fields[0].error, "Required field");
    }

    #[test]
    fn the_confirmation_masks_the_cnp_and_warns_of_an_expired_card() {
        let texts = Texts::builtin();
        let mut s = Session::new(Arc::new(Catalogue::builtin()), vec![Lang::Ro]);
        s.handle(Event::PickService("petitie".into()));
        s.handle(Event::ScanRequested);
        let m = crate::identity::parse_mrz(&crate::identity::SPECIMEN_TD2.join("\n")).unwrap();
        s.handle(Event::ScanFinished(Ok(crate::identity::Identity::from_mrz(&m, "2031-01-01"))));
        let v = view(&s, &texts, "");
        assert_eq!(v.scan_state, "confirm");
        assert_eq!(v.confirm_name, "Popescu Maria Elena");
        assert_eq!(v.confirm_cnp, "•••••••••4996");
        assert_eq!(v.confirm_nationality, "România");
        assert_eq!(v.confirm_expiry, "09.05.2030");
        assert!(v.confirm_warning.contains("09.05.2030"), "{}", v.confirm_warning);
    }

    #[test]
    fn errors_show_while_typing_only_when_wrong_not_unfinished() {
        let texts = Texts::builtin();
        let mut s = Session::new(Arc::new(Catalogue::builtin()), vec![Lang::Ro]);
        s.handle(Event::PickService("petitie".into()));
        s.handle(Event::Focus("cnp".into()));
        let cnp_error = |s: &Session| view(s, &texts, "").fields.iter().find(|f| f.id == "cnp").unwrap().error.clone();
        for c in "285050920499".chars() {
            s.handle(Event::Key(crate::app::Key::Text(c.to_string())));
        }
        assert_eq!(cnp_error(&s), "", "twelve digits: still typing");
        s.handle(Event::Key(crate::app::Key::Text("5".into())));
        assert_eq!(cnp_error(&s), "Cifra de control ar trebui să fie 6", "the thirteenth digit is checked at once");
        s.handle(Event::Key(crate::app::Key::Backspace));
        s.handle(Event::NextField);
        assert_eq!(cnp_error(&s), "CNP-ul are 13 cifre; ați introdus 12", "after leaving, unfinished is an error");
    }

    #[test]
    fn a_wrong_cnp_says_why() {
        let texts = Texts::builtin();
        let mut s = Session::new(Arc::new(Catalogue::builtin()), vec![Lang::Ro]);
        s.handle(Event::PickService("petitie".into()));
        s.handle(Event::SetValue("cnp".into(), "2850509204995".into()));
        let v = view(&s, &texts, "");
        let cnp = v.fields.iter().find(|f| f.id == "cnp").unwrap();
        assert_eq!(cnp.error, "Cifra de control ar trebui să fie 6");
        assert_eq!(cnp.keyboard, "digits");
    }
}
