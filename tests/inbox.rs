//! The registry's web inbox over plain HTTP (the browser walk is in
//! `inbox_browser.rs`): staff accounts from the CLI, sign-in with a session
//! cookie, CSRF on every form, the lockout, sessions that expire, disabled
//! accounts, the audit log; the inbox by state, filters and search.

mod common;
#[path = "common/intake.rs"]
mod intake;
#[path = "common/staff.rs"]
mod staff;

use staff::{desk, Client, PASSWORD};

fn audit_actions(data: &std::path::Path) -> Vec<String> {
    let mut store = ghiseu::intake::store::Store::open(data).unwrap();
    let log = store.with(|c| ghiseu::intake::store::work::audit_log(c, None)).unwrap();
    log.into_iter().map(|l| format!("{} {}", l.actor, l.action)).collect()
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
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_session_expires() {
    // Long enough for a loaded machine to sign in and look once, short for a test.
    let d = desk(&["--session-idle-secs", "4"]).await;
    let mut c = Client::new(&d.intake.url);
    c.sign_in("ana", PASSWORD).await;
    assert_eq!(c.get("/staff/inbox").await.status, 200);
    tokio::time::sleep(std::time::Duration::from_millis(5500)).await;
    assert_eq!(c.get("/staff/inbox").await.location.as_deref(), Some("/staff/sign-in"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_account_is_signed_out_and_cannot_sign_in() {
    let d = desk(&[]).await;
    let mut c = Client::new(&d.intake.url);
    c.sign_in("ana", PASSWORD).await;
    assert_eq!(c.get("/staff/inbox").await.status, 200);
    let out = staff::disable_user(&d.kiosk.intake_dir(), &[], "ana");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(c.get("/staff/inbox").await.location.as_deref(), Some("/staff/sign-in"));
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
