//! Spoken guidance for people who cannot read the screen: a small trait with
//! a real driver (espeak-ng, in the citizen's language) and a simulated one
//! that records what would have been said (tests, demo without sound).
//!
//! Speaking never blocks the caller: utterances go to a thread that runs
//! espeak-ng, and a new utterance cuts off the one still playing, so the
//! panel answers a touch at once instead of finishing an old sentence.

use crate::i18n::Lang;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

/// Configuration (`[devices.…]` in the kiosk's TOML file), owned here; `config` only composes it.
/// Spoken guidance ("Asistență vocală"), when the citizen turns it on.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "driver", rename_all = "kebab-case", deny_unknown_fields)]
pub enum SpeechConfig {
    /// espeak-ng on the default audio output.
    EspeakNg {
        #[serde(default = "default_espeak")]
        program: PathBuf,
    },
    /// Records what would be said (tests).
    Simulated,
    /// No audio on this panel: the button is still there, nothing is said.
    Off,
}

impl Default for SpeechConfig {
    fn default() -> Self {
        SpeechConfig::EspeakNg { program: default_espeak() }
    }
}

fn default_espeak() -> PathBuf {
    PathBuf::from("espeak-ng")
}

pub trait Speaker: Send + Sync {
    /// Says `text` in `lang`, cutting off whatever is being said.
    fn say(&self, text: &str, lang: Lang);
    /// Says these sentences one after the other, cutting off whatever is being
    /// said (and whatever of an earlier batch is still to come).
    fn say_all(&self, texts: &[String], lang: Lang) {
        for t in texts {
            self.say(t, lang);
        }
    }
    /// Stops speaking at once: the citizen has moved on.
    fn stop(&self) {}
    /// The citizen's volume and rate, each a step 0..=10 (5: the default).
    fn set_voice(&self, _volume: u8, _rate: u8) {}
}

/// The espeak-ng voice for a language.
pub fn voice(lang: Lang) -> &'static str {
    match lang {
        Lang::Ro => "ro",
        Lang::En => "en",
        Lang::Hu => "hu",
    }
}

/// espeak-ng's amplitude (`-a`, 0..200, 100 normal) for a volume step 0..=10.
pub fn amplitude(step: u8) -> u32 {
    u32::from(step.min(10)) * 20
}

/// espeak-ng's words per minute (`-s`) for a rate step 0..=10: 80 to 220, 150 normal.
pub fn words_per_minute(step: u8) -> u32 {
    80 + u32::from(step.min(10)) * 14
}

enum Say {
    Batch(Vec<String>, Lang),
    Stop,
    Voice(u8, u8),
}

/// espeak-ng on the default audio output.
pub struct Espeak {
    tx: Mutex<mpsc::Sender<Say>>,
}

impl Espeak {
    pub fn new(program: PathBuf) -> Espeak {
        let (tx, rx) = mpsc::channel::<Say>();
        std::thread::Builder::new()
            .name("speech".into())
            .spawn(move || speak_loop(program, rx))
            .expect("the speech thread starts");
        Espeak { tx: Mutex::new(tx) }
    }

    fn send(&self, msg: Say) {
        let _ = self.tx.lock().unwrap_or_else(|p| p.into_inner()).send(msg);
    }
}

/// Speaks batches: a new batch (or a stop) kills the sentence playing and
/// drops the rest of the old batch, so nothing stale is ever said.
fn speak_loop(program: PathBuf, rx: mpsc::Receiver<Say>) {
    let (mut volume, mut rate) = (5u8, 5u8);
    let mut warned = false;
    let mut queue: std::collections::VecDeque<String> = Default::default();
    let mut lang = Lang::Ro;
    let mut current: Option<Child> = None;
    loop {
        // Waiting: for the next message when idle, or a short while when speaking.
        let msg = if current.is_none() && queue.is_empty() {
            match rx.recv() {
                Ok(m) => Some(m),
                Err(_) => return,
            }
        } else {
            match rx.recv_timeout(std::time::Duration::from_millis(20)) {
                Ok(m) => Some(m),
                Err(mpsc::RecvTimeoutError::Timeout) => None,
                Err(mpsc::RecvTimeoutError::Disconnected) => return,
            }
        };
        match msg {
            Some(Say::Batch(texts, l)) => {
                kill(&mut current);
                queue = texts.into();
                lang = l;
            }
            Some(Say::Stop) => {
                kill(&mut current);
                queue.clear();
            }
            Some(Say::Voice(v, r)) => (volume, rate) = (v, r),
            None => {}
        }
        if let Some(c) = current.as_mut() {
            if matches!(c.try_wait(), Ok(None)) {
                continue;
            }
            current = None;
        }
        let Some(text) = queue.pop_front() else { continue };
        match Command::new(&program)
            .args(["-v", voice(lang), "-a", &amplitude(volume).to_string(), "-s", &words_per_minute(rate).to_string()])
            .arg("--")
            .arg(&text)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
        {
            Ok(child) => current = Some(child),
            Err(e) if !warned => {
                warned = true;
                tracing::error!(program = %program.display(), error = %e, "speech unavailable");
            }
            Err(_) => {}
        }
    }
}

fn kill(current: &mut Option<Child>) {
    if let Some(mut c) = current.take() {
        let _ = c.kill();
        let _ = c.wait();
    }
}

impl Speaker for Espeak {
    fn say(&self, text: &str, lang: Lang) {
        self.send(Say::Batch(vec![text.to_owned()], lang));
    }
    fn say_all(&self, texts: &[String], lang: Lang) {
        self.send(Say::Batch(texts.to_vec(), lang));
    }
    fn stop(&self) {
        self.send(Say::Stop);
    }
    fn set_voice(&self, volume: u8, rate: u8) {
        self.send(Say::Voice(volume, rate));
    }
}

/// Renders `text` to a WAV file with espeak-ng (what the panel would say).
pub fn render_wav(program: &Path, text: &str, lang: Lang, out: &Path) -> std::io::Result<()> {
    let status = Command::new(program)
        .args(["-v", voice(lang), "-s", "150", "-w"])
        .arg(out)
        .arg("--")
        .arg(text)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()?;
    if status.success() {
        Ok(())
    } else {
        Err(std::io::Error::other(format!("{} exited with {status}", program.display())))
    }
}

/// Records what would be said; nothing is played.
#[derive(Default)]
pub struct Recorder {
    pub said: Mutex<Vec<(String, Lang)>>,
    /// How often speech was cut off, and the last volume and rate set.
    pub stops: std::sync::atomic::AtomicUsize,
    pub voice: Mutex<Option<(u8, u8)>>,
}

impl Recorder {
    /// What was said, in order.
    pub fn sentences(&self) -> Vec<String> {
        self.said.lock().unwrap_or_else(|p| p.into_inner()).iter().map(|(s, _)| s.clone()).collect()
    }
}

impl Speaker for Recorder {
    fn say(&self, text: &str, lang: Lang) {
        self.said.lock().unwrap_or_else(|p| p.into_inner()).push((text.to_owned(), lang));
    }
    fn say_all(&self, texts: &[String], lang: Lang) {
        // One batch at once, so a listener never sees half of it.
        self.said.lock().unwrap_or_else(|p| p.into_inner()).extend(texts.iter().map(|t| (t.clone(), lang)));
    }
    fn stop(&self) {
        self.stops.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    fn set_voice(&self, volume: u8, rate: u8) {
        *self.voice.lock().unwrap_or_else(|p| p.into_inner()) = Some((volume, rate));
    }
}

/// No speech output on this panel.
pub struct Silent;

impl Speaker for Silent {
    fn say(&self, _: &str, _: Lang) {}
}

pub fn from_config(cfg: &SpeechConfig) -> Arc<dyn Speaker> {
    match cfg {
        SpeechConfig::EspeakNg { program } => Arc::new(Espeak::new(program.clone())),
        SpeechConfig::Simulated => Arc::new(Recorder::default()),
        SpeechConfig::Off => Arc::new(Silent),
    }
}
