//! Identity documents: the ICAO 9303 machine-readable zone and the Romanian
//! personal numeric code (CNP). Pure functions only: no I/O, no logging (the
//! data is personal), no panics on any input.

pub mod cnp;
pub mod mrz;

pub use cnp::{Cnp, CnpError};
pub use mrz::{parse as parse_mrz, Mrz, MrzFormat, NotMrz};

/// What the form pre-fills from a scanned document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub surname: String,
    pub given_names: String,
    pub cnp: Option<String>,
    pub document_number: String,
    /// `YYYY-MM-DD`
    pub expiry_date: Option<String>,
}

impl Identity {
    pub fn from_mrz(m: &Mrz) -> Identity {
        Identity {
            surname: title_case(&m.surname),
            given_names: title_case(&m.given_names),
            cnp: m.cnp.clone(),
            document_number: m.document_number.clone(),
            expiry_date: m.expiry_date.clone(),
        }
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
    fn names_are_title_cased_across_hyphens_and_spaces() {
        assert_eq!(super::title_case("POPESCU-IONESCU MARIA ELENA"), "Popescu-Ionescu Maria Elena");
    }
}
