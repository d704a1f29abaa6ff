//! Devices behind small traits, each with a real driver and a simulated one.
//!
//! Which driver runs is configuration ([`DevicesConfig`]), not
//! `cfg`: the demo, the tests and a panel in a lobby run the same code. Calls
//! block (a scanner waits for a card); callers run them off the UI thread.

pub mod capture;
pub mod doc_camera;
pub mod framing;
pub mod keypad;
pub mod link;
pub mod printer;
pub mod printer_sim;
pub mod qr;
pub mod sane;
pub mod sane_helper;
pub mod scanner;
pub mod serial;
pub mod speech;
pub mod wedge;

use printer::PrinterConfig;
use qr::QrReaderConfig;
use scanner::IdScannerConfig;
use speech::SpeechConfig;
use std::sync::Arc;
use std::time::Duration;

pub use capture::{CaptureError, PageSource};
pub use printer::{PrintJob, Printer, PrinterError};
pub use qr::QrReader;
pub use scanner::{Health, IdScanner, ScanError};
use serde::Deserialize;

/// Configuration (`[devices.…]` in the kiosk's TOML file), owned here; `config` only composes it.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct DevicesConfig {
    #[serde(default)]
    pub id_scanner: IdScannerConfig,
    #[serde(default)]
    pub printer: PrinterConfig,
    #[serde(default)]
    pub qr_reader: QrReaderConfig,
    /// The registry's label printer (staff desk); none when absent.
    #[serde(default)]
    pub label_printer: Option<PrinterConfig>,
    /// The label printer's language (from `[labels] language`), so its status is asked in it.
    #[serde(skip)]
    pub label_language: crate::print::label::LabelLang,
    #[serde(default)]
    pub speech: SpeechConfig,
    /// The tactile keypad and the headphone jack (audio mode); none by default.
    #[serde(default)]
    pub keypad: keypad::KeypadConfig,
    /// The document camera or scanner citizens' pages are taken with; none by default.
    #[serde(default)]
    pub document: capture::PageSourceConfig,
}

/// The kiosk's devices, as the configuration chose them.
#[derive(Clone)]
pub struct Devices {
    pub id_scanner: Arc<dyn IdScanner>,
    pub printer: Arc<dyn Printer>,
    pub qr_reader: Arc<dyn QrReader>,
    /// The registry's label printer, when one is configured.
    pub label_printer: Option<Arc<dyn Printer>>,
    pub speaker: Arc<dyn speech::Speaker>,
    /// The tactile keypad and the headphone jack.
    pub keypad: Arc<dyn keypad::Keypad>,
    /// The document camera or scanner (a [`capture::NoPageSource`] when none is configured).
    pub document: Arc<dyn PageSource>,
    /// The board's GPIO (presence sensor, status LED, printer relay), opened
    /// once by the kiosk from the board file; none until [`Devices::with_board`].
    pub board: Arc<dyn crate::board::BoardIo>,
    /// The display's backlight, from the board file.
    pub backlight: Arc<crate::screen::Backlight>,
}

impl Devices {
    pub fn from_config(cfg: &DevicesConfig) -> Devices {
        Devices {
            id_scanner: id_scanner(&cfg.id_scanner),
            printer: printer::from_config(&cfg.printer),
            qr_reader: qr::from_config(&cfg.qr_reader),
            // Label printers are asked for their status in their own language.
            label_printer: cfg
                .label_printer
                .as_ref()
                .map(|p| printer::from_config_lang(p, printer::StatusProtocol::for_kind(cfg.label_language.kind()))),
            speaker: speech::from_config(&cfg.speech),
            // The configuration checks the key map at start (`config`); should one slip by, no keypad.
            keypad: keypad::from_config(&cfg.keypad).unwrap_or_else(|e| {
                tracing::error!(error = %e, "keypad not started");
                Arc::new(keypad::NoKeypad)
            }),
            document: page_source(&cfg.document),
            board: Arc::new(crate::board::NoIo),
            backlight: Arc::default(),
        }
    }

    /// The same devices with the board's GPIO and backlight.
    pub fn with_board(self, board: Arc<dyn crate::board::BoardIo>, backlight: crate::screen::Backlight) -> Devices {
        Devices { board, backlight: Arc::new(backlight), ..self }
    }
}

/// The ID scanner the configuration names (the drivers depend on `scanner`'s
/// trait, so the choice among them is made up here).
fn id_scanner(cfg: &scanner::IdScannerConfig) -> Arc<dyn IdScanner> {
    match cfg {
        scanner::IdScannerConfig::Simulated { mrz, delay_ms } => {
            Arc::new(scanner::SimulatedScanner::new(mrz, Duration::from_millis(*delay_ms)))
        }
        scanner::IdScannerConfig::Serial { port, baud, framing } => {
            Arc::new(serial::SerialScanner::start(port.clone(), *baud, *framing))
        }
        scanner::IdScannerConfig::KeyboardWedge { device } => Arc::new(wedge::WedgeScanner::start(device.clone())),
    }
}

/// The page source the configuration names (the drivers depend on
/// `capture`'s trait, so the choice among them is made up here).
pub fn page_source(cfg: &capture::PageSourceConfig) -> Arc<dyn PageSource> {
    use capture::PageSourceConfig;
    match cfg {
        PageSourceConfig::None => Arc::new(capture::NoPageSource),
        PageSourceConfig::Simulated { dir, fault, delay_ms } => {
            Arc::new(capture::SimulatedPageSource::new(dir.clone(), *fault, Duration::from_millis(*delay_ms)))
        }
        PageSourceConfig::V4l2 { device, width, height } => {
            Arc::new(doc_camera::DocCamera::new(device.clone(), *width, *height))
        }
        PageSourceConfig::Sane { device, resolution, mode, options, timeout_secs } => {
            let mut opts: Vec<(String, sane::OptValue)> = vec![
                ("mode".into(), sane::OptValue::Text(mode.clone())),
                ("resolution".into(), sane::OptValue::Number(*resolution as f64)),
            ];
            for (k, v) in options {
                opts.push((k.clone(), sane::OptValue::from_toml(v)));
            }
            Arc::new(sane_helper::SaneScanner::new(
                device.clone(),
                opts,
                sane_helper::helper_program(),
                Duration::from_secs(*timeout_secs),
            ))
        }
    }
}
