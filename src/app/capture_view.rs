//! What the supporting documents' screen (and the review's documents line)
//! show, derived from the session: each document with its pages, the page
//! just taken, what went wrong, which required document is still missing.

use super::capture_state::{CaptureProblem, Thumb};
use super::focus::{Control, Role};
use super::Session;
use crate::i18n::Texts;

/// One of the form's documents with its kept pages.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DocumentView {
    pub id: String,
    pub label: String,
    pub help: String,
    /// "obligatoriu · 1 din 2 pagini"
    pub count: String,
    pub required: bool,
    /// Required and still without a page.
    pub missing: bool,
    /// Index into [`DocumentsView::pages`] of each of its pages.
    pub pages: Vec<usize>,
}

/// A kept page: its number, its document, its picture.
#[derive(Debug, Clone, PartialEq)]
pub struct PageView {
    pub label: String,
    pub thumb: Thumb,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct DocumentsView {
    /// The form takes documents at all.
    pub offered: bool,
    pub documents: Vec<DocumentView>,
    pub pages: Vec<PageView>,
    /// The page just taken, waiting for keep or retake.
    pub pending: Option<Thumb>,
    /// "Pagina pare goală…" when the page just taken looks blank or black.
    pub pending_warning: String,
    pub taking: bool,
    /// A device failure or "every document is full", for the citizen.
    pub problem: String,
    /// "Lipsește: …" while a required document has no page.
    pub missing: String,
    /// The review's line: "3 pagini atașate" or "Niciun document atașat".
    pub summary: String,
    /// Where the next page goes: "Următoarea pagină: Alte documente".
    pub next: String,
    /// Whether «Fotografiază pagina» can be pressed.
    pub can_take: bool,
}

pub(super) fn documents_view(s: &Session, texts: &Texts) -> DocumentsView {
    let lang = s.lang;
    let t = |k: &str| texts.get(lang, k).to_owned();
    let Some(form) = &s.form else { return DocumentsView::default() };
    if form.documents.is_empty() {
        return DocumentsView::default();
    }
    let c = &s.capture;
    let counts = c.counts();
    let pages: Vec<PageView> = c
        .pages
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let doc = form.document(&p.document).map(|d| d.label.get(lang).to_owned()).unwrap_or_default();
            PageView {
                label: texts.fmt(lang, "doc_page_n", &[("n", &(i + 1).to_string()), ("doc", &doc)]),
                thumb: p.shot.thumb.clone(),
            }
        })
        .collect();
    let documents = form
        .documents
        .iter()
        .map(|d| {
            let n = counts.get(&d.id).copied().unwrap_or(0);
            let count = texts.fmt(lang, "doc_count", &[("n", &n.to_string()), ("max", &d.max_pages.to_string())]);
            let kind = t(if d.required { "doc_required" } else { "doc_optional" });
            DocumentView {
                id: d.id.clone(),
                label: d.label.get(lang).to_owned(),
                help: d.help.as_ref().map(|h| h.get(lang).to_owned()).unwrap_or_default(),
                count: format!("{kind} · {count}"),
                required: d.required,
                missing: d.required && n == 0,
                pages: c.pages.iter().enumerate().filter(|(_, p)| p.document == d.id).map(|(i, _)| i).collect(),
            }
        })
        .collect();
    let problem = match c.problem {
        None => String::new(),
        Some(p) => t(match p {
            CaptureProblem::Missing => "doc_problem_missing",
            CaptureProblem::Busy => "doc_problem_busy",
            CaptureProblem::Unplugged => "doc_problem_unplugged",
            CaptureProblem::Failed => "doc_problem_failed",
            CaptureProblem::Full => "doc_problem_full",
        }),
    };
    let missing =
        s.missing_document().map(|d| texts.fmt(lang, "doc_missing", &[("doc", d.label.get(lang))])).unwrap_or_default();
    let summary = match c.pages.len() {
        0 => t("doc_none_attached"),
        n => texts.fmt(lang, "doc_attached", &[("n", &n.to_string())]),
    };
    let next =
        s.next_document().map(|d| texts.fmt(lang, "doc_next", &[("doc", d.label.get(lang))])).unwrap_or_default();
    DocumentsView {
        offered: true,
        documents,
        pages,
        pending: c.pending.as_ref().map(|p| p.thumb.clone()),
        pending_warning: match &c.pending {
            Some(p) if p.page.blank => t("doc_blank"),
            _ => String::new(),
        },
        taking: c.taking,
        problem,
        missing,
        summary,
        can_take: !c.taking && c.pending.is_none() && s.next_document().is_some(),
        next,
    }
}

/// The documents screen's controls in keypad order: what went wrong or the
/// page just taken, the buttons that act on it, each kept page's «Șterge», «Gata».
pub(super) fn controls(d: &DocumentsView, lang: crate::i18n::Lang, texts: &Texts, c: &mut Vec<Control>) {
    let t = |k: &str| texts.get(lang, k).to_owned();
    let message = [d.problem.as_str(), d.pending_warning.as_str(), d.missing.as_str()]
        .iter()
        .filter(|m| !m.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    if !message.is_empty() {
        c.push(Control::new("doc-message", t("doc_title"), Role::Info).value(message));
    }
    if d.pending.is_some() {
        c.push(Control::new("doc-keep", t("doc_keep"), Role::Button));
        c.push(Control::new("doc-retake", t("doc_retake"), Role::Button));
    } else {
        let label = t(if d.pages.is_empty() { "doc_take" } else { "doc_add" });
        c.push(Control::new("doc-take", label, Role::Button).value(d.next.clone()).enabled(d.can_take));
    }
    for (i, p) in d.pages.iter().enumerate() {
        c.push(Control::new(format!("doc-delete:{i}"), format!("{} {}", t("doc_delete"), p.label), Role::Button));
    }
    c.push(Control::new("doc-done", t("doc_done"), Role::Button));
}
