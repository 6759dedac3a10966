//! Keyword rules for the fine hotspot topics (`models/topics.toml`): weighted keywords and
//! phrases, synonyms, exclusions and default departments per topic, matched in one pass over
//! the text (a character trie, [`PatternTrie`]), which also tells whether an emergency term
//! of [`super::urgent`] occurs. They are the prior and the explanation of a topic, and label
//! the bootstrap training set for the topic model.

use std::collections::BTreeMap;

use anyhow::{bail, Context, Result};
use rustc_hash::FxHashMap;
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
    /// Regional and colloquial words for a keyword of the rules (`动迁 = "拆迁"`): each
    /// counts as that keyword does, for every topic that has it, so an office's own words
    /// for a known problem carry the same evidence.
    #[serde(default)]
    regional: BTreeMap<String, String>,
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
    trie: PatternTrie,
}

/// No pattern ends at a trie node.
const NONE: u32 = u32::MAX;
/// log2 of the bits of the [`PatternTrie`] filter on the first two characters.
const PAIR_BITS: u32 = 16;

/// Every occurrence of a set of patterns in a text, ASCII letters matched case-insensitively
/// (the patterns are lower case): a trie over characters walked from each position of the
/// text. A walk starts only where the first two characters begin some pattern (a bit array
/// hashed on the pair, 8 kB, rejects nearly every position at once), so a text costs about
/// one bit test per character. Patterns of one character are looked up on their own.
/// Besides the keyword patterns it holds the emergency terms of [`super::urgent`], to tell
/// whether any occurs (the urgency rules then run only on texts that have one).
#[derive(Debug, Clone, Default)]
pub struct PatternTrie {
    /// (node, character) → child node; node 0 is the root.
    edges: FxHashMap<(u32, u32), u32>,
    /// Per node: the keyword pattern ending there, or [`NONE`].
    pattern: Vec<u32>,
    /// Per node: an emergency term ends there.
    urgent: Vec<bool>,
    /// Bit `pair_hash(a, b)`: some pattern of two or more characters starts with `a b`.
    pairs: Vec<u64>,
    /// Patterns of one character: character → node.
    single: FxHashMap<u32, u32>,
}

/// The character as matched: ASCII upper case folded to lower case.
#[inline]
fn fold(c: char) -> u32 {
    c.to_ascii_lowercase() as u32
}

#[inline]
fn pair_hash(a: u32, b: u32) -> usize {
    ((a.wrapping_mul(0x9E37_79B1) ^ b).wrapping_mul(0x85EB_CA77) >> (32 - PAIR_BITS)) as usize
}

impl PatternTrie {
    /// The trie of `patterns` (lower case, none empty) and the emergency terms `urgent`.
    fn new(patterns: &[String], urgent: &[&str]) -> PatternTrie {
        let mut t = PatternTrie {
            pattern: vec![NONE],
            urgent: vec![false],
            pairs: vec![0; (1 << PAIR_BITS) / 64],
            ..PatternTrie::default()
        };
        for (pattern_id, (p, is_urgent)) in (0u32..).zip(
            patterns
                .iter()
                .map(|p| (p.as_str(), false))
                .chain(urgent.iter().map(|u| (*u, true))),
        ) {
            let mut node = 0u32;
            for c in p.chars() {
                let next = t.pattern.len() as u32;
                node = *t.edges.entry((node, fold(c))).or_insert(next);
                if node == next {
                    t.pattern.push(NONE);
                    t.urgent.push(false);
                }
            }
            let mut cs = p.chars().map(fold);
            match (cs.next(), cs.next()) {
                (Some(a), Some(b)) => {
                    let h = pair_hash(a, b);
                    t.pairs[h / 64] |= 1 << (h % 64);
                }
                (Some(a), None) => {
                    t.single.insert(a, node);
                }
                _ => {}
            }
            if is_urgent {
                t.urgent[node as usize] = true;
            } else {
                t.pattern[node as usize] = pattern_id;
            }
        }
        t
    }

    /// Calls `found(pattern)` for every keyword pattern occurrence in the characters `cs`
    /// (folded, see [`fold`]); returns whether an emergency term occurs.
    fn scan(&self, cs: &[u32], mut found: impl FnMut(u32)) -> bool {
        let mut urgent = false;
        let single = !self.single.is_empty();
        for i in 0..cs.len() {
            if single {
                if let Some(&n) = self.single.get(&cs[i]) {
                    let p = self.pattern[n as usize];
                    if p != NONE {
                        found(p);
                    }
                    urgent |= self.urgent[n as usize];
                }
            }
            let Some(&b) = cs.get(i + 1) else { break };
            let h = pair_hash(cs[i], b);
            if self.pairs[h / 64] & (1 << (h % 64)) == 0 {
                continue;
            }
            let Some(&first) = self.edges.get(&(0, cs[i])) else {
                continue;
            };
            let mut node = first;
            for &c in &cs[i + 1..] {
                match self.edges.get(&(node, c)) {
                    Some(&n) => node = n,
                    None => break,
                }
                let p = self.pattern[node as usize];
                if p != NONE {
                    found(p);
                }
                urgent |= self.urgent[node as usize];
            }
        }
        urgent
    }
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
        let add = |p: &str,
                   role: Role,
                   index: &mut BTreeMap<String, usize>,
                   roles: &mut Vec<Vec<Role>>| {
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
                add(k, Role::Add(t, w), &mut index, &mut roles);
            }
            for s in &spec.synonyms {
                add(s, Role::Add(t, SYNONYM_WEIGHT), &mut index, &mut roles);
            }
            for e in &spec.exclude {
                add(e, Role::Exclude(t), &mut index, &mut roles);
            }
        }
        for (word, standard) in &file.regional {
            let std_key = standard.trim().to_lowercase();
            let Some(&i) = index.get(&std_key) else {
                bail!(
                    "topics.toml: regional word {word} stands for {standard}, which no topic has"
                );
            };
            let adds: Vec<Role> = roles[i]
                .iter()
                .filter(|r| matches!(r, Role::Add(..)))
                .copied()
                .collect();
            for r in adds {
                add(word, r, &mut index, &mut roles);
            }
        }
        let mut patterns = vec![String::new(); index.len()];
        for (p, i) in index {
            patterns[i] = p;
        }
        // patterns are lowercased; matching ASCII case-insensitively spares lowercasing texts
        // (most hold an upper-case "A市"). The trie replaced an Aho-Corasick contiguous NFA
        // (overlapping matches, the same hits): 24k against 4k cycles a case.
        let trie = PatternTrie::new(&patterns, &super::urgent::EMERGENCIES);
        Ok(Keywords {
            topics: file.topic,
            patterns,
            roles,
            trie,
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
        scan.urgent = false;
        for (text, bit) in [(body, 1u8), (title, 2u8)] {
            scan.chars.clear();
            scan.chars.extend(text.chars().map(fold));
            let (seen, hits) = (&mut scan.seen, &mut scan.hits);
            scan.urgent |= self.trie.scan(&scan.chars, |p| {
                if seen[p as usize] == 0 {
                    hits.push(p);
                }
                seen[p as usize] |= bit;
            });
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
/// title (bit 2), and whether an emergency term occurs in either.
#[derive(Debug, Clone, Default)]
pub struct KeywordScan {
    seen: Vec<u8>,
    hits: Vec<u32>,
    chars: Vec<u32>,
    urgent: bool,
}

impl KeywordScan {
    /// After [`Keywords::scan`]: false when neither text holds any emergency term of
    /// [`super::urgent::EMERGENCIES`] (so neither is urgent).
    pub fn maybe_urgent(&self) -> bool {
        self.urgent
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

    /// Every regional word of models/topics.toml scores, alone in a text, the same topics as
    /// the keyword it stands for.
    #[test]
    fn each_regional_word_scores_as_its_keyword() {
        let file: TopicFile = toml::from_str(DEFAULT_TOPICS).unwrap();
        assert!(file.regional.len() >= 20);
        let kw = Keywords::builtin();
        for (word, standard) in &file.regional {
            let a = kw.score("", word);
            let b = kw.score("", standard);
            assert!(a.best().is_some(), "{word} scores nothing");
            assert_eq!(
                a.best().map(|x| x.0),
                b.best().map(|x| x.0),
                "{word} / {standard}"
            );
        }
    }

    /// Messages as other cities write them: the regional word alone names the problem.
    #[test]
    fn regional_messages_find_their_topic() {
        let kw = Keywords::builtin();
        for (title, body, want) in [
            (
                "关于动迁补偿的问题",
                "我家老房子动迁三年了还没有给钱",
                "demolition_resettlement",
            ),
            (
                "回迁房迟迟不交付",
                "小区回迁房说好去年交付至今没有消息",
                "demolition_resettlement",
            ),
            (
                "买房五年办不下房照",
                "开发商一直拖着不给办房照",
                "housing_quality",
            ),
            (
                "房本什么时候能下来",
                "交房两年了房本还没办",
                "housing_quality",
            ),
            (
                "家里地暖冰凉",
                "入冬以来热力公司一直没有供热",
                "gas_heating",
            ),
            ("单位三个月没开资", "老板说没钱拖着不开资", "wage_arrears"),
            (
                "合疗报销比例太低",
                "农村合疗报销手续麻烦",
                "social_insurance",
            ),
            ("楼上跑水", "楼上跑水把我家天花板泡了", "housing_quality"),
        ] {
            let hits = kw.score(title, body);
            let (best, _, _) = hits.best().unwrap_or_else(|| panic!("{title}: no topic"));
            assert_eq!(kw.topics[best].id, want, "{title}");
        }
    }

    #[test]
    fn a_regional_word_for_an_unknown_keyword_is_an_error() {
        let text = format!("{DEFAULT_TOPICS}\n\"某词\" = \"没有这个关键词\"\n");
        let err = Keywords::parse(&text).err().expect("an error").to_string();
        assert!(err.contains("没有这个关键词"), "{err}");
    }

    /// The hits of the trie are those of an Aho-Corasick automaton of the same patterns
    /// (overlapping, ASCII case-insensitive), and it finds the emergency terms.
    fn assert_hits_as_aho_corasick(kw: &Keywords, ac: &aho_corasick::AhoCorasick, text: &str) {
        let mut scan = KeywordScan::default();
        kw.scan("", text, &mut scan);
        let mut want: Vec<u32> = ac
            .find_overlapping_iter(text)
            .map(|m| m.pattern().as_u32())
            .collect();
        want.sort_unstable();
        want.dedup();
        assert_eq!(scan.hits, want, "{text}");
        let urgent = super::super::urgent::EMERGENCIES
            .iter()
            .any(|u| text.contains(u));
        assert_eq!(scan.maybe_urgent(), urgent, "{text}");
    }

    #[test]
    fn trie_hits_are_aho_corasick_hits() {
        let kw = Keywords::builtin();
        let ac = aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(&kw.patterns)
            .unwrap();
        let mut texts: Vec<String> = [
            "小区路灯不亮，晚上出行不便，KTV噪音扰民，4S店维修，P2P爆雷",
            "村道发生塌方，煤气泄漏，有人被困",
            "",
            "路",
            "A市A3区拖欠工资",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        if let Some(shared) = crate::testdata::shared_dir() {
            let f = shared.join("datasets/tipdm2020c/hotspot_messages.csv");
            if let Ok(mut rdr) = csv::Reader::from_path(f) {
                texts.extend(
                    rdr.records()
                        .flatten()
                        .step_by(7)
                        .map(|r| format!("{}\n{}", &r[2], &r[4])),
                );
            }
        }
        for t in &texts {
            assert_hits_as_aho_corasick(&kw, &ac, t);
        }
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
