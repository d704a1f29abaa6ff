//! The screen's sleep, wired to the UI: touches and the presence sensor wake
//! it, a countdown at rest darkens it ([`crate::screen::Blanker`] decides;
//! this module feeds it and carries out its answer: the black overlay, the
//! backlight, the health report).

use super::generated::*;
use super::inner::Inner;
use std::rc::Rc;
use std::time::Duration;

/// How often the screen's sleep is reconsidered, and the presence sensor read.
const SCREEN_TICK: Duration = Duration::from_secs(5);
const PRESENCE_POLL: Duration = Duration::from_millis(200);

impl Inner {
    /// Someone is at the panel: the screen lights (if asleep) and its countdown restarts.
    pub(super) fn wake(self: &Rc<Self>) {
        if let Some(on) = self.screen.borrow_mut().activity(self.screen_clock.get()) {
            self.set_screen(on);
        }
    }

    /// The screen sleeps and wakes: the presence sensor polled on its own
    /// thread (edges come here as they happen), the countdown every few seconds.
    pub(super) fn watch_screen(self: &Rc<Self>) {
        // The sensor is read on its own thread only (a device call); a board
        // without one ends the thread at its first read.
        let board = self.effects.devices.board.clone();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        std::thread::Builder::new()
            .name("presence".into())
            .spawn(move || {
                let Ok(Some(mut last)) = board.presence() else { return };
                if tx.send(last).is_err() {
                    return;
                }
                loop {
                    std::thread::sleep(PRESENCE_POLL);
                    match board.presence() {
                        Ok(Some(now)) if now != last => {
                            last = now;
                            if tx.send(now).is_err() {
                                return;
                            }
                        }
                        _ if tx.is_closed() => return,
                        _ => {}
                    }
                }
            })
            .expect("the presence thread starts");
        let weak = Rc::downgrade(self);
        let _ = slint::spawn_local(async move {
            while let Some(present) = rx.recv().await {
                let Some(inner) = weak.upgrade() else { return };
                let change = inner.screen.borrow_mut().presence(present, inner.screen_clock.get());
                if let Some(on) = change {
                    inner.set_screen(on);
                }
            }
        });
        let weak = Rc::downgrade(self);
        self.screen_timer.start(slint::TimerMode::Repeated, SCREEN_TICK, move || {
            let Some(inner) = weak.upgrade() else { return };
            inner.screen_clock.set(inner.screen_clock.get() + SCREEN_TICK);
            let at_rest = inner.session.borrow().screen == crate::app::Screen::Home;
            let change = inner.screen.borrow_mut().tick(inner.screen_clock.get(), at_rest);
            if let Some(on) = change {
                inner.set_screen(on);
            }
        });
    }

    fn set_screen(self: &Rc<Self>, on: bool) {
        tracing::info!(on, "screen {}", if on { "wakes" } else { "sleeps: nobody at the panel" });
        self.health.set_screen_on(on);
        if let Some(w) = self.window.upgrade() {
            w.global::<AppAdapter>().set_screen_off(!on);
        }
        let backlight = self.effects.devices.backlight.clone();
        self.effects.runtime.spawn_blocking(move || {
            if let Err(e) = backlight.set(on) {
                tracing::warn!(backlight = %backlight.describe(), error = %e, "cannot switch the backlight");
            }
        });
    }
}
