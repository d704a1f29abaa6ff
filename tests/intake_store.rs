//! The intake's registry store behaves the same on SQLite and on a real
//! PostgreSQL the suite starts itself: idempotent by key, 409 for a reused
//! key with another body, consecutive registration numbers, stages. Then a
//! kiosk's uploader delivers end to end to an intake backed by PostgreSQL.

mod common;
use common::OutputWithin;
#[path = "common/pg.rs"]
mod pg;

use ghiseu::intake::store::{Store, StoreError};
use ghiseu::wire::api::{Stage, SubmissionBody};
use std::collections::BTreeMap;

fn body(n: u32, text: &str) -> (Vec<u8>, SubmissionBody) {
    let b = SubmissionBody {
        supplement_of: None,
        key: format!("0190b1c2-0000-7000-8000-{n:012}"),
        tracking_code: {
            // A valid code per submission: derive it from the number.
            let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(u64::from(n));
            ghiseu::wire::tracking::generate(&mut rng)
        },
        kiosk_id: "k1".into(),
        form_id: "petitie".into(),
        form_version: 1,
        lang: ghiseu::i18n::Lang::Ro,
        created_ms: 1,
        answers: BTreeMap::from([("continut".to_owned(), text.to_owned())]),
        pdf: None,
        pages: vec![],
    };
    (serde_json::to_vec(&b).unwrap(), b)
}

fn exercise(store: &mut Store) {
    let now = jiff::civil::date(2026, 11, 23).at(10, 0, 0, 0).in_tz("Europe/Bucharest").unwrap();
    let (raw1, b1) = body(1, "Sesizare: groapă în asfalt, Țuțora.");
    let first = store.register(&raw1, &b1, now.clone()).unwrap();
    assert_eq!((first.registration_number.as_str(), first.registration_date.as_str()), ("1", "23.11.2026"));
    // Same key, same bytes: the same answer, nothing new stored.
    assert_eq!(store.register(&raw1, &b1, now.clone()).unwrap(), first);
    // Same key, other bytes: a conflict.
    let (raw1b, b1b) = body(1, "Alt text");
    assert!(matches!(store.register(&raw1b, &b1b, now.clone()), Err(StoreError::Conflict(_))));
    let (raw2, b2) = body(2, "A doua cerere");
    assert_eq!(store.register(&raw2, &b2, now.clone()).unwrap().registration_number, "2");
    // A new year starts at 1 again.
    let next_year = jiff::civil::date(2027, 1, 2).at(9, 0, 0, 0).in_tz("Europe/Bucharest").unwrap();
    let (raw3, b3) = body(3, "Anul nou");
    assert_eq!(store.register(&raw3, &b3, next_year).unwrap().registration_number, "1");
    // Stages and status by tracking code.
    assert!(store.set_stage(&b1.tracking_code, Stage::InProgress).unwrap());
    assert_eq!(store.status(&b1.tracking_code).unwrap().unwrap().stage, Stage::InProgress);
    assert!(!store.set_stage("AAA-AAA-AA", Stage::Resolved).unwrap());
    let all = store.all().unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(all[0].body.answers["continut"], "Sesizare: groapă în asfalt, Țuțora.");
}

#[test]
fn sqlite_store() {
    let dir = tempfile::tempdir().unwrap();
    exercise(&mut Store::open(dir.path()).unwrap());
}

#[test]
fn only_an_explicit_request_skips_the_postgres_test() {
    assert!(pg::skip_requested(Some("1")));
    for v in [None, Some(""), Some("0"), Some("yes")] {
        assert!(!pg::skip_requested(v), "{v:?}");
    }
}

#[test]
fn postgres_store_and_an_upload_through_it() {
    let Some(pg) = pg::PgServer::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    exercise(&mut Store::open_for(dir.path(), Some(&pg.url)).unwrap());

    // End to end: a kiosk's submission delivered to an intake on PostgreSQL.
    let kiosk_dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let cfg = ghiseu::config::Config::load(&common::write_config(kiosk_dir.path(), &url)).unwrap();
    let intake_dir = kiosk_dir.path().join("intake");
    let (d, db) = (intake_dir.clone(), pg.url.clone());
    rt.spawn(async move { ghiseu::intake::serve_with(listener, &d, Some(db), None, std::future::pending()).await });
    let mut q = ghiseu::queue::Queue::open(&cfg.queue_path()).unwrap();
    let answers =
        [("nume", "Kovács"), ("prenume", "Éva"), ("telefon", "0722123456"), ("subiect", "Autorizație de construire")];
    let r = common::commit(&cfg, &mut q, "audienta", ghiseu::i18n::Lang::Hu, &answers, 5);
    drop(q);
    let out = std::process::Command::new(common::bin())
        .args(["uploader", "--drain", "--config"])
        .arg(&cfg.source)
        .output_within(180)
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut store = Store::open_for(dir.path(), Some(&pg.url)).unwrap();
    let status = store.status(&r.tracking_code).unwrap().expect("registered in PostgreSQL");
    let expected = if jiff::Zoned::now().year() == 2026 {
        "3"
    } else if jiff::Zoned::now().year() == 2027 {
        "2"
    } else {
        "1"
    };
    assert_eq!(status.registration_number, expected, "numbers continue the year's sequence");
    let all = store.all().unwrap();
    let mine = all.iter().find(|s| s.body.tracking_code == r.tracking_code).unwrap();
    assert_eq!(mine.body.answers["prenume"], "Éva");
}
