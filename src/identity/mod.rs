//! Identity documents: the ICAO 9303 machine-readable zone and the Romanian
//! personal numeric code (CNP). Pure functions only: no I/O, no logging (the
//! data is personal), no panics on any input.

pub mod cnp;
pub mod countries;
pub mod mrz;

pub use cnp::{Cnp, CnpError};
pub use mrz::{parse as parse_mrz, Mrz, MrzFormat, NotMrz};

/// A specimen Romanian identity card (TD2, ICAO 9303 specimen data): the
/// simulated scanner's card, and test data.
pub const SPECIMEN_TD2: [&str; 2] = ["IDROUPOPESCU<<MARIA<ELENA<<<<<<<<<<<", "RX123456<9ROU8505095F300509522049960"];

/// What the form pre-fills from a scanned document. The raw MRZ is not kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub surname: String,
    pub given_names: String,
    pub cnp: Option<String>,
    /// ISO 3166 alpha-3 (or ICAO) nationality code.
    pub nationality: String,
    /// `YYYY-MM-DD`
    pub expiry_date: Option<String>,
    /// The document expired before `today` (a warning, not a block).
    pub expired: bool,
}

impl Identity {
    /// `today` as `YYYY-MM-DD`; passed in so this stays pure.
    pub fn from_mrz(m: &Mrz, today: &str) -> Identity {
        Identity {
            surname: title_case(&m.surname),
            given_names: title_case(&m.given_names),
            cnp: m.cnp.clone(),
            nationality: m.nationality.clone(),
            expired: m.expiry_date.as_deref().is_some_and(|e| e < today),
            expiry_date: m.expiry_date.clone(),
        }
    }

    /// The CNP as shown on screen: all but the last four digits hidden.
    pub fn masked_cnp(&self) -> Option<String> {
        self.cnp.as_ref().map(|c| {
            let n = c.chars().count();
            c.chars().enumerate().map(|(i, ch)| if i + 4 < n { '•' } else { ch }).collect()
        })
    }
}

/// `POPESCU-IONESCU MARIA` → `Popescu-Ionescu Maria`. MRZ names carry no
/// diacritics; the citizen corrects them on the form.
pub fn title_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut start = true;
    for c in s.chars() {
        if c.is_alphabetic() {
            if start {
                out.extend(c.to_uppercase());
            } else {
                out.extend(c.to_lowercase());
            }
            start = false;
        } else {
            out.push(c);
            start = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn cnp_is_masked_but_for_the_last_four_and_expiry_is_compared_to_today() {
        let m = super::parse_mrz(&crate::identity::SPECIMEN_TD2.join("\n")).unwrap();
        let id = super::Identity::from_mrz(&m, "2026-11-23");
        assert_eq!(id.masked_cnp().as_deref(), Some("•••••••••4996"));
        assert!(!id.expired);
        assert!(super::Identity::from_mrz(&m, "2030-05-10").expired);
        assert_eq!(id.surname, "Popescu");
    }

    #[test]
    fn names_are_title_cased_across_hyphens_and_spaces() {
        assert_eq!(super::title_case("POPESCU-IONESCU MARIA ELENA"), "Popescu-Ionescu Maria Elena");
    }
}
