//! Multi-tap text entry on a numeric keypad, as on a phone: `2` once is
//! "a", twice "b", … and the letters of the language come on the same keys
//! (ă â on 2, î on 4, ș on 7, ț on 8; Hungarian á é í ó ö ő ú ü ű). A press
//! of the same key within [`PAUSE_MS`] changes the letter just typed; a
//! pause or another key starts a new one. Pure: the caller gives the time.

use crate::i18n::Lang;

/// After this long, the same key starts a new letter.
pub const PAUSE_MS: i64 = 1000;

/// What a key press does to the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tap {
    /// A new character at the end.
    Append(char),
    /// The character just typed becomes this one.
    Replace(char),
}

/// The characters of a key, in the order presses cycle through them.
pub fn letters(digit: u8, lang: Lang) -> &'static [char] {
    match (digit, lang) {
        (0, _) => &[' ', '0'],
        (1, _) => &['.', ',', '-', '?', '!', '@', '1'],
        (2, Lang::Ro) => &['a', 'b', 'c', 'ă', 'â', '2'],
        (2, Lang::Hu) => &['a', 'b', 'c', 'á', '2'],
        (2, _) => &['a', 'b', 'c', '2'],
        (3, Lang::Hu) => &['d', 'e', 'f', 'é', '3'],
        (3, _) => &['d', 'e', 'f', '3'],
        (4, Lang::Ro) => &['g', 'h', 'i', 'î', '4'],
        (4, Lang::Hu) => &['g', 'h', 'i', 'í', '4'],
        (4, _) => &['g', 'h', 'i', '4'],
        (5, _) => &['j', 'k', 'l', '5'],
        (6, Lang::Hu) => &['m', 'n', 'o', 'ó', 'ö', 'ő', '6'],
        (6, _) => &['m', 'n', 'o', '6'],
        (7, Lang::Ro) => &['p', 'q', 'r', 's', 'ș', '7'],
        (7, _) => &['p', 'q', 'r', 's', '7'],
        (8, Lang::Ro) => &['t', 'u', 'v', 'ț', '8'],
        (8, Lang::Hu) => &['t', 'u', 'v', 'ú', 'ü', 'ű', '8'],
        (8, _) => &['t', 'u', 'v', '8'],
        (9, _) => &['w', 'x', 'y', 'z', '9'],
        _ => &[],
    }
}

/// The key and the number of presses that type `c` (for a scripted citizen
/// and for the spoken key guide); `None` for a character no key has.
pub fn presses_for(c: char, lang: Lang) -> Option<(u8, usize)> {
    let lower = c.to_lowercase().next()?;
    (0..=9u8).find_map(|d| letters(d, lang).iter().position(|&l| l == lower).map(|i| (d, i + 1)))
}

/// The decoder's memory: the last key, how often it was pressed, when, and
/// whether its letter is a capital.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MultiTap {
    last: Option<(u8, usize, i64, bool)>,
}

impl MultiTap {
    /// A press of `digit` at `now_ms`; `capital` is whether a new letter
    /// starts as a capital (the start of the text, after a full stop, Shift).
    pub fn press(&mut self, digit: u8, now_ms: i64, lang: Lang, capital: bool) -> Option<Tap> {
        let keys = letters(digit, lang);
        if keys.is_empty() {
            return None;
        }
        let (replace, index, capital) = match self.last {
            Some((d, i, at, cap)) if d == digit && now_ms - at < PAUSE_MS => (true, (i + 1) % keys.len(), cap),
            _ => (false, 0, capital),
        };
        self.last = Some((digit, index, now_ms, capital));
        let c = keys[index];
        let c = if capital { c.to_uppercase().next().unwrap_or(c) } else { c };
        Some(if replace { Tap::Replace(c) } else { Tap::Append(c) })
    }

    /// The next press starts a new letter (another key, a deletion, leaving the field).
    pub fn reset(&mut self) {
        self.last = None;
    }
}

/// Whether the next letter typed into `text` starts as a capital: at the
/// start, and after the end of a sentence.
pub fn starts_sentence(text: &str) -> bool {
    let t = text.trim_end();
    t.is_empty() || (text.ends_with(' ') && t.ends_with(['.', '!', '?']))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Types `presses` (digit, ms since start) into a string.
    fn type_keys(presses: &[(u8, i64)], lang: Lang) -> String {
        let mut m = MultiTap::default();
        let mut s = String::new();
        for &(d, at) in presses {
            match m.press(d, at, lang, starts_sentence(&s)) {
                Some(Tap::Append(c)) => s.push(c),
                Some(Tap::Replace(c)) => {
                    s.pop();
                    s.push(c);
                }
                None => {}
            }
        }
        s
    }

    #[test]
    fn presses_cycle_the_letters_of_a_key_and_a_pause_starts_a_new_one() {
        // "Ța": 8×4 → ț (capital at the start), 2 → a.
        assert_eq!(type_keys(&[(8, 0), (8, 100), (8, 200), (8, 300), (2, 400)], Lang::Ro), "Ța");
        // "ss": the same key twice needs a pause.
        let s =
            type_keys(&[(7, 0), (7, 100), (7, 200), (7, 300), (7, 1400), (7, 1500), (7, 1600), (7, 1700)], Lang::Ro);
        assert_eq!(s, "Ss");
        // Cycling wraps around past the digit.
        assert_eq!(type_keys(&[(5, 0), (5, 10), (5, 20), (5, 30), (5, 40)], Lang::Ro), "J");
    }

    #[test]
    fn romanian_and_hungarian_letters_are_on_their_keys() {
        for (c, lang, key, n) in [
            ('ă', Lang::Ro, 2, 4),
            ('â', Lang::Ro, 2, 5),
            ('î', Lang::Ro, 4, 4),
            ('ș', Lang::Ro, 7, 5),
            ('ț', Lang::Ro, 8, 4),
            ('ő', Lang::Hu, 6, 6),
            ('ű', Lang::Hu, 8, 6),
            (' ', Lang::En, 0, 1),
            ('@', Lang::En, 1, 6),
        ] {
            assert_eq!(presses_for(c, lang), Some((key, n)), "{c}");
        }
        assert_eq!(presses_for('ș', Lang::En), None, "English keys carry no Romanian letters");
    }

    #[test]
    fn a_sentence_starts_with_a_capital() {
        assert!(starts_sentence(""));
        assert!(starts_sentence("Da. "));
        assert!(!starts_sentence("Da."));
        assert!(!starts_sentence("Da "));
    }
}
