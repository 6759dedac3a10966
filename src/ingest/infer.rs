//! Column mapping by content, for the columns no header name claimed: the first rows of a file
//! decide that a column of dates is received_at (a later one closed_at / reply_at), a column of
//! short repeated agency names (…局, …办, …中心, …镇) is the department, a column of kind,
//! status or satisfaction words is that field, the longest free text is the narrative and a
//! second long text in an office's words is the reply. Names decide where they are clear
//! ([`super::headers`]); content decides the rest; ties are reported in the mapping's warnings.
//! Also describes every column (for `hotline ingest --dry-run`) and says loudly when a file has
//! no date or no department column.

use std::collections::HashSet;

use serde::Serialize;

use super::dates::{excel_serial, parse_datetime, plausible_date};
use super::headers::{Field, Mapping, Why};
use super::rows::{clean, Cell};
use super::vocab::{
    is_kind_value, looks_like_department, looks_like_reply, parse_satisfaction, parse_status,
};

/// How many data rows the content mapping reads.
pub const SAMPLE_ROWS: usize = 200;

/// The share of a column's values that must fit a field for the content to claim it.
const DATE_SHARE: f64 = 0.8;
const ENUM_SHARE: f64 = 0.8;
const DEPARTMENT_SHARE: f64 = 0.6;
/// A free-text column's mean length (characters) from which it can be a narrative or a reply.
const LONG_TEXT: f64 = 8.0;
/// The share of values in an office's words that makes a long text a reply.
const REPLY_SHARE: f64 = 0.3;

/// What the first rows show of one column.
#[derive(Debug, Default, Clone)]
struct Profile {
    /// Non-blank values.
    n: usize,
    distinct: usize,
    mean_len: f64,
    dates: f64,
    departments: f64,
    /// Departments that are not bare towns (…镇, …乡, …街道): a town column looks like both.
    offices: f64,
    kinds: f64,
    statuses: f64,
    satisfactions: f64,
    replies: f64,
    /// Values with Chinese characters (free text, not urls or codes).
    chinese: f64,
}

/// True when the cell holds a date, not counting bare numbers a spreadsheet did not type as
/// dates (ids, counts), except the compact `20190101`.
fn is_date(cell: &Cell) -> bool {
    match cell {
        Cell::DateTime(d) => plausible_date(*d),
        Cell::Number(v) => excel_serial(*v).is_some_and(plausible_date),
        Cell::Int(i) => i.to_string().len() == 8 && text_date(&i.to_string()),
        Cell::Text(s) => {
            let t = clean(s);
            let digits = t.chars().all(|c| c.is_ascii_digit() || c == '.');
            (!digits || t.len() == 8) && text_date(t)
        }
        _ => false,
    }
}

fn text_date(t: &str) -> bool {
    matches!(parse_datetime(t), Ok(Some(d)) if plausible_date(d))
}

fn is_town(s: &str) -> bool {
    ["镇", "乡", "街道"].iter().any(|x| s.ends_with(x))
}

fn profile(samples: &[Vec<Cell>], col: usize) -> Profile {
    let cells: Vec<&Cell> = samples
        .iter()
        .filter_map(|r| r.get(col))
        .filter(|c| !c.is_blank())
        .collect();
    let n = cells.len();
    if n == 0 {
        return Profile::default();
    }
    let texts: Vec<String> = cells.iter().map(|c| clean(&c.text()).to_string()).collect();
    let share = |f: &dyn Fn(&str) -> bool| texts.iter().filter(|t| f(t)).count() as f64 / n as f64;
    let short = |t: &str| t.chars().count() <= 10;
    Profile {
        n,
        distinct: texts.iter().collect::<HashSet<_>>().len(),
        mean_len: texts.iter().map(|t| t.chars().count()).sum::<usize>() as f64 / n as f64,
        dates: cells.iter().filter(|c| is_date(c)).count() as f64 / n as f64,
        departments: share(&|t| looks_like_department(t)),
        offices: share(&|t| looks_like_department(t) && !is_town(t)),
        kinds: share(&|t| is_kind_value(t)),
        statuses: share(&|t| short(t) && parse_status(t).is_some()),
        satisfactions: share(&|t| short(t) && parse_satisfaction(t).is_some()),
        replies: share(&|t| looks_like_reply(t)),
        chinese: share(&|t| t.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))),
    }
}

impl Profile {
    /// Few distinct values for many rows: a vocabulary, not free text.
    fn repeated(&self) -> bool {
        self.n < 4 || self.distinct * 2 <= self.n || self.distinct <= 20
    }

    /// The enumerated field (kind, status, satisfaction) these values best fit, with the share.
    fn enumeration(&self) -> Option<(Field, f64)> {
        if !self.repeated() || self.mean_len > 10.0 {
            return None;
        }
        [
            (Field::Kind, self.kinds),
            (Field::Status, self.statuses),
            (Field::Satisfaction, self.satisfactions),
        ]
        .into_iter()
        .filter(|(_, s)| *s >= ENUM_SHARE)
        .max_by(|a, b| a.1.total_cmp(&b.1))
    }

    fn is_department(&self) -> bool {
        self.departments >= DEPARTMENT_SHARE && self.mean_len <= 20.0 && self.repeated()
    }

    fn is_long_text(&self) -> bool {
        self.mean_len >= LONG_TEXT && self.dates < 0.5 && self.chinese >= 0.5
    }
}

/// Maps the columns `mapping` left empty by what `samples` (the first data rows) hold, recording
/// [`Why::Content`]; two columns equally fit for one field are reported in its warnings.
pub fn refine(mapping: &mut Mapping, samples: &[Vec<Cell>]) {
    let width = mapping.headers.len();
    let profiles: Vec<Profile> = (0..width).map(|i| profile(samples, i)).collect();
    let free = |m: &Mapping, i: usize| m.fields[i].is_none() && profiles[i].n > 0;
    // Dates in column order: the first is received_at, later ones closed_at / reply_at,
    // unless the header hints at which.
    for (i, p) in profiles.iter().enumerate() {
        if !free(mapping, i) || p.dates < DATE_SHARE {
            continue;
        }
        let h = &mapping.headers[i];
        let hinted = if ["办结", "结案", "完成"].iter().any(|w| h.contains(w)) {
            Some(Field::ClosedAt)
        } else if ["答复", "回复"].iter().any(|w| h.contains(w)) {
            Some(Field::ReplyAt)
        } else if ["时限", "期限", "截止", "到期"]
            .iter()
            .any(|w| h.contains(w))
        {
            Some(Field::Deadline)
        } else {
            None
        };
        let order = [Field::ReceivedAt, Field::ClosedAt, Field::ReplyAt];
        let field = hinted
            .filter(|f| mapping.column(*f).is_none())
            .or_else(|| order.into_iter().find(|f| mapping.column(*f).is_none()));
        if let Some(f) = field {
            assign(mapping, i, f);
        }
    }
    // The department: agency names, offices preferred over bare towns.
    let mut depts: Vec<usize> = (0..width)
        .filter(|&i| free(mapping, i) && profiles[i].is_department())
        .collect();
    depts.sort_by(|&a, &b| {
        (profiles[b].offices, profiles[b].departments)
            .partial_cmp(&(profiles[a].offices, profiles[a].departments))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    if mapping.column(Field::Department).is_none() {
        if let Some(&best) = depts.first() {
            report_tie(mapping, &depts, &profiles, Field::Department, |p| p.offices);
            assign(mapping, best, Field::Department);
        }
    }
    // Kind, status, satisfaction: each column to the vocabulary it fits best.
    for field in [Field::Kind, Field::Status, Field::Satisfaction] {
        if mapping.column(field).is_some() {
            continue;
        }
        let mut cands: Vec<(usize, f64)> = (0..width)
            .filter(|&i| free(mapping, i))
            .filter_map(|i| match profiles[i].enumeration() {
                Some((f, s)) if f == field => Some((i, s)),
                _ => None,
            })
            .collect();
        cands.sort_by(|a, b| b.1.total_cmp(&a.1));
        if let Some(&(best, _)) = cands.first() {
            let cols: Vec<usize> = cands.iter().map(|c| c.0).collect();
            report_tie(mapping, &cols, &profiles, field, |p| {
                match p.enumeration() {
                    Some((_, s)) => s,
                    None => 0.0,
                }
            });
            assign(mapping, best, field);
        }
    }
    free_text(mapping, &profiles);
}

/// The narrative and the reply among the long free-text columns: with one, it is the
/// narrative; with more, the narrative is the one least in an office's words (the longest of
/// those about equal) and the reply the one most in an office's words, if it is.
fn free_text(mapping: &mut Mapping, profiles: &[Profile]) {
    let mut long: Vec<usize> = (0..mapping.headers.len())
        .filter(|&i| mapping.fields[i].is_none() && profiles[i].is_long_text())
        .collect();
    long.sort_by(|&a, &b| profiles[b].mean_len.total_cmp(&profiles[a].mean_len));
    if mapping.column(Field::Narrative).is_none() && !long.is_empty() {
        let least = long
            .iter()
            .map(|&i| profiles[i].replies)
            .fold(f64::INFINITY, f64::min);
        let pick = long
            .iter()
            .position(|&i| profiles[i].replies <= least + 0.1)
            .unwrap_or(0);
        let col = long.remove(pick);
        assign(mapping, col, Field::Narrative);
    }
    if mapping.column(Field::Reply).is_none() {
        let most = long
            .iter()
            .copied()
            .filter(|&i| profiles[i].replies >= REPLY_SHARE)
            .max_by(|&a, &b| profiles[a].replies.total_cmp(&profiles[b].replies));
        if let Some(col) = most {
            assign(mapping, col, Field::Reply);
        }
    }
}

fn assign(mapping: &mut Mapping, col: usize, field: Field) {
    mapping.fields[col] = Some(field);
    mapping.why[col] = Some(Why::Content);
}

/// Warns when the best two candidates for `field` (`cols`, best first) fit equally well.
fn report_tie(
    mapping: &mut Mapping,
    cols: &[usize],
    profiles: &[Profile],
    field: Field,
    score: impl Fn(&Profile) -> f64,
) {
    if let [a, b, ..] = cols {
        if (score(&profiles[*a]) - score(&profiles[*b])).abs() < 0.05 {
            mapping.warnings.push(format!(
                "列「{}」和「{}」的内容都像 {}：取「{}」；如不对，用 --map {}={} 指定",
                mapping.headers[*a],
                mapping.headers[*b],
                field.name(),
                mapping.headers[*a],
                field.name(),
                mapping.headers[*b],
            ));
        }
    }
}

/// One column as the dry run shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ColumnInfo {
    pub header: String,
    /// The field it fills (`None`: not read).
    pub field: Option<&'static str>,
    pub why: Option<Why>,
    /// Up to three non-blank values from the first rows.
    pub samples: Vec<String>,
    /// For a column left unmapped: the field its values look like (already taken by another).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub looks_like: Option<&'static str>,
}

/// Every column of `mapping` with its field, why, and three sample values.
pub fn describe(mapping: &Mapping, samples: &[Vec<Cell>]) -> Vec<ColumnInfo> {
    (0..mapping.headers.len())
        .map(|i| {
            let mut shown: Vec<String> = Vec::new();
            for v in samples
                .iter()
                .filter_map(|r| r.get(i))
                .filter(|c| !c.is_blank())
            {
                let t: String = clean(&v.text()).chars().take(30).collect();
                if !shown.contains(&t) {
                    shown.push(t);
                }
                if shown.len() == 3 {
                    break;
                }
            }
            let field = mapping.fields[i];
            let looks_like = if field.is_none() {
                let p = profile(samples, i);
                if p.dates >= DATE_SHARE {
                    Some(Field::ReceivedAt)
                } else if p.is_department() {
                    Some(Field::Department)
                } else {
                    p.enumeration().map(|(f, _)| f)
                }
            } else {
                None
            };
            ColumnInfo {
                header: mapping.header(i),
                field: field.map(Field::name),
                why: mapping.why[i],
                samples: shown,
                looks_like: looks_like.map(Field::name),
            }
        })
        .collect()
}

/// A field whose absence is warned about: the field, its usual header, what is lost without
/// it, and how well a column's profile fits it.
type MissingCheck = (Field, &'static str, &'static str, fn(&Profile) -> f64);

/// The loud warnings of a file whose mapping has no received_at or no department column:
/// what is lost, the best candidates and the `--map` that would fix it.
pub fn missing_alerts(file: &str, mapping: &Mapping, samples: &[Vec<Cell>]) -> Vec<String> {
    let mut alerts = Vec::new();
    let profiles: Vec<Profile> = (0..mapping.headers.len())
        .map(|i| profile(samples, i))
        .collect();
    let checks: [MissingCheck; 2] = [
        (
            Field::ReceivedAt,
            "受理时间",
            "所有案件都没有日期，月报、按月统计和热点都找不到它们",
            |p| p.dates,
        ),
        (
            Field::Department,
            "承办单位",
            "所有案件都没有承办单位，按部门统计和月报的部门表都是（未填）",
            |p| p.departments,
        ),
    ];
    for (field, zh, loss, score) in checks {
        if mapping.column(field).is_some() {
            continue;
        }
        let mut cands: Vec<(usize, f64)> = (0..mapping.headers.len())
            .filter(|&i| mapping.fields[i].is_none() && profiles[i].n > 0)
            .map(|i| (i, score(&profiles[i])))
            .filter(|(_, s)| *s > 0.0)
            .collect();
        cands.sort_by(|a, b| b.1.total_cmp(&a.1));
        let mut text = format!("警告：{file} 没有找到{zh}列（{}）：{loss}。", field.name());
        if cands.is_empty() {
            text.push_str("没有哪一列的内容像它。");
        } else {
            let named: Vec<String> = cands
                .iter()
                .take(3)
                .map(|&(i, s)| format!("「{}」（{:.0}% 的值像）", mapping.headers[i], s * 100.0))
                .collect();
            text.push_str(&format!("最像的列：{}。", named.join("、")));
        }
        let target = cands
            .first()
            .map(|&(i, _)| mapping.headers[i].clone())
            .unwrap_or_else(|| "列名".to_string());
        text.push_str(&format!(
            "如果是这一列，请加上 --map {}={target} 重新导入",
            field.name()
        ));
        alerts.push(text);
    }
    alerts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(v: &[&[&str]]) -> Vec<Vec<Cell>> {
        v.iter()
            .map(|r| r.iter().map(|c| Cell::Text(c.to_string())).collect())
            .collect()
    }

    fn mapping(h: &[&str]) -> Mapping {
        let h: Vec<String> = h.iter().map(|s| s.to_string()).collect();
        Mapping::new(&h, &[]).unwrap()
    }

    #[test]
    fn content_maps_columns_no_name_claims() {
        let mut m = mapping(&["甲", "乙", "丙", "丁", "戊", "己"]);
        let s = rows(&[
            &[
                "2019-1-1 8:05",
                "县住建局",
                "反映问题",
                "小区门口路灯坏了一个多月没人修",
                "您好，经核实，路灯已修复。",
                "2019/1/3 9:00",
            ],
            &[
                "2019-1-2 12:59:49",
                "城关镇人民政府",
                "咨询",
                "想问一下新农合今年怎么交费",
                "您好，已联系社保所答复来电人。",
                "2019/1/4 9:00",
            ],
            &[
                "2019-1-3 9:00",
                "县住建局",
                "求助",
                "家里停水三天了请帮忙联系自来水公司",
                "您好，已安排维修人员上门。",
                "2019/1/5 9:00",
            ],
        ]);
        refine(&mut m, &s);
        assert_eq!(m.column(Field::ReceivedAt), Some(0));
        assert_eq!(m.column(Field::Department), Some(1));
        assert_eq!(m.column(Field::Kind), Some(2));
        assert_eq!(m.column(Field::Narrative), Some(3));
        assert_eq!(m.column(Field::Reply), Some(4));
        assert_eq!(m.column(Field::ClosedAt), Some(5));
        assert!(m.why.iter().all(|w| *w == Some(Why::Content)));
    }

    #[test]
    fn names_decide_where_clear() {
        let mut m = mapping(&["诉求内容", "备注", "受理时间"]);
        let s = rows(&[&["路灯坏了很久没人修理", "2019-01-01", "2019-01-01"]]);
        refine(&mut m, &s);
        assert_eq!(m.column(Field::ReceivedAt), Some(2));
        assert_eq!(m.why[2], Some(Why::Name));
        // The second date column is a later date.
        assert_eq!(m.column(Field::ClosedAt), Some(1));
    }

    #[test]
    fn ties_are_reported_and_ids_are_not_dates() {
        let mut m = mapping(&["序号", "甲", "乙", "内容"]);
        let s = rows(&[
            &["43524", "住建局", "水务局", "路灯坏了很久没人修理"],
            &["43525", "水务局", "住建局", "停水三天了没人来修理"],
        ]);
        refine(&mut m, &s);
        assert_eq!(m.column(Field::ReceivedAt), None);
        assert_eq!(m.column(Field::Department), Some(1));
        assert!(
            m.warnings[0].contains("列「甲」和「乙」的内容都像 department"),
            "{:?}",
            m.warnings
        );
        let alerts = missing_alerts("t.csv", &m, &s);
        assert_eq!(alerts.len(), 1);
        assert!(alerts[0].contains("没有找到受理时间列"), "{}", alerts[0]);
    }
}
