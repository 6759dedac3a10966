//! Snippets: a window of a case's text around the best match, with the matched words marked.
//!
//! Built from the index tokenizer's byte offsets (not tantivy's SnippetGenerator), so marks
//! fall on whole characters for Chinese, full-width punctuation, emoji and mixed ASCII.
//! Windows are measured in characters; marks can be rendered as 【…】 (terminal),
//! `<mark>…</mark>` (HTML, the text escaped) or left out (plain).

use std::collections::HashSet;

use crate::index::tokenizer::index_tokens;
use crate::model::Case;

/// Default snippet width in characters.
pub const DEFAULT_WIDTH: usize = 80;

/// A window of text with highlighted byte ranges (relative to `text`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Snippet {
    pub text: String,
    /// Sorted, non-overlapping byte ranges into `text`.
    pub highlights: Vec<(usize, usize)>,
    /// The window starts after the beginning of the field.
    pub cut_before: bool,
    /// The window ends before the end of the field.
    pub cut_after: bool,
}

impl Snippet {
    /// Renders with `open` / `close` around each highlight and `escape` applied to text.
    fn render(&self, open: &str, close: &str, escape: fn(&str) -> String) -> String {
        let mut out = String::new();
        if self.cut_before {
            out.push('…');
        }
        let mut at = 0;
        for &(s, e) in &self.highlights {
            out.push_str(&escape(&flatten(&self.text[at..s])));
            out.push_str(open);
            out.push_str(&escape(&flatten(&self.text[s..e])));
            out.push_str(close);
            at = e;
        }
        out.push_str(&escape(&flatten(&self.text[at..])));
        if self.cut_after {
            out.push('…');
        }
        out
    }

    /// The text without marks.
    pub fn plain(&self) -> String {
        self.render("", "", str::to_string)
    }

    /// HTML-escaped text with `<mark>` around matches.
    pub fn html(&self) -> String {
        self.render("<mark>", "</mark>", html_escape)
    }

    /// Text with `open` / `close` around matches (【 and 】 on a terminal).
    pub fn marked(&self, open: &str, close: &str) -> String {
        self.render(open, close, str::to_string)
    }

    /// The highlighted substrings.
    pub fn highlighted(&self) -> Vec<&str> {
        self.highlights
            .iter()
            .map(|&(s, e)| &self.text[s..e])
            .collect()
    }
}

/// Line breaks and tabs as spaces (one for one, so nothing else moves).
fn flatten(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Escapes `& < > " '`.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Byte ranges of the tokens of `text` that are in `terms` (normalized index tokens),
/// merged where they overlap.
pub fn match_ranges(text: &str, terms: &[String]) -> Vec<(usize, usize, String)> {
    let set: HashSet<&str> = terms.iter().map(String::as_str).collect();
    let mut ranges: Vec<(usize, usize, String)> = index_tokens(text)
        .into_iter()
        .filter(|t| set.contains(t.text.as_str()))
        .map(|t| (t.from, t.to, t.text))
        .collect();
    ranges.sort_by_key(|r| (r.0, std::cmp::Reverse(r.1)));
    let mut merged: Vec<(usize, usize, String)> = Vec::new();
    for r in ranges {
        match merged.last_mut() {
            Some(last) if r.0 < last.1 => {
                if r.1 > last.1 {
                    last.1 = r.1;
                }
            }
            _ => merged.push(r),
        }
    }
    merged
}

/// The best window of `text` (`width` characters) around matches of `terms`; None when
/// nothing in `text` matches.
pub fn snippet_of(text: &str, terms: &[String], width: usize) -> Option<Snippet> {
    let ranges = match_ranges(text, terms);
    if ranges.is_empty() {
        return None;
    }
    let width = width.max(10);
    // char index of every byte offset we need
    let char_starts: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
    let n_chars = char_starts.len();
    let char_of = |byte: usize| char_starts.partition_point(|&b| b < byte);
    let byte_of = |ch: usize| {
        if ch >= n_chars {
            text.len()
        } else {
            char_starts[ch]
        }
    };
    let lead = width / 5;
    let mut best: Option<(usize, usize, usize)> = None; // (distinct, count, start char)
    for r in &ranges {
        let start = char_of(r.0).saturating_sub(lead);
        let start = start.min(n_chars.saturating_sub(width));
        let end_byte = byte_of(start + width);
        let start_byte = byte_of(start);
        let inside: Vec<&(usize, usize, String)> = ranges
            .iter()
            .filter(|x| x.0 >= start_byte && x.1 <= end_byte)
            .collect();
        let distinct: HashSet<&str> = inside.iter().map(|x| x.2.as_str()).collect();
        let key = (distinct.len(), inside.len());
        if best.is_none_or(|(d, c, _)| key > (d, c)) {
            best = Some((key.0, key.1, start));
        }
    }
    let (_, _, start) = best.expect("at least one range");
    // Start at a sentence start when one is close before the first match.
    let mut start = start;
    let first_match = ranges
        .iter()
        .map(|r| char_of(r.0))
        .find(|&c| c >= start)
        .unwrap_or(start);
    let chars: Vec<char> = text.chars().collect();
    if let Some(k) = chars[start..first_match]
        .iter()
        .rposition(|c| matches!(c, '。' | '！' | '？' | '；' | '\n' | '.' | '!' | '?'))
    {
        start += k + 1;
    }
    let end = (start + width).min(n_chars);
    let (sb, eb) = (byte_of(start), byte_of(end));
    let highlights = ranges
        .iter()
        .filter(|r| r.1 > sb && r.0 < eb)
        .map(|r| (r.0.max(sb) - sb, r.1.min(eb) - sb))
        .collect();
    Some(Snippet {
        text: text[sb..eb].to_string(),
        highlights,
        cut_before: start > 0,
        cut_after: end < n_chars,
    })
}

/// The snippet of a case: the narrative around its best match, else the title's or the
/// reply's, else the narrative's beginning.
pub fn best_snippet(case: &Case, terms: &[String], width: usize) -> Snippet {
    if !terms.is_empty() {
        for text in [
            Some(case.narrative.as_str()),
            case.title.as_deref(),
            case.reply.as_deref(),
        ]
        .into_iter()
        .flatten()
        {
            if let Some(s) = snippet_of(text, terms, width) {
                return s;
            }
        }
    }
    let n: usize = case
        .narrative
        .char_indices()
        .nth(width)
        .map(|(b, _)| b)
        .unwrap_or(case.narrative.len());
    Snippet {
        text: case.narrative[..n].to_string(),
        highlights: Vec::new(),
        cut_before: false,
        cut_after: n < case.narrative.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(ws: &[&str]) -> Vec<String> {
        ws.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn marks_chinese_words_exactly() {
        let s = snippet_of("官渡镇路灯不亮已经三个月。", &terms(&["路灯"]), 80).unwrap();
        assert_eq!(s.highlighted(), vec!["路灯"]);
        assert_eq!(s.marked("【", "】"), "官渡镇【路灯】不亮已经三个月。");
        assert_eq!(s.plain(), "官渡镇路灯不亮已经三个月。");
    }

    #[test]
    fn emoji_full_width_punctuation_and_ascii() {
        let text = "😀😀投诉：「ＡＢＣ小区」停水！Water off，12345工单😡停水";
        let s = snippet_of(text, &terms(&["停水", "abc", "water"]), 80).unwrap();
        assert_eq!(s.highlighted(), vec!["ＡＢＣ", "停水", "Water", "停水"]);
        assert_eq!(
            s.html(),
            "😀😀投诉：「<mark>ＡＢＣ</mark>小区」<mark>停水</mark>！<mark>Water</mark> off，12345工单😡<mark>停水</mark>"
        );
    }

    #[test]
    fn windows_cut_on_characters_and_escape_html() {
        let mut text = "前".repeat(100);
        text.push_str("<b>&路灯</b>");
        text.push_str(&"后".repeat(100));
        let s = snippet_of(&text, &terms(&["路灯"]), 20).unwrap();
        assert!(s.cut_before && s.cut_after);
        assert_eq!(s.text.chars().count(), 20);
        let html = s.html();
        assert!(
            html.contains("&lt;b&gt;&amp;<mark>路灯</mark>&lt;/b&gt;"),
            "{html}"
        );
        assert!(html.starts_with('…') && html.ends_with('…'));
    }

    #[test]
    fn prefers_the_window_with_most_distinct_terms() {
        let text = format!("停水{}停水又停电{}", "。".repeat(200), "。".repeat(200));
        let s = snippet_of(&text, &terms(&["停水", "停电"]), 30).unwrap();
        assert!(s.highlighted().contains(&"停电"), "{s:?}");
    }

    #[test]
    fn no_match_falls_back_to_the_beginning() {
        let case = Case::new("1", "这是一段没有关键词的文字");
        let s = best_snippet(&case, &terms(&["路灯"]), 5);
        assert_eq!(s.plain(), "这是一段没…");
        assert!(snippet_of("abc", &terms(&["路灯"]), 80).is_none());
    }
}
