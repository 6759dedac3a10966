//! Hostile delimited text (issue #16): implausible dates and counts, duplicate headers, NUL
//! bytes, UTF-16 without a BOM, unclosed quotes in any column. Files are generated into a
//! temporary directory.

mod hostile_gen;

use hotline::ingest::{read_path, Batch, ReadOptions};

fn read(name: &str, bytes: impl AsRef<[u8]>) -> Batch {
    let dir = tempfile::tempdir().unwrap();
    let p = hostile_gen::file(dir.path(), name, bytes);
    read_path(&p, &ReadOptions::default()).unwrap()
}

fn ids(b: &Batch) -> Vec<&str> {
    b.cases.iter().map(|c| c.id.as_str()).collect()
}

#[test]
fn dates_outside_1990_to_next_year_reject_their_rows() {
    let b = read(
        "d.csv",
        "工单编号,受理时间,诉求内容\n\
         D1,1899-12-31,路灯不亮\n\
         D2,9999-12-31 00:00:00,井盖丢失\n\
         D3,0.5,停水\n\
         D4,1989-12-31,噪音\n\
         D5,2024-05-01 10:00,占道\n\
         D6,2999-01-01,漏水\n",
    );
    assert_eq!(ids(&b), ["D5"]);
    let rows: Vec<(usize, &str)> = b
        .rejects
        .iter()
        .map(|r| (r.row, r.field.as_str()))
        .collect();
    assert_eq!(
        rows,
        [
            (2, "received_at"),
            (3, "received_at"),
            (4, "received_at"),
            (5, "received_at"),
            (7, "received_at")
        ]
    );
    assert!(
        b.rejects[0].reason.contains("implausible date"),
        "{:?}",
        b.rejects[0]
    );
}

#[test]
fn counts_out_of_range_are_dropped_with_a_warning_not_clamped() {
    let b = read(
        "c.csv",
        "工单编号,诉求内容,点赞数\n\
         C1,路灯不亮,1e400\n\
         C2,井盖丢失,4294967296\n\
         C3,停水,1e26\n\
         C4,噪音,-3\n\
         C5,占道,NaN\n\
         C6,漏水,12\n",
    );
    let likes: Vec<Option<u32>> = b.cases.iter().map(|c| c.likes).collect();
    assert_eq!(likes, [None, None, None, None, None, Some(12)]);
    assert_eq!(b.warnings.len(), 1, "{:?}", b.warnings);
    assert!(
        b.warnings[0].contains("`点赞数`: 5 values"),
        "{:?}",
        b.warnings
    );
}

#[test]
fn a_duplicate_header_is_warned() {
    let b = read(
        "h.csv",
        "工单编号,诉求内容,承办单位,诉求内容\nH1,路灯不亮,城管局,别的内容\n",
    );
    assert_eq!(b.cases[0].narrative, "路灯不亮");
    assert!(
        b.warnings
            .iter()
            .any(|w| w.contains("重复的列名 `诉求内容`（第 2、4 列）")),
        "{:?}",
        b.warnings
    );
}

#[test]
fn an_unclosed_quote_in_any_column_loses_no_row_silently() {
    let rows = "A2,井盖丢失,城管局\nA3,停水,水务局\nA4,噪音,环保局\nA5,占道经营,城管局\n";
    for (column, first) in [
        ("承办单位", "A1,路灯不亮,\"城管局\n"),
        ("诉求内容", "A1,\"路灯不亮,城管局\n"),
        ("工单编号", "\"A1,路灯不亮,城管局\n"),
    ] {
        let text = format!("工单编号,诉求内容,承办单位\n{first}{rows}");
        let b = read("q.csv", &text);
        assert_eq!(
            ids(&b),
            ["A2", "A3", "A4", "A5"],
            "{column}: {:?}",
            b.rejects
        );
        assert_eq!(b.read, 5, "{column}");
        assert_eq!(b.rejects.len(), 1, "{column}: {:?}", b.rejects);
        assert_eq!(b.rejects[0].row, 2);
        assert!(
            b.rejects[0]
                .reason
                .contains(&format!("unclosed quote in column `{column}`")),
            "{:?}",
            b.rejects[0]
        );
        let rows: Vec<&str> = b.cases.iter().map(|c| c.source.locator.as_str()).collect();
        assert_eq!(rows, ["row 3", "row 4", "row 5", "row 6"]);
    }
    // A narrative's own line breaks are not rows.
    let b = read(
        "ok.csv",
        "工单编号,诉求内容,承办单位\nA1,\"路灯不亮，\n晚上很黑\",城管局\nA2,停水,水务局\n",
    );
    assert_eq!(ids(&b), ["A1", "A2"]);
    assert!(b.rejects.is_empty());
}

#[test]
fn nul_bytes_are_removed_with_a_warning() {
    let b = read(
        "n.csv",
        "工单编号,诉求内容\nN\u{0}1,路灯\u{0}不亮\nN2,井盖丢失\n",
    );
    assert_eq!(ids(&b), ["N1", "N2"]);
    assert_eq!(b.cases[0].narrative, "路灯不亮");
    assert_eq!(b.warnings.len(), 1, "{:?}", b.warnings);
    assert!(
        b.warnings[0].contains("NUL bytes removed from 1 row(s) (first: row 2)"),
        "{:?}",
        b.warnings
    );
}

#[test]
fn utf16_without_a_bom_is_detected() {
    let text = "工单编号,受理时间,诉求内容\nU1,2024-05-01 10:00,小区路灯不亮\nU2,2024-05-02 10:00,井盖丢失\n";
    let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    for (name, bytes) in [("le.csv", le), ("be.csv", be)] {
        let b = read(name, bytes);
        assert_eq!(ids(&b), ["U1", "U2"], "{name}: {:?}", b.rejects);
        assert_eq!(b.cases[1].narrative, "井盖丢失");
        assert!(
            b.encoding
                .as_deref()
                .unwrap_or_default()
                .starts_with("UTF-16"),
            "{:?}",
            b.encoding
        );
    }
}

#[test]
fn a_report_document_without_headings_is_warned() {
    let b = read(
        "notes.md",
        "这是一份会议纪要，讨论了下个月的排班安排。\n\n没有任何章节标题，也没有典型案例。\n",
    );
    assert!(b.cases.is_empty());
    assert!(
        b.warnings
            .iter()
            .any(|w| w.contains("没有找到任何章节标题")),
        "{:?}",
        b.warnings
    );
}
