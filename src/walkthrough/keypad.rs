//! The scripted citizen who cannot see the screen: headphones in, then only
//! keypad keys (no pointer), and only what the kiosk says to find the way (it
//! never reads the screen or the UI tree). It files a petition, typing the
//! text by multi-tap, and writes everything it heard to `speech.txt`.
//!
//! What it knows beforehand is what a citizen knows: the names of the
//! things it wants ("Depune o cerere", "Petiție") in its language, and what
//! it wants to write for each question of the petition (looked up by the
//! question it hears, in the petition's definition).

use crate::devices::keypad::{KeypadKey, SimulatedKeypad};
use crate::devices::speech::Recorder;
use crate::forms::Catalogue;
use crate::i18n::{Lang, Texts};
use anyhow::{anyhow, bail, Result};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What a keypad walk did: the petition's code, how many keys it pressed,
/// and what it heard.
#[derive(Debug, Clone)]
pub struct KeypadWalk {
    pub tracking_code: String,
    pub status_message: String,
    pub presses: usize,
    pub heard: Vec<String>,
}

impl KeypadWalk {
    /// The spoken time, estimated from the words heard at espeak-ng's default
    /// 150 words a minute (what was cut off by the next key counts too).
    pub fn spoken_seconds(&self) -> f64 {
        let words: usize = self.heard.iter().map(|s| s.split_whitespace().count()).sum();
        words as f64 / 150.0 * 60.0
    }

    /// `speech.txt`: one utterance a line, in order.
    pub fn speech_txt(&self) -> String {
        let mut out = String::new();
        for s in &self.heard {
            out.push_str(&s.replace('\n', " "));
            out.push('\n');
        }
        out
    }
}

pub struct KeypadCitizen {
    keypad: Arc<SimulatedKeypad>,
    ears: Arc<Recorder>,
    texts: Texts,
    lang: Lang,
    catalogue: Catalogue,
    /// How much of what was said has been listened to.
    heard: usize,
    /// Where this citizen's listening began (the kiosk spoke to others before).
    start: usize,
    stops: usize,
    pub presses: usize,
}

impl KeypadCitizen {
    pub fn new(keypad: Arc<SimulatedKeypad>, ears: Arc<Recorder>, texts: Texts, lang: Lang) -> KeypadCitizen {
        let heard = ears.sentences().len();
        let stops = ears.stops.load(Ordering::Relaxed);
        KeypadCitizen {
            keypad,
            ears,
            texts,
            lang,
            catalogue: Catalogue::builtin(),
            heard,
            start: heard,
            stops,
            presses: 0,
        }
    }

    fn t(&self, key: &str) -> String {
        self.texts.get(self.lang, key).to_owned()
    }

    /// Everything said since the last listen.
    fn listen(&mut self) -> Vec<String> {
        let all = self.ears.sentences();
        let new = all[self.heard.min(all.len())..].to_vec();
        self.heard = all.len();
        new
    }

    /// Waits until something new is said (or the kiosk stops speaking
    /// because there is nothing to say) and returns it.
    fn hear(&mut self, timeout: Duration) -> Result<Vec<String>> {
        let start = Instant::now();
        loop {
            let new = self.listen();
            let stops = self.ears.stops.load(Ordering::Relaxed);
            if !new.is_empty() {
                self.stops = stops;
                return Ok(new);
            }
            if stops != self.stops {
                self.stops = stops;
                return Ok(vec![]);
            }
            if start.elapsed() > timeout {
                bail!("heard nothing for {timeout:?}");
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Waits until a sentence satisfying `what` is said.
    fn hear_until(&mut self, timeout: Duration, desc: &str, what: impl Fn(&str) -> bool) -> Result<String> {
        let start = Instant::now();
        let mut said = vec![];
        loop {
            let left = timeout.saturating_sub(start.elapsed());
            if left.is_zero() {
                bail!("never heard {desc}; heard {said:?}");
            }
            for s in self.hear(left).unwrap_or_default() {
                if what(&s) {
                    return Ok(s);
                }
                said.push(s);
            }
        }
    }

    /// Presses a key and returns what the kiosk said to it.
    pub fn press(&mut self, a: KeypadKey) -> Result<Vec<String>> {
        self.listen();
        self.presses += 1;
        self.keypad.press(a);
        self.hear(Duration::from_secs(10)).map_err(|e| anyhow!("after {a:?}: {e}"))
    }

    /// Plugs headphones in: audio mode, with its key guide.
    pub fn plug_in(&mut self) -> Result<()> {
        self.listen();
        self.keypad.plug(true);
        // The kiosk starts in its first language; the guide comes in it.
        let guides = [self.t("kp_audio_on"), self.texts.get(Lang::Ro, "kp_audio_on").to_owned()];
        self.hear_until(Duration::from_secs(10), "the audio mode's key guide", |s| guides.iter().any(|g| g == s))?;
        Ok(())
    }

    /// Moves with 2 (next) until the control that takes the focus is
    /// announced as `label`; returns its whole announcement.
    pub fn find(&mut self, label: &str) -> Result<String> {
        let want = format!("{label}, ");
        let mut seen = vec![];
        for _ in 0..80 {
            let said = self.press(KeypadKey::Digit(2))?;
            if let Some(s) = said.iter().find(|s| s.starts_with(&want)) {
                return Ok(s.clone());
            }
            if let Some(s) = said.last() {
                if seen.contains(s) {
                    bail!("went round the whole screen without hearing `{label}`; heard {seen:?}");
                }
                seen.push(s.clone());
            }
        }
        bail!("could not find `{label}`")
    }

    /// Finds `label` and activates it (5, the key with the tactile mark).
    pub fn choose(&mut self, label: &str) -> Result<Vec<String>> {
        self.find(label)?;
        self.press(KeypadKey::Digit(5))
    }

    /// Types `text` by multi-tap, waiting when the next letter is on the
    /// same key; checks each letter is said back.
    pub fn type_text(&mut self, text: &str) -> Result<()> {
        let mut last_key = None;
        for c in text.chars() {
            let (key, n) = crate::app::multitap::presses_for(c, self.lang)
                .ok_or_else(|| anyhow!("`{c}` is on no key in {:?}", self.lang))?;
            if last_key == Some(key) {
                std::thread::sleep(Duration::from_millis(crate::app::multitap::PAUSE_MS as u64 + 100));
            }
            let mut echo = vec![];
            for _ in 0..n {
                echo = self.press(KeypadKey::Digit(key))?;
            }
            let expect = if c == ' ' { self.t("key_space") } else { c.to_string() };
            let ok = echo.iter().any(|s| s.to_lowercase() == expect.to_lowercase());
            if !ok {
                bail!("typed `{c}` and heard {echo:?}");
            }
            last_key = Some(key);
        }
        Ok(())
    }

    /// The petition's question announced as `heard`, and what to answer.
    fn answer_for(&self, heard: &str) -> Option<(crate::forms::FieldKind, String)> {
        let form = self.catalogue.get("petitie")?;
        let f = form.fields.iter().find(|f| heard.starts_with(&format!("{}, ", f.label.get(self.lang))))?;
        let text = match f.id.as_str() {
            "localitate" if self.lang == Lang::Ro => "Ploiești",
            "localitate" => "Ploiesti",
            "adresa" => "Str. Toamnei 5",
            "continut" => match self.lang {
                Lang::Hu => "Kérem javítsák meg a közvilágítást.",
                Lang::En => "Please repair the street lights.",
                Lang::Ro => "Vă rog reparați iluminatul public.",
            },
            "judet" => "pra",
            _ => "",
        };
        Some((f.kind, text.to_owned()))
    }

    /// Goes through the form control by control, answering every required
    /// question heard as empty, then «Continuă» until the review is announced.
    fn fill_form(&mut self) -> Result<()> {
        let required = self.t("a11y_required");
        let empty = format!(", {}, ", self.t("state_empty"));
        let unsigned = self.t("state_unsigned");
        let cont = format!("{}, ", self.t("continue"));
        let review = self.t("review_title");
        for _ in 0..120 {
            let said = self.press(KeypadKey::Digit(2))?;
            let Some(now) = said.last().cloned() else { continue };
            if now.starts_with(&cont) {
                let after = self.press(KeypadKey::Digit(5))?;
                if after.iter().any(|s| s == &review) {
                    return Ok(());
                }
                continue;
            }
            let needs = now.contains(&format!(", {required}, ")) && (now.contains(&empty) || now.contains(&unsigned));
            if !needs {
                continue;
            }
            let Some((kind, text)) = self.answer_for(&now) else { bail!("a question it cannot answer: {now}") };
            use crate::forms::FieldKind as K;
            match kind {
                K::Choice | K::YesNo => {
                    self.press(KeypadKey::Digit(6))?;
                }
                K::Signature => {
                    self.press(KeypadKey::Digit(5))?;
                }
                K::County => {
                    self.press(KeypadKey::Digit(5))?;
                    for c in text.chars() {
                        let (key, n) = crate::app::multitap::presses_for(c, self.lang).expect("letters");
                        std::thread::sleep(Duration::from_millis(crate::app::multitap::PAUSE_MS as u64 + 100));
                        for _ in 0..n {
                            self.press(KeypadKey::Digit(key))?;
                        }
                    }
                    self.press(KeypadKey::Enter)?;
                }
                _ => {
                    self.press(KeypadKey::Digit(5))?;
                    self.type_text(&text)?;
                    self.press(KeypadKey::Enter)?;
                }
            }
        }
        bail!("never reached the review")
    }

    /// The whole petition, by keypad and ear; `wait_registered`: how long to
    /// ask the status until the registry has it.
    pub fn petition(&mut self, wait_registered: Duration) -> Result<KeypadWalk> {
        self.plug_in()?;
        // A little louder (7 and 9 on the keypad); the next citizen starts at the default again.
        let louder = self.press(KeypadKey::Digit(9))?;
        let expect = self.texts.fmt(Lang::Ro, "kp_volume", &[("level", "6")]);
        if louder != [expect.clone()] {
            bail!("9 said {louder:?}, not `{expect}`");
        }
        if self.lang != Lang::Ro {
            // The kiosk starts in Romanian: the language is a control like any other.
            self.choose(self.lang.native_name())?;
        }
        let catalogue_title = self.t("catalogue_title");
        let said = self.choose(&self.t("start"))?;
        if !said.iter().any(|s| s.starts_with(&catalogue_title)) {
            bail!("«{}» did not open the catalogue: {said:?}", self.t("start"));
        }
        let petition = self.catalogue.get("petitie").expect("the petition ships").title.get(self.lang).to_owned();
        self.choose(&petition)?;
        // The ID card: its result is said, the CNP only when asked.
        let said = self.choose(&self.t("scan_id"))?;
        let confirm = self.t("scan_confirm_title");
        if !said.iter().any(|s| s.starts_with(&confirm)) {
            self.hear_until(Duration::from_secs(35), "the card read", |s| s.starts_with(&confirm))?;
        }
        let cnp = self.choose(&self.t("scan_cnp"))?;
        if !cnp.iter().any(|s| s.split(' ').filter(|d| d.len() == 1).count() == 13) {
            bail!("the CNP was not read digit by digit: {cnp:?}");
        }
        self.choose(&self.t("scan_confirm_yes"))?;
        self.fill_form()?;
        self.choose(&self.t("consent_label"))?;
        let receipt_title = self.t("receipt_title");
        let said = self.choose(&self.t("submit"))?;
        let announced = match said.iter().find(|s| s.starts_with(&receipt_title)) {
            Some(s) => s.clone(),
            None => self.hear_until(Duration::from_secs(15), "the receipt", |s| s.starts_with(&receipt_title))?,
        };
        // The code, character by character, and again on request.
        let label = self.t("receipt_code_label");
        let spelled = announced
            .split(&format!("{label}: "))
            .nth(1)
            .and_then(|rest| rest.split('.').next())
            .ok_or_else(|| anyhow!("no code in `{announced}`"))?
            .to_owned();
        let code = crate::wire::tracking::parse(&spelled).map_err(|e| anyhow!("heard code `{spelled}`: {e}"))?;
        let again = self.press(KeypadKey::Repeat)?;
        if !again.iter().any(|s| s.contains(&spelled)) {
            bail!("«repeat» did not say the code again: {again:?}");
        }
        // Asks the status until the registry has it.
        let registered = self.t("status_registered");
        let registered = registered.split('{').next().unwrap_or(&registered).trim().to_owned();
        let pending = self.t("status_pending");
        let is_answer = |s: &str| s.starts_with(&registered) || s.starts_with(&pending);
        let mut said = self.choose(&self.t("check_status"))?;
        let start = Instant::now();
        let status_message = loop {
            // The answer may come with the key's own announcement, or after it.
            let s = match said.iter().find(|s| is_answer(s)) {
                Some(s) => s.clone(),
                None => self.hear_until(Duration::from_secs(10), "a status answer", is_answer)?,
            };
            if s.starts_with(&registered) {
                break s;
            }
            if start.elapsed() > wait_registered {
                bail!("the registry never had {code}: {s}");
            }
            std::thread::sleep(Duration::from_millis(300));
            said = self.choose(&self.t("status_search"))?;
        };
        self.choose(&self.t("finish"))?;
        Ok(KeypadWalk {
            tracking_code: code,
            status_message,
            presses: self.presses,
            heard: self.ears.sentences().split_off(self.start),
        })
    }
}
