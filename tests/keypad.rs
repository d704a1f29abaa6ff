//! A blind citizen files a petition alone, in each language: headphones in,
//! keypad keys only (no pointer), finding the way only by what the kiosk
//! says, typing by multi-tap, against a real intake on a local port. The
//! receipt's announcement is rendered by espeak-ng to a WAV that must not be
//! silent. Slint's platform can be chosen once per process, hence one test.

mod common;

use ghiseu::config::Config;
use ghiseu::devices::keypad::SimulatedKeypad;
use ghiseu::devices::speech::Recorder;
use ghiseu::devices::Devices;
use ghiseu::i18n::{Lang, Texts};
use ghiseu::walkthrough::keypad::KeypadCitizen;
use slint::ComponentHandle;
use std::sync::Arc;
use std::time::Duration;

#[test]
fn a_blind_citizen_files_a_petition_by_keypad_and_ear_in_every_language() {
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    let intake_dir = dir.path().join("intake");
    let path = common::write_config(dir.path(), &format!("http://{addr}"));
    // "Ecran privat" on: the screen stays dark while the headphones are in.
    let text = std::fs::read_to_string(&path).unwrap().replacen("[kiosk]\n", "[kiosk]\nprivacy_screen = true\n", 1);
    std::fs::write(&path, text).unwrap();
    let cfg = Config::load(&path).unwrap();
    let d = intake_dir.clone();
    rt.spawn(async move { ghiseu::intake::serve(listener, &d, None, std::future::pending()).await });

    ghiseu::kiosk::use_headless_platform(false).unwrap();
    let keypad = Arc::new(SimulatedKeypad::default());
    let ears = Arc::new(Recorder::default());
    let devices = Devices { keypad: keypad.clone(), speaker: ears.clone(), ..Devices::from_config(&cfg.devices) };
    let kiosk = ghiseu::kiosk::build(&cfg, rt.handle().clone(), devices).unwrap();
    kiosk.ui.window.show().unwrap();

    let (k, e) = (keypad.clone(), ears.clone());
    let weak = kiosk.ui.window.as_weak();
    // The window as drawn: is every pixel black?
    let dark = move || -> bool {
        let (tx, rx) = std::sync::mpsc::channel();
        let w = weak.clone();
        slint::invoke_from_event_loop(move || {
            let w = w.upgrade().unwrap();
            w.window().request_redraw();
            let shot = w.window().take_snapshot().unwrap();
            let _ = tx.send(shot.as_bytes().chunks(4).all(|p| p[0] == 0 && p[1] == 0 && p[2] == 0));
        })
        .unwrap();
        rx.recv_timeout(Duration::from_secs(10)).unwrap()
    };
    let walks = ghiseu::walkthrough::beside_event_loop(move || -> anyhow::Result<_> {
        let mut walks = vec![];
        for lang in [Lang::Ro, Lang::En, Lang::Hu] {
            let mut c = KeypadCitizen::new(k.clone(), e.clone(), Texts::builtin(), lang);
            // Looks at the screen now and then while the citizen works by ear.
            let walking = Arc::new(std::sync::atomic::AtomicBool::new(true));
            let (w, d) = (walking.clone(), dark.clone());
            let looks = std::thread::spawn(move || {
                let mut seen = vec![];
                while w.load(std::sync::atomic::Ordering::Relaxed) {
                    seen.push(d());
                    std::thread::sleep(Duration::from_millis(250));
                }
                seen
            });
            let walk = c.petition(Duration::from_secs(20));
            walking.store(false, std::sync::atomic::Ordering::Relaxed);
            let seen = looks.join().unwrap();
            let walk = walk?;
            let dark_share = seen.iter().filter(|d| **d).count() as f64 / seen.len().max(1) as f64;
            // Lit only before the plug-in and after «Terminat»: a blink at each end.
            anyhow::ensure!(
                dark_share > 0.7,
                "{lang:?}: dark in {dark_share:.2} of {} looks (ecran privat)",
                seen.len()
            );
            anyhow::ensure!(!dark(), "{lang:?}: «Terminat» ended the session: the screen shows again");
            // The jack: out, and the next citizen starts afresh.
            k.plug(false);
            std::thread::sleep(Duration::from_millis(200));
            anyhow::ensure!(!dark(), "{lang:?}: the screen shows with the headphones out");
            let voice = *e.voice.lock().unwrap();
            walks.push((lang, walk, voice));
        }
        Ok(walks)
    })
    .expect("the keypad citizen")
    .expect("the keypad walks");
    kiosk.shutdown();

    let mut store = ghiseu::intake::store::Store::open(&intake_dir).unwrap();
    let held = store.all().unwrap();
    let out = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("keypad");
    std::fs::create_dir_all(&out).unwrap();
    for (lang, walk, voice) in &walks {
        assert_eq!(
            held.iter().filter(|s| s.body.tracking_code == walk.tracking_code).count(),
            1,
            "{lang:?}: the intake holds the petition"
        );
        assert_eq!(*voice, Some((5, 5)), "{lang:?}: volume and rate reset for the next citizen");
        std::fs::write(out.join(format!("speech-{}.txt", lang.code())), walk.speech_txt()).unwrap();
        println!(
            "{lang:?}: {} key presses, {} utterances, about {:.0} s of speech",
            walk.presses,
            walk.heard.len(),
            walk.spoken_seconds()
        );
    }

    let private = Texts::builtin().get(Lang::Ro, "kp_private_on").to_owned();
    assert!(ears.sentences().contains(&private), "the private screen was announced");

    // The receipt, as spoken in Romanian, rendered to a WAV that is not silent.
    let texts = Texts::builtin();
    let receipt = walks[0]
        .1
        .heard
        .iter()
        .find(|s| s.starts_with(texts.get(Lang::Ro, "receipt_title")))
        .expect("the receipt was announced")
        .clone();
    let wav = dir.path().join("receipt.wav");
    ghiseu::devices::speech::render_wav(std::path::Path::new("espeak-ng"), &receipt, Lang::Ro, &wav)
        .expect("espeak-ng (scripts/setup --test installs it)");
    let (seconds, rms) = common::wav_stats(&wav);
    assert!(seconds > 3.0, "{seconds:.2} s for the receipt: {receipt}");
    assert!(rms > 500.0, "RMS {rms:.0}: silent");
}
