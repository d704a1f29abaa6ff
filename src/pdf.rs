//! The registry's copy of a request: a PDF/A-3b document made on the kiosk
//! with `krilla`, in Romanian whatever language the citizen used.
//!
//! One or more A4 pages: the municipality, the service, the tracking code and
//! its QR (vector squares), the time of filing and the legal deadline, then
//! every answer with its label (option labels and dates as a person reads
//! them) and the signature redrawn from its vector path. The answers travel
//! again, machine-readable, as an embedded `cerere.json` (PDF/A-3 allows
//! associated files), so the registry can import them without retyping.
//! Then one page per attached page of the supporting documents (issue #18),
//! its greyscale JPEG embedded as it is.
//!
//! Text is laid out here (word wrap measured with the same DejaVu font the
//! PDF embeds); krilla shapes, subsets and embeds the font and refuses to
//! write anything that breaks PDF/A-3b.

use crate::forms::{FieldKind, FormDef};
use crate::i18n::{Lang, Texts};
use ab_glyph::{Font as _, FontRef, ScaleFont as _};
use krilla::color::rgb;
use krilla::configure::{Archival, ConfigurationBuilder, PdfVersion};
use krilla::embed::{AssociationKind, EmbeddedFile, MimeType};
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::{DateTime, Metadata};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};
use krilla::{Document, SerializeSettings};
use std::collections::BTreeMap;
use std::sync::Arc;

const REGULAR: &[u8] = include_bytes!("../ui/fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../ui/fonts/DejaVuSans-Bold.ttf");

/// A4 in points, and the margins.
const PAGE: (f32, f32) = (595.0, 842.0);
const MARGIN: f32 = 56.0;

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the PDF could not be written: {0}")]
    Krilla(String),
}

/// What every document of a kiosk shares: whose it is and where its QR points.
pub struct Letterhead {
    pub municipality: String,
    /// The status link base; the tracking code is appended.
    pub status_url_base: String,
    pub texts: Arc<Texts>,
}

/// What the document is about.
pub struct Request<'a> {
    pub form: &'a FormDef,
    /// Field id → stored value, as sent to the intake.
    pub answers: &'a BTreeMap<String, String>,
    pub tracking_code: &'a str,
    pub kiosk_id: &'a str,
    pub municipality: &'a str,
    /// The receipt's QR link (`…/s/CODE`).
    pub status_url: &'a str,
    pub created: jiff::Zoned,
    /// The supporting documents' pages, each drawn as a page of its own after the answers.
    pub pages: &'a [crate::documents::AttachedPage],
}

struct Fonts {
    regular: Font,
    bold: Font,
    regular_m: FontRef<'static>,
    bold_m: FontRef<'static>,
}

impl Fonts {
    fn load() -> Fonts {
        let font = |b: &'static [u8]| Font::new(Arc::new(b.to_vec()).into(), 0).expect("the shipped font parses");
        let metrics = |b: &'static [u8]| FontRef::try_from_slice(b).expect("the shipped font parses");
        Fonts { regular: font(REGULAR), bold: font(BOLD), regular_m: metrics(REGULAR), bold_m: metrics(BOLD) }
    }

    fn width(&self, bold: bool, size: f32, text: &str) -> f32 {
        let f = if bold { &self.bold_m } else { &self.regular_m };
        let scaled = f.as_scaled(f.units_per_em().unwrap_or(2048.0));
        let em: f32 = text.chars().map(|c| scaled.h_advance(f.glyph_id(c))).sum();
        em / f.units_per_em().unwrap_or(2048.0) * size
    }

    /// Lines of at most `width` points, breaking at spaces (and inside a word longer than a line).
    fn wrap(&self, bold: bool, size: f32, width: f32, text: &str) -> Vec<String> {
        let mut lines = vec![];
        for para in text.split('\n') {
            let mut line = String::new();
            for word in para.split(' ') {
                let candidate = if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
                if self.width(bold, size, &candidate) <= width {
                    line = candidate;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                // A word wider than the line is cut where it must be.
                for c in word.chars() {
                    if self.width(bold, size, &format!("{line}{c}")) > width && !line.is_empty() {
                        lines.push(std::mem::take(&mut line));
                    }
                    line.push(c);
                }
            }
            lines.push(line);
        }
        lines
    }
}

/// Draws pages top to bottom, starting a new page when one is full.
struct Writer<'d> {
    doc: &'d mut Document,
    fonts: Fonts,
    y: f32,
    pages: Vec<Vec<Op>>,
}

/// What is drawn on a page (collected first, drawn when the page is made).
enum Op {
    Text { x: f32, y: f32, size: f32, bold: bool, grey: bool, text: String },
    Rects { rects: Vec<(f32, f32, f32, f32)> },
    Stroke { path: Vec<Vec<(f32, f32)>>, width: f32 },
    Rule { y: f32 },
}

impl Writer<'_> {
    fn need(&mut self, height: f32) {
        if self.y + height > PAGE.1 - MARGIN || self.pages.is_empty() {
            self.pages.push(vec![]);
            self.y = MARGIN;
        }
    }

    fn op(&mut self, op: Op) {
        self.pages.last_mut().expect("a page was started").push(op);
    }

    fn text(&mut self, size: f32, bold: bool, grey: bool, text: &str) {
        let width = PAGE.0 - 2.0 * MARGIN;
        for line in self.fonts.wrap(bold, size, width, text) {
            let lh = size * 1.35;
            self.need(lh);
            let y = self.y + size;
            self.op(Op::Text { x: MARGIN, y, size, bold, grey, text: line });
            self.y += lh;
        }
    }

    fn gap(&mut self, h: f32) {
        self.y += h;
    }

    /// Makes the pages; gives the fonts back for the pages that follow.
    fn finish(self) -> Fonts {
        for ops in self.pages {
            let mut page = self.doc.start_page_with(PageSettings::from_wh(PAGE.0, PAGE.1).expect("A4 is a size"));
            let mut surface = page.surface();
            for op in ops {
                draw(&mut surface, &self.fonts, op);
            }
            surface.finish();
            page.finish();
        }
        self.fonts
    }
}

fn draw(s: &mut Surface, fonts: &Fonts, op: Op) {
    let black = || Fill { paint: rgb::Color::new(0, 0, 0).into(), ..Default::default() };
    match op {
        Op::Text { x, y, size, bold, grey, text } => {
            let paint = if grey { rgb::Color::new(70, 70, 70) } else { rgb::Color::new(0, 0, 0) };
            s.set_fill(Some(Fill { paint: paint.into(), ..Default::default() }));
            let font = if bold { fonts.bold.clone() } else { fonts.regular.clone() };
            s.draw_text(Point::from_xy(x, y), font, size, &text, false, TextDirection::Auto);
        }
        Op::Rects { rects } => {
            let mut pb = PathBuilder::new();
            for (x, y, w, h) in rects {
                if let Some(r) = Rect::from_xywh(x, y, w, h) {
                    pb.push_rect(r);
                }
            }
            if let Some(path) = pb.finish() {
                s.set_stroke(None);
                s.set_fill(Some(black()));
                s.draw_path(&path);
            }
        }
        Op::Stroke { path, width } => {
            let mut pb = PathBuilder::new();
            for stroke in path {
                let mut pts = stroke.into_iter();
                if let Some((x, y)) = pts.next() {
                    pb.move_to(x, y);
                    // A tap is a dot: a zero-length line with round caps.
                    let mut drew = false;
                    for (x, y) in pts {
                        pb.line_to(x, y);
                        drew = true;
                    }
                    if !drew {
                        pb.line_to(x + 0.5, y);
                    }
                }
            }
            if let Some(p) = pb.finish() {
                s.set_fill(None);
                s.set_stroke(Some(Stroke {
                    paint: rgb::Color::new(0, 0, 0).into(),
                    width,
                    line_cap: krilla::paint::LineCap::Round,
                    line_join: krilla::paint::LineJoin::Round,
                    ..Default::default()
                }));
                s.draw_path(&p);
                s.set_stroke(None);
            }
        }
        Op::Rule { y } => {
            let mut pb = PathBuilder::new();
            pb.move_to(MARGIN, y);
            pb.line_to(PAGE.0 - MARGIN, y);
            if let Some(p) = pb.finish() {
                s.set_fill(None);
                s.set_stroke(Some(Stroke {
                    paint: rgb::Color::new(120, 120, 120).into(),
                    width: 0.6,
                    ..Default::default()
                }));
                s.draw_path(&p);
                s.set_stroke(None);
            }
        }
    }
}

/// The strokes of a signature path (`M x y L x y …`, as the kiosk stores it).
pub fn signature_strokes(path: &str) -> Vec<Vec<(f32, f32)>> {
    let mut strokes: Vec<Vec<(f32, f32)>> = vec![];
    let mut tokens = path.split_whitespace().peekable();
    while let Some(tok) = tokens.next() {
        let (cmd, first) = tok.split_at(tok.chars().next().map(char::len_utf8).unwrap_or(0));
        let Some(y) = tokens.next() else { break };
        let (Ok(x), Ok(y)) = (first.parse::<f32>(), y.parse::<f32>()) else { continue };
        match cmd {
            "M" => strokes.push(vec![(x, y)]),
            "L" => match strokes.last_mut() {
                Some(s) => s.push((x, y)),
                None => strokes.push(vec![(x, y)]),
            },
            _ => {}
        }
    }
    strokes
}

/// Each document with pages, by its Romanian label, in the form's order.
fn document_counts<'a>(req: &'a Request) -> Vec<(&'a str, usize)> {
    let mut out: Vec<(&str, usize)> = vec![];
    for p in req.pages {
        let label = req.form.document(&p.document).map(|d| d.label.ro.as_str()).unwrap_or(p.document.as_str());
        match out.iter_mut().find(|(l, _)| *l == label) {
            Some((_, n)) => *n += 1,
            None => out.push((label, 1)),
        }
    }
    out
}

/// One PDF page per attached page, after the answers: a caption line (the
/// document, the page's number) and the page's JPEG as it is (DCTDecode: the
/// bytes are copied, not re-encoded), as large as the paper allows. A
/// landscape picture gets a landscape page.
fn attached_pages(doc: &mut Document, fonts: &Fonts, req: &Request) -> Result<(), PdfError> {
    let total = req.pages.len();
    for (i, p) in req.pages.iter().enumerate() {
        let (pw, ph) = if p.page.width > p.page.height { (PAGE.1, PAGE.0) } else { PAGE };
        // No interpolation flag: PDF/A forbids it.
        let image = krilla::image::Image::from_jpeg(p.page.jpeg.clone().into(), false)
            .map_err(|e| PdfError::Krilla(format!("attached page {}: {e}", i + 1)))?;
        let label = req.form.document(&p.document).map(|d| d.label.ro.as_str()).unwrap_or(p.document.as_str());
        let caption = format!("{} — {label}, pagina {} din {total}", req.tracking_code, i + 1);
        let margin = 28.0;
        let top = margin + 18.0;
        let (bw, bh) = (pw - 2.0 * margin, ph - top - margin);
        let scale = (bw / p.page.width as f32).min(bh / p.page.height as f32);
        let (iw, ih) = (p.page.width as f32 * scale, p.page.height as f32 * scale);
        let size = krilla::geom::Size::from_wh(iw, ih)
            .ok_or_else(|| PdfError::Krilla(format!("attached page {} has no size", i + 1)))?;
        let mut page = doc.start_page_with(PageSettings::from_wh(pw, ph).expect("A4 is a size"));
        let mut surface = page.surface();
        draw(
            &mut surface,
            fonts,
            Op::Text { x: margin, y: margin + 9.0, size: 9.0, bold: false, grey: true, text: caption },
        );
        surface.push_transform(&krilla::geom::Transform::from_translate(margin + (bw - iw) / 2.0, top));
        surface.draw_image(image, size);
        surface.pop();
        surface.finish();
        page.finish();
    }
    Ok(())
}

/// Makes the PDF/A-3b document for a request.
pub fn render(req: &Request, texts: &Texts) -> Result<Vec<u8>, PdfError> {
    let lang = Lang::Ro;
    let config = ConfigurationBuilder::new()
        .with_archival_validator(Archival::A3_B)
        .with_version(PdfVersion::Pdf17)
        .finish()
        .map_err(|e| PdfError::Krilla(format!("{e:?}")))?;
    let settings = SerializeSettings { configuration: config, enable_tagging: false, ..Default::default() };
    let mut doc = Document::new_with(settings);
    let t = req.created.datetime();
    let date = DateTime::new(t.year() as u16)
        .month(t.month() as u8)
        .day(t.day() as u8)
        .hour(t.hour() as u8)
        .minute(t.minute() as u8)
        .second(t.second() as u8)
        .utc_offset_hour((req.created.offset().seconds() / 3600) as i8)
        .utc_offset_minute(((req.created.offset().seconds().abs() % 3600) / 60) as u8);
    let title = format!("{} — {}", req.form.title.get(lang), req.tracking_code);
    doc.set_metadata(
        Metadata::new()
            .title(title.clone())
            .language("ro-RO".into())
            .creator("ghiseu".into())
            .producer("ghiseu (krilla)".into())
            .authors(vec![req.municipality.to_owned()])
            .creation_date(date),
    );
    let json = serde_json::to_vec_pretty(&serde_json::json!({
        "form_id": req.form.id,
        "form_version": req.form.version,
        "tracking_code": req.tracking_code,
        "kiosk_id": req.kiosk_id,
        "created": req.created.timestamp().to_string(),
        "answers": req.answers,
    }))
    .expect("answers serialise");
    doc.embed_file(EmbeddedFile {
        path: "cerere.json".into(),
        mime_type: MimeType::new("application/json"),
        description: Some("Răspunsurile din formular, în format JSON".into()),
        association_kind: AssociationKind::Data,
        data: json.into(),
        modification_date: Some(date),
        compress: Some(true),
        location: None,
    })
    .ok_or_else(|| PdfError::Krilla("the answers could not be attached".into()))?;

    let mut w = Writer { doc: &mut doc, fonts: Fonts::load(), y: MARGIN, pages: vec![] };
    w.need(0.0);
    // The QR in the top right corner, 96 pt with its quiet zone.
    let (n, modules) = crate::print::raster::qr_modules(req.status_url);
    let module = 84.0 / n as f32;
    let (qx, qy) = (PAGE.0 - MARGIN - 84.0, MARGIN);
    let rects = (0..n * n)
        .filter(|i| modules[*i])
        .map(|i| (qx + (i % n) as f32 * module, qy + (i / n) as f32 * module, module, module))
        .collect();
    w.op(Op::Rects { rects });
    let narrow = PAGE.0 - 2.0 * MARGIN - 100.0;
    let head = |w: &mut Writer, size: f32, bold: bool, text: &str| {
        for line in w.fonts.wrap(bold, size, narrow, text) {
            let y = w.y + size;
            w.op(Op::Text { x: MARGIN, y, size, bold, grey: false, text: line });
            w.y += size * 1.35;
        }
    };
    head(&mut w, 11.0, true, req.municipality);
    w.gap(6.0);
    head(&mut w, 18.0, true, req.form.title.get(lang));
    w.gap(4.0);
    head(&mut w, 12.0, false, &format!("Cod de urmărire: {}", req.tracking_code));
    head(&mut w, 10.0, false, &format!("Depusă la {} pe panoul {}", t.strftime("%d.%m.%Y, ora %H:%M"), req.kiosk_id));
    head(&mut w, 10.0, false, &req.form.deadline_sentence(texts, lang));
    w.y = w.y.max(MARGIN + 96.0);
    w.gap(8.0);
    let rule_y = w.y;
    w.op(Op::Rule { y: rule_y });
    w.gap(14.0);

    let mut section = None;
    for f in req.form.visible_fields(req.answers) {
        if let Some(id) = &f.section {
            if section != Some(id) {
                section = Some(id);
                if let Some(s) = req.form.sections.iter().find(|s| &s.id == id) {
                    w.need(40.0);
                    w.gap(6.0);
                    w.text(13.0, true, false, s.title.get(lang));
                    w.gap(4.0);
                }
            }
        }
        let value = req.answers.get(&f.id).map(String::as_str).unwrap_or("");
        if f.kind == FieldKind::Signature {
            w.need(12.0 * 1.35 + 100.0);
            w.text(9.0, false, true, f.label.get(lang));
            let (bx, by, scale) = (MARGIN, w.y + 4.0, 240.0 / crate::forms::SIGNATURE_BOX.0);
            let path = signature_strokes(value)
                .into_iter()
                .map(|s| s.into_iter().map(|(x, y)| (bx + x * scale, by + y * scale)).collect())
                .collect();
            w.op(Op::Stroke { path, width: 1.2 });
            w.y += crate::forms::SIGNATURE_BOX.1 * scale + 12.0;
            continue;
        }
        w.need(9.0 * 1.35 + 11.0 * 1.35);
        w.text(9.0, false, true, f.label.get(lang));
        let shown = f.display_value(value, lang, texts);
        w.text(11.0, false, false, if shown.is_empty() { "—" } else { &shown });
        w.gap(6.0);
    }
    if !req.pages.is_empty() {
        w.need(40.0);
        w.gap(6.0);
        w.text(13.0, true, false, "Documente atașate");
        w.gap(4.0);
        for (label, n) in document_counts(req) {
            w.text(11.0, false, false, &format!("{label}: {n} {}", if n == 1 { "pagină" } else { "pagini" }));
        }
    }
    w.gap(10.0);
    w.text(8.0, false, true, "Datele din formular sunt atașate acestui document ca fișier cerere.json.");
    let fonts = w.finish();
    attached_pages(&mut doc, &fonts, req)?;
    doc.finish().map_err(|e| PdfError::Krilla(format!("{e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_paths_become_strokes() {
        assert_eq!(
            signature_strokes("M10 20 L11 21 L12 22 M50 60"),
            vec![vec![(10.0, 20.0), (11.0, 21.0), (12.0, 22.0)], vec![(50.0, 60.0)]]
        );
        assert!(signature_strokes("").is_empty());
        assert_eq!(signature_strokes("Mx 1 L2 3"), vec![vec![(2.0, 3.0)]]);
    }

    #[test]
    fn long_text_wraps_within_the_page() {
        let fonts = Fonts::load();
        let text = "Solicit repararea trotuarului din fața blocului A3 de pe strada Independenței; sunt gropi adânci.";
        let lines = fonts.wrap(false, 11.0, 200.0, text);
        assert!(lines.len() >= 3, "{lines:?}");
        assert!(lines.iter().all(|l| fonts.width(false, 11.0, l) <= 200.0), "{lines:?}");
        assert_eq!(lines.join(" "), text);
        // A word longer than the line is cut, never lost.
        let long = "x".repeat(300);
        assert_eq!(fonts.wrap(false, 11.0, 100.0, &long).concat(), long);
    }
}
