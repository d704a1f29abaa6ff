//! `ghiseu forms check DIR`: lints a folder of form files the way a
//! municipality's editor needs it, each problem as `file:line: what`, e.g.
//! `forms/petitie.toml:14: field `cnp` has unknown type `cnpp``.
//!
//! The kiosk itself loads forms with the typed parser ([`super::Catalogue`]);
//! this walks the same files as plain TOML first so it can point at the line
//! and name the field, and then runs the typed parser as the final word.

use super::{DateBound, FieldDef, FieldKind, FormDef, Prefill};
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: PathBuf,
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file.display(), self.line, self.message)
    }
}

const FORM_KEYS: &[&str] = &[
    "id",
    "version",
    "category",
    "title",
    "description",
    "legal_basis",
    "deadline_days",
    "working_days",
    "deadline_note",
    "consent",
    "sections",
    "fields",
    "documents",
];
const REQUIRED_FORM_KEYS: &[&str] = &["id", "version", "category", "title", "legal_basis", "deadline_days", "fields"];
const FIELD_KEYS: &[&str] = &[
    "id",
    "type",
    "label",
    "help",
    "section",
    "required",
    "min_len",
    "max_len",
    "min",
    "max",
    "not_before",
    "not_after",
    "options",
    "show_if",
    "prefill",
];

const DOCUMENT_KEYS: &[&str] = &["id", "label", "help", "required", "max_pages"];

/// 1-based line of byte offset `at`.
fn line_of(text: &str, at: usize) -> usize {
    text[..at.min(text.len())].matches('\n').count() + 1
}

/// Line ranges (1-based, inclusive start) of each `[[fields]]` block.
fn field_blocks(text: &str) -> Vec<(usize, usize)> {
    blocks_of(text, "[[fields]]")
}

/// Line ranges (1-based, inclusive start) of each block opened by `header`.
fn blocks_of(text: &str, header: &str) -> Vec<(usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let starts: Vec<usize> = lines.iter().enumerate().filter(|(_, l)| l.trim() == header).map(|(i, _)| i + 1).collect();
    starts
        .iter()
        .enumerate()
        .map(|(n, &s)| {
            let end = starts.get(n + 1).map(|&e| e - 1).unwrap_or(lines.len());
            let end = (s..=end).find(|&i| lines.get(i).is_some_and(|l| l.trim_start().starts_with('['))).unwrap_or(end);
            (s, end)
        })
        .collect()
}

/// The line in `from..=to` where `key = …` is set, else `from`.
fn key_line(text: &str, key: &str, from: usize, to: usize) -> usize {
    text.lines()
        .enumerate()
        .skip(from.saturating_sub(1))
        .take(to + 1 - from.min(to + 1))
        .find(|(_, l)| l.trim_start().strip_prefix(key).is_some_and(|rest| rest.trim_start().starts_with('=')))
        .map(|(i, _)| i + 1)
        .unwrap_or(from)
}

/// A TOML syntax error in words a clerk understands (Romanian, then
/// English), on the line where the mistake is rather than where the parser
/// noticed it.
fn explain_toml(text: &str, e: &toml::de::Error) -> (usize, String) {
    let at = e.span().map(|s| line_of(text, s.start)).unwrap_or(1);
    let lines: Vec<&str> = text.lines().collect();
    let raw = e.message().trim().to_owned();
    // An unclosed quote: the parser reads on into later lines; the mistake is
    // the first line up to here whose quotes do not pair up.
    if let Some(i) = (0..at.min(lines.len())).find(|&i| unbalanced_quote(lines[i])) {
        return (
            i + 1,
            format!(
                "TOML greșit / not valid TOML: lipsesc ghilimelele de închidere: textul început pe acest rând \
                 trebuie să se termine cu \" / a closing quote is missing: the text started on this line must \
                 end with \" ({raw})"
            ),
        );
    }
    if raw.contains("duplicate key") {
        let key = lines
            .get(at.saturating_sub(1))
            .and_then(|l| l.split_once('='))
            .map(|(k, _)| k.trim().trim_matches('"').to_owned())
            .unwrap_or_default();
        let in_field = lines[..at.saturating_sub(1).min(lines.len())]
            .iter()
            .rev()
            .find(|l| l.trim_start().starts_with('['))
            .is_some_and(|l| l.trim() == "[[fields]]");
        let hint = if in_field && FIELD_KEYS.contains(&key.as_str()) {
            " Probabil lipsește un rând [[fields]] deasupra, care începe un câmp nou / \
             Probably a [[fields]] line is missing above it, to start a new field."
        } else {
            ""
        };
        return (
            at,
            format!(
                "TOML greșit / not valid TOML: cheia `{key}` apare de două ori în același loc / \
                 key `{key}` is set twice in the same place.{hint}"
            ),
        );
    }
    (at, format!("TOML greșit / not valid TOML: {raw}"))
}

/// Whether a line opens a `"…"` string it does not close (comments and
/// multi-line strings aside).
fn unbalanced_quote(line: &str) -> bool {
    if line.contains("\"\"\"") || line.contains("'''") {
        return false;
    }
    let (mut open, mut escaped) = (false, false);
    for c in line.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' if open => escaped = true,
            '"' => open = !open,
            '#' if !open => break,
            _ => {}
        }
    }
    open
}

/// Every problem in one form file's text, all in one pass: a clerk fixing
/// the file sees the whole list, not one kind of mistake at a time.
pub fn check_text(file: &Path, text: &str) -> Vec<Problem> {
    let mut out: Vec<Problem> = vec![];
    macro_rules! p {
        ($line:expr, $message:expr) => {
            out.push(Problem { file: file.to_owned(), line: $line, message: $message })
        };
    }
    let table: toml::Table = match toml::from_str(text) {
        Ok(t) => t,
        Err(e) => {
            let (line, message) = explain_toml(text, &e);
            p!(line, message);
            return out;
        }
    };
    let top_end = text.lines().position(|l| l.trim_start().starts_with('[')).unwrap_or(text.lines().count());
    for key in table.keys() {
        if !FORM_KEYS.contains(&key.as_str()) {
            p!(
                key_line(text, key, 1, top_end),
                format!("unknown key `{key}` (expected one of: {})", FORM_KEYS.join(", "))
            );
        }
    }
    for key in REQUIRED_FORM_KEYS {
        if !table.contains_key(*key) {
            p!(1, format!("missing key `{key}`"));
        }
    }
    if let Some(title) = table.get("title") {
        if title.get("ro").and_then(|v| v.as_str()).is_none_or(str::is_empty) {
            p!(key_line(text, "title", 1, top_end), "`title` needs a Romanian text (`ro = \"…\"`)".into());
        }
    }
    if let Some(category) = table.get("category").and_then(|c| c.as_str()) {
        if let Some(problem) = super::category_problem(category) {
            p!(key_line(text, "category", 1, top_end), problem);
        }
    }
    let fields = table.get("fields").and_then(|f| f.as_array()).cloned().unwrap_or_default();
    let blocks = field_blocks(text);
    let mut seen = std::collections::HashMap::new();
    // Each field that parses once what was reported is taken out, with its
    // index, for the rules across fields below.
    let mut parsed: Vec<(usize, toml::Table)> = vec![];
    for (i, field) in fields.iter().enumerate() {
        let (from, to) = blocks.get(i).copied().unwrap_or((1, text.lines().count()));
        let Some(f) = field.as_table() else {
            p!(from, format!("fields[{i}] is not a table"));
            continue;
        };
        let before = out.len();
        let mut clean = f.clone();
        let id = f.get("id").and_then(|v| v.as_str()).unwrap_or("").to_owned();
        let name = if id.is_empty() { format!("fields[{i}]") } else { format!("field `{id}`") };
        if id.is_empty() {
            p!(from, format!("{name} has no `id`"));
        } else if let Some(first) = seen.insert(id.clone(), from) {
            p!(key_line(text, "id", from, to), format!("{name} is defined twice (first at line {first})"));
        }
        for key in f.keys() {
            if !FIELD_KEYS.contains(&key.as_str()) {
                p!(
                    key_line(text, key, from, to),
                    format!("{name} has unknown key `{key}` (expected one of: {})", FIELD_KEYS.join(", "))
                );
                clean.remove(key);
            }
        }
        match f.get("type") {
            None => p!(from, format!("{name} has no `type`")),
            Some(t) => {
                if FieldKind::deserialize(t.clone()).is_err() {
                    let shown = t.as_str().map(str::to_owned).unwrap_or_else(|| t.to_string());
                    p!(
                        key_line(text, "type", from, to),
                        format!(
                            "{name} has unknown type `{shown}` (expected one of: {})",
                            super::FIELD_KINDS.join(", ")
                        )
                    );
                    clean.insert("type".into(), "text".into());
                }
            }
        }
        if let Some(pre) = f.get("prefill") {
            if Prefill::deserialize(pre.clone()).is_err() {
                p!(
                    key_line(text, "prefill", from, to),
                    format!("{name} has unknown prefill {pre} (expected surname, given-names or cnp)")
                );
                clean.remove("prefill");
            }
        }
        for key in ["not_before", "not_after"] {
            if let Some(v) = f.get(key) {
                let why = match v.as_str() {
                    None => Some(format!("{v} must be written in quotes")),
                    Some(s) => DateBound::try_from(s.to_owned()).err(),
                };
                if let Some(why) = why {
                    p!(key_line(text, key, from, to), format!("{name}: `{key}`: {why}"));
                    clean.remove(key);
                }
            }
        }
        if f.get("label").and_then(|l| l.get("ro")).and_then(|v| v.as_str()).is_none_or(str::is_empty) {
            p!(
                key_line(text, "label", from, to),
                format!("{name} needs a Romanian label (`label = {{ ro = \"…\" }}`)")
            );
        }
        let int = |k: &str| f.get(k).and_then(|v| v.as_integer());
        if let (Some(min), Some(max)) = (int("min_len"), int("max_len")) {
            if min > max {
                p!(key_line(text, "min_len", from, to), format!("{name}: min_len {min} is above max_len {max}"));
                clean.remove("max_len");
            }
        }
        match FieldDef::deserialize(toml::Value::Table(clean.clone())) {
            Ok(_) => parsed.push((i, clean)),
            // A value of the wrong kind (`required = "da"`), when nothing above explained it.
            Err(e) if out.len() == before => p!(from, format!("{name}: {}", e.message())),
            Err(_) => {}
        }
    }
    // Rules across fields (conditions, sections, options), on the fields that
    // parse, even while the file has other mistakes.
    let mut top = table.clone();
    top.retain(|k: &str, _| FORM_KEYS.contains(&k) && k != "fields");
    for (k, v) in [
        ("id", toml::Value::from("x")),
        ("version", 1.into()),
        ("legal_basis", "x".into()),
        ("deadline_days", 1.into()),
        ("category", "petitii".into()),
        ("title", toml::Value::Table(toml::toml! { ro = "x" })),
    ] {
        top.insert(k.into(), v);
    }
    top.insert("fields".into(), toml::Value::Array(parsed.iter().map(|(_, t)| t.clone().into()).collect()));
    if let Ok(form) = FormDef::deserialize(toml::Value::Table(top)) {
        for (f, (i, _)) in form.fields.iter().zip(&parsed) {
            let Some(&(from, to)) = blocks.get(*i) else { continue };
            if let Some(problem) = form.field_problem(f) {
                let key = ["show_if", "options", "section", "min_len", "min"]
                    .into_iter()
                    .find(|k| problem.contains(&format!("`{k}`")) || problem.starts_with(k))
                    .or_else(|| problem.contains("option").then_some("options"))
                    .unwrap_or("id");
                p!(key_line(text, key, from, to), format!("field `{}`: {problem}", f.id));
            }
        }
    }
    check_documents(text, &table, &mut out, file);
    // The typed parser is the final word: anything it refuses that the checks
    // above did not explain is still reported, with its own position.
    if out.is_empty() {
        let typed = toml::from_str::<FormDef>(text)
            .map_err(|e| (e.span().map(|s| line_of(text, s.start)).unwrap_or(1), e.message().to_owned()))
            .and_then(|f| f.check().map_err(|m| (1, m)));
        if let Err((line, message)) = typed {
            p!(line, message);
        }
    }
    out.sort_by_key(|p| p.line);
    out.dedup();
    out
}

/// The `[[documents]]` blocks: unknown keys, ids used twice, labels, page limits.
fn check_documents(text: &str, table: &toml::Table, out: &mut Vec<Problem>, file: &Path) {
    let docs = table.get("documents").and_then(|d| d.as_array()).cloned().unwrap_or_default();
    let blocks = blocks_of(text, "[[documents]]");
    let mut seen = std::collections::HashMap::new();
    for (i, doc) in docs.iter().enumerate() {
        let (from, to) = blocks.get(i).copied().unwrap_or((1, text.lines().count()));
        let mut p = |line, message| out.push(Problem { file: file.to_owned(), line, message });
        let Some(d) = doc.as_table() else {
            p(from, format!("documents[{i}] is not a table"));
            continue;
        };
        let id = d.get("id").and_then(|v| v.as_str()).unwrap_or("").to_owned();
        let name = if id.is_empty() { format!("documents[{i}]") } else { format!("document `{id}`") };
        if !id.is_empty() {
            if let Some(first) = seen.insert(id.clone(), from) {
                p(key_line(text, "id", from, to), format!("{name} is defined twice (first at line {first})"));
            }
        }
        let mut known = true;
        for key in d.keys() {
            if !DOCUMENT_KEYS.contains(&key.as_str()) {
                known = false;
                p(
                    key_line(text, key, from, to),
                    format!("{name} has unknown key `{key}` (expected one of: {})", DOCUMENT_KEYS.join(", ")),
                );
            }
        }
        if !known {
            continue;
        }
        match super::DocumentDef::deserialize(toml::Value::Table(d.clone())) {
            Ok(def) => {
                if let Some(problem) = def.problem() {
                    let key = if problem.contains("max_pages") {
                        "max_pages"
                    } else if problem.contains("label") {
                        "label"
                    } else {
                        "id"
                    };
                    p(key_line(text, key, from, to), problem);
                }
            }
            Err(e) => {
                let message = e.message().to_owned();
                let line = if message.contains("`label`") || message.contains("`ro`") {
                    key_line(text, "label", from, to)
                } else {
                    from
                };
                p(line, format!("{name}: {message}"));
            }
        }
    }
}

/// Every problem in the `*.toml` files of `dir`, including form ids used twice.
pub fn check_dir(dir: &Path) -> std::io::Result<(usize, Vec<Problem>)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    let mut problems = vec![];
    let mut ids: std::collections::HashMap<String, PathBuf> = Default::default();
    for file in &files {
        let text = std::fs::read_to_string(file)?;
        problems.extend(check_text(file, &text));
        if let Some(id) =
            toml::from_str::<toml::Table>(&text).ok().and_then(|t| t.get("id")?.as_str().map(str::to_owned))
        {
            if let Some(first) = ids.insert(id.clone(), file.clone()) {
                problems.push(Problem {
                    file: file.clone(),
                    line: key_line(&text, "id", 1, text.lines().count()),
                    message: format!("form id `{id}` is also used by {}", first.display()),
                });
            }
        }
    }
    Ok((files.len(), problems))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_forms_have_no_problems() {
        let (n, problems) = check_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("forms")).unwrap();
        assert_eq!(n, 6);
        assert!(problems.is_empty(), "{problems:?}");
    }

    #[test]
    fn an_unknown_type_is_named_with_its_field_and_line() {
        let text = include_str!("../../forms/petitie.toml").replace("type = \"cnp\"", "type = \"cnpp\"");
        let problems = check_text(Path::new("forms/petitie.toml"), &text);
        let line = text.lines().position(|l| l.contains("\"cnpp\"")).unwrap() + 1;
        assert_eq!(
            problems.iter().map(ToString::to_string).collect::<Vec<_>>(),
            [format!(
                "forms/petitie.toml:{line}: field `cnp` has unknown type `cnpp` (expected one of: text, textarea, \
                 email, phone, cnp, date, number, choice, multi-choice, county, yes-no, signature)"
            )]
        );
    }

    #[test]
    fn a_forgotten_fields_header_is_named_on_its_line() {
        let text = include_str!("../../forms/petitie.toml");
        // The second [[fields]] header left out: its keys land in the first field.
        let at = text.match_indices("[[fields]]").nth(1).unwrap().0;
        let broken = format!("{}{}", &text[..at], &text[at + "[[fields]]\n".len()..]);
        let problems = check_text(Path::new("p.toml"), &broken);
        assert_eq!(problems.len(), 1, "{problems:?}");
        let line = line_of(&broken, at);
        assert_eq!(problems[0].line, line, "{problems:?}");
        let m = &problems[0].message;
        assert!(m.starts_with("TOML greșit / not valid TOML: cheia `id` apare de două ori"), "{m}");
        assert!(m.contains("[[fields]]") && m.contains("key `id` is set twice"), "{m}");
    }

    #[test]
    fn a_missing_closing_quote_is_reported_on_its_own_line() {
        let text = "id = \"x\"\ntitle = { ro = \"Petiție }\nversion = 1\n\ncategory = \"petitii\"\n";
        let problems = check_text(Path::new("p.toml"), text);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].line, 2, "{problems:?}");
        assert!(problems[0].message.contains("lipsesc ghilimelele") && problems[0].message.contains("closing quote"));
    }

    #[test]
    fn every_kind_of_mistake_is_reported_in_one_pass() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/forms-broken/f-all-at-once.toml");
        let problems = check_text(&path, &std::fs::read_to_string(&path).unwrap());
        let lines: Vec<usize> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [6, 13, 19, 25], "{problems:#?}");
    }

    #[test]
    fn a_category_without_a_title_is_refused_by_the_kiosk_too() {
        let text =
            include_str!("../../forms/petitie.toml").replace("category = \"petitii\"", "category = \"adeverinte\"");
        let mut c = super::super::Catalogue::default();
        c.add(Path::new("p.toml"), &text);
        assert!(c.forms.is_empty());
        assert!(c.broken[0].message.contains("category `adeverinte`"), "{:?}", c.broken);
    }

    #[test]
    fn document_mistakes_are_named_with_their_lines() {
        let text = format!(
            "{}\n[[documents]]\nid = \"act\"\nlabel = {{ en = \"ID\" }}\n\n[[documents]]\nid = \"poze\"\n\
             label = {{ ro = \"Fotografii\" }}\nmax_pages = 0\n\n[[documents]]\nid = \"poze\"\n\
             label = {{ ro = \"Altele\" }}\n",
            include_str!("../../forms/petitie.toml").split("[[documents]]").next().unwrap().trim_end()
        );
        let problems = check_text(Path::new("p.toml"), &text);
        let at =
            |needle: &str, nth: usize| text.match_indices(needle).nth(nth).map(|(i, _)| line_of(&text, i)).unwrap();
        let got: Vec<(usize, &str)> = problems.iter().map(|p| (p.line, p.message.as_str())).collect();
        assert_eq!(got.len(), 3, "{got:#?}");
        assert_eq!(got[0].0, at("label = { en", 0), "{got:#?}");
        assert!(got[0].1.contains("document `act`") && got[0].1.contains("ro"), "{got:#?}");
        assert_eq!(got[1], (at("max_pages = 0", 0), "document `poze`: max_pages 0 must be between 1 and 20"));
        assert_eq!(got[2].0, at("id = \"poze\"", 1), "{got:#?}");
        assert!(got[2].1.contains("defined twice"), "{got:#?}");
    }

    #[test]
    fn a_condition_on_a_missing_field_is_named_with_its_line() {
        let text = include_str!("../../forms/informatii-544.toml")
            .replace("show_if = { field = \"raspuns\", equals = \"email\" }", "show_if = { field = \"raspunsul\" }");
        let problems = check_text(Path::new("f.toml"), &text);
        let line = text.lines().position(|l| l.contains("\"raspunsul\"")).unwrap() + 1;
        assert_eq!(
            problems.iter().map(ToString::to_string).collect::<Vec<_>>(),
            [format!("f.toml:{line}: field `email`: `show_if` names field `raspunsul`, which does not exist")]
        );
    }
}
