//! Exactness: the report built from seed 001's annex, expanded into 694 work orders
//! (tests/fixtures/seed001_2022-06.csv, made by tests/fixtures/gen_seed001.py), reproduces the
//! seed's figures in the markdown and JSON outputs.

use std::path::PathBuf;

use hotline::model::Case;
use hotline::report::{self, Format, ReportOptions};

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seed001_2022-06.csv")
}

/// The fixture's cases, read by `ingest::read_path` as `hotline report --input` reads them.
fn load() -> Vec<Case> {
    let batch = hotline::ingest::read_path(&fixture(), &Default::default()).expect("fixture reads");
    assert!(batch.rejects.is_empty(), "rejects: {:?}", batch.rejects);
    assert_eq!(batch.read, 694);
    batch.cases
}

fn build() -> report::MonthlyReport {
    let mut cases = load();
    assert_eq!(cases.len(), 694);
    hotline::tag::tag_cases(&mut cases);
    report::build(&cases, "2022-06", &ReportOptions::with_title("翁源县")).expect("report builds")
}

#[test]
fn markdown_reproduces_seed_001() {
    let r = build();
    let md = String::from_utf8(report::render(&r, Format::Markdown).unwrap()).unwrap();
    assert!(md.contains("# 翁源县承办12345政务服务便民热线2022年6月工作情况报告"));
    assert!(md.contains("转派工单总量为694件"), "{md}");
    assert!(md.contains("已办结工单694件"));
    for s in [
        "投诉类（626件）占工单总量的90.2%",
        "建议类（43件）占工单总量的6.2%",
        "咨询类（17件）占工单总量的2.45%",
        "举报类（7件）占工单总量的1.01%",
        "表扬类（1件）占工单总量的0.14%",
        "承办工单量前三名的县直单位是：公安局（124件）、住管局（68件）、市场监管局（59件）",
        "承办工单量前三名的镇是：龙仙镇（97件）、官渡镇（42件）、江尾镇（39件）",
        "回访评价满意49件，基本满意475件，不满意91件，未评价79件，群众满意率为86.89%",
    ] {
        assert!(md.contains(s), "missing {s:?} in\n{md}");
    }
    // The annex rows, in the seed's column order (咨询 投诉 举报 求助 建议 表扬); zeros are
    // left blank as the seed prints them.
    let row = |cells: &[&str]| format!("| {} |", cells.join(" | "));
    let police = [
        "公安局",
        "124",
        "",
        "",
        "3",
        "109",
        "4",
        "",
        "8",
        "",
        "12",
        "87",
        "13",
        "12",
        "89.52%",
    ];
    assert!(md.contains(&row(&police)), "{}", row(&police));
    let longxian = [
        "龙仙镇",
        "97",
        "",
        "",
        "",
        "92",
        "1",
        "",
        "4",
        "",
        "5",
        "71",
        "16",
        "5",
        "83.51%",
    ];
    assert!(md.contains(&row(&longxian)));
    assert!(md.contains("| 人民医院 | 17 |"));
    assert!(md.contains("| 卫生健康局 | 20 |") && md.contains("| 85% |"));
    assert!(md.contains("**合计** | **694** |"));
    assert!(md.contains("| **17** | **626** | **7** |  | **43** | **1** | **49** | **475** | **91** | **79** | **86.89%** |"), "{md}");
    assert!(md.contains("**86.89%**"));
    for h in [
        "## 一、基本情况",
        "## 二、热点问题",
        "## 三、应急处置与典型案例",
        "## 四、满意度与时效",
        "## 附件：",
    ] {
        assert!(md.contains(h), "missing section {h}");
    }
}

#[test]
fn json_reproduces_seed_001() {
    let r = build();
    let json = String::from_utf8(report::render(&r, Format::Json).unwrap()).unwrap();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["month"], "2022-06");
    assert_eq!(v["total"], 694);
    assert_eq!(v["by_kind"]["投诉"], 626);
    assert_eq!(v["by_kind"]["建议"], 43);
    assert_eq!(v["by_kind"]["咨询"], 17);
    assert_eq!(v["by_kind"]["举报"], 7);
    assert_eq!(v["by_kind"]["表扬"], 1);
    assert_eq!(v["by_kind_percent"]["投诉"], 90.2);
    assert_eq!(v["by_kind_percent"]["建议"], 6.2);
    assert_eq!(v["by_kind_percent"]["咨询"], 2.45);
    assert_eq!(v["by_kind_percent"]["举报"], 1.01);
    assert_eq!(v["by_kind_percent"]["表扬"], 0.14);
    assert_eq!(v["satisfaction_rate"], 86.89);
    let depts = v["departments"].as_array().unwrap();
    assert_eq!(depts.len(), 41);
    let find = |name: &str| depts.iter().find(|d| d["name"] == name).unwrap().clone();
    let police = find("公安局");
    assert_eq!(police["total"], 124);
    assert_eq!(police["type"], "县直单位");
    assert_eq!(police["satisfaction_rate"], 89.52);
    assert_eq!(police["by_kind"]["投诉"], 109);
    assert_eq!(police["dissatisfied"], 13);
    let longxian = find("龙仙镇");
    assert_eq!(longxian["total"], 97);
    assert_eq!(longxian["type"], "镇/乡/街道");
    assert_eq!(longxian["satisfaction_rate"], 83.51);
    assert_eq!(find("人民医院")["satisfaction_rate"], 100.0);
    assert_eq!(find("农业农村局")["satisfaction_rate"], 87.5);
    assert_eq!(depts[0]["name"], "公安局");
    assert_eq!(depts[1]["name"], "龙仙镇");
    let names = |key: &str| -> Vec<String> {
        v[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        names("top_county_departments"),
        ["公安局", "住管局", "市场监管局"]
    );
    assert_eq!(
        names("top_town_departments"),
        ["龙仙镇", "官渡镇", "江尾镇"]
    );
    for key in ["hotspot_topics", "hotspots", "urgent_cases"] {
        assert!(v[key].is_array(), "{key}");
    }
    // Every department row adds up, as the seed's annex does.
    for d in depts {
        let kinds: u64 = d["by_kind"]
            .as_object()
            .unwrap()
            .values()
            .map(|x| x.as_u64().unwrap())
            .sum();
        let sats: u64 = [
            "satisfied",
            "basically_satisfied",
            "dissatisfied",
            "unrated",
        ]
        .iter()
        .map(|k| d[*k].as_u64().unwrap())
        .sum();
        assert_eq!(kinds, d["total"].as_u64().unwrap(), "{}", d["name"]);
        assert_eq!(sats, d["total"].as_u64().unwrap(), "{}", d["name"]);
    }
}

/// Keyword topics for the visual check while the tagger is a stub (only used when no case has
/// tags after `tag_cases`).
fn keyword_topics(cases: &mut [Case]) {
    const KEYWORDS: &[(&str, &str)] = &[
        ("强降雨", "flood_disaster"),
        ("洪水", "flood_disaster"),
        ("山体滑坡", "flood_disaster"),
        ("发热门诊", "medical_service"),
        ("医院", "medical_service"),
        ("塌方", "road_damage"),
        ("坑槽", "road_damage"),
        ("路面", "road_damage"),
        ("噪音", "noise"),
        ("KTV", "noise"),
        ("物业", "property_management"),
        ("交房", "housing_quality"),
        ("产权证", "housing_quality"),
        ("拖欠工资", "wage_arrears"),
        ("停水", "water_supply"),
        ("路灯", "street_lighting"),
        ("商家", "consumer_rights"),
        ("超载", "traffic_order"),
        ("乱停", "traffic_order"),
    ];
    for c in cases.iter_mut() {
        let topic = KEYWORDS
            .iter()
            .find(|(k, _)| c.narrative.contains(k))
            .map(|(_, t)| *t)
            .unwrap_or("other");
        c.tags = Some(hotline::model::Tags {
            topic: topic.to_string(),
            topic_confidence: 0.7,
            urgent: c.narrative.contains("塌方"),
            ..Default::default()
        });
    }
}

/// `HOTLINE_REPORT_DUMP=DIR cargo test --test report_seed001 dump` writes every format of the
/// seed 001 report into DIR, for looking at (rendering to PNG); does nothing otherwise.
#[test]
fn dump_outputs_for_inspection() {
    let Some(dir) = std::env::var_os("HOTLINE_REPORT_DUMP") else {
        return;
    };
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut cases = load();
    hotline::tag::tag_cases(&mut cases);
    if cases.iter().all(|c| c.tags.is_none()) {
        keyword_topics(&mut cases);
    }
    let r = report::build(&cases, "2022-06", &ReportOptions::with_title("翁源县")).unwrap();
    for f in [
        Format::Markdown,
        Format::Html,
        Format::Json,
        Format::Docx,
        Format::Xlsx,
    ] {
        let path = dir.join(format!("seed001.{}", f.extension()));
        report::write(&r, f, &path).unwrap();
        eprintln!("wrote {}", path.display());
    }
}

#[test]
fn cli_reads_the_fixture_with_input() {
    let out = assert_cmd::Command::cargo_bin("hotline")
        .unwrap()
        .args([
            "report",
            "--month",
            "2022-06",
            "--title",
            "翁源县",
            "--input",
        ])
        .arg(fixture())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(md.contains("投诉类（626件）占工单总量的90.2%"));
    assert!(md.contains("群众满意率为86.89%"));
}
