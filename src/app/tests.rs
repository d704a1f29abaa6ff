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
    assert_eq!(s.focused.as_deref(), Some("adresa"), "focus moves to the first empty field");
    type_text(&mut s, "Str. Ștefan cel Mare 1, Iași");
    s.handle(Event::NextField);
    assert_eq!(s.focused.as_deref(), Some("email"));
    s.handle(Event::NextField);
    assert_eq!(s.focused.as_deref(), Some("continut"));
    type_text(&mut s, "Vă rog să reparați iluminatul public pe strada noastră.");
    s.handle(Event::Continue);
    assert_eq!(s.screen, Screen::Review);
    assert!(!s.can_submit(), "no consent yet");
    assert!(s.handle(Event::Submit).is_empty());
    s.handle(Event::SetConsent(true));
    let effects = s.handle(Event::Submit);
    let Effect::Persist { answers, .. } = &effects[0] else { panic!("{effects:?}") };
    assert_eq!(answers["adresa"], "Str. Ștefan cel Mare 1, Iași");
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
    s.handle(Event::Continue);
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
