//! Word boundaries of labels: a hotspot label never starts or ends in the middle of a word.
//!
//! A label's start is checked against the texts it came from (its cases' titles and
//! narratives, segmented by jieba with the project dictionary): the longest head of the
//! label (at least two characters) that occurs in one of the texts must, in at least one
//! occurrence, begin where a jieba token begins. Its end likewise: the longest tail that
//! occurs must end, somewhere, where a token ends. A label that fails is widened to the
//! token it cuts ([`snap`]), when that token is short.

use crate::text::segmenter;

/// Where a label's edge stands in the texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edge {
    /// At a token boundary in some text.
    Word,
    /// Only inside tokens: the first occurrence's text and byte range of the label part.
    Cut {
        text: usize,
        start: usize,
        end: usize,
    },
    /// No head (tail) of two or more characters occurs in the texts.
    Absent,
}

/// Longest extension [`snap`] adds at either end, in characters.
const MAX_WIDEN: usize = 4;

/// Byte offsets where jieba tokens start (`starts`) or end in `text`.
fn token_edges(text: &str, starts: bool) -> Vec<usize> {
    let mut at = 0;
    let mut out = Vec::new();
    for t in segmenter().cut(text) {
        out.push(if starts { at } else { at + t.len() });
        at += t.len();
    }
    out
}

/// Byte range of the token of `text` that covers byte `at`.
fn token_at(text: &str, at: usize) -> (usize, usize) {
    let mut start = 0;
    for t in segmenter().cut(text) {
        let end = start + t.len();
        if start <= at && at < end {
            return (start, end);
        }
        start = end;
    }
    (at, at)
}

/// Where the label's start (`head` = true) or end stands in `texts`.
pub fn edge(label: &str, texts: &[&str], head: bool) -> Edge {
    let idx: Vec<usize> = label
        .char_indices()
        .map(|x| x.0)
        .chain([label.len()])
        .collect();
    let n = idx.len() - 1;
    for k in (2..=n).rev() {
        let part = if head {
            &label[..idx[k]]
        } else {
            &label[idx[n - k]..]
        };
        let mut first: Option<Edge> = None;
        for (t, text) in texts.iter().enumerate() {
            let found: Vec<usize> = text.match_indices(part).map(|m| m.0).collect();
            if found.is_empty() {
                continue;
            }
            let edges = token_edges(text, head);
            for s in found {
                let e = s + part.len();
                if edges.binary_search(&if head { s } else { e }).is_ok() {
                    return Edge::Word;
                }
                first.get_or_insert(Edge::Cut {
                    text: t,
                    start: s,
                    end: e,
                });
            }
        }
        if let Some(f) = first {
            return f;
        }
    }
    Edge::Absent
}

/// True when the label starts and ends at token boundaries of `texts`.
pub fn is_bounded(label: &str, texts: &[&str]) -> bool {
    edge(label, texts, true) == Edge::Word && edge(label, texts, false) == Edge::Word
}

/// The label widened to whole tokens at both ends (at most [`MAX_WIDEN`] characters each),
/// or `None` when an end cannot be fixed that way.
pub fn snap(label: &str, texts: &[&str]) -> Option<String> {
    let mut out = label.to_string();
    match edge(&out, texts, true) {
        Edge::Word => {}
        Edge::Absent => return None,
        Edge::Cut { text, start, .. } => {
            let (s, _) = token_at(texts[text], start);
            let add = &texts[text][s..start];
            if add.chars().count() > MAX_WIDEN || !add.chars().all(char::is_alphanumeric) {
                return None;
            }
            out.insert_str(0, add);
        }
    }
    match edge(&out, texts, false) {
        Edge::Word => {}
        Edge::Absent => return None,
        Edge::Cut { text, end, .. } => {
            let (_, e) = token_at(texts[text], end - 1);
            let add = &texts[text][end..e.max(end)];
            if add.chars().count() > MAX_WIDEN || !add.chars().all(char::is_alphanumeric) {
                return None;
            }
            out.push_str(add);
        }
    }
    is_bounded(&out, texts).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_cut_in_half_are_found_and_widened() {
        let texts = ["小区一周经常停水吃住成问题", "请尽快解决"];
        assert!(is_bounded("经常停水", &texts));
        assert!(matches!(edge("吃住成问", &texts, false), Edge::Cut { .. }));
        assert_eq!(snap("吃住成问", &texts).as_deref(), Some("吃住成问题"));
        assert_eq!(edge("搅拌站", &texts, true), Edge::Absent);
    }
}
