//! The wire contract between kiosks and the intake (described in `openapi.yaml` beside this file).

use crate::i18n::Lang;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `POST /api/v1/submissions`, sent with `Idempotency-Key: {key}`: what a
/// kiosk stores at commit time and sends, byte for byte, on every attempt.
/// Only routing data is in clear; the citizen's data is `sealed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    pub key: String,
    pub tracking_code: String,
    pub kiosk_id: String,
    pub form_id: String,
    pub created_ms: i64,
    /// base64 of an age file encrypted to the municipality: a [`SubmissionBody`] in JSON.
    pub sealed: String,
    /// base64 of the kiosk's Ed25519 signature over [`Envelope::signed_message`].
    pub signature: String,
    /// A supplement ("Adaugă o completare"): the tracking code of the request
    /// it completes. Absent for a new request, so its bytes (and signature)
    /// are as before and older intakes read it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplement_of: Option<String>,
}

impl Envelope {
    /// What the kiosk signs: every clear field and a hash of the sealed data.
    pub fn signed_message(&self) -> Vec<u8> {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(self.sealed.as_bytes());
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        let mut m = format!(
            "ghiseu-envelope-v1\n{}\n{}\n{}\n{}\n{}\n{hex}\n",
            self.key, self.tracking_code, self.kiosk_id, self.form_id, self.created_ms
        );
        // Signed too when present; a new request's message is unchanged.
        if let Some(original) = &self.supplement_of {
            m.push_str(&format!("supplement-of\n{original}\n"));
        }
        m.into_bytes()
    }
}

/// `POST /api/v1/kiosks/{id}/check`: a kiosk proves it holds the key the
/// intake enrolled for its id (the self-test's "auth" check). Nothing is
/// stored; the answer also carries the intake's clock, so the kiosk can see
/// whether its own clock drifted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KioskCheck {
    pub time_ms: i64,
    /// base64 of the kiosk's Ed25519 signature over [`kiosk_check_message`].
    pub signature: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KioskCheckOk {
    pub kiosk_id: String,
    pub enrolled: bool,
    pub server_time_ms: i64,
}

/// What a kiosk signs to prove its key.
pub fn kiosk_check_message(kiosk_id: &str, time_ms: i64) -> Vec<u8> {
    format!("ghiseu-kiosk-check-v1\n{kiosk_id}\n{time_ms}\n").into_bytes()
}

/// A kiosk id names a key file at the intake, so it is kept to safe characters.
pub fn valid_kiosk_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !id.starts_with('.')
}

/// The citizen's submission, inside [`Envelope::sealed`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubmissionBody {
    pub key: String,
    pub tracking_code: String,
    pub kiosk_id: String,
    pub form_id: String,
    pub form_version: u32,
    pub lang: Lang,
    pub created_ms: i64,
    pub answers: BTreeMap<String, String>,
    /// The registry's PDF/A copy of the request, base64; absent if it could not be made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pdf: Option<String>,
    /// The supporting documents' pages, in the order they were attached
    /// (issue #18). Absent in envelopes made before them, which still open.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pages: Vec<PageBody>,
    /// A supplement: the tracking code of the request it completes (as in the envelope).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplement_of: Option<String>,
}

/// One attached page inside the sealed body: a greyscale JPEG.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageBody {
    /// The form's document it belongs to (`[[documents]] id`).
    pub document: String,
    pub width: u32,
    pub height: u32,
    /// base64 of the JPEG.
    pub jpeg: String,
}

/// The registry's answer to a submission, and to a status query. Fields after
/// `stage` came with the registry's inbox (issue #16): each has a default, so
/// a kiosk reads an older intake's answer, and an older kiosk (which ignores
/// unknown fields) reads this one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusBody {
    pub tracking_code: String,
    /// Empty while the registry has not registered the request yet.
    pub registration_number: String,
    /// `DD.MM.YYYY`; empty while not registered.
    pub registration_date: String,
    /// One of [`Stage`]'s codes.
    pub stage: Stage,
    /// The service (form id) the request is for.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub service: String,
    /// The legal deadline for the answer, `DD.MM.YYYY`, counted from the registration date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<String>,
    /// Every stage the request went through, oldest first.
    #[serde(default)]
    pub history: Vec<HistoryEntry>,
    /// The registry's messages to the citizen, oldest first.
    #[serde(default)]
    pub messages: Vec<MessageEntry>,
}

/// One stage of a request's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub stage: Stage,
    /// RFC 3339, e.g. `2026-11-23T10:00:00+02:00`.
    pub at: String,
}

/// A message from the registry to the citizen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageEntry {
    pub text: String,
    /// RFC 3339.
    pub at: String,
    /// The attached file's name, if any (served from the status page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Where the attached file is served, a path on the intake
    /// (`/s/CODE/f/SECRET`: works only with this request's code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_url: Option<String>,
}

/// Where a request stands. `new` (received, waiting for staff to register
/// it) and `cancelled` came with the inbox; a kiosk older than them cannot
/// read those two and shows its own last known stage instead.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    New,
    #[default]
    Registered,
    InProgress,
    Resolved,
    Rejected,
    Cancelled,
}

impl Stage {
    /// Every stage, in the order of a request's life.
    pub const ALL: [Stage; 6] =
        [Stage::New, Stage::Registered, Stage::InProgress, Stage::Resolved, Stage::Rejected, Stage::Cancelled];

    pub fn code(self) -> &'static str {
        match self {
            Stage::New => "new",
            Stage::Registered => "registered",
            Stage::InProgress => "in-progress",
            Stage::Resolved => "resolved",
            Stage::Rejected => "rejected",
            Stage::Cancelled => "cancelled",
        }
    }
    pub fn parse(s: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|st| st.code() == s)
    }
    /// Key of the stage's name in the UI texts.
    pub fn text_key(self) -> &'static str {
        match self {
            Stage::New => "stage_new",
            Stage::Registered => "stage_registered",
            Stage::InProgress => "stage_in_progress",
            Stage::Resolved => "stage_resolved",
            Stage::Rejected => "stage_rejected",
            Stage::Cancelled => "stage_cancelled",
        }
    }
}

/// Error bodies: `{"error": "..."}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: String,
}
