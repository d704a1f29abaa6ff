//! The citizen hears back (issue #16, branch `reply`): e-mail through the
//! durable outbox to an SMTP sink the test starts (`common/smtp.rs`), the
//! registry API with its tokens, and supplements filed at the kiosk.

mod common;
use common::OutputWithin;
#[path = "common/intake.rs"]
mod intake;
#[path = "common/pg.rs"]
mod pg;
#[path = "common/smtp.rs"]
mod smtp;
#[path = "common/staff.rs"]
mod staff;

use ghiseu::intake::store::{outbox, work, Store};
use intake::Intake;
use std::path::PathBuf;
use std::time::{Duration, Instant};

const ADDRESS: &str = "ana.ionescu@exemplu.ro";

/// A kiosk's committed submission with (or without) an e-mail address.
struct Filed {
    _dir: tempfile::TempDir,
    data: PathBuf,
    payload: Vec<u8>,
    key: String,
    code: String,
    /// More submissions of the same kiosk, when asked for: (payload, key, code).
    more: Vec<(Vec<u8>, String, String)>,
}

fn filed(email: Option<&str>, lang: ghiseu::i18n::Lang) -> Filed {
    filed_n(email, lang, 1)
}

fn filed_n(email: Option<&str>, lang: ghiseu::i18n::Lang, n: usize) -> Filed {
    let dir = tempfile::tempdir().unwrap();
    let cfg = ghiseu::config::Config::load(&common::write_config(dir.path(), "http://127.0.0.1:9")).unwrap();
    let mut q = ghiseu::queue::Queue::open(&cfg.queue_path()).unwrap();
    let mut answers = vec![
        ("nume", "Ionescu"),
        ("prenume", "Ana"),
        ("locatie", "Str. Morii 3"),
        ("descriere", "Groapă în asfalt."),
        ("adresa", "Str. Lungă 1, Roman"),
    ];
    if let Some(e) = email {
        answers.push(("email", e));
    }
    let mut all = vec![];
    for i in 0..n {
        let r = common::commit(&cfg, &mut q, "sesizare", lang, &answers, 1 + i as i64);
        let p = q.due(i64::MAX, 100).unwrap().into_iter().find(|p| p.key == r.key).unwrap();
        all.push((p.payload, p.key, r.tracking_code));
    }
    let (payload, key, code) = all.remove(0);
    Filed { data: dir.path().join("intake"), _dir: dir, payload, key, code, more: all }
}

fn mail_flags(port: u16) -> Vec<String> {
    [
        "--smtp-server",
        "127.0.0.1",
        "--smtp-port",
        &port.to_string(),
        "--smtp-security",
        "none",
        "--smtp-from",
        "Registratura <registratura@primaria-test.ro>",
        "--public-url",
        "https://ghiseu.primaria-test.ro",
        "--municipality",
        "Primăria Test",
        "--smtp-retry-secs",
        "1",
    ]
    .map(str::to_owned)
    .to_vec()
}

fn start(f: &Filed, extra: &[String]) -> Intake {
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    Intake::start(&f.data, &extra, false)
}

fn upload(url: &str, f: &Filed) -> serde_json::Value {
    upload_one(url, &f.payload, &f.key)
}

fn upload_one(url: &str, payload: &[u8], key: &str) -> serde_json::Value {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let r = reqwest::Client::new()
            .post(format!("{url}/api/v1/submissions"))
            .header("Idempotency-Key", key)
            .header("Content-Type", "application/json")
            .body(payload.to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        r.json().await.unwrap()
    })
}

fn outbox_rows(data: &std::path::Path) -> Vec<outbox::Row> {
    Store::open(data).unwrap().with(outbox::all).unwrap()
}

#[test]
fn the_citizen_gets_the_registration_and_each_message_by_mail_once() {
    let sink = smtp::Sink::start(0);
    let f = filed(Some(ADDRESS), ghiseu::i18n::Lang::En);
    let intake = start(&f, &mail_flags(sink.port));
    let t = Instant::now();
    let status = upload(&intake.url, &f);
    let number = status["registration_number"].as_str().unwrap().to_owned();
    let mails = sink.wait_for(1, 20);
    // A figure for the report, not an assertion: the sender looks once a second.
    eprintln!("registration → mail in the sink: {} ms", t.elapsed().as_millis());
    assert_eq!(mails.len(), 1, "the registration's mail");
    let m = &mails[0];
    assert_eq!(m.to, [ADDRESS]);
    let text = m.text();
    assert!(text.contains(&format!("cu numărul {number} din")), "{text}");
    assert!(text.contains(&format!("as number {number} of")), "the citizen's language after Romanian: {text}");
    assert!(text.contains(&format!("https://ghiseu.primaria-test.ro/s/{}", f.code)), "{text}");
    assert!(text.contains("Primăria Test") && text.contains(&f.code));
    assert!(!text.contains("Ionescu") && !text.contains("Morii"), "no answers in the mail: {text}");
    assert!(m.header("Message-ID").unwrap().ends_with("@primaria-test.ro>"));

    // A staff message, from whichever caller: the store queues its mail.
    let mut store = Store::open(&f.data).unwrap();
    let t = Instant::now();
    let text = "Vă rugăm să aduceți actul de proprietate.";
    assert!(store
        .with(|c| work::add_message(c, &f.code, "ana", text, Some(("raspuns.pdf", "x")), ghiseu::now_ms()))
        .unwrap());
    assert!(t.elapsed() < Duration::from_secs(2), "staff do not wait for the mail");
    let mails = sink.wait_for(2, 20);
    assert_eq!(mails.len(), 2, "the message's mail");
    let body = mails[1].text();
    assert!(body.contains(text) && body.contains("„raspuns.pdf”"), "{body}");
    assert!(mails[1].header("Subject").is_some());
    // No second copy of either, and the outbox says both went.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(sink.mails.lock().unwrap().len(), 2, "no duplicate");
    let rows = outbox_rows(&f.data);
    assert_eq!(
        rows.iter().map(|r| (r.kind.as_str(), r.outcome.as_str(), r.attempts)).collect::<Vec<_>>(),
        [("registered", "sent", 1), ("message", "sent", 1)]
    );
    assert!(!intake.log.lock().unwrap().contains("exemplu.ro"), "the address stays out of the log");
}

#[test]
fn a_mail_server_that_is_down_delays_the_mail_and_blocks_no_one() {
    let port = common::free_port();
    let f = filed(Some(ADDRESS), ghiseu::i18n::Lang::Ro);
    let mut flags = mail_flags(port);
    flags.extend(["--register-on", "validate"].map(str::to_owned));
    let intake = start(&f, &flags);
    let status = upload(&intake.url, &f);
    assert_eq!(status["stage"], "new");
    // Staff register it and write, while the mail server is down.
    let mut store = Store::open(&f.data).unwrap();
    let t = Instant::now();
    let now = jiff::Zoned::now();
    let registered = store.validate(&f.code, "ana", &now).unwrap().unwrap();
    assert!(store.with(|c| work::add_message(c, &f.code, "ana", "Mesaj de test.", None, ghiseu::now_ms())).unwrap());
    assert!(t.elapsed() < Duration::from_secs(2), "staff do not wait for the mail server");
    let t = Instant::now();
    while outbox_rows(&f.data).iter().any(|r| r.attempts == 0) {
        assert!(t.elapsed() < Duration::from_secs(20), "the sender tried: {:?}", outbox_rows(&f.data));
        std::thread::sleep(Duration::from_millis(200));
    }
    let rows = outbox_rows(&f.data);
    assert!(rows.iter().all(|r| r.done_ms.is_none() && r.outcome == "no answer from the mail server"), "{rows:?}");
    // The server comes back: both mails arrive, once.
    let sink = smtp::Sink::start(port);
    let mails = sink.wait_for(2, 30);
    assert_eq!(mails.len(), 2, "{:?}", outbox_rows(&f.data));
    assert!(mails[0].text().contains(&format!("numărul {} din", registered.registration_number)));
    assert!(mails[1].text().contains("Mesaj de test."));
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(sink.mails.lock().unwrap().len(), 2, "no duplicate");
    assert!(outbox_rows(&f.data).iter().all(|r| r.outcome == "sent"));
    assert!(!intake.log.lock().unwrap().contains("exemplu.ro"));
}

#[test]
fn a_request_without_an_address_sends_nothing() {
    let sink = smtp::Sink::start(0);
    let f = filed(None, ghiseu::i18n::Lang::Ro);
    let _intake = start(&f, &mail_flags(sink.port));
    let _ = upload(&_intake.url, &f);
    let t = Instant::now();
    while outbox_rows(&f.data).iter().any(|r| r.done_ms.is_none()) {
        assert!(t.elapsed() < Duration::from_secs(20));
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(outbox_rows(&f.data)[0].outcome, "no-address");
    assert!(sink.mails.lock().unwrap().is_empty());
}

// ---- the registry API ----

fn token(data: &std::path::Path, db: &[&str], action: &str, name: &str) -> std::process::Output {
    std::process::Command::new(common::bin())
        .args(["intake", "token", action, "--data"])
        .arg(data)
        .args(db)
        .arg(name)
        .output_within(180)
        .unwrap()
}

/// A call to the registry API: (status, JSON body or null).
fn api(url: &str, token: &str, method: &str, path: &str, body: Option<serde_json::Value>) -> (u16, serde_json::Value) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let c = reqwest::Client::new();
        let mut r = match method {
            "GET" => c.get(format!("{url}{path}")),
            _ => c.post(format!("{url}{path}")),
        };
        if !token.is_empty() {
            r = r.bearer_auth(token);
        }
        if let Some(b) = body {
            r = r.json(&b);
        }
        let r = r.send().await.unwrap();
        let status = r.status().as_u16();
        let bytes = r.bytes().await.unwrap();
        (status, serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null))
    })
}

#[test]
fn the_registry_api_refuses_a_missing_wrong_or_revoked_token() {
    let f = filed(None, ghiseu::i18n::Lang::Ro);
    let out = token(&f.data, &[], "add", "registratura-veche");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let live = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(live.len() >= 40, "a long random token: {live}");
    let intake = start(&f, &[]);
    let list = "/api/v1/registry/requests";
    assert_eq!(api(&intake.url, &live, "GET", list, None).0, 200);
    for wrong in ["", "nu-este-un-token", &live[..live.len() - 1]] {
        let (status, body) = api(&intake.url, wrong, "GET", list, None);
        assert_eq!(status, 401, "{wrong}");
        assert!(body["error"].as_str().unwrap().contains("Bearer"));
    }
    let push = format!("{list}/{}/stage", f.code);
    assert_eq!(api(&intake.url, "x", "POST", &push, Some(serde_json::json!({"stage": "resolved"}))).0, 401);
    // Only the hash is stored: the token is nowhere in the database file.
    let db = std::fs::read(f.data.join("intake.sqlite")).unwrap();
    assert!(!db.windows(live.len()).any(|w| w == live.as_bytes()));
    assert!(token(&f.data, &[], "revoke", "registratura-veche").status.success());
    assert_eq!(api(&intake.url, &live, "GET", list, None).0, 401, "revoked");
    assert!(!token(&f.data, &[], "revoke", "registratura-veche").status.success(), "nothing left to revoke");
}

/// A token for `registratura` (made before the intake starts: two processes
/// creating the PostgreSQL schema at once would race).
fn new_token(f: &Filed, db: &[&str]) -> String {
    let out = token(&f.data, db, "add", "registratura");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn registry_system_walk(f: &Filed, intake: &Intake, db: &[&str], t: &str) {
    let base = "/api/v1/registry/requests";
    // Nothing yet; then three arrive, and are paged two at a time.
    let (_, page) = api(&intake.url, &t, "GET", base, None);
    assert_eq!(page["requests"].as_array().unwrap().len(), 0);
    assert_eq!(page["next_cursor"], "0");
    upload(&intake.url, f);
    for (payload, key, _) in &f.more {
        upload_one(&intake.url, payload, key);
    }
    let codes: Vec<&str> = std::iter::once(f.code.as_str()).chain(f.more.iter().map(|m| m.2.as_str())).collect();
    let (_, p1) = api(&intake.url, &t, "GET", &format!("{base}?after=0&limit=2"), None);
    let got1: Vec<&str> =
        p1["requests"].as_array().unwrap().iter().map(|r| r["tracking_code"].as_str().unwrap()).collect();
    assert_eq!(got1, codes[..2]);
    let next = p1["next_cursor"].as_str().unwrap();
    let (_, p2) = api(&intake.url, &t, "GET", &format!("{base}?after={next}&limit=2"), None);
    let got2: Vec<&str> =
        p2["requests"].as_array().unwrap().iter().map(|r| r["tracking_code"].as_str().unwrap()).collect();
    assert_eq!(got2, codes[2..]);
    let last = p2["next_cursor"].as_str().unwrap().to_owned();
    let (_, p3) = api(&intake.url, &t, "GET", &format!("{base}?after={last}"), None);
    assert!(p3["requests"].as_array().unwrap().is_empty() && p3["next_cursor"] == last.as_str(), "{p3}");
    assert_eq!(api(&intake.url, &t, "GET", &format!("{base}?after=-1"), None).0, 400);
    // One request in full, its PDF.
    let (status, one) = api(&intake.url, &t, "GET", &format!("{base}/{}", f.code), None);
    assert_eq!(status, 200, "{one}");
    assert_eq!(one["answers"]["locatie"], "Str. Morii 3");
    assert_eq!(one["stage"], "new");
    let pdf_path = one["pdf"].as_str().unwrap().to_owned();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let pdf = rt.block_on(async {
        let r = reqwest::Client::new().get(format!("{}{pdf_path}", intake.url)).bearer_auth(t).send().await.unwrap();
        assert_eq!(r.headers()["content-type"], "application/pdf");
        r.bytes().await.unwrap()
    });
    assert!(pdf.starts_with(b"%PDF-"));
    // The registry system pushes its own number, a stage and a message.
    let reg = format!("{base}/{}/registration", f.code);
    let (status, s) = api(
        &intake.url,
        &t,
        "POST",
        &reg,
        Some(serde_json::json!({"registration_number": "4711", "registration_date": "23.11.2026"})),
    );
    assert_eq!(status, 200, "{s}");
    let bad = serde_json::json!({"registration_number": "4711", "registration_date": "31.02.2026"});
    assert_eq!(api(&intake.url, &t, "POST", &reg, Some(bad)).0, 422, "a day that does not exist");
    let other = format!("{base}/{}/registration", codes[1]);
    let taken = serde_json::json!({"registration_number": "4711", "registration_date": "01.12.2026"});
    assert_eq!(api(&intake.url, &t, "POST", &other, Some(taken)).0, 409, "the number is taken that year");
    let (status, _) = api(&intake.url, &t, "POST", &other, Some(serde_json::json!({})));
    assert_eq!(status, 200, "numbered by the intake");
    let stage = format!("{base}/{}/stage", f.code);
    assert_eq!(api(&intake.url, &t, "POST", &stage, Some(serde_json::json!({"stage": "in-progress"}))).0, 200);
    assert_eq!(api(&intake.url, &t, "POST", &stage, Some(serde_json::json!({"stage": "gata"}))).0, 422);
    let msg = format!("{base}/{}/messages", f.code);
    let text = "Cererea este în lucru la Direcția Tehnică.";
    assert_eq!(api(&intake.url, &t, "POST", &msg, Some(serde_json::json!({"text": text}))).0, 200);
    // The inbox's rules hold here too, in the words staff see.
    let refused = |path: &str, body: serde_json::Value| {
        let (status, e) = api(&intake.url, &t, "POST", path, Some(body));
        assert_eq!(status, 409, "{path}: {e}");
        e["error"].as_str().unwrap_or_default().to_owned()
    };
    assert!(refused(&stage, serde_json::json!({"stage": "in-progress"})).contains("already at this stage"));
    refused(&stage, serde_json::json!({"stage": "new"}));
    let unregistered = format!("{base}/{}/stage", codes[2]);
    assert!(refused(&unregistered, serde_json::json!({"stage": "resolved"})).contains("Register the request first"));
    let long = "a".repeat(4001);
    assert_eq!(api(&intake.url, &t, "POST", &msg, Some(serde_json::json!({"text": long}))).0, 422);
    let other_stage = format!("{base}/{}/stage", codes[1]);
    assert!(refused(&other_stage, serde_json::json!({"stage": "cancelled"})).contains("reason"));
    let cancel = serde_json::json!({"stage": "cancelled", "note": "Dublură"});
    assert_eq!(api(&intake.url, &t, "POST", &other_stage, Some(cancel)).0, 200);
    let cancelled =
        |what: &str, body| assert!(refused(&format!("{base}/{}/{what}", codes[1]), body).contains("cancelled"));
    cancelled("messages", serde_json::json!({"text": "Încă ceva"}));
    cancelled("stage", serde_json::json!({"stage": "resolved"}));
    cancelled("registration", serde_json::json!({}));
    // The citizen's status sees the number.
    let (_, status) = api(&intake.url, "", "GET", &format!("/api/v1/status/{}", f.code), None);
    assert_eq!(
        (status["registration_number"].as_str(), status["registration_date"].as_str()),
        (Some("4711"), Some("23.11.2026"))
    );
    assert_eq!(status["stage"], "in-progress");
    let (_, one) = api(&intake.url, &t, "GET", &format!("{base}/{}", f.code), None);
    let stages: Vec<&str> = one["history"].as_array().unwrap().iter().map(|h| h["stage"].as_str().unwrap()).collect();
    assert_eq!(stages, ["new", "registered", "in-progress"]);
    assert_eq!(one["history"][2]["by"], "api:registratura");
    assert_eq!(one["messages"][0]["text"], text);
    // The audit log names the token.
    let mut store = Store::open_for(&f.data, db.get(1).copied()).unwrap();
    let log = store.with(|c| work::audit_log(c, Some(&f.code))).unwrap();
    let by_api: Vec<String> = log.iter().filter(|l| l.actor == "api:registratura").map(|l| l.action.clone()).collect();
    assert_eq!(by_api, ["registration", "stage:registered", "stage:in-progress", "message"], "{log:?}");
    // And the citizen's mails are queued (no mail server here: they wait).
    let rows = store.with(outbox::all).unwrap();
    assert_eq!(rows.iter().filter(|r| r.tracking_code == f.code).count(), 2, "{rows:?}");
}

#[test]
fn a_registry_system_pages_through_new_requests_and_answers_them() {
    let f = filed_n(None, ghiseu::i18n::Lang::Ro, 3);
    let t = new_token(&f, &[]);
    let intake = start(&f, &["--register-on".to_owned(), "validate".to_owned()]);
    registry_system_walk(&f, &intake, &[], &t);
}

#[test]
fn a_registry_system_does_the_same_on_postgresql() {
    let Some(pg) = pg::PgServer::start() else { return };
    let f = filed_n(None, ghiseu::i18n::Lang::Ro, 3);
    let flags = ["--register-on", "validate", "--database", &pg.url].map(str::to_owned);
    let t = new_token(&f, &["--database", &pg.url]);
    let intake = start(&f, &flags);
    registry_system_walk(&f, &intake, &["--database", &pg.url], &t);
}

// ---- «Adaugă o completare» ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supplement_added_at_the_kiosk_reaches_the_inbox_under_its_request() {
    use ghiseu::app::{Effect, Event, Screen, Session, StatusAnswer};
    let f = filed(None, ghiseu::i18n::Lang::Ro);
    assert!(staff::add_user(&f.data, &[], "ana", staff::PASSWORD).status.success());
    let intake = start(&f, &[]);
    let url = intake.url.clone();
    let http = reqwest::Client::new();
    let post = |payload: Vec<u8>, key: String| {
        let (http, url) = (http.clone(), url.clone());
        async move {
            let r = http
                .post(format!("{url}/api/v1/submissions"))
                .header("Idempotency-Key", key)
                .header("Content-Type", "application/json")
                .body(payload)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    assert_eq!(post(f.payload.clone(), f.key.clone()).await.0, 200);

    // At the kiosk: the receipt's QR, the registry's answer, «Adaugă o completare».
    let mut s = Session::new(std::sync::Arc::new(ghiseu::forms::Catalogue::builtin()), vec![ghiseu::i18n::Lang::Ro]);
    let effects = s.handle(Event::QrScanned(format!("https://ghiseu.primaria-test.ro/s/{}", f.code)));
    assert!(matches!(&effects[..], [Effect::QueryStatus(c)] if *c == f.code), "{effects:?}");
    assert!(s.handle(Event::AddSupplement).is_empty() && s.screen == Screen::Status, "not before the answer");
    let status: ghiseu::wire::api::StatusBody =
        http.get(format!("{url}/api/v1/status/{}", f.code)).send().await.unwrap().json().await.unwrap();
    let answer = StatusAnswer::Registered {
        number: status.registration_number.clone(),
        date: status.registration_date.clone(),
        stage: status.stage,
        from_registry: true,
        history: status.history,
        messages: status.messages,
    };
    s.handle(Event::StatusAnswered(f.code.clone(), answer));
    s.handle(Event::AddSupplement);
    assert_eq!((s.screen, s.supplement_of.as_deref()), (Screen::Form, Some(f.code.as_str())));
    let text = "Adaug fotografia gropii: este lângă stâlpul nr. 14.";
    s.handle(Event::SetValue("completare".into(), text.into()));
    s.handle(Event::Continue);
    assert_eq!(s.screen, Screen::Review);
    s.handle(Event::SetConsent(true));
    let effects = s.handle(Event::Submit);
    let Some(Effect::Persist { form, lang, answers, pages, supplement_of }) = effects.into_iter().next() else {
        panic!("no commit")
    };
    assert_eq!(supplement_of.as_deref(), Some(f.code.as_str()));
    // Committed as the kiosk's effects do: sealed, signed, into the same queue.
    let cfg = ghiseu::config::Config::load(&f._dir.path().join("kiosk.toml")).unwrap();
    let mut q = ghiseu::queue::Queue::open(&cfg.queue_path()).unwrap();
    let receipt = ghiseu::submission::submit_supplement(
        &mut q,
        &cfg.sealer().unwrap(),
        &cfg.letterhead(std::sync::Arc::new(ghiseu::i18n::Texts::builtin())),
        &form,
        lang,
        answers,
        &pages,
        &f.code,
        ghiseu::now_ms(),
    )
    .unwrap();
    assert_ne!(receipt.tracking_code, f.code, "its own code");
    let effects = s.handle(Event::Submitted(Ok(receipt.clone())));
    assert!(
        matches!(&effects[..], [Effect::PrintReceipt { tracking_code, .. }] if *tracking_code == receipt.tracking_code),
        "its own receipt: {effects:?}"
    );
    assert!(s.supplement_of.is_none() && s.values.is_empty(), "wiped once durable");
    // Uploaded like any request: same key, same bytes, same answer on a retry.
    let p = q.due(i64::MAX, 10).unwrap().into_iter().find(|p| p.key == receipt.key).unwrap();
    let first = post(p.payload.clone(), p.key.clone()).await;
    assert_eq!(first.0, 200, "{}", first.1);
    assert_eq!(post(p.payload.clone(), p.key.clone()).await, first, "idempotent");
    // The link is signed: altered, the envelope is refused.
    let mut env: ghiseu::wire::api::Envelope = serde_json::from_slice(&p.payload).unwrap();
    assert_eq!(env.supplement_of.as_deref(), Some(f.code.as_str()));
    env.supplement_of = Some(f.code.replace(|c: char| c.is_ascii_digit(), "2"));
    if env.supplement_of.as_deref() != Some(f.code.as_str()) {
        let altered = serde_json::to_vec(&env).unwrap();
        assert_eq!(post(altered, "altered-key".into()).await.0, 400, "the key header check comes first");
        let altered = serde_json::to_vec(&env).unwrap();
        assert_eq!(post(altered, env.key.clone()).await.0, 403, "a signature that no longer matches");
    }

    // The staff's inbox: the original lists it, and it names the original.
    let mut c = staff::Client::new(&url);
    c.sign_in("ana", staff::PASSWORD).await;
    let page = c.get(&format!("/staff/r/{}", f.code)).await;
    assert!(page.body.contains("Completări depuse la ghișeu"), "{}", page.body);
    assert!(page.body.contains(&format!("href=\"/staff/r/{}\"", receipt.tracking_code)), "{}", page.body);
    let page = c.get(&format!("/staff/r/{}", receipt.tracking_code)).await;
    assert!(page.body.contains(&format!("Completare la cererea <a href=\"/staff/r/{}\"", f.code)), "{}", page.body);
    assert!(page.body.contains("stâlpul nr. 14"), "the text, among the answers");
    let mut store = Store::open(&f.data).unwrap();
    let sup = store.with(|c| ghiseu::intake::store::registry::supplements(c, &f.code)).unwrap();
    assert_eq!(sup.iter().map(|l| l.row.tracking_code.as_str()).collect::<Vec<_>>(), [receipt.tracking_code.as_str()]);
}
