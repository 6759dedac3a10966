//! Outputs and stores under hostile input (issue #16): markup in narratives does not pass
//! into the Markdown report, `--out` never overwrites an input or the store, read-only
//! commands given a mistyped `--index` create nothing, and a bad `--map` errors once.

mod hostile_gen;

use std::path::Path;
use std::process::{Command, Output};

fn hotline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hotline"))
        .args(args)
        .output()
        .unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

const HOSTILE: &str = "\
工单编号,受理时间,诉求类型,承办单位,诉求内容,答复内容
M1,2024-05-01 10:00,投诉,城管局,<script>alert(1)</script>路灯不亮一个月,已修复<img src=x onerror=alert(2)>
M2,2024-05-02 10:00,投诉,城管局,井盖丢失 ![x](http://evil.example/t.png) 很危险,[点我](javascript:alert(3))
M3,2024-05-03 10:00,投诉,<b>城管局</b>,`rm -rf` 噪音扰民 <a href=\"javascript:alert(4)\">x</a>,已处理
";

#[test]
fn markup_in_cases_is_inert_in_the_markdown_report() {
    let dir = tempfile::tempdir().unwrap();
    let input = hostile_gen::file(dir.path(), "m.csv", HOSTILE);
    let out = hotline(&[
        "report",
        "--month",
        "2024-05",
        "--format",
        "md",
        "--input",
        s(&input),
        "--index",
        s(&dir.path().join("none")),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = String::from_utf8(out.stdout).unwrap();
    for bad in [
        "<script",
        "<img",
        "<b>",
        "<a ",
        "](http",
        "](javascript",
        "javascript:",
        "![",
    ] {
        assert!(!md.contains(bad), "{bad:?} passed through:\n{md}");
    }
    assert!(!md.replace("\\`", "").contains('`'), "{md}");
    assert!(md.contains("&lt;script&gt;"), "{md}");
}

#[test]
fn out_refuses_inputs_and_the_store_and_replaces_a_file_whole() {
    let dir = tempfile::tempdir().unwrap();
    let input = hostile_gen::file(dir.path(), "src.csv", HOSTILE);
    let index = dir.path().join("idx");
    let ingest = hotline(&["ingest", "--no-tag", s(&input), "--index", s(&index)]);
    assert!(ingest.status.success());
    let args = ["report", "--month", "2024-05", "--format", "md"];

    let out = hotline(&[&args[..], &["--input", s(&input), "--out", s(&input)]].concat());
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("输入文件"));
    assert_eq!(std::fs::read_to_string(&input).unwrap(), HOSTILE);

    let meta = index.join("meta.json");
    let before = std::fs::read(&meta).unwrap();
    let out = hotline(&[&args[..], &["--index", s(&index), "--out", s(&meta)]].concat());
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("案件库目录"));
    assert_eq!(std::fs::read(&meta).unwrap(), before);

    let report = dir.path().join("r.md");
    std::fs::write(&report, "old").unwrap();
    let out = hotline(&[&args[..], &["--index", s(&index), "--out", s(&report)]].concat());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(std::fs::read_to_string(&report).unwrap().contains("# "));
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !names.iter().any(|n| n.starts_with(".hotline-out")),
        "{names:?}"
    );
}

#[test]
fn read_only_commands_on_a_missing_store_create_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("typo-index");
    for args in [
        &["search", "路灯"][..],
        &["stats"],
        &["hotspots"],
        &["report", "--month", "2024-05"],
        &["retag"],
        &["similar", "路灯不亮"],
    ] {
        let out = hotline(&[args, &["--index", s(&missing)]].concat());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?}");
        assert!(
            err.contains("没有案件库") || err.contains("no case store"),
            "{args:?}: {err}"
        );
        assert!(!missing.exists(), "{args:?} created {}", missing.display());
    }
}

#[test]
fn a_bad_map_errors_once_and_creates_no_store() {
    let dir = tempfile::tempdir().unwrap();
    let a = hostile_gen::file(dir.path(), "a.csv", HOSTILE);
    let b = hostile_gen::file(dir.path(), "b.csv", HOSTILE);
    let index = dir.path().join("idx");
    let out = hotline(&[
        "ingest",
        s(&a),
        s(&b),
        "--map",
        "foo=诉求内容",
        "--index",
        s(&index),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.matches("unknown field `foo`").count(), 1, "{err}");
    assert!(!index.exists());
}
