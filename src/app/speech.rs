//! What spoken guidance says after an event: the new screen's title, the
//! field that took the focus (its label, whether it is required, its error),
//! each key of the on-screen keyboard, an error as it appears, the idle
//! warning, a status answer. Pure: derived from the view before and after.

use super::view::View;
use super::{Event, Key, Screen};
use crate::i18n::Texts;

/// The sentences to say, in the view's language; empty when speech is off.
pub fn utterances(before: &View, after: &View, event: &Event, texts: &Texts) -> Vec<String> {
    // The staff desk is silent: PIN digits must never be spoken aloud.
    if !after.speech || matches!(after.screen, Screen::StaffLogin | Screen::Staff) {
        return vec![];
    }
    let t = |k: &str| texts.get(after.lang, k).to_owned();
    let mut say = vec![];
    if matches!(event, Event::ToggleSpeech) {
        say.push(t("a11y_speech_on"));
    }
    if after.idle_visible && !before.idle_visible {
        say.push(format!("{} {}", t("idle_title"), after.idle_message));
        return say;
    }
    if let Event::Key(key) = event {
        let focused_value = |v: &View| {
            v.fields.iter().find(|f| f.focused).map(|f| f.value.clone()).unwrap_or_else(|| match v.screen {
                Screen::Status => v.status_input.clone(),
                _ => v.search.clone(),
            })
        };
        // Only keys that changed something are read back.
        if focused_value(before) != focused_value(after) {
            say.push(match key {
                Key::Text(s) if s == " " => t("key_space"),
                Key::Text(s) => s.clone(),
                Key::Backspace => t("key_backspace"),
            });
        }
    }
    let keypad = matches!(event, Event::Keypad { .. });
    // Audio mode switched: its key guide (or its end) comes first.
    let switched = after.audio != before.audio;
    if switched {
        say.extend(after.keypad_say.iter().cloned());
    }
    if after.screen != before.screen
        || matches!(event, Event::ToggleSpeech | Event::SetLanguage(_))
        || (after.audio && !before.audio)
    {
        say.push(screen_title(after, texts));
        // How many controls the keypad reaches here.
        say.push(texts.fmt(after.lang, "kp_controls", &[("count", &after.controls.len().to_string())]));
    }
    if after.scan_state != before.scan_state {
        match after.scan_state {
            "confirm" => {
                let mut s = format!(
                    "{} {}: {}. {}: {}. {}: {}.",
                    t("scan_confirm_title"),
                    t("scan_name"),
                    after.confirm_name,
                    t("scan_nationality"),
                    after.confirm_nationality,
                    t("scan_expiry"),
                    after.confirm_expiry
                );
                if !after.confirm_warning.is_empty() {
                    s = format!("{s} {}", after.confirm_warning);
                }
                say.push(s);
            }
            _ if !after.scan_message.is_empty() => say.push(after.scan_message.clone()),
            _ => {}
        }
    }
    if keypad && before.idle_visible {
        // The key only kept the session; where the citizen was is unchanged.
        say.extend(after.keypad_say.iter().cloned());
    } else if keypad {
        let control = |v: &View| v.focus_index.map(|i| v.controls[i].clone());
        match (control(before), control(after)) {
            (b, Some(a)) if b.as_ref().map(|c| &c.id) != Some(&a.id) || after.screen != before.screen => {
                let i = after.focus_index.unwrap_or(0);
                say.push(super::focus::describe(&a, i, after.controls.len(), texts, after.lang));
            }
            (Some(b), Some(a)) => {
                if a.checked != b.checked || a.enabled != b.enabled {
                    let i = after.focus_index.unwrap_or(0);
                    say.push(super::focus::describe(&a, i, after.controls.len(), texts, after.lang));
                } else if a.value != b.value {
                    say.push(echo(&b.value, &a.value, a.role, texts, after));
                }
                if a.error != b.error && !a.error.is_empty() {
                    say.push(a.error.clone());
                }
            }
            _ => {}
        }
        if !switched {
            say.extend(after.keypad_say.iter().cloned());
        }
    } else {
        let focused = |v: &View| v.fields.iter().find(|f| f.focused).map(|f| (f.id.clone(), f.error.clone()));
        match (focused(before), focused(after)) {
            (b, Some((id, error))) if b.as_ref().map(|x| &x.0) != Some(&id) => {
                let f = after.fields.iter().find(|f| f.id == id).expect("the focused field is shown");
                let mut s = f.label.clone();
                if f.required {
                    s = format!("{s}, {}", t("a11y_required"));
                }
                if !f.value.is_empty() {
                    s = format!("{s}: {}", f.display);
                }
                if !error.is_empty() {
                    s = format!("{s}. {error}");
                }
                say.push(s);
            }
            (Some((b_id, b_err)), Some((id, error))) if b_id == id && b_err != error && !error.is_empty() => {
                say.push(error);
            }
            _ => {}
        }
    }
    if !after.missing.is_empty() && after.missing != before.missing {
        say.push(after.missing.clone());
    }
    if !after.status_message.is_empty() && after.status_message != before.status_message {
        say.push(format!("{} {}", after.status_message, after.status_detail).trim().to_owned());
        // The history and the messages the screen lists, read in the same order.
        if !after.status_history.is_empty() {
            say.push(after.status_history_title.clone());
            say.extend(after.status_history.iter().map(|l| format!("{}: {}.", l.when, l.text)));
        }
        if !after.status_messages.is_empty() {
            say.push(after.status_messages_title.clone());
            say.extend(
                after.status_messages.iter().map(|l| format!("{}: {} {}", l.when, l.text, l.note).trim().to_owned()),
            );
        }
    }
    say
}

/// What a key changed in a value, said back: the letter typed (or changed
/// by another press), "Șterge" for a deletion, a list's new value.
fn echo(before: &str, after: &str, role: super::focus::Role, texts: &Texts, v: &View) -> String {
    let t = |k: &str| texts.get(v.lang, k).to_owned();
    if role != super::focus::Role::TextField {
        return after.to_owned();
    }
    let common = before.chars().zip(after.chars()).take_while(|(a, b)| a == b).count();
    let added: String = after.chars().skip(common).collect();
    let added = added.trim_matches(|c: char| c == '.' && added.len() > 1);
    match added {
        "" => t("key_backspace"),
        " " => t("key_space"),
        a => a.trim().to_owned(),
    }
}

fn screen_title(v: &View, texts: &Texts) -> String {
    let t = |k: &str| texts.get(v.lang, k).to_owned();
    match v.screen {
        Screen::Home => format!("{}. {}", t("home_welcome"), t("home_subtitle")),
        Screen::Catalogue => t("catalogue_title"),
        Screen::Form => format!("{}. {}", v.form_title, v.form_deadline),
        Screen::Review => t("review_title"),
        Screen::Receipt => {
            // The code letter by letter, so it can be written down.
            let spelled: Vec<String> = v.receipt_code.chars().filter(|c| *c != '-').map(|c| c.to_string()).collect();
            format!(
                "{}. {}: {}. {}",
                t("receipt_title"),
                t("receipt_code_label"),
                spelled.join(" "),
                v.receipt_deadline
            )
        }
        Screen::Status => t("status_title"),
        Screen::StaffLogin => t("staff_login_title"),
        Screen::Staff => t("staff_title"),
        Screen::Documents => t("doc_title"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::view::view;
    use crate::app::Session;
    use crate::forms::Catalogue;
    use crate::i18n::Lang;
    use std::sync::Arc;

    fn step(s: &mut Session, texts: &Texts, e: Event) -> Vec<String> {
        let before = view(s, texts, "");
        s.handle(e.clone());
        utterances(&before, &view(s, texts, ""), &e, texts)
    }

    #[test]
    fn silent_until_turned_on_then_titles_fields_keys_and_errors() {
        let texts = Texts::builtin();
        let mut s = Session::new(Arc::new(Catalogue::builtin()), vec![Lang::Ro, Lang::En]);
        assert!(step(&mut s, &texts, Event::Start).is_empty(), "speech is off by default");
        let on = step(&mut s, &texts, Event::ToggleSpeech);
        assert_eq!(on[..2], ["Asistență vocală pornită", "Alegeți serviciul"]);
        assert!(on[2].contains(" comenzi"), "the number of controls follows the title: {on:?}");
        let form = step(&mut s, &texts, Event::PickService("petitie".into()));
        assert_eq!(form[0], "Petiție. Răspuns în cel mult 30 zile (OG 27/2002). Termenul poate fi prelungit cu cel mult 15 zile. Petițiile anonime nu se iau în considerare.");
        assert_eq!(form[2], "Nume, obligatoriu");
        assert_eq!(step(&mut s, &texts, Event::Key(Key::Text("P".into()))), ["P"]);
        assert_eq!(step(&mut s, &texts, Event::Key(Key::Text(" ".into()))), ["spațiu"]);
        assert_eq!(step(&mut s, &texts, Event::Key(Key::Backspace)), ["Șterge"]);
        s.handle(Event::Focus("cnp".into()));
        for c in "285050920499".chars() {
            s.handle(Event::Key(Key::Text(c.to_string())));
        }
        let wrong = step(&mut s, &texts, Event::Key(Key::Text("5".into())));
        assert_eq!(wrong, ["5", "Cifra de control ar trebui să fie 6"]);
        let en = step(&mut s, &texts, Event::SetLanguage(Lang::En));
        assert_eq!(en[0], "Petition. Answer within 30 days at most (OG 27/2002). The term can be extended by at most 15 days. Anonymous petitions are not considered.");
        s.handle(Event::Finish);
        assert!(!s.speech, "the next citizen starts without speech");
    }

    #[test]
    fn pin_digits_are_never_spoken() {
        let texts = Texts::builtin();
        let mut s = Session::new(Arc::new(Catalogue::builtin()), vec![Lang::Ro]);
        s.handle(Event::ToggleSpeech);
        s.handle(Event::StaffEntry);
        // Whatever the speech toggle says on the login screen, digits stay silent.
        s.speech = true;
        assert!(step(&mut s, &texts, Event::Key(Key::Text("4".into()))).is_empty());
        assert_eq!(s.staff.pin, "4");
    }
}
