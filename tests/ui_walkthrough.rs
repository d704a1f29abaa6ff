//! Drives the real `.slint` UI in-process (Slint's software renderer, no
//! display) as a citizen would, against a real intake on a local port.
//! Slint's platform can be chosen once per process, hence one test here.

mod common;

use ghiseu::config::Config;
use ghiseu::devices::printer::{Paper, SimulatedPrinter};
use ghiseu::devices::Devices;
use ghiseu::ui::{AppAdapter, FormAdapter, ReceiptAdapter, StaffAdapter, StatusAdapter};
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
    let cfg_path = common::write_config(dir.path(), &format!("http://{addr}"));
    let mut text = std::fs::read_to_string(&cfg_path).unwrap();
    text.push_str(&format!(
        "\n[[staff.members]]\nname = \"Ana Pop\"\npin_hash = \"{}\"\nbadge = \"ana-01\"\n",
        ghiseu::app::staff::hash_pin("4821")
    ));
    std::fs::write(&cfg_path, text).unwrap();
    let cfg = Config::load(&cfg_path).unwrap();
    let d = intake_dir.clone();
    rt.spawn(async move { ghiseu::intake::serve(listener, &d, None, std::future::pending()).await });

    ghiseu::kiosk::use_headless_platform(false).unwrap();
    let qr = std::sync::Arc::new(ghiseu::devices::qr::SimulatedQrReader::default());
    // Printers the test can empty and refill.
    let printer = std::sync::Arc::new(SimulatedPrinter::new(dir.path().join("printer"), Paper::Out));
    let labels = std::sync::Arc::new(SimulatedPrinter::new(dir.path().join("labels"), Paper::Ok));
    let devices = Devices {
        qr_reader: qr.clone(),
        printer: printer.clone(),
        label_printer: Some(labels.clone()),
        ..Devices::from_config(&cfg.devices)
    };
    let kiosk = ghiseu::kiosk::build(&cfg, rt.handle().clone(), devices).unwrap();
    kiosk.ui.window.show().unwrap();
    let weak = kiosk.ui.window.as_weak();
    let printer_dir = dir.path().join("printer");
    let dir_has = |dir: &std::path::Path, prefix: &str| {
        std::fs::read_dir(dir)
            .map(|r| r.flatten().any(|e| e.file_name().to_string_lossy().starts_with(prefix)))
            .unwrap_or(false)
    };
    // GHISEU_KEEP_SHOTS=DIR keeps the screenshots for a look by eye.
    let shots = std::env::var_os("GHISEU_KEEP_SHOTS").map(Into::into).unwrap_or_else(|| dir.path().join("shots"));
    std::fs::create_dir_all(&shots).unwrap();
    let quit = ghiseu::walkthrough::beside_event_loop(move || -> anyhow::Result<_> {
        let mut c = Citizen::new(weak, ghiseu::i18n::Texts::builtin(), Some(shots));

        // An empty required field is named next to the field, and nothing is lost.
        c.tap("Depune o cerere")?;
        c.tap("Petiție")?;
        c.tap("Continuă")?;
        assert_eq!(c.on_ui(|w| w.global::<AppAdapter>().get_screen().to_string())?, "form");
        let nume_error = c.on_ui(|w| {
            w.global::<FormAdapter>().get_fields().iter().find(|f| f.id == "nume").map(|f| f.error.to_string())
        })?;
        assert_eq!(nume_error.as_deref(), Some("Câmp obligatoriu"));
        assert!(c.on_ui(|w| w.global::<FormAdapter>().get_missing().to_string())?.starts_with("Completați: Nume"));

        // The language switch re-labels the form, keeping what was typed.
        c.type_text("Pop")?;
        c.tap("English")?;
        assert_eq!(c.on_ui(|w| w.global::<FormAdapter>().get_title().to_string())?, "Petition");
        let value = c.on_ui(|w| w.global::<FormAdapter>().get_fields().row_data(0).unwrap().value.to_string())?;
        assert_eq!(value, "Pop");
        c.tap("Română")?;
        c.tap("Terminat")?;
        assert_eq!(c.on_ui(|w| w.global::<AppAdapter>().get_screen().to_string())?, "home");

        // The walk-through proper, with the receipt printer out of paper: the
        // citizen is told, keeps the code and QR on screen, the submission goes on.
        let walk = c.petition("Bd. Independenței 5, Ploiești", TEXT, Duration::from_secs(20))?;
        let print = c.on_ui(|w| w.global::<ReceiptAdapter>().get_print().to_string())?;
        assert!(print.contains("s-a terminat hârtia") && print.contains("Notați codul"), "{print}");
        assert!(!dir_has(&printer_dir, "receipt-"), "nothing printed into an empty printer");

        // Staff: hold the top-left corner, a wrong PIN, then the right one.
        c.tap("Terminat")?;
        c.long_press(40.0, 40.0, "the staff login", |w| w.global::<AppAdapter>().get_screen() == "staff-login")?;
        c.type_text("1111")?;
        c.tap("Intră")?;
        c.wait_for("the wrong-PIN message", Duration::from_secs(10), |w| {
            w.global::<StaffAdapter>().get_message().contains("PIN greșit. Mai aveți 4")
        })?;
        c.type_text("4821")?;
        c.tap("Intră")?;
        c.wait_for("the staff desk", Duration::from_secs(10), |w| w.global::<AppAdapter>().get_screen() == "staff")?;
        c.wait_for("the printer's state", Duration::from_secs(10), |w| {
            w.global::<StaffAdapter>().get_printer() == "s-a terminat hârtia"
        })?;
        c.screenshot("09-staff")?;

        // A registry label.
        c.tap("Număr de înregistrare")?;
        c.type_text("12345")?;
        c.tap("Data (ZZ.LL.AAAA)")?;
        c.type_text("23.11.2026")?;
        c.tap("Tipărește eticheta")?;
        c.wait_for("the label printed", Duration::from_secs(10), |w| {
            w.global::<StaffAdapter>().get_message() == "Tipărit: 12345 / 23.11.2026"
        })?;

        // The paper is refilled; staff reprint the citizen's receipt.
        printer.set_paper(Paper::Ok);
        c.tap("Actualizează")?;
        c.wait_for("the printer ready", Duration::from_secs(10), |w| {
            w.global::<StaffAdapter>().get_printer() == "Gata de tipărire"
        })?;
        c.tap(&format!("Retipărește {}", walk.tracking_code))?;
        let code = walk.tracking_code.clone();
        c.wait_for("the reprint", Duration::from_secs(10), move |w| {
            w.global::<StaffAdapter>().get_message() == format!("Tipărit: {code}").as_str()
        })?;
        // The technician's self-test behind the same PIN: every check listed, the printer's verdict among them.
        c.tap("Autotest tehnician")?;
        c.wait_for("the self-test", Duration::from_secs(30), |w| {
            let summary = w.global::<StaffAdapter>().get_selftest_summary();
            summary.contains("verificări")
        })?;
        let checks = c.on_ui(|w| {
            w.global::<StaffAdapter>().get_selftest().iter().map(|c| (c.ok, c.text.to_string())).collect::<Vec<_>>()
        })?;
        for name in ["queue", "disk", "printer", "intake"] {
            assert!(checks.iter().any(|(_, t)| t.starts_with(&format!("{name}:"))), "no `{name}` check in {checks:?}");
        }
        assert!(checks.iter().any(|(ok, t)| *ok && t.starts_with("intake:")), "{checks:?}");
        c.screenshot("10-staff-selftest")?;
        c.tap("Ieșire")?;
        assert_eq!(c.screen()?, "home");

        // Later, someone scans the receipt's QR at the kiosk: its status opens.
        qr.inject(&format!("http://example/s/{}", walk.tracking_code));
        c.wait_for("the scanned receipt's status", Duration::from_secs(10), |w| {
            w.global::<StatusAdapter>().get_kind() == "registered"
        })?;
        c.tap("Terminat")?;
        qr.inject("WIFI:S:guest;P:1234;;");
        c.wait_for("the foreign-code message", Duration::from_secs(10), |w| {
            w.global::<StatusAdapter>().get_kind() == "bad"
        })?;
        let message = c.on_ui(|w| w.global::<StatusAdapter>().get_message().to_string())?;
        assert!(message.contains("nu este de pe o chitanță"), "{message}");
        // A staff badge's QR opens the staff login (a PIN is still needed).
        c.tap("Terminat")?;
        qr.inject("ghiseu-staff:ana-01");
        c.wait_for("the staff login from a badge", Duration::from_secs(10), |w| {
            w.global::<AppAdapter>().get_screen() == "staff-login"
        })?;
        c.type_text("4821")?;
        c.tap("Intră")?;
        c.wait_for("the staff desk from a badge", Duration::from_secs(10), |w| {
            w.global::<AppAdapter>().get_screen() == "staff"
        })?;
        c.tap("Ieșire")?;
        Ok(walk)
    });
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

    // The label and the reprint reached their printers.
    assert!(dir.path().join("labels/label-12345.zpl").is_file());
    let dup = dir.path().join(format!("printer/receipt-{}-dup.escpos", walk.tracking_code));
    let bytes = std::fs::read(&dup).unwrap();
    assert!(bytes.windows(8).any(|w| w == b"DUPLICAT"), "a reprint says so");
    // No more personal data than the receipt had: nothing the citizen typed.
    for typed in ["Popescu", "Independen", "2850509204996", "trotuar"] {
        assert!(!bytes.windows(typed.len()).any(|w| w == typed.as_bytes()), "{typed} on a reprint");
    }
}
