//! Touches → events: every adapter's callbacks become [`Event`]s for the
//! session. Nothing here decides anything; the session does.
//!
//! The `__search`, `__status`, `__pin`, `__label_number` and `__label_date`
//! ids are the session's names for the fields that are not a form's: the
//! pages ask to focus "the search box", this module names it.

use super::generated::*;
use super::inner::Inner;
use crate::app::capture::DocEvent;
use crate::app::{Event, Key};
use std::rc::Rc;

/// Connects every adapter's callbacks to `inner`.
pub(super) fn bind(window: &AppWindow, inner: &Rc<Inner>) {
    // `on!(adapter.callback, |args| event)`: the callback dispatches the event.
    macro_rules! on {
        ($global:ident . $setter:ident, || $event:expr) => {
            on!($global . $setter, | | $event)
        };
        ($global:ident . $setter:ident, |$($arg:ident),*| $event:expr) => {{
            let inner = Rc::downgrade(inner);
            $global.$setter(move |$($arg),*| {
                if let Some(inner) = inner.upgrade() {
                    inner.dispatch($event);
                }
            });
        }};
    }
    let focus = |id: &str| Event::Focus(id.into());
    let set = |id: &str, v: slint::SharedString| Event::SetValue(id.into(), v.into());

    let app = window.global::<AppAdapter>();
    on!(app.on_set_language, |code| Event::SetLanguage(
        crate::i18n::Lang::parse(&code).unwrap_or(crate::i18n::Lang::Ro)
    ));
    on!(app.on_toggle_speech, || Event::ToggleSpeech);
    on!(app.on_toggle_large_text, || Event::ToggleLargeText);
    on!(app.on_toggle_contrast, || Event::ToggleContrast);
    on!(app.on_finish, || Event::Finish);
    let weak = Rc::downgrade(inner);
    app.on_wake(move || {
        if let Some(inner) = weak.upgrade() {
            inner.wake();
            inner.arm_idle_timer();
        }
    });
    let weak = Rc::downgrade(inner);
    app.on_activity(move || {
        if let Some(inner) = weak.upgrade() {
            inner.wake();
            if inner.session.borrow().idle_warning.is_some() {
                inner.dispatch(Event::StillHere);
            }
            inner.arm_idle_timer();
        }
    });

    let keyboard = window.global::<KeyboardAdapter>();
    on!(keyboard.on_key, |t| Event::Key(Key::Text(t.into())));
    on!(keyboard.on_backspace, || Event::Key(Key::Backspace));
    on!(keyboard.on_done, || Event::NextField);
    let weak = Rc::downgrade(inner);
    keyboard.on_pick_county(move |code| {
        if let Some(inner) = weak.upgrade() {
            let focused = inner.session.borrow().focused.clone();
            if let Some(id) = focused {
                inner.dispatch(Event::Choose(id, code.into()));
            }
        }
    });

    let home = window.global::<HomeAdapter>();
    on!(home.on_start, || Event::Start);
    on!(home.on_open_status, || Event::OpenStatus);
    on!(home.on_staff_entry, || Event::StaffEntry);

    let documents = window.global::<DocumentsAdapter>();
    let doc = Event::Documents;
    on!(documents.on_take, || doc(DocEvent::Take));
    on!(documents.on_keep, || doc(DocEvent::Keep));
    on!(documents.on_retake, || doc(DocEvent::Retake));
    on!(documents.on_delete, |i| doc(DocEvent::Delete(i.max(0) as usize)));
    on!(documents.on_done, || doc(DocEvent::Done));
    let review = window.global::<ReviewAdapter>();
    on!(review.on_open_documents, || doc(DocEvent::Open));

    let catalogue = window.global::<CatalogueAdapter>();
    on!(catalogue.on_back, || Event::Back);
    on!(catalogue.on_pick_service, |id| Event::PickService(id.into()));
    on!(catalogue.on_pick_category, |id| Event::PickCategory((!id.is_empty()).then(|| id.to_string())));
    on!(catalogue.on_focus_search, || focus("__search"));
    on!(catalogue.on_set_search, |v| set("__search", v));

    let form = window.global::<FormAdapter>();
    on!(form.on_scan, || Event::ScanRequested);
    on!(form.on_back, || Event::Back);
    on!(form.on_continue, || Event::Continue);
    on!(form.on_focus, |id| Event::Focus(id.into()));
    on!(form.on_set_value, |id, v| Event::SetValue(id.into(), v.into()));
    on!(form.on_choose, |id, v| Event::Choose(id.into(), v.into()));

    let identity = window.global::<IdentityAdapter>();
    on!(identity.on_confirm, |yes| Event::ConfirmIdentity(yes));

    let signature = window.global::<SignatureAdapter>();
    on!(signature.on_sign, |id, x, y, new_stroke| Event::Sign { field: id.into(), x, y, new_stroke });
    on!(signature.on_clear, |id| Event::ClearSignature(id.into()));
    on!(signature.on_done, || focus(""));

    let review = window.global::<ReviewAdapter>();
    on!(review.on_back, || Event::Back);
    on!(review.on_edit, |id| Event::Edit(id.into()));
    on!(review.on_set_consent, |on| Event::SetConsent(on));
    on!(review.on_submit, || Event::Submit);

    let receipt = window.global::<ReceiptAdapter>();
    on!(receipt.on_open_status, || Event::OpenStatus);
    on!(receipt.on_finish, || Event::Finish);

    let status = window.global::<StatusAdapter>();
    on!(status.on_back, || Event::Back);
    on!(status.on_focus_code, || focus("__status"));
    on!(status.on_set_code, |v| set("__status", v));
    on!(status.on_check, || Event::CheckStatus);
    on!(status.on_add_supplement, || Event::AddSupplement);

    let staff = window.global::<StaffAdapter>();
    on!(staff.on_back, || Event::Back);
    on!(staff.on_focus_pin, || focus("__pin"));
    on!(staff.on_submit_pin, || Event::SubmitPin { now_ms: crate::now_ms() });
    on!(staff.on_refresh, || Event::StaffRefresh);
    on!(staff.on_exit, || Event::StaffExit);
    on!(staff.on_focus_label_number, || focus("__label_number"));
    on!(staff.on_set_label_number, |v| set("__label_number", v));
    on!(staff.on_focus_label_date, || focus("__label_date"));
    on!(staff.on_set_label_date, |v| set("__label_date", v));
    on!(staff.on_print_label, || Event::PrintLabel);
    on!(staff.on_reprint, |code| Event::Reprint(code.into()));
    on!(staff.on_run_selftest, || Event::RunSelfTest);

    let idle = window.global::<IdleAdapter>();
    on!(idle.on_still_here, || Event::StillHere);
    on!(idle.on_leave, || Event::Finish);
}
