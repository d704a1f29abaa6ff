//! ID document scanners: hand back the MRZ text of the card on the reader.

use crate::config::IdScannerConfig;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

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
    fn scan(&self, _timeout: Duration) -> Result<String, ScanError> {
        std::thread::sleep(self.delay);
        let scripted = self.script.lock().unwrap_or_else(|p| p.into_inner()).pop_front();
        scripted.unwrap_or_else(|| Ok(self.default_mrz.clone()))
    }
}

pub fn from_config(cfg: &IdScannerConfig) -> Arc<dyn IdScanner> {
    match cfg {
        IdScannerConfig::Simulated { mrz, delay_ms } => {
            Arc::new(SimulatedScanner::new(mrz, Duration::from_millis(*delay_ms)))
        }
        IdScannerConfig::Serial { port, baud, framing } => {
            Arc::new(super::serial::SerialScanner::start(port.clone(), *baud, *framing))
        }
        IdScannerConfig::KeyboardWedge { device } => Arc::new(super::wedge::WedgeScanner::start(device.clone())),
    }
}
