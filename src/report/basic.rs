//! Section builders for the counting parts of a report: 一、基本情况 ([`basic`]: totals by
//! status, kind, channel and department, comparisons with earlier months), 四、满意度与时效 and
//! the annex ([`annex`]: closed work orders per department, satisfaction, overdue and cards).

use std::collections::{BTreeMap, HashMap};

use crate::model::{Card, Case, Status};

use super::month::MonthCases;
use super::{
    compare, dept_name, is_closed, is_overdue, pct, ranked, DepartmentRow, DepartmentType,
    KindCounts, KindPercents, MonthStats, NameCount, PeriodComparison, ReportOptions,
    SatisfactionSummary, NO_DEPARTMENT,
};

/// 一、基本情况.
pub struct Basic {
    pub total: usize,
    pub withdrawn: usize,
    pub closed: usize,
    pub in_progress: usize,
    /// Work orders whose status the data does not tell (not counted as 正在处理中).
    pub unknown_status: usize,
    pub not_accepted: usize,
    pub by_kind: KindCounts,
    pub by_kind_percent: KindPercents,
    pub unknown_kind: usize,
    pub by_channel: Vec<NameCount>,
    pub top_departments: Vec<NameCount>,
    pub top_county_departments: Vec<NameCount>,
    pub top_town_departments: Vec<NameCount>,
}

/// Whether a work order's data says anything about its handling (a status, a reply, a
/// closing date or a return visit).
fn status_known(c: &Case) -> bool {
    c.status.is_some() || is_closed(c)
}

/// Builds 一、基本情况 from the month's work orders.
pub fn basic(m: &MonthCases, opts: &ReportOptions) -> Basic {
    let orders = &m.orders;
    let total = orders.len();
    let (mut withdrawn, mut closed, mut in_progress, mut unknown_status, mut not_accepted) =
        (0, 0, 0, 0, 0);
    let mut by_kind = KindCounts::default();
    let mut unknown_kind = 0;
    let mut channels: HashMap<&str, usize> = HashMap::new();
    let mut dept_counts: HashMap<&str, usize> = HashMap::new();
    for c in orders {
        match c.status {
            Some(Status::Withdrawn) => withdrawn += 1,
            Some(Status::NotAccepted) => not_accepted += 1,
            _ if is_closed(c) => closed += 1,
            _ if !status_known(c) => unknown_status += 1,
            _ => in_progress += 1,
        }
        match c.kind {
            Some(k) => by_kind.add(k),
            None => unknown_kind += 1,
        }
        if let Some(ch) = c
            .channel
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            *channels.entry(ch).or_default() += 1;
        }
        *dept_counts.entry(dept_name(c)).or_default() += 1;
    }
    let mut by_kind_percent = KindPercents::default();
    for (i, n) in by_kind.0.iter().enumerate() {
        by_kind_percent.0[i] = pct(*n, total).unwrap_or(0.0);
    }
    let top_departments = ranked(dept_counts, total);
    let top_of = |t: DepartmentType| -> Vec<NameCount> {
        top_departments
            .iter()
            .filter(|d| d.name != NO_DEPARTMENT && DepartmentType::of(&d.name) == t)
            .take(opts.top_departments)
            .cloned()
            .collect()
    };
    Basic {
        total,
        withdrawn,
        closed,
        in_progress,
        unknown_status,
        not_accepted,
        by_kind,
        by_kind_percent,
        unknown_kind,
        by_channel: ranked(channels, total),
        top_county_departments: top_of(DepartmentType::County),
        top_town_departments: top_of(DepartmentType::Town),
        top_departments,
    }
}

/// The annex, 四、满意度与时效 and the comparisons with earlier months.
pub struct Annex {
    pub departments: Vec<DepartmentRow>,
    pub departments_total: DepartmentRow,
    pub satisfaction: SatisfactionSummary,
    pub overdue: Option<usize>,
    pub yellow_cards: Option<usize>,
    pub red_cards: Option<usize>,
    pub previous_month: Option<PeriodComparison>,
    pub same_month_last_year: Option<PeriodComparison>,
}

/// Builds the annex rows (closed work orders per department) and what 四 says of them.
pub fn annex(m: &MonthCases) -> Annex {
    let orders = &m.orders;
    let mut rows: BTreeMap<&str, DepartmentRow> = BTreeMap::new();
    for c in orders.iter().filter(|c| is_closed(c)) {
        let name = dept_name(c);
        rows.entry(name)
            .or_insert_with(|| DepartmentRow::new(name))
            .add(c);
    }
    let mut departments: Vec<DepartmentRow> = rows.into_values().collect();
    let mut departments_total = DepartmentRow::new("合计");
    let rated = orders.iter().any(|c| c.satisfaction.is_some());
    for r in departments.iter_mut() {
        r.finish(rated);
        departments_total.add_row(r);
    }
    departments_total.finish(rated);
    departments.sort_by(|a, b| b.total.cmp(&a.total).then_with(|| a.name.cmp(&b.name)));
    let satisfaction = SatisfactionSummary {
        closed: departments_total.total,
        satisfied: departments_total.satisfied,
        basically_satisfied: departments_total.basically_satisfied,
        dissatisfied: departments_total.dissatisfied,
        unrated: departments_total.unrated,
        rate: departments_total.satisfaction_rate,
    };
    let knows_cards = orders.iter().any(|c| c.card.is_some());
    let knows_overdue = orders
        .iter()
        .any(|c| c.overdue.is_some() || c.deadline.is_some());
    let overdue_count = orders.iter().filter(|c| is_overdue(c)).count();
    let count_card = |card: Card| orders.iter().filter(|c| c.card == Some(card)).count();
    let cur = MonthStats {
        total: orders.len(),
        satisfaction_rate: satisfaction.rate,
    };
    Annex {
        previous_month: compare(m.month.previous(), &cur, &m.prev_orders),
        same_month_last_year: compare(m.month.last_year(), &cur, &m.ly_orders),
        departments,
        departments_total,
        satisfaction,
        overdue: knows_overdue.then_some(overdue_count),
        yellow_cards: knows_cards.then(|| count_card(Card::Yellow)),
        red_cards: knows_cards.then(|| count_card(Card::Red)),
    }
}
