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

    /// Opens the sign-in page and signs in; the answer to the POST.
    pub async fn sign_in(&mut self, name: &str, password: &str) -> Page {
        let page = self.get("/staff/sign-in").await;
        assert_eq!(page.status, 200);
        self.post("/staff/session", &[("csrf", &page.csrf()), ("name", name), ("password", password)]).await
    }
}
