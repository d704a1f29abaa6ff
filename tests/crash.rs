//! Power cuts at any instant lose nothing and duplicate nothing.
//!
//! Loops submitting (`ghiseu queue submit`, which prints a tracking code only
//! once the submission is durable) and uploading (`ghiseu uploader`) while
//! killing both with SIGKILL at random instants. Then every code that was
//! printed must be at the intake exactly once. CI runs 200 kills;
//! `bench/crash.sh` runs 1,000 (`GHISEU_CRASH_KILLS`).
//!
//! A SIGKILL is not a power cut: the kernel still writes what the killed
//! process never flushed. Real power cuts (QEMU itself killed) are in
//! `image-build/test-boot --power-cut N`; the last test here keeps that one honest.

mod common;
use common::OutputWithin;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const ANSWERS: &str = r#"{"categorie":"iluminat","locatie":"Str. Morii 3","pericol":"da","descriere":"Stâlp de iluminat căzut.","nume":"Ionescu","prenume":"Ana","adresa":"Str. Morii 5, Cluj-Napoca"}"#;

#[test]
fn sigkill_at_random_instants_loses_and_duplicates_nothing() {
    let kills: usize = std::env::var("GHISEU_CRASH_KILLS").ok().and_then(|v| v.parse().ok()).unwrap_or(200);
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let cfg = common::write_config(dir.path(), &format!("http://{}", listener.local_addr().unwrap()));
    let intake_dir = dir.path().join("intake");
    let d = intake_dir.clone();
    rt.spawn(async move { ghiseu::intake::serve(listener, &d, None, std::future::pending()).await });

    let mut printed = BTreeSet::new();
    let mut killed = 0;
    let start = Instant::now();
    while killed < kills {
        let mut uploader = Command::new(common::bin())
            .args(["uploader", "--config"])
            .arg(&cfg)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut submit = Command::new(common::bin())
            .args(["queue", "submit", "sesizare", "--config"])
            .arg(&cfg)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        submit.stdin.take().unwrap().write_all(ANSWERS.as_bytes()).unwrap();
        std::thread::sleep(Duration::from_micros(rand::random_range(0..120_000)));
        for child in [&mut uploader, &mut submit] {
            if child.try_wait().unwrap().is_none() {
                child.kill().unwrap(); // SIGKILL
                killed += 1;
            }
        }
        uploader.wait().unwrap();
        let out = submit.wait_with_output().unwrap();
        if out.status.success() {
            let code = String::from_utf8(out.stdout).unwrap().trim().to_owned();
            assert!(ghiseu::wire::tracking::parse(&code).is_ok(), "printed `{code}`");
            printed.insert(code);
        }
    }
    // How many the killed uploaders delivered themselves (the rest were cut off).
    let queue_path = dir.path().join("data/queue.sqlite");
    let uploaded_under_fire = ghiseu::queue::Queue::open(&queue_path).unwrap().counts().unwrap().uploaded;
    let drain =
        Command::new(common::bin()).args(["uploader", "--drain", "--config"]).arg(&cfg).output_within(180).unwrap();
    assert!(drain.status.success(), "{}", String::from_utf8_lossy(&drain.stderr));

    // What each side holds, read straight from its tables: (key, tracking
    // code, registration number) per row.
    let rows = |path: &std::path::Path, sql: &str| -> Vec<(String, String, String)> {
        let conn = rusqlite::Connection::open(path).unwrap();
        let mut stmt = conn.prepare(sql).unwrap();
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap();
        rows.map(Result::unwrap).collect()
    };
    let intake = rows(
        &intake_dir.join("intake.sqlite"),
        "SELECT key, tracking_code, CAST(number AS TEXT) || ' ' || registration_date FROM submissions",
    );
    let kiosk = rows(
        &queue_path,
        "SELECT key, tracking_code, COALESCE(registration_number, '') || ' ' || COALESCE(registration_date, '') \
         FROM submissions",
    );
    let mut at_intake: BTreeMap<String, usize> = BTreeMap::new();
    for (_, code, _) in &intake {
        *at_intake.entry(code.clone()).or_default() += 1;
    }
    let q = ghiseu::queue::Queue::open(&queue_path).unwrap();
    let counts = q.counts().unwrap();
    println!(
        "{killed} kills in {:.1} s; {} receipts printed; {} submissions committed; \
         {uploaded_under_fire} delivered by uploaders that were then killed; {} at the intake",
        start.elapsed().as_secs_f64(),
        printed.len(),
        counts.uploaded + counts.pending + counts.rejected,
        intake.len()
    );
    assert!(printed.len() >= kills / 20, "too few submissions got through to test anything: {}", printed.len());
    assert!(uploaded_under_fire > 0, "no upload happened before a kill: the test would prove nothing");
    for code in &printed {
        assert_eq!(at_intake.get(code), Some(&1), "{code} printed but not at the intake exactly once");
    }
    // Nothing registered twice: the intake's table forbids a repeated key or
    // code, so a duplicate would be the same submission under a new key and
    // code. Every intake row must therefore be one of the kiosk's own
    // submissions (same key, same tracking code) and the registration the
    // kiosk recorded for it, and each kiosk submission must be there once.
    let mut intake_sorted = intake.clone();
    intake_sorted.sort();
    let mut kiosk_sorted = kiosk.clone();
    kiosk_sorted.sort();
    let foreign: Vec<_> = intake_sorted.iter().filter(|r| !kiosk_sorted.contains(r)).collect();
    let missing: Vec<_> = kiosk_sorted.iter().filter(|r| !intake_sorted.contains(r)).collect();
    assert!(
        foreign.is_empty() && missing.is_empty(),
        "intake and kiosk disagree: at the intake only {foreign:?}; at the kiosk only {missing:?}"
    );
    assert_eq!((counts.pending, counts.rejected), (0, 0));
    assert_eq!(counts.uploaded as usize, intake.len(), "every committed submission reached the intake once");
}

/// A SIGKILL of the process leaves the page cache to the OS, so the test above
/// cannot catch a missing fsync; the QEMU boot test's power cuts
/// (`image-build/test-boot --power-cut N`) can, as long as they stay honest.
/// Checked here, in seconds, rather than late in CI's image stage: the cut is
/// QEMU's own process killed with SIGKILL, every QEMU disk keeps the guest's
/// flushes meaningful (cache=writeback or none, never cache=unsafe, which
/// drops them), CI runs the cuts, and the answers the guest loop submits are
/// ones `ghiseu queue submit sesizare` accepts today (a changed form would
/// otherwise fail only in the QEMU run).
#[test]
fn the_qemu_power_cut_test_stays_honest_and_its_answers_are_accepted() {
    let boot = std::fs::read_to_string(common::repo().join("image-build/test-boot")).unwrap();
    let code: Vec<&str> = boot.lines().filter(|l| !l.trim_start().starts_with('#')).collect();
    let drives: Vec<&&str> = code.iter().filter(|l| l.contains("-drive file=")).collect();
    assert!(drives.len() >= 2, "the amd64 and arm64 disks: {drives:?}");
    for l in &drives {
        assert!(
            l.contains("cache=writeback") || l.contains("cache=none"),
            "a QEMU disk without flushes that mean something: {l}"
        );
    }
    assert!(!code.iter().any(|l| l.contains("cache=unsafe")), "cache=unsafe ignores the guest's flushes");
    assert!(code.iter().any(|l| l.trim() == r#"kill -KILL "$qpid""#), "the cut is QEMU's own process, SIGKILLed");
    assert!(code.iter().any(|l| l.contains(r#"-pidfile "$work/qemu.pid""#)), "QEMU names its pid");
    let ci = std::fs::read_to_string(common::repo().join(".ci/run")).unwrap();
    assert!(
        ci.lines().any(|l| l.contains("image-build/test-boot") && l.contains("--power-cut")),
        "CI runs the power cuts"
    );

    let loop_start = boot.find("cat > /run/powercut-answers.json <<'JSON'\n").expect("the guest loop's answers");
    let answers = boot[loop_start..].lines().nth(1).unwrap();
    assert!(boot.contains("ghiseu queue submit sesizare --config $cfg < /run/powercut-answers.json"));
    let dir = tempfile::tempdir().unwrap();
    let cfg = common::write_config(dir.path(), &format!("http://127.0.0.1:{}", common::free_port()));
    let out = common::queue_submit(&cfg, "sesizare", answers);
    assert!(out.status.success(), "test-boot's answers: {}", String::from_utf8_lossy(&out.stderr));
    let code = String::from_utf8(out.stdout).unwrap();
    assert!(ghiseu::wire::tracking::parse(code.trim()).is_ok(), "printed `{code}`");
    // The host reads codes off the console with this pattern (check.py).
    assert!(boot.contains(r#"CODE = re.compile(rb"CODE:([2-9A-Z]{3}-[2-9A-Z]{3}-[2-9A-Z]{2}):EDOC")"#));
    assert_eq!(code.trim().len(), 10, "{code}");
}
