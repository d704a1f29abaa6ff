//! The service catalogue and form definitions, as data a municipality edits.
//!
//! One TOML file per service. Files are parsed strictly (unknown keys are
//! errors) and each file stands alone: a broken file disables only its own
//! service and is reported, the rest of the catalogue keeps working.

pub mod calendar;
pub mod counties;
pub mod def;
pub mod documents;
pub mod lint;
pub mod validate;
pub mod values;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use counties::COUNTIES;
pub use def::{
    category_problem, json_schema, kind_name, Choice, Condition, DateBound, FieldDef, FieldKind, FormDef, Localized,
    Prefill, Section, CATEGORIES, FIELD_KINDS, SIGNATURE_BOX,
};
pub use def::{DocumentDef, MAX_PAGES_LIMIT, OTHER_DOCUMENTS};
pub use documents::{document_for_next_page, missing_required, PageCounts};
pub use validate::{validate_all, validate_field, FieldError};

/// A form file that could not be used, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct BrokenForm {
    pub file: PathBuf,
    pub message: String,
}

/// The services this kiosk offers.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    pub forms: Vec<Arc<FormDef>>,
    pub broken: Vec<BrokenForm>,
}

const BUILTIN: [(&str, &str); 6] = [
    ("petitie.toml", include_str!("../../forms/petitie.toml")),
    ("informatii-544.toml", include_str!("../../forms/informatii-544.toml")),
    ("reclamatie-administrativa.toml", include_str!("../../forms/reclamatie-administrativa.toml")),
    ("sesizare.toml", include_str!("../../forms/sesizare.toml")),
    ("audienta.toml", include_str!("../../forms/audienta.toml")),
    ("certificat-fiscal.toml", include_str!("../../forms/certificat-fiscal.toml")),
];

impl Catalogue {
    /// Each disabled form file, for the technician reading the journal.
    pub fn log_broken(&self) {
        for b in &self.broken {
            tracing::error!(file = %b.file.display(), problem = %b.message, "form disabled");
        }
    }

    /// The services the firmware ships (the files under `forms/`).
    /// «Adaugă o completare»: the form of a supplement to a filed request
    /// (`completare.toml` beside this file; not one of the catalogue's services).
    pub fn supplement_form() -> Arc<FormDef> {
        let text = include_str!("completare.toml");
        Arc::new(toml::from_str(text).expect("the supplement form is valid"))
    }

    pub fn builtin() -> Catalogue {
        let mut c = Catalogue::default();
        for (name, text) in BUILTIN {
            c.add(Path::new(name), text);
        }
        c
    }

    /// Every `*.toml` in `dir`, in file-name order.
    pub fn load_dir(dir: &Path) -> std::io::Result<Catalogue> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        files.sort();
        let mut c = Catalogue::default();
        for file in files {
            match std::fs::read_to_string(&file) {
                Ok(text) => c.add(&file, &text),
                Err(e) => c.broken.push(BrokenForm { file, message: e.to_string() }),
            }
        }
        Ok(c)
    }

    /// What changes when a file in `dir` is added, removed, edited or
    /// replaced: the names, sizes and modification times of its `*.toml`.
    pub fn fingerprint(dir: &Path) -> Vec<(PathBuf, u64, Option<std::time::SystemTime>)> {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok())
            .filter(|e| e.path().extension().is_some_and(|x| x == "toml"))
            .map(|e| {
                let meta = e.metadata().ok();
                (e.path(), meta.as_ref().map_or(0, |m| m.len()), meta.and_then(|m| m.modified().ok()))
            })
            .collect();
        files.sort();
        files
    }

    pub(crate) fn add(&mut self, file: &Path, text: &str) {
        let parsed = toml::from_str::<FormDef>(text).map_err(|e| e.to_string()).and_then(|f| f.check().map(|_| f));
        match parsed {
            Ok(f) if self.get(&f.id).is_some() => self
                .broken
                .push(BrokenForm { file: file.to_owned(), message: format!("form id `{}` is used twice", f.id) }),
            Ok(f) => self.forms.push(Arc::new(f)),
            Err(message) => self.broken.push(BrokenForm { file: file.to_owned(), message }),
        }
    }

    pub fn get(&self, id: &str) -> Option<&Arc<FormDef>> {
        self.forms.iter().find(|f| f.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use std::collections::BTreeMap;

    #[test]
    fn the_shipped_services_all_load() {
        let c = Catalogue::builtin();
        assert!(c.broken.is_empty(), "{:?}", c.broken);
        let ids: Vec<_> = c.forms.iter().map(|f| f.id.as_str()).collect();
        for id in
            ["petitie", "informatii-544", "reclamatie-administrativa", "sesizare", "audienta", "certificat-fiscal"]
        {
            assert!(ids.contains(&id), "{id} missing from {ids:?}");
        }
        let p = c.get("petitie").unwrap();
        assert_eq!(p.deadline_days, 30);
        assert_eq!(c.get("informatii-544").unwrap().deadline_days, 10);
        assert_eq!(c.get("reclamatie-administrativa").unwrap().deadline_days, 15);
        assert!(c.get("certificat-fiscal").unwrap().working_days);
        // Anonymous petitions are not handled (OG 27/2002 art. 7): name and address are required.
        for id in ["petitie", "sesizare"] {
            let f = c.get(id).unwrap();
            for field in ["nume", "prenume", "adresa"] {
                assert!(f.field(field).unwrap().required, "{id}.{field}");
            }
        }
    }

    #[test]
    fn every_shipped_service_accepts_other_documents() {
        let c = Catalogue::builtin();
        for f in &c.forms {
            let other = f.document(OTHER_DOCUMENTS).unwrap_or_else(|| panic!("{} has no `alte-documente`", f.id));
            assert_eq!(other.label.ro, "Alte documente", "{}", f.id);
            assert!(!other.required && other.max_pages >= 1, "{}", f.id);
            // Nothing shipped blocks a request that has no paper with it.
            assert!(missing_required(&f.documents, &PageCounts::new()).is_none(), "{}", f.id);
        }
        assert_eq!(c.get("sesizare").unwrap().documents[0].id, "fotografii");
    }

    #[test]
    fn conditions_show_a_field_only_with_the_answer_it_names() {
        let c = Catalogue::builtin();
        let f = c.get("informatii-544").unwrap();
        let mut values = BTreeMap::new();
        let shown = |v: &BTreeMap<String, String>| f.visible_fields(v).map(|x| x.id.clone()).collect::<Vec<_>>();
        assert!(!shown(&values).contains(&"email".to_owned()));
        assert!(!shown(&values).contains(&"adresa".to_owned()));
        values.insert("raspuns".into(), "email".into());
        assert!(shown(&values).contains(&"email".to_owned()));
        assert!(!shown(&values).contains(&"adresa".to_owned()));
        values.insert("raspuns".into(), "posta".into());
        assert!(!shown(&values).contains(&"email".to_owned()));
        assert!(shown(&values).contains(&"adresa".to_owned()));
        // A hidden required field does not block sending.
        let today = jiff::civil::date(2026, 11, 23);
        values.insert("email".into(), "not an address".into());
        let errors = validate_all(f, &values, today);
        assert!(!errors.contains_key("email"), "{errors:?}");
        assert!(errors.contains_key("adresa"), "{errors:?}");
    }

    #[test]
    fn the_published_schema_is_the_one_the_parser_uses() {
        let published = include_str!("../../forms/form.schema.json");
        assert!(
            published == json_schema(),
            "forms/form.schema.json is stale: run `ghiseu forms schema > forms/form.schema.json`"
        );
    }

    #[test]
    fn every_field_kind_has_its_file_name() {
        for (name, kind) in [
            ("text", FieldKind::Text),
            ("multi-choice", FieldKind::MultiChoice),
            ("yes-no", FieldKind::YesNo),
            ("signature", FieldKind::Signature),
        ] {
            assert_eq!(kind_name(kind), name);
            assert_eq!(FieldKind::deserialize(toml::Value::String(name.into())).unwrap(), kind);
        }
    }

    #[test]
    fn a_broken_file_disables_only_its_service() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.toml"), BUILTIN[0].1).unwrap();
        std::fs::write(dir.path().join("b.toml"), "id = \"x\"\nversion = 1\ncolor = 3\n").unwrap();
        let c = Catalogue::load_dir(dir.path()).unwrap();
        assert_eq!(c.forms.len(), 1);
        assert_eq!(c.broken.len(), 1);
        assert!(c.broken[0].file.ends_with("b.toml"));
        assert!(c.broken[0].message.contains("color"), "{}", c.broken[0].message);
    }
}
