//! Hostile spreadsheets (issue #16): a cell at XFD1048576, a huge shared string, date-styled
//! cells that are no dates, an unreadable cell. Each workbook is generated into a temporary
//! directory by `hostile_gen`.

mod hostile_gen;

use std::io::Write;
use std::process::Command;

use hostile_gen::{inline, number, row, text_rows, write_xlsx};
use hotline::ingest::{read_path, ReadOptions};

const HEADER: &[&str] = &["工单编号", "受理时间", "诉求内容"];

/// A shared-strings part holding one string of 300 MB (about 300 KB deflated).
fn one_shared_string_of_300_mb(w: &mut dyn Write) -> std::io::Result<()> {
    w.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>"#)?;
    let chunk = vec![b'a'; 1 << 20];
    for _ in 0..300 {
        w.write_all(&chunk)?;
    }
    w.write_all(b"</t></si></sst>")
}

#[test]
fn a_cell_at_the_last_column_and_row_costs_no_memory() {
    let dir = tempfile::tempdir().unwrap();
    let mut rows = text_rows(&[HEADER, &["X1", "2024-05-01 10:00", "路灯不亮"]]);
    rows.push(row(5000, &[inline("XFD5000", "远处的单元格")]));
    rows.push(row(1_048_576, &[inline("XFD1048576", "最后一格")]));
    let path = dir.path().join("far.xlsx");
    write_xlsx(&path, Some("A1:XFD1048576"), &rows, None);
    let b = read_path(&path, &ReadOptions::default()).unwrap();
    let ids: Vec<&str> = b.cases.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["X1"]);
    assert!(b.rejects.is_empty(), "{:?}", b.rejects);
}

#[test]
fn a_huge_shared_string_refuses_the_workbook_and_the_other_files_are_ingested() {
    let dir = tempfile::tempdir().unwrap();
    let rows = text_rows(&[HEADER, &["H1", "2024-05-01 10:00", "路灯不亮"]]);
    let huge = dir.path().join("huge.xlsx");
    // 300 MB of one unused shared string: about 300 KB deflated.
    write_xlsx(&huge, None, &rows, Some(&one_shared_string_of_300_mb));
    let err = read_path(&huge, &ReadOptions::default()).unwrap_err();
    let msg = format!("{err:#}");
    assert!(
        msg.contains("sharedStrings.xml") && msg.contains("over the 256 MB limit"),
        "{msg}"
    );

    let good = hostile_gen::file(
        dir.path(),
        "good.csv",
        "工单编号,受理时间,诉求内容\nG1,2024-05-02 10:00,井盖丢失\n",
    );
    let index = dir.path().join("idx");
    let out = Command::new(env!("CARGO_BIN_EXE_hotline"))
        .args(["ingest", "--no-tag"])
        .arg(&huge)
        .arg(&good)
        .arg("--index")
        .arg(&index)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    assert!(
        stdout.contains("huge.xlsx：未能读取（NOT READ）"),
        "{stdout}"
    );
    assert!(
        stdout.contains("案件库 ") && stdout.contains("：1 件案件"),
        "{stdout}"
    );
}

#[test]
fn a_shared_string_part_lying_about_its_size_is_measured_and_refused() {
    let dir = tempfile::tempdir().unwrap();
    let rows = text_rows(&[HEADER, &["L1", "2024-05-01 10:00", "路灯不亮"]]);
    let liar = dir.path().join("liar.xlsx");
    // 300 MB of one shared string whose zip entry claims 1,000 bytes.
    write_xlsx(&liar, None, &rows, Some(&one_shared_string_of_300_mb));
    hostile_gen::declare_size(&liar, "xl/sharedStrings.xml", 1000);
    let err = read_path(&liar, &ReadOptions::default()).unwrap_err();
    let msg = format!("{err:#}");
    assert!(
        msg.contains("sharedStrings.xml") && msg.contains("does not unpack to the 1000 bytes"),
        "{msg}"
    );
}

#[test]
fn date_cells_that_are_no_dates_reject_their_rows() {
    let dir = tempfile::tempdir().unwrap();
    let mut rows = text_rows(&[HEADER]);
    let values = ["1e300", "-5", "0", "1e12", "99999999", "45413.5"];
    for (i, v) in values.iter().enumerate() {
        let r = i + 2;
        rows.push(row(
            r,
            &[
                inline(&format!("A{r}"), &format!("D{r}")),
                number(&format!("B{r}"), v, true),
                inline(&format!("C{r}"), "路灯不亮"),
            ],
        ));
    }
    let path = dir.path().join("dates.xlsx");
    write_xlsx(&path, None, &rows, None);
    let b = read_path(&path, &ReadOptions::default()).unwrap();
    let kept: Vec<String> = b
        .cases
        .iter()
        .map(|c| format!("{} {:?}", c.id, c.received_at.map(|d| d.to_string())))
        .collect();
    assert_eq!(kept, [r#"D7 Some("2024-05-01 12:00:00")"#]);
    let rejected: Vec<(usize, &str)> = b
        .rejects
        .iter()
        .map(|r| (r.row, r.field.as_str()))
        .collect();
    assert_eq!(
        rejected,
        [
            (2, "received_at"),
            (3, "received_at"),
            (4, "received_at"),
            (5, "received_at"),
            (6, "received_at")
        ],
        "{:?}",
        b.rejects
    );
}

#[test]
fn an_unreadable_cell_rejects_its_row_only() {
    let dir = tempfile::tempdir().unwrap();
    let mut rows = text_rows(&[HEADER, &["B1", "2024-05-01 10:00", "路灯不亮"]]);
    rows.push(row(
        3,
        &[
            inline("A3", "B2"),
            r#"<c r="B3"><v>不是数字</v></c>"#.to_string(),
            inline("C3", "井盖丢失"),
        ],
    ));
    rows.push(row(
        4,
        &[
            r#"<c r="A4" t="n"><v>1.2.3</v></c>"#.to_string(),
            inline("B4", "2024-05-03"),
            inline("C4", "停水"),
        ],
    ));
    rows.push(row(
        5,
        &[
            inline("A5", "B5"),
            inline("B5", "2024-05-04"),
            inline("C5", "噪音"),
        ],
    ));
    let path = dir.path().join("bad_cell.xlsx");
    write_xlsx(&path, None, &rows, None);
    let b = read_path(&path, &ReadOptions::default()).unwrap();
    let ids: Vec<&str> = b.cases.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["B1", "B5"], "{:?}", b.rejects);
    let rejected: Vec<usize> = b.rejects.iter().map(|r| r.row).collect();
    assert_eq!(rejected, [3, 4], "{:?}", b.rejects);
    // A text where a date belongs is an unparseable date; a number cell holding `1.2.3` is
    // an unreadable cell (it used to refuse the whole workbook).
    assert!(
        b.rejects[0].reason.contains("unparseable date"),
        "{:?}",
        b.rejects
    );
    assert!(
        b.rejects[1].reason.contains("unreadable cell"),
        "{:?}",
        b.rejects
    );
}
