//! The intake's store on SQLite (`DATA/intake.sqlite`): embedded, nothing to
//! set up. Migrations are append-only.

use super::record::{sha256_hex, StoreError, Stored};
use crate::wire::api::{Stage, StatusBody, SubmissionBody};
use rusqlite::{params, Connection, OptionalExtension};
use std::path::Path;

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

pub struct SqliteStore {
    conn: Connection,
}

impl SqliteStore {
    pub fn open(dir: &Path) -> Result<SqliteStore, StoreError> {
        // Opened answers (CNPs included) live here: the folder 0700, the
        // database 0600 before SQLite opens it (its WAL and shared-memory
        // files take the database's mode), whatever the umask.
        let folder = |e| StoreError::Folder(dir.display().to_string(), e);
        crate::intake::files::private_dir(dir).map_err(folder)?;
        let path = dir.join("intake.sqlite");
        crate::intake::files::private_file(&path).map_err(folder)?;
        for side in ["intake.sqlite-wal", "intake.sqlite-shm"] {
            let side = dir.join(side);
            if side.exists() {
                crate::intake::files::private_file(&side).map_err(folder)?;
            }
        }
        let conn = Connection::open(&path)?;
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
