//! Receipts: what a citizen's receipt says ([`ReceiptData`] → [`Block`]s,
//! no personal data) and the finished job for a printer profile.

use super::label::{LabelLang, LabelQr};
use super::layout::{Block, JobKind, PrintJob, Style};
use super::profile::{self, Profile};
use super::raster::Bitmap;
use super::{escpos, preview};
use crate::i18n::{Lang, Texts};
use std::sync::Arc;

/// A print job for `blocks` on `profile`'s printer: the ESC/POS bytes and a PNG of the same paper.
pub fn job(name: String, blocks: &[Block], profile: &Profile) -> PrintJob {
    let preview = preview::render(blocks, profile.paper_dots());
    let preview_png = match profile.text {
        // Exactly the dots that go out.
        profile::TextMode::Raster => preview.to_mono().to_png(),
        profile::TextMode::Native => preview.to_png(),
    };
    PrintJob { name, bytes: escpos::render(blocks, profile), preview_png, kind: JobKind::EscPos }
}

/// How receipts and labels are printed (the top level fills it from the configuration).
#[derive(Debug, Clone)]
pub struct PrintSettings {
    pub receipt_profile: Profile,
    pub label_profile: Profile,
    pub label_lang: LabelLang,
    pub label_qr: LabelQr,
    pub logo: Option<Arc<Bitmap>>,
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
    pub logo: Option<Arc<Bitmap>>,
    /// A copy printed later by staff: marked as such.
    pub duplicate: bool,
}

pub fn receipt_layout(r: &ReceiptData, texts: &Texts) -> Vec<Block> {
    let t = |k: &str| texts.get(r.lang, k).to_owned();
    let text = |text: String, style| Block::Text { text, style };
    let mut blocks = vec![];
    if let Some(logo) = &r.logo {
        blocks.push(Block::Logo(logo.clone()));
    }
    blocks.extend([
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
    ]);
    if r.duplicate {
        blocks.push(text(t("receipt_duplicate"), Style::Small));
    }
    blocks
}

/// A receipt with made-up content, for `ghiseu print receipt --sample` and tests.
pub fn sample_receipt(municipality: &str, status_url_base: &str, lang: Lang) -> ReceiptData {
    ReceiptData {
        municipality: municipality.into(),
        // The service's title in the receipt's language (as forms/petitie.toml has it).
        service: match lang {
            Lang::Ro => "Petiție (OG 27/2002)",
            Lang::En => "Petition (OG 27/2002)",
            Lang::Hu => "Petíció (OG 27/2002)",
        }
        .into(),
        tracking_code: "K7Q-4M2-X9".into(),
        created: "23.11.2026 14:05".into(),
        legal_basis: "OG 27/2002, art. 8".into(),
        deadline_days: 30,
        status_url: format!("{status_url_base}K7Q-4M2-X9"),
        lang,
        logo: None,
        duplicate: false,
    }
}

/// Formats a Unix time in milliseconds as local `HH:MM`.
pub fn local_time(ms: i64) -> String {
    let ts = jiff::Timestamp::from_millisecond(ms).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    ts.to_zoned(jiff::tz::TimeZone::system()).strftime("%H:%M").to_string()
}

/// Formats a Unix time in milliseconds as local `DD.MM.YYYY HH:MM`.
pub fn local_datetime(ms: i64) -> String {
    let ts = jiff::Timestamp::from_millisecond(ms).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    ts.to_zoned(jiff::tz::TimeZone::system()).strftime("%d.%m.%Y %H:%M").to_string()
}
