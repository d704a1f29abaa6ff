//! The service catalogue and form definitions, as data a municipality edits.
//!
//! One TOML file per service. Files are parsed strictly (unknown keys are
//! errors) and each file stands alone: a broken file disables only its own
//! service and is reported, the rest of the catalogue keeps working.

pub mod counties;
pub mod lint;
pub mod validate;

use crate::i18n::Lang;
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use counties::COUNTIES;
pub use validate::{validate_all, validate_field, FieldError};

/// A text in the three languages; Romanian is required, the others fall back to it.
#[derive(Debug, Clone, Deserialize, Default, PartialEq, JsonSchema)]
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

/// What a field holds, which decides its validation, its on-screen control
/// and how its value is written (always as a string in the answers).
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum FieldKind {
    /// One line of text.
    Text,
    /// Several lines of text.
    Textarea,
    Email,
    /// A Romanian or an international (E.164) phone number.
    Phone,
    /// The Romanian personal numeric code, with its date, county and check digit.
    Cnp,
    /// A date written `ZZ.LL.AAAA`, stored as `YYYY-MM-DD`.
    Date,
    /// A number, with `min` / `max`.
    Number,
    /// One of `options`; stores the option's `value`.
    Choice,
    /// Any of `options`; stores their values joined by commas.
    MultiChoice,
    /// One of the 41 counties or București; stores its code (`CJ`, `B`).
    County,
    /// Stores `da` or `nu`.
    YesNo,
    /// A signature drawn with a finger; stored as an SVG path (`M x y L x y …`)
    /// in a 600×200 box.
    Signature,
}

impl FieldKind {
    pub fn takes_options(self) -> bool {
        matches!(self, FieldKind::Choice | FieldKind::MultiChoice)
    }
    /// Typed on the on-screen keyboard (the rest are touched).
    pub fn typed(self) -> bool {
        matches!(
            self,
            FieldKind::Text
                | FieldKind::Textarea
                | FieldKind::Email
                | FieldKind::Phone
                | FieldKind::Cnp
                | FieldKind::Date
                | FieldKind::Number
        )
    }
}

/// Identity data a scanned document fills in.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Prefill {
    Surname,
    GivenNames,
    Cnp,
}

/// One option of a choice field.
#[derive(Debug, Clone, Deserialize, PartialEq, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    /// What is stored (letters, digits and `-`).
    pub value: String,
    pub label: Localized,
}

/// Shows a field only when another field has a value (`filled = true`, the
/// default) or a given value (`equals`; for a multiple choice: is among them).
#[derive(Debug, Clone, Deserialize, PartialEq, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub field: String,
    #[serde(default)]
    pub equals: Option<String>,
}

/// A date limit: `YYYY-MM-DD`, `today`, or a time from today (`today-30d`,
/// `today+60d`, `today-120y`).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq, JsonSchema)]
#[serde(try_from = "String")]
#[schemars(with = "String")]
pub enum DateBound {
    Fixed(jiff::civil::Date),
    Today { years: i16, days: i32 },
}

impl TryFrom<String> for DateBound {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let bad = || format!("`{s}` is not a date limit (use YYYY-MM-DD, today, today-30d or today-120y)");
        let Some(rest) = s.strip_prefix("today") else {
            return s.parse().map(DateBound::Fixed).map_err(|_| bad());
        };
        if rest.is_empty() {
            return Ok(DateBound::Today { years: 0, days: 0 });
        }
        let (sign, rest) = match rest.as_bytes()[0] {
            b'+' => (1, &rest[1..]),
            b'-' => (-1, &rest[1..]),
            _ => return Err(bad()),
        };
        let (n, unit) = rest.split_at(rest.len().saturating_sub(1));
        let n: i32 = n.parse().map_err(|_| bad())?;
        match unit {
            "d" if n <= 100_000 => Ok(DateBound::Today { years: 0, days: sign * n }),
            "y" if n <= 200 => Ok(DateBound::Today { years: (sign * n) as i16, days: 0 }),
            _ => Err(bad()),
        }
    }
}

impl DateBound {
    pub fn resolve(&self, today: jiff::civil::Date) -> jiff::civil::Date {
        match self {
            DateBound::Fixed(d) => *d,
            DateBound::Today { years, days } => today.saturating_add(jiff::Span::new().years(*years).days(*days)),
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldDef {
    /// The key of the answer; unique in the form.
    pub id: String,
    #[serde(rename = "type")]
    pub kind: FieldKind,
    pub label: Localized,
    /// A sentence under the label explaining what to write.
    #[serde(default)]
    pub help: Option<Localized>,
    /// The `id` of the section this field belongs to.
    #[serde(default)]
    pub section: Option<String>,
    /// Marked with `*` and checked before sending.
    #[serde(default)]
    pub required: bool,
    /// Characters, for typed fields.
    #[serde(default)]
    pub min_len: Option<usize>,
    #[serde(default)]
    pub max_len: Option<usize>,
    /// For `number`.
    #[serde(default)]
    pub min: Option<f64>,
    #[serde(default)]
    pub max: Option<f64>,
    /// For `date`.
    #[serde(default)]
    pub not_before: Option<DateBound>,
    #[serde(default)]
    pub not_after: Option<DateBound>,
    /// For `choice` and `multi-choice`.
    #[serde(default)]
    pub options: Vec<Choice>,
    #[serde(default)]
    pub show_if: Option<Condition>,
    #[serde(default)]
    pub prefill: Option<Prefill>,
}

impl FieldDef {
    /// The option with this value.
    pub fn option(&self, value: &str) -> Option<&Choice> {
        self.options.iter().find(|o| o.value == value)
    }

    /// The answer as a person reads it: option labels, county names, dates
    /// as `DD.MM.YYYY`.
    pub fn display_value(&self, value: &str, lang: Lang, texts: &crate::i18n::Texts) -> String {
        match self.kind {
            FieldKind::Choice => self.option(value).map(|o| o.label.get(lang).to_owned()).unwrap_or_default(),
            FieldKind::MultiChoice => value
                .split(',')
                .filter_map(|v| self.option(v))
                .map(|o| o.label.get(lang).to_owned())
                .collect::<Vec<_>>()
                .join(", "),
            FieldKind::County => counties::name(value).unwrap_or(value).to_owned(),
            FieldKind::YesNo => match value {
                "da" => texts.get(lang, "yes").to_owned(),
                "nu" => texts.get(lang, "no").to_owned(),
                _ => String::new(),
            },
            FieldKind::Date => validate::parse_date(value).map(validate::dmy).unwrap_or_else(|| value.to_owned()),
            FieldKind::Signature if !value.is_empty() => texts.get(lang, "signed").to_owned(),
            _ => value.to_owned(),
        }
    }
}

/// A titled group of fields.
#[derive(Debug, Clone, Deserialize, PartialEq, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub id: String,
    pub title: Localized,
}

/// A service's form: what a municipality edits, one TOML file per service.
#[derive(Debug, Clone, Deserialize, PartialEq, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FormDef {
    /// Stable identifier, used in submissions and in `ghiseu demo --screen form:ID`.
    pub id: String,
    /// Raised whenever the fields change; travels with each submission.
    pub version: u32,
    /// Key of the category title in the UI texts (`cat_{category}`).
    pub category: String,
    pub title: Localized,
    /// One or two sentences shown in the catalogue and at the top of the form.
    #[serde(default)]
    pub description: Localized,
    /// The law that sets the answer deadline, e.g. "OG 27/2002".
    pub legal_basis: String,
    /// Days the institution has to answer.
    pub deadline_days: u32,
    /// Whether `deadline_days` counts working days only.
    #[serde(default)]
    pub working_days: bool,
    /// More about the deadline (longer terms for complex requests, refusals).
    #[serde(default)]
    pub deadline_note: Option<Localized>,
    /// The data-processing text the citizen agrees to; the kiosk's general text when absent.
    #[serde(default)]
    pub consent: Option<Localized>,
    #[serde(default)]
    pub sections: Vec<Section>,
    pub fields: Vec<FieldDef>,
}

impl FormDef {
    pub fn field(&self, id: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|f| f.id == id)
    }

    /// Whether a field is shown (and so validated and sent) with these answers.
    pub fn is_visible(&self, field: &FieldDef, values: &BTreeMap<String, String>) -> bool {
        let Some(cond) = &field.show_if else { return true };
        let Some(other) = self.field(&cond.field) else { return false };
        if !self.is_visible(other, values) {
            return false;
        }
        let v = values.get(&cond.field).map(|v| v.trim()).unwrap_or("");
        match &cond.equals {
            None => !v.is_empty(),
            Some(want) if other.kind == FieldKind::MultiChoice => v.split(',').any(|x| x == want),
            Some(want) => v == want,
        }
    }

    /// The fields shown with these answers, in order.
    pub fn visible_fields<'a>(&'a self, values: &'a BTreeMap<String, String>) -> impl Iterator<Item = &'a FieldDef> {
        self.fields.iter().filter(move |f| self.is_visible(f, values))
    }

    /// What is sent for these answers: the shown fields that have a value,
    /// normalised (dates as `YYYY-MM-DD`).
    pub fn answers_to_send(&self, values: &BTreeMap<String, String>) -> BTreeMap<String, String> {
        self.visible_fields(values)
            .filter_map(|f| {
                let v = validate::normalize(f, values.get(&f.id)?);
                (!v.is_empty()).then(|| (f.id.clone(), v))
            })
            .collect()
    }

    /// Structural rules the TOML types cannot say; `lint` reports the same with lines.
    fn check(&self) -> Result<(), String> {
        if self.fields.is_empty() {
            return Err("a form needs at least one field".into());
        }
        let mut seen = std::collections::HashSet::new();
        for f in &self.fields {
            if !seen.insert(&f.id) {
                return Err(format!("field `{}` is defined twice", f.id));
            }
            if let Some(problem) = self.field_problem(f) {
                return Err(format!("field `{}`: {problem}", f.id));
            }
        }
        Ok(())
    }

    /// What is wrong with one field's definition in this form, if anything.
    pub fn field_problem(&self, f: &FieldDef) -> Option<String> {
        if let (Some(min), Some(max)) = (f.min_len, f.max_len) {
            if min > max {
                return Some(format!("min_len {min} is above max_len {max}"));
            }
        }
        if let (Some(min), Some(max)) = (f.min, f.max) {
            if min > max {
                return Some(format!("min {min} is above max {max}"));
            }
        }
        if f.kind.takes_options() && f.options.len() < 2 {
            return Some(format!("a `{}` needs at least two `options`", kind_name(f.kind)));
        }
        if !f.kind.takes_options() && !f.options.is_empty() {
            return Some(format!("`options` only apply to choice and multi-choice, not `{}`", kind_name(f.kind)));
        }
        let mut values = std::collections::HashSet::new();
        for o in &f.options {
            if o.value.is_empty() || !o.value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                return Some(format!("option value `{}` must be letters, digits or `-`", o.value));
            }
            if !values.insert(&o.value) {
                return Some(format!("option value `{}` is used twice", o.value));
            }
        }
        if let Some(section) = &f.section {
            if !self.sections.iter().any(|s| &s.id == section) {
                return Some(format!("section `{section}` is not defined in `[[sections]]`"));
            }
        }
        if let Some(cond) = &f.show_if {
            let pos = |id: &str| self.fields.iter().position(|x| x.id == id);
            match (pos(&cond.field), pos(&f.id)) {
                (None, _) => return Some(format!("`show_if` names field `{}`, which does not exist", cond.field)),
                (Some(c), Some(me)) if c >= me => {
                    return Some(format!("`show_if` field `{}` must come before this field", cond.field))
                }
                (Some(c), _) => {
                    let other = &self.fields[c];
                    if let Some(want) = &cond.equals {
                        let known = match other.kind {
                            FieldKind::Choice | FieldKind::MultiChoice => other.option(want).is_some(),
                            FieldKind::YesNo => want == "da" || want == "nu",
                            _ => true,
                        };
                        if !known {
                            return Some(format!("`show_if` value `{want}` is not an option of `{}`", other.id));
                        }
                    }
                }
            }
        }
        None
    }
}

/// The name a field type has in form files.
pub fn kind_name(kind: FieldKind) -> &'static str {
    use FieldKind::*;
    match kind {
        Text => "text",
        Textarea => "textarea",
        Email => "email",
        Phone => "phone",
        Cnp => "cnp",
        Date => "date",
        Number => "number",
        Choice => "choice",
        MultiChoice => "multi-choice",
        County => "county",
        YesNo => "yes-no",
        Signature => "signature",
    }
}

/// The JSON Schema of a form file, for editors (`#:schema` in TOML files).
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(FormDef);
    serde_json::to_string_pretty(&schema).expect("a schema serialises") + "\n"
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

const BUILTIN: [(&str, &str); 6] = [
    ("petitie.toml", include_str!("../../forms/petitie.toml")),
    ("informatii-544.toml", include_str!("../../forms/informatii-544.toml")),
    ("reclamatie-administrativa.toml", include_str!("../../forms/reclamatie-administrativa.toml")),
    ("sesizare.toml", include_str!("../../forms/sesizare.toml")),
    ("audienta.toml", include_str!("../../forms/audienta.toml")),
    ("certificat-fiscal.toml", include_str!("../../forms/certificat-fiscal.toml")),
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
