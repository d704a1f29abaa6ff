//! Field validation: pure functions from a field's definition and value to
//! the reason it is not acceptable, if any. Messages are produced in the
//! citizen's language by [`FieldError::message`].

use super::{FieldDef, FieldKind, FormDef};
use crate::i18n::{Lang, Texts};
use crate::identity::cnp::{self, CnpError};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldError {
    Required,
    TooShort { min: usize },
    TooLong { max: usize, len: usize },
    Email,
    Phone,
    Cnp(CnpError),
}

impl FieldError {
    pub fn message(&self, texts: &Texts, lang: Lang) -> String {
        match self {
            FieldError::Required => texts.get(lang, "err_required").to_owned(),
            FieldError::TooShort { min } => texts.fmt(lang, "err_too_short", &[("min", &min.to_string())]),
            FieldError::TooLong { max, len } => {
                texts.fmt(lang, "err_too_long", &[("max", &max.to_string()), ("len", &len.to_string())])
            }
            FieldError::Email => texts.get(lang, "err_email").to_owned(),
            FieldError::Phone => texts.get(lang, "err_phone").to_owned(),
            FieldError::Cnp(e) => match e {
                CnpError::Length(n) => texts.fmt(lang, "err_cnp_length", &[("len", &n.to_string())]),
                CnpError::NotDigits => texts.get(lang, "err_cnp_digits").to_owned(),
                CnpError::Sex(d) => texts.fmt(lang, "err_cnp_sex", &[("digit", &d.to_string())]),
                CnpError::Date(d) => texts.fmt(lang, "err_cnp_date", &[("date", d)]),
                CnpError::County(c) => texts.fmt(lang, "err_cnp_county", &[("code", c)]),
                CnpError::Check { expected } => {
                    texts.fmt(lang, "err_cnp_check", &[("expected", &expected.to_string())])
                }
            },
        }
    }
}

/// `local@domain.tld`, one `@`, no spaces, a dot in the domain.
pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else { return false };
    !local.is_empty()
        && !domain.contains('@')
        && !s.chars().any(char::is_whitespace)
        && domain.split('.').count() >= 2
        && domain.split('.').all(|p| !p.is_empty() && p.chars().all(|c| c.is_alphanumeric() || c == '-'))
}

/// Romanian numbers (`07xx xxx xxx`, `02xx…`/`03xx…` landlines, `+40…`/`0040…`)
/// and international ones in E.164 form (`+` and 8–15 digits).
pub fn is_phone(s: &str) -> bool {
    let compact: String = s.chars().filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')')).collect();
    let digits = |t: &str| !t.is_empty() && t.chars().all(|c| c.is_ascii_digit());
    if let Some(rest) = compact.strip_prefix("+40").or_else(|| compact.strip_prefix("0040")) {
        return digits(rest) && rest.len() == 9 && matches!(rest.as_bytes()[0], b'2' | b'3' | b'7');
    }
    if let Some(rest) = compact.strip_prefix('+') {
        return digits(rest) && (8..=15).contains(&rest.len());
    }
    digits(&compact)
        && compact.len() == 10
        && compact.starts_with('0')
        && matches!(compact.as_bytes()[1], b'2' | b'3' | b'7')
}

pub fn validate_field(field: &FieldDef, value: &str) -> Option<FieldError> {
    let v = value.trim();
    if v.is_empty() {
        return field.required.then_some(FieldError::Required);
    }
    let len = v.chars().count();
    if let Some(max) = field.max_len {
        if len > max {
            return Some(FieldError::TooLong { max, len });
        }
    }
    if let Some(min) = field.min_len {
        if len < min {
            return Some(FieldError::TooShort { min });
        }
    }
    match field.kind {
        FieldKind::Text | FieldKind::Textarea => None,
        FieldKind::Email => (!is_email(v)).then_some(FieldError::Email),
        FieldKind::Phone => (!is_phone(v)).then_some(FieldError::Phone),
        FieldKind::Cnp => cnp::validate(v).err().map(FieldError::Cnp),
    }
}

/// Every field's problem, by field id; empty when the form can be sent.
pub fn validate_all(form: &FormDef, values: &BTreeMap<String, String>) -> BTreeMap<String, FieldError> {
    form.fields
        .iter()
        .filter_map(|f| {
            let v = values.get(&f.id).map(String::as_str).unwrap_or("");
            validate_field(f, v).map(|e| (f.id.clone(), e))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forms::Localized;

    fn field(kind: FieldKind, required: bool) -> FieldDef {
        FieldDef {
            id: "f".into(),
            kind,
            label: Localized { ro: "F".into(), ..Default::default() },
            required,
            min_len: None,
            max_len: Some(20),
            prefill: None,
        }
    }

    #[test]
    fn emails() {
        for ok in ["ana@exemplu.ro", "a.b-c@primaria.sector-1.ro", "x@y.eu"] {
            assert!(is_email(ok), "{ok}");
        }
        for bad in ["", "ana", "ana@", "@x.ro", "ana@x", "ana @x.ro", "a@@x.ro", "a@x..ro"] {
            assert!(!is_email(bad), "{bad}");
        }
    }

    #[test]
    fn phones() {
        for ok in ["0722123456", "0722 123 456", "+40 722 123 456", "0040722123456", "0212345678", "+36 1 234 5678"] {
            assert!(is_phone(ok), "{ok}");
        }
        for bad in ["", "072212345", "07221234567", "0122123456", "+40 122 123 456", "+123", "07a2123456"] {
            assert!(!is_phone(bad), "{bad}");
        }
    }

    #[test]
    fn required_length_and_type_rules() {
        let texts = Texts::builtin();
        assert_eq!(validate_field(&field(FieldKind::Text, true), "  "), Some(FieldError::Required));
        assert_eq!(validate_field(&field(FieldKind::Text, false), ""), None);
        assert_eq!(
            validate_field(&field(FieldKind::Text, true), &"ă".repeat(21)),
            Some(FieldError::TooLong { max: 20, len: 21 })
        );
        let e = validate_field(&field(FieldKind::Cnp, true), "2850509204995").unwrap();
        assert_eq!(e.message(&texts, Lang::Ro), "Cifra de control ar trebui să fie 6");
        assert_eq!(validate_field(&field(FieldKind::Cnp, true), "2850509204996"), None);
    }
}
