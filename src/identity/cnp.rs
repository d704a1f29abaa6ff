//! The Romanian personal numeric code (CNP): `S YYMMDD JJ NNN C`.
//!
//! S gives sex and century (1/2: 1900s, 3/4: 1800s, 5/6: 2000s, 7/8: foreign
//! residents, 9: foreigners), YYMMDD the birth date, JJ the county (01–46,
//! 51 Călărași, 52 Giurgiu), NNN a serial, C the check digit: the sum of the
//! first twelve digits weighted by 279146358279, modulo 11, with 10 read as 1.

use std::fmt;

const WEIGHTS: [u32; 12] = [2, 7, 9, 1, 4, 6, 3, 5, 8, 2, 7, 9];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CnpError {
    /// Not 13 characters; carries how many there were.
    Length(usize),
    NotDigits,
    /// The first digit is 0.
    Sex(char),
    /// The birth date does not exist; carries it as `YYYY-MM-DD` (or `..YY-MM-DD`).
    Date(String),
    /// The county code is not one in use.
    County(String),
    /// The check digit is wrong; carries the one it should be.
    Check {
        expected: u32,
    },
}

impl fmt::Display for CnpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CnpError::Length(n) => write!(f, "a CNP has 13 digits, this has {n}"),
            CnpError::NotDigits => write!(f, "a CNP has digits only"),
            CnpError::Sex(d) => write!(f, "the first digit cannot be {d}"),
            CnpError::Date(d) => write!(f, "the birth date {d} does not exist"),
            CnpError::County(c) => write!(f, "county code {c} does not exist"),
            CnpError::Check { expected } => write!(f, "check digit should be {expected}"),
        }
    }
}
impl std::error::Error for CnpError {}

/// A valid CNP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cnp {
    digits: String,
    pub birth_year: Option<i32>,
    pub birth_month: u32,
    pub birth_day: u32,
}

impl Cnp {
    pub fn as_str(&self) -> &str {
        &self.digits
    }
}

/// The check digit for the first twelve digits of a CNP.
pub fn check_digit(first12: &[u8]) -> u32 {
    let sum: u32 = first12.iter().zip(WEIGHTS).map(|(d, w)| u32::from(d - b'0') * w).sum();
    match sum % 11 {
        10 => 1,
        r => r,
    }
}

pub fn is_valid_county(code: u32) -> bool {
    (1..=46).contains(&code) || code == 51 || code == 52
}

pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

/// Validates a CNP, reporting the first problem a citizen can act on.
pub fn validate(s: &str) -> Result<Cnp, CnpError> {
    let b = s.as_bytes();
    if !b.iter().all(u8::is_ascii_digit) {
        return Err(CnpError::NotDigits);
    }
    if b.len() != 13 {
        return Err(CnpError::Length(b.len()));
    }
    let num = |r: std::ops::Range<usize>| s[r].parse::<u32>().unwrap_or(0);
    let century = match b[0] {
        b'1' | b'2' => Some(1900),
        b'3' | b'4' => Some(1800),
        b'5' | b'6' => Some(2000),
        b'7' | b'8' | b'9' => None,
        d => return Err(CnpError::Sex(d as char)),
    };
    let (yy, mm, dd) = (num(1..3) as i32, num(3..5), num(5..7));
    let date_ok = |year: i32| (1..=12).contains(&mm) && dd >= 1 && dd <= days_in_month(year, mm);
    let ok = match century {
        Some(c) => date_ok(c + yy),
        // Residents and foreigners: the century is not encoded; either must exist.
        None => date_ok(1900 + yy) || date_ok(2000 + yy),
    };
    if !ok {
        let shown = match century {
            Some(c) => format!("{:04}-{mm:02}-{dd:02}", c + yy),
            None => format!("..{yy:02}-{mm:02}-{dd:02}"),
        };
        return Err(CnpError::Date(shown));
    }
    let county = num(7..9);
    if !is_valid_county(county) {
        return Err(CnpError::County(s[7..9].to_owned()));
    }
    let expected = check_digit(&b[..12]);
    if u32::from(b[12] - b'0') != expected {
        return Err(CnpError::Check { expected });
    }
    Ok(Cnp { digits: s.to_owned(), birth_year: century.map(|c| c + yy), birth_month: mm, birth_day: dd })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a CNP with a correct check digit from its first twelve digits.
    fn with_check(first12: &str) -> String {
        format!("{first12}{}", check_digit(first12.as_bytes()))
    }

    #[test]
    fn valid_cnps_of_every_century_digit() {
        for (s, year) in [
            ("185050920499", Some(1985)),
            ("285050920499", Some(1985)),
            ("385050920499", Some(1885)),
            ("485050920499", Some(1885)),
            ("505050920499", Some(2005)),
            ("605050920499", Some(2005)),
            ("785050920499", None),
            ("885050920499", None),
            ("985050920499", None),
        ] {
            let cnp = validate(&with_check(s)).unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(cnp.birth_year, year, "{s}");
        }
    }

    #[test]
    fn counties_01_to_46_51_52_are_accepted_and_others_refused() {
        for county in 0..=99u32 {
            let s = with_check(&format!("1850509{county:02}499"));
            let r = validate(&s);
            if is_valid_county(county) {
                assert!(r.is_ok(), "{county}: {r:?}");
            } else {
                assert_eq!(r, Err(CnpError::County(format!("{county:02}"))));
            }
        }
        assert!(is_valid_county(46) && is_valid_county(51) && is_valid_county(52));
        assert!(!is_valid_county(47) && !is_valid_county(53) && !is_valid_county(0));
    }

    #[test]
    fn leap_days_follow_the_century() {
        assert!(validate(&with_check("500022940001")).is_ok(), "2000-02-29 exists");
        assert!(validate(&with_check("104022940001")).is_ok(), "1904-02-29 exists");
        assert_eq!(validate(&with_check("300022940001")), Err(CnpError::Date("1800-02-29".into())));
        assert_eq!(validate(&with_check("100022940001")), Err(CnpError::Date("1900-02-29".into())));
        assert_eq!(validate(&with_check("185023140001")), Err(CnpError::Date("1985-02-31".into())));
        assert_eq!(validate(&with_check("185130140001")), Err(CnpError::Date("1985-13-01".into())));
    }

    #[test]
    fn a_wrong_check_digit_says_which_it_should_be() {
        let good = with_check("185050920499");
        let expected = good.as_bytes()[12] - b'0';
        let bad = format!("{}{}", &good[..12], (expected + 1) % 10);
        assert_eq!(validate(&bad), Err(CnpError::Check { expected: expected.into() }));
        assert_eq!(CnpError::Check { expected: 4 }.to_string(), "check digit should be 4");
    }

    #[test]
    fn length_digits_and_sex_errors() {
        assert_eq!(validate("18505092049"), Err(CnpError::Length(11)));
        assert_eq!(validate("18505092049a5"), Err(CnpError::NotDigits));
        assert_eq!(validate(""), Err(CnpError::Length(0)));
        assert_eq!(validate(&with_check("085050920499")), Err(CnpError::Sex('0')));
    }

    #[test]
    fn check_digit_remainder_ten_is_one() {
        // Find a prefix whose weighted sum is 10 mod 11 and check the rule.
        let prefix = (0..1000)
            .map(|n| format!("1850509204{:02}", n % 100))
            .find(|p| p.bytes().zip(WEIGHTS).map(|(d, w)| u32::from(d - b'0') * w).sum::<u32>() % 11 == 10)
            .expect("some serial gives remainder 10");
        assert_eq!(check_digit(prefix.as_bytes()), 1);
    }
}
