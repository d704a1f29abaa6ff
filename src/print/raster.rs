//! Raster rendering of print layouts: what the paper will look like, as a
//! greyscale bitmap at the printer's resolution (203 dpi, 576 dots wide on
//! 80 mm paper). Text is drawn with the DejaVu font the UI ships, so
//! diacritics look as they do on screen.

use super::{Block, Style};
use ab_glyph::{Font, FontRef, PxScale, ScaleFont};

const REGULAR: &[u8] = include_bytes!("../../ui/fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../../ui/fonts/DejaVuSans-Bold.ttf");

/// A greyscale image, 0 = black, 255 = white.
pub struct Bitmap {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u8>,
}

impl Bitmap {
    fn new(width: u32, height: u32) -> Bitmap {
        Bitmap { width, height, pixels: vec![255; (width * height) as usize] }
    }
    fn darken(&mut self, x: i32, y: i32, coverage: f32) {
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

fn wrap(text: &str, measure: impl Fn(&str) -> f32, max: f32) -> Vec<String> {
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

struct Pen<'a> {
    bmp: Bitmap,
    y: f32,
    regular: FontRef<'a>,
    bold: FontRef<'a>,
    margin: f32,
}

impl Pen<'_> {
    fn text(&mut self, text: &str, style: Style) {
        let (px, bold, center) = match style {
            Style::Title => (30.0, true, true),
            Style::Large => (52.0, true, true),
            Style::Normal => (24.0, false, false),
            Style::Small => (20.0, false, false),
        };
        let font = if bold { &self.bold } else { &self.regular };
        let scaled = font.as_scaled(PxScale::from(px));
        let measure = |s: &str| {
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
        };
        let avail = self.bmp.width as f32 - 2.0 * self.margin;
        for line in wrap(text, measure, avail) {
            let w = measure(&line);
            let mut x = if center { (self.bmp.width as f32 - w) / 2.0 } else { self.margin };
            let baseline = self.y + scaled.ascent();
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
                    let bmp = &mut self.bmp;
                    outlined
                        .draw(|gx, gy, cov| bmp.darken(b.min.x as i32 + gx as i32, b.min.y as i32 + gy as i32, cov));
                }
            }
            self.y += scaled.height() + scaled.line_gap() + 4.0;
        }
    }

    fn qr(&mut self, data: &str) {
        let (n, modules) = qr_modules(data);
        let scale = 6usize;
        let size = n * scale;
        let x0 = (self.bmp.width as usize).saturating_sub(size) / 2;
        let y0 = self.y as usize;
        for (i, dark) in modules.iter().enumerate() {
            if !dark {
                continue;
            }
            let (mx, my) = (i % n, i / n);
            for dy in 0..scale {
                for dx in 0..scale {
                    self.bmp.darken((x0 + mx * scale + dx) as i32, (y0 + my * scale + dy) as i32, 1.0);
                }
            }
        }
        self.y += size as f32 + 8.0;
    }
}

/// Renders blocks onto paper `width` dots wide; the height follows the content.
pub fn render(blocks: &[Block], width: u32) -> Bitmap {
    let regular = FontRef::try_from_slice(REGULAR).expect("the shipped font parses");
    let bold = FontRef::try_from_slice(BOLD).expect("the shipped font parses");
    // Draw on a tall page, then crop to what was used.
    let mut pen = Pen { bmp: Bitmap::new(width, 4000), y: 16.0, regular, bold, margin: 16.0 };
    for b in blocks {
        match b {
            Block::Text { text, style } => pen.text(text, *style),
            Block::Qr(data) => pen.qr(data),
            Block::Rule => {
                let y = (pen.y + 8.0) as i32;
                for x in 8..(width as i32 - 8) {
                    pen.bmp.darken(x, y, 1.0);
                    pen.bmp.darken(x, y + 1, 1.0);
                }
                pen.y += 20.0;
            }
            Block::Feed => pen.y += 16.0,
        }
    }
    let height = ((pen.y + 24.0) as u32).min(pen.bmp.height);
    let mut bmp = pen.bmp;
    bmp.pixels.truncate((width * height) as usize);
    bmp.height = height;
    bmp
}

#[cfg(test)]
mod tests {
    use super::*;

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
