//! The technician's commands: keys, provisioning, the self-test, the uploader alone.

use super::runtime;
use anyhow::Result;
use clap::Subcommand;
use ghiseu::config::Config;
use ghiseu::devices::Devices;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Subcommand)]
pub enum KeysCommand {
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

pub fn keys(cmd: KeysCommand) -> Result<ExitCode> {
    match cmd {
        KeysCommand::Kiosk { out } => {
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
        KeysCommand::Municipality { out } => {
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
    }
}

/// `ghiseu fleet`: the DDI client, forever or for one cycle.
/// `--take-token`: only move the token provisioning left into the service's folder.
pub fn fleet(config: PathBuf, once: bool, take_token: bool) -> Result<ExitCode> {
    // The fleet service cannot read the kiosk's key (ghiseu-fleet.service).
    let cfg = Config::load_without_kiosk_key(&config)?;
    let Some(f) = &cfg.fleet else {
        eprintln!("ghiseu fleet: no [fleet] section in {}: updates by USB stick only", config.display());
        return Ok(ExitCode::SUCCESS);
    };
    if take_token {
        let staged = cfg.kiosk.data_dir.join(ghiseu::fleet::settings::STAGED_TOKEN);
        if ghiseu::fleet::state::take_token(&staged, &f.token_file)? {
            eprintln!("ghiseu fleet: target token moved to {}", f.token_file.display());
        }
        if let Some(dir) = &f.download_dir {
            ghiseu::fleet::state::adopt(dir)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let settings = cfg.fleet_settings()?;
    runtime()?.block_on(ghiseu::fleet::run(settings, once))?;
    Ok(ExitCode::SUCCESS)
}

/// `ghiseu uploader`: only the uploader, delivering the queue to the intake.
pub fn uploader(config: PathBuf, drain: bool) -> Result<ExitCode> {
    let cfg = Config::load(&config)?;
    let rt = runtime()?;
    let queue = ghiseu::queue::Queue::open(&cfg.queue_path())?;
    let uploader = cfg.uploader(queue, Default::default());
    rt.block_on(ghiseu::kiosk::explain_intake_tls(cfg.intake_client(Duration::from_secs(15))));
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

/// `ghiseu selftest`: beside a running kiosk its devices come from its
/// health report; otherwise they are opened and exercised.
pub fn selftest(config: PathBuf, json: bool, card_wait: u64, qr_wait: u64, gate: bool) -> Result<ExitCode> {
    let cfg = Config::load(&config)?;
    let rt = runtime()?;
    let waits = ghiseu::selftest::Waits { card: Duration::from_secs(card_wait), qr: Duration::from_secs(qr_wait) };
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
            println!("{} {:<11} {}", c.mark(), c.name, c.detail);
        }
    }
    Ok(if ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

pub fn provision(
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
    if !matches!(cfg.devices.printer, ghiseu::devices::printer::PrinterConfig::Simulated { .. }) {
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
