//! The `ghiseu` binary as technicians and scripts use it.

mod common;
use common::OutputWithin;

use common::*;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn headless_demo_writes_every_screen_and_the_intake_holds_the_submission() {
    let out = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let run = Command::new(bin())
        .args(["demo", "--headless"])
        .arg(out.path())
        .arg("--data")
        .arg(data.path())
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output_within(180)
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "demo failed:\n{stdout}\n{}", String::from_utf8_lossy(&run.stderr));
    assert!(stdout.contains("the intake holds submission"), "{stdout}");
    // The capture and preview screens too: the demo attaches a page from the simulated camera.
    for name in [
        "01-home",
        "02-catalogue",
        "03-scan-confirm",
        "04-form",
        "05-documents",
        "05-documents-preview",
        "05-review",
        "06-receipt",
        "07-status",
    ] {
        let (w, h, colours) = png_stats(&out.path().join(format!("{name}.png")));
        assert_eq!((w, h), (1280, 800), "{name}");
        assert!(colours > 20, "{name}.png looks blank ({colours} colours)");
    }
    let (w, _, colours) = png_stats(&out.path().join("08-receipt-print.png"));
    assert_eq!(w, 576, "receipt is 80 mm at 203 dpi");
    assert!(colours >= 2);
    // The printer received ESC/POS, not a picture: CP852 selected, no raw UTF-8.
    let escpos = std::fs::read_dir(data.path().join("printer"))
        .unwrap()
        .filter_map(|e| e.ok())
        .find(|e| e.path().extension().is_some_and(|x| x == "escpos"))
        .expect("an ESC/POS job");
    let bytes = std::fs::read(escpos.path()).unwrap();
    assert!(bytes.windows(3).any(|w| w == [0x1B, 0x74, 18]), "ESC t 18 (CP852)");
    assert!(!bytes.windows(2).any(|w| w == [0xC8, 0x9B]), "ț sent as UTF-8");
}

#[test]
fn a_malformed_config_is_a_clear_error_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), "http://127.0.0.1:9");
    let text =
        std::fs::read_to_string(&cfg).unwrap().replace("id = \"test-01\"", "id = \"test-01\"\nmunicipalitate = \"X\"");
    std::fs::write(&cfg, text).unwrap();
    let run = Command::new(bin()).args(["run", "--config"]).arg(&cfg).output_within(180).unwrap();
    assert_eq!(run.status.code(), Some(1));
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(err.contains("municipalitate") && err.contains("kiosk.toml"), "{err}");

    let cfg = write_config(dir.path(), "not a url");
    let run = Command::new(bin()).args(["queue", "status", "--config"]).arg(&cfg).output_within(180).unwrap();
    assert_eq!(run.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&run.stderr).contains("intake.url"));
}

/// `ghiseu keys kiosk` writes files other tools read: OpenSSL 3 and Python's
/// `cryptography` (what a registry's own scripts use) load both, and agree
/// on the public key.
#[test]
fn kiosk_key_files_are_read_by_openssl_and_python_cryptography() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("kiosk.pem");
    let out = Command::new(bin()).args(["keys", "kiosk", "--out"]).arg(&key).output_within(180).unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let public = dir.path().join("kiosk.pub.pem");
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .output_within(180)
            .unwrap_or_else(|e| panic!("openssl: {e} (scripts/setup --test installs it)"));
        assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let (k, p) = (key.to_str().unwrap(), public.to_str().unwrap());
    openssl(&["pkey", "-in", k, "-noout"]);
    openssl(&["pkey", "-pubin", "-in", p, "-noout"]);
    assert!(openssl(&["pkey", "-in", k, "-text", "-noout"]).contains("ED25519 Private-Key"));
    assert_eq!(openssl(&["pkey", "-in", k, "-pubout"]), std::fs::read_to_string(&public).unwrap());

    let script = "import sys\n\
        from cryptography.hazmat.primitives import serialization as s\n\
        k = s.load_pem_private_key(open(sys.argv[1], 'rb').read(), None)\n\
        p = s.load_pem_public_key(open(sys.argv[2], 'rb').read())\n\
        raw = (s.Encoding.Raw, s.PublicFormat.Raw)\n\
        assert k.public_key().public_bytes(*raw) == p.public_bytes(*raw)\n\
        p.verify(k.sign(b'ghiseu'), b'ghiseu')\n";
    let out = Command::new("python3")
        .args(["-c", script, k, p])
        .output_within(180)
        .unwrap_or_else(|e| panic!("python3: {e} (scripts/setup --test installs python3-cryptography)"));
    assert!(out.status.success(), "python3 cryptography: {}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn mrz_command_exit_codes() {
    let mrz = |input: &str| {
        let mut child = Command::new(bin()).arg("mrz").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
        use std::io::Write;
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stdout).to_string())
    };
    let card = "IDROUPOPESCU<<MARIA<ELENA<<<<<<<<<<<\nRX123456<9ROU8505095F300509522049960\n";
    let (code, out) = mrz(card);
    assert_eq!(code, Some(0), "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "birth_date",
            "cnp",
            "document_code",
            "document_number",
            "errors",
            "expiry_date",
            "format",
            "given_names",
            "issuing_state",
            "nationality",
            "sex",
            "surname",
            "valid"
        ]
    );
    assert_eq!(v["format"], "TD2");
    assert_eq!(v["birth_date"], "1985-05-09");
    assert_eq!(v["sex"], "F");
    assert_eq!(v["cnp"], "2850509204996");
    assert_eq!(v["given_names"], "MARIA ELENA");
    assert_eq!(mrz(&card.replace("RX123456<9", "RX123456<8")).0, Some(1));
    // A nationality of digits is invalid (no check digit covers it); an O read as 0 is corrected.
    assert_eq!(mrz(&card.replace("<9ROU85", "<912385")).0, Some(1));
    let (code, out) = mrz(&card.replace("<9ROU85", "<9R0U85"));
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains(r#""nationality": "ROU""#), "{out}");
    assert_eq!(mrz("hello\n").0, Some(2));
}

/// Waits for `path` to exist.
fn wait_file(path: &std::path::Path, timeout: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if path.exists() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    false
}

fn queue_status(cfg: &std::path::Path) -> serde_json::Value {
    let out = Command::new(bin()).args(["queue", "status", "--config"]).arg(cfg).output_within(180).unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn intake_down_keeps_the_submission_and_status_says_it_waits() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), &format!("http://127.0.0.1:{}", free_port()));
    let out = Command::new(bin())
        .args(["run", "--config"])
        .arg(&cfg)
        .arg("--headless")
        .arg(dir.path().join("shots"))
        .output_within(180)
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("status: În așteptare, va fi trimisă"), "{stdout}");
    let q = queue_status(&cfg);
    assert_eq!(q["pending"], 1, "{q}");
}

#[test]
fn killing_the_kiosk_after_the_receipt_and_restarting_delivers_once() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let cfg = write_config(dir.path(), &format!("http://127.0.0.1:{port}"));
    // The intake is down: the submission cannot leave before the kill.
    let mut kiosk = Command::new(bin())
        .args(["run", "--config"])
        .arg(&cfg)
        .arg("--headless")
        .arg(dir.path().join("shots"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let printer = dir.path().join("printer");
    let start = Instant::now();
    let receipt = loop {
        let found = std::fs::read_dir(&printer).ok().and_then(|mut d| {
            d.find_map(|e| e.ok().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "escpos")))
        });
        if let Some(p) = found {
            break p;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "no receipt printed");
        std::thread::sleep(Duration::from_millis(5));
    };
    kiosk.kill().unwrap(); // SIGKILL
    kiosk.wait().unwrap();
    let code = receipt.file_stem().unwrap().to_string_lossy().trim_start_matches("receipt-").to_owned();
    assert_eq!(queue_status(&cfg)["pending"], 1);

    let intake_dir = dir.path().join("intake");
    let mut intake = Command::new(bin())
        .args(["intake", "--listen", &format!("127.0.0.1:{port}"), "--data"])
        .arg(&intake_dir)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    assert!(wait_file(&intake_dir.join("intake.sqlite"), Duration::from_secs(10)));
    for _ in 0..2 {
        let drain = Command::new(bin()).args(["uploader", "--drain", "--config"]).arg(&cfg).output_within(180).unwrap();
        assert!(drain.status.success(), "{}", String::from_utf8_lossy(&drain.stderr));
    }
    // A clerk moves it on; the registry's stage is what status answers show.
    let stage = Command::new(bin())
        .args(["intake", "stage", "--data"])
        .arg(&intake_dir)
        .args([code.as_str(), "in-progress"])
        .output_within(180)
        .unwrap();
    assert!(stage.status.success(), "{}", String::from_utf8_lossy(&stage.stderr));
    let mut store = ghiseu::intake::store::Store::open(&intake_dir).unwrap();
    let status = store.status(&code).unwrap().unwrap();
    assert_eq!(status.stage, ghiseu::wire::api::Stage::InProgress);
    intake.kill().unwrap();
    intake.wait().unwrap();
    let q = queue_status(&cfg);
    assert_eq!((q["pending"].as_u64(), q["uploaded"].as_u64()), (Some(0), Some(1)), "{q}");
    let mut store = ghiseu::intake::store::Store::open(&intake_dir).unwrap();
    let all = store.all().unwrap();
    assert_eq!(all.len(), 1, "delivered exactly once");
    assert_eq!(all[0].body.tracking_code, code);
}

#[test]
fn selftest_reports_each_part_and_fails_on_a_missing_scanner_and_intake() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), &format!("http://127.0.0.1:{}", free_port()));
    let out = Command::new(bin()).args(["selftest", "--json", "--config"]).arg(&cfg).output_within(180).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let by_name = |n: &str| v["checks"].as_array().unwrap().iter().find(|c| c["name"] == n).unwrap().clone();
    assert_eq!(by_name("queue")["ok"], true);
    assert_eq!(by_name("printer")["ok"], true);
    assert_eq!(by_name("id_scanner")["ok"], true, "the simulated scanner is connected");
    assert_eq!(by_name("intake")["ok"], false, "nothing listens there");
    assert_eq!(out.status.code(), Some(1));

    let text = std::fs::read_to_string(&cfg).unwrap().replace(
        "driver = \"simulated\"\ndelay_ms = 50",
        "driver = \"serial\"\nport = \"/dev/ghiseu/no-such-scanner\"",
    );
    std::fs::write(&cfg, text).unwrap();
    let out = Command::new(bin()).args(["selftest", "--config"]).arg(&cfg).output_within(180).unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("FAIL id_scanner") && stdout.contains("no-such-scanner"), "{stdout}");
}

#[test]
fn a_nearly_full_disk_refuses_new_submissions_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), "http://127.0.0.1:9");
    let text = std::fs::read_to_string(&cfg).unwrap().replace("idle_timeout_secs = 300", "min_free_mb = 999999999");
    std::fs::write(&cfg, text).unwrap();
    let out = queue_submit(
        &cfg,
        "sesizare",
        r#"{"categorie":"iluminat","locatie":"Str. Morii 3","pericol":"da","descriere":"Stâlp de iluminat căzut.","nume":"Ionescu","prenume":"Ana","adresa":"Str. Morii 5, Cluj-Napoca"}"#,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "no tracking code may be printed");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("almost full"), "{err}");
    assert_eq!(queue_status(&cfg)["pending"], 0);
}

#[test]
fn forms_check_passes_the_shipped_forms_and_points_at_each_broken_line() {
    let ok = Command::new(bin()).args(["forms", "check"]).arg(repo().join("forms")).output_within(180).unwrap();
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stdout));
    let bad = Command::new(bin())
        .args(["forms", "check", "tests/forms-broken"])
        .current_dir(repo())
        .output_within(180)
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
    let out = String::from_utf8_lossy(&bad.stdout);
    for expected in [
        "tests/forms-broken/a-syntax.toml:3: TOML greșit / not valid TOML: lipsesc ghilimelele de închidere",
        "tests/forms-broken/b-typos.toml:11: field `cnp` has unknown type `cnpp`",
        "tests/forms-broken/b-typos.toml:17: field `nume` has unknown key `requried`",
        "tests/forms-broken/b-typos.toml:21: field `nume` is defined twice",
        "tests/forms-broken/b-typos.toml:23: field `nume`: min_len 10 is above max_len 5",
        "tests/forms-broken/b-typos.toml:25: field `nume` needs a Romanian label",
        "tests/forms-broken/c-missing.toml:1: missing key `legal_basis`",
        "tests/forms-broken/c-missing.toml:6: `title` needs a Romanian text",
        "tests/forms-broken/c-missing.toml:7: unknown key `colour`",
        "tests/forms-broken/d-duplicate-id.toml:2: form id `petitie-greseli` is also used by",
        "tests/forms-broken/e-conditions.toml:14: field `raspuns`: a `choice` needs at least two `options`",
        "tests/forms-broken/e-conditions.toml:19: field `email`: `show_if` names field `raspunsul`, which does not exist",
        "tests/forms-broken/e-conditions.toml:25: field `nume`: section `petent` is not defined in `[[sections]]`",
        // Every kind of mistake of one file in the same run.
        "tests/forms-broken/f-all-at-once.toml:6: category `adeverinte` has no title on screen; use one of: petitii,",
        "tests/forms-broken/f-all-at-once.toml:13: field `tip` has unknown type `alegere` (expected one of: text, textarea,",
        "tests/forms-broken/f-all-at-once.toml:19: field `data`: `not_before`: `ieri` is not a date limit",
        "tests/forms-broken/f-all-at-once.toml:25: field `motiv`: `show_if` names field `tipul`, which does not exist",
    ] {
        assert!(out.lines().any(|l| l.starts_with(expected)), "missing `{expected}` in:\n{out}");
    }
    assert_eq!(out.lines().count(), 17, "{out}");
}

#[test]
fn demo_opens_straight_at_a_form_and_names_the_forms_it_has() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("shot");
    let ok = Command::new(bin())
        .args(["demo", "--screen", "form:informatii-544", "--headless"])
        .arg(&out)
        .output_within(180)
        .unwrap();
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let (w, h, colours) = common::png_stats(&out.join("screen.png"));
    assert_eq!((w, h), (1280, 800));
    assert!(colours > 20, "a real screen, not a blank one");
    let bad =
        Command::new(bin()).args(["demo", "--screen", "form:nope", "--headless"]).arg(&out).output_within(180).unwrap();
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("no such form") && err.contains("informatii-544"), "{err}");
}
