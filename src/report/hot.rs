//! Section builder for 二、热点问题: the month's leading topics, each with the main appeals
//! citizens made (the topic's concrete hotspots first, then the most frequent distinct
//! sub-problems among its cases, as short phrases, never a pasted letter) and the suggestion
//! of `models/report_suggestions.toml`; the concrete hotspots; the topics that rose sharply or
//! are new.

use std::collections::HashMap;

use serde::Serialize;

use crate::hotspots::{find_hotspots_refs, Hotspot, HotspotParams};
use crate::model::{Case, RecordType};

use super::month::MonthCases;
use super::profile::suggestion;
use super::{
    bigrams, case_topic, change_pct, document_order, pct, pick_distinct, rep_key, similarity,
    topic_name, Bigrams, CaseSummary, HotspotSummary, ReportOptions, TopicSummary, Trend,
    SAME_THING,
};

/// One of a topic's main appeals: a short phrase and how many of the month's cases make it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Appeal {
    pub text: String,
    pub count: usize,
}

/// 二、热点问题.
pub struct HotSection {
    pub topic_basis: usize,
    pub hotspot_topics: Vec<TopicSummary>,
    pub rising_topics: Vec<TopicSummary>,
    pub hotspots: Vec<HotspotSummary>,
    pub report_hotspots: Vec<CaseSummary>,
}

/// How many appeals a topic's paragraph lists (the seeds: two to four).
const MAX_APPEALS: usize = 3;
/// The longest appeal phrase, in characters.
const APPEAL_CHARS: usize = 36;
/// How many of a topic's cases are read to find its sub-problems.
const APPEAL_POOL: usize = 400;

/// Builds 二、热点问题.
pub fn hot(m: &MonthCases, opts: &ReportOptions) -> HotSection {
    let mut topic_cases: HashMap<&str, Vec<&Case>> = HashMap::new();
    for c in &m.basis {
        if let Some(t) = case_topic(c) {
            topic_cases.entry(t).or_default().push(c);
        }
    }
    let mut prev_counts: HashMap<&str, usize> = HashMap::new();
    for c in &m.prev_basis {
        if let Some(t) = case_topic(c) {
            *prev_counts.entry(t).or_default() += 1;
        }
    }
    let hotspots = concrete_hotspots(m, opts);
    let ctx = TopicContext {
        topic_cases: &topic_cases,
        prev_counts: &prev_counts,
        has_prev: !m.prev_basis.is_empty(),
        cur_n: m.basis.len(),
        prev_n: m.prev_basis.len(),
        hotspots: &hotspots,
    };
    let mut topic_list: Vec<(&str, usize)> = topic_cases
        .iter()
        .filter(|(t, _)| **t != "other")
        .map(|(t, cs)| (*t, cs.len()))
        .collect();
    topic_list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let hotspot_topics: Vec<TopicSummary> = topic_list
        .iter()
        .take(opts.top_topics)
        .map(|(t, n)| ctx.summary(t, *n, true))
        .collect();
    let rising_topics: Vec<TopicSummary> = if ctx.has_prev {
        topic_list
            .iter()
            .filter(|(t, n)| {
                let p = prev_counts.get(t).copied().unwrap_or(0);
                (p == 0 && *n >= 2) || ctx.rose(*n, p)
            })
            .take(opts.top_topics)
            .map(|(t, n)| ctx.summary(t, *n, false))
            .collect()
    } else {
        Vec::new()
    };
    let mut report_hotspots: Vec<&Case> = m
        .this
        .iter()
        .copied()
        .filter(|c| c.record == RecordType::ReportHotspot)
        .collect();
    report_hotspots.sort_by(|a, b| document_order(a).cmp(&document_order(b)));
    HotSection {
        topic_basis: m.basis.len(),
        hotspot_topics,
        rising_topics,
        report_hotspots: report_hotspots.iter().map(|c| CaseSummary::of(c)).collect(),
        hotspots,
    }
}

/// The month's concrete hotspots (clusters of cases about one place and problem).
fn concrete_hotspots(m: &MonthCases, opts: &ReportOptions) -> Vec<HotspotSummary> {
    let found: Vec<Hotspot> = if opts.hotspots && !m.narratives.is_empty() {
        let params = HotspotParams {
            top: opts.top_hotspots,
            ..HotspotParams::default()
        };
        // The month's cases and the previous month's, borrowed, not copied.
        find_hotspots_refs(&m.narratives, &m.prev_basis, &params)
    } else {
        Vec::new()
    };
    let by_id: HashMap<&str, &Case> = m.narratives.iter().map(|c| (c.id.as_str(), *c)).collect();
    found
        .iter()
        .map(|h| {
            let mut reps: Vec<&Case> = h
                .representative_ids
                .iter()
                .filter_map(|id| by_id.get(id.as_str()).copied())
                .collect();
            if reps.is_empty() {
                reps = h
                    .case_ids
                    .iter()
                    .filter_map(|id| by_id.get(id.as_str()).copied())
                    .collect();
                reps.sort_by_cached_key(|c| rep_key(c));
            }
            let reps: Vec<&Case> = pick_distinct(&reps, 2)
                .into_iter()
                .map(|(c, _)| c)
                .collect();
            HotspotSummary {
                rank: h.rank,
                label: h.label.clone(),
                topic: h.topic.clone(),
                topic_name: h.topic.as_deref().map(|t| topic_name(t).to_string()),
                heat: h.heat,
                case_count: h.case_count,
                distinct_users: h.distinct_users,
                first: h.first,
                last: h.last,
                keywords: h.keywords.clone(),
                representative_cases: reps.into_iter().map(CaseSummary::of).collect(),
                case_ids: h.case_ids.clone(),
            }
        })
        .collect()
}

struct TopicContext<'a, 'c> {
    topic_cases: &'a HashMap<&'c str, Vec<&'c Case>>,
    prev_counts: &'a HashMap<&'c str, usize>,
    has_prev: bool,
    cur_n: usize,
    prev_n: usize,
    hotspots: &'a [HotspotSummary],
}

impl TopicContext<'_, '_> {
    /// Rose sharply: its share of the month grew by half and it has at least 3 cases more (a
    /// month with twice the calls does not make every topic "rising").
    fn rose(&self, n: usize, p: usize) -> bool {
        p > 0 && n * self.prev_n * 2 >= p * self.cur_n * 3 && n >= p + 3
    }

    fn trend(&self, count: usize, prev: usize) -> Trend {
        if !self.has_prev {
            Trend::Unknown
        } else if prev == 0 {
            Trend::New
        } else if self.rose(count, prev) {
            Trend::Rising
        } else if count >= prev {
            Trend::Steady
        } else {
            Trend::Falling
        }
    }

    /// A topic's summary; `appeals` also finds its main appeals (the leading topics only).
    fn summary(&self, id: &str, count: usize, appeals: bool) -> TopicSummary {
        let prev_n = self.prev_counts.get(id).copied().unwrap_or(0);
        let own: Vec<&HotspotSummary> = self
            .hotspots
            .iter()
            .filter(|h| h.topic.as_deref() == Some(id))
            .collect();
        let mut cases: Vec<&Case> = self.topic_cases.get(id).cloned().unwrap_or_default();
        cases.sort_by_cached_key(|c| rep_key(c));
        // Representatives: from the topic's hottest hotspot first, else from its cases.
        let mut reps: Vec<CaseSummary> = own
            .iter()
            .flat_map(|h| h.representative_cases.iter().take(1).cloned())
            .take(2)
            .collect();
        if reps.is_empty() {
            // Only the first few hundred need comparing to find two different ones.
            let head: Vec<&Case> = cases.iter().copied().take(300).collect();
            reps = pick_distinct(&head, 2)
                .into_iter()
                .map(|(c, _)| CaseSummary::of(c))
                .collect();
        }
        TopicSummary {
            id: id.to_string(),
            name: topic_name(id).to_string(),
            count,
            percent: pct(count, self.cur_n).unwrap_or(0.0),
            previous: self.has_prev.then_some(prev_n),
            change_percent: if self.has_prev {
                change_pct(count, prev_n)
            } else {
                None
            },
            trend: self.trend(count, prev_n),
            hotspot_ranks: own.iter().map(|h| h.rank).collect(),
            representative_cases: reps,
            appeals: if appeals {
                topic_appeals(&own, count, &cases)
            } else {
                Vec::new()
            },
            suggestion: appeals.then(|| suggestion(id)),
        }
    }
}

/// A topic's main appeals: its hotspots (those no larger than the topic), then the largest
/// groups of cases that state the same sub-problem, up to [`MAX_APPEALS`].
fn topic_appeals(own: &[&HotspotSummary], count: usize, cases: &[&Case]) -> Vec<Appeal> {
    let mut out: Vec<Appeal> = own
        .iter()
        // A hotspot larger than its topic's count (its cases span several topics) would read
        // as a contradiction in the topic's paragraph.
        .filter(|h| h.case_count <= count)
        .take(MAX_APPEALS)
        .map(|h| Appeal {
            text: clip_phrase(&h.label),
            count: h.case_count,
        })
        .collect();
    if out.len() >= MAX_APPEALS {
        return out;
    }
    let in_hotspots: std::collections::HashSet<&str> = own
        .iter()
        .flat_map(|h| h.case_ids.iter().map(String::as_str))
        .collect();
    let mut groups: Vec<(String, Bigrams, usize)> = Vec::new();
    for c in cases
        .iter()
        .filter(|c| !in_hotspots.contains(c.id.as_str()))
        .take(APPEAL_POOL)
    {
        let Some(phrase) = appeal_phrase(c) else {
            continue;
        };
        let g = bigrams(&phrase);
        match groups
            .iter_mut()
            .find(|(_, pg, _)| similarity(pg, &g) >= SAME_THING)
        {
            Some(group) => group.2 += 1,
            None => groups.push((phrase, g, 1)),
        }
    }
    // Largest first; the sort is stable, so equal groups keep the quoting order.
    groups.sort_by_key(|g| std::cmp::Reverse(g.2));
    for (text, g, n) in groups {
        if out.len() >= MAX_APPEALS {
            break;
        }
        if out
            .iter()
            .any(|a| similarity(&bigrams(&a.text), &g) >= SAME_THING)
        {
            continue;
        }
        out.push(Appeal { text, count: n });
    }
    out
}

/// Clauses that carry no appeal (greetings, thanks, self-introductions).
const FILLER: [&str; 9] = [
    "您好", "你好", "尊敬", "领导", "谢谢", "感谢", "本人", "我是", "请问",
];

/// A case's appeal as a short phrase: its title (留言主题) when it has one, else the first
/// clause of its narrative that is not a greeting.
fn appeal_phrase(c: &Case) -> Option<String> {
    let title = c
        .title
        .as_deref()
        .map(str::trim)
        .filter(|t| t.chars().count() >= 4);
    if let Some(t) = title {
        return Some(clip_phrase(t));
    }
    c.narrative
        .split(['。', '，', '！', '？', '；', ',', '.', '!', '?', ';', '\n'])
        .map(str::trim)
        .find(|s| s.chars().count() >= 6 && !FILLER.iter().any(|f| s.contains(f)))
        .map(clip_phrase)
}

/// A phrase cut to at most [`APPEAL_CHARS`] characters at a clause boundary (the first clause
/// when the whole is too long), with no trailing punctuation.
pub fn clip_phrase(s: &str) -> String {
    let flat: String = s.split_whitespace().collect::<Vec<_>>().join("");
    let trimmed = flat.trim_end_matches(|c: char| !c.is_alphanumeric());
    if trimmed.chars().count() <= APPEAL_CHARS {
        return trimmed.to_string();
    }
    let first = trimmed
        .split(['。', '，', '！', '？', '；', ',', ';'])
        .find(|p| p.chars().count() >= 4)
        .unwrap_or(trimmed);
    first.chars().take(APPEAL_CHARS).collect()
}
