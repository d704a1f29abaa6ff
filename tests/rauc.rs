//! Update bundles: a bundle signed the way `image-build/build` signs one
//! (verity format, zstd squashfs, the repository's test CA) verifies with
//! `rauc info` against the CA a panel trusts, and one signed by any other key
//! is refused. The slot image here is a small ext4 made the same way as the
//! real one (`mkfs.ext4 -d`), so the test is quick enough for CI; the full
//! 1.4 GiB bundle is made and checked by `image-build/build` and `test-boot`.
//!
//! Needs rauc, squashfs-tools, e2fsprogs and openssl (`scripts/setup --test`).

use std::path::{Path, PathBuf};
use std::process::Command;

fn keys() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("image-build/test-keys")
}

fn run(cmd: &mut Command) -> std::process::Output {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e} (run scripts/setup --test)"));
    out
}

/// A bundle directory with a small ext4 slot image and the manifest the image build writes.
fn bundle_dir(dir: &Path, version: &str) -> PathBuf {
    let content = dir.join("content");
    std::fs::create_dir_all(content.join("etc")).unwrap();
    std::fs::write(content.join("etc/ghiseu-version"), format!("{version}\n")).unwrap();
    // Something that does not compress away: a squashfs of only zeros is too small for the verity format.
    let noise: Vec<u8> = (0..200_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    std::fs::write(content.join("etc/noise"), noise).unwrap();
    let b = dir.join("bundle");
    std::fs::create_dir_all(&b).unwrap();
    let out = run(Command::new("mkfs.ext4")
        .args(["-q", "-L", "rootfs", "-d"])
        .arg(&content)
        .arg(b.join("rootfs.ext4"))
        .arg("8M"));
    assert!(out.status.success(), "mkfs.ext4: {}", String::from_utf8_lossy(&out.stderr));
    std::fs::write(
        b.join("manifest.raucm"),
        format!(
            "[update]\ncompatible=ghiseu-amd64\nversion={version}\n\n[bundle]\nformat=verity\n\n\
             [image.rootfs]\nfilename=rootfs.ext4\n"
        ),
    )
    .unwrap();
    b
}

fn bundle(dir: &Path, cert: &Path, key: &Path, keyring: &Path) -> (PathBuf, std::process::Output) {
    let src = bundle_dir(dir, "0.1.0+test");
    let out_file = dir.join("ghiseu-test.raucb");
    let out = run(Command::new("rauc")
        .arg("bundle")
        .arg(format!("--cert={}", cert.display()))
        .arg(format!("--key={}", key.display()))
        .arg(format!("--keyring={}", keyring.display()))
        .arg("--mksquashfs-args=-comp zstd -Xcompression-level 3")
        .arg(&src)
        .arg(&out_file));
    (out_file, out)
}

fn info(bundle: &Path, keyring: &Path) -> std::process::Output {
    run(Command::new("rauc")
        .arg("info")
        .arg(format!("--keyring={}", keyring.display()))
        .args(["--output-format=json"])
        .arg(bundle))
}

#[test]
fn a_bundle_signed_with_the_test_ca_verifies_with_rauc_info() {
    let dir = tempfile::tempdir().unwrap();
    let k = keys();
    let ca = k.join("ca.cert.pem");
    let (file, out) = bundle(dir.path(), &k.join("signing.cert.pem"), &k.join("signing.key.pem"), &ca);
    assert!(out.status.success(), "rauc bundle: {}", String::from_utf8_lossy(&out.stderr));
    let out = info(&file, &ca);
    assert!(out.status.success(), "rauc info: {}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["compatible"], "ghiseu-amd64");
    assert_eq!(v["version"], "0.1.0+test");
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("Verified inline signature by") && log.contains("ghiseu test bundle signer"), "{log}");
    let images = v["images"].to_string();
    assert!(images.contains("rootfs.ext4"), "{images}");
}

#[test]
fn a_bundle_signed_by_another_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    // A self-signed key nobody's panel trusts.
    let (key, cert) = (dir.path().join("other.key.pem"), dir.path().join("other.cert.pem"));
    let out = run(Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2"])
        .args(["-subj", "/CN=not the municipality"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert));
    assert!(out.status.success(), "openssl: {}", String::from_utf8_lossy(&out.stderr));
    let (file, out) = bundle(dir.path(), &cert, &key, &cert);
    assert!(out.status.success(), "rauc bundle: {}", String::from_utf8_lossy(&out.stderr));
    let out = info(&file, &keys().join("ca.cert.pem"));
    assert!(!out.status.success(), "a bundle from an untrusted signer must not verify");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.to_lowercase().contains("verif") || err.contains("signature"), "{err}");
}

/// The Raspberry Pi's A/B backend (RAUC's custom bootloader interface over
/// the firmware's tryboot flag), walked through a kept update, a failed
/// self-test, a system that never comes up and a rollback, on plain folders.
#[test]
fn the_raspberry_pi_tryboot_backend_keeps_only_a_slot_marked_good() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("image-build/test-rauc-pi-boot");
    let out = Command::new(&script).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && text.contains("all passed"), "{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(!text.contains("FAIL"), "{text}");
}
