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
pub fn submit(
    queue: &mut Queue,
    sealer: &crate::crypto::Sealer,
    letterhead: &crate::pdf::Letterhead,
    form: &crate::forms::FormDef,
    lang: crate::i18n::Lang,
    answers: std::collections::BTreeMap<String, String>,
    now_ms: i64,
) -> Result<Receipt, QueueError> {
    commit(queue, sealer, letterhead, form, lang, answers, None, now_ms)
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
    original: &str,
    now_ms: i64,
) -> Result<Receipt, QueueError> {
    // On the registry's PDF too, so the paper copy says what it completes.
    answers.insert("cerere_initiala".into(), original.to_owned());
    commit(queue, sealer, letterhead, form, lang, answers, Some(original.to_owned()), now_ms)
}

#[allow(clippy::too_many_arguments)]
fn commit(
    queue: &mut Queue,
    sealer: &crate::crypto::Sealer,
    letterhead: &crate::pdf::Letterhead,
    form: &crate::forms::FormDef,
    lang: crate::i18n::Lang,
    answers: std::collections::BTreeMap<String, String>,
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
        supplement_of,
    };
    let payload = serde_json::to_vec(&sealer.envelope(&body)).expect("an envelope serialises");
    queue.enqueue(&form.id, &key, &code, &payload, now_ms)
}
