//! Supporting documents as pages: a picture of a paper (from the document
//! camera, the scanner, or a file) becomes a page the registry can read and
//! a panel can carry: the paper's edges found and cropped when the background
//! allows, greyscale, contrast normalised, at most A4 at 200 dpi, a JPEG of
//! at most 300 KB (re-compressed, then scaled down, never dropped). A page
//! that looks blank or black is flagged ("Pagina pare goală") so the citizen
//! can retake it before sending.
//!
//! Pure: bytes and pixels in, bytes out; no files, no devices. Codecs are the
//! `image` crate's (PNG and JPEG only). Which document a page belongs to is
//! the form's business (`forms::document_for_next_page`). This module must
//! never import `queue`, `app`, `ui` or `devices`.

pub mod page;
pub mod process;

pub use page::{AttachedPage, DecodeError, Page, A4_200DPI, MAX_PAGE_BYTES};
pub use process::{decode, looks_blank, process, process_luma};
