//! Recall and precision of single-word searches against exact substring search.
//!
//! For each word: the cases whose text (title, narrative, reply) contains it as a substring
//! are the reference; recall is the share of them the search returns, precision the share
//! of returned cases whose text contains the word or one of its synonyms. Also loads the
//! shared public datasets (hotspot messages, replies, mailbox letters) into cases for this
//! and the other search measurements.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use anyhow::{Context, Result};
use chrono::NaiveDateTime;
use serde::Serialize;
use tantivy::collector::DocSetCollector;
use tantivy::query::AllQuery;
use tantivy::schema::Value;
use tantivy::{DocAddress, TantivyDocument};

use super::query::QueryOptions;
use super::synonyms::synonyms;
use crate::index::CaseStore;
use crate::model::Case;

/// The 30 words measured by default: places, problems and agencies.
pub const DEFAULT_WORDS: [&str; 30] = [
    "路灯",
    "停水",
    "噪音",
    "物业",
    "拖欠工资",
    "幼儿园",
    "公交",
    "学位",
    "油烟",
    "拆迁",
    "停电",
    "垃圾",
    "房产证",
    "扰民",
    "城管",
    "开发商",
    "农民工",
    "医保",
    "渣土车",
    "广场舞",
    "消防通道",
    "地铁",
    "教育局",
    "公安局",
    "住建局",
    "派出所",
    "洛南县",
    "商州区",
    "高铁站",
    "小区",
];

/// Two-word queries for the latency benches (the words of [`DEFAULT_WORDS`] with another).
pub const TWO_TERM_QUERIES: [&str; 30] = [
    "小区 停车",
    "拖欠 工资",
    "路灯 不亮",
    "噪音 扰民",
    "物业 收费",
    "公交 线路",
    "学位 入学",
    "油烟 烧烤",
    "拆迁 补偿",
    "开发商 交房",
    "停水 小区",
    "垃圾 清运",
    "房产证 办理",
    "城管 占道",
    "农民工 工资",
    "医保 报销",
    "渣土车 扬尘",
    "广场舞 噪音",
    "消防通道 堵塞",
    "地铁 站",
    "教育局 学校",
    "派出所 报警",
    "住建局 投诉",
    "洛南县 道路",
    "商州区 小区",
    "高铁站 交通",
    "幼儿园 收费",
    "停电 通知",
    "电梯 故障",
    "房屋 漏水",
];
/// Three-word queries for the latency benches.
pub const THREE_TERM_QUERIES: [&str; 30] = [
    "小区 停车 收费",
    "拖欠 农民工 工资",
    "路灯 不亮 晚上",
    "噪音 扰民 施工",
    "物业 电梯 维修",
    "公交 线路 增加",
    "学位 入学 小学",
    "油烟 烧烤 扰民",
    "拆迁 补偿 安置",
    "开发商 交房 延期",
    "小区 停水 通知",
    "垃圾 清运 小区",
    "房产证 办理 开发商",
    "城管 占道 经营",
    "医保 报销 医院",
    "渣土车 扬尘 道路",
    "广场舞 噪音 晚上",
    "消防通道 堵塞 车辆",
    "地铁 站 出口",
    "教育局 学校 收费",
    "派出所 报警 处理",
    "住建局 小区 质量",
    "洛南县 道路 修建",
    "商州区 小区 物业",
    "高铁站 公交 线路",
    "幼儿园 收费 标准",
    "停电 小区 居民",
    "电梯 故障 物业",
    "房屋 漏水 维修",
    "工地 施工 噪音",
];

/// Recall and precision of one word.
#[derive(Debug, Clone, Serialize)]
pub struct WordRecall {
    pub word: String,
    /// Cases containing the word (substring).
    pub relevant: usize,
    /// Cases the search returned.
    pub returned: usize,
    /// Returned cases that contain the word.
    pub found: usize,
    /// Returned cases containing the word or a synonym.
    pub correct: usize,
    pub recall: f64,
    pub precision: f64,
}

/// Recall and precision over all words together (found / relevant, correct / returned).
pub fn pooled(rows: &[WordRecall]) -> (f64, f64) {
    let (mut f, mut rel, mut c, mut ret) = (0, 0, 0, 0);
    for r in rows {
        f += r.found;
        rel += r.relevant;
        c += r.correct;
        ret += r.returned;
    }
    let ratio = |a: usize, b: usize| if b == 0 { 1.0 } else { a as f64 / b as f64 };
    (ratio(f, rel), ratio(c, ret))
}

/// The text a substring search looks at.
pub fn searchable_text(c: &Case) -> String {
    let mut s = String::new();
    if let Some(t) = &c.title {
        s.push_str(t);
        s.push('\n');
    }
    s.push_str(&c.narrative);
    if let Some(r) = &c.reply {
        s.push('\n');
        s.push_str(r);
    }
    s.to_lowercase()
}

/// Measures `words` on a store holding exactly `cases`.
pub fn measure(
    store: &CaseStore,
    cases: &[Case],
    words: &[String],
    opts: QueryOptions,
) -> Result<Vec<WordRecall>> {
    let texts: HashMap<&str, String> = cases
        .iter()
        .map(|c| (c.id.as_str(), searchable_text(c)))
        .collect();
    let searcher = store.reader().searcher();
    let f = store.fields();
    let mut id_of: HashMap<DocAddress, String> = HashMap::new();
    for a in searcher.search(&AllQuery, &DocSetCollector)? {
        let doc: TantivyDocument = searcher.doc(a)?;
        let id = doc
            .get_first(f.id)
            .and_then(|v| v.as_str())
            .context("stored document without id")?;
        id_of.insert(a, id.to_string());
    }
    let mut out = Vec::new();
    for word in words {
        let w = word.to_lowercase();
        let mut accepted: Vec<String> = vec![w.clone()];
        if opts.synonyms {
            accepted.extend(synonyms().expand(&w).into_iter().map(str::to_lowercase));
        }
        let relevant: HashSet<&str> = texts
            .iter()
            .filter(|(_, t)| t.contains(&w))
            .map(|(id, _)| *id)
            .collect();
        let hits: Vec<&str> = super::matching_docs(store, word, opts)?
            .iter()
            .filter_map(|a| id_of.get(a).map(String::as_str))
            .collect();
        let found = hits.iter().filter(|id| relevant.contains(*id)).count();
        let correct = hits
            .iter()
            .filter(|id| {
                texts
                    .get(*id)
                    .is_some_and(|t| accepted.iter().any(|a| t.contains(a.as_str())))
            })
            .count();
        let ratio = |a: usize, b: usize| if b == 0 { 1.0 } else { a as f64 / b as f64 };
        out.push(WordRecall {
            word: word.clone(),
            relevant: relevant.len(),
            returned: hits.len(),
            found,
            correct,
            recall: ratio(found, relevant.len()),
            precision: ratio(correct, hits.len()),
        });
    }
    Ok(out)
}

fn col(headers: &csv::StringRecord, name: &str) -> Option<usize> {
    headers.iter().position(|h| h.trim() == name)
}

fn parse_time(s: &str) -> Option<NaiveDateTime> {
    let s = s.trim();
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y/%m/%d %H:%M:%S"))
        .or_else(|_| NaiveDateTime::parse_from_str(&format!("{s} 00:00:00"), "%Y-%m-%d %H:%M:%S"))
        .ok()
}

/// Column names of one csv layout: id, title, narrative, time, reply, department.
struct Layout<'a> {
    prefix: &'a str,
    id: &'a str,
    title: &'a str,
    narrative: &'a str,
    time: &'a str,
    reply: Option<&'a str>,
    department: Option<&'a str>,
}

/// Reads a csv with named columns into cases; rows without text are skipped.
fn read_csv(path: &Path, l: &Layout) -> Result<Vec<Case>> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    let h = rdr.headers()?.clone();
    let need = |n: &str| col(&h, n).with_context(|| format!("{}: no column {n}", path.display()));
    let (ci, ct, cn, cd) = (
        need(l.id)?,
        need(l.title)?,
        need(l.narrative)?,
        need(l.time)?,
    );
    let cr = l.reply.and_then(|n| col(&h, n));
    let cdept = l.department.and_then(|n| col(&h, n));
    let mut out = Vec::new();
    for (row, rec) in rdr.records().enumerate() {
        let rec = rec.with_context(|| format!("{}: row {}", path.display(), row + 1))?;
        let get = |i: usize| rec.get(i).map(str::trim).filter(|s| !s.is_empty());
        let Some(narrative) = get(cn) else { continue };
        let id = match get(ci) {
            Some(id) => format!("{}{}", l.prefix, id),
            None => format!("{}row{}", l.prefix, row + 1),
        };
        let mut c = Case::new(id, narrative);
        c.title = get(ct).map(str::to_string);
        c.received_at = get(cd).and_then(parse_time);
        c.reply = cr.and_then(get).map(str::to_string);
        c.department = cdept.and_then(get).map(str::to_string);
        c.source.file = path.display().to_string();
        c.source.locator = format!("row {}", row + 1);
        out.push(c);
    }
    Ok(out)
}

/// The hotspot messages, replies and mailbox letters of the shared datasets as cases
/// (ids prefixed `hm`, `rp`, `ml`; later rows win on repeated ids).
pub fn load_shared_cases(shared: &Path) -> Result<Vec<Case>> {
    let ds = shared.join("datasets");
    let mut all = read_csv(
        &ds.join("tipdm2020c/hotspot_messages.csv"),
        &Layout {
            prefix: "hm",
            id: "留言编号",
            title: "留言主题",
            narrative: "留言详情",
            time: "留言时间",
            reply: None,
            department: None,
        },
    )?;
    all.extend(read_csv(
        &ds.join("tipdm2020c/replies.csv"),
        &Layout {
            prefix: "rp",
            id: "留言编号",
            title: "留言主题",
            narrative: "留言详情",
            time: "留言时间",
            reply: Some("答复意见"),
            department: None,
        },
    )?);
    all.extend(read_csv(
        &ds.join("shangluo_mailbox/mails.csv"),
        &Layout {
            prefix: "ml",
            id: "mail_id",
            title: "title",
            narrative: "query",
            time: "query_date",
            reply: Some("reply"),
            department: Some("reply_agency"),
        },
    )?);
    Ok(dedup_by_id(all))
}

/// One case per id, the last one winning (as the store keeps them).
pub fn dedup_by_id(all: Vec<Case>) -> Vec<Case> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut dedup: Vec<Case> = Vec::with_capacity(all.len());
    for c in all {
        match seen.get(&c.id) {
            Some(&i) => dedup[i] = c,
            None => {
                seen.insert(c.id.clone(), dedup.len());
                dedup.push(c);
            }
        }
    }
    dedup
}

/// Loads the labelled messages (`留言详情`, `留言主题`, `一级标签`) of a tipdm-style csv:
/// cases with `label` set; rows without a label or text are skipped.
pub fn load_labeled(path: &Path) -> Result<Vec<Case>> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    let h = rdr.headers()?.clone();
    let cn = col(&h, "留言详情")
        .or_else(|| col(&h, "分词文本"))
        .with_context(|| format!("{}: no column 留言详情", path.display()))?;
    let cl = col(&h, "一级标签")
        .or_else(|| col(&h, "一级分类"))
        .with_context(|| format!("{}: no column 一级标签", path.display()))?;
    let ct = col(&h, "留言主题");
    let mut out = Vec::new();
    for (row, rec) in rdr.records().enumerate() {
        let rec = rec.with_context(|| format!("{}: row {}", path.display(), row + 1))?;
        let get = |i: usize| rec.get(i).map(str::trim).filter(|s| !s.is_empty());
        let (Some(text), Some(label)) = (get(cn), get(cl)) else {
            continue;
        };
        let mut c = Case::new(format!("row{}", row + 1), text);
        c.title = ct.and_then(get).map(str::to_string);
        c.label = Some(label.to_string());
        out.push(c);
    }
    Ok(out)
}

/// (id, excerpt) pairs.
pub type Examples = Vec<(String, String)>;

/// Up to `n` cases that contain `word` but were not returned, and up to `n` returned cases
/// that contain neither it nor a synonym: (id, text around the word or the start).
pub fn examples(
    store: &CaseStore,
    cases: &[Case],
    word: &str,
    opts: QueryOptions,
    n: usize,
) -> Result<(Examples, Examples)> {
    let w = word.to_lowercase();
    let mut accepted: Vec<String> = vec![w.clone()];
    if opts.synonyms {
        accepted.extend(synonyms().expand(&w).into_iter().map(str::to_lowercase));
    }
    let searcher = store.reader().searcher();
    let f = store.fields();
    let mut hit_ids = HashSet::new();
    for a in super::matching_docs(store, word, opts)? {
        let doc: TantivyDocument = searcher.doc(a)?;
        if let Some(id) = doc.get_first(f.id).and_then(|v| v.as_str()) {
            hit_ids.insert(id.to_string());
        }
    }
    let around = |t: &str, needle: &str| -> String {
        let at = t.find(needle).unwrap_or(0);
        let start = t[..at]
            .char_indices()
            .rev()
            .nth(15)
            .map(|(b, _)| b)
            .unwrap_or(0);
        t[start..]
            .chars()
            .take(40)
            .collect::<String>()
            .replace('\n', " ")
    };
    let mut missed = Vec::new();
    let mut wrong = Vec::new();
    for c in cases {
        let t = searchable_text(c);
        let hit = hit_ids.contains(&c.id);
        if !hit && t.contains(&w) && missed.len() < n {
            missed.push((c.id.clone(), around(&t, &w)));
        }
        if hit && !accepted.iter().any(|a| t.contains(a.as_str())) && wrong.len() < n {
            wrong.push((c.id.clone(), around(&t, "")));
        }
    }
    Ok((missed, wrong))
}
