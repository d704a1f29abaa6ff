//! The running UI's state: the session, its texts and effects, and the
//! clocks (idle, capacity, forms folder, screen). Every event goes through
//! [`Inner::dispatch`]: the session decides, the view is re-applied, effects
//! run on tokio and come back as events.

use super::apply;
use super::effects::Effects;
use super::generated::*;
use crate::app::view::{view, View};
use crate::app::{Event, Session};
use crate::i18n::Texts;
use slint::ComponentHandle;
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

pub(super) struct Inner {
    pub(super) window: slint::Weak<AppWindow>,
    pub(super) session: RefCell<Session>,
    pub(super) texts: std::sync::Arc<Texts>,
    pub(super) effects: Effects,
    pub(super) status_url_base: String,
    pub(super) last_qr_url: RefCell<String>,
    pub(super) idle: slint::Timer,
    pub(super) idle_timeout: Duration,
    pub(super) idle_warning: u32,
    /// Staff mode leaves itself sooner: an unattended desk is a risk.
    pub(super) staff_idle_timeout: Duration,
    pub(super) capacity: slint::Timer,
    pub(super) forms_watch: slint::Timer,
    pub(super) screen: RefCell<crate::screen::Blanker>,
    /// The health report shows whether the screen sleeps.
    pub(super) health: crate::health::Flags,
    pub(super) screen_timer: slint::Timer,
    /// The screen's clock: advanced by `screen_timer` (Slint time, mockable in tests).
    pub(super) screen_clock: std::cell::Cell<Duration>,
    /// The last sentences said, for the keypad's "repeat".
    pub(super) last_said: RefCell<Vec<String>>,
    /// The volume and rate the speaker was last given.
    pub(super) voice: std::cell::Cell<(u8, u8)>,
}

impl Inner {
    pub(super) fn dispatch(self: &Rc<Self>, event: Event) {
        // Spoken guidance compares the screen before and after the event.
        let speaking = self.session.borrow().speech
            || matches!(event, Event::ToggleSpeech | Event::Headphones(_) | Event::Keypad { .. });
        let before = speaking.then(|| view(&self.session.borrow(), &self.texts, &self.status_url_base));
        let effects = self.session.borrow_mut().handle(event.clone());
        // The fleet client installs no update while someone is at the panel.
        self.health.set_session_active(self.session.borrow().screen != crate::app::Screen::Home);
        let after = self.render();
        if let (Some(before), Some(after)) = (before, after) {
            self.speak(&before, &after, &event);
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

    /// Says what the event changed, cutting off what was being said: a
    /// citizen who moves on hears the new place, never a queue of old ones.
    fn speak(&self, before: &View, after: &View, event: &Event) {
        let speaker = &self.effects.devices.speaker;
        if self.voice.get() != (after.volume, after.rate) {
            self.voice.set((after.volume, after.rate));
            speaker.set_voice(after.volume, after.rate);
        }
        let mut sentences = crate::app::speech::utterances(before, after, event, &self.texts);
        if after.repeat && after.speech {
            sentences = self.last_said.borrow().clone();
        }
        if sentences.is_empty() {
            if matches!(event, Event::Keypad { .. }) && after.speech {
                speaker.stop();
            }
            return;
        }
        speaker.say_all(&sentences, after.lang);
        *self.last_said.borrow_mut() = sentences;
    }

    pub(super) fn check_capacity(self: &Rc<Self>) {
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
    pub(super) fn watch_forms(self: &Rc<Self>) {
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
    pub(super) fn arm_idle_timer(self: &Rc<Self>) {
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

    pub(super) fn render(&self) -> Option<View> {
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
