//! Scanner's last byte to the read identity on screen, measured through the
//! real stack: a serial scanner on a pseudo-terminal (the same driver as on a
//! panel), the session, the Slint UI rendered by the software renderer.
//!
//! `cargo run --release --example scan_latency [-- ROUNDS]` prints the median,
//! the 95th percentile and the worst time in milliseconds.

use ghiseu::config::Config;
use ghiseu::devices::framing::soh_frame;
use ghiseu::devices::Devices;
use ghiseu::ui::FormAdapter;
use ghiseu::walkthrough::Citizen;
use serialport::SerialPort;
use slint::ComponentHandle;
use std::io::Write;
use std::time::{Duration, Instant};

fn main() -> anyhow::Result<()> {
    let rounds: usize = std::env::args().nth(1).map(|s| s.parse()).transpose()?.unwrap_or(30);
    let dir = tempfile::tempdir()?;
    let (mut master, slave) = serialport::TTYPort::pair()?;
    let tty = slave.name().expect("pty path");
    drop(slave);
    let board = concat!(env!("CARGO_MANIFEST_DIR"), "/board/desktop.toml");
    ghiseu::crypto::provision_pair(&dir.path().join("keys"), &dir.path().join("intake"), "bench")?;
    let cfg_path = dir.path().join("kiosk.toml");
    std::fs::write(
        &cfg_path,
        format!(
            "[kiosk]\nid = \"bench\"\nmunicipality = \"Bench\"\nboard = \"{board}\"\ndata_dir = \"data\"\n\
             [intake]\nurl = \"http://127.0.0.1:9\"\n\
             [security]\nmunicipality_recipient = \"keys/municipality.pub\"\nkiosk_key = \"keys/kiosk.pem\"\n\
             [devices.id_scanner]\ndriver = \"serial\"\nport = \"{tty}\"\nframing = \"soh-length\"\n\
             [devices.printer]\ndriver = \"simulated\"\nout_dir = \"printer\"\n\
             [devices.qr_reader]\ndriver = \"simulated\"\n"
        ),
    )?;
    let cfg = Config::load(&cfg_path)?;
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    ghiseu::kiosk::use_headless_platform(false)?;
    let kiosk = ghiseu::kiosk::build(&cfg, rt.handle().clone(), Devices::from_config(&cfg.devices))?;
    kiosk.ui.window.show()?;
    let weak = kiosk.ui.window.as_weak();
    let mrz = ghiseu::devices::scanner::default_sim_mrz().join("\n");
    let bench = std::thread::spawn(move || -> anyhow::Result<Vec<f64>> {
        let c = Citizen::new(weak, ghiseu::i18n::Texts::builtin(), None);
        c.tap("Depune o cerere")?;
        c.tap("Petiție")?;
        std::thread::sleep(Duration::from_millis(300)); // the reader thread opens the port
        let frame = soh_frame(&mrz);
        let mut times = vec![];
        for _ in 0..rounds {
            c.tap("Scanează actul de identitate")?;
            c.wait_for("scan start", Duration::from_secs(5), |w| {
                w.global::<FormAdapter>().get_scan_state() == "waiting"
            })?;
            master.write_all(&frame[..frame.len() - 1])?;
            master.flush()?;
            std::thread::sleep(Duration::from_millis(5));
            master.write_all(&frame[frame.len() - 1..])?;
            master.flush()?;
            let t0 = Instant::now();
            // Shown = the properties are set and the frame renders.
            loop {
                let shown = c.on_ui(|w| {
                    let on = w.global::<FormAdapter>().get_scan_state() == "confirm";
                    if on {
                        let _ = w.window().take_snapshot();
                    }
                    on
                })?;
                if shown {
                    break;
                }
                if t0.elapsed() > Duration::from_secs(5) {
                    anyhow::bail!("the read never reached the screen");
                }
            }
            times.push(t0.elapsed().as_secs_f64() * 1000.0);
            c.tap("Nu, completez eu")?;
        }
        Ok(times)
    });
    let waiter = std::thread::spawn(move || {
        let r = bench.join();
        let _ = slint::invoke_from_event_loop(|| {
            let _ = slint::quit_event_loop();
        });
        r
    });
    slint::run_event_loop()?;
    let mut times = waiter.join().expect("bench thread").expect("bench thread")?;
    kiosk.shutdown();
    times.sort_by(f64::total_cmp);
    let pct = |p: f64| times[((times.len() - 1) as f64 * p).round() as usize];
    println!(
        "scanner last byte → identity on screen ({} reads): median {:.2} ms, p95 {:.2} ms, max {:.2} ms",
        times.len(),
        pct(0.5),
        pct(0.95),
        times[times.len() - 1]
    );
    Ok(())
}
