//! Printing: receipts and registry labels. Layouts are data ([`Block`]s for
//! receipts, [`label::LabelData`] for labels), rendered for a printer
//! [`profile::Profile`]: ESC/POS bytes for thermal receipt printers
//! (`escpos.rs`), ZPL / TSPL / ESC/POS rasters for labels (`label.rs`), and a
//! raster preview (PNG) of the same paper for technicians, tests and the
//! headless demo (`raster.rs`). Pure: no device is touched here.

pub mod escpos;
pub mod label;
pub mod layout;
pub mod preview;
pub mod profile;
pub mod raster;
pub mod receipt;
pub mod status;

pub use layout::{Block, JobKind, PrintJob, Style};
pub use profile::Profile;
pub use receipt::{job, local_datetime, local_time, receipt_layout, sample_receipt, PrintSettings, ReceiptData};
