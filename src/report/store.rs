//! Reading a month's report cases from the case store: the month, the month before and the
//! same month a year earlier (counted by received date, else closing date, else a document's
//! period), or every case when the report counts by closing date. `hotline report` and the
//! web workspace's `/api/report` both load through here.

use anyhow::Result;

use super::YearMonth;
use crate::index::{CaseParts, CaseStore};
use crate::model::Case;

/// The cases the report of `month` reads from `store`, with the parts a report reads
/// ([`CaseParts::Verdicts`]).
pub fn month_cases(store: &CaseStore, month: YearMonth, by_closed: bool) -> Result<Vec<Case>> {
    if by_closed {
        return store.all_cases_with(CaseParts::Verdicts);
    }
    let (ly_from, ly_to) = month.last_year().range();
    let (from, to) = (month.previous().range().0, month.range().1);
    store.cases_received_in(&[(ly_from, ly_to), (from, to)], true, CaseParts::Verdicts)
}
