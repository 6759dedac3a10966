//! `hotline ingest` and `hotline stats` end to end, through the real binary: idempotent
//! re-ingest, the `--json` summary, rejected rows, updates across files, an unreadable input,
//! the seed reports in corpus/, and (when ../shared is present) the public datasets.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// `$HOTLINE_SHARED` if set, else `../shared` beside the crate root; `None` when absent.
fn shared_dir() -> Option<PathBuf> {
    hotline::testdata::shared_dir()
}

fn hotline(args: &[&str], index: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hotline"))
        .args(args)
        .arg("--index")
        .arg(index)
        .output()
        .unwrap()
}

fn ingest_json(paths: &[&Path], index: &Path) -> (Option<i32>, Value, String) {
    let mut args = vec!["ingest".to_string(), "--json".to_string()];
    args.extend(paths.iter().map(|p| p.display().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = hotline(&args, index);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{stderr}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    (out.status.code(), json, stderr)
}

fn n(v: &Value, key: &str) -> u64 {
    v[key]
        .as_u64()
        .unwrap_or_else(|| panic!("{key} missing in {v}"))
}

/// A small export: 4 good rows, one without narrative, one with a bad date, one id twice.
const ORDERS: &str = "\
工单编号,受理时间,诉求类型,承办单位,诉求内容
A001,2023-04-02 08:15:00,投诉,住建管理局,官渡镇某小区路灯不亮已一个月
A002,2023-04-03 09:00:00,咨询,人社局,咨询灵活就业人员医保缴费标准
A003,2023-04-05 10:30:00,投诉,城管局,
A004,不是日期,投诉,城管局,夜间施工噪音扰民
A005,2023-05-01 14:00:00,求助,水务局,龙仙镇停水两天无人处理
A002,2023-04-03 09:00:00,咨询,人社局,咨询灵活就业人员医保缴费标准和缴费渠道
A006,2023-05-09 16:20:00,建议,交通运输局,建议增加城区到火车站的公交班次
";

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn ingest_twice_adds_nothing_the_second_time_and_lists_rejects() {
    let dir = tempfile::tempdir().unwrap();
    let csv = write(dir.path(), "orders.csv", ORDERS);
    let index = dir.path().join("index");

    let (code, first, _) = ingest_json(&[&csv], &index);
    assert_eq!(code, Some(0));
    assert_eq!(n(&first, "read"), 7);
    assert_eq!(n(&first, "added"), 4);
    assert_eq!(n(&first, "updated"), 0);
    assert_eq!(n(&first, "unchanged"), 0);
    assert_eq!(n(&first, "rejected"), 2);
    assert_eq!(n(&first, "duplicate_ids"), 1);
    assert_eq!(n(&first, "duplicate_rows"), 1);
    assert_eq!(n(&first, "stored"), 4);
    let rejects = first["rejects"].as_array().unwrap();
    assert_eq!(rejects.len(), 2);
    for r in rejects {
        assert!(r["file"].as_str().unwrap().ends_with("orders.csv"));
        assert!(r["row"].as_u64().unwrap() >= 2);
        assert!(!r["field"].as_str().unwrap().is_empty());
        assert!(!r["reason"].as_str().unwrap().is_empty());
    }
    let rows: Vec<u64> = rejects.iter().map(|r| r["row"].as_u64().unwrap()).collect();
    assert_eq!(
        rows,
        [4, 5],
        "A003 (row 4) has no narrative, A004 (row 5) a bad date"
    );
    assert_eq!(rejects[0]["field"], "narrative");
    let files = first["files"].as_array().unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0]["duplicate_ids"], serde_json::json!(["A002"]));

    let (code, second, _) = ingest_json(&[&csv], &index);
    assert_eq!(code, Some(0));
    assert_eq!(n(&second, "added"), 0);
    assert_eq!(n(&second, "updated"), 0);
    assert_eq!(n(&second, "unchanged"), 4);
    assert_eq!(n(&second, "stored"), 4);

    // One edited row is an update, the rest unchanged.
    let edited = ORDERS.replace("路灯不亮已一个月", "路灯不亮已两个月");
    std::fs::write(&csv, edited).unwrap();
    let (_, third, _) = ingest_json(&[&csv], &index);
    assert_eq!(
        (
            n(&third, "added"),
            n(&third, "updated"),
            n(&third, "unchanged")
        ),
        (0, 1, 3)
    );
    assert_eq!(n(&third, "stored"), 4);
}

#[test]
fn the_human_summary_names_rejected_rows_and_counts_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("工单编号,诉求内容\n");
    for i in 0..12 {
        text.push_str(&format!("B{i},\n")); // no narrative
    }
    text.push_str("B99,路灯不亮\n");
    let csv = write(dir.path(), "bad.csv", &text);
    let out = hotline(
        &["ingest", csv.to_str().unwrap()],
        &dir.path().join("index"),
    );
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("拒绝 12"), "{stdout}");
    assert!(stdout.contains("bad.csv row 2, narrative"), "{stdout}");
    assert!(stdout.contains("……另有 7 行"), "{stdout}");
    assert!(stdout.contains("新增 1"), "{stdout}");
}

#[test]
fn ids_repeated_across_files_update_and_the_last_file_wins() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(
        dir.path(),
        "a.csv",
        "工单编号,诉求内容\nC1,第一次反映路灯不亮\nC2,停水\n",
    );
    let b = write(
        dir.path(),
        "b.csv",
        "工单编号,诉求内容\nC1,再次反映路灯仍不亮\n",
    );
    let index = dir.path().join("index");
    let (code, r, _) = ingest_json(&[&a, &b], &index);
    assert_eq!(code, Some(0));
    assert_eq!((n(&r, "added"), n(&r, "updated")), (2, 1));
    assert_eq!(n(&r, "stored"), 2);
    let store = hotline::index::CaseStore::open(&index).unwrap();
    assert_eq!(
        store.get("C1").unwrap().unwrap().narrative,
        "再次反映路灯仍不亮"
    );
}

#[test]
fn an_unreadable_input_exits_2_and_the_others_are_still_ingested() {
    let dir = tempfile::tempdir().unwrap();
    let good = write(dir.path(), "orders.csv", ORDERS);
    let missing = dir.path().join("missing.csv");
    let index = dir.path().join("index");
    let (code, r, stderr) = ingest_json(&[&missing, &good], &index);
    assert_eq!(code, Some(2));
    assert_eq!(n(&r, "failed"), 1);
    assert_eq!(n(&r, "added"), 4);
    assert_eq!(n(&r, "stored"), 4);
    assert!(stderr.contains("missing.csv"), "{stderr}");
    let files = r["files"].as_array().unwrap();
    assert!(files[0]["error"].as_str().unwrap().contains("missing.csv"));
    assert!(files[1].get("error").is_none());

    // Human form too.
    let out = hotline(
        &["ingest", missing.to_str().unwrap(), good.to_str().unwrap()],
        &index,
    );
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("NOT READ"), "{stdout}");
    assert!(stdout.contains("未变 4"), "{stdout}");
}

#[test]
fn stats_counts_by_month_kind_and_department() {
    let dir = tempfile::tempdir().unwrap();
    let csv = write(dir.path(), "orders.csv", ORDERS);
    let index = dir.path().join("index");
    assert_eq!(ingest_json(&[&csv], &index).0, Some(0));

    let out = hotline(&["stats", "--json"], &index);
    assert!(out.status.success());
    let s: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(n(&s, "total"), 4);
    assert_eq!(
        s["by_month"],
        serde_json::json!({"2023-04": 2, "2023-05": 2})
    );
    let kinds: Vec<(&str, u64)> = s["by_kind"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap(), c["count"].as_u64().unwrap()))
        .collect();
    assert_eq!(kinds, [("咨询", 1), ("建议", 1), ("投诉", 1), ("求助", 1)]);
    assert_eq!(s["by_department"].as_array().unwrap().len(), 4);

    let out = hotline(&["stats"], &index);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("4 cases"), "{text}");
    assert!(text.contains("住建管理局"), "{text}");

    let out = hotline(&["stats"], &dir.path().join("nothing-here"));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no case index"));
}

#[test]
fn the_seed_reports_in_corpus_ingest_idempotently() {
    let corpus = hotline::testdata::project_dir().join("corpus");
    let mut seeds: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    seeds.sort();
    assert!(seeds.len() >= 5);
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    let paths: Vec<&Path> = seeds.iter().map(PathBuf::as_path).collect();
    let (code, first, stderr) = ingest_json(&paths, &index);
    if stderr.contains("not implemented yet") {
        println!("skipped: report documents cannot be read yet ({stderr})");
        return;
    }
    assert_eq!(code, Some(0), "{stderr}");
    assert!(n(&first, "added") > 0);
    let store = hotline::index::CaseStore::open(&index).unwrap();
    assert!(store.get("20200000805").unwrap().is_some());
    let (_, second, _) = ingest_json(&paths, &index);
    assert_eq!(n(&second, "added"), 0);
    assert_eq!(n(&second, "updated"), 0);
    assert_eq!(n(&second, "stored"), n(&first, "stored"));
}

#[test]
fn the_shared_exports_store_8311_cases_and_a_rerun_adds_none() {
    let Some(shared) = shared_dir() else {
        println!("skipped: ../shared (or $HOTLINE_SHARED) is absent");
        return;
    };
    let ds = shared.join("datasets");
    let hot = ds.join("tipdm2020c/hotspot_messages.csv");
    let replies = ds.join("tipdm2020c/replies.csv");
    let mails = ds.join("shangluo_mailbox/mails.csv");
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    let paths = [hot.as_path(), replies.as_path(), mails.as_path()];

    let (code, r, stderr) = ingest_json(&paths, &index);
    assert_eq!(code, Some(0), "{stderr}");
    let files = r["files"].as_array().unwrap();
    assert_eq!(n(&files[0], "added"), 4_326);
    assert_eq!(n(&files[1], "added"), 2_816);
    assert_eq!(n(&files[2], "added"), 1_169);
    assert_eq!(n(&r, "added"), 8_311);
    assert_eq!(n(&r, "stored"), 8_311);
    assert_eq!(n(&r, "rejected"), 2);
    assert_eq!(n(&r, "duplicate_ids"), 7);
    assert_eq!(n(&r, "duplicate_rows"), 8);
    for j in r["rejects"].as_array().unwrap() {
        assert!(j["file"].as_str().unwrap().ends_with("mails.csv"));
        assert_eq!(j["field"], "narrative");
        assert!(j["row"].as_u64().unwrap() >= 2);
    }
    assert_eq!(files[2]["duplicate_ids"].as_array().unwrap().len(), 7);

    let (code, again, _) = ingest_json(&paths, &index);
    assert_eq!(code, Some(0));
    assert_eq!(n(&again, "added"), 0);
    assert_eq!(n(&again, "updated"), 0);
    assert_eq!(n(&again, "unchanged"), 8_311);
    assert_eq!(n(&again, "stored"), 8_311);
}
