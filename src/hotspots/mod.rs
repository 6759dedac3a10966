//! Hotspots: groups a period's cases into concrete hotspots (one place or object plus one
//! problem) with a heat index, and marks repeat complaints.
//!
//! The pipeline: [`vectorize`] (jieba terms, TF-IDF, extra weight for the places that
//! [`entities`] extracts) → [`cluster`] (candidate pairs from an inverted index, cosine
//! threshold, average-linkage merging, in parallel with rayon) → per cluster the statistics,
//! the [`label`] (place + problem), the [`heat`] index and the [`repeats`] count.

pub mod bounds;
pub mod cluster;
pub mod dedupe;
pub mod entities;
pub mod heat;
pub mod label;
pub mod period;
pub mod repeats;
pub mod subjects;
pub mod vectorize;

use std::collections::{HashMap, HashSet};

use chrono::NaiveDateTime;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::model::Case;
pub use cluster::ClusterParams;
pub use repeats::{mark_repeats, Repeat, RepeatReason};
pub use vectorize::VectorizeParams;

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
    /// The district most of its cases name (A5区, 官渡镇), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub district: Option<String>,
    /// How many of its cases repeat an earlier case (see [`mark_repeats`]).
    #[serde(default)]
    pub repeats: usize,
    /// Copies of its letters (the same or a nearly the same text again, see [`dedupe`]):
    /// not in `case_count` nor `case_ids`.
    #[serde(default)]
    pub duplicates: usize,
    /// The ids of those copies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub duplicate_ids: Vec<String>,
    /// The problems of a place with several (see [`subjects`]), most letters first; empty
    /// when the hotspot is one problem.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sub_problems: Vec<SubProblem>,
    /// Matching cases in the previous period, when one was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_count: Option<usize>,
}

/// One of the problems of a hotspot's place.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SubProblem {
    pub problem: String,
    /// Distinct letters about it.
    pub case_count: usize,
}

/// Letters a second sub-problem needs to be named in the label.
const MIN_NAMED_SUB_PROBLEM: usize = 3;

/// Most sub-problems listed on a hotspot.
const MAX_SUB_PROBLEMS: usize = 5;

/// Settings for [`find_hotspots`].
#[derive(Debug, Clone)]
pub struct HotspotParams {
    /// How many hotspots to return.
    pub top: usize,
    /// Cases of the previous period, for the growth term of the heat index.
    pub previous: Vec<Case>,
    /// A hotspot has at least this many distinct letters (duplicates not counted).
    pub min_cases: usize,
    pub vectorize: VectorizeParams,
    pub cluster: ClusterParams,
}

impl Default for HotspotParams {
    fn default() -> Self {
        HotspotParams {
            top: 10,
            previous: Vec::new(),
            min_cases: 3,
            vectorize: VectorizeParams::default(),
            cluster: ClusterParams::default(),
        }
    }
}

/// Least cosine between a previous-period case and a hotspot's centroid to count it.
const PREVIOUS_MIN_SIM: f32 = 0.5;

/// The period's hotspots, hottest first (`params.top` of them; 0 = all). Duplicate letters
/// (see [`dedupe`]) are clustered once, through their earliest copy.
pub fn find_hotspots(cases: &[Case], params: &HotspotParams) -> Vec<Hotspot> {
    let cases: Vec<&Case> = cases.iter().collect();
    let previous: Vec<&Case> = params.previous.iter().collect();
    find_hotspots_refs(&cases, &previous, params)
}

/// [`find_hotspots`] for borrowed cases, with the previous period's cases given apart
/// (`params.previous` is not read): the report finds the month's hotspots without copying
/// the month.
pub fn find_hotspots_refs(
    cases: &[&Case],
    previous: &[&Case],
    params: &HotspotParams,
) -> Vec<Hotspot> {
    let kept = dedupe::duplicate_of(cases);
    let mut copies: FxHashMap<usize, Vec<&Case>> = FxHashMap::default();
    for (i, &k) in kept.iter().enumerate() {
        if k != i {
            copies.entry(k).or_default().push(cases[i]);
        }
    }
    let mut distinct: Vec<&Case> = Vec::with_capacity(cases.len() - copies.len());
    let mut copies_of: Vec<Vec<&Case>> = Vec::with_capacity(distinct.capacity());
    for (i, &c) in cases.iter().enumerate() {
        if kept[i] == i {
            distinct.push(c);
            copies_of.push(copies.remove(&i).unwrap_or_default());
        }
    }
    find_distinct(&distinct, &copies_of, previous, params)
}

/// [`find_hotspots_refs`] over distinct letters; `copies[i]` are the duplicates of `cases[i]`.
fn find_distinct(
    cases: &[&Case],
    copies: &[Vec<&Case>],
    previous: &[&Case],
    params: &HotspotParams,
) -> Vec<Hotspot> {
    if cases.is_empty() {
        return Vec::new();
    }
    let mut timer = StageTimer::new();
    let vectors = vectorize::vectorize_refs(cases, &params.vectorize);
    timer.stage("vectorize");
    let clusters = clusters_of(&vectors, &params.cluster);
    let clusters = subjects::merge_by_subject(&vectors, clusters);
    timer.stage("cluster");
    let repeat_ids: HashSet<String> = repeats::mark_repeats_with(cases, &vectors)
        .into_iter()
        .map(|r| r.id)
        .collect();
    timer.stage("repeats");
    let times: Vec<NaiveDateTime> = cases.iter().filter_map(|c| c.received_at).collect();
    let period = times
        .iter()
        .min()
        .zip(times.iter().max())
        .map(|(a, b)| (*a, *b));
    // Statistics and heat of every cluster; labels only for those returned.
    let mut hotspots: Vec<Draft> = clusters
        .par_iter()
        .filter(|m| m.members.len() >= params.min_cases.max(1))
        .map(|m| {
            let mut d = build(cases, copies, &vectors, &m.members, &repeat_ids, period);
            d.parts = m.parts.clone();
            d
        })
        .collect();
    sort_by_heat(&mut hotspots);
    timer.stage("build");
    if !previous.is_empty() {
        // Growth for the leading candidates only (it changes heat by a bounded factor).
        let keep = if params.top == 0 {
            hotspots.len()
        } else {
            (params.top * 3).max(30).min(hotspots.len())
        };
        hotspots.truncate(keep);
        let seg = crate::text::segmenter();
        let centroids: Vec<&vectorize::SparseVec> = hotspots.iter().map(|d| &d.centroid).collect();
        let previous: Vec<vectorize::SparseVec> =
            previous_candidates(previous, &vectors, &centroids)
                .into_par_iter()
                .map(|c| {
                    vectors.project(
                        &vectorize::analyze_case(seg, c, &params.vectorize),
                        &params.vectorize,
                    )
                })
                .collect();
        hotspots.par_iter_mut().for_each(
            |Draft {
                 hotspot: h,
                 centroid,
                 ..
             }| {
                let p = previous
                    .iter()
                    .filter(|v| vectorize::dot(v, centroid) >= PREVIOUS_MIN_SIM)
                    .count();
                h.previous_count = Some(p);
                h.heat = heat::heat(&heat_input(h, period));
            },
        );
        sort_by_heat(&mut hotspots);
    }
    timer.stage("growth");
    if params.top > 0 {
        hotspots.truncate(params.top);
    }
    let mut out: Vec<Hotspot> = hotspots
        .into_par_iter()
        .map(|d| {
            let subs = sub_problems(&vectors, &d);
            let mut h = d.hotspot;
            h.sub_problems = subs;
            let mut lab = label::label(&vectors, &d.central_first);
            if h.sub_problems.len() >= 2
                && h.sub_problems[1].case_count >= MIN_NAMED_SUB_PROBLEM
                && lab.place.is_some()
            {
                // A place with several problems: its two largest.
                lab.problem = Some(format!(
                    "{}、{}",
                    h.sub_problems[0].problem, h.sub_problems[1].problem
                ));
                lab.label = label::join_parts(
                    [
                        lab.district.as_deref(),
                        lab.place.as_deref(),
                        lab.problem.as_deref(),
                    ]
                    .into_iter()
                    .flatten(),
                );
            }
            h.label = whole_words(&lab, cases, &d.central_first, h.topic.as_deref());
            h.place = lab.place;
            h.problem = lab.problem;
            h.keywords = lab.keywords;
            h.district = lab.district;
            h
        })
        .collect();
    for (i, h) in out.iter_mut().enumerate() {
        h.rank = i + 1;
    }
    timer.stage("labels");
    out
}

/// The previous-period cases that may match one of `centroids` (cosine at least
/// [`PREVIOUS_MIN_SIM`]), found without segmenting them: every feature of a case's vector
/// is a substring of its text, so a case whose text holds centroid features of squared
/// weight below PREVIOUS_MIN_SIM² cannot reach it (Cauchy–Schwarz with a unit vector). One
/// Aho–Corasick pass over each text; only the candidates are then analysed.
fn previous_candidates<'a>(
    previous: &[&'a Case],
    vectors: &vectorize::Vectors,
    centroids: &[&vectorize::SparseVec],
) -> Vec<&'a Case> {
    // Pattern (feature name, normalised, without its @ / # mark) -> (centroid, weight²).
    let mut index: FxHashMap<String, usize> = FxHashMap::default();
    let mut weights: Vec<Vec<(usize, f32)>> = Vec::new();
    for (k, c) in centroids.iter().enumerate() {
        for &(f, w) in c.iter() {
            let name = vectors.vocab[f as usize].trim_start_matches(['@', '#']);
            let name = crate::text::normalize_token(name);
            if name.is_empty() {
                continue;
            }
            let next = weights.len();
            let p = *index.entry(name).or_insert(next);
            if p == next {
                weights.push(Vec::new());
            }
            weights[p].push((k, w * w));
        }
    }
    let mut patterns: Vec<(&String, usize)> = index.iter().map(|(n, &p)| (n, p)).collect();
    patterns.sort_by_key(|x| x.1);
    let Ok(ac) = aho_corasick::AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(patterns.iter().map(|x| x.0.as_str()))
    else {
        return previous.to_vec();
    };
    let bound = PREVIOUS_MIN_SIM * PREVIOUS_MIN_SIM - 1e-4;
    previous
        .par_iter()
        .filter(|c| {
            let mut text = String::new();
            for part in [
                c.title.as_deref(),
                Some(c.narrative.as_str()),
                c.location.as_deref(),
                c.town.as_deref(),
            ]
            .into_iter()
            .flatten()
            {
                text.push_str(&crate::text::normalize_token(part));
                text.push('\n');
            }
            let mut found: Vec<usize> = ac
                .find_overlapping_iter(&text)
                .map(|m| m.pattern().as_usize())
                .collect();
            found.sort_unstable();
            found.dedup();
            let mut mass = vec![0.0f32; centroids.len()];
            for p in found {
                for &(k, w2) in &weights[p] {
                    mass[k] += w2;
                }
            }
            mass.iter().any(|&m| m >= bound)
        })
        .copied()
        .collect()
}

/// The problems of the parts of two or more letters of a merged hotspot (see
/// [`subjects`]), largest first; the same problem of two parts once, their letters added up.
fn sub_problems(vectors: &vectorize::Vectors, d: &Draft) -> Vec<SubProblem> {
    if d.parts.len() < 2 {
        return Vec::new();
    }
    let mut out: Vec<SubProblem> = Vec::new();
    for part in d.parts.iter().filter(|p| p.len() >= 2) {
        let ordered: Vec<usize> = d
            .central_first
            .iter()
            .copied()
            .filter(|i| part.binary_search(i).is_ok())
            .collect();
        let Some(problem) = label::label(vectors, &ordered).problem else {
            continue;
        };
        match out.iter_mut().find(|s| s.problem == problem) {
            Some(s) => s.case_count += part.len(),
            None => out.push(SubProblem {
                problem,
                case_count: part.len(),
            }),
        }
    }
    out.sort_by_key(|s| std::cmp::Reverse(s.case_count));
    out.truncate(MAX_SUB_PROBLEMS);
    out
}

/// Members whose texts a label is checked against (the most central).
const LABEL_TEXTS: usize = 60;

/// The label, or a part of it, that starts and ends on word boundaries of the member texts
/// (see [`bounds`]), widened to whole words where needed; else the topic's name.
fn whole_words(
    lab: &label::Label,
    cases: &[&Case],
    members: &[usize],
    topic: Option<&str>,
) -> String {
    let texts: Vec<&str> = members
        .iter()
        .take(LABEL_TEXTS)
        .flat_map(|&i| {
            [
                cases[i].title.as_deref().unwrap_or(""),
                cases[i].narrative.as_str(),
            ]
        })
        .filter(|t| !t.is_empty())
        .collect();
    let without_district = label::join_parts(
        [lab.place.as_deref(), lab.problem.as_deref()]
            .into_iter()
            .flatten(),
    );
    let candidates = [
        Some(lab.label.clone()),
        Some(without_district),
        lab.place.clone(),
        lab.problem.clone(),
    ];
    for c in candidates
        .iter()
        .flatten()
        .filter(|c| c.chars().count() >= 2)
    {
        if bounds::is_bounded(c, &texts) {
            return c.clone();
        }
        if let Some(s) = bounds::snap(c, &texts) {
            return s;
        }
    }
    match topic {
        Some(t) => crate::report::topic_name(t).to_string(),
        None => lab.label.clone(),
    }
}

/// A hotspot before its label: its statistics, normalised centroid and members (most
/// central first).
struct Draft {
    hotspot: Hotspot,
    /// The clusters merged into it (see [`subjects`]); one when nothing was merged.
    parts: Vec<Vec<usize>>,
    centroid: vectorize::SparseVec,
    central_first: Vec<usize>,
}

/// Prints the time of each stage to stderr when `HOTLINE_HOTSPOTS_TIMING` is set (for
/// profiling; silent otherwise).
/// `VmRSS` / `VmHWM` of this process (Linux), for the stage timings.
pub(crate) fn memory_now() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |k: &str| {
        status
            .lines()
            .find(|l| l.starts_with(k))
            .map(|l| l[k.len()..].trim().to_string())
            .unwrap_or_default()
    };
    format!("rss {} (peak {})", field("VmRSS:"), field("VmHWM:"))
}

pub(crate) struct StageTimer {
    on: bool,
    at: std::time::Instant,
}

impl StageTimer {
    pub(crate) fn new() -> StageTimer {
        StageTimer {
            on: std::env::var_os("HOTLINE_HOTSPOTS_TIMING").is_some(),
            at: std::time::Instant::now(),
        }
    }

    pub(crate) fn stage(&mut self, name: &str) {
        if self.on {
            let now = std::time::Instant::now();
            eprintln!(
                "hotspots {name}: {:.3} s, {}",
                (now - self.at).as_secs_f64(),
                crate::hotspots::memory_now()
            );
            self.at = now;
        }
    }
}

/// All clusters of the vectorised cases (member indices), largest first.
pub fn clusters_of(vectors: &vectorize::Vectors, params: &ClusterParams) -> Vec<Vec<usize>> {
    let mut timer = StageTimer::new();
    let canon = place_groups(vectors);
    timer.stage("  place groups");
    let places: Vec<Vec<u32>> = vectors
        .analyses
        .iter()
        .map(|a| {
            let mut v: Vec<u32> = a
                .entities
                .places
                .iter()
                .map(|p| canon[p.as_str()])
                .collect();
            v.sort_unstable();
            v.dedup();
            v
        })
        .collect();
    let mask: Vec<bool> = vectors
        .vocab
        .iter()
        .map(|f| f.starts_with('@') || f.starts_with('#'))
        .collect();
    cluster::cluster(&vectors.docs, &places, &mask, params)
}

/// Groups place names that contain one another (经济学院, 涉外经济学院): each name maps to
/// the id of the shortest name (of at least 3 characters) it contains.
fn place_groups(vectors: &vectorize::Vectors) -> HashMap<&str, u32> {
    let mut names: Vec<&str> = vectors
        .analyses
        .iter()
        .flat_map(|a| a.entities.places.iter().map(String::as_str))
        .collect();
    names.sort_unstable_by(|a, b| a.chars().count().cmp(&b.chars().count()).then(a.cmp(b)));
    names.dedup();
    let mut canon: HashMap<&str, u32> = HashMap::new();
    for (k, name) in names.iter().enumerate() {
        let idx: Vec<usize> = name
            .char_indices()
            .map(|x| x.0)
            .chain([name.len()])
            .collect();
        let n = idx.len() - 1;
        let mut found: Option<(usize, u32)> = None;
        for len in 3..n {
            for a in 0..=(n - len) {
                if let Some(&id) = canon.get(&name[idx[a]..idx[a + len]]) {
                    found =
                        Some(found.map_or((len, id), |f| if len < f.0 { (len, id) } else { f }));
                }
            }
            if found.is_some() {
                break;
            }
        }
        canon.insert(name, found.map_or(k as u32, |f| f.1));
    }
    canon
}

fn sort_by_heat(h: &mut [Draft]) {
    h.sort_by(|a, b| {
        let (a, b) = (&a.hotspot, &b.hotspot);
        b.heat
            .total_cmp(&a.heat)
            .then(b.case_count.cmp(&a.case_count))
            .then(a.case_ids.cmp(&b.case_ids))
    });
}

fn heat_input(h: &Hotspot, period: Option<(NaiveDateTime, NaiveDateTime)>) -> heat::HeatInput {
    heat::HeatInput {
        cases: h.case_count,
        users: h.distinct_users,
        likes: h.likes,
        first: h.first,
        last: h.last,
        period,
        previous: h.previous_count,
    }
}

/// One hotspot from a cluster, without its label.
fn build(
    cases: &[&Case],
    copies: &[Vec<&Case>],
    vectors: &vectorize::Vectors,
    members: &[usize],
    repeat_ids: &HashSet<String>,
    period: Option<(NaiveDateTime, NaiveDateTime)>,
) -> Draft {
    let mut sum: FxHashMap<u32, f32> = FxHashMap::default();
    for &i in members {
        for &(f, w) in &vectors.docs[i] {
            *sum.entry(f).or_insert(0.0) += w;
        }
    }
    let centroid = vectorize::normalized(sum.into_iter());
    let mut central: Vec<(f32, usize)> = members
        .iter()
        .map(|&i| (vectorize::dot(&vectors.docs[i], &centroid), i))
        .collect();
    central.sort_by(|a, b| b.0.total_cmp(&a.0).then(cases[a.1].id.cmp(&cases[b.1].id)));
    let central_first: Vec<usize> = central.iter().map(|x| x.1).collect();
    let mut users: HashSet<&str> = HashSet::new();
    let mut anonymous = 0;
    let everyone = members
        .iter()
        .flat_map(|&i| std::iter::once(cases[i]).chain(copies[i].iter().copied()));
    for c in everyone.clone() {
        match c.user.as_deref().filter(|u| !u.trim().is_empty()) {
            Some(u) => {
                users.insert(u);
            }
            None => anonymous += 1,
        }
    }
    let times: Vec<NaiveDateTime> = members
        .iter()
        .filter_map(|&i| cases[i].received_at)
        .collect();
    let mut topics: HashMap<&str, usize> = HashMap::new();
    for &i in members {
        if let Some(t) = cases[i]
            .tags
            .as_ref()
            .map(|t| t.topic.as_str())
            .filter(|t| !t.is_empty())
        {
            *topics.entry(t).or_insert(0) += 1;
        }
    }
    let topic = topics
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
        .map(|x| x.0.to_string());
    let mut case_ids: Vec<String> = members.iter().map(|&i| cases[i].id.clone()).collect();
    case_ids.sort();
    let mut duplicate_ids: Vec<String> = members
        .iter()
        .flat_map(|&i| copies[i].iter().map(|c| c.id.clone()))
        .collect();
    duplicate_ids.sort();
    let mut h = Hotspot {
        rank: 0,
        heat: 0.0,
        label: String::new(),
        place: None,
        problem: None,
        topic,
        first: times.iter().min().copied(),
        last: times.iter().max().copied(),
        case_count: members.len(),
        distinct_users: users.len() + anonymous,
        likes: everyone.map(|c| c.likes.unwrap_or(0) as u64).sum(),
        keywords: Vec::new(),
        representative_ids: central
            .iter()
            .take(3)
            .map(|x| cases[x.1].id.clone())
            .collect(),
        repeats: case_ids
            .iter()
            .filter(|id| repeat_ids.contains(*id))
            .count(),
        case_ids,
        duplicates: duplicate_ids.len(),
        duplicate_ids,
        sub_problems: Vec::new(),
        district: None,
        previous_count: None,
    };
    h.heat = heat::heat(&heat_input(&h, period));
    Draft {
        hotspot: h,
        parts: Vec::new(),
        centroid,
        central_first,
    }
}
