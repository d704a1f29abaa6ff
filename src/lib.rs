//! ghiseu: firmware for self-service kiosk panels in Romanian city halls.
//!
//! The library holds everything that decides; the binary (`src/main.rs`) only
//! parses the command line and wires resources together. Modules, one job each:
//!
//! - [`config`]: the one typed TOML configuration, validated at start.
//! - [`board`]: the panel's hardware (display, GPIO behind a trait: rppal or simulated).
//! - [`crypto`]: sealing (age) and signing (Ed25519) of submissions; key files.
//! - [`i18n`]: UI texts per language (ro, en, hu), loaded at run time.
//! - [`identity`]: MRZ parsing and the Romanian CNP (pure).
//! - [`forms`]: the service catalogue, form definitions and validation (pure).
//! - [`app`]: the citizen's session as a state machine, `handle(event) -> effects` (pure).
//! - [`queue`]: the durable SQLite outbox of submissions.
//! - [`upload`]: the background uploader and its retry policy.
//! - [`intake`]: the reference intake server (the registry side).
//! - [`documents`]: supporting documents: a picture of a paper becomes a small, legible page.
//! - [`pdf`]: the registry's PDF/A-3b copy of each request, made on the kiosk.
//! - [`print`]: receipt layout and its rendering to ESC/POS bytes and to a PNG preview.
//! - [`devices`]: device traits (ID scanner, printer, QR reader) with real and simulated drivers.
//! - [`ui`]: the Slint adapter that binds the session to `ui/*.slint`, and the effect runner.
//! - [`fleet`]: `ghiseu fleet`, the client of a hawkBit (DDI) update server: updates and health for a fleet of panels.
//! - [`health`]: the running kiosk's report of its own devices, read by `ghiseu selftest`.
//! - [`keys`]: the keypad's keys as the session understands them (device and session share them).
//! - [`keyguard`]: key chords a keyboard at the panel must not act on (Ctrl+Alt+Del quitting the UI).
//! - [`screen`]: the screen sleeps with nobody there and wakes on a touch or the presence sensor.
//! - [`selftest`]: `ghiseu selftest`, the technician's check of a configured kiosk.
//! - [`provision`]: first boot: a technician's provisioning file becomes a kiosk with its own key.
//! - [`service`]: life under systemd: READY once the first frame is drawn, the watchdog, the journal.
//! - [`kiosk`]: wiring of a running kiosk (queue, uploader, devices, UI) from a config.
//! - [`walkthrough`]: the scripted citizen that drives the real UI in the headless demo and tests.
//! - [`png`]: writing RGBA and 1-bit images as PNG files.

pub mod app;
pub mod board;
pub mod config;
pub mod crypto;
pub mod devices;
pub mod documents;
pub mod fleet;
pub mod forms;
pub mod health;
pub mod i18n;
pub mod identity;
pub mod intake;
pub mod keyguard;
pub mod keys;
pub mod kiosk;
pub mod pdf;
pub mod png;
pub mod print;
pub mod provision;
pub mod queue;
pub mod screen;
pub mod selftest;
pub mod service;
pub mod submission;
pub mod ui;
pub mod upload;
pub mod walkthrough;
pub mod wire;

/// Current time as a Unix timestamp in milliseconds. Time is passed around as
/// plain numbers so pure code can be tested with any clock.
pub fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}
