//! The citizen hears back (issue #16): the mail outbox, written in the same
//! transaction as the registration or the staff message it announces, so a
//! mail server that is down delays the mail and never blocks staff or loses
//! it. A row holds no personal data (only the tracking code, what happened
//! and which message): the sender reads the address from the request when
//! it sends, and a sent row keeps only its times.
//!
//! Also the other tables of this branch's migration (one migration, so a
//! renumbering at merge is one line): registry API tokens, the arrival
//! order the registry API's cursor follows, and the link from a supplement
//! to the request it completes.

use super::record::StoreError;
use super::sql::{Conn, V};

/// The migration (number 5 in both stores; the same DDL for SQLite and
/// PostgreSQL). `seq` numbers requests in the order they were filed: both
/// stores file one at a time (SQLite's single writer, PostgreSQL's table
/// lock), so a cursor over it never skips a request.
pub const SCHEMA: &str = r#"
CREATE TABLE mail_outbox (
    id                TEXT PRIMARY KEY,
    tracking_code     TEXT NOT NULL,
    kind              TEXT NOT NULL,
    ref_id            TEXT NOT NULL,
    created_ms        BIGINT NOT NULL,
    next_ms           BIGINT NOT NULL,
    attempts          BIGINT NOT NULL DEFAULT 0,
    done_ms           BIGINT,
    outcome           TEXT NOT NULL DEFAULT '',
    UNIQUE (tracking_code, kind, ref_id)
);
CREATE INDEX mail_outbox_due ON mail_outbox (done_ms, next_ms);
CREATE TABLE api_tokens (
    name              TEXT PRIMARY KEY,
    token_sha256      TEXT NOT NULL UNIQUE,
    created_ms        BIGINT NOT NULL,
    revoked_ms        BIGINT
);
ALTER TABLE submissions ADD COLUMN seq BIGINT;
ALTER TABLE submissions ADD COLUMN supplement_of TEXT;
UPDATE submissions SET seq = (SELECT COUNT(*) FROM submissions s2
    WHERE s2.received_ms < submissions.received_ms
       OR (s2.received_ms = submissions.received_ms AND s2.tracking_code <= submissions.tracking_code));
CREATE UNIQUE INDEX submissions_seq ON submissions (seq);
"#;

/// What a mail announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The request got its registration number.
    Registered,
    /// Staff sent the citizen a message (`ref_id`: the message's id).
    Message,
}

impl Kind {
    pub fn code(self) -> &'static str {
        match self {
            Kind::Registered => "registered",
            Kind::Message => "message",
        }
    }
    fn parse(s: &str) -> Option<Kind> {
        [Kind::Registered, Kind::Message].into_iter().find(|k| k.code() == s)
    }
}

/// Gives a newly filed request the next place in the arrival order. Both
/// stores run it inside their registration's transaction (`$1`: the code).
pub const SET_SEQ: &str =
    "UPDATE submissions SET seq = (SELECT COALESCE(MAX(seq), 0) + 1 FROM submissions) WHERE tracking_code = $1";

/// Queues a mail; a second one for the same event is ignored (`$1` id, `$2`
/// code, `$3` kind, `$4` ref, `$5` now).
pub const ENQUEUE: &str = "INSERT INTO mail_outbox (id, tracking_code, kind, ref_id, created_ms, next_ms)
     VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (tracking_code, kind, ref_id) DO NOTHING";

/// Queues the mail announcing `kind` (call inside the action's transaction).
pub fn enqueue(c: &mut dyn Conn, code: &str, kind: Kind, ref_id: &str, now_ms: i64) -> Result<(), StoreError> {
    let id = uuid::Uuid::now_v7().to_string();
    c.exec(ENQUEUE, &[id.into(), code.into(), kind.code().into(), ref_id.into(), now_ms.into()])?;
    Ok(())
}

/// The arrival's part of a registration (SQLite's `register` calls it; the
/// PostgreSQL store runs the same two statements on its own transaction).
pub fn arrived(c: &mut dyn Conn, code: &str, numbered: bool, now_ms: i64) -> Result<(), StoreError> {
    c.exec(SET_SEQ, &[code.into()])?;
    if numbered {
        enqueue(c, code, Kind::Registered, "", now_ms)?;
    }
    Ok(())
}

/// A mail waiting to go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub id: String,
    pub tracking_code: String,
    pub kind: Kind,
    pub ref_id: String,
    pub attempts: i64,
    pub next_ms: i64,
}

/// Mails due at `now_ms`, oldest first.
pub fn due(c: &mut dyn Conn, now_ms: i64, limit: i64) -> Result<Vec<Pending>, StoreError> {
    let rows = c.rows(
        "SELECT id, tracking_code, kind, ref_id, attempts, next_ms FROM mail_outbox
         WHERE done_ms IS NULL AND next_ms <= $1 ORDER BY created_ms, id LIMIT $2",
        &[now_ms.into(), limit.into()],
    )?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            Some(Pending {
                id: r[0].string(),
                tracking_code: r[1].string(),
                kind: Kind::parse(&r[2].string())?,
                ref_id: r[3].string(),
                attempts: r[4].int().unwrap_or(0),
                next_ms: r[5].int().unwrap_or(0),
            })
        })
        .collect())
}

/// Takes a due mail for `lease_ms` (another intake process on the same
/// PostgreSQL then leaves it alone); false when someone else took it first.
pub fn claim(c: &mut dyn Conn, p: &Pending, now_ms: i64, lease_ms: i64) -> Result<bool, StoreError> {
    let n = c.exec(
        "UPDATE mail_outbox SET next_ms = $3 WHERE id = $1 AND next_ms = $2 AND done_ms IS NULL",
        &[p.id.as_str().into(), p.next_ms.into(), (now_ms + lease_ms).into()],
    )?;
    Ok(n == 1)
}

/// The mail went (`outcome` "sent"), or there is nowhere to send it ("no-address"),
/// or it was given up ("failed: …").
pub fn done(c: &mut dyn Conn, id: &str, outcome: &str, now_ms: i64) -> Result<(), StoreError> {
    c.exec(
        "UPDATE mail_outbox SET done_ms = $2, outcome = $3, attempts = attempts + 1 WHERE id = $1",
        &[id.into(), now_ms.into(), outcome.into()],
    )?;
    Ok(())
}

/// The server refused or could not be reached: try again at `next_ms`.
/// `why` must hold no personal data (an SMTP code, not the server's text).
pub fn retry_at(c: &mut dyn Conn, id: &str, next_ms: i64, why: &str) -> Result<(), StoreError> {
    c.exec(
        "UPDATE mail_outbox SET next_ms = $2, outcome = $3, attempts = attempts + 1 WHERE id = $1",
        &[id.into(), next_ms.into(), why.into()],
    )?;
    Ok(())
}

/// One row as a technician sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub tracking_code: String,
    pub kind: String,
    pub attempts: i64,
    pub done_ms: Option<i64>,
    pub outcome: String,
}

/// Every row of the outbox, oldest first.
pub fn all(c: &mut dyn Conn) -> Result<Vec<Row>, StoreError> {
    let rows =
        c.rows("SELECT tracking_code, kind, attempts, done_ms, outcome FROM mail_outbox ORDER BY created_ms, id", &[])?;
    Ok(rows
        .iter()
        .map(|r| Row {
            tracking_code: r[0].string(),
            kind: r[1].string(),
            attempts: r[2].int().unwrap_or(0),
            done_ms: r[3].int(),
            outcome: r[4].string(),
        })
        .collect())
}

/// A stored message by id: (text, attached file's name).
pub fn message(c: &mut dyn Conn, id: &str) -> Result<Option<(String, Option<String>)>, StoreError> {
    let rows = c.rows("SELECT text, file_name FROM messages WHERE id = $1", &[V::from(id)])?;
    Ok(rows.into_iter().next().map(|r| (r[0].string(), r[1].text().map(str::to_owned))))
}
