//! ID scanners on a serial line (RS-232, USB CDC-ACM, or a pseudo-terminal in
//! tests), through the `serialport` crate.
//!
//! A reader thread owns the port: it decodes frames with [`Framer`] and queues
//! each document with the time it arrived. When the port vanishes (a read
//! error, EOF, or it cannot be opened) the thread reports the scanner as
//! disconnected and reopens it with capped exponential backoff, so a scanner
//! unplugged and plugged back works again without a restart.

use super::framing::{Framer, Framing};
use super::scanner::{inbox_for, Health, IdScanner, Inbox, Outbox, ScanError};
use std::io::Read;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

pub struct SerialScanner {
    inbox: Inbox,
    stop: Arc<AtomicBool>,
}

impl SerialScanner {
    /// Starts the reader thread for `path`.
    pub fn start(path: PathBuf, baud: u32, framing: Framing) -> SerialScanner {
        let (inbox, out) = inbox_for(if framing == Framing::Line { "QR reader" } else { "ID scanner" });
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        std::thread::Builder::new()
            .name("id-scanner".into())
            .spawn(move || reader(path, baud, framing, out, s))
            .expect("the scanner thread starts");
        SerialScanner { inbox, stop }
    }
}

impl Drop for SerialScanner {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn reader(path: PathBuf, baud: u32, framing: Framing, out: Outbox, stop: Arc<AtomicBool>) {
    let mut backoff = Duration::from_millis(100);
    while !stop.load(Ordering::Relaxed) {
        let port = serialport::new(path.to_string_lossy(), baud).timeout(Duration::from_millis(100)).open();
        let mut port = match port {
            Ok(p) => p,
            Err(e) => {
                out.set_health(Health::Disconnected(format!("{}: {e}", path.display())));
                std::thread::sleep(backoff);
                backoff = (backoff * 2).min(Duration::from_secs(5));
                continue;
            }
        };
        out.set_health(Health::Ok);
        backoff = Duration::from_millis(100);
        let mut framer = Framer::new(framing);
        let mut buf = [0u8; 256];
        let gone = loop {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            match port.read(&mut buf) {
                Ok(0) => break "end of stream".to_owned(),
                Ok(n) => {
                    for doc in framer.push(&buf[..n]) {
                        if !out.send(doc) {
                            return;
                        }
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => break e.to_string(),
            }
        };
        out.set_health(Health::Disconnected(format!("{}: {gone}", path.display())));
        std::thread::sleep(backoff);
    }
}

impl IdScanner for SerialScanner {
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
    use crate::devices::framing::{soh_frame, stx_frame};
    use serialport::SerialPort;
    use std::io::Write;
    use std::time::Instant;

    const TD2: &str = "IDROUPOPESCU<<MARIA<ELENA<<<<<<<<<<<\nRX123456<9ROU8505095F300509522049960";

    /// A pseudo-terminal: the scanner opens the slave by path, as it would /dev/ttyUSB0.
    fn pty() -> (serialport::TTYPort, PathBuf) {
        let (master, slave) = serialport::TTYPort::pair().expect("a pty pair");
        let path = PathBuf::from(slave.name().expect("the slave has a path"));
        // The driver opens the path itself; this handle must not hold it exclusively.
        drop(slave);
        (master, path)
    }

    fn wait_health(s: &SerialScanner, want: fn(&Health) -> bool) -> bool {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(5) {
            if want(&s.health()) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        false
    }

    fn write_slowly(master: &mut serialport::TTYPort, bytes: &[u8]) {
        // Torn reads: the document arrives in small pieces with pauses.
        for chunk in bytes.chunks(7) {
            master.write_all(chunk).unwrap();
            master.flush().unwrap();
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    #[test]
    fn every_framing_over_a_real_tty_with_torn_reads_and_garbage() {
        for (framing, bytes, expected) in [
            (Framing::Lines, format!("{}\r\n", TD2.replace('\n', "\r\n")).into_bytes(), TD2.to_owned()),
            (Framing::StxEtx, [b"\x00junk".to_vec(), stx_frame(TD2)].concat(), TD2.replace('\n', "\r")),
            (Framing::SohLength, [b"zz".to_vec(), soh_frame(TD2)].concat(), TD2.to_owned()),
        ] {
            let (mut master, path) = pty();
            let s = SerialScanner::start(path, 9600, framing);
            assert!(wait_health(&s, |h| *h == Health::Ok), "{framing:?}: {:?}", s.health());
            write_slowly(&mut master, &bytes);
            let doc = s.scan(Duration::from_secs(5)).unwrap_or_else(|e| panic!("{framing:?}: {e}"));
            assert_eq!(doc, expected, "{framing:?}");
            let m = crate::identity::parse_mrz(&doc).unwrap();
            assert!(m.valid, "{framing:?}: {:?}", m.errors);
        }
    }

    #[test]
    fn a_corrupted_frame_is_skipped_and_the_next_one_read() {
        let (mut master, path) = pty();
        let s = SerialScanner::start(path, 9600, Framing::SohLength);
        assert!(wait_health(&s, |h| *h == Health::Ok));
        let mut bad = soh_frame(TD2);
        bad[12] ^= 0x01;
        write_slowly(&mut master, &bad);
        write_slowly(&mut master, &soh_frame(TD2));
        assert_eq!(s.scan(Duration::from_secs(5)).unwrap(), TD2);
        assert_eq!(s.scan(Duration::from_millis(200)), Err(ScanError::Timeout));
    }

    #[test]
    fn an_unplugged_scanner_shows_disconnected_and_a_missing_one_never_hangs() {
        let (master, path) = pty();
        let s = SerialScanner::start(path, 9600, Framing::Lines);
        assert!(wait_health(&s, |h| *h == Health::Ok));
        drop(master); // the cable is pulled: the pty's other end is gone
        assert!(wait_health(&s, |h| matches!(h, Health::Disconnected(_))), "{:?}", s.health());
        assert!(matches!(s.scan(Duration::from_millis(100)), Err(ScanError::Disconnected(_))));

        let s = SerialScanner::start(PathBuf::from("/dev/ghiseu/no-such-scanner"), 9600, Framing::Lines);
        assert!(wait_health(&s, |h| matches!(h, Health::Disconnected(_))));
        let err = s.scan(Duration::from_millis(100)).unwrap_err();
        assert!(err.to_string().contains("no-such-scanner"), "{err}");
    }

    #[test]
    fn a_scanner_plugged_in_later_or_replugged_is_picked_up() {
        // The configured path is a stable name (like a udev symlink) that
        // appears, disappears and comes back pointing at a new device.
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("id-scanner");
        let s = SerialScanner::start(link.clone(), 9600, Framing::SohLength);
        assert!(wait_health(&s, |h| matches!(h, Health::Disconnected(_))));
        for _ in 0..2 {
            let (mut master, path) = pty();
            let _ = std::fs::remove_file(&link);
            std::os::unix::fs::symlink(&path, &link).unwrap();
            assert!(wait_health(&s, |h| *h == Health::Ok), "{:?}", s.health());
            write_slowly(&mut master, &soh_frame(TD2));
            assert_eq!(s.scan(Duration::from_secs(5)).unwrap(), TD2);
            drop(master);
            assert!(wait_health(&s, |h| matches!(h, Health::Disconnected(_))));
        }
    }
}
