//! Supporting documents, measured (issue #18; numbers for the report, not
//! timed tests): processing time per page (capture to preview), bytes per
//! page at 200 dpi A4, peak memory while processing one page, commit time of
//! a ten-page request, and the drain of N ten-page requests by the uploader
//! (resumable uploads) against a raw HTTP client posting the same bodies.
//!
//! `cargo run --release --example docs_bench [-- N]` (default 100 requests;
//! 0 skips the drain). Pages are synthetic: a typed A4 letter (lines of
//! word-like glyph strokes, ~6 % ink) photographed on a darker desk by an
//! 8 MP document camera, and the same letter scanned at 300 dpi.

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: u32) -> u32 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as u32
    }
}

/// A typed page of `w`×`h` pixels drawn into `img` at (`x0`, `y0`): margins,
/// lines of words made of glyph-like strokes, paper grey `paper`.
fn letter(img: &mut image::GrayImage, x0: u32, y0: u32, w: u32, h: u32, paper: u8, seed: u64) {
    let mut r = Lcg(seed);
    for y in y0..y0 + h {
        for x in x0..x0 + w {
            img.put_pixel(x, y, image::Luma([paper - (r.next(6) as u8)]));
        }
    }
    let s = w as f32 / 1654.0; // glyph scale: 200 dpi A4 width
    let (glyph_w, glyph_h, line) = ((16.0 * s) as u32, (24.0 * s) as u32, (44.0 * s) as u32);
    let stroke = ((3.0 * s) as u32).max(1);
    let (left, right) = (x0 + w / 9, x0 + w - w / 9);
    let mut y = y0 + h / 10;
    while y + glyph_h < y0 + h - h / 10 {
        let mut x = left;
        let line_end = right - r.next(w / 4);
        while x + glyph_w < line_end {
            let word = 2 + r.next(8);
            for _ in 0..word {
                if x + glyph_w >= line_end {
                    break;
                }
                // A glyph: one or two vertical strokes and a horizontal one.
                let ink = |img: &mut image::GrayImage, gx: u32, gy: u32, gw: u32, gh: u32| {
                    for yy in gy..gy + gh {
                        for xx in gx..gx + gw {
                            img.put_pixel(xx, yy, image::Luma([30]));
                        }
                    }
                };
                ink(img, x + r.next(glyph_w / 2), y, stroke, glyph_h);
                if r.next(2) == 0 {
                    ink(img, x + glyph_w / 2 + r.next(glyph_w / 3), y + glyph_h / 3, stroke, glyph_h * 2 / 3);
                }
                ink(img, x, y + r.next(glyph_h), glyph_w * 2 / 3, stroke);
                x += glyph_w;
            }
            x += glyph_w;
        }
        y += line;
    }
}

fn vm_hwm_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() -> anyhow::Result<()> {
    let n: usize = std::env::args().nth(1).map(|s| s.parse()).transpose()?.unwrap_or(100);
    let hwm_start = vm_hwm_kb();

    // An 8 MP document camera's greyscale frame: the letter on a desk.
    let mut frame = image::GrayImage::from_pixel(3264, 2448, image::Luma([60]));
    letter(&mut frame, 860, 120, 1540, 2180, 200, 1);
    let hwm_frame = vm_hwm_kb();
    let mut times = vec![];
    let mut page = None;
    for _ in 0..5 {
        let t = Instant::now();
        page = Some(ghiseu::documents::process_luma(frame.clone()));
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let camera = page.unwrap();
    let hwm_after = vm_hwm_kb();
    println!(
        "camera frame 3264×2448 GREY → page: median {:.0} ms (5 runs); {}×{} px, {} KB at quality {}, cropped {}, blank {}",
        median(times),
        camera.width,
        camera.height,
        camera.jpeg.len() / 1000,
        camera.quality,
        camera.cropped,
        camera.blank
    );
    println!(
        "peak memory: {} MB before the frame, {} MB with the frame, {} MB after processing (peak during processing: +{} MB over the frame)",
        hwm_start / 1024,
        hwm_frame / 1024,
        hwm_after / 1024,
        hwm_after.saturating_sub(hwm_frame) / 1024
    );

    // The same letter scanned at 300 dpi (a flatbed: white lid, no desk), as a JPEG file.
    let mut scan = image::GrayImage::from_pixel(2480, 3508, image::Luma([235]));
    letter(&mut scan, 0, 0, 2480, 3508, 235, 2);
    let mut jpeg = std::io::Cursor::new(vec![]);
    image::DynamicImage::ImageLuma8(scan).write_to(&mut jpeg, image::ImageFormat::Jpeg)?;
    let file = jpeg.into_inner();
    let mut times = vec![];
    let mut scanned = None;
    for _ in 0..5 {
        let t = Instant::now();
        let img = ghiseu::documents::decode(&file)?;
        scanned = Some(ghiseu::documents::process(&img));
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let scanned = scanned.unwrap();
    println!(
        "300 dpi A4 scan as a {} KB JPEG file → decode + page: median {:.0} ms; {}×{} px (200 dpi A4), {} KB at quality {}",
        file.len() / 1000,
        median(times),
        scanned.width,
        scanned.height,
        scanned.jpeg.len() / 1000,
        scanned.quality
    );

    // A ten-page request, committed as the kiosk does (PDF, seal, sign, fsync).
    let dir = tempfile::tempdir_in("/var/tmp")?;
    let keys = dir.path().join("keys");
    ghiseu::crypto::provision_pair(&keys, &dir.path().join("intake-a"), "bench")?;
    let b = dir.path().join("intake-b");
    std::fs::create_dir_all(b.join("kiosks"))?;
    std::fs::copy(dir.path().join("intake-a/municipality.key"), b.join("municipality.key"))?;
    std::fs::copy(dir.path().join("intake-a/kiosks/bench.pem"), b.join("kiosks/bench.pem"))?;
    let sealer = ghiseu::crypto::Sealer {
        kiosk_id: "bench".into(),
        recipient: ghiseu::crypto::load_recipient(&keys.join("municipality.pub"))?,
        key: ghiseu::crypto::KioskKey::load(&keys.join("kiosk.pem"))?,
    };
    let letterhead = ghiseu::pdf::Letterhead {
        municipality: "Primăria de test".into(),
        status_url_base: "https://registratura.example/s/".into(),
        texts: Arc::new(ghiseu::i18n::Texts::builtin()),
    };
    let form = ghiseu::forms::Catalogue::builtin().get("sesizare").unwrap().clone();
    let pages: Vec<ghiseu::documents::AttachedPage> = (0..10u64)
        .map(|i| {
            let mut f = image::GrayImage::from_pixel(3264, 2448, image::Luma([60]));
            letter(&mut f, 860, 120, 1540, 2180, 200, 10 + i);
            let document = if i < 5 { "fotografii" } else { "alte-documente" }.to_owned();
            ghiseu::documents::AttachedPage { document, page: ghiseu::documents::process_luma(f) }
        })
        .collect();
    let page_bytes: usize = pages.iter().map(|p| p.page.jpeg.len()).sum();
    let queue_path = dir.path().join("queue.sqlite");
    let mut q = ghiseu::queue::Queue::open(&queue_path)?;
    let answers = |i: usize| {
        BTreeMap::from([
            ("nume".to_owned(), "Ionescu".to_owned()),
            ("prenume".to_owned(), "Ana".to_owned()),
            ("adresa".to_owned(), "Str. Lungă 1".to_owned()),
            ("locatie".to_owned(), format!("Str. Morii {i}")),
            ("descriere".to_owned(), "Stâlp de iluminat căzut pe trotuar.".to_owned()),
        ])
    };
    let mut times = vec![];
    let total = n.max(5);
    for i in 0..total {
        let t = Instant::now();
        ghiseu::submission::submit(
            &mut q,
            &sealer,
            &letterhead,
            &form,
            ghiseu::i18n::Lang::Ro,
            answers(i),
            &pages,
            i as i64,
        )?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let payloads: Vec<(String, Vec<u8>)> = q.due(i64::MAX, total)?.into_iter().map(|p| (p.key, p.payload)).collect();
    drop(q);
    let envelope = payloads[0].1.len();
    println!(
        "ten-page request ({} KB of pages): commit median {:.0} ms, max {:.0} ms ({total} commits: PDF, seal, sign, INSERT + fsync); envelope {:.2} MB",
        page_bytes / 1000,
        median(times.clone()),
        times.iter().copied().fold(0.0, f64::max),
        envelope as f64 / 1e6
    );
    if n == 0 {
        return Ok(());
    }

    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let start_intake = |data: std::path::PathBuf| {
        rt.block_on(async move {
            let l = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            let url = format!("http://{}", l.local_addr()?);
            // The raw client posts whole bodies: the POST limit raised to fit them.
            let limits = ghiseu::intake::Limits {
                max_body_bytes: 32 << 20,
                request_timeout: Duration::from_secs(60),
                ..Default::default()
            };
            let options = ghiseu::intake::Options { limits, ..Default::default() };
            tokio::spawn(async move { ghiseu::intake::run(l, &data, options, std::future::pending()).await });
            tokio::time::sleep(Duration::from_millis(200)).await;
            anyhow::Ok(url)
        })
    };
    let url_a = start_intake(dir.path().join("intake-a"))?;
    let url_b = start_intake(b)?;
    let raw = rt.block_on(common::raw_drain(&url_a, &payloads))?;
    drop(payloads);
    let up = ghiseu::upload::Uploader {
        queue: Arc::new(Mutex::new(ghiseu::queue::Queue::open(&queue_path)?)),
        client: ghiseu::upload::IntakeClient::new(&url_b, Duration::from_secs(60), None),
        backoff: Default::default(),
        wake: Default::default(),
        retention: Duration::from_secs(86_400),
    };
    let t = Instant::now();
    rt.block_on(up.drain())?;
    let drained = t.elapsed();
    let counts = ghiseu::queue::Queue::open(&queue_path)?.counts()?;
    anyhow::ensure!(counts.uploaded as usize == total, "uploader delivered {} of {total}", counts.uploaded);
    let rate = |d: Duration| total as f64 / d.as_secs_f64();
    println!(
        "drain of {total} ten-page requests ({:.0} MB): raw client (whole POSTs) {:.1}/s ({:.1} s, {:.0} MB/s), uploader (resumable PATCHes) {:.1}/s ({:.1} s), ratio {:.2}",
        (envelope * total) as f64 / 1e6,
        rate(raw),
        raw.as_secs_f64(),
        (envelope * total) as f64 / 1e6 / raw.as_secs_f64(),
        rate(drained),
        drained.as_secs_f64(),
        rate(drained) / rate(raw)
    );
    Ok(())
}
