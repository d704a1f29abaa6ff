//! `ghiseu fleet` against a real DDI server: gooseBit (PyPI `goosebit`,
//! which implements hawkBit's device API on SQLite and parses RAUC bundles)
//! started by the test, a real signed RAUC bundle published to it, and
//! stand-ins for `rauc` and `systemctl` on PATH (shell scripts that record
//! what they were asked and answer `rauc status` from a file, so the test
//! plays the reboot, the health gate and the rollback).
//!
//! gooseBit has no cancellation (`cancelAction`) and no confirmation flow
//! (`confirmationBase`), and always serves the whole file; a small in-test
//! DDI server (axum, `fleet/mock.rs`) shows the cancel, the confirmation and
//! the `Range` resume after a dropped link.
//!
//! Needs gooseBit in tests/fleet/venv (or GHISEU_GOOSEBIT_PYTHON), rauc,
//! squashfs-tools, e2fsprogs and curl: `scripts/setup --test`.

mod common;
use common::OutputWithin;

use common::*;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

const TOKEN: &str = "0123456789abcdef0123456789abcdef";

fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("GHISEU_GOOSEBIT_PYTHON") {
        return p.into();
    }
    let p = repo().join("tests/fleet/venv/bin/python");
    assert!(p.exists(), "gooseBit is not installed: run scripts/setup --test (tests/fleet/venv)");
    p
}

struct GooseBit {
    child: Child,
    url: String,
    dir: PathBuf,
    admin: String,
}

impl Drop for GooseBit {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn curl(args: &[&str]) -> Value {
    let out = Command::new("curl").args(["-sS", "--fail-with-body"]).args(args).output_within(180).expect("curl");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "curl {args:?}: {text} {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

impl GooseBit {
    fn start(dir: &Path) -> GooseBit {
        let dir = dir.join("goosebit");
        std::fs::create_dir_all(&dir).unwrap();
        let port = free_port();
        let log = std::fs::File::create(dir.join("server.log")).unwrap();
        let child = Command::new(python())
            .arg(repo().join("tests/fleet/goosebit_server.py"))
            .arg(&dir)
            .arg(port.to_string())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("python");
        let url = format!("http://127.0.0.1:{port}");
        let mut g = GooseBit { child, url, dir, admin: String::new() };
        // About 3 s on an idle machine; far more while two cores also compile.
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let out = Command::new("curl")
                .args(["-sS", "-X", "POST", "-d", "username=admin&password=admin"])
                .arg(format!("{}/login", g.url))
                .output_within(180)
                .unwrap();
            if let Ok(v) = serde_json::from_slice::<Value>(&out.stdout) {
                if let Some(t) = v["access_token"].as_str() {
                    g.admin = format!("Authorization: Bearer {t}");
                    return g;
                }
            }
            let log = std::fs::read_to_string(g.dir.join("server.log")).unwrap_or_default();
            assert!(Instant::now() < deadline, "gooseBit did not start:\n{log}");
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn api(&self, method: &str, path: &str, body: Value) -> Value {
        let url = format!("{}/api/v1/{path}", self.url);
        let body = body.to_string();
        curl(&["-X", method, "-H", &self.admin, "-H", "content-type: application/json", "-d", &body, &url])
    }

    fn upload(&self, bundle: &Path) -> i64 {
        let url = format!("{}/api/v1/software", self.url);
        let file = format!("file=@{}", bundle.display());
        curl(&["-X", "PUT", "-H", &self.admin, "-F", &file, &url])["id"].as_i64().expect("software id")
    }

    fn device(&self, id: &str) -> Value {
        let all = curl(&["-H", &self.admin, &format!("{}/api/v1/devices", self.url)]);
        all["devices"].as_array().unwrap().iter().find(|d| d["id"] == id).cloned().unwrap_or(Value::Null)
    }

    /// Every DDI request the panel made so far.
    fn requests(&self) -> Vec<Value> {
        std::fs::read_to_string(self.dir.join("ddi.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

/// A signed bundle as `image-build/build` makes one, with a small slot image.
fn bundle(dir: &Path, version: &str) -> PathBuf {
    let d = dir.join(format!("bundle-{version}"));
    let content = d.join("content/etc");
    std::fs::create_dir_all(&content).unwrap();
    std::fs::write(content.join("ghiseu-version"), format!("{version}\n")).unwrap();
    let noise: Vec<u8> =
        (0..300_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8 ^ version.len() as u8).collect();
    std::fs::write(content.join("noise"), noise).unwrap();
    let b = d.join("bundle");
    std::fs::create_dir_all(&b).unwrap();
    let out = Command::new("mkfs.ext4")
        .args(["-q", "-d"])
        .arg(d.join("content"))
        .arg(b.join("rootfs.ext4"))
        .arg("8M")
        .output_within(180)
        .unwrap();
    assert!(out.status.success(), "mkfs.ext4: {}", String::from_utf8_lossy(&out.stderr));
    std::fs::write(
        b.join("manifest.raucm"),
        format!("[update]\ncompatible=ghiseu-amd64\nversion={version}\n\n[bundle]\nformat=verity\n\n[image.rootfs]\nfilename=rootfs.ext4\n"),
    )
    .unwrap();
    let keys = repo().join("image-build/test-keys");
    let file = dir.join(format!("ghiseu-{version}-amd64.raucb"));
    let out = Command::new("rauc")
        .arg("bundle")
        .arg(format!("--cert={}", keys.join("signing.cert.pem").display()))
        .arg(format!("--key={}", keys.join("signing.key.pem").display()))
        .arg(format!("--keyring={}", keys.join("ca.cert.pem").display()))
        .arg("--mksquashfs-args=-comp zstd -Xcompression-level 3")
        .arg(&b)
        .arg(&file)
        .output_within(180)
        .expect("rauc (scripts/setup --test)");
    assert!(out.status.success(), "rauc bundle: {}", String::from_utf8_lossy(&out.stderr));
    file
}

/// A panel: a kiosk config with `[fleet]`, its token file, stand-ins for
/// `rauc` and `systemctl`, and a health report the test writes.
struct Panel {
    dir: PathBuf,
    config: PathBuf,
    bin: PathBuf,
}

impl Panel {
    fn new(dir: &Path, server: &str, extra: &str) -> Panel {
        let config = write_config(dir, "http://127.0.0.1:9");
        std::fs::write(dir.join("fleet.token"), format!("{TOKEN}\n")).unwrap();
        let mut text = std::fs::read_to_string(&config).unwrap();
        text.push_str(&format!("\n[fleet]\nserver = \"{server}\"\ntoken_file = \"fleet.token\"\n{extra}"));
        std::fs::write(&config, text).unwrap();
        let bin = dir.join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        let d = dir.display();
        let rauc = format!(
            "#!/bin/sh\ncase \"$1\" in\n  status) cat '{d}/rauc-status.json' ;;\n  install)\n    echo \"$2\" >> '{d}/rauc-install.log'\n    \
             cp \"$2\" '{d}/installed.raucb'\n    ;;\n  *) echo \"rauc stand-in: $*\" >&2; exit 2 ;;\nesac\n"
        );
        let systemctl = format!("#!/bin/sh\necho \"$*\" >> '{d}/systemctl.log'\n");
        for (name, text) in [("rauc", rauc), ("systemctl", systemctl)] {
            std::fs::write(bin.join(name), text).unwrap();
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(bin.join(name), std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let p = Panel { dir: dir.into(), config, bin };
        p.slots("A", "good", "bad", None);
        p.health(false, true);
        p
    }

    /// What `rauc status --output-format=json` says.
    fn slots(&self, booted: &str, a: &str, b: &str, b_version: Option<&str>) {
        let b_status = b_version.map(|v| json!({"bundle": {"compatible": "ghiseu-amd64", "version": v}}));
        let status = json!({
            "compatible": "ghiseu-amd64", "variant": "", "booted": booted, "boot_primary": "rootfs.0",
            "slots": [
                {"rootfs.0": {"class": "rootfs", "bootname": "A", "state": if booted == "A" {"booted"} else {"inactive"}, "boot_status": a}},
                {"rootfs.1": {"class": "rootfs", "bootname": "B", "state": if booted == "B" {"booted"} else {"inactive"}, "boot_status": b, "slot_status": b_status}}
            ]
        });
        std::fs::write(self.dir.join("rauc-status.json"), status.to_string()).unwrap();
    }

    /// The running kiosk's report: a session or not, paper or not.
    fn health(&self, session: bool, paper: bool) {
        let printer = if paper {
            json!({"name": "printer", "ok": true, "detail": "simulated: ok"})
        } else {
            json!({"name": "printer", "ok": false, "detail": "simulated printer: paper out"})
        };
        // Written as a live kiosk would: this test process stands for it (the
        // report is trusted only while its writer runs, in this boot).
        let pid = std::process::id();
        let report = json!({
            "pid": pid, "start_ticks": ghiseu::health::start_ticks(pid).unwrap(),
            "boot_id": ghiseu::health::boot_id().unwrap_or_default(), "version": "0.1.0", "updated_ms": ghiseu::now_ms(), "ready": true, "board": "desktop",
            "screen_on": true, "session_active": session,
            "devices": [{"name": "id_scanner", "ok": true, "detail": "connected"}, printer,
                        {"name": "qr_reader", "ok": true, "detail": "listening"}],
            "queue": {"pending": 3, "rejected": 1, "oldest_pending_ms": ghiseu::now_ms() - 90_000, "last_upload_ms": 1_790_000_000_000i64},
            "disk_free_mb": 812
        });
        std::fs::create_dir_all(self.dir.join("data")).unwrap();
        std::fs::write(self.dir.join("data/health.json"), report.to_string()).unwrap();
    }

    /// One `ghiseu fleet --once`; returns its log and how long it took.
    fn once(&self) -> (String, Duration) {
        let (ok, log, took) = self.try_once();
        assert!(ok, "ghiseu fleet --once failed:\n{log}");
        (log, took)
    }

    fn try_once(&self) -> (bool, String, Duration) {
        let path = format!("{}:{}", self.bin.display(), std::env::var("PATH").unwrap_or_default());
        let t = Instant::now();
        let out = Command::new(bin())
            .args(["fleet", "--once", "--config"])
            .arg(&self.config)
            .env("PATH", path)
            .env("GHISEU_LOG", "ghiseu=info")
            .output_within(180)
            .unwrap();
        let took = t.elapsed();
        let log = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        (out.status.success(), log, took)
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.join(name)).unwrap_or_default()
    }
}

/// Feedback bodies the panel posted, as (execution, finished, details).
fn feedback(reqs: &[Value]) -> Vec<(String, String, String)> {
    reqs.iter()
        .filter(|r| r["method"] == "POST" && r["path"].as_str().unwrap().ends_with("/feedback"))
        .map(|r| {
            let s = &r["body"]["status"];
            (
                s["execution"].as_str().unwrap().to_owned(),
                s["result"]["finished"].as_str().unwrap().to_owned(),
                s["details"].to_string(),
            )
        })
        .collect()
}

fn attribute_puts(reqs: &[Value]) -> Vec<Value> {
    reqs.iter()
        .filter(|r| r["method"] == "PUT" && r["path"].as_str().unwrap().ends_with("/configData"))
        .map(|r| r["body"]["data"].clone())
        .collect()
}

#[test]
fn a_panel_registers_updates_through_goosebit_and_reports_the_gate() {
    let dir = tempfile::tempdir().unwrap();
    let gb = GooseBit::start(dir.path());
    // Strict token mode: the operator creates the panel with its token (as at provisioning).
    gb.api("PUT", "devices", json!({"devices": ["test-01"], "auth_token": TOKEN}));
    // Maintenance hours that are not now: gooseBit's deployments are `forced`,
    // so the panel installs at once anyway (but never during a session).
    let h = jiff::Zoned::now().hour();
    let window = format!("maintenance = \"{:02}:00-{:02}:00\"\n", (h + 2) % 24, (h + 3) % 24);
    let panel = Panel::new(&dir.path().join("panel"), &gb.url, &window);

    // 1. Registration: attributes on the configData link, with the target token.
    let (_, first) = panel.once();
    let reqs = gb.requests();
    assert!(reqs.iter().all(|r| r["headers"]["authorization"] == format!("TargetToken {TOKEN}")), "{reqs:?}");
    let attrs = attribute_puts(&reqs);
    assert_eq!(attrs.len(), 1, "{reqs:?}");
    let a = &attrs[0];
    for (k, v) in [
        ("kiosk_id", "test-01"),
        ("municipality", "Primăria Test"),
        ("image_version", "0.1.0"),
        ("slot", "A"),
        ("rauc_compatible", "ghiseu-amd64"),
        ("hw_boardname", "ghiseu-amd64"),
        ("queue_pending", "3"),
        ("queue_rejected", "1"),
        ("printer_state", "ok"),
        ("disk_free_mb", "810"),
        ("kiosk_state", "ready"),
    ] {
        assert_eq!(a[k], v, "attribute {k}: {a}");
    }
    assert!(a["board"].as_str().is_some_and(|b| !b.is_empty()) && a["queue_oldest_age_secs"].as_str().is_some(), "{a}");
    assert_eq!(gb.device("test-01")["hardware"]["model"], "ghiseu-amd64");
    // Nothing else changed: the next cycle sends no attributes.
    panel.once();
    assert_eq!(attribute_puts(&gb.requests()).len(), 1);

    // 2. A rollout of a real bundle; a citizen is at the panel: downloaded and verified, not installed.
    let b2 = bundle(dir.path(), "0.2.0");
    let sw = gb.upload(&b2);
    gb.api("PUT", "rollouts", json!({"name": "pilot", "feed": "default", "software_id": sw}));
    panel.health(true, true);
    let (log, download_cycle) = panel.once();
    assert!(panel.read("rauc-install.log").is_empty(), "installed during a session:\n{log}");
    let fb = feedback(&gb.requests());
    assert!(fb.iter().any(|(e, _, d)| e == "proceeding" && d.contains("Sha1 verified")), "{fb:?}");
    assert!(fb.iter().any(|(_, _, d)| d.contains("a citizen is using the kiosk")), "{fb:?}");
    // Still there at the next poll: no new download, and the wait is not reported again.
    panel.once();
    let fb = feedback(&gb.requests());
    assert_eq!(fb.iter().filter(|(_, _, d)| d.contains("a citizen")).count(), 1, "{fb:?}");
    assert_eq!(fb.iter().filter(|(_, _, d)| d.contains("downloading")).count(), 1, "{fb:?}");
    assert!(panel.read("rauc-install.log").is_empty());

    // 3. The session ends: installed with `rauc install BUNDLE`, then `systemctl reboot`.
    panel.health(false, true);
    let (log, _) = panel.once();
    assert_eq!(panel.read("rauc-install.log").lines().count(), 1, "{log}");
    assert_eq!(std::fs::read(panel.dir.join("installed.raucb")).unwrap(), std::fs::read(&b2).unwrap());
    assert_eq!(panel.read("systemctl.log").trim(), "reboot");
    let fb = feedback(&gb.requests());
    assert!(fb.iter().any(|(_, _, d)| d.contains("installed 0.2.0; rebooting")), "{fb:?}");
    assert!(!fb.iter().any(|(e, _, _)| e == "closed"), "closed before the gate: {fb:?}");

    // 4. After the reboot B runs but the gate has not marked it good: no result yet.
    panel.slots("B", "good", "bad", Some("0.2.0"));
    panel.once();
    let fb = feedback(&gb.requests());
    assert!(!fb.iter().any(|(e, _, _)| e == "closed"), "success before the gate: {fb:?}");
    assert!(fb.last().unwrap().2.contains("waiting for the health gate"), "{fb:?}");
    // The gate's mark-good: success, and gooseBit records the new version.
    panel.slots("B", "good", "good", Some("0.2.0"));
    panel.once();
    let fb = feedback(&gb.requests());
    let closed: Vec<_> = fb.iter().filter(|(e, _, _)| e == "closed").collect();
    assert_eq!(closed.len(), 1, "{fb:?}");
    assert!(closed[0].1 == "success" && closed[0].2.contains("marked good"), "{closed:?}");
    let dev = gb.device("test-01");
    assert_eq!((dev["last_state"].as_str(), dev["sw_version"].as_str()), (Some("Finished"), Some("0.2.0")), "{dev}");
    assert_eq!(attribute_puts(&gb.requests()).last().unwrap()["image_version"], "0.2.0");

    // 5. The next update fails its gate: the panel comes back on B (the slot it came from).
    let b3 = bundle(dir.path(), "0.3.0");
    let sw = gb.upload(&b3);
    gb.api("PUT", "rollouts", json!({"name": "pilot-2", "feed": "default", "software_id": sw}));
    panel.once();
    assert_eq!(panel.read("rauc-install.log").lines().count(), 2);
    panel.slots("B", "bad", "good", Some("0.2.0"));
    panel.once();
    let fb = feedback(&gb.requests());
    let (_, finished, details) = fb.iter().rfind(|(e, _, _)| e == "closed").unwrap();
    assert_eq!(finished, "failure", "{fb:?}");
    assert!(details.contains("rolled back") && details.contains("slot A is bad"), "{details}");
    assert_eq!(gb.device("test-01")["last_state"], "Error");

    // 6. Health: paper runs out; the next cycle sends the changed attributes.
    panel.health(false, false);
    panel.once();
    let last = attribute_puts(&gb.requests()).last().unwrap().clone();
    assert_eq!(last["printer_state"], "paper out", "{last}");
    let sent = gb.requests().iter().map(|r| r.to_string()).collect::<String>();
    assert!(!sent.contains("CNP") && !sent.contains("cnp"), "personal data in a request");
    eprintln!(
        "fleet numbers: registration cycle {:?}; download + verify of a {} KB bundle {:?}",
        first,
        std::fs::metadata(&b2).unwrap().len() / 1024,
        download_cycle
    );
}

/// A small DDI server in the test, for what gooseBit does not do: a link
/// that drops mid-download (the panel resumes with `Range`) and a
/// cancellation (`cancelAction`).
#[path = "fleet/mock.rs"]
mod mock;

#[test]
fn a_dropped_download_resumes_with_range_and_a_cancel_is_honoured() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let state = mock::Shared::default();
    // 8 MiB that do not compress.
    state.lock().unwrap().bundle = (0..8u32 << 20).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let url = rt.block_on(mock::serve(state.clone()));
    let artifact = rt.block_on(mock::serve_artifact(state.clone()));
    state.lock().unwrap().artifact_url = artifact;
    let dir = tempfile::tempdir().unwrap();
    // Maintenance hours that are not now: an `attempt` deployment waits for them.
    let h = jiff::Zoned::now().hour();
    let window = format!("maintenance = \"{:02}:00-{:02}:00\"\n", (h + 2) % 24, (h + 3) % 24);
    let panel = Panel::new(dir.path(), &url, &window);

    let (log, took) = panel.once();
    let st = state.lock().unwrap();
    let downloads: Vec<_> = st.log.iter().filter(|(_, p, _, _)| p == "download").collect();
    assert_eq!(downloads.len(), 2, "{log}");
    let half = (8u64 << 20) / 2;
    let resumed_from: u64 =
        downloads[1].2.as_deref().unwrap().strip_prefix("bytes=").unwrap().trim_end_matches('-').parse().unwrap();
    assert!(resumed_from > 0 && resumed_from <= half, "resumed from {resumed_from}");
    let details: Vec<String> = st
        .log
        .iter()
        .filter(|(m, _, _, _)| m == "POST")
        .map(|(_, _, _, b)| b["status"]["details"].to_string())
        .collect();
    assert!(details.iter().any(|d| d.contains("Sha256 verified")), "{details:?}");
    assert!(details.last().unwrap().contains("waiting for the maintenance hours"), "{details:?}");
    assert!(panel.read("rauc-install.log").is_empty());
    let bundle = dir.path().join("data/fleet/action-7.raucb");
    assert_eq!(std::fs::read(&bundle).unwrap(), st.bundle, "the resumed file is the server's, byte for byte");
    drop(st);

    // The operator cancels: acknowledged on cancelAction's feedback, the bundle removed, nothing installed.
    state.lock().unwrap().cancel = true;
    let (_, cancel_took) = panel.once();
    let st = state.lock().unwrap();
    let (_, path, _, body) = st.log.iter().rfind(|(m, _, _, _)| m == "POST").unwrap();
    assert!(path.ends_with("/cancelAction/8/feedback"), "{path}");
    assert_eq!(
        (body["status"]["execution"].as_str(), body["status"]["result"]["finished"].as_str()),
        (Some("closed"), Some("success"))
    );
    assert!(!bundle.exists() && panel.read("rauc-install.log").is_empty());
    eprintln!(
        "fleet numbers: 8 MiB download dropped at {} bytes and resumed, verified (sha256), in one cycle of {took:?}; cancel cycle {cancel_took:?}",
        resumed_from
    );
}

#[test]
fn the_fleet_server_is_trusted_only_with_the_configured_ca() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key, right) = common::pki(dir.path(), "updates");
    let (_, _, wrong) = common::pki(dir.path(), "other");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let state = mock::Shared::default();
    state.lock().unwrap().cancel = true;
    let url = rt.block_on(mock::serve_tls(state.clone(), &cert, &key));

    let other = Panel::new(&dir.path().join("other"), &url, &format!("ca = \"{}\"\n", wrong.display()));
    let (ok, log, _) = other.try_once();
    assert!(!ok, "a server whose certificate the configured CA did not sign must not be trusted:\n{log}");
    assert!(log.to_lowercase().contains("certificate"), "{log}");
    assert!(state.lock().unwrap().log.is_empty(), "nothing reached the server");

    let panel = Panel::new(&dir.path().join("panel"), &url, &format!("ca = \"{}\"\n", right.display()));
    panel.once();
    let st = state.lock().unwrap();
    assert!(st.log.iter().any(|(m, p, _, _)| m == "PUT" && p == "configData"), "{:?}", st.log);
    assert!(st.log.iter().any(|(m, p, _, _)| m == "POST" && p.ends_with("/cancelAction/8/feedback")));
}

/// hawkBit's confirmation flow ("user consent"): the server offers the
/// deployment only once the panel confirms. The panel confirms by itself
/// when it would install now (nobody at it, inside its maintenance hours)
/// and gives no answer until then; once confirmed, the deployment runs as
/// any other.
#[test]
fn a_deployment_waiting_for_consent_is_confirmed_only_when_the_panel_could_install() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let state = mock::Shared::default();
    state.lock().unwrap().bundle = (0..1u32 << 20).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    state.lock().unwrap().confirm = true;
    state.lock().unwrap().dropped = true; // a whole download this time
    let url = rt.block_on(mock::serve(state.clone()));
    let artifact = rt.block_on(mock::serve_artifact(state.clone()));
    state.lock().unwrap().artifact_url = artifact;
    let dir = tempfile::tempdir().unwrap();
    let consents = |st: &mock::Ddi| -> Vec<Value> {
        st.log
            .iter()
            .filter(|(m, p, _, _)| m == "POST" && p.contains("/confirmationBase/"))
            .map(|l| l.3.clone())
            .collect()
    };

    // Outside the maintenance hours: asked, not confirmed, nothing downloaded.
    let h = jiff::Zoned::now().hour();
    let window = format!("maintenance = \"{:02}:00-{:02}:00\"\n", (h + 2) % 24, (h + 3) % 24);
    let night = Panel::new(&dir.path().join("night"), &url, &window);
    // The fleet service cannot see the kiosk's private key (an empty file in
    // its namespace, ghiseu-fleet.service's InaccessiblePaths=): it needs none.
    std::fs::write(dir.path().join("night/keys/kiosk.pem"), "").unwrap();
    night.once();
    // A citizen at a panel with no hours: not confirmed either.
    let panel = Panel::new(&dir.path().join("panel"), &url, "");
    panel.health(true, true);
    panel.once();
    {
        let st = state.lock().unwrap();
        assert_eq!(
            st.log.iter().filter(|(m, p, _, _)| m == "GET" && p == "confirmationBase").count(),
            2,
            "{:?}",
            st.log
        );
        assert!(consents(&st).is_empty(), "confirmed while it could not install: {:?}", consents(&st));
        assert!(!st.log.iter().any(|(_, p, _, _)| p == "deploymentBase" || p == "download"), "{:?}", st.log);
    }

    // The citizen leaves: confirmed, with the reason.
    panel.health(false, true);
    panel.once();
    {
        let st = state.lock().unwrap();
        let c = consents(&st);
        assert_eq!(c.len(), 1, "{c:?}");
        assert_eq!(c[0]["confirmation"], "confirmed");
        assert!(c[0]["details"].to_string().contains("nobody at it"), "{c:?}");
    }
    // The server now offers the deployment: downloaded, verified, installed.
    let (log, _) = panel.once();
    assert_eq!(panel.read("rauc-install.log").lines().count(), 1, "{log}");
    assert_eq!(panel.read("systemctl.log").trim(), "reboot");
    assert!(night.read("rauc-install.log").is_empty());
}
