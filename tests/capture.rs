//! Capturing citizens' pages at the panel: the SANE path against SANE's own
//! `test` backend (Debian's libsane1), through the library and through
//! `ghiseu selftest`, and the failures a citizen can meet.

mod common;

use common::{bin, free_port, write_config};
use ghiseu::devices::capture::{self, CaptureError, PageSourceConfig};
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
        .output()
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
    let source = capture::from_config(&sane("options = { \"test-picture\" = \"Grid\" }"));
    assert_eq!(source.health(), ghiseu::devices::Health::Ok);
    let start = std::time::Instant::now();
    let page = source.capture().unwrap().to_luma8();
    println!("SANE test backend: {}×{} grey page in {:?}", page.width(), page.height(), start.elapsed());
    // 80 mm at 200 dpi is 630 pixels; 100 mm is 787.
    assert!((628..=632).contains(&page.width()) && (785..=789).contains(&page.height()), "{:?}", page.dimensions());
    let black = page.pixels().filter(|p| p[0] < 64).count() as f64 / (page.width() * page.height()) as f64;
    assert!((0.35..0.65).contains(&black), "a black and white grid is about half black: {black}");
    // The first square is white, the next one along black (as `scanimage` draws it).
    assert!(page.get_pixel(20, 20)[0] > 192 && page.get_pixel(79 + 20, 20)[0] < 64);

    // Colour, when a backend is asked for it.
    let colour = capture::from_config(&sane("mode = \"Color\"\nresolution = 75")).capture().unwrap();
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
    let page = capture::from_config(&first).capture();
    assert!(page.is_ok(), "{:?}", page.err());
    // The test backend answers sane_read with an I/O error, as a scanner pulled out does.
    let pulled = sane("options = { \"read-return-value\" = \"SANE_STATUS_IO_ERROR\" }");
    let e = capture::from_config(&pulled).capture().unwrap_err();
    assert!(matches!(e, CaptureError::Unplugged(ref why) if why.contains("test:0")), "{e:?}");
    let absent: PageSourceConfig = toml::from_str("driver = \"sane\"\ndevice = \"epson2:libusb:001:004\"").unwrap();
    let e = capture::from_config(&absent).capture().unwrap_err();
    assert!(matches!(e, CaptureError::Missing(_)), "{e:?}");
    assert!(matches!(capture::from_config(&absent).health(), ghiseu::devices::Health::Disconnected(_)));
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
            .output()
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
