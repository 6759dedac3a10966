//! The monthly report over every month of the shared data (hotspot_messages.csv of Teddy Cup
//! 2020 and the Shangluo mailbox): the Markdown body before 附件 stays under 8,000 characters
//! (the seeds are 5,000 to 12,000 with their tables), and no internal id, minute-less time or
//! other document's paragraph gets into the text. Skips when ../shared is absent.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use hotline::ingest::{read_path, ReadOptions};
use hotline::report::{self, case_month, DateBasis, Format, ReportOptions};

fn check_every_month(relative: &str) {
    let Some(dir) = hotline::testdata::shared_dir() else {
        println!("skipped: ../shared is absent (set HOTLINE_SHARED)");
        return;
    };
    let path = dir.join("datasets").join(relative);
    let mut cases = read_path(&path, &ReadOptions::default())
        .expect("readable")
        .cases;
    hotline::tag::tag_cases(&mut cases);
    let months: BTreeSet<_> = cases
        .iter()
        .filter_map(|c| case_month(c, DateBasis::Received))
        .collect();
    assert!(months.len() > 3, "{relative}: {} months", months.len());
    let opts = ReportOptions {
        issued: NaiveDate::from_ymd_opt(2024, 1, 1),
        ..ReportOptions::with_title("测试县")
    };
    let mut longest = (0, String::new());
    for month in months {
        let r = report::build_month(&cases, month, &opts);
        let md = String::from_utf8(report::render(&r, Format::Markdown).unwrap()).unwrap();
        let body = md.split("\n## 附件").next().unwrap();
        let n = body.chars().count();
        if n > longest.0 {
            longest = (n, month.to_string());
        }
        assert!(n < 8000, "{relative} {month}: {n} characters before 附件");
        for bad in ["时0分", "报告文档所列热点", "工单编号", "典型诉求"] {
            assert!(!body.contains(bad), "{relative} {month}: {bad}");
        }
    }
    println!(
        "{relative}: longest body {} characters ({})",
        longest.0, longest.1
    );
}

#[test]
fn every_month_of_hotspot_messages_is_within_length() {
    check_every_month("tipdm2020c/hotspot_messages.csv");
}

#[test]
fn every_month_of_shangluo_is_within_length() {
    check_every_month("shangluo_mailbox/mails.csv");
}
