//! Labels: "place + problem" for a cluster, built from its cases.
//!
//! The place is the place entity named by the most member cases (a name counts for every
//! case naming it or a longer name containing it, so 魅力之城 collects 万科魅力之城; ties go
//! to the longer name), prefixed by the district most cases name. The problem is the
//! cluster's strongest terms (summed TF-IDF weight over the members) that are not part of
//! the place, ordered as the most central case's title orders them.

use std::collections::HashMap;

use super::vectorize::{Analysis, Vectors};

/// Words that never make a label's problem part.
const NOT_PROBLEM: &[&str] = &[
    "投诉", "反映", "问题", "希望", "请求", "咨询", "建议", "举报", "关于", "市民", "政府",
    "相关", "部门", "领导", "解决", "处理", "小区", "附近", "情况", "要求", "恳请", "严重",
    "现象", "存在", "一直", "至今", "请问", "能否", "是否", "为什么", "何时", "什么",
];

/// What a label is made of.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Label {
    pub label: String,
    pub place: Option<String>,
    pub district: Option<String>,
    pub problem: Option<String>,
    /// The strongest key phrases (terms and places), strongest first.
    pub keywords: Vec<String>,
}

/// Builds the label of the cluster `members` (indices into `vectors`), whose most central
/// case is `central`.
pub fn label(vectors: &Vectors, members: &[usize], central: usize) -> Label {
    let analyses: Vec<&Analysis> = members.iter().map(|&i| &vectors.analyses[i]).collect();
    let n = members.len();
    let place = dominant_place(&analyses);
    let district = dominant_district(&analyses, n);
    // Summed weights of the members' features.
    let mut weight: HashMap<u32, f32> = HashMap::new();
    for &i in members {
        for &(f, w) in &vectors.docs[i] {
            *weight.entry(f).or_insert(0.0) += w;
        }
    }
    let mut ranked: Vec<(u32, f32)> = weight.into_iter().collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let keywords: Vec<String> = ranked
        .iter()
        .map(|&(f, _)| vectors.vocab[f as usize].as_str())
        .filter(|name| !name.starts_with('#'))
        .map(|name| name.trim_start_matches('@').to_string())
        .filter(|k| k.chars().count() >= 2)
        .take(8)
        .collect();
    let inside = |t: &str| {
        place.as_deref().is_some_and(|p| p.contains(t) || t.contains(p))
            || district.as_deref().is_some_and(|d| d.contains(t))
    };
    let mut problem_terms: Vec<(String, f32)> = Vec::new();
    for &(f, w) in &ranked {
        let name = vectors.vocab[f as usize].as_str();
        if name.starts_with('#') || name.starts_with('@') {
            continue;
        }
        if name.chars().count() < 2 || NOT_PROBLEM.contains(&name) || inside(name) {
            continue;
        }
        if problem_terms.iter().any(|(t, _)| t.contains(name) || name.contains(t.as_str())) {
            continue;
        }
        if let Some(&(_, top)) = problem_terms.first() {
            if w < 0.4 * top {
                break;
            }
        }
        problem_terms.push((name.to_string(), w));
        if problem_terms.len() == 3 {
            break;
        }
    }
    // Order as the central case's title (else its text) orders them.
    let central_terms: Vec<&str> = {
        let a = &vectors.analyses[central];
        if a.title_terms.is_empty() {
            a.terms.iter().map(|t| t.0.as_str()).collect()
        } else {
            a.title_terms.iter().map(String::as_str).collect()
        }
    };
    let position = |t: &str| central_terms.iter().position(|c| *c == t).unwrap_or(usize::MAX);
    let mut ordered: Vec<(usize, usize, String)> = problem_terms
        .into_iter()
        .enumerate()
        .map(|(rank, (t, _))| (position(&t), rank, t))
        .collect();
    ordered.sort();
    let problem: String = ordered.into_iter().map(|x| x.2).collect();
    let mut label = String::new();
    if let Some(d) = &district {
        label.push_str(d);
    }
    if let Some(p) = &place {
        label.push_str(p);
    }
    label.push_str(&problem);
    if label.is_empty() {
        label = keywords.iter().take(3).cloned().collect::<Vec<_>>().join("");
    }
    Label {
        label,
        place,
        district,
        problem: (!problem.is_empty()).then_some(problem),
        keywords,
    }
}

/// The place most members name (see the module doc), if at least two and 30% do.
fn dominant_place(analyses: &[&Analysis]) -> Option<String> {
    let mut names: Vec<&str> = analyses
        .iter()
        .flat_map(|a| a.entities.places.iter().map(String::as_str))
        .collect();
    names.sort_unstable();
    names.dedup();
    let n = analyses.len();
    names
        .into_iter()
        .map(|p| {
            let count = analyses
                .iter()
                .filter(|a| a.entities.places.iter().any(|q| q.contains(p)))
                .count();
            (count, p.chars().count(), p)
        })
        .filter(|&(c, _, _)| c >= 2.min(n) && c * 10 >= n * 3)
        .max_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)).then(b.2.cmp(a.2)))
        .map(|x| x.2.to_string())
}

/// The finest district half the members name (A5区 before A市).
fn dominant_district(analyses: &[&Analysis], n: usize) -> Option<String> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for a in analyses {
        for d in &a.entities.districts {
            *counts.entry(d.as_str()).or_insert(0) += 1;
        }
    }
    let mut best: Vec<(&str, usize)> = counts.into_iter().filter(|&(_, c)| c * 2 >= n).collect();
    // Prefer a district or county over a city or province.
    best.sort_by_key(|&(d, c)| {
        let coarse = d.ends_with('市') || d.ends_with('省');
        (coarse, std::cmp::Reverse(c), d)
    });
    best.first().map(|x| x.0.to_string())
}
