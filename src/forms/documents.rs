//! The supporting documents a service takes (`[[documents]]` in a form file):
//! which papers a citizen may or must attach, and how many pages each holds.
//!
//! The definition (`DocumentDef`) lives in `def.rs` with the rest of a form;
//! this file is pure: it decides where the next page goes and which required document is
//! still missing; the pages themselves are made in `crate::documents`.

use super::def::{DocumentDef, OTHER_DOCUMENTS};
use std::collections::BTreeMap;

/// Pages attached so far, per document id.
pub type PageCounts = BTreeMap<String, usize>;

/// Where the next page goes: the first document that still has room, else
/// "Alte documente" if it has room; `None` when every document is full.
pub fn document_for_next_page<'a>(docs: &'a [DocumentDef], counts: &PageCounts) -> Option<&'a DocumentDef> {
    let has_room = |d: &&DocumentDef| counts.get(&d.id).copied().unwrap_or(0) < d.max_pages as usize;
    docs.iter()
        .filter(|d| d.id != OTHER_DOCUMENTS)
        .find(has_room)
        .or_else(|| docs.iter().filter(|d| d.id == OTHER_DOCUMENTS).find(has_room))
}

/// The first required document with no page yet (submit stays disabled and names it).
pub fn missing_required<'a>(docs: &'a [DocumentDef], counts: &PageCounts) -> Option<&'a DocumentDef> {
    docs.iter().find(|d| d.required && counts.get(&d.id).copied().unwrap_or(0) == 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forms::def::{documents_problem, Localized};

    fn doc(id: &str, required: bool, max_pages: u32) -> DocumentDef {
        DocumentDef {
            id: id.into(),
            label: Localized { ro: id.into(), ..Default::default() },
            help: None,
            required,
            max_pages,
        }
    }

    #[test]
    fn pages_fill_the_first_document_with_room_then_other_documents() {
        let docs = [doc(OTHER_DOCUMENTS, false, 3), doc("act", true, 1), doc("poze", false, 2)];
        let mut counts = PageCounts::new();
        let mut placed = vec![];
        while let Some(d) = document_for_next_page(&docs, &counts) {
            placed.push(d.id.clone());
            *counts.entry(d.id.clone()).or_default() += 1;
        }
        assert_eq!(placed, ["act", "poze", "poze", OTHER_DOCUMENTS, OTHER_DOCUMENTS, OTHER_DOCUMENTS]);
    }

    #[test]
    fn a_required_document_without_pages_is_named() {
        let docs = [doc("poze", false, 2), doc("act", true, 1)];
        let mut counts = PageCounts::new();
        assert_eq!(missing_required(&docs, &counts).unwrap().id, "act");
        counts.insert("poze".into(), 2);
        assert_eq!(missing_required(&docs, &counts).unwrap().id, "act");
        counts.insert("act".into(), 1);
        assert!(missing_required(&docs, &counts).is_none());
    }

    #[test]
    fn bad_definitions_are_explained() {
        assert!(doc("x", false, 0).problem().unwrap().contains("max_pages 0"));
        assert!(doc("x", false, 500).problem().unwrap().contains("between 1 and 20"));
        assert!(doc("a b", false, 1).problem().unwrap().contains("letters, digits"));
        assert!(doc("", false, 1).problem().is_some());
        let mut no_ro = doc("x", false, 1);
        no_ro.label.ro = " ".into();
        assert!(no_ro.problem().unwrap().contains("Romanian label"));
        let twice = [doc("x", false, 1), doc("x", false, 2)];
        assert_eq!(documents_problem(&twice).unwrap(), "document `x` is defined twice");
        assert!(documents_problem(&[doc("x", false, 1), doc(OTHER_DOCUMENTS, false, 10)]).is_none());
    }
}
