//! The uploader against an intake that fails in every way a city-hall
//! network does. Nothing may be lost, nothing duplicated, and each case must
//! leave the submission in the state a technician should see.

mod common;

use ghiseu::config::Config;
use ghiseu::queue::{Queue, State};
use ghiseu::upload::{policy::Backoff, IntakeClient, Uploader};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

struct Bench {
    _dir: tempfile::TempDir,
    dir: std::path::PathBuf,
    cfg: Config,
    queue: Arc<Mutex<Queue>>,
    code: String,
}

fn bench() -> Bench {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_owned();
    let cfg = Config::load(&common::write_config(&path, "http://127.0.0.1:9")).unwrap();
    let mut q = Queue::open(&cfg.queue_path()).unwrap();
    let answers =
        [("nume", "Ionescu"), ("prenume", "Ana"), ("locatie", "Str. Morii 3"), ("descriere", "Groapă mare în asfalt.")];
    let r = common::commit(&cfg, &mut q, "sesizare", ghiseu::i18n::Lang::Ro, &answers, 1);
    Bench { _dir: dir, dir: path, cfg, queue: Arc::new(Mutex::new(q)), code: r.tracking_code }
}

fn uploader(b: &Bench, url: &str, ca: Option<reqwest::Certificate>) -> Uploader {
    Uploader {
        queue: b.queue.clone(),
        client: IntakeClient::new(url, Duration::from_millis(700), ca),
        backoff: Backoff { base: Duration::from_millis(10), cap: Duration::from_millis(50), ..Backoff::default() },
        wake: Default::default(),
        retention: Duration::from_secs(86_400),
    }
}

fn state(b: &Bench) -> (State, String) {
    let q = b.queue.lock().unwrap();
    let s = q.lookup(&b.code).unwrap().unwrap();
    (s.state, format!("{s:?}"))
}

/// A fake intake that answers every connection with `response` (or hangs / resets).
async fn fake(behaviour: &'static str) -> String {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = l.accept().await else { return };
            tokio::spawn(async move {
                let mut buf = [0u8; 65536];
                let _ = sock.read(&mut buf).await;
                match behaviour {
                    "hang" => tokio::time::sleep(Duration::from_secs(30)).await,
                    // Closed mid-request: the client sees the connection reset or cut.
                    "reset" => drop(sock),
                    response => {
                        let _ = sock.write_all(response.as_bytes()).await;
                    }
                }
            });
        }
    });
    format!("http://{addr}")
}

/// The real intake on a free port, over HTTPS when `tls` is given.
async fn real_intake(b: &Bench, tls: Option<ghiseu::intake::Tls>) -> String {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    let data = b.dir.join("intake");
    let scheme = if tls.is_some() { "https" } else { "http" };
    tokio::spawn(async move { ghiseu::intake::serve(l, &data, tls, std::future::pending()).await.unwrap() });
    tokio::time::sleep(Duration::from_millis(100)).await;
    format!("{scheme}://localhost:{}", addr.port())
}

/// The intake's TLS files and the CA that signed them, as the uploader trusts it.
fn pki(dir: &std::path::Path, name: &str) -> (ghiseu::intake::Tls, reqwest::Certificate) {
    let (cert, key, ca) = common::pki(dir, name);
    (ghiseu::intake::Tls { cert, key }, reqwest::Certificate::from_pem(&std::fs::read(ca).unwrap()).unwrap())
}

fn intake_count(b: &Bench) -> usize {
    ghiseu::intake::store::Store::open(&b.dir.join("intake")).unwrap().all().unwrap().len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_failures_keep_the_submission_pending_until_the_intake_answers() {
    let b = bench();
    for behaviour in [
        "HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\n\r\n",
        "HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n",
        "hang",
        "reset",
    ] {
        let url = fake(behaviour).await;
        let pass = uploader(&b, &url, None).pass().await.unwrap();
        assert_eq!(pass.failed, 1, "{behaviour}");
        assert_eq!(state(&b).0, State::Pending, "{behaviour}: {}", state(&b).1);
        tokio::time::sleep(Duration::from_millis(60)).await; // past the capped backoff
    }
    // The intake comes back: delivered once, and a second drain sends nothing more.
    let url = real_intake(&b, None).await;
    let up = uploader(&b, &url, None);
    up.drain().await.unwrap();
    up.drain().await.unwrap();
    assert_eq!(state(&b).0, State::Uploaded);
    assert_eq!(intake_count(&b), 1);
    // Status by tracking code: JSON for kiosks, a small page for phones.
    let json: serde_json::Value =
        reqwest::get(format!("{url}/api/v1/status/{}", b.code)).await.unwrap().json().await.unwrap();
    assert_eq!((json["registration_number"].as_str(), json["stage"].as_str()), (Some("1"), Some("registered")));
    let page = reqwest::get(format!("{url}/s/{}", b.code.to_lowercase())).await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Înregistrată, nr. 1 / ") && html.contains("viewport"), "{html}");
    assert_eq!(reqwest::get(format!("{url}/s/AAA-AAA-AA")).await.unwrap().status().as_u16(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_is_honoured() {
    let b = bench();
    let url = fake("HTTP/1.1 503 Service Unavailable\r\nretry-after: 120\r\ncontent-length: 0\r\n\r\n").await;
    let before = ghiseu::now_ms();
    let up = uploader(&b, &url, None);
    up.pass().await.unwrap();
    let q = b.queue.lock().unwrap();
    let next = q.next_due_ms().unwrap().unwrap();
    assert!(next >= before + 120_000, "the next attempt must wait for Retry-After: {}", next - before);
    assert!(q.due(ghiseu::now_ms(), 10).unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_tls_certificate_is_never_trusted_and_the_right_one_is() {
    let b = bench();
    let (tls, _right_ca) = pki(&b.dir, "intake");
    let (_, other_ca) = pki(&b.dir, "other");
    let url = real_intake(&b, Some(tls)).await;
    // The kiosk trusts another CA: the TLS handshake fails, nothing is sent.
    let pass = uploader(&b, &url, Some(other_ca)).pass().await.unwrap();
    assert_eq!(pass.failed, 1);
    assert_eq!(state(&b).0, State::Pending);
    assert_eq!(intake_count(&b), 0);
    // With the municipality's CA configured, it goes through over HTTPS.
    tokio::time::sleep(Duration::from_millis(60)).await;
    uploader(&b, &url, Some(_right_ca)).drain().await.unwrap();
    assert_eq!(state(&b).0, State::Uploaded);
    assert_eq!(intake_count(&b), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_kiosk_is_refused_and_its_submission_needs_attention() {
    let b = bench();
    std::fs::write(b.dir.join("intake/kiosks/test-01.revoked"), b"").unwrap();
    let url = real_intake(&b, None).await;
    let pass = uploader(&b, &url, None).pass().await.unwrap();
    assert_eq!(pass.rejected, 1);
    assert_eq!(state(&b).0, State::Rejected, "kept for a technician, not dropped");
    assert_eq!(intake_count(&b), 0);
    // Not retried by itself.
    tokio::time::sleep(Duration::from_millis(60)).await;
    assert_eq!(uploader(&b, &url, None).pass().await.unwrap(), Default::default());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_or_altered_envelope_is_refused() {
    let b = bench();
    let url = real_intake(&b, None).await;
    let payload = b.queue.lock().unwrap().due(i64::MAX, 1).unwrap().remove(0);
    let mut env: ghiseu::wire::api::Envelope = serde_json::from_slice(&payload.payload).unwrap();
    env.form_id = "petitie".into(); // altered after signing
    let client = reqwest::Client::new();
    let res = client
        .post(format!("{url}/api/v1/submissions"))
        .header("idempotency-key", &env.key)
        .json(&env)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 403, "refused like an unknown kiosk");
    // Same key, different (validly signed) body: 409 after the first is registered.
    uploader(&b, &url, None).drain().await.unwrap();
    let sealer = b.cfg.sealer().unwrap();
    let original: ghiseu::wire::api::Envelope = serde_json::from_slice(&payload.payload).unwrap();
    let mut store = ghiseu::intake::store::Store::open(&b.dir.join("intake")).unwrap();
    let mut body = store.all().unwrap().remove(0).body;
    body.answers.insert("descriere".into(), "Alt text".into());
    let other = sealer.envelope(&body);
    assert_eq!(other.key, original.key);
    let res = client
        .post(format!("{url}/api/v1/submissions"))
        .header("idempotency-key", &other.key)
        .json(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 409);
    assert_eq!(intake_count(&b), 1);
}
