//! The Slint adapter: binds the session ([`crate::app`]) to `ui/app.slint`.
//!
//! Every callback from the UI becomes an [`Event`]; the session decides; the
//! adapter re-renders from [`view`] and carries out the effects. Effects run on
//! the tokio runtime (devices and SQLite on its blocking pool, HTTP on its
//! workers) and come back as events through `slint::spawn_local`, so the UI
//! thread never waits on disk, network or a device.
//!
//! Each page of `ui/pages/` has its own adapter global (`HomeAdapter`,
//! `FormAdapter`, …) and `AppAdapter` holds what spans pages. This module
//! holds the running UI and its timers; `bind.rs` turns each adapter's
//! callbacks into events, `apply.rs` pushes the view into each adapter, and
//! `screen_wiring.rs` sleeps and wakes the screen.

mod apply;
mod bind;
mod effects;
mod screen_wiring;

use crate::app::view::{view, View};
use crate::app::{Event, Session};
use crate::i18n::Texts;
use slint::ComponentHandle;
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

pub use effects::{DeskSelfTest, Effects};

/// The kiosk's clocks: idle warning and wipe, the staff desk's timeout, the screen's sleep.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub idle_timeout: Duration,
    pub idle_warning: u32,
    /// Staff mode leaves itself sooner: an unattended desk is a risk.
    pub staff_idle_timeout: Duration,
    /// Nobody there this long, at rest: the screen sleeps. `None`: never.
    pub screen_off_after: Option<Duration>,
}

slint::include_modules!();

/// The running kiosk UI.
pub struct KioskUi {
    pub window: AppWindow,
    inner: Rc<Inner>,
}

struct Inner {
    window: slint::Weak<AppWindow>,
    session: RefCell<Session>,
    texts: std::sync::Arc<Texts>,
    effects: Effects,
    status_url_base: String,
    last_qr_url: RefCell<String>,
    idle: slint::Timer,
    idle_timeout: Duration,
    idle_warning: u32,
    /// Staff mode leaves itself sooner: an unattended desk is a risk.
    staff_idle_timeout: Duration,
    capacity: slint::Timer,
    forms_watch: slint::Timer,
    screen: RefCell<crate::screen::Blanker>,
    /// The health report shows whether the screen sleeps.
    health: crate::health::Flags,
    screen_timer: slint::Timer,
    /// The screen's clock: advanced by `screen_timer` (Slint time, mockable in tests).
    screen_clock: std::cell::Cell<Duration>,
}

impl KioskUi {
    pub fn new(
        session: Session,
        texts: std::sync::Arc<Texts>,
        effects: Effects,
        municipality: &str,
        status_url_base: String,
        timing: Timing,
        health: crate::health::Flags,
    ) -> Result<KioskUi, slint::PlatformError> {
        let window = AppWindow::new()?;
        window.global::<AppAdapter>().set_municipality(municipality.into());
        let inner = Rc::new(Inner {
            window: window.as_weak(),
            session: RefCell::new(session),
            texts,
            effects,
            status_url_base,
            last_qr_url: RefCell::default(),
            idle: slint::Timer::default(),
            idle_timeout: timing.idle_timeout,
            idle_warning: timing.idle_warning,
            staff_idle_timeout: timing.staff_idle_timeout,
            capacity: slint::Timer::default(),
            forms_watch: slint::Timer::default(),
            screen: RefCell::new(crate::screen::Blanker::new(timing.screen_off_after, Duration::ZERO)),
            screen_clock: std::cell::Cell::new(Duration::ZERO),
            health,
            screen_timer: slint::Timer::default(),
        });
        bind::bind(&window, &inner);
        let _ = inner.render();
        // Codes from the QR reader arrive as events (the reader blocks on its own thread).
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let reader = inner.effects.devices.qr_reader.clone();
        std::thread::Builder::new()
            .name("qr-reader".into())
            .spawn(move || loop {
                if let Some(code) = reader.next_code(Duration::from_secs(1)) {
                    if tx.send(code).is_err() {
                        return;
                    }
                } else if tx.is_closed() {
                    return;
                }
            })
            .expect("the QR reader thread starts");
        let weak = Rc::downgrade(&inner);
        let _ = slint::spawn_local(async move {
            while let Some(code) = rx.recv().await {
                let Some(inner) = weak.upgrade() else { return };
                inner.wake();
                inner.dispatch(Event::QrScanned(code));
            }
        });
        // Disk room, checked now and every 30 s, off the UI thread.
        inner.check_capacity();
        let weak = Rc::downgrade(&inner);
        inner.capacity.start(slint::TimerMode::Repeated, Duration::from_secs(30), move || {
            if let Some(inner) = weak.upgrade() {
                inner.check_capacity();
            }
        });
        inner.watch_forms();
        inner.watch_screen();
        Ok(KioskUi { window, inner })
    }

    /// Feeds an event as if it came from the UI (used by the idle timer and tests).
    pub fn dispatch(&self, event: Event) {
        self.inner.dispatch(event);
    }
}

impl Inner {
    fn dispatch(self: &Rc<Self>, event: Event) {
        // Spoken guidance compares the screen before and after the event.
        let speaking = self.session.borrow().speech || matches!(event, Event::ToggleSpeech);
        let before = speaking.then(|| view(&self.session.borrow(), &self.texts, &self.status_url_base));
        let effects = self.session.borrow_mut().handle(event.clone());
        let after = self.render();
        if let (Some(before), Some(after)) = (before, after) {
            for sentence in crate::app::speech::utterances(&before, &after, &event, &self.texts) {
                self.effects.devices.speaker.say(&sentence, after.lang);
            }
        }
        for effect in effects {
            let this = self.clone();
            let fut = self.effects.run(effect);
            // The effect runs on tokio; this local task only waits for its event.
            let _ = slint::spawn_local(async move {
                if let Ok(event) = fut.await {
                    this.dispatch(event);
                }
            });
        }
        self.arm_idle_timer();
    }

    fn check_capacity(self: &Rc<Self>) {
        let this = self.clone();
        let fut = self.effects.capacity();
        let _ = slint::spawn_local(async move {
            if let Ok(event) = fut.await {
                if this.session.borrow().accepting != matches!(event, Event::Capacity(true)) {
                    this.dispatch(event);
                }
            }
        });
    }

    /// Every 2 s, off the UI thread: if the forms folder changed, reload it
    /// and hand the new catalogue to the session (a broken file disables only
    /// its own service and shows the technician notice).
    fn watch_forms(self: &Rc<Self>) {
        let Some(dir) = self.effects.forms_dir.clone() else { return };
        let seen = Rc::new(RefCell::new(crate::forms::Catalogue::fingerprint(&dir)));
        let weak = Rc::downgrade(self);
        self.forms_watch.start(slint::TimerMode::Repeated, Duration::from_secs(2), move || {
            let Some(inner) = weak.upgrade() else { return };
            let (dir, before) = (dir.clone(), seen.borrow().clone());
            let job = inner.effects.runtime.spawn_blocking(move || {
                let now = crate::forms::Catalogue::fingerprint(&dir);
                (now != before).then(|| (now, crate::forms::Catalogue::load_dir(&dir)))
            });
            let seen = seen.clone();
            let _ = slint::spawn_local(async move {
                let Ok(Some((now, loaded))) = job.await else { return };
                *seen.borrow_mut() = now;
                match loaded {
                    Ok(c) => {
                        tracing::info!(services = c.forms.len(), disabled = c.broken.len(), "forms folder reloaded");
                        c.log_broken();
                        inner.dispatch(Event::CatalogueChanged(std::sync::Arc::new(c)));
                    }
                    Err(e) => tracing::error!(error = %e, "forms folder unreadable; keeping the services loaded"),
                }
            });
        });
    }

    /// Restarts the idle countdown: after `idle_timeout` a warning counts
    /// down `idle_warning` seconds (a touch keeps the session), then the
    /// session is wiped.
    fn arm_idle_timer(self: &Rc<Self>) {
        let weak = Rc::downgrade(self);
        let staff = matches!(self.session.borrow().screen, crate::app::Screen::Staff | crate::app::Screen::StaffLogin);
        if staff {
            // Staff mode leaves itself, sooner and without the citizen's countdown.
            let timeout = self.staff_idle_timeout.min(self.idle_timeout);
            self.idle.start(slint::TimerMode::SingleShot, timeout, move || {
                if let Some(inner) = weak.upgrade() {
                    inner.dispatch(Event::IdleTimeout);
                }
            });
            return;
        }
        self.idle.start(slint::TimerMode::SingleShot, self.idle_timeout, move || {
            let Some(inner) = weak.upgrade() else { return };
            if inner.session.borrow().screen == crate::app::Screen::Home {
                return;
            }
            inner.session.borrow_mut().handle(Event::IdleWarning(inner.idle_warning));
            let _ = inner.render();
            let weak = Rc::downgrade(&inner);
            inner.idle.start(slint::TimerMode::Repeated, Duration::from_secs(1), move || {
                let Some(inner) = weak.upgrade() else { return };
                let left = inner.session.borrow().idle_warning;
                match left {
                    // A touch ended the warning: the next touch re-arms the timer.
                    None => inner.idle.stop(),
                    Some(n) if n <= 1 => {
                        inner.idle.stop();
                        inner.session.borrow_mut().handle(Event::IdleTimeout);
                        let _ = inner.render();
                    }
                    Some(n) => {
                        inner.session.borrow_mut().handle(Event::IdleWarning(n - 1));
                        let _ = inner.render();
                    }
                }
            });
        });
    }

    fn render(&self) -> Option<View> {
        let w = self.window.upgrade()?;
        let v = view(&self.session.borrow(), &self.texts, &self.status_url_base);
        apply::apply(&w, &v, &self.texts);
        if *self.last_qr_url.borrow() != v.receipt_url {
            w.global::<ReceiptAdapter>().set_qr(apply::qr_image(&v.receipt_url));
            *self.last_qr_url.borrow_mut() = v.receipt_url.clone();
        }
        Some(v)
    }
}
