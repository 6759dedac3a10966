//! Every report format from cases built in code: markdown sections, JSON keys, a docx that
//! docx-rs reads back, an xlsx that calamine reads back, a self-contained HTML page with SVG
//! charts; seed 000's satisfaction formula; comparisons, topics, urgent cases, empty months; and
//! the `hotline report` command over a case store.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use chrono::NaiveDate;
use hotline::index::CaseStore;
use hotline::model::{Card, Case, Kind, RecordType, Satisfaction, Status, Tags};
use hotline::report::{self, Format, MonthlyReport, ReportOptions};

fn at(y: i32, m: u32, d: u32, h: u32) -> chrono::NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d)
        .unwrap()
        .and_hms_opt(h, 30, 0)
        .unwrap()
}

#[allow(clippy::too_many_arguments)]
fn order(
    id: usize,
    month: (i32, u32),
    dept: &str,
    kind: Kind,
    status: Status,
    sat: Option<Satisfaction>,
    topic: &str,
    text: &str,
) -> Case {
    let mut c = Case::new(format!("T{id:06}"), text);
    c.received_at = Some(at(
        month.0,
        month.1,
        (id % 28) as u32 + 1,
        9 + (id % 8) as u32,
    ));
    c.department = Some(dept.to_string());
    c.kind = Some(kind);
    c.status = Some(status);
    c.satisfaction = sat;
    c.reply = Some(format!("{dept}已派员核实处理，并电话告知市民。"));
    c.tags = Some(Tags {
        topic: topic.to_string(),
        topic_confidence: 0.8,
        ..Tags::default()
    });
    c
}

/// Seed 000 (翁源县, 2020年11月): 376 work orders, 22 withdrawn, 354 closed; 投诉 339, 建议 12,
/// 咨询 23, 举报 2; return visits 满意 17, 基本满意 317, 不满意 14, 未评价 6.
fn seed000() -> Vec<Case> {
    let mut kinds = Vec::new();
    kinds.extend(std::iter::repeat_n(Kind::Complaint, 339));
    kinds.extend(std::iter::repeat_n(Kind::Suggestion, 12));
    kinds.extend(std::iter::repeat_n(Kind::Inquiry, 23));
    kinds.extend(std::iter::repeat_n(Kind::Report, 2));
    let mut sats = Vec::new();
    sats.extend(std::iter::repeat_n(Satisfaction::Satisfied, 17));
    sats.extend(std::iter::repeat_n(Satisfaction::BasicallySatisfied, 317));
    sats.extend(std::iter::repeat_n(Satisfaction::Dissatisfied, 14));
    sats.extend(std::iter::repeat_n(Satisfaction::Unrated, 6));
    let depts = [
        "公安局",
        "住建管理局",
        "官渡镇",
        "新江镇",
        "龙仙镇",
        "交通局",
    ];
    let topics = [
        ("street_lighting", "106国道路段路灯经常不亮，夜间出行不安全"),
        ("street_lighting", "市政路灯开启时间未随冬季天黑提前调整"),
        (
            "water_supply",
            "县城区域经常无端停水，自来水公司未提前发布停水通知",
        ),
        (
            "staff_conduct",
            "职能部门办公电话打不通，工作人员态度不耐烦",
        ),
        ("road_damage", "利龙村桥梁处有一个长方形的坑，车辆经过颠簸"),
    ];
    kinds
        .into_iter()
        .enumerate()
        .map(|(i, kind)| {
            let (topic, text) = topics[i % topics.len()];
            let (status, sat) = if i < 354 {
                (Status::Closed, Some(sats[i]))
            } else {
                (Status::Withdrawn, None)
            };
            order(
                i,
                (2020, 11),
                depts[i % depts.len()],
                kind,
                status,
                sat,
                topic,
                text,
            )
        })
        .collect()
}

fn seed000_report() -> MonthlyReport {
    report::build(&seed000(), "2020-11", &ReportOptions::with_title("翁源县")).unwrap()
}

fn text(r: &MonthlyReport, f: Format) -> String {
    String::from_utf8(report::render(r, f).unwrap()).unwrap()
}

#[test]
fn seed000_satisfaction_formula_and_kinds() {
    let r = seed000_report();
    assert_eq!(
        (r.total, r.withdrawn, r.closed, r.in_progress),
        (376, 22, 354, 0)
    );
    assert_eq!(r.satisfaction.closed, 354);
    assert_eq!(r.satisfaction.dissatisfied, 14);
    assert_eq!(r.satisfaction_rate, Some(96.05));
    let md = text(&r, Format::Markdown);
    for s in [
        "转派工单总量为376件，其中已撤销工单22件，已办结工单354件，正在处理中的工单0件",
        "投诉类（339件）占工单总量的90.16%",
        "建议类（12件）占工单总量的3.19%",
        "咨询类（23件）占工单总量的6.12%",
        "举报类（2件）占工单总量的0.53%",
        "共对354件已办结工单（不含撤销单）发起满意度调查，回访评价满意17件，基本满意317件，不满意14件，未评价6件，群众满意率为96.05%",
    ] {
        assert!(md.contains(s), "missing {s:?} in\n{md}");
    }
    // The annex counts the closed orders only; per department the same formula.
    let total: usize = r.departments.iter().map(|d| d.total).sum();
    assert_eq!(total, 354);
    for d in &r.departments {
        let expect = report::pct(d.total - d.dissatisfied, d.total);
        assert_eq!(d.satisfaction_rate, expect, "{}", d.name);
    }
}

#[test]
fn markdown_has_every_section() {
    let md = text(&seed000_report(), Format::Markdown);
    for h in [
        "# 翁源县承办12345政务服务便民热线2020年11月工作情况报告",
        "## 一、基本情况",
        "## 二、热点问题",
        "### （一）道路照明问题",
        "## 三、应急处置与典型案例",
        "### （一）应急处置情况",
        "### （二）典型案例",
        "## 四、满意度与时效",
        "## 附件：翁源县承办12345政务服务便民热线2020年11月工单办理情况表",
        "| 职能部门 | 工单总数 | 黄牌 | 红牌 | 咨询 | 投诉 | 举报 | 求助 | 建议 | 表扬 | 满意 | 基本满意 | 不满意 | 未评价 | 满意率 |",
    ] {
        assert!(md.contains(h), "missing {h:?} in\n{md}");
    }
    assert!(md.contains("承办工单量前三名的县直单位是："));
    assert!(md.contains("承办工单量前三名的镇是："));
}

#[test]
fn json_has_the_contract_keys() {
    let v: serde_json::Value =
        serde_json::from_str(&text(&seed000_report(), Format::Json)).unwrap();
    for key in [
        "month",
        "total",
        "by_kind",
        "by_kind_percent",
        "satisfaction_rate",
        "departments",
        "hotspot_topics",
        "hotspots",
        "urgent_cases",
    ] {
        assert!(!v[key].is_null(), "missing {key}");
    }
    assert_eq!(v["month"], "2020-11");
    assert_eq!(v["by_kind"]["投诉"], 339);
    assert_eq!(v["by_kind_percent"]["投诉"], 90.16);
    assert_eq!(v["satisfaction_rate"], 96.05);
    let d = &v["departments"][0];
    for key in [
        "name",
        "type",
        "total",
        "by_kind",
        "satisfied",
        "basically_satisfied",
        "dissatisfied",
        "unrated",
        "satisfaction_rate",
    ] {
        assert!(!d[key].is_null(), "department is missing {key}");
    }
    let topics = v["hotspot_topics"].as_array().unwrap();
    assert_eq!(topics.len(), 4);
    assert_eq!(topics[0]["name"], "道路照明");
}

#[test]
fn docx_is_a_word_document() {
    let bytes = report::render(&seed000_report(), Format::Docx).unwrap();
    assert_eq!(&bytes[..2], b"PK");
    let needle = b"word/document.xml";
    assert!(bytes.windows(needle.len()).any(|w| w == needle));
    let doc = docx_rs::read_docx(&bytes).expect("docx-rs reads it back");
    let json = doc.json();
    assert!(json.contains("一、基本情况"));
    assert!(json.contains("群众满意率为96.05%"));
    assert!(json.contains("合计"));
}

#[test]
fn xlsx_holds_the_annex() {
    let r = seed000_report();
    let bytes = report::render(&r, Format::Xlsx).unwrap();
    let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    assert_eq!(wb.sheet_names(), ["工单办理情况表", "基本情况"]);
    let range = wb.worksheet_range("工单办理情况表").unwrap();
    let cell = |r: u32, c: u32| range.get_value((r, c)).cloned().unwrap_or(Data::Empty);
    assert_eq!(cell(0, 0), Data::String(report::outline::annex_title(&r)));
    assert_eq!(cell(1, 0), Data::String("职能部门".into()));
    assert_eq!(cell(2, 4), Data::String("咨询".into()));
    assert_eq!(cell(3, 0), Data::String(r.departments[0].name.clone()));
    let last = 3 + r.departments.len() as u32;
    assert_eq!(cell(last, 0), Data::String("合计".into()));
    assert_eq!(cell(last, 1), Data::Float(354.0));
    match cell(last, 14) {
        Data::Float(p) => assert!((p - 0.9605).abs() < 1e-9, "{p}"),
        other => panic!("满意率 cell is {other:?}"),
    }
}

#[test]
fn html_is_self_contained_with_svg_charts() {
    let html = text(&seed000_report(), Format::Html);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<meta charset=\"utf-8\">"));
    assert!(html.matches("<svg").count() >= 4, "charts");
    assert!(html.contains("Noto Sans CJK SC"));
    assert!(html.contains("<table>") && html.contains("colspan=\"6\""));
    for external in ["<script", "<link", "src=\"http", "@import", "url("] {
        assert!(!html.contains(external), "external reference {external}");
    }
    assert!(html.contains("群众满意率为96.05%"));
}

#[test]
fn comparisons_topics_and_urgent_cases() {
    let mut cases = Vec::new();
    let mut id = 0;
    let mut push = |cases: &mut Vec<Case>, n: usize, month: (i32, u32), topic: &str, text: &str| {
        for _ in 0..n {
            id += 1;
            cases.push(order(
                id,
                month,
                "公安局",
                Kind::Complaint,
                Status::Closed,
                Some(if id % 10 == 0 {
                    Satisfaction::Dissatisfied
                } else {
                    Satisfaction::Satisfied
                }),
                topic,
                text,
            ));
        }
    };
    push(&mut cases, 10, (2022, 5), "noise", "夜间施工噪音扰民");
    push(&mut cases, 5, (2022, 5), "water_supply", "小区停水");
    push(&mut cases, 8, (2021, 6), "noise", "夜间施工噪音扰民");
    push(&mut cases, 9, (2022, 6), "noise", "夜间施工噪音扰民");
    push(&mut cases, 15, (2022, 6), "water_supply", "小区停水");
    push(&mut cases, 4, (2022, 6), "flood_disaster", "强降雨房屋进水");
    // An urgent case from tagging and one from a report document's 应急处置 section.
    let mut urgent = order(
        900,
        (2022, 6),
        "公路事务中心",
        Kind::HelpRequest,
        Status::InProgress,
        None,
        "road_damage",
        "S41省道塌方，树木倒在路上阻挡车辆通行",
    );
    urgent.tags.as_mut().unwrap().urgent = true;
    cases.push(urgent);
    let mut from_doc = Case::new(
        "R1",
        "6月8日，某村山体滑坡，县热线办第一时间联系镇政府处置。",
    );
    from_doc.record = RecordType::ReportCase;
    from_doc.source.section = Some("应急处置情况".into());
    from_doc.source.period = Some("2022年6月".into());
    cases.push(from_doc);
    let mut yellow = order(
        901,
        (2022, 6),
        "住管局",
        Kind::Complaint,
        Status::Closed,
        Some(Satisfaction::Unrated),
        "property_management",
        "物业不作为",
    );
    yellow.card = Some(Card::Yellow);
    yellow.overdue = Some(true);
    cases.push(yellow);

    let r = report::build(&cases, "2022-06", &ReportOptions::with_title("翁源县")).unwrap();
    assert_eq!(r.total, 30);
    assert_eq!((r.closed, r.in_progress), (29, 1));
    let prev = r.previous_month.as_ref().unwrap();
    assert_eq!(prev.total, 15);
    assert_eq!(prev.total_change_percent, Some(100.0));
    let ly = r.same_month_last_year.as_ref().unwrap();
    assert_eq!(ly.total, 8);
    assert_eq!(r.hotspot_topics[0].id, "water_supply");
    assert_eq!(r.hotspot_topics[0].previous, Some(5));
    let rising: Vec<&str> = r.rising_topics.iter().map(|t| t.id.as_str()).collect();
    assert!(rising.contains(&"water_supply"), "{rising:?}");
    assert!(rising.contains(&"flood_disaster"), "{rising:?}");
    assert!(!rising.contains(&"noise"));
    assert_eq!(r.urgent_cases.len(), 2);
    assert_eq!(
        (r.yellow_cards, r.red_cards, r.overdue),
        (Some(1), Some(0), Some(1))
    );
    let md = text(&r, Format::Markdown);
    assert!(
        md.contains("工单总量较上月（15件）增长100%，较去年同期（8件）增长275%"),
        "{md}"
    );
    assert!(
        md.contains("供水类诉求由上月5件增至15件（增长200%）"),
        "{md}"
    );
    assert!(md.contains("灾害防汛类诉求为本月新出现（4件）"), "{md}");
    assert!(md.contains("系统发放黄牌1单、红牌0单"));
    assert!(md.contains("S41省道塌方"));
    assert!(md.contains("某村山体滑坡"));
}

#[test]
fn an_empty_month_still_renders() {
    let r = report::build(&seed000(), "2021-01", &ReportOptions::default()).unwrap();
    assert_eq!(r.total, 0);
    assert_eq!(r.satisfaction_rate, None);
    for f in [
        Format::Markdown,
        Format::Html,
        Format::Json,
        Format::Docx,
        Format::Xlsx,
    ] {
        assert!(!report::render(&r, f).unwrap().is_empty());
    }
    let md = text(&r, Format::Markdown);
    assert!(md.contains("# 12345政务服务便民热线2021年1月工作情况报告"));
    assert!(report::build(&[], "2021-13", &ReportOptions::default()).is_err());
}

#[test]
fn cli_writes_every_format_from_a_store() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    let store = CaseStore::open(&index).unwrap();
    store.upsert(&seed000()).unwrap();
    drop(store);
    let out = assert_cmd::Command::cargo_bin("hotline")
        .unwrap()
        .args([
            "report",
            "--month",
            "2020-11",
            "--format",
            "json",
            "--title",
            "翁源县",
            "--index",
        ])
        .arg(&index)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["satisfaction_rate"], 96.05);
    for f in ["md", "html", "docx", "xlsx"] {
        let path = dir.path().join(format!("r.{f}"));
        assert_cmd::Command::cargo_bin("hotline")
            .unwrap()
            .args(["report", "--month", "2020-11", "--format", f, "--index"])
            .arg(&index)
            .arg("--out")
            .arg(&path)
            .assert()
            .success();
        assert!(std::fs::metadata(&path).unwrap().len() > 100, "{f}");
    }
    assert_cmd::Command::cargo_bin("hotline")
        .unwrap()
        .args(["report", "--month", "2020-11", "--format", "pdf", "--index"])
        .arg(&index)
        .assert()
        .failure()
        .stderr(predicates::str::contains("unknown report format"));
}

#[test]
fn no_return_visit_data_means_no_rate() {
    // Messages with replies but no 办理状态 or 回访 columns (like the public message datasets).
    let cases: Vec<Case> = (0..20)
        .map(|i| {
            let mut c = Case::new(format!("M{i}"), "小区门口路灯不亮");
            c.received_at = Some(at(2019, 5, 1 + i as u32, 10));
            c.department = Some(
                if i % 2 == 0 {
                    "城管局"
                } else {
                    "民安街道"
                }
                .into(),
            );
            if i < 15 {
                c.reply = Some("已安排维修。".into());
            }
            c
        })
        .collect();
    let r = report::build(&cases, "2019-05", &ReportOptions::default()).unwrap();
    // Without a status column an unanswered message's status is unknown, not 正在处理中.
    assert_eq!(
        (r.total, r.closed, r.in_progress, r.unknown_status),
        (20, 15, 0, 5)
    );
    assert_eq!(r.satisfaction_rate, None);
    assert!(r.departments.iter().all(|d| d.satisfaction_rate.is_none()));
    let md = text(&r, Format::Markdown);
    assert!(
        md.contains("工单数据未含回访评价结果，不计算满意率"),
        "{md}"
    );
    assert!(md.contains("| — |"));
    assert!(md.contains("从性质来看，工单数据未注明诉求类型（20件）"));
}
