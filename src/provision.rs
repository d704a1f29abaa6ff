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
    /// The kiosk's `[devices]` table, as in the configuration file; the
    /// ID scanner, the printer and the QR reader must each be named.
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
    /// The municipality's services: a folder of form files next to this
    /// file (or a path). Checked like `ghiseu forms check`, then copied to
    /// `DATA/forms`, which becomes `kiosk.forms_dir`.
    #[serde(default)]
    pub forms_dir: Option<PathBuf>,
    /// UI texts overriding the built-in ones (`ro.toml`, `en.toml`, `hu.toml`),
    /// copied to `DATA/texts` like the forms.
    #[serde(default)]
    pub texts_dir: Option<PathBuf>,
    /// `[print]`, `[labels]`, `[staff]`: as in the configuration file (a
    /// relative `print.logo` is next to this file and copied to `DATA/logo.png`).
    #[serde(default)]
    pub print: Option<toml::Table>,
    #[serde(default)]
    pub labels: Option<toml::Table>,
    #[serde(default)]
    pub staff: Option<toml::Table>,
}

/// The boards this release supports (the repository's `board/` folder,
/// installed on the image as `/usr/share/ghiseu/board/NAME.toml`).
pub const BOARDS: [&str; 7] =
    ["desktop", "qemu", "rpi4-touch-10", "rpi4-touch-7", "rpi5-touch-10", "rpi5-touch-7", "x86-minipc"];

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
    let devices = p.devices.as_ref();
    for (key, example) in crate::config::REQUIRED_DEVICES {
        if !devices.is_some_and(|d| d.contains_key(&key["devices.".len()..])) {
            return Err(invalid(format!(
                "no [{key}] section: name every device, so a panel never runs a simulated one by accident. \
                 For example:\n[{key}]\n{example}\n(a test bench without one: driver = \"simulated\", which \
                 `ghiseu selftest` reports as SIMULATED — not a real device)"
            )));
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

/// Copies the `*.toml` files of `from` into `to` (replaced whole).
fn copy_folder(from: &Path, to: &Path) -> Result<(), ProvisionError> {
    fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ProvisionError + '_ {
        move |source| ProvisionError::Write { path: path.into(), source }
    }
    let staged = to.with_extension("new");
    let _ = std::fs::remove_dir_all(&staged);
    std::fs::create_dir_all(&staged).map_err(io(&staged))?;
    for entry in std::fs::read_dir(from).map_err(|source| ProvisionError::Read { path: from.into(), source })? {
        let path = entry.map_err(io(from))?.path();
        if path.extension().is_some_and(|e| e == "toml") {
            std::fs::copy(&path, staged.join(path.file_name().expect("a file name"))).map_err(io(&path))?;
        }
    }
    let _ = std::fs::remove_dir_all(to);
    std::fs::rename(&staged, to).map_err(io(to))
}

/// Makes `data_dir` a provisioned kiosk from `file`: the configuration,
/// the municipality's key, the intake CA and the kiosk's own key; its forms,
/// texts and logo when the file names them.
pub fn provision(file: &Path, data_dir: &Path, board_dir: &Path) -> Result<Provisioned, ProvisionError> {
    let p = read(file)?;
    // Paths written into kiosk.toml are absolute: a relative one would be
    // read relative to kiosk.toml itself (`--data kiosk` → `kiosk/kiosk`).
    let absolute = |d: &Path| std::path::absolute(d).unwrap_or_else(|_| d.to_owned());
    let (data_dir, board_dir) = (&absolute(data_dir), &absolute(board_dir));
    let beside = |rel: &Path| absolute(&file.parent().unwrap_or(Path::new(".")).join(rel));
    let invalid = |message: String| ProvisionError::Invalid { path: file.into(), message };
    let board = if p.board.contains('/') {
        beside(Path::new(&p.board))
    } else {
        board_dir.join(format!("{}.toml", p.board.trim_end_matches(".toml")))
    };
    if !board.is_file() {
        let mut known: Vec<String> = std::fs::read_dir(board_dir)
            .map(|d| d.filter_map(|e| e.ok()?.path().file_stem().map(|s| s.to_string_lossy().into_owned())).collect())
            .unwrap_or_default();
        known.sort();
        let known = if known.is_empty() {
            format!(
                "{} holds no board files. The image installs them in /usr/share/ghiseu/board (from the \
                 repository's board/ folder); elsewhere pass --board-dir DIR, e.g. --board-dir board in a \
                 source checkout. Boards of this release: {}",
                board_dir.display(),
                BOARDS.join(", ")
            )
        } else {
            format!("known boards: {} (the files in {})", known.join(", "), board_dir.display())
        };
        return Err(invalid(format!("board `{}`: no file {}; {known}", p.board, board.display())));
    }
    std::fs::create_dir_all(data_dir).map_err(|source| ProvisionError::Write { path: data_dir.into(), source })?;
    let data_dir = &std::fs::canonicalize(data_dir).unwrap_or_else(|_| data_dir.clone());

    // The municipality's forms, checked before anything is written.
    let forms = match &p.forms_dir {
        None => None,
        Some(dir) => {
            let dir = beside(dir);
            let (n, problems) = crate::forms::lint::check_dir(&dir)
                .map_err(|e| invalid(format!("forms_dir {}: {e}", dir.display())))?;
            if !problems.is_empty() || n == 0 {
                let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
                return Err(invalid(format!(
                    "forms_dir {}: {}",
                    dir.display(),
                    if n == 0 { "no form files (*.toml)".to_owned() } else { list.join("\n") }
                )));
            }
            Some(dir)
        }
    };
    if let Some(dir) = &forms {
        copy_folder(dir, &data_dir.join("forms"))?;
    }
    if let Some(dir) = &p.texts_dir {
        let dir = beside(dir);
        crate::i18n::Texts::load(Some(&dir)).map_err(|e| invalid(format!("texts_dir: {e}")))?;
        copy_folder(&dir, &data_dir.join("texts"))?;
    }
    let mut print = p.print.clone();
    if let Some(logo) = print.as_mut().and_then(|t| t.get_mut("logo")) {
        let from = beside(Path::new(logo.as_str().unwrap_or_default()));
        let to = data_dir.join("logo.png");
        std::fs::copy(&from, &to).map_err(|source| ProvisionError::Read { path: from.clone(), source })?;
        *logo = toml::Value::String(to.display().to_string());
    }

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
        "# Written by `ghiseu provision` from {}. Provision again rather than editing:\n\
         # change the provisioning file and run `ghiseu provision --from FILE --force` (the key is kept).\n\
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
    if forms.is_some() {
        text += &format!("forms_dir = {}\n", quote(&data_dir.join("forms").display().to_string()));
    }
    if p.texts_dir.is_some() {
        text += &format!("texts_dir = {}\n", quote(&data_dir.join("texts").display().to_string()));
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
    for (name, table) in [("devices", &p.devices), ("print", &print), ("labels", &p.labels), ("staff", &p.staff)] {
        if let Some(table) = table {
            let mut root = toml::Table::new();
            root.insert(name.into(), toml::Value::Table(table.clone()));
            text += "\n";
            text += &toml::to_string(&root).expect("a TOML table serialises");
        }
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
             [devices.id_scanner]\ndriver = \"simulated\"\n\
             [devices.printer]\ndriver = \"simulated\"\nout_dir = \"printer\"\n\
             [devices.qr_reader]\ndriver = \"simulated\"\n"
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

    #[test]
    fn a_device_section_left_out_is_refused_with_an_example() {
        let (dir, boards, text) = setup();
        let file = dir.path().join(FILE_NAME);
        std::fs::write(&file, text.replace("[devices.qr_reader]\ndriver = \"simulated\"\n", "")).unwrap();
        let e = provision(&file, &dir.path().join("data"), &boards).unwrap_err().to_string();
        assert!(e.contains("no [devices.qr_reader] section") && e.contains("driver = \"serial\""), "{e}");
        assert!(!dir.path().join("data/kiosk.toml").exists());
    }

    #[test]
    fn a_relative_data_folder_is_written_as_an_absolute_path() {
        let (dir, boards, text) = setup();
        let file = dir.path().join(FILE_NAME);
        std::fs::write(&file, &text).unwrap();
        // As `ghiseu provision --data kiosk` run in `dir`: relative to where it runs.
        let relative = pathdiff(&dir.path().join("kiosk"));
        let p = provision(&file, &relative, &boards).unwrap();
        let cfg = crate::config::Config::load(&p.config).unwrap();
        assert_eq!(cfg.kiosk.data_dir, dir.path().join("kiosk"), "not kiosk/kiosk");
        assert_eq!(cfg.queue_path(), dir.path().join("kiosk/queue.sqlite"));
    }

    /// `path` relative to the current directory (tests run in the crate's folder).
    fn pathdiff(path: &Path) -> PathBuf {
        let cwd = std::env::current_dir().unwrap();
        let up: PathBuf = cwd.components().skip(1).map(|_| "..").collect();
        up.join(path.strip_prefix("/").unwrap())
    }

    #[test]
    fn with_no_board_files_the_boards_of_this_release_and_their_origin_are_named() {
        let (dir, _, text) = setup();
        let file = dir.path().join(FILE_NAME);
        std::fs::write(&file, &text).unwrap();
        let e = provision(&file, &dir.path().join("data"), &dir.path().join("no-boards")).unwrap_err().to_string();
        assert!(e.contains("/usr/share/ghiseu/board") && e.contains("--board-dir"), "{e}");
        assert!(e.contains("rpi5-touch-7") && e.contains("x86-minipc"), "{e}");
        let mut shipped: Vec<String> = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("board"))
            .unwrap()
            .map(|e| e.unwrap().path().file_stem().unwrap().to_string_lossy().into_owned())
            .collect();
        shipped.sort();
        assert_eq!(shipped, BOARDS, "BOARDS lists the files in board/");
    }

    #[test]
    fn forms_texts_print_labels_and_staff_come_from_the_provisioning_file() {
        let (dir, boards, text) = setup();
        let forms = dir.path().join("forms");
        std::fs::create_dir_all(&forms).unwrap();
        std::fs::write(forms.join("petitie.toml"), include_str!("../forms/petitie.toml")).unwrap();
        let hash = crate::app::staff::hash_pin("4821");
        let file = dir.path().join(FILE_NAME);
        let extra = format!(
            "forms_dir = \"forms\"\n{text}[print.profiles.bixolon-58]\npaper_mm = 58\n\
             [labels]\nlanguage = \"tspl\"\n[[staff.members]]\nname = \"Ana\"\npin_hash = \"{hash}\"\n"
        );
        std::fs::write(&file, &extra).unwrap();
        let p = provision(&file, &dir.path().join("data"), &boards).unwrap();
        let cfg = crate::config::Config::load(&p.config).unwrap();
        assert_eq!(cfg.kiosk.forms_dir.as_deref(), Some(dir.path().join("data/forms").as_path()));
        assert!(dir.path().join("data/forms/petitie.toml").is_file());
        assert_eq!(cfg.staff.members[0].name, "Ana");
        assert!(cfg.print.profiles.contains_key("bixolon-58"));
        assert_eq!(cfg.labels.language, Some(crate::print::label::LabelLang::Tspl));

        // A broken form is refused before anything is written, with its line.
        std::fs::write(forms.join("petitie.toml"), "id = \"x\"\nversion = \"1\n").unwrap();
        std::fs::remove_dir_all(dir.path().join("data")).unwrap();
        let e = provision(&file, &dir.path().join("data"), &boards).unwrap_err().to_string();
        assert!(e.contains("petitie.toml:2"), "{e}");
        assert!(!dir.path().join("data/kiosk.toml").exists());
    }
}
