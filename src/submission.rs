//! A submission is assembled here, in one place above the queue: the
//! citizen's answers become the registry's PDF, then a sealed (age, to the
//! municipality) and signed (the kiosk's Ed25519 key) envelope, which is
//! committed to the queue as opaque bytes.
//!
//! The queue below stores bytes and knows nothing of PDFs, keys or forms; the
//! session above only asks for `submit` through an effect. This module must
//! never import `app`, `ui` or `config`.

use crate::queue::{Queue, QueueError, Receipt};

/// Commits a citizen's answers as a new submission: a fresh UUIDv7 key, an
/// unused tracking code, and the sealed, signed envelope the uploader will
/// send byte for byte on every attempt.
///
/// The registry's PDF is made here too, inside the sealed envelope: if it
/// cannot be made the submission still goes (its answers are what counts).
/// The supporting documents' pages travel in the same sealed body (and as
/// pages of the PDF): they never reach the panel's disk in clear.
pub fn submit(
    queue: &mut Queue,
    sealer: &crate::crypto::Sealer,
    letterhead: &crate::pdf::Letterhead,
    form: &crate::forms::FormDef,
    lang: crate::i18n::Lang,
    answers: std::collections::BTreeMap<String, String>,
    pages: &[crate::documents::AttachedPage],
    now_ms: i64,
) -> Result<Receipt, QueueError> {
    commit(queue, sealer, letterhead, form, lang, answers, pages, None, now_ms)
}

/// «Adaugă o completare»: [`submit`] for a supplement to the request
/// `original` (its tracking code, carried in the envelope and signed): the
/// same queue, the same idempotency, its own tracking code and receipt.
#[allow(clippy::too_many_arguments)]
pub fn submit_supplement(
    queue: &mut Queue,
    sealer: &crate::crypto::Sealer,
    letterhead: &crate::pdf::Letterhead,
    form: &crate::forms::FormDef,
    lang: crate::i18n::Lang,
    mut answers: std::collections::BTreeMap<String, String>,
    pages: &[crate::documents::AttachedPage],
    original: &str,
    now_ms: i64,
) -> Result<Receipt, QueueError> {
    // On the registry's PDF too, so the paper copy says what it completes.
    answers.insert("cerere_initiala".into(), original.to_owned());
    commit(queue, sealer, letterhead, form, lang, answers, pages, Some(original.to_owned()), now_ms)
}

#[allow(clippy::too_many_arguments)]
fn commit(
    queue: &mut Queue,
    sealer: &crate::crypto::Sealer,
    letterhead: &crate::pdf::Letterhead,
    form: &crate::forms::FormDef,
    lang: crate::i18n::Lang,
    answers: std::collections::BTreeMap<String, String>,
    pages: &[crate::documents::AttachedPage],
    supplement_of: Option<String>,
    now_ms: i64,
) -> Result<Receipt, QueueError> {
    let mut rng = rand::rng();
    let mut code = crate::wire::tracking::generate(&mut rng);
    while queue.code_taken(&code)? {
        code = crate::wire::tracking::generate(&mut rng);
    }
    let key = uuid::Uuid::now_v7().to_string();
    let created = jiff::Timestamp::from_millisecond(now_ms)
        .unwrap_or_else(|_| jiff::Timestamp::now())
        .to_zoned(jiff::tz::TimeZone::system());
    let request = crate::pdf::Request {
        form,
        answers: &answers,
        tracking_code: &code,
        kiosk_id: &sealer.kiosk_id,
        municipality: &letterhead.municipality,
        status_url: &format!("{}{code}", letterhead.status_url_base),
        created,
        pages,
    };
    let pdf = match crate::pdf::render(&request, &letterhead.texts) {
        Ok(bytes) => Some(base64::Engine::encode(&base64::engine::general_purpose::STANDARD, bytes)),
        Err(e) => {
            tracing::error!(error = %e, form = %form.id, "registry PDF not made; sending the answers alone");
            None
        }
    };
    let body = crate::wire::api::SubmissionBody {
        key: key.clone(),
        tracking_code: code.clone(),
        kiosk_id: sealer.kiosk_id.clone(),
        form_id: form.id.clone(),
        form_version: form.version,
        lang,
        created_ms: now_ms,
        answers,
        pdf,
        pages: pages
            .iter()
            .map(|p| crate::wire::api::PageBody {
                document: p.document.clone(),
                width: p.page.width,
                height: p.page.height,
                jpeg: base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &p.page.jpeg),
            })
            .collect(),
        supplement_of,
    };
    let payload = serde_json::to_vec(&sealer.envelope(&body)).expect("an envelope serialises");
    queue.enqueue(&form.id, &key, &code, &payload, now_ms)
}

/// Why files could not become a request's pages.
#[derive(Debug, thiserror::Error)]
pub enum AttachError {
    #[error("{file}: {source}")]
    Decode { file: String, source: crate::documents::DecodeError },
    #[error("{file}: no room for another page: every document of this service is full ({pages} pages at most)")]
    Full { file: String, pages: usize },
    #[error("the document \"{label}\" (`{id}`) is required: attach at least one page of it")]
    MissingRequired { id: String, label: String },
}

/// Picture files (PNG or JPEG bytes, with a name for messages) as the pages
/// of a request, in order, each through the same processing as a captured
/// page, each to the form's first document that still has room, else to
/// "Alte documente". Fails, naming it, when a required document is left
/// without a page: nothing may be queued then.
pub fn attach_files(
    form: &crate::forms::FormDef,
    files: &[(String, Vec<u8>)],
) -> Result<Vec<crate::documents::AttachedPage>, AttachError> {
    let mut counts = crate::forms::PageCounts::new();
    let mut pages = Vec::with_capacity(files.len());
    for (file, bytes) in files {
        let image =
            crate::documents::decode(bytes).map_err(|source| AttachError::Decode { file: file.clone(), source })?;
        let Some(doc) = crate::forms::document_for_next_page(&form.documents, &counts) else {
            let pages = form.documents.iter().map(|d| d.max_pages as usize).sum();
            return Err(AttachError::Full { file: file.clone(), pages });
        };
        let page = crate::documents::process(&image);
        drop(image);
        *counts.entry(doc.id.clone()).or_default() += 1;
        pages.push(crate::documents::AttachedPage { document: doc.id.clone(), page });
    }
    if let Some(d) = crate::forms::missing_required(&form.documents, &counts) {
        return Err(AttachError::MissingRequired { id: d.id.clone(), label: d.label.ro.clone() });
    }
    Ok(pages)
}
