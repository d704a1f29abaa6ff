//! The registry's inbox and the citizen's status page in a real browser:
//! Debian's Chromium driven over WebDriver (chromedriver) with fantoccini.
//! A staff member signs in at 1366×768, finds the new request, opens its
//! PDF, registers it, sends a message with a file and prints the label to a
//! simulated network label printer; the citizen then opens the status page on
//! a phone-sized window (390×844) and sees the number, the history and the
//! message. A screenshot of each page goes to `target/inbox-screens/`.
//!
//! Skipped, saying so, only when chromium or chromedriver is not installed
//! (`scripts/setup --test` installs both).

mod common;
#[path = "common/intake.rs"]
mod intake;
#[path = "common/staff.rs"]
mod staff;

use fantoccini::{Client, ClientBuilder, Locator};
use staff::{desk, LabelPrinter, PASSWORD};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?.to_str()?.split(':').map(|d| Path::new(d).join(name)).find(|p| p.is_file())
}

/// chromedriver on a free port; killed when dropped, also when the test panics.
struct Driver {
    child: std::process::Child,
    url: String,
}

impl Driver {
    fn start(bin: &Path) -> Driver {
        let port = common::free_port();
        use std::os::unix::process::CommandExt;
        let child = std::process::Command::new(bin)
            .arg(format!("--port={port}"))
            // A group of its own, so the browsers it starts go with it.
            .process_group(0)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let driver = Driver { child, url: format!("http://127.0.0.1:{port}") };
        let t = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(t.elapsed() < Duration::from_secs(20), "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        driver
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // chromedriver and the Chromium it started (a test that panicked never closed it).
        if let Some(pid) = rustix::process::Pid::from_raw(self.child.id() as i32) {
            let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn browser(driver: &Driver, chromium: &Path) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1366,768", "--lang=ro-RO", "--hide-scrollbars", "--force-device-scale-factor=1"],
            "prefs": { "intl.accept_languages": "ro-RO,ro" }
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector).capabilities(caps).connect(&driver.url).await.expect("a Chromium session")
}

fn screens() -> PathBuf {
    let dir = common::repo().join("target/inbox-screens");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A screenshot of the whole page (the window grown to the page's height for
/// it, then put back), so the review sees below the fold too.
async fn shot(b: &Client, name: &str) {
    let js =
        "return [window.innerWidth, window.outerHeight, window.innerHeight, document.documentElement.scrollHeight]";
    let dims = b.execute(js, vec![]).await.unwrap();
    let n = |i: usize| dims[i].as_u64().unwrap() as u32;
    let (w, h, inner, page) = (n(0), n(1), n(2), n(3));
    if page > inner {
        b.set_window_size(w, h - inner + page).await.unwrap();
    }
    let png = b.screenshot().await.unwrap();
    if page > inner {
        b.set_window_size(w, h).await.unwrap();
    }
    std::fs::write(screens().join(format!("{name}.png")), png).unwrap();
}

async fn text(b: &Client) -> String {
    b.find(Locator::Css("body")).await.unwrap().text().await.unwrap()
}

/// Nothing wider than the window: no sideways scrolling.
async fn fits(b: &Client) -> bool {
    let r = b.execute("return document.documentElement.scrollWidth <= window.innerWidth", vec![]).await.unwrap();
    r.as_bool() == Some(true)
}

/// Clicks what `locator` finds and waits until the next page has loaded
/// (the old page's marker gone, the new one complete).
async fn follow(b: &Client, locator: Locator<'_>) {
    b.execute("window.ghiseuOldPage = true", vec![]).await.unwrap();
    b.find(locator).await.unwrap().click().await.unwrap();
    let t = Instant::now();
    loop {
        let js = "return window.ghiseuOldPage === undefined && document.readyState === 'complete'";
        if let Ok(serde_json::Value::Bool(true)) = b.execute(js, vec![]).await {
            return;
        }
        assert!(t.elapsed() < Duration::from_secs(15), "the next page did not load");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Submits the form posting to an action ending in `form_action_ends`.
async fn press(b: &Client, form_action_ends: &str) {
    let css = format!("form[action$='{form_action_ends}'] button[type=submit]");
    follow(b, Locator::Css(&css)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_work_a_request_in_chromium_and_the_citizen_reads_it_on_a_phone() {
    let (Some(chromium), Some(chromedriver)) = (on_path("chromium"), on_path("chromedriver")) else {
        eprintln!("SKIPPED: chromium and chromedriver are not installed (scripts/setup --test installs them)");
        return;
    };
    let printer = LabelPrinter::start();
    let d = desk(&[
        "--register-on",
        "validate",
        "--label-printer",
        &printer.address,
        "--municipality",
        "Primăria Municipiului Test",
    ])
    .await;
    let driver = Driver::start(&chromedriver);
    let b = browser(&driver, &chromium).await;
    // The walk runs as a task so that, whatever happens in it, the browser is
    // closed (and quits) before the test passes or fails.
    let outcome = tokio::spawn(walk(b.clone(), d, printer)).await;
    let _ = b.close().await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
    drop(driver);
}

async fn walk(b: Client, d: staff::Desk, printer: LabelPrinter) {
    let code = d.kiosk.code.clone();
    let url = &d.intake.url;

    // Sign in.
    b.goto(&format!("{url}/staff/inbox")).await.unwrap();
    assert!(b.current_url().await.unwrap().path().ends_with("/staff/sign-in"));
    assert!(fits(&b).await);
    shot(&b, "01-sign-in").await;
    b.find(Locator::Css("input[name=name]")).await.unwrap().send_keys("ana").await.unwrap();
    b.find(Locator::Css("input[name=password]")).await.unwrap().send_keys(PASSWORD).await.unwrap();
    press(&b, "/staff/session").await;
    // The inbox opens on the new requests.
    b.wait().for_element(Locator::Css("nav.tabs")).await.unwrap();
    let inbox = text(&b).await;
    assert!(inbox.contains("Conectat ca ana") && inbox.contains(&code) && inbox.contains("neînregistrată"), "{inbox}");
    assert!(fits(&b).await, "the inbox fits 1366×768");
    shot(&b, "02-inbox").await;
    follow(&b, Locator::LinkText(&code)).await;
    b.wait().for_element(Locator::Css("section.actions")).await.unwrap();
    let page = text(&b).await;
    assert!(page.contains("Groapă în asfalt.") && page.contains("Validează și înregistrează"), "{page}");
    assert!(fits(&b).await, "the request page fits 1366×768");
    shot(&b, "03-request").await;

    // Its PDF, in the browser's viewer.
    b.find(Locator::Css(&format!("a[href='/staff/r/{code}/pdf']"))).await.unwrap().click().await.unwrap();
    let t = Instant::now();
    while !b.current_url().await.unwrap().path().ends_with("/pdf") {
        assert!(t.elapsed() < Duration::from_secs(10), "the PDF did not open");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let kind = b.execute("return document.contentType", vec![]).await.unwrap();
    assert_eq!(kind, "application/pdf", "the browser opened a PDF");
    tokio::time::sleep(Duration::from_millis(1500)).await; // the viewer draws the first page
    shot(&b, "04-pdf").await;
    b.back().await.unwrap();

    // Register.
    b.wait().for_element(Locator::Css("section.actions")).await.unwrap();
    press(&b, "/register").await;
    b.wait().for_element(Locator::Css("p.ok")).await.unwrap();
    let page = text(&b).await;
    assert!(page.contains("Cererea a fost înregistrată: nr. 1 / "), "{page}");
    shot(&b, "05-registered").await;

    // A message with a file.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("Răspuns.pdf");
    std::fs::write(&file, b"%PDF-1.7 raspuns").unwrap();
    let message = "Bună ziua. Vă rugăm să aduceți originalul actului de proprietate la ghișeul 3.";
    b.find(Locator::Css("textarea[name=text]")).await.unwrap().send_keys(message).await.unwrap();
    b.find(Locator::Css("input[type=file]")).await.unwrap().send_keys(file.to_str().unwrap()).await.unwrap();
    press(&b, "/message").await;
    b.wait().for_element(Locator::Css("p.ok")).await.unwrap();
    let page = text(&b).await;
    assert!(page.contains("Comunicarea a fost trimisă") && page.contains(message) && page.contains("Răspuns.pdf"));
    shot(&b, "06-message").await;

    // The label, to the network printer.
    press(&b, "/label").await;
    b.wait().for_element(Locator::Css("p.ok")).await.unwrap();
    assert!(text(&b).await.contains("Eticheta a fost trimisă la imprimantă."));
    shot(&b, "07-label-printed").await;
    let jobs = printer.jobs(1);
    assert_eq!(jobs.len(), 1, "one label printed");
    let status: serde_json::Value =
        reqwest::get(format!("{url}/api/v1/status/{code}")).await.unwrap().json().await.unwrap();
    let date = status["registration_date"].as_str().unwrap().to_owned();
    staff::zpl_to_pbm(&jobs[0], &dir.path().join("label.pbm"));
    assert_eq!(staff::zbarimg(&dir.path().join("label.pbm")), format!("1/{date}"));

    // The citizen, on a phone.
    b.set_window_size(390, 844).await.unwrap();
    b.goto(&format!("{url}/s/{code}")).await.unwrap();
    let page = text(&b).await;
    for shown in [
        "Primăria Municipiului Test",
        &format!("Înregistrată, nr. 1 / {date}"),
        "Sesizare",
        "Termen legal de răspuns",
        "nouă",
        "înregistrată",
        message,
        "Răspuns.pdf",
    ] {
        assert!(page.contains(shown), "{shown} missing from the phone's page: {page}");
    }
    assert!(!page.contains("Ionescu") && !page.contains("Str. Morii"), "no personal data: {page}");
    assert!(fits(&b).await, "the status page fits a 390-px phone");
    shot(&b, "08-status-phone").await;
    follow(&b, Locator::Css("a[hreflang=hu]")).await;
    b.wait().for_element(Locator::Css("html[lang=hu]")).await.unwrap();
    assert!(text(&b).await.contains(&format!("Iktatva, szám: 1 / {date}")));
    shot(&b, "09-status-phone-hu").await;
    // The staff's request page on the phone too (a tablet or phone at the counter).
    b.goto(&format!("{url}/staff/r/{code}")).await.unwrap();
    assert!(fits(&b).await, "the request page fits a 390-px phone");
    shot(&b, "10-request-phone").await;
}
