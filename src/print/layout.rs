//! The vocabulary of printing: a layout as [`Block`]s, and a finished
//! [`PrintJob`] in a printer's language. A leaf of `print`: the renderers
//! (`escpos`, `preview`, `label`) and the receipt build on it.

use super::raster::Bitmap;
use std::sync::Arc;

/// A rendered print job.
#[derive(Debug, Clone)]
pub struct PrintJob {
    /// A file-name-safe name, e.g. `receipt-K7Q-4M2-X9`.
    pub name: String,
    /// What goes to the printer, in the language `kind` names.
    pub bytes: Vec<u8>,
    /// PNG of what the paper shows.
    pub preview_png: Vec<u8>,
    pub kind: JobKind,
}

/// The printer language a job's bytes are in (the simulated printer names files after it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    EscPos,
    Zpl,
    Tspl,
}

impl JobKind {
    pub fn extension(self) -> &'static str {
        match self {
            JobKind::EscPos => "escpos",
            JobKind::Zpl => "zpl",
            JobKind::Tspl => "tspl",
        }
    }
}

/// One block of a printed layout, top to bottom.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Text {
        text: String,
        style: Style,
    },
    Qr(String),
    /// The municipality's logo, greyscale; printed as a raster.
    Logo(Arc<Bitmap>),
    Rule,
    Feed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Title,
    Large,
    Normal,
    Small,
}
