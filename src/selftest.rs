//! `ghiseu selftest`: checks each configured part of a kiosk and reports one
//! line (or one JSON object) per check; technicians run it after installing
//! a panel and the update health gate runs it after an update.
//!
//! Checks never change citizens' data: the queue is only opened and counted,
//! the printer gets a test page, the scanner is asked for a card only when a
//! wait is requested.

use crate::config::Config;
use crate::devices::{Devices, Health};
use serde::Serialize;
use std::time::Duration;

#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub name: &'static str,
    pub ok: bool,
    pub detail: String,
}

fn check(name: &'static str, result: Result<String, String>) -> Check {
    match result {
        Ok(detail) => Check { name, ok: true, detail },
        Err(detail) => Check { name, ok: false, detail },
    }
}

/// Runs every check. `card_wait`: how long to wait for a card on the ID scanner
/// (zero: only check that the scanner is connected).
pub async fn run(cfg: &Config, devices: &Devices, card_wait: Duration) -> Vec<Check> {
    let mut checks = vec![];
    let queue_path = cfg.queue_path();
    let queue = tokio::task::spawn_blocking(move || {
        let corrupt = crate::queue::corrupt_files(&queue_path);
        if !corrupt.is_empty() {
            return Err(format!("corrupt databases moved aside, to inspect: {}", corrupt.join(", ")));
        }
        let q = crate::queue::Queue::open(&queue_path).map_err(|e| e.to_string())?;
        let c = q.counts().map_err(|e| e.to_string())?;
        Ok(format!("{} pending, {} uploaded, {} need attention", c.pending, c.uploaded, c.rejected))
    })
    .await
    .unwrap_or_else(|e| Err(e.to_string()));
    checks.push(check("queue", queue));

    let scanner = devices.id_scanner.clone();
    let id = tokio::task::spawn_blocking(move || {
        // Give a serial or wedge driver a moment to open its device.
        let start = std::time::Instant::now();
        while scanner.health() == Health::Starting && start.elapsed() < Duration::from_secs(2) {
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_millis(150));
        match scanner.health() {
            Health::Disconnected(why) => return Err(format!("not connected: {why}")),
            Health::Starting => return Err("did not start".into()),
            Health::Ok => {}
        }
        if card_wait.is_zero() {
            return Ok("connected".into());
        }
        let text = scanner.scan(card_wait).map_err(|e| e.to_string())?;
        match crate::identity::parse_mrz(&text) {
            Ok(m) if m.valid => Ok(format!("read a valid {:?} document", m.format)),
            Ok(m) => Err(format!("read a {:?} document whose check digits fail", m.format)),
            Err(e) => Err(e.to_string()),
        }
    })
    .await
    .unwrap_or_else(|e| Err(e.to_string()));
    checks.push(check("id_scanner", id));

    let printer = devices.printer.clone();
    let municipality = cfg.kiosk.municipality.clone();
    let profile = cfg.receipt_profile().expect("checked at load");
    let print = tokio::task::spawn_blocking(move || {
        use crate::print::{Block, Style};
        let blocks = vec![
            Block::Text { text: municipality, style: Style::Title },
            Block::Text { text: "Pagină de test — ăâîșț ĂÂÎȘȚ".into(), style: Style::Normal },
            Block::Qr("ghiseu selftest".into()),
        ];
        let job = crate::print::job("selftest".into(), &blocks, &profile);
        // Status first, so a technician sees "paper near end" even when it prints.
        let status = printer.status();
        let state = crate::app::view::printer_text(&crate::i18n::Texts::builtin(), crate::i18n::Lang::En, &status);
        printer
            .print(&job)
            .map(|_| format!("test page sent to {} ({}; profile {})", printer.describe(), state, profile.name))
            .map_err(|e| format!("{}: {e} ({state})", printer.describe()))
    })
    .await
    .unwrap_or_else(|e| Err(e.to_string()));
    checks.push(check("printer", print));

    if let Some(labels) = devices.label_printer.clone() {
        // Status only: a test label would waste a sticker.
        let status = tokio::task::spawn_blocking(move || {
            let s = labels.status();
            let text = crate::app::view::printer_text(&crate::i18n::Texts::builtin(), crate::i18n::Lang::En, &s);
            match s.problem() {
                None => Ok(format!("{}: {text}", labels.describe())),
                Some(_) => Err(format!("{}: {text} {}", labels.describe(), s.detail)),
            }
        })
        .await
        .unwrap_or_else(|e| Err(e.to_string()));
        checks.push(check("label_printer", status));
    }

    let url = format!("{}/health", cfg.intake.url.trim_end_matches('/'));
    let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().expect("client builds");
    let intake = match client.get(&url).send().await {
        Ok(r) if r.status().is_success() => Ok(format!("{url} answers")),
        Ok(r) => Err(format!("{url}: HTTP {}", r.status().as_u16())),
        Err(e) => Err(format!("{url}: {}", if e.is_timeout() { "timeout".into() } else { e.to_string() })),
    };
    checks.push(check("intake", intake));
    checks
}
