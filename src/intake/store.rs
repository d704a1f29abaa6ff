//! The intake's store: SQLite by default (embedded, nothing to set up), or
//! PostgreSQL for a municipality with many kiosks ([`super::pg`]); one row
//! per submission key, the same behaviour from both.
//!
//! Idempotency lives here: the first body for a key is kept with its hash and
//! its registration; the same key with the same bytes gets the same answer,
//! the same key with other bytes is a conflict.

use super::api::{Stage, StatusBody, SubmissionBody};
use rusqlite::{params, Connection, OptionalExtension};
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("intake database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("intake database (PostgreSQL): {0}")]
    Postgres(#[from] postgres::Error),
    #[error("cannot create data folder {0}: {1}")]
    Folder(String, std::io::Error),
    #[error("key {0} was already used for a different submission")]
    Conflict(String),
    #[error("tracking code {0} is already used by another submission")]
    CodeTaken(String),
}

const MIGRATIONS: &[&str] = &[r#"
CREATE TABLE submissions (
    key                 TEXT PRIMARY KEY,
    body_sha256         TEXT NOT NULL,
    tracking_code       TEXT NOT NULL UNIQUE,
    kiosk_id            TEXT NOT NULL,
    form_id             TEXT NOT NULL,
    body                TEXT NOT NULL,
    year                INTEGER NOT NULL,
    number              INTEGER NOT NULL,
    registration_date   TEXT NOT NULL,
    stage               TEXT NOT NULL,
    received_ms         INTEGER NOT NULL,
    UNIQUE (year, number)
);
"#];

/// The intake's store, whichever database holds it.
pub enum Store {
    Sqlite(SqliteStore),
    Postgres(super::pg::PgStore),
}

impl Store {
    /// SQLite in `dir/intake.sqlite`.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        Ok(Store::Sqlite(SqliteStore::open(dir)?))
    }

    /// `database`: a `postgres://…` URL, or none for SQLite in `dir`.
    pub fn open_for(dir: &Path, database: Option<&str>) -> Result<Store, StoreError> {
        match database {
            Some(url) => Ok(Store::Postgres(super::pg::PgStore::connect(url)?)),
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

pub struct SqliteStore {
    conn: Connection,
}

/// A stored submission, as the registry sees it.
#[derive(Debug, Clone)]
pub struct Stored {
    pub body: SubmissionBody,
    pub status: StatusBody,
}

pub(super) fn sha256_hex(bytes: &[u8]) -> String {
    // A content fingerprint for the idempotency check; SQLite computes nothing
    // for us here, and a collision-resistant hash keeps "same body" exact.
    use std::fmt::Write;
    let digest = sha2_digest(bytes);
    digest.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn sha2_digest(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).into()
}

impl SqliteStore {
    pub fn open(dir: &Path) -> Result<SqliteStore, StoreError> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Folder(dir.display().to_string(), e))?;
        let conn = Connection::open(dir.join("intake.sqlite"))?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        let mut s = SqliteStore { conn };
        let tx = s.conn.transaction()?;
        let version: usize = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", i + 1)?;
        }
        tx.commit()?;
        Ok(s)
    }

    pub fn register(&mut self, raw: &[u8], body: &SubmissionBody, now: jiff::Zoned) -> Result<StatusBody, StoreError> {
        let hash = sha256_hex(raw);
        let tx = self.conn.transaction()?;
        let existing: Option<(String, String)> = tx
            .query_row("SELECT body_sha256, tracking_code FROM submissions WHERE key = ?1", [&body.key], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        if let Some((h, code)) = existing {
            if h != hash {
                return Err(StoreError::Conflict(body.key.clone()));
            }
            drop(tx);
            return Ok(self.status(&code)?.expect("row exists"));
        }
        let taken: bool = tx
            .query_row("SELECT 1 FROM submissions WHERE tracking_code = ?1", [&body.tracking_code], |_| Ok(()))
            .optional()?
            .is_some();
        if taken {
            return Err(StoreError::CodeTaken(body.tracking_code.clone()));
        }
        let year = i64::from(now.year());
        let number: i64 =
            tx.query_row("SELECT COALESCE(MAX(number), 0) + 1 FROM submissions WHERE year = ?1", [year], |r| r.get(0))?;
        let date = now.strftime("%d.%m.%Y").to_string();
        tx.execute(
            "INSERT INTO submissions (key, body_sha256, tracking_code, kiosk_id, form_id, body, year, number,
                                      registration_date, stage, received_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                body.key,
                hash,
                body.tracking_code,
                body.kiosk_id,
                body.form_id,
                serde_json::to_string(body).expect("a submission serialises"),
                year,
                number,
                date,
                Stage::Registered.code(),
                now.timestamp().as_millisecond()
            ],
        )?;
        tx.commit()?;
        Ok(StatusBody {
            tracking_code: body.tracking_code.clone(),
            registration_number: number.to_string(),
            registration_date: date,
            stage: Stage::Registered,
        })
    }

    pub fn status(&self, tracking_code: &str) -> Result<Option<StatusBody>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT tracking_code, number, registration_date, stage FROM submissions WHERE tracking_code = ?1",
                [tracking_code],
                |r| {
                    Ok(StatusBody {
                        tracking_code: r.get(0)?,
                        registration_number: r.get::<_, i64>(1)?.to_string(),
                        registration_date: r.get(2)?,
                        stage: Stage::parse(&r.get::<_, String>(3)?).unwrap_or(Stage::Registered),
                    })
                },
            )
            .optional()?)
    }

    pub fn set_stage(&self, tracking_code: &str, stage: Stage) -> Result<bool, StoreError> {
        let n = self.conn.execute(
            "UPDATE submissions SET stage = ?2 WHERE tracking_code = ?1",
            params![tracking_code, stage.code()],
        )?;
        Ok(n == 1)
    }

    pub fn all(&self) -> Result<Vec<Stored>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT body, tracking_code, number, registration_date, stage FROM submissions ORDER BY received_ms, number",
        )?;
        let rows = stmt.query_map([], |r| {
            let body: String = r.get(0)?;
            Ok((body, r.get::<_, String>(1)?, r.get::<_, i64>(2)?, r.get::<_, String>(3)?, r.get::<_, String>(4)?))
        })?;
        let mut out = vec![];
        for row in rows {
            let (body, code, number, date, stage) = row?;
            let Ok(body) = serde_json::from_str(&body) else { continue };
            out.push(Stored {
                body,
                status: StatusBody {
                    tracking_code: code,
                    registration_number: number.to_string(),
                    registration_date: date,
                    stage: Stage::parse(&stage).unwrap_or(Stage::Registered),
                },
            });
        }
        Ok(out)
    }
}
