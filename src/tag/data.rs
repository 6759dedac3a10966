//! Loading labelled csv files for training and evaluation, and grouping near-duplicate
//! messages so cross-validation folds do not leak copies between train and test.
//!
//! Text columns: `--text-col` names one column or several joined with `+` (e.g.
//! `留言主题+留言详情`); without it the loader takes 分词文本 (already space-separated jieba
//! tokens, used as given) or else the title (留言主题 / title) and body (留言详情 / query /
//! text / narrative) joined. Label column: `--label-col`, else 一级标签 / 一级分类 / label.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{bail, Context, Result};
use rayon::prelude::*;

use crate::text::{is_word, normalize_token, segmenter};

/// One labelled message as terms.
#[derive(Debug, Clone)]
pub struct Example {
    pub terms: Vec<String>,
    pub label: String,
    /// `file:row` for error messages and reports.
    pub origin: String,
}

const TITLE_COLS: [&str; 3] = ["留言主题", "title", "标题"];
const BODY_COLS: [&str; 6] = ["留言详情", "query", "text", "narrative", "诉求内容", "内容"];
const LABEL_COLS: [&str; 4] = ["一级标签", "一级分类", "label", "category"];
const TOKENS_COL: &str = "分词文本";

/// How to get the text of a row.
enum TextSource {
    Tokens(usize),
    Join(Vec<usize>),
}

fn find(headers: &csv::StringRecord, name: &str) -> Option<usize> {
    headers.iter().position(|h| h.trim() == name)
}

fn text_source(
    headers: &csv::StringRecord,
    text_col: Option<&str>,
    file: &Path,
) -> Result<TextSource> {
    if let Some(spec) = text_col {
        if spec == TOKENS_COL {
            if let Some(i) = find(headers, spec) {
                return Ok(TextSource::Tokens(i));
            }
        }
        let mut cols = Vec::new();
        for name in spec.split('+') {
            let i = find(headers, name.trim()).with_context(|| {
                format!("{}: no column '{}' (text column)", file.display(), name)
            })?;
            cols.push(i);
        }
        return Ok(TextSource::Join(cols));
    }
    if let Some(i) = find(headers, TOKENS_COL) {
        return Ok(TextSource::Tokens(i));
    }
    let mut cols = Vec::new();
    if let Some(i) = TITLE_COLS.iter().find_map(|c| find(headers, c)) {
        cols.push(i);
    }
    if let Some(i) = BODY_COLS.iter().find_map(|c| find(headers, c)) {
        cols.push(i);
    }
    if cols.is_empty() {
        bail!(
            "{}: no text column found (give --text-col; headers: {})",
            file.display(),
            headers.iter().collect::<Vec<_>>().join(",")
        );
    }
    Ok(TextSource::Join(cols))
}

/// Joins title and body the way [`crate::Case::text`] does (no repeat when the body starts
/// with the title).
pub fn join_text(parts: &[&str]) -> String {
    let mut out = String::new();
    for p in parts {
        let p = p.trim();
        if p.is_empty() || out.starts_with(p) && out.len() == p.len() {
            continue;
        }
        if !out.is_empty() {
            if p.starts_with(out.as_str()) {
                out = p.to_string();
                continue;
            }
            out.push('\n');
        }
        out.push_str(p);
    }
    out
}

/// Tokens of a pre-segmented text, normalised as [`crate::text::Segmenter::terms`] does.
pub fn pretokenized(s: &str) -> Vec<String> {
    let seg = segmenter();
    s.split_whitespace()
        .filter(|t| is_word(t))
        .map(normalize_token)
        .filter(|t| !seg.is_stopword(t))
        .collect()
}

/// Reads one labelled csv file into examples (rows with an empty text or label are skipped).
pub fn load_labelled(
    path: &Path,
    text_col: Option<&str>,
    label_col: Option<&str>,
) -> Result<Vec<Example>> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    let headers = rdr
        .headers()
        .with_context(|| format!("{}: cannot read the header row", path.display()))?
        .clone();
    let src = text_source(&headers, text_col, path)?;
    let label_i = match label_col {
        Some(l) => find(&headers, l)
            .with_context(|| format!("{}: no column '{}' (label column)", path.display(), l))?,
        None => LABEL_COLS
            .iter()
            .find_map(|c| find(&headers, c))
            .with_context(|| {
                format!(
                    "{}: no label column found (give --label-col)",
                    path.display()
                )
            })?,
    };
    let mut raw = Vec::new();
    for (row, rec) in rdr.records().enumerate() {
        let rec = rec.with_context(|| format!("{}: row {}: bad csv", path.display(), row + 1))?;
        let label = rec.get(label_i).unwrap_or("").trim().to_string();
        let text = match &src {
            TextSource::Tokens(i) => (true, rec.get(*i).unwrap_or("").to_string()),
            TextSource::Join(cols) => {
                let parts: Vec<&str> = cols.iter().map(|&i| rec.get(i).unwrap_or("")).collect();
                (false, join_text(&parts))
            }
        };
        if label.is_empty() || text.1.trim().is_empty() {
            continue;
        }
        raw.push((row + 1, label, text));
    }
    let file = path.display().to_string();
    Ok(raw
        .into_par_iter()
        .map(|(row, label, (tok, text))| Example {
            terms: if tok {
                pretokenized(&text)
            } else {
                segmenter().terms(&text)
            },
            label,
            origin: format!("{file}:row {row}"),
        })
        .collect())
}

/// Reads several files.
pub fn load_all(
    paths: &[std::path::PathBuf],
    text_col: Option<&str>,
    label_col: Option<&str>,
) -> Result<Vec<Example>> {
    let mut out = Vec::new();
    for p in paths {
        out.extend(load_labelled(p, text_col, label_col)?);
    }
    Ok(out)
}

/// CJK character 3-gram shingle hashes of the joined terms, sorted and distinct.
fn shingles(terms: &[String]) -> Vec<u64> {
    let chars: Vec<char> = terms
        .iter()
        .flat_map(|t| t.chars())
        .filter(|c| super::features::is_cjk(*c))
        .collect();
    let mut out: Vec<u64> = chars
        .windows(3)
        .map(|w| {
            let mut h = 0xcbf2_9ce4_8422_2325u64;
            for c in w {
                h ^= *c as u64;
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
            h ^ (h >> 29)
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

fn find_root(p: &mut [usize], mut i: usize) -> usize {
    while p[i] != i {
        p[i] = p[p[i]];
        i = p[i];
    }
    i
}

/// A fold in `0..k` per example for grouped k-fold cross-validation: the distinct group ids
/// (of [`duplicate_groups`], or one per example for a plain split) are shuffled with `seed`
/// and dealt round-robin, so a group's examples share a fold. Also returns the group count.
pub fn group_folds(groups: &[usize], k: usize, seed: u64) -> (Vec<usize>, usize) {
    use rand::seq::SliceRandom;
    use rand::SeedableRng;
    let mut ids: Vec<usize> = groups.to_vec();
    ids.sort_unstable();
    ids.dedup();
    ids.shuffle(&mut rand::rngs::StdRng::seed_from_u64(seed));
    let fold_of: HashMap<usize, usize> = ids.iter().enumerate().map(|(n, &g)| (g, n % k)).collect();
    (groups.iter().map(|g| fold_of[g]).collect(), ids.len())
}

/// A group id per example: near-duplicates (≥ 60 % of the smaller one's character
/// 3-grams shared, found through min-hash sketches) share a group.
pub fn duplicate_groups(examples: &[Example]) -> Vec<usize> {
    let sh: Vec<Vec<u64>> = examples.par_iter().map(|e| shingles(&e.terms)).collect();
    let mut parent: Vec<usize> = (0..examples.len()).collect();
    let mut buckets: HashMap<u64, Vec<usize>> = HashMap::new();
    for (i, s) in sh.iter().enumerate() {
        // the 6 smallest hashes are the sketch
        for &h in s.iter().take(6) {
            buckets.entry(h).or_default().push(i);
        }
    }
    let mut pairs = Vec::new();
    for v in buckets.values() {
        if v.len() < 2 || v.len() > 200 {
            continue;
        }
        for a in 0..v.len() {
            for b in a + 1..v.len() {
                pairs.push((v[a], v[b]));
            }
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    let close: Vec<(usize, usize)> = pairs
        .into_par_iter()
        .filter(|&(a, b)| {
            let (x, y) = (&sh[a], &sh[b]);
            let small = x.len().min(y.len());
            if small == 0 {
                return x.is_empty() && y.is_empty();
            }
            let (mut i, mut j, mut common) = (0, 0, 0);
            while i < x.len() && j < y.len() {
                match x[i].cmp(&y[j]) {
                    std::cmp::Ordering::Less => i += 1,
                    std::cmp::Ordering::Greater => j += 1,
                    std::cmp::Ordering::Equal => {
                        common += 1;
                        i += 1;
                        j += 1;
                    }
                }
            }
            common as f32 >= 0.6 * small as f32
        })
        .collect();
    for (a, b) in close {
        let (ra, rb) = (find_root(&mut parent, a), find_root(&mut parent, b));
        if ra != rb {
            parent[ra.max(rb)] = ra.min(rb);
        }
    }
    (0..examples.len())
        .map(|i| find_root(&mut parent, i))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_title_and_body_once() {
        assert_eq!(join_text(&["路灯不亮", "路灯不亮，请修"]), "路灯不亮，请修");
        assert_eq!(join_text(&["标题", "正文"]), "标题\n正文");
        assert_eq!(join_text(&["", "正文"]), "正文");
    }

    #[test]
    fn groups_near_duplicates() {
        let mk = |s: &str| Example {
            terms: segmenter().terms(s),
            label: "x".into(),
            origin: String::new(),
        };
        let ex = vec![
            mk("小区门口路灯坏了一个月没人修理，晚上出行很不方便"),
            mk("小区 门口 路灯 坏 一个月 没人 修理 晚上 出行 不方便"),
            mk("学校食堂饭菜价格太贵，学生反映强烈"),
        ];
        let g = duplicate_groups(&ex);
        assert_eq!(g[0], g[1]);
        assert_ne!(g[0], g[2]);
    }
}
