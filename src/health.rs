//! The running kiosk's health report: what its own devices say, written
//! every few seconds while `ghiseu run` runs, read by `ghiseu selftest`.
//!
//! The kiosk holds its devices: a serial scanner is opened exclusively, GPIO
//! lines are claimed by one process. A self-test started beside it (the
//! update health gate after every boot, a technician on a console) must not
//! open them again, or it would fail, or steal a citizen's card read. So the
//! kiosk reports, from inside, the state of each device (status queries only:
//! no test page, no LED blinking) and the self-test reads that report when it
//! is fresh.
//!
//! The report holds no personal data: device states, queue counts and times.
//! It lives in `kiosk.runtime_dir` (on a panel `/run/ghiseu`, in memory), is
//! replaced atomically, and is removed when the kiosk stops.

use crate::devices::{Devices, Health};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// How often the kiosk rewrites its report.
pub const PERIOD: Duration = Duration::from_secs(10);
/// An older report is from a kiosk that is gone or hung.
pub const MAX_AGE_MS: i64 = 45_000;

/// One line of a self-test or health report: a name, passed or not, and what was seen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    pub name: String,
    pub ok: bool,
    pub detail: String,
    /// Whether a failure fails the whole self-test. Always, except in the
    /// update gate for what an update cannot break (see `selftest::Options::gate`).
    #[serde(default = "yes")]
    pub required: bool,
    /// A simulated driver answered (`driver = "simulated"`): not a real
    /// device. Reported as `WARN … SIMULATED — not a real device`, never as a
    /// plain pass, so a panel never runs one unnoticed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub simulated: bool,
}

/// The words every report of a simulated device starts with.
pub const SIMULATED: &str = "SIMULATED — not a real device";

fn yes() -> bool {
    true
}

impl Check {
    pub fn new(name: &str, result: Result<String, String>) -> Check {
        let (ok, detail) = match result {
            Ok(d) => (true, d),
            Err(d) => (false, d),
        };
        Check { name: name.to_owned(), ok, detail, required: true, simulated: false }
    }

    /// Marks the check as a simulated device's (when `simulated`): the
    /// detail starts with [`SIMULATED`] and the driver to change.
    pub fn simulated_if(self, simulated: bool) -> Check {
        if !simulated {
            return self;
        }
        let detail = format!(
            "{SIMULATED} (driver = \"simulated\" in [devices.{}]; name the real one); {}",
            self.name, self.detail
        );
        Check { simulated: true, detail, ..self }
    }

    /// `PASS`, `FAIL`, or `WARN` (an advisory failure, or a simulated device).
    pub fn mark(&self) -> &'static str {
        match (self.ok, self.required, self.simulated) {
            (true, _, false) => "PASS",
            (true, _, true) => "WARN",
            (false, true, _) => "FAIL",
            (false, false, _) => "WARN",
        }
    }

    pub(crate) fn advisory(self) -> Check {
        Check { required: false, ..self }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Report {
    /// The kiosk's process id. With `start_ticks` and `boot_id` it names one
    /// process: a report whose writer is gone (killed at once, by SIGKILL or
    /// the OOM killer, before it could remove its report) is not trusted.
    pub pid: u32,
    /// The writer's start time (clock ticks after boot, `/proc/PID/stat` field 22):
    /// a pid reused by another process has another.
    #[serde(default)]
    pub start_ticks: u64,
    /// The boot the report was written in (`/proc/sys/kernel/random/boot_id`).
    #[serde(default)]
    pub boot_id: String,
    pub version: String,
    /// When this report was written (Unix ms).
    pub updated_ms: i64,
    /// Queue open and the first frame drawn (what READY=1 told systemd).
    pub ready: bool,
    pub board: String,
    /// Whether the screen is lit (it sleeps when nobody is there).
    pub screen_on: bool,
    /// One entry per device, as the kiosk sees it.
    pub devices: Vec<Check>,
    /// A citizen (or staff) is at the panel: anything but the home screen.
    /// The fleet client installs no update while it is true.
    #[serde(default)]
    pub session_active: bool,
    /// The queue's counts and times (no codes, no content); absent when unreadable.
    #[serde(default)]
    pub queue: Option<QueueHealth>,
    /// Free space where the queue lives.
    #[serde(default)]
    pub disk_free_mb: Option<u64>,
}

/// What the fleet's office needs to see of the queue: a stuck or rejecting panel.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct QueueHealth {
    pub pending: u64,
    pub rejected: u64,
    pub oldest_pending_ms: Option<i64>,
    /// The last submission the registry confirmed.
    pub last_upload_ms: Option<i64>,
}

/// The queue's health, read from its database (`None` when it cannot be opened).
pub fn queue_health(queue_path: &Path) -> Option<QueueHealth> {
    let q = crate::queue::Queue::open(queue_path).ok()?;
    let c = q.counts().ok()?;
    Some(QueueHealth {
        pending: c.pending,
        rejected: c.rejected,
        oldest_pending_ms: c.oldest_pending_ms,
        last_upload_ms: q.last_uploaded_ms().ok().flatten(),
    })
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ReadError {
    #[error("no report at {0}: the kiosk is not running")]
    Missing(PathBuf),
    #[error("the report is {0} s old: the kiosk stopped or hangs")]
    Stale(i64),
    #[error(
        "the report at {path} was left by kiosk pid {pid}, which no longer runs ({why}): the kiosk is not running"
    )]
    Gone { path: PathBuf, pid: u32, why: String },
    #[error("unreadable report {path}: {message}")]
    Unreadable { path: PathBuf, message: String },
}

/// Writes `report` to `path` atomically (a reader never sees half of it).
pub fn write(path: &Path, report: &Report) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, serde_json::to_vec_pretty(report).map_err(std::io::Error::other)?)?;
    std::fs::rename(&tmp, path)
}

/// The report at `path`, if it was written within [`MAX_AGE_MS`] of `now_ms`.
pub fn read_fresh(path: &Path, now_ms: i64) -> Result<Report, ReadError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(ReadError::Missing(path.into())),
        Err(e) => return Err(ReadError::Unreadable { path: path.into(), message: e.to_string() }),
    };
    let report: Report = serde_json::from_slice(&bytes)
        .map_err(|e| ReadError::Unreadable { path: path.into(), message: e.to_string() })?;
    let age = now_ms - report.updated_ms;
    if age > MAX_AGE_MS {
        return Err(ReadError::Stale(age / 1000));
    }
    let gone = |why: String| ReadError::Gone { path: path.into(), pid: report.pid, why };
    // A kiosk confined with ProcSubset=pid (ghiseu.service) cannot read the
    // boot id and writes none; its pid and start time still say who it is.
    if let Some(boot) = boot_id().filter(|_| !report.boot_id.is_empty()) {
        if report.boot_id != boot {
            return Err(gone("written before this boot".into()));
        }
    }
    match start_ticks(report.pid) {
        None => return Err(gone("no such process".into())),
        Some(t) if t != report.start_ticks => return Err(gone("that pid is now another process".into())),
        Some(_) => {}
    }
    Ok(report)
}

/// This boot's id (`/proc/sys/kernel/random/boot_id`), when the kernel gives one.
pub fn boot_id() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/random/boot_id").ok().map(|s| s.trim().to_owned())
}

/// When process `pid` started, in clock ticks after boot (`/proc/PID/stat`
/// field 22); `None` when no such process runs.
pub fn start_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    // Fields from 3 (state) on: the start time is field 22.
    rest.split_whitespace().nth(22 - 3)?.parse().ok()
}

/// Who this process is, as a report records it: (pid, start ticks, boot id).
pub fn this_process() -> (u32, u64, String) {
    let pid = std::process::id();
    (pid, start_ticks(pid).unwrap_or(0), boot_id().unwrap_or_default())
}

/// Removes the report at `path` however this process ends, as far as a
/// process can: SIGTERM or SIGINT (then the kiosk stops as at a normal exit)
/// and a panic. SIGKILL leaves it behind; [`read_fresh`] then sees that its
/// writer is gone. `on_signal` runs after the removal (e.g. quit the UI loop).
pub fn remove_at_exit(path: PathBuf, runtime: &tokio::runtime::Handle, on_signal: impl FnOnce() + Send + 'static) {
    let hook_path = path.clone();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = std::fs::remove_file(&hook_path);
        previous(info);
    }));
    runtime.spawn(async move {
        use tokio::signal::unix::{signal, SignalKind};
        let (Ok(mut term), Ok(mut int)) = (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) else {
            return;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        let _ = std::fs::remove_file(&path);
        tracing::info!("stopping on a signal; health report removed");
        on_signal();
    });
}

/// Each device's state by status queries only: nothing printed, no LED
/// toggled, no card asked for. Blocks on device I/O: call off the UI thread.
pub fn device_checks(devices: &Devices) -> Vec<Check> {
    let mut checks = vec![];
    let presence = devices.board.presence().map_err(|e| e.to_string()).map(|p| {
        let seen = match p {
            Some(true) => ", presence sensor: someone there",
            Some(false) => ", presence sensor: nobody",
            None => "",
        };
        format!("{}{seen}", devices.board.describe())
    });
    checks.push(Check::new("gpio", presence));
    checks.push(
        Check::new("id_scanner", reader_state(devices.id_scanner.health(), "connected"))
            .simulated_if(devices.id_scanner.simulated()),
    );
    checks
        .push(Check::new("printer", printer_state(devices.printer.as_ref())).simulated_if(devices.printer.simulated()));
    if let Some(labels) = &devices.label_printer {
        checks.push(Check::new("label_printer", printer_state(labels.as_ref())).simulated_if(labels.simulated()));
    }
    checks.push(
        Check::new("qr_reader", reader_state(devices.qr_reader.health(), "listening"))
            .simulated_if(devices.qr_reader.simulated()),
    );
    if devices.document.configured() {
        let doc = &devices.document;
        let state = reader_state(doc.health(), "ready").map(|s| format!("{}: {s}", doc.describe()));
        checks.push(Check::new("document", state).simulated_if(doc.simulated()));
    }
    checks
}

/// A reader's health (ID scanner, QR reader) as a check's outcome.
fn reader_state(health: Health, ok: &str) -> Result<String, String> {
    match health {
        Health::Ok => Ok(ok.to_owned()),
        Health::Starting => Err("starting".to_owned()),
        Health::Disconnected(why) => Err(format!("not connected: {why}")),
    }
}

/// A printer's status read back, without printing: fine, or what is wrong.
pub fn printer_state(printer: &dyn crate::devices::Printer) -> Result<String, String> {
    let status = printer.status();
    let text = status.describe(&crate::i18n::Texts::builtin(), crate::i18n::Lang::En);
    match status.problem() {
        None => Ok(format!("{}: {text}", printer.describe())),
        Some(_) => Err(format!("{}: {text} {}", printer.describe(), status.detail).trim_end().to_owned()),
    }
}

/// What the rest of the kiosk tells the reporter; a change is written at once.
#[derive(Clone)]
pub struct Flags {
    ready: Arc<AtomicBool>,
    screen_on: Arc<AtomicBool>,
    session_active: Arc<AtomicBool>,
    changed: Arc<tokio::sync::Notify>,
}

impl Default for Flags {
    fn default() -> Flags {
        Flags {
            ready: Arc::default(),
            screen_on: Arc::new(AtomicBool::new(true)),
            session_active: Arc::default(),
            changed: Arc::default(),
        }
    }
}

impl Flags {
    /// READY=1 was sent: queue open, first frame drawn.
    pub fn set_ready(&self) {
        self.ready.store(true, Ordering::SeqCst);
        self.changed.notify_one();
    }
    pub fn set_screen_on(&self, on: bool) {
        self.screen_on.store(on, Ordering::SeqCst);
        self.changed.notify_one();
    }
    /// Someone is at the panel (any screen but home); written at once when it changes.
    pub fn set_session_active(&self, active: bool) {
        if self.session_active.swap(active, Ordering::SeqCst) != active {
            self.changed.notify_one();
        }
    }
    pub fn session_active(&self) -> bool {
        self.session_active.load(Ordering::SeqCst)
    }
    pub fn ready(&self) -> bool {
        self.ready.load(Ordering::SeqCst)
    }
    pub fn screen_on(&self) -> bool {
        self.screen_on.load(Ordering::SeqCst)
    }
}

/// Writes the running kiosk's report.
#[derive(Clone)]
pub struct Reporter {
    pub path: PathBuf,
    pub board: String,
    pub devices: Devices,
    pub flags: Flags,
    /// The queue database, for its counts in the report.
    pub queue: Option<PathBuf>,
}

impl Reporter {
    pub fn report(&self, now_ms: i64) -> Report {
        let (pid, start_ticks, boot_id) = this_process();
        Report {
            pid,
            start_ticks,
            boot_id,
            version: env!("CARGO_PKG_VERSION").to_owned(),
            updated_ms: now_ms,
            ready: self.flags.ready(),
            board: self.board.clone(),
            screen_on: self.flags.screen_on(),
            devices: device_checks(&self.devices),
            session_active: self.flags.session_active(),
            queue: self.queue.as_deref().and_then(queue_health),
            disk_free_mb: self
                .queue
                .as_deref()
                .and_then(|q| q.parent())
                .and_then(|d| crate::queue::free_bytes(d).ok())
                .map(|b| b / (1024 * 1024)),
        }
    }

    /// Rewrites the report every [`PERIOD`], and at once when a flag changes,
    /// until `stop` turns true; then removes it (a stopped kiosk has no
    /// report, so no one trusts an old one).
    pub async fn run(self, mut stop: tokio::sync::watch::Receiver<bool>) {
        loop {
            let me = self.clone();
            let stopping = stop.clone();
            // Never rewrite a report once the kiosk stops (it is removed then).
            let written = tokio::task::spawn_blocking(move || {
                let report = me.report(crate::now_ms());
                if *stopping.borrow() {
                    return Ok(());
                }
                write(&me.path, &report)
            })
            .await;
            if let Ok(Err(e)) = written {
                tracing::warn!(path = %self.path.display(), error = %e, "cannot write the health report");
            }
            tokio::select! {
                _ = tokio::time::sleep(PERIOD) => {}
                _ = self.flags.changed.notified() => {}
                _ = stop.changed() => break,
            }
        }
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(updated_ms: i64) -> Report {
        let (pid, start_ticks, boot_id) = this_process();
        Report {
            pid,
            start_ticks,
            boot_id,
            version: "0.1.0".into(),
            updated_ms,
            ready: true,
            board: "qemu".into(),
            screen_on: true,
            devices: vec![Check::new("printer", Ok("fine".into()))],
            session_active: false,
            queue: None,
            disk_free_mb: None,
        }
    }

    #[test]
    fn a_report_is_trusted_only_while_fresh() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("health.json");
        assert_eq!(read_fresh(&path, 1_000), Err(ReadError::Missing(path.clone())));
        write(&path, &report(1_000)).unwrap();
        assert_eq!(read_fresh(&path, 1_000 + MAX_AGE_MS).unwrap(), report(1_000));
        assert_eq!(read_fresh(&path, 1_000 + MAX_AGE_MS + 60_000), Err(ReadError::Stale(105)));
        std::fs::write(&path, "{ half").unwrap();
        assert!(matches!(read_fresh(&path, 1_000), Err(ReadError::Unreadable { .. })));
    }

    #[test]
    fn a_report_whose_kiosk_is_gone_or_from_another_boot_is_not_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("health.json");
        // A process that has exited (as after SIGKILL): its pid no longer runs.
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        let r = Report { pid: dead, ..report(1_000) };
        write(&path, &r).unwrap();
        let e = read_fresh(&path, 1_000).unwrap_err();
        assert!(matches!(e, ReadError::Gone { .. }) && e.to_string().contains("not running"), "{e}");
        // The pid of a live process that started at another time (a reused pid).
        write(&path, &Report { start_ticks: report(1_000).start_ticks + 1, ..report(1_000) }).unwrap();
        assert!(read_fresh(&path, 1_000).unwrap_err().to_string().contains("another process"));
        // Left from before a reboot (/run is memory on a panel, but runtime_dir may not be).
        write(&path, &Report { boot_id: "an-earlier-boot".into(), ..report(1_000) }).unwrap();
        assert!(read_fresh(&path, 1_000).unwrap_err().to_string().contains("before this boot"));
        // A kiosk that could not read the boot id (ProcSubset=pid) wrote none:
        // read by a process that can (the fleet client), it is still its live self.
        write(&path, &Report { boot_id: String::new(), ..report(1_000) }).unwrap();
        assert_eq!(read_fresh(&path, 1_000).unwrap().pid, std::process::id());
    }

    #[test]
    fn the_report_carries_the_session_and_the_queue_but_no_content() {
        let dir = tempfile::tempdir().unwrap();
        let qpath = dir.path().join("queue.sqlite");
        let mut q = crate::queue::Queue::open(&qpath).unwrap();
        q.enqueue("petitie", "k1", "ABCD-1234", b"sealed", 1_000).unwrap();
        q.enqueue("petitie", "k2", "EFGH-5678", b"sealed", 2_000).unwrap();
        q.enqueue("petitie", "k3", "JKLM-9012", b"sealed", 3_000).unwrap();
        let reg = crate::queue::Registration {
            registration_number: "7".into(),
            registration_date: "01.01.2026".into(),
            stage: "registered".into(),
        };
        q.mark_uploaded("k1", &reg, 5_000).unwrap();
        q.mark_rejected("k2", "refused").unwrap();
        let devices = Devices::from_config(&crate::devices::DevicesConfig {
            printer: crate::devices::printer::PrinterConfig::Simulated {
                out_dir: dir.path().join("printer"),
                profile: None,
                paper: Default::default(),
            },
            ..Default::default()
        });
        let reporter = Reporter {
            path: dir.path().join("health.json"),
            board: "t".into(),
            devices,
            flags: Flags::default(),
            queue: Some(qpath),
        };
        assert!(!reporter.report(9_000).session_active);
        reporter.flags.set_session_active(true);
        let r = reporter.report(9_000);
        assert!(r.session_active);
        let qh = r.queue.clone().unwrap();
        assert_eq!(
            (qh.pending, qh.rejected, qh.oldest_pending_ms, qh.last_upload_ms),
            (1, 1, Some(3_000), Some(5_000))
        );
        assert!(r.disk_free_mb.is_some());
        let text = serde_json::to_string(&r).unwrap();
        assert!(!text.contains("JKLM") && !text.contains("sealed"), "no codes, no content: {text}");
        // A report from before these fields still reads.
        let old =
            r#"{"pid":1,"version":"0.1.0","updated_ms":1,"ready":true,"board":"t","screen_on":true,"devices":[]}"#;
        let old: Report = serde_json::from_str(old).unwrap();
        assert!(!old.session_active && old.queue.is_none());
    }

    #[test]
    fn device_checks_only_ask_for_status() {
        let dir = tempfile::tempdir().unwrap();
        let mut devices = Devices::from_config(&crate::devices::DevicesConfig {
            printer: crate::devices::printer::PrinterConfig::Simulated {
                out_dir: dir.path().into(),
                profile: None,
                paper: Default::default(),
            },
            ..Default::default()
        });
        let sim = Arc::new(crate::board::SimulatedIo::new(crate::board::GpioConfig {
            driver: crate::board::GpioDriver::Simulated,
            presence_sensor: Some(17),
            status_led: Some(27),
            ..Default::default()
        }));
        devices.board = sim.clone();
        let checks = device_checks(&devices);
        let names: Vec<&str> = checks.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["gpio", "id_scanner", "printer", "qr_reader"]);
        assert!(checks.iter().all(|c| c.ok), "{checks:?}");
        assert!(checks[0].detail.contains("nobody"), "{}", checks[0].detail);
        // Nothing printed, nothing toggled.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        assert!(sim.lines().writes.is_empty());
    }
}
