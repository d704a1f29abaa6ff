//! `ghiseu print` and `ghiseu staff`: printer output without a kiosk, staff PINs.

use anyhow::{bail, Context, Result};
use clap::Subcommand;
use ghiseu::config::Config;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum PrintCommand {
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
pub enum StaffCommand {
    /// Reads a PIN from standard input and prints its Argon2 hash for `[[staff.members]] pin_hash`.
    HashPin,
}

pub fn staff(cmd: StaffCommand) -> Result<ExitCode> {
    match cmd {
        StaffCommand::HashPin => {
            let mut pin = String::new();
            std::io::stdin().read_to_string(&mut pin)?;
            let pin = pin.trim();
            if pin.len() < 4 || !pin.chars().all(|c| c.is_ascii_digit()) {
                bail!("a PIN is at least 4 digits");
            }
            println!("{}", ghiseu::app::staff::hash_pin(pin));
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub fn print(cmd: PrintCommand) -> Result<ExitCode> {
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
                bail!("--date {date}: use DD.MM.YYYY, a day that exists (e.g. 28.02.2026)");
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
                // Only what applies: a receipt roll's code page, a label's size.
                if p.is_label() {
                    println!(
                        "{name:<20} label printer, labels {}×{} mm, {} dpi",
                        p.label_width_mm, p.label_height_mm, p.dpi
                    );
                } else {
                    println!(
                        "{name:<20} receipt printer, {} mm, {} dpi, {:?} at ESC t {}, text {:?}",
                        p.paper_mm, p.dpi, p.code_page, p.code_page_number, p.text
                    );
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
