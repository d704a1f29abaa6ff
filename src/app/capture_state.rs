//! The supporting pages' state and events, shared by the session (`mod.rs`)
//! and the documents screen's logic (`capture.rs`); a leaf: it imports
//! nothing of the session.

use crate::documents::Page;
use crate::forms::documents::PageCounts;
use std::sync::Arc;

/// A small greyscale picture of a page for the screen (made off the UI thread).
#[derive(Clone, PartialEq, Eq)]
pub struct Thumb {
    pub width: u32,
    pub height: u32,
    pub luma: Arc<Vec<u8>>,
}

impl std::fmt::Debug for Thumb {
    // Never the pixels: a page is a citizen's paper.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Thumb({}×{})", self.width, self.height)
    }
}

/// A processed page and its picture for the screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shot {
    pub page: Page,
    pub thumb: Thumb,
}

/// A kept page: which document it belongs to, and its picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptPage {
    pub document: String,
    pub shot: Shot,
}

/// Why no page came, as the citizen is told it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptureProblem {
    /// No camera or scanner (or none configured).
    Missing,
    /// Another program holds it.
    Busy,
    /// It went away during the capture.
    Unplugged,
    /// It answered but gave no usable page.
    Failed,
    /// Every document already has its most pages.
    Full,
}

/// What happens on the documents screen (`Event::Documents`).
#[derive(Debug, Clone)]
pub enum DocEvent {
    /// «Documente» on the review: the supporting pages' screen.
    Open,
    /// «Fotografiază pagina» / «Adaugă o pagină».
    Take,
    /// «Refă»: the page shown is thrown away and another taken.
    Retake,
    /// A capture's outcome: the processed page and its picture, or why none.
    Captured(Result<Shot, CaptureProblem>),
    /// «Păstrează»: the page shown joins the next document with room.
    Keep,
    /// «Șterge» on the n-th kept page.
    Delete(usize),
    /// «Gata»: back to the review.
    Done,
    /// The camera was let go (the answer to `ReleaseCamera`; nothing to do).
    Released,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaptureState {
    /// Kept pages, in the order they were kept.
    pub pages: Vec<KeptPage>,
    /// Taken and shown, waiting for «Păstrează» or «Refă».
    pub pending: Option<Shot>,
    /// A capture is under way.
    pub taking: bool,
    pub problem: Option<CaptureProblem>,
}

impl CaptureState {
    pub fn counts(&self) -> PageCounts {
        let mut counts = PageCounts::new();
        for p in &self.pages {
            *counts.entry(p.document.clone()).or_default() += 1;
        }
        counts
    }
}
