//! The tantivy tokenizer for Chinese text fields: the pipeline's own [`Segmenter`]
//! (jieba-rs plus the domain dictionary), so the index sees the same words as the tagger.
//!
//! It runs in jieba's "search mode": besides every word of the normal segmentation it emits
//! the dictionary words of 2 to 4 characters found inside a longer word, at the same
//! position (公交车 → 公交车 + 公交; 路灯杆 → 路灯杆 + 路灯 + 灯杆). A search for 公交
//! then finds the text 公交车, which is what an analyst expects from a substring search.
//!
//! Token positions are character offsets (not token counts), so a phrase query over the
//! pieces of a word with their character offsets is exactly a substring match, however
//! jieba happened to cut the word in a given case (拖欠工资 as one token, or 拖欠 / 工资).
//!
//! [`Segmenter`]: crate::text::Segmenter

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use crate::text::{is_word, normalize_token, segmenter};

/// The name text fields are registered with.
pub const ZH_TOKENIZER: &str = "hotline_zh";

/// Longest sub-word (in characters) emitted inside a longer word.
const MAX_SUBWORD_CHARS: usize = 4;

/// One indexed token: byte range in the text, position, normalized text, and whether it
/// is a sub-word of a longer token at the same position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexToken {
    pub from: usize,
    pub to: usize,
    pub position: usize,
    pub text: String,
    pub subword: bool,
}

/// The tokens the index holds for `text`: the normal segmentation (word characters only,
/// lowercased, full-width ASCII folded) plus dictionary sub-words of longer words.
pub fn index_tokens(text: &str) -> Vec<IndexToken> {
    // jieba splits full-width letters and digits (ＡＢＣ１２３) into single characters:
    // segment a half-width copy and map its offsets back.
    let folded;
    let (seg_text, map): (&str, Option<Vec<usize>>) =
        if text.chars().any(|c| ('\u{FF01}'..='\u{FF5E}').contains(&c)) {
            let mut s = String::with_capacity(text.len());
            let mut m = Vec::with_capacity(text.len() + 1);
            for (b, c) in text.char_indices() {
                let c2 = match c {
                    '\u{FF10}'..='\u{FF19}' | '\u{FF21}'..='\u{FF3A}' | '\u{FF41}'..='\u{FF5A}' => {
                        char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
                    }
                    _ => c,
                };
                for _ in 0..c2.len_utf8() {
                    m.push(b);
                }
                s.push(c2);
            }
            m.push(text.len());
            folded = s;
            (folded.as_str(), Some(m))
        } else {
            (text, None)
        };
    let orig = |b: usize| map.as_ref().map_or(b, |m| m[b]);
    let jieba = segmenter().jieba();
    let mut out = Vec::new();
    for t in jieba.cut(seg_text, true) {
        if !is_word(t.word) {
            continue;
        }
        // positions are character offsets: a phrase of pieces is then a substring match
        let position = t.start;
        out.push(IndexToken {
            from: orig(t.byte_start),
            to: orig(t.byte_end),
            position,
            text: normalize_token(t.word),
            subword: false,
        });
        let chars: Vec<(usize, char)> = t.word.char_indices().collect();
        let n = chars.len();
        if n > 2 {
            let at = |k: usize| if k == n { t.word.len() } else { chars[k].0 };
            let mut seen: Vec<(usize, usize)> = Vec::new();
            for len in 2..=MAX_SUBWORD_CHARS.min(n - 1) {
                for i in 0..=n - len {
                    let sub = &t.word[at(i)..at(i + len)];
                    if jieba.has_word(sub) && is_word(sub) {
                        seen.push((i, len));
                        out.push(IndexToken {
                            from: orig(t.byte_start + at(i)),
                            to: orig(t.byte_start + at(i + len)),
                            position: position + i,
                            text: normalize_token(sub),
                            subword: true,
                        });
                    }
                }
            }
            // the parts of a compound, dictionary words or not (路灯不亮 → 不亮)
            if let Some(parts) = split_parts(t.word) {
                let mut i = 0;
                for p in parts {
                    let len = p.chars().count();
                    if !seen.contains(&(i, len)) && is_word(&p) {
                        out.push(IndexToken {
                            from: orig(t.byte_start + at(i)),
                            to: orig(t.byte_start + at(i + len)),
                            position: position + i,
                            text: normalize_token(&p),
                            subword: true,
                        });
                    }
                    i += len;
                }
            }
        }
    }
    out
}

/// A word of 4+ characters split into the parts jieba would likely cut it into without its
/// own dictionary entry: two-character-or-longer pieces, dictionary words where possible
/// (路灯不亮 → [路灯, 不亮]; 拖欠工资 → [拖欠, 工资]). None for shorter words, for words
/// with no dictionary sub-word and for words that would leave a single character (高铁站).
pub fn split_parts(word: &str) -> Option<Vec<String>> {
    let chars: Vec<char> = word.chars().collect();
    let n = chars.len();
    if n < 4 || !chars.iter().all(|c| !c.is_ascii()) {
        return None;
    }
    let jieba = segmenter().jieba();
    // best[i] = (cost, dictionary pieces, start of last piece) covering chars[..i]
    let mut best: Vec<Option<(f32, usize, usize)>> = vec![None; n + 1];
    best[0] = Some((0.0, 0, 0));
    for end in 1..=n {
        for start in end.saturating_sub(MAX_PART)..end {
            if end - start == n {
                continue;
            }
            let Some((cost, dict, _)) = best[start] else {
                continue;
            };
            let piece: String = chars[start..end].iter().collect();
            let in_dict = end - start >= 2 && jieba.has_word(&piece);
            let (c, d) = if in_dict {
                (cost + 1.0, dict + 1)
            } else if end - start == 2 {
                (cost + 1.6, dict)
            } else {
                continue;
            };
            if best[end].is_none_or(|(b, _, _)| c < b) {
                best[end] = Some((c, d, start));
            }
        }
    }
    let (_, dict, _) = best[n]?;
    if dict == 0 {
        return None;
    }
    let mut parts = Vec::new();
    let mut end = n;
    while end > 0 {
        let (_, _, start) = best[end].expect("reachable");
        parts.push(chars[start..end].iter().collect::<String>());
        end = start;
    }
    parts.reverse();
    Some(parts)
}

/// Longest part considered by [`split_parts`].
const MAX_PART: usize = 4;

/// Segments with the global [`crate::text::segmenter`] in search mode; tokens carry byte
/// offsets into the original text (for highlighting) and character-offset positions (for
/// phrase queries).
#[derive(Clone, Default)]
pub struct ZhTokenizer;

/// The tokens of one text, handed out one by one.
pub struct ZhTokenStream {
    tokens: Vec<Token>,
    next: usize,
}

impl Tokenizer for ZhTokenizer {
    type TokenStream<'a> = ZhTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> ZhTokenStream {
        let tokens = index_tokens(text)
            .into_iter()
            .map(|t| Token {
                offset_from: t.from,
                offset_to: t.to,
                position: t.position,
                text: t.text,
                position_length: 1,
            })
            .collect();
        ZhTokenStream { tokens, next: 0 }
    }
}

impl TokenStream for ZhTokenStream {
    fn advance(&mut self) -> bool {
        if self.next < self.tokens.len() {
            self.next += 1;
            true
        } else {
            false
        }
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longer_words_carry_their_dictionary_subwords() {
        let toks = index_tokens("公交车站旁的路灯杆倒了");
        let words: Vec<&str> = toks.iter().map(|t| t.text.as_str()).collect();
        assert!(words.contains(&"公交"), "{words:?}");
        for t in &toks {
            assert!(t.from < t.to);
        }
        // positions are character offsets
        let text = "公交车站旁的路灯杆倒了";
        for t in &toks {
            assert_eq!(t.position, text[..t.from].chars().count());
        }
    }

    #[test]
    fn offsets_slice_the_text() {
        let text = "😀投诉：ＡＢＣ小区停水，Water off! 路灯不亮";
        for t in index_tokens(text) {
            assert_eq!(normalize_token(&text[t.from..t.to]), t.text);
        }
    }
}
