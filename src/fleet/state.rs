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
