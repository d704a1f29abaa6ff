//! Carries out the session's effects off the UI thread and answers each with
//! the event that reports its result. Personal data passes through here
//! (answers, MRZ) but is never logged.

use crate::app::{Effect, Event, ScanFailure, StatusAnswer, SubmitFailure};
use crate::devices::{Devices, ScanError};
use crate::i18n::Texts;
use crate::intake::api::Stage;
use crate::print::{receipt_layout, ReceiptData};
use crate::queue::{Queue, State};
use crate::upload::IntakeClient;
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
    pub min_free_mb: u64,
    pub municipality: String,
    pub status_url_base: String,
    pub status_timeout: Duration,
    pub scan_timeout: Duration,
}

impl Effects {
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
            Effect::Persist { form, lang, answers } => self.runtime.spawn_blocking(move || {
                let mut q = me.queue.lock().unwrap_or_else(|p| p.into_inner());
                let result = crate::queue::check_space(&me.data_dir, me.min_free_mb).and_then(|_| {
                    crate::queue::submit(&mut q, &me.sealer, &me.letterhead, &form, lang, answers, crate::now_ms())
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
                let data = ReceiptData {
                    municipality: me.municipality.clone(),
                    service: form.title.get(lang).to_owned(),
                    tracking_code: tracking_code.clone(),
                    created: crate::print::local_datetime(created_ms),
                    legal_basis: form.legal_basis.clone(),
                    deadline_days: form.deadline_days,
                    status_url: crate::app::view::status_url(&me.status_url_base, &tracking_code),
                    lang,
                };
                let blocks = receipt_layout(&data, &me.texts);
                let job = crate::print::job(format!("receipt-{tracking_code}"), &blocks);
                match me.devices.printer.print(&job) {
                    Ok(()) => {
                        tracing::info!(tracking = %tracking_code, "receipt printed");
                        Event::Printed(Ok(()))
                    }
                    Err(e) => {
                        tracing::warn!(tracking = %tracking_code, error = %e, "receipt not printed");
                        Event::Printed(Err(e.to_string()))
                    }
                }
            }),
            Effect::QueryStatus(code) => self.runtime.spawn(async move {
                let answer = me.status(&code).await;
                Event::StatusAnswered(code, answer)
            }),
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
            },
            (_, Some(l)) => match l.state {
                State::Pending => StatusAnswer::Pending { registry_unreachable: unreachable },
                State::Rejected => StatusAnswer::NeedsAttention,
                State::Uploaded => StatusAnswer::Registered {
                    number: l.registration_number.unwrap_or_default(),
                    date: l.registration_date.unwrap_or_default(),
                    stage: l.stage.as_deref().and_then(Stage::parse).unwrap_or(Stage::Registered),
                    from_registry: false,
                },
            },
            (_, None) => StatusAnswer::Unknown,
        }
    }
}
