//! The `ghiseu` command: one binary for citizens' panels, the registry's
//! intake and technicians. Parsing and wiring only; the work is in the library.

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use ghiseu::config::Config;
use ghiseu::devices::Devices;
use slint::ComponentHandle;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

#[derive(Parser)]
#[command(name = "ghiseu", version, about = "Kiosk firmware for Romanian city halls (primării)")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The kiosk with simulated devices and an embedded intake server.
    /// With no display (or with --headless) a scripted citizen files a
    /// petition through the real UI and screenshots are written.
    Demo {
        /// Keep the demo's data here (default: a temporary folder).
        #[arg(long)]
        data: Option<PathBuf>,
        /// Run without a window and write a PNG of every screen into this folder.
        #[arg(long)]
        headless: Option<PathBuf>,
        /// Port of the embedded intake (default: any free port).
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// Open straight at a screen: `catalogue`, `status` or `form:ID` (for
        /// measurements and screenshots). Headless, writes that one screen.
        #[arg(long)]
        screen: Option<String>,
    },
    /// The kiosk as a panel runs it.
    Run {
        #[arg(long)]
        config: PathBuf,
        /// Run without a display: a scripted citizen files one petition
        /// through the real UI and screenshots go into this folder.
        #[arg(long)]
        headless: Option<PathBuf>,
    },
    /// The reference intake server (the registry side). Its data folder holds
    /// the database, `municipality.key` and the enrolled kiosks (`kiosks/ID.pem`).
    #[command(args_conflicts_with_subcommands = true)]
    Intake {
        #[command(subcommand)]
        admin: Option<IntakeAdmin>,
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        #[arg(long)]
        data: Option<PathBuf>,
        /// Serve HTTPS with this certificate chain (PEM) ...
        #[arg(long, requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// ... and this private key (PEM).
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// Keep the registrations in PostgreSQL (`postgres://user@host/db`) instead of SQLite in --data.
        #[arg(long)]
        database: Option<String>,
    },
    /// Key files: a kiosk's signing key, the municipality's sealing key.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Only the uploader: delivers the queue to the intake.
    Uploader {
        #[arg(long)]
        config: PathBuf,
        /// Exit 0 once nothing is pending.
        #[arg(long)]
        drain: bool,
    },
    /// Checks the configured devices, the queue and the intake. Exit 0 when all pass.
    Selftest {
        #[arg(long)]
        config: PathBuf,
        /// One JSON object instead of lines.
        #[arg(long)]
        json: bool,
        /// Also wait this many seconds for a card on the ID scanner and read it.
        #[arg(long, default_value_t = 0)]
        card_wait: u64,
        /// Also wait this many seconds for a QR code on the reader.
        #[arg(long, default_value_t = 0)]
        qr_wait: u64,
        /// The update health gate: the running kiosk must be ready and its
        /// devices working (read from its health report; nothing printed);
        /// the intake and the clock are reported but do not fail the gate.
        #[arg(long)]
        gate: bool,
    },
    /// First boot: turns a provisioning file (ghiseu-provision.toml) into this
    /// kiosk's configuration, generates its signing key and prints the key's
    /// fingerprint for the intake administrator.
    Provision {
        /// The kiosk's data folder, where kiosk.toml and the keys are written.
        #[arg(long, default_value = "/var/lib/ghiseu")]
        data: PathBuf,
        /// The provisioning file; without it, the first ghiseu-provision.toml in the --search folders.
        #[arg(long)]
        from: Option<PathBuf>,
        /// Folders to look in, in order (the boot partition, a mounted USB stick).
        #[arg(long)]
        search: Vec<PathBuf>,
        /// Where the board files are.
        #[arg(long, default_value = "/usr/share/ghiseu/board")]
        board_dir: PathBuf,
        /// Provision again even when the kiosk already is (the key is kept).
        #[arg(long)]
        force: bool,
    },
    /// Parses MRZ lines from standard input and prints them as JSON.
    /// Exit 0 valid, 1 invalid, 2 not an MRZ.
    Mrz,
    /// Service and form definitions.
    Forms {
        #[command(subcommand)]
        command: FormsCommand,
    },
    /// The kiosk's submission queue.
    Queue {
        #[command(subcommand)]
        command: QueueCommand,
    },
    /// Printer output without a kiosk: a sample receipt, a registry label,
    /// each with a PNG of exactly what will print.
    Print {
        #[command(subcommand)]
        command: PrintCommand,
    },
    /// The staff desk.
    Staff {
        #[command(subcommand)]
        command: StaffCommand,
    },
}

#[derive(Subcommand)]
enum PrintCommand {
    /// Writes the printer bytes of a sample receipt (ESC/POS) for a printer profile.
    Receipt {
        /// A receipt with made-up content (the only kind this command writes).
        #[arg(long, required = true)]
        sample: bool,
        /// Printer profile (default: the configured printer's, else generic-80).
        #[arg(long)]
        profile: Option<String>,
        /// Configuration to take the municipality, status link, logo and profiles from.
        #[arg(long)]
        config: Option<PathBuf>,
        #[arg(long)]
        out: PathBuf,
        /// Also write a PNG preview of the paper.
        #[arg(long)]
        png: Option<PathBuf>,
        /// ro, en or hu.
        #[arg(long = "text-lang", default_value = "ro")]
        text_lang: String,
    },
    /// Writes the printer bytes of a registry label: QR + number + date as a 1-bit raster.
    Label {
        #[arg(long)]
        number: String,
        /// DD.MM.YYYY
        #[arg(long)]
        date: String,
        /// Printer language (default: the configured one, else zpl).
        #[arg(long, value_enum)]
        lang: Option<ghiseu::print::label::LabelLang>,
        /// Label printer profile (size, DPI; default: the configured label printer's, else zebra-203).
        #[arg(long)]
        profile: Option<String>,
        #[arg(long)]
        config: Option<PathBuf>,
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        png: Option<PathBuf>,
    },
    /// Lists the printer profiles (built in and configured).
    Profiles {
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum StaffCommand {
    /// Reads a PIN from standard input and prints its Argon2 hash for `[[staff.members]] pin_hash`.
    HashPin,
}

#[derive(Subcommand)]
enum QueueCommand {
    /// Counts by state and the age of the oldest pending submission, as JSON.
    Status {
        #[arg(long)]
        config: PathBuf,
    },
    /// Commits one submission as the kiosk would, answers as a JSON object on
    /// stdin; prints its tracking code once it is durable.
    Submit {
        form_id: String,
        #[arg(long)]
        config: PathBuf,
        #[arg(long, default_value = "ro")]
        lang: String,
    },
    /// Writes every pending submission's sealed envelope into DIR, for a
    /// technician to carry to the registry when the kiosk is offline for good.
    Export {
        dir: PathBuf,
        #[arg(long)]
        config: PathBuf,
    },
}

#[derive(Subcommand)]
enum FormsCommand {
    /// Lints a forms folder: exit 0 when every file is valid, otherwise each
    /// problem as `file:line: what` and exit 1.
    Check { dir: PathBuf },
    /// Prints the JSON Schema of form files (published as forms/form.schema.json).
    Schema,
}

#[derive(Subcommand)]
enum IntakeAdmin {
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
    /// Registers envelopes exported from a kiosk (`ghiseu queue export`).
    Import {
        #[arg(long)]
        data: PathBuf,
        files: Vec<PathBuf>,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// A kiosk's Ed25519 key (PKCS#8 PEM); prints the public key's fingerprint.
    Kiosk {
        #[arg(long)]
        out: PathBuf,
    },
    /// The municipality's age key pair: the private key into OUT, the public into OUT.pub.
    Municipality {
        #[arg(long)]
        out: PathBuf,
    },
}

fn main() -> ExitCode {
    ghiseu::service::init_logging();
    let cli = Cli::parse();
    match dispatch(cli.command) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("ghiseu: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?)
}

fn dispatch(cmd: Command) -> Result<ExitCode> {
    match cmd {
        Command::Demo { data, headless, port, screen } => demo(data, headless, port, screen),
        Command::Run { config, headless } => {
            let cfg = Config::load(&config)?;
            if headless.is_none() && has_display_or_kms(&cfg)? {
                // Before any thread: the platform choice sets Slint's environment (rotation, scale).
                cfg.board()?.select_platform().map_err(|e| anyhow::anyhow!("cannot open the display: {e}"))?;
            }
            let rt = runtime()?;
            kiosk(&cfg, &rt, headless, Duration::from_secs(2), None).map(|_| ExitCode::SUCCESS)
        }
        Command::Intake { admin: Some(admin), .. } => intake_admin(admin),
        Command::Intake { admin: None, listen, data, tls_cert, tls_key, database } => {
            let Some(data) = data else { bail!("--data DIR is required") };
            let tls = tls_cert.zip(tls_key).map(|(cert, key)| ghiseu::intake::Tls { cert, key });
            let rt = runtime()?;
            rt.block_on(async {
                let listener =
                    tokio::net::TcpListener::bind(&listen).await.with_context(|| format!("listening on {listen}"))?;
                let scheme = if tls.is_some() { "https" } else { "http" };
                eprintln!("ghiseu intake: listening on {scheme}://{}", listener.local_addr()?);
                ghiseu::intake::serve_with(listener, &data, database, tls, async {
                    let _ = tokio::signal::ctrl_c().await;
                })
                .await
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Keys { command: KeysCommand::Kiosk { out } } => {
            let key = ghiseu::crypto::KioskKey::generate();
            key.save(&out)?;
            let public = out.with_extension("pub.pem");
            std::fs::write(&public, key.public_pem())?;
            println!(
                "kiosk key: {}\npublic key: {}\nfingerprint: {}",
                out.display(),
                public.display(),
                key.fingerprint()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Keys { command: KeysCommand::Municipality { out } } => {
            let recipient = ghiseu::crypto::generate_municipality_key(&out)?;
            let public = out.with_extension("pub");
            std::fs::write(&public, format!("{recipient}\n"))?;
            println!(
                "private key (keep at the intake only): {}\npublic key: {}\n{recipient}",
                out.display(),
                public.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Uploader { config, drain } => {
            let cfg = Config::load(&config)?;
            let rt = runtime()?;
            let queue = ghiseu::queue::Queue::open(&cfg.queue_path())?;
            let uploader = ghiseu::upload::Uploader::for_config(&cfg, queue, Default::default());
            rt.block_on(async {
                if drain {
                    uploader.drain().await
                } else {
                    let (_tx, rx) = tokio::sync::watch::channel(false);
                    uploader.run(rx).await;
                    Ok(())
                }
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Selftest { config, json, card_wait, qr_wait, gate } => {
            let cfg = Config::load(&config)?;
            let rt = runtime()?;
            let waits =
                ghiseu::selftest::Waits { card: Duration::from_secs(card_wait), qr: Duration::from_secs(qr_wait) };
            let opts = ghiseu::selftest::Options { waits, gate };
            // A running kiosk holds the devices: read its report rather than open them again.
            let report = ghiseu::health::read_fresh(&cfg.health_path(), ghiseu::now_ms())
                .map(|r| (r.pid != std::process::id()).then_some(r));
            let checks = match report {
                Ok(Some(r)) => rt.block_on(ghiseu::selftest::run(&cfg, ghiseu::selftest::Source::Kiosk(&r), opts)),
                Err(e) if gate => {
                    rt.block_on(ghiseu::selftest::run(&cfg, ghiseu::selftest::Source::Missing(e.to_string()), opts))
                }
                _ => {
                    let io = ghiseu::board::open_io(&cfg.board()?.gpio)
                        .unwrap_or_else(|e| std::sync::Arc::new(ghiseu::board::Unavailable(e.to_string())));
                    let devices = Devices::from_config(&cfg.devices).with_board(io, Default::default());
                    rt.block_on(ghiseu::selftest::run(&cfg, ghiseu::selftest::Source::Direct(&devices), opts))
                }
            };
            let ok = ghiseu::selftest::passed(&checks);
            if json {
                println!("{}", serde_json::json!({ "ok": ok, "checks": checks }));
            } else {
                for c in &checks {
                    let mark = match (c.ok, c.required) {
                        (true, _) => "PASS",
                        (false, true) => "FAIL",
                        (false, false) => "WARN",
                    };
                    println!("{mark} {:<11} {}", c.name, c.detail);
                }
            }
            Ok(if ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
        Command::Provision { data, from, search, board_dir, force } => provision(data, from, search, board_dir, force),
        Command::Forms { command: FormsCommand::Check { dir } } => {
            let (files, problems) =
                ghiseu::forms::lint::check_dir(&dir).with_context(|| format!("reading {}", dir.display()))?;
            for p in &problems {
                println!("{p}");
            }
            if problems.is_empty() {
                println!("{files} form file(s) in {}: no problems", dir.display());
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!("{} problem(s) in {files} form file(s)", problems.len());
                Ok(ExitCode::from(1))
            }
        }
        Command::Forms { command: FormsCommand::Schema } => {
            print!("{}", ghiseu::forms::json_schema());
            Ok(ExitCode::SUCCESS)
        }
        Command::Mrz => {
            let mut input = String::new();
            std::io::stdin().read_to_string(&mut input)?;
            match ghiseu::identity::parse_mrz(&input) {
                Ok(m) => {
                    println!("{}", serde_json::to_string_pretty(&m)?);
                    Ok(if m.valid { ExitCode::SUCCESS } else { ExitCode::from(1) })
                }
                Err(e) => {
                    eprintln!("ghiseu mrz: {e}");
                    Ok(ExitCode::from(2))
                }
            }
        }
        Command::Queue { command: QueueCommand::Submit { form_id, config, lang } } => {
            let cfg = Config::load(&config)?;
            let catalogue = ghiseu::kiosk::catalogue(&cfg)?;
            let Some(form) = catalogue.get(&form_id) else {
                let ids: Vec<&str> = catalogue.forms.iter().map(|f| f.id.as_str()).collect();
                bail!("no form `{form_id}`; this kiosk offers: {}", ids.join(", "));
            };
            let lang = ghiseu::i18n::Lang::parse(&lang).context("--lang must be ro, en or hu")?;
            let mut input = String::new();
            std::io::stdin().read_to_string(&mut input)?;
            let answers: std::collections::BTreeMap<String, String> =
                serde_json::from_str(&input).context("stdin must be a JSON object of field id to text")?;
            let today = jiff::Zoned::now().date();
            let errors = ghiseu::forms::validate_all(form, &answers, today);
            if !errors.is_empty() {
                let texts = ghiseu::i18n::Texts::builtin();
                for (field, e) in &errors {
                    eprintln!("{field}: {}", e.message(&texts, ghiseu::i18n::Lang::Ro));
                }
                return Ok(ExitCode::from(1));
            }
            let sealer = cfg.sealer()?;
            ghiseu::queue::check_space(&cfg.kiosk.data_dir, cfg.kiosk.min_free_mb)?;
            let mut q = ghiseu::queue::Queue::open(&cfg.queue_path())?;
            let answers = form.answers_to_send(&answers);
            let letterhead =
                cfg.letterhead(std::sync::Arc::new(ghiseu::i18n::Texts::load(cfg.kiosk.texts_dir.as_deref())?));
            let receipt = ghiseu::queue::submit(&mut q, &sealer, &letterhead, form, lang, answers, ghiseu::now_ms())?;
            // Printed only now: the commit is on disk.
            println!("{}", receipt.tracking_code);
            Ok(ExitCode::SUCCESS)
        }
        Command::Queue { command: QueueCommand::Export { dir, config } } => {
            let cfg = Config::load(&config)?;
            let q = ghiseu::queue::Queue::open(&cfg.queue_path())?;
            std::fs::create_dir_all(&dir)?;
            let mut n = 0;
            for p in q.due(i64::MAX, usize::MAX)? {
                let path = dir.join(format!("{}.json", p.tracking_code));
                let mut f = std::fs::File::create(&path)?;
                std::io::Write::write_all(&mut f, &p.payload)?;
                f.sync_all()?;
                n += 1;
            }
            println!("exported {n} sealed submission(s) to {}", dir.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Print { command } => print_command(command),
        Command::Staff { command: StaffCommand::HashPin } => {
            let mut pin = String::new();
            std::io::stdin().read_to_string(&mut pin)?;
            let pin = pin.trim();
            if pin.len() < 4 || !pin.chars().all(|c| c.is_ascii_digit()) {
                bail!("a PIN is at least 4 digits");
            }
            println!("{}", ghiseu::app::staff::hash_pin(pin));
            Ok(ExitCode::SUCCESS)
        }
        Command::Queue { command: QueueCommand::Status { config } } => {
            let cfg = Config::load(&config)?;
            let q = ghiseu::queue::Queue::open(&cfg.queue_path())?;
            let c = q.counts()?;
            let age = c.oldest_pending_ms.map(|t| (ghiseu::now_ms() - t) / 1000);
            let corrupt = ghiseu::queue::corrupt_files(&cfg.queue_path());
            println!(
                "{}",
                serde_json::json!({
                    "pending": c.pending, "uploaded": c.uploaded, "rejected": c.rejected,
                    "oldest_pending_age_secs": age,
                    "corrupt_files": corrupt,
                })
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn print_command(cmd: PrintCommand) -> Result<ExitCode> {
    use ghiseu::print::{label, Profile};
    let load = |config: &Option<PathBuf>| config.as_deref().map(Config::load).transpose();
    let pick = |cfg: &Option<Config>,
                name: Option<String>,
                configured: fn(&Config) -> Result<Profile, String>,
                default: &str| {
        let profile = match (cfg, name) {
            (Some(c), Some(n)) => c.find_profile(&n),
            (Some(c), None) => configured(c),
            (None, n) => {
                let n = n.unwrap_or_else(|| default.to_owned());
                Profile::find(&n, &Default::default()).ok_or_else(|| {
                    format!("unknown printer profile `{n}` (known: {})", Profile::names(&Default::default()).join(", "))
                })
            }
        };
        profile.map_err(|e| anyhow::anyhow!(e))
    };
    let write =
        |path: &Path, bytes: &[u8]| std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()));
    match cmd {
        PrintCommand::Receipt { sample: _, profile, config, out, png, text_lang } => {
            let cfg = load(&config)?;
            let profile = pick(&cfg, profile, Config::receipt_profile, ghiseu::print::profile::DEFAULT_PROFILE)?;
            let lang = ghiseu::i18n::Lang::parse(&text_lang).context("--text-lang: use ro, en or hu")?;
            let texts = ghiseu::i18n::Texts::load(cfg.as_ref().and_then(|c| c.kiosk.texts_dir.as_deref()))?;
            let (municipality, base) = match &cfg {
                Some(c) => (c.kiosk.municipality.clone(), c.status_url_base()),
                None => ("Primăria Municipiului Exemplu".to_owned(), "https://primarie.example.ro/s/".to_owned()),
            };
            let mut data = ghiseu::print::sample_receipt(&municipality, &base, lang);
            data.logo = cfg.as_ref().and_then(|c| c.logo()).map(std::sync::Arc::new);
            let blocks = ghiseu::print::receipt_layout(&data, &texts);
            let job = ghiseu::print::job("sample".into(), &blocks, &profile);
            write(&out, &job.bytes)?;
            if let Some(png) = png {
                write(&png, &job.preview_png)?;
            }
            println!("{}: {} bytes of ESC/POS for profile {}", out.display(), job.bytes.len(), profile.name);
        }
        PrintCommand::Label { number, date, lang, profile, config, out, png } => {
            if !ghiseu::app::valid_date(&date) {
                bail!("--date {date}: use DD.MM.YYYY");
            }
            let cfg = load(&config)?;
            let profile = pick(&cfg, profile, Config::label_profile, "zebra-203")?;
            let lang = lang.or(cfg.as_ref().and_then(|c| c.labels.language)).unwrap_or(label::LabelLang::Zpl);
            let qr = cfg.as_ref().map(|c| c.labels.qr.clone()).unwrap_or_default();
            let data = label::LabelData {
                qr: qr.content(&number, &date),
                number,
                date,
                municipality: cfg
                    .as_ref()
                    .map(|c| c.kiosk.municipality.clone())
                    .unwrap_or_else(|| "Primăria Municipiului Exemplu".into()),
            };
            let job = label::job(&data, &profile, lang);
            write(&out, &job.bytes)?;
            if let Some(png) = png {
                write(&png, &job.preview_png)?;
            }
            let (w, h) = profile.label_dots();
            println!(
                "{}: {} bytes of {}, {w}×{h} dots at {} dpi (profile {})",
                out.display(),
                job.bytes.len(),
                format!("{lang:?}").to_lowercase(),
                profile.dpi,
                profile.name
            );
        }
        PrintCommand::Profiles { config } => {
            let cfg = load(&config)?;
            let custom = cfg.map(|c| c.print.profiles).unwrap_or_default();
            for name in Profile::names(&custom) {
                let p = Profile::find(&name, &custom).expect("listed");
                println!(
                    "{name:<20} {} mm, {} dpi, {:?} at ESC t {}, text {:?}, labels {}×{} mm",
                    p.paper_mm, p.dpi, p.code_page, p.code_page_number, p.text, p.label_width_mm, p.label_height_mm
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn intake_admin(admin: IntakeAdmin) -> Result<ExitCode> {
    match admin {
        IntakeAdmin::Enroll { data, kiosk, public_key } => {
            if !ghiseu::intake::api::valid_kiosk_id(&kiosk) {
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
            if !ghiseu::intake::api::valid_kiosk_id(&kiosk) {
                bail!("kiosk id `{kiosk}`: use letters, digits, '-', '_' and '.'");
            }
            let dir = data.join("kiosks");
            std::fs::create_dir_all(&dir)?;
            std::fs::write(dir.join(format!("{kiosk}.revoked")), b"")?;
            println!("revoked {kiosk}");
        }
        IntakeAdmin::Stage { data, database, tracking_code, stage } => {
            let code = ghiseu::queue::tracking::parse(&tracking_code)?;
            let stage = ghiseu::intake::api::Stage::parse(&stage)
                .context("stage must be one of: registered, in-progress, resolved, rejected")?;
            let mut store = ghiseu::intake::store::Store::open_for(&data, database.as_deref())?;
            if !store.set_stage(&code, stage)? {
                bail!("no submission with tracking code {code}");
            }
            println!("{code}: {}", stage.code());
        }
        IntakeAdmin::Import { data, files } => {
            let rt = runtime()?;
            let mut failed = 0;
            rt.block_on(async {
                let router = ghiseu::intake::router(&data, None)?;
                for f in &files {
                    let body = std::fs::read(f)?;
                    let env: ghiseu::intake::api::Envelope = serde_json::from_slice(&body)
                        .with_context(|| format!("{} is not an exported envelope", f.display()))?;
                    let req = axum::http::Request::post("/api/v1/submissions")
                        .header("idempotency-key", &env.key)
                        .body(axum::body::Body::from(body))?;
                    let res = tower::ServiceExt::oneshot(router.clone(), req).await?;
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

/// Whether `run` has a screen: a desktop session for a window, or a board
/// that draws through KMS.
fn has_display_or_kms(cfg: &Config) -> Result<bool> {
    Ok(has_display() || cfg.board()?.display.output == ghiseu::board::Output::Kms)
}

fn provision(
    data: PathBuf,
    from: Option<PathBuf>,
    search: Vec<PathBuf>,
    board_dir: PathBuf,
    force: bool,
) -> Result<ExitCode> {
    let config = data.join("kiosk.toml");
    if config.exists() && !force {
        let key = ghiseu::crypto::KioskKey::load(&data.join("kiosk.pem"))?;
        println!(
            "ghiseu provision: already provisioned ({}); key fingerprint {}\n(use --force to provision again)",
            config.display(),
            key.fingerprint()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let file = match from {
        Some(f) => f,
        None => ghiseu::provision::find(&search)?,
    };
    let p = ghiseu::provision::provision(&file, &data, &board_dir)?;
    tracing::info!(kiosk = %p.kiosk_id, new_key = p.new_key, "kiosk provisioned");
    println!("{}", p.enrolment_text());
    match ghiseu::provision::leave_enrolment_next_to(&file, &p) {
        Ok(pem) => println!("public key also written to {}", pem.display()),
        Err(e) => println!("(the public key stays in {}: {e})", data.join("kiosk.pub.pem").display()),
    }
    // The enrolment page on the kiosk's own printer, when it has one.
    let cfg = Config::load(&p.config)?;
    if !matches!(cfg.devices.printer, ghiseu::config::PrinterConfig::Simulated { .. }) {
        if let Ok(io) = ghiseu::board::open_io(&cfg.board()?.gpio) {
            let _ = io.set_printer_power(true);
        }
        let printer = ghiseu::devices::printer::from_config(&cfg.devices.printer);
        let profile = cfg.receipt_profile().map_err(|e| anyhow::anyhow!("devices.printer.profile: {e}"))?;
        let job = ghiseu::print::job("enrolment".into(), &ghiseu::provision::enrolment_page(&p), &profile);
        match printer.print(&job) {
            Ok(_) => println!("enrolment page printed"),
            Err(e) => println!("enrolment page not printed: {e}"),
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn has_display() -> bool {
    std::env::var_os("DISPLAY").is_some_and(|v| !v.is_empty())
        || std::env::var_os("WAYLAND_DISPLAY").is_some_and(|v| !v.is_empty())
}

const DEMO_BOARD: &str = include_str!("../board/desktop.toml");

fn demo(data: Option<PathBuf>, headless: Option<PathBuf>, port: u16, screen: Option<String>) -> Result<ExitCode> {
    let _tmp;
    let data = match data {
        Some(d) => d,
        None => {
            _tmp = tempfile::Builder::new().prefix("ghiseu-demo-").tempdir()?;
            _tmp.path().to_owned()
        }
    };
    std::fs::create_dir_all(&data)?;
    let rt = runtime()?;
    let listener =
        rt.block_on(tokio::net::TcpListener::bind(("127.0.0.1", port))).context("starting the demo intake")?;
    let addr = listener.local_addr()?;
    let intake_dir = data.join("intake");
    if !data.join("keys/kiosk.pem").exists() {
        ghiseu::crypto::provision_pair(&data.join("keys"), &intake_dir, "demo-01")?;
    }
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let dir = intake_dir.clone();
    let server = rt.spawn(async move {
        ghiseu::intake::serve(listener, &dir, None, async {
            let _ = stop_rx.await;
        })
        .await
    });
    std::fs::write(data.join("board.toml"), DEMO_BOARD)?;
    let cfg_path = data.join("kiosk.toml");
    std::fs::write(
        &cfg_path,
        format!(
            "# Written by `ghiseu demo`.\n[kiosk]\nid = \"demo-01\"\nmunicipality = \"Primăria Municipiului Demo\"\n\
             board = \"board.toml\"\ndata_dir = \"kiosk\"\n\n[intake]\nurl = \"http://{addr}\"\n\n\
             [security]\nmunicipality_recipient = \"keys/municipality.pub\"\nkiosk_key = \"keys/kiosk.pem\"\n\n\
             [devices.id_scanner]\ndriver = \"simulated\"\n\n[devices.printer]\ndriver = \"simulated\"\nout_dir = \"printer\"\n\n\
             [devices.label_printer]\ndriver = \"simulated\"\nout_dir = \"labels\"\n\n\
             # The staff desk: hold the top-left corner 3 s (or show badge `ghiseu-staff:demo`), PIN 1234.\n\
             [[staff.members]]\nname = \"Demo\"\npin_hash = \"{pin_hash}\"\nbadge = \"demo\"\n",
            pin_hash = ghiseu::app::staff::hash_pin("1234")
        ),
    )?;
    let cfg = Config::load(&cfg_path)?;
    println!("ghiseu demo: data in {}, intake on http://{addr}", data.display());
    println!(
        "  staff desk: hold the top-left corner for 3 s, PIN 1234; labels go to {}",
        data.join("labels").display()
    );
    let screen = screen.map(|s| opening_events(&cfg, &s)).transpose()?;
    let walk = kiosk(&cfg, &rt, headless, Duration::from_secs(30), screen)?;
    let _ = stop_tx.send(());
    let _ = rt.block_on(server);
    let Some((walk, out)) = walk else { return Ok(ExitCode::SUCCESS) };
    let printer_dir = data.join("printer");
    let receipt = ghiseu::walkthrough::copy_receipt(&printer_dir, &walk.tracking_code, &out)?;
    println!("  receipt render {}", receipt.display());
    let mut store = ghiseu::intake::store::Store::open(&intake_dir)?;
    let held = store.all()?.into_iter().filter(|s| s.body.tracking_code == walk.tracking_code).count();
    if held == 1 {
        println!("ghiseu demo: the intake holds submission {} ({}).", walk.tracking_code, walk.status_message);
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("ghiseu demo: the intake holds {held} submissions with code {}; expected 1", walk.tracking_code);
        Ok(ExitCode::from(1))
    }
}

/// The events that open `--screen NAME` from the home screen.
fn opening_events(cfg: &Config, screen: &str) -> Result<Vec<ghiseu::app::Event>> {
    use ghiseu::app::Event;
    Ok(match screen.split_once(':') {
        None if screen == "home" => vec![],
        None if screen == "catalogue" => vec![Event::Start],
        None if screen == "status" => vec![Event::OpenStatus],
        Some(("form", id)) => {
            let catalogue = ghiseu::kiosk::catalogue(cfg)?;
            if catalogue.get(id).is_none() {
                let ids: Vec<&str> = catalogue.forms.iter().map(|f| f.id.as_str()).collect();
                bail!("--screen form:{id}: no such form; this kiosk offers: {}", ids.join(", "));
            }
            vec![Event::Start, Event::PickService(id.to_owned())]
        }
        _ => bail!("--screen `{screen}`: expected home, catalogue, status or form:ID"),
    })
}

/// Runs the kiosk: in a window, or headless with the scripted citizen.
/// Returns the walk-through when headless. With `screen`, opens straight at
/// that screen (headless: writes it as `screen.png` and stops).
fn kiosk(
    cfg: &Config,
    rt: &tokio::runtime::Runtime,
    headless: Option<PathBuf>,
    wait_registered: Duration,
    screen: Option<Vec<ghiseu::app::Event>>,
) -> Result<Option<(ghiseu::walkthrough::Walk, PathBuf)>> {
    let board = cfg.board()?;
    let headless = match headless {
        Some(dir) => Some(dir),
        None if !has_display() && board.display.output != ghiseu::board::Output::Kms => {
            println!("ghiseu: no display; running the scripted walk-through headless into ./demo-screens");
            Some(PathBuf::from("demo-screens"))
        }
        None => None,
    };
    let devices = Devices::from_config(&cfg.devices);
    let Some(out) = headless else {
        // A wrong board file (rppal on a PC) stops the kiosk here, with the reason.
        let io = ghiseu::board::open_io(&board.gpio)?;
        if let Err(e) = io.set_printer_power(true) {
            tracing::error!(error = %e, "cannot power the printer");
        }
        let backlight = ghiseu::screen::Backlight::from_board(board.display.backlight.as_deref());
        let k = ghiseu::kiosk::build(cfg, rt.handle().clone(), devices.with_board(io.clone(), backlight))?;
        if board.display.output == ghiseu::board::Output::Window {
            k.ui.window.window().set_size(slint::PhysicalSize::new(board.display.width, board.display.height));
        }
        for event in screen.into_iter().flatten() {
            k.ui.dispatch(event);
        }
        k.ui.window.show()?;
        // The queue is open (build) and the window shown: READY once the first frame is drawn.
        let (ready_io, health) = (io.clone(), k.health.clone());
        let _watchdog = announce_ready(&board.name, move || {
            health.set_ready();
            let _ = ready_io.set_status_led(true);
        });
        slint::run_event_loop()?;
        ghiseu::service::notify_stopping();
        let _ = io.set_status_led(false);
        k.ui.window.hide()?;
        k.shutdown();
        return Ok(None);
    };
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    ghiseu::kiosk::use_headless_platform(false)?;
    let k = ghiseu::kiosk::build(cfg, rt.handle().clone(), devices)?;
    k.ui.window.show()?;
    if let Some(events) = screen {
        for event in events {
            k.ui.dispatch(event);
        }
        let shot = k.ui.window.window().take_snapshot()?;
        let path = out.join("screen.png");
        ghiseu::png::write_rgba(&path, shot.width(), shot.height(), shot.as_bytes())?;
        println!("ghiseu demo: wrote {}", path.display());
        k.shutdown();
        return Ok(None);
    }
    let health = k.health.clone();
    let _watchdog = announce_ready(&format!("{} (headless)", board.name), move || health.set_ready());
    let weak = k.ui.window.as_weak();
    let texts = ghiseu::i18n::Texts::load(cfg.kiosk.texts_dir.as_deref())?;
    let shots = out.clone();
    let citizen = std::thread::spawn(move || {
        let mut c = ghiseu::walkthrough::Citizen::new(weak, texts, Some(shots));
        let r = c.petition(
            "Str. Ștefan cel Mare 12, Iași",
            "Vă rog să reparați iluminatul public de pe strada Țuțora; becurile sunt arse în două stâlpi.",
            wait_registered,
        );
        let _ = slint::invoke_from_event_loop(|| {
            let _ = slint::quit_event_loop();
        });
        r
    });
    slint::run_event_loop()?;
    ghiseu::service::notify_stopping();
    let walk = citizen.join().map_err(|_| anyhow::anyhow!("the scripted citizen panicked"))??;
    k.shutdown();
    if walk.screenshots.is_empty() {
        bail!("no screenshots were written");
    }
    write_index(&out, &walk)?;
    Ok(Some((walk, out)))
}

/// Under systemd: READY=1 once the first frame is drawn (the queue is already
/// open), then `then`; the watchdog is fed from the event loop while the
/// returned timer lives. Call on the UI thread after `show()`.
fn announce_ready(board: &str, then: impl FnOnce() + 'static) -> Option<slint::Timer> {
    let board = board.to_owned();
    ghiseu::service::after_first_frame(move || {
        ghiseu::service::notify_ready(&format!("ready: first screen shown on {board}"));
        tracing::info!(%board, "kiosk ready: queue open, first frame drawn");
        then();
    });
    ghiseu::service::watchdog_on_event_loop()
}

fn write_index(out: &Path, walk: &ghiseu::walkthrough::Walk) -> Result<()> {
    let list: Vec<String> = walk.screenshots.iter().map(|p| format!("- {}", p.display())).collect();
    std::fs::write(
        out.join("walkthrough.txt"),
        format!("tracking code: {}\nstatus: {}\n{}\n", walk.tracking_code, walk.status_message, list.join("\n")),
    )?;
    Ok(())
}
