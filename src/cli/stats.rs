//! `hotline stats`: counts of stored cases by month, kind, department, status and record type.

use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use super::ingest::emit;
use super::IndexArgs;
use crate::index::{CaseStore, NameCount, Stats};

/// Departments listed in the human output before `... and N more`.
const SHOWN_DEPARTMENTS: usize = 20;

#[derive(Args, Debug)]
pub struct StatsArgs {
    #[command(flatten)]
    pub index: IndexArgs,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: StatsArgs) -> Result<ExitCode> {
    let store = CaseStore::open_existing(&args.index.index)?;
    let stats = store.stats()?;
    if args.json {
        emit(&format!("{}\n", serde_json::to_string_pretty(&stats)?))?;
    } else {
        emit(&human(&stats))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The counts as a person reads them.
fn human(s: &Stats) -> String {
    let mut out = format!("{} cases\n", s.total);
    out.push_str("\nby month (受理月份), one line a year:\n");
    let mut years: Vec<(&str, u64, Vec<String>)> = Vec::new();
    for (m, n) in &s.by_month {
        let (y, mm) = m.split_once('-').unwrap_or((m.as_str(), ""));
        if years.last().is_none_or(|(last, _, _)| *last != y) {
            years.push((y, 0, Vec::new()));
        }
        if let Some((_, total, cells)) = years.last_mut() {
            *total += n;
            cells.push(format!("{mm}:{n}"));
        }
    }
    for (y, total, cells) in years {
        out.push_str(&format!("  {y} {total:>8}  {}\n", cells.join(" ")));
    }
    if s.no_month > 0 {
        out.push_str(&format!("  (无日期) {:>6}\n", s.no_month));
    }
    section(
        &mut out,
        "by kind (诉求类型)",
        &s.by_kind,
        s.no_kind,
        usize::MAX,
    );
    section(
        &mut out,
        "by department (承办单位)",
        &s.by_department,
        s.no_department,
        SHOWN_DEPARTMENTS,
    );
    section(
        &mut out,
        "by status (办理状态)",
        &s.by_status,
        s.no_status,
        usize::MAX,
    );
    section(&mut out, "by record type", &s.by_record, 0, usize::MAX);
    section(
        &mut out,
        "by category (一级分类, tagged)",
        &s.by_category,
        s.untagged,
        usize::MAX,
    );
    // Topics by their Chinese names, as reports print them.
    let topics: Vec<NameCount> = s
        .by_topic
        .iter()
        .map(|c| NameCount {
            name: crate::report::topic_name(&c.name).to_string(),
            ..c.clone()
        })
        .collect();
    section(&mut out, "by topic (tagged)", &topics, 0, SHOWN_DEPARTMENTS);
    out
}

fn section(out: &mut String, title: &str, counts: &[NameCount], missing: u64, shown: usize) {
    out.push_str(&format!("\n{title}:\n"));
    for c in counts.iter().take(shown) {
        out.push_str(&format!("  {:>8}  {}\n", c.count, c.name));
    }
    if counts.len() > shown {
        let rest: u64 = counts[shown..].iter().map(|c| c.count).sum();
        out.push_str(&format!(
            "  ... and {} more ({} cases; --json lists them all)\n",
            counts.len() - shown,
            rest
        ));
    }
    if missing > 0 {
        out.push_str(&format!("  {missing:>8}  (未填)\n"));
    }
}
