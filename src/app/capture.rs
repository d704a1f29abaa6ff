//! The citizen's supporting pages: place a paper, see it, keep or retake it,
//! add another, delete one, then back to the review.
//!
//! Pure, like the rest of the session: a capture is an effect
//! ([`Effect::CapturePage`]) carried out off the UI thread, and its page (or
//! why there is none) comes back as [`DocEvent::Captured`]. A failure of the
//! device never touches what was typed or the pages already kept. Which
//! document a kept page belongs to is the form's rule
//! (`forms::document_for_next_page`); Submit stays disabled while a required
//! document has no page (`Session::missing_document`). The pages are personal
//! data: they go with the form (`clear_form`) and with every wipe.

pub use super::capture_state::{CaptureProblem, CaptureState, DocEvent, KeptPage, Shot, Thumb};
use super::{Effect, Screen, Session};
use crate::documents::AttachedPage;
use crate::forms::def::DocumentDef;
use crate::forms::documents::{document_for_next_page, missing_required};

impl Session {
    fn documents(&self) -> &[DocumentDef] {
        self.form.as_ref().map(|f| f.documents.as_slice()).unwrap_or(&[])
    }

    /// The first required document with no page yet: Submit waits for it.
    pub fn missing_document(&self) -> Option<&DocumentDef> {
        missing_required(self.documents(), &self.capture.counts())
    }

    /// Where the next kept page will go; `None` when every document is full.
    pub fn next_document(&self) -> Option<&DocumentDef> {
        document_for_next_page(self.documents(), &self.capture.counts())
    }

    /// The pages to send, in order.
    pub fn attached_pages(&self) -> Vec<AttachedPage> {
        self.capture
            .pages
            .iter()
            .map(|p| AttachedPage { document: p.document.clone(), page: p.shot.page.clone() })
            .collect()
    }

    fn take(&mut self) -> Vec<Effect> {
        if self.capture.taking {
            return vec![];
        }
        if self.next_document().is_none() {
            self.capture.problem = Some(CaptureProblem::Full);
            return vec![];
        }
        self.capture.pending = None;
        self.capture.problem = None;
        self.capture.taking = true;
        vec![Effect::CapturePage]
    }

    pub(super) fn handle_capture(&mut self, event: DocEvent) -> Vec<Effect> {
        let on_documents = self.screen == Screen::Documents;
        match event {
            DocEvent::Open => {
                if self.screen == Screen::Review && !self.documents().is_empty() {
                    self.screen = Screen::Documents;
                    self.capture.problem = None;
                }
            }
            DocEvent::Take if on_documents => return self.take(),
            DocEvent::Retake if on_documents => return self.take(),
            DocEvent::Captured(result) => {
                self.capture.taking = false;
                // The citizen may have left (or been wiped) meanwhile: a late page is dropped.
                if !on_documents {
                    return vec![];
                }
                match result {
                    Ok(shot) => self.capture.pending = Some(shot),
                    Err(problem) => self.capture.problem = Some(problem),
                }
            }
            DocEvent::Keep if on_documents => {
                if let Some(shot) = self.capture.pending.take() {
                    match self.next_document().map(|d| d.id.clone()) {
                        Some(document) => self.capture.pages.push(KeptPage { document, shot }),
                        None => self.capture.problem = Some(CaptureProblem::Full),
                    }
                }
            }
            DocEvent::Delete(i) if on_documents => {
                if i < self.capture.pages.len() {
                    self.capture.pages.remove(i);
                    if self.capture.problem == Some(CaptureProblem::Full) {
                        self.capture.problem = None;
                    }
                }
            }
            DocEvent::Done if on_documents => {
                self.capture.pending = None;
                self.capture.problem = None;
                self.screen = Screen::Review;
                return vec![Effect::ReleaseCamera];
            }
            _ => {}
        }
        vec![]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::Event;
    use crate::documents::Page;
    use std::sync::Arc;

    fn doc(e: DocEvent) -> Event {
        Event::Documents(e)
    }

    fn doc_captured(r: Result<Shot, CaptureProblem>) -> Event {
        Event::Documents(DocEvent::Captured(r))
    }
    use crate::forms::Catalogue;
    use crate::i18n::Lang;

    const FORM: &str = r#"
id = "adeverinta"
version = 1
category = "petitii"
title = { ro = "Adeverință", en = "Certificate", hu = "Igazolás" }
legal_basis = "L"
deadline_days = 30
[[fields]]
id = "nume"
type = "text"
required = true
label = { ro = "Nume", en = "Name", hu = "Név" }
[[documents]]
id = "act"
label = { ro = "Copie după certificatul de naștere" }
required = true
max_pages = 2
[[documents]]
id = "alte-documente"
label = { ro = "Alte documente" }
max_pages = 1
"#;

    fn shot(n: u8, blank: bool) -> Shot {
        Shot {
            page: Page { jpeg: vec![n; 10], width: 10, height: 14, quality: 85, cropped: true, blank },
            thumb: Thumb { width: 1, height: 1, luma: Arc::new(vec![n]) },
        }
    }

    /// A citizen at the review of a form with one required document (two pages at most).
    fn at_review() -> Session {
        let form: crate::forms::FormDef = toml::from_str(FORM).unwrap();
        form.check().unwrap();
        let catalogue = Catalogue { forms: vec![Arc::new(form)], ..Catalogue::default() };
        let mut s = Session::new(Arc::new(catalogue), vec![Lang::Ro]);
        s.handle(Event::Start);
        s.handle(Event::PickService("adeverinta".into()));
        s.handle(Event::SetValue("nume".into(), "Popescu".into()));
        s.handle(Event::Continue);
        s.handle(Event::SetConsent(true));
        assert_eq!(s.screen, Screen::Review);
        s
    }

    fn take(s: &mut Session, result: Result<Shot, CaptureProblem>) {
        assert_eq!(s.handle(doc(DocEvent::Take)), vec![Effect::CapturePage]);
        assert!(s.capture.taking);
        s.handle(doc_captured(result));
    }

    #[test]
    fn submit_waits_for_the_required_document_and_names_it() {
        let mut s = at_review();
        assert!(!s.can_submit());
        assert_eq!(s.missing_document().unwrap().id, "act");
        assert!(s.handle(Event::Submit).is_empty(), "no commit without the document");
        s.handle(doc(DocEvent::Open));
        assert_eq!(s.screen, Screen::Documents);
        take(&mut s, Ok(shot(1, false)));
        s.handle(doc(DocEvent::Keep));
        assert_eq!(s.handle(doc(DocEvent::Done)), vec![Effect::ReleaseCamera]);
        assert_eq!(s.screen, Screen::Review);
        assert!(s.missing_document().is_none());
        assert!(s.can_submit());
        match &s.handle(Event::Submit)[..] {
            [Effect::Persist { pages, .. }] => {
                assert_eq!(pages.len(), 1);
                assert_eq!(pages[0].document, "act");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn keep_retake_add_and_delete_pages_which_fill_documents_in_order() {
        let mut s = at_review();
        s.handle(doc(DocEvent::Open));
        // Retake throws the shown page away and takes another.
        take(&mut s, Ok(shot(1, false)));
        assert_eq!(s.handle(doc(DocEvent::Retake)), vec![Effect::CapturePage]);
        assert!(s.capture.pending.is_none());
        s.handle(doc_captured(Ok(shot(2, false))));
        s.handle(doc(DocEvent::Keep));
        for n in [3, 4] {
            take(&mut s, Ok(shot(n, false)));
            s.handle(doc(DocEvent::Keep));
        }
        let placed: Vec<_> = s.capture.pages.iter().map(|p| (p.document.as_str(), p.shot.page.jpeg[0])).collect();
        assert_eq!(placed, [("act", 2), ("act", 3), ("alte-documente", 4)]);
        // Everything full: no capture is started, and the screen says why.
        assert!(s.handle(doc(DocEvent::Take)).is_empty());
        assert_eq!(s.capture.problem, Some(CaptureProblem::Full));
        // Deleting a page makes room again.
        s.handle(doc(DocEvent::Delete(0)));
        assert_eq!(s.capture.problem, None);
        assert_eq!(s.capture.pages.len(), 2);
        assert_eq!(s.handle(doc(DocEvent::Take)), vec![Effect::CapturePage]);
        s.handle(doc(DocEvent::Delete(9)));
        assert_eq!(s.capture.pages.len(), 2, "a page that is not there deletes nothing");
    }

    #[test]
    fn a_device_failure_keeps_the_answers_and_the_pages_already_taken() {
        let mut s = at_review();
        s.handle(doc(DocEvent::Open));
        take(&mut s, Ok(shot(1, false)));
        s.handle(doc(DocEvent::Keep));
        for problem in
            [CaptureProblem::Missing, CaptureProblem::Busy, CaptureProblem::Unplugged, CaptureProblem::Failed]
        {
            take(&mut s, Err(problem));
            assert_eq!(s.capture.problem, Some(problem));
            assert!(!s.capture.taking);
            assert_eq!(s.capture.pages.len(), 1);
            assert_eq!(s.values.get("nume").map(String::as_str), Some("Popescu"));
        }
        // Trying again clears the message.
        assert_eq!(s.handle(doc(DocEvent::Take)), vec![Effect::CapturePage]);
        assert_eq!(s.capture.problem, None);
    }

    #[test]
    fn a_blank_page_is_shown_as_such_and_may_still_be_kept() {
        let mut s = at_review();
        s.handle(doc(DocEvent::Open));
        take(&mut s, Ok(shot(0, true)));
        assert!(s.capture.pending.as_ref().unwrap().page.blank);
        s.handle(doc(DocEvent::Keep));
        assert_eq!(s.capture.pages.len(), 1);
    }

    #[test]
    fn pages_are_wiped_with_the_session_and_a_late_page_is_dropped() {
        let mut s = at_review();
        s.handle(doc(DocEvent::Open));
        take(&mut s, Ok(shot(1, false)));
        s.handle(doc(DocEvent::Keep));
        s.handle(doc(DocEvent::Take));
        s.handle(Event::IdleTimeout);
        assert_eq!(s.screen, Screen::Home);
        assert_eq!(s.capture, CaptureState::default());
        // The capture under way when the wipe came reports back: it is not kept.
        s.handle(doc_captured(Ok(shot(2, false))));
        assert_eq!(s.capture.pending, None);

        let mut s = at_review();
        s.handle(doc(DocEvent::Open));
        take(&mut s, Ok(shot(1, false)));
        s.handle(doc(DocEvent::Keep));
        s.handle(doc(DocEvent::Done));
        s.handle(Event::Submit);
        s.handle(Event::Submitted(Ok(crate::queue::Receipt {
            key: "k".into(),
            tracking_code: "K7Q-4M2-X9".into(),
            created_ms: 1,
        })));
        assert!(s.capture.pages.is_empty(), "durable: the pages leave the session");
    }
}
