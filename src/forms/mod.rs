//! The service catalogue and form definitions, as data a municipality edits.
//!
//! One TOML file per service. Files are parsed strictly (unknown keys are
//! errors) and each file stands alone: a broken file disables only its own
//! service and is reported, the rest of the catalogue keeps working.

pub mod lint;
pub mod validate;

use crate::i18n::Lang;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use validate::{validate_all, validate_field, FieldError};

/// A text in the three languages; Romanian is required, the others fall back to it.
#[derive(Debug, Clone, Deserialize, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Localized {
    pub ro: String,
    #[serde(default)]
    pub en: Option<String>,
    #[serde(default)]
    pub hu: Option<String>,
}

impl Localized {
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ro => &self.ro,
            Lang::En => self.en.as_deref().unwrap_or(&self.ro),
            Lang::Hu => self.hu.as_deref().unwrap_or(&self.ro),
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum FieldKind {
    Text,
    Textarea,
    Cnp,
    Email,
    Phone,
}

/// Identity data a scanned document fills in.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Prefill {
    Surname,
    GivenNames,
    Cnp,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FieldDef {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: FieldKind,
    pub label: Localized,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub min_len: Option<usize>,
    #[serde(default)]
    pub max_len: Option<usize>,
    #[serde(default)]
    pub prefill: Option<Prefill>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FormDef {
    pub id: String,
    pub version: u32,
    /// Key of the category title in the UI texts (`cat_{category}`).
    pub category: String,
    pub title: Localized,
    #[serde(default)]
    pub description: Localized,
    /// The law that sets the answer deadline, e.g. "OG 27/2002".
    pub legal_basis: String,
    /// Days the institution has to answer.
    pub deadline_days: u32,
    pub fields: Vec<FieldDef>,
}

impl FormDef {
    pub fn field(&self, id: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|f| f.id == id)
    }

    fn check(&self) -> Result<(), String> {
        if self.fields.is_empty() {
            return Err("a form needs at least one field".into());
        }
        let mut seen = std::collections::HashSet::new();
        for f in &self.fields {
            if !seen.insert(&f.id) {
                return Err(format!("field `{}` is defined twice", f.id));
            }
            if let (Some(min), Some(max)) = (f.min_len, f.max_len) {
                if min > max {
                    return Err(format!("field `{}`: min_len {min} is above max_len {max}", f.id));
                }
            }
        }
        Ok(())
    }
}

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

const BUILTIN: [(&str, &str); 5] = [
    ("petitie.toml", include_str!("../../forms/petitie.toml")),
    ("informatii-544.toml", include_str!("../../forms/informatii-544.toml")),
    ("reclamatie-administrativa.toml", include_str!("../../forms/reclamatie-administrativa.toml")),
    ("sesizare.toml", include_str!("../../forms/sesizare.toml")),
    ("audienta.toml", include_str!("../../forms/audienta.toml")),
];

impl Catalogue {
    /// The services the firmware ships (the files under `forms/`).
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

    fn add(&mut self, file: &Path, text: &str) {
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

    #[test]
    fn the_shipped_services_all_load() {
        let c = Catalogue::builtin();
        assert!(c.broken.is_empty(), "{:?}", c.broken);
        let ids: Vec<_> = c.forms.iter().map(|f| f.id.as_str()).collect();
        for id in ["petitie", "informatii-544", "reclamatie-administrativa", "sesizare", "audienta"] {
            assert!(ids.contains(&id), "{id} missing from {ids:?}");
        }
        let p = c.get("petitie").unwrap();
        assert_eq!(p.deadline_days, 30);
        assert_eq!(c.get("informatii-544").unwrap().deadline_days, 10);
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
