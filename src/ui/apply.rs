//! View → properties: the session's derived [`View`] pushed into each page's
//! adapter global. One function per adapter; nothing here decides what shows,
//! the view already did.

use super::generated::*;
use crate::app::view::{OptionView, View};
use crate::i18n::{Lang, Texts};
use slint::{ComponentHandle, Model, ModelRc, SharedString, VecModel};

fn s(v: &str) -> SharedString {
    v.into()
}

/// Sets every adapter from `v`.
pub(super) fn apply(w: &AppWindow, v: &View, texts: &Texts) {
    app(w, v, texts);
    keyboard(w, v);
    w.global::<HomeAdapter>().set_notice(s(&v.home_notice));
    catalogue(w, v);
    form(w, v);
    identity(w, v);
    signature(w, v);
    review(w, v);
    super::documents::apply(w, v, texts);
    receipt(w, v);
    status(w, v, texts);
    staff(w, v, texts);
    let idle = w.global::<IdleAdapter>();
    idle.set_visible(v.idle_visible);
    idle.set_message(s(&v.idle_message));
}

fn app(w: &AppWindow, v: &View, texts: &Texts) {
    let a = w.global::<AppAdapter>();
    a.set_screen(s(v.screen.name()));
    a.set_lang(s(v.lang.code()));
    a.set_labels(labels(texts, v.lang));
    set_rows(
        a.get_languages(),
        v.languages
            .iter()
            .map(|(l, sel)| LangItem { code: s(l.code()), name: s(l.native_name()), selected: *sel })
            .collect(),
        |m| a.set_languages(m),
    );
    a.set_speech(v.speech);
    a.set_large_text(v.large_text);
    a.set_high_contrast(v.high_contrast);
    a.set_private_screen(v.private);
    w.global::<FocusAdapter>().set_id(s(&v.focus_id));
    let theme = w.global::<Theme>();
    theme.set_text_scale(if v.large_text { 1.5 } else { 1.0 });
    theme.set_high_contrast(v.high_contrast);
}

fn keyboard(w: &AppWindow, v: &View) {
    let k = w.global::<KeyboardAdapter>();
    set_rows(
        k.get_counties(),
        v.counties
            .iter()
            .map(|c| OptionItem { value: s(&c.value), label: s(&c.label), selected: c.selected })
            .collect(),
        |m| k.set_counties(m),
    );
    k.set_layout(s(v.keyboard));
    k.set_visible(v.keyboard_visible);
}

fn catalogue(w: &AppWindow, v: &View) {
    let c = w.global::<CatalogueAdapter>();
    set_rows(
        c.get_services(),
        v.services
            .iter()
            .map(|x| ServiceItem {
                id: s(&x.id),
                title: s(&x.title),
                description: s(&x.description),
                category: s(&x.category),
            })
            .collect(),
        |m| c.set_services(m),
    );
    set_rows(
        c.get_categories(),
        v.categories.iter().map(|x| OptionItem { value: s(&x.id), label: s(&x.title), selected: x.selected }).collect(),
        |m| c.set_categories(m),
    );
    c.set_category(s(v.categories.iter().find(|x| x.selected).map(|x| x.id.as_str()).unwrap_or("")));
    c.set_search(s(&v.search));
    c.set_search_focused(v.search_focused);
    c.set_empty(s(&v.catalogue_empty));
    c.set_forms_notice(s(&v.forms_notice));
}

fn form(w: &AppWindow, v: &View) {
    let f = w.global::<FormAdapter>();
    let current = f.get_fields();
    set_rows(
        f.get_fields(),
        v.fields
            .iter()
            .enumerate()
            .map(|(i, x)| FieldItem {
                id: s(&x.id),
                kind: s(x.kind),
                label: s(&x.label),
                help: s(&x.help),
                section: s(&x.section),
                value: s(&x.value),
                display: s(&x.display),
                // The same options model when its rows did not change, so an
                // unchanged field compares equal and is left alone.
                options: current
                    .row_data(i)
                    .map(|old| old.options)
                    .filter(|old| {
                        old.row_count() == x.options.len()
                            && old.iter().zip(&x.options).all(|(a, b)| {
                                a.value == b.value.as_str() && a.label == b.label.as_str() && a.selected == b.selected
                            })
                    })
                    .unwrap_or_else(|| options(&x.options)),
                error: s(&x.error),
                required: x.required,
                multiline: x.multiline,
                focused: x.focused,
            })
            .collect(),
        |m| f.set_fields(m),
    );
    f.set_title(s(&v.form_title));
    f.set_hint(s(&v.form_hint));
    f.set_deadline(s(&v.form_deadline));
    f.set_scan_state(s(v.scan_state));
    f.set_scan_message(s(&v.scan_message));
    f.set_missing(s(&v.missing));
}

fn identity(w: &AppWindow, v: &View) {
    let i = w.global::<IdentityAdapter>();
    i.set_name(s(&v.confirm_name));
    i.set_cnp(s(&v.confirm_cnp));
    i.set_nationality(s(&v.confirm_nationality));
    i.set_expiry(s(&v.confirm_expiry));
    i.set_warning(s(&v.confirm_warning));
}

fn signature(w: &AppWindow, v: &View) {
    let g = w.global::<SignatureAdapter>();
    g.set_field(s(&v.signing_id));
    g.set_label(s(&v.signing_label));
    g.set_value(s(&v.signing_value));
}

fn review(w: &AppWindow, v: &View) {
    let r = w.global::<ReviewAdapter>();
    // The review lists the form's own fields: the same model, not a copy.
    let fields = w.global::<FormAdapter>().get_fields();
    if r.get_fields() != fields {
        r.set_fields(fields);
    }
    r.set_form_title(s(&v.form_title));
    r.set_consent_text(s(&v.consent_text));
    r.set_consent(v.consent);
    r.set_can_submit(v.can_submit);
    r.set_submit_message(s(&v.submit_message));
    let d = &v.documents;
    r.set_has_documents(d.offered);
    r.set_documents_summary(s(format!("{} {}", d.summary, d.missing).trim()));
    r.set_documents_missing(!d.missing.is_empty());
}

fn receipt(w: &AppWindow, v: &View) {
    let r = w.global::<ReceiptAdapter>();
    r.set_code(s(&v.receipt_code));
    r.set_service(s(&v.receipt_service));
    r.set_deadline(s(&v.receipt_deadline));
    r.set_print(s(&v.receipt_print));
    r.set_print_failed(v.receipt_print_failed);
}

fn status(w: &AppWindow, v: &View, texts: &Texts) {
    let st = w.global::<StatusAdapter>();
    st.set_code(s(&v.status_input));
    st.set_code_focused(v.status_focused);
    st.set_message(s(&v.status_message));
    st.set_detail(s(&v.status_detail));
    st.set_kind(s(v.status_kind));
    st.set_history_title(s(&v.status_history_title));
    st.set_can_supplement(v.status_can_supplement);
    st.set_supplement_label(s(texts.get(v.lang, "status_add_supplement")));
    st.set_messages_title(s(&v.status_messages_title));
    let lines = |l: &[crate::app::status_lines::StatusLine]| -> Vec<StatusLine> {
        l.iter().map(|x| StatusLine { when: s(&x.when), text: s(&x.text), note: s(&x.note) }).collect()
    };
    set_rows(st.get_history(), lines(&v.status_history), |m| st.set_history(m));
    set_rows(st.get_messages(), lines(&v.status_messages), |m| st.set_messages(m));
}

fn staff(w: &AppWindow, v: &View, texts: &Texts) {
    let k = w.global::<StaffAdapter>();
    let st = &v.staff;
    k.set_labels(staff_labels(texts, v.lang));
    k.set_pin_mask(s(&st.pin_mask));
    k.set_message(s(&st.message));
    k.set_message_kind(s(st.message_kind));
    k.set_member(s(&st.member));
    k.set_printer(s(&st.printer));
    k.set_printer_ok(st.printer_ok);
    k.set_label_printer(s(&st.label_printer));
    k.set_queue(s(&st.queue));
    set_rows(
        k.get_recent(),
        st.recent.iter().map(|(code, detail)| RecentItem { code: s(code), detail: s(detail) }).collect(),
        |m| k.set_recent(m),
    );
    set_rows(
        k.get_selftest(),
        st.selftest.iter().map(|(ok, text)| CheckItem { ok: *ok, text: s(text) }).collect(),
        |m| k.set_selftest(m),
    );
    k.set_selftest_summary(s(&st.selftest_summary));
    k.set_label_number(s(&st.label_number));
    k.set_label_date(s(&st.label_date));
    k.set_number_focused(st.number_focused);
    k.set_date_focused(st.date_focused);
}

fn labels(texts: &Texts, lang: Lang) -> Labels {
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

fn staff_labels(texts: &Texts, lang: Lang) -> StaffLabels {
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

fn options(rows: &[OptionView]) -> ModelRc<OptionItem> {
    ModelRc::new(VecModel::from(
        rows.iter()
            .map(|o| OptionItem { value: s(&o.value), label: s(&o.label), selected: o.selected })
            .collect::<Vec<_>>(),
    ))
}

/// The receipt's QR code as an image (black modules on white, 4-module quiet zone).
pub(super) fn qr_image(url: &str) -> slint::Image {
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
