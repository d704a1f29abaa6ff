//! What staff may do to a request, decided here (pure): register it, cancel
//! it, move it to another stage, send the citizen a message. A refusal is the
//! key of the words that explain it (`texts/*.toml`), so the web inbox, the
//! shell (`ghiseu intake message`) and the tests give the same answer.
//!
//! A leaf: it knows stages, not pages or stores.

use crate::wire::api::Stage;

/// Where a request stands, as far as the rules care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub stage: Stage,
    /// It has a registration number.
    pub registered: bool,
}

/// What staff ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action<'a> {
    Register,
    Cancel { reason: &'a str },
    Stage(Stage),
    Message { text: &'a str },
}

/// The stages staff may move a registered request to with "Schimbă stadiul"
/// (`new` is only a request's first stage; cancelling needs a reason and has
/// its own form).
pub const MOVABLE: [Stage; 4] = [Stage::Registered, Stage::InProgress, Stage::Resolved, Stage::Rejected];

/// The longest message or reason staff may write (a letter, not a book).
pub const MAX_TEXT_CHARS: usize = 4000;

/// Why `action` is refused on a request standing at `now`; `None` when it may go ahead.
pub fn refusal(now: Standing, action: Action) -> Option<&'static str> {
    if now.stage == Stage::Cancelled {
        return Some("refused_cancelled");
    }
    let too_long = |s: &str| s.chars().count() > MAX_TEXT_CHARS;
    match action {
        Action::Register if now.registered && now.stage != Stage::New => Some("refused_registered_twice"),
        Action::Register => None,
        Action::Cancel { reason } if reason.trim().is_empty() => Some("refused_no_reason"),
        Action::Cancel { reason } if too_long(reason) => Some("refused_too_long"),
        Action::Cancel { .. } => None,
        Action::Stage(_) if !now.registered => Some("refused_not_registered"),
        Action::Stage(to) if !MOVABLE.contains(&to) => Some("refused_stage"),
        Action::Stage(to) if to == now.stage => Some("refused_same_stage"),
        Action::Stage(_) => None,
        Action::Message { text } if text.trim().is_empty() => Some("refused_empty_message"),
        Action::Message { text } if too_long(text) => Some("refused_too_long"),
        Action::Message { .. } => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NEW: Standing = Standing { stage: Stage::New, registered: false };
    const REGISTERED: Standing = Standing { stage: Stage::Registered, registered: true };
    const CANCELLED: Standing = Standing { stage: Stage::Cancelled, registered: true };

    #[test]
    fn a_request_is_registered_once() {
        assert_eq!(refusal(NEW, Action::Register), None);
        assert_eq!(refusal(REGISTERED, Action::Register), Some("refused_registered_twice"));
    }

    #[test]
    fn nothing_is_done_to_a_cancelled_request() {
        for a in [
            Action::Register,
            Action::Cancel { reason: "din nou" },
            Action::Stage(Stage::InProgress),
            Action::Message { text: "Bună ziua" },
        ] {
            assert_eq!(refusal(CANCELLED, a), Some("refused_cancelled"), "{a:?}");
        }
    }

    #[test]
    fn a_cancellation_needs_a_reason_and_a_message_needs_text() {
        assert_eq!(refusal(NEW, Action::Cancel { reason: "  \n" }), Some("refused_no_reason"));
        assert_eq!(refusal(NEW, Action::Cancel { reason: "Dublură a cererii 12" }), None);
        assert_eq!(refusal(REGISTERED, Action::Message { text: " " }), Some("refused_empty_message"));
        let long = "a".repeat(MAX_TEXT_CHARS + 1);
        assert_eq!(refusal(REGISTERED, Action::Message { text: &long }), Some("refused_too_long"));
        assert_eq!(refusal(NEW, Action::Message { text: "Vă rugăm să aduceți actul." }), None);
    }

    #[test]
    fn the_stage_moves_only_once_registered_and_only_somewhere_else() {
        assert_eq!(refusal(NEW, Action::Stage(Stage::InProgress)), Some("refused_not_registered"));
        assert_eq!(refusal(REGISTERED, Action::Stage(Stage::InProgress)), None);
        assert_eq!(refusal(REGISTERED, Action::Stage(Stage::Registered)), Some("refused_same_stage"));
        assert_eq!(refusal(REGISTERED, Action::Stage(Stage::New)), Some("refused_stage"));
        assert_eq!(refusal(REGISTERED, Action::Stage(Stage::Cancelled)), Some("refused_stage"));
    }
}
