//! The kiosk's durable outbox of submissions, in SQLite.
//!
//! A submission is committed here (WAL, `synchronous=FULL`: the commit is on
//! disk when `enqueue` returns) before the citizen sees a receipt. Each row
//! has a stable key (UUIDv7) that the uploader sends as the idempotency key,
//! so a crash between sending and recording the answer re-sends the same key
//! and the intake answers the same, never registering twice. Once the intake
//! confirms, the payload (personal data) is purged; only the tracking code,
//! the registry's number and timestamps stay for the status screen.
//!
//! Migrations are append-only: never edit a shipped one, add the next.
//!
//! Over 600 lines only through its tests (the code, with the disk reserve, is
//! about 470 lines).

use rusqlite::{params, Connection, OptionalExtension};
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("queue database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("cannot create data folder {path}: {source}")]
    Folder { path: String, source: std::io::Error },
    #[error("the panel's disk is almost full ({free_mb} MB free, {min_mb} MB kept in reserve); no new submissions until a technician frees space")]
    DiskFull { free_mb: u64, min_mb: u64 },
    #[error("queue database {path} is corrupt and was moved aside to {moved}: {detail}")]
    Corrupt { path: String, moved: String, detail: String },
}

/// Databases moved aside by [`Queue::open_checked`], for technicians.
pub fn corrupt_files(queue_path: &Path) -> Vec<String> {
    let (Some(dir), Some(name)) = (queue_path.parent(), queue_path.file_name()) else { return vec![] };
    let prefix = format!("{}.corrupt-", name.to_string_lossy());
    let mut found: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .map(|e| e.path().display().to_string())
        .collect();
    found.sort();
    found
}

/// Bytes available to this process on the file system holding `dir`.
pub fn free_bytes(dir: &Path) -> std::io::Result<u64> {
    let st = rustix::fs::statvfs(dir).map_err(std::io::Error::from)?;
    Ok(st.f_bavail.saturating_mul(st.f_frsize))
}

/// The smallest reserve on a small file system, in MB.
pub const RESERVE_FLOOR_MB: u64 = 16;
/// The reserve of a disk of gigabytes, in MB.
pub const RESERVE_CEILING_MB: u64 = 200;

/// The space kept free on a file system of `total_mb`: what the kiosk's
/// configuration says (`kiosk.min_free_mb`), else a tenth of the file
/// system, at least [`RESERVE_FLOOR_MB`] and at most [`RESERVE_CEILING_MB`].
/// A fixed 200 MB would leave a 256 MiB data partition (a panel whose
/// partition could not grow) 13 MB of queue; a tenth keeps it usable, and
/// the floor still leaves SQLite room to checkpoint its WAL when the queue
/// has taken the rest.
pub fn reserve_mb(total_mb: u64, configured_mb: Option<u64>) -> u64 {
    configured_mb.unwrap_or((total_mb / 10).clamp(RESERVE_FLOOR_MB, RESERVE_CEILING_MB))
}

/// The file system holding the queue, in MB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Space {
    pub free_mb: u64,
    pub total_mb: u64,
    /// What [`check_space`] keeps free here ([`reserve_mb`]).
    pub reserve_mb: u64,
}

impl Space {
    /// Refuses new submissions while less than the reserve would stay free.
    pub fn check(self) -> Result<(), QueueError> {
        if self.free_mb < self.reserve_mb {
            return Err(QueueError::DiskFull { free_mb: self.free_mb, min_mb: self.reserve_mb });
        }
        Ok(())
    }
}

/// Free and total space of the file system holding `dir`, and its reserve
/// ([`reserve_mb`]).
pub fn space(dir: &Path, configured_mb: Option<u64>) -> std::io::Result<Space> {
    let st = rustix::fs::statvfs(dir).map_err(std::io::Error::from)?;
    let mb = |blocks: u64| blocks.saturating_mul(st.f_frsize) / (1024 * 1024);
    let total_mb = mb(st.f_blocks);
    Ok(Space { free_mb: mb(st.f_bavail), total_mb, reserve_mb: reserve_mb(total_mb, configured_mb) })
}

/// Refuses new submissions while less than the reserve ([`reserve_mb`])
/// would stay free: the queue must never be the thing that fills the disk.
pub fn check_space(dir: &Path, min_mb: Option<u64>) -> Result<(), QueueError> {
    let folder = |source| QueueError::Folder { path: dir.display().to_string(), source };
    std::fs::create_dir_all(dir).map_err(folder)?;
    space(dir, min_mb).map_err(folder)?.check()
}

/// Refuses an envelope of `bytes` on disk when it would leave less than the
/// reserve ([`reserve_mb`]) free: the reserve counts what the submission
/// itself will take (a ten-page request is megabytes, not the 60 kB of
/// answers alone).
pub fn check_space_for(dir: &Path, configured_mb: Option<u64>, bytes: u64) -> Result<(), QueueError> {
    let folder = |source| QueueError::Folder { path: dir.display().to_string(), source };
    std::fs::create_dir_all(dir).map_err(folder)?;
    let min_mb = space(dir, configured_mb).map_err(folder)?.reserve_mb;
    let free = free_bytes(dir).map_err(folder)?;
    let left_mb = free.saturating_sub(bytes) / (1024 * 1024);
    if left_mb < min_mb {
        return Err(QueueError::DiskFull { free_mb: free / (1024 * 1024), min_mb });
    }
    Ok(())
}

/// What committing an envelope of `len` bytes takes on disk until the WAL
/// is checkpointed and reused: the row in the WAL, then again in the
/// database file, plus a page's worth of slack.
pub fn envelope_footprint(len: usize) -> u64 {
    2 * len as u64 + 64 * 1024
}

/// Append-only: each entry moves the schema from version N to N+1.
const MIGRATIONS: &[&str] = &[r#"
CREATE TABLE submissions (
    key                 TEXT PRIMARY KEY,
    tracking_code       TEXT NOT NULL UNIQUE,
    form_id             TEXT NOT NULL,
    payload             BLOB,
    state               TEXT NOT NULL CHECK (state IN ('pending', 'uploaded', 'rejected')),
    attempts            INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms     INTEGER NOT NULL DEFAULT 0,
    last_error          TEXT,
    registration_number TEXT,
    registration_date   TEXT,
    stage               TEXT,
    created_ms          INTEGER NOT NULL,
    uploaded_ms         INTEGER
);
CREATE INDEX submissions_due ON submissions (state, next_attempt_ms);
"#];

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Pending,
    Uploaded,
    Rejected,
}

impl State {
    fn parse(s: &str) -> State {
        match s {
            "uploaded" => State::Uploaded,
            "rejected" => State::Rejected,
            _ => State::Pending,
        }
    }
}

/// What the kiosk shows and prints once a submission is durable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub key: String,
    pub tracking_code: String,
    pub created_ms: i64,
}

/// What an upload attempt means for a row, recorded by [`Queue::record`].
#[derive(Debug, Clone)]
pub enum Outcome {
    /// The intake registered it: store its answer and purge the payload.
    Delivered(String, Registration),
    /// Try again at this time (ms); the reason is kept for technicians.
    Retry(String, i64, String),
    /// Refused for good: kept as "needs attention".
    Rejected(String, String),
}

/// A submission due for upload.
#[derive(Debug, Clone)]
pub struct Pending {
    pub key: String,
    pub tracking_code: String,
    pub payload: Vec<u8>,
    pub attempts: u32,
}

/// What the kiosk knows of a submission.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LocalStatus {
    pub tracking_code: String,
    pub form_id: String,
    pub state: State,
    pub registration_number: Option<String>,
    pub registration_date: Option<String>,
    pub stage: Option<String>,
    pub created_ms: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    pub pending: u64,
    pub uploaded: u64,
    pub rejected: u64,
    pub oldest_pending_ms: Option<i64>,
}

/// The registry's answer to an upload.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Registration {
    pub registration_number: String,
    pub registration_date: String,
    pub stage: String,
}

pub struct Queue {
    conn: Connection,
    /// The folder and the configured reserve (MB; `None`: [`reserve_mb`]
    /// of the file system) an envelope may not eat into ([`Queue::keep_free`]).
    reserve: Option<(std::path::PathBuf, Option<u64>)>,
}

impl Queue {
    /// Opens (creating if needed) the queue at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Queue, QueueError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|source| QueueError::Folder { path: dir.display().to_string(), source })?;
        }
        Self::open_conn(path)
    }

    /// Like [`open`](Self::open), for the kiosk's start: a database that is
    /// not one, or fails SQLite's integrity check, is moved aside (with its
    /// WAL) for a technician and reported as [`QueueError::Corrupt`]; it is
    /// never deleted or silently replaced. The caller decides whether to go on
    /// with a fresh queue ([`open`](Self::open) then creates one).
    pub fn open_checked(path: &Path) -> Result<Queue, QueueError> {
        let detail = match Self::open(path) {
            Ok(q) => match q.conn.query_row("PRAGMA quick_check", [], |r| r.get::<_, String>(0)) {
                Ok(ok) if ok == "ok" => return Ok(q),
                Ok(problem) => problem,
                Err(e) => e.to_string(),
            },
            Err(QueueError::Sqlite(e)) => e.to_string(),
            Err(other) => return Err(other),
        };
        let stamp = jiff::Timestamp::now().strftime("%Y%m%dT%H%M%SZ").to_string();
        let moved = path.with_extension(format!("sqlite.corrupt-{stamp}"));
        for (from, to) in [
            (path.to_owned(), moved.clone()),
            (path.with_extension("sqlite-wal"), moved.with_extension(format!("corrupt-{stamp}-wal"))),
            (path.with_extension("sqlite-shm"), moved.with_extension(format!("corrupt-{stamp}-shm"))),
        ] {
            if from.exists() {
                std::fs::rename(&from, &to)
                    .map_err(|source| QueueError::Folder { path: from.display().to_string(), source })?;
            }
        }
        Err(QueueError::Corrupt { path: path.display().to_string(), moved: moved.display().to_string(), detail })
    }

    fn open_conn(path: &Path) -> Result<Queue, QueueError> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let mut q = Queue { conn, reserve: None };
        q.migrate()?;
        Ok(q)
    }

    fn migrate(&mut self) -> Result<(), QueueError> {
        let tx = self.conn.transaction()?;
        let version: usize = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", i + 1)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Commits a new submission and returns its receipt. When this returns
    /// `Ok`, the submission is on disk.
    pub fn enqueue(
        &mut self,
        form_id: &str,
        key: &str,
        tracking_code: &str,
        payload: &[u8],
        now_ms: i64,
    ) -> Result<Receipt, QueueError> {
        if let Some((dir, min_mb)) = &self.reserve {
            check_space_for(dir, *min_mb, envelope_footprint(payload.len()))?;
        }
        self.conn.execute(
            "INSERT INTO submissions (key, tracking_code, form_id, payload, state, created_ms, next_attempt_ms)
             VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?5)",
            params![key, tracking_code, form_id, payload, now_ms],
        )?;
        Ok(Receipt { key: key.to_owned(), tracking_code: tracking_code.to_owned(), created_ms: now_ms })
    }

    /// Makes [`enqueue`](Self::enqueue) refuse ([`QueueError::DiskFull`]) an
    /// envelope that would leave less than the reserve free on the queue's
    /// disk ([`reserve_mb`]: `configured_mb`, else a tenth of the file
    /// system), counting the envelope's own size.
    pub fn keep_free(&mut self, dir: &Path, configured_mb: Option<u64>) {
        self.reserve = Some((dir.to_owned(), configured_mb));
    }

    /// Whether a tracking code is already in use (codes are random; collisions are retried).
    pub fn code_taken(&self, tracking_code: &str) -> Result<bool, QueueError> {
        Ok(self
            .conn
            .query_row("SELECT 1 FROM submissions WHERE tracking_code = ?1", [tracking_code], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// Pending submissions whose next attempt is due, oldest first.
    pub fn due(&self, now_ms: i64, limit: usize) -> Result<Vec<Pending>, QueueError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT key, tracking_code, payload, attempts FROM submissions
             WHERE state = 'pending' AND next_attempt_ms <= ?1 ORDER BY created_ms LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![now_ms, limit as i64], |r| {
            Ok(Pending { key: r.get(0)?, tracking_code: r.get(1)?, payload: r.get(2)?, attempts: r.get(3)? })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// When the next pending submission becomes due, if any.
    pub fn next_due_ms(&self) -> Result<Option<i64>, QueueError> {
        Ok(self
            .conn
            .query_row("SELECT MIN(next_attempt_ms) FROM submissions WHERE state = 'pending'", [], |r| r.get(0))?)
    }

    /// Records several attempts' outcomes in one transaction (one fsync).
    pub fn record(&mut self, outcomes: &[Outcome], now_ms: i64) -> Result<(), QueueError> {
        let tx = self.conn.transaction()?;
        for o in outcomes {
            match o {
                Outcome::Delivered(key, reg) => Self::uploaded(&tx, key, reg, now_ms)?,
                Outcome::Retry(key, next, error) => Self::retry(&tx, key, *next, error)?,
                Outcome::Rejected(key, error) => Self::rejected(&tx, key, error)?,
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn uploaded(c: &Connection, key: &str, reg: &Registration, now_ms: i64) -> Result<(), QueueError> {
        c.execute(
            "UPDATE submissions SET state = 'uploaded', payload = NULL, uploaded_ms = ?2,
                 registration_number = ?3, registration_date = ?4, stage = ?5, last_error = NULL
             WHERE key = ?1",
            params![key, now_ms, reg.registration_number, reg.registration_date, reg.stage],
        )?;
        Ok(())
    }

    fn retry(c: &Connection, key: &str, next_attempt_ms: i64, error: &str) -> Result<(), QueueError> {
        c.execute(
            "UPDATE submissions SET attempts = attempts + 1, next_attempt_ms = ?2, last_error = ?3 WHERE key = ?1 AND state = 'pending'",
            params![key, next_attempt_ms, error],
        )?;
        Ok(())
    }

    fn rejected(c: &Connection, key: &str, error: &str) -> Result<(), QueueError> {
        c.execute(
            "UPDATE submissions SET state = 'rejected', attempts = attempts + 1, last_error = ?2 WHERE key = ?1",
            params![key, error],
        )?;
        Ok(())
    }

    /// Records the registry's answer and purges the personal data.
    pub fn mark_uploaded(&self, key: &str, reg: &Registration, now_ms: i64) -> Result<(), QueueError> {
        Self::uploaded(&self.conn, key, reg, now_ms)
    }

    /// A transient failure: try again at `next_attempt_ms`.
    pub fn mark_retry(&self, key: &str, next_attempt_ms: i64, error: &str) -> Result<(), QueueError> {
        Self::retry(&self.conn, key, next_attempt_ms, error)
    }

    /// A permanent rejection: kept for a technician, never retried by itself.
    pub fn mark_rejected(&self, key: &str, error: &str) -> Result<(), QueueError> {
        Self::rejected(&self.conn, key, error)
    }

    /// Updates the stage the registry reported for an uploaded submission.
    pub fn set_stage(&self, tracking_code: &str, reg: &Registration) -> Result<(), QueueError> {
        self.conn.execute(
            "UPDATE submissions SET registration_number = ?2, registration_date = ?3, stage = ?4
             WHERE tracking_code = ?1 AND state = 'uploaded'",
            params![tracking_code, reg.registration_number, reg.registration_date, reg.stage],
        )?;
        Ok(())
    }

    /// Forgets delivered submissions (already without personal data) older
    /// than `before_ms`; returns how many.
    pub fn purge_uploaded_before(&self, before_ms: i64) -> Result<usize, QueueError> {
        Ok(self.conn.execute("DELETE FROM submissions WHERE state = 'uploaded' AND uploaded_ms < ?1", [before_ms])?)
    }

    pub fn lookup(&self, tracking_code: &str) -> Result<Option<LocalStatus>, QueueError> {
        Ok(self
            .conn
            .query_row(
                "SELECT tracking_code, form_id, state, registration_number, registration_date, stage, created_ms
                 FROM submissions WHERE tracking_code = ?1",
                [tracking_code],
                |r| {
                    Ok(LocalStatus {
                        tracking_code: r.get(0)?,
                        form_id: r.get(1)?,
                        state: State::parse(&r.get::<_, String>(2)?),
                        registration_number: r.get(3)?,
                        registration_date: r.get(4)?,
                        stage: r.get(5)?,
                        created_ms: r.get(6)?,
                    })
                },
            )
            .optional()?)
    }

    /// The latest submissions, newest first: tracking code, form and time only
    /// (what their receipts carried), for staff reprints.
    pub fn recent(&self, limit: usize) -> Result<Vec<(String, String, i64)>, QueueError> {
        let mut stmt = self.conn.prepare(
            "SELECT tracking_code, form_id, created_ms FROM submissions ORDER BY created_ms DESC, rowid DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// When the registry last confirmed a submission (among those still kept).
    pub fn last_uploaded_ms(&self) -> Result<Option<i64>, QueueError> {
        Ok(self
            .conn
            .query_row("SELECT MAX(uploaded_ms) FROM submissions WHERE state = 'uploaded'", [], |r| r.get(0))?)
    }

    pub fn counts(&self) -> Result<Counts, QueueError> {
        let mut c = Counts::default();
        let mut stmt = self.conn.prepare("SELECT state, COUNT(*), MIN(created_ms) FROM submissions GROUP BY state")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let n: u64 = r.get(1)?;
            match State::parse(&r.get::<_, String>(0)?) {
                State::Pending => {
                    c.pending = n;
                    c.oldest_pending_ms = r.get(2)?;
                }
                State::Uploaded => c.uploaded = n,
                State::Rejected => c.rejected = n,
            }
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reg(n: &str) -> Registration {
        Registration {
            registration_number: n.into(),
            registration_date: "23.11.2026".into(),
            stage: "inregistrata".into(),
        }
    }

    #[test]
    fn a_submission_goes_pending_then_uploaded_and_its_payload_is_purged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("q.sqlite");
        let mut q = Queue::open(&path).unwrap();
        let r = q.enqueue("petitie", "k1", "K7Q-4M2-X9", b"{\"a\":1}", 1000).unwrap();
        assert_eq!(r.tracking_code, "K7Q-4M2-X9");
        assert_eq!(q.counts().unwrap().pending, 1);
        let due = q.due(1000, 10).unwrap();
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].payload, b"{\"a\":1}");
        q.mark_uploaded("k1", &reg("12"), 2000).unwrap();
        let s = q.lookup("K7Q-4M2-X9").unwrap().unwrap();
        assert_eq!(s.state, State::Uploaded);
        assert_eq!(s.registration_number.as_deref(), Some("12"));
        let payload: Option<Vec<u8>> =
            q.conn.query_row("SELECT payload FROM submissions WHERE key='k1'", [], |r| r.get(0)).unwrap();
        assert_eq!(payload, None, "personal data purged after confirmation");
        assert!(q.due(5000, 10).unwrap().is_empty());
    }

    #[test]
    fn a_committed_submission_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("q.sqlite");
        {
            let mut q = Queue::open(&path).unwrap();
            q.enqueue("petitie", "k1", "AAA-AAA-AA", b"x", 1).unwrap();
        }
        let q = Queue::open(&path).unwrap();
        assert_eq!(q.counts().unwrap().pending, 1);
        let mode: String = q.conn.pragma_query_value(None, "journal_mode", |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
        let sync: i64 = q.conn.pragma_query_value(None, "synchronous", |r| r.get(0)).unwrap();
        assert_eq!(sync, 2, "synchronous=FULL");
    }

    #[test]
    fn retries_wait_and_rejections_stop() {
        let dir = tempfile::tempdir().unwrap();
        let mut q = Queue::open(&dir.path().join("q.sqlite")).unwrap();
        q.enqueue("petitie", "k1", "AAA-AAA-AA", b"x", 0).unwrap();
        q.enqueue("petitie", "k2", "BBB-BBB-BB", b"y", 1).unwrap();
        q.mark_retry("k1", 500, "connection refused").unwrap();
        assert_eq!(q.due(100, 10).unwrap().len(), 1);
        assert_eq!(q.next_due_ms().unwrap(), Some(1));
        q.mark_rejected("k2", "400 bad request").unwrap();
        assert_eq!(q.due(1000, 10).unwrap().iter().map(|p| p.key.as_str()).collect::<Vec<_>>(), ["k1"]);
        let c = q.counts().unwrap();
        assert_eq!((c.pending, c.rejected), (1, 1));
        assert_eq!(q.lookup("BBB-BBB-BB").unwrap().unwrap().state, State::Rejected);
    }

    #[test]
    fn delivered_rows_are_forgotten_after_the_retention_period_and_pending_ones_never() {
        let dir = tempfile::tempdir().unwrap();
        let mut q = Queue::open(&dir.path().join("q.sqlite")).unwrap();
        q.enqueue("petitie", "k1", "AAA-AAA-AA", b"x", 0).unwrap();
        q.enqueue("petitie", "k2", "BBB-BBB-BB", b"y", 0).unwrap();
        q.mark_uploaded("k1", &reg("1"), 1_000).unwrap();
        assert_eq!(q.purge_uploaded_before(500).unwrap(), 0);
        assert_eq!(q.purge_uploaded_before(2_000).unwrap(), 1);
        assert!(q.lookup("AAA-AAA-AA").unwrap().is_none());
        assert_eq!(q.counts().unwrap().pending, 1);
    }

    #[test]
    fn a_corrupt_database_is_moved_aside_and_reported_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("queue.sqlite");
        std::fs::write(&path, b"this is not an SQLite database, it is 64 bytes of garbage......").unwrap();
        let err = Queue::open_checked(&path).err().expect("corruption is reported");
        let QueueError::Corrupt { moved, .. } = &err else { panic!("{err}") };
        assert_eq!(std::fs::read(moved).unwrap(), b"this is not an SQLite database, it is 64 bytes of garbage......");
        assert!(!path.exists());
        // A healthy queue opens as usual.
        let q = Queue::open_checked(&path).unwrap();
        assert_eq!(q.counts().unwrap(), Counts::default());
    }

    #[test]
    fn the_disk_reserve_refuses_new_submissions() {
        let dir = tempfile::tempdir().unwrap();
        assert!(check_space(dir.path(), Some(1)).is_ok());
        let err = check_space(dir.path(), Some(u64::MAX / (1024 * 1024))).unwrap_err();
        assert!(matches!(err, QueueError::DiskFull { .. }), "{err}");
        let s = space(dir.path(), None).unwrap();
        assert!(s.total_mb >= s.free_mb && s.reserve_mb == reserve_mb(s.total_mb, None), "{s:?}");
        // The 256 MiB data partition as built: 213 MB free of 241.
        let small = Space { free_mb: 213, total_mb: 241, reserve_mb: reserve_mb(241, None) };
        assert!(small.check().is_ok(), "{small:?}");
        let full = Space { free_mb: 23, ..small };
        let err = full.check().unwrap_err();
        assert!(matches!(err, QueueError::DiskFull { free_mb: 23, min_mb: 24 }), "{err}");
        assert!(err.to_string().contains("almost full") && err.to_string().contains("24 MB kept in reserve"));
    }

    #[test]
    fn the_reserve_is_a_tenth_of_a_small_disk_200_mb_of_a_large_one_or_what_is_configured() {
        for (total, configured, want) in [
            (241, None, 24),          // the image's 256 MiB data partition
            (2_148, None, 200),       // grown on first boot into a disk 2 GiB larger
            (60_000, None, 200),      // a 64 GB SD card
            (100, None, 16),          // tiny: the floor
            (60_000, Some(500), 500), // a technician's own reserve, as written
            (241, Some(1), 1),
        ] {
            assert_eq!(reserve_mb(total, configured), want, "{total} MB, configured {configured:?}");
        }
    }

    #[test]
    fn the_reserve_counts_the_envelopes_own_size() {
        let dir = tempfile::tempdir().unwrap();
        let mut q = Queue::open(&dir.path().join("q.sqlite")).unwrap();
        // A reserve 40 MB below what is free now: a small envelope fits, one
        // whose footprint (24 MB, twice: WAL then database) would eat into it does not.
        let free_mb = free_bytes(dir.path()).unwrap() / (1024 * 1024);
        q.keep_free(dir.path(), Some(free_mb.saturating_sub(40)));
        q.enqueue("petitie", "k1", "AAA-AAA-AA", b"small", 0).unwrap();
        let big = vec![7u8; 24 * 1024 * 1024];
        let err = q.enqueue("petitie", "k2", "BBB-BBB-BB", &big, 0).unwrap_err();
        assert!(matches!(err, QueueError::DiskFull { .. }), "{err}");
        assert_eq!(q.counts().unwrap().pending, 1);
    }

    #[test]
    fn tracking_codes_are_unique() {
        let dir = tempfile::tempdir().unwrap();
        let mut q = Queue::open(&dir.path().join("q.sqlite")).unwrap();
        q.enqueue("petitie", "k1", "AAA-AAA-AA", b"x", 0).unwrap();
        assert!(q.code_taken("AAA-AAA-AA").unwrap());
        assert!(q.enqueue("petitie", "k2", "AAA-AAA-AA", b"x", 0).is_err());
    }
}
