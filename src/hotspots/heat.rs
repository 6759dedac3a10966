//! The heat index of a hotspot.
//!
//! ```text
//! heat = 10 · V · R · C · G
//!   V = 0.5 · ln(1 + N) + 1.5 · ln(1 + U) + 0.25 · ln(1 + L)   volume
//!   R = 0.75 + 0.25 · (last − start) / (end − start)   recency, in [0.75, 1]
//!   C = 1 + 0.5 · E / (1 + span_days / 14)             time concentration, in [1, 1.5]
//!   E = min(1, (U − 1) / 4)                            evidence of a burst
//!   G = clamp(1 + 0.25 · ln((N + 1) / (P + 1)), 0.75, 1.5)   growth (1 without a previous period)
//! ```
//! where N is the number of cases, U the number of distinct complainants (a case without a
//! known complainant counts as one of its own), L the sum of likes, `start`/`end` the
//! first and last received time of all the period's cases, `last` the hotspot's latest
//! case, `span_days` the days between the hotspot's first and last case, and P the
//! number of cases of the previous period that match the hotspot (cosine ≥ 0.5 to its
//! centroid). Distinct complainants weigh three times as much as cases, so that one person
//! writing twenty letters is not a hotspot; logarithms keep one viral message (thousands
//! of likes) from outweighing dozens of complainants; a burst counts fully from five
//! distinct complainants on (two letters on one day are not a hotspot); recency, concentration and growth
//! scale the volume by at most 1.33, 1.5 and 1.5 (growth can also damp a standing problem
//! to 0.75).

use chrono::NaiveDateTime;

/// What the heat index reads.
#[derive(Debug, Clone, Default)]
pub struct HeatInput {
    pub cases: usize,
    pub users: usize,
    pub likes: u64,
    pub first: Option<NaiveDateTime>,
    pub last: Option<NaiveDateTime>,
    /// First and last received time of the whole period.
    pub period: Option<(NaiveDateTime, NaiveDateTime)>,
    /// Matching cases in the previous period, when one was given.
    pub previous: Option<usize>,
}

/// The heat index (see the module doc), rounded to two decimals.
pub fn heat(h: &HeatInput) -> f64 {
    let n = h.cases as f64;
    let volume = 0.5 * (1.0 + n).ln()
        + 1.5 * (1.0 + h.users as f64).ln()
        + 0.25 * (1.0 + h.likes as f64).ln();
    let recency = match (h.last, h.period) {
        (Some(last), Some((start, end))) if end > start => {
            let r = (last - start).num_seconds() as f64 / (end - start).num_seconds() as f64;
            0.75 + 0.25 * r.clamp(0.0, 1.0)
        }
        _ => 1.0,
    };
    let concentration = match (h.first, h.last) {
        (Some(a), Some(b)) => {
            let days = (b - a).num_seconds().max(0) as f64 / 86_400.0;
            let evidence = ((h.users as f64 - 1.0) / 4.0).clamp(0.0, 1.0);
            1.0 + 0.5 * evidence / (1.0 + days / 14.0)
        }
        _ => 1.0,
    };
    let growth = match h.previous {
        Some(p) => (1.0 + 0.25 * ((n + 1.0) / (p as f64 + 1.0)).ln()).clamp(0.75, 1.5),
        None => 1.0,
    };
    let v = 10.0 * volume * recency * concentration * growth;
    (v * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(d: &str) -> Option<NaiveDateTime> {
        Some(NaiveDateTime::parse_from_str(&format!("{d} 12:00:00"), "%Y-%m-%d %H:%M:%S").unwrap())
    }

    #[test]
    fn rises_with_each_term() {
        let period = Some((at("2019-01-01").unwrap(), at("2019-01-31").unwrap()));
        let base = HeatInput {
            cases: 5,
            users: 4,
            likes: 3,
            first: at("2019-01-10"),
            last: at("2019-01-20"),
            period,
            previous: Some(5),
        };
        let h = heat(&base);
        assert!(
            heat(&HeatInput {
                cases: 6,
                ..base.clone()
            }) > h
        );
        assert!(
            heat(&HeatInput {
                users: 5,
                ..base.clone()
            }) > h
        );
        assert!(
            heat(&HeatInput {
                likes: 30,
                ..base.clone()
            }) > h
        );
        assert!(
            heat(&HeatInput {
                last: at("2019-01-30"),
                ..base.clone()
            }) > h
        );
        assert!(
            heat(&HeatInput {
                first: at("2019-01-19"),
                ..base.clone()
            }) > h
        );
        assert!(
            heat(&HeatInput {
                previous: Some(1),
                ..base.clone()
            }) > h
        );
        assert!(
            heat(&HeatInput {
                previous: Some(20),
                ..base.clone()
            }) < h
        );
    }
}
