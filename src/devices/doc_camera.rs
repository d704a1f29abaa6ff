//! A UVC document camera through V4L2: the [`PageSource`] of a camera arm
//! over the counter.
//!
//! UVC cameras give their full resolution only as MJPEG (USB 2 has no room
//! for raw frames that large), so MJPEG is asked for first and decoded with
//! the `image` crate, YUYV second and converted here (BT.601). The stream is
//! opened on first use and kept for the live preview, and let go when the
//! citizen leaves the capture screen, so the camera's light goes off. A still
//! skips the first frames after opening: a UVC camera's automatic exposure
//! needs a few to settle. No V4L2 device can be emulated on our build
//! machines (no v4l2loopback); the conversions are tested on buffers.

use super::capture::{CaptureError, PageSource};
use super::scanner::Health;
use image::DynamicImage;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

/// Frames thrown away after opening, while the exposure settles.
const SETTLE_FRAMES: usize = 4;

type Open = (v4l::io::mmap::Stream<'static>, v4l::Format);

pub struct DocCamera {
    path: PathBuf,
    width: u32,
    height: u32,
    open: Mutex<Option<Open>>,
}

impl DocCamera {
    pub fn new(path: PathBuf, width: u32, height: u32) -> DocCamera {
        DocCamera { path, width, height, open: Mutex::new(None) }
    }

    /// An open error as the citizen's kind of failure: gone, or held by another program.
    fn open_error(&self, e: std::io::Error) -> CaptureError {
        let what = format!("{}: {e}", self.path.display());
        match e.raw_os_error() {
            Some(16) => CaptureError::Busy(what), // EBUSY
            _ => CaptureError::Missing(what),
        }
    }

    fn open(&self) -> Result<Open, CaptureError> {
        use v4l::video::Capture;
        let dev = v4l::Device::with_path(&self.path).map_err(|e| self.open_error(e))?;
        let mut want = dev.format().map_err(|e| self.open_error(e))?;
        want.width = self.width;
        want.height = self.height;
        let mut got = None;
        for fourcc in [b"MJPG", b"YUYV"] {
            want.fourcc = v4l::FourCC::new(fourcc);
            let f = dev.set_format(&want).map_err(|e| self.open_error(e))?;
            if &f.fourcc.repr == fourcc {
                got = Some(f);
                break;
            }
        }
        let format = got.ok_or_else(|| {
            CaptureError::Failed(format!("{}: offers neither MJPEG nor YUYV frames", self.path.display()))
        })?;
        let mut stream = v4l::io::mmap::Stream::with_buffers(&dev, v4l::buffer::Type::VideoCapture, 4)
            .map_err(|e| self.open_error(e))?;
        stream.set_timeout(Duration::from_secs(3));
        Ok((stream, format))
    }

    /// The next frame, opening the camera when needed (and settling it then).
    fn frame(&self) -> Result<DynamicImage, CaptureError> {
        use v4l::io::traits::CaptureStream;
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let fresh = open.is_none();
        if fresh {
            *open = Some(self.open()?);
        }
        let (stream, format) = open.as_mut().expect("opened above");
        let (fourcc, w, h, stride) = (format.fourcc.repr, format.width, format.height, format.stride);
        for _ in 0..if fresh { SETTLE_FRAMES } else { 0 } {
            if let Err(e) = stream.next() {
                *open = None;
                return Err(CaptureError::Unplugged(format!("{}: {e}", self.path.display())));
            }
        }
        let (stream, _) = open.as_mut().expect("still open");
        match stream.next() {
            Ok((buf, meta)) => {
                let used = (meta.bytesused as usize).min(buf.len());
                let used = if used == 0 { buf.len() } else { used };
                decode_frame(&buf[..used], fourcc, w, h, stride)
                    .map_err(|why| CaptureError::Failed(format!("{}: {why}", self.path.display())))
            }
            Err(e) => {
                // ENODEV and friends: the camera went away under the stream.
                *open = None;
                Err(CaptureError::Unplugged(format!("{}: {e}", self.path.display())))
            }
        }
    }
}

impl PageSource for DocCamera {
    fn describe(&self) -> String {
        format!("V4L2 document camera {}", self.path.display())
    }

    fn health(&self) -> Health {
        if self.open.lock().unwrap_or_else(|p| p.into_inner()).is_some() {
            return Health::Ok;
        }
        match v4l::Device::with_path(&self.path) {
            Ok(_) => Health::Ok,
            Err(e) => Health::Disconnected(format!("{}: {e}", self.path.display())),
        }
    }

    fn capture(&self) -> Result<DynamicImage, CaptureError> {
        self.frame()
    }

    fn preview(&self) -> Result<Option<DynamicImage>, CaptureError> {
        self.frame().map(Some)
    }

    fn release(&self) {
        *self.open.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
}

/// One captured buffer as an image: MJPEG decoded, YUYV converted to RGB.
pub fn decode_frame(buf: &[u8], fourcc: [u8; 4], width: u32, height: u32, stride: u32) -> Result<DynamicImage, String> {
    match &fourcc {
        b"MJPG" => image::load_from_memory_with_format(buf, image::ImageFormat::Jpeg).map_err(|e| e.to_string()),
        b"YUYV" => yuyv_to_rgb(buf, width, height, stride)
            .map(DynamicImage::ImageRgb8)
            .ok_or_else(|| format!("a short YUYV frame ({} bytes for {width}×{height})", buf.len())),
        other => Err(format!("unsupported pixel format {}", String::from_utf8_lossy(other))),
    }
}

/// YUYV 4:2:2 (two pixels in Y0 U Y1 V) to RGB, BT.601 limited range.
pub fn yuyv_to_rgb(buf: &[u8], width: u32, height: u32, stride: u32) -> Option<image::RgbImage> {
    let (w, h) = (width as usize, height as usize);
    let stride = (stride as usize).max(w * 2);
    if w % 2 != 0 || h == 0 || buf.len() < stride * (h - 1) + w * 2 {
        return None;
    }
    let mut out = Vec::with_capacity(w * h * 3);
    for y in 0..h {
        for px in buf[y * stride..y * stride + w * 2].chunks_exact(4) {
            let (u, v) = (px[1] as f32 - 128.0, px[3] as f32 - 128.0);
            for luma in [px[0], px[2]] {
                let c = 1.164 * (luma as f32 - 16.0);
                let clamp = |x: f32| x.round().clamp(0.0, 255.0) as u8;
                out.extend([clamp(c + 1.596 * v), clamp(c - 0.392 * u - 0.813 * v), clamp(c + 2.017 * u)]);
            }
        }
    }
    image::RgbImage::from_raw(width, height, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuyv_frames_become_rgb() {
        // White, black, then a saturated red pair; a row padded by 4 bytes.
        let buf = [235, 128, 16, 128, 0, 0, 0, 0, 81, 90, 81, 240, 0, 0, 0, 0];
        let rgb = yuyv_to_rgb(&buf, 2, 2, 8).unwrap();
        assert_eq!(rgb.get_pixel(0, 0).0, [255, 255, 255]);
        assert_eq!(rgb.get_pixel(1, 0).0, [0, 0, 0]);
        let red = rgb.get_pixel(0, 1).0;
        assert!(red[0] > 230 && red[1] < 20 && red[2] < 20, "{red:?}");
        assert!(yuyv_to_rgb(&buf[..10], 2, 2, 8).is_none(), "short");
    }

    #[test]
    fn mjpeg_frames_are_decoded_and_other_formats_refused() {
        let img = image::RgbImage::from_pixel(16, 8, image::Rgb([200, 30, 30]));
        let mut jpeg = vec![];
        image::DynamicImage::ImageRgb8(img)
            .write_to(&mut std::io::Cursor::new(&mut jpeg), image::ImageFormat::Jpeg)
            .unwrap();
        let got = decode_frame(&jpeg, *b"MJPG", 16, 8, 0).unwrap();
        assert_eq!((got.width(), got.height()), (16, 8));
        assert!(decode_frame(&jpeg[..20], *b"MJPG", 16, 8, 0).is_err(), "a torn frame");
        assert!(decode_frame(&[0; 64], *b"NV12", 4, 4, 4).unwrap_err().contains("NV12"));
    }

    #[test]
    fn a_missing_camera_is_a_missing_device_and_never_hangs() {
        let cam = DocCamera::new("/dev/no-such-video".into(), 1920, 1080);
        assert!(matches!(cam.health(), Health::Disconnected(why) if why.contains("no-such-video")));
        assert!(matches!(cam.capture(), Err(CaptureError::Missing(_))));
        assert!(matches!(cam.preview(), Err(CaptureError::Missing(_))));
    }
}
