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
}

/// The espeak-ng voice for a language.
pub fn voice(lang: Lang) -> &'static str {
    match lang {
        Lang::Ro => "ro",
        Lang::En => "en",
        Lang::Hu => "hu",
    }
}

/// espeak-ng on the default audio output.
pub struct Espeak {
    tx: Mutex<mpsc::Sender<(String, Lang)>>,
}

impl Espeak {
    pub fn new(program: PathBuf) -> Espeak {
        let (tx, rx) = mpsc::channel::<(String, Lang)>();
        std::thread::Builder::new()
            .name("speech".into())
            .spawn(move || {
                let mut current: Option<Child> = None;
                let mut warned = false;
                while let Ok((mut text, mut lang)) = rx.recv() {
                    // Only the newest of a burst (fast typing) is worth saying.
                    while let Ok((t, l)) = rx.try_recv() {
                        (text, lang) = (t, l);
                    }
                    if let Some(mut c) = current.take() {
                        let _ = c.kill();
                        let _ = c.wait();
                    }
                    match Command::new(&program)
                        .args(["-v", voice(lang), "-s", "150", "--"])
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
            })
            .expect("the speech thread starts");
        Espeak { tx: Mutex::new(tx) }
    }
}

impl Speaker for Espeak {
    fn say(&self, text: &str, lang: Lang) {
        let _ = self.tx.lock().unwrap_or_else(|p| p.into_inner()).send((text.to_owned(), lang));
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
}

impl Speaker for Recorder {
    fn say(&self, text: &str, lang: Lang) {
        self.said.lock().unwrap_or_else(|p| p.into_inner()).push((text.to_owned(), lang));
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
