//! The intake's store: SQLite by default (embedded, nothing to set up), or
//! PostgreSQL for a municipality with many kiosks ([`pg`]); one row
//! per submission key, the same behaviour from both.
//!
//! Idempotency lives here: the first body for a key is kept with its hash and
//! its registration; the same key with the same bytes gets the same answer,
//! the same key with other bytes is a conflict.

mod pg;
mod record;
mod sqlite;

pub use pg::PgStore;
pub use record::{StoreError, Stored};
pub use sqlite::SqliteStore;

use crate::wire::api::{Stage, StatusBody, SubmissionBody};
use std::path::Path;

/// The intake's store, whichever database holds it.
pub enum Store {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

impl Store {
    /// SQLite in `dir/intake.sqlite`.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        Ok(Store::Sqlite(SqliteStore::open(dir)?))
    }

    /// `database`: a `postgres://…` URL, or none for SQLite in `dir`.
    pub fn open_for(dir: &Path, database: Option<&str>) -> Result<Store, StoreError> {
        match database {
            Some(url) => Ok(Store::Postgres(PgStore::connect(url)?)),
            None => Store::open(dir),
        }
    }

    /// Registers a submission (`raw`: the envelope as received, for the
    /// idempotency check; `body`: its opened content), or returns the earlier
    /// answer for the same key and envelope.
    pub fn register(&mut self, raw: &[u8], body: &SubmissionBody, now: jiff::Zoned) -> Result<StatusBody, StoreError> {
        match self {
            Store::Sqlite(s) => s.register(raw, body, now),
            Store::Postgres(s) => s.register(raw, body, now),
        }
    }

    pub fn status(&mut self, tracking_code: &str) -> Result<Option<StatusBody>, StoreError> {
        match self {
            Store::Sqlite(s) => s.status(tracking_code),
            Store::Postgres(s) => s.status(tracking_code),
        }
    }

    /// Moves a submission to another stage (the registry's clerks do this).
    pub fn set_stage(&mut self, tracking_code: &str, stage: Stage) -> Result<bool, StoreError> {
        match self {
            Store::Sqlite(s) => s.set_stage(tracking_code, stage),
            Store::Postgres(s) => s.set_stage(tracking_code, stage),
        }
    }

    /// Every submission, oldest first.
    pub fn all(&mut self) -> Result<Vec<Stored>, StoreError> {
        match self {
            Store::Sqlite(s) => s.all(),
            Store::Postgres(s) => s.all(),
        }
    }
}
