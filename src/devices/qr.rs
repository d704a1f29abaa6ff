//! QR readers: hand back the text of a scanned code.
//!
//! Three kinds of reader behind one trait: a serial scanner (one code per
//! line, over [`super::serial`]), a keyboard-wedge scanner (evdev, grabbed,
//! over [`super::wedge`]) and a camera. The camera path is split so it can be
//! tested without one: a [`FrameSource`] yields grayscale frames, [`decode`]
//! finds QR codes in a frame with ZBar (`zbar-rust`), and a [`Debounce`] keeps
//! a code held in front of the lens from being reported on every frame.
//! Frames come from a V4L2 camera ([`V4lCamera`], `GREY` or the Y of
//! `YUYV`, reopened when it vanishes) or from image files ([`ImageFiles`],
//! tests and the demo: no camera can be emulated on our build machines).
//! What a code *means* (receipt, staff badge, foreign) is decided by the
//! session, not here.

use super::framing::Framing;
use super::scanner::{inbox_for, Health, IdScanner, Inbox, Outbox};
use serde::Deserialize;
use std::path::PathBuf;
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

/// Configuration (`[devices.…]` in the kiosk's TOML file), owned here; `config` only composes it.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "driver", rename_all = "kebab-case", deny_unknown_fields)]
pub enum QrReaderConfig {
    /// Codes are injected by tests or the demo script.
    Simulated,
    /// A QR scanner on a serial line (or USB CDC-ACM), one code per line.
    Serial {
        port: PathBuf,
        #[serde(default = "crate::devices::scanner::default_baud")]
        baud: u32,
    },
    /// A QR scanner that types as a USB keyboard, read (and grabbed) through evdev.
    KeyboardWedge { device: PathBuf },
    /// A V4L2 camera (`/dev/video0`); frames are decoded with ZBar.
    Camera {
        device: PathBuf,
        #[serde(default = "default_camera_width")]
        width: u32,
        #[serde(default = "default_camera_height")]
        height: u32,
        #[serde(default = "default_frame_interval")]
        interval_ms: u64,
    },
    /// The camera path fed from image files (PNG, PGM): a stand-in camera for
    /// demos and bench tests; frames are decoded with ZBar.
    Images {
        files: Vec<PathBuf>,
        #[serde(default = "default_frame_interval")]
        interval_ms: u64,
    },
}

impl Default for QrReaderConfig {
    fn default() -> Self {
        QrReaderConfig::Simulated
    }
}

fn default_camera_width() -> u32 {
    640
}
fn default_camera_height() -> u32 {
    480
}
fn default_frame_interval() -> u64 {
    200
}

pub trait QrReader: Send + Sync {
    /// Waits up to `timeout` for a code; `None` when none was scanned.
    fn next_code(&self, timeout: Duration) -> Option<String>;

    fn health(&self) -> Health {
        Health::Ok
    }

    /// The simulated driver: it reads only codes a test injects, never a real one.
    fn simulated(&self) -> bool {
        false
    }
}

/// Codes come from [`SimulatedQrReader::inject`] (tests, the demo script).
pub struct SimulatedQrReader {
    tx: Mutex<mpsc::Sender<String>>,
    rx: Mutex<mpsc::Receiver<String>>,
}

impl Default for SimulatedQrReader {
    fn default() -> Self {
        let (tx, rx) = mpsc::channel();
        SimulatedQrReader { tx: Mutex::new(tx), rx: Mutex::new(rx) }
    }
}

impl SimulatedQrReader {
    pub fn inject(&self, code: &str) {
        let _ = self.tx.lock().unwrap_or_else(|p| p.into_inner()).send(code.to_owned());
    }
}

impl QrReader for SimulatedQrReader {
    fn next_code(&self, timeout: Duration) -> Option<String> {
        self.rx.lock().unwrap_or_else(|p| p.into_inner()).recv_timeout(timeout).ok()
    }

    fn simulated(&self) -> bool {
        true
    }
}

/// A serial or keyboard-wedge scanner in line mode: the ID-scanner drivers
/// with one document per line.
pub struct LineScanner(Box<dyn IdScanner>);

impl QrReader for LineScanner {
    fn next_code(&self, timeout: Duration) -> Option<String> {
        self.0.scan(timeout).ok()
    }
    fn health(&self) -> Health {
        self.0.health()
    }
}

/// A grayscale frame, one byte per pixel (Y800 / GREY).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub width: u32,
    pub height: u32,
    pub luma: Vec<u8>,
}

/// Where camera frames come from.
pub trait FrameSource: Send {
    /// The next frame; `Ok(None)` when the source has ended.
    fn next_frame(&mut self) -> Result<Option<Frame>, String>;
}

/// Frames read from image files (PNG or binary PGM/PBM), in order, each once.
pub struct ImageFiles {
    files: std::collections::VecDeque<PathBuf>,
}

impl ImageFiles {
    pub fn new(files: Vec<PathBuf>) -> ImageFiles {
        ImageFiles { files: files.into() }
    }
}

/// Reads a PNG or a binary PGM (P5) / PBM (P4) as a grayscale frame.
pub fn read_frame(path: &std::path::Path) -> Result<Frame, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if bytes.starts_with(b"P5") || bytes.starts_with(b"P4") {
        return read_netpbm(&bytes).ok_or_else(|| format!("{}: not a binary PGM/PBM", path.display()));
    }
    let bmp = crate::print::raster::Bitmap::from_png(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Frame { width: bmp.width, height: bmp.height, luma: bmp.pixels })
}

fn read_netpbm(bytes: &[u8]) -> Option<Frame> {
    // Header: magic, width, height, [maxval], each separated by whitespace; comments skipped.
    let mut fields = vec![];
    let mut i = 2;
    let wanted = if bytes[1] == b'5' { 3 } else { 2 };
    while fields.len() < wanted {
        while bytes.get(i)?.is_ascii_whitespace() {
            i += 1;
        }
        if bytes[i] == b'#' {
            while *bytes.get(i)? != b'\n' {
                i += 1;
            }
            continue;
        }
        let start = i;
        while bytes.get(i)?.is_ascii_digit() {
            i += 1;
        }
        fields.push(std::str::from_utf8(&bytes[start..i]).ok()?.parse::<u32>().ok()?);
    }
    i += 1;
    let (w, h) = (fields[0], fields[1]);
    let data = &bytes[i..];
    let luma = if bytes[1] == b'5' {
        data.get(..(w * h) as usize)?.to_vec()
    } else {
        let row = w.div_ceil(8) as usize;
        let mut out = vec![255u8; (w * h) as usize];
        for y in 0..h as usize {
            for x in 0..w as usize {
                if data.get(y * row + x / 8)? & (0x80 >> (x % 8)) != 0 {
                    out[y * w as usize + x] = 0;
                }
            }
        }
        out
    };
    Some(Frame { width: w, height: h, luma })
}

impl FrameSource for ImageFiles {
    fn next_frame(&mut self) -> Result<Option<Frame>, String> {
        match self.files.pop_front() {
            Some(p) => read_frame(&p).map(Some),
            None => Ok(None),
        }
    }
}

/// The luma plane of a captured buffer: `GREY` as is (minus row padding),
/// `YUYV` every other byte.
pub fn luma_from(buf: &[u8], fourcc: [u8; 4], width: u32, height: u32, stride: u32) -> Option<Vec<u8>> {
    let (w, h, stride) = (width as usize, height as usize, stride as usize);
    let bpp = match &fourcc {
        b"GREY" => 1,
        b"YUYV" => 2,
        _ => return None,
    };
    let stride = stride.max(w * bpp);
    if buf.len() < stride * (h - 1) + w * bpp {
        return None;
    }
    let mut out = Vec::with_capacity(w * h);
    for y in 0..h {
        let row = &buf[y * stride..y * stride + w * bpp];
        out.extend(row.iter().step_by(bpp));
    }
    Some(out)
}

/// A V4L2 camera, asked for `GREY` frames (falling back to `YUYV`). When it
/// cannot be opened or a capture fails, it is reopened, at most every 2 s.
pub struct V4lCamera {
    path: PathBuf,
    width: u32,
    height: u32,
    open: Option<(v4l::io::mmap::Stream<'static>, v4l::Format)>,
    last_try: Option<Instant>,
}

impl V4lCamera {
    pub fn new(path: PathBuf, width: u32, height: u32) -> V4lCamera {
        V4lCamera { path, width, height, open: None, last_try: None }
    }

    fn open(&self) -> Result<(v4l::io::mmap::Stream<'static>, v4l::Format), String> {
        use v4l::video::Capture;
        let err = |e: std::io::Error| format!("{}: {e}", self.path.display());
        let dev = v4l::Device::with_path(&self.path).map_err(err)?;
        let mut want = dev.format().map_err(err)?;
        want.width = self.width;
        want.height = self.height;
        let mut got = None;
        for fourcc in [b"GREY", b"YUYV"] {
            want.fourcc = v4l::FourCC::new(fourcc);
            let f = dev.set_format(&want).map_err(err)?;
            if &f.fourcc.repr == fourcc {
                got = Some(f);
                break;
            }
        }
        let format = got.ok_or_else(|| format!("{}: offers neither GREY nor YUYV frames", self.path.display()))?;
        let mut stream = v4l::io::mmap::Stream::with_buffers(&dev, v4l::buffer::Type::VideoCapture, 4).map_err(err)?;
        stream.set_timeout(Duration::from_secs(2));
        Ok((stream, format))
    }
}

impl FrameSource for V4lCamera {
    fn next_frame(&mut self) -> Result<Option<Frame>, String> {
        use v4l::io::traits::CaptureStream;
        if self.open.is_none() {
            if self.last_try.is_some_and(|t| t.elapsed() < Duration::from_secs(2)) {
                return Err(format!("{}: waiting to reopen", self.path.display()));
            }
            self.last_try = Some(Instant::now());
            self.open = Some(self.open()?);
        }
        let (stream, format) = self.open.as_mut().expect("opened above");
        let (fourcc, w, h, stride) = (format.fourcc.repr, format.width, format.height, format.stride);
        match stream.next() {
            Ok((buf, meta)) => {
                let used = (meta.bytesused as usize).min(buf.len());
                let used = if used == 0 { buf.len() } else { used };
                luma_from(&buf[..used], fourcc, w, h, stride)
                    .map(|luma| Some(Frame { width: w, height: h, luma }))
                    .ok_or_else(|| format!("{}: a short frame", self.path.display()))
            }
            Err(e) => {
                self.open = None;
                Err(format!("{}: {e}", self.path.display()))
            }
        }
    }
}

/// The QR codes ZBar finds in a frame.
pub fn decode(frame: &Frame) -> Vec<String> {
    let mut scanner = zbar_rust::ZBarImageScanner::new();
    match scanner.scan_y800(&frame.luma, frame.width, frame.height) {
        Ok(found) => found
            .into_iter()
            .filter(|s| s.symbol_type == zbar_rust::ZBarSymbolType::ZBarQRCode)
            .filter_map(|s| String::from_utf8(s.data).ok())
            .collect(),
        Err(_) => vec![],
    }
}

/// A code seen again within `hold` of its last sighting is the same scan.
#[derive(Debug)]
pub struct Debounce {
    hold: Duration,
    last: Option<(String, Instant)>,
}

impl Debounce {
    pub fn new(hold: Duration) -> Debounce {
        Debounce { hold, last: None }
    }

    /// Whether `code`, seen at `at`, is a new scan.
    pub fn fresh(&mut self, code: &str, at: Instant) -> bool {
        let repeat = matches!(&self.last, Some((c, t)) if c == code && at.duration_since(*t) < self.hold);
        self.last = Some((code.to_owned(), at));
        !repeat
    }
}

/// A camera: a thread pulls frames from its source, decodes them and queues new codes.
pub struct CameraQrReader {
    inbox: Inbox,
}

impl CameraQrReader {
    /// `pause` between frames keeps the CPU free (a kiosk needs a few frames a second).
    pub fn start(mut source: Box<dyn FrameSource>, pause: Duration) -> CameraQrReader {
        let (inbox, out) = inbox_for("QR camera");
        std::thread::Builder::new()
            .name("qr-camera".into())
            .spawn(move || camera_loop(source.as_mut(), pause, out))
            .expect("the camera thread starts");
        CameraQrReader { inbox }
    }
}

fn camera_loop(source: &mut dyn FrameSource, pause: Duration, out: Outbox) {
    let mut debounce = Debounce::new(Duration::from_secs(3));
    loop {
        match source.next_frame() {
            Ok(Some(frame)) => {
                out.set_health(Health::Ok);
                for code in decode(&frame) {
                    if debounce.fresh(&code, Instant::now()) && !out.send(code) {
                        return;
                    }
                }
            }
            Ok(None) => {
                out.set_health(Health::Disconnected("the frame source ended".into()));
                return;
            }
            Err(why) => out.set_health(Health::Disconnected(why)),
        }
        std::thread::sleep(pause);
    }
}

impl QrReader for CameraQrReader {
    fn next_code(&self, timeout: Duration) -> Option<String> {
        self.inbox.scan(timeout).ok()
    }
    fn health(&self) -> Health {
        self.inbox.health()
    }
}

pub fn from_config(cfg: &QrReaderConfig) -> Arc<dyn QrReader> {
    match cfg {
        QrReaderConfig::Simulated => Arc::new(SimulatedQrReader::default()),
        QrReaderConfig::Serial { port, baud } => {
            Arc::new(LineScanner(Box::new(super::serial::SerialScanner::start(port.clone(), *baud, Framing::Line))))
        }
        QrReaderConfig::KeyboardWedge { device } => {
            Arc::new(LineScanner(Box::new(super::wedge::WedgeScanner::start_framed(device.clone(), Framing::Line))))
        }
        QrReaderConfig::Camera { device, width, height, interval_ms } => Arc::new(CameraQrReader::start(
            Box::new(V4lCamera::new(device.clone(), *width, *height)),
            Duration::from_millis(*interval_ms),
        )),
        QrReaderConfig::Images { files, interval_ms } => Arc::new(CameraQrReader::start(
            Box::new(ImageFiles::new(files.clone())),
            Duration::from_millis(*interval_ms),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serialport::SerialPort;

    /// A receipt's QR drawn the way the printer draws it, on a grey "desk" with noise.
    fn photo_of(text: &str) -> Frame {
        let (n, modules) = crate::print::raster::qr_modules(text);
        let (w, h, scale, x0, y0) = (320u32, 240u32, 4u32, 60u32, 40u32);
        let mut luma: Vec<u8> = (0..w * h).map(|i| 150 + (i * 7919 % 40) as u8).collect();
        let side = (n as u32 + 8) * scale;
        for y in 0..side {
            for x in 0..side {
                let (mx, my) = ((x / scale) as i64 - 4, (y / scale) as i64 - 4);
                let dark = mx >= 0
                    && my >= 0
                    && (mx as usize) < n
                    && (my as usize) < n
                    && modules[my as usize * n + mx as usize];
                luma[((y0 + y) * w + x0 + x) as usize] = if dark { 30 } else { 235 };
            }
        }
        Frame { width: w, height: h, luma }
    }

    #[test]
    fn zbar_finds_the_qr_in_a_frame_and_nothing_in_an_empty_one() {
        assert_eq!(decode(&photo_of("https://x.ro/s/K7Q-4M2-X9")), ["https://x.ro/s/K7Q-4M2-X9"]);
        assert!(decode(&Frame { width: 64, height: 64, luma: vec![200; 64 * 64] }).is_empty());
    }

    #[test]
    fn camera_buffers_become_luma_planes() {
        // GREY with 2 bytes of row padding; YUYV keeps the Y bytes.
        assert_eq!(luma_from(&[1, 2, 0, 0, 3, 4, 0, 0], *b"GREY", 2, 2, 4), Some(vec![1, 2, 3, 4]));
        assert_eq!(luma_from(&[10, 128, 20, 128, 30, 128, 40, 128], *b"YUYV", 2, 2, 4), Some(vec![10, 20, 30, 40]));
        assert_eq!(luma_from(&[1, 2, 3], *b"GREY", 2, 2, 2), None, "short");
        assert_eq!(luma_from(&[0; 16], *b"MJPG", 2, 2, 2), None);
    }

    #[test]
    fn a_missing_camera_is_reported_and_never_hangs() {
        let reader = from_config(&QrReaderConfig::Camera {
            device: "/dev/no-such-video".into(),
            width: 640,
            height: 480,
            interval_ms: 10,
        });
        assert_eq!(reader.next_code(Duration::from_millis(100)), None);
        let start = Instant::now();
        while matches!(reader.health(), Health::Starting) && start.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(matches!(reader.health(), Health::Disconnected(why) if why.contains("no-such-video")));
    }

    #[test]
    fn a_code_held_in_front_of_the_lens_is_reported_once() {
        let t = Instant::now();
        let mut d = Debounce::new(Duration::from_secs(3));
        assert!(d.fresh("A", t));
        assert!(!d.fresh("A", t + Duration::from_secs(1)));
        assert!(!d.fresh("A", t + Duration::from_secs(3)), "still held: the hold runs from the last sighting");
        assert!(d.fresh("B", t + Duration::from_secs(4)));
        assert!(d.fresh("A", t + Duration::from_secs(5)));
        assert!(d.fresh("A", t + Duration::from_secs(9)), "taken away and shown again");
    }

    #[test]
    fn the_camera_reader_reads_codes_from_image_files() {
        let dir = tempfile::tempdir().unwrap();
        let mut files = vec![];
        for (i, text) in
            ["https://x.ro/s/K7Q-4M2-X9", "https://x.ro/s/K7Q-4M2-X9", "ghiseu-staff:ana-01"].iter().enumerate()
        {
            let f = photo_of(text);
            let path = dir.path().join(format!("{i}.png"));
            crate::png::write_gray(&path, f.width, f.height, &f.luma).unwrap();
            files.push(path);
        }
        // A PGM too: what a V4L2 GREY frame dumped to disk looks like.
        let f = photo_of("12345/23.11.2026");
        let mut pgm = format!("P5\n# a frame\n{} {}\n255\n", f.width, f.height).into_bytes();
        pgm.extend(&f.luma);
        std::fs::write(dir.path().join("3.pgm"), pgm).unwrap();
        files.push(dir.path().join("3.pgm"));
        let reader = CameraQrReader::start(Box::new(ImageFiles::new(files)), Duration::ZERO);
        let mut got = vec![];
        while let Some(code) = reader.next_code(Duration::from_secs(5)) {
            got.push(code);
            if got.len() == 3 {
                break;
            }
        }
        // The same receipt in two frames in a row is one scan.
        assert_eq!(got, ["https://x.ro/s/K7Q-4M2-X9", "ghiseu-staff:ana-01", "12345/23.11.2026"]);
    }

    #[test]
    fn a_serial_qr_scanner_over_a_pty_hands_back_each_line() {
        use std::io::Write;
        let (mut master, slave) = serialport::TTYPort::pair().unwrap();
        let path = PathBuf::from(slave.name().unwrap());
        drop(slave);
        let reader = from_config(&QrReaderConfig::Serial { port: path, baud: 9600 });
        let start = Instant::now();
        while reader.health() != Health::Ok && start.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(10));
        }
        master.write_all(b"https://x.ro/s/K7Q-4M2-X9\r\nghiseu-staff:ana-01\r\n").unwrap();
        assert_eq!(reader.next_code(Duration::from_secs(5)).as_deref(), Some("https://x.ro/s/K7Q-4M2-X9"));
        assert_eq!(reader.next_code(Duration::from_secs(5)).as_deref(), Some("ghiseu-staff:ana-01"));
    }
}
