//! Staff sign-in, decided here and stored by `store::work`: Argon2 password
//! hashes, session and CSRF tokens, the lockout and the session's life.
//!
//! A session cookie holds a random token; the store keeps only its SHA-256,
//! so a copy of the database signs nobody in. Each session has its own CSRF
//! token, put in every form and checked on every POST. Passwords never leave
//! the sign-in handler and are never logged.

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

/// Wrong passwords in a row before the account is locked …
pub const MAX_FAILURES: i64 = 5;
/// … for this long.
pub const LOCK_MS: i64 = 15 * 60 * 1000;

/// Roles a staff account may have.
pub const ROLES: [&str; 2] = ["registry", "admin"];

/// How long a session lives: ended after `idle_ms` without a request, and
/// after `max_ms` whatever happens (a shift).
#[derive(Debug, Clone, Copy)]
pub struct SessionLife {
    pub idle_ms: i64,
    pub max_ms: i64,
}

impl Default for SessionLife {
    fn default() -> Self {
        SessionLife { idle_ms: 30 * 60 * 1000, max_ms: 12 * 60 * 60 * 1000 }
    }
}

impl SessionLife {
    /// When a session used at `now_ms` (created at `created_ms`) ends.
    pub fn expires(&self, created_ms: i64, now_ms: i64) -> i64 {
        (now_ms + self.idle_ms).min(created_ms + self.max_ms)
    }
}

/// The Argon2 hash (PHC string) of a password.
pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| e.to_string())
}

/// Whether `password` matches `hash`. With no account, pass `None`: the same
/// work is done against a fixed hash, so the time taken tells nothing.
pub fn verify_password(password: &str, hash: Option<&str>) -> bool {
    // A hash of a password nobody types, for accounts that do not exist.
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash_password(&token()).unwrap_or_default());
    let parsed = PasswordHash::new(hash.unwrap_or(dummy)).or_else(|_| PasswordHash::new(dummy));
    let Ok(parsed) = parsed else { return false };
    let ok = Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok();
    ok && hash.is_some()
}

/// A fresh random token (256 bits, URL-safe base64): a session's or a form's.
pub fn token() -> String {
    use base64::Engine;
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What the store keeps of a session token.
pub fn token_hash(token: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares two tokens in time that does not depend on where they differ.
pub fn same_token(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && !a.is_empty() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A staff name: what `ghiseu intake user add` accepts.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_matches_its_hash_only() {
        let h = hash_password("parolă lungă 1").unwrap();
        assert!(verify_password("parolă lungă 1", Some(&h)));
        assert!(!verify_password("parola lunga 1", Some(&h)));
        assert!(!verify_password("parolă lungă 1", None));
    }

    #[test]
    fn a_session_ends_when_idle_and_after_a_shift() {
        let life = SessionLife { idle_ms: 10, max_ms: 100 };
        assert_eq!(life.expires(0, 0), 10);
        assert_eq!(life.expires(0, 95), 100);
    }

    #[test]
    fn tokens_compare_whole() {
        let t = token();
        assert!(same_token(&t, &t.clone()));
        assert!(!same_token(&t, &t[1..]));
        assert!(!same_token("", ""));
        assert_ne!(token_hash(&t), t);
    }
}
