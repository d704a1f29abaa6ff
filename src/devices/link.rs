//! The byte pipes a printer is reached over: TCP port 9100, a serial line,
//! or a character device (`/dev/usb/lp0`). Each is opened per job and reads
//! answers with a timeout, so a printer that never answers cannot hang us.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::Duration;

/// A byte pipe to a printer.
pub trait Link: Send {
    fn send(&mut self, bytes: &[u8]) -> std::io::Result<()>;
    /// Reads what arrived within `timeout`; `Ok(0)` when nothing did.
    fn recv(&mut self, buf: &mut [u8], timeout: Duration) -> std::io::Result<usize>;
}

struct TcpLink(std::net::TcpStream);

impl Link for TcpLink {
    fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.0.write_all(bytes)?;
        self.0.flush()
    }
    fn recv(&mut self, buf: &mut [u8], timeout: Duration) -> std::io::Result<usize> {
        self.0.set_read_timeout(Some(timeout.max(Duration::from_millis(1))))?;
        match self.0.read(buf) {
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => Ok(0),
            other => other,
        }
    }
}

struct SerialLink(Box<dyn serialport::SerialPort>);

impl Link for SerialLink {
    fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.0.write_all(bytes)?;
        self.0.flush()
    }
    fn recv(&mut self, buf: &mut [u8], timeout: Duration) -> std::io::Result<usize> {
        self.0.set_timeout(timeout).map_err(std::io::Error::other)?;
        match self.0.read(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => Ok(0),
            other => other,
        }
    }
}

/// A character device (`/dev/usb/lp0`): written like a file; answers are
/// awaited with `poll`, so a printer that never answers cannot hang us.
struct FileLink(std::fs::File);

impl Link for FileLink {
    fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.0.write_all(bytes)?;
        self.0.flush()
    }
    fn recv(&mut self, buf: &mut [u8], timeout: Duration) -> std::io::Result<usize> {
        use rustix::event::{poll, PollFd, PollFlags, Timespec};
        let mut fds = [PollFd::new(&self.0, PollFlags::IN)];
        let ts = Timespec { tv_sec: timeout.as_secs() as i64, tv_nsec: timeout.subsec_nanos() as _ };
        if poll(&mut fds, Some(&ts))? == 0 {
            return Ok(0);
        }
        self.0.read(buf)
    }
}

/// How to reach a real printer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// USB printer class device file or any character device.
    File(PathBuf),
    Serial {
        port: PathBuf,
        baud: u32,
    },
    /// `host:port`, usually port 9100 (raw / JetDirect).
    Tcp(String),
}

impl Endpoint {
    pub(crate) fn open(&self, timeout: Duration) -> std::io::Result<Box<dyn Link>> {
        Ok(match self {
            Endpoint::File(path) => {
                Box::new(FileLink(std::fs::OpenOptions::new().read(true).write(true).open(path)?)) as Box<dyn Link>
            }
            Endpoint::Serial { port, baud } => Box::new(SerialLink(
                serialport::new(port.to_string_lossy(), *baud)
                    .timeout(timeout)
                    .open()
                    .map_err(std::io::Error::other)?,
            )),
            Endpoint::Tcp(addr) => {
                use std::net::ToSocketAddrs;
                let mut last = std::io::Error::other(format!("{addr}: no address"));
                for a in addr.to_socket_addrs()? {
                    match std::net::TcpStream::connect_timeout(&a, timeout) {
                        Ok(s) => {
                            s.set_write_timeout(Some(Duration::from_secs(10)))?;
                            return Ok(Box::new(TcpLink(s)));
                        }
                        Err(e) => last = e,
                    }
                }
                return Err(last);
            }
        })
    }
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Endpoint::File(p) => write!(f, "{}", p.display()),
            Endpoint::Serial { port, baud } => write!(f, "{} at {baud} baud", port.display()),
            Endpoint::Tcp(a) => write!(f, "tcp://{a}"),
        }
    }
}
