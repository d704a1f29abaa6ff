//! `ghiseu queue`: the kiosk's submission queue from the command line.

use anyhow::{bail, Context, Result};
use clap::Subcommand;
use ghiseu::config::Config;
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum QueueCommand {
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
        /// A picture (PNG or JPEG) of one page of a supporting document;
        /// repeat for more pages, in order. Each goes to the form's first
        /// document with room, else to "Alte documente".
        #[arg(long = "attach", value_name = "IMAGE")]
        attach: Vec<PathBuf>,
    },
    /// Writes every pending submission's sealed envelope into DIR, for a
    /// technician to carry to the registry when the kiosk is offline for good.
    Export {
        dir: PathBuf,
        #[arg(long)]
        config: PathBuf,
    },
}

pub fn queue(cmd: QueueCommand) -> Result<ExitCode> {
    match cmd {
        QueueCommand::Status { config } => {
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
        QueueCommand::Submit { form_id, config, lang, attach } => {
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
            let mut files = Vec::with_capacity(attach.len());
            for path in &attach {
                let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
                files.push((path.display().to_string(), bytes));
            }
            let pages = match ghiseu::submission::attach_files(form, &files) {
                Ok(pages) => pages,
                Err(e) => {
                    eprintln!("{e}; nothing was queued");
                    return Ok(ExitCode::from(1));
                }
            };
            drop(files);
            for (path, p) in attach.iter().zip(&pages) {
                if p.page.blank {
                    eprintln!(
                        "{}: Pagina pare goală / the page looks blank (attached as {})",
                        path.display(),
                        p.document
                    );
                }
            }
            let sealer = cfg.sealer()?;
            ghiseu::queue::check_space(&cfg.kiosk.data_dir, cfg.kiosk.min_free_mb)?;
            let mut q = ghiseu::queue::Queue::open(&cfg.queue_path())?;
            q.keep_free(&cfg.kiosk.data_dir, cfg.kiosk.min_free_mb);
            let answers = form.answers_to_send(&answers);
            let letterhead =
                cfg.letterhead(std::sync::Arc::new(ghiseu::i18n::Texts::load(cfg.kiosk.texts_dir.as_deref())?));
            let receipt = ghiseu::submission::submit(
                &mut q,
                &sealer,
                &letterhead,
                form,
                lang,
                answers,
                &pages,
                ghiseu::now_ms(),
            )?;
            // Printed only now: the commit is on disk.
            println!("{}", receipt.tracking_code);
            Ok(ExitCode::SUCCESS)
        }
        QueueCommand::Export { dir, config } => {
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
    }
}
