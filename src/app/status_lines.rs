//! What the status screen lists under the registry's answer: the history of
//! stages with their dates, and the registry's messages (a file is not shown
//! on the panel: the citizen is sent to the status link on the receipt).
//! Pure, a leaf: derived from the status JSON's `history` and `messages`.

use crate::i18n::{Lang, Texts};
use crate::wire::api::{HistoryEntry, MessageEntry};

/// One line of the history or one message, as the screen shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusLine {
    /// `23.11.2026 10:00`.
    pub when: String,
    pub text: String,
    /// Under a message with a file: where to find the file.
    pub note: String,
}

/// `2026-11-23T10:00:00+02:00` → `23.11.2026 10:00` (the time as the registry
/// wrote it, in its own offset); anything else as it came.
pub fn when(at: &str) -> String {
    let b = at.as_bytes();
    let digits = |r: std::ops::Range<usize>| b.get(r.clone()).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    if at.len() >= 16 && digits(0..4) && digits(5..7) && digits(8..10) && digits(11..13) && digits(14..16) {
        format!("{}.{}.{} {}", &at[8..10], &at[5..7], &at[0..4], &at[11..16])
    } else {
        at.to_owned()
    }
}

/// The history's lines, oldest first.
pub fn history(h: &[HistoryEntry], texts: &Texts, lang: Lang) -> Vec<StatusLine> {
    h.iter()
        .map(|e| StatusLine {
            when: when(&e.at),
            text: texts.get(lang, e.stage.text_key()).to_owned(),
            note: String::new(),
        })
        .collect()
}

/// The messages' lines, oldest first.
pub fn messages(m: &[MessageEntry], texts: &Texts, lang: Lang) -> Vec<StatusLine> {
    m.iter()
        .map(|e| StatusLine {
            when: when(&e.at),
            text: e.text.clone(),
            note: e.file.as_ref().map(|f| texts.fmt(lang, "status_message_file", &[("file", f)])).unwrap_or_default(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::api::Stage;

    #[test]
    fn dates_read_as_on_the_receipt_and_stages_in_words() {
        assert_eq!(when("2026-11-23T10:05:00+02:00"), "23.11.2026 10:05");
        assert_eq!(when("2026-11-23T08:05:00.123Z"), "23.11.2026 08:05");
        assert_eq!(when("ieri"), "ieri");
        let texts = Texts::builtin();
        let h = [HistoryEntry { stage: Stage::InProgress, at: "2026-11-24T09:00:00+02:00".into() }];
        assert_eq!(history(&h, &texts, Lang::Ro)[0].text, "în lucru");
        let m = [
            MessageEntry {
                text: "Aduceți actul.".into(),
                at: "2026-11-25T12:00:00+02:00".into(),
                file: None,
                file_url: None,
            },
            MessageEntry {
                text: "Răspunsul.".into(),
                at: "2026-11-26T12:00:00+02:00".into(),
                file: Some("r.pdf".into()),
                file_url: Some("/s/AAA-AAA-AA/f/x".into()),
            },
        ];
        let lines = messages(&m, &texts, Lang::En);
        assert_eq!(lines[0].note, "");
        assert!(lines[1].note.contains("r.pdf") && lines[1].note.contains("QR"), "{:?}", lines[1]);
    }
}
