//! What happens to a session ([`Event`]: a touch, a key, a device's result)
//! and what it asks the adapter to do in return ([`Effect`]: scan, persist,
//! print, look up), each answered by an event.

use super::capture_state;
use super::desk_state::{DeskInfo, RecentReceipt, SelfTestLine};
use super::keypad_state::KeypadKey;
use crate::forms::{Catalogue, FormDef};
use crate::i18n::Lang;
use crate::identity::Identity;
use crate::print::status::Problem;
use crate::queue::Receipt;
use crate::wire::api::Stage;
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    Text(String),
    Backspace,
}

/// Why a scan gave nothing, each with its own advice on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanFailure {
    /// Something was read but it is not a usable MRZ.
    Unreadable,
    /// Nothing was put on the reader in time.
    Timeout,
    /// The reader is unplugged or broken: manual entry.
    Disconnected,
}

/// Why a submission could not be committed; what was typed is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubmitFailure {
    /// The disk reserve is reached: no new submissions on this panel for now.
    DiskFull,
    /// The queue could not write (a technician reads the log).
    Storage(String),
}

/// The answer to "Verifică stadiul".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusAnswer {
    /// The registry has it.
    Registered {
        number: String,
        date: String,
        stage: Stage,
        from_registry: bool,
        /// The registry's history of stages and its messages (empty from the panel's own copy).
        history: Vec<crate::wire::api::HistoryEntry>,
        messages: Vec<crate::wire::api::MessageEntry>,
    },
    /// On the kiosk, not yet delivered.
    Pending {
        registry_unreachable: bool,
    },
    /// The intake refused it; staff must look.
    NeedsAttention,
    Unknown,
}

#[derive(Debug, Clone)]
pub enum Event {
    SetLanguage(Lang),
    /// "Asistență vocală": spoken guidance on or off.
    ToggleSpeech,
    /// Text ×1.5, on or off.
    ToggleLargeText,
    /// The high-contrast colours, on or off.
    ToggleContrast,
    /// "Depune o cerere" on the home screen.
    Start,
    /// "Verifică stadiul", from home or from a receipt.
    OpenStatus,
    Back,
    /// "Terminat": wipe everything and go home.
    Finish,
    /// The citizen has been idle: a warning counts down the seconds left.
    IdleWarning(u32),
    /// "Da, continui" on the warning, or any touch while it shows.
    StillHere,
    IdleTimeout,
    /// The forms folder changed on disk.
    CatalogueChanged(Arc<Catalogue>),
    /// A category on the catalogue screen (`None`: all).
    PickCategory(Option<String>),
    PickService(String),
    ScanRequested,
    ScanFinished(Result<Identity, ScanFailure>),
    /// "Sunt datele corecte?": yes fills the form, no leaves it for manual entry.
    ConfirmIdentity(bool),
    Focus(String),
    /// "Gata" on the keyboard: on to the next field (or close the keyboard after the last).
    NextField,
    Key(Key),
    /// Sets a field's whole value (a paste, an accessibility client).
    SetValue(String, String),
    /// A touch on an option of a choice, multiple choice, yes/no or county
    /// field: chooses it (a multiple choice toggles it).
    Choose(String, String),
    /// A point of a signature drawn with a finger, in [`crate::forms::SIGNATURE_BOX`] units;
    /// `new_stroke` when the finger has just touched down.
    Sign {
        field: String,
        x: f32,
        y: f32,
        new_stroke: bool,
    },
    ClearSignature(String),
    /// Form → review, if the form validates.
    Continue,
    /// Review → form, focusing a field.
    Edit(String),
    SetConsent(bool),
    /// «Adaugă o completare» on the status screen: a supplement to the request looked up.
    AddSupplement,
    Submit,
    Submitted(Result<Receipt, SubmitFailure>),
    /// Whether the panel has room for new submissions (checked periodically).
    Capacity(bool),
    Printed(Result<(), Problem>),
    CheckStatus,
    StatusAnswered(String, StatusAnswer),
    /// The QR reader read a code: a receipt's opens its status, a staff
    /// badge the staff login, anything else a clear "not from this kiosk".
    QrScanned(String),
    /// The hidden entry (a long press in the corner of the home screen).
    StaffEntry,
    /// "OK" on the PIN pad, at this time.
    SubmitPin {
        now_ms: i64,
    },
    /// The PIN check's verdict: the member's name when it matched.
    PinChecked {
        member: Option<String>,
        now_ms: i64,
    },
    /// Staff: refresh printer and queue status.
    StaffRefresh,
    StaffInfo(DeskInfo),
    /// Staff: print a label for the number and date typed.
    PrintLabel,
    /// Staff: reprint the receipt of this tracking code.
    Reprint(String),
    /// A staff print job's outcome: what was printed, or why not.
    StaffPrinted(Result<String, Problem>),
    /// Staff: leave the desk.
    StaffExit,
    /// Staff: run the technician's self-test (the checks of `ghiseu selftest`).
    RunSelfTest,
    SelfTestDone(Vec<SelfTestLine>),
    /// A key of the tactile keypad or a keyboard (`now_ms`: when, for multi-tap).
    Keypad {
        key: KeypadKey,
        now_ms: i64,
    },
    /// Headphones plugged into (or out of) the jack: audio mode on (or off).
    Headphones(bool),
    /// The supporting documents' screen: touches and the capture's outcome.
    Documents(capture_state::DocEvent),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Scan,
    /// Commit the answers (and the supporting pages) durably; answer with `Submitted`.
    Persist {
        form: Arc<FormDef>,
        lang: Lang,
        answers: BTreeMap<String, String>,
        pages: Vec<crate::documents::AttachedPage>,
        /// A supplement: the tracking code of the request it completes.
        supplement_of: Option<String>,
    },
    /// Take a page with the document camera or scanner, make it a page; answer with `PageCaptured`.
    CapturePage,
    /// The citizen left the documents screen: let the camera go.
    ReleaseCamera,
    /// Print the receipt for a durable submission; answer with `Printed`.
    PrintReceipt {
        tracking_code: String,
        form: Arc<FormDef>,
        created_ms: i64,
        lang: Lang,
    },
    /// Look up a tracking code; answer with `StatusAnswered`.
    QueryStatus(String),
    /// Check a PIN against the configured hashes (slow); answer with `PinChecked`.
    VerifyPin {
        badge: Option<String>,
        pin: String,
        now_ms: i64,
    },
    /// Run the self-test checks (devices, disk, clock, intake, queue); answer with `SelfTestDone`.
    SelfTest,
    /// Read printer and queue status; answer with `StaffInfo`.
    DeskStatus,
    /// Print a registry label; answer with `StaffPrinted`.
    PrintLabel {
        number: String,
        date: String,
    },
    /// Reprint a receipt marked as a duplicate; answer with `StaffPrinted`.
    Reprint {
        receipt: RecentReceipt,
        lang: Lang,
    },
}
