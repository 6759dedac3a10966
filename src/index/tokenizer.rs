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

use std::cell::RefCell;

use hashbrown::HashMap;
use rustc_hash::FxBuildHasher;
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use crate::text::{is_word, normalize_into, normalize_token, segmenter};

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
    let mut out = Vec::new();
    for_each_index_token(text, |from, to, position, text, subword| {
        out.push(IndexToken {
            from,
            to,
            position,
            text: text.to_string(),
            subword,
        })
    });
    out
}

/// Hands each token of [`index_tokens`] to `emit` as (byte from, byte to, position, text,
/// subword), in the same order, without allocating per token: jieba segments the text once,
/// and the sub-words of a long word are worked out once per thread and word (see
/// [`compute_word_entry`]).
pub fn for_each_index_token(text: &str, mut emit: impl FnMut(usize, usize, usize, &str, bool)) {
    // jieba splits full-width letters and digits (ＡＢＣ１２３) into single characters:
    // segment a half-width copy and map its offsets back.
    let folded;
    let (seg_text, map): (&str, Option<Vec<usize>>) = if has_full_width_alnum(text) {
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
    let mut norm = String::new();
    WORDS.with(|cache| {
        let mut cache = cache.borrow_mut();
        for t in segmenter().jieba().cut(seg_text, true) {
            // positions are character offsets: a phrase of pieces is then a substring match
            let position = t.start;
            if t.end - t.start <= 2 {
                // a word of one or two characters has no sub-word
                if !is_word(t.word) {
                    continue;
                }
                normalize_into(t.word, &mut norm);
                emit(orig(t.byte_start), orig(t.byte_end), position, &norm, false);
                continue;
            }
            if cache.len() >= MAX_CACHED_WORDS {
                cache.clear();
            }
            let entry = cache
                .entry_ref(t.word)
                .or_insert_with(|| compute_word_entry(t.word));
            if !entry.is_word {
                continue;
            }
            emit(
                orig(t.byte_start),
                orig(t.byte_end),
                position,
                &entry.norm,
                false,
            );
            for sub in entry.subs.iter() {
                emit(
                    orig(t.byte_start + sub.from as usize),
                    orig(t.byte_start + sub.to as usize),
                    position + sub.pos as usize,
                    &sub.text,
                    true,
                );
            }
        }
    });
}

/// True when `text` has a full-width digit or letter (U+FF10..FF19, FF21..FF3A, FF41..FF5A,
/// UTF-8 `EF BC 90..99`, `EF BC A1..BA`, `EF BD 81..9A`); full-width punctuation (，：！) is
/// left alone.
fn has_full_width_alnum(text: &str) -> bool {
    let b = text.as_bytes();
    memchr::memchr_iter(0xEF, b).any(|i| {
        matches!(
            (b.get(i + 1), b.get(i + 2)),
            (Some(0xBC), Some(0x90..=0x99 | 0xA1..=0xBA)) | (Some(0xBD), Some(0x81..=0x9A))
        )
    })
}

/// Distinct long words remembered per thread before the cache starts over (a few tens of MB
/// at most).
const MAX_CACHED_WORDS: usize = 200_000;

thread_local! {
    /// Long word → its normalized text and sub-words.
    static WORDS: RefCell<HashMap<Box<str>, WordEntry, FxBuildHasher>> =
        const { RefCell::new(HashMap::with_hasher(FxBuildHasher)) };
}

/// What the index holds for one word of three or more characters.
struct WordEntry {
    /// False for a token with no letter, digit or CJK character (not indexed).
    is_word: bool,
    norm: Box<str>,
    subs: Box<[SubToken]>,
}

/// A sub-word: byte range inside the word, character offset from its start, normalized text.
struct SubToken {
    from: u32,
    to: u32,
    pos: u32,
    text: Box<str>,
}

/// The sub-words of a word of three or more characters: the dictionary words of 2 to
/// [`MAX_SUBWORD_CHARS`] characters inside it, then the parts of a compound
/// ([`split_parts`]) not already among them.
fn compute_word_entry(word: &str) -> WordEntry {
    let jieba = segmenter().jieba();
    let chars: Vec<(usize, char)> = word.char_indices().collect();
    let n = chars.len();
    let at = |k: usize| if k == n { word.len() } else { chars[k].0 };
    let mut subs = Vec::new();
    if n > 2 && is_word(word) {
        let mut seen: Vec<(usize, usize)> = Vec::new();
        for len in 2..=MAX_SUBWORD_CHARS.min(n - 1) {
            for i in 0..=n - len {
                let sub = &word[at(i)..at(i + len)];
                if jieba.has_word(sub) && is_word(sub) {
                    seen.push((i, len));
                    subs.push(SubToken {
                        from: at(i) as u32,
                        to: at(i + len) as u32,
                        pos: i as u32,
                        text: normalize_token(sub).into(),
                    });
                }
            }
        }
        // the parts of a compound, dictionary words or not (路灯不亮 → 不亮)
        if let Some(parts) = split_parts(word) {
            let mut i = 0;
            for p in parts {
                let len = p.chars().count();
                if !seen.contains(&(i, len)) && is_word(&p) {
                    subs.push(SubToken {
                        from: at(i) as u32,
                        to: at(i + len) as u32,
                        pos: i as u32,
                        text: normalize_token(&p).into(),
                    });
                }
                i += len;
            }
        }
    }
    WordEntry {
        is_word: is_word(word),
        norm: normalize_token(word).into(),
        subs: subs.into(),
    }
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
/// phrase queries). It keeps its token buffer between texts, so indexing a text allocates
/// nothing per token.
#[derive(Default)]
pub struct ZhTokenizer {
    tokens: Vec<Token>,
}

impl Clone for ZhTokenizer {
    fn clone(&self) -> ZhTokenizer {
        ZhTokenizer::default()
    }
}

/// Tokens kept in a [`ZhTokenizer`]'s buffer between texts (a longer text grows it for once).
const MAX_KEPT_TOKENS: usize = 1 << 16;

/// The tokens of one text, handed out one by one.
pub struct ZhTokenStream<'a> {
    tokens: &'a mut [Token],
    next: usize,
}

impl Tokenizer for ZhTokenizer {
    type TokenStream<'a> = ZhTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> ZhTokenStream<'a> {
        self.tokens.truncate(MAX_KEPT_TOKENS);
        let buf = &mut self.tokens;
        let mut n = 0;
        for_each_index_token(text, |from, to, position, text, _| {
            if n == buf.len() {
                buf.push(Token::default());
            }
            let t = &mut buf[n];
            t.offset_from = from;
            t.offset_to = to;
            t.position = position;
            t.position_length = 1;
            t.text.clear();
            t.text.push_str(text);
            n += 1;
        });
        ZhTokenStream {
            tokens: &mut self.tokens[..n],
            next: 0,
        }
    }
}

impl TokenStream for ZhTokenStream<'_> {
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
    fn full_width_letters_and_digits_are_detected() {
        assert!(has_full_width_alnum("路ＡＢＣ"));
        assert!(has_full_width_alnum("１号"));
        assert!(has_full_width_alnum("ｚ"));
        assert!(!has_full_width_alnum("停水，（三天）！"));
        assert!(!has_full_width_alnum("plain"));
        for c in '\u{FF01}'..='\u{FF5E}' {
            let folds = matches!(c, '\u{FF10}'..='\u{FF19}' | '\u{FF21}'..='\u{FF3A}' | '\u{FF41}'..='\u{FF5A}');
            assert_eq!(has_full_width_alnum(&c.to_string()), folds, "{c}");
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
