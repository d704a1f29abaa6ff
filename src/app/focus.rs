//! The focus model for people who cannot see the screen: every screen as an
//! ordered list of its controls, each with a label, a role, a state and a
//! value, derived from the view (`view::controls`, so it always matches what
//! is drawn). This file holds the control and how it is said; it imports
//! nothing of `app`, so the view and the keypad can both use it.
//! The keypad moves through this list; spoken guidance reads a control as
//! "Județul, listă, Prahova, 4 din 9". Pure.
//!
//! The order is stable: the screen's own controls top to bottom, then the
//! bar every screen has (speech, large text, contrast, languages, «Terminat»).
//! Control ids are the session's names (`field:judet`, `svc:petitie`, `start`);
//! the `.slint` pages draw the focus ring on the control whose id is focused.

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
    pub fn new(id: impl Into<String>, label: impl Into<String>, role: Role) -> Control {
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
    pub fn value(mut self, v: impl Into<String>) -> Control {
        self.value = v.into();
        self
    }
    pub fn checked(mut self, on: bool) -> Control {
        self.checked = Some(on);
        self
    }
    pub fn enabled(mut self, on: bool) -> Control {
        self.enabled = on;
        self
    }
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
