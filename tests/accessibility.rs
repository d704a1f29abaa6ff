//! Accessibility, checked on the compiled UI (Slint's software renderer, no
//! display): the colours of both themes against WCAG contrast ratios, touch
//! targets and accessible labels over the element tree of every screen,
//! screenshots of every screen at normal and ×1.5 text (for a person to look
//! at, in `target/tmp/screens/a11y-*`), spoken guidance through the real UI,
//! and espeak-ng rendering a sentence to a WAV that is not silent.

mod common;

use ghiseu::config::Config;
use ghiseu::devices::speech::Recorder;
use ghiseu::devices::Devices;
use ghiseu::i18n::Lang;
use ghiseu::ui::{FormAdapter, Theme};
use ghiseu::walkthrough::Citizen;
use i_slint_backend_testing::ElementQuery;
use slint::ComponentHandle;
use std::sync::Arc;

/// WCAG 2.2 relative luminance and contrast ratio.
fn contrast(a: slint::Color, b: slint::Color) -> f64 {
    let lum = |c: slint::Color| {
        let ch = |v: u8| {
            let v = f64::from(v) / 255.0;
            if v <= 0.04045 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * ch(c.red()) + 0.7152 * ch(c.green()) + 0.0722 * ch(c.blue())
    };
    let (la, lb) = (lum(a), lum(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

#[test]
fn themes_targets_large_text_and_speech() {
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let cfg = Config::load(&common::write_config(dir.path(), "http://127.0.0.1:9")).unwrap();
    ghiseu::kiosk::use_headless_platform(true).unwrap();
    let recorder = Arc::new(Recorder::default());
    let devices = Devices { speaker: recorder.clone(), ..Devices::from_config(&cfg.devices) };
    let kiosk = ghiseu::kiosk::build(&cfg, rt.handle().clone(), devices).unwrap();
    kiosk.ui.window.show().unwrap();

    // Every text colour pair of both palettes: 4.5:1 (AA) normally, 7:1 in high contrast.
    for (high, min) in [(false, 4.5), (true, 7.0)] {
        let t = kiosk.ui.window.global::<Theme>();
        t.set_high_contrast(high);
        let pairs = [
            ("text / background", t.get_text(), t.get_background()),
            ("text / surface", t.get_text(), t.get_surface()),
            ("muted / background", t.get_muted(), t.get_background()),
            ("muted / surface", t.get_muted(), t.get_surface()),
            ("button text / surface", t.get_primary(), t.get_surface()),
            ("button text / pressed", t.get_primary(), t.get_pressed()),
            ("on-primary / primary", t.get_on_primary(), t.get_primary()),
            ("on-primary / pressed primary", t.get_on_primary(), t.get_primary_pressed()),
            ("error / error-bg", t.get_error(), t.get_error_bg()),
            ("error / surface", t.get_error(), t.get_surface()),
            ("text / error-bg", t.get_text(), t.get_error_bg()),
            ("ok / ok-bg", t.get_ok(), t.get_ok_bg()),
            ("text / ok-bg", t.get_text(), t.get_ok_bg()),
            ("text / wait-bg", t.get_text(), t.get_wait_bg()),
            ("text / info-bg", t.get_text(), t.get_info_bg()),
            ("disabled text / disabled", t.get_on_disabled(), t.get_disabled()),
        ];
        for (name, fg, bg) in pairs {
            let c = contrast(fg, bg);
            assert!(
                c >= min,
                "{} theme: {name} is {c:.2}:1, below {min}:1",
                if high { "high-contrast" } else { "standard" }
            );
        }
        t.set_high_contrast(false);
    }

    let weak = kiosk.ui.window.as_weak();
    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("screens");
    std::fs::create_dir_all(&shots).unwrap();
    let said = recorder.clone();
    let result = ghiseu::walkthrough::beside_event_loop(move || -> anyhow::Result<Vec<String>> {
        let mut c = Citizen::new(weak, ghiseu::i18n::Texts::builtin(), Some(shots));
        let mut problems = vec![];
        // Every interactive element on a screen: at least 48×48 px and a label.
        let check = |c: &Citizen, screen: &str, problems: &mut Vec<String>| -> anyhow::Result<()> {
            let found = c.on_ui(|w| {
                ElementQuery::from_root(w)
                    .match_descendants()
                    .find_all()
                    .into_iter()
                    .filter(ghiseu::walkthrough::is_control)
                    .map(|e| (e.accessible_label().map(|l| l.to_string()), e.size()))
                    .collect::<Vec<_>>()
            })?;
            let mut seen = 0;
            for (label, size) in found {
                // Collapsed controls (another field type's, a hidden row) take no room and no touch.
                if size.width == 0.0 || size.height == 0.0 {
                    continue;
                }
                seen += 1;
                if size.width < 48.0 || size.height < 48.0 {
                    problems.push(format!("{screen}: `{label:?}` is {}×{} px", size.width, size.height));
                }
                if label.as_deref().is_none_or(str::is_empty) {
                    problems.push(format!(
                        "{screen}: an interactive element of {}×{} px has no label",
                        size.width, size.height
                    ));
                }
            }
            if seen < 3 {
                problems.push(format!("{screen}: only {seen} interactive elements found"));
            }
            Ok(())
        };
        let both_sizes = |c: &mut Citizen, name: &str, problems: &mut Vec<String>| -> anyhow::Result<()> {
            check(c, name, problems)?;
            c.screenshot(&format!("a11y-{name}"))?;
            c.tap("Text mare")?;
            check(c, &format!("{name} (large)"), problems)?;
            c.screenshot(&format!("a11y-{name}-large"))?;
            c.tap("Text mare")?;
            Ok(())
        };
        both_sizes(&mut c, "home", &mut problems)?;
        c.tap("Depune o cerere")?;
        both_sizes(&mut c, "catalogue", &mut problems)?;
        for (id, title) in [("petitie", "Petiție"), ("sesizare", "Sesizare")] {
            c.open_service(title)?;
            both_sizes(&mut c, &format!("form-{id}"), &mut problems)?;
            // With the keyboard closed, the choice buttons and the signature box show.
            c.on_ui(|w| w.global::<FormAdapter>().invoke_focus("".into()))?;
            both_sizes(&mut c, &format!("form-{id}-touch"), &mut problems)?;
            c.tap("Înapoi")?;
        }
        c.tap("Contrast ridicat")?;
        c.screenshot("a11y-catalogue-contrast")?;
        c.tap("Contrast ridicat")?;
        c.tap("Terminat")?;
        c.tap("Verifică stadiul")?;
        both_sizes(&mut c, "status", &mut problems)?;
        c.tap("Terminat")?;

        // Spoken guidance through the real UI: the toggle, a screen, a field, a key.
        c.tap("Asistență vocală")?;
        c.tap("Depune o cerere")?;
        c.open_service("Petiție")?;
        c.type_text("A")?;
        c.tap("Terminat")?;
        Ok(problems)
    });
    let problems = result.expect("citizen thread").expect("accessibility walk");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    kiosk.shutdown();
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
