//! The subcommands, by who uses them: the kiosk (`run`, `demo`), the
//! registry (`intake`), technicians (`keys`, `provision`, `selftest`,
//! `uploader`), the queue, printers and staff. Parsing and wiring only.

pub mod intake;
pub mod kiosk;
pub mod print;
pub mod queue;
pub mod technician;

/// The runtime every command shares: two workers, as on the panel's 2–4 cores.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?)
}
