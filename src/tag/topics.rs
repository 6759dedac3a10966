//! Fine topics: combining the keyword vote with the bootstrapped topic model, building the
//! bootstrap training set (high-precision keyword matches over unlabelled messages), and the
//! hand-labelled check set (`tests/topics_check.csv`: file, id, topic; texts read from
//! ../shared/datasets).

use std::collections::{HashMap, HashSet};
use std::path::Path;

use anyhow::{bail, Context, Result};
use rayon::prelude::*;

use super::data::{join_text, pretokenized, Example};
use super::keywords::Keywords;
use crate::text::segmenter;

/// Weight of the keyword vote in the blend (the model's probability gets the rest).
pub const KW_WEIGHT: f32 = 0.6;
/// Keyword score at which the blended keyword vote reaches one half.
pub const KW_BLEND_HALF: f32 = 48.0;
/// Added to the blended `other` vote: `other` wins when no topic's vote reaches this plus
/// the model's weighted `other` probability.
pub const OTHER_BIAS: f32 = 0.1;
/// Secondary topics need at least this vote.
pub const SECONDARY_THRESHOLD: f32 = 0.45;
/// Keyword score at which the keyword vote for secondary topics reaches one half.
const KW_HALF: f32 = 5.0;
/// A keyword label for the bootstrap set needs this score ...
const BOOT_MIN: f32 = 7.0;
/// ... and this ratio over the runner-up.
const BOOT_RATIO: f32 = 1.8;

/// The topic decision for one text.
#[derive(Debug, Clone)]
pub struct Decision {
    /// Index into the keyword topics (`other` when nothing fits).
    pub primary: usize,
    pub confidence: f32,
    /// The vote per topic (max of the saturated keyword score and the model probability),
    /// for secondary topics.
    pub votes: Vec<f32>,
}

/// The keyword vote and the model probability blended per topic; the best wins.
///
/// Each topic's score is `KW_WEIGHT · kw / (kw + KW_BLEND_HALF) + (1 − KW_WEIGHT) · p`,
/// and `other` scores `(1 − KW_WEIGHT) · p(other) + OTHER_BIAS` (the model learns an
/// `other` class from hand-labelled rows). The keywords are precise where they are strong
/// and explain the choice; the model, trained on keyword-labelled messages plus the
/// hand-labelled ones, corrects keyword matches that the annotators read otherwise.
/// Measured by `hotline train --topics --cv 5` over the hand-labelled rows, this blend beat
/// the earlier back-off (keywords when strong, else the model, else `other`): see README.
/// A penalty for topics whose parent contradicts the category model did not help in the
/// blend, so the category is not an input.
pub fn decide(kw: &Keywords, kw_scores: &[f32], model_p: &[f32]) -> Decision {
    let other = kw.position("other").unwrap_or(kw.topics.len() - 1);
    let votes: Vec<f32> = (0..kw.topics.len())
        .map(|t| {
            if t == other {
                return 0.0;
            }
            let kv = kw_scores[t] / (kw_scores[t] + KW_HALF);
            kv.max(model_p[t])
        })
        .collect();
    let blend = |t: usize| -> f32 {
        if t == other {
            (1.0 - KW_WEIGHT) * model_p[t] + OTHER_BIAS
        } else {
            let s = kw_scores[t].max(0.0);
            KW_WEIGHT * s / (s + KW_BLEND_HALF) + (1.0 - KW_WEIGHT) * model_p[t]
        }
    };
    let (mut best, mut best_v) = (other, blend(other));
    for t in 0..kw.topics.len() {
        let v = blend(t);
        if v > best_v {
            (best, best_v) = (t, v);
        }
    }
    let confidence = if best == other {
        1.0 - votes.iter().copied().fold(0.0, f32::max)
    } else {
        votes[best]
    };
    Decision {
        primary: best,
        confidence: confidence.clamp(0.0, 1.0),
        votes,
    }
}

/// Topic confidence from which the category is the topic's parent (一级分类 in
/// ../shared/topics.md) whatever the category model says, so the two never contradict.
pub const CATEGORY_FOLLOWS_TOPIC: f32 = 0.5;

/// The category a case gets given its topic decision: the topic's parent when the topic is
/// confident (and is not `other`), else `None` (the category model decides).
pub fn parent_category<'k>(kw: &'k Keywords, d: &Decision) -> Option<&'k str> {
    let spec = &kw.topics[d.primary];
    (spec.id != "other" && !spec.category.is_empty() && d.confidence >= CATEGORY_FOLLOWS_TOPIC)
        .then_some(spec.category.as_str())
}

/// One unlabelled message from a dataset.
#[derive(Debug, Clone)]
pub struct Message {
    /// Dataset-relative file (e.g. `tipdm2020c/hotspot_messages.csv`).
    pub file: String,
    pub id: String,
    pub title: String,
    pub body: String,
    /// Pre-segmented tokens (labeled_segmented.csv) instead of a body.
    pub tokens: Option<String>,
}

fn col(headers: &csv::StringRecord, names: &[&str]) -> Option<usize> {
    names
        .iter()
        .find_map(|n| headers.iter().position(|h| h.trim() == *n))
}

/// Reads the messages of a dataset csv (ids: 留言编号 / mail_id; text: title + body, or
/// 分词文本).
pub fn read_messages(root: &Path, rel: &str) -> Result<Vec<Message>> {
    let path = root.join(rel);
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    let h = rdr.headers()?.clone();
    let id = col(&h, &["留言编号", "mail_id", "id"]);
    let title = col(&h, &["留言主题", "title"]);
    let body = col(&h, &["留言详情", "query", "text"]);
    let tokens = col(&h, &["分词文本"]);
    if body.is_none() && tokens.is_none() {
        bail!("{}: no text column", path.display());
    }
    let mut out = Vec::new();
    for (row, rec) in rdr.records().enumerate() {
        let rec = rec.with_context(|| format!("{}: row {}: bad csv", path.display(), row + 1))?;
        let get = |i: Option<usize>| i.and_then(|i| rec.get(i)).unwrap_or("").trim().to_string();
        let m = Message {
            file: rel.to_string(),
            id: match get(id) {
                s if s.is_empty() => format!("row{}", row + 1),
                s => s,
            },
            title: get(title),
            body: get(body),
            tokens: tokens.map(|i| rec.get(i).unwrap_or("").to_string()),
        };
        if m.body.is_empty() && m.tokens.as_deref().unwrap_or("").trim().is_empty() {
            continue;
        }
        out.push(m);
    }
    Ok(out)
}

impl Message {
    /// Title and body for keyword matching (tokens joined for pre-segmented rows).
    pub fn title_body(&self) -> (String, String) {
        match &self.tokens {
            Some(t) => (
                String::new(),
                t.split_whitespace().collect::<Vec<_>>().join(""),
            ),
            None => (self.title.clone(), self.body.clone()),
        }
    }

    /// The terms the models read.
    pub fn terms(&self) -> Vec<String> {
        match &self.tokens {
            Some(t) => pretokenized(t),
            None => segmenter().terms(&join_text(&[&self.title, &self.body])),
        }
    }
}

/// The datasets the topic model bootstraps from (relative to ../shared/datasets).
pub const BOOTSTRAP_FILES: [&str; 6] = [
    "tipdm2020c/hotspot_messages.csv",
    "tipdm2020c/replies.csv",
    "tipdm2020c/unlabeled_2801.csv",
    "tipdm2020c/labeled_raw.csv",
    "tipdm2020c/labeled_segmented.csv",
    "shangluo_mailbox/mails.csv",
];

/// Labels messages by high-precision keyword matches; messages in `exclude` (file, id) are
/// left out. Returns the examples and per-topic counts.
pub fn bootstrap(
    kw: &Keywords,
    messages: &[Message],
    exclude: &HashSet<(String, String)>,
) -> (Vec<Example>, HashMap<String, usize>) {
    let out: Vec<Example> = messages
        .par_iter()
        .filter(|m| !exclude.contains(&(m.file.clone(), m.id.clone())))
        .filter_map(|m| {
            let (t, b) = m.title_body();
            let hits = kw.score(&t, &b);
            let (best, s1, s2) = hits.best()?;
            if s1 >= BOOT_MIN && s1 >= BOOT_RATIO * s2 {
                Some(Example {
                    terms: m.terms(),
                    label: kw.topics[best].id.clone(),
                    origin: format!("{}:{}", m.file, m.id),
                })
            } else {
                None
            }
        })
        .collect();
    let mut counts = HashMap::new();
    for e in &out {
        *counts.entry(e.label.clone()).or_insert(0) += 1;
    }
    (out, counts)
}

/// One row of the hand-labelled check set.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CheckRow {
    pub file: String,
    pub id: String,
    pub topic: String,
}

/// Reads `file,id,topic` rows.
pub fn read_check(path: &Path) -> Result<Vec<CheckRow>> {
    let mut rdr =
        csv::Reader::from_path(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut out = Vec::new();
    for (row, rec) in rdr.records().enumerate() {
        let rec = rec.with_context(|| format!("{}: row {}: bad csv", path.display(), row + 1))?;
        let get = |i: usize, name: &str| -> Result<String> {
            rec.get(i)
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .with_context(|| format!("{}: row {}: empty {}", path.display(), row + 1, name))
        };
        out.push(CheckRow {
            file: get(0, "file")?,
            id: get(1, "id")?,
            topic: get(2, "topic")?,
        });
    }
    Ok(out)
}

/// The check rows joined with their messages from `root` (../shared/datasets); rows whose
/// message is missing are reported in the second value.
pub fn resolve_check(root: &Path, rows: &[CheckRow]) -> Result<(Vec<(CheckRow, Message)>, usize)> {
    let mut by_file: HashMap<String, HashMap<String, Message>> = HashMap::new();
    for r in rows {
        if !by_file.contains_key(&r.file) {
            let msgs = read_messages(root, &r.file)?;
            let mut map = HashMap::new();
            for m in msgs {
                map.entry(m.id.clone()).or_insert(m);
            }
            by_file.insert(r.file.clone(), map);
        }
    }
    let mut out = Vec::new();
    let mut missing = 0;
    for r in rows {
        match by_file[&r.file].get(&r.id) {
            Some(m) => out.push((r.clone(), m.clone())),
            None => missing += 1,
        }
    }
    Ok((out, missing))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decision(kw: &Keywords, id: &str, confidence: f32) -> Decision {
        Decision {
            primary: kw.position(id).unwrap(),
            confidence,
            votes: vec![0.0; kw.topics.len()],
        }
    }

    /// A confident topic names its parent (一级分类 of models/topics.toml); a doubtful one and
    /// `other` leave the category to the category model.
    #[test]
    fn a_confident_topic_names_its_parent_category() {
        let kw = Keywords::builtin();
        let sure = CATEGORY_FOLLOWS_TOPIC;
        assert_eq!(
            parent_category(&kw, &decision(&kw, "water_supply", sure)),
            Some("城乡建设")
        );
        assert_eq!(
            parent_category(&kw, &decision(&kw, "wage_arrears", 0.9)),
            Some("劳动和社会保障")
        );
        assert_eq!(
            parent_category(&kw, &decision(&kw, "traffic_order", 0.9)),
            Some("政法")
        );
        assert_eq!(
            parent_category(&kw, &decision(&kw, "water_supply", sure - 0.01)),
            None
        );
        assert_eq!(parent_category(&kw, &decision(&kw, "other", 1.0)), None);
        // every topic but other has a parent
        for t in kw.topics.iter().filter(|t| t.id != "other") {
            assert!(!t.category.is_empty(), "{} has no parent", t.id);
        }
    }
}
