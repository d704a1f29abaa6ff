//! The intake's web texts (staff inbox: Romanian and English; the citizen's
//! status page: Romanian, English, Hungarian), from `texts/*.toml`. A key
//! missing in a language falls back to Romanian, the registry's language.
//! A leaf: pages ask it for words, it knows nothing of pages.

use crate::i18n::Lang;
use std::collections::HashMap;
use std::sync::OnceLock;

type Table = HashMap<String, String>;

fn tables() -> &'static [(Lang, Table); 3] {
    static T: OnceLock<[(Lang, Table); 3]> = OnceLock::new();
    T.get_or_init(|| {
        let parse = |s: &str| toml::from_str::<Table>(s).expect("the intake's texts are valid TOML");
        [
            (Lang::Ro, parse(include_str!("texts/ro.toml"))),
            (Lang::En, parse(include_str!("texts/en.toml"))),
            (Lang::Hu, parse(include_str!("texts/hu.toml"))),
        ]
    })
}

/// The words of one page in one language.
#[derive(Debug, Clone, Copy)]
pub struct Words {
    pub lang: Lang,
}

impl Words {
    pub fn new(lang: Lang) -> Words {
        Words { lang }
    }

    /// The text for `key`; Romanian when this language lacks it; the key itself when both do.
    pub fn get<'a>(&self, key: &'a str) -> &'a str {
        let t = tables();
        let find = |l: Lang| t.iter().find(|(x, _)| *x == l).and_then(|(_, m)| m.get(key));
        find(self.lang).or_else(|| find(Lang::Ro)).map(|s| s.as_str()).unwrap_or(key)
    }

    /// [`Words::get`] with `{name}` placeholders filled in.
    pub fn fmt(&self, key: &str, args: &[(&str, &str)]) -> String {
        let mut s = self.get(key).to_owned();
        for (k, v) in args {
            s = s.replace(&format!("{{{k}}}"), v);
        }
        s
    }

    /// A stage's name, from the kiosk's texts (the same words on the panel and the web).
    pub fn stage(&self, stage: &crate::wire::api::Stage) -> String {
        crate::i18n::Texts::builtin().get(self.lang, stage.text_key()).to_owned()
    }

    /// The page's `lang` attribute.
    pub fn code(&self) -> &'static str {
        match self.lang {
            Lang::Ro => "ro",
            Lang::En => "en",
            Lang::Hu => "hu",
        }
    }
}

/// The language to answer in: `?lang=` first, then the browser's
/// `Accept-Language` (in its order), among `offered`; else the first offered.
pub fn choose(query: Option<&str>, accept_language: Option<&str>, offered: &[Lang]) -> Lang {
    let parse = |s: &str| match s.trim().split(['-', '_', ';']).next().unwrap_or("").to_ascii_lowercase().as_str() {
        "ro" => Some(Lang::Ro),
        "en" => Some(Lang::En),
        "hu" => Some(Lang::Hu),
        _ => None,
    };
    if let Some(l) = query.and_then(parse).filter(|l| offered.contains(l)) {
        return l;
    }
    if let Some(al) = accept_language {
        let mut prefs: Vec<(f32, Lang)> = al
            .split(',')
            .filter_map(|part| {
                let q = part.split(";q=").nth(1).and_then(|q| q.trim().parse().ok()).unwrap_or(1.0);
                Some((q, parse(part)?))
            })
            .filter(|(q, l)| *q > 0.0 && offered.contains(l))
            .collect();
        prefs.sort_by(|a, b| b.0.total_cmp(&a.0));
        if let Some((_, l)) = prefs.first() {
            return *l;
        }
    }
    offered[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_comes_from_the_switch_then_the_browser() {
        let all = [Lang::Ro, Lang::En, Lang::Hu];
        assert_eq!(choose(Some("en"), Some("hu"), &all), Lang::En);
        assert_eq!(choose(None, Some("de-DE, hu;q=0.8, en;q=0.5"), &all), Lang::Hu);
        assert_eq!(choose(None, Some("hu"), &[Lang::Ro, Lang::En]), Lang::Ro);
        assert_eq!(choose(None, None, &all), Lang::Ro);
    }

    #[test]
    fn every_language_names_itself() {
        for l in [Lang::Ro, Lang::En, Lang::Hu] {
            assert_ne!(Words::new(l).get("lang_name"), "lang_name");
        }
        assert_eq!(Words::new(Lang::Hu).get("sign_in"), "Intră");
    }
}
