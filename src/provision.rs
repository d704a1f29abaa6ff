//! First-boot provisioning: a technician's file becomes a kiosk.
//!
//! A city hall's technician writes one small TOML file (see
//! `image-build/ghiseu-provision.example.toml`) onto the image's boot
//! partition or a USB stick labelled GHISEU: the kiosk id, the
//! municipality, the intake's URL and CA, the municipality's public key and
//! the board. On first boot `ghiseu provision` turns it into the kiosk's
//! configuration in its data folder, generates the kiosk's own signing key
//! (the private key never leaves the panel) and returns the key's
//! fingerprint, which the kiosk shows on the console and prints, for the
//! intake administrator to compare when enrolling the public key.
//!
//! `kiosk.toml` is written last and atomically: its presence means
//! "provisioned". The key is kept when a kiosk is provisioned again, so an
//! enrolment stays valid. Nothing here logs the file's contents.

use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The provisioning file's name on the boot partition or USB stick.
pub const FILE_NAME: &str = "ghiseu-provision.toml";

/// What a technician writes.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProvisionFile {
    pub kiosk_id: String,
    pub municipality: String,
    /// A board file name from the image's board folder (`rpi5-touch-7`), or a path.
    pub board: String,
    pub intake_url: String,
    /// The intake's CA certificate (PEM text), when it is not a public one.
    #[serde(default)]
    pub intake_ca: Option<String>,
    /// Where the receipt QR points; defaults to the intake's status page.
    #[serde(default)]
    pub public_status_url: Option<String>,
    /// The municipality's age public key (`age1…`): submissions are sealed to it.
    pub municipality_public_key: String,
    #[serde(default)]
    pub languages: Option<Vec<String>>,
    /// The fleet update server (hawkBit or gooseBit, DDI API), e.g.
    /// `https://updates.primaria.ro`; absent: updates by USB stick only.
    #[serde(default)]
    pub fleet_server: Option<String>,
    /// The hawkBit tenant (default `DEFAULT`).
    #[serde(default)]
    pub fleet_tenant: Option<String>,
    /// This panel's target token, as the server's operator created it.
    #[serde(default)]
    pub fleet_token: Option<String>,
    /// The update server's CA certificate (PEM text), when not a public one.
    #[serde(default)]
    pub fleet_ca: Option<String>,
    /// Hours when updates may be installed, e.g. `"02:00-05:00"`.
    #[serde(default)]
    pub fleet_maintenance: Option<String>,
    /// The kiosk's `[devices]` table, as in the configuration file.
    #[serde(default)]
    pub devices: Option<toml::Table>,
}

#[derive(Debug, thiserror::Error)]
pub enum ProvisionError {
    #[error("no provisioning file: looked for {FILE_NAME} in {searched}. Put one on the boot partition or on a USB stick labelled GHISEU (see image-build/README.md)")]
    NotFound { searched: String },
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("provisioning file {path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("the configuration made from {path} does not load: {message}")]
    Config { path: PathBuf, message: String },
}

/// The outcome, for the console, the printer and the intake administrator.
#[derive(Debug, Clone)]
pub struct Provisioned {
    pub config: PathBuf,
    pub kiosk_id: String,
    pub municipality: String,
    pub intake_url: String,
    pub fingerprint: String,
    pub public_key_pem: String,
    /// False when an existing key was kept.
    pub new_key: bool,
}

impl Provisioned {
    /// The text shown on the console and written next to the key.
    pub fn enrolment_text(&self) -> String {
        format!(
            "ghiseu kiosk enrolment\nkiosk id: {}\nmunicipality: {}\nintake: {}\nfingerprint: {}\n\n\
             On the intake, enrol this public key and check that the fingerprint matches:\n\
             ghiseu intake enroll --data DIR --kiosk {} --public-key {}.pub.pem\n\n{}",
            self.kiosk_id,
            self.municipality,
            self.intake_url,
            self.fingerprint,
            self.kiosk_id,
            self.kiosk_id,
            self.public_key_pem
        )
    }
}

/// The first provisioning file found in `dirs`, in order.
pub fn find(dirs: &[PathBuf]) -> Result<PathBuf, ProvisionError> {
    dirs.iter().map(|d| d.join(FILE_NAME)).find(|p| p.is_file()).ok_or_else(|| ProvisionError::NotFound {
        searched: dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(", "),
    })
}

/// Reads and checks a provisioning file.
pub fn read(path: &Path) -> Result<ProvisionFile, ProvisionError> {
    let text = std::fs::read_to_string(path).map_err(|source| ProvisionError::Read { path: path.into(), source })?;
    let invalid = |message: String| ProvisionError::Invalid { path: path.into(), message };
    let p: ProvisionFile = toml::from_str(&text).map_err(|e| invalid(e.to_string()))?;
    if !crate::wire::api::valid_kiosk_id(&p.kiosk_id) {
        return Err(invalid(format!(
            "kiosk_id `{}`: use letters, digits, '-', '_' or '.', at most 64 characters",
            p.kiosk_id
        )));
    }
    if p.municipality.trim().is_empty() {
        return Err(invalid("municipality must not be empty".into()));
    }
    p.municipality_public_key
        .trim()
        .parse::<age::x25519::Recipient>()
        .map_err(|e| invalid(format!("municipality_public_key is not an age public key (age1…): {e}")))?;
    if let Some(pem) = &p.intake_ca {
        reqwest::Certificate::from_pem(pem.as_bytes())
            .map_err(|e| invalid(format!("intake_ca is not a PEM certificate: {e}")))?;
        if !pem.contains("-----BEGIN CERTIFICATE-----") {
            return Err(invalid("intake_ca is not a PEM certificate (no BEGIN CERTIFICATE line)".into()));
        }
    }
    match (&p.fleet_server, &p.fleet_token) {
        (Some(_), None) => return Err(invalid("fleet_server needs fleet_token (the panel's target token)".into())),
        (None, Some(_)) => return Err(invalid("fleet_token without fleet_server".into())),
        (Some(_), Some(t)) if t.trim().is_empty() || t.trim().contains(char::is_whitespace) => {
            return Err(invalid("fleet_token must be one word (the target token the server shows)".into()))
        }
        _ => {}
    }
    if let Some(pem) = &p.fleet_ca {
        reqwest::Certificate::from_pem(pem.as_bytes())
            .ok()
            .filter(|_| pem.contains("-----BEGIN CERTIFICATE-----"))
            .ok_or_else(|| invalid("fleet_ca is not a PEM certificate".into()))?;
    }
    Ok(p)
}

fn write(path: &Path, text: &str) -> Result<(), ProvisionError> {
    std::fs::write(path, text).map_err(|source| ProvisionError::Write { path: path.into(), source })
}

/// A secret: readable by its owner only, whatever the umask.
fn write_private(path: &Path, text: &str) -> Result<(), ProvisionError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|source| ProvisionError::Write { path: path.into(), source })
}

fn quote(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

/// Makes `data_dir` a provisioned kiosk from `file`: the configuration,
/// the municipality's key, the intake CA and the kiosk's own key.
pub fn provision(file: &Path, data_dir: &Path, board_dir: &Path) -> Result<Provisioned, ProvisionError> {
    let p = read(file)?;
    let board = if p.board.contains('/') {
        PathBuf::from(&p.board)
    } else {
        board_dir.join(format!("{}.toml", p.board.trim_end_matches(".toml")))
    };
    if !board.is_file() {
        let known: Vec<String> = std::fs::read_dir(board_dir)
            .map(|d| d.filter_map(|e| e.ok()?.path().file_stem().map(|s| s.to_string_lossy().into_owned())).collect())
            .unwrap_or_default();
        return Err(ProvisionError::Invalid {
            path: file.into(),
            message: format!("board `{}`: no file {}; known boards: {}", p.board, board.display(), known.join(", ")),
        });
    }
    std::fs::create_dir_all(data_dir).map_err(|source| ProvisionError::Write { path: data_dir.into(), source })?;

    write(&data_dir.join("municipality.pub"), &format!("{}\n", p.municipality_public_key.trim()))?;
    let ca = data_dir.join("intake-ca.pem");
    if let Some(pem) = &p.intake_ca {
        write(&ca, pem)?;
    }
    let key_path = data_dir.join("kiosk.pem");
    let (key, new_key) = match crate::crypto::KioskKey::load(&key_path) {
        Ok(k) => (k, false),
        Err(_) => {
            let k = crate::crypto::KioskKey::generate();
            k.save(&key_path).map_err(|e| ProvisionError::Write {
                path: key_path.clone(),
                source: std::io::Error::other(e.to_string()),
            })?;
            (k, true)
        }
    };
    let public_key_pem = key.public_pem();
    write(&data_dir.join("kiosk.pub.pem"), &public_key_pem)?;

    let mut text = format!(
        "# Written by `ghiseu provision` from {}. Provision again rather than editing.\n\
         [kiosk]\nid = {}\nmunicipality = {}\nboard = {}\ndata_dir = {}\n\
         # The health report (in memory) that the update gate reads.\nruntime_dir = \"/run/ghiseu\"\n",
        file.display(),
        quote(&p.kiosk_id),
        quote(&p.municipality),
        quote(&board.display().to_string()),
        quote(&data_dir.display().to_string()),
    );
    if let Some(l) = &p.languages {
        text += &format!("languages = {}\n", toml::Value::from(l.clone()));
    }
    text += &format!("\n[intake]\nurl = {}\n", quote(&p.intake_url));
    if let Some(u) = &p.public_status_url {
        text += &format!("public_status_url = {}\n", quote(u));
    }
    if p.intake_ca.is_some() {
        text += "ca = \"intake-ca.pem\"\n";
    }
    if let (Some(server), Some(token)) = (&p.fleet_server, &p.fleet_token) {
        // Provisioning runs as the kiosk's user: the token waits here for the
        // fleet service (root) to take it into its own folder.
        write_private(&data_dir.join(crate::fleet::settings::STAGED_TOKEN), token.trim())?;
        let dir = crate::fleet::settings::PANEL_DIR;
        text += &format!(
            "\n[fleet]\nserver = {}\ntenant = {}\ntoken_file = {}\ndownload_dir = {}\n",
            quote(server),
            quote(p.fleet_tenant.as_deref().unwrap_or("DEFAULT")),
            quote(&format!("{dir}/token")),
            quote(dir)
        );
        if let Some(m) = &p.fleet_maintenance {
            text += &format!("maintenance = {}\n", quote(m));
        }
        if let Some(pem) = &p.fleet_ca {
            write(&data_dir.join("fleet-ca.pem"), pem)?;
            text += "ca = \"fleet-ca.pem\"\n";
        }
    }
    text += "\n[security]\nmunicipality_recipient = \"municipality.pub\"\nkiosk_key = \"kiosk.pem\"\n";
    if let Some(devices) = &p.devices {
        let mut root = toml::Table::new();
        root.insert("devices".into(), toml::Value::Table(devices.clone()));
        text += "\n";
        text += &toml::to_string(&root).expect("a TOML table serialises");
    }

    // Check the result as the kiosk will read it before marking the panel provisioned.
    let config = data_dir.join("kiosk.toml");
    let staged = data_dir.join("kiosk.toml.new");
    write(&staged, &text)?;
    if let Err(e) = crate::config::Config::load(&staged) {
        let _ = std::fs::remove_file(&staged);
        return Err(ProvisionError::Config { path: file.into(), message: e.to_string() });
    }
    std::fs::rename(&staged, &config).map_err(|source| ProvisionError::Write { path: config.clone(), source })?;

    let out = Provisioned {
        config,
        kiosk_id: p.kiosk_id,
        municipality: p.municipality,
        intake_url: p.intake_url,
        fingerprint: key.fingerprint(),
        public_key_pem,
        new_key,
    };
    write(&data_dir.join("enrolment.txt"), &out.enrolment_text())?;
    Ok(out)
}

/// Leaves the enrolment (public key and fingerprint, nothing secret) next to
/// the provisioning file, for the technician to carry to the intake. The
/// medium is often read-only (a mounted stick, a boot partition): then the
/// console and the printed page are the way.
pub fn leave_enrolment_next_to(file: &Path, p: &Provisioned) -> Result<PathBuf, std::io::Error> {
    let dir = file.parent().unwrap_or(Path::new("."));
    let pem = dir.join(format!("{}.pub.pem", p.kiosk_id));
    std::fs::write(&pem, &p.public_key_pem)?;
    std::fs::write(dir.join(format!("{}.enrolment.txt", p.kiosk_id)), p.enrolment_text())?;
    Ok(pem)
}

/// The printed enrolment page.
pub fn enrolment_page(p: &Provisioned) -> Vec<crate::print::Block> {
    use crate::print::{Block, Style};
    vec![
        Block::Text { text: p.municipality.clone(), style: Style::Title },
        Block::Text { text: "Înrolare chioșc / kiosk enrolment".into(), style: Style::Normal },
        Block::Rule,
        Block::Text { text: format!("Chioșc: {}", p.kiosk_id), style: Style::Normal },
        Block::Text { text: "Amprenta cheii / key fingerprint:".into(), style: Style::Normal },
        Block::Text { text: p.fingerprint.clone(), style: Style::Normal },
        Block::Qr(p.fingerprint.clone()),
        Block::Feed,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> (tempfile::TempDir, PathBuf, String) {
        let dir = tempfile::tempdir().unwrap();
        let boards = dir.path().join("boards");
        std::fs::create_dir_all(&boards).unwrap();
        std::fs::write(boards.join("qemu.toml"), "name = \"qemu\"\n[display]\nwidth = 1280\nheight = 800\n").unwrap();
        let recipient = crate::crypto::generate_municipality_key(&dir.path().join("m.key")).unwrap();
        let file = format!(
            "kiosk_id = \"primaria-test-01\"\nmunicipality = \"Primăria Test\"\nboard = \"qemu\"\n\
             intake_url = \"https://registratura.example.ro\"\nmunicipality_public_key = \"{recipient}\"\n\
             [devices.printer]\ndriver = \"simulated\"\nout_dir = \"printer\"\n"
        );
        (dir, boards, file)
    }

    #[test]
    fn a_provisioning_file_becomes_a_kiosk_that_loads_with_its_own_key() {
        let (dir, boards, text) = setup();
        let boot = dir.path().join("boot");
        std::fs::create_dir_all(&boot).unwrap();
        std::fs::write(boot.join(FILE_NAME), &text).unwrap();
        let found = find(&[dir.path().join("usb"), boot.clone()]).unwrap();
        let data = dir.path().join("data");
        let p = provision(&found, &data, &boards).unwrap();
        assert!(p.new_key);
        let cfg = crate::config::Config::load(&p.config).unwrap();
        assert_eq!(cfg.kiosk.id, "primaria-test-01");
        assert_eq!(cfg.kiosk.municipality, "Primăria Test");
        assert!(matches!(cfg.devices.printer, crate::devices::printer::PrinterConfig::Simulated { .. }));
        let key = crate::crypto::KioskKey::load(&data.join("kiosk.pem")).unwrap();
        assert_eq!(key.fingerprint(), p.fingerprint);
        let enrolment = std::fs::read_to_string(data.join("enrolment.txt")).unwrap();
        assert!(enrolment.contains(&p.fingerprint) && enrolment.contains("BEGIN PUBLIC KEY"), "{enrolment}");
        assert!(!enrolment.contains("PRIVATE"), "the private key must never be shown");

        // Provisioning again (say, a new intake URL) keeps the key and so the enrolment.
        std::fs::write(boot.join(FILE_NAME), text.replace("registratura.example.ro", "intake.example.ro")).unwrap();
        let again = provision(&found, &data, &boards).unwrap();
        assert!(!again.new_key);
        assert_eq!(again.fingerprint, p.fingerprint);
        assert_eq!(crate::config::Config::load(&again.config).unwrap().intake.url, "https://intake.example.ro");
    }

    #[test]
    fn a_fleet_server_and_token_become_the_fleet_section_and_a_private_token() {
        use std::os::unix::fs::PermissionsExt;
        let (dir, boards, text) = setup();
        let file = dir.path().join(FILE_NAME);
        let fleet = "fleet_server = \"https://updates.example.ro\"\nfleet_token = \"0123abcd\"\n\
                     fleet_maintenance = \"02:00-05:00\"\n";
        std::fs::write(&file, format!("{fleet}{text}")).unwrap();
        let data = dir.path().join("data");
        let p = provision(&file, &data, &boards).unwrap();
        let f = crate::config::Config::load(&p.config).unwrap().fleet.unwrap();
        assert_eq!((f.server.as_str(), f.tenant.as_str()), ("https://updates.example.ro", "DEFAULT"));
        assert_eq!(f.token_file, Path::new("/data/ghiseu-fleet/token"));
        assert_eq!(f.maintenance.as_deref(), Some("02:00-05:00"));
        let staged = data.join(crate::fleet::settings::STAGED_TOKEN);
        assert_eq!(std::fs::read_to_string(&staged).unwrap(), "0123abcd");
        assert_eq!(std::fs::metadata(&staged).unwrap().permissions().mode() & 0o777, 0o600);
        assert!(!std::fs::read_to_string(&p.config).unwrap().contains("0123abcd"), "the token is not in kiosk.toml");
        std::fs::write(&file, format!("fleet_server = \"https://u.ro\"\n{text}")).unwrap();
        assert!(provision(&file, &data, &boards).unwrap_err().to_string().contains("fleet_token"));
        std::fs::write(&file, format!("{}{text}", fleet.replace("02:00-05:00", "2-5"))).unwrap();
        assert!(provision(&file, &data, &boards).unwrap_err().to_string().contains("fleet.maintenance"));
    }

    #[test]
    fn mistakes_in_the_file_are_named_and_leave_the_kiosk_unprovisioned() {
        let (dir, boards, text) = setup();
        let file = dir.path().join(FILE_NAME);
        let data = dir.path().join("data");
        for (bad, expect) in [
            (text.replace("primaria-test-01", "primăria 01"), "kiosk_id"),
            (text.replace("board = \"qemu\"", "board = \"rpi9\""), "known boards: qemu"),
            (text.replace("municipality_public_key = \"age1", "municipality_public_key = \"agex"), "age public key"),
            (text.replace("intake_url", "intake_uri"), "intake_uri"),
            (text.replace("https://registratura.example.ro", "registratura"), "intake.url"),
            (format!("intake_ca = \"not a certificate\"\n{text}"), "intake_ca"),
        ] {
            std::fs::write(&file, &bad).unwrap();
            let e = provision(&file, &data, &boards).unwrap_err().to_string();
            assert!(e.contains(expect), "expected `{expect}` in: {e}");
            assert!(!data.join("kiosk.toml").exists(), "a failed provisioning must not mark the kiosk provisioned");
        }
        let e = find(&[dir.path().join("nowhere")]).unwrap_err().to_string();
        assert!(e.contains(FILE_NAME) && e.contains("nowhere"), "{e}");
    }
}
