//! The registry's work on the store, written once for both databases (over
//! [`Conn`]): staff accounts and their sign-in state, sessions, the audit
//! log, the inbox's lists, a request's history of stages and the messages
//! staff send the citizen.
//!
//! It decides nothing about passwords or policies (the web layer does); it
//! stores what it is told, in one transaction per action, and every action
//! on a request writes its audit line in the same transaction.

use super::record::StoreError;
use super::sql::{transaction, Conn, V};
use crate::wire::api::{Stage, StatusBody};

/// The tables of the registry's work (migration 3 in both stores): the same
/// DDL for SQLite and PostgreSQL (BIGINT is an integer to both).
pub const SCHEMA: &str = r#"
CREATE TABLE staff (
    name              TEXT PRIMARY KEY,
    password_hash     TEXT NOT NULL,
    role              TEXT NOT NULL,
    disabled          BIGINT NOT NULL DEFAULT 0,
    failures          BIGINT NOT NULL DEFAULT 0,
    locked_until_ms   BIGINT NOT NULL DEFAULT 0,
    created_ms        BIGINT NOT NULL
);
CREATE TABLE staff_sessions (
    token_sha256      TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    csrf              TEXT NOT NULL,
    created_ms        BIGINT NOT NULL,
    expires_ms        BIGINT NOT NULL
);
CREATE TABLE audit (
    id                TEXT PRIMARY KEY,
    at_ms             BIGINT NOT NULL,
    actor             TEXT NOT NULL,
    action            TEXT NOT NULL,
    tracking_code     TEXT,
    detail            TEXT NOT NULL
);
CREATE INDEX audit_at ON audit (at_ms);
CREATE TABLE history (
    id                TEXT PRIMARY KEY,
    tracking_code     TEXT NOT NULL,
    at_ms             BIGINT NOT NULL,
    stage             TEXT NOT NULL,
    actor             TEXT NOT NULL,
    note              TEXT NOT NULL
);
CREATE INDEX history_code ON history (tracking_code, at_ms);
CREATE TABLE messages (
    id                TEXT PRIMARY KEY,
    tracking_code     TEXT NOT NULL,
    at_ms             BIGINT NOT NULL,
    actor             TEXT NOT NULL,
    text              TEXT NOT NULL,
    file_name         TEXT,
    file_stored       TEXT
);
CREATE INDEX messages_code ON messages (tracking_code, at_ms);
INSERT INTO history (id, tracking_code, at_ms, stage, actor, note)
    SELECT 'arrival-' || tracking_code, tracking_code, received_ms, 'registered', 'intake', '' FROM submissions;
INSERT INTO history (id, tracking_code, at_ms, stage, actor, note)
    SELECT 'stage-' || tracking_code, tracking_code, received_ms, stage, 'intake', '' FROM submissions
    WHERE stage <> 'registered';
"#;

fn id() -> String {
    uuid::Uuid::now_v7().to_string()
}

fn bool_of(v: &V) -> bool {
    v.int().unwrap_or(0) != 0
}

/// A staff account as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffUser {
    pub name: String,
    pub password_hash: String,
    pub role: String,
    pub disabled: bool,
    pub failures: i64,
    pub locked_until_ms: i64,
}

/// Creates the account, or resets an existing one (new password and role,
/// enabled again, failures forgotten).
pub fn add_user(c: &mut dyn Conn, name: &str, hash: &str, role: &str, now_ms: i64) -> Result<(), StoreError> {
    transaction(c, |c| {
        c.exec(
            "INSERT INTO staff (name, password_hash, role, disabled, failures, locked_until_ms, created_ms)
             VALUES ($1, $2, $3, 0, 0, 0, $4)
             ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash, role = excluded.role,
                 disabled = 0, failures = 0, locked_until_ms = 0",
            &[name.into(), hash.into(), role.into(), now_ms.into()],
        )?;
        audit(c, now_ms, "admin", "user-add", None, &format!("{name} ({role})"))
    })
}

/// Disables the account and ends its sessions; false when there is no such account.
pub fn disable_user(c: &mut dyn Conn, name: &str, now_ms: i64) -> Result<bool, StoreError> {
    transaction(c, |c| {
        let n = c.exec("UPDATE staff SET disabled = 1 WHERE name = $1", &[name.into()])?;
        c.exec("DELETE FROM staff_sessions WHERE name = $1", &[name.into()])?;
        if n == 1 {
            audit(c, now_ms, "admin", "user-disable", None, name)?;
        }
        Ok(n == 1)
    })
}

pub fn user(c: &mut dyn Conn, name: &str) -> Result<Option<StaffUser>, StoreError> {
    let rows = c.rows(
        "SELECT name, password_hash, role, disabled, failures, locked_until_ms FROM staff WHERE name = $1",
        &[name.into()],
    )?;
    Ok(rows.into_iter().next().map(|r| StaffUser {
        name: r[0].string(),
        password_hash: r[1].string(),
        role: r[2].string(),
        disabled: bool_of(&r[3]),
        failures: r[4].int().unwrap_or(0),
        locked_until_ms: r[5].int().unwrap_or(0),
    }))
}

/// Counts a failed sign-in; at `max_failures` in a row the account is locked
/// until `now_ms + lock_ms` (and the count starts again). True when it locked now.
pub fn sign_in_failed(
    c: &mut dyn Conn,
    name: &str,
    now_ms: i64,
    max_failures: i64,
    lock_ms: i64,
) -> Result<bool, StoreError> {
    transaction(c, |c| {
        c.exec("UPDATE staff SET failures = failures + 1 WHERE name = $1", &[name.into()])?;
        let n = c.exec(
            "UPDATE staff SET failures = 0, locked_until_ms = $2 WHERE name = $1 AND failures >= $3",
            &[name.into(), (now_ms + lock_ms).into(), max_failures.into()],
        )?;
        audit(c, now_ms, name, if n == 1 { "sign-in-locked" } else { "sign-in-failed" }, None, "")?;
        Ok(n == 1)
    })
}

/// A successful sign-in: failures forgotten, the session stored.
pub fn sign_in(
    c: &mut dyn Conn,
    name: &str,
    token_sha256: &str,
    csrf: &str,
    now_ms: i64,
    expires_ms: i64,
) -> Result<(), StoreError> {
    transaction(c, |c| {
        c.exec("UPDATE staff SET failures = 0 WHERE name = $1", &[name.into()])?;
        c.exec("DELETE FROM staff_sessions WHERE expires_ms <= $1", &[now_ms.into()])?;
        c.exec(
            "INSERT INTO staff_sessions (token_sha256, name, csrf, created_ms, expires_ms) VALUES ($1, $2, $3, $4, $5)",
            &[token_sha256.into(), name.into(), csrf.into(), now_ms.into(), expires_ms.into()],
        )?;
        audit(c, now_ms, name, "sign-in", None, "")
    })
}

/// A signed-in staff member, from a live session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub name: String,
    pub role: String,
    pub csrf: String,
    pub created_ms: i64,
}

/// The session's staff member, if the session is live and the account enabled;
/// a live session is extended to `extend_to_ms`.
pub fn session(
    c: &mut dyn Conn,
    token_sha256: &str,
    now_ms: i64,
    extend_to_ms: impl Fn(i64) -> i64,
) -> Result<Option<Session>, StoreError> {
    let rows = c.rows(
        "SELECT s.name, u.role, s.csrf, s.created_ms FROM staff_sessions s JOIN staff u ON u.name = s.name
         WHERE s.token_sha256 = $1 AND s.expires_ms > $2 AND u.disabled = 0",
        &[token_sha256.into(), now_ms.into()],
    )?;
    let Some(r) = rows.into_iter().next() else { return Ok(None) };
    let s =
        Session { name: r[0].string(), role: r[1].string(), csrf: r[2].string(), created_ms: r[3].int().unwrap_or(0) };
    c.exec(
        "UPDATE staff_sessions SET expires_ms = $2 WHERE token_sha256 = $1",
        &[token_sha256.into(), extend_to_ms(s.created_ms).into()],
    )?;
    Ok(Some(s))
}

pub fn sign_out(c: &mut dyn Conn, token_sha256: &str, name: &str, now_ms: i64) -> Result<(), StoreError> {
    transaction(c, |c| {
        c.exec("DELETE FROM staff_sessions WHERE token_sha256 = $1", &[token_sha256.into()])?;
        audit(c, now_ms, name, "sign-out", None, "")
    })
}

/// Writes one line of the audit log: who, when, what, on which request.
pub fn audit(
    c: &mut dyn Conn,
    now_ms: i64,
    actor: &str,
    action: &str,
    tracking_code: Option<&str>,
    detail: &str,
) -> Result<(), StoreError> {
    c.exec(
        "INSERT INTO audit (id, at_ms, actor, action, tracking_code, detail) VALUES ($1, $2, $3, $4, $5, $6)",
        &[id().into(), now_ms.into(), actor.into(), action.into(), V::opt_text(tracking_code), detail.into()],
    )?;
    Ok(())
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditLine {
    pub at_ms: i64,
    pub actor: String,
    pub action: String,
    pub tracking_code: Option<String>,
    pub detail: String,
}

/// The audit log, oldest first; only one request's lines when `tracking_code` is given.
pub fn audit_log(c: &mut dyn Conn, tracking_code: Option<&str>) -> Result<Vec<AuditLine>, StoreError> {
    let rows = match tracking_code {
        Some(code) => c.rows(
            "SELECT at_ms, actor, action, tracking_code, detail FROM audit WHERE tracking_code = $1 ORDER BY at_ms, id",
            &[code.into()],
        )?,
        None => c.rows("SELECT at_ms, actor, action, tracking_code, detail FROM audit ORDER BY at_ms, id", &[])?,
    };
    Ok(rows
        .into_iter()
        .map(|r| AuditLine {
            at_ms: r[0].int().unwrap_or(0),
            actor: r[1].string(),
            action: r[2].string(),
            tracking_code: r[3].text().map(str::to_owned),
            detail: r[4].string(),
        })
        .collect())
}

/// What the inbox shows: one state, optionally one service and one kiosk,
/// optionally one tracking code or registration number.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InboxFilter {
    pub stage: Option<Stage>,
    pub form_id: String,
    pub kiosk_id: String,
    pub search: String,
}

/// A request as the inbox lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxRow {
    pub tracking_code: String,
    /// Empty until registered.
    pub registration_number: String,
    pub registration_date: String,
    pub stage: Stage,
    pub form_id: String,
    pub kiosk_id: String,
    pub received_ms: i64,
}

const ROW: &str =
    "SELECT tracking_code, number, registration_date, stage, form_id, kiosk_id, received_ms FROM submissions";

fn row_of(r: &[V]) -> InboxRow {
    InboxRow {
        tracking_code: r[0].string(),
        registration_number: r[1].int().map(|n| n.to_string()).unwrap_or_default(),
        registration_date: r[2].string(),
        stage: Stage::parse(&r[3].string()).unwrap_or(Stage::Registered),
        form_id: r[4].string(),
        kiosk_id: r[5].string(),
        received_ms: r[6].int().unwrap_or(0),
    }
}

/// The inbox, newest first (at most `limit`).
pub fn inbox(c: &mut dyn Conn, f: &InboxFilter, limit: i64) -> Result<Vec<InboxRow>, StoreError> {
    let search = f.search.trim().to_ascii_uppercase();
    let rows = c.rows(
        &format!(
            "{ROW} WHERE ($1 = '' OR stage = $1) AND ($2 = '' OR form_id = $2) AND ($3 = '' OR kiosk_id = $3)
               AND ($4 = '' OR tracking_code = $4 OR CAST(number AS TEXT) = $4)
             ORDER BY received_ms DESC, tracking_code LIMIT $5"
        ),
        &[
            f.stage.map_or("", Stage::code).into(),
            f.form_id.as_str().into(),
            f.kiosk_id.as_str().into(),
            search.into(),
            limit.into(),
        ],
    )?;
    Ok(rows.iter().map(|r| row_of(r)).collect())
}

/// How many requests are in each stage.
pub fn counts(c: &mut dyn Conn) -> Result<Vec<(Stage, i64)>, StoreError> {
    let rows = c.rows("SELECT stage, COUNT(*) FROM submissions GROUP BY stage", &[])?;
    Ok(rows.iter().filter_map(|r| Some((Stage::parse(&r[0].string())?, r[1].int().unwrap_or(0)))).collect())
}

/// The services and kiosks that sent requests, for the inbox's filters.
pub fn facets(c: &mut dyn Conn) -> Result<(Vec<String>, Vec<String>), StoreError> {
    let col = |c: &mut dyn Conn, q: &str| -> Result<Vec<String>, StoreError> {
        Ok(c.rows(q, &[])?.iter().map(|r| r[0].string()).collect())
    };
    Ok((
        col(c, "SELECT DISTINCT form_id FROM submissions ORDER BY form_id")?,
        col(c, "SELECT DISTINCT kiosk_id FROM submissions ORDER BY kiosk_id")?,
    ))
}

/// One request: its row and its opened body (JSON, the answers and the PDF inside).
pub fn request(c: &mut dyn Conn, code: &str) -> Result<Option<(InboxRow, String)>, StoreError> {
    let rows = c.rows(
        "SELECT tracking_code, number, registration_date, stage, form_id, kiosk_id, received_ms, body
         FROM submissions WHERE tracking_code = $1",
        &[code.into()],
    )?;
    Ok(rows.into_iter().next().map(|r| (row_of(&r), r[7].string())))
}

/// One stage a request passed through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub stage: Stage,
    pub at_ms: i64,
    pub actor: String,
    /// A cancellation's reason, or a staff note.
    pub note: String,
}

pub fn history(c: &mut dyn Conn, code: &str) -> Result<Vec<Step>, StoreError> {
    let rows = c.rows(
        "SELECT stage, at_ms, actor, note FROM history WHERE tracking_code = $1 ORDER BY at_ms, id",
        &[code.into()],
    )?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            Some(Step {
                stage: Stage::parse(&r[0].string())?,
                at_ms: r[1].int().unwrap_or(0),
                actor: r[2].string(),
                note: r[3].string(),
            })
        })
        .collect())
}

/// A message from the registry to the citizen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: String,
    pub at_ms: i64,
    pub actor: String,
    pub text: String,
    /// The attached file's name as sent, and its stored name under `messages/`.
    pub file: Option<(String, String)>,
}

pub fn messages(c: &mut dyn Conn, code: &str) -> Result<Vec<Message>, StoreError> {
    let rows = c.rows(
        "SELECT id, at_ms, actor, text, file_name, file_stored FROM messages WHERE tracking_code = $1 ORDER BY at_ms, id",
        &[code.into()],
    )?;
    Ok(rows
        .iter()
        .map(|r| Message {
            id: r[0].string(),
            at_ms: r[1].int().unwrap_or(0),
            actor: r[2].string(),
            text: r[3].string(),
            file: r[4].text().zip(r[5].text()).map(|(a, b)| (a.to_owned(), b.to_owned())),
        })
        .collect())
}

/// The first stage a request is filed in, and the history line that says so
/// (called by both stores' `register`, inside their transaction).
pub fn arrival(c: &mut dyn Conn, code: &str, stage: Stage, now_ms: i64) -> Result<(), StoreError> {
    c.exec(
        "INSERT INTO history (id, tracking_code, at_ms, stage, actor, note) VALUES ($1, $2, $3, $4, 'intake', '')",
        &[id().into(), code.into(), now_ms.into(), stage.code().into()],
    )?;
    Ok(())
}

/// A stage change with its history and audit lines, inside the caller's transaction.
pub fn step(
    c: &mut dyn Conn,
    code: &str,
    stage: Stage,
    actor: &str,
    note: &str,
    now_ms: i64,
) -> Result<bool, StoreError> {
    let n =
        c.exec("UPDATE submissions SET stage = $2 WHERE tracking_code = $1", &[code.into(), stage.code().into()])?;
    if n == 0 {
        return Ok(false);
    }
    c.exec(
        "INSERT INTO history (id, tracking_code, at_ms, stage, actor, note) VALUES ($1, $2, $3, $4, $5, $6)",
        &[id().into(), code.into(), now_ms.into(), stage.code().into(), actor.into(), note.into()],
    )?;
    audit(c, now_ms, actor, &format!("stage:{}", stage.code()), Some(code), note)?;
    Ok(true)
}

/// Moves a request to `stage`, with a history line and an audit line; false
/// when there is no such request.
pub fn set_stage(
    c: &mut dyn Conn,
    code: &str,
    stage: Stage,
    actor: &str,
    note: &str,
    now_ms: i64,
) -> Result<bool, StoreError> {
    transaction(c, |c| step(c, code, stage, actor, note, now_ms))
}

/// "Validează și înregistrează": gives a request that has no number yet the
/// next number of `now`'s year and moves it to `registered`. A request that
/// already has one keeps it (registering twice changes nothing). `None`:
/// no such request.
pub fn validate(
    c: &mut dyn Conn,
    code: &str,
    actor: &str,
    now: &jiff::Zoned,
    lock: &dyn Fn(&mut dyn Conn) -> Result<(), StoreError>,
) -> Result<Option<StatusBody>, StoreError> {
    let now_ms = now.timestamp().as_millisecond();
    transaction(c, |c| {
        lock(c)?;
        let Some((row, _)) = request(c, code)? else { return Ok(None) };
        if row.registration_number.is_empty() {
            let year = i64::from(now.year());
            let number = c
                .rows("SELECT COALESCE(MAX(number), 0) + 1 FROM submissions WHERE year = $1", &[year.into()])?[0][0]
                .int()
                .unwrap_or(1);
            let date = now.strftime("%d.%m.%Y").to_string();
            c.exec(
                "UPDATE submissions SET year = $2, number = $3, registration_date = $4 WHERE tracking_code = $1",
                &[code.into(), year.into(), number.into(), date.into()],
            )?;
            super::outbox::enqueue(c, code, super::outbox::Kind::Registered, "", now_ms)?;
        }
        if row.stage == Stage::New || row.registration_number.is_empty() {
            step(c, code, Stage::Registered, actor, "", now_ms)?;
        }
        let (row, _) = request(c, code)?.expect("the row is there");
        Ok(Some(StatusBody {
            tracking_code: row.tracking_code,
            registration_number: row.registration_number,
            registration_date: row.registration_date,
            stage: row.stage,
            ..StatusBody::default()
        }))
    })
}

/// Stores a message to the citizen (its file already saved as `file`), with
/// its audit line and its mail in the outbox, in one transaction.
pub fn add_message(
    c: &mut dyn Conn,
    code: &str,
    actor: &str,
    text: &str,
    file: Option<(&str, &str)>,
    now_ms: i64,
) -> Result<bool, StoreError> {
    transaction(c, |c| {
        if request(c, code)?.is_none() {
            return Ok(false);
        }
        let message_id = id();
        c.exec(
            "INSERT INTO messages (id, tracking_code, at_ms, actor, text, file_name, file_stored)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                message_id.as_str().into(),
                code.into(),
                now_ms.into(),
                actor.into(),
                text.into(),
                V::opt_text(file.map(|f| f.0)),
                V::opt_text(file.map(|f| f.1)),
            ],
        )?;
        audit(c, now_ms, actor, "message", Some(code), file.map_or("", |f| f.0))?;
        // Mailed to the citizen, if they left an address (the sender decides).
        super::outbox::enqueue(c, code, super::outbox::Kind::Message, &message_id, now_ms)?;
        Ok(true)
    })
}

/// A request as the citizen may see it: its row (no answers), its stages and
/// the registry's messages.
pub type CitizenView = (InboxRow, Vec<Step>, Vec<Message>);

/// [`CitizenView`] of `code`; `None`: no such request.
pub fn citizen(c: &mut dyn Conn, code: &str) -> Result<Option<CitizenView>, StoreError> {
    let rows = c.rows(&format!("{ROW} WHERE tracking_code = $1"), &[code.into()])?;
    let Some(row) = rows.first().map(|r| row_of(r)) else { return Ok(None) };
    Ok(Some((row, history(c, code)?, messages(c, code)?)))
}

/// The name a message's file was sent with, when `stored` is a file of one of
/// `code`'s messages (a link works only with its own request's code).
pub fn message_file(c: &mut dyn Conn, code: &str, stored: &str) -> Result<Option<String>, StoreError> {
    let rows = c.rows(
        "SELECT file_name FROM messages WHERE tracking_code = $1 AND file_stored = $2",
        &[code.into(), stored.into()],
    )?;
    Ok(rows.first().map(|r| r[0].string()))
}
