//! Carries out the session's effects off the UI thread and answers each with
//! the event that reports its result. Personal data passes through here
//! (answers, MRZ) but is never logged.

use crate::app::{DeskInfo, Effect, Event, RecentReceipt, ScanFailure, StatusAnswer, SubmitFailure};
use crate::devices::{Devices, ScanError};
use crate::i18n::Texts;
use crate::print::label::LabelData;
use crate::print::{receipt_layout, PrintSettings, ReceiptData};
use crate::queue::{Queue, State};
use crate::upload::IntakeClient;
use crate::wire::api::Stage;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

/// What effects need: the kiosk's queue connection, devices, the intake client.
#[derive(Clone)]
pub struct Effects {
    pub runtime: tokio::runtime::Handle,
    pub queue: Arc<Mutex<Queue>>,
    pub devices: Devices,
    pub texts: Arc<Texts>,
    pub intake: IntakeClient,
    pub wake_uploader: Arc<Notify>,
    pub sealer: Arc<crate::crypto::Sealer>,
    pub letterhead: Arc<crate::pdf::Letterhead>,
    /// The municipality's forms folder, watched for changes; `None`: the built-in forms.
    pub forms_dir: Option<std::path::PathBuf>,
    pub data_dir: std::path::PathBuf,
    /// `kiosk.min_free_mb` (`None`: the reserve follows the disk's size).
    pub min_free_mb: Option<u64>,
    pub municipality: String,
    pub status_url_base: String,
    pub status_timeout: Duration,
    pub scan_timeout: Duration,
    pub print: Arc<PrintSettings>,
    pub catalogue: Arc<crate::forms::Catalogue>,
    /// Who may open the staff desk (names, Argon2 hashes, badges).
    pub staff: Arc<Vec<crate::app::staff::Member>>,
    /// The technician's self-test on the staff desk.
    pub selftest: Arc<dyn DeskSelfTest>,
}

/// The technician's self-test, run from the staff desk on the kiosk's own
/// devices. The kiosk's wiring supplies it, so this adapter never sees the
/// whole configuration.
pub trait DeskSelfTest: Send + Sync {
    fn run<'a>(
        &'a self,
        devices: &'a Devices,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Vec<crate::health::Check>> + Send + 'a>>;
}

/// The longest side of a page's picture on screen, in pixels.
const THUMB_SIDE: u32 = 640;

impl Effects {
    /// Takes a page with the document camera or scanner and makes it a page
    /// to send (`documents::process`), with its picture for the screen: the
    /// picture is drawn from the JPEG that will be sent, so the citizen sees
    /// what the registry gets.
    fn capture_page(&self) -> Result<crate::app::capture::Shot, crate::app::capture::CaptureProblem> {
        use crate::app::capture::{CaptureProblem, Shot, Thumb};
        use crate::devices::CaptureError;
        let start = std::time::Instant::now();
        let picture = self.devices.document.capture().map_err(|e| {
            tracing::warn!(error = %e, "page capture failed");
            match e {
                CaptureError::Missing(_) => CaptureProblem::Missing,
                CaptureError::Busy(_) => CaptureProblem::Busy,
                CaptureError::Unplugged(_) => CaptureProblem::Unplugged,
                CaptureError::Failed(_) => CaptureProblem::Failed,
            }
        })?;
        let captured = start.elapsed();
        let page = crate::documents::process(&picture);
        drop(picture);
        let shown = crate::documents::decode(&page.jpeg).map_err(|e| {
            tracing::error!(error = %e, "a processed page does not decode");
            CaptureProblem::Failed
        })?;
        let thumb = shown.thumbnail(THUMB_SIDE, THUMB_SIDE).to_luma8();
        // Sizes and times only: the page is the citizen's.
        tracing::info!(
            capture_ms = captured.as_millis() as u64,
            to_preview_ms = start.elapsed().as_millis() as u64,
            bytes = page.jpeg.len(),
            blank = page.blank,
            "page captured"
        );
        let (width, height) = thumb.dimensions();
        Ok(Shot { page, thumb: Thumb { width, height, luma: Arc::new(thumb.into_raw()) } })
    }

    pub fn run(&self, effect: Effect) -> tokio::task::JoinHandle<Event> {
        let me = self.clone();
        match effect {
            Effect::Scan => self.runtime.spawn_blocking(move || {
                // The raw MRZ lives only in this closure; the session gets the identity.
                let today = jiff::Zoned::now().date().to_string();
                let result = match me.devices.id_scanner.scan(me.scan_timeout) {
                    Ok(text) => match crate::identity::parse_mrz(&text) {
                        Ok(mrz) if mrz.valid => Ok(crate::identity::Identity::from_mrz(&mrz, &today)),
                        _ => Err(ScanFailure::Unreadable),
                    },
                    Err(ScanError::Timeout) => Err(ScanFailure::Timeout),
                    Err(ScanError::Unreadable) => Err(ScanFailure::Unreadable),
                    Err(ScanError::Disconnected(why)) => {
                        tracing::error!(%why, "ID scanner unavailable");
                        Err(ScanFailure::Disconnected)
                    }
                };
                tracing::info!(ok = result.is_ok(), "document scan finished");
                Event::ScanFinished(result)
            }),
            Effect::CapturePage => self
                .runtime
                .spawn_blocking(move || Event::Documents(crate::app::capture::DocEvent::Captured(me.capture_page()))),
            Effect::ReleaseCamera => self.runtime.spawn_blocking(move || {
                me.devices.document.release();
                Event::Documents(crate::app::capture::DocEvent::Released)
            }),
            // The pages ride inside the sealed envelope, and are drawn in the registry's PDF.
            Effect::Persist { form, lang, answers, pages, supplement_of } => self.runtime.spawn_blocking(move || {
                let mut q = me.queue.lock().unwrap_or_else(|p| p.into_inner());
                let result = crate::queue::check_space(&me.data_dir, me.min_free_mb).and_then(|_| {
                    let (sealer, letterhead, now) = (&me.sealer, &me.letterhead, crate::now_ms());
                    match supplement_of.as_deref() {
                        None => {
                            crate::submission::submit(&mut q, sealer, letterhead, &form, lang, answers, &pages, now)
                        }
                        Some(original) => crate::submission::submit_supplement(
                            &mut q, sealer, letterhead, &form, lang, answers, &pages, original, now,
                        ),
                    }
                });
                drop(q);
                match result {
                    Ok(receipt) => {
                        tracing::info!(tracking = %receipt.tracking_code, form = %form.id, "submission committed");
                        me.wake_uploader.notify_one();
                        Event::Submitted(Ok(receipt))
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "submission could not be committed");
                        Event::Submitted(Err(match e {
                            crate::queue::QueueError::DiskFull { .. } => SubmitFailure::DiskFull,
                            other => SubmitFailure::Storage(other.to_string()),
                        }))
                    }
                }
            }),
            Effect::PrintReceipt { tracking_code, form, created_ms, lang } => self.runtime.spawn_blocking(move || {
                let receipt =
                    RecentReceipt { tracking_code: tracking_code.clone(), form_id: form.id.clone(), created_ms };
                match me.print_receipt(&receipt, lang, false) {
                    Ok(()) => {
                        tracing::info!(tracking = %tracking_code, "receipt printed");
                        Event::Printed(Ok(()))
                    }
                    Err(e) => {
                        tracing::warn!(tracking = %tracking_code, error = %e, "receipt not printed");
                        Event::Printed(Err(e.problem()))
                    }
                }
            }),
            Effect::VerifyPin { badge, pin, now_ms } => self.runtime.spawn_blocking(move || {
                let found = crate::app::staff::verify_pin(&me.staff, badge.as_deref(), &pin);
                let member = found.map(|i| me.staff[i].name.clone());
                // Who tried is not personal data of citizens, but the PIN never appears.
                tracing::info!(ok = member.is_some(), badge = badge.is_some(), "staff PIN checked");
                Event::PinChecked { member, now_ms }
            }),
            Effect::DeskStatus => self.runtime.spawn_blocking(move || Event::StaffInfo(me.desk_info())),
            Effect::SelfTest => self.runtime.spawn(async move {
                // The kiosk's own devices, GPIO included: it holds them, so it tests them.
                let lines: Vec<crate::app::SelfTestLine> = me
                    .selftest
                    .run(&me.devices)
                    .await
                    .into_iter()
                    .map(|c| crate::app::SelfTestLine {
                        name: c.name,
                        ok: c.ok,
                        detail: c.detail,
                        simulated: c.simulated,
                    })
                    .collect();
                tracing::info!(failed = lines.iter().filter(|l| !l.ok).count(), "self-test from the staff desk");
                Event::SelfTestDone(lines)
            }),
            Effect::PrintLabel { number, date } => self.runtime.spawn_blocking(move || {
                let Some(printer) = me.devices.label_printer.clone() else {
                    return Event::StaffPrinted(Err(crate::devices::printer::Problem::Unreachable));
                };
                let s = &me.print;
                let label = LabelData {
                    qr: s.label_qr.content(&number, &date),
                    number: number.clone(),
                    date: date.clone(),
                    municipality: me.municipality.clone(),
                };
                let job = crate::print::label::job(&label, &s.label_profile, s.label_lang);
                match printer.print(&job) {
                    Ok(()) => {
                        tracing::info!(%number, "registry label printed");
                        Event::StaffPrinted(Ok(format!("{number} / {date}")))
                    }
                    Err(e) => {
                        tracing::warn!(%number, error = %e, "registry label not printed");
                        Event::StaffPrinted(Err(e.problem()))
                    }
                }
            }),
            Effect::Reprint { receipt, lang } => {
                self.runtime.spawn_blocking(move || match me.print_receipt(&receipt, lang, true) {
                    Ok(()) => {
                        tracing::info!(tracking = %receipt.tracking_code, "receipt reprinted by staff");
                        Event::StaffPrinted(Ok(receipt.tracking_code))
                    }
                    Err(e) => {
                        tracing::warn!(tracking = %receipt.tracking_code, error = %e, "receipt reprint failed");
                        Event::StaffPrinted(Err(e.problem()))
                    }
                })
            }
            Effect::QueryStatus(code) => self.runtime.spawn(async move {
                let answer = me.status(&code).await;
                Event::StatusAnswered(code, answer)
            }),
        }
    }

    /// Prints (or reprints) a receipt: built from the tracking code, the
    /// form and the time only, so a reprint carries exactly what the first had.
    fn print_receipt(
        &self,
        r: &RecentReceipt,
        lang: crate::i18n::Lang,
        duplicate: bool,
    ) -> Result<(), crate::devices::PrinterError> {
        let form = self.catalogue_form(&r.form_id);
        let data = ReceiptData {
            municipality: self.municipality.clone(),
            service: form.as_ref().map(|f| f.title.get(lang).to_owned()).unwrap_or_else(|| r.form_id.clone()),
            tracking_code: r.tracking_code.clone(),
            created: crate::print::local_datetime(r.created_ms),
            legal_basis: form.as_ref().map(|f| f.legal_basis.clone()).unwrap_or_default(),
            deadline_days: form.as_ref().map(|f| f.deadline_days).unwrap_or(30),
            status_url: crate::wire::tracking::status_url(&self.status_url_base, &r.tracking_code),
            lang,
            logo: self.print.logo.clone(),
            duplicate,
        };
        let blocks = receipt_layout(&data, &self.texts);
        let name =
            if duplicate { format!("receipt-{}-dup", r.tracking_code) } else { format!("receipt-{}", r.tracking_code) };
        let job = crate::print::job(name, &blocks, &self.print.receipt_profile);
        self.devices.printer.print(&job)
    }

    fn catalogue_form(&self, id: &str) -> Option<Arc<crate::forms::FormDef>> {
        self.catalogue.get(id).cloned()
    }

    /// Printer and queue state for the staff desk (blocking).
    fn desk_info(&self) -> DeskInfo {
        let printer = self.devices.printer.status();
        let label_printer = self.devices.label_printer.as_ref().map(|p| p.status());
        let q = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        let counts = q.counts().unwrap_or_default();
        let recent = q
            .recent(8)
            .unwrap_or_default()
            .into_iter()
            .map(|(tracking_code, form_id, created_ms)| RecentReceipt { tracking_code, form_id, created_ms })
            .collect();
        DeskInfo {
            printer,
            label_printer,
            pending: counts.pending,
            rejected: counts.rejected,
            oldest_pending_ms: counts.oldest_pending_ms,
            recent,
        }
    }

    /// Whether the disk has room for new submissions (off the UI thread).
    pub fn capacity(&self) -> tokio::task::JoinHandle<Event> {
        let (dir, min) = (self.data_dir.clone(), self.min_free_mb);
        self.runtime.spawn_blocking(move || Event::Capacity(crate::queue::check_space(&dir, min).is_ok()))
    }

    /// The registry's answer when it gives one in time, else what the kiosk knows.
    async fn status(&self, code: &str) -> StatusAnswer {
        let registry = tokio::time::timeout(self.status_timeout, self.intake.status(code)).await;
        let q = self.queue.clone();
        let c = code.to_owned();
        let registry_answer = match &registry {
            Ok(Ok(Some(s))) => Some(s.clone()),
            _ => None,
        };
        let local = tokio::task::spawn_blocking(move || {
            let q = q.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(s) = &registry_answer {
                // Keep the local copy current for when the registry is unreachable.
                let _ = q.set_stage(&c, &crate::upload::registration(s));
            }
            q.lookup(&c)
        })
        .await
        .ok()
        .and_then(Result::ok)
        .flatten();
        let unreachable = !matches!(registry, Ok(Ok(_)));
        match (registry, local) {
            (Ok(Ok(Some(s))), _) => StatusAnswer::Registered {
                number: s.registration_number,
                date: s.registration_date,
                stage: s.stage,
                from_registry: true,
                history: s.history,
                messages: s.messages,
            },
            (_, Some(l)) => match l.state {
                State::Pending => StatusAnswer::Pending { registry_unreachable: unreachable },
                State::Rejected => StatusAnswer::NeedsAttention,
                State::Uploaded => StatusAnswer::Registered {
                    number: l.registration_number.unwrap_or_default(),
                    date: l.registration_date.unwrap_or_default(),
                    stage: l.stage.as_deref().and_then(Stage::parse).unwrap_or(Stage::Registered),
                    from_registry: false,
                    history: vec![],
                    messages: vec![],
                },
            },
            (_, None) => StatusAnswer::Unknown,
        }
    }
}
