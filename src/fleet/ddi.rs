//! hawkBit's Direct Device Integration API, the part a panel uses: poll the
//! controller base, PUT attributes to `configData`, read a deployment, send
//! feedback, read and answer a cancellation, download an artifact with
//! `Range` resume. A thin layer over reqwest (rustls, the configured CA);
//! every request carries `Authorization: TargetToken …`.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum DdiError {
    #[error("{url}: {source}")]
    Http { url: String, source: reqwest::Error },
    #[error("{url}: the server answered {status}: {body}")]
    Status { url: String, status: u16, body: String },
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
}

/// The controller base: how long to sleep, and what the server asks for.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Base {
    #[serde(default)]
    pub config: BaseConfig,
    #[serde(default, rename = "_links")]
    pub links: BTreeMap<String, Link>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct BaseConfig {
    #[serde(default)]
    pub polling: Polling,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Polling {
    /// `HH:MM:SS`.
    #[serde(default)]
    pub sleep: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Link {
    pub href: String,
}

impl Base {
    pub fn link(&self, name: &str) -> Option<&str> {
        self.links.get(name).map(|l| l.href.as_str())
    }

    /// The server's polling interval (hawkBit's `HH:MM:SS`).
    pub fn sleep(&self) -> Option<Duration> {
        let s = self.config.polling.sleep.as_deref()?;
        let mut secs = 0u64;
        for part in s.split(':') {
            secs = secs * 60 + part.trim().parse::<u64>().ok()?;
        }
        Some(Duration::from_secs(secs))
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct DeploymentBase {
    pub id: String,
    pub deployment: Deployment,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Deployment {
    /// `skip`, `attempt` or `forced`.
    #[serde(default)]
    pub download: String,
    #[serde(default)]
    pub update: String,
    #[serde(default)]
    pub chunks: Vec<Chunk>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Chunk {
    #[serde(default)]
    pub part: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub artifacts: Vec<Artifact>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Artifact {
    pub filename: String,
    #[serde(default)]
    pub hashes: BTreeMap<String, String>,
    #[serde(default)]
    pub size: Option<u64>,
    #[serde(default, rename = "_links")]
    pub links: BTreeMap<String, Link>,
}

impl Artifact {
    /// hawkBit gives `download` (HTTPS) and `download-http`; prefer the first.
    pub fn href(&self) -> Option<&str> {
        self.links.get("download").or_else(|| self.links.get("download-http")).map(|l| l.href.as_str())
    }
}

/// An action waiting for the target's consent (hawkBit's "user consent"
/// flow): what it would install, under `confirmation`.
#[derive(Debug, Clone, Deserialize)]
pub struct ConfirmationBase {
    pub id: String,
    pub confirmation: Deployment,
}

/// The answer to a `confirmationBase` action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Consent {
    Confirmed,
    Denied,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CancelBase {
    pub id: String,
    #[serde(rename = "cancelAction")]
    pub cancel_action: CancelAction,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CancelAction {
    #[serde(rename = "stopId")]
    pub stop_id: String,
}

/// `execution` of a feedback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Execution {
    Proceeding,
    Closed,
    Rejected,
    Scheduled,
    Downloaded,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Finished {
    Success,
    Failure,
    None,
}

#[derive(Debug, Clone, Serialize)]
struct Feedback<'a> {
    id: &'a str,
    time: String,
    status: FeedbackStatus<'a>,
}

#[derive(Debug, Clone, Serialize)]
struct FeedbackStatus<'a> {
    execution: Execution,
    result: FeedbackResult,
    details: &'a [String],
}

#[derive(Debug, Clone, Serialize)]
struct FeedbackResult {
    finished: Finished,
    #[serde(skip_serializing_if = "Option::is_none")]
    progress: Option<Progress>,
}

/// `cnt` of `of` steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Progress {
    pub cnt: u32,
    pub of: u32,
}

/// A panel's connection to its DDI server.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    /// `{server}/{tenant}/controller/v1/{id}`.
    base: String,
    auth: String,
}

impl Client {
    pub fn new(server: &str, tenant: &str, id: &str, token: &str, ca: Option<reqwest::Certificate>) -> Client {
        let mut b = reqwest::Client::builder()
            .use_rustls_tls()
            .connect_timeout(Duration::from_secs(15))
            .read_timeout(Duration::from_secs(60));
        if let Some(ca) = ca {
            b = b.add_root_certificate(ca);
        }
        Client {
            http: b.build().expect("TLS client"),
            base: format!("{}/{tenant}/controller/v1/{id}", server.trim_end_matches('/')),
            auth: format!("TargetToken {token}"),
        }
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    async fn send(&self, req: reqwest::RequestBuilder, url: &str) -> Result<reqwest::Response, DdiError> {
        let resp = req
            .header(reqwest::header::AUTHORIZATION, &self.auth)
            .header(reqwest::header::ACCEPT, "application/hal+json, application/json")
            .send()
            .await
            .map_err(|source| DdiError::Http { url: url.to_owned(), source })?;
        let status = resp.status();
        if status.is_success() {
            return Ok(resp);
        }
        let body: String = resp.text().await.unwrap_or_default().chars().take(300).collect();
        Err(DdiError::Status { url: url.to_owned(), status: status.as_u16(), body })
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, DdiError> {
        let resp = self.send(self.http.get(url).timeout(Duration::from_secs(60)), url).await?;
        resp.json().await.map_err(|source| DdiError::Http { url: url.to_owned(), source })
    }

    pub async fn poll(&self) -> Result<Base, DdiError> {
        self.get_json(&self.base).await
    }

    pub async fn deployment(&self, href: &str) -> Result<Option<DeploymentBase>, DdiError> {
        self.get_json(href).await
    }

    pub async fn cancel(&self, href: &str) -> Result<CancelBase, DdiError> {
        self.get_json(href).await
    }

    pub async fn confirmation(&self, href: &str) -> Result<ConfirmationBase, DdiError> {
        self.get_json(href).await
    }

    /// Confirms (or denies) an action waiting for consent.
    pub async fn consent(&self, action: &str, consent: Consent, details: &[String]) -> Result<(), DdiError> {
        let url = format!("{}/confirmationBase/{action}/feedback", self.base);
        let body = serde_json::json!({ "confirmation": consent, "details": details });
        self.send(self.http.post(&url).json(&body), &url).await.map(|_| ())
    }

    /// Attributes, merged into what the server already holds.
    pub async fn put_attributes(&self, attrs: &BTreeMap<String, String>) -> Result<(), DdiError> {
        let url = format!("{}/configData", self.base);
        let body = serde_json::json!({ "mode": "merge", "data": attrs });
        self.send(self.http.put(&url).json(&body), &url).await.map(|_| ())
    }

    /// Feedback on an action: `kind` is `deploymentBase` or `cancelAction`.
    pub async fn feedback(
        &self,
        kind: &str,
        action: &str,
        execution: Execution,
        finished: Finished,
        progress: Option<Progress>,
        details: &[String],
    ) -> Result<(), DdiError> {
        let url = format!("{}/{kind}/{action}/feedback", self.base);
        let time = jiff::Timestamp::now().strftime("%Y%m%dT%H%M%S").to_string();
        let body = Feedback {
            id: action,
            time,
            status: FeedbackStatus { execution, result: FeedbackResult { finished, progress }, details },
        };
        self.send(self.http.post(&url).json(&body), &url).await.map(|_| ())
    }

    /// Downloads `href` into `part`, continuing a partial file with `Range`.
    /// Returns the file's length. A server that ignores `Range` (200) starts
    /// the file over.
    pub async fn download(
        &self,
        href: &str,
        part: &Path,
        on_progress: &mut (dyn FnMut(u64) + Send),
    ) -> Result<u64, DdiError> {
        let io = |source| DdiError::Io { path: part.display().to_string(), source };
        let have = std::fs::metadata(part).map(|m| m.len()).unwrap_or(0);
        let mut req = self.http.get(href);
        if have > 0 {
            req = req.header(reqwest::header::RANGE, format!("bytes={have}-"));
        }
        let mut resp = match self.send(req, href).await {
            Err(DdiError::Status { status: 416, .. }) => return Ok(have), // already whole
            other => other?,
        };
        let resume = resp.status() == reqwest::StatusCode::PARTIAL_CONTENT;
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(resume)
            .write(true)
            .truncate(!resume)
            .open(part)
            .map_err(io)?;
        let mut len = if resume { have } else { 0 };
        if resume {
            tracing::info!(from = have, "resuming the download");
        }
        loop {
            match resp.chunk().await {
                Ok(Some(bytes)) => {
                    file.write_all(&bytes).map_err(io)?;
                    len += bytes.len() as u64;
                    on_progress(len);
                }
                Ok(None) => break,
                Err(source) => {
                    // Keep what arrived: the next attempt continues from it.
                    let _ = file.sync_data();
                    return Err(DdiError::Http { url: href.to_owned(), source });
                }
            }
        }
        file.sync_all().map_err(io)?;
        Ok(len)
    }
}
