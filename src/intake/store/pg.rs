//! The intake's store in PostgreSQL, for a municipality that runs many kiosks
//! (or several intake processes): the same table and the same behaviour as
//! the SQLite store. Registration numbers are assigned under a table lock so
//! two intake processes never hand out the same number.

use super::record::{sha256_hex, StoreError, Stored};
use crate::wire::api::{Stage, StatusBody, SubmissionBody};
use postgres::{Client, NoTls};

/// Append-only, like the SQLite ones.
const MIGRATIONS: &[&str] = &[r#"
CREATE TABLE submissions (
    key                 TEXT PRIMARY KEY,
    body_sha256         TEXT NOT NULL,
    tracking_code       TEXT NOT NULL UNIQUE,
    kiosk_id            TEXT NOT NULL,
    form_id             TEXT NOT NULL,
    body                TEXT NOT NULL,
    year                BIGINT NOT NULL,
    number              BIGINT NOT NULL,
    registration_date   TEXT NOT NULL,
    stage               TEXT NOT NULL,
    received_ms         BIGINT NOT NULL,
    UNIQUE (year, number)
);
"#];

pub struct PgStore {
    /// Always `Some` but while being dropped.
    client: Option<Client>,
}

impl Drop for PgStore {
    /// The synchronous client runs a runtime of its own, and dropping one
    /// inside another (the server's, when it stops) panics: inside a tokio
    /// runtime the connection is closed on a plain thread of its own.
    fn drop(&mut self) {
        if tokio::runtime::Handle::try_current().is_err() {
            return;
        }
        if let Some(client) = self.client.take() {
            let _ = std::thread::spawn(move || drop(client)).join();
        }
    }
}

fn status_of(row: &postgres::Row) -> StatusBody {
    StatusBody {
        tracking_code: row.get(0),
        registration_number: row.get::<_, i64>(1).to_string(),
        registration_date: row.get(2),
        stage: Stage::parse(&row.get::<_, String>(3)).unwrap_or(Stage::Registered),
    }
}

impl PgStore {
    /// Connects (`postgres://user@host:port/db`) and brings the schema up to date.
    pub fn connect(url: &str) -> Result<PgStore, StoreError> {
        let mut client = Client::connect(url, NoTls)?;
        let mut tx = client.transaction()?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS ghiseu_schema (version BIGINT NOT NULL);
             LOCK TABLE ghiseu_schema IN EXCLUSIVE MODE;",
        )?;
        let version: i64 = tx.query_opt("SELECT version FROM ghiseu_schema", &[])?.map(|r| r.get(0)).unwrap_or(0);
        if version == 0 {
            tx.execute("INSERT INTO ghiseu_schema (version) VALUES (0)", &[])?;
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            tx.batch_execute(sql)?;
            tx.execute("UPDATE ghiseu_schema SET version = $1", &[&(i as i64 + 1)])?;
        }
        tx.commit()?;
        Ok(PgStore { client: Some(client) })
    }

    fn c(&mut self) -> &mut Client {
        self.client.as_mut().expect("the client is there until drop")
    }

    pub fn register(&mut self, raw: &[u8], body: &SubmissionBody, now: jiff::Zoned) -> Result<StatusBody, StoreError> {
        let hash = sha256_hex(raw);
        let mut tx = self.c().transaction()?;
        // One writer at a time: numbers are consecutive and never reused.
        tx.batch_execute("LOCK TABLE submissions IN SHARE ROW EXCLUSIVE MODE")?;
        if let Some(row) =
            tx.query_opt("SELECT body_sha256, tracking_code FROM submissions WHERE key = $1", &[&body.key])?
        {
            if row.get::<_, String>(0) != hash {
                return Err(StoreError::Conflict(body.key.clone()));
            }
            let code: String = row.get(1);
            tx.commit()?;
            return Ok(self.status(&code)?.expect("row exists"));
        }
        if tx.query_opt("SELECT 1 FROM submissions WHERE tracking_code = $1", &[&body.tracking_code])?.is_some() {
            return Err(StoreError::CodeTaken(body.tracking_code.clone()));
        }
        let year = i64::from(now.year());
        let number: i64 =
            tx.query_one("SELECT COALESCE(MAX(number), 0) + 1 FROM submissions WHERE year = $1", &[&year])?.get(0);
        let date = now.strftime("%d.%m.%Y").to_string();
        tx.execute(
            "INSERT INTO submissions (key, body_sha256, tracking_code, kiosk_id, form_id, body, year, number,
                                      registration_date, stage, received_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            &[
                &body.key,
                &hash,
                &body.tracking_code,
                &body.kiosk_id,
                &body.form_id,
                &serde_json::to_string(body).expect("a submission serialises"),
                &year,
                &number,
                &date,
                &Stage::Registered.code(),
                &now.timestamp().as_millisecond(),
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

    pub fn status(&mut self, tracking_code: &str) -> Result<Option<StatusBody>, StoreError> {
        Ok(self
            .c()
            .query_opt(
                "SELECT tracking_code, number, registration_date, stage FROM submissions WHERE tracking_code = $1",
                &[&tracking_code],
            )?
            .map(|r| status_of(&r)))
    }

    pub fn set_stage(&mut self, tracking_code: &str, stage: Stage) -> Result<bool, StoreError> {
        let n = self
            .c()
            .execute("UPDATE submissions SET stage = $2 WHERE tracking_code = $1", &[&tracking_code, &stage.code()])?;
        Ok(n == 1)
    }

    pub fn all(&mut self) -> Result<Vec<Stored>, StoreError> {
        let rows = self.c().query(
            "SELECT tracking_code, number, registration_date, stage, body FROM submissions ORDER BY received_ms, number",
            &[],
        )?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                let body = serde_json::from_str(&r.get::<_, String>(4)).ok()?;
                Some(Stored { body, status: status_of(r) })
            })
            .collect())
    }
}
