//! The status screen: a tracking code typed or scanned from a receipt's QR,
//! checked, asked of the registry, and the answer shown. Behaviour of
//! [`Session`]; pure, the query itself is an effect.

use super::{staff, Effect, Event, Screen, Session, StatusAnswer, StatusState, STATUS_INPUT};

/// The tracking code in a scanned receipt QR: the status link
/// (`…/s/K7Q-4M2-X9`) or the bare code.
pub fn receipt_code(text: &str) -> Option<String> {
    let text = text.trim();
    let last = text.rsplit('/').next().unwrap_or(text);
    if text.contains('/') && !text.contains("/s/") {
        return None;
    }
    crate::wire::tracking::parse(last).ok()
}

impl Session {
    /// The request a supplement may be added to: the one on the status screen,
    /// once the registry (or the panel's own copy) knows it.
    pub fn supplement_target(&self) -> Option<String> {
        match &self.status {
            StatusState::Answer { code, answer: StatusAnswer::Registered { .. } | StatusAnswer::Pending { .. } }
                if self.screen == Screen::Status =>
            {
                Some(code.clone())
            }
            _ => None,
        }
    }

    pub(super) fn handle_status(&mut self, event: Event) -> Vec<Effect> {
        match event {
            Event::OpenStatus => {
                if let Some(r) = &self.receipt {
                    self.status_input = r.tracking_code.clone();
                }
                self.status = StatusState::Idle;
                self.focused = Some(STATUS_INPUT.into());
                self.screen = Screen::Status;
                if !self.status_input.is_empty() {
                    return self.handle(Event::CheckStatus);
                }
            }
            Event::CheckStatus => match crate::wire::tracking::parse(&self.status_input) {
                Ok(code) => {
                    self.status_input = code.clone();
                    self.status = StatusState::Checking(code.clone());
                    return vec![Effect::QueryStatus(code)];
                }
                Err(e) => self.status = StatusState::BadCode(e.to_string()),
            },
            Event::QrScanned(text) => {
                // Never in the middle of someone's form: only from home, status or a receipt.
                if !matches!(self.screen, Screen::Home | Screen::Status | Screen::Receipt) {
                    return vec![];
                }
                if let Some(badge) = staff::badge_id(&text) {
                    self.open_staff_login(Some(badge.to_owned()));
                    return vec![];
                }
                self.screen = Screen::Status;
                self.focused = Some(STATUS_INPUT.into());
                match receipt_code(&text) {
                    Some(code) => {
                        self.status_input = code.clone();
                        self.status = StatusState::Checking(code.clone());
                        return vec![Effect::QueryStatus(code)];
                    }
                    None => {
                        self.status_input.clear();
                        self.status = StatusState::ForeignCode;
                    }
                }
            }
            Event::AddSupplement => {
                if let Some(code) = self.supplement_target() {
                    self.clear_form();
                    let form = crate::forms::Catalogue::supplement_form();
                    self.focused = form.fields.iter().find(|f| f.kind.focusable()).map(|f| f.id.clone());
                    self.form = Some(form);
                    self.supplement_of = Some(code);
                    self.screen = Screen::Form;
                }
            }
            Event::StatusAnswered(code, answer) => {
                // Ignore a late answer for a code the citizen no longer looks at.
                if self.status == StatusState::Checking(code.clone()) {
                    self.status = StatusState::Answer { code, answer };
                    // The keyboard gives the screen to the answer (its history, its
                    // messages, «Adaugă o completare»); tapping the code brings it back.
                    self.focused = None;
                }
            }
            _ => {}
        }
        vec![]
    }
}
