//! A small DDI server for tests/fleet.rs, for what gooseBit does not do: a
//! link that drops mid-download (the panel resumes with `Range`), a
//! cancellation (`cancelAction`) and hawkBit's confirmation flow
//! (`confirmationBase`). Kept beside the test so that file stays readable.
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

#[derive(Default)]
pub struct Ddi {
    pub cancel: bool,
    /// The server wants the panel's consent before it offers the deployment.
    pub confirm: bool,
    /// The panel consented (a `confirmed` feedback arrived).
    pub confirmed: bool,
    pub bundle: Vec<u8>,
    pub dropped: bool,
    /// (method, path, Range header, JSON body)
    pub log: Vec<(String, String, Option<String>, Value)>,
    pub url: String,
    pub artifact_url: String,
}

pub type Shared = Arc<Mutex<Ddi>>;

fn note(s: &Shared, method: &str, path: &str, h: &HeaderMap, body: Value) {
    let range = h.get("range").map(|v| v.to_str().unwrap().to_owned());
    s.lock().unwrap().log.push((method.into(), path.into(), range, body));
}

fn app(state: Shared) -> axum::Router {
    use axum::routing::{get, post, put};
    let base = "/DEFAULT/controller/v1/test-01";
    axum::Router::new()
        .route(base, get(poll))
        .route(&format!("{base}/configData"), put(config))
        .route(&format!("{base}/deploymentBase/7"), get(deployment))
        .route(&format!("{base}/deploymentBase/7/feedback"), post(feedback))
        .route(&format!("{base}/cancelAction/8"), get(cancel))
        .route(&format!("{base}/cancelAction/8/feedback"), post(feedback))
        .route(&format!("{base}/confirmationBase/7"), get(confirmation))
        .route(&format!("{base}/confirmationBase/7/feedback"), post(consent))
        .with_state(state)
}

pub async fn serve(state: Shared) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    state.lock().unwrap().url = url.clone();
    let app = app(state);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

/// The same server over HTTPS with this certificate and key (PEM files).
pub async fn serve_tls(state: Shared, cert: &std::path::Path, key: &std::path::Path) -> String {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key).await.unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("https://localhost:{}", listener.local_addr().unwrap().port());
    state.lock().unwrap().url = url.clone();
    let app = app(state);
    tokio::spawn(async move {
        axum_server::tls_rustls::from_tcp_rustls(listener, config)
            .unwrap()
            .serve(app.into_make_service())
            .await
            .unwrap()
    });
    url
}

async fn poll(State(s): State<Shared>, h: HeaderMap) -> axum::Json<Value> {
    note(&s, "GET", "base", &h, Value::Null);
    let st = s.lock().unwrap();
    let base = format!("{}/DEFAULT/controller/v1/test-01", st.url);
    let links = if st.cancel {
        json!({"cancelAction": {"href": format!("{base}/cancelAction/8")}})
    } else if st.confirm && !st.confirmed {
        // As hawkBit links both: the action waiting, and the auto-confirm state.
        json!({"confirmationBase": {"href": format!("{base}/confirmationBase/7?c=-2129030598")}})
    } else {
        json!({"deploymentBase": {"href": format!("{base}/deploymentBase/7?c=-2129030598")}})
    };
    axum::Json(json!({"config": {"polling": {"sleep": "00:05:00"}}, "_links": links}))
}

async fn config(State(s): State<Shared>, h: HeaderMap, body: axum::Json<Value>) -> StatusCode {
    note(&s, "PUT", "configData", &h, body.0);
    StatusCode::OK
}

async fn deployment(State(s): State<Shared>, h: HeaderMap) -> axum::Json<Value> {
    note(&s, "GET", "deploymentBase", &h, Value::Null);
    axum::Json(action(&s, "deployment"))
}

/// The action waiting for consent: what it would install, under `confirmation`.
async fn confirmation(State(s): State<Shared>, h: HeaderMap) -> axum::Json<Value> {
    note(&s, "GET", "confirmationBase", &h, Value::Null);
    axum::Json(action(&s, "confirmation"))
}

async fn consent(State(s): State<Shared>, h: HeaderMap, uri: axum::http::Uri, body: axum::Json<Value>) -> StatusCode {
    let yes = body.0["confirmation"] == "confirmed";
    note(&s, "POST", uri.path(), &h, body.0);
    s.lock().unwrap().confirmed |= yes;
    StatusCode::OK
}

/// Action 7, as hawkBit shows it under `key` (`deployment` or `confirmation`).
fn action(s: &Shared, key: &str) -> Value {
    let st = s.lock().unwrap();
    use sha2::Digest;
    let sha256: String = sha2::Sha256::digest(&st.bundle).iter().map(|b| format!("{b:02x}")).collect();
    json!({
        "id": "7",
        key: {"download": "forced", "update": "attempt", "maintenanceWindow": "available", "chunks": [{
            "part": "os", "version": "0.4.0", "name": "ghiseu",
            "artifacts": [{"filename": "ghiseu-0.4.0-amd64.raucb", "size": st.bundle.len(),
                "hashes": {"sha1": "", "md5": "", "sha256": sha256},
                "_links": {"download-http": {"href": st.artifact_url.clone()}}}]
        }]}
    })
}

async fn feedback(State(s): State<Shared>, h: HeaderMap, uri: axum::http::Uri, body: axum::Json<Value>) -> StatusCode {
    note(&s, "POST", uri.path(), &h, body.0);
    StatusCode::OK
}

async fn cancel(State(s): State<Shared>, h: HeaderMap) -> axum::Json<Value> {
    note(&s, "GET", "cancelAction", &h, Value::Null);
    axum::Json(json!({"id": "8", "cancelAction": {"stopId": "7"}}))
}

/// Serves the bundle on a plain socket (hyper refuses to send a body
/// shorter than its length): the first request loses the link halfway
/// (the announced length never arrives); later ones honour `Range`.
pub async fn serve_artifact(s: Shared) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/artifacts/bundle.raucb", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let (mut sock, _) = listener.accept().await.unwrap();
            let mut req = Vec::new();
            let mut buf = [0u8; 1024];
            while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = sock.read(&mut buf).await.unwrap();
                if n == 0 {
                    break;
                }
                req.extend_from_slice(&buf[..n]);
            }
            let text = String::from_utf8_lossy(&req).to_lowercase();
            let range = text.lines().find_map(|l| l.strip_prefix("range: ")).map(|r| r.trim().to_owned());
            let (head, body) = {
                let mut st = s.lock().unwrap();
                st.log.push(("GET".into(), "download".into(), range.clone(), Value::Null));
                let total = st.bundle.len();
                let from = range.and_then(|r| r.strip_prefix("bytes=")?.trim_end_matches('-').parse::<usize>().ok());
                match from {
                    None if !st.dropped => {
                        st.dropped = true;
                        (format!("HTTP/1.1 200 OK\r\ncontent-length: {total}\r\nconnection: close\r\n\r\n"), st.bundle[..total / 2].to_vec())
                    }
                    None => (format!("HTTP/1.1 200 OK\r\ncontent-length: {total}\r\nconnection: close\r\n\r\n"), st.bundle.clone()),
                    Some(from) => (
                        format!(
                            "HTTP/1.1 206 Partial Content\r\ncontent-length: {}\r\ncontent-range: bytes {from}-{}/{total}\r\nconnection: close\r\n\r\n",
                            total - from,
                            total - 1
                        ),
                        st.bundle[from..].to_vec(),
                    ),
                }
            };
            let _ = sock.write_all(head.as_bytes()).await;
            let _ = sock.write_all(&body).await;
            let _ = sock.shutdown().await;
        }
    });
    url
}
