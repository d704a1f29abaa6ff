//! Receipt printers: take a finished job (ESC/POS bytes and its preview).

use crate::config::PrinterConfig;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

/// A rendered print job.
#[derive(Debug, Clone)]
pub struct PrintJob {
    /// A file-name-safe name, e.g. `receipt-K7Q-4M2-X9`.
    pub name: String,
    pub escpos: Vec<u8>,
    /// PNG of what the paper shows.
    pub preview_png: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum PrinterError {
    #[error("printer is offline: {0}")]
    Offline(String),
    #[error("printer write failed: {0}")]
    Io(#[from] std::io::Error),
}

pub trait Printer: Send + Sync {
    fn print(&self, job: &PrintJob) -> Result<(), PrinterError>;
}

/// Writes `NAME.escpos` and `NAME.png` into a folder: the paper a technician can inspect.
pub struct SimulatedPrinter {
    pub out_dir: PathBuf,
}

impl Printer for SimulatedPrinter {
    fn print(&self, job: &PrintJob) -> Result<(), PrinterError> {
        std::fs::create_dir_all(&self.out_dir)?;
        std::fs::write(self.out_dir.join(format!("{}.escpos", job.name)), &job.escpos)?;
        std::fs::write(self.out_dir.join(format!("{}.png", job.name)), &job.preview_png)?;
        Ok(())
    }
}

/// An ESC/POS printer behind a character device (USB printer class `/dev/usb/lp0`, a tty).
pub struct DevicePrinter {
    pub path: PathBuf,
}

impl Printer for DevicePrinter {
    fn print(&self, job: &PrintJob) -> Result<(), PrinterError> {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .open(&self.path)
            .map_err(|e| PrinterError::Offline(format!("{}: {e}", self.path.display())))?;
        f.write_all(&job.escpos)?;
        f.flush()?;
        Ok(())
    }
}

pub fn from_config(cfg: &PrinterConfig) -> Arc<dyn Printer> {
    match cfg {
        PrinterConfig::Simulated { out_dir } => Arc::new(SimulatedPrinter { out_dir: out_dir.clone() }),
        PrinterConfig::Device { path } => Arc::new(DevicePrinter { path: path.clone() }),
    }
}
