//! Departments learned from a store's own history, end to end through the real binary: an
//! ingest of cases with departments trains the store's route model (kept in the index
//! directory) unless `--no-train`; `hotline tag --index` suggests that store's departments
//! (a town office the text names first), not the built-in Shangluo ones; `hotline train --route
//! --index` retrains it; `hotline eval route --index --split` measures it and dumps the split.
//! The fixture is written by the test: a county's export with its own agencies.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn hotline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hotline"))
        .args(args)
        .env_remove("HOTLINE_INDEX")
        .env_remove("HOTLINE_MODEL_DIR")
        .output()
        .unwrap()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// Complaints of a county whose agencies the built-in model has never seen, one case a day
/// from 2023-01-01, each agency with its own problems.
const AGENCIES: [(&str, &[&str]); 4] = [
    (
        "翁源县水务局",
        &[
            "小区停水三天没有通知",
            "自来水水质发黄有异味",
            "供水管道爆裂漏水严重",
        ],
    ),
    (
        "翁源县交通运输局",
        &[
            "公交车班次太少等车一个小时",
            "出租车拒载绕路",
            "客运站班车停运",
        ],
    ),
    (
        "翁源县人力资源和社会保障局",
        &[
            "公司拖欠工资三个月不发",
            "社保断缴无法办理",
            "农民工讨薪无门",
        ],
    ),
    (
        "翁源县官渡镇人民政府",
        &[
            "官渡镇村道坑洼不平",
            "官渡镇集市占道经营",
            "官渡镇垃圾堆放无人清理",
        ],
    ),
];

fn write_export(path: &Path, days: usize) {
    let mut w = csv::Writer::from_path(path).unwrap();
    w.write_record(["工单编号", "受理时间", "诉求内容", "承办单位"])
        .unwrap();
    for d in 0..days {
        let (agency, texts) = AGENCIES[d % AGENCIES.len()];
        let text = texts[(d / AGENCIES.len()) % texts.len()];
        let date =
            chrono::NaiveDate::from_ymd_opt(2023, 1, 1).unwrap() + chrono::Duration::days(d as i64);
        w.write_record([
            format!("WY{d:05}"),
            format!("{} 09:30", date.format("%Y/%-m/%-d")),
            format!("市民反映：{text}，请尽快处理。第{d}号"),
            agency.to_string(),
        ])
        .unwrap();
    }
    w.flush().unwrap();
}

fn suggestions(index: &Path, text: &str) -> Vec<String> {
    let out = ok(&hotline(&[
        "tag",
        "--json",
        "--index",
        &index.display().to_string(),
        text,
    ]));
    let v: Value = serde_json::from_str(&out).unwrap();
    v["department_suggestions"]
        .as_array()
        .unwrap_or_else(|| panic!("{v}"))
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_store_learns_its_own_departments() {
    let tmp = tempfile::tempdir().unwrap();
    let export = tmp.path().join("wengyuan.csv");
    write_export(&export, 120);
    let index = tmp.path().join("idx");
    let idx = index.display().to_string();
    let model = index.join(hotline::tag::route::STORE_MODEL_FILE);

    // --no-train: the cases are stored, no model is learned
    ok(&hotline(&[
        "ingest",
        "--no-train",
        "--index",
        &idx,
        &export.display().to_string(),
    ]));
    assert!(!model.exists());
    let before = suggestions(&index, "小区停水三天了");
    assert!(
        !before.iter().any(|d| d.starts_with("翁源县")),
        "{before:?}"
    );

    // train --route --index: the store's model, beside the index
    let out = ok(&hotline(&["train", "--route", "--index", &idx]));
    assert!(out.contains("4 个部门"), "{out}");
    assert!(model.is_file());
    let water = suggestions(&index, "我们小区又停水了，自来水管道漏水");
    assert_eq!(water[0], "翁源县水务局", "{water:?}");
    assert!(
        water.iter().all(|d| d.starts_with("翁源县")),
        "only the store's departments: {water:?}"
    );
    // the town office the text names comes first
    let town = suggestions(&index, "官渡镇某公司拖欠工资");
    assert_eq!(town[0], "翁源县官渡镇人民政府", "{town:?}");
    assert!(
        town.contains(&"翁源县人力资源和社会保障局".to_string()),
        "{town:?}"
    );

    // eval route: a date split of the store's history, dumped for the peer
    let dump = tmp.path().join("split");
    let out = ok(&hotline(&[
        "eval",
        "route",
        "--index",
        &idx,
        "--split",
        "2023-03-15",
        "--dump-split",
        &dump.display().to_string(),
    ]));
    assert!(out.contains("train=73 "), "{out}");
    assert!(out.contains("test=47 "), "{out}");
    let top1: f64 = out
        .lines()
        .find_map(|l| l.strip_prefix("top1="))
        .unwrap()
        .parse()
        .unwrap();
    assert!(top1 > 0.9, "{out}");
    let test_csv = std::fs::read_to_string(dump.join("test.csv")).unwrap();
    assert_eq!(test_csv.lines().count(), 48);
    assert!(test_csv.starts_with("id,received_at,text,department"));
}

#[test]
fn an_ingest_with_departments_retrains_the_store_model() {
    let tmp = tempfile::tempdir().unwrap();
    let export = tmp.path().join("wengyuan.csv");
    write_export(&export, 60);
    let index = tmp.path().join("idx");
    let idx = index.display().to_string();
    let out = ok(&hotline(&[
        "ingest",
        "--json",
        "--index",
        &idx,
        &export.display().to_string(),
    ]));
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["route"]["departments"], 4, "{v}");
    assert!(index.join(hotline::tag::route::STORE_MODEL_FILE).is_file());
    // cases tagged by a later ingest use the store's model
    let more = tmp.path().join("more.csv");
    let mut w = csv::Writer::from_path(&more).unwrap();
    w.write_record(["工单编号", "受理时间", "诉求内容"])
        .unwrap();
    w.write_record(["NEW1", "2023/6/1 10:00", "公交车班次太少，等车一个小时"])
        .unwrap();
    w.flush().unwrap();
    let out = ok(&hotline(&[
        "ingest",
        "--json",
        "--index",
        &idx,
        &more.display().to_string(),
    ]));
    let v: Value = serde_json::from_str(&out).unwrap();
    assert!(
        v.get("route").is_none(),
        "no departments, no retraining: {v}"
    );
    let store = hotline::index::CaseStore::open_existing(&index).unwrap();
    let case = store.get("NEW1").unwrap().unwrap();
    let tags = case.tags.unwrap();
    assert_eq!(
        tags.department_suggestions[0].name, "翁源县交通运输局",
        "{tags:?}"
    );
}
