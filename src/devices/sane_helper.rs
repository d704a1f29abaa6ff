//! The SANE scanner as the kiosk sees it: each page is scanned by a short
//! helper process (`ghiseu sane-helper`, the same binary), so a backend that
//! crashes or hangs takes only the helper with it. The kiosk waits for the
//! answer at most the configured time, gives the helper a moment to close
//! the device, and stops it if it does not (see `sane.rs` for the hang this
//! guards against).
//!
//! The exchange is one JSON request on the helper's standard input and, on
//! its standard output, one JSON line followed, for a page, by its pixels
//! (width × height × channels bytes). The helper's log goes to standard
//! error, like the kiosk's.

use super::capture::{CaptureError, PageSource};
use super::sane::{self, OptValue};
use super::scanner::Health;
use image::DynamicImage;
use serde::{Deserialize, Serialize};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long a helper that has answered may take to close the device.
const CLOSE_GRACE: Duration = Duration::from_secs(5);
/// A health check only opens the device.
const HEALTH_LIMIT: Duration = Duration::from_secs(20);

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Op {
    Capture,
    Health,
}

#[derive(Debug, Serialize, Deserialize)]
struct Request {
    op: Op,
    device: Option<String>,
    options: Vec<(String, OptValue)>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Reply {
    /// A page follows: `width × height × channels` bytes, grey or RGB.
    Page {
        width: u32,
        height: u32,
        channels: u8,
    },
    /// The device is there.
    Ready,
    Error {
        kind: ErrorKind,
        why: String,
    },
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum ErrorKind {
    Missing,
    Busy,
    Unplugged,
    Failed,
}

impl From<CaptureError> for Reply {
    fn from(e: CaptureError) -> Reply {
        let (kind, why) = match e {
            CaptureError::Missing(w) => (ErrorKind::Missing, w),
            CaptureError::Busy(w) => (ErrorKind::Busy, w),
            CaptureError::Unplugged(w) => (ErrorKind::Unplugged, w),
            CaptureError::Failed(w) => (ErrorKind::Failed, w),
        };
        Reply::Error { kind, why }
    }
}

fn error(kind: ErrorKind, why: String) -> CaptureError {
    match kind {
        ErrorKind::Missing => CaptureError::Missing(why),
        ErrorKind::Busy => CaptureError::Busy(why),
        ErrorKind::Unplugged => CaptureError::Unplugged(why),
        ErrorKind::Failed => CaptureError::Failed(why),
    }
}

/// The helper's side (`ghiseu sane-helper`): one request, one answer, exit.
pub fn serve() -> std::process::ExitCode {
    let mut input = String::new();
    let request = std::io::stdin()
        .read_to_string(&mut input)
        .map_err(|e| e.to_string())
        .and_then(|_| serde_json::from_str::<Request>(&input).map_err(|e| e.to_string()));
    let mut out = std::io::stdout().lock();
    let mut answer = |reply: Reply, pixels: &[u8]| {
        let mut line = serde_json::to_vec(&reply).expect("a reply serialises");
        line.push(b'\n');
        // A kiosk that stopped listening is no reason to fail differently.
        let _ = out.write_all(&line).and_then(|_| out.write_all(pixels)).and_then(|_| out.flush());
    };
    match request {
        Err(e) => {
            answer(Reply::Error { kind: ErrorKind::Failed, why: format!("bad request to the SANE helper: {e}") }, &[])
        }
        Ok(Request { op: Op::Health, device, .. }) => match sane::probe(device.as_deref()) {
            Ok(()) => answer(Reply::Ready, &[]),
            Err(e) => answer(e.into(), &[]),
        },
        Ok(Request { op: Op::Capture, device, options }) => {
            sane::scan_page(device.as_deref(), &options, |page| match page {
                Ok(DynamicImage::ImageLuma8(img)) => {
                    answer(Reply::Page { width: img.width(), height: img.height(), channels: 1 }, img.as_raw())
                }
                Ok(other) => {
                    let img = other.into_rgb8();
                    answer(Reply::Page { width: img.width(), height: img.height(), channels: 3 }, img.as_raw())
                }
                Err(e) => answer(e.into(), &[]),
            })
        }
    }
    std::process::ExitCode::SUCCESS
}

/// A SANE scanner: opened for each page (in a helper process) and closed
/// after it, so another program (or a technician's `scanimage`) can use it
/// in between.
pub struct SaneScanner {
    device: Option<String>,
    options: Vec<(String, OptValue)>,
    helper: PathBuf,
    limit: Duration,
}

impl SaneScanner {
    /// `helper` is the `ghiseu` binary; `limit` the longest a page may take.
    pub fn new(device: Option<String>, options: Vec<(String, OptValue)>, helper: PathBuf, limit: Duration) -> Self {
        SaneScanner { device, options, helper, limit }
    }

    /// Runs the helper for one request and reads its answer within `limit`.
    fn call(&self, op: Op, limit: Duration) -> Result<(Reply, Vec<u8>), CaptureError> {
        let request = Request { op, device: self.device.clone(), options: self.options.clone() };
        let mut child = Command::new(&self.helper)
            .arg("sane-helper")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| {
                CaptureError::Missing(format!("the SANE helper {} cannot start: {e}", self.helper.display()))
            })?;
        let sent = child.stdin.take().map(|mut i| i.write_all(&serde_json::to_vec(&request).expect("serialises")));
        let stdout = child.stdout.take().expect("piped");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(read_reply(stdout));
        });
        let answer = rx.recv_timeout(limit);
        // Answered or not, the helper gets a moment to close the device, then it is stopped.
        let grace = Instant::now() + if answer.is_ok() { CLOSE_GRACE } else { Duration::ZERO };
        loop {
            match child.try_wait() {
                Ok(Some(_)) => break,
                Ok(None) if Instant::now() < grace => std::thread::sleep(Duration::from_millis(20)),
                _ => {
                    if answer.is_ok() {
                        tracing::warn!("the SANE helper answered but did not close the scanner; stopped");
                    }
                    let _ = child.kill();
                    let _ = child.wait();
                    break;
                }
            }
        }
        match answer {
            Ok(Ok(reply)) => Ok(reply),
            Ok(Err(e)) => Err(CaptureError::Failed(match sent {
                Some(Err(w)) => format!("the SANE helper did not take the request ({w}): {e}"),
                _ => format!("the SANE helper stopped without an answer: {e}"),
            })),
            Err(_) => Err(CaptureError::Failed(format!(
                "the scanner did not answer within {} s; it was stopped (is paper jammed, or the cable loose?)",
                limit.as_secs()
            ))),
        }
    }
}

/// One JSON line, then the pixels it announces.
fn read_reply(out: impl Read) -> Result<(Reply, Vec<u8>), String> {
    let mut out = BufReader::new(out);
    let mut line = String::new();
    out.read_line(&mut line).map_err(|e| e.to_string())?;
    if line.is_empty() {
        return Err("no output".into());
    }
    let reply: Reply = serde_json::from_str(&line).map_err(|e| format!("unreadable answer: {e}"))?;
    let mut pixels = vec![];
    if let Reply::Page { width, height, channels } = reply {
        let len = width as usize * height as usize * channels as usize;
        pixels = vec![0; len];
        out.read_exact(&mut pixels).map_err(|e| format!("the page was cut short: {e}"))?;
    }
    Ok((reply, pixels))
}

impl PageSource for SaneScanner {
    fn describe(&self) -> String {
        format!("SANE scanner {}", self.device.as_deref().unwrap_or("(the first found)"))
    }

    fn health(&self) -> Health {
        match self.call(Op::Health, HEALTH_LIMIT) {
            Ok((Reply::Ready, _)) => Health::Ok,
            Ok((Reply::Error { kind, why }, _)) => Health::Disconnected(error(kind, why).to_string()),
            Ok((other, _)) => Health::Disconnected(format!("unexpected answer from the SANE helper: {other:?}")),
            Err(e) => Health::Disconnected(e.to_string()),
        }
    }

    fn capture(&self) -> Result<DynamicImage, CaptureError> {
        match self.call(Op::Capture, self.limit)? {
            (Reply::Page { width, height, channels: 1 }, px) => image::GrayImage::from_raw(width, height, px)
                .map(DynamicImage::ImageLuma8)
                .ok_or_else(|| CaptureError::Failed("short grey page".into())),
            (Reply::Page { width, height, channels: 3 }, px) => image::RgbImage::from_raw(width, height, px)
                .map(DynamicImage::ImageRgb8)
                .ok_or_else(|| CaptureError::Failed("short colour page".into())),
            (Reply::Error { kind, why }, _) => Err(error(kind, why)),
            (other, _) => Err(CaptureError::Failed(format!("unexpected answer from the SANE helper: {other:?}"))),
        }
    }
}

/// The `ghiseu` binary that runs the helper: this program, unless
/// `GHISEU_EXE` names another (a test binary links the library but is not
/// `ghiseu`).
pub fn helper_program() -> PathBuf {
    std::env::var_os("GHISEU_EXE")
        .map(PathBuf::from)
        .or_else(|| std::env::current_exe().ok())
        .unwrap_or_else(|| PathBuf::from("ghiseu"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scanner(script: &str, limit: Duration) -> (tempfile::TempDir, SaneScanner) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("helper");
        std::fs::write(&path, format!("#!/bin/sh\ncat >/dev/null\n{script}\n")).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        (dir, SaneScanner::new(Some("test:0".into()), vec![], path, limit))
    }

    #[test]
    fn a_page_and_each_kind_of_error_cross_from_the_helper() {
        let (_d, s) =
            scanner(r#"printf '{"page":{"width":2,"height":1,"channels":1}}\n\000\377'"#, Duration::from_secs(10));
        let page = s.capture().unwrap().to_luma8();
        assert_eq!((page.width(), page.height(), page.as_raw().clone()), (2, 1, vec![0, 255]));
        let (_d, s) = scanner(
            r#"echo '{"error":{"kind":"unplugged","why":"test:0: Error during device I/O"}}'"#,
            Duration::from_secs(10),
        );
        assert!(matches!(s.capture(), Err(CaptureError::Unplugged(w)) if w.contains("test:0")));
        let (_d, s) = scanner(r#"echo '{"error":{"kind":"missing","why":"gone"}}'"#, Duration::from_secs(10));
        assert!(matches!(s.health(), Health::Disconnected(w) if w.contains("no capture device: gone")));
        let (_d, s) = scanner(r#"echo '{"ready":null}'"#, Duration::from_secs(10));
        assert_eq!(s.health(), Health::Ok);
        // A page cut short, and a helper that dies without a word.
        let (_d, s) =
            scanner(r#"printf '{"page":{"width":4,"height":4,"channels":1}}\n\000'"#, Duration::from_secs(10));
        assert!(matches!(s.capture(), Err(CaptureError::Failed(w)) if w.contains("cut short")));
        let (_d, s) = scanner("exit 3", Duration::from_secs(10));
        assert!(matches!(s.capture(), Err(CaptureError::Failed(w)) if w.contains("without an answer")));
        let missing = SaneScanner::new(None, vec![], "/nonexistent/ghiseu".into(), Duration::from_secs(1));
        assert!(matches!(missing.capture(), Err(CaptureError::Missing(w)) if w.contains("cannot start")));
    }

    #[test]
    fn a_helper_that_hangs_is_stopped_answered_or_not() {
        // Answers, then hangs closing the device (as the test backend's cancel can).
        let (_d, s) =
            scanner(r#"echo '{"error":{"kind":"unplugged","why":"lost"}}'; exec sleep 600"#, Duration::from_secs(10));
        let start = Instant::now();
        assert!(matches!(s.capture(), Err(CaptureError::Unplugged(_))));
        let took = start.elapsed();
        assert!(took >= CLOSE_GRACE && took < Duration::from_secs(60), "{took:?}");
        // Never answers.
        let (_d, s) = scanner("exec sleep 600", Duration::from_secs(1));
        let start = Instant::now();
        assert!(matches!(s.capture(), Err(CaptureError::Failed(w)) if w.contains("did not answer within 1 s")));
        assert!(start.elapsed() < Duration::from_secs(60), "{:?}", start.elapsed());
    }
}
