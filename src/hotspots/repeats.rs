//! Repeat complaints: a case is a repeat of an earlier one when, within 30 days after it,
//! the same complainant raises the same matter again (cosine ≥ 0.3 between the two cases),
//! or anyone reports the same place and problem again (a shared place entity and cosine
//! ≥ 0.5). Each repeat points at the most recent earlier case it repeats.

use std::collections::HashMap;

use chrono::{Duration, NaiveDateTime};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::cluster::{feature_count, Scatter};
use super::vectorize::{vectorize, VectorizeParams, Vectors};
use crate::model::Case;

/// The window in which a case counts as a repeat of an earlier one.
pub const REPEAT_WINDOW_DAYS: i64 = 30;
/// Least cosine for the same complainant's cases to be about the same matter.
const SAME_USER_MIN_SIM: f32 = 0.3;
/// Least cosine for two cases naming the same place to be about the same problem.
const SAME_PLACE_MIN_SIM: f32 = 0.5;
/// At most this many earlier cases of one complainant or place are compared.
const MAX_LOOKBACK: usize = 200;

/// Why a case is a repeat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RepeatReason {
    /// The same complainant raised the same matter again.
    SameComplainant,
    /// Someone reported the same place and problem again.
    SamePlaceAndProblem,
}

impl RepeatReason {
    /// As the reports say it.
    pub fn as_str(self) -> &'static str {
        match self {
            RepeatReason::SameComplainant => "同一诉求人重复反映",
            RepeatReason::SamePlaceAndProblem => "同一地点同一问题重复反映",
        }
    }
}

/// A repeat complaint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Repeat {
    /// The later case.
    pub id: String,
    /// The earlier case it repeats.
    pub earlier_id: String,
    pub reason: RepeatReason,
}

/// Marks the repeat complaints among `cases` (cases without a received time are never
/// marked). Sorted by the repeat's id.
pub fn mark_repeats(cases: &[Case]) -> Vec<Repeat> {
    let vectors = vectorize(cases, &VectorizeParams::default());
    let cases: Vec<&Case> = cases.iter().collect();
    mark_repeats_with(&cases, &vectors)
}

/// As [`mark_repeats`], with the cases already vectorised (`vectors.docs[i]` is `cases[i]`).
pub fn mark_repeats_with(cases: &[&Case], vectors: &Vectors) -> Vec<Repeat> {
    // Time order (ties by id), cases without a time left out.
    let mut order: Vec<(NaiveDateTime, usize)> = cases
        .iter()
        .enumerate()
        .filter_map(|(i, c)| c.received_at.map(|t| (t, i)))
        .collect();
    order.sort_by(|a, b| a.0.cmp(&b.0).then(cases[a.1].id.cmp(&cases[b.1].id)));
    let mut by_user: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut by_place: HashMap<&str, Vec<usize>> = HashMap::new();
    for (pos, &(_, i)) in order.iter().enumerate() {
        if let Some(u) = cases[i].user.as_deref().filter(|u| !u.trim().is_empty()) {
            by_user.entry(u).or_default().push(pos);
        }
        for p in &vectors.analyses[i].entities.places {
            by_place.entry(p.as_str()).or_default().push(pos);
        }
    }
    let window = Duration::days(REPEAT_WINDOW_DAYS);
    let features = feature_count(&vectors.docs);
    // For each later position: (earlier position, reason), the most recent earlier one.
    let scan = |groups: &HashMap<&str, Vec<usize>>, min_sim: f32, reason: RepeatReason| {
        let mut found: Vec<(usize, usize, RepeatReason)> = groups
            .par_iter()
            .filter(|(_, list)| list.len() >= 2)
            .map_init(
                || Scatter::new(features),
                |scatter, (_, list)| {
                    let mut out = Vec::new();
                    for (k, &later) in list.iter().enumerate().skip(1) {
                        let (t_later, i_later) = order[later];
                        let doc = &vectors.docs[i_later];
                        scatter.load(doc);
                        for &earlier in list[..k].iter().rev().take(MAX_LOOKBACK) {
                            let (t_earlier, i_earlier) = order[earlier];
                            if t_later - t_earlier > window {
                                break;
                            }
                            if cases[i_earlier].id == cases[i_later].id {
                                continue;
                            }
                            if scatter.dot(&vectors.docs[i_earlier]) >= min_sim {
                                out.push((later, earlier, reason));
                                break;
                            }
                        }
                        scatter.clear(doc);
                    }
                    out
                },
            )
            .flatten_iter()
            .collect();
        found.sort_unstable_by_key(|x| (x.0, x.1));
        found
    };
    let mut best: HashMap<usize, (usize, RepeatReason)> = HashMap::new();
    for (later, earlier, reason) in scan(&by_user, SAME_USER_MIN_SIM, RepeatReason::SameComplainant)
        .into_iter()
        .chain(scan(
            &by_place,
            SAME_PLACE_MIN_SIM,
            RepeatReason::SamePlaceAndProblem,
        ))
    {
        match best.get(&later) {
            // Keep the same-complainant reason, else the most recent earlier case.
            Some(&(e, r)) if r == RepeatReason::SameComplainant || e >= earlier => {}
            _ => {
                best.insert(later, (earlier, reason));
            }
        }
    }
    let mut out: Vec<Repeat> = best
        .into_iter()
        .map(|(later, (earlier, reason))| Repeat {
            id: cases[order[later].1].id.clone(),
            earlier_id: cases[order[earlier].1].id.clone(),
            reason,
        })
        .collect();
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(id: &str, user: &str, day: &str, text: &str) -> Case {
        Case {
            user: Some(user.to_string()),
            received_at: Some(
                NaiveDateTime::parse_from_str(&format!("{day} 09:00:00"), "%Y-%m-%d %H:%M:%S")
                    .unwrap(),
            ),
            ..Case::new(id, text)
        }
    }

    #[test]
    fn marks_same_user_and_same_place_within_30_days() {
        let cases = vec![
            case(
                "1",
                "u1",
                "2019-11-01",
                "丽发新城小区附近搅拌站噪音扰民，夜间施工",
            ),
            case(
                "2",
                "u1",
                "2019-11-10",
                "丽发新城附近搅拌站又在夜间施工，噪音扰民",
            ),
            case("3", "u2", "2019-11-20", "丽发新城小区旁搅拌站噪音扰民严重"),
            case("4", "u3", "2020-02-20", "丽发新城小区附近搅拌站噪音扰民"),
            case("5", "u4", "2019-11-21", "A7县黄兴镇自来水停水三天"),
        ];
        let r = mark_repeats(&cases);
        let ids: Vec<&str> = r.iter().map(|x| x.id.as_str()).collect();
        assert_eq!(ids, vec!["2", "3"], "{r:?}");
        assert_eq!(r[0].earlier_id, "1");
        assert_eq!(r[0].reason, RepeatReason::SameComplainant);
        assert_eq!(r[1].earlier_id, "2");
        assert_eq!(r[1].reason, RepeatReason::SamePlaceAndProblem);
    }
}
