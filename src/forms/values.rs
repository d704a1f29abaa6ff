//! Values as a citizen types them and as they are stored: dates
//! (`ZZ.LL.AAAA` ↔ `YYYY-MM-DD`), numbers with a decimal comma, e-mail
//! addresses and phone numbers. Pure; knows nothing of forms.

use jiff::civil::Date;

/// `local@domain.tld`, one `@`, no spaces, a dot in the domain.
pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else { return false };
    !local.is_empty()
        && !domain.contains('@')
        && !s.chars().any(char::is_whitespace)
        && domain.split('.').count() >= 2
        && domain.split('.').all(|p| !p.is_empty() && p.chars().all(|c| c.is_alphanumeric() || c == '-'))
}

/// Romanian numbers (`07xx xxx xxx`, `02xx…`/`03xx…` landlines, `+40…`/`0040…`)
/// and international ones in E.164 form (`+` and 8–15 digits).
pub fn is_phone(s: &str) -> bool {
    let compact: String = s.chars().filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')')).collect();
    let digits = |t: &str| !t.is_empty() && t.chars().all(|c| c.is_ascii_digit());
    if let Some(rest) = compact.strip_prefix("+40").or_else(|| compact.strip_prefix("0040")) {
        return digits(rest) && rest.len() == 9 && matches!(rest.as_bytes()[0], b'2' | b'3' | b'7');
    }
    if let Some(rest) = compact.strip_prefix('+') {
        return digits(rest) && (8..=15).contains(&rest.len());
    }
    digits(&compact)
        && compact.len() == 10
        && compact.starts_with('0')
        && matches!(compact.as_bytes()[1], b'2' | b'3' | b'7')
}

/// `DD.MM.YYYY`.
pub fn dmy(d: Date) -> String {
    format!("{:02}.{:02}.{}", d.day(), d.month(), d.year())
}

/// A date as the citizen writes it (`ZZ.LL.AAAA`, also with `/` or `-`) or
/// as it is stored (`YYYY-MM-DD`). `Err(true)` when well written but no such day.
pub fn read_date(s: &str) -> Result<Date, bool> {
    let s = s.trim();
    if let Ok(d) = s.parse::<Date>() {
        return Ok(d);
    }
    let parts: Vec<&str> = s.split(['.', '/', '-']).collect();
    let [d, m, y] = parts[..] else { return Err(false) };
    let digits =
        |t: &str, n: std::ops::RangeInclusive<usize>| n.contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit());
    if !(digits(d, 1..=2) && digits(m, 1..=2) && digits(y, 4..=4)) {
        return Err(false);
    }
    let (d, m, y): (i8, i8, i16) = (d.parse().unwrap(), m.parse().unwrap(), y.parse().unwrap());
    Date::new(y, m, d).map_err(|_| true)
}

/// A stored or written date, if it is one.
pub fn parse_date(s: &str) -> Option<Date> {
    read_date(s).ok()
}

/// A number as written on a Romanian keyboard: `12`, `12,5` or `12.5`.
pub fn parse_number(s: &str) -> Option<f64> {
    let t = s.trim().replace(',', ".");
    if t.is_empty() || !t.chars().all(|c| c.is_ascii_digit() || c == '.' || c == '-') {
        return None;
    }
    t.parse::<f64>().ok().filter(|n| n.is_finite())
}
