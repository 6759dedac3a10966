//! The report's text, written once: [`outline`] turns a [`MonthlyReport`] into a list of
//! [`Block`]s (headings, paragraphs, list items, charts, the annex table) in the seeds' wording,
//! and the markdown, HTML and docx renderers only lay the blocks out.

use chrono::Datelike;

use crate::model::Kind;

use super::{
    fmt_num, fmt_pct, zh_number, CaseSummary, DepartmentRow, MonthlyReport, NameCount,
    TopicSummary, Trend,
};

/// A chart the HTML report draws (the other formats skip it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartKind {
    /// Work orders by 诉求类型.
    Kinds,
    /// Work orders per department (top 15).
    Departments,
    /// Work orders per day.
    Daily,
    /// The leading hotspot topics.
    Topics,
    /// 满意度 breakdown.
    Satisfaction,
}

/// A table: optional group header cells (text, column span), the header, body rows, a total row.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    pub groups: Vec<(String, usize)>,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub total: Option<Vec<String>>,
}

/// One unit of report text.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// The report heading.
    Title(String),
    /// A line under the heading (issuing office, period).
    Subtitle(String),
    /// 一、基本情况 ...
    Heading1(String),
    /// （一）...
    Heading2(String),
    Para(String),
    /// A list item.
    Item(String),
    /// A small-print note.
    Note(String),
    /// A right-aligned line: the issuing office and date under the body (落款).
    Sign(String),
    Chart(ChartKind),
    Table(Table),
}

/// 我县 / 我区 / 我市 from the 单位名称.
fn subject(report: &MonthlyReport) -> &'static str {
    match report.title.as_deref().and_then(|t| t.chars().last()) {
        Some('县') => "我县",
        Some('区') => "我区",
        Some('市') => "我市",
        Some('镇') => "我镇",
        _ => "我单位",
    }
}

/// 县直单位 / 区直单位 / 市直单位.
fn county_label(report: &MonthlyReport) -> &'static str {
    match report.title.as_deref().and_then(|t| t.chars().last()) {
        Some('区') => "区直单位",
        Some('市') => "市直单位",
        _ => "县直单位",
    }
}

/// 镇, or 镇（乡、街道） when the towns are not all 镇.
fn town_label(towns: &[NameCount]) -> &'static str {
    if towns.iter().all(|t| t.name.ends_with('镇')) {
        "镇"
    } else {
        "镇（乡、街道）"
    }
}

fn count_word(n: usize) -> String {
    if n == 2 {
        "两".to_string()
    } else {
        zh_number(n)
    }
}

fn name_counts(list: &[NameCount]) -> String {
    list.iter()
        .map(|d| format!("{}（{}件）", d.name, d.count))
        .collect::<Vec<_>>()
        .join("、")
}

fn bracket_numbers(i: usize) -> String {
    format!("（{}）", zh_number(i))
}

/// `较上月（n件）增长x%` and the like.
fn change_phrase(label: &str, prev: usize, change: Option<f64>) -> String {
    match change {
        Some(c) if c > 0.0 => format!("较{label}（{prev}件）增长{}", fmt_pct(c)),
        Some(c) if c < 0.0 => format!("较{label}（{prev}件）下降{}", fmt_pct(-c)),
        Some(_) => format!("与{label}（{prev}件）持平"),
        None => format!("{label}为{prev}件"),
    }
}

fn points_phrase(label: &str, prev: f64, points: f64) -> String {
    if points > 0.0 {
        format!(
            "较{label}（{}）上升{}个百分点",
            fmt_pct(prev),
            fmt_num(points)
        )
    } else if points < 0.0 {
        format!(
            "较{label}（{}）下降{}个百分点",
            fmt_pct(prev),
            fmt_num(-points)
        )
    } else {
        format!("与{label}（{}）持平", fmt_pct(prev))
    }
}

/// The start of `text`, in whole sentences, at most about `max` characters: sentences are
/// kept while they fit; a first sentence longer than `max` is cut at its last comma that fits
/// (and marked with ……). Whitespace is collapsed.
pub fn sentences(text: &str, max: usize) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = String::new();
    let mut len = 0;
    let mut rest = flat.as_str();
    while !rest.is_empty() {
        let end = rest
            .char_indices()
            .find(|(_, c)| matches!(c, '。' | '！' | '？' | '；'))
            .map(|(i, c)| i + c.len_utf8())
            .unwrap_or(rest.len());
        let (sentence, tail) = rest.split_at(end);
        let n = sentence.chars().count();
        if len + n > max {
            break;
        }
        out.push_str(sentence);
        len += n;
        rest = tail;
    }
    if out.is_empty() {
        let head: String = flat.chars().take(max).collect();
        let cut = head
            .char_indices()
            .filter(|(_, c)| matches!(c, '，' | ','))
            .map(|(i, _)| i)
            .next_back()
            .filter(|i| *i > 0)
            .unwrap_or(head.len());
        out = format!("{}……", head[..cut].trim_end());
        return out;
    }
    if !rest.is_empty() && out.ends_with('；') {
        out.pop();
        out.push('。');
    }
    out
}

/// Words that mark an opening clause as a salutation (尊敬的领导：, 网友你好，).
const SALUTATIONS: [&str; 5] = ["尊敬", "领导", "您好", "你好", "网友"];

/// `text` without its opening salutations: a short first clause (up to the first ：or ，)
/// that greets rather than tells.
pub fn strip_greeting(text: &str) -> &str {
    let mut rest = text.trim_start();
    for _ in 0..2 {
        let Some((i, c)) = rest
            .char_indices()
            .find(|(_, c)| matches!(c, '：' | '，' | ':' | ',' | '！'))
        else {
            break;
        };
        let head = &rest[..i];
        if head.chars().count() > 16 || !SALUTATIONS.iter().any(|w| head.contains(w)) {
            break;
        }
        rest = rest[i + c.len_utf8()..].trim_start();
    }
    rest
}

/// `s` ending in a full stop.
fn full_stop(mut s: String) -> String {
    if !s.ends_with(['。', '！', '？', '…']) {
        s.push('。');
    }
    s
}

/// `M月D日` of a closing time, for "已于……办结".
fn zh_day(at: chrono::NaiveDateTime) -> String {
    format!("{}月{}日", at.month(), at.day())
}

/// An urgent case told as the seeds tell one: when, what the citizen reported, whom the office
/// called, what was done and when it was solved. A report document's case already is such a
/// story and is told as written.
pub fn urgent_story(c: &CaseSummary, office: &str) -> String {
    if c.section.is_some() {
        return full_stop(sentences(&c.narrative, 320));
    }
    let mut s = String::new();
    if let Some(d) = c.zh_date() {
        s.push_str(&d);
        s.push('，');
    }
    s.push_str("市民反映：");
    s.push_str(&full_stop(sentences(strip_greeting(&c.narrative), 120)));
    match (c.department.as_deref(), c.reply.as_deref()) {
        (Some(d), Some(r)) => {
            s.push_str(&format!("接到工单后，{office}第一时间联系{d}，{d}回复："));
            s.push_str(&full_stop(sentences(strip_greeting(r), 150)));
        }
        (Some(d), None) => s.push_str(&format!("接到工单后，{office}第一时间将工单转{d}处置。")),
        (None, Some(r)) => {
            s.push_str("处理情况：");
            s.push_str(&full_stop(sentences(strip_greeting(r), 150)));
        }
        (None, None) => s.push_str("工单已转有关部门处置。"),
    }
    if let (Some(at), true) = (c.closed_at, c.reply.is_some()) {
        s.push_str(&format!("该问题已于{}办结。", zh_day(at)));
    }
    if c.similar_cases > 0 {
        s.push_str(&format!("（本月同类诉求另有{}件。）", c.similar_cases));
    }
    s
}

/// A typical case as seed 003 tells one: `4月10日，市民来电投诉：……。县交警大队受理工单后回复：
/// ……。回访：满意。` A report document's case is told as written.
pub fn typical_story(c: &CaseSummary) -> String {
    if c.section.is_some() {
        return full_stop(sentences(&c.narrative, 400));
    }
    let mut s = String::new();
    if let Some(d) = c.zh_date() {
        s.push_str(&d);
        s.push('，');
    }
    match c.kind {
        Some(k) if k != "其他" => s.push_str(&format!("市民来电{k}：")),
        _ => s.push_str("市民反映："),
    }
    s.push_str(&full_stop(sentences(strip_greeting(&c.narrative), 150)));
    if let Some(r) = &c.reply {
        match &c.department {
            Some(d) => s.push_str(&format!("{d}受理工单后回复：")),
            None => s.push_str("处理结果："),
        }
        s.push_str(&full_stop(sentences(strip_greeting(r), 200)));
    }
    if let (Some(sat), true) = (c.satisfaction, c.reply.is_some()) {
        s.push_str(&format!("回访：{sat}。"));
    }
    s
}

/// The annex table's group header, header and per-department cells.
pub fn annex_columns(report: &MonthlyReport) -> (Vec<(String, usize)>, Vec<String>, bool) {
    let with_other = report.departments_total.by_kind.get(Kind::Other)
        + report.departments_total.unknown_kind
        > 0;
    let mut header: Vec<String> = ["职能部门", "工单总数", "黄牌", "红牌"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let kinds = annex_kinds(with_other);
    header.extend(kinds.iter().map(|k| k.to_string()));
    header.extend(
        ["满意", "基本满意", "不满意", "未评价", "满意率"]
            .iter()
            .map(|s| s.to_string()),
    );
    let groups = vec![
        (String::new(), 4),
        ("工单分类".to_string(), kinds.len()),
        ("满意度".to_string(), 5),
    ];
    (groups, header, with_other)
}

/// The kind columns of the annex, in the seeds' order.
pub fn annex_kinds(with_other: bool) -> Vec<&'static str> {
    let mut k = vec!["咨询", "投诉", "举报", "求助", "建议", "表扬"];
    if with_other {
        k.push("其他");
    }
    k
}

/// The kind counts of a row, in [`annex_kinds`] order.
pub fn annex_kind_counts(r: &DepartmentRow, with_other: bool) -> Vec<usize> {
    let mut v = vec![
        r.by_kind.get(Kind::Inquiry),
        r.by_kind.get(Kind::Complaint),
        r.by_kind.get(Kind::Report),
        r.by_kind.get(Kind::HelpRequest),
        r.by_kind.get(Kind::Suggestion),
        r.by_kind.get(Kind::Praise),
    ];
    if with_other {
        v.push(r.by_kind.get(Kind::Other) + r.unknown_kind);
    }
    v
}

/// A count cell: empty for zero, as the seeds' annex prints it.
fn count_cell(n: usize) -> String {
    if n == 0 {
        String::new()
    } else {
        n.to_string()
    }
}

fn annex_row(r: &DepartmentRow, with_other: bool) -> Vec<String> {
    let mut row = vec![
        r.name.clone(),
        r.total.to_string(),
        count_cell(r.yellow_cards),
        count_cell(r.red_cards),
    ];
    row.extend(annex_kind_counts(r, with_other).into_iter().map(count_cell));
    row.extend([
        count_cell(r.satisfied),
        count_cell(r.basically_satisfied),
        count_cell(r.dissatisfied),
        count_cell(r.unrated),
        r.satisfaction_rate
            .map(fmt_pct)
            .unwrap_or_else(|| "—".into()),
    ]);
    row
}

/// The annex (附件) table.
pub fn annex_table(report: &MonthlyReport) -> Table {
    let (groups, header, with_other) = annex_columns(report);
    let rows = report
        .departments
        .iter()
        .map(|r| annex_row(r, with_other))
        .collect();
    let mut total = annex_row(&report.departments_total, with_other);
    total[0] = "合计".to_string();
    Table {
        groups,
        header,
        rows,
        total: Some(total),
    }
}

/// The annex title: `{title}承办12345政务服务便民热线{YYYY}年{M}月工单办理情况表`.
pub fn annex_title(report: &MonthlyReport) -> String {
    let month = format!("{}年{}月", report.year, report.month_number);
    match report.title.as_deref() {
        Some(t) => format!("{t}承办12345政务服务便民热线{month}工单办理情况表"),
        None => format!("12345政务服务便民热线{month}工单办理情况表"),
    }
}

/// The whole report as blocks.
pub fn outline(report: &MonthlyReport) -> Vec<Block> {
    let mut b = Vec::new();
    b.push(Block::Title(report.heading.clone()));
    b.push(Block::Subtitle(format!(
        "（统计期间：{}年{}月1日至{}月{}日）",
        report.year,
        report.month_number,
        report.month_number,
        report.daily.len()
    )));
    basic(report, &mut b);
    hotspots(report, &mut b);
    cases(report, &mut b);
    satisfaction(report, &mut b);
    signature(report, &mut b);
    annex(report, &mut b);
    b
}

fn basic(report: &MonthlyReport, b: &mut Vec<Block>) {
    let ym = format!("{}年{}月", report.year, report.month_number);
    b.push(Block::Heading1("一、基本情况".into()));
    if report.total == 0 {
        b.push(Block::Para(format!(
            "{ym}，未导入本月的工单数据，以下热点与案例依据本月的报告文档整理。"
        )));
        return;
    }
    let mut p = format!(
        "{ym}，{}承办12345政务服务便民热线转派工单总量为{}件",
        subject(report),
        report.total
    );
    if report.unknown_status == report.total {
        p.push_str("（工单数据未注明办理状态）");
    } else {
        p.push_str(&format!(
            "，其中已撤销工单{}件，已办结工单{}件，正在处理中的工单{}件",
            report.withdrawn, report.closed, report.in_progress
        ));
        if report.not_accepted > 0 {
            p.push_str(&format!("，不予立案工单{}件", report.not_accepted));
        }
        if report.unknown_status > 0 {
            p.push_str(&format!("，另有{}件未注明办理状态", report.unknown_status));
        }
    }
    p.push('。');
    let mut cmp = Vec::new();
    if let Some(c) = &report.previous_month {
        cmp.push(change_phrase("上月", c.total, c.total_change_percent));
    }
    if let Some(c) = &report.same_month_last_year {
        cmp.push(change_phrase("去年同期", c.total, c.total_change_percent));
    }
    if !cmp.is_empty() {
        p.push_str(&format!("工单总量{}。", cmp.join("，")));
    }
    b.push(Block::Para(p));

    let mut n = 0;
    let kinds: Vec<String> = Kind::ALL
        .iter()
        .filter(|k| report.by_kind.get(**k) > 0)
        .map(|k| {
            format!(
                "{}类（{}件）占工单总量的{}",
                k.as_str(),
                report.by_kind.get(*k),
                fmt_pct(report.by_kind_percent.get(*k))
            )
        })
        .collect();
    if !kinds.is_empty() {
        n += 1;
        let mut p = format!("{}从性质来看，{}。", bracket_numbers(n), kinds.join("；"));
        if report.unknown_kind > 0 {
            p.push_str(&format!("另有{}件未注明诉求类型。", report.unknown_kind));
        }
        b.push(Block::Para(p));
        b.push(Block::Chart(ChartKind::Kinds));
    } else {
        n += 1;
        b.push(Block::Para(format!(
            "{}从性质来看，工单数据未注明诉求类型（{}件）。",
            bracket_numbers(n),
            report.unknown_kind
        )));
    }

    let county = &report.top_county_departments;
    let towns = &report.top_town_departments;
    if !county.is_empty() || !towns.is_empty() {
        n += 1;
        let text = if !county.is_empty() && !towns.is_empty() {
            format!(
                "{}从转派情况来看，承办工单量前{}名的{}是：{}；承办工单量前{}名的{}是：{}。",
                bracket_numbers(n),
                count_word(county.len()),
                county_label(report),
                name_counts(county),
                count_word(towns.len()),
                town_label(towns),
                name_counts(towns)
            )
        } else {
            let top: Vec<NameCount> = report.top_departments.iter().take(5).cloned().collect();
            format!(
                "{}从转派情况来看，承办工单量前{}名的职能单位是：{}。",
                bracket_numbers(n),
                count_word(top.len()),
                name_counts(&top)
            )
        };
        b.push(Block::Para(text));
        b.push(Block::Chart(ChartKind::Departments));
    }

    if !report.by_channel.is_empty() {
        n += 1;
        let list = report
            .by_channel
            .iter()
            .map(|c| format!("{}渠道{}件（占{}）", c.name, c.count, fmt_pct(c.percent)))
            .collect::<Vec<_>>()
            .join("，");
        b.push(Block::Para(format!(
            "{}从来源渠道来看，{}。",
            bracket_numbers(n),
            list
        )));
    }
    if report.daily.iter().any(|d| d.count > 0) {
        n += 1;
        let peak = report
            .daily
            .iter()
            .max_by(|a, b| a.count.cmp(&b.count).then_with(|| b.day.cmp(&a.day)))
            .expect("a month has days");
        let avg = report.total as f64 / report.daily.len() as f64;
        b.push(Block::Para(format!(
            "{}从受理时间来看，日均受理{}件，{}月{}日受理量最多（{}件）。",
            bracket_numbers(n),
            fmt_num((avg * 100.0).round() / 100.0),
            report.month_number,
            peak.day,
            peak.count
        )));
        b.push(Block::Chart(ChartKind::Daily));
    }
}

/// 一是 / 二是 ... for the appeals list.
fn ordinal(i: usize) -> String {
    format!("{}是", zh_number(i))
}

/// A leading topic's paragraph: its count and share, its trend, then "市民反映的主要诉求有：
/// 一是……；二是……".
fn topic_paragraph(t: &TopicSummary, basis_label: &str) -> String {
    let mut p = format!(
        "本月共受理{}类诉求{}件，占{}的{}",
        t.name,
        t.count,
        basis_label,
        fmt_pct(t.percent)
    );
    match (t.trend, t.previous) {
        (Trend::New, _) => p.push_str("，上月无此类诉求，为本月新出现的问题"),
        (_, Some(prev)) => {
            p.push('，');
            p.push_str(&change_phrase("上月", prev, t.change_percent));
        }
        _ => {}
    }
    p.push('。');
    if !t.appeals.is_empty() {
        let list: Vec<String> = t
            .appeals
            .iter()
            .enumerate()
            .map(|(i, a)| {
                if a.count > 1 {
                    format!("{}{}（{}件）", ordinal(i + 1), a.text, a.count)
                } else {
                    format!("{}{}", ordinal(i + 1), a.text)
                }
            })
            .collect();
        p.push_str(&format!("市民反映的主要诉求有：{}。", list.join("；")));
    }
    p
}

fn hotspots(report: &MonthlyReport, b: &mut Vec<Block>) {
    b.push(Block::Heading1("二、热点问题".into()));
    let basis_label = if report.total > 0 {
        "工单总量"
    } else {
        "本月案例"
    };
    let mut n = 0;
    let mut shown_ranks = std::collections::HashSet::new();
    if !report.hotspot_topics.is_empty() {
        b.push(Block::Para(
            "本月12345政务服务便民热线（网络问政）工单反映较多的问题，主要为：".into(),
        ));
        b.push(Block::Chart(ChartKind::Topics));
    }
    for t in &report.hotspot_topics {
        n += 1;
        b.push(Block::Heading2(format!(
            "{}{}问题",
            bracket_numbers(n),
            t.name
        )));
        b.push(Block::Para(topic_paragraph(t, basis_label)));
        if let Some(s) = t.suggestion.as_deref().filter(|s| !s.is_empty()) {
            b.push(Block::Para(s.to_string()));
        }
        shown_ranks.extend(
            report
                .hotspots
                .iter()
                .filter(|h| t.hotspot_ranks.contains(&h.rank) && h.case_count <= t.count)
                .map(|h| h.rank),
        );
    }
    let others: Vec<_> = report
        .hotspots
        .iter()
        .filter(|h| !shown_ranks.contains(&h.rank))
        .collect();
    if !others.is_empty() {
        n += 1;
        let head = if report.hotspot_topics.is_empty() {
            "具体热点"
        } else {
            "其他值得关注的具体热点"
        };
        b.push(Block::Heading2(format!("{}{head}", bracket_numbers(n))));
        let list: Vec<String> = others
            .iter()
            .map(|h| {
                match h
                    .topic_name
                    .as_deref()
                    .filter(|_| h.topic.as_deref() != Some("other"))
                {
                    Some(t) => format!("{}（{}件，{t}）", h.label, h.case_count),
                    None => format!("{}（{}件）", h.label, h.case_count),
                }
            })
            .collect();
        b.push(Block::Para(format!(
            "此外，市民集中反映的具体问题还有：{}。",
            list.join("；")
        )));
    }
    if !report.rising_topics.is_empty() {
        n += 1;
        b.push(Block::Heading2(format!(
            "{}上升较快和新出现的问题",
            bracket_numbers(n)
        )));
        let parts: Vec<String> = report
            .rising_topics
            .iter()
            .map(|t| match (t.trend, t.previous) {
                (Trend::New, _) => format!("{}类诉求为本月新出现（{}件）", t.name, t.count),
                (_, Some(prev)) => format!(
                    "{}类诉求由上月{}件增至{}件（增长{}）",
                    t.name,
                    prev,
                    t.count,
                    t.change_percent.map(fmt_pct).unwrap_or_default()
                ),
                _ => format!("{}类诉求{}件", t.name, t.count),
            })
            .collect();
        b.push(Block::Para(format!(
            "与上月相比，{}，请相关职能部门予以关注。",
            parts.join("；")
        )));
    }
    if n == 0 {
        b.push(Block::Para(
            "本月数据中未识别出集中反映的热点问题（工单尚未分类标注或数量较少）。".into(),
        ));
    }
}

/// The issuing office as the text names it (县热线办 in the seeds' stories).
fn office_short(report: &MonthlyReport) -> String {
    format!("{}12345热线办", subject(report))
}

fn cases(report: &MonthlyReport, b: &mut Vec<Block>) {
    b.push(Block::Heading1("三、应急处置与典型案例".into()));
    b.push(Block::Heading2("（一）应急处置情况".into()));
    if report.urgent_cases.is_empty() {
        b.push(Block::Para("本月未发现需应急处置的工单。".into()));
    }
    let office = office_short(report);
    for c in &report.urgent_cases {
        b.push(Block::Para(urgent_story(c, &office)));
    }
    b.push(Block::Heading2("（二）典型案例".into()));
    if report.typical_cases.is_empty() {
        b.push(Block::Para("本月无可摘选的典型案例。".into()));
    }
    for (i, c) in report.typical_cases.iter().enumerate() {
        b.push(Block::Para(format!("{}. {}", i + 1, typical_story(c))));
    }
}

fn satisfaction(report: &MonthlyReport, b: &mut Vec<Block>) {
    b.push(Block::Heading1("四、满意度与时效".into()));
    if report.total == 0 {
        b.push(Block::Para(
            "本月无工单数据，不统计满意度与办理时效。".into(),
        ));
        return;
    }
    let p = match (report.overdue, report.yellow_cards, report.red_cards) {
        (o, Some(y), Some(r)) if o.unwrap_or(0) == 0 && y == 0 && r == 0 => format!(
            "本月，共向各有关单位转派工单{}件，无超期回复导致系统发放红黄牌情况。",
            report.total
        ),
        (o, Some(y), Some(r)) => {
            let mut s = format!("本月，共向各有关单位转派工单{}件，其中", report.total);
            if let Some(o) = o {
                s.push_str(&format!("超期回复{o}件，"));
            }
            s.push_str(&format!("系统发放黄牌{y}单、红牌{r}单。"));
            s
        }
        (Some(o), _, _) => format!(
            "本月，共向各有关单位转派工单{}件，其中超期回复{o}件（工单数据未含红黄牌信息）。",
            report.total
        ),
        _ => format!(
            "本月，共向各有关单位转派工单{}件（工单数据未含办理时限和红黄牌信息，不统计超期情况）。",
            report.total
        ),
    };
    b.push(Block::Para(p));

    let s = &report.satisfaction;
    let mut p = match s.rate {
        Some(r) => format!(
            "12345政务服务便民热线（网络问政）对办结的工单自动发起满意度调查。本月，共对{}件已办结工单（不含撤销单）发起满意度调查，回访评价满意{}件，基本满意{}件，不满意{}件，未评价{}件，群众满意率为{}",
            s.closed, s.satisfied, s.basically_satisfied, s.dissatisfied, s.unrated, fmt_pct(r)
        ),
        None if s.closed == 0 => "本月无已办结工单，不计算满意率".to_string(),
        None => format!(
            "本月已办结工单{}件（不含撤销单），工单数据未含回访评价结果，不计算满意率",
            s.closed
        ),
    };
    let mut cmp = Vec::new();
    for (label, c) in [
        ("上月", &report.previous_month),
        ("去年同期", &report.same_month_last_year),
    ] {
        if let Some(c) = c {
            if let (Some(prev), Some(pts)) = (c.satisfaction_rate, c.satisfaction_change_points) {
                cmp.push(points_phrase(label, prev, pts));
            }
        }
    }
    if !cmp.is_empty() {
        p.push('，');
        p.push_str(&cmp.join("，"));
    }
    p.push('。');
    b.push(Block::Para(p));
    if s.rate.is_some() {
        b.push(Block::Chart(ChartKind::Satisfaction));
    }

    if let Some(overall) = s.rate {
        let mut low: Vec<&DepartmentRow> = report
            .departments
            .iter()
            .filter(|d| d.total >= 5 && d.satisfaction_rate.is_some_and(|r| r < overall))
            .collect();
        low.sort_by(|a, b| {
            a.satisfaction_rate
                .partial_cmp(&b.satisfaction_rate)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then_with(|| b.total.cmp(&a.total))
        });
        if !low.is_empty() {
            let list = low
                .iter()
                .take(5)
                .map(|d| {
                    format!(
                        "{}（办结{}件，不满意{}件，满意率{}）",
                        d.name,
                        d.total,
                        d.dissatisfied,
                        fmt_pct(d.satisfaction_rate.unwrap_or(0.0))
                    )
                })
                .collect::<Vec<_>>()
                .join("、");
            b.push(Block::Para(format!(
                "办结5件以上、满意率低于总体水平的单位有：{list}。建议上述单位主动联系市民，了解真实诉求，做好问题解决后的回访工作。"
            )));
        }
    }
    b.push(Block::Note(
        "注：满意率 =（已办结工单数 − 不满意工单数）÷ 已办结工单数；未评价工单计入分母。".into(),
    ));
}

/// The 落款 under the body: the annex line, the issuing office and the date.
fn signature(report: &MonthlyReport, b: &mut Vec<Block>) {
    b.push(Block::Para(format!("附件：{}", annex_title(report))));
    b.push(Block::Sign(
        report.office.office_name(report.title.as_deref()),
    ));
    if let Some(d) = &report.issued {
        b.push(Block::Sign(d.clone()));
    }
}

/// The closing lines after the annex: 抄送, 发, 编辑单位, 电话 ... (those the profile fills).
fn closing(report: &MonthlyReport, b: &mut Vec<Block>) {
    let o = &report.office;
    let editor = o.office_name(report.title.as_deref());
    for (label, value) in [
        ("抄送", o.cc.as_str()),
        ("发", o.to.as_str()),
        ("编辑单位", editor.as_str()),
        ("电话（传真）", o.phone.as_str()),
        ("邮箱", o.email.as_str()),
        ("网站", o.website.as_str()),
    ] {
        let value = value.trim();
        if !value.is_empty() {
            b.push(Block::Note(format!("{label}：{value}")));
        }
    }
}

fn annex(report: &MonthlyReport, b: &mut Vec<Block>) {
    b.push(Block::Heading1(format!("附件：{}", annex_title(report))));
    if report.departments.is_empty() {
        b.push(Block::Para("本月无已办结工单。".into()));
    } else {
        b.push(Block::Table(annex_table(report)));
    }
    closing(report, b);
}
