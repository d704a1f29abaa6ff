//! What the staff desk holds: who is logged in, the PIN being typed, the
//! devices' and queue's state, recent receipts, the label form and the
//! technician's self-test. Plain data; the events that change it are in
//! `desk.rs`.

use super::staff;
use crate::print::status::{PrinterStatus, Problem};

/// A receipt staff may reprint: exactly what the receipt carried, no more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecentReceipt {
    pub tracking_code: String,
    pub form_id: String,
    pub created_ms: i64,
}

/// What the staff desk shows about the devices and the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeskInfo {
    pub printer: PrinterStatus,
    pub label_printer: Option<PrinterStatus>,
    pub pending: u64,
    pub rejected: u64,
    pub oldest_pending_ms: Option<i64>,
    pub recent: Vec<RecentReceipt>,
}

/// The staff side of the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StaffMsg {
    None,
    Checking,
    Wrong {
        left: u32,
    },
    Locked {
        until_ms: i64,
    },
    /// The label form's number or date is missing or malformed.
    BadLabel,
    Working,
    Done(String),
    Failed(Problem),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staff {
    /// Survives the session wipe: the lockout must not reset on idle.
    pub gate: staff::PinGate,
    pub pin: String,
    /// The badge that opened the login, if any.
    pub badge: Option<String>,
    /// Who is logged in.
    pub member: Option<String>,
    pub message: StaffMsg,
    pub desk: Option<DeskInfo>,
    pub label_number: String,
    pub label_date: String,
    /// The technician's self-test: running, or its results.
    pub selftest: SelfTestState,
}

/// One line of `ghiseu selftest`, as the technician screen shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelfTestLine {
    pub name: String,
    pub ok: bool,
    pub detail: String,
    /// A simulated device answered: shown as a problem, never as a pass.
    pub simulated: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SelfTestState {
    NotRun,
    Running,
    Done(Vec<SelfTestLine>),
}

impl Default for Staff {
    fn default() -> Self {
        Staff {
            gate: staff::PinGate::default(),
            pin: String::new(),
            badge: None,
            member: None,
            message: StaffMsg::None,
            desk: None,
            label_number: String::new(),
            label_date: String::new(),
            selftest: SelfTestState::NotRun,
        }
    }
}

/// `DD.MM.YYYY` with a plausible day and month.
pub fn valid_date(d: &str) -> bool {
    let p: Vec<&str> = d.split('.').collect();
    let num = |s: &str, len: usize, lo: u32, hi: u32| {
        s.len() == len && s.parse::<u32>().is_ok_and(|v| (lo..=hi).contains(&v))
    };
    p.len() == 3
        && num(p[0], 2, 1, 31)
        && num(p[1], 2, 1, 12)
        && num(p[2], 4, 2000, 2099)
        // A day that exists: no 31.02 or 29.02 in a common year.
        && jiff::civil::Date::new(p[2].parse().unwrap_or(0), p[1].parse().unwrap_or(0), p[0].parse().unwrap_or(0)).is_ok()
}
