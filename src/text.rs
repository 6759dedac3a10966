//! Chinese segmentation: jieba-rs with the hotline domain dictionary and stopword list.
//!
//! One [`Segmenter`] serves the whole pipeline, so the index, the tagger and the hotspot
//! clustering see the same tokens. The dictionary (`models/dict.txt`: towns, agencies and
//! hotline terms such as 官渡镇, 住建管理局, 12345, 网络问政, 红黄牌) and the stopword list
//! (`models/stopwords.txt`) are compiled into the binary.

use std::borrow::Cow;
use std::sync::LazyLock;

use jieba_rs::Jieba;
use rustc_hash::FxHashSet;

/// The domain dictionary in jieba's `word freq tag` format.
pub const DOMAIN_DICT: &str = include_str!("../models/dict.txt");
/// Words dropped by [`Segmenter::terms`].
pub const STOPWORDS: &str = include_str!("../models/stopwords.txt");

static GLOBAL: LazyLock<Segmenter> = LazyLock::new(Segmenter::new);

/// The process-wide segmenter (jieba's default dictionary plus ours), built on first use.
pub fn segmenter() -> &'static Segmenter {
    &GLOBAL
}

/// jieba-rs with the domain dictionary and the stopword list.
pub struct Segmenter {
    jieba: Jieba,
    stopwords: StopSet,
}

/// The stopword list as a set that is quick on the hot path (every token of every text asks
/// it): words of up to 15 bytes are packed into one `u128` (bytes and length) and looked up
/// in a small open-addressing table; the few longer words sit in a hash set.
struct StopSet {
    table: Vec<u128>,
    shift: u32,
    long: FxHashSet<&'static str>,
}

/// Packs a word of at most 15 bytes with its length (an empty word packs to 0, the empty
/// slot, and is never found).
#[inline]
fn pack(w: &[u8]) -> u128 {
    // byte by byte: a copy of a variable length would call memcpy for these few bytes
    let mut k = (w.len() as u128) << 120;
    for (i, &b) in w.iter().enumerate().take(15) {
        k |= u128::from(b) << (8 * i);
    }
    k
}

impl StopSet {
    fn new(words: impl Iterator<Item = &'static str>) -> StopSet {
        let (short, long): (Vec<&str>, Vec<&str>) = words.partition(|w| w.len() < 16);
        let size = (short.len() * 4).max(64).next_power_of_two();
        let mut set = StopSet {
            table: vec![0; size],
            shift: 64 - size.trailing_zeros(),
            long: long.into_iter().collect(),
        };
        for w in short {
            let k = pack(w.as_bytes());
            let mut i = set.slot(k);
            while set.table[i] != 0 && set.table[i] != k {
                i = (i + 1) & (size - 1);
            }
            set.table[i] = k;
        }
        set
    }

    #[inline]
    fn slot(&self, k: u128) -> usize {
        let h =
            ((k as u64) ^ ((k >> 64) as u64).rotate_left(29)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        (h >> self.shift) as usize
    }

    #[inline]
    fn contains(&self, w: &str) -> bool {
        let b = w.as_bytes();
        if b.is_empty() {
            return false;
        }
        if b.len() >= 16 {
            return self.long.contains(w);
        }
        let k = pack(b);
        let mask = self.table.len() - 1;
        let mut i = self.slot(k);
        loop {
            match self.table[i] {
                0 => return false,
                e if e == k => return true,
                _ => i = (i + 1) & mask,
            }
        }
    }
}

impl Default for Segmenter {
    fn default() -> Self {
        Segmenter::new()
    }
}

impl Segmenter {
    /// jieba's default dictionary plus the compiled-in domain dictionary.
    pub fn new() -> Segmenter {
        let mut jieba = Jieba::new();
        load_dict_lines(&mut jieba, DOMAIN_DICT);
        let stopwords = StopSet::new(
            STOPWORDS
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#')),
        );
        Segmenter { jieba, stopwords }
    }

    /// Raw jieba tokens (HMM on for unknown words), punctuation and spaces included.
    /// Every token is a slice of `text`, and together they cover it.
    pub fn cut<'a>(&self, text: &'a str) -> Vec<&'a str> {
        self.jieba
            .cut(text, true)
            .into_iter()
            .map(|t| t.word)
            .collect()
    }

    /// Tokens with their byte offsets in `text`, word characters only (no spaces or
    /// punctuation), as the search index stores them. ASCII letters are lowercased.
    pub fn tokens_with_offsets(&self, text: &str) -> Vec<(usize, usize, String)> {
        self.jieba
            .cut(text, true)
            .into_iter()
            .filter(|t| is_word(t.word))
            .map(|t| (t.byte_start, t.byte_end, normalize_token(t.word)))
            .collect()
    }

    /// Word tokens (no spaces or punctuation), normalized: what the search index holds.
    pub fn tokens(&self, text: &str) -> Vec<String> {
        self.jieba
            .cut(text, true)
            .into_iter()
            .filter(|t| is_word(t.word))
            .map(|t| normalize_token(t.word))
            .collect()
    }

    /// Word tokens without stopwords: what the tagger and the hotspot clustering read.
    pub fn terms(&self, text: &str) -> Vec<String> {
        self.terms_borrowed(text)
            .into_iter()
            .map(Cow::into_owned)
            .collect()
    }

    /// [`Segmenter::terms`] without a string per token: the tokens that normalisation leaves
    /// unchanged (nearly all) are borrowed from `text`.
    pub fn terms_borrowed<'a>(&self, text: &'a str) -> Vec<Cow<'a, str>> {
        self.jieba
            .cut(text, true)
            .into_iter()
            .filter(|t| is_word(t.word))
            .map(|t| normalize_cow(t.word))
            .filter(|t| !self.is_stopword(t))
            .collect()
    }

    /// True for a word in the stopword list.
    pub fn is_stopword(&self, word: &str) -> bool {
        self.stopwords.contains(word)
    }

    /// The underlying jieba instance (for part-of-speech tagging or keyword extraction).
    pub fn jieba(&self) -> &Jieba {
        &self.jieba
    }
}

/// Adds every `word [freq] [tag]` line to jieba, skipping comments and blank lines.
fn load_dict_lines(jieba: &mut Jieba, dict: &str) {
    for line in dict.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut parts = line.split_whitespace();
        let Some(word) = parts.next() else { continue };
        let freq = parts.next().and_then(|f| f.parse::<usize>().ok());
        let tag = parts.next();
        jieba.add_word(word, freq, tag);
    }
}

/// The first `n` characters of `s` as one line (control characters and runs of whitespace
/// become one space), with …… when it was cut: excerpts of narratives and replies in
/// reports, similar-case lists and hotspot listings.
pub fn excerpt(s: &str, n: usize) -> String {
    let flat: String = s
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    match flat.char_indices().nth(n) {
        None => flat,
        Some((cut, _)) => format!("{}……", &flat[..cut]),
    }
}

/// True when the token has at least one letter, digit or CJK character.
pub fn is_word(token: &str) -> bool {
    // Fast path on the bytes: an ASCII letter or digit, or a lead byte of U+5000..U+9FFF
    // (CJK unified ideographs, all letters).
    let bytes = token.as_bytes();
    if bytes
        .iter()
        .any(|&b| b.is_ascii_alphanumeric() || (0xE5..=0xE9).contains(&b))
    {
        return true;
    }
    if bytes.is_ascii() {
        return false;
    }
    token.chars().any(|c| {
        !c.is_ascii()
            && !matches!(c,
                // full-width and CJK punctuation, general punctuation: never letters
                '\u{FF01}'..='\u{FF0F}' | '\u{3000}'..='\u{3004}' | '\u{3008}'..='\u{3020}'
                | '\u{2000}'..='\u{206F}')
            && c.is_alphanumeric()
    })
}

/// Lowercases ASCII and folds full-width ASCII (ＡＢＣ１２３) to half-width.
pub fn normalize_token(token: &str) -> String {
    let mut out = String::with_capacity(token.len());
    normalize_into(token, &mut out);
    out
}

/// True when [`normalize_token`] returns `token` unchanged for certain: no ASCII capital, and
/// every other character in U+3000..U+9FFF (lead bytes E3..E9: CJK punctuation, kana,
/// ideographs), which have no case and nothing to fold.
fn is_normal(token: &str) -> bool {
    token
        .bytes()
        .all(|b| matches!(b, 0x00..=0x40 | 0x5B..=0xBF | 0xE3..=0xE9))
}

/// [`normalize_token`], borrowing `token` when it is already normal (the usual case).
pub fn normalize_cow(token: &str) -> Cow<'_, str> {
    if is_normal(token) {
        Cow::Borrowed(token)
    } else {
        Cow::Owned(normalize_token(token))
    }
}

/// [`normalize_token`] into a reused buffer (cleared first).
pub fn normalize_into(token: &str, out: &mut String) {
    out.clear();
    if is_normal(token) {
        out.push_str(token);
        return;
    }
    for c in token.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else if ('\u{3000}'..='\u{9FFF}').contains(&c) {
            // CJK symbols, kana, CJK ideographs: no case, nothing to fold.
            out.push(c);
        } else {
            let c = match c {
                '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                _ => c,
            };
            out.extend(c.to_lowercase());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_one_line_and_marked_when_cut() {
        assert_eq!(excerpt("小区\n停水  三天\t了", 20), "小区 停水 三天 了");
        assert_eq!(excerpt("路灯不亮已经一周", 4), "路灯不亮……");
        assert_eq!(excerpt("路灯不亮", 4), "路灯不亮");
        assert_eq!(excerpt("", 4), "");
    }

    #[test]
    fn borrowed_terms_are_the_terms() {
        let seg = segmenter();
        for text in [
            "A市ＡＢＣ小区停水，Water OFF! 希望相关部门尽快处理路灯问题😀",
            "ΣΑΣ 12345热线 İstanbul ǅ 住建管理局（官渡镇）",
            "",
        ] {
            let borrowed: Vec<String> = seg
                .terms_borrowed(text)
                .into_iter()
                .map(Cow::into_owned)
                .collect();
            let owned: Vec<String> = seg
                .cut(text)
                .into_iter()
                .filter(|t| is_word(t))
                .map(normalize_token)
                .filter(|t| !seg.is_stopword(t))
                .collect();
            assert_eq!(borrowed, owned, "{text}");
            assert_eq!(seg.terms(text), owned, "{text}");
        }
    }

    #[test]
    fn keeps_domain_words_whole() {
        let seg = segmenter();
        let toks = seg.tokens("官渡镇至龙仙镇方向路灯不亮，住建管理局未处理12345工单");
        for w in ["官渡镇", "龙仙镇", "住建管理局", "12345", "工单"] {
            assert!(toks.iter().any(|t| t == w), "{w} missing from {toks:?}");
        }
    }

    #[test]
    fn offsets_point_into_the_text() {
        let text = "😀 投诉：ＡＢＣ小区停水，Water off!";
        for (s, e, t) in segmenter().tokens_with_offsets(text) {
            assert_eq!(normalize_token(&text[s..e]), t);
        }
    }

    #[test]
    fn normalization_matches_the_unicode_rules() {
        for t in [
            "ＡＢＣ１２３",
            "Water",
            "ΣΑΣ",
            "路灯ＯＫ",
            "𐐀",
            "Ａ-Ｚ",
            "ⅫⅰⅡ",
            "ａ",
        ] {
            let want: String = t
                .chars()
                .map(|c| match c {
                    '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                    _ => c,
                })
                .flat_map(char::to_lowercase)
                .collect();
            assert_eq!(normalize_token(t), want, "{t}");
        }
        for (t, w) in [
            ("，", false),
            ("路", true),
            ("㐀", true),
            ("Ⅻ", true),
            ("—", false),
            ("〇", true),
            ("々", true),
            ("「」", false),
            ("１", true),
            ("…", false),
            ("䷀", false),
            (" ", false),
            ("a", true),
        ] {
            assert_eq!(is_word(t), w, "{t}");
            assert_eq!(is_word(t), t.chars().any(char::is_alphanumeric), "{t}");
        }
    }

    #[test]
    fn stop_set_answers_as_the_list() {
        let listed: FxHashSet<&str> = STOPWORDS
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect();
        let seg = segmenter();
        let mut words: Vec<String> = STOPWORDS.lines().map(|l| l.trim().to_string()).collect();
        words.extend(
            seg.tokens("小区路灯不亮，晚上出行不便，希望有关部门尽快维修。A市 12345 的 了 和 WiFi"),
        );
        words.extend(["", "的的", "a", "了了了了了了了了"].map(String::from));
        let long: &'static str = "这是一个很长的停用词测试";
        let set = StopSet::new(listed.iter().copied().chain([long]));
        for w in &words {
            assert_eq!(seg.is_stopword(w), listed.contains(w.as_str()), "{w:?}");
            assert_eq!(set.contains(w), listed.contains(w.as_str()), "{w:?}");
        }
        assert!(set.contains(long) && !seg.is_stopword(long));
        assert!(words.iter().any(|w| seg.is_stopword(w)));
    }

    #[test]
    fn terms_drop_stopwords() {
        let terms = segmenter().terms("希望相关部门尽快处理路灯问题");
        assert!(terms.contains(&"路灯".to_string()));
        assert!(!terms.contains(&"希望".to_string()));
    }
}
