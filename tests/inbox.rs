//! The registry's web inbox over plain HTTP (the browser walk is in
//! `inbox_browser.rs`): staff accounts from the CLI, sign-in with a session
//! cookie, CSRF on every form, the lockout, sessions that expire, disabled
//! accounts, the audit log; the inbox by state, filters and search; the
//! actions on a request (register, cancel, stage, messages with files, the
//! QR label to a network printer), `ghiseu intake message`, the status API
//! and the citizen's status page.

mod common;
#[path = "common/intake.rs"]
mod intake;
#[path = "common/pg.rs"]
mod pg;
#[path = "common/staff.rs"]
mod staff;

use staff::{desk, Client, PASSWORD};

fn audit_actions(data: &std::path::Path) -> Vec<String> {
    staff::audit_actions(data, &[])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_sign_in_and_see_the_new_request_waiting_to_be_registered() {
    let d = desk(&["--register-on", "validate"]).await;
    let mut c = Client::new(&d.intake.url);
    // Not signed in: every page leads to sign-in.
    assert_eq!(c.get("/staff/inbox").await.location.as_deref(), Some("/staff/sign-in"));
    let r = c.sign_in("ana", PASSWORD).await;
    assert_eq!((r.status, r.location.as_deref()), (303, Some("/staff/inbox")));
    let inbox = c.get("/staff/inbox").await;
    assert_eq!(inbox.status, 200);
    assert!(inbox.body.contains(&d.kiosk.code) && inbox.body.contains("neînregistrată"), "{}", inbox.body);
    assert!(inbox.body.contains("Conectat ca ana"));
    // English on request, and remembered.
    assert!(c.get("/staff/inbox?lang=en").await.body.contains("Signed in as ana"));
    assert!(c.get("/staff/inbox").await.body.contains("not registered"));
    // Search by tracking code; a filter that matches nothing.
    assert!(c.get(&format!("/staff/inbox?q={}", d.kiosk.code.to_lowercase())).await.body.contains(&d.kiosk.code));
    assert!(!c.get("/staff/inbox?stage=new&kiosk=alt-panou").await.body.contains(&d.kiosk.code));
    // The session cookie's flags.
    let raw = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page = raw.get(format!("{}/staff/sign-in", d.intake.url)).send().await.unwrap();
    let jar = page.headers()["set-cookie"].to_str().unwrap().to_owned();
    let csrf = page.text().await.unwrap();
    let csrf = csrf.split("name=\"csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let r = raw
        .post(format!("{}/staff/session", d.intake.url))
        .header("cookie", jar.split(';').next().unwrap())
        .form(&[("csrf", csrf.as_str()), ("name", "ana"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let set: Vec<String> = r.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect();
    let session = set.iter().find(|c| c.starts_with("ghiseu_staff=")).unwrap();
    assert!(session.contains("HttpOnly") && session.contains("SameSite=Strict") && session.contains("Path=/staff"));
    assert!(!session.contains("Secure"), "plain HTTP: no Secure flag, else the browser would drop it");
    // Signing out ends the session.
    let inbox = c.get("/staff/inbox").await;
    let out = c.post("/staff/sign-out", &[("csrf", &inbox.csrf())]).await;
    assert_eq!(out.location.as_deref(), Some("/staff/sign-in"));
    assert_eq!(c.get("/staff/inbox").await.status, 303);
    let actions = audit_actions(&d.kiosk.intake_dir());
    for a in ["admin user-add", "ana sign-in", "ana sign-out"] {
        assert!(actions.iter().any(|x| x == a), "{a} missing from the audit log: {actions:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_wrong_passwords_lock_the_account_even_against_the_right_one() {
    let d = desk(&[]).await;
    let mut c = Client::new(&d.intake.url);
    for _ in 0..5 {
        let r = c.sign_in("ana", "nu este parola").await;
        assert_eq!(r.location.as_deref(), Some("/staff/sign-in?failed=1&lang=ro"));
    }
    let r = c.sign_in("ana", PASSWORD).await;
    assert_eq!(r.location.as_deref(), Some("/staff/sign-in?failed=1&lang=ro"), "locked: the right password too");
    assert!(c.get("/staff/sign-in?failed=1").await.body.contains("blocat temporar"));
    // An unknown account fails the same way.
    assert_eq!(c.sign_in("nimeni", PASSWORD).await.location.as_deref(), Some("/staff/sign-in?failed=1&lang=ro"));
    let actions = audit_actions(&d.kiosk.intake_dir());
    assert_eq!(actions.iter().filter(|a| *a == "ana sign-in-failed").count(), 4);
    assert!(
        actions.iter().any(|a| a == "ana sign-in-locked") && actions.iter().any(|a| a == "ana sign-in-while-locked")
    );
    // `user add` again resets the account (the administrator's way to unlock it).
    assert!(staff::add_user(&d.kiosk.intake_dir(), &[], "ana", PASSWORD).status.success());
    assert_eq!(c.sign_in("ana", PASSWORD).await.location.as_deref(), Some("/staff/inbox"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_without_the_right_csrf_token_is_refused() {
    let d = desk(&[]).await;
    let mut c = Client::new(&d.intake.url);
    // Sign-in itself: the form's token must match the cookie set with the page.
    let page = c.get("/staff/sign-in").await;
    let forged = c.post("/staff/session", &[("csrf", "ghicit"), ("name", "ana"), ("password", PASSWORD)]).await;
    assert_eq!(forged.status, 403);
    c.cookies.clear();
    let no_cookie = c.post("/staff/session", &[("csrf", &page.csrf()), ("name", "ana"), ("password", PASSWORD)]).await;
    assert_eq!(no_cookie.status, 403);
    // Signed in: a POST without the session's token changes nothing.
    c.sign_in("ana", PASSWORD).await;
    assert_eq!(c.post("/staff/sign-out", &[]).await.status, 403);
    assert_eq!(c.post("/staff/sign-out", &[("csrf", "altceva")]).await.status, 403);
    assert_eq!(c.get("/staff/inbox").await.status, 200, "still signed in");
    // Every action on a request, too: refused, and nothing changed.
    let code = &d.kiosk.code;
    for (action, form) in [
        ("register", vec![]),
        ("cancel", vec![("reason", "fals")]),
        ("stage", vec![("stage", "resolved")]),
        ("label", vec![]),
    ] {
        let mut forged = form.clone();
        forged.push(("csrf", "altceva"));
        for f in [form, forged] {
            let r = c.post(&format!("/staff/r/{code}/{action}"), &f).await;
            assert_eq!(r.status, 403, "{action} without the session's token");
        }
    }
    let r = c.post_multipart(&format!("/staff/r/{code}/message"), &[("csrf", "altceva"), ("text", "fals")], None).await;
    assert_eq!(r.status, 403);
    let status = status_json(&d.intake.url, code).await;
    assert_eq!((status["stage"].as_str(), status["messages"].as_array().map(Vec::len)), (Some("registered"), Some(0)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_session_expires() {
    // Long enough for a loaded machine to sign in and look once, short for a test.
    let d = desk(&["--session-idle-secs", "4"]).await;
    let mut c = Client::new(&d.intake.url);
    c.sign_in("ana", PASSWORD).await;
    assert_eq!(c.get("/staff/inbox").await.status, 200);
    let csrf = c.get(&format!("/staff/r/{}", d.kiosk.code)).await.csrf();
    tokio::time::sleep(std::time::Duration::from_millis(5500)).await;
    assert_eq!(c.get("/staff/inbox").await.location.as_deref(), Some("/staff/sign-in"));
    // An action with the old page's form leads to sign-in and does nothing.
    let r = c.post(&format!("/staff/r/{}/cancel", d.kiosk.code), &[("csrf", &csrf), ("reason", "expirat")]).await;
    assert_eq!(r.location.as_deref(), Some("/staff/sign-in"));
    assert_eq!(status_json(&d.intake.url, &d.kiosk.code).await["stage"], "registered");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_account_is_signed_out_and_cannot_sign_in() {
    let d = desk(&[]).await;
    let mut c = Client::new(&d.intake.url);
    c.sign_in("ana", PASSWORD).await;
    assert_eq!(c.get("/staff/inbox").await.status, 200);
    let csrf = c.get(&format!("/staff/r/{}", d.kiosk.code)).await.csrf();
    let out = staff::disable_user(&d.kiosk.intake_dir(), &[], "ana");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(c.get("/staff/inbox").await.location.as_deref(), Some("/staff/sign-in"));
    let r = c
        .post_multipart(&format!("/staff/r/{}/message", d.kiosk.code), &[("csrf", &csrf), ("text", "Bună ziua")], None)
        .await;
    assert_eq!(r.location.as_deref(), Some("/staff/sign-in"), "a disabled account's open page acts no more");
    assert_eq!(status_json(&d.intake.url, &d.kiosk.code).await["messages"], serde_json::json!([]));
    assert_eq!(c.sign_in("ana", PASSWORD).await.location.as_deref(), Some("/staff/sign-in?failed=1&lang=ro"));
    assert!(!staff::disable_user(&d.kiosk.intake_dir(), &[], "nimeni").status.success());
    // A short password is refused at `user add`.
    assert!(!staff::add_user(&d.kiosk.intake_dir(), &[], "ion", "scurtă").status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_page_shows_the_answers_the_pdf_and_the_history() {
    let d = desk(&[]).await;
    let mut c = Client::new(&d.intake.url);
    // Staff only.
    assert_eq!(c.get(&format!("/staff/r/{}", d.kiosk.code)).await.status, 303);
    assert_eq!(c.get(&format!("/staff/r/{}/pdf", d.kiosk.code)).await.status, 303);
    let r = c.post_multipart(&format!("/staff/r/{}/message", d.kiosk.code), &[("text", "x")], Some(("a", b"b"))).await;
    assert_eq!(r.location.as_deref(), Some("/staff/sign-in"), "a message body from nobody is not read");
    assert_eq!(c.get(&format!("/staff/r/{}/label", d.kiosk.code)).await.location.as_deref(), Some("/staff/sign-in"));
    c.sign_in("ana", PASSWORD).await;
    let inbox = c.get("/staff/inbox").await;
    assert!(inbox.body.contains(&format!("/staff/r/{}", d.kiosk.code)) && inbox.body.contains("1 / "));
    let page = c.get(&format!("/staff/r/{}", d.kiosk.code)).await;
    assert_eq!(page.status, 200);
    for text in ["Groapă în asfalt.", "Str. Morii 3", "înregistrată (intake)", "sesizare", "/pdf"] {
        assert!(page.body.contains(text), "{text} missing: {}", page.body);
    }
    let pdf = c
        .http
        .get(format!("{}/staff/r/{}/pdf", d.intake.url, d.kiosk.code))
        .header("cookie", format!("ghiseu_staff={}", c.cookies["ghiseu_staff"]))
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF"));
    assert_eq!(c.get("/staff/r/AAA-AAA-AA").await.status, 404);
    assert_eq!(c.get("/staff/r/<script>").await.status, 404);
}

/// A well-formed tracking code that is not `code`.
fn other_code(code: &str) -> String {
    loop {
        let c = ghiseu::wire::tracking::generate(&mut rand::rng());
        if c != code {
            return c;
        }
    }
}

async fn status_json(url: &str, code: &str) -> serde_json::Value {
    let r = reqwest::get(format!("{url}/api/v1/status/{code}")).await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    r.json().await.unwrap()
}

/// The key a redirect after an action carries (`done=` or `refused=`).
fn flash(p: &staff::Page) -> String {
    let to = p.location.as_deref().unwrap_or_else(|| panic!("a redirect, not {} {}", p.status, p.body));
    to.split_once('?').map(|(_, q)| q.to_owned()).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_register_message_change_stage_and_cancel_and_each_is_audited() {
    let d = desk(&["--register-on", "validate"]).await;
    let code = d.kiosk.code.clone();
    let page = format!("/staff/r/{code}");
    let mut c = Client::new(&d.intake.url);
    c.sign_in("ana", PASSWORD).await;
    let p = c.get(&page).await;
    assert!(p.body.contains("Validează și înregistrează") && p.body.contains("neînregistrată"), "{}", p.body);
    let csrf = p.csrf();
    // Not registered yet: no stage to change, no label.
    assert!(!p.body.contains("/stage\"") && !p.body.contains("/label\""));
    let r = c.post(&format!("{page}/stage"), &[("csrf", &csrf), ("stage", "in-progress")]).await;
    assert_eq!(flash(&r), "refused=refused_not_registered");
    assert!(c.get(r.location.as_deref().unwrap()).await.body.contains("Înregistrați întâi cererea"));
    // Register: a number, said on the page after the redirect.
    let r = c.post(&format!("{page}/register"), &[("csrf", &csrf)]).await;
    assert_eq!((r.status, flash(&r).as_str()), (303, "done=done_registered"));
    let p = c.get(r.location.as_deref().unwrap()).await;
    assert!(p.body.contains("Cererea a fost înregistrată: nr. 1 / "), "{}", p.body);
    assert!(!p.body.contains("Validează și înregistrează"), "no second registration offered");
    // Twice: refused, the number unchanged.
    let r = c.post(&format!("{page}/register"), &[("csrf", &csrf)]).await;
    assert_eq!(flash(&r), "refused=refused_registered_twice");
    assert!(c.get(r.location.as_deref().unwrap()).await.body.contains("deja înregistrată"));
    // A stage; the same stage again is refused.
    let r = c.post(&format!("{page}/stage"), &[("csrf", &csrf), ("stage", "in-progress")]).await;
    assert_eq!(flash(&r), "done=done_stage");
    let r = c.post(&format!("{page}/stage"), &[("csrf", &csrf), ("stage", "in-progress")]).await;
    assert_eq!(flash(&r), "refused=refused_same_stage");
    let r = c.post(&format!("{page}/stage"), &[("csrf", &csrf), ("stage", "nonsens")]).await;
    assert_eq!(flash(&r), "refused=refused_stage");
    // An empty message: the page again, saying why (nothing to keep).
    let r = c.post_multipart(&format!("{page}/message"), &[("csrf", &csrf), ("text", "  ")], None).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("Scrieți textul comunicării."), "{}", r.body);
    // A message with a file.
    let text = "Vă rugăm să aduceți originalul actului.\nProgram: 8–16.";
    let pdf = b"%PDF-1.7 raspuns";
    let r = c
        .post_multipart(&format!("{page}/message"), &[("csrf", &csrf), ("text", text)], Some(("Răspuns nr 1.pdf", pdf)))
        .await;
    assert_eq!(flash(&r), "done=done_message");
    let p = c.get(r.location.as_deref().unwrap()).await;
    assert!(p.body.contains("Comunicarea a fost trimisă") && p.body.contains("Răspuns nr 1.pdf"), "{}", p.body);
    // The file is on disk under the data folder, not in the database.
    let stored: Vec<_> = std::fs::read_dir(d.kiosk.intake_dir().join("messages")).unwrap().collect();
    assert_eq!(stored.len(), 1);
    // The status API: number, date, history, deadline, the message and its link.
    let s = status_json(&d.intake.url, &code).await;
    assert_eq!(s["registration_number"], "1");
    let date = s["registration_date"].as_str().unwrap().to_owned();
    let stages: Vec<&str> = s["history"].as_array().unwrap().iter().map(|h| h["stage"].as_str().unwrap()).collect();
    assert_eq!(stages, ["new", "registered", "in-progress"]);
    for h in s["history"].as_array().unwrap() {
        assert!(jiff::Timestamp::strptime("%Y-%m-%dT%H:%M:%S%:z", h["at"].as_str().unwrap()).is_ok(), "{h}");
    }
    // A sesizare: 30 days (OG 27/2002) from the registration date.
    let registered = jiff::civil::Date::strptime("%d.%m.%Y", &date).unwrap();
    let due = registered.checked_add(jiff::Span::new().days(30)).unwrap().strftime("%d.%m.%Y").to_string();
    assert_eq!(s["deadline"], due.as_str());
    assert_eq!(s["service"], "sesizare");
    let m = &s["messages"][0];
    assert_eq!((m["text"].as_str(), m["file"].as_str()), (Some(text), Some("Răspuns nr 1.pdf")));
    let link = m["file_url"].as_str().unwrap().to_owned();
    assert!(link.starts_with(&format!("/s/{code}/f/")) && link.len() > 50, "{link}");
    // The file, to anyone with the link, as a download with a safe type …
    let (status, headers, bytes) = c.get_bytes(&link).await;
    assert_eq!((status, bytes.as_slice()), (200, &pdf[..]));
    assert_eq!(headers["content-type"], "application/pdf");
    let cd = headers["content-disposition"].to_str().unwrap();
    assert!(cd.starts_with("attachment;") && cd.contains("filename*=UTF-8''R%C4%83spuns%20nr%201.pdf"), "{cd}");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    // … but only with its own request's code, and only by its secret name.
    let secret = link.rsplit('/').next().unwrap();
    assert_eq!(c.get_bytes(&format!("/s/{}/f/{secret}", other_code(&code))).await.0, 404);
    assert_eq!(c.get_bytes(&format!("/s/{code}/f/..%2Fintake.sqlite")).await.0, 404);
    // Cancel: a reason is needed; then nothing more can be done.
    let r = c.post(&format!("{page}/cancel"), &[("csrf", &csrf), ("reason", " ")]).await;
    assert_eq!(flash(&r), "refused=refused_no_reason");
    let r = c.post(&format!("{page}/cancel"), &[("csrf", &csrf), ("reason", "Dublură a cererii 12")]).await;
    assert_eq!(flash(&r), "done=done_cancelled");
    let p = c.get(r.location.as_deref().unwrap()).await;
    assert!(p.body.contains("Cererea a fost anulată.") && p.body.contains("Dublură a cererii 12"), "{}", p.body);
    let r = c.post_multipart(&format!("{page}/message"), &[("csrf", &csrf), ("text", "Încă ceva")], None).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("Cererea este anulată") && r.body.contains("Încă ceva"), "the text is kept: {}", r.body);
    for (action, form) in
        [("register", vec![]), ("stage", vec![("stage", "resolved")]), ("cancel", vec![("reason", "x")])]
    {
        let mut f = form;
        f.push(("csrf", &csrf));
        assert_eq!(flash(&c.post(&format!("{page}/{action}"), &f).await), "refused=refused_cancelled", "{action}");
    }
    // The citizen never sees the cancellation's note.
    let s = status_json(&d.intake.url, &code).await;
    assert_eq!(s["stage"], "cancelled");
    assert!(!s.to_string().contains("Dublură"), "{s}");
    // Who did what, and when, in the audit log.
    let mut store = ghiseu::intake::store::Store::open(&d.kiosk.intake_dir()).unwrap();
    let log = store.with(|c| ghiseu::intake::store::work::audit_log(c, Some(&code))).unwrap();
    let lines: Vec<String> = log.iter().map(|l| format!("{} {} {}", l.actor, l.action, l.detail)).collect();
    assert_eq!(
        lines,
        [
            "ana stage:registered ",
            "ana stage:in-progress ",
            "ana message Răspuns nr 1.pdf",
            "ana stage:cancelled Dublură a cererii 12"
        ]
    );
    assert!(log.iter().all(|l| l.at_ms > 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_over_the_limit_is_refused_and_the_message_text_is_kept() {
    let d = desk(&["--message-file-mb", "1"]).await;
    let page = format!("/staff/r/{}", d.kiosk.code);
    let mut c = Client::new(&d.intake.url);
    c.sign_in("ana", PASSWORD).await;
    let csrf = c.get(&page).await.csrf();
    let big = vec![b'x'; 1024 * 1024 + 1];
    let text = "Răspunsul este atașat.";
    let r = c
        .post_multipart(&format!("{page}/message"), &[("csrf", &csrf), ("text", text)], Some(("mare.pdf", &big)))
        .await;
    assert_eq!(r.status, 413);
    assert!(r.body.contains("Fișierul este prea mare (cel mult 1 MB)") && r.body.contains(text), "{}", r.body);
    // Far over the limit too (the body is cut off while it is read).
    let huge = vec![b'x'; 3 * 1024 * 1024];
    let r = c
        .post_multipart(&format!("{page}/message"), &[("csrf", &csrf), ("text", text)], Some(("mare.pdf", &huge)))
        .await;
    assert_eq!(r.status, 413);
    assert!(r.body.contains(text), "{}", r.body);
    assert_eq!(status_json(&d.intake.url, &d.kiosk.code).await["messages"], serde_json::json!([]));
    assert!(
        !d.kiosk.intake_dir().join("messages").exists()
            || std::fs::read_dir(d.kiosk.intake_dir().join("messages")).unwrap().next().is_none()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_registry_label_goes_to_the_network_printer_with_the_number_in_its_qr() {
    let printer = staff::LabelPrinter::start();
    let d = desk(&["--label-printer", &printer.address, "--municipality", "Primăria Test"]).await;
    let page = format!("/staff/r/{}", d.kiosk.code);
    let mut c = Client::new(&d.intake.url);
    c.sign_in("ana", PASSWORD).await;
    let p = c.get(&page).await;
    assert!(p.body.contains(&format!("Imprimanta de etichete: {}", printer.address)), "{}", p.body);
    let r = c.post(&format!("{page}/label"), &[("csrf", &p.csrf())]).await;
    assert_eq!(flash(&r), "done=label_printed");
    assert!(c.get(r.location.as_deref().unwrap()).await.body.contains("Eticheta a fost trimisă la imprimantă."));
    let jobs = printer.jobs(1);
    assert_eq!(jobs.len(), 1);
    let job = &jobs[0];
    assert!(job.starts_with(b"^XA") && job.ends_with(b"^XZ\n"), "a whole ZPL label");
    // The QR in the printed raster holds the registration number and date.
    let date = status_json(&d.intake.url, &d.kiosk.code).await["registration_date"].as_str().unwrap().to_owned();
    let dir = tempfile::tempdir().unwrap();
    let pbm = dir.path().join("label.pbm");
    staff::zpl_to_pbm(job, &pbm);
    assert_eq!(staff::zbarimg(&pbm), format!("1/{date}"));
    // Exactly the label the print code makes for that number (its text drawn in the raster too).
    let expected =
        ghiseu::intake::label_printer::LabelSettings { municipality: "Primăria Test".into(), ..Default::default() }
            .job("1", &date);
    assert_eq!(job, &expected.bytes);
    // The same label as a download, and as a picture whose QR reads the same.
    let (status, headers, bytes) = c.get_bytes(&format!("{page}/label")).await;
    assert_eq!((status, &bytes), (200, job));
    assert!(headers["content-disposition"].to_str().unwrap().contains("eticheta-1.zpl"));
    let (_, headers, png) = c.get_bytes(&format!("{page}/label?as=png")).await;
    assert_eq!(headers["content-type"], "image/png");
    std::fs::write(dir.path().join("label.png"), png).unwrap();
    assert_eq!(staff::zbarimg(&dir.path().join("label.png")), format!("1/{date}"));
    let actions = audit_actions(&d.kiosk.intake_dir());
    assert!(actions.iter().any(|a| a == "ana label-print") && actions.iter().any(|a| a == "ana label-download"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_label_printer_that_does_not_answer_is_said_and_nothing_waits() {
    let gone = format!("127.0.0.1:{}", common::free_port());
    let d = desk(&["--label-printer", &gone, "--label-lang", "tspl"]).await;
    let page = format!("/staff/r/{}", d.kiosk.code);
    let mut c = Client::new(&d.intake.url);
    c.sign_in("ana", PASSWORD).await;
    let p = c.get(&page).await;
    assert!(p.body.contains("Descarcă eticheta (TSPL)"));
    let r = c.post(&format!("{page}/label"), &[("csrf", &p.csrf())]).await;
    assert_eq!(flash(&r), "refused=label_failed");
    let p = c.get(r.location.as_deref().unwrap()).await;
    assert!(p.body.contains(&format!("Imprimanta de etichete ({gone}) nu răspunde.")), "{}", p.body);
    let (_, _, tspl) = c.get_bytes(&format!("{page}/label")).await;
    assert!(tspl.starts_with(b"SIZE 50 mm,30 mm\r\n"));
    // An intake without a label printer offers the download only.
    let d = desk(&[]).await;
    let mut c = Client::new(&d.intake.url);
    c.sign_in("ana", PASSWORD).await;
    let p = c.get(&format!("/staff/r/{}", d.kiosk.code)).await;
    assert!(p.body.contains("Nu este configurată o imprimantă de etichete"));
    let r = c.post(&format!("/staff/r/{}/label", d.kiosk.code), &[("csrf", &p.csrf())]).await;
    assert_eq!(flash(&r), "refused=no_label_printer");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_from_the_shell_reaches_the_status_and_the_audit_log() {
    let d = desk(&[]).await;
    let data = d.kiosk.intake_dir();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("Anexă.pdf");
    std::fs::write(&file, b"%PDF-1.7 anexa").unwrap();
    let out = staff::message(&data, &[], &d.kiosk.code.to_lowercase(), "Răspunsul este în anexă.", Some(&file));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("message sent with Anexă.pdf"));
    let s = status_json(&d.intake.url, &d.kiosk.code).await;
    assert_eq!(s["messages"][0]["text"], "Răspunsul este în anexă.");
    let link = s["messages"][0]["file_url"].as_str().unwrap();
    let got = reqwest::get(format!("{}{link}", d.intake.url)).await.unwrap().bytes().await.unwrap();
    assert_eq!(&got[..], b"%PDF-1.7 anexa");
    assert!(audit_actions(&data).iter().any(|a| a == "shell message"));
    // Refusals say why and exit non-zero.
    let out = staff::message(&data, &[], &d.kiosk.code, "   ", None);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Write the message's text."));
    let other = other_code(&d.kiosk.code);
    let out = staff::message(&data, &[], &other, "Bună ziua", None);
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("no submission with tracking code {other}")));
    let out = staff::message(&data, &[], "AAA-AAA-AA", "Bună ziua", None);
    assert!(String::from_utf8_lossy(&out.stderr).contains("typing mistake"));
    let out = staff::message(&data, &[], &d.kiosk.code, "Bună ziua", Some(&dir.path().join("lipsă.pdf")));
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("lipsă.pdf"));
    assert_eq!(status_json(&d.intake.url, &d.kiosk.code).await["messages"].as_array().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_status_page_shows_the_request_in_three_languages_and_no_personal_data() {
    let d = desk(&["--municipality", "Primăria Municipiului Test"]).await;
    let code = &d.kiosk.code;
    let out = staff::message(&d.kiosk.intake_dir(), &[], code, "Vă așteptăm <marți> la ghișeul 3.", None);
    assert!(out.status.success());
    let http = reqwest::Client::new();
    let get = |path: String, lang: &'static str| {
        let http = http.clone();
        let url = d.intake.url.clone();
        async move {
            let r = http.get(format!("{url}{path}")).header("accept-language", lang).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let (status, ro) = get(format!("/s/{code}"), "ro-RO,ro;q=0.9").await;
    assert_eq!(status, 200);
    for text in [
        "Primăria Municipiului Test",
        "Înregistrată, nr. 1 / ",
        "Sesizare",
        "Termen legal de răspuns",
        "Vă așteptăm &#60;marți&#62; la ghișeul 3.",
        "lang=\"ro\"",
    ] {
        assert!(ro.contains(text), "{text} missing: {ro}");
    }
    let (_, hu) = get(format!("/s/{code}"), "hu-HU,hu;q=0.9,en;q=0.5").await;
    assert!(hu.contains("Iktatva, szám: 1 / ") && hu.contains("Törvényes válaszadási határidő"), "{hu}");
    let (_, en) = get(format!("/s/{code}?lang=en"), "hu").await;
    assert!(en.contains("Registered, no. 1 / ") && en.contains("Legal deadline"), "{en}");
    for page in [&ro, &hu, &en] {
        for private in ["Ionescu", "Str. Morii", "Groapă", "ana", "panou", "panel", "panelen"] {
            assert!(!page.contains(private), "{private} on the status page: {page}");
        }
        assert!(page.contains("?lang=ro") && page.contains("?lang=en") && page.contains("?lang=hu"));
    }
    let other = other_code(code);
    let (status, unknown) = get(format!("/s/{other}"), "ro").await;
    assert_eq!(status, 404);
    assert!(unknown.contains(&format!("Nu există o cerere cu codul {other}")), "{unknown}");
    let (_, typo) = get("/s/AAA-AAA-AA".into(), "ro").await;
    assert!(typo.contains("„AAA-AAA-AA” nu este un cod de urmărire valid."), "{typo}");
    let (status, invalid) = get("/s/nu-e-cod".into(), "en").await;
    assert_eq!(status, 404);
    assert!(invalid.contains("“nu-e-cod” is not a valid tracking code."), "{invalid}");
    let (_, script) = get("/s/%3Cscript%3E".into(), "ro").await;
    assert!(script.contains("&#60;script&#62;") && !script.contains("<script>"));
}

/// The staff's work and the citizen's status on PostgreSQL: the same routes,
/// the same answers (the browser walk runs on SQLite).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgresql_staff_register_message_and_move_a_request_and_the_status_api_shows_it() {
    let Some(pg) = tokio::task::spawn_blocking(pg::PgServer::start).await.unwrap() else { return };
    let printer = staff::LabelPrinter::start();
    let db = ["--database", pg.url.as_str()];
    let d = desk(&[db[0], db[1], "--register-on", "validate", "--label-printer", &printer.address]).await;
    let code = d.kiosk.code.clone();
    let page = format!("/staff/r/{code}");
    let mut c = Client::new(&d.intake.url);
    assert_eq!(c.sign_in("ana", PASSWORD).await.location.as_deref(), Some("/staff/inbox"));
    assert!(c.get("/staff/inbox").await.body.contains(&code));
    let csrf = c.get(&page).await.csrf();
    assert_eq!(c.post(&format!("{page}/register"), &[("csrf", "fals")]).await.status, 403, "CSRF on PostgreSQL too");
    assert_eq!(flash(&c.post(&format!("{page}/register"), &[("csrf", &csrf)]).await), "done=done_registered");
    assert_eq!(
        flash(&c.post(&format!("{page}/register"), &[("csrf", &csrf)]).await),
        "refused=refused_registered_twice"
    );
    let r = c.post(&format!("{page}/stage"), &[("csrf", &csrf), ("stage", "resolved")]).await;
    assert_eq!(flash(&r), "done=done_stage");
    let r = c
        .post_multipart(
            &format!("{page}/message"),
            &[("csrf", &csrf), ("text", "Soluționată.")],
            Some(("r.pdf", b"%PDF")),
        )
        .await;
    assert_eq!(flash(&r), "done=done_message");
    assert_eq!(flash(&c.post(&format!("{page}/label"), &[("csrf", &csrf)]).await), "done=label_printed");
    assert_eq!(printer.jobs(1).len(), 1);
    // From the shell, against the same database.
    let out = staff::message(&d.kiosk.intake_dir(), &db, &code, "Al doilea mesaj.", None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let s = status_json(&d.intake.url, &code).await;
    assert_eq!((s["registration_number"].as_str(), s["stage"].as_str()), (Some("1"), Some("resolved")));
    let stages: Vec<&str> = s["history"].as_array().unwrap().iter().map(|h| h["stage"].as_str().unwrap()).collect();
    assert_eq!(stages, ["new", "registered", "resolved"]);
    let texts: Vec<&str> = s["messages"].as_array().unwrap().iter().map(|m| m["text"].as_str().unwrap()).collect();
    assert_eq!(texts, ["Soluționată.", "Al doilea mesaj."]);
    assert!(s["deadline"].as_str().is_some_and(|d| d.len() == 10));
    let link = s["messages"][0]["file_url"].as_str().unwrap();
    assert_eq!(c.get_bytes(link).await.2, b"%PDF");
    let html = reqwest::get(format!("{}/s/{code}", d.intake.url)).await.unwrap().text().await.unwrap();
    assert!(html.contains("Înregistrată, nr. 1 / ") && html.contains("Al doilea mesaj."), "{html}");
    let (data, url) = (d.kiosk.intake_dir(), pg.url.clone());
    let actions =
        tokio::task::spawn_blocking(move || staff::audit_actions(&data, &["--database", &url])).await.unwrap();
    for a in ["ana stage:registered", "ana stage:resolved", "ana message", "ana label-print", "shell message"] {
        assert!(actions.iter().any(|x| x == a), "{a} missing from the audit log: {actions:?}");
    }
}
