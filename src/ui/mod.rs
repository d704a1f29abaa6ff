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
mod documents;
mod effects;
mod generated;
mod inner;
mod screen_wiring;

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

pub use generated::*;
use inner::Inner;

/// The running kiosk UI.
pub struct KioskUi {
    pub window: AppWindow,
    inner: Rc<Inner>,
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
            last_said: RefCell::default(),
            voice: std::cell::Cell::new((crate::app::keypad_state::STEPS / 2, crate::app::keypad_state::STEPS / 2)),
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
        inner.listen_keypad();
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
    /// Keys and jack changes arrive as events (the keypad blocks on its own thread).
    fn listen_keypad(self: &Rc<Self>) {
        use crate::devices::keypad::Input;
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let keypad = self.effects.devices.keypad.clone();
        std::thread::Builder::new()
            .name("keypad-input".into())
            .spawn(move || loop {
                if let Some(input) = keypad.next_input(Duration::from_secs(1)) {
                    if tx.send(input).is_err() {
                        return;
                    }
                } else if tx.is_closed() {
                    return;
                }
            })
            .expect("the keypad input thread starts");
        let weak = Rc::downgrade(self);
        let _ = slint::spawn_local(async move {
            while let Some(input) = rx.recv().await {
                let Some(inner) = weak.upgrade() else { return };
                inner.wake();
                let event = match input {
                    Input::Headphones(plugged) => Event::Headphones(plugged),
                    Input::Key(key) => Event::Keypad { key, now_ms: crate::now_ms() },
                };
                inner.dispatch(event);
            }
        });
    }
}
