//! The registry's PDF of a request, checked with independent tools
//! (poppler's pdfinfo, pdftotext, pdffonts and pdfdetach, and qpdf): made by
//! `ghiseu queue submit` as the kiosk makes it, carried sealed to a real
//! intake by the uploader, and filed there as `documents/CODE.pdf`.
//!
//! veraPDF itself (Java, not packaged for Debian) cannot be fetched here; the
//! checks below are the PDF/A-3b rules we can verify with these tools: the
//! PDF/A identification in the XMP metadata, every font embedded, the
//! attachment present with its MIME type and matching the answers, the file
//! structure sound, and the text (with its diacritics) extractable.

mod common;
use common::OutputWithin;

use common::{bin, write_config};
use std::process::{Command, Stdio};
use std::time::Duration;

const ANSWERS: &str = r#"{"nume":"Țăranu","prenume":"Ștefania","informatii":"Copia contractului de iluminat public și anexele lui, în format electronic.","raspuns":"email","email":"stefania@exemplu.ro","semnatura":"M10 150 L60 40 L110 150 M200 100 L300 100"}"#;

fn tool(name: &str, args: &[&str]) -> String {
    let out = Command::new(name)
        .args(args)
        .output_within(180)
        .unwrap_or_else(|e| panic!("{name}: {e} (scripts/setup --test installs it)"));
    assert!(out.status.success(), "{name} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_registry_gets_a_pdfa_with_the_typed_text_and_the_answers_attached() {
    let dir = tempfile::tempdir().unwrap();
    let port = common::free_port();
    let cfg = write_config(dir.path(), &format!("http://127.0.0.1:{port}"));
    let out = common::queue_submit(&cfg, "informatii-544", ANSWERS);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let code = String::from_utf8(out.stdout).unwrap().trim().to_owned();

    let mut intake = Command::new(bin())
        .args(["intake", "--listen", &format!("127.0.0.1:{port}"), "--data"])
        .arg(dir.path().join("intake"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let up = (0..100).any(|_| {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
            || (std::thread::sleep(Duration::from_millis(50)), false).1
    });
    assert!(up, "the intake did not start");
    let drain = Command::new(bin()).args(["uploader", "--drain", "--config"]).arg(&cfg).output_within(180).unwrap();
    let pdf = dir.path().join(format!("intake/documents/{code}.pdf"));
    let filed = (0..100).any(|_| pdf.exists() || (std::thread::sleep(Duration::from_millis(100)), false).1);
    intake.kill().unwrap();
    intake.wait().unwrap();
    assert!(filed, "no {} after the upload: {}", pdf.display(), String::from_utf8_lossy(&drain.stderr));
    let pdf = pdf.to_str().unwrap();

    let info = tool("pdfinfo", &[pdf]);
    let field = |key: &str| {
        info.lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix(':').map(|v| v.trim().to_owned()))
            .unwrap_or_default()
    };
    assert_eq!(field("PDF version"), "1.7", "{info}");
    assert_eq!(field("Title"), format!("Cerere de informații de interes public — {code}"));
    assert_eq!(field("Author"), "Primăria Test");
    assert_eq!(field("Page size"), "595 x 842 pts (A4)");
    let meta = tool("pdfinfo", &["-meta", pdf]);
    assert!(meta.contains("<pdfaid:part>3</pdfaid:part>"), "no PDF/A-3 identification in:\n{meta}");
    assert!(meta.contains("<pdfaid:conformance>B</pdfaid:conformance>"), "{meta}");

    let fonts = tool("pdffonts", &[pdf]);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(!rows.is_empty(), "{fonts}");
    for row in rows {
        // Columns: name type encoding emb sub uni object ID
        let cols: Vec<&str> = row.split_whitespace().collect();
        let emb = cols[cols.len() - 5];
        assert_eq!(emb, "yes", "a font is not embedded:\n{fonts}");
    }

    let text = tool("pdftotext", &["-layout", pdf, "-"]);
    for expected in [
        "Primăria Test",
        "Cerere de informații de interes public",
        &format!("Cod de urmărire: {code}"),
        "Țăranu",
        "Ștefania",
        "Copia contractului de iluminat public",
        "În format electronic, la e-mail",
        "Răspuns în cel mult 10 zile (Legea 544/2001).",
    ] {
        assert!(text.contains(expected), "`{expected}` missing from the PDF text:\n{text}");
    }

    let list = tool("pdfdetach", &["-list", pdf]);
    assert!(list.contains("cerere.json"), "{list}");
    let json_path = dir.path().join("cerere.json");
    tool("pdfdetach", &["-save", "1", "-o", json_path.to_str().unwrap(), pdf]);
    let attached: serde_json::Value = serde_json::from_slice(&std::fs::read(&json_path).unwrap()).unwrap();
    let answers: serde_json::Value = serde_json::from_str(ANSWERS).unwrap();
    assert_eq!(attached["answers"], answers);
    assert_eq!(attached["tracking_code"], code.as_str());

    let check = Command::new("qpdf").args(["--check", pdf]).output_within(180).unwrap();
    let report = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success() && report.contains("No syntax or stream encoding errors"), "{report}");
}
