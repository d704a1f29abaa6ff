//! A simulated printer on the wire: it answers real-time status requests
//! (ESC/POS `DLE EOT 1/2/4`, TSPL `ESC !?`, ZPL `~HS`) from its paper and
//! cover state and keeps every
//! byte it receives. It serves the far end of a pseudo-terminal (serial and
//! device-file drivers) or a TCP listener (port-9100 driver), so the real
//! drivers are tested without hardware. Always compiled, like every simulated
//! device; nothing in production selects it.

use super::printer::Paper;
use std::io::{Read, Write};
use std::sync::{Arc, Condvar, Mutex, Weak};
use std::time::{Duration, Instant};

/// What the simulated printer is like right now.
#[derive(Debug, Clone)]
pub struct SimPrinter {
    pub paper: Paper,
    pub cover_open: bool,
    /// False: a model that ignores status requests.
    pub answers_status: bool,
    received: Vec<u8>,
}

impl SimPrinter {
    /// The TSPL `ESC !?` byte.
    fn tspl(&self) -> u8 {
        (if self.paper == Paper::Out { 0x04 } else { 0 }) | if self.cover_open { 0x40 } else { 0 }
    }

    /// The ZPL `~HS` strings (paper out in string 1, head up in string 2).
    fn zpl(&self) -> Vec<u8> {
        let out = u8::from(self.paper == Paper::Out);
        let up = u8::from(self.cover_open);
        format!("\x02030,{out},0,1245,000,0,0,0,000,0,0,0\x03\r\n\x02000,0,{up},0,0,2,4,0,00000000,1,000\x03\r\n\x021234,0\x03\r\n")
            .into_bytes()
    }

    /// The answer to `DLE EOT n`: fixed bits `0xx1xx10` plus the state's bits.
    fn answer(&self, n: u8) -> Option<u8> {
        let base = 0x12u8;
        let stopped = self.paper == Paper::Out || self.cover_open;
        Some(match n {
            1 => base | if stopped { 0x08 } else { 0 },
            2 => base | if self.cover_open { 0x04 } else { 0 } | if self.paper == Paper::Out { 0x20 } else { 0 },
            3 => base,
            4 => {
                base | match self.paper {
                    Paper::Ok => 0,
                    Paper::NearEnd => 0x0C,
                    Paper::Out => 0x6C,
                }
            }
            _ => return None,
        })
    }
}

/// A handle on a running simulator: change its state, see what it printed.
#[derive(Clone)]
pub struct SimState(Arc<(Mutex<SimPrinter>, Condvar)>);

impl SimState {
    fn new() -> SimState {
        SimState(Arc::new((
            Mutex::new(SimPrinter { paper: Paper::Ok, cover_open: false, answers_status: true, received: vec![] }),
            Condvar::new(),
        )))
    }

    pub fn set(&self, f: impl FnOnce(&mut SimPrinter)) {
        f(&mut self.0 .0.lock().unwrap_or_else(|p| p.into_inner()));
    }

    /// Every byte received so far, status requests included.
    pub fn printed(&self) -> Vec<u8> {
        self.0 .0.lock().unwrap_or_else(|p| p.into_inner()).received.clone()
    }

    /// Waits until `bytes` has arrived (true) or 10 s passed without it (false).
    pub fn wait_printed(&self, bytes: &[u8]) -> bool {
        let (lock, cv) = &*self.0;
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut s = lock.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if s.received.windows(bytes.len()).any(|w| w == bytes) {
                return true;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            s = cv.wait_timeout(s, left).unwrap_or_else(|p| p.into_inner()).0;
        }
    }
}

/// Reads a byte stream like a printer does: keeps it, answers status requests.
struct Wire {
    state: Weak<(Mutex<SimPrinter>, Condvar)>,
    /// The tail of a `DLE EOT n` torn across reads.
    tail: Vec<u8>,
}

impl Wire {
    /// Handles received bytes; returns the answers to send, or None once the handle is gone.
    fn feed(&mut self, bytes: &[u8]) -> Option<Vec<u8>> {
        let state = self.state.upgrade()?;
        let (lock, cv) = &*state;
        let mut s = lock.lock().unwrap_or_else(|p| p.into_inner());
        s.received.extend_from_slice(bytes);
        let mut answers = vec![];
        self.tail.extend_from_slice(bytes);
        let mut i = 0;
        while i + 2 < self.tail.len() {
            let three = &self.tail[i..i + 3];
            let answer = match three {
                [0x10, 0x04, n] => Some(s.answer(*n).map(|b| vec![b]).unwrap_or_default()),
                [0x1B, b'!', b'?'] => Some(vec![s.tspl()]),
                b"~HS" => Some(s.zpl()),
                _ => None,
            };
            match answer {
                Some(a) => {
                    if s.answers_status {
                        answers.extend(a);
                    }
                    i += 3;
                }
                None => i += 1,
            }
        }
        self.tail.drain(..i);
        cv.notify_all();
        Some(answers)
    }
}

pub struct Simulator;

impl Simulator {
    /// Serves the master end of a pseudo-terminal; the driver opens the slave by path.
    pub fn serve_pty(mut master: serialport::TTYPort) -> SimState {
        let state = SimState::new();
        let mut wire = Wire { state: Arc::downgrade(&state.0), tail: vec![] };
        std::thread::Builder::new()
            .name("printer-sim-pty".into())
            .spawn(move || {
                let mut buf = [0u8; 4096];
                loop {
                    match master.read(&mut buf) {
                        Ok(n) if n > 0 => {
                            let Some(answers) = wire.feed(&buf[..n]) else { return };
                            if !answers.is_empty() {
                                let _ = master.write_all(&answers);
                            }
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                            if wire.state.strong_count() == 0 {
                                return;
                            }
                        }
                        // EIO while no driver has the slave open: wait for the next one.
                        _ => {
                            if wire.state.strong_count() == 0 {
                                return;
                            }
                            std::thread::sleep(Duration::from_millis(2));
                        }
                    }
                }
            })
            .expect("the simulator thread starts");
        state
    }

    /// Listens on a free local port, like a network printer on 9100.
    pub fn serve_tcp() -> (std::net::SocketAddr, SimState) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a local port");
        let addr = listener.local_addr().expect("a bound address");
        let state = SimState::new();
        let weak = Arc::downgrade(&state.0);
        std::thread::Builder::new()
            .name("printer-sim-tcp".into())
            .spawn(move || {
                for conn in listener.incoming() {
                    let Ok(mut conn) = conn else { continue };
                    if weak.strong_count() == 0 {
                        return;
                    }
                    let mut wire = Wire { state: weak.clone(), tail: vec![] };
                    std::thread::spawn(move || {
                        let mut buf = [0u8; 4096];
                        while let Ok(n) = conn.read(&mut buf) {
                            if n == 0 {
                                return;
                            }
                            let Some(answers) = wire.feed(&buf[..n]) else { return };
                            if !answers.is_empty() && conn.write_all(&answers).is_err() {
                                return;
                            }
                        }
                    });
                }
            })
            .expect("the simulator thread starts");
        (addr, state)
    }
}
