//! Page sources: the devices a citizen's paper is captured with.
//!
//! One small trait, [`PageSource`], for every way a kiosk takes a page: a
//! document camera (UVC through V4L2, [`super::doc_camera`]), a flatbed or
//! sheet-fed scanner through SANE ([`super::sane`]) and a simulated source
//! serving image files ([`SimulatedPageSource`], the demo and the tests),
//! chosen by `[devices.document]`. A capture hands back a decoded image, as
//! the device gave it: making it legible and small is the documents module's
//! job, deciding what a failure means to the citizen the session's.
//!
//! Calls block (a scanner takes seconds for a page); callers run them off the
//! UI thread. A failure says which of the three things a citizen can be told
//! happened: no device, the device busy, the device gone mid-scan.

use super::scanner::Health;
use image::DynamicImage;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// Configuration (`[devices.document]` in the kiosk's TOML file), owned here;
/// `config` only composes it. Optional: a panel without one offers no capture.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(tag = "driver", rename_all = "kebab-case", deny_unknown_fields)]
pub enum PageSourceConfig {
    /// No capture device: the citizen is told pages cannot be taken here.
    #[default]
    None,
    /// Pages from image files (PNG, JPEG) in `dir`, in name order, over and over;
    /// without `dir`, sample pages drawn in memory. `fault` plays a device's failures.
    Simulated {
        #[serde(default)]
        dir: Option<PathBuf>,
        #[serde(default)]
        fault: Option<SimFault>,
        #[serde(default = "default_sim_delay")]
        delay_ms: u64,
    },
    /// A UVC document camera through V4L2 (`/dev/video0`), MJPEG or YUYV.
    V4l2 {
        device: PathBuf,
        #[serde(default = "default_cam_width")]
        width: u32,
        #[serde(default = "default_cam_height")]
        height: u32,
    },
    /// A scanner through SANE (libsane1): `device` as `scanimage -L` names it
    /// (the first one found when absent), and any backend options by name.
    Sane {
        #[serde(default)]
        device: Option<String>,
        #[serde(default = "default_dpi")]
        resolution: u32,
        #[serde(default = "default_mode")]
        mode: String,
        #[serde(default)]
        options: BTreeMap<String, toml::Value>,
        /// The longest one page may take before the scanner is given up on.
        #[serde(default = "default_scan_secs")]
        timeout_secs: u64,
    },
}

fn default_scan_secs() -> u64 {
    90
}

fn default_sim_delay() -> u64 {
    150
}
fn default_cam_width() -> u32 {
    1920
}
fn default_cam_height() -> u32 {
    1080
}
fn default_dpi() -> u32 {
    200
}
fn default_mode() -> String {
    "Gray".into()
}

/// A failure the simulated source plays, as a real device would show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SimFault {
    /// No device at all.
    Missing,
    /// Another program holds it.
    Busy,
    /// It is pulled out during the next capture.
    Unplugged,
}

/// Why a capture gave no page. Each says what a technician needs; the session
/// tells the citizen only which of the kinds it was.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaptureError {
    #[error("no capture device: {0}")]
    Missing(String),
    #[error("the capture device is busy: {0}")]
    Busy(String),
    #[error("the capture device was lost during the capture: {0}")]
    Unplugged(String),
    /// The device answered but gave no page (paper jam, empty feeder, bad frame).
    #[error("the capture failed: {0}")]
    Failed(String),
}

pub trait PageSource: Send + Sync {
    /// What the device is, for technicians ("V4L2 /dev/video0", "SANE test:0").
    fn describe(&self) -> String;

    /// Whether it can be used now, without capturing.
    fn health(&self) -> Health;

    /// Takes a still of what lies on the glass or under the lens.
    fn capture(&self) -> Result<DynamicImage, CaptureError>;

    /// A live frame for the preview, when the device can show one (a camera);
    /// `Ok(None)` for a device that only scans.
    fn preview(&self) -> Result<Option<DynamicImage>, CaptureError> {
        Ok(None)
    }

    /// Lets the device go (the citizen left the capture screen).
    fn release(&self) {}

    /// The simulated driver: it never sees real paper.
    fn simulated(&self) -> bool {
        false
    }

    /// False only for "none configured": such a kiosk offers no capture.
    fn configured(&self) -> bool {
        true
    }
}

/// No device configured.
pub struct NoPageSource;

impl PageSource for NoPageSource {
    fn describe(&self) -> String {
        "none".into()
    }
    fn health(&self) -> Health {
        Health::Disconnected("no [devices.document] configured".into())
    }
    fn capture(&self) -> Result<DynamicImage, CaptureError> {
        Err(CaptureError::Missing("no [devices.document] configured".into()))
    }
    fn configured(&self) -> bool {
        false
    }
}

/// Pages from a folder of images (or drawn samples), with a device's failures
/// on demand: from the configuration, or set by a test while the kiosk runs.
pub struct SimulatedPageSource {
    dir: Option<PathBuf>,
    delay: Duration,
    fault: Mutex<Option<SimFault>>,
    next: AtomicUsize,
}

impl SimulatedPageSource {
    pub fn new(dir: Option<PathBuf>, fault: Option<SimFault>, delay: Duration) -> SimulatedPageSource {
        SimulatedPageSource { dir, delay, fault: Mutex::new(fault), next: AtomicUsize::new(0) }
    }

    /// Plays `fault` from now on (`None`: a working device again).
    pub fn set_fault(&self, fault: Option<SimFault>) {
        *self.fault.lock().unwrap_or_else(|p| p.into_inner()) = fault;
    }

    fn fault(&self) -> Option<SimFault> {
        *self.fault.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The images of the folder in name order.
    fn files(&self, dir: &Path) -> Result<Vec<PathBuf>, CaptureError> {
        let entries = std::fs::read_dir(dir).map_err(|e| CaptureError::Missing(format!("{}: {e}", dir.display())))?;
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
                matches!(ext.as_str(), "png" | "jpg" | "jpeg")
            })
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(CaptureError::Missing(format!("{}: no PNG or JPEG images", dir.display())));
        }
        Ok(files)
    }

    /// The page the n-th capture returns.
    fn page(&self, n: usize) -> Result<DynamicImage, CaptureError> {
        match &self.dir {
            None => Ok(sample_page(n)),
            Some(dir) => {
                let files = self.files(dir)?;
                let path = &files[n % files.len()];
                image::open(path).map_err(|e| CaptureError::Failed(format!("{}: {e}", path.display())))
            }
        }
    }

    fn check_fault(&self) -> Result<(), CaptureError> {
        match self.fault() {
            Some(SimFault::Missing) => Err(CaptureError::Missing("simulated: no camera".into())),
            Some(SimFault::Busy) => Err(CaptureError::Busy("simulated: another program holds the camera".into())),
            _ => Ok(()),
        }
    }
}

impl PageSource for SimulatedPageSource {
    fn describe(&self) -> String {
        match &self.dir {
            Some(dir) => format!("simulated camera ({})", dir.display()),
            None => "simulated camera (sample pages)".into(),
        }
    }

    fn health(&self) -> Health {
        match (self.fault(), &self.dir) {
            (Some(SimFault::Missing), _) => Health::Disconnected("simulated: no camera".into()),
            (_, Some(dir)) => match self.files(dir) {
                Ok(_) => Health::Ok,
                Err(e) => Health::Disconnected(e.to_string()),
            },
            _ => Health::Ok,
        }
    }

    fn capture(&self) -> Result<DynamicImage, CaptureError> {
        self.check_fault()?;
        std::thread::sleep(self.delay);
        if self.fault() == Some(SimFault::Unplugged) {
            // Gone halfway through; a replug is a working device again.
            self.set_fault(Some(SimFault::Missing));
            return Err(CaptureError::Unplugged("simulated: the camera was unplugged".into()));
        }
        let n = self.next.fetch_add(1, Ordering::SeqCst);
        self.page(n)
    }

    fn preview(&self) -> Result<Option<DynamicImage>, CaptureError> {
        self.check_fault()?;
        self.page(self.next.load(Ordering::SeqCst)).map(Some)
    }

    fn simulated(&self) -> bool {
        true
    }
}

/// A photo of a printed page on a dark desk, as a document camera sees it
/// (1600×1200, the page about 200 dpi): the demo's and the tests' paper.
pub fn sample_page(n: usize) -> DynamicImage {
    use crate::print::raster::{Bitmap, Fonts};
    let (w, h) = (1600u32, 1200u32);
    let mut photo = Bitmap { width: w, height: h, pixels: vec![0; (w * h) as usize] };
    // The desk: dark, with a little texture so it is no flat colour.
    for (i, p) in photo.pixels.iter_mut().enumerate() {
        *p = 52 + ((i as u32).wrapping_mul(2654435761) >> 28) as u8;
    }
    // The page, portrait A4 proportions, slightly off-centre.
    let (px, py, pw, ph) = (480u32, 60u32, 760u32, 1075u32);
    for y in py..py + ph {
        for x in px..px + pw {
            photo.pixels[(y * w + x) as usize] = 236;
        }
    }
    let fonts = Fonts::load();
    let lines = [
        "ROMÂNIA".to_owned(),
        "CERTIFICAT DE NAȘTERE".to_owned(),
        format!("Pagina {}", n + 1),
        String::new(),
        "Numele: POPESCU".into(),
        "Prenumele: ANA-MARIA".into(),
        "Data nașterii: 09.05.1985".into(),
        "Locul nașterii: Roman, jud. Neamț".into(),
        String::new(),
        "Se eliberează prezentul certificat".into(),
        "pentru a servi la cele necesare.".into(),
    ];
    let mut y = (py + 70) as f32;
    for (i, line) in lines.iter().enumerate() {
        let size = if i < 2 { 40.0 } else { 30.0 };
        fonts.draw(&mut photo, (px + 60) as f32, y, line, size, i < 3);
        y += fonts.line_height(size, i < 3) * 1.3;
    }
    DynamicImage::ImageLuma8(image::GrayImage::from_raw(w, h, photo.pixels).expect("the buffer is width × height"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sim(dir: Option<PathBuf>, fault: Option<SimFault>) -> SimulatedPageSource {
        SimulatedPageSource::new(dir, fault, Duration::ZERO)
    }

    #[test]
    fn the_simulated_camera_serves_the_folder_in_name_order_and_starts_over() {
        let dir = tempfile::tempdir().unwrap();
        for (name, shade) in [("b.png", 200u8), ("a.jpg", 20), ("notes.txt", 0)] {
            let img = image::GrayImage::from_pixel(8, 6, image::Luma([shade]));
            if name.ends_with(".txt") {
                std::fs::write(dir.path().join(name), "not an image").unwrap();
            } else {
                img.save(dir.path().join(name)).unwrap();
            }
        }
        let cam = sim(Some(dir.path().into()), None);
        assert_eq!(cam.health(), Health::Ok);
        // What lies under the lens is what the next capture takes.
        let seen = cam.preview().unwrap().unwrap().to_luma8();
        let first = cam.capture().unwrap().to_luma8();
        assert_eq!(seen, first);
        assert!(first.get_pixel(0, 0)[0] < 60, "a.jpg first (JPEG moves a shade a little)");
        assert_eq!(cam.capture().unwrap().to_luma8().get_pixel(0, 0)[0], 200);
        assert!(cam.capture().unwrap().to_luma8().get_pixel(0, 0)[0] < 60, "and round again");
    }

    #[test]
    fn a_missing_folder_or_an_empty_one_is_a_missing_device() {
        let dir = tempfile::tempdir().unwrap();
        let empty = sim(Some(dir.path().into()), None);
        assert!(matches!(empty.capture(), Err(CaptureError::Missing(why)) if why.contains("no PNG or JPEG")));
        assert!(matches!(empty.health(), Health::Disconnected(_)));
        let gone = sim(Some(dir.path().join("nope")), None);
        assert!(matches!(gone.capture(), Err(CaptureError::Missing(_))));
    }

    #[test]
    fn simulated_failures_play_as_a_real_device_shows_them() {
        let cam = sim(None, Some(SimFault::Busy));
        assert!(matches!(cam.capture(), Err(CaptureError::Busy(_))));
        assert_eq!(cam.health(), Health::Ok, "a busy device is there");
        cam.set_fault(Some(SimFault::Missing));
        assert!(matches!(cam.capture(), Err(CaptureError::Missing(_))));
        assert!(matches!(cam.preview(), Err(CaptureError::Missing(_))));
        assert!(matches!(cam.health(), Health::Disconnected(_)));
        // Pulled out mid-scan: this capture fails, and the device stays gone until replugged.
        cam.set_fault(Some(SimFault::Unplugged));
        assert!(matches!(cam.capture(), Err(CaptureError::Unplugged(_))));
        assert!(matches!(cam.capture(), Err(CaptureError::Missing(_))));
        cam.set_fault(None);
        assert!(cam.capture().is_ok());
    }

    #[test]
    fn the_sample_pages_are_a_light_page_on_a_dark_desk() {
        let page = sample_page(0).to_luma8();
        assert_eq!(page.dimensions(), (1600, 1200));
        assert!(page.get_pixel(20, 20)[0] < 80, "desk");
        assert!(page.get_pixel(500, 1100)[0] > 200, "paper");
        let ink = page.pixels().filter(|p| p[0] < 100).count();
        assert!(ink > 20_000, "the page carries text: {ink} dark pixels");
        assert_ne!(sample_page(0).to_luma8(), sample_page(1).to_luma8(), "each page says its number");
    }

    #[test]
    fn no_device_configured_is_a_missing_device() {
        let none = NoPageSource;
        assert!(matches!(none.capture(), Err(CaptureError::Missing(_))));
        assert!(!none.simulated());
    }
}
