//! Capturing citizens' pages at the panel: the SANE path against SANE's own
//! `test` backend (Debian's libsane1), through the library and through
//! `ghiseu selftest`, and the failures a citizen can meet.

mod common;
use common::OutputWithin;

use common::{bin, free_port, write_config};
use ghiseu::devices::capture::{CaptureError, PageSourceConfig};
use std::path::Path;
use std::process::Command;

/// A SANE configuration folder whose only backend is `test`.
fn sane_test_dir(dir: &Path) -> std::path::PathBuf {
    let conf = dir.join("sane.d");
    std::fs::create_dir_all(&conf).unwrap();
    std::fs::write(conf.join("dll.conf"), "test\n").unwrap();
    conf
}

/// SANE reads `SANE_CONFIG_DIR` once, and changing the environment of a
/// running test process races with other threads: a SANE test runs in a
/// child process of this test binary, started with the variable set.
fn in_sane_child(test: &str) -> bool {
    if std::env::var_os("GHISEU_SANE_CHILD").is_some() {
        return false;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", test, "--nocapture", "--test-threads", "1"])
        .env("SANE_CONFIG_DIR", sane_test_dir(dir.path()))
        .env("GHISEU_SANE_CHILD", "1")
        .env("GHISEU_EXE", bin())
        .output_within(180)
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && text.contains("1 passed"), "{text}{}", String::from_utf8_lossy(&out.stderr));
    true
}

fn sane(options: &str) -> PageSourceConfig {
    toml::from_str(&format!("driver = \"sane\"\ndevice = \"test:0\"\n{options}")).unwrap()
}

#[test]
fn a_page_scanned_from_the_sane_test_backend_arrives_whole_at_the_asked_resolution() {
    if in_sane_child("a_page_scanned_from_the_sane_test_backend_arrives_whole_at_the_asked_resolution") {
        return;
    }
    // The test backend scans an 80 × 100 mm area by default; a grid of 10 mm squares.
    let source = ghiseu::devices::page_source(&sane("options = { \"test-picture\" = \"Grid\" }"));
    assert_eq!(source.health(), ghiseu::devices::Health::Ok);
    let start = std::time::Instant::now();
    let page = source.capture().unwrap().to_luma8();
    let scanned = start.elapsed();
    // Measured, not asserted: the kiosk's path from a scan to the preview (process, then the screen's picture).
    let processed = ghiseu::documents::process(&image::DynamicImage::ImageLuma8(page.clone()));
    let thumb = ghiseu::documents::decode(&processed.jpeg).unwrap().thumbnail(640, 640);
    println!(
        "SANE test backend: {}×{} grey page scanned in {scanned:?}, preview ({}×{}, page {} bytes) after {:?}",
        page.width(),
        page.height(),
        thumb.width(),
        thumb.height(),
        processed.jpeg.len(),
        start.elapsed()
    );
    // 80 mm at 200 dpi is 630 pixels; 100 mm is 787.
    assert!((628..=632).contains(&page.width()) && (785..=789).contains(&page.height()), "{:?}", page.dimensions());
    let black = page.pixels().filter(|p| p[0] < 64).count() as f64 / (page.width() * page.height()) as f64;
    assert!((0.35..0.65).contains(&black), "a black and white grid is about half black: {black}");
    // The first square is white, the next one along black (as `scanimage` draws it).
    assert!(page.get_pixel(20, 20)[0] > 192 && page.get_pixel(79 + 20, 20)[0] < 64);

    // Colour, when a backend is asked for it.
    let colour = ghiseu::devices::page_source(&sane("mode = \"Color\"\nresolution = 75")).capture().unwrap();
    assert!(matches!(colour, image::DynamicImage::ImageRgb8(_)), "{:?}", colour.color());
}

#[test]
fn a_scanner_lost_mid_scan_or_absent_is_told_apart() {
    if in_sane_child("a_scanner_lost_mid_scan_or_absent_is_told_apart") {
        return;
    }
    // Without a device name, the first one SANE finds.
    // (First: the test backend keeps options set by an earlier open.)
    let first: PageSourceConfig = toml::from_str("driver = \"sane\"").unwrap();
    let page = ghiseu::devices::page_source(&first).capture();
    assert!(page.is_ok(), "{:?}", page.err());
    // The test backend answers sane_read with an I/O error, as a scanner pulled out does.
    let pulled = sane("options = { \"read-return-value\" = \"SANE_STATUS_IO_ERROR\" }");
    let e = ghiseu::devices::page_source(&pulled).capture().unwrap_err();
    assert!(matches!(e, CaptureError::Unplugged(ref why) if why.contains("test:0")), "{e:?}");
    let absent: PageSourceConfig = toml::from_str("driver = \"sane\"\ndevice = \"epson2:libusb:001:004\"").unwrap();
    let e = ghiseu::devices::page_source(&absent).capture().unwrap_err();
    assert!(matches!(e, CaptureError::Missing(_)), "{e:?}");
    assert!(matches!(ghiseu::devices::page_source(&absent).health(), ghiseu::devices::Health::Disconnected(_)));
}

#[test]
fn selftest_scans_a_page_from_the_configured_scanner_and_says_which_and_how_big() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), &format!("http://127.0.0.1:{}", free_port()));
    let base = std::fs::read_to_string(&cfg).unwrap();
    let run = |section: &str| {
        std::fs::write(&cfg, format!("{base}\n[devices.document]\n{section}\n")).unwrap();
        let out = Command::new(bin())
            .args(["selftest", "--json", "--config"])
            .arg(&cfg)
            .env("SANE_CONFIG_DIR", sane_test_dir(dir.path()))
            .output_within(180)
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["checks"].as_array().unwrap().iter().find(|c| c["name"] == "document").cloned().unwrap()
    };
    let ok = run("driver = \"sane\"\ndevice = \"test:0\"\nresolution = 100");
    assert_eq!(ok["ok"], true, "{ok}");
    assert!(ok["detail"].as_str().unwrap().contains("SANE scanner test:0: captured a 314×393 page"), "{ok}");
    assert_ne!(ok["simulated"], true);

    let lost =
        run("driver = \"sane\"\ndevice = \"test:0\"\noptions = { \"read-return-value\" = \"SANE_STATUS_IO_ERROR\" }");
    assert_eq!(lost["ok"], false, "{lost}");
    assert!(lost["detail"].as_str().unwrap().contains("lost during the capture"), "{lost}");

    let sim = run("driver = \"simulated\"");
    assert_eq!((sim["ok"].as_bool(), sim["simulated"].as_bool()), (Some(true), Some(true)), "{sim}");
    assert!(sim["detail"].as_str().unwrap().contains("SIMULATED"), "{sim}");

    let missing = run("driver = \"v4l2\"\ndevice = \"/dev/no-such-video\"");
    assert_eq!(missing["ok"], false);
    assert!(missing["detail"].as_str().unwrap().contains("no capture device: /dev/no-such-video"), "{missing}");
}

const FORM: &str = r#"
id = "adeverinta"
version = 1
category = "petitii"
legal_basis = "Legea 119/1996"
deadline_days = 10
title = { ro = "Adeverință de stare civilă", en = "Civil status certificate", hu = "Anyakönyvi igazolás" }

[[fields]]
id = "nume"
type = "text"
required = true
label = { ro = "Nume", en = "Surname", hu = "Vezetéknév" }

[[documents]]
id = "act-nastere"
label = { ro = "Copie după certificatul de naștere", en = "Copy of the birth certificate", hu = "A születési anyakönyvi kivonat másolata" }
required = true
max_pages = 2

[[documents]]
id = "alte-documente"
label = { ro = "Alte documente", en = "Other documents", hu = "Egyéb dokumentumok" }
max_pages = 10
"#;

/// A citizen attaches two pages from the simulated document camera to a
/// service that requires one document, through the real UI, and meets on the
/// way a camera pulled out mid-scan and a blank page; the intake holds the
/// request with both pages.
#[test]
fn a_citizen_attaches_two_pages_to_a_service_that_requires_a_document() {
    use ghiseu::devices::capture::{sample_page, SimFault, SimulatedPageSource};
    use ghiseu::ui::{AppAdapter, DocumentsAdapter, ReviewAdapter};
    use ghiseu::walkthrough::Citizen;
    use slint::{ComponentHandle, Model};
    use std::time::Duration;

    let dir = tempfile::tempdir().unwrap();
    // What lies under the lens, capture after capture: a page, a black sheet, another page.
    let pages = dir.path().join("pages");
    std::fs::create_dir_all(&pages).unwrap();
    sample_page(0).save(pages.join("1.png")).unwrap();
    image::GrayImage::from_pixel(1600, 1200, image::Luma([12])).save(pages.join("2.png")).unwrap();
    sample_page(1).save(pages.join("3.png")).unwrap();
    let forms = dir.path().join("forms");
    std::fs::create_dir_all(&forms).unwrap();
    std::fs::write(forms.join("adeverinta.toml"), FORM).unwrap();

    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    let intake_dir = dir.path().join("intake");
    let cfg_path = write_config(dir.path(), &format!("http://{addr}"));
    let text = std::fs::read_to_string(&cfg_path)
        .unwrap()
        .replace("idle_timeout_secs = 300\n", "idle_timeout_secs = 300\nforms_dir = \"forms\"\n")
        + "\n[devices.document]\ndriver = \"simulated\"\ndir = \"pages\"\ndelay_ms = 20\n";
    std::fs::write(&cfg_path, text).unwrap();
    let cfg = ghiseu::config::Config::load(&cfg_path).unwrap();
    let d = intake_dir.clone();
    rt.spawn(async move { ghiseu::intake::serve(listener, &d, None, std::future::pending()).await });

    ghiseu::kiosk::use_headless_platform(false).unwrap();
    let camera = std::sync::Arc::new(SimulatedPageSource::new(Some(pages), None, Duration::from_millis(20)));
    let devices =
        ghiseu::devices::Devices { document: camera.clone(), ..ghiseu::devices::Devices::from_config(&cfg.devices) };
    let kiosk = ghiseu::kiosk::build(&cfg, rt.handle().clone(), devices).unwrap();
    kiosk.ui.window.show().unwrap();
    let weak = kiosk.ui.window.as_weak();
    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("screens");
    std::fs::create_dir_all(&shots).unwrap();
    let texts = ghiseu::i18n::Texts::builtin();
    let t = move |k: &str| texts.get(ghiseu::i18n::Lang::Ro, k).to_owned();

    let walk = ghiseu::walkthrough::beside_event_loop(move || -> anyhow::Result<String> {
        let mut c = Citizen::new(weak, ghiseu::i18n::Texts::builtin(), Some(shots));
        let screen = |c: &Citizen, name: &'static str| {
            c.wait_for(name, Duration::from_secs(10), move |w| w.global::<AppAdapter>().get_screen() == name)
        };
        let documents = |c: &Citizen| {
            c.on_ui(|w| {
                let d = w.global::<DocumentsAdapter>();
                (d.get_pages().row_count(), d.get_problem().to_string(), d.get_pending_warning().to_string())
            })
        };
        screen(&c, "home")?;
        c.tap(&t("start"))?;
        screen(&c, "catalogue")?;
        c.open_service("Adeverință de stare civilă")?;
        c.fill_required()?;
        c.tap(&t("continue"))?;
        screen(&c, "review")?;
        c.tap(&t("consent_label"))?;
        // Submit waits for the required document, and the screen names it.
        let (can, message) = c.on_ui(|w| {
            let r = w.global::<ReviewAdapter>();
            (r.get_can_submit(), r.get_submit_message().to_string())
        })?;
        assert!(!can, "«Trimite solicitarea» enabled without the birth certificate");
        assert_eq!(message, "Lipsește documentul obligatoriu: Copie după certificatul de naștere.");
        c.screenshot("capture-review-missing")?;

        c.attach(1, "capture-01")?;
        assert!(c.on_ui(|w| w.global::<ReviewAdapter>().get_can_submit())?, "one page of the document is enough");

        // The camera is pulled out during the next capture: said plainly, nothing lost.
        c.tap(&t("doc_open"))?;
        screen(&c, "documents")?;
        camera.set_fault(Some(SimFault::Unplugged));
        c.tap(&t("doc_add"))?;
        c.wait_for("the failure", Duration::from_secs(10), |w| {
            !w.global::<DocumentsAdapter>().get_problem().is_empty()
        })?;
        let (kept, problem, _) = documents(&c)?;
        assert_eq!((kept, problem.as_str()), (1, t("doc_problem_unplugged").as_str()));
        c.screenshot("capture-02-unplugged")?;
        // Plugged back in; the next sheet is black: flagged before it is kept.
        camera.set_fault(None);
        c.tap(&t("doc_add"))?;
        c.wait_for("the preview", Duration::from_secs(10), |w| w.global::<DocumentsAdapter>().get_has_pending())?;
        let (_, problem, warning) = documents(&c)?;
        assert!(problem.is_empty() && warning.starts_with("Pagina pare goală"), "{problem} / {warning}");
        c.screenshot("capture-03-blank")?;
        for (name, toggle) in [("capture-03-blank-large", 0), ("capture-03-blank-contrast", 1)] {
            c.on_ui(move |w| {
                let a = w.global::<AppAdapter>();
                if toggle == 0 {
                    a.invoke_toggle_large_text()
                } else {
                    a.invoke_toggle_contrast()
                }
            })?;
            c.screenshot(name)?;
            c.on_ui(move |w| {
                let a = w.global::<AppAdapter>();
                if toggle == 0 {
                    a.invoke_toggle_large_text()
                } else {
                    a.invoke_toggle_contrast()
                }
            })?;
        }
        c.tap(&t("doc_retake"))?;
        c.wait_for("the retaken page", Duration::from_secs(10), |w| {
            let d = w.global::<DocumentsAdapter>();
            d.get_has_pending() && d.get_pending_warning().is_empty()
        })?;
        c.tap(&t("doc_keep"))?;
        c.wait_for("two pages", Duration::from_secs(5), |w| {
            w.global::<DocumentsAdapter>().get_pages().row_count() == 2
        })?;
        c.screenshot("capture-04-two-pages")?;
        c.tap(&t("doc_done"))?;
        screen(&c, "review")?;
        let typed = c.on_ui(|w| {
            w.global::<ghiseu::ui::FormAdapter>()
                .get_fields()
                .iter()
                .find(|f| f.id == "nume")
                .map(|f| f.value.to_string())
        })?;
        assert_eq!(typed.as_deref(), Some(ghiseu::walkthrough::sample("text").as_str()), "what was typed stayed");
        c.tap(&t("submit"))?;
        screen(&c, "receipt")?;
        let code = c.on_ui(|w| w.global::<ghiseu::ui::ReceiptAdapter>().get_code().to_string())?;
        Ok(code)
    })
    .unwrap_or_else(|p| std::panic::resume_unwind(p))
    .unwrap();
    // The uploader delivers it; the intake holds the request with both pages, in order.
    let start = std::time::Instant::now();
    let held = loop {
        let all = ghiseu::intake::store::Store::open(&intake_dir).unwrap().all().unwrap();
        if let Some(s) = all.into_iter().find(|s| s.body.tracking_code == walk) {
            break s;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "the intake never got {walk}");
        std::thread::sleep(Duration::from_millis(100));
    };
    kiosk.shutdown();
    assert_eq!(held.body.form_id, "adeverinta");
    // Filed beside the registry's PDF, in order, each as the document it belongs to
    // (written after the registration: waited for).
    let filed = intake_dir.join("documents").join(&walk);
    while !(filed.join("02-act-nastere.jpg").is_file() && intake_dir.join(format!("documents/{walk}.pdf")).is_file()) {
        assert!(start.elapsed() < Duration::from_secs(30), "the intake never filed the pages of {walk}");
        std::thread::sleep(Duration::from_millis(100));
    }
    for n in ["01-act-nastere.jpg", "02-act-nastere.jpg"] {
        let jpeg = image::open(filed.join(n)).unwrap_or_else(|e| panic!("{n}: {e}"));
        assert!(jpeg.height() > jpeg.width(), "{n}: a portrait page ({}×{})", jpeg.width(), jpeg.height());
    }
    // The registry's PDF carries both pages as images, read by poppler, not by our code.
    let pdf = intake_dir.join(format!("documents/{walk}.pdf"));
    let out =
        Command::new("pdfimages").arg("-list").arg(&pdf).output_within(180).expect("pdfimages (poppler-utils) runs");
    let list = String::from_utf8_lossy(&out.stdout);
    let images: Vec<Vec<&str>> = list.lines().skip(2).map(|l| l.split_whitespace().collect()).collect();
    assert_eq!(images.len(), 2, "{list}");
    for row in &images {
        assert_eq!((row[6], row[8]), ("1", "jpeg"), "one grey channel, JPEG: {list}");
    }
    assert_ne!(images[0][0], images[1][0], "one PDF page per attached page: {list}");
}
