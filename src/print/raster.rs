//! Raster rendering of print layouts: what the paper will look like, as a
//! greyscale bitmap at the printer's resolution (203 dpi, 576 dots wide on
//! 80 mm paper). Text is drawn with the DejaVu font the UI ships, so
//! diacritics look as they do on screen.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};

const REGULAR: &[u8] = include_bytes!("../../ui/fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../../ui/fonts/DejaVuSans-Bold.ttf");

/// A greyscale image, 0 = black, 255 = white.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bitmap {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u8>,
}

impl Bitmap {
    pub fn new(width: u32, height: u32) -> Bitmap {
        Bitmap { width, height, pixels: vec![255; (width * height) as usize] }
    }
    pub fn darken(&mut self, x: i32, y: i32, coverage: f32) {
        if x < 0 || y < 0 || x >= self.width as i32 || y >= self.height as i32 {
            return;
        }
        let i = (y as u32 * self.width + x as u32) as usize;
        let v = 255.0 * (1.0 - coverage.clamp(0.0, 1.0));
        self.pixels[i] = self.pixels[i].min(v as u8);
    }
    pub fn to_png(&self) -> Vec<u8> {
        crate::png::encode_gray(self.width, self.height, &self.pixels)
    }

    /// Thresholds to 1 bit: what a thermal head prints.
    pub fn to_mono(&self) -> Mono {
        let mut m = Mono::new(self.width, self.height);
        for y in 0..self.height {
            for x in 0..self.width {
                if self.pixels[(y * self.width + x) as usize] < 128 {
                    m.set(x, y);
                }
            }
        }
        m
    }

    /// Reads a PNG (a municipality's logo) as greyscale, transparent parts white.
    pub fn from_png(bytes: &[u8]) -> Result<Bitmap, String> {
        let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
        let mut reader = decoder.read_info().map_err(|e| e.to_string())?;
        let mut buf = vec![0; reader.output_buffer_size().ok_or("image too large")?];
        let info = reader.next_frame(&mut buf).map_err(|e| e.to_string())?;
        let channels = info.color_type.samples();
        let (w, h) = (info.width, info.height);
        let mut out = Bitmap::new(w, h);
        for (i, px) in buf[..info.buffer_size()].chunks(channels).enumerate().take((w * h) as usize) {
            let (luma, alpha) = match px {
                [g] => (*g as f32, 255.0),
                [g, a] => (*g as f32, *a as f32),
                [r, g, b] => (0.299 * *r as f32 + 0.587 * *g as f32 + 0.114 * *b as f32, 255.0),
                [r, g, b, a, ..] => (0.299 * *r as f32 + 0.587 * *g as f32 + 0.114 * *b as f32, *a as f32),
                _ => (255.0, 255.0),
            };
            let a = alpha / 255.0;
            out.pixels[i] = (luma * a + 255.0 * (1.0 - a)) as u8;
        }
        Ok(out)
    }

    /// Scales down (nearest neighbour) to at most `max_w` × `max_h`, keeping the aspect.
    pub fn fit(&self, max_w: u32, max_h: u32) -> Bitmap {
        let scale = (max_w as f32 / self.width as f32).min(max_h as f32 / self.height as f32).min(1.0);
        let (w, h) = (((self.width as f32 * scale) as u32).max(1), ((self.height as f32 * scale) as u32).max(1));
        let mut out = Bitmap::new(w, h);
        for y in 0..h {
            for x in 0..w {
                let sx = (x as f32 / scale) as u32;
                let sy = (y as f32 / scale) as u32;
                out.pixels[(y * w + x) as usize] =
                    self.pixels[(sy.min(self.height - 1) * self.width + sx.min(self.width - 1)) as usize];
            }
        }
        out
    }
}

/// A 1-bit image, rows packed MSB first, a set bit is a black dot: the
/// layout `GS v 0`, ZPL `^GF` and TSPL `BITMAP` all start from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mono {
    pub width: u32,
    pub height: u32,
    pub bits: Vec<u8>,
}

impl Mono {
    pub fn new(width: u32, height: u32) -> Mono {
        Mono { width, height, bits: vec![0; (width.div_ceil(8) * height) as usize] }
    }
    pub fn row_bytes(&self) -> usize {
        self.width.div_ceil(8) as usize
    }
    pub fn set(&mut self, x: u32, y: u32) {
        if x < self.width && y < self.height {
            let i = y as usize * self.row_bytes() + x as usize / 8;
            self.bits[i] |= 0x80 >> (x % 8);
        }
    }
    pub fn get(&self, x: u32, y: u32) -> bool {
        self.bits[y as usize * self.row_bytes() + x as usize / 8] & (0x80 >> (x % 8)) != 0
    }
    /// Rows `from..to` as their own image (for printing in bands).
    pub fn rows(&self, from: u32, to: u32) -> Mono {
        let rb = self.row_bytes();
        Mono { width: self.width, height: to - from, bits: self.bits[from as usize * rb..to as usize * rb].to_vec() }
    }
    /// Exactly what the head prints, as a black-and-white PNG.
    pub fn to_png(&self) -> Vec<u8> {
        let mut gray = vec![255u8; (self.width * self.height) as usize];
        for y in 0..self.height {
            for x in 0..self.width {
                if self.get(x, y) {
                    gray[(y * self.width + x) as usize] = 0;
                }
            }
        }
        crate::png::encode_gray(self.width, self.height, &gray)
    }
}

/// The QR code for `data` as a square of dark (true) modules, row-major.
pub fn qr_modules(data: &str) -> (usize, Vec<bool>) {
    let code = qrcode::QrCode::with_error_correction_level(data.as_bytes(), qrcode::EcLevel::M)
        .or_else(|_| qrcode::QrCode::new(data.as_bytes()))
        .expect("status URLs fit in a QR code");
    let width = code.width();
    let modules = code.to_colors().into_iter().map(|c| c == qrcode::Color::Dark).collect();
    (width, modules)
}

/// Splits text into lines of at most `max` characters, at spaces where possible.
pub fn wrap_chars(text: &str, max: usize) -> Vec<String> {
    wrap(text, |s| s.chars().count() as f32, max as f32)
}

pub(crate) fn wrap(text: &str, measure: impl Fn(&str) -> f32, max: f32) -> Vec<String> {
    let mut lines = vec![];
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
        if measure(&candidate) <= max || line.is_empty() {
            line = candidate;
        } else {
            lines.push(std::mem::take(&mut line));
            line = word.to_owned();
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// The shipped fonts, parsed.
pub struct Fonts<'a> {
    regular: FontRef<'a>,
    bold: FontRef<'a>,
}

impl Fonts<'static> {
    pub fn load() -> Fonts<'static> {
        Fonts {
            regular: FontRef::try_from_slice(REGULAR).expect("the shipped font parses"),
            bold: FontRef::try_from_slice(BOLD).expect("the shipped font parses"),
        }
    }
}

impl Fonts<'_> {
    /// Width of `s` in pixels at `px`.
    pub fn measure(&self, s: &str, px: f32, bold: bool) -> f32 {
        let font = if bold { &self.bold } else { &self.regular };
        let scaled = font.as_scaled(PxScale::from(px));
        let mut w = 0.0;
        let mut prev = None;
        for c in s.chars() {
            let id = scaled.glyph_id(c);
            if let Some(p) = prev {
                w += scaled.kern(p, id);
            }
            w += scaled.h_advance(id);
            prev = Some(id);
        }
        w
    }

    /// Line height at `px` (ascent to the next line's ascent).
    pub fn line_height(&self, px: f32, bold: bool) -> f32 {
        let font = if bold { &self.bold } else { &self.regular };
        let scaled = font.as_scaled(PxScale::from(px));
        scaled.height() + scaled.line_gap()
    }

    /// Draws one line with its top at `y`.
    pub fn draw(&self, bmp: &mut Bitmap, x: f32, y: f32, line: &str, px: f32, bold: bool) {
        let font = if bold { &self.bold } else { &self.regular };
        let scaled = font.as_scaled(PxScale::from(px));
        let baseline = y + scaled.ascent();
        let mut x = x;
        let mut prev = None;
        for c in line.chars() {
            let id = scaled.glyph_id(c);
            if let Some(p) = prev {
                x += scaled.kern(p, id);
            }
            let glyph = id.with_scale_and_position(PxScale::from(px), ab_glyph::point(x, baseline));
            x += scaled.h_advance(id);
            prev = Some(id);
            if let Some(outlined) = font.outline_glyph(glyph) {
                let b = outlined.px_bounds();
                outlined.draw(|gx, gy, cov| bmp.darken(b.min.x as i32 + gx as i32, b.min.y as i32 + gy as i32, cov));
            }
        }
    }

    /// Splits `text` into lines no wider than `max` pixels.
    pub fn wrap(&self, text: &str, px: f32, bold: bool, max: f32) -> Vec<String> {
        wrap(text, |s| self.measure(s, px, bold), max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::print::layout::{Block, Style};
    use crate::print::preview::render;

    #[test]
    fn wrapping_keeps_words_whole() {
        assert_eq!(wrap_chars("Răspuns în cel mult 10 zile", 12), ["Răspuns în", "cel mult 10", "zile"]);
    }

    #[test]
    fn text_and_qr_leave_ink_on_the_page() {
        let bmp = render(
            &[
                Block::Text { text: "Primăria Ștei".into(), style: Style::Title },
                Block::Qr("https://x.ro/s/AAA".into()),
            ],
            576,
        );
        assert_eq!(bmp.width, 576);
        let dark = bmp.pixels.iter().filter(|&&p| p < 128).count();
        assert!(dark > 2000, "only {dark} dark pixels");
    }
}
