//! `ghiseu fleet`: the panel's client of a fleet update server speaking
//! Eclipse hawkBit's Direct Device Integration API (hawkBit itself, or
//! gooseBit for a small municipality). It polls at the interval the server
//! asks for, sends the panel's attributes (kiosk, municipality, board, image
//! version, slot, RAUC compatible) and its health essentials when they
//! change, downloads a deployment's bundle (resuming with `Range`, checking
//! the server's hash), installs it with `rauc install` only when no citizen
//! is at the panel and inside the maintenance hours (or at once when the
//! server says `forced`), reboots with `systemctl reboot`, and after the
//! reboot reports success only once the health gate has marked the new slot
//! good (or failure with the reason when it rolled back).
//!
//! It must never send personal data: attributes are counts, device states
//! and times (`policy::health_attributes`), read from the kiosk's health
//! report, never from the queue's envelopes.
//!
//! **Why not the `hawkbit` crate (Collabora, 0.7).** It fits the API and is
//! async on reqwest 0.12, but: its artifact download always starts the file
//! over (no `Range` resume, which a panel on a municipal DSL line needs for
//! a 300 MB bundle); its hash struct expects md5, sha1 and sha256 together
//! (gooseBit sends only sha1); it enables reqwest's default TLS (OpenSSL)
//! beside our rustls-only build; and it is maintained in bursts (0.6 in
//! 2021, 0.7 years later). The part of DDI a panel uses is five requests;
//! `ddi.rs` is a thin reqwest client of them, and the decisions are pure
//! code in `policy.rs`.
//!
//! Files: `settings.rs` (the `[fleet]` section, resolved settings),
//! `ddi.rs` (the wire), `policy.rs` (decisions, pure), `state.rs` (what
//! survives the reboot), `agent.rs` (the cycle and the loop).

pub mod agent;
pub mod ddi;
pub mod policy;
pub mod settings;
pub mod state;

pub use agent::{cycle, run, CycleReport};
pub use settings::{FleetConfig, Identity, Settings};
