//! The report as JSON: the [`MonthlyReport`] itself, with the keys the issue fixes (`month`,
//! `total`, `by_kind`, `by_kind_percent`, `satisfaction_rate`, `departments`, `hotspot_topics`,
//! `hotspots`, `urgent_cases`) and the rest of the report beside them.

use anyhow::Result;

use super::MonthlyReport;

/// Renders the report as pretty-printed JSON.
pub fn render(report: &MonthlyReport) -> Result<String> {
    let mut s = serde_json::to_string_pretty(report)?;
    s.push('\n');
    Ok(s)
}
