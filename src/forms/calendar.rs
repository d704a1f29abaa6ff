//! Romania's public holidays (Codul muncii, art. 139), for legal terms
//! counted in working days: a working day is Monday to Friday and not one of
//! them. Pure; the Orthodox feasts come from the Julian computus.

use jiff::civil::{Date, Weekday};

/// Orthodox Easter Sunday of `year` in the Gregorian calendar (Meeus'
/// Julian algorithm, then the 13 days between the calendars, right for
/// 1900–2099).
pub fn orthodox_easter(year: i16) -> Option<Date> {
    let y = i32::from(year);
    let (a, b, c) = (y % 4, y % 7, y % 19);
    let d = (19 * c + 15) % 30;
    let e = (2 * a + 4 * b - d + 34) % 7;
    let month = (d + e + 114) / 31;
    let day = (d + e + 114) % 31 + 1;
    let julian = Date::new(year, month as i8, day as i8).ok()?;
    julian.checked_add(jiff::Span::new().days(13)).ok()
}

/// Whether `d` is a legal public holiday in Romania.
pub fn is_public_holiday(d: Date) -> bool {
    const FIXED: [(i8, i8); 12] =
        [(1, 1), (1, 2), (1, 6), (1, 7), (1, 24), (5, 1), (6, 1), (8, 15), (11, 30), (12, 1), (12, 25), (12, 26)];
    if FIXED.contains(&(d.month(), d.day())) {
        return true;
    }
    // Good Friday, Easter Sunday and Monday, Pentecost (Rusalii) Sunday and Monday.
    let Some(easter) = orthodox_easter(d.year()) else { return false };
    [-2, 0, 1, 49, 50].iter().any(|&n| easter.checked_add(jiff::Span::new().days(n)).is_ok_and(|h| h == d))
}

/// Monday to Friday and not a public holiday.
pub fn is_working_day(d: Date) -> bool {
    !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday) && !is_public_holiday(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn orthodox_easter_falls_where_the_church_calendar_has_it() {
        assert_eq!(orthodox_easter(2024), Some(date(2024, 5, 5)));
        assert_eq!(orthodox_easter(2025), Some(date(2025, 4, 20)));
        assert_eq!(orthodox_easter(2026), Some(date(2026, 4, 12)));
        assert_eq!(orthodox_easter(2027), Some(date(2027, 5, 2)));
    }

    #[test]
    fn public_holidays_are_not_working_days() {
        for d in [date(2026, 1, 1), date(2026, 1, 6), date(2026, 4, 10), date(2026, 4, 13), date(2026, 6, 1)] {
            assert!(is_public_holiday(d), "{d}");
        }
        // Rusalii 2026: Sunday 31 May and Monday 1 June; 15 August, St Andrew, National Day, Christmas.
        for d in [date(2026, 5, 31), date(2026, 8, 15), date(2026, 11, 30), date(2026, 12, 1), date(2026, 12, 26)] {
            assert!(is_public_holiday(d), "{d}");
        }
        assert!(!is_working_day(date(2026, 11, 30)), "Monday, St Andrew");
        assert!(is_working_day(date(2026, 12, 2)));
        assert!(!is_working_day(date(2026, 12, 5)), "Saturday");
        assert!(!is_public_holiday(date(2026, 4, 14)) && !is_public_holiday(date(2026, 3, 1)));
    }
}
