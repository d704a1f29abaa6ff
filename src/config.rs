//! The kiosk's one configuration file (TOML), typed and validated at start.
//!
//! Every table denies unknown keys, so a misspelt key is an error that names it
//! instead of a setting silently ignored. Relative paths are resolved against
//! the directory of the configuration file, and paths that must exist are
//! checked here, so a panel fails at start with a clear message rather than
//! on the first citizen. Device drivers are chosen here, not by `cfg` gates.
//!
//! Over 600 lines only through its tests (the file's checks, one case each);
//! the code is about 510 lines.

use crate::devices::printer::PrinterConfig;
use crate::devices::qr::QrReaderConfig;
use crate::devices::DevicesConfig;
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
    #[serde(default)]
    pub print: PrintConfig,
    #[serde(default)]
    pub labels: LabelsConfig,
    #[serde(default)]
    pub staff: StaffConfig,
    /// The fleet update server (`ghiseu fleet`); absent: updates only by USB stick.
    #[serde(default)]
    pub fleet: Option<crate::fleet::FleetConfig>,
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
    /// Seconds without a touch before the "Mai sunteți aici?" warning.
    #[serde(default = "default_idle")]
    pub idle_timeout_secs: u64,
    /// Seconds the warning counts down before everything entered is wiped.
    #[serde(default = "default_idle_warning")]
    pub idle_warning_secs: u64,
    /// Disk space kept free, in MB: below it, new submissions are refused
    /// (with a message) before the disk can fill up. Absent: a tenth of the
    /// file system, at least 16 MB and at most 200 (`queue::reserve_mb`).
    #[serde(default)]
    pub min_free_mb: Option<u64>,
    /// Days a delivered submission's tracking code, number and times stay on
    /// the panel for the status screen (its personal data is gone at delivery).
    #[serde(default = "default_retention_days")]
    pub retention_days: u64,
    /// Seconds with nobody at the panel (home screen, no touch, the presence
    /// sensor quiet) before the screen sleeps; 0: never.
    #[serde(default = "default_screen_off")]
    pub screen_off_after_secs: u64,
    /// "Ecran privat": blank the screen while a citizen uses audio mode with
    /// headphones (restored when they are unplugged or the session ends).
    /// Off by default: a citizen with low vision who listens may still want
    /// to see; a municipality whose panel faces a waiting room turns it on.
    #[serde(default)]
    pub privacy_screen: bool,
    /// Where the running kiosk keeps its health report (`/run/ghiseu` on a
    /// panel: in memory); defaults to `data_dir`.
    #[serde(default)]
    pub runtime_dir: Option<PathBuf>,
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

/// Printing: the municipality's logo and printer profiles beyond the built-in ones.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PrintConfig {
    /// A PNG printed at the top of every receipt (scaled to the paper, max 160 dots high).
    #[serde(default)]
    pub logo: Option<PathBuf>,
    /// `[print.profiles.NAME]`: paper_mm, dpi, code_page, code_page_number, text, label_width_mm, label_height_mm.
    #[serde(default)]
    pub profiles: std::collections::BTreeMap<String, crate::print::Profile>,
}

/// Registry labels printed from the staff desk.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct LabelsConfig {
    /// `zpl`, `tspl` or `escpos` (default `zpl`).
    #[serde(default)]
    pub language: Option<crate::print::label::LabelLang>,
    /// What the QR holds: `{ content = "number" }` or `{ content = "url", base = "https://…/" }`.
    #[serde(default)]
    pub qr: crate::print::label::LabelQr,
}

/// Reception staff who may open the staff desk.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffConfig {
    #[serde(default)]
    pub members: Vec<StaffMember>,
    /// Seconds without a touch before staff mode closes itself.
    #[serde(default = "default_staff_idle")]
    pub idle_timeout_secs: u64,
}

impl Default for StaffConfig {
    fn default() -> Self {
        StaffConfig { members: vec![], idle_timeout_secs: default_staff_idle() }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffMember {
    pub name: String,
    /// Argon2 PHC string (`ghiseu staff hash-pin` makes one); never the PIN itself.
    pub pin_hash: String,
    /// The text of this person's badge QR (`ghiseu-staff:ID`), if they have one.
    #[serde(default)]
    pub badge: Option<String>,
}

fn default_languages() -> Vec<String> {
    vec!["ro".into(), "en".into(), "hu".into()]
}
fn default_screen_off() -> u64 {
    600
}
fn default_idle() -> u64 {
    90
}
fn default_status_timeout() -> u64 {
    3
}
fn default_idle_warning() -> u64 {
    20
}
fn default_retention_days() -> u64 {
    30
}
fn default_staff_idle() -> u64 {
    60
}

pub use crate::board::{Board, Display};

/// The device sections a configuration must have, each with an example.
/// (`[devices.label_printer]` and `[devices.speech]` are optional: none, and espeak-ng.)
pub const REQUIRED_DEVICES: [(&str, &str); 3] = [
    ("devices.id_scanner", "driver = \"serial\"\nport = \"/dev/ghiseu/scanner\"\nbaud = 9600\nframing = \"stx-etx\""),
    ("devices.printer", "driver = \"device\"\npath = \"/dev/ghiseu/printer\"\nprofile = \"generic-80\""),
    ("devices.qr_reader", "driver = \"serial\"\nport = \"/dev/ghiseu/qr\""),
];

impl Config {
    /// Reads, parses and validates a configuration file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.to_owned(), source })?;
        Self::parse(&text, path)
    }

    /// [`load`](Self::load) for `ghiseu fleet`, which neither seals nor
    /// signs: everything is checked but the kiosk's private key, which its
    /// unprivileged service must not be able to read.
    pub fn load_without_kiosk_key(path: &Path) -> Result<Config, ConfigError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.to_owned(), source })?;
        Self::parse_checked(&text, path, false)
    }

    /// Parses configuration text as if read from `path` (relative paths resolve
    /// against its directory) and validates it.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        Self::parse_checked(text, path, true)
    }

    fn parse_checked(text: &str, path: &Path, kiosk_key: bool) -> Result<Config, ConfigError> {
        let mut cfg: Config =
            toml::from_str(text).map_err(|e| ConfigError::Parse { path: path.to_owned(), message: e.to_string() })?;
        // Every panel names its scanner, printer and QR reader: a section left
        // out must never quietly become a simulated device.
        let table: toml::Table = toml::from_str(text).unwrap_or_default();
        let devices = table.get("devices").and_then(|d| d.as_table());
        for (key, example) in REQUIRED_DEVICES {
            if !devices.is_some_and(|d| d.contains_key(&key["devices.".len()..])) {
                return Err(ConfigError::Invalid {
                    path: path.to_owned(),
                    key,
                    message: format!(
                        "missing: every panel names its device, so none is simulated by accident. Add, e.g.:\n\
                         [{key}]\n{example}\n(on a test bench without one: driver = \"simulated\", which \
                         `ghiseu selftest` reports as SIMULATED — not a real device)"
                    ),
                });
            }
        }
        cfg.source = path.to_owned();
        cfg.devices.label_language = cfg.labels.language.unwrap_or_default();
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
        if let Some(p) = cfg.kiosk.runtime_dir.as_mut() {
            abs(p)
        }
        for printer in std::iter::once(&mut cfg.devices.printer).chain(cfg.devices.label_printer.as_mut()) {
            if let PrinterConfig::Simulated { out_dir, .. } = printer {
                abs(out_dir)
            }
        }
        if let Some(p) = cfg.print.logo.as_mut() {
            abs(p)
        }
        if let QrReaderConfig::Images { files, .. } = &mut cfg.devices.qr_reader {
            files.iter_mut().for_each(abs);
        }
        if let crate::devices::capture::PageSourceConfig::Simulated { dir: Some(d), .. } = &mut cfg.devices.document {
            abs(d)
        }
        abs(&mut cfg.security.municipality_recipient);
        abs(&mut cfg.security.kiosk_key);
        if let Some(p) = cfg.intake.ca.as_mut() {
            abs(p)
        }
        if let Some(f) = cfg.fleet.as_mut() {
            abs(&mut f.token_file);
            f.ca.iter_mut().chain(f.download_dir.iter_mut()).for_each(abs);
        }
        cfg.validate(kiosk_key)?;
        cfg.validate_fleet()?;
        Ok(cfg)
    }

    fn invalid(&self, key: &'static str, message: impl Into<String>) -> ConfigError {
        ConfigError::Invalid { path: self.source.clone(), key, message: message.into() }
    }

    fn validate(&self, kiosk_key: bool) -> Result<(), ConfigError> {
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
        if !(5..=120).contains(&self.kiosk.idle_warning_secs) {
            return Err(self.invalid("kiosk.idle_warning_secs", "must be between 5 and 120 seconds"));
        }
        let url = reqwest::Url::parse(&self.intake.url)
            .map_err(|e| self.invalid("intake.url", format!("`{}` is not a URL: {e}", self.intake.url)))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(self.invalid("intake.url", "must start with https:// (or http:// on a test bench)"));
        }
        crate::crypto::load_recipient(&self.security.municipality_recipient)
            .map_err(|e| self.invalid("security.municipality_recipient", e.to_string()))?;
        if kiosk_key {
            crate::crypto::KioskKey::load(&self.security.kiosk_key)
                .map_err(|e| self.invalid("security.kiosk_key", e.to_string()))?;
        }
        if let Some(ca) = &self.intake.ca {
            crate::upload::load_ca(ca).map_err(|e| self.invalid("intake.ca", e))?;
        }
        if let PrinterConfig::Device { path, .. } = &self.devices.printer {
            if path.as_os_str().is_empty() {
                return Err(self.invalid("devices.printer.path", "must name a device file"));
            }
        }
        for (name, p) in &self.print.profiles {
            p.check().map_err(|e| self.invalid("print.profiles", format!("profile `{name}`: {e}")))?;
        }
        if let crate::devices::keypad::KeypadConfig::Evdev { keys, hold_key, hold_ms, .. } = &self.devices.keypad {
            crate::devices::keypad::KeyMap::from_config(keys, hold_key, *hold_ms)
                .map_err(|e| self.invalid("devices.keypad.keys", e.to_string()))?;
        }
        self.receipt_profile().map_err(|e| self.invalid("devices.printer.profile", e))?;
        self.label_profile().map_err(|e| self.invalid("devices.label_printer.profile", e))?;
        if let Some(logo) = &self.print.logo {
            let bytes = std::fs::read(logo)
                .map_err(|e| self.invalid("print.logo", format!("cannot read {}: {e}", logo.display())))?;
            crate::print::raster::Bitmap::from_png(&bytes)
                .map_err(|e| self.invalid("print.logo", format!("{} is not a PNG: {e}", logo.display())))?;
        }
        for m in &self.staff.members {
            crate::app::staff::check_hash(&m.pin_hash)
                .map_err(|e| self.invalid("staff.members.pin_hash", format!("{}: {e}", m.name)))?;
        }
        if self.staff.idle_timeout_secs < 10 {
            return Err(self.invalid("staff.idle_timeout_secs", "must be at least 10 seconds"));
        }
        Ok(())
    }

    fn profile_named(&self, name: Option<&str>, default: &str) -> Result<crate::print::Profile, String> {
        let name = name.unwrap_or(default);
        crate::print::Profile::find(name, &self.print.profiles).ok_or_else(|| {
            format!(
                "unknown printer profile `{name}` (known: {})",
                crate::print::Profile::names(&self.print.profiles).join(", ")
            )
        })
    }

    /// The receipt printer's profile (default `generic-80`).
    pub fn receipt_profile(&self) -> Result<crate::print::Profile, String> {
        self.profile_named(self.devices.printer.profile(), crate::print::profile::DEFAULT_PROFILE)
    }

    /// The label printer's profile (default `zebra-203`).
    pub fn label_profile(&self) -> Result<crate::print::Profile, String> {
        self.profile_named(self.devices.label_printer.as_ref().and_then(|p| p.profile()), "zebra-203")
    }

    /// A profile by name (built in or from `[print.profiles]`), for the CLI.
    pub fn find_profile(&self, name: &str) -> Result<crate::print::Profile, String> {
        self.profile_named(Some(name), name)
    }

    /// The logo for receipts, when one is configured (checked at load).
    pub fn logo(&self) -> Option<crate::print::raster::Bitmap> {
        let bytes = std::fs::read(self.print.logo.as_ref()?).ok()?;
        crate::print::raster::Bitmap::from_png(&bytes).ok()
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
    /// What the registry's PDFs carry: the municipality and the receipts' status link.
    pub fn letterhead(&self, texts: std::sync::Arc<crate::i18n::Texts>) -> crate::pdf::Letterhead {
        crate::pdf::Letterhead {
            municipality: self.kiosk.municipality.clone(),
            status_url_base: self.status_url_base(),
            texts,
        }
    }

    pub fn sealer(&self) -> Result<crate::crypto::Sealer, crate::crypto::KeyError> {
        Ok(crate::crypto::Sealer {
            kiosk_id: self.kiosk.id.clone(),
            recipient: crate::crypto::load_recipient(&self.security.municipality_recipient)?,
            key: crate::crypto::KioskKey::load(&self.security.kiosk_key)?,
        })
    }

    /// An HTTP client for the intake, trusting `intake.ca` when set.
    /// How receipts and labels are printed.
    pub fn print_settings(&self) -> crate::print::PrintSettings {
        crate::print::PrintSettings {
            receipt_profile: self.receipt_profile().expect("checked at load"),
            label_profile: self.label_profile().expect("checked at load"),
            label_lang: self.labels.language.unwrap_or(crate::print::label::LabelLang::Zpl),
            label_qr: self.labels.qr.clone(),
            logo: self.logo().map(std::sync::Arc::new),
        }
    }

    /// The background uploader, on its own connection to the queue.
    pub fn uploader(
        &self,
        queue: crate::queue::Queue,
        wake: std::sync::Arc<tokio::sync::Notify>,
    ) -> crate::upload::Uploader {
        crate::upload::Uploader::new(
            queue,
            self.intake_client(std::time::Duration::from_secs(15)),
            wake,
            std::time::Duration::from_secs(self.kiosk.retention_days * 86_400),
        )
    }

    pub fn intake_client(&self, timeout: std::time::Duration) -> crate::upload::IntakeClient {
        let ca = self.intake.ca.as_deref().map(|p| crate::upload::load_ca(p).expect("checked at load"));
        crate::upload::IntakeClient::new(&self.intake.url, timeout, ca)
    }

    /// `[fleet]` is checked where the kiosk can: the URL, the hours, the CA.
    /// The token file is not read here: only the fleet service may read it.
    fn validate_fleet(&self) -> Result<(), ConfigError> {
        let Some(f) = &self.fleet else { return Ok(()) };
        if reqwest::Url::parse(&f.server).map(|u| !matches!(u.scheme(), "http" | "https")).unwrap_or(true) {
            return Err(self.invalid("fleet.server", format!("`{}` is not an http(s) URL", f.server)));
        }
        if f.tenant.trim().is_empty() {
            return Err(self.invalid("fleet.tenant", "must not be empty (hawkBit's default is DEFAULT)"));
        }
        if let Some(m) = &f.maintenance {
            crate::fleet::policy::Window::parse(m).map_err(|e| self.invalid("fleet.maintenance", e))?;
        }
        if let Some(ca) = &f.ca {
            crate::upload::load_ca(ca).map_err(|e| self.invalid("fleet.ca", e))?;
        }
        Ok(())
    }

    /// The fleet client's settings; reads the token file.
    pub fn fleet_settings(&self) -> Result<crate::fleet::Settings, ConfigError> {
        let f = self.fleet.as_ref().ok_or_else(|| {
            self.invalid("fleet", "no [fleet] section: add server, tenant and token_file (see README, Configuration)")
        })?;
        let token = std::fs::read_to_string(&f.token_file)
            .map_err(|e| self.invalid("fleet.token_file", format!("cannot read {}: {e}", f.token_file.display())))?;
        let token = token.trim().to_owned();
        if token.is_empty() {
            return Err(self.invalid("fleet.token_file", format!("{} is empty", f.token_file.display())));
        }
        Ok(crate::fleet::Settings {
            server: f.server.clone(),
            tenant: f.tenant.clone(),
            token,
            ca: f.ca.as_deref().map(|p| crate::upload::load_ca(p).expect("checked at load")),
            maintenance: f
                .maintenance
                .as_deref()
                .map(|m| crate::fleet::policy::Window::parse(m).expect("checked at load")),
            dir: f.download_dir.clone().unwrap_or_else(|| self.kiosk.data_dir.join("fleet")),
            health_path: self.health_path(),
            identity: crate::fleet::Identity {
                kiosk_id: self.kiosk.id.clone(),
                municipality: self.kiosk.municipality.clone(),
                board: self.board().map(|b| b.name).unwrap_or_default(),
            },
        })
    }

    /// The running kiosk's health report ([`crate::health`]).
    pub fn health_path(&self) -> PathBuf {
        self.kiosk.runtime_dir.as_ref().unwrap_or(&self.kiosk.data_dir).join("health.json")
    }

    pub fn queue_path(&self) -> PathBuf {
        self.kiosk.data_dir.join("queue.sqlite")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devices::scanner::IdScannerConfig;

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
[devices.id_scanner]
driver = "simulated"
"#;
    const SIM_PRINTER: &str = "[devices.printer]\ndriver = \"simulated\"\nout_dir = \"printer\"\n";
    const SIM_QR: &str = "[devices.qr_reader]\ndriver = \"simulated\"\n";

    /// GOOD with every required device, simulated.
    fn good() -> String {
        format!("{GOOD}{SIM_PRINTER}{SIM_QR}")
    }

    #[test]
    fn a_minimal_config_loads_with_paths_resolved_next_to_it() {
        let dir = tempfile::tempdir().unwrap();
        write_board(dir.path());
        let cfg = Config::parse(&good(), &dir.path().join("k.toml")).unwrap();
        assert_eq!(cfg.kiosk.data_dir, dir.path().join("data"));
        assert_eq!(cfg.status_url_base(), "http://127.0.0.1:9/s/");
        assert!(matches!(cfg.devices.id_scanner, IdScannerConfig::Simulated { .. }));
        assert_eq!(cfg.board().unwrap().display.width, 1280);
    }

    #[test]
    fn an_unknown_key_is_named_in_the_error() {
        let dir = tempfile::tempdir().unwrap();
        write_board(dir.path());
        let text = good().replace("id = \"k1\"", "id = \"k1\"\nidle_timout_secs = 30");
        let err = Config::parse(&text, &dir.path().join("k.toml")).unwrap_err().to_string();
        assert!(err.contains("idle_timout_secs"), "{err}");
    }

    #[test]
    fn an_unknown_driver_is_named_in_the_error() {
        let dir = tempfile::tempdir().unwrap();
        write_board(dir.path());
        let text = format!("{GOOD}{SIM_QR}\n[devices.printer]\ndriver = \"laser\"\n");
        let err = Config::parse(&text, &dir.path().join("k.toml")).unwrap_err().to_string();
        assert!(err.contains("laser"), "{err}");
    }

    #[test]
    fn a_missing_board_file_names_the_key_and_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let err = Config::parse(&good(), &dir.path().join("k.toml")).unwrap_err().to_string();
        assert!(err.contains("kiosk.board") && err.contains("b.toml"), "{err}");
    }

    #[test]
    fn a_missing_or_wrong_key_is_a_start_up_error_naming_the_key() {
        let dir = tempfile::tempdir().unwrap();
        write_board(dir.path());
        std::fs::remove_file(dir.path().join("kiosk.pem")).unwrap();
        let err = Config::parse(&good(), &dir.path().join("k.toml")).unwrap_err().to_string();
        assert!(err.contains("security.kiosk_key") && err.contains("kiosk.pem"), "{err}");
        std::fs::write(dir.path().join("kiosk.pem"), "not a key").unwrap();
        std::fs::write(dir.path().join("municipality.pub"), "age1notakey").unwrap();
        let err = Config::parse(&good(), &dir.path().join("k.toml")).unwrap_err().to_string();
        assert!(err.contains("security.municipality_recipient"), "{err}");
    }

    #[test]
    fn printer_profiles_staff_and_labels_are_checked_at_load() {
        let dir = tempfile::tempdir().unwrap();
        write_board(dir.path());
        let hash = crate::app::staff::hash_pin("4821");
        let text = format!(
            "{GOOD}{SIM_QR}\n[devices.printer]\ndriver = \"network\"\naddress = \"10.0.0.5:9100\"\nprofile = \"bixolon-58\"\n\
             [devices.label_printer]\ndriver = \"serial\"\nport = \"/dev/ttyUSB1\"\nprofile = \"tsc-203\"\n\
             [print.profiles.bixolon-58]\npaper_mm = 58\ncode_page = \"cp1250\"\ncode_page_number = 47\n\
             [labels]\nlanguage = \"tspl\"\nqr = {{ content = \"url\", base = \"https://r.ro/d/\" }}\n\
             [[staff.members]]\nname = \"Ana\"\npin_hash = \"{hash}\"\nbadge = \"ana-01\"\n"
        );
        let cfg = Config::parse(&text, &dir.path().join("k.toml")).unwrap();
        let p = cfg.receipt_profile().unwrap();
        assert_eq!((p.name.as_str(), p.code_page_number, p.paper_dots()), ("bixolon-58", 47, 384));
        assert_eq!(cfg.label_profile().unwrap().label_dots(), (320, 240));
        assert_eq!(cfg.labels.qr.content("7", "01.01.2026"), "https://r.ro/d/7");
        assert_eq!(cfg.staff.members[0].badge.as_deref(), Some("ana-01"));

        let err =
            Config::parse(&text.replace("bixolon-58\"\n[devices", "bixolon\"\n[devices"), &dir.path().join("k.toml"))
                .unwrap_err()
                .to_string();
        assert!(err.contains("devices.printer.profile") && err.contains("unknown printer profile `bixolon`"), "{err}");
        let err = Config::parse(&text.replace(&hash, "4821"), &dir.path().join("k.toml")).unwrap_err().to_string();
        assert!(err.contains("staff.members.pin_hash") && !err.contains("4821\""), "{err}");
        let err = Config::parse(&text.replace("paper_mm = 58", "paper_mm = 57"), &dir.path().join("k.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("print.profiles") && err.contains("58 or 80"), "{err}");
    }

    #[test]
    fn qr_readers_of_every_kind_parse() {
        let dir = tempfile::tempdir().unwrap();
        write_board(dir.path());
        for (table, check) in [
            ("driver = \"serial\"\nport = \"/dev/ttyACM0\"", "serial"),
            ("driver = \"keyboard-wedge\"\ndevice = \"/dev/input/event3\"", "wedge"),
            ("driver = \"camera\"\ndevice = \"/dev/video0\"", "camera"),
            ("driver = \"images\"\nfiles = [\"frames/a.png\"]", "images"),
        ] {
            let cfg = Config::parse(
                &format!("{GOOD}{SIM_PRINTER}\n[devices.qr_reader]\n{table}\n"),
                &dir.path().join("k.toml"),
            )
            .unwrap_or_else(|e| panic!("{check}: {e}"));
            match (&cfg.devices.qr_reader, check) {
                (QrReaderConfig::Serial { baud: 9600, .. }, "serial")
                | (QrReaderConfig::KeyboardWedge { .. }, "wedge") => {}
                (QrReaderConfig::Camera { width: 640, height: 480, .. }, "camera") => {}
                (QrReaderConfig::Images { files, .. }, "images") => {
                    assert_eq!(files[0], dir.path().join("frames/a.png"))
                }
                (other, _) => panic!("{check}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_missing_device_section_is_refused_with_an_example_never_simulated() {
        let dir = tempfile::tempdir().unwrap();
        write_board(dir.path());
        let err = Config::parse(&format!("{GOOD}{SIM_PRINTER}"), &dir.path().join("k.toml")).unwrap_err().to_string();
        assert!(err.contains("`devices.qr_reader`: missing"), "{err}");
        assert!(err.contains("[devices.qr_reader]\ndriver = \"serial\""), "an example to copy: {err}");
        let err = Config::parse(&format!("{GOOD}{SIM_QR}"), &dir.path().join("k.toml")).unwrap_err().to_string();
        assert!(err.contains("`devices.printer`: missing"), "{err}");
        // Simulated, when written out, still loads (the self-test then says so).
        assert!(Config::parse(&good(), &dir.path().join("k.toml")).is_ok());
    }

    #[test]
    fn a_bad_intake_url_names_the_key() {
        let dir = tempfile::tempdir().unwrap();
        write_board(dir.path());
        let text = good().replace("http://127.0.0.1:9", "registratura");
        let err = Config::parse(&text, &dir.path().join("k.toml")).unwrap_err().to_string();
        assert!(err.contains("intake.url"), "{err}");
    }
}
