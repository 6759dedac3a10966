//! The period a hotspot search covers and the cases it reads from the store: the period's own
//! cases and the previous period's (of the same length, for the growth term of the heat index).
//! `hotline hotspots` and the web workspace's `/api/hotspots` both load through here.

use anyhow::{bail, Context, Result};
use chrono::{Months, NaiveDateTime};
use serde::Serialize;

use super::Hotspot;
use crate::index::{CaseParts, CaseStore};
use crate::model::Case;
use crate::report::YearMonth;
use crate::search::parse_date_bound;

/// A half-open time range [start, end).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    pub start: NaiveDateTime,
    pub end: NaiveDateTime,
}

impl Period {
    pub fn contains(&self, t: NaiveDateTime) -> bool {
        self.start <= t && t < self.end
    }

    /// The period of the same length just before this one (the previous month for a month).
    pub fn previous(&self, month: bool) -> Period {
        if month {
            let start = self
                .start
                .checked_sub_months(Months::new(1))
                .unwrap_or(NaiveDateTime::MIN);
            Period {
                start,
                end: self.start,
            }
        } else {
            Period {
                start: self
                    .start
                    .checked_sub_signed(self.end - self.start)
                    .unwrap_or(NaiveDateTime::MIN),
                end: self.start,
            }
        }
    }

    /// The period a month or a date range names (`None` = every case; `true` = a calendar
    /// month). The month and the dates are read as `hotline report --month` and `hotline
    /// search --from/--to` read them ([`YearMonth::parse`], [`parse_date_bound`]), so every
    /// command accepts the same forms; a month overrides the dates.
    pub fn parse(
        month: Option<&str>,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<Option<(Period, bool)>> {
        if let Some(m) = month {
            let (start, end) = YearMonth::parse(m)
                .with_context(|| format!("--month {m:?}"))?
                .range();
            return Ok(Some((Period { start, end }, true)));
        }
        let bound = |s: Option<&str>, flag: &str, end: bool| {
            s.map(|s| parse_date_bound(s, end).with_context(|| format!("{flag} {s:?}")))
                .transpose()
        };
        let from_t = bound(from, "--from", false)?;
        let to_t = bound(to, "--to", true)?;
        if let (Some(f), Some(t)) = (from_t, to_t) {
            if t <= f {
                bail!(
                    "--to {:?} is before --from {:?}",
                    to.unwrap_or_default(),
                    from.unwrap_or_default()
                );
            }
        }
        Ok(match (from_t, to_t) {
            (None, None) => None,
            (f, t) => Some((
                Period {
                    start: f.unwrap_or(NaiveDateTime::MIN),
                    end: t.unwrap_or(NaiveDateTime::MAX),
                },
                false,
            )),
        })
    }
}

/// What `hotline hotspots --json` prints.
#[derive(Serialize)]
pub struct Output<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    pub cases: usize,
    pub hotspots: &'a [Hotspot],
}

/// The cases a hotspot search reads.
pub struct PeriodCases {
    /// Cases read from the store (the period and the previous one, or all).
    pub all: usize,
    /// The period's cases (of the topic, when given).
    pub current: Vec<Case>,
    /// The previous period's cases (empty for an open period).
    pub previous: Vec<Case>,
}

/// Loads the period's cases and the previous period's from the store, keeping only `topic`'s
/// when given, with the parts a hotspot search reads ([`CaseParts::Verdicts`]). A bounded
/// period reads its own cases and the previous period's, not the whole store.
pub fn period_cases(
    store: &CaseStore,
    period: Option<(Period, bool)>,
    topic: Option<&str>,
) -> Result<PeriodCases> {
    let prev_period = match period {
        Some((p, month)) if p.start != NaiveDateTime::MIN && p.end != NaiveDateTime::MAX => {
            Some(p.previous(month))
        }
        _ => None,
    };
    let all = match (period, prev_period) {
        (Some((p, _)), Some(prev)) => {
            store.cases_received_in(&[(prev.start, p.end)], false, CaseParts::Verdicts)?
        }
        _ => store.all_cases_with(CaseParts::Verdicts)?,
    };
    let topic_ok = |c: &Case| match topic {
        Some(t) => c.tags.as_ref().is_some_and(|tags| tags.topic == t),
        None => true,
    };
    let in_period = |c: &Case, p: Option<Period>| match p {
        Some(p) => c.received_at.is_some_and(|t| p.contains(t)),
        None => true,
    };
    // The period's cases stay where they were read and the previous period's are moved out
    // (each in read order): no second vector of the cases is grown beside the first.
    let stored = all.len();
    let this_period = period.map(|p| p.0);
    let mut current = all;
    current.retain(|c| {
        topic_ok(c)
            && (in_period(c, this_period) || prev_period.is_some() && in_period(c, prev_period))
    });
    let previous: Vec<Case> = current
        .extract_if(.., |c| !in_period(c, this_period))
        .collect();
    Ok(PeriodCases {
        all: stored,
        current,
        previous,
    })
}
