//! The citizen's session as a state machine: `handle(event) -> effects`.
//!
//! No I/O here. The UI adapter feeds events (touches, device results) and
//! carries out the effects (scan, persist, print, query) off the UI thread,
//! feeding their results back as events. What the screen shows is derived
//! from the session by [`view`], so the whole flow is testable without a
//! screen. Personal data lives only in the session and is wiped when the
//! submission is durable, on "Terminat", and on idle timeout.

pub mod capture;
pub mod capture_state;
pub mod capture_view;
mod desk;
pub mod desk_state;
pub mod desk_view;
mod event;
pub mod focus;
mod form;
pub mod keypad;
pub mod keypad_state;
pub mod multitap;
pub mod speech;
pub mod staff;
mod status;
pub mod status_lines;
pub mod view;

use crate::forms::{Catalogue, FormDef};
use crate::i18n::{Lang, Texts};
use crate::identity::Identity;
use crate::print::status::Problem;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

pub use desk_state::{valid_date, DeskInfo, RecentReceipt, SelfTestLine, SelfTestState, Staff, StaffMsg};
pub use event::{Effect, Event, Key, ScanFailure, StatusAnswer, SubmitFailure};
pub use keypad_state::{KeypadKey, KeypadState};

/// The built-in texts, parsed once for every session that is given no others.
fn builtin_texts() -> Arc<Texts> {
    static BUILTIN: std::sync::OnceLock<Arc<Texts>> = std::sync::OnceLock::new();
    BUILTIN.get_or_init(|| Arc::new(Texts::builtin())).clone()
}

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
    /// Supporting documents: pages taken with the camera or scanner.
    Documents,
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
            Screen::Documents => "documents",
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
pub use crate::forms::SIGNATURE_BOX;

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

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubmitState {
    Idle,
    Saving,
    Failed(SubmitFailure),
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
    /// The supporting pages taken so far, and the capture under way.
    pub capture: capture_state::CaptureState,
    pub submit: SubmitState,
    pub receipt: Option<ReceiptView>,
    pub status_input: String,
    pub status: StatusState,
    /// «Adaugă o completare»: the form in progress completes this request (its tracking code).
    pub supplement_of: Option<String>,
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
    /// The keypad's focus, typing and voice; audio mode.
    pub keypad: KeypadState,
    /// Whether headphones are in the jack (the hardware's state: it outlives a session).
    pub headphones: bool,
    /// "Ecran privat" is offered on this panel (`kiosk.privacy_screen`).
    pub privacy_screen: bool,
    /// The screen is blank for privacy: audio mode with headphones, on a
    /// panel that offers it; restored when audio mode or the session ends.
    pub private: bool,
    /// Effects of the events keypad keys stood for, handed back by `handle`.
    keypad_effects: Vec<Effect>,
    /// The texts, for the keypad's focus model (labels) and what keys say.
    pub texts: Arc<Texts>,
}

impl Session {
    pub fn new(catalogue: Arc<Catalogue>, languages: Vec<Lang>) -> Session {
        let lang = languages.first().copied().unwrap_or(Lang::Ro);
        Session {
            catalogue,
            languages,
            lang,
            screen: Screen::Home,
            supplement_of: None,
            form: None,
            values: BTreeMap::new(),
            touched: BTreeSet::new(),
            show_all_errors: false,
            focused: None,
            consent: false,
            scan: ScanState::Idle,
            capture: capture_state::CaptureState::default(),
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
            keypad: KeypadState::default(),
            headphones: false,
            privacy_screen: false,
            private: false,
            keypad_effects: vec![],
            texts: builtin_texts(),
        }
    }

    /// A panel that blanks its screen for privacy while headphones are in.
    pub fn with_privacy_screen(mut self, on: bool) -> Session {
        self.privacy_screen = on;
        self
    }

    /// The same session speaking (and labelling controls) with `texts`.
    pub fn with_texts(mut self, texts: Arc<Texts>) -> Session {
        self.texts = texts;
        self
    }

    /// Forgets everything the citizen (or staff) entered or saw, keeping the
    /// catalogue and the PIN lockout.
    fn wipe(&mut self) {
        let mut fresh = Session::new(self.catalogue.clone(), self.languages.clone());
        fresh.accepting = self.accepting;
        fresh.staff.gate = self.staff.gate.clone();
        fresh.today = self.today;
        fresh.texts = self.texts.clone();
        // The screen shows again for whoever comes next (`private` starts false).
        fresh.privacy_screen = self.privacy_screen;
        // Volume and rate start afresh; headphones still in keep audio mode on.
        fresh.headphones = self.headphones;
        if self.headphones {
            fresh.keypad.audio = true;
            fresh.speech = true;
        }
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

    pub fn handle(&mut self, event: Event) -> Vec<Effect> {
        match event {
            Event::ToggleSpeech => self.speech = !self.speech,
            Event::Keypad { key, now_ms } => {
                self.handle_keypad(key, now_ms);
                return std::mem::take(&mut self.keypad_effects);
            }
            Event::Headphones(plugged) => {
                self.headphones = plugged;
                self.keypad.say.clear();
                self.set_audio(plugged);
                if plugged && self.privacy_screen && !self.private {
                    self.private = true;
                    let said = self.texts.get(self.lang, "kp_private_on").to_owned();
                    self.keypad.say.push(said);
                }
            }
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
            Event::Back => {
                self.screen = match self.screen {
                    Screen::Review => Screen::Form,
                    Screen::Documents => return self.handle_capture(capture_state::DocEvent::Done),
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
                    self.focused = form.fields.iter().find(|f| f.kind.focusable()).map(|f| f.id.clone());
                    self.form = Some(form);
                    self.screen = Screen::Form;
                }
            }
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
            Event::SetConsent(on) => self.consent = on,
            Event::Submit => {
                if self.screen == Screen::Review && self.can_submit() {
                    self.submit = SubmitState::Saving;
                    let form = self.form.clone().expect("review has a form");
                    let answers = form.answers_to_send(&self.values);
                    let pages = self.attached_pages();
                    let supplement_of = self.supplement_of.clone();
                    return vec![Effect::Persist { form, lang: self.lang, answers, pages, supplement_of }];
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
            e @ (Event::OpenStatus
            | Event::CheckStatus
            | Event::QrScanned(_)
            | Event::StatusAnswered(..)
            | Event::AddSupplement) => return self.handle_status(e),
            e @ (Event::ScanRequested
            | Event::ScanFinished(_)
            | Event::ConfirmIdentity(_)
            | Event::Focus(_)
            | Event::NextField
            | Event::Key(_)
            | Event::Choose(..)
            | Event::Sign { .. }
            | Event::ClearSignature(_)
            | Event::Continue
            | Event::Edit(_)) => return self.handle_form(e),
            Event::Documents(e) => return self.handle_capture(e),
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
        }
        vec![]
    }
}

#[cfg(test)]
mod tests;
