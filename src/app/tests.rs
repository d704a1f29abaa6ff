//! The session's flows, as a citizen goes through them.

use super::*;
use crate::print::status::PrinterStatus;
use crate::queue::Receipt;

fn session() -> Session {
    Session::new(Arc::new(Catalogue::builtin()), vec![Lang::Ro, Lang::En, Lang::Hu])
}

fn type_text(s: &mut Session, text: &str) {
    for c in text.chars() {
        s.handle(Event::Key(Key::Text(c.to_string())));
    }
}

fn card() -> Identity {
    let m = crate::identity::parse_mrz(&crate::identity::SPECIMEN_TD2.join("\n")).unwrap();
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
    let code = crate::wire::tracking::generate(&mut rand::rng());
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
    // A real code with one character mistyped: the check character catches
    // every single substitution, so the one right outcome is a refusal that
    // says so, and no query to the registry.
    let code = crate::wire::tracking::generate(&mut rand::rng());
    let wrong = if code.as_bytes()[4] == b'K' { 'M' } else { 'K' };
    let mistyped = format!("{}{wrong}{}", &code[..4], &code[5..]);
    type_text(&mut s, &mistyped.to_lowercase());
    assert_eq!(s.handle(Event::CheckStatus), vec![]);
    assert_eq!(s.status, StatusState::BadCode(crate::wire::tracking::TrackingError::Check.to_string()));
    // The same for the code of the old version of this test, whose check character is `E`, not `9`.
    s.handle(Event::SetValue(STATUS_INPUT.into(), "k7q4m2x9".into()));
    assert_eq!(s.handle(Event::CheckStatus), vec![]);
    assert_eq!(s.status, StatusState::BadCode(crate::wire::tracking::TrackingError::Check.to_string()));
    s.handle(Event::SetValue(STATUS_INPUT.into(), code.to_lowercase()));
    assert_eq!(s.handle(Event::CheckStatus), vec![Effect::QueryStatus(code.clone())]);
    s.handle(Event::StatusAnswered(code.clone(), StatusAnswer::Pending { registry_unreachable: true }));
    assert!(matches!(s.status, StatusState::Answer { .. }));
}

fn desk(recent: &[&str]) -> DeskInfo {
    DeskInfo {
        printer: PrinterStatus::ok(),
        label_printer: None,
        pending: 1,
        rejected: 0,
        oldest_pending_ms: None,
        recent: recent
            .iter()
            .map(|c| RecentReceipt { tracking_code: (*c).into(), form_id: "petitie".into(), created_ms: 5 })
            .collect(),
    }
}

fn logged_in() -> Session {
    let mut s = session();
    s.handle(Event::StaffEntry);
    type_text(&mut s, "4821");
    let effects = s.handle(Event::SubmitPin { now_ms: 0 });
    assert_eq!(effects, vec![Effect::VerifyPin { badge: None, pin: "4821".into(), now_ms: 0 }]);
    assert_eq!(s.handle(Event::PinChecked { member: Some("Ana".into()), now_ms: 0 }), vec![Effect::DeskStatus]);
    s.handle(Event::StaffInfo(desk(&["K7Q-4M2-X9"])));
    s
}

#[test]
fn the_hidden_entry_asks_for_a_pin_and_a_right_one_opens_the_desk() {
    let mut s = session();
    s.handle(Event::Start);
    s.handle(Event::StaffEntry);
    assert_eq!(s.screen, Screen::Catalogue, "only from the home screen");
    s.handle(Event::Finish);
    let s = {
        let mut s = session();
        s.handle(Event::StaffEntry);
        assert_eq!(s.screen, Screen::StaffLogin);
        assert_eq!(s.focused.as_deref(), Some(PIN_INPUT));
        type_text(&mut s, "12a3");
        assert_eq!(s.staff.pin, "123", "the PIN pad takes digits only");
        s
    };
    drop(s);
    let s = logged_in();
    assert!(s.staff_mode());
    assert_eq!(s.staff.member.as_deref(), Some("Ana"));
    assert!(s.staff.pin.is_empty(), "the PIN does not stay in the session");
}

#[test]
fn five_wrong_pins_lock_the_desk_even_across_idle_wipes() {
    let mut s = session();
    s.handle(Event::StaffEntry);
    for i in 0..5 {
        type_text(&mut s, "0000");
        assert!(matches!(s.handle(Event::SubmitPin { now_ms: 1000 }).as_slice(), [Effect::VerifyPin { .. }]));
        s.handle(Event::PinChecked { member: None, now_ms: 1000 });
        if i < 4 {
            assert_eq!(s.staff.message, StaffMsg::Wrong { left: 4 - i });
        }
    }
    let until = 1000 + staff::LOCKOUT_MS;
    assert_eq!(s.staff.message, StaffMsg::Locked { until_ms: until });
    // Leaving and coming back does not reset the lock.
    s.handle(Event::IdleTimeout);
    s.handle(Event::StaffEntry);
    type_text(&mut s, "4821");
    assert!(s.handle(Event::SubmitPin { now_ms: until - 1 }).is_empty(), "not even checked while locked");
    assert_eq!(s.staff.message, StaffMsg::Locked { until_ms: until });
    type_text(&mut s, "4821");
    assert_eq!(s.handle(Event::SubmitPin { now_ms: until }).len(), 1, "checked again once the lock ran out");
    s.handle(Event::PinChecked { member: Some("Ana".into()), now_ms: until });
    assert_eq!(s.screen, Screen::Staff);
}

#[test]
fn a_staff_badge_opens_the_login_and_anything_else_is_not_from_this_kiosk() {
    let mut s = session();
    s.handle(Event::QrScanned("ghiseu-staff:ana-01".into()));
    assert_eq!((s.screen, s.staff.badge.as_deref()), (Screen::StaffLogin, Some("ana-01")));
    type_text(&mut s, "4821");
    let effects = s.handle(Event::SubmitPin { now_ms: 0 });
    assert_eq!(effects, vec![Effect::VerifyPin { badge: Some("ana-01".into()), pin: "4821".into(), now_ms: 0 }]);
    let mut s = session();
    s.handle(Event::QrScanned("WIFI:S:primarie;T:WPA;P:secret;;".into()));
    assert_eq!((s.screen, &s.status), (Screen::Status, &StatusState::ForeignCode));
    let texts = crate::i18n::Texts::builtin();
    assert!(view::view(&s, &texts, "").status_message.contains("nu este de pe o chitanță a acestui panou"));
}

#[test]
fn staff_print_labels_with_a_valid_number_and_date_and_reprint_recent_receipts() {
    let mut s = logged_in();
    assert!(s.handle(Event::PrintLabel).is_empty());
    assert_eq!(s.staff.message, StaffMsg::BadLabel);
    s.handle(Event::Focus(LABEL_NUMBER.into()));
    type_text(&mut s, "12345");
    s.handle(Event::Focus(LABEL_DATE.into()));
    type_text(&mut s, "31.13.2026");
    assert!(s.handle(Event::PrintLabel).is_empty(), "month 13");
    s.handle(Event::SetValue(LABEL_DATE.into(), "23.11.2026".into()));
    assert_eq!(
        s.handle(Event::PrintLabel),
        vec![Effect::PrintLabel { number: "12345".into(), date: "23.11.2026".into() }]
    );
    assert!(s.handle(Event::PrintLabel).is_empty(), "one job at a time");
    s.handle(Event::StaffPrinted(Err(Problem::PaperOut)));
    assert_eq!(s.staff.message, StaffMsg::Failed(Problem::PaperOut));
    // Reprints come only from the list the queue gave: code, service, time.
    assert!(s.handle(Event::Reprint("AAA-BBB-CC".into())).is_empty());
    let effects = s.handle(Event::Reprint("K7Q-4M2-X9".into()));
    assert_eq!(
        effects,
        vec![Effect::Reprint {
            receipt: RecentReceipt { tracking_code: "K7Q-4M2-X9".into(), form_id: "petitie".into(), created_ms: 5 },
            lang: Lang::Ro
        }]
    );
    s.handle(Event::StaffExit);
    assert_eq!(s.screen, Screen::Home);
    assert!(s.staff.member.is_none() && s.staff.desk.is_none(), "nothing of the desk stays");
}

#[test]
fn a_receipt_that_cannot_print_says_why_and_keeps_the_code_and_qr_on_screen() {
    let mut s = session();
    s.receipt = Some(ReceiptView {
        tracking_code: "K7Q-4M2-X9".into(),
        form_id: "petitie".into(),
        created_ms: 0,
        print: PrintState::Printing,
    });
    s.screen = Screen::Receipt;
    s.handle(Event::Printed(Err(Problem::PaperOut)));
    let v = view::view(&s, &crate::i18n::Texts::builtin(), "https://x.ro/s/");
    assert!(v.receipt_print_failed);
    assert!(v.receipt_print.contains("s-a terminat hârtia"), "{}", v.receipt_print);
    assert_eq!(v.receipt_code, "K7Q-4M2-X9");
    assert_eq!(v.receipt_url, "https://x.ro/s/K7Q-4M2-X9");
}

#[test]
fn staff_mode_leaves_itself_on_idle_and_the_desk_is_forgotten() {
    let mut s = logged_in();
    s.staff.label_number = "12345".into();
    s.handle(Event::IdleTimeout);
    assert_eq!(s.screen, Screen::Home);
    assert!(!s.staff_mode());
    assert_eq!(s.staff.member, None);
    assert!(s.staff.desk.is_none() && s.staff.label_number.is_empty());
    // Desk actions do nothing once out of staff mode.
    assert!(s.handle(Event::StaffRefresh).is_empty());
    assert!(s.handle(Event::Reprint("K7Q-4M2-X9".into())).is_empty());
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

#[test]
fn the_technician_self_test_runs_behind_the_pin_and_shows_each_check() {
    let texts = crate::i18n::Texts::builtin();
    let mut citizen = session();
    assert!(citizen.handle(Event::RunSelfTest).is_empty(), "not without the staff PIN");
    let mut s = logged_in();
    assert_eq!(s.handle(Event::RunSelfTest), vec![Effect::SelfTest]);
    assert!(s.handle(Event::RunSelfTest).is_empty(), "one run at a time");
    assert_eq!(view::view(&s, &texts, "").staff.selftest_summary, "Se rulează autotestul…");
    s.handle(Event::SelfTestDone(vec![
        SelfTestLine { name: "disk".into(), ok: true, detail: "812 MB free".into(), simulated: false },
        SelfTestLine { name: "printer".into(), ok: false, detail: "out of paper".into(), simulated: false },
    ]));
    let v = view::view(&s, &texts, "").staff;
    assert_eq!(v.selftest_summary, "1 din 2 verificări au eșuat.");
    assert_eq!(v.selftest, [(true, "disk: 812 MB free".to_owned()), (false, "printer: out of paper".to_owned())]);
    s.handle(Event::StaffExit);
    assert_eq!(s.staff.selftest, SelfTestState::NotRun, "leaving the desk forgets the results");
}

#[test]
fn the_desk_shows_a_simulated_device_as_not_real_never_as_a_pass() {
    let texts = crate::i18n::Texts::builtin();
    let mut s = logged_in();
    s.handle(Event::RunSelfTest);
    let detail = "SIMULATED — not a real device (driver = \"simulated\" in [devices.qr_reader]); listening";
    s.handle(Event::SelfTestDone(vec![
        SelfTestLine { name: "disk".into(), ok: true, detail: "812 MB free".into(), simulated: false },
        SelfTestLine { name: "qr_reader".into(), ok: true, detail: detail.into(), simulated: true },
    ]));
    let v = view::view(&s, &texts, "").staff;
    assert!(v.selftest_summary.contains("1 dispozitive SIMULATE — nu sunt reale"), "{}", v.selftest_summary);
    assert_eq!(v.selftest[1], (false, format!("qr_reader: {detail}")));
}

#[test]
fn the_private_screen_blanks_with_headphones_and_shows_again_when_they_come_out_or_the_session_ends() {
    let texts = crate::i18n::Texts::builtin();
    let said = |s: &mut Session, e: Event| {
        let before = view::view(s, &texts, "");
        s.handle(e.clone());
        speech::utterances(&before, &view::view(s, &texts, ""), &e, &texts)
    };
    // Off by default: headphones start audio mode, the screen stays.
    let mut s = session();
    said(&mut s, Event::Headphones(true));
    assert!(s.keypad.audio && !view::view(&s, &texts, "").private);

    let mut s = session().with_privacy_screen(true);
    let on = said(&mut s, Event::Headphones(true));
    assert!(view::view(&s, &texts, "").private, "headphones in: the screen blanks");
    assert!(on.iter().any(|x| x.starts_with("Ecran privat")), "and says so: {on:?}");
    s.handle(Event::Start);
    assert!(s.private, "it stays blank through the flow");
    said(&mut s, Event::Headphones(false));
    assert!(!s.private && !s.keypad.audio, "headphones out: audio mode ends, the screen shows");

    said(&mut s, Event::Headphones(true));
    s.handle(Event::Start);
    s.handle(Event::Finish);
    assert!(!s.private, "the session ends: the screen shows for whoever comes next");
    assert!(s.privacy_screen && s.keypad.audio, "the panel still offers it; the headphones still in keep audio mode");

    // Audio mode by holding a key, with no headphones: nothing to hide from, the screen stays.
    let mut s = session().with_privacy_screen(true);
    s.handle(Event::Keypad { key: KeypadKey::AudioHold, now_ms: 0 });
    assert!(s.keypad.audio && !s.private);
}
