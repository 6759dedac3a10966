//! Keyword rules for the fine hotspot topics (`models/topics.toml`): weighted keywords and
//! phrases, synonyms, exclusions and default departments per topic, matched in one
//! Aho-Corasick pass over the text. They are the prior and the explanation of a topic, and
//! label the bootstrap training set for the topic model.

use std::collections::BTreeMap;

use aho_corasick::{AhoCorasick, MatchKind};
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
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
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
        let k = self.topics.len();
        let mut seen = vec![0u8; self.patterns.len()]; // bit 1: body, bit 2: title
        for (text, bit) in [(body, 1u8), (title, 2u8)] {
            if text.is_empty() {
                continue;
            }
            let lower;
            let text = if text.bytes().any(|b| b.is_ascii_uppercase()) {
                lower = text.to_lowercase();
                lower.as_str()
            } else {
                text
            };
            for m in self.ac.find_overlapping_iter(text) {
                seen[m.pattern().as_usize()] |= bit;
            }
        }
        let mut scores = vec![0f32; k];
        let mut excluded = vec![0u32; k];
        let mut matched = vec![Vec::new(); k];
        for (p, &s) in seen.iter().enumerate() {
            if s == 0 {
                continue;
            }
            for role in &self.roles[p] {
                match *role {
                    Role::Add(t, w) => {
                        scores[t] += if s & 2 != 0 { w * TITLE_BOOST } else { w };
                        matched[t].push(self.patterns[p].clone());
                    }
                    Role::Exclude(t) => excluded[t] += 1,
                }
            }
        }
        for t in 0..k {
            if excluded[t] > 0 {
                scores[t] *= 0.5f32.powi(excluded[t] as i32);
            }
        }
        KeywordHits { scores, matched }
    }
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
