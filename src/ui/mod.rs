//! The Slint adapter: binds the session ([`crate::app`]) to `ui/app.slint`.
//!
//! Every callback from the UI becomes an [`Event`]; the session decides; the
//! adapter re-renders from [`view`] and carries out the effects. Effects run on
//! the tokio runtime (devices and SQLite on its blocking pool, HTTP on its
//! workers) and come back as events through `slint::spawn_local`, so the UI
//! thread never waits on disk, network or a device.

mod effects;

use crate::app::view::{view, View};
use crate::app::{Event, Key, Session};
use crate::i18n::Texts;
use slint::{ComponentHandle, Model, ModelRc, SharedString, VecModel};
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

pub use effects::{DeskSelfTest, Effects};

/// The kiosk's clocks: idle warning and wipe, the staff desk's timeout, the screen's sleep.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub idle_timeout: Duration,
    pub idle_warning: u32,
    /// Staff mode leaves itself sooner: an unattended desk is a risk.
    pub staff_idle_timeout: Duration,
    /// Nobody there this long, at rest: the screen sleeps. `None`: never.
    pub screen_off_after: Option<Duration>,
}

/// How often the screen's sleep is reconsidered, and the presence sensor read.
const SCREEN_TICK: Duration = Duration::from_secs(5);
const PRESENCE_POLL: Duration = Duration::from_millis(200);

slint::include_modules!();

/// The running kiosk UI.
pub struct KioskUi {
    pub window: AppWindow,
    inner: Rc<Inner>,
}

struct Inner {
    window: slint::Weak<AppWindow>,
    session: RefCell<Session>,
    texts: std::sync::Arc<Texts>,
    effects: Effects,
    status_url_base: String,
    last_qr_url: RefCell<String>,
    idle: slint::Timer,
    idle_timeout: Duration,
    idle_warning: u32,
    /// Staff mode leaves itself sooner: an unattended desk is a risk.
    staff_idle_timeout: Duration,
    capacity: slint::Timer,
    forms_watch: slint::Timer,
    screen: RefCell<crate::screen::Blanker>,
    /// The health report shows whether the screen sleeps.
    health: crate::health::Flags,
    screen_timer: slint::Timer,
    /// The screen's clock: advanced by `screen_timer` (Slint time, mockable in tests).
    screen_clock: std::cell::Cell<Duration>,
}

impl KioskUi {
    pub fn new(
        session: Session,
        texts: std::sync::Arc<Texts>,
        effects: Effects,
        municipality: &str,
        status_url_base: String,
        timing: Timing,
        health: crate::health::Flags,
    ) -> Result<KioskUi, slint::PlatformError> {
        let window = AppWindow::new()?;
        window.global::<Kiosk>().set_municipality(municipality.into());
        let inner = Rc::new(Inner {
            window: window.as_weak(),
            session: RefCell::new(session),
            texts,
            effects,
            status_url_base,
            last_qr_url: RefCell::default(),
            idle: slint::Timer::default(),
            idle_timeout: timing.idle_timeout,
            idle_warning: timing.idle_warning,
            staff_idle_timeout: timing.staff_idle_timeout,
            capacity: slint::Timer::default(),
            forms_watch: slint::Timer::default(),
            screen: RefCell::new(crate::screen::Blanker::new(timing.screen_off_after, Duration::ZERO)),
            screen_clock: std::cell::Cell::new(Duration::ZERO),
            health,
            screen_timer: slint::Timer::default(),
        });
        bind(&window, &inner);
        let _ = inner.render();
        // Codes from the QR reader arrive as events (the reader blocks on its own thread).
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let reader = inner.effects.devices.qr_reader.clone();
        std::thread::Builder::new()
            .name("qr-reader".into())
            .spawn(move || loop {
                if let Some(code) = reader.next_code(Duration::from_secs(1)) {
                    if tx.send(code).is_err() {
                        return;
                    }
                } else if tx.is_closed() {
                    return;
                }
            })
            .expect("the QR reader thread starts");
        let weak = Rc::downgrade(&inner);
        let _ = slint::spawn_local(async move {
            while let Some(code) = rx.recv().await {
                let Some(inner) = weak.upgrade() else { return };
                inner.wake();
                inner.dispatch(Event::QrScanned(code));
            }
        });
        // Disk room, checked now and every 30 s, off the UI thread.
        inner.check_capacity();
        let weak = Rc::downgrade(&inner);
        inner.capacity.start(slint::TimerMode::Repeated, Duration::from_secs(30), move || {
            if let Some(inner) = weak.upgrade() {
                inner.check_capacity();
            }
        });
        inner.watch_forms();
        inner.watch_screen();
        Ok(KioskUi { window, inner })
    }

    /// Feeds an event as if it came from the UI (used by the idle timer and tests).
    pub fn dispatch(&self, event: Event) {
        self.inner.dispatch(event);
    }
}

fn bind(window: &AppWindow, inner: &Rc<Inner>) {
    let k = window.global::<Kiosk>();
    macro_rules! on {
        ($setter:ident, || $event:expr) => {
            on!($setter, | | $event)
        };
        ($setter:ident, |$($arg:ident),*| $event:expr) => {{
            let inner = Rc::downgrade(inner);
            k.$setter(move |$($arg),*| {
                if let Some(inner) = inner.upgrade() {
                    inner.dispatch($event);
                }
            });
        }};
    }
    on!(on_set_language, |code| Event::SetLanguage(crate::i18n::Lang::parse(&code).unwrap_or(crate::i18n::Lang::Ro)));
    on!(on_start, || Event::Start);
    on!(on_open_status, || Event::OpenStatus);
    on!(on_back, || Event::Back);
    on!(on_finish, || Event::Finish);
    on!(on_pick_service, |id| Event::PickService(id.into()));
    on!(on_scan, || Event::ScanRequested);
    on!(on_confirm_identity, |yes| Event::ConfirmIdentity(yes));
    on!(on_focus, |id| Event::Focus(id.into()));
    on!(on_next_field, || Event::NextField);
    on!(on_key, |t| Event::Key(Key::Text(t.into())));
    on!(on_backspace, || Event::Key(Key::Backspace));
    on!(on_set_value, |id, v| Event::SetValue(id.into(), v.into()));
    on!(on_continue, || Event::Continue);
    on!(on_edit, |id| Event::Edit(id.into()));
    on!(on_set_consent, |on| Event::SetConsent(on));
    on!(on_submit, || Event::Submit);
    on!(on_check_status, || Event::CheckStatus);
    on!(on_staff_entry, || Event::StaffEntry);
    on!(on_submit_pin, || Event::SubmitPin { now_ms: crate::now_ms() });
    on!(on_staff_refresh, || Event::StaffRefresh);
    on!(on_staff_exit, || Event::StaffExit);
    on!(on_print_label, || Event::PrintLabel);
    on!(on_reprint, |code| Event::Reprint(code.into()));
    on!(on_pick_category, |id| Event::PickCategory((!id.is_empty()).then(|| id.to_string())));
    on!(on_choose, |id, v| Event::Choose(id.into(), v.into()));
    on!(on_sign, |id, x, y, new_stroke| Event::Sign { field: id.into(), x, y, new_stroke });
    on!(on_clear_signature, |id| Event::ClearSignature(id.into()));
    on!(on_run_selftest, || Event::RunSelfTest);
    on!(on_still_here, || Event::StillHere);
    on!(on_toggle_speech, || Event::ToggleSpeech);
    on!(on_toggle_large_text, || Event::ToggleLargeText);
    on!(on_toggle_contrast, || Event::ToggleContrast);
    let weak = Rc::downgrade(inner);
    k.on_pick_county(move |code| {
        if let Some(inner) = weak.upgrade() {
            let focused = inner.session.borrow().focused.clone();
            if let Some(id) = focused {
                inner.dispatch(Event::Choose(id, code.into()));
            }
        }
    });
    let weak = Rc::downgrade(inner);
    k.on_wake(move || {
        if let Some(inner) = weak.upgrade() {
            inner.wake();
            inner.arm_idle_timer();
        }
    });
    let weak = Rc::downgrade(inner);
    k.on_activity(move || {
        if let Some(inner) = weak.upgrade() {
            inner.wake();
            if inner.session.borrow().idle_warning.is_some() {
                inner.dispatch(Event::StillHere);
            }
            inner.arm_idle_timer();
        }
    });
}

impl Inner {
    /// Someone is at the panel: the screen lights (if asleep) and its countdown restarts.
    fn wake(self: &Rc<Self>) {
        if let Some(on) = self.screen.borrow_mut().activity(self.screen_clock.get()) {
            self.set_screen(on);
        }
    }

    /// The screen sleeps and wakes: the presence sensor polled on its own
    /// thread (edges come here as they happen), the countdown every few seconds.
    fn watch_screen(self: &Rc<Self>) {
        // The sensor is read on its own thread only (a device call); a board
        // without one ends the thread at its first read.
        let board = self.effects.devices.board.clone();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        std::thread::Builder::new()
            .name("presence".into())
            .spawn(move || {
                let Ok(Some(mut last)) = board.presence() else { return };
                if tx.send(last).is_err() {
                    return;
                }
                loop {
                    std::thread::sleep(PRESENCE_POLL);
                    match board.presence() {
                        Ok(Some(now)) if now != last => {
                            last = now;
                            if tx.send(now).is_err() {
                                return;
                            }
                        }
                        _ if tx.is_closed() => return,
                        _ => {}
                    }
                }
            })
            .expect("the presence thread starts");
        let weak = Rc::downgrade(self);
        let _ = slint::spawn_local(async move {
            while let Some(present) = rx.recv().await {
                let Some(inner) = weak.upgrade() else { return };
                let change = inner.screen.borrow_mut().presence(present, inner.screen_clock.get());
                if let Some(on) = change {
                    inner.set_screen(on);
                }
            }
        });
        let weak = Rc::downgrade(self);
        self.screen_timer.start(slint::TimerMode::Repeated, SCREEN_TICK, move || {
            let Some(inner) = weak.upgrade() else { return };
            inner.screen_clock.set(inner.screen_clock.get() + SCREEN_TICK);
            let at_rest = inner.session.borrow().screen == crate::app::Screen::Home;
            let change = inner.screen.borrow_mut().tick(inner.screen_clock.get(), at_rest);
            if let Some(on) = change {
                inner.set_screen(on);
            }
        });
    }

    fn set_screen(self: &Rc<Self>, on: bool) {
        tracing::info!(on, "screen {}", if on { "wakes" } else { "sleeps: nobody at the panel" });
        self.health.set_screen_on(on);
        if let Some(w) = self.window.upgrade() {
            w.global::<Kiosk>().set_screen_off(!on);
        }
        let backlight = self.effects.devices.backlight.clone();
        self.effects.runtime.spawn_blocking(move || {
            if let Err(e) = backlight.set(on) {
                tracing::warn!(backlight = %backlight.describe(), error = %e, "cannot switch the backlight");
            }
        });
    }

    fn dispatch(self: &Rc<Self>, event: Event) {
        // Spoken guidance compares the screen before and after the event.
        let speaking = self.session.borrow().speech || matches!(event, Event::ToggleSpeech);
        let before = speaking.then(|| view(&self.session.borrow(), &self.texts, &self.status_url_base));
        let effects = self.session.borrow_mut().handle(event.clone());
        let after = self.render();
        if let (Some(before), Some(after)) = (before, after) {
            for sentence in crate::app::speech::utterances(&before, &after, &event, &self.texts) {
                self.effects.devices.speaker.say(&sentence, after.lang);
            }
        }
        for effect in effects {
            let this = self.clone();
            let fut = self.effects.run(effect);
            // The effect runs on tokio; this local task only waits for its event.
            let _ = slint::spawn_local(async move {
                if let Ok(event) = fut.await {
                    this.dispatch(event);
                }
            });
        }
        self.arm_idle_timer();
    }

    fn check_capacity(self: &Rc<Self>) {
        let this = self.clone();
        let fut = self.effects.capacity();
        let _ = slint::spawn_local(async move {
            if let Ok(event) = fut.await {
                if this.session.borrow().accepting != matches!(event, Event::Capacity(true)) {
                    this.dispatch(event);
                }
            }
        });
    }

    /// Every 2 s, off the UI thread: if the forms folder changed, reload it
    /// and hand the new catalogue to the session (a broken file disables only
    /// its own service and shows the technician notice).
    fn watch_forms(self: &Rc<Self>) {
        let Some(dir) = self.effects.forms_dir.clone() else { return };
        let seen = Rc::new(RefCell::new(crate::forms::Catalogue::fingerprint(&dir)));
        let weak = Rc::downgrade(self);
        self.forms_watch.start(slint::TimerMode::Repeated, Duration::from_secs(2), move || {
            let Some(inner) = weak.upgrade() else { return };
            let (dir, before) = (dir.clone(), seen.borrow().clone());
            let job = inner.effects.runtime.spawn_blocking(move || {
                let now = crate::forms::Catalogue::fingerprint(&dir);
                (now != before).then(|| (now, crate::forms::Catalogue::load_dir(&dir)))
            });
            let seen = seen.clone();
            let _ = slint::spawn_local(async move {
                let Ok(Some((now, loaded))) = job.await else { return };
                *seen.borrow_mut() = now;
                match loaded {
                    Ok(c) => {
                        tracing::info!(services = c.forms.len(), disabled = c.broken.len(), "forms folder reloaded");
                        c.log_broken();
                        inner.dispatch(Event::CatalogueChanged(std::sync::Arc::new(c)));
                    }
                    Err(e) => tracing::error!(error = %e, "forms folder unreadable; keeping the services loaded"),
                }
            });
        });
    }

    /// Restarts the idle countdown: after `idle_timeout` a warning counts
    /// down `idle_warning` seconds (a touch keeps the session), then the
    /// session is wiped.
    fn arm_idle_timer(self: &Rc<Self>) {
        let weak = Rc::downgrade(self);
        let staff = matches!(self.session.borrow().screen, crate::app::Screen::Staff | crate::app::Screen::StaffLogin);
        if staff {
            // Staff mode leaves itself, sooner and without the citizen's countdown.
            let timeout = self.staff_idle_timeout.min(self.idle_timeout);
            self.idle.start(slint::TimerMode::SingleShot, timeout, move || {
                if let Some(inner) = weak.upgrade() {
                    inner.dispatch(Event::IdleTimeout);
                }
            });
            return;
        }
        self.idle.start(slint::TimerMode::SingleShot, self.idle_timeout, move || {
            let Some(inner) = weak.upgrade() else { return };
            if inner.session.borrow().screen == crate::app::Screen::Home {
                return;
            }
            inner.session.borrow_mut().handle(Event::IdleWarning(inner.idle_warning));
            let _ = inner.render();
            let weak = Rc::downgrade(&inner);
            inner.idle.start(slint::TimerMode::Repeated, Duration::from_secs(1), move || {
                let Some(inner) = weak.upgrade() else { return };
                let left = inner.session.borrow().idle_warning;
                match left {
                    // A touch ended the warning: the next touch re-arms the timer.
                    None => inner.idle.stop(),
                    Some(n) if n <= 1 => {
                        inner.idle.stop();
                        inner.session.borrow_mut().handle(Event::IdleTimeout);
                        let _ = inner.render();
                    }
                    Some(n) => {
                        inner.session.borrow_mut().handle(Event::IdleWarning(n - 1));
                        let _ = inner.render();
                    }
                }
            });
        });
    }

    fn render(&self) -> Option<View> {
        let w = self.window.upgrade()?;
        let v = view(&self.session.borrow(), &self.texts, &self.status_url_base);
        apply(&w, &v, &self.texts);
        if *self.last_qr_url.borrow() != v.receipt_url {
            w.global::<Kiosk>().set_receipt_qr(qr_image(&v.receipt_url));
            *self.last_qr_url.borrow_mut() = v.receipt_url.clone();
        }
        Some(v)
    }
}

fn s(v: &str) -> SharedString {
    v.into()
}

fn labels(texts: &Texts, lang: crate::i18n::Lang) -> Labels {
    let t = |k: &str| s(texts.get(lang, k));
    Labels {
        home_welcome: t("home_welcome"),
        home_subtitle: t("home_subtitle"),
        start: t("start"),
        check_status: t("check_status"),
        catalogue_title: t("catalogue_title"),
        catalogue_search: t("catalogue_search"),
        catalogue_all: t("catalogue_all"),
        sign_here: t("sign_here"),
        sign_clear: t("sign_clear"),
        county_pick: t("county_pick"),
        idle_title: t("idle_title"),
        a11y_speech: t("a11y_speech"),
        a11y_large_text: t("a11y_large_text"),
        a11y_contrast: t("a11y_contrast"),
        idle_stay: t("idle_stay"),
        idle_leave: t("idle_leave"),
        back: t("back"),
        finish: t("finish"),
        language: t("language"),
        scan_id: t("scan_id"),
        r#continue: t("continue"),
        required_note: t("required_note"),
        review_title: t("review_title"),
        edit: t("edit"),
        consent_label: t("consent_label"),
        submit: t("submit"),
        receipt_title: t("receipt_title"),
        receipt_code_label: t("receipt_code_label"),
        status_title: t("status_title"),
        status_code_label: t("status_code_label"),
        status_search: t("status_search"),
        key_space: t("key_space"),
        key_backspace: t("key_backspace"),
        key_done: t("key_done"),
        scan_confirm_title: t("scan_confirm_title"),
        scan_confirm_yes: t("scan_confirm_yes"),
        scan_confirm_no: t("scan_confirm_no"),
        scan_name: t("scan_name"),
        scan_cnp: t("scan_cnp"),
        scan_nationality: t("scan_nationality"),
        scan_expiry: t("scan_expiry"),
    }
}

/// Replaces a model's rows only when they changed, so Slint keeps the
/// elements (and a scrolled list stays where it is).
fn set_rows<T: Clone + PartialEq + 'static>(current: ModelRc<T>, rows: Vec<T>, set: impl FnOnce(ModelRc<T>)) {
    let same = current.row_count() == rows.len() && current.iter().zip(&rows).all(|(a, b)| a == *b);
    if same {
        return;
    }
    if let Some(vec) = current.as_any().downcast_ref::<VecModel<T>>() {
        if vec.row_count() == rows.len() {
            for (i, r) in rows.into_iter().enumerate() {
                if vec.row_data(i).as_ref() != Some(&r) {
                    vec.set_row_data(i, r);
                }
            }
            return;
        }
    }
    set(ModelRc::new(VecModel::from(rows)));
}

fn apply(w: &AppWindow, v: &View, texts: &Texts) {
    let k = w.global::<Kiosk>();
    k.set_screen(s(v.screen.name()));
    k.set_lang(s(v.lang.code()));
    k.set_labels(labels(texts, v.lang));
    set_rows(
        k.get_languages(),
        v.languages
            .iter()
            .map(|(l, sel)| LangItem { code: s(l.code()), name: s(l.native_name()), selected: *sel })
            .collect(),
        |m| k.set_languages(m),
    );
    set_rows(
        k.get_services(),
        v.services
            .iter()
            .map(|x| ServiceItem {
                id: s(&x.id),
                title: s(&x.title),
                description: s(&x.description),
                category: s(&x.category),
            })
            .collect(),
        |m| k.set_services(m),
    );
    let current = k.get_fields();
    set_rows(
        k.get_fields(),
        v.fields
            .iter()
            .enumerate()
            .map(|(i, f)| FieldItem {
                id: s(&f.id),
                kind: s(f.kind),
                label: s(&f.label),
                help: s(&f.help),
                section: s(&f.section),
                value: s(&f.value),
                display: s(&f.display),
                // The same options model when its rows did not change, so an
                // unchanged field compares equal and is left alone.
                options: current
                    .row_data(i)
                    .map(|old| old.options)
                    .filter(|old| {
                        old.row_count() == f.options.len()
                            && old.iter().zip(&f.options).all(|(a, b)| {
                                a.value == b.value.as_str() && a.label == b.label.as_str() && a.selected == b.selected
                            })
                    })
                    .unwrap_or_else(|| options(&f.options)),
                error: s(&f.error),
                required: f.required,
                multiline: f.multiline,
                focused: f.focused,
            })
            .collect(),
        |m| k.set_fields(m),
    );
    set_rows(
        k.get_categories(),
        v.categories.iter().map(|c| OptionItem { value: s(&c.id), label: s(&c.title), selected: c.selected }).collect(),
        |m| k.set_categories(m),
    );
    set_rows(
        k.get_counties(),
        v.counties
            .iter()
            .map(|c| OptionItem { value: s(&c.value), label: s(&c.label), selected: c.selected })
            .collect(),
        |m| k.set_counties(m),
    );
    k.set_category(s(v.categories.iter().find(|c| c.selected).map(|c| c.id.as_str()).unwrap_or("")));
    k.set_search(s(&v.search));
    k.set_search_focused(v.search_focused);
    k.set_catalogue_empty(s(&v.catalogue_empty));
    k.set_forms_notice(s(&v.forms_notice));
    k.set_form_title(s(&v.form_title));
    k.set_form_hint(s(&v.form_hint));
    k.set_form_deadline(s(&v.form_deadline));
    k.set_consent_text(s(&v.consent_text));
    k.set_signing_id(s(&v.signing_id));
    k.set_signing_label(s(&v.signing_label));
    k.set_signing_value(s(&v.signing_value));
    k.set_speech(v.speech);
    k.set_large_text(v.large_text);
    k.set_high_contrast(v.high_contrast);
    let theme = w.global::<Theme>();
    theme.set_text_scale(if v.large_text { 1.5 } else { 1.0 });
    theme.set_high_contrast(v.high_contrast);
    k.set_idle_visible(v.idle_visible);
    k.set_idle_message(s(&v.idle_message));
    k.set_scan_state(s(v.scan_state));
    k.set_scan_message(s(&v.scan_message));
    k.set_confirm_name(s(&v.confirm_name));
    k.set_confirm_cnp(s(&v.confirm_cnp));
    k.set_confirm_nationality(s(&v.confirm_nationality));
    k.set_confirm_expiry(s(&v.confirm_expiry));
    k.set_confirm_warning(s(&v.confirm_warning));
    k.set_missing(s(&v.missing));
    k.set_consent(v.consent);
    k.set_can_submit(v.can_submit);
    k.set_submit_message(s(&v.submit_message));
    k.set_receipt_code(s(&v.receipt_code));
    k.set_receipt_service(s(&v.receipt_service));
    k.set_receipt_deadline(s(&v.receipt_deadline));
    k.set_receipt_print(s(&v.receipt_print));
    k.set_receipt_print_failed(v.receipt_print_failed);
    k.set_status_input(s(&v.status_input));
    k.set_status_focused(v.status_focused);
    k.set_status_message(s(&v.status_message));
    k.set_status_detail(s(&v.status_detail));
    k.set_status_kind(s(v.status_kind));
    k.set_keyboard(s(v.keyboard));
    k.set_keyboard_visible(v.keyboard_visible);
    k.set_home_notice(s(&v.home_notice));
    let st = &v.staff;
    k.set_staff_labels(staff_labels(texts, v.lang));
    k.set_staff_pin_mask(s(&st.pin_mask));
    k.set_staff_message(s(&st.message));
    k.set_staff_message_kind(s(st.message_kind));
    k.set_staff_member(s(&st.member));
    k.set_staff_printer(s(&st.printer));
    k.set_staff_printer_ok(st.printer_ok);
    k.set_staff_label_printer(s(&st.label_printer));
    k.set_staff_queue(s(&st.queue));
    set_rows(
        k.get_staff_recent(),
        st.recent.iter().map(|(code, detail)| RecentItem { code: s(code), detail: s(detail) }).collect(),
        |m| k.set_staff_recent(m),
    );
    set_rows(
        k.get_staff_selftest(),
        st.selftest.iter().map(|(ok, text)| CheckItem { ok: *ok, text: s(text) }).collect(),
        |m| k.set_staff_selftest(m),
    );
    k.set_staff_selftest_summary(s(&st.selftest_summary));
    k.set_staff_label_number(s(&st.label_number));
    k.set_staff_label_date(s(&st.label_date));
    k.set_staff_number_focused(st.number_focused);
    k.set_staff_date_focused(st.date_focused);
}

fn staff_labels(texts: &Texts, lang: crate::i18n::Lang) -> StaffLabels {
    let t = |k: &str| s(texts.get(lang, k));
    StaffLabels {
        login_title: t("staff_login_title"),
        pin_label: t("staff_pin_label"),
        pin_ok: t("staff_pin_ok"),
        title: t("staff_title"),
        exit: t("staff_exit"),
        refresh: t("staff_refresh"),
        printer: t("staff_printer"),
        label_printer: t("staff_label_printer"),
        label_title: t("staff_label_title"),
        label_number: t("staff_label_number"),
        label_date: t("staff_label_date"),
        label_print: t("staff_label_print"),
        recent_title: t("staff_recent_title"),
        reprint: t("staff_reprint"),
        selftest: t("staff_selftest"),
    }
}

fn options(rows: &[crate::app::view::OptionView]) -> ModelRc<OptionItem> {
    ModelRc::new(VecModel::from(
        rows.iter()
            .map(|o| OptionItem { value: s(&o.value), label: s(&o.label), selected: o.selected })
            .collect::<Vec<_>>(),
    ))
}

/// The receipt's QR code as an image (black modules on white, 4-module quiet zone).
fn qr_image(url: &str) -> slint::Image {
    if url.is_empty() {
        return slint::Image::default();
    }
    let (n, modules) = crate::print::raster::qr_modules(url);
    let quiet = 4;
    let size = (n + 2 * quiet) as u32;
    let mut buf = slint::SharedPixelBuffer::<slint::Rgb8Pixel>::new(size, size);
    let px = buf.make_mut_slice();
    for (i, p) in px.iter_mut().enumerate() {
        let (x, y) = (i % size as usize, i / size as usize);
        let dark = x >= quiet && y >= quiet && x < n + quiet && y < n + quiet && modules[(y - quiet) * n + (x - quiet)];
        let v = if dark { 0 } else { 255 };
        *p = slint::Rgb8Pixel { r: v, g: v, b: v };
    }
    slint::Image::from_rgb8(buf)
}
