//! Key chords a keyboard at the panel must not act on.
//!
//! A citizen may plug a USB keyboard into a public panel. The system ignores
//! its Ctrl+Alt+Del, SysRq and terminal switches (image-build/lockdown), but
//! Slint's KMS backend quits its event loop on Ctrl+Alt+Del and
//! Ctrl+Alt+Backspace (a desktop habit), which would end the kiosk and wipe
//! the citizen's session. `ChordGuard` sees each key before Slint does
//! (`board::Board::select_platform`) and swallows those two chords; every
//! other key reaches the UI as before. Pure: key codes in, a decision out.

use std::cell::Cell;

// Linux evdev key codes (linux/input-event-codes.h).
const KEY_LEFTCTRL: u32 = 29;
const KEY_RIGHTCTRL: u32 = 97;
const KEY_LEFTALT: u32 = 56;
const KEY_RIGHTALT: u32 = 100;
const KEY_BACKSPACE: u32 = 14;
const KEY_DELETE: u32 = 111;

/// Which modifier keys are down, one bit per physical key.
#[derive(Debug, Default)]
pub struct ChordGuard {
    down: Cell<u8>,
}

impl ChordGuard {
    /// Called for every key press and release, in order. True: the event
    /// must not reach the UI.
    pub fn swallow(&self, key: u32, pressed: bool) -> bool {
        let bit = match key {
            KEY_LEFTCTRL => 1,
            KEY_RIGHTCTRL => 2,
            KEY_LEFTALT => 4,
            KEY_RIGHTALT => 8,
            _ => 0,
        };
        if bit != 0 {
            let down = self.down.get();
            self.down.set(if pressed { down | bit } else { down & !bit });
            return false;
        }
        let down = self.down.get();
        let (ctrl, alt) = (down & 3 != 0, down & 12 != 0);
        ctrl && alt && matches!(key, KEY_DELETE | KEY_BACKSPACE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(guard: &ChordGuard, keys: &[(u32, bool)]) -> Vec<bool> {
        keys.iter().map(|&(k, p)| guard.swallow(k, p)).collect()
    }

    #[test]
    fn ctrl_alt_del_and_ctrl_alt_backspace_never_reach_the_ui() {
        let g = ChordGuard::default();
        let got = run(&g, &[(KEY_LEFTCTRL, true), (KEY_LEFTALT, true), (KEY_DELETE, true), (KEY_DELETE, false)]);
        assert_eq!(got, [false, false, true, true]);
        assert_eq!(run(&g, &[(KEY_BACKSPACE, true)]), [true]);
        // Right-hand modifiers, and AltGr, count too.
        let g = ChordGuard::default();
        assert_eq!(run(&g, &[(KEY_RIGHTCTRL, true), (KEY_RIGHTALT, true), (KEY_DELETE, true)]), [false, false, true]);
    }

    #[test]
    fn other_keys_and_half_chords_reach_the_ui() {
        let g = ChordGuard::default();
        // Delete alone, Ctrl+Delete, Alt+Backspace: ordinary editing.
        assert_eq!(run(&g, &[(KEY_DELETE, true), (KEY_DELETE, false)]), [false, false]);
        assert_eq!(run(&g, &[(KEY_LEFTCTRL, true), (KEY_DELETE, true), (KEY_LEFTCTRL, false)]), [false, false, false]);
        assert_eq!(run(&g, &[(KEY_LEFTALT, true), (KEY_BACKSPACE, true), (KEY_LEFTALT, false)]), [false, false, false]);
        // Released modifiers no longer count; letters always pass.
        assert_eq!(
            run(&g, &[(KEY_LEFTCTRL, true), (KEY_LEFTALT, true), (KEY_LEFTALT, false), (KEY_DELETE, true), (30, true)]),
            [false, false, false, false, false]
        );
        // One Ctrl released while the other is held: still a chord.
        let g = ChordGuard::default();
        let keys = [
            (KEY_LEFTCTRL, true),
            (KEY_RIGHTCTRL, true),
            (KEY_LEFTCTRL, false),
            (KEY_LEFTALT, true),
            (KEY_DELETE, true),
        ];
        assert_eq!(run(&g, &keys), [false, false, false, false, true]);
    }
}
