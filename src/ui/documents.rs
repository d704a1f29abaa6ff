//! View → the supporting documents' screen (`DocumentsAdapter`): texts, the
//! documents with their pages, the page just taken. Pictures become Slint
//! images only when they change (the view is re-applied on every touch).

use super::generated::*;
use crate::app::capture::Thumb;
use crate::app::view::View;
use crate::i18n::Texts;
use slint::{ComponentHandle, Image, Model, ModelRc, Rgb8Pixel, SharedPixelBuffer, VecModel};
use std::cell::RefCell;
use std::sync::Arc;

/// A greyscale picture as a Slint image.
fn image(t: &Thumb) -> Image {
    let mut buf = SharedPixelBuffer::<Rgb8Pixel>::new(t.width, t.height);
    for (px, l) in buf.make_mut_slice().iter_mut().zip(t.luma.iter()) {
        *px = Rgb8Pixel { r: *l, g: *l, b: *l };
    }
    Image::from_rgb8(buf)
}

thread_local! {
    /// The pictures last pushed (by identity) and their images.
    static SHOWN: RefCell<(Vec<Arc<Vec<u8>>>, Option<Arc<Vec<u8>>>)> = RefCell::default();
}

pub(super) fn apply(w: &AppWindow, v: &View, texts: &Texts) {
    let t = |k: &str| slint::SharedString::from(texts.get(v.lang, k));
    let d = &v.documents;
    w.global::<ReviewAdapter>().set_documents_label(t("doc_open"));
    if v.screen != crate::app::Screen::Documents {
        return;
    }
    let a = w.global::<DocumentsAdapter>();
    a.set_title(t("doc_title"));
    a.set_place(t("doc_place"));
    a.set_taking_text(t("doc_taking"));
    a.set_take_label(t(if d.pages.is_empty() { "doc_take" } else { "doc_add" }));
    a.set_keep_label(t("doc_keep"));
    a.set_retake_label(t("doc_retake"));
    a.set_delete_label(t("doc_delete"));
    a.set_done_label(t("doc_done"));
    a.set_taking(d.taking);
    a.set_can_take(d.can_take);
    a.set_problem(d.problem.as_str().into());
    a.set_missing(d.missing.as_str().into());
    a.set_next(d.next.as_str().into());
    a.set_pending_warning(d.pending_warning.as_str().into());
    a.set_has_pending(d.pending.is_some());
    a.set_documents(ModelRc::new(VecModel::from(
        d.documents
            .iter()
            .map(|doc| DocItem {
                label: doc.label.as_str().into(),
                help: doc.help.as_str().into(),
                count: doc.count.as_str().into(),
                missing: doc.missing,
            })
            .collect::<Vec<_>>(),
    )));
    SHOWN.with(|shown| {
        let mut shown = shown.borrow_mut();
        let pending = d.pending.as_ref().map(|p| p.luma.clone());
        let same_pending = match (&pending, &shown.1) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        };
        if !same_pending {
            a.set_pending(d.pending.as_ref().map(image).unwrap_or_default());
            shown.1 = pending;
        }
        let pages: Vec<Arc<Vec<u8>>> = d.pages.iter().map(|p| p.thumb.luma.clone()).collect();
        let same_pages = pages.len() == shown.0.len() && pages.iter().zip(&shown.0).all(|(a, b)| Arc::ptr_eq(a, b));
        // Labels change with the language, pictures only with the pages.
        if !same_pages || a.get_pages().row_count() == 0 && !pages.is_empty() {
            shown.0 = pages;
        }
        let old: Vec<PageItem> = (0..a.get_pages().row_count()).filter_map(|i| a.get_pages().row_data(i)).collect();
        let items: Vec<PageItem> = d
            .pages
            .iter()
            .enumerate()
            .map(|(i, p)| PageItem {
                label: p.label.as_str().into(),
                picture: if same_pages { old.get(i).map(|o| o.picture.clone()) } else { None }
                    .unwrap_or_else(|| image(&p.thumb)),
                index: i as i32,
            })
            .collect();
        a.set_pages(ModelRc::new(VecModel::from(items)));
    });
}
