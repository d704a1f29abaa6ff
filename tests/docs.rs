//! Supporting documents end to end (issue #18): pictures attached with
//! `ghiseu queue submit --attach` are processed, sealed with the answers,
//! uploaded, and become pages of the registry's PDF, which is checked with
//! poppler's `pdfimages -list` and `pdfinfo`, not with our own code. The
//! failure cases: a required document left empty, a file that is not a
//! picture, a blank page, an oversized page.
//!
//! The test pictures are made here: a synthetic photo of a page (light paper
//! with text-like strokes on a darker desk, so cropping is exercised), a
//! flatbed-style scan, a blank sheet, and noise that does not compress.

mod common;
use common::OutputWithin;
#[path = "common/intake.rs"]
mod intake;
#[path = "common/staff.rs"]
mod staff;

use image::{GrayImage, Luma};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// A photo of a page: light paper with rows of dark strokes, on a dark desk.
fn photo_of_page(w: u32, h: u32, paper: (u32, u32, u32, u32)) -> GrayImage {
    let (px, py, pw, ph) = paper;
    GrayImage::from_fn(w, h, |x, y| {
        if !(x >= px && x < px + pw && y >= py && y < py + ph) {
            return Luma([35 + ((x * 7 + y * 13) % 13) as u8]);
        }
        let (lx, ly) = (x - px, y - py);
        let text = lx > pw / 10 && lx < pw * 9 / 10 && (12..26).contains(&(ly % 44)) && (lx / 4 + ly / 6) % 5 != 0;
        Luma([if text { 45 } else { 178 + ((x + y) % 7) as u8 }])
    })
}

fn save(img: &GrayImage, path: &Path) -> PathBuf {
    img.save(path).unwrap();
    path.to_owned()
}

/// A sesizare whose form requires a document (`poza`, one page), and the
/// shipped "Alte documente"; served from the kiosk's own forms folder.
fn kiosk_with_required_document(dir: &Path, intake_url: &str) -> PathBuf {
    let forms = dir.join("forms");
    std::fs::create_dir_all(&forms).unwrap();
    let text = std::fs::read_to_string(common::repo().join("forms/sesizare.toml")).unwrap();
    let (head, _) = text.split_once("[[documents]]").unwrap();
    let text = format!(
        "{head}[[documents]]\nid = \"poza\"\nlabel = {{ ro = \"Fotografia locului\" }}\nrequired = true\n\
         max_pages = 1\n\n[[documents]]\nid = \"alte-documente\"\nlabel = {{ ro = \"Alte documente\" }}\n\
         max_pages = 10\n"
    );
    std::fs::write(forms.join("sesizare.toml"), text).unwrap();
    let cfg = common::write_config(dir, intake_url);
    let with_forms = std::fs::read_to_string(&cfg).unwrap().replacen(
        "idle_timeout_secs = 300\n",
        &format!("idle_timeout_secs = 300\nforms_dir = \"{}\"\n", forms.display()),
        1,
    );
    std::fs::write(&cfg, with_forms).unwrap();
    cfg
}

const ANSWERS: &str = r#"{"nume": "Ionescu", "prenume": "Ana", "adresa": "Str. Lungă 1", "locatie": "Str. Morii 3",
    "descriere": "Groapă adâncă în asfalt.", "categorie": "drumuri", "pericol": "nu"}"#;

fn submit(cfg: &Path, attach: &[&Path]) -> Output {
    use std::io::Write;
    let mut cmd = Command::new(common::bin());
    cmd.args(["queue", "submit", "sesizare", "--config"]).arg(cfg);
    for a in attach {
        cmd.arg("--attach").arg(a);
    }
    let mut child = cmd
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(ANSWERS.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn pending(cfg: &Path) -> u64 {
    let out = Command::new(common::bin()).args(["queue", "status", "--config"]).arg(cfg).output_within(180).unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["pending"].as_u64().unwrap()
}

fn drain(cfg: &Path) {
    let out =
        Command::new(common::bin()).args(["uploader", "--drain", "--config"]).arg(cfg).output_within(180).unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

fn tool(name: &str, args: &[&str]) -> String {
    let out =
        Command::new(name).args(args).output_within(180).unwrap_or_else(|e| panic!("{name} (poppler-utils): {e}"));
    assert!(out.status.success(), "{name} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// `pdfimages -list` rows: (page, width, height, colour components, encoding).
fn pdf_images(pdf: &Path) -> Vec<(u32, u32, u32, String, String)> {
    tool("pdfimages", &["-list", pdf.to_str().unwrap()])
        .lines()
        .skip(2)
        .map(|l| {
            let c: Vec<&str> = l.split_whitespace().collect();
            (c[0].parse().unwrap(), c[3].parse().unwrap(), c[4].parse().unwrap(), c[6].into(), c[8].into())
        })
        .collect()
}

fn pdf_pages(pdf: &Path) -> u32 {
    let info = tool("pdfinfo", &[pdf.to_str().unwrap()]);
    info.lines().find_map(|l| l.strip_prefix("Pages:")).unwrap().trim().parse().unwrap()
}

/// Whether any file under `dir` contains `needle`.
fn found_under(dir: &Path, needle: &[u8]) -> Option<PathBuf> {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if let Some(p) = found_under(&path, needle) {
                return Some(p);
            }
        } else if std::fs::read(&path).unwrap().windows(needle.len()).any(|w| w == needle) {
            return Some(path);
        }
    }
    None
}

#[test]
fn pages_attached_by_queue_submit_become_pages_of_the_registry_pdf() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Keys first: the intake needs the municipality key the kiosk seals to.
    let _ = kiosk_with_required_document(d, "http://127.0.0.1:9");
    let intake = intake::Intake::start(&d.join("intake"), &[], false);
    let cfg = kiosk_with_required_document(d, &intake.url);

    let photo = save(&photo_of_page(1600, 1200, (420, 80, 760, 1040)), &d.join("photo.png"));
    let scan = d.join("scan.jpg");
    image::DynamicImage::ImageLuma8(photo_of_page(1240, 1754, (0, 0, 1240, 1754))).save(&scan).unwrap();

    let out = submit(&cfg, &[&photo, &scan]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let code = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("PDF not made"), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(pending(&cfg), 1);

    drain(&cfg);
    let pdf = d.join(format!("intake/documents/{code}.pdf"));
    assert!(pdf.exists(), "no {}", pdf.display());
    let images = pdf_images(&pdf);
    assert_eq!(images.len(), 2, "{images:?}");
    let pages = pdf_pages(&pdf);
    // The answers' page(s), then one page per attached page, in order.
    assert_eq!(images.iter().map(|i| i.0).collect::<Vec<_>>(), [pages - 1, pages]);
    // Greyscale JPEGs (one component; PDF/A gives them an ICC-based grey).
    for (_, _, _, components, encoding) in &images {
        assert_eq!((components.as_str(), encoding.as_str()), ("1", "jpeg"), "{images:?}");
    }
    // The photo was cropped to its paper (760×1040 on a 1600×1200 desk).
    let (w, h) = (images[0].1, images[0].2);
    assert!(w.abs_diff(760) <= 8 && h.abs_diff(1040) <= 8, "cropped to {w}×{h}");
    // The scan has no desk around it: kept whole (under A4 at 200 dpi).
    assert_eq!((images[1].1, images[1].2), (1240, 1754));

    // The intake keeps the pages beside the PDF, in order, by document.
    let folder = d.join(format!("intake/documents/{code}"));
    let mut names: Vec<String> =
        std::fs::read_dir(&folder).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    assert_eq!(names, ["01-poza.jpg", "02-alte-documente.jpg"]);
    let first = std::fs::read(folder.join("01-poza.jpg")).unwrap();
    assert!(first.len() <= 300_000);
    assert_eq!(image::load_from_memory(&first).unwrap().width(), w);

    // Registry staff see the pages on the request's page and open them, signed in only.
    let out = staff::add_user(&d.join("intake"), &[], "ana", staff::PASSWORD);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let mut c = staff::Client::new(&intake.url);
        let first_page = format!("/staff/r/{code}/p/01-poza.jpg");
        assert_ne!(c.get_bytes(&first_page).await.0, 200, "a page shown without signing in");
        c.sign_in("ana", staff::PASSWORD).await;
        let page = c.get(&format!("/staff/r/{code}")).await;
        assert!(page.body.contains(&first_page) && page.body.contains("02-alte-documente.jpg"), "{}", page.body);
        let (status, headers, bytes) = c.get_bytes(&first_page).await;
        assert_eq!((status, headers["content-type"].to_str().unwrap()), (200, "image/jpeg"));
        assert_eq!(bytes, first);
        assert_eq!(c.get_bytes(&format!("/staff/r/{code}/p/..%2F{code}.pdf")).await.0, 404);
        assert_eq!(c.get_bytes(&format!("/staff/r/{code}/p/03-none.jpg")).await.0, 404);
    });
}

#[test]
fn pages_are_never_in_clear_on_the_panels_disk() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cfg = kiosk_with_required_document(d, "http://127.0.0.1:9");
    let photo = save(&photo_of_page(900, 1200, (100, 100, 700, 1000)), &d.join("photo.png"));
    let out = submit(&cfg, &[&photo]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // The page exactly as processed (the same code the kiosk runs).
    let page = ghiseu::documents::process(&ghiseu::documents::decode(&std::fs::read(&photo).unwrap()).unwrap());
    let middle = &page.jpeg[page.jpeg.len() / 2..page.jpeg.len() / 2 + 64];
    let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &page.jpeg[..3000]);
    assert_eq!(found_under(&d.join("data"), middle), None, "the page's JPEG is in clear on disk");
    assert_eq!(found_under(&d.join("data"), &b64.as_bytes()[1000..1064]), None, "the page's base64 is on disk");
}

#[test]
fn a_required_document_left_empty_names_it_and_queues_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = kiosk_with_required_document(dir.path(), "http://127.0.0.1:9");
    let out = submit(&cfg, &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("\"Fotografia locului\" (`poza`) is required"), "{err}");
    assert!(err.contains("nothing was queued"), "{err}");
    assert!(out.stdout.is_empty());
    assert_eq!(pending(&cfg), 0);
}

#[test]
fn a_file_that_is_not_a_picture_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = kiosk_with_required_document(dir.path(), "http://127.0.0.1:9");
    let good = save(&photo_of_page(600, 800, (50, 50, 500, 700)), &dir.path().join("good.png"));
    let pdf = dir.path().join("cerere.pdf");
    std::fs::write(&pdf, b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n").unwrap();
    let out = submit(&cfg, &[&good, &pdf]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cerere.pdf: not a PNG or JPEG image"), "{err}");
    assert_eq!(pending(&cfg), 0);
}

#[test]
fn a_blank_page_is_flagged_and_still_attached() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = kiosk_with_required_document(dir.path(), "http://127.0.0.1:9");
    let blank =
        save(&GrayImage::from_fn(1240, 1754, |x, y| Luma([225 + ((x ^ y) % 5) as u8])), &dir.path().join("gol.png"));
    let out = submit(&cfg, &[&blank]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("gol.png: Pagina pare goală"), "{err}");
    assert_eq!(pending(&cfg), 1);
}

#[test]
fn an_oversized_page_is_recompressed_not_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let _ = kiosk_with_required_document(d, "http://127.0.0.1:9");
    let intake = intake::Intake::start(&d.join("intake"), &[], false);
    let cfg = kiosk_with_required_document(d, &intake.url);
    // Noise at 300 dpi A4 does not compress: far over 300 KB at any good quality.
    let mut seed = 11u32;
    let noise = GrayImage::from_fn(2480, 3508, |_, _| {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        Luma([(seed >> 24) as u8])
    });
    let big = d.join("zgomot.jpg");
    image::DynamicImage::ImageLuma8(noise).save(&big).unwrap();
    assert!(std::fs::metadata(&big).unwrap().len() > 1_000_000);
    let out = submit(&cfg, &[&big]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let code = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    drain(&cfg);
    let pdf = d.join(format!("intake/documents/{code}.pdf"));
    let images = pdf_images(&pdf);
    assert_eq!(images.len(), 1, "{images:?}");
    assert!(images[0].1 <= 1654 && images[0].2 <= 2339, "{images:?}");
    let filed = std::fs::read(d.join(format!("intake/documents/{code}/01-poza.jpg"))).unwrap();
    assert!(filed.len() <= 300_000, "{} bytes", filed.len());
}

#[test]
fn an_envelope_from_before_documents_still_opens() {
    let old = r#"{"key":"k","tracking_code":"ABC-DEF-GH","kiosk_id":"k1","form_id":"petitie","form_version":1,
        "lang":"ro","created_ms":1,"answers":{"nume":"Ionescu"}}"#;
    let body: ghiseu::wire::api::SubmissionBody = serde_json::from_str(old).unwrap();
    assert!(body.pages.is_empty() && body.pdf.is_none());
    // And a body without pages is written as before (no new field).
    assert!(!serde_json::to_string(&body).unwrap().contains("pages"));
}

/// A TCP proxy in front of `target` that cuts every connection once `cut`
/// bytes came from the client (a link that keeps dropping mid-body). Returns
/// its URL, the connections it saw and the bytes it let through to the intake.
fn flaky_proxy(target: &str, cut: usize) -> (String, Arc<AtomicUsize>, Arc<AtomicUsize>) {
    use std::io::{Read, Write};
    use std::net::{Shutdown, TcpListener, TcpStream};
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let target = target.trim_start_matches("http://").to_owned();
    let (conns, through) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (c, t) = (conns.clone(), through.clone());
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(mut client) = client else { return };
            let Ok(mut server) = TcpStream::connect(&target) else { return };
            c.fetch_add(1, Ordering::SeqCst);
            let (mut client2, mut server2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut server2, &mut client2);
                let _ = client2.shutdown(Shutdown::Both);
            });
            let t = t.clone();
            std::thread::spawn(move || {
                let (mut sent, mut buf) = (0usize, vec![0u8; 16 * 1024]);
                while let Ok(n) = client.read(&mut buf) {
                    let n = n.min(cut - sent);
                    if n == 0 || server.write_all(&buf[..n]).is_err() {
                        break;
                    }
                    sent += n;
                    t.fetch_add(n, Ordering::SeqCst);
                    if sent >= cut {
                        break;
                    }
                }
                let _ = server.shutdown(Shutdown::Both);
                let _ = client.shutdown(Shutdown::Both);
            });
        }
    });
    (url, conns, through)
}

#[test]
fn a_large_request_over_a_link_that_keeps_dropping_resumes_and_registers_once() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let _ = kiosk_with_required_document(d, "http://127.0.0.1:9");
    let intake = intake::Intake::start(&d.join("intake"), &[], false);
    let cut = 400 * 1024;
    let (proxy, conns, through) = flaky_proxy(&intake.url, cut);
    let cfg = kiosk_with_required_document(d, &proxy);
    // Ten different pages (a photo each), one request.
    let files: Vec<PathBuf> = (0..10u32)
        .map(|i| save(&photo_of_page(1400, 1800, (100 + i * 9, 80, 1100, 1600)), &d.join(format!("p{i}.png"))))
        .collect();
    let refs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let out = submit(&cfg, &refs);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let code = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let export = d.join("export");
    let ex = Command::new(common::bin())
        .args(["queue", "export"])
        .arg(&export)
        .arg("--config")
        .arg(&cfg)
        .output_within(180)
        .unwrap();
    assert!(ex.status.success(), "{}", String::from_utf8_lossy(&ex.stderr));
    let envelope = std::fs::metadata(export.join(format!("{code}.json"))).unwrap().len() as usize;
    eprintln!("ten-page envelope: {envelope} bytes");
    assert!(envelope > 3 * cut, "the envelope ({envelope} B) must need several connections");

    drain(&cfg);
    assert_eq!(pending(&cfg), 0);
    let pdf = d.join(format!("intake/documents/{code}.pdf"));
    assert_eq!(pdf_images(&pdf).len(), 10);
    // It took several connections, and what went through is about one
    // envelope (plus headers and the cut tails), not one per attempt.
    let (n, sent) = (conns.load(Ordering::SeqCst), through.load(Ordering::SeqCst));
    eprintln!("{n} connections, {sent} bytes through the proxy");
    assert!(n >= envelope / cut, "{n} connections");
    assert!(sent < envelope + envelope / 10, "{sent} bytes sent for a {envelope}-byte envelope: it restarted");
    // Registered once: the registry's number 1, and no part left behind.
    let status = get_json(&intake.url, &format!("/api/v1/status/{code}"));
    assert_eq!(status["registration_number"], "1", "{status}");
    assert_eq!(std::fs::read_dir(d.join("intake/uploads")).unwrap().count(), 0);
    // The same envelope carried by hand (`queue export` → `intake import`), too
    // large for one POST, goes the resumable way and gets the same answer.
    let imp = Command::new(common::bin())
        .args(["intake", "import", "--data"])
        .arg(d.join("intake"))
        .arg(export.join(format!("{code}.json")))
        .output_within(180)
        .unwrap();
    let said = String::from_utf8_lossy(&imp.stdout);
    assert!(imp.status.success(), "{said} {}", String::from_utf8_lossy(&imp.stderr));
    assert!(said.contains(": 200 ") && said.contains("\"registration_number\":\"1\""), "{said}");
}

/// A plain HTTP/1.1 GET of a JSON answer.
fn get_json(base: &str, path: &str) -> serde_json::Value {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(base.trim_start_matches("http://")).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let (_, body) = text.split_once("\r\n\r\n").unwrap();
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {text}"))
}
