//! What the fleet client remembers between cycles and across the reboot into
//! an update: `state.json` in its folder, replaced atomically and synced
//! before anything depends on it (the reboot follows it).

use super::policy::Installed;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    /// An install waiting for its result after the reboot.
    #[serde(default)]
    pub installed: Option<Installed>,
    /// The attributes last accepted by the server (sent again only when they change).
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    /// The artifact being downloaded (its partial file is resumed only for the same one).
    #[serde(default)]
    pub download: Option<Download>,
    /// The last "waiting" feedback sent, so a long wait is reported once.
    #[serde(default)]
    pub said: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Download {
    pub action_id: String,
    pub hash: String,
    pub file: PathBuf,
}

pub fn path(dir: &Path) -> PathBuf {
    dir.join("state.json")
}

/// The stored state; a missing or unreadable file is a fresh start (logged).
pub fn load(dir: &Path) -> State {
    match std::fs::read(path(dir)) {
        Ok(b) => serde_json::from_slice(&b).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "fleet state unreadable; starting afresh");
            State::default()
        }),
        Err(_) => State::default(),
    }
}

pub fn save(dir: &Path, state: &State) -> std::io::Result<()> {
    use std::io::Write;
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join("state.json.tmp");
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(&serde_json::to_vec_pretty(state).map_err(std::io::Error::other)?)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path(dir))?;
    std::fs::File::open(dir)?.sync_all()
}

/// Moves a token left by provisioning (`staged`) to `token_file`, readable
/// by its owner only: the owner of its folder, the fleet service's user
/// (run as root before the service, which is not). Returns whether there was one.
pub fn take_token(staged: &Path, token_file: &Path) -> std::io::Result<bool> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let token = match std::fs::read_to_string(staged) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e),
    };
    if let Some(dir) = token_file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = token_file.with_extension("tmp");
    let mut f = std::fs::OpenOptions::new().create(true).write(true).truncate(true).mode(0o600).open(&tmp)?;
    f.write_all(token.trim().as_bytes())?;
    f.sync_all()?;
    if let Some(dir) = token_file.parent() {
        give_to_owner_of(dir, &tmp)?;
    }
    std::fs::rename(&tmp, token_file)?;
    std::fs::remove_file(staged)?;
    Ok(true)
}

/// Gives `path` to the owner of `dir` (a no-op when they match; root may
/// give, anyone else only keeps).
fn give_to_owner_of(dir: &Path, path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let (owner, now) = (std::fs::metadata(dir)?, std::fs::symlink_metadata(path)?);
    if (now.uid(), now.gid()) != (owner.uid(), owner.gid()) {
        std::os::unix::fs::lchown(path, Some(owner.uid()), Some(owner.gid()))?;
    }
    Ok(())
}

/// Gives everything in the service's folder to the folder's owner: a panel
/// whose fleet service ran as root (before it had its own user) left its
/// token, state and downloads root's. Run as root with `--take-token`.
pub fn adopt(dir: &Path) -> std::io::Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for e in entries {
        give_to_owner_of(dir, &e?.path())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_provisioned_token_moves_into_the_service_folder_readable_by_its_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let staged = dir.path().join("kiosk/fleet-token.new");
        std::fs::create_dir_all(staged.parent().unwrap()).unwrap();
        std::fs::write(&staged, "abc123\n").unwrap();
        let token = dir.path().join("fleet/token");
        assert!(take_token(&staged, &token).unwrap());
        assert_eq!(std::fs::read_to_string(&token).unwrap(), "abc123");
        assert_eq!(std::fs::metadata(&token).unwrap().permissions().mode() & 0o777, 0o600);
        assert!(!staged.exists(), "no copy left where the kiosk's user reads");
        assert!(!take_token(&staged, &token).unwrap());
    }

    /// Root (the service's ExecStartPre=+) hands the token, and what a root
    /// service left, to the unprivileged user owning the folder.
    #[test]
    fn the_token_and_old_files_belong_to_the_owner_of_the_service_folder() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let fleet = dir.path().join("fleet");
        std::fs::create_dir_all(&fleet).unwrap();
        std::fs::write(fleet.join("state.json"), "{}").unwrap();
        let staged = dir.path().join("fleet-token.new");
        std::fs::write(&staged, "abc").unwrap();
        // As root (CI, the panel) the folder goes to `nobody` as tmpfiles gives
        // it to ghiseu-fleet; as anyone else it stays ours and so must the files.
        let root = rustix::process::geteuid().is_root();
        let want = if root { 65534 } else { std::fs::metadata(&fleet).unwrap().uid() };
        if root {
            std::os::unix::fs::chown(&fleet, Some(want), Some(want)).unwrap();
        }
        take_token(&staged, &fleet.join("token")).unwrap();
        adopt(&fleet).unwrap();
        for f in ["token", "state.json"] {
            let m = std::fs::metadata(fleet.join(f)).unwrap();
            assert_eq!((m.uid(), m.gid()), (want, if root { want } else { m.gid() }), "{f}");
        }
    }
}
