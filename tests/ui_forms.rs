//! Every shipped form, filled through the real `.slint` UI by the scripted
//! citizen and submitted; screenshots of each form in ro, en and hu (with its
//! keyboard), an error state, each review screen and the idle warning; and the
//! idle timeout wiping what was typed. Slint's clock is mocked here, so the
//! idle countdown moves only when the test advances it.
//!
//! The screenshots land in `target/tmp/screens/` for a person to look at.

mod common;

use ghiseu::config::Config;
use ghiseu::devices::Devices;
use ghiseu::forms::Catalogue;
use ghiseu::ui::{AppAdapter, CatalogueAdapter, FormAdapter, IdleAdapter, ReceiptAdapter};
use ghiseu::walkthrough::Citizen;
use slint::{ComponentHandle, Model};
use std::time::Duration;

#[test]
fn every_shipped_form_is_filled_and_sent_and_idle_wipes_the_session() {
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    let intake_dir = dir.path().join("intake");
    // The municipality's forms folder: the shipped forms and one broken file.
    let forms_dir = dir.path().join("forms");
    std::fs::create_dir_all(&forms_dir).unwrap();
    for e in std::fs::read_dir(common::repo().join("forms")).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, forms_dir.join(p.file_name().unwrap())).unwrap();
    }
    std::fs::copy(common::repo().join("tests/forms-broken/b-typos.toml"), forms_dir.join("zz-nou.toml")).unwrap();
    let cfg_path = common::write_config(dir.path(), &format!("http://{addr}"));
    let text = std::fs::read_to_string(&cfg_path)
        .unwrap()
        .replace("idle_timeout_secs = 300\n", "idle_timeout_secs = 300\nforms_dir = \"forms\"\n");
    std::fs::write(&cfg_path, text).unwrap();
    let cfg = Config::load(&cfg_path).unwrap();
    let (idle, warning) = (cfg.kiosk.idle_timeout_secs, cfg.kiosk.idle_warning_secs);
    let d = intake_dir.clone();
    rt.spawn(async move { ghiseu::intake::serve(listener, &d, None, std::future::pending()).await });

    ghiseu::kiosk::use_headless_platform(true).unwrap();
    let kiosk = ghiseu::kiosk::build(&cfg, rt.handle().clone(), Devices::from_config(&cfg.devices)).unwrap();
    kiosk.ui.window.show().unwrap();
    let weak = kiosk.ui.window.as_weak();
    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("screens");
    std::fs::create_dir_all(&shots).unwrap();
    let forms: Vec<_> = Catalogue::builtin().forms.iter().map(|f| (f.id.clone(), f.title.ro.clone())).collect();
    let n_forms = forms.len();
    let result = ghiseu::walkthrough::beside_event_loop(move || -> anyhow::Result<Vec<(String, String)>> {
        let mut c = Citizen::new(weak, ghiseu::i18n::Texts::builtin(), Some(shots));
        let mut sent = vec![];
        // A broken form file disables only its own service, with a notice for the technician.
        c.tap("Depune o cerere")?;
        assert_eq!(c.on_ui(|w| w.global::<CatalogueAdapter>().get_services().row_count())?, 6);
        let notice = c.on_ui(|w| w.global::<CatalogueAdapter>().get_forms_notice().to_string())?;
        assert!(notice.contains("zz-nou.toml"), "{notice}");
        c.screenshot("catalogue-broken-form")?;
        c.tap("Înapoi")?;
        for (i, (id, title)) in forms.iter().enumerate() {
            c.tap("Depune o cerere")?;
            c.open_service(title)?;
            c.wait_for("the form", Duration::from_secs(5), |w| w.global::<AppAdapter>().get_screen() == "form")?;
            for (lang, name) in [("en", "English"), ("hu", "Magyar"), ("ro", "Română")] {
                c.tap(name)?;
                c.screenshot(&format!("form-{id}-{lang}"))?;
            }
            if i == 0 {
                // Continue on an empty form: every problem named, the first field focused.
                c.tap("Continuă")?;
                assert!(c.on_ui(|w| w.global::<FormAdapter>().get_missing().to_string())?.starts_with("Completați: "));
                c.screenshot("form-error")?;
            }
            if i == 0 {
                // The signature pad, open over the form.
                c.on_ui(|w| w.global::<FormAdapter>().invoke_focus("semnatura".into()))?;
                c.screenshot("signature-pad")?;
                c.on_ui(|w| w.global::<FormAdapter>().invoke_focus("".into()))?;
            }
            c.fill_required()?;
            c.screenshot(&format!("form-{id}-filled"))?;
            c.tap("Continuă")?;
            c.wait_for("the review", Duration::from_secs(5), |w| w.global::<AppAdapter>().get_screen() == "review")?;
            c.tap("Sunt de acord cu prelucrarea datelor mele personale")?;
            c.screenshot(&format!("review-{id}"))?;
            c.tap("Trimite solicitarea")?;
            c.wait_for("the receipt", Duration::from_secs(10), |w| w.global::<AppAdapter>().get_screen() == "receipt")?;
            sent.push((id.clone(), c.on_ui(|w| w.global::<ReceiptAdapter>().get_code().to_string())?));
            c.tap("Terminat")?;
        }

        // Idle: the warning counts down; one touch keeps everything.
        c.tap("Depune o cerere")?;
        c.tap("Petiție")?;
        c.focus_field("Nume")?;
        c.type_text("Ionescu")?;
        let nume = |c: &Citizen| {
            c.on_ui(|w| {
                w.global::<FormAdapter>().get_fields().iter().find(|f| f.id == "nume").map(|f| f.value.to_string())
            })
        };
        c.on_ui(move |_| {
            i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(idle) + Duration::from_millis(50))
        })?;
        assert!(c.on_ui(|w| w.global::<IdleAdapter>().get_visible())?, "the warning shows after the idle time");
        assert!(c.on_ui(|w| w.global::<IdleAdapter>().get_message().to_string())?.contains(&warning.to_string()));
        c.screenshot("idle-warning")?;
        c.tap("Da, continui")?;
        assert!(!c.on_ui(|w| w.global::<IdleAdapter>().get_visible())?);
        assert_eq!(nume(&c)?.as_deref(), Some("Ionescu"), "a touch keeps what was typed");

        // No touch through the countdown: everything entered is gone.
        c.on_ui(move |_| {
            i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(idle) + Duration::from_millis(50))
        })?;
        assert!(c.on_ui(|w| w.global::<IdleAdapter>().get_visible())?);
        for _ in 0..warning {
            c.on_ui(|_| i_slint_backend_testing::mock_elapsed_time(Duration::from_millis(1001)))?;
        }
        assert_eq!(c.screen()?, "home", "wiped back to the home screen");
        assert!(!c.on_ui(|w| w.global::<IdleAdapter>().get_visible())?);
        c.tap("Depune o cerere")?;
        c.tap("Petiție")?;
        assert_eq!(nume(&c)?.as_deref(), Some(""), "the typed name is gone from the session");
        c.tap("Terminat")?;

        // The technician fixes the file: the new service appears without a restart.
        let fixed = std::fs::read_to_string(forms_dir.join("audienta.toml"))?
            .replace("id = \"audienta\"", "id = \"audienta-viceprimar\"")
            .replace("ro = \"Cerere de audiență\"", "ro = \"Audiență la viceprimar\"");
        std::fs::write(forms_dir.join("zz-nou.toml"), fixed)?;
        c.tap("Depune o cerere")?;
        for _ in 0..50 {
            c.on_ui(|_| i_slint_backend_testing::mock_elapsed_time(Duration::from_millis(2001)))?;
            if c.on_ui(|w| w.global::<CatalogueAdapter>().get_services().row_count())? == 7 {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        assert_eq!(
            c.on_ui(|w| w.global::<CatalogueAdapter>().get_services().row_count())?,
            7,
            "the fixed form was picked up"
        );
        assert_eq!(c.on_ui(|w| w.global::<CatalogueAdapter>().get_forms_notice().to_string())?, "");
        c.open_service("Audiență la viceprimar")?;
        assert_eq!(c.screen()?, "form");
        c.tap("Terminat")?;
        Ok(sent)
    });
    let sent = result.expect("citizen thread").expect("every form through the UI");
    assert_eq!(sent.len(), n_forms);

    // Each reaches the intake once, with its PDF filed for the registry.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let all = ghiseu::intake::store::Store::open(&intake_dir).unwrap().all().unwrap();
        if all.len() == n_forms || std::time::Instant::now() > deadline {
            let mut got: Vec<_> = all.iter().map(|s| (s.body.form_id.clone(), s.body.tracking_code.clone())).collect();
            let mut want = sent.clone();
            got.sort();
            want.sort();
            assert_eq!(got, want);
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    for (_, code) in &sent {
        assert!(intake_dir.join(format!("documents/{code}.pdf")).exists(), "PDF of {code}");
    }
    kiosk.shutdown();
}
