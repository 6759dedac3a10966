//! Date and time parsing for what exports and reports write: `2019-02-28 11:25:05`,
//! `2019/2/28 11:25`, `2019年2月28日`, `2019-02-28`, `20190228`, ISO `T` forms, Excel serial
//! numbers, Unix epochs, and the relative forms of report documents (`11 月 14 日 19 点 53 分`).

use std::sync::LazyLock;

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};
use regex::Regex;

/// Full dates: year, month, day, then an optional time (`11:25`, `11:25:05`, `11时25分`,
/// `19点53分`, with or without seconds and fractions), and an optional zone suffix (ignored).
static FULL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)^
        (\d{4}) \s* [-/.年] \s* (\d{1,2}) \s* [-/.月] \s* (\d{1,2}) \s* [日号]?
        (?: (?:\s+|T|\s*) (\d{1,2}) \s* [:时点] \s* (\d{1,2})
            (?: \s* [:分] \s* (\d{1,2}) (?:\.\d+)? \s* 秒? )? \s* 分? )?
        \s* (?: Z | [+-]\d{2}:?\d{2} )? $",
    )
    .expect("valid regex")
});

/// Compact dates: `20190228`, `20190228 112505`, `201902281125`.
static COMPACT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\d{4})(\d{2})(\d{2})(?:\s*(\d{2}):?(\d{2})(?::?(\d{2}))?)?$")
        .expect("valid regex")
});

/// A month only (`2019-02`, `2019年2月`): taken as the first of the month.
static MONTH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?(?:份)?$").expect("valid regex")
});

/// A plain number: an Excel serial date or a Unix epoch.
static NUMBER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\d+(?:\.\d+)?$").expect("valid regex"));

/// Maps full-width digits and punctuation to ASCII and squeezes whitespace.
fn normalise(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.trim().chars() {
        let c = match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '：' => ':',
            '／' => '/',
            '－' | '—' | '–' => '-',
            '．' => '.',
            '\u{3000}' | '\u{a0}' | '\t' => ' ',
            c => c,
        };
        out.push(c);
    }
    out
}

fn num(caps: &regex::Captures, i: usize) -> Option<u32> {
    caps.get(i).and_then(|m| m.as_str().parse().ok())
}

fn assemble(caps: &regex::Captures) -> Option<NaiveDateTime> {
    let date = NaiveDate::from_ymd_opt(caps[1].parse().ok()?, num(caps, 2)?, num(caps, 3)?)?;
    let time = match (num(caps, 4), num(caps, 5)) {
        (Some(h), Some(m)) => NaiveTime::from_hms_opt(h, m, num(caps, 6).unwrap_or(0))?,
        _ => NaiveTime::MIN,
    };
    Some(date.and_time(time))
}

/// A cell that is not a date this module understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadDate;

impl std::fmt::Display for BadDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("unparseable date")
    }
}

impl std::error::Error for BadDate {}

/// Parses a date cell. `Ok(None)` for an empty cell (or a placeholder like `-` / `无`),
/// `Err(BadDate)` when the text is not a date this module understands.
pub fn parse_datetime(s: &str) -> Result<Option<NaiveDateTime>, BadDate> {
    let s = normalise(s);
    let s = s.trim();
    if s.is_empty()
        || matches!(
            s,
            "-" | "--" | "无" | "null" | "NULL" | "None" | "NaN" | "nan"
        )
    {
        return Ok(None);
    }
    if let Some(c) = FULL.captures(s) {
        return assemble(&c).map(Some).ok_or(BadDate);
    }
    if let Some(c) = COMPACT.captures(s) {
        return assemble(&c).map(Some).ok_or(BadDate);
    }
    if let Some(c) = MONTH.captures(s) {
        let date = NaiveDate::from_ymd_opt(
            c[1].parse().map_err(|_| BadDate)?,
            num(&c, 2).ok_or(BadDate)?,
            1,
        )
        .ok_or(BadDate)?;
        return Ok(Some(date.and_time(NaiveTime::MIN)));
    }
    if NUMBER.is_match(s) {
        let v: f64 = s.parse().map_err(|_| BadDate)?;
        let int_digits = s.split('.').next().map_or(0, str::len);
        return match int_digits {
            10 if !s.contains('.') => epoch_seconds(v as i64).map(Some).ok_or(BadDate),
            13 if !s.contains('.') => epoch_seconds(v as i64 / 1000).map(Some).ok_or(BadDate),
            1..=7 => excel_serial(v).map(Some).ok_or(BadDate),
            _ => Err(BadDate),
        };
    }
    Err(BadDate)
}

/// An Excel serial date (days since 1899-12-30, fraction = time of day), rounded to the second.
/// Serials below 61 fall in Excel's fictitious 1900-02-29 zone and are taken as is.
pub fn excel_serial(v: f64) -> Option<NaiveDateTime> {
    if !v.is_finite() || !(1.0..2_958_466.0).contains(&v) {
        return None;
    }
    let base = NaiveDate::from_ymd_opt(1899, 12, 30)?.and_time(NaiveTime::MIN);
    let secs = (v * 86_400.0).round() as i64;
    base.checked_add_signed(Duration::seconds(secs))
}

/// The first date a work order can plausibly carry (12345 hotlines date from the 1990s;
/// an earlier date is an Excel serial of 0, a negative number or a typo).
pub const PLAUSIBLE_FROM: &str = "1990-01-01";

/// The last plausible date: the end of next year (a deadline may lie ahead).
pub fn plausible_until() -> NaiveDateTime {
    use chrono::Datelike;
    let next = chrono::Local::now().year() + 1;
    NaiveDate::from_ymd_opt(next, 12, 31)
        .and_then(|d| d.and_hms_opt(23, 59, 59))
        .unwrap_or(NaiveDateTime::MAX)
}

/// True for a date from [`PLAUSIBLE_FROM`] to [`plausible_until`]: outside that, a cell is a
/// corrupt serial (`1e300` → 9999-12-31, `0` → 1899-12-31) and would make fake months.
pub fn plausible_date(d: NaiveDateTime) -> bool {
    let from = NaiveDate::from_ymd_opt(1990, 1, 1).map(|d| d.and_time(NaiveTime::MIN));
    from.is_some_and(|f| d >= f) && d <= plausible_until()
}

/// A Unix epoch in seconds, read in China Standard Time (UTC+8), where the hotlines are.
fn epoch_seconds(secs: i64) -> Option<NaiveDateTime> {
    chrono::DateTime::from_timestamp(secs + 8 * 3600, 0).map(|d| d.naive_utc())
}

/// A date in a report's running text, relative to the report's year:
/// `11 月 14 日 19 点 53 分`, `6月6日6时46分`, `4 月 10 日`, `2023 年 4 月 19 日中午`.
/// Returns the first such date in `text` with its byte range.
pub fn find_text_date(text: &str, year: i32) -> Option<(NaiveDateTime, std::ops::Range<usize>)> {
    static TEXT_DATE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?x)
            (?: (\d{4}) \s* 年 \s* )?
            (\d{1,2}) \s* 月 \s* (\d{1,2}) \s* [日号]
            (?: \s* (\d{1,2}) \s* [时点:：] \s* (?: (\d{1,2}) \s* 分? )? )?",
        )
        .expect("valid regex")
    });
    let c = TEXT_DATE.captures(text)?;
    let y = c
        .get(1)
        .and_then(|m| m.as_str().parse().ok())
        .unwrap_or(year);
    let date = NaiveDate::from_ymd_opt(y, num(&c, 2)?, num(&c, 3)?)?;
    let time = match num(&c, 4) {
        Some(h) => NaiveTime::from_hms_opt(h, num(&c, 5).unwrap_or(0), 0)?,
        None => NaiveTime::MIN,
    };
    let m = c.get(0)?;
    Some((date.and_time(time), m.start()..m.end()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    #[test]
    fn parses_export_forms() {
        let p = |s| parse_datetime(s).unwrap().unwrap();
        assert_eq!(p("2019-02-28 11:25:05"), dt("2019-02-28 11:25:05"));
        assert_eq!(p("2019/2/28 11:25"), dt("2019-02-28 11:25:00"));
        assert_eq!(p("2019年2月28日"), dt("2019-02-28 00:00:00"));
        assert_eq!(p("2019年2月28日 11时25分"), dt("2019-02-28 11:25:00"));
        assert_eq!(p("2019-02-28"), dt("2019-02-28 00:00:00"));
        assert_eq!(p("2019.02.28 11:25:05.000"), dt("2019-02-28 11:25:05"));
        assert_eq!(p("2019-02-28T11:25:05Z"), dt("2019-02-28 11:25:05"));
        assert_eq!(
            p("２０１９－０２－２８　１１：２５"),
            dt("2019-02-28 11:25:00")
        );
        assert_eq!(p("20190228"), dt("2019-02-28 00:00:00"));
        assert_eq!(p("43524.5"), dt("2019-02-28 12:00:00"));
        assert_eq!(p("2019年2月"), dt("2019-02-01 00:00:00"));
        assert_eq!(p("2019-02"), dt("2019-02-01 00:00:00"));
        assert_eq!(parse_datetime("  ").unwrap(), None);
        assert!(parse_datetime("2019-13-01").is_err());
        assert!(parse_datetime("昨天下午").is_err());
        assert!(parse_datetime("2019-02-30").is_err());
    }

    #[test]
    fn finds_report_dates() {
        let (d, _) = find_text_date("11 月 14 日 19 点 53 分,吴先生反映", 2020).unwrap();
        assert_eq!(d, dt("2020-11-14 19:53:00"));
        let (d, _) = find_text_date("6月6日6时46分,市民反映", 2022).unwrap();
        assert_eq!(d, dt("2022-06-06 06:46:00"));
        let (d, _) = find_text_date("刘先生 4 月 10 日来电求助", 2023).unwrap();
        assert_eq!(d, dt("2023-04-10 00:00:00"));
        let (d, _) = find_text_date("于 2023 年 4 月 19 日中午", 2020).unwrap();
        assert_eq!(d, dt("2023-04-19 00:00:00"));
    }
}
