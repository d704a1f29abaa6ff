//! Software-rendered frame times at 1280×800, the way a panel without a GPU
//! draws (Slint's software renderer into a 32-bit buffer, as on linuxkms):
//! the full frame of a form screen, and the partial update after one key
//! press in a field (only the dirty region is redrawn).
//!
//! `cargo run --release --example render_bench [-- N]` (N frames of each, default 200).
//! Prints one line per kind: median, p90 and max in milliseconds.

use ghiseu::app::{Event, Key};
use slint::platform::software_renderer::{MinimalSoftwareWindow, PremultipliedRgbaColor, RepaintBufferType};
use slint::platform::{Platform, WindowAdapter};
use slint::ComponentHandle;
use std::rc::Rc;
use std::time::{Duration, Instant};

struct Bench {
    window: Rc<MinimalSoftwareWindow>,
    start: Instant,
}

impl Platform for Bench {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, slint::PlatformError> {
        Ok(self.window.clone())
    }
    fn duration_since_start(&self) -> Duration {
        self.start.elapsed()
    }
}

fn stats(name: &str, mut ms: Vec<f64>) {
    ms.sort_by(f64::total_cmp);
    let pct = |p: f64| ms[((ms.len() - 1) as f64 * p).round() as usize];
    println!(
        "{name}: median {:.2} ms, p90 {:.2} ms, max {:.2} ms ({} frames)",
        pct(0.5),
        pct(0.9),
        ms[ms.len() - 1],
        ms.len()
    );
}

fn main() -> anyhow::Result<()> {
    let n: usize = std::env::args().nth(1).map(|s| s.parse()).transpose()?.unwrap_or(200);
    let (w, h) = (1280u32, 800u32);
    let dir = tempfile::tempdir()?;
    ghiseu::crypto::provision_pair(&dir.path().join("keys"), &dir.path().join("intake"), "bench")?;
    let board = dir.path().join("board.toml");
    std::fs::write(&board, format!("name = \"bench\"\n[display]\nwidth = {w}\nheight = {h}\n"))?;
    let cfg_path = dir.path().join("kiosk.toml");
    std::fs::write(
        &cfg_path,
        "[kiosk]\nid = \"bench\"\nmunicipality = \"Primăria Municipiului Demo\"\nboard = \"board.toml\"\ndata_dir = \"data\"\n\n\
         [intake]\nurl = \"http://127.0.0.1:9\"\n\n[security]\nmunicipality_recipient = \"keys/municipality.pub\"\n\
         kiosk_key = \"keys/kiosk.pem\"\n\n[devices.speech]\ndriver = \"off\"\n\
         [devices.id_scanner]\ndriver = \"simulated\"\n[devices.printer]\ndriver = \"simulated\"\nout_dir = \"printer\"\n\
         [devices.qr_reader]\ndriver = \"simulated\"\n",
    )?;
    let cfg = ghiseu::config::Config::load(&cfg_path)?;
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;

    let mut results = vec![];
    for (kind, buffer_type) in
        [("full frame", RepaintBufferType::NewBuffer), ("key press", RepaintBufferType::ReusedBuffer)]
    {
        // One platform per process: the second kind runs in a child process.
        if std::env::var("RENDER_BENCH_KIND").map(|k| k != kind).unwrap_or(kind != "full frame") {
            continue;
        }
        let window = MinimalSoftwareWindow::new(buffer_type);
        window.set_size(slint::PhysicalSize::new(w, h));
        slint::platform::set_platform(Box::new(Bench { window: window.clone(), start: Instant::now() }))
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let kiosk =
            ghiseu::kiosk::build(&cfg, rt.handle().clone(), ghiseu::devices::Devices::from_config(&cfg.devices))?;
        kiosk.ui.window.show()?;
        kiosk.ui.dispatch(Event::Start);
        kiosk.ui.dispatch(Event::PickService("petitie".into()));
        let mut buffer = vec![PremultipliedRgbaColor::default(); (w * h) as usize];
        let mut draw = |times: &mut Vec<f64>| {
            slint::platform::update_timers_and_animations();
            window.draw_if_needed(|renderer| {
                let t = Instant::now();
                renderer.render(&mut buffer, w as usize);
                times.push(t.elapsed().as_secs_f64() * 1000.0);
            });
        };
        let mut warm = vec![];
        draw(&mut warm);
        let mut times = vec![];
        for i in 0..n {
            if kind == "full frame" {
                window.request_redraw();
            } else {
                kiosk.ui.dispatch(Event::Key(if i % 2 == 0 { Key::Text("a".into()) } else { Key::Backspace }));
            }
            draw(&mut times);
        }
        results.push((kind, times));
        kiosk.shutdown();
    }
    for (kind, times) in results {
        stats(kind, times);
    }
    if std::env::var("RENDER_BENCH_KIND").is_err() {
        let status = std::process::Command::new(std::env::current_exe()?)
            .arg(n.to_string())
            .env("RENDER_BENCH_KIND", "key press")
            .status()?;
        anyhow::ensure!(status.success(), "the key-press run failed");
    }
    Ok(())
}
