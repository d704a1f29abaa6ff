//! The shared vocabulary of kiosks and the registry: tracking codes and the
//! wire types of the intake's API (the envelope, the sealed body, status
//! answers, stages).
//!
//! Both sides depend on this module and it depends on neither: it must never
//! import `queue`, `intake`, `upload`, `app` or anything with I/O. Only
//! `i18n::Lang` (a language code) comes from below.

pub mod api;
pub mod tracking;
