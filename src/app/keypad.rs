//! The keypad: the whole flow without sight, on a tactile numeric keypad or
//! any keyboard. Keys move through the screen's controls ([`super::focus`]),
//! activate them, go back, repeat, ask for help and change the voice; in a
//! text field the digits type letters by multi-tap ([`super::multitap`]).
//! Every key becomes the same events a touch would (`Start`, `Choose`,
//! `Key`, …), so the flow has one implementation. Pure: no I/O.
//!
//! Keys as the default 4×5 numeric keypad gives them (the tactile mark is on 5):
//!
//! | key | moving through a screen | typing in a field |
//! |---|---|---|
//! | 2 / 8 | next / previous control | letters (multi-tap) or digits |
//! | 4 / 6 | a list's previous / next value | letters or digits |
//! | 5, Enter | activate (a field: start typing) | Enter: done |
//! | 0 | repeat | letters, space |
//! | 7 / 9 | volume down / up | letters |
//! | 1 / 3 | slower / faster | punctuation / letters |
//! | + / − | next control / back | leave the field, then the same |
//! | * / / | repeat / help | the same |
//! | . | — | delete the last character |
//! | Num Lock | — | the next letter a capital |
//!
//! Over 600 lines only through its tests (every screen reached by keypad, the
//! spoken walk onto the form); the behaviour is about 440 lines.

use super::capture::DocEvent;
use super::focus::{describe, Control, Role};
use super::keypad_state::{KeypadKey, STEPS};
use super::multitap::{self, Tap};
use super::view::view;
use super::{Event, Key, Screen, Session, SEARCH_INPUT, STATUS_INPUT};
use crate::forms::FieldKind;

impl Session {
    fn keypad_controls(&self) -> Vec<Control> {
        let texts = self.texts.clone();
        view(self, &texts, "").controls
    }

    fn t(&self, key: &str) -> String {
        self.texts.get(self.lang, key).to_owned()
    }

    /// Audio mode on or off: speech with it, and a short key guide.
    pub(super) fn set_audio(&mut self, on: bool) {
        if self.keypad.audio == on {
            return;
        }
        self.keypad.audio = on;
        if on {
            self.speech = true;
            let guide = self.t("kp_audio_on");
            self.keypad.say.push(guide);
        } else {
            let off = self.t("kp_audio_off");
            self.keypad.say.push(off);
            // Audio mode over: the screen shows again.
            self.private = false;
        }
    }

    pub(super) fn handle_keypad(&mut self, key: KeypadKey, now_ms: i64) {
        self.keypad.say.clear();
        self.keypad.repeat = false;
        if matches!(self.screen, Screen::StaffLogin | Screen::Staff) {
            return;
        }
        if key == KeypadKey::AudioHold {
            self.set_audio(!self.keypad.audio);
            return;
        }
        if self.idle_warning.is_some() {
            // Any key keeps the session, as any touch does.
            self.idle_warning = None;
            let kept = self.t("kp_still_here");
            self.keypad.say.push(kept);
            return;
        }
        let controls = self.keypad_controls();
        let current = self.focused_control(&controls);
        if self.keypad.editing {
            let field = current.as_ref().map(|(_, c)| c.clone());
            match (key, field) {
                (KeypadKey::Digit(d), Some(c)) => return self.type_digit(&c, d, now_ms),
                (KeypadKey::Char(ch), Some(c)) => return self.type_char(&c, ch),
                (KeypadKey::Delete, Some(c)) => return self.delete(&c),
                (KeypadKey::Shift, _) => {
                    self.keypad.shift = !self.keypad.shift;
                    return;
                }
                (KeypadKey::Enter, _) => return self.stop_editing(),
                (KeypadKey::Next | KeypadKey::Prev | KeypadKey::Back, _) => self.stop_editing(),
                _ => {}
            }
        }
        let key = match key {
            KeypadKey::Digit(d) => match d {
                2 => KeypadKey::Next,
                8 => KeypadKey::Prev,
                4 => KeypadKey::Left,
                6 => KeypadKey::Right,
                5 => KeypadKey::Enter,
                0 => KeypadKey::Repeat,
                7 => KeypadKey::VolumeDown,
                9 => KeypadKey::VolumeUp,
                1 => KeypadKey::RateDown,
                3 => KeypadKey::RateUp,
                _ => return,
            },
            k => k,
        };
        let controls = self.keypad_controls();
        let current = self.focused_control(&controls);
        match key {
            KeypadKey::Next | KeypadKey::Prev => self.move_focus(&controls, current.map(|(i, _)| i), key),
            KeypadKey::Left | KeypadKey::Right => match current {
                Some((_, c)) if c.role == Role::List => self.step_list(&c, key == KeypadKey::Right),
                other => self.move_focus(
                    &controls,
                    other.map(|(i, _)| i),
                    if key == KeypadKey::Right { KeypadKey::Next } else { KeypadKey::Prev },
                ),
            },
            KeypadKey::Enter => match current {
                Some((_, c)) => self.activate(&c),
                None => self.move_focus(&controls, None, KeypadKey::Next),
            },
            KeypadKey::Back => {
                if matches!(self.screen, Screen::Catalogue | Screen::Form | Screen::Review | Screen::Status) {
                    self.after_keypad_event(Event::Back);
                }
            }
            KeypadKey::VolumeUp | KeypadKey::VolumeDown => {
                let v = &mut self.keypad.volume;
                *v = if key == KeypadKey::VolumeUp { (*v + 1).min(STEPS) } else { v.saturating_sub(1) };
                let said = self.texts.fmt(self.lang, "kp_volume", &[("level", &self.keypad.volume.to_string())]);
                self.keypad.say.push(said);
            }
            KeypadKey::RateUp | KeypadKey::RateDown => {
                let r = &mut self.keypad.rate;
                *r = if key == KeypadKey::RateUp { (*r + 1).min(STEPS) } else { r.saturating_sub(1) };
                let said = self.texts.fmt(self.lang, "kp_rate", &[("level", &self.keypad.rate.to_string())]);
                self.keypad.say.push(said);
            }
            KeypadKey::Help => {
                let help = self.t(if self.keypad.editing { "kp_help_typing" } else { "kp_help" });
                self.keypad.say.push(help);
            }
            // The adapter says again what it said last.
            KeypadKey::Repeat => self.keypad.repeat = true,
            _ => {}
        }
    }

    /// The focused control and its index, if it is still on screen (or the
    /// control now at its place).
    fn focused_control(&self, controls: &[Control]) -> Option<(usize, Control)> {
        let (id, at) = self.keypad.focus.as_ref()?;
        controls
            .iter()
            .position(|c| &c.id == id)
            .or_else(|| (!controls.is_empty()).then(|| (*at).min(controls.len() - 1)))
            .map(|i| (i, controls[i].clone()))
    }

    fn move_focus(&mut self, controls: &[Control], from: Option<usize>, key: KeypadKey) {
        if controls.is_empty() {
            return;
        }
        let n = controls.len();
        let i = match (from, key) {
            (None, KeypadKey::Prev) => n - 1,
            (None, _) => 0,
            (Some(i), KeypadKey::Prev) => (i + n - 1) % n,
            (Some(i), _) => (i + 1) % n,
        };
        self.keypad.focus = Some((controls[i].id.clone(), i));
    }

    /// Runs an event a key stands for; a new screen starts with no control
    /// focused (its title and number of controls are said first).
    fn after_keypad_event(&mut self, event: Event) {
        let before = self.screen;
        let form_before = self.form.as_ref().map(|f| f.id.clone());
        let effects = self.handle(event);
        self.keypad_effects.extend(effects);
        if self.screen != before || self.form.as_ref().map(|f| f.id.clone()) != form_before {
            self.keypad.focus = None;
            self.keypad.editing = false;
            if self.screen == Screen::Form && !self.keypad.editing {
                // Moving, not typing: the on-screen keyboard stays closed.
                self.focused = None;
            }
        }
    }

    fn activate(&mut self, c: &Control) {
        if !c.enabled {
            let said = self.t("state_unavailable");
            self.keypad.say.push(said);
            return;
        }
        let id = c.id.as_str();
        let event = match id {
            "start" => Event::Start,
            "status" | "open-status" => Event::OpenStatus,
            "back" => Event::Back,
            "continue" => Event::Continue,
            "scan" => Event::ScanRequested,
            "scan-yes" => Event::ConfirmIdentity(true),
            "scan-no" => Event::ConfirmIdentity(false),
            "scan-cnp" => {
                let digits = match &self.scan {
                    super::ScanState::Confirm(id) => id.cnp.as_deref().map(super::focus::spell),
                    _ => None,
                };
                let said = digits.unwrap_or_else(|| self.t("scan_no_cnp"));
                self.keypad.say.push(said);
                return;
            }
            "consent" => Event::SetConsent(!self.consent),
            "submit" => Event::Submit,
            "documents" => Event::Documents(DocEvent::Open),
            "doc-take" => Event::Documents(DocEvent::Take),
            "doc-keep" => Event::Documents(DocEvent::Keep),
            "doc-retake" => Event::Documents(DocEvent::Retake),
            "doc-done" => Event::Documents(DocEvent::Done),
            "doc-message" => {
                self.keypad.say.push(c.value.clone());
                return;
            }
            "status-search" => Event::CheckStatus,
            "add-supplement" => Event::AddSupplement,
            "speech" => Event::ToggleSpeech,
            "large-text" => Event::ToggleLargeText,
            "contrast" => Event::ToggleContrast,
            "finish" | "idle-leave" => Event::Finish,
            "idle-stay" => Event::StillHere,
            "code" | "scan-name" | "status-answer" => {
                self.keypad.say.push(c.value.clone());
                return;
            }
            _ => {
                if let Some(cat) = id.strip_prefix("cat:") {
                    Event::PickCategory((!cat.is_empty()).then(|| cat.to_owned()))
                } else if let Some(svc) = id.strip_prefix("svc:") {
                    Event::PickService(svc.to_owned())
                } else if let Some(code) = id.strip_prefix("lang:") {
                    match crate::i18n::Lang::parse(code) {
                        Some(l) => Event::SetLanguage(l),
                        None => return,
                    }
                } else if let Some(n) = id.strip_prefix("doc-delete:").and_then(|n| n.parse().ok()) {
                    Event::Documents(DocEvent::Delete(n))
                } else if let Some(f) = id.strip_prefix("review:") {
                    Event::Edit(f.to_owned())
                } else if let Some(rest) = id.strip_prefix("opt:") {
                    let Some((f, v)) = rest.split_once(':') else { return };
                    Event::Choose(f.to_owned(), v.to_owned())
                } else if let Some(f) = id.strip_prefix("field:") {
                    return self.activate_field(f, c);
                } else {
                    return;
                }
            }
        };
        let edit_target = match &event {
            Event::Edit(f) => Some(f.clone()),
            _ => None,
        };
        self.after_keypad_event(event);
        if let Some(f) = edit_target {
            // Back on the form at the field to change.
            self.focus_field_control(&f);
            self.focused = None;
        }
        if self.screen == Screen::Form && self.show_all_errors && id == "continue" {
            // «Continuă» found mistakes: the focus goes to the first.
            if let Some(f) = self.focused.take() {
                self.focus_field_control(&f);
            }
        }
    }

    /// The keypad's focus on form field `field`'s control, if the screen shows it.
    fn focus_field_control(&mut self, field: &str) {
        let want = format!("field:{field}");
        if let Some(i) = self.keypad_controls().iter().position(|c| c.id == want) {
            self.keypad.focus = Some((want, i));
        }
    }

    fn activate_field(&mut self, id: &str, c: &Control) {
        if id == SEARCH_INPUT || id == STATUS_INPUT {
            return self.start_editing(id);
        }
        let Some(kind) = self.form.as_ref().and_then(|f| f.field(id)).map(|f| f.kind) else { return };
        match kind {
            FieldKind::Signature => {
                // No finger on a pad: the citizen signs by confirming on the
                // keypad, and a mark stands for the signature.
                if !self.values.get(id).is_some_and(|v| !v.is_empty()) {
                    for (x, y, new) in
                        [(200.0, 40.0, true), (400.0, 160.0, false), (400.0, 40.0, true), (200.0, 160.0, false)]
                    {
                        self.handle(Event::Sign { field: id.to_owned(), x, y, new_stroke: new });
                    }
                }
                let said = self.t("kp_signed");
                self.keypad.say.push(said);
            }
            FieldKind::County => self.start_editing(id),
            FieldKind::Choice | FieldKind::YesNo => self.step_list(c, true),
            _ if kind.typed() => self.start_editing(id),
            _ => {}
        }
    }

    fn start_editing(&mut self, id: &str) {
        self.handle(Event::Focus(id.to_owned()));
        self.keypad.editing = true;
        self.keypad.tap.reset();
        self.keypad.shift = false;
        self.keypad.prefix.clear();
        let said = self.t("kp_typing");
        self.keypad.say.push(said);
    }

    fn stop_editing(&mut self) {
        self.keypad.editing = false;
        self.keypad.tap.reset();
        self.keypad.prefix.clear();
        // Leaving the field: its error (if any) shows and is said.
        self.handle(Event::Focus(String::new()));
    }

    /// The focused field's session id (a form field, the search or the code box).
    fn editing_target(c: &Control) -> Option<String> {
        c.id.strip_prefix("field:").map(str::to_owned)
    }

    fn target_kind(&self, target: &str) -> Option<FieldKind> {
        self.form.as_ref().and_then(|f| f.field(target)).map(|f| f.kind)
    }

    fn current_text(&self, target: &str) -> String {
        match target {
            SEARCH_INPUT => self.search.clone(),
            STATUS_INPUT => self.status_input.clone(),
            id => self.values.get(id).cloned().unwrap_or_default(),
        }
    }

    fn type_digit(&mut self, c: &Control, d: u8, now_ms: i64) {
        let Some(target) = Self::editing_target(c) else { return };
        let kind = self.target_kind(&target);
        if matches!(kind, Some(FieldKind::Cnp | FieldKind::Phone | FieldKind::Date | FieldKind::Number)) {
            // Dates and numbers by digits.
            self.handle(Event::Key(Key::Text(d.to_string())));
            return;
        }
        let text = self.current_text(&target);
        let code = target == STATUS_INPUT;
        let capital = code
            || self.keypad.shift
            || (kind.is_some_and(|k| matches!(k, FieldKind::Text | FieldKind::Textarea))
                && multitap::starts_sentence(&text));
        let Some(tap) = self.keypad.tap.press(d, now_ms, self.lang, capital) else { return };
        self.keypad.shift = false;
        if kind == Some(FieldKind::County) {
            let mut prefix = self.keypad.prefix.clone();
            match tap {
                Tap::Append(ch) => prefix.push(ch),
                Tap::Replace(ch) => {
                    prefix.pop();
                    prefix.push(ch);
                }
            }
            self.keypad.prefix = prefix;
            return self.search_county(&target);
        }
        match tap {
            Tap::Append(ch) => {
                self.handle(Event::Key(Key::Text(ch.to_string())));
            }
            Tap::Replace(ch) => {
                self.handle(Event::Key(Key::Backspace));
                self.handle(Event::Key(Key::Text(ch.to_string())));
            }
        }
    }

    fn type_char(&mut self, c: &Control, ch: char) {
        let Some(target) = Self::editing_target(c) else { return };
        self.keypad.tap.reset();
        if self.target_kind(&target) == Some(FieldKind::County) {
            self.keypad.prefix.push(ch);
            return self.search_county(&target);
        }
        self.handle(Event::Key(Key::Text(ch.to_string())));
    }

    fn delete(&mut self, c: &Control) {
        let Some(target) = Self::editing_target(c) else { return };
        self.keypad.tap.reset();
        if self.target_kind(&target) == Some(FieldKind::County) {
            self.keypad.prefix.pop();
            return;
        }
        self.handle(Event::Key(Key::Backspace));
    }

    /// The first county whose name starts with what was typed.
    fn search_county(&mut self, field: &str) {
        let want = super::view::fold(&self.keypad.prefix);
        let found = crate::forms::COUNTIES.iter().find(|(_, name)| super::view::fold(name).starts_with(&want));
        match found {
            Some((code, _)) => {
                self.values.insert(field.to_owned(), (*code).to_owned());
                self.touched.insert(field.to_owned());
            }
            None => {
                let said = self.t("kp_no_match");
                self.keypad.say.push(said);
            }
        }
    }

    /// ← → on a list: the previous or next value, chosen at once.
    fn step_list(&mut self, c: &Control, forward: bool) {
        let Some(id) = c.id.strip_prefix("field:") else { return };
        let Some(field) = self.form.as_ref().and_then(|f| f.field(id)).cloned() else { return };
        let values: Vec<String> = match field.kind {
            FieldKind::Choice => field.options.iter().map(|o| o.value.clone()).collect(),
            FieldKind::YesNo => vec!["da".into(), "nu".into()],
            FieldKind::County => crate::forms::COUNTIES.iter().map(|(c, _)| (*c).to_owned()).collect(),
            _ => return,
        };
        let current = self.values.get(id).and_then(|v| values.iter().position(|x| x == v));
        let n = values.len();
        let next = match current {
            None if forward => 0,
            None => n - 1,
            Some(i) if forward => (i + 1) % n,
            Some(i) => (i + n - 1) % n,
        };
        self.values.insert(id.to_owned(), values[next].clone());
        self.touched.insert(id.to_owned());
        let said =
            self.texts.fmt(self.lang, "a11y_position", &[("n", &(next + 1).to_string()), ("total", &n.to_string())]);
        self.keypad.say.push(said);
    }

    /// What is said when a control takes the focus (for the adapter's speech).
    pub fn describe_focus(&self) -> Option<String> {
        let controls = self.keypad_controls();
        let (i, c) = self.focused_control(&controls)?;
        Some(describe(&c, i, controls.len(), &self.texts, self.lang))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::speech::utterances;
    use crate::forms::Catalogue;
    use crate::i18n::{Lang, Texts};
    use std::sync::Arc;

    fn session() -> Session {
        let mut s = Session::new(Arc::new(Catalogue::builtin()), vec![Lang::Ro, Lang::En, Lang::Hu]);
        s.today = jiff::civil::date(2026, 11, 23);
        s
    }

    /// Presses a key at `at` ms and returns what is said.
    fn press(s: &mut Session, key: KeypadKey, at: i64) -> Vec<String> {
        let texts = Texts::builtin();
        let before = view(s, &texts, "");
        let e = Event::Keypad { key, now_ms: at };
        s.handle(e.clone());
        utterances(&before, &view(s, &texts, ""), &e, &texts)
    }

    /// Every control of the screen `s` is on, reached by pressing 2 from
    /// nothing focused, each announced with its label first.
    fn walk_all(s: &mut Session, screen: &str, problems: &mut Vec<String>) {
        let texts = Texts::builtin();
        let all: Vec<String> = view(s, &texts, "").controls.iter().map(|c| c.id.clone()).collect();
        if all.is_empty() {
            problems.push(format!("{screen}: no controls"));
        }
        s.keypad.focus = None;
        let mut reached = vec![];
        for _ in 0..all.len() {
            let said = press(s, KeypadKey::Digit(2), 0);
            let v = view(s, &texts, "");
            let Some(i) = v.focus_index else {
                problems.push(format!("{screen}: 2 focused nothing"));
                return;
            };
            let c = &v.controls[i];
            if c.label.trim().is_empty() {
                problems.push(format!("{screen}: `{}` has no label", c.id));
            }
            if !said.iter().any(|x| x.starts_with(&format!("{}, ", c.label))) {
                problems.push(format!("{screen}: `{}` was not announced by its label: {said:?}", c.id));
            }
            reached.push(c.id.clone());
        }
        if reached != all {
            problems.push(format!("{screen}: reached {reached:?}, the screen has {all:?}"));
        }
    }

    #[test]
    fn every_control_of_every_citizen_screen_is_reached_and_announced_with_a_label() {
        let mut problems = vec![];
        let mut s = session();
        s.handle(Event::Headphones(true));
        walk_all(&mut s, "home", &mut problems);
        s.handle(Event::Start);
        walk_all(&mut s, "catalogue", &mut problems);
        for form in Catalogue::builtin().forms {
            s.handle(Event::Start);
            s.handle(Event::PickService(form.id.clone()));
            walk_all(&mut s, &format!("form {}", form.id), &mut problems);
            s.handle(Event::ScanRequested);
            let m = crate::identity::parse_mrz(&crate::identity::SPECIMEN_TD2.join("\n")).unwrap();
            s.handle(Event::ScanFinished(Ok(crate::identity::Identity::from_mrz(&m, "2026-11-23"))));
            walk_all(&mut s, &format!("form {} card confirmation", form.id), &mut problems);
            s.handle(Event::ConfirmIdentity(false));
            s.handle(Event::Back);
        }
        s.handle(Event::OpenStatus);
        walk_all(&mut s, "status", &mut problems);
        // The idle warning's buttons need no reaching: any key keeps the session.
        s.handle(Event::IdleWarning(20));
        assert_eq!(press(&mut s, KeypadKey::Digit(2), 0), ["Timpul a fost prelungit."]);
        // Review and receipt: a filled petition.
        s.handle(Event::Start);
        s.handle(Event::PickService("petitie".into()));
        for (f, v) in [
            ("nume", "Pop"),
            ("prenume", "Ana"),
            ("judet", "PH"),
            ("localitate", "Ploiești"),
            ("adresa", "Str. Toamnei 5"),
            ("tip", "cerere"),
            ("continut", "Vă rog reparați iluminatul."),
            ("raspuns", "posta"),
            ("semnatura", "M1 1 L2 2"),
        ] {
            s.handle(Event::SetValue(f.into(), v.into()));
        }
        s.handle(Event::Continue);
        assert_eq!(s.screen, Screen::Review);
        walk_all(&mut s, "review", &mut problems);
        s.handle(Event::SetConsent(true));
        s.handle(Event::Submit);
        s.handle(Event::Submitted(Ok(crate::queue::Receipt {
            key: "k".into(),
            tracking_code: "K7Q-4M2-X9".into(),
            created_ms: 0,
        })));
        walk_all(&mut s, "receipt", &mut problems);
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn a_blind_citizen_reaches_the_form_and_types_by_multi_tap_each_letter_echoed() {
        let mut s = session();
        let on = press(&mut s, KeypadKey::AudioHold, 0);
        assert!(on[0].starts_with("Mod audio pornit"), "{on:?}");
        assert!(s.speech);
        let first = press(&mut s, KeypadKey::Digit(2), 100);
        assert_eq!(first, ["Depune o cerere, buton, 1 din 8"]);
        let catalogue = press(&mut s, KeypadKey::Digit(5), 200);
        assert_eq!(catalogue[0], "Alegeți serviciul");
        assert!(catalogue[1].contains(" comenzi"), "{catalogue:?}");
        assert_eq!(s.screen, Screen::Catalogue);
        s.keypad.focus = Some(("svc:petitie".into(), 0));
        let form = press(&mut s, KeypadKey::Enter, 250);
        assert!(form[0].starts_with("Petiție. Răspuns în cel mult 30 zile"), "{form:?}");
        assert_eq!(s.focused, None, "no on-screen keyboard for a keypad citizen");
        // The first field: 2 twice (the scan button, then «Nume»).
        press(&mut s, KeypadKey::Digit(2), 300);
        let nume = press(&mut s, KeypadKey::Digit(2), 400);
        assert_eq!(nume, ["Nume, câmp de text, obligatoriu, gol, 2 din 21"]);
        let typing = press(&mut s, KeypadKey::Digit(5), 500);
        assert_eq!(typing, ["Scrieți. Enter: gata."]);
        // "Ță": 8 four times, a pause-free other key 2 four times.
        let mut said = vec![];
        for (i, k) in [8, 8, 8, 8, 2, 2, 2, 2].into_iter().enumerate() {
            said.extend(press(&mut s, KeypadKey::Digit(k), 1000 + i as i64 * 200));
        }
        assert_eq!(s.values["nume"], "Ță");
        assert_eq!(said, ["T", "U", "V", "Ț", "a", "b", "c", "ă"]);
        assert_eq!(press(&mut s, KeypadKey::Delete, 3000), ["Șterge"]);
        // Leaving an incomplete required field says its error at once.
        s.handle(Event::Keypad { key: KeypadKey::Delete, now_ms: 3100 });
        let left = press(&mut s, KeypadKey::Enter, 3200);
        assert_eq!(left, ["Câmp obligatoriu"]);
        // A list: 4 and 6 change it; the county is searched by its first letters.
        let mut county = vec![];
        for _ in 0..3 {
            county = press(&mut s, KeypadKey::Digit(2), 4000);
        }
        assert!(county[0].starts_with("Județul, listă, obligatoriu, gol"), "{county:?}");
        press(&mut s, KeypadKey::Digit(5), 4100);
        let mut heard = vec![];
        for (i, k) in [7].into_iter().enumerate() {
            heard = press(&mut s, KeypadKey::Digit(k), 5000 + i as i64 * 100);
        }
        assert_eq!(s.values["judet"], "PH", "`p` finds Prahova");
        assert_eq!(heard, ["Prahova"]);
        press(&mut s, KeypadKey::Enter, 6000);
        let next = press(&mut s, KeypadKey::Digit(6), 6100);
        assert!(next.len() == 2 && next[0] != "Prahova" && next[1].ends_with("din 42"), "{next:?}");
    }

    #[test]
    fn headphones_switch_audio_mode_and_the_voice_resets_for_the_next_citizen() {
        let mut s = session();
        let plugged = press(&mut s, KeypadKey::Digit(9), 0);
        assert!(plugged.is_empty(), "no speech before audio mode");
        let texts = Texts::builtin();
        let before = view(&s, &texts, "");
        s.handle(Event::Headphones(true));
        let said = utterances(&before, &view(&s, &texts, ""), &Event::Headphones(true), &texts);
        assert!(said[0].starts_with("Mod audio pornit"), "the key guide first: {said:?}");
        assert!(said[1].starts_with("Bine ați venit"), "then where the citizen is: {said:?}");
        s.handle(Event::Start);
        assert_eq!(press(&mut s, KeypadKey::Digit(9), 10), ["Volum 7 din 10"], "the earlier 9 counted too");
        assert_eq!(press(&mut s, KeypadKey::Digit(3), 20), ["Viteză 6 din 10"]);
        s.handle(Event::Finish);
        assert_eq!((s.keypad.volume, s.keypad.rate), (5, 5), "the next citizen starts at the default voice");
        assert!(s.keypad.audio && s.speech, "headphones still in: still audio mode");
        s.handle(Event::Headphones(false));
        assert!(!s.keypad.audio);
        s.handle(Event::Finish);
        assert!(!s.speech && !s.keypad.audio, "the next citizen starts without speech");
    }

    #[test]
    fn any_key_answers_the_idle_warning() {
        let mut s = session();
        s.handle(Event::Headphones(true));
        s.handle(Event::Start);
        s.handle(Event::IdleWarning(20));
        assert_eq!(press(&mut s, KeypadKey::Digit(7), 0), ["Timpul a fost prelungit."]);
        assert_eq!(s.idle_warning, None);
        assert_eq!(s.keypad.volume, 5, "the key only kept the session");
    }
}
