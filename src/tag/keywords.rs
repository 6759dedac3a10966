//! Keyword rules for the fine hotspot topics (`models/topics.toml`): weighted keywords and
//! phrases, synonyms, exclusions and default departments per topic, matched in one
//! Aho-Corasick pass over the text. They are the prior and the explanation of a topic, and
//! label the bootstrap training set for the topic model.

use std::collections::BTreeMap;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use anyhow::{bail, Context, Result};
use serde::Deserialize;

/// The compiled-in topic rules.
pub const DEFAULT_TOPICS: &str = include_str!("../../models/topics.toml");

/// Weight of each `synonyms` entry.
const SYNONYM_WEIGHT: f32 = 1.5;
/// Title matches count this much more than body matches.
const TITLE_BOOST: f32 = 4.0;

#[derive(Debug, Clone, Deserialize)]
struct TopicFile {
    topic: Vec<TopicSpec>,
}

/// One topic as written in topics.toml.
#[derive(Debug, Clone, Deserialize)]
pub struct TopicSpec {
    pub id: String,
    pub name: String,
    /// The parent first-level category (一级分类); empty for `other`.
    pub category: String,
    pub scope: String,
    #[serde(default)]
    pub keywords: BTreeMap<String, f32>,
    #[serde(default)]
    pub synonyms: Vec<String>,
    #[serde(default)]
    pub exclude: Vec<String>,
    #[serde(default)]
    pub departments: Vec<String>,
}

/// What a pattern does when it matches.
#[derive(Debug, Clone, Copy)]
enum Role {
    Add(usize, f32),
    Exclude(usize),
}

/// The topic rules compiled into one matcher.
pub struct Keywords {
    pub topics: Vec<TopicSpec>,
    patterns: Vec<String>,
    roles: Vec<Vec<Role>>,
    ac: AhoCorasick,
}

/// Keyword scores of one text.
#[derive(Debug, Clone, Default)]
pub struct KeywordHits {
    /// Score per topic (index into [`Keywords::topics`]).
    pub scores: Vec<f32>,
    /// The matched keywords per topic.
    pub matched: Vec<Vec<String>>,
}

impl KeywordHits {
    /// The best topic index, its score and the runner-up's score.
    pub fn best(&self) -> Option<(usize, f32, f32)> {
        let mut order: Vec<usize> = (0..self.scores.len()).collect();
        order.sort_by(|&a, &b| self.scores[b].total_cmp(&self.scores[a]));
        let first = *order.first()?;
        if self.scores[first] <= 0.0 {
            return None;
        }
        let second = order.get(1).map(|&i| self.scores[i]).unwrap_or(0.0);
        Some((first, self.scores[first], second))
    }
}

impl Keywords {
    /// Parses topics.toml text.
    pub fn parse(toml_text: &str) -> Result<Keywords> {
        let file: TopicFile = toml::from_str(toml_text).context("bad topics.toml")?;
        if file.topic.is_empty() {
            bail!("topics.toml has no [[topic]]");
        }
        let mut index: BTreeMap<String, usize> = BTreeMap::new();
        let mut roles: Vec<Vec<Role>> = Vec::new();
        let mut add = |p: &str, role: Role, index: &mut BTreeMap<String, usize>| {
            let p = p.trim().to_lowercase();
            if p.is_empty() {
                return;
            }
            let n = index.len();
            let i = *index.entry(p).or_insert(n);
            if i == roles.len() {
                roles.push(Vec::new());
            }
            roles[i].push(role);
        };
        for (t, spec) in file.topic.iter().enumerate() {
            for (k, &w) in &spec.keywords {
                add(k, Role::Add(t, w), &mut index);
            }
            for s in &spec.synonyms {
                add(s, Role::Add(t, SYNONYM_WEIGHT), &mut index);
            }
            for e in &spec.exclude {
                add(e, Role::Exclude(t), &mut index);
            }
        }
        let mut patterns = vec![String::new(); index.len()];
        for (p, i) in index {
            patterns[i] = p;
        }
        // patterns are lowercased; matching ASCII case-insensitively spares lowercasing texts
        // (most hold an upper-case "A市"). A full DFA of these patterns takes 3.5 MB and
        // scans fastest alone, but beside the models' weights its cache misses make it
        // slower than the contiguous NFA (180 kB): 26k against 42k cycles a case.
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .ascii_case_insensitive(true)
            .kind(Some(AhoCorasickKind::ContiguousNFA))
            .build(&patterns)
            .context("cannot build the keyword matcher")?;
        Ok(Keywords {
            topics: file.topic,
            patterns,
            roles,
            ac,
        })
    }

    /// The compiled-in rules.
    pub fn builtin() -> Keywords {
        Keywords::parse(DEFAULT_TOPICS).expect("models/topics.toml is valid")
    }

    /// Index of a topic id.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.topics.iter().position(|t| t.id == id)
    }

    /// Scores a title and body: every distinct keyword counts once (title matches boosted);
    /// each exclusion phrase present halves the topic's score.
    pub fn score(&self, title: &str, body: &str) -> KeywordHits {
        let mut scan = KeywordScan::default();
        let scores = self.scan(title, body, &mut scan);
        let matched = (0..self.topics.len())
            .map(|t| {
                self.matched(&scan, t)
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
            .collect();
        KeywordHits { scores, matched }
    }

    /// As [`Keywords::score`] without building the matched keyword lists: the scores per
    /// topic, with the hits left in `scan` for [`Keywords::matched`]. `scan` is reused.
    pub fn scan(&self, title: &str, body: &str, scan: &mut KeywordScan) -> Vec<f32> {
        if scan.seen.len() == self.patterns.len() {
            for &p in &scan.hits {
                scan.seen[p as usize] = 0;
            }
        } else {
            scan.seen.clear();
            scan.seen.resize(self.patterns.len(), 0);
        }
        scan.hits.clear();
        for (text, bit) in [(body, 1u8), (title, 2u8)] {
            for m in self.ac.find_overlapping_iter(text) {
                let p = m.pattern().as_usize();
                if scan.seen[p] == 0 {
                    scan.hits.push(p as u32);
                }
                scan.seen[p] |= bit;
            }
        }
        // pattern order, so sums and the matched lists do not depend on match order
        scan.hits.sort_unstable();
        let k = self.topics.len();
        let mut scores = vec![0f32; k];
        let mut excluded = vec![0i32; k];
        for &p in &scan.hits {
            let s = scan.seen[p as usize];
            for role in &self.roles[p as usize] {
                match *role {
                    Role::Add(t, w) => scores[t] += if s & 2 != 0 { w * TITLE_BOOST } else { w },
                    Role::Exclude(t) => excluded[t] += 1,
                }
            }
        }
        for (s, &e) in scores.iter_mut().zip(&excluded) {
            if e > 0 {
                *s *= 0.5f32.powi(e);
            }
        }
        scores
    }

    /// The keywords of `topic` found by the last [`Keywords::scan`], in pattern order.
    pub fn matched<'a>(
        &'a self,
        scan: &'a KeywordScan,
        topic: usize,
    ) -> impl Iterator<Item = &'a str> {
        scan.hits.iter().flat_map(move |&p| {
            self.roles[p as usize]
                .iter()
                .filter(move |r| matches!(r, Role::Add(t, _) if *t == topic))
                .map(move |_| self.patterns[p as usize].as_str())
        })
    }
}

/// Reused buffers of [`Keywords::scan`]: which patterns matched, in the body (bit 1) or the
/// title (bit 2).
#[derive(Debug, Clone, Default)]
pub struct KeywordScan {
    seen: Vec<u8>,
    hits: Vec<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_topics_follow_the_contract() {
        let kw = Keywords::builtin();
        assert_eq!(kw.topics.len(), 36);
        assert_eq!(kw.topics.last().unwrap().id, "other");
        let hits = kw.score("小区路灯不亮", "晚上路灯坏了一个月");
        let (best, _, _) = hits.best().unwrap();
        assert_eq!(kw.topics[best].id, "street_lighting");
        assert!(hits.matched[best].contains(&"路灯".to_string()));
    }

    #[test]
    fn exclusions_halve() {
        let kw = Keywords::builtin();
        let t = kw.position("street_lighting").unwrap();
        let a = kw.score("", "路灯").scores[t];
        let b = kw.score("", "路灯 红绿灯").scores[t];
        assert!(b < a);
    }
}
