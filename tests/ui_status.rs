//! The kiosk's «Verifică stadiul» screen shows what the registry's status
//! JSON carries: the history of stages with dates and the staff's messages
//! (a file as a pointer to the receipt's link), through the real UI and its
//! effects, against a registry on a local port that answers with both.
//! Slint's platform is chosen once per process, hence a file of its own.

mod common;

use ghiseu::devices::Devices;
use ghiseu::ui::{AppAdapter, FormAdapter, StatusAdapter};
use ghiseu::walkthrough::Citizen;
use ghiseu::wire::api::{HistoryEntry, MessageEntry, Stage, StatusBody};
use slint::{ComponentHandle, Model};
use std::time::Duration;

#[test]
fn the_status_screen_lists_the_history_and_the_registrys_messages() {
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    let code = ghiseu::wire::tracking::generate(&mut rand::rng());
    let status = StatusBody {
        tracking_code: code.clone(),
        registration_number: "4711".into(),
        registration_date: "23.11.2026".into(),
        stage: Stage::InProgress,
        service: "petitie".into(),
        deadline: Some("23.12.2026".into()),
        history: vec![
            HistoryEntry { stage: Stage::New, at: "2026-11-23T09:12:00+02:00".into() },
            HistoryEntry { stage: Stage::Registered, at: "2026-11-23T10:05:00+02:00".into() },
            HistoryEntry { stage: Stage::InProgress, at: "2026-11-24T08:30:00+02:00".into() },
        ],
        messages: vec![
            MessageEntry {
                text: "Vă rugăm să aduceți copia actului de proprietate la registratură.".into(),
                at: "2026-11-24T08:35:00+02:00".into(),
                file: None,
                file_url: None,
            },
            MessageEntry {
                text: "Vă transmitem răspunsul Direcției Tehnice.".into(),
                at: "2026-11-25T14:00:00+02:00".into(),
                file: Some("raspuns-DT-4711.pdf".into()),
                file_url: Some("/s/CODE/f/0123456789abcdef".into()),
            },
        ],
    };
    let body = serde_json::to_string(&status).unwrap();
    let registry = axum::Router::new().route(
        "/api/v1/status/{code}",
        axum::routing::get(move || {
            let body = body.clone();
            async move { ([("content-type", "application/json")], body) }
        }),
    );
    rt.spawn(async move { axum::serve(listener, registry).await });
    let cfg = ghiseu::config::Config::load(&common::write_config(dir.path(), &format!("http://{addr}"))).unwrap();

    ghiseu::kiosk::use_headless_platform(false).unwrap();
    let qr = std::sync::Arc::new(ghiseu::devices::qr::SimulatedQrReader::default());
    let devices = Devices { qr_reader: qr.clone(), ..Devices::from_config(&cfg.devices) };
    let kiosk = ghiseu::kiosk::build(&cfg, rt.handle().clone(), devices).unwrap();
    kiosk.ui.window.show().unwrap();
    let weak = kiosk.ui.window.as_weak();
    let shots = std::env::var_os("GHISEU_KEEP_SHOTS").map(Into::into).unwrap_or_else(|| dir.path().join("shots"));
    std::fs::create_dir_all(&shots).unwrap();
    let c2 = code.clone();
    let quit = ghiseu::walkthrough::beside_event_loop(move || -> anyhow::Result<_> {
        let mut c = Citizen::new(weak, ghiseu::i18n::Texts::builtin(), Some(shots));
        c.wait_for("home", Duration::from_secs(10), |w| w.global::<AppAdapter>().get_screen() == "home")?;
        qr.inject(&format!("https://ghiseu.primaria-test.ro/s/{c2}"));
        c.wait_for("the registry's answer", Duration::from_secs(10), |w| {
            w.global::<StatusAdapter>().get_kind() == "registered"
        })?;
        let (history, messages) = c.on_ui(|w| {
            let st = w.global::<StatusAdapter>();
            let rows = |m: slint::ModelRc<ghiseu::ui::StatusLine>| {
                m.iter().map(|l| format!("{} | {} | {}", l.when, l.text, l.note)).collect::<Vec<_>>()
            };
            (rows(st.get_history()), rows(st.get_messages()))
        })?;
        let shot = c.screenshot("status-history")?.expect("a screenshot");
        // «Adaugă o completare»: a form of its own, titled with the request it completes.
        c.tap("Adaugă o completare")?;
        c.wait_for("the supplement's form", Duration::from_secs(10), |w| {
            w.global::<AppAdapter>().get_screen() == "form"
        })?;
        let title = c.on_ui(|w| w.global::<FormAdapter>().get_title().to_string())?;
        c.screenshot("supplement-form")?;
        Ok((history, messages, shot, title))
    });
    let (history, messages, shot, title) = quit.expect("citizen thread").expect("walk");
    assert_eq!(title, format!("Completare la cererea {code}"));
    kiosk.shutdown();
    assert_eq!(
        history,
        [
            "23.11.2026 09:12 | nouă, în așteptarea înregistrării | ",
            "23.11.2026 10:05 | înregistrată | ",
            "24.11.2026 08:30 | în lucru | "
        ]
    );
    assert_eq!(messages.len(), 2);
    assert!(messages[0].starts_with("24.11.2026 08:35 | Vă rugăm să aduceți copia"), "{messages:?}");
    assert!(messages[0].ends_with("| "), "no file, no note: {messages:?}");
    assert!(messages[1].contains("„raspuns-DT-4711.pdf”") && messages[1].contains("codul QR"), "{messages:?}");
    let (w, h, colours) = common::png_stats(&shot);
    assert!(w >= 800 && h >= 480 && colours > 10, "{w}×{h}, {colours} colours");
}
