//! `hotline hotspots`: a period's concrete hotspots with their heat.
//!
//! Loads the period's cases from the store (and the previous period of the same length, for
//! the growth term of the heat index), runs [`crate::hotspots::find_hotspots`] and prints a
//! ranked table or JSON.

use std::collections::HashMap;
use std::process::ExitCode;

use anyhow::Result;
use chrono::NaiveDateTime;
use clap::Args;

use super::IndexArgs;
pub use crate::hotspots::period::Period;
use crate::hotspots::period::{period_cases, Output, PeriodCases};
use crate::hotspots::{find_hotspots, Hotspot, HotspotParams};
use crate::index::CaseStore;
use crate::model::Case;

#[derive(Args, Debug)]
pub struct HotspotsArgs {
    #[command(flatten)]
    pub index: IndexArgs,
    /// Received on or after this date (YYYY-MM-DD, YYYY/MM/DD, YYYY-MM, or with a time).
    #[arg(long)]
    pub from: Option<String>,
    /// Received on or before this date (as --from; a day or month counts whole).
    #[arg(long)]
    pub to: Option<String>,
    /// A calendar month (YYYY-MM, YYYYMM or 2023年5月); overrides --from and --to.
    #[arg(long)]
    pub month: Option<String>,
    /// Only cases tagged with this topic: its Chinese name (供水) or id (water_supply).
    #[arg(long)]
    pub topic: Option<String>,
    /// How many hotspots to show (0 = all).
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// The period the arguments ask for (`None` = every case). The month and the dates are read
/// as `hotline report --month` and `hotline search --from/--to` read them
/// ([`YearMonth::parse`], [`parse_date_bound`]), so every command accepts the same forms.
pub fn period_of(args: &HotspotsArgs) -> Result<Option<(Period, bool)>> {
    Period::parse(
        args.month.as_deref(),
        args.from.as_deref(),
        args.to.as_deref(),
    )
}

pub fn run(args: HotspotsArgs) -> Result<ExitCode> {
    let store = CaseStore::open_existing(&args.index.index)?;
    let mut timer = crate::hotspots::StageTimer::new();
    let period = period_of(&args)?;
    let topic = args
        .topic
        .as_deref()
        .map(crate::report::parse_topic)
        .transpose()?;
    let PeriodCases {
        all,
        current,
        previous,
    } = period_cases(&store, period, topic.as_deref())?;
    // The store's mapped pages count in the resident set: closed once the cases are read.
    drop(store);
    timer.stage("load cases");
    let params = HotspotParams {
        top: args.top,
        previous,
        ..HotspotParams::default()
    };
    timer.stage("split periods");
    let hotspots = find_hotspots(&current, &params);
    if args.json {
        let out = Output {
            period: period.map(|p| p.0),
            cases: current.len(),
            hotspots: &hotspots,
        };
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(ExitCode::SUCCESS);
    }
    if current.is_empty() {
        println!("该时段没有工单（共 {all} 件在库）。");
        return Ok(ExitCode::SUCCESS);
    }
    let by_id: HashMap<&str, &Case> = current.iter().map(|c| (c.id.as_str(), c)).collect();
    print!("{}", render_table(&hotspots, &by_id, current.len()));
    Ok(ExitCode::SUCCESS)
}

/// The human-readable ranked table.
pub fn render_table(hotspots: &[Hotspot], cases: &HashMap<&str, &Case>, total: usize) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "{} 件工单，热点 {} 个（按热度排序）\n",
        total,
        hotspots.len()
    ));
    // 重复件: copies of a letter, not counted in 件数; 再次反映: repeat complaints.
    out.push_str(
        "排名  热度     件数  重复件  诉求人  点赞  再次反映  时间范围                 热点\n",
    );
    let day = |t: Option<NaiveDateTime>| {
        t.map(|t| t.date().to_string())
            .unwrap_or_else(|| "?".into())
    };
    for h in hotspots {
        out.push_str(&format!(
            "{:<5} {:<8.2} {:<5} {:<7} {:<7} {:<5} {:<9} {} ~ {}  {}\n",
            h.rank,
            h.heat,
            h.case_count,
            h.duplicates,
            h.distinct_users,
            h.likes,
            h.repeats,
            day(h.first),
            day(h.last),
            h.label
        ));
        if !h.keywords.is_empty() {
            out.push_str(&format!("      关键词：{}\n", h.keywords.join("、")));
        }
        for id in &h.representative_ids {
            let text = cases
                .get(id.as_str())
                .map(|c| crate::text::excerpt(c.title.as_deref().unwrap_or(&c.narrative), 40))
                .unwrap_or_default();
            out.push_str(&format!("      代表件 {id}：{text}\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(month: Option<&str>, from: Option<&str>, to: Option<&str>) -> HotspotsArgs {
        HotspotsArgs {
            index: IndexArgs { index: "x".into() },
            from: from.map(String::from),
            to: to.map(String::from),
            month: month.map(String::from),
            topic: None,
            top: 10,
            json: false,
        }
    }

    #[test]
    fn periods_and_previous_periods() {
        let (p, month) = period_of(&args(Some("2020-01"), None, None))
            .unwrap()
            .unwrap();
        assert!(month);
        assert_eq!(p.start.to_string(), "2020-01-01 00:00:00");
        assert_eq!(p.end.to_string(), "2020-02-01 00:00:00");
        let prev = p.previous(true);
        assert_eq!(prev.start.to_string(), "2019-12-01 00:00:00");
        let (p, _) = period_of(&args(None, Some("2019-11-01"), Some("2019-11-10")))
            .unwrap()
            .unwrap();
        assert_eq!(p.end.to_string(), "2019-11-11 00:00:00");
        assert_eq!(p.previous(false).start.to_string(), "2019-10-22 00:00:00");
        assert!(period_of(&args(None, None, None)).unwrap().is_none());
        let err = period_of(&args(Some("2020-13"), None, None)).unwrap_err();
        assert!(err.to_string().contains("--month"));
        assert!(period_of(&args(None, Some("2019-11-10"), Some("2019-11-01"))).is_err());
    }

    /// `hotspots` reads months and dates as `report --month` and `search --from` do.
    #[test]
    fn periods_accept_the_forms_of_report_and_search() {
        let month = |m: &str| period_of(&args(Some(m), None, None)).unwrap().unwrap().0;
        let nov = month("2020-11");
        for m in ["2020年11月", "202011", "2020/11", "2020-11"] {
            assert_eq!(month(m), nov, "{m}");
        }
        assert_eq!(nov.end.to_string(), "2020-12-01 00:00:00");
        let range = |f: &str, t: &str| period_of(&args(None, Some(f), Some(t))).unwrap().unwrap().0;
        let may = range("2023-05-01", "2023-05-31");
        assert_eq!(range("2023/05/01", "2023/05/31"), may);
        assert_eq!(range("2023.05.01", "2023-05"), may);
        assert_eq!(may.start.to_string(), "2023-05-01 00:00:00");
        assert_eq!(may.end.to_string(), "2023-06-01 00:00:00");
        let err = period_of(&args(Some("300000-01"), None, None)).unwrap_err();
        assert!(format!("{err:#}").contains("1900"), "{err:#}");
        assert!(period_of(&args(None, Some("2023-13-01"), None)).is_err());
        // An open-ended period has no previous period of its length, and does not panic.
        let p = period_of(&args(None, Some("-200000-01-01"), Some("200000-01-01")));
        if let Ok(Some((p, _))) = p {
            assert_eq!(p.previous(false).end, p.start);
        }
    }
}
