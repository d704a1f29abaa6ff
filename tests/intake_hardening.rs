//! The intake facing the open network (issue #21): what a stranger can make
//! it hold, learn or break, and what it leaves on disk. Each test names what a
//! client or the registry's staff see. Loopback only.

mod common;
use common::OutputWithin;
#[path = "common/intake.rs"]
mod intake_helpers;
#[path = "common/pg.rs"]
mod pg;

use intake_helpers::{kiosk, Intake, Kiosk};

use ghiseu::intake::{Limits, Options};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The library's intake on a free loopback port with `limits`; its base URL.
async fn intake(k: &Kiosk, limits: Limits, tls: Option<ghiseu::intake::Tls>) -> String {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    let data = k.intake_dir();
    let scheme = if tls.is_some() { "https" } else { "http" };
    let options = Options { tls, limits, ..Options::default() };
    tokio::spawn(async move { ghiseu::intake::run(l, &data, options, std::future::pending()).await.unwrap() });
    // Ready once it answers.
    let client = reqwest::Client::builder().danger_accept_invalid_certs(true).build().unwrap();
    let url = format!("{scheme}://localhost:{port}");
    for _ in 0..100 {
        if client.get(format!("{url}/health")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    url
}

fn upload(client: &reqwest::Client, url: &str, k: &Kiosk) -> reqwest::RequestBuilder {
    client
        .post(format!("{url}/api/v1/submissions"))
        .header("idempotency-key", &k.key)
        .header("content-type", "application/json")
        .body(k.payload.clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replays_of_one_envelope_file_one_whole_pdf_that_a_reader_never_sees_partial() {
    let k = kiosk();
    let url = intake(&k, Limits::default(), None).await;
    let pdf = k.intake_dir().join(format!("documents/{}.pdf", k.code));
    // A clerk's viewer reading the document over and over while kiosks replay.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let (pdf, stop) = (pdf.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut seen = vec![];
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                if let Ok(bytes) = std::fs::read(&pdf) {
                    seen.push(bytes.len());
                }
            }
            seen
        })
    };
    let client = reqwest::Client::new();
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..200 {
        let req = upload(&client, &url, &k);
        set.spawn(async move {
            let r = req.send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        });
    }
    let mut answers = std::collections::BTreeSet::new();
    while let Some(r) = set.join_next().await {
        let (status, body) = r.unwrap();
        assert_eq!(status, 200, "{body}");
        answers.insert(body);
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let seen = reader.join().unwrap();
    assert_eq!(answers.len(), 1, "every replay gets the same registration: {answers:?}");
    let filed = std::fs::read(&pdf).unwrap();
    assert!(filed.starts_with(b"%PDF-") && filed.len() > 1000, "{} bytes", filed.len());
    let partial: Vec<usize> = seen.iter().copied().filter(|&n| n != filed.len()).collect();
    assert!(
        partial.is_empty(),
        "a reader saw {} partial reads (sizes {:?}) of {} bytes",
        partial.len(),
        &partial[..partial.len().min(10)],
        filed.len()
    );
    let leftovers: Vec<_> = std::fs::read_dir(pdf.parent().unwrap()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers.len(), 1, "only the document, no temporary files: {leftovers:?}");
    let n = ghiseu::intake::store::Store::open(&k.intake_dir()).unwrap().all().unwrap().len();
    assert_eq!(n, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tracking_code_with_a_non_ascii_letter_is_unknown_not_another_code() {
    let k = kiosk();
    let url = intake(&k, Limits::default(), None).await;
    let client = reqwest::Client::new();
    assert_eq!(upload(&client, &url, &k).send().await.unwrap().status().as_u16(), 200);
    let status = |code: String| {
        let client = client.clone();
        let url = url.clone();
        async move { client.get(format!("{url}/api/v1/status/{code}")).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(status(k.code.clone()).await, 200);
    // Each letter of the code in turn replaced by a non-ASCII one whose low byte is that letter.
    for i in [0, 1, 2, 4, 5, 6, 8, 9] {
        let mut chars: Vec<char> = k.code.chars().collect();
        chars[i] = char::from_u32(0x100 + chars[i] as u32).unwrap();
        let alias: String = chars.into_iter().collect();
        assert_eq!(status(alias.clone()).await, 404, "{alias} must not answer for {}", k.code);
        let page = client.get(format!("{url}/s/{alias}")).send().await.unwrap();
        assert_eq!(page.status().as_u16(), 404, "{alias}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_kiosk_check_refuses_unknown_revoked_and_forged_alike() {
    use base64::Engine;
    let k = kiosk();
    let url = intake(&k, Limits::default(), None).await;
    let client = reqwest::Client::new();
    let key = ghiseu::crypto::KioskKey::load(&k.cfg.security.kiosk_key).unwrap();
    let check = |id: &str, signer: &ghiseu::crypto::KioskKey| {
        let now = ghiseu::now_ms();
        let sig = signer.sign(&ghiseu::wire::api::kiosk_check_message(id, now));
        let body =
            serde_json::json!({"time_ms": now, "signature": base64::engine::general_purpose::STANDARD.encode(sig)});
        client.post(format!("{url}/api/v1/kiosks/{id}/check")).json(&body).send()
    };
    let ok = check("test-01", &key).await.unwrap();
    assert_eq!(ok.status().as_u16(), 200);

    let other = {
        let d = tempfile::tempdir().unwrap();
        ghiseu::crypto::provision_pair(&d.path().join("keys"), &d.path().join("intake"), "x").unwrap();
        ghiseu::crypto::KioskKey::load(&d.path().join("keys/kiosk.pem")).unwrap()
    };
    let mut answers = vec![];
    // Unknown id, a forged signature for an enrolled id, then the same id revoked.
    for (id, signer) in [("nobody-01", &key), ("test-01", &other)] {
        let r = check(id, signer).await.unwrap();
        answers.push((id, r.status().as_u16(), r.text().await.unwrap()));
    }
    std::fs::write(k.intake_dir().join("kiosks/test-01.revoked"), b"").unwrap();
    let r = check("test-01", &key).await.unwrap();
    answers.push(("revoked", r.status().as_u16(), r.text().await.unwrap()));
    let (_, status, body) = &answers[0];
    assert_eq!(*status, 403);
    for a in &answers {
        assert_eq!((a.1, &a.2), (*status, body), "every refusal looks the same: {answers:?}");
    }
    assert!(!body.contains("revoked") && !body.contains("test-01") && !body.contains("nobody-01"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_must_be_json_and_within_the_body_limit_and_refusals_are_json() {
    let k = kiosk();
    let url = intake(&k, Limits { max_body_bytes: 256 * 1024, ..Limits::default() }, None).await;
    let client = reqwest::Client::new();
    // Wrong Content-Type: 415, JSON.
    let r = client
        .post(format!("{url}/api/v1/submissions"))
        .header("idempotency-key", &k.key)
        .header("content-type", "text/plain")
        .body(k.payload.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 415);
    let e: serde_json::Value = r.json().await.unwrap();
    assert!(e["error"].as_str().unwrap().contains("application/json"), "{e}");
    // No Content-Type at all: 415 too.
    let r = client
        .post(format!("{url}/api/v1/submissions"))
        .header("idempotency-key", &k.key)
        .body(k.payload.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 415);
    // Too large: 413, JSON.
    let big = vec![b' '; 300 * 1024];
    let r = client
        .post(format!("{url}/api/v1/submissions"))
        .header("idempotency-key", &k.key)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 413);
    assert_eq!(r.headers()["content-type"], "application/json");
    let e: serde_json::Value = r.json().await.unwrap();
    assert!(e["error"].as_str().unwrap().contains("larger than"), "{e}");
    // An unknown route: JSON 404.
    let r = client.get(format!("{url}/nowhere")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 404);
    assert!(r.json::<serde_json::Value>().await.unwrap()["error"].is_string());
    // The real envelope goes through, JSON with a charset too.
    let r = client
        .post(format!("{url}/api/v1/submissions"))
        .header("idempotency-key", &k.key)
        .header("content-type", "application/json; charset=utf-8")
        .body(k.payload.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(upload(&client, &url, &k).send().await.unwrap().status().as_u16(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_and_answers_carry_security_headers() {
    let k = kiosk();
    let url = intake(&k, Limits::default(), None).await;
    let client = reqwest::Client::new();
    assert_eq!(upload(&client, &url, &k).send().await.unwrap().status().as_u16(), 200);
    for path in
        [format!("/s/{}", k.code), format!("/api/v1/status/{}", k.code), "/s/AAA-AAA-AA".into(), "/health".into()]
    {
        let r = client.get(format!("{url}{path}")).send().await.unwrap();
        let h = r.headers();
        let csp = h.get("content-security-policy").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
        assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert_eq!(h.get("x-content-type-options").map(|v| v.as_bytes()), Some(&b"nosniff"[..]), "{path}");
        assert_eq!(h.get("referrer-policy").map(|v| v.as_bytes()), Some(&b"no-referrer"[..]), "{path}");
        assert_eq!(h.get("x-frame-options").map(|v| v.as_bytes()), Some(&b"DENY"[..]), "{path}");
        assert_eq!(h.get("cache-control").map(|v| v.as_bytes()), Some(&b"no-store"[..]), "{path}");
    }
    // The page's inline style is the one the CSP allows (by hash).
    let r = client.get(format!("{url}/s/{}", k.code)).send().await.unwrap();
    let csp = r.headers()["content-security-policy"].to_str().unwrap().to_owned();
    let html = r.text().await.unwrap();
    let style = html.split("<style>").nth(1).unwrap().split("</style>").next().unwrap();
    assert_eq!(csp, ghiseu::intake::net::content_security_policy(style));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_lookups_are_rate_limited_per_address() {
    let k = kiosk();
    // One token back a minute: nothing is replenished while the test runs, however slow the machine.
    let limits = Limits { status_burst: 10, status_period: Duration::from_secs(60), ..Limits::default() };
    let url = intake(&k, limits, None).await;
    let client = reqwest::Client::new();
    let mut codes = vec![];
    for _ in 0..25 {
        let r = client.get(format!("{url}/api/v1/status/AAA-AAA-AA")).send().await.unwrap();
        let status = r.status().as_u16();
        if status == 429 {
            assert!(r.headers().contains_key("retry-after"));
            assert!(r.json::<serde_json::Value>().await.unwrap()["error"].is_string());
        }
        codes.push(status);
    }
    assert_eq!(codes.iter().filter(|&&c| c == 404).count(), 10, "{codes:?}");
    assert_eq!(codes.iter().filter(|&&c| c == 429).count(), 15, "{codes:?}");
    // Uploads are not held to the status routes' rate.
    assert_eq!(upload(&client, &url, &k).send().await.unwrap().status().as_u16(), 200);
}

/// Seconds until the server closes a connection that sends `first` then
/// dribbles `drip` a byte every 300 ms (up to `give_up`).
fn held_for(mut s: impl Read + Write, first: &[u8], drip: &[u8], give_up: Duration) -> (Duration, String) {
    let t = Instant::now();
    s.write_all(first).unwrap();
    let mut answer = Vec::new();
    let mut drip = drip.iter();
    loop {
        if t.elapsed() > give_up {
            return (t.elapsed(), String::from_utf8_lossy(&answer).into_owned());
        }
        if let Some(b) = drip.next() {
            if s.write_all(std::slice::from_ref(b)).is_err() {
                break;
            }
        }
        let mut buf = [0u8; 4096];
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
            Err(_) => break,
        }
    }
    (t.elapsed(), String::from_utf8_lossy(&answer).into_owned())
}

fn tcp(url: &str) -> TcpStream {
    let port: u16 = url.rsplit(':').next().unwrap().parse().unwrap();
    let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_millis(300))).unwrap();
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_clients_are_cut_off_over_http_and_after_a_tls_handshake() {
    let k = kiosk();
    let limits = Limits {
        header_timeout: Duration::from_secs(1),
        tls_handshake_timeout: Duration::from_secs(1),
        request_timeout: Duration::from_secs(2),
        ..Limits::default()
    };
    let url = intake(&k, limits.clone(), None).await;
    let give_up = Duration::from_secs(8);
    let headers_forever = [b'x'; 64];
    let (t, _) = tokio::task::spawn_blocking({
        let url = url.clone();
        move || held_for(tcp(&url), b"GET /health HTTP/1.1\r\nHost: x\r\n", &headers_forever, give_up)
    })
    .await
    .unwrap();
    assert!(t < Duration::from_secs(3), "slow headers held for {t:?}");
    let body_head = format!(
        "POST /api/v1/submissions HTTP/1.1\r\nHost: x\r\nidempotency-key: {}\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n",
        k.key
    );
    let (t, answer) = tokio::task::spawn_blocking({
        let url = url.clone();
        move || held_for(tcp(&url), body_head.as_bytes(), &[b' '; 64], give_up)
    })
    .await
    .unwrap();
    assert!(t < Duration::from_secs(4), "slow body held for {t:?}");
    assert!(answer.starts_with("HTTP/1.1 408") && answer.contains("\"error\""), "{answer}");

    // Over TLS: a handshake never finished, and headers never finished after one.
    let pki = tempfile::tempdir().unwrap();
    let (tls, ca) = self_signed(pki.path());
    let k2 = kiosk();
    let url = intake(&k2, limits, Some(tls)).await;
    let (t, _) = tokio::task::spawn_blocking({
        let url = url.clone();
        move || held_for(tcp(&url), b"", &[], give_up)
    })
    .await
    .unwrap();
    assert!(t < Duration::from_secs(3), "an unfinished TLS handshake held for {t:?}");
    let (t, _) = tokio::task::spawn_blocking(move || {
        let s = tls_stream(tcp(&url), &ca);
        held_for(s, b"GET /health HTTP/1.1\r\nHost: localhost\r\n", &[b'x'; 64], give_up)
    })
    .await
    .unwrap();
    assert!(t < Duration::from_secs(3), "slow headers after a TLS handshake held for {t:?}");
}

/// A self-signed certificate for `localhost`, as PEM files, and its DER.
fn self_signed(dir: &Path) -> (ghiseu::intake::Tls, Vec<u8>) {
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap().self_signed(&key).unwrap();
    let (c, kf) = (dir.join("intake.crt"), dir.join("intake.key"));
    std::fs::write(&c, cert.pem()).unwrap();
    std::fs::write(&kf, key.serialize_pem()).unwrap();
    (ghiseu::intake::Tls { cert: c, key: kf }, cert.der().to_vec())
}

/// A finished TLS handshake with the intake, trusting `ca_der`.
fn tls_stream(tcp: TcpStream, ca_der: &[u8]) -> impl Read + Write {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(rustls::pki_types::CertificateDer::from(ca_der.to_vec())).unwrap();
    let config = rustls::ClientConfig::builder().with_root_certificates(roots).with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let conn = rustls::ClientConnection::new(std::sync::Arc::new(config), name).unwrap();
    let mut s = rustls::StreamOwned::new(conn, tcp);
    s.get_mut().set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    while s.conn.is_handshaking() {
        s.conn.complete_io(&mut s.sock).unwrap();
    }
    s.get_mut().set_read_timeout(Some(Duration::from_millis(300))).unwrap();
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_uploader_says_when_the_registrys_certificate_is_not_trusted() {
    let k = kiosk();
    let pki = tempfile::tempdir().unwrap();
    let (tls, _) = self_signed(pki.path());
    let url = intake(&k, Limits::default(), Some(tls)).await;
    let client = ghiseu::upload::IntakeClient::new(&url, Duration::from_secs(5), None);
    let (verdict, _) = client.post(&k.key, k.payload.clone()).await;
    let ghiseu::upload::policy::Verdict::Transient { reason, .. } = verdict else { panic!("{verdict:?}") };
    assert!(reason.contains("the registry's certificate is not trusted"), "{reason}");
    assert!(reason.to_lowercase().contains("certificate"), "{reason}");
}

/// The data folder as `ghiseu intake` leaves it under a umask of 022.
#[test]
fn the_data_folder_and_its_files_are_private_whatever_the_umask() {
    let k = kiosk();
    let data = k.intake_dir();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut intake = Intake::start(&data, &[], true);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let r = rt.block_on(upload(&reqwest::Client::new(), &intake.url, &k).send()).unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700, "the data folder");
    assert_eq!(mode(&data.join("documents")), 0o700, "documents/");
    for f in ["intake.sqlite", "intake.sqlite-wal", "intake.sqlite-shm"] {
        assert_eq!(mode(&data.join(f)), 0o600, "{f}");
    }
    assert_eq!(mode(&data.join(format!("documents/{}.pdf", k.code))), 0o600, "the PDF");
    assert_eq!(intake.interrupt(), Some(0));
}

#[test]
fn the_intake_on_postgresql_stops_cleanly_on_ctrl_c() {
    let Some(pg) = pg::PgServer::start() else { return };
    let k = kiosk();
    let mut intake = Intake::start(&k.intake_dir(), &["--database", &pg.url], false);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let r = rt.block_on(upload(&reqwest::Client::new(), &intake.url, &k).send()).unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(intake.interrupt(), Some(0), "exit code after SIGINT");
}

/// A Python tool `scripts/setup --test` installs into `target/pytools` (or
/// one on PATH); None, with a note, where neither is (a failure on CI).
fn python_tool(name: &str) -> Option<PathBuf> {
    let venv = common::repo().join("target/pytools/bin").join(name);
    if venv.exists() {
        return Some(venv);
    }
    let on_path =
        std::env::var_os("PATH").and_then(|p| std::env::split_paths(&p).map(|d| d.join(name)).find(|f| f.exists()));
    if on_path.is_none() {
        assert!(std::env::var_os("CI").is_none(), "{name} is not installed (scripts/setup --test installs it)");
        eprintln!("skipping: {name} is not installed (scripts/setup --test installs it)");
    }
    on_path
}

#[test]
fn the_openapi_description_is_valid() {
    let Some(validator) = python_tool("openapi-spec-validator") else { return };
    let file = common::repo().join("src/intake/openapi.yaml");
    let out = std::process::Command::new(validator).arg(&file).output_within(180).unwrap();
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
}

/// Schemathesis generates requests from the OpenAPI file (valid and not)
/// against a running intake: none may get a server error or wait long.
/// Bounded: a few examples per operation, one worker, a time budget.
#[test]
fn a_schema_fuzzer_finds_no_server_error() {
    let Some(st) = python_tool("st") else { return };
    let k = kiosk();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    // Generous status rate: the fuzzer should reach the handlers, not only the limiter.
    let limits = Limits { status_burst: 1000, ..Limits::default() };
    let url = rt.block_on(async {
        let url = intake(&k, limits, None).await;
        let client = reqwest::Client::new();
        assert_eq!(upload(&client, &url, &k).send().await.unwrap().status().as_u16(), 200);
        url
    });
    // A registry API token, so the fuzzer reaches those handlers too (not only the 401).
    let token = ghiseu::intake::registry_api::new_token();
    let hash = ghiseu::intake::registry_api::token_hash(&token);
    let mut store = ghiseu::intake::store::Store::open(&k.intake_dir()).unwrap();
    store.with(|c| ghiseu::intake::store::registry::add_token(c, "fuzzer", &hash, 0)).unwrap();
    let reports = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(st)
        .arg("run")
        .args(["--header", &format!("Authorization: Bearer {token}")])
        .arg(common::repo().join("src/intake/openapi.yaml"))
        .args(["--url", &url.replace("localhost", "127.0.0.1")])
        .args(["--checks", "not_a_server_error"])
        .args(["--max-examples", "40", "--max-response-time", "5", "--workers", "1"])
        .args(["--seed", "21", "--generation-database", "none", "--no-color"])
        .arg("--report-dir")
        .arg(reports.path())
        .current_dir(reports.path())
        .output_within(180)
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{text}");
    drop(rt);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_requests_it_serves_at_once_the_intake_says_busy_at_once() {
    let k = kiosk();
    let url = intake(&k, Limits { requests_at_once: 1, ..Limits::default() }, None).await;
    // One upload whose body is still on its way holds the only place.
    let mut slow = tcp(&url);
    let head = format!(
        "POST /api/v1/submissions HTTP/1.1\r\nHost: x\r\nidempotency-key: {}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{{",
        k.key
    );
    slow.write_all(head.as_bytes()).unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let client = reqwest::Client::new();
    let t = Instant::now();
    let r = client.get(format!("{url}/health")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 503);
    assert!(t.elapsed() < Duration::from_secs(1), "refused at once, not queued");
    assert_eq!(r.headers()["retry-after"], "1");
    assert!(r.json::<serde_json::Value>().await.unwrap()["error"].as_str().unwrap().contains("busy"));
    // The slow client leaves: the place is free again.
    drop(slow);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(client.get(format!("{url}/health")).send().await.unwrap().status().as_u16(), 200);
}
