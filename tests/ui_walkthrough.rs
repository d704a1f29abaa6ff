//! Drives the real `.slint` UI in-process (Slint's software renderer, no
//! display) as a citizen would, against a real intake on a local port.
//! Slint's platform can be chosen once per process, hence one test here.

mod common;

use ghiseu::config::Config;
use ghiseu::devices::Devices;
use ghiseu::ui::Kiosk;
use ghiseu::walkthrough::Citizen;
use slint::{ComponentHandle, Model};
use std::time::Duration;

const TEXT: &str = "Solicit repararea trotuarului din fața blocului A3; sunt gropi adânci.";

#[test]
fn a_citizen_files_a_petition_through_the_real_ui() {
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    let intake_dir = dir.path().join("intake");
    let cfg = Config::load(&common::write_config(dir.path(), &format!("http://{addr}"))).unwrap();
    let d = intake_dir.clone();
    rt.spawn(async move { ghiseu::intake::serve(listener, &d, None, std::future::pending()).await });

    ghiseu::kiosk::use_headless_platform(false).unwrap();
    let qr = std::sync::Arc::new(ghiseu::devices::qr::SimulatedQrReader::default());
    let devices = Devices { qr_reader: qr.clone(), ..Devices::from_config(&cfg.devices) };
    let kiosk = ghiseu::kiosk::build(&cfg, rt.handle().clone(), devices).unwrap();
    kiosk.ui.window.show().unwrap();
    let weak = kiosk.ui.window.as_weak();
    let shots = dir.path().join("shots");
    std::fs::create_dir_all(&shots).unwrap();
    let citizen = std::thread::spawn(move || -> anyhow::Result<_> {
        let mut c = Citizen::new(weak, ghiseu::i18n::Texts::builtin(), Some(shots));
        let kiosk = |f: fn(&Kiosk) -> String| {
            let c = &c;
            c.on_ui(move |w| f(&w.global::<Kiosk>()))
        };

        // An empty required field is named next to the field, and nothing is lost.
        c.tap("Depune o cerere")?;
        c.tap("Petiție")?;
        c.tap("Continuă")?;
        assert_eq!(kiosk(|k| k.get_screen().into())?, "form");
        let nume_error =
            c.on_ui(|w| w.global::<Kiosk>().get_fields().iter().find(|f| f.id == "nume").map(|f| f.error.to_string()))?;
        assert_eq!(nume_error.as_deref(), Some("Câmp obligatoriu"));
        assert!(kiosk(|k| k.get_missing().into())?.starts_with("Completați: Nume"));

        // The language switch re-labels the form, keeping what was typed.
        c.type_text("Pop")?;
        c.tap("English")?;
        assert_eq!(kiosk(|k| k.get_form_title().into())?, "Petition");
        let value = c.on_ui(|w| w.global::<Kiosk>().get_fields().row_data(0).unwrap().value.to_string())?;
        assert_eq!(value, "Pop");
        c.tap("Română")?;
        c.tap("Terminat")?;
        assert_eq!(kiosk(|k| k.get_screen().into())?, "home");

        // The walk-through proper.
        let walk = c.petition("Bd. Independenței 5, Ploiești", TEXT, Duration::from_secs(20))?;

        // Later, someone scans the receipt's QR at the kiosk: its status opens.
        c.tap("Terminat")?;
        qr.inject(&format!("http://example/s/{}", walk.tracking_code));
        c.wait_for("the scanned receipt's status", Duration::from_secs(10), |w| {
            w.global::<Kiosk>().get_status_kind() == "registered"
        })?;
        c.tap("Terminat")?;
        qr.inject("WIFI:S:guest;P:1234;;");
        c.wait_for("the foreign-code message", Duration::from_secs(10), |w| {
            w.global::<Kiosk>().get_status_kind() == "bad"
        })?;
        let message = c.on_ui(|w| w.global::<Kiosk>().get_status_message().to_string())?;
        assert!(message.contains("nu este de pe o chitanță"), "{message}");
        Ok(walk)
    });
    let quit = {
        let c = std::thread::spawn(move || {
            let r = citizen.join();
            let _ = slint::invoke_from_event_loop(|| {
                let _ = slint::quit_event_loop();
            });
            r
        });
        slint::run_event_loop().unwrap();
        c.join().unwrap()
    };
    let walk = quit.expect("citizen thread").expect("walk-through");
    kiosk.shutdown();

    assert!(walk.status_message.starts_with("Înregistrată, nr. "), "{}", walk.status_message);
    let mut store = ghiseu::intake::store::Store::open(&intake_dir).unwrap();
    let all = store.all().unwrap();
    assert_eq!(all.len(), 1, "exactly one submission at the intake");
    let s = &all[0];
    assert_eq!(s.body.tracking_code, walk.tracking_code);
    assert_eq!(s.body.form_id, "petitie");
    assert_eq!(s.body.answers["continut"], TEXT);
    assert_eq!(s.body.answers["nume"], "Popescu");
    assert_eq!(s.body.answers["cnp"], "2850509204996");
    assert_eq!(s.body.answers["adresa"], "Bd. Independenței 5, Ploiești");
    assert_eq!(s.body.answers["judet"], "PH");
    assert_eq!(s.body.answers["localitate"], "Ploiești");
    assert!(s.body.answers["semnatura"].starts_with('M'), "the signature is a vector path");
    assert!(std::fs::metadata(intake_dir.join(format!("documents/{}.pdf", walk.tracking_code))).unwrap().len() > 1000);
    assert_eq!(walk.screenshots.len(), 8);
}
