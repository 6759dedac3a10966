//! Exports from a city the project has never seen: GB18030 text, its own column names, dates
//! without zero padding, departments under 答复部门-style headers, kinds such as 反映问题.
//! The fixtures are UTF-8 text in tests/fixtures/ingest/; the GB18030 file is written from
//! them by the test. Covers the content mapping, the dry run, the loud warning of a file without
//! a date or department column, the Chinese summary, and unparseable dates (rejected, never
//! clamped).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use chrono::NaiveDateTime;
use hotline::ingest::headers::{Field, Why};
use hotline::ingest::{read_path, Batch, ReadOptions};
use hotline::model::{Kind, Satisfaction, Status};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/ingest")
        .join(name)
}

/// The fixture re-encoded as GB18030 (what the offices' systems export) into `dir`.
fn gb18030(dir: &Path, name: &str) -> PathBuf {
    let text = std::fs::read_to_string(fixture(name)).unwrap();
    let (bytes, _, bad) = encoding_rs::GB18030.encode(&text);
    assert!(!bad);
    let p = dir.join(name);
    std::fs::write(&p, &bytes).unwrap();
    p
}

fn dt(s: &str) -> Option<NaiveDateTime> {
    Some(NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap())
}

fn column<'a>(b: &'a Batch, header: &str) -> &'a hotline::ingest::infer::ColumnInfo {
    b.columns
        .iter()
        .find(|c| c.header == header)
        .unwrap_or_else(|| panic!("no column {header}: {:?}", b.columns))
}

fn hotline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hotline"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn a_gb18030_export_with_its_own_headers_maps_every_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = gb18030(dir.path(), "unseen_city.csv");
    let b = read_path(&path, &ReadOptions::default()).unwrap();
    assert_eq!(b.encoding.as_deref(), Some("gb18030"));
    assert_eq!((b.read, b.cases.len(), b.rejects.len()), (10, 10, 0));
    assert!(b.alerts.is_empty(), "{:?}", b.alerts);
    // Every case has a date, a department and a kind.
    for c in &b.cases {
        assert!(c.received_at.is_some(), "{c:?}");
        assert!(c.department.is_some(), "{c:?}");
        assert!(c.kind.is_some(), "{c:?}");
        assert!(c.reply.is_some() && c.satisfaction.is_some() && c.status.is_some());
    }
    // Dates in every form, without zero padding, with and without seconds.
    let got: Vec<Option<NaiveDateTime>> = b.cases[..5].iter().map(|c| c.received_at).collect();
    assert_eq!(
        got,
        [
            dt("2019-01-01 12:59:49"),
            dt("2019-01-01 08:05:00"),
            dt("2019-01-02 00:00:00"),
            dt("2019-01-03 00:00:00"),
            dt("2019-01-05 09:03:00"),
        ]
    );
    assert_eq!(b.cases[1].closed_at, dt("2019-01-02 10:00:00"));
    assert_eq!(b.cases[4].closed_at, None);
    // Kinds normalised, the source's word kept.
    assert_eq!(b.cases[0].kind, Some(Kind::Complaint));
    assert_eq!(b.cases[0].kind_source.as_deref(), Some("反映问题"));
    assert_eq!(b.cases[1].kind, Some(Kind::Inquiry));
    assert_eq!(b.cases[1].kind_source, None);
    assert_eq!(b.cases[0].department.as_deref(), Some("城关街道办事处"));
    assert_eq!(b.cases[4].status, Some(Status::InProgress));
    assert_eq!(b.cases[0].status, Some(Status::Closed));
    assert_eq!(b.cases[4].satisfaction, Some(Satisfaction::Unrated));
    assert!(b.cases[0].narrative.starts_with("幸福路"));
    // Why: names where the vocabulary knows them, content elsewhere.
    let why = |h: &str| (column(&b, h).field, column(&b, h).why);
    assert_eq!(why("咨询时间"), (Some("received_at"), Some(Why::Name)));
    assert_eq!(why("答复部门"), (Some("department"), Some(Why::Name)));
    assert_eq!(why("问题分类"), (Some("kind"), Some(Why::Content)));
    assert_eq!(why("群众诉求"), (Some("narrative"), Some(Why::Content)));
    assert_eq!(why("回访情况"), (Some("satisfaction"), Some(Why::Content)));
    assert_eq!(why("当前状态"), (Some("status"), Some(Why::Content)));
    assert_eq!(why("序号"), (None, None));
    assert_eq!(column(&b, "问题分类").samples, ["反映问题", "咨询", "求助"]);
}

#[test]
fn headers_no_vocabulary_knows_are_mapped_by_their_content() {
    let b = read_path(&fixture("opaque_headers.csv"), &ReadOptions::default()).unwrap();
    assert_eq!((b.cases.len(), b.rejects.len()), (5, 0));
    let field = |h: &str| column(&b, h).field;
    assert_eq!(field("登记日"), Some(Field::ReceivedAt.name()));
    assert_eq!(field("经办"), Some("department"));
    assert_eq!(field("类别"), Some("kind"));
    assert_eq!(field("群众反映"), Some("narrative"));
    assert_eq!(field("回告"), Some("reply"));
    assert_eq!(field("完结日"), Some("closed_at"));
    assert!(b.columns.iter().all(|c| c.why == Some(Why::Content)));
    assert_eq!(b.cases[0].received_at, dt("2020-03-01 09:05:00"));
    assert_eq!(b.cases[0].department.as_deref(), Some("县水务局"));
}

#[test]
fn an_unparseable_date_rejects_its_row() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("opaque_headers.csv"))
        .unwrap()
        .replace("2020-3-2 15:00", "2020-2-30 15:00");
    let p = dir.path().join("bad.csv");
    std::fs::write(&p, text).unwrap();
    let b = read_path(&p, &ReadOptions::default()).unwrap();
    assert_eq!((b.cases.len(), b.rejects.len()), (4, 1));
    let r = &b.rejects[0];
    assert_eq!((r.row, r.field.as_str()), (4, "received_at"));
    assert!(r.reason.contains("2020-2-30 15:00"), "{}", r.reason);
}

#[test]
fn the_dry_run_shows_each_column_and_ingests_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = gb18030(dir.path(), "unseen_city.csv");
    let index = dir.path().join("idx");
    let p = path.display().to_string();
    let i = index.display().to_string();
    for args in [
        vec!["ingest", "--dry-run", &p, "--index", &i],
        vec!["inspect", &p, "--index", &i],
    ] {
        let out = hotline(&args);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{stdout}");
        assert!(
            stdout.contains("（gb18030）：读取 10 行，可导入 10 件"),
            "{stdout}"
        );
        assert!(
            stdout.contains("问题分类 → kind  [内容]  样例：反映问题 | 咨询 | 求助"),
            "{stdout}"
        );
        assert!(
            stdout.contains("咨询时间 → received_at  [列名]"),
            "{stdout}"
        );
        assert!(stdout.contains("序号 → （不读取）"), "{stdout}");
        assert!(stdout.contains("未导入任何案件"), "{stdout}");
        assert!(!index.exists(), "the dry run made a store");
    }
}

#[test]
fn a_file_without_date_or_department_says_so_loudly() {
    let dir = tempfile::tempdir().unwrap();
    // Dates nobody can read as received_at (a typo'd column) and no agency column at all.
    let p = dir.path().join("nodate.csv");
    std::fs::write(
        &p,
        "编号,记录时刻,诉求内容\nA1,上午九点,路灯坏了很久没人修\nA2,2019-1-2,停水三天了没人管\n",
    )
    .unwrap();
    let index = dir.path().join("idx");
    let out = hotline(&[
        "ingest",
        &p.display().to_string(),
        "--index",
        &index.display().to_string(),
        "--no-tag",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("没有找到受理时间列"), "{stderr}");
    assert!(
        stderr.contains("最像的列：「记录时刻」（50% 的值像）"),
        "{stderr}"
    );
    assert!(stderr.contains("--map received_at=记录时刻"), "{stderr}");
    assert!(stderr.contains("没有找到承办单位列"), "{stderr}");
    assert!(stderr.contains("--map department=列名"), "{stderr}");
}

#[test]
fn the_summary_is_in_chinese_and_names_the_kept_duplicate_and_unread_columns() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("dup.csv");
    std::fs::write(
        &p,
        "工单编号,受理时间,承办单位,诉求内容,诉求类型,问题分类\n\
         A1,2019-1-1,县水务局,停水三天了没人管,投诉,投诉\n\
         A2,2019-1-2,县城管局,路灯坏了很久没人修,咨询,咨询\n\
         A1,2019-1-1,县水务局,停水三天了没人管，今天还是没水,投诉,投诉\n",
    )
    .unwrap();
    let index = dir.path().join("idx");
    let out = hotline(&[
        "ingest",
        &p.display().to_string(),
        "--index",
        &index.display().to_string(),
        "--no-tag",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("读取 3 行，新增 2"), "{stdout}");
    assert!(
        stdout.contains("重复编号 1 个（丢弃 1 行，保留每个编号的最后一行：A1 保留第 4 行）"),
        "{stdout}"
    );
    assert!(
        stdout.contains("未读取的列：问题分类（投诉、咨询；像 kind，已由另一列填写）"),
        "{stdout}"
    );
    assert!(stdout.contains("件案件"), "{stdout}");
}

/// Held-out check on the public datasets (their headers were never used to build the content
/// rules): each file with its header row replaced by 列1 … 列N must map the same columns by
/// content as it does by name, for the fields a report needs. Skips when ../shared is absent.
#[test]
fn shared_exports_with_their_headers_removed_map_by_content() {
    let Some(shared) = hotline::testdata::shared_dir() else {
        println!("skipped: ../shared (or $HOTLINE_SHARED) is absent");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    fn later(f: Option<&'static str>) -> Option<&'static str> {
        match f {
            Some("reply_at" | "closed_at") => Some("later date"),
            f => f,
        }
    }
    for (name, needed) in [
        (
            "shangluo_mailbox/mails.csv",
            &["received_at", "narrative", "reply", "department"][..],
        ),
        (
            "tipdm2020c/replies.csv",
            &["received_at", "narrative", "reply", "later date"][..],
        ),
        (
            "tipdm2020c/hotspot_messages.csv",
            &["received_at", "narrative"][..],
        ),
    ] {
        let path = shared.join("datasets").join(name);
        let named = read_path(&path, &ReadOptions::default()).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let (head, body) = text.split_once('\n').unwrap();
        let opaque: Vec<String> = (1..=head.split(',').count())
            .map(|i| format!("列{i}"))
            .collect();
        let p = dir.path().join(name.replace('/', "_"));
        std::fs::write(&p, format!("{}\n{body}", opaque.join(","))).unwrap();
        let blind = read_path(&p, &ReadOptions::default()).unwrap();
        let mut agree = 0;
        for (a, b) in named.columns.iter().zip(&blind.columns) {
            let same = later(a.field) == later(b.field);
            agree += usize::from(same);
            println!(
                "{name}: {} → {:?} by name, {:?} by content{}",
                a.header,
                a.field,
                b.field,
                if same { "" } else { "  (differs)" }
            );
            if let Some(f) = later(a.field).filter(|f| needed.contains(f)) {
                assert_eq!(later(b.field), Some(f), "{name}: column {}", a.header);
            }
        }
        println!(
            "{name}: {agree}/{} columns agree; cases {} by name, {} by content",
            named.columns.len(),
            named.cases.len(),
            blind.cases.len()
        );
        // Without an id column, rows repeating an id are no longer merged: compare rows.
        assert_eq!(
            (named.read, named.rejects.len()),
            (blind.read, blind.rejects.len()),
            "{name}"
        );
    }
}
