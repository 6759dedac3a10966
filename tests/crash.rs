//! Crash safety of `hotline ingest`: a real ingest process killed with SIGKILL at various
//! moments leaves an index that opens, holds only whole cases of finished commits and no
//! duplicate id; the stale lock does not block the rerun, which completes the store exactly.

#![cfg(unix)]

use std::collections::HashSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use hotline::index::CaseStore;

/// Rows in the generated export.
const ROWS: usize = 24_000;
/// Commit every this many cases, so a run makes several commits.
const COMMIT_EVERY: &str = "1000";

const PHRASES: [&str; 16] = [
    "小区门口路灯不亮已经一个多月",
    "楼上住户装修噪音扰民",
    "自来水水质浑浊有异味",
    "道路施工占道影响出行",
    "物业公司乱收停车费",
    "学校周边流动摊贩占道经营",
    "公交车班次太少等车时间过长",
    "工地夜间施工严重影响休息",
    "农民工工资被拖欠至今未发",
    "排污管道堵塞污水外溢",
    "网约车司机绕路多收费",
    "医保报销手续繁琐",
    "垃圾清运不及时气味难闻",
    "村道破损坑洼不平",
    "燃气管道老化存在安全隐患",
    "商户油烟直排影响居民生活",
];
const DEPARTMENTS: [&str; 5] = ["住建管理局", "水务局", "城管局", "交通运输局", "人社局"];

fn id(i: usize) -> String {
    format!("GD{:08}", i)
}

/// The narrative of row `i` (deterministic, 60-120 characters).
fn narrative(i: usize) -> String {
    let mut x = (i as u64)
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut s = format!("市民来电反映{}号", i);
    for _ in 0..4 + i % 4 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        s.push_str(PHRASES[(x >> 33) as usize % PHRASES.len()]);
        s.push('，');
    }
    s.push_str("请相关部门尽快处理。");
    s
}

fn write_export(path: &Path) {
    let mut w = csv::Writer::from_path(path).unwrap();
    w.write_record(["工单编号", "受理时间", "诉求类型", "承办单位", "诉求内容"])
        .unwrap();
    for i in 0..ROWS {
        let day = 1 + i % 28;
        let month = 1 + (i / 28) % 12;
        w.write_record([
            id(i),
            format!("2023-{month:02}-{day:02} 09:{:02}:00", i % 60),
            if i % 3 == 0 { "咨询" } else { "投诉" }.to_string(),
            DEPARTMENTS[i % DEPARTMENTS.len()].to_string(),
            narrative(i),
        ])
        .unwrap();
    }
    w.flush().unwrap();
}

fn ingest(csv: &Path, index: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hotline"));
    cmd.arg("ingest")
        .arg(csv)
        .arg("--index")
        .arg(index)
        // Tagging is not what is under test here, and is slow in a debug build.
        .args(["--commit-every", COMMIT_EVERY, "--no-tag", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// Opens the index and checks it: no duplicate id, every stored case whole and equal to its
/// row. Returns the number of stored cases.
fn check_index(index: &Path) -> usize {
    let store = CaseStore::open(index).expect("the index opens after a kill");
    let cases = store.all_cases().unwrap();
    assert_eq!(cases.len() as u64, store.len());
    let mut seen = HashSet::new();
    for c in &cases {
        assert!(seen.insert(c.id.clone()), "duplicate id {}", c.id);
        let i: usize = c.id.trim_start_matches("GD").parse().unwrap();
        assert!(i < ROWS, "unexpected id {}", c.id);
        assert_eq!(c.narrative, narrative(i), "case {} is not intact", c.id);
    }
    let ids = store.all_ids().unwrap();
    assert_eq!(ids.len(), cases.len());
    assert!(cases.len() <= ROWS);
    cases.len()
}

#[test]
fn sigkilled_ingest_leaves_a_consistent_index_and_a_rerun_completes_it() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("orders.csv");
    let index = dir.path().join("index");
    write_export(&csv);

    // Kill after growing delays (50 ms x 1.35^k) until a run finishes by itself: whatever
    // the machine's speed, the kills land all along the run, each rerun continuing the last.
    let mut last = 0;
    let mut killed_running = 0;
    let mut partial = 0;
    let mut delay = 50.0f64;
    for _ in 0..20 {
        let mut child = ingest(&csv, &index).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(delay as u64));
        let running = child.try_wait().unwrap().is_none();
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let stored = check_index(&index);
        // Finished commits are never lost.
        assert!(stored >= last, "stored went from {last} down to {stored}");
        eprintln!(
            "killed after {:>5} ms{}: {stored:>6} of {ROWS} cases stored",
            delay as u64,
            if running { "" } else { " (had finished)" }
        );
        last = stored;
        if running {
            killed_running += 1;
        }
        if stored > 0 && stored < ROWS {
            partial += 1;
        }
        if !running || stored == ROWS {
            break;
        }
        delay *= 1.35;
    }
    eprintln!("{killed_running} runs killed while running, {partial} left a partial store");
    assert!(killed_running > 0, "no run was killed while running");

    // The kill left the writer lock file behind; it must not block the rerun.
    let out = ingest(&csv, &index).output().unwrap();
    assert!(
        out.status.success(),
        "rerun failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["added"].as_u64().unwrap() as usize, ROWS - last);
    assert_eq!(summary["unchanged"].as_u64().unwrap() as usize, last);
    assert_eq!(summary["updated"], 0);
    assert_eq!(check_index(&index), ROWS);

    // And once more: nothing to do.
    let out = ingest(&csv, &index).output().unwrap();
    assert!(out.status.success());
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["added"], 0);
    assert_eq!(summary["unchanged"].as_u64().unwrap() as usize, ROWS);
    assert_eq!(summary["stored"].as_u64().unwrap() as usize, ROWS);
}

#[test]
fn a_second_ingest_on_a_locked_index_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("orders.csv");
    let index = dir.path().join("index");
    let mut w = csv::Writer::from_path(&csv).unwrap();
    w.write_record(["工单编号", "诉求内容"]).unwrap();
    w.write_record(["A1", "路灯不亮"]).unwrap();
    w.flush().unwrap();

    let store = CaseStore::open(&index).unwrap();
    let writer = store.writer().unwrap(); // holds the lock, as a running ingest would
    let out = ingest(&csv, &index).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("another ingest is running?"), "stderr: {err}");
    drop(writer);

    let out = ingest(&csv, &index).output().unwrap();
    assert!(out.status.success());
    store.reload().unwrap();
    assert_eq!(store.len(), 1);
}
