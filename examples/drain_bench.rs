//! Draining a backlog: the uploader against a raw HTTP client posting the
//! same envelopes to an identical intake, in the same run.
//!
//! `cargo run --release --example drain_bench [-- N]` (default 10,000). Prints
//! both rates and their ratio (uploader / raw; the goal is ≥ 0.8).

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn main() -> anyhow::Result<()> {
    let n: usize = std::env::args().nth(1).map(|s| s.parse()).transpose()?.unwrap_or(10_000);
    let dir = tempfile::tempdir_in("/var/tmp")?;
    let keys = dir.path().join("keys");
    ghiseu::crypto::provision_pair(&keys, &dir.path().join("intake-a"), "bench")?;
    // The second intake gets the same municipality key and enrolment.
    let b = dir.path().join("intake-b");
    std::fs::create_dir_all(b.join("kiosks"))?;
    std::fs::copy(dir.path().join("intake-a/municipality.key"), b.join("municipality.key"))?;
    std::fs::copy(dir.path().join("intake-a/kiosks/bench.pem"), b.join("kiosks/bench.pem"))?;
    let sealer = ghiseu::crypto::Sealer {
        kiosk_id: "bench".into(),
        recipient: ghiseu::crypto::load_recipient(&keys.join("municipality.pub"))?,
        key: ghiseu::crypto::KioskKey::load(&keys.join("kiosk.pem"))?,
    };
    let queue_path = dir.path().join("queue.sqlite");
    let letterhead = ghiseu::pdf::Letterhead {
        municipality: "Primăria de test".into(),
        status_url_base: "https://registratura.example/s/".into(),
        texts: std::sync::Arc::new(ghiseu::i18n::Texts::builtin()),
    };
    let mut q = ghiseu::queue::Queue::open(&queue_path)?;
    let form = ghiseu::forms::Catalogue::builtin().get("sesizare").unwrap().clone();
    eprintln!("committing {n} submissions…");
    for i in 0..n {
        let answers = BTreeMap::from([
            ("nume".to_owned(), "Ionescu".to_owned()),
            ("prenume".to_owned(), "Ana".to_owned()),
            ("locatie".to_owned(), format!("Str. Morii {i}")),
            ("descriere".to_owned(), "Stâlp de iluminat căzut pe trotuar.".to_owned()),
        ]);
        ghiseu::submission::submit(
            &mut q,
            &sealer,
            &letterhead,
            &form,
            ghiseu::i18n::Lang::Ro,
            answers,
            &[],
            i as i64,
        )?;
    }
    let payloads: Vec<(String, Vec<u8>)> = q.due(i64::MAX, n)?.into_iter().map(|p| (p.key, p.payload)).collect();
    drop(q);

    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let start_intake = |data: std::path::PathBuf| {
        rt.block_on(async move {
            let l = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            let url = format!("http://{}", l.local_addr()?);
            tokio::spawn(async move { ghiseu::intake::serve(l, &data, None, std::future::pending()).await });
            tokio::time::sleep(Duration::from_millis(200)).await;
            anyhow::Ok(url)
        })
    };
    let url_a = start_intake(dir.path().join("intake-a"))?;
    let url_b = start_intake(b)?;

    // Raw: post each stored envelope once, as many in flight as the uploader
    // keeps (a sliding window of 8), nothing read from or recorded in the queue.
    let raw = rt.block_on(common::raw_drain(&url_a, &payloads))?;

    // The uploader: reads the queue, posts, records each answer durably.
    let up = ghiseu::upload::Uploader {
        queue: Arc::new(Mutex::new(ghiseu::queue::Queue::open(&queue_path)?)),
        client: ghiseu::upload::IntakeClient::new(&url_b, Duration::from_secs(30), None),
        backoff: Default::default(),
        wake: Default::default(),
        retention: Duration::from_secs(86_400),
    };
    let t = Instant::now();
    rt.block_on(up.drain())?;
    let drained = t.elapsed();
    let counts = ghiseu::queue::Queue::open(&queue_path)?.counts()?;
    anyhow::ensure!(counts.uploaded as usize == n, "uploader delivered {} of {n}", counts.uploaded);

    let rate = |d: Duration| n as f64 / d.as_secs_f64();
    println!(
        "drain of {n}: raw client {:.0}/s ({:.1} s), uploader {:.0}/s ({:.1} s), ratio {:.2}",
        rate(raw),
        raw.as_secs_f64(),
        rate(drained),
        drained.as_secs_f64(),
        rate(drained) / rate(raw)
    );
    Ok(())
}
