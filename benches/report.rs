//! The monthly report for a 100,000-case month (synthetic work orders: 60 departments, every
//! kind and return-visit result, 35 topics, urgent cases, a previous month and the same month
//! last year of 50,000 cases each for the comparisons).
//!
//! - `report/build_stats_100k`: `report::build_month` without hotspot clustering (the report's
//!   own work: counting, the annex, topics, choosing cases to quote);
//! - `report/build_full_100k`: the same with `hotspots::find_hotspots` on the month;
//! - `report/render_*_100k`: rendering the built report in each format.
//!
//! `cargo bench --bench report` (add `-- --quick` for one short pass). At the end it prints
//! the two figures that matter (median of 3 runs): the statistics alone, and hotspots +
//! report for the 100,000-case month against the 20 s budget.

mod common;

use common::median_secs;
use std::hint::black_box;
use std::time::Duration;

use chrono::NaiveDate;
use criterion::{criterion_group, Criterion};
use hotline::model::{Case, Kind, Satisfaction, Status, Tags};
use hotline::report::{self, Format, ReportOptions, YearMonth, TOPICS};

const COUNTY: [&str; 40] = [
    "公安局",
    "住建局",
    "市场监管局",
    "交通局",
    "人社局",
    "教育局",
    "卫生健康局",
    "自然资源局",
    "生态环境局",
    "水务局",
    "农业农村局",
    "民政局",
    "财政局",
    "税务局",
    "医保局",
    "社保局",
    "城管局",
    "交警大队",
    "消防大队",
    "林业局",
    "文广旅体局",
    "发改局",
    "工信局",
    "司法局",
    "供电局",
    "电信公司",
    "移动公司",
    "联通公司",
    "燃气公司",
    "自来水公司",
    "公路事务中心",
    "人民医院",
    "中医院",
    "政数局",
    "统计局",
    "机关事务局",
    "人民法院",
    "残联",
    "退役军人事务局",
    "应急管理局",
];
const TOWNS: [&str; 20] = [
    "龙仙镇",
    "官渡镇",
    "江尾镇",
    "新江镇",
    "周陂镇",
    "坝仔镇",
    "翁城镇",
    "铁龙镇",
    "民安街道",
    "华塘街道",
    "长湖乡",
    "中洲乡",
    "月田镇",
    "毛田镇",
    "公田镇",
    "步仙镇",
    "新墙镇",
    "杨林街镇",
    "张谷英镇",
    "荣家湾镇",
];
const PLACES: [&str; 12] = [
    "丽发新城",
    "东湖花园",
    "华翠小区",
    "江景苑",
    "龙华新城",
    "106国道",
    "建设路",
    "朝阳路",
    "环城路",
    "利龙村",
    "太坪村",
    "三华村",
];
const PROBLEMS: [&str; 12] = [
    "夜间施工噪音扰民，严重影响居民休息",
    "路灯已坏半个多月无人维修",
    "经常停水且不提前通知",
    "物业公司服务差，电梯经常停运",
    "路面坑槽多，车辆经过轮胎爆裂",
    "垃圾长期无人清理，臭味很大",
    "包工头拖欠农民工工资至今未付",
    "商家拒绝退换有质量问题的商品",
    "学校课后作业过多，学生负担重",
    "发热门诊排队等候时间过长",
    "强降雨后房屋进水，农作物受损",
    "出租车不打表乱收费",
];

/// A deterministic pseudo-random number (xorshift).
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

fn synthetic_month(month: YearMonth, n: usize, seed: u64) -> Vec<Case> {
    let mut s = seed;
    let days = month.days() as u64;
    (0..n)
        .map(|i| {
            let r = next(&mut s);
            let place = PLACES[(r % PLACES.len() as u64) as usize];
            let problem = PROBLEMS[((r >> 8) % PROBLEMS.len() as u64) as usize];
            let mut c = Case::new(
                format!("B{}{:02}{i:07}", month.year, month.month),
                format!("市民来电反映：{place}{problem}，希望相关部门尽快核实处理。"),
            );
            let day = 1 + (r >> 16) % days;
            c.received_at = NaiveDate::from_ymd_opt(month.year, month.month, day as u32)
                .and_then(|d| d.and_hms_opt(((r >> 24) % 24) as u32, ((r >> 30) % 60) as u32, 0));
            let d = (r >> 36) % 100;
            c.department = Some(if d < 70 {
                COUNTY[(d as usize * 7 + i) % COUNTY.len()].to_string()
            } else {
                TOWNS[(d as usize + i) % TOWNS.len()].to_string()
            });
            c.kind = Some(match (r >> 44) % 100 {
                0..=84 => Kind::Complaint,
                85..=90 => Kind::Suggestion,
                91..=95 => Kind::Inquiry,
                96..=97 => Kind::Report,
                98 => Kind::HelpRequest,
                _ => Kind::Praise,
            });
            let status = (r >> 52) % 100;
            c.status = Some(match status {
                0..=4 => Status::Withdrawn,
                5..=7 => Status::InProgress,
                _ => Status::Closed,
            });
            if status > 7 {
                c.satisfaction = Some(match (r >> 56) % 100 {
                    0..=9 => Satisfaction::Satisfied,
                    10..=79 => Satisfaction::BasicallySatisfied,
                    80..=89 => Satisfaction::Dissatisfied,
                    _ => Satisfaction::Unrated,
                });
                c.reply = Some("承办单位已派员到现场核实处理，并电话告知市民。".into());
            }
            c.channel = Some(["电话", "微信", "网站", "省政务服务平台"][(r % 4) as usize].into());
            c.tags = Some(Tags {
                topic: TOPICS[((r >> 20) % TOPICS.len() as u64) as usize]
                    .0
                    .to_string(),
                topic_confidence: ((r >> 40) % 100) as f32 / 100.0,
                urgent: (r >> 48).is_multiple_of(500),
                ..Tags::default()
            });
            c
        })
        .collect()
}

/// The 100,000-case month, its previous month and the same month last year.
fn all_cases(month: YearMonth) -> Vec<Case> {
    let mut cases = synthetic_month(month, 100_000, 0x9E37_79B9_7F4A_7C15);
    cases.extend(synthetic_month(
        month.previous(),
        50_000,
        0xD1B5_4A32_D192_ED03,
    ));
    cases.extend(synthetic_month(
        month.last_year(),
        50_000,
        0x94D0_49BB_1331_11EB,
    ));
    cases
}

/// One line per figure: the report's own work, and hotspots + report (budget 20 s).
fn summary() {
    let month = YearMonth::parse("2022-06").unwrap();
    let cases = all_cases(month);
    let stats = ReportOptions {
        hotspots: false,
        ..ReportOptions::with_title("翁源县")
    };
    let full = ReportOptions::with_title("翁源县");
    report::build_month(&cases[..2_000], month, &full); // warm-up (dictionary load)
    let s = median_secs(3, || {
        black_box(report::build_month(&cases, month, &stats));
    });
    let f = median_secs(3, || {
        black_box(report::build_month(&cases, month, &full));
    });
    println!();
    println!(
        "monthly report, 100,000-case month (+ 50,000 previous, 50,000 last year), {} threads, median of 3:",
        rayon::current_num_threads()
    );
    println!("  report statistics alone: {s:7.3} s");
    println!(
        "  hotspots + report:       {f:7.3} s (budget 20 s: {})",
        if f < 20.0 { "met" } else { "MISSED" }
    );
}

fn bench(c: &mut Criterion) {
    let month = YearMonth::parse("2022-06").unwrap();
    let cases = all_cases(month);
    let stats = ReportOptions {
        hotspots: false,
        ..ReportOptions::with_title("翁源县")
    };
    let full = ReportOptions::with_title("翁源县");

    let mut g = c.benchmark_group("report");
    g.sample_size(10);
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(10));
    g.bench_function("build_stats_100k", |b| {
        b.iter(|| report::build_month(black_box(&cases), month, &stats))
    });
    g.bench_function("build_full_100k", |b| {
        b.iter(|| report::build_month(black_box(&cases), month, &full))
    });
    let built = report::build_month(&cases, month, &full);
    assert_eq!(built.total, 100_000);
    for (name, format) in [
        ("render_md_100k", Format::Markdown),
        ("render_html_100k", Format::Html),
        ("render_json_100k", Format::Json),
        ("render_docx_100k", Format::Docx),
        ("render_xlsx_100k", Format::Xlsx),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| report::render(black_box(&built), format).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    summary();
}
