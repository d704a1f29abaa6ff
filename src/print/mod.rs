//! Receipts: layout as data, then rendered two ways from the same blocks:
//! ESC/POS bytes for the thermal printer, and a raster preview (PNG) of the
//! same content for technicians, tests and the headless demo.

pub mod escpos;
pub mod raster;

use crate::i18n::{Lang, Texts};

/// Paper width in dots: 80 mm at 203 dpi.
pub const PAPER_DOTS: u32 = 576;

/// A print job for `blocks`: the ESC/POS bytes and a PNG of the same paper.
pub fn job(name: String, blocks: &[Block]) -> crate::devices::PrintJob {
    crate::devices::PrintJob {
        name,
        escpos: escpos::render(blocks),
        preview_png: raster::render(blocks, PAPER_DOTS).to_png(),
    }
}

/// One block of a printed layout, top to bottom.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Text { text: String, style: Style },
    Qr(String),
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

/// What a receipt carries. No personal data: only what the citizen needs to
/// follow the request.
#[derive(Debug, Clone)]
pub struct ReceiptData {
    pub municipality: String,
    pub service: String,
    pub tracking_code: String,
    /// Local date and time, `DD.MM.YYYY HH:MM`.
    pub created: String,
    pub legal_basis: String,
    pub deadline_days: u32,
    pub status_url: String,
    pub lang: Lang,
}

pub fn receipt_layout(r: &ReceiptData, texts: &Texts) -> Vec<Block> {
    let t = |k: &str| texts.get(r.lang, k).to_owned();
    let text = |text: String, style| Block::Text { text, style };
    vec![
        text(r.municipality.clone(), Style::Title),
        Block::Rule,
        text(t("receipt_title"), Style::Normal),
        Block::Feed,
        text(format!("{}: {}", t("receipt_service"), r.service), Style::Normal),
        text(format!("{}: {}", t("receipt_date"), r.created), Style::Normal),
        Block::Feed,
        text(t("receipt_code_label"), Style::Small),
        text(r.tracking_code.clone(), Style::Large),
        Block::Feed,
        Block::Qr(r.status_url.clone()),
        Block::Feed,
        text(
            texts.fmt(r.lang, "receipt_deadline", &[("days", &r.deadline_days.to_string()), ("basis", &r.legal_basis)]),
            Style::Normal,
        ),
        text(t("receipt_next"), Style::Small),
        Block::Rule,
    ]
}

/// Formats a Unix time in milliseconds as local `DD.MM.YYYY HH:MM`.
pub fn local_datetime(ms: i64) -> String {
    let ts = jiff::Timestamp::from_millisecond(ms).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    ts.to_zoned(jiff::tz::TimeZone::system()).strftime("%d.%m.%Y %H:%M").to_string()
}
