//! What an analyst types, parsed and turned into a tantivy query built by hand.
//!
//! Syntax: words with or without spaces (路灯不亮, 拖欠 工资), `"quoted phrases"` (also
//! “…” and 「…」), `-word` to exclude, `OR` (or `|`) between two items. Every item is
//! required unless joined by OR. A free-text item is segmented into words and every word is
//! required anywhere in title, narrative or reply; it is never silently turned into a strict
//! phrase (the QueryParser trap that makes 路灯不亮 miss 路灯一直不亮). A word that the
//! dictionary knows whole (路灯不亮, 拖欠工资) matches either whole or as its parts near each
//! other. Adjacent words get an optional proximity boost. Synonyms expand each word.

use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, EmptyQuery, Occur, PhraseQuery, Query, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::Term;

use super::synonyms::Synonyms;
use crate::index::tokenizer::{index_tokens, split_parts};
use crate::index::Fields;

/// One item of a parsed query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// Free text: segmented into words, all required.
    Words(String),
    /// A quoted phrase: its words in this order, adjacent.
    Phrase(String),
}

/// A required (or excluded) clause: one item, or several joined by OR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    pub alternatives: Vec<Item>,
    pub negated: bool,
}

/// A parsed query string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedQuery {
    pub clauses: Vec<Clause>,
}

impl ParsedQuery {
    /// True when nothing positive is asked for (only exclusions, or nothing at all).
    pub fn has_positive(&self) -> bool {
        self.clauses.iter().any(|c| !c.negated)
    }
}

fn closing_quote(open: char) -> Option<char> {
    match open {
        '"' => Some('"'),
        '“' => Some('”'),
        '「' => Some('」'),
        '『' => Some('』'),
        _ => None,
    }
}

/// Parses the query syntax. Never fails: an unclosed quote runs to the end.
pub fn parse(input: &str) -> ParsedQuery {
    // Lexing: (negated, item) or the OR operator.
    enum Lex {
        Item(bool, Item),
        Or,
    }
    let mut lexed = Vec::new();
    let mut chars = input.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let mut negated = false;
        if c == '-' || c == '－' {
            chars.next();
            negated = true;
            match chars.peek() {
                None => break,
                Some(c) if c.is_whitespace() => continue,
                _ => {}
            }
        }
        let c = *chars.peek().expect("peeked above");
        if let Some(close) = closing_quote(c) {
            chars.next();
            let mut phrase = String::new();
            for c in chars.by_ref() {
                if c == close || (close == '"' && c == '”') {
                    break;
                }
                phrase.push(c);
            }
            if phrase.trim().is_empty() {
                continue;
            }
            lexed.push(Lex::Item(negated, Item::Phrase(phrase.trim().to_string())));
            continue;
        }
        let mut word = String::new();
        while let Some(&c) = chars.peek() {
            if c.is_whitespace() || closing_quote(c).is_some() {
                break;
            }
            word.push(c);
            chars.next();
        }
        if !negated && (word == "OR" || word == "|") {
            lexed.push(Lex::Or);
        } else if !word.is_empty() {
            lexed.push(Lex::Item(negated, Item::Words(word)));
        }
    }
    let mut clauses: Vec<Clause> = Vec::new();
    let mut pending_or = false;
    for l in lexed {
        match l {
            Lex::Or => pending_or = !clauses.is_empty(),
            Lex::Item(negated, item) => {
                match clauses.last_mut() {
                    Some(last) if pending_or && !last.negated && !negated => {
                        last.alternatives.push(item)
                    }
                    _ => clauses.push(Clause {
                        alternatives: vec![item],
                        negated,
                    }),
                }
                pending_or = false;
            }
        }
    }
    ParsedQuery { clauses }
}

/// How a query is turned into tantivy queries.
#[derive(Debug, Clone, Copy)]
pub struct QueryOptions {
    /// Expand words with their synonyms.
    pub synonyms: bool,
    /// Largest gap (in words) between the parts of a dictionary word matched in parts.
    pub parts_slop: u32,
    /// Extra weight of the proximity clause for adjacent query words.
    pub proximity_boost: f32,
    /// Largest gap (in characters) between the parts of a word the dictionary knows whole
    /// (路灯不亮 ~ 路灯长期不亮); `None` matches such a word whole only.
    pub compound_slop: Option<u32>,
    /// Weight of a match of a dictionary word in parts, relative to a match of the word
    /// whole: below 1, so that the exact word ranks first.
    pub compound_parts_weight: f32,
}

impl Default for QueryOptions {
    fn default() -> Self {
        QueryOptions {
            synonyms: true,
            parts_slop: 0,
            proximity_boost: 1.5,
            compound_slop: Some(COMPOUND_SLOP),
            compound_parts_weight: 0.4,
        }
    }
}

/// Field weights: a match in the title counts more, one in the reply less.
fn text_fields(f: &Fields) -> [(Field, f32); 3] {
    [(f.title, 2.0), (f.narrative, 1.0), (f.reply, 0.5)]
}

/// The text fields a query searches: all of [`text_fields`], or the caller's own words
/// only (title and narrative, not the office's reply).
fn searched_fields(f: &Fields, with_reply: bool) -> Vec<(Field, f32)> {
    text_fields(f)
        .into_iter()
        .filter(|(field, _)| with_reply || *field != f.reply)
        .collect()
}

/// Builds tantivy queries from parsed queries, and records the words to highlight.
pub struct QueryBuilder<'a> {
    fields: Fields,
    synonyms: Option<&'a Synonyms>,
    opts: QueryOptions,
    /// Every normalized token a hit may have matched (for highlighting).
    pub highlight_terms: Vec<String>,
    /// Whether a phrase query was built (a phrase needs positions for every candidate).
    has_phrase: bool,
    /// The words (with their synonyms) already required by a clause of their own.
    required: Vec<Vec<String>>,
    /// The item being built is the only alternative of a required clause.
    sole_required: bool,
    /// Require a synonym group once (see [`QueryBuilder::build_split`]).
    dedupe: bool,
    /// A word was left out because its group was required already.
    deduped: bool,
    /// Search the office's reply too (see [`QueryBuilder::without_reply`]).
    with_reply: bool,
}

impl<'a> QueryBuilder<'a> {
    pub fn new(fields: Fields, synonyms: Option<&'a Synonyms>, opts: QueryOptions) -> Self {
        QueryBuilder {
            fields,
            synonyms: if opts.synonyms { synonyms } else { None },
            opts,
            highlight_terms: Vec::new(),
            has_phrase: false,
            required: Vec::new(),
            sole_required: false,
            dedupe: true,
            deduped: false,
            with_reply: true,
        }
    }

    /// Builds queries over the title and narrative only: a case the full query matches and
    /// this one does not matches only in the office's reply.
    pub fn without_reply(mut self) -> Self {
        self.with_reply = false;
        self
    }

    fn note(&mut self, t: &str) {
        if !self.highlight_terms.iter().any(|h| h == t) {
            self.highlight_terms.push(t.to_string());
        }
    }

    /// The text query (None when the query asks for nothing: match all, then filter), with
    /// the proximity boost as an optional clause.
    pub fn build(&mut self, q: &ParsedQuery) -> Option<Box<dyn Query>> {
        let built = self.build_split(q)?;
        if built.proximity.is_empty() {
            return Some(built.matching);
        }
        let prox: Vec<(Occur, Box<dyn Query>)> = built
            .proximity
            .into_iter()
            .map(|q| (Occur::Should, q))
            .collect();
        Some(Box::new(BooleanQuery::new(vec![
            (Occur::Must, built.matching),
            (Occur::Should, Box::new(BooleanQuery::new(prox))),
        ])))
    }

    /// The text query split in two: the query that decides which cases match (and their BM25
    /// score), and the proximity clauses that only add to the score of a matching case. The
    /// score of [`QueryBuilder::build`] is the first's score plus the sum of the second's.
    /// A word whose synonym group another required word brought in already (扰民 after
    /// 噪音) adds no clause: it would match the same cases again.
    pub fn build_split(&mut self, q: &ParsedQuery) -> Option<TextQuery> {
        if q.clauses.is_empty() {
            return None;
        }
        let mut subs: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut sequence: Vec<String> = Vec::new();
        for c in &q.clauses {
            let mut alts: Vec<Box<dyn Query>> = Vec::new();
            self.sole_required = !c.negated && c.alternatives.len() == 1;
            for item in &c.alternatives {
                let (leaves, words) = self.item_query(item, !c.negated);
                alts.extend(leaves);
                if self.sole_required {
                    sequence.extend(words);
                }
            }
            if alts.is_empty() {
                // every word of the clause is required already (噪音 扰民: one synonym group)
                continue;
            }
            subs.push((
                if c.negated {
                    Occur::MustNot
                } else {
                    Occur::Must
                },
                union(alts),
            ));
        }
        if self.deduped && subs.len() == 1 {
            // The query came down to one word group (噪音 扰民): its proximity rescoring
            // ranks 200 candidates, which costs more than requiring the group twice.
            self.dedupe = false;
            self.deduped = false;
            self.has_phrase = false;
            self.required.clear();
            self.highlight_terms.clear();
            return self.build_split(q);
        }
        let mut proximity = Vec::new();
        if !q.has_positive() {
            subs.push((Occur::Must, Box::new(AllQuery)));
        } else if sequence.len() >= 2 && self.opts.proximity_boost > 0.0 {
            proximity = self.proximity(&sequence);
        }
        let term_union = subs.len() == 1 && subs[0].0 == Occur::Must && !self.has_phrase;
        let matching = if subs.len() == 1 && subs[0].0 == Occur::Must {
            subs.pop().expect("one clause").1
        } else if subs.iter().all(|(o, _)| *o == Occur::Must) {
            // A flat intersection: BooleanQuery::intersection keeps the term-only case
            // eligible for tantivy's block-max pruning.
            Box::new(BooleanQuery::intersection(
                subs.into_iter().map(|(_, q)| q).collect(),
            ))
        } else {
            Box::new(BooleanQuery::new(subs))
        };
        Some(TextQuery {
            matching,
            proximity,
            term_union,
        })
    }

    /// The alternatives (a union) of one item and the main words it contributes to the
    /// proximity sequence.
    fn item_query(&mut self, item: &Item, positive: bool) -> (Vec<Box<dyn Query>>, Vec<String>) {
        match item {
            Item::Phrase(p) => {
                let words = main_tokens(p);
                if positive {
                    for w in &words {
                        self.note(w);
                    }
                }
                // written together: exact; with spaces or punctuation between: a character
                // of play per gap
                let joined: usize = words.iter().map(|w| w.chars().count()).sum();
                let written = p.chars().filter(|c| c.is_alphanumeric()).count();
                let slop = if joined == written {
                    0
                } else {
                    words.len() as u32 - 1
                };
                let q = match words.len() {
                    0 => vec![Box::new(EmptyQuery) as Box<dyn Query>],
                    1 => self.term_any_field(&words[0]),
                    _ => self.phrase_any_field(&words, slop),
                };
                (q, words)
            }
            Item::Words(text) => {
                // The whole chunk may be a synonym-group word that segments into several
                // words (拖欠工资 → 拖欠 / 工资 without the dictionary entry).
                let words = main_tokens(text);
                if words.len() > 1 {
                    let whole = crate::text::normalize_token(text);
                    if let Some(syn) = self.synonyms.filter(|s| s.contains(&whole)) {
                        let mut alts = self.word_query(&whole, positive);
                        for s in prune_contained(&whole, syn.expand(&whole)) {
                            alts.extend(self.synonym_query(s, positive));
                        }
                        return (alts, words);
                    }
                }
                let mut must: Vec<Box<dyn Query>> = Vec::new();
                let mut repeated = false;
                for w in &group_single_chars(&words) {
                    if self.sole_required && self.dedupe {
                        // A word whose synonym group is required already matches the same
                        // cases: the group is required once (噪音 扰民, 停水 断水), which
                        // halves the work of such a query and changes no match.
                        let mut group = vec![w.clone()];
                        if let Some(syn) = self.synonyms {
                            group.extend(syn.expand(w).into_iter().map(str::to_string));
                        }
                        group.sort();
                        if self.required.contains(&group) {
                            self.note(w);
                            repeated = true;
                            self.deduped = true;
                            continue;
                        }
                        self.required.push(group);
                    }
                    let mut alts = self.word_query(w, positive);
                    if let Some(syn) = self.synonyms {
                        for s in prune_contained(w, syn.expand(w)) {
                            alts.extend(self.synonym_query(s, positive));
                        }
                    }
                    must.push(union(alts));
                }
                let q: Box<dyn Query> = match must.len() {
                    0 if repeated => return (Vec::new(), words),
                    0 => Box::new(EmptyQuery),
                    1 => return (vec![must.pop().expect("one")], words),
                    _ => Box::new(BooleanQuery::intersection(must)),
                };
                (vec![q], words)
            }
        }
    }

    /// A synonym of a query word, as alternatives: a synonym the dictionary keeps whole is
    /// its term only, without the phrase of its parts that [`QueryBuilder::word_query`]
    /// adds. The parts phrase only adds the cases where jieba cut the synonym apart, and
    /// phrase queries (positions of every candidate, in three fields) were most of the
    /// time of a query with synonyms. The analyst's own word keeps its full recall.
    fn synonym_query(&mut self, word: &str, positive: bool) -> Vec<Box<dyn Query>> {
        let toks = main_tokens(word);
        if toks.len() != 1 {
            return self.word_query(word, positive);
        }
        if positive {
            self.note(&toks[0]);
        }
        self.term_any_field(&toks[0])
    }

    /// One word (any text), as alternatives: its tokens all required; a single dictionary
    /// word also matches as its dictionary parts near each other (路灯不亮 ~ 路灯 … 不亮).
    fn word_query(&mut self, word: &str, positive: bool) -> Vec<Box<dyn Query>> {
        let toks = main_tokens(word);
        match toks.len() {
            0 => vec![Box::new(EmptyQuery)],
            1 => {
                let w = &toks[0];
                if positive {
                    self.note(w);
                }
                let mut alts = self.term_any_field(w);
                // A word the dictionary knows is kept whole by jieba in the texts too (and
                // the index holds its parts as sub-words at the same positions), so only
                // the parts with words between them (路灯长期不亮) add matches: a sloppy
                // phrase, weighted below the word itself. A word the dictionary does not
                // know matches as its parts at `parts_slop`.
                let known = crate::text::segmenter().jieba().has_word(w);
                let slop = if known {
                    // a name (民安街道, 人民医院) is one thing: its parts apart are not it
                    self.opts.compound_slop.filter(|_| !is_name(w))
                } else {
                    Some(self.opts.parts_slop)
                };
                if let (Some(parts), Some(slop)) = (split_parts(w), slop) {
                    if positive {
                        for p in &parts {
                            self.note(p);
                        }
                    }
                    let phrases = self.phrase_any_field(&parts, slop);
                    if known {
                        let weight = self.opts.compound_parts_weight;
                        alts.extend(phrases.into_iter().map(|q| boosted(q, weight)));
                    } else {
                        alts.extend(phrases);
                    }
                }
                alts
            }
            _ => {
                // A word that segments into several tokens (高铁站 → 高铁 / 站, a synonym
                // such as 拖欠农民工工资): whole, or its tokens adjacent.
                let whole = crate::text::normalize_token(word);
                if positive {
                    self.note(&whole);
                    // a lone character (了 of 路灯坏了) would light up everywhere
                    for t in toks.iter().filter(|t| t.chars().count() > 1) {
                        self.note(t);
                    }
                }
                let mut alts = self.term_any_field(&whole);
                alts.extend(self.phrase_any_field(&toks, self.opts.parts_slop));
                alts
            }
        }
    }

    /// The token in any text field, one (boosted) term query per field.
    fn term_any_field(&self, token: &str) -> Vec<Box<dyn Query>> {
        searched_fields(&self.fields, self.with_reply)
            .into_iter()
            .map(|(f, boost)| {
                let q: Box<dyn Query> = Box::new(TermQuery::new(
                    Term::from_field_text(f, token),
                    IndexRecordOption::WithFreqs,
                ));
                boosted(q, boost)
            })
            .collect()
    }

    /// Tokens at character offsets (as they stand in the word), `slop` characters of play,
    /// in any text field: one (boosted) phrase query per field.
    fn phrase_any_field(&mut self, tokens: &[String], slop: u32) -> Vec<Box<dyn Query>> {
        self.has_phrase = true;
        let offsets = char_offsets(tokens);
        searched_fields(&self.fields, self.with_reply)
            .into_iter()
            .map(|(f, boost)| {
                let terms = tokens
                    .iter()
                    .zip(&offsets)
                    .map(|(t, &o)| (o, Term::from_field_text(f, t)))
                    .collect();
                let q: Box<dyn Query> =
                    Box::new(PhraseQuery::new_with_offset_and_slop(terms, slop));
                boosted(q, boost)
            })
            .collect()
    }

    /// Optional clauses rewarding query words that appear close together, in order: one
    /// phrase query per field, boosted.
    fn proximity(&self, words: &[String]) -> Vec<Box<dyn Query>> {
        let f = &self.fields;
        let offsets = char_offsets(words);
        [(f.title, 1.0), (f.narrative, 1.0)]
            .into_iter()
            .map(|(field, boost)| {
                let terms = words
                    .iter()
                    .zip(&offsets)
                    .map(|(t, &o)| (o, Term::from_field_text(field, t)))
                    .collect();
                let q: Box<dyn Query> =
                    Box::new(PhraseQuery::new_with_offset_and_slop(terms, PROXIMITY_SLOP));
                boosted(q, boost * self.opts.proximity_boost)
            })
            .collect()
    }
}

/// A text query in two parts (see [`QueryBuilder::build_split`]).
pub struct TextQuery {
    /// Which cases match, and their BM25 score.
    pub matching: Box<dyn Query>,
    /// Optional clauses whose scores add to a matching case's score (the proximity boost).
    pub proximity: Vec<Box<dyn Query>>,
    /// `matching` is a flat union of term queries: tantivy ranks it with block-max WAND
    /// and counts it without scoring, so ranking and counting apart is cheapest.
    pub term_union: bool,
}

/// The union of alternatives, flat: a union of term queries stays one boolean query of term
/// queries, which tantivy ranks with block-max WAND (only the blocks that can reach the top
/// are scored) instead of scoring every match.
fn union(mut alts: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    match alts.len() {
        0 => Box::new(EmptyQuery),
        1 => alts.pop().expect("one"),
        _ => Box::new(BooleanQuery::union(alts)),
    }
}

/// Drops the synonyms that contain the word or another kept synonym (物业公司 beside 物业,
/// 恶意欠薪 beside 欠薪): every case they match is matched already, and their phrase
/// queries are the slowest part of a query.
fn prune_contained<'s>(word: &str, synonyms: Vec<&'s str>) -> Vec<&'s str> {
    let mut by_len = synonyms;
    by_len.sort_by_key(|s| s.chars().count());
    let mut kept: Vec<&str> = Vec::new();
    for s in by_len {
        if !s.contains(word) && !kept.iter().any(|k| s.contains(k)) {
            kept.push(s);
        }
    }
    kept
}

/// Characters of play for the proximity boost of adjacent query words.
const PROXIMITY_SLOP: u32 = 6;

/// Characters allowed between the parts of a dictionary word (路灯 … 不亮): a short clause
/// (长期, 晚上一直) but not the next sentence.
pub const COMPOUND_SLOP: u32 = 6;

/// The dictionary tags a word as a place, organisation or person name (ns, nt, nr ...).
fn is_name(word: &str) -> bool {
    crate::text::segmenter()
        .jieba()
        .tag(word, false)
        .first()
        .is_some_and(|t| t.word == word && ["nr", "ns", "nt"].iter().any(|n| t.tag.starts_with(n)))
}

/// Offsets (in characters) of tokens written one after the other.
fn char_offsets(tokens: &[String]) -> Vec<usize> {
    let mut at = 0;
    tokens
        .iter()
        .map(|t| {
            let o = at;
            at += t.chars().count();
            o
        })
        .collect()
}

fn boosted(q: Box<dyn Query>, boost: f32) -> Box<dyn Query> {
    if (boost - 1.0).abs() < f32::EPSILON {
        q
    } else {
        Box::new(BoostQuery::new(q, boost))
    }
}

/// Joins a single character to its neighbour word (高铁 + 站 → 高铁站, a3 + 区 → a3区): a
/// lone character matched anywhere in a case says nothing, so it stays bound to the word it
/// was typed with. Other words stay separate (each required anywhere).
pub fn group_single_chars(words: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut pending_prefix = String::new();
    for (i, w) in words.iter().enumerate() {
        let single = w.chars().count() == 1;
        if single && i > 0 && !out.is_empty() {
            out.last_mut().expect("non-empty").push_str(w);
        } else if single && words.len() > 1 {
            pending_prefix.push_str(w);
        } else {
            let mut g = std::mem::take(&mut pending_prefix);
            g.push_str(w);
            out.push(g);
        }
    }
    if !pending_prefix.is_empty() {
        out.push(pending_prefix);
    }
    out
}

/// The words of the normal segmentation of `text`, as the index stores them.
pub fn main_tokens(text: &str) -> Vec<String> {
    index_tokens(text)
        .into_iter()
        .filter(|t| !t.subword)
        .map(|t| t.text)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Item {
        Item::Words(s.into())
    }

    #[test]
    fn parses_phrases_exclusions_and_or() {
        let q = parse(r#"丽发新城 "搅拌站 噪音" -油烟 停水 OR 断水"#);
        assert_eq!(q.clauses.len(), 4);
        assert_eq!(q.clauses[0].alternatives, vec![words("丽发新城")]);
        assert_eq!(
            q.clauses[1].alternatives,
            vec![Item::Phrase("搅拌站 噪音".into())]
        );
        assert!(q.clauses[2].negated);
        assert_eq!(
            q.clauses[3].alternatives,
            vec![words("停水"), words("断水")]
        );
    }

    #[test]
    fn full_width_quotes_and_dangling_operators() {
        let q = parse("“路灯不亮” OR - -");
        assert_eq!(q.clauses.len(), 1);
        assert_eq!(
            q.clauses[0].alternatives,
            vec![Item::Phrase("路灯不亮".into())]
        );
        assert!(parse("   ").clauses.is_empty());
        let q = parse("-噪音");
        assert!(!q.has_positive());
    }

    #[test]
    fn synonyms_containing_the_word_are_redundant() {
        assert_eq!(
            prune_contained("物业", vec!["物业公司", "物管", "物业管理"]),
            vec!["物管"]
        );
        assert_eq!(
            prune_contained("讨薪", vec!["恶意欠薪", "欠薪", "拖欠工资"]),
            vec!["欠薪", "拖欠工资"]
        );
    }

    #[test]
    fn single_characters_stay_with_their_word() {
        let v = |xs: &[&str]| xs.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(group_single_chars(&v(&["高铁", "站"])), v(&["高铁站"]));
        assert_eq!(
            group_single_chars(&v(&["老", "小区", "停水"])),
            v(&["老小区", "停水"])
        );
        assert_eq!(
            group_single_chars(&v(&["丽发", "新城"])),
            v(&["丽发", "新城"])
        );
        assert_eq!(group_single_chars(&v(&["站"])), v(&["站"]));
    }

    #[test]
    fn dictionary_words_split_into_parts() {
        assert_eq!(
            split_parts("路灯不亮"),
            Some(vec!["路灯".to_string(), "不亮".to_string()])
        );
        assert_eq!(split_parts("路灯"), None);
    }
}
