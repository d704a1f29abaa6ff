//! What the printers receive, checked three ways through the real binary
//! (`ghiseu print receipt|label`):
//!
//! - golden bytes in `tests/golden/` (each with its PNG preview next to it,
//!   reviewed by eye when it changes; `GHISEU_BLESS=1` rewrites them and a
//!   mismatch leaves `NAME.new` for review);
//! - an independent ESC/POS parser, the npm package `npos`
//!   (`tests/npos/parse.js`), for commands, code page, text and QR payload;
//! - an independent QR decoder, `zbarimg` (Debian `zbar-tools`), on the PNG
//!   preview and on the raster taken back out of the printer bytes.
//!
//! `scripts/setup --test` installs zbar-tools and the npm packages.

use std::path::{Path, PathBuf};
use std::process::Command;

const URL: &str = "https://primarie.example.ro/s/K7Q-4M2-X9";

fn ghiseu(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_ghiseu")).args(args).output().expect("the binary runs");
    assert!(out.status.success(), "ghiseu {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// Compares `file` with its golden copy (and keeps the PNG preview beside it).
fn golden(file: &Path, png: &Path) {
    let name = file.file_name().unwrap().to_str().unwrap();
    let want = golden_dir().join(name);
    let got = std::fs::read(file).unwrap();
    let png_name = golden_dir().join(png.file_name().unwrap());
    if std::env::var_os("GHISEU_BLESS").is_some() {
        std::fs::create_dir_all(golden_dir()).unwrap();
        std::fs::write(&want, &got).unwrap();
        std::fs::copy(png, &png_name).unwrap();
        return;
    }
    let expected = std::fs::read(&want).unwrap_or_else(|_| panic!("no golden file {}", want.display()));
    if got != expected {
        let new = want.with_extension(format!("{}.new", want.extension().unwrap().to_str().unwrap()));
        std::fs::write(&new, &got).unwrap();
        std::fs::copy(png, png_name.with_extension("new.png")).unwrap();
        let at = got.iter().zip(&expected).position(|(a, b)| a != b).unwrap_or(got.len().min(expected.len()));
        panic!(
            "{name}: {} bytes, golden has {}; first difference at byte {at}. Review {} (and its PNG); \
             if it is right, rerun with GHISEU_BLESS=1",
            got.len(),
            expected.len(),
            new.display()
        );
    }
}

/// The text of every QR code `zbarimg` finds in an image.
fn zbarimg(image: &Path) -> String {
    let out = Command::new("zbarimg")
        .args(["--raw", "-q"])
        .arg(image)
        .output()
        .expect("zbarimg is installed (Debian zbar-tools; run scripts/setup --test)");
    assert!(
        out.status.success(),
        "zbarimg found no code in {}: {}",
        image.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim_end().to_owned()
}

/// What `npos` makes of an ESC/POS file; writes its rasters into `pbm` if given.
fn npos(file: &Path, encoding: &str, pbm: Option<&Path>) -> serde_json::Value {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/npos");
    assert!(dir.join("node_modules/npos").is_dir(), "npos is not installed: run scripts/setup --test");
    let mut cmd = Command::new("node");
    cmd.arg(dir.join("parse.js")).arg(file).arg(encoding);
    if let Some(p) = pbm {
        cmd.arg(p);
    }
    let out = cmd.output().expect("node runs");
    assert!(out.status.success(), "npos: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("npos output: {e}: {}", String::from_utf8_lossy(&out.stdout)))
}

fn command_names(parsed: &serde_json::Value) -> Vec<String> {
    parsed["commands"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap().to_owned()).collect()
}

fn params_of(parsed: &serde_json::Value, name: &str) -> Vec<Vec<u64>> {
    parsed["commands"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["name"] == name)
        .map(|c| c["params"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect())
        .collect()
}

fn receipt(dir: &Path, profile: &str) -> (PathBuf, PathBuf) {
    let out = dir.join(format!("receipt-{profile}.escpos"));
    let png = dir.join(format!("receipt-{profile}.png"));
    let said = ghiseu(&[
        "print",
        "receipt",
        "--sample",
        "--profile",
        profile,
        "--out",
        out.to_str().unwrap(),
        "--png",
        png.to_str().unwrap(),
    ]);
    assert!(said.contains(profile), "{said}");
    (out, png)
}

#[test]
fn receipts_in_the_printers_own_font_carry_romanian_text_in_the_profiles_code_page() {
    let dir = tempfile::tempdir().unwrap();
    for (profile, encoding, esc_t, width, clone) in [
        ("epson-tm-t20iii", "cp1250", 45, 576, false),
        ("generic-58", "cp852", 18, 384, true),
        ("generic-58-cp1250", "cp1250", 72, 384, true),
    ] {
        let (out, png) = receipt(dir.path(), profile);
        golden(&out, &png);
        let parsed = npos(&out, encoding, None);
        assert_eq!(parsed["error"], serde_json::Value::Null, "{profile}");
        let names = command_names(&parsed);
        // Init, on clones leave Chinese double-byte mode (FS .), then the code page.
        let start: &[&str] = if clone { &["ESC @", "FS .", "ESC t"] } else { &["ESC @", "ESC t"] };
        assert_eq!(names[..start.len()], *start, "{profile}");
        assert_eq!(params_of(&parsed, "ESC t"), [[esc_t]], "{profile}: ESC t {esc_t}, once");
        assert!(names.contains(&"GS (k".to_owned()), "{profile}: a native QR: {names:?}");
        assert_eq!(names.last().unwrap(), "GS V", "{profile}: ends with a cut");
        assert_eq!(parsed["qr"], serde_json::json!([URL]), "{profile}: the QR payload is the status link");
        let text = parsed["text"].as_str().unwrap();
        // Lines wrap differently on 58 and 80 mm paper.
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        for want in [
            "Primăria Municipiului Exemplu",
            "Cererea dumneavoastră a fost primită",
            // ș ț become the cedilla forms the code page has.
            "Petiţie (OG 27/2002)",
            "K7Q-4M2-X9",
            "23.11.2026 14:05",
            "Răspuns în cel mult 30 zile",
        ] {
            assert!(flat.contains(want), "{profile}: `{want}` missing from the decoded text:\n{text}");
        }
        assert!(!text.contains('ș') && !text.contains('ț'), "{profile}: comma-below cannot print");
        assert!(!text.contains("Ã") && !text.contains("È"), "{profile}: UTF-8 bytes leaked into the stream");
        // The preview shows the same QR, readable.
        assert_eq!(zbarimg(&png), URL, "{profile}");
        let png_width = u32::from_be_bytes(std::fs::read(&png).unwrap()[16..20].try_into().unwrap());
        assert_eq!(png_width, width, "{profile}: paper width in dots");
        // 58 mm paper wraps at 32 characters a line.
        let longest = text.lines().map(|l| l.chars().count()).max().unwrap();
        assert!(longest <= width as usize / 12, "{profile}: a {longest}-character line");
    }
}

#[test]
fn a_raster_profile_prints_the_receipt_as_an_image_whose_qr_decodes() {
    let dir = tempfile::tempdir().unwrap();
    for profile in ["raster-58", "raster-80"] {
        let (out, png) = receipt(dir.path(), profile);
        golden(&out, &png);
        let pbm = dir.path().join(format!("{profile}.pbm"));
        let parsed = npos(&out, "cp852", Some(&pbm));
        assert_eq!(parsed["error"], serde_json::Value::Null);
        let names = command_names(&parsed);
        assert!(names.iter().filter(|n| *n == "GS v0").count() >= 2, "{profile}: printed in bands: {names:?}");
        assert!(!names.contains(&"GS (k".to_owned()), "{profile}: no native QR");
        assert_eq!(parsed["text"].as_str().unwrap().trim(), "", "{profile}: no text goes out as text");
        // The raster inside the printer bytes, decoded by npos, holds a readable QR...
        assert_eq!(zbarimg(&pbm), URL, "{profile}: from the raster in the bytes");
        // ...and the preview is exactly that raster.
        assert_eq!(zbarimg(&png), URL, "{profile}: from the PNG");
        let w = if profile == "raster-58" { 384 } else { 576 };
        assert_eq!(parsed["raster"]["width"], w);
    }
}

/// The 1-bit raster inside ZPL `^GFA` (ASCII hex) bytes, as a PBM.
fn raster_from_zpl(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let s = std::str::from_utf8(bytes).unwrap();
    let gf = &s[s.find("^GFA,").expect("^GFA") + 5..];
    let mut parts = gf.splitn(4, ',');
    let total: usize = parts.next().unwrap().parse().unwrap();
    let _: usize = parts.next().unwrap().parse().unwrap();
    let row: usize = parts.next().unwrap().parse().unwrap();
    let hex = &parts.next().unwrap()[..total * 2];
    let data: Vec<u8> = (0..total).map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap()).collect();
    ((row * 8) as u32, (total / row) as u32, data)
}

/// The raster inside a TSPL `BITMAP x,y,width_bytes,height,mode,data` (0 bits print black).
fn raster_from_tspl(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let at = bytes.windows(7).position(|w| w == b"BITMAP ").expect("BITMAP");
    let mut fields = vec![];
    let mut i = at + 7;
    while fields.len() < 5 {
        let end = i + bytes[i..].iter().position(|&b| b == b',').unwrap();
        fields.push(std::str::from_utf8(&bytes[i..end]).unwrap().trim().parse::<usize>().unwrap());
        i = end + 1;
    }
    let (row, height) = (fields[2], fields[3]);
    let data = bytes[i..i + row * height].iter().map(|b| !b).collect();
    ((row * 8) as u32, height as u32, data)
}

fn write_pbm(path: &Path, (w, h, data): (u32, u32, Vec<u8>)) {
    let mut out = format!("P4\n{w} {h}\n").into_bytes();
    out.extend(data);
    std::fs::write(path, out).unwrap();
}

#[test]
fn labels_in_zpl_tspl_and_escpos_hold_a_qr_that_decodes_from_the_printer_bytes() {
    let dir = tempfile::tempdir().unwrap();
    for lang in ["zpl", "tspl", "escpos"] {
        let out = dir.path().join(format!("label.{lang}"));
        let png = dir.path().join(format!("label-{lang}.png"));
        let said = ghiseu(&[
            "print",
            "label",
            "--number",
            "12345",
            "--date",
            "23.11.2026",
            "--lang",
            lang,
            "--out",
            out.to_str().unwrap(),
            "--png",
            png.to_str().unwrap(),
        ]);
        assert!(said.contains("400×240 dots at 203 dpi"), "{said}");
        golden(&out, &png);
        let bytes = std::fs::read(&out).unwrap();
        let pbm = dir.path().join(format!("label-{lang}.pbm"));
        match lang {
            "zpl" => {
                let s = String::from_utf8_lossy(&bytes);
                assert!(s.starts_with("^XA") && s.trim_end().ends_with("^XZ"), "{s:.60}");
                write_pbm(&pbm, raster_from_zpl(&bytes));
            }
            "tspl" => {
                assert!(bytes.starts_with(b"SIZE 50 mm,30 mm\r\n"));
                assert!(bytes.ends_with(b"PRINT 1,1\r\n"));
                write_pbm(&pbm, raster_from_tspl(&bytes));
            }
            _ => {
                let parsed = npos(&out, "cp852", Some(&pbm));
                assert_eq!(parsed["error"], serde_json::Value::Null);
                assert_eq!(command_names(&parsed)[0], "ESC @");
                assert_eq!(parsed["raster"]["width"], 400);
                assert_eq!(parsed["raster"]["height"], 240);
            }
        }
        assert_eq!(zbarimg(&pbm), "12345/23.11.2026", "{lang}: from the raster in the printer bytes");
        assert_eq!(zbarimg(&png), "12345/23.11.2026", "{lang}: from the PNG");
    }
}

#[test]
fn label_size_and_resolution_follow_the_profile() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("label300.zpl");
    let png = dir.path().join("label300.png");
    let said = ghiseu(&[
        "print",
        "label",
        "--number",
        "2026/12345",
        "--date",
        "01.12.2026",
        "--lang",
        "zpl",
        "--profile",
        "zebra-300",
        "--out",
        out.to_str().unwrap(),
        "--png",
        png.to_str().unwrap(),
    ]);
    assert!(said.contains("584×354 dots at 300 dpi"), "{said}");
    let (w, h, data) = raster_from_zpl(&std::fs::read(&out).unwrap());
    assert_eq!((w, h), (584, 354));
    write_pbm(&dir.path().join("l.pbm"), (w, h, data));
    assert_eq!(zbarimg(&dir.path().join("l.pbm")), "2026/12345/01.12.2026");
}

#[test]
fn a_bad_date_or_an_unknown_profile_is_refused_with_a_clear_message() {
    let out = Command::new(env!("CARGO_BIN_EXE_ghiseu"))
        .args(["print", "label", "--number", "1", "--date", "2026-11-23", "--lang", "zpl", "--out", "/dev/null"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("DD.MM.YYYY"));
    let out = Command::new(env!("CARGO_BIN_EXE_ghiseu"))
        .args(["print", "receipt", "--sample", "--profile", "tm-t1000", "--out", "/dev/null"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("tm-t1000") && err.contains("generic-58"), "{err}");
}
