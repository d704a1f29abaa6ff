//! A scanner through SANE: a thin safe wrapper over the dozen calls of the C
//! API a page needs. It runs only in the SANE helper process
//! (`sane_helper.rs`), never in the kiosk: backends are C drivers that can
//! crash or hang, and Debian's cancel a scan by cancelling their reader
//! thread asynchronously, which can leave the dying thread waiting forever
//! on a lock it held in malloc (seen with the `test` backend when a read
//! fails: `sane_cancel` never returned in 4 of 60 scans).
//!
//! Why our own wrapper: the Rust bindings on crates.io (`sane-scan` 0.1.2,
//! last released 2023; `libsane`/`sane-sys` 0.1.0, one release) are young or
//! unkept, and all link libsane at build time, which would make every panel
//! carry libsane1 and every build need libsane-dev. Here libsane.so.1 is
//! opened at run time (`libloading`, already in the tree through Slint), so
//! only a panel configured with `driver = "sane"` needs Debian's libsane1,
//! and one without it gets a message saying so. The declarations follow
//! SANE standard 1.06 (`sane/sane.h`); every `unsafe` is in this file.
//!
//! SANE's state is process-wide and not thread-safe: one lock serialises
//! every call, and `sane_init` runs once. CI drives the `test` backend
//! (`SANE_CONFIG_DIR` at a folder whose `dll.conf` says `test`); its
//! `read-return-value` option plays a scanner pulled out mid-scan.

use super::capture::CaptureError;
use image::DynamicImage;
use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::sync::{Mutex, MutexGuard, OnceLock};

type Handle = *mut c_void;
type Status = c_int;

const GOOD: Status = 0;
const DEVICE_BUSY: Status = 3;
const EOF: Status = 5;
const IO_ERROR: Status = 9;
const ACCESS_DENIED: Status = 11;

const TYPE_BOOL: c_int = 0;
const TYPE_INT: c_int = 1;
const TYPE_FIXED: c_int = 2;
const TYPE_STRING: c_int = 3;
const ACTION_SET_VALUE: c_int = 1;
const CAP_INACTIVE: c_int = 32;

const FRAME_GRAY: c_int = 0;
const FRAME_RGB: c_int = 1;

#[repr(C)]
struct Device {
    name: *const c_char,
    vendor: *const c_char,
    model: *const c_char,
    kind: *const c_char,
}

#[repr(C)]
struct OptionDescriptor {
    name: *const c_char,
    title: *const c_char,
    desc: *const c_char,
    kind: c_int,
    unit: c_int,
    size: c_int,
    cap: c_int,
    constraint_type: c_int,
    constraint: *const c_void,
}

#[repr(C)]
#[derive(Default, Debug, Clone, Copy)]
struct Parameters {
    format: c_int,
    last_frame: c_int,
    bytes_per_line: c_int,
    pixels_per_line: c_int,
    lines: c_int,
    depth: c_int,
}

/// The entry points, resolved once from libsane.so.1.
struct Api {
    _lib: libloading::Library,
    get_devices: unsafe extern "C" fn(*mut *const *const Device, c_int) -> Status,
    open: unsafe extern "C" fn(*const c_char, *mut Handle) -> Status,
    close: unsafe extern "C" fn(Handle),
    get_option_descriptor: unsafe extern "C" fn(Handle, c_int) -> *const OptionDescriptor,
    control_option: unsafe extern "C" fn(Handle, c_int, c_int, *mut c_void, *mut c_int) -> Status,
    get_parameters: unsafe extern "C" fn(Handle, *mut Parameters) -> Status,
    start: unsafe extern "C" fn(Handle) -> Status,
    read: unsafe extern "C" fn(Handle, *mut u8, c_int, *mut c_int) -> Status,
    cancel: unsafe extern "C" fn(Handle),
    strstatus: unsafe extern "C" fn(Status) -> *const c_char,
}

// The raw pointers inside are only used under the lock below.
unsafe impl Send for Api {}

static API: OnceLock<Result<Mutex<Api>, String>> = OnceLock::new();

/// The library, loaded and initialised once, locked for the caller.
fn api() -> Result<MutexGuard<'static, Api>, String> {
    let loaded = API.get_or_init(|| load().map(Mutex::new));
    match loaded {
        Ok(m) => Ok(m.lock().unwrap_or_else(|p| p.into_inner())),
        Err(e) => Err(e.clone()),
    }
}

fn load() -> Result<Api, String> {
    // SAFETY: libsane's initialisers only set up its own state.
    let lib = unsafe { libloading::Library::new("libsane.so.1") }
        .map_err(|e| format!("libsane.so.1 cannot be loaded ({e}): install Debian's libsane1"))?;
    macro_rules! sym {
        ($name:literal) => {
            // SAFETY: the types above are sane.h's prototypes for these names.
            *unsafe { lib.get($name) }.map_err(|e| format!("libsane.so.1: {e}"))?
        };
    }
    let init: unsafe extern "C" fn(*mut c_int, *const c_void) -> Status = sym!(b"sane_init");
    let api = Api {
        get_devices: sym!(b"sane_get_devices"),
        open: sym!(b"sane_open"),
        close: sym!(b"sane_close"),
        get_option_descriptor: sym!(b"sane_get_option_descriptor"),
        control_option: sym!(b"sane_control_option"),
        get_parameters: sym!(b"sane_get_parameters"),
        start: sym!(b"sane_start"),
        read: sym!(b"sane_read"),
        cancel: sym!(b"sane_cancel"),
        strstatus: sym!(b"sane_strstatus"),
        _lib: lib,
    };
    let mut version = 0;
    // SAFETY: no authorisation callback (a null one is allowed).
    let status = unsafe { init(&mut version, std::ptr::null()) };
    if status != GOOD {
        return Err(format!("sane_init failed (status {status})"));
    }
    Ok(api)
}

impl Api {
    fn why(&self, status: Status) -> String {
        // SAFETY: sane_strstatus returns a static string for any status.
        let s = unsafe { (self.strstatus)(status) };
        if s.is_null() {
            return format!("status {status}");
        }
        unsafe { CStr::from_ptr(s) }.to_string_lossy().into_owned()
    }

    /// The scanners SANE finds now, as (name, "vendor model").
    fn devices(&self) -> Result<Vec<(String, String)>, String> {
        let mut list: *const *const Device = std::ptr::null();
        // SAFETY: SANE fills `list` with a null-terminated array it owns until the next call.
        let status = unsafe { (self.get_devices)(&mut list, 0) };
        if status != GOOD {
            return Err(self.why(status));
        }
        let mut out = vec![];
        let text = |p: *const c_char| {
            if p.is_null() {
                String::new()
            } else {
                unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
            }
        };
        let mut i = 0;
        while !list.is_null() {
            let dev = unsafe { *list.add(i) };
            if dev.is_null() {
                break;
            }
            let d = unsafe { &*dev };
            out.push((text(d.name), format!("{} {}", text(d.vendor), text(d.model))));
            i += 1;
        }
        Ok(out)
    }
}

/// A value for a backend option, from the configuration.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum OptValue {
    Text(String),
    Number(f64),
    Flag(bool),
}

impl OptValue {
    pub fn from_toml(v: &toml::Value) -> OptValue {
        match v {
            toml::Value::Integer(i) => OptValue::Number(*i as f64),
            toml::Value::Float(f) => OptValue::Number(*f),
            toml::Value::Boolean(b) => OptValue::Flag(*b),
            toml::Value::String(s) => OptValue::Text(s.clone()),
            other => OptValue::Text(other.to_string()),
        }
    }
}

/// An open device; closed (and any scan cancelled) when dropped.
struct Open<'a> {
    api: &'a Api,
    handle: Handle,
}

impl Drop for Open<'_> {
    fn drop(&mut self) {
        // SAFETY: the handle came from sane_open and is closed once.
        unsafe {
            (self.api.cancel)(self.handle);
            (self.api.close)(self.handle);
        }
    }
}

impl<'a> Open<'a> {
    fn new(api: &'a Api, name: &str) -> Result<Open<'a>, CaptureError> {
        let c = CString::new(name).map_err(|_| CaptureError::Missing(format!("bad device name {name:?}")))?;
        let mut handle: Handle = std::ptr::null_mut();
        // SAFETY: a valid C string and an out-pointer.
        let status = unsafe { (api.open)(c.as_ptr(), &mut handle) };
        match status {
            GOOD => Ok(Open { api, handle }),
            DEVICE_BUSY => Err(CaptureError::Busy(format!("{name}: {}", api.why(status)))),
            _ => Err(CaptureError::Missing(format!("{name}: {}", api.why(status)))),
        }
    }

    /// Sets an option by name; an option the backend lacks or has switched
    /// off is skipped with a warning (a scanner without a `mode` still scans).
    fn set(&self, name: &str, value: &OptValue) -> Result<(), String> {
        let mut n = 1;
        loop {
            // SAFETY: descriptors stay valid while the handle is open; null past the last.
            let d = unsafe { (self.api.get_option_descriptor)(self.handle, n) };
            if d.is_null() {
                tracing::warn!(option = name, "the scanner has no such option; skipped");
                return Ok(());
            }
            let d = unsafe { &*d };
            let matches = !d.name.is_null() && unsafe { CStr::from_ptr(d.name) }.to_bytes() == name.as_bytes();
            if !matches {
                n += 1;
                continue;
            }
            if d.cap & CAP_INACTIVE != 0 {
                tracing::warn!(option = name, "the option is inactive on this scanner; skipped");
                return Ok(());
            }
            let mut info = 0;
            let status = match (d.kind, value) {
                (TYPE_STRING, v) => {
                    let text = match v {
                        OptValue::Text(s) => s.clone(),
                        OptValue::Number(x) => x.to_string(),
                        OptValue::Flag(b) => b.to_string(),
                    };
                    let mut buf = vec![0u8; (d.size.max(1) as usize).max(text.len() + 1)];
                    buf[..text.len()].copy_from_slice(text.as_bytes());
                    unsafe {
                        (self.api.control_option)(self.handle, n, ACTION_SET_VALUE, buf.as_mut_ptr().cast(), &mut info)
                    }
                }
                (TYPE_INT | TYPE_FIXED | TYPE_BOOL, v) => {
                    let x = match v {
                        OptValue::Number(x) => *x,
                        OptValue::Flag(b) => *b as i32 as f64,
                        OptValue::Text(s) => s.parse().map_err(|_| format!("option {name}: {s:?} is not a number"))?,
                    };
                    let word: c_int = match d.kind {
                        TYPE_FIXED => (x * 65536.0) as c_int,
                        _ => x.round() as c_int,
                    };
                    // Array options (a word per element) get the value in each element.
                    let mut words = vec![word; (d.size.max(4) / 4) as usize];
                    unsafe {
                        (self.api.control_option)(
                            self.handle,
                            n,
                            ACTION_SET_VALUE,
                            words.as_mut_ptr().cast(),
                            &mut info,
                        )
                    }
                }
                _ => return Err(format!("option {name} cannot be set from the configuration")),
            };
            return match status {
                GOOD => Ok(()),
                s => Err(format!("option {name}: {}", self.api.why(s))),
            };
        }
    }

    /// Scans one page: every frame read to its end, then the pixels.
    fn scan(&self) -> Result<DynamicImage, CaptureError> {
        let api = self.api;
        let lost = |status: Status| {
            let why = api.why(status);
            match status {
                IO_ERROR | ACCESS_DENIED => CaptureError::Unplugged(why),
                DEVICE_BUSY => CaptureError::Busy(why),
                _ => CaptureError::Failed(why),
            }
        };
        // SAFETY: an open handle.
        let status = unsafe { (api.start)(self.handle) };
        if status != GOOD {
            return Err(lost(status));
        }
        let mut params = Parameters::default();
        let status = unsafe { (api.get_parameters)(self.handle, &mut params) };
        if status != GOOD {
            return Err(lost(status));
        }
        if params.format != FRAME_GRAY && params.format != FRAME_RGB {
            return Err(CaptureError::Failed(
                "three-pass colour scanners are not supported: set mode = \"Gray\"".into(),
            ));
        }
        let mut data = Vec::with_capacity((params.bytes_per_line.max(0) * params.lines.max(0)) as usize);
        let mut chunk = vec![0u8; 64 * 1024];
        loop {
            let mut len: c_int = 0;
            // SAFETY: the buffer holds chunk.len() bytes.
            let status = unsafe { (api.read)(self.handle, chunk.as_mut_ptr(), chunk.len() as c_int, &mut len) };
            match status {
                GOOD => data.extend_from_slice(&chunk[..len.max(0) as usize]),
                EOF => break,
                s => return Err(lost(s)),
            }
        }
        to_image(&params, &data).map_err(CaptureError::Failed)
    }
}

/// Raw SANE lines as an image: 1-bit (1 = black), 8-bit or 16-bit (native order) grey or RGB.
fn to_image(p: &Parameters, data: &[u8]) -> Result<DynamicImage, String> {
    let bpl = p.bytes_per_line.max(1) as usize;
    let w = p.pixels_per_line.max(0) as usize;
    // A hand scanner does not know its height beforehand (-1): the data says.
    let h = data.len() / bpl;
    if w == 0 || h == 0 {
        return Err("the scanner sent no image".into());
    }
    let channels = if p.format == FRAME_RGB { 3 } else { 1 };
    let mut out = Vec::with_capacity(w * h * channels);
    for row in data.chunks_exact(bpl).take(h) {
        match p.depth {
            1 => out.extend((0..w).map(|x| if row[x / 8] & (0x80 >> (x % 8)) != 0 { 0 } else { 255 })),
            8 => out.extend_from_slice(&row[..w * channels]),
            16 => out
                .extend(row[..w * channels * 2].chunks_exact(2).map(|b| (u16::from_ne_bytes([b[0], b[1]]) >> 8) as u8)),
            d => return Err(format!("a depth of {d} bits is not supported")),
        }
    }
    let (w, h) = (w as u32, h as u32);
    Ok(match channels {
        3 => DynamicImage::ImageRgb8(image::RgbImage::from_raw(w, h, out).ok_or("short RGB data")?),
        _ => DynamicImage::ImageLuma8(image::GrayImage::from_raw(w, h, out).ok_or("short grey data")?),
    })
}

/// The configured device, or the first SANE finds.
fn device_name(api: &Api, device: Option<&str>) -> Result<String, CaptureError> {
    if let Some(d) = device {
        return Ok(d.to_string());
    }
    let found = api.devices().map_err(CaptureError::Missing)?;
    found.into_iter().next().map(|(name, _)| name).ok_or_else(|| {
        CaptureError::Missing("SANE finds no scanner (is it plugged in? `scanimage -L` lists them)".into())
    })
}

/// Opens the scanner and closes it again: is it there?
pub(super) fn probe(device: Option<&str>) -> Result<(), CaptureError> {
    let api = api().map_err(CaptureError::Missing)?;
    let name = device_name(&api, device)?;
    let opened = Open::new(&api, &name).map(drop);
    match opened {
        // Busy is there: someone scans.
        Ok(()) | Err(CaptureError::Busy(_)) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Scans one page and hands the result to `deliver` while the device is
/// still open; only then is the scan cancelled and the device closed.
/// (Closing can hang inside a backend: the SANE helper process has sent
/// its answer by then, and the kiosk stops it.)
pub(super) fn scan_page(
    device: Option<&str>,
    options: &[(String, OptValue)],
    deliver: impl FnOnce(Result<DynamicImage, CaptureError>),
) {
    let api = match api() {
        Ok(api) => api,
        Err(e) => return deliver(Err(CaptureError::Missing(e))),
    };
    let name = match device_name(&api, device) {
        Ok(name) => name,
        Err(e) => return deliver(Err(e)),
    };
    let dev = match Open::new(&api, &name) {
        Ok(dev) => dev,
        Err(e) => return deliver(Err(e)),
    };
    for (k, v) in options {
        if let Err(e) = dev.set(k, v) {
            return deliver(Err(CaptureError::Failed(format!("{name}: {e}"))));
        }
    }
    deliver(dev.scan().map_err(|e| match e {
        CaptureError::Unplugged(why) => CaptureError::Unplugged(format!("{name}: {why}")),
        CaptureError::Busy(why) => CaptureError::Busy(format!("{name}: {why}")),
        CaptureError::Failed(why) => CaptureError::Failed(format!("{name}: {why}")),
        other => other,
    }));
    drop(dev);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_lines_of_every_depth_become_images() {
        let p = |format, depth, bpl, ppl| Parameters {
            format,
            last_frame: 1,
            bytes_per_line: bpl,
            pixels_per_line: ppl,
            lines: -1,
            depth,
        };
        // Line art: 1 is black; 10 pixels in 2 bytes per line, 2 lines.
        let img = to_image(&p(FRAME_GRAY, 1, 2, 10), &[0b1000_0000, 0b0100_0000, 0, 0]).unwrap().to_luma8();
        assert_eq!((img.width(), img.height()), (10, 2));
        assert_eq!((img.get_pixel(0, 0)[0], img.get_pixel(1, 0)[0], img.get_pixel(9, 0)[0]), (0, 255, 0));
        // 16-bit grey keeps the high byte; RGB stays RGB.
        let img = to_image(&p(FRAME_GRAY, 16, 4, 2), &[0x00, 0xAB, 0xFF, 0x12].map(|b| b)).unwrap().to_luma8();
        assert_eq!(img.get_pixel(0, 0)[0], (u16::from_ne_bytes([0x00, 0xAB]) >> 8) as u8);
        let img = to_image(&p(FRAME_RGB, 8, 6, 2), &[1, 2, 3, 4, 5, 6]).unwrap().to_rgb8();
        assert_eq!(img.get_pixel(1, 0).0, [4, 5, 6]);
        assert!(to_image(&p(FRAME_GRAY, 8, 4, 4), &[]).is_err(), "no data");
    }
}
