//! Accessibility, checked on the compiled UI as drawn (Slint's software
//! renderer, no display). Every citizen screen is visited through the real
//! UI and measured in every look (both palettes, normal and ×1.5 text, ro, en
//! and hu): each `Text` drawn against the pixels behind it (WCAG contrast:
//! 4.5:1, large text 3:1; 7:1 and 4.5:1 in high contrast), against its own box
//! (no word broken inside, nothing cut off, nothing outside the window, all
//! text grown at ×1.5), and every control for its size (48 px) and label
//! (`a11y/drawn.rs`, `a11y/screens.rs`); screenshots at ×1.5 per language go to
//! `target/tmp/screens/a11y-*` for a person to look at. Then spoken guidance
//! through the real UI, and espeak-ng rendering a sentence to a WAV that is
//! not silent.

mod common;
#[path = "a11y/drawn.rs"]
#[allow(dead_code)] // the focus walk (a11y_focus.rs) uses the rest
mod drawn;
#[path = "a11y/screens.rs"]
mod screens;

use ghiseu::config::Config;
use ghiseu::devices::speech::Recorder;
use ghiseu::devices::Devices;
use ghiseu::i18n::{Lang, Texts};
use ghiseu::ui::{AppAdapter, DocumentsAdapter, FormAdapter, SignatureAdapter};
use ghiseu::walkthrough::Citizen;
use screens::{measure, Findings};
use slint::{ComponentHandle, Model};
use std::sync::Arc;
use std::time::Duration;

#[test]
fn every_screen_as_drawn_is_legible_in_every_look_and_spoken() {
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    // A simulated document camera (drawn sample pages): the documents screen is measured too.
    let path = common::write_config(dir.path(), "http://127.0.0.1:9");
    let text =
        std::fs::read_to_string(&path).unwrap() + "\n[devices.document]\ndriver = \"simulated\"\ndelay_ms = 20\n";
    std::fs::write(&path, text).unwrap();
    let cfg = Config::load(&path).unwrap();
    ghiseu::kiosk::use_headless_platform(true).unwrap();
    let recorder = Arc::new(Recorder::default());
    let devices = Devices { speaker: recorder.clone(), ..Devices::from_config(&cfg.devices) };
    let kiosk = ghiseu::kiosk::build(&cfg, rt.handle().clone(), devices).unwrap();
    kiosk.ui.window.show().unwrap();

    let weak = kiosk.ui.window.as_weak();
    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("screens");
    std::fs::create_dir_all(&shots).unwrap();
    let said = recorder.clone();
    let result = ghiseu::walkthrough::beside_event_loop(move || -> anyhow::Result<Findings> {
        let mut c = Citizen::new(weak, Texts::builtin(), Some(shots));
        let mut found = Findings::default();
        let none = |_: &ghiseu::ui::AppWindow| {};
        let focus = |c: &Citizen, id: &'static str| c.on_ui(move |w| w.global::<FormAdapter>().invoke_focus(id.into()));
        measure(&mut c, "home", &mut found, none)?;
        c.tap("Depune o cerere")?;
        measure(&mut c, "catalogue", &mut found, none)?;
        c.open_service("Sesizare")?;
        focus(&c, "")?;
        measure(&mut c, "form-sesizare", &mut found, none)?;
        c.tap("Înapoi")?;
        c.open_service("Petiție")?;
        focus(&c, "nume")?;
        measure(&mut c, "form-keyboard", &mut found, none)?;
        c.tap("Shift")?;
        measure(&mut c, "form-shift", &mut found, none)?;
        c.tap("Shift")?;
        focus(&c, "judet")?;
        measure(&mut c, "form-county", &mut found, none)?;
        focus(&c, "")?;
        measure(&mut c, "form", &mut found, none)?;
        c.tap("Scanează actul de identitate")?;
        c.wait_for("the card read", Duration::from_secs(10), |w| {
            w.global::<FormAdapter>().get_scan_state() == "confirm"
        })?;
        measure(&mut c, "identity", &mut found, none)?;
        c.tap("Da, completează")?;
        focus(&c, "semnatura")?;
        c.wait_for("the signature pad", Duration::from_secs(5), |w| {
            !w.global::<SignatureAdapter>().get_field().is_empty()
        })?;
        measure(&mut c, "signature", &mut found, none)?;
        c.tap("Gata")?;
        c.fill_required()?;
        focus(&c, "")?;
        c.tap("Continuă")?;
        c.wait_for("the review", Duration::from_secs(5), |w| w.global::<AppAdapter>().get_screen() == "review")?;
        measure(&mut c, "review", &mut found, none)?;
        // The supporting documents: the empty screen, a page taken, a page kept.
        c.tap("Documente")?;
        c.wait_for("the documents screen", Duration::from_secs(5), |w| {
            w.global::<AppAdapter>().get_screen() == "documents"
        })?;
        measure(&mut c, "documents", &mut found, none)?;
        c.tap("Fotografiază pagina")?;
        c.wait_for("the page's preview", Duration::from_secs(30), |w| {
            w.global::<DocumentsAdapter>().get_has_pending()
        })?;
        measure(&mut c, "documents-preview", &mut found, none)?;
        c.tap("Păstrează")?;
        c.wait_for("the page kept", Duration::from_secs(5), |w| {
            w.global::<DocumentsAdapter>().get_pages().row_count() == 1
        })?;
        measure(&mut c, "documents-page", &mut found, none)?;
        c.tap("Gata")?;
        c.wait_for("the review again", Duration::from_secs(5), |w| w.global::<AppAdapter>().get_screen() == "review")?;
        c.tap("Sunt de acord cu prelucrarea datelor mele personale")?;
        measure(&mut c, "review-consent", &mut found, none)?;
        c.tap("Trimite solicitarea")?;
        c.wait_for("the receipt", Duration::from_secs(10), |w| w.global::<AppAdapter>().get_screen() == "receipt")?;
        measure(&mut c, "receipt", &mut found, none)?;
        measure(&mut c, "idle-warning", &mut found, screens::idle_overlay)?;
        c.tap("Verifică stadiul")?;
        measure(&mut c, "status", &mut found, none)?;
        c.tap("Terminat")?;

        // Spoken guidance through the real UI: the toggle, a screen, a field, a key.
        c.tap("Asistență vocală")?;
        c.tap("Depune o cerere")?;
        c.open_service("Petiție")?;
        c.type_text("A")?;
        c.tap("Terminat")?;
        Ok(found)
    });
    let found = result.expect("citizen thread").expect("accessibility walk");
    kiosk.shutdown();
    println!("{} texts measured in {} looks", found.texts, found.looks);
    assert!(
        found.problems.is_empty(),
        "{} problems:\n{}",
        found.problems.len(),
        found.problems.iter().cloned().collect::<Vec<_>>().join("\n")
    );
    let said: Vec<String> = said.said.lock().unwrap().iter().map(|(s, _)| s.clone()).collect();
    for expected in ["Asistență vocală pornită", "Alegeți serviciul", "Nume, obligatoriu", "A"] {
        assert!(said.iter().any(|s| s.starts_with(expected)), "`{expected}` was not said; said: {said:?}");
    }
}

#[test]
fn espeak_renders_guidance_that_is_not_silent() {
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("guidance.wav");
    ghiseu::devices::speech::render_wav(
        std::path::Path::new("espeak-ng"),
        "Petiție. Nume, obligatoriu. Cifra de control ar trebui să fie 6.",
        Lang::Ro,
        &wav,
    )
    .expect("espeak-ng (scripts/setup --test installs it)");
    let (seconds, rms) = common::wav_stats(&wav);
    assert!(seconds > 1.0, "{seconds:.2} s of speech");
    assert!(rms > 500.0, "RMS {rms:.0}: silent");
}
