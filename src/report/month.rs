//! The cases a monthly report reads, selected once: the month's cases, the previous month's and
//! the same month last year's, each split into work orders and narratives. Every section
//! builder ([`super::basic`], [`super::hot`], [`super::cases`]) takes a [`MonthCases`], so a new
//! kind of report (a supervision report, a quarterly one) reuses the selection and picks the
//! sections it needs.

use crate::model::{Case, RecordType};

use super::{case_month, DateBasis, YearMonth};

/// One month's cases and the months it is compared with, borrowed from the caller's cases.
pub struct MonthCases<'a> {
    pub month: YearMonth,
    pub date_basis: DateBasis,
    /// Every case of the month (work orders, report-document cases and hotspots).
    pub this: Vec<&'a Case>,
    /// The month's work orders.
    pub orders: Vec<&'a Case>,
    pub prev_orders: Vec<&'a Case>,
    pub ly_orders: Vec<&'a Case>,
    /// The month's cases that tell a single citizen's appeal (no report-document hotspots).
    pub narratives: Vec<&'a Case>,
    /// What the topic statistics count: the work orders, or the narratives when there are none.
    pub basis: Vec<&'a Case>,
    /// The same for the previous month.
    pub prev_basis: Vec<&'a Case>,
}

fn work_orders<'a>(cases: &[&'a Case]) -> Vec<&'a Case> {
    cases
        .iter()
        .copied()
        .filter(|c| c.record == RecordType::WorkOrder)
        .collect()
}

fn narratives<'a>(cases: &[&'a Case]) -> Vec<&'a Case> {
    cases
        .iter()
        .copied()
        .filter(|c| c.record != RecordType::ReportHotspot)
        .collect()
}

impl<'a> MonthCases<'a> {
    /// Selects `month` and its comparison months from `cases` (other months are ignored).
    pub fn select(cases: &'a [Case], month: YearMonth, date_basis: DateBasis) -> MonthCases<'a> {
        let (prev_month, last_year) = (month.previous(), month.last_year());
        let mut this: Vec<&Case> = Vec::new();
        let mut prev: Vec<&Case> = Vec::new();
        let mut ly: Vec<&Case> = Vec::new();
        for c in cases {
            match case_month(c, date_basis) {
                Some(m) if m == month => this.push(c),
                Some(m) if m == prev_month => prev.push(c),
                Some(m) if m == last_year => ly.push(c),
                _ => {}
            }
        }
        let orders = work_orders(&this);
        let prev_orders = work_orders(&prev);
        let narratives_now = narratives(&this);
        let basis = if orders.is_empty() {
            narratives_now.clone()
        } else {
            orders.clone()
        };
        let prev_basis = if prev_orders.is_empty() {
            narratives(&prev)
        } else {
            prev_orders.clone()
        };
        MonthCases {
            month,
            date_basis,
            ly_orders: work_orders(&ly),
            this,
            orders,
            prev_orders,
            narratives: narratives_now,
            basis,
            prev_basis,
        }
    }
}
