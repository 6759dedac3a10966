//! Labels: "place + problem" for a cluster, built from its cases.
//!
//! Key phrases are the maximal substrings that recur in the members' titles (in at least
//! two and 30% of them; a phrase is dropped when a longer recurring phrase contains it
//! in nearly as many titles): for 伊景园滨河苑 they are 伊景园滨河苑 and 捆绑销售车位.
//! The place is the place entity named by the most member cases (a name counts for every
//! case naming it or a longer name containing it, so 魅力之城 collects 万科魅力之城), widened
//! to the key phrase containing it, and prefixed by the district most cases name. The
//! problem is the strongest one or two other key phrases, ordered as the most central
//! case's title orders them; without recurring phrases, the cluster's strongest terms
//! (summed TF-IDF weight) stand in.

use std::collections::HashMap;

use rustc_hash::FxHashMap;

use super::vectorize::{Analysis, Vectors};

/// Words that never make a label's problem part.
const NOT_PROBLEM: &[&str] = &[
    "投诉",
    "反映",
    "问题",
    "希望",
    "请求",
    "咨询",
    "建议",
    "举报",
    "关于",
    "市民",
    "政府",
    "相关",
    "部门",
    "领导",
    "解决",
    "处理",
    "小区",
    "附近",
    "情况",
    "要求",
    "恳请",
    "严重",
    "现象",
    "存在",
    "一直",
    "至今",
    "请问",
    "能否",
    "是否",
    "为什么",
    "何时",
    "什么",
];

/// Longest problem part made of two phrases, in characters.
const MAX_PROBLEM: usize = 12;
/// At most this many titles (the most central) are read for key phrases.
const MAX_HEADS: usize = 60;
/// Longest key phrase, in characters and in tokens.
const MAX_PHRASE: usize = 12;
const MAX_TOKENS: usize = 4;

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

/// Builds the label of a cluster from its members (indices into `vectors`), most central
/// first.
pub fn label(vectors: &Vectors, central_first: &[usize]) -> Label {
    let members = central_first;
    let central = central_first[0];
    let analyses: Vec<&Analysis> = members.iter().map(|&i| &vectors.analyses[i]).collect();
    let n = members.len();
    let place = dominant_place(&analyses);
    let district = dominant_district(&analyses, n);
    // Summed weights of the members' features, and how many members have each.
    let mut weight: FxHashMap<u32, f32> = FxHashMap::default();
    let mut spread: FxHashMap<u32, usize> = FxHashMap::default();
    for &i in members {
        for &(f, w) in &vectors.docs[i] {
            *weight.entry(f).or_insert(0.0) += w;
            *spread.entry(f).or_insert(0) += 1;
        }
    }
    let min_spread = (n / 5).max(2).min(n);
    let mut ranked: Vec<(u32, f32)> = weight.into_iter().collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let keywords: Vec<String> = ranked
        .iter()
        .filter(|(f, _)| spread[f] >= min_spread)
        .map(|&(f, _)| vectors.vocab[f as usize].as_str())
        .filter(|name| !name.starts_with('#'))
        .map(|name| name.trim_start_matches('@').to_string())
        .filter(|k| k.chars().count() >= 2)
        .take(8)
        .collect();
    let inside = |t: &str| {
        place
            .as_deref()
            .is_some_and(|p| p.contains(t) || t.contains(p))
            || district.as_deref().is_some_and(|d| d.contains(t))
    };
    // Terms at least half the members use (every term of a case is one of its features).
    let common = |f: u32| spread[&f] * 2 >= n;
    let mut problem_terms: Vec<(String, f32)> = Vec::new();
    for &(f, w) in &ranked {
        let name = vectors.vocab[f as usize].as_str();
        if name.starts_with('#') || name.starts_with('@') || !common(f) {
            continue;
        }
        if name.chars().count() < 2 || NOT_PROBLEM.contains(&name) || inside(name) {
            continue;
        }
        if problem_terms
            .iter()
            .any(|(t, _)| t.contains(name) || name.contains(t.as_str()))
        {
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
    let heads: Vec<Vec<String>> = central_first
        .iter()
        .take(MAX_HEADS)
        .map(|&i| clean_head(&vectors.analyses[i].head))
        .collect();
    let phrases = key_phrases(&heads);
    // A place the titles name beats one only the narratives name.
    let joined: Vec<String> = heads.iter().map(|h| h.concat()).collect();
    let in_titles = |p: &str| joined.iter().filter(|h| h.contains(p)).count();
    let mut names: Vec<&str> = analyses
        .iter()
        .flat_map(|a| a.entities.places.iter().map(String::as_str))
        .collect();
    names.sort_unstable();
    names.dedup();
    let mut titled: Vec<(usize, usize, &str)> = names
        .into_iter()
        .map(|p| (in_titles(p), p.chars().count(), p))
        .filter(|&(c, _, _)| c >= 2.min(joined.len()) && c * 10 >= joined.len() * 3)
        .collect();
    titled.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(b.2)));
    let place = titled.first().map(|x| x.2.to_string()).or(place);
    // The place, widened to the key phrase that contains it.
    let place = place.map(|p| {
        phrases
            .iter()
            .filter(|(ph, _)| ph.contains(p.as_str()))
            .filter(|(ph, _)| ph.chars().count() <= p.chars().count() + 4)
            .max_by_key(|(ph, c)| (*c, ph.chars().count()))
            .map(|(ph, _)| trim_phrase(ph))
            .unwrap_or_else(|| p.clone())
    });
    // Phrases naming a problem first (油烟 before 底层).
    let mut ordered_phrases: Vec<(bool, usize, &str, usize)> = phrases
        .iter()
        .enumerate()
        .map(|(k, (ph, c))| {
            let names_problem = PROBLEM_WORDS.iter().any(|w| ph.contains(w));
            (!names_problem, k, ph.as_str(), *c)
        })
        .collect();
    ordered_phrases.sort();
    let mut chosen: Vec<String> = Vec::new();
    let mut first_count = 0;
    for &(generic, _, ph, count) in &ordered_phrases {
        // A second phrase names a problem too, or is nearly as frequent as the first (not
        // 底层 beside 油烟, but 车位 beside 捆绑).
        if generic && !chosen.is_empty() && count * 10 < first_count * 8 {
            continue;
        }
        let ph = match &place {
            Some(p) => trim_phrase(strip_place_overlap(&trim_phrase(ph), p)),
            None => trim_phrase(ph),
        };
        if ph.chars().count() < 2 || NOT_PROBLEM.contains(&ph.as_str()) {
            continue;
        }
        let overlaps = |other: &str| shares_bigram(&ph, other);
        if place.as_deref().is_some_and(overlaps)
            || district.as_deref().is_some_and(|d| ph.contains(d))
            || chosen.iter().any(|c| overlaps(c))
        {
            continue;
        }
        if chosen.is_empty() {
            first_count = count;
        } else if chosen[0].chars().count() + ph.chars().count() > MAX_PROBLEM {
            continue;
        }
        chosen.push(ph);
        if chosen.len() == 2 {
            break;
        }
    }
    let problem: String = if chosen.is_empty() {
        ordered_terms(problem_terms, vectors, central)
    } else {
        // Ordered by their mean relative position in the titles that contain them.
        let position = |c: &str| {
            let (sum, n) = heads
                .iter()
                .map(|h| h.concat())
                .fold((0.0, 0), |(s, n), h| match h.find(c) {
                    Some(p) => (s + p as f64 / h.len().max(1) as f64, n + 1),
                    None => (s, n),
                });
            if n == 0 {
                f64::MAX
            } else {
                sum / n as f64
            }
        };
        chosen.sort_by(|a, b| position(a).total_cmp(&position(b)));
        join_parts(chosen.iter().map(String::as_str))
    };
    let mut label = join_parts(
        [
            district.as_deref(),
            place.as_deref(),
            Some(problem.as_str()),
        ]
        .into_iter()
        .flatten(),
    );
    if label.is_empty() {
        label = keywords
            .iter()
            .take(3)
            .cloned()
            .collect::<Vec<_>>()
            .join("");
    }
    Label {
        label,
        place,
        district,
        problem: (!problem.is_empty()).then_some(problem),
        keywords,
    }
}

/// The place most members name (see the module doc), if at least two and 30% do; a longer
/// name wins over a name it contains when it covers at least 70% as many members.
pub fn dominant_place(analyses: &[&Analysis]) -> Option<String> {
    let mut names: Vec<&str> = analyses
        .iter()
        .flat_map(|a| a.entities.places.iter().map(String::as_str))
        .collect();
    names.sort_unstable();
    names.dedup();
    let n = analyses.len();
    let mut cands: Vec<(usize, usize, &str)> = names
        .into_iter()
        .map(|p| {
            let count = analyses
                .iter()
                .filter(|a| a.entities.places.iter().any(|q| q.contains(p)))
                .count();
            (count, p.chars().count(), p)
        })
        .filter(|&(c, _, _)| c >= 2.min(n) && c * 10 >= n * 3)
        .collect();
    cands.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(b.2)));
    let mut best = *cands.first()?;
    for &c in &cands[1..] {
        if c.2.contains(best.2) && c.0 * 10 >= best.0 * 7 && c.1 > best.1 {
            best = c;
        }
    }
    Some(best.2.to_string())
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

/// The cluster's strongest terms, ordered as the central case's title (else its text)
/// orders them, concatenated.
fn ordered_terms(terms: Vec<(String, f32)>, vectors: &Vectors, central: usize) -> String {
    let central_terms: Vec<&str> = {
        let a = &vectors.analyses[central];
        if a.title_terms.is_empty() {
            a.term_ids
                .iter()
                .map(|&id| vectors.vocab[id as usize].as_str())
                .collect()
        } else {
            a.title_terms.iter().map(String::as_str).collect()
        }
    };
    let position = |t: &str| {
        central_terms
            .iter()
            .position(|c| *c == t)
            .unwrap_or(usize::MAX)
    };
    let mut ordered: Vec<(usize, usize, String)> = terms
        .into_iter()
        .enumerate()
        .map(|(rank, (t, _))| (position(&t), rank, t))
        .collect();
    ordered.sort();
    join_parts(ordered.iter().map(|x| x.2.as_str()))
}

/// A title without district markers, as jieba tokens, punctuation as `|`.
fn clean_head(head: &str) -> Vec<String> {
    let cleaned = super::entities::strip_districts(head);
    crate::text::segmenter()
        .cut(&cleaned)
        .into_iter()
        .map(|t| {
            if crate::text::is_word(t) {
                t.to_string()
            } else {
                "|".to_string()
            }
        })
        .collect()
}

/// Words trimmed off a key phrase's ends.
const LEADING: &[&str] = &[
    "小区",
    "附近",
    "旁边",
    "周边",
    "关于",
    "投诉",
    "反映",
    "反应",
    "咨询",
    "举报",
    "建议",
    "请求",
    "恳请",
    "希望",
    "要求",
    "请问",
    "请",
    "对",
    "在",
    "的",
    "我要",
    "再次",
    "能否",
    "是否",
    "何时",
    "为何",
    "为什么",
    "如何",
    "怎么",
    "什么时候",
    "要求",
];
const TRAILING: &[&str] = &[
    "的问题",
    "问题",
    "的",
    "了",
    "吗",
    "呢",
    "小区",
    "附近",
    "旁边",
    "周边",
    "的投诉",
    "投诉",
    "才能",
    "要",
    "何时",
    "什么时候",
    "能否",
    "是否",
    "合理",
    "合法",
    "怎么办",
    "有",
];

fn trim_phrase(p: &str) -> String {
    let mut s = p.trim_matches('|');
    loop {
        let before = s;
        for w in LEADING {
            s = s.strip_prefix(w).unwrap_or(s);
        }
        for w in TRAILING {
            s = s.strip_suffix(w).unwrap_or(s);
        }
        if s == before {
            break;
        }
    }
    s.to_string()
}

/// `phrase` without a head that ends the place (城小区底层 after 魅力之城 is 小区底层).
fn strip_place_overlap<'a>(phrase: &'a str, place: &str) -> &'a str {
    let cut = phrase
        .char_indices()
        .skip(1)
        .map(|(i, _)| i)
        .filter(|&k| place.ends_with(&phrase[..k]))
        .last()
        .unwrap_or(0);
    &phrase[cut..]
}

fn shares_bigram(a: &str, b: &str) -> bool {
    let bc: Vec<char> = b.chars().collect();
    let ac: Vec<char> = a.chars().collect();
    ac.windows(2).any(|w| bc.windows(2).any(|v| v == w))
}

/// Words that name a problem (a label's problem part prefers phrases with one).
const PROBLEM_WORDS: &[&str] = &[
    "扰民", "噪音", "噪声", "污染", "油烟", "粉尘", "灰尘", "臭", "违建", "违规", "违法", "乱",
    "拖欠", "欠薪", "收费", "捆绑", "强制", "强迫", "实习", "停水", "停电", "漏水", "质量", "安全",
    "隐患", "拆迁", "补偿", "虚假", "诈骗", "涨价", "扩建", "改造", "难", "差", "堵", "积水",
    "破损", "垃圾", "占道", "扰", "坑", "不退", "维权",
];

/// Words that end a key phrase like punctuation: the caller's boilerplate (市民来电投诉：,
/// 希望相关部门尽快核实处理) and clause-joining conjunctions (停水 | 且 | 没有提前通知).
const SEPARATORS: &[&str] = &[
    "市民",
    "来电",
    "来电人",
    "投诉",
    "反映",
    "反应",
    "咨询",
    "建议",
    "举报",
    "求助",
    "希望",
    "要求",
    "请求",
    "恳请",
    "相关",
    "部门",
    "相关部门",
    "有关部门",
    "尽快",
    "核实",
    "处理",
    "解决",
    "且",
    "并且",
    "而且",
    "但",
    "但是",
    "并",
    "同时",
    "导致",
    "影响",
];

/// Function words: a key phrase neither starts nor ends with one.
const FUNCTION_WORDS: &[&str] = &[
    "且", "并", "并且", "而", "而且", "和", "与", "及", "以及", "或", "或者", "但", "但是", "就",
    "都", "也", "还", "又", "被", "把", "将", "让", "给", "对", "向", "从", "于", "的", "了", "吗",
    "呢", "啊", "吧", "着", "过", "得", "很", "太", "最", "更", "才", "在", "是", "为", "为了",
    "因为", "所以", "如果", "等", "之", "其", "这", "那", "该", "此", "我", "我们", "你", "他",
    "他们", "这个", "那个", "一个", "有",
];
/// Words a key phrase does not end with (negations, modals, urging adverbs).
const NO_END: &[&str] = &[
    "不",
    "没",
    "没有",
    "未",
    "要",
    "能",
    "会",
    "可以",
    "应",
    "应该",
    "需要",
    "必须",
    "加快",
    "尽快",
    "进一步",
    "立即",
    "马上",
    "何时",
    "能否",
    "是否",
    "请",
    "希望",
    "一直",
    "经常",
    "无人",
    "长期",
];

/// Concatenates label parts, dropping the overlap where one part ends as the next begins
/// (停水且 + 且没有通知 → 停水且没有通知) and a part the label already contains.
pub fn join_parts<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for part in parts {
        if part.is_empty() || out.contains(part) {
            continue;
        }
        let overlap = part
            .char_indices()
            .skip(1)
            .map(|(i, _)| i)
            .chain([part.len()])
            .filter(|&k| out.ends_with(&part[..k]))
            .last()
            .unwrap_or(0);
        out.push_str(&part[overlap..]);
    }
    out
}

/// Maximal token sequences (as strings) recurring in at least two and 30% of `heads`
/// (token lists, `|` for punctuation), with the number of heads containing them, most
/// frequent (then longest) first.
pub fn key_phrases(heads: &[Vec<String>]) -> Vec<(String, usize)> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for h in heads {
        let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
        for seg in h.split(|t| t == "|" || SEPARATORS.contains(&t.as_str())) {
            for a in 0..seg.len() {
                // A phrase neither starts nor ends with a function word (且, 的, 不 ...).
                if FUNCTION_WORDS.contains(&seg[a].as_str()) {
                    continue;
                }
                let mut phrase = String::new();
                for t in seg[a..].iter().take(MAX_TOKENS) {
                    phrase.push_str(t);
                    let len = phrase.chars().count();
                    if len > MAX_PHRASE {
                        break;
                    }
                    if len >= 2
                        && !FUNCTION_WORDS.contains(&t.as_str())
                        && !NO_END.contains(&t.as_str())
                    {
                        seen.insert(phrase.clone());
                    }
                }
            }
        }
        for s in seen {
            *counts.entry(s).or_insert(0) += 1;
        }
    }
    let min = 2.max((heads.len() * 3).div_ceil(10));
    let frequent: Vec<(&str, usize)> = counts
        .iter()
        .filter(|&(_, &c)| c >= min)
        .map(|(s, &c)| (s.as_str(), c))
        .collect();
    let mut out: Vec<(String, usize)> = frequent
        .iter()
        .filter(|&&(s, c)| {
            !frequent
                .iter()
                .any(|&(t, d)| t.len() > s.len() && t.contains(s) && d * 10 >= c * 8)
        })
        .map(|&(s, c)| (s.to_string(), c))
        .collect();
    out.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then(b.0.chars().count().cmp(&a.0.chars().count()))
            .then(a.0.cmp(&b.0))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(s: &str) -> Vec<String> {
        s.split(' ').map(str::to_string).collect()
    }

    #[test]
    fn joins_without_repeating_the_overlap() {
        assert_eq!(
            join_parts(["一周经常停水且", "且没有提前通知"]),
            "一周经常停水且没有提前通知"
        );
        assert_eq!(join_parts(["血汗钱不", "不退还"]), "血汗钱不退还");
        assert_eq!(join_parts(["丽发新城", "搅拌站噪音"]), "丽发新城搅拌站噪音");
        assert_eq!(join_parts(["A5区", "魅力之城", "魅力之城"]), "A5区魅力之城");
        assert_eq!(strip_place_overlap("城小区底层", "魅力之城"), "小区底层");
        assert_eq!(strip_place_overlap("搅拌站", "丽发新城"), "搅拌站");
    }

    #[test]
    fn key_phrases_do_not_end_in_function_words() {
        let heads = vec![
            tokens("小区 一周 经常 停水 且 没有 提前 通知"),
            tokens("小区 一周 经常 停水 且 没有 提前 通知 | 请 处理"),
            tokens("小区 经常 停水 且 没有 提前 通知"),
        ];
        let p = key_phrases(&heads);
        assert!(
            p.iter()
                .all(|(s, _)| !s.ends_with('且') && !s.starts_with('且')),
            "{p:?}"
        );
        assert!(p.iter().any(|(s, _)| s == "经常停水"), "{p:?}");
    }
}
