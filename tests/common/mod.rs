//! Helpers shared by the integration tests: temp kiosks, ports, PNG checks.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_ghiseu")
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Writes a kiosk configuration into `dir` pointing at `intake_url`, with
/// fresh keys; the matching intake data folder is `dir/intake`.
pub fn write_config(dir: &Path, intake_url: &str) -> PathBuf {
    if !dir.join("keys/kiosk.pem").exists() {
        ghiseu::crypto::provision_pair(&dir.join("keys"), &dir.join("intake"), "test-01").unwrap();
    }
    let board = repo().join("board/desktop.toml");
    let path = dir.join("kiosk.toml");
    std::fs::write(
        &path,
        format!(
            "[kiosk]\nid = \"test-01\"\nmunicipality = \"Primăria Test\"\nboard = \"{}\"\ndata_dir = \"data\"\n\
             idle_timeout_secs = 300\n\n[intake]\nurl = \"{intake_url}\"\nstatus_timeout_secs = 1\n\n\
             [security]\nmunicipality_recipient = \"keys/municipality.pub\"\nkiosk_key = \"keys/kiosk.pem\"\n\n\
             [devices.id_scanner]\ndriver = \"simulated\"\ndelay_ms = 50\n\n\
             [devices.printer]\ndriver = \"simulated\"\nout_dir = \"printer\"\n\n\
             [devices.qr_reader]\ndriver = \"simulated\"\n",
            board.display()
        ),
    )
    .unwrap();
    path
}

/// Commits one submission of `form_id` with `answers` into `q`, as the kiosk
/// does (registry PDF, sealed and signed envelope), at time `at_ms`.
pub fn commit(
    cfg: &ghiseu::config::Config,
    q: &mut ghiseu::queue::Queue,
    form_id: &str,
    lang: ghiseu::i18n::Lang,
    answers: &[(&str, &str)],
    at_ms: i64,
) -> ghiseu::queue::Receipt {
    let form = ghiseu::forms::Catalogue::builtin().get(form_id).unwrap().clone();
    let answers = answers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    ghiseu::submission::submit(
        q,
        &cfg.sealer().unwrap(),
        &cfg.letterhead(std::sync::Arc::new(ghiseu::i18n::Texts::builtin())),
        &form,
        lang,
        answers,
        &[],
        at_ms,
    )
    .unwrap()
}

/// Decodes a PNG and returns (width, height, number of distinct colours).
pub fn png_stats(path: &Path) -> (u32, u32, usize) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let bpp = info.color_type.samples();
    let colours: std::collections::HashSet<&[u8]> = buf[..info.buffer_size()].chunks(bpp).collect();
    (info.width, info.height, colours.len())
}

/// `ghiseu queue submit FORM --config CFG` with `answers` (JSON) on stdin, as a script would run it.
pub fn queue_submit(cfg: &Path, form: &str, answers: &str) -> std::process::Output {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(bin())
        .args(["queue", "submit", form, "--config"])
        .arg(cfg)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(answers.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

/// A CA and a server certificate for `localhost` signed by it, written as
/// PEM files `NAME.crt`, `NAME.key` and `NAME-ca.pem`; returns their paths.
pub fn pki(dir: &Path, name: &str) -> (PathBuf, PathBuf, PathBuf) {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["localhost".to_owned()]).unwrap().signed_by(&key, &issuer).unwrap();
    let (c, k, a) =
        (dir.join(format!("{name}.crt")), dir.join(format!("{name}.key")), dir.join(format!("{name}-ca.pem")));
    std::fs::write(&c, cert.pem()).unwrap();
    std::fs::write(&k, key.serialize_pem()).unwrap();
    std::fs::write(&a, ca.pem()).unwrap();
    (c, k, a)
}

/// Seconds and RMS level of a WAV espeak-ng wrote (16-bit mono PCM at
/// 22,050 Hz after a 44-byte header).
pub fn wav_stats(path: &Path) -> (f64, f64) {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(&bytes[..4], b"RIFF");
    let samples: Vec<i16> = bytes[44..].chunks_exact(2).map(|b| i16::from_le_bytes([b[0], b[1]])).collect();
    let seconds = samples.len() as f64 / 22_050.0;
    let rms = (samples.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / samples.len() as f64).sqrt();
    (seconds, rms)
}

/// `Command::output` with a limit: a child that hangs is killed and the test
/// fails saying what it printed, instead of CI waiting out its whole time.
pub trait OutputWithin {
    fn output_within(&mut self, secs: u64) -> std::io::Result<std::process::Output>;
}

impl OutputWithin for std::process::Command {
    fn output_within(&mut self, secs: u64) -> std::io::Result<std::process::Output> {
        use std::io::Read;
        use std::process::Stdio;
        let mut child = self.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
        let drain = |mut r: Box<dyn Read + Send>| {
            std::thread::spawn(move || {
                let mut buf = vec![];
                let _ = r.read_to_end(&mut buf);
                buf
            })
        };
        let out = drain(Box::new(child.stdout.take().unwrap()));
        let err = drain(Box::new(child.stderr.take().unwrap()));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
        let status = loop {
            if let Some(status) = child.try_wait()? {
                break status;
            }
            if std::time::Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                let (out, err) = (out.join().unwrap(), err.join().unwrap());
                panic!(
                    "{self:?} did not finish within {secs} s; it printed:\n{}\n{}",
                    String::from_utf8_lossy(&out),
                    String::from_utf8_lossy(&err)
                );
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        };
        Ok(std::process::Output { status, stdout: out.join().unwrap(), stderr: err.join().unwrap() })
    }
}
