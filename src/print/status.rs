//! What a printer says about itself, as plain data: paper, cover, online,
//! and the first reason a job cannot print. The drivers (`devices::printer`)
//! fill it in; the session, the staff desk and the health report read it.
//! Parsing ESC/POS real-time status bytes lives here too (pure).

use crate::i18n::{Lang, Texts};
use escpos::utils::{RealTimeStatusRequest as Req, RealTimeStatusResponse as Resp};

/// Paper roll state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Paper {
    Ok,
    NearEnd,
    Out,
}

/// What the printer said about itself. `answered: false` means it did not
/// answer (not connected, or a model without status): the rest is unknown.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PrinterStatus {
    pub reachable: bool,
    pub answered: bool,
    pub online: bool,
    pub paper: Paper,
    pub cover_open: bool,
    pub error: bool,
    /// Why it is unreachable, for technicians (a path or address and the OS error).
    pub detail: String,
}

/// Why a printer cannot take a job now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    Unreachable,
    PaperOut,
    CoverOpen,
    Offline,
    Error,
}

impl Problem {
    /// Key of the UI text that explains it (`printer_*` in `ui/i18n`).
    pub fn text_key(self) -> &'static str {
        match self {
            Problem::Unreachable => "printer_unreachable",
            Problem::PaperOut => "printer_paper_out",
            Problem::CoverOpen => "printer_cover_open",
            Problem::Offline => "printer_offline",
            Problem::Error => "printer_error",
        }
    }
}

impl PrinterStatus {
    pub fn ok() -> PrinterStatus {
        PrinterStatus {
            reachable: true,
            answered: true,
            online: true,
            paper: Paper::Ok,
            cover_open: false,
            error: false,
            detail: String::new(),
        }
    }

    pub fn unreachable(detail: String) -> PrinterStatus {
        PrinterStatus { reachable: false, answered: false, online: false, detail, ..PrinterStatus::ok() }
    }

    /// Reachable but silent: status unknown, printing is attempted.
    pub fn silent() -> PrinterStatus {
        PrinterStatus { answered: false, ..PrinterStatus::ok() }
    }

    /// The first reason a job cannot print, most specific first.
    pub fn problem(&self) -> Option<Problem> {
        if !self.reachable {
            Some(Problem::Unreachable)
        } else if !self.answered {
            None
        } else if self.paper == Paper::Out {
            Some(Problem::PaperOut)
        } else if self.cover_open {
            Some(Problem::CoverOpen)
        } else if self.error {
            Some(Problem::Error)
        } else if !self.online {
            Some(Problem::Offline)
        } else {
            None
        }
    }

    /// Parses the answers to `DLE EOT 1`, `2` and `4`.
    pub fn from_bytes(printer: u8, offline_cause: u8, paper_sensor: u8) -> Result<PrinterStatus, String> {
        let get = |req, byte, key| -> Result<bool, String> {
            let map = Resp::parse(req, byte).map_err(|e| e.to_string())?;
            Ok(*map.get(&key).unwrap_or(&false))
        };
        let online = get(Req::Printer, printer, Resp::Online)?;
        let cover_open = !get(Req::OfflineCause, offline_cause, Resp::CoverClosed)?;
        let stopped_paper_end = get(Req::OfflineCause, offline_cause, Resp::PrintingStopsDueToPaperEnd)?;
        let error = get(Req::OfflineCause, offline_cause, Resp::ErrorOccurred)?;
        let present = get(Req::RollPaperSensor, paper_sensor, Resp::RollPaperEndSensorPaperPresent)?;
        let adequate = get(Req::RollPaperSensor, paper_sensor, Resp::RollPaperNearEndSensorPaperAdequate)?;
        let paper = if !present || stopped_paper_end {
            Paper::Out
        } else if !adequate {
            Paper::NearEnd
        } else {
            Paper::Ok
        };
        Ok(PrinterStatus { reachable: true, answered: true, online, paper, cover_open, error, detail: String::new() })
    }
}

impl PrinterStatus {
    /// The printer's state in words, for staff and technicians.
    pub fn describe(&self, texts: &Texts, lang: Lang) -> String {
        if let Some(p) = self.problem() {
            return texts.get(lang, p.text_key()).to_owned();
        }
        if !self.answered {
            return texts.get(lang, "printer_no_status").to_owned();
        }
        if self.paper == Paper::NearEnd {
            return texts.get(lang, "printer_near_end").to_owned();
        }
        texts.get(lang, "printer_ready").to_owned()
    }
}
