//! The report as a Word document (docx-rs): the outline's headings and paragraphs in the
//! layout of a Chinese government report (title in 宋体, 一级标题 in 黑体, 二级标题 in 楷体,
//! body in 仿宋 with a two-character first-line indent, A4 portrait), and the annex table on a
//! landscape A4 page of its own. Charts are left to the HTML report.

use anyhow::{anyhow, Result};
use docx_rs::{
    AlignmentType, Docx, HeightRule, LineSpacing, LineSpacingType, PageMargin, PageOrientationType,
    Paragraph, Run, RunFonts, SectionProperty, Shading, SpecialIndentType, Style, StyleType,
    Table as DocxTable, TableCell, TableLayoutType, TableRow, VAlignType, VMergeType, WidthType,
};

use super::outline::{outline, Block, Table};
use super::MonthlyReport;

const A4_W: u32 = 11906;
const A4_H: u32 = 16838;
/// 2 cm in twips.
const MARGIN: i32 = 1134;

fn fonts(east_asia: &str) -> RunFonts {
    RunFonts::new()
        .ascii("Times New Roman")
        .hi_ansi("Times New Roman")
        .east_asia(east_asia)
}

fn margins() -> PageMargin {
    PageMargin {
        top: MARGIN,
        left: MARGIN,
        bottom: MARGIN,
        right: MARGIN,
        header: 567,
        footer: 567,
        gutter: 0,
    }
}

fn exact(line: i32) -> LineSpacing {
    LineSpacing::new()
        .line_rule(LineSpacingType::Exact)
        .line(line)
}

fn styles(doc: Docx) -> Docx {
    doc.add_style(
        Style::new("ReportTitle", StyleType::Paragraph)
            .name("Report Title")
            .based_on("Normal")
            .size(44)
            .bold()
            .fonts(fonts("宋体"))
            .align(AlignmentType::Center)
            .line_spacing(
                LineSpacing::new()
                    .line_rule(LineSpacingType::Auto)
                    .line(360)
                    .before(240)
                    .after(120),
            ),
    )
    .add_style(
        Style::new("Heading1", StyleType::Paragraph)
            .name("heading 1")
            .based_on("Normal")
            .next("Normal")
            .size(32)
            .bold()
            .fonts(fonts("黑体"))
            .outline_lvl(0)
            .line_spacing(exact(560).before(240)),
    )
    .add_style(
        Style::new("Heading2", StyleType::Paragraph)
            .name("heading 2")
            .based_on("Normal")
            .next("Normal")
            .size(32)
            .bold()
            .fonts(fonts("楷体"))
            .outline_lvl(1)
            .line_spacing(exact(560)),
    )
}

/// A two-character first-line indent (twips) for text of `size` half-points.
fn first_line(size: usize) -> i32 {
    (size * 20) as i32
}

fn body(text: &str, size: usize, indent: bool) -> Paragraph {
    let mut p = Paragraph::new()
        .add_run(Run::new().add_text(text).size(size).fonts(fonts("仿宋")))
        .align(AlignmentType::Both)
        .line_spacing(exact(if size >= 28 { 560 } else { 400 }));
    if indent {
        p = p.indent(
            None,
            Some(SpecialIndentType::FirstLine(first_line(size))),
            None,
            None,
        );
    }
    p
}

fn cell(text: &str, width: usize, bold: bool, align: AlignmentType) -> TableCell {
    let mut run = Run::new().add_text(text).size(18).fonts(fonts("宋体"));
    if bold {
        run = run.bold();
    }
    TableCell::new()
        .add_paragraph(Paragraph::new().add_run(run).align(align))
        .width(width, WidthType::Dxa)
        .vertical_align(VAlignType::Center)
}

/// Column widths (twips) filling a landscape A4 line: a wide name column, narrow numbers.
fn column_widths(header: &[String], line: usize) -> Vec<usize> {
    let mut w: Vec<usize> = header
        .iter()
        .map(|h| match h.as_str() {
            "职能部门" => 0,
            "满意率" => 1100,
            "工单总数" | "基本满意" => 1150,
            "未评价" | "不满意" => 900,
            "满意" => 800,
            "黄牌" | "红牌" => 620,
            _ => 700,
        })
        .collect();
    let used: usize = w.iter().sum();
    w[0] = line.saturating_sub(used).max(2000);
    w
}

/// The height (twips) that marks a header row; [`render`] turns the marker into
/// `<w:tblHeader/>` (docx-rs has no setter for it), so the header repeats on every page.
const HEADER_ROW_HEIGHT: u32 = 397;
const HEADER_ROW_MARK: &str = "<w:trHeight w:val=\"397\"";

fn header_row(cells: Vec<TableCell>) -> TableRow {
    TableRow::new(cells)
        .row_height(HEADER_ROW_HEIGHT as f32)
        .height_rule(HeightRule::AtLeast)
        .cant_split()
}

fn table(t: &Table) -> DocxTable {
    let line = (A4_H as i32 - 2 * MARGIN) as usize;
    let widths = column_widths(&t.header, line);
    let header_fill = || Shading::new().fill("E8ECF2");
    let mut rows = Vec::new();
    let grouped = t.groups.iter().any(|(g, _)| !g.is_empty());
    if grouped {
        let mut top = Vec::new();
        let mut bottom = Vec::new();
        let mut col = 0;
        for (g, span) in &t.groups {
            let cols = t.header[col..col + span]
                .iter()
                .zip(&widths[col..col + span]);
            if g.is_empty() {
                for (h, w) in cols {
                    top.push(
                        cell(h, *w, true, AlignmentType::Center)
                            .vertical_merge(VMergeType::Restart)
                            .shading(header_fill()),
                    );
                    bottom.push(
                        cell("", *w, true, AlignmentType::Center)
                            .vertical_merge(VMergeType::Continue)
                            .shading(header_fill()),
                    );
                }
            } else {
                let w: usize = widths[col..col + span].iter().sum();
                top.push(
                    cell(g, w, true, AlignmentType::Center)
                        .grid_span(*span)
                        .shading(header_fill()),
                );
                for (h, w) in cols {
                    bottom.push(cell(h, *w, true, AlignmentType::Center).shading(header_fill()));
                }
            }
            col += span;
        }
        rows.push(header_row(top));
        rows.push(header_row(bottom));
    } else {
        rows.push(header_row(
            t.header
                .iter()
                .enumerate()
                .map(|(i, h)| {
                    cell(h, widths[i], true, AlignmentType::Center).shading(header_fill())
                })
                .collect(),
        ));
    }
    let body_row = |r: &Vec<String>, bold: bool| {
        TableRow::new(
            r.iter()
                .enumerate()
                .map(|(i, c)| {
                    let align = if i == 0 {
                        AlignmentType::Left
                    } else {
                        AlignmentType::Center
                    };
                    cell(c, widths[i], bold, align)
                })
                .collect(),
        )
        .cant_split()
    };
    for r in &t.rows {
        rows.push(body_row(r, false));
    }
    if let Some(total) = &t.total {
        rows.push(body_row(total, true));
    }
    DocxTable::new(rows)
        .set_grid(widths.clone())
        .layout(TableLayoutType::Fixed)
        .width(widths.iter().sum(), WidthType::Dxa)
}

/// Renders the report as a .docx file's bytes.
/// A section heading in `style`, indented like the body and kept with the next paragraph.
fn heading(text: String, style: &str) -> Paragraph {
    Paragraph::new()
        .add_run(Run::new().add_text(text))
        .style(style)
        .indent(
            None,
            Some(SpecialIndentType::FirstLine(first_line(32))),
            None,
            None,
        )
        .keep_next(true)
}

pub fn render(report: &MonthlyReport) -> Result<Vec<u8>> {
    let mut doc = styles(Docx::new())
        .default_fonts(fonts("仿宋"))
        .default_size(32);
    let blocks = outline(report);
    let mut pending_list = 0usize;
    for block in blocks {
        if !matches!(block, Block::Item(_)) {
            pending_list = 0;
        }
        doc = match block {
            Block::Title(t) => doc.add_paragraph(
                Paragraph::new()
                    .add_run(Run::new().add_text(t))
                    .style("ReportTitle"),
            ),
            Block::Subtitle(t) => doc.add_paragraph(
                Paragraph::new()
                    .add_run(Run::new().add_text(t).size(28).fonts(fonts("楷体")))
                    .align(AlignmentType::Center)
                    .line_spacing(LineSpacing::new().after(240)),
            ),
            Block::Heading1(t) if t.starts_with("附件") => {
                // End the portrait section; the annex gets the landscape final section.
                doc.add_paragraph(
                    Paragraph::new().section_property(
                        SectionProperty::new()
                            .page_size(docx_rs::PageSize::new().size(A4_W, A4_H))
                            .page_margin(margins()),
                    ),
                )
                .add_paragraph(
                    Paragraph::new()
                        .add_run(Run::new().add_text(t))
                        .style("Heading1")
                        .align(AlignmentType::Center),
                )
            }
            Block::Heading1(t) => doc.add_paragraph(heading(t, "Heading1")),
            Block::Heading2(t) => doc.add_paragraph(heading(t, "Heading2")),
            Block::Para(t) => doc.add_paragraph(body(&t, 32, true)),
            Block::Item(t) => {
                pending_list += 1;
                doc.add_paragraph(body(&format!("{pending_list}. {t}"), 32, true))
            }
            Block::Note(t) => doc.add_paragraph(body(&t, 24, true)),
            Block::Sign(t) => doc.add_paragraph(
                Paragraph::new()
                    .add_run(Run::new().add_text(t))
                    .align(AlignmentType::Right),
            ),
            Block::Chart(_) => doc,
            Block::Table(t) => doc.add_table(table(&t)),
        };
    }
    doc = doc
        .page_size(A4_H, A4_W)
        .page_orient(PageOrientationType::Landscape)
        .page_margin(margins());
    let mut xml = doc.build();
    let document = String::from_utf8(std::mem::take(&mut xml.document))?;
    xml.document = document
        .replace(
            HEADER_ROW_MARK,
            &format!("<w:tblHeader />{HEADER_ROW_MARK}"),
        )
        .into_bytes();
    let mut buf = std::io::Cursor::new(Vec::new());
    xml.pack(&mut buf)
        .map_err(|e| anyhow!("cannot write the docx: {e}"))?;
    Ok(buf.into_inner())
}
