//! What both stores share: their errors, a stored submission, and the body
//! fingerprint behind the idempotency check. A leaf: it imports neither store.

use crate::wire::api::{StatusBody, SubmissionBody};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("intake database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("intake database (PostgreSQL): {0}")]
    Postgres(#[from] deadpool_postgres::tokio_postgres::Error),
    #[error("intake database unavailable: {0}")]
    Unavailable(String),
    #[error("cannot create data folder {0}: {1}")]
    Folder(String, std::io::Error),
    #[error("key {0} was already used for a different submission")]
    Conflict(String),
    #[error("tracking code {0} is already used by another submission")]
    CodeTaken(String),
}

/// A stored submission, as the registry sees it.
#[derive(Debug, Clone)]
pub struct Stored {
    pub body: SubmissionBody,
    pub status: StatusBody,
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
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
