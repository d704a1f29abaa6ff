//! Retry decisions, pure: what an upload attempt's outcome means and how long
//! to wait before the next one.

use std::time::Duration;

/// What an attempt's result means for the submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The intake registered it (or had already).
    Delivered,
    /// The intake will never accept this body as it is: a technician must look.
    Permanent(String),
    /// Try again later, not before `retry_after` if the intake said so.
    Transient { reason: String, retry_after: Option<Duration> },
}

/// Classifies an HTTP answer. 2xx delivered; 408/425/429 and 5xx transient;
/// other 4xx permanent (a bad body, an unknown kiosk, a conflicting key).
pub fn classify(status: u16, retry_after: Option<Duration>) -> Verdict {
    match status {
        200..=299 => Verdict::Delivered,
        408 | 425 | 429 | 500..=599 => Verdict::Transient { reason: format!("HTTP {status}"), retry_after },
        _ => Verdict::Permanent(format!("HTTP {status}")),
    }
}

/// Full-jitter exponential backoff with a cap.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub base: Duration,
    pub cap: Duration,
    /// The longest `Retry-After` obeyed: an intake asking for a day still
    /// gets a try within the hour.
    pub max_retry_after: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            base: Duration::from_secs(1),
            cap: Duration::from_secs(300),
            max_retry_after: Duration::from_secs(3600),
        }
    }
}

impl Backoff {
    /// Delay before attempt `attempt + 1`, given a uniform random `unit` in [0, 1).
    /// Never shorter than the intake's `Retry-After`.
    pub fn delay(&self, attempt: u32, unit: f64, retry_after: Option<Duration>) -> Duration {
        let ceiling = self.base.saturating_mul(1u32.checked_shl(attempt.min(30)).unwrap_or(u32::MAX)).min(self.cap);
        let jittered = ceiling.mul_f64(unit.clamp(0.0, 1.0));
        match retry_after {
            Some(ra) => jittered.max(ra.min(self.max_retry_after)),
            None => jittered,
        }
    }
}

/// Parses a `Retry-After` header given in seconds.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_classified() {
        assert_eq!(classify(200, None), Verdict::Delivered);
        assert!(matches!(classify(503, None), Verdict::Transient { .. }));
        assert!(matches!(classify(429, None), Verdict::Transient { .. }));
        assert!(matches!(classify(409, None), Verdict::Permanent(_)));
        assert!(matches!(classify(400, None), Verdict::Permanent(_)));
    }

    #[test]
    fn backoff_grows_to_the_cap_and_jitters_below_it() {
        let b = Backoff { base: Duration::from_millis(100), cap: Duration::from_secs(10), ..Backoff::default() };
        assert_eq!(b.delay(0, 0.999_999, None).as_millis(), 99);
        assert_eq!(b.delay(3, 0.5, None), Duration::from_millis(400));
        assert_eq!(b.delay(40, 1.0, None), Duration::from_secs(10));
        assert_eq!(b.delay(5, 0.0, None), Duration::ZERO);
    }

    #[test]
    fn retry_after_is_honoured() {
        let b = Backoff::default();
        assert_eq!(b.delay(0, 0.0, Some(Duration::from_secs(30))), Duration::from_secs(30));
        assert_eq!(b.delay(0, 0.0, Some(Duration::from_secs(86_400))), Duration::from_secs(3600));
        assert_eq!(parse_retry_after(" 120 "), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }
}
