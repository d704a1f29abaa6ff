//! `ghiseu intake`: the reference intake server and its administration.

use super::runtime;
use anyhow::{bail, Context, Result};
use clap::Subcommand;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum IntakeAdmin {
    /// Enrols a kiosk: its public key is trusted for its id.
    Enroll {
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        kiosk: String,
        #[arg(long)]
        public_key: PathBuf,
    },
    /// Revokes a kiosk: its submissions are refused from now on.
    Revoke {
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        kiosk: String,
    },
    /// Moves a request to another stage: registered, in-progress, resolved, rejected.
    Stage {
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        database: Option<String>,
        tracking_code: String,
        stage: String,
    },
    /// Staff accounts of the web inbox (`/staff`).
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Sends the citizen a message on a request, with an optional file (as the
    /// web inbox's "Adaugă comunicare"; recorded in the audit log as `shell`).
    Message {
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        database: Option<String>,
        tracking_code: String,
        #[arg(long)]
        text: String,
        #[arg(long)]
        file: Option<PathBuf>,
    },
    /// Tokens of the registry API (`/api/v1/registry/…`) for a registry system.
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
    /// Registers envelopes exported from a kiosk (`ghiseu queue export`).
    Import {
        #[arg(long)]
        data: PathBuf,
        files: Vec<PathBuf>,
    },
}

#[derive(Subcommand)]
pub enum TokenAction {
    /// Makes a new token for NAME (replacing its old one) and prints it, once:
    /// only its SHA-256 is stored.
    Add {
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        database: Option<String>,
        name: String,
    },
    /// Revokes NAME's token: refused from now on.
    Revoke {
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        database: Option<String>,
        name: String,
    },
}

#[derive(Subcommand)]
pub enum UserAction {
    /// Creates a staff account (or resets its password and role and enables it
    /// again); the password is read from standard input.
    Add {
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        database: Option<String>,
        name: String,
        #[arg(long, default_value = "registry", value_parser = ["registry", "admin"])]
        role: String,
    },
    /// Disables a staff account: it can no longer sign in, and its sessions end at once.
    Disable {
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        database: Option<String>,
        name: String,
    },
}

/// The registry's work in the web inbox.
#[derive(clap::Args, Debug, Clone)]
pub struct StaffArgs {
    /// When a request gets its registration number: as it arrives, or when staff
    /// validate it in the inbox ("Validează și înregistrează").
    #[arg(long, default_value = "arrival", value_parser = ["arrival", "validate"])]
    pub register_on: String,
    /// A staff session ends after this long without a request …
    #[arg(long, default_value_t = 1800)]
    pub session_idle_secs: u64,
    /// … and after this long in any case.
    #[arg(long, default_value_t = 12 * 3600)]
    pub session_max_secs: u64,
    /// The municipality's name, on the citizen's status page and on the labels.
    #[arg(long, default_value = "")]
    pub municipality: String,
    /// The services' forms folder (titles, legal deadlines); default: the shipped forms.
    #[arg(long)]
    pub forms: Option<PathBuf>,
    /// The registry's label printer, HOST:PORT (raw TCP, usually port 9100);
    /// without it labels can only be downloaded.
    #[arg(long)]
    pub label_printer: Option<String>,
    /// The label printer's language.
    #[arg(long, value_enum, default_value = "zpl")]
    pub label_lang: ghiseu::print::label::LabelLang,
    /// The label printer's profile: label size and DPI (see `ghiseu print profiles`).
    #[arg(long, default_value = "zebra-203")]
    pub label_profile: String,
    /// The label's QR holds this link followed by the registration number;
    /// default: `NUMBER/DATE`.
    #[arg(long)]
    pub label_qr_base: Option<String>,
    /// The largest file a staff message may carry, in MB.
    #[arg(long, default_value_t = 10)]
    pub message_file_mb: usize,
}

impl StaffArgs {
    fn labels(&self) -> Result<ghiseu::intake::label_printer::LabelSettings> {
        use ghiseu::print::{label::LabelQr, Profile};
        let profile =
            Profile::find(&self.label_profile, &Default::default()).filter(Profile::is_label).with_context(|| {
                let labels: Vec<String> =
                    Profile::builtins().into_iter().filter(Profile::is_label).map(|p| p.name).collect();
                format!(
                    "--label-profile {}: not a label printer profile (known: {})",
                    self.label_profile,
                    labels.join(", ")
                )
            })?;
        if let Some(addr) = &self.label_printer {
            if !addr.rsplit_once(':').is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok()) {
                bail!("--label-printer {addr}: write it as HOST:PORT, e.g. 192.168.1.51:9100");
            }
        }
        Ok(ghiseu::intake::label_printer::LabelSettings {
            printer: self.label_printer.clone(),
            lang: self.label_lang,
            profile,
            qr: self.label_qr_base.clone().map_or(LabelQr::Number, |base| LabelQr::Url { base }),
            municipality: self.municipality.clone(),
        })
    }
}

/// E-mail to citizens who left an address: registration and staff messages
/// (README.md, "The citizen hears back").
#[derive(clap::Args, Debug, Clone)]
pub struct MailArgs {
    /// The mail server (SMTP) to send through; without it no mail goes out
    /// (mails stay queued in the outbox until it is given).
    #[arg(long)]
    pub smtp_server: Option<String>,
    /// Its port (default: 587 with starttls, 465 with tls, 25 with none).
    #[arg(long)]
    pub smtp_port: Option<u16>,
    /// starttls (required, port 587), tls (from the first byte, port 465), or
    /// none (only for a relay on the same machine).
    #[arg(long, default_value = "starttls", value_parser = ["starttls", "tls", "none"])]
    pub smtp_security: String,
    /// The sender, e.g. "Registratura <registratura@primaria.ro>".
    #[arg(long, requires = "smtp_server")]
    pub smtp_from: Option<String>,
    /// A file of two lines, user name then password (keep it 0600).
    #[arg(long)]
    pub smtp_credentials: Option<PathBuf>,
    /// The CA certificate(s), PEM, the server's certificate must chain to
    /// (default: the public web's roots).
    #[arg(long)]
    pub smtp_ca: Option<PathBuf>,
    /// The first pause before a failed mail is tried again; it doubles up to an hour.
    #[arg(long, default_value_t = 30)]
    pub smtp_retry_secs: u64,
    /// The intake's address as citizens reach it; mails link BASE/s/CODE.
    #[arg(long, requires = "smtp_server")]
    pub public_url: Option<String>,
}

impl MailArgs {
    /// `municipality` (who the mail is from, in its text) and `forms` (to
    /// find each form's e-mail field) are the intake's own `--municipality`
    /// and `--forms`.
    fn settings(self, municipality: &str, forms: Option<PathBuf>) -> Result<Option<ghiseu::intake::mail::Settings>> {
        use ghiseu::intake::mail::{Security, Settings};
        let Some(server) = self.smtp_server else { return Ok(None) };
        let security = Security::parse(&self.smtp_security).context("--smtp-security")?;
        let Some(from) = self.smtp_from else { bail!("--smtp-server needs --smtp-from (the sender's address)") };
        let from = from.parse().with_context(|| format!("--smtp-from `{from}` is not an address"))?;
        let Some(public_url) = self.public_url else {
            bail!("--smtp-server needs --public-url (the intake's address as citizens reach it, for the link in the mail)")
        };
        if !(public_url.starts_with("https://") || public_url.starts_with("http://")) {
            bail!("--public-url `{public_url}` must start with https://");
        }
        let port = self.smtp_port.unwrap_or(match security {
            Security::StartTls => 587,
            Security::Tls => 465,
            Security::Plain => 25,
        });
        Ok(Some(Settings {
            server,
            port,
            security,
            from,
            credentials: self.smtp_credentials,
            ca: self.smtp_ca,
            public_url,
            municipality: if municipality.is_empty() { "Registratura".to_owned() } else { municipality.to_owned() },
            first_retry: std::time::Duration::from_secs(self.smtp_retry_secs.max(1)),
            poll: std::time::Duration::from_secs(1),
            forms_dir: forms,
        }))
    }
}

/// What the intake lets clients hold (README.md, the intake section, says why these defaults).
#[derive(clap::Args, Debug, Clone)]
pub struct LimitArgs {
    /// The largest request body accepted, in MB (an envelope with its PDF is about 60 kB).
    #[arg(long, default_value_t = 4)]
    pub max_body_mb: usize,
    /// The largest envelope taken as a resumable upload, in MB (a request with attached pages:
    /// ten at their 300 KB limit make about 10.5 MB); streamed to disk, not held in memory.
    #[arg(long, default_value_t = 16)]
    pub max_upload_mb: usize,
    /// Uploads read and opened at once; more wait their turn (memory ≤ this × --max-body-mb).
    #[arg(long, default_value_t = 8)]
    pub uploads_at_once: usize,
    /// Requests served at once; past this the intake answers 503 with Retry-After.
    #[arg(long, default_value_t = 256)]
    pub requests_at_once: usize,
    /// A whole request, body included, must arrive and be answered within this.
    #[arg(long, default_value_t = 12)]
    pub request_timeout_secs: u64,
    /// A request's headers (and a TLS handshake) must arrive within this.
    #[arg(long, default_value_t = 10)]
    pub header_timeout_secs: u64,
    /// Status lookups (`/s/CODE`, `/api/v1/status/CODE`) per client IP: a burst of this many …
    #[arg(long, default_value_t = 30)]
    pub status_burst: u32,
    /// … then this many per second.
    #[arg(long, default_value_t = 5)]
    pub status_per_second: u32,
}

impl LimitArgs {
    fn limits(&self) -> Result<ghiseu::intake::Limits> {
        if self.max_body_mb == 0 || self.max_upload_mb == 0 || self.uploads_at_once == 0 || self.requests_at_once == 0 {
            bail!("--max-body-mb, --max-upload-mb, --uploads-at-once and --requests-at-once must be at least 1");
        }
        if self.status_burst == 0 || self.status_per_second == 0 {
            bail!("--status-burst and --status-per-second must be at least 1");
        }
        let secs = std::time::Duration::from_secs;
        Ok(ghiseu::intake::Limits {
            max_body_bytes: self.max_body_mb.saturating_mul(1024 * 1024),
            max_upload_bytes: self.max_upload_mb.saturating_mul(1024 * 1024),
            uploads_at_once: self.uploads_at_once,
            requests_at_once: self.requests_at_once,
            request_timeout: secs(self.request_timeout_secs.max(1)),
            header_timeout: secs(self.header_timeout_secs.max(1)),
            tls_handshake_timeout: secs(self.header_timeout_secs.max(1)),
            status_burst: self.status_burst,
            status_period: std::time::Duration::from_secs(1) / self.status_per_second,
        })
    }
}

/// Serves the intake API until Ctrl-C.
#[allow(clippy::too_many_arguments)]
pub fn serve(
    listen: String,
    data: Option<PathBuf>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    database: Option<String>,
    limits: LimitArgs,
    staff: StaffArgs,
    mail: MailArgs,
) -> Result<ExitCode> {
    let Some(data) = data else { bail!("--data DIR is required") };
    let mail = mail.settings(&staff.municipality, staff.forms.clone())?;
    let tls = tls_cert.zip(tls_key).map(|(cert, key)| ghiseu::intake::Tls { cert, key });
    let limits = limits.limits()?;
    let rt = runtime()?;
    rt.block_on(async {
        let listener =
            tokio::net::TcpListener::bind(&listen).await.with_context(|| format!("listening on {listen}"))?;
        let scheme = if tls.is_some() { "https" } else { "http" };
        eprintln!("ghiseu intake: listening on {scheme}://{}", listener.local_addr()?);
        let register_on = if staff.register_on == "validate" {
            ghiseu::intake::RegisterOn::Validate
        } else {
            ghiseu::intake::RegisterOn::Arrival
        };
        let session_life = ghiseu::intake::staff::SessionLife {
            idle_ms: (staff.session_idle_secs.max(1) * 1000) as i64,
            max_ms: (staff.session_max_secs.max(1) * 1000) as i64,
        };
        if staff.message_file_mb == 0 {
            bail!("--message-file-mb must be at least 1");
        }
        let options = ghiseu::intake::Options {
            database,
            tls,
            limits,
            register_on,
            session_life,
            municipality: staff.municipality.clone(),
            forms_dir: staff.forms.clone(),
            labels: staff.labels()?,
            max_file_bytes: Some(staff.message_file_mb.saturating_mul(1024 * 1024)),
            mail,
        };
        ghiseu::intake::run(listener, &data, options, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
    })?;
    Ok(ExitCode::SUCCESS)
}

pub fn admin(admin: IntakeAdmin) -> Result<ExitCode> {
    match admin {
        IntakeAdmin::Enroll { data, kiosk, public_key } => {
            if !ghiseu::wire::api::valid_kiosk_id(&kiosk) {
                bail!("kiosk id `{kiosk}`: use letters, digits, '-', '_' and '.'");
            }
            let key = ghiseu::crypto::load_public_key(&public_key)?;
            let dir = data.join("kiosks");
            std::fs::create_dir_all(&dir)?;
            std::fs::copy(&public_key, dir.join(format!("{kiosk}.pem")))?;
            let _ = std::fs::remove_file(dir.join(format!("{kiosk}.revoked")));
            println!("enrolled {kiosk}, fingerprint {}", ghiseu::crypto::fingerprint(&key));
        }
        IntakeAdmin::Revoke { data, kiosk } => {
            if !ghiseu::wire::api::valid_kiosk_id(&kiosk) {
                bail!("kiosk id `{kiosk}`: use letters, digits, '-', '_' and '.'");
            }
            let dir = data.join("kiosks");
            std::fs::create_dir_all(&dir)?;
            std::fs::write(dir.join(format!("{kiosk}.revoked")), b"")?;
            println!("revoked {kiosk}");
        }
        IntakeAdmin::Stage { data, database, tracking_code, stage } => {
            let code = ghiseu::wire::tracking::parse(&tracking_code)?;
            let stage = ghiseu::wire::api::Stage::parse(&stage)
                .context("stage must be one of: new, registered, in-progress, resolved, rejected, cancelled")?;
            let mut store = ghiseu::intake::store::Store::open_for(&data, database.as_deref())?;
            if !store.set_stage(&code, stage)? {
                bail!("no submission with tracking code {code}");
            }
            println!("{code}: {}", stage.code());
        }
        IntakeAdmin::User { action: UserAction::Add { data, database, name, role } } => {
            use ghiseu::intake::{staff, store::work};
            if !staff::valid_name(&name) {
                bail!("user name `{name}`: use letters, digits, '.', '-', '_' and '@' (at most 64)");
            }
            let mut password = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut password)?;
            let password = password.trim_end_matches(['\n', '\r']);
            if password.chars().count() < 10 {
                bail!("the password (read from standard input) must have at least 10 characters");
            }
            let hash = staff::hash_password(password).map_err(|e| anyhow::anyhow!("hashing the password: {e}"))?;
            let mut store = ghiseu::intake::store::Store::open_for(&data, database.as_deref())?;
            store.with(|c| work::add_user(c, &name, &hash, &role, ghiseu::now_ms()))?;
            println!("{name}: {role}");
        }
        IntakeAdmin::User { action: UserAction::Disable { data, database, name } } => {
            let mut store = ghiseu::intake::store::Store::open_for(&data, database.as_deref())?;
            if !store.with(|c| ghiseu::intake::store::work::disable_user(c, &name, ghiseu::now_ms()))? {
                bail!("no staff account named {name}");
            }
            println!("{name}: disabled");
        }
        IntakeAdmin::Message { data, database, tracking_code, text, file } => {
            message(&data, database.as_deref(), &tracking_code, &text, file.as_deref())?;
        }
        IntakeAdmin::Token { action: TokenAction::Add { data, database, name } } => {
            use ghiseu::intake::{registry_api, staff, store::registry};
            if !staff::valid_name(&name) {
                bail!("token name `{name}`: use letters, digits, '.', '-', '_' and '@' (at most 64)");
            }
            let token = registry_api::new_token();
            let mut store = ghiseu::intake::store::Store::open_for(&data, database.as_deref())?;
            store.with(|c| registry::add_token(c, &name, &registry_api::token_hash(&token), ghiseu::now_ms()))?;
            println!("{token}");
            eprintln!("{name}: the token above is shown only now; send it as `Authorization: Bearer TOKEN`");
        }
        IntakeAdmin::Token { action: TokenAction::Revoke { data, database, name } } => {
            let mut store = ghiseu::intake::store::Store::open_for(&data, database.as_deref())?;
            if !store.with(|c| ghiseu::intake::store::registry::revoke_token(c, &name, ghiseu::now_ms()))? {
                bail!("no live token named {name}");
            }
            println!("{name}: revoked");
        }
        IntakeAdmin::Import { data, files } => {
            let rt = runtime()?;
            let mut failed = 0;
            rt.block_on(async {
                let router = ghiseu::intake::router(&data, None).await?;
                for f in &files {
                    let body = std::fs::read(f)?;
                    let env: ghiseu::wire::api::Envelope = serde_json::from_slice(&body)
                        .with_context(|| format!("{} is not an exported envelope", f.display()))?;
                    // A request with pages is larger than a POST may be: it goes the
                    // resumable way, whole at once (resumed if a part is already held).
                    let large = body.len() > ghiseu::upload::RESUMABLE_FROM;
                    let part = |from: usize| {
                        axum::http::Request::patch(format!("/api/v1/uploads/{}", env.key))
                            .header("upload-offset", from)
                            .header("upload-length", body.len())
                            .body(axum::body::Body::from(body[from..].to_vec()))
                    };
                    let req = if large {
                        part(0)?
                    } else {
                        axum::http::Request::post("/api/v1/submissions")
                            .header("idempotency-key", &env.key)
                            .header("content-type", "application/json")
                            .body(axum::body::Body::from(body.clone()))?
                    };
                    let mut res = tower::ServiceExt::oneshot(router.clone(), req).await?;
                    let held = res.headers().get("upload-offset").and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
                    if let (true, axum::http::StatusCode::CONFLICT, Some(held)) = (large, res.status(), held) {
                        res = tower::ServiceExt::oneshot(router.clone(), part(held.min(body.len()))?).await?;
                    }
                    let status = res.status();
                    let text = axum::body::to_bytes(res.into_body(), 64 * 1024).await?;
                    println!("{}: {} {}", f.display(), status.as_u16(), String::from_utf8_lossy(&text));
                    if !status.is_success() {
                        failed += 1;
                    }
                }
                anyhow::Ok(())
            })?;
            return Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) });
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `ghiseu intake message`: the same rules and the same store as the web
/// inbox's "Adaugă comunicare"; the file is filed before the message that
/// points at it.
fn message(
    data: &std::path::Path,
    database: Option<&str>,
    code: &str,
    text: &str,
    file: Option<&std::path::Path>,
) -> Result<()> {
    use ghiseu::intake::{files, rules, store::work, texts::Words};
    let code = ghiseu::wire::tracking::parse(code)?;
    let words = Words::new(ghiseu::i18n::Lang::En);
    let mut store = ghiseu::intake::store::Store::open_for(data, database)?;
    let Some((row, _)) = store.with(|c| work::request(c, &code))? else {
        bail!("no submission with tracking code {code}")
    };
    let standing = rules::Standing { stage: row.stage, registered: !row.registration_number.is_empty() };
    if let Some(why) = rules::refusal(standing, rules::Action::Message { text }) {
        bail!("{code}: {}", words.get(why));
    }
    let attached = match file {
        None => None,
        Some(path) => {
            let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            if bytes.len() > files::DEFAULT_MESSAGE_FILE_BYTES {
                bail!(
                    "{}: {} bytes; a message's file may have at most {} MB",
                    path.display(),
                    bytes.len(),
                    files::DEFAULT_MESSAGE_FILE_BYTES / (1024 * 1024)
                );
            }
            let name = files::clean_file_name(&path.to_string_lossy());
            let stored = files::save_message_file(&files::messages_dir(data), &bytes)
                .with_context(|| format!("filing {} under {}", path.display(), files::messages_dir(data).display()))?;
            Some((name, stored))
        }
    };
    let text = text.trim();
    let saved = store.with(|c| {
        work::add_message(
            c,
            &code,
            "shell",
            text,
            attached.as_ref().map(|(n, s)| (n.as_str(), s.as_str())),
            ghiseu::now_ms(),
        )
    });
    if !matches!(saved, Ok(true)) {
        if let Some((_, s)) = &attached {
            let _ = std::fs::remove_file(files::messages_dir(data).join(s));
        }
    }
    if !saved? {
        bail!("no submission with tracking code {code}");
    }
    println!("{code}: message sent{}", attached.map(|(n, _)| format!(" with {n}")).unwrap_or_default());
    Ok(())
}
