//! The tantivy tokenizer for Chinese text fields: the pipeline's own [`Segmenter`]
//! (jieba-rs plus the domain dictionary), so the index sees the same words as the tagger.
//!
//! It runs in jieba's "search mode": besides every word of the normal segmentation it emits
//! the dictionary words of 2 to 4 characters found inside a word of three or more, at their
//! character offsets (公交车 → 公交车 + 公交; 路灯杆 → 路灯杆 + 路灯 + 灯杆), and the parts a
//! compound would be cut into without its own dictionary entry, dictionary words or not
//! ([`split_parts`]: 路灯不亮 → 路灯 + 不亮). A search for 公交 then finds the text 公交车,
//! which is what an analyst expects from a substring search.
//!
//! Token positions are character offsets (not token counts), so a phrase query over the
//! pieces of a word with their character offsets is exactly a substring match, however
//! jieba happened to cut the word in a given case (拖欠工资 as one token, or 拖欠 / 工资).
//!
//! [`Segmenter`]: crate::text::Segmenter

use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use hashbrown::HashMap;
use rustc_hash::FxBuildHasher;
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use crate::text::{is_word, normalize_cow, normalize_token, segmenter};

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
/// `compute_word_entry`).
pub fn for_each_index_token(text: &str, mut emit: impl FnMut(usize, usize, usize, &str, bool)) {
    index_tokens_into(text, |from, to, position, norm, subword, _| {
        emit(from, to, position, norm, subword)
    });
}

/// [`for_each_index_token`], also telling `emit` whether the normalized text is the slice
/// `from..to` of the text itself; returns true when the text was segmented as a half-width copy
/// (it has full-width letters or digits), so that its words are not those of
/// [`crate::text::Segmenter::tokens`].
fn index_tokens_into(
    text: &str,
    mut emit: impl FnMut(usize, usize, usize, &str, bool, bool),
) -> bool {
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
    let folded = map.is_some();
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
                let norm = normalize_cow(t.word);
                let same = !folded && matches!(norm, Cow::Borrowed(_));
                emit(
                    orig(t.byte_start),
                    orig(t.byte_end),
                    position,
                    &norm,
                    false,
                    same,
                );
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
                !folded && entry.norm_is_word,
            );
            for sub in entry.subs.iter() {
                emit(
                    orig(t.byte_start + sub.from as usize),
                    orig(t.byte_start + sub.to as usize),
                    position + sub.pos as usize,
                    &sub.text,
                    true,
                    !folded && sub.text_is_slice,
                );
            }
        }
    });
    map.is_some()
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
    /// `norm` is the word itself.
    norm_is_word: bool,
    subs: Box<[SubToken]>,
}

/// A sub-word: byte range inside the word, character offset from its start, normalized text.
struct SubToken {
    from: u32,
    to: u32,
    pos: u32,
    text: Box<str>,
    /// `text` is the slice `from..to` of the word itself.
    text_is_slice: bool,
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
                    let text = normalize_token(sub);
                    subs.push(SubToken {
                        from: at(i) as u32,
                        to: at(i + len) as u32,
                        pos: i as u32,
                        text_is_slice: text == sub,
                        text: text.into(),
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
                    let text = normalize_token(&p);
                    subs.push(SubToken {
                        from: at(i) as u32,
                        to: at(i + len) as u32,
                        pos: i as u32,
                        text_is_slice: text == word[at(i)..at(i + len)],
                        text: text.into(),
                    });
                }
                i += len;
            }
        }
    }
    let norm = normalize_token(word);
    WordEntry {
        is_word: is_word(word),
        norm_is_word: norm == word,
        norm: norm.into(),
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

/// The index tokens of one text ([`for_each_index_token`]), worked out once and kept compact
/// (about 20 bytes a token): byte ranges, positions, and the normalized text only where it
/// differs from its slice of the text. Ingest makes them once per case and shares them: the
/// tagger reads the words ([`TextTokens::words`]) and the index reads them all through an
/// [`IndexedText`], so a case is segmented once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextTokens {
    toks: Vec<Tok>,
    /// The normalized texts that differ from their slice of the text, back to back.
    norms: String,
    /// The text was segmented as a half-width copy (it has full-width letters or digits).
    folded: bool,
}

/// One token of a [`TextTokens`]: byte range in the text, position, where its normalized text
/// is (`norm_from == u32::MAX`: the slice `from..to` of the text itself), sub-word or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Tok {
    from: u32,
    to: u32,
    position: u32,
    norm_from: u32,
    norm_to: u32,
    subword: bool,
}

impl TextTokens {
    /// The index tokens of `text`; None for a text over 4 GiB (offsets are kept in 32 bits),
    /// which the index then segments itself.
    pub fn new(text: &str) -> Option<TextTokens> {
        u32::try_from(text.len()).ok()?;
        let mut out = TextTokens {
            toks: Vec::with_capacity(text.len() / 2),
            ..TextTokens::default()
        };
        out.folded = index_tokens_into(text, |from, to, position, norm, subword, same| {
            debug_assert!(!same || text.get(from..to) == Some(norm), "{norm}");
            let (norm_from, norm_to) = if same {
                (u32::MAX, 0)
            } else {
                let start = out.norms.len();
                out.norms.push_str(norm);
                (start as u32, out.norms.len() as u32)
            };
            out.toks.push(Tok {
                from: from as u32,
                to: to as u32,
                position: u32::try_from(position).unwrap_or(u32::MAX),
                norm_from,
                norm_to,
                subword,
            });
        });
        Some(out)
    }

    /// Number of tokens (words and sub-words).
    pub fn len(&self) -> usize {
        self.toks.len()
    }

    /// True when the text has no token.
    pub fn is_empty(&self) -> bool {
        self.toks.is_empty()
    }

    /// The normalized text of `t`; `text` is the text the tokens were made from.
    fn norm<'a>(&'a self, t: &Tok, text: &'a str) -> &'a str {
        if t.norm_from == u32::MAX {
            &text[t.from as usize..t.to as usize]
        } else {
            &self.norms[t.norm_from as usize..t.norm_to as usize]
        }
    }

    /// The words of `text` (the tokens made from it, without the sub-words), normalized: the
    /// same as [`crate::text::Segmenter::tokens`] of `text`, and so, less the stopwords, the
    /// terms the tagger reads. None when the text was segmented as a half-width copy (it has
    /// full-width letters or digits), whose words can differ from the segmenter's.
    pub fn words<'a>(&'a self, text: &'a str) -> Option<impl Iterator<Item = &'a str> + 'a> {
        (!self.folded).then(|| {
            self.toks
                .iter()
                .filter(|t| !t.subword)
                .map(move |t| self.norm(t, text))
        })
    }

    /// Every token as an [`IndexToken`]; `text` is the text the tokens were made from (tests
    /// check that these are the tokenizer's own).
    #[cfg(test)]
    fn to_index_tokens(&self, text: &str) -> Vec<IndexToken> {
        self.toks
            .iter()
            .map(|t| IndexToken {
                from: t.from as usize,
                to: t.to as usize,
                position: t.position as usize,
                text: self.norm(t, text).to_string(),
                subword: t.subword,
            })
            .collect()
    }

    /// Writes the tokens into a tantivy token buffer (reusing its strings); returns how many.
    fn fill(&self, text: &str, buf: &mut Vec<Token>) -> usize {
        for (n, t) in self.toks.iter().enumerate() {
            if n == buf.len() {
                buf.push(Token::default());
            }
            let out = &mut buf[n];
            out.offset_from = t.from as usize;
            out.offset_to = t.to as usize;
            out.position = t.position as usize;
            out.position_length = 1;
            out.text.clear();
            out.text.push_str(self.norm(t, text));
        }
        self.toks.len()
    }
}

/// A text with its index tokens made beforehand, as a document of the case store carries it
/// (see [`crate::index::doc::CaseDoc`]). Cloning shares it.
///
/// How the tokens reach the index: tantivy hands a text field's value to [`ZhTokenizer`] as a
/// plain `&str` right after asking the document for that value, on the same indexing thread.
/// When asked, the value leaves a clone of itself on the thread ([`IndexedText::hand_off`]),
/// and the tokenizer takes it and uses its tokens if the `&str` it is given is that very text
/// (same address and length; the clone it holds keeps the text alive, so the address cannot
/// belong to another string meanwhile). Otherwise it segments the text itself, which gives
/// the same tokens, so the hand-off can only save work, never change what is indexed.
#[derive(Debug, Clone)]
pub struct IndexedText(Arc<(String, Option<TextTokens>)>);

thread_local! {
    /// The text whose value tantivy asked for last on this thread (see [`IndexedText`]).
    static HANDOFF: RefCell<Option<IndexedText>> = const { RefCell::new(None) };
}

impl IndexedText {
    /// `text` with its index tokens (None: the index segments it when it is written).
    pub fn new(text: String, tokens: Option<TextTokens>) -> IndexedText {
        IndexedText(Arc::new((text, tokens)))
    }

    /// The text.
    pub fn text(&self) -> &str {
        &self.0 .0
    }

    /// Its tokens, if made beforehand.
    pub fn tokens(&self) -> Option<&TextTokens> {
        self.0 .1.as_ref()
    }

    /// Leaves this text on the current thread for the next [`ZhTokenizer::token_stream`].
    pub fn hand_off(&self) {
        if self.tokens().is_some() {
            HANDOFF.with(|h| *h.borrow_mut() = Some(self.clone()));
        }
    }
}

/// Texts the index took with their tokens made beforehand, since the process started.
static HANDED_OFF: AtomicU64 = AtomicU64::new(0);

/// How many texts [`ZhTokenizer`] has taken with their tokens made beforehand (not segmented
/// again) in this process: benches and tests check that ingest segments each text once.
pub fn handed_off_texts() -> u64 {
    HANDED_OFF.load(Ordering::Relaxed)
}

/// The text handed off on this thread, if it is `text` itself (see [`IndexedText`]).
fn take_handoff(text: &str) -> Option<IndexedText> {
    let t = HANDOFF
        .with(|h| h.borrow_mut().take())
        .filter(|t| t.text().as_ptr() == text.as_ptr() && t.text().len() == text.len())?;
    HANDED_OFF.fetch_add(1, Ordering::Relaxed);
    Some(t)
}

/// Segments with the global [`crate::text::segmenter`] in search mode; tokens carry byte
/// offsets into the original text (for highlighting) and character-offset positions (for
/// phrase queries). It keeps its token buffer between texts, so indexing a text allocates
/// nothing per token. A text tokenized beforehand ([`IndexedText`]) is not segmented again.
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
        if let Some(done) = take_handoff(text) {
            if let Some(tokens) = done.tokens() {
                let n = tokens.fill(text, buf);
                return ZhTokenStream {
                    tokens: &mut self.tokens[..n],
                    next: 0,
                };
            }
        }
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

    const MIXED: [&str; 6] = [
        "公交车站旁的路灯杆倒了，拖欠工资三个月",
        "😀投诉：ＡＢＣ小区停水，Water off! 路灯不亮",
        "A市12345热线 İstanbul WES-5.4.5 住建管理局（官渡镇）\r\n第二行",
        "",
        "，。！",
        "ΣΑΣ ǅ 路灯ＯＫ",
    ];

    #[test]
    fn text_tokens_are_the_index_tokens() {
        for text in MIXED {
            let tt = TextTokens::new(text).unwrap();
            assert_eq!(tt.to_index_tokens(text), index_tokens(text), "{text}");
            let folded = has_full_width_alnum(text);
            match tt.words(text) {
                Some(words) => {
                    assert!(!folded, "{text}");
                    let words: Vec<&str> = words.collect();
                    assert_eq!(words, segmenter().tokens(text), "{text}");
                }
                None => assert!(folded, "{text}"),
            }
            // the tantivy tokens made from them are those the tokenizer makes itself
            let mut buf = Vec::new();
            let n = tt.fill(text, &mut buf);
            let mut tok = ZhTokenizer::default();
            let mut stream = tok.token_stream(text);
            let mut own = Vec::new();
            while stream.advance() {
                own.push(stream.token().clone());
            }
            assert_eq!(buf[..n], own[..], "{text}");
        }
    }

    #[test]
    fn the_tokenizer_takes_only_the_text_handed_off() {
        let text = "公交车站旁的路灯杆倒了".to_string();
        let copy = text.clone();
        // no tokens at all: shows whether the tokenizer took them or segmented the text
        let it = IndexedText::new(text, Some(TextTokens::default()));
        let mut tok = ZhTokenizer::default();
        // an equal text elsewhere in memory is segmented, not taken
        it.hand_off();
        let n = count(tok.token_stream(&copy));
        assert!(n > 0);
        // the text itself is taken, once
        it.hand_off();
        assert_eq!(count(tok.token_stream(it.text())), 0);
        assert_eq!(count(tok.token_stream(it.text())), n);
        // a text without tokens is not handed off
        let plain = IndexedText::new(copy, None);
        plain.hand_off();
        assert_eq!(count(tok.token_stream(plain.text())), n);
    }

    fn count(mut s: impl TokenStream) -> usize {
        let mut n = 0;
        while s.advance() {
            n += 1;
        }
        n
    }

    #[test]
    fn offsets_slice_the_text() {
        let text = "😀投诉：ＡＢＣ小区停水，Water off! 路灯不亮";
        for t in index_tokens(text) {
            assert_eq!(normalize_token(&text[t.from..t.to]), t.text);
        }
    }
}
