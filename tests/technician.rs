//! The technician's way (issue #20), as a newcomer meets it, following only
//! the docs and driving the real binary:
//!
//! - `the_technicians_walk`: provision a panel from the example provisioning
//!   file with real devices (a serial ID scanner and QR reader on
//!   pseudo-terminals, a network printer served by the wire-level printer
//!   simulator) and a relative `--data`; make the intake's certificate with
//!   the exact openssl commands of image-build/README.md#tls; start the intake
//!   with it; enrol; `selftest` says only PASS; then a CA certificate used as
//!   the server's is explained, and a device section left out is refused or,
//!   simulated, reported as not real;
//! - the smaller items of the issue, each through the binary.

mod common;
use common::OutputWithin;

use common::{bin, repo};
use serialport::SerialPort;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(bin()).args(args).current_dir(dir).output_within(180).unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// The code block of image-build/README.md under "### TLS".
fn tls_recipe() -> String {
    let readme = std::fs::read_to_string(repo().join("image-build/README.md")).unwrap();
    let section = &readme[readme.find("### TLS").expect("a TLS section")..];
    let block = &section[section.find("```sh\n").expect("a sh block") + 6..];
    block[..block.find("```").unwrap()].to_owned()
}

/// Kills the child when the test ends, however it ends.
struct Guard(Child);
impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn intake(dir: &Path, data: &Path, port: u16, cert: &str, key: &str) -> Guard {
    let child = Command::new(bin())
        .args(["intake", "--listen", &format!("127.0.0.1:{port}"), "--data"])
        .arg(data)
        .args(["--tls-cert", cert, "--tls-key", key])
        .current_dir(dir)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(start.elapsed() < Duration::from_secs(20), "the intake did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Guard(child)
}

#[test]
fn the_technicians_walk() {
    let started = Instant::now();
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();

    // The devices: serial readers on pseudo-terminals (the test holds the
    // far ends), a network printer on a local port.
    let (_scanner_end, scanner) = serialport::TTYPort::pair().unwrap();
    let (_qr_end, qr) = serialport::TTYPort::pair().unwrap();
    let (printer_addr, printer) = ghiseu::devices::printer_sim::Simulator::serve_tcp();
    let tty = |p: &serialport::TTYPort| p.name().unwrap();

    // At the registry: the municipality's key, the intake's certificate by
    // the documented recipe.
    let intake_dir = t.join("intake");
    std::fs::create_dir_all(&intake_dir).unwrap();
    let keys = run(t, &["keys", "municipality", "--out", "intake/municipality.key"]);
    assert!(keys.status.success(), "{}", text(&keys));
    let recipient = std::fs::read_to_string(intake_dir.join("municipality.pub")).unwrap();
    let tls = t.join("tls");
    std::fs::create_dir_all(&tls).unwrap();
    let recipe = Command::new("bash")
        .args(["-e", "-c", &tls_recipe()])
        .env("HOST", "localhost")
        .current_dir(&tls)
        .output_within(180)
        .unwrap();
    assert!(recipe.status.success(), "the README's TLS recipe failed: {}", text(&recipe));
    let port = common::free_port();
    let _intake = intake(t, &intake_dir, port, "tls/intake.cert.pem", "tls/intake.key");

    // The provisioning file: the example, filled in as its comments say.
    let example = std::fs::read_to_string(repo().join("image-build/ghiseu-provision.example.toml")).unwrap();
    let ca = std::fs::read_to_string(tls.join("ca.cert.pem")).unwrap();
    let filled = example
        .replace("board = \"rpi5-touch-7\"", "board = \"x86-minipc\"")
        .replace("https://registratura.primariaroman.ro\"", &format!("https://localhost:{port}\""))
        .replace(
            "municipality_public_key = \"age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq\"",
            &format!("municipality_public_key = \"{}\"\nintake_ca = \"\"\"\n{ca}\"\"\"", recipient.trim()),
        )
        .replace("port = \"/dev/ghiseu/scanner\"", &format!("port = \"{}\"", tty(&scanner)))
        .replace(
            "driver = \"device\"\npath = \"/dev/ghiseu/printer\"",
            &format!("driver = \"network\"\naddress = \"{printer_addr}\""),
        )
        .replace("port = \"/dev/ghiseu/qr\"", &format!("port = \"{}\"", tty(&qr)));
    for gone in ["rpi5-touch-7", "/dev/ghiseu/", "age1qyqszqgp", "registratura.primariaroman.ro\""] {
        assert!(!filled.contains(gone), "the example changed: `{gone}` is still in\n{filled}");
    }
    std::fs::write(t.join("ghiseu-provision.toml"), &filled).unwrap();

    // Provision with a relative --data, off the image: --board-dir.
    let board_dir = repo().join("board");
    let board_dir = board_dir.to_str().unwrap();
    let args = ["provision", "--data", "kiosk", "--from", "ghiseu-provision.toml", "--board-dir", board_dir];
    let out = run(t, &args);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("enrolment page printed"), "{}", text(&out));
    assert!(!printer.printed().is_empty(), "the enrolment page went to the network printer");
    let config = t.join("kiosk/kiosk.toml");
    let cfg = ghiseu::config::Config::load(&config).unwrap();
    assert_eq!(cfg.kiosk.data_dir, std::fs::canonicalize(t.join("kiosk")).unwrap(), "not kiosk/kiosk");

    // At the registry: enrol the key the panel left next to its file.
    let out = run(
        t,
        &[
            "intake",
            "enroll",
            "--data",
            "intake",
            "--kiosk",
            "primaria-roman-01",
            "--public-key",
            "primaria-roman-01.pub.pem",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));

    // On the panel: every check passes, and only PASS lines.
    let out = run(t, &["selftest", "--config", "kiosk/kiosk.toml"]);
    let lines = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{}", text(&out));
    for name in ["queue", "disk", "gpio", "id_scanner", "printer", "qr_reader", "intake", "intake_auth", "clock"] {
        assert!(lines.lines().any(|l| l.starts_with(&format!("PASS {name} "))), "no PASS {name} in:\n{lines}");
    }
    assert!(lines.lines().all(|l| l.starts_with("PASS ")), "{lines}");
    assert!(lines.contains("TLS ok"), "{lines}");
    assert!(!lines.contains("LED toggled"), "x86-minipc has no GPIO: {lines}");

    // The mistake the docs warn about: the CA's own certificate as the server's.
    let port2 = common::free_port();
    let _wrong = intake(t, &intake_dir, port2, "tls/ca.cert.pem", "tls/ca.key");
    let wrong_cfg = t.join("kiosk/wrong-tls.toml");
    std::fs::write(
        &wrong_cfg,
        std::fs::read_to_string(&config).unwrap().replace(&format!("localhost:{port}"), &format!("localhost:{port2}")),
    )
    .unwrap();
    let out = run(t, &["selftest", "--config", "kiosk/wrong-tls.toml"]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains(
            "the intake's certificate is a CA certificate; make a server certificate signed by your CA: \
             see image-build/README.md#tls"
        ),
        "{}",
        text(&out)
    );
    // The uploader says the same in its log.
    let up = run(t, &["uploader", "--config", "kiosk/wrong-tls.toml", "--drain"]);
    assert!(text(&up).contains("the intake's certificate is a CA certificate"), "{}", text(&up));

    // A device section left out: provisioning refuses, naming it with an example.
    let without_qr =
        filled.replace(&format!("[devices.qr_reader]\ndriver = \"serial\"\nport = \"{}\"\n", tty(&qr)), "");
    assert_ne!(without_qr, filled);
    std::fs::write(t.join("ghiseu-provision.toml"), &without_qr).unwrap();
    let out = run(
        t,
        &["provision", "--data", "kiosk", "--from", "ghiseu-provision.toml", "--board-dir", board_dir, "--force"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("no [devices.qr_reader] section"), "{}", text(&out));
    // … and a kiosk.toml edited by hand the same way does not start.
    let kiosk_toml = std::fs::read_to_string(&config).unwrap();
    let start = kiosk_toml.find("[devices.qr_reader]").unwrap();
    let end = kiosk_toml[start + 1..].find("\n[").map(|e| start + 1 + e + 1).unwrap_or(kiosk_toml.len());
    let cut = format!("{}{}", &kiosk_toml[..start], &kiosk_toml[end..]);
    std::fs::write(t.join("kiosk/cut.toml"), &cut).unwrap();
    for cmd in [
        vec!["selftest", "--config", "kiosk/cut.toml"],
        vec!["run", "--config", "kiosk/cut.toml", "--headless", "shots"],
    ] {
        let out = run(t, &cmd);
        assert_eq!(out.status.code(), Some(1), "{cmd:?}: {}", text(&out));
        assert!(text(&out).contains("`devices.qr_reader`: missing"), "{cmd:?}: {}", text(&out));
    }
    // … and written as simulated, the self-test cannot be misread.
    let simulated = format!("{cut}\n[devices.qr_reader]\ndriver = \"simulated\"\n");
    std::fs::write(t.join("kiosk/simulated.toml"), &simulated).unwrap();
    let out = run(t, &["selftest", "--config", "kiosk/simulated.toml", "--qr-wait", "1"]);
    let lines = String::from_utf8_lossy(&out.stdout).into_owned();
    let qr_line = lines.lines().find(|l| l.contains(" qr_reader ")).unwrap_or_default().to_owned();
    assert!(qr_line.starts_with("FAIL qr_reader") && qr_line.contains("SIMULATED — not a real device"), "{lines}");
    assert!(qr_line.contains("this reader is simulated and never reads a real code"), "{qr_line}");
    let out = run(t, &["selftest", "--config", "kiosk/simulated.toml", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let qr_check = json["checks"].as_array().unwrap().iter().find(|c| c["name"] == "qr_reader").unwrap();
    assert_eq!(qr_check["simulated"], true, "{json}");
    let out = run(t, &["selftest", "--config", "kiosk/simulated.toml"]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("WARN qr_reader   SIMULATED — not a real device"),
        "{}",
        text(&out)
    );
    eprintln!("the technician's walk took {:.1} s", started.elapsed().as_secs_f64());
}

#[test]
fn forms_check_reports_every_mistake_of_a_broken_folder_in_one_run() {
    let out = run(&repo(), &["forms", "check", "tests/forms-broken"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let files: std::collections::BTreeSet<&str> = stdout.lines().filter_map(|l| l.split(':').next()).collect();
    assert_eq!(files.len(), 6, "every broken file at once: {stdout}");
    let one_file: Vec<&str> = stdout.lines().filter(|l| l.contains("f-all-at-once.toml")).collect();
    assert_eq!(one_file.len(), 4, "a category, a type, a date limit and a condition, together: {stdout}");
}

#[test]
fn a_label_date_that_does_not_exist_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    for (date, ok) in [("31.02.2026", false), ("29.02.2026", false), ("29.02.2028", true), ("28.02.2026", true)] {
        let out =
            run(dir.path(), &["print", "label", "--number", "7", "--date", date, "--lang", "zpl", "--out", "l.zpl"]);
        assert_eq!(out.status.success(), ok, "{date}: {}", text(&out));
        if !ok {
            assert!(text(&out).contains("a day that exists"), "{}", text(&out));
        }
    }
}

#[test]
fn a_hungarian_sample_receipt_names_the_service_in_hungarian() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), &["print", "receipt", "--sample", "--text-lang", "hu", "--out", "r.bin"]);
    assert!(out.status.success(), "{}", text(&out));
    let bytes = std::fs::read(dir.path().join("r.bin")).unwrap();
    // "Petíció" in CP852 (generic-80): í = 0xA1, ó = 0xA2; never "Petiție" (ț folded to ţ = 0xEE).
    let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    assert!(has(b"Pet\xa1ci\xa2"), "no Hungarian title");
    assert!(!has(b"Peti\xeeie"), "the Romanian title on a Hungarian receipt");
}

#[test]
fn printer_profiles_show_only_what_applies_to_each() {
    let out = run(&repo(), &["print", "profiles"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = |name: &str| stdout.lines().find(|l| l.starts_with(&format!("{name} "))).unwrap().to_owned();
    let receipt = line("generic-80");
    assert!(receipt.contains("ESC t 18") && !receipt.contains("label"), "{receipt}");
    let label = line("zebra-203");
    assert!(label.contains("labels 50×30 mm") && !label.contains("ESC t") && !label.contains("Cp"), "{label}");
}

#[test]
fn run_headless_speaks_as_ghiseu_run() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = common::write_config(dir.path(), &format!("http://127.0.0.1:{}", common::free_port()));
    let out = Command::new(bin())
        .args(["run", "--config"])
        .arg(&cfg)
        .args(["--headless", "shot", "--screen", "catalogue"])
        .current_dir(dir.path())
        .output_within(180)
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("ghiseu run: wrote") && !stdout.contains("ghiseu demo"), "{stdout}");
}

/// A kiosk killed at once leaves its report behind: the gate must not trust it.
#[test]
fn the_gate_does_not_trust_a_report_left_by_a_killed_kiosk() {
    let dir = tempfile::tempdir().unwrap();
    let cfg_path = common::write_config(dir.path(), &format!("http://127.0.0.1:{}", common::free_port()));
    let cfg = ghiseu::config::Config::load(&cfg_path).unwrap();
    std::fs::create_dir_all(&cfg.kiosk.data_dir).unwrap();
    // A stand-in kiosk process; the report is what it would have written.
    let mut stand_in = Command::new("sleep").arg("60").spawn().unwrap();
    let pid = stand_in.id();
    let report = ghiseu::health::Report {
        pid,
        start_ticks: ghiseu::health::start_ticks(pid).unwrap(),
        boot_id: ghiseu::health::boot_id().unwrap_or_default(),
        version: "0.1.0".into(),
        updated_ms: ghiseu::now_ms(),
        ready: true,
        board: "qemu".into(),
        screen_on: true,
        devices: vec![ghiseu::health::Check::new("printer", Ok("fine".into()))],
        session_active: false,
        queue: None,
        disk_free_mb: None,
    };
    ghiseu::health::write(&cfg.health_path(), &report).unwrap();
    let gate =
        || Command::new(bin()).args(["selftest", "--gate", "--config"]).arg(&cfg_path).output_within(180).unwrap();
    let out = gate();
    assert!(out.status.success(), "alive: {}", text(&out));
    assert!(text(&out).contains("PASS kiosk") && text(&out).contains(&format!("pid {pid}")), "{}", text(&out));
    stand_in.kill().unwrap(); // SIGKILL: no chance to remove the report
    stand_in.wait().unwrap();
    assert!(cfg.health_path().exists());
    let out = gate();
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("FAIL kiosk") && text(&out).contains("no longer runs"), "{}", text(&out));
}

/// SIGTERM (systemctl stop): the report is gone at once.
#[test]
fn a_kiosk_stopped_by_a_signal_removes_its_report() {
    let dir = tempfile::tempdir().unwrap();
    let cfg_path = common::write_config(dir.path(), &format!("http://127.0.0.1:{}", common::free_port()));
    let cfg = ghiseu::config::Config::load(&cfg_path).unwrap();
    let child = Command::new(bin())
        .args(["run", "--config"])
        .arg(&cfg_path)
        .args(["--headless", "shots"])
        .current_dir(dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut kiosk = Guard(child);
    let report: PathBuf = cfg.health_path();
    let start = Instant::now();
    while !report.exists() {
        assert!(start.elapsed() < Duration::from_secs(30), "no health report");
        std::thread::sleep(Duration::from_millis(20));
    }
    let term = Command::new("kill").args(["-TERM", &kiosk.0.id().to_string()]).status().unwrap();
    assert!(term.success());
    let start = Instant::now();
    loop {
        if let Some(_status) = kiosk.0.try_wait().unwrap() {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(15), "the kiosk did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!report.exists(), "the report outlived the kiosk");
}
