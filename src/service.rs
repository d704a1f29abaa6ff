//! Living under systemd: readiness, the watchdog and the journal.
//!
//! `ghiseu.service` is `Type=notify`: the kiosk says READY=1 only once the
//! queue database is open and the first frame has been drawn, and it feeds
//! `WatchdogSec=` from a timer on the UI thread, so a UI that hangs stops
//! the feeding and systemd restarts it. Outside systemd (no `NOTIFY_SOCKET`)
//! every call here does nothing.
//!
//! Logs go to the journal with their priority when the process runs under
//! systemd, otherwise to standard error. What is logged is the caller's
//! business; the rule stays: never personal data.

use std::time::Duration;

/// Whether systemd is listening for notifications.
pub fn under_systemd() -> bool {
    std::env::var_os("NOTIFY_SOCKET").is_some()
}

/// Tells systemd the service is ready, with a status line for `systemctl status`.
pub fn notify_ready(status: &str) {
    if let Err(e) = sd_notify::notify(false, &[sd_notify::NotifyState::Ready, sd_notify::NotifyState::Status(status)]) {
        tracing::warn!(error = %e, "cannot notify systemd");
    }
}

/// Updates the status line shown by `systemctl status`.
pub fn notify_status(status: &str) {
    let _ = sd_notify::notify(false, &[sd_notify::NotifyState::Status(status)]);
}

/// Tells systemd the service is stopping (a clean exit is then not a crash).
pub fn notify_stopping() {
    let _ = sd_notify::notify(false, &[sd_notify::NotifyState::Stopping]);
}

/// How often to feed the watchdog: half of `WatchdogSec=`, or `None` when
/// the service has no watchdog.
pub fn watchdog_period() -> Option<Duration> {
    let mut usec = 0;
    if sd_notify::watchdog_enabled(false, &mut usec) && usec > 0 {
        Some(Duration::from_micros(usec / 2))
    } else {
        None
    }
}

fn feed_watchdog() {
    let _ = sd_notify::notify(false, &[sd_notify::NotifyState::Watchdog]);
}

/// Feeds the watchdog from the Slint event loop for as long as the returned
/// timer lives. Call on the UI thread; a blocked event loop stops the feeding.
pub fn watchdog_on_event_loop() -> Option<slint::Timer> {
    let period = watchdog_period()?;
    let timer = slint::Timer::default();
    timer.start(slint::TimerMode::Repeated, period, feed_watchdog);
    feed_watchdog();
    tracing::info!(period_ms = period.as_millis() as u64, "feeding the systemd watchdog from the UI event loop");
    Some(timer)
}

/// Runs `then` on the UI thread once the first frame has been drawn.
///
/// Slint's software renderer has no rendering notifier, so this counts on the
/// event loop's order (timers, then rendering, then waiting for events): a
/// zero-delay timer started before the loop fires in its first turn, before
/// anything is drawn; the one it starts fires in the second turn, after the
/// first frame was rendered and handed to the display.
pub fn after_first_frame(then: impl FnOnce() + 'static) {
    slint::Timer::single_shot(Duration::ZERO, move || {
        slint::Timer::single_shot(Duration::ZERO, then);
    });
}

/// Installs the log subscriber: the journal (with priorities and fields)
/// under systemd, standard error otherwise. `GHISEU_LOG` filters both.
pub fn init_logging() {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let filter = tracing_subscriber::EnvFilter::try_from_env("GHISEU_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,ghiseu=info"));
    // JOURNAL_STREAM is set when systemd connected stderr to the journal.
    let journal = std::env::var_os("JOURNAL_STREAM").and_then(|_| tracing_journald::layer().ok());
    match journal {
        Some(layer) => {
            tracing_subscriber::registry().with(filter).with(layer.with_syslog_identifier("ghiseu".into())).init()
        }
        None => tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init(),
    }
}
