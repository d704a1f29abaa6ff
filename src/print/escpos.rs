//! ESC/POS rendering through the `escpos` crate.
//!
//! Thermal printers have no UTF-8: text is encoded in a single-byte code page
//! (CP852 here). CP852 has ă â î but only the cedilla forms ş ţ, so comma-below
//! ș ț are mapped to them, and anything else the page lacks is replaced
//! *before* encoding: the crate would otherwise send raw UTF-8 bytes.

use super::{Block, Style};
use escpos::driver::Driver;
use escpos::printer::Printer;
use escpos::utils::{JustifyMode, PageCode, Protocol, QRCodeCorrectionLevel, QRCodeModel, QRCodeOption};
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

/// Letters CP852 has beyond ASCII that Romanian and Hungarian use.
const CP852_EXTRA: &str = "ăâîşţĂÂÎŞŢáéíóöőúüűÁÉÍÓÖŐÚÜŰ";

/// Maps text onto what CP852 can print: comma-below to cedilla, other
/// unprintable characters to `?`.
pub fn fold_for_cp852(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'ș' => 'ş',
            'ț' => 'ţ',
            'Ș' => 'Ş',
            'Ț' => 'Ţ',
            '„' | '”' | '“' => '"',
            '–' | '—' => '-',
            '…' => '.',
            c if c.is_ascii() && !c.is_ascii_control() => c,
            c if CP852_EXTRA.contains(c) => c,
            _ => '?',
        })
        .collect()
}

/// Characters per line at font A on 80 mm paper.
const LINE_CHARS: usize = 48;

/// Renders blocks to ESC/POS bytes (80 mm paper, CP852, native QR).
pub fn render(blocks: &[Block]) -> Vec<u8> {
    let mem = Memory::default();
    let out = mem.0.clone();
    let mut p = Printer::new(mem, Protocol::default(), None);
    let result: escpos::errors::Result<()> = (|| {
        p.init()?.page_code(PageCode::PC852)?;
        for b in blocks {
            match b {
                Block::Text { text, style } => {
                    let text = fold_for_cp852(text);
                    match style {
                        Style::Title => {
                            p.justify(JustifyMode::CENTER)?.bold(true)?.size(1, 2)?;
                            for line in super::raster::wrap_chars(&text, LINE_CHARS) {
                                p.writeln(&line)?;
                            }
                            p.bold(false)?.reset_size()?;
                        }
                        Style::Large => {
                            p.justify(JustifyMode::CENTER)?.bold(true)?.size(2, 2)?.writeln(&text)?;
                            p.bold(false)?.reset_size()?;
                        }
                        Style::Normal | Style::Small => {
                            p.justify(JustifyMode::LEFT)?;
                            for line in super::raster::wrap_chars(&text, LINE_CHARS) {
                                p.writeln(&line)?;
                            }
                        }
                    }
                }
                Block::Qr(data) => {
                    p.justify(JustifyMode::CENTER)?;
                    p.qrcode_option(data, QRCodeOption::new(QRCodeModel::Model2, 6, QRCodeCorrectionLevel::M))?;
                }
                Block::Rule => {
                    p.justify(JustifyMode::LEFT)?.writeln(&"-".repeat(LINE_CHARS))?;
                }
                Block::Feed => {
                    p.feed()?;
                }
            }
        }
        p.feeds(3)?.print_cut()?;
        Ok(())
    })();
    result.expect("rendering into memory cannot fail");
    let bytes = out.borrow().clone();
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn romanian_letters_are_folded_to_cp852_and_never_sent_as_utf8() {
        assert_eq!(fold_for_cp852("Petiție înregistrată — ș"), "Petiţie înregistrată - ş");
        assert_eq!(fold_for_cp852("€ 😀"), "? ?");
        let bytes = render(&[Block::Text { text: "Sesizare ș ț".into(), style: Style::Normal }]);
        // UTF-8 for ș is C8 99; CP852 for ş is 0xAD.
        assert!(!bytes.windows(2).any(|w| w == [0xC8, 0x99]), "raw UTF-8 leaked");
        assert!(bytes.contains(&0xAD));
        // ESC t 18 selects CP852.
        assert!(bytes.windows(3).any(|w| w == [0x1B, 0x74, 18]));
    }
}
