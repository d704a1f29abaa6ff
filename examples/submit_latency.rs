//! Submit latency: from "Trimite" to a durable commit, as the kiosk does it
//! (validate nothing more, seal with age, sign with Ed25519, INSERT and fsync
//! under WAL + synchronous=FULL), on this machine's disk.
//!
//! `cargo run --release --example submit_latency [-- N [DIR]]`: N submits
//! (default 1000) into a queue under DIR (default: a temp dir on /var/tmp).

use std::collections::BTreeMap;
use std::time::Instant;

fn main() -> anyhow::Result<()> {
    let n: usize = std::env::args().nth(1).map(|s| s.parse()).transpose()?.unwrap_or(1000);
    let base = std::env::args().nth(2).unwrap_or_else(|| "/var/tmp".into());
    let dir = tempfile::tempdir_in(base)?;
    ghiseu::crypto::provision_pair(&dir.path().join("keys"), &dir.path().join("intake"), "bench")?;
    let sealer = ghiseu::crypto::Sealer {
        kiosk_id: "bench".into(),
        recipient: ghiseu::crypto::load_recipient(&dir.path().join("keys/municipality.pub"))?,
        key: ghiseu::crypto::KioskKey::load(&dir.path().join("keys/kiosk.pem"))?,
    };
    let letterhead = ghiseu::pdf::Letterhead {
        municipality: "Primăria de test".into(),
        status_url_base: "https://registratura.example/s/".into(),
        texts: std::sync::Arc::new(ghiseu::i18n::Texts::builtin()),
    };
    let mut q = ghiseu::queue::Queue::open(&dir.path().join("queue.sqlite"))?;
    let form = ghiseu::forms::Catalogue::builtin().get("petitie").unwrap().clone();
    let answers: BTreeMap<String, String> = [
        ("nume", "Popescu"),
        ("prenume", "Maria Elena"),
        ("cnp", "2850509204996"),
        ("adresa", "Str. Ștefan cel Mare 12, Iași"),
        ("continut", &"Vă rog să reparați iluminatul public de pe strada noastră. ".repeat(8)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        ghiseu::submission::submit(
            &mut q,
            &sealer,
            &letterhead,
            &form,
            ghiseu::i18n::Lang::Ro,
            answers.clone(),
            &[],
            ghiseu::now_ms(),
        )?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    let pct = |p: f64| times[((times.len() - 1) as f64 * p).round() as usize];
    println!(
        "submit, durable ({n} submits): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        pct(0.5),
        pct(0.99),
        times[n - 1]
    );
    Ok(())
}
