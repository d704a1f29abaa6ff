//! Life under systemd, seen from outside the process as systemd sees it: the
//! kiosk sends READY=1 on `NOTIFY_SOCKET` once its first screen is up, feeds
//! the watchdog (WATCHDOG=1) from its UI event loop while it runs, and says
//! STOPPING=1 on its way out. The kiosk runs headless here (the scripted
//! citizen files one petition), through the same code as on a panel.

mod common;

use common::{bin, free_port, write_config};
use std::os::unix::net::UnixDatagram;
use std::process::{Command, Stdio};
use std::time::Duration;

#[test]
fn the_kiosk_says_ready_after_its_first_frame_and_feeds_the_watchdog() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), &format!("http://127.0.0.1:{}", free_port()));
    let socket_path = dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).unwrap();
    // Only a guard against a hung kiosk, not a measurement.
    socket.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    // systemd names the watched process in WATCHDOG_PID: the shell's pid is the kiosk's after exec.
    let mut kiosk = Command::new("sh")
        .args(["-c", "WATCHDOG_PID=$$ exec \"$0\" run --config \"$1\" --headless \"$2\""])
        .arg(bin())
        .arg(&cfg)
        .arg(dir.path().join("shots"))
        .env("NOTIFY_SOCKET", &socket_path)
        .env("WATCHDOG_USEC", "400000")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut messages: Vec<String> = vec![];
    let mut buf = [0u8; 4096];
    let status = loop {
        if let Ok(n) = socket.recv(&mut buf) {
            messages.push(String::from_utf8_lossy(&buf[..n]).into_owned());
            continue;
        }
        if let Some(status) = kiosk.try_wait().unwrap() {
            while let Ok(n) = socket.recv(&mut buf) {
                messages.push(String::from_utf8_lossy(&buf[..n]).into_owned());
            }
            break status;
        }
        assert!(messages.len() < 100_000, "runaway notifications");
    };
    let stderr = std::io::read_to_string(kiosk.stderr.take().unwrap()).unwrap();
    assert!(status.success(), "{stderr}");
    let ready = messages.iter().position(|m| m.lines().any(|l| l == "READY=1")).unwrap_or_else(|| {
        panic!("no READY=1 among {messages:?}\n{stderr}");
    });
    assert!(messages[ready].contains("STATUS=ready: first screen shown on desktop"), "{}", messages[ready]);
    assert_eq!(messages.iter().filter(|m| m.contains("READY=1")).count(), 1, "READY is said once");
    let fed = messages.iter().filter(|m| m.trim() == "WATCHDOG=1").count();
    assert!(fed >= 2, "the watchdog was fed {fed} times: {messages:?}");
    assert!(messages.last().unwrap().contains("STOPPING=1"), "{messages:?}");
}
