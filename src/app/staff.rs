//! The staff desk's gate: who may enter, and the PIN lockout.
//!
//! PINs are stored only as Argon2 PHC strings in the configuration; checking
//! one costs tens of milliseconds on purpose, so it runs as an effect off the
//! UI thread ([`verify_pin`]) and the session only sees the verdict. The
//! lockout ([`PinGate`]) is pure and takes the time as an argument: five
//! wrong PINs in a row lock the desk for five minutes, across badge and
//! corner entries alike, and the lock outlives leaving the login screen.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

/// Wrong PINs in a row before the desk locks.
pub const MAX_FAILURES: u32 = 5;
/// How long it stays locked.
pub const LOCKOUT_MS: i64 = 5 * 60 * 1000;
/// What a staff badge's QR starts with.
pub const BADGE_PREFIX: &str = "ghiseu-staff:";

/// Counts wrong PINs and locks the desk after [`MAX_FAILURES`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PinGate {
    failures: u32,
    locked_until_ms: Option<i64>,
}

/// What happened to a PIN attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Accepted,
    /// Wrong; this many tries are left before the lock.
    Wrong {
        left: u32,
    },
    /// Locked until this time (ms); the PIN was not even looked at.
    Locked {
        until_ms: i64,
    },
}

impl PinGate {
    /// When the desk is locked at `now_ms`, until when.
    pub fn locked(&self, now_ms: i64) -> Option<i64> {
        self.locked_until_ms.filter(|&until| now_ms < until)
    }

    /// Records the outcome of a check made at `now_ms`.
    pub fn record(&mut self, correct: bool, now_ms: i64) -> Verdict {
        if let Some(until_ms) = self.locked(now_ms) {
            return Verdict::Locked { until_ms };
        }
        if self.locked_until_ms.is_some() {
            // The lock ran out: a fresh start.
            *self = PinGate::default();
        }
        if correct {
            *self = PinGate::default();
            return Verdict::Accepted;
        }
        self.failures += 1;
        if self.failures >= MAX_FAILURES {
            let until_ms = now_ms + LOCKOUT_MS;
            self.locked_until_ms = Some(until_ms);
            self.failures = 0;
            return Verdict::Locked { until_ms };
        }
        Verdict::Wrong { left: MAX_FAILURES - self.failures }
    }
}

/// The badge id in a scanned code, if it is a staff badge.
pub fn badge_id(text: &str) -> Option<&str> {
    let id = text.trim().strip_prefix(BADGE_PREFIX)?;
    (!id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')).then_some(id)
}

/// Hashes a PIN for the configuration (Argon2id, random salt).
pub fn hash_pin(pin: &str) -> String {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    Argon2::default().hash_password(pin.as_bytes(), &salt).expect("Argon2 with default parameters").to_string()
}

/// Whether a configured hash is a PHC string Argon2 can check.
pub fn check_hash(hash: &str) -> Result<(), String> {
    let parsed = PasswordHash::new(hash).map_err(|e| format!("not an Argon2 PHC string ({e})"))?;
    if !parsed.algorithm.as_str().starts_with("argon2") {
        return Err(format!("algorithm `{}` is not Argon2", parsed.algorithm));
    }
    Ok(())
}

/// A staff member's entry as the verifier needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub name: String,
    pub pin_hash: String,
    pub badge: Option<String>,
}

/// Which member (by index) `pin` belongs to; with a badge, only that
/// badge's owner is tried. Slow on purpose: call off the UI thread.
pub fn verify_pin(members: &[Member], badge: Option<&str>, pin: &str) -> Option<usize> {
    let argon = Argon2::default();
    members.iter().enumerate().find_map(|(i, m)| {
        if badge.is_some_and(|b| m.badge.as_deref() != Some(b)) {
            return None;
        }
        let hash = PasswordHash::new(&m.pin_hash).ok()?;
        argon.verify_password(pin.as_bytes(), &hash).is_ok().then_some(i)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_wrong_pins_lock_the_desk_for_five_minutes() {
        let mut g = PinGate::default();
        let t0 = 1_000_000;
        for left in (1..MAX_FAILURES).rev() {
            assert_eq!(g.record(false, t0), Verdict::Wrong { left });
        }
        assert_eq!(g.record(false, t0), Verdict::Locked { until_ms: t0 + LOCKOUT_MS });
        // Even the right PIN is refused while locked.
        assert_eq!(g.record(true, t0 + LOCKOUT_MS - 1), Verdict::Locked { until_ms: t0 + LOCKOUT_MS });
        assert_eq!(g.locked(t0 + 60_000), Some(t0 + LOCKOUT_MS));
        assert_eq!(g.locked(t0 + LOCKOUT_MS), None);
        // After the lock, a full five tries again.
        assert_eq!(g.record(false, t0 + LOCKOUT_MS), Verdict::Wrong { left: MAX_FAILURES - 1 });
        assert_eq!(g.record(true, t0 + LOCKOUT_MS), Verdict::Accepted);
        assert_eq!(g, PinGate::default(), "a right PIN clears the count");
    }

    #[test]
    fn a_right_pin_before_the_fifth_resets_the_count() {
        let mut g = PinGate::default();
        for _ in 0..4 {
            g.record(false, 0);
        }
        assert_eq!(g.record(true, 0), Verdict::Accepted);
        assert_eq!(g.record(false, 0), Verdict::Wrong { left: 4 });
    }

    #[test]
    fn pins_verify_against_argon2_hashes_and_badges_narrow_the_search() {
        let members = vec![
            Member { name: "Ana".into(), pin_hash: hash_pin("4821"), badge: Some("ana-01".into()) },
            Member { name: "Ion".into(), pin_hash: hash_pin("1379"), badge: None },
        ];
        assert!(members[0].pin_hash.starts_with("$argon2id$"));
        assert!(!members[0].pin_hash.contains("4821"));
        assert_eq!(verify_pin(&members, None, "1379"), Some(1));
        assert_eq!(verify_pin(&members, None, "0000"), None);
        assert_eq!(verify_pin(&members, Some("ana-01"), "4821"), Some(0));
        assert_eq!(verify_pin(&members, Some("ana-01"), "1379"), None, "Ion's PIN with Ana's badge");
        assert!(check_hash(&members[1].pin_hash).is_ok());
        assert!(check_hash("1379").is_err());
    }

    #[test]
    fn badge_codes_are_recognised_and_nothing_else() {
        assert_eq!(badge_id("ghiseu-staff:ana-01"), Some("ana-01"));
        assert_eq!(badge_id("ghiseu-staff:"), None);
        assert_eq!(badge_id("https://x.ro/s/K7Q-4M2-X9"), None);
        assert_eq!(badge_id("ghiseu-staff:a b"), None);
    }
}
