//! The citizen's form: focus, typing, choices, the signature, the ID card's
//! pre-fill and "Continuă". Behaviour of [`Session`], kept apart from the
//! flow between screens (`mod.rs`), the status screen (`status.rs`) and the
//! staff desk (`desk.rs`). Pure: no I/O.

use super::{
    Effect, Event, Key, ScanState, Screen, Session, SubmitState, LABEL_DATE, LABEL_NUMBER, PIN_INPUT, SEARCH_INPUT,
    SIGNATURE_BOX, STATUS_INPUT,
};
use crate::forms::{validate_all, validate_field, FieldKind, Prefill};
use crate::identity::Identity;
use std::collections::BTreeSet;

/// A signature longer than this (in path characters) takes no more strokes.
const SIGNATURE_MAX: usize = 16_000;

impl Session {
    /// Events of the form screen (and the review's "edit" links).
    pub(super) fn handle_form(&mut self, event: Event) -> Vec<Effect> {
        match event {
            Event::ScanRequested => {
                if self.screen == Screen::Form && self.scan != ScanState::Waiting {
                    self.scan = ScanState::Waiting;
                    return vec![Effect::Scan];
                }
            }
            Event::ScanFinished(result) => {
                if self.scan == ScanState::Waiting && self.form.is_some() {
                    self.scan = match result {
                        Ok(id) => ScanState::Confirm(id),
                        Err(f) => ScanState::Failed(f),
                    };
                }
            }
            Event::ConfirmIdentity(yes) => {
                if let ScanState::Confirm(id) = std::mem::replace(&mut self.scan, ScanState::Idle) {
                    if yes {
                        self.prefill(&id);
                    }
                }
            }
            Event::Focus(id) => self.focus((!id.is_empty()).then_some(id)),
            Event::NextField => {
                let next = match (&self.form, &self.focused) {
                    (Some(form), Some(cur)) if self.screen == Screen::Form => form
                        .visible_fields(&self.values)
                        .skip_while(|f| &f.id != cur)
                        .skip(1)
                        .find(|f| f.kind.focusable())
                        .map(|f| f.id.clone()),
                    _ => None,
                };
                self.focus(next);
            }
            Event::Key(key) => self.key(key),
            Event::Choose(id, value) => self.choose(&id, &value),
            Event::Sign { field, x, y, new_stroke } => self.sign(&field, x, y, new_stroke),
            Event::ClearSignature(id) => {
                if self.field_kind(&id) == Some(FieldKind::Signature) {
                    self.values.remove(&id);
                    self.touched.insert(id);
                }
            }
            Event::Continue => {
                if let Some(form) = &self.form {
                    let errors = validate_all(form, &self.values, self.today);
                    if errors.is_empty() {
                        self.screen = Screen::Review;
                        self.focused = None;
                    } else {
                        self.show_all_errors = true;
                        // Jump to the first field that needs attention.
                        self.focused = form.fields.iter().find(|f| errors.contains_key(&f.id)).map(|f| f.id.clone());
                    }
                }
            }
            Event::Edit(id) => {
                if self.screen == Screen::Review {
                    self.screen = Screen::Form;
                    self.focused = Some(id);
                }
            }
            _ => {}
        }
        vec![]
    }

    pub(super) fn clear_form(&mut self) {
        self.form = None;
        self.supplement_of = None;
        self.values.clear();
        self.touched.clear();
        self.show_all_errors = false;
        self.focused = None;
        self.consent = false;
        self.scan = ScanState::Idle;
        self.capture = super::capture_state::CaptureState::default();
        self.submit = SubmitState::Idle;
    }

    /// Whether the submit button may be pressed.
    pub fn can_submit(&self) -> bool {
        self.consent
            && self.submit != SubmitState::Saving
            && self.missing_document().is_none()
            && self.form.as_ref().is_some_and(|f| validate_all(f, &self.values, self.today).is_empty())
    }

    fn focus(&mut self, id: Option<String>) {
        if let Some(prev) = self.focused.take() {
            if !prev.starts_with("__") {
                self.touched.insert(prev);
            }
        }
        self.focused = id;
    }

    fn field_kind(&self, id: &str) -> Option<FieldKind> {
        self.form.as_ref()?.field(id).map(|f| f.kind)
    }

    fn choose(&mut self, id: &str, value: &str) {
        let Some(field) = self.form.as_ref().and_then(|f| f.field(id)).cloned() else { return };
        let new = match field.kind {
            FieldKind::Choice if field.option(value).is_some() => value.to_owned(),
            FieldKind::YesNo if matches!(value, "da" | "nu") => value.to_owned(),
            FieldKind::County if crate::forms::counties::name(value).is_some() => value.to_owned(),
            FieldKind::MultiChoice if field.option(value).is_some() => {
                let current = self.values.get(id).cloned().unwrap_or_default();
                let mut chosen: BTreeSet<&str> = current.split(',').filter(|v| !v.is_empty()).collect();
                if !chosen.remove(value) {
                    chosen.insert(value);
                }
                // In the order of the options, whatever the order of the touches.
                field
                    .options
                    .iter()
                    .filter(|o| chosen.contains(o.value.as_str()))
                    .map(|o| o.value.as_str())
                    .collect::<Vec<_>>()
                    .join(",")
            }
            _ => return,
        };
        self.values.insert(id.to_owned(), new);
        self.touched.insert(id.to_owned());
        if field.kind == FieldKind::County && self.focused.as_deref() == Some(id) {
            // The county pad closes on a choice and the next field takes the keyboard.
            self.handle(Event::NextField);
        }
    }

    fn sign(&mut self, id: &str, x: f32, y: f32, new_stroke: bool) {
        if self.field_kind(id) != Some(FieldKind::Signature) {
            return;
        }
        let (x, y) = (x.clamp(0.0, SIGNATURE_BOX.0).round(), y.clamp(0.0, SIGNATURE_BOX.1).round());
        let path = self.values.entry(id.to_owned()).or_default();
        if path.len() > SIGNATURE_MAX {
            return;
        }
        if new_stroke || path.is_empty() {
            if !path.is_empty() {
                path.push(' ');
            }
            path.push_str(&format!("M{x} {y}"));
        } else {
            path.push_str(&format!(" L{x} {y}"));
        }
        self.touched.insert(id.to_owned());
    }

    fn key(&mut self, key: Key) {
        let Some(id) = self.focused.clone() else { return };
        let (staff_target, max, digits_only) = match id.as_str() {
            PIN_INPUT => (Some(&mut self.staff.pin), 12, true),
            LABEL_NUMBER => (Some(&mut self.staff.label_number), 32, false),
            LABEL_DATE => (Some(&mut self.staff.label_date), 10, false),
            _ => (None, 0, false),
        };
        if let Some(target) = staff_target {
            match key {
                Key::Text(t) => {
                    if target.chars().count() + t.chars().count() <= max
                        && (!digits_only || t.chars().all(|c| c.is_ascii_digit()))
                    {
                        target.push_str(&t);
                    }
                }
                Key::Backspace => {
                    target.pop();
                }
            }
            return;
        }
        let date = self.field_kind(&id) == Some(FieldKind::Date);
        let target = if id == STATUS_INPUT {
            &mut self.status_input
        } else if id == SEARCH_INPUT {
            &mut self.search
        } else {
            let Some(field) = self.form.as_ref().and_then(|f| f.field(&id)) else { return };
            if !field.kind.typed() {
                return;
            }
            let max = field.max_len.unwrap_or(if field.kind == FieldKind::Date { 10 } else { 10_000 });
            let value = self.values.entry(id).or_default();
            if let Key::Text(t) = &key {
                if value.chars().count() + t.chars().count() > max {
                    return;
                }
            }
            value
        };
        match key {
            Key::Text(t) => {
                if date && t == "." && (target.is_empty() || target.ends_with('.')) {
                    return;
                }
                target.push_str(&t);
                // Dates are typed as digits; the dots come by themselves (ZZ.LL.AAAA).
                if date
                    && (target.len() == 2 || target.len() == 5)
                    && target.bytes().all(|b| b.is_ascii_digit() || b == b'.')
                    && !target.ends_with('.')
                {
                    target.push('.');
                }
            }
            Key::Backspace => {
                target.pop();
            }
        }
    }

    fn prefill(&mut self, id: &Identity) {
        let Some(form) = self.form.clone() else { return };
        let mut cnp_missing = false;
        for f in &form.fields {
            let value = match f.prefill {
                Some(Prefill::Surname) => Some(id.surname.clone()),
                Some(Prefill::GivenNames) => Some(id.given_names.clone()),
                Some(Prefill::Cnp) => {
                    cnp_missing = id.cnp.is_none();
                    id.cnp.clone()
                }
                None => None,
            };
            if let Some(v) = value.filter(|v| !v.is_empty()) {
                if validate_field(f, &v, self.today).is_none() {
                    self.values.insert(f.id.clone(), v);
                    self.touched.insert(f.id.clone());
                }
            }
        }
        self.scan = ScanState::Filled { cnp_missing };
        // Next, the first field the document did not fill.
        self.focused =
            form.fields.iter().find(|f| self.values.get(&f.id).is_none_or(|v| v.is_empty())).map(|f| f.id.clone());
    }
}
