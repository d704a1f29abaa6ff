//! ESC/POS rendering through the `escpos` crate, following a printer
//! [`Profile`].
//!
//! Thermal printers have no UTF-8: text is encoded in the profile's
//! single-byte code page, selected with `ESC t n` at the number that model
//! uses. CP852 and CP1250 have ă â î but only the cedilla forms ş ţ, so text
//! is folded ([`profile::fold`]) *before* encoding: the crate would otherwise
//! send unmapped characters as raw UTF-8. A profile with `text = "raster"`
//! gets the whole receipt as a `GS v 0` raster drawn with the UI's font.
//! Rasters (`GS v 0`) are written here: the crate's `graphics` feature pulls
//! every image codec and is avoided on purpose.
//!
//! Two quirks of `escpos` 0.20 are worked around: its CP1250 table maps ASCII
//! `-` to 0xAD (a soft hyphen: tracking codes would print without dashes),
//! and `init()` sends its own `ESC t` for the page (45 for CP1250, wrong on
//! clones that use 72). So printable ASCII goes out as itself, only the
//! folded non-ASCII letters are looked up in the crate's tables, and the one
//! `ESC t` is the profile's.

use super::layout::{Block, Style};
use super::profile::{self, CodePage, Profile, TextMode};
use super::raster::{self, Mono};
use escpos::driver::Driver;
use escpos::printer::Printer;
use escpos::printer_options::PrinterOptions;
use escpos::utils::{JustifyMode, Protocol, QRCodeCorrectionLevel, QRCodeModel, QRCodeOption};
use std::cell::RefCell;
use std::rc::Rc;

/// Collects the bytes a printer would receive.
#[derive(Clone, Default)]
struct Memory(Rc<RefCell<Vec<u8>>>);

impl Driver for Memory {
    fn name(&self) -> String {
        "memory".into()
    }
    fn write(&self, data: &[u8]) -> escpos::errors::Result<()> {
        self.0.borrow_mut().extend_from_slice(data);
        Ok(())
    }
    fn read(&self, _buf: &mut [u8]) -> escpos::errors::Result<usize> {
        Ok(0)
    }
    fn flush(&self) -> escpos::errors::Result<()> {
        Ok(())
    }
}

/// A printer writing into memory; with `page`, its text encoding follows that page.
fn memory_printer(page: Option<CodePage>, line_chars: usize) -> (Printer<Memory>, Rc<RefCell<Vec<u8>>>) {
    let mem = Memory::default();
    let out = mem.0.clone();
    let options = PrinterOptions::new(page.map(CodePage::crate_page), None, line_chars.min(255) as u8);
    (Printer::new(mem, Protocol::default(), Some(options)), out)
}

/// The bytes the crate's table gives `text` in `page` (no folding, no ASCII
/// bypass): for tests that check the crate's tables.
pub fn encode_text(text: &str, page: CodePage) -> Vec<u8> {
    let (mut p, out) = memory_printer(Some(page), 48);
    p.write(text).and_then(|p| p.print()).expect("rendering into memory cannot fail");
    let bytes = out.borrow().clone();
    bytes
}

/// Encodes folded text for `page`: printable ASCII as itself, the page's
/// letters through the crate's table.
pub fn encode(text: &str, page: CodePage) -> Vec<u8> {
    let folded = profile::fold(text, page);
    let mut out = Vec::with_capacity(folded.len());
    for c in folded.chars() {
        if c.is_ascii() {
            out.push(c as u8);
        } else {
            let b = encode_text(&c.to_string(), page);
            // `fold` keeps only characters the table has (tested), so this is one byte.
            out.push(if b.len() == 1 { b[0] } else { b'?' });
        }
    }
    out
}

/// `GS v 0`: prints a 1-bit raster, `m = 0` (normal density).
pub fn gs_v0(img: &Mono) -> Vec<u8> {
    let xb = img.row_bytes() as u16;
    let h = img.height as u16;
    let mut cmd = vec![0x1D, b'v', b'0', 0, xb as u8, (xb >> 8) as u8, h as u8, (h >> 8) as u8];
    cmd.extend_from_slice(&img.bits);
    cmd
}

/// Rasters go out in bands of this many rows: small printers have small buffers.
const BAND_ROWS: u32 = 256;

/// `GS v 0` commands for `img`, band by band.
pub fn gs_v0_bands(img: &Mono) -> Vec<u8> {
    let mut out = vec![];
    let mut y = 0;
    while y < img.height {
        let to = (y + BAND_ROWS).min(img.height);
        out.extend(gs_v0(&img.rows(y, to)));
        y = to;
    }
    out
}

/// Renders blocks to ESC/POS bytes for `profile`.
pub fn render(blocks: &[Block], profile: &Profile) -> Vec<u8> {
    let (mut p, out) = memory_printer(None, profile.line_chars());
    let result = match profile.text {
        TextMode::Native => native(&mut p, blocks, profile),
        TextMode::Raster => as_raster(&mut p, blocks, profile),
    };
    result.expect("rendering into memory cannot fail");
    let bytes = out.borrow().clone();
    bytes
}

fn start(p: &mut Printer<Memory>, profile: &Profile) -> escpos::errors::Result<()> {
    p.init()?;
    if profile.cancel_kanji {
        p.custom(&[0x1C, b'.'])?;
    }
    // ESC t at this model's number.
    p.custom(&[0x1B, b't', profile.code_page_number])?;
    Ok(())
}

fn native(p: &mut Printer<Memory>, blocks: &[Block], profile: &Profile) -> escpos::errors::Result<()> {
    let line_chars = profile.line_chars();
    let page = profile.code_page;
    start(p, profile)?;
    let line = |p: &mut Printer<Memory>, text: &str| -> escpos::errors::Result<()> {
        p.custom(&encode(text, page))?.feed()?;
        Ok(())
    };
    for b in blocks {
        match b {
            Block::Text { text, style } => {
                let text = profile::fold(text, page);
                match style {
                    Style::Title => {
                        p.justify(JustifyMode::CENTER)?.bold(true)?.size(1, 2)?;
                        for l in raster::wrap_chars(&text, line_chars) {
                            line(p, &l)?;
                        }
                        p.bold(false)?.reset_size()?;
                    }
                    Style::Large => {
                        p.justify(JustifyMode::CENTER)?.bold(true)?.size(2, 2)?;
                        line(p, &text)?;
                        p.bold(false)?.reset_size()?;
                    }
                    Style::Normal | Style::Small => {
                        p.justify(JustifyMode::LEFT)?;
                        for l in raster::wrap_chars(&text, line_chars) {
                            line(p, &l)?;
                        }
                    }
                }
            }
            Block::Qr(data) => {
                p.justify(JustifyMode::CENTER)?;
                let size = if profile.paper_mm >= 80 { 6 } else { 5 };
                p.qrcode_option(data, QRCodeOption::new(QRCodeModel::Model2, size, QRCodeCorrectionLevel::M))?;
            }
            Block::Logo(img) => {
                p.justify(JustifyMode::CENTER)?;
                p.custom(&gs_v0_bands(&img.fit(profile.paper_dots(), 160).to_mono()))?;
            }
            Block::Rule => {
                p.justify(JustifyMode::LEFT)?;
                line(p, &"-".repeat(line_chars))?;
            }
            Block::Feed => {
                p.feed()?;
            }
        }
    }
    p.feeds(3)?.print_cut()?;
    Ok(())
}

fn as_raster(p: &mut Printer<Memory>, blocks: &[Block], profile: &Profile) -> escpos::errors::Result<()> {
    start(p, profile)?;
    let img = super::preview::render(blocks, profile.paper_dots()).to_mono();
    p.custom(&gs_v0_bands(&img))?;
    p.feeds(3)?.print_cut()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn profile(name: &str) -> Profile {
        Profile::find(name, &BTreeMap::new()).unwrap()
    }

    #[test]
    fn romanian_letters_are_folded_and_never_sent_as_utf8() {
        for (name, esc_t, s_cedilla) in [("epson-tm-t88iv", 18, 0xAD), ("generic-58-cp1250", 72, 0xBA)] {
            let bytes = render(&[Block::Text { text: "Sesizare ș ț €".into(), style: Style::Normal }], &profile(name));
            // UTF-8 for ș is C8 99 and for € E2 82 AC.
            assert!(!bytes.windows(2).any(|w| w == [0xC8, 0x99]), "{name}: raw UTF-8 leaked");
            assert!(!bytes.windows(2).any(|w| w == [0xE2, 0x82]), "{name}: raw UTF-8 leaked");
            assert!(bytes.contains(&s_cedilla), "{name}");
            assert!(bytes.windows(3).any(|w| w == [0x1B, 0x74, esc_t]), "{name}: ESC t {esc_t}");
        }
    }

    #[test]
    fn ascii_goes_out_as_itself_even_where_the_crates_table_is_wrong() {
        // The crate maps '-' to 0xAD (soft hyphen) in CP1250.
        assert_eq!(encode_text("-", CodePage::Cp1250), [0xAD]);
        assert_eq!(encode("K7Q-4M2-X9", CodePage::Cp1250), b"K7Q-4M2-X9");
        assert_eq!(encode("Iași ț", CodePage::Cp1250), b"Ia\xbai \xfe");
        let bytes = render(&[Block::Text { text: "A-B".into(), style: Style::Normal }], &profile("epson-tm-t20iii"));
        assert!(bytes.windows(3).any(|w| w == b"A-B"));
        assert_eq!(bytes.windows(2).filter(|w| *w == [0x1B, b't']).count(), 1, "one ESC t, the profile's");
    }

    #[test]
    fn a_raster_profile_sends_no_text_only_a_raster() {
        let bytes = render(&[Block::Text { text: "Primăria Ștei".into(), style: Style::Title }], &profile("raster-58"));
        let at = bytes.windows(3).position(|w| w == [0x1D, b'v', b'0']).expect("GS v 0");
        // 384 dots = 48 bytes a row.
        assert_eq!(&bytes[at + 3..at + 6], &[0, 48, 0]);
        assert!(!bytes.windows(4).any(|w| w == b"Prim"), "text went out as text");
    }

    #[test]
    fn a_logo_goes_out_as_a_raster_scaled_to_the_paper_and_shows_on_the_preview() {
        // A 1000×100 black bar: wider than 58 mm paper, so it is scaled to 384 dots.
        let logo = std::sync::Arc::new(raster::Bitmap { width: 1000, height: 100, pixels: vec![0; 100_000] });
        let blocks = [Block::Logo(logo), Block::Text { text: "Primăria".into(), style: Style::Title }];
        let bytes = render(&blocks, &profile("generic-58"));
        let at = bytes.windows(3).position(|w| w == [0x1D, b'v', b'0']).expect("GS v 0");
        // 384 dots = 48 bytes a row, 1000→384 keeps the aspect: 38 rows, all black.
        assert_eq!(&bytes[at + 3..at + 8], &[0, 48, 0, 38, 0]);
        assert!(bytes[at + 8..at + 8 + 48 * 38].iter().all(|&b| b == 0xFF));
        let preview = crate::print::preview::render(&blocks, 384);
        assert!(preview.pixels[..384 * 16].iter().all(|&p| p == 255), "top margin");
        let row = |y: usize| preview.pixels[y * 384..(y + 1) * 384].iter().filter(|&&p| p == 0).count();
        assert_eq!((row(16), row(16 + 37), row(16 + 38)), (384, 384, 0), "the logo is 38 rows in the preview too");
    }

    #[test]
    fn rasters_are_split_into_bands_that_add_up_to_the_image() {
        let mut img = Mono::new(16, 600);
        img.set(3, 599);
        let bytes = gs_v0_bands(&img);
        assert_eq!(bytes.len(), 3 * 8 + 2 * 600);
        assert_eq!(bytes[..8], [0x1D, b'v', b'0', 0, 2, 0, 0, 1]);
        assert_eq!(*bytes.last().unwrap(), 0);
        assert_eq!(bytes[bytes.len() - 2], 0x10);
    }
}
