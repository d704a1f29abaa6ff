//! The `[fleet]` section of the kiosk's configuration, and the settings the
//! client runs with once `config` has resolved paths and read the token.

use serde::Deserialize;
use std::path::PathBuf;

/// `[fleet]`: where the panel's update server is and how it proves who it is.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FleetConfig {
    /// Base URL of the DDI server (hawkBit, gooseBit), e.g. `https://updates.primaria.ro`.
    pub server: String,
    /// The hawkBit tenant; gooseBit's is `DEFAULT` too.
    #[serde(default = "default_tenant")]
    pub tenant: String,
    /// File holding this panel's target token (written at provisioning,
    /// readable only by the fleet service).
    pub token_file: PathBuf,
    /// PEM file of the CA of the server's TLS certificate, when not a public one.
    #[serde(default)]
    pub ca: Option<PathBuf>,
    /// Local hours when an update may be installed, e.g. `"02:00-05:00"`
    /// (may wrap midnight: `"22:00-05:00"`). Absent: at any hour. A
    /// deployment the server marks `forced` is installed at once; a
    /// citizen's session is never interrupted either way.
    #[serde(default)]
    pub maintenance: Option<String>,
    /// Where bundles are downloaded and the client keeps its state;
    /// default `{kiosk.data_dir}/fleet`.
    #[serde(default)]
    pub download_dir: Option<PathBuf>,
}

/// The fleet service's own folder on a panel (root, 0700: systemd/ghiseu.tmpfiles):
/// the target token, downloads, state.
pub const PANEL_DIR: &str = "/data/ghiseu-fleet";
/// Where provisioning (which runs as the kiosk's user) leaves the token in
/// the kiosk's data folder, for the fleet service to take into its own
/// folder (`ghiseu fleet --take-token`, run as root before the service).
pub const STAGED_TOKEN: &str = "fleet-token.new";

pub fn default_tenant() -> String {
    "DEFAULT".to_owned()
}

/// What describes this panel to the server (rollouts filter on them).
#[derive(Debug, Clone, Default)]
pub struct Identity {
    pub kiosk_id: String,
    pub municipality: String,
    pub board: String,
}

/// Everything the client needs, resolved (see `Config::fleet_settings`).
#[derive(Debug, Clone)]
pub struct Settings {
    pub server: String,
    pub tenant: String,
    pub token: String,
    pub ca: Option<reqwest::Certificate>,
    pub maintenance: Option<super::policy::Window>,
    /// Downloads and `state.json`.
    pub dir: PathBuf,
    /// The running kiosk's health report.
    pub health_path: PathBuf,
    pub identity: Identity,
}
