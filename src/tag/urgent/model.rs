//! The urgency model (`models/urgency.json`): a logistic regression over the features of a
//! danger mention ([`super::features`]). A letter's score is that of its strongest mention;
//! it is urgent when the score reaches the threshold tuned by cross-validation on the sources
//! the model was trained on (recorded in the file, so an evaluation can refuse a source the
//! model has seen).

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::features::{mention_features, MentionFeatures, GRAM_BITS};
use super::lexicon::{Lexicon, Scope};
use super::UrgencyError;
use crate::model::UrgencyEvidence;

/// The compiled-in model.
pub const DEFAULT_MODEL: &str = include_str!("../../../models/urgency.json");

/// Out-of-fold figures of the training cross-validation, at the chosen threshold.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CvFigures {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

/// A trained urgency model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UrgencyModel {
    /// The sources (tipdm, replies, shangluo) of the labelled letters it was trained on.
    pub trained_on: Vec<String>,
    /// How many labelled letters, and how many of them urgent.
    pub n_train: usize,
    pub n_urgent: usize,
    /// L2 strength and bigram feature value chosen by the cross-validation.
    pub alpha: f64,
    pub gram_value: f32,
    /// Urgent when the score is at least this.
    pub threshold: f32,
    pub bias: f32,
    /// Weight of the lexicon's prior score.
    #[serde(default)]
    pub prior_weight: f32,
    /// Scores a letter by its mentions' features pooled (else by its best mention's).
    #[serde(default)]
    pub pooled: bool,
    /// Weights of the named features (kind=, term=, cue=...).
    pub named: BTreeMap<String, f32>,
    /// Weights of the clause bigram buckets.
    pub grams: BTreeMap<u32, f32>,
    /// The cross-validation inside the training sources.
    #[serde(default)]
    pub cv: Option<CvFigures>,
}

/// A letter's mentions as one: their named features and bigrams together, the highest prior.
pub fn pool(mentions: &[MentionFeatures]) -> MentionFeatures {
    let mut out = mentions[0].clone();
    for m in &mentions[1..] {
        out.named.extend(m.named.iter().cloned());
        out.grams.extend(&m.grams);
        out.prior = out.prior.max(m.prior);
    }
    out.named.sort_unstable();
    out.named.dedup();
    out.grams.sort_unstable();
    out.grams.dedup();
    out
}

fn logistic(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

impl UrgencyModel {
    /// Parses a model file.
    pub fn from_json(text: &str) -> Result<UrgencyModel, UrgencyError> {
        let m: UrgencyModel = serde_json::from_str(text)?;
        if m.grams.keys().any(|&b| b >= 1 << GRAM_BITS) {
            return Err(UrgencyError::Model(format!(
                "bigram bucket beyond {GRAM_BITS} bits"
            )));
        }
        Ok(m)
    }

    /// The compiled-in model.
    pub fn builtin() -> UrgencyModel {
        UrgencyModel::from_json(DEFAULT_MODEL).expect("built-in urgency model")
    }

    /// Loads a model file.
    pub fn load(path: &Path) -> Result<UrgencyModel, UrgencyError> {
        let text = std::fs::read_to_string(path).map_err(|e| UrgencyError::Io {
            path: path.display().to_string(),
            source: e,
        })?;
        UrgencyModel::from_json(&text)
    }

    /// Writes the model as pretty JSON.
    pub fn save(&self, path: &Path) -> Result<(), UrgencyError> {
        let text = serde_json::to_string_pretty(self)?;
        std::fs::write(path, text + "\n").map_err(|e| UrgencyError::Io {
            path: path.display().to_string(),
            source: e,
        })
    }

    /// The raw score (log-odds) of one mention.
    pub fn logit(&self, f: &MentionFeatures) -> f32 {
        let named: f32 = f
            .named
            .iter()
            .filter_map(|n| self.named.get(n.as_str()))
            .sum();
        let grams: f32 = f.grams.iter().filter_map(|g| self.grams.get(g)).sum();
        self.bias + self.prior_weight * f.prior + named + self.gram_value * grams
    }

    /// The probability that a mention makes its letter urgent.
    pub fn score(&self, f: &MentionFeatures) -> f32 {
        logistic(self.logit(f))
    }

    /// A letter's score (0 without a mention) and its strongest mention: the best of its
    /// mentions' scores, or for a pooled model the score of their features pooled.
    pub fn letter_score<'f>(
        &self,
        mentions: &'f [MentionFeatures],
    ) -> (f32, Option<&'f MentionFeatures>) {
        let best = mentions
            .iter()
            .map(|m| (self.score(m), m))
            .max_by(|a, b| a.0.total_cmp(&b.0));
        match best {
            None => (0.0, None),
            Some((_, m)) if self.pooled => (self.score(&pool(mentions)), Some(m)),
            Some((s, m)) => (s, Some(m)),
        }
    }

    /// Judges a text (`title_len`: how many bytes at its start are the title): `None` when it
    /// holds no danger term, else the evidence of its strongest mention with `urgent` set.
    pub fn assess(&self, lex: &Lexicon, text: &str, title_len: usize) -> Option<UrgencyEvidence> {
        let mentions = mention_features(lex, text, title_len);
        let (score, best) = self.letter_score(&mentions);
        let m = best?;
        Some(UrgencyEvidence {
            urgent: score >= self.threshold,
            term: m.term.clone(),
            kind: m.kind.clone(),
            mention: m.clause.clone(),
            cues: self.deciding_cues(lex, m),
            score: (score * 1000.0).round() / 1000.0,
        })
    }

    /// The mention's cues with the weight of their feature (its own and its share of the
    /// prior), strongest first, as `过去:去年(-1.2)`; at most five.
    fn deciding_cues(&self, lex: &Lexicon, m: &MentionFeatures) -> Vec<String> {
        let mut cues: Vec<(f32, String)> = Vec::new();
        for (cue, scope, word) in &m.cues {
            let name = format!("cue={}@{}", cue.key(), scope.key());
            let own = self.named.get(&name).copied().unwrap_or(0.0);
            let of_word = self
                .named
                .get(&format!("word={word}"))
                .copied()
                .filter(|_| matches!(scope, Scope::Before | Scope::Clause))
                .unwrap_or(0.0);
            let w = own + of_word + self.prior_weight * lex.prior_of(&name);
            let place = match scope {
                Scope::Before | Scope::Clause => "",
                Scope::Sentence => "·句",
                Scope::Letter => "·信",
            };
            let s = format!("{}:{word}{place}({w:+.1})", cue.label());
            if !cues.iter().any(|(_, c)| *c == s) {
                cues.push((w, s));
            }
        }
        cues.sort_by(|a, b| b.0.abs().total_cmp(&a.0.abs()));
        cues.into_iter()
            .filter(|(w, _)| w.abs() >= 0.05)
            .take(5)
            .map(|(_, s)| s)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_model_loads_and_round_trips() {
        let m = UrgencyModel::builtin();
        assert!(m.threshold > 0.0 && m.threshold < 1.0);
        let back = UrgencyModel::from_json(&serde_json::to_string(&m).unwrap()).unwrap();
        assert_eq!(back, m);
    }
}
