//! `ghiseu selftest`: checks each configured part of a kiosk and reports one
//! line (or one JSON object) per check; technicians run it after installing
//! a panel, and the update health gate (`ghiseu-health.service`) runs it
//! after every boot: a new RAUC slot is marked good only when all pass.
//!
//! Checks never change citizens' data: the queue is only opened and counted,
//! the disk gets a probe file, the printer gets a test page, the status LED
//! blinks, and the scanner and QR reader are asked for a code only when a
//! wait is requested. The intake check proves the kiosk's key with a signed
//! request that the intake does not store.

use crate::board::BoardIo;
use crate::config::Config;
use crate::devices::{Devices, Health};
use std::time::Duration;

/// How long the interactive checks wait; zero skips the wait.
#[derive(Debug, Clone, Copy, Default)]
pub struct Waits {
    /// For a card on the ID scanner (zero: only check it is connected).
    pub card: Duration,
    /// For a QR code on the reader (zero: only check it is configured).
    pub qr: Duration,
}

/// The earliest plausible time on a kiosk running this release
/// (2026-11-01T00:00:00Z): a clock before it lost its time (a Pi has no RTC).
const CLOCK_FLOOR_MS: i64 = 1_793_491_200_000;
/// More drift than this from the intake's clock fails the clock check:
/// receipts carry dates and deadlines.
const MAX_DRIFT_MS: i64 = 5 * 60 * 1000;

pub use crate::health::Check;

fn check(name: &str, result: Result<String, String>) -> Check {
    Check::new(name, result)
}

/// Whether these checks pass: every required one is ok.
pub fn passed(checks: &[Check]) -> bool {
    checks.iter().all(|c| c.ok || !c.required)
}

/// How the self-test runs.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub waits: Waits,
    /// The update health gate (`ghiseu-health.service`, after every boot):
    /// the running kiosk must be ready and report every device working;
    /// nothing is printed; the intake, the enrolment and the clock are
    /// reported but do not decide, because an update cannot break them and
    /// an outage of the registry's server must not roll a panel back.
    pub gate: bool,
}

/// Where the device checks come from.
pub enum Source<'a> {
    /// No kiosk runs: open and exercise the devices (prints a test page).
    Direct(&'a Devices),
    /// A kiosk runs and holds the devices: its health report says how they are.
    Kiosk(&'a crate::health::Report),
    /// In the gate, the kiosk is not running or not fresh: why.
    Missing(String),
}

/// Runs every check: the queue and the disk, the devices (from `source`),
/// the intake and the clock.
pub async fn run(cfg: &Config, source: Source<'_>, opts: Options) -> Vec<Check> {
    let gate = opts.gate;
    let mut checks = vec![];
    let queue_path = cfg.queue_path();
    let queue = tokio::task::spawn_blocking(move || {
        let q = crate::queue::Queue::open(&queue_path).map_err(|e| (e.to_string(), vec![]))?;
        let c = q.counts().map_err(|e| (e.to_string(), vec![]))?;
        let counts = format!("{} pending, {} uploaded, {} need attention", c.pending, c.uploaded, c.rejected);
        match crate::queue::corrupt_files(&queue_path) {
            corrupt if corrupt.is_empty() => Ok(counts),
            corrupt => Err((counts, corrupt)),
        }
    })
    .await
    .unwrap_or_else(|e| Err((e.to_string(), vec![])));
    checks.push(match queue {
        Ok(counts) => check("queue", Ok(counts)),
        Err((why, corrupt)) if corrupt.is_empty() => check("queue", Err(why)),
        // The kiosk moved a corrupt database aside and goes on with a new one:
        // a technician must look, but an old file must not roll every update back.
        Err((counts, corrupt)) => {
            let c = check(
                "queue",
                Err(format!("{counts}; corrupt databases moved aside, to inspect: {}", corrupt.join(", "))),
            );
            if gate {
                c.advisory()
            } else {
                c
            }
        }
    });

    let (dir, min_mb) = (cfg.kiosk.data_dir.clone(), cfg.kiosk.min_free_mb);
    let disk = tokio::task::spawn_blocking(move || disk(&dir, min_mb)).await.unwrap_or_else(|e| Err(e.to_string()));
    checks.push(check("disk", disk));

    match source {
        Source::Direct(devices) => checks.extend(exercise_devices(cfg, devices, opts.waits).await),
        Source::Kiosk(report) => {
            checks.push(kiosk(report));
            checks.extend(
                report
                    .devices
                    .iter()
                    .map(|c| Check { detail: format!("{} (reported by the running kiosk)", c.detail), ..c.clone() }),
            );
        }
        Source::Missing(why) => checks.push(check("kiosk", Err(why))),
    }

    let client = cfg.intake_client(Duration::from_secs(5));
    let url = cfg.intake.url.trim_end_matches('/').to_owned();
    let tls = if url.starts_with("https://") { "TLS ok" } else { "plain HTTP: a test bench only" };
    let health = client.health().await;
    let advisory = |c: Check| if gate { c.advisory() } else { c };
    checks.push(advisory(check(
        "intake",
        health.clone().map(|_| format!("{url} answers ({tls})")).map_err(|e| match crate::crypto::tls_advice(&e) {
            Some(advice) => format!("{url}: {advice} (TLS: {e})"),
            None => format!("{url}: {e}"),
        }),
    )));

    let now = crate::now_ms();
    let auth = match (&health, crate::crypto::KioskKey::load(&cfg.security.kiosk_key)) {
        (Err(_), _) => Err("skipped: the intake does not answer".to_owned()),
        (_, Err(e)) => Err(e.to_string()),
        (Ok(()), Ok(key)) => client.check_kiosk(&cfg.kiosk.id, &key, now).await.map_err(|e| {
            format!("{e} (enrol this kiosk's public key at the intake; fingerprint {})", key.fingerprint())
        }),
    };
    let server_time = auth.as_ref().ok().map(|ok| ok.server_time_ms);
    checks.push(advisory(check(
        "intake_auth",
        auth.map(|ok| format!("kiosk {} is enrolled and its key matches", ok.kiosk_id)),
    )));
    let synchronized = std::path::Path::new("/run/systemd/timesync/synchronized");
    checks.push(advisory(check("clock", clock(now, server_time, synchronized))));
    checks
}

/// The running kiosk, from its report.
fn kiosk(r: &crate::health::Report) -> Check {
    let screen = if r.screen_on { "screen on" } else { "screen asleep" };
    let about = format!("pid {}, version {}, board {}, {screen}", r.pid, r.version, r.board);
    check(
        "kiosk",
        if r.ready {
            Ok(format!("running and ready ({about})"))
        } else {
            Err(format!("running but not ready: no first frame yet ({about})"))
        },
    )
}

/// Opens and exercises each device: blinks the LED, prints a test page,
/// waits for a card or a code when asked. Only when no kiosk holds them.
async fn exercise_devices(cfg: &Config, devices: &Devices, waits: Waits) -> Vec<Check> {
    let card_wait = waits.card;
    let mut checks = vec![];
    // Before the printer: on a Pi the relay powers it.
    let io = devices.board.clone();
    let gpio = tokio::task::spawn_blocking(move || gpio(io.as_ref())).await.unwrap_or_else(|e| Err(e.to_string()));
    checks.push(check("gpio", gpio));

    let scanner = devices.id_scanner.clone();
    let id = tokio::task::spawn_blocking(move || {
        // Give a serial or wedge driver a moment to open its device.
        let start = std::time::Instant::now();
        while scanner.health() == Health::Starting && start.elapsed() < Duration::from_secs(2) {
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_millis(150));
        match scanner.health() {
            Health::Disconnected(why) => return Err(format!("not connected: {why}")),
            Health::Starting => return Err("did not start".into()),
            Health::Ok => {}
        }
        if card_wait.is_zero() {
            return Ok("connected".into());
        }
        let text = scanner.scan(card_wait).map_err(|e| e.to_string())?;
        match crate::identity::parse_mrz(&text) {
            Ok(m) if m.valid => Ok(format!("read a valid {:?} document", m.format)),
            Ok(m) => Err(format!("read a {:?} document whose check digits fail", m.format)),
            Err(e) => Err(e.to_string()),
        }
    })
    .await
    .unwrap_or_else(|e| Err(e.to_string()));
    checks.push(check("id_scanner", id).simulated_if(devices.id_scanner.simulated()));

    let printer = devices.printer.clone();
    let municipality = cfg.kiosk.municipality.clone();
    let profile = cfg.receipt_profile().expect("checked at load");
    let print = tokio::task::spawn_blocking(move || {
        use crate::print::{Block, Style};
        let blocks = vec![
            Block::Text { text: municipality, style: Style::Title },
            Block::Text { text: "Pagină de test — ăâîșț ĂÂÎȘȚ".into(), style: Style::Normal },
            Block::Qr("ghiseu selftest".into()),
        ];
        let job = crate::print::job("selftest".into(), &blocks, &profile);
        // Status first, so a technician sees "paper near end" even when it prints.
        let status = printer.status();
        let state = status.describe(&crate::i18n::Texts::builtin(), crate::i18n::Lang::En);
        printer
            .print(&job)
            .map(|_| format!("test page sent to {} ({}; profile {})", printer.describe(), state, profile.name))
            .map_err(|e| format!("{}: {e} ({state})", printer.describe()))
    })
    .await
    .unwrap_or_else(|e| Err(e.to_string()));
    checks.push(check("printer", print).simulated_if(devices.printer.simulated()));

    if let Some(labels) = devices.label_printer.clone() {
        let simulated = labels.simulated();
        // Status only: a test label would waste a sticker.
        let status = tokio::task::spawn_blocking(move || {
            let s = labels.status();
            let text = s.describe(&crate::i18n::Texts::builtin(), crate::i18n::Lang::En);
            match s.problem() {
                None => Ok(format!("{}: {text}", labels.describe())),
                Some(_) => Err(format!("{}: {text} {}", labels.describe(), s.detail)),
            }
        })
        .await
        .unwrap_or_else(|e| Err(e.to_string()));
        checks.push(check("label_printer", status).simulated_if(simulated));
    }

    let reader = devices.qr_reader.clone();
    let simulated = reader.simulated();
    let qr = if waits.qr.is_zero() {
        Ok("configured (no code asked for; use --qr-wait SECS to scan one)".to_owned())
    } else {
        let wait = waits.qr;
        tokio::task::spawn_blocking(move || match reader.next_code(wait) {
            // The code's text may be anything a citizen carries: only its length is reported.
            Some(code) => Ok(format!("read a code of {} characters", code.chars().count())),
            None if simulated => Err(format!(
                "no code within {} s: this reader is simulated and never reads a real code; \
                 set the real driver in [devices.qr_reader]",
                wait.as_secs()
            )),
            None => Err(format!("no code within {} s", wait.as_secs())),
        })
        .await
        .unwrap_or_else(|e| Err(e.to_string()))
    };
    checks.push(check("qr_reader", qr).simulated_if(simulated));

    if devices.document.configured() {
        let source = devices.document.clone();
        let simulated = source.simulated();
        // One still, as a citizen's page is taken: its size and how long it took.
        let page = tokio::task::spawn_blocking(move || {
            let start = std::time::Instant::now();
            let result = source.capture();
            source.release();
            result
                .map(|img| {
                    format!(
                        "{}: captured a {}×{} page in {} ms",
                        source.describe(),
                        img.width(),
                        img.height(),
                        start.elapsed().as_millis()
                    )
                })
                .map_err(|e| format!("{}: {e}", source.describe()))
        })
        .await
        .unwrap_or_else(|e| Err(e.to_string()));
        checks.push(check("document", page).simulated_if(simulated));
    }

    checks
}

/// Free space above the reserve, and the data folder takes a durable write.
fn disk(dir: &std::path::Path, configured_mb: Option<u64>) -> Result<String, String> {
    use std::io::Write;
    let space = crate::queue::space(dir, configured_mb).map_err(|e| format!("{}: {e}", dir.display()))?;
    let probe = dir.join(".selftest-probe");
    let written = std::fs::File::create(&probe).and_then(|mut f| {
        f.write_all(b"ghiseu selftest\n")?;
        f.sync_all()
    });
    let _ = std::fs::remove_file(&probe);
    written.map_err(|e| format!("cannot write in {}: {e}", dir.display()))?;
    disk_verdict(dir, space)
}

/// The disk line: the free space, the file system's size (a data partition
/// grown on first boot shows here) and the reserve.
fn disk_verdict(dir: &std::path::Path, space: crate::queue::Space) -> Result<String, String> {
    let crate::queue::Space { free_mb, total_mb, reserve_mb } = space;
    if free_mb < reserve_mb {
        return Err(format!(
            "{free_mb} MB free in {} of {total_mb} MB, below the {reserve_mb} MB reserve: new submissions are refused",
            dir.display()
        ));
    }
    Ok(format!("{free_mb} MB free in {} of {total_mb} MB ({reserve_mb} MB kept in reserve)", dir.display()))
}

/// Blinks the status LED, powers the printer, reads the presence sensor:
/// each only when the board has that line, and the detail says only what was done.
fn gpio(io: &dyn BoardIo) -> Result<String, String> {
    let what = io.describe();
    let (led, relay) = io.outputs();
    let mut done = vec![];
    if led {
        for on in [true, false, true] {
            io.set_status_led(on).map_err(|e| e.to_string())?;
            std::thread::sleep(Duration::from_millis(150));
        }
        done.push("LED toggled");
    }
    if relay {
        io.set_printer_power(true).map_err(|e| e.to_string())?;
        done.push("printer power on");
    }
    match io.presence().map_err(|e| e.to_string())? {
        Some(true) => done.push("presence sensor: someone there"),
        Some(false) => done.push("presence sensor: nobody"),
        None => {}
    }
    if done.is_empty() {
        return Ok(format!("{what}: nothing to test (no LED, printer relay or presence sensor in the board file)"));
    }
    Ok(format!("{what}: {}", done.join(", ")))
}

/// The clock is plausible and, when the intake answered, close to its clock.
fn clock(now_ms: i64, server_ms: Option<i64>, ntp_flag: &std::path::Path) -> Result<String, String> {
    let now = jiff::Timestamp::from_millisecond(now_ms).map_err(|e| e.to_string())?;
    if now_ms < CLOCK_FLOOR_MS {
        return Err(format!("the clock says {now}, before this release was built: set the time or check NTP"));
    }
    let ntp = if ntp_flag.exists() { "NTP-synchronised" } else { "not NTP-synchronised" };
    match server_ms {
        Some(server) if (server - now_ms).abs() > MAX_DRIFT_MS => Err(format!(
            "{now} is {} s off the intake's clock ({ntp}): receipts would carry wrong dates",
            (now_ms - server) / 1000
        )),
        Some(server) => Ok(format!("{now}, {} ms from the intake's clock ({ntp})", (now_ms - server).abs())),
        None => Ok(format!("{now} ({ntp}; not compared: the intake's kiosk check did not answer)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clock_before_the_release_or_far_from_the_intake_fails() {
        let flag = std::path::Path::new("/nonexistent/synchronized");
        let e = clock(0, None, flag).unwrap_err();
        assert!(e.contains("1970") && e.contains("NTP"), "{e}");
        let now = CLOCK_FLOOR_MS + 86_400_000;
        assert!(clock(now, None, flag).unwrap().contains("not compared"));
        assert!(clock(now, Some(now + 2_000), flag).unwrap().contains("2000 ms"));
        let e = clock(now, Some(now + 10 * 60 * 1000), flag).unwrap_err();
        assert!(e.contains("-600 s off"), "{e}");
    }

    #[test]
    fn the_gpio_check_blinks_the_led_and_powers_the_printer() {
        use crate::board::{GpioConfig, GpioDriver, SimulatedIo};
        let sim = SimulatedIo::new(GpioConfig {
            driver: GpioDriver::Simulated,
            status_led: Some(27),
            printer_relay: Some(22),
            presence_sensor: Some(17),
            ..Default::default()
        });
        sim.set_presence(true);
        let detail = gpio(&sim).unwrap();
        assert!(detail.contains("someone there"), "{detail}");
        let writes = sim.lines().writes;
        assert_eq!(
            writes,
            vec![("status_led", true), ("status_led", false), ("status_led", true), ("printer_power", true)]
        );
    }

    #[test]
    fn a_board_without_gpio_claims_nothing_it_did_not_do() {
        let detail = gpio(&crate::board::NoIo).unwrap();
        assert!(!detail.contains("LED toggled") && !detail.contains("printer power on"), "{detail}");
        assert!(detail.starts_with("no GPIO on this board: nothing to test"), "{detail}");
    }

    #[test]
    fn the_disk_check_fails_below_the_reserve() {
        let dir = tempfile::tempdir().unwrap();
        assert!(disk(dir.path(), Some(0)).unwrap().contains("MB free"));
        assert!(disk(dir.path(), Some(u64::MAX / (1024 * 1024))).unwrap_err().contains("reserve"));
        assert!(disk(&dir.path().join("missing"), None).is_err());
        let space = |free_mb| crate::queue::Space { free_mb, total_mb: 2200, reserve_mb: 200 };
        let data = std::path::Path::new("/data");
        let ok = disk_verdict(data, space(1900)).unwrap();
        assert_eq!(ok, "1900 MB free in /data of 2200 MB (200 MB kept in reserve)");
        let e = disk_verdict(data, space(150)).unwrap_err();
        assert!(e.contains("below the 200 MB reserve"), "{e}");
    }
}
