//! Vectorisation: each case becomes an L2-normalised sparse TF-IDF vector over its
//! segmented terms, with extra weight for the places it names.
//!
//! Terms are what [`Segmenter::terms`] keeps (jieba tokens, stopwords dropped), read from the
//! same jieba pass that the entity extractor tags, less the words of the case's own place
//! names (深业 / 睿 / 城 of 深业睿城), which the place feature carries. Title terms count twice. Place entities
//! (丽发新城, 涉外经济学院) are added as features of their own (`@丽发新城`) with
//! [`VectorizeParams::place_weight`], district markers (`#A5区`) with a small weight.
//! Term frequencies are sublinear (1 + ln tf), idf is `ln((N + 1) / (df + 1)) + 1` over the
//! cases being clustered.

use std::borrow::Cow;

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::entities::{self, Entities};
use crate::model::Case;
use crate::text::{is_word, normalize_cow, Segmenter};

/// A sparse vector: (feature id, weight), sorted by feature id.
pub type SparseVec = Vec<(u32, f32)>;

/// Settings for [`vectorize`].
#[derive(Debug, Clone)]
pub struct VectorizeParams {
    /// Multiplier of title term counts.
    pub title_weight: f32,
    /// Multiplier of place entity features.
    pub place_weight: f32,
    /// Multiplier of district features.
    pub district_weight: f32,
    /// Only the first this many characters of a narrative are read (long letters repeat
    /// themselves; the title and opening name the place and the problem).
    pub max_chars: usize,
}

impl Default for VectorizeParams {
    fn default() -> Self {
        VectorizeParams {
            title_weight: 2.0,
            place_weight: 3.0,
            district_weight: 0.5,
            max_chars: 400,
        }
    }
}

/// One analysed case.
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    /// Terms with their (title-weighted) counts, in order of first occurrence. Emptied by
    /// [`vectorize`] once the terms are in the vocabulary (`term_ids` keeps their order).
    pub terms: Vec<(String, f32)>,
    /// The vocabulary ids of `terms`, in the same order, for a case without a title (set by
    /// [`vectorize`]; labels read them only then).
    pub term_ids: Box<[u32]>,
    /// Terms of the title alone, in order (for labels).
    pub title_terms: Vec<String>,
    /// The title (else the narrative's first sentence), at most 40 characters (for labels).
    pub head: String,
    pub entities: Entities,
}

/// The vectorised cases.
#[derive(Debug, Clone, Default)]
pub struct Vectors {
    /// Feature names: terms as they are, places as `@name`, districts as `#name`.
    pub vocab: Vec<String>,
    pub ids: FxHashMap<String, u32>,
    /// Document frequency of each feature.
    pub df: Vec<u32>,
    /// Inverse document frequency of each feature.
    pub idf: Vec<f32>,
    /// One normalised vector per case, in input order.
    pub docs: Vec<SparseVec>,
    /// The analysis behind each vector.
    pub analyses: Vec<Analysis>,
}

/// Segments and tags one text (one jieba pass), hands each kept term to `term` and
/// returns the entities.
fn analyze_with(seg: &Segmenter, text: &str, mut term: impl FnMut(Cow<'_, str>)) -> Entities {
    let cleaned = entities::strip_districts(text);
    let tagged = seg.jieba().tag(&cleaned, true);
    let words: Vec<(&str, &str)> = tagged.iter().map(|t| (t.word, t.tag)).collect();
    let ents = entities::extract_tagged(text, &words);
    for &(w, _) in &words {
        if !is_word(w) {
            continue;
        }
        let t = normalize_cow(w);
        if keep_term(seg, &t) {
            term(t);
        }
    }
    ents
}

/// Drops stopwords, numbers and short ASCII fragments.
fn keep_term(seg: &Segmenter, t: &str) -> bool {
    if t.is_ascii()
        && (t.len() <= 2
            || t.bytes().all(|b| b.is_ascii_alphanumeric())
                && t.bytes().any(|b| b.is_ascii_digit()))
    {
        return false;
    }
    !seg.is_stopword(t)
}

/// Analyses one case: title terms weighted, narrative truncated, entities of both.
pub fn analyze_case(seg: &Segmenter, case: &Case, params: &VectorizeParams) -> Analysis {
    let mut counts: Vec<(String, f32)> = Vec::new();
    let mut pos: FxHashMap<String, usize> = FxHashMap::default();
    let mut add =
        |t: Cow<'_, str>, w: f32, counts: &mut Vec<(String, f32)>| match pos.get(t.as_ref()) {
            Some(&i) => counts[i].1 += w,
            None => {
                let t = t.into_owned();
                pos.insert(t.clone(), counts.len());
                counts.push((t, w));
            }
        };
    let mut entities = Entities::default();
    let mut title_terms = Vec::new();
    let title = case.title.as_deref().unwrap_or("").trim();
    if !title.is_empty() {
        entities = analyze_with(seg, title, |t| {
            title_terms.push(t.into_owned());
        });
        for t in &title_terms {
            add(Cow::Borrowed(t.as_str()), params.title_weight, &mut counts);
        }
    }
    let body: &str = match case.narrative.char_indices().nth(params.max_chars) {
        Some((end, _)) => &case.narrative[..end],
        None => &case.narrative,
    };
    let ents = analyze_with(seg, body, |t| add(t, 1.0, &mut counts));
    for p in ents.places {
        if !entities.places.contains(&p) {
            entities.places.push(p);
        }
    }
    for d in ents.districts {
        if !entities.districts.contains(&d) {
            entities.districts.push(d);
        }
    }
    if let Some(loc) = case
        .location
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        if !entities.places.iter().any(|p| p == loc) {
            entities.places.push(loc.to_string());
        }
    }
    if let Some(town) = case
        .town
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        if !entities.districts.iter().any(|d| d == town) {
            entities.districts.push(town.to_string());
        }
    }
    // A place's own words are carried by its place feature: as terms they would make two
    // letters about different problems at one place look alike.
    counts.retain(|(t, _)| !entities.places.iter().any(|p| p.contains(t.as_str())));
    let head = if title.is_empty() {
        head_of(
            case.narrative
                .split(['。', '！', '？', '\n'])
                .find(|s| !s.trim().is_empty())
                .unwrap_or("")
                .trim(),
        )
    } else {
        head_of(title)
    };
    Analysis {
        terms: counts,
        term_ids: Box::default(),
        title_terms,
        head,
        entities,
    }
}

/// Characters of a title or first sentence kept as a case's head.
const HEAD_CHARS: usize = 40;

/// The first [`HEAD_CHARS`] characters of `text`; when that cuts the text, back to the last
/// clause break (，、；：space) after the first ten characters, so that a label phrase taken
/// from the head never ends in half a word (吃住成问 of 吃住成问题).
fn head_of(text: &str) -> String {
    let Some((cut, _)) = text.char_indices().nth(HEAD_CHARS) else {
        return text.to_string();
    };
    let kept = &text[..cut];
    let clause_end = kept
        .char_indices()
        .skip(10)
        .filter(|&(_, c)| matches!(c, '，' | '、' | '；' | '：' | ',' | ';' | ':' | ' '))
        .last()
        .map(|(i, _)| i);
    kept[..clause_end.unwrap_or(cut)].to_string()
}

/// Cases analysed at a time by [`vectorize_refs`]: their terms are moved into the vocabulary
/// before the next chunk, so that 100,000 cases never hold their terms as strings all at once
/// (about 10 KB per case).
const ANALYSIS_CHUNK: usize = 4_096;

/// Analyses and vectorises `cases` (in parallel).
pub fn vectorize(cases: &[Case], params: &VectorizeParams) -> Vectors {
    let refs: Vec<&Case> = cases.iter().collect();
    vectorize_refs(&refs, params)
}

/// [`vectorize`] for borrowed cases, a chunk of [`ANALYSIS_CHUNK`] at a time.
pub fn vectorize_refs(cases: &[&Case], params: &VectorizeParams) -> Vectors {
    let seg = crate::text::segmenter();
    let mut vocab = Vocabulary::default();
    let mut analyses: Vec<Analysis> = Vec::with_capacity(cases.len());
    let mut raw_ids: Vec<Vec<(u32, f32)>> = Vec::with_capacity(cases.len());
    for chunk in cases.chunks(ANALYSIS_CHUNK) {
        let mut part: Vec<Analysis> = chunk
            .par_iter()
            .map(|c| analyze_case(seg, c, params))
            .collect();
        for a in &mut part {
            raw_ids.push(vocab.intern(a, params));
        }
        analyses.extend(part);
    }
    vocab.finish(raw_ids, analyses)
}

/// The features seen so far: names, ids and document frequencies.
#[derive(Default)]
struct Vocabulary {
    ids: FxHashMap<String, u32>,
    names: Vec<String>,
    df: Vec<u32>,
    buf: String,
}

impl Vocabulary {
    /// The raw (id, weight before idf) features of `a`; moves its terms into the vocabulary
    /// (leaving their ids in `a.term_ids`).
    fn intern(&mut self, a: &mut Analysis, params: &VectorizeParams) -> Vec<(u32, f32)> {
        let mut out = Vec::with_capacity(a.terms.len() + 4);
        let mut buf = std::mem::take(&mut self.buf);
        for_each_feature(a, params, &mut buf, |name, w| {
            let id = match self.ids.get(name) {
                Some(&id) => id,
                None => {
                    let id = self.names.len() as u32;
                    self.ids.insert(name.to_string(), id);
                    self.names.push(name.to_string());
                    self.df.push(0);
                    id
                }
            };
            self.df[id as usize] += 1;
            out.push((id, w));
        });
        self.buf = buf;
        // Labels read a case's terms in order only when it has no title.
        if a.title_terms.is_empty() {
            a.term_ids = out[..a.terms.len()].iter().map(|x| x.0).collect();
        }
        a.terms = Vec::new();
        out
    }

    fn finish(self, raw_ids: Vec<Vec<(u32, f32)>>, analyses: Vec<Analysis>) -> Vectors {
        let n = analyses.len() as f32;
        let idf: Vec<f32> = self
            .df
            .iter()
            .map(|&d| ((n + 1.0) / (d as f32 + 1.0)).ln() + 1.0)
            .collect();
        // Weighted and normalised in place: the raw vectors become the documents.
        let mut docs = raw_ids;
        docs.par_iter_mut().for_each(|v| {
            for x in v.iter_mut() {
                x.1 *= idf[x.0 as usize];
            }
            normalize_in_place(v);
        });
        Vectors {
            vocab: self.names,
            ids: self.ids,
            df: self.df,
            idf,
            docs,
            analyses,
        }
    }
}

/// Calls `f` with each raw (feature name, weight before idf) of one analysis; `buf` holds
/// the `@place` / `#district` names.
fn for_each_feature(
    a: &Analysis,
    params: &VectorizeParams,
    buf: &mut String,
    mut f: impl FnMut(&str, f32),
) {
    for (t, c) in &a.terms {
        f(t, 1.0 + c.ln());
    }
    for (prefix, names, w) in [
        ('@', &a.entities.places, params.place_weight),
        ('#', &a.entities.districts, params.district_weight),
    ] {
        for name in names {
            buf.clear();
            buf.push(prefix);
            buf.push_str(name);
            f(buf, w);
        }
    }
}

/// Builds the vocabulary, idf and normalised vectors from analysed cases.
pub fn vectorize_analyses(mut analyses: Vec<Analysis>, params: &VectorizeParams) -> Vectors {
    let mut vocab = Vocabulary::default();
    let raw_ids: Vec<Vec<(u32, f32)>> = analyses
        .iter_mut()
        .map(|a| vocab.intern(a, params))
        .collect();
    vocab.finish(raw_ids, analyses)
}

impl Vectors {
    /// The vector of a case of another period over this vocabulary and idf (unknown terms
    /// count towards nothing).
    pub fn project(&self, a: &Analysis, params: &VectorizeParams) -> SparseVec {
        let mut raw = Vec::new();
        for_each_feature(a, params, &mut String::new(), |name, w| {
            if let Some(&id) = self.ids.get(name) {
                raw.push((id, w * self.idf[id as usize]));
            }
        });
        normalized(raw.into_iter())
    }
}

/// Sorts, merges duplicate ids and L2-normalises.
pub fn normalized(items: impl Iterator<Item = (u32, f32)>) -> SparseVec {
    let mut v: SparseVec = items.collect();
    normalize_in_place(&mut v);
    v
}

/// [`normalized`] on a vector in place.
fn normalize_in_place(v: &mut SparseVec) {
    v.sort_unstable_by_key(|x| x.0);
    v.dedup_by(|b, a| {
        if a.0 == b.0 {
            a.1 += b.1;
            true
        } else {
            false
        }
    });
    let norm = v.iter().map(|x| x.1 * x.1).sum::<f32>().sqrt();
    if norm > 0.0 {
        for x in v.iter_mut() {
            x.1 /= norm;
        }
    }
}

/// Dot product of two sorted sparse vectors.
pub fn dot(a: &[(u32, f32)], b: &[(u32, f32)]) -> f32 {
    let (mut i, mut j, mut s) = (0, 0, 0.0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                s += a[i].1 * b[j].1;
                i += 1;
                j += 1;
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_end_at_a_clause_break_when_cut() {
        let long =
            "市民来电投诉：龙仙镇上洞村被洪水围困，部分村民家中断水断电，老人和小孩的吃住成问题";
        assert_eq!(
            head_of(long),
            "市民来电投诉：龙仙镇上洞村被洪水围困，部分村民家中断水断电"
        );
        assert_eq!(head_of("路灯不亮"), "路灯不亮");
        // no clause break after the first ten characters: the plain cut
        let run: String = "路灯不亮".repeat(12);
        assert_eq!(head_of(&run).chars().count(), HEAD_CHARS);
    }

    #[test]
    fn similar_complaints_are_close() {
        let cases = vec![
            Case::new("1", "丽发新城小区附近搅拌站噪音扰民，晚上施工"),
            Case::new("2", "投诉A2区丽发新城附近建搅拌站噪音扰民"),
            Case::new("3", "A7县某村自来水停水三天"),
        ];
        let v = vectorize(&cases, &VectorizeParams::default());
        let s12 = dot(&v.docs[0], &v.docs[1]);
        let s13 = dot(&v.docs[0], &v.docs[2]);
        assert!(s12 > 0.4 && s13 < 0.1, "{s12} {s13}");
        let n: f32 = v.docs[0].iter().map(|x| x.1 * x.1).sum();
        assert!((n - 1.0).abs() < 1e-4);
    }
}
