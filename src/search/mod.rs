//! Search past cases: keyword queries with filters, Chinese-correct highlights, synonyms,
//! and similar-case lookup.
//!
//! [`search`] runs a [`SearchRequest`] against a [`CaseStore`]: the query string is parsed
//! by [`query`], expanded with [`synonyms`], combined with the filters, ranked by BM25 (or
//! by date) and each hit gets a [`snippet`]. [`similar`] finds the closest past cases to a
//! case or a new complaint, preferring cases that were handled, with the unit a reply names
//! ([`reply_unit`]). [`recall`] measures recall and precision against substring search.

pub mod query;
pub mod recall;
pub mod reply_unit;
pub mod similar;
pub mod snippet;
pub mod synonyms;

use std::ops::Bound;

use anyhow::{bail, Context, Result};
use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, EnableScoring, Occur, Query, RangeQuery, RegexQuery, TermQuery,
};
use tantivy::schema::IndexRecordOption;
use tantivy::{DateTime, DocAddress, DocSet, Order, SeekDangerResult, Term, TERMINATED};

use crate::index::{to_tantivy_date, CaseStore};
use crate::model::{Case, Kind};
use query::{QueryBuilder, QueryOptions};

/// How hits are ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SortBy {
    #[default]
    Relevance,
    /// Newest first.
    Date,
}

impl SortBy {
    /// Parses `relevance` or `date`.
    pub fn parse(s: &str) -> Result<SortBy> {
        match s.trim().to_lowercase().as_str() {
            "relevance" | "score" | "" => Ok(SortBy::Relevance),
            "date" | "time" | "newest" => Ok(SortBy::Date),
            other => bail!("--sort must be relevance or date, not {other:?}"),
        }
    }
}

/// Filters that narrow a search; all optional, all combined with AND.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    /// Received on or after this time.
    pub from: Option<NaiveDateTime>,
    /// Received before this time (exclusive).
    pub to: Option<NaiveDateTime>,
    pub kind: Option<Kind>,
    /// Department: exact, or a part of its name (住建 matches 县住建管理局).
    pub department: Option<String>,
    /// Town: exact, or a part of its name.
    pub town: Option<String>,
    /// Topic id (tags.topic).
    pub topic: Option<String>,
}

impl Filters {
    /// True when no filter is set.
    pub fn is_empty(&self) -> bool {
        self.from.is_none()
            && self.to.is_none()
            && self.kind.is_none()
            && self.department.is_none()
            && self.town.is_none()
            && self.topic.is_none()
    }
}

/// The filters as typed (`hotline search --from ... --topic`, or `/api/search?from=...`): every
/// field optional, blank ones ignored.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct FilterText {
    pub from: Option<String>,
    pub to: Option<String>,
    pub kind: Option<String>,
    pub dept: Option<String>,
    pub town: Option<String>,
    pub topic: Option<String>,
}

impl Filters {
    /// Reads typed filters: dates as [`parse_date_bound`] (`to` inclusive), a kind as
    /// [`Kind::parse`], names trimmed; a blank field is no filter.
    pub fn parse(t: &FilterText) -> Result<Filters> {
        let nonempty = |s: &Option<String>| {
            s.as_ref()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        };
        let kind = match nonempty(&t.kind) {
            Some(k) => match Kind::parse(&k) {
                Some(k) => Some(k),
                None => bail!("--kind {k:?}: use 投诉, 建议, 咨询, 举报, 求助, 表扬 or 其他"),
            },
            None => None,
        };
        Ok(Filters {
            from: nonempty(&t.from)
                .map(|s| parse_date_bound(&s, false))
                .transpose()?,
            to: nonempty(&t.to)
                .map(|s| parse_date_bound(&s, true))
                .transpose()?,
            kind,
            department: nonempty(&t.dept),
            town: nonempty(&t.town),
            topic: nonempty(&t.topic)
                .map(|t| crate::report::parse_topic(&t))
                .transpose()?,
        })
    }
}

/// Parses `YYYY-MM-DD`, `YYYY-MM` or `YYYY-MM-DD HH:MM[:SS]`; `end` = the first moment after
/// the named day or month (for an inclusive `--to`).
pub fn parse_date_bound(s: &str, end: bool) -> Result<NaiveDateTime> {
    let s = s.trim();
    for fmt in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return Ok(if end {
                t + chrono::Duration::seconds(1)
            } else {
                t
            });
        }
    }
    let norm = s.replace(['/', '.'], "-");
    if let Ok(d) = NaiveDate::parse_from_str(&norm, "%Y-%m-%d") {
        let d = if end { d.succ_opt().unwrap_or(d) } else { d };
        return Ok(d.and_hms_opt(0, 0, 0).expect("midnight"));
    }
    if let Ok(d) = NaiveDate::parse_from_str(&format!("{norm}-01"), "%Y-%m-%d") {
        let d = if end {
            d.checked_add_months(chrono::Months::new(1)).unwrap_or(d)
        } else {
            d
        };
        return Ok(d.and_hms_opt(0, 0, 0).expect("midnight"));
    }
    bail!("cannot read date {s:?}: use YYYY-MM-DD or YYYY-MM")
}

/// One search.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    pub query: String,
    pub filters: Filters,
    pub sort: SortBy,
    pub limit: usize,
    pub offset: usize,
    pub options: QueryOptions,
}

impl Default for SearchRequest {
    fn default() -> Self {
        SearchRequest {
            query: String::new(),
            filters: Filters::default(),
            sort: SortBy::Relevance,
            limit: 10,
            offset: 0,
            options: QueryOptions::default(),
        }
    }
}

impl SearchRequest {
    /// A relevance search for `query`, top 10.
    pub fn new(query: impl Into<String>) -> SearchRequest {
        SearchRequest {
            query: query.into(),
            ..SearchRequest::default()
        }
    }
}

/// One hit.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub id: String,
    pub score: f32,
    pub received_at: Option<String>,
    pub title: Option<String>,
    pub department: Option<String>,
    pub topic: Option<String>,
    /// Text around the best match, plain.
    pub snippet: String,
    /// The same with matched words in `<mark>…</mark>` (HTML-escaped).
    pub snippet_html: String,
    /// The same with matched words in 【…】 (for a terminal).
    #[serde(skip)]
    pub snippet_marked: String,
    /// The whole case.
    #[serde(skip)]
    pub case: Case,
    /// Hits of the same page with the same or nearly the same text (see
    /// [`crate::hotspots::dedupe`]), shown once, under this one: "另有重复 N 件".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub duplicate_ids: Vec<String>,
    /// The query matches this case only in the office's reply, not in what the caller wrote
    /// (shown as 仅答复匹配).
    pub reply_only: bool,
}

/// Hits and the number of matching cases.
#[derive(Debug, Clone, Serialize)]
pub struct SearchResults {
    pub total_hits: usize,
    pub hits: Vec<Hit>,
}

/// The complete tantivy query of a request (text query and filters), and the highlight words.
pub fn build_query(
    store: &CaseStore,
    req: &SearchRequest,
) -> Result<(Box<dyn Query>, Vec<String>)> {
    let built = build_search_query(store, req)?;
    let q = if built.proximity.is_empty() {
        built.matching
    } else {
        let prox: Vec<(Occur, Box<dyn Query>)> = built
            .proximity
            .into_iter()
            .map(|q| (Occur::Should, q))
            .collect();
        Box::new(BooleanQuery::new(vec![
            (Occur::Must, built.matching),
            (Occur::Should, Box::new(BooleanQuery::new(prox))),
        ]))
    };
    Ok((q, built.terms))
}

/// A request's query in the parts [`search`] runs separately.
pub struct SearchQuery {
    /// Text query and filters: which cases match, and their BM25 score.
    pub matching: Box<dyn Query>,
    /// Proximity clauses whose scores add to a match's score (empty when not used).
    pub proximity: Vec<Box<dyn Query>>,
    /// Normalized words to highlight.
    pub terms: Vec<String>,
    /// A flat union of term queries (see [`query::TextQuery::term_union`]).
    pub term_union: bool,
}

/// The query of a request, with the proximity boost kept apart so that it is computed for
/// the best candidates only, not for every match.
pub fn build_search_query(store: &CaseStore, req: &SearchRequest) -> Result<SearchQuery> {
    let f = store.fields();
    let parsed = query::parse(&req.query);
    let mut builder = QueryBuilder::new(f, Some(synonyms::synonyms()), req.options);
    let text = builder.build_split(&parsed);
    let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let mut proximity = Vec::new();
    let mut term_union = false;
    if let Some(t) = text {
        must.push((Occur::Must, t.matching));
        proximity = t.proximity;
        term_union = t.term_union;
    }
    let flt = &req.filters;
    if flt.from.is_some() || flt.to.is_some() {
        let lo = match flt.from {
            Some(t) => Bound::Included(Term::from_field_date(f.received_at, to_tantivy_date(t))),
            None => Bound::Unbounded,
        };
        let hi = match flt.to {
            Some(t) => Bound::Excluded(Term::from_field_date(f.received_at, to_tantivy_date(t))),
            None => Bound::Unbounded,
        };
        must.push((Occur::Must, Box::new(RangeQuery::new(lo, hi))));
    }
    if let Some(k) = flt.kind {
        must.push((Occur::Must, keyword(f.kind, k.as_str())));
    }
    if let Some(t) = &flt.topic {
        must.push((Occur::Must, keyword(f.topic, t.trim())));
    }
    if let Some(d) = &flt.department {
        must.push((Occur::Must, contains(f.department, d)?));
    }
    if let Some(t) = &flt.town {
        must.push((Occur::Must, contains(f.town, t)?));
    }
    let term_union = term_union && must.len() == 1;
    let matching: Box<dyn Query> = match must.len() {
        0 => Box::new(AllQuery),
        1 => must.pop().expect("one").1,
        _ => Box::new(BooleanQuery::new(must)),
    };
    Ok(SearchQuery {
        matching,
        proximity,
        terms: builder.highlight_terms,
        term_union,
    })
}

/// How many of the best matches by BM25 alone are rescored with the proximity boost. The
/// boost reorders cases among the best ones; a case below this depth would need a proximity
/// score larger than the BM25 gap to the top to enter the first page.
pub const RESCORE_DEPTH: usize = 200;

/// `limit` (at least 1) and `offset` clamped to the number of documents: no more matches
/// than documents, so a huge `--limit` or `--offset` neither sizes a buffer nor overflows
/// `offset + limit`.
fn page(searcher: &tantivy::Searcher, limit: usize, offset: usize) -> (usize, usize) {
    let docs = usize::try_from(searcher.num_docs()).unwrap_or(usize::MAX);
    (limit.clamp(1, docs.max(1)), offset.min(docs))
}

/// The exact number of matches of `q`, and its best `offset + limit` matches by score, the
/// proximity clauses added to the BM25 score of the best [`RESCORE_DEPTH`] (or more)
/// matches. A flat union of terms is ranked with block-max WAND and counted apart (without
/// scores); any other query scores every match anyway, so one pass ranks and counts.
pub fn ranked(
    searcher: &tantivy::Searcher,
    q: &SearchQuery,
    limit: usize,
    offset: usize,
) -> Result<(usize, Vec<(f32, DocAddress)>)> {
    let (limit, offset) = page(searcher, limit, offset);
    let depth = if q.proximity.is_empty() {
        limit
    } else {
        offset.saturating_add(limit).max(RESCORE_DEPTH)
    };
    let skip = if q.proximity.is_empty() { offset } else { 0 };
    let top = TopDocs::with_limit(depth).and_offset(skip).order_by_score();
    let (total, mut cands) = if q.term_union {
        let cands = searcher.search(&*q.matching, &top)?;
        (q.matching.count(searcher)?, cands)
    } else {
        searcher.search(&*q.matching, &(Count, top))?
    };
    if q.proximity.is_empty() {
        return Ok((total, cands));
    }
    cands.sort_by_key(|(_, a)| (a.segment_ord, a.doc_id));
    let weights = q
        .proximity
        .iter()
        .map(|p| p.weight(EnableScoring::enabled_from_searcher(searcher)))
        .collect::<tantivy::Result<Vec<_>>>()?;
    let mut start = 0;
    while start < cands.len() {
        let seg = cands[start].1.segment_ord;
        let end = start + cands[start..].partition_point(|(_, a)| a.segment_ord == seg);
        let reader = searcher.segment_reader(seg);
        for w in &weights {
            let mut scorer = w.scorer(reader, 1.0)?;
            // Docs below `bound` do not match; `valid` says the scorer stands on a match.
            let mut bound = scorer.doc();
            let mut valid = true;
            for (score, addr) in &mut cands[start..end] {
                let doc = addr.doc_id;
                if doc < bound || bound == TERMINATED {
                    continue;
                }
                if valid && doc == scorer.doc() {
                    *score += scorer.score();
                    continue;
                }
                match scorer.seek_danger(doc) {
                    SeekDangerResult::Found => {
                        *score += scorer.score();
                        valid = true;
                        bound = doc;
                    }
                    SeekDangerResult::SeekLowerBound(next) => {
                        valid = false;
                        bound = next;
                    }
                }
            }
        }
        start = end;
    }
    cands.sort_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then((a.1.segment_ord, a.1.doc_id).cmp(&(b.1.segment_ord, b.1.doc_id)))
    });
    Ok((total, cands.into_iter().skip(offset).take(limit).collect()))
}

fn keyword(field: tantivy::schema::Field, value: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, value),
        IndexRecordOption::Basic,
    ))
}

/// Exact value, or any value containing it.
fn contains(field: tantivy::schema::Field, value: &str) -> Result<Box<dyn Query>> {
    let value = value.trim();
    let pattern = format!(".*{}.*", regex::escape(value));
    let re = RegexQuery::from_pattern(&pattern, field)
        .with_context(|| format!("bad filter value {value:?}"))?;
    Ok(Box::new(BooleanQuery::union(vec![
        keyword(field, value),
        Box::new(re),
    ])))
}

/// Runs a search. The total is exact: counted apart from the ranking (without scores),
/// so that the ranking can skip the blocks of matches that cannot reach the first page.
pub fn search(store: &CaseStore, req: &SearchRequest) -> Result<SearchResults> {
    let q = build_search_query(store, req)?;
    let terms = &q.terms;
    let searcher = store.reader().searcher();
    let (limit, offset) = page(&searcher, req.limit, req.offset);
    let (total_hits, addrs): (usize, Vec<(f32, DocAddress)>) = match req.sort {
        SortBy::Relevance => ranked(&searcher, &q, limit, offset)?,
        SortBy::Date => {
            let top = TopDocs::with_limit(limit)
                .and_offset(offset)
                .order_by_fast_field::<DateTime>("received_at", Order::Desc);
            let (n, docs) = searcher.search(&*q.matching, &(Count, top))?;
            (n, docs.into_iter().map(|(_, a)| (0.0, a)).collect())
        }
    };
    let reply_only = reply_only_flags(store, &searcher, req, &addrs)?;
    let mut hits = Vec::with_capacity(addrs.len());
    for ((score, addr), reply_only) in addrs.into_iter().zip(reply_only) {
        let doc = searcher.doc(addr)?;
        let case = store.case_from_doc(&doc)?;
        let snip = snippet::best_snippet(&case, terms, snippet::DEFAULT_WIDTH);
        hits.push(Hit {
            id: case.id.clone(),
            score,
            received_at: case
                .received_at
                .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string()),
            title: case.title.clone(),
            department: case.department.clone(),
            topic: case
                .tags
                .as_ref()
                .map(|t| t.topic.clone())
                .filter(|t| !t.is_empty()),
            snippet: snip.plain(),
            snippet_html: snip.html(),
            snippet_marked: snip.marked("【", "】"),
            case,
            duplicate_ids: Vec::new(),
            reply_only,
        });
    }
    let mut hits = collapse_duplicates(hits);
    if req.limit == 0 {
        hits.clear();
    }
    Ok(SearchResults { total_hits, hits })
}

/// For each hit, whether the request's text query matches it only in the office's reply:
/// the same query over title and narrative alone does not match it. Filters are left out
/// (every hit passed them already).
fn reply_only_flags(
    store: &CaseStore,
    searcher: &tantivy::Searcher,
    req: &SearchRequest,
    addrs: &[(f32, DocAddress)],
) -> Result<Vec<bool>> {
    let parsed = query::parse(&req.query);
    if addrs.is_empty() || !parsed.has_positive() {
        return Ok(vec![false; addrs.len()]);
    }
    let mut builder =
        QueryBuilder::new(store.fields(), Some(synonyms::synonyms()), req.options).without_reply();
    let Some(own_words) = builder.build_split(&parsed) else {
        return Ok(vec![false; addrs.len()]);
    };
    let weight = own_words
        .matching
        .weight(EnableScoring::disabled_from_searcher(searcher))?;
    addrs
        .iter()
        .map(|(_, addr)| {
            let mut docs = weight.scorer(searcher.segment_reader(addr.segment_ord), 1.0)?;
            let at = docs.doc();
            let matches =
                at == addr.doc_id || (at < addr.doc_id && docs.seek(addr.doc_id) == addr.doc_id);
            Ok(!matches)
        })
        .collect()
}

/// The hits of one page with duplicate texts collapsed onto the best-ranked of them (which
/// lists the others' ids); the order of the rest is kept.
pub fn collapse_duplicates(hits: Vec<Hit>) -> Vec<Hit> {
    let cases: Vec<Case> = hits.iter().map(|h| h.case.clone()).collect();
    let kept = crate::hotspots::dedupe::duplicate_of(&cases);
    // The group of each hit is its kept case; the first hit of a group in rank order stands.
    let mut first_of: std::collections::HashMap<usize, usize> = Default::default();
    let mut out: Vec<Hit> = Vec::with_capacity(hits.len());
    for (i, h) in hits.into_iter().enumerate() {
        match first_of.get(&kept[i]) {
            Some(&at) => out[at].duplicate_ids.push(h.id),
            None => {
                first_of.insert(kept[i], out.len());
                out.push(h);
            }
        }
    }
    out
}

/// The addresses of every case matching the query text (no filters), for measurements.
pub fn matching_docs(
    store: &CaseStore,
    query: &str,
    opts: QueryOptions,
) -> Result<std::collections::HashSet<DocAddress>> {
    let req = SearchRequest {
        query: query.to_string(),
        options: opts,
        ..SearchRequest::default()
    };
    let (q, _) = build_query(store, &req)?;
    let searcher = store.reader().searcher();
    Ok(searcher.search(&*q, &tantivy::collector::DocSetCollector)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(id: &str, title: &str, body: &str) -> Hit {
        let mut case = Case::new(id, body);
        case.title = Some(title.to_string());
        Hit {
            id: id.to_string(),
            score: 1.0,
            received_at: None,
            title: case.title.clone(),
            department: None,
            topic: None,
            snippet: String::new(),
            snippet_html: String::new(),
            snippet_marked: String::new(),
            case,
            duplicate_ids: Vec::new(),
            reply_only: false,
        }
    }

    #[test]
    fn duplicate_texts_collapse_onto_the_best_ranked() {
        let body = "小区门口路灯不亮已经一个多月了，晚上出行很不安全，请尽快维修。";
        let hits = vec![
            hit("1", "路灯不亮", body),
            hit("2", "井盖丢失", "路口井盖丢了，很危险，请尽快处理。"),
            hit("3", "路灯不亮", body),
            hit("4", "路灯不亮！", &body.replace('，', " ")),
        ];
        let out = collapse_duplicates(hits);
        let ids: Vec<&str> = out.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, vec!["1", "2"]);
        assert_eq!(out[0].duplicate_ids, vec!["3".to_string(), "4".to_string()]);
    }
}
