//! The tactile keypad and the headphone jack: input for citizens who cannot
//! see the screen. A USB numeric keypad (or an audio keypad, or any USB
//! keyboard) is read through evdev and *grabbed*, like the keyboard-wedge
//! scanner, so its keys reach only the kiosk's focus model; the sound card's
//! jack reports headphones through `SW_HEADPHONE_INSERT` on its own evdev
//! device (read, not grabbed: the sound system may want it too). A simulated
//! keypad and jack serve the demo and the tests; the configuration chooses.
//!
//! Which key does what is configuration (`[devices.keypad] keys`), with a
//! default for the common 4×5 numeric keypad (see [`KeyMap::default`]); the
//! decoding ([`KeyDecoder`]) is pure and tested without a device.

pub use crate::keys::KeypadKey;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::{mpsc, Mutex};
use std::time::{Duration, Instant};

/// What the keypad device reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    Key(KeypadKey),
    /// Headphones in (true) or out of the jack.
    Headphones(bool),
}

pub trait Keypad: Send + Sync {
    /// The next key or jack change, waiting at most `timeout`.
    fn next_input(&self, timeout: Duration) -> Option<Input>;
}

/// Configuration (`[devices.keypad]` in the kiosk's TOML file), owned here; `config` only composes it.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(tag = "driver", rename_all = "kebab-case", deny_unknown_fields)]
pub enum KeypadConfig {
    /// No keypad on this panel.
    #[default]
    None,
    /// Keys and the jack from [`SimulatedKeypad::press`] and [`SimulatedKeypad::plug`].
    Simulated,
    /// evdev devices (`/dev/input/by-id/…-event-kbd`), grabbed; `jack` is the
    /// sound card's switch device (`/dev/input/by-path/…`), if it has one.
    Evdev {
        devices: Vec<PathBuf>,
        #[serde(default)]
        jack: Option<PathBuf>,
        /// Key name (`KEY_KP8`) → action (`prev`), over the default map.
        #[serde(default)]
        keys: BTreeMap<String, String>,
        /// Held this long, `hold_key` toggles audio mode.
        #[serde(default = "default_hold_key")]
        hold_key: String,
        #[serde(default = "default_hold_ms")]
        hold_ms: u64,
    },
}

fn default_hold_key() -> String {
    "KEY_KP5".into()
}
fn default_hold_ms() -> u64 {
    2000
}

/// Linux key codes the default map uses.
mod code {
    pub const ESC: u16 = 1;
    pub const BACKSPACE: u16 = 14;
    pub const TAB: u16 = 15;
    pub const ENTER: u16 = 28;
    pub const LEFT_SHIFT: u16 = 42;
    pub const RIGHT_SHIFT: u16 = 54;
    pub const KP_ASTERISK: u16 = 55;
    pub const NUM_LOCK: u16 = 69;
    pub const KP7: u16 = 71;
    pub const KP8: u16 = 72;
    pub const KP9: u16 = 73;
    pub const KP_MINUS: u16 = 74;
    pub const KP4: u16 = 75;
    pub const KP5: u16 = 76;
    pub const KP6: u16 = 77;
    pub const KP_PLUS: u16 = 78;
    pub const KP1: u16 = 79;
    pub const KP2: u16 = 80;
    pub const KP3: u16 = 81;
    pub const KP0: u16 = 82;
    pub const KP_DOT: u16 = 83;
    pub const F1: u16 = 59;
    pub const F2: u16 = 60;
    pub const KP_ENTER: u16 = 96;
    pub const KP_SLASH: u16 = 98;
    pub const UP: u16 = 103;
    pub const LEFT: u16 = 105;
    pub const RIGHT: u16 = 106;
    pub const DOWN: u16 = 108;
    pub const PAGE_UP: u16 = 104;
    pub const PAGE_DOWN: u16 = 109;
}

/// Key code → action, and the key that, held, toggles audio mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyMap {
    pub keys: BTreeMap<u16, KeypadKey>,
    pub hold: u16,
    pub hold_for: Duration,
}

impl Default for KeyMap {
    /// The 4×5 numeric keypad: digits (5 has the tactile mark), Enter, + next,
    /// − back, * repeat, / help, . delete, Num Lock capital; on a full
    /// keyboard also Tab, arrows, Esc, Backspace, F1 help, F2 repeat, Page
    /// Up/Down volume, and its letters typed as they are.
    fn default() -> Self {
        use code::*;
        let mut keys = BTreeMap::new();
        for (c, d) in
            [(KP0, 0), (KP1, 1), (KP2, 2), (KP3, 3), (KP4, 4), (KP5, 5), (KP6, 6), (KP7, 7), (KP8, 8), (KP9, 9)]
        {
            keys.insert(c, KeypadKey::Digit(d));
        }
        for (c, a) in [
            (KP_ENTER, KeypadKey::Enter),
            (ENTER, KeypadKey::Enter),
            (KP_PLUS, KeypadKey::Next),
            (TAB, KeypadKey::Next),
            (DOWN, KeypadKey::Next),
            (UP, KeypadKey::Prev),
            (LEFT, KeypadKey::Left),
            (RIGHT, KeypadKey::Right),
            (KP_MINUS, KeypadKey::Back),
            (ESC, KeypadKey::Back),
            (KP_DOT, KeypadKey::Delete),
            (BACKSPACE, KeypadKey::Delete),
            (KP_ASTERISK, KeypadKey::Repeat),
            (F2, KeypadKey::Repeat),
            (KP_SLASH, KeypadKey::Help),
            (F1, KeypadKey::Help),
            (NUM_LOCK, KeypadKey::Shift),
            (PAGE_UP, KeypadKey::VolumeUp),
            (PAGE_DOWN, KeypadKey::VolumeDown),
        ] {
            keys.insert(c, a);
        }
        KeyMap { keys, hold: KP5, hold_for: Duration::from_millis(2000) }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyMapError {
    #[error("[devices.keypad] keys: `{0}` is not a Linux key name (like KEY_KP8)")]
    Key(String),
    #[error("[devices.keypad] keys: `{0}` is not an action (next, prev, enter, back, left, right, delete, repeat, help, volume-up, volume-down, rate-up, rate-down, shift, audio-hold, or a digit 0-9)")]
    KeypadKey(String),
}

impl KeyMap {
    /// The default map with the configured keys over it.
    pub fn from_config(keys: &BTreeMap<String, String>, hold_key: &str, hold_ms: u64) -> Result<KeyMap, KeyMapError> {
        let mut map = KeyMap::default();
        let code = |name: &str| {
            evdev::KeyCode::from_str(name).map(|k| k.code()).map_err(|_| KeyMapError::Key(name.to_owned()))
        };
        for (name, action) in keys {
            let a = match action.parse::<u8>() {
                Ok(d) if d <= 9 => KeypadKey::Digit(d),
                _ => toml::Value::String(action.clone())
                    .try_into::<KeypadKey>()
                    .map_err(|_| KeyMapError::KeypadKey(action.clone()))?,
            };
            map.keys.insert(code(name)?, a);
        }
        map.hold = code(hold_key)?;
        map.hold_for = Duration::from_millis(hold_ms);
        Ok(map)
    }
}

/// Turns key events into actions: a mapped key acts when pressed (the hold
/// key when released, or as `AudioHold` once held long enough); an unmapped
/// key of a full keyboard types its character.
#[derive(Debug)]
pub struct KeyDecoder {
    map: KeyMap,
    shift: bool,
    held_since: Option<Duration>,
    hold_fired: bool,
}

impl KeyDecoder {
    pub fn new(map: KeyMap) -> KeyDecoder {
        KeyDecoder { map, shift: false, held_since: None, hold_fired: false }
    }

    /// `value`: 1 press, 0 release, 2 auto-repeat; `at`: when (any clock).
    pub fn key(&mut self, code: u16, value: i32, at: Duration) -> Option<KeypadKey> {
        if matches!(code, code::LEFT_SHIFT | code::RIGHT_SHIFT) {
            self.shift = value != 0;
            return None;
        }
        if code == self.map.hold {
            match value {
                1 => {
                    self.held_since = Some(at);
                    self.hold_fired = false;
                    return None;
                }
                _ => {
                    let held = self.held_since.map(|s| at.saturating_sub(s)).unwrap_or_default();
                    if held >= self.map.hold_for && !self.hold_fired {
                        self.hold_fired = true;
                        return Some(KeypadKey::AudioHold);
                    }
                    if value == 0 {
                        self.held_since = None;
                        if !self.hold_fired {
                            return self.map.keys.get(&code).copied();
                        }
                    }
                    return None;
                }
            }
        }
        if value != 1 {
            return None;
        }
        if code == code::TAB && self.shift {
            return Some(KeypadKey::Prev);
        }
        if let Some(a) = self.map.keys.get(&code) {
            return Some(*a);
        }
        let mut decoder = super::wedge::WedgeDecoder::default();
        if self.shift {
            decoder.key(code::LEFT_SHIFT, 1);
        }
        decoder.key(code, 1).filter(|b| !b.is_ascii_control()).map(|b| KeypadKey::Char(char::from(b)))
    }
}

/// Keys and jack changes the demo and tests inject.
pub struct SimulatedKeypad {
    tx: Mutex<mpsc::Sender<Input>>,
    rx: Mutex<mpsc::Receiver<Input>>,
}

impl Default for SimulatedKeypad {
    fn default() -> Self {
        let (tx, rx) = mpsc::channel();
        SimulatedKeypad { tx: Mutex::new(tx), rx: Mutex::new(rx) }
    }
}

impl SimulatedKeypad {
    pub fn press(&self, action: KeypadKey) {
        let _ = self.tx.lock().unwrap_or_else(|p| p.into_inner()).send(Input::Key(action));
    }
    /// Headphones into (true) or out of the simulated jack.
    pub fn plug(&self, plugged: bool) {
        let _ = self.tx.lock().unwrap_or_else(|p| p.into_inner()).send(Input::Headphones(plugged));
    }
}

impl Keypad for SimulatedKeypad {
    fn next_input(&self, timeout: Duration) -> Option<Input> {
        self.rx.lock().unwrap_or_else(|p| p.into_inner()).recv_timeout(timeout).ok()
    }
}

/// No keypad: nothing ever comes.
pub struct NoKeypad;

impl Keypad for NoKeypad {
    fn next_input(&self, timeout: Duration) -> Option<Input> {
        std::thread::sleep(timeout);
        None
    }
}

/// Grabbed evdev keyboards and a jack switch, each read on its own thread.
pub struct EvdevKeypad {
    rx: Mutex<mpsc::Receiver<Input>>,
}

impl EvdevKeypad {
    pub fn start(devices: Vec<PathBuf>, jack: Option<PathBuf>, map: KeyMap) -> EvdevKeypad {
        let (tx, rx) = mpsc::channel();
        for path in devices {
            let (tx, map) = (tx.clone(), map.clone());
            std::thread::Builder::new()
                .name("keypad".into())
                .spawn(move || read_keys(path, map, tx))
                .expect("the keypad thread starts");
        }
        if let Some(path) = jack {
            std::thread::Builder::new()
                .name("jack".into())
                .spawn(move || read_jack(path, tx))
                .expect("the jack thread starts");
        }
        EvdevKeypad { rx: Mutex::new(rx) }
    }
}

impl Keypad for EvdevKeypad {
    fn next_input(&self, timeout: Duration) -> Option<Input> {
        self.rx.lock().unwrap_or_else(|p| p.into_inner()).recv_timeout(timeout).ok()
    }
}

/// Opens `path` again and again until it works (a keypad unplugged and plugged back).
fn reopen(path: &PathBuf, grab: bool) -> evdev::Device {
    let mut backoff = Duration::from_millis(200);
    let mut warned = false;
    loop {
        let opened = evdev::Device::open(path).and_then(|mut d| if grab { d.grab().map(|_| d) } else { Ok(d) });
        match opened {
            Ok(d) => return d,
            Err(e) => {
                if !warned {
                    tracing::warn!(device = %path.display(), error = %e, "keypad device not available; retrying");
                    warned = true;
                }
                std::thread::sleep(backoff);
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        }
    }
}

fn read_keys(path: PathBuf, map: KeyMap, tx: mpsc::Sender<Input>) {
    let start = Instant::now();
    loop {
        let mut dev = reopen(&path, true);
        let mut decoder = KeyDecoder::new(map.clone());
        loop {
            let events = match dev.fetch_events() {
                Ok(evs) => evs.collect::<Vec<_>>(),
                Err(e) => {
                    tracing::warn!(device = %path.display(), error = %e, "keypad lost");
                    break;
                }
            };
            for ev in events {
                if ev.event_type() != evdev::EventType::KEY {
                    continue;
                }
                if let Some(a) = decoder.key(ev.code(), ev.value(), start.elapsed()) {
                    if tx.send(Input::Key(a)).is_err() {
                        return;
                    }
                }
            }
        }
    }
}

fn read_jack(path: PathBuf, tx: mpsc::Sender<Input>) {
    let sw = evdev::SwitchCode::SW_HEADPHONE_INSERT;
    loop {
        let mut dev = reopen(&path, false);
        // Headphones already in when the kiosk starts count too.
        if let Ok(state) = dev.get_switch_state() {
            if state.contains(sw) && tx.send(Input::Headphones(true)).is_err() {
                return;
            }
        }
        loop {
            let events = match dev.fetch_events() {
                Ok(evs) => evs.collect::<Vec<_>>(),
                Err(_) => break,
            };
            for ev in events {
                if let Some(plugged) = jack_event(ev.event_type().0, ev.code(), ev.value()) {
                    if tx.send(Input::Headphones(plugged)).is_err() {
                        return;
                    }
                }
            }
        }
    }
}

/// A jack change in an evdev event (`EV_SW`, `SW_HEADPHONE_INSERT`), if it is one.
pub fn jack_event(kind: u16, code: u16, value: i32) -> Option<bool> {
    (kind == evdev::EventType::SWITCH.0 && code == evdev::SwitchCode::SW_HEADPHONE_INSERT.0).then_some(value != 0)
}

pub fn from_config(cfg: &KeypadConfig) -> Result<std::sync::Arc<dyn Keypad>, KeyMapError> {
    Ok(match cfg {
        KeypadConfig::None => std::sync::Arc::new(NoKeypad),
        KeypadConfig::Simulated => std::sync::Arc::new(SimulatedKeypad::default()),
        KeypadConfig::Evdev { devices, jack, keys, hold_key, hold_ms } => std::sync::Arc::new(EvdevKeypad::start(
            devices.clone(),
            jack.clone(),
            KeyMap::from_config(keys, hold_key, *hold_ms)?,
        )),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn the_numeric_keypad_gives_digits_and_its_own_keys() {
        let mut d = KeyDecoder::new(KeyMap::default());
        assert_eq!(d.key(code::KP2, 1, ms(0)), Some(KeypadKey::Digit(2)));
        assert_eq!(d.key(code::KP2, 0, ms(10)), None, "a release does nothing");
        assert_eq!(d.key(code::KP_ENTER, 1, ms(20)), Some(KeypadKey::Enter));
        assert_eq!(d.key(code::KP_MINUS, 1, ms(30)), Some(KeypadKey::Back));
        assert_eq!(d.key(code::KP_ASTERISK, 1, ms(40)), Some(KeypadKey::Repeat));
        assert_eq!(d.key(code::KP_DOT, 1, ms(50)), Some(KeypadKey::Delete));
        // A full keyboard types its letters; Shift+Tab goes back.
        assert_eq!(d.key(30, 1, ms(60)), Some(KeypadKey::Char('a')));
        d.key(code::LEFT_SHIFT, 1, ms(70));
        assert_eq!(d.key(30, 1, ms(80)), Some(KeypadKey::Char('A')));
        assert_eq!(d.key(code::TAB, 1, ms(90)), Some(KeypadKey::Prev));
    }

    #[test]
    fn five_pressed_is_a_five_and_held_two_seconds_is_audio_mode() {
        let mut d = KeyDecoder::new(KeyMap::default());
        assert_eq!(d.key(code::KP5, 1, ms(0)), None, "the hold key acts on release");
        assert_eq!(d.key(code::KP5, 0, ms(150)), Some(KeypadKey::Digit(5)));
        assert_eq!(d.key(code::KP5, 1, ms(1000)), None);
        assert_eq!(d.key(code::KP5, 2, ms(2000)), None, "auto-repeat before two seconds");
        assert_eq!(d.key(code::KP5, 2, ms(3050)), Some(KeypadKey::AudioHold));
        assert_eq!(d.key(code::KP5, 2, ms(3100)), None, "once per hold");
        assert_eq!(d.key(code::KP5, 0, ms(3200)), None, "and no 5 on release");
    }

    #[test]
    fn the_configuration_remaps_keys_and_names_its_mistakes() {
        let keys = BTreeMap::from([("KEY_KP8".to_owned(), "next".to_owned()), ("KEY_F5".to_owned(), "7".to_owned())]);
        let map = KeyMap::from_config(&keys, "KEY_KPENTER", 1500).unwrap();
        assert_eq!(map.keys[&code::KP8], KeypadKey::Next);
        assert_eq!(map.keys[&63], KeypadKey::Digit(7));
        assert_eq!(map.hold, code::KP_ENTER);
        let bad = BTreeMap::from([("KEY_KP8".to_owned(), "jump".to_owned())]);
        assert_eq!(KeyMap::from_config(&bad, "KEY_KP5", 2000), Err(KeyMapError::KeypadKey("jump".into())));
        assert_eq!(KeyMap::from_config(&BTreeMap::new(), "KEY_NOPE", 2000), Err(KeyMapError::Key("KEY_NOPE".into())));
    }

    #[test]
    fn the_jack_switch_reports_headphones_in_and_out() {
        assert_eq!(jack_event(0x05, 0x02, 1), Some(true));
        assert_eq!(jack_event(0x05, 0x02, 0), Some(false));
        assert_eq!(jack_event(0x05, 0x04, 1), None, "the microphone switch is not headphones");
        assert_eq!(jack_event(0x01, 0x02, 1), None, "a key is not a switch");
        let sim = SimulatedKeypad::default();
        sim.plug(true);
        sim.press(KeypadKey::Next);
        assert_eq!(sim.next_input(ms(10)), Some(Input::Headphones(true)));
        assert_eq!(sim.next_input(ms(10)), Some(Input::Key(KeypadKey::Next)));
        assert_eq!(sim.next_input(ms(10)), None);
    }
}
