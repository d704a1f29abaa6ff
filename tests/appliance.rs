//! The kiosk as an appliance, through the real UI and the real binary:
//!
//! - the screen sleeps with nobody at the panel (backlight off through sysfs),
//!   and the presence sensor or a touch wakes it; the waking touch presses
//!   nothing underneath;
//! - the running kiosk keeps a health report of its own devices, marks it
//!   ready, and removes it when it stops;
//! - `ghiseu selftest --gate` (the update health gate) reads that report,
//!   fails when the kiosk is not running, not ready or stale, and is not
//!   failed by an unreachable intake.
//!
//! Slint's clock is mocked: the screen's countdown moves only when the test
//! advances it.

mod common;
use common::OutputWithin;

use ghiseu::board::{GpioConfig, GpioDriver, SimulatedIo};
use ghiseu::config::Config;
use ghiseu::devices::Devices;
use ghiseu::health::{read_fresh, Report};
use ghiseu::ui::AppAdapter;
use ghiseu::walkthrough::Citizen;
use slint::ComponentHandle;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let start = std::time::Instant::now();
    while !f() {
        // Only a guard against a hang, not a measurement.
        assert!(start.elapsed() < Duration::from_secs(10), "waited in vain for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn the_screen_sleeps_with_nobody_there_and_wakes_for_someone() {
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let cfg_path = common::write_config(dir.path(), &format!("http://127.0.0.1:{}", common::free_port()));
    let text = std::fs::read_to_string(&cfg_path).unwrap().replace(
        "idle_timeout_secs = 300\n",
        "idle_timeout_secs = 300\nscreen_off_after_secs = 60\nruntime_dir = \"run\"\n",
    );
    std::fs::write(&cfg_path, text).unwrap();
    std::fs::create_dir_all(dir.path().join("run")).unwrap();
    let cfg = Config::load(&cfg_path).unwrap();
    // The board: a simulated presence sensor, and a sysfs-like backlight folder.
    let sensor = Arc::new(SimulatedIo::new(GpioConfig {
        driver: GpioDriver::Simulated,
        presence_sensor: Some(17),
        ..Default::default()
    }));
    let backlight_dir = dir.path().join("backlight/10-0045");
    std::fs::create_dir_all(&backlight_dir).unwrap();
    let backlight = ghiseu::screen::Backlight::from_board(Some(backlight_dir.to_str().unwrap()));
    let devices = Devices::from_config(&cfg.devices).with_board(sensor.clone(), backlight);

    ghiseu::kiosk::use_headless_platform(true).unwrap();
    let kiosk = ghiseu::kiosk::build(&cfg, rt.handle().clone(), devices).unwrap();
    kiosk.ui.window.show().unwrap();
    let health = kiosk.health.clone();
    let report_path = cfg.health_path();
    let bl_power = backlight_dir.join("bl_power");
    let weak = kiosk.ui.window.as_weak();
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("screens");
    std::fs::create_dir_all(&shots).unwrap();
    let result = ghiseu::walkthrough::beside_event_loop(move || -> anyhow::Result<()> {
        let mut c = Citizen::new(weak, ghiseu::i18n::Texts::builtin(), Some(shots));
        let report = || read_fresh(&report_path, ghiseu::now_ms()).ok();
        let asleep = |c: &Citizen| c.on_ui(|w| w.global::<AppAdapter>().get_screen_off());
        // In the screen's 5 s ticks, as a running panel sees them.
        let advance = |c: &Citizen, secs: u64| {
            c.on_ui(move |_| {
                for _ in 0..secs / 5 {
                    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(5));
                }
            })
        };
        // The kiosk reports from its first moment; ready once it said READY=1.
        wait_until("a first health report", || report().is_some());
        assert!(!report().unwrap().ready);
        health.set_ready();
        wait_until("the report to say ready", || report().is_some_and(|r| r.ready && r.screen_on));
        let r = report().unwrap();
        let names: Vec<&str> = r.devices.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["gpio", "id_scanner", "printer", "qr_reader"]);
        assert!(r.devices.iter().all(|d| d.ok), "{:?}", r.devices);
        assert!(!r.session_active && r.queue.as_ref().is_some_and(|q| q.pending == 0), "{r:?}");

        // Nobody there: 55 s lit, then dark after 60 s.
        advance(&c, 55)?;
        assert!(!asleep(&c)?);
        advance(&c, 10)?;
        assert!(asleep(&c)?, "the screen sleeps after 60 s at rest");
        wait_until("the backlight off", || std::fs::read_to_string(&bl_power).is_ok_and(|s| s == "4\n"));
        wait_until("the report to say asleep", || report().is_some_and(|r| !r.screen_on));
        c.screenshot("screen-asleep")?;

        // Someone walks up: the sensor wakes it, and it stays lit while they stand there.
        sensor.set_presence(true);
        wait_until("the sensor to wake the screen", || asleep(&c).is_ok_and(|a| !a));
        wait_until("the backlight on", || std::fs::read_to_string(&bl_power).is_ok_and(|s| s == "0\n"));
        advance(&c, 600)?;
        assert!(!asleep(&c)?, "lit while the sensor sees someone");
        sensor.set_presence(false);
        // The edge reaches the UI within a poll.
        std::thread::sleep(Duration::from_millis(600));
        advance(&c, 65)?;
        assert!(asleep(&c)?, "dark again a minute after they left");

        // A touch on the dark screen wakes it and presses nothing underneath.
        c.tap("Depune o cerere")?;
        assert!(!asleep(&c)?);
        assert_eq!(c.screen()?, "home");
        c.tap("Depune o cerere")?;
        assert_eq!(c.screen()?, "catalogue");
        // The fleet client installs nothing while someone is at the panel.
        wait_until("the report to show a session", || report().is_some_and(|r| r.session_active));
        // A session in progress keeps the screen lit, however long.
        advance(&c, 200)?;
        assert!(!asleep(&c)?);
        Ok(())
    });
    result.unwrap().unwrap();
    kiosk.shutdown();
    let path = cfg.health_path();
    wait_until("the report removed at shutdown", || !path.exists());
}

fn gate(cfg: &Path, extra: &[&str]) -> (bool, serde_json::Value) {
    let out = Command::new(common::bin())
        .args(["selftest", "--gate", "--json", "--config"])
        .arg(cfg)
        .args(extra)
        .output_within(180)
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    });
    (out.status.success(), json)
}

fn check<'a>(json: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    json["checks"].as_array().unwrap().iter().find(|c| c["name"] == name).unwrap_or_else(|| panic!("no {name}: {json}"))
}

#[test]
fn the_update_gate_trusts_the_running_kiosk_and_not_the_network() {
    let dir = tempfile::tempdir().unwrap();
    // The intake is down: nothing listens on this port.
    let cfg_path = common::write_config(dir.path(), &format!("http://127.0.0.1:{}", common::free_port()));
    let cfg = Config::load(&cfg_path).unwrap();
    std::fs::create_dir_all(&cfg.kiosk.data_dir).unwrap();
    // Written as by a live kiosk: this test's own process stands in for it.
    let (pid, start_ticks, boot_id) = ghiseu::health::this_process();
    let fresh = |ready: bool, printer_ok: bool| Report {
        pid,
        start_ticks,
        boot_id: boot_id.clone(),
        version: "0.1.0".into(),
        updated_ms: ghiseu::now_ms(),
        ready,
        board: "qemu".into(),
        screen_on: true,
        devices: vec![
            ghiseu::selftest::Check::new("id_scanner", Ok("connected".into())),
            ghiseu::selftest::Check::new(
                "printer",
                if printer_ok { Ok("fine".into()) } else { Err("paper out".into()) },
            ),
        ],
        session_active: false,
        queue: None,
        disk_free_mb: None,
    };

    // No kiosk running: the gate fails, whatever else holds.
    let (ok, json) = gate(&cfg_path, &[]);
    assert!(!ok, "{json}");
    assert_eq!(check(&json, "kiosk")["ok"], false);
    assert!(check(&json, "kiosk")["detail"].as_str().unwrap().contains("not running"), "{json}");

    // A ready kiosk with working devices: the gate passes although the intake is unreachable.
    ghiseu::health::write(&cfg.health_path(), &fresh(true, true)).unwrap();
    let (ok, json) = gate(&cfg_path, &[]);
    assert!(ok, "{json}");
    assert_eq!(check(&json, "kiosk")["ok"], true);
    let intake = check(&json, "intake");
    assert_eq!((intake["ok"].as_bool(), intake["required"].as_bool()), (Some(false), Some(false)), "{json}");
    assert!(check(&json, "printer")["detail"].as_str().unwrap().contains("reported by the running kiosk"));
    // Nothing printed: the devices were not opened.
    assert!(
        !dir.path().join("printer").exists() || std::fs::read_dir(dir.path().join("printer")).unwrap().count() == 0
    );

    // A device the kiosk reports broken fails the gate.
    ghiseu::health::write(&cfg.health_path(), &fresh(true, false)).unwrap();
    let (ok, json) = gate(&cfg_path, &[]);
    assert!(!ok && check(&json, "printer")["ok"] == false, "{json}");

    // Started but no first frame: not ready, the gate fails.
    ghiseu::health::write(&cfg.health_path(), &fresh(false, true)).unwrap();
    let (ok, json) = gate(&cfg_path, &[]);
    assert!(!ok && check(&json, "kiosk")["detail"].as_str().unwrap().contains("not ready"), "{json}");

    // A report a minute old: the kiosk hangs or is gone.
    let mut old = fresh(true, true);
    old.updated_ms -= 120_000;
    ghiseu::health::write(&cfg.health_path(), &old).unwrap();
    let (ok, json) = gate(&cfg_path, &[]);
    assert!(!ok && check(&json, "kiosk")["detail"].as_str().unwrap().contains("120 s old"), "{json}");

    // Outside the gate, a technician's self-test beside a running kiosk reads
    // its report too (the devices are the kiosk's), and the intake counts.
    ghiseu::health::write(&cfg.health_path(), &fresh(true, true)).unwrap();
    let out = Command::new(common::bin()).args(["selftest", "--config"]).arg(&cfg_path).output_within(180).unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{text}");
    assert!(text.contains("PASS kiosk") && text.contains("FAIL intake"), "{text}");
    assert!(text.contains("reported by the running kiosk"), "{text}");
}
