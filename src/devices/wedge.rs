//! Keyboard-wedge scanners: devices that "type" what they read, as a USB
//! keyboard. The device is opened through evdev and *grabbed*, so its
//! keystrokes never reach the UI; key events are decoded to text here
//! ([`WedgeDecoder`], pure) and framed as lines like a serial scanner.

use super::framing::{Framer, Framing};
use super::scanner::{inbox_for, Health, IdScanner, Inbox, Outbox, ScanError};
use std::path::PathBuf;
use std::time::Duration;

/// Linux input key codes a scanner in US layout uses for MRZ text.
mod key {
    pub const ENTER: u16 = 28;
    pub const KP_ENTER: u16 = 96;
    pub const LEFT_SHIFT: u16 = 42;
    pub const RIGHT_SHIFT: u16 = 54;
    pub const CAPS_LOCK: u16 = 58;
    pub const COMMA: u16 = 51;
    pub const ISO_102ND: u16 = 86;
    pub const SPACE: u16 = 57;
    pub const MINUS: u16 = 12;
    pub const EQUAL: u16 = 13;
    pub const SEMICOLON: u16 = 39;
    pub const DOT: u16 = 52;
    pub const SLASH: u16 = 53;
}

/// Turns key presses into bytes: characters, and `\r` for Enter.
#[derive(Debug, Default)]
pub struct WedgeDecoder {
    shift: bool,
    caps: bool,
}

impl WedgeDecoder {
    /// `value`: 1 press, 0 release, 2 auto-repeat.
    pub fn key(&mut self, code: u16, value: i32) -> Option<u8> {
        if matches!(code, key::LEFT_SHIFT | key::RIGHT_SHIFT) {
            self.shift = value != 0;
            return None;
        }
        if value == 0 {
            return None;
        }
        if code == key::CAPS_LOCK {
            self.caps = !self.caps;
            return None;
        }
        let c = match code {
            key::ENTER | key::KP_ENTER => return Some(b'\r'),
            key::SPACE => b' ',
            // `<` is Shift+comma on US layouts and its own key on ISO ones.
            key::COMMA if self.shift => b'<',
            key::COMMA => b',',
            key::ISO_102ND => b'<',
            // What URLs and badge codes need, for QR scanners.
            key::MINUS => {
                if self.shift {
                    b'_'
                } else {
                    b'-'
                }
            }
            key::EQUAL => {
                if self.shift {
                    b'+'
                } else {
                    b'='
                }
            }
            key::SEMICOLON => {
                if self.shift {
                    b':'
                } else {
                    b';'
                }
            }
            key::DOT => {
                if self.shift {
                    b'>'
                } else {
                    b'.'
                }
            }
            key::SLASH => {
                if self.shift {
                    b'?'
                } else {
                    b'/'
                }
            }
            4 if self.shift => b'#',
            8 if self.shift => b'&',
            2..=10 => b'1' + (code - 2) as u8,
            11 => b'0',
            16..=25 => b"qwertyuiop"[usize::from(code - 16)],
            30..=38 => b"asdfghjkl"[usize::from(code - 30)],
            44..=50 => b"zxcvbnm"[usize::from(code - 44)],
            _ => return None,
        };
        Some(if c.is_ascii_lowercase() && (self.shift ^ self.caps) { c.to_ascii_uppercase() } else { c })
    }
}

/// Key codes that type `text` on a US layout (with Shift where needed): what a
/// wedge scanner sends. For simulators and tests.
pub fn keystrokes(text: &str) -> Vec<(u16, i32)> {
    let mut out = vec![];
    for c in text.chars() {
        let (code, shift) = match c {
            '\n' | '\r' => (key::ENTER, false),
            '<' => (key::COMMA, true),
            ',' => (key::COMMA, false),
            ' ' => (key::SPACE, false),
            '-' => (key::MINUS, false),
            '_' => (key::MINUS, true),
            '=' => (key::EQUAL, false),
            '+' => (key::EQUAL, true),
            ';' => (key::SEMICOLON, false),
            ':' => (key::SEMICOLON, true),
            '.' => (key::DOT, false),
            '>' => (key::DOT, true),
            '/' => (key::SLASH, false),
            '?' => (key::SLASH, true),
            '#' => (4, true),
            '&' => (8, true),
            '0' => (11, false),
            '1'..='9' => (2 + (c as u16 - '1' as u16), false),
            c if c.is_ascii_alphabetic() => {
                let l = c.to_ascii_lowercase() as u8;
                let rows: [(&[u8], u16); 2] = [(b"qwertyuiop", 16), (b"asdfghjkl", 30)];
                let code = rows
                    .iter()
                    .find_map(|(row, base)| row.iter().position(|&x| x == l).map(|i| base + i as u16))
                    .or_else(|| b"zxcvbnm".iter().position(|&x| x == l).map(|i| 44 + i as u16));
                match code {
                    Some(code) => (code, c.is_ascii_uppercase()),
                    None => continue,
                }
            }
            _ => continue,
        };
        if shift {
            out.push((key::LEFT_SHIFT, 1));
        }
        out.push((code, 1));
        out.push((code, 0));
        if shift {
            out.push((key::LEFT_SHIFT, 0));
        }
    }
    out
}

/// A grabbed evdev keyboard device.
pub struct WedgeScanner {
    inbox: Inbox,
}

impl WedgeScanner {
    pub fn start(device: PathBuf) -> WedgeScanner {
        WedgeScanner::start_framed(device, Framing::Lines)
    }

    /// With `Framing::Line` for QR scanners (one code per line).
    pub fn start_framed(device: PathBuf, framing: Framing) -> WedgeScanner {
        let (inbox, out) = inbox_for(if framing == Framing::Line { "QR reader" } else { "ID scanner" });
        std::thread::Builder::new()
            .name("wedge".into())
            .spawn(move || wedge_reader(device, framing, out))
            .expect("the wedge thread starts");
        WedgeScanner { inbox }
    }
}

fn wedge_reader(path: PathBuf, framing: Framing, out: Outbox) {
    let mut backoff = Duration::from_millis(200);
    loop {
        let opened = evdev::Device::open(&path).and_then(|mut d| d.grab().map(|_| d));
        let mut dev = match opened {
            Ok(d) => d,
            Err(e) => {
                out.set_health(Health::Disconnected(format!("{}: {e}", path.display())));
                std::thread::sleep(backoff);
                backoff = (backoff * 2).min(Duration::from_secs(5));
                continue;
            }
        };
        out.set_health(Health::Ok);
        backoff = Duration::from_millis(200);
        let mut decoder = WedgeDecoder::default();
        let mut framer = Framer::new(framing);
        let why = loop {
            let events = match dev.fetch_events() {
                Ok(evs) => evs.collect::<Vec<_>>(),
                Err(e) => break e.to_string(),
            };
            for ev in events {
                if ev.event_type() != evdev::EventType::KEY {
                    continue;
                }
                if let Some(b) = decoder.key(ev.code(), ev.value()) {
                    for doc in framer.push(&[b]) {
                        if !out.send(doc) {
                            return;
                        }
                    }
                }
            }
        };
        out.set_health(Health::Disconnected(format!("{}: {why}", path.display())));
    }
}

impl IdScanner for WedgeScanner {
    fn scan(&self, timeout: Duration) -> Result<String, ScanError> {
        self.inbox.scan(timeout)
    }

    fn health(&self) -> Health {
        self.inbox.health()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keystrokes_of_an_mrz_decode_and_frame_back_to_it() {
        let td2 = "IDROUPOPESCU<<MARIA<ELENA<<<<<<<<<<<\nRX123456<9ROU8505095F300509522049960\n";
        let mut d = WedgeDecoder::default();
        let mut f = Framer::new(Framing::Lines);
        let mut docs = vec![];
        for (code, value) in keystrokes(td2) {
            if let Some(b) = d.key(code, value) {
                docs.extend(f.push(&[b]));
            }
        }
        assert_eq!(docs, [td2.trim_end()]);
    }

    #[test]
    fn a_qr_scanners_url_and_badge_type_back_to_themselves() {
        let text = "https://primarie.example.ro/s/K7Q-4M2-X9?a=1&b_c\nghiseu-staff:ana-01\n";
        let mut d = WedgeDecoder::default();
        let mut f = Framer::new(Framing::Line);
        let mut docs = vec![];
        for (code, value) in keystrokes(text) {
            if let Some(b) = d.key(code, value) {
                docs.extend(f.push(&[b]));
            }
        }
        assert_eq!(docs, ["https://primarie.example.ro/s/K7Q-4M2-X9?a=1&b_c", "ghiseu-staff:ana-01"]);
    }

    #[test]
    fn caps_lock_and_iso_less_than_key() {
        let mut d = WedgeDecoder::default();
        assert_eq!(d.key(30, 1), Some(b'a'));
        d.key(key::CAPS_LOCK, 1);
        assert_eq!(d.key(30, 1), Some(b'A'));
        assert_eq!(d.key(key::ISO_102ND, 1), Some(b'<'));
        assert_eq!(d.key(30, 0), None, "releases type nothing");
    }
}
