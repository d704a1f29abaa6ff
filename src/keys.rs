//! The keypad's keys as the session understands them: what a tactile keypad
//! or a keyboard key means (move, activate, type, voice). One vocabulary for
//! the device that reads key codes (`devices::keypad`, whose key map names
//! these in the configuration) and the session that acts on them
//! (`app::keypad`). Plain data; imports nothing of ours.

use serde::Deserialize;

/// A key's meaning. In a `[devices.keypad]` key map: kebab-case names
/// (`next`, `volume-up`, `audio-hold` …); digits and characters come from the
/// keys themselves, never from the map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeypadKey {
    /// 0–9: navigation while moving (2/4/6/8/5), letters or digits while typing.
    #[serde(skip)]
    Digit(u8),
    Enter,
    Next,
    Prev,
    Left,
    Right,
    Back,
    Delete,
    Repeat,
    Help,
    VolumeUp,
    VolumeDown,
    RateUp,
    RateDown,
    /// The next letter typed is a capital.
    Shift,
    /// A character from a full keyboard.
    #[serde(skip)]
    Char(char),
    /// A key held for two seconds: audio mode on or off.
    AudioHold,
}
