//! QR readers: hand back the text of a scanned code.

use crate::config::QrReaderConfig;
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

pub trait QrReader: Send + Sync {
    /// Waits up to `timeout` for a code; `None` when none was scanned.
    fn next_code(&self, timeout: Duration) -> Option<String>;
}

/// Codes come from [`SimulatedQrReader::inject`] (tests, the demo script).
pub struct SimulatedQrReader {
    tx: Mutex<mpsc::Sender<String>>,
    rx: Mutex<mpsc::Receiver<String>>,
}

impl Default for SimulatedQrReader {
    fn default() -> Self {
        let (tx, rx) = mpsc::channel();
        SimulatedQrReader { tx: Mutex::new(tx), rx: Mutex::new(rx) }
    }
}

impl SimulatedQrReader {
    pub fn inject(&self, code: &str) {
        let _ = self.tx.lock().unwrap_or_else(|p| p.into_inner()).send(code.to_owned());
    }
}

impl QrReader for SimulatedQrReader {
    fn next_code(&self, timeout: Duration) -> Option<String> {
        self.rx.lock().unwrap_or_else(|p| p.into_inner()).recv_timeout(timeout).ok()
    }
}

pub fn from_config(cfg: &QrReaderConfig) -> Arc<dyn QrReader> {
    match cfg {
        QrReaderConfig::Simulated => Arc::new(SimulatedQrReader::default()),
    }
}
