//! The keypad against the UI as drawn, on every citizen screen, with
//! headphones in (audio mode):
//!
//! - **Seen focus.** Each time the keypad moves the focus, the focus ring
//!   must show on screen and stand out, in both palettes (WCAG 2.4.13's
//!   measure: the pixels that change between the focused and the unfocused
//!   frame change by at least 3:1 over at least a 2 px band around the
//!   control; and on each of its four sides the ring has a pixel at 3:1 or
//!   more against what is just outside it).
//! - **Every drawn control is reached and announced.** Every button, checkbox
//!   and text field the Slint element tree draws (accessible role and label,
//!   read through the testing backend) must get the focus ring at some press
//!   of "next", and what is said then must name it (its label, or for an
//!   option its field's). A button added to a `.slint` page without keypad
//!   wiring is drawn but never ringed, and fails here.
//!
//! The on-screen keyboard is not checked: a keypad citizen types on the
//! keypad (multi-tap), and it stays closed for them. Slint's platform is
//! chosen once per process, hence one test.

mod common;
#[path = "a11y/drawn.rs"]
#[allow(dead_code)]
mod drawn;

use drawn::{contrast, Shot};
use ghiseu::config::Config;
use ghiseu::devices::keypad::SimulatedKeypad;
use ghiseu::devices::speech::Recorder;
use ghiseu::devices::Devices;
use ghiseu::i18n::Texts;
use ghiseu::keys::KeypadKey;
use ghiseu::ui::{AppAdapter, AppWindow, FocusAdapter, FormAdapter, Theme};
use ghiseu::walkthrough::Citizen;
use slint::ComponentHandle;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

type Rect = [f32; 4];

use drawn::DrawnControl as Drawn;

/// One press of "next": the focused id, the rings on screen, the controls
/// drawn, and the two frames (focused, and the same with no focus).
struct Step {
    id: String,
    rings: Vec<Rect>,
    controls: Vec<Drawn>,
    focused: Shot,
    unfocused: Shot,
}

fn look(w: &AppWindow) -> Step {
    let id = w.global::<FocusAdapter>().get_id().to_string();
    let rings = drawn::rings(w, w.global::<Theme>().get_focus_ring());
    let controls = drawn::controls(w);
    let focused = Shot::take(w);
    let f = w.global::<FocusAdapter>();
    f.set_id("".into());
    let unfocused = Shot::take(w);
    f.set_id(id.clone().into());
    Step { id, rings, controls, focused, unfocused }
}

/// The ring (drawn 7 px outside its control) that belongs to `r`.
fn rings_control(ring: &Rect, r: &Rect) -> bool {
    (0..4).all(|i| (ring[i] - (r[i] + if i < 2 { -7.0 } else { 7.0 })).abs() <= 1.5)
}

/// WCAG 2.4.13's measure of the ring `ring` around a control, and its contrast
/// with what is just outside it on each side. Problems as lines.
fn ring_problems(screen: &str, id: &str, s: &Step, ring: &Rect) -> Vec<String> {
    let mut problems = vec![];
    let (x0, y0, x1, y1) =
        (ring[0].round() as i32, ring[1].round() as i32, ring[2].round() as i32, ring[3].round() as i32);
    let mut changed = 0usize;
    for y in y0..y1 {
        for x in x0..x1 {
            if let (Some(a), Some(b)) = (s.focused.at(x, y), s.unfocused.at(x, y)) {
                if contrast(a, b) >= 3.0 {
                    changed += 1;
                }
            }
        }
    }
    // The control's perimeter (the ring is 7 px outside it), 2 px thick.
    let (cw, ch) = ((x1 - x0 - 14).max(0) as usize, (y1 - y0 - 14).max(0) as usize);
    // Rounded corners (radius 10 px) make the band a little shorter.
    let needed = (2.0 * (2.0 * (cw + ch) as f64 - (8.0 - 2.0 * std::f64::consts::PI) * 10.0)) as usize;
    if changed < needed {
        problems.push(format!(
            "{screen}: the focus ring of `{id}` changes {changed} px by 3:1 or more; a 2 px band around it is {needed} px"
        ));
    }
    let (mx, my) = ((x0 + x1) / 2, (y0 + y1) / 2);
    // For each side: the pixel 2 px outside the ring, and the ring's band inward.
    let sides: [(&str, (i32, i32), (i32, i32)); 4] = [
        ("top", (mx, y0), (0, 1)),
        ("bottom", (mx, y1 - 1), (0, -1)),
        ("left", (x0, my), (1, 0)),
        ("right", (x1 - 1, my), (-1, 0)),
    ];
    for (side, (ex, ey), (dx, dy)) in sides {
        let Some(outside) = s.focused.at(ex - 2 * dx, ey - 2 * dy) else {
            problems.push(format!("{screen}: the focus ring of `{id}` is cut off by the window's {side} edge"));
            continue;
        };
        let best = (0..7)
            .filter_map(|i| s.focused.at(ex + i * dx, ey + i * dy))
            .map(|c| contrast(c, outside))
            .fold(0.0f64, f64::max);
        if best < 3.0 {
            problems.push(format!(
                "{screen}: on its {side} side the focus ring of `{id}` is at most {best:.2}:1 against {outside:?} around it"
            ));
        }
    }
    problems
}

/// Walks the screen the kiosk shows with "next" once round, checking the
/// ring at each step and that every control drawn is ringed and announced.
fn walk(
    c: &Citizen,
    keypad: &SimulatedKeypad,
    ears: &Recorder,
    screen: &str,
    problems: &mut Vec<String>,
) -> anyhow::Result<usize> {
    let mut seen_ids: Vec<String> = vec![];
    // label + box → (ringed, announced by name)
    let mut drawn: BTreeMap<String, (Drawn, bool, bool)> = BTreeMap::new();
    // By name and column: a scrolled list draws the same control lower or higher.
    let key = |d: &Drawn| format!("{} ({}) @ x {:.0}", d.label, d.description, d.rect[0]);
    for _ in 0..120 {
        let before_id = c.on_ui(|w| w.global::<FocusAdapter>().get_id().to_string())?;
        let heard = ears.sentences().len();
        keypad.press(KeypadKey::Next);
        let start = Instant::now();
        loop {
            let now = c.on_ui(|w| w.global::<FocusAdapter>().get_id().to_string())?;
            if now != before_id && ears.sentences().len() > heard {
                break;
            }
            anyhow::ensure!(
                start.elapsed() < Duration::from_secs(10),
                "{screen}: `next` moved nothing from `{before_id}`"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        let said = ears.sentences()[heard..].join(" | ");
        let step = c.on_ui(look)?;
        if std::env::var("A11Y_DEBUG").is_ok() {
            eprintln!("DEBUG {screen}: {} rings {:?} said {said}", step.id, step.rings);
        }
        if seen_ids.first() == Some(&step.id) {
            break;
        }
        seen_ids.push(step.id.clone());
        for d in &step.controls {
            drawn.entry(key(d)).or_insert((d.clone(), false, false));
        }
        let mine: Vec<&Rect> =
            step.rings.iter().filter(|r| step.controls.iter().any(|d| rings_control(r, &d.rect))).collect();
        // A control to hear, not to press (the tracking code, the card's name): a ring of its own.
        if mine.is_empty() && step.rings.is_empty() {
            problems.push(format!("{screen}: the focus on `{}` shows no ring on screen", step.id));
        }
        for ring in &step.rings {
            problems.extend(ring_problems(screen, &step.id, &step, ring));
            for d in step.controls.iter().filter(|d| rings_control(ring, &d.rect)) {
                let named = (!d.label.is_empty() && said.contains(&d.label))
                    || (!d.description.is_empty() && said.contains(&d.description));
                let e = drawn.entry(key(d)).or_insert((d.clone(), false, false));
                e.1 = true;
                e.2 |= named;
            }
        }
    }
    for (k, (_, ringed, named)) in &drawn {
        if !ringed {
            problems.push(format!("{screen}: `{k}` is drawn but the keypad never reaches it"));
        } else if !named {
            problems.push(format!("{screen}: `{k}` is reached but not announced by its name"));
        }
    }
    Ok(drawn.len())
}

#[test]
fn the_keypad_reaches_every_drawn_control_with_a_ring_that_stands_out_in_both_palettes() {
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let cfg = Config::load(&common::write_config(dir.path(), "http://127.0.0.1:9")).unwrap();
    ghiseu::kiosk::use_headless_platform(false).unwrap();
    let keypad = Arc::new(SimulatedKeypad::default());
    let ears = Arc::new(Recorder::default());
    let devices = Devices { keypad: keypad.clone(), speaker: ears.clone(), ..Devices::from_config(&cfg.devices) };
    let kiosk = ghiseu::kiosk::build(&cfg, rt.handle().clone(), devices).unwrap();
    kiosk.ui.window.show().unwrap();

    let weak = kiosk.ui.window.as_weak();
    let result = ghiseu::walkthrough::beside_event_loop(move || -> anyhow::Result<(Vec<String>, usize)> {
        let mut c = Citizen::new(weak, Texts::builtin(), None);
        let mut problems = vec![];
        let mut controls = 0;
        keypad.plug(true);
        c.wait_for("audio mode", Duration::from_secs(5), |w| w.global::<AppAdapter>().get_speech())?;
        let no_keyboard = |c: &Citizen| c.on_ui(|w| w.global::<FormAdapter>().invoke_focus("".into()));
        let mut both = |c: &Citizen, screen: &str, problems: &mut Vec<String>| -> anyhow::Result<()> {
            for high in [false, true] {
                c.on_ui(move |w| {
                    let a = w.global::<AppAdapter>();
                    if a.get_high_contrast() != high {
                        a.invoke_toggle_contrast();
                    }
                })?;
                let name = format!("{screen}{}", if high { " [high contrast]" } else { "" });
                controls += walk(&c, &keypad, &ears, &name, problems)?;
            }
            Ok(())
        };
        both(&c, "home", &mut problems)?;
        c.tap("Depune o cerere")?;
        both(&c, "catalogue", &mut problems)?;
        c.open_service("Petiție")?;
        no_keyboard(&c)?;
        both(&c, "form", &mut problems)?;
        c.tap("Scanează actul de identitate")?;
        c.wait_for("the card read", Duration::from_secs(10), |w| {
            w.global::<FormAdapter>().get_scan_state() == "confirm"
        })?;
        both(&c, "identity", &mut problems)?;
        c.tap("Da, completează")?;
        c.fill_required()?;
        no_keyboard(&c)?;
        c.tap("Continuă")?;
        c.wait_for("the review", Duration::from_secs(5), |w| w.global::<AppAdapter>().get_screen() == "review")?;
        both(&c, "review", &mut problems)?;
        c.tap("Sunt de acord cu prelucrarea datelor mele personale")?;
        c.tap("Trimite solicitarea")?;
        c.wait_for("the receipt", Duration::from_secs(10), |w| w.global::<AppAdapter>().get_screen() == "receipt")?;
        both(&c, "receipt", &mut problems)?;
        c.tap("Verifică stadiul")?;
        no_keyboard(&c)?;
        both(&c, "status", &mut problems)?;
        Ok((problems, controls))
    });
    let (problems, controls) = result.expect("citizen thread").expect("keypad walk");
    kiosk.shutdown();
    println!("{controls} drawn controls checked");
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}
