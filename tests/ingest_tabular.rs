//! Tabular inputs: GBK and UTF-8-with-BOM csv, xlsx, jsonl, malformed rows, duplicate ids,
//! `--map` overrides and header variants. Fixtures are invented rows in
//! tests/fixtures/ingest/ (the xlsx is generated here with rust_xlsxwriter).

use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;
use hotline::ingest::{read_path, Batch, ReadOptions};
use hotline::{Kind, Satisfaction, Status};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/ingest")
        .join(name)
}

fn dt(s: &str) -> Option<NaiveDateTime> {
    Some(NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap())
}

fn read(p: &Path) -> Batch {
    read_path(p, &ReadOptions::default()).unwrap()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn gbk_csv_is_detected_and_mapped() {
    let b = read(&fixture("gbk_orders.csv"));
    assert_eq!(b.encoding.as_deref(), Some("gb18030"));
    assert_eq!((b.read, b.cases.len(), b.rejects.len()), (4, 4, 0));
    let c = &b.cases[0];
    assert_eq!(c.id, "GD2024050001");
    assert_eq!(c.received_at, dt("2024-05-03 09:15:00"));
    assert_eq!(c.kind, Some(Kind::Complaint));
    assert_eq!(c.department.as_deref(), Some("市场监管局"));
    assert_eq!(c.status, Some(Status::Closed));
    assert_eq!(c.satisfaction, Some(Satisfaction::Satisfied));
    assert_eq!(c.town.as_deref(), Some("官渡镇"));
    assert!(c.narrative.starts_with("市民反映官渡镇新街市场"));
    assert_eq!(c.source.locator, "row 2");
    assert_eq!(b.cases[1].kind, Some(Kind::HelpRequest));
    assert_eq!(b.cases[2].received_at, dt("2024-05-04 00:00:00"));
    assert_eq!(b.cases[2].status, Some(Status::InProgress));
    // No town column value: taken from the text when it names a known town.
    assert_eq!(b.cases[3].town.as_deref(), Some("龙仙镇"));
    assert_eq!(b.cases[3].received_at, dt("2024-05-05 16:40:00"));
}

#[test]
fn utf8_bom_csv_with_quoted_multiline_cells() {
    let b = read(&fixture("bom_messages.csv"));
    assert_eq!(b.encoding.as_deref(), Some("UTF-8 (BOM)"));
    assert_eq!((b.read, b.cases.len()), (3, 3));
    let c = &b.cases[0];
    assert_eq!(c.id, "9001");
    assert_eq!(c.user.as_deref(), Some("U0001"));
    assert_eq!(c.title.as_deref(), Some("小区电梯频繁故障"));
    assert_eq!(c.received_at, dt("2021-03-02 08:30:11"));
    assert_eq!((c.likes, c.dislikes), (Some(12), Some(0)));
    assert_eq!(b.cases[1].received_at, dt("2021-03-05 17:45:00"));
    assert!(b.cases[2].narrative.contains('\n'));
    assert_eq!(b.cases[2].source.locator, "row 4");
}

#[test]
fn malformed_rows_are_rejected_by_file_row_and_field() {
    let b = read(&fixture("malformed.csv"));
    assert_eq!(b.read, 7);
    let got: Vec<(usize, &str)> = b
        .rejects
        .iter()
        .map(|r| (r.row, r.field.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![(3, "narrative"), (4, "received_at"), (5, "narrative")]
    );
    for r in &b.rejects {
        assert!(r.file.ends_with("malformed.csv"), "{r:?}");
    }
    assert!(b.rejects[0].reason.contains("no narrative"));
    assert!(b.rejects[1].reason.contains("明天上午"));
    assert!(b.rejects[2].reason.contains("broken encoding"));
    // A1 twice (last wins), A5, and the row without an id.
    assert_eq!(b.duplicate_ids, vec!["A1".to_string()]);
    assert_eq!(b.duplicate_rows, 1);
    assert_eq!(b.cases.len(), 3);
    let a1 = b.cases.iter().find(|c| c.id == "A1").unwrap();
    assert!(a1.narrative.contains("再次满溢"));
    assert_eq!(a1.source.locator, "row 7");
    assert_eq!(a1.town.as_deref(), Some("翁城镇"));
    let derived = b.cases.iter().find(|c| c.id.starts_with('h')).unwrap();
    assert_eq!(derived.id.len(), 17);
    // Stable across runs.
    let again = read(&fixture("malformed.csv"));
    assert!(again.cases.iter().any(|c| c.id == derived.id));
}

#[test]
fn oversized_cells_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let big = "很长的诉求".repeat(80_000); // 1.2 MB
    let text = format!("编号,诉求内容\nB1,路面塌陷\nB2,{big}\nB3,井盖缺失\n");
    let b = read(&write(dir.path(), "big.csv", text.as_bytes()));
    assert_eq!((b.read, b.cases.len()), (3, 2));
    assert_eq!(b.rejects.len(), 1);
    assert_eq!(
        (b.rejects[0].row, b.rejects[0].field.as_str()),
        (3, "narrative")
    );
    assert!(b.rejects[0].reason.contains("1 MB"));
    assert!(b.rejects[0].file.ends_with("big.csv"));
}

#[test]
fn gbk_row_with_invalid_bytes_is_rejected_alone() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = encoding_rs::GBK
        .encode("工单编号,诉求内容,承办单位\nG1,小区门口垃圾堆积多日无人清运,城管局\nG2,菜市场占道经营严重,市场监管局\n")
        .0
        .into_owned();
    bytes.extend_from_slice(b"G3,\x81\x20bad,");
    bytes.extend_from_slice(&encoding_rs::GBK.encode("城管局\n").0);
    bytes.extend_from_slice(
        &encoding_rs::GBK
            .encode("G4,夜间施工噪音扰民,生态环境局\n")
            .0,
    );
    let b = read(&write(dir.path(), "orders.csv", &bytes));
    assert_eq!(b.encoding.as_deref(), Some("gb18030"));
    assert_eq!((b.read, b.cases.len()), (4, 3));
    assert_eq!(
        (b.rejects[0].row, b.rejects[0].field.as_str()),
        (4, "narrative")
    );
    assert!(b.rejects[0].file.ends_with("orders.csv"));
    assert!(b.rejects[0].reason.contains("broken encoding"));
    assert_eq!(b.cases[2].department.as_deref(), Some("生态环境局"));
}

#[test]
fn map_overrides_and_header_variants() {
    let dir = tempfile::tempdir().unwrap();
    let text = "序号,反映事项,备注,回访满意度情况,办结时间,是否超期,红黄牌,渠道,地址\n\
                7,小区停车位被占用,业主多次反映,很不满意,2020年3月1日 14时05分,是,黄牌,微信,里耶镇长春路\n";
    let p = write(dir.path(), "variants.csv", text.as_bytes());
    // No header names the narrative: the content does (the longest free text); a remark
    // that mentions 反映 is no kind word.
    let b = read_path(&p, &ReadOptions::default()).unwrap();
    assert_eq!(b.cases[0].narrative, "小区停车位被占用");
    assert_eq!(b.cases[0].kind, None);
    let opts = ReadOptions {
        map: vec![
            ("narrative".into(), "反映事项".into()),
            ("id".into(), "序号".into()),
        ],
        ..ReadOptions::default()
    };
    let b = read_path(&p, &opts).unwrap();
    let c = &b.cases[0];
    assert_eq!(c.id, "7");
    assert_eq!(c.narrative, "小区停车位被占用");
    assert_eq!(c.satisfaction, Some(Satisfaction::Dissatisfied));
    assert_eq!(c.closed_at, dt("2020-03-01 14:05:00"));
    assert_eq!(c.overdue, Some(true));
    assert_eq!(c.card, Some(hotline::model::Card::Yellow));
    assert_eq!(c.channel.as_deref(), Some("微信"));
    assert_eq!(c.location.as_deref(), Some("里耶镇长春路"));
    assert_eq!(c.town.as_deref(), Some("里耶镇"));
    // An override beats the automatic mapping; a Chinese alias names the field too.
    let text = "工单编号,诉求内容,补充说明\nX1,原始内容,补充的详细描述\n";
    let p = write(dir.path(), "override.csv", text.as_bytes());
    let opts = ReadOptions {
        map: vec![("诉求内容".into(), "补充说明".into())],
        ..ReadOptions::default()
    };
    let b = read_path(&p, &opts).unwrap();
    assert_eq!(b.cases[0].narrative, "补充的详细描述");
    // An unknown field is an error; a missing column is a warning.
    let bad = ReadOptions {
        map: vec![("nonsense".into(), "补充说明".into())],
        ..ReadOptions::default()
    };
    assert!(read_path(&p, &bad).is_err());
    let missing = ReadOptions {
        map: vec![("title".into(), "标题栏".into())],
        ..ReadOptions::default()
    };
    let b = read_path(&p, &missing).unwrap();
    assert_eq!(b.warnings.len(), 1);
    assert_eq!(b.cases.len(), 1);
}

#[test]
fn jsonl_lines_map_like_headers() {
    let b = read(&fixture("mails.jsonl"));
    assert_eq!(b.read, 4);
    assert_eq!(b.cases.len(), 2);
    let c = &b.cases[0];
    assert_eq!(c.id, "M100");
    assert_eq!(c.received_at, dt("2023-07-01 00:00:00"));
    assert_eq!(c.reply_at, dt("2023-07-05 10:00:00"));
    assert_eq!(c.department.as_deref(), Some("交通运输局"));
    assert_eq!(c.town.as_deref(), Some("双庙乡"));
    assert_eq!(c.source.locator, "line 1");
    assert_eq!(b.cases[1].likes, Some(4));
    assert_eq!(b.cases[1].source.locator, "line 4");
    let rejects: Vec<(usize, &str)> = b
        .rejects
        .iter()
        .map(|r| (r.row, r.field.as_str()))
        .collect();
    assert_eq!(rejects, vec![(3, "narrative"), (5, "")]);
    assert!(b.rejects[1].reason.contains("invalid JSON"));
}

#[test]
fn content_sniffing_without_extension() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "export",
        "{\"编号\":\"J1\",\"诉求内容\":\"路灯不亮\"}\n".as_bytes(),
    );
    assert_eq!(read(&p).cases[0].id, "J1");
    let p = write(
        dir.path(),
        "export2",
        "编号,诉求内容\nC1,路灯不亮\nC2,井盖丢失\n".as_bytes(),
    );
    assert_eq!(read(&p).cases.len(), 2);
}

#[test]
fn xlsx_first_sheet_or_named_sheet_with_serial_and_string_dates() {
    use rust_xlsxwriter::{Format, Workbook};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("orders.xlsx");
    let mut wb = Workbook::new();
    let date_fmt = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    {
        let ws = wb.add_worksheet();
        ws.set_name("工单").unwrap();
        for (c, h) in ["工单编号", "受理时间", "诉求内容", "点赞数", "办结时间"]
            .iter()
            .enumerate()
        {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        ws.write_number(1, 0, 20240001.0).unwrap();
        ws.write_number_with_format(1, 1, 45413.5, &date_fmt)
            .unwrap(); // 2024-05-01 12:00
        ws.write_string(1, 2, "周陂镇集市摊贩占道，车辆无法通行。")
            .unwrap();
        ws.write_number(1, 3, 3.0).unwrap();
        ws.write_number(1, 4, 45414.25).unwrap(); // a bare serial: 2024-05-02 06:00
        ws.write_string(2, 0, "20240002").unwrap();
        ws.write_string(2, 1, "2024/5/2 8:30").unwrap();
        ws.write_string(2, 2, "小区供水水压不足。").unwrap();
        ws.write_string(3, 0, "20240003").unwrap();
        ws.write_string(3, 1, "五月初").unwrap();
        ws.write_string(3, 2, "日期写错的一行。").unwrap();
    }
    {
        let ws = wb.add_worksheet();
        ws.set_name("咨询").unwrap();
        ws.write_string(0, 0, "编号").unwrap();
        ws.write_string(0, 1, "来电内容").unwrap();
        ws.write_string(1, 0, "Z1").unwrap();
        ws.write_string(1, 1, "咨询社保卡补办流程。").unwrap();
    }
    wb.save(&path).unwrap();

    let b = read(&path);
    assert_eq!(b.read, 3);
    assert_eq!(b.cases.len(), 2);
    let c = &b.cases[0];
    assert_eq!(c.id, "20240001");
    assert_eq!(c.received_at, dt("2024-05-01 12:00:00"));
    assert_eq!(c.closed_at, dt("2024-05-02 06:00:00"));
    assert_eq!(c.likes, Some(3));
    assert_eq!(c.town.as_deref(), Some("周陂镇"));
    assert_eq!(b.cases[1].received_at, dt("2024-05-02 08:30:00"));
    assert_eq!(b.rejects.len(), 1);
    assert_eq!(
        (b.rejects[0].row, b.rejects[0].field.as_str()),
        (4, "received_at")
    );

    let opts = ReadOptions {
        sheet: Some("咨询".into()),
        ..ReadOptions::default()
    };
    let b = read_path(&path, &opts).unwrap();
    assert_eq!(b.cases.len(), 1);
    assert_eq!(b.cases[0].id, "Z1");
    let opts = ReadOptions {
        sheet: Some("没有".into()),
        ..ReadOptions::default()
    };
    assert!(read_path(&path, &opts).is_err());
}

#[test]
fn xlsx_title_row_above_the_header() {
    use rust_xlsxwriter::Workbook;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("titled.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.merge_range(
        1,
        0,
        1,
        2,
        "2024年5月工单明细",
        &rust_xlsxwriter::Format::new(),
    )
    .unwrap();
    for (c, h) in ["工单编号", "诉求内容", "满意度"].iter().enumerate() {
        ws.write_string(2, c as u16, *h).unwrap();
    }
    ws.write_string(3, 0, "T1").unwrap();
    ws.write_string(3, 1, "江尾镇农贸市场排水沟堵塞发臭。")
        .unwrap();
    ws.write_string(3, 2, "基本满意").unwrap();
    wb.save(&path).unwrap();
    let b = read(&path);
    assert_eq!(b.cases.len(), 1);
    let c = &b.cases[0];
    assert_eq!(c.source.locator, "row 4");
    assert_eq!(c.satisfaction, Some(Satisfaction::BasicallySatisfied));
    assert_eq!(c.town.as_deref(), Some("江尾镇"));
}
