//! Capture to preview: the kiosk's path from "Fotografiază pagina" to the
//! page shown (capture from the device, `documents::process` into the page to
//! send, its picture for the screen), for the simulated camera (sample
//! pages, no configured delay) and, when SANE's `test` backend is reachable
//! (`SANE_CONFIG_DIR` at a folder whose `dll.conf` says `test`), an A4-wide
//! scan at 200 dpi. Prints the median and worst of N rounds, the page's
//! bytes, and the process's peak resident memory (VmHWM) before and after.
//!
//! `cargo run --release --example capture_latency [-- N]` (default N = 10).

use ghiseu::devices::capture::{self, PageSource, PageSourceConfig};
use std::time::{Duration, Instant};

fn hwm_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn round(source: &dyn PageSource) -> anyhow::Result<(Duration, Duration, usize, (u32, u32))> {
    let start = Instant::now();
    let picture = source.capture()?;
    let captured = start.elapsed();
    let size = (picture.width(), picture.height());
    let page = ghiseu::documents::process(&picture);
    drop(picture);
    let _thumb = ghiseu::documents::decode(&page.jpeg)?.thumbnail(640, 640).to_luma8();
    Ok((captured, start.elapsed(), page.jpeg.len(), size))
}

fn measure(name: &str, source: &dyn PageSource, n: usize) -> anyhow::Result<()> {
    let before = hwm_kb();
    let mut rounds = (0..n).map(|_| round(source)).collect::<anyhow::Result<Vec<_>>>()?;
    rounds.sort_by_key(|r| r.1);
    let (cap, total, bytes, (w, h)) = rounds[rounds.len() / 2];
    println!(
        "{name}: {w}×{h} picture; capture {cap:?}, capture to preview {total:?} median, {:?} worst; page {bytes} bytes; \
         peak RSS {} → {} MB",
        rounds.last().unwrap().1,
        before / 1024,
        hwm_kb() / 1024
    );
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let n: usize = std::env::args().nth(1).map(|s| s.parse()).transpose()?.unwrap_or(10);
    println!("start: peak RSS {} MB", hwm_kb() / 1024);
    let sim = capture::SimulatedPageSource::new(None, None, Duration::ZERO);
    measure("simulated camera (1600×1200 photo of a page)", &sim, n)?;
    if std::env::var_os("SANE_CONFIG_DIR").is_some() {
        let cfg: PageSourceConfig = toml::from_str(
            "driver = \"sane\"\ndevice = \"test:0\"\noptions = { \"test-picture\" = \"Grid\", \"br-x\" = 200, \"br-y\" = 200 }",
        )?;
        measure("SANE test backend (200×200 mm at 200 dpi, grey)", ghiseu::devices::page_source(&cfg).as_ref(), n)?;
    }
    Ok(())
}
