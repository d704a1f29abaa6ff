//! The intake's store in PostgreSQL, for a municipality that runs many kiosks
//! (or several intake processes): the same table and the same behaviour as
//! the SQLite store. Registration numbers are assigned under a table lock so
//! two intake processes never hand out the same number.
//!
//! Async (tokio-postgres through a small deadpool pool) on the server's own
//! runtime; [`PgBlocking`] runs the same store on a runtime of its own for
//! the synchronous admin commands, and is never used inside the server.

use super::record::{sha256_hex, StoreError, Stored};
use super::sql::{Conn, V};
use crate::wire::api::{Stage, StatusBody, SubmissionBody};
use deadpool_postgres::tokio_postgres::{self, NoTls, Row};
use deadpool_postgres::{Manager, Pool, PoolError, Runtime};
use std::time::Duration;

/// Append-only, like the SQLite ones.
const MIGRATIONS: &[&str] = &[
    r#"
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
"#,
    // 2: a request may wait for staff to register it (`--register-on validate`): no number yet.
    r#"
ALTER TABLE submissions ALTER COLUMN number DROP NOT NULL;
CREATE INDEX submissions_received ON submissions (received_ms);
"#,
    // 3: staff, sessions, audit, history, messages (the same in SQLite).
    super::work::SCHEMA,
    // 4: mail outbox, registry API tokens, arrival order, supplements (the same in SQLite).
    super::outbox::SCHEMA,
];

/// A pooled connection speaking [`Conn`]: used on a blocking thread (or
/// outside any runtime), it waits on `rt` for each statement.
pub struct PgConn<'a> {
    client: &'a tokio_postgres::Client,
    rt: tokio::runtime::Handle,
}

type Param = Box<dyn tokio_postgres::types::ToSql + Sync + Send>;

fn bind(params: &[V]) -> Vec<Param> {
    params
        .iter()
        .map(|v| -> Param {
            match v {
                V::I(i) => Box::new(*i),
                V::T(s) => Box::new(s.clone()),
                V::NullI => Box::new(None::<i64>),
                V::NullT => Box::new(None::<String>),
            }
        })
        .collect()
}

fn value(row: &Row, i: usize) -> Result<V, StoreError> {
    use tokio_postgres::types::Type;
    let t = row.columns()[i].type_().clone();
    Ok(if t == Type::INT8 {
        row.try_get::<_, Option<i64>>(i)?.map_or(V::NullI, V::I)
    } else if t == Type::INT4 {
        row.try_get::<_, Option<i32>>(i)?.map_or(V::NullI, |n| V::I(n.into()))
    } else if t == Type::TEXT || t == Type::VARCHAR || t == Type::NAME {
        row.try_get::<_, Option<String>>(i)?.map_or(V::NullT, V::T)
    } else {
        V::NullT
    })
}

impl Conn for PgConn<'_> {
    fn exec(&mut self, sql: &str, params: &[V]) -> Result<u64, StoreError> {
        let p = bind(params);
        let refs: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = p.iter().map(|b| &**b as _).collect();
        Ok(self.rt.block_on(self.client.execute(sql, &refs))?)
    }
    fn rows(&mut self, sql: &str, params: &[V]) -> Result<Vec<Vec<V>>, StoreError> {
        let p = bind(params);
        let refs: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = p.iter().map(|b| &**b as _).collect();
        let rows = self.rt.block_on(self.client.query(sql, &refs))?;
        rows.iter().map(|r| (0..r.len()).map(|i| value(r, i)).collect()).collect()
    }
    fn batch(&mut self, sql: &str) -> Result<(), StoreError> {
        Ok(self.rt.block_on(self.client.batch_execute(sql))?)
    }
}

/// Numbers are handed out one writer at a time, across intake processes too.
pub fn lock_for_numbering(c: &mut dyn Conn) -> Result<(), StoreError> {
    c.batch("LOCK TABLE submissions IN SHARE ROW EXCLUSIVE MODE")
}

const STATUS: &str = "SELECT tracking_code, number, registration_date, stage FROM submissions WHERE tracking_code = $1";

/// Connections kept open: registrations take a table lock one at a time, so
/// more would only wait; status lookups share the rest.
const POOL_SIZE: usize = 4;

/// The store in PostgreSQL; cheap to clone (a handle on the pool).
#[derive(Clone)]
pub struct PgStore {
    pool: Pool,
}

fn status_of(row: &Row) -> StatusBody {
    StatusBody {
        tracking_code: row.get(0),
        registration_number: row.get::<_, Option<i64>>(1).map(|n| n.to_string()).unwrap_or_default(),
        registration_date: row.get(2),
        stage: Stage::parse(&row.get::<_, String>(3)).unwrap_or(Stage::Registered),
        ..StatusBody::default()
    }
}

fn pool_error(e: PoolError) -> StoreError {
    match e {
        PoolError::Backend(e) => StoreError::Postgres(e),
        other => StoreError::Unavailable(other.to_string()),
    }
}

impl PgStore {
    /// Connects (`postgres://user@host:port/db`) and brings the schema up to date.
    pub async fn connect(url: &str) -> Result<PgStore, StoreError> {
        let config: tokio_postgres::Config = url.parse()?;
        let pool = Pool::builder(Manager::new(config, NoTls))
            .max_size(POOL_SIZE)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(Duration::from_secs(10)))
            .create_timeout(Some(Duration::from_secs(10)))
            .build()
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let store = PgStore { pool };
        store.migrate().await?;
        Ok(store)
    }

    /// Runs the registry's work ([`super::work`]) on a pooled connection, on a blocking thread.
    pub async fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut dyn Conn) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let client = self.client().await?;
        let rt = tokio::runtime::Handle::current();
        tokio::task::spawn_blocking(move || f(&mut PgConn { client: &client, rt }))
            .await
            .map_err(|e| StoreError::Unavailable(format!("the store's task failed: {e}")))?
    }

    async fn client(&self) -> Result<deadpool_postgres::Object, StoreError> {
        self.pool.get().await.map_err(pool_error)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS ghiseu_schema (version BIGINT NOT NULL);
             LOCK TABLE ghiseu_schema IN EXCLUSIVE MODE;",
        )
        .await?;
        let version: i64 = tx.query_opt("SELECT version FROM ghiseu_schema", &[]).await?.map(|r| r.get(0)).unwrap_or(0);
        if version == 0 {
            tx.execute("INSERT INTO ghiseu_schema (version) VALUES (0)", &[]).await?;
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            tx.batch_execute(sql).await?;
            tx.execute("UPDATE ghiseu_schema SET version = $1", &[&(i as i64 + 1)]).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn register(
        &self,
        raw: &[u8],
        body: &SubmissionBody,
        now: jiff::Zoned,
        number_now: bool,
    ) -> Result<StatusBody, StoreError> {
        let hash = sha256_hex(raw);
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // One writer at a time: numbers are consecutive and never reused.
        tx.batch_execute("LOCK TABLE submissions IN SHARE ROW EXCLUSIVE MODE").await?;
        if let Some(row) =
            tx.query_opt("SELECT body_sha256, tracking_code FROM submissions WHERE key = $1", &[&body.key]).await?
        {
            if row.get::<_, String>(0) != hash {
                return Err(StoreError::Conflict(body.key.clone()));
            }
            let code: String = row.get(1);
            let status = tx.query_one(STATUS, &[&code]).await?;
            tx.commit().await?;
            return Ok(status_of(&status));
        }
        if tx.query_opt("SELECT 1 FROM submissions WHERE tracking_code = $1", &[&body.tracking_code]).await?.is_some() {
            return Err(StoreError::CodeTaken(body.tracking_code.clone()));
        }
        let year = i64::from(now.year());
        let number: Option<i64> = if number_now {
            Some(
                tx.query_one("SELECT COALESCE(MAX(number), 0) + 1 FROM submissions WHERE year = $1", &[&year])
                    .await?
                    .get(0),
            )
        } else {
            None
        };
        let date = if number_now { now.strftime("%d.%m.%Y").to_string() } else { String::new() };
        let stage = if number_now { Stage::Registered } else { Stage::New };
        let now_ms = now.timestamp().as_millisecond();
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
                &stage.code(),
                &now_ms,
            ],
        )
        .await?;
        // The first line of its history (as `work::arrival` writes it for SQLite).
        tx.execute(
            "INSERT INTO history (id, tracking_code, at_ms, stage, actor, note) VALUES ($1, $2, $3, $4, 'intake', '')",
            &[&uuid::Uuid::now_v7().to_string(), &body.tracking_code, &now_ms, &stage.code()],
        )
        .await?;
        // Its place in the arrival order, and its mail (as `outbox::arrived` does for SQLite).
        tx.execute(super::outbox::SET_SEQ, &[&body.tracking_code]).await?;
        if let Some(original) = &body.supplement_of {
            tx.execute(super::registry::SET_SUPPLEMENT, &[&body.tracking_code, original]).await?;
        }
        if number_now {
            let kind = super::outbox::Kind::Registered.code();
            let id = uuid::Uuid::now_v7().to_string();
            tx.execute(super::outbox::ENQUEUE, &[&id, &body.tracking_code, &kind, &"", &now_ms]).await?;
        }
        tx.commit().await?;
        Ok(StatusBody {
            tracking_code: body.tracking_code.clone(),
            registration_number: number.map(|n| n.to_string()).unwrap_or_default(),
            registration_date: date,
            stage,
            ..StatusBody::default()
        })
    }

    pub async fn status(&self, tracking_code: &str) -> Result<Option<StatusBody>, StoreError> {
        Ok(self.client().await?.query_opt(STATUS, &[&tracking_code]).await?.map(|r| status_of(&r)))
    }

    pub async fn all(&self) -> Result<Vec<Stored>, StoreError> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT tracking_code, number, registration_date, stage, body FROM submissions
                 ORDER BY received_ms, number",
                &[],
            )
            .await?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                let body = serde_json::from_str(&r.get::<_, String>(4)).ok()?;
                Some(Stored { body, status: status_of(r) })
            })
            .collect())
    }
}

/// [`PgStore`] for synchronous callers (`ghiseu intake stage`, tests): the
/// same store on a small runtime of its own. Never inside the server.
pub struct PgBlocking {
    /// Always `Some` but while being dropped.
    rt: Option<tokio::runtime::Runtime>,
    store: PgStore,
}

impl PgBlocking {
    pub fn connect(url: &str) -> Result<PgBlocking, StoreError> {
        // One worker drives the connections, so the registry's work can wait
        // on them from this thread (`PgConn`).
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let store = rt.block_on(PgStore::connect(url))?;
        Ok(PgBlocking { rt: Some(rt), store })
    }

    fn block_on<T>(&self, f: impl std::future::Future<Output = T>) -> T {
        self.rt.as_ref().expect("the runtime is there until drop").block_on(f)
    }

    pub fn register(
        &mut self,
        raw: &[u8],
        body: &SubmissionBody,
        now: jiff::Zoned,
        number_now: bool,
    ) -> Result<StatusBody, StoreError> {
        self.block_on(self.store.register(raw, body, now, number_now))
    }

    /// Runs the registry's work ([`super::work`]) on one pooled connection.
    pub fn with<T>(&mut self, f: impl FnOnce(&mut dyn Conn) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let client = self.block_on(self.store.client())?;
        let rt = self.rt.as_ref().expect("the runtime is there until drop").handle().clone();
        f(&mut PgConn { client: &client, rt })
    }

    pub fn status(&mut self, tracking_code: &str) -> Result<Option<StatusBody>, StoreError> {
        self.block_on(self.store.status(tracking_code))
    }

    pub fn set_stage(&mut self, tracking_code: &str, stage: Stage) -> Result<bool, StoreError> {
        let now = crate::now_ms();
        self.with(|c| super::work::set_stage(c, tracking_code, stage, "admin", "", now))
    }

    pub fn all(&mut self) -> Result<Vec<Stored>, StoreError> {
        self.block_on(self.store.all())
    }
}

impl Drop for PgBlocking {
    /// A runtime may not be dropped inside another one: if this store ends
    /// up dropped in async code, its runtime goes on a thread of its own.
    fn drop(&mut self) {
        let Some(rt) = self.rt.take() else { return };
        if tokio::runtime::Handle::try_current().is_ok() {
            let _ = std::thread::spawn(move || drop(rt)).join();
        }
    }
}
