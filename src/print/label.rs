//! Registry labels: the sticker reception staff put on a registered paper
//! document (registration number, date, QR), as the registry manual's
//! "eticheta cu QR code" describes.
//!
//! The whole label, text with diacritics and QR, is drawn here into a 1-bit
//! raster at the profile's size and resolution, then wrapped for the
//! printer's language: ZPL `^GFA` (Zebra), TSPL `BITMAP` (TSC, Xprinter) or
//! ESC/POS `GS v 0`. Printer fonts often lack ă/ș/ț; a raster always prints
//! what the preview shows. Pure: bytes in memory, no device.

use super::escpos::gs_v0_bands;
use super::layout::{JobKind, PrintJob};
use super::profile::Profile;
use super::raster::{qr_modules, Bitmap, Fonts, Mono};
use serde::Deserialize;
use std::fmt::Write as _;

/// What a label carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelData {
    /// Registration number as the registry writes it, e.g. `12345`.
    pub number: String,
    /// Registration date, `DD.MM.YYYY`.
    pub date: String,
    pub municipality: String,
    /// What the QR encodes (see [`LabelQr`]).
    pub qr: String,
}

/// What a label's QR holds: the number itself, or a link to the document.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "content", rename_all = "kebab-case", deny_unknown_fields)]
pub enum LabelQr {
    /// `NUMBER/DATE`, for registry software that reads the number.
    Number,
    /// `{base}{NUMBER}`, e.g. a document page in the registry.
    Url { base: String },
}

impl Default for LabelQr {
    fn default() -> Self {
        LabelQr::Number
    }
}

impl LabelQr {
    pub fn content(&self, number: &str, date: &str) -> String {
        match self {
            LabelQr::Number => format!("{number}/{date}"),
            LabelQr::Url { base } => {
                let mut out = base.clone();
                for b in number.bytes() {
                    if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                        out.push(b as char);
                    } else {
                        let _ = write!(out, "%{b:02X}");
                    }
                }
                out
            }
        }
    }
}

/// The printer language of a label printer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LabelLang {
    #[default]
    Zpl,
    Tspl,
    Escpos,
}

impl LabelLang {
    pub fn kind(self) -> JobKind {
        match self {
            LabelLang::Zpl => JobKind::Zpl,
            LabelLang::Tspl => JobKind::Tspl,
            LabelLang::Escpos => JobKind::EscPos,
        }
    }
}

/// Draws the label: QR on the left at whole dots per module, text on the right.
pub fn render(label: &LabelData, profile: &Profile) -> Mono {
    let (w, h) = profile.label_dots();
    let mut bmp = Bitmap::new(w, h);
    let margin = (profile.dpi / 25).max(4); // about 1 mm
    let (n, modules) = qr_modules(&label.qr);
    // Two modules of quiet zone each side inside the square, plus the margin outside.
    let side = h.saturating_sub(2 * margin);
    let scale = (side / (n as u32 + 4)).max(1);
    let qr_px = scale * (n as u32 + 4);
    let (x0, y0) = (margin + 2 * scale, (h - qr_px) / 2 + 2 * scale);
    for (i, dark) in modules.iter().enumerate() {
        if *dark {
            let (mx, my) = ((i % n) as u32, (i / n) as u32);
            for dy in 0..scale {
                for dx in 0..scale {
                    bmp.darken((x0 + mx * scale + dx) as i32, (y0 + my * scale + dy) as i32, 1.0);
                }
            }
        }
    }
    // Text column: sizes relative to the label height, so 300 dpi looks like 203.
    let fonts = Fonts::load();
    let unit = h as f32 / 240.0;
    let left = (margin + qr_px + margin) as f32;
    let avail = w as f32 - left - margin as f32;
    let mut y = margin as f32 + 4.0 * unit;
    let line = |bmp: &mut Bitmap, text: &str, px: f32, bold: bool, y: &mut f32| {
        // Shrink a long number until it fits the column.
        let mut px = px;
        while px > 12.0 && fonts.measure(text, px, bold) > avail {
            px -= 2.0;
        }
        for l in fonts.wrap(text, px, bold, avail) {
            fonts.draw(bmp, left, *y, &l, px, bold);
            *y += fonts.line_height(px, bold);
        }
    };
    line(&mut bmp, "Nr. înreg.", 26.0 * unit, false, &mut y);
    line(&mut bmp, &label.number, 56.0 * unit, true, &mut y);
    line(&mut bmp, &format!("din {}", label.date), 28.0 * unit, false, &mut y);
    y += 6.0 * unit;
    line(&mut bmp, &label.municipality, 20.0 * unit, false, &mut y);
    bmp.to_mono()
}

/// ZPL: the raster as one `^GFA` field (ASCII hex), label width and length set.
pub fn zpl(img: &Mono) -> Vec<u8> {
    let total = img.bits.len();
    let mut s = String::with_capacity(total * 2 + 64);
    let _ = write!(s, "^XA\n^PW{}\n^LL{}\n^LH0,0\n", img.width, img.height);
    let _ = write!(s, "^FO0,0^GFA,{total},{total},{},", img.row_bytes());
    for b in &img.bits {
        let _ = write!(s, "{b:02X}");
    }
    s.push_str("^FS\n^PQ1\n^XZ\n");
    s.into_bytes()
}

/// TSPL: label size, then the raster with `BITMAP x,y,width_bytes,height,mode,data`.
/// TSPL prints a 0 bit as black, so the rows are inverted.
pub fn tspl(img: &Mono, profile: &Profile) -> Vec<u8> {
    let mut out = format!(
        "SIZE {} mm,{} mm\r\nGAP 2 mm,0 mm\r\nDIRECTION 1\r\nCLS\r\nBITMAP 0,0,{},{},0,",
        profile.label_width_mm,
        profile.label_height_mm,
        img.row_bytes(),
        img.height
    )
    .into_bytes();
    out.extend(img.bits.iter().map(|b| !b));
    out.extend_from_slice(b"\r\nPRINT 1,1\r\n");
    out
}

/// ESC/POS: initialise, the raster in `GS v 0` bands, feed and cut.
pub fn escpos(img: &Mono) -> Vec<u8> {
    let mut out = vec![0x1B, b'@'];
    out.extend(gs_v0_bands(img));
    out.extend_from_slice(&[0x1B, b'd', 3, 0x1D, b'V', 0]);
    out
}

/// A label print job: the bytes for `lang` and a PNG of exactly the dots printed.
pub fn job(label: &LabelData, profile: &Profile, lang: LabelLang) -> PrintJob {
    let img = render(label, profile);
    let bytes = match lang {
        LabelLang::Zpl => zpl(&img),
        LabelLang::Tspl => tspl(&img, profile),
        LabelLang::Escpos => escpos(&img),
    };
    let safe: String = label.number.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    PrintJob { name: format!("label-{safe}"), bytes, preview_png: img.to_png(), kind: lang.kind() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn zebra() -> Profile {
        Profile::find("zebra-203", &BTreeMap::new()).unwrap()
    }

    fn sample() -> LabelData {
        LabelData {
            number: "12345".into(),
            date: "23.11.2026".into(),
            municipality: "Primăria Ștei".into(),
            qr: "12345/23.11.2026".into(),
        }
    }

    #[test]
    fn the_qr_content_is_the_number_or_a_link() {
        assert_eq!(LabelQr::Number.content("12/A", "01.02.2026"), "12/A/01.02.2026");
        let url = LabelQr::Url { base: "https://r.ro/doc/".into() };
        assert_eq!(url.content("12/A ș", "x"), "https://r.ro/doc/12%2FA%20%C8%99");
    }

    #[test]
    fn the_label_fills_the_profile_size_and_has_ink_in_both_columns() {
        let img = render(&sample(), &zebra());
        assert_eq!((img.width, img.height), (400, 240));
        let ink = |x0: u32, x1: u32| {
            (0..img.height).flat_map(|y| (x0..x1).map(move |x| (x, y))).filter(|&(x, y)| img.get(x, y)).count()
        };
        assert!(ink(0, 200) > 3000, "QR column");
        assert!(ink(240, 400) > 1000, "text column");
    }

    #[test]
    fn zpl_and_tspl_headers_match_the_raster() {
        let img = render(&sample(), &zebra());
        let z = String::from_utf8(zpl(&img)).unwrap();
        assert!(z.starts_with("^XA\n^PW400\n^LL240\n"), "{z:.40}");
        assert!(z.contains("^GFA,12000,12000,50,"), "{:.120}", &z[20..]);
        let t = tspl(&img, &zebra());
        assert!(t.starts_with(b"SIZE 50 mm,30 mm\r\n"));
        let at = t.windows(7).position(|w| w == b"BITMAP ").unwrap();
        assert!(t[at..].starts_with(b"BITMAP 0,0,50,240,0,"));
        // The body is inverted: a white first row is all 0xFF.
        assert_eq!(t[at + 20..at + 70], [0xFF; 50]);
    }
}
