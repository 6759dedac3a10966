//! The urgency lexicon (`models/urgency.toml`): danger terms by kind, found as mentions, and
//! the cue words read around each mention (negation, time, modality, request type, resolved,
//! urging), each hit placed relative to the mention: just before it, in its clause, its
//! sentence or elsewhere in the letter.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, MatchKind};
use serde::Deserialize;

use super::UrgencyError;

/// The built-in lexicon file.
pub const DEFAULT_LEXICON: &str = include_str!("../../../models/urgency.toml");

/// What a cue word says about a danger mention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Cue {
    /// 无, 未, 没有, 不存在 just before the mention.
    Negation,
    /// 曾, 去年, 上次, 之前: a past event.
    Past,
    /// 已, 后: after, already (past or ongoing).
    After,
    /// 现在, 正在, 刚刚, 目前: happening now.
    Present,
    /// 随时, 马上, 即将: about to happen.
    Imminent,
    /// 万一, 如果, 一旦, 可能, 存在…隐患, 防止: a hypothetical or a risk.
    Hypothetical,
    /// 何时, 搬迁, 补偿, 政策, 是否: a request for someday or a policy question.
    Request,
    /// 已修好, 已恢复, 已处理: handled.
    Resolved,
    /// 紧急, 立即, 救命, 危险: urging.
    Urge,
}

impl Cue {
    /// All cues, in the order of their table in the lexicon file.
    pub const ALL: [Cue; 9] = [
        Cue::Negation,
        Cue::Past,
        Cue::After,
        Cue::Present,
        Cue::Imminent,
        Cue::Hypothetical,
        Cue::Request,
        Cue::Resolved,
        Cue::Urge,
    ];

    /// The key of its word list in the lexicon file and in feature names.
    pub fn key(self) -> &'static str {
        match self {
            Cue::Negation => "negation",
            Cue::Past => "past",
            Cue::After => "after",
            Cue::Present => "present",
            Cue::Imminent => "imminent",
            Cue::Hypothetical => "hypothetical",
            Cue::Request => "request",
            Cue::Resolved => "resolved",
            Cue::Urge => "urge",
        }
    }

    /// How the evidence names it.
    pub fn label(self) -> &'static str {
        match self {
            Cue::Negation => "否定",
            Cue::Past => "过去",
            Cue::After => "已/后",
            Cue::Present => "当下",
            Cue::Imminent => "紧迫",
            Cue::Hypothetical => "假设/隐患",
            Cue::Request => "诉求/政策",
            Cue::Resolved => "已处理",
            Cue::Urge => "催办",
        }
    }
}

/// Where a cue word stands relative to a mention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// Within a few characters before the mention, in its clause (negation only).
    Before,
    /// In the mention's clause (between commas).
    Clause,
    /// In its sentence, outside the clause.
    Sentence,
    /// Elsewhere in the letter.
    Letter,
}

impl Scope {
    /// Its name in feature names.
    pub fn key(self) -> &'static str {
        match self {
            Scope::Before => "before",
            Scope::Clause => "clause",
            Scope::Sentence => "sentence",
            Scope::Letter => "letter",
        }
    }
}

/// One danger term found in a text.
#[derive(Debug, Clone)]
pub struct Mention<'t> {
    pub term: &'t str,
    pub kind: &'t str,
    /// Byte range of the term.
    pub start: usize,
    pub end: usize,
    /// Byte ranges of its clause and sentence.
    pub clause: (usize, usize),
    pub sentence: (usize, usize),
}

/// A cue word read for a mention.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CueHit<'t> {
    pub cue: Cue,
    pub scope: Scope,
    pub word: &'t str,
}

#[derive(Deserialize)]
struct LexiconFile {
    danger: BTreeMap<String, Vec<String>>,
    cues: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    prior: BTreeMap<String, f32>,
}

/// The parsed lexicon with its matchers.
pub struct Lexicon {
    /// Danger terms, and the kind of each.
    terms: Vec<String>,
    kind_of: Vec<String>,
    danger: AhoCorasick,
    /// Cue words (all lists), the cue of each, and the negation look-alikes.
    cue_words: Vec<String>,
    cue_of: Vec<Option<Cue>>,
    cues: AhoCorasick,
    /// Hand-set weights of named features (`bias` for the constant), see [`Lexicon::prior`].
    prior: BTreeMap<String, f32>,
}

/// How many characters before a mention a negation may stand.
const NEGATION_WINDOW: usize = 4;

fn is_sentence_end(c: char) -> bool {
    matches!(c, '。' | '！' | '？' | '；' | '\n' | '!' | '?' | ';')
}

fn is_clause_end(c: char) -> bool {
    is_sentence_end(c) || matches!(c, '，' | ',' | '、' | '：' | ':')
}

/// The byte range around `start..end` up to the nearest characters `stop` accepts.
fn bounds(text: &str, start: usize, end: usize, stop: fn(char) -> bool) -> (usize, usize) {
    let s = text[..start]
        .char_indices()
        .rev()
        .find(|(_, c)| stop(*c))
        .map(|(i, c)| i + c.len_utf8())
        .unwrap_or(0);
    let e = text[end..]
        .char_indices()
        .find(|(_, c)| stop(*c))
        .map(|(i, _)| end + i)
        .unwrap_or(text.len());
    (s, e)
}

impl Lexicon {
    /// Parses a lexicon file.
    pub fn parse(text: &str) -> Result<Lexicon, UrgencyError> {
        let file: LexiconFile = toml::from_str(text)?;
        let mut terms = Vec::new();
        let mut kind_of = Vec::new();
        for (kind, words) in &file.danger {
            for w in words.iter().filter(|w| !w.is_empty()) {
                terms.push(w.clone());
                kind_of.push(kind.clone());
            }
        }
        if terms.is_empty() {
            return Err(UrgencyError::Lexicon("no danger terms".into()));
        }
        let mut cue_words = Vec::new();
        let mut cue_of = Vec::new();
        for (key, words) in &file.cues {
            let cue = match Cue::ALL.iter().find(|c| c.key() == key) {
                Some(c) => Some(*c),
                None if key == "not_negation" => None,
                None => return Err(UrgencyError::Lexicon(format!("unknown cue list `{key}`"))),
            };
            for w in words.iter().filter(|w| !w.is_empty()) {
                cue_words.push(w.clone());
                cue_of.push(cue);
            }
        }
        let danger = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&terms)
            .map_err(|e| UrgencyError::Lexicon(e.to_string()))?;
        let cues =
            AhoCorasick::new(&cue_words).map_err(|e| UrgencyError::Lexicon(e.to_string()))?;
        Ok(Lexicon {
            terms,
            kind_of,
            danger,
            cue_words,
            cue_of,
            cues,
            prior: file.prior,
        })
    }

    /// The built-in lexicon.
    pub fn builtin() -> &'static Lexicon {
        static BUILTIN: LazyLock<Lexicon> =
            LazyLock::new(|| Lexicon::parse(DEFAULT_LEXICON).expect("built-in urgency lexicon"));
        &BUILTIN
    }

    /// The prior score of a mention: the hand-set weights of its named features, plus `bias`.
    pub fn prior<S: AsRef<str>>(&self, named: &[S]) -> f32 {
        let bias = self.prior.get("bias").copied().unwrap_or(0.0);
        bias + named
            .iter()
            .filter_map(|n| self.prior.get(n.as_ref()))
            .sum::<f32>()
    }

    /// The hand-set weight of one named feature (0 when it has none).
    pub fn prior_of(&self, name: &str) -> f32 {
        self.prior.get(name).copied().unwrap_or(0.0)
    }

    /// Every danger term.
    pub fn danger_terms(&self) -> impl Iterator<Item = &str> {
        self.terms.iter().map(String::as_str)
    }

    /// The danger mentions of `text`, in order, at most `max`.
    pub fn mentions<'t>(&'t self, text: &str, max: usize) -> Vec<Mention<'t>> {
        self.danger
            .find_iter(text)
            .take(max)
            .map(|m| {
                let p = m.pattern().as_usize();
                Mention {
                    term: &self.terms[p],
                    kind: &self.kind_of[p],
                    start: m.start(),
                    end: m.end(),
                    clause: bounds(text, m.start(), m.end(), is_clause_end),
                    sentence: bounds(text, m.start(), m.end(), is_sentence_end),
                }
            })
            .collect()
    }

    /// Every cue word occurrence of `text` (overlapping), with negation look-alikes (无法,
    /// 没人) removed together with the negations inside them.
    pub fn cue_spans<'t>(&'t self, text: &str) -> Vec<(Cue, usize, usize, &'t str)> {
        let mut hits: Vec<(Option<Cue>, usize, usize, &'t str)> = self
            .cues
            .find_overlapping_iter(text)
            .map(|m| {
                let p = m.pattern().as_usize();
                (
                    self.cue_of[p],
                    m.start(),
                    m.end(),
                    self.cue_words[p].as_str(),
                )
            })
            .collect();
        let masks: Vec<(usize, usize)> = hits
            .iter()
            .filter(|h| h.0.is_none())
            .map(|h| (h.1, h.2))
            .collect();
        hits.retain(|h| {
            h.0.is_some()
                && !(h.0 == Some(Cue::Negation) && masks.iter().any(|&(s, e)| s <= h.1 && h.2 <= e))
        });
        hits.into_iter()
            .map(|(c, s, e, w)| (c.expect("kept cues"), s, e, w))
            .collect()
    }

    /// The cues of one mention, from the letter's cue spans: negation only just before it in
    /// its clause; the others by where they stand (clause, sentence, letter). A cue word
    /// inside the danger term itself (随时 in 随时倒塌) counts as in its clause.
    pub fn cues_of<'t>(
        text: &str,
        m: &Mention<'_>,
        spans: &[(Cue, usize, usize, &'t str)],
    ) -> Vec<CueHit<'t>> {
        let window_start = text[m.clause.0..m.start]
            .char_indices()
            .rev()
            .take(NEGATION_WINDOW)
            .last()
            .map(|(i, _)| m.clause.0 + i)
            .unwrap_or(m.start);
        let mut out = Vec::new();
        for &(cue, s, e, word) in spans {
            let scope = if cue == Cue::Negation {
                if s >= window_start && e <= m.start {
                    Scope::Before
                } else {
                    continue;
                }
            } else if s >= m.clause.0 && e <= m.clause.1 {
                Scope::Clause
            } else if s >= m.sentence.0 && e <= m.sentence.1 {
                Scope::Sentence
            } else {
                Scope::Letter
            };
            out.push(CueHit { cue, scope, word });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_and_their_cues() {
        let lex = Lexicon::builtin();
        let text = "小区没有发生火灾。去年楼道起火后，至今无法通行，请问何时补偿？";
        let spans = lex.cue_spans(text);
        let ms = lex.mentions(text, 10);
        let terms: Vec<&str> = ms.iter().map(|m| m.term).collect();
        assert_eq!(terms, ["火灾", "起火"]);
        assert_eq!(ms[0].kind, "fire");
        let first = Lexicon::cues_of(text, &ms[0], &spans);
        assert!(first.contains(&CueHit {
            cue: Cue::Negation,
            scope: Scope::Before,
            word: "没有"
        }));
        let second = Lexicon::cues_of(text, &ms[1], &spans);
        assert!(second
            .iter()
            .any(|h| h.cue == Cue::Past && h.scope == Scope::Clause && h.word == "去年"));
        assert!(second
            .iter()
            .any(|h| h.cue == Cue::Request && h.scope == Scope::Sentence));
        // 无法 is no negation
        assert!(!second.iter().any(|h| h.cue == Cue::Negation));
    }
}
