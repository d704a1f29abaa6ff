//! The appliance's udev rules (`systemd/70-ghiseu.rules`) give the tactile
//! keypad and the headphone jack to the kiosk's unprivileged user: each
//! device below (as `udevadm info` shows it) is run through the rules by a
//! small evaluator of the rule language's subset they use (`==`, `!=` with
//! globs, `=`, `+=`, continuation lines, `GOTO`/`LABEL`), after a
//! technician's local rule where one is needed, and must come out with its
//! link, group and mode; and `ghiseu.service` must run in that group and
//! allow input devices. (Debian bookworm's udevadm has no `verify`; the
//! image's own udev applies these rules.)

mod common;

use std::collections::BTreeMap;

type Device = BTreeMap<String, String>;

/// One rule: its (key, operator, value) triples.
fn parse(text: &str) -> Vec<Vec<(String, String, String)>> {
    let joined = text.replace("\\\n", " ");
    let mut rules = vec![];
    for line in joined.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let mut rule = vec![];
        for part in line.split(", ").map(str::trim).filter(|p| !p.is_empty()) {
            let part = part.trim_end_matches(',');
            let (op_at, op) = ["==", "!=", "+=", "="]
                .iter()
                .filter_map(|op| part.find(op).map(|i| (i, *op)))
                .min_by_key(|(i, op)| (*i, std::cmp::Reverse(op.len())))
                .unwrap_or_else(|| panic!("no operator in `{part}`"));
            let key = part[..op_at].to_owned();
            let value = part[op_at + op.len()..].trim().trim_matches('"').to_owned();
            rule.push((key, op.to_owned(), value));
        }
        rules.push(rule);
    }
    rules
}

/// udev's glob: `*`, `?` and `|` alternatives.
fn glob(pattern: &str, s: &str) -> bool {
    fn m(p: &[char], s: &[char]) -> bool {
        match (p.first(), s.first()) {
            (None, None) => true,
            (Some('*'), _) => m(&p[1..], s) || (!s.is_empty() && m(p, &s[1..])),
            (Some('['), Some(c)) => {
                let end = p.iter().position(|&x| x == ']').expect("a closed [");
                let set = &p[1..end];
                let hit = set.windows(3).any(|w| w[1] == '-' && w[0] <= *c && *c <= w[2]) || set.contains(c);
                hit && m(&p[end + 1..], &s[1..])
            }
            (Some('?'), Some(_)) => m(&p[1..], &s[1..]),
            (Some(a), Some(b)) if a == b => m(&p[1..], &s[1..]),
            _ => false,
        }
    }
    pattern.split('|').any(|p| m(&p.chars().collect::<Vec<_>>(), &s.chars().collect::<Vec<_>>()))
}

/// Runs `dev` (an "add" event) through `rules`; returns its properties after.
fn apply(rules: &[Vec<(String, String, String)>], mut dev: Device) -> Device {
    let mut skip_to: Option<String> = None;
    for rule in rules {
        if let Some(label) = &skip_to {
            if rule.iter().any(|(k, _, v)| k == "LABEL" && v == label) {
                skip_to = None;
            }
            continue;
        }
        let matches = rule.iter().filter(|(_, op, _)| op == "==" || op == "!=").all(|(k, op, v)| {
            let have = dev.get(k).cloned().unwrap_or_default();
            (op == "==") == glob(v, &have)
        });
        if !matches {
            continue;
        }
        for (k, op, v) in rule.iter().filter(|(_, op, _)| op == "=" || op == "+=") {
            match (k.as_str(), op.as_str()) {
                ("GOTO", _) => skip_to = Some(v.clone()),
                (k, _) if k.starts_with("RUN") => {}
                ("SYMLINK", "+=") => {
                    let links = dev.entry("SYMLINK".into()).or_default();
                    *links = format!("{links} {v}").trim().to_owned();
                }
                (k, _) => {
                    dev.insert(k.to_owned(), v.clone());
                }
            }
        }
    }
    dev
}

fn device(props: &[(&str, &str)]) -> Device {
    let mut d: Device = props.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    d.entry("ACTION".into()).or_insert_with(|| "add".into());
    d
}

#[test]
fn the_keypad_and_the_headphone_jack_are_the_kiosk_users_to_read() {
    let shipped = std::fs::read_to_string(common::repo().join("systemd/70-ghiseu.rules")).unwrap();
    // The technician names the keypad model once, as the rules' header says for the scanner.
    let local = r#"SUBSYSTEM=="input", ENV{ID_VENDOR_ID}=="05a4", ENV{ID_MODEL_ID}=="9759", ENV{GHISEU_ROLE}="keypad""#;
    let rules = parse(&format!("{local}\n{shipped}"));
    let keypad = [("SUBSYSTEM", "input"), ("ENV{ID_VENDOR_ID}", "05a4"), ("ENV{ID_MODEL_ID}", "9759")];

    let mut event = keypad.to_vec();
    event.push(("KERNEL", "event7"));
    let got = apply(&rules, device(&event));
    assert_eq!(got.get("SYMLINK").map(String::as_str), Some("ghiseu/keypad"), "{got:?}");
    assert_eq!((got["GROUP"].as_str(), got["MODE"].as_str()), ("input", "0660"), "{got:?}");

    let mut parent = keypad.to_vec();
    parent.push(("KERNEL", "input12"));
    let got = apply(&rules, device(&parent));
    assert!(!got.contains_key("SYMLINK"), "only the event node is the keypad: {got:?}");

    let jack = |name: &str, switch: &str| {
        device(&[
            ("SUBSYSTEM", "input"),
            ("KERNEL", "event15"),
            ("SUBSYSTEMS", "sound"),
            ("ENV{ID_INPUT_SWITCH}", switch),
            ("ATTRS{name}", name),
        ])
    };
    let got = apply(&rules, jack("HDA Intel PCH Headphone", "1"));
    assert_eq!(got.get("SYMLINK").map(String::as_str), Some("ghiseu/jack"), "{got:?}");
    assert_eq!((got["GROUP"].as_str(), got["MODE"].as_str()), ("input", "0660"), "{got:?}");
    for (name, switch) in
        [("HDA Intel PCH Mic", "1"), ("HDA Intel PCH HDMI/DP,pcm=3", "1"), ("HDA Intel PCH Headphone", "")]
    {
        let got = apply(&rules, jack(name, switch));
        assert!(!got.contains_key("SYMLINK"), "`{name}` (switch `{switch}`) is not the headphone jack: {got:?}");
    }
    // An untagged keyboard at the panel gets nothing of the kiosk's.
    let got = apply(&rules, device(&[("SUBSYSTEM", "input"), ("KERNEL", "event3")]));
    assert!(!got.contains_key("SYMLINK") && !got.contains_key("GROUP"), "{got:?}");
    // Leaving is not a role: removal stops at once.
    let mut gone = event.clone();
    gone.push(("ACTION", "remove"));
    assert!(!apply(&rules, device(&gone)).contains_key("SYMLINK"));

    // The kiosk runs as ghiseu in group input, with input devices allowed.
    let unit = std::fs::read_to_string(common::repo().join("systemd/ghiseu.service")).unwrap();
    let groups = unit.lines().find_map(|l| l.strip_prefix("SupplementaryGroups=")).unwrap_or("");
    assert!(groups.split_whitespace().any(|g| g == "input"), "SupplementaryGroups={groups}");
    assert!(unit.lines().any(|l| l == "DeviceAllow=char-input rw"));
    assert!(unit.lines().any(|l| l == "User=ghiseu"));
}
