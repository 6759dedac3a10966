//! Regression tests for bugs found in review of the report path: two report documents of one
//! county and month, `report --input` across files, the order of quoted cases, the 超期 count,
//! and command-line values that used to panic. Runs the real binary on small fixtures written
//! here (and seed 000 from corpus/).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn hotline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hotline"))
        .args(args)
        .output()
        .unwrap()
}

fn ok(args: &[&str]) -> String {
    let out = hotline(args);
    assert!(
        out.status.success(),
        "hotline {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn seed_000() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with("000_"))
        .expect("corpus/000_*")
}

fn ingest(file: &Path, index: &Path) -> Value {
    let out = ok(&[
        "ingest",
        "--json",
        &file.display().to_string(),
        "--index",
        &index.display().to_string(),
    ]);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

/// A second 翁源县 2020年11月 document: an 应急处置专报 beside seed 000's 工作情况报告.
const EMERGENCY_DOC: &str = "翁源县承办韶关市12345政府服务热线\n\n2020年11月应急处置专报\n\n\
一、应急处理情况\n\n11 月 20 日 8 点 10 分，李女士反映位于龙仙镇某小区燃气管道泄漏，气味很大，\
请求尽快处理。接到通知后，县热线办第一时间联系燃气公司，工作人员到场关阀抢修，隐患已消除。\n";

#[test]
fn two_documents_of_one_county_and_month_keep_their_cases() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("idx");
    let doc2 = write(dir.path(), "doc2.txt", EMERGENCY_DOC);
    let first = ingest(&seed_000(), &index);
    assert!(first["added"].as_u64().unwrap() > 0, "{first}");
    let second = ingest(&doc2, &index);
    assert_eq!(second["added"], 1, "{second}");
    assert_eq!(second["updated"], 0, "{second}");
    let idx = index.display().to_string();
    // Seed 000's emergency case (a collapsed culvert) and doc2's (a gas leak) both survive.
    assert!(ok(&["search", "涵洞", "--index", &idx]).contains("涵洞"));
    assert!(ok(&["search", "燃气管道", "--index", &idx]).contains("燃气"));
    // Re-ingesting either document changes nothing.
    for f in [seed_000(), doc2.clone()] {
        let again = ingest(&f, &index);
        assert_eq!(again["added"], 0, "{again}");
        assert_eq!(again["updated"], 0, "{again}");
        assert_eq!(again["unchanged"], again["read"], "{again}");
    }
    // A corrected version of doc2 (same title, the body changed) updates its case in place.
    std::fs::write(&doc2, EMERGENCY_DOC.replace("关阀抢修", "关阀抢修并检测")).unwrap();
    let corrected = ingest(&doc2, &index);
    assert_eq!(corrected["added"], 0, "{corrected}");
    assert_eq!(corrected["updated"], 1, "{corrected}");
}

const STATUS: &str = "编号,诉求内容,承办单位,办理状态,回访结果,受理时间
S1,路灯不亮,城管局,未办结,,2024-05-01 10:00
S2,井盖丢失,城管局,未完成,,2024-05-02 10:00
S3,停水,水务局,已办结,不满意,2024-05-03 10:00
S4,噪音,环保局,已办结,满意,2024-05-03 11:00
";

fn report_json(args: &[&str]) -> Value {
    let out = ok(args);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

#[test]
fn report_inputs_are_merged_by_id_last_wins() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.csv", STATUS);
    // The same export again, with S3's 回访 corrected to 满意.
    let b = write(
        dir.path(),
        "b.csv",
        &STATUS.replace("已办结,不满意", "已办结,满意"),
    );
    let (a, b) = (a.display().to_string(), b.display().to_string());
    let index = dir.path().join("none").display().to_string();
    let args = [
        "report", "--month", "2024-05", "--format", "json", "--index", &index,
    ];
    let one = report_json(&[&args[..], &["--input", &a]].concat());
    let two = report_json(&[&args[..], &["--input", &a, "--input", &b]].concat());
    assert_eq!(one["total"], 4, "{one}");
    assert_eq!(two["total"], 4, "{two}");
    // b.csv came last: S3 is now satisfied, so no 不满意 is left.
    assert_ne!(one.to_string(), two.to_string());
    let reversed = report_json(&[&args[..], &["--input", &b, "--input", &a]].concat());
    assert_eq!(reversed["total"], 4);
    assert_eq!(
        reversed.to_string(),
        one.to_string().replace(&a, &b).replace(&a, &b)
    );
}

fn seed(prefix: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(prefix))
        .unwrap_or_else(|| panic!("no corpus/{prefix}*"))
}

fn ids(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn typical_cases_and_hotspots_keep_document_order_past_line_99() {
    // Seed 003 with filler lines before 二、典型案例, so its cases sit at lines 97, 101, 103.
    let text = std::fs::read_to_string(seed("003_")).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("二、典型案例"))
        .unwrap();
    let pad = 97 - 2 - at - 1;
    for k in 0..pad {
        lines.insert(at, format!("这是说明文字第{k}行，用于测试行号。"));
    }
    // Nine more 热点 items after the seed's three, so that 热点-10 follows 热点-9.
    let annex = lines.iter().position(|l| l.starts_with("附件：")).unwrap();
    for k in (1..=9).rev() {
        lines.insert(annex, String::new());
        lines.insert(
            annex,
            format!("◆第{k}类。共受理案件数 {k} 件，主要集中在第{k}处路灯不亮。"),
        );
    }
    let padded = lines.join("\n");
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "pad.txt", &padded);
    let index = dir.path().join("none").display().to_string();
    let v = report_json(&[
        "report",
        "--month",
        "2023-04",
        "--format",
        "json",
        "--index",
        &index,
        "--input",
        &f.display().to_string(),
    ]);
    let typical = ids(&v["typical_cases"]);
    assert!(typical.len() >= 3, "{typical:?}");
    let numbers: Vec<&str> = typical
        .iter()
        .map(|id| id.rsplit('-').next().unwrap())
        .collect();
    assert_eq!(&numbers[..3], ["1", "2", "3"], "{typical:?}");
    let hot = ids(&v["report_hotspots"]);
    let numbers: Vec<u32> = hot
        .iter()
        .map(|id| id.rsplit('-').next().unwrap().parse().unwrap())
        .collect();
    let mut sorted = numbers.clone();
    sorted.sort();
    assert!(numbers.len() >= 12, "{hot:?}");
    assert_eq!(numbers, sorted, "{hot:?}");
}

#[test]
fn overdue_from_deadline_counts_in_the_annex_too() {
    // 办理时限 and 办结时间, no 超期 column: D1 closed a week after its deadline.
    let csv = "编号,诉求内容,承办单位,办理状态,受理时间,办理时限,办结时间
D1,路灯不亮,城管局,已办结,2024-05-01 10:00,2024-05-03 10:00,2024-05-10 10:00
D2,井盖丢失,城管局,已办结,2024-05-02 10:00,2024-05-09 10:00,2024-05-04 10:00
";
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "overdue.csv", csv);
    let index = dir.path().join("none").display().to_string();
    let v = report_json(&[
        "report",
        "--month",
        "2024-05",
        "--format",
        "json",
        "--index",
        &index,
        "--input",
        &f.display().to_string(),
    ]);
    assert_eq!(v["overdue"], 1, "{v}");
    assert_eq!(v["departments_total"]["overdue"], 1, "{v}");
    let rows = v["departments"].as_array().expect("departments");
    let sum: u64 = rows.iter().map(|r| r["overdue"].as_u64().unwrap()).sum();
    assert_eq!(sum, 1, "{v}");
}

/// A command that must fail with a message, not a panic.
fn fails_cleanly(args: &[&str], message: &str) {
    let out = hotline(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // An error exits with 2; a panic would exit with 101.
    assert_eq!(out.status.code(), Some(2), "hotline {args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "hotline {args:?}: {stderr}");
    assert!(stderr.contains(message), "hotline {args:?}: {stderr}");
}

#[test]
fn huge_command_line_numbers_do_not_panic() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "status.csv", STATUS);
    let idx = dir.path().join("idx");
    ingest(&f, &idx);
    let index = idx.display().to_string();
    fails_cleanly(
        &["report", "--month", "300000-01", "--index", &index],
        "year must be 1900..9999, got 300000",
    );
    let max = usize::MAX.to_string();
    for query in ["路灯", "路灯 不亮"] {
        for sort in ["relevance", "date"] {
            let base = ["search", query, "--sort", sort, "--index", &index];
            let all = ok(&[&base[..], &["--limit", &max]].concat());
            assert!(all.contains("S1"), "{all}");
            let past = ok(&[&base[..], &["--limit", &max, "--offset", &max]].concat());
            assert!(!past.contains("S1"), "{past}");
            ok(&[&base[..], &["--offset", &max, "--json"]].concat());
        }
    }
}
