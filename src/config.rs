//! The kiosk's one configuration file (TOML), typed and validated at start.
//!
//! Every table denies unknown keys, so a misspelt key is an error that names it
//! instead of a setting silently ignored. Relative paths are resolved against
//! the directory of the configuration file, and paths that must exist are
//! checked here, so a panel fails at start with a clear message rather than
//! on the first citizen. Device drivers are chosen here, not by `cfg` gates.

use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read configuration {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("configuration {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("configuration {path}: key `{key}`: {message}")]
    Invalid { path: PathBuf, key: &'static str, message: String },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub kiosk: KioskConfig,
    pub intake: IntakeConfig,
    pub security: SecurityConfig,
    #[serde(default)]
    pub devices: DevicesConfig,
    /// Where the file was read from; relative paths were resolved against its directory.
    #[serde(skip)]
    pub source: PathBuf,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KioskConfig {
    /// Identifies this panel to the intake.
    pub id: String,
    /// Shown on every screen and printed on every receipt.
    pub municipality: String,
    /// Board description (display size, renderer), e.g. `board/desktop.toml`.
    pub board: PathBuf,
    /// Where the queue database lives.
    pub data_dir: PathBuf,
    /// Folder of service/form definitions; when absent the built-in services are used.
    #[serde(default)]
    pub forms_dir: Option<PathBuf>,
    /// Folder with `ro.toml`, `en.toml`, `hu.toml` overriding the built-in UI texts.
    #[serde(default)]
    pub texts_dir: Option<PathBuf>,
    #[serde(default = "default_languages")]
    pub languages: Vec<String>,
    /// Seconds without a touch before the session is wiped.
    #[serde(default = "default_idle")]
    pub idle_timeout_secs: u64,
    /// Disk space kept free: below it, new submissions are refused (with a
    /// message) before the disk can fill up.
    #[serde(default = "default_min_free_mb")]
    pub min_free_mb: u64,
    /// Days a delivered submission's tracking code, number and times stay on
    /// the panel for the status screen (its personal data is gone at delivery).
    #[serde(default = "default_retention_days")]
    pub retention_days: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntakeConfig {
    /// Base URL of the registry's intake API, e.g. `https://registratura.primarie.ro`.
    pub url: String,
    /// Base of the status link printed in the receipt QR; defaults to `{url}/s/`.
    #[serde(default)]
    pub public_status_url: Option<String>,
    /// Seconds the status screen waits for the intake before showing the local state.
    #[serde(default = "default_status_timeout")]
    pub status_timeout_secs: u64,
    /// PEM file of the CA that signed the intake's TLS certificate, when it is
    /// not a public one (a municipality's own CA).
    #[serde(default)]
    pub ca: Option<PathBuf>,
}

/// Keys: submissions are sealed to the municipality and signed by the kiosk.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecurityConfig {
    /// File with the municipality's age public key (`age1…`).
    pub municipality_recipient: PathBuf,
    /// The kiosk's Ed25519 private key (PKCS#8 PEM); `ghiseu keys kiosk` makes one.
    pub kiosk_key: PathBuf,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct DevicesConfig {
    #[serde(default)]
    pub id_scanner: IdScannerConfig,
    #[serde(default)]
    pub printer: PrinterConfig,
    #[serde(default)]
    pub qr_reader: QrReaderConfig,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "driver", rename_all = "kebab-case", deny_unknown_fields)]
pub enum IdScannerConfig {
    /// Answers every scan request with the configured MRZ lines.
    Simulated {
        #[serde(default = "default_sim_mrz")]
        mrz: Vec<String>,
        #[serde(default = "default_sim_delay")]
        delay_ms: u64,
    },
    /// A scanner on a serial line (RS-232, USB CDC-ACM), e.g. `/dev/ghiseu/id-scanner`.
    Serial {
        port: PathBuf,
        #[serde(default = "default_baud")]
        baud: u32,
        /// `lines` (CR/LF), `stx-etx` (Desko style) or `soh-length` (3M/Thales style).
        #[serde(default = "default_framing")]
        framing: crate::devices::framing::Framing,
    },
    /// A scanner that types as a USB keyboard, read (and grabbed) through evdev.
    KeyboardWedge { device: PathBuf },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "driver", rename_all = "kebab-case", deny_unknown_fields)]
pub enum PrinterConfig {
    /// Writes each job's ESC/POS bytes and a PNG preview into a folder.
    Simulated { out_dir: PathBuf },
    /// An ESC/POS printer behind a device file, e.g. `/dev/usb/lp0`.
    Device { path: PathBuf },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "driver", rename_all = "kebab-case", deny_unknown_fields)]
pub enum QrReaderConfig {
    /// Codes are injected by tests or the demo script.
    Simulated,
}

impl Default for IdScannerConfig {
    fn default() -> Self {
        IdScannerConfig::Simulated { mrz: default_sim_mrz(), delay_ms: default_sim_delay() }
    }
}
impl Default for PrinterConfig {
    fn default() -> Self {
        PrinterConfig::Simulated { out_dir: PathBuf::from("printer") }
    }
}
impl Default for QrReaderConfig {
    fn default() -> Self {
        QrReaderConfig::Simulated
    }
}

fn default_languages() -> Vec<String> {
    vec!["ro".into(), "en".into(), "hu".into()]
}
fn default_idle() -> u64 {
    90
}
fn default_status_timeout() -> u64 {
    3
}
fn default_min_free_mb() -> u64 {
    200
}
fn default_retention_days() -> u64 {
    30
}
fn default_baud() -> u32 {
    9600
}
fn default_framing() -> crate::devices::framing::Framing {
    crate::devices::framing::Framing::Lines
}
fn default_sim_delay() -> u64 {
    300
}
/// A specimen Romanian identity card (TD2, ICAO 9303 specimen data).
pub fn default_sim_mrz() -> Vec<String> {
    vec!["IDROUPOPESCU<<MARIA<ELENA<<<<<<<<<<<".into(), "RX123456<9ROU8505095F300509522049960".into()]
}

pub use crate::board::{Board, Display};

impl Config {
    /// Reads, parses and validates a configuration file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.to_owned(), source })?;
        Self::parse(&text, path)
    }

    /// Parses configuration text as if read from `path` (relative paths resolve
    /// against its directory) and validates it.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let mut cfg: Config =
            toml::from_str(text).map_err(|e| ConfigError::Parse { path: path.to_owned(), message: e.to_string() })?;
        cfg.source = path.to_owned();
        let base = path.parent().unwrap_or(Path::new(".")).to_owned();
        let abs = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        abs(&mut cfg.kiosk.board);
        abs(&mut cfg.kiosk.data_dir);
        if let Some(p) = cfg.kiosk.forms_dir.as_mut() {
            abs(p)
        }
        if let Some(p) = cfg.kiosk.texts_dir.as_mut() {
            abs(p)
        }
        if let PrinterConfig::Simulated { out_dir } = &mut cfg.devices.printer {
            abs(out_dir)
        }
        abs(&mut cfg.security.municipality_recipient);
        abs(&mut cfg.security.kiosk_key);
        if let Some(p) = cfg.intake.ca.as_mut() {
            abs(p)
        }
        cfg.validate()?;
        Ok(cfg)
    }

    fn invalid(&self, key: &'static str, message: impl Into<String>) -> ConfigError {
        ConfigError::Invalid { path: self.source.clone(), key, message: message.into() }
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if self.kiosk.id.trim().is_empty() {
            return Err(self.invalid("kiosk.id", "must not be empty"));
        }
        if !self.kiosk.board.is_file() {
            return Err(self.invalid("kiosk.board", format!("no board file at {}", self.kiosk.board.display())));
        }
        if let Some(dir) = &self.kiosk.forms_dir {
            if !dir.is_dir() {
                return Err(self.invalid("kiosk.forms_dir", format!("no folder at {}", dir.display())));
            }
        }
        if let Some(dir) = &self.kiosk.texts_dir {
            if !dir.is_dir() {
                return Err(self.invalid("kiosk.texts_dir", format!("no folder at {}", dir.display())));
            }
        }
        if self.kiosk.languages.is_empty() {
            return Err(self.invalid("kiosk.languages", "name at least one language"));
        }
        for l in &self.kiosk.languages {
            if crate::i18n::Lang::parse(l).is_none() {
                return Err(self.invalid("kiosk.languages", format!("unknown language `{l}` (supported: ro, en, hu)")));
            }
        }
        if self.kiosk.idle_timeout_secs < 15 {
            return Err(self.invalid("kiosk.idle_timeout_secs", "must be at least 15 seconds"));
        }
        let url = reqwest::Url::parse(&self.intake.url)
            .map_err(|e| self.invalid("intake.url", format!("`{}` is not a URL: {e}", self.intake.url)))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(self.invalid("intake.url", "must start with https:// (or http:// on a test bench)"));
        }
        crate::crypto::load_recipient(&self.security.municipality_recipient)
            .map_err(|e| self.invalid("security.municipality_recipient", e.to_string()))?;
        crate::crypto::KioskKey::load(&self.security.kiosk_key)
            .map_err(|e| self.invalid("security.kiosk_key", e.to_string()))?;
        if let Some(ca) = &self.intake.ca {
            crate::upload::load_ca(ca).map_err(|e| self.invalid("intake.ca", e))?;
        }
        if let PrinterConfig::Device { path } = &self.devices.printer {
            if path.as_os_str().is_empty() {
                return Err(self.invalid("devices.printer.path", "must name a device file"));
            }
        }
        Ok(())
    }

    /// The board description this configuration names.
    pub fn board(&self) -> Result<Board, ConfigError> {
        let path = &self.kiosk.board;
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.clone(), source })?;
        let board: Board =
            toml::from_str(&text).map_err(|e| ConfigError::Parse { path: path.clone(), message: e.to_string() })?;
        board.validate().map_err(|message| ConfigError::Parse { path: path.clone(), message })?;
        Ok(board)
    }

    /// Base URL for the status link a receipt's QR carries.
    pub fn status_url_base(&self) -> String {
        match &self.intake.public_status_url {
            Some(u) => u.clone(),
            None => format!("{}/s/", self.intake.url.trim_end_matches('/')),
        }
    }

    /// The sealing and signing keys this configuration names (checked at load).
    pub fn sealer(&self) -> Result<crate::crypto::Sealer, crate::crypto::KeyError> {
        Ok(crate::crypto::Sealer {
            kiosk_id: self.kiosk.id.clone(),
            recipient: crate::crypto::load_recipient(&self.security.municipality_recipient)?,
            key: crate::crypto::KioskKey::load(&self.security.kiosk_key)?,
        })
    }

    /// An HTTP client for the intake, trusting `intake.ca` when set.
    pub fn intake_client(&self, timeout: std::time::Duration) -> crate::upload::IntakeClient {
        let ca = self.intake.ca.as_deref().map(|p| crate::upload::load_ca(p).expect("checked at load"));
        crate::upload::IntakeClient::new(&self.intake.url, timeout, ca)
    }

    pub fn queue_path(&self) -> PathBuf {
        self.kiosk.data_dir.join("queue.sqlite")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_board(dir: &Path) {
        std::fs::write(dir.join("b.toml"), "name = \"t\"\n[display]\nwidth = 1280\nheight = 800\n").unwrap();
        crate::crypto::provision_pair(dir, &dir.join("intake"), "k1").unwrap();
    }

    const GOOD: &str = r#"
[kiosk]
id = "k1"
municipality = "Primăria Test"
board = "b.toml"
data_dir = "data"
[intake]
url = "http://127.0.0.1:9"
[security]
municipality_recipient = "municipality.pub"
kiosk_key = "kiosk.pem"
"#;

    #[test]
    fn a_minimal_config_loads_with_paths_resolved_next_to_it() {
        let dir = tempfile::tempdir().unwrap();
        write_board(dir.path());
        let cfg = Config::parse(GOOD, &dir.path().join("k.toml")).unwrap();
        assert_eq!(cfg.kiosk.data_dir, dir.path().join("data"));
        assert_eq!(cfg.status_url_base(), "http://127.0.0.1:9/s/");
        assert!(matches!(cfg.devices.id_scanner, IdScannerConfig::Simulated { .. }));
        assert_eq!(cfg.board().unwrap().display.width, 1280);
    }

    #[test]
    fn an_unknown_key_is_named_in_the_error() {
        let dir = tempfile::tempdir().unwrap();
        write_board(dir.path());
        let text = GOOD.replace("id = \"k1\"", "id = \"k1\"\nidle_timout_secs = 30");
        let err = Config::parse(&text, &dir.path().join("k.toml")).unwrap_err().to_string();
        assert!(err.contains("idle_timout_secs"), "{err}");
    }

    #[test]
    fn an_unknown_driver_is_named_in_the_error() {
        let dir = tempfile::tempdir().unwrap();
        write_board(dir.path());
        let text = format!("{GOOD}\n[devices.printer]\ndriver = \"laser\"\n");
        let err = Config::parse(&text, &dir.path().join("k.toml")).unwrap_err().to_string();
        assert!(err.contains("laser"), "{err}");
    }

    #[test]
    fn a_missing_board_file_names_the_key_and_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let err = Config::parse(GOOD, &dir.path().join("k.toml")).unwrap_err().to_string();
        assert!(err.contains("kiosk.board") && err.contains("b.toml"), "{err}");
    }

    #[test]
    fn a_missing_or_wrong_key_is_a_start_up_error_naming_the_key() {
        let dir = tempfile::tempdir().unwrap();
        write_board(dir.path());
        std::fs::remove_file(dir.path().join("kiosk.pem")).unwrap();
        let err = Config::parse(GOOD, &dir.path().join("k.toml")).unwrap_err().to_string();
        assert!(err.contains("security.kiosk_key") && err.contains("kiosk.pem"), "{err}");
        std::fs::write(dir.path().join("kiosk.pem"), "not a key").unwrap();
        std::fs::write(dir.path().join("municipality.pub"), "age1notakey").unwrap();
        let err = Config::parse(GOOD, &dir.path().join("k.toml")).unwrap_err().to_string();
        assert!(err.contains("security.municipality_recipient"), "{err}");
    }

    #[test]
    fn a_bad_intake_url_names_the_key() {
        let dir = tempfile::tempdir().unwrap();
        write_board(dir.path());
        let text = GOOD.replace("http://127.0.0.1:9", "registratura");
        let err = Config::parse(&text, &dir.path().join("k.toml")).unwrap_err().to_string();
        assert!(err.contains("intake.url"), "{err}");
    }
}
