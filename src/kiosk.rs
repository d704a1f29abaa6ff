//! Wiring of a running kiosk from its configuration: texts, catalogue, the
//! queue, the background uploader, devices and the UI. `run` and `demo` both
//! come through here, so a demo is a panel with simulated devices.

use crate::app::Session;
use crate::config::Config;
use crate::devices::Devices;
use crate::forms::Catalogue;
use crate::i18n::{Lang, Texts};
use crate::queue::Queue;
use crate::ui::{Effects, KioskUi};
use anyhow::Context;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

pub struct Kiosk {
    pub ui: KioskUi,
    pub devices: Devices,
    /// Readiness and the screen's state, for the health report.
    pub health: crate::health::Flags,
    shutdown: Arc<tokio::sync::watch::Sender<bool>>,
    health_path: std::path::PathBuf,
}

impl Kiosk {
    /// Stops the background uploader and the health reporter, and removes
    /// the health report now: the process may end before the reporter runs again.
    pub fn shutdown(&self) {
        (self.stopper())()
    }

    /// [`Kiosk::shutdown`] for another thread (a signal handler).
    pub fn stopper(&self) -> impl Fn() + Send + Sync + 'static {
        let (tx, path) = (self.shutdown.clone(), self.health_path.clone());
        move || {
            let _ = tx.send(true);
            let _ = std::fs::remove_file(&path);
        }
    }
}

/// The services on offer: the configured folder, or the built-in ones.
pub fn catalogue(cfg: &Config) -> anyhow::Result<Catalogue> {
    let c = match &cfg.kiosk.forms_dir {
        Some(dir) => Catalogue::load_dir(dir).with_context(|| format!("reading forms folder {}", dir.display()))?,
        None => Catalogue::builtin(),
    };
    c.log_broken();
    Ok(c)
}

/// Says in the log, once at start, what to do when the intake's certificate
/// is refused for a reason a technician can fix (a CA certificate used as the
/// server's, an untrusted CA, a wrong host name); the uploader then only retries.
pub async fn explain_intake_tls(client: crate::upload::IntakeClient) {
    if let Err(e) = client.health().await {
        if let Some(advice) = crate::crypto::tls_advice(&e) {
            tracing::error!(error = %e, "cannot reach the intake: {advice}");
        }
    }
}

/// The staff desk's self-test: the technician's checks of this configuration,
/// run on the kiosk's own devices (it holds them, so it tests them).
struct DeskSelfTest(Arc<Config>);

impl crate::ui::DeskSelfTest for DeskSelfTest {
    fn run<'a>(
        &'a self,
        devices: &'a Devices,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Vec<crate::health::Check>> + Send + 'a>> {
        // No waiting for a card or a QR here: the technician is at the desk, not at the reader.
        let opts = crate::selftest::Options::default();
        Box::pin(crate::selftest::run(&self.0, crate::selftest::Source::Direct(devices), opts))
    }
}

/// Builds the kiosk. Call on the UI thread once the Slint platform is chosen.
pub fn build(cfg: &Config, runtime: tokio::runtime::Handle, devices: Devices) -> anyhow::Result<Kiosk> {
    let texts = Arc::new(Texts::load(cfg.kiosk.texts_dir.as_deref())?);
    let catalogue = Arc::new(catalogue(cfg)?);
    let queue_path = cfg.queue_path();
    let mut queue = match Queue::open_checked(&queue_path) {
        Ok(q) => q,
        Err(e @ crate::queue::QueueError::Corrupt { .. }) => {
            // Reported loudly, kept for a technician; the panel goes on with a new queue.
            tracing::error!(error = %e, "queue database corrupt");
            Queue::open(&queue_path)?
        }
        Err(e) => return Err(e).with_context(|| format!("opening queue {}", queue_path.display())),
    };
    // The reserve counts each envelope's own size (pages make megabytes).
    queue.keep_free(&cfg.kiosk.data_dir, cfg.kiosk.min_free_mb);
    let uploader_queue = Queue::open(&queue_path)?;
    let wake = Arc::new(Notify::new());
    let (shutdown, shutdown_rx) = tokio::sync::watch::channel(false);
    let uploader = cfg.uploader(uploader_queue, wake.clone());
    runtime.spawn(uploader.run(shutdown_rx.clone()));
    runtime.spawn(explain_intake_tls(cfg.intake_client(Duration::from_secs(15))));
    let health = crate::health::Flags::default();
    let reporter = crate::health::Reporter {
        path: cfg.health_path(),
        board: cfg.board()?.name,
        devices: devices.clone(),
        flags: health.clone(),
        queue: Some(queue_path.clone()),
    };
    runtime.spawn(reporter.run(shutdown_rx));
    let languages: Vec<Lang> = cfg.kiosk.languages.iter().filter_map(|l| Lang::parse(l)).collect();
    let status_url_base = cfg.status_url_base();
    let effects = Effects {
        runtime,
        queue: Arc::new(Mutex::new(queue)),
        devices: devices.clone(),
        texts: texts.clone(),
        intake: cfg.intake_client(Duration::from_secs(cfg.intake.status_timeout_secs)),
        wake_uploader: wake,
        sealer: Arc::new(cfg.sealer()?),
        letterhead: Arc::new(cfg.letterhead(texts.clone())),
        forms_dir: cfg.kiosk.forms_dir.clone(),
        selftest: Arc::new(DeskSelfTest(Arc::new(cfg.clone()))),
        data_dir: cfg.kiosk.data_dir.clone(),
        min_free_mb: cfg.kiosk.min_free_mb,
        municipality: cfg.kiosk.municipality.clone(),
        status_url_base: status_url_base.clone(),
        status_timeout: Duration::from_secs(cfg.intake.status_timeout_secs),
        scan_timeout: Duration::from_secs(30),
        print: Arc::new(cfg.print_settings()),
        catalogue: catalogue.clone(),
        staff: Arc::new(
            cfg.staff
                .members
                .iter()
                .map(|m| crate::app::staff::Member {
                    name: m.name.clone(),
                    pin_hash: m.pin_hash.clone(),
                    badge: m.badge.clone(),
                })
                .collect(),
        ),
    };
    let ui = KioskUi::new(
        Session::new(catalogue, languages).with_texts(texts.clone()).with_privacy_screen(cfg.kiosk.privacy_screen),
        texts,
        effects,
        &cfg.kiosk.municipality,
        status_url_base,
        crate::ui::Timing {
            idle_timeout: Duration::from_secs(cfg.kiosk.idle_timeout_secs),
            idle_warning: cfg.kiosk.idle_warning_secs as u32,
            staff_idle_timeout: Duration::from_secs(cfg.staff.idle_timeout_secs),
            screen_off_after: (cfg.kiosk.screen_off_after_secs > 0)
                .then(|| Duration::from_secs(cfg.kiosk.screen_off_after_secs)),
        },
        health.clone(),
    )?;
    Ok(Kiosk { ui, devices, health, shutdown: Arc::new(shutdown), health_path: cfg.health_path() })
}

/// Chooses the off-screen renderer: the real UI, drawn by Slint's software
/// renderer into memory, with no display. Must run before any window exists.
/// With `mock_time`, Slint's timers (the idle countdown) only move when a
/// test advances the clock with `i_slint_backend_testing::mock_elapsed_time`.
pub fn use_headless_platform(mock_time: bool) -> anyhow::Result<()> {
    let backend = i_slint_backend_testing::TestingBackend::new(i_slint_backend_testing::TestingBackendOptions {
        mock_time,
        threading: true,
        renderer_name: Some("software".into()),
    });
    slint::platform::set_platform(Box::new(backend))
        .map_err(|e| anyhow::anyhow!("cannot set the headless platform: {e:?}"))
}
