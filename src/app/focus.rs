//! The focus model for people who cannot see the screen: every screen as an
//! ordered list of its controls, each with a label, a role, a state and a
//! value, derived from the [`View`] (so it always matches what is drawn).
//! The keypad moves through this list; spoken guidance reads a control as
//! "Județul, listă, Prahova, 4 din 9". Pure.
//!
//! The order is stable: the screen's own controls top to bottom, then the
//! bar every screen has (speech, large text, contrast, languages, «Terminat»).
//! Control ids are the session's names (`field:judet`, `svc:petitie`, `start`);
//! the `.slint` pages draw the focus ring on the control whose id is focused.

use super::view::View;
use super::Screen;
use crate::i18n::Texts;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Button,
    /// Text typed on the keypad (multi-tap) or a keyboard.
    TextField,
    /// One value of several: ← → (4, 6) change it; a long list (the
    /// counties) is searched by typing its first letters.
    List,
    Checkbox,
    /// An on/off switch (speech, large text, contrast).
    Toggle,
    /// Something to hear, not to change (the tracking code).
    Info,
}

impl Role {
    fn text_key(self) -> &'static str {
        match self {
            Role::Button => "role_button",
            Role::TextField => "role_text",
            Role::List => "role_list",
            Role::Checkbox => "role_checkbox",
            Role::Toggle => "role_toggle",
            Role::Info => "role_info",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Control {
    pub id: String,
    pub label: String,
    pub role: Role,
    /// What it holds, as a person hears it ("Prahova", "12.03.2024").
    pub value: String,
    /// Checkboxes, toggles and a selected language: `Some(on)`.
    pub checked: Option<bool>,
    pub required: bool,
    pub enabled: bool,
    /// The field's error, read after the rest.
    pub error: String,
}

impl Control {
    fn new(id: impl Into<String>, label: impl Into<String>, role: Role) -> Control {
        Control {
            id: id.into(),
            label: label.into(),
            role,
            value: String::new(),
            checked: None,
            required: false,
            enabled: true,
            error: String::new(),
        }
    }
    fn value(mut self, v: impl Into<String>) -> Control {
        self.value = v.into();
        self
    }
    fn checked(mut self, on: bool) -> Control {
        self.checked = Some(on);
        self
    }
    fn enabled(mut self, on: bool) -> Control {
        self.enabled = on;
        self
    }
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
                Control::new("cat:", t("catalogue_all"), Role::Button).checked(!v.categories.iter().any(|x| x.selected)),
            );
            for cat in &v.categories {
                c.push(Control::new(format!("cat:{}", cat.id), cat.title.clone(), Role::Button).checked(cat.selected));
            }
            for s in &v.services {
                c.push(Control::new(format!("svc:{}", s.id), s.title.clone(), Role::Button).value(s.description.clone()));
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
            return c;
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
                    "signature" => Control::new(format!("field:{}", f.id), f.label.clone(), Role::Button).value(
                        if f.value.is_empty() { t("state_unsigned") } else { t("signed") },
                    ),
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
            c.push(Control::new("consent", t("consent_label"), Role::Checkbox).checked(v.consent));
            c.push(Control::new("submit", t("submit"), Role::Button).enabled(v.can_submit));
            c.push(Control::new("back", t("back"), Role::Button));
        }
        Screen::Receipt => {
            c.push(Control::new("code", t("receipt_code_label"), Role::Info).value(spell(&v.receipt_code)));
            c.push(Control::new("open-status", t("check_status"), Role::Button));
        }
        Screen::Status => {
            c.push(Control::new("field:__status", t("status_code_label"), Role::TextField).value(spell(&v.status_input)));
            c.push(Control::new("status-search", t("status_search"), Role::Button));
            if !v.status_message.is_empty() {
                let answer = format!("{} {}", v.status_message, v.status_detail).trim().to_owned();
                c.push(Control::new("status-answer", t("status_title"), Role::Info).value(answer));
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

/// A code character by character ("K 7 Q 4 M 2 X 9"), so it can be written down.
pub fn spell(code: &str) -> String {
    code.chars().filter(|c| !matches!(c, '-' | ' ')).map(String::from).collect::<Vec<_>>().join(" ")
}

/// What is said when `c` takes the focus: label, role, state, value and its
/// place on the screen ("Județul, listă, obligatoriu, Prahova, 4 din 9").
pub fn describe(c: &Control, index: usize, total: usize, texts: &Texts, lang: crate::i18n::Lang) -> String {
    let t = |k: &str| texts.get(lang, k).to_owned();
    let mut parts = vec![c.label.clone(), t(c.role.text_key())];
    match (c.role, c.checked) {
        (Role::Toggle, Some(on)) => parts.push(t(if on { "state_on" } else { "state_off" })),
        (Role::Checkbox, Some(on)) => parts.push(t(if on { "state_checked" } else { "state_unchecked" })),
        (_, Some(true)) => parts.push(t("state_selected")),
        _ => {}
    }
    if c.required {
        parts.push(t("a11y_required"));
    }
    if !c.enabled {
        parts.push(t("state_unavailable"));
    }
    if !c.value.is_empty() {
        parts.push(c.value.clone());
    } else if matches!(c.role, Role::TextField | Role::List) {
        parts.push(t("state_empty"));
    }
    parts.push(texts.fmt(lang, "a11y_position", &[("n", &(index + 1).to_string()), ("total", &total.to_string())]));
    let mut s = parts.join(", ");
    if !c.error.is_empty() {
        s = format!("{s}. {}", c.error);
    }
    s
}
