//! The paper as a picture: blocks of a receipt drawn onto a 1-bit-ready
//! greyscale bitmap, the same width in dots as the printer's paper. ESC/POS
//! raster text, the technician's PNG preview and the headless demo all use it.

use super::layout::{Block, Style};
use super::raster::{qr_modules, Bitmap, Fonts};

struct Pen<'a> {
    bmp: Bitmap,
    y: f32,
    fonts: Fonts<'a>,
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
        let avail = self.bmp.width as f32 - 2.0 * self.margin;
        for line in self.fonts.wrap(text, px, bold, avail) {
            let w = self.fonts.measure(&line, px, bold);
            let x = if center { (self.bmp.width as f32 - w) / 2.0 } else { self.margin };
            self.fonts.draw(&mut self.bmp, x, self.y, &line, px, bold);
            self.y += self.fonts.line_height(px, bold) + 4.0;
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
    // Draw on a tall page, then crop to what was used.
    let mut pen = Pen { bmp: Bitmap::new(width, 4000), y: 16.0, fonts: Fonts::load(), margin: 16.0 };
    for b in blocks {
        match b {
            Block::Text { text, style } => pen.text(text, *style),
            Block::Qr(data) => pen.qr(data),
            Block::Logo(img) => {
                // The same scaling as the ESC/POS raster: at most the paper wide, 160 dots high.
                let img = &img.fit(width, 160);
                let x0 = (width.saturating_sub(img.width) / 2) as i32;
                let y0 = pen.y as i32;
                for y in 0..img.height {
                    for x in 0..img.width {
                        let v = img.pixels[(y * img.width + x) as usize];
                        pen.bmp.darken(x0 + x as i32, y0 + y as i32, 1.0 - v as f32 / 255.0);
                    }
                }
                pen.y += img.height as f32 + 12.0;
            }
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
