//! Hotspots: groups a period's cases into concrete hotspots (one place or object plus one
//! problem) with a heat index, and marks repeat complaints.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::model::Case;

/// One concrete hotspot: a place or object plus a problem.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Hotspot {
    /// 1 = hottest.
    pub rank: usize,
    /// Heat index (see README for the formula).
    pub heat: f64,
    /// Place + problem, e.g. 丽发新城小区附近搅拌站噪音扰民.
    pub label: String,
    /// The place or object part of the label, when one was found.
    pub place: Option<String>,
    /// The problem part of the label.
    pub problem: Option<String>,
    /// Dominant topic id of its cases (from tagging), if any.
    pub topic: Option<String>,
    /// Earliest and latest received_at of its cases.
    pub first: Option<NaiveDateTime>,
    pub last: Option<NaiveDateTime>,
    pub case_count: usize,
    pub distinct_users: usize,
    pub likes: u64,
    /// The strongest key phrases of the cluster.
    pub keywords: Vec<String>,
    /// One to three representative case ids, most central first.
    pub representative_ids: Vec<String>,
    /// Every case id in the hotspot.
    pub case_ids: Vec<String>,
}

/// Settings for [`find_hotspots`].
#[derive(Debug, Clone)]
pub struct HotspotParams {
    /// How many hotspots to return.
    pub top: usize,
    /// Cases of the previous period, for the growth term of the heat index.
    pub previous: Vec<Case>,
}

impl Default for HotspotParams {
    fn default() -> Self {
        HotspotParams {
            top: 10,
            previous: Vec::new(),
        }
    }
}

/// The period's hotspots, hottest first.
pub fn find_hotspots(_cases: &[Case], _params: &HotspotParams) -> Vec<Hotspot> {
    Vec::new()
}
