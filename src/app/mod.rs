//! The citizen's session as a state machine: `handle(event) -> effects`.
//!
//! No I/O here. The UI adapter feeds events (touches, device results) and
//! carries out the effects (scan, persist, print, query) off the UI thread,
//! feeding their results back as events. What the screen shows is derived
//! from the session by [`view`], so the whole flow is testable without a
//! screen. Personal data lives only in the session and is wiped when the
//! submission is durable, on "Terminat", and on idle timeout.

pub mod desk;
pub mod speech;
pub mod staff;
pub mod view;

use crate::devices::printer::{PrinterStatus, Problem};
use crate::forms::{validate_all, validate_field, Catalogue, FieldKind, FormDef, Prefill};
use crate::i18n::Lang;
use crate::identity::Identity;
use crate::intake::api::Stage;
use crate::queue::Receipt;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

pub use desk::{valid_date, DeskInfo, RecentReceipt, SelfTestLine, SelfTestState, Staff, StaffMsg};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Home,
    Catalogue,
    Form,
    Review,
    Receipt,
    Status,
    /// The hidden staff entry: a PIN pad.
    StaffLogin,
    /// The staff desk: labels, reprints, printer and queue status.
    Staff,
}

impl Screen {
    pub fn name(self) -> &'static str {
        match self {
            Screen::Home => "home",
            Screen::Catalogue => "catalogue",
            Screen::Form => "form",
            Screen::Review => "review",
            Screen::Receipt => "receipt",
            Screen::Status => "status",
            Screen::StaffLogin => "staff-login",
            Screen::Staff => "staff",
        }
    }
}

/// Key of the status screen's own input, used as a focus target.
pub const STATUS_INPUT: &str = "__status";
/// Focus targets of the staff screens.
pub const PIN_INPUT: &str = "__pin";
pub const LABEL_NUMBER: &str = "__label_number";
pub const LABEL_DATE: &str = "__label_date";
/// Key of the catalogue's search box, used as a focus target.
pub const SEARCH_INPUT: &str = "__search";
/// A signature's drawing box, in the units of its SVG path.
pub const SIGNATURE_BOX: (f32, f32) = (600.0, 200.0);
/// A signature longer than this (in path characters) takes no more strokes.
const SIGNATURE_MAX: usize = 16_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    Text(String),
    Backspace,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanState {
    Idle,
    Waiting,
    /// Read: shown to the citizen, who confirms before anything is filled.
    Confirm(Identity),
    /// Filled in; `cnp_missing` when the document gave no valid CNP.
    Filled {
        cnp_missing: bool,
    },
    Failed(ScanFailure),
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

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubmitState {
    Idle,
    Saving,
    Failed(SubmitFailure),
}

/// Why a submission could not be committed; what was typed is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubmitFailure {
    /// The disk reserve is reached: no new submissions on this panel for now.
    DiskFull,
    /// The queue could not write (a technician reads the log).
    Storage(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrintState {
    Printing,
    Printed,
    /// Not printed; the submission stands and the screen shows the code and QR.
    Failed(Problem),
}

/// What the receipt screen shows: no personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptView {
    pub tracking_code: String,
    pub form_id: String,
    pub created_ms: i64,
    pub print: PrintState,
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
    },
    /// On the kiosk, not yet delivered.
    Pending {
        registry_unreachable: bool,
    },
    /// The intake refused it; staff must look.
    NeedsAttention,
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusState {
    Idle,
    Checking(String),
    Answer {
        code: String,
        answer: StatusAnswer,
    },
    BadCode(String),
    /// A QR code that is not a receipt of this service.
    ForeignCode,
}

/// The tracking code in a scanned receipt QR: the status link
/// (`…/s/K7Q-4M2-X9`) or the bare code.
pub fn receipt_code(text: &str) -> Option<String> {
    let text = text.trim();
    let last = text.rsplit('/').next().unwrap_or(text);
    if text.contains('/') && !text.contains("/s/") {
        return None;
    }
    crate::queue::tracking::parse(last).ok()
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
    /// A point of a signature drawn with a finger, in [`SIGNATURE_BOX`] units;
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
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Scan,
    /// Commit the answers durably; answer with `Submitted`.
    Persist {
        form: Arc<FormDef>,
        lang: Lang,
        answers: BTreeMap<String, String>,
    },
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

pub struct Session {
    pub catalogue: Arc<Catalogue>,
    pub languages: Vec<Lang>,
    pub lang: Lang,
    pub screen: Screen,
    pub form: Option<Arc<FormDef>>,
    pub values: BTreeMap<String, String>,
    /// Fields the citizen has left at least once: their errors show.
    pub touched: BTreeSet<String>,
    /// After "Continue" failed: every error shows.
    pub show_all_errors: bool,
    pub focused: Option<String>,
    pub consent: bool,
    pub scan: ScanState,
    pub submit: SubmitState,
    pub receipt: Option<ReceiptView>,
    pub status_input: String,
    pub status: StatusState,
    /// False while the disk reserve is reached.
    pub accepting: bool,
    pub staff: Staff,
    /// Today, for date limits (set by the adapter; tests pin it).
    pub today: jiff::civil::Date,
    /// Seconds left before an idle wipe, while the warning shows.
    pub idle_warning: Option<u32>,
    pub search: String,
    pub category: Option<String>,
    /// The citizen's accessibility choices; the next citizen starts without them.
    pub speech: bool,
    pub large_text: bool,
    pub high_contrast: bool,
}

impl Session {
    pub fn new(catalogue: Arc<Catalogue>, languages: Vec<Lang>) -> Session {
        let lang = languages.first().copied().unwrap_or(Lang::Ro);
        Session {
            catalogue,
            languages,
            lang,
            screen: Screen::Home,
            form: None,
            values: BTreeMap::new(),
            touched: BTreeSet::new(),
            show_all_errors: false,
            focused: None,
            consent: false,
            scan: ScanState::Idle,
            submit: SubmitState::Idle,
            receipt: None,
            status_input: String::new(),
            status: StatusState::Idle,
            accepting: true,
            staff: Staff::default(),
            today: jiff::Zoned::now().date(),
            idle_warning: None,
            search: String::new(),
            category: None,
            speech: false,
            large_text: false,
            high_contrast: false,
        }
    }

    /// Forgets everything the citizen (or staff) entered or saw, keeping the
    /// catalogue and the PIN lockout.
    fn wipe(&mut self) {
        let mut fresh = Session::new(self.catalogue.clone(), self.languages.clone());
        fresh.accepting = self.accepting;
        fresh.staff.gate = self.staff.gate.clone();
        fresh.today = self.today;
        *self = fresh;
    }

    fn open_staff_login(&mut self, badge: Option<String>) {
        let gate = self.staff.gate.clone();
        self.wipe();
        self.staff = Staff { gate, badge, ..Staff::default() };
        self.focused = Some(PIN_INPUT.into());
        self.screen = Screen::StaffLogin;
    }

    /// Whether staff are logged in.
    pub fn staff_mode(&self) -> bool {
        self.screen == Screen::Staff && self.staff.member.is_some()
    }

    fn clear_form(&mut self) {
        self.form = None;
        self.values.clear();
        self.touched.clear();
        self.show_all_errors = false;
        self.focused = None;
        self.consent = false;
        self.scan = ScanState::Idle;
        self.submit = SubmitState::Idle;
    }

    /// Whether the submit button may be pressed.
    pub fn can_submit(&self) -> bool {
        self.consent
            && self.submit != SubmitState::Saving
            && self.form.as_ref().is_some_and(|f| validate_all(f, &self.values, self.today).is_empty())
    }

    pub fn handle(&mut self, event: Event) -> Vec<Effect> {
        match event {
            Event::ToggleSpeech => self.speech = !self.speech,
            Event::ToggleLargeText => self.large_text = !self.large_text,
            Event::ToggleContrast => self.high_contrast = !self.high_contrast,
            Event::SetLanguage(l) => {
                if self.languages.contains(&l) {
                    self.lang = l;
                }
            }
            Event::Start => {
                // A full panel says so on the home screen instead of taking a form it cannot keep.
                if self.accepting {
                    self.clear_form();
                    self.search.clear();
                    self.category = None;
                    self.screen = Screen::Catalogue;
                }
            }
            Event::OpenStatus => {
                if let Some(r) = &self.receipt {
                    self.status_input = r.tracking_code.clone();
                }
                self.status = StatusState::Idle;
                self.focused = Some(STATUS_INPUT.into());
                self.screen = Screen::Status;
                if !self.status_input.is_empty() {
                    return self.handle(Event::CheckStatus);
                }
            }
            Event::Back => {
                self.screen = match self.screen {
                    Screen::Review => Screen::Form,
                    Screen::Form => {
                        self.clear_form();
                        Screen::Catalogue
                    }
                    Screen::Status if self.receipt.is_some() => Screen::Receipt,
                    Screen::Staff | Screen::StaffLogin => {
                        self.wipe();
                        Screen::Home
                    }
                    _ => Screen::Home,
                };
            }
            Event::Finish | Event::IdleTimeout => self.wipe(),
            Event::IdleWarning(left) => {
                // Only when there is something to wipe.
                if self.screen != Screen::Home {
                    self.idle_warning = Some(left);
                }
            }
            Event::StillHere => self.idle_warning = None,
            Event::CatalogueChanged(c) => {
                // A citizen in the middle of a form keeps the version they started.
                self.catalogue = c;
            }
            Event::PickCategory(c) => {
                self.category = c.filter(|c| self.catalogue.forms.iter().any(|f| &f.category == c));
            }
            Event::PickService(id) => {
                if let Some(form) = self.catalogue.get(&id).cloned() {
                    self.clear_form();
                    self.focused = form.fields.iter().find(|f| focusable(f.kind)).map(|f| f.id.clone());
                    self.form = Some(form);
                    self.screen = Screen::Form;
                }
            }
            Event::ScanRequested => {
                if self.screen == Screen::Form && self.scan != ScanState::Waiting {
                    self.scan = ScanState::Waiting;
                    return vec![Effect::Scan];
                }
            }
            Event::ScanFinished(result) => {
                if self.scan == ScanState::Waiting && self.form.is_some() {
                    self.scan = match result {
                        Ok(id) => ScanState::Confirm(id),
                        Err(f) => ScanState::Failed(f),
                    };
                }
            }
            Event::ConfirmIdentity(yes) => {
                if let ScanState::Confirm(id) = std::mem::replace(&mut self.scan, ScanState::Idle) {
                    if yes {
                        self.prefill(&id);
                    }
                }
            }
            Event::Focus(id) => self.focus((!id.is_empty()).then_some(id)),
            Event::NextField => {
                let next = match (&self.form, &self.focused) {
                    (Some(form), Some(cur)) if self.screen == Screen::Form => form
                        .visible_fields(&self.values)
                        .skip_while(|f| &f.id != cur)
                        .skip(1)
                        .find(|f| focusable(f.kind))
                        .map(|f| f.id.clone()),
                    _ => None,
                };
                self.focus(next);
            }
            Event::Key(key) => self.key(key),
            Event::SetValue(id, value) => {
                if id == STATUS_INPUT {
                    self.status_input = value;
                } else if id == LABEL_NUMBER || id == LABEL_DATE {
                    if self.staff_mode() {
                        *(if id == LABEL_NUMBER { &mut self.staff.label_number } else { &mut self.staff.label_date }) =
                            value;
                    }
                } else if id == SEARCH_INPUT {
                    self.search = value;
                } else if self.form.as_ref().is_some_and(|f| f.field(&id).is_some()) {
                    self.values.insert(id.clone(), value);
                    self.touched.insert(id);
                }
            }
            Event::Choose(id, value) => self.choose(&id, &value),
            Event::Sign { field, x, y, new_stroke } => self.sign(&field, x, y, new_stroke),
            Event::ClearSignature(id) => {
                if self.field_kind(&id) == Some(FieldKind::Signature) {
                    self.values.remove(&id);
                    self.touched.insert(id);
                }
            }
            Event::Continue => {
                if let Some(form) = &self.form {
                    let errors = validate_all(form, &self.values, self.today);
                    if errors.is_empty() {
                        self.screen = Screen::Review;
                        self.focused = None;
                    } else {
                        self.show_all_errors = true;
                        // Jump to the first field that needs attention.
                        self.focused = form.fields.iter().find(|f| errors.contains_key(&f.id)).map(|f| f.id.clone());
                    }
                }
            }
            Event::Edit(id) => {
                if self.screen == Screen::Review {
                    self.screen = Screen::Form;
                    self.focused = Some(id);
                }
            }
            Event::SetConsent(on) => self.consent = on,
            Event::Submit => {
                if self.screen == Screen::Review && self.can_submit() {
                    self.submit = SubmitState::Saving;
                    let form = self.form.clone().expect("review has a form");
                    let answers = form.answers_to_send(&self.values);
                    return vec![Effect::Persist { form, lang: self.lang, answers }];
                }
            }
            Event::Submitted(Ok(receipt)) => {
                let form = self.form.clone().expect("a submission has a form");
                // Durable now: the personal data leaves the session.
                self.clear_form();
                self.receipt = Some(ReceiptView {
                    tracking_code: receipt.tracking_code.clone(),
                    form_id: form.id.clone(),
                    created_ms: receipt.created_ms,
                    print: PrintState::Printing,
                });
                self.status_input.clear();
                self.status = StatusState::Idle;
                self.screen = Screen::Receipt;
                return vec![Effect::PrintReceipt {
                    tracking_code: receipt.tracking_code,
                    form,
                    created_ms: receipt.created_ms,
                    lang: self.lang,
                }];
            }
            Event::Submitted(Err(failure)) => {
                if failure == SubmitFailure::DiskFull {
                    self.accepting = false;
                }
                self.submit = SubmitState::Failed(failure);
            }
            Event::Capacity(ok) => self.accepting = ok,
            Event::Printed(result) => {
                if let Some(r) = &mut self.receipt {
                    r.print = match result {
                        Ok(()) => PrintState::Printed,
                        Err(e) => PrintState::Failed(e),
                    };
                }
            }
            Event::CheckStatus => match crate::queue::tracking::parse(&self.status_input) {
                Ok(code) => {
                    self.status_input = code.clone();
                    self.status = StatusState::Checking(code.clone());
                    return vec![Effect::QueryStatus(code)];
                }
                Err(e) => self.status = StatusState::BadCode(e.to_string()),
            },
            Event::QrScanned(text) => {
                // Never in the middle of someone's form: only from home, status or a receipt.
                if !matches!(self.screen, Screen::Home | Screen::Status | Screen::Receipt) {
                    return vec![];
                }
                if let Some(badge) = staff::badge_id(&text) {
                    self.open_staff_login(Some(badge.to_owned()));
                    return vec![];
                }
                self.screen = Screen::Status;
                self.focused = Some(STATUS_INPUT.into());
                match receipt_code(&text) {
                    Some(code) => {
                        self.status_input = code.clone();
                        self.status = StatusState::Checking(code.clone());
                        return vec![Effect::QueryStatus(code)];
                    }
                    None => {
                        self.status_input.clear();
                        self.status = StatusState::ForeignCode;
                    }
                }
            }
            e @ (Event::StaffEntry
            | Event::SubmitPin { .. }
            | Event::PinChecked { .. }
            | Event::StaffRefresh
            | Event::StaffInfo(_)
            | Event::PrintLabel
            | Event::Reprint(_)
            | Event::StaffPrinted(_)
            | Event::RunSelfTest
            | Event::SelfTestDone(_)
            | Event::StaffExit) => return self.handle_desk(e),
            Event::StatusAnswered(code, answer) => {
                // Ignore a late answer for a code the citizen no longer looks at.
                if self.status == StatusState::Checking(code.clone()) {
                    self.status = StatusState::Answer { code, answer };
                }
            }
        }
        vec![]
    }

    fn focus(&mut self, id: Option<String>) {
        if let Some(prev) = self.focused.take() {
            if !prev.starts_with("__") {
                self.touched.insert(prev);
            }
        }
        self.focused = id;
    }

    fn field_kind(&self, id: &str) -> Option<FieldKind> {
        self.form.as_ref()?.field(id).map(|f| f.kind)
    }

    fn choose(&mut self, id: &str, value: &str) {
        let Some(field) = self.form.as_ref().and_then(|f| f.field(id)).cloned() else { return };
        let new = match field.kind {
            FieldKind::Choice if field.option(value).is_some() => value.to_owned(),
            FieldKind::YesNo if matches!(value, "da" | "nu") => value.to_owned(),
            FieldKind::County if crate::forms::counties::name(value).is_some() => value.to_owned(),
            FieldKind::MultiChoice if field.option(value).is_some() => {
                let current = self.values.get(id).cloned().unwrap_or_default();
                let mut chosen: BTreeSet<&str> = current.split(',').filter(|v| !v.is_empty()).collect();
                if !chosen.remove(value) {
                    chosen.insert(value);
                }
                // In the order of the options, whatever the order of the touches.
                field
                    .options
                    .iter()
                    .filter(|o| chosen.contains(o.value.as_str()))
                    .map(|o| o.value.as_str())
                    .collect::<Vec<_>>()
                    .join(",")
            }
            _ => return,
        };
        self.values.insert(id.to_owned(), new);
        self.touched.insert(id.to_owned());
        if field.kind == FieldKind::County && self.focused.as_deref() == Some(id) {
            // The county pad closes on a choice and the next field takes the keyboard.
            self.handle(Event::NextField);
        }
    }

    fn sign(&mut self, id: &str, x: f32, y: f32, new_stroke: bool) {
        if self.field_kind(id) != Some(FieldKind::Signature) {
            return;
        }
        let (x, y) = (x.clamp(0.0, SIGNATURE_BOX.0).round(), y.clamp(0.0, SIGNATURE_BOX.1).round());
        let path = self.values.entry(id.to_owned()).or_default();
        if path.len() > SIGNATURE_MAX {
            return;
        }
        if new_stroke || path.is_empty() {
            if !path.is_empty() {
                path.push(' ');
            }
            path.push_str(&format!("M{x} {y}"));
        } else {
            path.push_str(&format!(" L{x} {y}"));
        }
        self.touched.insert(id.to_owned());
    }

    fn key(&mut self, key: Key) {
        let Some(id) = self.focused.clone() else { return };
        let (staff_target, max, digits_only) = match id.as_str() {
            PIN_INPUT => (Some(&mut self.staff.pin), 12, true),
            LABEL_NUMBER => (Some(&mut self.staff.label_number), 32, false),
            LABEL_DATE => (Some(&mut self.staff.label_date), 10, false),
            _ => (None, 0, false),
        };
        if let Some(target) = staff_target {
            match key {
                Key::Text(t) => {
                    if target.chars().count() + t.chars().count() <= max
                        && (!digits_only || t.chars().all(|c| c.is_ascii_digit()))
                    {
                        target.push_str(&t);
                    }
                }
                Key::Backspace => {
                    target.pop();
                }
            }
            return;
        }
        let date = self.field_kind(&id) == Some(FieldKind::Date);
        let target = if id == STATUS_INPUT {
            &mut self.status_input
        } else if id == SEARCH_INPUT {
            &mut self.search
        } else {
            let Some(field) = self.form.as_ref().and_then(|f| f.field(&id)) else { return };
            if !field.kind.typed() {
                return;
            }
            let max = field.max_len.unwrap_or(if field.kind == FieldKind::Date { 10 } else { 10_000 });
            let value = self.values.entry(id).or_default();
            if let Key::Text(t) = &key {
                if value.chars().count() + t.chars().count() > max {
                    return;
                }
            }
            value
        };
        match key {
            Key::Text(t) => {
                if date && t == "." && (target.is_empty() || target.ends_with('.')) {
                    return;
                }
                target.push_str(&t);
                // Dates are typed as digits; the dots come by themselves (ZZ.LL.AAAA).
                if date
                    && (target.len() == 2 || target.len() == 5)
                    && target.bytes().all(|b| b.is_ascii_digit() || b == b'.')
                    && !target.ends_with('.')
                {
                    target.push('.');
                }
            }
            Key::Backspace => {
                target.pop();
            }
        }
    }

    fn prefill(&mut self, id: &Identity) {
        let Some(form) = self.form.clone() else { return };
        let mut cnp_missing = false;
        for f in &form.fields {
            let value = match f.prefill {
                Some(Prefill::Surname) => Some(id.surname.clone()),
                Some(Prefill::GivenNames) => Some(id.given_names.clone()),
                Some(Prefill::Cnp) => {
                    cnp_missing = id.cnp.is_none();
                    id.cnp.clone()
                }
                None => None,
            };
            if let Some(v) = value.filter(|v| !v.is_empty()) {
                if validate_field(f, &v, self.today).is_none() {
                    self.values.insert(f.id.clone(), v);
                    self.touched.insert(f.id.clone());
                }
            }
        }
        self.scan = ScanState::Filled { cnp_missing };
        // Next, the first field the document did not fill.
        self.focused =
            form.fields.iter().find(|f| self.values.get(&f.id).is_none_or(|v| v.is_empty())).map(|f| f.id.clone());
    }
}

#[cfg(test)]
mod tests;

/// Fields that take the keyboard (or the county pad) when touched.
fn focusable(kind: FieldKind) -> bool {
    kind.typed() || kind == FieldKind::County
}
