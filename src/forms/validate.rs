//! Field validation: pure functions from a field's definition and value to
//! the reason it is not acceptable, if any. Messages are produced in the
//! citizen's language by [`FieldError::message`].

use super::counties;
pub use super::def::normalize;
use super::def::{FieldDef, FieldKind, FormDef};
pub use super::values::{dmy, is_email, is_phone, parse_date, parse_number, read_date};
use crate::i18n::{Lang, Texts};
use crate::identity::cnp::{self, CnpError};
use jiff::civil::Date;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq)]
pub enum FieldError {
    Required,
    TooShort {
        min: usize,
    },
    TooLong {
        max: usize,
        len: usize,
    },
    Email,
    Phone,
    Cnp(CnpError),
    /// Not written as `ZZ.LL.AAAA`.
    DateFormat,
    /// Written well but no such day (31.04, 29.02 of a common year).
    NoSuchDate,
    DateTooEarly(Date),
    DateTooLate(Date),
    NotANumber,
    NumberTooSmall(f64),
    NumberTooLarge(f64),
    /// A value that is not one of the field's options (only from a broken client).
    NotAnOption,
}

impl FieldError {
    /// Problems that only mean "not finished yet" (too short, a CNP or a date
    /// still being typed): not shown while the citizen is typing the field.
    pub fn is_incomplete(&self) -> bool {
        matches!(
            self,
            FieldError::Required
                | FieldError::TooShort { .. }
                | FieldError::DateFormat
                | FieldError::Cnp(CnpError::Length(_))
        )
    }

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
            FieldError::DateFormat => texts.get(lang, "err_date_format").to_owned(),
            FieldError::NoSuchDate => texts.get(lang, "err_date_none").to_owned(),
            FieldError::DateTooEarly(d) => texts.fmt(lang, "err_date_early", &[("date", &dmy(*d))]),
            FieldError::DateTooLate(d) => texts.fmt(lang, "err_date_late", &[("date", &dmy(*d))]),
            FieldError::NotANumber => texts.get(lang, "err_number").to_owned(),
            FieldError::NumberTooSmall(m) => texts.fmt(lang, "err_number_min", &[("min", &number(*m))]),
            FieldError::NumberTooLarge(m) => texts.fmt(lang, "err_number_max", &[("max", &number(*m))]),
            FieldError::NotAnOption => texts.get(lang, "err_option").to_owned(),
        }
    }
}

fn number(n: f64) -> String {
    let s = format!("{n}");
    s.replace('.', ",")
}

/// Why `value` is not acceptable for `field`, if it is not. `today` bounds dates.
pub fn validate_field(field: &FieldDef, value: &str, today: Date) -> Option<FieldError> {
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
        FieldKind::Text | FieldKind::Textarea | FieldKind::Signature => None,
        FieldKind::Email => (!is_email(v)).then_some(FieldError::Email),
        FieldKind::Phone => (!is_phone(v)).then_some(FieldError::Phone),
        FieldKind::Cnp => cnp::validate(v).err().map(FieldError::Cnp),
        FieldKind::Date => match read_date(v) {
            Err(false) => Some(FieldError::DateFormat),
            Err(true) => Some(FieldError::NoSuchDate),
            Ok(d) => {
                if let Some(min) = field.not_before.as_ref().map(|b| b.resolve(today)).filter(|min| d < *min) {
                    Some(FieldError::DateTooEarly(min))
                } else {
                    field
                        .not_after
                        .as_ref()
                        .map(|b| b.resolve(today))
                        .filter(|max| d > *max)
                        .map(FieldError::DateTooLate)
                }
            }
        },
        FieldKind::Number => match parse_number(v) {
            None => Some(FieldError::NotANumber),
            Some(n) if field.min.is_some_and(|m| n < m) => Some(FieldError::NumberTooSmall(field.min.unwrap())),
            Some(n) if field.max.is_some_and(|m| n > m) => Some(FieldError::NumberTooLarge(field.max.unwrap())),
            Some(_) => None,
        },
        FieldKind::Choice => field.option(v).is_none().then_some(FieldError::NotAnOption),
        FieldKind::MultiChoice => v.split(',').any(|x| field.option(x).is_none()).then_some(FieldError::NotAnOption),
        FieldKind::County => counties::name(v).is_none().then_some(FieldError::NotAnOption),
        FieldKind::YesNo => (!matches!(v, "da" | "nu")).then_some(FieldError::NotAnOption),
    }
}

/// Every shown field's problem, by field id; empty when the form can be sent.
/// Fields hidden by their `show_if` are neither checked nor sent.
pub fn validate_all(form: &FormDef, values: &BTreeMap<String, String>, today: Date) -> BTreeMap<String, FieldError> {
    form.visible_fields(values)
        .filter_map(|f| {
            let v = values.get(&f.id).map(String::as_str).unwrap_or("");
            validate_field(f, v, today).map(|e| (f.id.clone(), e))
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
            help: None,
            section: None,
            required,
            min_len: None,
            max_len: Some(20),
            min: None,
            max: None,
            not_before: None,
            not_after: None,
            options: vec![],
            show_if: None,
            prefill: None,
        }
    }

    const TODAY: Date = jiff::civil::date(2026, 11, 23);

    fn check(f: &FieldDef, v: &str) -> Option<FieldError> {
        validate_field(f, v, TODAY)
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
        assert_eq!(check(&field(FieldKind::Text, true), "  "), Some(FieldError::Required));
        assert_eq!(check(&field(FieldKind::Text, false), ""), None);
        assert_eq!(
            check(&field(FieldKind::Text, true), &"ă".repeat(21)),
            Some(FieldError::TooLong { max: 20, len: 21 })
        );
        let e = check(&field(FieldKind::Cnp, true), "2850509204995").unwrap();
        assert_eq!(e.message(&texts, Lang::Ro), "Cifra de control ar trebui să fie 6");
        assert_eq!(check(&field(FieldKind::Cnp, true), "2850509204996"), None);
    }

    #[test]
    fn dates_written_the_romanian_way_with_leap_days_and_bounds() {
        let mut f = field(FieldKind::Date, true);
        f.not_before = Some(crate::forms::DateBound::Fixed(jiff::civil::date(1900, 1, 1)));
        f.not_after = Some(crate::forms::DateBound::try_from("today".to_owned()).unwrap());
        let cases: &[(&str, Option<FieldError>)] = &[
            ("29.02.2024", None),
            ("29.02.2000", None),
            ("1.3.2025", None),
            ("2025-03-01", None),
            ("23.11.2026", None),
            ("29.02.2025", Some(FieldError::NoSuchDate)),
            ("29.02.1900", Some(FieldError::NoSuchDate)),
            ("31.04.2020", Some(FieldError::NoSuchDate)),
            ("00.01.2020", Some(FieldError::NoSuchDate)),
            ("12.13.2020", Some(FieldError::NoSuchDate)),
            ("12.05", Some(FieldError::DateFormat)),
            ("12.05.20", Some(FieldError::DateFormat)),
            ("ieri", Some(FieldError::DateFormat)),
            ("24.11.2026", Some(FieldError::DateTooLate(TODAY))),
            ("31.12.1899", Some(FieldError::DateTooEarly(jiff::civil::date(1900, 1, 1)))),
        ];
        for (v, want) in cases {
            assert_eq!(&check(&f, v), want, "{v}");
        }
        f.not_before = Some(crate::forms::DateBound::try_from("today-30d".to_owned()).unwrap());
        assert_eq!(check(&f, "24.10.2026"), None);
        assert_eq!(check(&f, "23.10.2026"), Some(FieldError::DateTooEarly(jiff::civil::date(2026, 10, 24))));
        for bad in ["yesterday", "today-", "today-3w", "today30d", "2026-13-01"] {
            assert!(crate::forms::DateBound::try_from(bad.to_owned()).is_err(), "{bad}");
        }
        let texts = Texts::builtin();
        assert_eq!(FieldError::DateTooLate(TODAY).message(&texts, Lang::Ro), "Data nu poate fi după 23.11.2026");
        assert_eq!(normalize(&f, " 1.3.2025 "), "2025-03-01");
    }

    #[test]
    fn numbers_with_a_decimal_comma_and_bounds() {
        let mut f = field(FieldKind::Number, true);
        f.min = Some(1.0);
        f.max = Some(10.0);
        let cases: &[(&str, Option<FieldError>)] = &[
            ("1", None),
            ("10", None),
            ("2,5", None),
            ("2.5", None),
            ("0", Some(FieldError::NumberTooSmall(1.0))),
            ("10,01", Some(FieldError::NumberTooLarge(10.0))),
            ("doi", Some(FieldError::NotANumber)),
            ("1e3", Some(FieldError::NotANumber)),
        ];
        for (v, want) in cases {
            assert_eq!(&check(&f, v), want, "{v}");
        }
    }

    #[test]
    fn choices_counties_and_yes_no_accept_only_their_values() {
        let mut f = field(FieldKind::MultiChoice, true);
        f.options = ["a", "b"]
            .iter()
            .map(|v| crate::forms::Choice {
                value: v.to_string(),
                label: Localized { ro: v.to_uppercase(), ..Default::default() },
            })
            .collect();
        assert_eq!(check(&f, "a,b"), None);
        assert_eq!(check(&f, "a,c"), Some(FieldError::NotAnOption));
        f.kind = FieldKind::Choice;
        assert_eq!(check(&f, "b"), None);
        assert_eq!(check(&f, "a,b"), Some(FieldError::NotAnOption));
        let c = field(FieldKind::County, true);
        assert_eq!(check(&c, "CJ"), None);
        assert_eq!(check(&c, "B"), None);
        assert_eq!(check(&c, "XY"), Some(FieldError::NotAnOption));
        let y = field(FieldKind::YesNo, true);
        assert_eq!(check(&y, "da"), None);
        assert_eq!(check(&y, ""), Some(FieldError::Required));
        assert_eq!(check(&y, "poate"), Some(FieldError::NotAnOption));
    }
}
