//! The report as an Excel workbook (rust_xlsxwriter): the annex (工单办理情况表) with numbers as
//! numbers and 满意率 as a percentage, a 合计 row, a two-level header as in the seeds, set up to
//! print on one landscape A4 page wide; and a second sheet with the month's summary figures.

use anyhow::{Context, Result};
use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook, Worksheet};

use super::outline::{annex_columns, annex_kind_counts, annex_title};
use super::{DepartmentRow, MonthlyReport};
use crate::model::Kind;

const FONT: &str = "宋体";

fn base() -> Format {
    Format::new()
        .set_font_name(FONT)
        .set_font_size(10)
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::VerticalCenter)
}

fn write_row(
    ws: &mut Worksheet,
    row: u32,
    r: &DepartmentRow,
    name: &str,
    with_other: bool,
    bold: bool,
) -> Result<()> {
    let mut text = base();
    let mut num = base().set_align(FormatAlign::Center);
    let mut pctf = base()
        .set_align(FormatAlign::Center)
        .set_num_format("0.00%");
    if bold {
        text = text.set_bold().set_background_color(Color::RGB(0xE8ECF2));
        num = num.set_bold().set_background_color(Color::RGB(0xE8ECF2));
        pctf = pctf.set_bold().set_background_color(Color::RGB(0xE8ECF2));
    }
    ws.write_string_with_format(row, 0, name, &text)?;
    let mut values: Vec<usize> = vec![r.total, r.yellow_cards, r.red_cards];
    values.extend(annex_kind_counts(r, with_other));
    values.extend([
        r.satisfied,
        r.basically_satisfied,
        r.dissatisfied,
        r.unrated,
    ]);
    for (i, v) in values.iter().enumerate() {
        ws.write_number_with_format(row, 1 + i as u16, *v as f64, &num)?;
    }
    let col = 1 + values.len() as u16;
    match r.satisfaction_rate {
        Some(p) => ws.write_number_with_format(row, col, p / 100.0, &pctf)?,
        None => ws.write_string_with_format(row, col, "—", &num)?,
    };
    Ok(())
}

fn annex(ws: &mut Worksheet, report: &MonthlyReport) -> Result<()> {
    ws.set_name("工单办理情况表")?;
    let (groups, header, with_other) = annex_columns(report);
    let last_col = header.len() as u16 - 1;
    let title = Format::new()
        .set_font_name(FONT)
        .set_font_size(14)
        .set_bold()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    ws.merge_range(0, 0, 0, last_col, &annex_title(report), &title)?;
    ws.set_row_height(0, 30)?;
    let head = base()
        .set_bold()
        .set_align(FormatAlign::Center)
        .set_text_wrap()
        .set_background_color(Color::RGB(0xE8ECF2));
    let mut col: u16 = 0;
    for (g, span) in &groups {
        let span = *span as u16;
        if g.is_empty() {
            for i in col..col + span {
                ws.merge_range(1, i, 2, i, &header[i as usize], &head)?;
            }
        } else {
            if span > 1 {
                ws.merge_range(1, col, 1, col + span - 1, g, &head)?;
            } else {
                ws.write_string_with_format(1, col, g, &head)?;
            }
            for i in col..col + span {
                ws.write_string_with_format(2, i, &header[i as usize], &head)?;
            }
        }
        col += span;
    }
    let mut row = 3u32;
    for r in &report.departments {
        write_row(ws, row, r, &r.name, with_other, false)?;
        row += 1;
    }
    write_row(ws, row, &report.departments_total, "合计", with_other, true)?;
    ws.set_column_width(0, 20)?;
    for c in 1..=last_col {
        ws.set_column_width(c, 8.5)?;
    }
    ws.set_freeze_panes(3, 1)?;
    ws.set_landscape();
    ws.set_paper_size(9); // A4
    ws.set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(1, 2)?;
    Ok(())
}

fn summary(ws: &mut Worksheet, report: &MonthlyReport) -> Result<()> {
    ws.set_name("基本情况")?;
    let title = Format::new()
        .set_font_name(FONT)
        .set_font_size(14)
        .set_bold();
    let head = base()
        .set_bold()
        .set_align(FormatAlign::Center)
        .set_background_color(Color::RGB(0xE8ECF2));
    let text = base();
    let num = base().set_align(FormatAlign::Center);
    let pctf = base()
        .set_align(FormatAlign::Center)
        .set_num_format("0.00%");
    ws.write_string_with_format(0, 0, &report.heading, &title)?;
    let mut row = 2u32;
    for (label, v) in [
        ("工单总量", report.total),
        ("已撤销", report.withdrawn),
        ("已办结", report.closed),
        ("正在处理", report.in_progress),
        ("不予立案", report.not_accepted),
    ] {
        ws.write_string_with_format(row, 0, label, &text)?;
        ws.write_number_with_format(row, 1, v as f64, &num)?;
        row += 1;
    }
    ws.write_string_with_format(row, 0, "群众满意率", &text)?;
    match report.satisfaction_rate {
        Some(p) => ws.write_number_with_format(row, 1, p / 100.0, &pctf)?,
        None => ws.write_string_with_format(row, 1, "—", &num)?,
    };
    row += 2;
    ws.write_string_with_format(row, 0, "诉求类型", &head)?;
    ws.write_string_with_format(row, 1, "件数", &head)?;
    ws.write_string_with_format(row, 2, "占比", &head)?;
    row += 1;
    for k in Kind::ALL {
        let n = report.by_kind.get(k);
        if n == 0 {
            continue;
        }
        ws.write_string_with_format(row, 0, k.as_str(), &text)?;
        ws.write_number_with_format(row, 1, n as f64, &num)?;
        ws.write_number_with_format(row, 2, report.by_kind_percent.get(k) / 100.0, &pctf)?;
        row += 1;
    }
    if !report.hotspot_topics.is_empty() {
        row += 1;
        for (c, h) in ["热点问题", "件数", "占比", "上月"].iter().enumerate() {
            ws.write_string_with_format(row, c as u16, *h, &head)?;
        }
        row += 1;
        for t in &report.hotspot_topics {
            ws.write_string_with_format(row, 0, &t.name, &text)?;
            ws.write_number_with_format(row, 1, t.count as f64, &num)?;
            ws.write_number_with_format(row, 2, t.percent / 100.0, &pctf)?;
            match t.previous {
                Some(p) => ws.write_number_with_format(row, 3, p as f64, &num)?,
                None => ws.write_string_with_format(row, 3, "—", &num)?,
            };
            row += 1;
        }
    }
    ws.set_column_width(0, 22)?;
    ws.set_column_width(1, 10)?;
    ws.set_column_width(2, 10)?;
    ws.set_column_width(3, 10)?;
    Ok(())
}

/// Renders the report as an .xlsx file's bytes.
pub fn render(report: &MonthlyReport) -> Result<Vec<u8>> {
    let mut wb = Workbook::new();
    annex(wb.add_worksheet(), report).context("cannot write the annex sheet")?;
    summary(wb.add_worksheet(), report).context("cannot write the summary sheet")?;
    Ok(wb.save_to_buffer()?)
}
