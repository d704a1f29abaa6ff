//! The intake's store: SQLite by default (embedded, nothing to set up), or
//! PostgreSQL for a municipality with many kiosks ([`pg`]); one row
//! per submission key, the same behaviour from both.
//!
//! Idempotency lives here: the first body for a key is kept with its hash and
//! its registration; the same key with the same bytes gets the same answer,
//! the same key with other bytes is a conflict.

pub mod outbox;
mod pg;
mod record;
pub mod registry;
pub mod sql;
mod sqlite;
pub mod work;

pub use pg::{PgBlocking, PgStore};
pub use record::{StoreError, Stored};
pub use sql::Conn;
pub use sqlite::SqliteStore;

use crate::wire::api::{Stage, StatusBody, SubmissionBody};
use std::path::Path;
use std::sync::{Arc, Mutex};

/// The intake's store for synchronous callers (admin commands, tests),
/// whichever database holds it.
pub enum Store {
    Sqlite(SqliteStore),
    Postgres(PgBlocking),
}

impl Store {
    /// SQLite in `dir/intake.sqlite`.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        Ok(Store::Sqlite(SqliteStore::open(dir)?))
    }

    /// `database`: a `postgres://…` URL, or none for SQLite in `dir`.
    pub fn open_for(dir: &Path, database: Option<&str>) -> Result<Store, StoreError> {
        match database {
            Some(url) => Ok(Store::Postgres(PgBlocking::connect(url)?)),
            None => Store::open(dir),
        }
    }

    /// Registers a submission (`raw`: the envelope as received, for the
    /// idempotency check; `body`: its opened content), or returns the earlier
    /// answer for the same key and envelope.
    pub fn register(&mut self, raw: &[u8], body: &SubmissionBody, now: jiff::Zoned) -> Result<StatusBody, StoreError> {
        self.register_with(raw, body, now, true)
    }

    /// [`Store::register`], numbered at once when `number_now`, else filed as
    /// `new` until staff validate it.
    pub fn register_with(
        &mut self,
        raw: &[u8],
        body: &SubmissionBody,
        now: jiff::Zoned,
        number_now: bool,
    ) -> Result<StatusBody, StoreError> {
        match self {
            Store::Sqlite(s) => s.register(raw, body, now, number_now),
            Store::Postgres(s) => s.register(raw, body, now, number_now),
        }
    }

    /// Runs the registry's work ([`work`]) on this store.
    pub fn with<T>(&mut self, f: impl FnOnce(&mut dyn Conn) -> Result<T, StoreError>) -> Result<T, StoreError> {
        match self {
            Store::Sqlite(s) => f(&mut s.conn()),
            Store::Postgres(s) => s.with(f),
        }
    }

    /// [`work::validate`] with this store's numbering lock.
    pub fn validate(&mut self, code: &str, actor: &str, now: &jiff::Zoned) -> Result<Option<StatusBody>, StoreError> {
        let lock = numbering_lock(matches!(self, Store::Postgres(_)));
        self.with(|c| work::validate(c, code, actor, now, &lock))
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

/// What to do before numbering: PostgreSQL takes a table lock (several intake
/// processes may number at once); SQLite already writes one at a time.
fn numbering_lock(postgres: bool) -> impl Fn(&mut dyn Conn) -> Result<(), StoreError> {
    move |c: &mut dyn Conn| if postgres { pg::lock_for_numbering(c) } else { Ok(()) }
}

/// The store as the server shares it between requests: SQLite behind a
/// mutex on blocking threads, PostgreSQL through its async pool on the
/// server's own runtime. Cheap to clone.
#[derive(Clone)]
pub enum Shared {
    Sqlite(Arc<Mutex<SqliteStore>>),
    Postgres(PgStore),
}

fn joined<T>(r: Result<Result<T, StoreError>, tokio::task::JoinError>) -> Result<T, StoreError> {
    r.map_err(|e| StoreError::Unavailable(format!("the store's task failed: {e}")))?
}

impl Shared {
    /// `database`: a `postgres://…` URL, or none for SQLite in `dir`.
    pub async fn open(dir: &Path, database: Option<&str>) -> Result<Shared, StoreError> {
        match database {
            Some(url) => Ok(Shared::Postgres(PgStore::connect(url).await?)),
            None => {
                let dir = dir.to_owned();
                let s = joined(tokio::task::spawn_blocking(move || SqliteStore::open(&dir)).await)?;
                Ok(Shared::Sqlite(Arc::new(Mutex::new(s))))
            }
        }
    }

    /// [`Store::register`], off the async workers.
    pub async fn register(
        &self,
        raw: impl AsRef<[u8]> + Send + 'static,
        body: SubmissionBody,
        now: jiff::Zoned,
        number_now: bool,
    ) -> Result<StatusBody, StoreError> {
        match self {
            Shared::Sqlite(s) => {
                let s = s.clone();
                joined(
                    tokio::task::spawn_blocking(move || {
                        s.lock().unwrap_or_else(|p| p.into_inner()).register(raw.as_ref(), &body, now, number_now)
                    })
                    .await,
                )
            }
            Shared::Postgres(p) => p.register(raw.as_ref(), &body, now, number_now).await,
        }
    }

    /// Runs the registry's work ([`work`]) on a blocking thread.
    pub async fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut dyn Conn) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        match self {
            Shared::Sqlite(s) => {
                let s = s.clone();
                joined(
                    tokio::task::spawn_blocking(move || f(&mut s.lock().unwrap_or_else(|p| p.into_inner()).conn()))
                        .await,
                )
            }
            Shared::Postgres(p) => p.with(f).await,
        }
    }

    /// [`work::validate`] with this store's numbering lock.
    pub async fn validate(
        &self,
        code: String,
        actor: String,
        now: jiff::Zoned,
    ) -> Result<Option<StatusBody>, StoreError> {
        let lock = numbering_lock(matches!(self, Shared::Postgres(_)));
        self.with(move |c| work::validate(c, &code, &actor, &now, &lock)).await
    }

    pub async fn status(&self, tracking_code: String) -> Result<Option<StatusBody>, StoreError> {
        match self {
            Shared::Sqlite(s) => {
                let s = s.clone();
                joined(
                    tokio::task::spawn_blocking(move || {
                        s.lock().unwrap_or_else(|p| p.into_inner()).status(&tracking_code)
                    })
                    .await,
                )
            }
            Shared::Postgres(p) => p.status(&tracking_code).await,
        }
    }
}
