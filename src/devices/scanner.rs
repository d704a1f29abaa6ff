//! ID document scanners: hand back the MRZ text of the card on the reader.

use serde::Deserialize;
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

/// Configuration (`[devices.…]` in the kiosk's TOML file), owned here; `config` only composes it.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "driver", rename_all = "kebab-case", deny_unknown_fields)]
pub enum IdScannerConfig {
    /// Answers every scan request with the configured MRZ lines.
    Simulated {
        #[serde(default = "default_sim_mrz")]
        mrz: Vec<String>,
        #[serde(default = "default_sim_delay")]
        delay_ms: u64,
    },
    /// A scanner on a serial line (RS-232, USB CDC-ACM), e.g. `/dev/ghiseu/id-scanner`.
    Serial {
        port: PathBuf,
        #[serde(default = "default_baud")]
        baud: u32,
        /// `lines` (CR/LF), `stx-etx` (Desko style) or `soh-length` (3M/Thales style).
        #[serde(default = "default_framing")]
        framing: super::framing::Framing,
    },
    /// A scanner that types as a USB keyboard, read (and grabbed) through evdev.
    KeyboardWedge { device: PathBuf },
}

impl Default for IdScannerConfig {
    fn default() -> Self {
        IdScannerConfig::Simulated { mrz: default_sim_mrz(), delay_ms: default_sim_delay() }
    }
}
pub(crate) fn default_baud() -> u32 {
    9600
}
fn default_framing() -> super::framing::Framing {
    super::framing::Framing::Lines
}
fn default_sim_delay() -> u64 {
    300
}
/// A specimen Romanian identity card (TD2, ICAO 9303 specimen data).
pub fn default_sim_mrz() -> Vec<String> {
    crate::identity::SPECIMEN_TD2.iter().map(|l| l.to_string()).collect()
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScanError {
    #[error("no document was presented in time")]
    Timeout,
    #[error("the document could not be read")]
    Unreadable,
    #[error("the scanner is not connected: {0}")]
    Disconnected(String),
}

/// Whether a device can be used, for technicians and the self-test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    Starting,
    Ok,
    /// Unplugged or not found; the driver keeps trying to reconnect.
    Disconnected(String),
}

pub trait IdScanner: Send + Sync {
    /// Waits up to `timeout` for a document and returns its MRZ lines.
    fn scan(&self, timeout: Duration) -> Result<String, ScanError>;

    fn health(&self) -> Health {
        Health::Ok
    }

    /// The simulated driver (`driver = "simulated"`): not a real device,
    /// which the self-test, the health report and the staff desk say.
    fn simulated(&self) -> bool {
        false
    }
}

/// Documents older than this when a scan starts were read for someone else.
const STALE: Duration = Duration::from_secs(20);

/// The scan side of a driver whose reader thread owns the device: documents
/// as they arrive, and the device's health.
pub(super) struct Inbox {
    rx: Mutex<mpsc::Receiver<(Instant, String)>>,
    health: Arc<Mutex<Health>>,
}

/// The reader thread's side of an [`Inbox`].
pub(super) struct Outbox {
    tx: mpsc::Sender<(Instant, String)>,
    health: Arc<Mutex<Health>>,
    /// What the logs call the device ("ID scanner", "QR reader", …).
    device: &'static str,
}

pub(super) fn inbox_for(device: &'static str) -> (Inbox, Outbox) {
    let (tx, rx) = mpsc::channel();
    let health = Arc::new(Mutex::new(Health::Starting));
    (Inbox { rx: Mutex::new(rx), health: health.clone() }, Outbox { tx, health, device })
}

impl Outbox {
    /// Queues a document; false when nobody listens any more.
    pub(super) fn send(&self, doc: String) -> bool {
        self.tx.send((Instant::now(), doc)).is_ok()
    }

    /// Records the device's health, logging each change once.
    pub(super) fn set_health(&self, new: Health) {
        let mut h = self.health.lock().unwrap_or_else(|p| p.into_inner());
        if *h != new {
            match &new {
                Health::Ok => tracing::info!(device = self.device, "connected"),
                Health::Disconnected(why) => tracing::warn!(device = self.device, %why, "disconnected; retrying"),
                Health::Starting => {}
            }
            *h = new;
        }
    }
}

impl Inbox {
    pub(super) fn scan(&self, timeout: Duration) -> Result<String, ScanError> {
        let rx = self.rx.lock().unwrap_or_else(|p| p.into_inner());
        // A card put down just before the button was pressed still counts; older reads do not.
        while let Ok((at, doc)) = rx.try_recv() {
            if at.elapsed() < STALE {
                return Ok(doc);
            }
        }
        rx.recv_timeout(timeout).map(|(_, doc)| doc).map_err(|_| match self.health() {
            Health::Disconnected(why) => ScanError::Disconnected(why),
            _ => ScanError::Timeout,
        })
    }

    pub(super) fn health(&self) -> Health {
        self.health.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// Answers from a script (tests push reads) or, when the script is empty,
/// with the configured card after a short delay, like a real reader.
pub struct SimulatedScanner {
    default_mrz: String,
    delay: Duration,
    script: Mutex<VecDeque<Result<String, ScanError>>>,
}

impl SimulatedScanner {
    pub fn new(mrz_lines: &[String], delay: Duration) -> SimulatedScanner {
        SimulatedScanner { default_mrz: mrz_lines.join("\n"), delay, script: Mutex::default() }
    }

    /// The next scan returns `result` instead of the configured card.
    pub fn push(&self, result: Result<String, ScanError>) {
        self.script.lock().unwrap_or_else(|p| p.into_inner()).push_back(result);
    }
}

impl IdScanner for SimulatedScanner {
    fn simulated(&self) -> bool {
        true
    }

    fn scan(&self, _timeout: Duration) -> Result<String, ScanError> {
        std::thread::sleep(self.delay);
        let scripted = self.script.lock().unwrap_or_else(|p| p.into_inner()).pop_front();
        scripted.unwrap_or_else(|| Ok(self.default_mrz.clone()))
    }
}
