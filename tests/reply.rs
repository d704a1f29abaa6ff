//! The citizen hears back (issue #16, branch `reply`): e-mail through the
//! durable outbox to an SMTP sink the test starts (`common/smtp.rs`), the
//! registry API with its tokens, and supplements filed at the kiosk.

mod common;
#[path = "common/intake.rs"]
mod intake;
#[path = "common/pg.rs"]
mod pg;
#[path = "common/smtp.rs"]
mod smtp;

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
}

fn filed(email: Option<&str>, lang: ghiseu::i18n::Lang) -> Filed {
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
    let r = common::commit(&cfg, &mut q, "sesizare", lang, &answers, 1);
    let p = q.due(i64::MAX, 1).unwrap().remove(0);
    Filed { data: dir.path().join("intake"), _dir: dir, payload: p.payload, key: p.key, code: r.tracking_code }
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
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let r = reqwest::Client::new()
            .post(format!("{url}/api/v1/submissions"))
            .header("Idempotency-Key", &f.key)
            .header("Content-Type", "application/json")
            .body(f.payload.clone())
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
    let status = upload(&intake.url, &f);
    let number = status["registration_number"].as_str().unwrap().to_owned();
    let mails = sink.wait_for(1, 20);
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
