//! The uploader: a tokio task that delivers the queue to the intake.
//!
//! It never holds the UI: the kiosk commits a submission and pokes the
//! uploader through a [`tokio::sync::Notify`]; the uploader reads due rows
//! with its own SQLite connection, posts each with its key as the
//! `Idempotency-Key`, and records the answer. Decisions (what an answer
//! means, how long to wait) are in [`policy`].

pub mod policy;

use crate::queue::{Queue, Registration};
use crate::wire::api::StatusBody;
use policy::{Backoff, Verdict};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

/// HTTP client for the intake API.
#[derive(Clone)]
pub struct IntakeClient {
    http: reqwest::Client,
    base: String,
}

impl IntakeClient {
    /// `ca`: trust this CA (a municipality's own) in addition to the public ones.
    pub fn new(base_url: &str, timeout: Duration, ca: Option<reqwest::Certificate>) -> IntakeClient {
        let mut b = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .use_rustls_tls();
        if let Some(ca) = ca {
            b = b.add_root_certificate(ca);
        }
        let http = b.build().expect("the TLS client builds");
        IntakeClient { http, base: base_url.trim_end_matches('/').to_owned() }
    }

    /// `GET /health`: whether the intake answers at all (TLS included).
    pub async fn health(&self) -> Result<(), String> {
        let res = self.http.get(format!("{}/health", self.base)).send().await.map_err(|e| describe(&e))?;
        if res.status().is_success() {
            Ok(())
        } else {
            Err(format!("HTTP {}", res.status().as_u16()))
        }
    }

    /// Proves to the intake that this kiosk holds its enrolled key; the
    /// answer carries the intake's clock.
    pub async fn check_kiosk(
        &self,
        kiosk_id: &str,
        key: &crate::crypto::KioskKey,
        now_ms: i64,
    ) -> Result<crate::wire::api::KioskCheckOk, String> {
        use base64::Engine;
        let message = crate::wire::api::kiosk_check_message(kiosk_id, now_ms);
        let body = crate::wire::api::KioskCheck {
            time_ms: now_ms,
            signature: base64::engine::general_purpose::STANDARD.encode(key.sign(&message)),
        };
        let res = self
            .http
            .post(format!("{}/api/v1/kiosks/{kiosk_id}/check", self.base))
            .json(&body)
            .send()
            .await
            .map_err(|e| describe(&e))?;
        let status = res.status();
        if status.is_success() {
            return res.json().await.map_err(|e| format!("unexpected answer: {}", short(&e)));
        }
        let reason = res
            .json::<crate::wire::api::ErrorBody>()
            .await
            .map(|b| b.error)
            .unwrap_or_else(|_| "no reason given".into());
        Err(format!("HTTP {}: {reason}", status.as_u16()))
    }

    /// Sends one submission's stored body and classifies the answer: whole
    /// in one `POST` when small, else as a resumable upload.
    pub async fn post(&self, key: &str, payload: Vec<u8>) -> (Verdict, Option<StatusBody>) {
        if payload.len() > RESUMABLE_FROM {
            return self.post_resumable(key, payload).await;
        }
        let res = self
            .http
            .post(format!("{}/api/v1/submissions", self.base))
            .header("Idempotency-Key", key)
            .header("Content-Type", "application/json")
            .body(payload)
            .send()
            .await;
        Self::answer(res).await
    }

    /// The verdict on an intake's answer to a whole envelope.
    async fn answer(res: Result<reqwest::Response, reqwest::Error>) -> (Verdict, Option<StatusBody>) {
        let res = match res {
            Ok(r) => r,
            Err(e) => return (network(&e), None),
        };
        let status = res.status().as_u16();
        let retry_after =
            res.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(policy::parse_retry_after);
        let verdict = policy::classify(status, retry_after);
        if verdict == Verdict::Delivered {
            match res.json::<StatusBody>().await {
                Ok(body) => (verdict, Some(body)),
                Err(e) => (
                    Verdict::Transient { reason: format!("unreadable answer: {}", short(&e)), retry_after: None },
                    None,
                ),
            }
        } else {
            (verdict, None)
        }
    }

    /// A large envelope as a resumable upload (`HEAD` then `PATCH
    /// /api/v1/uploads/{key}`, the intake's `parts.rs`): each round sends the
    /// rest from what the intake already holds, so a link that keeps dropping
    /// still moves forward instead of starting from zero. Rounds go on at
    /// once while they make progress; then the retry policy takes over, and
    /// the next attempt resumes too. The key is the same stable key, and the
    /// whole envelope is registered exactly as a `POST` would be.
    async fn post_resumable(&self, key: &str, payload: Vec<u8>) -> (Verdict, Option<StatusBody>) {
        let url = format!("{}/api/v1/uploads/{key}", self.base);
        let total = payload.len() as u64;
        let payload = bytes::Bytes::from(payload);
        let mut last = (Verdict::Transient { reason: "no attempt".into(), retry_after: None }, None);
        let mut progress_at = None;
        for _ in 0..RESUMABLE_ROUNDS {
            let held = match self.http.head(&url).send().await {
                Ok(r) if r.status().is_success() => upload_offset(&r).unwrap_or(0),
                Ok(r) => return (policy::classify(r.status().as_u16(), None), None),
                Err(e) => return (network(&e), None),
            };
            // No progress since the last round: let the retry policy wait.
            if progress_at == Some(held) {
                return last;
            }
            progress_at = Some(held);
            let from = if held > total { 0 } else { held };
            let res = self
                .http
                .patch(&url)
                .header("Upload-Offset", from)
                .header("Upload-Length", total)
                .header("Content-Type", "application/octet-stream")
                .body(payload.slice(from as usize..))
                .send()
                .await;
            match res {
                Ok(r) if r.status().as_u16() == 204 || r.status().as_u16() == 409 => {
                    let reason = format!("upload incomplete at {} of {total} bytes", upload_offset(&r).unwrap_or(0));
                    last = (Verdict::Transient { reason, retry_after: None }, None);
                }
                Ok(r) => return Self::answer(Ok(r)).await,
                Err(e) => last = (network(&e), None),
            }
        }
        last
    }

    /// The registry's status for a tracking code; `Ok(None)` when it does not know it.
    pub async fn status(&self, tracking_code: &str) -> Result<Option<StatusBody>, String> {
        let res = self
            .http
            .get(format!("{}/api/v1/status/{tracking_code}", self.base))
            .send()
            .await
            .map_err(|e| describe(&e))?;
        match res.status().as_u16() {
            200 => res.json().await.map(Some).map_err(|e| short(&e)),
            404 => Ok(None),
            s => Err(format!("HTTP {s}")),
        }
    }
}

/// Envelopes larger than this go as resumable uploads (a request with pages);
/// smaller ones (answers alone, ~60 kB) in one `POST`.
pub const RESUMABLE_FROM: usize = 1024 * 1024;

/// Rounds of one resumable attempt, each resuming where the intake stands.
const RESUMABLE_ROUNDS: usize = 20;

fn upload_offset(r: &reqwest::Response) -> Option<u64> {
    r.headers().get("upload-offset")?.to_str().ok()?.parse().ok()
}

fn network(e: &reqwest::Error) -> Verdict {
    let reason = if e.is_timeout() { "timeout".to_owned() } else { format!("network: {}", describe(e)) };
    Verdict::Transient { reason, retry_after: None }
}

/// Reads a PEM CA certificate for [`IntakeClient::new`].
pub fn load_ca(path: &std::path::Path) -> Result<reqwest::Certificate, String> {
    let pem = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    reqwest::Certificate::from_pem(&pem).map_err(|e| format!("{} is not a PEM certificate: {e}", path.display()))
}

/// A transport error as a technician needs it: timeout, TLS, refused, with
/// every cause down the chain (reqwest's own message is only "error sending
/// request"); an untrusted certificate is named as such.
fn describe(e: &reqwest::Error) -> String {
    use std::error::Error;
    if e.is_timeout() {
        return "timeout".into();
    }
    let mut text = short(e);
    let mut untrusted = None;
    let mut source = e.source();
    while let Some(s) = source {
        let cause = s.to_string();
        // Layers often repeat the message of the one below: say each once.
        if !text.ends_with(&cause) {
            text = format!("{text}: {cause}");
        }
        untrusted = untrusted.or_else(|| certificate_problem(s));
        source = s.source();
    }
    match untrusted {
        Some(why) => format!("the registry's certificate is not trusted: {why} ({text})"),
        None => text,
    }
}

/// A rustls certificate error in `e`, or inside the I/O errors it wraps
/// (hyper's connector nests one I/O error in another around it).
fn certificate_problem(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut cur = e;
    loop {
        if let Some(tls) = cur.downcast_ref::<rustls::Error>() {
            return match tls {
                rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented => Some(tls.to_string()),
                _ => None,
            };
        }
        cur = cur.downcast_ref::<std::io::Error>()?.get_ref()?;
    }
}

/// An error's message without the URL (which carries no personal data, but is noise).
fn short(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    if let Some(url) = e.url() {
        s = s.replace(&format!(" ({url})"), "").replace(url.as_str(), "");
    }
    s
}

pub fn registration(s: &StatusBody) -> Registration {
    Registration {
        registration_number: s.registration_number.clone(),
        registration_date: s.registration_date.clone(),
        stage: s.stage.code().to_owned(),
    }
}

/// The uploader's resources.
pub struct Uploader {
    /// The uploader's own connection to the queue (WAL lets the kiosk write beside it).
    pub queue: Arc<Mutex<Queue>>,
    pub client: IntakeClient,
    pub backoff: Backoff,
    /// Poked when a new submission is committed.
    pub wake: Arc<Notify>,
    /// How long delivered submissions' codes and numbers are kept.
    pub retention: Duration,
}

/// Uploads in flight at once.
const IN_FLIGHT: usize = 8;
/// Answers recorded per transaction.
const RECORD_BATCH: usize = 32;

pub use crate::queue::Outcome;

/// How a pass over the due submissions went.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    pub delivered: u32,
    pub failed: u32,
    pub rejected: u32,
}

impl Uploader {
    /// An uploader on its own queue connection (`retention`: how long delivered codes stay).
    pub fn new(queue: Queue, client: IntakeClient, wake: Arc<Notify>, retention: Duration) -> Uploader {
        Uploader { queue: Arc::new(Mutex::new(queue)), client, backoff: Backoff::default(), wake, retention }
    }

    /// Runs `f` on the queue on a blocking thread, off the async workers.
    async fn with_queue<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Queue) -> Result<T, crate::queue::QueueError> + Send + 'static,
    ) -> anyhow::Result<T> {
        let q = self.queue.clone();
        Ok(tokio::task::spawn_blocking(move || f(&mut q.lock().unwrap_or_else(|p| p.into_inner()))).await??)
    }

    /// Uploads everything due now, once.
    pub async fn pass(&self) -> anyhow::Result<Pass> {
        let due = self.with_queue(|q| q.due(crate::now_ms(), 256)).await?;
        let mut pass = Pass::default();
        // Up to IN_FLIGHT uploads at once (a sliding window); answers are
        // recorded in batches, one transaction (one fsync) each, on a blocking
        // thread while the next uploads are already on the wire. A crash
        // between posting and recording only means the same keys are posted
        // again, which the intake answers the same.
        let mut todo = due.into_iter();
        let mut set = tokio::task::JoinSet::new();
        let mut batch = Vec::with_capacity(RECORD_BATCH);
        let mut recording: Option<tokio::task::JoinHandle<Result<(), crate::queue::QueueError>>> = None;
        loop {
            while set.len() < IN_FLIGHT {
                let Some(p) = todo.next() else { break };
                let client = self.client.clone();
                set.spawn(async move {
                    let (verdict, answer) = client.post(&p.key, p.payload.clone()).await;
                    (p, verdict, answer)
                });
            }
            let Some(done) = set.join_next().await else { break };
            let (p, verdict, answer) = done?;
            batch.push(self.outcome(&mut pass, p, verdict, answer));
            if batch.len() >= RECORD_BATCH || (set.is_empty() && todo.len() == 0) {
                if let Some(previous) = recording.take() {
                    previous.await??;
                }
                let outcomes = std::mem::take(&mut batch);
                let q = self.queue.clone();
                recording = Some(tokio::task::spawn_blocking(move || {
                    q.lock().unwrap_or_else(|p| p.into_inner()).record(&outcomes, crate::now_ms())
                }));
            }
        }
        if let Some(previous) = recording.take() {
            previous.await??;
        }
        let before = crate::now_ms() - self.retention.as_millis() as i64;
        let purged = self.with_queue(move |q| q.purge_uploaded_before(before)).await?;
        if purged > 0 {
            tracing::info!(purged, "forgot delivered submissions past the retention period");
        }
        Ok(pass)
    }

    fn outcome(
        &self,
        pass: &mut Pass,
        p: crate::queue::Pending,
        verdict: Verdict,
        answer: Option<StatusBody>,
    ) -> Outcome {
        match verdict {
            Verdict::Delivered => {
                pass.delivered += 1;
                let reg = registration(answer.as_ref().expect("delivered answers carry a body"));
                tracing::info!(tracking = %p.tracking_code, "delivered");
                Outcome::Delivered(p.key, reg)
            }
            Verdict::Transient { reason, retry_after } => {
                pass.failed += 1;
                let delay = self.backoff.delay(p.attempts, rand::random::<f64>(), retry_after);
                tracing::warn!(tracking = %p.tracking_code, %reason, retry_in_ms = delay.as_millis() as u64, "upload failed, will retry");
                Outcome::Retry(p.key, crate::now_ms() + delay.as_millis() as i64, reason)
            }
            Verdict::Permanent(reason) => {
                pass.rejected += 1;
                tracing::error!(tracking = %p.tracking_code, %reason, "intake rejected submission; needs attention");
                Outcome::Rejected(p.key, reason)
            }
        }
    }

    /// Runs until `shutdown` fires: a pass, then sleep until the next due
    /// attempt or a wake-up, whichever is first.
    pub async fn run(self, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        loop {
            let idle = match self.pass().await {
                Ok(_) => {
                    let next = self.with_queue(|q| q.next_due_ms()).await.ok().flatten();
                    match next {
                        Some(t) => Duration::from_millis((t - crate::now_ms()).clamp(0, 60_000) as u64),
                        None => Duration::from_secs(60),
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "uploader pass failed");
                    Duration::from_secs(5)
                }
            };
            tokio::select! {
                _ = tokio::time::sleep(idle) => {}
                _ = self.wake.notified() => {}
                _ = shutdown.changed() => return,
            }
        }
    }

    /// Uploads until nothing is pending (rejected submissions are not pending).
    pub async fn drain(&self) -> anyhow::Result<()> {
        loop {
            self.pass().await?;
            let (counts, next) = self.with_queue(|q| Ok((q.counts()?, q.next_due_ms()?))).await?;
            if counts.pending == 0 {
                return Ok(());
            }
            let wait = next.map(|t| (t - crate::now_ms()).clamp(0, 60_000)).unwrap_or(1000);
            tokio::time::sleep(Duration::from_millis(wait as u64)).await;
        }
    }
}
