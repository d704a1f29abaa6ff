//! The keypad's part of the session (focus, typing, voice,
//! audio mode): plain data shared by the session (`mod.rs`) and the keypad's
//! behaviour (`keypad.rs`), kept in a leaf so neither reaches back into the other.

use super::multitap::MultiTap;

pub use crate::keys::KeypadKey;

/// Speech volume and rate steps: 0..=STEPS, the middle by default.
pub const STEPS: u8 = 10;
const DEFAULT_STEP: u8 = 5;

/// The keypad's side of the session: where the focus is, whether a field
/// is being typed into, the voice the citizen chose. Wiped with the session.
#[derive(Debug, Clone, PartialEq)]
pub struct KeypadState {
    /// The focused control's id and its place (kept if it disappears).
    pub focus: Option<(String, usize)>,
    /// Typing into the focused field (digits are letters).
    pub editing: bool,
    pub tap: MultiTap,
    pub shift: bool,
    /// A long list (the counties) searched by its first letters.
    pub prefix: String,
    /// Audio mode: turned on by headphones or a key held 2 s.
    pub audio: bool,
    pub volume: u8,
    pub rate: u8,
    /// What a key asked to hear (help, the CNP, the voice's new level),
    /// said after the event; cleared by the next key.
    pub say: Vec<String>,
    /// The last key asked to hear again what was said last.
    pub repeat: bool,
}

impl Default for KeypadState {
    fn default() -> Self {
        KeypadState {
            focus: None,
            editing: false,
            tap: MultiTap::default(),
            shift: false,
            prefix: String::new(),
            audio: false,
            volume: DEFAULT_STEP,
            rate: DEFAULT_STEP,
            say: vec![],
            repeat: false,
        }
    }
}
