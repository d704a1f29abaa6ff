//! A staff member at the intake's web inbox, over plain HTTP: an intake
//! process with a request filed, a staff account made with the CLI, and a
//! client that keeps its cookies and reads the forms' CSRF tokens.
#![allow(dead_code)]

use super::common;
use super::intake::{kiosk, Intake, Kiosk};
use std::collections::BTreeMap;

pub const PASSWORD: &str = "o parolă lungă de test";

/// `ghiseu intake user add --data DIR NAME` with `password` on stdin.
pub fn add_user(data: &std::path::Path, extra: &[&str], name: &str, password: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = std::process::Command::new(common::bin())
        .args(["intake", "user", "add", "--data"])
        .arg(data)
        .args(extra)
        .arg(name)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(format!("{password}\n").as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

pub fn disable_user(data: &std::path::Path, extra: &[&str], name: &str) -> std::process::Output {
    std::process::Command::new(common::bin())
        .args(["intake", "user", "disable", "--data"])
        .arg(data)
        .args(extra)
        .arg(name)
        .output()
        .unwrap()
}

/// An intake (`extra`: its flags) with one request filed and a staff account `ana`.
pub struct Desk {
    pub kiosk: Kiosk,
    pub intake: Intake,
}

pub async fn desk(extra: &[&str]) -> Desk {
    let k = kiosk();
    let db: Vec<&str> = extra.windows(2).find(|w| w[0] == "--database").map(|w| w.to_vec()).unwrap_or_default();
    let out = add_user(&k.intake_dir(), &db, "ana", PASSWORD);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let intake = Intake::start(&k.intake_dir(), extra, false);
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/submissions", intake.url))
        .header("Idempotency-Key", &k.key)
        .header("Content-Type", "application/json")
        .body(k.payload.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    Desk { kiosk: k, intake }
}

/// A browser without a browser: cookies kept, redirects not followed.
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
    pub cookies: BTreeMap<String, String>,
}

pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
}

impl Page {
    /// The value of the first hidden `csrf` field.
    pub fn csrf(&self) -> String {
        let at = self.body.find("name=\"csrf\" value=\"").expect("a form with a CSRF token") + 19;
        self.body[at..].split('"').next().unwrap().to_owned()
    }
}

impl Client {
    pub fn new(base: &str) -> Client {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Client { http, base: base.to_owned(), cookies: BTreeMap::new() }
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    async fn take(&mut self, r: reqwest::Response) -> Page {
        for v in r.headers().get_all("set-cookie") {
            let c = cookie::Cookie::parse(v.to_str().unwrap().to_owned()).unwrap();
            if c.value().is_empty() {
                self.cookies.remove(c.name());
            } else {
                self.cookies.insert(c.name().to_owned(), c.value().to_owned());
            }
        }
        let status = r.status().as_u16();
        let location = r.headers().get("location").map(|v| v.to_str().unwrap().to_owned());
        Page { status, location, body: r.text().await.unwrap() }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let r = self.http.get(format!("{}{path}", self.base)).header("cookie", self.cookie_header()).send().await;
        self.take(r.unwrap()).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let r = self.http.post(format!("{}{path}", self.base)).header("cookie", self.cookie_header()).form(form).send();
        self.take(r.await.unwrap()).await
    }

    /// A `multipart/form-data` POST (a form with a file input): `fields`, then
    /// `file` as the part `file` (name, bytes) when given.
    pub async fn post_multipart(&mut self, path: &str, fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> Page {
        let boundary = "----ghiseu-test-boundary-7d3f";
        let mut body = Vec::new();
        for (k, v) in fields {
            body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").bytes());
        }
        if let Some((name, bytes)) = file {
            body.extend(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
                     Content-Type: application/octet-stream\r\n\r\n"
                )
                .bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend(b"\r\n");
        }
        body.extend(format!("--{boundary}--\r\n").bytes());
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .header("content-type", format!("multipart/form-data; boundary={boundary}"))
            .body(body)
            .send();
        self.take(r.await.unwrap()).await
    }

    /// A GET whose body is bytes (a download): status, headers and body.
    pub async fn get_bytes(&mut self, path: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
        let r = self.http.get(format!("{}{path}", self.base)).header("cookie", self.cookie_header()).send().await;
        let r = r.unwrap();
        let (status, headers) = (r.status().as_u16(), r.headers().clone());
        (status, headers, r.bytes().await.unwrap().to_vec())
    }

    /// Opens the sign-in page and signs in; the answer to the POST.
    pub async fn sign_in(&mut self, name: &str, password: &str) -> Page {
        let page = self.get("/staff/sign-in").await;
        assert_eq!(page.status, 200);
        self.post("/staff/session", &[("csrf", &page.csrf()), ("name", name), ("password", password)]).await
    }
}

/// A network label printer on a free port: a listener that keeps every job
/// it receives (one connection, one job), as a printer on port 9100 would.
pub struct LabelPrinter {
    pub address: String,
    pub jobs: std::sync::Arc<std::sync::Mutex<Vec<Vec<u8>>>>,
}

impl LabelPrinter {
    pub fn start() -> LabelPrinter {
        use std::io::Read;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let jobs = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = jobs.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let mut job = Vec::new();
                if stream.read_to_end(&mut job).is_ok() {
                    sink.lock().unwrap().push(job);
                }
            }
        });
        LabelPrinter { address, jobs }
    }

    /// The jobs received so far, waiting up to 5 s for at least `n`.
    pub fn jobs(&self, n: usize) -> Vec<Vec<u8>> {
        let t = std::time::Instant::now();
        while self.jobs.lock().unwrap().len() < n && t.elapsed() < std::time::Duration::from_secs(5) {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        self.jobs.lock().unwrap().clone()
    }
}

/// The 1-bit raster inside ZPL `^GFA` (ASCII hex) bytes, written as a PBM for `zbarimg`.
pub fn zpl_to_pbm(bytes: &[u8], path: &std::path::Path) {
    let s = std::str::from_utf8(bytes).unwrap();
    let gf = &s[s.find("^GFA,").expect("^GFA") + 5..];
    let mut parts = gf.splitn(4, ',');
    let total: usize = parts.next().unwrap().parse().unwrap();
    let _: usize = parts.next().unwrap().parse().unwrap();
    let row: usize = parts.next().unwrap().parse().unwrap();
    let hex = &parts.next().unwrap()[..total * 2];
    let data: Vec<u8> = (0..total).map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap()).collect();
    let mut out = format!("P4\n{} {}\n", row * 8, total / row).into_bytes();
    out.extend(data);
    std::fs::write(path, out).unwrap();
}

/// The text of the QR code `zbarimg` finds in an image.
pub fn zbarimg(image: &std::path::Path) -> String {
    let out = std::process::Command::new("zbarimg")
        .args(["--raw", "-q"])
        .arg(image)
        .output()
        .expect("zbarimg is installed (Debian zbar-tools; run scripts/setup --test)");
    assert!(out.status.success(), "zbarimg found no code in {}", image.display());
    String::from_utf8(out.stdout).unwrap().trim_end().to_owned()
}

/// `ghiseu intake message --data DIR CODE --text TEXT [--file PATH]`.
pub fn message(
    data: &std::path::Path,
    extra: &[&str],
    code: &str,
    text: &str,
    file: Option<&std::path::Path>,
) -> std::process::Output {
    let mut cmd = std::process::Command::new(common::bin());
    cmd.args(["intake", "message", "--data"]).arg(data).args(extra).arg(code).args(["--text", text]);
    if let Some(f) = file {
        cmd.arg("--file").arg(f);
    }
    cmd.output().unwrap()
}

/// The audit log as `actor action` lines.
pub fn audit_actions(data: &std::path::Path, extra: &[&str]) -> Vec<String> {
    let db = extra.windows(2).find(|w| w[0] == "--database").map(|w| w[1]);
    let mut store = ghiseu::intake::store::Store::open_for(data, db).unwrap();
    let log = store.with(|c| ghiseu::intake::store::work::audit_log(c, None)).unwrap();
    log.into_iter().map(|l| format!("{} {}", l.actor, l.action)).collect()
}
