//! The intake's files at rest: its data folder holds opened answers (CNPs
//! included) and the registry's PDFs, so folders are 0700 and files 0600
//! whatever the umask, and a filed document is written once, whole.
//!
//! A leaf: it imports nothing of the intake, so the store and the routes can
//! both use it.

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Creates `dir` (and its parents) if missing and makes it 0700, also when it
/// was already there with looser modes.
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
}

/// Makes sure `path` exists and is 0600 before anyone (SQLite) opens it.
pub fn private_file(path: &Path) -> std::io::Result<()> {
    std::fs::OpenOptions::new().create(true).append(true).mode(0o600).open(path)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
}

/// Files `bytes` as `dir/name`: written to a temporary file of its own in the
/// same folder (0600), synced, then renamed over, so a reader sees the whole
/// document or none. When the same bytes are already filed nothing is written.
pub fn write_whole(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let path = dir.join(name);
    if std::fs::read(&path).is_ok_and(|old| old == bytes) {
        return Ok(());
    }
    let mut tmp = tempfile::Builder::new().prefix(&format!(".{name}.")).suffix(".tmp").tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(&path).map_err(|e| e.error)?;
    // The rename itself is durable once the folder is synced.
    std::fs::File::open(dir)?.sync_all()
}
