//! Printer profiles: what a printer model needs to be talked to correctly.
//!
//! A thermal receipt printer has no UTF-8: it prints one byte per character
//! from the code page selected with `ESC t n`, and the number `n` of a given
//! code page differs between models (CP852 is 18 on Epson and most clones,
//! CP1250 is 45 on Epson TM-T20II/III and 72 on cheap 58 mm clones). Paper
//! width, resolution and label size differ too. A profile collects these
//! facts; the configuration names one (built in, or defined under
//! `[print.profiles.NAME]`) and the renderers follow it. A profile may also
//! ask for text as raster, for printers whose fonts lack ă/ș/ț altogether.

use serde::Deserialize;
use std::collections::BTreeMap;

/// The single-byte code pages our printers have that hold Romanian letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CodePage {
    Cp852,
    Cp1250,
}

impl CodePage {
    /// Letters (and punctuation) beyond printable ASCII that the page has and
    /// the `escpos` crate's table maps; everything else is folded first.
    pub fn extra(self) -> &'static str {
        match self {
            CodePage::Cp852 => "ăâîşţĂÂÎŞŢáéíóöőúüűÁÉÍÓÖŐÚÜŰ",
            CodePage::Cp1250 => "ăâîşţĂÂÎŞŢáéíóöőúüűÁÉÍÓÖŐÚÜŰ„”“–—…",
        }
    }

    pub fn crate_page(self) -> escpos::utils::PageCode {
        match self {
            CodePage::Cp852 => escpos::utils::PageCode::PC852,
            CodePage::Cp1250 => escpos::utils::PageCode::WPC1250,
        }
    }
}

/// How receipt text reaches the paper.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TextMode {
    /// The printer's own font, in the profile's code page.
    Native,
    /// Rendered here with DejaVu and sent as a `GS v 0` raster: every
    /// diacritic prints, at the cost of more bytes.
    Raster,
}

/// One printer model (or family). Receipt and label settings live together
/// because some printers do both (ESC/POS label printing), and because the
/// configuration names one profile per printer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    #[serde(skip)]
    pub name: String,
    /// Paper roll width: 58 or 80 mm.
    #[serde(default = "default_paper")]
    pub paper_mm: u32,
    #[serde(default = "default_dpi")]
    pub dpi: u32,
    #[serde(default = "default_code_page")]
    pub code_page: CodePage,
    /// The `n` of `ESC t n` that selects `code_page` on this model.
    #[serde(default = "default_code_page_number")]
    pub code_page_number: u8,
    #[serde(default = "default_text")]
    pub text: TextMode,
    /// Send `FS .` after init: some Xprinter-type clones start in a Chinese
    /// double-byte mode that would print our code page bytes as ideograms.
    #[serde(default)]
    pub cancel_kanji: bool,
    /// Label stock, for label printers.
    #[serde(default = "default_label_w")]
    pub label_width_mm: u32,
    #[serde(default = "default_label_h")]
    pub label_height_mm: u32,
}

fn default_paper() -> u32 {
    80
}
fn default_dpi() -> u32 {
    203
}
fn default_code_page() -> CodePage {
    CodePage::Cp852
}
fn default_code_page_number() -> u8 {
    18
}
fn default_text() -> TextMode {
    TextMode::Native
}
fn default_label_w() -> u32 {
    50
}
fn default_label_h() -> u32 {
    30
}

/// The profile used when the configuration names none: CP852 at 18 is what
/// Epson and nearly every clone understand.
pub const DEFAULT_PROFILE: &str = "generic-80";

impl Profile {
    fn builtin(name: &str, paper_mm: u32, dpi: u32, code_page: CodePage, n: u8, text: TextMode) -> Profile {
        Profile {
            name: name.into(),
            paper_mm,
            dpi,
            code_page,
            code_page_number: n,
            text,
            cancel_kanji: false,
            label_width_mm: 50,
            label_height_mm: 30,
        }
    }

    /// A label printer's profile (104 mm stock: labels, not a receipt roll):
    /// its code page does not apply (labels are rasters), its label size does.
    pub fn is_label(&self) -> bool {
        self.paper_mm >= 104
    }

    /// Printable width in dots: 72 mm of an 80 mm roll, 48 mm of a 58 mm one.
    pub fn paper_dots(&self) -> u32 {
        let printable_mm = if self.paper_mm >= 80 { 72 } else { 48 };
        // 576 and 384 dots at 203 dpi: what the firmware reports.
        (printable_mm * self.dpi * 10 / 254).div_ceil(8) * 8
    }

    /// Characters per line of font A (12 dots wide).
    pub fn line_chars(&self) -> usize {
        (self.paper_dots() / 12) as usize
    }

    /// Label size in dots (width rounded to whole bytes for the rasters).
    pub fn label_dots(&self) -> (u32, u32) {
        let mm = |v: u32| (v * self.dpi * 10 + 127) / 254;
        (mm(self.label_width_mm) / 8 * 8, mm(self.label_height_mm))
    }

    /// The profiles shipped with the firmware, by name.
    pub fn builtins() -> Vec<Profile> {
        use CodePage::*;
        use TextMode::*;
        let mut zebra = Profile::builtin("zebra-203", 104, 203, Cp1250, 45, Native);
        (zebra.label_width_mm, zebra.label_height_mm) = (50, 30);
        let mut zebra300 = Profile::builtin("zebra-300", 104, 300, Cp1250, 45, Native);
        (zebra300.label_width_mm, zebra300.label_height_mm) = (50, 30);
        let mut tsc = Profile::builtin("tsc-203", 104, 203, Cp1250, 45, Native);
        (tsc.label_width_mm, tsc.label_height_mm) = (40, 30);
        vec![
            Profile::builtin("generic-80", 80, 203, Cp852, 18, Native),
            // Epson TM-T20II/III: CP1250 at 45 (CP852 at 18 also works).
            Profile::builtin("epson-tm-t20iii", 80, 203, Cp1250, 45, Native),
            // TM-T88IV knows only CP852 among the Central European pages.
            Profile::builtin("epson-tm-t88iv", 80, 203, Cp852, 18, Native),
            // Cheap 58 mm clones (Xprinter, Goojprt): CP852 at 18, CP1250 at 72.
            Profile { cancel_kanji: true, ..Profile::builtin("generic-58", 58, 203, Cp852, 18, Native) },
            Profile { cancel_kanji: true, ..Profile::builtin("generic-58-cp1250", 58, 203, Cp1250, 72, Native) },
            // For printers whose fonts have no ă/ș/ț at all: text as raster.
            Profile::builtin("raster-80", 80, 203, Cp852, 18, Raster),
            Profile::builtin("raster-58", 58, 203, Cp852, 18, Raster),
            zebra,
            zebra300,
            tsc,
        ]
    }

    /// Finds `name` among the configured profiles, then the built-in ones.
    pub fn find(name: &str, custom: &BTreeMap<String, Profile>) -> Option<Profile> {
        if let Some(p) = custom.get(name) {
            let mut p = p.clone();
            p.name = name.to_owned();
            return Some(p);
        }
        Profile::builtins().into_iter().find(|p| p.name == name)
    }

    /// Every profile name a configuration may use, for error messages.
    pub fn names(custom: &BTreeMap<String, Profile>) -> Vec<String> {
        let mut names: Vec<String> = Profile::builtins().into_iter().map(|p| p.name).collect();
        names.extend(custom.keys().cloned());
        names
    }

    /// Checks the values a custom profile may get wrong.
    pub fn check(&self) -> Result<(), String> {
        if !matches!(self.paper_mm, 58 | 80 | 104) {
            return Err(format!("paper_mm = {}: use 58 or 80 (104 for label printers)", self.paper_mm));
        }
        if !(150..=600).contains(&self.dpi) {
            return Err(format!("dpi = {}: use the printer's resolution, e.g. 203 or 300", self.dpi));
        }
        if self.label_width_mm < 20 || self.label_height_mm < 15 {
            return Err("labels smaller than 20 × 15 mm cannot hold a readable QR and number".into());
        }
        Ok(())
    }
}

/// Maps text onto what `page` can print: comma-below ș ț to the cedilla
/// forms the page has, typographic punctuation to ASCII where the page lacks
/// it, anything else to `?`. Run before encoding: the `escpos` crate would
/// otherwise send unmapped characters as raw UTF-8 bytes.
pub fn fold(s: &str, page: CodePage) -> String {
    let extra = page.extra();
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let c = match c {
            'ș' => 'ş',
            'ț' => 'ţ',
            'Ș' => 'Ş',
            'Ț' => 'Ţ',
            c => c,
        };
        if (c.is_ascii() && !c.is_ascii_control()) || extra.contains(c) {
            out.push(c);
            continue;
        }
        match c {
            '„' | '”' | '“' => out.push('"'),
            '–' | '—' => out.push('-'),
            '…' => out.push_str("..."),
            _ => out.push('?'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paper_widths_match_what_the_printers_report() {
        let none = BTreeMap::new();
        let p80 = Profile::find("epson-tm-t20iii", &none).unwrap();
        assert_eq!((p80.paper_dots(), p80.line_chars()), (576, 48));
        let p58 = Profile::find("generic-58", &none).unwrap();
        assert_eq!((p58.paper_dots(), p58.line_chars()), (384, 32));
        assert_eq!(Profile::find("zebra-203", &none).unwrap().label_dots(), (400, 240));
        assert_eq!(Profile::find("zebra-300", &none).unwrap().label_dots(), (584, 354));
    }

    #[test]
    fn comma_below_becomes_cedilla_and_the_rest_is_replaced_per_page() {
        assert_eq!(fold("Petiție „înregistrată” — ș…", CodePage::Cp852), "Petiţie \"înregistrată\" - ş...");
        assert_eq!(fold("Petiție „înregistrată” — ș…", CodePage::Cp1250), "Petiţie „înregistrată” — ş…");
        assert_eq!(fold("€ 😀\t", CodePage::Cp1250), "? ??");
    }

    #[test]
    fn every_kept_character_is_one_byte_in_the_crates_table() {
        // If the crate's table lacked one of them it would fall back to UTF-8
        // (two or more bytes): the fold would then have to replace it.
        for page in [CodePage::Cp852, CodePage::Cp1250] {
            for c in page.extra().chars() {
                let bytes = crate::print::escpos::encode_text(&c.to_string(), page);
                assert_eq!(bytes.len(), 1, "{page:?} {c}: {bytes:02X?}");
                assert!(bytes[0] >= 0x80, "{page:?} {c}");
            }
        }
    }

    #[test]
    fn a_custom_profile_is_found_by_name_and_checked() {
        let custom: BTreeMap<String, Profile> =
            toml::from_str("[bixolon]\npaper_mm = 58\ncode_page = \"cp1250\"\ncode_page_number = 47\n").unwrap();
        let p = Profile::find("bixolon", &custom).unwrap();
        assert_eq!((p.name.as_str(), p.code_page_number, p.paper_dots()), ("bixolon", 47, 384));
        assert!(p.check().is_ok());
        let bad: BTreeMap<String, Profile> = toml::from_str("[x]\npaper_mm = 76\n").unwrap();
        assert!(bad["x"].check().unwrap_err().contains("58 or 80"));
        assert!(Profile::names(&custom).contains(&"bixolon".to_owned()));
    }
}
