//! Resumable uploads on disk: a large envelope (a request with its pages is
//! megabytes) arrives as `PATCH /api/v1/uploads/{key}` requests, each
//! appending at the offset the intake already holds. The body is streamed
//! into `uploads/KEY.part` as it arrives, so a link that drops mid-body keeps
//! what got through and the kiosk resumes from there (`HEAD` tells it
//! where), and the intake holds a few kilobytes of it in memory, not the
//! whole envelope.
//!
//! A leaf: it knows files and offsets, not envelopes; the routes in
//! `mod.rs` open and register a part once it is whole.

use axum::body::Body;
use futures_util::StreamExt;
use std::path::{Path, PathBuf};
use tokio::io::AsyncWriteExt;

/// Where the part of an upload is kept, if `key` can name a file (a UUID's
/// characters: hex digits and `-`).
pub fn part_path(dir: &Path, key: &str) -> Option<PathBuf> {
    let ok = !key.is_empty() && key.len() <= 64 && key.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
    ok.then(|| dir.join(format!("{key}.part")))
}

/// Bytes of the upload already held (0 when none).
pub fn offset(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// Why a part was not appended.
#[derive(Debug)]
pub enum AppendError {
    /// The client's offset is not what is held: it must ask (`HEAD`) and resume there.
    Offset {
        held: u64,
    },
    /// More bytes than the upload's declared length.
    TooLong,
    Io(std::io::Error),
}

/// Appends `body` to the part at `path`, which must hold exactly `at` bytes,
/// never past `total`. What arrived before the link dropped stays (synced),
/// so the next attempt resumes after it. Returns the bytes now held.
pub async fn append(path: &Path, at: u64, total: u64, body: Body) -> Result<u64, AppendError> {
    let held = offset(path);
    if held != at {
        return Err(AppendError::Offset { held });
    }
    let mut file = tokio::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)
        .await
        .map_err(AppendError::Io)?;
    let mut stream = body.into_data_stream();
    let mut now = held;
    let mut result = Ok(());
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else { break }; // the link dropped: keep what came
        if now + chunk.len() as u64 > total {
            result = Err(AppendError::TooLong);
            break;
        }
        if let Err(e) = file.write_all(&chunk).await {
            result = Err(AppendError::Io(e));
            break;
        }
        now += chunk.len() as u64;
    }
    file.sync_all().await.map_err(AppendError::Io)?;
    result.map(|_| now)
}

/// Removes parts nobody has added to for `older_than` (a kiosk that gave up,
/// or a stranger's bytes); run whenever a new upload starts.
pub fn sweep(dir: &Path, older_than: std::time::Duration) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let old = e.metadata().and_then(|m| m.modified()).ok().and_then(|t| t.elapsed().ok()) > Some(older_than);
        if old && e.path().extension().is_some_and(|x| x == "part") {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_uuid_characters_name_a_part() {
        let d = Path::new("/x");
        assert_eq!(
            part_path(d, "0190b1c2-0000-7000-8000-000000000001").unwrap(),
            d.join("0190b1c2-0000-7000-8000-000000000001.part")
        );
        for bad in ["", "../etc/passwd", "a/b", "k1", &"a".repeat(65)] {
            assert!(part_path(d, bad).is_none(), "{bad}");
        }
    }

    #[tokio::test]
    async fn parts_append_only_at_the_held_offset_and_never_past_the_length() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.part");
        assert_eq!(append(&p, 0, 10, Body::from("hello")).await.unwrap(), 5);
        assert!(matches!(append(&p, 0, 10, Body::from("hello")).await, Err(AppendError::Offset { held: 5 })));
        assert!(matches!(append(&p, 5, 10, Body::from("world!!")).await, Err(AppendError::TooLong)));
        // The refused bytes are not kept; what was held before is.
        assert_eq!(offset(&p), 5);
        assert_eq!(append(&p, 5, 10, Body::from("world")).await.unwrap(), 10);
        assert_eq!(std::fs::read(&p).unwrap(), b"helloworld");
    }
}
