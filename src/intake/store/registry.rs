//! The registry API's side of the store (`/api/v1/registry/…`, issue #16):
//! the tokens an existing registry system signs in with (only their SHA-256
//! is kept), the requests filed since a cursor in arrival order, and a
//! registration number pushed by that system. Written once for both
//! databases over [`Conn`]; every action writes its audit line with the
//! token's name in the same transaction.

use super::record::StoreError;
use super::sql::{transaction, Conn, V};
use super::work::{self, InboxRow};
use crate::wire::api::{Stage, StatusBody};

/// Stores a new token for `name` (replacing and un-revoking an older one).
pub fn add_token(c: &mut dyn Conn, name: &str, token_sha256: &str, now_ms: i64) -> Result<(), StoreError> {
    transaction(c, |c| {
        c.exec(
            "INSERT INTO api_tokens (name, token_sha256, created_ms, revoked_ms) VALUES ($1, $2, $3, NULL)
             ON CONFLICT (name) DO UPDATE SET token_sha256 = excluded.token_sha256,
                 created_ms = excluded.created_ms, revoked_ms = NULL",
            &[name.into(), token_sha256.into(), now_ms.into()],
        )?;
        work::audit(c, now_ms, "admin", "token-add", None, name)
    })
}

/// Revokes `name`'s token; false when there is no such live token.
pub fn revoke_token(c: &mut dyn Conn, name: &str, now_ms: i64) -> Result<bool, StoreError> {
    transaction(c, |c| {
        let n = c.exec(
            "UPDATE api_tokens SET revoked_ms = $2 WHERE name = $1 AND revoked_ms IS NULL",
            &[name.into(), now_ms.into()],
        )?;
        if n == 1 {
            work::audit(c, now_ms, "admin", "token-revoke", None, name)?;
        }
        Ok(n == 1)
    })
}

/// The name of the live token with this hash.
pub fn token_name(c: &mut dyn Conn, token_sha256: &str) -> Result<Option<String>, StoreError> {
    let rows =
        c.rows("SELECT name FROM api_tokens WHERE token_sha256 = $1 AND revoked_ms IS NULL", &[token_sha256.into()])?;
    Ok(rows.into_iter().next().map(|r| r[0].string()))
}

/// A request in the API's list: its place in the arrival order (the cursor),
/// its row, and the request it completes when it is a supplement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub seq: i64,
    pub row: InboxRow,
    pub supplement_of: Option<String>,
}

const LISTED: &str = "SELECT seq, tracking_code, number, registration_date, stage, form_id, kiosk_id, received_ms,
    supplement_of FROM submissions";

fn listed(r: &[V]) -> Listed {
    Listed {
        seq: r[0].int().unwrap_or(0),
        row: InboxRow {
            tracking_code: r[1].string(),
            registration_number: r[2].int().map(|n| n.to_string()).unwrap_or_default(),
            registration_date: r[3].string(),
            stage: Stage::parse(&r[4].string()).unwrap_or(Stage::Registered),
            form_id: r[5].string(),
            kiosk_id: r[6].string(),
            received_ms: r[7].int().unwrap_or(0),
        },
        supplement_of: r[8].text().map(str::to_owned),
    }
}

/// Requests filed after `after` (a `seq`), in arrival order, at most `limit`.
pub fn since(c: &mut dyn Conn, after: i64, limit: i64) -> Result<Vec<Listed>, StoreError> {
    let rows = c.rows(&format!("{LISTED} WHERE seq > $1 ORDER BY seq LIMIT $2"), &[after.into(), limit.into()])?;
    Ok(rows.iter().map(|r| listed(r)).collect())
}

/// One request as listed.
pub fn listed_one(c: &mut dyn Conn, code: &str) -> Result<Option<Listed>, StoreError> {
    let rows = c.rows(&format!("{LISTED} WHERE tracking_code = $1"), &[code.into()])?;
    Ok(rows.first().map(|r| listed(r)))
}

/// The supplements filed for `code`, oldest first.
pub fn supplements(c: &mut dyn Conn, code: &str) -> Result<Vec<Listed>, StoreError> {
    let rows = c.rows(&format!("{LISTED} WHERE supplement_of = $1 ORDER BY seq"), &[code.into()])?;
    Ok(rows.iter().map(|r| listed(r)).collect())
}

/// Marks a filed request as a supplement to `original` (inside the registration's transaction).
pub const SET_SUPPLEMENT: &str = "UPDATE submissions SET supplement_of = $2 WHERE tracking_code = $1";

/// What pushing a registration number came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pushed {
    Done(StatusBody),
    NoSuchRequest,
    /// Another request of that year already has this number.
    NumberTaken,
}

/// The registry system gave the request its own number and date
/// (`DD.MM.YYYY`, a real day): stored, the request moves to `registered`
/// (unless staff moved it further), and the citizen's mail is queued.
pub fn push_number(
    c: &mut dyn Conn,
    code: &str,
    number: i64,
    date: &str,
    actor: &str,
    now_ms: i64,
) -> Result<Pushed, StoreError> {
    let year: i64 = date.rsplit('.').next().and_then(|y| y.parse().ok()).unwrap_or(0);
    transaction(c, |c| {
        let Some((row, _)) = work::request(c, code)? else { return Ok(Pushed::NoSuchRequest) };
        let taken = c.rows(
            "SELECT 1 FROM submissions WHERE year = $1 AND number = $2 AND tracking_code <> $3",
            &[year.into(), number.into(), code.into()],
        )?;
        if !taken.is_empty() {
            return Ok(Pushed::NumberTaken);
        }
        c.exec(
            "UPDATE submissions SET year = $2, number = $3, registration_date = $4 WHERE tracking_code = $1",
            &[code.into(), year.into(), number.into(), date.into()],
        )?;
        work::audit(c, now_ms, actor, "registration", Some(code), &format!("{number} / {date}"))?;
        if row.stage == Stage::New {
            work::step(c, code, Stage::Registered, actor, "", now_ms)?;
        }
        if row.registration_number.is_empty() {
            super::outbox::enqueue(c, code, super::outbox::Kind::Registered, "", now_ms)?;
        }
        let (row, _) = work::request(c, code)?.expect("the row is there");
        Ok(Pushed::Done(StatusBody {
            tracking_code: row.tracking_code,
            registration_number: row.registration_number,
            registration_date: row.registration_date,
            stage: row.stage,
            ..StatusBody::default()
        }))
    })
}
