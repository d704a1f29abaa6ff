//! From a picture of a paper to a [`Page`]: decode (PNG/JPEG), find the
//! paper and crop, greyscale, scale to at most A4 at 200 dpi, flag a blank
//! page, stretch the contrast, and compress under [`MAX_PAGE_BYTES`].
//!
//! Codecs and resampling are the `image` crate's. The few page-specific
//! steps are written here because no well-kept crate does exactly them for
//! greyscale pages: an Otsu threshold and row/column profiles to find a
//! bright paper on a darker background (`imageproc` has Otsu, but its
//! compile cost is not worth one 20-line function), and a percentile level
//! stretch as a 256-entry table.

use super::page::{DecodeError, Page, A4_200DPI, MAX_PAGE_BYTES};
use image::{DynamicImage, GrayImage, ImageFormat};

/// The largest picture accepted, per side (a 12000×12000 greyscale page is
/// 144 MB while it is processed; a 48 MP camera frame is 8000×6000).
const MAX_SIDE: u32 = 12_000;

/// The picture in a PNG or JPEG file. Anything else (a PDF, a text file, a
/// truncated image) is refused with a reason.
pub fn decode(bytes: &[u8]) -> Result<DynamicImage, DecodeError> {
    let reader = || {
        image::ImageReader::new(std::io::Cursor::new(bytes))
            .with_guessed_format()
            .map_err(|e| DecodeError::Corrupt(e.to_string()))
    };
    let r = reader()?;
    if !matches!(r.format(), Some(ImageFormat::Png | ImageFormat::Jpeg)) {
        return Err(DecodeError::NotAnImage);
    }
    let (width, height) = r.into_dimensions().map_err(|e| DecodeError::Corrupt(e.to_string()))?;
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(DecodeError::TooLarge { width, height });
    }
    let mut r = reader()?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    r.limits(limits);
    r.decode().map_err(|e| DecodeError::Corrupt(e.to_string()))
}

/// A decoded picture as a page (see [`process_luma`]).
pub fn process(image: &DynamicImage) -> Page {
    process_luma(image.to_luma8())
}

/// A greyscale picture (a camera's `GREY` frame, a scanner's lines, or a
/// decoded file) as a page: cropped to the paper when the background is
/// darker than the paper, scaled to at most A4 at 200 dpi, blank pages
/// flagged, contrast stretched, JPEG ≤ [`MAX_PAGE_BYTES`].
pub fn process_luma(gray: GrayImage) -> Page {
    let (crop, cropped) = match find_paper(&gray) {
        Some((x, y, w, h)) => (image::imageops::crop_imm(&gray, x, y, w, h).to_image(), true),
        None => (gray, false),
    };
    let page = fit_a4(crop);
    let blank = looks_blank(&page);
    let page = stretch_contrast(page);
    let (jpeg, quality, page) = compress(page);
    Page { jpeg, width: page.width(), height: page.height(), quality, cropped, blank }
}

/// Scaled down (never up) to fit A4 at 200 dpi in the picture's own orientation.
fn fit_a4(img: GrayImage) -> GrayImage {
    let (w, h) = img.dimensions();
    let (bw, bh) = if w > h { (A4_200DPI.1, A4_200DPI.0) } else { A4_200DPI };
    let scale = (bw as f64 / w as f64).min(bh as f64 / h as f64);
    if scale >= 1.0 {
        return img;
    }
    let (nw, nh) = (((w as f64 * scale).round() as u32).max(1), ((h as f64 * scale).round() as u32).max(1));
    shrink(&img, nw, nh)
}

/// Scaled down by area averaging (`imageops::thumbnail`): integer sums, no
/// intermediate picture. `imageops::resize` keeps a 16-byte-per-pixel float
/// copy between its passes: for an 8 MP camera frame the peak while
/// processing was +56 MB with it, +15 MB with this (examples/docs_bench.rs),
/// on a panel whose whole kiosk is about 30 MB.
fn shrink(img: &GrayImage, w: u32, h: u32) -> GrayImage {
    image::imageops::thumbnail(img, w.max(1), h.max(1))
}

fn histogram(img: &GrayImage) -> [u64; 256] {
    let mut h = [0u64; 256];
    for &v in img.as_raw() {
        h[v as usize] += 1;
    }
    h
}

/// The grey level below which `fraction` of the pixels lie.
fn percentile(h: &[u64; 256], fraction: f64) -> u8 {
    let total: u64 = h.iter().sum();
    let want = (total as f64 * fraction).ceil() as u64;
    let mut seen = 0;
    for (v, &n) in h.iter().enumerate() {
        seen += n;
        if seen >= want.max(1) {
            return v as u8;
        }
    }
    255
}

/// Otsu's threshold: the level that best splits the histogram in two classes.
fn otsu(h: &[u64; 256]) -> u8 {
    let total: u64 = h.iter().sum();
    let sum: f64 = h.iter().enumerate().map(|(v, &n)| v as f64 * n as f64).sum();
    let (mut w0, mut sum0, mut best, mut best_var) = (0u64, 0f64, 0u8, -1f64);
    for (t, &n) in h.iter().enumerate() {
        w0 += n;
        sum0 += t as f64 * n as f64;
        let w1 = total - w0;
        if w0 == 0 || w1 == 0 {
            continue;
        }
        let (m0, m1) = (sum0 / w0 as f64, (sum - sum0) / w1 as f64);
        let var = w0 as f64 * w1 as f64 * (m0 - m1) * (m0 - m1);
        if var > best_var {
            best_var = var;
            best = t as u8;
        }
    }
    best
}

/// The paper's box `(x, y, w, h)` in `img`, when a bright paper lies on a
/// clearly darker background; `None` when the background is as bright as
/// the paper (a flatbed's white lid) or nothing paper-like is there.
fn find_paper(img: &GrayImage) -> Option<(u32, u32, u32, u32)> {
    // Decided on a small copy: the box needs a few hundred pixels per side.
    let (w, h) = img.dimensions();
    if w < 16 || h < 16 {
        return None;
    }
    let f = (512.0 / w.max(h) as f64).min(1.0);
    let (tw, th) = (((w as f64 * f) as u32).max(8), ((h as f64 * f) as u32).max(8));
    let small = image::imageops::thumbnail(img, tw, th);
    let t = otsu(&histogram(&small));
    let bright = |x: u32, y: u32| small.get_pixel(x, y).0[0] > t;
    // The background must be dark: most of a thin frame around the picture.
    let (fx, fy) = ((tw / 40).max(1), (th / 40).max(1));
    let (mut frame, mut dark) = (0u32, 0u32);
    for y in 0..th {
        for x in 0..tw {
            if x < fx || x >= tw - fx || y < fy || y >= th - fy {
                frame += 1;
                dark += u32::from(!bright(x, y));
            }
        }
    }
    if (dark as f64) < frame as f64 * 0.7 {
        return None;
    }
    // Rows and columns crossing the paper have many bright pixels, also
    // through a line of text (a fifth of the fullest is enough); the desk's
    // have next to none. One pixel of the small copy is kept on each side, so
    // the paper's edge (and text near it) is never cut.
    let cols: Vec<u32> = (0..tw).map(|x| (0..th).filter(|&y| bright(x, y)).count() as u32).collect();
    let rows: Vec<u32> = (0..th).map(|y| (0..tw).filter(|&x| bright(x, y)).count() as u32).collect();
    let span = |p: &[u32]| {
        let cut = p.iter().max().copied().unwrap_or(0) / 5;
        let first = p.iter().position(|&c| c > cut)?;
        let last = p.iter().rposition(|&c| c > cut)?;
        Some((first.saturating_sub(1) as u32, (last + 2).min(p.len()) as u32))
    };
    let ((x0, x1), (y0, y1)) = (span(&cols)?, span(&rows)?);
    // Too small to be the paper (a bright spot), or the whole picture.
    let area = ((x1 - x0) * (y1 - y0)) as f64 / (tw * th) as f64;
    if !(0.1..0.97).contains(&area) {
        return None;
    }
    let back = |v: u32, full: u32, small: u32| ((v as f64 * full as f64 / small as f64).round() as u32).min(full);
    let (x, y) = (back(x0, w, tw), back(y0, h, th));
    let (x2, y2) = (back(x1, w, tw), back(y1, h, th));
    Some((x, y, (x2 - x).max(1), (y2 - y).max(1)))
}

/// Whether a page looks blank (no ink on the paper) or black (the lens
/// covered, nothing under the camera): "Pagina pare goală".
pub fn looks_blank(img: &GrayImage) -> bool {
    let h = histogram(img);
    let total: u64 = h.iter().sum();
    if total == 0 {
        return true;
    }
    let median = percentile(&h, 0.5);
    if median < 48 {
        return true;
    }
    // Ink: clearly darker than the paper. A line of text on an A4 page at
    // 200 dpi is thousands of such pixels; sensor noise and paper grain are not.
    let ink_below = median.saturating_sub(64) as usize;
    let ink: u64 = h[..ink_below].iter().sum();
    (ink as f64) < total as f64 * 0.0003
}

/// Black point at the darkest 0.5 %, white point at the paper (see
/// [`white_point`]): grey paper under a lamp becomes white, and faint ink
/// dark. A flat picture (a blank page) is left as it is rather than having
/// its noise amplified.
fn stretch_contrast(mut img: GrayImage) -> GrayImage {
    let h = histogram(&img);
    let (lo, hi) = (percentile(&h, 0.005), white_point(&h));
    if hi <= lo || hi - lo < 32 {
        return img;
    }
    let table: Vec<u8> =
        (0..=255u32).map(|v| ((v.saturating_sub(lo as u32) * 255) / (hi - lo) as u32).min(255) as u8).collect();
    for v in img.iter_mut() {
        *v = table[*v as usize];
    }
    img
}

/// On a page of text the paper is one bright level holding most pixels:
/// the white point goes below 95 % of them, so the paper, its grain and the
/// sensor's noise become flat white (legible, and a fraction of the JPEG
/// bytes). A picture without such a level (a photo) keeps its highlights:
/// the white point is then its 99th percentile.
fn white_point(h: &[u64; 256]) -> u8 {
    let total: u64 = h.iter().sum();
    let mode = (96..256).max_by_key(|&v| h[v]).unwrap_or(255);
    let (from, to) = (mode.saturating_sub(24), (mode + 24).min(255));
    let paper: u64 = h[from..=to].iter().sum();
    if paper * 2 > total {
        let mut seen = 0;
        for (v, &n) in h.iter().enumerate().take(to + 1).skip(from) {
            seen += n;
            if seen * 20 >= paper {
                return v as u8;
            }
        }
    }
    percentile(h, 0.99)
}

/// JPEG at the best quality that fits [`MAX_PAGE_BYTES`]; if even quality 30
/// does not, the page is scaled down by a fifth and tried again: an
/// oversized page is re-compressed, never dropped.
fn compress(mut img: GrayImage) -> (Vec<u8>, u8, GrayImage) {
    loop {
        let mut last = vec![];
        for quality in [85u8, 75, 65, 55, 45, 30] {
            last = jpeg(&img, quality);
            if last.len() <= MAX_PAGE_BYTES {
                return (last, quality, img);
            }
        }
        let (w, h) = img.dimensions();
        if w < 64 || h < 64 {
            return (last, 30, img);
        }
        img = shrink(&img, w * 4 / 5, h * 4 / 5);
    }
}

fn jpeg(img: &GrayImage, quality: u8) -> Vec<u8> {
    let mut out = Vec::with_capacity(MAX_PAGE_BYTES);
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
        .encode_image(img)
        .expect("a greyscale image encodes to memory");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;

    /// A synthetic photo of a page: a light-grey paper with dark "text"
    /// strokes, placed on a darker desk.
    fn photo_of_page(w: u32, h: u32, paper: (u32, u32, u32, u32)) -> GrayImage {
        let (px, py, pw, ph) = paper;
        GrayImage::from_fn(w, h, |x, y| {
            let on_paper = x >= px && x < px + pw && y >= py && y < py + ph;
            if !on_paper {
                return Luma([40 + ((x * 7 + y * 13) % 11) as u8]);
            }
            let (lx, ly) = (x - px, y - py);
            let line = ly % 40;
            let text = lx > pw / 10 && lx < pw * 9 / 10 && (10..22).contains(&line) && (lx / 3 + ly / 5) % 4 != 0;
            Luma([if text { 50 } else { 185 + ((x + y) % 5) as u8 }])
        })
    }

    #[test]
    fn the_paper_is_found_on_a_dark_desk_and_cropped() {
        let img = photo_of_page(1200, 900, (300, 100, 600, 760));
        let (x, y, w, h) = find_paper(&img).expect("paper found");
        let near = |a: u32, b: u32| (a as i64 - b as i64).abs() <= 8;
        assert!(near(x, 300) && near(y, 100) && near(w, 600) && near(h, 760), "{:?}", (x, y, w, h));
        let page = process_luma(img);
        assert!(page.cropped && !page.blank, "{page:?}");
        assert!((page.width as i64 - 600).abs() <= 8 && (page.height as i64 - 760).abs() <= 8, "{page:?}");
    }

    #[test]
    fn a_scan_with_a_white_background_is_not_cropped() {
        let img = GrayImage::from_fn(800, 1100, |x, y| {
            Luma([if (200..600).contains(&x) && y % 40 < 10 && y > 100 { 30 } else { 240 }])
        });
        assert!(find_paper(&img).is_none());
        let page = process_luma(img);
        assert!(!page.cropped && !page.blank && page.width == 800 && page.height == 1100, "{page:?}");
    }

    #[test]
    fn blank_and_black_pages_are_flagged() {
        let white = GrayImage::from_fn(1654, 2339, |x, y| Luma([220 + ((x ^ y) % 6) as u8]));
        assert!(process_luma(white).blank);
        let black = GrayImage::from_fn(1000, 1400, |x, y| Luma([8 + ((x + y) % 9) as u8]));
        assert!(process_luma(black).blank);
        let text = photo_of_page(1000, 1400, (0, 0, 1000, 1400));
        assert!(!looks_blank(&text));
    }

    #[test]
    fn a_big_noisy_page_is_scaled_to_a4_and_recompressed_under_the_limit() {
        // Noise does not compress: at quality 85 this is far over 300 KB.
        let mut seed = 7u32;
        let noisy = GrayImage::from_fn(2480, 3508, |_, _| {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            Luma([(seed >> 24) as u8])
        });
        assert!(jpeg(&fit_a4(noisy.clone()), 85).len() > MAX_PAGE_BYTES);
        let page = process_luma(noisy);
        assert!(page.jpeg.len() <= MAX_PAGE_BYTES, "{page:?}");
        assert!(page.quality < 85, "{page:?}");
        assert!(page.width <= A4_200DPI.0 && page.height <= A4_200DPI.1, "{page:?}");
        let back = image::load_from_memory(&page.jpeg).unwrap();
        assert_eq!((back.width(), back.height()), (page.width, page.height));
    }

    #[test]
    fn only_png_and_jpeg_files_are_taken() {
        let img = DynamicImage::ImageLuma8(photo_of_page(300, 400, (50, 50, 200, 300)));
        for format in [ImageFormat::Png, ImageFormat::Jpeg] {
            let mut bytes = std::io::Cursor::new(vec![]);
            img.write_to(&mut bytes, format).unwrap();
            assert_eq!(decode(bytes.get_ref()).unwrap().width(), 300);
        }
        assert!(matches!(decode(b"%PDF-1.7\n..."), Err(DecodeError::NotAnImage)));
        assert!(matches!(decode(b"hello"), Err(DecodeError::NotAnImage)));
        let mut png = std::io::Cursor::new(vec![]);
        img.write_to(&mut png, ImageFormat::Png).unwrap();
        let cut = &png.get_ref()[..png.get_ref().len() / 2];
        assert!(matches!(decode(cut), Err(DecodeError::Corrupt(_))));
    }

    #[test]
    fn grainy_paper_becomes_flat_white_and_a_photo_keeps_its_highlights() {
        let mut seed = 3u32;
        let grain = GrayImage::from_fn(400, 400, |x, y| {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let text = y % 40 < 8 && x % 10 < 6;
            Luma([if text { 40 } else { 170 + (seed >> 28) as u8 }])
        });
        let flat = stretch_contrast(grain);
        let white = flat.pixels().filter(|p| p.0[0] == 255).count();
        assert!(white as f64 > 0.75 * 160_000.0, "{white} white pixels");
        // A gradient (a photo) has no dominant paper level: only its top 1 % clips.
        let photo = GrayImage::from_fn(256, 100, |x, _| Luma([x as u8]));
        let kept = stretch_contrast(photo);
        assert!(kept.pixels().filter(|p| p.0[0] == 255).count() < 100 * 5, "highlights kept");
    }

    #[test]
    fn contrast_is_stretched_to_white_paper_and_black_ink() {
        let page = process_luma(photo_of_page(800, 1000, (0, 0, 800, 1000)));
        let back = image::load_from_memory(&page.jpeg).unwrap().to_luma8();
        let h = histogram(&back);
        assert!(percentile(&h, 0.9) >= 245, "paper is white: {}", percentile(&h, 0.9));
        assert!(percentile(&h, 0.02) <= 15, "ink is black: {}", percentile(&h, 0.02));
    }
}
