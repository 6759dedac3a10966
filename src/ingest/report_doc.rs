//! Report documents (plain text or markdown, as hotline offices publish their monthly and
//! quarterly reports) to [`Case`]s.
//!
//! What is extracted:
//! - `案件公文号NNN来电反映：… 处理结果：派单至X，… 回访：…` blocks: one case each, the number
//!   as id, the department from `派单至`, the handling text as reply, the 回访 sentence as
//!   satisfaction;
//! - the numbered items of a 典型案例 section (`1. 刘先生 4 月 10 日来电求助：…`);
//! - the paragraphs of an 应急处理情况 / 应急处置情况 section, with `source.section =
//!   "应急处置"` so later stages can treat them as emergencies;
//! - cases cited in running text (`如群众反映… 回复内容为：…`, as 督查通报 write them);
//! - the items of 热点问题 / 热点聚焦 / 热点难点 sections (and 群众反映频率较高的问题) as
//!   [`RecordType::ReportHotspot`] cases.
//!
//! Region (翁源县 …) and period (2020年11月, 2020年第一季度 …) come from the heading; dates in
//! the text (`11 月 14 日 19 点 53 分`) are read relative to the period's year. PDF artefacts
//! are normalised first: lines broken mid-sentence are joined, spaces around Chinese text and
//! inside numbers are dropped, `[bookmark: …]` markers are removed. Ids without a case number
//! are `region+period-section-ordinal`, stable across runs.

use std::sync::LazyLock;

use anyhow::Result;
use regex::Regex;

use super::dates::find_text_date;
use super::encoding::detect;
use super::rows::{find_town, Collector};
use super::Batch;
use crate::model::{Case, Kind, RecordType, Satisfaction, Source};

fn re(s: &str) -> Regex {
    Regex::new(s).expect("valid regex")
}

/// `[bookmark: _GoBack]` and similar conversion markers.
static BOOKMARK: LazyLock<Regex> = LazyLock::new(|| re(r"\[bookmark:[^\]]*\]"));
/// A top-level section heading: `三、应急处理情况`, `2、 工单办理案例摘选`.
static SECTION: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(?:[一二三四五六七八九十]+|\d{1,2})、\s*(.{1,30})$"));
/// Any line that starts a new paragraph.
static MARKER: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:[一二三四五六七八九十]+、|\d{1,2}\s*[、.．]|[（(][一二三四五六七八九十\d]{1,3}[）)]|◆|●|■|案件公文号|附件|注：|[一二三四五六七八九十]是)",
    )
});
/// An item marker inside a section: `（1）`, `(一)`, `1.`, `◆`.
static ITEM: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^(?:[（(]([一二三四五六七八九十\d]{1,3})[）)]|(\d{1,2})\s*[.．、]|[◆●■])\s*")
});
static CASE_NO: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^案件公文号[:：]?\s*(\d{6,})\s*(来电|来信|来访|网络)?(反映|咨询|举报|投诉|求助|建议|表扬)?[:：]?",
    )
});
static REGION: LazyLock<Regex> = LazyLock::new(|| re(r"^(\p{Han}{2,4}?[县市区旗])"));
static PERIOD: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(\d{4})\s*年\s*(?:(第[一二三四]季度|[上下]半年)|(?:(\d{1,2})\s*月(?:份)?))")
});
static DOC_NO: LazyLock<Regex> = LazyLock::new(|| re(r"\p{Han}{1,4}〔\d{4}〕\d+号"));
static PERSON: LazyLock<Regex> =
    LazyLock::new(|| re(r"(\p{Han}(?:先生|女士|师傅|阿姨|大爷|老人)|来电人|市民|村民|群众)"));
static CALL_VERB: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?:来电|来信|来访)?(求助|投诉|咨询|举报|建议|表扬|反映)[:：]"));
static DISPATCH: LazyLock<Regex> = LazyLock::new(|| re(r"派单至([^，,。；;：:\s]{2,24})"));
static REPLIER: LazyLock<Regex> = LazyLock::new(|| re(r"^([^，,。；;：:\s]{2,24}?)回复[:：]"));
static HANDLER_BEFORE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(\p{Han}{2,12}?)(?:受理|接到|收到)(?:该|此)?(?:工单|通知|投诉|诉求)后"));
static HANDLER_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?:工单|通知)后[，,]\s*(\p{Han}{2,10}?(?:镇|乡|街道|局|大队|中心|办事处|公司|所|站|委员会))",
    )
});
static CONTACTED: LazyLock<Regex> =
    LazyLock::new(|| re(r"联系(\p{Han}{2,12}?(?:中心|局|大队|公司|所|站|镇|乡|街道|办事处))"));
static CITATION: LazyLock<Regex> = LazyLock::new(|| re(r"(?:再如|又如|如)群众反映"));

fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{2E80}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{FF00}'..='\u{FFEF}'
        | '\u{2018}'..='\u{201F}' | '\u{2026}' | '\u{00B7}'
        | '\u{20000}'..='\u{2FFFF}')
}

/// Drops whitespace next to Chinese text (`11 月 14 日` → `11月14日`) and inside decimals
/// (`89. 52%` → `89.52%`); collapses other runs to one space.
pub fn squeeze_spaces(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() || c == '\u{a0}' {
            let start = i;
            while i < chars.len() && (chars[i].is_whitespace() || chars[i] == '\u{a0}') {
                i += 1;
            }
            let prev = out.chars().last();
            let next = chars.get(i).copied();
            let decimal = prev == Some('.')
                && start >= 2
                && chars[start - 2].is_ascii_digit()
                && next.is_some_and(|n| n.is_ascii_digit());
            let drop = prev.is_none_or(is_cjk) || next.is_none_or(is_cjk) || decimal;
            if !drop {
                out.push(' ');
            }
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// One normalised paragraph and the raw line it starts on (1-based).
#[derive(Debug, Clone)]
pub struct Para {
    pub text: String,
    pub line: usize,
    /// A table row (tab- or pipe-separated): kept apart, never a narrative.
    pub table: bool,
    /// A markdown heading (`## 应急处置情况`).
    pub heading: bool,
}

fn ends_sentence(s: &str) -> bool {
    let t = s.trim_end_matches(['”', '’', '"', '）', ')', '」', '』']);
    t.ends_with(['。', '！', '？', '；', '!', '?', '…']) || t.ends_with('.') && !t.ends_with("..")
}

fn is_heading(s: &str) -> bool {
    (SECTION.is_match(s) || MARKER.is_match(s))
        && s.chars().count() <= 30
        && !s.contains('。')
        && !s.contains('：')
        || s.starts_with('#')
}

/// Splits a document into paragraphs, joining lines broken mid-sentence. Stops at the
/// appendix (`附件`) that follows the body.
pub fn paragraphs(text: &str) -> Vec<Para> {
    let mut paras: Vec<Para> = Vec::new();
    let mut open = false; // the last paragraph may take a continuation line
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let table = raw.contains('\t') || raw.trim_start().starts_with('|');
        let mut s = BOOKMARK.replace_all(raw, "").to_string();
        s = s.replace("**", "");
        let mut t = s.trim();
        t = t.trim_start_matches('>').trim_start();
        let heading_md = t.starts_with('#');
        t = t.trim_start_matches('#').trim_start();
        if let Some(rest) = t.strip_prefix("- ") {
            t = rest;
        }
        let t = squeeze_spaces(t);
        if t.is_empty() {
            continue;
        }
        if t.starts_with("附件") && !paras.is_empty() {
            break;
        }
        if table {
            paras.push(Para {
                text: t,
                line: line_no,
                table: true,
                heading: false,
            });
            open = false;
            continue;
        }
        let starts_new = !open || MARKER.is_match(&t) || heading_md;
        if starts_new {
            let heading = heading_md || is_heading(&t);
            open = !heading && !ends_sentence(&t);
            paras.push(Para {
                text: t,
                line: line_no,
                table: false,
                heading: heading_md,
            });
        } else {
            let last = paras.last_mut().expect("open implies a paragraph");
            let joiner = match (last.text.chars().last(), t.chars().next()) {
                (Some(a), Some(b)) if a.is_ascii_alphanumeric() && b.is_ascii_alphanumeric() => " ",
                _ => "",
            };
            last.text.push_str(joiner);
            last.text.push_str(&t);
            open = !ends_sentence(&last.text);
        }
    }
    paras
}

/// Region, period and the year dates are relative to.
#[derive(Debug, Clone, Default)]
pub struct Heading {
    pub region: Option<String>,
    pub period: Option<String>,
    pub year: Option<i32>,
    /// A document number (`平督通报〔2023〕71号`) when the heading has one.
    pub doc_no: Option<String>,
}

impl Heading {
    fn read(paras: &[Para]) -> Heading {
        let head: Vec<&Para> = paras
            .iter()
            .take_while(|p| !SECTION.is_match(&p.text))
            .collect();
        let mut h = Heading::default();
        for p in &head {
            if h.region.is_none() {
                h.region = REGION.captures(&p.text).map(|c| c[1].to_string());
            }
            if h.doc_no.is_none() {
                h.doc_no = DOC_NO.find(&p.text).map(|m| m.as_str().to_string());
            }
        }
        fn period_in<'p>(mut ps: impl Iterator<Item = &'p Para>) -> Option<(String, i32)> {
            ps.find_map(|p| {
                PERIOD.captures(&p.text).map(|c| {
                    let year: i32 = c[1].parse().unwrap_or(0);
                    let label = match (c.get(2), c.get(3)) {
                        (Some(q), _) => format!("{year}年{}", q.as_str()),
                        (_, Some(m)) => {
                            format!("{year}年{}月", m.as_str().parse::<u32>().unwrap_or(0))
                        }
                        _ => format!("{year}年"),
                    };
                    (label, year)
                })
            })
        }
        let found = period_in(head.iter().copied())
            .or_else(|| period_in(paras.iter().filter(|p| !p.table)));
        if let Some((label, year)) = found {
            h.period = Some(label);
            h.year = Some(year);
        }
        h
    }

    /// The prefix of ids for cases without a number (典型案例, 应急处置, cited cases, 热点):
    /// region + period + a short hash of the document's title lines.
    ///
    /// Region + period alone is not unique: a county can send several documents for one
    /// month (a 工作情况报告 and an 应急处置专报), and their `应急处置-1` or `热点-1` would
    /// overwrite each other in the store. The title lines tell such documents apart, while
    /// re-ingesting the same report, or a corrected version of it (the body changes, the title
    /// does not), gives the same ids, so its cases are upserted in place. The whole text is
    /// not hashed for that reason. Numbered cases (`案件公文号…`) keep their number as id.
    fn id_prefix(&self, paras: &[Para], text: &str) -> String {
        use sha2::{Digest, Sha256};
        let who = self
            .region
            .clone()
            .or_else(|| self.doc_no.clone())
            .unwrap_or_else(|| format!("r{}", &hex::encode(Sha256::digest(text.as_bytes()))[..8]));
        let title = title_lines(paras);
        let tag = &hex::encode(Sha256::digest(title.as_bytes()))[..6];
        format!("{who}{}-{tag}", self.period.clone().unwrap_or_default())
    }
}

/// The document's title lines, whitespace removed: the first three short (at most 60
/// characters) paragraphs before the first section heading (`翁源县承办…热线` +
/// `2020年11月工作情况报告`), or the start of the first paragraph when there are none.
fn title_lines(paras: &[Para]) -> String {
    let squeeze = |t: &str| t.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let lines: Vec<String> = paras
        .iter()
        .take_while(|p| !SECTION.is_match(&p.text))
        .filter(|p| !p.table)
        .map(|p| squeeze(&p.text))
        .filter(|t| !t.is_empty() && t.chars().count() <= 60)
        .take(3)
        .collect();
    if lines.is_empty() {
        paras
            .first()
            .map(|p| squeeze(&p.text).chars().take(60).collect())
            .unwrap_or_default()
    } else {
        lines.join("\n")
    }
}

/// What a section holds, from its heading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SectionKind {
    Emergency,
    Hotspot,
    TypicalCases,
    Other,
}

fn section_kind(title: &str) -> SectionKind {
    if title.contains("应急") {
        SectionKind::Emergency
    } else if title.contains("热点") || title.contains("反映频率较高") || title.contains("反映较多")
    {
        SectionKind::Hotspot
    } else if title.contains("典型案例") || title.contains("案例") {
        SectionKind::TypicalCases
    } else {
        SectionKind::Other
    }
}

fn kind_from_verb(verb: &str, narrative: &str) -> Option<Kind> {
    match verb {
        "反映" if narrative.starts_with("咨询") => Some(Kind::Inquiry),
        "反映" => Some(Kind::Complaint),
        v => Kind::parse(v),
    }
}

/// The satisfaction a return-visit or closing sentence states (`诉求人对处理结果满意`,
/// `还特别再次来电表扬`), if any.
fn satisfaction_in(text: &str) -> Option<Satisfaction> {
    if text.contains("不满意") {
        Some(Satisfaction::Dissatisfied)
    } else if text.contains("基本满意") {
        Some(Satisfaction::BasicallySatisfied)
    } else if text.contains("满意") || text.contains("表扬") || text.contains("感谢") {
        Some(Satisfaction::Satisfied)
    } else {
        None
    }
}

/// Splits a narrative-then-handling text at the first sentence that starts the handling
/// (`县交警大队受理工单后`, `接到通知后`, `我县12345热线办迅速响应`).
fn split_handling(text: &str) -> (String, Option<String>) {
    const CUES: [&str; 9] = [
        "工单后",
        "接到通知后",
        "收到通知后",
        "热线办迅速",
        "热线办第一时间",
        "热线办接到",
        "迅速响应",
        "立即派",
        "第一时间联系",
    ];
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if c == '。' || c == '！' || c == '；' {
            let next = i + c.len_utf8();
            let sentence = &text[start..next];
            if start > 0 && CUES.iter().any(|cue| sentence.contains(cue)) {
                break;
            }
            start = next;
        }
    }
    if start == 0 || start >= text.len() {
        // Also look inside the last sentence run (no cue found before the end).
        return (text.trim().to_string(), None);
    }
    let narrative = text[..start].trim().to_string();
    let rest = text[start..].trim();
    let has_cue = CUES.iter().any(|cue| rest.contains(cue));
    if has_cue {
        (narrative, Some(rest.to_string()))
    } else {
        (text.trim().to_string(), None)
    }
}

/// Builds report cases for one document.
struct Extractor<'a> {
    file: &'a str,
    heading: Heading,
    prefix: String,
    col: Collector,
}

impl Extractor<'_> {
    fn base(&self, id: String, narrative: String, para: &Para, section: &str) -> Case {
        let mut case = Case::new(id, narrative);
        case.record = RecordType::ReportCase;
        case.source = Source {
            file: self.file.to_string(),
            locator: format!("line {}", para.line),
            region: self.heading.region.clone(),
            period: self.heading.period.clone(),
            section: Some(section.to_string()),
        };
        case
    }

    fn year(&self) -> i32 {
        self.heading.year.unwrap_or(2000)
    }

    fn finish_case(&mut self, mut case: Case, para: &Para) {
        self.col.count_read();
        if case.narrative.trim().is_empty() {
            self.col.reject(
                para.line,
                "narrative",
                "no narrative: the case text is empty",
            );
            return;
        }
        if case.town.is_none() {
            case.town = find_town(&case.narrative);
        }
        self.col.push(case);
    }

    /// `案件公文号20200000805来电反映：… 处理结果：… 回访：…`
    fn case_block(&mut self, para: &Para, section: &str) {
        let Some(c) = CASE_NO.captures(&para.text) else {
            return;
        };
        let id = c[1].to_string();
        let verb = c.get(3).map_or("反映", |m| m.as_str()).to_string();
        let body = &para.text[c.get(0).map_or(0, |m| m.end())..];
        let (body, visit) = match body.rfind("回访：").or_else(|| body.rfind("回访:")) {
            Some(i) => (&body[..i], body[i..].split_once(['：', ':']).map(|x| x.1)),
            None => (body, None),
        };
        let (narrative, handling) = match body.find("处理结果") {
            Some(i) => {
                let h = body[i + "处理结果".len()..].trim_start_matches(['：', ':']);
                (&body[..i], Some(h.trim()))
            }
            None => (body, None),
        };
        let narrative = narrative.trim().to_string();
        let mut case = self.base(id, narrative.clone(), para, section);
        case.kind = kind_from_verb(&verb, &narrative);
        if let Some(h) = handling.filter(|h| !h.is_empty()) {
            case.department = DISPATCH
                .captures(h)
                .map(|c| c[1].to_string())
                .or_else(|| REPLIER.captures(h).map(|c| c[1].to_string()));
            case.reply_at = find_text_date(h, self.year()).map(|(d, _)| d);
            case.reply = Some(h.to_string());
        }
        if let Some(v) = visit {
            case.satisfaction = satisfaction_in(v);
        }
        self.finish_case(case, para);
    }

    /// A numbered 典型案例: `1. 刘先生 4 月 10 日来电求助：…`.
    fn typical_case(&mut self, text: &str, para: &Para, number: &str, section: &str) {
        let id = format!("{}-{section}-{number}", self.prefix);
        let (intro, body) = match CALL_VERB.find(text) {
            Some(m) if m.start() < 60 => (&text[..m.start()], &text[m.start()..]),
            _ => ("", text),
        };
        let verb = CALL_VERB
            .captures(body)
            .filter(|c| c.get(0).is_some_and(|m| m.start() == 0))
            .map(|c| c[1].to_string());
        let body = match &verb {
            Some(_) => CALL_VERB.replace(body, "").to_string(),
            None => body.to_string(),
        };
        let (narrative, handling) = split_handling(&body);
        let mut case = self.base(id, narrative.clone(), para, section);
        case.user = PERSON
            .find(intro)
            .map(|m| m.as_str().to_string())
            .filter(|u| u.ends_with("先生") || u.ends_with("女士") || u.ends_with("师傅"));
        case.received_at = find_text_date(intro, self.year()).map(|(d, _)| d);
        case.kind = verb.and_then(|v| kind_from_verb(&v, &narrative));
        if let Some(h) = &handling {
            case.department = handler(h);
            case.reply_at = find_text_date(h, self.year()).map(|(d, _)| d);
            case.satisfaction = satisfaction_in(h);
        }
        case.reply = handling;
        self.finish_case(case, para);
    }

    /// An 应急处置 paragraph: `11 月 14 日 19 点 53 分，吴先生反映 …`.
    fn emergency(&mut self, para: &Para, ordinal: usize) {
        let id = format!("{}-应急处置-{ordinal}", self.prefix);
        let (narrative, handling) = split_handling(&para.text);
        let mut case = self.base(id, narrative.clone(), para, "应急处置");
        case.received_at = find_text_date(&narrative, self.year()).map(|(d, _)| d);
        if let Some(m) = PERSON.find(&narrative) {
            let u = m.as_str();
            if u.ends_with("先生") || u.ends_with("女士") || u.ends_with("师傅") {
                case.user = Some(u.to_string());
            }
        }
        if let Some(m) = CALL_VERB.captures(&narrative.replace(['，', ','], "：")) {
            case.kind = kind_from_verb(&m[1], "");
        } else if narrative.contains("反映") {
            case.kind = Some(Kind::Complaint);
        }
        if let Some(h) = &handling {
            case.department = CONTACTED
                .captures(h)
                .map(|c| c[1].to_string())
                .or_else(|| handler(h));
        }
        case.reply = handling;
        self.finish_case(case, para);
    }

    /// Cases cited in running text: `如群众反映… 郭楼街道回复内容为：“…”`.
    fn citations(&mut self, para: &Para, section: &str, ordinal: &mut usize) {
        let hits: Vec<(usize, usize)> = CITATION
            .find_iter(&para.text)
            .map(|m| (m.start(), m.end()))
            .collect();
        for (k, &(_, s)) in hits.iter().enumerate() {
            let end = hits.get(k + 1).map_or(para.text.len(), |&(n, _)| n);
            let seg = para.text[s..end].trim();
            let (narrative, reply, dept) = match seg.find("回复内容为") {
                Some(i) => {
                    let before = &seg[..i];
                    // The replier is the last clause before 回复内容为 (`。郭楼街道回复内容为`).
                    let cut = before.rfind(['。', '，', ',']).map_or(0, |j| {
                        j + before[j..].chars().next().map_or(1, char::len_utf8)
                    });
                    let dept = before[cut..].trim().to_string();
                    let narrative = before[..cut].trim().trim_end_matches(['。', '，']);
                    let reply = seg[i + "回复内容为".len()..].trim_start_matches(['：', ':']);
                    (
                        narrative.to_string(),
                        Some(reply.trim().to_string()),
                        (!dept.is_empty()).then_some(dept),
                    )
                }
                None => (seg.to_string(), None, None),
            };
            *ordinal += 1;
            let id = format!("{}-{section}-{}", self.prefix, *ordinal);
            let mut case = self.base(id, narrative.clone(), para, section);
            case.kind = Some(Kind::Complaint);
            case.received_at = find_text_date(&narrative, self.year()).map(|(d, _)| d);
            case.department = dept;
            case.reply = reply;
            self.finish_case(case, para);
        }
    }

    fn hotspot(&mut self, title: String, body: Vec<String>, para: &Para, section: &str, n: usize) {
        let id = format!("{}-热点-{n}", self.prefix);
        let split = body.iter().position(|b| b.starts_with("建议"));
        let (desc, advice) = match split {
            Some(i) => (body[..i].to_vec(), body[i..].to_vec()),
            None => (body, Vec::new()),
        };
        let narrative = if desc.is_empty() {
            title.clone()
        } else {
            desc.join("\n")
        };
        let mut case = self.base(id, narrative, para, section);
        case.record = RecordType::ReportHotspot;
        case.title = Some(title);
        if !advice.is_empty() {
            case.reply = Some(advice.join("\n"));
        }
        self.finish_case(case, para);
    }
}

/// The agency handling a case, named before `受理工单后` or after `收到工单后，`.
fn handler(text: &str) -> Option<String> {
    HANDLER_BEFORE
        .captures(text)
        .map(|c| c[1].trim_start_matches(['在', '于']).to_string())
        .filter(|s| s.chars().count() >= 2 && !s.contains("热线"))
        .or_else(|| HANDLER_AFTER.captures(text).map(|c| c[1].to_string()))
}

/// Splits `（1）道路照明问题` / `◆消费维权类。共受理…` into title and inline description.
fn item_title(text: &str) -> (String, Option<String>) {
    let rest = ITEM.replace(text, "").to_string();
    match rest.find('。') {
        Some(i) if i + '。'.len_utf8() < rest.len() => (
            rest[..i].to_string(),
            Some(rest[i + '。'.len_utf8()..].trim().to_string()),
        ),
        _ => (rest.trim_end_matches('。').to_string(), None),
    }
}

/// Reads a report document held in `bytes`.
pub fn read_report(file: &str, bytes: &[u8]) -> Result<Batch> {
    let det = detect(bytes);
    let text = det.decode_lossy(&bytes[det.bom_len..]).into_owned();
    let paras = paragraphs(&text);
    let heading = Heading::read(&paras);
    let prefix = heading.id_prefix(&paras, &text);
    let mut col = Collector::new(file);
    col.set_encoding(det.name());
    let mut ex = Extractor {
        file,
        heading,
        prefix,
        col,
    };

    let mut section = String::new();
    let mut kind = SectionKind::Other;
    let mut emergencies = 0;
    let mut citations = 0;
    let mut hotspots = 0;
    let mut headings = 0;
    // The open hotspot item: title, description paragraphs, first paragraph.
    let mut hot: Option<(String, Vec<String>, Para)> = None;
    // The open typical case: number, text, first paragraph.
    let mut typical: Option<(String, String, Para)> = None;

    let flush_hot = |ex: &mut Extractor,
                     hot: &mut Option<(String, Vec<String>, Para)>,
                     section: &str,
                     n: &mut usize| {
        if let Some((title, body, para)) = hot.take() {
            *n += 1;
            ex.hotspot(title, body, &para, section, *n);
        }
    };
    let flush_typical =
        |ex: &mut Extractor, t: &mut Option<(String, String, Para)>, section: &str| {
            if let Some((number, text, para)) = t.take() {
                ex.typical_case(&text, &para, &number, section);
            }
        };

    for para in &paras {
        if para.table {
            continue;
        }
        let t = para.text.as_str();
        let section_title = SECTION
            .captures(t)
            .filter(|_| is_heading(t))
            .map(|c| c[1].trim().to_string())
            .or_else(|| (para.heading && !ITEM.is_match(t)).then(|| t.to_string()));
        if let Some(title) = section_title {
            headings += 1;
            flush_hot(&mut ex, &mut hot, &section, &mut hotspots);
            flush_typical(&mut ex, &mut typical, &section);
            section = title;
            kind = section_kind(&section);
            continue;
        }
        if CASE_NO.is_match(t) {
            flush_typical(&mut ex, &mut typical, &section);
            ex.case_block(para, &section);
            continue;
        }
        match kind {
            SectionKind::Emergency => {
                if t.chars().count() >= 15 && !is_heading(t) {
                    emergencies += 1;
                    ex.emergency(para, emergencies);
                }
            }
            SectionKind::Hotspot => {
                if ITEM.is_match(t) {
                    flush_hot(&mut ex, &mut hot, &section, &mut hotspots);
                    let (title, inline) = item_title(t);
                    hot = Some((title, inline.into_iter().collect(), para.clone()));
                } else if let Some((_, body, _)) = hot.as_mut() {
                    body.push(t.to_string());
                } else if !t.ends_with('：') && !t.ends_with(':') && t.chars().count() >= 15 {
                    let title = t.split(['，', '。']).next().unwrap_or(t).to_string();
                    hot = Some((title, vec![t.to_string()], para.clone()));
                    flush_hot(&mut ex, &mut hot, &section, &mut hotspots);
                }
            }
            SectionKind::TypicalCases => {
                if let Some(c) = ITEM.captures(t) {
                    if let Some(n) = c.get(2).or(c.get(1)) {
                        flush_typical(&mut ex, &mut typical, &section);
                        let body = ITEM.replace(t, "").to_string();
                        typical = Some((n.as_str().to_string(), body, para.clone()));
                        continue;
                    }
                }
                if let Some((_, text, _)) = typical.as_mut() {
                    text.push_str(t);
                }
            }
            SectionKind::Other => {
                if CITATION.is_match(t) {
                    ex.citations(para, &section, &mut citations);
                }
            }
        }
    }
    flush_hot(&mut ex, &mut hot, &section, &mut hotspots);
    flush_typical(&mut ex, &mut typical, &section);
    let mut batch = ex.col.finish();
    if batch.cases.is_empty() && batch.rejects.is_empty() {
        batch.warnings.push(if headings == 0 {
            format!(
                "{file}: 没有找到任何章节标题（如“一、基本情况”“# 热点问题”），未读出案件：不是月度报告？"
            )
        } else {
            format!("{file}: {headings} 个章节标题下未读出案件")
        });
    }
    Ok(batch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn squeezes_pdf_spacing() {
        assert_eq!(
            squeeze_spaces("11 月 14 日 19 点 53 分"),
            "11月14日19点53分"
        );
        assert_eq!(
            squeeze_spaces("韶关市 12345 政府服务热线"),
            "韶关市12345政府服务热线"
        );
        assert_eq!(squeeze_spaces("满意率 89. 52%"), "满意率89.52%");
        assert_eq!(squeeze_spaces("http://a.b  c"), "http://a.b c");
    }

    #[test]
    fn joins_broken_lines() {
        let text = "三、应急处理情况\n\n11 月 14 日，吴先生反映位于官渡镇\n 方向有坑，\n\n县热线办第一时间处理。\n\n四、红黄牌";
        let p = paragraphs(text);
        assert_eq!(p.len(), 3);
        assert_eq!(
            p[1].text,
            "11月14日，吴先生反映位于官渡镇方向有坑，县热线办第一时间处理。"
        );
        assert_eq!(p[1].line, 3);
    }
}
