//! The intake's store on SQLite (`DATA/intake.sqlite`): embedded, nothing to
//! set up. Migrations are append-only.

use super::record::{sha256_hex, StoreError, Stored};
use super::sql::{Conn, V};
use crate::wire::api::{Stage, StatusBody, SubmissionBody};
use rusqlite::{params, Connection, OptionalExtension};
use std::path::Path;

const MIGRATIONS: &[&str] = &[
    r#"
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
"#,
    // 2: a request may wait for staff to register it (`--register-on validate`):
    // no number yet. SQLite cannot drop a NOT NULL, so the table is rebuilt.
    r#"
CREATE TABLE submissions_v2 (
    key                 TEXT PRIMARY KEY,
    body_sha256         TEXT NOT NULL,
    tracking_code       TEXT NOT NULL UNIQUE,
    kiosk_id            TEXT NOT NULL,
    form_id             TEXT NOT NULL,
    body                TEXT NOT NULL,
    year                INTEGER NOT NULL,
    number              INTEGER,
    registration_date   TEXT NOT NULL,
    stage               TEXT NOT NULL,
    received_ms         INTEGER NOT NULL,
    UNIQUE (year, number)
);
INSERT INTO submissions_v2 SELECT key, body_sha256, tracking_code, kiosk_id, form_id, body, year, number,
    registration_date, stage, received_ms FROM submissions;
DROP TABLE submissions;
ALTER TABLE submissions_v2 RENAME TO submissions;
CREATE INDEX submissions_received ON submissions (received_ms);
"#,
    // 3: staff, sessions, audit, history, messages (the same in PostgreSQL).
    super::work::SCHEMA,
    // 4: mail outbox, registry API tokens, arrival order, supplements (the same in PostgreSQL).
    super::outbox::SCHEMA,
];

/// A connection (or a transaction on one) speaking [`Conn`].
pub struct Lite<'a>(pub &'a Connection);

fn bind(params: &[V]) -> Vec<rusqlite::types::Value> {
    use rusqlite::types::Value;
    params
        .iter()
        .map(|v| match v {
            V::I(i) => Value::Integer(*i),
            V::T(s) => Value::Text(s.clone()),
            V::NullI | V::NullT => Value::Null,
        })
        .collect()
}

fn sqlite_sql(sql: &str) -> String {
    sql.replace('$', "?")
}

impl Conn for Lite<'_> {
    fn exec(&mut self, sql: &str, params: &[V]) -> Result<u64, StoreError> {
        Ok(self.0.execute(&sqlite_sql(sql), rusqlite::params_from_iter(bind(params)))? as u64)
    }
    fn rows(&mut self, sql: &str, params: &[V]) -> Result<Vec<Vec<V>>, StoreError> {
        use rusqlite::types::ValueRef;
        let mut stmt = self.0.prepare(&sqlite_sql(sql))?;
        let n = stmt.column_count();
        let rows = stmt.query_map(rusqlite::params_from_iter(bind(params)), |r| {
            (0..n)
                .map(|i| {
                    Ok(match r.get_ref(i)? {
                        ValueRef::Integer(i) => V::I(i),
                        ValueRef::Real(f) => V::I(f as i64),
                        ValueRef::Text(t) => V::T(String::from_utf8_lossy(t).into_owned()),
                        ValueRef::Blob(_) | ValueRef::Null => V::NullT,
                    })
                })
                .collect::<rusqlite::Result<Vec<V>>>()
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
    fn batch(&mut self, sql: &str) -> Result<(), StoreError> {
        // SQLite: take the write lock at BEGIN, so two writers never deadlock
        // upgrading their read locks.
        let sql = if sql == "BEGIN" { "BEGIN IMMEDIATE" } else { sql };
        Ok(self.0.execute_batch(sql)?)
    }
}

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

    /// The registry's work on this store ([`super::work`]).
    pub fn conn(&mut self) -> Lite<'_> {
        Lite(&self.conn)
    }

    /// Registers a submission: numbered now when `number_now`, else filed as
    /// `new` until staff validate it.
    pub fn register(
        &mut self,
        raw: &[u8],
        body: &SubmissionBody,
        now: jiff::Zoned,
        number_now: bool,
    ) -> Result<StatusBody, StoreError> {
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
        let number: Option<i64> = if number_now {
            Some(tx.query_row("SELECT COALESCE(MAX(number), 0) + 1 FROM submissions WHERE year = ?1", [year], |r| {
                r.get(0)
            })?)
        } else {
            None
        };
        let date = if number_now { now.strftime("%d.%m.%Y").to_string() } else { String::new() };
        let stage = if number_now { Stage::Registered } else { Stage::New };
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
                stage.code(),
                now.timestamp().as_millisecond()
            ],
        )?;
        super::work::arrival(&mut Lite(&tx), &body.tracking_code, stage, now.timestamp().as_millisecond())?;
        super::outbox::arrived(&mut Lite(&tx), &body.tracking_code, number_now, now.timestamp().as_millisecond())?;
        if let Some(original) = &body.supplement_of {
            use super::sql::Conn;
            Lite(&tx).exec(super::registry::SET_SUPPLEMENT, &[body.tracking_code.as_str().into(), original.into()])?;
        }
        tx.commit()?;
        Ok(StatusBody {
            tracking_code: body.tracking_code.clone(),
            registration_number: number.map(|n| n.to_string()).unwrap_or_default(),
            registration_date: date,
            stage,
            ..StatusBody::default()
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
                        registration_number: r.get::<_, Option<i64>>(1)?.map(|n| n.to_string()).unwrap_or_default(),
                        registration_date: r.get(2)?,
                        stage: Stage::parse(&r.get::<_, String>(3)?).unwrap_or(Stage::Registered),
                        ..StatusBody::default()
                    })
                },
            )
            .optional()?)
    }

    pub fn set_stage(&mut self, tracking_code: &str, stage: Stage) -> Result<bool, StoreError> {
        let now = crate::now_ms();
        super::work::set_stage(&mut self.conn(), tracking_code, stage, "admin", "", now)
    }

    pub fn all(&self) -> Result<Vec<Stored>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT body, tracking_code, number, registration_date, stage FROM submissions ORDER BY received_ms, number",
        )?;
        let rows = stmt.query_map([], |r| {
            let body: String = r.get(0)?;
            Ok((
                body,
                r.get::<_, String>(1)?,
                r.get::<_, Option<i64>>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?;
        let mut out = vec![];
        for row in rows {
            let (body, code, number, date, stage) = row?;
            let Ok(body) = serde_json::from_str(&body) else { continue };
            out.push(Stored {
                body,
                status: StatusBody {
                    tracking_code: code,
                    registration_number: number.map(|n| n.to_string()).unwrap_or_default(),
                    registration_date: date,
                    stage: Stage::parse(&stage).unwrap_or(Stage::Registered),
                    ..StatusBody::default()
                },
            });
        }
        Ok(out)
    }
}
