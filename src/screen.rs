//! The screen sleeps when nobody is at the panel and wakes when someone comes.
//!
//! A lobby panel lit all night wears its backlight and draws power for no one.
//! [`Blanker`] decides (pure, clock passed in): the screen goes dark after
//! `kiosk.screen_off_after_secs` with nobody there, only when no citizen's
//! session is open (the home screen); a touch, a scanned code or the board's
//! presence sensor wakes it. While the sensor sees someone, the screen stays on.
//!
//! [`Backlight`] carries the decision out: the display's backlight through
//! sysfs (`bl_power`, as the Raspberry Pi touch displays and most panels
//! offer), named by the board file; without one the UI just shows black.

use std::path::{Path, PathBuf};
use std::time::Duration;

/// When the screen should be lit. Time is a [`Duration`] on the caller's
/// clock (the UI counts its own ticks, which tests can mock).
#[derive(Debug, Clone)]
pub struct Blanker {
    /// `None`: never sleep.
    off_after: Option<Duration>,
    last_seen: Duration,
    present: bool,
    on: bool,
}

impl Blanker {
    pub fn new(off_after: Option<Duration>, now: Duration) -> Blanker {
        Blanker { off_after, last_seen: now, present: false, on: true }
    }

    pub fn is_on(&self) -> bool {
        self.on
    }

    /// A touch, a card, a scanned code. Returns `Some(true)` when this woke the screen.
    pub fn activity(&mut self, now: Duration) -> Option<bool> {
        self.last_seen = now;
        self.turn(true)
    }

    /// The presence sensor changed. Someone arriving wakes the screen;
    /// someone leaving starts the countdown.
    pub fn presence(&mut self, present: bool, now: Duration) -> Option<bool> {
        self.present = present;
        self.last_seen = now;
        if present {
            self.turn(true)
        } else {
            None
        }
    }

    /// Called every few seconds. `at_rest`: no session is open (home screen,
    /// nothing typed), so darkening hides nobody's work. Returns `Some(false)`
    /// when the screen should go dark now.
    pub fn tick(&mut self, now: Duration, at_rest: bool) -> Option<bool> {
        let after = self.off_after?;
        if !at_rest || self.present {
            // The countdown starts when the session ends or the person leaves.
            self.last_seen = now;
            return None;
        }
        if now.saturating_sub(self.last_seen) >= after {
            self.turn(false)
        } else {
            None
        }
    }

    fn turn(&mut self, on: bool) -> Option<bool> {
        (self.on != on).then(|| {
            self.on = on;
            on
        })
    }
}

/// The display's backlight power.
#[derive(Debug, Clone, Default)]
pub struct Backlight {
    /// A sysfs backlight folder (`/sys/class/backlight/NAME`); `None`: no control.
    dir: Option<PathBuf>,
}

impl Backlight {
    /// From the board file's `display.backlight`: a folder, `"auto"` (the
    /// first one under `/sys/class/backlight`), or absent.
    pub fn from_board(setting: Option<&str>) -> Backlight {
        Backlight::with_root(setting, Path::new("/sys/class/backlight"))
    }

    fn with_root(setting: Option<&str>, root: &Path) -> Backlight {
        let dir = match setting {
            None | Some("none") => None,
            Some("auto") => {
                let mut found: Vec<PathBuf> =
                    std::fs::read_dir(root).into_iter().flatten().flatten().map(|e| e.path()).collect();
                found.sort();
                found.into_iter().next()
            }
            Some(path) => Some(PathBuf::from(path)),
        };
        Backlight { dir }
    }

    pub fn describe(&self) -> String {
        match &self.dir {
            Some(d) => d.display().to_string(),
            None => "no backlight control (the screen shows black)".into(),
        }
    }

    /// Lights or darkens the panel. Blocks on a sysfs write: call off the UI thread.
    pub fn set(&self, on: bool) -> std::io::Result<()> {
        let Some(dir) = &self.dir else { return Ok(()) };
        // FB_BLANK_UNBLANK = 0, FB_BLANK_POWERDOWN = 4.
        std::fs::write(dir.join("bl_power"), if on { "0\n" } else { "4\n" })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: Duration = Duration::from_secs(60);

    #[test]
    fn the_screen_sleeps_after_the_delay_at_rest_and_wakes_on_a_touch() {
        let t0 = Duration::ZERO;
        let mut b = Blanker::new(Some(5 * MIN), t0);
        assert_eq!(b.tick(t0 + 4 * MIN, true), None);
        assert!(b.is_on());
        assert_eq!(b.tick(t0 + 5 * MIN, true), Some(false));
        assert_eq!(b.tick(t0 + 6 * MIN, true), None, "already dark");
        assert_eq!(b.activity(t0 + 7 * MIN), Some(true));
        assert_eq!(b.activity(t0 + 7 * MIN), None, "already lit");
        assert_eq!(b.tick(t0 + 11 * MIN, true), None, "the delay counts from the touch");
        assert_eq!(b.tick(t0 + 12 * MIN, true), Some(false));
    }

    #[test]
    fn an_open_session_keeps_the_screen_lit() {
        let t0 = Duration::ZERO;
        let mut b = Blanker::new(Some(MIN), t0);
        assert_eq!(b.tick(t0 + 10 * MIN, false), None);
        assert!(b.is_on());
        // Back at rest (the session wiped): the full delay again, not at once.
        assert_eq!(b.tick(t0 + 10 * MIN + Duration::from_secs(30), true), None);
        assert_eq!(b.tick(t0 + 11 * MIN, true), Some(false));
    }

    #[test]
    fn the_presence_sensor_wakes_and_holds_the_screen() {
        let t0 = Duration::ZERO;
        let mut b = Blanker::new(Some(MIN), t0);
        assert_eq!(b.tick(t0 + MIN, true), Some(false));
        assert_eq!(b.presence(true, t0 + 2 * MIN), Some(true));
        assert_eq!(b.tick(t0 + 30 * MIN, true), None, "someone stands there");
        assert_eq!(b.presence(false, t0 + 31 * MIN), None);
        assert_eq!(b.tick(t0 + 31 * MIN + Duration::from_secs(59), true), None);
        assert_eq!(b.tick(t0 + 32 * MIN, true), Some(false));
    }

    #[test]
    fn never_sleeps_without_a_delay() {
        let t0 = Duration::ZERO;
        let mut b = Blanker::new(None, t0);
        assert_eq!(b.tick(t0 + 1000 * MIN, true), None);
        assert!(b.is_on());
    }

    #[test]
    fn the_backlight_is_powered_through_sysfs() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("10-0045");
        std::fs::create_dir(&dir).unwrap();
        let b = Backlight::with_root(Some("auto"), root.path());
        b.set(false).unwrap();
        assert_eq!(std::fs::read_to_string(dir.join("bl_power")).unwrap(), "4\n");
        b.set(true).unwrap();
        assert_eq!(std::fs::read_to_string(dir.join("bl_power")).unwrap(), "0\n");
        let none = Backlight::with_root(Some("auto"), &root.path().join("missing"));
        assert!(none.set(false).is_ok() && none.describe().contains("no backlight"));
    }
}
