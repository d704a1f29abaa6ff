//! Every citizen screen as drawn, measured in each look: both palettes, both
//! text sizes, all three languages. For each look, every `Text` drawn is
//! checked against the pixels behind it (contrast) and against its own box
//! (no word broken inside, nothing cut off), and every control is checked for
//! its size and label; a screenshot of each screen at ×1.5 per language goes
//! to `target/tmp/screens/a11y-*` for a person to look at.

use super::drawn::{self, Shot};
use ghiseu::i18n::Lang;
use ghiseu::ui::{AppAdapter, AppWindow, IdleAdapter};
use ghiseu::walkthrough::Citizen;
use i_slint_backend_testing::ElementQuery;
use slint::ComponentHandle;
use std::collections::BTreeSet;

/// Standard palette: WCAG AA (4.5:1, large text 3:1). High contrast: AAA
/// (7:1, large text 4.5:1).
const STANDARD: (f64, f64) = (4.5, 3.0);
const HIGH: (f64, f64) = (7.0, 4.5);
/// At ×1.5 the smallest text: the theme's small size (18 px) ×1.5.
const SMALLEST_LARGE: f32 = 27.0;

#[derive(Default)]
pub struct Findings {
    pub problems: BTreeSet<String>,
    /// Texts measured, over all screens and looks.
    pub texts: usize,
    pub looks: usize,
}

/// Sets the palette, text size and language through the UI's own callbacks
/// (what the top bar's buttons call).
pub fn set_look(c: &Citizen, lang: Lang, high: bool, large: bool) -> anyhow::Result<()> {
    c.on_ui(move |w| {
        let a = w.global::<AppAdapter>();
        if a.get_lang() != lang.code() {
            a.invoke_set_language(lang.code().into());
        }
        if a.get_high_contrast() != high {
            a.invoke_toggle_contrast();
        }
        if a.get_large_text() != large {
            a.invoke_toggle_large_text();
        }
    })
}

/// Every interactive element drawn: at least 48×48 px and a label.
fn control_problems(w: &AppWindow, screen: &str) -> Vec<String> {
    let mut problems = vec![];
    let mut seen = 0;
    for e in ElementQuery::from_root(w).match_descendants().find_all() {
        if !ghiseu::walkthrough::is_control(&e) {
            continue;
        }
        let (label, size) = (e.accessible_label().map(|l| l.to_string()), e.size());
        // Collapsed controls (another field type's, a hidden row) take no room and no touch.
        if size.width == 0.0 || size.height == 0.0 {
            continue;
        }
        seen += 1;
        if size.width < 48.0 || size.height < 48.0 {
            problems.push(format!("{screen}: `{label:?}` is {}×{} px", size.width, size.height));
        }
        if label.as_deref().is_none_or(str::is_empty) {
            problems
                .push(format!("{screen}: an interactive element of {}×{} px has no label", size.width, size.height));
        }
    }
    if seen < 3 {
        problems.push(format!("{screen}: only {seen} interactive elements found"));
    }
    problems
}

/// Measures the screen the citizen is on in every look; `prepare` runs on
/// the UI thread after each change of look (an overlay the look's redraw
/// would otherwise clear). Leaves the standard look in Romanian.
pub fn measure(
    c: &mut Citizen,
    screen: &str,
    found: &mut Findings,
    prepare: impl Fn(&AppWindow) + Send + Clone + 'static,
) -> anyhow::Result<()> {
    for lang in Lang::ALL {
        for (high, large) in [(false, false), (true, false), (false, true), (true, true)] {
            set_look(c, lang, high, large)?;
            let name = format!(
                "{screen} [{}{}{}]",
                lang.code(),
                if high { ", high contrast" } else { "" },
                if large { ", ×1.5" } else { "" }
            );
            let p = prepare.clone();
            let (n, problems) = c.on_ui(move |w| {
                p(w);
                let texts = drawn::texts(w);
                let shot = Shot::take(w);
                let (normal, big) = if high { HIGH } else { STANDARD };
                let mut problems = drawn::contrast_problems(&name, &shot, &texts, normal, big);
                problems.extend(drawn::fit_problems(&name, &texts));
                if large {
                    problems.extend(drawn::growth_problems(&name, &texts, SMALLEST_LARGE));
                }
                problems.extend(control_problems(w, &name));
                (texts.len(), problems)
            })?;
            if n == 0 {
                found.problems.insert(format!("{screen}: no text drawn"));
            }
            found.texts += n;
            found.looks += 1;
            found.problems.extend(problems);
            if large && !high {
                c.screenshot(&format!("a11y-{screen}-{}-large", lang.code()))?;
            }
            if high && !large && lang == Lang::Ro {
                c.screenshot(&format!("a11y-{screen}-contrast"))?;
            }
        }
    }
    set_look(c, Lang::Ro, false, false)
}

/// The idle warning as drawn over the page (the session shows it after the
/// idle timeout; here it is shown for the measure only, and the next event's
/// redraw hides it again).
pub fn idle_overlay(w: &AppWindow) {
    let i = w.global::<IdleAdapter>();
    i.set_message("Sesiunea se încheie în 20 de secunde.".into());
    i.set_visible(true);
}
