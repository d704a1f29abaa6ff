//! The staff desk's side of the session: what staff see (printer and queue
//! state, recent receipts, the technician's self-test) and the events that
//! drive it. The PIN gate itself is in [`super::staff`]; the citizen's flow is
//! in the parent module.

use super::*;

impl Session {
    /// The staff events; every other event is the citizen's ([`Session::handle`]).
    pub(super) fn handle_desk(&mut self, event: Event) -> Vec<Effect> {
        match event {
            Event::StaffEntry => {
                if self.screen == Screen::Home {
                    self.open_staff_login(None);
                }
            }
            Event::SubmitPin { now_ms } => {
                if self.screen != Screen::StaffLogin || self.staff.message == StaffMsg::Checking {
                    return vec![];
                }
                if let Some(until_ms) = self.staff.gate.locked(now_ms) {
                    self.staff.pin.clear();
                    self.staff.message = StaffMsg::Locked { until_ms };
                    return vec![];
                }
                if self.staff.pin.is_empty() {
                    return vec![];
                }
                self.staff.message = StaffMsg::Checking;
                let pin = std::mem::take(&mut self.staff.pin);
                return vec![Effect::VerifyPin { badge: self.staff.badge.clone(), pin, now_ms }];
            }
            Event::PinChecked { member, now_ms } => {
                if self.screen != Screen::StaffLogin {
                    return vec![];
                }
                match self.staff.gate.record(member.is_some(), now_ms) {
                    staff::Verdict::Accepted => {
                        self.staff.member = member;
                        self.staff.message = StaffMsg::None;
                        self.screen = Screen::Staff;
                        self.focused = None;
                        return vec![Effect::DeskStatus];
                    }
                    staff::Verdict::Wrong { left } => self.staff.message = StaffMsg::Wrong { left },
                    staff::Verdict::Locked { until_ms } => self.staff.message = StaffMsg::Locked { until_ms },
                }
            }
            Event::StaffRefresh => {
                if self.staff_mode() {
                    return vec![Effect::DeskStatus];
                }
            }
            Event::StaffInfo(info) => {
                if self.staff_mode() {
                    self.staff.desk = Some(info);
                }
            }
            Event::PrintLabel => {
                if !self.staff_mode() || self.staff.message == StaffMsg::Working {
                    return vec![];
                }
                let number = self.staff.label_number.trim().to_owned();
                let date = self.staff.label_date.trim().to_owned();
                if number.is_empty() || number.chars().count() > 32 || !valid_date(&date) {
                    self.staff.message = StaffMsg::BadLabel;
                    return vec![];
                }
                self.staff.message = StaffMsg::Working;
                return vec![Effect::PrintLabel { number, date }];
            }
            Event::Reprint(code) => {
                if !self.staff_mode() || self.staff.message == StaffMsg::Working {
                    return vec![];
                }
                let found = self.staff.desk.as_ref().and_then(|d| d.recent.iter().find(|r| r.tracking_code == code));
                if let Some(receipt) = found.cloned() {
                    self.staff.message = StaffMsg::Working;
                    return vec![Effect::Reprint { receipt, lang: self.lang }];
                }
            }
            Event::StaffPrinted(result) => {
                if self.staff_mode() {
                    self.staff.message = match result {
                        Ok(what) => StaffMsg::Done(what),
                        Err(p) => StaffMsg::Failed(p),
                    };
                    // The printer's state is what staff want to see next.
                    return vec![Effect::DeskStatus];
                }
            }
            Event::RunSelfTest => {
                if self.staff_mode() && self.staff.selftest != SelfTestState::Running {
                    self.staff.selftest = SelfTestState::Running;
                    // The keyboard closes so the results have the room.
                    self.focused = None;
                    return vec![Effect::SelfTest];
                }
            }
            Event::SelfTestDone(lines) => {
                if self.staff_mode() {
                    self.staff.selftest = SelfTestState::Done(lines);
                }
            }
            Event::StaffExit => {
                if matches!(self.screen, Screen::Staff | Screen::StaffLogin) {
                    self.wipe();
                }
            }
            _ => {}
        }
        vec![]
    }
}
