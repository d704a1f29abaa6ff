//! The UI as it is drawn, read from Slint's item tree rather than from what
//! the session believes it shows: every visible `Text` with its colour, font
//! and place on screen (clipped as drawn), the width of its longest word as
//! the renderer shapes it, and the pixels behind it in a snapshot.
//!
//! The testing backend's element queries give geometry and accessible
//! properties but not a text's colour or font, so this reads the items
//! through `i-slint-core`, pinned `=` to the slint version like
//! `i-slint-backend-testing` (the same internal crate the testing backend
//! reads). Nothing here is hand-typed per screen: a `Text` added to a
//! `.slint` file is measured the next time its screen is drawn.

use ghiseu::ui::AppWindow;
use i_slint_core::graphics::{Brush, FontRequest};
use i_slint_core::item_rendering::{HasFont, PlainOrStyledText, RenderString};
use i_slint_core::item_tree::{ItemRc, ParentItemTraversalMode};
use i_slint_core::items::{
    BasicBorderRectangle, BorderRectangle, ComplexText, Rectangle, SimpleText, TextOverflow, TextWrap,
};
use slint::{Color, ComponentHandle, SharedString};
use std::ops::ControlFlow;
use std::pin::Pin;

/// A text as drawn.
#[derive(Debug, Clone)]
pub struct DrawnText {
    pub text: String,
    pub color: Color,
    pub font_px: f32,
    pub bold: bool,
    pub wrap: bool,
    pub elide: bool,
    /// The element's box in window pixels, clipped by its clipping ancestors
    /// (a scrolled list) and the window: x0, y0, x1, y1.
    pub clip: [f32; 4],
    /// The element's own width (what its lines get).
    pub width: f32,
    /// The widest word and its shaped width at this font.
    pub longest_word: (String, f32),
    /// The whole text on one line, shaped.
    pub one_line: f32,
    /// Part of it lies outside the window, and no scrolling ancestor holds it.
    pub off_window: bool,
}

/// A word measured with the font of the text it belongs to.
struct Word {
    text: SharedString,
    font: FontRequest,
}

impl HasFont for Word {
    fn font_request(self: Pin<&Self>, _: &ItemRc) -> FontRequest {
        self.font.clone()
    }
}

impl RenderString for Word {
    fn text(self: Pin<&Self>) -> PlainOrStyledText {
        PlainOrStyledText::Plain(self.text.clone())
    }
}

/// The words of `text` between the places a line may break: spaces (not
/// no-break ones), and after a hyphen or a slash (as Unicode line breaking allows).
pub fn words(text: &str) -> Vec<String> {
    let mut out = vec![];
    // A no-break space (U+00A0) joins a mark to its word: no break there.
    for w in text.split(|c: char| c.is_whitespace() && c != '\u{a0}').filter(|w| !w.is_empty()) {
        let mut cur = String::new();
        for c in w.chars() {
            cur.push(c);
            if matches!(c, '-' | '/' | '—') {
                out.push(std::mem::take(&mut cur));
            }
        }
        if !cur.is_empty() {
            out.push(cur);
        }
    }
    out
}

fn shaped_width(item: &ItemRc, font: &FontRequest, text: &str) -> f32 {
    let Some(adapter) = item.window_adapter() else { return 0.0 };
    let word = Word { text: text.into(), font: font.clone() };
    let pinned: Pin<&Word> = Pin::new(&word);
    // The renderer keeps one shaped layout per item, whatever text it was
    // asked about: without clearing, a word measured against a Text would
    // come back as the layout already kept for it, and would then be drawn
    // in the Text's place (its whole text cut to that word).
    let cache = adapter.renderer().text_layout_cache();
    cache.inspect(|c| c.clear_all());
    let width = adapter.renderer().text_size(pinned, item, None, TextWrap::NoWrap).width;
    cache.inspect(|c| c.clear_all());
    width
}

/// The box of `item` in window coordinates, clipped by every ancestor that
/// clips its children (a Flickable's viewport, `clip: true`).
fn clipped_box(item: &ItemRc) -> [f32; 4] {
    let g = item.geometry();
    let origin = item.map_to_window(g.origin);
    let mut b = [origin.x, origin.y, origin.x + g.size.width, origin.y + g.size.height];
    let mut cur = item.parent_item(ParentItemTraversalMode::StopAtPopups);
    while let Some(a) = cur {
        if a.borrow().as_ref().clips_children() {
            let ag = a.geometry();
            let o = a.map_to_window(ag.origin);
            b = [b[0].max(o.x), b[1].max(o.y), b[2].min(o.x + ag.size.width), b[3].min(o.y + ag.size.height)];
        }
        cur = a.parent_item(ParentItemTraversalMode::StopAtPopups);
    }
    b
}

fn brush_color(b: Brush) -> Color {
    b.color()
}

/// The background an item paints, if it is a rectangle that paints one.
fn background(item: &ItemRc) -> Option<Color> {
    if let Some(r) = item.downcast::<Rectangle>() {
        Some(r.as_pin_ref().background().color())
    } else if let Some(r) = item.downcast::<BasicBorderRectangle>() {
        Some(r.as_pin_ref().background().color())
    } else {
        item.downcast::<BorderRectangle>().map(|r| r.as_pin_ref().background().color())
    }
}

/// Every visible, non-empty `Text` of the window as drawn now, but those
/// hidden under something drawn later (an overlay: the identity check, the
/// signature pad, the idle warning) that paints over their whole box.
pub fn texts(w: &AppWindow) -> Vec<DrawnText> {
    let root = i_slint_core::window::WindowInner::from_pub(w.window()).component();
    let size = w.window().size();
    let (ww, wh) = (size.width as f32, size.height as f32);
    let mut out: Vec<(usize, DrawnText)> = vec![];
    // Rectangles painting a mostly opaque ground, in the order they are drawn.
    let mut grounds: Vec<(usize, [f32; 4])> = vec![];
    let mut order = 0usize;
    ItemRc::new_root(root).visit_descendants(|item| {
        if !item.is_visible() {
            return ControlFlow::<()>::Continue(());
        }
        order += 1;
        if let Some(bg) = background(item) {
            if bg.alpha() >= 128 {
                grounds.push((order, clipped_box(item)));
            }
            return ControlFlow::Continue(());
        }
        let found = if let Some(t) = item.downcast::<ComplexText>() {
            let t = t.as_pin_ref();
            Some((
                t.text(),
                brush_color(t.color()),
                t.font_size().get(),
                t.font_weight(),
                t.wrap() != TextWrap::NoWrap,
                t.overflow() == TextOverflow::Elide,
                t.font_request(item),
                t.width().get(),
            ))
        } else if let Some(t) = item.downcast::<SimpleText>() {
            let t = t.as_pin_ref();
            Some((
                t.text(),
                brush_color(t.color()),
                t.font_size().get(),
                t.font_weight(),
                false,
                false,
                t.font_request(item),
                t.width().get(),
            ))
        } else {
            None
        };
        let Some((text, color, font_px, weight, wrap, elide, font, width)) = found else {
            return ControlFlow::Continue(());
        };
        if text.trim().is_empty() {
            return ControlFlow::Continue(());
        }
        let mut clip = clipped_box(item);
        let off_window = clip[0] < -0.5 || clip[1] < -0.5 || clip[2] > ww + 0.5 || clip[3] > wh + 0.5;
        clip = [clip[0].max(0.0), clip[1].max(0.0), clip[2].min(ww), clip[3].min(wh)];
        if clip[2] - clip[0] < 1.0 || clip[3] - clip[1] < 1.0 {
            return ControlFlow::Continue(());
        }
        // A font size of 0 means the window's default (the theme sets one everywhere).
        let font_px = if font_px > 0.0 { font_px } else { font.pixel_size.map_or(12.0, |p| p.get()) };
        let longest_word = words(&text)
            .into_iter()
            .map(|w| {
                let px = shaped_width(item, &font, &w);
                (w, px)
            })
            .fold((String::new(), 0.0f32), |a, b| if b.1 > a.1 { b } else { a });
        let one_line = shaped_width(item, &font, &text);

        out.push((
            order,
            DrawnText {
                text: text.to_string(),
                color,
                font_px,
                bold: weight >= 600,
                wrap,
                elide,
                clip,
                width,
                longest_word,
                one_line,
                off_window,
            },
        ));
        ControlFlow::Continue(())
    });
    let covers = |g: &[f32; 4], b: &[f32; 4]| g[0] <= b[0] && g[1] <= b[1] && g[2] >= b[2] && g[3] >= b[3];
    out.into_iter()
        .filter(|(at, t)| !grounds.iter().any(|(later, g)| later > at && covers(g, &t.clip)))
        .map(|(_, t)| t)
        .collect()
}

/// A snapshot of the window: width, height, RGBA bytes.
pub struct Shot {
    pub width: u32,
    pub height: u32,
    pub rgba: Vec<u8>,
}

impl Shot {
    pub fn take(w: &AppWindow) -> Shot {
        w.window().request_redraw();
        let b = w.window().take_snapshot().expect("a snapshot of the window");
        Shot { width: b.width(), height: b.height(), rgba: b.as_bytes().to_vec() }
    }

    pub fn at(&self, x: i32, y: i32) -> Option<Color> {
        if x < 0 || y < 0 || x >= self.width as i32 || y >= self.height as i32 {
            return None;
        }
        let i = (y as usize * self.width as usize + x as usize) * 4;
        Some(Color::from_rgb_u8(self.rgba[i], self.rgba[i + 1], self.rgba[i + 2]))
    }

    /// The colour most of the box `b` is painted with: what is behind a text
    /// (its glyphs cover far less of its box than the ground does). When the
    /// text's own colour is the most common one and nothing else covers a
    /// quarter of the box, the text sits on its own colour (1:1).
    pub fn ground(&self, b: [f32; 4], fg: Color) -> Color {
        let mut counts: std::collections::HashMap<(u8, u8, u8), usize> = Default::default();
        let (x0, y0, x1, y1) = (b[0].ceil() as i32, b[1].ceil() as i32, b[2].floor() as i32, b[3].floor() as i32);
        let mut n = 0;
        for y in y0..y1 {
            for x in x0..x1 {
                if let Some(c) = self.at(x, y) {
                    *counts.entry((c.red(), c.green(), c.blue())).or_default() += 1;
                    n += 1;
                }
            }
        }
        let mut v: Vec<_> = counts.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1));
        let key = |c: Color| (c.red(), c.green(), c.blue());
        match v.as_slice() {
            [] => fg,
            [(c, _)] => Color::from_rgb_u8(c.0, c.1, c.2),
            [(c, _), (d, m), ..] if *c == key(fg) && *m * 4 >= n => Color::from_rgb_u8(d.0, d.1, d.2),
            [(c, _), ..] => Color::from_rgb_u8(c.0, c.1, c.2),
        }
    }
}

/// WCAG 2.2 relative luminance and contrast ratio.
pub fn contrast(a: Color, b: Color) -> f64 {
    let lum = |c: Color| {
        let ch = |v: u8| {
            let v = f64::from(v) / 255.0;
            if v <= 0.04045 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * ch(c.red()) + 0.7152 * ch(c.green()) + 0.0722 * ch(c.blue())
    };
    let (la, lb) = (lum(a), lum(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// WCAG's large text: 18 pt (24 px), or 14 pt (18.67 px) bold.
pub fn is_large(t: &DrawnText) -> bool {
    t.font_px >= 24.0 || (t.bold && t.font_px >= 18.66)
}

/// The text's colour against the ground behind it, each text below its
/// ratio (`normal`, or `large` for large text) as a problem line.
pub fn contrast_problems(screen: &str, shot: &Shot, texts: &[DrawnText], normal: f64, large: f64) -> Vec<String> {
    let mut problems = vec![];
    for t in texts {
        // Opaque text only; a half-transparent one is measured against what shows through.
        let ground = shot.ground(t.clip, t.color);
        let c = contrast(t.color, ground);
        let min = if is_large(t) { large } else { normal };
        if c < min {
            problems.push(format!(
                "{screen}: `{}` ({:.0} px{}) is {:?} on {:?}: {c:.2}:1, below {min}:1",
                t.text,
                t.font_px,
                if t.bold { " bold" } else { "" },
                t.color,
                ground
            ));
        }
    }
    problems
}

/// A word broken inside (a wrapping text narrower than its longest word) or
/// a text cut off (one line, not elided, wider than its box).
pub fn fit_problems(screen: &str, texts: &[DrawnText]) -> Vec<String> {
    let mut problems = vec![];
    for t in texts {
        // Half a pixel for rounding between layout and shaping.
        if t.wrap && t.longest_word.1 > t.width + 0.5 {
            problems.push(format!(
                "{screen}: `{}` breaks inside the word `{}` ({:.0} px wide at {:.0} px, in {:.0} px)",
                t.text, t.longest_word.0, t.longest_word.1, t.font_px, t.width
            ));
        } else if t.off_window {
            problems.push(format!("{screen}: `{}` lies partly outside the window", t.text));
        } else if !t.wrap && !t.elide && t.one_line > t.width + 0.5 {
            problems.push(format!(
                "{screen}: `{}` is cut off ({:.0} px of text at {:.0} px, in {:.0} px)",
                t.text, t.one_line, t.font_px, t.width
            ));
        }
    }
    problems
}

/// At ×1.5 every text grows with the rest: none stays below the small size
/// ×1.5 (a fixed font size, e.g. the top bar's buttons at 16 px, would).
pub fn growth_problems(screen: &str, texts: &[DrawnText], min_px: f32) -> Vec<String> {
    texts
        .iter()
        .filter(|t| t.font_px + 0.01 < min_px)
        .map(|t| {
            format!("{screen}: `{}` stays at {:.0} px at ×1.5 (the smallest text is {min_px:.0} px)", t.text, t.font_px)
        })
        .collect()
}

/// A control as drawn: its accessible label and description, and its box.
#[derive(Debug, Clone)]
pub struct DrawnControl {
    pub label: String,
    pub description: String,
    /// Its box in window pixels, unclipped: x0, y0, x1, y1.
    pub rect: [f32; 4],
}

/// Every control the window draws now (a button, checkbox, radio button or
/// text field by its accessible role), with a size, not clipped away, not
/// under something drawn later over its whole box (an overlay), and not a key
/// of a group of keys (the on-screen keyboard, the county pad).
pub fn controls(w: &AppWindow) -> Vec<DrawnControl> {
    use i_slint_core::accessibility::AccessibleStringProperty;
    use i_slint_core::items::AccessibleRole;
    let root = i_slint_core::window::WindowInner::from_pub(w.window()).component();
    let mut out: Vec<(usize, [f32; 4], DrawnControl)> = vec![];
    let mut grounds: Vec<(usize, [f32; 4])> = vec![];
    let mut order = 0usize;
    ItemRc::new_root(root).visit_descendants(|item| {
        if !item.is_visible() {
            return ControlFlow::<()>::Continue(());
        }
        order += 1;
        if background(item).is_some_and(|bg| bg.alpha() >= 128) {
            grounds.push((order, clipped_box(item)));
        }
        // The on-screen keyboard and the county pad (groups of keys): a keypad
        // citizen types on the keypad itself (multi-tap, first letters).
        let in_group = || {
            let mut p = item.parent_item(ParentItemTraversalMode::StopAtPopups);
            while let Some(a) = p {
                if a.accessible_role() == AccessibleRole::Groupbox {
                    return true;
                }
                p = a.parent_item(ParentItemTraversalMode::StopAtPopups);
            }
            false
        };
        if matches!(
            item.accessible_role(),
            AccessibleRole::Button | AccessibleRole::Checkbox | AccessibleRole::RadioButton | AccessibleRole::TextInput
        ) && !in_group()
        {
            let g = item.geometry();
            let o = item.map_to_window(g.origin);
            let rect = [o.x, o.y, o.x + g.size.width, o.y + g.size.height];
            let clip = clipped_box(item);
            if g.size.width > 0.0 && g.size.height > 0.0 && clip[2] > clip[0] && clip[3] > clip[1] {
                let prop = |p| item.accessible_string_property(p).map(|s| s.to_string()).unwrap_or_default();
                let control = DrawnControl {
                    label: prop(AccessibleStringProperty::Label),
                    description: prop(AccessibleStringProperty::Description),
                    rect,
                };
                out.push((order, clip, control));
            }
        }
        ControlFlow::Continue(())
    });
    let covers = |g: &[f32; 4], b: &[f32; 4]| g[0] <= b[0] && g[1] <= b[1] && g[2] >= b[2] && g[3] >= b[3];
    out.into_iter()
        .filter(|(at, clip, _)| !grounds.iter().any(|(later, g)| later > at && covers(g, clip)))
        .map(|(_, _, c)| c)
        .collect()
}

/// The boxes (window pixels, unclipped) of every visible rectangle drawn with
/// a border of colour `ring` and width 5 px: the keypad's focus rings.
pub fn rings(w: &AppWindow, ring: Color) -> Vec<[f32; 4]> {
    let root = i_slint_core::window::WindowInner::from_pub(w.window()).component();
    let mut out = vec![];
    ItemRc::new_root(root).visit_descendants(|item| {
        if !item.is_visible() {
            return ControlFlow::<()>::Continue(());
        }
        let border = if let Some(r) = item.downcast::<BorderRectangle>() {
            let r = r.as_pin_ref();
            Some((r.border_color().color(), r.border_width().get()))
        } else {
            item.downcast::<BasicBorderRectangle>().map(|r| {
                let r = r.as_pin_ref();
                (r.border_color().color(), r.border_width().get())
            })
        };
        if let Some((c, bw)) = border {
            if c == ring && (bw - 5.0).abs() < 0.01 {
                let g = item.geometry();
                let o = item.map_to_window(g.origin);
                out.push([o.x, o.y, o.x + g.size.width, o.y + g.size.height]);
            }
        }
        ControlFlow::Continue(())
    });
    out
}
