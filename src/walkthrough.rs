//! The scripted citizen: drives the real UI the way a person would, by
//! finding controls by their accessible label and touching them, and typing
//! on the on-screen keyboard key by key. The headless demo and the UI tests
//! use it; it runs on its own thread and talks to the UI thread only through
//! `slint::invoke_from_event_loop`, so the UI thread never waits for it.

pub mod keypad;

use crate::i18n::{Lang, Texts};
use crate::ui::{
    AppAdapter, AppWindow, CatalogueAdapter, DocumentsAdapter, FormAdapter, ReceiptAdapter, ReviewAdapter,
    SignatureAdapter, StatusAdapter,
};
use anyhow::{anyhow, bail, Context, Result};
use i_slint_backend_testing::{AccessibleRole, ElementHandle};
use slint::platform::{PointerEventButton, WindowEvent};
use slint::{ComponentHandle, Model};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub struct Citizen {
    window: slint::Weak<AppWindow>,
    texts: Texts,
    lang: Lang,
    /// Where screenshots go, if anywhere.
    shots: Option<PathBuf>,
    pub log: Vec<String>,
    /// Touches made (taps, long presses, strokes), to compare with the keypad walk.
    pub touches: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    /// Pages the petition's citizen attaches from the document camera at the review (the demo: 1).
    pub attach_pages: usize,
}

/// What a walk-through produced.
#[derive(Debug, Clone)]
pub struct Walk {
    pub tracking_code: String,
    pub status_message: String,
    pub screenshots: Vec<PathBuf>,
    /// Touches the citizen made (to compare with the keypad walk's key presses).
    pub touches: usize,
}

impl Citizen {
    pub fn new(window: slint::Weak<AppWindow>, texts: Texts, shots: Option<PathBuf>) -> Citizen {
        Citizen { window, texts, lang: Lang::Ro, shots, log: vec![], touches: Default::default(), attach_pages: 0 }
    }

    fn say(&mut self, what: impl Into<String>) {
        let what = what.into();
        println!("  {what}");
        self.log.push(what);
    }

    /// Runs `f` on the UI thread and waits for its result.
    pub fn on_ui<R: Send + 'static>(&self, f: impl FnOnce(&AppWindow) -> R + Send + 'static) -> Result<R> {
        let (tx, rx) = mpsc::channel();
        let weak = self.window.clone();
        slint::invoke_from_event_loop(move || {
            if let Some(w) = weak.upgrade() {
                let _ = tx.send(f(&w));
            }
        })
        .map_err(|e| anyhow!("the UI event loop is gone: {e}"))?;
        rx.recv_timeout(Duration::from_secs(10)).context("the UI thread did not answer within 10 s")
    }

    fn label(&self, key: &str) -> String {
        self.texts.get(self.lang, key).to_owned()
    }

    /// Opens a service from the catalogue: touches its card when it is on
    /// screen, otherwise (a long catalogue scrolls) picks it through the UI's
    /// own callback, since Slint's element queries misread the positions and
    /// labels of repeated elements scrolled out of a Flickable.
    pub fn open_service(&self, title: &str) -> Result<()> {
        if self.tap(title).is_ok() && self.screen()? == "form" {
            return Ok(());
        }
        let title = title.to_owned();
        self.on_ui(move |w| {
            let k = w.global::<CatalogueAdapter>();
            let id = k.get_services().iter().find(|s| s.title == title.as_str()).map(|s| s.id.clone());
            id.map(|id| k.invoke_pick_service(id)).ok_or_else(|| format!("no service `{title}` in the catalogue"))
        })?
        .map_err(|e| anyhow!(e))
    }

    /// Touches the option `option` of the field labelled `field` (a choice,
    /// multiple choice or yes/no field), through the UI's own callback.
    pub fn choose(&self, field: &str, option: &str) -> Result<()> {
        let (field, option) = (field.to_owned(), option.to_owned());
        self.on_ui(move |w| {
            let k = w.global::<FormAdapter>();
            let f = k.get_fields().iter().find(|f| f.label == field.as_str());
            let Some(f) = f else { return Err(format!("no field labelled `{field}`")) };
            let Some(o) = f.options.iter().find(|o| o.label == option.as_str()) else {
                return Err(format!("`{field}` has no option `{option}`"));
            };
            k.invoke_choose(f.id.clone(), o.value.clone());
            Ok(())
        })?
        .map_err(|e| anyhow!(e))
    }

    /// Touches the control labelled `label`: a pointer press and release at its
    /// centre, so layout and hit-testing are exercised, not only the callback.
    pub fn tap(&self, label: &str) -> Result<()> {
        self.touches.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let label = label.to_owned();
        let found = self.on_ui(move |w| {
            let el = ElementHandle::find_by_accessible_label(w, &label).find(is_control);
            let Some(el) = el else {
                let near: Vec<String> = i_slint_backend_testing::ElementQuery::from_root(w)
                    .match_descendants()
                    .find_all()
                    .iter()
                    .filter(|e| e.accessible_label().is_some_and(|l| l.contains(&label) || label.contains(l.as_str())))
                    .map(|e| {
                        format!(
                            "{:?} {:?} ({:?})",
                            e.accessible_role(),
                            e.accessible_label(),
                            e.accessible_description()
                        )
                    })
                    .collect();
                return Err(format!("no control labelled `{label}` on screen (similar: {near:?})"));
            };
            if el.accessible_enabled() == Some(false) {
                return Err(format!("`{label}` is disabled"));
            }
            let pos = el.absolute_position();
            let size = el.size();
            let position = slint::LogicalPosition::new(pos.x + size.width / 2.0, pos.y + size.height / 2.0);
            let win = w.window();
            if position.y < 0.0 || position.y > win.size().height as f32 / win.scale_factor() {
                // Scrolled away: use the accessible action, as a screen reader would.
                el.invoke_accessible_default_action();
                return Ok(());
            }
            win.dispatch_event(WindowEvent::PointerMoved { position });
            win.dispatch_event(WindowEvent::PointerPressed { position, button: PointerEventButton::Left });
            win.dispatch_event(WindowEvent::PointerReleased { position, button: PointerEventButton::Left });
            win.dispatch_event(WindowEvent::PointerExited);
            Ok(())
        })?;
        found.map_err(|e| anyhow!(e))
    }

    /// Holds a finger down at `(x, y)` until `until` holds on the UI (or 10 s
    /// pass), then lifts it: a long press, timed by the UI's own timer.
    pub fn long_press(
        &self,
        x: f32,
        y: f32,
        what: &str,
        until: impl Fn(&AppWindow) -> bool + Send + Clone + 'static,
    ) -> Result<()> {
        let position = slint::LogicalPosition::new(x, y);
        self.on_ui(move |w| {
            let win = w.window();
            win.dispatch_event(WindowEvent::PointerMoved { position });
            win.dispatch_event(WindowEvent::PointerPressed { position, button: PointerEventButton::Left });
        })?;
        let held = self.wait_for(what, Duration::from_secs(10), until);
        self.on_ui(move |w| {
            let win = w.window();
            win.dispatch_event(WindowEvent::PointerReleased { position, button: PointerEventButton::Left });
            win.dispatch_event(WindowEvent::PointerExited);
        })?;
        held
    }

    /// Focuses the field labelled `label`: touches it when it is on screen,
    /// otherwise moves through the form with the keyboard's «Gata» key.
    pub fn focus_field(&self, label: &str) -> Result<()> {
        for _ in 0..20 {
            let l = label.to_owned();
            let focused = self.on_ui(move |w| {
                w.global::<FormAdapter>().get_fields().iter().any(|f| f.focused && f.label == l.as_str())
            })?;
            if focused {
                return Ok(());
            }
            let touched = self.touch_field(label);
            if touched.is_ok() {
                continue;
            }
            self.tap(&self.label("key_done")).map_err(|e| anyhow!("{e}; touching the field: {touched:?}"))?;
        }
        bail!("could not reach the field `{label}`")
    }

    /// Touches the field labelled `label` through the UI's own callback, as
    /// an assistive client's default action does. (Slint 1.18's element
    /// queries read the same label for every field of the form's repeater,
    /// so fields are found in the model the UI shows instead.)
    fn touch_field(&self, label: &str) -> Result<()> {
        let label = label.to_owned();
        self.on_ui(move |w| {
            let k = w.global::<FormAdapter>();
            let fields = k.get_fields();
            match fields.iter().find(|f| f.label == label.as_str()) {
                Some(f) => {
                    k.invoke_focus(f.id.clone());
                    Ok(())
                }
                None => Err(format!(
                    "no field labelled `{label}` (fields: {:?})",
                    fields.iter().map(|f| f.label.to_string()).collect::<Vec<_>>()
                )),
            }
        })?
        .map_err(|e| anyhow!(e))
    }

    /// Types on the on-screen keyboard, one key at a time (Shift for capitals).
    pub fn type_text(&self, text: &str) -> Result<()> {
        let space = self.label("key_space");
        for c in text.chars() {
            let key = if c == ' ' { space.clone() } else { c.to_string() };
            if self.tap(&key).is_err() {
                self.tap("Shift").with_context(|| format!("typing `{c}`"))?;
                self.tap(&key).with_context(|| format!("typing `{c}`"))?;
            }
        }
        Ok(())
    }

    /// Signs the signature field labelled `field`: opens the pad, draws a
    /// line and a loop with pointer presses and moves, and closes it.
    pub fn sign(&self, field: &str) -> Result<()> {
        self.touch_field(field)?;
        self.wait_for("the signature pad", Duration::from_secs(5), |w| {
            !w.global::<SignatureAdapter>().get_field().is_empty()
        })?;
        let pad = self.label("sign_here");
        let drawn = self.on_ui(move |w| {
            let el = ElementHandle::find_by_accessible_label(w, &pad)
                .find(|e| e.accessible_role() == Some(AccessibleRole::Image))
                .ok_or_else(|| "no signature pad on screen".to_owned())?;
            let (pos, size) = (el.absolute_position(), el.size());
            let at = |fx: f32, fy: f32| slint::LogicalPosition::new(pos.x + size.width * fx, pos.y + size.height * fy);
            let win = w.window();
            for stroke in [
                (0..=20).map(|i| (0.1 + i as f32 * 0.02, 0.6 - (i as f32 * 0.3).sin() * 0.2)).collect::<Vec<_>>(),
                (0..=12).map(|i| (0.55 + (i as f32 * 0.5).cos() * 0.1, 0.5 + (i as f32 * 0.5).sin() * 0.2)).collect(),
            ] {
                let (x, y) = stroke[0];
                win.dispatch_event(WindowEvent::PointerMoved { position: at(x, y) });
                win.dispatch_event(WindowEvent::PointerPressed {
                    position: at(x, y),
                    button: PointerEventButton::Left,
                });
                for &(x, y) in &stroke[1..] {
                    win.dispatch_event(WindowEvent::PointerMoved { position: at(x, y) });
                }
                let (x, y) = stroke[stroke.len() - 1];
                win.dispatch_event(WindowEvent::PointerReleased {
                    position: at(x, y),
                    button: PointerEventButton::Left,
                });
            }
            win.dispatch_event(WindowEvent::PointerExited);
            Ok::<_, String>(w.global::<SignatureAdapter>().get_value().to_string())
        })?;
        let path = drawn.map_err(|e| anyhow!(e))?;
        if path.matches('M').count() < 2 {
            bail!("the signature pad took no strokes (path `{path}`)");
        }
        self.tap(&self.label("key_done"))?;
        self.wait_for("the signature pad to close", Duration::from_secs(5), |w| {
            w.global::<SignatureAdapter>().get_field().is_empty()
        })
    }

    /// Fills every required field that is still empty, by its type, the way a
    /// person would: typing on the keyboard, touching options, picking the
    /// county on its pad, signing with a finger. Fields a choice reveals are
    /// filled as they appear.
    pub fn fill_required(&mut self) -> Result<()> {
        let mut last = None;
        for _ in 0..60 {
            let next = self.on_ui(|w| {
                w.global::<FormAdapter>().get_fields().iter().find(|f| f.required && f.value.is_empty()).map(|f| {
                    let first = f.options.iter().next().map(|o| o.label.to_string()).unwrap_or_default();
                    (f.id.to_string(), f.kind.to_string(), f.label.to_string(), first)
                })
            })?;
            let Some((id, kind, label, first_option)) = next else { return Ok(()) };
            if last.as_ref() == Some(&id) {
                bail!("the field `{label}` stayed empty after filling it");
            }
            self.say(format!("form: {kind} «{label}»"));
            match kind.as_str() {
                "choice" | "multi-choice" | "yes-no" => self.choose(&label, &first_option)?,
                "county" => {
                    self.focus_field(&label)?;
                    self.tap("Cluj")?;
                }
                "signature" => self.sign(&label)?,
                _ => {
                    self.focus_field(&label)?;
                    self.type_text(&sample(&kind))?;
                }
            }
            last = Some(id);
        }
        bail!("the form kept asking for more fields")
    }

    /// Waits until `cond` holds on the UI, or fails after `timeout`.
    pub fn wait_for(
        &self,
        what: &str,
        timeout: Duration,
        cond: impl Fn(&AppWindow) -> bool + Send + Clone + 'static,
    ) -> Result<()> {
        let start = Instant::now();
        loop {
            let c = cond.clone();
            if self.on_ui(move |w| c(w))? {
                return Ok(());
            }
            if start.elapsed() > timeout {
                bail!("timed out after {timeout:?} waiting for {what}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn screen(&self) -> Result<String> {
        self.on_ui(|w| w.global::<AppAdapter>().get_screen().to_string())
    }

    /// Renders the window with the software renderer and writes it as PNG.
    pub fn screenshot(&mut self, name: &str) -> Result<Option<PathBuf>> {
        let Some(dir) = self.shots.clone() else { return Ok(None) };
        let shot = self.on_ui(|w| {
            w.window().request_redraw();
            w.window().take_snapshot().map(|b| (b.width(), b.height(), b.as_bytes().to_vec()))
        })?;
        let (width, height, rgba) = shot.map_err(|e| anyhow!("snapshot failed: {e}"))?;
        let path = dir.join(format!("{name}.png"));
        crate::png::write_rgba(&path, width, height, &rgba).with_context(|| format!("writing {}", path.display()))?;
        self.say(format!("screenshot {}", path.display()));
        Ok(Some(path))
    }

    /// A citizen files a petition: home → catalogue → form (ID scan, typed
    /// text) → review (consent) → receipt → status, with a screenshot of each.
    pub fn petition(&mut self, address: &str, text: &str, wait_registered: Duration) -> Result<Walk> {
        let mut shots = vec![];
        let mut shot = |c: &mut Citizen, name: &str| -> Result<()> {
            if let Some(p) = c.screenshot(name)? {
                shots.push(p);
            }
            Ok(())
        };
        self.wait_for("the home screen", Duration::from_secs(10), |w| w.global::<AppAdapter>().get_screen() == "home")?;
        shot(self, "01-home")?;
        self.say("home: tap «Depune o cerere»");
        self.tap(&self.label("start"))?;
        self.wait_for("the catalogue", Duration::from_secs(5), |w| {
            w.global::<AppAdapter>().get_screen() == "catalogue"
        })?;
        shot(self, "02-catalogue")?;
        self.say("catalogue: tap «Petiție»");
        self.tap("Petiție")?;
        self.wait_for("the form", Duration::from_secs(5), |w| w.global::<AppAdapter>().get_screen() == "form")?;
        self.say("form: tap «Scanează actul de identitate»");
        self.tap(&self.label("scan_id"))?;
        self.wait_for("the ID card read", Duration::from_secs(35), |w| {
            let s = w.global::<FormAdapter>().get_scan_state();
            s == "confirm" || s == "failed"
        })?;
        if self.on_ui(|w| w.global::<FormAdapter>().get_scan_state())? != "confirm" {
            bail!("the ID card was not read");
        }
        shot(self, "03-scan-confirm")?;
        self.say("form: «Sunt datele corecte?» → «Da, completează»");
        self.tap(&self.label("scan_confirm_yes"))?;
        self.wait_for("the form to fill", Duration::from_secs(5), |w| {
            w.global::<FormAdapter>().get_scan_state() == "ok"
        })?;
        self.say("form: name and CNP filled from the card; typing the address");
        self.focus_field("Adresa de corespondență")?;
        self.type_text(address)?;
        self.say("form: typing the petition");
        self.focus_field("Conținutul petiției")?;
        self.type_text(text)?;
        self.focus_field("Localitatea")?;
        self.type_text("Ploiești")?;
        self.say("form: the county on its pad");
        self.focus_field("Județul")?;
        shot(self, "04-form-county")?;
        self.tap("Prahova")?;
        self.say("form: the rest of the required fields (choices, signature)");
        self.fill_required()?;
        self.focus_field("Conținutul petiției")?;
        shot(self, "04-form")?;
        self.tap(&self.label("continue"))?;
        self.wait_for("the review screen", Duration::from_secs(5), |w| {
            w.global::<AppAdapter>().get_screen() == "review"
        })?;
        if self.on_ui(|w| w.global::<ReviewAdapter>().get_can_submit())? {
            bail!("«Trimite solicitarea» was enabled before consent");
        }
        let attached = match self.attach_pages {
            0 => vec![],
            n => self.attach(n, "05")?,
        };
        self.say("review: tick the GDPR consent");
        self.tap(&self.label("consent_label"))?;
        self.wait_for("the submit button to enable", Duration::from_secs(5), |w| {
            w.global::<ReviewAdapter>().get_can_submit()
        })?;
        shot(self, "05-review")?;
        self.say("review: tap «Trimite solicitarea»");
        self.tap(&self.label("submit"))?;
        self.wait_for("the receipt", Duration::from_secs(10), |w| w.global::<AppAdapter>().get_screen() == "receipt")?;
        self.wait_for("the receipt to print", Duration::from_secs(10), |w| {
            !w.global::<ReceiptAdapter>().get_print().contains("…")
        })?;
        let code = self.on_ui(|w| w.global::<ReceiptAdapter>().get_code().to_string())?;
        self.say(format!("receipt: tracking code {code}"));
        shot(self, "06-receipt")?;
        self.say("receipt: tap «Verifică stadiul»");
        self.tap(&self.label("check_status"))?;
        self.wait_for("a status answer", Duration::from_secs(10), |w| {
            let k = w.global::<StatusAdapter>().get_kind();
            k != "checking" && k != "idle"
        })?;
        let start = Instant::now();
        while self.on_ui(|w| w.global::<StatusAdapter>().get_kind())? != "registered"
            && start.elapsed() < wait_registered
        {
            std::thread::sleep(Duration::from_millis(300));
            self.tap(&self.label("status_search"))?;
            self.wait_for("a status answer", Duration::from_secs(10), |w| {
                w.global::<StatusAdapter>().get_kind() != "checking"
            })?;
        }
        let status_message = self.on_ui(|w| w.global::<StatusAdapter>().get_message().to_string())?;
        self.say(format!("status: {status_message}"));
        shot(self, "07-status")?;
        let touches = self.touches.load(std::sync::atomic::Ordering::Relaxed);
        shots.extend(attached);
        Ok(Walk { tracking_code: code, status_message, screenshots: shots, touches })
    }
}

impl Citizen {
    /// From the review: «Documente», then `pages` times place a page, take
    /// it, look at it, keep it; «Gata» back to the review. Screenshots of the
    /// capture screen and of the first page's preview, named `{prefix}-documents*`.
    pub fn attach(&mut self, pages: usize, prefix: &str) -> Result<Vec<PathBuf>> {
        let mut shots = vec![];
        self.say("review: tap «Documente»");
        self.tap(&self.label("doc_open"))?;
        self.wait_for("the documents screen", Duration::from_secs(5), |w| {
            w.global::<AppAdapter>().get_screen() == "documents"
        })?;
        shots.extend(self.screenshot(&format!("{prefix}-documents"))?);
        for n in 1..=pages {
            let take = self.label(if n == 1 { "doc_take" } else { "doc_add" });
            self.say(format!("documents: page {n} under the camera, tap «{take}»"));
            let start = Instant::now();
            self.tap(&take)?;
            self.wait_for("the page's preview", Duration::from_secs(30), |w| {
                let d = w.global::<DocumentsAdapter>();
                d.get_has_pending() || !d.get_problem().is_empty()
            })?;
            let problem = self.on_ui(|w| w.global::<DocumentsAdapter>().get_problem().to_string())?;
            if !problem.is_empty() {
                bail!("the page was not taken: {problem}");
            }
            self.say(format!("documents: page {n} shown after {} ms", start.elapsed().as_millis()));
            if n == 1 {
                shots.extend(self.screenshot(&format!("{prefix}-documents-preview"))?);
            }
            self.tap(&self.label("doc_keep"))?;
            self.wait_for("the page kept", Duration::from_secs(5), move |w| {
                w.global::<DocumentsAdapter>().get_pages().row_count() == n
            })?;
        }
        self.tap(&self.label("doc_done"))?;
        self.wait_for("the review again", Duration::from_secs(5), |w| {
            w.global::<AppAdapter>().get_screen() == "review"
        })?;
        Ok(shots)
    }
}

/// Whether an element is something a person touches: a button, a checkbox,
/// a radio button or a text field.
pub fn is_control(e: &ElementHandle) -> bool {
    matches!(
        e.accessible_role(),
        Some(
            AccessibleRole::Button | AccessibleRole::Checkbox | AccessibleRole::RadioButton | AccessibleRole::TextInput
        )
    )
}

/// Runs `citizen` on its own thread while this thread runs Slint's event
/// loop (the UI thread), and ends the loop once the citizen is done, however
/// it ends. Returns what the citizen returned, or its panic.
pub fn beside_event_loop<R: Send + 'static>(citizen: impl FnOnce() -> R + Send + 'static) -> std::thread::Result<R> {
    let c = std::thread::spawn(move || {
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(citizen));
        let _ = slint::invoke_from_event_loop(|| {
            let _ = slint::quit_event_loop();
        });
        r
    });
    slint::run_event_loop().expect("Slint's event loop runs");
    c.join().unwrap_or_else(Err)
}

/// Writes the receipt render (what the simulated printer produced) next to the screenshots.
pub fn copy_receipt(printer_dir: &Path, code: &str, out: &Path) -> Result<PathBuf> {
    let src = printer_dir.join(format!("receipt-{code}.png"));
    let dst = out.join("08-receipt-print.png");
    std::fs::copy(&src, &dst).with_context(|| format!("copying {}", src.display()))?;
    Ok(dst)
}

/// What a scripted citizen types into a field of this type.
pub fn sample(kind: &str) -> String {
    match kind {
        "textarea" => "Vă rog să verificați și să remediați situația.".into(),
        "email" => "ana.pop@exemplu.ro".into(),
        "phone" => "0722123456".into(),
        "cnp" => "2850509204996".into(),
        "number" => "2".into(),
        // Digits only: the dots come by themselves. Three days ago fits every shipped limit.
        "date" => {
            let d = jiff::Zoned::now().date().saturating_sub(jiff::Span::new().days(3));
            format!("{:02}{:02}{}", d.day(), d.month(), d.year())
        }
        _ => "Strada Mărășești 7".into(),
    }
}
