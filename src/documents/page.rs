//! A processed page, and the limits every page is held to.

/// A4 at 200 dpi, portrait (short side, long side) in pixels: the most a page
/// keeps; 200 dpi reads well on paper and on a registry clerk's screen.
pub const A4_200DPI: (u32, u32) = (1654, 2339);

/// The most bytes one page's JPEG may have (issue #18: ≤ 300 KB at 200 dpi A4).
pub const MAX_PAGE_BYTES: usize = 300 * 1000;

/// A page ready to attach: greyscale JPEG bytes and their size in pixels.
#[derive(Clone, PartialEq, Eq)]
pub struct Page {
    /// A baseline greyscale JPEG, at most [`MAX_PAGE_BYTES`].
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
    /// The JPEG quality it was written at (lower when the page had to be re-compressed).
    pub quality: u8,
    /// The paper's edges were found and the background cut away.
    pub cropped: bool,
    /// The page looks blank or black: the citizen is asked to retake it
    /// ("Pagina pare goală"); it may still be kept.
    pub blank: bool,
}

impl std::fmt::Debug for Page {
    // Never the bytes: a page is a citizen's paper.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Page")
            .field("bytes", &self.jpeg.len())
            .field("width", &self.width)
            .field("height", &self.height)
            .field("quality", &self.quality)
            .field("cropped", &self.cropped)
            .field("blank", &self.blank)
            .finish()
    }
}

/// A file that is not a picture the kiosk takes.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("not a PNG or JPEG image (only photos and scans in PNG or JPEG can be attached)")]
    NotAnImage,
    #[error("the image could not be read: {0}")]
    Corrupt(String),
    #[error("the image is too large ({width}×{height} pixels; at most 12000×12000)")]
    TooLarge { width: u32, height: u32 },
}

/// A page and the form's document it belongs to (`forms::DocumentDef::id`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachedPage {
    pub document: String,
    pub page: Page,
}
