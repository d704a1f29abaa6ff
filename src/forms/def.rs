//! A form as data: its fields (12 kinds), sections, conditions, choices,
//! date limits and ID-card pre-fill, parsed strictly from the TOML a
//! municipality edits, and the JSON Schema generated from the same types.

use super::{counties, values};
use crate::i18n::Lang;
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::BTreeMap;

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
    /// Fields that take the keyboard (or the county pad) when touched.
    pub fn focusable(self) -> bool {
        self.typed() || self == FieldKind::County
    }

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
            FieldKind::Date => values::parse_date(value).map(values::dmy).unwrap_or_else(|| value.to_owned()),
            FieldKind::Signature if !value.is_empty() => texts.get(lang, "signed").to_owned(),
            _ => value.to_owned(),
        }
    }
}

/// The id of the catch-all document every shipped service accepts (contract:
/// "Alte documente"); pages with no better place go there.
pub const OTHER_DOCUMENTS: &str = "alte-documente";

/// The most pages one document may declare. Ten pages of 300 KB already make
/// a 6 MB envelope (the PDF carries them too); more is a form-file mistake.
pub const MAX_PAGES_LIMIT: u32 = 20;

/// One paper a citizen may (or must) attach to a request.
#[derive(Debug, Clone, Deserialize, PartialEq, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentDef {
    /// Stable identifier (letters, digits and `-`), unique in the form; `alte-documente` for "Alte documente".
    pub id: String,
    /// What the paper is, e.g. "Copie după certificatul de naștere".
    pub label: Localized,
    /// A sentence under the label: which paper, how to place it.
    #[serde(default)]
    pub help: Option<Localized>,
    /// Submit stays disabled until at least one page of it is attached.
    #[serde(default)]
    pub required: bool,
    /// The most pages of this document (1 to 20).
    #[serde(default = "default_max_pages")]
    pub max_pages: u32,
}

fn default_max_pages() -> u32 {
    5
}

impl DocumentDef {
    /// What is wrong with this definition on its own, if anything (the
    /// kiosk's parser and `forms check` say the same).
    pub fn problem(&self) -> Option<String> {
        if self.id.is_empty() || !self.id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Some(format!("document id `{}` must be letters, digits or `-`", self.id));
        }
        if self.label.ro.trim().is_empty() {
            return Some(format!("document `{}` needs a Romanian label (`label = {{ ro = \"…\" }}`)", self.id));
        }
        if self.max_pages == 0 || self.max_pages > MAX_PAGES_LIMIT {
            return Some(format!(
                "document `{}`: max_pages {} must be between 1 and {MAX_PAGES_LIMIT}",
                self.id, self.max_pages
            ));
        }
        None
    }
}

/// Problems across a form's documents: each one's own, and ids used twice.
pub fn documents_problem(docs: &[DocumentDef]) -> Option<String> {
    let mut seen = std::collections::HashSet::new();
    for d in docs {
        if let Some(p) = d.problem() {
            return Some(p);
        }
        if !seen.insert(d.id.as_str()) {
            return Some(format!("document `{}` is defined twice", d.id));
        }
    }
    None
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
    /// The catalogue group: petitii, informatii, sesizari, audiente or certificate (its title is the UI text `cat_{category}`).
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
    /// The supporting documents the citizen may or must attach (`[[documents]]`).
    #[serde(default)]
    pub documents: Vec<DocumentDef>,
}

/// The catalogue's categories: each has its title in every language
/// (`cat_NAME` in `ui/i18n/*.toml`, which `kiosk.texts_dir` may reword). A form
/// naming another is refused, so no raw key ever reaches the screen.
pub const CATEGORIES: [&str; 5] = ["petitii", "informatii", "sesizari", "audiente", "certificate"];

/// Every field type, as written in form files.
pub const FIELD_KINDS: [&str; 12] = [
    "text",
    "textarea",
    "email",
    "phone",
    "cnp",
    "date",
    "number",
    "choice",
    "multi-choice",
    "county",
    "yes-no",
    "signature",
];

/// The problem with a category, if it is not one of [`CATEGORIES`].
pub fn category_problem(category: &str) -> Option<String> {
    (!CATEGORIES.contains(&category)).then(|| {
        format!("category `{category}` has no title on screen; use one of: {} (forms/README.md)", CATEGORIES.join(", "))
    })
}

/// A signature's drawing box, in the units of its SVG path (the session
/// draws in it, the PDF redraws from it).
pub const SIGNATURE_BOX: (f32, f32) = (600.0, 200.0);

impl FormDef {
    /// "Răspuns în cel mult 30 zile (OG 27/2002)." (receipt, PDF, form screen).
    pub fn deadline_sentence(&self, texts: &crate::i18n::Texts, lang: crate::i18n::Lang) -> String {
        let key = if self.working_days { "receipt_deadline_working" } else { "receipt_deadline" };
        texts.fmt(lang, key, &[("days", &self.deadline_days.to_string()), ("basis", &self.legal_basis)])
    }

    pub fn document(&self, id: &str) -> Option<&DocumentDef> {
        self.documents.iter().find(|d| d.id == id)
    }

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
                let v = normalize(f, values.get(&f.id)?);
                (!v.is_empty()).then(|| (f.id.clone(), v))
            })
            .collect()
    }

    /// Structural rules the TOML types cannot say; `lint` reports the same with lines.
    pub(crate) fn check(&self) -> Result<(), String> {
        if self.fields.is_empty() {
            return Err("a form needs at least one field".into());
        }
        if let Some(problem) = category_problem(&self.category) {
            return Err(problem);
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
        if let Some(problem) = documents_problem(&self.documents) {
            return Err(problem);
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

/// A value as it is stored and sent: trimmed, dates as `YYYY-MM-DD`.
pub fn normalize(field: &FieldDef, value: &str) -> String {
    let v = value.trim();
    match field.kind {
        FieldKind::Date => values::parse_date(v).map(|d| d.to_string()).unwrap_or_else(|| v.to_owned()),
        _ => v.to_owned(),
    }
}
