//! Printers: take a finished job (bytes in the printer's language and a
//! preview of the paper) and say how the printer is (paper, cover, online).
//!
//! Real ESC/POS printers are reached over a [`Link`]: the USB printer class
//! device file (`/dev/usb/lp0`), a serial line, or TCP port 9100. Each job
//! opens the link, asks the printer's real-time status (`DLE EOT 1/2/4`,
//! answers parsed by the `escpos` crate), refuses to send into an empty or
//! open printer, and sends the bytes; nothing is held open between jobs, so
//! an unplugged or rebooted printer is simply found again on the next one.
//! A printer that never answers status (some USB clones) still prints: its
//! status is reported as unknown. Label printers are asked in their own
//! language: TSPL `ESC !?` (one status byte) and ZPL `~HS` (host status
//! strings). Blocking: callers run it off the UI thread.

use crate::print::JobKind;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use super::link::{Endpoint, Link};
pub use crate::print::status::{Paper, PrinterStatus, Problem};
pub use crate::print::PrintJob;
use serde::Deserialize;

/// Configuration (`[devices.…]` in the kiosk's TOML file), owned here; `config` only composes it.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "driver", rename_all = "kebab-case", deny_unknown_fields)]
pub enum PrinterConfig {
    /// Writes each job's bytes and a PNG preview into a folder.
    Simulated {
        out_dir: PathBuf,
        #[serde(default)]
        profile: Option<String>,
        /// `ok`, `near-end` or `out`: what the simulated paper roll reports.
        #[serde(default)]
        paper: SimPaper,
    },
    /// A printer behind a device file: the USB printer class `/dev/usb/lp0`.
    Device {
        path: PathBuf,
        #[serde(default)]
        profile: Option<String>,
    },
    /// A printer on a serial line, e.g. `/dev/ttyUSB0`.
    Serial {
        port: PathBuf,
        #[serde(default = "default_printer_baud")]
        baud: u32,
        #[serde(default)]
        profile: Option<String>,
    },
    /// A network printer, raw TCP: `host:9100`.
    Network {
        address: String,
        #[serde(default)]
        profile: Option<String>,
    },
}

impl PrinterConfig {
    /// The profile this printer names, if any.
    pub fn profile(&self) -> Option<&str> {
        match self {
            PrinterConfig::Simulated { profile, .. }
            | PrinterConfig::Device { profile, .. }
            | PrinterConfig::Serial { profile, .. }
            | PrinterConfig::Network { profile, .. } => profile.as_deref(),
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SimPaper {
    #[default]
    Ok,
    NearEnd,
    Out,
}

impl Default for PrinterConfig {
    fn default() -> Self {
        PrinterConfig::Simulated { out_dir: PathBuf::from("printer"), profile: None, paper: SimPaper::Ok }
    }
}
fn default_printer_baud() -> u32 {
    19200
}

#[derive(Debug, thiserror::Error)]
pub enum PrinterError {
    #[error("printer is not reachable: {0}")]
    Unreachable(String),
    #[error("printer cannot print now: {0:?}")]
    NotReady(Problem),
    #[error("printer write failed: {0}")]
    Io(#[from] std::io::Error),
}

impl PrinterError {
    pub fn problem(&self) -> Problem {
        match self {
            PrinterError::Unreachable(_) | PrinterError::Io(_) => Problem::Unreachable,
            PrinterError::NotReady(p) => *p,
        }
    }
}

pub trait Printer: Send + Sync {
    fn print(&self, job: &PrintJob) -> Result<(), PrinterError>;
    /// Asks the printer how it is (blocks up to about a second).
    fn status(&self) -> PrinterStatus;
    /// Where it is, for technicians: a path, an address, a folder.
    fn describe(&self) -> String;
    /// The simulated driver (files in a folder): not a real printer.
    fn simulated(&self) -> bool {
        false
    }
}

/// How long a printer has to answer a status request.
const STATUS_WAIT: Duration = Duration::from_millis(400);

/// Asks `DLE EOT n` and returns the one-byte answer, if one came in time.
fn ask(link: &mut dyn Link, n: u8) -> std::io::Result<Option<u8>> {
    link.send(&[0x10, 0x04, n])?;
    let mut b = [0u8; 1];
    Ok((link.recv(&mut b, STATUS_WAIT)? == 1).then_some(b[0]))
}

/// How a printer is asked for its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusProtocol {
    /// `DLE EOT 1/2/4` (receipt printers).
    EscPos,
    /// `ESC !?`: one byte (TSC and TSPL clones).
    Tspl,
    /// `~HS`: three STX…ETX strings (Zebra).
    Zpl,
}

impl StatusProtocol {
    pub fn for_kind(kind: JobKind) -> StatusProtocol {
        match kind {
            JobKind::EscPos => StatusProtocol::EscPos,
            JobKind::Zpl => StatusProtocol::Zpl,
            JobKind::Tspl => StatusProtocol::Tspl,
        }
    }
}

/// Parses the TSPL `ESC !?` byte: bit 0 head open, 1 paper jam, 2 out of
/// paper, 3 out of ribbon, 4 paused, 5 printing, 6 cover open, 7 other error.
pub fn tspl_status(byte: u8) -> PrinterStatus {
    PrinterStatus {
        online: byte & 0x10 == 0,
        paper: if byte & 0x04 != 0 { Paper::Out } else { Paper::Ok },
        cover_open: byte & 0x41 != 0,
        error: byte & 0x8A != 0,
        ..PrinterStatus::ok()
    }
}

/// Parses a ZPL `~HS` answer: string 1 field 2 is "paper out", field 3
/// "paused"; string 2 field 3 is "head up" (open); string 1 fields 11/12 and
/// string 2 field 4 (ribbon out) are errors. None when it is not a `~HS` answer.
pub fn zpl_status(answer: &[u8]) -> Option<PrinterStatus> {
    let text = String::from_utf8_lossy(answer);
    let strings: Vec<Vec<&str>> = text
        .split('\u{2}')
        .filter_map(|s| s.split('\u{3}').next())
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(|s| s.split(',').map(str::trim).collect())
        .collect();
    let (s1, s2) = (strings.first()?, strings.get(1)?);
    if s1.len() < 12 || s2.len() < 4 {
        return None;
    }
    let flag = |v: &str| v == "1";
    Some(PrinterStatus {
        online: !flag(s1[2]),
        paper: if flag(s1[1]) { Paper::Out } else { Paper::Ok },
        cover_open: flag(s2[2]),
        error: flag(s2[3]) || flag(s1[9]) || flag(s1[10]) || flag(s1[11]),
        ..PrinterStatus::ok()
    })
}

/// Reads until `done` says the answer is complete or nothing more comes.
fn read_answer(link: &mut dyn Link, done: impl Fn(&[u8]) -> bool) -> std::io::Result<Vec<u8>> {
    let mut out = vec![];
    let mut buf = [0u8; 256];
    while !done(&out) && out.len() < 4096 {
        let n = link.recv(&mut buf, STATUS_WAIT)?;
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
    }
    Ok(out)
}

fn query_as(link: &mut dyn Link, protocol: StatusProtocol) -> std::io::Result<PrinterStatus> {
    match protocol {
        StatusProtocol::EscPos => query(link),
        StatusProtocol::Tspl => {
            link.send(&[0x1B, b'!', b'?'])?;
            let mut b = [0u8; 1];
            Ok(if link.recv(&mut b, STATUS_WAIT)? == 1 { tspl_status(b[0]) } else { PrinterStatus::silent() })
        }
        StatusProtocol::Zpl => {
            link.send(b"~HS")?;
            let answer = read_answer(link, |a| a.iter().filter(|&&b| b == 3).count() >= 3)?;
            Ok(zpl_status(&answer).unwrap_or_else(PrinterStatus::silent))
        }
    }
}

fn query(link: &mut dyn Link) -> std::io::Result<PrinterStatus> {
    let Some(printer) = ask(link, 1)? else { return Ok(PrinterStatus::silent()) };
    let (Some(cause), Some(paper)) = (ask(link, 2)?, ask(link, 4)?) else { return Ok(PrinterStatus::silent()) };
    Ok(PrinterStatus::from_bytes(printer, cause, paper).unwrap_or_else(|why| {
        tracing::warn!(%why, "printer status answer not understood");
        PrinterStatus::silent()
    }))
}

/// A printer on an [`Endpoint`], asked for its status in its language.
pub struct EscPosPrinter {
    pub endpoint: Endpoint,
    pub status: StatusProtocol,
    /// One conversation with the printer at a time: a status query from the
    /// health report must not land inside a receipt's bytes, nor take the
    /// answer a job is waiting for.
    conversation: Mutex<()>,
}

impl EscPosPrinter {
    pub fn new(endpoint: Endpoint, status: StatusProtocol) -> EscPosPrinter {
        EscPosPrinter { endpoint, status, conversation: Mutex::new(()) }
    }

    fn talk(&self) -> std::sync::MutexGuard<'_, ()> {
        self.conversation.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn open(&self) -> Result<Box<dyn Link>, PrinterError> {
        self.endpoint
            .open(Duration::from_secs(2))
            .map_err(|e| PrinterError::Unreachable(format!("{}: {e}", self.endpoint)))
    }
}

impl Printer for EscPosPrinter {
    fn print(&self, job: &PrintJob) -> Result<(), PrinterError> {
        let _talk = self.talk();
        let mut link = self.open()?;
        let status = query_as(link.as_mut(), self.status)?;
        if let Some(p) = status.problem() {
            return Err(PrinterError::NotReady(p));
        }
        link.send(&job.bytes)?;
        if status.answered && self.status == StatusProtocol::EscPos {
            // One more status request after the job: its answer means the printer
            // has taken every byte before it, so closing now loses nothing (a
            // tty's buffer can be dropped on close), and paper that ran out
            // during the job is reported.
            if let Some(byte) = ask(link.as_mut(), 4)? {
                if let Ok(s) = PrinterStatus::from_bytes(0x12, 0x12, byte) {
                    if s.paper == Paper::Out {
                        return Err(PrinterError::NotReady(Problem::PaperOut));
                    }
                }
            }
        }
        Ok(())
    }

    fn status(&self) -> PrinterStatus {
        let _talk = self.talk();
        let mut link = match self.open() {
            Ok(l) => l,
            Err(e) => return PrinterStatus::unreachable(e.to_string()),
        };
        query_as(link.as_mut(), self.status)
            .unwrap_or_else(|e| PrinterStatus::unreachable(format!("{}: {e}", self.endpoint)))
    }

    fn describe(&self) -> String {
        self.endpoint.to_string()
    }
}

/// Writes `NAME.escpos` (or `.zpl`, `.tspl`) and `NAME.png` into a folder:
/// the paper a technician can inspect. Its paper state is configurable and
/// settable, so the demo and tests can see an empty printer.
pub struct SimulatedPrinter {
    pub out_dir: PathBuf,
    pub paper: Mutex<Paper>,
}

impl SimulatedPrinter {
    pub fn new(out_dir: PathBuf, paper: Paper) -> SimulatedPrinter {
        SimulatedPrinter { out_dir, paper: Mutex::new(paper) }
    }
    pub fn set_paper(&self, paper: Paper) {
        *self.paper.lock().unwrap_or_else(|p| p.into_inner()) = paper;
    }
}

impl Printer for SimulatedPrinter {
    fn print(&self, job: &PrintJob) -> Result<(), PrinterError> {
        if let Some(p) = self.status().problem() {
            return Err(PrinterError::NotReady(p));
        }
        std::fs::create_dir_all(&self.out_dir)?;
        std::fs::write(self.out_dir.join(format!("{}.{}", job.name, job.kind.extension())), &job.bytes)?;
        std::fs::write(self.out_dir.join(format!("{}.png", job.name)), &job.preview_png)?;
        Ok(())
    }

    fn status(&self) -> PrinterStatus {
        PrinterStatus { paper: *self.paper.lock().unwrap_or_else(|p| p.into_inner()), ..PrinterStatus::ok() }
    }

    fn describe(&self) -> String {
        format!("simulated, into {}", self.out_dir.display())
    }

    fn simulated(&self) -> bool {
        true
    }
}

pub fn from_config(cfg: &PrinterConfig) -> Arc<dyn Printer> {
    from_config_lang(cfg, StatusProtocol::EscPos)
}

/// A printer for `cfg` whose status is asked with `status`.
pub fn from_config_lang(cfg: &PrinterConfig, status: StatusProtocol) -> Arc<dyn Printer> {
    let endpoint = match cfg {
        PrinterConfig::Simulated { out_dir, paper, .. } => {
            let paper = match paper {
                SimPaper::Ok => Paper::Ok,
                SimPaper::NearEnd => Paper::NearEnd,
                SimPaper::Out => Paper::Out,
            };
            return Arc::new(SimulatedPrinter::new(out_dir.clone(), paper));
        }
        PrinterConfig::Device { path, .. } => Endpoint::File(path.clone()),
        PrinterConfig::Serial { port, baud, .. } => Endpoint::Serial { port: port.clone(), baud: *baud },
        PrinterConfig::Network { address, .. } => Endpoint::Tcp(address.clone()),
    };
    Arc::new(EscPosPrinter::new(endpoint, status))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devices::printer_sim::{SimState, Simulator};
    use serialport::SerialPort;

    fn job(bytes: &[u8]) -> PrintJob {
        PrintJob { name: "t".into(), bytes: bytes.to_vec(), preview_png: vec![], kind: JobKind::EscPos }
    }

    #[test]
    fn status_bytes_parse_to_paper_cover_and_online() {
        // Fixed bits 0xx1xx10: 0x12 is "all fine" for every request.
        assert_eq!(PrinterStatus::from_bytes(0x12, 0x12, 0x12).unwrap(), PrinterStatus::ok());
        let s = PrinterStatus::from_bytes(0x1A, 0x16, 0x72).unwrap();
        assert_eq!((s.online, s.cover_open, s.paper), (false, true, Paper::Out));
        assert_eq!(s.problem(), Some(Problem::PaperOut));
        let s = PrinterStatus::from_bytes(0x12, 0x12, 0x1E).unwrap();
        assert_eq!((s.paper, s.problem()), (Paper::NearEnd, None));
        assert!(PrinterStatus::from_bytes(0xFF, 0x12, 0x12).is_err(), "fixed bits are checked");
    }

    fn pty() -> (serialport::TTYPort, PathBuf) {
        let (master, slave) = serialport::TTYPort::pair().expect("a pty pair");
        let path = PathBuf::from(slave.name().expect("the slave has a path"));
        drop(slave);
        (master, path)
    }

    /// The same checks over any link the simulator serves.
    fn paper_out_then_refilled(printer: &dyn Printer, sim: &SimState) {
        assert_eq!(printer.status(), PrinterStatus::ok(), "{}", printer.describe());
        printer.print(&job(b"\x1b@hello\n")).unwrap();
        assert!(sim.wait_printed(b"\x1b@hello\n"), "{}: the job reached the printer", printer.describe());

        sim.set(|s| s.paper = Paper::NearEnd);
        assert_eq!(printer.status().paper, Paper::NearEnd);
        printer.print(&job(b"still prints\n")).unwrap();
        assert!(sim.wait_printed(b"still prints\n"));

        sim.set(|s| s.paper = Paper::Out);
        let err = printer.print(&job(b"lost\n")).unwrap_err();
        assert_eq!(err.problem(), Problem::PaperOut, "{err}");
        assert_eq!(printer.status().problem(), Some(Problem::PaperOut));

        sim.set(|s| {
            s.paper = Paper::Ok;
            s.cover_open = true;
        });
        assert_eq!(printer.print(&job(b"lost\n")).unwrap_err().problem(), Problem::CoverOpen);
        sim.set(|s| s.cover_open = false);
        printer.print(&job(b"after refill\n")).unwrap();
        assert!(sim.wait_printed(b"after refill\n"));
        assert!(!sim.printed().windows(5).any(|w| w == b"lost\n"), "nothing is sent into an empty printer");
    }

    #[test]
    fn a_serial_printer_over_a_pty_reports_paper_out_and_cover_open() {
        let (master, path) = pty();
        let sim = Simulator::serve_pty(master);
        let printer = EscPosPrinter::new(Endpoint::Serial { port: path, baud: 19200 }, StatusProtocol::EscPos);
        paper_out_then_refilled(&printer, &sim);
    }

    #[test]
    fn a_device_file_printer_over_a_pty_reports_paper_out() {
        // /dev/usb/lp0 is a character device like the pty's slave end.
        let (master, path) = pty();
        let sim = Simulator::serve_pty(master);
        let printer = EscPosPrinter::new(Endpoint::File(path), StatusProtocol::EscPos);
        paper_out_then_refilled(&printer, &sim);
    }

    #[test]
    fn a_network_printer_on_port_9100_reports_paper_out() {
        let (addr, sim) = Simulator::serve_tcp();
        let printer = EscPosPrinter::new(Endpoint::Tcp(addr.to_string()), StatusProtocol::EscPos);
        paper_out_then_refilled(&printer, &sim);
    }

    #[test]
    fn a_status_query_never_lands_inside_a_job() {
        // The health report asks every few seconds while receipts print.
        let (addr, sim) = Simulator::serve_tcp();
        let printer = Arc::new(EscPosPrinter::new(Endpoint::Tcp(addr.to_string()), StatusProtocol::EscPos));
        let body = vec![b'A'; 256 * 1024];
        let asking = {
            let printer = printer.clone();
            std::thread::spawn(move || (0..20).for_each(|_| assert_eq!(printer.status(), PrinterStatus::ok())))
        };
        for _ in 0..3 {
            printer.print(&job(&body)).unwrap();
        }
        asking.join().unwrap();
        let received = sim.printed();
        let runs: Vec<usize> = received.split(|&b| b != b'A').map(<[u8]>::len).filter(|&n| n > 0).collect();
        assert_eq!(runs.iter().sum::<usize>(), 3 * body.len());
        assert!(runs.iter().all(|n| n % body.len() == 0), "a job was split by another conversation: {runs:?}");
    }

    #[test]
    fn a_missing_printer_is_unreachable_and_a_silent_one_still_prints() {
        let printer = EscPosPrinter::new(Endpoint::File("/dev/usb/no-such-lp".into()), StatusProtocol::EscPos);
        let s = printer.status();
        assert_eq!(s.problem(), Some(Problem::Unreachable));
        assert!(s.detail.contains("no-such-lp"), "{}", s.detail);
        assert_eq!(printer.print(&job(b"x")).unwrap_err().problem(), Problem::Unreachable);

        let (addr, sim) = Simulator::serve_tcp();
        sim.set(|s| s.answers_status = false);
        let printer = EscPosPrinter::new(Endpoint::Tcp(addr.to_string()), StatusProtocol::EscPos);
        let s = printer.status();
        assert!(s.reachable && !s.answered && s.problem().is_none(), "{s:?}");
        printer.print(&job(b"blind\n")).unwrap();
        assert!(sim.wait_printed(b"blind\n"));
    }

    #[test]
    fn label_printers_report_paper_out_in_tspl_and_zpl() {
        for (protocol, kind) in [(StatusProtocol::Tspl, JobKind::Tspl), (StatusProtocol::Zpl, JobKind::Zpl)] {
            let (addr, sim) = Simulator::serve_tcp();
            let printer = EscPosPrinter::new(Endpoint::Tcp(addr.to_string()), protocol);
            assert_eq!(printer.status(), PrinterStatus::ok(), "{protocol:?}");
            let label = PrintJob { kind, ..job(b"^XA^FO0,0^XZ\n") };
            printer.print(&label).unwrap();
            assert!(sim.wait_printed(b"^XA^FO0,0^XZ\n"), "{protocol:?}");
            sim.set(|s| s.paper = Paper::Out);
            assert_eq!(printer.status().problem(), Some(Problem::PaperOut), "{protocol:?}");
            assert_eq!(printer.print(&label).unwrap_err().problem(), Problem::PaperOut, "{protocol:?}");
            sim.set(|s| {
                s.paper = Paper::Ok;
                s.cover_open = true;
            });
            assert_eq!(printer.status().problem(), Some(Problem::CoverOpen), "{protocol:?}");
        }
        // A `~HS` answer laid out as the ZPL manual describes it (paper out flag set).
        let hs = b"\x02030,1,0,1245,000,0,0,0,000,0,0,0\x03\r\n\x02000,0,0,0,0,2,4,0,00000000,1,000\x03\r\n\x021234,0\x03\r\n";
        assert_eq!(zpl_status(hs).unwrap().problem(), Some(Problem::PaperOut));
        assert_eq!(tspl_status(0x00), PrinterStatus::ok());
        assert_eq!(tspl_status(0x01).problem(), Some(Problem::CoverOpen), "head open");
    }

    #[test]
    fn the_simulated_driver_refuses_when_its_paper_is_out() {
        let dir = tempfile::tempdir().unwrap();
        let p = SimulatedPrinter::new(dir.path().join("out"), Paper::Ok);
        p.print(&job(b"a")).unwrap();
        assert!(dir.path().join("out/t.escpos").is_file());
        p.set_paper(Paper::Out);
        assert_eq!(p.print(&job(b"a")).unwrap_err().problem(), Problem::PaperOut);
    }
}
