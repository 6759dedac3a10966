//! Search past cases: keyword queries with filters, Chinese-correct highlights, synonyms,
//! and similar-case lookup.
//!
//! [`search`] runs a [`SearchRequest`] against a [`CaseStore`]: the query string is parsed
//! by [`query`], expanded with [`synonyms`], combined with the filters, ranked by BM25 (or
//! by date) and each hit gets a [`snippet`]. [`similar`] finds the closest past cases to a
//! case or a new complaint. [`recall`] measures recall and precision against substring search.

pub mod query;
pub mod recall;
pub mod similar;
pub mod snippet;
pub mod synonyms;

use std::ops::Bound;

use anyhow::{bail, Context, Result};
use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, Occur, Query, RangeQuery, RegexQuery, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{DateTime, DocAddress, Order, Term};

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
    let f = store.fields();
    let parsed = query::parse(&req.query);
    let mut builder = QueryBuilder::new(f, Some(synonyms::synonyms()), req.options);
    let text = builder.build(&parsed);
    let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    if let Some(q) = text {
        must.push((Occur::Must, q));
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
    let q: Box<dyn Query> = match must.len() {
        0 => Box::new(AllQuery),
        1 if must[0].0 == Occur::Must => must.pop().expect("one").1,
        _ => Box::new(BooleanQuery::new(must)),
    };
    Ok((q, builder.highlight_terms))
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

/// Runs a search.
pub fn search(store: &CaseStore, req: &SearchRequest) -> Result<SearchResults> {
    let (query, terms) = build_query(store, req)?;
    let searcher = store.reader().searcher();
    let limit = req.limit.max(1);
    let (total_hits, addrs): (usize, Vec<(f32, DocAddress)>) = match req.sort {
        SortBy::Relevance => {
            let top = TopDocs::with_limit(limit)
                .and_offset(req.offset)
                .order_by_score();
            searcher.search(&*query, &(Count, top))?
        }
        SortBy::Date => {
            let top = TopDocs::with_limit(limit)
                .and_offset(req.offset)
                .order_by_fast_field::<DateTime>("received_at", Order::Desc);
            let (n, docs) = searcher.search(&*query, &(Count, top))?;
            (n, docs.into_iter().map(|(_, a)| (0.0, a)).collect())
        }
    };
    let mut hits = Vec::with_capacity(addrs.len());
    for (score, addr) in addrs {
        let doc = searcher.doc(addr)?;
        let case = store.case_from_doc(&doc)?;
        let snip = snippet::best_snippet(&case, &terms, snippet::DEFAULT_WIDTH);
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
        });
    }
    if req.limit == 0 {
        hits.clear();
    }
    Ok(SearchResults { total_hits, hits })
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
