//! ICAO 9303 machine-readable zones: TD1 (3×30), TD2 (2×36), TD3 (2×44) and
//! the visa formats MRV-A (2×44) and MRV-B (2×36).
//!
//! Scanner output is noisy, so the input is normalised first (surrounding
//! white space, CR/LF variants, lower case). Numeric fields whose check digit
//! fails are retried with unambiguous OCR confusions (O→0, I→1, …) and the
//! correction is kept only when the check digit then holds. A field that
//! still fails is reported, never "fixed".
//!
//! The fields ICAO 9303 defines as letters only (issuing state, nationality,
//! names) have no check digit, so nothing proves an OCR slip there: a digit
//! in them makes the MRZ invalid, except for the usual confusions (0→O, 1→I,
//! 2→Z, 5→S, 6→G, 8→B) where the correction is unambiguous: a country code
//! that becomes exactly one known code (`countries`), a name whose words are
//! otherwise letters.
//!
//! Over 600 lines only through its table tests and fuzzing, kept beside the
//! parser they hold (the parser itself is about 400 lines).

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum MrzFormat {
    TD1,
    TD2,
    TD3,
    MRVA,
    MRVB,
}

/// The input does not have the shape of any MRZ.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a machine-readable zone: {0}")]
pub struct NotMrz(pub String);

/// A parsed MRZ. `valid` is true when every check digit holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mrz {
    pub valid: bool,
    pub format: MrzFormat,
    pub document_code: String,
    pub issuing_state: String,
    pub document_number: String,
    pub nationality: String,
    pub birth_date: Option<String>,
    pub expiry_date: Option<String>,
    pub sex: String,
    pub surname: String,
    pub given_names: String,
    pub cnp: Option<String>,
    pub errors: Vec<String>,
    #[serde(skip)]
    pub optional_data: String,
}

/// ICAO 9303 check digit: weights 7, 3, 1 over digits, letters A=10…Z=35, `<`=0.
pub fn check_digit(field: &str) -> u8 {
    let sum: u32 = field
        .bytes()
        .zip([7u32, 3, 1].iter().cycle())
        .map(|(c, w)| {
            let v = match c {
                b'0'..=b'9' => u32::from(c - b'0'),
                b'A'..=b'Z' => u32::from(c - b'A') + 10,
                _ => 0,
            };
            v * w
        })
        .sum();
    (sum % 10) as u8 + b'0'
}

fn normalise(input: &str) -> Vec<String> {
    input
        .split(['\n', '\r'])
        .map(|l| l.trim().replace(' ', "").to_ascii_uppercase())
        .filter(|l| !l.is_empty())
        .collect()
}

/// Parses MRZ lines. `Err` only when the input is not an MRZ at all; a zone
/// with failing check digits parses with `valid: false` and its reasons.
pub fn parse(input: &str) -> Result<Mrz, NotMrz> {
    let lines = normalise(input);
    if let Some(bad) = lines.iter().flat_map(|l| l.chars()).find(|c| !(c.is_ascii_alphanumeric() || *c == '<')) {
        return Err(NotMrz(format!("character `{bad}` cannot appear in an MRZ")));
    }
    let lens: Vec<usize> = lines.iter().map(String::len).collect();
    let l = |i: usize| lines[i].as_str();
    match lens.as_slice() {
        [30, 30, 30] => Ok(parse_td1(l(0), l(1), l(2))),
        [36, 36] if l(0).starts_with('V') => Ok(parse_two_line(l(0), l(1), MrzFormat::MRVB)),
        [36, 36] => Ok(parse_two_line(l(0), l(1), MrzFormat::TD2)),
        [44, 44] if l(0).starts_with('V') => Ok(parse_two_line(l(0), l(1), MrzFormat::MRVA)),
        [44, 44] => Ok(parse_two_line(l(0), l(1), MrzFormat::TD3)),
        [] => Err(NotMrz("no text".into())),
        other => Err(NotMrz(format!(
            "{} line(s) of {:?} characters; an MRZ has 3 of 30, 2 of 36 or 2 of 44",
            other.len(),
            other
        ))),
    }
}

/// Digits OCR engines confuse with letters; only used in numeric fields.
fn ocr_digit(c: char) -> char {
    match c {
        'O' | 'Q' | 'D' => '0',
        'I' | 'L' => '1',
        'Z' => '2',
        'S' => '5',
        'G' => '6',
        'B' => '8',
        other => other,
    }
}

/// Letters OCR engines read as digits: the reverse of `ocr_digit`, the
/// likeliest first. Empty for a digit no letter looks like.
fn ocr_letters(c: char) -> &'static [char] {
    match c {
        '0' => &['O', 'Q', 'D'],
        '1' => &['I', 'L'],
        '2' => &['Z'],
        '5' => &['S'],
        '6' => &['G'],
        '8' => &['B'],
        _ => &[],
    }
}

/// A country code field (issuing state, nationality: letters and `<` filler).
/// A digit is an OCR slip only when the code is mostly letters and exactly
/// one reading of it is a country code `known`; otherwise the field is
/// refused (a code of digits is never read as one: `680` is not `GBD`).
/// Returns the (corrected) field.
fn country_field(what: &str, field: &str, known: impl Fn(&str) -> bool, errors: &mut Vec<String>) -> String {
    if field.bytes().all(|c| c.is_ascii_uppercase() || c == b'<') {
        return field.to_owned();
    }
    let digits = field.bytes().filter(u8::is_ascii_digit).count();
    let letters = field.bytes().filter(u8::is_ascii_uppercase).count();
    if letters <= digits {
        errors.push(format!("{what}: `{field}` holds digits; a country code is letters only"));
        return field.to_owned();
    }
    let mut readings = vec![String::new()];
    for c in field.chars() {
        let options: Vec<char> = if c.is_ascii_digit() { ocr_letters(c).to_vec() } else { vec![c] };
        readings = readings.iter().flat_map(|r| options.iter().map(move |o| format!("{r}{o}"))).collect();
    }
    let mut candidates = readings.into_iter().filter(|r| known(r.trim_end_matches('<')));
    match (candidates.next(), candidates.next()) {
        (Some(code), None) => code,
        (Some(a), Some(b)) => {
            errors.push(format!(
                "{what}: `{field}` holds a digit; it could be `{}` or `{}`, a country code is letters only",
                a.trim_end_matches('<'),
                b.trim_end_matches('<')
            ));
            field.to_owned()
        }
        _ => {
            errors.push(format!("{what}: `{field}` holds a digit; a country code is letters only"));
            field.to_owned()
        }
    }
}

/// The name field (letters, `<` between words). A digit is read as the letter
/// it resembles only when its word is otherwise letters (more letters than
/// digits, every digit one a letter looks like); otherwise the field is refused.
fn name_field(field: &str, errors: &mut Vec<String>) -> String {
    if field.bytes().all(|c| c.is_ascii_uppercase() || c == b'<') {
        return field.to_owned();
    }
    let slip = |word: &str| {
        let digits = word.chars().filter(char::is_ascii_digit).count();
        let letters = word.chars().filter(char::is_ascii_uppercase).count();
        digits > 0 && (letters <= digits || word.chars().any(|c| c.is_ascii_digit() && ocr_letters(c).is_empty()))
    };
    if field.split('<').any(slip) {
        errors.push("names: digits in the name; a name is letters only".into());
        return field.to_owned();
    }
    field.chars().map(|c| if c.is_ascii_digit() { ocr_letters(c)[0] } else { c }).collect()
}

/// The letters-only fields of a zone, checked (and corrected) together.
fn letters_fields(state: &str, nationality: &str, names: &str, errors: &mut Vec<String>) -> (String, String, String) {
    let known = |code: &str| super::countries::is_known(code);
    (
        country_field("issuing state", state, known, errors),
        country_field("nationality", nationality, known, errors),
        name_field(names, errors),
    )
}

struct Checker {
    errors: Vec<String>,
}

impl Checker {
    /// Checks a numeric field against its check digit, trying OCR corrections
    /// of both when the plain check fails. Returns the (possibly corrected) field.
    fn numeric(&mut self, what: &str, field: &str, check: char) -> String {
        let fixed_check = ocr_digit(check);
        if check_digit(field) as char == check {
            return field.to_owned();
        }
        let fixed: String = field.chars().map(ocr_digit).collect();
        if fixed_check.is_ascii_digit() && check_digit(&fixed) as char == fixed_check {
            return fixed;
        }
        self.errors.push(format!("{what}: check digit does not match"));
        field.to_owned()
    }

    /// The document number and what is left of the optional data. On TD1 and
    /// TD2 a number longer than nine characters has `<` as its check digit and
    /// continues in the optional data up to the first `<`, its check digit last.
    fn document_number(&mut self, field: &str, check: char, optional: &str, may_continue: bool) -> (String, String) {
        if may_continue && check == '<' && !optional.starts_with('<') {
            let cont = optional.split('<').next().unwrap_or("");
            let (rest, check) = cont.split_at(cont.len().saturating_sub(1));
            let doc = format!("{}{}", field.trim_end_matches('<'), rest);
            self.alnum("document number", &doc, check.chars().next().unwrap_or('<'));
            (doc, optional[cont.len()..].to_owned())
        } else {
            self.alnum("document number", field, check);
            (field.to_owned(), optional.to_owned())
        }
    }

    fn alnum(&mut self, what: &str, field: &str, check: char) {
        if check_digit(field) as char != ocr_digit(check) {
            self.errors.push(format!("{what}: check digit does not match"));
        }
    }
}

fn unfill(s: &str) -> String {
    s.trim_end_matches('<').replace('<', " ").trim().to_owned()
}

fn names(field: &str) -> (String, String) {
    let field = field.trim_end_matches('<');
    let (sur, given) = field.split_once("<<").unwrap_or((field, ""));
    let words = |s: &str| s.split('<').filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ");
    (words(sur), words(given))
}

/// `YYMMDD` → `YYYY-MM-DD`. Birth dates take the latest century not in the
/// future; expiry dates are in this century.
fn date(yymmdd: &str, birth: bool, errors: &mut Vec<String>, what: &str) -> Option<String> {
    let n: Option<Vec<u32>> = [0..2, 2..4, 4..6].into_iter().map(|r| yymmdd.get(r)?.parse().ok()).collect();
    let Some([yy, mm, dd]) = n.as_deref().map(|v| [v[0], v[1], v[2]]) else {
        errors.push(format!("{what}: `{yymmdd}` is not a date"));
        return None;
    };
    let this_year = jiff::Zoned::now().year() as i32;
    let mut year = 2000 + yy as i32;
    if birth && year > this_year {
        year -= 100;
    }
    if !(1..=12).contains(&mm) || dd == 0 || dd > super::cnp::days_in_month(year, mm) {
        errors.push(format!("{what}: `{yymmdd}` is not a date"));
        return None;
    }
    Some(format!("{year:04}-{mm:02}-{dd:02}"))
}

fn sex(c: char) -> String {
    match c {
        'M' | 'F' => c.to_string(),
        _ => "X".into(),
    }
}

fn parse_td1(l1: &str, l2: &str, l3: &str) -> Mrz {
    let mut ck = Checker { errors: vec![] };
    let (doc, opt1) = ck.document_number(&l1[5..14], l1.as_bytes()[14] as char, &l1[15..30], true);
    let birth = ck.numeric("birth date", &l2[0..6], l2.as_bytes()[6] as char);
    let expiry = ck.numeric("expiry date", &l2[8..14], l2.as_bytes()[14] as char);
    let composite = format!("{}{}{}{}{}{}", &l1[5..30], &birth, &l2[6..7], &expiry, &l2[14..15], &l2[18..29]);
    ck.alnum("composite", &composite, l2.as_bytes()[29] as char);
    let (state, nationality, name) = letters_fields(&l1[2..5], &l2[15..18], l3, &mut ck.errors);
    let (surname, given_names) = names(&name);
    finish(
        MrzFormat::TD1,
        &l1[0..2],
        &state,
        unfill(&doc),
        &nationality,
        &birth,
        &expiry,
        l2.as_bytes()[7] as char,
        surname,
        given_names,
        format!("{}{}", unfill(&opt1), unfill(&l2[18..29])),
        ck.errors,
    )
}

fn parse_two_line(l1: &str, l2: &str, format: MrzFormat) -> Mrz {
    let mut ck = Checker { errors: vec![] };
    let len = l2.len();
    let visa = matches!(format, MrzFormat::MRVA | MrzFormat::MRVB);
    // TD2 and TD3 end in a composite check digit; visas do not.
    let opt_end = if visa { len } else { len - 1 };
    let (doc, mut opt) =
        ck.document_number(&l2[0..9], l2.as_bytes()[9] as char, &l2[28..opt_end], format == MrzFormat::TD2);
    let birth = ck.numeric("birth date", &l2[13..19], l2.as_bytes()[19] as char);
    let expiry = ck.numeric("expiry date", &l2[21..27], l2.as_bytes()[27] as char);
    if format == MrzFormat::TD3 {
        // Personal number with its own check digit (`<` allowed when empty).
        let pn = &l2[28..42];
        let c = l2.as_bytes()[42] as char;
        if !(c == '<' && pn.chars().all(|c| c == '<')) {
            ck.alnum("personal number", pn, c);
        }
        opt = pn.to_owned();
    }
    if !visa {
        let composite =
            format!("{}{}{}{}{}{}", &l2[0..10], &birth, &l2[19..20], &expiry, &l2[27..28], &l2[28..len - 1]);
        ck.alnum("composite", &composite, l2.as_bytes()[len - 1] as char);
    }
    let (state, nationality, name) = letters_fields(&l1[2..5], &l2[10..13], &l1[5..], &mut ck.errors);
    let (surname, given_names) = names(&name);
    finish(
        format,
        &l1[0..2],
        &state,
        unfill(&doc),
        &nationality,
        &birth,
        &expiry,
        l2.as_bytes()[20] as char,
        surname,
        given_names,
        opt,
        ck.errors,
    )
}

#[allow(clippy::too_many_arguments)]
fn finish(
    format: MrzFormat,
    code: &str,
    state: &str,
    document_number: String,
    nationality: &str,
    birth: &str,
    expiry: &str,
    sex_char: char,
    surname: String,
    given_names: String,
    optional_data: String,
    mut errors: Vec<String>,
) -> Mrz {
    let birth_date = date(birth, true, &mut errors, "birth date");
    let expiry_date = date(expiry, false, &mut errors, "expiry date");
    let valid = errors.is_empty();
    let mut mrz = Mrz {
        valid,
        format,
        document_code: code.trim_end_matches('<').to_owned(),
        issuing_state: state.trim_end_matches('<').to_owned(),
        document_number,
        nationality: nationality.trim_end_matches('<').to_owned(),
        birth_date,
        expiry_date,
        sex: sex(sex_char),
        surname,
        given_names,
        cnp: None,
        errors,
        optional_data,
    };
    romanian_cnp(&mut mrz, birth);
    mrz
}

/// Romanian documents carry the CNP: the old identity card (TD2, `ID`/`ROU`)
/// splits it around the birth date (optional[0] + YYMMDD + optional[1..7]);
/// passports and electronic cards hold it whole in the personal number.
fn romanian_cnp(m: &mut Mrz, birth_yymmdd: &str) {
    if m.issuing_state != "ROU" {
        return;
    }
    let opt: String = m.optional_data.chars().filter(|c| *c != '<').collect();
    let candidate = if m.format == MrzFormat::TD2 && m.document_code.starts_with('I') && opt.len() >= 7 {
        format!("{}{}{}", &opt[0..1], birth_yymmdd, &opt[1..7])
    } else if opt.len() == 13 {
        opt
    } else {
        return;
    };
    match super::cnp::validate(&candidate) {
        Ok(c) => {
            // The CNP knows the century; prefer it over the MRZ's guess.
            if let (Some(y), Some(_)) = (c.birth_year, &m.birth_date) {
                m.birth_date = Some(format!("{y:04}-{:02}-{:02}", c.birth_month, c.birth_day));
            }
            m.cnp = Some(candidate);
        }
        Err(e) => m.errors.push(format!("personal numeric code (CNP) from the document is not valid: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Completes a line by replacing each `#` with the check digit of the
    /// characters since the previous `#` boundary given in `spans`.
    fn td2(doc: &str, birth: &str, expiry: &str, opt: &str, sex: char) -> String {
        let doc9 = format!("{doc:<<9}");
        let opt7 = format!("{opt:<<7}");
        let d = check_digit(&doc9) as char;
        let b = check_digit(birth) as char;
        let e = check_digit(expiry) as char;
        let composite = format!("{doc9}{d}{birth}{b}{expiry}{e}{opt7}");
        let c = check_digit(&composite) as char;
        format!("{doc9}{d}ROU{birth}{b}{sex}{expiry}{e}{opt7}{c}")
    }

    fn romanian_id() -> String {
        // CNP 2850509204996 split: "2" + 850509 + "204996"
        let cnp = "285050920499";
        let full = format!("{cnp}{}", crate::identity::cnp::check_digit(cnp.as_bytes()));
        let opt = format!("{}{}", &full[0..1], &full[7..13]);
        format!("IDROUPOPESCU<<MARIA<ELENA<<<<<<<<<<<\n{}", td2("RX123456", "850509", "300509", &opt, 'F'))
    }

    #[test]
    fn the_builtin_simulator_card_is_a_valid_romanian_id() {
        let lines = crate::identity::SPECIMEN_TD2.join("\n");
        let m = parse(&lines).unwrap();
        assert!(m.valid, "{:?}", m.errors);
        assert_eq!(m.cnp.as_deref(), Some("2850509204996"));
    }

    #[test]
    fn romanian_identity_card_rebuilds_the_cnp() {
        let m = parse(&romanian_id()).unwrap();
        assert!(m.valid, "{:?}", m.errors);
        assert_eq!(m.format, MrzFormat::TD2);
        assert_eq!(m.document_code, "ID");
        assert_eq!(m.document_number, "RX123456");
        assert_eq!(m.surname, "POPESCU");
        assert_eq!(m.given_names, "MARIA ELENA");
        assert_eq!(m.birth_date.as_deref(), Some("1985-05-09"));
        assert_eq!(m.expiry_date.as_deref(), Some("2030-05-09"));
        assert_eq!(m.sex, "F");
        let cnp = m.cnp.unwrap();
        assert_eq!(&cnp[1..7], "850509");
        assert!(crate::identity::cnp::validate(&cnp).is_ok());
    }

    #[test]
    fn noisy_scanner_text_is_tolerated() {
        let noisy = format!("  {}\r\n\r\n", romanian_id().to_lowercase().replace('\n', "\r\n  "));
        let m = parse(&noisy).unwrap();
        assert!(m.valid, "{:?}", m.errors);
    }

    #[test]
    fn ocr_confusions_are_corrected_only_when_the_check_digit_then_holds() {
        let good = romanian_id();
        // Birth date 850509 read as 85O5O9: corrected.
        let ocr = good.replacen("ROU850509", "ROU85O5O9", 1);
        let m = parse(&ocr).unwrap();
        assert!(m.valid, "{:?}", m.errors);
        assert_eq!(m.birth_date.as_deref(), Some("1985-05-09"));
        // A wrong digit is not "corrected".
        let wrong = good.replacen("ROU850509", "ROU850519", 1);
        let m = parse(&wrong).unwrap();
        assert!(!m.valid);
        assert!(m.errors.iter().any(|e| e.contains("birth date")), "{:?}", m.errors);
    }

    #[test]
    fn icao_td3_specimen_passport() {
        let m = parse("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10")
            .unwrap();
        assert!(m.valid, "{:?}", m.errors);
        assert_eq!(m.format, MrzFormat::TD3);
        assert_eq!(m.surname, "ERIKSSON");
        assert_eq!(m.given_names, "ANNA MARIA");
        assert_eq!(m.birth_date.as_deref(), Some("1974-08-12"));
        assert_eq!(m.expiry_date.as_deref(), Some("2012-04-15"));
        assert_eq!(m.cnp, None);
    }

    #[test]
    fn icao_td1_specimen_with_long_document_number() {
        let m = parse("I<UTOD23145890<7349<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<")
            .unwrap();
        assert!(m.valid, "{:?}", m.errors);
        assert_eq!(m.format, MrzFormat::TD1);
        assert_eq!(m.document_number, "D23145890734");
    }

    #[test]
    fn not_an_mrz_is_told_apart_from_an_invalid_one() {
        assert!(parse("hello world").is_err());
        assert!(parse("").is_err());
        assert!(parse("IDROU{}").is_err());
        let broken = romanian_id().replacen("RX123456", "RX123457", 1);
        let m = parse(&broken).unwrap();
        assert!(!m.valid);
    }

    fn td3(
        code: &str,
        state: &str,
        names: &str,
        doc: &str,
        nat: &str,
        birth: &str,
        sex: char,
        expiry: &str,
        pn: &str,
    ) -> String {
        let l1 = format!("{code:<<2}{state:<<3}{names:<<39}");
        let doc9 = format!("{doc:<<9}");
        let pn14 = format!("{pn:<<14}");
        let (d, b, e) = (check_digit(&doc9) as char, check_digit(birth) as char, check_digit(expiry) as char);
        let p = if pn.is_empty() { '<' } else { check_digit(&pn14) as char };
        let composite = format!("{doc9}{d}{birth}{b}{expiry}{e}{pn14}{p}");
        let c = check_digit(&composite) as char;
        format!("{l1}\n{doc9}{d}{nat:<<3}{birth}{b}{sex}{expiry}{e}{pn14}{p}{c}")
    }

    #[test]
    fn romanian_passport_carries_the_cnp_as_personal_number() {
        let cnp = format!("190010140001{}", crate::identity::cnp::check_digit(b"190010140001"));
        let m = parse(&td3("P", "ROU", "IONESCU<<ANDREI", "051234567", "ROU", "900101", 'M', "310101", &cnp)).unwrap();
        assert!(m.valid, "{:?}", m.errors);
        assert_eq!(m.cnp, Some(cnp));
        assert_eq!(m.birth_date.as_deref(), Some("1990-01-01"));
    }

    #[test]
    fn romanian_electronic_card_td1_carries_the_cnp_in_the_optional_data() {
        let cnp = "2850509204996";
        let doc = "RX1234567";
        let l1 = format!("IDROU{doc}{}{cnp}<<", check_digit(doc) as char);
        let (birth, expiry) = ("850509", "300509");
        let l2 = format!(
            "{birth}{}F{expiry}{}ROU{}",
            check_digit(birth) as char,
            check_digit(expiry) as char,
            "<".repeat(11)
        );
        let composite = format!("{}{}{}{}", &l1[5..30], &l2[0..7], &l2[8..15], &l2[18..29]);
        let l2 = format!("{l2}{}", check_digit(&composite) as char);
        let m = parse(&format!("{l1}\n{l2}\n{:<<30}", "POPESCU<<MARIA<ELENA")).unwrap();
        assert!(m.valid, "{:?}", m.errors);
        assert_eq!(m.format, MrzFormat::TD1);
        assert_eq!(m.cnp.as_deref(), Some(cnp));
        assert_eq!(m.document_number, doc);
    }

    #[test]
    fn a_valid_card_with_an_invalid_cnp_keeps_the_identity_and_notes_it() {
        // Optional data that rebuilds to a CNP with a wrong check digit.
        let good = crate::identity::cnp::check_digit(b"285050920499");
        let wrong = format!("220499{}", (good + 1) % 10);
        let bad = format!("{:<<36}\n{}", "IDROUPOPESCU<<MARIA", td2("RX123456", "850509", "300509", &wrong, 'F'));
        let m = parse(&bad).unwrap();
        assert!(m.valid, "the MRZ itself is valid: {:?}", m.errors);
        assert_eq!(m.cnp, None);
        assert!(m.errors.iter().any(|e| e.contains("CNP")), "{:?}", m.errors);
        assert_eq!(m.surname, "POPESCU");
    }

    #[test]
    fn visas_and_german_issuing_state_filler() {
        for (len, format) in [(44, MrzFormat::MRVA), (36, MrzFormat::MRVB)] {
            let (doc, birth, expiry) = ("L8988901C", "400907", "961210");
            let l1 = format!("{:<<len$}", "V<UTOERIKSSON<<ANNA<MARIA");
            let l2 = format!(
                "{doc}{}XXX{birth}{}F{expiry}{}",
                check_digit(doc) as char,
                check_digit(birth) as char,
                check_digit(expiry) as char
            );
            let m = parse(&format!("{l1}\n{l2:<<len$}")).unwrap();
            assert_eq!(m.format, format);
            assert!(m.valid, "{format:?}: {:?}", m.errors);
            assert_eq!(m.nationality, "XXX");
        }
        let d = td3("P", "D", "MUSTERMANN<<ERIKA", "C01X00T47", "D", "640812", 'F', "270101", "");
        let m = parse(&d).unwrap();
        assert!(m.valid, "{:?}", m.errors);
        assert_eq!((m.issuing_state.as_str(), m.nationality.as_str()), ("D", "D"));
        assert_eq!(m.given_names, "ERIKA");
    }

    /// Letters-only fields (issuing state, nationality, names): digits make
    /// the zone invalid unless they are an unambiguous OCR slip.
    #[test]
    fn letters_only_fields_refuse_digits_and_fix_only_unambiguous_ocr_slips() {
        // (issuing state, nationality, names) → Ok((state, nationality, surname, given)) or Err(what the error names)
        type Want = Result<(&'static str, &'static str, &'static str, &'static str), &'static str>;
        let cases: &[(&str, &str, &str, Want)] = &[
            ("UTO", "UTO", "ERIKSSON<<ANNA<MARIA", Ok(("UTO", "UTO", "ERIKSSON", "ANNA MARIA"))),
            // A nationality of digits: no country code reads that way.
            ("UTO", "123", "ERIKSSON<<ANNA", Err("nationality")),
            ("UTO", "000", "ERIKSSON<<ANNA", Err("nationality")),
            ("999", "UTO", "ERIKSSON<<ANNA", Err("issuing state")),
            // O read as 0, B as 8, I as 1: exactly one known code reads that way.
            ("ROU", "R0U", "POPESCU<<ANA", Ok(("ROU", "ROU", "POPESCU", "ANA"))),
            ("R0U", "ROU", "POPESCU<<ANA", Ok(("ROU", "ROU", "POPESCU", "ANA"))),
            ("G8R", "G8R", "SMITH<<JOHN", Ok(("GBR", "GBR", "SMITH", "JOHN"))),
            ("1TA", "1TA", "ROSSI<<MARIO", Ok(("ITA", "ITA", "ROSSI", "MARIO"))),
            ("HUN", "HU8", "NAGY<<ANNA", Err("nationality")),
            // Mostly digits is no slip, even when a reading is a code (GBD, D).
            ("UTO", "680", "SMITH<<JOHN", Err("nationality")),
            ("0<<", "D<<", "MUSTERMANN<<ERIKA", Err("issuing state")),
            // A reading that is no country code we know is refused, not guessed.
            ("UTO", "X0X", "ERIKSSON<<ANNA", Err("nationality")),
            ("UTO", "RO7", "ERIKSSON<<ANNA", Err("nationality")),
            // Names: a slip inside an otherwise lettered word is read as its letter.
            ("ROU", "ROU", "P0PESCU<<MAR1A<ELENA", Ok(("ROU", "ROU", "POPESCU", "MARIA ELENA"))),
            ("ROU", "ROU", "5TAN<<6EORGE", Ok(("ROU", "ROU", "STAN", "GEORGE"))),
            // A digit no letter resembles, or a word that is mostly digits: refused.
            ("ROU", "ROU", "POPESCU<<MARIA7", Err("names")),
            ("ROU", "ROU", "POPESCU<<12345", Err("names")),
            ("ROU", "ROU", "POPESCU<<A1", Err("names")),
        ];
        for (state, nat, names, want) in cases {
            let input = td3("P", state, names, "L898902C3", nat, "740812", 'F', "300415", "");
            let m = parse(&input).unwrap();
            match want {
                Ok((s, n, sur, given)) => {
                    assert!(m.valid, "{state} {nat} {names}: {:?}", m.errors);
                    assert_eq!(
                        (m.issuing_state.as_str(), m.nationality.as_str(), m.surname.as_str(), m.given_names.as_str()),
                        (*s, *n, *sur, *given),
                        "{state} {nat} {names}"
                    );
                }
                Err(what) => {
                    assert!(!m.valid, "{state} {nat} {names} accepted as {m:?}");
                    assert!(m.errors.iter().any(|e| e.starts_with(what)), "{state} {nat} {names}: {:?}", m.errors);
                }
            }
        }
        // The same holds on TD1 and TD2, whose zones place the fields elsewhere.
        let td1 = "I<UTOD23145890<7349<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<";
        for (from, to) in [("159UTO", "159U70"), ("I<UTO", "I<U7O"), ("ERIKSSON", "ERIKSS99")] {
            let m = parse(&td1.replacen(from, to, 1)).unwrap();
            assert!(!m.valid, "TD1 with {to}: {m:?}");
        }
        let m = parse(&td1.replacen("ERIKSSON", "ERIK5SON", 1)).unwrap();
        assert!(m.valid, "{:?}", m.errors);
        assert_eq!(m.surname, "ERIKSSON");
        let m = parse(&romanian_id().replacen("ROU", "R0U", 1)).unwrap();
        assert!(m.valid, "{:?}", m.errors);
        assert_eq!(m.issuing_state, "ROU");
        assert!(m.cnp.is_some(), "the corrected state still finds the Romanian CNP");
        let m = parse(&romanian_id().replacen("ROU850509", "123850509", 1)).unwrap();
        assert!(!m.valid);
    }

    #[test]
    fn a_digit_that_reads_as_two_known_codes_is_refused() {
        let known = |c: &str| ["IRL", "LRL"].contains(&c);
        let mut errors = vec![];
        assert_eq!(country_field("nationality", "1RL", known, &mut errors), "1RL");
        assert!(errors[0].contains("`IRL` or `LRL`"), "{errors:?}");
        let mut errors = vec![];
        assert_eq!(country_field("nationality", "IR1", |c: &str| c == "IRL", &mut errors), "IRL");
        assert!(errors.is_empty());
    }

    mod fuzz {
        use super::super::*;
        use proptest::prelude::*;

        fn mrz_line(len: usize) -> impl Strategy<Value = String> {
            const CHARS: &[u8] = b"<<<<0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
            proptest::collection::vec(proptest::sample::select(CHARS), len)
                .prop_map(|v| v.into_iter().map(char::from).collect())
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

            /// A zone whose check digits all hold, with anything in its
            /// letters-only fields: valid only with letters there, and
            /// plain letters are never "corrected".
            #[test]
            fn letters_only_fields_never_come_out_with_digits(
                state in "[A-Z0-9<]{3}", nat in "[A-Z0-9<]{3}", names in "[A-Z0-9<]{1,39}",
            ) {
                let input = super::td3("P", &state, &names, "L898902C3", &nat, "740812", 'F', "300415", "");
                let m = parse(&input).unwrap();
                let fields = [&m.issuing_state, &m.nationality, &m.surname, &m.given_names];
                if m.valid {
                    for f in fields {
                        prop_assert!(!f.bytes().any(|c| c.is_ascii_digit()), "{:?} in {:?}", f, m);
                    }
                }
                let unreadable = |f: &str| f.bytes().any(|c| b"3479".contains(&c));
                if unreadable(&state) || unreadable(&nat) || unreadable(&names) {
                    prop_assert!(!m.valid, "accepted {:?}", input);
                }
                let letters = |f: &str| f.bytes().all(|c| c.is_ascii_uppercase() || c == b'<');
                if letters(&state) && letters(&nat) && letters(&names) {
                    prop_assert!(m.valid, "{:?}: {:?}", input, m.errors);
                    prop_assert_eq!(m.issuing_state.as_str(), state.trim_end_matches('<'));
                    prop_assert_eq!(m.nationality.as_str(), nat.trim_end_matches('<'));
                }
                if nat.bytes().all(|c| c.is_ascii_digit()) {
                    prop_assert!(!m.valid, "a nationality of digits: {:?}", m);
                }
            }

            #[test]
            fn any_text_parses_or_is_refused_without_panic(s in "\\PC{0,200}") {
                let _ = parse(&s);
            }

            #[test]
            fn any_mrz_shaped_input_parses_without_panic(
                a in mrz_line(30), b in mrz_line(30), c in mrz_line(30),
                d in mrz_line(36), e in mrz_line(36), f in mrz_line(44), g in mrz_line(44),
            ) {
                let inputs = [
                    format!("{a}\n{b}\n{c}"),
                    format!("{d}\n{e}"),
                    format!("{f}\n{g}"),
                    format!("V{}\n{g}", &f[1..]),
                    format!("I{}\n{b}\n{c}", &a[1..]),
                ];
                for input in inputs {
                    let parsed = parse(&input);
                    prop_assert!(parsed.is_ok(), "refused {:?}", input);
                }
            }
        }
    }
}
