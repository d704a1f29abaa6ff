//! The fleet client's decisions, pure: when an update may be installed, which
//! of the server's hashes to check, what a boot after an install means, and
//! which of the kiosk's health facts go to the server. No I/O, no clock:
//! times come in as numbers.

use crate::health::Report;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Maintenance hours, local time, minutes since midnight; `end` may be
/// before `start` (the window wraps midnight).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: u16,
    pub end: u16,
}

impl Window {
    /// `"02:00-05:00"`.
    pub fn parse(s: &str) -> Result<Window, String> {
        let bad = || format!("`{s}`: write the hours as HH:MM-HH:MM, e.g. \"02:00-05:00\"");
        let (a, b) = s.split_once('-').ok_or_else(bad)?;
        let minutes = |t: &str| -> Option<u16> {
            let (h, m) = t.trim().split_once(':')?;
            let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
            (h <= 24 && m < 60 && h * 60 + m <= 1440).then_some(h * 60 + m)
        };
        let (start, end) = (minutes(a).ok_or_else(bad)?, minutes(b).ok_or_else(bad)?);
        if start == end {
            return Err(format!("`{s}`: the window is empty"));
        }
        Ok(Window { start, end })
    }

    pub fn contains(&self, minute_of_day: u16) -> bool {
        if self.start < self.end {
            (self.start..self.end).contains(&minute_of_day)
        } else {
            minute_of_day >= self.start || minute_of_day < self.end
        }
    }
}

/// Whether a downloaded, verified bundle may be installed now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Go {
    Install,
    /// Not now; the reason goes to the server as feedback and to the journal.
    Wait(String),
}

/// A citizen's session is never interrupted, not even by a `forced`
/// deployment (forced only overrides the maintenance hours): a session ends
/// within minutes (the idle timeout wipes it), an interrupted citizen loses
/// what was typed.
pub fn may_install(forced: bool, session_active: bool, window: Option<Window>, minute_of_day: u16) -> Go {
    if session_active {
        return Go::Wait("waiting: a citizen is using the kiosk".into());
    }
    match window {
        Some(w) if !forced && !w.contains(minute_of_day) => Go::Wait(format!(
            "waiting for the maintenance hours {:02}:{:02}-{:02}:{:02}",
            w.start / 60,
            w.start % 60,
            w.end / 60,
            w.end % 60
        )),
        _ => Go::Install,
    }
}

/// A digest algorithm the DDI server may give for an artifact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algo {
    Sha256,
    Sha1,
    Md5,
}

/// The strongest hash the server gave (hawkBit gives all three, gooseBit only sha1).
pub fn pick_hash(hashes: &BTreeMap<String, String>) -> Option<(Algo, String)> {
    [("sha256", Algo::Sha256), ("sha1", Algo::Sha1), ("md5", Algo::Md5)]
        .into_iter()
        .find_map(|(k, a)| hashes.get(k).filter(|v| !v.is_empty()).map(|v| (a, v.to_ascii_lowercase())))
}

/// Space kept free beside a download: the kiosk's queue may share the partition.
pub const KEEP_FREE: u64 = 64 << 20;

/// Why a download of `size` bytes (`have` of them already there) cannot fit in `free`.
pub fn no_room(size: u64, have: u64, free: u64) -> Option<String> {
    let need = size.saturating_sub(have) + KEEP_FREE;
    (need > free).then(|| {
        format!(
            "not enough space: the bundle needs {} MB more (and {} MB kept free), {} MB are free; \
             point [fleet] download_dir at a larger file system",
            size.saturating_sub(have) >> 20,
            KEEP_FREE >> 20,
            free >> 20
        )
    })
}

/// What RAUC says about the slots (`rauc status --output-format=json`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RaucStatus {
    #[serde(default)]
    pub compatible: String,
    /// The booted slot's bootname (`A`, `B`).
    #[serde(default)]
    pub booted: String,
    #[serde(default)]
    pub slots: Vec<BTreeMap<String, Slot>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Slot {
    #[serde(default)]
    pub bootname: Option<String>,
    #[serde(default)]
    pub boot_status: Option<String>,
    #[serde(default)]
    pub slot_status: Option<serde_json::Value>,
}

impl RaucStatus {
    fn slot(&self, bootname: &str) -> Option<&Slot> {
        self.slots.iter().flat_map(|m| m.values()).find(|s| s.bootname.as_deref() == Some(bootname))
    }

    /// The bundle version RAUC installed into the booted slot, if it installed one.
    pub fn booted_version(&self) -> Option<String> {
        let s = self.slot(&self.booted)?.slot_status.as_ref()?;
        s.pointer("/bundle/version").and_then(|v| v.as_str()).map(str::to_owned)
    }
}

/// What the client stored before rebooting into an update.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Installed {
    pub action_id: String,
    pub version: String,
    /// The slot the panel ran when it installed (the one it falls back to).
    pub from_slot: String,
    pub installed_ms: i64,
}

/// How long after the install a new slot may stay unconfirmed: the gate
/// tries five times a minute apart, a boot under way takes a few minutes.
pub const GATE_PATIENCE_MS: i64 = 30 * 60 * 1000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The new slot runs and the health gate marked it good.
    Success(String),
    Failure(String),
    /// The new slot runs but the gate has not decided yet.
    Pending,
}

/// The result of an install, read after the reboot. RAUC's own view decides
/// (not a file of ours): the gate's `rauc status mark-good` is what makes the
/// booted slot `good` (GRUB: OK=1, TRY=0; the Pi backend: config.txt names
/// it), a failed gate's rollback brings the old slot back as the booted one.
pub fn boot_outcome(installed: &Installed, status: &RaucStatus, now_ms: i64) -> Outcome {
    if status.booted == installed.from_slot {
        let other = status
            .slots
            .iter()
            .flat_map(|m| m.values())
            .find(|s| s.bootname.is_some() && s.bootname.as_deref() != Some(&installed.from_slot));
        let how = other
            .and_then(|s| Some(format!("slot {} is {}", s.bootname.as_deref()?, s.boot_status.as_deref()?)))
            .unwrap_or_else(|| "the other slot's state is unknown".into());
        return Outcome::Failure(format!(
            "update to {} rolled back: the panel runs slot {} again ({how}); the health gate failed or the new system \
             did not come up (journalctl -u ghiseu-health on the panel)",
            installed.version, status.booted
        ));
    }
    let good = status.slot(&status.booted).and_then(|s| s.boot_status.as_deref()) == Some("good");
    if good {
        Outcome::Success(format!(
            "{} runs in slot {}, marked good by the health gate",
            installed.version, status.booted
        ))
    } else if now_ms - installed.installed_ms > GATE_PATIENCE_MS {
        Outcome::Failure(format!(
            "slot {} runs {} but the health gate has not marked it good in {} minutes",
            status.booted,
            installed.version,
            GATE_PATIENCE_MS / 60_000
        ))
    } else {
        Outcome::Pending
    }
}

/// The health report's essentials as attributes: counts, states and times,
/// never a name, a CNP or a tracking code. `None`: the kiosk is not running.
pub fn health_attributes(report: Option<&Report>, now_ms: i64) -> BTreeMap<String, String> {
    let mut a = BTreeMap::new();
    let Some(r) = report else {
        a.insert("kiosk_state".into(), "not running".into());
        return a;
    };
    a.insert("kiosk_state".into(), if r.ready { "ready" } else { "starting" }.into());
    for c in &r.devices {
        // The device's own words (paper out, not connected), not its path.
        let state = if c.ok { "ok".to_owned() } else { short(&c.detail) };
        a.insert(format!("{}_state", c.name), state);
    }
    if let Some(q) = &r.queue {
        a.insert("queue_pending".into(), q.pending.to_string());
        a.insert("queue_rejected".into(), q.rejected.to_string());
        let age = q.oldest_pending_ms.map(|t| coarse_age((now_ms - t).max(0) / 1000).to_string());
        a.insert("queue_oldest_age_secs".into(), age.unwrap_or_else(|| "0".into()));
        let last = q.last_upload_ms.and_then(|t| jiff::Timestamp::from_millisecond(t).ok());
        a.insert("last_upload".into(), last.map(|t| t.to_string()).unwrap_or_else(|| "never".into()));
    }
    if let Some(mb) = r.disk_free_mb {
        a.insert("disk_free_mb".into(), (mb / 10 * 10).to_string());
    }
    a
}

/// Attributes are sent when they change: an age counted in seconds would
/// change at every poll. Ten-minute steps under a day, hours after.
fn coarse_age(secs: i64) -> i64 {
    let step = if secs < 86_400 { 600 } else { 3_600 };
    secs / step * step
}

/// hawkBit keeps attribute values to 128 characters.
fn short(detail: &str) -> String {
    // Device paths say nothing a technician in the office needs; keep what follows them.
    let text = detail.rsplit_once(": ").map(|(_, t)| t).unwrap_or(detail);
    text.chars().take(120).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maintenance_hours_parse_and_may_wrap_midnight() {
        let w = Window::parse("02:00-05:00").unwrap();
        assert!(w.contains(120) && w.contains(299) && !w.contains(300) && !w.contains(90));
        let night = Window::parse("22:30-04:00").unwrap();
        assert!(night.contains(23 * 60) && night.contains(0) && night.contains(239) && !night.contains(12 * 60));
        assert!(Window::parse("2-5").unwrap_err().contains("HH:MM-HH:MM"));
        assert!(Window::parse("03:00-03:00").is_err());
        assert!(Window::parse("25:00-03:00").is_err());
    }

    #[test]
    fn a_session_is_never_interrupted_and_forced_skips_only_the_hours() {
        let w = Some(Window::parse("02:00-05:00").unwrap());
        assert_eq!(may_install(false, false, w, 3 * 60), Go::Install);
        assert!(matches!(may_install(false, false, w, 12 * 60), Go::Wait(r) if r.contains("02:00-05:00")));
        assert_eq!(may_install(true, false, w, 12 * 60), Go::Install);
        assert!(matches!(may_install(true, true, w, 3 * 60), Go::Wait(r) if r.contains("citizen")));
        assert_eq!(may_install(false, false, None, 12 * 60), Go::Install);
    }

    #[test]
    fn the_strongest_hash_given_is_checked() {
        let mut h = BTreeMap::new();
        h.insert("md5".to_owned(), "AA".to_owned());
        assert_eq!(pick_hash(&h), Some((Algo::Md5, "aa".into())));
        h.insert("sha1".to_owned(), "bb".to_owned());
        assert_eq!(pick_hash(&h), Some((Algo::Sha1, "bb".into())));
        h.insert("sha256".to_owned(), "cc".to_owned());
        assert_eq!(pick_hash(&h), Some((Algo::Sha256, "cc".into())));
        assert_eq!(pick_hash(&BTreeMap::new()), None);
    }

    #[test]
    fn health_attributes_change_only_when_something_a_technician_sees_changes() {
        use crate::health::{Check, QueueHealth};
        let report = |now: i64, free: u64| Report {
            pid: 1,
            version: "0.1.0".into(),
            updated_ms: now,
            ready: true,
            board: "t".into(),
            screen_on: true,
            devices: vec![Check::new("printer", Err("/dev/usb/lp0: paper out".into()))],
            session_active: false,
            queue: Some(QueueHealth { pending: 2, rejected: 0, oldest_pending_ms: Some(0), last_upload_ms: None }),
            disk_free_mb: Some(free),
            start_ticks: 0,
            boot_id: String::new(),
        };
        let a = health_attributes(Some(&report(700_000, 812)), 700_000);
        assert_eq!(a["printer_state"], "paper out");
        assert_eq!((a["queue_pending"].as_str(), a["queue_oldest_age_secs"].as_str()), ("2", "600"));
        assert_eq!((a["disk_free_mb"].as_str(), a["last_upload"].as_str()), ("810", "never"));
        // Five minutes later, a few kB written: nothing to send.
        assert_eq!(health_attributes(Some(&report(1_000_000, 811)), 1_000_000), a);
        assert_eq!(health_attributes(None, 0)["kiosk_state"], "not running");
    }

    #[test]
    fn a_bundle_that_cannot_fit_is_refused_with_the_numbers() {
        assert_eq!(no_room(300 << 20, 0, 1 << 30), None);
        let msg = no_room(300 << 20, 0, 200 << 20).unwrap();
        assert!(msg.contains("300 MB more") && msg.contains("200 MB are free"), "{msg}");
        // What already arrived counts.
        assert_eq!(no_room(300 << 20, 250 << 20, 200 << 20), None);
    }

    fn status(booted: &str, a: &str, b: &str) -> RaucStatus {
        serde_json::from_value(serde_json::json!({
            "compatible": "ghiseu-amd64", "booted": booted,
            "slots": [
                {"rootfs.0": {"bootname": "A", "boot_status": a, "slot_status": {"bundle": {"version": "0.1.0"}}}},
                {"rootfs.1": {"bootname": "B", "boot_status": b, "slot_status": {"bundle": {"version": "0.2.0"}}}}
            ]
        }))
        .unwrap()
    }

    #[test]
    fn success_only_once_the_new_slot_is_booted_and_marked_good() {
        let i = Installed { action_id: "1".into(), version: "0.2.0".into(), from_slot: "A".into(), installed_ms: 0 };
        assert_eq!(boot_outcome(&i, &status("B", "good", "bad"), 60_000), Outcome::Pending);
        assert!(
            matches!(boot_outcome(&i, &status("B", "good", "good"), 60_000), Outcome::Success(m) if m.contains("slot B"))
        );
        assert!(
            matches!(boot_outcome(&i, &status("A", "good", "bad"), 60_000), Outcome::Failure(m) if m.contains("rolled back") && m.contains("slot B is bad"))
        );
        assert!(matches!(boot_outcome(&i, &status("B", "good", "bad"), GATE_PATIENCE_MS + 1), Outcome::Failure(_)));
        assert_eq!(status("B", "good", "good").booted_version().as_deref(), Some("0.2.0"));
    }
}
