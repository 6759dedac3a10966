//! The features of one danger mention, which the urgency model weighs: its kind and term, each
//! cue by where it stands (`cue=past@clause`), the cue words of its clause (`word=去年`), a few letter-level facts (mention in the title,
//! how many mentions and kinds), and the hashed character bigrams of the mention's clause.

use super::lexicon::{Cue, CueHit, Lexicon, Mention, Scope};

/// At most this many mentions of a letter are read.
pub const MAX_MENTIONS: usize = 16;

/// log2 of the number of character-bigram buckets.
pub const GRAM_BITS: u32 = 12;

/// One mention with its cues and features.
#[derive(Debug, Clone)]
pub struct MentionFeatures {
    pub term: String,
    pub kind: String,
    /// The mention's clause.
    pub clause: String,
    /// The cues read for it.
    pub cues: Vec<(Cue, Scope, String)>,
    /// Named features (each present once, value 1).
    pub named: Vec<String>,
    /// The lexicon's prior score of the named features.
    pub prior: f32,
    /// Bigram buckets of the clause (distinct).
    pub grams: Vec<u32>,
}

/// FNV-1a of two characters, folded into `GRAM_BITS` bits.
fn gram_bucket(a: char, b: char) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for c in [a, b] {
        for byte in (c as u32).to_le_bytes() {
            h ^= u32::from(byte);
            h = h.wrapping_mul(0x0100_0193);
        }
    }
    (h ^ (h >> GRAM_BITS)) & ((1 << GRAM_BITS) - 1)
}

fn bigrams(clause: &str) -> Vec<u32> {
    let chars: Vec<char> = clause.chars().filter(|c| !c.is_whitespace()).collect();
    let mut out: Vec<u32> = chars.windows(2).map(|w| gram_bucket(w[0], w[1])).collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The features of every mention of a letter (`title_len`: how many bytes at the start of
/// `text` are its title, 0 when none).
pub fn mention_features(lex: &Lexicon, text: &str, title_len: usize) -> Vec<MentionFeatures> {
    let mentions: Vec<Mention<'_>> = lex.mentions(text, MAX_MENTIONS);
    if mentions.is_empty() {
        return Vec::new();
    }
    let spans = lex.cue_spans(text);
    let mut kinds: Vec<&str> = mentions.iter().map(|m| m.kind).collect();
    kinds.sort_unstable();
    kinds.dedup();
    let letter = [
        match mentions.len() {
            1 => "mentions=1",
            2 => "mentions=2",
            _ => "mentions=3+",
        },
        if kinds.len() > 1 {
            "kinds=2+"
        } else {
            "kinds=1"
        },
        match text.chars().count() {
            0..=80 => "length<80",
            81..=300 => "length<300",
            _ => "length>300",
        },
    ];
    // the title's cues stand for the whole letter (何时 or 补偿 in a title frames it)
    let mut title_cues: Vec<String> = spans
        .iter()
        .filter(|(_, _, e, _)| *e <= title_len)
        .map(|(c, ..)| format!("title_cue={}", c.key()))
        .collect();
    title_cues.sort_unstable();
    title_cues.dedup();
    let title_danger = mentions.iter().any(|m| m.start < title_len);
    mentions
        .iter()
        .map(|m| {
            let hits: Vec<CueHit<'_>> = Lexicon::cues_of(text, m, &spans);
            let mut named: Vec<String> =
                vec![format!("kind={}", m.kind), format!("term={}", m.term)];
            named.extend(letter.iter().map(|s| s.to_string()));
            if m.start < title_len {
                named.push("in_title".into());
            }
            for h in &hits {
                named.push(format!("cue={}@{}", h.cue.key(), h.scope.key()));
                if matches!(h.scope, Scope::Before | Scope::Clause) {
                    named.push(format!("word={}", h.word));
                }
            }
            named.extend(title_cues.iter().cloned());
            if title_danger {
                named.push("title_danger".into());
            }
            // bare: nothing near the mention says it is negated, past, hypothetical, asked
            // about or handled
            let against = |h: &CueHit<'_>, wide: bool| {
                matches!(
                    h.cue,
                    Cue::Negation | Cue::Past | Cue::Hypothetical | Cue::Request | Cue::Resolved
                ) && (wide || matches!(h.scope, Scope::Before | Scope::Clause))
            };
            if !hits.iter().any(|h| against(h, false)) {
                named.push("bare".into());
                named.push(format!("bare&kind={}", m.kind));
                if m.start < title_len {
                    named.push("bare&in_title".into());
                }
                if !hits.iter().any(|h| against(h, h.scope == Scope::Sentence)) {
                    named.push("bare_sentence".into());
                }
            }
            named.sort_unstable();
            named.dedup();
            let clause = &text[m.clause.0..m.clause.1];
            MentionFeatures {
                term: m.term.to_string(),
                kind: m.kind.to_string(),
                clause: clause.to_string(),
                cues: hits
                    .iter()
                    .map(|h| (h.cue, h.scope, h.word.to_string()))
                    .collect(),
                prior: lex.prior(&named),
                named,
                grams: bigrams(clause),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_name_kind_cues_and_title() {
        let lex = Lexicon::builtin();
        let title = "井盖丢失";
        let text = format!("{title}\n路口的井盖现在丢了，万一有人掉下去怎么办");
        let f = mention_features(lex, &text, title.len());
        assert_eq!(f.len(), 2);
        assert!(f[0].named.contains(&"in_title".to_string()));
        assert!(f[0].named.contains(&"kind=traffic".to_string()));
        assert!(!f[1].named.contains(&"in_title".to_string()));
        assert!(f[1].named.contains(&"cue=present@clause".to_string()));
        assert!(f[1]
            .named
            .contains(&"cue=hypothetical@sentence".to_string()));
        assert!(!f[1].grams.is_empty());
        assert!(f[1].grams.iter().all(|&g| g < 1 << GRAM_BITS));
    }
}
