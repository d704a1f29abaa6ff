//! `ghiseu run` and `ghiseu demo`: the kiosk on a panel, in a window, or
//! headless with the scripted citizen.

use super::runtime;
use anyhow::{bail, Context, Result};
use ghiseu::config::Config;
use ghiseu::devices::Devices;
use slint::ComponentHandle;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

const DEMO_BOARD: &str = include_str!("../../board/desktop.toml");

/// `ghiseu run`: the kiosk as a panel runs it.
pub fn run(config: PathBuf, headless: Option<PathBuf>, screen: Option<String>) -> Result<ExitCode> {
    let cfg = Config::load(&config)?;
    let screen = screen.map(|s| opening_events(&cfg, &s)).transpose()?;
    if headless.is_none() && has_display_or_kms(&cfg)? {
        // Before any thread: the platform choice sets Slint's environment (rotation, scale).
        cfg.board()?.select_platform().map_err(|e| anyhow::anyhow!("cannot open the display: {e}"))?;
    }
    let rt = runtime()?;
    kiosk(&cfg, &rt, "ghiseu run", headless, Duration::from_secs(2), screen).map(|_| ExitCode::SUCCESS)
}

pub fn demo(
    data: Option<PathBuf>,
    headless: Option<PathBuf>,
    port: u16,
    screen: Option<String>,
    keypad: Option<ghiseu::i18n::Lang>,
) -> Result<ExitCode> {
    let _tmp;
    let data = match data {
        Some(d) => d,
        None => {
            _tmp = tempfile::Builder::new().prefix("ghiseu-demo-").tempdir()?;
            _tmp.path().to_owned()
        }
    };
    std::fs::create_dir_all(&data)?;
    let rt = runtime()?;
    let listener =
        rt.block_on(tokio::net::TcpListener::bind(("127.0.0.1", port))).context("starting the demo intake")?;
    let addr = listener.local_addr()?;
    let intake_dir = data.join("intake");
    if !data.join("keys/kiosk.pem").exists() {
        ghiseu::crypto::provision_pair(&data.join("keys"), &intake_dir, "demo-01")?;
    }
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let dir = intake_dir.clone();
    let server = rt.spawn(async move {
        ghiseu::intake::serve(listener, &dir, None, async {
            let _ = stop_rx.await;
        })
        .await
    });
    std::fs::write(data.join("board.toml"), DEMO_BOARD)?;
    let cfg_path = data.join("kiosk.toml");
    std::fs::write(
        &cfg_path,
        format!(
            "# Written by `ghiseu demo`.\n[kiosk]\nid = \"demo-01\"\nmunicipality = \"Primăria Municipiului Demo\"\n\
             board = \"board.toml\"\ndata_dir = \"kiosk\"\n\n[intake]\nurl = \"http://{addr}\"\n\n\
             [security]\nmunicipality_recipient = \"keys/municipality.pub\"\nkiosk_key = \"keys/kiosk.pem\"\n\n\
             [devices.id_scanner]\ndriver = \"simulated\"\n\n[devices.printer]\ndriver = \"simulated\"\nout_dir = \"printer\"\n\n\
             [devices.qr_reader]\ndriver = \"simulated\"\n\n\
             [devices.label_printer]\ndriver = \"simulated\"\nout_dir = \"labels\"\n\n\
             # A document camera serving sample pages (or `dir = \"FOLDER\"` of PNG/JPEG photos).\n\
             [devices.document]\ndriver = \"simulated\"\n\n\
             # The staff desk: hold the top-left corner 3 s (or show badge `ghiseu-staff:demo`), PIN 1234.\n\
             [[staff.members]]\nname = \"Demo\"\npin_hash = \"{pin_hash}\"\nbadge = \"demo\"\n",
            pin_hash = ghiseu::app::staff::hash_pin("1234")
        ),
    )?;
    let cfg = Config::load(&cfg_path)?;
    println!("ghiseu demo: data in {}, intake on http://{addr}", data.display());
    println!(
        "  staff desk: hold the top-left corner for 3 s, PIN 1234; labels go to {}",
        data.join("labels").display()
    );
    let screen = screen.map(|s| opening_events(&cfg, &s)).transpose()?;
    if let (Some(lang), Some(out)) = (keypad, headless.clone()) {
        let walk = keypad_walk(&cfg, &rt, &out, lang);
        let _ = stop_tx.send(());
        let _ = rt.block_on(server);
        let walk = walk?;
        let mut store = ghiseu::intake::store::Store::open(&intake_dir)?;
        let held = store.all()?.into_iter().filter(|s| s.body.tracking_code == walk.tracking_code).count();
        println!(
            "  keypad walk: {} key presses, {} utterances, about {:.0} s of speech; {}",
            walk.presses,
            walk.heard.len(),
            walk.spoken_seconds(),
            out.join("speech.txt").display()
        );
        return Ok(if held == 1 {
            println!("ghiseu demo: the intake holds submission {} ({}).", walk.tracking_code, walk.status_message);
            ExitCode::SUCCESS
        } else {
            eprintln!("ghiseu demo: the intake holds {held} submissions with code {}; expected 1", walk.tracking_code);
            ExitCode::from(1)
        });
    }
    let walk = kiosk(&cfg, &rt, "ghiseu demo", headless, Duration::from_secs(30), screen)?;
    let _ = stop_tx.send(());
    let _ = rt.block_on(server);
    let Some((walk, out)) = walk else { return Ok(ExitCode::SUCCESS) };
    let printer_dir = data.join("printer");
    let receipt = ghiseu::walkthrough::copy_receipt(&printer_dir, &walk.tracking_code, &out)?;
    println!("  receipt render {}", receipt.display());
    println!("  touch walk: {} touches", walk.touches);
    let mut store = ghiseu::intake::store::Store::open(&intake_dir)?;
    let held = store.all()?.into_iter().filter(|s| s.body.tracking_code == walk.tracking_code).count();
    if held == 1 {
        println!("ghiseu demo: the intake holds submission {} ({}).", walk.tracking_code, walk.status_message);
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("ghiseu demo: the intake holds {held} submissions with code {}; expected 1", walk.tracking_code);
        Ok(ExitCode::from(1))
    }
}

/// The events that open `--screen NAME` from the home screen.
fn opening_events(cfg: &Config, screen: &str) -> Result<Vec<ghiseu::app::Event>> {
    use ghiseu::app::Event;
    Ok(match screen.split_once(':') {
        None if screen == "home" => vec![],
        None if screen == "catalogue" => vec![Event::Start],
        None if screen == "status" => vec![Event::OpenStatus],
        Some(("form", id)) => {
            let catalogue = ghiseu::kiosk::catalogue(cfg)?;
            if catalogue.get(id).is_none() {
                let ids: Vec<&str> = catalogue.forms.iter().map(|f| f.id.as_str()).collect();
                bail!("--screen form:{id}: no such form; this kiosk offers: {}", ids.join(", "));
            }
            vec![Event::Start, Event::PickService(id.to_owned())]
        }
        _ => bail!("--screen `{screen}`: expected home, catalogue, status or form:ID"),
    })
}

/// Whether `run` has a screen: a desktop session for a window, or a board
/// that draws through KMS.
fn has_display_or_kms(cfg: &Config) -> Result<bool> {
    Ok(has_display() || cfg.board()?.display.output == ghiseu::board::Output::Kms)
}

fn has_display() -> bool {
    std::env::var_os("DISPLAY").is_some_and(|v| !v.is_empty())
        || std::env::var_os("WAYLAND_DISPLAY").is_some_and(|v| !v.is_empty())
}

/// Runs the kiosk: in a window, or headless with the scripted citizen.
/// Returns the walk-through when headless. With `screen`, opens straight at
/// that screen (headless: writes it as `screen.png` and stops).
fn kiosk(
    cfg: &Config,
    rt: &tokio::runtime::Runtime,
    command: &str,
    headless: Option<PathBuf>,
    wait_registered: Duration,
    screen: Option<Vec<ghiseu::app::Event>>,
) -> Result<Option<(ghiseu::walkthrough::Walk, PathBuf)>> {
    let board = cfg.board()?;
    let headless = match headless {
        Some(dir) => Some(dir),
        None if !has_display() && board.display.output != ghiseu::board::Output::Kms => {
            println!("ghiseu: no display; running the scripted walk-through headless into ./demo-screens");
            Some(PathBuf::from("demo-screens"))
        }
        None => None,
    };
    let devices = Devices::from_config(&cfg.devices);
    let Some(out) = headless else {
        // A wrong board file (rppal on a PC) stops the kiosk here, with the reason.
        let io = ghiseu::board::open_io(&board.gpio)?;
        if let Err(e) = io.set_printer_power(true) {
            tracing::error!(error = %e, "cannot power the printer");
        }
        let backlight = ghiseu::screen::Backlight::from_board(board.display.backlight.as_deref());
        let k = ghiseu::kiosk::build(cfg, rt.handle().clone(), devices.with_board(io.clone(), backlight))?;
        stop_on_signal(cfg, rt, &k);
        if board.display.output == ghiseu::board::Output::Window {
            k.ui.window.window().set_size(slint::PhysicalSize::new(board.display.width, board.display.height));
        }
        for event in screen.into_iter().flatten() {
            k.ui.dispatch(event);
        }
        k.ui.window.show()?;
        // The queue is open (build) and the window shown: READY once the first frame is drawn.
        let (ready_io, health) = (io.clone(), k.health.clone());
        let _watchdog = announce_ready(&board.name, move || {
            health.set_ready();
            let _ = ready_io.set_status_led(true);
        });
        slint::run_event_loop()?;
        ghiseu::service::notify_stopping();
        let _ = io.set_status_led(false);
        k.ui.window.hide()?;
        k.shutdown();
        return Ok(None);
    };
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    ghiseu::kiosk::use_headless_platform(false)?;
    let k = ghiseu::kiosk::build(cfg, rt.handle().clone(), devices)?;
    stop_on_signal(cfg, rt, &k);
    k.ui.window.show()?;
    if let Some(events) = screen {
        for event in events {
            k.ui.dispatch(event);
        }
        let shot = k.ui.window.window().take_snapshot()?;
        let path = out.join("screen.png");
        ghiseu::png::write_rgba(&path, shot.width(), shot.height(), shot.as_bytes())?;
        println!("{command}: wrote {}", path.display());
        k.shutdown();
        return Ok(None);
    }
    let health = k.health.clone();
    let _watchdog = announce_ready(&format!("{} (headless)", board.name), move || health.set_ready());
    let weak = k.ui.window.as_weak();
    let texts = ghiseu::i18n::Texts::load(cfg.kiosk.texts_dir.as_deref())?;
    let shots = out.clone();
    // With the simulated document camera (the demo), the citizen attaches a page too.
    let attach_pages =
        usize::from(matches!(cfg.devices.document, ghiseu::devices::capture::PageSourceConfig::Simulated { .. }));
    let citizen = std::thread::spawn(move || {
        let mut c = ghiseu::walkthrough::Citizen::new(weak, texts, Some(shots));
        c.attach_pages = attach_pages;
        let r = c.petition(
            "Str. Ștefan cel Mare 12, Iași",
            "Vă rog să reparați iluminatul public de pe strada Țuțora; becurile sunt arse în două stâlpi.",
            wait_registered,
        );
        let _ = slint::invoke_from_event_loop(|| {
            let _ = slint::quit_event_loop();
        });
        r
    });
    slint::run_event_loop()?;
    ghiseu::service::notify_stopping();
    let walk = citizen.join().map_err(|_| anyhow::anyhow!("the scripted citizen panicked"))??;
    k.shutdown();
    if walk.screenshots.is_empty() {
        bail!("no screenshots were written");
    }
    write_index(&out, &walk)?;
    Ok(Some((walk, out)))
}

/// SIGTERM, SIGINT or a panic: the health report goes first (and the
/// reporter stops), so nothing trusts a kiosk that is stopping; then the UI
/// loop ends as at a normal exit.
fn stop_on_signal(cfg: &Config, rt: &tokio::runtime::Runtime, k: &ghiseu::kiosk::Kiosk) {
    let stop = k.stopper();
    ghiseu::health::remove_at_exit(cfg.health_path(), rt.handle(), move || {
        stop();
        let _ = slint::invoke_from_event_loop(|| {
            let _ = slint::quit_event_loop();
        });
        // Should the loop not end (a scripted walk mid-way), do not outlive the signal.
        std::thread::spawn(|| {
            std::thread::sleep(Duration::from_secs(5));
            std::process::exit(143);
        });
    });
}

/// The keypad citizen: headless, a simulated keypad and jack, speech
/// recorded; files a petition by ear and writes `out/speech.txt`.
fn keypad_walk(
    cfg: &Config,
    rt: &tokio::runtime::Runtime,
    out: &Path,
    lang: ghiseu::i18n::Lang,
) -> Result<ghiseu::walkthrough::keypad::KeypadWalk> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    ghiseu::kiosk::use_headless_platform(false)?;
    let keypad = std::sync::Arc::new(ghiseu::devices::keypad::SimulatedKeypad::default());
    let ears = std::sync::Arc::new(ghiseu::devices::speech::Recorder::default());
    let devices = Devices { keypad: keypad.clone(), speaker: ears.clone(), ..Devices::from_config(&cfg.devices) };
    let k = ghiseu::kiosk::build(cfg, rt.handle().clone(), devices)?;
    k.ui.window.show()?;
    let texts = ghiseu::i18n::Texts::load(cfg.kiosk.texts_dir.as_deref())?;
    let speech = out.join("speech.txt");
    let walk = ghiseu::walkthrough::beside_event_loop(move || {
        let mut c = ghiseu::walkthrough::keypad::KeypadCitizen::new(keypad, ears.clone(), texts, lang);
        let walk = c.petition(Duration::from_secs(30));
        // Whatever happened, what was said is kept.
        let heard = ears.sentences().iter().map(|s| s.replace('\n', " ") + "\n").collect::<String>();
        std::fs::write(&speech, heard).map(|_| walk)
    });
    k.shutdown();
    let walk = walk.map_err(|_| anyhow::anyhow!("the keypad citizen panicked"))?;
    walk.context("writing speech.txt")?
}

/// Under systemd: READY=1 once the first frame is drawn (the queue is already
/// open), then `then`; the watchdog is fed from the event loop while the
/// returned timer lives. Call on the UI thread after `show()`.
fn announce_ready(board: &str, then: impl FnOnce() + 'static) -> Option<slint::Timer> {
    let board = board.to_owned();
    ghiseu::service::after_first_frame(move || {
        ghiseu::service::notify_ready(&format!("ready: first screen shown on {board}"));
        tracing::info!(%board, "kiosk ready: queue open, first frame drawn");
        then();
    });
    ghiseu::service::watchdog_on_event_loop()
}

fn write_index(out: &Path, walk: &ghiseu::walkthrough::Walk) -> Result<()> {
    let list: Vec<String> = walk.screenshots.iter().map(|p| format!("- {}", p.display())).collect();
    std::fs::write(
        out.join("walkthrough.txt"),
        format!("tracking code: {}\nstatus: {}\n{}\n", walk.tracking_code, walk.status_message, list.join("\n")),
    )?;
    Ok(())
}
