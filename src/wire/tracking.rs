//! Tracking codes: what a citizen reads off a receipt and types back in.
//!
//! Eight characters shown as `K7Q-4M2-X9`: seven random ones and a check
//! character, from an alphabet with no look-alikes (no 0/O, 1/I/L). The check
//! is a position-weighted sum modulo 31 (the alphabet's size, a prime), so
//! any single wrong character and any swap of two neighbours is caught.

use rand::Rng;

pub const ALPHABET: &[u8; 31] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrackingError {
    #[error("a tracking code has 8 characters, this has {0}")]
    Length(usize),
    #[error("`{0}` does not appear in tracking codes")]
    Character(char),
    #[error("the code has a typing mistake (check character does not match)")]
    Check,
}

fn value(c: u8) -> Option<usize> {
    ALPHABET.iter().position(|&a| a == c)
}

fn check_char(body: &[u8]) -> u8 {
    let sum: usize = body.iter().enumerate().map(|(i, &c)| (i + 1) * value(c).unwrap_or(0)).sum();
    ALPHABET[sum % 31]
}

/// A new random code, formatted for display.
pub fn generate(rng: &mut impl Rng) -> String {
    let body: Vec<u8> = (0..7).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())]).collect();
    let mut all = body.clone();
    all.push(check_char(&body));
    format_code(&all)
}

fn format_code(c: &[u8]) -> String {
    let s = String::from_utf8_lossy(c);
    format!("{}-{}-{}", &s[0..3], &s[3..6], &s[6..8])
}

/// Normalises what a citizen typed or a QR carried (case, dashes, spaces, the
/// usual look-alikes) and checks it; returns the code in display form.
pub fn parse(input: &str) -> Result<String, TrackingError> {
    let mut cleaned: Vec<u8> = Vec::with_capacity(8);
    for c in input.chars().filter(|c| !matches!(c, '-' | ' ' | '_' | '.')) {
        // Only ASCII can be part of a code: anything else is refused whole,
        // never cut to a byte (`Ň` would otherwise read as `G`).
        if !c.is_ascii() {
            return Err(TrackingError::Character(c));
        }
        cleaned.push(match c.to_ascii_uppercase() {
            'O' => b'0',
            'I' | 'L' => b'1',
            other => other as u8,
        });
    }
    if cleaned.len() != 8 {
        return Err(TrackingError::Length(cleaned.len()));
    }
    if let Some(&bad) = cleaned.iter().find(|c| value(**c).is_none()) {
        return Err(TrackingError::Character(bad as char));
    }
    if check_char(&cleaned[..7]) != cleaned[7] {
        return Err(TrackingError::Check);
    }
    Ok(format_code(&cleaned))
}

/// The link a receipt's QR code carries.
pub fn status_url(base: &str, tracking_code: &str) -> String {
    format!("{base}{tracking_code}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_codes_parse_back_in_any_case_and_spacing() {
        let mut rng = rand::rng();
        for _ in 0..500 {
            let code = generate(&mut rng);
            assert_eq!(code.len(), 10);
            assert_eq!(parse(&code).unwrap(), code);
            assert_eq!(parse(&code.to_lowercase().replace('-', " ")).unwrap(), code);
        }
    }

    #[test]
    fn every_single_substitution_and_neighbour_swap_is_caught() {
        let code = generate(&mut rand::rng()).replace('-', "");
        let b = code.as_bytes();
        for i in 0..8 {
            for &a in ALPHABET {
                if a == b[i] {
                    continue;
                }
                let mut m = b.to_vec();
                m[i] = a;
                assert!(parse(std::str::from_utf8(&m).unwrap()).is_err());
            }
            if i < 7 && b[i] != b[i + 1] {
                let mut m = b.to_vec();
                m.swap(i, i + 1);
                assert!(parse(std::str::from_utf8(&m).unwrap()).is_err());
            }
        }
    }

    #[test]
    fn non_ascii_never_stands_for_another_code() {
        // Each of these would alias a valid code if a char were cut to its low byte.
        let valid = "4G5-J79-J5";
        assert_eq!(parse(valid).as_deref(), Ok(valid));
        let table: &[(&str, char)] = &[
            ("4\u{147}5-J79-J5", '\u{147}'), // Ň: 0x147 → 'G'
            ("4\u{147}5J79J5", '\u{147}'),
            ("4\u{247}5-J79-J5", '\u{247}'),   // 0x247 → 'G'
            ("4G5-\u{14a}79-J5", '\u{14a}'),   // Ŋ: 0x14A → 'J'
            ("\u{134}G5-J79-J5", '\u{134}'),   // Ĵ: 0x134 → '4'
            ("4G5-J79-J\u{1035}", '\u{1035}'), // 0x1035 → '5'
            ("4g5-j79-j\u{ff15}", '\u{ff15}'), // fullwidth 5
            ("4G5-J79-J5\u{0}", '\u{0}'),      // not alias, but control: refused as a character
        ];
        for &(input, bad) in table {
            let got = parse(input);
            if bad.is_ascii() {
                assert!(got.is_err(), "{input:?} must be invalid, got {got:?}");
            } else {
                assert_eq!(got, Err(TrackingError::Character(bad)), "{input:?}");
            }
        }
        // Every non-ASCII char whose low byte is a code character, in every position.
        let code = valid.replace('-', "");
        for i in 0..8 {
            let low = code.as_bytes()[i] as u32;
            for high in [0x100, 0x200, 0x1000, 0xff00, 0x1_0000] {
                let c = char::from_u32(high + low).unwrap();
                let mut s: Vec<char> = code.chars().collect();
                s[i] = c;
                let s: String = s.into_iter().collect();
                assert_eq!(parse(&s), Err(TrackingError::Character(c)), "{s:?}");
            }
        }
    }

    #[test]
    fn wrong_length_and_characters_say_so() {
        assert_eq!(parse("K7Q-4M2"), Err(TrackingError::Length(6)));
        assert_eq!(parse("K7Q-4M2-X!"), Err(TrackingError::Character('!')));
    }
}
