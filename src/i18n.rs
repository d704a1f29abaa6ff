//! UI texts per language. Romanian first; English and Hungarian beside it.
//!
//! Texts are flat `key = "text"` TOML files. The firmware carries defaults
//! (`ui/i18n/*.toml`); a municipality can override any of them from
//! `kiosk.texts_dir` without a rebuild. A key missing in a language falls back
//! to Romanian, so a half-translated file never shows an empty label.

use std::collections::HashMap;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Ro,
    En,
    Hu,
}

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::Ro, Lang::En, Lang::Hu];

    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "ro" => Some(Lang::Ro),
            "en" => Some(Lang::En),
            "hu" => Some(Lang::Hu),
            _ => None,
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ro => "ro",
            Lang::En => "en",
            Lang::Hu => "hu",
        }
    }
    /// The language's own name, as shown on the language switch.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::Ro => "Română",
            Lang::En => "English",
            Lang::Hu => "Magyar",
        }
    }
}

const BUILTIN: [(Lang, &str); 3] = [
    (Lang::Ro, include_str!("../ui/i18n/ro.toml")),
    (Lang::En, include_str!("../ui/i18n/en.toml")),
    (Lang::Hu, include_str!("../ui/i18n/hu.toml")),
];

#[derive(Debug, thiserror::Error)]
#[error("texts file {path}: {message}")]
pub struct TextsError {
    path: String,
    message: String,
}

/// All UI texts, every language.
#[derive(Debug, Clone)]
pub struct Texts {
    by_lang: HashMap<Lang, HashMap<String, String>>,
}

impl Texts {
    /// The texts the firmware ships.
    pub fn builtin() -> Texts {
        let mut by_lang = HashMap::new();
        for (lang, text) in BUILTIN {
            let map: HashMap<String, String> =
                toml::from_str(text).expect("built-in texts are valid TOML (checked by tests)");
            by_lang.insert(lang, map);
        }
        Texts { by_lang }
    }

    /// Built-in texts with the municipality's overrides from `dir/{ro,en,hu}.toml` on top.
    pub fn load(dir: Option<&Path>) -> Result<Texts, TextsError> {
        let mut texts = Texts::builtin();
        let Some(dir) = dir else { return Ok(texts) };
        for lang in Lang::ALL {
            let path = dir.join(format!("{}.toml", lang.code()));
            if !path.exists() {
                continue;
            }
            let err = |message: String| TextsError { path: path.display().to_string(), message };
            let text = std::fs::read_to_string(&path).map_err(|e| err(e.to_string()))?;
            let map: HashMap<String, String> = toml::from_str(&text).map_err(|e| err(e.to_string()))?;
            texts.by_lang.entry(lang).or_default().extend(map);
        }
        Ok(texts)
    }

    /// The text for `key` in `lang`, falling back to Romanian, then to the key itself.
    pub fn get<'a>(&'a self, lang: Lang, key: &'a str) -> &'a str {
        self.by_lang
            .get(&lang)
            .and_then(|m| m.get(key))
            .or_else(|| self.by_lang.get(&Lang::Ro).and_then(|m| m.get(key)))
            .map(String::as_str)
            .unwrap_or(key)
    }

    /// Like [`get`](Self::get), with `{name}` placeholders filled in.
    pub fn fmt(&self, lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
        let mut s = self.get(lang, key).to_owned();
        for (name, value) in args {
            s = s.replace(&format!("{{{name}}}"), value);
        }
        s
    }

    #[cfg(test)]
    fn keys(&self, lang: Lang) -> impl Iterator<Item = &String> {
        self.by_lang.get(&lang).into_iter().flat_map(|m| m.keys())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_every_romanian_key() {
        let t = Texts::builtin();
        for lang in [Lang::En, Lang::Hu] {
            let missing: Vec<_> = t.keys(Lang::Ro).filter(|k| !t.by_lang[&lang].contains_key(*k)).collect();
            assert!(missing.is_empty(), "{lang:?} lacks {missing:?}");
        }
    }

    #[test]
    fn romanian_texts_use_comma_below_letters_not_cedilla() {
        let t = Texts::builtin();
        for k in t.keys(Lang::Ro) {
            let v = t.get(Lang::Ro, k);
            assert!(!v.contains(['ş', 'ţ', 'Ş', 'Ţ']), "{k} uses a cedilla letter: {v}");
        }
    }

    #[test]
    fn overrides_replace_single_keys_and_keep_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ro.toml"), "home_welcome = \"Bun venit la Primăria Test\"\n").unwrap();
        let t = Texts::load(Some(dir.path())).unwrap();
        assert_eq!(t.get(Lang::Ro, "home_welcome"), "Bun venit la Primăria Test");
        assert_eq!(t.get(Lang::Ro, "submit"), Texts::builtin().get(Lang::Ro, "submit"));
    }

    #[test]
    fn placeholders_are_filled() {
        let t = Texts::builtin();
        let s = t.fmt(Lang::Ro, "status_registered", &[("number", "12"), ("date", "23.11.2026")]);
        assert!(s.contains("12") && s.contains("23.11.2026"), "{s}");
    }
}
