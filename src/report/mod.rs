//! The monthly report: [`build`] turns a month's cases into a [`MonthlyReport`] (pure data, in
//! the structure of the seed reports: 一、基本情况, 二、热点问题, 三、应急处置与典型案例,
//! 四、满意度与时效, 附件, and the closing block), and one module per format renders it:
//! [`markdown`], [`html`] (with [`charts`] as inline SVG), [`json`], [`docx`] and [`xlsx`]. The
//! text the formats share is written once, in [`outline`].
//!
//! Building is split by section: [`month`] selects the month's cases once, and [`basic`]
//! (一 and the annex), [`hot`] (二) and [`cases`] (三) each build their part from it; the
//! editable texts (office profile, per-topic suggestions) are in [`profile`]. Another kind of
//! report picks the section builders it needs over the same [`month::MonthCases`].
//!
//! Conventions taken from the seeds:
//! - percentages are rounded to two decimals and printed without trailing zeros
//!   (`90.20` → `90.2%`, `85.00` → `85%`), see [`fmt_pct`];
//! - 满意率 = (已办结 − 不满意) / 已办结, overall and per department;
//! - the annex (附件) counts the month's closed work orders per department; the top-department
//!   lines of 一、基本情况 count every work order of the month, withdrawn ones included;
//! - a department whose name ends in 镇/乡/街道/办事处 (or contains 镇人民政府) is a town
//!   (镇/乡/街道), every other one a county department (县直单位).

pub mod basic;
pub mod cases;
pub mod charts;
pub mod docx;
pub mod hot;
pub mod html;
pub mod json;
pub mod markdown;
pub mod month;
pub mod outline;
pub mod profile;
pub mod store;
pub mod xlsx;

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::Path;

use anyhow::{bail, Context, Result};
use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use crate::model::{Card, Case, Kind, RecordType, Satisfaction, Status};

// ---------------------------------------------------------------------------------------------
// Months
// ---------------------------------------------------------------------------------------------

/// A calendar month (`2022-06`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    pub year: i32,
    /// 1..=12.
    pub month: u32,
}

impl YearMonth {
    /// The years a month may have: the calendar arithmetic of a report (days of the month,
    /// the same month a year earlier) stays well inside chrono's range.
    pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=9999;

    /// A month; `year` must be in [`YearMonth::YEARS`], `month` 1..=12.
    pub fn new(year: i32, month: u32) -> Result<YearMonth> {
        if !Self::YEARS.contains(&year) {
            bail!(
                "year must be {}..{}, got {year}",
                Self::YEARS.start(),
                Self::YEARS.end()
            );
        }
        if !(1..=12).contains(&month) {
            bail!("month must be 1..12, got {month}");
        }
        Ok(YearMonth { year, month })
    }

    /// Parses `2022-06`, `2022-6`, `202206`, `2022/06` or `2022年6月`.
    pub fn parse(s: &str) -> Result<YearMonth> {
        let t = s.trim();
        let digits: Vec<&str> = t
            .split(|c: char| !c.is_ascii_digit())
            .filter(|p| !p.is_empty())
            .collect();
        let (y, m) = match digits.as_slice() {
            [ym] if ym.len() == 6 => (&ym[..4], &ym[4..]),
            [y, m] => (*y, *m),
            _ => bail!("cannot read month {s:?}: expected YYYY-MM"),
        };
        let year: i32 = y
            .parse()
            .with_context(|| format!("cannot read the year of {s:?}"))?;
        let month: u32 = m
            .parse()
            .with_context(|| format!("cannot read the month of {s:?}"))?;
        YearMonth::new(year, month).with_context(|| format!("cannot read month {s:?}"))
    }

    /// The month of a date.
    pub fn of(at: NaiveDateTime) -> YearMonth {
        YearMonth {
            year: at.year(),
            month: at.month(),
        }
    }

    /// The month before.
    pub fn previous(self) -> YearMonth {
        if self.month == 1 {
            YearMonth {
                year: self.year - 1,
                month: 12,
            }
        } else {
            YearMonth {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    /// The same month a year earlier.
    pub fn last_year(self) -> YearMonth {
        YearMonth {
            year: self.year - 1,
            month: self.month,
        }
    }

    /// Number of days in the month.
    pub fn days(self) -> u32 {
        let first = NaiveDate::from_ymd_opt(self.year, self.month, 1).expect("valid month");
        let next = if self.month == 12 {
            NaiveDate::from_ymd_opt(self.year + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(self.year, self.month + 1, 1)
        }
        .expect("valid month");
        (next - first).num_days() as u32
    }

    /// The month as the half-open range `[first day 00:00, next month's first day 00:00)`.
    pub fn range(self) -> (NaiveDateTime, NaiveDateTime) {
        let first = NaiveDate::from_ymd_opt(self.year, self.month, 1).expect("valid month");
        let next = first + chrono::Days::new(u64::from(self.days()));
        (
            first.and_time(chrono::NaiveTime::MIN),
            next.and_time(chrono::NaiveTime::MIN),
        )
    }

    /// `2022年6月`.
    pub fn zh(self) -> String {
        format!("{}年{}月", self.year, self.month)
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl std::str::FromStr for YearMonth {
    type Err = anyhow::Error;
    fn from_str(s: &str) -> Result<Self> {
        YearMonth::parse(s)
    }
}

impl From<YearMonth> for String {
    fn from(m: YearMonth) -> String {
        m.to_string()
    }
}

/// Which date puts a work order in a month.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DateBasis {
    /// 受理时间 (falls back to 办结时间, then to the period of a report document).
    #[default]
    Received,
    /// 办结时间, as seed 001 counts ("以办结时间为统计依据"); falls back to 受理时间.
    Closed,
}

/// The month a case belongs to under `basis`, if any date tells.
pub fn case_month(case: &Case, basis: DateBasis) -> Option<YearMonth> {
    let at = match basis {
        DateBasis::Received => case.received_at.or(case.closed_at),
        DateBasis::Closed => case.closed_at.or(case.received_at),
    };
    if let Some(at) = at {
        return Some(YearMonth::of(at));
    }
    case.source.period.as_deref().and_then(period_month)
}

/// Reads `2020年11月` (the period of a report document heading); quarters give `None`.
fn period_month(period: &str) -> Option<YearMonth> {
    let (y, rest) = period.split_once('年')?;
    let y: i32 = y
        .trim()
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_digit())
        .collect::<String>()
        .chars()
        .rev()
        .collect::<String>()
        .parse()
        .ok()?;
    let (m, _) = rest.split_once('月')?;
    let m: u32 = m.trim().parse().ok()?;
    YearMonth::new(y, m).ok()
}

// ---------------------------------------------------------------------------------------------
// Percentages
// ---------------------------------------------------------------------------------------------

/// `n / d` as a percentage rounded half-up to two decimals (exact integer arithmetic);
/// `None` when `d == 0`.
pub fn pct(n: usize, d: usize) -> Option<f64> {
    if d == 0 {
        return None;
    }
    let (n, d) = (n as u128, d as u128);
    let basis_points = (n * 20_000 + d) / (2 * d);
    Some(basis_points as f64 / 100.0)
}

/// Prints a percentage the way the seeds do: two decimals, trailing zeros dropped, `%` added
/// (`90.16%`, `90.2%`, `85%`, `100%`).
pub fn fmt_pct(p: f64) -> String {
    format!("{}%", fmt_num(p))
}

/// A number with up to two decimals, trailing zeros dropped (`90.2`, `85`, `-3.1`).
pub fn fmt_num(p: f64) -> String {
    let bp = (p * 100.0).round() as i64;
    let sign = if bp < 0 { "-" } else { "" };
    let bp = bp.abs();
    let (int, frac) = (bp / 100, bp % 100);
    if frac == 0 {
        format!("{sign}{int}")
    } else if frac % 10 == 0 {
        format!("{sign}{int}.{}", frac / 10)
    } else {
        format!("{sign}{int}.{frac:02}")
    }
}

/// Relative change `(cur − prev) / prev` in percent, rounded to two decimals.
fn change_pct(cur: usize, prev: usize) -> Option<f64> {
    if prev == 0 {
        return None;
    }
    let diff = cur as f64 - prev as f64;
    Some((diff / prev as f64 * 10_000.0).round() / 100.0)
}

/// Chinese numerals for small counts (前三名, 前五名).
pub fn zh_number(n: usize) -> String {
    const DIGITS: [&str; 11] = [
        "零", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十",
    ];
    match n {
        0..=10 => DIGITS[n].to_string(),
        11..=19 => format!("十{}", DIGITS[n - 10]),
        20..=99 if n.is_multiple_of(10) => format!("{}十", DIGITS[n / 10]),
        20..=99 => format!("{}十{}", DIGITS[n / 10], DIGITS[n % 10]),
        _ => n.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// Topics
// ---------------------------------------------------------------------------------------------

/// Topic id → Chinese name, from /work/shared/topics.md (the contract between tagging,
/// hotspots and reports).
pub const TOPICS: &[(&str, &str)] = &[
    ("street_lighting", "道路照明"),
    ("water_supply", "供水"),
    ("power_supply", "供电"),
    ("gas_heating", "燃气供暖"),
    ("drainage_sewage", "排水污水"),
    ("road_damage", "道路损坏"),
    ("traffic_order", "交通秩序"),
    ("parking", "停车"),
    ("public_transport", "公共交通"),
    ("taxi", "出租车网约车"),
    ("property_management", "物业管理"),
    ("housing_quality", "房屋质量交付"),
    ("illegal_construction", "违章建筑"),
    ("demolition_resettlement", "征地拆迁"),
    ("city_appearance", "市容环卫"),
    ("noise", "噪音扰民"),
    ("pollution", "环境污染"),
    ("wage_arrears", "欠薪"),
    ("labour_dispute", "劳动关系"),
    ("social_insurance", "社保医保"),
    ("employment_talent", "就业人才政策"),
    ("consumer_rights", "消费维权"),
    ("food_safety", "食品安全"),
    ("medical_service", "医疗服务"),
    ("epidemic_control", "疫情防控"),
    ("school_management", "学校管理"),
    ("school_admission", "入学招生"),
    ("rural_affairs", "三农"),
    ("flood_disaster", "灾害防汛"),
    ("public_security", "社会治安"),
    ("household_registration", "户籍证件"),
    ("finance_fraud", "金融非法集资"),
    ("telecom", "通信网络"),
    ("civil_affairs", "民政救助"),
    ("staff_conduct", "工作作风"),
    ("other", "其他"),
];

/// The Chinese name of a topic id (the id itself when unknown).
pub fn topic_name(id: &str) -> &str {
    TOPICS
        .iter()
        .find(|(k, _)| *k == id)
        .map(|(_, v)| *v)
        .unwrap_or(id)
}

/// The topic id a user typed: an id (`water_supply`) or its Chinese name (`供水`); `None` when
/// it is neither.
pub fn topic_id(typed: &str) -> Option<&'static str> {
    let t = typed.trim();
    TOPICS
        .iter()
        .find(|(id, name)| *id == t || *name == t)
        .map(|(id, _)| *id)
}

/// [`topic_id`], or an error listing the Chinese names.
pub fn parse_topic(typed: &str) -> anyhow::Result<String> {
    topic_id(typed).map(str::to_string).ok_or_else(|| {
        let names: Vec<&str> = TOPICS.iter().map(|(_, n)| *n).collect();
        anyhow::anyhow!(
            "--topic {typed:?}：没有这个主题（可用中文名或 id，如 供水 / water_supply）：{}",
            names.join("、")
        )
    })
}

fn case_topic(case: &Case) -> Option<&str> {
    case.tags
        .as_ref()
        .map(|t| t.topic.as_str())
        .filter(|t| !t.is_empty())
}

// ---------------------------------------------------------------------------------------------
// Departments
// ---------------------------------------------------------------------------------------------

/// 县直单位 or 镇/乡/街道.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DepartmentType {
    County,
    Town,
}

impl DepartmentType {
    /// Decides from the name: towns end in 镇/乡/街道/办事处 or contain 镇人民政府 / 乡人民政府
    /// / 街道办.
    pub fn of(name: &str) -> DepartmentType {
        let n = name.trim();
        let town = ["镇", "乡", "街道", "办事处"]
            .iter()
            .any(|s| n.ends_with(s))
            || ["镇人民政府", "乡人民政府", "镇政府", "乡政府", "街道办"]
                .iter()
                .any(|s| n.contains(s));
        if town {
            DepartmentType::Town
        } else {
            DepartmentType::County
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DepartmentType::County => "县直单位",
            DepartmentType::Town => "镇/乡/街道",
        }
    }
}

impl Serialize for DepartmentType {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// The name printed for cases without a 承办单位.
pub const NO_DEPARTMENT: &str = "（未注明单位）";

// ---------------------------------------------------------------------------------------------
// The report data
// ---------------------------------------------------------------------------------------------

/// Counts per 诉求类型, serialized as a map in the seeds' order (`{"投诉": 626, ...}`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KindCounts(pub [usize; 7]);

impl KindCounts {
    fn slot(kind: Kind) -> usize {
        Kind::ALL
            .iter()
            .position(|k| *k == kind)
            .expect("every kind")
    }
    pub fn add(&mut self, kind: Kind) {
        self.0[Self::slot(kind)] += 1;
    }
    pub fn get(&self, kind: Kind) -> usize {
        self.0[Self::slot(kind)]
    }
    pub fn total(&self) -> usize {
        self.0.iter().sum()
    }
    fn add_all(&mut self, other: &KindCounts) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a += b;
        }
    }
}

impl Serialize for KindCounts {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(7))?;
        for k in Kind::ALL {
            m.serialize_entry(k.as_str(), &self.get(k))?;
        }
        m.end()
    }
}

/// Percentages per 诉求类型, serialized as a map (`{"投诉": 90.2, ...}`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct KindPercents(pub [f64; 7]);

impl KindPercents {
    pub fn get(&self, kind: Kind) -> f64 {
        self.0[KindCounts::slot(kind)]
    }
}

impl Serialize for KindPercents {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(7))?;
        for k in Kind::ALL {
            m.serialize_entry(k.as_str(), &self.get(k))?;
        }
        m.end()
    }
}

/// A name with a count and its share.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NameCount {
    pub name: String,
    pub count: usize,
    /// Share of the month's work orders, percent.
    pub percent: f64,
}

/// The month against an earlier one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeriodComparison {
    /// The earlier month (`2022-05`).
    pub month: String,
    pub total: usize,
    /// (this − earlier) / earlier, percent.
    pub total_change_percent: Option<f64>,
    pub satisfaction_rate: Option<f64>,
    /// Difference in percentage points.
    pub satisfaction_change_points: Option<f64>,
}

/// Return-visit results of the closed work orders.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SatisfactionSummary {
    pub closed: usize,
    pub satisfied: usize,
    pub basically_satisfied: usize,
    pub dissatisfied: usize,
    /// 未评价, including closed cases without a recorded result.
    pub unrated: usize,
    /// (closed − dissatisfied) / closed, percent.
    pub rate: Option<f64>,
}

/// One row of the annex table (closed work orders of one department).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DepartmentRow {
    pub name: String,
    #[serde(rename = "type")]
    pub dept_type: DepartmentType,
    /// 工单总数 (closed work orders).
    pub total: usize,
    pub yellow_cards: usize,
    pub red_cards: usize,
    pub overdue: usize,
    pub by_kind: KindCounts,
    /// Cases without a 诉求类型.
    pub unknown_kind: usize,
    pub satisfied: usize,
    pub basically_satisfied: usize,
    pub dissatisfied: usize,
    pub unrated: usize,
    pub satisfaction_rate: Option<f64>,
}

impl DepartmentRow {
    fn new(name: &str) -> DepartmentRow {
        DepartmentRow {
            name: name.to_string(),
            dept_type: DepartmentType::of(name),
            total: 0,
            yellow_cards: 0,
            red_cards: 0,
            overdue: 0,
            by_kind: KindCounts::default(),
            unknown_kind: 0,
            satisfied: 0,
            basically_satisfied: 0,
            dissatisfied: 0,
            unrated: 0,
            satisfaction_rate: None,
        }
    }

    fn add(&mut self, c: &Case) {
        self.total += 1;
        match c.card {
            Some(Card::Yellow) => self.yellow_cards += 1,
            Some(Card::Red) => self.red_cards += 1,
            None => {}
        }
        if is_overdue(c) {
            self.overdue += 1;
        }
        match c.kind {
            Some(k) => self.by_kind.add(k),
            None => self.unknown_kind += 1,
        }
        match c.satisfaction {
            Some(Satisfaction::Satisfied) => self.satisfied += 1,
            Some(Satisfaction::BasicallySatisfied) => self.basically_satisfied += 1,
            Some(Satisfaction::Dissatisfied) => self.dissatisfied += 1,
            Some(Satisfaction::Unrated) | None => self.unrated += 1,
        }
    }

    fn add_row(&mut self, r: &DepartmentRow) {
        self.total += r.total;
        self.yellow_cards += r.yellow_cards;
        self.red_cards += r.red_cards;
        self.overdue += r.overdue;
        self.by_kind.add_all(&r.by_kind);
        self.unknown_kind += r.unknown_kind;
        self.satisfied += r.satisfied;
        self.basically_satisfied += r.basically_satisfied;
        self.dissatisfied += r.dissatisfied;
        self.unrated += r.unrated;
    }

    /// Computes the 满意率; `rated` is false when the data has no return-visit results at all
    /// (then there is no rate, rather than a meaningless 100%).
    fn finish(&mut self, rated: bool) {
        self.satisfaction_rate = if rated {
            pct(self.total - self.dissatisfied, self.total)
        } else {
            None
        };
    }
}

/// A case as the report quotes it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseSummary {
    pub id: String,
    pub received_at: Option<NaiveDateTime>,
    pub department: Option<String>,
    pub kind: Option<&'static str>,
    pub topic: Option<String>,
    pub title: Option<String>,
    pub narrative: String,
    pub reply: Option<String>,
    /// When it was closed (办结时间, else the reply's time).
    pub closed_at: Option<NaiveDateTime>,
    pub satisfaction: Option<&'static str>,
    /// The report-document section it came from (典型案例, 应急处置 ...), if any.
    pub section: Option<String>,
    /// Other cases of the month about the same thing, folded into this one (urgent cases).
    pub similar_cases: usize,
}

impl CaseSummary {
    fn of(c: &Case) -> CaseSummary {
        CaseSummary {
            id: c.id.clone(),
            received_at: c.received_at,
            department: c.department.clone(),
            kind: c.kind.map(Kind::as_str),
            topic: case_topic(c).map(str::to_string),
            title: c.title.clone(),
            narrative: c.narrative.clone(),
            reply: c.reply.clone().filter(|r| !r.trim().is_empty()),
            closed_at: c.closed_at.or(c.reply_at),
            satisfaction: c.satisfaction.map(Satisfaction::as_str),
            section: c.source.section.clone(),
            similar_cases: 0,
        }
    }

    /// `6月6日6时46分`, `11月3日20时` (the time only when one was given), as the seeds date a case.
    pub fn zh_date(&self) -> Option<String> {
        self.received_at.map(|at| {
            if at.hour() == 0 && at.minute() == 0 && at.second() == 0 {
                format!("{}月{}日", at.month(), at.day())
            } else if at.minute() == 0 {
                format!("{}月{}日{}时", at.month(), at.day(), at.hour())
            } else {
                format!(
                    "{}月{}日{}时{}分",
                    at.month(),
                    at.day(),
                    at.hour(),
                    at.minute()
                )
            }
        })
    }
}

/// A concrete hotspot as the report shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HotspotSummary {
    pub rank: usize,
    pub label: String,
    pub topic: Option<String>,
    pub topic_name: Option<String>,
    pub heat: f64,
    pub case_count: usize,
    pub distinct_users: usize,
    pub first: Option<NaiveDateTime>,
    pub last: Option<NaiveDateTime>,
    pub keywords: Vec<String>,
    pub representative_cases: Vec<CaseSummary>,
    pub case_ids: Vec<String>,
}

/// How a topic moved against the previous month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Trend {
    /// Not in the previous month, which had data.
    New,
    /// Its share of the month at least 1.5 times the previous month's, and at least 3 cases
    /// more.
    Rising,
    Steady,
    Falling,
    /// No previous month to compare with.
    Unknown,
}

/// One hotspot topic of the month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopicSummary {
    pub id: String,
    pub name: String,
    pub count: usize,
    /// Share of the month's cases, percent.
    pub percent: f64,
    pub previous: Option<usize>,
    pub change_percent: Option<f64>,
    pub trend: Trend,
    /// Ranks of its concrete hotspots (see `MonthlyReport::hotspots`).
    pub hotspot_ranks: Vec<usize>,
    pub representative_cases: Vec<CaseSummary>,
    /// The main appeals 二、热点问题 lists (leading topics only).
    pub appeals: Vec<hot::Appeal>,
    /// The 建议 sentence (leading topics only).
    pub suggestion: Option<String>,
}

/// Cases per day of the month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DayCount {
    pub day: u32,
    pub count: usize,
}

/// Everything the monthly report says, ready to render.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthlyReport {
    /// `2022-06`.
    pub month: String,
    pub year: i32,
    pub month_number: u32,
    /// 单位名称 as given (`翁源县`), if any.
    pub title: Option<String>,
    /// `翁源县承办12345政务服务便民热线2022年6月工作情况报告`.
    pub heading: String,
    /// Work orders of the month (withdrawn ones included).
    pub total: usize,
    pub withdrawn: usize,
    pub closed: usize,
    pub in_progress: usize,
    /// Work orders whose data tells no status (neither 在办 nor any sign of being closed).
    pub unknown_status: usize,
    pub not_accepted: usize,
    pub by_kind: KindCounts,
    pub by_kind_percent: KindPercents,
    /// Work orders without a 诉求类型.
    pub unknown_kind: usize,
    pub by_channel: Vec<NameCount>,
    /// Every department by work orders of the month, most first.
    pub top_departments: Vec<NameCount>,
    pub top_county_departments: Vec<NameCount>,
    pub top_town_departments: Vec<NameCount>,
    pub previous_month: Option<PeriodComparison>,
    pub same_month_last_year: Option<PeriodComparison>,
    pub satisfaction: SatisfactionSummary,
    pub satisfaction_rate: Option<f64>,
    /// `None` when the data says nothing about deadlines / cards.
    pub overdue: Option<usize>,
    pub yellow_cards: Option<usize>,
    pub red_cards: Option<usize>,
    /// The annex: closed work orders per department, most first.
    pub departments: Vec<DepartmentRow>,
    /// The 合计 row of the annex.
    pub departments_total: DepartmentRow,
    /// Cases the topic statistics count (work orders, or report cases when there are none).
    pub topic_basis: usize,
    pub hotspot_topics: Vec<TopicSummary>,
    /// Topics that rose sharply or are new this month.
    pub rising_topics: Vec<TopicSummary>,
    pub hotspots: Vec<HotspotSummary>,
    /// 热点问题 paragraphs taken from report documents of the month.
    pub report_hotspots: Vec<CaseSummary>,
    pub urgent_cases: Vec<CaseSummary>,
    pub typical_cases: Vec<CaseSummary>,
    pub daily: Vec<DayCount>,
    /// The closing block: who issues the report, 抄送, 发, 电话.
    pub office: profile::OfficeProfile,
    /// The issuing date as printed (`2020年12月25日`), if given.
    pub issued: Option<String>,
}

/// Settings for [`build`].
#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// 单位名称 for the heading (`翁源县`).
    pub title: Option<String>,
    pub date_basis: DateBasis,
    /// How many departments of each type 一、基本情况 names (the seeds: 3).
    pub top_departments: usize,
    /// How many hotspot topics 二 describes.
    pub top_topics: usize,
    /// How many concrete hotspots to find.
    pub top_hotspots: usize,
    /// Run hotspot clustering (turn off to measure the statistics alone).
    pub hotspots: bool,
    /// Most urgent / typical cases to quote.
    pub max_urgent: usize,
    pub max_typical: usize,
    /// The office profile of the closing block (its `unit` is the 单位名称 when `title` is
    /// not given).
    pub profile: profile::OfficeProfile,
    /// The issuing date printed under the 落款.
    pub issued: Option<NaiveDate>,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            title: None,
            date_basis: DateBasis::Received,
            top_departments: 3,
            top_topics: 5,
            top_hotspots: 10,
            hotspots: true,
            max_urgent: 3,
            max_typical: 3,
            profile: profile::OfficeProfile::builtin(),
            issued: None,
        }
    }
}

impl ReportOptions {
    /// Default options with a 单位名称.
    pub fn with_title(title: impl Into<String>) -> ReportOptions {
        ReportOptions {
            title: Some(title.into()).filter(|t: &String| !t.trim().is_empty()),
            ..ReportOptions::default()
        }
    }
}

/// The report heading: `{title}承办12345政务服务便民热线{YYYY}年{M}月工作情况报告`.
pub fn heading(title: Option<&str>, month: YearMonth) -> String {
    match title.map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => format!("{t}承办12345政务服务便民热线{}工作情况报告", month.zh()),
        None => format!("12345政务服务便民热线{}工作情况报告", month.zh()),
    }
}

// ---------------------------------------------------------------------------------------------
// Building
// ---------------------------------------------------------------------------------------------

fn is_closed(c: &Case) -> bool {
    match c.status {
        Some(Status::Closed) => true,
        Some(_) => false,
        // No status column: a recorded closing date or return visit means it was closed.
        None => {
            c.closed_at.is_some()
                || c.satisfaction.is_some()
                || c.reply_at.is_some()
                || c.reply.as_deref().is_some_and(|r| !r.trim().is_empty())
        }
    }
}

fn dept_name(c: &Case) -> &str {
    c.department
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .unwrap_or(NO_DEPARTMENT)
}

fn is_urgent(c: &Case) -> bool {
    // a report document's case is told after it was handled (a past event to the urgency
    // classifier's definition): the document's section says whether it was 应急处置
    let tagged = c.record != RecordType::ReportCase && c.tags.as_ref().is_some_and(|t| t.urgent);
    tagged
        || c.source
            .section
            .as_deref()
            .is_some_and(|s| s.contains("应急"))
}

/// Whether a work order was handled late (超期): the 超期 column when the data has one, else
/// closed (or answered) after its 办理时限. The one rule for the annex's 超期 column and the
/// overdue count of 四、满意度与时效.
fn is_overdue(c: &Case) -> bool {
    match c.overdue {
        Some(o) => o,
        None => matches!(
            (c.deadline, c.closed_at.or(c.reply_at)),
            (Some(d), Some(done)) if done > d
        ),
    }
}

/// Where a case stands in the report document it came from: file, then line number (the
/// locator `line 97` read as a number, so `line 101` comes after it), then id with its
/// trailing number read as a number (`…-热点-10` after `…-热点-9`).
fn document_order(c: &Case) -> (&str, u64, &str, &str, u64, &str) {
    let loc = c.source.locator.as_str();
    let line = loc
        .strip_prefix("line ")
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(u64::MAX);
    let id = c.id.as_str();
    let head = id.trim_end_matches(|ch: char| ch.is_ascii_digit());
    let number = id[head.len()..].parse().unwrap_or(0);
    (c.source.file.as_str(), line, loc, head, number, id)
}

fn is_typical_section(c: &Case) -> bool {
    c.source
        .section
        .as_deref()
        .is_some_and(|s| s.contains("典型") || s.contains("案例"))
}

/// Counts for one month's work orders (used for the month itself and for comparisons).
struct MonthStats {
    total: usize,
    satisfaction_rate: Option<f64>,
}

fn month_stats(orders: &[&Case]) -> MonthStats {
    let closed: Vec<&&Case> = orders.iter().filter(|c| is_closed(c)).collect();
    let dissatisfied = closed
        .iter()
        .filter(|c| c.satisfaction == Some(Satisfaction::Dissatisfied))
        .count();
    let rated = orders.iter().any(|c| c.satisfaction.is_some());
    MonthStats {
        total: orders.len(),
        satisfaction_rate: if rated {
            pct(closed.len() - dissatisfied, closed.len())
        } else {
            None
        },
    }
}

fn compare(month: YearMonth, cur: &MonthStats, prev: &[&Case]) -> Option<PeriodComparison> {
    if prev.is_empty() {
        return None;
    }
    let p = month_stats(prev);
    Some(PeriodComparison {
        month: month.to_string(),
        total: p.total,
        total_change_percent: change_pct(cur.total, p.total),
        satisfaction_rate: p.satisfaction_rate,
        satisfaction_change_points: match (cur.satisfaction_rate, p.satisfaction_rate) {
            (Some(a), Some(b)) => Some(((a - b) * 100.0).round() / 100.0),
            _ => None,
        },
    })
}

fn ranked(counts: HashMap<&str, usize>, denom: usize) -> Vec<NameCount> {
    let mut v: Vec<NameCount> = counts
        .into_iter()
        .map(|(name, count)| NameCount {
            name: name.to_string(),
            count,
            percent: pct(count, denom).unwrap_or(0.0),
        })
        .collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
    v
}

/// The order in which cases are considered for quoting: one with a reply first, then one of
/// readable length, then the most confidently tagged, then the earliest (then by id). A sort key
/// (computed once per case with `sort_by_cached_key`).
type RepKey<'a> = (
    std::cmp::Reverse<(bool, bool, i64)>,
    Option<NaiveDateTime>,
    &'a str,
);

fn rep_key(c: &Case) -> RepKey<'_> {
    let reply = c.reply.as_deref().is_some_and(|r| !r.trim().is_empty());
    let conf = c.tags.as_ref().map(|t| t.topic_confidence).unwrap_or(0.0);
    let len = c.narrative.chars().count();
    let readable = (30..=300).contains(&len);
    (
        std::cmp::Reverse((reply, readable, (conf * 1000.0) as i64)),
        c.received_at,
        c.id.as_str(),
    )
}

/// The character bigrams of a text.
type Bigrams = HashSet<(char, char)>;

/// Character bigrams of a narrative (punctuation and whitespace dropped).
fn bigrams(text: &str) -> Bigrams {
    let chars: Vec<char> = text
        .chars()
        .filter(|c| c.is_alphanumeric())
        .take(400)
        .collect();
    chars.windows(2).map(|w| (w[0], w[1])).collect()
}

/// Jaccard similarity of two bigram sets.
fn similarity(a: &Bigrams, b: &Bigrams) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let inter = a.intersection(b).count();
    inter as f64 / (a.len() + b.len() - inter) as f64
}

/// Narratives at least this similar are "the same thing" when choosing cases to quote.
const SAME_THING: f64 = 0.5;

/// Picks up to `max` mutually dissimilar cases in order; each later case that resembles a picked
/// one is counted on it instead.
fn pick_distinct<'a>(cases: &[&'a Case], max: usize) -> Vec<(&'a Case, usize)> {
    let mut picked: Vec<(&Case, Bigrams, usize)> = Vec::new();
    for c in cases {
        let g = bigrams(&c.narrative);
        let full = picked.len() >= max;
        match picked
            .iter_mut()
            .find(|(_, pg, _)| similarity(pg, &g) >= SAME_THING)
        {
            Some(p) => p.2 += 1,
            None if !full => picked.push((c, g, 0)),
            None => {}
        }
    }
    picked.into_iter().map(|(c, _, n)| (c, n)).collect()
}

/// Builds the report for `month` from any set of cases (cases of other months are used for the
/// comparisons with the previous month and the same month last year, and ignored otherwise).
pub fn build(
    cases: &[Case],
    month: impl Into<String>,
    opts: &ReportOptions,
) -> Result<MonthlyReport> {
    let month = YearMonth::parse(&month.into())?;
    Ok(build_month(cases, month, opts))
}

/// [`build`] with a parsed month: the sections of [`basic`], [`hot`] and [`cases`] over the
/// month's [`month::MonthCases`].
pub fn build_month(cases: &[Case], month: YearMonth, opts: &ReportOptions) -> MonthlyReport {
    let m = month::MonthCases::select(cases, month, opts.date_basis);
    let b = basic::basic(&m, opts);
    let a = basic::annex(&m);
    let h = hot::hot(&m, opts);
    let c = cases::cases(&m, opts, &h);
    let title = report_title(&m, opts);
    MonthlyReport {
        month: month.to_string(),
        year: month.year,
        month_number: month.month,
        heading: heading(title.as_deref(), month),
        title,
        total: b.total,
        withdrawn: b.withdrawn,
        closed: b.closed,
        in_progress: b.in_progress,
        unknown_status: b.unknown_status,
        not_accepted: b.not_accepted,
        by_kind: b.by_kind,
        by_kind_percent: b.by_kind_percent,
        unknown_kind: b.unknown_kind,
        by_channel: b.by_channel,
        top_departments: b.top_departments,
        top_county_departments: b.top_county_departments,
        top_town_departments: b.top_town_departments,
        previous_month: a.previous_month,
        same_month_last_year: a.same_month_last_year,
        satisfaction_rate: a.satisfaction.rate,
        satisfaction: a.satisfaction,
        overdue: a.overdue,
        yellow_cards: a.yellow_cards,
        red_cards: a.red_cards,
        departments: a.departments,
        departments_total: a.departments_total,
        topic_basis: h.topic_basis,
        hotspot_topics: h.hotspot_topics,
        rising_topics: h.rising_topics,
        hotspots: h.hotspots,
        report_hotspots: h.report_hotspots,
        urgent_cases: c.urgent_cases,
        typical_cases: c.typical_cases,
        daily: daily_counts(&m),
        office: opts.profile.clone(),
        issued: opts
            .issued
            .map(|d| format!("{}年{}月{}日", d.year(), d.month(), d.day())),
    }
}

/// Cases per day of the month (the work orders, or the narratives when there are none).
fn daily_counts(m: &month::MonthCases) -> Vec<DayCount> {
    let mut per_day = vec![0usize; m.month.days() as usize];
    let basis = if m.orders.is_empty() {
        &m.narratives
    } else {
        &m.orders
    };
    for c in basis {
        let at = match m.date_basis {
            DateBasis::Received => c.received_at.or(c.closed_at),
            DateBasis::Closed => c.closed_at.or(c.received_at),
        };
        if let Some(at) = at.filter(|at| YearMonth::of(*at) == m.month) {
            per_day[at.day() as usize - 1] += 1;
        }
    }
    per_day
        .into_iter()
        .enumerate()
        .map(|(i, count)| DayCount {
            day: i as u32 + 1,
            count,
        })
        .collect()
}

/// 单位名称: as given (`--title`), else the profile's, else the region the month's report
/// documents name most often.
fn report_title(m: &month::MonthCases, opts: &ReportOptions) -> Option<String> {
    let given = |t: Option<&str>| {
        t.map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
    };
    given(opts.title.as_deref())
        .or_else(|| given(Some(opts.profile.unit.as_str())))
        .or_else(|| {
            let mut regions: HashMap<&str, usize> = HashMap::new();
            for c in &m.this {
                if let Some(r) = c.source.region.as_deref().filter(|r| !r.trim().is_empty()) {
                    *regions.entry(r.trim()).or_default() += 1;
                }
            }
            regions
                .into_iter()
                .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(a.0)))
                .map(|(r, _)| r.to_string())
        })
}

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

/// An output format of `hotline report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Html,
    Json,
    Docx,
    Xlsx,
}

impl Format {
    /// Parses `md` / `markdown`, `html`, `json`, `docx`, `xlsx`.
    pub fn parse(s: &str) -> Result<Format> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "md" | "markdown" => Format::Markdown,
            "html" | "htm" => Format::Html,
            "json" => Format::Json,
            "docx" | "word" => Format::Docx,
            "xlsx" | "excel" => Format::Xlsx,
            other => bail!("unknown report format {other:?}: use md, html, json, docx or xlsx"),
        })
    }

    /// The format a file name's extension names (`report.docx` → DOCX), if it names one.
    pub fn from_path(path: &std::path::Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?;
        Format::parse(ext).ok().filter(|_| ext.len() <= 8)
    }

    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Markdown => "md",
            Format::Html => "html",
            Format::Json => "json",
            Format::Docx => "docx",
            Format::Xlsx => "xlsx",
        }
    }

    /// Whether the output is text (printable to a terminal).
    pub fn is_text(self) -> bool {
        matches!(self, Format::Markdown | Format::Html | Format::Json)
    }
}

/// Renders a report in a format.
pub fn render(report: &MonthlyReport, format: Format) -> Result<Vec<u8>> {
    Ok(match format {
        Format::Markdown => markdown::render(report).into_bytes(),
        Format::Html => html::render(report)?.into_bytes(),
        Format::Json => json::render(report)?.into_bytes(),
        Format::Docx => docx::render(report)?,
        Format::Xlsx => xlsx::render(report)?,
    })
}

/// Renders a report into a file.
pub fn write(report: &MonthlyReport, format: Format, path: &Path) -> Result<()> {
    let bytes = render(report, format)?;
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_are_typed_by_chinese_name_or_id() {
        assert_eq!(topic_id("供水"), Some("water_supply"));
        assert_eq!(topic_id(" water_supply "), Some("water_supply"));
        assert_eq!(parse_topic("道路照明").unwrap(), "street_lighting");
        let e = parse_topic("自来水").unwrap_err().to_string();
        assert!(e.contains("供水"), "{e}");
    }

    #[test]
    fn percentages_print_like_the_seeds() {
        assert_eq!(fmt_pct(pct(339, 376).unwrap()), "90.16%");
        assert_eq!(fmt_pct(pct(626, 694).unwrap()), "90.2%");
        assert_eq!(fmt_pct(pct(17, 20).unwrap()), "85%");
        assert_eq!(fmt_pct(pct(17, 694).unwrap()), "2.45%");
        assert_eq!(fmt_pct(pct(1, 694).unwrap()), "0.14%");
        assert_eq!(fmt_pct(pct(340, 354).unwrap()), "96.05%");
        assert_eq!(fmt_pct(pct(7, 8).unwrap()), "87.5%");
        assert_eq!(fmt_pct(100.0), "100%");
        assert_eq!(fmt_num(-3.1), "-3.1");
        assert_eq!(pct(1, 0), None);
    }

    #[test]
    fn month_years_out_of_range_are_errors() {
        for s in [
            "300000-01",
            "0000-01",
            "1899-12",
            "10000-01",
            "99999999999-01",
        ] {
            let e = YearMonth::parse(s).unwrap_err();
            assert!(format!("{e:#}").contains(s), "{s}: {e:#}");
        }
        assert!(YearMonth::parse("1900-01").is_ok() && YearMonth::parse("9999-12").is_ok());
        assert_eq!(YearMonth::parse("9999-12").unwrap().days(), 31);
    }

    #[test]
    fn months_parse_and_step() {
        let m = YearMonth::parse("2022-06").unwrap();
        assert_eq!(m.to_string(), "2022-06");
        assert_eq!(YearMonth::parse("2022年6月").unwrap(), m);
        assert_eq!(YearMonth::parse("202206").unwrap(), m);
        assert_eq!(m.previous().to_string(), "2022-05");
        assert_eq!(
            YearMonth::parse("2022-01").unwrap().previous().to_string(),
            "2021-12"
        );
        assert_eq!(m.last_year().to_string(), "2021-06");
        assert_eq!(m.days(), 30);
        assert!(YearMonth::parse("2022-13").is_err());
        assert!(YearMonth::parse("june").is_err());

        assert_eq!(period_month("2020年11月"), YearMonth::parse("2020-11").ok());
        assert_eq!(period_month("2020年第一季度"), None);
    }

    #[test]
    fn towns_and_county_departments() {
        for t in [
            "龙仙镇",
            "民安街道办事处",
            "里耶镇人民政府",
            "长湖乡",
            "郭楼街道",
        ] {
            assert_eq!(DepartmentType::of(t), DepartmentType::Town, "{t}");
        }
        for c in ["公安局", "住管局", "经济开发区", "疫情指挥部", "人民医院"] {
            assert_eq!(DepartmentType::of(c), DepartmentType::County, "{c}");
        }
        assert_eq!(zh_number(3), "三");
        assert_eq!(zh_number(5), "五");
        assert_eq!(zh_number(12), "十二");
    }

    #[test]
    fn headings_follow_the_seeds() {
        let m = YearMonth::parse("2022-06").unwrap();
        assert_eq!(
            heading(Some("翁源县"), m),
            "翁源县承办12345政务服务便民热线2022年6月工作情况报告"
        );
        assert_eq!(
            heading(None, m),
            "12345政务服务便民热线2022年6月工作情况报告"
        );
    }
}
