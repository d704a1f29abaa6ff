//! The session's flows, as a citizen goes through them.

use super::*;

fn session() -> Session {
    Session::new(Arc::new(Catalogue::builtin()), vec![Lang::Ro, Lang::En, Lang::Hu])
}

fn type_text(s: &mut Session, text: &str) {
    for c in text.chars() {
        s.handle(Event::Key(Key::Text(c.to_string())));
    }
}

fn card() -> Identity {
    let m = crate::identity::parse_mrz(&crate::config::default_sim_mrz().join("\n")).unwrap();
    Identity::from_mrz(&m, "2026-11-23")
}

#[test]
fn a_petition_from_home_to_receipt() {
    let mut s = session();
    s.handle(Event::Start);
    assert_eq!(s.screen, Screen::Catalogue);
    s.handle(Event::PickService("petitie".into()));
    assert_eq!(s.screen, Screen::Form);
    assert_eq!(s.handle(Event::ScanRequested), vec![Effect::Scan]);
    s.handle(Event::ScanFinished(Ok(card())));
    assert!(matches!(s.scan, ScanState::Confirm(_)));
    assert!(s.values.is_empty(), "nothing is filled before the citizen confirms");
    s.handle(Event::ConfirmIdentity(true));
    assert_eq!(s.values["nume"], "Popescu");
    assert_eq!(s.values["prenume"], "Maria Elena");
    assert_eq!(s.values["cnp"], "2850509204996");
    assert_eq!(s.focused.as_deref(), Some("judet"), "focus moves to the first empty field");
    s.handle(Event::Choose("judet".into(), "IS".into()));
    assert_eq!(s.values["judet"], "IS");
    assert_eq!(s.focused.as_deref(), Some("localitate"), "a county choice moves on to the next field");
    type_text(&mut s, "Iași");
    s.handle(Event::NextField);
    assert_eq!(s.focused.as_deref(), Some("adresa"));
    type_text(&mut s, "Str. Ștefan cel Mare 1");
    s.handle(Event::NextField);
    assert_eq!(s.focused.as_deref(), Some("telefon"));
    s.handle(Event::NextField);
    assert_eq!(s.focused.as_deref(), Some("continut"), "touch-only fields are skipped by «Gata»");
    type_text(&mut s, "Vă rog să reparați iluminatul public pe strada noastră.");
    s.handle(Event::Choose("tip".into(), "sesizare".into()));
    s.handle(Event::Choose("raspuns".into(), "email".into()));
    s.handle(Event::Focus("email".into()));
    type_text(&mut s, "maria@exemplu.ro");
    s.handle(Event::Focus("semnatura".into()));
    s.handle(Event::Sign { field: "semnatura".into(), x: 10.0, y: 20.0, new_stroke: true });
    s.handle(Event::Sign { field: "semnatura".into(), x: 30.4, y: 25.6, new_stroke: false });
    s.handle(Event::Sign { field: "semnatura".into(), x: 900.0, y: -5.0, new_stroke: false });
    assert_eq!(s.values["semnatura"], "M10 20 L30 26 L600 0", "points rounded and kept inside the box");
    s.handle(Event::Focus(String::new()));
    s.handle(Event::Continue);
    assert_eq!(s.screen, Screen::Review);
    assert!(!s.can_submit(), "no consent yet");
    assert!(s.handle(Event::Submit).is_empty());
    s.handle(Event::SetConsent(true));
    let effects = s.handle(Event::Submit);
    let Effect::Persist { answers, .. } = &effects[0] else { panic!("{effects:?}") };
    assert_eq!(answers["adresa"], "Str. Ștefan cel Mare 1");
    assert_eq!(answers["email"], "maria@exemplu.ro");
    assert!(!answers.contains_key("telefon"), "empty fields are not sent");
    let receipt = Receipt { key: "k".into(), tracking_code: "K7Q-4M2-X9".into(), created_ms: 1 };
    let effects = s.handle(Event::Submitted(Ok(receipt)));
    assert!(matches!(effects[0], Effect::PrintReceipt { .. }));
    assert_eq!(s.screen, Screen::Receipt);
    assert!(s.values.is_empty() && s.form.is_none(), "personal data wiped once durable");
}

#[test]
fn continue_with_an_empty_required_field_jumps_to_it_and_shows_why() {
    let mut s = session();
    s.handle(Event::PickService("petitie".into()));
    s.handle(Event::Continue);
    assert_eq!(s.screen, Screen::Form);
    assert!(s.show_all_errors);
    assert_eq!(s.focused.as_deref(), Some("nume"));
}

#[test]
fn a_failed_save_keeps_everything_typed() {
    let mut s = session();
    s.handle(Event::PickService("petitie".into()));
    s.handle(Event::ScanRequested);
    s.handle(Event::ScanFinished(Ok(card())));
    s.handle(Event::ConfirmIdentity(true));
    s.handle(Event::SetValue("adresa".into(), "Str. Lungă 2".into()));
    s.handle(Event::SetValue("continut".into(), "Text suficient de lung.".into()));
    s.handle(Event::SetValue("localitate".into(), "Iași".into()));
    s.handle(Event::Choose("judet".into(), "IS".into()));
    s.handle(Event::Choose("tip".into(), "cerere".into()));
    s.handle(Event::Choose("raspuns".into(), "posta".into()));
    s.handle(Event::Sign { field: "semnatura".into(), x: 1.0, y: 1.0, new_stroke: true });
    s.handle(Event::Continue);
    assert_eq!(s.screen, Screen::Review);
    s.handle(Event::SetConsent(true));
    s.handle(Event::Submit);
    s.handle(Event::Submitted(Err(SubmitFailure::DiskFull)));
    assert_eq!(s.screen, Screen::Review);
    assert_eq!(s.values["adresa"], "Str. Lungă 2");
    assert_eq!(s.submit, SubmitState::Failed(SubmitFailure::DiskFull));
    // The next citizen is told at the door.
    s.handle(Event::Finish);
    s.handle(Event::Start);
    assert_eq!(s.screen, Screen::Home);
    s.handle(Event::Capacity(true));
    s.handle(Event::Start);
    assert_eq!(s.screen, Screen::Catalogue);
}

#[test]
fn a_scanned_receipt_qr_opens_its_status_and_other_codes_are_refused() {
    let mut s = session();
    let code = crate::queue::tracking::generate(&mut rand::rng());
    let effects = s.handle(Event::QrScanned(format!("https://primaria.ro/s/{code}")));
    assert_eq!(effects, vec![Effect::QueryStatus(code.clone())]);
    assert_eq!(s.screen, Screen::Status);
    s.handle(Event::QrScanned("https://example.com/promo".into()));
    assert_eq!(s.status, StatusState::ForeignCode);
    // Not while a citizen fills a form.
    s.handle(Event::PickService("petitie".into()));
    assert!(s.handle(Event::QrScanned(code)).is_empty());
    assert_eq!(s.screen, Screen::Form);
}

#[test]
fn idle_timeout_and_finish_wipe_the_session() {
    for ev in [Event::IdleTimeout, Event::Finish] {
        let mut s = session();
        s.handle(Event::SetLanguage(Lang::Hu));
        s.handle(Event::PickService("petitie".into()));
        s.handle(Event::SetValue("nume".into(), "Popescu".into()));
        s.handle(ev);
        assert_eq!(s.screen, Screen::Home);
        assert!(s.values.is_empty() && s.form.is_none());
        assert_eq!(s.lang, Lang::Ro);
    }
}

#[test]
fn a_failed_scan_keeps_the_form_and_says_so() {
    let mut s = session();
    s.handle(Event::PickService("petitie".into()));
    s.handle(Event::SetValue("adresa".into(), "Str. Lungă 2".into()));
    s.handle(Event::ScanRequested);
    s.handle(Event::ScanFinished(Err(ScanFailure::Unreadable)));
    assert_eq!(s.scan, ScanState::Failed(ScanFailure::Unreadable));
    assert_eq!(s.values["adresa"], "Str. Lungă 2");
}

#[test]
fn refusing_the_read_data_fills_nothing() {
    let mut s = session();
    s.handle(Event::PickService("petitie".into()));
    s.handle(Event::ScanRequested);
    s.handle(Event::ScanFinished(Ok(card())));
    s.handle(Event::ConfirmIdentity(false));
    assert!(s.values.is_empty());
    assert_eq!(s.scan, ScanState::Idle);
}

#[test]
fn a_card_without_a_valid_cnp_fills_the_name_and_says_so() {
    let mut s = session();
    s.handle(Event::PickService("petitie".into()));
    s.handle(Event::ScanRequested);
    s.handle(Event::ScanFinished(Ok(Identity { cnp: None, ..card() })));
    s.handle(Event::ConfirmIdentity(true));
    assert_eq!(s.scan, ScanState::Filled { cnp_missing: true });
    assert_eq!(s.values["nume"], "Popescu");
    assert!(!s.values.contains_key("cnp"));
    assert_eq!(s.focused.as_deref(), Some("cnp"));
}

#[test]
fn status_checks_a_typed_code_and_refuses_a_mistyped_one() {
    let mut s = session();
    s.handle(Event::OpenStatus);
    type_text(&mut s, "k7q4m2x9");
    s.handle(Event::CheckStatus);
    assert!(matches!(s.status, StatusState::BadCode(_) | StatusState::Checking(_)));
    let code = crate::queue::tracking::generate(&mut rand::rng());
    s.handle(Event::SetValue(STATUS_INPUT.into(), code.to_lowercase()));
    assert_eq!(s.handle(Event::CheckStatus), vec![Effect::QueryStatus(code.clone())]);
    s.handle(Event::StatusAnswered(code.clone(), StatusAnswer::Pending { registry_unreachable: true }));
    assert!(matches!(s.status, StatusState::Answer { .. }));
}

#[test]
fn a_hidden_field_is_neither_required_nor_sent() {
    let mut s = session();
    s.handle(Event::PickService("informatii-544".into()));
    s.handle(Event::Choose("raspuns".into(), "email".into()));
    s.handle(Event::Focus("email".into()));
    type_text(&mut s, "ana@exemplu.ro");
    // The citizen changes their mind: by post. The e-mail disappears from what is sent.
    s.handle(Event::Choose("raspuns".into(), "posta".into()));
    let form = s.form.clone().unwrap();
    let sent = form.answers_to_send(&s.values);
    assert!(!sent.contains_key("email"));
    let errors = crate::forms::validate_all(&form, &s.values, s.today);
    assert!(errors.contains_key("adresa") && !errors.contains_key("email"), "{errors:?}");
}

#[test]
fn multiple_choice_toggles_in_option_order_and_dates_type_their_dots() {
    let mut s = session();
    s.handle(Event::PickService("reclamatie-administrativa".into()));
    s.handle(Event::Focus("data_cerere".into()));
    type_text(&mut s, "01");
    assert_eq!(s.values["data_cerere"], "01.", "the dot comes by itself");
    type_text(&mut s, ".");
    assert_eq!(s.values["data_cerere"], "01.", "a typed dot where one already is is ignored");
    type_text(&mut s, "032025");
    assert_eq!(s.values["data_cerere"], "01.03.2025");
    type_text(&mut s, "9");
    assert_eq!(s.values["data_cerere"], "01.03.2025", "no more than ZZ.LL.AAAA");
    // Only known options are taken.
    s.handle(Event::Choose("motiv".into(), "inventat".into()));
    assert!(!s.values.contains_key("motiv"));
    s.handle(Event::Choose("motiv".into(), "refuz".into()));
    assert_eq!(s.values["motiv"], "refuz");
}

#[test]
fn the_idle_warning_counts_down_and_a_touch_keeps_the_session() {
    let mut s = session();
    s.handle(Event::IdleWarning(20));
    assert_eq!(s.idle_warning, None, "nothing to wipe on the home screen");
    s.handle(Event::PickService("petitie".into()));
    type_text(&mut s, "Pop");
    s.handle(Event::IdleWarning(20));
    s.handle(Event::IdleWarning(19));
    assert_eq!(s.idle_warning, Some(19));
    s.handle(Event::StillHere);
    assert_eq!(s.idle_warning, None);
    assert_eq!(s.values["nume"], "Pop");
    s.handle(Event::IdleWarning(1));
    s.handle(Event::IdleTimeout);
    assert!(s.values.is_empty() && s.idle_warning.is_none() && s.screen == Screen::Home);
}

#[test]
fn catalogue_search_ignores_diacritics_and_filters_by_category() {
    let texts = crate::i18n::Texts::builtin();
    let mut s = session();
    s.handle(Event::Start);
    let titles = |s: &Session| view::view(s, &texts, "").services.iter().map(|x| x.id.clone()).collect::<Vec<_>>();
    assert_eq!(titles(&s).len(), 6);
    s.handle(Event::Focus(SEARCH_INPUT.into()));
    type_text(&mut s, "petitie");
    assert_eq!(titles(&s), ["petitie", "reclamatie-administrativa"], "the title, and the category «Petiții»");
    s.handle(Event::SetValue(SEARCH_INPUT.into(), "Interes public".into()));
    assert_eq!(titles(&s), ["informatii-544"]);
    s.handle(Event::SetValue(SEARCH_INPUT.into(), "iluminat".into()));
    assert_eq!(titles(&s), ["sesizare"]);
    s.handle(Event::SetValue(SEARCH_INPUT.into(), "zzz".into()));
    assert!(titles(&s).is_empty());
    assert!(!view::view(&s, &texts, "").catalogue_empty.is_empty());
    s.handle(Event::SetValue(SEARCH_INPUT.into(), String::new()));
    s.handle(Event::PickCategory(Some("petitii".into())));
    assert_eq!(titles(&s), ["petitie", "reclamatie-administrativa"]);
    s.handle(Event::PickCategory(Some("no-such".into())));
    assert_eq!(titles(&s).len(), 6, "an unknown category shows everything");
}
