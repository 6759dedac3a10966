//! Similar cases: the closest past cases to a stored case or to a new complaint's text,
//! with how each was handled (reply, department).
//!
//! Similarity is the cosine of TF-IDF vectors: sublinear term frequency (1 + ln tf) times
//! idf over jieba words without stopwords, the dictionary sub-words of longer words and
//! character bigrams, the title counted twice. In a store, BM25 over the text's strongest
//! words picks candidates and the cosine ranks them; [`evaluate`] measures the same cosine
//! by exact nearest neighbours over a labelled set (precision@k of the 一级标签).
//!
//! An analyst asks for similar cases to see how they were handled, so among the cases close
//! to the best one, those with a reply and a department (stored, or named in the reply: see
//! [`super::reply_unit`]) come first ([`prefer_handled`]).

use std::collections::HashMap;

use anyhow::{bail, Result};
use serde::Serialize;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::Term;

use super::reply_unit::unit_from_reply;
use crate::index::tokenizer::index_tokens;
use crate::index::CaseStore;
use crate::model::Case;
use crate::text::{excerpt, segmenter};

/// Which features a vector holds and how they are weighted.
#[derive(Debug, Clone, Copy)]
pub struct FeatureOptions {
    /// Weight of jieba words (stopwords removed).
    pub words: f32,
    /// Weight of dictionary sub-words of longer words.
    pub subwords: f32,
    /// Weight of character bigrams of CJK runs.
    pub bigrams: f32,
    /// How many times the title counts.
    pub title_weight: f32,
    /// Sublinear term frequency.
    pub sublinear: bool,
    /// Weight of the category vote: neighbours in the category most common among the
    /// `vote_k` nearest labelled cases rank higher (0 = plain cosine).
    pub label_weight: f32,
    /// How many nearest neighbours vote on the category.
    pub vote_k: usize,
    /// A handled case scoring at least this share of the best candidate moves up past the
    /// unhandled ones (see [`prefer_handled`]); 1 keeps the plain similarity order.
    pub handled_share: f32,
}

impl Default for FeatureOptions {
    fn default() -> Self {
        FeatureOptions {
            words: 1.0,
            subwords: 0.0,
            bigrams: 1.0,
            title_weight: 2.0,
            sublinear: true,
            label_weight: 0.5,
            vote_k: 15,
            handled_share: HANDLED_SHARE,
        }
    }
}

impl FeatureOptions {
    /// Options from `$HOTLINE_SIMILAR` (`words=1,subwords=0.5,bigrams=0.5,title=2,label=0.3,
    /// vote=30,sublinear=1,handled=0.6`) over the defaults: for tuning runs.
    pub fn from_env() -> FeatureOptions {
        let mut o = FeatureOptions::default();
        if let Ok(spec) = std::env::var("HOTLINE_SIMILAR") {
            for kv in spec.split(',') {
                let Some((k, v)) = kv.split_once('=') else {
                    continue;
                };
                let Ok(x) = v.trim().parse::<f32>() else {
                    continue;
                };
                match k.trim() {
                    "words" => o.words = x,
                    "subwords" => o.subwords = x,
                    "bigrams" => o.bigrams = x,
                    "title" => o.title_weight = x,
                    "label" => o.label_weight = x,
                    "vote" => o.vote_k = x as usize,
                    "sublinear" => o.sublinear = x > 0.0,
                    "handled" => o.handled_share = x,
                    _ => {}
                }
            }
        }
        o
    }
}

/// Adds the category vote to cosine scores: `scored` is (cosine, label) of the candidates,
/// best first not required; returns the final scores in the same order.
pub fn vote_rerank(scored: &[(f32, Option<&str>)], o: &FeatureOptions) -> Vec<f32> {
    if o.label_weight <= 0.0 {
        return scored.iter().map(|s| s.0).collect();
    }
    let mut order: Vec<usize> = (0..scored.len()).collect();
    order.sort_by(|&a, &b| scored[b].0.total_cmp(&scored[a].0));
    let mut votes: HashMap<&str, f32> = HashMap::new();
    let mut total = 0.0;
    for &i in order.iter().take(o.vote_k) {
        if let (s, Some(l)) = scored[i] {
            *votes.entry(l).or_default() += s.max(0.0);
            total += s.max(0.0);
        }
    }
    scored
        .iter()
        .map(|&(s, l)| {
            let p = match l {
                Some(l) if total > 0.0 => votes.get(l).copied().unwrap_or(0.0) / total,
                _ => 0.0,
            };
            s + o.label_weight * p
        })
        .collect()
}

/// The category a stored case carries: the source's label, else the tagger's category.
pub fn case_category(c: &Case) -> Option<&str> {
    c.label
        .as_deref()
        .or_else(|| c.tags.as_ref().map(|t| t.category.as_str()))
        .filter(|s| !s.is_empty())
}

/// Raw weighted term counts of a text: `w:` words, `s:` sub-words, `b:` bigrams.
pub fn raw_features(
    title: Option<&str>,
    narrative: &str,
    o: &FeatureOptions,
) -> HashMap<String, f32> {
    let mut tf: HashMap<String, f32> = HashMap::new();
    let seg = segmenter();
    let mut add = |text: &str, w: f32| {
        for t in index_tokens(text) {
            if seg.is_stopword(&t.text) || t.text.chars().all(|c| c.is_ascii_digit()) {
                continue;
            }
            if t.subword {
                if o.subwords > 0.0 {
                    *tf.entry(format!("s:{}", t.text)).or_default() += w;
                }
            } else if o.words > 0.0 {
                *tf.entry(format!("w:{}", t.text)).or_default() += w;
            }
        }
        if o.bigrams > 0.0 {
            let chars: Vec<char> = text.chars().collect();
            for p in chars.windows(2) {
                if is_cjk(p[0]) && is_cjk(p[1]) {
                    *tf.entry(format!("b:{}{}", p[0], p[1])).or_default() += w;
                }
            }
        }
    };
    match title {
        Some(t) if !t.trim().is_empty() && !narrative.starts_with(t) => {
            add(t, o.title_weight);
            add(narrative, 1.0);
        }
        Some(t) if !t.trim().is_empty() => {
            // title repeated at the start of the narrative: count it (title_weight - 1) more
            add(t, (o.title_weight - 1.0).max(0.0));
            add(narrative, 1.0);
        }
        _ => add(narrative, 1.0),
    }
    tf
}

fn is_cjk(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c) || ('\u{3400}'..='\u{4DBF}').contains(&c)
}

fn group_weight(key: &str, o: &FeatureOptions) -> f32 {
    match key.as_bytes().first() {
        Some(b'w') => o.words,
        Some(b's') => o.subwords,
        _ => o.bigrams,
    }
}

/// A unit-length sparse vector: raw counts → (sublinear) tf × idf × group weight.
pub fn weigh(
    tf: &HashMap<String, f32>,
    o: &FeatureOptions,
    idf: impl Fn(&str) -> f32,
) -> Vec<(String, f32)> {
    let mut v: Vec<(String, f32)> = tf
        .iter()
        .map(|(k, &c)| {
            let t = if o.sublinear {
                1.0 + c.ln().max(0.0)
            } else {
                c
            };
            (k.clone(), t * idf(k) * group_weight(k, o))
        })
        .filter(|(_, w)| *w > 0.0)
        .collect();
    let norm = v.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
    if norm > 0.0 {
        for (_, w) in &mut v {
            *w /= norm;
        }
    }
    v
}

/// Smoothed idf: ln((n + 1) / (df + 1)) + 1.
pub fn idf(n: u64, df: u64) -> f32 {
    (((n + 1) as f32) / ((df + 1) as f32)).ln() + 1.0
}

/// One similar case.
#[derive(Debug, Clone, Serialize)]
pub struct SimilarCase {
    pub id: String,
    pub score: f32,
    pub received_at: Option<String>,
    pub title: Option<String>,
    pub department: Option<String>,
    pub topic: Option<String>,
    /// The beginning of what the caller said.
    pub narrative_excerpt: String,
    /// How it was handled (the beginning of the reply), when known.
    pub reply_excerpt: Option<String>,
    pub reply: Option<String>,
    /// The handling unit the reply names (经XX局核实 ...), when the case has no stored
    /// department: derived, not stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_department: Option<String>,
}

/// A case was handled: it has a reply and a department, stored or named in the reply.
fn handled_department(c: &Case) -> Option<String> {
    let reply = c.reply.as_deref().filter(|r| !r.trim().is_empty())?;
    match c.department.as_deref().filter(|d| !d.trim().is_empty()) {
        Some(d) => Some(d.to_string()),
        None => unit_from_reply(reply),
    }
}

/// A candidate scoring at least this share of the best one is close enough to be moved up
/// for having been handled (the default of [`FeatureOptions::handled_share`]).
pub const HANDLED_SHARE: f32 = 0.6;

/// Reorders candidates (score, index), best first, so that the best stays first, then come
/// the handled ones scoring at least `share` of the best, then the rest; each group in score
/// order.
pub fn prefer_handled(
    scored: Vec<(f32, usize)>,
    share: f32,
    handled: impl Fn(usize) -> bool,
) -> Vec<(f32, usize)> {
    let Some(&(best, _)) = scored.first() else {
        return scored;
    };
    let floor = best * share;
    let (mut first, mut rest): (Vec<_>, Vec<_>) = scored
        .into_iter()
        .enumerate()
        .partition(|(rank, (s, i))| *rank == 0 || (*s >= floor && handled(*i)));
    first.append(&mut rest);
    first.into_iter().map(|(_, x)| x).collect()
}

/// Candidates fetched by BM25 before the cosine ranks them.
const CANDIDATES: usize = 200;
/// Strongest words of the query text used to fetch candidates.
const QUERY_TERMS: usize = 30;

/// The closest stored cases to a new complaint's text.
pub fn similar_to_text(store: &CaseStore, text: &str, limit: usize) -> Result<Vec<SimilarCase>> {
    similar_in_store(store, None, text, None, limit)
}

/// The closest stored cases to the stored case `id` (itself excluded).
pub fn similar_to_id(store: &CaseStore, id: &str, limit: usize) -> Result<Vec<SimilarCase>> {
    let Some(case) = store.get(id)? else {
        bail!("no case with id {id:?} in the index");
    };
    similar_in_store(
        store,
        case.title.as_deref(),
        &case.narrative,
        Some(id),
        limit,
    )
}

fn similar_in_store(
    store: &CaseStore,
    title: Option<&str>,
    narrative: &str,
    exclude: Option<&str>,
    limit: usize,
) -> Result<Vec<SimilarCase>> {
    let o = FeatureOptions::from_env();
    let searcher = store.reader().searcher();
    let f = store.fields();
    let n_docs = searcher.num_docs().max(1);
    let tf = raw_features(title, narrative, &o);
    // Document frequencies: words and sub-words from the index; bigrams from the candidates.
    let word_df = |key: &str| -> u64 {
        let t = Term::from_field_text(f.narrative, &key[2..]);
        searcher.doc_freq(&t).unwrap_or(0)
    };
    let mut scored_terms: Vec<(&String, f32)> = tf
        .iter()
        .filter(|(k, _)| k.starts_with("w:"))
        .map(|(k, &c)| (k, (1.0 + c.ln().max(0.0)) * idf(n_docs, word_df(k))))
        .collect();
    scored_terms.sort_by(|a, b| b.1.total_cmp(&a.1));
    let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for (k, w) in scored_terms.iter().take(QUERY_TERMS) {
        for field in [f.title, f.narrative] {
            let q: Box<dyn Query> = Box::new(TermQuery::new(
                Term::from_field_text(field, &k[2..]),
                IndexRecordOption::WithFreqs,
            ));
            should.push((Occur::Should, Box::new(BoostQuery::new(q, *w))));
        }
    }
    if should.is_empty() {
        return Ok(Vec::new());
    }
    let query = BooleanQuery::new(should);
    let top = searcher.search(
        &query,
        &TopDocs::with_limit(CANDIDATES + 1).order_by_score(),
    )?;
    let mut cands: Vec<Case> = Vec::with_capacity(top.len());
    for (_, addr) in top {
        let c = store.case_from_doc(&searcher.doc(addr)?)?;
        if Some(c.id.as_str()) != exclude {
            cands.push(c);
        }
    }
    let cand_tf: Vec<HashMap<String, f32>> = cands
        .iter()
        .map(|c| raw_features(c.title.as_deref(), &c.narrative, &o))
        .collect();
    // bigram df estimated on the candidates, scaled to the store
    let mut bigram_df: HashMap<&str, u64> = HashMap::new();
    for t in &cand_tf {
        for k in t.keys().filter(|k| k.starts_with("b:")) {
            *bigram_df.entry(k.as_str()).or_default() += 1;
        }
    }
    let n_c = cand_tf.len().max(1) as u64;
    let mut df_cache: HashMap<String, f32> = HashMap::new();
    let mut idf_of = |k: &str| -> f32 {
        if let Some(&v) = df_cache.get(k) {
            return v;
        }
        let v = if k.starts_with("b:") {
            idf(n_c, bigram_df.get(k).copied().unwrap_or(0))
        } else {
            idf(n_docs, word_df(k))
        };
        df_cache.insert(k.to_string(), v);
        v
    };
    let mut idf_map: HashMap<String, f32> = HashMap::new();
    for t in std::iter::once(&tf).chain(cand_tf.iter()) {
        for k in t.keys() {
            if !idf_map.contains_key(k) {
                let v = idf_of(k);
                idf_map.insert(k.clone(), v);
            }
        }
    }
    let qv: HashMap<String, f32> = weigh(&tf, &o, |k| idf_map[k]).into_iter().collect();
    let cos: Vec<(f32, Option<&str>)> = cand_tf
        .iter()
        .zip(&cands)
        .map(|(t, c)| {
            let v = weigh(t, &o, |k| idf_map[k]);
            let s: f32 = v
                .iter()
                .map(|(k, w)| w * qv.get(k).copied().unwrap_or(0.0))
                .sum();
            (s, case_category(c))
        })
        .collect();
    let mut scored: Vec<(f32, usize)> = vote_rerank(&cos, &o)
        .into_iter()
        .enumerate()
        .map(|(i, s)| (s, i))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    let handled: Vec<Option<String>> = cands.iter().map(handled_department).collect();
    Ok(
        prefer_handled(scored, o.handled_share, |i| handled[i].is_some())
            .into_iter()
            .take(limit)
            .map(|(s, i)| {
                let c = &cands[i];
                SimilarCase {
                    id: c.id.clone(),
                    score: s,
                    received_at: c
                        .received_at
                        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string()),
                    title: c.title.clone(),
                    department: c.department.clone(),
                    topic: c
                        .tags
                        .as_ref()
                        .map(|t| t.topic.clone())
                        .filter(|t| !t.is_empty()),
                    narrative_excerpt: excerpt(&c.narrative, 80),
                    reply_excerpt: c.reply.as_deref().map(|r| excerpt(r, 120)),
                    reply: c.reply.clone(),
                    reply_department: handled[i]
                        .clone()
                        .filter(|_| c.department.as_deref().is_none_or(|d| d.trim().is_empty())),
                }
            })
            .collect(),
    )
}

/// Precision@k of nearest neighbours by label.
#[derive(Debug, Clone, Serialize)]
pub struct SimilarEval {
    pub n: usize,
    pub precision_at_10: f64,
    /// (label, precision, count)
    pub per_label: Vec<(String, f64, usize)>,
}

impl SimilarEval {
    /// The evaluation from the summed precision over `n` queries and per-label (sum, count).
    fn from_sums<L: ToString>(n: usize, total: f64, per: HashMap<L, (f64, usize)>) -> SimilarEval {
        let mut per_label: Vec<(String, f64, usize)> = per
            .into_iter()
            .map(|(l, (s, c))| (l.to_string(), s / c as f64, c))
            .collect();
        per_label.sort_by_key(|b| std::cmp::Reverse(b.2));
        SimilarEval {
            n,
            precision_at_10: total / n.max(1) as f64,
            per_label,
        }
    }
}

/// Precision@k through the store path ([`similar_to_id`]: BM25 candidates, cosine, vote)
/// over labelled cases put in an in-memory store.
pub fn evaluate_via_store(cases: &[Case], k: usize) -> Result<SimilarEval> {
    let store = CaseStore::in_memory()?;
    store.upsert(cases)?;
    let label_of: HashMap<&str, &str> = cases
        .iter()
        .map(|c| (c.id.as_str(), c.label.as_deref().unwrap_or("")))
        .collect();
    let mut per: HashMap<&str, (f64, usize)> = HashMap::new();
    let mut total = 0.0;
    for c in cases {
        // the query's own label is not used: only the neighbours' labels vote
        let res = similar_to_id(&store, &c.id, k)?;
        let mine = c.label.as_deref().unwrap_or("");
        let same = res
            .iter()
            .filter(|r| label_of.get(r.id.as_str()) == Some(&mine))
            .count();
        let p = same as f64 / k as f64;
        total += p;
        let e = per.entry(mine).or_default();
        e.0 += p;
        e.1 += 1;
    }
    Ok(SimilarEval::from_sums(cases.len(), total, per))
}

/// Exact k-nearest-neighbour precision by label over labelled cases (each case against all
/// the others), with the default features.
pub fn evaluate(cases: &[Case], k: usize) -> Result<SimilarEval> {
    evaluate_with(cases, k, &FeatureOptions::from_env())
}

/// As [`evaluate`] with given feature options.
pub fn evaluate_with(cases: &[Case], k: usize, o: &FeatureOptions) -> Result<SimilarEval> {
    let tfs: Vec<HashMap<String, f32>> = cases
        .iter()
        .map(|c| raw_features(c.title.as_deref(), &c.narrative, o))
        .collect();
    let mut df: HashMap<&str, u64> = HashMap::new();
    for t in &tfs {
        for key in t.keys() {
            *df.entry(key.as_str()).or_default() += 1;
        }
    }
    let n = cases.len() as u64;
    let vecs: Vec<Vec<(u32, f32)>> = {
        let mut vocab: HashMap<&str, u32> = HashMap::new();
        for key in df.keys() {
            let id = vocab.len() as u32;
            vocab.insert(key, id);
        }
        tfs.iter()
            .map(|t| {
                weigh(t, o, |key| idf(n, df[key]))
                    .into_iter()
                    .map(|(key, w)| (vocab[key.as_str()], w))
                    .collect()
            })
            .collect()
    };
    // inverted lists
    let mut postings: HashMap<u32, Vec<(u32, f32)>> = HashMap::new();
    for (d, v) in vecs.iter().enumerate() {
        for &(t, w) in v {
            postings.entry(t).or_default().push((d as u32, w));
        }
    }
    let labels: Vec<&str> = cases
        .iter()
        .map(|c| c.label.as_deref().unwrap_or(""))
        .collect();
    let mut per: HashMap<&str, (f64, usize)> = HashMap::new();
    let mut total = 0.0;
    let mut acc = vec![0f32; cases.len()];
    for (d, v) in vecs.iter().enumerate() {
        acc.iter_mut().for_each(|a| *a = 0.0);
        for &(t, w) in v {
            for &(o_doc, ow) in &postings[&t] {
                acc[o_doc as usize] += w * ow;
            }
        }
        acc[d] = f32::NEG_INFINITY;
        if o.label_weight > 0.0 {
            // the other cases' labels vote (the query's own label is never used)
            let cand: Vec<(f32, Option<&str>)> = acc
                .iter()
                .enumerate()
                .map(|(j, &s)| (s, (j != d).then_some(labels[j])))
                .collect();
            let re = vote_rerank(&cand, o);
            acc.copy_from_slice(&re);
            acc[d] = f32::NEG_INFINITY;
        }
        let mut idx: Vec<usize> = (0..cases.len()).collect();
        let kk = k.min(cases.len() - 1);
        idx.select_nth_unstable_by(kk.max(1) - 1, |a, b| acc[*b].total_cmp(&acc[*a]));
        let same = idx[..kk]
            .iter()
            .filter(|&&o_doc| labels[o_doc] == labels[d])
            .count();
        let p = if kk == 0 {
            0.0
        } else {
            same as f64 / kk as f64
        };
        total += p;
        let e = per.entry(labels[d]).or_default();
        e.0 += p;
        e.1 += 1;
    }
    Ok(SimilarEval::from_sums(cases.len(), total, per))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handled_cases_close_to_the_best_move_up_the_rest_keep_their_order() {
        // (score, index); indexes 2 and 4 were handled, 4 is too far from the best
        let scored = vec![(1.0, 0), (0.9, 1), (0.7, 2), (0.65, 3), (0.5, 4)];
        let order: Vec<usize> = prefer_handled(scored.clone(), 0.6, |i| i == 2 || i == 4)
            .into_iter()
            .map(|(_, i)| i)
            .collect();
        assert_eq!(order, vec![0, 2, 1, 3, 4]);
        // a share of 1 keeps the similarity order
        assert_eq!(prefer_handled(scored.clone(), 1.0, |_| true), scored);
        assert!(prefer_handled(Vec::new(), 0.6, |_| true).is_empty());
    }
}
