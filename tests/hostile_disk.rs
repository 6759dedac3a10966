//! A full disk (issue #16), on a 2 MB tmpfs mounted for the test (skipped when this process
//! may not mount, i.e. is not root): the ingest says the disk is full and what the store
//! still holds, exits non-zero, and the store opens with its last commit; a report `--out`
//! on the full disk leaves the old file whole.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A tmpfs mounted for the test, unmounted when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(dir: &Path, size: &str) -> Option<Tmpfs> {
        let point = dir.join("small");
        std::fs::create_dir(&point).ok()?;
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&point)
            .output()
            .ok()?
            .status
            .success();
        ok.then_some(Tmpfs(point))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

fn big_export(path: &Path, rows: usize) {
    let mut text = String::from("工单编号,受理时间,诉求内容\n");
    for i in 0..rows {
        let filler = "晚上很黑".repeat(1 + i % 29);
        text.push_str(&format!(
            "F{i},2024-05-{:02} 10:00,小区路灯不亮已经很久了，编号{i}，请尽快处理，{filler}\n",
            i % 28 + 1
        ));
    }
    std::fs::write(path, text).unwrap();
}

#[test]
fn a_full_disk_stops_the_ingest_with_a_clear_message_and_keeps_the_last_commit() {
    let dir = tempfile::tempdir().unwrap();
    let Some(fs) = Tmpfs::mount(dir.path(), "2m") else {
        println!("skipped: cannot mount a tmpfs here (not root?)");
        return;
    };
    let old_report = fs.0.join("r.md");
    std::fs::write(&old_report, "旧的报告").unwrap();
    let input = dir.path().join("big.csv");
    big_export(&input, 20_000);
    let index = fs.0.join("idx");
    let out = Command::new(env!("CARGO_BIN_EXE_hotline"))
        .args(["ingest", "--no-tag", "--commit-every", "2000"])
        .arg(&input)
        .arg("--index")
        .arg(&index)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "exit 0 on a full disk: {stderr}");
    assert!(stderr.contains("磁盘已满"), "{stderr}");
    assert!(stderr.contains("案件库仍是上一次提交的状态"), "{stderr}");
    // The store opens, and holds what the message says.
    let held = hotline::index::CaseStore::open_existing(&index)
        .unwrap()
        .len();
    assert!(
        stderr.contains(&format!("{held} 件案件")),
        "{held}: {stderr}"
    );

    // The disk is still full: a report written over the old one fails and keeps it.
    let small = dir.path().join("small.csv");
    big_export(&small, 50);
    let out = Command::new(env!("CARGO_BIN_EXE_hotline"))
        .args(["report", "--month", "2024-05", "--input"])
        .arg(&small)
        .arg("--out")
        .arg(&old_report)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("磁盘已满"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&old_report).unwrap(), "旧的报告");
}
