//! The wire contract between kiosks and the intake (see `intake/openapi.yaml`).

use crate::i18n::Lang;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `POST /api/v1/submissions`, sent with `Idempotency-Key: {key}`.
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
}

/// The registry's answer to a submission, and to a status query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusBody {
    pub tracking_code: String,
    pub registration_number: String,
    /// `DD.MM.YYYY`
    pub registration_date: String,
    /// One of [`Stage`]'s codes.
    pub stage: Stage,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    Registered,
    InProgress,
    Resolved,
    Rejected,
}

impl Stage {
    pub fn code(self) -> &'static str {
        match self {
            Stage::Registered => "registered",
            Stage::InProgress => "in-progress",
            Stage::Resolved => "resolved",
            Stage::Rejected => "rejected",
        }
    }
    pub fn parse(s: &str) -> Option<Stage> {
        [Stage::Registered, Stage::InProgress, Stage::Resolved, Stage::Rejected].into_iter().find(|st| st.code() == s)
    }
    /// Key of the stage's name in the UI texts.
    pub fn text_key(self) -> &'static str {
        match self {
            Stage::Registered => "stage_registered",
            Stage::InProgress => "stage_in_progress",
            Stage::Resolved => "stage_resolved",
            Stage::Rejected => "stage_rejected",
        }
    }
}

/// Error bodies: `{"error": "..."}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: String,
}
