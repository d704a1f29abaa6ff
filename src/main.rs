//! The `ghiseu` command: one binary for citizens' panels, the registry's
//! intake and technicians. Parsing and wiring only; the work is in the library.

mod cli;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

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
        /// With --headless: the citizen cannot see the screen and files the
        /// petition with the keypad alone, by ear; what is said goes to DIR/speech.txt.
        #[arg(long, requires = "headless")]
        keypad: bool,
        /// The keypad citizen's language (ro, en, hu).
        #[arg(long, default_value = "ro", requires = "keypad")]
        lang: String,
    },
    /// The kiosk as a panel runs it.
    Run {
        #[arg(long)]
        config: PathBuf,
        /// Run without a display: a scripted citizen files one petition
        /// through the real UI and screenshots go into this folder.
        #[arg(long)]
        headless: Option<PathBuf>,
        /// Open straight at a screen: `catalogue`, `status` or `form:ID`
        /// (for measurements; the idle timeout brings it home).
        #[arg(long)]
        screen: Option<String>,
    },
    /// The reference intake server (the registry side). Its data folder holds
    /// the database, `municipality.key` and the enrolled kiosks (`kiosks/ID.pem`).
    #[command(args_conflicts_with_subcommands = true)]
    Intake {
        #[command(subcommand)]
        admin: Option<cli::intake::IntakeAdmin>,
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
        #[command(flatten)]
        limits: cli::intake::LimitArgs,
        #[command(flatten)]
        staff: cli::intake::StaffArgs,
        #[command(flatten)]
        mail: cli::intake::MailArgs,
    },
    /// Key files: a kiosk's signing key, the municipality's sealing key.
    Keys {
        #[command(subcommand)]
        command: cli::technician::KeysCommand,
    },
    /// The fleet client: polls the hawkBit (DDI) server in `[fleet]`, sends
    /// the panel's attributes and health, installs deployments with RAUC.
    Fleet {
        #[arg(long)]
        config: PathBuf,
        /// One poll cycle, then exit (for scripts and tests).
        #[arg(long)]
        once: bool,
        /// Only move the target token left by `ghiseu provision` into
        /// `token_file` (mode 0600), then exit; run as root before the service.
        #[arg(long, conflicts_with = "once")]
        take_token: bool,
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
        command: cli::queue::QueueCommand,
    },
    /// Printer output without a kiosk: a sample receipt, a registry label,
    /// each with a PNG of exactly what will print.
    Print {
        #[command(subcommand)]
        command: cli::print::PrintCommand,
    },
    /// The staff desk.
    Staff {
        #[command(subcommand)]
        command: cli::print::StaffCommand,
    },
    /// Scans one page for the kiosk in a process of its own (a request on
    /// standard input); not for people.
    #[command(hide = true)]
    SaneHelper,
}

#[derive(Subcommand)]
enum FormsCommand {
    /// Lints a forms folder: exit 0 when every file is valid, otherwise each
    /// problem as `file:line: what` and exit 1.
    Check { dir: PathBuf },
    /// Prints the JSON Schema of form files (published as forms/form.schema.json).
    Schema,
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

fn dispatch(cmd: Command) -> Result<ExitCode> {
    match cmd {
        Command::Demo { data, headless, port, screen, keypad, lang } => {
            let keypad = keypad
                .then(|| ghiseu::i18n::Lang::parse(&lang))
                .map(|l| l.ok_or_else(|| anyhow::anyhow!("--lang `{lang}`: expected ro, en or hu")))
                .transpose()?;
            cli::kiosk::demo(data, headless, port, screen, keypad)
        }
        Command::Run { config, headless, screen } => cli::kiosk::run(config, headless, screen),
        Command::Intake { admin: Some(admin), .. } => cli::intake::admin(admin),
        Command::Intake { admin: None, listen, data, tls_cert, tls_key, database, limits, staff, mail } => {
            cli::intake::serve(listen, data, tls_cert, tls_key, database, limits, staff, mail)
        }
        Command::Keys { command } => cli::technician::keys(command),
        Command::Uploader { config, drain } => cli::technician::uploader(config, drain),
        Command::Fleet { config, once, take_token } => cli::technician::fleet(config, once, take_token),
        Command::Selftest { config, json, card_wait, qr_wait, gate } => {
            cli::technician::selftest(config, json, card_wait, qr_wait, gate)
        }
        Command::Provision { data, from, search, board_dir, force } => {
            cli::technician::provision(data, from, search, board_dir, force)
        }
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
        Command::Queue { command } => cli::queue::queue(command),
        Command::Print { command } => cli::print::print(command),
        Command::Staff { command } => cli::print::staff(command),
        Command::SaneHelper => Ok(ghiseu::devices::sane_helper::serve()),
    }
}
